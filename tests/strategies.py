"""Hypothesis strategies the laws share (intents, contexts, argv), and two Result checks."""

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import msgspec
from hypothesis import assume
from hypothesis import strategies as st
from returns.result import Failure, Result, Success

from momentum.errors import Problem
from momentum.exchange.kraken.ws_v2_messages import AddOrder
from momentum.models.context import Context, Exposure
from momentum.models.intent import (
    Amend,
    Cancel,
    IcebergOrder,
    LimitClose,
    LimitOrder,
    MarketOrder,
    OrderIntent,
    SettlePositionOrder,
    StopLossClose,
    StopLossLimitClose,
    StopLossLimitOrder,
    StopLossOrder,
    TakeProfitClose,
    TakeProfitLimitClose,
    TakeProfitLimitOrder,
    TakeProfitOrder,
    TrailingStopClose,
    TrailingStopLimitClose,
    TrailingStopLimitOrder,
    TrailingStopOrder,
    Trigger,
)
from momentum.probe.flags import FLAGS
from momentum.utils.env import Knobs

wild_decimals = st.one_of(
    st.decimals(allow_nan=True, allow_infinity=True),
    st.sampled_from([Decimal("NaN"), Decimal("-0"), Decimal("1E+999"), Decimal("1E-999")]),
)
# Prices near 100 and quantities that usually pass, so that the success laws get examples.
prices = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("200"), places=2)
quantities = st.decimals(min_value=Decimal("0.00000001"), max_value=Decimal("10"), places=8)
amounts = st.one_of(prices, prices, prices, wild_decimals)
offsets = st.decimals(min_value=Decimal("-99.9"), max_value=Decimal("99.9"), places=1)
sides = st.sampled_from(["buy", "sell"])
symbols = st.one_of(st.just("BTC/USD"), st.just("ETH/EUR"), st.text(max_size=12))
moments = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2035, 1, 1), timezones=st.just(UTC)
)


triggers = st.builds(
    Trigger,
    price=st.one_of(prices, offsets, wild_decimals),
    price_type=st.sampled_from(["static", "static", "pct", "quote"]),
    reference=st.sampled_from(["last", "index"]),
)
closes = st.one_of(
    st.none(),
    st.builds(LimitClose, limit_price=amounts),
    st.builds(StopLossClose, trigger_price=amounts),
    st.builds(TakeProfitClose, trigger_price=amounts),
    st.builds(
        TrailingStopLimitClose,
        trigger_price=amounts,
        limit_price=amounts,
        trigger_price_type=st.sampled_from(["static", "pct", "quote"]),
        limit_price_type=st.sampled_from(["static", "pct", "quote"]),
    ),
    st.builds(
        StopLossClose,
        trigger_price=st.one_of(offsets, wild_decimals),
        trigger_price_type=st.sampled_from(["static", "pct", "quote"]),
    ),
    st.builds(StopLossLimitClose, trigger_price=amounts, limit_price=st.none() | amounts),
    st.builds(TakeProfitLimitClose, trigger_price=amounts, limit_price=st.none() | amounts),
)
common: dict[str, Any] = {
    "symbol": symbols,
    "side": sides,
    "qty": st.one_of(quantities, quantities, wild_decimals),
    "time_in_force": st.sampled_from([None, None, "gtc", "gtd", "ioc", "fok"]),
    "expire_time": st.none() | moments,
    "stp_type": st.sampled_from([None, "cancel_newest", "cancel_oldest", "cancel_both"]),
    "cl_ord_id": st.none() | st.text(max_size=40),
    "order_userref": st.none() | st.integers(),
    "ref_price": st.none() | amounts,
    "close": closes,
}
intents: st.SearchStrategy[OrderIntent] = st.one_of(
    st.builds(IcebergOrder, limit_price=amounts, display_qty=amounts, **common),
    st.builds(TrailingStopOrder, trigger=triggers, **common),
    st.builds(
        TrailingStopLimitOrder,
        trigger=triggers,
        limit_price=amounts,
        limit_price_type=st.sampled_from(["static", "pct", "quote"]),
        **common,
    ),
    st.builds(SettlePositionOrder, **common),
    st.builds(LimitOrder, limit_price=amounts, post_only=st.booleans(), **common),
    st.builds(MarketOrder, **common),
    st.builds(StopLossOrder, trigger=triggers, **common),
    st.builds(TakeProfitOrder, trigger=triggers, **common),
    st.builds(StopLossLimitOrder, trigger=triggers, limit_price=st.none() | amounts, **common),
    st.builds(TakeProfitLimitOrder, trigger=triggers, limit_price=st.none() | amounts, **common),
)
knob_sets = st.builds(
    Knobs,
    entry_max_notional=st.sampled_from([Decimal("10"), Decimal("1000000")]),
    one_position_only=st.booleans(),
    abs_limit_required=st.booleans(),
    allow_live=st.booleans(),
    default_tif=st.sampled_from(["gtc", "gtd", "ioc", "fok"]),
    default_stp=st.sampled_from(["cancel_newest", "cancel_oldest", "cancel_both"]),
    deadline_ms=st.integers(500, 60000),
)
contexts = st.builds(
    Context,
    knobs=knob_sets,
    now=moments,
    exposure=st.builds(Exposure, open_positions=st.integers(-1, 2)),
    live=st.booleans(),
    req_id=st.none() | st.integers(),
    instruments=st.sampled_from(["unchecked", "shipped"]),
    quote_rates=st.dictionaries(st.sampled_from(["USDT", "BTC", "btc"]), wild_decimals, max_size=2),
)
positive_offsets = st.decimals(min_value=Decimal("0.1"), max_value=Decimal("20"), places=1)


# Intents that are usually valid, so that the laws about successes get many examples.
plausible_triggers = st.one_of(
    st.builds(Trigger, price=prices, reference=st.sampled_from(["last", "index"])),
    st.builds(Trigger, price=offsets.filter(bool), price_type=st.just("pct")),
    st.builds(Trigger, price=offsets.filter(bool), price_type=st.just("quote")),
)
plausible_closes = st.one_of(
    st.none(),
    st.builds(
        TrailingStopClose,
        trigger_price=positive_offsets,
        trigger_price_type=st.sampled_from(["pct", "quote"]),
    ),
    st.builds(
        TrailingStopLimitClose,
        trigger_price=positive_offsets,
        trigger_price_type=st.sampled_from(["pct", "quote"]),
        limit_price=st.decimals(min_value=Decimal("-5"), max_value=Decimal("5"), places=1),
        limit_price_type=st.sampled_from(["pct", "quote"]),
    ),
    st.builds(
        StopLossClose,
        trigger_price=offsets.filter(bool),
        trigger_price_type=st.sampled_from(["pct", "quote"]),
    ),
    st.builds(
        TakeProfitLimitClose,
        trigger_price=offsets.filter(bool),
        limit_price=prices,
        trigger_price_type=st.sampled_from(["pct", "quote"]),
    ),
    st.builds(LimitClose, limit_price=prices),
    st.builds(StopLossClose, trigger_price=prices),
    st.builds(TakeProfitClose, trigger_price=prices),
    st.builds(StopLossLimitClose, trigger_price=prices, limit_price=st.none() | prices),
    st.builds(TakeProfitLimitClose, trigger_price=prices, limit_price=st.none() | prices),
)
plausible: dict[str, Any] = {
    "symbol": st.just("BTC/USD"),
    "side": sides,
    "qty": quantities,
    "time_in_force": st.sampled_from([None, "gtc", "ioc"]),
    "stp_type": st.sampled_from([None, "cancel_newest", "cancel_oldest", "cancel_both"]),
    "cl_ord_id": st.none() | st.from_regex(r"[A-Za-z0-9_-]{1,18}", fullmatch=True),
    "ref_price": prices,
    "close": plausible_closes,
    "fee_preference": st.sampled_from([None, "base", "quote"]),
    "sender_sub_id": st.none() | st.from_regex(r"[A-Za-z0-9_-]{1,18}", fullmatch=True),
}


def _trigger_on_the_right_side(order: OrderIntent) -> OrderIntent:
    """Put a stop's or take-profit's trigger where it does not fire at once (the checks refuse
    that), keeping the drawn distance, so the success laws get examples of every type."""
    if not isinstance(
        order, StopLossOrder | StopLossLimitOrder | TakeProfitOrder | TakeProfitLimitOrder
    ):
        return order
    stop = isinstance(order, StopLossOrder | StopLossLimitOrder)
    below = (order.side == "sell") == stop
    trigger = order.trigger
    if trigger.price_type != "static":
        price = -abs(trigger.price) if below else abs(trigger.price)
    else:
        ref = order.ref_price or Decimal(100)
        distance = abs(trigger.price - ref) + Decimal("0.01")
        price = ref - distance if below else ref + distance
        if price <= 0:
            price = (ref / 2).quantize(Decimal("0.01"))
    return msgspec.structs.replace(order, trigger=msgspec.structs.replace(trigger, price=price))


trailing_triggers = st.builds(
    Trigger, price=positive_offsets, price_type=st.sampled_from(["pct", "quote"])
)
plausible_intents: st.SearchStrategy[OrderIntent] = st.one_of(
    st.builds(LimitOrder, limit_price=prices, post_only=st.booleans(), **plausible),
    st.builds(MarketOrder, **plausible),
    st.builds(StopLossOrder, trigger=plausible_triggers, **plausible),
    st.builds(TakeProfitOrder, trigger=plausible_triggers, **plausible),
    st.builds(
        StopLossLimitOrder, trigger=plausible_triggers, limit_price=st.none() | prices, **plausible
    ),
    st.builds(
        TakeProfitLimitOrder,
        trigger=plausible_triggers,
        limit_price=st.none() | prices,
        **plausible,
    ),
    st.builds(IcebergOrder, limit_price=prices, display_qty=quantities, **plausible),
    st.builds(TrailingStopOrder, trigger=trailing_triggers, **plausible),
    st.builds(
        TrailingStopLimitOrder,
        trigger=trailing_triggers,
        limit_price=st.decimals(min_value=Decimal("-5"), max_value=Decimal("5"), places=1),
        limit_price_type=st.sampled_from(["pct", "quote"]),
        **plausible,
    ),
).map(_trigger_on_the_right_side)
plausible_contexts = st.builds(
    Context,
    knobs=st.builds(
        Knobs,
        entry_max_notional=st.just(Decimal(10**9)),
        abs_limit_required=st.booleans(),
        allow_live=st.booleans(),
        default_stp=st.sampled_from(["cancel_newest", "cancel_oldest", "cancel_both"]),
        deadline_ms=st.integers(500, 60000),
    ),
    now=moments,
    live=st.booleans(),
    req_id=st.none() | st.integers(-(2**31), 2**31 - 1),
    instruments=st.just("unchecked"),  # the shipped table's rules have laws of their own
)
flag_names = st.one_of(st.sampled_from(sorted(flag.name for flag in FLAGS)), st.text(max_size=12))
argvs = st.lists(st.one_of(flag_names, st.text(max_size=20)), max_size=30)


# amends and cancels, for the laws about every other builder


amends = st.builds(
    Amend,
    order_id=st.none() | st.text(max_size=20),
    cl_ord_id=st.none() | st.text(max_size=20),
    qty=amounts,
    limit_price=st.none() | amounts,
    limit_price_type=st.sampled_from(["static", "pct", "quote"]),
    trigger_price=st.none() | amounts,
    trigger_price_type=st.sampled_from(["static", "pct", "quote"]),
    post_only=st.booleans(),
    display_qty=st.none() | amounts,
    remaining_qty=st.none() | amounts,
)
cancels = st.builds(
    Cancel,
    order_ids=st.lists(st.text(max_size=20), max_size=3).map(tuple),
    cl_ord_ids=st.lists(st.text(max_size=20), max_size=3).map(tuple),
    order_userrefs=st.lists(st.integers(), max_size=3).map(tuple),
)


def _is_result(value: object) -> bool:
    return isinstance(value, Success | Failure)


def _succeeds(result: Result[AddOrder, tuple[Problem, ...]]) -> AddOrder:
    assume(isinstance(result, Success))
    return result.unwrap()

"""Laws of the core, as hypothesis properties (profile `ci` by default, `fuzz` by hand)."""

import contextlib
import io
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import msgspec
from hypothesis import assume, given
from hypothesis import strategies as st
from returns.result import Failure, Result, Success

from momentum.errors import Problem
from momentum.exchange.kraken.instruments import decode_instruments, load_default_instruments
from momentum.exchange.kraken.read_back import intent_of
from momentum.exchange.kraken.rest.render import build_rest_add_order
from momentum.exchange.kraken.ws_v2_check import check_message
from momentum.exchange.kraken.ws_v2_messages import AddOrder, decode, decode_request, encode
from momentum.exchange.kraken.ws_v2_payloads import build_add_order
from momentum.exchange.kraken.ws_v2_requests import (
    build_amend_order,
    build_batch_add,
    build_cancel_order,
)
from momentum.exchange.kraken.ws_v2_responses import decode_answer
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
from momentum.probe.core import probe_message
from momentum.probe.flags import FLAGS
from momentum.probe.request import parse_argv, parse_flags
from momentum.scripts.ws_payload_probe import main
from momentum.utils.env import KNOB_NAMES, Knobs, parse_knobs

TABLE = load_default_instruments().unwrap()

# --- strategies ---------------------------------------------------------------------------------

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


def _is_result(value: object) -> bool:
    return isinstance(value, Success | Failure)


# --- laws ------------------------------------------------------------------------------------------


@given(intents, contexts)
def test_the_builder_returns_a_result_for_every_intent(order: OrderIntent, ctx: Context) -> None:
    """The core returns a Result for every input; it never raises."""
    assert _is_result(build_add_order(order, ctx))


@given(argvs, st.dictionaries(st.sampled_from(KNOB_NAMES), st.text(max_size=20)), moments)
def test_the_probe_core_returns_a_result_for_any_argv_and_any_knobs(
    argv: list[str], knob_text: dict[str, str], now: datetime
) -> None:
    """The core returns a Result for every input; it never raises."""
    knobs = parse_knobs(knob_text, {}, file_label="f")
    result = probe_message(parse_argv(argv, TABLE), knobs, Success(TABLE), now)
    assert _is_result(result)


@given(
    st.dictionaries(st.sampled_from(sorted(flag.name for flag in FLAGS)), st.text(max_size=20)),
    knob_sets,
    moments,
)
def test_the_probe_core_returns_a_result_for_any_flag_text(
    values: dict[str, str], knobs: Knobs, now: datetime
) -> None:
    """The core returns a Result for every input; it never raises."""
    base = {"--symbol": "BTC/USD", "--side": "buy", "--qty": "0.001"}
    request = parse_flags(base | values, TABLE)
    assert _is_result(probe_message(request, Success(knobs), Success(TABLE), now))


def _succeeds(result: Result[AddOrder, tuple[Problem, ...]]) -> AddOrder:
    assume(isinstance(result, Success))
    return result.unwrap()


@given(plausible_intents, plausible_contexts)
def test_encoding_then_decoding_gives_an_equal_message(order: OrderIntent, ctx: Context) -> None:
    """Encoding then decoding gives an equal message."""
    message = _succeeds(build_add_order(order, ctx))
    assert decode(encode(message).unwrap()).unwrap() == message


@given(plausible_intents, plausible_contexts)
def test_a_success_passes_the_guards_again(order: OrderIntent, ctx: Context) -> None:
    """A Success passes the guards again: the decoded message, read back as an intent, builds the
    same message."""
    message = _succeeds(build_add_order(order, ctx))
    decoded = decode(encode(message).unwrap()).unwrap()
    again = build_add_order(intent_of(decoded, ref_price=order.ref_price).unwrap(), ctx)
    assert again == Success(message)


@given(intents, contexts)
def test_the_same_intent_and_clock_give_the_same_bytes(order: OrderIntent, ctx: Context) -> None:
    """The same intent and the same clock give byte-identical output."""
    first = build_add_order(order, ctx).map(lambda m: encode(m).value_or(b""))
    assert first == build_add_order(order, ctx).map(lambda m: encode(m).value_or(b""))


@given(
    qty=quantities,
    limit=prices,
    gap=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("50"), places=2),
    now=moments,
)
def test_a_valid_oto_limit_buy_always_succeeds(
    qty: Decimal, limit: Decimal, gap: Decimal, now: datetime
) -> None:
    """A well-formed OTO limit buy under a generous cap is never refused (the guards are not
    too strict)."""
    assume(limit - gap > 0)
    order = LimitOrder(
        symbol="BTC/USD",
        side="buy",
        qty=qty,
        limit_price=limit,
        close=StopLossLimitClose(trigger_price=limit - gap, limit_price=limit - gap),
    )
    ctx = Context(knobs=Knobs(entry_max_notional=Decimal(10_000)), now=now, instruments="unchecked")
    message = build_add_order(order, ctx).unwrap()
    deadline = message.params.deadline
    assert isinstance(deadline, str)
    assert deadline.endswith("Z")
    assert (
        now + timedelta(seconds=4)
        < datetime.strptime(deadline, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
        <= now + timedelta(seconds=5)
    )


@given(st.lists(intents, max_size=17), contexts)
def test_a_batch_of_any_intents_returns_a_result(orders: list[OrderIntent], ctx: Context) -> None:
    """The core returns a Result for every input; it never raises."""
    assert _is_result(build_batch_add(orders, ctx))


@given(st.one_of(st.binary(max_size=300), st.text(max_size=300).map(str.encode)), contexts)
def test_checking_any_bytes_never_raises(data: bytes, ctx: Context) -> None:
    """The core returns a Result for every input; it never raises."""
    assert isinstance(check_message(data, ctx), tuple)


# --- every other public core function, and the probe's promise about stdout -------------------

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


@given(amends, cancels, intents, contexts)
def test_amend_cancel_and_rest_builders_return_a_result(
    amend: Amend, cancel: Cancel, order: OrderIntent, ctx: Context
) -> None:
    """The core returns a Result for every input; it never raises."""
    with_table = msgspec.structs.replace(ctx, instruments=TABLE)
    assert _is_result(build_amend_order(amend, ctx))
    assert _is_result(build_cancel_order(cancel, ctx))
    assert _is_result(build_rest_add_order(order, with_table))


@given(st.binary(max_size=400))
def test_every_decoder_returns_a_result_for_any_bytes(data: bytes) -> None:
    """The core returns a Result for every input; it never raises."""
    assert _is_result(decode_answer(data))
    assert _is_result(decode_instruments(data))
    assert _is_result(decode_request(data))


@given(argvs)
def test_a_refusal_never_writes_to_stdout(argv: list[str]) -> None:
    """A refusal never yields output on stdout: exit 0 and a message, or nothing on stdout."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        # no --check (it reads stdin) and no --help (it prints usage on purpose)
        code = main([a for a in argv if not a.startswith(("--check", "-h", "--help"))])
    assert (code == 0) == bool(out.getvalue())
    if code == 0:
        assert json.loads(out.getvalue())

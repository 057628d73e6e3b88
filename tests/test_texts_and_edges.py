"""Refusal texts and edges that a first mutation run found unpinned: each test states one
behaviour a user relies on (what a refusal says, where a limit lies, what a render falls back to).
"""

import os
import time
from collections.abc import Iterator
from datetime import timedelta, timezone
from typing import Any, ClassVar

import msgspec
import pytest

from momentum.exchange.kraken.read_back import intent_of
from momentum.exchange.kraken.ws_v2_messages import AddOrder, encode
from momentum.exchange.kraken.ws_v2_payloads import deadline_text, render_add_order
from momentum.models.context import Context
from momentum.models.intent import (
    Amend,
    Cancel,
    IcebergOrder,
    LimitClose,
    LimitOrder,
    MarketOrder,
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
from momentum.utils.safety import check_amend, check_cancel, check_order, entry_max_notional
from tests.helpers import NOW, D, N, built, context, knobs, limit, loads, problems, refused


class TestSymbolTexts:
    def test_a_symbol_without_a_slash_gets_no_suggestion(self) -> None:
        assert refused(limit(symbol="BTCUSD")) == [
            "symbol: 'BTCUSD'; use BASE/QUOTE in capitals, such as BTC/USD"
        ]

    def test_a_lower_case_symbol_is_offered_its_capitals(self) -> None:
        assert refused(limit(symbol="btc/usd")) == [
            "symbol: 'btc/usd'; use BASE/QUOTE in capitals, such as BTC/USD (did you mean BTC/USD?)"
        ]

    def test_a_symbol_that_is_not_text_is_refused_not_raised(self) -> None:
        assert refused(limit(symbol=42)) == [
            "symbol: '42'; use BASE/QUOTE in capitals, such as BTC/USD"
        ]


class TestScheduledTimes:
    def test_a_naive_time_is_refused_with_an_example(self) -> None:
        assert refused(limit(effective_time=NOW.replace(tzinfo=None))) == [
            "effective_time: '2026-11-28 09:00:00.123456'; use a timezone-aware datetime such as "
            "2026-12-01T00:00:00Z"
        ]

    def test_a_time_finer_than_a_second_is_refused(self) -> None:
        assert refused(limit(effective_time=NOW)) == [
            "effective_time: '2026-11-28T09:00:00.123456+00:00'; use whole seconds (Kraken's "
            "precision for effective_time)"
        ]

    def test_a_start_at_exactly_now_is_refused_and_one_second_later_is_accepted(self) -> None:
        whole = NOW.replace(microsecond=0)
        ctx = Context(knobs=knobs(), now=whole)
        assert problems(check_order(limit(effective_time=whole), ctx)) == [
            "effective_time: '2026-11-28T09:00:00+00:00'; use a time after now"
        ]
        later = whole + timedelta(seconds=1)
        assert check_order(limit(effective_time=later), ctx).unwrap().effective_time == later

    def test_an_expiry_exactly_28_days_ahead_is_accepted_and_a_second_more_is_not(self) -> None:
        whole = NOW.replace(microsecond=0)
        ctx = Context(knobs=knobs(), now=whole)
        edge = whole + timedelta(days=28)
        assert check_order(limit(time_in_force="gtd", expire_time=edge), ctx).unwrap()
        beyond = limit(time_in_force="gtd", expire_time=edge + timedelta(seconds=1))
        assert problems(check_order(beyond, ctx)) == [
            "expire_time: '2026-12-26T09:00:01+00:00'; use a time after now and at most 28 days "
            "ahead"
        ]


class TestAmendAndCancelTexts:
    def test_amend_names_a_req_id_outside_32_bits(self) -> None:
        ctx = context(req_id=2**31, allow_live=True)
        assert problems(check_amend(Amend(order_id="O1", qty=D("1"), side="sell"), ctx)) == [
            "req_id: '2147483648'; use a whole number from -2147483648 to 2147483647"
        ]

    def test_cancel_names_each_bad_userref_and_the_req_id(self) -> None:
        ctx = context(req_id=-(2**31) - 1, allow_live=True)
        assert problems(check_cancel(Cancel(order_userrefs=(1, 2**31)), ctx)) == [
            "order_userrefs[1]: '2147483648'; use a signed 32-bit integer",
            "req_id: '-2147483649'; use a whole number from -2147483648 to 2147483647",
        ]

    def test_the_32_bit_edges_are_accepted(self) -> None:
        ctx = context(req_id=-(2**31), allow_live=True)
        assert check_cancel(Cancel(order_userrefs=(2**31 - 1,)), ctx).unwrap()
        assert check_amend(Amend(order_id="O1", qty=D("1"), side="sell"), context(req_id=2**31 - 1,
                                                                       allow_live=True)).unwrap()  # fmt: skip


def test_a_trailing_buy_close_is_bounded_at_the_entry_plus_its_offset() -> None:
    # sell 1 at 100; the buy close trails 10% from the trough: at most 110 x 1 = 110
    order = limit(side="sell", qty=D("1"), limit_price=D("100"),
                  close=TrailingStopClose(trigger_price=D("10"), trigger_price_type="pct"))  # fmt: skip
    assert built(order, context(entry_max_notional=D("110")))
    assert refused(order, context(entry_max_notional=D("109.99"))) == [
        "ENTRY_MAX_NOTIONAL refused: 1 x 110 = 110 USD > cap 109.99 USD; raise "
        "ENTRY_MAX_NOTIONAL to at least 110, or lower the quantity or the price"
    ]


class TestRenderIsTotal:
    """`render_add_order` on an intent the checks would refuse for a missing limit (it is total):
    the limit falls back to the trigger price, as ABS_LIMIT_REQUIRED=0 documents."""

    @pytest.mark.parametrize("kind", [StopLossLimitOrder, TakeProfitLimitOrder])
    def test_a_primary_without_its_limit(self, kind: Any) -> None:
        order = kind(symbol="BTC/USD", side="sell", qty=D("1"), trigger=Trigger(price=D("90")))
        data = loads(encode(render_add_order(order, context())).unwrap())
        assert data["params"]["limit_price"] == N("90")

    @pytest.mark.parametrize("kind", [StopLossLimitClose, TakeProfitLimitClose])
    def test_a_close_without_its_limit(self, kind: Any) -> None:
        message = render_add_order(limit(close=kind(trigger_price=D("28000"))), context())
        assert loads(encode(message).unwrap())["params"]["conditional"]["limit_price"] == N("28000")


RELATIVE_CLOSES = [
    StopLossClose(trigger_price=D("-2"), trigger_price_type="pct"),
    TakeProfitClose(trigger_price=D("3"), trigger_price_type="pct"),
    StopLossLimitClose(trigger_price=D("-150"), trigger_price_type="quote", limit_price=D("28000")),
    TakeProfitLimitClose(trigger_price=D("3"), trigger_price_type="pct", limit_price=D("29500")),
]


@pytest.mark.parametrize("close", RELATIVE_CLOSES, ids=lambda close: type(close).__name__)
def test_a_relative_close_keeps_its_price_type_on_the_wire_and_back(close: Any) -> None:
    data = built(limit(close=close))
    assert data["params"]["conditional"]["trigger_price_type"] == close.trigger_price_type
    message = render_add_order(limit(close=close), context())
    assert intent_of(message).unwrap().close == close


@pytest.fixture
def new_york_clock() -> Iterator[None]:
    saved = os.environ.get("TZ")
    os.environ["TZ"] = "America/New_York"
    time.tzset()
    yield
    if saved is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = saved
    time.tzset()


@pytest.mark.usefixtures("new_york_clock")
def test_scheduled_times_go_out_in_utc_whatever_the_host_clock_says() -> None:
    start = NOW.replace(microsecond=0) + timedelta(hours=1)
    data = built(limit(effective_time=start))
    assert data["params"]["effective_time"] == "2026-11-28T10:00:00Z"


def test_a_message_with_an_unreadable_time_is_named_when_read_back() -> None:
    message = render_add_order(limit(), context())
    bad = AddOrder(params=msgspec.structs.replace(message.params, effective_time="tomorrow"))
    (found,) = intent_of(bad).failure()
    assert found.render() == (
        "params.effective_time: 'tomorrow'; use RFC 3339 to the second, such as "
        "2026-12-01T00:00:00Z"
    )


BASE: dict[str, Any] = {"symbol": "BTC/USD", "qty": D("1")}
AT_100: dict[str, Any] = {"symbol": "BTC/USD", "qty": D("1"), "limit_price": D("100")}


@pytest.mark.parametrize(
    ("order", "text"),
    [
        (StopLossOrder(**BASE, side="sell", trigger=Trigger(price=D("2"), price_type="pct")),
         "trigger.price: 2 puts a sell stop on the side of the market where it fires at once; "
         "use a negative offset"),
        (TakeProfitOrder(**BASE, side="buy", trigger=Trigger(price=D("2"), price_type="pct"),
                         ref_price=D("100")),
         "trigger.price: 2 puts a buy take-profit on the side of the market where it fires at "
         "once; use a negative offset"),
        (StopLossOrder(**BASE, side="sell", trigger=Trigger(price=D("100")), ref_price=D("100")),
         "trigger.price: 100 is not below the market 100: a sell stop there fires at once; use a "
         "trigger below 100"),
        (TakeProfitOrder(**BASE, side="sell", trigger=Trigger(price=D("100")), ref_price=D("100")),
         "trigger.price: 100 is not above the market 100: a sell take-profit there fires at "
         "once; use a trigger above 100"),
    ],
)  # fmt: skip
def test_a_trigger_that_would_fire_at_once_is_refused_in_words(order: Any, text: str) -> None:
    assert refused(order) == [text]


def test_a_small_positive_offset_is_the_right_side_for_a_sell_take_profit() -> None:
    order = TakeProfitOrder(**BASE, side="sell", trigger=Trigger(price=D("0.5"), price_type="pct"))
    assert built(order)["params"]["triggers"]["price_type"] == "pct"


def test_a_static_take_profit_just_above_the_market_is_accepted() -> None:
    order = TakeProfitOrder(**BASE, side="sell", trigger=Trigger(price=D("100.01")),
                            ref_price=D("100"))  # fmt: skip
    assert built(order)["params"]["order_type"] == "take-profit"


class TestStopLimitPrimary:
    def relative(self, limit: str, ref: str | None) -> StopLossLimitOrder:
        return StopLossLimitOrder(**BASE, side="sell", limit_price=D(limit),
                                  trigger=Trigger(price=D("-2"), price_type="pct"),
                                  ref_price=None if ref is None else D(ref))  # fmt: skip

    def test_a_relative_trigger_needs_the_market_price_to_be_held_to_its_limit(self) -> None:
        assert refused(self.relative("95", None)) == [
            "ref_price: missing; use the current market price, to place the relative trigger "
            "against the limit"
        ]

    def test_with_the_market_price_the_limit_at_or_below_the_placed_trigger_passes(self) -> None:
        assert built(self.relative("98", "100"))["params"]["limit_price"] == N("98")

    def test_a_limit_above_the_placed_trigger_is_refused_in_words(self) -> None:
        assert refused(self.relative("98.5", "100")) == [
            "limit_price: 98.5 is above the sell stop's trigger 98; use a limit at or below 98"
        ]


@pytest.mark.parametrize(
    ("order", "text"),
    [
        (LimitOrder(**AT_100, side="buy",
                    close=StopLossLimitClose(trigger_price=D("90"), limit_price=D("91"))),
         "close.limit_price: 91 is above the sell stop's trigger 90; use a limit at or below 90"),
        (LimitOrder(**AT_100, side="sell",
                    close=StopLossLimitClose(trigger_price=D("110"), limit_price=D("109"))),
         "close.limit_price: 109 is below the buy stop's trigger 110; use a limit at or above 110"),
        (LimitOrder(**AT_100, side="buy", close=TakeProfitClose(trigger_price=D("100"))),
         "close.trigger_price: 100 is not above the buy entry 100; use a take-profit price above "
         "100"),
        (LimitOrder(**AT_100, side="buy", close=LimitClose(limit_price=D("99"))),
         "close.limit_price: 99 is not above the buy entry 100; use a limit close price above 100"),
        (LimitOrder(**AT_100, side="sell", close=StopLossClose(trigger_price=D("100"))),
         "close.trigger_price: 100 is not above the sell entry 100; use a stop price above 100"),
    ],
)  # fmt: skip
def test_a_close_on_the_wrong_side_is_refused_in_words(order: Any, text: str) -> None:
    assert refused(order) == [text]


NOTIONALS = [
    # (order, knob changes, the buy leg's price the cap is held to)
    (TrailingStopOrder(**BASE, side="buy", ref_price=D("100"),
                       trigger=Trigger(price=D("2"), price_type="pct")), {}, "102"),
    (TrailingStopLimitOrder(**BASE, side="buy", ref_price=D("100"), limit_price=D("1"),
                            trigger=Trigger(price=D("2"), price_type="pct")), {}, "103"),
    (LimitOrder(**AT_100, side="sell",
                close=TrailingStopLimitClose(trigger_price=D("10"), trigger_price_type="pct",
                                             limit_price=D("1"), limit_price_type="quote")),
     {}, "111"),
    (LimitOrder(**AT_100, side="sell",
                close=StopLossClose(trigger_price=D("5"), trigger_price_type="pct")), {}, "105"),
    (StopLossLimitOrder(**BASE, side="buy", trigger=Trigger(price=D("100"))),
     {"abs_limit_required": False}, "100"),
    (LimitOrder(**AT_100, side="sell", close=StopLossLimitClose(trigger_price=D("110"))),
     {"abs_limit_required": False}, "110"),
]  # fmt: skip


@pytest.mark.parametrize(("order", "changes", "price"), NOTIONALS)
def test_each_buy_leg_is_held_to_the_cap_at_the_price_it_can_reach(
    order: Any, changes: dict[str, Any], price: str
) -> None:
    assert built(order, context(entry_max_notional=D(price), **changes))
    below = D(price) - D("0.01")
    assert refused(order, context(entry_max_notional=below, **changes)) == [
        f"ENTRY_MAX_NOTIONAL refused: 1 x {price} = {price} USD > cap {below} USD; raise "
        f"ENTRY_MAX_NOTIONAL to at least {price}, or lower the quantity or the price"
    ]


def test_a_trailing_limit_buy_without_the_market_price_cannot_be_bounded() -> None:
    order = TrailingStopLimitOrder(**BASE, side="buy", limit_price=D("1"),
                                   trigger=Trigger(price=D("2"), price_type="pct"))  # fmt: skip
    assert refused(order, context(entry_max_notional=D("1000"))) == [
        "ENTRY_MAX_NOTIONAL refused: the entry's price is unknown, so its notional cannot be "
        "bounded by cap 1000 USD; give a reference price (ref_price) or a limit price (limit_price)"
    ]


class TestDeadline:
    def test_it_is_truncated_to_the_millisecond_at_the_edge(self) -> None:
        edge = NOW.replace(microsecond=123999)
        assert deadline_text(edge, 5000) == "2026-11-28T09:00:05.123Z"

    @pytest.mark.usefixtures("new_york_clock")
    def test_it_is_written_in_utc_from_any_zone_on_any_host(self) -> None:
        berlin = NOW.astimezone(timezone(timedelta(hours=1)))
        assert deadline_text(berlin, 5000) == "2026-11-28T09:00:05.123Z"


class TestIcebergDisplay:
    ICE: ClassVar[dict[str, Any]] = {"symbol": "BTC/USD", "side": "sell", "qty": D("15"),
                                     "limit_price": D("100")}  # fmt: skip

    def test_exactly_one_fifteenth_and_exactly_the_whole_are_accepted(self) -> None:
        assert built(IcebergOrder(**self.ICE, display_qty=D("1")))["params"]["display_qty"] == N(
            "1"
        )
        assert built(IcebergOrder(**self.ICE, display_qty=D("15")))

    @pytest.mark.parametrize("shown", ["0.99", "15.01"])
    def test_less_or_more_is_refused_with_the_least(self, shown: str) -> None:
        assert refused(IcebergOrder(**self.ICE, display_qty=D(shown))) == [
            f"display_qty: {shown} for an order of 15; use at least 1/15 of the order (1) and at "
            "most the order"
        ]

    def test_a_display_that_is_no_amount_is_named(self) -> None:
        assert refused(IcebergOrder(**self.ICE, display_qty=D("0"))) == [
            "display_qty: '0'; use a positive finite decimal with at most 18 decimals, below 10^16"
        ]


class TestCloseNeeds:
    def test_a_relative_stop_limit_close_needs_its_own_limit_with_the_knob_off(self) -> None:
        close = StopLossLimitClose(trigger_price=D("-2"), trigger_price_type="pct")
        assert refused(limit(close=close), context(abs_limit_required=False)) == [
            "close.limit_price: missing; use an absolute limit price (a relative trigger cannot "
            "stand in for it)"
        ]
        given = msgspec.structs.replace(close, limit_price=D("27800"))
        data = built(limit(close=given), context(abs_limit_required=False))
        assert data["params"]["conditional"]["limit_price"] == N("27800")

    def test_a_market_sell_with_a_close_needs_the_market_price(self) -> None:
        order = MarketOrder(**BASE, side="sell", close=TakeProfitClose(trigger_price=D("90")))
        assert refused(order) == [
            "ref_price: missing; use the current market price, to check the close against the entry"
        ]

    def test_a_buy_close_without_a_price_is_refused_by_both_guards(self) -> None:
        order = limit(**AT_100, side="sell", close=StopLossLimitClose(trigger_price=D("110")))
        assert refused(order, context(entry_max_notional=D("1000"))) == [
            "ENTRY_MAX_NOTIONAL refused: the buy close's price is unknown, so its notional cannot "
            "be bounded by cap 1000 USD; give a reference price (ref_price) or a limit price (limit_price)",
            "ABS_LIMIT_REQUIRED refused: no absolute limit price on its stop-loss-limit close; "
            "give the limit price (close.limit_price), or set ABS_LIMIT_REQUIRED=0 to use the "
            "trigger price as the limit",
        ]

    def test_a_trailing_close_must_be_relative(self) -> None:
        close = TrailingStopClose(trigger_price=D("2"), trigger_price_type="static")
        assert refused(limit(close=close)) == [
            "close.trigger_price_type: 'static'; use pct or quote (a trailing offset is relative)"
        ]


def test_a_cash_buy_is_held_to_the_larger_of_its_two_amounts_in_words() -> None:
    order = MarketOrder(**BASE, side="buy", ref_price=D("100"), cash_qty=D("150"))
    assert refused(order, context(entry_max_notional=D("120"))) == [
        "ENTRY_MAX_NOTIONAL refused: cash_qty 150 USD and 1 x 100 = 100 USD: 150 USD > cap 120 "
        "USD; raise ENTRY_MAX_NOTIONAL to at least 150, or lower the quantity or the price"
    ]


def test_a_guard_called_directly_on_an_unchecked_symbol_still_speaks_plainly() -> None:
    order = limit(symbol="BTCUSD", qty=D("1"), limit_price=D("100"))
    refusal = entry_max_notional(order, context(entry_max_notional=D("10")))
    assert refusal is not None
    assert refusal.render() == (
        "ENTRY_MAX_NOTIONAL refused: the entry's pair is 'BTCUSD', which names no quote currency, "
        "so its notional cannot be bounded by cap 10 USD; give the order's symbol, BASE/QUOTE "
        "such as BTC/USD"
    )

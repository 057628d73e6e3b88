"""Refusal texts and edges that a first mutation run found unpinned: each test states one
behaviour a user relies on (what a refusal says, where a limit lies, what a render falls back to).
"""

import os
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import msgspec
import pytest

from momentum.exchange.kraken.ws_v2_messages import AddOrder, encode
from momentum.exchange.kraken.ws_v2_payloads import intent_of, render_add_order
from momentum.models.intent import (
    Amend,
    Cancel,
    LimitOrder,
    StopLossClose,
    StopLossLimitClose,
    StopLossLimitOrder,
    TakeProfitClose,
    TakeProfitLimitClose,
    TakeProfitLimitOrder,
    TrailingStopClose,
    Trigger,
)
from momentum.utils.safety import Context, check_amend, check_cancel, check_order
from tests.helpers import NOW, D, N, built, context, knobs, loads, problems, refused


def limit(**changes: Any) -> LimitOrder:
    fields: dict[str, Any] = {
        "symbol": "BTC/USD",
        "side": "buy",
        "qty": D("0.001"),
        "limit_price": D("28440"),
    }
    return LimitOrder(**(fields | changes))


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
        assert problems(check_amend(Amend(order_id="O1", qty=D("1")), ctx)) == [
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
        assert check_amend(Amend(order_id="O1", qty=D("1")), context(req_id=2**31 - 1,
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
    found = intent_of(bad).failure()
    assert found.render() == (
        "params.effective_time: 'tomorrow'; use RFC3339 UTC to the second, such as "
        "2026-12-01T00:00:00Z"
    )

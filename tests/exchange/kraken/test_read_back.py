"""`intent_of` (read_back.py), the renderer's inverse: every field comes back from the bytes."""

from datetime import timedelta
from typing import Any

import msgspec
import pytest
from hypothesis import given
from returns.result import Success

from momentum.exchange.kraken.read_back import intent_of
from momentum.exchange.kraken.ws_v2_messages import AddOrder, decode, encode
from momentum.exchange.kraken.ws_v2_payloads import (
    build_add_order,
    build_add_order_json,
    render_add_order,
)
from momentum.models.context import Context
from momentum.models.intent import (
    Close,
    IcebergOrder,
    LimitClose,
    LimitOrder,
    MarketOrder,
    OrderIntent,
    SpotOrder,
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
from tests.exchange.kraken.test_ws_v2_payloads import _BASE, PRIMARIES
from tests.helpers import NOW, D, built, context, limit
from tests.strategies import _succeeds, plausible_contexts, plausible_intents

START = NOW.replace(microsecond=0) + timedelta(minutes=5)
EXPIRY = START + timedelta(days=2)


def common(**changes: Any) -> dict[str, Any]:
    return {
        "symbol": "BTC/USD", "side": "sell", "qty": D("0.0150"), "time_in_force": "gtd",
        "expire_time": EXPIRY, "effective_time": START, "stp_type": "cancel_both",
        "fee_preference": "base", "order_userref": -7, "ref_price": D("28500"),
        "sender_sub_id": "desk-2",
    } | changes  # fmt: skip


LOADED: list[SpotOrder] = [
    LimitOrder(**common(), limit_price=D("28600.5"), post_only=True,
               close=TakeProfitLimitClose(trigger_price=D("-3"), trigger_price_type="pct",
                                          limit_price=D("27600"))),
    MarketOrder(**common(side="buy", time_in_force="ioc", expire_time=None, ref_price=D("28500")),
                cash_qty=D("400.25")),
    StopLossOrder(**common(), trigger=Trigger(price=D("-1.5"), price_type="pct", reference="index")),
    TakeProfitOrder(**common(), trigger=Trigger(price=D("300"), price_type="quote")),
    StopLossLimitOrder(**common(), trigger=Trigger(price=D("28000")), limit_price=D("27990")),
    TakeProfitLimitOrder(**common(), trigger=Trigger(price=D("29000")), limit_price=D("29010")),
    IcebergOrder(**common(cl_ord_id="ice-1", order_userref=None), limit_price=D("28700"),
                 display_qty=D("0.0010")),
    TrailingStopOrder(**common(), trigger=Trigger(price=D("2"), price_type="pct")),
    TrailingStopLimitOrder(**common(), trigger=Trigger(price=D("150"), price_type="quote"),
                           limit_price=D("-5"), limit_price_type="quote"),
    TrailingStopLimitOrder(**common(), trigger=Trigger(price=D("1"), price_type="pct"),
                           limit_price=D("-0.5"), limit_price_type="pct"),
]  # fmt: skip


@pytest.mark.parametrize("order", LOADED, ids=lambda order: type(order).__name__)
def test_every_field_comes_back_from_the_bytes(order: SpotOrder) -> None:
    data = build_add_order_json(order, context()).unwrap()
    message = decode(data).unwrap()
    assert intent_of(message, ref_price=order.ref_price).unwrap() == order


CLOSES: list[Close] = [
    LimitClose(limit_price=D("27000")),
    StopLossClose(trigger_price=D("29000")),
    StopLossClose(trigger_price=D("2"), trigger_price_type="pct"),
    TakeProfitClose(trigger_price=D("-500"), trigger_price_type="quote"),
    StopLossLimitClose(trigger_price=D("29000"), limit_price=D("29050")),
    TakeProfitLimitClose(trigger_price=D("27000"), limit_price=D("26990")),
    TrailingStopClose(trigger_price=D("1.5"), trigger_price_type="pct"),
    TrailingStopLimitClose(trigger_price=D("100"), trigger_price_type="quote",
                           limit_price=D("2"), limit_price_type="pct"),
]  # fmt: skip


@pytest.mark.parametrize("close", CLOSES, ids=lambda close: repr(close)[:40])
def test_every_close_type_comes_back_from_the_bytes(close: Close) -> None:
    order = LimitOrder(symbol="BTC/USD", side="sell", qty=D("0.01"), limit_price=D("28000"),
                       time_in_force="gtc", stp_type="cancel_newest", close=close)  # fmt: skip
    message = decode(build_add_order_json(order, context()).unwrap()).unwrap()
    assert intent_of(message).unwrap() == order


ENTRY: dict[str, Any] = {"symbol": "BTC/USD", "side": "buy", "qty": D("0.001"),
                         "limit_price": D("28440")}  # fmt: skip
RELATIVE_CLOSES = [
    StopLossClose(trigger_price=D("-2"), trigger_price_type="pct"),
    TakeProfitClose(trigger_price=D("3"), trigger_price_type="pct"),
    StopLossLimitClose(trigger_price=D("-150"), trigger_price_type="quote", limit_price=D("28000")),
    TakeProfitLimitClose(trigger_price=D("3"), trigger_price_type="pct", limit_price=D("29500")),
]


class TestTheBuilderAgain:
    """What is read back builds the same message again."""

    @pytest.mark.parametrize("order", [order for order, _ in PRIMARIES])
    def test_intent_of_gives_back_an_intent_that_builds_the_same_message(
        self, order: OrderIntent
    ) -> None:
        message = build_add_order(order, context()).unwrap()
        again = build_add_order(intent_of(message).unwrap(), context()).unwrap()
        assert again == message

    def test_intent_of_restores_the_expiry(self) -> None:
        expire = (NOW + timedelta(days=2)).replace(microsecond=0)
        order = LimitOrder(**_BASE, limit_price=D("3000"), time_in_force="gtd", expire_time=expire)
        message = build_add_order(order, context()).unwrap()
        assert intent_of(message).unwrap().expire_time == expire


class TestRelativeAndTrailingCloses:
    @pytest.mark.parametrize("close", RELATIVE_CLOSES, ids=lambda close: type(close).__name__)
    def test_a_relative_close_keeps_its_price_type_on_the_wire_and_back(self, close: Any) -> None:
        data = built(limit(close=close))
        assert data["params"]["conditional"]["trigger_price_type"] == close.trigger_price_type
        message = render_add_order(limit(close=close), context())
        assert intent_of(message).unwrap().close == close

    def test_a_trailing_close_reads_back(self) -> None:
        close = TrailingStopClose(trigger_price=D("2"), trigger_price_type="quote")
        message = build_add_order(LimitOrder(**ENTRY, close=close), context()).unwrap()
        assert intent_of(message).unwrap().close == close


def test_a_message_with_an_unreadable_time_is_named_when_read_back() -> None:
    message = render_add_order(limit(), context())
    bad = AddOrder(params=msgspec.structs.replace(message.params, effective_time="tomorrow"))
    (found,) = intent_of(bad).failure()
    assert found.render() == (
        "params.effective_time: 'tomorrow'; use RFC 3339 to the second, such as "
        "2026-12-01T00:00:00Z"
    )


# --- laws --------------------------------------------------------------------------------


@given(plausible_intents, plausible_contexts)
def test_a_success_passes_the_guards_again(order: OrderIntent, ctx: Context) -> None:
    """A Success passes the guards again: the decoded message, read back as an intent, builds the
    same message."""
    message = _succeeds(build_add_order(order, ctx))
    decoded = decode(encode(message).unwrap()).unwrap()
    again = build_add_order(intent_of(decoded, ref_price=order.ref_price).unwrap(), ctx)
    assert again == Success(message)


def test_a_trailing_limit_close_without_its_offset_type_reads_back_as_quote() -> None:
    message = decode(
        b'{"method":"add_order","params":{"order_type":"limit","side":"buy","order_qty":1,'
        b'"symbol":"BTC/USD","limit_price":100,"conditional":{"order_type":"trailing-stop-limit",'
        b'"trigger_price":2,"trigger_price_type":"pct","limit_price":-1}}}'
    ).unwrap()
    assert intent_of(message).unwrap().close == TrailingStopLimitClose(
        trigger_price=D("2"),
        trigger_price_type="pct",
        limit_price=D("-1"),
        limit_price_type="quote",
    )

"""`intent_of` is the inverse of the renderer: a fully loaded intent of every order type comes
back field for field from the final bytes (every optional field set, so none can be dropped)."""

from datetime import timedelta
from typing import Any

import pytest

from momentum.exchange.kraken.read_back import intent_of
from momentum.exchange.kraken.ws_v2_messages import decode
from momentum.exchange.kraken.ws_v2_payloads import build_add_order_json
from momentum.models.intent import (
    Close,
    IcebergOrder,
    LimitClose,
    LimitOrder,
    MarketOrder,
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
from tests.helpers import NOW, D, context

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

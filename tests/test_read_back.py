"""`intent_of` is the inverse of the renderer: a fully loaded intent of every order type comes
back field for field from the final bytes (every optional field set, so none can be dropped)."""

from datetime import timedelta
from typing import Any

import pytest

from momentum.exchange.kraken.ws_v2_messages import decode
from momentum.exchange.kraken.ws_v2_payloads import build_add_order_json, intent_of
from momentum.models.intent import (
    IcebergOrder,
    LimitOrder,
    MarketOrder,
    SpotOrder,
    StopLossLimitOrder,
    StopLossOrder,
    TakeProfitLimitClose,
    TakeProfitLimitOrder,
    TakeProfitOrder,
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

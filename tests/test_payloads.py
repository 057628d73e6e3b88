"""The builder renders each order type and close in Kraken's words, with the fields always sent."""

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from momentum.exchange.kraken.read_back import intent_of
from momentum.exchange.kraken.ws_v2_payloads import build_add_order, deadline_text
from momentum.models.intent import (
    Close,
    LimitClose,
    LimitOrder,
    MarketOrder,
    OrderIntent,
    StopLossClose,
    StopLossLimitClose,
    StopLossLimitOrder,
    StopLossOrder,
    TakeProfitClose,
    TakeProfitLimitClose,
    TakeProfitLimitOrder,
    TakeProfitOrder,
    Trigger,
)
from tests.helpers import DEADLINE, NOW, D, N, built, context

_SENT = {
    "side": "sell",
    "order_qty": N("0.5"),
    "symbol": "ETH/USD",
    "margin": False,
    "validate": True,
    "deadline": DEADLINE,
    "time_in_force": "gtc",
    "stp_type": "cancel_newest",
}
_TRIGGER_3000 = {"reference": "last", "price": N("3000"), "price_type": "static"}
_BASE: dict[str, Any] = {"symbol": "ETH/USD", "side": "sell", "qty": D("0.5")}

PRIMARIES: list[tuple[OrderIntent, dict[str, Any]]] = [
    (MarketOrder(**_BASE), {"order_type": "market"}),
    (
        LimitOrder(**_BASE, limit_price=D("3100.25")),
        {"order_type": "limit", "limit_price": N("3100.25")},
    ),
    (
        StopLossOrder(**_BASE, trigger=Trigger(price=D("3000"))),
        {"order_type": "stop-loss", "triggers": _TRIGGER_3000},
    ),
    (
        TakeProfitOrder(**_BASE, trigger=Trigger(price=D("3000"))),
        {"order_type": "take-profit", "triggers": _TRIGGER_3000},
    ),
    (
        StopLossLimitOrder(**_BASE, trigger=Trigger(price=D("3000")), limit_price=D("2990")),
        {"order_type": "stop-loss-limit", "triggers": _TRIGGER_3000, "limit_price": N("2990")},
    ),
    (
        TakeProfitLimitOrder(**_BASE, trigger=Trigger(price=D("3000")), limit_price=D("2990")),
        {"order_type": "take-profit-limit", "triggers": _TRIGGER_3000, "limit_price": N("2990")},
    ),
    (
        StopLossOrder(
            **_BASE, trigger=Trigger(price=D("-1.5"), price_type="quote", reference="index")
        ),
        {
            "order_type": "stop-loss",
            "triggers": {"reference": "index", "price": N("-1.5"), "price_type": "quote"},
        },
    ),
]


@pytest.mark.parametrize(("order", "specific"), PRIMARIES)
def test_each_primary_order_type_renders_its_own_fields(
    order: OrderIntent, specific: dict[str, Any]
) -> None:
    assert built(order) == {"method": "add_order", "params": {**_SENT, **specific}}


CLOSES: list[tuple[Close, dict[str, Any]]] = [
    (LimitClose(limit_price=D("2900")), {"order_type": "limit", "limit_price": N("2900")}),
    (
        StopLossClose(trigger_price=D("3100")),
        {"order_type": "stop-loss", "trigger_price": N("3100")},
    ),
    (
        TakeProfitClose(trigger_price=D("2900")),
        {"order_type": "take-profit", "trigger_price": N("2900")},
    ),
    (
        StopLossLimitClose(trigger_price=D("3100"), limit_price=D("3110")),
        {"order_type": "stop-loss-limit", "trigger_price": N("3100"), "limit_price": N("3110")},
    ),
    (
        TakeProfitLimitClose(trigger_price=D("2900"), limit_price=D("2901")),
        {"order_type": "take-profit-limit", "trigger_price": N("2900"), "limit_price": N("2901")},
    ),
]


@pytest.mark.parametrize(("close", "conditional"), CLOSES)
def test_each_close_type_renders_as_conditional(close: Close, conditional: dict[str, Any]) -> None:
    order = LimitOrder(**_BASE, limit_price=D("3000"), close=close)
    assert built(order)["params"]["conditional"] == conditional


def test_no_message_carries_a_token_or_reduce_only() -> None:
    for order, _ in PRIMARIES:
        params = built(order)["params"]
        assert "token" not in params
        assert "reduce_only" not in params
        assert params["margin"] is False


def test_the_deadline_is_now_plus_deadline_ms_to_the_millisecond() -> None:
    message = built(PRIMARIES[0][0], context(deadline_ms=60000))
    assert message["params"]["deadline"] == "2026-11-28T09:01:00.123Z"


def test_the_deadline_is_written_in_utc_whatever_the_clock_zone() -> None:
    plus_two = datetime(2026, 11, 28, 11, 0, 0, 500000, tzinfo=UTC).astimezone(
        timezone(timedelta(hours=2))
    )
    assert deadline_text(plus_two, 500) == "2026-11-28T11:00:01.000Z"


def test_req_id_rides_on_the_envelope() -> None:
    assert built(PRIMARIES[0][0], context(req_id=-7))["req_id"] == N("-7")


def test_stp_type_from_the_intent_beats_the_knob() -> None:
    order = MarketOrder(**_BASE, stp_type="cancel_both")
    assert built(order, context(default_stp="cancel_oldest"))["params"]["stp_type"] == "cancel_both"
    assert (
        built(MarketOrder(**_BASE), context(default_stp="cancel_oldest"))["params"]["stp_type"]
        == "cancel_oldest"
    )


@pytest.mark.parametrize("order", [order for order, _ in PRIMARIES])
def test_intent_of_gives_back_an_intent_that_builds_the_same_message(order: OrderIntent) -> None:
    message = build_add_order(order, context()).unwrap()
    again = build_add_order(intent_of(message).unwrap(), context()).unwrap()
    assert again == message


def test_intent_of_restores_the_expiry() -> None:
    expire = (NOW + timedelta(days=2)).replace(microsecond=0)
    order = LimitOrder(**_BASE, limit_price=D("3000"), time_in_force="gtd", expire_time=expire)
    message = build_add_order(order, context()).unwrap()
    assert intent_of(message).unwrap().expire_time == expire

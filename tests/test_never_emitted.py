"""Relative close prices, and the peer libraries' known wire defects pinned as things momentum must
never emit: keys at the wrong level, validate outside params, exponent or string numbers, a
dropped take-profit leg, a trailing-stop-limit with its offsets swapped."""

import re
from typing import Any

import pytest

from momentum.exchange.kraken.read_back import intent_of
from momentum.exchange.kraken.ws_v2_messages import encode
from momentum.exchange.kraken.ws_v2_payloads import build_add_order, build_add_order_json
from momentum.exchange.kraken.ws_v2_requests import bracket_plan
from momentum.models.intent import (
    LimitOrder,
    MarketOrder,
    StopLossClose,
    StopLossLimitClose,
    TakeProfitClose,
    TakeProfitLimitClose,
    TrailingStopClose,
    TrailingStopLimitClose,
    TrailingStopLimitOrder,
    Trigger,
)
from tests.helpers import D, N, built, context, loads

ENTRY: dict[str, Any] = {"symbol": "BTC/USD", "side": "buy", "qty": D("0.001"),
                         "limit_price": D("28440")}  # fmt: skip


class TestRelativeCloses:
    @pytest.mark.parametrize(("close", "sent"), [
        (StopLossClose(trigger_price=D("-1.5"), trigger_price_type="pct"),
         {"order_type": "stop-loss", "trigger_price": N("-1.5"), "trigger_price_type": "pct"}),
        (TakeProfitClose(trigger_price=D("150"), trigger_price_type="quote"),
         {"order_type": "take-profit", "trigger_price": N("150"), "trigger_price_type": "quote"}),
        (TakeProfitLimitClose(trigger_price=D("2"), trigger_price_type="pct", limit_price=D("29000")),
         {"order_type": "take-profit-limit", "trigger_price": N("2"), "trigger_price_type": "pct",
          "limit_price": N("29000")}),
    ])  # fmt: skip
    def test_a_relative_close_sends_its_price_type(self, close: Any, sent: dict[str, Any]) -> None:
        assert built(LimitOrder(**ENTRY, close=close))["params"]["conditional"] == sent

    @pytest.mark.parametrize(("close", "ok"), [
        (StopLossClose(trigger_price=D("-1"), trigger_price_type="pct"), True),
        (StopLossClose(trigger_price=D("1"), trigger_price_type="pct"), False),
        (TakeProfitClose(trigger_price=D("10"), trigger_price_type="quote"), True),
        (TakeProfitClose(trigger_price=D("-10"), trigger_price_type="quote"), False),
    ])  # fmt: skip
    def test_a_buy_entry_stops_with_a_negative_offset_and_takes_profit_with_a_positive_one(
        self, close: Any, ok: bool
    ) -> None:
        result = build_add_order(LimitOrder(**ENTRY, close=close), context())
        assert (result.swap().value_or(None) is None) == ok

    def test_a_relative_stop_limit_close_keeps_its_limit_at_or_below_the_placed_trigger(
        self,
    ) -> None:
        # a sell close 1% under 28440 fires at 28155.6: a limit at 28200 would never fill
        close = StopLossLimitClose(
            trigger_price=D("-1"), trigger_price_type="pct", limit_price=D("28200")
        )
        found = build_add_order(LimitOrder(**ENTRY, close=close), context()).failure()
        assert [getattr(p, "field", "") for p in found] == ["close.limit_price"]

    def test_a_static_close_sends_no_price_type(self) -> None:
        conditional = built(LimitOrder(**ENTRY, close=StopLossClose(trigger_price=D("28000"))))
        assert "trigger_price_type" not in conditional["params"]["conditional"]


def _bytes(order: Any) -> str:
    return build_add_order_json(order, context()).unwrap().decode()


class TestNeverEmitted:
    ORDERS: tuple[Any, ...] = (
        LimitOrder(
            **ENTRY, close=StopLossLimitClose(trigger_price=D("28410"), limit_price=D("28400"))
        ),
        MarketOrder(symbol="BTC/USD", side="sell", qty=D("0.00000001")),
        LimitOrder(symbol="BTC/USD", side="sell", qty=D("0.00005"), limit_price=D("100000")),
    )

    @pytest.mark.parametrize("order", ORDERS)
    def test_validate_and_deadline_are_inside_params_never_beside_it(self, order: Any) -> None:
        message = built(order)
        assert set(message) == {"method", "params"}
        assert {"validate", "deadline", "margin"} <= set(message["params"])

    @pytest.mark.parametrize("order", ORDERS)
    def test_no_number_is_in_exponent_form_or_a_string(self, order: Any) -> None:
        text = _bytes(order)
        assert re.search(r"\d[eE][+-]?\d", text) is None
        assert re.search(r'"(order_qty|limit_price|trigger_price|price)":"', text) is None

    def test_a_tiny_quantity_is_written_out(self) -> None:
        assert '"order_qty":0.00000001' in _bytes(self.ORDERS[1])

    def test_the_trigger_object_is_called_triggers_and_sits_in_params(self) -> None:
        order = TrailingStopLimitOrder(symbol="BTC/USD", side="sell", qty=D("0.001"),
                                       trigger=Trigger(price=D("100"), price_type="quote"),
                                       limit_price=D("-25"))  # fmt: skip
        params = built(order)["params"]
        assert "trigger" not in params
        assert "stop_price" not in params
        # the trailing offset is the trigger, the limit offset is limit_price: never swapped
        assert (params["triggers"]["price"], params["limit_price"]) == (N("100"), N("-25"))

    def test_a_bracket_never_drops_its_take_profit_leg(self) -> None:
        first, second = bracket_plan(
            LimitOrder(**ENTRY), StopLossClose(trigger_price=D("28000")),
            TakeProfitClose(trigger_price=D("29000")), context(),
        ).unwrap()  # fmt: skip
        legs = [loads(encode(message).unwrap())["params"] for message in (first, second)]
        assert [leg["order_type"] for leg in legs] == ["limit", "take-profit"]
        assert legs[1]["triggers"]["price"] == N("29000")
        assert legs[1]["side"] == "sell"


class TestTrailingCloses:
    def test_a_trailing_stop_close_renders_its_offset_and_type(self) -> None:
        close = TrailingStopClose(trigger_price=D("1.5"), trigger_price_type="pct")
        assert built(LimitOrder(**ENTRY, close=close))["params"]["conditional"] == {
            "order_type": "trailing-stop", "trigger_price": N("1.5"), "trigger_price_type": "pct",
        }  # fmt: skip

    def test_a_trailing_stop_limit_close_keeps_trigger_and_limit_offsets_apart(self) -> None:
        close = TrailingStopLimitClose(trigger_price=D("100"), trigger_price_type="quote",
                                       limit_price=D("-20"), limit_price_type="quote")  # fmt: skip
        assert built(LimitOrder(**ENTRY, close=close))["params"]["conditional"] == {
            "order_type": "trailing-stop-limit", "trigger_price": N("100"),
            "trigger_price_type": "quote", "limit_price": N("-20"), "limit_price_type": "quote",
        }  # fmt: skip

    @pytest.mark.parametrize(("close", "field"), [
        (TrailingStopClose(trigger_price=D("28000"), trigger_price_type="static"),
         "close.trigger_price_type"),
        (TrailingStopClose(trigger_price=D("-1"), trigger_price_type="pct"), "close.trigger_price"),
        # the close of a buy sells: its limit offset is 0 or below
        (TrailingStopLimitClose(trigger_price=D("1"), trigger_price_type="pct",
                                limit_price=D("5"), limit_price_type="quote"), "close.limit_price"),
    ])  # fmt: skip
    def test_a_trailing_close_is_checked_like_a_trailing_order(
        self, close: Any, field: str
    ) -> None:
        found = build_add_order(LimitOrder(**ENTRY, close=close), context()).failure()
        assert [getattr(p, "field", "") for p in found] == [field]

    def test_a_trailing_close_reads_back(self) -> None:
        close = TrailingStopClose(trigger_price=D("2"), trigger_price_type="quote")
        message = build_add_order(LimitOrder(**ENTRY, close=close), context()).unwrap()
        assert intent_of(message).unwrap().close == close

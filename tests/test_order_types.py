"""The order types beyond Step 3: iceberg, trailing stops, settle-position; and the fields that
go with every type (effective_time, fee_preference, sender_sub_id), each rule on both sides."""

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from momentum.errors import InputInvalid
from momentum.exchange.kraken.ws_v2_payloads import build_add_order
from momentum.models.intent import (
    IcebergOrder,
    LimitClose,
    LimitOrder,
    MarketOrder,
    OrderIntent,
    SettlePositionOrder,
    StopLossLimitOrder,
    StopLossOrder,
    TakeProfitOrder,
    TrailingStopLimitOrder,
    TrailingStopOrder,
    Trigger,
)
from momentum.utils.checks import order_warnings
from tests.helpers import DEADLINE, NOW, D, N, built, context, loads
from tests.test_wire_golden import _ALWAYS_SENT

BASE: dict[str, Any] = {"symbol": "MATIC/USD", "side": "buy", "qty": D("100")}


def fields(order: OrderIntent, **ctx: Any) -> list[str]:
    found = build_add_order(order, context(**ctx)).swap().value_or(())
    return [p.field for p in found if isinstance(p, InputInvalid)]


def test_the_docs_trailing_stop_example() -> None:
    examples = loads(
        (Path(__file__).parent / "fixtures/ws_v2_add_order_doc_examples.json").read_text()
    )
    example = examples["trailing_stop_pct"]
    params = {k: v for k, v in example["params"].items() if k != "token"} | _ALWAYS_SENT
    order = TrailingStopOrder(**BASE, trigger=Trigger(price=D("1.0"), price_type="pct"),
                              ref_price=D("0.5"))  # fmt: skip
    assert built(order) == {"method": "add_order", "params": params}


class TestIceberg:
    def test_renders_limit_and_display_quantity(self) -> None:
        order = IcebergOrder(**BASE, limit_price=D("0.51"), display_qty=D("10"))
        params = built(order)["params"]
        assert (params["order_type"], params["limit_price"], params["display_qty"]) == (
            "iceberg",
            N("0.51"),
            N("10"),
        )

    @pytest.mark.parametrize(("shown", "ok"), [("6.67", True), ("6.66", False), ("100", True),
                                               ("100.01", False)])  # fmt: skip
    def test_display_is_at_least_a_fifteenth_and_at_most_the_order(
        self, shown: str, ok: bool
    ) -> None:
        order = IcebergOrder(**BASE, limit_price=D("0.51"), display_qty=D(shown))
        assert fields(order) == ([] if ok else ["display_qty"])

    def test_post_only_and_fok_are_not_for_icebergs(self) -> None:
        order = IcebergOrder(
            **BASE, limit_price=D("0.51"), display_qty=D("10"), time_in_force="fok"
        )
        assert fields(order) == ["time_in_force"]


class TestTrailing:
    @pytest.mark.parametrize(("price", "price_type", "ok"), [
        ("1", "pct", True), ("99.9", "pct", True), ("100", "pct", False), ("0", "pct", False),
        ("-1", "pct", False), ("150", "quote", True), ("-150", "quote", False),
        ("28000", "static", False),
    ])  # fmt: skip
    def test_the_offset_is_positive_and_relative(
        self, price: str, price_type: Any, ok: bool
    ) -> None:
        trigger = Trigger(price=D(price), price_type=price_type)
        order = TrailingStopOrder(**(BASE | {"side": "sell"}), trigger=trigger)
        assert fields(order) == (
            [] if ok else [f"trigger.price{'_type' if price_type == 'static' else ''}"]
        )

    @pytest.mark.parametrize(("side", "offset", "ok"), [
        ("sell", "0", True), ("sell", "-0.5", True), ("sell", "0.5", False),
        ("buy", "0", True), ("buy", "0.5", True), ("buy", "-0.5", False),
    ])  # fmt: skip
    def test_the_limit_offset_sits_on_the_filling_side(
        self, side: Any, offset: str, ok: bool
    ) -> None:
        order = TrailingStopLimitOrder(
            **(BASE | {"side": side}), trigger=Trigger(price=D("1"), price_type="pct"),
            limit_price=D(offset), ref_price=D("0.5"),
        )  # fmt: skip
        assert fields(order) == ([] if ok else ["limit_price"])

    def test_trailing_stop_limit_always_sends_its_limit_type(self) -> None:
        order = TrailingStopLimitOrder(
            **(BASE | {"side": "sell"}), trigger=Trigger(price=D("100"), price_type="quote"),
            limit_price=D("-100"),
        )  # fmt: skip
        params = built(order)["params"]
        assert (params["limit_price"], params["limit_price_type"], params["triggers"]) == (
            N("-100"),
            "quote",
            {"reference": "last", "price": N("100"), "price_type": "quote"},
        )

    def test_a_buy_trailing_entry_without_a_reference_price_cannot_be_bounded(self) -> None:
        order = TrailingStopOrder(**BASE, trigger=Trigger(price=D("1"), price_type="pct"))
        found = build_add_order(order, context()).failure()
        assert [getattr(p, "guard", None) for p in found] == ["ENTRY_MAX_NOTIONAL"]


def test_settle_position_is_refused_as_margin_only() -> None:
    (problem,) = build_add_order(SettlePositionOrder(**BASE), context()).failure()
    assert problem.render() == (
        "order_type: 'settle-position', which settles a margin position; use a spot order "
        "type; momentum is spot only"
    )


class TestFiresAtOnce:
    @pytest.mark.parametrize(("kind", "side", "price", "ok"), [
        (StopLossOrder, "sell", "-1", True), (StopLossOrder, "sell", "1", False),
        (StopLossOrder, "buy", "1", True), (StopLossOrder, "buy", "-1", False),
        (TakeProfitOrder, "sell", "1", True), (TakeProfitOrder, "sell", "-1", False),
        (TakeProfitOrder, "buy", "-1", True), (TakeProfitOrder, "buy", "1", False),
    ])  # fmt: skip
    def test_a_relative_trigger_on_the_wrong_side_is_refused(
        self, kind: Any, side: str, price: str, ok: bool
    ) -> None:
        order = kind(**(BASE | {"side": side}), trigger=Trigger(price=D(price), price_type="pct"),
                     ref_price=D("0.5"))  # fmt: skip
        assert fields(order) == ([] if ok else ["trigger.price"])

    @pytest.mark.parametrize(("trigger", "ok"), [("0.49", True), ("0.5", False), ("0.51", False)])
    def test_a_sell_stop_at_or_above_the_market_is_refused(self, trigger: str, ok: bool) -> None:
        order = StopLossLimitOrder(**(BASE | {"side": "sell"}), trigger=Trigger(price=D(trigger)),
                                   limit_price=D("0.40"), ref_price=D("0.5"))  # fmt: skip
        assert fields(order) == ([] if ok else ["trigger.price"])

    def test_without_a_reference_price_a_static_trigger_is_not_judged(self) -> None:
        order = StopLossOrder(**(BASE | {"side": "sell"}), trigger=Trigger(price=D("0.6")))
        assert fields(order) == []


class TestEveryTypeFields:
    def test_effective_time_goes_out_to_the_second(self) -> None:
        start = (NOW + timedelta(hours=1)).replace(microsecond=0)
        order = LimitOrder(**BASE, limit_price=D("0.5"), effective_time=start)
        assert built(order)["params"]["effective_time"] == "2026-11-28T10:00:00Z"

    @pytest.mark.parametrize("start", [NOW.replace(microsecond=0), NOW + timedelta(hours=1)])
    def test_effective_time_now_or_finer_than_a_second_is_refused(self, start: Any) -> None:
        assert fields(LimitOrder(**BASE, limit_price=D("0.5"), effective_time=start)) == [
            "effective_time"
        ]

    @pytest.mark.parametrize(
        ("preference", "ok"), [("base", True), ("quote", True), ("usd", False)]
    )
    def test_fee_preference(self, preference: Any, ok: bool) -> None:
        order = LimitOrder(**BASE, limit_price=D("0.5"), fee_preference=preference)
        assert fields(order) == ([] if ok else ["fee_preference"])

    @pytest.mark.parametrize(("sub_id", "ok"), [("desk_7", True), ("x" * 19, False)])
    def test_sender_sub_id_takes_the_cl_ord_id_formats(self, sub_id: str, ok: bool) -> None:
        order = LimitOrder(**BASE, limit_price=D("0.5"), sender_sub_id=sub_id)
        assert fields(order) == ([] if ok else ["sender_sub_id"])

    def test_deadline_and_validate_stay_inside_params(self) -> None:
        message = built(LimitOrder(**BASE, limit_price=D("0.5")))
        assert set(message) == {"method", "params"}
        assert (message["params"]["deadline"], message["params"]["validate"]) == (DEADLINE, True)


def test_a_cl_ord_id_with_a_close_is_warned_about_not_refused() -> None:
    order = LimitOrder(**BASE, limit_price=D("0.5"), cl_ord_id="abc",
                       close=LimitClose(limit_price=D("0.6")))  # fmt: skip
    assert built(order)["params"]["cl_ord_id"] == "abc"
    assert len(order_warnings(order)) == 1
    assert order_warnings(LimitOrder(**BASE, limit_price=D("0.5"), cl_ord_id="abc")) == ()


class TestCashQty:
    def order(self, cash: str, side: Any = "buy") -> Any:
        return MarketOrder(symbol="BTC/USD", side=side, qty=D("0.0001"), cash_qty=D(cash),
                           ref_price=D("90000"))  # fmt: skip

    def test_a_cash_market_buy_sends_cash_order_qty_beside_order_qty(self) -> None:
        params = built(self.order("9"), context(entry_max_notional=D("10")))["params"]
        assert (params["order_qty"], params["cash_order_qty"]) == (N("0.0001"), N("9"))

    @pytest.mark.parametrize(("cash", "ok"), [("10", True), ("10.01", False)])
    def test_the_cap_holds_cash_qty_directly(self, cash: str, ok: bool) -> None:
        result = build_add_order(self.order(cash), context(entry_max_notional=D("10")))
        assert (result.swap().value_or(None) is None) == ok

    def test_cash_qty_on_a_sell_is_refused(self) -> None:
        assert fields(self.order("9", side="sell")) == ["cash_qty"]

    def test_a_cash_order_is_warned_about(self) -> None:
        assert order_warnings(self.order("9"))[0].startswith("cash_qty:")

"""batch_add, amend_order, cancel_order, the bracket plan (ws_v2_requests.py), as final JSON."""

from typing import Any

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from momentum.errors import GuardRefused, InputInvalid
from momentum.exchange.kraken.instruments import load_default_instruments
from momentum.exchange.kraken.rest.render import build_rest_add_order
from momentum.exchange.kraken.ws_v2_messages import decode_request, encode
from momentum.exchange.kraken.ws_v2_requests import (
    bracket_plan,
    build_amend_order,
    build_batch_add,
    build_cancel_order,
)
from momentum.models.context import Context
from momentum.models.intent import (
    Amend,
    Cancel,
    LimitOrder,
    MarketOrder,
    OrderIntent,
    StopLossClose,
    StopLossLimitClose,
    TakeProfitClose,
    TakeProfitLimitClose,
)
from tests.helpers import DEADLINE, D, N, context, loads
from tests.strategies import _is_result, amends, cancels, contexts, intents

TABLE = load_default_instruments().unwrap()
ENTRY: dict[str, Any] = {"symbol": "BTC/USD", "side": "buy", "qty": D("0.001"),
                         "limit_price": D("28440")}  # fmt: skip


def buy(price: str, qty: str = "0.001", **changes: Any) -> LimitOrder:
    return LimitOrder(symbol="BTC/USD", side="buy", qty=D(qty), limit_price=D(price), **changes)


def json_of(result: Any) -> Any:
    return loads(encode(result.unwrap()).unwrap())


class TestBatchAdd:
    def test_two_orders_share_symbol_deadline_and_validate_at_batch_level(self) -> None:
        batch = build_batch_add([buy("28000"), buy("27900")], context(req_id=5))
        assert json_of(batch) == {
            "method": "batch_add",
            "req_id": N("5"),
            "params": {
                "symbol": "BTC/USD",
                "validate": True,
                "deadline": DEADLINE,
                "orders": [
                    {"order_type": "limit", "side": "buy", "order_qty": N("0.001"),
                     "limit_price": N(price), "margin": False, "time_in_force": "gtc",
                     "stp_type": "cancel_newest"}
                    for price in ("28000", "27900")
                ],
            },
        }  # fmt: skip

    @pytest.mark.parametrize(("count", "ok"), [(1, False), (2, True), (15, True), (16, False)])
    def test_a_batch_holds_2_to_15_orders(self, count: int, ok: bool) -> None:
        result = build_batch_add([buy("28000")] * count, context())
        assert (result.swap().value_or(None) is None) == ok

    def test_one_bad_order_refuses_the_whole_batch_naming_it(self) -> None:
        found = build_batch_add([buy("28000"), buy("-1")], context()).failure()
        assert [p.field for p in found if isinstance(p, InputInvalid)] == ["orders[1].limit_price"]

    def test_orders_on_two_symbols_are_refused(self) -> None:
        other = LimitOrder(symbol="ETH/USD", side="buy", qty=D("1"), limit_price=D("3000"))
        found = build_batch_add([buy("28000"), other], context()).failure()
        assert [p.field for p in found if isinstance(p, InputInvalid)] == ["orders"]

    def test_buys_are_capped_together(self) -> None:
        orders = [buy("10000", "0.001")] * 3  # 10 + 10 + 10 USD
        assert build_batch_add(orders, context(entry_max_notional=D("30"))).unwrap()
        found = build_batch_add(orders, context(entry_max_notional=D("29.99"))).failure()
        assert [p.guard for p in found if isinstance(p, GuardRefused)] == ["ENTRY_MAX_NOTIONAL"]

    def test_fok_is_not_for_a_batch(self) -> None:
        found = build_batch_add(
            [buy("28000"), buy("27900", time_in_force="fok")], context()
        ).failure()
        assert [p.field for p in found if isinstance(p, InputInvalid)] == [
            "orders[1].time_in_force"
        ]
        assert build_batch_add(
            [buy("28000"), buy("27900", time_in_force="ioc")], context()
        ).unwrap()

    def test_a_batch_decodes_back_to_an_equal_message(self) -> None:
        batch = build_batch_add([buy("28000"), buy("27900")], context()).unwrap()
        assert decode_request(encode(batch).unwrap()).unwrap() == batch


class TestAmend:
    def test_a_price_change_sends_its_type_and_a_flat_trigger(self) -> None:
        amend = Amend(order_id="OUF4EM-FRGI2-MQMWZD", qty=D("0.002"), limit_price=D("28500"),
                      trigger_price=D("-1.5"), trigger_price_type="pct", side="sell")  # fmt: skip
        assert json_of(build_amend_order(amend, context(allow_live=True, req_id=9))) == {
            "method": "amend_order",
            "req_id": N("9"),
            "params": {
                "order_id": "OUF4EM-FRGI2-MQMWZD", "order_qty": N("0.002"),
                "limit_price": N("28500"), "limit_price_type": "static",
                "trigger_price": N("-1.5"), "trigger_price_type": "pct", "deadline": DEADLINE,
            },
        }  # fmt: skip

    def test_an_amend_needs_allow_live(self) -> None:
        found = build_amend_order(Amend(order_id="A", qty=D("1"), side="sell"), context()).failure()
        assert [p.guard for p in found if isinstance(p, GuardRefused)] == ["ALLOW_LIVE"]

    @pytest.mark.parametrize(("ids", "ok"), [({"order_id": "A"}, True), ({"cl_ord_id": "b"}, True),
                                             ({}, False), ({"order_id": "A", "cl_ord_id": "b"}, False)])  # fmt: skip
    def test_exactly_one_id(self, ids: dict[str, str], ok: bool) -> None:
        amend = Amend(qty=D("1"), order_id=ids.get("order_id"), cl_ord_id=ids.get("cl_ord_id"),
                      side="sell")  # fmt: skip
        result = build_amend_order(amend, context(allow_live=True))
        assert (result.swap().value_or(None) is None) == ok

    @pytest.mark.parametrize(("shown", "ok"), [("1", True), ("0.99", False)])
    def test_display_is_held_against_the_remaining_quantity(self, shown: str, ok: bool) -> None:
        amend = Amend(order_id="A", qty=D("30"), remaining_qty=D("15"), display_qty=D(shown),
                      side="sell")  # fmt: skip
        result = build_amend_order(amend, context(allow_live=True))
        assert (result.swap().value_or(None) is None) == ok

    def test_post_only_without_a_new_price_is_refused(self) -> None:
        found = build_amend_order(Amend(order_id="A", qty=D("1"), post_only=True, side="sell"),
                                  context(allow_live=True)).failure()  # fmt: skip
        assert [p.field for p in found if isinstance(p, InputInvalid)] == ["post_only"]


class TestCancel:
    def test_ids_go_out_as_lists_and_empty_lists_are_omitted(self) -> None:
        cancel = Cancel(order_ids=("OUF4EM-FRGI2-MQMWZD",), order_userrefs=(7, -8))
        assert json_of(build_cancel_order(cancel, context(allow_live=True))) == {
            "method": "cancel_order",
            "params": {"order_id": ["OUF4EM-FRGI2-MQMWZD"], "order_userref": [N("7"), N("-8")]},
        }

    def test_no_id_is_refused(self) -> None:
        found = build_cancel_order(Cancel(), context(allow_live=True)).failure()
        assert [p.field for p in found if isinstance(p, InputInvalid)] == ["order_ids"]

    def test_a_cancel_needs_allow_live(self) -> None:
        found = build_cancel_order(Cancel(cl_ord_ids=("abc",)), context()).failure()
        assert [getattr(p, "guard", None) for p in found] == ["ALLOW_LIVE"]


class TestBracket:
    STOP = StopLossLimitClose(trigger_price=D("28410"), limit_price=D("28400"))

    def test_protection_first_then_the_take_profit_as_its_own_sell(self) -> None:
        first, second = bracket_plan(
            buy("28440", post_only=True), self.STOP,
            TakeProfitLimitClose(trigger_price=D("28600"), limit_price=D("28590")), context(),
        ).unwrap()  # fmt: skip
        one, two = loads(encode(first).unwrap()), loads(encode(second).unwrap())
        assert one["params"]["conditional"] == {
            "order_type": "stop-loss-limit", "trigger_price": N("28410"), "limit_price": N("28400"),
        }  # fmt: skip
        assert {k: two["params"][k] for k in ("order_type", "side", "order_qty", "limit_price")} == {
            "order_type": "take-profit-limit", "side": "sell", "order_qty": N("0.001"),
            "limit_price": N("28590"),
        }  # fmt: skip
        assert two["params"]["triggers"]["price"] == N("28600")
        assert "conditional" not in two["params"]

    def test_a_take_profit_below_the_buy_entry_is_refused_as_the_second_leg(self) -> None:
        found = bracket_plan(buy("28440"), self.STOP, TakeProfitClose(trigger_price=D("28000")),
                             context()).failure()  # fmt: skip
        assert [p.field for p in found if isinstance(p, InputInvalid)] == [
            "take_profit.trigger.price"
        ]

    def test_a_refused_entry_stops_the_plan(self) -> None:
        found = bracket_plan(buy("28440"), self.STOP, TakeProfitClose(trigger_price=D("28600")),
                             context(entry_max_notional=D("10"))).failure()  # fmt: skip
        assert [getattr(p, "guard", None) for p in found] == ["ENTRY_MAX_NOTIONAL"]

    def test_a_market_entry_needs_its_reference_price_for_both_legs(self) -> None:
        entry: OrderIntent = MarketOrder(
            symbol="BTC/USD", side="buy", qty=D("0.001"), ref_price=D("28440")
        )
        assert isinstance(entry, MarketOrder)
        assert bracket_plan(
            entry, self.STOP, TakeProfitClose(trigger_price=D("28600")), context()
        ).unwrap()

    def test_a_bracket_never_drops_its_take_profit_leg(self) -> None:
        first, second = bracket_plan(
            LimitOrder(**ENTRY), StopLossClose(trigger_price=D("28000")),
            TakeProfitClose(trigger_price=D("29000")), context(),
        ).unwrap()  # fmt: skip
        legs = [loads(encode(message).unwrap())["params"] for message in (first, second)]
        assert [leg["order_type"] for leg in legs] == ["limit", "take-profit"]
        assert legs[1]["triggers"]["price"] == N("29000")
        assert legs[1]["side"] == "sell"


# --- laws --------------------------------------------------------------------------------


@given(st.lists(intents, max_size=17), contexts)
def test_a_batch_of_any_intents_returns_a_result(orders: list[OrderIntent], ctx: Context) -> None:
    """The core returns a Result for every input; it never raises."""
    assert _is_result(build_batch_add(orders, ctx))


@given(amends, cancels, intents, contexts)
def test_amend_cancel_and_rest_builders_return_a_result(
    amend: Amend, cancel: Cancel, order: OrderIntent, ctx: Context
) -> None:
    """The core returns a Result for every input; it never raises."""
    with_table = msgspec.structs.replace(ctx, instruments=TABLE)
    assert _is_result(build_amend_order(amend, ctx))
    assert _is_result(build_cancel_order(cancel, ctx))
    assert _is_result(build_rest_add_order(order, with_table))

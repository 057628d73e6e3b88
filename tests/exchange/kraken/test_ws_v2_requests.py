"""batch_add, amend_order, cancel_order, the bracket plan (ws_v2_requests.py), as final JSON."""

from datetime import timedelta
from typing import Any

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from momentum.errors import GuardRefused, InputInvalid
from momentum.exchange.kraken.instruments import load_default_instruments
from momentum.exchange.kraken.rest.render import build_rest_add_order
from momentum.exchange.kraken.ws_v2_messages import decode_request, encode, with_token
from momentum.exchange.kraken.ws_v2_requests import (
    bracket_plan,
    bracket_plan_json,
    build_amend_order,
    build_amend_order_json,
    build_batch_add,
    build_batch_add_json,
    build_cancel_order,
    build_cancel_order_json,
)
from momentum.models.context import Context
from momentum.models.intent import (
    Amend,
    Cancel,
    IcebergOrder,
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
    TrailingStopLimitOrder,
    TrailingStopOrder,
    Trigger,
)
from tests.helpers import DEADLINE, NOW, D, N, built, context, loads
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


# --- each order type in a batch, every field of an amend and a cancel, the bytes to send ---------

_SELL: dict[str, Any] = {"symbol": "BTC/USD", "side": "sell", "qty": D("0.002")}
_WHOLE = NOW.replace(microsecond=0)
EVERY_TYPE: list[OrderIntent] = [
    LimitOrder(**_SELL, limit_price=D("29000"), post_only=True, time_in_force="gtd",
               expire_time=_WHOLE + timedelta(hours=1), effective_time=_WHOLE + timedelta(minutes=1),
               cl_ord_id="a-1", stp_type="cancel_both", fee_preference="quote"),
    MarketOrder(symbol="BTC/USD", side="buy", qty=D("0.002"), cash_qty=D("50"), order_userref=7,
                ref_price=D("28000")),
    MarketOrder(symbol="BTC/USD", side="buy", qty=D("0.002"), ref_price=D("28000"),
                close=StopLossClose(trigger_price=D("27000"))),
    StopLossOrder(**_SELL, trigger=Trigger(price=D("28000"))),
    TakeProfitOrder(**_SELL, trigger=Trigger(price=D("30000"))),
    StopLossLimitOrder(**_SELL, trigger=Trigger(price=D("28000")), limit_price=D("27900")),
    TakeProfitLimitOrder(**_SELL, trigger=Trigger(price=D("30000")), limit_price=D("29900")),
    IcebergOrder(**_SELL, limit_price=D("29000"), display_qty=D("0.001")),
    TrailingStopOrder(**_SELL, trigger=Trigger(price=D("1"), price_type="pct")),
    TrailingStopLimitOrder(**_SELL, trigger=Trigger(price=D("1"), price_type="pct"),
                           limit_price=D("-0.5")),
]  # fmt: skip
BATCH_LEVEL = ("symbol", "validate", "deadline")


def test_each_batch_order_is_its_add_order_without_the_batch_level_fields() -> None:
    ctx = context(req_id=3)
    batch = loads(build_batch_add_json(EVERY_TYPE, ctx).unwrap())
    singles = [built(order, ctx)["params"] for order in EVERY_TYPE]
    assert [order["order_type"] for order in batch["params"]["orders"]] == [
        "limit", "market", "market", "stop-loss", "take-profit", "stop-loss-limit",
        "take-profit-limit", "iceberg", "trailing-stop", "trailing-stop-limit",
    ]  # fmt: skip
    assert batch["params"]["orders"] == [
        {name: value for name, value in single.items() if name not in BATCH_LEVEL}
        for single in singles
    ]
    assert {name: batch["params"][name] for name in BATCH_LEVEL} == {
        name: singles[0][name] for name in BATCH_LEVEL
    }
    assert batch["req_id"] == N("3")


def test_an_amend_sends_every_field_it_is_given() -> None:
    amend = Amend(cl_ord_id="a-1", qty=D("30"), display_qty=D("2"), limit_price=D("1.5"),
                  limit_price_type="pct", post_only=True, side="sell")  # fmt: skip
    assert json_of(build_amend_order(amend, context(allow_live=True))) == {
        "method": "amend_order",
        "params": {
            "cl_ord_id": "a-1", "order_qty": N("30"), "display_qty": N("2"),
            "limit_price": N("1.5"), "limit_price_type": "pct", "post_only": True,
            "deadline": DEADLINE,
        },
    }  # fmt: skip


def test_an_amend_of_the_quantity_alone_sends_no_price_type() -> None:
    amend = Amend(order_id="A", qty=D("1"), side="sell")
    assert json_of(build_amend_order(amend, context(allow_live=True))) == {
        "method": "amend_order",
        "params": {"order_id": "A", "order_qty": N("1"), "deadline": DEADLINE},
    }


def test_a_cancel_by_client_id_carries_its_request_id() -> None:
    cancel = Cancel(cl_ord_ids=("a-1", "a-2"))
    assert json_of(build_cancel_order(cancel, context(allow_live=True, req_id=4))) == {
        "method": "cancel_order",
        "req_id": N("4"),
        "params": {"cl_ord_id": ["a-1", "a-2"]},
    }


class TestBytesToSend:
    def test_a_batch_goes_out_with_the_token_first_in_params(self) -> None:
        orders = [buy("28000"), buy("27900")]
        data = build_batch_add_json(orders, context(), token="G38a1t").unwrap()
        message = build_batch_add(orders, context()).unwrap()
        assert data == with_token(message, "G38a1t").unwrap()
        assert data.startswith(b'{"method":"batch_add","params":{"token":"G38a1t",')

    def test_an_amend_goes_out_with_the_token(self) -> None:
        amend = Amend(order_id="A", qty=D("1"), side="sell")
        data = build_amend_order_json(amend, context(allow_live=True), token="t0k").unwrap()
        assert loads(data)["params"]["token"] == "t0k"

    def test_a_cancel_goes_out_with_the_token_or_without_one(self) -> None:
        cancel = Cancel(order_ids=("A",))
        ctx = context(allow_live=True)
        assert build_cancel_order_json(cancel, ctx, token="t0k").unwrap() == (
            b'{"method":"cancel_order","params":{"token":"t0k","order_id":["A"]}}'
        )
        assert build_cancel_order_json(cancel, ctx).unwrap() == (
            b'{"method":"cancel_order","params":{"order_id":["A"]}}'
        )

    def test_refusals_pass_through_unchanged(self) -> None:
        amend = Amend(order_id="A", qty=D("1"), side="sell")
        assert build_amend_order_json(amend, context(), token="t").failure() == (
            build_amend_order(amend, context()).failure()
        )
        assert build_cancel_order_json(Cancel(), context(allow_live=True)).failure() == (
            build_cancel_order(Cancel(), context(allow_live=True)).failure()
        )
        assert build_batch_add_json([buy("1")], context()).failure() == (
            build_batch_add([buy("1")], context()).failure()
        )

    def test_a_bracket_goes_out_as_its_two_messages_in_order_with_the_token(self) -> None:
        stop, take = TestBracket.STOP, TakeProfitClose(trigger_price=D("28600"))
        first, second = bracket_plan(buy("28440"), stop, take, context()).unwrap()
        assert bracket_plan_json(buy("28440"), stop, take, context(), token="t0k").unwrap() == (
            with_token(first, "t0k").unwrap(),
            with_token(second, "t0k").unwrap(),
        )

    def test_a_refused_bracket_sends_nothing(self) -> None:
        stop, take = TestBracket.STOP, TakeProfitClose(trigger_price=D("28600"))
        ctx = context(entry_max_notional=D("10"))
        assert bracket_plan_json(buy("28440"), stop, take, ctx).failure() == (
            bracket_plan(buy("28440"), stop, take, ctx).failure()
        )

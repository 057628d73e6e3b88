"""Input checks on an amend or a cancel (momentum/utils/amend_cancel.py), in the user's words."""

from decimal import Decimal
from typing import Any

import pytest

from momentum.exchange.kraken.ws_v2_requests import build_amend_order, build_cancel_order
from momentum.models.intent import Amend, Cancel
from momentum.utils.amend_cancel import amend_problems as input_problems
from momentum.utils.safety import check_amend, check_cancel
from tests.helpers import D, context, problems


def amend_problems(**fields: Any) -> list[str]:
    # an amend of a sell: the notional guard, which holds an amend of unknown side, has its own tests
    merged: dict[str, Any] = {
        "order_id": "OUF4EM-FRGI2-MQMWZD",
        "qty": D("1"),
        "side": "sell",
    } | fields
    found = build_amend_order(Amend(**merged), context(allow_live=True))
    return [p.render() for p in found.swap().value_or(())]


def cancel_problems(cancel: Cancel, **ctx: Any) -> list[str]:
    found = build_cancel_order(cancel, context(allow_live=True) if not ctx else context(**ctx))
    return [p.render() for p in found.swap().value_or(())]


class TestAmend:
    def test_a_clean_amend_has_no_problem(self) -> None:
        assert amend_problems() == []

    def test_neither_id(self) -> None:
        assert amend_problems(order_id=None) == [
            "order_id: both or neither of order_id and cl_ord_id; use exactly one of them"
        ]

    def test_a_malformed_order_id(self) -> None:
        assert amend_problems(order_id="not an id!") == [
            "order_id[0]: 'not an id!'; use an id in Kraken's format"
        ]

    def test_a_malformed_cl_ord_id(self) -> None:
        assert amend_problems(order_id=None, cl_ord_id="x" * 19) == [
            "cl_ord_id: 'xxxxxxxxxxxxxxxxxxx'; use a UUID (36 chars with dashes, or 32 hex) or 1 "
            "to 18 of A-Z a-z 0-9 _ -"
        ]

    @pytest.mark.parametrize("qty", ["0", "-1", "NaN"])
    def test_a_quantity_that_is_not_positive(self, qty: str) -> None:
        assert amend_problems(qty=Decimal(qty)) == [
            f"qty: {qty!r}; use a positive finite decimal with at most 18 decimals, below 10^16"
        ]

    @pytest.mark.parametrize(("price", "price_type", "ok"), [
        ("28500", "static", True), ("0", "static", False), ("-1.5", "pct", True),
        ("100", "pct", False), ("-100", "pct", False), ("-150", "quote", True), ("0", "quote", True),
    ])  # fmt: skip
    def test_a_limit_price_with_its_type(self, price: str, price_type: Any, ok: bool) -> None:
        found = amend_problems(limit_price=D(price), limit_price_type=price_type)
        assert (found == []) == ok
        if not ok:
            assert found[0].startswith("limit_price: ")

    def test_an_unknown_price_type(self) -> None:
        assert amend_problems(trigger_price=D("1"), trigger_price_type="percent") == [
            "trigger_price_type: 'percent'; use static or pct or quote"
        ]

    def test_a_relative_offset_out_of_range_names_the_range(self) -> None:
        assert amend_problems(trigger_price=D("150"), trigger_price_type="pct") == [
            "trigger_price: '150'; use a finite offset (pct strictly between -100 and 100)"
        ]

    def test_post_only_without_a_new_limit_price(self) -> None:
        assert amend_problems(post_only=True) == [
            "post_only: set without a new limit_price; use post_only with a limit_price change"
        ]
        assert amend_problems(post_only=True, limit_price=D("28500")) == []

    @pytest.mark.parametrize(("shown", "remaining", "ok"), [
        ("2", None, True), ("1.99", None, False), ("1", "15", True), ("0.99", "15", False),
    ])  # fmt: skip
    def test_display_is_a_fifteenth_of_the_remaining_or_of_the_order(
        self, shown: str, remaining: str | None, ok: bool
    ) -> None:
        found = amend_problems(qty=D("30"), display_qty=D(shown),
                               remaining_qty=None if remaining is None else D(remaining))  # fmt: skip
        assert (found == []) == ok

    def test_display_below_a_fifteenth_says_the_least(self) -> None:
        assert amend_problems(qty=D("30"), display_qty=D("1.5")) == [
            "display_qty: 1.5 of 30 remaining; use at least 1/15 of the remaining quantity (2)"
        ]

    def test_a_display_that_is_not_an_amount(self) -> None:
        assert amend_problems(display_qty=D("-1")) == [
            "display_qty: '-1'; use a positive finite decimal with at most 18 decimals, below 10^16"
        ]

    @pytest.mark.parametrize(("req_id", "ok"), [(2**31 - 1, True), (2**31, False)])
    def test_req_id_is_32_bit(self, req_id: int, ok: bool) -> None:
        found = build_amend_order(
            Amend(order_id="A", qty=D("1"), side="sell"), context(allow_live=True, req_id=req_id)
        )
        assert (found.swap().value_or(None) is None) == ok


class TestCancel:
    def test_no_id(self) -> None:
        assert cancel_problems(Cancel()) == [
            "order_ids: no id at all; use at least one order_id, cl_ord_id or order_userref"
        ]

    @pytest.mark.parametrize("cancel", [
        Cancel(order_ids=("OUF4EM-FRGI2-MQMWZD",)), Cancel(cl_ord_ids=("abc",)),
        Cancel(order_userrefs=(-(2**31),)),
    ])  # fmt: skip
    def test_any_one_id_is_enough(self, cancel: Cancel) -> None:
        assert cancel_problems(cancel) == []

    def test_each_bad_id_is_named_by_position(self) -> None:
        cancel = Cancel(
            order_ids=("ok-1", "bad id"), cl_ord_ids=("x" * 19,), order_userrefs=(2**31, True)
        )  # True is an int to the type checker, and a bool to the check
        assert [line.split(":")[0] for line in cancel_problems(cancel)] == [
            "order_ids[1]", "cl_ord_ids[0]", "order_userrefs[0]", "order_userrefs[1]",
        ]  # fmt: skip

    def test_order_ids_must_be_a_list(self) -> None:
        cancel = Cancel(order_ids="OUF4EM")  # type: ignore[arg-type]  # an untyped caller's str
        assert cancel_problems(cancel) == ["order_ids: 'OUF4EM'; use a list of ids"]

    @pytest.mark.parametrize(("req_id", "ok"), [(-(2**31), True), (-(2**31) - 1, False)])
    def test_req_id_is_32_bit(self, req_id: int, ok: bool) -> None:
        found = build_cancel_order(
            Cancel(cl_ord_ids=("a",)), context(allow_live=True, req_id=req_id)
        )
        assert (found.swap().value_or(None) is None) == ok


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


class TestAmendWordForWord:
    def test_a_quote_offset_must_be_finite_and_bounded_too(self) -> None:
        for huge in ("1e20", "NaN"):
            assert amend_problems(limit_price=D(huge), limit_price_type="quote") == [
                f"limit_price: {str(D(huge))!r}; use a finite offset (pct strictly between -100 "
                "and 100)"
            ]

    def test_the_reference_price_and_remaining_quantity_are_named(self) -> None:
        amount = "use a positive finite decimal with at most 18 decimals, below 10^16"
        assert amend_problems(ref_price=D("-1"), remaining_qty=D("-1")) == [
            f"ref_price: '-1'; {amount}",
            f"remaining_qty: '-1'; {amount}",
        ]

    def test_a_side_that_is_neither_is_refused(self) -> None:
        amend = Amend(order_id="A", qty=D("1"), side="up")  # type: ignore[arg-type]
        assert [p.render() for p in input_problems(amend, context())] == [
            "side: 'up'; use buy or sell, or no side (held as a buy)"
        ]

    def test_a_symbol_is_checked_for_shape_without_a_table(self) -> None:
        assert amend_problems(symbol="btcusd") == [
            "symbol: 'btcusd'; use BASE/QUOTE in capitals, such as BTC/USD"
        ]

    def test_a_symbol_is_looked_up_with_a_table(self) -> None:
        found = build_amend_order(
            Amend(order_id="A", qty=D("1"), side="sell", symbol="XYZ/ABC"),
            context(allow_live=True, instruments="shipped"),
        )
        assert problems(found) == [
            "symbol: 'XYZ/ABC' is not a pair in the instrument table; use a WS v2 symbol the "
            "table knows; for another pair, give instrument data that has it"
        ]

    def test_the_pairs_rules_wait_for_sound_amounts(self) -> None:
        ctx = context(allow_live=True, instruments="shipped")
        unsound = Amend(order_id="A", qty=D("-1"), side="sell", symbol="BTC/USD")
        assert problems(build_amend_order(unsound, ctx)) == [
            "qty: '-1'; use a positive finite decimal with at most 18 decimals, below 10^16"
        ]
        small = Amend(order_id="A", qty=D("0.000001"), side="sell", symbol="BTC/USD")
        assert problems(build_amend_order(small, ctx)) == [
            "qty: 0.000001 is below the BTC/USD minimum 0.00005; use a quantity of at least 0.00005"
        ]

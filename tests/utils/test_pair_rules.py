"""Pair rules (momentum/utils/pair_rules.py): grids, minimums, status, symbols, safe rounding."""

from decimal import Decimal
from typing import Any

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from momentum.errors import BelowMinimum, CostBelowMinimum, InputInvalid, OffGrid, TooPrecise
from momentum.exchange.kraken.read_back import intent_of
from momentum.exchange.kraken.ws_v2_messages import decode, encode
from momentum.exchange.kraken.ws_v2_payloads import build_add_order
from momentum.models.context import Context
from momentum.models.instrument import Instrument, PairStatus
from momentum.models.intent import (
    Amend,
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
from momentum.utils.pair_rules import (
    Snapped,
    amend_pair_problems,
    closest_symbols,
    snap,
    snap_order,
    snap_price,
    snap_qty,
    symbol_in_table_problems,
)
from tests.helpers import NOW, D, N, built, knobs

PAIR = Instrument(
    symbol="ABC/EUR", base="ABC", quote="EUR", status="online",
    price_increment=D("0.05"), price_precision=2,
    qty_increment=D("0.5"), qty_precision=1,
    qty_min=D("1.5"), cost_min=D("3"), cost_precision=4,
    marginable=False, has_index=True,
)  # fmt: skip
BTC = msgspec.structs.replace(
    PAIR, symbol="BTC/USD", base="BTC", quote="USD", price_increment=D("0.1"),
    price_precision=1, qty_increment=D("1E-8"), qty_precision=8, qty_min=D("0.00005"),
    cost_min=D("0.5"),
)  # fmt: skip


def ctx(pair: Instrument = PAIR, **knob_changes: Any) -> Context:
    # the cap is in USD; the made-up ABC/EUR pair is priced in EUR, taken at par here
    return Context(
        knobs=knobs(**knob_changes), now=NOW, instruments={pair.symbol: pair, BTC.symbol: BTC},
        quote_rates={"EUR": D("1")},
    )  # fmt: skip


def limit(**changes: Any) -> LimitOrder:
    fields: dict[str, Any] = {"symbol": "ABC/EUR", "side": "buy", "qty": D("2"),
                              "limit_price": D("2.05")}  # fmt: skip
    return LimitOrder(**(fields | changes))


def problems(order: OrderIntent, context: Context | None = None) -> list[InputInvalid]:
    found = build_add_order(order, context or ctx()).swap().value_or(())
    return [p for p in found if isinstance(p, InputInvalid)]


def fields(order: OrderIntent, context: Context | None = None) -> list[str]:
    return [p.field for p in problems(order, context)]


class TestTick:
    def test_a_price_on_the_tick_is_accepted(self) -> None:
        assert built(limit(limit_price=D("2.05")), ctx())["params"]["limit_price"] == N("2.05")

    def test_a_price_off_the_tick_names_the_nearest_prices(self) -> None:
        (problem,) = problems(limit(limit_price=D("2.07")))
        assert problem.render() == (
            "limit_price: 2.07 is not a multiple of the ABC/EUR tick 0.05; use a price on the "
            "tick, nearest 2.05 or 2.10"
        )

    def test_a_price_with_more_decimals_than_the_pair_takes_is_refused(self) -> None:
        coarse = msgspec.structs.replace(PAIR, price_precision=1)
        assert fields(limit(limit_price=D("2.05")), ctx(coarse)) == ["limit_price"]
        assert fields(limit(limit_price=D("2.10")), ctx(coarse)) == []

    def test_static_trigger_and_close_prices_are_tick_checked(self) -> None:
        order = StopLossLimitOrder(
            symbol="ABC/EUR", side="sell", qty=D("2"), trigger=Trigger(price=D("2.02")),
            limit_price=D("2.01"), close=StopLossClose(trigger_price=D("2.33")),
        )  # fmt: skip
        assert fields(order) == ["trigger.price", "limit_price", "close.trigger_price"]

    def test_a_pct_offset_is_not_tick_checked(self) -> None:
        order = StopLossOrder(
            symbol="ABC/EUR", side="sell", qty=D("2"),
            trigger=Trigger(price=D("-1.23"), price_type="pct"),
        )  # fmt: skip
        assert fields(order) == []

    @pytest.mark.parametrize(("offset", "ok"), [("-0.15", True), ("-0.12", False)])
    def test_a_quote_offset_is_whole_ticks(self, offset: str, ok: bool) -> None:
        order = StopLossOrder(
            symbol="ABC/EUR", side="sell", qty=D("2"),
            trigger=Trigger(price=D(offset), price_type="quote"),
        )  # fmt: skip
        assert fields(order) == ([] if ok else ["trigger.price"])


class TestLot:
    def test_the_minimum_quantity_is_accepted(self) -> None:
        assert fields(limit(qty=D("1.5"))) == []

    def test_one_step_under_the_minimum_is_refused_naming_it(self) -> None:
        (problem,) = problems(limit(qty=D("1.0")))
        assert problem.render() == (
            "qty: 1.0 is below the ABC/EUR minimum 1.5; use a quantity of at least 1.5"
        )

    def test_a_quantity_off_the_lot_step_names_the_nearest(self) -> None:
        (problem,) = problems(limit(qty=D("2.2")))
        assert problem.accepted == "a quantity on the lot step, nearest 2.0 or 2.5"


class TestCost:
    def test_cost_at_the_minimum_is_accepted(self) -> None:
        assert fields(limit(qty=D("1.5"), limit_price=D("2.00"))) == []

    def test_cost_under_the_minimum_is_refused_naming_the_least_quantity(self) -> None:
        (problem,) = problems(limit(qty=D("1.5"), limit_price=D("1.95")))
        assert problem.render() == (
            "qty: 1.5 x 1.95 = 2.925 EUR is below the ABC/EUR cost minimum 3 EUR; use a "
            "quantity of at least 2.0 at this price"
        )

    def test_a_market_order_is_costed_at_its_reference_price(self) -> None:
        order = MarketOrder(symbol="ABC/EUR", side="sell", qty=D("1.5"), ref_price=D("1.95"))
        assert fields(order) == ["qty"]
        assert fields(msgspec.structs.replace(order, ref_price=D("2"))) == []


class TestIndex:
    @pytest.mark.parametrize(("has_index", "ok"), [(True, True), (False, False), (None, False)])
    def test_an_index_trigger_needs_a_pair_with_an_index(
        self, has_index: bool | None, ok: bool
    ) -> None:
        order = StopLossOrder(
            symbol="ABC/EUR", side="sell", qty=D("2"),
            trigger=Trigger(price=D("2"), reference="index"),
        )  # fmt: skip
        pair = msgspec.structs.replace(PAIR, has_index=has_index)
        assert fields(order, ctx(pair)) == ([] if ok else ["trigger.reference"])


class TestStatus:
    @pytest.mark.parametrize(
        "status", ["cancel_only", "maintenance", "delisted", "work_in_progress", "reduce_only"]
    )
    def test_a_pair_that_takes_no_new_order_refuses_and_names_the_status(
        self, status: PairStatus
    ) -> None:
        (problem,) = problems(
            limit(post_only=True), ctx(msgspec.structs.replace(PAIR, status=status))
        )
        assert problem.given == f"ABC/EUR is in {status} mode"

    def test_online_takes_a_market_order(self) -> None:
        assert fields(MarketOrder(symbol="ABC/EUR", side="sell", qty=D("2"))) == []

    @pytest.mark.parametrize(("post_only", "ok"), [(True, True), (False, False)])
    def test_post_only_mode_takes_only_post_only_limits(self, post_only: bool, ok: bool) -> None:
        context = ctx(msgspec.structs.replace(PAIR, status="post_only"))
        assert fields(limit(post_only=post_only), context) == ([] if ok else ["symbol"])

    def test_limit_only_mode_takes_limit_priced_orders(self) -> None:
        context = ctx(msgspec.structs.replace(PAIR, status="limit_only"))
        stop_limit = StopLossLimitOrder(
            symbol="ABC/EUR", side="sell", qty=D("2"), trigger=Trigger(price=D("2")),
            limit_price=D("1.95"),
        )  # fmt: skip
        assert fields(limit(), context) == []
        assert fields(stop_limit, context) == []
        assert fields(MarketOrder(symbol="ABC/EUR", side="sell", qty=D("2")), context) == ["symbol"]
        with_market_close = limit(close=StopLossClose(trigger_price=D("1.5")))
        assert fields(with_market_close, context) == ["symbol"]


class TestSymbols:
    @pytest.mark.parametrize(
        "given_symbol", ["XBT/USD", "btc/usd", "BTCUSD", "xbt-usd", "BTC/USD "]
    )
    def test_a_misspelt_symbol_suggests_the_known_one(self, given_symbol: str) -> None:
        assert closest_symbols(given_symbol, {"ABC/EUR": PAIR, "BTC/USD": BTC}) == ["BTC/USD"]

    def test_an_unknown_symbol_is_refused_with_the_suggestion(self) -> None:
        (problem,) = problems(limit(symbol="XBT/USD"))
        assert problem.field == "symbol"
        assert "(did you mean BTC/USD?)" in problem.accepted

    def test_a_symbol_far_from_every_known_one_gets_no_suggestion(self) -> None:
        (problem,) = problems(limit(symbol="ZZZZ/QQQ"))
        assert "did you mean" not in problem.accepted


class TestSnapHelpers:
    @pytest.mark.parametrize(
        ("direction", "expected"), [("down", "1.05"), ("up", "1.10"), ("half_even", "1.05")]
    )
    def test_each_direction(self, direction: Any, expected: str) -> None:
        assert snap(D("1.07"), D("0.05"), direction) == D(expected)

    def test_half_even_breaks_a_tie_to_the_even_step(self) -> None:
        assert snap(D("1.075"), D("0.05"), "half_even") == D("1.10")
        assert snap(D("1.025"), D("0.05"), "half_even") == D("1.00")

    def test_a_price_that_would_round_to_zero_is_refused(self) -> None:
        assert [p.field for p in snap_price(D("0.01"), PAIR, "down").failure()] == ["price"]
        assert snap_price(D("0.01"), PAIR, "up").unwrap() == D("0.05")

    def test_a_quantity_that_would_round_under_the_minimum_is_refused(self) -> None:
        assert snap_qty(D("1.9"), PAIR, "down").unwrap() == D("1.5")
        assert [p.field for p in snap_qty(D("1.4"), PAIR, "down").failure()] == ["qty"]

    def test_snapped_values_carry_no_trailing_zeros(self) -> None:
        assert str(snap_qty(D("0.001000004"), BTC, "down").unwrap()) == "0.001"


class TestSnapOrder:
    def test_a_buy_rounds_quantity_and_prices_down_and_its_sell_close_up(self) -> None:
        order = limit(qty=D("2.2"), limit_price=D("2.07"),
                      close=StopLossLimitClose(trigger_price=D("1.93"), limit_price=D("1.91")))  # fmt: skip
        snapped, changes = snap_order(order, PAIR).unwrap()
        assert snapped == limit(qty=D("2"), limit_price=D("2.05"),
                                close=StopLossLimitClose(trigger_price=D("1.95"), limit_price=D("1.95")))  # fmt: skip
        assert [c.field for c in changes] == ["qty", "close.trigger_price", "close.limit_price",
                                              "limit_price"]  # fmt: skip

    def test_a_sell_rounds_its_prices_up(self) -> None:
        order = limit(side="sell", limit_price=D("2.07"))
        assert snap_order(order, PAIR).unwrap()[0] == limit(side="sell", limit_price=D("2.1"))

    def test_an_order_on_the_grid_is_not_changed(self) -> None:
        assert snap_order(limit(), PAIR).unwrap() == (limit(), ())

    def test_a_quantity_that_cannot_be_rounded_down_safely_is_refused(self) -> None:
        assert [p.field for p in snap_order(limit(qty=D("1.2")), PAIR).failure()] == ["qty"]


# --- properties --------------------------------------------------------------------------------------

steps = st.sampled_from([D("0.05"), D("0.5"), D("0.1"), D("1E-8"), D("25"), D("0.0001")])
values = st.decimals(min_value=D("0.00000001"), max_value=D("100000"), places=8)


@given(values, steps, st.sampled_from(["down", "up", "half_even"]))
def test_a_snapped_value_is_on_the_grid_and_within_one_step(
    value: Decimal, step: Decimal, direction: Any
) -> None:
    """A snapped value is always on the grid, and never further than one step from the input."""
    snapped = snap(value, step, direction)
    assert snapped % step == 0
    assert abs(snapped - value) < step


@given(values, steps, st.sampled_from(["down", "up", "half_even"]))
def test_a_snapped_quantity_is_never_under_the_minimum(
    value: Decimal, step: Decimal, direction: Any
) -> None:
    """A snapped quantity is never below the pair's minimum: it is refused instead."""
    pair = msgspec.structs.replace(PAIR, qty_increment=step, qty_min=step * 3)
    result = snap_qty(value, pair, direction)
    assert result.value_or(pair.qty_min) >= pair.qty_min


@given(
    qty=st.integers(3, 400).map(lambda n: Decimal(n) / 2),
    ticks=st.integers(40, 10_000),
    side=st.sampled_from(["buy", "sell"]),
)
def test_an_order_that_passes_passes_again_after_a_json_round_trip(
    qty: Decimal, ticks: int, side: Any
) -> None:
    """An order that passes the pair checks is never refused by them after encode and decode."""
    order = limit(qty=qty, limit_price=Decimal(ticks) * D("0.05"), side=side)
    context = ctx()
    message = build_add_order(order, context).unwrap()
    decoded = decode(encode(message).unwrap()).unwrap()
    assert build_add_order(intent_of(decoded).unwrap(), context).unwrap() == message


# --- symbols, snapping and amends, word for word ----------------------------------------------

TABLE = {symbol: PAIR for symbol in ("BTC/USD", "BTC/USDT", "BTC/EUR", "ETH/USD", "ETH/BTC")}


class TestClosestSymbols:
    @pytest.mark.parametrize(
        ("given_symbol", "known"),
        [
            ("btc-usd", "BTC/USD"), ("btc_usd", "BTC/USD"), ("btc usd", "BTC/USD"),
            ("btc:usd", "BTC/USD"), ("xbt-usd", "BTC/USD"), ("eth-xbt", "ETH/BTC"),
            ("eth-usd", "ETH/USD"), ("btcusd", "BTC/USD"), ("xbt-usd-t", "BTC/USDT"),
        ],
    )  # fmt: skip
    def test_a_symbol_spelt_another_way_is_exactly_the_one_it_means(
        self, given_symbol: str, known: str
    ) -> None:
        assert closest_symbols(given_symbol, TABLE) == [known]

    def test_otherwise_up_to_three_half_alike_are_suggested_best_first(self) -> None:
        assert closest_symbols("BT/US", TABLE) == ["BTC/USD", "BTC/USDT", "ETH/USD"]
        assert closest_symbols("ZZZ/USD", {"BTC/USD": PAIR}) == ["BTC/USD"]  # 0.57 alike

    def test_a_symbol_without_a_separator_is_compared_as_it_is(self) -> None:
        assert closest_symbols("op", {"OP/USDT": PAIR}) == []  # 0.44 alike


class TestSnapTexts:
    def test_a_snapped_price_keeps_its_digits_in_plain_notation(self) -> None:
        tens = msgspec.structs.replace(PAIR, price_increment=D("10"))
        assert str(snap_price(D("28444"), tens, "down").unwrap()) == "28440"

    def test_a_price_that_rounds_to_zero_is_refused_word_for_word(self) -> None:
        assert [p.render() for p in snap_price(D("0.01"), PAIR, "down").failure()] == [
            "price: 0.01 rounds down to 0; use a price of at least one tick (0.05)"
        ]

    def test_a_quantity_under_the_minimum_is_refused_word_for_word(self) -> None:
        assert [p.render() for p in snap_qty(D("1.4"), PAIR, "down").failure()] == [
            "qty: 1.4 rounds down to 1, under the ABC/EUR minimum 1.5; use a quantity of at least "
            "1.5"
        ]

    def test_a_quantity_that_rounds_to_zero_is_refused_even_with_no_minimum(self) -> None:
        no_minimum = msgspec.structs.replace(PAIR, qty_min=D("0"))
        assert [p.given for p in snap_qty(D("0.2"), no_minimum, "down").failure()] == [
            "0.2 rounds down to 0, under the ABC/EUR minimum 0"
        ]

    def test_a_change_says_what_was_rounded_to_what(self) -> None:
        assert Snapped(field="limit_price", before=D("2.07"), after=D("2.05")).render_change() == (
            "2.07 rounded to 2.05"
        )


_SELL: dict[str, Any] = {"symbol": "ABC/EUR", "side": "sell", "qty": D("2.2")}


class TestSnapEveryOrder:
    """Each order type's values rounded in the safe direction: a sell's up, its buy close's down."""

    @pytest.mark.parametrize(
        ("order", "snapped", "changes"),
        [
            (MarketOrder(**_SELL), MarketOrder(**_SELL | {"qty": D("2")}),
             [("qty", "2.2", "2")]),
            (StopLossOrder(**_SELL, trigger=Trigger(price=D("1.93"))),
             StopLossOrder(**_SELL | {"qty": D("2")}, trigger=Trigger(price=D("1.95"))),
             [("qty", "2.2", "2"), ("trigger.price", "1.93", "1.95")]),
            (TakeProfitOrder(**_SELL, trigger=Trigger(price=D("2.11"))),
             TakeProfitOrder(**_SELL | {"qty": D("2")}, trigger=Trigger(price=D("2.15"))),
             [("qty", "2.2", "2"), ("trigger.price", "2.11", "2.15")]),
            (StopLossLimitOrder(**_SELL, trigger=Trigger(price=D("1.93")), limit_price=D("1.91")),
             StopLossLimitOrder(**_SELL | {"qty": D("2")}, trigger=Trigger(price=D("1.95")),
                                limit_price=D("1.95")),
             [("qty", "2.2", "2"), ("trigger.price", "1.93", "1.95"),
              ("limit_price", "1.91", "1.95")]),
            (TakeProfitLimitOrder(**_SELL, trigger=Trigger(price=D("2.11"))),
             TakeProfitLimitOrder(**_SELL | {"qty": D("2")}, trigger=Trigger(price=D("2.15"))),
             [("qty", "2.2", "2"), ("trigger.price", "2.11", "2.15")]),
            (IcebergOrder(**_SELL, limit_price=D("2.07"), display_qty=D("1")),
             IcebergOrder(**_SELL | {"qty": D("2")}, limit_price=D("2.1"), display_qty=D("1")),
             [("qty", "2.2", "2"), ("limit_price", "2.07", "2.1")]),
            (TrailingStopOrder(**_SELL, trigger=Trigger(price=D("1.03"), price_type="quote")),
             TrailingStopOrder(**_SELL | {"qty": D("2")},
                               trigger=Trigger(price=D("1.03"), price_type="quote")),
             [("qty", "2.2", "2")]),
            (TrailingStopLimitOrder(**_SELL, trigger=Trigger(price=D("1"), price_type="pct"),
                                    limit_price=D("-0.03")),
             TrailingStopLimitOrder(**_SELL | {"qty": D("2")},
                                    trigger=Trigger(price=D("1"), price_type="pct"),
                                    limit_price=D("-0.03")),
             [("qty", "2.2", "2")]),
        ],
    )  # fmt: skip
    def test_each_order_type(
        self, order: SpotOrder, snapped: SpotOrder, changes: list[tuple[str, str, str]]
    ) -> None:
        result, made = snap_order(order, PAIR).unwrap()
        assert result == snapped
        assert [(c.field, str(c.before), str(c.after)) for c in made] == changes

    @pytest.mark.parametrize("price_type", ["pct", "quote"])
    def test_a_relative_trigger_is_an_offset_and_stays(self, price_type: Any) -> None:
        order = StopLossOrder(**_SELL | {"qty": D("2")},
                              trigger=Trigger(price=D("1.03"), price_type=price_type))  # fmt: skip
        assert snap_order(order, PAIR).unwrap() == (order, ())

    @pytest.mark.parametrize(
        ("close", "snapped"),
        [
            (LimitClose(limit_price=D("2.07")), LimitClose(limit_price=D("2.05"))),
            (StopLossClose(trigger_price=D("2.07")), StopLossClose(trigger_price=D("2.05"))),
            (TakeProfitClose(trigger_price=D("2.07")), TakeProfitClose(trigger_price=D("2.05"))),
            (StopLossLimitClose(trigger_price=D("2.07")),
             StopLossLimitClose(trigger_price=D("2.05"))),
            (StopLossClose(trigger_price=D("2.07"), trigger_price_type="pct"),
             StopLossClose(trigger_price=D("2.07"), trigger_price_type="pct")),
            (TrailingStopClose(trigger_price=D("1.03"), trigger_price_type="quote"),
             TrailingStopClose(trigger_price=D("1.03"), trigger_price_type="quote")),
        ],
    )  # fmt: skip
    def test_a_sells_close_is_a_buy_and_rounds_down_unless_it_is_an_offset(
        self, close: Close, snapped: Close
    ) -> None:
        order = limit(side="sell", limit_price=D("2.1"), close=close)
        assert snap_order(order, PAIR).unwrap()[0] == limit(
            side="sell", limit_price=D("2.1"), close=snapped
        )

    def test_a_price_that_would_round_to_zero_is_refused_under_its_own_name(self) -> None:
        assert snap_order(limit(limit_price=D("0.01")), PAIR).failure() == (
            InputInvalid(
                field="limit_price",
                given="0.01 rounds down to 0",
                accepted="a price of at least one tick (0.05)",
            ),
        )
        order = StopLossOrder(**_SELL | {"side": "buy", "qty": D("2")},
                              trigger=Trigger(price=D("0.01")))  # fmt: skip
        assert [p.field for p in snap_order(order, PAIR).failure()] == ["trigger.price"]


class TestAmendPair:
    def test_an_amend_of_the_quantity_alone_meets_only_the_lot_rules(self) -> None:
        assert list(amend_pair_problems(Amend(order_id="A", qty=D("2")), PAIR)) == []

    def test_a_static_trigger_price_is_tick_checked_and_an_offset_is_not(self) -> None:
        static = Amend(order_id="A", qty=D("2"), trigger_price=D("2.07"))
        assert [p.render() for p in amend_pair_problems(static, PAIR)] == [
            "trigger_price: 2.07 is not a multiple of the ABC/EUR tick 0.05; use a price on the "
            "tick, nearest 2.05 or 2.10"
        ]
        offset = msgspec.structs.replace(static, trigger_price_type="pct")
        assert list(amend_pair_problems(offset, PAIR)) == []


class TestCloseTicks:
    """A close's prices on the tick, each under its own name; offsets as the exchange places them."""

    @pytest.mark.parametrize(
        ("close", "given"),
        [
            (TakeProfitClose(trigger_price=D("1.93")),
             [("close.trigger_price", "1.93")]),
            (TakeProfitClose(trigger_price=D("-1.23"), trigger_price_type="pct"), []),
            (StopLossLimitClose(trigger_price=D("2.33"), limit_price=D("2.37")),
             [("close.trigger_price", "2.33"), ("close.limit_price", "2.37")]),
            (StopLossLimitClose(trigger_price=D("1.23"), trigger_price_type="pct",
                                limit_price=D("2.37")),
             [("close.limit_price", "2.37")]),
            (TakeProfitLimitClose(trigger_price=D("1.93"), limit_price=D("1.97")),
             [("close.trigger_price", "1.93"), ("close.limit_price", "1.97")]),
            (TrailingStopClose(trigger_price=D("0.12"), trigger_price_type="quote"),
             [("close.trigger_price", "0.12")]),
            (TrailingStopClose(trigger_price=D("1.23"), trigger_price_type="pct"), []),
            (TrailingStopLimitClose(trigger_price=D("0.12"), trigger_price_type="quote",
                                    limit_price=D("0.07")),
             [("close.trigger_price", "0.12"), ("close.limit_price", "0.07")]),
            (TrailingStopLimitClose(trigger_price=D("0.15"), trigger_price_type="quote",
                                    limit_price=D("0")), []),
            (TrailingStopLimitClose(trigger_price=D("0.15"), trigger_price_type="quote",
                                    limit_price=D("0.07"), limit_price_type="pct"), []),
        ],
    )  # fmt: skip
    def test_each_close_of_a_sell(self, close: Close, given: list[tuple[str, str]]) -> None:
        found = problems(limit(side="sell", limit_price=D("2.05"), close=close))
        assert [(p.field, p.given) for p in found] == [
            (field, f"{value} is not a multiple of the ABC/EUR tick 0.05") for field, value in given
        ]

    def test_a_limit_close_is_tick_checked_under_its_name(self) -> None:
        found = problems(limit(side="sell", limit_price=D("2.05"),
                               close=LimitClose(limit_price=D("1.93"))))  # fmt: skip
        assert [(p.field, p.given) for p in found] == [
            ("close.limit_price", "1.93 is not a multiple of the ABC/EUR tick 0.05")
        ]

    def test_a_sell_trailing_limit_offset_below_is_tick_checked_by_its_size(self) -> None:
        close = TrailingStopLimitClose(trigger_price=D("0.15"), trigger_price_type="quote",
                                       limit_price=D("-0.07"))  # fmt: skip
        found = problems(limit(close=close))
        assert [(p.field, p.given) for p in found] == [
            ("close.limit_price", "0.07 is not a multiple of the ABC/EUR tick 0.05")
        ]


class TestOffsetTicks:
    def test_a_quote_offset_off_the_tick_is_refused_with_the_steps_either_side(self) -> None:
        order = StopLossOrder(symbol="ABC/EUR", side="sell", qty=D("2"),
                              trigger=Trigger(price=D("-0.12"), price_type="quote"))  # fmt: skip
        (problem,) = problems(order)
        assert problem.render() == (
            "trigger.price: -0.12 is not a multiple of the ABC/EUR tick 0.05; use a quote offset "
            "in whole ticks"
        )
        assert problem.detail == OffGrid(
            value=D("-0.12"), step=D("0.05"), below=D("-0.15"), above=D("-0.10")
        )

    def test_an_offset_under_one_tick_has_no_step_below(self) -> None:
        order = StopLossOrder(symbol="ABC/EUR", side="buy", qty=D("2"),
                              trigger=Trigger(price=D("0.03"), price_type="quote"))  # fmt: skip
        (problem,) = problems(order)
        assert problem.detail == OffGrid(
            value=D("0.03"), step=D("0.05"), below=None, above=D("0.05")
        )


@pytest.mark.parametrize(
    ("has_index", "known"), [(False, "has no index"), (None, "is not known to have an index")]
)
def test_an_index_trigger_is_refused_saying_what_is_known(
    has_index: bool | None, known: str
) -> None:
    order = StopLossOrder(symbol="ABC/EUR", side="sell", qty=D("2"),
                          trigger=Trigger(price=D("2"), reference="index"))  # fmt: skip
    pair = msgspec.structs.replace(PAIR, has_index=has_index)
    assert [p.render() for p in problems(order, ctx(pair))] == [
        f"trigger.reference: 'index', and ABC/EUR {known}; use reference 'last' (Kraken answers "
        "'Index unavailable')"
    ]


_BUY: dict[str, Any] = {"symbol": "ABC/EUR", "side": "buy", "qty": D("2")}
_SELL_CLOSE = StopLossLimitClose(trigger_price=D("1.93"), limit_price=D("1.91"))
_SNAPPED_CLOSE = StopLossLimitClose(trigger_price=D("1.95"), limit_price=D("1.95"))
_CLOSE_CHANGES = [("close.trigger_price", "1.93", "1.95"), ("close.limit_price", "1.91", "1.95")]


class TestSnapBuysWithCloses:
    """A buy's prices round down and its sell close's up; every order type keeps its close."""

    @pytest.mark.parametrize(
        ("order", "snapped", "changes"),
        [
            (MarketOrder(**_BUY, ref_price=D("2.5"), close=_SELL_CLOSE),
             MarketOrder(**_BUY, ref_price=D("2.5"), close=_SNAPPED_CLOSE), []),
            (StopLossOrder(**_BUY, trigger=Trigger(price=D("2.53")), close=_SELL_CLOSE),
             StopLossOrder(**_BUY, trigger=Trigger(price=D("2.5")), close=_SNAPPED_CLOSE),
             [("trigger.price", "2.53", "2.5")]),
            (StopLossLimitOrder(**_BUY, trigger=Trigger(price=D("2.53")), limit_price=D("2.57"),
                                close=_SELL_CLOSE),
             StopLossLimitOrder(**_BUY, trigger=Trigger(price=D("2.5")), limit_price=D("2.55"),
                                close=_SNAPPED_CLOSE),
             [("trigger.price", "2.53", "2.5"), ("limit_price", "2.57", "2.55")]),
            (IcebergOrder(**_BUY, limit_price=D("2.07"), display_qty=D("1"), close=_SELL_CLOSE),
             IcebergOrder(**_BUY, limit_price=D("2.05"), display_qty=D("1"), close=_SNAPPED_CLOSE),
             [("limit_price", "2.07", "2.05")]),
            (TrailingStopOrder(**_BUY, trigger=Trigger(price=D("1"), price_type="pct"),
                               close=_SELL_CLOSE),
             TrailingStopOrder(**_BUY, trigger=Trigger(price=D("1"), price_type="pct"),
                               close=_SNAPPED_CLOSE), []),
        ],
    )  # fmt: skip
    def test_each_order_type(
        self, order: SpotOrder, snapped: SpotOrder, changes: list[tuple[str, str, str]]
    ) -> None:
        result, made = snap_order(order, PAIR).unwrap()
        assert result == snapped
        assert [(c.field, str(c.before), str(c.after)) for c in made] == _CLOSE_CHANGES + changes

    def test_a_limit_close_rounds_in_the_closes_direction_under_its_name(self) -> None:
        order = limit(close=LimitClose(limit_price=D("2.33")))
        result, made = snap_order(order, PAIR).unwrap()
        assert result == limit(close=LimitClose(limit_price=D("2.35")))
        assert [(c.field, str(c.before), str(c.after)) for c in made] == [
            ("close.limit_price", "2.33", "2.35")
        ]

    def test_a_trailing_close_is_left_as_it_is_whatever_its_type(self) -> None:
        close = TrailingStopClose(trigger_price=D("0.07"), trigger_price_type="static")
        assert snap_order(limit(close=close), PAIR).unwrap() == (limit(close=close), ())


def test_the_number_of_suggestions_is_the_callers() -> None:
    assert closest_symbols("BT/US", TABLE, n=1) == ["BTC/USD"]


# --- every problem word for word, with its detail ---------------------------------------------


def rendered(found: list[InputInvalid]) -> list[tuple[str, object]]:
    return [(p.render(), p.detail) for p in found]


class TestIcebergDisplay:
    """An iceberg's shown quantity is on the lot step; its limit price on the tick, by name."""

    def test_a_shown_quantity_between_two_steps_names_both(self) -> None:
        order = IcebergOrder(symbol="ABC/EUR", side="buy", qty=D("3"), limit_price=D("2.07"),
                             display_qty=D("0.7"))  # fmt: skip
        assert rendered(problems(order)) == [
            ("limit_price: 2.07 is not a multiple of the ABC/EUR tick 0.05; use a price on the "
             "tick, nearest 2.05 or 2.10",
             OffGrid(value=D("2.07"), step=D("0.05"), below=D("2.05"), above=D("2.10"))),
            ("display_qty: 0.7 is not a multiple of the ABC/EUR lot step 0.5; use a displayed "
             "quantity on the lot step",
             OffGrid(value=D("0.7"), step=D("0.5"), below=D("0.5"), above=D("1.0"))),
        ]  # fmt: skip

    def test_a_shown_quantity_under_one_step_has_no_step_below(self) -> None:
        order = IcebergOrder(symbol="ABC/EUR", side="buy", qty=D("3"), limit_price=D("2.05"),
                             display_qty=D("0.3"))  # fmt: skip
        assert [p.detail for p in problems(order)] == [
            OffGrid(value=D("0.3"), step=D("0.5"), below=None, above=D("0.5"))
        ]

    def test_a_shown_quantity_on_the_step_passes(self) -> None:
        order = IcebergOrder(symbol="ABC/EUR", side="buy", qty=D("3"), limit_price=D("2.05"),
                             display_qty=D("0.5"))  # fmt: skip
        assert problems(order) == []


class TestTrailingTicks:
    """A trailing order's quote offsets are whole ticks, each under its own name; a pct limit
    offset is not tick-checked."""

    def test_a_trailing_stops_quote_offset(self) -> None:
        order = TrailingStopOrder(symbol="ABC/EUR", side="sell", qty=D("2"),
                                  trigger=Trigger(price=D("0.12"), price_type="quote"))  # fmt: skip
        assert [p.render() for p in problems(order)] == [
            "trigger.price: 0.12 is not a multiple of the ABC/EUR tick 0.05; use a quote offset "
            "in whole ticks"
        ]

    def test_a_trailing_limits_trigger_and_quote_limit_offsets(self) -> None:
        order = TrailingStopLimitOrder(
            symbol="ABC/EUR", side="sell", qty=D("2"),
            trigger=Trigger(price=D("0.12"), price_type="quote"), limit_price=D("-0.07"),
            limit_price_type="quote",
        )  # fmt: skip
        assert [p.render() for p in problems(order)] == [
            "trigger.price: 0.12 is not a multiple of the ABC/EUR tick 0.05; use a quote offset "
            "in whole ticks",
            "limit_price: -0.07 is not a multiple of the ABC/EUR tick 0.05; use a quote offset "
            "in whole ticks",
        ]

    def test_a_pct_limit_offset_is_not_tick_checked(self) -> None:
        order = TrailingStopLimitOrder(
            symbol="ABC/EUR", side="sell", qty=D("2"),
            trigger=Trigger(price=D("0.15"), price_type="quote"), limit_price=D("-0.07"),
            limit_price_type="pct",
        )  # fmt: skip
        assert problems(order) == []


class TestPriceTexts:
    """A price off the tick names the steps either side, and only a step above zero below it."""

    @pytest.mark.parametrize(
        ("price", "nearest", "below", "above"),
        [("0.03", "0.05", None, "0.05"), ("0.07", "0.05 or 0.10", D("0.05"), "0.10"),
         ("1.07", "1.05 or 1.10", D("1.05"), "1.10")],
    )  # fmt: skip
    def test_the_nearest_prices(
        self, price: str, nearest: str, below: Decimal | None, above: str
    ) -> None:
        amend = Amend(order_id="A", qty=D("2"), limit_price=D(price))
        (problem,) = amend_pair_problems(amend, PAIR)
        assert problem.render() == (
            f"limit_price: {price} is not a multiple of the ABC/EUR tick 0.05; use a price on the "
            f"tick, nearest {nearest}"
        )
        assert problem.detail == OffGrid(
            value=D(price), step=D("0.05"), below=below, above=D(above)
        )

    def test_a_price_with_too_many_decimals_word_for_word(self) -> None:
        coarse = msgspec.structs.replace(PAIR, price_precision=1)
        amend = Amend(order_id="A", qty=D("2"), limit_price=D("2.05"))
        assert rendered(list(amend_pair_problems(amend, coarse))) == [
            ("limit_price: 2.05 has more than 1 decimals; use at most 1 decimals for ABC/EUR",
             TooPrecise(value=D("2.05"), decimals=1)),
        ]  # fmt: skip

    def test_a_price_under_a_millionth_is_written_out_in_full(self) -> None:
        assert [p.given for p in snap_price(D("1E-9"), PAIR, "down").failure()] == [
            "0.000000001 rounds down to 0"
        ]


class TestStatusTexts:
    """A pair not online: the refusal says what it still takes."""

    @pytest.mark.parametrize(
        ("status", "order", "accepted"),
        [
            ("post_only", limit(),
             "a post-only limit order without a close, or wait until the pair is online"),
            ("limit_only", MarketOrder(symbol="ABC/EUR", side="sell", qty=D("2")),
             "a limit-priced order (limit, stop-loss-limit, take-profit-limit, with a "
             "limit-priced close), or wait until the pair is online"),
            ("cancel_only", limit(post_only=True),
             "another pair, or wait until the pair is online"),
        ],
    )  # fmt: skip
    def test_word_for_word(self, status: PairStatus, order: SpotOrder, accepted: str) -> None:
        context = ctx(msgspec.structs.replace(PAIR, status=status))
        assert [p.render() for p in problems(order, context)] == [
            f"symbol: ABC/EUR is in {status} mode; use {accepted}"
        ]


def test_a_cost_under_the_minimum_carries_the_cost_the_minimum_and_the_least_quantity() -> None:
    (problem,) = problems(limit(qty=D("1.5"), limit_price=D("1.95")))
    assert problem.detail == CostBelowMinimum(cost=D("2.925"), minimum=D("3"), least_qty=D("2"))


class TestSnapSellCloses:
    """A sell's close is a buy: its prices round down, each change under its own name."""

    @pytest.mark.parametrize(
        ("close", "snapped", "changes"),
        [
            (StopLossClose(trigger_price=D("2.07")), StopLossClose(trigger_price=D("2.05")),
             [("close.trigger_price", "2.07", "2.05")]),
            (TakeProfitLimitClose(trigger_price=D("2.07"), limit_price=D("2.03")),
             TakeProfitLimitClose(trigger_price=D("2.05"), limit_price=D("2")),
             [("close.trigger_price", "2.07", "2.05"), ("close.limit_price", "2.03", "2")]),
        ],
    )  # fmt: skip
    def test_each_close(
        self, close: Close, snapped: Close, changes: list[tuple[str, str, str]]
    ) -> None:
        order = limit(side="sell", limit_price=D("2.1"), close=close)
        result, made = snap_order(order, PAIR).unwrap()
        assert result == limit(side="sell", limit_price=D("2.1"), close=snapped)
        assert [(c.field, str(c.before), str(c.after)) for c in made] == changes


class TestQtyTexts:
    """A quantity's problem word for word, with its detail; the step below is named only where
    it meets the minimum."""

    @pytest.mark.parametrize(
        ("qty", "qty_min", "nearest", "below", "above"),
        [("2.2", "1.5", "2.0 or 2.5", D("2.0"), "2.5"), ("1.7", "1.5", "1.5 or 2.0", D("1.5"), "2"),
         ("1.8", "1.7", "2.0", None, "2")],
    )  # fmt: skip
    def test_off_the_lot_step(
        self, qty: str, qty_min: str, nearest: str, below: Decimal | None, above: str
    ) -> None:
        pair = msgspec.structs.replace(PAIR, qty_min=D(qty_min))
        found = list(amend_pair_problems(Amend(order_id="A", qty=D(qty)), pair))
        assert rendered(found) == [
            (f"qty: {qty} is not a multiple of the ABC/EUR lot step 0.5; use a quantity on the "
             f"lot step, nearest {nearest}",
             OffGrid(value=D(qty), step=D("0.5"), below=below, above=D(above))),
        ]  # fmt: skip

    def test_under_the_minimum(self) -> None:
        found = list(amend_pair_problems(Amend(order_id="A", qty=D("1")), PAIR))
        assert rendered(found) == [
            ("qty: 1 is below the ABC/EUR minimum 1.5; use a quantity of at least 1.5",
             BelowMinimum(value=D("1"), minimum=D("1.5"))),
        ]  # fmt: skip

    def test_too_many_decimals(self) -> None:
        whole = msgspec.structs.replace(PAIR, qty_precision=0)
        found = list(amend_pair_problems(Amend(order_id="A", qty=D("2.5")), whole))
        assert rendered(found) == [
            ("qty: 2.5 has more than 0 decimals; use at most 0 decimals for ABC/EUR",
             TooPrecise(value=D("2.5"), decimals=0)),
        ]  # fmt: skip


def test_a_pair_of_whole_numbers_takes_whole_numbers() -> None:
    """No decimals at all: a whole price and quantity have none, however many zeros they end in."""
    whole = msgspec.structs.replace(
        PAIR, price_increment=D("1"), price_precision=0, qty_increment=D("1"), qty_precision=0,
        qty_min=D("1"),
    )  # fmt: skip
    for value in ("5", "50", "5E+1"):
        amend = Amend(order_id="A", qty=D(value), limit_price=D(value), trigger_price=D(value))
        assert list(amend_pair_problems(amend, whole)) == []


def test_a_symbol_that_is_not_text_is_refused_without_a_suggestion() -> None:
    assert list(symbol_in_table_problems(42, "symbol", TABLE)) == [
        InputInvalid(
            field="symbol",
            given="'42' is not a pair in the instrument table",
            accepted="a WS v2 symbol the table knows; for another pair, give instrument data "
            "that has it",
        )
    ]


def test_an_unknown_symbol_offers_every_suggestion_word_for_word() -> None:
    assert [p.render() for p in symbol_in_table_problems("BT/US", "symbol", TABLE)] == [
        "symbol: 'BT/US' is not a pair in the instrument table; use a WS v2 symbol the table "
        "knows (did you mean BTC/USD or BTC/USDT or ETH/USD?); for another pair, give "
        "instrument data that has it"
    ]

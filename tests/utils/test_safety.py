"""The guards on every path a bot takes: batches, brackets and amends held to the cap as a whole,
the cap's currency, the library's default pair rules, every problem at once, typed figures."""

from decimal import Decimal
from pathlib import Path
from typing import Any

import msgspec
import pytest
from returns.result import Success

from momentum.errors import BelowMinimum, GuardRefused, InputInvalid, Notional, OffGrid, Problem
from momentum.exchange.kraken.instruments import load_instrument_table
from momentum.exchange.kraken.ws_v2_requests import (
    bracket_plan,
    build_amend_order,
    build_batch_add,
)
from momentum.models.context import Context, Knobs
from momentum.models.intent import (
    Amend,
    LimitClose,
    LimitOrder,
    MarketOrder,
    StopLossClose,
    StopLossLimitClose,
    TakeProfitClose,
    TakeProfitLimitClose,
    TrailingStopOrder,
    Trigger,
)
from momentum.utils.safety import check_amend, check_batch, check_bracket, check_order
from tests.helpers import NOW, D, context, limit

CAP_10: dict[str, Any] = {"entry_max_notional": D("10")}


def buy(qty: str, price: str, **changes: Any) -> LimitOrder:
    return LimitOrder(symbol="BTC/USD", side="buy", qty=D(qty), limit_price=D(price), **changes)


def guards(found: tuple[Problem, ...]) -> list[str]:
    return [problem.render() for problem in found if isinstance(problem, GuardRefused)]


def field_names(found: tuple[Problem, ...]) -> list[str]:
    return [p.field if isinstance(p, InputInvalid) else p.render() for p in found]


def refusals(result: Any) -> list[str]:
    return guards(result.swap().value_or(()))


class TestBatchTotal:
    """Kraken submits a batch at once, so its buy legs count together."""

    def test_two_buys_within_the_cap_together_pass(self) -> None:
        orders = [buy("0.0002", "25000"), buy("0.0002", "25000")]  # 5 + 5 USD
        assert build_batch_add(orders, context(**CAP_10)).unwrap()

    def test_two_buys_each_under_the_cap_over_it_together_are_refused(self) -> None:
        orders = [buy("0.0002", "30000"), buy("0.0002", "30000")]  # 6 + 6 USD
        assert refusals(build_batch_add(orders, context(**CAP_10))) == [
            "ENTRY_MAX_NOTIONAL refused: the batch's buy legs total 12 USD > cap 10 USD; raise "
            "ENTRY_MAX_NOTIONAL to at least 12, or send fewer or smaller buys"
        ]

    def test_fifteen_small_buys_are_refused_together(self) -> None:
        orders = [buy("0.0001", "10000")] * 15  # 15 x 1 USD
        assert refusals(build_batch_add(orders, context(entry_max_notional=D("14.99"))))
        assert build_batch_add(orders, context(entry_max_notional=D("15"))).unwrap()

    @pytest.mark.parametrize(("cash", "ok"), [("5", True), ("9", False)])
    def test_cash_market_buys_count_their_cash(self, cash: str, ok: bool) -> None:
        order = MarketOrder(symbol="BTC/USD", side="buy", qty=D("0.0001"), cash_qty=D(cash),
                            ref_price=D("30000"))  # fmt: skip
        assert (refusals(build_batch_add([order, order], context(**CAP_10))) == []) == ok

    @pytest.mark.parametrize(("stop", "ok"), [("45000", True), ("95000", False)])
    def test_the_buy_closes_of_sells_count(self, stop: str, ok: bool) -> None:
        # two sells whose buy stops would cost 4.5 (pass) or 9.5 (refused together) USD each
        sell = LimitOrder(symbol="BTC/USD", side="sell", qty=D("0.0001"), limit_price=D("30000"),
                          close=StopLossClose(trigger_price=D(stop)))  # fmt: skip
        assert (refusals(build_batch_add([sell, sell], context(**CAP_10))) == []) == ok

    def test_relative_triggers_count_from_the_reference_price(self) -> None:
        # trailing buys placed from ref_price 30000: each fires at most at 30000 + 1%
        trailing = TrailingStopOrder(symbol="BTC/USD", side="buy", qty=D("0.0002"),
                                     ref_price=D("30000"),
                                     trigger=Trigger(price=D("1"), price_type="pct"))  # fmt: skip
        assert refusals(
            build_batch_add([trailing, trailing], context(entry_max_notional=D("12.11")))
        )
        assert build_batch_add(
            [trailing, trailing], context(entry_max_notional=D("12.12"))
        ).unwrap()

    def test_sells_without_buy_legs_are_not_held(self) -> None:
        sell = LimitOrder(symbol="BTC/USD", side="sell", qty=D("1"), limit_price=D("30000"))
        assert build_batch_add([sell, sell], context(**CAP_10)).unwrap()

    def test_one_cl_ord_id_twice_in_a_batch_is_refused(self) -> None:
        orders = [buy("0.0001", "28000", cl_ord_id="a1"), buy("0.0001", "27000", cl_ord_id="a1")]
        found = check_batch(orders, context()).failure()
        assert [p.render() for p in found] == [
            "orders[1].cl_ord_id: 'a1', as orders[0] has; use a cl_ord_id of its own for each "
            "order of a batch"
        ]
        distinct = [buy("0.0001", "28000", cl_ord_id="a1"), buy("0.0001", "27000", cl_ord_id="a2")]
        assert check_batch(distinct, context()).unwrap() == tuple(distinct)


class TestAmendNotional:
    """`amend_order` carries no side: an amend is held to the cap as a buy unless said to be a sell."""

    def amend(self, **changes: Any) -> Amend:
        fields: dict[str, Any] = {"order_id": "OUF4EM-FRGI2-MQMWZD", "qty": D("1000"),
                                  "limit_price": D("100000"), "symbol": "BTC/USD"}  # fmt: skip
        return Amend(**(fields | changes))

    def test_a_huge_amend_of_unknown_side_is_refused_as_a_buy(self) -> None:
        assert refusals(build_amend_order(self.amend(), context(allow_live=True, **CAP_10))) == [
            "ENTRY_MAX_NOTIONAL refused: held as a buy (amend_order carries no side): 1000 x 100000 "
            "= 100000000 USD > cap 10 USD; raise ENTRY_MAX_NOTIONAL to at least 100000000, or lower "
            "the quantity or the price; or say the order is a sell (side)"
        ]

    def test_the_same_amend_of_a_sell_passes(self) -> None:
        amend = self.amend(side="sell")
        assert build_amend_order(amend, context(allow_live=True, **CAP_10)).unwrap()

    @pytest.mark.parametrize(("qty", "ok"), [("0.0001", True), ("0.00011", False)])
    def test_an_amended_buy_is_held_on_both_sides_of_the_cap(self, qty: str, ok: bool) -> None:
        amend = self.amend(side="buy", qty=D(qty))  # 0.0001 x 100000 = 10 USD
        result = check_amend(amend, context(allow_live=True, **CAP_10))
        assert (refusals(result) == []) == ok

    def test_an_amend_with_no_price_needs_a_reference_price(self) -> None:
        amend = self.amend(qty=D("0.0001"), limit_price=None)
        assert refusals(check_amend(amend, context(allow_live=True, **CAP_10))) == [
            "ENTRY_MAX_NOTIONAL refused: held as a buy (amend_order carries no side): the amended "
            "order's price is unknown, so its notional cannot be bounded by cap 10 USD; give "
            "ref_price (the order's price or the market's) or a static limit_price; or say the "
            "order is a sell (side)"
        ]
        priced = msgspec.structs.replace(amend, ref_price=D("90000"))
        assert check_amend(priced, context(allow_live=True, **CAP_10)).unwrap() == priced

    def test_a_relative_limit_is_placed_from_the_reference_price(self) -> None:
        amend = self.amend(qty=D("0.0001"), limit_price=D("-1"), limit_price_type="pct",
                           ref_price=D("101000"))  # fmt: skip  # placed at 99990
        assert check_amend(amend, context(allow_live=True, **CAP_10)).unwrap()
        dearer = msgspec.structs.replace(amend, limit_price=D("1"))  # 102010
        assert refusals(check_amend(dearer, context(allow_live=True, **CAP_10)))

    def test_an_amend_of_unknown_pair_cannot_be_bounded(self) -> None:
        amend = self.amend(qty=D("0.0001"), symbol=None)
        assert "pair is not given" in refusals(check_amend(amend, context(allow_live=True)))[0]

    def test_an_amended_price_off_the_tick_is_named(self) -> None:
        amend = self.amend(qty=D("0.0001"), limit_price=D("28440.05"), side="sell")
        found = check_amend(amend, context(allow_live=True, instruments="shipped")).failure()
        assert [p.field for p in found if isinstance(p, InputInvalid)] == ["limit_price"]


class TestNotionalCurrency:
    """The cap has a currency; a pair quoted in another needs the caller's rate."""

    ETH_BTC = LimitOrder(symbol="ETH/BTC", side="buy", qty=D("1"), limit_price=D("0.05"))

    def test_a_buy_quoted_in_btc_without_a_rate_is_refused_naming_the_rate(self) -> None:
        assert refusals(check_order(self.ETH_BTC, context(**CAP_10))) == [
            "ENTRY_MAX_NOTIONAL refused: the entry is priced in BTC, the cap in USD, and no BTC "
            "rate was given, so its notional cannot be bounded by cap 10 USD; give what 1 BTC is "
            "worth in USD (quote_rates BTC=RATE); a stablecoin is not USD unless its rate says so"
        ]

    def test_with_its_rate_it_is_held_in_the_caps_currency(self) -> None:
        refused = check_order(self.ETH_BTC, context(quote_rates={"BTC": D("90000")}, **CAP_10))
        assert refusals(refused) == [
            "ENTRY_MAX_NOTIONAL refused: 1 x 0.05 = 0.05 BTC, worth 4500 USD at 90000 USD per BTC "
            "> cap 10 USD; raise ENTRY_MAX_NOTIONAL to at least 4500, or lower the quantity or the "
            "price"
        ]
        small = msgspec.structs.replace(self.ETH_BTC, qty=D("0.002"))  # 0.0001 BTC = 9 USD
        assert check_order(small, context(quote_rates={"BTC": D("90000")}, **CAP_10)) == Success(
            small
        )

    def test_a_stablecoin_is_not_the_caps_currency_without_its_rate(self) -> None:
        usdt = LimitOrder(symbol="BTC/USDT", side="buy", qty=D("0.0001"), limit_price=D("50000"))
        assert refusals(check_order(usdt, context(**CAP_10)))
        assert check_order(usdt, context(quote_rates={"USDT": D("0.999")}, **CAP_10)).unwrap()

    def test_the_cap_may_be_in_another_currency(self) -> None:
        eur = LimitOrder(symbol="BTC/EUR", side="buy", qty=D("0.0001"), limit_price=D("90000"))
        assert check_order(eur, context(notional_ccy="EUR", **CAP_10)).unwrap()
        assert refusals(check_order(eur, context(**CAP_10)))  # the same buy against a USD cap

    def test_a_malformed_rate_is_an_input_problem(self) -> None:
        found = check_order(limit(), context(quote_rates={"BTC": D("-1")})).failure()
        assert field_names(found) == ["quote_rates[BTC]"]


class TestBracket:
    STOP = StopLossLimitClose(trigger_price=D("28410"), limit_price=D("28400"))
    TAKE = TakeProfitLimitClose(trigger_price=D("28600"), limit_price=D("28590"))

    def test_the_two_buy_exits_of_a_sell_entry_count_together(self) -> None:
        entry = LimitOrder(symbol="BTC/USD", side="sell", qty=D("0.0002"), limit_price=D("30000"))
        stop, take = (
            StopLossClose(trigger_price=D("31000")),
            TakeProfitClose(trigger_price=D("29000")),
        )
        # 6.2 + 5.8 USD: each within 10, both over it
        assert refusals(bracket_plan(entry, stop, take, context(**CAP_10))) == [
            "ENTRY_MAX_NOTIONAL refused: the bracket's buy legs total 12 USD > cap 10 USD; raise "
            "ENTRY_MAX_NOTIONAL to at least 12, or send fewer or smaller buys"
        ]
        assert bracket_plan(entry, stop, take, context(entry_max_notional=D("12"))).unwrap()

    def test_a_bad_stop_and_a_bad_take_profit_are_both_reported(self) -> None:
        entry = buy("0.001", "28440")
        stop = StopLossLimitClose(trigger_price=D("28500"), limit_price=D("28490"))  # above entry
        take = TakeProfitClose(trigger_price=D("28000"))  # below entry
        found = check_bracket(entry, stop, take, context()).failure()
        assert [p.field for p in found if isinstance(p, InputInvalid)] == [
            "close.trigger_price",
            "take_profit.trigger.price",
        ]

    def test_a_problem_the_legs_share_is_reported_once(self) -> None:
        found = check_bracket(buy("0", "28440"), self.STOP, self.TAKE, context()).failure()
        assert [p.field for p in found if isinstance(p, InputInvalid)] == ["qty"]

    def test_an_entry_that_already_carries_a_close_is_refused(self) -> None:
        entry = buy("0.001", "28440", close=LimitClose(limit_price=D("29000")))
        found = check_bracket(entry, self.STOP, self.TAKE, context()).failure()
        assert [p.render() for p in found] == [
            "close: a close already on the bracket's entry; use an entry without a close: the "
            "bracket adds the stop as its close"
        ]


class TestLibraryDefaults:
    """A Context built without instrument data checks against the shipped table."""

    def test_an_off_tick_price_is_refused_by_default(self) -> None:
        ctx = Context(knobs=Knobs(entry_max_notional=D("100")), now=NOW)
        found = check_order(buy("0.001", "28440.05"), ctx).failure()
        assert field_names(found) == ["limit_price"]
        assert check_order(buy("0.001", "28440.1"), ctx).unwrap()

    def test_opting_out_by_name_checks_only_the_symbols_shape(self) -> None:
        ctx = Context(knobs=Knobs(entry_max_notional=D("100")), now=NOW, instruments="unchecked")
        assert check_order(buy("0.001", "28440.05"), ctx).unwrap()

    def test_the_shipped_table_while_instruments_file_is_set_is_refused(self) -> None:
        knobs = Knobs(entry_max_notional=D("100"), instruments_file="pairs.json")
        found = check_order(buy("0.001", "28440"), Context(knobs=knobs, now=NOW)).failure()
        assert field_names(found) == ["instruments"]

    def test_the_table_instruments_file_names_is_the_one_loaded(self, tmp_path: Path) -> None:
        pairs = tmp_path / "pairs.json"
        pairs.write_text(
            '{"error":[],"result":{"XXBTZUSD":{"altname":"XBTUSD","wsname":"XBT/USD",'
            '"pair_decimals":2,"lot_decimals":8,"cost_decimals":5,"tick_size":"0.05",'
            '"ordermin":"0.0001","costmin":"0.5","status":"online"}}}'
        )
        knobs = Knobs(entry_max_notional=D("100"), instruments_file=str(pairs))
        table = load_instrument_table(knobs).unwrap()
        ctx = Context(knobs=knobs, now=NOW, instruments=table)
        assert check_order(buy("0.001", "28440.05"), ctx).unwrap()  # on this file's 0.05 tick
        assert field_names(check_order(buy("0.001", "28440.07"), ctx).failure()) == ["limit_price"]


class TestEveryProblemAtOnce:
    def test_an_off_tick_price_over_the_cap_reports_both(self) -> None:
        ctx = context(instruments="shipped", **CAP_10)
        found = check_order(buy("0.001", "28440.05"), ctx).failure()
        assert [getattr(p, "field", None) or getattr(p, "guard", None) for p in found] == [
            "limit_price",
            "ENTRY_MAX_NOTIONAL",
        ]

    def test_a_bad_amount_stops_the_price_comparisons_not_the_other_checks(self) -> None:
        found = check_order(buy("0", "28440", cl_ord_id="x" * 40), context(**CAP_10)).failure()
        assert [p.field for p in found if isinstance(p, InputInvalid)] == ["cl_ord_id", "qty"]


class TestTypedFigures:
    """Refusals carry their figures as typed fields beside the prose."""

    def test_the_notional_refusal_says_the_largest_quantity_that_passes(self) -> None:
        ctx = context(instruments="shipped", **CAP_10)
        (refusal,) = check_order(buy("0.001", "28440"), ctx).failure()
        assert isinstance(refusal, GuardRefused)
        assert refusal.detail == Notional(
            notional=D("28.44"), cap=D("10"), currency="USD", max_qty=D("0.00035161")
        )
        assert refusal.detail.max_qty is not None
        shrunk = buy(str(refusal.detail.max_qty), "28440")
        assert check_order(shrunk, ctx) == Success(shrunk)  # 0.00035161 x 28440 = 9.9997884

    def test_a_batch_total_has_no_one_quantity(self) -> None:
        found = check_batch([buy("0.0002", "30000")] * 2, context(**CAP_10)).failure()
        assert [p.detail for p in found if isinstance(p, GuardRefused)] == [
            Notional(notional=D("12"), cap=D("10"), currency="USD", max_qty=None)
        ]

    def test_pair_rules_say_the_nearest_valid_values(self) -> None:
        ctx = context(instruments="shipped")
        tick = check_order(buy("0.001", "28440.05"), ctx).failure()
        assert [p.detail for p in tick if isinstance(p, InputInvalid)] == [
            OffGrid(value=D("28440.05"), step=D("0.1"), below=D("28440.0"), above=D("28440.1"))
        ]
        small = check_order(buy("0.00001", "28440"), ctx).failure()
        assert [p.detail for p in small if isinstance(p, InputInvalid)] == [
            BelowMinimum(value=D("0.00001"), minimum=D("0.00005"))
        ]

    def test_the_figures_survive_a_json_round_trip(self) -> None:
        ctx = context(instruments="shipped", **CAP_10)
        found = check_order(buy("0.001", "28440.05"), ctx).failure()
        data = msgspec.json.encode(found)
        assert msgspec.json.decode(data, type=tuple[Problem, ...]) == found


def test_the_figures_are_written_in_plain_notation() -> None:
    found = check_order(buy("0.00001", "10000"), context(entry_max_notional=Decimal("1E-5")))
    (refusal,) = found.failure()
    assert refusal.render() == (
        "ENTRY_MAX_NOTIONAL refused: 0.00001 x 10000 = 0.1 USD > cap 0.00001 USD; raise "
        "ENTRY_MAX_NOTIONAL to at least 0.1, or lower the quantity or the price"
    )

"""The guards (momentum/utils/safety.py): each on both sides of its knob, alone and through the
gates; batches, brackets and amends held to the cap as a whole, the cap's currency, the
library's default pair rules, every problem at once, typed figures, the refusals' words."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import msgspec
import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st
from returns.result import Success

from momentum.errors import BelowMinimum, GuardRefused, InputInvalid, Notional, OffGrid, Problem
from momentum.exchange.kraken.instruments import load_instrument_table
from momentum.exchange.kraken.ws_v2_payloads import build_add_order
from momentum.exchange.kraken.ws_v2_requests import (
    bracket_plan,
    build_amend_order,
    build_batch_add,
    build_cancel_order,
)
from momentum.models.context import Context, Knobs
from momentum.models.intent import EXACT as _EXACT
from momentum.models.intent import (
    Amend,
    Cancel,
    LimitClose,
    LimitOrder,
    MarketOrder,
    SettlePositionOrder,
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
from momentum.utils.prices import buy_legs
from momentum.utils.safety import (
    abs_limit_required,
    allow_live,
    check_amend,
    check_batch,
    check_bracket,
    check_order,
    entry_max_notional,
    notional_refusal,
    one_position_only,
    screen_order,
)
from tests.helpers import NOW, D, N, built, context, limit, refused
from tests.strategies import moments, plausible_intents, prices, quantities

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

    def test_every_problem_of_a_request_is_reported_at_once(self) -> None:
        order = limit(
            symbol="btc", qty=D("0"), limit_price=D("-1"), cl_ord_id="a" * 40, time_in_force="gtd"
        )
        found = check_order(order, context(exposure=2, live=True)).failure()
        assert [getattr(p, "field", None) or getattr(p, "guard", None) for p in found] == [
            "symbol",
            "cl_ord_id",
            "expire_time",
            "qty",
            "limit_price",
            "ONE_POSITION_ONLY",
            "ALLOW_LIVE",
        ]


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


# --- each guard on both sides of its knob -------------------------------------------------


def market(**changes: Any) -> MarketOrder:
    fields: dict[str, Any] = {"symbol": "BTC/USD", "side": "buy", "qty": D("0.001")}
    return MarketOrder(**(fields | changes))


def guards_of(order: Any, **ctx: Any) -> list[str]:
    found = build_add_order(order, context(**ctx)).failure()
    return [p.guard for p in found if isinstance(p, GuardRefused)]


def fields_of(order: Any, **ctx: Any) -> list[str]:
    found = build_add_order(order, context(**ctx)).failure()
    return [p.field for p in found if isinstance(p, InputInvalid)]


def stop_limit_close(limit_price: Decimal | None) -> StopLossLimitClose:
    return StopLossLimitClose(trigger_price=D("28410"), limit_price=limit_price)


def guard_of(result: GuardRefused | None) -> str:
    assert result is not None, "expected a refusal"
    return result.guard


def cancel_problems(cancel: Cancel, **ctx: Any) -> list[str]:
    found = build_cancel_order(cancel, context(allow_live=True) if not ctx else context(**ctx))
    return [p.render() for p in found.swap().value_or(())]


B: dict[str, Any] = {"symbol": "BTC/USD", "qty": D("1")}
L: dict[str, Any] = {"symbol": "BTC/USD", "qty": D("1"), "limit_price": D("100"), "side": "buy"}
BASE: dict[str, Any] = {"symbol": "MATIC/USD", "side": "buy", "qty": D("100")}
AT_100: dict[str, Any] = {"symbol": "BTC/USD", "qty": D("1"), "limit_price": D("100")}


def t(price: str = "90", **changes: Any) -> Trigger:
    return Trigger(price=D(price), **changes)


class TestEachGuardCalledDirectly:
    """Each guard is public: a refusal or `None`, agreeing with `check_order`."""

    def test_entry_max_notional_at_and_over_the_cap(self) -> None:
        order = limit()  # 0.001 x 28440 = 28.44
        assert entry_max_notional(order, context(entry_max_notional=D("28.44"))) is None
        refused = entry_max_notional(order, context(entry_max_notional=D("28.43")))
        assert guard_of(refused) == "ENTRY_MAX_NOTIONAL"

    def test_one_position_only_with_and_without_an_open_position(self) -> None:
        order = limit()
        assert one_position_only(order, context(exposure=0)) is None
        assert guard_of(one_position_only(order, context(exposure=1))) == "ONE_POSITION_ONLY"

    def test_abs_limit_required_with_and_without_the_close_limit(self) -> None:
        bare = limit(close=StopLossLimitClose(trigger_price=D("28410")))
        given = limit(close=StopLossLimitClose(trigger_price=D("28410"), limit_price=D("28400")))
        assert abs_limit_required(given, context()) is None
        assert guard_of(abs_limit_required(bare, context())) == "ABS_LIMIT_REQUIRED"

    def test_allow_live_refuses_a_live_order_only_while_off(self) -> None:
        order = limit()
        assert allow_live(order, context(live=False)) is None
        assert allow_live(order, context(live=True, allow_live=True)) is None
        assert guard_of(allow_live(order, context(live=True))) == "ALLOW_LIVE"

    def test_screen_order_is_check_order_without_the_container(self) -> None:
        good, bad = limit(), MarketOrder(symbol="BTC/USD", side="buy", qty=D("0.001"))
        ctx = context(entry_max_notional=D("10"))
        assert screen_order(good, context()) is good
        assert check_order(good, context()) == Success(good)
        assert screen_order(bad, ctx) == check_order(bad, ctx).failure()
        assert screen_order(bad, ctx) != ()

    def test_a_guard_called_directly_on_an_unchecked_symbol_still_speaks_plainly(self) -> None:
        order = limit(symbol="BTCUSD", qty=D("1"), limit_price=D("100"))
        refusal = entry_max_notional(order, context(entry_max_notional=D("10")))
        assert refusal is not None
        assert refusal.render() == (
            "ENTRY_MAX_NOTIONAL refused: the entry's pair is 'BTCUSD', which names no quote currency, "
            "so its notional cannot be bounded by cap 10 USD; give the order's symbol, BASE/QUOTE "
            "such as BTC/USD"
        )


class TestEntryMaxNotional:
    def test_entry_at_cap_is_accepted(self) -> None:
        assert built(limit(), context(entry_max_notional=D("28.44")))["params"]["limit_price"] == N(
            "28440"
        )

    def test_entry_one_tick_over_cap_is_refused(self) -> None:
        assert guards_of(limit(limit_price=D("28440.1")), entry_max_notional=D("28.44")) == [
            "ENTRY_MAX_NOTIONAL"
        ]

    def test_refusal_names_the_figures_and_the_remedy(self) -> None:
        assert refused(limit(), context(entry_max_notional=D("10"))) == [
            "ENTRY_MAX_NOTIONAL refused: 0.001 x 28440 = 28.44 USD > cap 10 USD; raise "
            "ENTRY_MAX_NOTIONAL to at least 28.44, or lower the quantity or the price"
        ]

    def test_market_entry_without_reference_price_is_refused(self) -> None:
        assert guards_of(market()) == ["ENTRY_MAX_NOTIONAL"]

    def test_market_entry_with_reference_price_under_cap_is_accepted(self) -> None:
        order = market(ref_price=D("9000"))
        assert built(order, context(entry_max_notional=D("9")))["params"]["order_type"] == "market"

    def test_market_entry_with_reference_price_over_cap_is_refused(self) -> None:
        assert guards_of(market(ref_price=D("9000.1")), entry_max_notional=D("9")) == [
            "ENTRY_MAX_NOTIONAL"
        ]

    def test_a_stop_entry_is_bounded_by_its_trigger(self) -> None:
        order = StopLossOrder(
            symbol="BTC/USD", side="buy", qty=D("1"), trigger=Trigger(price=D("10.01"))
        )
        assert guards_of(order, entry_max_notional=D("10")) == ["ENTRY_MAX_NOTIONAL"]
        assert built(order, context(entry_max_notional=D("10.01")))["params"]["order_qty"] == N("1")

    def test_a_relative_trigger_entry_is_bounded_through_the_reference_price(self) -> None:
        order = StopLossOrder(
            symbol="BTC/USD",
            side="buy",
            qty=D("1"),
            trigger=Trigger(price=D("5"), price_type="pct"),
            ref_price=D("100"),
        )
        assert guards_of(order, entry_max_notional=D("104.99")) == ["ENTRY_MAX_NOTIONAL"]
        assert built(order, context(entry_max_notional=D("105")))["params"]["triggers"] == {
            "reference": "last",
            "price": N("5"),
            "price_type": "pct",
        }

    def test_a_sell_exit_is_not_bounded(self) -> None:
        assert (
            built(market(side="sell"), context(entry_max_notional=D("1")))["params"]["side"]
            == "sell"
        )

    def test_a_buy_close_of_a_sell_is_bounded_too(self) -> None:
        order = limit(
            side="sell", limit_price=D("100"), qty=D("1"), close=LimitClose(limit_price=D("90"))
        )
        assert guards_of(order, entry_max_notional=D("89.99")) == ["ENTRY_MAX_NOTIONAL"]
        assert built(order, context(entry_max_notional=D("90")))["params"]["conditional"] == {
            "order_type": "limit",
            "limit_price": N("90"),
        }


NOTIONALS = [
    # (order, knob changes, the buy leg's price the cap is held to)
    (TrailingStopOrder(**B, side="buy", ref_price=D("100"),
                       trigger=Trigger(price=D("2"), price_type="pct")), {}, "102"),
    (TrailingStopLimitOrder(**B, side="buy", ref_price=D("100"), limit_price=D("1"),
                            trigger=Trigger(price=D("2"), price_type="pct")), {}, "103"),
    (LimitOrder(**AT_100, side="sell",
                close=TrailingStopLimitClose(trigger_price=D("10"), trigger_price_type="pct",
                                             limit_price=D("1"), limit_price_type="quote")),
     {}, "111"),
    (LimitOrder(**AT_100, side="sell",
                close=StopLossClose(trigger_price=D("5"), trigger_price_type="pct")), {}, "105"),
    (StopLossLimitOrder(**B, side="buy", trigger=Trigger(price=D("100"))),
     {"abs_limit_required": False}, "100"),
    (LimitOrder(**AT_100, side="sell", close=StopLossLimitClose(trigger_price=D("110"))),
     {"abs_limit_required": False}, "110"),
]  # fmt: skip


class TestBuyLegPrices:
    """Each buy leg is held to the cap at the highest price it can reach."""

    def test_a_trailing_buy_close_is_bounded_at_the_entry_plus_its_offset(self) -> None:
        # sell 1 at 100; the buy close trails 10% from the trough: at most 110 x 1 = 110
        order = limit(side="sell", qty=D("1"), limit_price=D("100"),
                      close=TrailingStopClose(trigger_price=D("10"), trigger_price_type="pct"))  # fmt: skip
        assert built(order, context(entry_max_notional=D("110")))
        assert refused(order, context(entry_max_notional=D("109.99"))) == [
            "ENTRY_MAX_NOTIONAL refused: 1 x 110 = 110 USD > cap 109.99 USD; raise "
            "ENTRY_MAX_NOTIONAL to at least 110, or lower the quantity or the price"
        ]

    @pytest.mark.parametrize(("order", "changes", "price"), NOTIONALS)
    def test_each_buy_leg_is_held_to_the_cap_at_the_price_it_can_reach(
        self, order: Any, changes: dict[str, Any], price: str
    ) -> None:
        assert built(order, context(entry_max_notional=D(price), **changes))
        below = D(price) - D("0.01")
        assert refused(order, context(entry_max_notional=below, **changes)) == [
            f"ENTRY_MAX_NOTIONAL refused: 1 x {price} = {price} USD > cap {below} USD; raise "
            f"ENTRY_MAX_NOTIONAL to at least {price}, or lower the quantity or the price"
        ]

    def test_a_trailing_limit_buy_without_the_market_price_cannot_be_bounded(self) -> None:
        order = TrailingStopLimitOrder(**B, side="buy", limit_price=D("1"),
                                       trigger=Trigger(price=D("2"), price_type="pct"))  # fmt: skip
        assert refused(order, context(entry_max_notional=D("1000"))) == [
            "ENTRY_MAX_NOTIONAL refused: the entry's price is unknown, so its notional cannot be "
            "bounded by cap 1000 USD; give a reference price (ref_price) or a limit price (limit_price)"
        ]

    def test_a_buy_trailing_entry_without_a_reference_price_cannot_be_bounded(self) -> None:
        order = TrailingStopOrder(**BASE, trigger=Trigger(price=D("1"), price_type="pct"))
        found = build_add_order(order, context()).failure()
        assert [getattr(p, "guard", None) for p in found] == ["ENTRY_MAX_NOTIONAL"]

    def test_a_buy_close_without_a_price_is_refused_by_both_guards(self) -> None:
        order = limit(**AT_100, side="sell", close=StopLossLimitClose(trigger_price=D("110")))
        assert refused(order, context(entry_max_notional=D("1000"))) == [
            "ENTRY_MAX_NOTIONAL refused: the buy close's price is unknown, so its notional cannot "
            "be bounded by cap 1000 USD; give a reference price (ref_price) or a limit price (limit_price)",
            "ABS_LIMIT_REQUIRED refused: no absolute limit price on its stop-loss-limit close; "
            "give the limit price (close.limit_price), or set ABS_LIMIT_REQUIRED=0 to use the "
            "trigger price as the limit",
        ]

    def test_a_cash_buy_is_held_to_the_larger_of_its_two_amounts_in_words(self) -> None:
        order = MarketOrder(**B, side="buy", ref_price=D("100"), cash_qty=D("150"))
        assert refused(order, context(entry_max_notional=D("120"))) == [
            "ENTRY_MAX_NOTIONAL refused: cash_qty 150 USD and 1 x 100 = 100 USD: 150 USD > cap 120 "
            "USD; raise ENTRY_MAX_NOTIONAL to at least 150, or lower the quantity or the price"
        ]


class TestCashQty:
    def order(self, cash: str, side: Any = "buy") -> Any:
        return MarketOrder(symbol="BTC/USD", side=side, qty=D("0.0001"), cash_qty=D(cash),
                           ref_price=D("90000"))  # fmt: skip

    @pytest.mark.parametrize(("cash", "ok"), [("10", True), ("10.01", False)])
    def test_the_cap_holds_cash_qty_directly(self, cash: str, ok: bool) -> None:
        result = build_add_order(self.order(cash), context(entry_max_notional=D("10")))
        assert (result.swap().value_or(None) is None) == ok


class TestOnePositionOnly:
    def test_entry_with_no_open_position_is_accepted(self) -> None:
        assert built(limit(), context(exposure=0))["params"]["side"] == "buy"

    def test_entry_with_an_open_position_is_refused(self) -> None:
        assert guards_of(limit(), exposure=1) == ["ONE_POSITION_ONLY"]

    def test_entry_with_an_open_position_is_accepted_when_the_knob_is_off(self) -> None:
        assert (
            built(limit(), context(exposure=1, one_position_only=False))["params"]["side"] == "buy"
        )

    def test_exit_with_an_open_position_is_accepted(self) -> None:
        assert built(limit(side="sell"), context(exposure=1))["params"]["side"] == "sell"

    def test_a_negative_position_count_is_invalid_input(self) -> None:
        assert fields_of(limit(), exposure=-1) == ["open_positions"]

    def test_a_negative_position_count_is_bad_input_and_fails_the_guard_closed(self) -> None:
        assert refused(LimitOrder(**L), context(exposure=-1)) == [
            "open_positions: '-1'; use a whole number of open positions, 0 or more",
            "ONE_POSITION_ONLY refused: -1 position(s) open and ONE_POSITION_ONLY=1; close the open "
            "position first, or set ONE_POSITION_ONLY=0",
        ]


class TestAbsLimitRequired:
    def test_a_close_with_its_limit_is_accepted(self) -> None:
        conditional = built(limit(close=stop_limit_close(D("28400"))))["params"]["conditional"]
        assert conditional["limit_price"] == N("28400")

    def test_a_close_without_its_limit_is_refused(self) -> None:
        assert guards_of(limit(close=stop_limit_close(None))) == ["ABS_LIMIT_REQUIRED"]

    def test_off_a_close_without_limit_uses_the_trigger_as_limit(self) -> None:
        message = built(limit(close=stop_limit_close(None)), context(abs_limit_required=False))
        assert message["params"]["conditional"] == {
            "order_type": "stop-loss-limit",
            "trigger_price": N("28410"),
            "limit_price": N("28410"),
        }

    def test_a_take_profit_limit_close_without_limit_is_refused(self) -> None:
        order = limit(close=TakeProfitLimitClose(trigger_price=D("28500")))
        assert guards_of(order) == ["ABS_LIMIT_REQUIRED"]

    @pytest.mark.parametrize("kind", [StopLossLimitOrder, TakeProfitLimitOrder])
    def test_a_primary_limit_type_without_limit_is_refused(self, kind: type[Any]) -> None:
        order = kind(symbol="BTC/USD", side="sell", qty=D("1"), trigger=Trigger(price=D("100")))
        assert guards_of(order) == ["ABS_LIMIT_REQUIRED"]

    @pytest.mark.parametrize("kind", [StopLossLimitOrder, TakeProfitLimitOrder])
    def test_off_a_primary_without_limit_uses_the_static_trigger(self, kind: type[Any]) -> None:
        order = kind(symbol="BTC/USD", side="sell", qty=D("1"), trigger=Trigger(price=D("100")))
        params = built(order, context(abs_limit_required=False))["params"]
        assert params["limit_price"] == N("100")

    def test_off_a_relative_trigger_cannot_stand_in_for_the_limit(self) -> None:
        order = StopLossLimitOrder(
            symbol="BTC/USD",
            side="sell",
            qty=D("1"),
            trigger=Trigger(price=D("-2"), price_type="pct"),
        )
        assert fields_of(order, abs_limit_required=False) == ["limit_price"]

    def test_both_limit_less_legs_are_named_together(self) -> None:
        order = StopLossLimitOrder(**B, side="sell", trigger=t("90"),
                                   close=StopLossLimitClose(trigger_price=D("95")))  # fmt: skip
        assert (
            "ABS_LIMIT_REQUIRED refused: no absolute limit price on the stop-loss-limit order and its "
            "stop-loss-limit close; give the limit price (limit_price and close.limit_price), or set "
            "ABS_LIMIT_REQUIRED=0 to use the trigger price as the limit"
        ) in refused(order)


class TestAllowLive:
    def test_validate_stays_true_by_default(self) -> None:
        assert built(limit(), context(allow_live=True))["params"]["validate"] is True

    def test_a_live_order_is_refused_while_allow_live_is_off(self) -> None:
        assert guards_of(limit(), live=True) == ["ALLOW_LIVE"]

    def test_a_live_orders_refusal_word_for_word_on_the_order_path_and_alone(self) -> None:
        expected = GuardRefused(
            guard="ALLOW_LIVE",
            figures="a live order (validate=false) was asked for and ALLOW_LIVE=0",
            remedy="set ALLOW_LIVE=1 to allow live orders, or ask for validation only (`validate`)",
        )
        assert build_add_order(limit(), context(live=True)).failure() == (expected,)
        assert allow_live(limit(), context(live=True)) == expected

    def test_a_live_order_with_allow_live_on_sends_validate_false(self) -> None:
        assert built(limit(), context(live=True, allow_live=True))["params"]["validate"] is False

    def test_an_amend_without_allow_live_is_refused(self) -> None:
        found = build_amend_order(Amend(order_id="A", qty=D("1"), side="sell"), context())
        assert [p.render() for p in found.failure()] == [
            "ALLOW_LIVE refused: amend_order has no validate mode: it always acts on a live order, "
            "and ALLOW_LIVE=0; set ALLOW_LIVE=1 to build it"
        ]

    def test_a_cancel_without_allow_live_is_refused(self) -> None:
        assert cancel_problems(Cancel(cl_ord_ids=("a",)), allow_live=False) == [
            "ALLOW_LIVE refused: cancel_order has no validate mode: it always acts on a live order, "
            "and ALLOW_LIVE=0; set ALLOW_LIVE=1 to build it"
        ]


class TestRefusalTexts:
    """Each knob-named refusal says the guard, the figures and the change that would pass."""

    def test_one_position_only(self) -> None:
        assert refused(limit(), context(exposure=2)) == [
            "ONE_POSITION_ONLY refused: 2 position(s) open and ONE_POSITION_ONLY=1; close the "
            "open position first, or set ONE_POSITION_ONLY=0"
        ]

    def test_abs_limit_required(self) -> None:
        order = limit(close=StopLossLimitClose(trigger_price=D("28410")))
        assert refused(order) == [
            "ABS_LIMIT_REQUIRED refused: no absolute limit price on its stop-loss-limit close; "
            "give the limit price (close.limit_price), or set ABS_LIMIT_REQUIRED=0 to use "
            "the trigger price as the limit"
        ]

    def test_allow_live(self) -> None:
        assert refused(limit(), context(live=True)) == [
            "ALLOW_LIVE refused: a live order (validate=false) was asked for and ALLOW_LIVE=0; "
            "set ALLOW_LIVE=1 to allow live orders, or ask for validation only (validate)"
        ]

    def test_an_unbounded_market_buy(self) -> None:
        assert refused(market(), context(entry_max_notional=D("10"))) == [
            "ENTRY_MAX_NOTIONAL refused: the entry's price is unknown, so its notional cannot be "
            "bounded by cap 10 USD; give a reference price (ref_price) or a limit price (limit_price)"
        ]


# --- laws --------------------------------------------------------------------------------


@given(
    qty=quantities,
    limit=prices,
    gap=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("50"), places=2),
    now=moments,
)
def test_a_valid_oto_limit_buy_always_succeeds(
    qty: Decimal, limit: Decimal, gap: Decimal, now: datetime
) -> None:
    """A well-formed OTO limit buy under a generous cap is never refused (the guards are not
    too strict)."""
    assume(limit - gap > 0)
    order = LimitOrder(
        symbol="BTC/USD",
        side="buy",
        qty=qty,
        limit_price=limit,
        close=StopLossLimitClose(trigger_price=limit - gap, limit_price=limit - gap),
    )
    ctx = Context(knobs=Knobs(entry_max_notional=Decimal(10_000)), now=now, instruments="unchecked")
    message = build_add_order(order, ctx).unwrap()
    deadline = message.params.deadline
    assert isinstance(deadline, str)
    assert deadline.endswith("Z")
    assert (
        now + timedelta(seconds=4)
        < datetime.strptime(deadline, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
        <= now + timedelta(seconds=5)
    )


# Amounts with all 18 decimals, so that qty x price has more digits than the decimal context
# keeps and the sum in `notional_refusal` rounds: the shortcut must round the same way.
long_amounts = st.decimals(
    min_value=Decimal("1E-18"), max_value=Decimal("9999999999999999"), places=18
)


@given(
    order=plausible_intents,
    symbol=st.sampled_from(["BTC/USD", "ETH/EUR", "BTC/USDT", "btc/usd", "BTCUSD"]),
    qty=st.none() | long_amounts,
    price=st.none() | long_amounts,
    cash=st.none() | prices | long_amounts,
    currency=st.sampled_from(["USD", "EUR"]),
    rates=st.sampled_from([{}, {"EUR": D("1")}, {"USD": D("0.9"), "USDT": D("1.0001")}]),
    nudge=st.sampled_from([D("0"), D("1E-30"), D("-1E-30"), D("1E-9"), D("-1E-9"), D("1")]),
)
# a product whose sum rounds up past the cap; a pair quoted in another currency without a
# rate; a cash amount over the cap beside a quantity within it; a sell whose buy close is over
@example(
    order=buy("1", "1"),
    symbol="BTC/USD",
    qty=D("0.123456789012345678"),
    price=D("1234567.123456789012345678"),
    cash=None,
    currency="USD",
    rates={},
    nudge=D("0"),
)
@example(
    order=buy("1", "1"),
    symbol="ETH/EUR",
    qty=None,
    price=None,
    cash=None,
    currency="USD",
    rates={},
    nudge=D("0"),
)
@example(
    order=MarketOrder(symbol="BTC/USD", side="buy", qty=D("1"), ref_price=D("1")),
    symbol="BTC/USD",
    qty=None,
    price=None,
    cash=D("2"),
    currency="USD",
    rates={},
    nudge=D("0"),
)
@example(
    order=LimitOrder(symbol="BTC/USD", side="sell", qty=D("1"), limit_price=D("1"),
                     close=StopLossClose(trigger_price=D("2"))),
    symbol="BTC/USD",
    qty=None,
    price=None,
    cash=None,
    currency="USD",
    rates={},
    nudge=D("-1E-9"),
)  # fmt: skip
def test_the_notional_shortcut_agrees_with_the_general_path(
    *,
    order: Any,
    symbol: str,
    qty: Decimal | None,
    price: Decimal | None,
    cash: Decimal | None,
    currency: str,
    rates: dict[str, Decimal],
    nudge: Decimal,
) -> None:
    """`entry_max_notional` decides one buy priced in the cap's currency without building its
    leg; for every order it answers exactly what `notional_refusal` over `buy_legs` answers,
    at the cap, a hair either side of it, and where the sum rounds."""
    changes: dict[str, Any] = {"symbol": symbol}
    if qty is not None:
        changes["qty"] = qty
    if price is not None and isinstance(order, LimitOrder):
        changes["limit_price"] = price
    if isinstance(order, MarketOrder):
        changes["cash_qty"] = cash
    order = msgspec.structs.replace(order, **changes)
    knobs = Knobs(notional_ccy=currency)
    legs = buy_legs(order, knobs)
    at = _EXACT.multiply(legs[0].qty, legs[0].price) if legs and legs[0].price else D("10")
    cap = max(_EXACT.add(at, nudge), D("1E-30"))
    ctx = Context(knobs=Knobs(entry_max_notional=cap, notional_ccy=currency), now=NOW,
                  instruments="unchecked", quote_rates=rates)  # fmt: skip
    assert entry_max_notional(order, ctx) == notional_refusal(legs, order.symbol, ctx)


# --- a batch's and a bracket's refusals word for word, and what each leg is judged with -------


def rendered(result: Any) -> list[str]:
    return [problem.render() for problem in result.failure()]


class TestBatchRefusals:
    def test_a_batch_of_one_order_is_refused_word_for_word(self) -> None:
        assert rendered(check_batch([buy("0.0001", "28000")], context())) == [
            "orders: 1 orders; use 2 to 15 orders"
        ]

    def test_a_batch_on_two_symbols_is_refused_word_for_word(self) -> None:
        other = LimitOrder(symbol="ETH/USD", side="buy", qty=D("1"), limit_price=D("1"))
        assert rendered(check_batch([buy("0.0001", "28000"), other], context())) == [
            "orders: orders on 2 symbols; use one symbol per batch (batch_add takes one pair)"
        ]

    def test_fok_in_a_batch_is_refused_word_for_word(self) -> None:
        orders = [buy("0.0001", "28000", time_in_force="fok"), buy("0.0001", "28000")]
        assert rendered(check_batch(orders, context())) == [
            "orders[0].time_in_force: 'fok', which batch_add does not list; use gtc, gtd or ioc "
            "in a batch (send a fok order on its own)"
        ]

    def test_a_bad_req_id_is_refused_once_for_the_batch(self) -> None:
        orders = [buy("0.0001", "28000"), buy("0.0001", "28000")]
        assert rendered(check_batch(orders, context(req_id=2**40))) == [
            "req_id: 1099511627776; use a signed 32-bit integer"
        ]

    def test_a_guard_refusal_names_the_order_it_refuses(self) -> None:
        orders = [buy("0.0001", "28000"), buy("0.0001", "28000")]
        live = (
            "a live order (validate=false) was asked for and ALLOW_LIVE=0; set ALLOW_LIVE=1 to "
            "allow live orders, or ask for validation only (validate)"
        )
        assert rendered(check_batch(orders, context(live=True))) == [
            f"ALLOW_LIVE refused: orders[{index}]: {live}" for index in (0, 1)
        ]

    def test_something_that_is_not_an_order_is_refused_and_the_rest_still_checked(self) -> None:
        orders: list[Any] = [None, buy("0.0001", "28000", time_in_force="fok")]
        assert rendered(check_batch(orders, context())) == [
            "orders: orders on 2 symbols; use one symbol per batch (batch_add takes one pair)",
            "orders[0].order: 'None'; use one of the order intents of momentum.models.intent",
            "orders[1].time_in_force: 'fok', which batch_add does not list; use gtc, gtd or ioc "
            "in a batch (send a fok order on its own)",
        ]

    def test_the_total_waits_until_every_order_is_sound(self) -> None:
        orders = [buy("-1", "28000"), buy("0.0002", "30000"), buy("0.0002", "30000")]
        assert rendered(check_batch(orders, context(**CAP_10))) == [
            "orders[0].qty: '-1'; use a positive finite decimal with at most 18 decimals, below "
            "10^16"
        ]

    def test_a_malformed_cl_ord_id_twice_is_refused_for_its_form_not_as_a_repeat(self) -> None:
        orders = [buy("0.0001", "28000", cl_ord_id="bad id!")] * 2
        form = (
            "'bad id!'; use a UUID (36 chars with dashes, or 32 hex) or 1 to 18 of A-Z a-z 0-9 _ -"
        )
        assert rendered(check_batch(orders, context())) == [
            f"orders[{index}].cl_ord_id: {form}" for index in (0, 1)
        ]

    def test_limit_less_stop_buys_are_priced_with_the_knobs(self) -> None:
        stop = StopLossLimitOrder(symbol="BTC/USD", side="buy", qty=D("0.0002"),
                                  trigger=Trigger(price=D("30000")))  # fmt: skip
        loose = context(abs_limit_required=False, **CAP_10)
        assert refusals(check_batch([stop, stop], loose)) == [
            "ENTRY_MAX_NOTIONAL refused: the batch's buy legs total 12 USD > cap 10 USD; raise "
            "ENTRY_MAX_NOTIONAL to at least 12, or send fewer or smaller buys"
        ]


class TestLargestQuantity:
    def test_a_price_under_one_still_has_a_largest_quantity(self) -> None:
        doge = LimitOrder(symbol="DOGE/USD", side="buy", qty=D("100"), limit_price=D("0.5"))
        (refusal,) = check_order(doge, context(**CAP_10)).failure()
        assert isinstance(refusal, GuardRefused)
        assert refusal.detail == Notional(
            notional=D("50"), cap=D("10"), currency="USD", max_qty=D("20")
        )

    def test_cash_at_the_cap_leaves_the_quantity_to_shrink(self) -> None:
        market = MarketOrder(symbol="BTC/USD", side="buy", qty=D("0.001"), cash_qty=D("10"),
                             ref_price=D("28440"))  # fmt: skip
        (refusal,) = check_order(market, context(**CAP_10)).failure()
        assert isinstance(refusal, GuardRefused)
        assert refusal.detail is not None
        assert refusal.detail.max_qty == D("0.000351617440225035")


class TestBracketLegs:
    ENTRY = LimitOrder(symbol="BTC/USD", side="buy", qty=D("0.001"), limit_price=D("28440"))
    STOP = StopLossClose(trigger_price=D("28000"))

    def test_a_resting_take_profit_is_a_limit_sell_judged_from_the_entrys_price(self) -> None:
        _, take = check_bracket(self.ENTRY, self.STOP, LimitClose(limit_price=D("29000")),
                                context()).unwrap()  # fmt: skip
        assert take == LimitOrder(symbol="BTC/USD", side="sell", qty=D("0.001"),
                                  limit_price=D("29000"), ref_price=D("28440"))  # fmt: skip

    def test_a_relative_take_profit_keeps_its_price_type(self) -> None:
        relative = TakeProfitClose(trigger_price=D("2"), trigger_price_type="pct")
        _, take = check_bracket(self.ENTRY, self.STOP, relative, context()).unwrap()
        assert take == TakeProfitOrder(
            symbol="BTC/USD", side="sell", qty=D("0.001"), ref_price=D("28440"),
            trigger=Trigger(price=D("2"), price_type="pct"),
        )  # fmt: skip

    def test_the_take_profits_own_guard_refusal_is_not_renamed(self) -> None:
        sell = LimitOrder(symbol="BTC/USD", side="sell", qty=D("0.001"), limit_price=D("28440"))
        stop, take = StopLossClose(trigger_price=D("1")), TakeProfitClose(trigger_price=D("28000"))
        assert refusals(check_bracket(sell, stop, take, context(**CAP_10))) == [
            "ENTRY_MAX_NOTIONAL refused: 0.001 x 28000 = 28 USD > cap 10 USD; raise "
            "ENTRY_MAX_NOTIONAL to at least 28, or lower the quantity or the price",
            "ENTRY_MAX_NOTIONAL refused: the bracket's buy legs total 28.001 USD > cap 10 USD; "
            "raise ENTRY_MAX_NOTIONAL to at least 28.001, or send fewer or smaller buys",
        ]

    def test_something_that_is_not_an_entry_is_refused_not_raised(self) -> None:
        entry: Any = None
        assert rendered(check_bracket(entry, self.STOP, TakeProfitClose(trigger_price=D("1")),
                                      context())) == [
            "order: 'None'; use one of the order intents of momentum.models.intent"
        ]  # fmt: skip

    def test_the_total_waits_until_both_legs_are_sound(self) -> None:
        sell = LimitOrder(symbol="BTC/USD", side="sell", qty=D("0.0002"), limit_price=D("30000"))
        stop, take = StopLossClose(trigger_price=D("31000")), LimitClose(limit_price=D("1e16"))
        assert refusals(check_bracket(sell, stop, take, context(**CAP_10))) == []

    def test_limit_less_exits_are_priced_with_the_knobs(self) -> None:
        sell = LimitOrder(symbol="BTC/USD", side="sell", qty=D("0.0002"), limit_price=D("30000"))
        stop = StopLossLimitClose(trigger_price=D("31000"))
        take = TakeProfitLimitClose(trigger_price=D("29000"))
        loose = context(abs_limit_required=False, **CAP_10)
        assert refusals(check_bracket(sell, stop, take, loose)) == [
            "ENTRY_MAX_NOTIONAL refused: the bracket's buy legs total 12 USD > cap 10 USD; raise "
            "ENTRY_MAX_NOTIONAL to at least 12, or send fewer or smaller buys"
        ]


class TestBracketLegsMore:
    ENTRY = LimitOrder(symbol="BTC/USD", side="buy", qty=D("0.001"), limit_price=D("28440"))
    STOP = StopLossClose(trigger_price=D("28000"))

    def test_a_limit_take_profit_keeps_its_trigger_type_and_limit(self) -> None:
        take = TakeProfitLimitClose(trigger_price=D("2"), trigger_price_type="pct",
                                    limit_price=D("28990"))  # fmt: skip
        _, leg = check_bracket(self.ENTRY, self.STOP, take, context()).unwrap()
        assert leg == TakeProfitLimitOrder(
            symbol="BTC/USD", side="sell", qty=D("0.001"), ref_price=D("28440"),
            trigger=Trigger(price=D("2"), price_type="pct"), limit_price=D("28990"),
        )  # fmt: skip

    def test_a_limit_less_entry_is_priced_with_the_knobs_for_the_take_profit(self) -> None:
        entry = StopLossLimitOrder(symbol="BTC/USD", side="buy", qty=D("0.001"),
                                   trigger=Trigger(price=D("28440")))  # fmt: skip
        take = TakeProfitClose(trigger_price=D("29000"))
        _, leg = check_bracket(entry, self.STOP, take, context(abs_limit_required=False)).unwrap()
        assert leg.ref_price == D("28440")

    def test_a_settle_position_entry_is_refused_as_not_spot(self) -> None:
        entry: Any = SettlePositionOrder(symbol="BTC/USD", side="buy", qty=D("1"))
        found = check_bracket(entry, self.STOP, TakeProfitClose(trigger_price=D("2")), context())
        assert rendered(found) == [
            "order_type: 'settle-position', which settles a margin position; use a spot order "
            "type; momentum is spot only"
        ]


class TestNotionalOfAnyPair:
    """The guard called on its own holds what it cannot price, whatever the symbol."""

    def test_a_symbol_without_a_quote_is_refused_with_the_leg_priced_from_the_knobs(self) -> None:
        order = StopLossLimitOrder(symbol="BTCUSD", side="buy", qty=D("1"),
                                   trigger=Trigger(price=D("100")))  # fmt: skip
        refusal = entry_max_notional(order, context(abs_limit_required=False))
        assert refusal is not None
        assert refusal.render() == (
            "ENTRY_MAX_NOTIONAL refused: the entry's pair is 'BTCUSD', which names no quote "
            "currency, so its notional cannot be bounded by cap 1000000 USD; give the order's "
            "symbol, BASE/QUOTE such as BTC/USD"
        )

    def test_no_symbol_at_all_is_refused(self) -> None:
        untyped: Any = None
        order = LimitOrder(symbol=untyped, side="buy", qty=D("1"), limit_price=D("1"))
        refusal = entry_max_notional(order, context())
        assert refusal is not None
        assert refusal.figures == (
            "the entry's pair is not given, so its notional cannot be bounded by cap 1000000 USD"
        )

    def test_a_symbol_in_small_letters_is_refused_though_it_names_the_caps_currency(self) -> None:
        """`btc/USD` has USD after its slash but is no BASE/QUOTE symbol: the cap fails closed
        even for an order far under it."""
        order = limit(symbol="btc/USD", qty=D("0.0001"), limit_price=D("1"))
        refusal = entry_max_notional(order, context())
        assert refusal is not None
        assert refusal.figures == (
            "the entry's pair is 'btc/USD', which names no quote currency, so its notional cannot "
            "be bounded by cap 1000000 USD"
        )

    def test_no_quantity_is_proposed_from_a_price_that_is_not_positive(self) -> None:
        """Asked directly about amounts the input checks refuse (a negative quantity at a
        negative price), the guard still refuses and proposes no quantity."""
        refusal = entry_max_notional(limit(qty=D("-1"), limit_price=D("-100")), context(**CAP_10))
        assert refusal is not None
        assert refusal.render() == (
            "ENTRY_MAX_NOTIONAL refused: -1 x -100 = 100 USD > cap 10 USD; raise "
            "ENTRY_MAX_NOTIONAL to at least 100, or lower the quantity or the price"
        )
        assert refusal.detail == Notional(
            notional=D("100"), cap=D("10"), currency="USD", max_qty=None
        )


def test_a_batch_on_a_symbol_that_is_not_text_is_refused_for_the_symbol_alone() -> None:
    untyped: Any = 42
    found = check_batch([limit(symbol=untyped), limit(symbol=untyped)], context()).failure()
    assert [p.render() for p in found] == [
        "orders[0].symbol: '42'; use BASE/QUOTE in capitals, such as BTC/USD",
        "orders[1].symbol: '42'; use BASE/QUOTE in capitals, such as BTC/USD",
    ]


def test_a_batch_read_against_no_clock_is_refused_for_the_clock_alone() -> None:
    """Two buys of 6 USD are over a cap of 10 together, but with no usable clock the orders are
    not sound, so their legs are not added up."""
    no_clock = msgspec.structs.replace(context(**CAP_10), now="not a clock")
    found = check_batch([buy("0.0002", "30000")] * 2, no_clock).failure()
    assert [p.render() for p in found] == [
        "orders[0].now: a naive datetime; use a timezone-aware clock reading",
        "orders[1].now: a naive datetime; use a timezone-aware clock reading",
    ]

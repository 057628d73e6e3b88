"""The bracket's spec from the pair's rules, and the pre-flight that refuses a bracket whose
entry or exits could not go out, before anything is sent."""

from datetime import UTC, datetime
from decimal import Decimal

import msgspec
import pytest

from momentum.bracket.machine import BracketSpec
from momentum.bracket.spec import Prices, bracket_spec, preflight
from momentum.errors import GuardRefused, InputInvalid
from momentum.models.context import Context, Knobs
from momentum.models.instrument import shipped_table

D = Decimal
CONTEXT = Context(knobs=Knobs(entry_max_notional=D("50")), now=datetime(2026, 12, 1, tzinfo=UTC))
PRICES = Prices(sl=D("28410"), sl_limit=D("28400"), tp=D("28600"), tp_limit=D("28590"))


def spec(
    prices: Prices = PRICES, context: Context = CONTEXT, symbol: str = "BTC/USD"
) -> BracketSpec:
    return bracket_spec(symbol=symbol, qty=D("0.001"), entry_limit=D("28440"), prices=prices,
                        mode="one-resting", context=context, prefix="mbabc123").unwrap()  # fmt: skip


def fields(problems: tuple[object, ...]) -> list[str]:
    return [problem.field for problem in problems if isinstance(problem, InputInvalid)]


class TestSpec:
    def test_the_exits_are_sized_on_the_pairs_lot_and_minimum(self) -> None:
        made = spec()
        assert (made.qty_increment, made.qty_min, made.price_increment) == (
            D("0.00000001"), D("0.00005"), D("0.1"))  # fmt: skip

    def test_the_minimum_rises_to_what_meets_the_minimum_cost_at_the_stop(self) -> None:
        pair = msgspec.structs.replace(shipped_table()["BTC/USD"], cost_min=D("5"))
        dear = msgspec.structs.replace(CONTEXT, instruments={"BTC/USD": pair})
        assert spec(context=dear).qty_min == D("0.00017606")  # 5 / 28400, up to the lot
        cheap = msgspec.structs.replace(pair, cost_min=D("1.42"))  # 0.00005 x 28400 = 1.42
        assert spec(
            context=msgspec.structs.replace(CONTEXT, instruments={"BTC/USD": cheap})
        ).qty_min == D("0.00005")

    @pytest.mark.parametrize("instruments", ["unchecked", {}])
    def test_a_pair_without_rules_cannot_be_bracketed(self, instruments: object) -> None:
        context = msgspec.structs.replace(CONTEXT, instruments=instruments)
        made = bracket_spec(symbol="BTC/USD", qty=D("0.001"), entry_limit=D("28440"), prices=PRICES,
                            mode="one-resting", context=context, prefix="mbabc123")  # fmt: skip
        assert fields(made.failure()) == ["symbol"]


class TestPreflight:
    def test_a_sound_bracket_has_no_problem(self) -> None:
        assert preflight(spec(), CONTEXT) == ()

    def test_each_problem_names_the_order_it_is_about(self) -> None:
        off = Prices(sl=D("28410.05"), sl_limit=D("28400"), tp=D("28600"), tp_limit=D("28590.01"))
        assert fields(preflight(spec(off), CONTEXT)) == ["stop.trigger.price", "take.limit_price"]

    @pytest.mark.parametrize(("sl", "refused"), [(D("28440"), True), (D("28439.9"), False)])
    def test_the_stop_must_be_below_the_entry(self, sl: Decimal, refused: bool) -> None:
        prices = msgspec.structs.replace(PRICES, sl=sl, sl_limit=None)
        assert ("sl" in fields(preflight(spec(prices), CONTEXT))) is refused

    @pytest.mark.parametrize(("tp_limit", "refused"), [(D("28440"), True), (D("28440.1"), False)])
    def test_the_take_profit_must_be_above_the_entry(
        self, tp_limit: Decimal, refused: bool
    ) -> None:
        prices = msgspec.structs.replace(PRICES, tp=None, tp_limit=tp_limit)
        assert ("tp_limit" in fields(preflight(spec(prices), CONTEXT))) is refused

    def test_offsets_are_checked_from_the_entrys_limit(self) -> None:
        offsets = Prices(
            sl=D("-30"), sl_limit=D("-40"), tp=D("160"), tp_limit=D("150"), offsets=True
        )
        assert preflight(spec(offsets), CONTEXT) == ()
        upside_down = msgspec.structs.replace(offsets, sl=D("30"), sl_limit=None)
        assert fields(preflight(spec(upside_down), CONTEXT)) == ["sl"]

    def test_the_cap_refuses_the_entry(self) -> None:
        tight = msgspec.structs.replace(CONTEXT, knobs=Knobs(entry_max_notional=D("28.43")))
        (refusal,) = preflight(spec(context=tight), tight)
        assert isinstance(refusal, GuardRefused)
        assert refusal.guard == "ENTRY_MAX_NOTIONAL"
        at_cap = msgspec.structs.replace(CONTEXT, knobs=Knobs(entry_max_notional=D("28.44")))
        assert preflight(spec(context=at_cap), at_cap) == ()

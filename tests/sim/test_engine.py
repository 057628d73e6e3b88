"""The engine without sockets: time-driven rules checked with a hand-held clock."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import msgspec
import pytest

from momentum.sim import SimConfig
from momentum.sim.engine import Engine, Placed, Refused
from momentum.sim.orders import IdMaker
from momentum.sim.requests import (
    AddOrderParams,
    AmendOrderParams,
    CancelOrderParams,
    Conditional,
    Triggers,
)

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _engine(**changes: float) -> Engine:
    settings = SimConfig.throwaway({"USD": Decimal("10000"), "BTC": Decimal("1")}, seed=1)
    return Engine(msgspec.structs.replace(settings, **changes), IdMaker(1))


def _buy(price: str = "28000", **extra: object) -> AddOrderParams:
    return AddOrderParams(
        order_type="limit",
        side="buy",
        order_qty=Decimal("0.001"),
        limit_price=Decimal(price),
        symbol="BTC/USD",
        **extra,  # type: ignore[arg-type]
    )


def _placed(outcome: Placed | Refused) -> str:
    assert isinstance(outcome, Placed), outcome
    return outcome.order_id


def test_a_trailing_stop_follows_the_peak_and_fires_its_offset_below() -> None:
    engine = _engine()
    engine.set_price("BTC/USD", Decimal("28000"), T0)
    trailing = AddOrderParams(
        order_type="trailing-stop",
        side="sell",
        order_qty=Decimal("0.001"),
        symbol="BTC/USD",
        triggers=Triggers(price=Decimal("100"), price_type="quote"),
    )
    order_id = _placed(engine.add_order(trailing, T0))
    assert engine.orders[order_id].trigger_price == Decimal("27900")
    engine.set_price("BTC/USD", Decimal("28500"), T0)
    assert engine.orders[order_id].trigger_price == Decimal("28400")
    engine.set_price("BTC/USD", Decimal("28401"), T0)
    assert engine.orders[order_id].status == "new"
    engine.set_price("BTC/USD", Decimal("28399.9"), T0)
    view = engine.orders[order_id]
    assert (view.status, view.avg_price) == ("filled", Decimal("28399.9"))


@pytest.mark.parametrize(
    ("age", "cost"),
    [(4.9, 8), (5, 6), (9.9, 6), (14.9, 5), (44.9, 4), (89.9, 2), (299.9, 1), (300, 0)],
)
def test_a_cancel_costs_by_the_orders_age(age: float, cost: int) -> None:
    engine = _engine(rate_threshold=100.0, rate_decay=0.0)
    order_id = _placed(engine.add_order(_buy(), T0))
    later = T0 + timedelta(seconds=age)
    engine.cancel_order(CancelOrderParams(order_id=[order_id]), later)
    assert engine.rate_level("BTC/USD", later) == 1 + cost


@pytest.mark.parametrize(("age", "cost"), [(4.9, 4), (5, 3), (10, 2), (14.9, 2), (15, 1)])
def test_an_amend_costs_one_plus_more_for_a_young_order(age: float, cost: int) -> None:
    engine = _engine(rate_threshold=100.0, rate_decay=0.0)
    order_id = _placed(engine.add_order(_buy(), T0))
    later = T0 + timedelta(seconds=age)
    engine.amend_order(AmendOrderParams(order_id=order_id, limit_price=Decimal("27000")), later)
    assert engine.rate_level("BTC/USD", later) == 1 + cost


def test_the_rate_counter_decays_linearly_to_zero() -> None:
    engine = _engine(rate_threshold=60.0, rate_decay=1.0)
    for _ in range(3):
        engine.add_order(_buy(validate=True), T0)
    assert engine.rate_level("BTC/USD", T0) == 3
    assert engine.rate_level("BTC/USD", T0 + timedelta(seconds=1.5)) == 1.5
    assert engine.rate_level("BTC/USD", T0 + timedelta(seconds=9)) == 0


def test_the_dead_mans_switch_waits_out_maintenance_then_fires() -> None:
    engine = _engine()
    order_id = _placed(engine.add_order(_buy(), T0))
    engine.cancel_after(10, T0)
    engine.set_status("maintenance", T0)
    engine.tick(T0 + timedelta(seconds=11))
    assert engine.orders[order_id].status == "new"
    engine.set_status("online", T0 + timedelta(seconds=12))
    assert engine.orders[order_id].status == "canceled"


def test_no_order_matches_while_the_engine_is_cancel_only() -> None:
    engine = _engine()
    order_id = _placed(engine.add_order(_buy(), T0))
    engine.set_status("cancel_only", T0)
    engine.set_price("BTC/USD", Decimal("27000"), T0)
    assert engine.orders[order_id].status == "new"
    engine.set_status("online", T0)
    assert engine.orders[order_id].status == "filled"


def test_a_price_for_an_unknown_pair_or_a_bad_price_is_a_loud_error() -> None:
    engine = _engine()
    with pytest.raises(ValueError, match="DOGE/USD is not a simulated pair"):
        engine.set_price("DOGE/USD", Decimal("1"), T0)
    with pytest.raises(ValueError, match="must be a positive number"):
        engine.set_price("BTC/USD", Decimal("0"), T0)


def test_a_seeded_engine_repeats_its_ids() -> None:
    first, second = _engine(), _engine()
    assert _placed(first.add_order(_buy(), T0)) == _placed(second.add_order(_buy(), T0))


def test_a_trailing_close_trails_from_the_price_at_the_fill() -> None:
    engine = _engine()
    engine.set_price("BTC/USD", Decimal("28450"), T0)
    close = Conditional(
        order_type="trailing-stop", trigger_price=Decimal("1"), trigger_price_type="pct"
    )
    primary = _placed(engine.add_order(_buy("28440", conditional=close), T0))
    engine.set_price("BTC/USD", Decimal("28440"), T0)
    child = next(v for v in engine.orders.values() if v.ord_ref_id == primary)
    assert (child.side, child.trigger_price) == ("sell", Decimal("28155.6"))


def test_balances_take_decimals_ints_and_strings_but_never_floats() -> None:
    engine = Engine(SimConfig.throwaway({"USD": 1000, "BTC": "0.5"}), IdMaker(None))
    assert {a: b.balance for a, b in engine.balances.items()} == {
        "BTC": Decimal("0.5"),
        "USD": Decimal("1000"),
    }
    with pytest.raises(TypeError, match="never float"):
        Engine(SimConfig.throwaway({"USD": 1000.5}), IdMaker(None))  # type: ignore[dict-item]


def test_a_cash_quantity_market_buy_sizes_from_the_last_price() -> None:
    engine = _engine()
    engine.set_price("BTC/USD", Decimal("28000"), T0)
    market = AddOrderParams(
        order_type="market",
        side="buy",
        cash_order_qty=Decimal("100"),
        symbol="BTC/USD",
    )
    order_id = _placed(engine.add_order(market, T0))
    view = engine.orders[order_id]
    assert (view.order_qty, view.status) == (Decimal("0.00357142"), "filled")

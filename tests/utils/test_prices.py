"""Prices derived from an intent (momentum/utils/prices.py): where each trigger fires, what each
order and close trades at, and the buy legs an order or an amend puts at risk."""

from decimal import Decimal
from typing import Any

import pytest

from momentum.models.context import Knobs
from momentum.models.intent import (
    Amend,
    Close,
    IcebergOrder,
    LimitClose,
    LimitOrder,
    MarketOrder,
    PriceType,
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
from momentum.utils.prices import (
    BuyLeg,
    amend_leg,
    buy_legs,
    close_price,
    close_side,
    close_trigger_level,
    effective_close_limit,
    effective_limit,
    entry_price,
    trailing_level,
    trigger_level,
)
from tests.helpers import D


def _d(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


STRICT = Knobs()  # ABS_LIMIT_REQUIRED=1
LOOSE = Knobs(abs_limit_required=False)
_BUY: dict[str, Any] = {"symbol": "BTC/USD", "side": "buy", "qty": D("2")}


@pytest.mark.parametrize(
    ("price", "price_type", "ref", "level"),
    [
        ("28000", "static", None, "28000"),
        ("-2", "pct", "100", "98.00"),
        ("-2", "pct", None, None),
        ("-150", "quote", "100", "-50"),
        ("-150", "quote", None, None),
    ],
)
def test_a_trigger_fires_at_its_price_or_its_offset_from_the_reference(
    price: str, price_type: PriceType, ref: str | None, level: str | None
) -> None:
    found = trigger_level(Trigger(price=D(price), price_type=price_type), _d(ref))
    assert found == _d(level)
    assert str(found) == str(level)


class TestEffectiveLimits:
    def test_an_own_limit_is_the_limit(self) -> None:
        order = StopLossLimitOrder(**_BUY, trigger=Trigger(price=D("5")), limit_price=D("6"))
        assert effective_limit(order, STRICT) == D("6")
        close = StopLossLimitClose(trigger_price=D("5"), limit_price=D("6"))
        assert effective_close_limit(close, STRICT) == D("6")

    def test_without_one_a_static_trigger_stands_in_only_when_the_knob_allows(self) -> None:
        order = StopLossLimitOrder(**_BUY, trigger=Trigger(price=D("5")))
        assert (effective_limit(order, STRICT), effective_limit(order, LOOSE)) == (None, D("5"))
        close = TakeProfitLimitClose(trigger_price=D("5"))
        assert (effective_close_limit(close, STRICT), effective_close_limit(close, LOOSE)) == (
            None,
            D("5"),
        )

    def test_a_relative_trigger_never_stands_in(self) -> None:
        order = TakeProfitLimitOrder(**_BUY, trigger=Trigger(price=D("5"), price_type="pct"))
        assert effective_limit(order, LOOSE) is None
        close = StopLossLimitClose(trigger_price=D("5"), trigger_price_type="quote")
        assert effective_close_limit(close, LOOSE) is None


def test_a_close_trigger_is_placed_from_the_entry() -> None:
    close = StopLossClose(trigger_price=D("-1"), trigger_price_type="pct")
    assert close_trigger_level(close, D("200")) == D("198")
    assert close_trigger_level(close, None) is None


@pytest.mark.parametrize(
    ("order", "price"),
    [
        (LimitOrder(**_BUY, limit_price=D("7")), "7"),
        (MarketOrder(**_BUY, ref_price=D("8")), "8"),
        (StopLossOrder(**_BUY, trigger=Trigger(price=D("1"), price_type="quote"),
                       ref_price=D("8")), "9"),
        (TakeProfitOrder(**_BUY, trigger=Trigger(price=D("6"))), "6"),
        (StopLossLimitOrder(**_BUY, trigger=Trigger(price=D("5")), limit_price=D("6")), "6"),
        (TakeProfitLimitOrder(**_BUY, trigger=Trigger(price=D("5"))), None),
        (IcebergOrder(**_BUY, limit_price=D("7"), display_qty=D("1")), "7"),
        (TrailingStopOrder(**_BUY, trigger=Trigger(price=D("1"), price_type="quote"),
                           ref_price=D("8")), "9"),
        (TrailingStopOrder(**_BUY, trigger=Trigger(price=D("1"), price_type="quote")), None),
        (TrailingStopLimitOrder(**_BUY, trigger=Trigger(price=D("1"), price_type="quote"),
                                limit_price=D("0.5"), ref_price=D("8")), "9.5"),
        (TrailingStopLimitOrder(**_BUY, trigger=Trigger(price=D("1"), price_type="quote"),
                                limit_price=D("0.5")), None),
        # no reference: no price, even with an absolute trigger (which the checks refuse)
        (TrailingStopLimitOrder(**_BUY, trigger=Trigger(price=D("100")), limit_price=D("0.5")),
         None),
    ],
)  # fmt: skip
def test_each_order_trades_at_its_own_price_where_it_is_known(
    order: SpotOrder, price: str | None
) -> None:
    assert entry_price(order, STRICT) == _d(price)


def test_a_trailing_stop_fires_past_the_reference_on_its_sides_way() -> None:
    offset = Trigger(price=D("1"), price_type="pct")
    assert (
        trailing_level("buy", offset, D("100")),
        trailing_level("sell", offset, D("100")),
    ) == (D("101"), D("99"))


def test_a_close_takes_the_other_side() -> None:
    assert (close_side("buy"), close_side("sell")) == ("sell", "buy")


@pytest.mark.parametrize(
    ("close", "price"),
    [
        (LimitClose(limit_price=D("7")), "7"),
        (StopLossClose(trigger_price=D("1"), trigger_price_type="quote"), "11"),
        (TakeProfitClose(trigger_price=D("9")), "9"),
        (StopLossLimitClose(trigger_price=D("9"), limit_price=D("9.5")), "9.5"),
        (TrailingStopClose(trigger_price=D("1"), trigger_price_type="quote"), "11"),
        (TrailingStopLimitClose(trigger_price=D("1"), trigger_price_type="quote",
                                limit_price=D("0.5")), "11.5"),
    ],
)  # fmt: skip
def test_each_close_trades_at_its_price_placed_from_the_entry(close: Close, price: str) -> None:
    assert close_price(close, STRICT, D("10")) == D(price)


def test_a_relative_trailing_close_without_an_entry_has_no_price() -> None:
    trailing = TrailingStopLimitClose(trigger_price=D("1"), trigger_price_type="quote",
                                      limit_price=D("0.5"))  # fmt: skip
    assert close_price(trailing, STRICT, None) is None


def test_a_trailing_close_without_an_entry_has_no_price_even_with_an_absolute_limit() -> None:
    """The limit sits at the trailing trigger's level; with no level there is no price, even for
    a `static` limit type (which the checks refuse on a trailing close)."""
    trailing = TrailingStopLimitClose(trigger_price=D("1"), trigger_price_type="pct",
                                      limit_price=D("5"), limit_price_type="static")  # fmt: skip
    assert close_price(trailing, STRICT, None) is None


class TestBuyLegs:
    def test_a_buy_is_one_entry_leg_with_its_cash(self) -> None:
        market = MarketOrder(**_BUY, ref_price=D("8"), cash_qty=D("20"))
        assert buy_legs(market, STRICT) == (BuyLeg("entry", D("2"), D("8"), D("20")),)
        limit = LimitOrder(**_BUY, limit_price=D("7"), close=StopLossClose(trigger_price=D("6")))
        assert buy_legs(limit, STRICT) == (BuyLeg("entry", D("2"), D("7")),)

    def test_a_sell_puts_only_its_buy_close_at_risk(self) -> None:
        sell = {**_BUY, "side": "sell"}
        assert buy_legs(LimitOrder(**sell, limit_price=D("7")), STRICT) == ()
        closed = LimitOrder(**sell, limit_price=D("7"),
                            close=StopLossClose(trigger_price=D("1"), trigger_price_type="quote"))  # fmt: skip
        assert buy_legs(closed, STRICT) == (BuyLeg("buy close", D("2"), D("8")),)


class TestAmendLeg:
    def test_an_amend_of_a_sell_buys_nothing(self) -> None:
        assert amend_leg(Amend(order_id="A", qty=D("1"), limit_price=D("5"), side="sell")) is None

    @pytest.mark.parametrize(
        ("changes", "price"),
        [
            ({"limit_price": D("5"), "trigger_price": D("6")}, "5"),
            ({"trigger_price": D("6")}, "6"),
            ({"limit_price_type": "pct", "trigger_price": D("6"), "ref_price": D("100")}, "6"),
            ({"limit_price": D("-1"), "limit_price_type": "pct", "ref_price": D("100")}, "99"),
            ({"limit_price": D("-1"), "limit_price_type": "pct"}, None),
            ({"ref_price": D("100")}, "100"),
            ({}, None),
        ],
    )
    def test_its_price_is_its_own_then_placed_then_the_reference(
        self, changes: dict[str, object], price: str | None
    ) -> None:
        amend = Amend(order_id="A", qty=D("1"), **changes)  # type: ignore[arg-type]
        assert amend_leg(amend) == BuyLeg("amended order", D("1"), _d(price))

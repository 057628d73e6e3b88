"""Prices derived from an intent: where a trigger fires, what an order trades at, and the buy legs
an order (or an amend) puts at risk. Pure and total; `None` wherever a price cannot be known now.

Spot without margin: a `buy` opens or adds to a position (an entry) and a `sell` reduces it (an
exit). A close is the opposite side of its primary, so a sell's close is a buy.

>>> from momentum.models.context import Knobs
>>> from momentum.models.intent import LimitOrder, StopLossClose
>>> sell = LimitOrder(symbol="BTC/USD", side="sell", qty=Decimal("0.001"),
...     limit_price=Decimal("28440"), close=StopLossClose(trigger_price=Decimal("29000")))
>>> buy_legs(sell, Knobs())
(BuyLeg(name='buy close', qty=Decimal('0.001'), price=Decimal('29000'), cash=None),)
"""

from decimal import Decimal
from typing import NamedTuple, assert_never

from momentum.models.context import Knobs
from momentum.models.intent import EXACT as _EXACT
from momentum.models.intent import (
    Amend,
    Close,
    IcebergOrder,
    LimitClose,
    LimitOrder,
    MarketOrder,
    Side,
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

__all__ = [
    "BuyLeg",
    "TriggeredClose",
    "amend_leg",
    "buy_legs",
    "close_price",
    "close_side",
    "close_trigger_level",
    "effective_close_limit",
    "effective_limit",
    "entry_price",
    "trailing_level",
    "trigger_level",
]


def trigger_level(trigger: Trigger, ref_price: Decimal | None) -> Decimal | None:
    """The market price at which a trigger fires, where it can be known now.

    >>> trigger_level(Trigger(price=Decimal("-2"), price_type="pct"), Decimal("100"))
    Decimal('98.00')
    >>> trigger_level(Trigger(price=Decimal("-150"), price_type="quote"), None) is None
    True
    """
    match trigger.price_type:
        case "static":
            return trigger.price
        case "pct":
            if ref_price is None:
                return None
            return _EXACT.multiply(ref_price, _EXACT.add(1, trigger.price.scaleb(-2)))
        case "quote":
            return None if ref_price is None else _EXACT.add(ref_price, trigger.price)
        case _:
            assert_never(trigger.price_type)


def effective_limit(
    order: StopLossLimitOrder | TakeProfitLimitOrder, knobs: Knobs
) -> Decimal | None:
    """The limit price a `*-limit` primary goes out with: its own, or with `ABS_LIMIT_REQUIRED=0`
    its static trigger price (limit = trigger). `None` when neither applies."""
    if order.limit_price is not None:
        return order.limit_price
    if knobs.abs_limit_required or order.trigger.price_type != "static":
        return None
    return order.trigger.price


def effective_close_limit(
    close: StopLossLimitClose | TakeProfitLimitClose, knobs: Knobs
) -> Decimal | None:
    """As `effective_limit`, for a `*-limit` close: only an absolute trigger stands in."""
    if close.limit_price is not None:
        return close.limit_price
    if knobs.abs_limit_required or close.trigger_price_type != "static":
        return None
    return close.trigger_price


TriggeredClose = StopLossClose | TakeProfitClose | StopLossLimitClose | TakeProfitLimitClose


def close_trigger_level(close: TriggeredClose, entry: Decimal | None) -> Decimal | None:
    """The price a close's trigger fires at: absolute, or offset from the primary's price."""
    offset = Trigger(price=close.trigger_price, price_type=close.trigger_price_type)
    return trigger_level(offset, entry)


def entry_price(order: SpotOrder, knobs: Knobs) -> Decimal | None:
    """The price the primary order trades at, as well as it can be known now: its limit, else its
    trigger, else the caller's `ref_price`."""
    match order:
        case LimitOrder():
            return order.limit_price
        case MarketOrder():
            return order.ref_price
        case StopLossOrder() | TakeProfitOrder():
            return trigger_level(order.trigger, order.ref_price)
        case StopLossLimitOrder() | TakeProfitLimitOrder():
            return effective_limit(order, knobs)
        case IcebergOrder():
            return order.limit_price
        case TrailingStopOrder():
            return trailing_level(order.side, order.trigger, order.ref_price)
        case TrailingStopLimitOrder():
            level = trailing_level(order.side, order.trigger, order.ref_price)
            if level is None or order.ref_price is None:
                return None
            offset = Trigger(price=order.limit_price, price_type=order.limit_price_type)
            return trigger_level(offset, level)
        case _:
            assert_never(order)


def trailing_level(side: Side, trigger: Trigger, ref_price: Decimal | None) -> Decimal | None:
    """Where a trailing stop placed now would fire if the price turned at once: `ref_price` plus
    the offset for a buy, minus it for a sell (the bound a notional or cost check can use).

    >>> trailing_level("buy", Trigger(price=Decimal("1"), price_type="pct"), Decimal("100"))
    Decimal('101.00')
    """
    signed = trigger.price if side == "buy" else -trigger.price
    return trigger_level(Trigger(price=signed, price_type=trigger.price_type), ref_price)


def close_side(side: Side) -> Side:
    """A close order takes the opposite side of its primary."""
    return "sell" if side == "buy" else "buy"


def close_price(close: Close, knobs: Knobs, entry: Decimal | None) -> Decimal | None:
    """The price a close trades at, placed from the primary's price `entry` where it is relative."""
    match close:
        case LimitClose():
            return close.limit_price
        case StopLossClose() | TakeProfitClose():
            return close_trigger_level(close, entry)
        case StopLossLimitClose() | TakeProfitLimitClose():
            return effective_close_limit(close, knobs)
        case TrailingStopClose():
            return _trailing_close_level(close, entry)
        case TrailingStopLimitClose():
            level = _trailing_close_level(close, entry)
            offset = Trigger(price=close.limit_price, price_type=close.limit_price_type)
            return None if level is None else trigger_level(offset, level)
        case _:
            assert_never(close)


def _trailing_close_level(
    close: TrailingStopClose | TrailingStopLimitClose, entry: Decimal | None
) -> Decimal | None:
    # a buy close (of a sell) fires at the trough plus the offset: at most the entry plus it
    offset = Trigger(price=close.trigger_price, price_type=close.trigger_price_type)
    return trailing_level("buy", offset, entry)


class BuyLeg(NamedTuple):
    """One buy an order puts at risk: its quantity and the price it trades at (`None`: unknown
    now), and for a cash market buy the quote amount it spends (`cash`)."""

    name: str  # "entry", "buy close", "amended order"
    qty: Decimal
    price: Decimal | None
    cash: Decimal | None = None


def buy_legs(order: SpotOrder, knobs: Knobs) -> tuple[BuyLeg, ...]:
    """The buys an order can make: a buy primary (with its cash amount), or a sell's buy close
    (sized to the fill, at most the order's quantity). A buy's close is a sell and counts not."""
    if order.side == "buy":
        cash = order.cash_qty if isinstance(order, MarketOrder) else None
        return (BuyLeg("entry", order.qty, entry_price(order, knobs), cash),)
    if order.close is None:
        return ()
    price = close_price(order.close, knobs, entry_price(order, knobs))
    return (BuyLeg("buy close", order.qty, price),)


def amend_leg(amend: Amend) -> BuyLeg | None:
    """The buy an amend may make: `None` only when the caller says the order is a sell.

    `amend_order` carries no side, so an amend of unknown side is held as a buy. Its price is the
    new static limit, else the new static trigger, else a relative one placed from `ref_price`,
    else `ref_price` itself (the order's price or the market's); `None` when none is known.
    """
    if amend.side == "sell":
        return None
    price = None
    for value, price_type in (
        (amend.limit_price, amend.limit_price_type),
        (amend.trigger_price, amend.trigger_price_type),
    ):
        if value is not None and price is None:
            price = trigger_level(Trigger(price=value, price_type=price_type), amend.ref_price)
    if price is None:  # no price of its own, or a relative one and no ref_price (then None)
        price = amend.ref_price
    return BuyLeg("amended order", amend.qty, price)

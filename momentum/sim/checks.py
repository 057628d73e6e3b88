"""The exchange's checks on one new order, in Kraken's error words, turning params into a draft.

docs.kraken.com/api/docs/websocket-v2/add_order (fields and their conditions),
docs.kraken.com/api/docs/guides/spot-errors (the error strings),
docs.kraken.com/api/docs/guides/spot-clordid (`cl_ord_id` formats).

Pure functions: the caller passes the pair rules, the last price and `now`.
"""

import re
from datetime import datetime, timedelta
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, Decimal
from typing import Final, Literal

import msgspec

from momentum.sim import errors
from momentum.sim.config import PairRules
from momentum.sim.orders import LIMIT_PRICED, TRIGGERED_TYPES, Side
from momentum.sim.requests import BatchOrder, Conditional, OrderType, Triggers

__all__ = [
    "Draft",
    "check_deadline",
    "check_order",
    "parse_time",
    "resolve_trigger",
    "trail_trigger",
]

_UUID: Final = re.compile(
    r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$"
)
_FREE_TEXT: Final = re.compile(r"^[\x20-\x7e]{1,18}$")
_MARKET_ON_TRIGGER: Final = frozenset({"stop-loss", "take-profit", "trailing-stop"})
_CLOSE_NEEDS_LIMIT: Final = frozenset({"limit", "stop-loss-limit", "take-profit-limit"})
_TRAILING: Final = frozenset({"trailing-stop", "trailing-stop-limit"})
# deadline: valid offset is 500 ms to 60 s -- docs.kraken.com/api/docs/websocket-v2/add_order
_DEADLINE_MAX: Final = timedelta(seconds=60)


class Draft(msgspec.Struct, frozen=True, kw_only=True):
    """A new order that passed every check but funds, with its prices resolved."""

    symbol: str
    side: Side
    order_type: OrderType
    order_qty: Decimal
    limit_price: Decimal | None
    limit_price_type: str | None
    trigger_reference: str
    trigger_given: Decimal | None
    trigger_price_type: str
    trigger_price: Decimal | None
    time_in_force: Literal["gtc", "gtd", "ioc", "fok"]
    post_only: bool
    expire_time: datetime | None
    cl_ord_id: str | None
    order_userref: int | None
    conditional: Conditional | None
    display_qty: Decimal | None
    price_for_cost: Decimal


def parse_time(text: str) -> datetime | None:
    """An RFC3339 time, or None if it is not one.

    >>> parse_time("2022-12-25T09:30:59.123Z").microsecond
    123000
    >>> parse_time("tomorrow") is None
    True
    """
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def check_deadline(deadline: str | None, now: datetime) -> str | None:
    """`EService:Deadline elapsed` for a past deadline; too far ahead is an invalid argument."""
    if deadline is None:
        return None
    moment = parse_time(deadline)
    if moment is None:
        return errors.invalid("deadline")
    if moment <= now:
        return errors.DEADLINE_ELAPSED
    if moment - now > _DEADLINE_MAX:
        return errors.invalid("deadline")
    return None


def _on_tick(price: Decimal, increment: Decimal) -> bool:
    return price % increment == 0


def _tick_to(price: Decimal, increment: Decimal) -> Decimal:
    return (price / increment).quantize(Decimal(1), ROUND_HALF_EVEN) * increment


def resolve_trigger(
    given: Decimal, price_type: str, reference: Decimal | None, increment: Decimal
) -> Decimal | None:
    """The absolute trigger price: `static` as given, `pct`/`quote` offset from `reference`.

    >>> resolve_trigger(Decimal("-2"), "pct", Decimal("28440"), Decimal("0.1"))
    Decimal('27871.2')
    """
    if price_type == "static":
        return given
    if reference is None:
        return None
    if price_type == "pct":
        return _tick_to(reference * (1 + given / 100), increment)
    return _tick_to(reference + given, increment)


def _valid_cl_ord_id(text: str) -> bool:
    return bool(_UUID.match(text)) or bool(_FREE_TEXT.match(text))


def _shape_problem(order: BatchOrder) -> str | None:
    kind = order.order_type
    if kind == "settle-position" or order.margin or order.reduce_only:
        # spot only: no margin positions -- docs.kraken.com/api/docs/guides/spot-errors
        return errors.CANNOT_OPEN_POSITION
    if order.cl_ord_id is not None and order.order_userref is not None:
        return errors.invalid("cl_ord_id and order_userref are exclusive")
    if order.cl_ord_id is not None and not _valid_cl_ord_id(order.cl_ord_id):
        return errors.invalid("cl_ord_id")
    if (order.limit_price is None) == (kind in LIMIT_PRICED):
        return errors.invalid("limit_price")
    if (order.triggers is None) == (kind in TRIGGERED_TYPES):
        return errors.invalid("triggers")
    triggers = order.triggers
    if kind in _TRAILING and triggers is not None and not _trailing_offset(triggers):
        return errors.invalid("triggers.price")
    if order.limit_price_type is not None and kind != "trailing-stop-limit":
        return errors.invalid("limit_price_type")
    if order.display_qty is not None and kind != "iceberg":
        return errors.invalid("display_qty")
    if order.post_only and kind not in {"limit", "iceberg"}:
        return errors.invalid("post_only")
    if order.time_in_force == "fok" and kind != "limit":
        return errors.invalid("time_in_force")
    if (order.time_in_force == "gtd") != (order.expire_time is not None):
        return errors.invalid("expire_time")
    if order.cash_order_qty is not None and (kind != "market" or order.side != "buy"):
        return errors.invalid("cash_order_qty")
    if (order.order_qty is None) == (order.cash_order_qty is None):
        return errors.invalid("order_qty")
    if order.conditional is not None:
        return _close_problem(order.conditional)
    return None


def _trailing_offset(triggers: Triggers) -> bool:
    # trailing: a positive offset in pct or quote, never static -- docs.kraken.com/api/docs/websocket-v2/add_order
    return triggers.price_type != "static" and triggers.price > 0


def _close_problem(close: Conditional) -> str | None:
    if (close.limit_price is None) == (close.order_type in _CLOSE_NEEDS_LIMIT):
        return errors.invalid("conditional.limit_price")
    trigger = close.trigger_price if close.trigger_price is not None else close.stop_price
    if (trigger is None) == (close.order_type in TRIGGERED_TYPES):
        return errors.invalid("conditional.trigger_price")
    return None


def _tick_problem(order: BatchOrder, rules: PairRules) -> str | None:
    prices: list[Decimal] = []
    if order.limit_price is not None and order.order_type != "trailing-stop-limit":
        prices.append(order.limit_price)
    if order.triggers is not None and order.triggers.price_type == "static":
        prices.append(order.triggers.price)
    close = order.conditional
    if close is not None:
        if close.limit_price is not None and close.order_type != "trailing-stop-limit":
            prices.append(close.limit_price)
        trigger = close.trigger_price if close.trigger_price is not None else close.stop_price
        if trigger is not None and close.trigger_price_type == "static":
            prices.append(trigger)
    if any(price <= 0 for price in prices):
        return errors.INVALID_PRICE
    if not all(_on_tick(price, rules.price_increment) for price in prices):
        # price not a multiple of tick_size -- docs.kraken.com/api/docs/guides/spot-errors
        return errors.TICK_SIZE
    return None


def check_order(
    order: BatchOrder,
    *,
    rules: PairRules,
    last: Decimal | None,
    now: datetime,
) -> Draft | str:
    """Every check Kraken makes on a new order short of funds; the first problem wins."""
    problem = _shape_problem(order) or _tick_problem(order, rules)
    if problem is not None:
        return problem
    expire_time = None
    if order.expire_time is not None:
        expire_time = parse_time(order.expire_time)
        if expire_time is None or expire_time <= now:
            return errors.invalid("expire_time")
    if order.cash_order_qty is not None:
        if last is None:
            return errors.INVALID_PRICE
        qty = (order.cash_order_qty / last).quantize(rules.qty_increment, ROUND_DOWN)
    else:
        assert order.order_qty is not None
        qty = order.order_qty
    if qty <= 0 or qty % rules.qty_increment != 0:
        return errors.invalid("order_qty")
    if qty < rules.qty_min:
        # below ordermin -- docs.kraken.com/api/docs/guides/spot-errors
        return errors.ORDER_MINIMUM
    trigger_price = None
    if order.triggers is not None:
        reference = last
        if order.order_type in _TRAILING:
            trigger_price = _trail_start(order, last, rules.price_increment)
        else:
            trigger_price = resolve_trigger(
                order.triggers.price, order.triggers.price_type, reference, rules.price_increment
            )
        if trigger_price is None or trigger_price <= 0:
            return errors.INVALID_PRICE
    if order.display_qty is not None and order.display_qty * 15 < qty:
        return errors.invalid("display_qty")
    price = _cost_price(order, trigger_price, last)
    if price is None:
        return errors.INVALID_PRICE
    if price * qty < rules.cost_min:
        # price x volume below costmin -- docs.kraken.com/api/docs/guides/spot-errors
        return errors.COST_MINIMUM
    return Draft(
        symbol=rules.symbol,
        side=order.side,
        order_type=order.order_type,
        order_qty=qty,
        limit_price=order.limit_price,
        limit_price_type=order.limit_price_type,
        trigger_reference=order.triggers.reference if order.triggers is not None else "last",
        trigger_given=order.triggers.price if order.triggers is not None else None,
        trigger_price_type=order.triggers.price_type if order.triggers is not None else "static",
        trigger_price=trigger_price,
        time_in_force=order.time_in_force,
        post_only=order.post_only,
        expire_time=expire_time,
        cl_ord_id=order.cl_ord_id,
        order_userref=order.order_userref,
        conditional=order.conditional,
        display_qty=order.display_qty,
        price_for_cost=price,
    )


def _trail_start(order: BatchOrder, last: Decimal | None, increment: Decimal) -> Decimal | None:
    if order.triggers is None or last is None:
        return None
    return trail_trigger(
        order.side, last, order.triggers.price, order.triggers.price_type, increment
    )


def trail_trigger(
    side: Side, extreme: Decimal, offset: Decimal, price_type: str, increment: Decimal
) -> Decimal:
    """A trailing stop's trigger: `offset` behind the peak (a sell) or the trough (a buy).

    >>> trail_trigger("sell", Decimal("28600"), Decimal("1"), "pct", Decimal("0.1"))
    Decimal('28314.0')
    """
    distance = extreme * offset / 100 if price_type == "pct" else offset
    raw = extreme - distance if side == "sell" else extreme + distance
    return _tick_to(raw, increment)


def _cost_price(
    order: BatchOrder, trigger_price: Decimal | None, last: Decimal | None
) -> Decimal | None:
    if order.order_type in LIMIT_PRICED and order.order_type != "trailing-stop-limit":
        return order.limit_price
    if order.order_type in _MARKET_ON_TRIGGER or order.order_type == "trailing-stop-limit":
        return trigger_price
    return last

"""Checks and safety guards on an order intent: pure functions that return `Result`.

Two kinds, as the exit codes tell them apart:

* input checks (`check_input`): the request itself is wrong (a zero quantity, a stop above a buy
  entry, `fok` on a stop). Each problem is an `InputInvalid` naming the field.
* guards named after their knob (`entry_max_notional`, `one_position_only`, `abs_limit_required`,
  `allow_live`): the request is well formed but the tunables refuse it. Each is a `GuardRefused`.

`check_order` runs every one of them and reports every problem of the request at once.

Entry vs exit: spot without margin, so a `buy` opens or adds to a position (an entry) and a `sell`
reduces it (an exit). The entry guards apply to buys, including a buy close of a sell primary.

>>> from decimal import Decimal
>>> from datetime import datetime, UTC
>>> from momentum.models.intent import LimitOrder
>>> from momentum.utils.env import Knobs
>>> order = LimitOrder(symbol="BTC/USD", side="buy", qty=Decimal("0.001"), limit_price=Decimal("28440"))
>>> context = Context(knobs=Knobs(), now=datetime(2026, 11, 28, 9, tzinfo=UTC))
>>> [p.render() for p in check_order(order, context).failure()]
['ENTRY_MAX_NOTIONAL refused: 0.001 x 28440 = 28.44 USD > cap 10 USD; raise ENTRY_MAX_NOTIONAL to at least 28.44, or lower the quantity or the price']
"""

import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Final, assert_never, get_args

import msgspec
from returns.result import Failure, Result, Success

from momentum.errors import GuardRefused, InputInvalid, Problem, show
from momentum.exchange.kraken.instruments import InstrumentTable
from momentum.models.intent import EXACT as _EXACT
from momentum.models.intent import (
    Amend,
    Cancel,
    Close,
    Exposure,
    IcebergOrder,
    LimitClose,
    LimitOrder,
    MarketOrder,
    OrderIntent,
    PriceType,
    Reference,
    SettlePositionOrder,
    Side,
    SpotOrder,
    StopLossClose,
    StopLossLimitClose,
    StopLossLimitOrder,
    StopLossOrder,
    StpType,
    TakeProfitClose,
    TakeProfitLimitClose,
    TakeProfitLimitOrder,
    TakeProfitOrder,
    TimeInForce,
    TrailingStopClose,
    TrailingStopLimitClose,
    TrailingStopLimitOrder,
    TrailingStopOrder,
    Trigger,
)
from momentum.utils.env import Knobs
from momentum.utils.pair_rules import pair_problems, symbol_in_table_problems

__all__ = [
    "MAX_DECIMALS",
    "MAX_EXPIRY",
    "Context",
    "abs_limit_required",
    "allow_live",
    "amount_problems",
    "check_amend",
    "check_cancel",
    "check_input",
    "check_order",
    "cl_ord_id_problems",
    "close_side",
    "close_trigger_level",
    "effective_close_limit",
    "effective_limit",
    "entry_max_notional",
    "entry_price",
    "one_position_only",
    "screen_order",
    "symbol_problems",
    "trigger_level",
]

MAX_DECIMALS: Final = 18
_MAX_ADJUSTED: Final = 15  # below 10^16
# expire_time: at most one month ahead -- docs.kraken.com/api/docs/websocket-v2/add_order;
# 28 days is never beyond one month, whatever the month.
MAX_EXPIRY: Final = timedelta(days=28)
_INT32: Final = range(-(2**31), 2**31)
# cl_ord_id: long UUID, short UUID (32 hex) or free text -- docs.kraken.com/api/docs/guides/spot-clordid;
# free text is held to Kraken's SDK's stricter [A-Za-z0-9_-]{1,18}.
_CL_ORD_ID: Final = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
    r"|[0-9a-fA-F]{32}|[A-Za-z0-9_-]{1,18}"
)
_SYMBOL: Final = re.compile(r"([A-Z0-9]{1,12})/([A-Z0-9]{1,12})")

_ORDER_TYPES: Final = get_args(OrderIntent)
_SPOT_TYPES: Final = get_args(SpotOrder)
_CLOSE_TYPES: Final = get_args(Close)
_SIDES: Final[tuple[Side, ...]] = get_args(Side)
_TIFS: Final[tuple[TimeInForce, ...]] = get_args(TimeInForce)
_STPS: Final[tuple[StpType, ...]] = get_args(StpType)
_PRICE_TYPES: Final[tuple[PriceType, ...]] = get_args(PriceType)
_REFERENCES: Final[tuple[Reference, ...]] = get_args(Reference)


class Context(msgspec.Struct, frozen=True, kw_only=True):
    """Everything besides the intent that the checks read: knobs, the clock reading, exposure.

    `live=True` asks for `validate=false` (a real order); `ALLOW_LIVE` must allow it.
    `instruments`, when given, must know the order's symbol, and its rules (tick, lot, minimums,
    status, index) are checked; without it only the shape of the symbol is.
    """

    knobs: Knobs
    now: datetime
    exposure: Exposure = Exposure()
    live: bool = False
    req_id: int | None = None
    instruments: InstrumentTable | None = None  # None: no pair rules are checked


# --- derived prices -----------------------------------------------------------------------------


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


def _close_price(close: Close, knobs: Knobs, entry: Decimal | None) -> Decimal | None:
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


def _text(value: Decimal) -> str:
    return format(value.normalize(), "f") if value else "0"


def _quote(symbol: str) -> str:
    return symbol.partition("/")[2] or "quote currency"


# --- input checks ---------------------------------------------------------------------------------

_ZERO: Final = Decimal(0)
_AMOUNT: Final = f"a positive finite decimal with at most {MAX_DECIMALS} decimals, below 10^16"


def amount_problems(value: object, field: str) -> tuple[InputInvalid, ...]:
    """A price or quantity must be a positive, finite, bounded `Decimal`."""
    if isinstance(value, Decimal) and _bounded(value) and value > _ZERO:
        return ()
    if not isinstance(value, Decimal):
        return (
            InputInvalid(
                field=field,
                given=f"{show(value)} ({type(value).__name__})",
                accepted=f"a Decimal: {_AMOUNT}",
            ),
        )
    return (InputInvalid(field=field, given=show(value), accepted=_AMOUNT),)


def _bounded(value: Decimal) -> bool:
    if not value.is_finite() or value.adjusted() > _MAX_ADJUSTED:
        return False
    # str() writes plain notation unless the exponent is positive or the number tiny; plain text
    # of at most 20 characters has at most 18 decimals. Only longer text pays for as_tuple().
    text = str(value)
    if len(text) <= MAX_DECIMALS + 2 and "E" not in text:
        return True
    exponent = value.as_tuple().exponent
    return isinstance(exponent, int) and exponent >= -MAX_DECIMALS


def _trigger_shape(trigger: object, field: str) -> Iterator[InputInvalid]:
    """What every trigger needs, trailing or not: to be a `Trigger`, with a known reference."""
    if not isinstance(trigger, Trigger):
        yield InputInvalid(field=field, given=show(trigger), accepted="a Trigger")
    elif trigger.reference not in _REFERENCES:
        yield InputInvalid(
            field=f"{field}.reference",
            given=show(trigger.reference),
            accepted=" or ".join(_REFERENCES),
        )


def _trigger(trigger: object, field: str) -> Iterator[InputInvalid]:
    yield from _trigger_shape(trigger, field)
    if not isinstance(trigger, Trigger):
        return
    if trigger.price_type not in _PRICE_TYPES:
        yield InputInvalid(
            field=f"{field}.price_type",
            given=show(trigger.price_type),
            accepted=" or ".join(_PRICE_TYPES),
        )
        return
    price_field = f"{field}.price"
    match trigger.price_type:
        case "static":
            yield from amount_problems(trigger.price, price_field)
        case "pct":
            # pct: a signed percent offset from the reference -- docs.kraken.com/api/docs/websocket-v2/add_order
            accepted = "a non-zero percent offset strictly between -100 and 100, such as -2"
            if (
                not isinstance(trigger.price, Decimal)
                or not _bounded(trigger.price)
                or not (-100 < trigger.price < 100 and trigger.price != 0)
            ):
                yield InputInvalid(field=price_field, given=show(trigger.price), accepted=accepted)
        case "quote":
            accepted = "a non-zero offset in quote currency, such as -150"
            if (
                not isinstance(trigger.price, Decimal)
                or not _bounded(trigger.price)
                or (trigger.price == 0)
            ):
                yield InputInvalid(field=price_field, given=show(trigger.price), accepted=accepted)
        case _:
            assert_never(trigger.price_type)


def symbol_problems(symbol: object, field: str) -> tuple[InputInvalid, ...]:
    """A WS v2 symbol is BASE/QUOTE in capitals (`BTC/USD`, never `btc/usd`)."""
    if isinstance(symbol, str) and _SYMBOL.fullmatch(symbol) is not None:
        return ()
    hint = ""
    if isinstance(symbol, str) and _SYMBOL.fullmatch(symbol.upper()):
        hint = f" (did you mean {symbol.upper()}?)"
    return (
        InputInvalid(
            field=field,
            given=show(symbol),
            accepted=f"BASE/QUOTE in capitals, such as BTC/USD{hint}",
        ),
    )


def cl_ord_id_problems(cl_ord_id: object, field: str) -> tuple[InputInvalid, ...]:
    """`cl_ord_id`, when given, is one of Kraken's three formats."""
    if cl_ord_id is None or (isinstance(cl_ord_id, str) and _CL_ORD_ID.fullmatch(cl_ord_id)):
        return ()
    return (
        InputInvalid(
            field=field,
            given=show(cl_ord_id),
            accepted="a UUID (36 chars with dashes, or 32 hex) or 1 to 18 of A-Z a-z 0-9 _ -",
        ),
    )


def _identity(order: SpotOrder, context: Context) -> Iterator[InputInvalid]:
    if context.instruments is None:
        yield from symbol_problems(order.symbol, "symbol")
    else:
        yield from symbol_in_table_problems(order.symbol, "symbol", context.instruments)
    yield from cl_ord_id_problems(order.cl_ord_id, "cl_ord_id")
    if order.side not in _SIDES:
        yield InputInvalid(field="side", given=show(order.side), accepted="buy or sell")
    yield from amount_problems(order.qty, "qty")
    if order.ref_price is not None:
        yield from amount_problems(order.ref_price, "ref_price")
    if order.order_userref is not None and not _int32(order.order_userref):
        yield InputInvalid(
            field="order_userref",
            given=show(order.order_userref),
            accepted="a whole number from -2147483648 to 2147483647",
        )
    if order.cl_ord_id is not None and order.order_userref is not None:
        # cl_ord_id and order_userref are mutually exclusive -- docs.kraken.com/api/docs/websocket-v2/add_order
        yield InputInvalid(
            field="order_userref",
            given="set together with cl_ord_id",
            accepted="either cl_ord_id or order_userref, not both",
        )
    if context.req_id is not None and not _int32(context.req_id):
        yield InputInvalid(
            field="req_id",
            given=show(context.req_id),
            accepted="a whole number from -2147483648 to 2147483647",
        )
    yield from cl_ord_id_problems(order.sender_sub_id, "sender_sub_id")
    if order.fee_preference is not None and order.fee_preference not in ("base", "quote"):
        yield InputInvalid(
            field="fee_preference", given=show(order.fee_preference), accepted="base or quote"
        )
    # effective_time: scheduled start, RFC3339 to the second -- docs.kraken.com/api/docs/websocket-v2/add_order
    yield from _moment_problems(order.effective_time, "effective_time", context.now, None)
    if order.stp_type is not None and order.stp_type not in _STPS:
        yield InputInvalid(
            field="stp_type", given=show(order.stp_type), accepted=" or ".join(_STPS)
        )
    if not isinstance(context.exposure.open_positions, int) or context.exposure.open_positions < 0:
        yield InputInvalid(
            field="open_positions",
            given=show(context.exposure.open_positions),
            accepted="a whole number of open positions, 0 or more",
        )


def _int32(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value in _INT32


def _time_in_force(order: SpotOrder, context: Context) -> Iterator[InputInvalid]:
    tif = order.time_in_force or context.knobs.default_tif
    if tif not in _TIFS:
        yield InputInvalid(field="time_in_force", given=show(tif), accepted=" or ".join(_TIFS))
        return
    # fok: "available for limit orders only" -- docs.kraken.com/api/docs/websocket-v2/add_order
    if tif == "fok" and not isinstance(order, LimitOrder):
        yield InputInvalid(
            field="time_in_force",
            given=f"'fok' on a {_type_name(order)} order",
            accepted="fok only on a limit order; gtc, gtd or ioc here",
        )
    if isinstance(order, LimitOrder) and order.post_only and tif in ("ioc", "fok"):
        yield InputInvalid(
            field="post_only",
            given=f"post_only with {tif!r}",
            accepted="post_only with gtc or gtd (a post-only order rests on the book)",
        )
    # expire_time: "GTD orders only", second precision, at most one month ahead -- same page
    expire = order.expire_time
    if tif == "gtd" and expire is None:
        yield InputInvalid(
            field="expire_time",
            given="missing with time_in_force 'gtd'",
            accepted="an expiry time, or another time_in_force",
        )
    elif tif != "gtd" and expire is not None:
        yield InputInvalid(
            field="expire_time",
            given=f"set with time_in_force {tif!r}",
            accepted="no expire_time, or time_in_force 'gtd'",
        )
    else:
        yield from _moment_problems(expire, "expire_time", context.now, MAX_EXPIRY)


def _moment_problems(
    moment: object, field: str, now: datetime, within: timedelta | None
) -> tuple[InputInvalid, ...]:
    """A scheduled time: timezone-aware, whole seconds (Kraken's precision), after now, and at
    most `within` ahead where there is such a limit."""
    if moment is None:
        return ()
    return tuple(_moment_shape(moment, field, now, within))


def _moment_shape(
    moment: object, field: str, now: datetime, within: timedelta | None
) -> Iterator[InputInvalid]:
    if not isinstance(moment, datetime) or moment.utcoffset() is None:
        yield InputInvalid(field=field, given=show(moment),
                           accepted="a timezone-aware datetime such as 2026-12-01T00:00:00Z")  # fmt: skip
    elif moment.microsecond:
        yield InputInvalid(field=field, given=show(moment.isoformat()),
                           accepted=f"whole seconds (Kraken's precision for {field})")  # fmt: skip
    elif not now < moment or (within is not None and moment > now + within):
        limit = "" if within is None else f" and at most {within.days} days ahead"
        yield InputInvalid(field=field, given=show(moment.isoformat()),
                           accepted=f"a time after now{limit}")  # fmt: skip


def _type_name(order: SpotOrder | Close) -> str:
    return order.__struct_config__.tag if isinstance(order.__struct_config__.tag, str) else "?"


def _prices(order: SpotOrder, context: Context) -> Iterator[InputInvalid]:
    match order:
        case LimitOrder():
            yield from amount_problems(order.limit_price, "limit_price")
        case MarketOrder():
            if order.cash_qty is not None:
                yield from amount_problems(order.cash_qty, "cash_qty")
                # cash_order_qty: "buy market orders without margin funding" -- docs.kraken.com/api/docs/websocket-v2/add_order
                if order.side != "buy":
                    yield InputInvalid(field="cash_qty", given=f"set on a {order.side}",
                                       accepted="cash_qty on a market buy only")  # fmt: skip
        case StopLossOrder() | TakeProfitOrder():
            yield from _trigger(order.trigger, "trigger")
        case StopLossLimitOrder() | TakeProfitLimitOrder():
            yield from _trigger(order.trigger, "trigger")
            if order.limit_price is not None:
                yield from amount_problems(order.limit_price, "limit_price")
            elif not context.knobs.abs_limit_required and order.trigger.price_type != "static":
                yield InputInvalid(
                    field="limit_price",
                    given="missing",
                    accepted="an absolute limit price (a relative trigger cannot stand in for it)",
                )
        case IcebergOrder():
            yield from amount_problems(order.limit_price, "limit_price")
            yield from _display_qty(order)
        case TrailingStopOrder():
            yield from _trailing(order.trigger, "trigger")
        case TrailingStopLimitOrder():
            yield from _trailing(order.trigger, "trigger")
            yield from _trailing_limit(order.side, order.limit_price, order.limit_price_type, "")
        case _:
            assert_never(order)


def _display_qty(order: IcebergOrder) -> Iterator[InputInvalid]:
    # display_qty: "minimum is 1/15 of order_qty" -- docs.kraken.com/api/docs/websocket-v2/add_order
    shown = order.display_qty
    problems = tuple(amount_problems(shown, "display_qty"))
    yield from problems
    if problems or not isinstance(order.qty, Decimal) or not _bounded(order.qty):
        return
    if _EXACT.multiply(shown, 15) < order.qty or shown > order.qty:
        least = _EXACT.divide(order.qty, 15)
        yield InputInvalid(
            field="display_qty",
            given=f"{_text(shown)} for an order of {_text(order.qty)}",
            accepted=f"at least 1/15 of the order ({_text(least)}) and at most the order",
        )


def _trailing(trigger: object, field: str) -> Iterator[InputInvalid]:
    # trailing: the offset is "always positive, with pct or quote" -- docs.kraken.com/api/docs/websocket-v2/add_order
    yield from _trigger_shape(trigger, field)
    if not isinstance(trigger, Trigger):
        return
    if trigger.price_type not in ("pct", "quote"):
        yield InputInvalid(
            field=f"{field}.price_type",
            given=show(trigger.price_type),
            accepted="pct or quote (a trailing offset is relative)",
        )
        return
    limit = "strictly between 0 and 100 percent" if trigger.price_type == "pct" else ""
    price = trigger.price
    if (
        not isinstance(price, Decimal)
        or not _bounded(price)
        or not price > 0
        or (trigger.price_type == "pct" and not price < 100)
    ):
        yield InputInvalid(
            field=f"{field}.price",
            given=show(price),
            accepted=f"a positive offset {limit}".rstrip(),
        )


def _trailing_limit(
    side: Side, offset: Decimal, price_type: PriceType, prefix: str
) -> Iterator[InputInvalid]:
    """The limit is an offset from the trigger price; a sell's sits at or below it (0 or
    negative), a buy's at or above, so the order it places can fill."""
    if price_type not in ("pct", "quote"):
        yield InputInvalid(
            field=f"{prefix}limit_price_type",
            given=show(price_type),
            accepted="pct or quote (the limit is an offset from the trigger)",
        )
        return
    if (
        not isinstance(offset, Decimal)
        or not _bounded(offset)
        or (price_type == "pct" and not -100 < offset < 100)
    ):
        yield InputInvalid(
            field=f"{prefix}limit_price",
            given=show(offset),
            accepted="a finite offset from the trigger price (0: at the trigger)",
        )
    elif side == "sell" and offset > 0:
        yield InputInvalid(
            field=f"{prefix}limit_price",
            given=f"{_text(offset)} above a sell's trigger",
            accepted="an offset of 0 or below for a sell",
        )
    elif side == "buy" and offset < 0:
        yield InputInvalid(
            field=f"{prefix}limit_price",
            given=f"{_text(offset)} below a buy's trigger",
            accepted="an offset of 0 or above for a buy",
        )


def _stop_limit_side(
    side: Side, trigger: Decimal | None, limit: Decimal | None, field: str
) -> Iterator[InputInvalid]:
    """A sell stop-limit's limit sits at or below its trigger, a buy's at or above: otherwise the
    limit order the stop places may never fill, and the stop does not protect."""
    if trigger is None or limit is None:
        return
    if side == "sell" and limit > trigger:
        yield InputInvalid(
            field=field,
            given=f"{_text(limit)} is above the sell stop's trigger {_text(trigger)}",
            accepted=f"a limit at or below {_text(trigger)}",
        )
    elif side == "buy" and limit < trigger:
        yield InputInvalid(
            field=field,
            given=f"{_text(limit)} is below the buy stop's trigger {_text(trigger)}",
            accepted=f"a limit at or above {_text(trigger)}",
        )


def _fires_at_once(order: SpotOrder) -> Iterator[InputInvalid]:
    """A stop fires when the price moves against the side (a sell's falls, a buy's rises), a
    take-profit when it moves in favour. A trigger already on the far side fires at once; that is
    decidable from a relative trigger's sign, and from a static one with `ref_price`."""
    if not isinstance(
        order, StopLossOrder | StopLossLimitOrder | TakeProfitOrder | TakeProfitLimitOrder
    ):
        return
    stop = isinstance(order, StopLossOrder | StopLossLimitOrder)
    below = (order.side == "sell") == stop  # the trigger must lie below the market
    kind = "stop" if stop else "take-profit"
    trigger = order.trigger
    if trigger.price_type != "static":
        if (trigger.price < 0) != below:
            sign = "negative" if below else "positive"
            yield InputInvalid(
                field="trigger.price",
                given=f"{_text(trigger.price)} puts a {order.side} {kind} on the side of the "
                "market where it fires at once",
                accepted=f"a {sign} offset",
            )
        return
    ref = order.ref_price
    if ref is None:
        return
    if (below and not trigger.price < ref) or (not below and not trigger.price > ref):
        where = "below" if below else "above"
        yield InputInvalid(
            field="trigger.price",
            given=f"{_text(trigger.price)} is not {where} the market {_text(ref)}: a {order.side} "
            f"{kind} there fires at once",
            accepted=f"a trigger {where} {_text(ref)}",
        )


def _primary_sanity(order: SpotOrder, context: Context) -> tuple[InputInvalid, ...]:
    if not isinstance(order, _TRIGGERED_PRIMARIES):
        return ()  # limit, market, iceberg and trailing orders have no fixed trigger to judge
    return tuple(_trigger_sanity(order, context))


_TRIGGERED_PRIMARIES: Final = (
    StopLossOrder,
    StopLossLimitOrder,
    TakeProfitOrder,
    TakeProfitLimitOrder,
)


def _trigger_sanity(
    order: StopLossOrder | StopLossLimitOrder | TakeProfitOrder | TakeProfitLimitOrder,
    context: Context,
) -> Iterator[InputInvalid]:
    yield from _fires_at_once(order)
    if isinstance(order, StopLossLimitOrder) and isinstance(order.trigger, Trigger):
        level = trigger_level(order.trigger, order.ref_price)
        limit = effective_limit(order, context.knobs)
        if level is None and limit is not None:
            yield InputInvalid(
                field="ref_price",
                given="missing",
                accepted="the current market price, to place the relative trigger against the limit",
            )
        yield from _stop_limit_side(order.side, level, order.limit_price, "limit_price")


def _close_amounts(order: SpotOrder) -> Iterator[InputInvalid]:
    close = order.close
    if close is None:
        return
    if not isinstance(close, _CLOSE_TYPES):
        yield InputInvalid(
            field="close",
            given=show(close),
            accepted="one of the close intents of momentum.models.intent",
        )
        return
    match close:
        case LimitClose():
            yield from amount_problems(close.limit_price, "close.limit_price")
        case StopLossClose() | TakeProfitClose():
            yield from _close_trigger(close)
        case StopLossLimitClose() | TakeProfitLimitClose():
            yield from _close_trigger(close)
            if close.limit_price is not None:
                yield from amount_problems(close.limit_price, "close.limit_price")
        case TrailingStopClose():
            yield from _trailing_close(close)
        case TrailingStopLimitClose():
            yield from _trailing_close(close)
            side = close_side(order.side)
            yield from _trailing_limit(side, close.limit_price, close.limit_price_type, "close.")
        case _:
            assert_never(close)


def _trailing_close(close: TrailingStopClose | TrailingStopLimitClose) -> Iterator[InputInvalid]:
    trigger = Trigger(price=close.trigger_price, price_type=close.trigger_price_type)
    yield from _close_fields(_trailing(trigger, "close.trigger"))


def _close_trigger(close: TriggeredClose) -> Iterator[InputInvalid]:
    if close.trigger_price_type == "static":  # the common case, without building a Trigger
        yield from amount_problems(close.trigger_price, "close.trigger_price")
        return
    trigger = Trigger(price=close.trigger_price, price_type=close.trigger_price_type)
    yield from _close_fields(_trigger(trigger, "close.trigger"))


def _close_fields(problems: Iterator[InputInvalid]) -> Iterator[InputInvalid]:
    """A close's trigger is flat: close.trigger.price(_type) is close.trigger_price(_type)."""
    for problem in problems:
        name = problem.field.replace("close.trigger.price", "close.trigger_price")
        yield msgspec.structs.replace(problem, field=name)


def _close(order: SpotOrder, context: Context) -> Iterator[InputInvalid]:
    """The close's prices against each other and against the entry (amounts already checked)."""
    close = order.close
    if close is None:
        return
    entry = entry_price(order, context.knobs)
    if isinstance(close, StopLossLimitClose):
        side = close_side(order.side)
        level = close_trigger_level(close, entry)
        yield from _stop_limit_side(side, level, close.limit_price, "close.limit_price")
    if (
        isinstance(close, StopLossLimitClose | TakeProfitLimitClose)
        and close.limit_price is None
        and close.trigger_price_type != "static"
        and not context.knobs.abs_limit_required
    ):
        yield InputInvalid(
            field="close.limit_price",
            given="missing",
            accepted="an absolute limit price (a relative trigger cannot stand in for it)",
        )
    if entry is None:
        yield InputInvalid(
            field="ref_price",
            given="missing",
            accepted="the current market price, to check the close against the entry",
        )
        return
    yield from _close_direction(order.side, close, entry)


def _placed(close: TriggeredClose, entry: Decimal) -> Decimal:
    level = close_trigger_level(close, entry)
    return entry if level is None else level


def _close_direction(side: Side, close: Close, entry: Decimal) -> Iterator[InputInvalid]:
    """A buy's stop closes below the entry and its take-profit (or limit close) above; mirrored for
    a sell. Otherwise the close fires at once, or locks in a loss it was meant to prevent. A
    relative trigger is placed from the entry first, so its sign is what is judged."""
    match close:
        case StopLossClose() | StopLossLimitClose():
            price, field, kind, protective = (
                _placed(close, entry),
                "close.trigger_price",
                "stop",
                True,
            )
        case TakeProfitClose() | TakeProfitLimitClose():
            price, field, kind, protective = (
                _placed(close, entry),
                "close.trigger_price",
                "take-profit",
                False,
            )
        case LimitClose():
            price, field, kind, protective = (
                close.limit_price,
                "close.limit_price",
                "limit close",
                False,
            )
        case TrailingStopClose() | TrailingStopLimitClose():
            return  # it trails from the peak after the fill: no fixed side of the entry
        case _:
            assert_never(close)
    below = (side == "buy") == protective
    if below and not price < entry:
        yield InputInvalid(
            field=field,
            given=f"{_text(price)} is not below the {side} entry {_text(entry)}",
            accepted=f"a {kind} price below {_text(entry)}",
        )
    elif not below and not price > entry:
        yield InputInvalid(
            field=field,
            given=f"{_text(price)} is not above the {side} entry {_text(entry)}",
            accepted=f"a {kind} price above {_text(entry)}",
        )


def check_input(
    order: OrderIntent, context: Context
) -> Result[SpotOrder, tuple[InputInvalid, ...]]:
    """Every input problem of the request at once; `Success(order)` when there is none."""
    problems = _input_problems(order, context)
    if problems or not isinstance(order, _SPOT_TYPES):
        return Failure(problems)
    return Success(order)


def _input_problems(order: OrderIntent, context: Context) -> tuple[InputInvalid, ...]:
    if not isinstance(order, _ORDER_TYPES):
        return (
            InputInvalid(
                field="order",
                given=show(order),
                accepted="one of the order intents of momentum.models.intent",
            ),
        )
    if not isinstance(context.now, datetime) or context.now.utcoffset() is None:
        return (
            InputInvalid(
                field="now", given="a naive datetime", accepted="a timezone-aware clock reading"
            ),
        )
    if isinstance(order, SettlePositionOrder):
        # settle-position settles an open leveraged position -- docs.kraken.com/api/docs/websocket-v2/add_order
        return (
            InputInvalid(
                field="order_type",
                given="'settle-position', which settles a margin position",
                accepted="a spot order type; momentum is spot only",
            ),
        )
    problems = (
        *_identity(order, context),
        *_time_in_force(order, context),
        *_prices(order, context),
        *_close_amounts(order),
    )
    if not problems:  # the direction checks compare prices, so they need valid ones
        problems = (*_primary_sanity(order, context), *_close(order, context))
        if context.instruments is not None:
            pair = context.instruments[order.symbol]
            price = entry_price(order, context.knobs)
            problems = (*problems, *pair_problems(order, pair, price))
    return problems


def order_warnings(order: OrderIntent) -> tuple[str, ...]:
    """Things worth saying that are not refusals.

    >>> from momentum.models.intent import LimitClose
    >>> order_warnings(LimitOrder(symbol="BTC/USD", side="buy", qty=Decimal(1), limit_price=Decimal(1),
    ...                           cl_ord_id="abc", close=LimitClose(limit_price=Decimal(2))))[0][:40]
    'cl_ord_id with a conditional close: Krak'
    """
    found: list[str] = []
    if isinstance(order, MarketOrder) and order.cash_qty is not None:
        found.append(
            "cash_qty: Kraken's docs mark order_qty as required beside cash_order_qty and do "
            "not say which the engine fills by; both are sent and both are held to "
            "ENTRY_MAX_NOTIONAL: preview with validate first"
        )
    if isinstance(order, _SPOT_TYPES) and order.cl_ord_id is not None and order.close is not None:
        # Kraken's SDK says the exchange rejects the pair; the docs are silent, so warn only.
        found.append(
            "cl_ord_id with a conditional close: Kraken's official SDK reports that the exchange "
            "rejects this pair, though the docs are silent; try it with validate first, or drop "
            "cl_ord_id (order_userref tags the order instead)"
        )
    return tuple(found)


# --- amend_order and cancel_order --------------------------------------------------------------

_ORDER_ID: Final = re.compile(r"[A-Za-z0-9-]{1,64}")


def _live_only(kind: str, context: Context) -> Iterator[GuardRefused]:
    if not context.knobs.allow_live:
        yield GuardRefused(
            guard="ALLOW_LIVE",
            figures=f"{kind} has no validate mode: it always acts on a live order, and ALLOW_LIVE=0",
            remedy="set ALLOW_LIVE=1 to build it",
        )


def _ids(values: object, field: str, pattern: re.Pattern[str]) -> Iterator[InputInvalid]:
    if not isinstance(values, tuple | list):
        yield InputInvalid(field=field, given=show(values), accepted="a list of ids")
        return
    for index, value in enumerate(values):
        if not isinstance(value, str) or pattern.fullmatch(value) is None:
            yield InputInvalid(field=f"{field}[{index}]", given=show(value),
                               accepted="an id in Kraken's format")  # fmt: skip


def _offset_or_price(
    value: Decimal | None, price_type: object, field: str
) -> Iterator[InputInvalid]:
    if value is None:
        return
    if price_type not in _PRICE_TYPES:
        yield InputInvalid(field=f"{field}_type", given=show(price_type),
                           accepted=" or ".join(_PRICE_TYPES))  # fmt: skip
    elif price_type == "static":
        yield from amount_problems(value, field)
    elif (
        not isinstance(value, Decimal)
        or not _bounded(value)
        or (price_type == "pct" and not -100 < value < 100)
    ):
        yield InputInvalid(field=field, given=show(value),
                           accepted="a finite offset (pct strictly between -100 and 100)")  # fmt: skip


def check_amend(amend: Amend, context: Context) -> Result[Amend, tuple[Problem, ...]]:
    """`amend_order`: exactly one id, a positive quantity, prices with their types, the displayed
    part at least 1/15 of what remains; and `ALLOW_LIVE`, since an amend has no validate mode."""
    found: list[Problem] = []
    if (amend.order_id is None) == (amend.cl_ord_id is None):
        found.append(InputInvalid(field="order_id", given="both or neither of order_id and cl_ord_id",
                                  accepted="exactly one of them"))  # fmt: skip
    if amend.order_id is not None:
        found.extend(_ids((amend.order_id,), "order_id", _ORDER_ID))
    found.extend(cl_ord_id_problems(amend.cl_ord_id, "cl_ord_id"))
    found.extend(amount_problems(amend.qty, "qty"))
    found.extend(_offset_or_price(amend.limit_price, amend.limit_price_type, "limit_price"))
    found.extend(_offset_or_price(amend.trigger_price, amend.trigger_price_type, "trigger_price"))
    if amend.post_only and amend.limit_price is None:
        found.append(InputInvalid(field="post_only", given="set without a new limit_price",
                                  accepted="post_only with a limit_price change"))  # fmt: skip
    if amend.display_qty is not None:
        shown = tuple(amount_problems(amend.display_qty, "display_qty"))
        found.extend(shown)
        remaining = amend.remaining_qty if amend.remaining_qty is not None else amend.qty
        # display_qty: at least 1/15 of the remaining quantity -- docs.kraken.com/api/docs/websocket-v2/amend_order
        if (
            not shown
            and isinstance(remaining, Decimal)
            and _bounded(remaining)
            and (_EXACT.multiply(amend.display_qty, 15) < remaining)
        ):
            found.append(InputInvalid(
                field="display_qty", given=f"{_text(amend.display_qty)} of {_text(remaining)} remaining",
                accepted=f"at least 1/15 of the remaining quantity ({_text(_EXACT.divide(remaining, 15))})",
            ))  # fmt: skip
    if context.req_id is not None and not _int32(context.req_id):
        found.append(InputInvalid(field="req_id", given=show(context.req_id),
                                  accepted="a whole number from -2147483648 to 2147483647"))  # fmt: skip
    found.extend(_live_only("amend_order", context))
    return Failure(tuple(found)) if found else Success(amend)


def check_cancel(cancel: Cancel, context: Context) -> Result[Cancel, tuple[Problem, ...]]:
    """`cancel_order`: at least one id, each in its format; and `ALLOW_LIVE` (no validate mode)."""
    found: list[Problem] = []
    if not (cancel.order_ids or cancel.cl_ord_ids or cancel.order_userrefs):
        found.append(InputInvalid(field="order_ids", given="no id at all",
                                  accepted="at least one order_id, cl_ord_id or order_userref"))  # fmt: skip
    found.extend(_ids(cancel.order_ids, "order_ids", _ORDER_ID))
    for index, cl_ord_id in enumerate(cancel.cl_ord_ids):
        found.extend(cl_ord_id_problems(cl_ord_id, f"cl_ord_ids[{index}]"))
    for index, userref in enumerate(cancel.order_userrefs):
        if not _int32(userref):
            found.append(InputInvalid(field=f"order_userrefs[{index}]", given=show(userref),
                                      accepted="a signed 32-bit integer"))  # fmt: skip
    if context.req_id is not None and not _int32(context.req_id):
        found.append(InputInvalid(field="req_id", given=show(context.req_id),
                                  accepted="a whole number from -2147483648 to 2147483647"))  # fmt: skip
    found.extend(_live_only("cancel_order", context))
    return Failure(tuple(found)) if found else Success(cancel)


# --- guards named after their knob ------------------------------------------------------------


def _entry_max_notional(order: SpotOrder, context: Context) -> GuardRefused | None:
    """ENTRY_MAX_NOTIONAL: every buy leg's qty x price must not exceed the cap (quote currency).

    A buy whose price cannot be known (a market buy without `ref_price`) cannot be bounded, so it
    is refused: the guard fails closed.
    """
    cap = context.knobs.entry_max_notional
    currency = _quote(order.symbol)
    if order.side == "buy":
        price = entry_price(order, context.knobs)
        leg = "entry"
    elif order.close is not None:
        price = _close_price(order.close, context.knobs, entry_price(order, context.knobs))
        leg = "buy close"
    else:
        return None
    if price is None:
        return GuardRefused(
            guard="ENTRY_MAX_NOTIONAL",
            figures=f"the {leg}'s price is unknown, so its notional cannot be bounded by cap "
            f"{_text(cap)} {currency}",
            remedy="give a reference price (--ref_price) or a limit price",
        )
    product = _EXACT.multiply(order.qty, price)
    cash = order.cash_qty if isinstance(order, MarketOrder) and order.side == "buy" else None
    notional = product if cash is None else max(product, cash)  # both held: see MarketOrder
    if notional <= cap:
        return None
    figures = f"{_text(order.qty)} x {_text(price)} = {_text(product)} {currency}"
    if cash is not None:
        figures = f"cash_qty {_text(cash)} {currency} and {figures}"
    return GuardRefused(
        guard="ENTRY_MAX_NOTIONAL",
        figures=f"{figures}: {_text(notional)} {currency} > cap {_text(cap)} {currency}"
        if figures.startswith("cash_qty")
        else f"{figures} > cap {_text(cap)} {currency}",
        remedy=f"raise ENTRY_MAX_NOTIONAL to at least {_text(notional)}, or lower the quantity "
        "or the price",
    )


def _one_position_only(order: SpotOrder, context: Context) -> GuardRefused | None:
    """ONE_POSITION_ONLY: with it on, a buy entry is refused while a position is open."""
    open_positions = context.exposure.open_positions
    if not context.knobs.one_position_only or order.side != "buy" or open_positions == 0:
        return None
    return GuardRefused(
        guard="ONE_POSITION_ONLY",
        figures=f"{open_positions} position(s) open and ONE_POSITION_ONLY=1",
        remedy="close the open position first, or set ONE_POSITION_ONLY=0",
    )


def _abs_limit_required(order: SpotOrder, context: Context) -> GuardRefused | None:
    """ABS_LIMIT_REQUIRED: with it on, every `*-limit` primary and close carries its own limit.

    With it off, a missing limit falls back to the trigger price (limit = trigger).
    """
    if not context.knobs.abs_limit_required:
        return None
    missing = []
    if isinstance(order, StopLossLimitOrder | TakeProfitLimitOrder) and order.limit_price is None:
        missing.append(f"the {_type_name(order)} order")
    close = order.close
    if isinstance(close, StopLossLimitClose | TakeProfitLimitClose) and close.limit_price is None:
        missing.append(f"its {_type_name(close)} close")
    if not missing:
        return None
    return GuardRefused(
        guard="ABS_LIMIT_REQUIRED",
        figures=f"no absolute limit price on {' and '.join(missing)}",
        remedy="give the limit price (--sl_limit/--tp_limit), or set ABS_LIMIT_REQUIRED=0 to use "
        "the trigger price as the limit",
    )


def _allow_live(order: SpotOrder, context: Context) -> GuardRefused | None:
    """ALLOW_LIVE: a live order (`validate=false`) needs ALLOW_LIVE=1 and an explicit request."""
    if not context.live or context.knobs.allow_live:
        return None
    return GuardRefused(
        guard="ALLOW_LIVE",
        figures="a live order (validate=false) was asked for and ALLOW_LIVE=0",
        remedy="set ALLOW_LIVE=1 to allow live orders, or keep validate on (--validate 1)",
    )


def entry_max_notional(order: SpotOrder, context: Context) -> Result[SpotOrder, GuardRefused]:
    """ENTRY_MAX_NOTIONAL: every buy leg's qty x price must not exceed the cap (quote currency).

    A buy whose price cannot be known (a market buy without `ref_price`) cannot be bounded, so it
    is refused: the guard fails closed.
    """
    return _guarded(order, _entry_max_notional(order, context))


def one_position_only(order: SpotOrder, context: Context) -> Result[SpotOrder, GuardRefused]:
    """ONE_POSITION_ONLY: with it on, a buy entry is refused while a position is open."""
    return _guarded(order, _one_position_only(order, context))


def abs_limit_required(order: SpotOrder, context: Context) -> Result[SpotOrder, GuardRefused]:
    """ABS_LIMIT_REQUIRED: with it on, every `*-limit` primary and close carries its own limit.

    With it off, a missing limit falls back to the trigger price (limit = trigger).
    """
    return _guarded(order, _abs_limit_required(order, context))


def allow_live(order: SpotOrder, context: Context) -> Result[SpotOrder, GuardRefused]:
    """ALLOW_LIVE: a live order (`validate=false`) needs ALLOW_LIVE=1 and an explicit request."""
    return _guarded(order, _allow_live(order, context))


def _guarded(order: SpotOrder, refusal: GuardRefused | None) -> Result[SpotOrder, GuardRefused]:
    return Success(order) if refusal is None else Failure(refusal)


# Inside check_order the guards answer `GuardRefused | None`: a `returns` container costs about
# 1 us to build here, and the order path builds one Result in all (bench/README.md).
_GUARDS: Final = (_entry_max_notional, _one_position_only, _abs_limit_required, _allow_live)
# The guards that read no price, so they also run on input that failed its checks.
_PRICE_FREE_GUARDS: Final = (_one_position_only, _abs_limit_required, _allow_live)


def check_order(order: OrderIntent, context: Context) -> Result[SpotOrder, tuple[Problem, ...]]:
    """Run the input checks and every guard; all problems of the request together, or the order.

    `ENTRY_MAX_NOTIONAL` multiplies prices, so it runs only once the input passed its checks.
    """
    checked = screen_order(order, context)
    return Failure(checked) if isinstance(checked, tuple) else Success(checked)


def screen_order(order: OrderIntent, context: Context) -> SpotOrder | tuple[Problem, ...]:
    """`check_order` without the container: the order itself when it passes, else every problem
    (never an empty tuple). For builders on the order path, which wrap their own single `Result`."""
    problems = _input_problems(order, context)
    if not isinstance(order, _SPOT_TYPES) or not isinstance(context.now, datetime):
        return problems  # nothing to guard: not a spot order at all
    guards = _PRICE_FREE_GUARDS if problems else _GUARDS
    refused = tuple(refusal for guard in guards if (refusal := guard(order, context)) is not None)
    return (*problems, *refused) if problems or refused else order

"""Input checks on an order intent: is the request itself well formed? Pure functions; every
problem is an `InputInvalid` naming the field, what was given and what would be accepted (exit 2).

They run in two stages, so that every problem of a request comes back at once without comparing
prices that are not numbers: first the fields and the amounts each on their own (no price is
compared), then, once every amount is a sound number and the side is known, the prices against
each other (directions, stop-limit sides) and the pair's rules (tick, lot, minimums, status).

`check_input` is the public form; the guards (`momentum.utils.safety`) run beside these.

>>> from datetime import UTC, datetime
>>> from momentum.models.context import Context, Knobs
>>> from momentum.models.intent import LimitOrder
>>> order = LimitOrder(symbol="BTC/USD", side="buy", qty=Decimal("0"), limit_price=Decimal("28440.05"))
>>> context = Context(knobs=Knobs(), now=datetime(2026, 11, 28, 9, tzinfo=UTC))
>>> [p.field for p in check_input(order, context).failure()]
['qty']
"""

import re
from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Final, assert_never, get_args

import msgspec
from returns.result import Failure, Result, Success

from momentum.errors import InputInvalid, show
from momentum.models.context import Context, pair_table
from momentum.models.instrument import InstrumentTable
from momentum.models.intent import EXACT as _EXACT
from momentum.models.intent import (
    Close,
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
from momentum.utils.env import ASSET_CODE
from momentum.utils.pair_rules import pair_problems, symbol_in_table_problems
from momentum.utils.prices import (
    TriggeredClose,
    close_side,
    close_trigger_level,
    effective_limit,
    entry_price,
    trigger_level,
)

__all__ = [
    "INT32",
    "MAX_DECIMALS",
    "MAX_EXPIRY",
    "SYMBOL",
    "amount_problems",
    "bounded",
    "check_input",
    "cl_ord_id_problems",
    "context_problems",
    "int32",
    "moment_problems",
    "order_problems",
    "order_warnings",
    "quote",
    "rate_problems",
    "screen_input",
    "symbol_problems",
    "text",
    "type_name",
]

MAX_DECIMALS: Final = 18
_MAX_ADJUSTED: Final = 15  # below 10^16
# expire_time: at most one month ahead -- docs.kraken.com/api/docs/websocket-v2/add_order;
# 28 days is never beyond one month, whatever the month.
MAX_EXPIRY: Final = timedelta(days=28)
INT32: Final = range(-(2**31), 2**31)
# cl_ord_id: long UUID, short UUID (32 hex) or free text -- docs.kraken.com/api/docs/guides/spot-clordid;
# free text is held to Kraken's SDK's stricter [A-Za-z0-9_-]{1,18}.
_CL_ORD_ID: Final = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
    r"|[0-9a-fA-F]{32}|[A-Za-z0-9_-]{1,18}"
)
SYMBOL: Final = re.compile(r"([A-Z0-9]{1,12})/([A-Z0-9]{1,12})")
_ORDER_TYPES: Final = get_args(OrderIntent)
_SPOT_TYPES: Final = get_args(SpotOrder)
_CLOSE_TYPES: Final = get_args(Close)
_SIDES: Final[tuple[Side, ...]] = get_args(Side)
_TIFS: Final[tuple[TimeInForce, ...]] = get_args(TimeInForce)
_STPS: Final[tuple[StpType, ...]] = get_args(StpType)
_PRICE_TYPES: Final[tuple[PriceType, ...]] = get_args(PriceType)
_REFERENCES: Final[tuple[Reference, ...]] = get_args(Reference)


def text(value: Decimal) -> str:
    """A figure for a message: plain notation, no trailing zeros (`28440`, `0.00005`)."""
    return format(value.normalize(), "f") if value else "0"


def quote(symbol: str) -> str:
    """The quote currency of a WS v2 symbol (`USD` of `BTC/USD`)."""
    return symbol.partition("/")[2] or "quote currency"


# --- input checks ---------------------------------------------------------------------------------

_ZERO: Final = Decimal(0)
_AMOUNT: Final = f"a positive finite decimal with at most {MAX_DECIMALS} decimals, below 10^16"


def amount_problems(value: object, field: str) -> tuple[InputInvalid, ...]:
    """A price or quantity must be a positive, finite, bounded `Decimal`."""
    if isinstance(value, Decimal) and bounded(value) and value > _ZERO:
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


def bounded(value: Decimal) -> bool:
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
                or not bounded(trigger.price)
                or not (-100 < trigger.price < 100 and trigger.price != 0)
            ):
                yield InputInvalid(field=price_field, given=show(trigger.price), accepted=accepted)
        case "quote":
            accepted = "a non-zero offset in quote currency, such as -150"
            if (
                not isinstance(trigger.price, Decimal)
                or not bounded(trigger.price)
                or (trigger.price == 0)
            ):
                yield InputInvalid(field=price_field, given=show(trigger.price), accepted=accepted)
        case _:
            assert_never(trigger.price_type)


def symbol_problems(symbol: object, field: str) -> tuple[InputInvalid, ...]:
    """A WS v2 symbol is BASE/QUOTE in capitals (`BTC/USD`, never `btc/usd`)."""
    if isinstance(symbol, str) and SYMBOL.fullmatch(symbol) is not None:
        return ()
    hint = ""
    if isinstance(symbol, str) and SYMBOL.fullmatch(symbol.upper()):
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


def _identity(
    order: SpotOrder, context: Context, table: InstrumentTable | None
) -> Iterator[InputInvalid]:
    """The fields that are not amounts: nothing here compares a price."""
    if table is None:
        yield from symbol_problems(order.symbol, "symbol")
    else:
        yield from symbol_in_table_problems(order.symbol, "symbol", table)
    yield from cl_ord_id_problems(order.cl_ord_id, "cl_ord_id")
    if order.side not in _SIDES:
        yield InputInvalid(field="side", given=show(order.side), accepted="buy or sell")
    if order.order_userref is not None and not int32(order.order_userref):
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
    yield from cl_ord_id_problems(order.sender_sub_id, "sender_sub_id")
    if order.fee_preference is not None and order.fee_preference not in ("base", "quote"):
        yield InputInvalid(
            field="fee_preference", given=show(order.fee_preference), accepted="base or quote"
        )
    # effective_time: scheduled start, RFC3339 to the second -- docs.kraken.com/api/docs/websocket-v2/add_order
    yield from moment_problems(order.effective_time, "effective_time", context.now, None)
    if order.stp_type is not None and order.stp_type not in _STPS:
        yield InputInvalid(
            field="stp_type", given=show(order.stp_type), accepted=" or ".join(_STPS)
        )
    yield from context_problems(context)


def context_problems(context: Context) -> tuple[InputInvalid, ...]:
    """What the caller passes beside a request: its `req_id`, the open positions, the rates, and
    a table choice that agrees with `INSTRUMENTS_FILE`."""
    found: list[InputInvalid] = []
    if context.req_id is not None and not int32(context.req_id):
        found.append(
            InputInvalid(
                field="req_id",
                given=show(context.req_id),
                accepted="a whole number from -2147483648 to 2147483647",
            )
        )
    if not isinstance(context.exposure.open_positions, int) or context.exposure.open_positions < 0:
        found.append(
            InputInvalid(
                field="open_positions",
                given=show(context.exposure.open_positions),
                accepted="a whole number of open positions, 0 or more",
            )
        )
    rates = context.quote_rates
    if type(rates) is not dict or rates:  # a plain empty dict, the default, has nothing to check
        found.extend(rate_problems(rates))
    if _shipped_against_file(context):
        found.append(
            InputInvalid(
                field="instruments",
                given=f"the shipped table, while INSTRUMENTS_FILE names "
                f"{show(context.knobs.instruments_file)}",
                accepted="the table read from that file (load it once and pass it as "
                "instruments), or instruments='unchecked' to check only the symbol's shape",
            )
        )
    return tuple(found)


def rate_problems(rates: object) -> Iterator[InputInvalid]:
    """Quote-currency rates: asset codes to positive, finite, bounded amounts of `NOTIONAL_CCY`."""
    if not isinstance(rates, Mapping):
        yield InputInvalid(field="quote_rates", given=show(rates),
                           accepted="a mapping of currency to rate, such as {'BTC': 90000}")  # fmt: skip
        return
    for currency, rate in rates.items():
        if not isinstance(currency, str) or ASSET_CODE.fullmatch(currency) is None:
            yield InputInvalid(field="quote_rates", given=show(currency),
                               accepted="currency codes in capitals, such as BTC")  # fmt: skip
        else:
            yield from amount_problems(rate, f"quote_rates[{currency}]")


def _shipped_against_file(context: Context) -> bool:
    """The shipped table chosen while `INSTRUMENTS_FILE` names another. A name is compared only
    with a name: a table's == against a str is an abc check (`Mapping.__eq__`)."""
    choice = context.instruments
    return (
        context.knobs.instruments_file is not None
        and isinstance(choice, str)
        and choice == "shipped"
    )


def _table(context: Context) -> InstrumentTable | None:
    if _shipped_against_file(context):
        return None  # refused by context_problems: no table is the right one to check against
    return pair_table(context)


def _amounts(order: SpotOrder, context: Context) -> Iterator[InputInvalid]:
    """Every amount of the order on its own: what the later, price-comparing stage relies on."""
    yield from amount_problems(order.qty, "qty")
    if order.ref_price is not None:
        yield from amount_problems(order.ref_price, "ref_price")
    yield from _prices(order, context)
    yield from _close_amounts(order)


def int32(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value in INT32


def _time_in_force(order: SpotOrder, context: Context) -> Iterator[InputInvalid]:
    tif = order.time_in_force or context.knobs.default_tif
    if tif not in _TIFS:
        yield InputInvalid(field="time_in_force", given=show(tif), accepted=" or ".join(_TIFS))
        return
    # fok: "available for limit orders only" -- docs.kraken.com/api/docs/websocket-v2/add_order
    if tif == "fok" and not isinstance(order, LimitOrder):
        yield InputInvalid(
            field="time_in_force",
            given=f"'fok' on a {type_name(order)} order",
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
        yield from moment_problems(expire, "expire_time", context.now, MAX_EXPIRY)


def moment_problems(
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


def type_name(order: SpotOrder | Close) -> str:
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
    if problems or not isinstance(order.qty, Decimal) or not bounded(order.qty):
        return
    if _EXACT.multiply(shown, 15) < order.qty or shown > order.qty:
        least = _EXACT.divide(order.qty, 15)
        yield InputInvalid(
            field="display_qty",
            given=f"{text(shown)} for an order of {text(order.qty)}",
            accepted=f"at least 1/15 of the order ({text(least)}) and at most the order",
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
        or not bounded(price)
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
        or not bounded(offset)
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
            given=f"{text(offset)} above a sell's trigger",
            accepted="an offset of 0 or below for a sell",
        )
    elif side == "buy" and offset < 0:
        yield InputInvalid(
            field=f"{prefix}limit_price",
            given=f"{text(offset)} below a buy's trigger",
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
            given=f"{text(limit)} is above the sell stop's trigger {text(trigger)}",
            accepted=f"a limit at or below {text(trigger)}",
        )
    elif side == "buy" and limit < trigger:
        yield InputInvalid(
            field=field,
            given=f"{text(limit)} is below the buy stop's trigger {text(trigger)}",
            accepted=f"a limit at or above {text(trigger)}",
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
                given=f"{text(trigger.price)} puts a {order.side} {kind} on the side of the "
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
            given=f"{text(trigger.price)} is not {where} the market {text(ref)}: a {order.side} "
            f"{kind} there fires at once",
            accepted=f"a trigger {where} {text(ref)}",
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
            given=f"{text(price)} is not below the {side} entry {text(entry)}",
            accepted=f"a {kind} price below {text(entry)}",
        )
    elif not below and not price > entry:
        yield InputInvalid(
            field=field,
            given=f"{text(price)} is not above the {side} entry {text(entry)}",
            accepted=f"a {kind} price above {text(entry)}",
        )


def check_input(
    order: OrderIntent, context: Context
) -> Result[SpotOrder, tuple[InputInvalid, ...]]:
    """Every input problem of the request at once; `Success(order)` when there is none."""
    problems = order_problems(order, context)
    if problems or not isinstance(order, _SPOT_TYPES):
        return Failure(problems)
    return Success(order)


def order_problems(order: OrderIntent, context: Context) -> tuple[InputInvalid, ...]:
    """Every input problem of an order: the fields and amounts each on their own, then (once the
    amounts are sound numbers and the side is known) prices against each other and the pair's
    rules."""
    return screen_input(order, context)[0]


def screen_input(order: OrderIntent, context: Context) -> tuple[tuple[InputInvalid, ...], bool]:
    """`order_problems`, and whether the order reached the second stage: its amounts are sound
    numbers and its side known, so the guards may compute with its prices."""
    if not isinstance(order, _ORDER_TYPES):
        given = show(order)
        accepted = "one of the order intents of momentum.models.intent"
        return (InputInvalid(field="order", given=given, accepted=accepted),), False
    if not isinstance(context.now, datetime) or context.now.utcoffset() is None:
        accepted = "a timezone-aware clock reading"
        return (InputInvalid(field="now", given="a naive datetime", accepted=accepted),), False
    if isinstance(order, SettlePositionOrder):
        # settle-position settles an open leveraged position -- docs.kraken.com/api/docs/websocket-v2/add_order
        given = "'settle-position', which settles a margin position"
        accepted = "a spot order type; momentum is spot only"
        return (InputInvalid(field="order_type", given=given, accepted=accepted),), False
    table = _table(context)
    amounts = (*_amounts(order, context),)
    fields = (*_identity(order, context, table), *_time_in_force(order, context))
    if amounts or order.side not in _SIDES:
        return (*fields, *amounts), False
    later = (*_primary_sanity(order, context), *_close(order, context))
    pair = None if table is None else table.get(order.symbol)
    if pair is not None:
        later = (*later, *pair_problems(order, pair, entry_price(order, context.knobs)))
    return (*fields, *later), True


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

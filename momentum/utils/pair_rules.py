"""Checks of an order against its pair's instrument rules, and rounding onto the pair's grids.

docs.kraken.com/api/docs/websocket-v2/instrument (the rules) and
docs.kraken.com/api/docs/guides/spot-errors (what the exchange answers when one is broken:
`EOrder:Tick size check failed`, `EOrder:Order minimum not met`, `EOrder:Cost minimum not met`,
`EGeneral:Invalid arguments:Index unavailable`, `EService:Market in cancel_only mode`).

Every check is decided before sending, from the pair's data, and each problem names the nearest
valid values. Rounding happens only when asked (`snap_order`), always in the direction that
never makes the order riskier: quantities down; every price of a buy leg down and of a sell leg
up (a buy never pays more, a sell never receives less, a sell stop fires no later and a buy stop
no later); a result under the pair's minimum is refused, never sent.

>>> from momentum.models.instrument import shipped_table
>>> btc = shipped_table()["BTC/USD"]
>>> snap_price(Decimal("28440.05"), btc, "up")
<Success: 28440.1>
>>> closest_symbols("XBT/USD", {"BTC/USD": btc})
['BTC/USD']
"""

from collections.abc import Iterator
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_EVEN, Decimal
from typing import Final, Literal, assert_never

import msgspec
from returns.result import Failure, Result, Success

from momentum.errors import BelowMinimum, CostBelowMinimum, InputInvalid, OffGrid, TooPrecise, show
from momentum.models.instrument import Instrument, InstrumentTable
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
from momentum.utils.prices import close_side

__all__ = [
    "Direction",
    "Snapped",
    "amend_pair_problems",
    "closest_symbols",
    "pair_problems",
    "snap",
    "snap_order",
    "snap_price",
    "snap_qty",
    "symbol_in_table_problems",
]

Direction = Literal["down", "up", "half_even"]
_ROUNDING: Final = {"down": ROUND_FLOOR, "up": ROUND_CEILING, "half_even": ROUND_HALF_EVEN}
_V1_NAMES: Final = {"XBT": "BTC", "XDG": "DOGE"}


# --- symbols ----------------------------------------------------------------------------------------


def closest_symbols(symbol: str, table: InstrumentTable, n: int = 3) -> list[str]:
    """Known symbols nearest to `symbol`: case, `XBT`/`XDG`, a missing or other separator first.

    >>> closest_symbols("btc-usd", {"BTC/USD": None, "ETH/USD": None})  # type: ignore[dict-item]
    ['BTC/USD']
    """
    text = symbol.strip().upper()
    for separator in ("-", "_", " ", ":"):
        text = text.replace(separator, "/")
    base, _, quote = text.partition("/")
    normal = f"{_V1_NAMES.get(base, base)}/{_V1_NAMES.get(quote, quote)}" if quote else text
    if normal in table:
        return [normal]
    squashed = {known.replace("/", ""): known for known in table}
    if normal.replace("/", "") in squashed:
        return [squashed[normal.replace("/", "")]]
    import difflib  # noqa: PLC0415 -- only for a symbol the table lacks; keep the core import light

    return difflib.get_close_matches(normal, list(table), n=n, cutoff=0.5)


def symbol_in_table_problems(
    symbol: object, field: str, table: InstrumentTable
) -> Iterator[InputInvalid]:
    """A symbol must be a pair the instrument table knows (WS v2 names: `BTC/USD`, not `XBT/USD`)."""
    if isinstance(symbol, str) and symbol in table:
        return
    near = closest_symbols(symbol, table) if isinstance(symbol, str) else []
    hint = f" (did you mean {' or '.join(near)}?)" if near else ""
    yield InputInvalid(
        field=field,
        given=f"{show(symbol)} is not a pair in the instrument table",
        accepted=f"a WS v2 symbol the table knows{hint}; for another pair, give instrument "
        "data that has it",
    )


# --- grids -------------------------------------------------------------------------------------------


def snap(value: Decimal, step: Decimal, direction: Direction) -> Decimal:
    """`value` moved onto the grid of whole multiples of `step`.

    >>> snap(Decimal("1.07"), Decimal("0.05"), "down"), snap(Decimal("1.07"), Decimal("0.05"), "up")
    (Decimal('1.05'), Decimal('1.10'))
    """
    steps = _EXACT.divide(value, step).to_integral_value(rounding=_ROUNDING[direction])
    return _EXACT.multiply(steps, step)


def _on_grid(value: Decimal, step: Decimal) -> bool:
    return _EXACT.remainder(value, step) == 0


def _decimals(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def _text(value: Decimal) -> str:
    return format(value, "f")


def _tidy(value: Decimal) -> Decimal:
    """The same value without trailing zeros (`0.00100000` -> `0.001`, `28440.0` -> `28440`)."""
    normal = value.normalize()
    exponent = normal.as_tuple().exponent
    return normal.quantize(Decimal(1)) if isinstance(exponent, int) and exponent > 0 else normal


def snap_price(
    price: Decimal, instrument: Instrument, direction: Direction
) -> Result[Decimal, tuple[InputInvalid, ...]]:
    """A price on the pair's tick grid; refused where the result would be zero.

    The result carries no trailing zeros: it is what goes on the wire.
    """
    snapped = _tidy(snap(price, instrument.price_increment, direction))
    if snapped > 0:
        return Success(snapped)
    return Failure(
        (
            InputInvalid(
                field="price",
                given=f"{_text(price)} rounds {direction} to {_text(snapped)}",
                accepted=f"a price of at least one tick ({_text(instrument.price_increment)})",
            ),
        )
    )


def snap_qty(
    qty: Decimal, instrument: Instrument, direction: Direction
) -> Result[Decimal, tuple[InputInvalid, ...]]:
    """A quantity on the pair's lot grid; refused where the result is under the pair's minimum."""
    snapped = _tidy(snap(qty, instrument.qty_increment, direction))
    if snapped > 0 and snapped >= instrument.qty_min:
        return Success(snapped)
    return Failure(
        (
            InputInvalid(
                field="qty",
                given=f"{_text(qty)} rounds {direction} to {_text(snapped)}, under the "
                f"{instrument.symbol} minimum {_text(instrument.qty_min)}",
                accepted=f"a quantity of at least {_text(instrument.qty_min)}",
            ),
        )
    )


# --- checks --------------------------------------------------------------------------------------------


def _price_problems(price: Decimal, field: str, pair: Instrument) -> Iterator[InputInvalid]:
    tick = pair.price_increment
    if not _on_grid(price, tick):
        low, high = snap(price, tick, "down"), snap(price, tick, "up")
        nearest = f"{_text(low)} or {_text(high)}" if low > 0 else _text(high)
        yield InputInvalid(
            field=field,
            given=f"{_text(price)} is not a multiple of the {pair.symbol} tick {_text(tick)}",
            accepted=f"a price on the tick, nearest {nearest}",
            detail=OffGrid(value=price, step=tick, below=low if low > 0 else None, above=high),
        )
    elif _decimals(price) > pair.price_precision:
        yield InputInvalid(
            field=field,
            given=f"{_text(price)} has more than {pair.price_precision} decimals",
            accepted=f"at most {pair.price_precision} decimals for {pair.symbol}",
            detail=TooPrecise(value=price, decimals=pair.price_precision),
        )


def _offset_ticks(offset: Decimal, field: str, pair: Instrument) -> Iterator[InputInvalid]:
    """A quote offset is whole ticks: the price it places lands on the grid."""
    tick = pair.price_increment
    if not _on_grid(offset, tick):
        low, high = snap(offset, tick, "down"), snap(offset, tick, "up")
        yield InputInvalid(
            field=field,
            given=f"{_text(offset)} is not a multiple of the {pair.symbol} tick {_text(tick)}",
            accepted="a quote offset in whole ticks",
            detail=OffGrid(value=offset, step=tick, below=low if low else None, above=high),
        )


def _qty_problems(qty: Decimal, pair: Instrument) -> Iterator[InputInvalid]:
    if qty < pair.qty_min:
        yield InputInvalid(
            field="qty",
            given=f"{_text(qty)} is below the {pair.symbol} minimum {_text(pair.qty_min)}",
            accepted=f"a quantity of at least {_text(pair.qty_min)}",
            detail=BelowMinimum(value=qty, minimum=pair.qty_min),
        )
    elif not _on_grid(qty, pair.qty_increment):
        low, high = snap(qty, pair.qty_increment, "down"), snap(qty, pair.qty_increment, "up")
        valid_low = low >= pair.qty_min
        nearest = f"{_text(low)} or {_text(high)}" if valid_low else _text(high)
        yield InputInvalid(
            field="qty",
            given=f"{_text(qty)} is not a multiple of the {pair.symbol} lot step "
            f"{_text(pair.qty_increment)}",
            accepted=f"a quantity on the lot step, nearest {nearest}",
            detail=OffGrid(
                value=qty, step=pair.qty_increment, below=low if valid_low else None, above=high
            ),
        )
    elif _decimals(qty) > pair.qty_precision:
        yield InputInvalid(
            field="qty",
            given=f"{_text(qty)} has more than {pair.qty_precision} decimals",
            accepted=f"at most {pair.qty_precision} decimals for {pair.symbol}",
            detail=TooPrecise(value=qty, decimals=pair.qty_precision),
        )


def _trigger_problems(trigger: Trigger, field: str, pair: Instrument) -> Iterator[InputInvalid]:
    if trigger.reference == "index" and pair.has_index is not True:
        known = "has no index" if pair.has_index is False else "is not known to have an index"
        yield InputInvalid(
            field=f"{field}.reference",
            given=f"'index', and {pair.symbol} {known}",
            accepted="reference 'last' (Kraken answers 'Index unavailable')",
        )
    match trigger.price_type:
        case "static":
            yield from _price_problems(trigger.price, f"{field}.price", pair)
        case "quote":
            # quote offsets are tick-checked: the trigger lands on reference + offset, on the grid
            yield from _offset_ticks(trigger.price, f"{field}.price", pair)
        case "pct":
            pass  # computed by the exchange at trigger time: not tick-checked
        case _:
            assert_never(trigger.price_type)


def _close_prices(close: Close) -> Iterator[tuple[str, Decimal]]:
    match close:
        case LimitClose():
            yield "close.limit_price", close.limit_price
        case StopLossClose() | TakeProfitClose():
            if close.trigger_price_type != "pct":  # a pct offset is priced at trigger time
                yield "close.trigger_price", close.trigger_price
        case StopLossLimitClose() | TakeProfitLimitClose():
            if close.trigger_price_type != "pct":
                yield "close.trigger_price", close.trigger_price
            if close.limit_price is not None:
                yield "close.limit_price", close.limit_price
        case TrailingStopClose():
            if close.trigger_price_type == "quote":  # a quote offset is whole ticks
                yield "close.trigger_price", close.trigger_price
        case TrailingStopLimitClose():
            if close.trigger_price_type == "quote":
                yield "close.trigger_price", close.trigger_price
            if close.limit_price_type == "quote" and close.limit_price:
                yield "close.limit_price", abs(close.limit_price)
        case _:
            assert_never(close)


def _status_problems(order: SpotOrder, pair: Instrument) -> Iterator[InputInvalid]:
    status = pair.status
    if status == "online":
        return
    limit_priced = isinstance(
        order,
        LimitOrder
        | StopLossLimitOrder
        | TakeProfitLimitOrder
        | IcebergOrder
        | TrailingStopLimitOrder,
    )
    close_limit_priced = order.close is None or isinstance(
        order.close, LimitClose | StopLossLimitClose | TakeProfitLimitClose
    )
    if status == "post_only":
        if isinstance(order, LimitOrder) and order.post_only and order.close is None:
            return
        accepted = "a post-only limit order without a close, or wait until the pair is online"
    elif status == "limit_only":
        if limit_priced and close_limit_priced:
            return
        accepted = "a limit-priced order (limit, stop-loss-limit, take-profit-limit, with a "
        accepted += "limit-priced close), or wait until the pair is online"
    else:  # cancel_only, maintenance, delisted, work_in_progress, reduce_only: no new spot order
        accepted = "another pair, or wait until the pair is online"
    yield InputInvalid(
        field="symbol", given=f"{pair.symbol} is in {status} mode", accepted=accepted
    )


def pair_problems(
    order: SpotOrder, pair: Instrument, price: Decimal | None
) -> Iterator[InputInvalid]:
    """Every rule of `pair` the order breaks; `price` is the entry price where it is known."""
    yield from _status_problems(order, pair)
    yield from _qty_problems(order.qty, pair)
    match order:
        case LimitOrder():
            yield from _price_problems(order.limit_price, "limit_price", pair)
        case MarketOrder():
            pass
        case StopLossOrder() | TakeProfitOrder():
            yield from _trigger_problems(order.trigger, "trigger", pair)
        case StopLossLimitOrder() | TakeProfitLimitOrder():
            yield from _trigger_problems(order.trigger, "trigger", pair)
            if order.limit_price is not None:
                yield from _price_problems(order.limit_price, "limit_price", pair)
        case IcebergOrder():
            yield from _price_problems(order.limit_price, "limit_price", pair)
            if not _on_grid(order.display_qty, pair.qty_increment):
                step = pair.qty_increment
                low, high = (
                    snap(order.display_qty, step, "down"),
                    snap(order.display_qty, step, "up"),
                )
                yield InputInvalid(
                    field="display_qty",
                    given=f"{_text(order.display_qty)} is not a multiple of the {pair.symbol} lot "
                    f"step {_text(step)}",
                    accepted="a displayed quantity on the lot step",
                    detail=OffGrid(
                        value=order.display_qty, step=step, below=low or None, above=high
                    ),
                )
        case TrailingStopOrder():
            yield from _trigger_problems(order.trigger, "trigger", pair)
        case TrailingStopLimitOrder():
            yield from _trigger_problems(order.trigger, "trigger", pair)
            if order.limit_price_type == "quote":
                yield from _offset_ticks(order.limit_price, "limit_price", pair)
        case _:
            assert_never(order)
    if order.close is not None:
        for field, value in _close_prices(order.close):
            yield from _price_problems(value, field, pair)
    if price is not None and order.qty >= pair.qty_min:
        cost = _EXACT.multiply(order.qty, price)
        if cost < pair.cost_min:
            least = max(snap(_EXACT.divide(pair.cost_min, price), pair.qty_increment, "up"),
                        pair.qty_min)  # fmt: skip
            yield InputInvalid(
                field="qty",
                given=f"{_text(order.qty)} x {_text(price)} = {_text(cost.normalize())} "
                f"{pair.quote} is below the {pair.symbol} cost minimum {_text(pair.cost_min)} "
                f"{pair.quote}",
                accepted=f"a quantity of at least {_text(least)} at this price",
                detail=CostBelowMinimum(cost=cost, minimum=pair.cost_min, least_qty=least),
            )


def amend_pair_problems(amend: Amend, pair: Instrument) -> Iterator[InputInvalid]:
    """The pair's rules an amend can break from what it says: the new quantity's lot and minimum,
    and its new absolute prices on the tick (a relative price is placed by the exchange)."""
    yield from _qty_problems(amend.qty, pair)
    if amend.limit_price is not None and amend.limit_price_type == "static":
        yield from _price_problems(amend.limit_price, "limit_price", pair)
    if amend.trigger_price is not None and amend.trigger_price_type == "static":
        yield from _price_problems(amend.trigger_price, "trigger_price", pair)


# --- rounding an order, only when asked ----------------------------------------------------------


class Snapped(msgspec.Struct, frozen=True, kw_only=True):
    """One value `snap_order` moved onto the grid."""

    field: str
    before: Decimal
    after: Decimal

    def render_change(self) -> str:
        return f"{_text(self.before)} rounded to {_text(self.after)}"


def _away(side: Side) -> Direction:
    # A buy never pays more (down); a sell never receives less (up).
    return "down" if side == "buy" else "up"


class _Snapper:
    def __init__(self, pair: Instrument) -> None:
        self.pair = pair
        self.changes: list[Snapped] = []
        self.problems: list[InputInvalid] = []

    def price(self, value: Decimal, side: Side, field: str) -> Decimal:
        if _on_grid(value, self.pair.price_increment):
            return value
        match snap_price(value, self.pair, _away(side)):
            case Success(Decimal() as snapped):
                self.changes.append(Snapped(field=field, before=value, after=snapped))
                return snapped
            case Failure(tuple() as problems):
                self.problems.extend(msgspec.structs.replace(p, field=field) for p in problems)
        return value

    def optional(self, value: Decimal | None, side: Side, field: str) -> Decimal | None:
        return None if value is None else self.price(value, side, field)

    def trigger(self, trigger: Trigger, side: Side) -> Trigger:
        if trigger.price_type != "static":
            return trigger
        return msgspec.structs.replace(
            trigger, price=self.price(trigger.price, side, "trigger.price")
        )

    def close(self, close: Close | None, side: Side) -> Close | None:
        if getattr(close, "trigger_price_type", "static") != "static":
            return close  # an offset from the entry's price: not a price on the grid
        match close:
            case None:
                return None
            case LimitClose():
                return LimitClose(
                    limit_price=self.price(close.limit_price, side, "close.limit_price")
                )
            case StopLossClose() | TakeProfitClose():
                return msgspec.structs.replace(
                    close,
                    trigger_price=self.price(close.trigger_price, side, "close.trigger_price"),
                )
            case StopLossLimitClose() | TakeProfitLimitClose():
                return msgspec.structs.replace(
                    close,
                    trigger_price=self.price(close.trigger_price, side, "close.trigger_price"),
                    limit_price=self.optional(close.limit_price, side, "close.limit_price"),
                )
            case TrailingStopClose() | TrailingStopLimitClose():
                return close  # offsets, not prices on the grid
            case _:
                assert_never(close)


def snap_order(
    order: SpotOrder, pair: Instrument
) -> Result[tuple[SpotOrder, tuple[Snapped, ...]], tuple[InputInvalid, ...]]:
    """Round every off-grid value of the order in its safe direction, and say what changed."""
    snapper = _Snapper(pair)
    qty = order.qty
    if not _on_grid(qty, pair.qty_increment):
        match snap_qty(qty, pair, "down"):
            case Success(Decimal() as snapped):
                snapper.changes.append(Snapped(field="qty", before=qty, after=snapped))
                qty = snapped
            case Failure(tuple() as problems):
                snapper.problems.extend(problems)
    side = order.side
    close = snapper.close(order.close, close_side(side))
    snapped_order: SpotOrder
    match order:
        case LimitOrder():
            snapped_order = msgspec.structs.replace(
                order,
                qty=qty,
                close=close,
                limit_price=snapper.price(order.limit_price, side, "limit_price"),
            )
        case MarketOrder():
            snapped_order = msgspec.structs.replace(order, qty=qty, close=close)
        case StopLossOrder() | TakeProfitOrder():
            snapped_order = msgspec.structs.replace(
                order, qty=qty, close=close, trigger=snapper.trigger(order.trigger, side)
            )
        case StopLossLimitOrder() | TakeProfitLimitOrder():
            snapped_order = msgspec.structs.replace(
                order,
                qty=qty,
                close=close,
                trigger=snapper.trigger(order.trigger, side),
                limit_price=snapper.optional(order.limit_price, side, "limit_price"),
            )
        case IcebergOrder():
            snapped_order = msgspec.structs.replace(
                order,
                qty=qty,
                close=close,
                limit_price=snapper.price(order.limit_price, side, "limit_price"),
            )
        case TrailingStopOrder() | TrailingStopLimitOrder():
            snapped_order = msgspec.structs.replace(order, qty=qty, close=close)  # offsets stay
        case _:
            assert_never(order)
    if snapper.problems:
        return Failure(tuple(snapper.problems))
    return Success((snapped_order, tuple(snapper.changes)))

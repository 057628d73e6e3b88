"""A bracket's spec from what the caller gave and the pair's rules, and the pre-flight that
checks the entry and both exits as the orders they will go out as, before anything is sent.

docs.kraken.com/api/docs/websocket-v2/add_order; the pair's grid and minimums:
docs.kraken.com/api/docs/websocket-v2/instrument
"""

from decimal import ROUND_CEILING, Decimal

import msgspec
from returns.result import Failure, Result, Success

from momentum.bracket.machine import BracketSpec, Leg, Mode, Place, StopSpec, TakeSpec
from momentum.bracket.wire import request_for
from momentum.errors import InputInvalid, OrderProblem
from momentum.models.context import Context, pair_table
from momentum.models.instrument import Instrument

__all__ = ["Prices", "bracket_spec", "preflight"]


class Prices(msgspec.Struct, frozen=True, kw_only=True):
    """The exit prices as given: a stop trigger and optional limit, a take-profit trigger (or
    none, for a plain limit sell) and limit; `offsets`: each is added to the entry's average
    fill price (a stop's offsets are negative, a take-profit's positive)."""

    sl: Decimal
    sl_limit: Decimal | None = None
    tp: Decimal | None = None
    tp_limit: Decimal
    offsets: bool = False


def bracket_spec(
    *,
    symbol: str,
    qty: Decimal,
    entry_limit: Decimal,
    prices: Prices,
    mode: Mode,
    context: Context,
    prefix: str,
) -> Result[BracketSpec, tuple[InputInvalid, ...]]:
    """The spec, sized on the pair's grid. The pair must be in the instrument table: exits are
    sized on its lot and minimum, so a bracket cannot run unchecked (it fails closed).

    The exits' minimum is the pair's `qty_min`, raised to what meets `cost_min` at the stop's
    lower price (a sell under the minimum cost would be refused)."""
    table = pair_table(context)
    instrument = None if table is None else table.get(symbol)
    if instrument is None:
        where = "the instrument table" if table is not None else "a table (not 'unchecked')"
        return Failure((InputInvalid(field="symbol", given=symbol,
                                     accepted=f"a pair in {where}: exits are sized on its lot "
                                              "and minimum"),))  # fmt: skip
    stop = StopSpec(trigger=prices.sl, limit=prices.sl_limit, offset=prices.offsets)
    take = TakeSpec(trigger=prices.tp, limit=prices.tp_limit, offset=prices.offsets)
    return Success(
        BracketSpec(
            symbol=symbol, qty=qty, entry_limit=entry_limit, stop=stop, take=take, mode=mode,
            qty_increment=instrument.qty_increment,
            qty_min=_exit_minimum(instrument, entry_limit, stop),
            price_increment=instrument.price_increment, prefix=prefix,
        )
    )  # fmt: skip


def _exit_minimum(instrument: Instrument, entry_limit: Decimal, stop: StopSpec) -> Decimal:
    shift = entry_limit if stop.offset else Decimal(0)
    lowest = shift + (stop.limit if stop.limit is not None else stop.trigger)
    if lowest <= 0 or instrument.cost_min <= 0:
        return instrument.qty_min
    lots = (instrument.cost_min / lowest / instrument.qty_increment).to_integral_value(
        rounding=ROUND_CEILING
    )
    return max(instrument.qty_min, lots * instrument.qty_increment)


def preflight(spec: BracketSpec, context: Context) -> tuple[OrderProblem, ...]:
    """Every problem of the entry, and of each exit as it would go out for the whole quantity
    at the entry's limit (offsets applied to it), found before anything is sent: a price off the
    tick, a stop above the entry, a cap the entry breaks. The exits' own sizes are checked again
    when each goes out."""
    entry = Leg(role="entry", cl_ord_id=f"{spec.prefix}e0", qty=spec.qty, price=spec.entry_limit)
    base = spec.entry_limit
    stop_shift = base if spec.stop.offset else Decimal(0)
    take_shift = base if spec.take.offset else Decimal(0)
    stop_limit = None if spec.stop.limit is None else stop_shift + spec.stop.limit
    stop = Leg(role="stop", cl_ord_id=f"{spec.prefix}s1", qty=spec.qty,
               price=stop_shift + spec.stop.trigger, limit=stop_limit)  # fmt: skip
    take_trigger = None if spec.take.trigger is None else take_shift + spec.take.trigger
    take_limit = take_shift + spec.take.limit
    take = Leg(role="take", cl_ord_id=f"{spec.prefix}t2", qty=spec.qty,
               price=take_trigger if take_trigger is not None else take_limit, limit=take_limit)  # fmt: skip
    places = (
        Place(leg=entry, kind="limit"),
        Place(leg=stop, kind="stop-loss" if stop_limit is None else "stop-loss-limit"),
        Place(leg=take, kind="limit" if take_trigger is None else "take-profit-limit"),
    )
    problems: list[OrderProblem] = []
    for place in places:
        found = request_for(place, spec, context).swap().value_or(())
        problems.extend(_about(place.leg.role, problem) for problem in found)
    problems.extend(_ordering(spec, stop, take))
    return tuple(problems)


def _about(role: str, problem: OrderProblem) -> OrderProblem:
    """A problem of one of the three orders, its field named after the order (`stop.qty`)."""
    if isinstance(problem, InputInvalid):
        return msgspec.structs.replace(problem, field=f"{role}.{problem.field}")
    return problem


def _ordering(spec: BracketSpec, stop: Leg, take: Leg) -> tuple[InputInvalid, ...]:
    """A long bracket's prices in order: stop below the entry, take-profit above it."""
    problems: list[InputInvalid] = []
    entry = spec.entry_limit
    if stop.price is not None and stop.price >= entry:
        problems.append(InputInvalid(field="sl", given=f"{stop.price} at or above the entry's {entry}",
                                     accepted="a stop below the entry (a buy's stop protects "
                                              "against a fall)"))  # fmt: skip
    if take.limit is not None and take.limit <= entry:
        problems.append(InputInvalid(field="tp_limit", given=f"{take.limit} at or below the entry's {entry}",
                                     accepted="a take-profit above the entry"))  # fmt: skip
    return tuple(problems)

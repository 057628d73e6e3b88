"""Price paths for `sim.replay`: a small text format, its parser, and the paths shipped as data.

One tick a line: `<seconds from start> <price> [<trade qty>]`; `#` starts a comment; blank lines
are skipped. A tick with a quantity is a print (`sim.trade`), without one a price move
(`sim.set_price`). Seconds must not go backwards; prices and quantities must be positive.
"""

from decimal import Decimal, InvalidOperation
from importlib import resources
from typing import Final

import msgspec

__all__ = [
    "BRACKET_PATH",
    "STOP_PATH",
    "PathError",
    "Tick",
    "load_path",
    "parse_path",
]

# entry buy 28440, stop 28410 (limit 28400), take-profit 28600 (limit 28590): the take-profit touches
BRACKET_PATH: Final = "btc_usd_bracket.txt"
# the same bracket, but the price falls through the stop
STOP_PATH: Final = "btc_usd_stop.txt"


class Tick(msgspec.Struct, frozen=True, kw_only=True):
    """One step of a path: when, the price, and the size of the print if it is one."""

    seconds: Decimal
    price: Decimal
    qty: Decimal | None = None


class PathError(ValueError):
    """A path that does not parse; the message names every bad line."""


def _number(text: str, what: str, number: int) -> Decimal | str:
    try:
        value = Decimal(text)
    except InvalidOperation:
        return f"line {number}: {what} {text!r} is not a number"
    if not value.is_finite():
        return f"line {number}: {what} {text!r} is not a finite number"
    return value


def _tick(fields: list[str], number: int, previous: Decimal) -> Tick | list[str]:
    if len(fields) not in {2, 3}:
        return [f"line {number}: expected '<seconds> <price> [<qty>]', found {len(fields)} fields"]
    values = [
        _number(text, what, number)
        for text, what in zip(fields, ("seconds", "price", "qty"), strict=False)
    ]
    problems = [value for value in values if isinstance(value, str)]
    if problems:
        return problems
    seconds, price, *rest = [value for value in values if isinstance(value, Decimal)]
    qty = rest[0] if rest else None
    if seconds < previous:
        problems.append(f"line {number}: seconds {seconds} go back before {previous}")
    if price <= 0:
        problems.append(f"line {number}: price {price} must be positive")
    if qty is not None and qty <= 0:
        problems.append(f"line {number}: qty {qty} must be positive")
    return problems or Tick(seconds=seconds, price=price, qty=qty)


def parse_path(text: str) -> tuple[Tick, ...]:
    """The ticks of a path; raises `PathError` naming every bad line.

    >>> parse_path("0 28450\\n1.5 28440 0.0004  # the entry fills")
    (Tick(seconds=Decimal('0'), price=Decimal('28450'), qty=None), Tick(seconds=Decimal('1.5'), price=Decimal('28440'), qty=Decimal('0.0004')))
    >>> parse_path("0 abc")
    Traceback (most recent call last):
    ...
    momentum.sim.paths.PathError: line 1: price 'abc' is not a number
    """
    ticks: list[Tick] = []
    problems: list[str] = []
    previous = Decimal("0")
    for number, line in enumerate(text.splitlines(), start=1):
        fields = line.partition("#")[0].split()
        if not fields:
            continue
        tick = _tick(fields, number, previous)
        if isinstance(tick, Tick):
            ticks.append(tick)
            previous = tick.seconds
        else:
            problems.extend(tick)
    if problems:
        raise PathError("; ".join(problems))
    if not ticks:
        raise PathError("the path has no ticks")
    return tuple(ticks)


def load_path(name: str) -> tuple[Tick, ...]:
    """A path shipped in `momentum/sim/data/`, e.g. `load_path(BRACKET_PATH)`."""
    text = resources.files("momentum.sim").joinpath("data", name).read_text(encoding="utf-8")
    return parse_path(text)

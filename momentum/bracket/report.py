"""What `momentum-bracket` prints, decided here and pure: one JSON line per event and command on
stdout (figures as strings in plain notation, never floats), and for stderr what is still open
when the run stops before the bracket is flat.

>>> from decimal import Decimal
>>> from momentum.bracket.machine import Exit
>>> line(Exit(role="stop", sold=Decimal("0.00040000"), held=Decimal("0.0006")))
b'{"event":"exit","role":"stop","sold":"0.00040000","held":"0.0006"}'
"""

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Final

import msgspec

from momentum.bracket.machine import Bracket, Command, Event, Place, held

__all__ = ["line", "note", "still_open"]

_ENCODER: Final = msgspec.json.Encoder()
_CAMEL: Final = re.compile(r"(?<!^)(?=[A-Z])")

Figure = str | int | bool | Decimal | None


def line(item: Event | Command) -> bytes:
    """One machine event or command as a JSON line (no newline): `event` names it."""
    name = _CAMEL.sub("_", type(item).__name__).lower()
    fields = msgspec.to_builtins(item, builtin_types=(Decimal,))
    if not isinstance(fields, dict):  # a Struct is always a dict in builtins
        return _ENCODER.encode({"event": name})
    if isinstance(item, Place):
        leg = fields.pop("leg")
        fields = {"role": leg["role"], "kind": fields["kind"], **{k: v for k, v in leg.items()
                  if k in ("cl_ord_id", "qty", "price", "limit")}}  # fmt: skip
        if leg["ioc"]:
            fields["time_in_force"] = "ioc"
    return _ENCODER.encode({"event": name, **_plain(fields)})


def note(event: str, fields: Mapping[str, Figure]) -> bytes:
    """A line of the runner's own (connected, connection lost, validated, ...)."""
    return _ENCODER.encode({"event": event, **_plain(dict(fields))})


def _plain(fields: dict[str, object]) -> dict[str, object]:
    return {key: _figure(value) for key, value in fields.items() if value is not None}


def _figure(value: object) -> object:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, list | tuple):
        return [_figure(item) for item in value]
    if isinstance(value, dict):
        return {key: _figure(item) for key, item in value.items()}
    return value


def still_open(bracket: Bracket) -> tuple[str, ...]:
    """For stderr: every order of the bracket that may still be open, what it would sell, and
    what is held, so a person can take over."""
    spec = bracket.spec
    lines = [f"held: {held(bracket)} {spec.symbol.partition('/')[0]} (bought by the entry, "
             f"less what the exits sold)"]  # fmt: skip
    for leg in bracket.legs:
        if leg.status not in ("placing", "resting", "cancelling"):
            continue
        side = "buys" if leg.role == "entry" else "sells"
        limit = "" if leg.limit is None or leg.limit == leg.price else f", limit {leg.limit}"
        state = {"placing": "sent, not yet answered", "resting": "open",
                 "cancelling": "cancel sent"}[leg.status]  # fmt: skip
        lines.append(f"{leg.role} {leg.cl_ord_id}: {side} {leg.qty - leg.filled} {spec.symbol} "
                     f"at {leg.price}{limit} ({state})")  # fmt: skip
    if len(lines) == 1:
        lines.append("no order of this bracket is open")
    return tuple(lines)

"""Faults a test injects into the simulator with `sim.inject(...)`: a closed union of small values.

Each fault is one-shot unless its docstring says otherwise. The close codes and the silent-socket
case are the ones Kraken's reconnection guide tells a client to survive
(docs.kraken.com/exchange/guides/websockets/reconnection).
"""

from typing import Literal

import msgspec

__all__ = [
    "AnswerLate",
    "CloseConnection",
    "DropConnection",
    "Fault",
    "GoSilent",
    "InvalidTokenOnce",
    "Maintenance",
    "MalformedFrame",
    "NoAnswer",
    "RateLimitNextAdd",
    "RefuseToken",
    "RejectNextAdd",
]


class DropConnection(msgspec.Struct, frozen=True, kw_only=True):
    """Abort the TCP connection (no close frame) when a request of `method` arrives.

    `applied=True`: the request takes effect first, so e.g. the order exists although its answer
    never came. `applied=False`: the request is lost with the connection.
    """

    method: str
    applied: bool = True


class AnswerLate(msgspec.Struct, frozen=True, kw_only=True):
    """Apply the next request of `method` at once but send its answer `delay` seconds later."""

    method: str
    delay: float


class NoAnswer(msgspec.Struct, frozen=True, kw_only=True):
    """Apply the next request of `method` but never answer it (its executions still stream).
    `applied=False`: the request is lost on the way: nothing happens, nothing answers, and the
    connection stays up."""

    method: str
    applied: bool = True


class CloseConnection(msgspec.Struct, frozen=True, kw_only=True):
    """Close every private connection now (every public one with `public=True`): 1001 and 1011
    with a close frame, 1006 by aborting the TCP connection."""

    code: Literal[1001, 1006, 1011]
    public: bool = False


class RefuseToken(msgspec.Struct, frozen=True, kw_only=True):
    """Answer the next `times` token requests with `EAPI:Invalid key`."""

    times: int = 1


class InvalidTokenOnce(msgspec.Struct, frozen=True, kw_only=True):
    """Answer the next private request (other than `ping`) with `EAPI:Invalid token`, unapplied."""


class MalformedFrame(msgspec.Struct, frozen=True, kw_only=True):
    """Send one frame that is not JSON to every private connection now."""


class RateLimitNextAdd(msgspec.Struct, frozen=True, kw_only=True):
    """Answer the next `add_order` or `batch_add` with `EOrder:Rate limit exceeded`, unapplied."""


class RejectNextAdd(msgspec.Struct, frozen=True, kw_only=True):
    """Answer the next `add_order` or `batch_add` with `error`, unapplied."""

    error: str


class Maintenance(msgspec.Struct, frozen=True, kw_only=True):
    """Switch the engine to `maintenance` now: a status push, then adds and cancels are refused.

    Lasts until `sim.set_status("online")`.
    """


class GoSilent(msgspec.Struct, frozen=True, kw_only=True):
    """Stop every frame (heartbeats too) on every connection without closing it.

    Requests are still read and applied. `seconds=None` lasts until the connection closes.
    """

    seconds: float | None = None


Fault = (
    DropConnection
    | AnswerLate
    | NoAnswer
    | CloseConnection
    | RefuseToken
    | InvalidTokenOnce
    | MalformedFrame
    | RateLimitNextAdd
    | RejectNextAdd
    | Maintenance
    | GoSilent
)

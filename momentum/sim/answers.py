"""The method answers of the private and public sockets, as Kraken's docs show them.

docs.kraken.com/api/docs/websocket-v2/add_order, .../batch_add, .../amend_order, .../cancel_order,
.../cancel_all, .../cancel_after ("Response" examples) and .../ping (`pong`): `result` on success,
a single `error` string on failure, `req_id` echoed, `time_in`/`time_out` in RFC3339.
"""

from datetime import UTC, datetime

from msgspec import UNSET

from momentum.sim import frames
from momentum.sim.engine import Cancelled, Changed, DeadMan, Placed, Refused
from momentum.sim.frames import Answer
from momentum.sim.requests import Envelope

__all__ = [
    "answer",
    "cancelled_answer",
    "changed_answer",
    "dead_man_answer",
    "placed",
    "placed_answer",
    "pong",
]


def _now() -> datetime:
    return datetime.now(UTC)


def answer(
    envelope: Envelope | None,
    time_in: datetime,
    *,
    result: object = UNSET,
    error: str | None = None,
    symbol: str | None = None,
) -> bytes:
    """One answer frame: `success` is true exactly when there is no `error`."""
    return frames.encode(
        Answer(
            method=envelope.method if envelope is not None else UNSET,
            req_id=envelope.req_id
            if envelope is not None and envelope.req_id is not None
            else UNSET,
            result=result,
            error=error if error is not None else UNSET,
            success=error is None,
            symbol=symbol if symbol is not None else UNSET,
            time_in=frames.rfc3339(time_in),
            time_out=frames.rfc3339(_now()),
        )
    )


def pong(req_id: int | None, time_in: datetime) -> bytes:
    """`{"method":"pong","req_id":..,"time_in":..,"time_out":..}` (docs.kraken.com/api/docs/websocket-v2/ping)."""
    pong: dict[str, object] = {"method": "pong"}
    if req_id is not None:
        pong["req_id"] = req_id
    pong["time_in"] = frames.rfc3339(time_in)
    pong["time_out"] = frames.rfc3339(_now())
    return frames.encode(pong)


def placed(placed: Placed) -> dict[str, object]:
    result: dict[str, object] = {"order_id": placed.order_id}
    if placed.cl_ord_id is not None:
        result["cl_ord_id"] = placed.cl_ord_id
    if placed.order_userref is not None:
        result["order_userref"] = placed.order_userref
    return result


def placed_answer(envelope: Envelope, time_in: datetime, outcome: Placed | Refused) -> bytes:
    if isinstance(outcome, Refused):
        return answer(envelope, time_in, error=outcome.error)
    return answer(envelope, time_in, result=placed(outcome))


def changed_answer(envelope: Envelope, time_in: datetime, outcome: Changed | Refused) -> bytes:
    if isinstance(outcome, Refused):
        return answer(envelope, time_in, error=outcome.error)
    result: dict[str, object] = {"amend_id": outcome.amend_id}
    if outcome.order_id is not None:
        result["order_id"] = outcome.order_id
    if outcome.cl_ord_id is not None:
        result["cl_ord_id"] = outcome.cl_ord_id
    return answer(envelope, time_in, result=result)


def cancelled_answer(envelope: Envelope, time_in: datetime, outcome: Cancelled | Refused) -> bytes:
    if isinstance(outcome, Refused):
        return answer(envelope, time_in, error=outcome.error)
    result: dict[str, object] = {"order_id": outcome.order_id}
    if outcome.cl_ord_id is not None:
        result["cl_ord_id"] = outcome.cl_ord_id
    return answer(envelope, time_in, result=result)


def dead_man_answer(envelope: Envelope, time_in: datetime, outcome: DeadMan | Refused) -> bytes:
    if isinstance(outcome, Refused):
        return answer(envelope, time_in, error=outcome.error)
    trigger = frames.rfc3339_seconds(outcome.trigger) if outcome.trigger is not None else "0"
    result = {"currentTime": frames.rfc3339_seconds(outcome.current), "triggerTime": trigger}
    return answer(envelope, time_in, result=result)

"""Typed, pure decoding of the exchange's answers to `add_order`, `batch_add`, `amend_order` and
`cancel_order`, and its error strings as a closed set of kinds.

docs.kraken.com/api/docs/websocket-v2/add_order (response), .../batch_add, .../amend_order,
.../cancel_order; error strings: docs.kraken.com/api/docs/guides/spot-errors.

Unknown extra fields are tolerated (the exchange adds fields over time). A `validate` answer has
an empty `order_id`: it is `Validated` ("valid, not placed"), never mistaken for a placed order.

>>> answer = decode_answer(b'{"method":"add_order","req_id":123456789,"result":{"order_id":'
...     b'"AA5JGQ-SBMRC-SCJ7J7","order_userref":100054},"success":true,'
...     b'"time_in":"2023-09-21T14:15:07.197274Z","time_out":"2023-09-21T14:15:07.205301Z"}').unwrap()
>>> answer.outcome
Placed(orders=(OrderAck(order_id='AA5JGQ-SBMRC-SCJ7J7', cl_ord_id=None, order_userref=100054, amend_id=None, warnings=(), error=None),))
>>> error_kind("EOrder:Tick size check failed")
'tick_size'
"""

from typing import Final, Literal

import msgspec
from returns.result import Failure, Result, Success

from momentum.errors import InputInvalid

__all__ = [
    "Answer",
    "ErrorKind",
    "OrderAck",
    "Placed",
    "Rejected",
    "Validated",
    "decode_answer",
    "error_kind",
]

ErrorKind = Literal[
    "tick_size",
    "order_minimum",
    "cost_minimum",
    "insufficient_funds",
    "insufficient_margin",
    "invalid_price",
    "post_only",
    "deadline_elapsed",
    "market_cancel_only",
    "market_post_only",
    "service_unavailable",
    "rate_limit",
    "orders_limit",
    "permission_denied",
    "invalid_arguments",
    "index_unavailable",
    "unknown_order",
    "unsupported_field",
    "throttled",
    "internal_error",
    "unknown",
]

# Longest prefix first, so "EGeneral:Invalid arguments:Index unavailable" is not read as the
# shorter "EGeneral:Invalid arguments".
_KINDS: Final[tuple[tuple[str, ErrorKind], ...]] = (
    ("EGeneral:Invalid arguments:Index unavailable", "index_unavailable"),
    ("EGeneral:Invalid arguments", "invalid_arguments"),
    ("EGeneral:Permission denied", "permission_denied"),
    ("EAccount:Invalid permissions", "permission_denied"),
    ("EGeneral:Internal error", "internal_error"),
    ("EGeneral:Temporary lockout", "rate_limit"),
    ("EService:Market in cancel_only mode", "market_cancel_only"),
    ("EService:Market in post_only mode", "market_post_only"),
    ("EService:Deadline elapsed", "deadline_elapsed"),
    ("EService:Throttled", "throttled"),
    ("EService:Unavailable", "service_unavailable"),
    ("EOrder:Tick size check failed", "tick_size"),
    ("EOrder:Order minimum not met", "order_minimum"),
    ("EOrder:Cost minimum not met", "cost_minimum"),
    ("EOrder:Insufficient funds", "insufficient_funds"),
    ("EOrder:Insufficient margin", "insufficient_margin"),
    ("EOrder:Invalid price", "invalid_price"),
    ("EOrder:Post only order", "post_only"),
    ("EOrder:Rate limit exceeded", "rate_limit"),
    ("EOrder:Domain rate limit exceeded", "rate_limit"),
    ("EOrder:Orders limit exceeded", "orders_limit"),
    ("EOrder:Unknown order", "unknown_order"),
    ("EOrder:Invalid order", "unknown_order"),
    ("EAuth:Rate limit exceeded", "rate_limit"),
    ("EAuth:Too many requests", "rate_limit"),
    ("Unsupported field", "unsupported_field"),
)


def error_kind(text: str) -> ErrorKind:
    """The kind of an exchange error string; `unknown` for any other text (kept by the caller)."""
    for prefix, kind in _KINDS:
        if text.startswith(prefix):
            return kind
    return "unknown"


class OrderAck(msgspec.Struct, frozen=True, kw_only=True):
    """One order in an answer: its ids and warnings; `error` where a batch refused just this one."""

    order_id: str | None = None
    cl_ord_id: str | None = None
    order_userref: int | None = None
    amend_id: str | None = None
    warnings: tuple[str, ...] = ()
    error: str | None = None


class Placed(msgspec.Struct, frozen=True, kw_only=True):
    """The exchange took the request: orders placed, amended or cancelled."""

    orders: tuple[OrderAck, ...]


class Validated(msgspec.Struct, frozen=True, kw_only=True):
    """`validate: true` answered: the request is valid and nothing was placed (empty order ids)."""

    orders: tuple[OrderAck, ...]


class Rejected(msgspec.Struct, frozen=True, kw_only=True):
    """The exchange refused the request; `text` is its error string, verbatim."""

    kind: ErrorKind
    text: str


Outcome = Placed | Validated | Rejected


class Answer(msgspec.Struct, frozen=True, kw_only=True):
    """An answer to one request, with what it says happened."""

    method: Literal["add_order", "batch_add", "amend_order", "cancel_order"]
    req_id: int | None
    time_in: str | None
    time_out: str | None
    outcome: Outcome


class _Raw(msgspec.Struct, frozen=True, kw_only=True):
    method: Literal["add_order", "batch_add", "amend_order", "cancel_order"]
    success: bool
    result: OrderAck | list[OrderAck] | None = None
    error: str | None = None
    req_id: int | None = None
    time_in: str | None = None
    time_out: str | None = None


def _outcome(raw: _Raw) -> Outcome:
    if not raw.success:
        text = raw.error or ""
        return Rejected(kind=error_kind(text), text=text)
    acks: tuple[OrderAck, ...]
    match raw.result:
        case None:
            acks = ()
        case OrderAck() as one:
            acks = (one,)
        case list() as many:
            acks = tuple(many)
    placing = raw.method in ("add_order", "batch_add")
    if placing and acks and all(ack.order_id == "" for ack in acks if ack.error is None):
        return Validated(orders=acks)
    return Placed(orders=acks)


def decode_answer(data: bytes | str) -> Result[Answer, tuple[InputInvalid, ...]]:
    """Decode an answer to a trading request; the problem names the JSON path that is wrong."""
    try:
        raw = msgspec.json.decode(data, type=_Raw)
    except msgspec.MsgspecError as error:
        accepted = "a Kraken WS v2 trading answer"
        return Failure((InputInvalid(field="answer", given=str(error), accepted=accepted),))
    return Success(
        Answer(
            method=raw.method,
            req_id=raw.req_id,
            time_in=raw.time_in,
            time_out=raw.time_out,
            outcome=_outcome(raw),
        )
    )

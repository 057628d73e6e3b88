"""The live session's pure core, in the sans-IO style of h11: frames, clock readings and the
caller's requests in; frames to send, commands for the shell and typed events out. No socket, no
clock and no randomness here: the same inputs give the same outputs.

`start(config, now, id_prefix)` makes a stopped session; `step(session, input)` answers one input
with the new session and what it causes. The shell (`momentum.scripts.connection`) owns the
socket and the clock, mints tokens over REST, and feeds every frame, every connection change and
a `Tick` at `next_deadline(session)` back in.

What the core holds to (docs.kraken.com/api/docs/websocket-v2/add_order and .../executions;
reconnection: docs.kraken.com/exchange/guides/websockets/reconnection):

* Every request is checked before it goes out exactly as `--check` checks it (the guards and the
  pair rules included); a refused request is never sent, and never opens a connection.
* `req_id` is allocated here (signed 32-bit, unique per session); every add gets a `cl_ord_id`
  unless it set one or carries `conditional` or `order_userref` (Kraken forbids the pair), so its
  fate can be found later. The deadline is re-stamped from `DEADLINE_MS` when the frame is sent.
* Answers are matched by `req_id`. A request without an answer within `answer_timeout`, or in
  flight when the connection drops, is *outcome unknown*: it is never sent again. One the
  `executions` stream already shows (every `cl_ord_id` of it) is resolved as soon as it times
  out; a late answer on the same connection resolves it too. After a reconnect the session
  subscribes to `executions` with the snapshot and resolves each unknown by its `cl_ord_id`
  (open, filled, done, or absent); the snapshot's trades of an unknown add are taken into the
  book, so an add that filled while the answer was lost is found filled.
* Each connection gets its number (1, 2, ...), told in `Ready` and in every `Sent`.
* No frame for `silence_limit` (5 s, Kraken's guidance) means reconnect, with backoff and jitter
  (the jitter comes in with the input) and a floor after repeated failures.
* `status`: adds and amends go out only while `online`; cancels also in `cancel_only`; nothing in
  `maintenance`.
* A fresh token for every connection, refreshed before Kraken's 15 minutes, one mint at a time,
  and minted again on `EAPI:Invalid token` / `ESession:Invalid session`.
* Kraken's per-pair trading counter is tracked from the documented costs; a request that would
  pass the threshold is held back (or refused: the caller's choice). The threshold the
  `executions` subscribe ack announces (`maxratecount`) wins over the configured tier.
"""

from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import Context as DecimalContext
from decimal import Decimal
from functools import lru_cache
from typing import Final, Literal, assert_never

import msgspec

from momentum.errors import GuardRefused, InputInvalid, OrderProblem
from momentum.exchange.kraken.rest.auth import TokenGrant
from momentum.exchange.kraken.ws_v2_check import Beside, check_message, check_request_message
from momentum.exchange.kraken.ws_v2_inbound import (
    Answer,
    Executions,
    Heartbeat,
    Malformed,
    Pong,
    Status,
    SubscribeAck,
    System,
    Ticker,
    Unhandled,
    UnsubscribeAck,
    decode_frame,
)
from momentum.exchange.kraken.ws_v2_messages import (
    AddOrder,
    AmendOrder,
    BatchAdd,
    CancelOrder,
    Request,
    encode,
    read_encoded,
    splice_token,
    with_token,
)
from momentum.exchange.kraken.ws_v2_payloads import deadline_text
from momentum.exchange.kraken.ws_v2_session import (
    CancelAll,
    CancelAllOrdersAfter,
    ExecutionsParams,
    Ping,
    Subscribe,
    frame,
)
from momentum.models.context import Context
from momentum.models.secret import Secret
from momentum.session.orders import (
    Missing,
    Order,
    OrderBook,
    OrderEvent,
    apply,
    apply_snapshot,
)
from momentum.session.rate import RateCounter, Tier, announced, cost, counter, take

__all__ = [
    "Answered",
    "CloseSocket",
    "Connected",
    "ConnectionLost",
    "Disconnected",
    "Held",
    "Input",
    "MintToken",
    "NotSent",
    "Open",
    "OpenSocket",
    "OrderUpdate",
    "Outcome",
    "OutcomeUnknown",
    "Outgoing",
    "Output",
    "Pending",
    "Ready",
    "Received",
    "Refused",
    "Resolved",
    "SendFrame",
    "Sent",
    "Session",
    "SessionConfig",
    "StatusChanged",
    "Stop",
    "Submit",
    "Submitted",
    "Tick",
    "TokenFailed",
    "TokenMinted",
    "TokenRefused",
    "check_request",
    "next_deadline",
    "start",
    "step",
]

Outgoing = Request | CancelAll | CancelAllOrdersAfter | Ping
"""What a caller may submit: an order request, a cancel-all, the dead man's switch, a ping."""

_INT32_MAX: Final = 2**31 - 1

_STALE_TOKEN: Final = ("EAPI:Invalid token", "ESession:Invalid session")
_TRADING: Final = (AddOrder, BatchAdd, AmendOrder)  # adds and amends: only while online
_EXACT: Final = DecimalContext(prec=60)  # whatever the caller's decimal context, never rounded


class SessionConfig(msgspec.Struct, frozen=True, kw_only=True):
    """How the session behaves; the defaults are Kraken's guidance where it gives one.

    `context` is what every request is checked against (knobs, instrument rules, quote rates,
    exposure); its `now` is replaced by each input's clock reading.
    """

    context: Context
    answer_timeout: float = 5.0  # s without an answer: the outcome is unknown
    silence_limit: float = 5.0  # s without any frame: reconnect (Kraken's reconnection guide)
    token_refresh: float = 600.0  # s: a fresh token well before Kraken's 15 minutes
    backoff_base: float = 0.5  # s before the first reconnect, doubling per failure
    backoff_cap: float = 30.0
    backoff_floor: float = 5.0  # s at least between attempts once `floor_after` have failed
    floor_after: int = 3
    wait_for_online: float = 30.0  # s a queued request waits for a usable connection
    rate_policy: Literal["hold", "refuse"] = "hold"
    tier: Tier = "starter"  # until the executions subscribe ack announces the account's threshold


# --- inputs ---------------------------------------------------------------------------------------


class Open(msgspec.Struct, frozen=True, kw_only=True):
    """Connect (and subscribe to `executions`) without a request to send yet."""

    now: datetime


class Submit(msgspec.Struct, frozen=True, kw_only=True):
    """A request from the caller; `ref` is the caller's own handle, echoed in `Submitted`.
    `beside` is what the message cannot carry (an amend's side and pair, a market price)."""

    ref: int
    request: Outgoing
    beside: Beside = Beside()
    now: datetime


class TokenMinted(msgspec.Struct, frozen=True, kw_only=True):
    """The shell got a WebSocket token from REST `GetWebSocketsToken`."""

    grant: TokenGrant
    now: datetime


class TokenFailed(msgspec.Struct, frozen=True, kw_only=True):
    """REST refused the token or could not be reached."""

    problems: tuple[InputInvalid, ...]
    jitter: float  # a random draw in [0, 1) from the shell, for the backoff
    now: datetime


class Connected(msgspec.Struct, frozen=True, kw_only=True):
    """The socket opened."""

    now: datetime


class Disconnected(msgspec.Struct, frozen=True, kw_only=True):
    """The socket closed or could not open (`code` from the close frame, if any)."""

    code: int | None
    reason: str
    jitter: float
    now: datetime


class Received(msgspec.Struct, frozen=True, kw_only=True):
    """A frame from the socket. It may hold a token's echo: never shown."""

    data: bytes
    now: datetime

    def __repr__(self) -> str:
        return f"Received(<{len(self.data)} bytes>, now={self.now!r})"


class Tick(msgspec.Struct, frozen=True, kw_only=True):
    """Time passed (the shell calls at `next_deadline`, or sooner)."""

    now: datetime


class Stop(msgspec.Struct, frozen=True, kw_only=True):
    """Close the connection and stop reconnecting."""

    now: datetime


Input = (
    Open | Submit | TokenMinted | TokenFailed | Connected | Disconnected | Received | Tick | Stop
)


# --- outputs: commands for the shell --------------------------------------------------------------


class MintToken(msgspec.Struct, frozen=True, kw_only=True):
    """Call REST `GetWebSocketsToken` and answer with `TokenMinted` or `TokenFailed`."""


class OpenSocket(msgspec.Struct, frozen=True, kw_only=True):
    """Open the private socket and answer with `Connected` or `Disconnected`."""


class SendFrame(msgspec.Struct, frozen=True, kw_only=True):
    """Send these bytes. They carry the token: never shown, not even their repr."""

    data: bytes

    def __repr__(self) -> str:
        return f"SendFrame(<{len(self.data)} bytes>)"


class CloseSocket(msgspec.Struct, frozen=True, kw_only=True):
    """Close the socket (then answer with `Disconnected`)."""

    code: int
    reason: str


# --- outputs: events for the caller ---------------------------------------------------------------


class Submitted(msgspec.Struct, frozen=True, kw_only=True):
    """A request passed its checks and was queued under this `req_id` (and these `cl_ord_id`s)."""

    ref: int
    req_id: int
    cl_ord_ids: tuple[str, ...]


class Refused(msgspec.Struct, frozen=True, kw_only=True):
    """A request the local checks refused: nothing was sent."""

    ref: int
    problems: tuple[OrderProblem, ...]


class NotSent(msgspec.Struct, frozen=True, kw_only=True):
    """A queued request that was never sent: the exchange was not usable for it in time, the
    rate counter was over (with `rate_policy="refuse"`), or the session stopped."""

    req_id: int
    reason: str


class Held(msgspec.Struct, frozen=True, kw_only=True):
    """A request held back until Kraken's rate counter allows it."""

    req_id: int
    until: datetime


class Sent(msgspec.Struct, frozen=True, kw_only=True):
    """The request went out on connection `connection` (numbered from 1, as in `Ready`)."""

    req_id: int
    connection: int


class Answered(msgspec.Struct, frozen=True, kw_only=True):
    """The exchange answered the request (success or refusal, in `answer`)."""

    req_id: int
    cl_ord_ids: tuple[str, ...]
    answer: Answer


class OutcomeUnknown(msgspec.Struct, frozen=True, kw_only=True):
    """No answer came (timeout or a dropped connection): the request is not sent again; the
    session resolves it after the next `executions` snapshot."""

    req_id: int
    cl_ord_ids: tuple[str, ...]
    reason: str
    # why: no answer in time on a live connection, the connection dropped (the reconnect's
    # snapshot resolves it), or the caller stopped the session
    cause: Literal["timeout", "connection_lost", "stopped"]


Found = Literal["open", "filled", "done", "absent", "validate_only", "unknown"]


class Resolved(msgspec.Struct, frozen=True, kw_only=True):
    """What reconciliation found of one `cl_ord_id` of an unknown request: `open` (resting,
    maybe partly filled), `filled`, `done` (cancelled or expired; or, of an order the snapshot
    no longer lists open, closed with less filled than its quantity as far as the snapshot's
    last trades show), `absent` (not among the open orders or the last trades: never placed, or
    closed without a trade), `validate_only` (nothing can have been placed), `unknown` (an amend
    or cancel: see the order's events)."""

    req_id: int
    cl_ord_id: str | None
    found: Found
    order_id: str | None
    cum_qty: Decimal | None


class OrderUpdate(msgspec.Struct, frozen=True, kw_only=True):
    """What an `executions` report changed."""

    event: OrderEvent


class StatusChanged(msgspec.Struct, frozen=True, kw_only=True):
    """The engine's status (`online`, `cancel_only`, `post_only`, `maintenance`)."""

    system: System


class Ready(msgspec.Struct, frozen=True, kw_only=True):
    """Connected, online, subscribed, snapshot applied: requests go out on connection
    `connection` (1 for the session's first, one more for each socket opened since)."""

    connection: int


class ConnectionLost(msgspec.Struct, frozen=True, kw_only=True):
    """The connection is gone; the next attempt is at `retry_at`."""

    reason: str
    attempt: int
    retry_at: datetime


class TokenRefused(msgspec.Struct, frozen=True, kw_only=True):
    """REST refused the token (or could not be reached)."""

    problems: tuple[InputInvalid, ...]
    attempt: int


class PongReceived(msgspec.Struct, frozen=True, kw_only=True):
    """The answer to a `ping`."""

    req_id: int | None


Command = MintToken | OpenSocket | SendFrame | CloseSocket
Event = (
    Submitted
    | Refused
    | NotSent
    | Held
    | Sent
    | Answered
    | OutcomeUnknown
    | Resolved
    | OrderUpdate
    | StatusChanged
    | Ready
    | ConnectionLost
    | TokenRefused
    | PongReceived
)
Output = Command | Event
Outcome = Answered | OutcomeUnknown | Resolved | NotSent | Refused
"""The events that say what became of a request."""

# --- the session ----------------------------------------------------------------------------------

Phase = Literal["stopped", "minting", "connecting", "opening", "subscribing", "ready", "backoff"]


class Pending(msgspec.Struct, frozen=True, kw_only=True):
    """A request with a `req_id`: queued, in flight, or of unknown outcome."""

    req_id: int
    request: Outgoing
    cl_ord_ids: tuple[str, ...]
    beside: Beside
    submitted_at: datetime
    sent_at: datetime | None = None
    connection: int = 0
    release_at: datetime | None = None  # held back by the rate counter until then
    validate_only: bool = False
    symbol: str | None = None
    # the checked encoding, deadline stamped at `submitted_at`, without the token: what goes out
    # when it is sent in the same step (a request that waits is stamped again when it goes)
    encoded: bytes | None = None


class Session(msgspec.Struct, frozen=True, kw_only=True):
    """Everything the core knows. Immutable: `step` returns a new one. The token is a `Secret`."""

    config: SessionConfig
    id_prefix: str
    phase: Phase = "stopped"
    token: Secret | None = None
    token_at: datetime | None = None
    minting: bool = False
    connection: int = 0  # the current (or last) socket's number: 1, 2, ...; 0 before the first
    failures: int = 0
    retry_at: datetime | None = None
    last_frame_at: datetime | None = None
    system: System | None = None
    subscribe_req: int | None = None
    sequence: int | None = None
    next_req_id: int = 1
    next_cl: int = 1
    queued: tuple[Pending, ...] = ()
    in_flight: tuple[Pending, ...] = ()
    unknown: tuple[Pending, ...] = ()
    book: OrderBook = OrderBook()
    rates: RateCounter  # Kraken's per-pair trading counter, for the account's tier
    wanted: bool = False  # a connection is wanted (Open or a request) until Stop


def start(config: SessionConfig, now: datetime, id_prefix: str) -> Session:
    """A stopped session. `id_prefix` (up to 10 of `A-Z a-z 0-9`, random, from the shell) makes
    its `cl_ord_id`s unique across sessions: `{id_prefix}-{n}`, within Kraken's 18 characters."""
    del now  # a session starts with nothing to time
    return Session(
        config=config,
        id_prefix=id_prefix[:10],
        rates=counter(config.tier),
    )


def next_deadline(session: Session) -> datetime | None:
    """The earliest time at which a `Tick` changes something (None: only inputs will)."""
    config = session.config
    earliest: datetime | None = None
    if session.phase == "backoff" and session.retry_at is not None:
        earliest = session.retry_at
    if session.last_frame_at is not None and session.phase in _LISTENING:
        earliest = _earlier(earliest, session.last_frame_at + _span(config.silence_limit))
    sent = [pending.sent_at for pending in session.in_flight if pending.sent_at is not None]
    if sent:  # the oldest send times out first
        earliest = _earlier(earliest, min(sent) + _span(config.answer_timeout))
    for pending in session.queued:
        earliest = _earlier(earliest, pending.submitted_at + _span(config.wait_for_online))
        if pending.release_at is not None:
            earliest = _earlier(earliest, pending.release_at)
    if session.token_at is not None and session.phase == "ready":
        earliest = _earlier(earliest, session.token_at + _span(config.token_refresh))
    return earliest


_LISTENING: Final = ("opening", "subscribing", "ready")


def _earlier(known: datetime | None, other: datetime) -> datetime:
    return other if known is None or other < known else known


@lru_cache(maxsize=64)
def _span(seconds: float) -> timedelta:
    """A configured number of seconds as a timedelta, made once per figure: the shell asks for
    the next deadline after every input, and timedelta(seconds=float) is most of its cost."""
    return timedelta(seconds=seconds)


# --- step -----------------------------------------------------------------------------------------


def step(session: Session, event: Input) -> tuple[Session, tuple[Output, ...]]:
    """The session after one input, and what it causes, in order."""
    match event:
        case Open():
            return _connect_if_stopped(msgspec.structs.replace(session, wanted=True), event.now)
        case Submit():
            return _submit(session, event)
        case TokenMinted():
            return _token_minted(session, event)
        case TokenFailed():
            return _token_failed(session, event)
        case Connected():
            opening = msgspec.structs.replace(
                session, phase="opening", last_frame_at=event.now, system=None, sequence=None,
                connection=session.connection + 1,
            )  # fmt: skip
            return opening, ()
        case Disconnected():
            reason = f"closed ({event.code})" if event.code is not None else event.reason
            return _lost(session, event.now, event.jitter, reason, close=False)
        case Received():
            return _received(session, event)
        case Tick():
            return _tick(session, event.now)
        case Stop():
            return _stop(session, event.now)
        case _:
            assert_never(event)


def _connect_if_stopped(session: Session, now: datetime) -> tuple[Session, tuple[Output, ...]]:
    if session.phase != "stopped":
        return session, ()
    return msgspec.structs.replace(session, phase="minting", minting=True), (MintToken(),)


def _submit(session: Session, event: Submit) -> tuple[Session, tuple[Output, ...]]:
    request = event.request
    if isinstance(request, Ping):
        req_id = session.next_req_id
        pending = Pending(req_id=req_id, request=Ping(req_id=req_id), cl_ord_ids=(),
                          beside=event.beside, submitted_at=event.now)  # fmt: skip
        return _queue(session, pending, event.ref, event.now)
    req_id = session.next_req_id
    stamped, cl_ord_ids, next_cl = _identified(request, req_id, session)
    problems, encoded = _checked(stamped, session.config.context, event.beside, event.now)
    if problems:
        return session, (Refused(ref=event.ref, problems=problems),)
    pending = Pending(
        req_id=req_id,
        request=stamped,
        cl_ord_ids=cl_ord_ids,
        beside=event.beside,
        submitted_at=event.now,
        validate_only=_validate_only(stamped),
        symbol=_symbol(stamped, event.beside, session.book),
        encoded=encoded,
    )
    return _queue(msgspec.structs.replace(session, next_cl=next_cl), pending, event.ref, event.now)


def _queue(
    session: Session, pending: Pending, ref: int, now: datetime
) -> tuple[Session, tuple[Output, ...]]:
    queued = msgspec.structs.replace(
        session,
        queued=(*session.queued, pending),
        next_req_id=_next(pending.req_id),
        wanted=True,
    )
    submitted = Submitted(ref=ref, req_id=pending.req_id, cl_ord_ids=pending.cl_ord_ids)
    connected, started = _connect_if_stopped(queued, now)
    flushed, sent = _flush(connected, now)
    return flushed, (submitted, *started, *sent)


def _next(req_id: int) -> int:
    return 1 if req_id >= _INT32_MAX else req_id + 1


def _identified(
    request: Outgoing, req_id: int, session: Session
) -> tuple[Outgoing, tuple[str, ...], int]:
    """The request with its `req_id`, and a `cl_ord_id` for each order that may carry one."""
    next_cl = session.next_cl

    def cl_ord_id() -> str:
        nonlocal next_cl
        made = f"{session.id_prefix}-{next_cl}"
        next_cl += 1
        return made

    match request:
        case AddOrder():
            params = request.params
            if (
                params.cl_ord_id is None
                and params.conditional is None
                and params.order_userref is None
            ):
                params = msgspec.structs.replace(params, cl_ord_id=cl_ord_id())
            stamped: Outgoing = msgspec.structs.replace(request, params=params, req_id=req_id)
            own: tuple[str, ...] = () if params.cl_ord_id is None else (params.cl_ord_id,)
            return stamped, own, next_cl
        case BatchAdd():
            orders = [
                msgspec.structs.replace(order, cl_ord_id=cl_ord_id())
                if order.cl_ord_id is None
                and order.conditional is None
                and order.order_userref is None
                else order
                for order in request.params.orders
            ]
            batch = msgspec.structs.replace(request.params, orders=orders)
            listed = tuple(order.cl_ord_id for order in orders if order.cl_ord_id is not None)
            return msgspec.structs.replace(request, params=batch, req_id=req_id), listed, next_cl
        case AmendOrder() | CancelOrder() | CancelAll() | CancelAllOrdersAfter() | Ping():
            return msgspec.structs.replace(request, req_id=req_id), (), next_cl
        case _:
            assert_never(request)


def check_request(
    request: Outgoing, context: Context, beside: Beside, now: datetime
) -> tuple[OrderProblem, ...]:
    """Exactly what `--check` says of the message, its deadline re-stamped from `DEADLINE_MS`
    as it will be when it is sent; cancel-all and the dead man's switch need ALLOW_LIVE. A
    sender calls this first, so that a refused request never opens a connection."""
    return _checked(request, context, beside, now)[0]


def _checked(
    request: Outgoing, context: Context, beside: Beside, now: datetime
) -> tuple[tuple[OrderProblem, ...], bytes | None]:
    """`check_request`, and the encoding it checked (None for what is framed otherwise)."""
    context = msgspec.structs.replace(context, now=now)
    match request:
        case AddOrder() | BatchAdd() | AmendOrder() | CancelOrder():
            restamped = _restamped(request, context)
            encoded = encode(restamped)
            if not isinstance(data := encoded.value_or(None), bytes):
                return tuple(encoded.swap().value_or(())), None
            read = read_encoded(data)  # read back with its types: what goes out is checked
            if read is None:  # a Struct built with wrong types: every problem, with its path
                return check_message(data, context, beside), None
            return check_request_message(read, context, beside), data
        case CancelAll() | CancelAllOrdersAfter():
            if context.knobs.allow_live:
                return (), None
            kind = "cancel_all" if isinstance(request, CancelAll) else "cancel_all_orders_after"
            refusal = GuardRefused(
                guard="ALLOW_LIVE",
                figures=f"{kind} acts on every live order, and ALLOW_LIVE=0",
                remedy="set ALLOW_LIVE=1 to send it",
            )
            return (refusal,), None
        case Ping():
            return (), None
        case _:
            assert_never(request)


def _restamped(request: Request, context: Context) -> Request:
    """The message with a deadline of now + DEADLINE_MS (a message may have waited in a file)."""
    # deadline: sent although clock skew between this host and Kraken eats into the window
    deadline = deadline_text(context.now, context.knobs.deadline_ms)
    match request:
        case AddOrder() | BatchAdd() | AmendOrder():
            params = msgspec.structs.replace(request.params, deadline=deadline)
            return msgspec.structs.replace(request, params=params)
        case CancelOrder():
            return request
        case _:
            assert_never(request)


def _validate_only(request: Outgoing) -> bool:
    return isinstance(request, AddOrder | BatchAdd) and request.params.validate is True


def _symbol(request: Outgoing, beside: Beside, book: OrderBook) -> str | None:
    match request:
        case AddOrder():
            return request.params.symbol
        case BatchAdd():
            return request.params.symbol
        case AmendOrder():
            if request.params.symbol is not None:
                return request.params.symbol
            if beside.symbol is not None:
                return beside.symbol
            order = _order_of(book, request.params.order_id, request.params.cl_ord_id)
            return None if order is None else order.symbol
        case CancelOrder():
            ids = request.params.order_id or []
            order = _order_of(book, ids[0] if ids else None, None)
            return None if order is None else order.symbol
        case CancelAll() | CancelAllOrdersAfter() | Ping():
            return None
        case _:
            assert_never(request)


def _order_of(book: OrderBook, order_id: str | None, cl_ord_id: str | None) -> Order | None:
    if order_id is not None:
        return book.get(order_id)
    return None if cl_ord_id is None else book.get_by_cl_ord_id(cl_ord_id)


# --- sending --------------------------------------------------------------------------------------


def _usable(system: System | None, request: Outgoing) -> bool:
    """Adds and amends only while online; cancels also in cancel_only; nothing in maintenance
    (docs.kraken.com/api/docs/websocket-v2/status)."""
    if system == "online" or isinstance(request, Ping):
        return True
    cancelling = isinstance(request, CancelOrder | CancelAll | CancelAllOrdersAfter)
    return cancelling and system == "cancel_only"


def _flush(session: Session, now: datetime) -> tuple[Session, tuple[Output, ...]]:
    """Send what is queued and may go now, in order; hold back what the rate counter would
    refuse; give up on what waited too long for a usable connection."""
    if not session.queued:
        return session, ()
    outputs: list[Output] = []
    waiting: list[Pending] = []
    in_flight = list(session.in_flight)
    rates = session.rates
    config = session.config
    for pending in session.queued:
        if now >= pending.submitted_at + _span(config.wait_for_online):
            where = session.system or "not connected"
            outputs.append(NotSent(req_id=pending.req_id,
                                   reason=f"no usable connection in time ({where})"))  # fmt: skip
            continue
        if (
            session.phase != "ready"
            or session.token is None
            or not _usable(session.system, pending.request)
        ):
            waiting.append(pending)
            continue
        if pending.release_at is not None and now < pending.release_at:
            waiting.append(pending)
            continue
        price = _rate_cost(pending)
        if price is not None and pending.symbol is not None:
            allowed, rates = take(rates, pending.symbol, price, now)
            if not allowed.ok:
                if config.rate_policy == "refuse" or allowed.wait_seconds is None:
                    outputs.append(NotSent(req_id=pending.req_id,
                                           reason=f"Kraken's rate counter for {pending.symbol} is at "
                                           f"{allowed.level}: the request would pass its threshold"))  # fmt: skip
                    continue
                # to the microsecond, rounded up as `admit` gave it: a float could release it early
                micros = int(allowed.wait_seconds.scaleb(6, context=_EXACT))
                until = now + timedelta(microseconds=micros)
                waiting.append(msgspec.structs.replace(pending, release_at=until))
                outputs.append(Held(req_id=pending.req_id, until=until))
                continue
        if pending.encoded is not None and now == pending.submitted_at:
            data = splice_token(pending.encoded, session.token)  # as checked, this instant
        else:
            context = msgspec.structs.replace(config.context, now=now)
            data = _frame(pending.request, session.token, context)
        sent = msgspec.structs.replace(pending, sent_at=now, connection=session.connection)
        in_flight.append(sent)
        outputs.extend(
            (SendFrame(data=data), Sent(req_id=pending.req_id, connection=session.connection))
        )
    return (
        msgspec.structs.replace(
            session, queued=tuple(waiting), in_flight=tuple(in_flight), rates=rates
        ),
        tuple(outputs),
    )


def _rate_cost(pending: Pending) -> Decimal | None:
    """What the request adds to Kraken's per-pair counter (docs.kraken.com/api/docs/guides/
    spot-ratelimits); None for what the counter does not count. The tracker keeps no order's
    age, so an amend or a cancel is charged as if the order were under 5 s old: the estimate
    errs towards holding a request back."""
    request = pending.request
    match request:
        case AddOrder():
            return cost("add_order")
        case BatchAdd():
            return cost("batch_add", n=len(request.params.orders))
        case AmendOrder():
            return cost("amend_order", None)  # age unknown: charged as the youngest, the dearest
        case CancelOrder():
            count = len(request.params.order_id or []) + len(request.params.cl_ord_id or [])
            return cost("cancel_order", None, n=max(1, count))
        case CancelAll() | CancelAllOrdersAfter() | Ping():
            return None
        case _:
            assert_never(request)


def _frame(request: Outgoing, token: Secret, context: Context) -> bytes:
    match request:
        case AddOrder() | BatchAdd() | AmendOrder() | CancelOrder():
            restamped = _restamped(request, context)
            return with_token(restamped, token).unwrap()  # checked at submission: encodes
        case CancelAll() | CancelAllOrdersAfter() | Ping():
            return frame(request, token)
        case _:
            assert_never(request)


# --- tokens and connections -----------------------------------------------------------------------


def _token_minted(session: Session, event: TokenMinted) -> tuple[Session, tuple[Output, ...]]:
    minted = msgspec.structs.replace(
        session, token=event.grant.token, token_at=event.now, minting=False
    )
    if session.phase == "minting":
        return msgspec.structs.replace(minted, phase="connecting"), (OpenSocket(),)
    return minted, ()  # a refresh while connected: later requests carry the new token


def _token_failed(session: Session, event: TokenFailed) -> tuple[Session, tuple[Output, ...]]:
    failed = msgspec.structs.replace(session, minting=False)
    refused = TokenRefused(problems=event.problems, attempt=session.failures + 1)
    if session.phase != "minting":
        return failed, (refused,)  # a refresh failed: the current token still serves
    backed, outputs = _backoff(failed, event.now, event.jitter, "the token was refused")
    return backed, (refused, *outputs)


def _backoff(
    session: Session, now: datetime, jitter: float, reason: str
) -> tuple[Session, tuple[Output, ...]]:
    """Wait before the next attempt: doubling from `backoff_base` up to `backoff_cap`, scaled by
    a jitter between 0.5 and 1, and never under `backoff_floor` once attempts keep failing
    (Kraken: about 150 connections per 10 minutes per IP, and 5 s after maintenance)."""
    config = session.config
    failures = session.failures + 1
    delay = min(config.backoff_cap, config.backoff_base * 2 ** (failures - 1))
    delay *= 0.5 + min(max(jitter, 0.0), 1.0) / 2
    if failures >= config.floor_after:
        delay = max(delay, config.backoff_floor)
    retry_at = now + timedelta(seconds=delay)
    backed = msgspec.structs.replace(
        session, phase="backoff", failures=failures, retry_at=retry_at, last_frame_at=None
    )
    return backed, (ConnectionLost(reason=reason, attempt=failures, retry_at=retry_at),)


def _lost(
    session: Session, now: datetime, jitter: float, reason: str, *, close: bool
) -> tuple[Session, tuple[Output, ...]]:
    """The connection is gone: everything in flight becomes unknown, never re-sent."""
    if session.phase in ("stopped", "backoff"):
        return session, ()
    outputs: list[Output] = [CloseSocket(code=1000, reason=reason)] if close else []
    unknown = list(session.unknown)
    for pending in session.in_flight:
        unknown.append(pending)
        outputs.append(OutcomeUnknown(req_id=pending.req_id, cl_ord_ids=pending.cl_ord_ids,
                                      reason=f"connection lost: {reason}",
                                      cause="connection_lost"))  # fmt: skip
    gone = msgspec.structs.replace(
        session, in_flight=(), unknown=tuple(unknown), system=None, subscribe_req=None,
        sequence=None, token=None,
    )  # fmt: skip
    if not session.wanted:
        return msgspec.structs.replace(gone, phase="stopped"), tuple(outputs)
    backed, lost = _backoff(gone, now, jitter, reason)
    return backed, (*outputs, *lost)


def _stop(session: Session, now: datetime) -> tuple[Session, tuple[Output, ...]]:
    outputs: list[Output] = [
        NotSent(req_id=p.req_id, reason="the session stopped") for p in session.queued
    ]
    for pending in session.in_flight:
        outputs.append(OutcomeUnknown(req_id=pending.req_id, cl_ord_ids=pending.cl_ord_ids,
                                      reason="the session stopped before the answer",
                                      cause="stopped"))  # fmt: skip
    if session.phase in ("connecting", "opening", "subscribing", "ready"):
        outputs.append(CloseSocket(code=1000, reason="stopped"))
    stopped = msgspec.structs.replace(
        session, phase="stopped", wanted=False, queued=(), in_flight=(),
        unknown=(*session.unknown, *session.in_flight), token=None, retry_at=None,
    )  # fmt: skip
    return stopped, tuple(outputs)


# --- frames ---------------------------------------------------------------------------------------


def _received(session: Session, event: Received) -> tuple[Session, tuple[Output, ...]]:
    now = event.now
    heard = msgspec.structs.replace(session, last_frame_at=now)
    inbound = decode_frame(event.data)
    match inbound:
        case Status():
            return _status(heard, inbound.system, now)
        case Heartbeat():
            return heard, ()
        case Pong():
            done = _answered_ids(heard, inbound.req_id)
            return done, (PongReceived(req_id=inbound.req_id),)
        case Answer():
            return _answer(heard, inbound, now)
        case SubscribeAck():
            if inbound.req_id != session.subscribe_req:
                return heard, ()
            if inbound.success:
                return _rate_announced(heard, inbound.maxratecount), ()
            return _lost(
                heard, now, 0.5, f"executions subscription refused: {inbound.error}", close=True
            )
        case Executions():
            return _executions(heard, inbound, now)
        case UnsubscribeAck() | Ticker() | Unhandled():
            return heard, ()
        case Malformed():
            return heard, ()  # a frame not understood is not a fill: the snapshot resyncs later
        case _:
            assert_never(inbound)


def _status(session: Session, system: System, now: datetime) -> tuple[Session, tuple[Output, ...]]:
    changed = msgspec.structs.replace(session, system=system)
    outputs: list[Output] = [StatusChanged(system=system)]
    if session.phase == "opening" and session.token is not None:
        req_id = session.next_req_id
        subscribe = Subscribe(params=ExecutionsParams(), req_id=req_id)
        changed = msgspec.structs.replace(
            changed, phase="subscribing", subscribe_req=req_id, next_req_id=_next(req_id)
        )
        outputs.append(SendFrame(data=frame(subscribe, session.token)))
        return changed, tuple(outputs)
    flushed, sent = _flush(changed, now)
    return flushed, (*outputs, *sent)


def _rate_announced(session: Session, maxratecount: int | None) -> Session:
    """The account's own threshold, from the `executions` subscribe ack's `maxratecount`
    (docs.kraken.com/api/docs/websocket-v2/executions): it wins over the configured tier."""
    if maxratecount is None:
        return session
    return msgspec.structs.replace(session, rates=announced(session.rates, maxratecount))


def _answered_ids(session: Session, req_id: int | None) -> Session:
    if req_id is None:
        return session
    return msgspec.structs.replace(
        session, in_flight=tuple(p for p in session.in_flight if p.req_id != req_id)
    )


def _answer(session: Session, answer: Answer, now: datetime) -> tuple[Session, tuple[Output, ...]]:
    outputs: list[Output] = []
    minted = session
    if answer.error is not None and answer.error.startswith(_STALE_TOKEN) and not session.minting:
        minted = msgspec.structs.replace(session, minting=True)
        outputs.append(MintToken())
    flying = next((p for p in session.in_flight if p.req_id == answer.req_id), None)
    if flying is not None:
        done = _answered_ids(minted, answer.req_id)
        outputs.append(Answered(req_id=flying.req_id, cl_ord_ids=flying.cl_ord_ids, answer=answer))
        return done, tuple(outputs)
    late = next((p for p in session.unknown if p.req_id == answer.req_id), None)
    if late is not None:
        # a late answer after the timeout, on the same connection: it says what happened
        rest = tuple(p for p in minted.unknown if p.req_id != answer.req_id)
        outputs.append(Answered(req_id=late.req_id, cl_ord_ids=late.cl_ord_ids, answer=answer))
        return msgspec.structs.replace(minted, unknown=rest), tuple(outputs)
    return minted, tuple(outputs)


def _executions(
    session: Session, message: Executions, now: datetime
) -> tuple[Session, tuple[Output, ...]]:
    expected = None if session.sequence is None else session.sequence + 1
    gap = message.type == "update" and expected is not None and message.sequence is not None
    if gap and message.sequence != expected:  # the stream lost something: resync from scratch
        return _lost(
            session, now, 0.5, f"executions sequence jumped to {message.sequence}", close=True
        )
    sequenced = msgspec.structs.replace(session, sequence=message.sequence)
    if message.type == "snapshot":
        book, events = apply_snapshot(session.book, message.data, adopt=_own(session))
        updated = msgspec.structs.replace(sequenced, book=book)
        resolved, found = _reconcile(updated, events)
        if session.phase == "subscribing":
            ready = msgspec.structs.replace(resolved, phase="ready", failures=0, retry_at=None)
            flushed, sent = _flush(ready, now)
            return flushed, (*(OrderUpdate(event=e) for e in events), *found,
                             Ready(connection=session.connection), *sent)  # fmt: skip
        return resolved, (*(OrderUpdate(event=e) for e in events), *found)
    book = session.book
    outputs: list[Output] = []
    for report in message.data:
        book, events = apply(book, report)
        outputs.extend(OrderUpdate(event=e) for e in events)
    updated = msgspec.structs.replace(sequenced, book=book)
    seen, found = _seen_in_stream(updated)
    return seen, (*outputs, *found)


def _own(session: Session) -> frozenset[str]:
    """The `cl_ord_id`s of the adds whose fate the session does not know yet: a snapshot trade
    of one of them is its outcome, so the book takes the order in."""
    return frozenset(
        cl_ord_id
        for pending in (*session.unknown, *session.in_flight)
        if not pending.validate_only
        for cl_ord_id in pending.cl_ord_ids
    )


def _seen_in_stream(
    session: Session, among: Iterable[Pending] | None = None
) -> tuple[Session, tuple[Output, ...]]:
    """An unknown add (of `among`, or any) whose every `cl_ord_id` the stream shows is resolved
    at once: it was placed, whatever became of its answer."""
    candidates = session.unknown if among is None else tuple(among)
    outputs: list[Output] = []
    resolved: set[int] = set()
    for pending in candidates:
        orders = [session.book.get_by_cl_ord_id(cl) for cl in pending.cl_ord_ids]
        if pending.validate_only or not pending.cl_ord_ids or None in orders:
            continue
        resolved.add(pending.req_id)
        outputs.extend(_found(pending, cl, order)
                       for cl, order in zip(pending.cl_ord_ids, orders, strict=True))  # fmt: skip
    if not outputs:
        return session, ()
    still = tuple(p for p in session.unknown if p.req_id not in resolved)
    return msgspec.structs.replace(session, unknown=still), tuple(outputs)


def _reconcile(
    session: Session, events: Iterable[OrderEvent]
) -> tuple[Session, tuple[Output, ...]]:
    """Resolve every request of unknown outcome from the snapshot just applied: by `cl_ord_id`
    for adds (open, filled, done, or absent), and as `validate_only` where nothing can have been
    placed. An order the snapshot does not list open (`Missing`) is not open: it is filled if
    what filled reaches its quantity, else done. Amends and cancels are resolved by the order's
    own events, which follow."""
    gone = frozenset(event.order_id for event in events if isinstance(event, Missing))
    outputs: list[Output] = []
    for pending in session.unknown:
        if pending.validate_only:
            outputs.extend(Resolved(req_id=pending.req_id, cl_ord_id=cl, found="validate_only",
                                    order_id=None, cum_qty=None)
                           for cl in (pending.cl_ord_ids or (None,)))  # fmt: skip
            continue
        if not pending.cl_ord_ids:
            outputs.append(Resolved(req_id=pending.req_id, cl_ord_id=None, found="unknown",
                                    order_id=None, cum_qty=None))  # fmt: skip
            continue
        for cl_ord_id in pending.cl_ord_ids:
            order = session.book.get_by_cl_ord_id(cl_ord_id)
            outputs.append(_found(pending, cl_ord_id, order, gone))
    return msgspec.structs.replace(session, unknown=()), tuple(outputs)


def _found(
    pending: Pending, cl_ord_id: str, order: Order | None, gone: frozenset[str] = frozenset()
) -> Resolved:
    """What the book says of one `cl_ord_id` of `pending`; `gone` holds the orders the last
    snapshot did not list open although the book has them open."""
    req_id = pending.req_id
    if order is None:
        return Resolved(req_id=req_id, cl_ord_id=cl_ord_id, found="absent", order_id=None,
                        cum_qty=None)  # fmt: skip
    found: Found
    if order.done == "filled":
        found = "filled"
    elif order.done is not None:
        found = "done"
    elif order.order_id not in gone:
        found = "open"
    else:  # closed while unseen: filled if the fills reach its quantity
        qty = order.order_qty if order.order_qty is not None else _requested(pending, cl_ord_id)
        found = "filled" if qty is not None and order.cum_qty >= qty else "done"
    return Resolved(req_id=req_id, cl_ord_id=cl_ord_id, found=found, order_id=order.order_id,
                    cum_qty=order.cum_qty)  # fmt: skip


def _requested(pending: Pending, cl_ord_id: str) -> Decimal | None:
    """The quantity the request asked for under this `cl_ord_id`."""
    request = pending.request
    match request:
        case AddOrder():
            return request.params.order_qty
        case BatchAdd():
            return next((order.order_qty for order in request.params.orders
                         if order.cl_ord_id == cl_ord_id), None)  # fmt: skip
        case AmendOrder() | CancelOrder() | CancelAll() | CancelAllOrdersAfter() | Ping():
            return None
        case _:
            assert_never(request)


# --- time ------------------------------------------------------------------------------------------


def _tick(session: Session, now: datetime) -> tuple[Session, tuple[Output, ...]]:
    config = session.config
    if session.phase == "backoff" and session.retry_at is not None and now >= session.retry_at:
        session = msgspec.structs.replace(session, phase="stopped", retry_at=None)
        return _connect_if_stopped(session, now)
    last = session.last_frame_at if session.phase in ("opening", "subscribing", "ready") else None
    if last is not None and now - last > _span(config.silence_limit):
        # no frame for 5 s: do not rely on TCP to say the connection is gone
        return _lost(session, now, 0.5, f"no frame for {config.silence_limit:g} s", close=True)
    outputs: list[Output] = []
    timed_out = [
        p for p in session.in_flight
        if p.sent_at is not None and now - p.sent_at > _span(config.answer_timeout)
    ]  # fmt: skip
    if timed_out:
        outputs.extend(OutcomeUnknown(req_id=p.req_id, cl_ord_ids=p.cl_ord_ids,
                                      reason=f"no answer in {config.answer_timeout:g} s",
                                      cause="timeout")
                       for p in timed_out)  # fmt: skip
        session = msgspec.structs.replace(
            session,
            in_flight=tuple(p for p in session.in_flight if p not in timed_out),
            unknown=(*session.unknown, *timed_out),
        )
        # the stream may already show what the answer would have said: resolve those now
        session, seen = _seen_in_stream(session, timed_out)
        outputs.extend(seen)
    refresh_due = (
        session.phase == "ready" and session.token_at is not None and not session.minting
        and now - session.token_at >= _span(config.token_refresh)
    )  # fmt: skip
    if refresh_due:
        session = msgspec.structs.replace(session, minting=True)
        outputs.append(MintToken())
    flushed, sent = _flush(session, now)
    return flushed, (*outputs, *sent)

"""The live session's shell: the one place that owns the private socket, reads the clock, calls
REST for tokens and draws randomness; everything it decides is the pure core's
(`momentum.session.core`), as h11's examples drive `h11.Connection`.

`LiveSession` is the library's way to send: start it, submit requests, and read their outcomes
and the session's events. Its credentials come from `momentum.scripts.account`
(`read_credentials`, re-exported here). The key, the secret and the token are `Secret`s: they
never appear in output, logs, errors or reprs.

docs.kraken.com/api/docs/rest-api/get-websockets-token, docs.kraken.com/api/docs/guides/spot-ws-intro
"""

import asyncio
import contextlib
import random
import time
import urllib.error
import urllib.request
from collections.abc import AsyncIterator, Coroutine
from datetime import UTC, datetime
from typing import Final, Self

from returns.result import Failure, Success
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

from momentum.errors import InputInvalid, show
from momentum.exchange.kraken.rest.auth import decode_token_answer, token_request
from momentum.exchange.kraken.ws_v2_check import Beside
from momentum.models.secret import Secret
from momentum.scripts.account import (
    DEFAULT_REST_URL,
    DEFAULT_WS_URL,
    Credentials,
    read_credentials,
)
from momentum.session.core import (
    Answered,
    CloseSocket,
    Connected,
    Disconnected,
    Input,
    MintToken,
    NotSent,
    Open,
    OpenSocket,
    OutcomeUnknown,
    Outgoing,
    Output,
    Received,
    Refused,
    Resolved,
    SendFrame,
    Session,
    SessionConfig,
    Stop,
    Submit,
    Submitted,
    Tick,
    TokenFailed,
    TokenMinted,
    next_deadline,
    start,
    step,
)

__all__ = [
    "DEFAULT_REST_URL",
    "DEFAULT_WS_URL",
    "Credentials",
    "LiveSession",
    "Outcome",
    "read_credentials",
]

_REST_TIMEOUT: Final = 10.0  # s for the token call
_IDLE: Final = 1.0  # s between ticks when nothing is due
# s for the closing handshake before the TCP connection is dropped: a dead link never answers,
# and the session has already moved on (closes run beside the loop, never in it)
_CLOSE_TIMEOUT: Final = 2.0

Outcome = Answered | OutcomeUnknown | Resolved | NotSent | Refused
_NOTHING: Final = Beside()


class LiveSession:
    """A live WS v2 session: `async with LiveSession(...) as live:` connects on the first
    request, sends it when it passed every check, and tells what became of it.

    `submit` answers with the request's `req_id` (or the local refusal); `outcome(req_id)` waits
    for what became of it: `Answered`, `OutcomeUnknown` followed (after a reconnect) by
    `Resolved`, `NotSent` or `Refused`. `events()` streams every event of the session.
    """

    def __init__(
        self,
        config: SessionConfig,
        credentials: Credentials,
        *,
        rest_url: str = DEFAULT_REST_URL,
        ws_url: str = DEFAULT_WS_URL,
    ) -> None:
        self._credentials = credentials
        self._rest_url = rest_url.rstrip("/")
        self._ws_url = ws_url
        now = _now()
        self._session: Session = start(config, now, _prefix())
        # one input at a time, in arrival order (the lock is fair), each with all it causes
        self._lock = asyncio.Lock()
        self._events: asyncio.Queue[Output] = asyncio.Queue()
        self._outcomes: dict[int, list[Outcome]] = {}
        self._waiters: dict[int, list[asyncio.Future[None]]] = {}
        self._refs: dict[int, Submitted | Refused] = {}
        self._next_ref = 1
        self._nonce = 0
        self._socket: ClientConnection | None = None
        self._reader: asyncio.Task[None] | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._timer_at: float | None = None
        self._running = False
        self._background: set[asyncio.Task[None]] = set()
        self._closing: set[asyncio.Task[None]] = set()  # sockets closing beside the session

    async def __aenter__(self) -> Self:
        self._running = True
        self._rearm()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @property
    def session(self) -> Session:
        """The core's state now (for inspection; it holds the token as a `Secret`)."""
        return self._session

    async def open(self) -> None:
        """Connect now, before any request, and subscribe to `executions`: a caller that must
        know the open orders first waits for `Ready` in `events()`, then reads `session.book`."""
        await self._feed(Open(now=_now()))

    async def submit(self, request: Outgoing, beside: Beside = _NOTHING) -> Submitted | Refused:
        """Check and queue a request; `Refused` (nothing sent) or `Submitted` with its `req_id`.
        A request that may go at once has gone when this returns."""
        ref = self._next_ref
        self._next_ref += 1
        await self._feed(Submit(ref=ref, request=request, beside=beside, now=_now()))
        return self._refs.pop(ref)  # the core answers every Submit with one of the two

    async def outcome(self, req_id: int, timeout: float) -> tuple[Outcome, ...]:
        """Every outcome event of a request until a final one (answered, resolved, not sent), or
        what there is when `timeout` seconds pass (an `OutcomeUnknown` that nothing resolved)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            found = tuple(self._outcomes.get(req_id, ()))
            if any(not isinstance(event, OutcomeUnknown) for event in found):
                return found
            if loop.time() >= deadline:
                return found
            # each call waits on its own future, woken by the request's next outcome or by a
            # timer: one hop of the loop, no task, no shield, nothing shared to cancel
            waiter: asyncio.Future[None] = loop.create_future()
            waiters = self._waiters.setdefault(req_id, [])
            waiters.append(waiter)
            timer = loop.call_at(deadline, _wake, waiter)
            try:
                await waiter
            finally:
                timer.cancel()
                if self._waiters.get(req_id) is waiters:  # timed out or cancelled: not woken
                    waiters.remove(waiter)
                    if not waiters:
                        del self._waiters[req_id]

    async def events(self) -> AsyncIterator[Output]:
        """Every command and event the core produced, in order."""
        while True:
            yield await self._events.get()

    async def close(self) -> None:
        """Stop the session: close the socket, stop reconnecting, end the tasks."""
        if not self._running:
            return
        self._running = False
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(5):
                await self._feed(Stop(now=_now()))
        if self._timer is not None:
            self._timer.cancel()
        if self._closing:  # let the closing handshakes finish (each bounded by its timeout)
            await asyncio.wait(self._closing, timeout=_CLOSE_TIMEOUT + 1)
        for task in (self._reader, *self._background):
            if task is not None:
                task.cancel()
        for task in (self._reader, *self._background):
            if task is not None:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        if self._socket is not None:
            with contextlib.suppress(Exception):
                await self._socket.close()

    # --- feeding the core -------------------------------------------------------------------------

    async def _feed(self, event: Input) -> None:
        """One input through the core, and everything it causes, before the next input."""
        async with self._lock:
            self._session, outputs = step(self._session, event)
            for output in outputs:
                await self._perform(output)
        if self._running:
            self._rearm()

    def _rearm(self) -> None:
        """A `Tick` at the core's next deadline (at least once a second): a timer, not a task."""
        loop = asyncio.get_running_loop()
        due = next_deadline(self._session)
        wait = _IDLE if due is None else min(_IDLE, max(0.0, (due - _now()).total_seconds()))
        when = loop.time() + wait
        if self._timer is not None and self._timer_at is not None and self._timer_at <= when:
            return  # an earlier tick is already due
        if self._timer is not None:
            self._timer.cancel()
        self._timer_at = when
        self._timer = loop.call_at(when, self._ticked)

    def _ticked(self) -> None:
        self._timer = self._timer_at = None
        if self._running:
            self._spawn(self._feed(Tick(now=_now())))

    async def _perform(self, output: Output) -> None:
        match output:
            case MintToken():
                self._spawn(self._mint())
            case OpenSocket():
                self._spawn(self._open())
            case SendFrame():
                if self._socket is not None:
                    with contextlib.suppress(ConnectionClosed):
                        await self._socket.send(output.data)
            case CloseSocket():
                if self._socket is not None:
                    socket, self._socket = self._socket, None
                    # in the background: on a dead link the closing handshake waits its whole
                    # timeout, and ticks, timeouts and submits must not wait with it
                    self._spawn(_close(socket, output.code, output.reason), self._closing)
            case Submitted() | Refused():
                self._refs[output.ref] = output
            case Answered() | OutcomeUnknown() | Resolved() | NotSent():
                self._outcomes.setdefault(output.req_id, []).append(output)
                for waiter in self._waiters.pop(output.req_id, ()):
                    _wake(waiter)
            case _:
                pass
        self._events.put_nowait(output)

    def _spawn(self, work: Coroutine[object, object, None], *also: set[asyncio.Task[None]]) -> None:
        task = asyncio.create_task(work)
        for tasks in (self._background, *also):
            tasks.add(task)
            task.add_done_callback(tasks.discard)

    async def _mint(self) -> None:
        self._nonce = max(self._nonce + 1, time.time_ns() // 1000)  # always increasing
        request = token_request(self._credentials.key, self._credentials.secret, self._nonce)
        match request:
            case Success(http):
                data = await asyncio.to_thread(
                    _post, self._rest_url + http.path, dict(http.headers), http.body
                )
                answer = (
                    decode_token_answer(data)
                    if isinstance(data, bytes)
                    else Failure(
                        (
                            InputInvalid(
                                field="GetWebSocketsToken",
                                given=data,
                                accepted="a reachable Kraken REST API",
                            ),
                        )
                    )
                )
            case Failure(tuple() as problems):
                answer = Failure(problems)
            case _:
                return
        match answer:
            case Success(grant):
                await self._feed(TokenMinted(grant=grant, now=_now()))
            case Failure(tuple() as problems):
                await self._feed(TokenFailed(problems=problems, jitter=random.random(), now=_now()))

    async def _open(self) -> None:
        try:
            socket = await connect(
                self._ws_url,
                open_timeout=10,
                ping_interval=20,
                ping_timeout=20,
                max_size=2**22,
                compression=None,
                close_timeout=_CLOSE_TIMEOUT,
            )
        except (OSError, InvalidHandshake, InvalidURI, TimeoutError) as error:
            reason = f"could not connect ({type(error).__name__})"
            await self._feed(
                Disconnected(code=None, reason=reason, jitter=random.random(), now=_now())
            )
            return
        self._socket = socket
        await self._feed(Connected(now=_now()))
        self._reader = asyncio.create_task(self._read(socket))

    async def _read(self, socket: ClientConnection) -> None:
        code: int | None = None
        try:
            async for message in socket:
                data = message if isinstance(message, bytes) else message.encode()
                await self._feed(Received(data=data, now=_now()))
        except ConnectionClosed as closed:
            code = closed.rcvd.code if closed.rcvd is not None else 1006
        else:
            code = socket.close_code
        if self._socket is socket:
            self._socket = None
            await self._feed(
                Disconnected(code=code, reason="closed", jitter=random.random(), now=_now())
            )


def _wake(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)


async def _close(socket: ClientConnection, code: int, reason: str) -> None:
    """Close a socket the session has left; whatever the link does, nothing is raised."""
    with contextlib.suppress(Exception):
        await socket.close(code, reason)


def _post(url: str, headers: dict[str, Secret], body: bytes) -> bytes | str:
    """One POST, in a worker thread: the answer's bytes, or why there is none (no secret in it)."""
    request = urllib.request.Request(url, data=body, method="POST")
    for name, value in headers.items():
        request.add_header(name, value.reveal())
    try:
        with urllib.request.urlopen(request, timeout=_REST_TIMEOUT) as answer:
            data: bytes = answer.read(1024 * 1024)
            return data
    except urllib.error.HTTPError as error:
        return f"HTTP {error.code} from {show(url)}"
    except (urllib.error.URLError, OSError, TimeoutError) as error:
        return f"{show(url)} unreachable ({type(error).__name__})"


def _now() -> datetime:
    return datetime.now(UTC)


def _prefix() -> str:
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
    return "".join(random.choice(alphabet) for _ in range(8))

"""`momentum-bracket`'s runner: the machine (`momentum.bracket.machine`) over a live session, the
public ticker and, with `--sim`, the simulator. It owns the sockets, the clock and the keyboard;
the machine decides, this only carries. Loaded only once a bracket's flags, knobs and pre-flight
are sound: a refusal or `--help` never loads asyncio or websockets.

docs.kraken.com/api/docs/websocket-v2/add_order, .../executions, .../ticker
"""

import asyncio
import contextlib
import random
import signal
import sys
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Final, Literal, TextIO

import msgspec
from returns.result import Failure, Success
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

from momentum.bracket.machine import (
    Alert,
    Amend,
    Bracket,
    BracketSpec,
    Cancel,
    Command,
    Dust,
    Event,
    Exit,
    Finished,
    Place,
    Price,
    Reconnecting,
    start,
    step,
)
from momentum.bracket.report import line, note, still_open
from momentum.bracket.wire import Sent, event_of, open_positions, reconciled, refused, request_for
from momentum.errors import OrderProblem, Problem, exit_code, render, render_all
from momentum.exchange.kraken.ws_v2_check import Beside
from momentum.exchange.kraken.ws_v2_inbound import Ticker, decode_frame
from momentum.exchange.kraken.ws_v2_session import Subscribe, TickerParams, frame
from momentum.models.context import Context, Exposure
from momentum.models.secret import Secret
from momentum.probe.core import to_flags
from momentum.probe.flags import BRACKET_FLAG_OF
from momentum.scripts.account import Credentials
from momentum.scripts.connection import LiveSession
from momentum.session.core import (
    Answered,
    ConnectionLost,
    NotSent,
    OrderUpdate,
    OutcomeUnknown,
    Output,
    Ready,
    Refused,
    Resolved,
    SessionConfig,
    StatusChanged,
    TokenRefused,
)
from momentum.session.orders import Missing

if TYPE_CHECKING:
    from momentum.sim import Tick

__all__ = ["Runner", "Settings", "run_bracket", "simulated"]

_CONNECT_WAIT: Final = 30.0  # s for a usable connection before anything is sent
_QUEUE_WAIT: Final = 60.0  # s a request waits for a usable connection (a reconnect, a pause)
_WIND_DOWN: Final = 5.0  # s to see the entry's cancel confirmed after Ctrl-C
_PATH_GRACE: Final = 3.0  # s after the simulator's price path ends before the run stops
FLAG_OF: Final = BRACKET_FLAG_OF


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    """Everything a run needs, decided from argv, the environment and the files."""

    spec: BracketSpec
    context: Context
    validate: bool
    answer_timeout: float = 5.0


async def simulated(settings: Settings, path: "tuple[Tick, ...]") -> int:
    from momentum.sim import SimConfig, Simulator  # noqa: PLC0415 -- only with --sim

    spec = settings.spec
    # both-resting is for accounts that let a stop and a limit sell hold the same coins
    config = SimConfig.throwaway(hold_balances=spec.mode == "one-resting")
    async with Simulator(config=config) as exchange:
        if path:
            await exchange.set_price(spec.symbol, path[0].price)
        throwaway = Credentials(key=Secret(config.api_key), secret=Secret(config.api_secret))

        async def market() -> None:
            await exchange.replay(spec.symbol, path)

        urls = (exchange.rest_url, exchange.ws_url, exchange.public_ws_url)
        return await run_bracket(settings, throwaway, urls, market=market)


async def run_bracket(
    settings: Settings,
    credentials: Credentials,
    urls: tuple[str, str, str],
    *,
    market: Callable[[], Awaitable[None]] | None = None,
    interrupted: asyncio.Event | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """Run one bracket against the exchange at `urls` (REST, private WS, public WS) and answer
    with the exit code. `market` is started once the entry is answered (the simulator's price
    path); `interrupted` stops the run as Ctrl-C does (by default Ctrl-C sets it)."""
    rest_url, ws_url, public_url = urls
    config = SessionConfig(context=settings.context, answer_timeout=settings.answer_timeout,
                           wait_for_online=_QUEUE_WAIT)  # fmt: skip
    stop = interrupted if interrupted is not None else asyncio.Event()
    loop = asyncio.get_running_loop()
    handled = False
    if interrupted is None:
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):  # not everywhere
            loop.add_signal_handler(signal.SIGINT, stop.set)
            handled = True
    try:
        async with LiveSession(config, credentials, rest_url=rest_url, ws_url=ws_url) as live:
            runner = Runner(settings, live, public_url=public_url,
                            out=out if out is not None else sys.stdout,
                            err=err if err is not None else sys.stderr)  # fmt: skip
            return await runner.run(stop, market=market)
    finally:
        if handled:
            loop.remove_signal_handler(signal.SIGINT)


# --- the runner ---------------------------------------------------------------------------------------


class _Stop(msgspec.Struct, frozen=True, kw_only=True):
    """The run must stop: Ctrl-C, or the simulator's price path ran out."""

    reason: str


class _TickerLost(msgspec.Struct, frozen=True, kw_only=True):
    reason: str


class _Expired(msgspec.Struct, frozen=True, kw_only=True):
    """A request without an answer that the stream has not resolved either, a grace later."""

    req_id: int


Inbox = Output | Price | _Stop | _TickerLost | _Expired
Ending = Literal["flat", "alert"]


class Runner:
    """One bracket over one live session: feeds the machine the session's events and the ticker's
    prices, sends what it commands, prints every step. The machine decides; this only carries."""

    def __init__(
        self, settings: Settings, live: LiveSession, *, public_url: str, out: TextIO, err: TextIO
    ) -> None:
        self._settings = settings
        self._spec = settings.spec
        self._entry_id = f"{settings.spec.prefix}e0"  # the machine's name for the entry
        self._live = live
        self._public_url = public_url
        self._out = out
        self._err = err
        self._inbox: asyncio.Queue[Inbox] = asyncio.Queue()
        self._bracket: Bracket | None = None
        self._sent: dict[int, Sent] = {}
        self._awaiting: dict[int, Sent] = {}
        self._missing: set[str] = set()
        self._unresolved: dict[int, OutcomeUnknown] = {}
        self._paused = False
        self._ending: Ending | None = None
        self._entry_problems: tuple[OrderProblem, ...] = ()
        self._entry_answered = False
        self._entry_outcome: Literal["rejected", "not_sent"] | None = None
        self._alert: Alert | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._printing = True

    async def run(
        self, interrupted: asyncio.Event, *, market: Callable[[], Awaitable[None]] | None = None
    ) -> int:
        """The whole bracket: connect, check the entry against the open positions, place it,
        manage the exits until flat, an alert, or a stop. The exit code."""
        self._tasks.append(asyncio.create_task(self._pump()))
        self._tasks.append(asyncio.create_task(self._watch(interrupted)))
        try:
            return await self._run(market)
        finally:
            for task in self._tasks:
                task.cancel()
            for task in self._tasks:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task

    async def _run(self, market: Callable[[], Awaitable[None]] | None) -> int:
        await self._live.open()
        usable = await self._until_ready()
        if usable is not None:
            return usable
        now = _now()
        exposure = Exposure(open_positions=open_positions(self._live.session.book))
        context = msgspec.structs.replace(self._settings.context, now=now, exposure=exposure)
        bracket, commands = start(self._spec)
        entry = commands[0]
        problems = (
            request_for(entry, self._spec, context).swap().value_or(())
            if isinstance(entry, Place) else ()
        )  # fmt: skip
        if problems:  # ONE_POSITION_ONLY with the positions the snapshot shows: nothing sent
            self._say(f"{exposure.open_positions} position(s) open on the exchange")
            return _refused(to_flags(problems, FLAG_OF), self._err)
        self._bracket = bracket
        for command in commands:
            self._print(line(command))
        await self._carry(commands)
        if self._settings.validate:
            return await self._validated()
        if self._spec.mode == "one-resting":
            self._tasks.append(asyncio.create_task(self._ticker()))
        started = False
        while self._ending is None:
            item = await self._inbox.get()
            if isinstance(item, _Stop):
                return await self._stopped(item.reason)
            await self._take(item)
            if market is not None and not started and self._entry_answered:
                started = True
                self._tasks.append(asyncio.create_task(self._market(market)))
        return self._code()

    # --- connecting -------------------------------------------------------------------------------

    async def _until_ready(self) -> int | None:
        why = "no answer from the exchange"
        deadline = asyncio.get_running_loop().time() + _CONNECT_WAIT
        while True:
            left = deadline - asyncio.get_running_loop().time()
            try:
                item = await asyncio.wait_for(self._inbox.get(), max(left, 0))
            except TimeoutError:
                self._say(f"no usable connection in {_CONNECT_WAIT:g} s ({why}): nothing was sent")
                return 6
            match item:
                case Ready():
                    self._print(note("connected", {}))
                    return None
                case _Stop(reason=reason):
                    self._say(f"{reason} before anything was sent")
                    return 130
                case TokenRefused(problems=problems):
                    why = "; ".join(render(problem) for problem in problems)
                case ConnectionLost(reason=reason):
                    why = reason
                case StatusChanged(system=system) if system != "online":
                    why = f"the exchange is {system}"
                case _:
                    pass

    # --- the loop -------------------------------------------------------------------------------

    async def _take(self, item: Inbox) -> None:
        match item:
            case Price():
                await self._feed(item, quiet=True)
            case _TickerLost(reason=reason):
                self._print(note("ticker_lost", {"reason": reason}))
            case ConnectionLost(reason=reason):
                self._print(note("connection_lost", {"reason": reason}))
                if not self._paused:
                    self._paused = True
                    await self._feed(Reconnecting())
            case Ready():
                self._print(note("connected", {}))
                if self._paused and self._bracket is not None:
                    self._paused = False
                    pending = [sent.cl_ord_id for sent in self._awaiting.values()]
                    said = reconciled(self._bracket, self._live.session.book, self._missing,
                                      pending)  # fmt: skip
                    self._missing.clear()
                    self._unresolved.clear()  # the snapshot judged them: `said` holds them
                    await self._feed(said)
            case OrderUpdate(event=Missing(cl_ord_id=str() as cl_ord_id)):
                self._missing.add(cl_ord_id)
            case OutcomeUnknown(req_id=req_id, cause="timeout"):
                # no answer in time: the stream may still show what became of it (a `Resolved`
                # follows); only if nothing does within a grace is the machine told `Unknown`
                self._note_outcome(item)
                self._unresolved[req_id] = item
                self._tasks.append(asyncio.create_task(self._expire(req_id)))
            case _Expired(req_id=req_id) if req_id in self._unresolved:
                event = event_of(self._unresolved.pop(req_id), self._sent, self._live.session.book)
                if event is not None:
                    await self._feed(event)
            case Resolved(req_id=req_id) if req_id in self._unresolved:
                self._unresolved.pop(req_id)
                event = event_of(item, self._sent, self._live.session.book)
                if event is not None:
                    await self._feed(event)
            case Answered() | NotSent() | OutcomeUnknown():
                self._note_outcome(item)
                self._unresolved.pop(item.req_id, None)  # a late answer on the same connection
                event = event_of(item, self._sent, self._live.session.book)
                if event is not None:
                    await self._feed(event)
            case StatusChanged(system=system):
                self._print(note("status", {"system": system}))
            case _Stop() | _Expired() | Resolved():
                pass  # the loop handles a stop; the rest was settled already
            case _:
                event = event_of(item, self._sent, self._live.session.book)
                if event is not None:
                    await self._feed(event)

    def _note_outcome(self, item: Answered | NotSent | OutcomeUnknown) -> None:
        sent = self._awaiting.pop(item.req_id, None)
        if sent is None or sent != Sent(kind="place", cl_ord_id=self._entry_id):
            return
        self._entry_answered = True
        match item:
            case Answered(answer=answer) if not answer.success:
                self._entry_outcome = "rejected"
            case NotSent():
                self._entry_outcome = "not_sent"
            case _:
                pass

    async def _feed(self, first: Event, *, quiet: bool = False) -> None:
        """Step the machine with one event and every event its commands cause (a local refusal
        comes straight back as a refused answer), printing each."""
        events: deque[Event] = deque([first])
        while events and self._bracket is not None and self._ending is None:
            event = events.popleft()
            self._bracket, commands = step(self._bracket, event)
            if commands or not (quiet and isinstance(event, Price)):
                self._print(line(event))
            for command in commands:
                self._print(line(command))
            events.extend(await self._carry(commands))

    async def _carry(self, commands: Sequence[Command]) -> list[Event]:
        """Send what the machine commands; what could not be sent comes back as its answer."""
        back: list[Event] = []
        for command in commands:
            match command:
                case Place() | Amend() | Cancel():
                    back.extend(await self._send(command))
                case Alert():
                    self._ending = "alert"
                    self._alert = command
                case Finished():
                    self._ending = "flat"
                case Exit() | Dust():
                    pass
        return back

    async def _send(self, command: Place | Amend | Cancel) -> list[Event]:
        cl_ord_id = command.leg.cl_ord_id if isinstance(command, Place) else command.cl_ord_id
        kind: Literal["place", "amend", "cancel"] = (
            "place" if isinstance(command, Place) else "amend" if isinstance(command, Amend)
            else "cancel"
        )  # fmt: skip
        context = msgspec.structs.replace(self._settings.context, now=_now())
        built = request_for(command, self._spec, context)
        match built:
            case Failure(tuple() as problems):
                if kind == "place" and cl_ord_id == self._entry_id:
                    self._entry_problems = problems
                return [refused(problems, Sent(kind=kind, cl_ord_id=cl_ord_id))]
            case Success(request):
                # amend_order carries no side or pair: the session checks it as the exit it is
                beside = (
                    Beside(side="sell", symbol=self._spec.symbol) if kind == "amend" else Beside()
                )
                submitted = await self._live.submit(request, beside)
                if isinstance(submitted, Refused):
                    if kind == "place" and cl_ord_id == self._entry_id:
                        self._entry_problems = submitted.problems
                    return [refused(submitted.problems, Sent(kind=kind, cl_ord_id=cl_ord_id))]
                sent = Sent(kind=kind, cl_ord_id=cl_ord_id)
                self._sent[submitted.req_id] = sent
                self._awaiting[submitted.req_id] = sent
                return []
            case _:
                return []

    # --- endings --------------------------------------------------------------------------------

    def _code(self) -> int:
        match self._ending:
            case "alert" if self._alert is not None:
                alert = self._alert
                self._say(f"alert ({alert.kind}): {alert.figures}")
                self._say(f"to do: {alert.action}")
                self._open()
                return 5
            case "flat":
                if self._entry_problems:
                    return _refused(to_flags(self._entry_problems, FLAG_OF), self._err)
                return {None: 0, "rejected": 4, "not_sent": 6}[self._entry_outcome]
            case _:
                return 70

    async def _validated(self) -> int:
        """Validation only: the entry's answer is the whole run."""
        while True:
            item = await self._inbox.get()
            match item:
                case _Stop(reason=reason):
                    self._say(f"{reason} before the answer came")
                    return 130
                case Answered() | NotSent() | OutcomeUnknown():
                    if item.req_id not in self._sent:
                        continue
                    event = event_of(item, self._sent, self._live.session.book)
                    if event is not None:
                        self._print(line(event))
                    match item:
                        case Answered(answer=answer):
                            return 0 if answer.success else 4
                        case NotSent(reason=reason):
                            self._say(f"nothing was sent: {reason}")
                            return 6
                        case OutcomeUnknown(reason=reason):
                            self._say(f"the validation's outcome is unknown ({reason})")
                            return 5
                case _:
                    pass

    async def _stopped(self, reason: str) -> int:
        """Ctrl-C (or the price path ran out): cancel the entry's unfilled rest, which nothing
        would protect once this stops, leave the exits as they are, say what is open."""
        self._say(f"stopping: {reason}; the exits stay as they are")
        entry = self._bracket.legs[0] if self._bracket is not None else None
        # "placing" too: an add not yet answered may rest; a cancel by cl_ord_id on the same
        # connection is handled after it
        if entry is not None and entry.status in ("placing", "resting"):
            cancel = Cancel(
                cl_ord_id=entry.cl_ord_id, reason="stopping: nothing would protect its fills"
            )
            self._print(line(cancel))
            await self._send(cancel)
            deadline = asyncio.get_running_loop().time() + _WIND_DOWN
            while self._bracket is not None and self._bracket.legs[0].status in (
                "placing",
                "resting",
            ):
                left = deadline - asyncio.get_running_loop().time()
                try:
                    item = await asyncio.wait_for(self._inbox.get(), max(left, 0))
                except TimeoutError:
                    self._say(f"the entry's cancel was not confirmed in {_WIND_DOWN:g} s")
                    break
                if not isinstance(item, _Stop):
                    await self._take(item)
        self._open()
        return 130

    def _open(self) -> None:
        if self._bracket is not None:
            for text in still_open(self._bracket):
                self._say(text)

    # --- inputs ---------------------------------------------------------------------------------

    async def _pump(self) -> None:
        async for output in self._live.events():
            await self._inbox.put(output)

    async def _expire(self, req_id: int) -> None:
        await asyncio.sleep(self._settings.answer_timeout)
        await self._inbox.put(_Expired(req_id=req_id))

    async def _watch(self, interrupted: asyncio.Event) -> None:
        await interrupted.wait()
        await self._inbox.put(_Stop(reason="interrupted"))

    async def _market(self, market: Callable[[], Awaitable[None]]) -> None:
        await market()
        await asyncio.sleep(_PATH_GRACE)
        await self._inbox.put(_Stop(reason="the price path ran out"))

    async def _ticker(self) -> None:
        """The public ticker's last price, reconnected with backoff; the stop rests meanwhile."""
        backoff = 0.5
        subscribe = frame(Subscribe(params=TickerParams(symbol=[self._spec.symbol])), None)
        while True:
            reason = "closed"
            try:
                async with connect(self._public_url, open_timeout=10, ping_interval=20,
                                   compression=None) as socket:  # fmt: skip
                    await socket.send(subscribe)
                    backoff = 0.5
                    async for message in socket:
                        data = message if isinstance(message, bytes) else message.encode()
                        inbound = decode_frame(data)
                        ours = isinstance(inbound, Ticker) and inbound.symbol == self._spec.symbol
                        if ours and isinstance(inbound, Ticker) and inbound.last is not None:
                            await self._inbox.put(Price(last=inbound.last))
            except (OSError, InvalidHandshake, InvalidURI, TimeoutError, ConnectionClosed) as error:
                reason = type(error).__name__
            await self._inbox.put(_TickerLost(reason=reason))
            await asyncio.sleep(backoff * (1 + random.random() / 2))
            backoff = min(backoff * 2, 30.0)

    # --- output ---------------------------------------------------------------------------------

    def _print(self, data: bytes) -> None:
        if not self._printing:
            return
        try:
            self._out.write(data.decode() + "\n")
            self._out.flush()
        except (OSError, ValueError):  # stdout gone (a closed pipe): the bracket carries on
            self._printing = False

    def _say(self, text: str) -> None:
        with contextlib.suppress(OSError, ValueError):
            self._err.write(f"momentum-bracket: {text}\n")
            self._err.flush()


def _refused(problems: Sequence[Problem], err: TextIO | None = None) -> int:
    (err if err is not None else sys.stderr).write(render_all(problems))
    return exit_code(problems)


def _now() -> datetime:
    return datetime.now(UTC)

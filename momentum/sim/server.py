"""The simulator's shell: two WebSocket servers and the token endpoint on 127.0.0.1, driving the
engine and turning its outbox into frames.

Private (`ws-auth`): trading methods, `executions`, `status`, `heartbeat`, `ping`.
Public: `ticker`, `status`, `heartbeat`, `ping`.
docs.kraken.com/api/docs/guides/spot-ws-intro (endpoints), .../websocket-v2/* (each method).
"""

import asyncio
from collections.abc import Callable, Coroutine, Iterable, Mapping
from contextlib import suppress
from datetime import UTC, datetime
from decimal import Decimal
from http import HTTPStatus
from types import TracebackType
from typing import Final, Self, TypeAlias, assert_never

import msgspec
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from momentum.sim import answers, errors, frames
from momentum.sim.auth import TokenDesk
from momentum.sim.config import SimConfig
from momentum.sim.connection import Connection, ExecutionsSubscription
from momentum.sim.engine import (
    AssetBalance,
    Engine,
    Placed,
    Refused,
    ReportOut,
    StatusOut,
    System,
    TickerOut,
)
from momentum.sim.faults import (
    AnswerLate,
    CloseConnection,
    DropConnection,
    Fault,
    GoSilent,
    InvalidTokenOnce,
    Maintenance,
    MalformedFrame,
    NoAnswer,
    RateLimitNextAdd,
    RefuseToken,
    RejectNextAdd,
)
from momentum.sim.frames import Executions, Status, StatusData, Ticker
from momentum.sim.orders import IdMaker, OrderView
from momentum.sim.paths import Tick
from momentum.sim.requests import (
    AddOrderParams,
    AmendOrderParams,
    BatchAddParams,
    CancelAfterParams,
    CancelAllParams,
    CancelOrderParams,
    Envelope,
    SubscribeParams,
    decode_params,
)
from momentum.sim.rest import RestServer

__all__ = ["Simulator"]

_PATH: Final = "/v2"
_CLOCK_STEP: Final = 0.02
_TRADING: Final = frozenset(
    {
        "add_order",
        "batch_add",
        "amend_order",
        "cancel_order",
        "cancel_all",
        "cancel_all_orders_after",
    }
)
_ADDS: Final = frozenset({"add_order", "batch_add"})
# with order_status=false only open/close transitions stream -- docs.kraken.com/api/docs/websocket-v2/executions
_TRANSITIONS: Final = frozenset({"new", "trade", "filled", "canceled", "expired"})
_MALFORMED: Final = b"this is not JSON {"
_LOOSE: Final = msgspec.json.Decoder(float_hook=Decimal)
_RequestFault: TypeAlias = DropConnection | AnswerLate | NoAnswer


def _now() -> datetime:
    return datetime.now(UTC)


def _only_v2(connection: ServerConnection, request: Request) -> Response | None:
    if request.path != _PATH:
        return connection.respond(HTTPStatus.NOT_FOUND, "the simulator serves /v2 only\n")
    return None


class Simulator:
    """A local Kraken Spot exchange: `async with Simulator(config=...) as sim: ...`."""

    def __init__(self, config: SimConfig | None = None) -> None:
        self.config = config if config is not None else SimConfig.throwaway()
        self._ids = IdMaker(self.config.seed)
        self._engine = Engine(self.config, self._ids)
        self._desk = TokenDesk(self.config.api_key, self.config.api_secret, self.config.token_ttl)
        self._rest = RestServer(self._desk, _now)
        self._servers: list[Server] = []
        self._connections: list[Connection] = []
        self._faults: list[Fault] = []
        self._timers: set[asyncio.TimerHandle] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._clock: asyncio.Task[None] | None = None
        self._ports = (0, 0, 0)

    # --- lifecycle --------------------------------------------------------------------------------

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        await self.close()

    async def start(self) -> None:
        """Start the token endpoint and both WebSocket servers on 127.0.0.1, ephemeral ports."""
        rest_port = await self._rest.start()
        ports = [rest_port]
        for handler in (self._serve_private, self._serve_public):
            server = await serve(
                handler,
                "127.0.0.1",
                0,
                process_request=_only_v2,
                compression=None,
                ping_interval=None,
                close_timeout=1,
            )
            self._servers.append(server)
            ports.append(next(iter(server.sockets)).getsockname()[1])
        self._ports = (ports[0], ports[1], ports[2])
        self._clock = asyncio.get_running_loop().create_task(self._run_clock())

    async def close(self) -> None:
        """Close every server and connection; no task or timer is left behind."""
        for timer in self._timers:
            timer.cancel()
        self._timers.clear()
        for task in [self._clock, *self._tasks]:
            if task is not None:
                task.cancel()
                with suppress(asyncio.CancelledError):
                    await task
        self._tasks.clear()
        for server in self._servers:
            server.close()
        for server in self._servers:
            await server.wait_closed()
        self._servers.clear()
        await self._rest.close()

    # --- addresses and views ----------------------------------------------------------------------

    @property
    def rest_url(self) -> str:
        return f"http://127.0.0.1:{self._ports[0]}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self._ports[1]}{_PATH}"

    @property
    def public_ws_url(self) -> str:
        return f"ws://127.0.0.1:{self._ports[2]}{_PATH}"

    @property
    def orders(self) -> Mapping[str, OrderView]:
        """Every order the exchange knows, by `order_id`, oldest first."""
        return self._engine.orders

    @property
    def balances(self) -> Mapping[str, AssetBalance]:
        return self._engine.balances

    @property
    def status(self) -> System:
        return self._engine.status

    @property
    def received(self) -> tuple[tuple[bytes, ...], ...]:
        """Every frame each private connection sent us, in order, one tuple per connection."""
        return tuple(tuple(c.received) for c in self._connections if c.private)

    @property
    def sent(self) -> tuple[tuple[bytes, ...], ...]:
        """Every frame we sent each private connection, in order, one tuple per connection."""
        return tuple(tuple(c.sent) for c in self._connections if c.private)

    def requests(self, method: str) -> tuple[dict[str, object], ...]:
        """The private requests of one `method`, decoded (numbers as Decimal), oldest first."""
        found: list[dict[str, object]] = []
        for raw in (frame for connection in self.received for frame in connection):
            with suppress(msgspec.DecodeError):
                message = _LOOSE.decode(raw)
                if isinstance(message, dict) and message.get("method") == method:
                    found.append(message)
        return tuple(found)

    @property
    def tokens_issued(self) -> int:
        return self._desk.issued

    def rate_level(self, symbol: str) -> float:
        """The pair's trading rate counter now."""
        return self._engine.rate_level(symbol, _now())

    # --- driving the market -----------------------------------------------------------------------

    async def set_price(self, symbol: str, price: Decimal | int | str) -> None:
        """Move the last price: triggers fire, crossing orders fill, tickers update."""
        self._engine.set_price(symbol, _decimal(price), _now())
        await self._publish()

    async def trade(
        self, symbol: str, price: Decimal | int | str, qty: Decimal | int | str
    ) -> None:
        """A print of `qty` at `price`: crossing orders fill up to `qty` in time priority."""
        self._engine.trade(symbol, _decimal(price), _decimal(qty), _now())
        await self._publish()

    async def set_status(self, system: System) -> None:
        """Change the engine status and push a `status` frame on every connection."""
        self._engine.set_status(system, _now())
        await self._publish()

    async def replay(self, symbol: str, ticks: Iterable[Tick], *, speed: float = 1.0) -> None:
        """Drive a price path: each tick at its time divided by `speed` (`math.inf`: at once)."""
        if not speed > 0:
            raise ValueError(f"speed {speed} must be positive")
        loop = asyncio.get_running_loop()
        start = loop.time()
        for tick in ticks:
            delay = start + float(tick.seconds) / speed - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            if tick.qty is None:
                await self.set_price(symbol, tick.price)
            else:
                await self.trade(symbol, tick.price, tick.qty)

    def inject(self, fault: Fault) -> None:
        """Arm a fault; those that act now (close, malformed, maintenance, silence) act at once."""
        match fault:
            case DropConnection() | AnswerLate() | NoAnswer() | InvalidTokenOnce():
                self._faults.append(fault)
            case RateLimitNextAdd() | RejectNextAdd():
                self._faults.append(fault)
            case RefuseToken(times=times):
                self._desk.refuse_next += times
            case CloseConnection(code=code, public=public):
                for connection in self._live(private=not public):
                    self._close(connection, code)
            case MalformedFrame():
                for connection in self._live(private=True):
                    connection.push(_MALFORMED)
            case Maintenance():
                self._engine.set_status("maintenance", _now())
                self._flush()
            case GoSilent(seconds=seconds):
                for connection in self._live(private=None):
                    connection.silence(seconds)
            case _:
                assert_never(fault)

    # --- connections ------------------------------------------------------------------------------

    def _live(self, *, private: bool | None) -> list[Connection]:
        return [
            c for c in self._connections if not c.dead and (private is None or c.private == private)
        ]

    def _close(self, connection: Connection, code: int) -> None:
        if code == 1006:
            connection.abort()
            return
        reason = "going away" if code == 1001 else "internal error"
        self._spawn(connection.ws.close(code, reason))

    def _spawn(self, work: Coroutine[object, object, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _serve_private(self, ws: ServerConnection) -> None:
        await self._serve(ws, private=True)

    async def _serve_public(self, ws: ServerConnection) -> None:
        await self._serve(ws, private=False)

    async def _serve(self, ws: ServerConnection, *, private: bool) -> None:
        connection = Connection(
            ws=ws,
            private=private,
            connection_id=self._ids.connection_id(),
            heartbeat=self.config.heartbeat_interval,
        )
        self._connections.append(connection)
        connection.start()
        # status: "automatically generated on successful websocket connection" -- docs.kraken.com/api/docs/websocket-v2/status
        connection.push(self._status_frame(connection))
        try:
            async for message in ws:
                raw = message.encode() if isinstance(message, str) else bytes(message)
                connection.received.append(raw)
                if private:
                    self._on_private(connection, raw, _now())
                else:
                    self._on_public(connection, raw, _now())
        except ConnectionClosed:
            pass
        finally:
            if connection.executions is not None:
                self._desk.unpin(connection.executions.token)
                connection.executions = None
            await connection.stop()

    def _status_frame(self, connection: Connection) -> bytes:
        data = StatusData(
            connection_id=connection.connection_id,
            system=self._engine.status,
            version=self.config.version,
        )
        return frames.encode(Status(data=[data]))

    # --- the clock --------------------------------------------------------------------------------

    async def _run_clock(self) -> None:
        while True:
            await asyncio.sleep(_CLOCK_STEP)
            self._engine.tick(_now())
            self._flush()

    def _later(self, delay: float, action: Callable[[], None]) -> None:
        loop = asyncio.get_running_loop()
        handle: asyncio.TimerHandle

        def fire() -> None:
            self._timers.discard(handle)
            action()

        handle = loop.call_later(delay, fire)
        self._timers.add(handle)

    async def _publish(self) -> None:
        self._flush()
        await asyncio.sleep(0)

    def _flush(self) -> None:
        """Send what the engine published: reports, tickers and status changes."""
        for item in self._engine.take_outbox():
            match item:
                case ReportOut(report=report):
                    for connection in self._live(private=True):
                        subscription = connection.executions
                        if subscription is None:
                            continue
                        if not subscription.order_status and report.exec_type not in _TRANSITIONS:
                            continue
                        frame = Executions(
                            type="update", data=[report], sequence=subscription.next_sequence()
                        )
                        connection.push(frames.encode(frame))
                case TickerOut(symbol=symbol):
                    data = self._engine.ticker(symbol)
                    if data is None:
                        continue
                    frame_bytes = frames.encode(Ticker(type="update", data=[data]))
                    for connection in self._live(private=False):
                        if symbol in connection.tickers:
                            connection.push(frame_bytes)
                case StatusOut():
                    for connection in self._live(private=None):
                        connection.push(self._status_frame(connection))
                case _:
                    assert_never(item)

    # --- requests ---------------------------------------------------------------------------------

    def _take(self, method: str) -> _RequestFault | None:
        for fault in self._faults:
            if isinstance(fault, DropConnection | AnswerLate | NoAnswer) and fault.method == method:
                self._faults.remove(fault)
                return fault
        return None

    def _take_kind(
        self, kind: type[InvalidTokenOnce | RateLimitNextAdd | RejectNextAdd]
    ) -> Fault | None:
        for fault in self._faults:
            if isinstance(fault, kind):
                self._faults.remove(fault)
                return fault
        return None

    def _on_private(self, connection: Connection, raw: bytes, time_in: datetime) -> None:
        try:
            envelope = msgspec.json.decode(raw, type=Envelope)
        except msgspec.DecodeError:
            connection.push(answers.answer(None, time_in, error=errors.INVALID_ARGUMENTS))
            return
        fault = self._take(envelope.method)
        if isinstance(fault, DropConnection) and not fault.applied:
            connection.abort()
            return
        if isinstance(fault, NoAnswer) and not fault.applied:
            return  # lost on the way: the connection stays up
        replies = self._answer_private(connection, envelope, time_in)
        if isinstance(fault, DropConnection):
            connection.abort()
            replies = []
        elif isinstance(fault, NoAnswer):
            replies = []
        elif isinstance(fault, AnswerLate):
            delayed = list(replies)

            def answer_late() -> None:
                for answer in delayed:
                    connection.push(answer)

            self._later(fault.delay, answer_late)
            replies = []
        if self.config.executions_before_answer:
            self._flush()
        for answer in replies:
            connection.push(answer)
        self._flush()

    def _answer_private(
        self, connection: Connection, envelope: Envelope, time_in: datetime
    ) -> list[bytes]:
        method, req_id = envelope.method, envelope.req_id
        if method == "ping":
            return [answers.pong(req_id, time_in)]
        if self._take_kind(InvalidTokenOnce) is not None:
            return [answers.answer(envelope, time_in, error=errors.INVALID_TOKEN)]
        if method in {"subscribe", "unsubscribe"}:
            return self._private_subscription(connection, envelope, time_in)
        if method not in _TRADING:
            return [answers.answer(envelope, time_in, error=errors.invalid("method"))]
        if not self._desk.valid(_token(envelope.params), time_in):
            return [answers.answer(envelope, time_in, error=errors.INVALID_TOKEN)]
        if method in _ADDS:
            injected = self._take_kind(RateLimitNextAdd) or self._take_kind(RejectNextAdd)
            if isinstance(injected, RateLimitNextAdd):
                return [answers.answer(envelope, time_in, error=errors.RATE_LIMIT)]
            if isinstance(injected, RejectNextAdd):
                return [answers.answer(envelope, time_in, error=injected.error)]
        return self._trade_method(envelope, time_in)

    def _trade_method(self, envelope: Envelope, time_in: datetime) -> list[bytes]:
        settle = self.config.fill_latency <= 0
        match envelope.method:
            case "add_order":
                params = decode_params(envelope.params, AddOrderParams)
                if isinstance(params, str):
                    return [answers.answer(envelope, time_in, error=params)]
                placed = self._engine.add_order(params, time_in, settle=settle)
                if isinstance(placed, Placed):
                    self._settle_later([placed])
                return [answers.placed_answer(envelope, time_in, placed)]
            case "batch_add":
                batch = decode_params(envelope.params, BatchAddParams)
                if isinstance(batch, str):
                    return [answers.answer(envelope, time_in, error=batch)]
                result = self._engine.batch_add(batch, time_in, settle=settle)
                if isinstance(result, Refused):
                    return [answers.answer(envelope, time_in, error=result.error)]
                self._settle_later(result)
                return [
                    answers.answer(envelope, time_in, result=[answers.placed(p) for p in result])
                ]
            case "amend_order":
                amend = decode_params(envelope.params, AmendOrderParams)
                if isinstance(amend, str):
                    return [answers.answer(envelope, time_in, error=amend)]
                changed = self._engine.amend_order(amend, time_in)
                return [answers.changed_answer(envelope, time_in, changed)]
            case "cancel_order":
                cancel = decode_params(envelope.params, CancelOrderParams)
                if isinstance(cancel, str):
                    return [answers.answer(envelope, time_in, error=cancel)]
                return [
                    answers.cancelled_answer(envelope, time_in, outcome)
                    for outcome in self._engine.cancel_order(cancel, time_in)
                ]
            case "cancel_all":
                everything = decode_params(envelope.params, CancelAllParams)
                if isinstance(everything, str):
                    return [answers.answer(envelope, time_in, error=everything)]
                count = self._engine.cancel_all(time_in)
                if isinstance(count, Refused):
                    return [answers.answer(envelope, time_in, error=count.error)]
                return [answers.answer(envelope, time_in, result={"count": count})]
            case "cancel_all_orders_after":
                after = decode_params(envelope.params, CancelAfterParams)
                if isinstance(after, str):
                    return [answers.answer(envelope, time_in, error=after)]
                switch = self._engine.cancel_after(after.timeout, time_in)
                return [answers.dead_man_answer(envelope, time_in, switch)]
            case _:
                return [answers.answer(envelope, time_in, error=errors.invalid("method"))]

    def _settle_later(self, placed: list[Placed]) -> None:
        if self.config.fill_latency <= 0:
            return
        ids = [p.order_id for p in placed if p.order_id]

        def settle() -> None:
            for order_id in ids:
                self._engine.settle(order_id, _now())
            self._flush()

        self._later(self.config.fill_latency, settle)

    def _private_subscription(
        self, connection: Connection, envelope: Envelope, time_in: datetime
    ) -> list[bytes]:
        params = decode_params(envelope.params, SubscribeParams)
        if isinstance(params, str):
            return [answers.answer(envelope, time_in, error=params)]
        if params.channel == "heartbeat":
            connection.subscribed = True
            return [answers.answer(envelope, time_in, result={"channel": "heartbeat"})]
        if params.channel != "executions":
            return [answers.answer(envelope, time_in, error=errors.invalid("channel"))]
        if envelope.method == "unsubscribe":
            if connection.executions is None:
                return [answers.answer(envelope, time_in, error=errors.SUBSCRIPTION_NOT_FOUND)]
            self._desk.unpin(connection.executions.token)
            connection.executions = None
            return [answers.answer(envelope, time_in, result={"channel": "executions"})]
        if not self._desk.valid(params.token, time_in) or params.token is None:
            return [answers.answer(envelope, time_in, error=errors.INVALID_TOKEN)]
        if connection.executions is not None:
            return [answers.answer(envelope, time_in, error=errors.ALREADY_SUBSCRIBED)]
        self._desk.pin(params.token)
        subscription = ExecutionsSubscription(token=params.token, order_status=params.order_status)
        connection.executions = subscription
        connection.subscribed = True
        ack = answers.answer(
            envelope,
            time_in,
            result={
                "channel": "executions",
                "maxratecount": int(self.config.rate_threshold),
                "snap_orders": params.snap_orders,
                "snap_trades": params.snap_trades,
            },
        )
        # the deprecated `snapshot: false` asks for no snapshot at all
        orders = params.snap_orders and params.snapshot is not False
        trades = params.snap_trades and params.snapshot is not False
        if not (orders or trades):
            return [ack]
        data = self._engine.snapshot(orders=orders, trades=trades, now=time_in)
        snapshot = Executions(type="snapshot", data=data, sequence=subscription.next_sequence())
        return [ack, frames.encode(snapshot)]

    def _on_public(self, connection: Connection, raw: bytes, time_in: datetime) -> None:
        try:
            envelope = msgspec.json.decode(raw, type=Envelope)
        except msgspec.DecodeError:
            connection.push(answers.answer(None, time_in, error=errors.INVALID_ARGUMENTS))
            return
        if envelope.method == "ping":
            connection.push(answers.pong(envelope.req_id, time_in))
            return
        if envelope.method not in {"subscribe", "unsubscribe"}:
            connection.push(answers.answer(envelope, time_in, error=errors.invalid("method")))
            return
        params = decode_params(envelope.params, SubscribeParams)
        if isinstance(params, str) or params.channel != "ticker" or not params.symbol:
            error = params if isinstance(params, str) else errors.invalid("channel")
            connection.push(answers.answer(envelope, time_in, error=error))
            return
        for symbol in params.symbol:
            for frame in self._ticker_subscription(connection, envelope, params, symbol, time_in):
                connection.push(frame)

    def _ticker_subscription(
        self,
        connection: Connection,
        envelope: Envelope,
        params: SubscribeParams,
        symbol: str,
        time_in: datetime,
    ) -> list[bytes]:
        if not self._engine.knows(symbol):
            # the live answer to an unknown pair (a public capture; the docs give no example)
            return [
                answers.answer(
                    envelope, time_in, error=errors.pair_not_supported(symbol), symbol=symbol
                )
            ]
        if envelope.method == "unsubscribe":
            connection.tickers.discard(symbol)
            return [
                answers.answer(envelope, time_in, result={"channel": "ticker", "symbol": symbol})
            ]
        snapshot = params.snapshot is not False
        connection.tickers.add(symbol)
        connection.subscribed = True
        result = {
            "channel": "ticker",
            "event_trigger": params.event_trigger,
            "snapshot": snapshot,
            "symbol": symbol,
        }
        out = [answers.answer(envelope, time_in, result=result)]
        data = self._engine.ticker(symbol)
        if snapshot and data is not None:
            out.append(frames.encode(Ticker(type="snapshot", data=[data])))
        return out


def _decimal(value: Decimal | int | str) -> Decimal:
    if isinstance(value, float):
        raise TypeError("pass prices and quantities as Decimal, int or str, never float")
    return value if isinstance(value, Decimal) else Decimal(value)


def _token(params: msgspec.Raw) -> object:
    with suppress(msgspec.DecodeError):
        loose = msgspec.json.decode(params)
        if isinstance(loose, dict):
            return loose.get("token")
    return None

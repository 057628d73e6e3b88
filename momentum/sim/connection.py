"""One WebSocket connection as the simulator serves it: an ordered outgoing queue, heartbeats when
idle, silence on demand, and the record of every frame in and out.

Heartbeats: `{"channel":"heartbeat"}` about once a second when nothing else was sent, once the
connection has a subscription (docs.kraken.com/api/docs/websocket-v2/heartbeat).
"""

import asyncio
import math
from contextlib import suppress
from dataclasses import dataclass, field

from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed

from momentum.sim.frames import HEARTBEAT

__all__ = ["Connection", "ExecutionsSubscription"]


@dataclass
class ExecutionsSubscription:
    """One `executions` subscription: its token (kept valid while it lasts) and its sequence."""

    token: str
    order_status: bool
    sequence: int = 0

    def next_sequence(self) -> int:
        self.sequence += 1
        return self.sequence


@dataclass(eq=False)
class Connection:
    ws: ServerConnection
    private: bool
    connection_id: int
    heartbeat: float
    received: list[bytes] = field(default_factory=list)
    sent: list[bytes] = field(default_factory=list)
    subscribed: bool = False
    executions: ExecutionsSubscription | None = None
    tickers: set[str] = field(default_factory=set)
    silent_until: float = 0.0
    dead: bool = False
    _queue: asyncio.Queue[bytes] = field(default_factory=asyncio.Queue)
    _writer: asyncio.Task[None] | None = None
    _last_sent: float = 0.0

    def start(self) -> None:
        self._last_sent = asyncio.get_running_loop().time()
        self._writer = asyncio.get_running_loop().create_task(self._write())

    async def stop(self) -> None:
        self.dead = True
        if self._writer is not None:
            self._writer.cancel()
            with suppress(asyncio.CancelledError):
                await self._writer

    def push(self, frame: bytes) -> None:
        """Queue one frame; frames leave in the order they were pushed."""
        if not self.dead:
            self._queue.put_nowait(frame)

    def silence(self, seconds: float | None) -> None:
        now = asyncio.get_running_loop().time()
        self.silent_until = math.inf if seconds is None else now + seconds

    def abort(self) -> None:
        """Drop the TCP connection without a close frame (the peer sees 1006)."""
        self.dead = True
        self.ws.transport.abort()

    async def _write(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            timeout = None
            if self.subscribed:
                timeout = max(0.0, self._last_sent + self.heartbeat - loop.time())
            try:
                frame = await asyncio.wait_for(self._queue.get(), timeout)
            except TimeoutError:
                frame = HEARTBEAT
            self._last_sent = loop.time()
            if loop.time() < self.silent_until:
                continue
            try:
                await self.ws.send(frame.decode())
            except ConnectionClosed:
                return
            self.sent.append(frame)

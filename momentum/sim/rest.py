"""A minimal HTTP/1.1 endpoint for `POST /0/private/GetWebSocketsToken`, on `asyncio.start_server`.

docs.kraken.com/api/docs/rest-api/get-websockets-token

One request per connection: the request line, headers, a `Content-Length` body, one answer, close.
(websockets' `process_request` cannot serve this: its handshake parser refuses a request body.)
Kraken answers HTTP 200 with `{"error":[...]}` for refused requests; an unknown path is a 404.
"""

import asyncio
from collections.abc import Callable
from datetime import datetime
from typing import Final

import msgspec

from momentum.sim import errors
from momentum.sim.auth import TOKEN_PATH, TokenDesk

__all__ = ["RestServer"]

_MAX_BODY: Final = 64 * 1024
_TIMEOUT: Final = 5.0


class RestServer:
    """Serves the token call on 127.0.0.1 and an ephemeral port."""

    def __init__(self, desk: TokenDesk, clock: Callable[[], datetime]) -> None:
        self._desk = desk
        self._clock = clock
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    async def start(self) -> int:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        port: int = self._server.sockets[0].getsockname()[1]
        return port

    async def close(self) -> None:
        if self._server is None:
            return
        self._server.close()
        for writer in list(self._writers):
            writer.close()
        await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            status, body = await asyncio.wait_for(self._answer(reader), _TIMEOUT)
            head = (
                f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
            )
            writer.write(head.encode() + body)
            await writer.drain()
        except (TimeoutError, ConnectionError, asyncio.IncompleteReadError, ValueError):
            pass
        finally:
            self._writers.discard(writer)
            writer.close()

    async def _answer(self, reader: asyncio.StreamReader) -> tuple[str, bytes]:
        request_line = (await reader.readline()).decode("latin-1").strip()
        headers: dict[str, str] = {}
        while True:
            line = (await reader.readline()).decode("latin-1")
            if line in {"\r\n", "\n", ""}:
                break
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0"))
        if not 0 <= length <= _MAX_BODY:
            raise ValueError("request body too large")
        body = (await reader.readexactly(length)).decode() if length else ""
        method, _, rest = request_line.partition(" ")
        path = rest.partition(" ")[0]
        if method != "POST" or path != TOKEN_PATH:
            return "404 Not Found", msgspec.json.encode({"error": [errors.UNKNOWN_METHOD]})
        reply = self._desk.answer(path, headers, body, self._clock())
        return "200 OK", msgspec.json.encode(reply)

"""Test helpers for the simulator: a bounded `asyncio.run`, a raw signed token request, and a small
WebSocket client that keeps frames it was not waiting for."""

import asyncio
import json
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from decimal import Decimal
from typing import Final
from urllib.parse import urlsplit

import msgspec
from websockets.asyncio.client import ClientConnection, connect

from momentum.sim import TOKEN_PATH, Simulator, sign

__all__ = [
    "ANY_ID",
    "ANY_TIME",
    "Client",
    "ExecId",
    "Stamp",
    "limit",
    "only",
    "post_token",
    "run",
    "token_for",
    "trader",
]

Document = dict[str, object]


def run(body: Callable[[], Awaitable[None]], timeout: float = 10.0) -> None:
    """Run one async test body with an overall timeout, so no test can hang."""

    async def bounded() -> None:
        await asyncio.wait_for(body(), timeout)

    asyncio.run(bounded())


class Stamp:
    """Equal to any RFC3339 UTC time with microseconds, as Kraken stamps them."""

    _FORM: Final = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, str) and bool(self._FORM.match(other))

    def __repr__(self) -> str:
        return "<RFC3339 time>"

    __hash__ = None  # type: ignore[assignment]


class ExecId:
    """Equal to any Kraken-shaped id starting with `first` (6-5-6 upper alphanumerics)."""

    def __init__(self, first: str) -> None:
        self._form = re.compile(rf"^{first}[A-Z0-9]{{5}}-[A-Z0-9]{{5}}-[A-Z0-9]{{6}}$")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, str) and bool(self._form.match(other))

    def __repr__(self) -> str:
        return f"<id {self._form.pattern}>"

    __hash__ = None  # type: ignore[assignment]


ANY_TIME: Final = Stamp()
ANY_ID: Final = ExecId("T")


async def post_token(
    sim: Simulator,
    *,
    nonce: int | None = None,
    key: str | None = None,
    secret: str | None = None,
    path: str = TOKEN_PATH,
    signature: str | None = None,
) -> tuple[int, Document]:
    """A raw signed `POST` to the simulator's token endpoint: (HTTP status, decoded body)."""
    nonce = nonce if nonce is not None else time.time_ns()
    body = f"nonce={nonce}"
    api_sign = signature or sign(secret or sim.config.api_secret, path, str(nonce), body)
    address = urlsplit(sim.rest_url)
    assert address.hostname is not None and address.port is not None
    reader, writer = await asyncio.open_connection(address.hostname, address.port)
    request = (
        f"POST {path} HTTP/1.1\r\nHost: {address.netloc}\r\nUser-Agent: momentum-tests\r\n"
        f"API-Key: {key or sim.config.api_key}\r\nAPI-Sign: {api_sign}\r\n"
        f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(body)}\r\n\r\n"
        f"{body}"
    )
    writer.write(request.encode())
    await writer.drain()
    raw = await reader.read()
    writer.close()
    await writer.wait_closed()
    head, _, payload = raw.partition(b"\r\n\r\n")
    status = int(head.split(b" ")[1])
    document = json.loads(payload, parse_float=Decimal)
    assert isinstance(document, dict)
    return status, document


async def token_for(sim: Simulator) -> str:
    status, document = await post_token(sim)
    assert status == 200 and document["error"] == [], document
    result = document["result"]
    assert isinstance(result, dict)
    token = result["token"]
    assert isinstance(token, str)
    return token


class Client:
    """A test's WebSocket client: `request` waits for its answer, `expect` for any frame; frames
    not yet asked for are kept in order. Heartbeats are counted, not kept."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.backlog: list[Document] = []
        self.raw: list[bytes] = []
        self.heartbeats = 0
        self.req_id = 0

    @classmethod
    async def open(cls, url: str) -> "Client":
        return cls(await connect(url, proxy=None, compression=None, ping_interval=None))

    async def close(self) -> None:
        await self.ws.close()

    async def _read(self, timeout: float) -> Document:
        message = await asyncio.wait_for(self.ws.recv(), timeout)
        raw = message.encode() if isinstance(message, str) else bytes(message)
        self.raw.append(raw)
        document = json.loads(raw, parse_float=Decimal)
        assert isinstance(document, dict)
        return document

    async def expect(self, wanted: Callable[[Document], bool], *, timeout: float = 2.0) -> Document:
        """The first frame `wanted` accepts, kept ones first; `TimeoutError` after `timeout` s."""
        for index, document in enumerate(self.backlog):
            if wanted(document):
                return self.backlog.pop(index)
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                raise TimeoutError
            document = await self._read(remaining)
            if document == {"channel": "heartbeat"}:
                self.heartbeats += 1
                continue
            if wanted(document):
                return document
            self.backlog.append(document)

    async def channel(self, name: str, *, timeout: float = 2.0) -> Document:
        return await self.expect(lambda d: d.get("channel") == name, timeout=timeout)

    async def report(self, exec_type: str, *, timeout: float = 2.0) -> Document:
        """The next `executions` message whose one report has this `exec_type`."""

        def wanted(document: Document) -> bool:
            data = document.get("data")
            return (
                document.get("channel") == "executions"
                and isinstance(data, list)
                and len(data) == 1
                and data[0].get("exec_type") == exec_type
            )

        return await self.expect(wanted, timeout=timeout)

    async def send(self, document: Mapping[str, object]) -> None:
        await self.ws.send(_dumps(document))

    async def send_raw(self, text: str) -> None:
        await self.ws.send(text)

    async def request(
        self, method: str, params: Mapping[str, object] | None = None, *, timeout: float = 2.0
    ) -> Document:
        """Send `method` with a fresh `req_id` and wait for the answer carrying it."""
        self.req_id += 1
        req_id = self.req_id
        message: Document = {"method": method, "req_id": req_id}
        if params is not None:
            message["params"] = params
        await self.ws.send(_dumps(message))
        return await self.expect(lambda d: d.get("req_id") == req_id, timeout=timeout)


def _dumps(document: Mapping[str, object]) -> str:
    """JSON with every Decimal as a plain-notation number, as a Kraken client must send it."""
    return msgspec.json.encode(_numbers(document)).decode()


def _numbers(value: object) -> object:
    if isinstance(value, Decimal):
        return msgspec.Raw(f"{value:f}".encode())
    if isinstance(value, Mapping):
        return {key: _numbers(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_numbers(item) for item in value]
    return value


async def trader(sim: Simulator, **subscription: object) -> tuple[Client, str]:
    """A private connection with a fresh token, subscribed to `executions` (ack and snapshot read)."""
    token = await token_for(sim)
    client = await Client.open(sim.ws_url)
    await client.channel("status")
    ack = await client.request(
        "subscribe", {"channel": "executions", "token": token, **subscription}
    )
    assert ack["success"] is True, ack
    await client.channel("executions")
    return client, token


def limit(token: str, side: str, qty: str, price: str, **extra: object) -> Document:
    """`add_order` params for a BTC/USD limit order."""
    return {
        "order_type": "limit",
        "side": side,
        "order_qty": Decimal(qty),
        "limit_price": Decimal(price),
        "symbol": "BTC/USD",
        "token": token,
        **extra,
    }


def only(document: Document) -> dict[str, object]:
    """The one report of an `executions` message."""
    data = document["data"]
    assert isinstance(data, list) and len(data) == 1
    report = data[0]
    assert isinstance(report, dict)
    return report

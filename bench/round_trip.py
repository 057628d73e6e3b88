"""The loopback round trip through the library, beside a bare `websockets` client, same simulator.

    python bench/round_trip.py [--requests 200] [--warmup 20] [--rounds 5] [--in-process]
                               [--json bench/round_trip.json]

One validate add (the Step 3 OTO of `order_path.py`) at a time, each waited for until its answer
comes back, against `momentum.sim.Simulator` on 127.0.0.1 (in a child process by default, so
the exchange and the client do not share one event loop; `--in-process` runs it in this one).
Three clients, each on its own connection opened before any timing (connection setup and the
token call are excluded):

* library: `momentum.scripts.connection.LiveSession` (`submit`, then `outcome`), the shipped
  instrument table, tier `pro`;
* bare: a `websockets` client that builds the same request as a plain dict (fresh `req_id` and
  deadline, the token), encodes it with msgspec, sends it and reads frames until the answer with
  its `req_id` (heartbeats skipped);
* bare + checks: the bare client that also runs the library's pure per-request work first
  (`check_request` and `with_token`, as the core does for a `Submit`), to split the library's
  overhead between that work and the asyncio shell.

After `--warmup` requests each, `--requests` per client in `--rounds` rounds, the clients' order
rotated per round. The library's rate counter (Kraken's, tier `pro`: 180, decaying 3.75/s) would
hold an add back after a burst: before each library round the script waits, untimed, until the
counter has room for the whole round, so no request is held. The simulator's own counter is set
out of reach. Reports per-request latency (median, p10, p90, max), the client process's CPU time
per request, and the ratios to the bare client (the target: within 1.5x).
"""

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import msgspec

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import order_path as op
from websockets.asyncio.client import ClientConnection, connect

from momentum.exchange.kraken.rest.auth import decode_token_answer, token_request
from momentum.exchange.kraken.ws_v2_check import Beside
from momentum.exchange.kraken.ws_v2_messages import with_token
from momentum.exchange.kraken.ws_v2_payloads import build_add_order
from momentum.models.context import Context
from momentum.models.secret import Secret
from momentum.scripts.connection import Credentials, LiveSession
from momentum.session.core import Answered, SessionConfig, Submitted, check_request
from momentum.session.rate import admit, cost
from momentum.sim import SimConfig

SYMBOL = "BTC/USD"
ENCODER = msgspec.json.Encoder(decimal_format="number")
CONNECT = {"open_timeout": 10, "ping_interval": 20, "ping_timeout": 20, "max_size": 2**22,
           "compression": None}  # fmt: skip  # as LiveSession connects


class Head(msgspec.Struct):
    """What the bare client reads of each frame: enough to find its answer."""

    method: str | None = None
    req_id: int | None = None
    success: bool | None = None


class Address(msgspec.Struct):
    rest_url: str
    ws_url: str
    key: str
    secret: str


# --- the simulator -------------------------------------------------------------------------------


def sim_config() -> SimConfig:
    # validate adds hold nothing; the exchange's rate counter out of reach (ours is the library's)
    return SimConfig.throwaway({"USD": Decimal("100000"), "BTC": Decimal("0")},
                               rate_threshold=1e12)  # fmt: skip


async def serve() -> None:
    """`--serve`: run the simulator, say where on stdout, stop when stdin closes."""
    from momentum.sim import Simulator  # noqa: PLC0415

    config = sim_config()
    async with Simulator(config=config) as sim:
        address = Address(rest_url=sim.rest_url, ws_url=sim.ws_url, key=config.api_key,
                          secret=config.api_secret)  # fmt: skip
        sys.stdout.write(msgspec.json.encode(address).decode() + "\n")
        sys.stdout.flush()
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)


# --- the clients ---------------------------------------------------------------------------------


def mint(address: Address) -> Secret:
    """A WebSocket token from the simulator's REST endpoint, signed by the library."""
    http = token_request(Secret(address.key), Secret(address.secret),
                         time.time_ns() // 1000).unwrap()  # fmt: skip
    request = urllib.request.Request(address.rest_url + http.path, data=http.body, method="POST")
    for name, value in http.headers:
        request.add_header(name, value.reveal())
    with urllib.request.urlopen(request, timeout=10) as answer:
        return decode_token_answer(answer.read()).unwrap().token


def deadline() -> str:
    moment = datetime.now(UTC) + timedelta(seconds=5)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Bare:
    """One request at a time on a plain `websockets` connection."""

    def __init__(self, socket: ClientConnection, token: Secret, *, checked: bool) -> None:
        self.socket = socket
        self.token = token.reveal()
        self.secret = token
        self.checked = checked
        self.req_id = 0
        self.context = Context(knobs=op.KNOBS, now=datetime.now(UTC))
        self.message = build_add_order(op.oto(), self.context).unwrap()

    async def request(self) -> None:
        self.req_id += 1
        if self.checked:  # the library's pure per-request work, as its core does it
            now = datetime.now(UTC)
            problems = check_request(self.message, self.context, Beside(), now)
            assert problems == (), problems
            with_token(self.message, self.secret).unwrap()
        params = {"token": self.token, **op.OTO_DICT, "deadline": deadline()}
        await self.socket.send(
            ENCODER.encode({"method": "add_order", "params": params, "req_id": self.req_id})
        )
        while True:
            head = msgspec.json.decode(await self.socket.recv(decode=False), type=Head)
            if head.req_id == self.req_id and head.method == "add_order":
                assert head.success, head
                return


class Library:
    """One request at a time through `LiveSession`."""

    def __init__(self, live: LiveSession) -> None:
        self.live = live
        context = Context(knobs=op.KNOBS, now=datetime.now(UTC))
        self.message = build_add_order(op.oto(), context).unwrap()

    async def request(self) -> None:
        submitted = await self.live.submit(self.message)
        assert isinstance(submitted, Submitted), submitted
        outcome = await self.live.outcome(submitted.req_id, 5.0)
        assert outcome and isinstance(outcome[-1], Answered), outcome
        assert outcome[-1].answer.success, outcome[-1].answer

    async def room(self, n: int) -> None:
        """Wait (untimed) until Kraken's counter, as the library tracks it, takes n more adds."""
        while True:
            allowed = admit(self.live.session.rates, SYMBOL, cost("add_order") * n,
                            datetime.now(UTC))  # fmt: skip
            if allowed.ok:
                return
            await asyncio.sleep(float(allowed.wait_seconds or 1) + 0.01)


async def timed(request: Callable[[], Awaitable[None]], n: int) -> tuple[list[float], float]:
    """Each request's latency (us), and the process's CPU time per request (us)."""
    latencies = []
    cpu = time.process_time()
    for _ in range(n):
        start = time.perf_counter()
        await request()
        latencies.append((time.perf_counter() - start) * 1e6)
    return latencies, (time.process_time() - cpu) * 1e6 / n


async def measure(address: Address, args: argparse.Namespace) -> dict[str, dict[str, object]]:
    config = SessionConfig(context=Context(knobs=op.KNOBS, now=datetime.now(UTC)), tier="pro")
    credentials = Credentials(key=Secret(address.key), secret=Secret(address.secret))
    async with (
        LiveSession(config, credentials, rest_url=address.rest_url, ws_url=address.ws_url) as live,
        connect(address.ws_url, **CONNECT) as bare_socket,  # type: ignore[arg-type]
        connect(address.ws_url, **CONNECT) as checked_socket,  # type: ignore[arg-type]
    ):
        library = Library(live)
        clients: dict[str, Callable[[], Awaitable[None]]] = {
            "library (LiveSession)": library.request,
            "bare websockets client": Bare(bare_socket, mint(address), checked=False).request,
            "bare + check_request + with_token": Bare(
                checked_socket, mint(address), checked=True
            ).request,
        }
        for request in clients.values():  # connection, token, subscription, first calls
            for _ in range(args.warmup):
                await request()
        names = list(clients)
        per_round = args.requests // args.rounds
        latencies: dict[str, list[float]] = {name: [] for name in names}
        cpus: dict[str, list[float]] = {name: [] for name in names}
        round_medians: dict[str, list[float]] = {name: [] for name in names}
        for index in range(args.rounds):
            for name in names[index % len(names) :] + names[: index % len(names)]:
                if clients[name] == library.request:
                    await library.room(per_round)
                found, cpu = await timed(clients[name], per_round)
                latencies[name] += found
                cpus[name].append(cpu)
                round_medians[name].append(statistics.median(found))
    rows = {}
    for name in names:
        values = sorted(latencies[name])
        deciles = statistics.quantiles(values, n=10)
        rows[name] = {"n": len(values), "median_us": statistics.median(values),
                      "p10_us": deciles[0], "p90_us": deciles[-1], "max_us": values[-1],
                      "cpu_us_per_request": statistics.median(cpus[name]),
                      "round_medians_us": round_medians[name]}  # fmt: skip
    return rows


async def main_async(args: argparse.Namespace) -> dict[str, dict[str, object]]:
    if args.in_process:
        from momentum.sim import Simulator  # noqa: PLC0415

        config = sim_config()
        async with Simulator(config=config) as sim:
            address = Address(rest_url=sim.rest_url, ws_url=sim.ws_url, key=config.api_key,
                              secret=config.api_secret)  # fmt: skip
            return await measure(address, args)
    server = subprocess.Popen(
        [sys.executable, os.path.abspath(__file__), "--serve"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert server.stdout is not None
        address = msgspec.json.decode(server.stdout.readline(), type=Address)
        return await measure(address, args)
    finally:
        assert server.stdin is not None
        server.stdin.close()
        server.wait(timeout=10)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--in-process", action="store_true")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--json", default="bench/round_trip.json")
    args = parser.parse_args()
    if args.serve:
        asyncio.run(serve())
        return 0
    rows = asyncio.run(main_async(args))
    bare = rows["bare websockets client"]
    print(f"{'client (one validate add at a time)':36} {'median us':>10} {'p10':>8} {'p90':>8} "
          f"{'max':>8} {'cpu us/req':>10} {'x bare':>7} {'x bare cpu':>10}")  # fmt: skip
    for name, row in rows.items():
        row["ratio_bare"] = row["median_us"] / bare["median_us"]  # type: ignore[operator]
        row["ratio_bare_cpu"] = row["cpu_us_per_request"] / bare["cpu_us_per_request"]  # type: ignore[operator]
        print(f"{name:36} {row['median_us']:10.0f} {row['p10_us']:8.0f} {row['p90_us']:8.0f} "
              f"{row['max_us']:8.0f} {row['cpu_us_per_request']:10.0f} {row['ratio_bare']:7.2f} "
              f"{row['ratio_bare_cpu']:10.2f}")  # fmt: skip
    library = rows["library (LiveSession)"]
    print(
        f"library - bare: {library['median_us'] - bare['median_us']:+.0f} us per request "  # type: ignore[operator]
        f"(target: library within 1.5x of bare)"
    )
    with open(args.json, "w") as handle:
        json.dump({"python": sys.version.split()[0], "sim": "in-process" if args.in_process
                   else "child process", "requests": args.requests, "warmup": args.warmup,
                   "rounds": args.rounds, "rows": rows}, handle, indent=1)  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

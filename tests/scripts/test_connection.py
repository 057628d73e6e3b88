"""The live session (momentum/scripts/connection.py) against the simulator over loopback, one
test per fault, each bounded in time; and the loopback guard every test runs under
(tests/loopback.py).

Every session test ends with an audit of what the simulator received and what the session told:
each frame carries `"token"` once, inside `params`, and no event, no repr of the session, shows a
token, the API key or the secret.
"""

import asyncio
import json
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Final, TypeVar
from urllib.parse import urlsplit

import pytest

from momentum import api
from momentum.exchange.kraken.ws_v2_messages import AddOrder, CancelOrder, CancelOrderParams
from momentum.models.secret import Secret
from momentum.scripts.connection import Credentials, LiveSession
from momentum.session.core import (
    Answered,
    ConnectionLost,
    Held,
    NotSent,
    OrderUpdate,
    Outcome,
    OutcomeUnknown,
    Output,
    Ready,
    Refused,
    Resolved,
    Sent,
    SessionConfig,
    StatusChanged,
    Submitted,
    TokenRefused,
)
from momentum.session.orders import Filled
from momentum.sim import (
    AnswerLate,
    CloseConnection,
    DropConnection,
    GoSilent,
    InvalidTokenOnce,
    Maintenance,
    MalformedFrame,
    NoAnswer,
    RateLimitNextAdd,
    RefuseToken,
    SimConfig,
    Simulator,
)
from tests.loopback import (
    REFUSED_BANNER,
    Guard,
    NonLoopbackConnectionError,
    child_site,
    is_loopback,
)

REPO: Final = Path(__file__).resolve().parents[2]
TEST_NET: Final = "192.0.2.1"  # RFC 5737: documentation only, never routed
KNOBS: Final = api.Knobs(entry_max_notional=Decimal("1000"), allow_live=True)
CONTEXT: Final = api.Context(knobs=KNOBS, now=datetime.now(UTC))
MARKET: Final = "28500"  # the last price: a buy at 28440 rests, a buy at 28600 crosses
FAST: Final[dict[str, Any]] = {
    "answer_timeout": 0.5,
    "silence_limit": 1.0,
    "backoff_base": 0.05,
    "backoff_floor": 0.2,
    "wait_for_online": 3.0,
}
INNER_PYTEST: Final = ("-q", "-p", "no:cacheprovider", "--assert=plain")
QUICK_HEARTBEAT: Final = 0.2  # s: well inside the 1 s silence limit, so only a fault trips it

E = TypeVar("E")


def run(body: Callable[[], Awaitable[None]], timeout: float = 8.0) -> None:
    """One async test body under an overall timeout: nothing can hang."""
    asyncio.run(asyncio.wait_for(body(), timeout))


def add(*, live: bool, price: str = "28440", qty: str = "0.001", cap: str = "1000") -> AddOrder:
    """A BTC/USD limit buy built by the library: `validate` unless `live`."""
    knobs = api.Knobs(entry_max_notional=Decimal(cap), allow_live=True)
    context = api.Context(knobs=knobs, now=datetime.now(UTC), live=live)
    order = api.LimitOrder(
        symbol="BTC/USD", side="buy", qty=Decimal(qty), limit_price=Decimal(price)
    )
    built = api.build_add_order(order, context).unwrap()
    assert isinstance(built, AddOrder)
    return built


class Harness:
    """A started simulator, a live session against it, and every event the session told."""

    def __init__(self, sim: Simulator, live: LiveSession) -> None:
        self.sim = sim
        self.live = live
        self.events: list[Output] = []
        self._grew = asyncio.Event()

    async def collect(self) -> None:
        async for event in self.live.events():
            self.events.append(event)
            self._grew.set()

    def of(self, kind: type[E]) -> list[E]:
        return [event for event in self.events if isinstance(event, kind)]

    async def until(self, done: Callable[[], bool], timeout: float = 3.0) -> None:
        """Wait until `done()` holds (checked after every event and every 20 ms)."""
        deadline = time.monotonic() + timeout
        while not done():
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"not within {timeout} s; events: {self.events}")
            self._grew.clear()
            with suppress(TimeoutError):
                await asyncio.wait_for(self._grew.wait(), min(left, 0.02))

    async def submit(self, request: Any) -> Submitted:
        submitted = await self.live.submit(request)
        assert isinstance(submitted, Submitted), submitted
        return submitted

    async def send(self, request: Any, timeout: float = 3.0) -> tuple[Outcome, ...]:
        submitted = await self.submit(request)
        return await self.live.outcome(submitted.req_id, timeout)

    async def connected(self) -> None:
        """Connect by sending one validate add, and wait for its answer."""
        outcome = await self.send(add(live=False))
        assert [type(event) for event in outcome] == [Answered], outcome

    def audit(self) -> None:
        """Frames carry the token only inside `params`; nothing told shows a secret."""
        tokens: set[str] = set()
        for connection in self.sim.received:
            for raw in connection:
                frame = json.loads(raw)
                assert isinstance(frame, dict) and "token" not in frame, raw
                params = frame.get("params", {})
                if frame["method"] != "ping":
                    assert isinstance(params.get("token"), str), raw
                    tokens.add(params["token"])
                assert raw.count(b'"token"') == (1 if "token" in params else 0), raw
        assert len(tokens) <= self.sim.tokens_issued
        hidden = [*tokens, self.sim.config.api_key, self.sim.config.api_secret]
        told = [repr(event) for event in self.events] + [str(e) for e in self.events]
        told.append(repr(self.live.session))
        leaks = [(text, secret) for text in told for secret in hidden if secret in text]
        assert leaks == []


class Relay:
    """A TCP relay on loopback between the session and the simulator's private socket, for the
    network's faults the simulator cannot make: `freeze()` stops forwarding both ways on the
    connections it holds without closing them (a link that died without a word; new connections
    relay), and `lag` delays what the session sends by that many seconds (latency)."""

    def __init__(self) -> None:
        self.lag = 0.0
        self._target = 0
        self._held: list[asyncio.StreamWriter] = []
        self._dead: set[int] = set()
        self._server: asyncio.Server | None = None

    async def start(self, ws_url: str) -> str:
        """Relay to `ws_url`'s port; the URL to connect to instead."""
        port = urlsplit(ws_url).port
        assert port is not None
        self._target = port
        self._server = await asyncio.start_server(self._relay, "127.0.0.1", 0)
        mine: int = self._server.sockets[0].getsockname()[1]
        return f"ws://127.0.0.1:{mine}/v2"

    def freeze(self) -> None:
        """Every connection held now stops forwarding."""
        self._dead = {id(writer) for writer in self._held}

    def thaw(self) -> None:
        self._dead = set()

    async def close(self) -> None:
        for writer in self._held:
            writer.close()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self._target)
        self._held.append(writer)
        mine = id(writer)
        loop = asyncio.get_running_loop()

        async def pipe(
            source: asyncio.StreamReader, sink: asyncio.StreamWriter, *, upstream: bool
        ) -> None:
            with suppress(OSError, asyncio.CancelledError):
                while data := await source.read(65536):
                    due = loop.time() + (self.lag if upstream else 0.0)  # latency, not a queue
                    while mine in self._dead or loop.time() < due:
                        await asyncio.sleep(min(0.01, max(0.0, due - loop.time())))
                    sink.write(data)
                    await sink.drain()
            sink.close()

        with suppress(asyncio.CancelledError):  # closed with the test: nothing to report
            await asyncio.gather(
                pipe(reader, up_writer, upstream=True), pipe(up_reader, writer, upstream=False)
            )


@asynccontextmanager
async def session(
    sim_config: SimConfig | None = None, relay: Relay | None = None, **changes: Any
) -> AsyncIterator[Harness]:
    """A simulator (BTC/USD at `MARKET`) and a session with short timeouts, its socket through
    `relay` if given; audited on exit."""
    config = sim_config or SimConfig.throwaway(heartbeat_interval=QUICK_HEARTBEAT)
    async with Simulator(config=config) as sim:
        await sim.set_price("BTC/USD", MARKET)
        ws_url = sim.ws_url if relay is None else await relay.start(sim.ws_url)
        session_config = SessionConfig(context=CONTEXT, **(FAST | changes))
        credentials = Credentials(
            key=Secret(sim.config.api_key), secret=Secret(sim.config.api_secret)
        )
        live = LiveSession(session_config, credentials, rest_url=sim.rest_url, ws_url=ws_url)
        try:
            async with live:
                harness = Harness(sim, live)
                collector = asyncio.create_task(harness.collect())
                try:
                    yield harness
                finally:
                    collector.cancel()
                    with suppress(asyncio.CancelledError):
                        await collector
        finally:
            if relay is not None:
                await relay.close()
        harness.audit()


def kinds(outcome: tuple[Outcome, ...]) -> list[type]:
    return [type(event) for event in outcome]


# --- the loopback guard ---------------------------------------------------------------------------


def test_a_connection_outside_loopback_is_refused_and_reported(loopback_only: Guard) -> None:
    started = time.monotonic()
    with pytest.raises(NonLoopbackConnectionError, match=TEST_NET):
        socket.create_connection((TEST_NET, 443), timeout=5)
    with socket.socket() as raw, pytest.raises(NonLoopbackConnectionError):
        raw.connect_ex((TEST_NET, 80))
    assert time.monotonic() - started < 0.5  # refused before any packet: no timeout waited
    report = loopback_only.report()
    assert report is not None and "2 connection(s)" in report and TEST_NET in report
    assert [a.call for a in loopback_only.acknowledge()] == ["connect", "connect_ex"]
    assert loopback_only.report() is None


def test_an_asyncio_connection_outside_loopback_is_refused(loopback_only: Guard) -> None:
    async def body() -> None:
        with pytest.raises(NonLoopbackConnectionError):
            await asyncio.open_connection(TEST_NET, 443)

    run(body, timeout=2)
    assert [a.address for a in loopback_only.acknowledge()] == [f"('{TEST_NET}', 443)"]


def test_loopback_and_unix_sockets_connect_as_usual(tmp_path: Path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as server:
        socket.create_connection(server.getsockname()[:2], timeout=2).close()
    path = str(tmp_path / "s")
    with socket.socket(socket.AF_UNIX) as listener, socket.socket(socket.AF_UNIX) as client:
        listener.bind(path)
        listener.listen()
        client.connect(path)
    v4, v6 = socket.AF_INET, socket.AF_INET6
    assert is_loopback(v4, ("127.0.0.1", 1)) and is_loopback(v4, ("127.8.9.10", 1))
    assert is_loopback(v6, ("::1", 1, 0, 0)) and is_loopback(v6, ("::ffff:127.0.0.1", 1, 0, 0))
    assert is_loopback(v4, ("localhost", 1))
    assert not is_loopback(v4, (TEST_NET, 1)) and not is_loopback(v4, ("0.0.0.0", 1))
    assert not is_loopback(v4, ("api.kraken.com", 443))
    assert not is_loopback(v6, ("2001:db8::1", 1, 0, 0))


def test_a_swallowed_refusal_still_fails_the_test_at_teardown(tmp_path: Path) -> None:
    (tmp_path / "conftest.py").write_text("from tests.conftest import loopback_only\n")
    (tmp_path / "test_swallow.py").write_text(
        textwrap.dedent(f"""
            import socket

            def test_swallows_the_error():
                try:
                    socket.create_connection(("{TEST_NET}", 443), timeout=5)
                except OSError:
                    pass  # the code under test hides it
        """)
    )
    ran = subprocess.run(
        [sys.executable, "-m", "pytest", *INNER_PYTEST, "test_swallow.py"],
        cwd=tmp_path,
        env=child_environment(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert ran.returncode == 1, ran.stdout + ran.stderr
    assert "1 passed, 1 error" in ran.stdout
    assert "ERROR at teardown of test_swallows_the_error" in ran.stdout
    assert f"connect to ('{TEST_NET}', 443)" in ran.stdout


def test_a_child_process_given_the_guard_refuses_and_says_so(tmp_path: Path) -> None:
    site = child_site(tmp_path / "site")
    code = f"import socket; socket.create_connection(('{TEST_NET}', 443), timeout=5)"
    ran = subprocess.run(
        [sys.executable, "-c", code],
        env=child_environment(site),
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert ran.returncode == 1
    assert f"{REFUSED_BANNER} connect to ('{TEST_NET}', 443)" in ran.stderr
    assert "NonLoopbackConnectionError" in ran.stderr


def child_environment(*first: Path) -> dict[str, str]:
    import os  # noqa: PLC0415 -- only the guard's own subprocess tests need it

    path = os.pathsep.join([*(str(p) for p in first), str(REPO)])
    return {k: v for k, v in os.environ.items() if k != "PYTHONPATH"} | {"PYTHONPATH": path}


# --- answers --------------------------------------------------------------------------------------


def test_a_validate_add_is_answered_with_success_and_places_nothing() -> None:
    async def body() -> None:
        async with session() as h:
            outcome = await h.send(add(live=False))
            assert kinds(outcome) == [Answered]
            answered = outcome[0]
            assert isinstance(answered, Answered)
            assert answered.answer.success is True and answered.answer.method == "add_order"
            assert h.sim.orders == {}
            (request,) = h.sim.requests("add_order")
            params = request["params"]
            assert isinstance(params, dict) and params["validate"] is True
            assert params["cl_ord_id"] == answered.cl_ord_ids[0]

    run(body)


def test_a_live_add_is_answered_and_its_fill_appears_in_the_tracked_book() -> None:
    async def body() -> None:
        async with session() as h:
            outcome = await h.send(add(live=True))
            assert kinds(outcome) == [Answered]
            answered = outcome[0]
            assert isinstance(answered, Answered) and answered.answer.success is True
            (cl_ord_id,) = answered.cl_ord_ids
            await h.until(lambda: h.live.session.book.get_by_cl_ord_id(cl_ord_id) is not None)
            resting = h.live.session.book.get_by_cl_ord_id(cl_ord_id)
            assert resting is not None and resting.done is None

            await h.sim.set_price("BTC/USD", "28400")  # the market falls through the buy
            await h.until(lambda: _filled(h, cl_ord_id))
            order = h.live.session.book.get_by_cl_ord_id(cl_ord_id)
            assert order is not None
            assert order.done == "filled" and order.cum_qty == Decimal("0.001")
            assert order.order_id in h.sim.orders
            fills = [e.event for e in h.of(OrderUpdate) if isinstance(e.event, Filled)]
            assert [fill.cum_qty for fill in fills] == [Decimal("0.001")]
            assert len(h.sim.requests("add_order")) == 1

    run(body)


def _filled(h: Harness, cl_ord_id: str) -> bool:
    order = h.live.session.book.get_by_cl_ord_id(cl_ord_id)
    return order is not None and order.done == "filled"


# --- lost answers: unknown, then resolved, and never sent twice ------------------------------------


def test_a_connection_dropped_after_the_add_took_effect_is_resolved_open_and_never_resent() -> None:
    async def body() -> None:
        async with session() as h:
            h.sim.inject(DropConnection(method="add_order", applied=True))
            outcome = await h.send(add(live=True))
            assert kinds(outcome) == [OutcomeUnknown, Resolved]
            unknown, resolved = outcome
            assert isinstance(unknown, OutcomeUnknown) and "connection lost" in unknown.reason
            assert isinstance(resolved, Resolved)
            assert resolved.found == "open"
            assert resolved.cl_ord_id == unknown.cl_ord_ids[0]
            assert resolved.order_id in h.sim.orders
            assert len(h.sim.requests("add_order")) == 1
            assert len(h.of(Ready)) == 2 and h.sim.tokens_issued == 2

    run(body)


def test_a_connection_dropped_after_the_add_filled_is_resolved_filled() -> None:
    async def body() -> None:
        async with session() as h:
            h.sim.inject(DropConnection(method="add_order", applied=True))
            outcome = await h.send(add(live=True, price="28600"))  # crosses: fills at once
            assert [order.status for order in h.sim.orders.values()] == ["filled"]
            assert kinds(outcome) == [OutcomeUnknown, Resolved]
            resolved = outcome[1]
            assert isinstance(resolved, Resolved)
            assert (resolved.found, resolved.cum_qty) == ("filled", Decimal("0.001"))
            assert len(h.sim.requests("add_order")) == 1

    run(body)


def test_a_connection_dropped_before_the_add_took_effect_is_resolved_absent_and_never_resent() -> (
    None
):
    async def body() -> None:
        async with session() as h:
            h.sim.inject(DropConnection(method="add_order", applied=False))
            outcome = await h.send(add(live=True))
            assert kinds(outcome) == [OutcomeUnknown, Resolved]
            resolved = outcome[1]
            assert isinstance(resolved, Resolved)
            assert (resolved.found, resolved.order_id) == ("absent", None)
            assert h.sim.orders == {}
            assert len(h.sim.requests("add_order")) == 1

    run(body)


def test_a_validate_add_whose_connection_dropped_is_resolved_as_validate_only() -> None:
    async def body() -> None:
        async with session() as h:
            h.sim.inject(DropConnection(method="add_order", applied=True))
            outcome = await h.send(add(live=False))
            assert kinds(outcome) == [OutcomeUnknown, Resolved]
            resolved = outcome[1]
            assert isinstance(resolved, Resolved) and resolved.found == "validate_only"
            assert len(h.sim.requests("add_order")) == 1

    run(body)


def test_a_late_answer_after_the_timeout_still_settles_the_outcome() -> None:
    async def body() -> None:
        async with session() as h:
            h.sim.inject(AnswerLate(method="add_order", delay=1.2))
            started = time.monotonic()
            outcome = await h.send(add(live=False))  # validate: no report settles it first
            assert kinds(outcome) == [OutcomeUnknown, Answered]
            unknown, answered = outcome
            assert isinstance(unknown, OutcomeUnknown) and "no answer in 0.5 s" in unknown.reason
            assert isinstance(answered, Answered) and answered.answer.success is True
            assert time.monotonic() - started >= 1.1
            assert len(h.sim.requests("add_order")) == 1
            assert h.of(ConnectionLost) == []

    run(body)


def test_two_waiters_on_one_request_each_get_their_own_timeout() -> None:
    async def body() -> None:
        async with session() as h:
            h.sim.inject(AnswerLate(method="add_order", delay=0.3))
            submitted = await h.submit(add(live=False))
            patient = asyncio.create_task(h.live.outcome(submitted.req_id, 3.0))
            started = time.monotonic()
            assert await h.live.outcome(submitted.req_id, 0.1) == ()  # nothing yet, on time
            assert time.monotonic() - started < 0.25
            outcome = await patient  # the short wait gave up alone: this one is still woken
            assert kinds(outcome) == [Answered]
            assert kinds(await h.live.outcome(submitted.req_id, 0)) == [Answered]

    run(body)


def test_an_unanswered_add_becomes_unknown_and_is_never_resent() -> None:
    async def body() -> None:
        async with session() as h:
            h.sim.inject(NoAnswer(method="add_order"))
            submitted = await h.submit(add(live=True))
            outcome = await h.live.outcome(submitted.req_id, 1.0)
            assert kinds(outcome) == [OutcomeUnknown, Resolved]  # the stream had shown it
            (cl_ord_id,) = submitted.cl_ord_ids
            placed = h.live.session.book.get_by_cl_ord_id(cl_ord_id)
            assert placed is not None and placed.order_id in h.sim.orders
            resolved = outcome[1]
            assert isinstance(resolved, Resolved)
            assert (resolved.found, resolved.order_id) == ("open", placed.order_id)
            await h.sim.set_price("BTC/USD", "28400")  # the stream reports on it again: a fill
            await h.until(lambda: _filled(h, cl_ord_id))
            assert kinds(await h.live.outcome(submitted.req_id, 0)) == [OutcomeUnknown, Resolved]
            assert len(h.sim.requests("add_order")) == 1

    run(body)


def test_an_unanswered_add_is_resolved_open_from_the_executions_stream() -> None:
    async def body() -> None:
        async with session() as h:
            h.sim.inject(NoAnswer(method="add_order"))
            outcome = await h.send(add(live=True), timeout=1.5)
            assert kinds(outcome) == [OutcomeUnknown, Resolved]
            resolved = outcome[1]
            assert isinstance(resolved, Resolved) and resolved.found == "open"
            assert len(h.sim.requests("add_order")) == 1

    run(body)


# --- connections ----------------------------------------------------------------------------------


@pytest.mark.parametrize("code", [1001, 1006, 1011])
def test_the_session_reconnects_after_the_exchange_closes_an_idle_connection(code: int) -> None:
    async def body() -> None:
        async with session() as h:
            await h.connected()
            h.sim.inject(CloseConnection(code=code))  # type: ignore[arg-type]
            await h.until(lambda: len(h.of(Ready)) == 2)
            (lost,) = h.of(ConnectionLost)
            assert f"({code})" in lost.reason
            assert h.sim.tokens_issued == 2  # a fresh token for the new connection
            outcome = await h.send(add(live=False))
            assert kinds(outcome) == [Answered]
            first, second = h.sim.received
            assert [json.loads(f)["method"] for f in first] == ["subscribe", "add_order"]
            assert [json.loads(f)["method"] for f in second] == ["subscribe", "add_order"]
            assert len(h.sim.requests("add_order")) == 2

    run(body)


def test_each_connection_is_numbered_in_its_ready_and_sent_events() -> None:
    async def body() -> None:
        async with session() as h:
            await h.connected()
            h.sim.inject(CloseConnection(code=1001))
            await h.until(lambda: len(h.of(Ready)) == 2)
            await h.send(add(live=False))
            first, second = (ready.connection for ready in h.of(Ready))
            assert first < second
            assert [sent.connection for sent in h.of(Sent)] == [first, second]

    run(body)


def test_a_refused_token_is_retried_and_the_request_then_goes_out() -> None:
    async def body() -> None:
        async with session() as h:
            h.sim.inject(RefuseToken(times=1))
            outcome = await h.send(add(live=False))
            assert kinds(outcome) == [Answered]
            (refused,) = h.of(TokenRefused)
            assert refused.attempt == 1
            assert "EAPI:Invalid key" in repr(refused.problems)
            assert h.sim.tokens_issued == 1
            assert len(h.of(Ready)) == 1 and len(h.sim.received) == 1

    run(body)


def test_an_invalid_token_answer_mints_a_fresh_token_for_the_next_request() -> None:
    async def body() -> None:
        async with session() as h:
            await h.connected()
            h.sim.inject(InvalidTokenOnce())
            outcome = await h.send(add(live=False))
            assert kinds(outcome) == [Answered]
            refused = outcome[0]
            assert isinstance(refused, Answered) and refused.answer.success is False
            assert refused.answer.error == "EAPI:Invalid token"
            await h.until(lambda: h.sim.tokens_issued == 2)
            outcome = await h.send(add(live=False))
            assert kinds(outcome) == [Answered]
            assert isinstance(outcome[0], Answered) and outcome[0].answer.success is True
            (connection,) = h.sim.received  # the same connection throughout
            tokens = [json.loads(frame)["params"]["token"] for frame in connection]
            assert tokens[0] == tokens[1] == tokens[2] != tokens[3]
            assert h.of(ConnectionLost) == []

    run(body)


def test_a_malformed_frame_is_ignored_and_the_session_goes_on() -> None:
    async def body() -> None:
        async with session() as h:
            await h.connected()
            h.sim.inject(MalformedFrame())
            await asyncio.sleep(0.2)
            outcome = await h.send(add(live=False))
            assert kinds(outcome) == [Answered]
            assert h.of(ConnectionLost) == [] and len(h.sim.received) == 1
            assert any(b"this is not JSON" in frame for frame in h.sim.sent[0])

    run(body)


def test_a_rate_limit_answer_is_a_rejection_of_kind_rate_limit_and_is_not_retried() -> None:
    async def body() -> None:
        async with session() as h:
            h.sim.inject(RateLimitNextAdd())
            outcome = await h.send(add(live=True))
            assert kinds(outcome) == [Answered]
            answered = outcome[0]
            assert isinstance(answered, Answered)
            assert answered.answer.success is False
            assert answered.answer.error_kind == "rate_limit"
            assert answered.answer.error == "EOrder:Rate limit exceeded"
            await asyncio.sleep(0.3)
            assert len(h.sim.requests("add_order")) == 1 and h.sim.orders == {}

    run(body)


# --- status ---------------------------------------------------------------------------------------


def test_nothing_is_sent_in_maintenance_and_the_add_ends_not_sent() -> None:
    async def body() -> None:
        async with session(wait_for_online=1.0) as h:
            h.sim.inject(Maintenance())
            started = time.monotonic()
            outcome = await h.send(add(live=True))
            assert kinds(outcome) == [NotSent]
            assert isinstance(outcome[0], NotSent) and "maintenance" in outcome[0].reason
            assert time.monotonic() - started >= 0.9
            assert h.sim.requests("add_order") == ()
            assert [s.system for s in h.of(StatusChanged)] == ["maintenance"]
            assert len(h.of(Ready)) == 1 and h.of(Sent) == []

    run(body)


def test_a_cancel_goes_out_in_cancel_only_while_an_add_waits() -> None:
    async def body() -> None:
        async with session(wait_for_online=1.0) as h:
            outcome = await h.send(add(live=True))
            assert kinds(outcome) == [Answered]
            (order_id,) = h.sim.orders
            await h.sim.set_status("cancel_only")
            await h.until(lambda: "cancel_only" in [s.system for s in h.of(StatusChanged)])

            waiting = await h.submit(add(live=True, price="28400"))
            cancel = CancelOrder(params=CancelOrderParams(order_id=[order_id]))
            cancelled = await h.send(cancel)
            assert kinds(cancelled) == [Answered]
            assert isinstance(cancelled[0], Answered) and cancelled[0].answer.success is True
            assert [o.status for o in h.sim.orders.values()] == ["canceled"]

            outcome = await h.live.outcome(waiting.req_id, 2.0)
            assert kinds(outcome) == [NotSent]
            assert isinstance(outcome[0], NotSent) and "cancel_only" in outcome[0].reason
            assert len(h.sim.requests("add_order")) == 1
            assert len(h.sim.requests("cancel_order")) == 1

    run(body)


# --- silence --------------------------------------------------------------------------------------


def test_silence_for_the_limit_makes_the_session_reconnect() -> None:
    async def body() -> None:
        async with session() as h:
            await h.connected()
            silenced = time.monotonic()
            h.sim.inject(GoSilent())
            await h.until(lambda: len(h.of(Ready)) == 2, timeout=3.0)
            assert time.monotonic() - silenced >= 1.0
            (lost,) = h.of(ConnectionLost)
            assert lost.reason == "no frame for 1 s"
            order = [type(e) for e in h.events if isinstance(e, ConnectionLost | Ready)]
            assert order == [Ready, ConnectionLost, Ready]
            outcome = await h.send(add(live=False))
            assert kinds(outcome) == [Answered]

    run(body)


def test_a_dead_link_is_replaced_soon_after_the_silence_limit() -> None:
    async def body() -> None:
        relay = Relay()
        async with session(relay=relay) as h:
            await h.connected()
            relay.freeze()
            frozen = time.monotonic()
            try:
                await h.until(lambda: len(h.of(Ready)) == 2, timeout=2.5)
            finally:
                relay.thaw()  # the close handshake can finish: the session ends at once
            assert time.monotonic() - frozen >= 1.0  # the silence limit, not sooner
            (lost,) = h.of(ConnectionLost)
            assert lost.reason == "no frame for 1 s"
            outcome = await h.send(add(live=False))
            assert kinds(outcome) == [Answered]

    run(body)


# --- the rate counter -----------------------------------------------------------------------------


BURST: Final = 61  # Starter: threshold 60, +1 per add


async def _burst(h: Harness) -> list[Submitted]:
    """61 adds submitted before the connection is ready: they go out together at `Ready`."""
    submitted = await asyncio.gather(*(h.live.submit(add(live=False)) for _ in range(BURST)))
    assert all(isinstance(s, Submitted) for s in submitted)
    return [s for s in submitted if isinstance(s, Submitted)]


def test_a_burst_past_the_rate_counter_ends_not_sent_with_the_refuse_policy() -> None:
    async def body() -> None:
        async with session(rate_policy="refuse") as h:
            burst = await _burst(h)
            last = max(burst, key=lambda s: s.req_id)
            outcome = await h.live.outcome(last.req_id, 3.0)
            assert kinds(outcome) == [NotSent]
            assert isinstance(outcome[0], NotSent) and "rate counter" in outcome[0].reason
            for submitted in burst:
                if submitted is not last:
                    answered = await h.live.outcome(submitted.req_id, 3.0)
                    assert kinds(answered) == [Answered]
                    assert isinstance(answered[0], Answered) and answered[0].answer.success
            assert len(h.sim.requests("add_order")) == BURST - 1
            assert h.sim.rate_level("BTC/USD") <= 60
            assert h.of(Held) == []

    run(body)


def test_a_burst_past_the_rate_counter_is_held_then_sent_with_the_hold_policy() -> None:
    async def body() -> None:
        async with session(rate_policy="hold") as h:
            burst = await _burst(h)
            last = max(burst, key=lambda s: s.req_id)
            outcome = await h.live.outcome(last.req_id, 3.0)
            assert kinds(outcome) == [Answered]
            (held,) = h.of(Held)
            assert held.req_id == last.req_id
            (ready,) = h.of(Ready)
            (sent,) = [s for s in h.of(Sent) if s.req_id == last.req_id]
            position = {id(e): i for i, e in enumerate(h.events)}
            assert position[id(ready)] < position[id(held)] < position[id(sent)]
            assert len(h.sim.requests("add_order")) == BURST
            rejected = [e.req_id for e in h.of(Answered) if not e.answer.success]
            assert set(rejected) <= {last.req_id}  # the first 60 all went through

    run(body)


def test_a_held_request_is_released_when_the_exchange_will_accept_it() -> None:
    async def body() -> None:
        relay = Relay()
        relay.lag = 0.2  # the burst meets 200 ms of latency; the held request later meets none
        async with session(relay=relay, rate_policy="hold") as h:
            burst = await _burst(h)
            last = max(burst, key=lambda s: s.req_id)
            for submitted in burst:
                if submitted is not last:
                    assert kinds(await h.live.outcome(submitted.req_id, 2.0)) == [Answered]
            relay.lag = 0.0
            outcome = await h.live.outcome(last.req_id, 3.0)
            assert len(h.of(Held)) == 1
            assert kinds(outcome) == [Answered]
            answered = outcome[0]
            assert isinstance(answered, Answered)
            assert (answered.answer.success, answered.answer.error) == (True, None)

    run(body)


def test_the_session_holds_to_the_threshold_the_exchange_announces() -> None:
    async def body() -> None:
        async with session(rate_policy="refuse", tier="pro") as h:  # the account is Starter
            burst = await _burst(h)
            last = max(burst, key=lambda s: s.req_id)
            outcome = await h.live.outcome(last.req_id, 3.0)
            kinds_of_errors = [e.answer.error_kind for e in h.of(Answered) if not e.answer.success]
            assert kinds_of_errors == []  # nothing earned EOrder:Rate limit exceeded
            assert kinds(outcome) == [NotSent]

    run(body)


def test_a_request_the_guards_refuse_is_refused_without_a_connection() -> None:
    async def body() -> None:
        async with session() as h:
            refused = await h.live.submit(add(live=True, qty="0.1", cap="5000"))  # 2844 USD > 1000
            assert isinstance(refused, Refused)
            assert "ENTRY_MAX_NOTIONAL" in repr(refused.problems)
            await asyncio.sleep(0.2)
            assert h.sim.tokens_issued == 0 and h.sim.received == ()
            assert h.of(Ready) == []

    run(body)

"""`momentum-send` (momentum/scripts/send.py) as a user runs it: a fresh process, its exit code,
stdout and stderr, against a simulator this test runs on its own event loop in a thread.

Every child runs with the loopback guard (tests/loopback.py, through a sitecustomize first on its
PYTHONPATH), with the knobs and the Kraken variables cleared, and its endpoints pointed at the
simulator (or at a closed loopback port): nothing a test runs can reach Kraken.
"""

import asyncio
import base64
import json
import os
import subprocess
import sys
import threading
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Final, TypeVar

import pytest

from momentum import api
from momentum.sim import (
    DropConnection,
    NoAnswer,
    RefuseToken,
    RejectNextAdd,
    SimConfig,
    Simulator,
)
from momentum.utils.env import KNOB_NAMES
from tests.loopback import REFUSED_BANNER, child_site

REPO: Final = Path(__file__).resolve().parents[2]
KRAKEN_NAMES: Final = ("KRAKEN_API_KEY", "KRAKEN_API_SECRET", "KRAKEN_REST_URL", "KRAKEN_WS_URL")
NOWHERE: Final = "127.0.0.1:9"  # a loopback port nothing listens on: a stray call fails here
MARKET: Final = "28500"  # a buy at 28440 rests; one at 28600 crosses and fills
WIDE: Final = {"ENTRY_MAX_NOTIONAL": "1000"}
LIVE: Final = WIDE | {"ALLOW_LIVE": "1"}

T = TypeVar("T")


class SimThread:
    """A `Simulator` on its own event loop in a background thread, driven from the test."""

    def __init__(self, config: SimConfig) -> None:
        self.config = config
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._sim: Simulator | None = None

    def start(self) -> None:
        self._thread.start()

        async def begin() -> Simulator:
            sim = Simulator(config=self.config)
            await sim.start()
            return sim

        self._sim = asyncio.run_coroutine_threadsafe(begin(), self._loop).result(10)

    def call(self, work: Callable[[Simulator], Awaitable[T]]) -> T:
        """Run `work(sim)` on the simulator's loop and wait for its result."""

        async def bounded() -> T:
            assert self._sim is not None
            return await asyncio.wait_for(work(self._sim), 10)

        return asyncio.run_coroutine_threadsafe(bounded(), self._loop).result(15)

    def do(self, work: Callable[[Simulator], T]) -> T:
        """Run plain `work(sim)` on the simulator's loop (faults, reads), and return its result."""

        async def inside(sim: Simulator) -> T:
            return work(sim)

        return self.call(inside)

    def stop(self) -> None:
        if self._sim is not None:
            self.call(lambda sim: sim.close())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    @property
    def urls(self) -> dict[str, str]:
        return self.do(lambda sim: {"KRAKEN_REST_URL": sim.rest_url, "KRAKEN_WS_URL": sim.ws_url})

    @property
    def credentials(self) -> dict[str, str]:
        return {"KRAKEN_API_KEY": self.config.api_key, "KRAKEN_API_SECRET": self.config.api_secret}

    def tokens(self) -> set[str]:
        """Every token a client sent the simulator (so, every token it was issued and used)."""
        frames = self.do(lambda sim: [frame for conn in sim.received for frame in conn])
        found: set[str] = set()
        for raw in frames:
            params = json.loads(raw).get("params", {})
            if isinstance(params, dict) and isinstance(params.get("token"), str):
                found.add(params["token"])
        return found

    def adds(self) -> tuple[dict[str, Any], ...]:
        return self.do(lambda sim: sim.requests("add_order"))

    def untouched(self) -> bool:
        """No token was asked for and no WebSocket connection was opened."""
        return self.do(lambda sim: sim.tokens_issued == 0 and sim.received == ())


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return child_site(tmp_path_factory.mktemp("loopback-site"))


def start_exchange(config: SimConfig | None = None) -> SimThread:
    exchange = SimThread(config or SimConfig.throwaway(heartbeat_interval=0.5))
    exchange.start()
    exchange.call(lambda sim: sim.set_price("BTC/USD", MARKET))
    return exchange


@pytest.fixture
def exchange() -> Iterator[SimThread]:
    running = start_exchange()
    yield running
    running.stop()


def environment(site: Path, extra: dict[str, str]) -> dict[str, str]:
    cleared = set(KNOB_NAMES) | set(KRAKEN_NAMES) | {"PYTHONPATH"}
    base = {k: v for k, v in os.environ.items() if k not in cleared}
    base["PYTHONPATH"] = os.pathsep.join([str(site), str(REPO)])
    base["KRAKEN_REST_URL"] = f"http://{NOWHERE}"
    base["KRAKEN_WS_URL"] = f"ws://{NOWHERE}/v2"
    return base | extra


def send(
    site: Path,
    cwd: Path,
    message: bytes | None,
    *args: str,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """`python -m momentum.scripts.send ARGS` with `message` on stdin, in `cwd`."""
    ran = subprocess.run(
        [sys.executable, "-m", "momentum.scripts.send", *args],
        cwd=cwd,
        env=environment(site, env or {}),
        input=None if message is None else message.decode(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert REFUSED_BANNER not in ran.stderr, ran.stderr  # nothing left loopback
    assert "Traceback" not in ran.stderr, ran.stderr
    return ran


def against(exchange: SimThread, **extra: str) -> dict[str, str]:
    """The environment of a user whose endpoints and credentials are the simulator's."""
    return exchange.urls | exchange.credentials | extra


def message(*, live: bool = False, price: str = "28440", qty: str = "0.001") -> bytes:
    """A BTC/USD limit buy as the library renders it: `validate` unless `live`."""
    knobs = api.Knobs(entry_max_notional=Decimal("100000"), allow_live=True)
    context = api.Context(knobs=knobs, now=datetime.now(UTC), live=live)
    order = api.LimitOrder(
        symbol="BTC/USD", side="buy", qty=Decimal(qty), limit_price=Decimal(price)
    )
    built = api.build_add_order(order, context).unwrap()
    data: bytes = api.encode(built).unwrap()
    return data


def document(ran: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    """stdout as exactly one JSON document."""
    lines = ran.stdout.splitlines()
    assert len(lines) == 1, ran.stdout
    loaded = json.loads(lines[0])
    assert isinstance(loaded, dict)
    return loaded


def cl_ord_id_sent(exchange: SimThread) -> str:
    (request,) = exchange.adds()
    params = request["params"]
    assert isinstance(params, dict) and isinstance(params["cl_ord_id"], str)
    return params["cl_ord_id"]


# --- 0: accepted ----------------------------------------------------------------------------------


def test_a_validate_message_the_exchange_accepts_exits_0_with_its_answer_on_stdout(
    site: Path, tmp_path: Path, exchange: SimThread
) -> None:
    ran = send(site, tmp_path, message(), env=against(exchange, **WIDE))
    assert ran.returncode == 0, ran.stderr
    answer = document(ran)
    assert answer["success"] is True and answer["method"] == "add_order"
    assert ran.stderr == ""
    (request,) = exchange.adds()
    assert request["params"]["validate"] is True
    assert exchange.do(lambda sim: dict(sim.orders)) == {}


def test_a_live_order_the_exchange_accepts_exits_0_and_rests_on_the_book(
    site: Path, tmp_path: Path, exchange: SimThread
) -> None:
    ran = send(site, tmp_path, message(live=True), env=against(exchange, **LIVE))
    assert ran.returncode == 0, ran.stderr
    answer = document(ran)
    assert answer["success"] is True
    orders = exchange.do(lambda sim: dict(sim.orders))
    assert list(orders) == [answer["result"]["order_id"]]
    (order,) = orders.values()
    assert (order.status, order.cl_ord_id) == ("new", cl_ord_id_sent(exchange))


# --- 4: rejected ----------------------------------------------------------------------------------


def test_an_order_the_exchange_rejects_exits_4_and_says_why(
    site: Path, tmp_path: Path, exchange: SimThread
) -> None:
    exchange.do(lambda sim: sim.inject(RejectNextAdd(error="EOrder:Insufficient funds")))
    ran = send(site, tmp_path, message(live=True), env=against(exchange, **LIVE))
    assert ran.returncode == 4, ran.stderr
    assert ran.stderr == "rejected by the exchange: EOrder:Insufficient funds\n"
    answer = document(ran)
    assert (answer["success"], answer["error"]) == (False, "EOrder:Insufficient funds")
    assert len(exchange.adds()) == 1


# --- lost answers: reconciled -----------------------------------------------------------------------


def test_a_lost_answer_to_a_validate_message_exits_5_saying_it_was_validate_only(
    site: Path, tmp_path: Path, exchange: SimThread
) -> None:
    exchange.do(lambda sim: sim.inject(DropConnection(method="add_order")))
    ran = send(site, tmp_path, message(), env=against(exchange, **WIDE))
    assert ran.returncode == 5, ran.stderr
    assert "it was validate only, so nothing was placed" in ran.stderr
    assert document(ran)["reconciled"][0]["found"] == "validate_only"
    assert len(exchange.adds()) == 1


def test_a_lost_live_add_that_never_took_effect_exits_5_naming_its_cl_ord_id(
    site: Path, tmp_path: Path, exchange: SimThread
) -> None:
    exchange.do(lambda sim: sim.inject(DropConnection(method="add_order", applied=False)))
    ran = send(site, tmp_path, message(live=True), env=against(exchange, **LIVE))
    assert ran.returncode == 5, ran.stderr
    cl_ord_id = cl_ord_id_sent(exchange)
    assert f"outcome unknown: cl_ord_id {cl_ord_id} is neither open nor" in ran.stderr
    assert document(ran)["reconciled"] == [
        {"req_id": 1, "cl_ord_id": cl_ord_id, "found": "absent", "order_id": None,
         "cum_qty": None}
    ]  # fmt: skip
    assert exchange.do(lambda sim: dict(sim.orders)) == {}


def test_a_lost_live_add_that_took_effect_exits_0_with_the_reconciliation_on_stdout(
    site: Path, tmp_path: Path, exchange: SimThread
) -> None:
    exchange.do(lambda sim: sim.inject(DropConnection(method="add_order", applied=True)))
    ran = send(site, tmp_path, message(live=True), env=against(exchange, **LIVE))
    assert ran.returncode == 0, ran.stderr
    (found,) = document(ran)["reconciled"]
    (order_id,) = exchange.do(lambda sim: list(sim.orders))
    cl_ord_id = cl_ord_id_sent(exchange)
    assert (found["found"], found["order_id"], found["cl_ord_id"]) == ("open", order_id, cl_ord_id)
    assert f"no answer came, but cl_ord_id {cl_ord_id} is open (order {order_id}" in ran.stderr
    assert len(exchange.adds()) == 1


def test_a_lost_live_add_that_filled_exits_0_reconciled_as_filled(
    site: Path, tmp_path: Path, exchange: SimThread
) -> None:
    exchange.do(lambda sim: sim.inject(DropConnection(method="add_order", applied=True)))
    ran = send(site, tmp_path, message(live=True, price="28600"), env=against(exchange, **LIVE))
    assert [o.status for o in exchange.do(lambda sim: list(sim.orders.values()))] == ["filled"]
    assert ran.returncode == 0, ran.stderr
    assert document(ran)["reconciled"][0]["found"] == "filled"


def test_an_unanswered_live_add_that_rests_exits_0_reconciled_as_open(
    site: Path, tmp_path: Path, exchange: SimThread
) -> None:
    exchange.do(lambda sim: sim.inject(NoAnswer(method="add_order")))
    flags = ("--answer_timeout", "0.5", "--timeout", "1.5")
    ran = send(site, tmp_path, message(live=True), *flags, env=against(exchange, **LIVE))
    assert [o.status for o in exchange.do(lambda sim: list(sim.orders.values()))] == ["new"]
    assert ran.returncode == 0, ran.stderr
    assert document(ran)["reconciled"][0]["found"] == "open"


# --- 6: nothing was sent ----------------------------------------------------------------------------


def test_a_token_refused_every_time_exits_6_with_nothing_sent(
    site: Path, tmp_path: Path, exchange: SimThread
) -> None:
    exchange.do(lambda sim: sim.inject(RefuseToken(times=100)))
    ran = send(site, tmp_path, message(), "--timeout", "2", env=against(exchange, **WIDE))
    assert ran.returncode == 6, ran.stderr
    assert ran.stderr.startswith("nothing was sent: no usable connection in time")
    assert ran.stdout == ""
    assert exchange.untouched()


def test_an_exchange_in_maintenance_exits_6_with_nothing_sent(
    site: Path, tmp_path: Path, exchange: SimThread
) -> None:
    exchange.call(lambda sim: sim.set_status("maintenance"))
    ran = send(site, tmp_path, message(), "--timeout", "2", env=against(exchange, **WIDE))
    assert ran.returncode == 6, ran.stderr
    assert ran.stderr == "nothing was sent: no usable connection in time (maintenance)\n"
    assert exchange.adds() == ()
    assert exchange.do(lambda sim: sim.tokens_issued) == 1  # it connected, and waited


# --- 3 and 2: refused before any connection ---------------------------------------------------------


@pytest.mark.parametrize(
    ("live", "guard"),
    [
        (False, "ENTRY_MAX_NOTIONAL refused: 0.001 x 28440 = 28.44 USD > cap 10 USD"),
        (True, "ALLOW_LIVE refused"),
    ],
    ids=["over the notional cap", "live without ALLOW_LIVE"],
)
def test_a_message_a_guard_refuses_exits_3_without_any_connection(
    site: Path, tmp_path: Path, exchange: SimThread, live: bool, guard: str
) -> None:
    knobs = WIDE if live else {}  # the live message is within the cap: only ALLOW_LIVE stops it
    ran = send(site, tmp_path, message(live=live), env=against(exchange, **knobs))
    assert ran.returncode == 3, ran.stderr
    assert ran.stderr.startswith(guard)
    assert ran.stdout == ""
    assert exchange.untouched()


def test_missing_credentials_exit_2_without_any_connection(
    site: Path, tmp_path: Path, exchange: SimThread
) -> None:
    ran = send(site, tmp_path, message(), env=exchange.urls | WIDE)
    assert ran.returncode == 2, ran.stderr
    assert "KRAKEN_API_KEY" in ran.stderr and "KRAKEN_API_SECRET" in ran.stderr
    assert ran.stdout == ""
    assert exchange.untouched()


@pytest.mark.parametrize(
    "data",
    [b"this is not JSON {", b"", b'{"method":"add_order","params":{"symbol":"BTC/USD"}}'],
    ids=["not JSON", "empty", "an add without its order"],
)
def test_a_malformed_message_exits_2_without_any_connection(
    site: Path, tmp_path: Path, exchange: SimThread, data: bytes
) -> None:
    ran = send(site, tmp_path, data, env=against(exchange, **WIDE))
    assert ran.returncode == 2, ran.stderr
    assert ran.stderr != "" and ran.stdout == ""
    assert exchange.untouched()


# --- credentials and secrets ------------------------------------------------------------------------


def _distinctive(label: str) -> tuple[str, str]:
    """A key and a 64-byte base64 secret that no program output could contain by chance."""
    key = f"KEY{label}x7Qz93LmWpV4"
    secret = base64.b64encode(f"SECRET{label}-momentum-loopback-test-".encode().ljust(64, b"#"))
    return key, secret.decode()


def test_no_key_secret_or_token_is_ever_printed(site: Path, tmp_path: Path) -> None:
    key, secret = _distinctive("Env")
    file_key, file_secret = _distinctive("File")
    (tmp_path / ".env").write_text(f"KRAKEN_API_KEY={file_key}\nKRAKEN_API_SECRET={file_secret}\n")
    exchange = start_exchange(SimConfig(api_key=key, api_secret=secret, heartbeat_interval=0.5))
    try:
        env = against(exchange, **LIVE)
        runs = [send(site, tmp_path, message(live=True), env=env)]
        exchange.do(lambda sim: sim.inject(DropConnection(method="add_order", applied=True)))
        runs.append(send(site, tmp_path, message(live=True, price="28400"), env=env))
        exchange.do(lambda sim: sim.inject(RejectNextAdd(error="EOrder:Insufficient funds")))
        runs.append(send(site, tmp_path, message(live=True), env=env))
        exchange.do(lambda sim: sim.inject(RefuseToken(times=100)))
        runs.append(send(site, tmp_path, message(), "--timeout", "1", env=env))
        assert [ran.returncode for ran in runs] == [0, 0, 4, 6]
        tokens = exchange.tokens()
        assert len(tokens) == 4  # one per connection: two for the run that reconnected
    finally:
        exchange.stop()
    hidden = [key, secret, file_key, file_secret, *tokens]
    printed = "".join(ran.stdout + ran.stderr for ran in runs)
    assert [value for value in hidden if value in printed] == []


def test_a_dotenv_in_the_working_folder_supplies_missing_credentials(
    site: Path, tmp_path: Path, exchange: SimThread
) -> None:
    creds = exchange.credentials
    (tmp_path / ".env").write_text("".join(f"{name}={value}\n" for name, value in creds.items()))
    ran = send(site, tmp_path, message(), env=exchange.urls | WIDE)
    assert ran.returncode == 0, ran.stderr
    assert document(ran)["success"] is True
    assert exchange.do(lambda sim: sim.tokens_issued) == 1


def test_a_dotenv_one_folder_up_is_not_read(
    site: Path, tmp_path: Path, exchange: SimThread
) -> None:
    creds = exchange.credentials
    (tmp_path / ".env").write_text("".join(f"{name}={value}\n" for name, value in creds.items()))
    below = tmp_path / "below"
    below.mkdir()
    ran = send(site, below, message(), env=exchange.urls | WIDE)
    assert ran.returncode == 2, ran.stderr
    assert "KRAKEN_API_KEY" in ran.stderr
    assert exchange.untouched()


# --- the first flow: the probe's output into the simulator --------------------------------------------


def test_the_probes_output_piped_into_send_with_the_simulator_exits_0(
    site: Path, tmp_path: Path
) -> None:
    env = environment(site, {"ENTRY_MAX_NOTIONAL": "50"})
    probe = subprocess.run(
        [sys.executable, "-m", "momentum.scripts.ws_payload_probe", "--symbol", "BTC/USD",
         "--side", "buy", "--qty", "0.001", "--limit", "28440"],
        cwd=tmp_path, env=env, capture_output=True, timeout=60, check=False,
    )  # fmt: skip
    assert probe.returncode == 0, probe.stderr
    ran = send(site, tmp_path, probe.stdout, "--sim", "1", env={"ENTRY_MAX_NOTIONAL": "50"})
    assert ran.returncode == 0, ran.stderr
    answer = document(ran)
    assert (answer["method"], answer["success"], answer["error"]) == ("add_order", True, None)
    assert answer["result"]["cl_ord_id"]


# --- start-up: a refusal or --help never loads the sending machinery ---------------------------

_HEAVY: Final = {"asyncio", "websockets", "momentum.scripts.connection"}
_LOADED: Final = (
    "import sys\n"
    "from momentum.scripts.send import main\n"
    "code = main(sys.argv[1:])\n"
    "sys.stderr.write('\\nexit ' + str(code) + ' modules ' + ' '.join(sorted(sys.modules)))\n"
)


@pytest.mark.parametrize(("args", "expected"), [(["--help"], "0"), (["-"], "3")])
def test_a_refusal_or_help_loads_no_socket_machinery(
    tmp_path: Path, args: list[str], expected: str
) -> None:
    message = (
        '{"method":"add_order","params":{"order_type":"limit","side":"buy","order_qty":0.001,'
        '"limit_price":28440,"symbol":"BTC/USD","validate":true}}'
    )  # 28.44 USD: over the default cap of 10, so refused before any connection
    env = {
        k: v for k, v in os.environ.items() if k not in KNOB_NAMES and not k.startswith("KRAKEN")
    }
    run = subprocess.run(
        [sys.executable, "-c", _LOADED, *args], input=message, cwd=tmp_path,
        env={**env, "KRAKEN_API_KEY": "k", "KRAKEN_API_SECRET": "cw=="},
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    code, word, *modules = run.stderr.rsplit("\nexit ", 1)[-1].split()
    assert (code, word) == (expected, "modules"), run.stderr
    assert {m.partition(".")[0] for m in modules} & _HEAVY == set()
    assert "momentum.scripts.connection" not in modules

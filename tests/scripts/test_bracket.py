"""`momentum-bracket` (momentum/scripts/bracket.py) end to end: `run_bracket` against the
in-process simulator over loopback, the market scripted by the test while the run goes, each step
waiting for the state it needs (a JSON line printed, an order on the simulator), not for a time.

Every run is judged on what a user and an account see: the JSON lines on stdout, stderr, the exit
code, and the simulator's final state (no order of the bracket left open unless the scenario says
so, the BTC bought sold exactly once and never below zero, no order sent twice). `main` is driven
in-process for its defaults and guards, and the tool runs once as a user runs it.

The usual bracket: BTC/USD 0.001 bought at 28440, stop 28410 (limit 28400), take-profit 28600
(limit 28590), the market at 28500. In the simulator a price at or under 28440 fills the entry,
28405 triggers the stop and fills it at 28400, 28600 triggers the take-profit and fills it at 28590.
"""

import asyncio
import io
import json
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, suppress
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar, Final

import pytest

import momentum.sim
from momentum import api
from momentum.bracket.machine import Mode
from momentum.bracket.spec import Prices, bracket_spec, preflight
from momentum.bracket.wire import BRACKET_ID
from momentum.models.context import Context, Knobs
from momentum.models.secret import Secret
from momentum.scripts.bracket import main
from momentum.scripts.bracket_runner import Settings, run_bracket
from momentum.scripts.connection import Credentials, LiveSession
from momentum.session.core import Answered, SessionConfig, Submitted
from momentum.sim import (
    AnswerLate,
    CloseConnection,
    DropConnection,
    NoAnswer,
    OrderView,
    RejectNextAdd,
    SimConfig,
    Simulator,
)
from momentum.utils.env import KNOB_NAMES
from tests.loopback import REFUSED_BANNER, child_site

REPO: Final = Path(__file__).resolve().parents[2]
SYMBOL: Final = "BTC/USD"
MARKET: Final = Decimal("28500")  # the last price at the start: the entry at 28440 rests
QTY: Final = Decimal("0.001")
ENTRY: Final = Decimal("28440")
STOP_HIT: Final = Decimal("28405")  # under the stop's 28410 trigger, over its 28400 limit
TAKE_HIT: Final = Decimal("28600")  # the take-profit's trigger, over its 28590 limit
PREFIX: Final = "mbtest01"  # the bracket's cl_ord_ids: {PREFIX}{role}{counter}
E0: Final = f"{PREFIX}e0"
S1: Final = f"{PREFIX}s1"
T2: Final = f"{PREFIX}t2"
USD: Final = Decimal("1000")  # the simulated account's dollars
MODES: Final[tuple[Mode, ...]] = ("one-resting", "both-resting")
FLAGS: Final = (
    *("--symbol", SYMBOL, "--qty", "0.001", "--limit", "28440"),
    *("--sl", "28410", "--sl_limit", "28400", "--tp", "28600", "--tp_limit", "28590"),
)
KRAKEN_NAMES: Final = (
    *("KRAKEN_API_KEY", "KRAKEN_API_SECRET"),
    *("KRAKEN_REST_URL", "KRAKEN_WS_URL", "KRAKEN_PUBLIC_WS_URL"),
)
BODY_LIMIT: Final = 20.0  # s: every in-process test body ends within this
WIND_DOWN: Final = 8.0  # s: a run left going by a failed check gets this long to stop


def settings(
    mode: Mode = "one-resting",
    *,
    validate: bool = False,
    one_position_only: bool = True,
    answer_timeout: float = 5.0,
) -> Settings:
    """What `main` decides for the usual bracket, built the same way: `bracket_spec`, then a
    clean `preflight`; the knobs allow a live run."""
    knobs = Knobs(
        entry_max_notional=Decimal("1000"), allow_live=True, one_position_only=one_position_only
    )
    context = Context(knobs=knobs, now=datetime.now(UTC), live=not validate)
    prices = Prices(
        sl=Decimal("28410"), sl_limit=Decimal("28400"), tp=TAKE_HIT, tp_limit=Decimal("28590")
    )
    spec = bracket_spec(
        symbol=SYMBOL,
        qty=QTY,
        entry_limit=ENTRY,
        prices=prices,
        mode=mode,
        context=context,
        prefix=PREFIX,
    ).unwrap()
    assert preflight(spec, context) == ()
    return Settings(spec=spec, context=context, validate=validate, answer_timeout=answer_timeout)


def account(mode: Mode, btc: str = "0") -> SimConfig:
    """The simulated account as `--sim` makes it: one-resting holds funds per open order (a stop
    and a limit sell cannot hold the same coins), both-resting does not."""
    return SimConfig.throwaway(
        {"USD": USD, "BTC": Decimal(btc)},
        hold_balances=mode == "one-resting",
        heartbeat_interval=0.5,
    )


def drive(body: Callable[[], Awaitable[None]]) -> None:
    """One async test body under an overall limit: nothing can hang."""
    asyncio.run(asyncio.wait_for(body(), BODY_LIMIT))


def params_of(sim: Simulator, method: str) -> list[dict[str, Any]]:
    """The params of every private request of `method` the simulator received, oldest first."""
    found = []
    for request in sim.requests(method):
        params = request["params"]
        assert isinstance(params, dict), request
        found.append(params)
    return found


class Run:
    """One `run_bracket` against `sim`, its stdout and stderr in buffers; the test scripts the
    market meanwhile and waits on what the run printed or what the simulator holds."""

    def __init__(self, sim: Simulator, settings: Settings) -> None:
        self.sim = sim
        self.settings = settings
        self.out = io.StringIO()
        self.err = io.StringIO()
        self.interrupted = asyncio.Event()
        self.lowest_btc = self.btc()
        self._task: asyncio.Task[int] | None = None

    def start(self) -> None:
        config = self.sim.config
        credentials = Credentials(key=Secret(config.api_key), secret=Secret(config.api_secret))
        urls = (self.sim.rest_url, self.sim.ws_url, self.sim.public_ws_url)
        self._task = asyncio.create_task(
            run_bracket(
                self.settings,
                credentials,
                urls,
                interrupted=self.interrupted,
                out=self.out,
                err=self.err,
            )
        )

    async def close(self) -> None:
        """Stop the run if it is still going (a check failed): as Ctrl-C, then by cancelling."""
        task = self._task
        if task is None or task.done():
            return
        self.interrupted.set()
        await asyncio.wait([task], timeout=WIND_DOWN)
        task.cancel()
        with suppress(asyncio.CancelledError, Exception):
            await task

    # --- what the run printed ----------------------------------------------------------------

    def lines(self) -> list[dict[str, Any]]:
        """stdout, one JSON object a line, each with an `event`."""
        found = []
        for text in self.out.getvalue().splitlines():
            loaded = json.loads(text)
            assert isinstance(loaded, dict) and isinstance(loaded.get("event"), str), text
            found.append(loaded)
        return found

    def matching(self, **fields: object) -> list[dict[str, Any]]:
        return [item for item in self.lines() if all(item.get(k) == v for k, v in fields.items())]

    def index(self, **fields: object) -> int:
        """Where the first line with `fields` is on stdout."""
        for position, item in enumerate(self.lines()):
            if all(item.get(k) == v for k, v in fields.items()):
                return position
        raise AssertionError(f"no line with {fields}:\n{self.out.getvalue()}")

    def exits(self) -> list[tuple[str, Decimal]]:
        """Each `exit` line: which exit sold how much."""
        return [(item["role"], Decimal(item["sold"])) for item in self.matching(event="exit")]

    # --- the simulator -------------------------------------------------------------------------

    def btc(self) -> Decimal:
        balance = self.sim.balances.get("BTC")
        return Decimal(0) if balance is None else balance.balance

    def order(self, cl_ord_id: str) -> OrderView:
        """The latest order the exchange knows with `cl_ord_id`."""
        found = [o for o in self.sim.orders.values() if o.cl_ord_id == cl_ord_id]
        assert found, f"no order {cl_ord_id} on the simulator: {list(self.sim.orders.values())}"
        return found[-1]

    def open_orders(self) -> list[OrderView]:
        return [o for o in self.sim.orders.values() if o.status in ("new", "partially_filled")]

    def adds(self) -> list[dict[str, Any]]:
        return params_of(self.sim, "add_order")

    def added(self) -> list[str]:
        """The cl_ord_id of every add_order the simulator received, oldest first."""
        return [str(params.get("cl_ord_id")) for params in self.adds()]

    def sold(self) -> Decimal:
        """What the bracket's sells filled on the exchange."""
        return sum(
            (
                o.filled
                for o in self.sim.orders.values()
                if o.side == "sell" and (o.cl_ord_id or "").startswith(PREFIX)
            ),
            Decimal(0),
        )

    # --- waiting ---------------------------------------------------------------------------------

    async def until(self, done: Callable[[], bool], what: str, timeout: float = 5.0) -> None:
        """Wait until `done()` holds (checked every 5 ms); fail saying `what` if it does not in
        time, or if the run ended first. BTC is watched meanwhile."""
        deadline = time.monotonic() + timeout
        while not done():
            self.lowest_btc = min(self.lowest_btc, self.btc())
            if self._task is not None and self._task.done():
                raise AssertionError(
                    f"the run ended ({self._task.result()}) before {what}:\n"
                    f"{self.out.getvalue()}{self.err.getvalue()}"
                )
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"not within {timeout} s: {what}:\n{self.out.getvalue()}{self.err.getvalue()}"
                )
            await asyncio.sleep(0.005)
        self.lowest_btc = min(self.lowest_btc, self.btc())

    async def line(self, **fields: object) -> None:
        """Wait for a line with `fields` on stdout (the runner prints as the machine steps, so
        the state that line tells of has been taken)."""
        await self.until(lambda: bool(self.matching(**fields)), f"a line with {fields}")

    async def lines_count(self, count: int, **fields: object) -> None:
        """Wait until exactly `count` lines with `fields` are on stdout."""
        await self.until(
            lambda: len(self.matching(**fields)) == count, f"{count} lines with {fields}"
        )

    async def answered(self, cl_ord_id: str, request: str = "place") -> None:
        await self.line(event="answer", cl_ord_id=cl_ord_id, request=request, ok=True)

    async def ticker_subscribed(self) -> None:
        """The run's public ticker is subscribed: from now on a price move reaches it."""

        def subscribed() -> bool:
            # the simulator lists only its private connections; its public ones are read here
            connections = self.sim._connections
            return any(not c.private and not c.dead and SYMBOL in c.tickers for c in connections)

        await self.until(subscribed, "the ticker subscribed")

    async def finish(self, timeout: float = 10.0) -> int:
        """The exit code of the run, which ends by itself; BTC was never below zero."""
        assert self._task is not None
        deadline = time.monotonic() + timeout
        while not self._task.done():
            self.lowest_btc = min(self.lowest_btc, self.btc())
            assert time.monotonic() < deadline, f"no exit in {timeout} s:\n{self.out.getvalue()}"
            await asyncio.sleep(0.005)
        self.lowest_btc = min(self.lowest_btc, self.btc())
        assert self.lowest_btc >= 0, self.lowest_btc
        self.lines()  # every line is JSON with an event
        return self._task.result()

    def assert_flat(self) -> None:
        """Nothing of the bracket open, every coin bought sold, no order sent twice, and the run
        said so last."""
        ours = [o for o in self.open_orders() if (o.cl_ord_id or "").startswith(PREFIX)]
        assert ours == [], ours
        assert self.btc() == 0
        last = self.lines()[-1]
        assert last["event"] == "finished" and Decimal(last["held"]) == 0, self.out.getvalue()
        sent = self.added()
        assert len(sent) == len(set(sent)), sent


@asynccontextmanager
async def running(
    settings: Settings,
    *,
    config: SimConfig | None = None,
    before: Callable[[Simulator], Awaitable[None]] | None = None,
) -> AsyncIterator[Run]:
    """A simulator with the market at `MARKET` (`before` runs on it first) and the run started
    against it; one a failed check left going is stopped on the way out."""
    async with Simulator(config=config or account(settings.spec.mode)) as sim:
        await sim.set_price(SYMBOL, MARKET)
        if before is not None:
            await before(sim)
        run = Run(sim, settings)
        run.start()
        try:
            yield run
        finally:
            await run.close()


async def resting_entry(run: Run) -> None:
    """The entry rests, answered, and (one-resting) the ticker watches the price."""
    await run.answered(E0)
    assert run.order(E0).status == "new"
    if run.settings.spec.mode == "one-resting":
        await run.ticker_subscribed()


async def partial(sim: Simulator, qty: str) -> None:
    """A print of `qty` at the entry's price, the market back above it at once: in the simulator
    a last price left at the entry's limit would fill all the rest of the entry at the next order
    placed (placing one matches every crossing order, not only the new one)."""
    await sim.trade(SYMBOL, ENTRY, qty)
    await sim.set_price(SYMBOL, MARKET)


async def protected(run: Run, qty: Decimal) -> None:
    """The exits rest on the exchange, answered, each selling `qty`."""
    await run.answered(S1)
    stop = run.order(S1)
    assert (stop.order_type, stop.order_qty - stop.filled) == ("stop-loss-limit", qty)
    if run.settings.spec.mode == "both-resting":
        await run.answered(T2)
        take = run.order(T2)
        assert (take.order_type, take.order_qty - take.filled) == ("take-profit-limit", qty)


# --- 1: one full fill, then the take-profit ---------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_full_fill_then_take_profit_sells_once_and_exits_0(mode: Mode) -> None:
    async def body() -> None:
        async with running(settings(mode)) as run:
            sim = run.sim
            await resting_entry(run)
            await sim.set_price(SYMBOL, ENTRY)
            await protected(run, QTY)
            await sim.set_price(SYMBOL, TAKE_HIT)
            assert await run.finish() == 0
            run.assert_flat()
            assert run.sold() == QTY
            assert run.exits() == [("take", QTY)]
            assert sim.balances["USD"].balance == USD - QTY * ENTRY + QTY * Decimal("28590")
            assert run.added() == [E0, S1, T2]
            assert run.order(S1).status == "canceled"
            assert [c["cl_ord_id"] for c in params_of(sim, "cancel_order")] == [[S1]]
            if mode == "one-resting":
                # the stop goes first (it holds the coins), then a limit IOC sells them
                ioc = run.index(event="place", role="take", time_in_force="ioc")
                assert run.index(event="cancel", cl_ord_id=S1, reason="take-profit touched") < ioc
                assert run.index(event="done", cl_ord_id=S1, status="canceled") < ioc
                sell = run.adds()[2]
                assert (sell["order_type"], sell["side"], sell["time_in_force"]) == (
                    "limit",
                    "sell",
                    "ioc",
                )
                assert (sell["limit_price"], sell["order_qty"]) == (Decimal("28590"), QTY)
            else:
                # the resting take-profit fills; the stop, selling coins no longer held, goes
                assert run.order(T2).status == "filled"
                assert run.matching(event="cancel", cl_ord_id=S1, reason="the position is flat")

    drive(body)


# --- 2: three partial fills, the stop resized to each, then the stop ------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_partial_fills_resize_the_stop_then_it_fills(mode: Mode) -> None:
    async def body() -> None:
        exits_per_fill = 1 if mode == "one-resting" else 2  # both-resting resizes the take too
        async with running(settings(mode)) as run:
            sim = run.sim
            await resting_entry(run)
            await partial(sim, "0.0004")
            await protected(run, Decimal("0.0004"))
            for count, total in enumerate(("0.0007", "0.001"), start=1):
                await partial(sim, "0.0003")
                await run.lines_count(
                    exits_per_fill * count, event="answer", request="amend", ok=True
                )
                assert run.order(S1).order_qty == Decimal(total)
            await sim.set_price(SYMBOL, STOP_HIT)
            assert await run.finish() == 0
            run.assert_flat()
            assert run.sold() == QTY
            assert run.exits() == [("stop", QTY)]
            assert run.order(S1).status == "filled" and run.order(S1).filled == QTY
            fills = [Decimal(x["cum_qty"]) for x in run.matching(event="fill", cl_ord_id=E0)]
            assert fills == [Decimal("0.0004"), Decimal("0.0007"), QTY]
            amends = [(p["cl_ord_id"], p["order_qty"]) for p in params_of(sim, "amend_order")]
            sizes = [Decimal("0.0007"), QTY]
            assert [qty for cl_ord_id, qty in amends if cl_ord_id == S1] == sizes
            if mode == "one-resting":
                assert len(amends) == 2
                assert run.added() == [E0, S1]
            else:
                assert [qty for cl_ord_id, qty in amends if cl_ord_id == T2] == sizes
                assert run.added() == [E0, S1, T2]
                assert run.order(T2).status == "canceled"

    drive(body)


# --- 3: the stop fills while the take-profit is touched; other moves of the price ---------------------


@pytest.mark.parametrize("mode", MODES)
def test_stop_fill_and_take_profit_touch_together_sell_once(mode: Mode) -> None:
    async def body() -> None:
        async with running(settings(mode)) as run:
            sim = run.sim
            await resting_entry(run)
            await sim.set_price(SYMBOL, ENTRY)
            await protected(run, QTY)
            # the stop fills, and the price is at the take-profit before the run can react
            await sim.set_price(SYMBOL, STOP_HIT)
            await sim.set_price(SYMBOL, TAKE_HIT)
            assert await run.finish() == 0
            run.assert_flat()
            assert run.sold() == QTY
            assert run.exits() == [("stop", QTY)]
            assert run.order(S1).status == "filled"
            # no IOC for coins the stop sold already
            assert [p for p in run.adds() if p.get("time_in_force") == "ioc"] == []
            assert run.added() == ([E0, S1] if mode == "one-resting" else [E0, S1, T2])
            assert sim.balances["USD"].balance == USD - QTY * ENTRY + QTY * Decimal("28400")

    drive(body)


def test_take_profit_touch_that_retreats_puts_the_stop_back() -> None:
    """One-resting: the touch cancels the stop; the price is gone before the IOC arrives, so it
    sells nothing, and a stop goes back on for what is held."""

    async def body() -> None:
        async with running(settings("one-resting")) as run:
            sim = run.sim
            await resting_entry(run)
            await sim.set_price(SYMBOL, ENTRY)
            await protected(run, QTY)
            await sim.set_price(SYMBOL, TAKE_HIT)
            await sim.set_price(SYMBOL, MARKET)
            s3 = f"{PREFIX}s3"
            await run.answered(s3)
            assert run.matching(event="done", cl_ord_id=T2, status="canceled")
            assert (run.order(T2).time_in_force, run.order(T2).filled) == ("ioc", Decimal(0))
            assert run.order(S1).status == "canceled"
            assert (run.order(s3).status, run.order(s3).order_qty) == ("new", QTY)
            await sim.set_price(SYMBOL, STOP_HIT)
            assert await run.finish() == 0
            run.assert_flat()
            assert run.exits() == [("stop", QTY)]
            assert run.added() == [E0, S1, T2, s3]

    drive(body)


def test_a_partial_take_profit_fill_shrinks_the_stop() -> None:
    """Both-resting: a print fills part of the take-profit; the stop is amended to what is still
    held, and sells exactly that when the price falls."""

    async def body() -> None:
        async with running(settings("both-resting")) as run:
            sim = run.sim
            await resting_entry(run)
            await sim.set_price(SYMBOL, ENTRY)
            await protected(run, QTY)
            await sim.trade(SYMBOL, TAKE_HIT, "0.0004")
            await sim.set_price(SYMBOL, MARKET)
            await run.answered(S1, "amend")
            assert run.order(S1).order_qty == Decimal("0.0006")
            assert run.order(T2).filled == Decimal("0.0004")
            await sim.set_price(SYMBOL, STOP_HIT)
            assert await run.finish() == 0
            run.assert_flat()
            assert run.exits() == [("take", Decimal("0.0004")), ("stop", Decimal("0.0006"))]
            assert run.sold() == QTY
            assert run.order(T2).status == "canceled"

    drive(body)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("jump", [STOP_HIT, TAKE_HIT], ids=["down", "up"])
def test_a_jump_with_the_entry_part_filled_sells_all_that_was_bought(
    mode: Mode, jump: Decimal
) -> None:
    """The entry is part filled and protected when the price jumps: down through the entry and
    the stop at once (the entry's rest fills, the stop sells its part, a new stop the rest), or
    up to the take-profit (the entry's rest goes, what was bought is sold). Everything bought is
    sold, once; nothing stays open."""

    async def body() -> None:
        async with running(settings(mode)) as run:
            await resting_entry(run)
            await partial(run.sim, "0.0004")
            await protected(run, Decimal("0.0004"))
            await run.sim.set_price(SYMBOL, jump)
            assert await run.finish() == 0
            run.assert_flat()
            bought = run.order(E0).filled
            assert bought == (QTY if jump == STOP_HIT else Decimal("0.0004"))
            assert run.sold() == bought
            assert sum((sold for _, sold in run.exits()), Decimal(0)) == bought
            assert {role for role, _ in run.exits()} == ({"stop"} if jump == STOP_HIT else {"take"})

    drive(body)


# --- 4: connections lost -------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("applied", [True, False], ids=["applied", "lost"])
def test_stop_add_dropped_with_the_connection_is_reconciled_not_doubled(
    mode: Mode, applied: bool
) -> None:
    """The entry fills; the connection drops on the stop's add_order, which the exchange applied
    (its answer lost) or never saw. After the reconnect the run protects exactly once."""

    async def body() -> None:
        async with running(settings(mode)) as run:
            sim = run.sim
            await resting_entry(run)
            sim.inject(DropConnection(method="add_order", applied=applied))
            await sim.set_price(SYMBOL, ENTRY)
            await run.line(event="reconciled")
            lost, after = run.index(event="connection_lost"), run.index(event="reconciled")
            # nothing is placed between the loss and the reconciliation
            assert [x for x in run.lines()[lost:after] if x["event"] == "place"] == []
            # what is placed after the reconciliation is answered before the market moves
            await run.until(
                lambda: all(
                    run.matching(event="answer", cl_ord_id=x["cl_ord_id"], ok=True)
                    for x in run.lines()[after:]
                    if x["event"] == "place"
                ),
                "the exits placed after the reconnect answered",
            )
            assert len(run.matching(event="connected")) == 2
            # one stop (and one take-profit) ever reached the exchange, each for the whole
            stops = [o for o in sim.orders.values() if o.order_type == "stop-loss-limit"]
            takes = [o for o in sim.orders.values() if o.order_type == "take-profit-limit"]
            assert [(o.status, o.order_qty) for o in stops] == [("new", QTY)]
            expected_takes = [("new", QTY)] if mode == "both-resting" else []
            assert [(o.status, o.order_qty) for o in takes] == expected_takes
            assert (stops[0].cl_ord_id == S1) is applied
            await sim.set_price(SYMBOL, STOP_HIT)
            assert await run.finish() == 0
            run.assert_flat()
            assert run.exits() == [("stop", QTY)]
            assert run.sold() == QTY

    drive(body)


@pytest.mark.parametrize("mode", MODES)
def test_entry_filled_while_disconnected_is_protected_after_the_reconnect(mode: Mode) -> None:
    """The private connection drops with the entry resting, and the entry fills meanwhile: the
    fill is learnt from the reconnect's snapshot, and the exits go out after the
    reconciliation, not before."""

    async def body() -> None:
        async with running(settings(mode)) as run:
            sim = run.sim
            await resting_entry(run)
            sim.inject(CloseConnection(code=1006))
            await run.line(event="connection_lost")
            await sim.set_price(SYMBOL, ENTRY)  # no private connection hears the fill
            await protected(run, QTY)
            assert run.index(event="fill", cl_ord_id=E0) < run.index(event="reconciled")
            assert run.index(event="reconciled") < run.index(event="place", cl_ord_id=S1)
            await sim.set_price(SYMBOL, STOP_HIT)
            assert await run.finish() == 0
            run.assert_flat()
            assert run.added() == ([E0, S1] if mode == "one-resting" else [E0, S1, T2])

    drive(body)


def test_ticker_lost_and_back_the_take_profit_is_still_taken() -> None:
    """One-resting watches the price on the public ticker: when that connection drops the stop
    keeps resting, the ticker comes back, and a touch after that is taken."""

    async def body() -> None:
        async with running(settings("one-resting")) as run:
            sim = run.sim
            await resting_entry(run)
            await sim.set_price(SYMBOL, ENTRY)
            await protected(run, QTY)
            sim.inject(CloseConnection(code=1006, public=True))
            await run.line(event="ticker_lost")
            assert run.order(S1).status == "new"
            await run.ticker_subscribed()
            await sim.set_price(SYMBOL, TAKE_HIT)
            assert await run.finish() == 0
            run.assert_flat()
            assert run.exits() == [("take", QTY)]
            assert run.added() == [E0, S1, T2]

    drive(body)


def test_a_take_profit_touch_during_a_reconnect_is_taken_after_it() -> None:
    """One-resting: the private connection drops with the stop resting; the ticker shows the
    take-profit touched while the run reconnects, and the price stays there. Once reconciled the
    run knows the last price is at the take-profit and should take it, without waiting for
    another tick."""

    async def body() -> None:
        async with running(settings("one-resting")) as run:
            sim = run.sim
            await resting_entry(run)
            await sim.set_price(SYMBOL, ENTRY)
            await protected(run, QTY)
            sim.inject(CloseConnection(code=1006))
            await run.line(event="connection_lost")
            await sim.set_price(SYMBOL, TAKE_HIT)  # heard while reconnecting, and it stays
            await run.line(event="reconciled")
            await run.until(  # acted on at once (it is 28600 and stays): 1.5 s is ample
                lambda: bool(run.matching(event="cancel", cl_ord_id=S1)),
                "the stop cancelled for the take-profit",
                timeout=1.5,
            )
            assert await run.finish() == 0
            run.assert_flat()
            assert run.exits() == [("take", QTY)]

    drive(body)


# --- 5: refusals and unknown outcomes ----------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_a_refused_stop_is_an_alert_exit_5(mode: Mode) -> None:
    async def body() -> None:
        async with running(settings(mode)) as run:
            sim = run.sim
            await resting_entry(run)
            sim.inject(RejectNextAdd(error="EOrder:Insufficient funds"))
            await sim.set_price(SYMBOL, ENTRY)
            assert await run.finish() == 5
            alert = run.lines()[-1]
            assert (alert["event"], alert["kind"]) == ("alert", "stop_refused")
            assert Decimal(alert["held"]) == QTY
            assert "EOrder:Insufficient funds" in alert["figures"]
            assert run.btc() == QTY  # bought and not protected: a person is told
            assert [o for o in sim.orders.values() if o.order_type == "stop-loss-limit"] == []
            err = run.err.getvalue()
            assert "alert (stop_refused)" in err
            assert "to do: place a stop by hand now, or sell what is held" in err
            assert "held: 0.001 BTC" in err
            if mode == "one-resting":
                assert "no order of this bracket is open" in err
                assert run.open_orders() == []
            else:  # the take-profit went out beside the stop: it is named, and open
                assert f"take {T2}: sells 0.001 BTC/USD at 28600, limit 28590" in err
                assert [o.cl_ord_id for o in run.open_orders()] == [T2]

    drive(body)


def test_a_refused_entry_exits_4_with_nothing_open() -> None:
    async def refuse(sim: Simulator) -> None:
        sim.inject(RejectNextAdd(error="EOrder:Insufficient funds"))

    async def body() -> None:
        async with running(settings(), before=refuse) as run:
            assert await run.finish() == 4
            answer = run.matching(event="answer", cl_ord_id=E0, ok=False)
            assert [item["error"] for item in answer] == ["EOrder:Insufficient funds"]
            assert run.lines()[-1]["event"] == "finished"
            assert run.sim.orders == {}
            assert run.added() == [E0]

    drive(body)


def test_a_stop_add_with_no_answer_that_the_stream_shows_carries_on() -> None:
    """No answer in time, but `executions` shows the stop resting: it is placed, never sent
    again, and the bracket goes on to its end."""

    async def body() -> None:
        async with running(settings(answer_timeout=0.5)) as run:
            await resting_entry(run)
            run.sim.inject(NoAnswer(method="add_order"))
            await run.sim.set_price(SYMBOL, ENTRY)
            await run.answered(S1)  # told by the stream, not by an answer
            assert run.sim.requests("add_order")[-1]["params"]["cl_ord_id"] == S1  # type: ignore[index]  # a decoded frame
            await run.sim.set_price(SYMBOL, STOP_HIT)
            assert await run.finish() == 0
            run.assert_flat()
            assert run.added() == [E0, S1]  # not sent again
            assert not run.matching(event="alert")

    drive(body)


def test_a_stop_add_lost_on_the_way_is_an_alert_exit_5() -> None:
    """No answer, and nothing in the stream a grace later: the outcome is unknown, a person must
    look; it is not sent again."""

    async def body() -> None:
        async with running(settings(answer_timeout=0.5)) as run:
            await resting_entry(run)
            run.sim.inject(NoAnswer(method="add_order", applied=False))
            await run.sim.set_price(SYMBOL, ENTRY)
            assert await run.finish() == 5
            alert = run.lines()[-1]
            assert (alert["event"], alert["kind"]) == ("alert", "unknown_outcome")
            assert S1 in alert["figures"]
            err = run.err.getvalue()
            assert f"stop {S1}: sells 0.001 BTC/USD at 28410, limit 28400" in err
            assert "to do: check the open orders and the balance on Kraken" in err
            assert run.added() == [E0, S1]  # not sent again
            assert run.sim.orders[next(iter(run.sim.orders))].cl_ord_id == E0  # no stop exists

    drive(body)


# --- 6 and 7: main: validation by default, the guards ------------------------------------------------------


@pytest.fixture
def user(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """A user's shell with no knob, no Kraken variable and no .env file: the test sets them."""
    for name in (*KNOB_NAMES, *KRAKEN_NAMES):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return monkeypatch


class Recorded(Simulator):
    """The simulator `--sim` starts, kept for the test to read afterwards."""

    made: ClassVar[list["Recorded"]] = []

    def __init__(self, config: SimConfig | None = None) -> None:
        super().__init__(config)
        Recorded.made.append(self)


@pytest.fixture
def recorded(user: pytest.MonkeyPatch) -> Iterator[list["Recorded"]]:
    """Every simulator `main --sim` starts (it imports `Simulator` from `momentum.sim`)."""
    Recorded.made = []
    user.setattr(momentum.sim, "Simulator", Recorded)
    yield Recorded.made


def against(sim: Simulator, user: pytest.MonkeyPatch) -> None:
    """The user's endpoints and credentials are the simulator's."""
    user.setenv("KRAKEN_API_KEY", sim.config.api_key)
    user.setenv("KRAKEN_API_SECRET", sim.config.api_secret)
    user.setenv("KRAKEN_REST_URL", sim.rest_url)
    user.setenv("KRAKEN_WS_URL", sim.ws_url)
    user.setenv("KRAKEN_PUBLIC_WS_URL", sim.public_ws_url)


async def in_thread(argv: list[str]) -> int:
    """`main(argv)` on its own event loop in a thread, while the simulator serves here."""
    return await asyncio.wait_for(asyncio.to_thread(main, argv), 15)


def printed(out: str) -> list[str]:
    return [json.loads(text)["event"] for text in out.splitlines()]


def test_without_credentials_the_default_run_exits_2(
    user: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    user.setenv("ENTRY_MAX_NOTIONAL", "50")
    assert main(list(FLAGS)) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "KRAKEN_API_KEY" in captured.err and "KRAKEN_API_SECRET" in captured.err


def test_the_default_run_only_validates(
    user: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    async def body() -> None:
        async with Simulator(config=account("one-resting")) as sim:
            await sim.set_price(SYMBOL, MARKET)
            against(sim, user)
            user.setenv("ENTRY_MAX_NOTIONAL", "50")
            assert await in_thread(list(FLAGS)) == 0
            assert [p["validate"] for p in params_of(sim, "add_order")] == [True]
            assert sim.orders == {}

    drive(body)
    out = capsys.readouterr().out
    assert printed(out) == ["connected", "place", "answer"]
    answer = json.loads(out.splitlines()[-1])
    assert answer["ok"] is True and "order_id" not in answer


def test_sim_with_validate_1_validates_the_entry_and_rests_nothing(
    user: pytest.MonkeyPatch, recorded: list[Recorded], capsys: pytest.CaptureFixture[str]
) -> None:
    user.setenv("ENTRY_MAX_NOTIONAL", "50")
    assert main([*FLAGS, "--sim", "bracket", "--validate", "1"]) == 0
    (sim,) = recorded
    (params,) = params_of(sim, "add_order")
    assert params["validate"] is True
    assert BRACKET_ID.fullmatch(str(params["cl_ord_id"]))
    assert sim.orders == {}
    assert printed(capsys.readouterr().out) == ["connected", "place", "answer"]


@pytest.mark.parametrize(
    ("cap", "flags", "guard"),
    [
        ("10", (), "ENTRY_MAX_NOTIONAL refused: 0.001 x 28440 = 28.44 USD > cap 10 USD"),
        ("50", ("--validate", "0"), "ALLOW_LIVE refused"),
    ],
    ids=["ENTRY_MAX_NOTIONAL", "ALLOW_LIVE"],
)
def test_a_guard_refuses_the_entry_before_any_connection(
    user: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    cap: str,
    flags: tuple[str, ...],
    guard: str,
) -> None:
    async def body() -> None:
        async with Simulator(config=account("one-resting")) as sim:
            against(sim, user)
            user.setenv("ENTRY_MAX_NOTIONAL", cap)
            assert await in_thread([*FLAGS, *flags]) == 3
            assert (sim.tokens_issued, sim.received) == (0, ())

    drive(body)
    captured = capsys.readouterr()
    assert captured.out == ""
    assert guard in captured.err


def test_the_cap_refuses_a_sim_run_before_the_simulator_starts(
    user: pytest.MonkeyPatch, recorded: list[Recorded], capsys: pytest.CaptureFixture[str]
) -> None:
    user.setenv("ENTRY_MAX_NOTIONAL", "10")
    assert main([*FLAGS, "--sim", "bracket"]) == 3
    assert recorded == []
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "ENTRY_MAX_NOTIONAL refused: 0.001 x 28440 = 28.44 USD > cap 10 USD" in captured.err


def place_by_hand(cl_ord_id: str | None) -> Callable[[Simulator], Awaitable[None]]:
    """An open protective sell placed before the run: a stop-loss-limit far under the market,
    with `cl_ord_id` (an earlier bracket's) or none (placed some other way)."""

    async def place(sim: Simulator) -> None:
        knobs = Knobs(entry_max_notional=Decimal("1000"), allow_live=True)
        context = Context(knobs=knobs, now=datetime.now(UTC), live=True)
        order = api.StopLossLimitOrder(
            symbol=SYMBOL,
            side="sell",
            qty=QTY,
            trigger=api.Trigger(price=Decimal("20000")),
            limit_price=Decimal("19990"),
            cl_ord_id=cl_ord_id,
        )
        request = api.build_add_order(order, context).unwrap()
        config = sim.config
        credentials = Credentials(key=Secret(config.api_key), secret=Secret(config.api_secret))
        session = SessionConfig(context=context)
        async with LiveSession(
            session, credentials, rest_url=sim.rest_url, ws_url=sim.ws_url
        ) as live:
            submitted = await live.submit(request)
            assert isinstance(submitted, Submitted), submitted
            (outcome,) = await live.outcome(submitted.req_id, 5)
            assert isinstance(outcome, Answered) and outcome.answer.success, outcome
        assert len(sim.requests("add_order")) == 1

    return place


@pytest.mark.parametrize("earlier", ["mbabc123s1", None], ids=["bracket", "by_hand"])
@pytest.mark.parametrize("one_position_only", [True, False], ids=["on", "off"])
def test_one_position_only_counts_the_open_exits_on_the_exchange(
    earlier: str | None, one_position_only: bool
) -> None:
    assert earlier is None or BRACKET_ID.fullmatch(earlier)

    async def body() -> None:
        async with running(
            settings(one_position_only=one_position_only),
            config=account("one-resting", btc="0.001"),
            before=place_by_hand(earlier),
        ) as run:
            if one_position_only:
                assert await run.finish() == 3
                assert len(run.adds()) == 1  # the earlier order's: the run sent none
                assert printed(run.out.getvalue()) == ["connected"]
                err = run.err.getvalue()
                assert "1 position(s) open on the exchange" in err
                assert "ONE_POSITION_ONLY" in err
            else:
                await resting_entry(run)
                run.interrupted.set()
                assert await run.finish() == 130
                assert run.added()[1:] == [E0]
                assert run.order(E0).status == "canceled"
            (left,) = run.open_orders()  # the earlier order, untouched
            assert left.order_type == "stop-loss-limit"
            assert left.cl_ord_id == earlier or earlier is None
            assert (BRACKET_ID.fullmatch(left.cl_ord_id or "") is None) is (earlier is None)

    drive(body)


# --- 8: Ctrl-C ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_ctrl_c_with_the_entry_resting_cancels_it_exit_130(mode: Mode) -> None:
    async def body() -> None:
        async with running(settings(mode)) as run:
            await resting_entry(run)
            run.interrupted.set()
            assert await run.finish() == 130
            assert run.order(E0).status == "canceled"
            assert run.open_orders() == []
            assert run.matching(event="cancel", cl_ord_id=E0)
            assert [c["cl_ord_id"] for c in params_of(run.sim, "cancel_order")] == [[E0]]
            err = run.err.getvalue()
            assert "stopping: interrupted; the exits stay as they are" in err
            assert "held: 0 BTC" in err
            assert "no order of this bracket is open" in err

    drive(body)


@pytest.mark.parametrize("mode", MODES)
def test_ctrl_c_with_the_stop_resting_leaves_it_exit_130(mode: Mode) -> None:
    """A part of the entry filled and is protected: Ctrl-C cancels the entry's rest (nothing
    would protect its fills) and leaves the exits resting, listed on stderr."""

    async def body() -> None:
        async with running(settings(mode)) as run:
            await resting_entry(run)
            await partial(run.sim, "0.0004")
            await protected(run, Decimal("0.0004"))
            run.interrupted.set()
            assert await run.finish() == 130
            assert run.order(E0).status == "canceled"
            assert run.order(E0).filled == Decimal("0.0004")
            expected = [S1] if mode == "one-resting" else [S1, T2]
            assert [o.cl_ord_id for o in run.open_orders()] == expected
            assert run.order(S1).order_qty == Decimal("0.0004")
            assert run.btc() == Decimal("0.0004")
            assert run.sim.requests("amend_order") == ()
            err = run.err.getvalue()
            assert "held: 0.0004 BTC" in err
            assert f"stop {S1}: sells 0.0004 BTC/USD at 28410, limit 28400 (open)" in err
            if mode == "both-resting":
                assert f"take {T2}: sells 0.0004 BTC/USD at 28600, limit 28590 (open)" in err
            assert f"entry {E0}" not in err

    drive(body)


def test_ctrl_c_before_the_entry_is_answered_still_cancels_it() -> None:
    """The entry is on the book but its answer is late when Ctrl-C comes: its rest must be
    cancelled all the same (cancel_order takes its cl_ord_id), as the tool promises for an
    interrupted run; otherwise it can fill after the run ended, with no stop."""

    async def late(sim: Simulator) -> None:
        sim.inject(AnswerLate(method="add_order", delay=1.0))

    async def body() -> None:
        async with running(settings(), before=late) as run:
            await run.until(
                lambda: any(o.cl_ord_id == E0 for o in run.sim.orders.values()),
                "the entry on the book",
            )
            run.interrupted.set()
            assert await run.finish() == 130
            assert run.order(E0).status == "canceled", run.err.getvalue()

    drive(body)


# --- 9: as a user runs it -----------------------------------------------------------------------------


def test_momentum_bracket_sim_as_a_user_runs_it(tmp_path: Path) -> None:
    site = child_site(tmp_path / "site")
    cleared = {*KNOB_NAMES, *KRAKEN_NAMES, "PYTHONPATH"}
    env = {k: v for k, v in os.environ.items() if k not in cleared}
    env["PYTHONPATH"] = os.pathsep.join([str(site), str(REPO)])
    env["ENTRY_MAX_NOTIONAL"] = "50"
    nowhere = "127.0.0.1:9"  # a loopback port nothing listens on: a stray call fails there
    env["KRAKEN_REST_URL"] = f"http://{nowhere}"
    env["KRAKEN_WS_URL"] = env["KRAKEN_PUBLIC_WS_URL"] = f"ws://{nowhere}/v2"
    cwd = tmp_path / "work"
    cwd.mkdir()
    ran = subprocess.run(
        [sys.executable, "-m", "momentum.scripts.bracket", *FLAGS, "--sim", "bracket"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert REFUSED_BANNER not in ran.stderr, ran.stderr
    assert "Traceback" not in ran.stderr, ran.stderr
    assert ran.returncode == 0, ran.stdout + ran.stderr
    lines = [json.loads(text) for text in ran.stdout.splitlines()]
    assert lines and all(isinstance(item, dict) and "event" in item for item in lines)
    assert lines[0]["event"] == "connected"
    assert lines[-1]["event"] == "finished" and Decimal(lines[-1]["held"]) == 0
    exits = [(item["role"], Decimal(item["sold"])) for item in lines if item["event"] == "exit"]
    assert exits == [("take", QTY)]
    assert list(cwd.iterdir()) == []  # nothing written where the user stood


# --- start-up: a refusal or --help never loads the runner, asyncio or websockets --------------

_LOADED = (
    "import sys\n"
    "from momentum.scripts.bracket import main\n"
    "code = main(sys.argv[1:])\n"
    "sys.stderr.write('\\nexit ' + str(code) + ' modules ' + ' '.join(sorted(sys.modules)))\n"
)


@pytest.mark.parametrize(("args", "expected"), [(["--help"], "0"), ([*FLAGS], "3")])
def test_a_refusal_or_help_loads_no_socket_machinery(
    tmp_path: Path, args: list[str], expected: str
) -> None:
    env = {k: v for k, v in os.environ.items() if k not in KNOB_NAMES}  # the cap of 10 refuses
    env |= {"KRAKEN_API_KEY": "k", "KRAKEN_API_SECRET": "cw=="}  # (--sim loads the simulator)
    run = subprocess.run(
        [sys.executable, "-c", _LOADED, *args], cwd=tmp_path, env=env, capture_output=True,
        text=True, timeout=60, check=False,
    )  # fmt: skip
    code, word, *modules = run.stderr.rsplit("\nexit ", 1)[-1].split()
    assert (code, word) == (expected, "modules"), run.stderr
    heavy = {"asyncio", "websockets"}
    assert {m.partition(".")[0] for m in modules} & heavy == set()
    assert {"momentum.scripts.connection", "momentum.scripts.bracket_runner"} & set(
        modules
    ) == set()

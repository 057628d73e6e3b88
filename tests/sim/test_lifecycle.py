"""Starting and stopping: loopback only, ephemeral ports, nothing left running after exit."""

import asyncio
from decimal import Decimal

import pytest
from websockets.exceptions import InvalidStatus

from momentum.sim import AnswerLate, SimConfig, Simulator

from .support import Client, limit, run, trader


def test_every_server_listens_on_loopback_with_its_own_ephemeral_port() -> None:
    async def body() -> None:
        async with Simulator() as sim:
            urls = (sim.rest_url, sim.ws_url, sim.public_ws_url)
            assert sim.rest_url.startswith("http://127.0.0.1:")
            assert sim.ws_url.startswith("ws://127.0.0.1:") and sim.ws_url.endswith("/v2")
            assert sim.public_ws_url.startswith("ws://127.0.0.1:")
            assert len({url.split(":")[2].split("/")[0] for url in urls}) == 3

    run(body)


def test_exit_closes_every_connection_and_leaves_no_task_or_timer_behind() -> None:
    async def body() -> None:
        before = asyncio.all_tasks()
        config = SimConfig.throwaway(heartbeat_interval=0.05, fill_latency=5)
        async with Simulator(config) as sim:
            await sim.set_price("BTC/USD", Decimal("28450"))
            client, token = await trader(sim)
            sim.inject(AnswerLate(method="add_order", delay=30))
            await client.send(
                {"method": "add_order", "params": limit(token, "buy", "0.001", "28460")}
            )
            await client.report("new")
        assert client.ws.close_code == 1001
        assert asyncio.all_tasks() == before
        assert not sim._timers
        with pytest.raises(OSError):
            await Client.open(sim.ws_url)

    run(body)


def test_only_the_v2_path_is_served() -> None:
    async def body() -> None:
        async with Simulator() as sim:
            with pytest.raises(InvalidStatus, match="404"):
                await Client.open(sim.ws_url.removesuffix("/v2") + "/v1")

    run(body)

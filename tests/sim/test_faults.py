"""Every injectable fault: what the client sees, and whether the request took effect."""

import asyncio
from decimal import Decimal

import pytest
from websockets.exceptions import ConnectionClosed

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
    RejectNextAdd,
    SimConfig,
    Simulator,
)

from .support import Client, limit, only, run, trader


async def _closed_code(client: Client) -> int | None:
    with pytest.raises(ConnectionClosed):
        while True:
            await asyncio.wait_for(client.ws.recv(), 2)
    return client.ws.close_code


@pytest.mark.parametrize(("applied", "orders"), [(True, 1), (False, 0)])
def test_a_dropped_connection_loses_the_answer_and_maybe_the_request(
    applied: bool, orders: int
) -> None:
    async def body() -> None:
        async with Simulator() as sim:
            watcher, _ = await trader(sim)
            client, token = await trader(sim)
            sim.inject(DropConnection(method="add_order", applied=applied))
            await client.send(
                {"method": "add_order", "params": limit(token, "buy", "0.001", "28000")}
            )
            assert await _closed_code(client) == 1006
            assert len(sim.orders) == orders
            assert len(sim.requests("add_order")) == 1
            if applied:
                assert only(await watcher.report("new"))["order_id"] in sim.orders
            await watcher.close()

    run(body)


def test_a_late_answer_comes_after_the_executions_it_caused() -> None:
    async def body() -> None:
        async with Simulator() as sim:
            client, token = await trader(sim)
            sim.inject(AnswerLate(method="add_order", delay=0.3))
            await client.send(
                {
                    "method": "add_order",
                    "params": limit(token, "buy", "0.001", "28000"),
                    "req_id": 4,
                }
            )
            await client.report("new", timeout=0.2)
            with pytest.raises(TimeoutError):
                await client.expect(lambda d: d.get("req_id") == 4, timeout=0.1)
            answer = await client.expect(lambda d: d.get("req_id") == 4, timeout=1)
            assert answer["success"] is True
            await client.close()

    run(body)


def test_an_unanswered_request_still_takes_effect() -> None:
    async def body() -> None:
        async with Simulator() as sim:
            client, token = await trader(sim)
            sim.inject(NoAnswer(method="add_order"))
            with pytest.raises(TimeoutError):
                await client.request(
                    "add_order", limit(token, "buy", "0.001", "28000"), timeout=0.3
                )
            assert [v.status for v in sim.orders.values()] == ["new"]
            again = await client.request("add_order", limit(token, "buy", "0.001", "27000"))
            assert again["success"] is True
            await client.close()

    run(body)


def test_a_request_lost_on_the_way_has_no_effect_and_no_answer() -> None:
    async def body() -> None:
        async with Simulator() as sim:
            client, token = await trader(sim)
            sim.inject(NoAnswer(method="add_order", applied=False))
            with pytest.raises(TimeoutError):
                await client.request(
                    "add_order", limit(token, "buy", "0.001", "28000"), timeout=0.3
                )
            assert len(sim.orders) == 0
            again = await client.request("add_order", limit(token, "buy", "0.001", "27000"))
            assert again["success"] is True  # the connection is still up
            await client.close()

    run(body)


@pytest.mark.parametrize("code", [1001, 1011, 1006])
def test_a_close_fault_closes_private_connections_with_its_code(code: int) -> None:
    async def body() -> None:
        async with Simulator() as sim:
            client, _ = await trader(sim)
            public = await Client.open(sim.public_ws_url)
            sim.inject(CloseConnection(code=code))  # type: ignore[arg-type]
            assert await _closed_code(client) == code
            pong = await public.request("ping")
            assert pong["method"] == "pong"
            await public.close()

    run(body)


def test_an_invalid_token_fault_refuses_one_request_only() -> None:
    async def body() -> None:
        async with Simulator() as sim:
            client, token = await trader(sim)
            sim.inject(InvalidTokenOnce())
            assert (await client.request("ping"))["method"] == "pong"
            first = await client.request("add_order", limit(token, "buy", "0.001", "28000"))
            assert first["error"] == "EAPI:Invalid token"
            second = await client.request("add_order", limit(token, "buy", "0.001", "28000"))
            assert second["success"] is True
            assert len(sim.orders) == 1
            await client.close()

    run(body)


def test_a_malformed_frame_is_not_json() -> None:
    async def body() -> None:
        async with Simulator() as sim:
            client, _ = await trader(sim)
            sim.inject(MalformedFrame())
            assert await asyncio.wait_for(client.ws.recv(), 2) == "this is not JSON {"
            await client.close()

    run(body)


def test_the_next_add_can_be_refused_as_rate_limited_or_with_any_error() -> None:
    async def body() -> None:
        async with Simulator() as sim:
            client, token = await trader(sim)
            sim.inject(RateLimitNextAdd())
            limited = await client.request("add_order", limit(token, "buy", "0.001", "28000"))
            assert limited["error"] == "EOrder:Rate limit exceeded"
            sim.inject(RejectNextAdd(error="EGeneral:Internal error"))
            batch = {
                "symbol": "BTC/USD",
                "token": token,
                "orders": [
                    {
                        "order_type": "limit",
                        "side": "buy",
                        "order_qty": Decimal("0.001"),
                        "limit_price": Decimal(price),
                    }
                    for price in ("28000", "27900")
                ],
            }
            rejected = await client.request("batch_add", batch)
            assert rejected["error"] == "EGeneral:Internal error"
            assert sim.orders == {}
            placed = await client.request("add_order", limit(token, "buy", "0.001", "28000"))
            assert placed["success"] is True
            await client.close()

    run(body)


def test_maintenance_pushes_a_status_then_refuses_adds_and_cancels() -> None:
    async def body() -> None:
        async with Simulator() as sim:
            client, token = await trader(sim)
            placed = await client.request("add_order", limit(token, "buy", "0.001", "28000"))
            sim.inject(Maintenance())
            status = await client.channel("status")
            assert status["data"][0]["system"] == "maintenance"  # type: ignore[index]
            add = await client.request("add_order", limit(token, "buy", "0.001", "28000"))
            assert add["error"] == "EService:Unavailable"
            order_id = placed["result"]["order_id"]  # type: ignore[index]
            cancel = await client.request("cancel_order", {"order_id": [order_id], "token": token})
            assert cancel["error"] == "EService:Unavailable"
            await sim.set_status("online")
            assert (await client.channel("status"))["data"][0]["system"] == "online"  # type: ignore[index]
            await client.close()

    run(body)


def test_a_silent_exchange_sends_nothing_yet_applies_requests() -> None:
    async def body() -> None:
        async with Simulator(SimConfig.throwaway(heartbeat_interval=0.05)) as sim:
            client, token = await trader(sim)
            sim.inject(GoSilent(seconds=0.4))
            await client.send(
                {"method": "add_order", "params": limit(token, "buy", "0.001", "28000")}
            )
            before = client.heartbeats
            with pytest.raises(TimeoutError):
                await client.expect(lambda d: True, timeout=0.3)
            assert client.heartbeats == before
            assert [v.status for v in sim.orders.values()] == ["new"]
            await asyncio.sleep(0.2)
            with pytest.raises(TimeoutError):
                await client.expect(lambda d: False, timeout=0.2)
            assert client.heartbeats > before
            await client.close()

    run(body)

"""The private socket: greeting, ping, heartbeats, tokens, and `add_order` answers and refusals
compared as whole documents against the shapes in Kraken's docs."""

import asyncio
import json
from decimal import Decimal

import pytest

from momentum.sim import SimConfig, Simulator, System

from .support import ANY_TIME, Client, ExecId, limit, run, token_for, trader

ORDER_ID = ExecId("O")


def test_a_new_private_connection_is_greeted_with_the_engine_status() -> None:
    async def body() -> None:
        async with Simulator(SimConfig.throwaway(seed=7)) as sim:
            client = await Client.open(sim.ws_url)
            status = await client.channel("status")
            data = status["data"]
            assert isinstance(data, list)
            assert status == {
                "channel": "status",
                "type": "update",
                "data": [
                    {
                        "api_version": "v2",
                        "connection_id": data[0]["connection_id"],
                        "system": "online",
                        "version": "2.0.10",
                    }
                ],
            }
            assert isinstance(data[0]["connection_id"], int)
            await client.close()

    run(body)


def test_ping_is_answered_with_a_pong_carrying_the_req_id_and_times() -> None:
    async def body() -> None:
        async with Simulator() as sim:
            client = await Client.open(sim.ws_url)
            pong = await client.request("ping")
            assert pong == {
                "method": "pong",
                "req_id": client.req_id,
                "time_in": ANY_TIME,
                "time_out": ANY_TIME,
            }
            await client.close()

    run(body)


def test_heartbeats_come_only_once_the_connection_has_a_subscription() -> None:
    async def body() -> None:
        async with Simulator(SimConfig.throwaway(heartbeat_interval=0.05)) as sim:
            token = await token_for(sim)
            client = await Client.open(sim.ws_url)
            await client.channel("status")
            with pytest.raises(TimeoutError):
                await client.expect(lambda d: False, timeout=0.2)
            assert client.heartbeats == 0
            await client.request("subscribe", {"channel": "executions", "token": token})
            with pytest.raises(TimeoutError):
                await client.expect(lambda d: False, timeout=0.3)
            assert client.heartbeats >= 3
            await client.close()

    run(body)


def test_the_executions_subscription_is_acknowledged_then_snapshotted() -> None:
    async def body() -> None:
        async with Simulator() as sim:
            token = await token_for(sim)
            client = await Client.open(sim.ws_url)
            ack = await client.request(
                "subscribe", {"channel": "executions", "token": token, "snap_trades": True}
            )
            assert ack == {
                "method": "subscribe",
                "req_id": client.req_id,
                "result": {
                    "channel": "executions",
                    "maxratecount": 60,
                    "snap_orders": True,
                    "snap_trades": True,
                },
                "success": True,
                "time_in": ANY_TIME,
                "time_out": ANY_TIME,
            }
            snapshot = await client.channel("executions")
            assert snapshot == {
                "channel": "executions",
                "type": "snapshot",
                "data": [],
                "sequence": 1,
            }
            await client.close()

    run(body)


def test_a_request_with_a_token_never_issued_is_refused_as_an_invalid_token() -> None:
    async def body() -> None:
        async with Simulator() as sim:
            client = await Client.open(sim.ws_url)
            answer = await client.request("add_order", limit("bogus", "buy", "0.001", "28440"))
            assert answer == {
                "error": "EAPI:Invalid token",
                "method": "add_order",
                "req_id": client.req_id,
                "success": False,
                "time_in": ANY_TIME,
                "time_out": ANY_TIME,
            }
            subscribe = await client.request("subscribe", {"channel": "executions"})
            assert subscribe["error"] == "EAPI:Invalid token"
            assert sim.orders == {}
            await client.close()

    run(body)


def test_an_expired_token_is_refused_unless_a_subscription_keeps_it_alive() -> None:
    async def body() -> None:
        async with Simulator(SimConfig.throwaway(token_ttl=0.2)) as sim:
            await sim.set_price("BTC/USD", "28450")
            client, held = await trader(sim)
            idle = await token_for(sim)
            await asyncio.sleep(0.3)
            kept = await client.request("add_order", limit(held, "buy", "0.001", "28440"))
            assert kept["success"] is True
            expired = await client.request("add_order", limit(idle, "buy", "0.001", "28440"))
            assert expired["error"] == "EAPI:Invalid token"
            await client.close()

    run(body)


def test_an_add_order_is_answered_in_the_documented_shape() -> None:
    async def body() -> None:
        async with Simulator() as sim:
            client, token = await trader(sim)
            by_ref = await client.request(
                "add_order", limit(token, "buy", "0.001", "26500.4", order_userref=100054)
            )
            # docs.kraken.com/api/docs/websocket-v2/add_order, "Example: Success"
            assert by_ref == {
                "method": "add_order",
                "req_id": client.req_id,
                "result": {"order_id": ORDER_ID, "order_userref": 100054},
                "success": True,
                "time_in": ANY_TIME,
                "time_out": ANY_TIME,
            }
            by_id = await client.request(
                "add_order", limit(token, "buy", "0.001", "26500.4", cl_ord_id="entry-1")
            )
            assert by_id["result"] == {"order_id": ORDER_ID, "cl_ord_id": "entry-1"}
            assert [view.status for view in sim.orders.values()] == ["new", "new"]
            await client.close()

    run(body)


def test_validate_answers_an_empty_order_id_and_places_nothing() -> None:
    async def body() -> None:
        async with Simulator() as sim:
            client, token = await trader(sim)
            answer = await client.request(
                "add_order", limit(token, "buy", "0.001", "28440", validate=True)
            )
            assert answer["result"] == {"order_id": ""}
            assert sim.orders == {}
            with pytest.raises(TimeoutError):
                await client.channel("executions", timeout=0.1)
            await client.close()

    run(body)


REFUSALS = [
    ({"symbol": "XBT/USD"}, "EQuery:Unknown asset pair"),
    ({"limit_price": Decimal("28440.05")}, "EOrder:Tick size check failed"),
    ({"order_qty": Decimal("0.00004")}, "EOrder:Order minimum not met"),
    (
        {"order_qty": Decimal("0.00005"), "limit_price": Decimal("9000")},
        "EOrder:Cost minimum not met",
    ),
    ({"deadline": "2020-01-01T00:00:00.000Z"}, "EService:Deadline elapsed"),
    ({"order_qty": Decimal("1")}, "EOrder:Insufficient funds"),
    ({"limit_price": Decimal("28460"), "post_only": True}, "EOrder:Post only order"),
    (
        {"order_userref": 1, "cl_ord_id": "a"},
        "EGeneral:Invalid arguments:cl_ord_id and order_userref are exclusive",
    ),
    ({"leverage": 2}, "EGeneral:Invalid arguments:Object contains unknown field `leverage`"),
    ({"order_qty": "0.001"}, "EGeneral:Invalid arguments:order_qty must be a number"),
    ({"margin": True}, "EOrder:Cannot open position"),
    ({"time_in_force": "gtd"}, "EGeneral:Invalid arguments:expire_time"),
]


@pytest.mark.parametrize(("change", "error"), REFUSALS)
def test_an_order_that_breaks_a_rule_is_refused_with_krakens_error(
    change: dict[str, object], error: str
) -> None:
    async def body() -> None:
        async with Simulator() as sim:
            await sim.set_price("BTC/USD", "28450")
            client, token = await trader(sim)
            answer = await client.request(
                "add_order", {**limit(token, "buy", "0.001", "28440"), **change}
            )
            assert answer == {
                "error": error,
                "method": "add_order",
                "req_id": client.req_id,
                "success": False,
                "time_in": ANY_TIME,
                "time_out": ANY_TIME,
            }
            assert sim.orders == {}
            await client.close()

    run(body)


def test_a_cl_ord_id_already_on_an_open_order_is_refused() -> None:
    async def body() -> None:
        async with Simulator() as sim:
            client, token = await trader(sim)
            first = await client.request(
                "add_order", limit(token, "buy", "0.001", "28000", cl_ord_id="bracket-7")
            )
            assert first["success"] is True
            again = await client.request(
                "add_order", limit(token, "buy", "0.001", "28000", cl_ord_id="bracket-7")
            )
            assert again["error"] == "EOrder:Duplicate cl_ord_id"
            await client.close()

    run(body)


def test_a_market_order_before_any_price_is_refused_as_an_invalid_price() -> None:
    async def body() -> None:
        async with Simulator() as sim:
            client, token = await trader(sim)
            market = {
                "order_type": "market",
                "side": "buy",
                "order_qty": Decimal("0.001"),
                "symbol": "BTC/USD",
                "token": token,
            }
            assert (await client.request("add_order", market))["error"] == "EOrder:Invalid price"
            await sim.set_price("BTC/USD", "28450")
            assert (await client.request("add_order", market))["success"] is True
            await client.close()

    run(body)


@pytest.mark.parametrize(
    ("system", "error"),
    [
        ("maintenance", "EService:Unavailable"),
        ("cancel_only", "EService:Market in cancel_only mode"),
        ("post_only", "EService:Market in post_only mode"),
    ],
)
def test_adds_are_refused_unless_the_engine_is_online(system: System, error: str) -> None:
    async def body() -> None:
        async with Simulator() as sim:
            client, token = await trader(sim)
            await sim.set_status(system)
            pushed = await client.channel("status")
            data = pushed["data"]
            assert isinstance(data, list) and data[0]["system"] == system
            answer = await client.request("add_order", limit(token, "buy", "0.001", "28000"))
            assert answer["error"] == error
            await client.close()

    run(body)


def test_post_only_mode_takes_post_only_limits() -> None:
    async def body() -> None:
        async with Simulator() as sim:
            client, token = await trader(sim)
            await sim.set_status("post_only")
            answer = await client.request(
                "add_order", limit(token, "buy", "0.001", "28000", post_only=True)
            )
            assert answer["success"] is True
            await client.close()

    run(body)


def test_quantities_and_prices_go_out_in_plain_notation() -> None:
    async def body() -> None:
        async with Simulator() as sim:
            await sim.set_price("BTC/USD", "28450")
            client, token = await trader(sim)
            await client.request("add_order", limit(token, "buy", "0.00005", "28440"))
            await client.report("new")
            raw = b"".join(client.raw)
            assert b'"order_qty":0.00005' in raw
            numbers: list[str] = []  # the text of every JSON number, never ids or other strings
            for frame in client.raw:
                json.loads(frame, parse_float=numbers.append, parse_int=numbers.append)
            assert "0.00005" in numbers
            assert [n for n in numbers if "e" in n.lower()] == []
            await client.close()

    run(body)


def test_a_frame_that_is_not_json_is_refused_as_invalid_arguments() -> None:
    async def body() -> None:
        async with Simulator() as sim:
            client = await Client.open(sim.ws_url)
            await client.send_raw("{not json")
            answer = await client.expect(lambda d: "error" in d)
            assert answer == {
                "error": "EGeneral:Invalid arguments",
                "success": False,
                "time_in": ANY_TIME,
                "time_out": ANY_TIME,
            }
            assert sim.received == ((b"{not json",),)
            await client.close()

    run(body)

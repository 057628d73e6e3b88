"""The public socket: `ticker` subscriptions, snapshots and updates, status pushes, heartbeats."""

from decimal import Decimal

import pytest

from momentum.sim import SimConfig, Simulator

from .support import ANY_TIME, Client, run


def test_a_ticker_subscription_is_acknowledged_then_snapshotted() -> None:
    async def body() -> None:
        async with Simulator() as sim:
            await sim.set_price("BTC/USD", "28450")
            client = await Client.open(sim.public_ws_url)
            await client.channel("status")
            ack = await client.request("subscribe", {"channel": "ticker", "symbol": ["BTC/USD"]})
            assert ack == {
                "method": "subscribe",
                "req_id": client.req_id,
                "result": {
                    "channel": "ticker",
                    "event_trigger": "trades",
                    "snapshot": True,
                    "symbol": "BTC/USD",
                },
                "success": True,
                "time_in": ANY_TIME,
                "time_out": ANY_TIME,
            }
            # docs.kraken.com/api/docs/websocket-v2/ticker, "Example: Snapshot"
            assert await client.channel("ticker") == {
                "channel": "ticker",
                "type": "snapshot",
                "data": [
                    {
                        "symbol": "BTC/USD",
                        "bid": Decimal("28449.9"),
                        "bid_qty": 1,
                        "ask": Decimal("28450.1"),
                        "ask_qty": 1,
                        "last": 28450,
                        "volume": 0,
                        "vwap": Decimal("28450.0"),
                        "low": 28450,
                        "high": 28450,
                        "change": 0,
                        "change_pct": Decimal("0.00"),
                    }
                ],
            }
            await client.close()

    run(body)


def test_every_price_move_and_print_updates_the_ticker() -> None:
    async def body() -> None:
        async with Simulator() as sim:
            client = await Client.open(sim.public_ws_url)
            await client.request("subscribe", {"channel": "ticker", "symbol": ["BTC/USD"]})
            await sim.set_price("BTC/USD", "28000")
            first = await client.channel("ticker")
            assert first["type"] == "update"
            await sim.trade("BTC/USD", "28280", "0.5")
            data = (await client.channel("ticker"))["data"]
            assert isinstance(data, list)
            assert {key: data[0][key] for key in ("last", "volume", "low", "high", "change")} == {
                "last": 28280,
                "volume": Decimal("0.5"),
                "low": 28000,
                "high": 28280,
                "change": 280,
            }
            assert data[0]["change_pct"] == Decimal("1.00")
            await sim.set_price("ETH/USD", "2500")
            with pytest.raises(TimeoutError):
                await client.channel("ticker", timeout=0.1)
            await client.close()

    run(body)


def test_an_unknown_pair_is_refused_by_name() -> None:
    async def body() -> None:
        async with Simulator() as sim:
            client = await Client.open(sim.public_ws_url)
            answer = await client.request(
                "subscribe", {"channel": "ticker", "symbol": ["NOPE/USD"]}
            )
            assert answer == {
                "error": "Currency pair not supported NOPE/USD",
                "method": "subscribe",
                "req_id": client.req_id,
                "success": False,
                "symbol": "NOPE/USD",
                "time_in": ANY_TIME,
                "time_out": ANY_TIME,
            }
            await client.close()

    run(body)


def test_a_status_change_is_pushed_on_both_sockets() -> None:
    async def body() -> None:
        async with Simulator() as sim:
            public = await Client.open(sim.public_ws_url)
            private = await Client.open(sim.ws_url)
            for client in (public, private):
                await client.channel("status")
            await sim.set_status("cancel_only")
            for client in (public, private):
                data = (await client.channel("status"))["data"]
                assert isinstance(data, list) and data[0]["system"] == "cancel_only"
            await public.close()
            await private.close()

    run(body)


def test_the_public_socket_pings_and_beats_once_subscribed() -> None:
    async def body() -> None:
        async with Simulator(SimConfig.throwaway(heartbeat_interval=0.05)) as sim:
            client = await Client.open(sim.public_ws_url)
            assert (await client.request("ping"))["method"] == "pong"
            await client.request("subscribe", {"channel": "ticker", "symbol": ["ETH/USD"]})
            with pytest.raises(TimeoutError):
                await client.expect(lambda d: False, timeout=0.25)
            assert client.heartbeats >= 2
            trading = await client.request("add_order", {"order_type": "market"})
            assert trading["error"] == "EGeneral:Invalid arguments:method"
            await client.close()

    run(body)

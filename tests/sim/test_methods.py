"""`batch_add`, `amend_order`, `cancel_order`, `cancel_all`, `cancel_all_orders_after` and the
trading rate counter, answers compared as whole documents."""

import asyncio
from decimal import Decimal

import pytest

from momentum.sim import SimConfig, Simulator

from .support import ANY_TIME, ExecId, limit, only, run, trader

ORDER_ID = ExecId("O")
AMEND_ID = ExecId("T")


def _batch_order(side: str, qty: str, price: str, **extra: object) -> dict[str, object]:
    return {
        "order_type": "limit",
        "side": side,
        "order_qty": Decimal(qty),
        "limit_price": Decimal(price),
        **extra,
    }


def test_a_batch_is_answered_with_one_result_per_order_in_request_order() -> None:
    async def body() -> None:
        async with Simulator() as sim:
            client, token = await trader(sim)
            params = {
                "symbol": "BTC/USD",
                "token": token,
                "orders": [
                    _batch_order("buy", "0.001", "28000", order_userref=1),
                    _batch_order("buy", "0.001", "27900", cl_ord_id="second"),
                ],
            }
            answer = await client.request("batch_add", params)
            # docs.kraken.com/api/docs/websocket-v2/batch_add, "Example: Response"
            assert answer == {
                "method": "batch_add",
                "req_id": client.req_id,
                "result": [
                    {"order_id": ORDER_ID, "order_userref": 1},
                    {"order_id": ORDER_ID, "cl_ord_id": "second"},
                ],
                "success": True,
                "time_in": ANY_TIME,
                "time_out": ANY_TIME,
            }
            assert [v.limit_price for v in sim.orders.values()] == [28000, 27900]
            await client.close()

    run(body)


def test_one_invalid_order_rejects_the_whole_batch() -> None:
    async def body() -> None:
        async with Simulator() as sim:
            client, token = await trader(sim)
            params = {
                "symbol": "BTC/USD",
                "token": token,
                "orders": [
                    _batch_order("buy", "0.001", "28000"),
                    _batch_order("buy", "0.001", "28000.05"),
                ],
            }
            answer = await client.request("batch_add", params)
            assert answer["error"] == "EOrder:Tick size check failed"
            assert sim.orders == {}
            too_few = await client.request("batch_add", {**params, "orders": params["orders"][:1]})
            assert too_few["error"] == "EGeneral:Invalid arguments:orders"
            await client.close()

    run(body)


def test_a_batch_order_short_of_funds_is_cancelled_alone() -> None:
    async def body() -> None:
        async with Simulator(SimConfig.throwaway({"BTC": Decimal("0.001")})) as sim:
            client, token = await trader(sim)
            params = {
                "symbol": "BTC/USD",
                "token": token,
                "orders": [
                    _batch_order("sell", "0.001", "28600"),
                    _batch_order("sell", "0.001", "28700"),
                ],
            }
            answer = await client.request("batch_add", params)
            assert answer["success"] is True
            canceled = only(await client.report("canceled"))
            assert canceled["reason"] == "Insufficient funds"
            assert [v.status for v in sim.orders.values()] == ["new", "canceled"]
            await client.close()

    run(body)


def test_an_amend_answers_its_id_and_streams_an_amended_report() -> None:
    async def body() -> None:
        async with Simulator() as sim:
            client, token = await trader(sim)
            placed = await client.request("add_order", limit(token, "buy", "0.001", "28000"))
            order_id = placed["result"]["order_id"]  # type: ignore[index]
            params = {
                "order_id": order_id,
                "order_qty": Decimal("0.002"),
                "limit_price": Decimal("28100"),
                "token": token,
            }
            answer = await client.request("amend_order", params)
            # docs.kraken.com/api/docs/websocket-v2/amend_order, "Example: Response"
            assert answer == {
                "method": "amend_order",
                "req_id": client.req_id,
                "result": {"amend_id": AMEND_ID, "order_id": order_id},
                "success": True,
                "time_in": ANY_TIME,
                "time_out": ANY_TIME,
            }
            assert await client.report("amended") == {
                "channel": "executions",
                "type": "update",
                "data": [
                    {
                        "timestamp": ANY_TIME,
                        "exec_type": "amended",
                        "order_status": "new",
                        "cum_qty": 0,
                        "reason": "User requested",
                        "amended": True,
                        "order_qty": Decimal("0.002"),
                        "limit_price": 28100,
                        "limit_price_type": "static",
                        "order_userref": 0,
                        "order_id": order_id,
                    }
                ],
                "sequence": 4,
            }
            view = sim.orders[order_id]
            assert (view.order_qty, view.limit_price) == (Decimal("0.002"), Decimal("28100"))
            await client.close()

    run(body)


def test_an_amend_by_cl_ord_id_echoes_the_cl_ord_id() -> None:
    async def body() -> None:
        async with Simulator(SimConfig.throwaway({"BTC": Decimal("0.001")})) as sim:
            await sim.set_price("BTC/USD", "28450")
            client, token = await trader(sim)
            stop = {
                "order_type": "stop-loss",
                "side": "sell",
                "order_qty": Decimal("0.001"),
                "symbol": "BTC/USD",
                "triggers": {"price": Decimal("28410")},
                "cl_ord_id": "stop",
                "token": token,
            }
            await client.request("add_order", stop)
            answer = await client.request(
                "amend_order",
                {"cl_ord_id": "stop", "trigger_price": Decimal("28420"), "token": token},
            )
            assert answer["result"] == {"amend_id": AMEND_ID, "cl_ord_id": "stop"}
            amended = only(await client.report("amended"))
            assert amended["triggers"] == {
                "reference": "last",
                "price": 28420,
                "price_type": "static",
                "status": "untriggered",
            }
            await sim.set_price("BTC/USD", "28419")
            await client.report("filled")
            await client.close()

    run(body)


def test_an_amend_below_the_filled_quantity_cancels_the_rest() -> None:
    async def body() -> None:
        async with Simulator() as sim:
            await sim.set_price("BTC/USD", "28450")
            client, token = await trader(sim)
            placed = await client.request("add_order", limit(token, "buy", "0.0004", "28440"))
            order_id = placed["result"]["order_id"]  # type: ignore[index]
            await sim.trade("BTC/USD", "28440", "0.0002")
            answer = await client.request(
                "amend_order",
                {"order_id": order_id, "order_qty": Decimal("0.0001"), "token": token},
            )
            assert answer["success"] is True
            canceled = only(await client.report("canceled"))
            assert canceled["cum_qty"] == Decimal("0.0002")
            assert sim.orders[order_id].status == "canceled"
            await client.close()

    run(body)


def test_amending_or_cancelling_an_unknown_or_closed_order_is_an_unknown_order() -> None:
    async def body() -> None:
        async with Simulator() as sim:
            await sim.set_price("BTC/USD", "28450")
            client, token = await trader(sim)
            placed = await client.request("add_order", limit(token, "buy", "0.0004", "28460"))
            closed = placed["result"]["order_id"]  # type: ignore[index]
            amend = await client.request(
                "amend_order", {"order_id": "OAAAAA-BBBBB-CCCCCC", "order_qty": 1, "token": token}
            )
            assert amend["error"] == "EOrder:Unknown order"
            cancel = await client.request("cancel_order", {"order_id": [closed], "token": token})
            assert cancel == {
                "error": "EOrder:Unknown order",
                "method": "cancel_order",
                "req_id": client.req_id,
                "success": False,
                "time_in": ANY_TIME,
                "time_out": ANY_TIME,
            }
            await client.close()

    run(body)


def test_a_cancel_answers_once_per_order_and_streams_canceled() -> None:
    async def body() -> None:
        async with Simulator() as sim:
            client, token = await trader(sim)
            one = await client.request(
                "add_order", limit(token, "buy", "0.001", "28000", cl_ord_id="one")
            )
            await client.request("add_order", limit(token, "buy", "0.001", "27000"))
            first = one["result"]["order_id"]  # type: ignore[index]
            await client.send(
                {
                    "method": "cancel_order",
                    "params": {"order_id": [first, "OAAAAA-BBBBB-CCCCCC"], "token": token},
                    "req_id": 77,
                }
            )
            answers = [await client.expect(lambda d: d.get("req_id") == 77) for _ in range(2)]
            # docs.kraken.com/api/docs/websocket-v2/cancel_order: one response per order
            assert answers == [
                {
                    "method": "cancel_order",
                    "req_id": 77,
                    "result": {"order_id": first, "cl_ord_id": "one"},
                    "success": True,
                    "time_in": ANY_TIME,
                    "time_out": ANY_TIME,
                },
                {
                    "error": "EOrder:Unknown order",
                    "method": "cancel_order",
                    "req_id": 77,
                    "success": False,
                    "time_in": ANY_TIME,
                    "time_out": ANY_TIME,
                },
            ]
            canceled = only(await client.report("canceled"))
            assert (canceled["reason"], canceled["cl_ord_id"]) == ("User requested", "one")
            await client.close()

    run(body)


def test_a_cancel_by_order_userref_cancels_every_order_with_it() -> None:
    async def body() -> None:
        async with Simulator() as sim:
            client, token = await trader(sim)
            for price in ("28000", "27900"):
                await client.request(
                    "add_order", limit(token, "buy", "0.001", price, order_userref=5)
                )
            await client.send(
                {
                    "method": "cancel_order",
                    "params": {"order_userref": [5], "token": token},
                    "req_id": 3,
                }
            )
            answers = [await client.expect(lambda d: d.get("req_id") == 3) for _ in range(2)]
            assert all(answer["success"] is True for answer in answers)
            assert [v.status for v in sim.orders.values()] == ["canceled", "canceled"]
            await client.close()

    run(body)


def test_cancel_all_answers_the_count_including_untriggered_orders() -> None:
    async def body() -> None:
        balances = {"USD": Decimal("100"), "BTC": Decimal("0.001")}
        async with Simulator(SimConfig.throwaway(balances)) as sim:
            await sim.set_price("BTC/USD", "28450")
            client, token = await trader(sim)
            await client.request("add_order", limit(token, "buy", "0.001", "28000"))
            stop = {
                "order_type": "stop-loss",
                "side": "sell",
                "order_qty": Decimal("0.001"),
                "symbol": "BTC/USD",
                "triggers": {"price": Decimal("28000")},
                "token": token,
            }
            await client.request("add_order", stop)
            answer = await client.request("cancel_all", {"token": token})
            assert answer == {
                "method": "cancel_all",
                "req_id": client.req_id,
                "result": {"count": 2},
                "success": True,
                "time_in": ANY_TIME,
                "time_out": ANY_TIME,
            }
            assert {v.status for v in sim.orders.values()} == {"canceled"}
            await client.close()

    run(body)


def test_the_dead_mans_switch_cancels_everything_when_it_expires() -> None:
    async def body() -> None:
        async with Simulator() as sim:
            client, token = await trader(sim)
            await client.request("add_order", limit(token, "buy", "0.001", "28000"))
            armed = await client.request("cancel_all_orders_after", {"timeout": 1, "token": token})
            result = armed["result"]
            assert isinstance(result, dict)
            # docs.kraken.com/api/docs/websocket-v2/cancel_after, "Example: Response"
            assert armed == {
                "method": "cancel_all_orders_after",
                "req_id": client.req_id,
                "result": {
                    "currentTime": result["currentTime"],
                    "triggerTime": result["triggerTime"],
                },
                "success": True,
                "time_in": ANY_TIME,
                "time_out": ANY_TIME,
            }
            assert (
                str(result["currentTime"]).endswith("Z") and len(str(result["currentTime"])) == 20
            )
            canceled = only(await client.report("canceled", timeout=3))
            assert canceled["reason"] == "cancel_all_orders_after timeout"
            await client.close()

    run(body)


def test_a_zero_timeout_disarms_the_dead_mans_switch() -> None:
    async def body() -> None:
        async with Simulator() as sim:
            client, token = await trader(sim)
            await client.request("add_order", limit(token, "buy", "0.001", "28000"))
            await client.request("cancel_all_orders_after", {"timeout": 1, "token": token})
            off = await client.request("cancel_all_orders_after", {"timeout": 0, "token": token})
            assert off["result"]["triggerTime"] == "0"  # type: ignore[index]
            await asyncio.sleep(1.2)
            assert [v.status for v in sim.orders.values()] == ["new"]
            bad = await client.request(
                "cancel_all_orders_after", {"timeout": 86400, "token": token}
            )
            assert bad["error"] == "EGeneral:Invalid arguments:timeout"
            await client.close()

    run(body)


def test_adds_over_the_rate_threshold_are_refused_until_the_counter_decays() -> None:
    async def body() -> None:
        config = SimConfig.throwaway(rate_threshold=3, rate_decay=10)
        async with Simulator(config) as sim:
            client, token = await trader(sim)
            answers = [
                await client.request("add_order", limit(token, "buy", "0.001", "28000"))
                for _ in range(4)
            ]
            assert [a.get("error") for a in answers] == [
                None,
                None,
                None,
                "EOrder:Rate limit exceeded",
            ]
            await asyncio.sleep(0.15)
            again = await client.request("add_order", limit(token, "buy", "0.001", "28000"))
            assert again["success"] is True
            await client.close()

    run(body)


@pytest.mark.parametrize(("threshold", "error"), [(9, None), (8.9, "EOrder:Rate limit exceeded")])
def test_cancelling_an_order_under_five_seconds_old_costs_eight(
    threshold: float, error: str | None
) -> None:
    async def body() -> None:
        config = SimConfig.throwaway(rate_threshold=threshold, rate_decay=0)
        async with Simulator(config) as sim:
            client, token = await trader(sim)
            placed = await client.request("add_order", limit(token, "buy", "0.001", "28000"))
            assert sim.rate_level("BTC/USD") == 1
            order_id = placed["result"]["order_id"]  # type: ignore[index]
            cancel = await client.request("cancel_order", {"order_id": [order_id], "token": token})
            assert cancel.get("error") == error
            await client.close()

    run(body)

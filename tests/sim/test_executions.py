"""The `executions` stream: the documented report sequence and shapes, fills (whole and partial),
triggers, OTO closes per fill, holds, time in force and snapshots."""

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from momentum.sim import BRACKET_PATH, STOP_PATH, SimConfig, Simulator, load_path

from .support import ANY_ID, ANY_TIME, Client, ExecId, limit, only, run, trader

ORDER_ID = ExecId("O")


def test_a_limit_fill_streams_pending_new_new_trade_filled_in_the_documented_shapes() -> None:
    async def body() -> None:
        config = SimConfig.throwaway({"USD": Decimal("0"), "BTC": Decimal("0.01")})
        async with Simulator(config) as sim:
            await sim.set_price("BTC/USD", "28450")
            client, token = await trader(sim)
            answer = await client.request(
                "add_order", limit(token, "sell", "0.005", "26500", order_userref=3)
            )
            order_id = answer["result"]["order_id"]  # type: ignore[index]
            # the examples of docs.kraken.com/api/docs/websocket-v2/executions, our values
            assert await client.report("pending_new") == {
                "channel": "executions",
                "type": "update",
                "data": [
                    {
                        "order_id": order_id,
                        "order_userref": 3,
                        "symbol": "BTC/USD",
                        "order_qty": Decimal("0.005"),
                        "cum_cost": 0,
                        "time_in_force": "GTC",
                        "exec_type": "pending_new",
                        "side": "sell",
                        "order_type": "limit",
                        "limit_price_type": "static",
                        "limit_price": 26500,
                        "stop_price": Decimal("0.0"),
                        "order_status": "pending_new",
                        "fee_usd_equiv": 0,
                        "fee_ccy_pref": "fciq",
                        "timestamp": ANY_TIME,
                    }
                ],
                "sequence": 2,
            }
            assert await client.report("new") == {
                "channel": "executions",
                "type": "update",
                "data": [
                    {
                        "timestamp": ANY_TIME,
                        "order_status": "new",
                        "exec_type": "new",
                        "order_userref": 3,
                        "order_id": order_id,
                    }
                ],
                "sequence": 3,
            }
            # the sell crosses at once (28450 >= 26500): a taker fill at its limit price
            trade = await client.report("trade")
            assert trade == {
                "channel": "executions",
                "type": "update",
                "data": [
                    {
                        "order_id": order_id,
                        "order_userref": 3,
                        "exec_id": ANY_ID,
                        "exec_type": "trade",
                        "trade_id": only(trade)["trade_id"],
                        "symbol": "BTC/USD",
                        "side": "sell",
                        "last_qty": Decimal("0.005"),
                        "last_price": 26500,
                        "liquidity_ind": "t",
                        "cost": Decimal("132.500"),
                        "order_type": "limit",
                        "timestamp": ANY_TIME,
                        # the quirk: partially_filled on the trade that fills the whole order
                        "order_status": "partially_filled",
                        "cum_qty": Decimal("0.005"),
                        "cum_cost": Decimal("132.500"),
                        "avg_price": 26500,
                        "fee_usd_equiv": Decimal("0.00000"),
                        "fees": [{"asset": "USD", "qty": Decimal("0.00000")}],
                    }
                ],
                "sequence": 4,
            }
            assert await client.report("filled") == {
                "channel": "executions",
                "type": "update",
                "data": [
                    {
                        "timestamp": ANY_TIME,
                        "order_status": "filled",
                        "exec_type": "filled",
                        "cum_qty": Decimal("0.005"),
                        "cum_cost": Decimal("132.500"),
                        "fee_usd_equiv": Decimal("0.00000"),
                        "avg_price": 26500,
                        "order_userref": 3,
                        "order_id": order_id,
                    }
                ],
                "sequence": 5,
            }
            assert sim.balances["BTC"].balance == Decimal("0.005")
            assert sim.balances["USD"].balance == Decimal("132.5")
            await client.close()

    run(body)


def test_a_resting_buy_fills_as_maker_when_the_price_comes_down_to_it() -> None:
    async def body() -> None:
        async with Simulator() as sim:
            await sim.set_price("BTC/USD", "28450")
            client, token = await trader(sim)
            await client.request("add_order", limit(token, "buy", "0.0004", "28440"))
            await client.report("new")
            await sim.set_price("BTC/USD", "28440.1")
            with pytest.raises(TimeoutError):
                await client.report("trade", timeout=0.1)
            await sim.set_price("BTC/USD", "28440")
            trade = only(await client.report("trade"))
            assert (trade["last_price"], trade["liquidity_ind"]) == (28440, "m")
            await client.report("filled")
            assert sim.balances["USD"].balance == Decimal("1000") - Decimal("11.376")
            assert sim.balances["BTC"].balance == Decimal("0.0004")
            await client.close()

    run(body)


def test_a_print_fills_crossing_orders_up_to_its_size_in_time_priority() -> None:
    async def body() -> None:
        async with Simulator() as sim:
            await sim.set_price("BTC/USD", "28450")
            client, token = await trader(sim)
            first = await client.request("add_order", limit(token, "buy", "0.0004", "28440"))
            second = await client.request("add_order", limit(token, "buy", "0.0004", "28440"))
            await sim.trade("BTC/USD", "28440", "0.0003")
            one = only(await client.report("trade"))
            assert one["order_id"] == first["result"]["order_id"]  # type: ignore[index]
            assert (one["last_qty"], one["cum_qty"], one["order_status"]) == (
                Decimal("0.0003"),
                Decimal("0.0003"),
                "partially_filled",
            )
            await sim.trade("BTC/USD", "28440", "0.0002")
            two, three = only(await client.report("trade")), only(await client.report("trade"))
            assert (two["order_id"], two["last_qty"]) == (one["order_id"], Decimal("0.0001"))
            assert three["order_id"] == second["result"]["order_id"]  # type: ignore[index]
            assert three["last_qty"] == Decimal("0.0001")
            filled = only(await client.report("filled"))
            assert filled["order_id"] == one["order_id"]
            views = list(sim.orders.values())
            assert [(v.status, v.filled) for v in views] == [
                ("filled", Decimal("0.0004")),
                ("partially_filled", Decimal("0.0001")),
            ]
            await client.close()

    run(body)


def test_a_sell_stop_loss_triggers_at_or_below_its_price_and_fills_at_market() -> None:
    async def body() -> None:
        async with Simulator(SimConfig.throwaway({"BTC": Decimal("0.01")})) as sim:
            await sim.set_price("BTC/USD", "28450")
            client, token = await trader(sim)
            stop = {
                "order_type": "stop-loss",
                "side": "sell",
                "order_qty": Decimal("0.001"),
                "symbol": "BTC/USD",
                "triggers": {
                    "reference": "last",
                    "price": Decimal("28410"),
                    "price_type": "static",
                },
                "token": token,
            }
            await client.request("add_order", stop)
            pending = only(await client.report("pending_new"))
            assert pending["triggers"] == {
                "reference": "last",
                "price": 28410,
                "price_type": "static",
                "status": "untriggered",
            }
            await sim.set_price("BTC/USD", "28420")
            with pytest.raises(TimeoutError):
                await client.report("trade", timeout=0.1)
            await sim.set_price("BTC/USD", "28405.5")
            trade = only(await client.report("trade"))
            assert (trade["last_price"], trade["liquidity_ind"]) == (Decimal("28405.5"), "t")
            view = next(iter(sim.orders.values()))
            assert (view.status, view.triggered) == ("filled", True)
            await client.close()

    run(body)


def test_a_take_profit_limit_triggers_then_fills_at_its_limit() -> None:
    async def body() -> None:
        async with Simulator(SimConfig.throwaway({"BTC": Decimal("0.01")})) as sim:
            await sim.set_price("BTC/USD", "28450")
            client, token = await trader(sim)
            take = {
                "order_type": "take-profit-limit",
                "side": "sell",
                "order_qty": Decimal("0.001"),
                "symbol": "BTC/USD",
                "limit_price": Decimal("28590"),
                "triggers": {"price": Decimal("28600")},
                "token": token,
            }
            await client.request("add_order", take)
            await sim.set_price("BTC/USD", "28595")
            with pytest.raises(TimeoutError):
                await client.report("trade", timeout=0.1)
            await sim.set_price("BTC/USD", "28600")
            assert only(await client.report("trade"))["last_price"] == 28590
            await client.close()

    run(body)


def test_each_fill_of_a_conditional_primary_creates_its_own_close() -> None:
    async def body() -> None:
        async with Simulator() as sim:
            await sim.set_price("BTC/USD", "28450")
            client, token = await trader(sim)
            close = {
                "order_type": "stop-loss-limit",
                "trigger_price": Decimal("28410"),
                "limit_price": Decimal("28400"),
            }
            answer = await client.request(
                "add_order", limit(token, "buy", "0.0004", "28440", conditional=close)
            )
            primary = answer["result"]["order_id"]  # type: ignore[index]
            contingent = only(await client.report("pending_new"))["contingent"]
            assert contingent == {
                "order_type": "stop-loss-limit",
                "trigger_price": 28410,
                "trigger_price_type": "static",
                "limit_price": 28400,
                "limit_price_type": "static",
            }
            await sim.trade("BTC/USD", "28440", "0.0001")
            await sim.trade("BTC/USD", "28440", "0.0003")
            closes = [v for v in sim.orders.values() if v.ord_ref_id == primary]
            assert [(c.side, c.order_type, c.order_qty, c.status) for c in closes] == [
                ("sell", "stop-loss-limit", Decimal("0.0001"), "new"),
                ("sell", "stop-loss-limit", Decimal("0.0003"), "new"),
            ]
            assert all(c.trigger_price == 28410 and c.limit_price == 28400 for c in closes)
            pendings = [only(await client.report("pending_new")) for _ in closes]
            assert [p["ord_ref_id"] for p in pendings] == [primary, primary]
            await client.close()

    run(body)


def test_with_holds_a_second_sell_on_coins_a_resting_sell_holds_is_refused() -> None:
    async def body() -> None:
        async with Simulator(SimConfig.throwaway({"BTC": Decimal("0.001")})) as sim:
            await sim.set_price("BTC/USD", "28450")
            client, token = await trader(sim)
            stop = {
                "order_type": "stop-loss-limit",
                "side": "sell",
                "order_qty": Decimal("0.001"),
                "symbol": "BTC/USD",
                "limit_price": Decimal("28400"),
                "triggers": {"price": Decimal("28410")},
                "token": token,
            }
            assert (await client.request("add_order", stop))["success"] is True
            assert sim.balances["BTC"].hold_trade == Decimal("0.001")
            take = await client.request("add_order", limit(token, "sell", "0.001", "28600"))
            assert take["error"] == "EOrder:Insufficient funds"
            await client.close()

    run(body)


def test_without_holds_both_exits_rest_and_the_second_to_fill_finds_no_coins() -> None:
    async def body() -> None:
        config = SimConfig.throwaway({"BTC": Decimal("0.001")}, hold_balances=False)
        async with Simulator(config) as sim:
            await sim.set_price("BTC/USD", "28450")
            client, token = await trader(sim)
            take = await client.request("add_order", limit(token, "sell", "0.001", "28600"))
            other = await client.request("add_order", limit(token, "sell", "0.001", "28610"))
            assert take["success"] is True and other["success"] is True
            assert sim.balances["BTC"].hold_trade == 0
            await sim.set_price("BTC/USD", "28620")
            await client.report("filled")
            canceled = only(await client.report("canceled"))
            assert canceled["reason"] == "Insufficient funds"
            assert canceled["order_id"] == other["result"]["order_id"]  # type: ignore[index]
            await client.close()

    run(body)


def test_an_ioc_remainder_is_cancelled_and_a_fok_that_cannot_fill_is_cancelled_whole() -> None:
    async def body() -> None:
        async with Simulator() as sim:
            await sim.set_price("BTC/USD", "28450")
            client, token = await trader(sim)
            await client.request(
                "add_order", limit(token, "buy", "0.001", "28400", time_in_force="ioc")
            )
            ioc = only(await client.report("canceled"))
            assert (ioc["reason"], ioc["cum_qty"]) == ("Immediate or cancel", 0)
            await client.request(
                "add_order", limit(token, "buy", "0.001", "28400", time_in_force="fok")
            )
            assert only(await client.report("canceled"))["reason"] == "Fill or kill"
            await client.request(
                "add_order", limit(token, "buy", "0.001", "28460", time_in_force="fok")
            )
            await client.report("filled")
            await client.close()

    run(body)


def test_a_gtd_order_expires_at_its_expire_time() -> None:
    async def body() -> None:
        async with Simulator() as sim:
            client, token = await trader(sim)
            soon = _in(0.2)
            await client.request(
                "add_order",
                limit(token, "buy", "0.001", "28000", time_in_force="gtd", expire_time=soon),
            )
            pending = only(await client.report("pending_new"))
            assert pending["time_in_force"] == "GTD" and pending["expire_time"] == ANY_TIME
            expired = only(await client.report("expired", timeout=2))
            assert (expired["order_status"], expired["exec_type"]) == ("expired", "expired")
            await client.close()

    run(body)


def _in(seconds: float) -> str:
    moment = datetime.now(UTC) + timedelta(seconds=seconds)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def test_a_snapshot_lists_open_orders_and_on_request_the_last_trades() -> None:
    async def body() -> None:
        async with Simulator() as sim:
            await sim.set_price("BTC/USD", "28450")
            client, token = await trader(sim)
            await client.request("add_order", limit(token, "buy", "0.0004", "28440"))
            await client.request("add_order", limit(token, "buy", "0.0004", "28300"))
            await sim.trade("BTC/USD", "28440", "0.0001")
            late = await Client.open(sim.ws_url)
            await late.request(
                "subscribe", {"channel": "executions", "token": token, "snap_trades": True}
            )
            snapshot = await late.channel("executions")
            data = snapshot["data"]
            assert isinstance(data, list)
            assert (snapshot["type"], snapshot["sequence"]) == ("snapshot", 1)
            assert [(r["exec_type"], r["order_status"], r["cum_qty"]) for r in data] == [
                ("pending_new", "partially_filled", Decimal("0.0001")),
                ("pending_new", "new", 0),
                ("trade", "partially_filled", Decimal("0.0001")),
            ]
            await late.close()
            await client.close()

    run(body)


def test_without_order_status_only_open_and_close_transitions_stream() -> None:
    async def body() -> None:
        async with Simulator() as sim:
            await sim.set_price("BTC/USD", "28450")
            client, token = await trader(sim, order_status=False)
            await client.request("add_order", limit(token, "buy", "0.0004", "28460"))
            kinds = [only(await client.channel("executions"))["exec_type"] for _ in range(3)]
            assert kinds == ["new", "trade", "filled"]
            await client.close()

    run(body)


def test_reports_may_come_before_the_answer_when_configured() -> None:
    async def body() -> None:
        async with Simulator(SimConfig.throwaway(executions_before_answer=True)) as sim:
            client, token = await trader(sim)
            await client.send(
                {
                    "method": "add_order",
                    "params": limit(token, "buy", "0.001", "28000"),
                    "req_id": 9,
                }
            )
            first = await client.expect(lambda d: True)
            assert first["channel"] == "executions"
            assert (await client.expect(lambda d: d.get("req_id") == 9))["success"] is True
            await client.close()

    run(body)


def test_fill_latency_delays_the_immediate_fill_after_new() -> None:
    async def body() -> None:
        async with Simulator(SimConfig.throwaway(fill_latency=0.2)) as sim:
            await sim.set_price("BTC/USD", "28450")
            client, token = await trader(sim)
            await client.request("add_order", limit(token, "buy", "0.0004", "28460"))
            await client.report("new")
            with pytest.raises(TimeoutError):
                await client.report("trade", timeout=0.1)
            assert only(await client.report("trade", timeout=1))["liquidity_ind"] == "t"
            await client.close()

    run(body)


@pytest.mark.parametrize(("path", "exit_filled"), [(BRACKET_PATH, "take"), (STOP_PATH, "stop")])
def test_a_bracket_replayed_over_a_shipped_path_exits_where_the_path_goes(
    path: str, exit_filled: str
) -> None:
    async def body() -> None:
        async with Simulator(SimConfig.throwaway(hold_balances=False)) as sim:
            await sim.set_price("BTC/USD", "28460")
            client, token = await trader(sim)
            close = {
                "order_type": "stop-loss-limit",
                "trigger_price": Decimal("28410"),
                "limit_price": Decimal("28400"),
            }
            await client.request(
                "add_order", limit(token, "buy", "0.0004", "28440", conditional=close)
            )
            replay = asyncio.ensure_future(sim.replay("BTC/USD", load_path(path), speed=5))
            await client.report("filled")  # the entry
            take = {
                "order_type": "take-profit-limit",
                "side": "sell",
                "order_qty": Decimal("0.0004"),
                "symbol": "BTC/USD",
                "limit_price": Decimal("28590"),
                "triggers": {"price": Decimal("28600")},
                "token": token,
                "cl_ord_id": "take",
            }
            assert (await client.request("add_order", take))["success"] is True
            await replay
            views = list(sim.orders.values())
            stop = next(v for v in views if v.ord_ref_id is not None)
            taken = next(v for v in views if v.cl_ord_id == "take")
            statuses = {"stop": stop.status, "take": taken.status}
            assert statuses[exit_filled] == "filled"
            assert [s for k, s in statuses.items() if k != exit_filled] == ["new"]
            price = {"take": Decimal("28590"), "stop": Decimal("28400")}[exit_filled]
            assert (stop if exit_filled == "stop" else taken).avg_price == price
            await client.close()

    run(body)

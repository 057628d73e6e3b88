"""The simulated matching engine and account: orders, fills, triggers, holds, limits, no I/O.

Every method takes `now` and appends what the exchange would publish to `outbox`; the server
drains it onto sockets. Rules and their sources:

- a buy limit fills when last <= limit, a sell when last >= limit, at the limit price;
  `set_price` fills crossing orders completely, `trade` only up to the print's size in time priority;
- a sell stop-loss triggers at last <= trigger, a sell take-profit at last >= trigger (buys
  mirrored); then a stop becomes a market order and a *-limit a limit order
  (docs.kraken.com/api/docs/websocket-v2/add_order, `order_type`);
- `conditional`: each fill of the primary creates a close of the filled size, opposite side
  (docs.kraken.com/api/docs/websocket-v2/add_order, `conditional`);
- engine status: `maintenance` refuses adds and cancels, `cancel_only` allows cancels only,
  `post_only` only post-only limits; no matching unless `online`
  (docs.kraken.com/api/docs/websocket-v2/status);
- the per-pair trading counter and its costs (docs.kraken.com/api/docs/guides/spot-ratelimits);
- the dead man's switch (docs.kraken.com/api/docs/websocket-v2/cancel_after).
"""

from collections import deque
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Final, Literal, assert_never

import msgspec

from momentum.sim import errors, frames
from momentum.sim.checks import (
    Draft,
    check_deadline,
    check_order,
    resolve_trigger,
    trail_trigger,
)
from momentum.sim.config import PairRules, SimConfig
from momentum.sim.frames import ExecReport, TickerData
from momentum.sim.orders import LIMIT_PRICED, IdMaker, Order, OrderView
from momentum.sim.ratelimit import RateCounter, amend_cost, cancel_cost
from momentum.sim.requests import (
    AddOrderParams,
    AmendOrderParams,
    BatchAddParams,
    BatchOrder,
    CancelOrderParams,
)

__all__ = [
    "AssetBalance",
    "Cancelled",
    "Changed",
    "DeadMan",
    "Engine",
    "Outgoing",
    "Placed",
    "Refused",
    "ReportOut",
    "StatusOut",
    "System",
    "TickerOut",
]

System = Literal["online", "maintenance", "cancel_only", "post_only"]
_SNAPSHOT_TRADES: Final = 50
_DEAD_MAN_REASON: Final = "cancel_all_orders_after timeout"


class Refused(msgspec.Struct, frozen=True):
    """A request refused, with Kraken's error string."""

    error: str


class Placed(msgspec.Struct, frozen=True, kw_only=True):
    order_id: str
    cl_ord_id: str | None = None
    order_userref: int | None = None


class Changed(msgspec.Struct, frozen=True, kw_only=True):
    """An amend accepted: `order_id` or `cl_ord_id`, whichever the request named."""

    amend_id: str
    order_id: str | None = None
    cl_ord_id: str | None = None


class Cancelled(msgspec.Struct, frozen=True, kw_only=True):
    order_id: str
    cl_ord_id: str | None = None


class DeadMan(msgspec.Struct, frozen=True, kw_only=True):
    current: datetime
    trigger: datetime | None


class AssetBalance(msgspec.Struct, frozen=True, kw_only=True):
    """One asset: `balance` in all, `hold_trade` held by open orders (the `balances` channel's
    names, docs.kraken.com/api/docs/websocket-v2/balances)."""

    asset: str
    balance: Decimal
    hold_trade: Decimal

    @property
    def available(self) -> Decimal:
        return self.balance - self.hold_trade


class ReportOut(msgspec.Struct, frozen=True):
    report: ExecReport


class TickerOut(msgspec.Struct, frozen=True):
    symbol: str


class StatusOut(msgspec.Struct, frozen=True):
    system: System


Outgoing = ReportOut | TickerOut | StatusOut


@dataclass
class _Market:
    last: Decimal
    opening: Decimal
    low: Decimal
    high: Decimal
    volume: Decimal = Decimal("0")
    notional: Decimal = Decimal("0")


def _amount(value: object) -> Decimal:
    if isinstance(value, float) or not isinstance(value, Decimal | int | str):
        raise TypeError(f"balance {value!r}: use Decimal, int or str, never float")
    return Decimal(value)


def _opposite(side: str) -> Literal["buy", "sell"]:
    return "sell" if side == "buy" else "buy"


class Engine:
    """The exchange's state and rules; one instance per simulator."""

    def __init__(self, config: SimConfig, ids: IdMaker) -> None:
        self._config = config
        self._ids = ids
        self._pairs: dict[str, PairRules] = {pair.symbol: pair for pair in config.pairs}
        self._balances: dict[str, Decimal] = {
            asset: _amount(amount) for asset, amount in config.balances.items()
        }
        self._orders: dict[str, Order] = {}
        self._markets: dict[str, _Market] = {}
        self._trades: deque[ExecReport] = deque(maxlen=_SNAPSHOT_TRADES)
        self._rates = RateCounter(config.rate_threshold, config.rate_decay)
        self._priority = 0
        self._dead_man: datetime | None = None
        self.status: System = "online"
        self.outbox: list[Outgoing] = []

    # --- views ------------------------------------------------------------------------------------

    @property
    def orders(self) -> Mapping[str, OrderView]:
        return {order_id: order.view() for order_id, order in self._orders.items()}

    @property
    def balances(self) -> Mapping[str, AssetBalance]:
        holds = self._holds(None) if self._config.hold_balances else {}
        assets = sorted(set(self._balances) | set(holds))
        return {
            asset: AssetBalance(
                asset=asset,
                balance=self._balances.get(asset, Decimal("0")),
                hold_trade=holds.get(asset, Decimal("0")),
            )
            for asset in assets
        }

    def last(self, symbol: str) -> Decimal | None:
        market = self._markets.get(symbol)
        return market.last if market is not None else None

    def knows(self, symbol: str) -> bool:
        return symbol in self._pairs

    def rate_level(self, symbol: str, now: datetime) -> float:
        return self._rates.level(symbol, now)

    def ticker(self, symbol: str) -> TickerData | None:
        """The `ticker` channel's fields; bid and ask one tick either side of the last price."""
        market = self._markets.get(symbol)
        if market is None:
            return None
        tick = self._pairs[symbol].price_increment
        change = market.last - market.opening
        vwap = market.notional / market.volume if market.volume else market.last
        return TickerData(
            symbol=symbol,
            bid=market.last - tick,
            bid_qty=self._config.book_qty,
            ask=market.last + tick,
            ask_qty=self._config.book_qty,
            last=market.last,
            volume=market.volume,
            vwap=vwap.quantize(tick),
            low=market.low,
            high=market.high,
            change=change,
            change_pct=(change / market.opening * 100).quantize(Decimal("0.01")),
        )

    def snapshot(self, *, orders: bool, trades: bool, now: datetime) -> list[ExecReport]:
        """An `executions` snapshot: open orders, then the last 50 fills if asked."""
        reports = [frames.snapshot_order(order, now) for order in self._open()] if orders else []
        return reports + (list(self._trades) if trades else [])

    def take_outbox(self) -> list[Outgoing]:
        out, self.outbox = self.outbox, []
        return out

    # --- gates ------------------------------------------------------------------------------------

    def _add_gate(self, orders: list[BatchOrder]) -> str | None:
        match self.status:
            case "online":
                return None
            case "maintenance":
                return errors.UNAVAILABLE
            case "cancel_only":
                return errors.MARKET_CANCEL_ONLY
            case "post_only":
                if all(order.order_type == "limit" and order.post_only for order in orders):
                    return None
                return errors.MARKET_POST_ONLY
            case _:
                assert_never(self.status)

    def _cancel_gate(self) -> str | None:
        # maintenance: "existing orders cannot be cancelled" -- docs.kraken.com/api/docs/websocket-v2/status
        return errors.UNAVAILABLE if self.status == "maintenance" else None

    # --- add_order and batch_add ------------------------------------------------------------------

    def add_order(
        self, params: AddOrderParams, now: datetime, *, settle: bool = True
    ) -> Placed | Refused:
        """Check, hold funds and place one order (nothing is placed under `validate`)."""
        gate = self._add_gate([params])
        if gate is not None:
            return Refused(gate)
        rules = self._pairs.get(params.symbol)
        if rules is None:
            return Refused(errors.UNKNOWN_PAIR)
        # add_order +1, charged even when validation fails -- docs.kraken.com/api/docs/guides/spot-ratelimits
        if not self._rates.charge(params.symbol, 1, now):
            return Refused(errors.RATE_LIMIT)
        problem = check_deadline(params.deadline, now)
        if problem is not None:
            return Refused(problem)
        draft = self._draft(params, rules, now, taken=set())
        if isinstance(draft, str):
            return Refused(draft)
        if not self._affordable(draft):
            return Refused(errors.INSUFFICIENT_FUNDS)
        if params.validate:
            return Placed(order_id="", cl_ord_id=draft.cl_ord_id, order_userref=draft.order_userref)
        order = self._place(draft, now)
        if settle:
            self.settle(order.order_id, now)
        return Placed(
            order_id=order.order_id, cl_ord_id=order.cl_ord_id, order_userref=order.order_userref
        )

    def batch_add(
        self, params: BatchAddParams, now: datetime, *, settle: bool = True
    ) -> list[Placed] | Refused:
        """2 to 15 orders on one pair: one failed check refuses the batch; a funding failure only
        cancels that order (docs.kraken.com/api/docs/websocket-v2/batch_add)."""
        gate = self._add_gate(params.orders)
        if gate is not None:
            return Refused(gate)
        rules = self._pairs.get(params.symbol)
        if rules is None:
            return Refused(errors.UNKNOWN_PAIR)
        if not 2 <= len(params.orders) <= 15:
            return Refused(errors.invalid("orders"))
        # batch add +n/2 -- docs.kraken.com/api/docs/guides/spot-ratelimits
        if not self._rates.charge(params.symbol, len(params.orders) / 2, now):
            return Refused(errors.RATE_LIMIT)
        problem = check_deadline(params.deadline, now)
        if problem is not None:
            return Refused(problem)
        drafts: list[Draft] = []
        taken: set[str] = set()
        for item in params.orders:
            draft = self._draft(item, rules, now, taken=taken)
            if isinstance(draft, str):
                return Refused(draft)
            drafts.append(draft)
            if draft.cl_ord_id is not None:
                taken.add(draft.cl_ord_id)
        if params.validate:
            return [
                Placed(order_id="", cl_ord_id=d.cl_ord_id, order_userref=d.order_userref)
                for d in drafts
            ]
        placed: list[Placed] = []
        for draft in drafts:
            funded = self._affordable(draft)
            order = self._place(draft, now)
            if not funded:
                self._cancel(order, "Insufficient funds", now)
            placed.append(
                Placed(
                    order_id=order.order_id,
                    cl_ord_id=order.cl_ord_id,
                    order_userref=order.order_userref,
                )
            )
        if settle:
            for answer in placed:
                self.settle(answer.order_id, now)
        return placed

    def _draft(
        self, order: BatchOrder, rules: PairRules, now: datetime, *, taken: set[str]
    ) -> Draft | str:
        draft = check_order(order, rules=rules, last=self.last(rules.symbol), now=now)
        if isinstance(draft, str):
            return draft
        if draft.cl_ord_id is not None and (
            draft.cl_ord_id in taken or any(o.cl_ord_id == draft.cl_ord_id for o in self._open())
        ):
            return errors.DUPLICATE_CL_ORD_ID
        last = self.last(rules.symbol)
        if draft.post_only and last is not None and draft.limit_price is not None:
            crosses = (
                last <= draft.limit_price if draft.side == "buy" else last >= draft.limit_price
            )
            if crosses:
                return errors.POST_ONLY_ORDER
        return draft

    # --- funds ------------------------------------------------------------------------------------

    def _need(self, order: Order) -> tuple[str, Decimal]:
        rules = self._pairs[order.symbol]
        if order.side == "sell":
            return rules.base, order.remaining
        price = self._buy_price(order)
        return rules.quote, order.remaining * price * (1 + self._config.taker_fee)

    def _buy_price(self, order: Order) -> Decimal:
        # a buy holds qty x its limit; a stop that turns into a market order, qty x its trigger
        if order.active_limit is not None:
            return order.active_limit
        if order.waits_for_trigger and order.trigger_price is not None:
            return order.trigger_price
        return self.last(order.symbol) or Decimal("0")

    def _holds(self, excluding: Order | None) -> dict[str, Decimal]:
        holds: dict[str, Decimal] = {}
        for order in self._open():
            if order is excluding:
                continue
            asset, amount = self._need(order)
            holds[asset] = holds.get(asset, Decimal("0")) + amount
        return holds

    def _available(self, asset: str, excluding: Order | None) -> Decimal:
        balance = self._balances.get(asset, Decimal("0"))
        if not self._config.hold_balances:
            return balance
        return balance - self._holds(excluding).get(asset, Decimal("0"))

    def _affordable(self, draft: Draft) -> bool:
        probe = self._order_from(draft, order_id="", now=datetime.min, priority=-1)
        asset, amount = self._need(probe)
        return amount <= self._available(asset, None)

    # --- placing, settling, matching --------------------------------------------------------------

    def _open(self) -> Iterator[Order]:
        return (order for order in self._orders.values() if order.is_open)

    def _order_from(self, draft: Draft, *, order_id: str, now: datetime, priority: int) -> Order:
        return Order(
            order_id=order_id,
            symbol=draft.symbol,
            side=draft.side,
            order_type=draft.order_type,
            order_qty=draft.order_qty,
            created=now,
            priority=priority,
            limit_price=draft.limit_price,
            limit_price_type=draft.limit_price_type,
            active_limit=(draft.limit_price if draft.order_type != "trailing-stop-limit" else None),
            trigger_reference=draft.trigger_reference,
            trigger_given=draft.trigger_given,
            trigger_price_type=draft.trigger_price_type,
            trigger_price=draft.trigger_price,
            trail_extreme=(
                self.last(draft.symbol) if draft.order_type.startswith("trailing") else None
            ),
            time_in_force=draft.time_in_force,
            post_only=draft.post_only,
            expire_time=draft.expire_time,
            cl_ord_id=draft.cl_ord_id,
            order_userref=draft.order_userref,
            conditional=draft.conditional,
            display_qty=draft.display_qty,
        )

    def _place(self, draft: Draft, now: datetime, *, ord_ref_id: str | None = None) -> Order:
        self._priority += 1
        order = self._order_from(
            draft, order_id=self._ids.order_id(), now=now, priority=self._priority
        )
        order.ord_ref_id = ord_ref_id
        self._orders[order.order_id] = order
        self._report(frames.pending_new(order, now))
        order.status = "new"
        self._report(frames.new(order, now))
        return order

    def settle(self, order_id: str, now: datetime) -> None:
        """Give a new order its immediate match, then apply its time in force."""
        order = self._orders.get(order_id)
        if order is None or not order.is_open:
            return
        if order.time_in_force == "fok" and not self._crosses(order):
            self._cancel(order, "Fill or kill", now)
            return
        self._match(order.symbol, now, budget=None, takers={order_id})
        if order.is_open and order.time_in_force in {"ioc", "fok"}:
            self._cancel(order, "Immediate or cancel", now)

    def _crosses(self, order: Order) -> bool:
        last = self.last(order.symbol)
        if last is None or order.waits_for_trigger:
            return False
        if not order.rests_at_limit:
            return True
        limit = order.active_limit
        if limit is None:
            return False
        return last <= limit if order.side == "buy" else last >= limit

    def _fire_triggers(self, symbol: str) -> None:
        last = self.last(symbol)
        if last is None:
            return
        rules = self._pairs[symbol]
        for order in sorted(self._open(), key=lambda o: o.priority):
            if order.symbol != symbol or not order.waits_for_trigger:
                continue
            if order.order_type.startswith("trailing"):
                self._trail(order, last, rules)
            if self._trigger_hit(order, last):
                order.triggered = True
                if order.order_type == "trailing-stop-limit":
                    order.active_limit = self._trailing_limit(order, rules)

    def _trail(self, order: Order, last: Decimal, rules: PairRules) -> None:
        extreme = order.trail_extreme if order.trail_extreme is not None else last
        extreme = max(extreme, last) if order.side == "sell" else min(extreme, last)
        order.trail_extreme = extreme
        assert order.trigger_given is not None
        order.trigger_price = trail_trigger(
            order.side,
            extreme,
            order.trigger_given,
            order.trigger_price_type,
            rules.price_increment,
        )

    def _trigger_hit(self, order: Order, last: Decimal) -> bool:
        trigger = order.trigger_price
        if trigger is None:
            return False
        # a stop fires when the price moves against the position, a take-profit when it moves for it
        against = order.order_type.startswith(("stop-loss", "trailing"))
        if order.side == "sell":
            return last <= trigger if against else last >= trigger
        return last >= trigger if against else last <= trigger

    def _trailing_limit(self, order: Order, rules: PairRules) -> Decimal | None:
        if order.trigger_price is None or order.limit_price is None:
            return None
        kind = order.limit_price_type or "quote"
        return resolve_trigger(order.limit_price, kind, order.trigger_price, rules.price_increment)

    def _match(
        self, symbol: str, now: datetime, *, budget: Decimal | None, takers: set[str]
    ) -> None:
        if self.status != "online":
            return
        for _ in range(10_000):
            self._fire_triggers(symbol)
            ready = [
                order
                for order in sorted(self._open(), key=lambda o: o.priority)
                if order.symbol == symbol and self._crosses(order)
            ]
            if not ready:
                return
            for order in ready:
                if budget is not None and budget <= 0:
                    return
                qty = order.remaining if budget is None else min(order.remaining, budget)
                taker = not order.rests_at_limit or order.order_id in takers
                self._fill(order, qty, now, liquidity="t" if taker else "m")
                if budget is not None:
                    budget -= qty
        raise RuntimeError("matching did not settle")  # pragma: no cover

    def _fill(
        self, order: Order, qty: Decimal, now: datetime, *, liquidity: Literal["m", "t"]
    ) -> None:
        rules = self._pairs[order.symbol]
        last = self.last(order.symbol)
        assert last is not None
        price = last
        if order.rests_at_limit and order.active_limit is not None:
            price = order.active_limit
        cost = qty * price
        rate = self._config.maker_fee if liquidity == "m" else self._config.taker_fee
        fee = (cost * rate).quantize(Decimal(1).scaleb(-rules.cost_precision), ROUND_HALF_UP)
        if order.side == "buy":
            enough = cost + fee <= self._available(rules.quote, order)
        else:
            enough = qty <= self._available(rules.base, order)
        if not enough:
            self._cancel(order, "Insufficient funds", now)
            return
        self._move(rules.base, qty if order.side == "buy" else -qty)
        self._move(rules.quote, -(cost + fee) if order.side == "buy" else cost - fee)
        order.cum_qty += qty
        order.cum_cost += cost
        order.fees += fee
        order.status = "filled" if order.remaining == 0 else "partially_filled"
        exec_id = self._ids.exec_id()
        order.fills.append(exec_id)
        report = frames.trade(
            order,
            exec_id=exec_id,
            trade_id=self._ids.trade_id(order.symbol),
            qty=qty,
            price=price,
            fee=fee,
            fee_asset=rules.quote,
            liquidity=liquidity,
            now=now,
        )
        self._trades.append(report)
        self._report(report)
        if order.status == "filled":
            self._report(frames.filled(order, now))
        if order.conditional is not None:
            self._close_for(order, qty, now)

    def _move(self, asset: str, amount: Decimal) -> None:
        self._balances[asset] = self._balances.get(asset, Decimal("0")) + amount

    def _close_for(self, primary: Order, qty: Decimal, now: datetime) -> None:
        """The OTO close for one fill: the filled size, the opposite side, the template's prices
        (relative prices offset from the primary's price, support.kraken.com 360038640052)."""
        template = primary.conditional
        assert template is not None
        rules = self._pairs[primary.symbol]
        base = primary.limit_price if primary.limit_price is not None else primary.avg_price()
        given = (
            template.trigger_price if template.trigger_price is not None else template.stop_price
        )
        side = _opposite(primary.side)
        kind = template.trigger_price_type
        trigger = None
        if given is not None and template.order_type.startswith("trailing"):
            extreme = self.last(primary.symbol) or base
            trigger = trail_trigger(side, extreme, given, kind, rules.price_increment)
        elif given is not None:
            trigger = resolve_trigger(given, kind, base, rules.price_increment)
        draft = Draft(
            symbol=primary.symbol,
            side=side,
            order_type=template.order_type,
            order_qty=qty,
            limit_price=template.limit_price,
            limit_price_type=template.limit_price_type,
            trigger_reference="last",
            trigger_given=given,
            trigger_price_type=template.trigger_price_type,
            trigger_price=trigger,
            time_in_force="gtc",
            post_only=False,
            expire_time=None,
            cl_ord_id=None,
            order_userref=primary.order_userref,
            conditional=None,
            display_qty=None,
            price_for_cost=trigger or template.limit_price or base,
        )
        self._place(draft, now, ord_ref_id=primary.order_id)

    def _cancel(self, order: Order, reason: str, now: datetime) -> None:
        order.status = "canceled"
        self._report(frames.canceled(order, reason, now))

    def _report(self, report: ExecReport) -> None:
        self.outbox.append(ReportOut(report))

    # --- amend, cancel, dead man's switch ---------------------------------------------------------

    def _find(self, order_id: str | None, cl_ord_id: str | None) -> Order | None:
        for order in self._open():
            if order_id is not None and order.order_id == order_id:
                return order
            if cl_ord_id is not None and order.cl_ord_id == cl_ord_id:
                return order
        return None

    def amend_order(self, params: AmendOrderParams, now: datetime) -> Changed | Refused:
        """Change an open order in place; a quantity at or below what filled cancels the rest
        (docs.kraken.com/api/docs/websocket-v2/amend_order)."""
        if self.status == "maintenance":
            return Refused(errors.UNAVAILABLE)
        if self.status == "cancel_only":
            return Refused(errors.MARKET_CANCEL_ONLY)
        if (params.order_id is None) == (params.cl_ord_id is None):
            return Refused(errors.invalid("order_id or cl_ord_id"))
        order = self._find(params.order_id, params.cl_ord_id)
        if order is None:
            return Refused(errors.UNKNOWN_ORDER)
        problem = check_deadline(params.deadline, now) or self._amend_problem(order, params)
        if problem is not None:
            return Refused(problem)
        age = (now - order.created).total_seconds()
        if not self._rates.charge(order.symbol, amend_cost(age), now):
            return Refused(errors.RATE_LIMIT)
        rules = self._pairs[order.symbol]
        before = (order.order_qty, order.limit_price, order.active_limit, order.trigger_price)
        self._apply_amend(order, params, rules)
        if self._config.hold_balances and order.remaining > 0:
            asset, amount = self._need(order)
            if amount > self._available(asset, order):
                order.order_qty, order.limit_price, order.active_limit, order.trigger_price = before
                return Refused(errors.INSUFFICIENT_FUNDS)
        order.amended = True
        self._report(frames.amended(order, now))
        if order.remaining <= 0:
            self._cancel(order, "User requested", now)
        else:
            self._match(order.symbol, now, budget=None, takers={order.order_id})
        return Changed(
            amend_id=self._ids.exec_id(), order_id=params.order_id, cl_ord_id=params.cl_ord_id
        )

    def _amend_problem(self, order: Order, params: AmendOrderParams) -> str | None:
        rules = self._pairs[order.symbol]
        if params.order_qty is not None:
            if params.order_qty <= 0 or params.order_qty % rules.qty_increment != 0:
                return errors.invalid("order_qty")
            if params.order_qty < rules.qty_min and params.order_qty > order.cum_qty:
                return errors.ORDER_MINIMUM
        if params.limit_price is not None:
            if order.order_type not in LIMIT_PRICED:
                return errors.invalid("limit_price")
            if order.order_type != "trailing-stop-limit":
                if params.limit_price % rules.price_increment != 0:
                    return errors.TICK_SIZE
                last = self.last(order.symbol)
                if params.post_only and last is not None and not order.waits_for_trigger:
                    crosses = (
                        last <= params.limit_price
                        if order.side == "buy"
                        else last >= params.limit_price
                    )
                    if crosses:
                        return errors.POST_ONLY_ORDER
        if params.trigger_price is not None:
            if not order.waits_for_trigger:
                return errors.invalid("trigger_price")
            kind = params.trigger_price_type or "static"
            if kind == "static" and params.trigger_price % rules.price_increment != 0:
                return errors.TICK_SIZE
        if params.display_qty is not None and order.order_type != "iceberg":
            return errors.invalid("display_qty")
        return None

    def _apply_amend(self, order: Order, params: AmendOrderParams, rules: PairRules) -> None:
        if params.order_qty is not None:
            order.order_qty = params.order_qty
        if params.limit_price is not None:
            order.limit_price = params.limit_price
            if order.order_type != "trailing-stop-limit":
                order.active_limit = params.limit_price
        if params.display_qty is not None:
            order.display_qty = params.display_qty
        if params.trigger_price is not None:
            kind = params.trigger_price_type or "static"
            order.trigger_given = params.trigger_price
            order.trigger_price_type = kind
            if order.order_type.startswith("trailing"):
                order.trail_extreme = self.last(order.symbol)
                self._trail(order, order.trail_extreme or Decimal("0"), rules)
            else:
                order.trigger_price = resolve_trigger(
                    params.trigger_price, kind, self.last(order.symbol), rules.price_increment
                )

    def cancel_order(self, params: CancelOrderParams, now: datetime) -> list[Cancelled | Refused]:
        """One answer per order named; an unknown or closed one is `EOrder:Unknown order`."""
        gate = self._cancel_gate()
        if gate is not None:
            return [Refused(gate)]
        lists = [x for x in (params.order_id, params.cl_ord_id, params.order_userref) if x]
        if len(lists) != 1:
            return [Refused(errors.invalid("one of order_id, cl_ord_id, order_userref"))]
        answers: list[Cancelled | Refused] = []
        if params.order_userref:
            for ref in params.order_userref:
                matches = [o for o in self._open() if o.order_userref == ref]
                if not matches:
                    answers.append(Refused(errors.UNKNOWN_ORDER))
                answers.extend(self._cancel_one(order, now) for order in matches)
            return answers
        for order_id in params.order_id or []:
            answers.append(self._cancel_named(self._find(order_id, None), now))
        for cl_ord_id in params.cl_ord_id or []:
            answers.append(self._cancel_named(self._find(None, cl_ord_id), now))
        return answers

    def _cancel_named(self, order: Order | None, now: datetime) -> Cancelled | Refused:
        if order is None:
            return Refused(errors.UNKNOWN_ORDER)
        return self._cancel_one(order, now)

    def _cancel_one(self, order: Order, now: datetime) -> Cancelled | Refused:
        age = (now - order.created).total_seconds()
        if not self._rates.charge(order.symbol, cancel_cost(age), now):
            return Refused(errors.RATE_LIMIT)
        self._cancel(order, "User requested", now)
        return Cancelled(order_id=order.order_id, cl_ord_id=order.cl_ord_id)

    def cancel_all(self, now: datetime) -> int | Refused:
        """Cancel every open order, untriggered ones included; the answer is the count."""
        gate = self._cancel_gate()
        if gate is not None:
            return Refused(gate)
        return self._cancel_everything("User requested", now)

    def _cancel_everything(self, reason: str, now: datetime) -> int:
        victims = list(self._open())
        for order in victims:
            self._cancel(order, reason, now)
        return len(victims)

    def cancel_after(self, timeout: int, now: datetime) -> DeadMan | Refused:
        """Arm (timeout > 0) or disarm (0) the dead man's switch; REST caps it under 86400 s."""
        if not 0 <= timeout < 86400:
            return Refused(errors.invalid("timeout"))
        self._dead_man = now + timedelta(seconds=timeout) if timeout > 0 else None
        return DeadMan(current=now, trigger=self._dead_man)

    # --- the market and the clock -----------------------------------------------------------------

    def _rules(self, symbol: str) -> PairRules:
        rules = self._pairs.get(symbol)
        if rules is None:
            raise ValueError(f"{symbol} is not a simulated pair; add it to SimConfig.pairs")
        return rules

    def _quote(self, symbol: str, price: Decimal) -> None:
        self._rules(symbol)
        if not price.is_finite() or price <= 0:
            raise ValueError(f"price {price} must be a positive number")
        market = self._markets.get(symbol)
        if market is None:
            self._markets[symbol] = _Market(last=price, opening=price, low=price, high=price)
        else:
            market.last = price
            market.low = min(market.low, price)
            market.high = max(market.high, price)
        self.outbox.append(TickerOut(symbol))

    def set_price(self, symbol: str, price: Decimal, now: datetime) -> None:
        """Move the last price: triggers fire and every crossing order fills completely."""
        self._quote(symbol, price)
        self._match(symbol, now, budget=None, takers=set())

    def trade(self, symbol: str, price: Decimal, qty: Decimal, now: datetime) -> None:
        """A print of `qty` at `price`: crossing orders fill up to `qty` in time priority."""
        if not qty.is_finite() or qty <= 0:
            raise ValueError(f"trade qty {qty} must be a positive number")
        self._quote(symbol, price)
        market = self._markets[symbol]
        market.volume += qty
        market.notional += qty * price
        self._match(symbol, now, budget=qty, takers=set())

    def set_status(self, system: System, now: datetime) -> None:
        self.status = system
        self.outbox.append(StatusOut(system))
        if system == "online":
            self.tick(now)
            for symbol in list(self._markets):
                self._match(symbol, now, budget=None, takers=set())

    def tick(self, now: datetime) -> None:
        """Time passes: the dead man's switch and `gtd` expiries fire (not in maintenance)."""
        if self.status == "maintenance":
            return
        if self._dead_man is not None and now >= self._dead_man:
            self._dead_man = None
            self._cancel_everything(_DEAD_MAN_REASON, now)
        for order in list(self._open()):
            if order.expire_time is not None and now >= order.expire_time:
                order.status = "expired"
                self._report(frames.expired(order, now))

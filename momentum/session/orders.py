"""The order tracker: an immutable book of orders merged from the `executions` stream, and the
events each report causes.

Source: docs.kraken.com/api/docs/websocket-v2/executions, and on Spot event order
docs.kraken.com/exchange/api-reference/unified-ws/executions. The hazards it is built around:

* Reports are sparse (a `new` or `canceled` carries little more than ids and status), so each
  report is merged into what is known of its order, never put in its place.
* There is no `leaves_qty`: `remaining` is `order_qty - cum_qty`, never below 0.
* A `trade` that fills the whole order may still say `order_status: partially_filled`; the order
  is done only on an `exec_type` of `filled`, `canceled` or `expired`, and once done stays done.
* A reconnect replays trades (the snapshot holds the last 50): a fill counts once per `exec_id`,
  and `cum_qty` only ever grows, so any replay or reordering ends in the same place.
* A snapshot lists only open orders: an order this book holds open that the snapshot lacks
  filled or was cancelled while disconnected. It is reported `Missing`; the tracker never guesses.
* A snapshot trade of an order neither tracked nor open is a past fill, kept out of the book,
  unless the caller names its `cl_ord_id` to adopt (a request of its own whose answer was lost):
  then the order is taken into the book from its trades, and reported `Missing` like any order
  the snapshot does not list open.

Use `cum_qty` from the events as the running total; never add up `last_qty`, because a fill seen
first through a later report's `cum_qty` (`Resynced`) is not seen again as its own trade's total.

Done orders are kept, so a late replay of their trades is recognised; nothing is ever removed.

>>> from momentum.exchange.kraken.ws_v2_inbound import ExecutionReport
>>> book, events = apply(OrderBook(), ExecutionReport(order_id="O1", exec_type="pending_new",
...     order_status="pending_new", cl_ord_id="bot-1", order_qty=Decimal("0.5")))
>>> events
(Opened(order_id='O1', cl_ord_id='bot-1', order_status='pending_new', order_qty=Decimal('0.5')),)
>>> book, events = apply(book, ExecutionReport(order_id="O1", exec_type="trade", exec_id="T1",
...     last_qty=Decimal("0.5"), last_price=Decimal("28440"), cum_qty=Decimal("0.5"),
...     order_status="partially_filled"))
>>> events
(Filled(order_id='O1', cl_ord_id='bot-1', exec_id='T1', last_qty=Decimal('0.5'), last_price=Decimal('28440'), cum_qty=Decimal('0.5'), remaining=Decimal('0')),)
>>> book.get("O1").done is None  # full, but done only when `filled` arrives
True
"""

from collections.abc import Collection, Iterable, Mapping
from decimal import Decimal
from types import MappingProxyType
from typing import Final, Literal

import msgspec

from momentum.exchange.kraken.ws_v2_inbound import (
    ExecType,
    ExecutionReport,
    OrderStatus,
    OrderType,
    TimeInForce,
    Triggers,
    Unknown,
)
from momentum.models.intent import Side

__all__ = [
    "Amended",
    "Done",
    "Filled",
    "Missing",
    "Opened",
    "Order",
    "OrderBook",
    "OrderEvent",
    "Resynced",
    "Terminal",
    "Unmatched",
    "apply",
    "apply_snapshot",
]

Terminal = Literal["filled", "canceled", "expired"]

_TERMINAL: Final[frozenset[str]] = frozenset({"filled", "canceled", "expired"})
# Statuses only move forward while an order is open; a replayed older report cannot undo one.
_RANK: Final[Mapping[str, int]] = MappingProxyType(
    {"pending_new": 0, "new": 1, "partially_filled": 2, "filled": 3, "canceled": 3, "expired": 3}
)
_ZERO: Final = Decimal(0)


class Order(msgspec.Struct, frozen=True, kw_only=True):
    """One order as its reports so far describe it (docs.kraken.com/api/docs/websocket-v2/executions).

    `done` is the terminal `exec_type` once one arrived; `exec_ids` are the trades counted;
    `traded_qty` adds up their `last_qty`; `cum_qty` is the larger of that and any reported.
    """

    order_id: str
    cl_ord_id: str | None = None
    order_userref: int | None = None
    symbol: str | None = None
    side: Side | Unknown | None = None
    order_type: OrderType | Unknown | None = None
    order_qty: Decimal | None = None
    limit_price: Decimal | None = None
    triggers: Triggers | None = None
    time_in_force: TimeInForce | Unknown | None = None
    post_only: bool | None = None
    ord_ref_id: str | None = None
    order_status: OrderStatus | Unknown | None = None
    cum_qty: Decimal = _ZERO
    cum_cost: Decimal | None = None
    avg_price: Decimal | None = None
    traded_qty: Decimal = _ZERO
    exec_ids: frozenset[str] = frozenset()
    amended: bool | None = None
    reason: str | None = None
    timestamp: str | None = None
    done: Terminal | None = None

    @property
    def remaining(self) -> Decimal | None:
        """`order_qty - cum_qty`, never below 0 (an amend under the filled quantity cancels the
        rest); `None` while `order_qty` is unknown."""
        if self.order_qty is None:
            return None
        return max(_ZERO, self.order_qty - self.cum_qty)


class OrderBook(msgspec.Struct, frozen=True, kw_only=True):
    """Every order seen, by `order_id`, and the `cl_ord_id` index; read-only views, so no caller
    can change a book in place (docs.kraken.com/api/docs/websocket-v2/executions).

    >>> OrderBook().open_orders()
    ()
    """

    orders: Mapping[str, Order] = MappingProxyType({})
    cl_ord_ids: Mapping[str, str] = MappingProxyType({})

    def get(self, order_id: str) -> Order | None:
        """The order with this `order_id`, if seen."""
        return self.orders.get(order_id)

    def get_by_cl_ord_id(self, cl_ord_id: str) -> Order | None:
        """The latest order seen with this `cl_ord_id` (Kraken keeps it unique among open ones)."""
        order_id = self.cl_ord_ids.get(cl_ord_id)
        return None if order_id is None else self.orders.get(order_id)

    def open_orders(self) -> tuple[Order, ...]:
        """Orders not done, by `order_id`."""
        return tuple(order for _, order in sorted(self.orders.items()) if order.done is None)


# --- events --------------------------------------------------------------------------------------


class Opened(msgspec.Struct, frozen=True, kw_only=True):
    """An order is known open: first seen, or its status moved to `pending_new` or `new`."""

    order_id: str
    cl_ord_id: str | None
    order_status: OrderStatus | Unknown | None
    order_qty: Decimal | None


class Amended(msgspec.Struct, frozen=True, kw_only=True):
    """An `amended` (by the user) or `restated` (by the engine, see `reason`) report changed the
    order (docs.kraken.com/api/docs/websocket-v2/amend_order)."""

    order_id: str
    cl_ord_id: str | None
    exec_type: Literal["amended", "restated"]
    order_qty: Decimal | None
    limit_price: Decimal | None
    remaining: Decimal | None
    reason: str | None


class Filled(msgspec.Struct, frozen=True, kw_only=True):
    """A trade not counted before: `cum_qty` and `remaining` are the order's after it."""

    order_id: str
    cl_ord_id: str | None
    exec_id: str
    last_qty: Decimal
    last_price: Decimal | None
    cum_qty: Decimal
    remaining: Decimal | None


class Resynced(msgspec.Struct, frozen=True, kw_only=True):
    """`cum_qty` grew with no trade report to show for it (fills while disconnected, beyond the
    snapshot's last 50 trades): take `cum_qty` as the truth."""

    order_id: str
    cl_ord_id: str | None
    cum_qty: Decimal
    remaining: Decimal | None


class Done(msgspec.Struct, frozen=True, kw_only=True):
    """The order reached `filled`, `canceled` or `expired`; it will not change again."""

    order_id: str
    cl_ord_id: str | None
    status: Terminal
    cum_qty: Decimal
    reason: str | None


class Missing(msgspec.Struct, frozen=True, kw_only=True):
    """An order this book holds open is not in the reconnect's snapshot: it filled or was
    cancelled while disconnected. The caller must find out which (REST); the book keeps it open."""

    order_id: str
    cl_ord_id: str | None
    cum_qty: Decimal
    remaining: Decimal | None


class Unmatched(msgspec.Struct, frozen=True, kw_only=True):
    """A report not applied: it names no order the book can find (`no_order_id`), or it is a
    snapshot trade of an order neither tracked, nor open, nor to adopt (`untracked_past_fill`)."""

    report: ExecutionReport
    reason: Literal["no_order_id", "untracked_past_fill"]


OrderEvent = Opened | Amended | Filled | Resynced | Done | Missing | Unmatched


# --- applying reports ----------------------------------------------------------------------------


def apply(book: OrderBook, report: ExecutionReport) -> tuple[OrderBook, tuple[OrderEvent, ...]]:
    """Merge one report into its order and say what changed; applying it again changes nothing
    (docs.kraken.com/api/docs/websocket-v2/executions).

    >>> from momentum.exchange.kraken.ws_v2_inbound import ExecutionReport
    >>> apply(OrderBook(), ExecutionReport(cl_ord_id="nobody"))[1][0].reason
    'no_order_id'
    """
    order_id = _key(book, report)
    if order_id is None:
        return book, (Unmatched(report=report, reason="no_order_id"),)
    before = book.orders.get(order_id)
    after = _merged(before or Order(order_id=order_id), report)
    return _stored(book, after), _events(before, after, report)


def apply_snapshot(
    book: OrderBook, reports: Iterable[ExecutionReport], adopt: Collection[str] = frozenset()
) -> tuple[OrderBook, tuple[OrderEvent, ...]]:
    """Apply a reconnect's `executions` snapshot (subscribed with `snap_orders` true): fills
    count once per `exec_id`, and every order held open that the snapshot lacks is `Missing`
    (docs.kraken.com/api/docs/websocket-v2/executions "Snapshot").

    Trades come first, so a fill is told as `Filled` before an order entry's total could tell
    it as `Resynced`. A trade of an order neither tracked nor listed open is a past fill, not
    an order to track: it is `Unmatched`, never opened; unless its `cl_ord_id` is in `adopt`
    (the caller's own orders it may not have seen, such as a request whose answer was lost):
    then its trades open it in the book, each counted once, and as the snapshot does not list
    it open it is `Missing` (it filled, or was cancelled after these fills).

    >>> from momentum.exchange.kraken.ws_v2_inbound import ExecutionReport
    >>> book, _ = apply(OrderBook(), ExecutionReport(order_id="O1", exec_type="new",
    ...     order_status="new", order_qty=Decimal("1")))
    >>> apply_snapshot(book, ())[1]
    (Missing(order_id='O1', cl_ord_id=None, cum_qty=Decimal('0'), remaining=Decimal('1')),)
    """
    listed = tuple(reports)
    trades = [report for report in listed if report.exec_type == "trade"]
    entries = [report for report in listed if report.exec_type != "trade"]
    open_ids = {key for report in entries if (key := _key(book, report)) is not None}
    events: list[OrderEvent] = []
    for report in (*trades, *entries):
        key = _key(book, report)
        past = report.exec_type == "trade" and key not in book.orders and key not in open_ids
        if past and report.cl_ord_id is not None and report.cl_ord_id in adopt:
            past = False  # one of the caller's own: its fills are its outcome
        if key is not None and past:
            events.append(Unmatched(report=report, reason="untracked_past_fill"))
            continue
        book, caused = apply(book, report)
        events.extend(caused)
    for order in book.open_orders():
        if order.order_id not in open_ids:
            events.append(
                Missing(
                    order_id=order.order_id,
                    cl_ord_id=order.cl_ord_id,
                    cum_qty=order.cum_qty,
                    remaining=order.remaining,
                )
            )
    return book, tuple(events)


def _key(book: OrderBook, report: ExecutionReport) -> str | None:
    if report.order_id is not None:
        return report.order_id
    if report.cl_ord_id is not None:
        return book.cl_ord_ids.get(report.cl_ord_id)
    return None


def _stored(book: OrderBook, order: Order) -> OrderBook:
    orders = {**book.orders, order.order_id: order}
    cl_ord_ids = dict(book.cl_ord_ids)
    if order.cl_ord_id is not None:
        cl_ord_ids[order.cl_ord_id] = order.order_id
    return OrderBook(orders=MappingProxyType(orders), cl_ord_ids=MappingProxyType(cl_ord_ids))


# The order's terms: a report that carries one replaces it while the order is open; once done,
# a (replayed, older) report may only fill a term still unknown.
_TERMS: Final = (
    "cl_ord_id",
    "order_userref",
    "symbol",
    "side",
    "order_type",
    "order_qty",
    "limit_price",
    "triggers",
    "time_in_force",
    "post_only",
    "ord_ref_id",
    "amended",
    "reason",
    "timestamp",
)


def _merged(order: Order, report: ExecutionReport) -> Order:
    changes: dict[str, object] = {}
    for name in _TERMS:
        value = getattr(report, name)
        if value is not None and (order.done is None or getattr(order, name) is None):
            changes[name] = value
    traded = order.traded_qty
    exec_id, last_qty = report.exec_id, report.last_qty
    # a trade counts once, by exec_id: a reconnect replays the last 50
    if (
        report.exec_type == "trade"
        and exec_id is not None
        and last_qty is not None
        and exec_id not in order.exec_ids
    ):
        traded += last_qty
        changes.update(exec_ids=order.exec_ids | {exec_id}, traded_qty=traded)
    cum_qty = max(order.cum_qty, traded)
    if report.cum_qty is not None and report.cum_qty >= cum_qty:
        cum_qty = report.cum_qty
        changes.update(
            cum_cost=report.cum_cost if report.cum_cost is not None else order.cum_cost,
            avg_price=report.avg_price if report.avg_price is not None else order.avg_price,
        )
    changes["cum_qty"] = cum_qty
    done = order.done if order.done is not None else _terminal(report.exec_type)
    changes.update(done=done, order_status=_status(order, report, done))
    return msgspec.structs.replace(order, **changes)


def _terminal(exec_type: ExecType | Unknown | None) -> Terminal | None:
    match exec_type:
        case "filled" | "canceled" | "expired":
            return exec_type
        case _:
            return None


def _status(
    order: Order, report: ExecutionReport, done: Terminal | None
) -> OrderStatus | Unknown | None:
    if done is not None:
        return done
    reported, known = report.order_status, order.order_status
    if reported is None or reported == "unknown":
        return known if known is not None else reported
    if known is None or known == "unknown" or _RANK[reported] >= _RANK[known]:
        return reported
    return known


def _events(before: Order | None, after: Order, report: ExecutionReport) -> tuple[OrderEvent, ...]:
    events: list[OrderEvent] = []
    opened = before is None or (
        before.order_status != after.order_status and after.order_status in ("pending_new", "new")
    )
    if after.done is None and opened:
        events.append(
            Opened(
                order_id=after.order_id,
                cl_ord_id=after.cl_ord_id,
                order_status=after.order_status,
                order_qty=after.order_qty,
            )
        )
    if report.exec_type in ("amended", "restated") and after != before:
        events.append(
            Amended(
                order_id=after.order_id,
                cl_ord_id=after.cl_ord_id,
                exec_type="amended" if report.exec_type == "amended" else "restated",
                order_qty=after.order_qty,
                limit_price=after.limit_price,
                remaining=after.remaining,
                reason=report.reason,
            )
        )
    earlier_cum = before.cum_qty if before is not None else _ZERO
    counted = before.exec_ids if before is not None else frozenset[str]()
    if after.exec_ids != counted and report.exec_id is not None and report.last_qty is not None:
        events.append(
            Filled(
                order_id=after.order_id,
                cl_ord_id=after.cl_ord_id,
                exec_id=report.exec_id,
                last_qty=report.last_qty,
                last_price=report.last_price,
                cum_qty=after.cum_qty,
                remaining=after.remaining,
            )
        )
    elif after.cum_qty > earlier_cum:
        events.append(
            Resynced(
                order_id=after.order_id,
                cl_ord_id=after.cl_ord_id,
                cum_qty=after.cum_qty,
                remaining=after.remaining,
            )
        )
    if after.done is not None and (before is None or before.done is None):
        events.append(
            Done(
                order_id=after.order_id,
                cl_ord_id=after.cl_ord_id,
                status=after.done,
                cum_qty=after.cum_qty,
                reason=after.reason,
            )
        )
    return tuple(events)

"""Between the bracket machine and the live session, both ways, as pure functions: a machine
command becomes a checked WS v2 request (through the same builders, guards and pair rules as
every other order), and the session's events become machine events.

docs.kraken.com/api/docs/websocket-v2/add_order, .../amend_order, .../cancel_order, .../executions

Which request carried which order is the runner's to remember (`Sent`): an amend's or a cancel's
answer names no `cl_ord_id` of its own.
"""

import re
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Final, Literal, assert_never

import msgspec
from returns.result import Result

from momentum.bracket.machine import (
    Amend,
    Answer,
    Bracket,
    BracketSpec,
    Cancel,
    Done,
    Event,
    Fill,
    Leg,
    Place,
    Reconciled,
    Unknown,
)
from momentum.errors import OrderProblem, render
from momentum.exchange.kraken.ws_v2_inbound import AmendAck, OrderAck
from momentum.exchange.kraken.ws_v2_messages import Request
from momentum.exchange.kraken.ws_v2_payloads import build_add_order
from momentum.exchange.kraken.ws_v2_requests import build_amend_order, build_cancel_order
from momentum.models import intent
from momentum.models.context import Context
from momentum.session import orders
from momentum.session.core import (
    Answered,
    NotSent,
    OrderUpdate,
    OutcomeUnknown,
    Output,
    Resolved,
)
from momentum.session.orders import OrderBook

__all__ = [
    "BRACKET_ID",
    "Sent",
    "event_of",
    "open_positions",
    "reconciled",
    "refused",
    "request_for",
]

BRACKET_ID: Final = re.compile(r"(mb[a-z0-9]{6})[est][0-9]{1,9}")
"""A bracket order's `cl_ord_id`: `mb`, six letters or digits naming the bracket, the role
(`e`ntry, `s`top, `t`ake-profit) and a counter; at most 18 characters, Kraken's free-text form."""

_PROTECTIVE: Final = frozenset({"stop-loss", "stop-loss-limit", "take-profit", "take-profit-limit",
                                "trailing-stop", "trailing-stop-limit"})  # fmt: skip


class Sent(msgspec.Struct, frozen=True, kw_only=True):
    """What a `req_id` carried: a place, an amend or a cancel, of the order `cl_ord_id`."""

    kind: Literal["place", "amend", "cancel"]
    cl_ord_id: str


# --- commands out -----------------------------------------------------------------------------------


def request_for(
    command: Place | Amend | Cancel, spec: BracketSpec, context: Context
) -> Result[Request, tuple[OrderProblem, ...]]:
    """The WS v2 request for a machine command, built from an intent and checked on the way
    (the guards, the pair's grid and minimums). Exits are sells; the entry is the only buy."""
    built: Result[Request, tuple[OrderProblem, ...]]
    match command:
        case Place(leg=leg, kind=kind):
            built = build_add_order(_order(leg, kind, spec.symbol), context)
        case Amend(cl_ord_id=cl_ord_id, qty=qty):
            # amend_order carries no side: said here, the amended order is an exit, a sell
            amend = intent.Amend(cl_ord_id=cl_ord_id, qty=qty, side="sell", symbol=spec.symbol)
            built = build_amend_order(amend, context)
        case Cancel(cl_ord_id=cl_ord_id):
            built = build_cancel_order(intent.Cancel(cl_ord_ids=(cl_ord_id,)), context)
        case _:
            assert_never(command)
    return built


def _order(
    leg: Leg,
    kind: Literal["limit", "stop-loss", "stop-loss-limit", "take-profit-limit"],
    symbol: str,
) -> intent.SpotOrder:
    side: intent.Side = "buy" if leg.role == "entry" else "sell"
    price = _price(leg.price)
    match kind:
        case "limit":
            limit = price if leg.role == "entry" else _price(leg.limit)
            return intent.LimitOrder(symbol=symbol, side=side, qty=leg.qty, limit_price=limit,
                                     cl_ord_id=leg.cl_ord_id,
                                     time_in_force="ioc" if leg.ioc else None)  # fmt: skip
        case "stop-loss":
            return intent.StopLossOrder(symbol=symbol, side=side, qty=leg.qty,
                                        trigger=intent.Trigger(price=price), cl_ord_id=leg.cl_ord_id)  # fmt: skip
        case "stop-loss-limit":
            return intent.StopLossLimitOrder(symbol=symbol, side=side, qty=leg.qty,
                                             trigger=intent.Trigger(price=price),
                                             limit_price=leg.limit, cl_ord_id=leg.cl_ord_id)  # fmt: skip
        case "take-profit-limit":
            return intent.TakeProfitLimitOrder(symbol=symbol, side=side, qty=leg.qty,
                                               trigger=intent.Trigger(price=price),
                                               limit_price=leg.limit, cl_ord_id=leg.cl_ord_id)  # fmt: skip
        case _:
            assert_never(kind)


def _price(value: Decimal | None) -> Decimal:
    # every leg the machine places has its prices set; a missing one fails the checks as 0 would
    return value if value is not None else Decimal(0)


# --- events in ----------------------------------------------------------------------------------------


def event_of(output: Output, sent: Mapping[int, Sent], book: OrderBook) -> Event | None:
    """The machine event a session event means, if any. A connection loss is not one: the runner
    says `Reconnecting` and, once the snapshot is in, `reconciled(...)`; an unknown outcome from a
    dropped connection is left to that reconciliation, one from a timeout is `Unknown` (the runner
    first gives the stream a grace to resolve it: an add the stream shows is `Answer(ok=True)`)."""
    match output:
        case Answered(req_id=req_id, answer=answer):
            what = sent.get(req_id)
            if what is None:
                return None
            result = answer.result
            order_id = result.order_id if isinstance(result, OrderAck | AmendAck) else None
            return Answer(cl_ord_id=what.cl_ord_id, request=what.kind, ok=answer.success,
                          error=answer.error, order_id=order_id or None)  # fmt: skip
        case NotSent(req_id=req_id, reason=reason):
            what = sent.get(req_id)
            if what is None:
                return None
            return Answer(
                cl_ord_id=what.cl_ord_id, request=what.kind, ok=False, error=f"not sent: {reason}"
            )
        case OutcomeUnknown(req_id=req_id, reason=reason, cause="timeout"):
            what = sent.get(req_id)
            return None if what is None else Unknown(cl_ord_id=what.cl_ord_id, reason=reason)
        case Resolved(req_id=req_id, found="open" | "filled" | "done", order_id=order_id):
            # no answer came, but the stream shows the order: placed (its fills come as their own
            # events); an amend or cancel resolves as "unknown" and is left to the order's events
            what = sent.get(req_id)
            if what is None or what.kind != "place":
                return None
            return Answer(cl_ord_id=what.cl_ord_id, request="place", ok=True, order_id=order_id)
        case OrderUpdate(event=event):
            return _order_event(event, book)
        case _:
            return None


def refused(problems: Iterable[OrderProblem], sent: Sent) -> Answer:
    """A request the local checks refused, as the machine hears it: not sent, and why."""
    why = "; ".join(render(problem) for problem in problems)
    return Answer(
        cl_ord_id=sent.cl_ord_id, request=sent.kind, ok=False, error=f"refused locally: {why}"
    )


def _order_event(event: orders.OrderEvent, book: OrderBook) -> Event | None:
    match event:
        case orders.Filled(cl_ord_id=str() as cl_ord_id, order_id=order_id, cum_qty=cum_qty):
            order = book.get(order_id)
            price = _average(order) if order is not None else event.last_price
            return Fill(cl_ord_id=cl_ord_id, order_id=order_id, cum_qty=cum_qty,
                        price=price or event.last_price)  # fmt: skip
        case orders.Resynced(cl_ord_id=str() as cl_ord_id, order_id=order_id, cum_qty=cum_qty):
            order = book.get(order_id)
            return Fill(cl_ord_id=cl_ord_id, order_id=order_id, cum_qty=cum_qty,
                        price=None if order is None else _average(order))  # fmt: skip
        case orders.Done(cl_ord_id=str() as cl_ord_id, status=status, cum_qty=cum_qty):
            return Done(cl_ord_id=cl_ord_id, status=status, cum_qty=cum_qty)
        case _:
            return None


def _average(order: orders.Order) -> Decimal | None:
    """The order's average fill price: as reported, else its cost over its quantity."""
    if order.avg_price is not None:
        return order.avg_price
    if order.cum_cost is not None and order.cum_qty > 0:
        return order.cum_cost / order.cum_qty
    return None


def reconciled(
    bracket: Bracket, book: OrderBook, missing: Iterable[str], pending: Iterable[str]
) -> Reconciled:
    """After a reconnect, what the exchange says of each of the bracket's orders: the book once
    the snapshot is in, `missing` the `cl_ord_id`s it held open that the snapshot lacked (filled
    or cancelled meanwhile: done either way, with the fills the snapshot's trades showed), and
    `pending` those whose requests are still to be answered. An order the book never saw is
    left out: the machine takes it as never placed."""
    gone = set(missing)
    said: list[tuple[str, Decimal, Decimal, bool]] = []
    for leg in bracket.legs:
        order = book.get_by_cl_ord_id(leg.cl_ord_id)
        if order is None:
            continue
        is_open = order.done is None and leg.cl_ord_id not in gone
        said.append((leg.cl_ord_id, order.order_qty or leg.qty, order.cum_qty, is_open))
    return Reconciled(orders=tuple(said), pending=tuple(pending))


def open_positions(book: OrderBook) -> int:
    """The positions the order stream shows open: each bracket (by its `cl_ord_id`) with an order
    still open, and each open protective sell (a stop or take-profit) placed some other way. A
    holding with no order open on it is invisible here (the balances are not read)."""
    brackets: set[str] = set()
    others = 0
    for order in book.open_orders():
        match = BRACKET_ID.fullmatch(order.cl_ord_id or "")
        if match is not None:
            brackets.add(match.group(1))
        elif order.side == "sell" and order.order_type in _PROTECTIVE:
            others += 1
    return len(brackets) + others

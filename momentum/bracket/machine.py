"""A bracket as a pure state machine: a buy entry, then a stop and a take-profit that protect what
the entry filled, until the position is flat or a person must act.

`step(bracket, event) -> (bracket, commands)`. Events are what the live session reports (fills and
completions from `executions`, answers, unknown outcomes and their resolution, a reconnect), the
market price, and time. Commands are orders to place, amend or cancel (as intents: the runner
builds and checks the messages), and alerts for a person. No clock, no socket, no randomness.

docs.kraken.com/api/docs/websocket-v2/add_order, .../amend_order, .../cancel_order, .../executions

The rules:

* Exits are sized to what is held: what the entry filled minus what the exits sold, rounded down
  to the pair's lot, placed only at or above its minimum; a smaller remainder is reported (`Dust`).
* The stop rests on the exchange from the first fill and is resized by `amend_order` as fills
  arrive, so the position stays protected if the bot dies.
* `one-resting` (default): Kraken does not document whether a resting stop and a resting limit
  sell may hold the same coins (the second may be refused for funds), so only the stop rests and
  the take-profit price is watched here: on touch, the stop is cancelled, and once the cancel is
  confirmed (or the stop filled) exactly what is still held is sold with a limit IOC at the
  take-profit's limit; what the IOC does not fill gets a stop again.
* `both-resting`: both exits rest; a fill of one shrinks the other by `amend_order`, and its
  completion cancels the other.
* An answer or event that leaves the position unprotected or over-sold (a rejected stop, both
  exits filled, an unknown outcome) becomes an `Alert` naming the figures and what to do, and the
  machine sends nothing more: it never guesses.
* After a reconnect nothing is sent until the reconciled state is in (`Reconciled`).
"""

from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Final, Literal, assert_never

import msgspec

__all__ = [
    "Alert",
    "AlertKind",
    "Amend",
    "Answer",
    "Bracket",
    "BracketSpec",
    "Cancel",
    "Command",
    "Done",
    "Dust",
    "Event",
    "Exit",
    "Fill",
    "Finished",
    "Leg",
    "Mode",
    "Place",
    "Price",
    "Reconciled",
    "Reconnecting",
    "StopSpec",
    "TakeSpec",
    "Unknown",
    "held",
    "resting_sells",
    "start",
    "step",
]

Mode = Literal["one-resting", "both-resting"]
Role = Literal["entry", "stop", "take"]
_ZERO: Final = Decimal(0)


class StopSpec(msgspec.Struct, frozen=True, kw_only=True):
    """The stop-loss exit: a trigger and, for stop-loss-limit, a limit; with `offset` both are
    added to the entry's average fill price (a stop's offsets are negative)."""

    trigger: Decimal
    limit: Decimal | None = None
    offset: bool = False


class TakeSpec(msgspec.Struct, frozen=True, kw_only=True):
    """The take-profit exit: take-profit-limit (a trigger and a limit) or, without a trigger, a
    limit sell resting at `limit`; with `offset` both are added to the average fill price."""

    trigger: Decimal | None
    limit: Decimal
    offset: bool = False


class BracketSpec(msgspec.Struct, frozen=True, kw_only=True):
    """What the bracket trades, and the pair's grid (lot, minimum, tick) its exits are sized on."""

    symbol: str
    qty: Decimal
    entry_limit: Decimal
    stop: StopSpec
    take: TakeSpec
    mode: Mode = "one-resting"
    qty_increment: Decimal
    qty_min: Decimal
    price_increment: Decimal
    prefix: str  # each order's cl_ord_id is `{prefix}{role}{n}`: at most 18 characters


# --- the orders the machine knows ------------------------------------------------------------------

Status = Literal["placing", "resting", "cancelling", "done", "refused"]


class Leg(msgspec.Struct, frozen=True, kw_only=True):
    """One order of the bracket: its `cl_ord_id` (ours), Kraken's `order_id` once known, its
    size, what filled, and where it stands."""

    role: Role
    cl_ord_id: str
    qty: Decimal
    price: Decimal | None = None  # the limit (or the stop's trigger)
    limit: Decimal | None = None
    ioc: bool = False
    order_id: str | None = None
    filled: Decimal = _ZERO
    status: Status = "placing"
    amending_to: Decimal | None = None
    avg_price: Decimal | None = None


# --- events ------------------------------------------------------------------------------------------


class Answer(msgspec.Struct, frozen=True, kw_only=True):
    """The exchange answered a `Place`, an `Amend` or a `Cancel` of the order `cl_ord_id` (`ok`,
    or refused with `error`); `request` says which. A cancel that went through changes nothing
    yet: the order's own `Done` says what became of it."""

    cl_ord_id: str
    request: Literal["place", "amend", "cancel"] = "place"
    ok: bool
    error: str | None = None
    order_id: str | None = None


class Fill(msgspec.Struct, frozen=True, kw_only=True):
    """A fill of one of our orders: `cum_qty` is its running total (from the order tracker)."""

    cl_ord_id: str
    order_id: str | None
    cum_qty: Decimal
    price: Decimal | None


class Done(msgspec.Struct, frozen=True, kw_only=True):
    """One of our orders reached `filled`, `canceled` or `expired`."""

    cl_ord_id: str
    status: Literal["filled", "canceled", "expired"]
    cum_qty: Decimal


class Unknown(msgspec.Struct, frozen=True, kw_only=True):
    """A command's outcome is unknown (no answer, or the connection dropped)."""

    cl_ord_id: str
    reason: str


class Price(msgspec.Struct, frozen=True, kw_only=True):
    """The market's last price (the public ticker)."""

    last: Decimal


class Reconnecting(msgspec.Struct, frozen=True, kw_only=True):
    """The connection is gone: send nothing until `Reconciled`."""


class Reconciled(msgspec.Struct, frozen=True, kw_only=True):
    """After a reconnect, what the exchange says of each of our orders (from the snapshot), by
    `cl_ord_id`: its quantity, what filled, whether it is still open. An order absent from it
    is gone; a request whose answer was lost is judged by it."""

    orders: tuple[tuple[str, Decimal, Decimal, bool], ...]  # (cl_ord_id, order_qty, cum_qty, open)
    # requests still on their way (queued while disconnected, sent on the new connection): their
    # answers will come, so their orders are left as they are
    pending: tuple[str, ...] = ()


Event = Answer | Fill | Done | Unknown | Price | Reconnecting | Reconciled


# --- commands -----------------------------------------------------------------------------------------


class Place(msgspec.Struct, frozen=True, kw_only=True):
    """Place an order: the entry (a limit buy), the stop (stop-loss or stop-loss-limit sell), the
    take-profit (take-profit-limit or limit sell), or the take-profit's limit IOC sell."""

    leg: Leg
    kind: Literal["limit", "stop-loss", "stop-loss-limit", "take-profit-limit"]


class Amend(msgspec.Struct, frozen=True, kw_only=True):
    """Resize a resting exit to `qty` (`amend_order`: same ids, queue priority kept)."""

    cl_ord_id: str
    qty: Decimal


class Cancel(msgspec.Struct, frozen=True, kw_only=True):
    """Cancel one of our orders."""

    cl_ord_id: str
    reason: str


class Exit(msgspec.Struct, frozen=True, kw_only=True):
    """An exit filled: what was sold at what average price, and what is still held."""

    role: Role
    sold: Decimal
    held: Decimal


class Dust(msgspec.Struct, frozen=True, kw_only=True):
    """A holding under the pair's minimum: no exit can be placed for it; it stays in the account."""

    qty: Decimal
    minimum: Decimal


AlertKind = Literal[
    "stop_refused", "exit_refused", "exit_cancelled", "oversold", "unknown_outcome", "entry_refused"
]


class Alert(msgspec.Struct, frozen=True, kw_only=True):
    """Something a person must look at: the position may be unprotected or over-sold. The machine
    sends nothing more."""

    kind: AlertKind
    held: Decimal
    figures: str
    action: str


class Finished(msgspec.Struct, frozen=True, kw_only=True):
    """The bracket is over and nothing of it is open: flat, or the entry never filled."""

    reason: str
    held: Decimal


Command = Place | Amend | Cancel | Exit | Dust | Alert | Finished

Phase = Literal["entering", "protecting", "taking", "flat", "halted"]


class Bracket(msgspec.Struct, frozen=True, kw_only=True):
    """Everything the machine knows. Immutable."""

    spec: BracketSpec
    phase: Phase = "entering"
    legs: tuple[Leg, ...] = ()
    counter: int = 0
    sold: Decimal = _ZERO
    paused: bool = False
    last: Decimal | None = None


def start(spec: BracketSpec) -> tuple[Bracket, tuple[Command, ...]]:
    """The bracket and its first command: the entry, a limit buy."""
    bracket = Bracket(spec=spec)
    entry = Leg(role="entry", cl_ord_id=f"{spec.prefix}e0", qty=spec.qty, price=spec.entry_limit)
    return msgspec.structs.replace(bracket, legs=(entry,)), (Place(leg=entry, kind="limit"),)


# --- what the state says ------------------------------------------------------------------------------


def held(bracket: Bracket) -> Decimal:
    """What the entry filled minus what the exits sold."""
    entry = _leg(bracket, "entry")
    return (entry.filled if entry is not None else _ZERO) - bracket.sold


def resting_sells(bracket: Bracket) -> Decimal:
    """What the exits resting (or being placed) could sell, at most. In `both-resting` mode the
    stop and the take-profit are alternatives over the same coins (a fill of one shrinks the
    other, its completion cancels it), so each is held to what is held and this is the larger;
    otherwise every resting exit adds up."""
    by_role = {
        role: sum(
            (
                leg.qty - leg.filled
                for leg in bracket.legs
                if leg.role == role and leg.status in ("placing", "resting", "cancelling")
            ),
            _ZERO,
        )
        for role in ("stop", "take")
    }
    if bracket.spec.mode == "both-resting":
        return max(by_role.values())
    return sum(by_role.values(), _ZERO)


def _leg(bracket: Bracket, role: Role) -> Leg | None:
    """The latest order of a role."""
    return next((leg for leg in reversed(bracket.legs) if leg.role == role), None)


def _find(bracket: Bracket, cl_ord_id: str) -> Leg | None:
    return next((leg for leg in bracket.legs if leg.cl_ord_id == cl_ord_id), None)


def _with(bracket: Bracket, leg: Leg) -> Bracket:
    legs = tuple(leg if old.cl_ord_id == leg.cl_ord_id else old for old in bracket.legs)
    return msgspec.structs.replace(bracket, legs=legs)


def _sized(bracket: Bracket, qty: Decimal) -> Decimal:
    """Down to the pair's lot step."""
    step_ = bracket.spec.qty_increment
    return (qty / step_).to_integral_value(rounding=ROUND_FLOOR) * step_


def _on_tick(bracket: Bracket, price: Decimal) -> Decimal:
    """A sell exit's price on the tick, rounded up (a sell never receives less, a sell stop fires
    no later)."""
    tick = bracket.spec.price_increment
    return (price / tick).to_integral_value(rounding=ROUND_CEILING) * tick


# --- step -------------------------------------------------------------------------------------------


def step(bracket: Bracket, event: Event) -> tuple[Bracket, tuple[Command, ...]]:
    """The bracket after one event, and the commands it causes."""
    if bracket.phase in ("flat", "halted"):
        return bracket, ()
    match event:
        case Reconnecting():
            return msgspec.structs.replace(bracket, paused=True), ()
        case Reconciled():
            return _reconciled(msgspec.structs.replace(bracket, paused=False), event)
        case _ if bracket.paused:
            return _absorb(bracket, event)
        case Answer():
            return _answer(bracket, event)
        case Fill():
            return _fill(bracket, event)
        case Done():
            return _done(bracket, event)
        case Unknown():
            return _unknown(bracket, event)
        case Price():
            return _price(msgspec.structs.replace(bracket, last=event.last))
        case _:
            assert_never(event)


def _absorb(bracket: Bracket, event: Event) -> tuple[Bracket, tuple[Command, ...]]:
    """While reconnecting, facts are kept but nothing is sent; the reconciliation decides."""
    match event:
        case Fill() | Done():
            leg = _find(bracket, event.cl_ord_id)
            if leg is None:
                return bracket, ()
            filled = max(leg.filled, event.cum_qty)
            status: Status = "done" if isinstance(event, Done) else leg.status
            return _with(bracket, msgspec.structs.replace(leg, filled=filled, status=status)), ()
        case Price():
            return msgspec.structs.replace(bracket, last=event.last), ()
        case _:
            return bracket, ()


def _answer(bracket: Bracket, event: Answer) -> tuple[Bracket, tuple[Command, ...]]:
    leg = _find(bracket, event.cl_ord_id)
    if leg is None:
        return bracket, ()
    match event.request:
        case "amend":
            return _amended(bracket, leg, event)
        case "cancel":
            if event.ok or leg.status != "cancelling":
                return bracket, ()  # `Done` follows; or refused for an order already done
            return _halt(  # it may still rest: nobody can say what it sells
                bracket,
                "stop_refused" if leg.role == "stop" else "exit_refused",
                f"cancelling the {leg.role} {leg.cl_ord_id} was refused ({event.error}); it may "
                f"still rest, with {held(bracket)} held",
                "check the open orders on Kraken; cancel or keep it by hand",
            )
        case "place":
            return _placed(bracket, leg, event)
        case _:
            assert_never(event.request)


def _amended(bracket: Bracket, leg: Leg, event: Answer) -> tuple[Bracket, tuple[Command, ...]]:
    if leg.amending_to is None:
        return bracket, ()  # settled meanwhile (a reconnect's snapshot said its size)
    if event.ok:
        order_id = event.order_id or leg.order_id
        resized = msgspec.structs.replace(
            leg, qty=leg.amending_to, amending_to=None, order_id=order_id
        )
        return _protect(_with(bracket, resized))
    kept = _with(bracket, msgspec.structs.replace(leg, amending_to=None))
    return _halt(  # a refused amend leaves the order as it was
        kept,
        "stop_refused" if leg.role == "stop" else "exit_refused",
        f"resizing the {leg.role} to {leg.amending_to} was refused ({event.error}); "
        f"it still sells {leg.qty - leg.filled} of {held(kept)} held",
        "resize or replace the exit by hand",
    )


def _placed(bracket: Bracket, leg: Leg, event: Answer) -> tuple[Bracket, tuple[Command, ...]]:
    if leg.status != "placing":
        return bracket, ()  # answered already, or settled by a reconnect's snapshot
    if event.ok:
        placed = msgspec.structs.replace(
            leg, status="resting", order_id=event.order_id or leg.order_id
        )
        return _protect(_with(bracket, placed))
    refused = msgspec.structs.replace(leg, status="refused")
    bracket = _with(bracket, refused)
    have = held(bracket)
    match leg.role:
        case "entry":
            return _finish(bracket, f"the entry was refused: {event.error}")
        case "stop":
            return _halt(
                bracket,
                "stop_refused",
                f"the stop for {have} {bracket.spec.symbol} was refused: {event.error}",
                "place a stop by hand now, or sell what is held",
            )
        case "take":
            if leg.ioc:
                return _protect(bracket)  # the IOC did not go: the stop goes back on
            return _halt(
                bracket,
                "exit_refused",
                f"the take-profit for {have} was refused: {event.error}",
                "the stop still rests; place the take-profit by hand if wanted",
            )
        case _:
            assert_never(leg.role)


def _fill(bracket: Bracket, event: Fill) -> tuple[Bracket, tuple[Command, ...]]:
    leg = _find(bracket, event.cl_ord_id)
    if leg is None or event.cum_qty <= leg.filled:
        return bracket, ()  # not ours, or a replay: counted once
    grown = event.cum_qty - leg.filled
    filled = msgspec.structs.replace(
        leg,
        filled=event.cum_qty,
        order_id=event.order_id or leg.order_id,
        avg_price=event.price or leg.avg_price,
    )
    bracket = _with(bracket, filled)
    if leg.role == "entry":
        return _protect(bracket)
    bracket = msgspec.structs.replace(bracket, sold=bracket.sold + grown)
    exit_ = Exit(role=leg.role, sold=grown, held=held(bracket))
    if held(bracket) < 0:
        return _halt_with(
            bracket,
            (exit_,),
            "oversold",
            f"the exits sold {-held(bracket)} more than the entry bought",
            "buy back or accept the short balance; cancel any exit still open",
        )
    follow, more = _protect(bracket)
    return follow, (exit_, *more)


def _done(bracket: Bracket, event: Done) -> tuple[Bracket, tuple[Command, ...]]:
    leg = _find(bracket, event.cl_ord_id)
    if leg is None:
        return bracket, ()
    commands: list[Command] = []
    if event.cum_qty > leg.filled:
        bracket, extra = _fill(
            bracket,
            Fill(cl_ord_id=leg.cl_ord_id, order_id=leg.order_id, cum_qty=event.cum_qty, price=None),
        )
        commands.extend(extra)
        if bracket.phase == "halted":
            return bracket, tuple(commands)
        leg = _find(bracket, event.cl_ord_id) or leg
    bracket = _with(bracket, msgspec.structs.replace(leg, status="done", amending_to=None))
    unasked = leg.role != "entry" and not leg.ioc and leg.status != "cancelling"
    if unasked and event.status != "filled" and held(bracket) > 0:
        # the exchange ended an exit nobody asked to end (self-trade prevention, funds at the
        # trigger, a person): placing it again could loop, so a person decides
        return _halt_with(bracket, tuple(commands), "exit_cancelled",
                          f"the {leg.role} {leg.cl_ord_id} ended {event.status} unasked, with "
                          f"{held(bracket)} {bracket.spec.symbol} held",
                          "place a stop by hand now, or sell what is held")  # fmt: skip
    if leg.role == "entry" and held(bracket) == 0 and leg.filled == 0:
        follow, more = _cancel_all(bracket, "the entry ended with no fill")
        return _finish(follow, f"the entry ended ({event.status}) with no fill", (*commands, *more))
    follow, more = _protect(bracket)
    return follow, (*commands, *more)


def _unknown(bracket: Bracket, event: Unknown) -> tuple[Bracket, tuple[Command, ...]]:
    leg = _find(bracket, event.cl_ord_id)
    if leg is None:
        return bracket, ()
    return _halt(
        bracket,
        "unknown_outcome",
        f"the outcome of the {leg.role} order {leg.cl_ord_id} is unknown ({event.reason})",
        "check the open orders and the balance on Kraken before anything else",
    )


def _price(bracket: Bracket) -> tuple[Bracket, tuple[Command, ...]]:
    if bracket.spec.mode != "one-resting" or bracket.phase != "protecting" or bracket.last is None:
        return bracket, ()
    trigger = _take_trigger(bracket)
    if trigger is None or bracket.last < trigger or held(bracket) <= 0:
        return bracket, ()
    # touched: take the profit. First the stop must go (it holds the coins), then sell what is held.
    taking = msgspec.structs.replace(bracket, phase="taking")
    return _protect(taking)


def _take_trigger(bracket: Bracket) -> Decimal | None:
    take = bracket.spec.take
    base = take.trigger if take.trigger is not None else take.limit
    if not take.offset:
        return base
    entry = _leg(bracket, "entry")
    if entry is None or entry.avg_price is None:
        return None
    return _on_tick(bracket, entry.avg_price + base)


def _exit_prices(bracket: Bracket, role: Role) -> tuple[Decimal, Decimal | None]:
    entry = _leg(bracket, "entry")
    base = (
        entry.avg_price
        if entry is not None and entry.avg_price is not None
        else bracket.spec.entry_limit
    )
    if role == "stop":
        stop = bracket.spec.stop
        shift = base if stop.offset else _ZERO
        limit = None if stop.limit is None else _on_tick(bracket, shift + stop.limit)
        return _on_tick(bracket, shift + stop.trigger), limit
    take = bracket.spec.take
    shift = base if take.offset else _ZERO
    trigger = None if take.trigger is None else _on_tick(bracket, shift + take.trigger)
    return _on_tick(bracket, shift + take.limit), trigger


# --- protecting: what should rest, given what is held -------------------------------------------------


def _protect(bracket: Bracket) -> tuple[Bracket, tuple[Command, ...]]:
    """Bring the exits in line with what is held: the one rule every event ends in."""
    if bracket.paused or bracket.phase in ("flat", "halted"):
        return bracket, ()
    entry = _leg(bracket, "entry")
    have = held(bracket)
    if bracket.phase == "entering" and have > 0:
        bracket = msgspec.structs.replace(bracket, phase="protecting")
    if bracket.phase == "taking":
        return _take(bracket)
    entry_open = entry is not None and entry.status in ("placing", "resting")
    if have <= 0 and bracket.sold > 0:
        # the exits emptied the position: the trade is over, the entry's rest included (a
        # stopped-out bracket does not buy again on the way down)
        follow, cancels = _cancel_all(bracket, "the position is flat")
        return _finish(follow, "flat: every exit filled", cancels)
    if have <= 0:
        return bracket, ()  # nothing filled yet
    size = _sized(bracket, have)
    if size < bracket.spec.qty_min:
        # no exit can be resized below the minimum: one that would sell more than is held goes,
        # one selling exactly the rest is left to finish
        over: list[Command] = []
        for leg in _open_exits(bracket):
            if leg.status == "resting" and leg.amending_to is None and leg.qty - leg.filled > have:
                bracket = _with(bracket, msgspec.structs.replace(leg, status="cancelling"))
                over.append(
                    Cancel(cl_ord_id=leg.cl_ord_id, reason="it would sell more than is held")
                )
        if _open_exits(bracket):
            return bracket, tuple(over)
        commands: tuple[Command, ...] = (Dust(qty=have, minimum=bracket.spec.qty_min),)
        if entry_open:
            return bracket, commands
        return _finish(bracket, "flat: only dust is left", commands)
    commands_list: list[Command] = []
    for role in ("stop", "take") if bracket.spec.mode == "both-resting" else ("stop",):
        bracket, caused = _rest(bracket, role, size)
        commands_list.extend(caused)
        if bracket.phase == "halted":
            break
    return bracket, tuple(commands_list)


def _open_exits(bracket: Bracket) -> tuple[Leg, ...]:
    return tuple(
        leg
        for leg in bracket.legs
        if leg.role != "entry" and leg.status in ("placing", "resting", "cancelling")
    )


def _rest(bracket: Bracket, role: Role, size: Decimal) -> tuple[Bracket, tuple[Command, ...]]:
    """Make the resting exit of `role` sell exactly `size` (what is held, on the lot)."""
    leg = _leg(bracket, role)
    live = leg is not None and leg.status in ("placing", "resting")
    if leg is not None and live:
        target = leg.amending_to if leg.amending_to is not None else leg.qty - leg.filled
        if target == size or leg.status == "placing" or leg.amending_to is not None:
            return bracket, ()  # right already, or wait for the answer before resizing
        # amend_order takes the new total: what it filled plus what is held now
        total = leg.filled + size
        return _with(bracket, msgspec.structs.replace(leg, amending_to=total)), (
            Amend(cl_ord_id=leg.cl_ord_id, qty=total),
        )
    if leg is not None and leg.status == "cancelling":
        return bracket, ()
    counter = bracket.counter + 1
    price, other = _exit_prices(bracket, role)
    if role == "stop":
        new = Leg(
            role="stop",
            cl_ord_id=f"{bracket.spec.prefix}s{counter}",
            qty=size,
            price=price,
            limit=other,
        )
        kind: Literal["limit", "stop-loss", "stop-loss-limit", "take-profit-limit"] = (
            "stop-loss" if other is None else "stop-loss-limit"
        )
    else:
        new = Leg(
            role="take",
            cl_ord_id=f"{bracket.spec.prefix}t{counter}",
            qty=size,
            price=other if other is not None else price,
            limit=price,
        )
        kind = "limit" if other is None else "take-profit-limit"
    placed = msgspec.structs.replace(bracket, legs=(*bracket.legs, new), counter=counter)
    return placed, (Place(leg=new, kind=kind),)


def _take(bracket: Bracket) -> tuple[Bracket, tuple[Command, ...]]:
    """One-resting, take-profit touched: cancel the stop (and the entry's rest), wait until it is
    gone, then sell what is held with a limit IOC; afterwards the stop goes back for any rest."""
    commands: list[Command] = []
    for leg in bracket.legs:
        if leg.role in ("stop", "entry") and leg.status in ("resting", "placing"):
            if leg.status == "placing" or leg.amending_to is not None:
                return bracket, tuple(commands)  # wait for its answer before cancelling it
            bracket = _with(bracket, msgspec.structs.replace(leg, status="cancelling"))
            commands.append(Cancel(cl_ord_id=leg.cl_ord_id, reason="take-profit touched"))
    if any(leg.role in ("stop", "entry") and leg.status == "cancelling" for leg in bracket.legs):
        return bracket, tuple(commands)  # wait for the cancel's confirmation (or the stop's fill)
    ioc = _leg(bracket, "take")
    if ioc is not None and ioc.status in ("placing", "resting"):
        return bracket, tuple(commands)
    have = held(bracket)
    size = _sized(bracket, have)
    if ioc is not None and ioc.status in ("done", "refused") and ioc.ioc:
        # the IOC is over: protect whatever it did not sell
        bracket = msgspec.structs.replace(bracket, phase="protecting")
        follow, more = _protect(bracket)
        return follow, (*commands, *more)
    if size < bracket.spec.qty_min:
        back = msgspec.structs.replace(bracket, phase="protecting")
        follow, more = _protect(back)
        return follow, (*commands, *more)
    counter = bracket.counter + 1
    limit, _ = _exit_prices(bracket, "take")
    sell = Leg(
        role="take",
        cl_ord_id=f"{bracket.spec.prefix}t{counter}",
        qty=size,
        price=limit,
        limit=limit,
        ioc=True,
    )
    placed = msgspec.structs.replace(bracket, legs=(*bracket.legs, sell), counter=counter)
    return placed, (*commands, Place(leg=sell, kind="limit"))


def _cancel_all(bracket: Bracket, reason: str) -> tuple[Bracket, tuple[Command, ...]]:
    commands: list[Command] = []
    for leg in bracket.legs:
        if leg.status == "resting" and leg.filled < leg.qty:  # a filled one ends by itself
            bracket = _with(bracket, msgspec.structs.replace(leg, status="cancelling"))
            commands.append(Cancel(cl_ord_id=leg.cl_ord_id, reason=reason))
    return bracket, tuple(commands)


def _finish(
    bracket: Bracket, reason: str, before: tuple[Command, ...] = ()
) -> tuple[Bracket, tuple[Command, ...]]:
    if _open_exits(bracket) or any(
        leg.role == "entry" and leg.status in ("placing", "resting", "cancelling")
        for leg in bracket.legs
    ):
        return bracket, before  # wait until nothing of ours is open
    return msgspec.structs.replace(bracket, phase="flat"), (
        *before,
        Finished(reason=reason, held=held(bracket)),
    )


def _halt(
    bracket: Bracket,
    kind: AlertKind,
    figures: str,
    action: str,
) -> tuple[Bracket, tuple[Command, ...]]:
    return _halt_with(bracket, (), kind, figures, action)


def _halt_with(
    bracket: Bracket,
    before: tuple[Command, ...],
    kind: AlertKind,
    figures: str,
    action: str,
) -> tuple[Bracket, tuple[Command, ...]]:
    alert = Alert(kind=kind, held=held(bracket), figures=figures, action=action)
    return msgspec.structs.replace(bracket, phase="halted"), (*before, alert)


def _reconciled(bracket: Bracket, event: Reconciled) -> tuple[Bracket, tuple[Command, ...]]:
    """Rebuild from what the exchange says before sending anything: fills that happened while
    disconnected are counted, an order absent from the snapshot is gone."""
    said = {cl: (qty, filled, is_open) for cl, qty, filled, is_open in event.orders}
    commands: list[Command] = []
    for leg in bracket.legs:
        if leg.status not in ("placing", "resting", "cancelling") or leg.cl_ord_id in event.pending:
            continue
        qty, filled, is_open = said.get(leg.cl_ord_id, (leg.qty, leg.filled, False))
        if filled > leg.filled:
            bracket, caused = _fill(
                bracket,
                Fill(cl_ord_id=leg.cl_ord_id, order_id=leg.order_id, cum_qty=filled, price=None),
            )
            commands.extend(c for c in caused if isinstance(c, Exit | Alert))
            if bracket.phase == "halted":
                return bracket, tuple(commands)
        current = _find(bracket, leg.cl_ord_id) or leg
        if not is_open:
            status: Status = "done" if current.status != "placing" or filled > 0 else "refused"
            bracket = _with(
                bracket, msgspec.structs.replace(current, status=status, amending_to=None)
            )
        else:
            # an answer lost with the old connection never comes: the snapshot's size is the
            # order's size (an amend in flight was applied or not), and `_protect` resizes from it
            status = "cancelling" if current.status == "cancelling" else "resting"
            bracket = _with(
                bracket,
                msgspec.structs.replace(current, status=status, qty=qty, amending_to=None),
            )
    follow, more = _protect(bracket)
    # a take-profit touch seen while disconnected is acted on now, not at the next tick
    touched, taking = _price(follow)
    return touched, (*commands, *more, *taking)

"""Vet a request written by another tool: read it strictly into the typed model, read it back as
intents, and run every check and guard on it that the builders run, the message's own `deadline`
and times included.

docs.kraken.com/api/docs/websocket-v2/add_order (and batch_add, amend_order, cancel_order)

Malformed JSON, a duplicate key, or a shape the model refuses (a misspelt key, `limit_price` on a
market order, `margin: true`, a float where a string belongs) is an `InputInvalid` naming the
JSON path; every such problem comes back, and with them the problems of what could be read.
Fields Kraken documents as optional are optional here, with Kraken's defaults: an absent
`validate` is a live order, so `ALLOW_LIVE` applies to it.

What a message does not carry comes beside it (`Beside`): the market price for a market order or
a relative trigger (`ref_price`), and for an `amend_order`, which carries no side, the side and
the pair of the order it amends (without a side an amend is held to the cap as a buy).

>>> from datetime import datetime, UTC
>>> from momentum.models.context import Context, Knobs
>>> context = Context(knobs=Knobs(), now=datetime(2026, 11, 28, tzinfo=UTC))
>>> [p.render() for p in check_message(b'{"method":"add_order","params":{"order_type":"market",'
...     b'"side":"sell","order_qty":1,"symbol":"BTC/USD","margin":false,"validate":true,'
...     b'"deadline":"2026-11-28T00:00:05.000Z","limit_price":5}}', context)]
['message: Object contains unknown field `limit_price` - at `$.params`; use a request message']
"""

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Final, assert_never

import msgspec
from msgspec import UNSET, UnsetType
from returns.result import Failure, Success

from momentum.errors import GuardRefused, InputInvalid, OrderProblem, show
from momentum.exchange.kraken.read_back import intent_of
from momentum.exchange.kraken.ws_v2_messages import (
    AddOrder,
    AddOrderParams,
    AmendOrder,
    BatchAdd,
    CancelOrder,
    Request,
    read_request,
)
from momentum.exchange.kraken.ws_v2_payloads import deadline_text
from momentum.models.context import Context
from momentum.models.intent import Amend, Cancel, OrderIntent, Side, parse_moment
from momentum.utils.safety import check_amend, check_batch, check_cancel, check_order

__all__ = ["Beside", "check_message", "check_request_message", "deadline_problems"]


class Beside(msgspec.Struct, frozen=True, kw_only=True):
    """What the caller knows that the message does not carry.

    `ref_price`: the market price, for every order of the message (a market order's notional, a
    relative trigger's level) and for an amend that sets no price of its own. `side` and `symbol`:
    the amended order's (an `amend_order` message carries neither); refused for other messages,
    which carry their own.
    """

    ref_price: Decimal | None = None
    side: Side | None = None
    symbol: str | None = None


# deadline: "valid offset from now is 500 ms to 60 s" -- docs.kraken.com/api/docs/websocket-v2/add_order
_DEADLINE_MIN: Final = timedelta(milliseconds=500)
_DEADLINE_MAX: Final = timedelta(seconds=60)


_NOTHING_BESIDE: Final = Beside()


def check_message(
    data: bytes | str, context: Context, beside: Beside = _NOTHING_BESIDE
) -> tuple[OrderProblem, ...]:
    """Every problem of a request message; empty when it is clean."""
    request, problems = read_request(data)
    if request is None:
        return problems
    return (*problems, *check_request_message(request, context, beside))


def check_request_message(
    request: Request, context: Context, beside: Beside = _NOTHING_BESIDE
) -> tuple[OrderProblem, ...]:
    """Every problem of a request already read (or built): what `check_message` says after the
    message's form. A sender that encoded the request itself uses this on it, decoded again with
    its types (an encoder writes no key twice, so the form has nothing more to say)."""
    match request:
        case AddOrder() as message:
            found = _check_add(message, context, beside)
        case BatchAdd() as batch:
            found = _check_batch(batch, context, beside)
        case AmendOrder() as amend:
            found = _check_amend(amend, context, beside)
        case CancelOrder() as cancel:
            found = _check_cancel(cancel, context, beside)
        case _:
            assert_never(request)
    return found


def deadline_problems(
    deadline: str | UnsetType, now: datetime, field: str
) -> tuple[InputInvalid, ...]:
    """A message's own `deadline`: RFC 3339, from 500 ms to 60 s after `now`; absent is fine
    (Kraken's default, 5 s)."""
    if deadline is UNSET:
        return ()
    moment = parse_moment(deadline)
    if moment is not None and now + _DEADLINE_MIN <= moment <= now + _DEADLINE_MAX:
        return ()
    shape = "" if moment is not None else " (not an RFC 3339 time)"
    return (
        InputInvalid(
            field=field,
            given=f"{show(deadline)}{shape}",
            accepted=f"an RFC 3339 time from 500 ms to 60 s after now, such as "
            f"{deadline_text(now, 5000)} (DEADLINE_MS re-stamps it when momentum-send sends it)",
        ),
    )


def _not_for(beside: Beside, method: str) -> tuple[InputInvalid, ...]:
    return tuple(
        InputInvalid(
            field=name,
            given=f"given for a {method}, which carries its own",
            accepted=f"{name} only beside an amend_order",
        )
        for name in ("side", "symbol")
        if getattr(beside, name) is not None
    )


def _check_add(message: AddOrder, context: Context, beside: Beside) -> tuple[OrderProblem, ...]:
    params = message.params
    found: list[OrderProblem] = [*_not_for(beside, "add_order")]
    found.extend(deadline_problems(params.deadline, context.now, "params.deadline"))
    match intent_of(message, ref_price=beside.ref_price):
        case Success(order):
            live = msgspec.structs.replace(
                context, live=params.validate is not True, req_id=message.req_id
            )
            found.extend(_named(p, "params.") for p in check_order(order, live).swap().value_or(()))
        case Failure(tuple() as problems):
            found.extend(problems)
    return tuple(found)


def _check_batch(batch: BatchAdd, context: Context, beside: Beside) -> tuple[OrderProblem, ...]:
    params = batch.params
    found: list[OrderProblem] = [*_not_for(beside, "batch_add")]
    found.extend(deadline_problems(params.deadline, context.now, "params.deadline"))
    intents: list[OrderIntent] = []
    for index, order in enumerate(params.orders):
        fields = {k: v for k, v in msgspec.structs.asdict(order).items() if v is not UNSET}
        fields |= {"order_type": order.__struct_config__.tag, "symbol": params.symbol}
        single = AddOrder(params=msgspec.convert(fields, AddOrderParams))
        match intent_of(single, ref_price=beside.ref_price):
            case Success(intent):
                intents.append(intent)
            case Failure(tuple() as problems):  # named as in an add_order: params.expire_time
                at = f"params.orders[{index}]."
                found.extend(
                    msgspec.structs.replace(p, field=at + p.field.removeprefix("params."))
                    for p in problems
                )
    if len(intents) < len(params.orders):
        return tuple(found)  # a time that cannot be read: the rest is judged once it can
    live = msgspec.structs.replace(context, live=params.validate is not True, req_id=batch.req_id)
    problems = check_batch(intents, live).swap().value_or(())
    found.extend(_named(problem, "params.") for problem in problems)
    return tuple(found)


def _check_amend(amend: AmendOrder, context: Context, beside: Beside) -> tuple[OrderProblem, ...]:
    params = amend.params
    intent = Amend(
        order_id=params.order_id,
        cl_ord_id=params.cl_ord_id,
        qty=params.order_qty,
        limit_price=params.limit_price,
        limit_price_type=params.limit_price_type or "static",
        trigger_price=params.trigger_price,
        trigger_price_type=params.trigger_price_type or "static",
        post_only=params.post_only,
        display_qty=params.display_qty,
        side=beside.side,
        symbol=params.symbol or beside.symbol,
        ref_price=beside.ref_price,
    )
    found: list[OrderProblem] = [
        *deadline_problems(params.deadline, context.now, "params.deadline")
    ]
    checked = check_amend(intent, msgspec.structs.replace(context, req_id=amend.req_id))
    beside_fields = ("side",) if params.symbol else ("side", "symbol")
    outside = (*_OUTSIDE, *beside_fields)
    found.extend(_named(problem, "params.", outside) for problem in checked.swap().value_or(()))
    return tuple(found)


def _check_cancel(
    cancel: CancelOrder, context: Context, beside: Beside
) -> tuple[OrderProblem, ...]:
    params = cancel.params
    intent = Cancel(
        order_ids=tuple(params.order_id or ()),
        cl_ord_ids=tuple(params.cl_ord_id or ()),
        order_userrefs=tuple(params.order_userref or ()),
    )
    found: list[OrderProblem] = [*_not_for(beside, "cancel_order")]
    if beside.ref_price is not None:
        found.append(InputInvalid(field="ref_price", given="given for a cancel_order",
                                  accepted="ref_price beside an order or an amend"))  # fmt: skip
    checked = check_cancel(intent, msgspec.structs.replace(context, req_id=cancel.req_id))
    found.extend(_named(problem, "params.") for problem in checked.swap().value_or(()))
    return tuple(found)


# An intent's field names in the message's words: the first step of the field's path.
_WIRE_NAMES: Final = {
    "qty": "order_qty",
    "trigger": "triggers",
    "close": "conditional",
    "cash_qty": "cash_order_qty",
    "order_ids": "order_id",
    "cl_ord_ids": "cl_ord_id",
    "order_userrefs": "order_userref",
}
# Fields that are not in params: the envelope's, and what came beside the message.
_OUTSIDE: Final = ("req_id", "ref_price", "open_positions", "quote_rates", "instruments")


def _named(problem: OrderProblem, prefix: str, outside: tuple[str, ...] = _OUTSIDE) -> OrderProblem:
    """Intent field names back in the message's words, with the message's path; a field that is
    not in the message (`outside`) keeps its own name."""
    match problem:
        case InputInvalid():
            head = problem.field.split(".")[0].split("[")[0]
            if head in outside:
                return problem
            steps = (step.partition("[") for step in problem.field.split("."))
            path = ".".join(
                _WIRE_NAMES.get(name, name) + rest + index for name, rest, index in steps
            )
            return msgspec.structs.replace(problem, field=prefix + path)
        case GuardRefused():
            return problem
        case _:
            assert_never(problem)

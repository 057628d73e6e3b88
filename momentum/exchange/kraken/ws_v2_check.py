"""Vet a request written by another tool: decode it strictly into the typed model, read it back
as intents, and run every check and guard on it.

docs.kraken.com/api/docs/websocket-v2/add_order (and batch_add, amend_order, cancel_order)

Malformed JSON or a shape the model refuses (a misspelt key, `limit_price` on a market order,
`margin: true`, `reduce_only: true`, a float where a string belongs) is an `InputInvalid` naming
the JSON path; a well-formed request then gets every problem the builders would report. A
message's own `validate: false` asks for a live order, so `ALLOW_LIVE` applies to it.

>>> from datetime import datetime, UTC
>>> from momentum.utils.env import Knobs
>>> from momentum.utils.safety import Context
>>> context = Context(knobs=Knobs(), now=datetime(2026, 11, 28, tzinfo=UTC))
>>> [p.render() for p in check_message(b'{"method":"add_order","params":{"order_type":"market",'
...     b'"side":"sell","order_qty":1,"symbol":"BTC/USD","margin":false,"validate":true,'
...     b'"deadline":"2026-11-28T00:00:05.000Z","limit_price":5}}', context)]
['message: Object contains unknown field `limit_price` - at `$.params`; use a request message']
"""

from typing import assert_never

import msgspec
from returns.result import Failure, Success

from momentum.errors import GuardRefused, InputInvalid, KnobInvalid, Problem
from momentum.exchange.kraken.ws_v2_messages import (
    AddOrder,
    AddOrderParams,
    AmendOrder,
    BatchAdd,
    CancelOrder,
    decode_request,
)
from momentum.exchange.kraken.ws_v2_payloads import intent_of
from momentum.models.intent import Amend, Cancel
from momentum.utils.safety import Context, check_amend, check_cancel, check_order

__all__ = ["check_message"]


def check_message(data: bytes | str, context: Context) -> tuple[Problem, ...]:
    """Every problem of a request message; empty when it is clean."""
    match decode_request(data):
        case Success(AddOrder() as message):
            return _check_add(message.params, message.req_id, context, "params.")
        case Success(BatchAdd() as batch):
            return _check_batch(batch, context)
        case Success(AmendOrder() as amend):
            return _check_amend(amend, context)
        case Success(CancelOrder() as cancel):
            params = cancel.params
            intent = Cancel(
                order_ids=tuple(params.order_id or ()),
                cl_ord_ids=tuple(params.cl_ord_id or ()),
                order_userrefs=tuple(params.order_userref or ()),
            )
            found = check_cancel(intent, msgspec.structs.replace(context, req_id=cancel.req_id))
            return found.swap().value_or(())
        case Failure(InputInvalid() as problem):
            return (problem,)
        case _:
            return (InputInvalid(field="message", given="?", accepted="a request message"),)


def _check_add(
    params: AddOrderParams, req_id: int | None, context: Context, prefix: str
) -> tuple[Problem, ...]:
    # A message carries no reference price: the guards that need one fail closed.
    match intent_of(AddOrder(params=params), ref_price=None):
        case Success(order):
            live = msgspec.structs.replace(context, live=not params.validate, req_id=req_id)
            return tuple(_named(p, prefix) for p in check_order(order, live).swap().value_or(()))
        case Failure(InputInvalid() as problem):
            return (problem,)
        case _:
            return ()


def _check_batch(batch: BatchAdd, context: Context) -> tuple[Problem, ...]:
    found: list[Problem] = []
    params = batch.params
    if len(params.orders) not in range(2, 16):
        found.append(
            InputInvalid(
                field="params.orders",
                given=f"{len(params.orders)} orders",
                accepted="2 to 15 orders",
            )
        )
    for index, order in enumerate(params.orders):
        fields = msgspec.structs.asdict(order)
        fields |= {
            "order_type": order.__struct_config__.tag,
            "symbol": params.symbol,
            "validate": params.validate,
            "deadline": params.deadline,
        }
        single = msgspec.convert(fields, AddOrderParams)
        found.extend(_check_add(single, batch.req_id, context, f"params.orders[{index}]."))
    return tuple(found)


def _check_amend(amend: AmendOrder, context: Context) -> tuple[Problem, ...]:
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
    )
    found = check_amend(intent, msgspec.structs.replace(context, req_id=amend.req_id))
    return found.swap().value_or(())


_WIRE_NAMES = (("qty", "order_qty"), ("trigger", "triggers"), ("close", "conditional"))


def _named(problem: Problem, prefix: str) -> Problem:
    """Intent field names back in the message's words, with the message's path."""
    match problem:
        case InputInvalid():
            field = problem.field
            head, dot, rest = field.partition(".")
            field = dict(_WIRE_NAMES).get(head, head) + dot + rest
            return msgspec.structs.replace(problem, field=f"{prefix}{field}")
        case GuardRefused() | KnobInvalid():
            return problem
        case _:
            assert_never(problem)

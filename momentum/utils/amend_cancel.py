"""Input checks on an `amend_order` or a `cancel_order`: is the request itself well formed?

docs.kraken.com/api/docs/websocket-v2/amend_order and .../cancel_order

Each problem is an `InputInvalid` naming the field (exit 2). The guards an amend or a cancel also
meets (`ALLOW_LIVE`, and for an amend `ENTRY_MAX_NOTIONAL`) are in `momentum.utils.safety`, which
runs them beside these in `check_amend` and `check_cancel`.

>>> from datetime import UTC, datetime
>>> from momentum.models.context import Context, Knobs
>>> context = Context(knobs=Knobs(), now=datetime(2026, 11, 28, 9, tzinfo=UTC))
>>> [p.field for p in amend_problems(Amend(qty=Decimal("1")), context)]
['order_id']
"""

import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Final, get_args

from momentum.errors import InputInvalid, show
from momentum.models.context import Context, pair_table
from momentum.models.intent import EXACT as _EXACT
from momentum.models.intent import Amend, Cancel, PriceType, Side
from momentum.utils.checks import (
    amount_problems,
    bounded,
    cl_ord_id_problems,
    context_problems,
    int32,
    symbol_problems,
    text,
)
from momentum.utils.pair_rules import amend_pair_problems, symbol_in_table_problems

__all__ = ["ORDER_ID", "amend_problems", "amend_sound", "cancel_problems"]

# Kraken's order ids (OUF4EM-FRGI2-MQMWZD): letters, digits and dashes
ORDER_ID: Final = re.compile(r"[A-Za-z0-9-]{1,64}")
_PRICE_TYPES: Final[tuple[PriceType, ...]] = get_args(PriceType)
_SIDES: Final[tuple[Side, ...]] = get_args(Side)


def _ids(values: object, field: str, pattern: re.Pattern[str]) -> Iterator[InputInvalid]:
    if not isinstance(values, tuple | list):
        yield InputInvalid(field=field, given=show(values), accepted="a list of ids")
        return
    for index, value in enumerate(values):
        if not isinstance(value, str) or pattern.fullmatch(value) is None:
            yield InputInvalid(field=f"{field}[{index}]", given=show(value),
                               accepted="an id in Kraken's format")  # fmt: skip


def _offset_or_price(
    value: Decimal | None, price_type: object, field: str
) -> Iterator[InputInvalid]:
    if value is None:
        return
    if price_type not in _PRICE_TYPES:
        yield InputInvalid(field=f"{field}_type", given=show(price_type),
                           accepted=" or ".join(_PRICE_TYPES))  # fmt: skip
    elif price_type == "static":
        yield from amount_problems(value, field)
    elif (
        not isinstance(value, Decimal)
        or not bounded(value)
        or (price_type == "pct" and not -100 < value < 100)
    ):
        yield InputInvalid(field=field, given=show(value),
                           accepted="a finite offset (pct strictly between -100 and 100)")  # fmt: skip


def _amend_amounts(amend: Amend) -> Iterator[InputInvalid]:
    yield from amount_problems(amend.qty, "qty")
    yield from _offset_or_price(amend.limit_price, amend.limit_price_type, "limit_price")
    yield from _offset_or_price(amend.trigger_price, amend.trigger_price_type, "trigger_price")
    if amend.ref_price is not None:
        yield from amount_problems(amend.ref_price, "ref_price")
    if amend.display_qty is not None:
        yield from amount_problems(amend.display_qty, "display_qty")
    if amend.remaining_qty is not None:
        yield from amount_problems(amend.remaining_qty, "remaining_qty")


def amend_sound(amend: Amend) -> bool:
    """Are the amend's amounts sound numbers, so that its notional can be computed?"""
    return not any(_amend_amounts(amend))


def amend_problems(amend: Amend, context: Context) -> tuple[InputInvalid, ...]:
    """`amend_order`: exactly one id, a positive quantity, prices with their types, the displayed
    part at least 1/15 of what remains; and where the pair is given, its rules."""
    found: list[InputInvalid] = []
    if (amend.order_id is None) == (amend.cl_ord_id is None):
        found.append(InputInvalid(field="order_id", given="both or neither of order_id and cl_ord_id",
                                  accepted="exactly one of them"))  # fmt: skip
    if amend.order_id is not None:
        found.extend(_ids((amend.order_id,), "order_id", ORDER_ID))
    found.extend(cl_ord_id_problems(amend.cl_ord_id, "cl_ord_id"))
    if amend.side is not None and amend.side not in _SIDES:
        found.append(InputInvalid(field="side", given=show(amend.side),
                                  accepted="buy or sell, or no side (held as a buy)"))  # fmt: skip
    amounts = tuple(_amend_amounts(amend))
    found.extend(amounts)
    if amend.post_only and amend.limit_price is None:
        found.append(InputInvalid(field="post_only", given="set without a new limit_price",
                                  accepted="post_only with a limit_price change"))  # fmt: skip
    if amend.display_qty is not None and not amounts:
        remaining = amend.remaining_qty if amend.remaining_qty is not None else amend.qty
        # display_qty: at least 1/15 of the remaining quantity -- docs.kraken.com/api/docs/websocket-v2/amend_order
        if _EXACT.multiply(amend.display_qty, 15) < remaining:
            found.append(InputInvalid(
                field="display_qty", given=f"{text(amend.display_qty)} of {text(remaining)} remaining",
                accepted=f"at least 1/15 of the remaining quantity ({text(_EXACT.divide(remaining, 15))})",
            ))  # fmt: skip
    found.extend(_amend_pair(amend, context, sound=not amounts))
    found.extend(context_problems(context))
    return tuple(found)


def _amend_pair(amend: Amend, context: Context, *, sound: bool) -> Iterator[InputInvalid]:
    if amend.symbol is None:
        return
    table = pair_table(context)
    if table is None:
        yield from symbol_problems(amend.symbol, "symbol")
        return
    found = tuple(symbol_in_table_problems(amend.symbol, "symbol", table))
    yield from found
    if sound and not found:
        yield from amend_pair_problems(amend, table[amend.symbol])


def cancel_problems(cancel: Cancel, context: Context) -> tuple[InputInvalid, ...]:
    """`cancel_order`: at least one id, each in its format."""
    found: list[InputInvalid] = []
    if not (cancel.order_ids or cancel.cl_ord_ids or cancel.order_userrefs):
        found.append(InputInvalid(field="order_ids", given="no id at all",
                                  accepted="at least one order_id, cl_ord_id or order_userref"))  # fmt: skip
    found.extend(_ids(cancel.order_ids, "order_ids", ORDER_ID))
    for index, cl_ord_id in enumerate(cancel.cl_ord_ids):
        found.extend(cl_ord_id_problems(cl_ord_id, f"cl_ord_ids[{index}]"))
    for index, userref in enumerate(cancel.order_userrefs):
        if not int32(userref):
            found.append(InputInvalid(field=f"order_userrefs[{index}]", given=show(userref),
                                      accepted="a signed 32-bit integer"))  # fmt: skip
    if context.req_id is not None and not int32(context.req_id):
        found.append(InputInvalid(field="req_id", given=show(context.req_id),
                                  accepted="a whole number from -2147483648 to 2147483647"))  # fmt: skip
    return tuple(found)

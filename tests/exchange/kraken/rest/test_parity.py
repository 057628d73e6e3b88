"""WS and REST forms of one intent agree (rest/parity.py); a changed field of either is caught."""

import re
from typing import Any

import msgspec
from hypothesis import assume, given
from hypothesis import strategies as st
from returns.result import Success

from momentum.exchange.kraken.rest.parity import parity
from momentum.exchange.kraken.rest.render import RestAddOrder, build_rest_add_order
from momentum.exchange.kraken.ws_v2_messages import decode
from momentum.exchange.kraken.ws_v2_payloads import build_add_order
from momentum.models.context import Context
from momentum.models.intent import LimitOrder, OrderIntent, StopLossClose
from tests.exchange.kraken.rest.test_render import _FILTERED, _NUMBERS, LOOSE, TABLE, ctx, form
from tests.helpers import D
from tests.strategies import plausible_contexts, plausible_intents


def both(order: OrderIntent, c: Context) -> tuple[Any, RestAddOrder]:
    c = msgspec.structs.replace(c, instruments=LOOSE)
    order = msgspec.structs.replace(order, sender_sub_id=None)  # REST has no such field
    ws, rest = build_add_order(order, c), build_rest_add_order(order, c)
    assume(isinstance(ws, Success) and isinstance(rest, Success))
    return ws.unwrap(), rest.unwrap()


@_FILTERED
@given(plausible_intents, plausible_contexts)
def test_one_intent_gives_two_forms_that_agree(order: OrderIntent, c: Context) -> None:
    """Encoding both forms from one intent always gives no difference."""
    ws, rest = both(order, c)
    assert parity(ws, rest, TABLE) == Success(None)
    for key, value in rest.fields:  # numbers keep their digits: never exponent notation
        if key in _NUMBERS:
            assert re.search(r"\d[eE][+-]?\d", value) is None, (key, value)


@_FILTERED
@given(plausible_intents, plausible_contexts, st.data())
def test_changing_any_rest_field_is_caught(
    order: OrderIntent, c: Context, data: st.DataObject
) -> None:
    """Perturbing any one field of the REST form is caught."""
    ws, rest = both(order, c)
    index = data.draw(st.integers(0, len(rest.fields) - 1))
    key, value = rest.fields[index]
    changed = (*rest.fields[:index], (key, value + "1"), *rest.fields[index + 1 :])
    assert parity(ws, RestAddOrder(fields=changed), TABLE) != Success(None)


def _mutations(params: Any) -> list[tuple[str, Any]]:
    found: list[tuple[str, Any]] = []
    for name in params.__struct_fields__:
        value = getattr(params, name)
        if name in ("token", "reduce_only", "margin", "sender_sub_id", "symbol"):
            continue
        if isinstance(value, bool):
            found.append((name, not value))
        elif isinstance(value, int):
            found.append((name, value + 1))
        elif isinstance(value, str) and name in ("deadline", "cl_ord_id"):
            found.append((name, value[:-1] + ("1" if value[-1] != "1" else "2")))
        elif name == "side":
            found.append((name, "sell" if value == "buy" else "buy"))
        elif name == "time_in_force" and value is not None:
            found.append((name, "ioc" if value != "ioc" else "gtc"))
        elif hasattr(value, "__struct_fields__") or value is None:
            continue
        elif value is not None and hasattr(value, "is_finite"):
            found.append((name, value + 1))
    return found


@_FILTERED
@given(plausible_intents, plausible_contexts, st.data())
def test_changing_any_ws_field_is_caught(
    order: OrderIntent, c: Context, data: st.DataObject
) -> None:
    """Perturbing any one field of the WS message is caught (the base quantity of a cash buy
    excepted: REST's viqc form carries only the quote amount)."""
    ws, rest = both(order, c)
    options = [
        (name, value) for name, value in _mutations(ws.params)
        if not (name == "order_qty" and getattr(ws.params, "cash_order_qty", None) is not None)
    ]  # fmt: skip
    assume(options)
    name, value = data.draw(st.sampled_from(options))
    changed = msgspec.structs.replace(
        ws, params=msgspec.structs.replace(ws.params, **{name: value})
    )
    assert parity(changed, rest, TABLE) != Success(None)


def test_a_difference_reads_in_the_users_words() -> None:
    order = LimitOrder(symbol="BTC/USD", side="buy", qty=D("0.001"), limit_price=D("28440"),
                       close=StopLossClose(trigger_price=D("28410")))  # fmt: skip
    ws, rest = build_add_order(order, ctx()).unwrap(), form(order)
    fields = tuple((k, "28400" if k == "close[price]" else v) for k, v in rest.fields)
    assert parity(ws, RestAddOrder(fields=fields), TABLE).failure() == (
        "close price: WS 28410 (static), REST 28400 (static)",
    )


# --- each side's plain meaning, word for word -------------------------------------------------

_BARE_WS = (
    b'{"method":"add_order","params":{"order_type":"limit","side":"buy","order_qty":1,'
    b'"symbol":"BTC/USD","limit_price":100}}'
)
_BARE_REST = RestAddOrder(
    fields=(("ordertype", "limit"), ("type", "buy"), ("volume", "1"), ("pair", "BTC/USD"),
            ("price", "100"))
)  # fmt: skip


def test_two_forms_that_leave_every_default_unsaid_agree() -> None:
    assert parity(decode(_BARE_WS).unwrap(), _BARE_REST, {}) == Success(None)

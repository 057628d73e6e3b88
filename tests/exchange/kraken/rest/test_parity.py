"""WS and REST forms of one intent agree (rest/parity.py); a changed field of either is caught."""

import re
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import msgspec
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from returns.result import Success

from momentum.exchange.kraken.rest.parity import parity, rest_meaning, ws_meaning
from momentum.exchange.kraken.rest.render import RestAddOrder, build_rest_add_order
from momentum.exchange.kraken.ws_v2_messages import decode
from momentum.exchange.kraken.ws_v2_payloads import build_add_order
from momentum.models.context import Context
from momentum.models.intent import (
    LimitOrder,
    OrderIntent,
    StopLossClose,
    TrailingStopLimitClose,
)
from tests.exchange.kraken.rest.test_render import _FILTERED, _NUMBERS, LOOSE, TABLE, ctx, form
from tests.helpers import NOW, D
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


_WHOLE = NOW.replace(microsecond=0)
_RICH = LimitOrder(
    symbol="BTC/USD", side="buy", qty=D("0.001"), limit_price=D("28440"), post_only=True,
    fee_preference="quote", time_in_force="gtd", expire_time=_WHOLE + timedelta(hours=1),
    effective_time=_WHOLE + timedelta(minutes=1), order_userref=7,
    close=TrailingStopLimitClose(trigger_price=D("1"), trigger_price_type="pct",
                                 limit_price=D("-0.5")),
)  # fmt: skip


def test_both_forms_of_a_rich_order_say_the_same_plain_fields() -> None:
    expected = {
        "order type": "limit", "side": "buy", "pair": "XBTUSD", "time in force": "gtd",
        "self-trade prevention": "cancel_newest", "validate": "true",
        "deadline": "2026-11-28T09:00:05.123Z", "quantity": "0.001", "limit": "28440 (static)",
        "flags": "post-only, fee in quote", "start": "1795856460", "expiry": "1795860000",
        "userref": "7", "close type": "trailing-stop-limit", "close price": "1 (pct)",
        "close limit": "-0.5 (quote)",
    }  # fmt: skip
    assert ws_meaning(build_add_order(_RICH, ctx()).unwrap(), TABLE) == expected
    assert rest_meaning(form(_RICH)) == expected


def test_what_a_ws_message_leaves_unsaid_reads_as_krakens_default() -> None:
    message = decode(
        b'{"method":"add_order","params":{"order_type":"trailing-stop-limit","side":"sell",'
        b'"order_qty":1,"symbol":"ZZZ/USD","triggers":{"price":2},"limit_price":-1,'
        b'"conditional":{"order_type":"trailing-stop-limit","trigger_price":3,'
        b'"trigger_price_type":"quote","limit_price":-2}}}'
    ).unwrap()
    assert ws_meaning(message, TABLE) == {
        "order type": "trailing-stop-limit", "side": "sell", "pair": "ZZZ/USD",
        "time in force": "gtc", "self-trade prevention": "cancel_newest", "validate": "false",
        "deadline": "none", "quantity": "1", "trigger": "2 (static)", "trigger reference": "last",
        "limit": "-1 (quote)", "flags": "none", "close type": "trailing-stop-limit",
        "close price": "3 (quote)", "close limit": "-2 (quote)",
    }  # fmt: skip


def test_a_cash_buy_reads_in_quote_currency_on_both_sides() -> None:
    message = decode(
        b'{"method":"add_order","params":{"order_type":"market","side":"buy","order_qty":1,'
        b'"symbol":"BTC/USD","cash_order_qty":50.10}}'
    ).unwrap()
    assert ws_meaning(message, {})["quantity"] == "50.1 in quote currency"
    viqc = RestAddOrder(fields=(("volume", "50.10"), ("oflags", "viqc")))
    assert rest_meaning(viqc)["quantity"] == "50.1 in quote currency"


def test_an_empty_rest_form_says_what_it_lacks() -> None:
    assert rest_meaning(RestAddOrder(fields=())) == {
        "order type": "?", "side": "?", "pair": "?", "time in force": "gtc",
        "self-trade prevention": "cancel_newest", "validate": "false", "deadline": "none",
        "quantity": "unreadable '?'", "flags": "none",
    }  # fmt: skip


def test_a_rest_form_says_every_field_it_sets() -> None:
    fields = (
        ("ordertype", "stop-loss-limit"), ("type", "sell"), ("volume", "2"), ("pair", "XBTUSD"),
        ("price", "+150"), ("price2", "-2%"), ("trigger", "index"), ("timeinforce", "IOC"),
        ("stptype", "cancel-both"), ("oflags", "fcib,post"), ("displayvol", "0.5"),
        ("starttm", "1795856460"), ("expiretm", "1795860000"), ("cl_ord_id", "a-1"),
        ("userref", "7"), ("validate", "true"), ("deadline", "d"),
        ("close[ordertype]", "trailing-stop"), ("close[price]", "5"),
    )  # fmt: skip
    assert rest_meaning(RestAddOrder(fields=fields)) == {
        "order type": "stop-loss-limit", "side": "sell", "pair": "XBTUSD",
        "time in force": "ioc", "self-trade prevention": "cancel_both", "validate": "true",
        "deadline": "d", "quantity": "2", "trigger": "150 (quote)", "trigger reference": "index",
        "limit": "-2 (pct)", "display quantity": "0.5", "flags": "post-only, fee in base",
        "start": "1795856460", "expiry": "1795860000", "cl_ord_id": "a-1", "userref": "7",
        "close type": "trailing-stop",
        "close price": "unreadable '5' (a relative price needs + or -)",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("price", "kind", "meaning"),
    [
        ("+150", "stop-loss", "150 (quote)"),
        ("-150", "stop-loss", "-150 (quote)"),
        ("+2%", "stop-loss", "2 (pct)"),
        ("-0", "stop-loss", "0 (quote)"),
        ("150", "stop-loss", "150 (static)"),
        ("2%", "stop-loss", "unreadable '2%' (a relative price needs + or -)"),
        ("150", "trailing-stop", "unreadable '150' (a relative price needs + or -)"),
        ("+x", "stop-loss", "unreadable 'x' (quote)"),
        ("X5", "stop-loss", "unreadable 'X5' (static)"),
        ("", "stop-loss", "unreadable '' (static)"),
    ],
)
def test_the_rest_price_grammar_is_read_back(price: str, kind: str, meaning: str) -> None:
    form_ = RestAddOrder(fields=(("ordertype", kind), ("price", price)))
    assert rest_meaning(form_)["trigger"] == meaning


def test_a_symbol_the_table_lacks_is_named_as_it_is() -> None:
    message = decode(_BARE_WS.replace(b"BTC/USD", b"ZZZ/USD")).unwrap()
    assert ws_meaning(message, TABLE)["pair"] == "ZZZ/USD"


def test_a_client_order_id_is_compared_too() -> None:
    order = msgspec.structs.replace(_RICH, order_userref=None, cl_ord_id="a-1")
    assert ws_meaning(build_add_order(order, ctx()).unwrap(), TABLE)["cl_ord_id"] == "a-1"


def test_a_field_only_one_side_sets_is_named_with_not_set_on_the_other() -> None:
    rest = RestAddOrder(fields=(*((k, v) for k, v in form(_RICH).fields if k != "userref"),
                                ("cl_ord_id", "x")))  # fmt: skip
    assert parity(build_add_order(_RICH, ctx()).unwrap(), rest, TABLE).failure() == (
        "cl_ord_id: WS not set, REST x",
        "userref: WS 7, REST not set",
    )


def test_a_ws_trailing_limit_says_its_offsets_types() -> None:
    message = decode(
        b'{"method":"add_order","params":{"order_type":"trailing-stop-limit","side":"sell",'
        b'"order_qty":1,"symbol":"ZZZ/USD","triggers":{"price":2,"price_type":"pct"},'
        b'"limit_price":-1,"limit_price_type":"pct"}}'
    ).unwrap()
    meaning = ws_meaning(message, TABLE)
    assert (meaning["trigger"], meaning["limit"]) == ("2 (pct)", "-1 (pct)")


def test_an_iceberg_with_a_limit_close_reads_the_same_on_both_sides() -> None:
    message = decode(
        b'{"method":"add_order","params":{"order_type":"iceberg","side":"sell","order_qty":1,'
        b'"symbol":"ZZZ/USD","limit_price":5,"display_qty":0.50,'
        b'"conditional":{"order_type":"limit","limit_price":4}}}'
    ).unwrap()
    form_ = RestAddOrder(
        fields=(("ordertype", "iceberg"), ("type", "sell"), ("volume", "1"), ("pair", "ZZZ/USD"),
                ("price", "5"), ("displayvol", "0.5"), ("close[ordertype]", "limit"),
                ("close[price]", "4"))
    )  # fmt: skip
    expected = {"limit": "5 (static)", "display quantity": "0.5", "close type": "limit",
                "close price": "4 (static)"}  # fmt: skip
    assert {key: ws_meaning(message, TABLE)[key] for key in expected} == expected
    assert {key: rest_meaning(form_)[key] for key in expected} == expected


def test_rest_fields_sent_empty_read_as_unreadable_or_default() -> None:
    form_ = RestAddOrder(fields=(("ordertype", "stop-loss"), ("price", "5"), ("displayvol", "")))
    meaning = rest_meaning(form_)
    assert (meaning["trigger reference"], meaning["display quantity"]) == ("last", "unreadable '?'")


@pytest.fixture
def tokyo(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.mark.usefixtures("tokyo")
def test_a_wire_time_reads_as_utc_whatever_the_hosts_zone() -> None:
    assert ws_meaning(build_add_order(_RICH, ctx()).unwrap(), TABLE)["expiry"] == "1795860000"

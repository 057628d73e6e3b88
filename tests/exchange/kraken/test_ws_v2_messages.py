"""The wire model (ws_v2_messages.py): plain-notation numbers, exact decoding, what won't decode."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from msgspec import UNSET

from momentum.errors import InputInvalid
from momentum.exchange.kraken.instruments import decode_instruments
from momentum.exchange.kraken.ws_v2_messages import (
    AddOrder,
    ConditionalStopLossLimit,
    LimitParams,
    MarketParams,
    StopLossParams,
    decode,
    decode_request,
    encode,
    read_request,
    wire_number,
)
from momentum.exchange.kraken.ws_v2_payloads import build_add_order
from momentum.exchange.kraken.ws_v2_responses import decode_answer
from momentum.models.context import Context
from momentum.models.intent import OrderIntent
from tests.helpers import DEADLINE, D, N, loads
from tests.strategies import _is_result, _succeeds, plausible_contexts, plausible_intents


def _market(qty: Decimal) -> AddOrder:
    return AddOrder(
        params=MarketParams(
            side="sell",
            order_qty=qty,
            symbol="BTC/USD",
            margin=False,
            validate=True,
            deadline=DEADLINE,
        )
    )


@pytest.mark.parametrize(
    ("given", "on_the_wire"),
    [
        ("0.001", "0.001"),
        ("28440", "28440"),
        ("2.844E+4", "28440"),
        ("0.00000001", "0.00000001"),
        ("1E-8", "0.00000001"),
        ("5e-05", "0.00005"),
        ("0.1", "0.1"),
        ("0.0010", "0.0010"),
        ("1E+2", "100"),
        ("123456789012345.123456789012345678", "123456789012345.123456789012345678"),
    ],
)
def test_quantities_go_on_the_wire_in_plain_notation_with_their_digits(
    given: str, on_the_wire: str
) -> None:
    data = encode(_market(wire_number(D(given)))).unwrap()
    assert loads(data)["params"]["order_qty"] == N(on_the_wire)


def test_a_plain_decimal_is_encoded_without_the_hook() -> None:
    assert type(wire_number(D("0.001"))) is Decimal


@pytest.mark.parametrize("bad", ["NaN", "Infinity", "-Infinity", "sNaN"])
def test_a_non_finite_number_is_refused_before_encoding(bad: str) -> None:
    (problem,) = encode(_market(Decimal(bad))).failure()
    assert problem.field == "params.order_qty"
    assert "finite" in problem.accepted


def test_a_nested_non_finite_number_is_refused_with_its_path() -> None:
    message = AddOrder(
        params=LimitParams(
            side="buy",
            order_qty=D("1"),
            symbol="BTC/USD",
            margin=False,
            validate=True,
            deadline=DEADLINE,
            limit_price=D("10"),
            conditional=ConditionalStopLossLimit(trigger_price=D("9"), limit_price=Decimal("NaN")),
        )
    )
    assert [p.field for p in encode(message).failure()] == ["params.conditional.limit_price"]


def test_decoding_keeps_exact_decimals() -> None:
    message = decode(
        b'{"method":"add_order","params":{"order_type":"market","side":"buy","order_qty":0.1,'
        b'"symbol":"BTC/USD","margin":false,"validate":true,"deadline":"x"}}'
    ).unwrap()
    assert message.params.order_qty == Decimal("0.1")
    assert str(message.params.order_qty) == "0.1"


_VALID = (
    '{"method":"add_order","params":{"order_type":"%s","side":"buy","order_qty":1,'
    '"symbol":"BTC/USD","margin":%s,"validate":true,"deadline":"x"%s}}'
)


def test_a_valid_market_message_decodes() -> None:
    assert isinstance(decode(_VALID % ("market", "false", "")).unwrap().params, MarketParams)


@pytest.mark.parametrize(
    ("order_type", "margin", "extra", "path"),
    [
        ("market", "false", ',"limit_price":1', "$.params"),
        ("market", "true", "", "$.params.margin"),
        ("market", "false", ',"reduce_only":true', "$.params.reduce_only"),
        ("market", "false", ',"no_mpp":true', "$.params"),
        ("market", "false", ',"stop_price":1', "$.params"),
        ("limit", "false", "", "$.params"),  # limit_price is required on a limit order
        ("stop-loss", "false", "", "$.params"),  # triggers are required on a stop
        ("settle-position", "false", "", "$.params.order_type"),  # margin only: not modelled
        ("market", "false", ',"triggers":{"price":1}', "$.params"),
    ],
)
def test_a_message_the_types_forbid_does_not_decode(
    order_type: str, margin: str, extra: str, path: str
) -> None:
    problems = decode(_VALID % (order_type, margin, extra)).failure()
    assert any(f"- at `{path}`" in problem.given for problem in problems)


def test_fields_kraken_documents_as_optional_decode_when_absent() -> None:
    data = (
        b'{"method":"add_order","params":{"order_type":"stop-loss","side":"sell","order_qty":1,'
        b'"symbol":"BTC/USD","triggers":{"price":-2}}}'
    )
    params = decode(data).unwrap().params
    assert (params.margin, params.validate, params.deadline) == (UNSET, UNSET, UNSET)
    assert isinstance(params, StopLossParams)
    assert (params.triggers.reference, params.triggers.price_type) == (UNSET, UNSET)


def test_broken_json_is_a_problem_not_an_exception() -> None:
    assert [p.accepted for p in decode(b"{not json").failure()] == ["valid JSON"]


def test_the_word_nan_in_a_string_is_not_mistaken_for_a_number() -> None:
    message = AddOrder(
        params=MarketParams(
            side="sell",
            order_qty=D("1"),
            symbol="BTC/USD",
            margin=False,
            validate=True,
            deadline=DEADLINE,
            cl_ord_id="NaN-Infinity",
        )
    )
    assert b'"cl_ord_id":"NaN-Infinity"' in encode(message).unwrap()


# --- laws --------------------------------------------------------------------------------


@given(plausible_intents, plausible_contexts)
def test_encoding_then_decoding_gives_an_equal_message(order: OrderIntent, ctx: Context) -> None:
    """Encoding then decoding gives an equal message."""
    message = _succeeds(build_add_order(order, ctx))
    assert decode(encode(message).unwrap()).unwrap() == message


@given(st.binary(max_size=400))
def test_every_decoder_returns_a_result_for_any_bytes(data: bytes) -> None:
    """The core returns a Result for every input; it never raises."""
    assert _is_result(decode_answer(data))
    assert _is_result(decode_instruments(data))
    assert _is_result(decode_request(data))


# --- reading a request: every problem of its form, word for word -------------------------------

_LIMIT = (
    '{"method":"add_order","params":{"order_type":"limit","side":"buy","order_qty":1,'
    '"symbol":"BTC/USD","limit_price":28440.123456789012345678%s}}'
)


def _form(given: str) -> InputInvalid:
    return InputInvalid(field="message", given=given, accepted="a request message")


@pytest.mark.parametrize("key", ["a - at `b", "x - at `$.params.side", "a.b", "a b"])
def test_an_unknown_key_of_any_spelling_is_one_problem_and_the_rest_is_still_read(key: str) -> None:
    request, problems = read_request(_LIMIT % f',"{key}":1')
    assert problems == (_form(f"Object contains unknown field `{key}` - at `$.params`"),)
    assert request == decode(_LIMIT % "").unwrap()

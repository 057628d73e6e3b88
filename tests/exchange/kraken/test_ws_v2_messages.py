"""The wire model (ws_v2_messages.py): plain-notation numbers, exact decoding, what won't decode."""

from decimal import Decimal

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st
from msgspec import UNSET

from momentum.errors import InputInvalid
from momentum.exchange.kraken import ws_v2_messages
from momentum.exchange.kraken.instruments import decode_instruments
from momentum.exchange.kraken.ws_v2_messages import (
    AddOrder,
    BatchAdd,
    BatchAddParams,
    BatchLimit,
    BatchOrder,
    CancelOrder,
    CancelOrderParams,
    ConditionalStopLossLimit,
    LimitParams,
    MarketParams,
    StopLossParams,
    decode,
    decode_request,
    encode,
    read_encoded,
    read_request,
    splice_token,
    wire_number,
    with_token,
)
from momentum.exchange.kraken.ws_v2_payloads import build_add_order
from momentum.exchange.kraken.ws_v2_responses import decode_answer
from momentum.models.context import Context
from momentum.models.intent import OrderIntent
from momentum.models.secret import Secret
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


@pytest.mark.parametrize(
    ("given", "plain"), [("0.001", "0.001"), ("2.844E+4", "28440"), ("1E+2", "100")]
)
def test_a_decimal_that_writes_itself_plainly_is_encoded_without_the_hook(
    given: str, plain: str
) -> None:
    number = wire_number(D(given))
    assert (type(number), str(number)) == (Decimal, plain)


@pytest.mark.parametrize("given", ["1E-8", "0.00000001"])
def test_a_decimal_that_str_writes_with_an_exponent_goes_through_the_hook(given: str) -> None:
    number = wire_number(D(given))
    assert type(number) is not Decimal
    assert number == D(given)


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


def test_json_that_is_not_json_is_refused_with_the_decoders_words() -> None:
    assert read_request(b"{not json") == (
        None,
        (
            InputInvalid(
                field="message",
                given="JSON is malformed: object keys must be strings (byte 1)",
                accepted="valid JSON",
            ),
        ),
    )


def test_json_the_standard_library_cannot_read_back_is_refused_without_a_guess() -> None:
    huge = _LIMIT.replace('"order_qty":1', '"order_qty":1,"order_userref":' + "1" * 5000)
    assert read_request(huge) == (
        None,
        (InputInvalid(field="message", given="?", accepted="valid JSON"),),
    )


def test_a_key_twice_and_an_unknown_key_are_both_reported_and_the_digits_kept() -> None:
    request, problems = read_request(_LIMIT % ',"colour":1,"colour":2')
    assert problems == (
        InputInvalid(
            field="message",
            given="the key 'colour' twice at $.params",
            accepted="each key once (RFC 8259: parsers differ on which counts)",
        ),
        _form("Object contains unknown field `colour` - at `$.params`"),
    )
    assert isinstance(request, AddOrder)
    assert isinstance(request.params, LimitParams)
    assert str(request.params.limit_price) == "28440.123456789012345678"


def test_only_the_keys_that_came_twice_are_named_once_each_in_order() -> None:
    data = _LIMIT % ',"b":1,"a":1,"b":2,"a":2,"b":3'
    givens = [problem.given for problem in read_request(data)[1]]
    assert givens[:2] == ["the key 'b' twice at $.params", "the key 'a' twice at $.params"]


def test_a_mistyped_required_key_is_one_problem_not_two() -> None:
    assert read_request(_LIMIT % ',"side":5') == (
        None,
        (
            InputInvalid(
                field="message",
                given="the key 'side' twice at $.params",
                accepted="each key once (RFC 8259: parsers differ on which counts)",
            ),
            _form("Expected `str`, got `int` - at `$.params.side`"),
        ),
    )


def test_a_missing_required_key_is_one_problem_and_reading_stops() -> None:
    data = _LIMIT.replace('"side":"buy",', "") % ',"colour":1'
    assert read_request(data) == (
        None,
        (
            _form("Object contains unknown field `colour` - at `$.params`"),
            _form("Object missing required field `side` - at `$.params`"),
        ),
    )


def test_a_missing_required_key_deep_in_the_message_stops_reading_there() -> None:
    # a stop-loss close without its trigger price: reading on without the `conditional` would
    # give a plain limit order, which the message does not ask for
    data = _LIMIT % ',"conditional":{"order_type":"stop-loss"}'
    assert read_request(data) == (
        None,
        (_form("Object missing required field `trigger_price` - at `$.params.conditional`"),),
    )


def test_a_message_that_is_not_an_object_is_one_problem() -> None:
    assert read_request(b"[1]") == (None, (_form("Expected `object`, got `array`"),))


_BATCH = (
    '{"method":"batch_add","params":{"symbol":"BTC/USD","orders":[%s,'
    '{"order_type":"limit","side":"buy","order_qty":1,"limit_price":1%s}]}}'
)
_ORDER = '{"order_type":"limit","side":"buy","order_qty":1,"limit_price":1}'


def test_problems_inside_a_batchs_orders_are_each_named_and_the_rest_read() -> None:
    request, problems = read_request(_BATCH % (_ORDER, ',"x":1,"display_qty":"a"'))
    assert problems == (
        _form("Object contains unknown field `x` - at `$.params.orders[1]`"),
        _form("Object contains unknown field `display_qty` - at `$.params.orders[1]`"),
    )
    assert request == decode_request(_BATCH % (_ORDER, "")).unwrap()


def test_a_mistyped_optional_key_deep_in_a_batch_is_one_problem_and_the_rest_read() -> None:
    request, problems = read_request(_BATCH % (_ORDER, ',"post_only":"yes"'))
    assert problems == (_form("Expected `bool`, got `str` - at `$.params.orders[1].post_only`"),)
    assert request == decode_request(_BATCH % (_ORDER, "")).unwrap()


def test_an_order_that_is_not_an_object_is_one_problem_and_reading_stops() -> None:
    assert read_request(_BATCH % ("1", "")) == (
        None,
        (_form("Expected `object`, got `int` - at `$.params.orders[0]`"),),
    )


def test_reading_on_stops_after_64_problems() -> None:
    extra = "".join(f',"k{number}":1' for number in range(70))
    request, problems = read_request(_LIMIT % extra)
    assert request is None
    assert [problem.given for problem in problems] == [
        f"Object contains unknown field `k{number}` - at `$.params`" for number in range(64)
    ]


def test_another_request_is_not_an_add_order() -> None:
    assert decode(b'{"method":"cancel_order","params":{"order_id":["A"]}}').failure() == (
        InputInvalid(
            field="message", given="a cancel_order message", accepted="an add_order message"
        ),
    )


# --- numbers and the token on the way out --------------------------------------------------


def test_a_non_finite_number_is_refused_showing_it() -> None:
    assert encode(_market(Decimal("-Infinity"))).failure() == (
        InputInvalid(field="params.order_qty", given="'-Infinity'", accepted="a finite number"),
    )


def test_a_non_finite_number_in_a_batchs_order_is_named_by_its_index() -> None:
    orders: list[BatchOrder] = [
        BatchLimit(side="buy", order_qty=D("1"), margin=False, limit_price=D(price))
        for price in ("1", "NaN")
    ]
    batch = BatchAdd(params=BatchAddParams(symbol="BTC/USD", orders=orders))
    assert [p.field for p in encode(batch).failure()] == ["params.orders[1].limit_price"]


class _Opaque:
    def __repr__(self) -> str:
        return "<opaque>"


def _market_with(**params: object) -> AddOrder:
    """A market add whose params were replaced without a type checker's say."""
    market = _market(D("1"))
    return msgspec.structs.replace(market, params=msgspec.structs.replace(market.params, **params))


def test_a_value_of_no_declared_type_is_refused_with_its_path_not_raised() -> None:
    """A Struct built without a type checker: the encoder cannot write the value, and the
    refusal names where it is instead of letting msgspec's exception out of the core."""
    assert encode(_market_with(order_qty=_Opaque())).failure() == (
        InputInvalid(
            field="params.order_qty",
            given="'<opaque>' (_Opaque)",
            accepted="a value of the type the message declares",
        ),
    )
    good = BatchLimit(side="buy", order_qty=D("1"), margin=False, limit_price=D("1"))
    orders: list[BatchOrder] = [good, msgspec.structs.replace(good, limit_price=_Opaque())]
    batch = BatchAdd(params=BatchAddParams(symbol="BTC/USD", orders=orders))
    assert [p.field for p in encode(batch).failure()] == ["params.orders[1].limit_price"]


def test_text_utf8_cannot_carry_is_refused_with_its_path_not_raised() -> None:
    """A lone surrogate (what a JSON `\\ud800` escape decodes to) cannot be written as UTF-8."""
    assert encode(_market_with(cl_ord_id="a\ud800")).failure() == (
        InputInvalid(
            field="params.cl_ord_id",
            given="'a\\ud800'",
            accepted="text UTF-8 can carry (no lone surrogate)",
        ),
    )


def test_when_no_value_is_found_to_blame_the_refusal_gives_the_encoders_words(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The walk that names the culprit is a courtesy: if it finds none, the message is still
    refused, never passed and never an empty refusal."""
    monkeypatch.setattr(ws_v2_messages, "_unwritten", lambda path, value: None)
    assert encode(_market_with(order_qty=_Opaque())).failure() == (
        InputInvalid(
            field="message",
            given="NotImplementedError()",
            accepted="a value of the type the message declares",
        ),
    )


def test_what_encode_wrote_reads_back_as_the_same_request_and_nothing_else_does() -> None:
    message = _market(D("0.00005"))
    assert read_encoded(encode(message).unwrap()) == message
    assert read_encoded(b'{"method":"add_order","params":{"order_qty":"x"}}') is None
    assert read_encoded(b"not json") is None


_CANCEL = CancelOrder(params=CancelOrderParams(order_id=["A"]))


@pytest.mark.parametrize("token", ["G38a1t", Secret("G38a1t")])
def test_the_token_goes_first_in_params_given_as_text_or_secret(token: str | Secret) -> None:
    assert with_token(_CANCEL, token).unwrap() == (
        b'{"method":"cancel_order","params":{"token":"G38a1t","order_id":["A"]}}'
    )


def test_a_token_the_message_carries_is_replaced_or_dropped() -> None:
    carrying = CancelOrder(params=CancelOrderParams(order_id=["A"], token="old"))
    assert with_token(carrying, "new").unwrap() == (
        b'{"method":"cancel_order","params":{"token":"new","order_id":["A"]}}'
    )
    assert with_token(carrying, None).unwrap() == (
        b'{"method":"cancel_order","params":{"order_id":["A"]}}'
    )


def test_a_token_spliced_into_empty_params_leaves_valid_json() -> None:
    empty = CancelOrder(params=CancelOrderParams())
    assert with_token(empty, "t").unwrap() == b'{"method":"cancel_order","params":{"token":"t"}}'
    assert splice_token(b'{"method":"x","params":{}}', Secret("t")) == (
        b'{"method":"x","params":{"token":"t"}}'
    )


def test_params_that_are_not_an_object_are_one_problem() -> None:
    assert read_request(b'{"method":"add_order","params":5}') == (
        None,
        (_form("Expected `object`, got `int` - at `$.params`"),),
    )

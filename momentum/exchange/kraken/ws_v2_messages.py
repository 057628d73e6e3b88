"""Kraken Spot WebSocket v2 `add_order` request, as frozen msgspec Structs that mirror the wire.

Source: docs.kraken.com/api/docs/websocket-v2/add_order.

Field names and literal values are Kraken's, verbatim. `params` is a tagged union on
`order_type`, one Struct per order type holding only the fields that type takes, so a
`limit_price` on a `market` order is refused by the type checker and by the decoder.

Spelling traps, listed once:

==================================  ===========================================================
WS v2 `add_order`                   elsewhere
==================================  ===========================================================
`order_userref`                     REST `userref`
`conditional` (OTO close template)  REST `close[ordertype]`, `close[price]`, `close[price2]`
`triggers` object on add            flat `trigger_price` / `trigger_price_type` on `amend_order`
`stp_type` `cancel_newest` (_)      REST `stptype` `cancel-newest` (-)
`symbol` `BTC/USD`                  REST `pair` `XBTUSD`; WS v1 `XBT/USD` (refused by v2)
`time_in_force` `gtc` (lower)       REST `timeinforce` `GTC` (upper)
==================================  ===========================================================

Never modelled, so never emitted: the deprecated `no_mpp`, `stop_price` and top-level `trigger`
(the exchange answers them with deprecation warnings), `leverage` (WS v2 rejects it), and
`settle-position` (margin only; this library is spot only). `margin` is typed `Literal[False]`
and `reduce_only` `Literal[False]`: spot only is a type, not a convention.

Numbers are `Decimal` and go on the wire as JSON numbers in plain notation with exactly the
digits given: `encode` writes `0.00000001`, where `str(Decimal)` would write `1E-8`.

>>> message = AddOrder(params=MarketParams(side="sell", order_qty=wire_number(Decimal("0.00000001")),
...     symbol="BTC/USD", margin=False, validate=True, deadline="2026-11-28T09:00:05.123Z"))
>>> encode(message).unwrap()
b'{"method":"add_order","params":{"order_type":"market","side":"sell","order_qty":0.00000001,"margin":false,"symbol":"BTC/USD","validate":true,"deadline":"2026-11-28T09:00:05.123Z"}}'
>>> decode(encode(message).unwrap()).unwrap() == message
True
"""

import re
from collections.abc import Iterator
from decimal import Decimal
from functools import cache
from typing import Final, Literal

import msgspec
from msgspec import UNSET, UnsetType
from returns.result import Failure, Result, Success

from momentum.errors import InputInvalid, show
from momentum.models.intent import (
    FeePreference,
    PriceType,
    Reference,
    Side,
    StpType,
    TimeInForce,
)
from momentum.models.secret import Secret

__all__ = [
    "AddOrder",
    "AddOrderParams",
    "AmendOrder",
    "AmendOrderParams",
    "BatchAdd",
    "BatchAddParams",
    "BatchIceberg",
    "BatchLimit",
    "BatchMarket",
    "BatchOrder",
    "BatchStopLoss",
    "BatchStopLossLimit",
    "BatchTakeProfit",
    "BatchTakeProfitLimit",
    "BatchTrailingStop",
    "BatchTrailingStopLimit",
    "CancelOrder",
    "CancelOrderParams",
    "Conditional",
    "ConditionalLimit",
    "ConditionalStopLoss",
    "ConditionalStopLossLimit",
    "ConditionalTakeProfit",
    "ConditionalTakeProfitLimit",
    "ConditionalTrailingStop",
    "ConditionalTrailingStopLimit",
    "FeePreference",
    "IcebergParams",
    "LimitParams",
    "MarketParams",
    "Request",
    "StopLossLimitParams",
    "StopLossParams",
    "TakeProfitLimitParams",
    "TakeProfitParams",
    "TrailingStopLimitParams",
    "TrailingStopParams",
    "Triggers",
    "decode",
    "decode_request",
    "encode",
    "numbers",
    "read_encoded",
    "read_request",
    "splice_token",
    "wire_number",
    "with_token",
]


class _Wire(
    msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True, omit_defaults=True
):
    """Base of every wire Struct.

    * `frozen`: a built message cannot be changed on its way to the socket.
    * `kw_only`: fields are named at every construction, as on the wire.
    * `forbid_unknown_fields`: decoding a misspelt or foreign key fails and names its path.
    * `omit_defaults`: an optional field left at its default is absent from the JSON.

    A field Kraken documents as optional but that momentum always sends (`margin`, `validate`,
    `deadline`, a trigger's `reference` and `price_type`, a trailing limit's `limit_price_type`)
    defaults to `UNSET`: absent on the wire means Kraken's own default, so a message written
    elsewhere decodes as the exchange reads it, while every builder sets the field, so it always
    shows in what momentum emits (the golden tests hold that).

    Subclasses restate `frozen=True, kw_only=True`: mypy rejects a non-frozen subclass of a frozen
    Struct, and `kw_only` does not carry over to a subclass's own fields.
    """


class Triggers(_Wire, frozen=True, kw_only=True):
    """`add_order` `triggers` object (docs.kraken.com/api/docs/websocket-v2/add_order).

    Absent, `reference` is `last` and `price_type` is `static` (Kraken's defaults); the builders
    always send both.
    """

    reference: Reference | UnsetType = UNSET
    price: Decimal
    price_type: PriceType | UnsetType = UNSET


# --- conditional (OTO close template): tagged on its own order_type --------------------------


class _Conditional(_Wire, frozen=True, kw_only=True, tag_field="order_type"):
    """`add_order` `conditional` object (docs.kraken.com/api/docs/websocket-v2/add_order)."""


class ConditionalLimit(_Conditional, frozen=True, kw_only=True, tag="limit"):
    """`conditional` for `order_type=limit`."""

    limit_price: Decimal


class ConditionalStopLoss(_Conditional, frozen=True, kw_only=True, tag="stop-loss"):
    """`conditional` for `order_type=stop-loss`; a relative trigger carries `trigger_price_type`."""

    trigger_price: Decimal
    trigger_price_type: PriceType | None = None  # absent: static


class ConditionalTakeProfit(_Conditional, frozen=True, kw_only=True, tag="take-profit"):
    """`conditional` for `order_type=take-profit`."""

    trigger_price: Decimal
    trigger_price_type: PriceType | None = None


class ConditionalStopLossLimit(_Conditional, frozen=True, kw_only=True, tag="stop-loss-limit"):
    """`conditional` for `order_type=stop-loss-limit`."""

    trigger_price: Decimal
    limit_price: Decimal
    trigger_price_type: PriceType | None = None


class ConditionalTakeProfitLimit(_Conditional, frozen=True, kw_only=True, tag="take-profit-limit"):
    """`conditional` for `order_type=take-profit-limit`."""

    trigger_price: Decimal
    limit_price: Decimal
    trigger_price_type: PriceType | None = None


class ConditionalTrailingStop(_Conditional, frozen=True, kw_only=True, tag="trailing-stop"):
    """`conditional` for `order_type=trailing-stop`: a positive offset, `pct` or `quote`."""

    trigger_price: Decimal
    trigger_price_type: PriceType


class ConditionalTrailingStopLimit(
    _Conditional, frozen=True, kw_only=True, tag="trailing-stop-limit"
):
    """`conditional` for `order_type=trailing-stop-limit`: trigger and limit are both offsets."""

    trigger_price: Decimal
    trigger_price_type: PriceType
    limit_price: Decimal
    limit_price_type: PriceType | UnsetType = UNSET  # absent: quote


Conditional = (
    ConditionalLimit
    | ConditionalStopLoss
    | ConditionalTakeProfit
    | ConditionalStopLossLimit
    | ConditionalTakeProfitLimit
    | ConditionalTrailingStop
    | ConditionalTrailingStopLimit
)


# --- params: tagged on order_type ------------------------------------------------------------


class _OrderFields(_Wire, frozen=True, kw_only=True, tag_field="order_type"):
    """The fields of one order, shared by `add_order` params and a `batch_add` order."""

    side: Side
    order_qty: Decimal
    margin: Literal[False] | UnsetType = UNSET  # absent: false (spot)
    time_in_force: TimeInForce | None = None
    expire_time: str | None = None  # RFC3339 UTC, seconds; with `gtd` only
    effective_time: str | None = None
    stp_type: StpType | None = None
    cl_ord_id: str | None = None
    order_userref: int | None = None
    fee_preference: FeePreference | None = None
    reduce_only: Literal[False] = False
    sender_sub_id: str | None = None
    conditional: Conditional | None = None


class _Params(_OrderFields, frozen=True, kw_only=True):
    """`add_order` params shared by every spot order type.

    `token` is left `None` by every builder: a sender adds it at send time, so no message that
    momentum prints carries one.
    """

    symbol: str
    validate: bool | UnsetType = UNSET  # absent: false, a live order
    deadline: str | UnsetType = UNSET  # RFC3339 UTC with milliseconds; absent: 5 s from receipt
    token: str | None = None


class LimitParams(_Params, frozen=True, kw_only=True, tag="limit"):
    """`add_order` params for `order_type=limit` (docs.kraken.com/api/docs/websocket-v2/add_order)."""

    limit_price: Decimal
    post_only: bool = False


class MarketParams(_Params, frozen=True, kw_only=True, tag="market"):
    """`add_order` params for `order_type=market`; `cash_order_qty` is for buys without margin."""

    cash_order_qty: Decimal | None = None


class StopLossParams(_Params, frozen=True, kw_only=True, tag="stop-loss"):
    """`add_order` params for `order_type=stop-loss`."""

    triggers: Triggers


class TakeProfitParams(_Params, frozen=True, kw_only=True, tag="take-profit"):
    """`add_order` params for `order_type=take-profit`."""

    triggers: Triggers


class StopLossLimitParams(_Params, frozen=True, kw_only=True, tag="stop-loss-limit"):
    """`add_order` params for `order_type=stop-loss-limit`."""

    triggers: Triggers
    limit_price: Decimal


class TakeProfitLimitParams(_Params, frozen=True, kw_only=True, tag="take-profit-limit"):
    """`add_order` params for `order_type=take-profit-limit`."""

    triggers: Triggers
    limit_price: Decimal


class IcebergParams(_Params, frozen=True, kw_only=True, tag="iceberg"):
    """`add_order` params for `order_type=iceberg`; `display_qty` is at least 1/15 of the order."""

    limit_price: Decimal
    display_qty: Decimal


class TrailingStopParams(_Params, frozen=True, kw_only=True, tag="trailing-stop"):
    """`add_order` params for `order_type=trailing-stop`."""

    triggers: Triggers


class TrailingStopLimitParams(_Params, frozen=True, kw_only=True, tag="trailing-stop-limit"):
    """`add_order` params for `order_type=trailing-stop-limit`: `limit_price` is an offset from the
    trigger price, read with `limit_price_type` (always sent)."""

    triggers: Triggers
    limit_price: Decimal
    limit_price_type: PriceType | UnsetType = UNSET  # absent: quote


AddOrderParams = (
    LimitParams
    | MarketParams
    | StopLossParams
    | TakeProfitParams
    | StopLossLimitParams
    | TakeProfitLimitParams
    | IcebergParams
    | TrailingStopParams
    | TrailingStopLimitParams
)


class AddOrder(_Wire, frozen=True, kw_only=True, tag_field="method", tag="add_order"):
    """`add_order` request envelope (docs.kraken.com/api/docs/websocket-v2/add_order).

    `method` is the msgspec tag, so it is always written and checked on decode.
    """

    params: AddOrderParams
    req_id: int | None = None


# --- batch_add: the same orders without symbol, validate, deadline and token -----------------------


class BatchLimit(_OrderFields, frozen=True, kw_only=True, tag="limit"):
    """A `batch_add` order of type `limit` (docs.kraken.com/api/docs/websocket-v2/batch_add)."""

    limit_price: Decimal
    post_only: bool = False


class BatchMarket(_OrderFields, frozen=True, kw_only=True, tag="market"):
    """A `batch_add` order of type `market`."""

    cash_order_qty: Decimal | None = None


class BatchStopLoss(_OrderFields, frozen=True, kw_only=True, tag="stop-loss"):
    """A `batch_add` order of type `stop-loss`."""

    triggers: Triggers


class BatchTakeProfit(_OrderFields, frozen=True, kw_only=True, tag="take-profit"):
    """A `batch_add` order of type `take-profit`."""

    triggers: Triggers


class BatchStopLossLimit(_OrderFields, frozen=True, kw_only=True, tag="stop-loss-limit"):
    """A `batch_add` order of type `stop-loss-limit`."""

    triggers: Triggers
    limit_price: Decimal


class BatchTakeProfitLimit(_OrderFields, frozen=True, kw_only=True, tag="take-profit-limit"):
    """A `batch_add` order of type `take-profit-limit`."""

    triggers: Triggers
    limit_price: Decimal


class BatchIceberg(_OrderFields, frozen=True, kw_only=True, tag="iceberg"):
    """A `batch_add` order of type `iceberg`."""

    limit_price: Decimal
    display_qty: Decimal


class BatchTrailingStop(_OrderFields, frozen=True, kw_only=True, tag="trailing-stop"):
    """A `batch_add` order of type `trailing-stop`."""

    triggers: Triggers


class BatchTrailingStopLimit(_OrderFields, frozen=True, kw_only=True, tag="trailing-stop-limit"):
    """A `batch_add` order of type `trailing-stop-limit`."""

    triggers: Triggers
    limit_price: Decimal
    limit_price_type: PriceType | UnsetType = UNSET  # absent: quote


BatchOrder = (
    BatchLimit
    | BatchMarket
    | BatchStopLoss
    | BatchTakeProfit
    | BatchStopLossLimit
    | BatchTakeProfitLimit
    | BatchIceberg
    | BatchTrailingStop
    | BatchTrailingStopLimit
)


class BatchAddParams(_Wire, frozen=True, kw_only=True):
    """`batch_add` params: one symbol, 2 to 15 orders, and `deadline`/`validate` for the batch."""

    symbol: str
    orders: list[BatchOrder]
    validate: bool | UnsetType = UNSET  # absent: false, live orders
    deadline: str | UnsetType = UNSET
    token: str | None = None


class BatchAdd(_Wire, frozen=True, kw_only=True, tag_field="method", tag="batch_add"):
    """`batch_add` request envelope (docs.kraken.com/api/docs/websocket-v2/batch_add)."""

    params: BatchAddParams
    req_id: int | None = None


# --- amend_order and cancel_order ---------------------------------------------------------------


class AmendOrderParams(_Wire, frozen=True, kw_only=True):
    """`amend_order` params (docs.kraken.com/api/docs/websocket-v2/amend_order).

    Exactly one of `order_id`/`cl_ord_id`. The trigger is flat (`trigger_price`), not a `triggers`
    object as on add. There is no `validate`: an amend always changes a live order.
    """

    order_id: str | None = None
    cl_ord_id: str | None = None
    order_qty: Decimal
    display_qty: Decimal | None = None
    limit_price: Decimal | None = None
    limit_price_type: PriceType | None = None
    post_only: bool = False
    trigger_price: Decimal | None = None
    trigger_price_type: PriceType | None = None
    deadline: str | UnsetType = UNSET
    symbol: str | None = None  # Kraken documents it for xstocks; momentum never sends it
    token: str | None = None


class AmendOrder(_Wire, frozen=True, kw_only=True, tag_field="method", tag="amend_order"):
    """`amend_order` request envelope."""

    params: AmendOrderParams
    req_id: int | None = None


class CancelOrderParams(_Wire, frozen=True, kw_only=True):
    """`cancel_order` params (docs.kraken.com/api/docs/websocket-v2/cancel_order): lists of ids."""

    order_id: list[str] | None = None
    cl_ord_id: list[str] | None = None
    order_userref: list[int] | None = None
    token: str | None = None


class CancelOrder(_Wire, frozen=True, kw_only=True, tag_field="method", tag="cancel_order"):
    """`cancel_order` request envelope."""

    params: CancelOrderParams
    req_id: int | None = None


Request = AddOrder | BatchAdd | AmendOrder | CancelOrder
"""Every request momentum builds, told apart by `method`."""


# --- numbers and JSON --------------------------------------------------------------------------


class _PlainDecimal(Decimal):
    """A `Decimal` whose JSON form is its plain notation (msgspec hands subclasses to enc_hook)."""

    __slots__ = ()


def wire_number(value: Decimal) -> Decimal:
    """The same value, arranged so that `encode` writes it in plain notation with its digits.

    >>> wire_number(Decimal("2.844E+4"))
    Decimal('28440')
    """
    if "E" not in str(value):  # str() already writes plain notation: msgspec writes it as is
        return value
    text = format(value, "f")
    plain = Decimal(text)
    return plain if str(plain) == text else _PlainDecimal(text)


def _enc_hook(value: object) -> msgspec.Raw:
    if isinstance(value, Decimal):
        return msgspec.Raw(format(value, "f").encode())
    raise NotImplementedError  # `encode` turns this into a refusal naming the value's path


_ENCODER: Final = msgspec.json.Encoder(decimal_format="number", enc_hook=_enc_hook)


@cache
def _request_decoder() -> msgspec.json.Decoder[Request]:
    """Built on first use: a decoder of every request type costs ~15 M instructions, which a
    tool that only encodes (the probe) should not pay at start-up."""
    return msgspec.json.Decoder(Request)


def numbers(message: msgspec.Struct, path: str = "") -> Iterator[tuple[str, Decimal]]:
    """Every `Decimal` in a message with its JSON path (`params.conditional.trigger_price`)."""
    for name in message.__struct_fields__:
        value = getattr(message, name)
        if isinstance(value, Decimal):
            yield f"{path}{name}", value
        elif isinstance(value, msgspec.Struct):
            yield from numbers(value, f"{path}{name}.")
        elif isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, msgspec.Struct):
                    yield from numbers(item, f"{path}{name}[{index}].")


def encode(message: Request) -> Result[bytes, tuple[InputInvalid, ...]]:
    """JSON bytes of a message; refuses a non-finite number, which JSON cannot carry.

    `decimal_format="number"` writes `NaN`/`Infinity` raw (invalid JSON): bytes holding either word
    have their numbers checked one by one, and a non-finite one is refused with its path.
    """
    try:
        data = _ENCODER.encode(message)
    except (
        NotImplementedError,
        TypeError,
        ValueError,
        OverflowError,
        msgspec.EncodeError,
    ) as error:
        # a Struct built with a value of no declared type (a caller without a type checker)
        return Failure(_unwritable(message, error))
    if b"NaN" not in data and b"Infinity" not in data:
        return Success(data)  # a non-finite Decimal is always written as one of these words
    # a string may hold the word too: look at the numbers
    found = tuple(
        InputInvalid(field=path, given=show(value), accepted="a finite number")
        for path, value in numbers(message)
        if not value.is_finite()
    )
    return Failure(found) if found else Success(data)


def _unwritable(message: msgspec.Struct, error: Exception) -> tuple[InputInvalid, ...]:
    """What the encoder could not write, by path: a value of no type a message declares, or text
    UTF-8 cannot carry (a lone surrogate, which a JSON `\\ud800` escape decodes to)."""
    found = tuple(
        problem for path, value in _leaves(message) if (problem := _unwritten(path, value))
    )
    # none found: the encoder's own words, so the refusal never comes back empty
    return found or (InputInvalid(field="message", given=repr(error), accepted=_DECLARED),)


def _unwritten(path: str, value: object) -> InputInvalid | None:
    if isinstance(value, str):
        try:
            value.encode()
        except UnicodeEncodeError:
            return InputInvalid(field=path, given=show(value),
                                accepted="text UTF-8 can carry (no lone surrogate)")  # fmt: skip
        return None
    if isinstance(value, int | float | Decimal | UnsetType | None):
        return None
    return InputInvalid(
        field=path,
        given=f"{show(value)} ({type(value).__name__})",
        accepted=_DECLARED,
    )


_DECLARED: Final = "a value of the type the message declares"


def _leaves(value: object, path: str = "") -> Iterator[tuple[str, object]]:
    if isinstance(value, msgspec.Struct):
        for name in value.__struct_fields__:
            yield from _leaves(getattr(value, name), f"{path}{name}.")
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _leaves(item, f"{path[:-1]}[{index}].")
    else:
        yield path[:-1], value


_PARAMS: Final = b'"params":{'


def with_token(
    message: Request, token: str | Secret | None
) -> Result[bytes, tuple[InputInvalid, ...]]:
    """The bytes to send: the message with the session token as `params.token`, spliced into the
    encoded bytes, so no number is written a second time by anything but this encoder.

    Never add a token by `json.loads`, insert, `json.dumps`: the standard library turns the
    Decimal text `0.00005` into the float `5e-05`. A token the message already carries is
    replaced; `None` sends the message as it is (without one).

    >>> message = CancelOrder(params=CancelOrderParams(order_id=["OUF4EM-FRGI2-MQMWZD"]))
    >>> with_token(message, "G38a1t").unwrap()
    b'{"method":"cancel_order","params":{"token":"G38a1t","order_id":["OUF4EM-FRGI2-MQMWZD"]}}'
    """
    if message.params.token is not None:
        message = msgspec.structs.replace(
            message, params=msgspec.structs.replace(message.params, token=None)
        )
    if token is None:
        return encode(message)
    secret = token if isinstance(token, Secret) else Secret(token)
    return encode(message).map(lambda data: splice_token(data, secret))


def splice_token(data: bytes, token: Secret) -> bytes:
    """Encoded request bytes with `"token":...` as the first field of `params` (the encoders
    write `method`, then `params`, first)."""
    field = b'"token":' + msgspec.json.encode(token.reveal())
    at = data.index(_PARAMS) + len(_PARAMS)
    return data[:at] + field + (b"" if data[at : at + 1] == b"}" else b",") + data[at:]


def read_encoded(data: bytes) -> Request | None:
    """Bytes `encode` wrote, read back with their types, or None when they are not a request of
    the declared types (a Struct built with wrong ones). No duplicate-key scan: an encoder writes
    no key twice. A sender reads its own encoding back this way, so what it checks is what goes
    out; text from elsewhere goes through `read_request`.

    >>> read_encoded(b'{"method":"cancel_order","params":{"order_id":["A"]}}').params.order_id
    ['A']
    >>> read_encoded(b'{"method":"cancel_order","params":{"order_id":"A"}}') is None
    True
    """
    try:
        return _request_decoder().decode(data)
    except msgspec.DecodeError:  # a ValidationError too
        return None


def decode_request(data: bytes | str) -> Result[Request, tuple[InputInvalid, ...]]:
    """Decode any request momentum models (`add_order`, `batch_add`, `amend_order`,
    `cancel_order`) strictly, with every problem of its form: each unknown key, wrong type and
    duplicate key, named with its JSON path.

    >>> [p.given for p in decode_request(b'{"method":"cancel_order","params":{"order_id":["A"],'
    ...     b'"order_id":["B"],"colour":1}}').failure()]
    ["the key 'order_id' twice at $.params", 'Object contains unknown field `colour` - at `$.params`']
    """
    request, problems = read_request(data)
    if problems or request is None:
        return Failure(problems)
    return Success(request)


def read_request(data: bytes | str) -> tuple[Request | None, tuple[InputInvalid, ...]]:
    """The request as far as it can be read, and every problem of its form.

    msgspec stops at the first problem; to report them all, the message is read again without
    each key found unknown or mistyped, until it decodes or a problem leaves nothing to read
    (a missing required key, an unknown `method` or `order_type`). A duplicate key is a problem:
    RFC 8259 leaves its meaning to the parser, and another parser on the way may keep the first
    (www.rfc-editor.org/rfc/rfc8259#section-4), while msgspec keeps the last.
    """
    try:
        return _request_decoder().decode(data), _duplicates(data)
    except msgspec.DecodeError as error:
        if not isinstance(error, msgspec.ValidationError):
            return None, (InputInvalid(field="message", given=str(error), accepted="valid JSON"),)
    tree = _tree(data)
    if tree is None:  # text msgspec parsed but json cannot: an int over 4300 digits, deep nesting
        return None, (InputInvalid(field="message", given="?", accepted="valid JSON"),)
    problems: list[InputInvalid] = list(_duplicates_in(tree, "$"))
    removed: set[str] = set()
    for _ in range(_MAX_READS):
        try:
            request = _request_decoder().decode(_TREE_ENCODER.encode(tree))
        except msgspec.ValidationError as error:
            text = str(error)
            located = _AT.fullmatch(text)
            detail, path = (located[1], located[2]) if located is not None else (text, "$")
            missing = _MISSING.fullmatch(detail)
            if missing is not None and f"{path}.{missing[1]}" in removed:
                return None, tuple(problems)  # that key was reported already, mistyped
            problems.append(InputInvalid(field="message", given=text, accepted="a request message"))
            if missing is not None or _TAG.fullmatch(detail):
                return None, tuple(problems)
            # an unknown key is named in the text as it came; a mistyped one ends the path
            unknown = _UNKNOWN.fullmatch(detail)
            if unknown is not None:
                at, key = path, unknown[1]
            else:
                at, _, key = path.rpartition(".")
            if not _remove(tree, at, key):
                return None, tuple(problems)
            removed.add(f"{at}.{key}")
        else:
            return request, tuple(problems)
    return None, tuple(problems)


_MAX_READS: Final = 64
_MISSING: Final = re.compile(r"Object missing required field `(\w+)`")
# msgspec ends its text with where it found the problem; a key it names may hold anything
_AT: Final = re.compile(r"(.*) - at `(\$.*)`", re.DOTALL)
_UNKNOWN: Final = re.compile(r"Object contains unknown field `(.*)`", re.DOTALL)
_TAG: Final = re.compile(r"Invalid value .*")  # a tag (method, order_type): nothing to read on
_STEP: Final = re.compile(r"\.(\w+)|\[(\d+)\]")
_TREE_ENCODER: Final = msgspec.json.Encoder(decimal_format="number")


class _Object(dict[str, object]):
    """A JSON object as read, remembering the keys that came twice."""

    twice: tuple[str, ...] = ()


def _object(pairs: list[tuple[str, object]]) -> _Object:
    found = _Object(pairs)
    if len(found) < len(pairs):  # a key came twice: find which, in order
        seen: set[str] = set()
        twice: list[str] = []
        for key, _ in pairs:
            if key in seen and key not in twice:
                twice.append(key)
            seen.add(key)
        found.twice = tuple(twice)
    return found


def _tree(data: bytes | str) -> object | None:
    import json  # noqa: PLC0415 -- only to read a message back; the probe's start-up skips it

    try:
        tree: object = json.loads(data, object_pairs_hook=_object, parse_float=Decimal)
    except (ValueError, RecursionError):
        return None
    return tree


def _duplicates(data: bytes | str) -> tuple[InputInvalid, ...]:
    return tuple(_duplicates_in(_tree(data), "$"))  # text json cannot read (None) has none


def _duplicates_in(node: object, path: str) -> Iterator[InputInvalid]:
    if isinstance(node, _Object):
        for key in node.twice:
            yield InputInvalid(field="message", given=f"the key {key!r} twice at {path}",
                               accepted="each key once (RFC 8259: parsers differ on which counts)")  # fmt: skip
        for key, value in node.items():
            yield from _duplicates_in(value, f"{path}.{key}")
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from _duplicates_in(item, f"{path}[{index}]")


def _remove(tree: object, at: str, key: str) -> bool:
    """Delete `key` from the object at a msgspec path (`$.params.orders[0]`); False if there is
    none (the path names an item of a list, say)."""
    node = tree
    for name, index in _STEP.findall(at):  # the steps after the `$`
        if name and isinstance(node, dict) and name in node:
            node = node[name]
        elif index and isinstance(node, list) and int(index) < len(node):
            node = node[int(index)]
        else:
            return False
    if isinstance(node, dict) and key in node:
        del node[key]
        return True
    return False


def decode(data: bytes | str) -> Result[AddOrder, tuple[InputInvalid, ...]]:
    """Decode an `add_order` request, strictly, with every problem of its form (`decode_request`)."""
    return decode_request(data).bind(_add_order_only)


def _add_order_only(message: Request) -> Result[AddOrder, tuple[InputInvalid, ...]]:
    if isinstance(message, AddOrder):
        return Success(message)
    given = f"a {message.__struct_config__.tag} message"
    return Failure((InputInvalid(field="message", given=given, accepted="an add_order message"),))

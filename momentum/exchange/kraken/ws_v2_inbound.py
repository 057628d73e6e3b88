"""Every frame the exchange sends on a WS v2 socket, decoded into one closed union, `Inbound`.

Sources: docs.kraken.com/api/docs/websocket-v2/status, .../heartbeat, .../ping, .../executions,
.../ticker, .../add_order, .../batch_add, .../amend_order, .../edit_order, .../cancel_order,
.../cancel_all and .../cancel_after (the "Response" and "Subscribe Ack" schemas and examples).

`decode_frame` is total: it never raises. A frame that is not JSON, or fits no shape below, is
`Malformed` with msgspec's own message (which names the JSON path); a well-formed frame of a
channel or method not modelled here is `Unhandled`. The rules for what comes in:

* Unknown extra fields are tolerated everywhere (the exchange adds fields over time).
* Numbers are `Decimal` decoded from the JSON text itself (`1e-08` is exactly `1E-8`), never
  through a float; a number that is not finite or beyond 40 digits either side of the point is
  `Malformed`, so no later arithmetic can trap.
* An execution report's value outside a documented set (a new `exec_type`, say) does not lose
  the report: the field reads `"unknown"` and `unrecognized` keeps the field and the text.
* Times stay the exchange's RFC3339 text: the docs' own `batch_add` example stamps
  `2022-06-13T08:09:10.7890123` (seven digits, no zone), which a strict parser would refuse.
* A `token` is never kept: no Struct has the field, and `Malformed.text` shows `"token":"***"`.

>>> decode_frame(b'{"channel":"heartbeat"}')
Heartbeat()
>>> decode_frame(b'{"method":"cancel_all","req_id":7,"result":{"count":1},"success":true}').result
CancelAllAck(count=1, warnings=())
>>> decode_frame(b'{"channel":"book","type":"update","data":[]}')
Unhandled(channel_or_method='book')
>>> decode_frame(b'{"method":"pong","req_id":"x"}').problem
'Expected `int | null`, got `str` - at `$.req_id`'
"""

import re
from decimal import Decimal
from typing import Final, Generic, Literal, TypeVar, get_args

import msgspec

from momentum.exchange.kraken.ws_v2_responses import ErrorKind, error_kind
from momentum.models.intent import PriceType, Reference, Side

__all__ = [
    "AmendAck",
    "Answer",
    "AnswerMethod",
    "AnswerResult",
    "CancelAfterAck",
    "CancelAllAck",
    "Contingent",
    "ContingentOrderType",
    "EditAck",
    "ExecType",
    "ExecutionReport",
    "Executions",
    "Fee",
    "FeeCcyPref",
    "Heartbeat",
    "Inbound",
    "LiquidityInd",
    "Malformed",
    "OrderAck",
    "OrderStatus",
    "OrderType",
    "Pong",
    "PositionStatus",
    "Status",
    "SubscribeAck",
    "System",
    "Ticker",
    "TimeInForce",
    "TriggerStatus",
    "Triggers",
    "Unhandled",
    "Unknown",
    "Unrecognized",
    "UnsubscribeAck",
    "decode_frame",
]

System = Literal["online", "cancel_only", "maintenance", "post_only"]
AnswerMethod = Literal[
    "add_order",
    "batch_add",
    "amend_order",
    "cancel_order",
    "cancel_all",
    "cancel_all_orders_after",
    "edit_order",
]
ExecType = Literal[
    "pending_new",
    "new",
    "trade",
    "filled",
    "iceberg_refill",
    "canceled",
    "expired",
    "amended",
    "restated",
    "status",
]
OrderStatus = Literal["pending_new", "new", "partially_filled", "filled", "canceled", "expired"]
OrderType = Literal[
    "limit",
    "market",
    "iceberg",
    "stop-loss",
    "stop-loss-limit",
    "take-profit",
    "take-profit-limit",
    "trailing-stop",
    "trailing-stop-limit",
    "settle-position",
]
ContingentOrderType = Literal[
    "limit",
    "stop-loss",
    "stop-loss-limit",
    "take-profit",
    "take-profit-limit",
    "trailing-stop",
    "trailing-stop-limit",
]
# upper case on this channel, unlike `add_order`'s `gtc` -- docs.kraken.com/api/docs/websocket-v2/executions
TimeInForce = Literal["GTC", "GTD", "IOC"]
LiquidityInd = Literal["m", "t"]
FeeCcyPref = Literal["fcib", "fciq"]
PositionStatus = Literal["opened", "closing", "closed"]
TriggerStatus = Literal["triggered", "untriggered"]
Unknown = Literal["unknown"]

_T_co = TypeVar("_T_co", covariant=True)  # frozen: a _Raw[OrderAck] is a _Raw[AnswerResult]


class _Inbound(msgspec.Struct, frozen=True, kw_only=True):
    """Base of every inbound Struct: frozen and keyword-only; unknown fields are skipped, not
    refused (the opposite of the outbound `_Wire`), because the exchange adds fields."""


# --- session frames ------------------------------------------------------------------------------


class Status(_Inbound, frozen=True, kw_only=True):
    """`status` channel: the engine's state, pushed on connect and on every change
    (docs.kraken.com/api/docs/websocket-v2/status). `maintenance` allows no cancel either."""

    type: Literal["update", "snapshot"]
    system: System
    api_version: str | None = None
    connection_id: int | None = None
    version: str | None = None


class Heartbeat(_Inbound, frozen=True, kw_only=True):
    """`heartbeat` channel: about once a second when nothing else is sent
    (docs.kraken.com/api/docs/websocket-v2/heartbeat)."""


class Pong(_Inbound, frozen=True, kw_only=True):
    """`pong`, the answer to an application `ping` (docs.kraken.com/api/docs/websocket-v2/ping)."""

    req_id: int | None = None
    time_in: str | None = None
    time_out: str | None = None
    error: str | None = None
    warnings: tuple[str, ...] = ()


# --- method answers ------------------------------------------------------------------------------


class OrderAck(_Inbound, frozen=True, kw_only=True):
    """`result` of `add_order` and `cancel_order`, and each entry of `batch_add`'s list
    (docs.kraken.com/api/docs/websocket-v2/add_order, .../cancel_order, .../batch_add).

    `order_id` is `""` on a `validate` answer; `error` is our tolerance for a batch entry the
    engine refused alone (the docs do not show that shape).
    """

    order_id: str | None = None
    cl_ord_id: str | None = None
    order_userref: int | None = None
    warnings: tuple[str, ...] = ()
    error: str | None = None


class AmendAck(_Inbound, frozen=True, kw_only=True):
    """`amend_order` `result`: the amend's own id and the order's ids as the request gave them
    (docs.kraken.com/api/docs/websocket-v2/amend_order)."""

    amend_id: str
    order_id: str | None = None
    cl_ord_id: str | None = None
    warnings: tuple[str, ...] = ()


class EditAck(_Inbound, frozen=True, kw_only=True):
    """`edit_order` `result`: the new order's id and the id it replaced
    (docs.kraken.com/api/docs/websocket-v2/edit_order)."""

    order_id: str
    original_order_id: str | None = None
    warnings: tuple[str, ...] = ()


class CancelAllAck(_Inbound, frozen=True, kw_only=True):
    """`cancel_all` `result`: how many orders were cancelled; a missing count is `Malformed`,
    never read as 0 (docs.kraken.com/api/docs/websocket-v2/cancel_all)."""

    count: int
    warnings: tuple[str, ...] = ()


class CancelAfterAck(_Inbound, frozen=True, kw_only=True):
    """`cancel_all_orders_after` `result`: engine time and when all orders will be cancelled,
    in Kraken's camelCase (docs.kraken.com/api/docs/websocket-v2/cancel_after)."""

    currentTime: str  # noqa: N815 -- Kraken's name, verbatim
    triggerTime: str  # noqa: N815 -- Kraken's name, verbatim
    warnings: tuple[str, ...] = ()


AnswerResult = OrderAck | tuple[OrderAck, ...] | AmendAck | EditAck | CancelAllAck | CancelAfterAck


class Answer(_Inbound, frozen=True, kw_only=True):
    """The answer to a trading or session request, correlated by `req_id`; `result` is typed
    by `method` and `error_kind` classifies a refusal
    (docs.kraken.com/api/docs/websocket-v2/add_order "Response", and each method's page).

    `result` is `None` exactly when the exchange sent none (a refusal); a success without one
    is `Malformed`.
    """

    method: AnswerMethod
    req_id: int | None
    success: bool
    error: str | None
    error_kind: ErrorKind | None
    result: AnswerResult | None
    time_in: str | None
    time_out: str | None


class _Ack(_Inbound, frozen=True, kw_only=True):
    channel: str | None
    success: bool
    error: str | None = None
    req_id: int | None = None
    symbol: str | None = None
    snapshot: bool | None = None
    maxratecount: int | None = None
    snap_orders: bool | None = None
    snap_trades: bool | None = None
    event_trigger: str | None = None
    warnings: tuple[str, ...] = ()
    time_in: str | None = None
    time_out: str | None = None


class SubscribeAck(_Ack, frozen=True, kw_only=True):
    """`subscribe` acknowledgement, `result` flattened: `channel` is `None` on a refusal, which
    carries no `result` (docs.kraken.com/api/docs/websocket-v2/executions "Subscribe Ack";
    `maxratecount` is the account's rate counter threshold)."""


class UnsubscribeAck(_Ack, frozen=True, kw_only=True):
    """`unsubscribe` acknowledgement, shaped as `SubscribeAck`
    (docs.kraken.com/api/docs/websocket-v2/executions "Unsubscribe Ack")."""


# --- executions ---------------------------------------------------------------------------------


class Unrecognized(_Inbound, frozen=True, kw_only=True):
    """A documented-set field whose text the docs do not list: it reads `"unknown"` in the
    report, and here is the text as sent (`field` is a dotted path such as `triggers.status`)."""

    field: str
    value: str


class Fee(_Inbound, frozen=True, kw_only=True):
    """One `fees` entry of a trade (docs.kraken.com/api/docs/websocket-v2/executions)."""

    asset: str
    qty: Decimal


class Triggers(_Inbound, frozen=True, kw_only=True):
    """An execution report's `triggers` object: the trigger's terms and state
    (docs.kraken.com/api/docs/websocket-v2/executions)."""

    reference: Reference | Unknown | None = None
    price: Decimal | None = None
    price_type: PriceType | Unknown | None = None
    actual_price: Decimal | None = None
    peak_price: Decimal | None = None
    last_price: Decimal | None = None
    status: TriggerStatus | Unknown | None = None
    timestamp: str | None = None


class Contingent(_Inbound, frozen=True, kw_only=True):
    """An execution report's `contingent` object: the template of the close orders created on
    each fill (docs.kraken.com/api/docs/websocket-v2/executions)."""

    order_type: ContingentOrderType | Unknown | None = None
    trigger_price: Decimal | None = None
    trigger_price_type: PriceType | Unknown | None = None
    limit_price: Decimal | None = None
    limit_price_type: PriceType | Unknown | None = None


class ExecutionReport(_Inbound, frozen=True, kw_only=True):
    """One `executions` report: every documented field, all optional, because which ones come
    depends on `exec_type` (a `new` carries little more than ids and status: merge, never
    replace) (docs.kraken.com/api/docs/websocket-v2/executions).

    There is no `leaves_qty`: remaining is `order_qty - cum_qty`. A `trade` that fills the whole
    order may still say `order_status: partially_filled`; a separate `filled` report follows
    (docs.kraken.com/exchange/api-reference/unified-ws/executions).
    """

    order_id: str | None = None
    cl_ord_id: str | None = None
    order_userref: int | None = None
    exec_id: str | None = None
    exec_type: ExecType | Unknown | None = None
    trade_id: int | None = None
    order_status: OrderStatus | Unknown | None = None
    symbol: str | None = None
    side: Side | Unknown | None = None
    order_type: OrderType | Unknown | None = None
    order_qty: Decimal | None = None
    cash_order_qty: Decimal | None = None
    display_qty: Decimal | None = None
    display_qty_remain: Decimal | None = None
    limit_price: Decimal | None = None
    limit_price_type: PriceType | Unknown | None = None
    triggers: Triggers | None = None
    contingent: Contingent | None = None
    time_in_force: TimeInForce | Unknown | None = None
    post_only: bool | None = None
    reduce_only: bool | None = None
    margin: bool | None = None
    no_mpp: bool | None = None
    effective_time: str | None = None
    expire_time: str | None = None
    timestamp: str | None = None
    cum_qty: Decimal | None = None
    cum_cost: Decimal | None = None
    avg_price: Decimal | None = None
    last_qty: Decimal | None = None
    last_price: Decimal | None = None
    cost: Decimal | None = None
    liquidity_ind: LiquidityInd | Unknown | None = None
    fees: tuple[Fee, ...] | None = None
    fee_ccy_pref: FeeCcyPref | Unknown | None = None
    fee_usd_equiv: Decimal | None = None
    margin_borrow: bool | None = None
    reason: str | None = None
    amended: bool | None = None
    liquidated: bool | None = None
    position_status: PositionStatus | Unknown | None = None
    ord_ref_id: str | None = None
    ext_ord_id: str | None = None
    ext_exec_id: str | None = None
    sender_sub_id: str | None = None
    user: str | None = None
    # deprecated by Kraken, still sent: `reason`, `triggers` replace them
    cancel_reason: str | None = None
    stop_price: Decimal | None = None
    trigger: Reference | Unknown | None = None
    triggered_price: Decimal | None = None
    unrecognized: tuple[Unrecognized, ...] = ()


class Executions(_Inbound, frozen=True, kw_only=True):
    """`executions` channel frame: order states and fills; `sequence` is the subscription's
    message number (docs.kraken.com/api/docs/websocket-v2/executions)."""

    type: Literal["snapshot", "update"]
    data: tuple[ExecutionReport, ...]
    sequence: int | None = None


# --- ticker --------------------------------------------------------------------------------------


class Ticker(_Inbound, frozen=True, kw_only=True):
    """`ticker` channel frame, its one `data` element flattened: best bid and offer and the
    last 24 h (docs.kraken.com/api/docs/websocket-v2/ticker). `last` is only guaranteed after a
    trade in the past 24 hours."""

    type: Literal["snapshot", "update"]
    symbol: str
    bid: Decimal
    bid_qty: Decimal
    ask: Decimal
    ask_qty: Decimal
    last: Decimal | None = None
    volume: Decimal | None = None
    vwap: Decimal | None = None
    low: Decimal | None = None
    high: Decimal | None = None
    change: Decimal | None = None
    change_pct: Decimal | None = None
    timestamp: str | None = None


# --- what fits nothing ---------------------------------------------------------------------------


class Malformed(_Inbound, frozen=True, kw_only=True):
    """A frame that is not JSON or fits no known shape: its text (any `token` value masked) and
    msgspec's message naming the path."""

    text: str
    problem: str


class Unhandled(_Inbound, frozen=True, kw_only=True):
    """A well-formed frame of a channel or method this module does not model (`book`, `trade`,
    `balances`, `batch_cancel`, ...)."""

    channel_or_method: str


Inbound = (
    Status
    | Heartbeat
    | Pong
    | Answer
    | SubscribeAck
    | UnsubscribeAck
    | Executions
    | Ticker
    | Malformed
    | Unhandled
)


# --- decoding ------------------------------------------------------------------------------------

_Framed = TypeVar("_Framed", bound=msgspec.Struct)

# JSON numbers arrive as Decimal from their own text; there is never a float to round.
_LOOSE: Final = msgspec.json.Decoder(float_hook=Decimal)
# a token's string value, closed or cut short by the end of a truncated frame
_TOKEN: Final = re.compile(r'("token"\s*:\s*)"(?:[^"\\]|\\.)*(?:"|\\?$)')
# a Decimal this far from 1 would trap (Overflow) in later arithmetic under the default context
_MAX_ADJUSTED = 40


class _Raw(msgspec.Struct, Generic[_T_co], frozen=True, kw_only=True):
    method: AnswerMethod
    success: bool
    req_id: int | None = None
    error: str | None = None
    result: _T_co | None = None
    time_in: str | None = None
    time_out: str | None = None


class _AckResult(msgspec.Struct, frozen=True, kw_only=True):
    channel: str
    symbol: str | None = None
    snapshot: bool | None = None
    maxratecount: int | None = None
    snap_orders: bool | None = None
    snap_trades: bool | None = None
    event_trigger: str | None = None
    warnings: tuple[str, ...] = ()


class _RawAck(msgspec.Struct, frozen=True, kw_only=True):
    success: bool
    result: _AckResult | None = None
    error: str | None = None
    req_id: int | None = None
    symbol: str | None = None
    time_in: str | None = None
    time_out: str | None = None


class _StatusData(msgspec.Struct, frozen=True, kw_only=True):
    system: System
    api_version: str | None = None
    connection_id: int | None = None
    version: str | None = None


class _StatusFrame(msgspec.Struct, frozen=True, kw_only=True):
    type: Literal["update", "snapshot"]
    # "The status element is always the first and only item in the data payload"
    data: tuple[_StatusData]


class _TickerData(msgspec.Struct, frozen=True, kw_only=True):
    symbol: str
    bid: Decimal
    bid_qty: Decimal
    ask: Decimal
    ask_qty: Decimal
    last: Decimal | None = None
    volume: Decimal | None = None
    vwap: Decimal | None = None
    low: Decimal | None = None
    high: Decimal | None = None
    change: Decimal | None = None
    change_pct: Decimal | None = None
    timestamp: str | None = None


class _TickerFrame(msgspec.Struct, frozen=True, kw_only=True):
    type: Literal["snapshot", "update"]
    # "The ticker element is always the first and only item in the data payload"
    data: tuple[_TickerData]


class _Head(msgspec.Struct, frozen=True, kw_only=True):
    channel: str | None = None
    method: str | None = None


_ANSWERS: Final[dict[str, type[_Raw[AnswerResult]]]] = {
    "add_order": _Raw[OrderAck],
    "batch_add": _Raw[tuple[OrderAck, ...]],
    "amend_order": _Raw[AmendAck],
    "cancel_order": _Raw[OrderAck],
    "cancel_all": _Raw[CancelAllAck],
    "cancel_all_orders_after": _Raw[CancelAfterAck],
    "edit_order": _Raw[EditAck],
}

# Fields of a report whose text must be one of a documented set; any other text reads "unknown".
_SETS: Final[dict[str, frozenset[str]]] = {
    name: frozenset(get_args(kind))
    for name, kind in {
        "exec_type": ExecType,
        "order_status": OrderStatus,
        "side": Side,
        "order_type": OrderType,
        "limit_price_type": PriceType,
        "time_in_force": TimeInForce,
        "liquidity_ind": LiquidityInd,
        "fee_ccy_pref": FeeCcyPref,
        "position_status": PositionStatus,
        "trigger": Reference,
        "triggers.reference": Reference,
        "triggers.price_type": PriceType,
        "triggers.status": TriggerStatus,
        "contingent.order_type": ContingentOrderType,
        "contingent.trigger_price_type": PriceType,
        "contingent.limit_price_type": PriceType,
    }.items()
}


def decode_frame(data: bytes | str) -> Inbound:
    """Decode one frame from either socket; never raises (docs.kraken.com/api/docs/websocket-v2/status).

    >>> decode_frame(b'{"channel":"status","type":"update","data":[{"api_version":"v2",'
    ...     b'"connection_id":13834774380200032777,"system":"online","version":"2.0.0"}]}')
    Status(type='update', system='online', api_version='v2', connection_id=13834774380200032777, version='2.0.0')
    >>> decode_frame(b'{oops}').problem
    'JSON is malformed: object keys must be strings (byte 1)'
    """
    try:
        loose = _LOOSE.decode(data)
        head = msgspec.convert(loose, _Head)
        if head.channel is not None:
            return _channel(head.channel, loose)
        if head.method is not None:
            return _method(head.method, loose)
        problem = "Object has neither `channel` nor `method`"
    except (msgspec.MsgspecError, RecursionError, UnicodeError) as error:
        problem = str(error)
    return Malformed(text=_masked(data), problem=problem)


def _channel(channel: str, loose: object) -> Inbound:
    match channel:
        case "heartbeat":
            return Heartbeat()
        case "status":
            status = msgspec.convert(loose, _StatusFrame)
            (one,) = status.data
            return Status(
                type=status.type,
                system=one.system,
                api_version=one.api_version,
                connection_id=one.connection_id,
                version=one.version,
            )
        case "executions":
            return _checked(_executions(loose))
        case "ticker":
            return _ticker(_checked(msgspec.convert(loose, _TickerFrame)))
        case _:
            return Unhandled(channel_or_method=channel)


def _method(method: str, loose: object) -> Inbound:
    if method == "pong":
        return msgspec.convert(loose, Pong)
    if method in ("subscribe", "unsubscribe"):
        kind = SubscribeAck if method == "subscribe" else UnsubscribeAck
        return _ack(kind, msgspec.convert(loose, _RawAck))
    shape = _ANSWERS.get(method)
    if shape is None:
        return Unhandled(channel_or_method=method)
    raw = msgspec.convert(loose, shape)
    if raw.success and raw.result is None:
        raise msgspec.ValidationError("Object missing required field `result`")
    return Answer(
        method=raw.method,
        req_id=raw.req_id,
        success=raw.success,
        error=raw.error,
        error_kind=None if raw.success else error_kind(raw.error or ""),
        result=raw.result,
        time_in=raw.time_in,
        time_out=raw.time_out,
    )


def _ack(kind: type[SubscribeAck] | type[UnsubscribeAck], raw: _RawAck) -> Inbound:
    result = raw.result
    return kind(
        channel=result.channel if result is not None else None,
        success=raw.success,
        error=raw.error,
        req_id=raw.req_id,
        symbol=result.symbol if result is not None and result.symbol is not None else raw.symbol,
        snapshot=result.snapshot if result is not None else None,
        maxratecount=result.maxratecount if result is not None else None,
        snap_orders=result.snap_orders if result is not None else None,
        snap_trades=result.snap_trades if result is not None else None,
        event_trigger=result.event_trigger if result is not None else None,
        warnings=result.warnings if result is not None else (),
        time_in=raw.time_in,
        time_out=raw.time_out,
    )


def _executions(loose: object) -> Executions:
    if isinstance(loose, dict) and isinstance(loose.get("data"), list):
        loose = {**loose, "data": [_tolerant(report) for report in loose["data"]]}
    return msgspec.convert(loose, Executions)


def _tolerant(report: object) -> object:
    """A report whose out-of-set texts read "unknown", each listed under `unrecognized`."""
    if not isinstance(report, dict):
        return report
    found: list[dict[str, str]] = []
    out = dict(report)
    for name in ("triggers", "contingent"):
        if isinstance(inner := out.get(name), dict):
            out[name] = _known(inner, name + ".", found)
    out = _known(out, "", found)
    out["unrecognized"] = found  # ours: an `unrecognized` the exchange sent is replaced
    return out


def _known(
    fields: dict[str, object], prefix: str, found: list[dict[str, str]]
) -> dict[str, object]:
    out = dict(fields)
    for name, value in fields.items():
        allowed = _SETS.get(prefix + name)
        if allowed is not None and isinstance(value, str) and value not in allowed:
            found.append({"field": prefix + name, "value": value})
            out[name] = "unknown"
    return out


def _ticker(frame: _TickerFrame) -> Ticker:
    (one,) = frame.data
    return Ticker(
        type=frame.type,
        symbol=one.symbol,
        bid=one.bid,
        bid_qty=one.bid_qty,
        ask=one.ask,
        ask_qty=one.ask_qty,
        last=one.last,
        volume=one.volume,
        vwap=one.vwap,
        low=one.low,
        high=one.high,
        change=one.change,
        change_pct=one.change_pct,
        timestamp=one.timestamp,
    )


def _checked(frame: _Framed) -> _Framed:
    path = _unsafe_number(frame, "$")
    if path is None:
        return frame
    raise msgspec.ValidationError(
        f"Expected a finite number within 1e{_MAX_ADJUSTED} and 1e-{_MAX_ADJUSTED} - at `{path}`"
    )


def _unsafe_number(value: object, path: str) -> str | None:
    """The path of the first Decimal that is not finite or out of range, else None: a JSON
    string such as "NaN" converts to a Decimal that would trap in a later comparison."""
    if isinstance(value, Decimal):
        safe = value.is_finite() and (not value or abs(value.adjusted()) <= _MAX_ADJUSTED)
        return None if safe else path
    if isinstance(value, tuple):
        return next(
            (p for i, item in enumerate(value) if (p := _unsafe_number(item, f"{path}[{i}]"))),
            None,
        )
    if isinstance(value, msgspec.Struct):
        return next(
            (
                p
                for name in value.__struct_fields__
                if (p := _unsafe_number(getattr(value, name), f"{path}.{name}"))
            ),
            None,
        )
    return None


def _masked(data: bytes | str) -> str:
    # errors="replace" also drops lone surrogates, which no later print could encode
    raw = data.encode(errors="replace") if isinstance(data, str) else data  # UTF-8, the default
    return _TOKEN.sub(r'\1"***"', raw.decode(errors="replace"))

"""The frames the simulator sends, shaped as Kraken's docs show them, and their one encoder.

docs.kraken.com/api/docs/websocket-v2/executions (reports and their sparse shapes),
.../add_order, .../batch_add, .../amend_order, .../cancel_order, .../cancel_all,
.../cancel_after (method answers), .../status, .../heartbeat, .../ping, .../ticker.

Numbers go out as JSON numbers in plain notation (`0.00005`, never `5E-5`), written from the
Decimal's own digits, never through a float.
"""

from datetime import UTC, datetime
from decimal import Decimal
from typing import Final, Literal, TypeVar

import msgspec
from msgspec import UNSET, UnsetType

from momentum.sim.orders import LIMIT_PRICED, Order

__all__ = [
    "HEARTBEAT",
    "Answer",
    "ExecReport",
    "Executions",
    "Status",
    "StatusData",
    "Ticker",
    "TickerData",
    "amended",
    "canceled",
    "encode",
    "expired",
    "filled",
    "new",
    "pending_new",
    "rfc3339",
    "rfc3339_seconds",
    "snapshot_order",
    "trade",
]

HEARTBEAT: Final = b'{"channel":"heartbeat"}'
_ENCODER: Final = msgspec.json.Encoder()
_T = TypeVar("_T")


def rfc3339(moment: datetime) -> str:
    """RFC3339 with microseconds and `Z`, as Kraken stamps `time_in`, `time_out` and `timestamp`.

    >>> rfc3339(datetime(2023, 9, 22, 10, 33, 5, 709950, tzinfo=UTC))
    '2023-09-22T10:33:05.709950Z'
    """
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def rfc3339_seconds(moment: datetime) -> str:
    """RFC3339 to the second, as `cancel_all_orders_after` answers `currentTime`/`triggerTime`.

    >>> rfc3339_seconds(datetime(2023, 3, 24, 17, 41, 56, 500000, tzinfo=UTC))
    '2023-03-24T17:41:56Z'
    """
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def encode(message: object) -> bytes:
    """One frame's bytes, every Decimal as a plain-notation JSON number.

    >>> encode({"qty": Decimal("5E-5"), "price": Decimal("2.844E+4")})
    b'{"qty":0.00005,"price":28440}'
    """
    return _ENCODER.encode(_plain(msgspec.to_builtins(message, builtin_types=(Decimal,))))


def _plain(value: object) -> object:
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"{value} is not a finite number")
        return msgspec.Raw(format(value, "f").encode())
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


class _Frame(msgspec.Struct, frozen=True, kw_only=True):
    """Wire shapes: an `UNSET` field is left out; every other field, defaults too, is sent."""


class Fee(_Frame, frozen=True, kw_only=True):
    asset: str
    qty: Decimal


class TriggersOut(_Frame, frozen=True, kw_only=True):
    reference: str
    price: Decimal
    price_type: str
    status: Literal["triggered", "untriggered"]


class Contingent(_Frame, frozen=True, kw_only=True):
    order_type: str
    trigger_price: Decimal | UnsetType = UNSET
    trigger_price_type: str | UnsetType = UNSET
    limit_price: Decimal | UnsetType = UNSET
    limit_price_type: str | UnsetType = UNSET


class ExecReport(_Frame, frozen=True, kw_only=True):
    """One execution report: which fields appear depends on `exec_type` (updates are sparse)."""

    order_id: str
    exec_type: str
    order_status: str
    timestamp: str
    cl_ord_id: str | UnsetType = UNSET
    order_userref: int | UnsetType = UNSET
    symbol: str | UnsetType = UNSET
    side: str | UnsetType = UNSET
    order_type: str | UnsetType = UNSET
    order_qty: Decimal | UnsetType = UNSET
    limit_price: Decimal | UnsetType = UNSET
    limit_price_type: str | UnsetType = UNSET
    stop_price: Decimal | UnsetType = UNSET
    triggers: TriggersOut | UnsetType = UNSET
    time_in_force: str | UnsetType = UNSET
    post_only: bool | UnsetType = UNSET
    margin: bool | UnsetType = UNSET
    display_qty: Decimal | UnsetType = UNSET
    expire_time: str | UnsetType = UNSET
    contingent: Contingent | UnsetType = UNSET
    ord_ref_id: str | UnsetType = UNSET
    exec_id: str | UnsetType = UNSET
    trade_id: int | UnsetType = UNSET
    last_qty: Decimal | UnsetType = UNSET
    last_price: Decimal | UnsetType = UNSET
    liquidity_ind: Literal["m", "t"] | UnsetType = UNSET
    cost: Decimal | UnsetType = UNSET
    cum_qty: Decimal | UnsetType = UNSET
    cum_cost: Decimal | UnsetType = UNSET
    avg_price: Decimal | UnsetType = UNSET
    fee_usd_equiv: Decimal | UnsetType = UNSET
    fee_ccy_pref: str | UnsetType = UNSET
    fees: list[Fee] | UnsetType = UNSET
    amended: bool | UnsetType = UNSET
    cancel_reason: str | UnsetType = UNSET
    reason: str | UnsetType = UNSET


class Executions(_Frame, frozen=True, kw_only=True):
    channel: Literal["executions"] = "executions"
    type: Literal["snapshot", "update"]
    data: list[ExecReport]
    sequence: int


class StatusData(_Frame, frozen=True, kw_only=True):
    api_version: Literal["v2"] = "v2"
    connection_id: int
    system: str
    version: str


class Status(_Frame, frozen=True, kw_only=True):
    channel: Literal["status"] = "status"
    type: Literal["update"] = "update"
    data: list[StatusData]


class TickerData(_Frame, frozen=True, kw_only=True):
    symbol: str
    bid: Decimal
    bid_qty: Decimal
    ask: Decimal
    ask_qty: Decimal
    last: Decimal
    volume: Decimal
    vwap: Decimal
    low: Decimal
    high: Decimal
    change: Decimal
    change_pct: Decimal


class Ticker(_Frame, frozen=True, kw_only=True):
    channel: Literal["ticker"] = "ticker"
    type: Literal["snapshot", "update"]
    data: list[TickerData]


class Answer(_Frame, frozen=True, kw_only=True):
    """A method's answer: `result` on success, `error` (one string) on failure."""

    method: str | UnsetType = UNSET
    req_id: int | UnsetType = UNSET
    result: object = UNSET
    error: str | UnsetType = UNSET
    success: bool
    symbol: str | UnsetType = UNSET
    time_in: str
    time_out: str


# --- execution reports ----------------------------------------------------------------------------


def _cl_ord_id(order: Order) -> str | UnsetType:
    return order.cl_ord_id if order.cl_ord_id is not None else UNSET


def _userref(order: Order) -> int | UnsetType:
    # a report names the order by cl_ord_id when it has one, else by order_userref (0 if none)
    if order.cl_ord_id is not None:
        return UNSET
    return order.order_userref if order.order_userref is not None else 0


def _triggers(order: Order) -> TriggersOut | UnsetType:
    if order.trigger_given is None:
        return UNSET
    return TriggersOut(
        reference=order.trigger_reference,
        price=order.trigger_given,
        price_type=order.trigger_price_type,
        status="triggered" if order.triggered else "untriggered",
    )


def _contingent(order: Order) -> Contingent | UnsetType:
    template = order.conditional
    if template is None:
        return UNSET
    trigger = template.trigger_price if template.trigger_price is not None else template.stop_price
    return Contingent(
        order_type=template.order_type,
        trigger_price=trigger if trigger is not None else UNSET,
        trigger_price_type=template.trigger_price_type if trigger is not None else UNSET,
        limit_price=template.limit_price if template.limit_price is not None else UNSET,
        limit_price_type=(
            (template.limit_price_type or "static") if template.limit_price is not None else UNSET
        ),
    )


def _optional(value: _T | None) -> _T | UnsetType:
    return UNSET if value is None else value


def _full(order: Order, exec_type: str, status: str, now: datetime) -> ExecReport:
    limit_priced = order.order_type in LIMIT_PRICED and order.limit_price is not None
    return ExecReport(
        order_id=order.order_id,
        cl_ord_id=_cl_ord_id(order),
        order_userref=_userref(order),
        symbol=order.symbol,
        order_qty=order.order_qty,
        cum_cost=order.cum_cost,
        time_in_force=order.time_in_force.upper(),
        exec_type=exec_type,
        side=order.side,
        order_type=order.order_type,
        limit_price_type=(order.limit_price_type or "static") if limit_priced else UNSET,
        limit_price=_optional(order.limit_price) if limit_priced else UNSET,
        # stop_price is deprecated but still sent, 0.0 when there is no trigger
        stop_price=order.trigger_price if order.trigger_price is not None else Decimal("0.0"),
        triggers=_triggers(order),
        post_only=True if order.post_only else UNSET,
        margin=True if order.margin else UNSET,
        display_qty=_optional(order.display_qty),
        expire_time=rfc3339(order.expire_time) if order.expire_time is not None else UNSET,
        contingent=_contingent(order),
        ord_ref_id=_optional(order.ord_ref_id),
        order_status=status,
        fee_usd_equiv=order.fees,
        fee_ccy_pref="fciq",
        timestamp=rfc3339(now),
    )


def pending_new(order: Order, now: datetime) -> ExecReport:
    """`pending_new`: the order received and validated, with every field of the order."""
    return _full(order, "pending_new", "pending_new", now)


def snapshot_order(order: Order, now: datetime) -> ExecReport:
    """An open order in a snapshot: the full fields, its current status and what has filled."""
    report = _full(order, "pending_new", order.status, now)
    return msgspec.structs.replace(report, cum_qty=order.cum_qty, avg_price=order.avg_price())


def new(order: Order, now: datetime) -> ExecReport:
    """`new`: the order is live. Sparse: id, status, time (and `post_only` if set)."""
    return ExecReport(
        timestamp=rfc3339(now),
        order_status="new",
        exec_type="new",
        cl_ord_id=_cl_ord_id(order),
        order_userref=_userref(order),
        post_only=True if order.post_only else UNSET,
        order_id=order.order_id,
    )


def trade(
    order: Order,
    *,
    exec_id: str,
    trade_id: int,
    qty: Decimal,
    price: Decimal,
    fee: Decimal,
    fee_asset: str,
    liquidity: Literal["m", "t"],
    now: datetime,
) -> ExecReport:
    """`trade`: one fill. Its `order_status` is `partially_filled` even when it fills the whole
    order; a separate `filled` report follows (docs.kraken.com/exchange/api-reference/unified-ws/executions).
    """
    return ExecReport(
        order_id=order.order_id,
        cl_ord_id=_cl_ord_id(order),
        order_userref=_userref(order),
        exec_id=exec_id,
        exec_type="trade",
        trade_id=trade_id,
        symbol=order.symbol,
        side=order.side,
        last_qty=qty,
        last_price=price,
        liquidity_ind=liquidity,
        cost=qty * price,
        order_type=order.order_type,
        timestamp=rfc3339(now),
        order_status="partially_filled",
        cum_qty=order.cum_qty,
        cum_cost=order.cum_cost,
        avg_price=order.avg_price(),
        fee_usd_equiv=fee,
        fees=[Fee(asset=fee_asset, qty=fee)],
    )


def _closing(order: Order, kind: str, now: datetime, reason: str | None) -> ExecReport:
    return ExecReport(
        timestamp=rfc3339(now),
        order_status=kind,
        exec_type=kind,
        cum_qty=order.cum_qty,
        cum_cost=order.cum_cost,
        fee_usd_equiv=order.fees,
        avg_price=order.avg_price(),
        cl_ord_id=_cl_ord_id(order),
        order_userref=_userref(order),
        cancel_reason=_optional(reason),
        reason=_optional(reason),
        order_id=order.order_id,
    )


def filled(order: Order, now: datetime) -> ExecReport:
    """`filled`: the order is complete (sparse, shaped as `canceled` is)."""
    return _closing(order, "filled", now, None)


def canceled(order: Order, reason: str, now: datetime) -> ExecReport:
    """`canceled` with `reason` (and the deprecated `cancel_reason` Kraken still sends)."""
    return _closing(order, "canceled", now, reason)


def expired(order: Order, now: datetime) -> ExecReport:
    """`expired`: a `gtd` order reached its `expire_time`."""
    return _closing(order, "expired", now, "Order expired")


def amended(order: Order, now: datetime) -> ExecReport:
    """`amended`: the order's new quantity and prices after a user amend."""
    limit_priced = order.order_type in LIMIT_PRICED and order.limit_price is not None
    return ExecReport(
        timestamp=rfc3339(now),
        exec_type="amended",
        order_status=order.status,
        cum_qty=order.cum_qty,
        reason="User requested",
        amended=True,
        order_qty=order.order_qty,
        limit_price=_optional(order.limit_price) if limit_priced else UNSET,
        limit_price_type=(order.limit_price_type or "static") if limit_priced else UNSET,
        triggers=_triggers(order),
        display_qty=_optional(order.display_qty),
        cl_ord_id=_cl_ord_id(order),
        order_userref=_userref(order),
        order_id=order.order_id,
    )

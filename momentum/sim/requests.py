"""The requests the simulator reads, as Structs named and typed as Kraken's docs name them.

docs.kraken.com/api/docs/websocket-v2/add_order, .../batch_add, .../amend_order, .../cancel_order,
.../cancel_all, .../cancel_after, .../executions, .../ticker, .../ping

These are the server's reading of the wire, deliberately independent of the package's builders:
unknown fields are refused (Kraken answers `Unsupported field` for e.g. `leverage`), and a price or
quantity sent as a JSON string is refused, because Kraken documents them as numbers.
"""

from decimal import Decimal
from typing import Final, Literal, TypeVar

import msgspec

from momentum.sim import errors

__all__ = [
    "AddOrderParams",
    "AmendOrderParams",
    "BatchAddParams",
    "BatchOrder",
    "CancelAfterParams",
    "CancelAllParams",
    "CancelOrderParams",
    "Conditional",
    "Envelope",
    "OrderType",
    "SubscribeParams",
    "Triggers",
    "decode_params",
]

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
PriceType = Literal["static", "pct", "quote"]
CloseType = Literal[
    "limit",
    "stop-loss",
    "stop-loss-limit",
    "take-profit",
    "take-profit-limit",
    "trailing-stop",
    "trailing-stop-limit",
]

# the fields Kraken documents as JSON numbers ("float"); a string there is refused
_NUMBER_FIELDS: Final = frozenset(
    {
        "order_qty",
        "limit_price",
        "price",
        "display_qty",
        "cash_order_qty",
        "trigger_price",
        "stop_price",
    }
)


class _Read(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    pass


class Envelope(msgspec.Struct, frozen=True, kw_only=True):
    """`{"method": ..., "params": {...}, "req_id": ...}`; `params` is read per method."""

    method: str
    params: msgspec.Raw = msgspec.Raw(b"{}")
    req_id: int | None = None


class Triggers(_Read, frozen=True, kw_only=True):
    reference: Literal["index", "last"] = "last"
    price: Decimal
    price_type: PriceType = "static"


class Conditional(_Read, frozen=True, kw_only=True):
    """The OTO close template: each fill of the primary creates one close of the filled qty."""

    order_type: CloseType
    limit_price: Decimal | None = None
    limit_price_type: PriceType | None = None
    trigger_price: Decimal | None = None
    trigger_price_type: PriceType = "static"
    stop_price: Decimal | None = None


class BatchOrder(_Read, frozen=True, kw_only=True):
    """One order's fields, as `batch_add` takes them (no `symbol`, `token`, `validate`)."""

    order_type: OrderType
    side: Literal["buy", "sell"]
    order_qty: Decimal | None = None
    limit_price: Decimal | None = None
    limit_price_type: PriceType | None = None
    triggers: Triggers | None = None
    time_in_force: Literal["gtc", "gtd", "ioc", "fok"] = "gtc"
    margin: bool = False
    post_only: bool = False
    reduce_only: bool = False
    effective_time: str | None = None
    expire_time: str | None = None
    cl_ord_id: str | None = None
    order_userref: int | None = None
    conditional: Conditional | None = None
    display_qty: Decimal | None = None
    fee_preference: Literal["base", "quote"] | None = None
    no_mpp: bool = False
    stp_type: Literal["cancel_newest", "cancel_oldest", "cancel_both"] = "cancel_newest"
    cash_order_qty: Decimal | None = None
    sender_sub_id: str | None = None
    stop_price: Decimal | None = None


class AddOrderParams(BatchOrder, frozen=True, kw_only=True):
    """`add_order` params: one order plus `symbol`, `deadline`, `validate` and the `token`."""

    symbol: str
    deadline: str | None = None
    validate: bool = False
    token: str | None = None


class BatchAddParams(_Read, frozen=True, kw_only=True):
    symbol: str
    orders: list[BatchOrder]
    deadline: str | None = None
    validate: bool = False
    token: str | None = None


class AmendOrderParams(_Read, frozen=True, kw_only=True):
    """`amend_order`: flat `trigger_price` here, not the `triggers` object of `add_order`."""

    order_id: str | None = None
    cl_ord_id: str | None = None
    order_qty: Decimal | None = None
    display_qty: Decimal | None = None
    limit_price: Decimal | None = None
    limit_price_type: PriceType | None = None
    post_only: bool = False
    trigger_price: Decimal | None = None
    trigger_price_type: PriceType | None = None
    deadline: str | None = None
    symbol: str | None = None
    token: str | None = None


class CancelOrderParams(_Read, frozen=True, kw_only=True):
    order_id: list[str] | None = None
    cl_ord_id: list[str] | None = None
    order_userref: list[int] | None = None
    token: str | None = None


class CancelAllParams(_Read, frozen=True, kw_only=True):
    token: str | None = None


class CancelAfterParams(_Read, frozen=True, kw_only=True):
    timeout: int
    token: str | None = None


class SubscribeParams(_Read, frozen=True, kw_only=True):
    """`subscribe`/`unsubscribe` for `executions` (private) and `ticker` (public)."""

    channel: str
    token: str | None = None
    snap_orders: bool = True
    snap_trades: bool = False
    order_status: bool = True
    ratecounter: bool = False
    rebased: bool = True
    users: str | None = None
    snapshot: bool | None = None
    snapshot_trades: bool | None = None
    symbol: list[str] | None = None
    event_trigger: Literal["bbo", "trades"] = "trades"


_P = TypeVar("_P", bound=msgspec.Struct)


def decode_params(raw: msgspec.Raw, kind: type[_P]) -> _P | str:
    """The typed params, or the problem as Kraken's `EGeneral:Invalid arguments:<detail>`.

    >>> decode_params(msgspec.Raw(b'{"timeout":60}'), CancelAfterParams).timeout
    60
    >>> decode_params(msgspec.Raw(b'{"order_qty":"1.5"}'), AmendOrderParams)
    'EGeneral:Invalid arguments:order_qty must be a number'
    """
    try:
        loose = msgspec.json.decode(raw)
    except msgspec.DecodeError:
        return errors.invalid("params must be JSON")
    problem = _string_number(loose)
    if problem is not None:
        return errors.invalid(f"{problem} must be a number")
    try:
        return msgspec.json.decode(raw, type=kind)
    except msgspec.ValidationError as exc:
        return errors.invalid(f"{exc}")


def _string_number(value: object) -> str | None:
    if isinstance(value, dict):
        for key, item in value.items():
            if key in _NUMBER_FIELDS and isinstance(item, str):
                return str(key)
            found = _string_number(item)
            if found is not None:
                return found
    elif isinstance(value, list):
        for item in value:
            found = _string_number(item)
            if found is not None:
                return found
    return None

"""Read a WS v2 `add_order` message back into the intent it says, so that a message written
elsewhere (or read back from our own bytes) can be checked and built again: the inverse of
`momentum.exchange.kraken.ws_v2_payloads.render_add_order`.

docs.kraken.com/api/docs/websocket-v2/add_order

Fields a message leaves out take Kraken's documented defaults: a trigger's `reference` is
`last` and its `price_type` `static`, a trailing-stop-limit's `limit_price_type` is `quote`.
`expire_time` and `effective_time` are strict RFC 3339 (`2026-12-4T1:2:3Z` is refused).

>>> from momentum.exchange.kraken.ws_v2_messages import decode_request
>>> message = decode_request(b'{"method":"add_order","params":{"order_type":"stop-loss",'
...     b'"side":"sell","order_qty":100,"symbol":"MATIC/USD","triggers":{"price":-2.0,'
...     b'"price_type":"pct"}}}').unwrap()
>>> intent_of(message).unwrap().trigger
Trigger(price=Decimal('-2.0'), price_type='pct', reference='last')
"""

from datetime import datetime
from decimal import Decimal
from typing import TypedDict, assert_never

from msgspec import UNSET
from returns.result import Failure, Result, Success

from momentum.errors import InputInvalid, show
from momentum.exchange.kraken.ws_v2_messages import (
    AddOrder,
    AddOrderParams,
    Conditional,
    ConditionalLimit,
    ConditionalStopLoss,
    ConditionalStopLossLimit,
    ConditionalTakeProfit,
    ConditionalTakeProfitLimit,
    ConditionalTrailingStop,
    ConditionalTrailingStopLimit,
    IcebergParams,
    LimitParams,
    MarketParams,
    StopLossLimitParams,
    StopLossParams,
    TakeProfitLimitParams,
    TakeProfitParams,
    TrailingStopLimitParams,
    TrailingStopParams,
    Triggers,
)
from momentum.models.intent import (
    Close,
    FeePreference,
    IcebergOrder,
    LimitClose,
    LimitOrder,
    MarketOrder,
    Side,
    SpotOrder,
    StopLossClose,
    StopLossLimitClose,
    StopLossLimitOrder,
    StopLossOrder,
    StpType,
    TakeProfitClose,
    TakeProfitLimitClose,
    TakeProfitLimitOrder,
    TakeProfitOrder,
    TimeInForce,
    TrailingStopClose,
    TrailingStopLimitClose,
    TrailingStopLimitOrder,
    TrailingStopOrder,
    Trigger,
    parse_moment,
)

__all__ = ["intent_of"]


def _trigger(triggers: Triggers) -> Trigger:
    return Trigger(
        price=Decimal(triggers.price),
        price_type="static" if triggers.price_type is UNSET else triggers.price_type,
        reference="last" if triggers.reference is UNSET else triggers.reference,
    )


def _close(conditional: Conditional) -> Close:
    match conditional:
        case ConditionalLimit():
            return LimitClose(limit_price=Decimal(conditional.limit_price))
        case ConditionalStopLoss():
            return StopLossClose(
                trigger_price=Decimal(conditional.trigger_price),
                trigger_price_type=conditional.trigger_price_type or "static",
            )
        case ConditionalTakeProfit():
            return TakeProfitClose(
                trigger_price=Decimal(conditional.trigger_price),
                trigger_price_type=conditional.trigger_price_type or "static",
            )
        case ConditionalStopLossLimit():
            return StopLossLimitClose(
                trigger_price=Decimal(conditional.trigger_price),
                limit_price=Decimal(conditional.limit_price),
                trigger_price_type=conditional.trigger_price_type or "static",
            )
        case ConditionalTakeProfitLimit():
            return TakeProfitLimitClose(
                trigger_price=Decimal(conditional.trigger_price),
                limit_price=Decimal(conditional.limit_price),
                trigger_price_type=conditional.trigger_price_type or "static",
            )
        case ConditionalTrailingStop():
            return TrailingStopClose(
                trigger_price=Decimal(conditional.trigger_price),
                trigger_price_type=conditional.trigger_price_type,
            )
        case ConditionalTrailingStopLimit():
            return TrailingStopLimitClose(
                trigger_price=Decimal(conditional.trigger_price),
                trigger_price_type=conditional.trigger_price_type,
                limit_price=Decimal(conditional.limit_price),
                limit_price_type="quote"
                if conditional.limit_price_type is UNSET
                else conditional.limit_price_type,
            )
        case _:
            assert_never(conditional)


class _IntentCommon(TypedDict):
    symbol: str
    side: Side
    qty: Decimal
    time_in_force: TimeInForce | None
    expire_time: datetime | None
    effective_time: datetime | None
    stp_type: StpType | None
    fee_preference: FeePreference | None
    cl_ord_id: str | None
    order_userref: int | None
    sender_sub_id: str | None
    ref_price: Decimal | None
    close: Close | None


def intent_of(
    message: AddOrder, *, ref_price: Decimal | None = None
) -> Result[SpotOrder, tuple[InputInvalid, ...]]:
    """The intent a message says, so a message read back can be checked and built again.

    `ref_price` is not on the wire; pass the one the message was built with.
    """
    params = message.params
    moments: dict[str, datetime | None] = {}
    for name in ("expire_time", "effective_time"):
        text = getattr(params, name)
        moments[name] = None if text is None else parse_moment(text)
        if text is not None and moments[name] is None:
            return Failure(
                (
                    InputInvalid(
                        field=f"params.{name}",
                        given=show(text),
                        accepted="RFC 3339 to the second, such as 2026-12-01T00:00:00Z",
                    ),
                )
            )
    conditional = params.conditional
    close = None if conditional is None else _close(conditional)
    return Success(_intent(params, moments, close, ref_price))


def _intent(
    params: AddOrderParams,
    moments: dict[str, datetime | None],
    close: Close | None,
    ref_price: Decimal | None,
) -> SpotOrder:
    common: _IntentCommon = {
        "symbol": params.symbol,
        "side": params.side,
        "qty": Decimal(params.order_qty),
        "time_in_force": params.time_in_force,
        "expire_time": moments["expire_time"],
        "effective_time": moments["effective_time"],
        "stp_type": params.stp_type,
        "fee_preference": params.fee_preference,
        "cl_ord_id": params.cl_ord_id,
        "order_userref": params.order_userref,
        "sender_sub_id": params.sender_sub_id,
        "ref_price": ref_price,
        "close": close,
    }
    match params:
        case LimitParams():
            return LimitOrder(
                **common, limit_price=Decimal(params.limit_price), post_only=params.post_only
            )
        case MarketParams():
            cash = None if params.cash_order_qty is None else Decimal(params.cash_order_qty)
            return MarketOrder(**common, cash_qty=cash)
        case StopLossParams():
            return StopLossOrder(**common, trigger=_trigger(params.triggers))
        case TakeProfitParams():
            return TakeProfitOrder(**common, trigger=_trigger(params.triggers))
        case StopLossLimitParams():
            return StopLossLimitOrder(
                **common, trigger=_trigger(params.triggers), limit_price=Decimal(params.limit_price)
            )
        case TakeProfitLimitParams():
            return TakeProfitLimitOrder(
                **common, trigger=_trigger(params.triggers), limit_price=Decimal(params.limit_price)
            )
        case IcebergParams():
            return IcebergOrder(
                **common,
                limit_price=Decimal(params.limit_price),
                display_qty=Decimal(params.display_qty),
            )
        case TrailingStopParams():
            return TrailingStopOrder(**common, trigger=_trigger(params.triggers))
        case TrailingStopLimitParams():
            return TrailingStopLimitOrder(
                **common,
                trigger=_trigger(params.triggers),
                limit_price=Decimal(params.limit_price),
                limit_price_type="quote"
                if params.limit_price_type is UNSET
                else params.limit_price_type,
            )
        case _:
            assert_never(params)

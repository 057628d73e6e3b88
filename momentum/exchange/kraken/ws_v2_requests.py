"""The WS v2 requests beyond a single `add_order`: `batch_add`, `amend_order`, `cancel_order`, and
the bracket plan (an entry protected by its stop, then its take-profit after the fill).

docs.kraken.com/api/docs/websocket-v2/batch_add, .../amend_order, .../cancel_order

Each builder checks first and renders only what passed, returning every problem at once.
`amend_order` and `cancel_order` have no `validate` mode: they always act on live orders, so they
are built only with `ALLOW_LIVE=1`.
"""

from collections.abc import Sequence
from decimal import Decimal
from typing import Final, Literal, TypedDict, assert_never

from returns.result import Result

from momentum.errors import OrderProblem
from momentum.exchange.kraken.ws_v2_messages import (
    AddOrder,
    AddOrderParams,
    AmendOrder,
    AmendOrderParams,
    BatchAdd,
    BatchAddParams,
    BatchIceberg,
    BatchLimit,
    BatchMarket,
    BatchOrder,
    BatchStopLoss,
    BatchStopLossLimit,
    BatchTakeProfit,
    BatchTakeProfitLimit,
    BatchTrailingStop,
    BatchTrailingStopLimit,
    CancelOrder,
    CancelOrderParams,
    Conditional,
    IcebergParams,
    LimitParams,
    MarketParams,
    Request,
    StopLossLimitParams,
    StopLossParams,
    TakeProfitLimitParams,
    TakeProfitParams,
    TrailingStopLimitParams,
    TrailingStopParams,
    wire_number,
    with_token,
)
from momentum.exchange.kraken.ws_v2_payloads import deadline_text, render_add_order
from momentum.models.context import Context
from momentum.models.intent import (
    Amend,
    Cancel,
    FeePreference,
    OrderIntent,
    Side,
    SpotOrder,
    StopLossClose,
    StopLossLimitClose,
    StpType,
    TimeInForce,
)
from momentum.utils.safety import BATCH_SIZE as _BATCH_SIZE
from momentum.utils.safety import (
    TakeProfitLeg,
    check_amend,
    check_batch,
    check_bracket,
    check_cancel,
)

__all__ = [
    "BATCH_SIZE",
    "TakeProfitLeg",
    "bracket_plan",
    "bracket_plan_json",
    "build_amend_order",
    "build_amend_order_json",
    "build_batch_add",
    "build_batch_add_json",
    "build_cancel_order",
    "build_cancel_order_json",
]

BATCH_SIZE: Final = _BATCH_SIZE


# --- batch_add ------------------------------------------------------------------------------------


def build_batch_add(
    orders: Sequence[OrderIntent], context: Context
) -> Result[BatchAdd, tuple[OrderProblem, ...]]:
    """Check the batch (`momentum.utils.safety.check_batch`: each order, and every buy leg held to
    `ENTRY_MAX_NOTIONAL` together); if one order is refused the whole batch is, as the exchange
    rejects a whole batch on a validation failure. Then render it."""
    checked: Result[tuple[SpotOrder, ...], tuple[OrderProblem, ...]] = check_batch(orders, context)
    return checked.map(lambda ok: _batch(ok, context))


def _batch(orders: tuple[SpotOrder, ...], context: Context) -> BatchAdd:
    rendered = [render_add_order(order, context).params for order in orders]
    return BatchAdd(
        params=BatchAddParams(
            symbol=rendered[0].symbol,
            orders=[_batch_order(params) for params in rendered],
            validate=rendered[0].validate,
            deadline=rendered[0].deadline,
        ),
        req_id=context.req_id,
    )


class _OrderCommon(TypedDict):
    side: Side
    order_qty: Decimal
    margin: Literal[False]
    time_in_force: TimeInForce | None
    expire_time: str | None
    effective_time: str | None
    stp_type: StpType | None
    cl_ord_id: str | None
    order_userref: int | None
    fee_preference: FeePreference | None
    sender_sub_id: str | None
    conditional: Conditional | None


def _batch_order(params: AddOrderParams) -> BatchOrder:
    common: _OrderCommon = {
        "side": params.side,
        "order_qty": params.order_qty,
        "margin": False,
        "time_in_force": params.time_in_force,
        "expire_time": params.expire_time,
        "effective_time": params.effective_time,
        "stp_type": params.stp_type,
        "cl_ord_id": params.cl_ord_id,
        "order_userref": params.order_userref,
        "fee_preference": params.fee_preference,
        "sender_sub_id": params.sender_sub_id,
        "conditional": params.conditional,
    }
    match params:
        case LimitParams():
            return BatchLimit(**common, limit_price=params.limit_price, post_only=params.post_only)
        case MarketParams():
            return BatchMarket(**common, cash_order_qty=params.cash_order_qty)
        case StopLossParams():
            return BatchStopLoss(**common, triggers=params.triggers)
        case TakeProfitParams():
            return BatchTakeProfit(**common, triggers=params.triggers)
        case StopLossLimitParams():
            return BatchStopLossLimit(
                **common, triggers=params.triggers, limit_price=params.limit_price
            )
        case TakeProfitLimitParams():
            return BatchTakeProfitLimit(
                **common, triggers=params.triggers, limit_price=params.limit_price
            )
        case IcebergParams():
            return BatchIceberg(
                **common, limit_price=params.limit_price, display_qty=params.display_qty
            )
        case TrailingStopParams():
            return BatchTrailingStop(**common, triggers=params.triggers)
        case TrailingStopLimitParams():
            return BatchTrailingStopLimit(
                **common,
                triggers=params.triggers,
                limit_price=params.limit_price,
                limit_price_type=params.limit_price_type,
            )
        case _:
            assert_never(params)


# --- amend_order and cancel_order ---------------------------------------------------------------


def build_amend_order(
    amend: Amend, context: Context
) -> Result[AmendOrder, tuple[OrderProblem, ...]]:
    """`amend_order` for a checked `Amend`; a price goes out with its type, always."""
    checked: Result[Amend, tuple[OrderProblem, ...]] = check_amend(amend, context)
    return checked.map(
        lambda ok: AmendOrder(
            params=AmendOrderParams(
                order_id=ok.order_id,
                cl_ord_id=ok.cl_ord_id,
                order_qty=wire_number(ok.qty),
                display_qty=None if ok.display_qty is None else wire_number(ok.display_qty),
                limit_price=None if ok.limit_price is None else wire_number(ok.limit_price),
                limit_price_type=None if ok.limit_price is None else ok.limit_price_type,
                post_only=ok.post_only,
                trigger_price=None if ok.trigger_price is None else wire_number(ok.trigger_price),
                trigger_price_type=None if ok.trigger_price is None else ok.trigger_price_type,
                # deadline: sent although clock skew between this host and Kraken eats into it.
                deadline=deadline_text(context.now, context.knobs.deadline_ms),
            ),
            req_id=context.req_id,
        )
    )


def build_cancel_order(
    cancel: Cancel, context: Context
) -> Result[CancelOrder, tuple[OrderProblem, ...]]:
    """`cancel_order` for a checked `Cancel`; id lists left empty are not sent."""
    checked: Result[Cancel, tuple[OrderProblem, ...]] = check_cancel(cancel, context)
    return checked.map(
        lambda ok: CancelOrder(
            params=CancelOrderParams(
                order_id=list(ok.order_ids) or None,
                cl_ord_id=list(ok.cl_ord_ids) or None,
                order_userref=list(ok.order_userrefs) or None,
            ),
            req_id=context.req_id,
        )
    )


# --- the bracket plan -------------------------------------------------------------------------------


def bracket_plan(
    entry: SpotOrder,
    stop: StopLossClose | StopLossLimitClose,
    take_profit: TakeProfitLeg,
    context: Context,
) -> Result[tuple[AddOrder, AddOrder], tuple[OrderProblem, ...]]:
    """The two messages a bot sends for an entry with both a stop and a take-profit, in order.

    Kraken's `conditional` takes one close, so: (1) the entry with the stop as its OTO close
    (protection first); (2) the take-profit as a standalone order on the opposite side for the
    entry's quantity, to go out after the fill. Both legs are checked together
    (`momentum.utils.safety.check_bracket`), every problem of either at once. Rebuild (2) at send
    time with the filled quantity and a fresh clock reading: its deadline here is only a preview.
    """
    checked: Result[tuple[SpotOrder, SpotOrder], tuple[OrderProblem, ...]] = check_bracket(
        entry, stop, take_profit, context
    )
    return checked.map(
        lambda legs: (render_add_order(legs[0], context), render_add_order(legs[1], context))
    )


# --- the same, as the bytes to send --------------------------------------------------------------


def _sendable(
    built: Result[Request, tuple[OrderProblem, ...]], token: str | None
) -> Result[bytes, tuple[OrderProblem, ...]]:
    encoded: Result[bytes, tuple[OrderProblem, ...]] = built.bind(
        lambda message: with_token(message, token)
    )
    return encoded


def build_batch_add_json(
    orders: Sequence[OrderIntent], context: Context, *, token: str | None = None
) -> Result[bytes, tuple[OrderProblem, ...]]:
    """`build_batch_add` as the bytes to send, with the session's `token` when given."""
    return _sendable(build_batch_add(orders, context), token)


def build_amend_order_json(
    amend: Amend, context: Context, *, token: str | None = None
) -> Result[bytes, tuple[OrderProblem, ...]]:
    """`build_amend_order` as the bytes to send, with the session's `token` when given."""
    return _sendable(build_amend_order(amend, context), token)


def build_cancel_order_json(
    cancel: Cancel, context: Context, *, token: str | None = None
) -> Result[bytes, tuple[OrderProblem, ...]]:
    """`build_cancel_order` as the bytes to send, with the session's `token` when given."""
    return _sendable(build_cancel_order(cancel, context), token)


def bracket_plan_json(
    entry: SpotOrder,
    stop: StopLossClose | StopLossLimitClose,
    take_profit: TakeProfitLeg,
    context: Context,
    *,
    token: str | None = None,
) -> Result[tuple[bytes, bytes], tuple[OrderProblem, ...]]:
    """`bracket_plan` as the two byte strings to send, in order."""
    planned = bracket_plan(entry, stop, take_profit, context)
    return planned.bind(lambda legs: _pair(legs, token))


def _pair(
    legs: tuple[AddOrder, AddOrder], token: str | None
) -> Result[tuple[bytes, bytes], tuple[OrderProblem, ...]]:
    # encoding fails only on a non-finite number, which the checks refuse before rendering
    return with_token(legs[0], token).bind(
        lambda first: with_token(legs[1], token).map(lambda second: (first, second))
    )

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

import msgspec
from returns.result import Failure, Result, Success

from momentum.errors import GuardRefused, InputInvalid, KnobInvalid, Problem
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
    StopLossLimitParams,
    StopLossParams,
    TakeProfitLimitParams,
    TakeProfitParams,
    TrailingStopLimitParams,
    TrailingStopParams,
    wire_number,
)
from momentum.exchange.kraken.ws_v2_payloads import build_add_order, deadline_text, render_add_order
from momentum.models.intent import EXACT as _EXACT
from momentum.models.intent import (
    Amend,
    Cancel,
    FeePreference,
    LimitClose,
    LimitOrder,
    OrderIntent,
    Side,
    SpotOrder,
    StopLossClose,
    StopLossLimitClose,
    StpType,
    TakeProfitClose,
    TakeProfitLimitClose,
    TakeProfitLimitOrder,
    TakeProfitOrder,
    TimeInForce,
    Trigger,
)
from momentum.utils.safety import (
    Context,
    check_amend,
    check_cancel,
    check_order,
    close_side,
    entry_price,
)

__all__ = [
    "BATCH_SIZE",
    "bracket_plan",
    "build_amend_order",
    "build_batch_add",
    "build_cancel_order",
]

# batch_add: "2-15 orders" on one symbol -- docs.kraken.com/api/docs/websocket-v2/batch_add
BATCH_SIZE: Final = range(2, 16)


# --- batch_add ------------------------------------------------------------------------------------


def _prefixed(problem: Problem, index: int) -> Problem:
    match problem:
        case InputInvalid():
            return msgspec.structs.replace(problem, field=f"orders[{index}].{problem.field}")
        case GuardRefused():
            return msgspec.structs.replace(problem, figures=f"orders[{index}]: {problem.figures}")
        case KnobInvalid():
            return problem
        case _:
            assert_never(problem)


def build_batch_add(
    orders: Sequence[OrderIntent], context: Context
) -> Result[BatchAdd, tuple[Problem, ...]]:
    """Check every order; if one is refused the whole batch is (the exchange rejects a whole batch
    on a validation failure). Buys are held to `ENTRY_MAX_NOTIONAL` together, not one by one."""
    problems: list[Problem] = []
    if len(orders) not in BATCH_SIZE:
        problems.append(
            InputInvalid(field="orders", given=f"{len(orders)} orders", accepted="2 to 15 orders")
        )
    symbols = {getattr(order, "symbol", None) for order in orders}
    if len(symbols) > 1:
        problems.append(
            InputInvalid(
                field="orders",
                given=f"orders on {len(symbols)} symbols",
                accepted="one symbol per batch (batch_add takes one pair)",
            )
        )
    single = msgspec.structs.replace(context, req_id=None)
    checked: list[SpotOrder] = []
    for index, order in enumerate(orders):
        match check_order(order, single):
            case Success(ok):
                checked.append(ok)
            case Failure(tuple() as found):
                problems.extend(_prefixed(problem, index) for problem in found)
    for index, order in enumerate(checked):
        # batch_add lists time_in_force gtc, gtd and ioc only -- docs.kraken.com/api/docs/websocket-v2/batch_add
        if (order.time_in_force or context.knobs.default_tif) == "fok":
            problems.append(
                InputInvalid(
                    field=f"orders[{index}].time_in_force",
                    given="'fok', which batch_add does not list",
                    accepted="gtc, gtd or ioc in a batch (send a fok order on its own)",
                )
            )
    if not problems:
        problems.extend(_batch_notional(checked, context))
    if context.req_id is not None and context.req_id not in range(-(2**31), 2**31):
        problems.append(InputInvalid(field="req_id", given=str(context.req_id),
                                     accepted="a signed 32-bit integer"))  # fmt: skip
    if problems:
        return Failure(tuple(problems))
    rendered = [render_add_order(order, single).params for order in checked]
    return Success(
        BatchAdd(
            params=BatchAddParams(
                symbol=rendered[0].symbol,
                orders=[_batch_order(params) for params in rendered],
                validate=rendered[0].validate,
                deadline=rendered[0].deadline,
            ),
            req_id=context.req_id,
        )
    )


def _batch_notional(orders: Sequence[SpotOrder], context: Context) -> list[Problem]:
    cap = context.knobs.entry_max_notional
    total = Decimal(0)
    for order in orders:
        price = entry_price(order, context.knobs)
        if order.side == "buy" and price is not None:
            total = _EXACT.add(total, _EXACT.multiply(order.qty, price))
    if total <= cap:
        return []
    quote = orders[0].symbol.partition("/")[2]
    return [
        GuardRefused(
            guard="ENTRY_MAX_NOTIONAL",
            figures=f"the batch's buys total {format(total.normalize(), 'f')} {quote} > cap "
            f"{format(cap, 'f')} {quote}",
            remedy="raise ENTRY_MAX_NOTIONAL or send fewer or smaller buys",
        )
    ]


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


def build_amend_order(amend: Amend, context: Context) -> Result[AmendOrder, tuple[Problem, ...]]:
    """`amend_order` for a checked `Amend`; a price goes out with its type, always."""
    checked: Result[Amend, tuple[Problem, ...]] = check_amend(amend, context)
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
) -> Result[CancelOrder, tuple[Problem, ...]]:
    """`cancel_order` for a checked `Cancel`; id lists left empty are not sent."""
    checked: Result[Cancel, tuple[Problem, ...]] = check_cancel(cancel, context)
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

TakeProfitLeg = TakeProfitClose | TakeProfitLimitClose | LimitClose


def _take_profit_order(entry: SpotOrder, take: TakeProfitLeg, context: Context) -> SpotOrder:
    side = close_side(entry.side)
    # The leg goes out after the fill, when the market stands near the entry's price.
    reference = entry_price(entry, context.knobs)
    match take:
        case TakeProfitClose():
            return TakeProfitOrder(
                symbol=entry.symbol, side=side, qty=entry.qty, ref_price=reference,
                trigger=Trigger(price=take.trigger_price, price_type=take.trigger_price_type),
            )  # fmt: skip
        case TakeProfitLimitClose():
            return TakeProfitLimitOrder(
                symbol=entry.symbol, side=side, qty=entry.qty, ref_price=reference,
                trigger=Trigger(price=take.trigger_price, price_type=take.trigger_price_type),
                limit_price=take.limit_price,
            )  # fmt: skip
        case LimitClose():
            return LimitOrder(
                symbol=entry.symbol, side=side, qty=entry.qty, limit_price=take.limit_price,
                ref_price=reference,
            )  # fmt: skip
        case _:
            assert_never(take)


def bracket_plan(
    entry: SpotOrder,
    stop: StopLossClose | StopLossLimitClose,
    take_profit: TakeProfitLeg,
    context: Context,
) -> Result[tuple[AddOrder, AddOrder], tuple[Problem, ...]]:
    """The two messages a bot sends for an entry with both a stop and a take-profit, in order.

    Kraken's `conditional` takes one close, so: (1) the entry with the stop as its OTO close
    (protection first); (2) the take-profit as a standalone order on the opposite side for the
    entry's quantity, to go out after the fill. Rebuild (2) at send time with the filled quantity
    and a fresh clock reading: its deadline here is only a preview.
    """
    first = build_add_order(msgspec.structs.replace(entry, close=stop), context)
    checked_entry = first.map(lambda _: entry)
    second_order = checked_entry.map(lambda ok: _take_profit_order(ok, take_profit, context))
    match first, second_order:
        case Success(AddOrder() as protected), Success(take):
            second = build_add_order(take, context).alt(
                lambda found: tuple(_leg(problem) for problem in found)
            )
            return second.map(lambda leg: (protected, leg))
        case _:
            return Failure(first.swap().value_or(()))


def _leg(problem: Problem) -> Problem:
    if isinstance(problem, InputInvalid):
        return msgspec.structs.replace(problem, field=f"take_profit.{problem.field}")
    return problem

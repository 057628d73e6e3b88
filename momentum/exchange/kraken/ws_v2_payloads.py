"""Build Kraken WS v2 `add_order` messages from order intents, behind the safety checks.

docs.kraken.com/api/docs/websocket-v2/add_order

`build_add_order` is the one public path: check the intent (`momentum.utils.safety.check_order`),
then render it in Kraken's words (`render_add_order`, total on a checked intent). Its inverse,
`momentum.exchange.kraken.read_back.intent_of`, reads a message back into the intent it says.

Every message carries `margin: false` (spot only), `validate` (true unless `ALLOW_LIVE=1` and the
caller asked for a live order), `deadline` (now + `DEADLINE_MS`), `time_in_force` and `stp_type`.
No message carries a `token`: a sender adds it at send time.

>>> from datetime import datetime, UTC
>>> from decimal import Decimal
>>> from momentum.models.intent import LimitOrder, StopLossLimitClose
>>> from momentum.models.context import Context, Knobs
>>> order = LimitOrder(symbol="BTC/USD", side="buy", qty=Decimal("0.001"),
...     limit_price=Decimal("28440"), post_only=True,
...     close=StopLossLimitClose(trigger_price=Decimal("28410"), limit_price=Decimal("28400")))
>>> context = Context(knobs=Knobs(entry_max_notional=Decimal(50)),
...                   now=datetime(2026, 11, 28, 9, 0, 0, 123456, tzinfo=UTC))
>>> print(build_add_order_json(order, context).unwrap().decode())
{"method":"add_order","params":{"order_type":"limit","side":"buy","order_qty":0.001,"margin":false,"time_in_force":"gtc","stp_type":"cancel_newest","conditional":{"order_type":"stop-loss-limit","trigger_price":28410,"limit_price":28400},"symbol":"BTC/USD","validate":true,"deadline":"2026-11-28T09:00:05.123Z","limit_price":28440,"post_only":true}}
"""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Literal, TypedDict, assert_never

from returns.result import Failure, Result, Success

from momentum.errors import OrderProblem
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
    wire_number,
    with_token,
)
from momentum.models.context import Context, Knobs
from momentum.models.intent import (
    Close,
    FeePreference,
    IcebergOrder,
    LimitClose,
    LimitOrder,
    MarketOrder,
    OrderIntent,
    PriceType,
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
)
from momentum.utils.prices import effective_close_limit, effective_limit
from momentum.utils.safety import screen_order

__all__ = [
    "build_add_order",
    "build_add_order_json",
    "deadline_text",
    "render_add_order",
]


def build_add_order(
    order: OrderIntent, context: Context
) -> Result[AddOrder, tuple[OrderProblem, ...]]:
    """Check the intent against its own rules and the knobs, then render `add_order`.

    Every problem of the request comes back at once in the `Failure`.
    """
    rendered = _rendered(order, context)
    return Failure(rendered) if isinstance(rendered, tuple) else Success(rendered)


def build_add_order_json(
    order: OrderIntent, context: Context, *, token: str | None = None
) -> Result[bytes, tuple[OrderProblem, ...]]:
    """`build_add_order`, then the JSON bytes to put on the socket: with the session's `token`
    when given (`with_token`), never re-serialised by anything else."""
    rendered = _rendered(order, context)
    if isinstance(rendered, tuple):
        return Failure(rendered)
    encoded: Result[bytes, tuple[OrderProblem, ...]] = with_token(rendered, token)  # None: none
    return encoded


def _rendered(order: OrderIntent, context: Context) -> AddOrder | tuple[OrderProblem, ...]:
    # one Result per build, made by the caller: a returns container costs about 1 us (bench/README.md)
    checked = screen_order(order, context)
    return checked if isinstance(checked, tuple) else render_add_order(checked, context)


def deadline_text(now: datetime, deadline_ms: int) -> str:
    """`now` + `deadline_ms` as RFC3339 UTC with milliseconds (Kraken's precision for `deadline`).

    >>> deadline_text(datetime(2026, 11, 28, 9, 0, 0, 123999, tzinfo=UTC), 5000)
    '2026-11-28T09:00:05.123Z'
    """
    moment = now + timedelta(0, 0, 0, deadline_ms)  # positional: milliseconds, about 2x faster
    if moment.tzinfo is not UTC:
        moment = moment.astimezone(UTC)
    # isoformat truncates to the millisecond and ends in "+00:00" for UTC
    return moment.isoformat(timespec="milliseconds")[:-6] + "Z"


def _seconds_text(moment: datetime) -> str:
    return f"{moment.astimezone(UTC):%Y-%m-%dT%H:%M:%S}Z"


def _triggers(trigger: Trigger) -> Triggers:
    return Triggers(
        reference=trigger.reference,
        price=wire_number(trigger.price),
        price_type=trigger.price_type,
    )


def _conditional(close: Close, knobs: Knobs) -> Conditional:
    match close:
        case LimitClose():
            return ConditionalLimit(limit_price=wire_number(close.limit_price))
        case StopLossClose():
            return ConditionalStopLoss(
                trigger_price=wire_number(close.trigger_price),
                trigger_price_type=_relative(close.trigger_price_type),
            )
        case TakeProfitClose():
            return ConditionalTakeProfit(
                trigger_price=wire_number(close.trigger_price),
                trigger_price_type=_relative(close.trigger_price_type),
            )
        case StopLossLimitClose():
            return ConditionalStopLossLimit(
                trigger_price=wire_number(close.trigger_price),
                limit_price=wire_number(
                    _or(effective_close_limit(close, knobs), close.trigger_price)
                ),
                trigger_price_type=_relative(close.trigger_price_type),
            )
        case TakeProfitLimitClose():
            return ConditionalTakeProfitLimit(
                trigger_price=wire_number(close.trigger_price),
                limit_price=wire_number(
                    _or(effective_close_limit(close, knobs), close.trigger_price)
                ),
                trigger_price_type=_relative(close.trigger_price_type),
            )
        case TrailingStopClose():
            return ConditionalTrailingStop(
                trigger_price=wire_number(close.trigger_price),
                trigger_price_type=close.trigger_price_type,
            )
        case TrailingStopLimitClose():
            return ConditionalTrailingStopLimit(
                trigger_price=wire_number(close.trigger_price),
                trigger_price_type=close.trigger_price_type,
                limit_price=wire_number(close.limit_price),
                limit_price_type=close.limit_price_type,
            )
        case _:
            assert_never(close)


def _relative(price_type: PriceType) -> PriceType | None:
    # static is the documented default: sent only when the trigger is an offset
    return None if price_type == "static" else price_type


def _or(value: Decimal | None, fallback: Decimal) -> Decimal:
    # Only reached on checked intents, where ABS_LIMIT_REQUIRED has already refused a missing limit.
    return fallback if value is None else value


class _Common(TypedDict):
    """The `_Params` fields every order type's params get from the intent and the context."""

    side: Side
    order_qty: Decimal
    symbol: str
    margin: Literal[False]
    validate: bool
    deadline: str
    time_in_force: TimeInForce
    expire_time: str | None
    effective_time: str | None
    stp_type: StpType
    fee_preference: FeePreference | None
    cl_ord_id: str | None
    order_userref: int | None
    sender_sub_id: str | None
    conditional: Conditional | None


def render_add_order(order: SpotOrder, context: Context) -> AddOrder:
    """Render a checked intent as `add_order`; total, and only meaningful after `check_order`."""
    knobs = context.knobs
    time_in_force = order.time_in_force or knobs.default_tif
    common: _Common = {
        "side": order.side,
        "order_qty": wire_number(order.qty),
        "symbol": order.symbol,
        "margin": False,
        "validate": not (context.live and knobs.allow_live),
        # deadline: sent although clock skew between this host and Kraken eats into the window.
        "deadline": deadline_text(context.now, knobs.deadline_ms),
        "time_in_force": time_in_force,
        "expire_time": None if order.expire_time is None else _seconds_text(order.expire_time),
        "effective_time": None
        if order.effective_time is None
        else _seconds_text(order.effective_time),
        "stp_type": order.stp_type or knobs.default_stp,
        "fee_preference": order.fee_preference,
        "cl_ord_id": order.cl_ord_id,
        "order_userref": order.order_userref,
        "sender_sub_id": order.sender_sub_id,
        "conditional": None if order.close is None else _conditional(order.close, knobs),
    }
    params: AddOrderParams
    match order:
        case LimitOrder():
            params = LimitParams(
                **common,
                limit_price=wire_number(order.limit_price),
                post_only=order.post_only,
            )
        case MarketOrder():
            cash = None if order.cash_qty is None else wire_number(order.cash_qty)
            params = MarketParams(**common, cash_order_qty=cash)
        case StopLossOrder():
            params = StopLossParams(**common, triggers=_triggers(order.trigger))
        case TakeProfitOrder():
            params = TakeProfitParams(**common, triggers=_triggers(order.trigger))
        case StopLossLimitOrder():
            params = StopLossLimitParams(
                **common,
                triggers=_triggers(order.trigger),
                limit_price=wire_number(_or(effective_limit(order, knobs), order.trigger.price)),
            )
        case TakeProfitLimitOrder():
            params = TakeProfitLimitParams(
                **common,
                triggers=_triggers(order.trigger),
                limit_price=wire_number(_or(effective_limit(order, knobs), order.trigger.price)),
            )
        case IcebergOrder():
            params = IcebergParams(
                **common,
                limit_price=wire_number(order.limit_price),
                display_qty=wire_number(order.display_qty),
            )
        case TrailingStopOrder():
            params = TrailingStopParams(**common, triggers=_triggers(order.trigger))
        case TrailingStopLimitOrder():
            params = TrailingStopLimitParams(
                **common,
                triggers=_triggers(order.trigger),
                limit_price=wire_number(order.limit_price),
                limit_price_type=order.limit_price_type,
            )
        case _:
            assert_never(order)
    return AddOrder(params=params, req_id=context.req_id)

from datetime import UTC, datetime
from decimal import Decimal

from returns.result import Result

from momentum.errors import Problem
from momentum.exchange.kraken.ws_v2_messages import AddOrder, AmendOrder, BatchAdd, CancelOrder
from momentum.exchange.kraken.ws_v2_requests import (
    bracket_plan,
    build_amend_order,
    build_batch_add,
    build_cancel_order,
)
from momentum.exchange.kraken.ws_v2_responses import Placed, Rejected, Validated, decode_answer
from momentum.models.context import Context
from momentum.models.intent import (
    Amend,
    Cancel,
    LimitOrder,
    StopLossLimitClose,
    TakeProfitLimitClose,
)
from momentum.utils.env import Knobs

context = Context(knobs=Knobs(entry_max_notional=Decimal("100"), allow_live=True),
                  now=datetime.now(UTC))  # fmt: skip


def ladder() -> Result[BatchAdd, tuple[Problem, ...]]:
    # two to fifteen orders on one symbol; refused whole if one order is
    return build_batch_add(
        [LimitOrder(symbol="BTC/USD", side="buy", qty=Decimal("0.0005"), limit_price=Decimal(p))
         for p in ("28000", "27900")],
        context,
    )  # fmt: skip


def move(order_id: str) -> Result[AmendOrder, tuple[Problem, ...]]:
    # amend has no validate mode: it needs ALLOW_LIVE=1
    return build_amend_order(Amend(order_id=order_id, qty=Decimal("0.001"),
                                   limit_price=Decimal("28100")), context)  # fmt: skip


def pull(order_id: str) -> Result[CancelOrder, tuple[Problem, ...]]:
    return build_cancel_order(Cancel(order_ids=(order_id,)), context)


def bracket() -> Result[tuple[AddOrder, AddOrder], tuple[Problem, ...]]:
    # send the first now (entry + its stop), the second after the fill
    entry = LimitOrder(symbol="BTC/USD", side="buy", qty=Decimal("0.001"),
                       limit_price=Decimal("28440"))  # fmt: skip
    stop = StopLossLimitClose(trigger_price=Decimal("28410"), limit_price=Decimal("28400"))
    take = TakeProfitLimitClose(trigger_price=Decimal("28600"), limit_price=Decimal("28590"))
    return bracket_plan(entry, stop, take, context)


def outcome(answer: bytes) -> str:
    match decode_answer(answer).map(lambda decoded: decoded.outcome).value_or(None):
        case Placed(orders=orders):
            return f"placed {[ack.order_id for ack in orders]}"
        case Validated():
            return "valid, nothing placed"
        case Rejected(kind=kind, text=text):
            return f"refused ({kind}): {text}"
        case None:
            return "not an answer to a trading request"

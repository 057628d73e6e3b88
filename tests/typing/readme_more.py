from datetime import UTC, datetime
from decimal import Decimal

from returns.result import Result

from momentum import api

context = api.Context(knobs=api.Knobs(entry_max_notional=Decimal("100"), allow_live=True),
                      now=datetime.now(UTC))  # fmt: skip


def ladder() -> Result[api.BatchAdd, tuple[api.OrderProblem, ...]]:
    # two to fifteen orders on one symbol; refused whole if one order is; buys capped together
    return api.build_batch_add(
        [api.LimitOrder(symbol="BTC/USD", side="buy", qty=Decimal("0.0005"),
                        limit_price=Decimal(p)) for p in ("28000", "27900")],
        context,
    )  # fmt: skip


def move(order_id: str) -> Result[api.AmendOrder, tuple[api.OrderProblem, ...]]:
    # no validate mode: it needs ALLOW_LIVE=1; no side on the wire: say it, or it is held as a buy
    amend = api.Amend(order_id=order_id, qty=Decimal("0.001"), limit_price=Decimal("28100"),
                      side="sell", symbol="BTC/USD")  # fmt: skip
    return api.build_amend_order(amend, context)


def pull(order_id: str) -> Result[api.CancelOrder, tuple[api.OrderProblem, ...]]:
    return api.build_cancel_order(api.Cancel(order_ids=(order_id,)), context)


def bracket() -> Result[tuple[api.AddOrder, api.AddOrder], tuple[api.OrderProblem, ...]]:
    # send the first now (entry + its stop), the second after the fill
    entry = api.LimitOrder(symbol="BTC/USD", side="buy", qty=Decimal("0.001"),
                           limit_price=Decimal("28440"))  # fmt: skip
    stop = api.StopLossLimitClose(trigger_price=Decimal("28410"), limit_price=Decimal("28400"))
    take = api.TakeProfitLimitClose(trigger_price=Decimal("28600"), limit_price=Decimal("28590"))
    return api.bracket_plan(entry, stop, take, context)


def outcome(answer: bytes) -> str:
    match api.decode_answer(answer).map(lambda decoded: decoded.outcome).value_or(None):
        case api.Placed(orders=orders):
            return f"placed {[ack.order_id for ack in orders]}"
        case api.Validated():
            return "valid, nothing placed"
        case api.Rejected(kind=kind, text=text):
            return f"refused ({kind}): {text}"
        case None:
            return "not an answer to a trading request"

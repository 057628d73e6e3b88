from datetime import UTC, datetime
from decimal import Decimal

from momentum import api


async def place(credentials: api.Credentials, rest_url: str, ws_url: str) -> str:
    """Send one limit buy (validation only unless ALLOW_LIVE=1 and `live=True`); say what
    became of it. A request whose answer is lost is reconciled, never sent again."""
    context = api.Context(knobs=api.Knobs(entry_max_notional=Decimal("50")), now=datetime.now(UTC))
    order = api.LimitOrder(symbol="BTC/USD", side="buy", qty=Decimal("0.001"),
                           limit_price=Decimal("28440"))  # fmt: skip
    built = api.build_add_order(order, context)
    if not isinstance(message := built.value_or(None), api.AddOrder):
        return "refused here: " + "; ".join(api.render(p) for p in built.failure())
    config = api.SessionConfig(context=context)
    async with api.LiveSession(config, credentials, rest_url=rest_url, ws_url=ws_url) as live:
        submitted = await live.submit(message)  # checked again, then sent with a fresh token
        if isinstance(submitted, api.Refused):
            return "refused here: " + "; ".join(api.render(p) for p in submitted.problems)
        outcomes = await live.outcome(submitted.req_id, timeout=30)
    match outcomes[-1] if outcomes else None:
        case api.Answered(answer=answer):
            return "accepted" if answer.success else f"rejected: {answer.error}"
        case api.Resolved(found=found):
            return f"no answer; reconciled: {found}"
        case api.NotSent(reason=reason):
            return f"not sent: {reason}"
        case _:
            return "outcome unknown: check the open orders before anything else"

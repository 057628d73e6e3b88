from datetime import UTC, datetime
from decimal import Decimal
from typing import assert_never

from returns.result import Failure, Success

from momentum import api


def entry_message(
    open_positions: int, instruments: api.InstrumentTable, token: str | None = None
) -> bytes | None:
    order = api.LimitOrder(
        symbol="BTC/USD",
        side="buy",
        qty=Decimal("0.001"),
        limit_price=Decimal("28440"),
        post_only=True,
        close=api.StopLossLimitClose(trigger_price=Decimal("28410"), limit_price=Decimal("28400")),
    )
    context = api.Context(
        knobs=api.Knobs(entry_max_notional=Decimal("50")),  # or api.load_knobs(os.environ, None)
        now=datetime.now(UTC),  # read the clock once, in your shell
        exposure=api.Exposure(open_positions=open_positions),
        instruments=instruments,  # load once at start-up: api.load_instrument_table(knobs)
    )
    match api.build_add_order_json(order, context, token=token):
        case Success(bytes() as message):
            return message  # send these bytes as they are; never json.loads/json.dumps them
        case Failure(tuple() as problems):
            for problem in problems:
                print(react(problem))
            return None
        case _:
            return None


def react(problem: api.OrderProblem) -> str:
    match problem:
        case api.GuardRefused(detail=api.Notional(max_qty=largest)) if largest is not None:
            return f"shrink the order to at most {largest}"
        case api.GuardRefused(guard=guard):
            return f"{guard} refused it: {problem.render()}"
        case api.InputInvalid(field=field):
            return f"fix {field}: {problem.render()}"
        case _:
            assert_never(problem)

from datetime import UTC, datetime
from decimal import Decimal

from returns.result import Failure, Success

from momentum.errors import exit_code
from momentum.exchange.kraken.ws_v2_payloads import build_add_order_json
from momentum.models.context import Context, Exposure
from momentum.models.instrument import InstrumentTable
from momentum.models.intent import LimitOrder, StopLossLimitClose
from momentum.utils.env import Knobs


def entry_message(open_positions: int, instruments: InstrumentTable) -> bytes | None:
    order = LimitOrder(
        symbol="BTC/USD",
        side="buy",
        qty=Decimal("0.001"),
        limit_price=Decimal("28440"),
        post_only=True,
        close=StopLossLimitClose(trigger_price=Decimal("28410"), limit_price=Decimal("28400")),
    )
    context = Context(
        knobs=Knobs(entry_max_notional=Decimal("50")),  # or load_knobs(os.environ, None)
        now=datetime.now(UTC),  # read the clock once, in your shell
        exposure=Exposure(open_positions=open_positions),
        instruments=instruments,  # load once at start-up, e.g. load_default_instruments()
    )
    match build_add_order_json(order, context):
        case Success(bytes() as message):
            return message  # add the token at send time, then send
        case Failure(tuple() as problems):
            for problem in problems:
                print(problem.render(), f"(exit {exit_code([problem])})")
            return None
        case _:
            return None

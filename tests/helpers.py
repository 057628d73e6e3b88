"""Small builders shared by the tests: a fixed clock, knobs, contexts, and decoded output."""

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import msgspec
from returns.result import Failure, Result, Success

from momentum.errors import Problem
from momentum.exchange.kraken.ws_v2_payloads import build_add_order_json
from momentum.models.context import Context, Exposure, TableChoice
from momentum.models.intent import LimitOrder, OrderIntent
from momentum.utils.env import Knobs

NOW = datetime(2026, 11, 28, 9, 0, 0, 123456, tzinfo=UTC)
DEADLINE = "2026-11-28T09:00:05.123Z"  # NOW + 5000 ms, to the millisecond


def D(text: str) -> Decimal:
    return Decimal(text)


def limit(**changes: Any) -> LimitOrder:
    """The Step 3 entry (buy 0.001 BTC/USD at 28440) with `changes`."""
    fields: dict[str, Any] = {
        "symbol": "BTC/USD",
        "side": "buy",
        "qty": D("0.001"),
        "limit_price": D("28440"),
    }
    return LimitOrder(**(fields | changes))


def knobs(**changes: Any) -> Knobs:
    """Documented defaults with a generous cap unless a test sets one, plus `changes`."""
    return msgspec.structs.replace(Knobs(entry_max_notional=D("1000000")), **changes)


def context(
    *,
    exposure: int = 0,
    live: bool = False,
    req_id: int | None = None,
    instruments: TableChoice = "unchecked",
    quote_rates: Mapping[str, Decimal] | None = None,
    **knob_changes: Any,
) -> Context:
    """A context at `NOW`; pair rules opted out of by name unless a test gives a table (the
    library's own default, the shipped table, has its own tests)."""
    return Context(
        knobs=knobs(**knob_changes),
        now=NOW,
        exposure=Exposure(open_positions=exposure),
        live=live,
        req_id=req_id,
        instruments=instruments,
        quote_rates=quote_rates or {},
    )


class N(str):
    """A JSON number as the exact text on the wire: `N("0.001") != N("0.0010") != N("1E-3")`."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"N({str(self)!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, N) and str.__eq__(self, other)

    def __hash__(self) -> int:
        return str.__hash__(self)


def loads(data: bytes | str) -> Any:
    """JSON with every number kept as its literal text (`N`), so digits and notation are compared."""
    return json.loads(data, parse_float=N, parse_int=N)


def built(order: OrderIntent, ctx: Context | None = None) -> Any:
    """The final bytes for `order`, decoded exactly; fails the test on a Failure."""
    result = build_add_order_json(order, ctx or context())
    match result:
        case Success(bytes() as data):
            return loads(data)
        case _:
            raise AssertionError(f"expected a message, not {result}")


def problems(result: Result[Any, tuple[Problem, ...]]) -> list[str]:
    """The rendered problems of a Failure; fails the test on a Success."""
    match result:
        case Failure(tuple() as found):
            return [problem.render() for problem in found]
        case _:
            raise AssertionError(f"expected problems, not {result}")


def refused(order: OrderIntent, ctx: Context | None = None) -> list[str]:
    return problems(build_add_order_json(order, ctx or context()))

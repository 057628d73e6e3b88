"""An order as the simulator keeps it, its read-only view, and Kraken-shaped identifiers.

Order ids look like `OK4GJX-KSTLS-7DZZO5` and exec ids like `TGBB7L-HT5LX-J3BZ4A` (6-5-6 upper
alphanumerics), as in docs.kraken.com/api/docs/websocket-v2/executions.
"""

import random
import string
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Final, Literal

import msgspec

from momentum.sim.requests import Conditional, OrderType

__all__ = [
    "OPEN",
    "IdMaker",
    "Order",
    "OrderStatus",
    "OrderView",
    "Side",
]

Side = Literal["buy", "sell"]
OrderStatus = Literal["pending_new", "new", "partially_filled", "filled", "canceled", "expired"]
OPEN: Final = frozenset({"pending_new", "new", "partially_filled"})
_ALPHABET: Final = string.ascii_uppercase + string.digits
TRIGGERED_TYPES: Final = frozenset(
    {
        "stop-loss",
        "stop-loss-limit",
        "take-profit",
        "take-profit-limit",
        "trailing-stop",
        "trailing-stop-limit",
    }
)
LIMIT_PRICED: Final = frozenset(
    {"limit", "iceberg", "stop-loss-limit", "take-profit-limit", "trailing-stop-limit"}
)


class IdMaker:
    """Kraken-shaped ids from one seeded generator, so a seeded run repeats exactly."""

    def __init__(self, seed: int | None) -> None:
        self._random = random.Random(seed)
        self._trade_ids: dict[str, int] = {}

    def _chunk(self, size: int) -> str:
        return "".join(self._random.choice(_ALPHABET) for _ in range(size))

    def _id(self, first: str) -> str:
        return f"{first}{self._chunk(5)}-{self._chunk(5)}-{self._chunk(6)}"

    def order_id(self) -> str:
        return self._id("O")

    def exec_id(self) -> str:
        return self._id("T")

    def trade_id(self, symbol: str) -> int:
        self._trade_ids[symbol] = self._trade_ids.get(symbol, 62887575) + 1
        return self._trade_ids[symbol]

    def connection_id(self) -> int:
        return self._random.getrandbits(63)


@dataclass(kw_only=True)
class Order:
    """One order's mutable state inside the engine."""

    order_id: str
    symbol: str
    side: Side
    order_type: OrderType
    order_qty: Decimal
    created: datetime
    priority: int
    limit_price: Decimal | None = None
    limit_price_type: str | None = None
    active_limit: Decimal | None = None
    trigger_reference: str = "last"
    trigger_given: Decimal | None = None
    trigger_price_type: str = "static"
    trigger_price: Decimal | None = None
    trail_extreme: Decimal | None = None
    triggered: bool = False
    time_in_force: str = "gtc"
    post_only: bool = False
    expire_time: datetime | None = None
    cl_ord_id: str | None = None
    order_userref: int | None = None
    conditional: Conditional | None = None
    ord_ref_id: str | None = None
    display_qty: Decimal | None = None
    margin: bool = False
    status: str = "pending_new"
    cum_qty: Decimal = Decimal("0")
    cum_cost: Decimal = Decimal("0")
    fees: Decimal = Decimal("0")
    amended: bool = False
    fills: list[str] = field(default_factory=list)

    @property
    def remaining(self) -> Decimal:
        return self.order_qty - self.cum_qty

    @property
    def is_open(self) -> bool:
        return self.status in OPEN

    @property
    def is_triggered_type(self) -> bool:
        return self.order_type in TRIGGERED_TYPES

    @property
    def waits_for_trigger(self) -> bool:
        return self.is_triggered_type and not self.triggered

    @property
    def rests_at_limit(self) -> bool:
        """Matches as a limit order: a limit, or a triggered *-limit."""
        return self.order_type in LIMIT_PRICED and not self.waits_for_trigger

    def avg_price(self) -> Decimal:
        if self.cum_qty == 0:
            return Decimal("0")
        return (self.cum_cost / self.cum_qty).quantize(Decimal("1e-10")).normalize()

    def view(self) -> "OrderView":
        return OrderView(
            order_id=self.order_id,
            cl_ord_id=self.cl_ord_id,
            order_userref=self.order_userref,
            symbol=self.symbol,
            side=self.side,
            order_type=self.order_type,
            status=self.status,
            order_qty=self.order_qty,
            filled=self.cum_qty,
            avg_price=self.avg_price(),
            limit_price=self.limit_price,
            trigger_price=self.trigger_price,
            triggered=self.triggered,
            time_in_force=self.time_in_force,
            post_only=self.post_only,
            ord_ref_id=self.ord_ref_id,
            fills=tuple(self.fills),
        )


class OrderView(msgspec.Struct, frozen=True, kw_only=True):
    """What `sim.orders` shows of one order: a snapshot, never the engine's own record."""

    order_id: str
    cl_ord_id: str | None
    order_userref: int | None
    symbol: str
    side: Side
    order_type: OrderType
    status: str
    order_qty: Decimal
    filled: Decimal
    avg_price: Decimal
    limit_price: Decimal | None
    trigger_price: Decimal | None
    triggered: bool
    time_in_force: str
    post_only: bool
    ord_ref_id: str | None
    fills: tuple[str, ...]

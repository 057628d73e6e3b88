"""The simulator's settings: account credentials, balances, pair rules, clocks and limits.

Pair rules are the `instrument` channel's fields (docs.kraken.com/api/docs/websocket-v2/instrument);
the rate-limit defaults are the Starter tier (docs.kraken.com/api/docs/guides/spot-ratelimits).
Every number is a dated fixture: Kraken changes minimums over time.
"""

import base64
import secrets
from collections.abc import Mapping
from decimal import Decimal
from typing import Final, Self

import msgspec

__all__ = [
    "BTC_USD",
    "DEFAULT_PAIRS",
    "ETH_USD",
    "PairRules",
    "SimConfig",
]


class PairRules(msgspec.Struct, frozen=True, kw_only=True):
    """One pair's order rules, named as the `instrument` channel names them.

    docs.kraken.com/api/docs/websocket-v2/instrument

    >>> BTC_USD.symbol, BTC_USD.price_increment
    ('BTC/USD', Decimal('0.1'))
    """

    symbol: str
    base: str
    quote: str
    price_increment: Decimal
    qty_increment: Decimal
    qty_min: Decimal
    cost_min: Decimal
    cost_precision: int = 5


# BTC/USD: tick 0.1, lot 1e-8, ordermin 0.00005 (2026 captures), costmin 0.5
BTC_USD: Final = PairRules(
    symbol="BTC/USD",
    base="BTC",
    quote="USD",
    price_increment=Decimal("0.1"),
    qty_increment=Decimal("0.00000001"),
    qty_min=Decimal("0.00005"),
    cost_min=Decimal("0.5"),
)
# ETH/USD: tick 0.01, ordermin 0.002, costmin 0.5 (2026 captures)
ETH_USD: Final = PairRules(
    symbol="ETH/USD",
    base="ETH",
    quote="USD",
    price_increment=Decimal("0.01"),
    qty_increment=Decimal("0.00000001"),
    qty_min=Decimal("0.002"),
    cost_min=Decimal("0.5"),
)
DEFAULT_PAIRS: Final = (BTC_USD, ETH_USD)


def _random_key() -> str:
    return base64.b64encode(secrets.token_bytes(42)).decode()


def _random_secret() -> str:
    return base64.b64encode(secrets.token_bytes(64)).decode()


class SimConfig(msgspec.Struct, frozen=True, kw_only=True):
    """The simulated account and exchange.

    `hold_balances`: open orders hold funds (a buy limit holds qty x limit price of the quote, a
    sell holds qty of the base), so a second sell on coins a resting sell already holds is refused.
    Off: only the balance at fill time matters, so a stop and a take-profit sell may both rest.

    `fill_latency`: seconds between a marketable order going live (`new`) and its first fill.
    `rate_threshold`/`rate_decay`: the per-pair trading counter (Starter: 60, 1 per second).
    `maker_fee`/`taker_fee`: fee rates, charged in the quote currency (0 by default).
    `executions_before_answer`: send an order's `pending_new`/`new` reports before the method's
    answer (Kraken does not document the order; a client must cope with both).
    `seed`: makes order ids, exec ids and connection ids repeatable.

    >>> SimConfig.throwaway().hold_balances
    True
    """

    api_key: str
    api_secret: str
    balances: Mapping[str, Decimal | int | str] = msgspec.field(
        default_factory=lambda: {"USD": Decimal("1000"), "BTC": Decimal("0")}
    )
    hold_balances: bool = True
    pairs: tuple[PairRules, ...] = DEFAULT_PAIRS
    heartbeat_interval: float = 1.0
    token_ttl: float = 900.0
    fill_latency: float = 0.0
    rate_threshold: float = 60.0
    rate_decay: float = 1.0
    maker_fee: Decimal = Decimal("0")
    taker_fee: Decimal = Decimal("0")
    executions_before_answer: bool = False
    book_qty: Decimal = Decimal("1")
    version: str = "2.0.10"
    seed: int | None = None

    @classmethod
    def throwaway(
        cls,
        balances: Mapping[str, Decimal | int | str] | None = None,
        *,
        hold_balances: bool = True,
        pairs: tuple[PairRules, ...] = DEFAULT_PAIRS,
        heartbeat_interval: float = 1.0,
        token_ttl: float = 900.0,
        fill_latency: float = 0.0,
        rate_threshold: float = 60.0,
        rate_decay: float = 1.0,
        executions_before_answer: bool = False,
        seed: int | None = None,
    ) -> Self:
        """A config with a random API key and a random 64-byte base64 secret, as Kraken issues."""
        return cls(
            api_key=_random_key(),
            api_secret=_random_secret(),
            balances=(
                dict(balances)
                if balances is not None
                else {"USD": Decimal("1000"), "BTC": Decimal("0")}
            ),
            hold_balances=hold_balances,
            pairs=pairs,
            heartbeat_interval=heartbeat_interval,
            token_ttl=token_ttl,
            fill_latency=fill_latency,
            rate_threshold=rate_threshold,
            rate_decay=rate_decay,
            executions_before_answer=executions_before_answer,
            seed=seed,
        )

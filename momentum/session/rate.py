"""Kraken's per-pair trading rate counter as pure values: what a request costs, how the count
decays, whether a request would pass now, and how long to wait if not.

Source: docs.kraken.com/api/docs/guides/spot-ratelimits (also docs.kraken.com/exchange/guides/
general/ratelimits). Each pair has its own count; every transaction adds to it and it decays
every second by the account's tier. Over the threshold the engine answers
`EOrder:Rate limit exceeded`.

============  =====  ============================================================  ===========
request       fixed  extra by the order's age (since created or last amended)      counted as
============  =====  ============================================================  ===========
add_order     +1     none                                                          per order
amend_order   +1     +3 / +2 / +1 under 5 / 10 / 15 s                              per order
edit_order    +1     +6 / +5 / +4 / +2 / +1 under 5 / 10 / 15 / 45 / 90 s          per order
cancel_order  none   +8 / +6 / +5 / +4 / +2 / +1 under 5 / 10 / 15 / 45 / 90 / 300  per order
batch_add     +n/2   none                                                          per batch
============  =====  ============================================================  ===========

Tiers: Starter threshold 60, decay 1 per second; Intermediate 125, 2.34; Pro 180, 3.75.

Everything is `Decimal` (the decay rates are decimals) and time is a `datetime` passed in: no
clock is read here. Arithmetic runs in a private context wide enough to be exact, so a caller's
`decimal` settings cannot round a level.

>>> from datetime import UTC
>>> start = datetime(2026, 1, 1, tzinfo=UTC)
>>> starter = charge(counter("starter"), "BTC/USD", Decimal(59), start)
>>> admit(starter, "BTC/USD", cost("amend_order", timedelta(seconds=3)), start)
Admit(ok=False, wait_seconds=Decimal('3.000000'), level=Decimal('59'))
>>> admit(starter, "BTC/USD", cost("amend_order", timedelta(seconds=3)), start + timedelta(seconds=3))
Admit(ok=True, wait_seconds=Decimal('0'), level=Decimal('56'))
"""

from datetime import datetime, timedelta
from decimal import ROUND_CEILING, Context, Decimal
from types import MappingProxyType
from typing import Final, Literal, assert_never

import msgspec

__all__ = [
    "LIMITS",
    "Admit",
    "Limits",
    "PairLevel",
    "RateCounter",
    "RequestKind",
    "Tier",
    "admit",
    "charge",
    "cost",
    "counter",
    "level",
    "tier_of",
]

Tier = Literal["starter", "intermediate", "pro"]
RequestKind = Literal["add_order", "amend_order", "edit_order", "cancel_order", "batch_add"]


class Limits(msgspec.Struct, frozen=True, kw_only=True):
    """A tier's counter threshold and its decay per second
    (docs.kraken.com/api/docs/guides/spot-ratelimits).

    >>> LIMITS["intermediate"]
    Limits(threshold=Decimal('125'), decay=Decimal('2.34'))
    """

    threshold: Decimal
    decay: Decimal


LIMITS: Final = MappingProxyType[Tier, Limits](
    {
        "starter": Limits(threshold=Decimal("60"), decay=Decimal("1")),
        "intermediate": Limits(threshold=Decimal("125"), decay=Decimal("2.34")),
        "pro": Limits(threshold=Decimal("180"), decay=Decimal("3.75")),
    }
)


class PairLevel(msgspec.Struct, frozen=True, kw_only=True):
    """One pair's count as it stood at `at`, before any decay since."""

    symbol: str
    level: Decimal
    at: datetime


class RateCounter(msgspec.Struct, frozen=True, kw_only=True):
    """The account's limits and each pair's last count, sorted by symbol (a pair never charged
    stands at 0) (docs.kraken.com/api/docs/guides/spot-ratelimits).

    >>> counter("pro").limits.threshold, counter("pro").pairs
    (Decimal('180'), ())
    """

    limits: Limits
    pairs: tuple[PairLevel, ...] = ()


class Admit(msgspec.Struct, frozen=True, kw_only=True):
    """Whether a request would leave the pair's count at or under the threshold now; if not,
    the seconds to wait (rounded up to the microsecond), or `None` when no wait is enough (the
    cost alone passes the threshold). `level` is the count now, before the request."""

    ok: bool
    wait_seconds: Decimal | None
    level: Decimal


# wide enough that no level or product here is ever rounded, whatever the caller's context
_EXACT: Final = Context(prec=60)
_MICROSECOND: Final = Decimal("0.000001")
_AMEND: Final = ((5, 3), (10, 2), (15, 1))
_EDIT: Final = ((5, 6), (10, 5), (15, 4), (45, 2), (90, 1))
_CANCEL: Final = ((5, 8), (10, 6), (15, 5), (45, 4), (90, 2), (300, 1))
_BY_THRESHOLD: Final = {int(limits.threshold): tier for tier, limits in LIMITS.items()}


def counter(tier: Tier) -> RateCounter:
    """A fresh counter for an account tier, every pair at 0
    (docs.kraken.com/api/docs/guides/spot-ratelimits).

    >>> counter("starter").limits
    Limits(threshold=Decimal('60'), decay=Decimal('1'))
    """
    return RateCounter(limits=LIMITS[tier])


def tier_of(maxratecount: int) -> Tier | None:
    """The tier whose threshold is the `maxratecount` of an `executions` subscribe ack, or
    `None` for a figure the guide does not list (docs.kraken.com/api/docs/websocket-v2/executions).

    >>> tier_of(125), tier_of(100)
    ('intermediate', None)
    """
    return _BY_THRESHOLD.get(maxratecount)


def cost(kind: RequestKind, age: timedelta | None = None, n: int = 1) -> Decimal:
    """What a request adds to its pair's count: `age` is the time since the order was created
    or last amended, `n` the orders it touches (docs.kraken.com/api/docs/guides/spot-ratelimits).

    An unknown `age` (`None`) or a negative one is charged as the youngest, the dearest; `n`
    below 1 costs nothing. `batch_add` is `n/2` exactly (the guide writes `+(n/2)` and names no
    rounding); a `cancel_order` of `n` orders is the guide's Batch Cancel, `n` times the schedule.

    >>> cost("amend_order", timedelta(seconds=7)), cost("cancel_order", timedelta(seconds=36))
    (Decimal('3'), Decimal('4'))
    >>> cost("batch_add", n=3), cost("cancel_order", timedelta(seconds=300))
    (Decimal('1.5'), Decimal('0'))
    """
    count = max(n, 0)
    match kind:
        case "add_order":
            return Decimal(count)
        case "amend_order":
            return Decimal(count * (1 + _extra(_AMEND, age)))
        case "edit_order":
            return Decimal(count * (1 + _extra(_EDIT, age)))
        case "cancel_order":
            return Decimal(count * _extra(_CANCEL, age))
        case "batch_add":
            return _EXACT.divide(Decimal(count), Decimal(2))
        case _:
            assert_never(kind)


def level(rates: RateCounter, symbol: str, now: datetime) -> Decimal:
    """The pair's count at `now`: its last count less the decay since, never below 0; a `now`
    before the last charge decays nothing (docs.kraken.com/api/docs/guides/spot-ratelimits).

    >>> from datetime import UTC
    >>> t0 = datetime(2026, 1, 1, tzinfo=UTC)
    >>> level(charge(counter("intermediate"), "BTC/USD", Decimal(50), t0), "BTC/USD", t0 + timedelta(seconds=10))
    Decimal('26.6')
    """
    pair = _pair(rates, symbol)
    if pair is None:
        return Decimal(0)
    decayed = _EXACT.multiply(rates.limits.decay, _seconds(now - pair.at))
    return _plain(max(Decimal(0), _EXACT.subtract(pair.level, decayed)))


def admit(rates: RateCounter, symbol: str, cost: Decimal, now: datetime) -> Admit:
    """Whether a request of `cost` on `symbol` would keep the count at or under the threshold
    at `now`, and if not how long to wait (docs.kraken.com/api/docs/guides/spot-ratelimits).

    The exchange's count only decays while the request travels, so a request admitted here
    arrives at or under its threshold too.

    >>> from datetime import UTC
    >>> t0 = datetime(2026, 1, 1, tzinfo=UTC)
    >>> admit(counter("starter"), "BTC/USD", Decimal(60), t0).ok, admit(counter("starter"), "BTC/USD", Decimal(61), t0)
    (True, Admit(ok=False, wait_seconds=None, level=Decimal('0')))
    """
    now_level = level(rates, symbol, now)
    over = _EXACT.subtract(_EXACT.add(now_level, cost), rates.limits.threshold)
    if over <= 0:
        return Admit(ok=True, wait_seconds=Decimal(0), level=now_level)
    if cost > rates.limits.threshold or rates.limits.decay <= 0:
        return Admit(ok=False, wait_seconds=None, level=now_level)
    wait = _EXACT.divide(over, rates.limits.decay)
    return Admit(
        ok=False,
        wait_seconds=wait.quantize(_MICROSECOND, rounding=ROUND_CEILING, context=_EXACT),
        level=now_level,
    )


def charge(rates: RateCounter, symbol: str, cost: Decimal, now: datetime) -> RateCounter:
    """The counter after a request of `cost` on `symbol` was sent at `now`, admitted or not:
    the fixed count is "always applied on receipt of the transaction (even if the transaction
    fails validation)" (docs.kraken.com/api/docs/guides/spot-ratelimits).

    >>> from datetime import UTC
    >>> t0 = datetime(2026, 1, 1, tzinfo=UTC)
    >>> charge(counter("starter"), "BTC/USD", Decimal(1), t0).pairs
    (PairLevel(symbol='BTC/USD', level=Decimal('1'), at=datetime.datetime(2026, 1, 1, 0, 0, tzinfo=datetime.timezone.utc)),)
    """
    previous = _pair(rates, symbol)
    at = now if previous is None else max(previous.at, now)
    updated = PairLevel(
        symbol=symbol, level=max(Decimal(0), _EXACT.add(level(rates, symbol, now), cost)), at=at
    )
    others = tuple(pair for pair in rates.pairs if pair.symbol != symbol)
    pairs = tuple(sorted((*others, updated), key=lambda pair: pair.symbol))
    return RateCounter(limits=rates.limits, pairs=pairs)


def _pair(rates: RateCounter, symbol: str) -> PairLevel | None:
    return next((pair for pair in rates.pairs if pair.symbol == symbol), None)


def _extra(schedule: tuple[tuple[int, int], ...], age: timedelta | None) -> int:
    # "under 5 s" is strict: an order exactly 5 s old pays the next step -- docs.kraken.com/api/docs/guides/spot-ratelimits
    if age is None:
        return schedule[0][1]
    return next((extra for limit, extra in schedule if age < timedelta(seconds=limit)), 0)


def _plain(value: Decimal) -> Decimal:
    """The same number without trailing zeros: 26.60000000 reads 26.6 and 56.000000 reads 56."""
    if value == value.to_integral_value(context=_EXACT):
        return value.quantize(Decimal(1), context=_EXACT)
    return value.normalize(context=_EXACT)


def _seconds(elapsed: timedelta) -> Decimal:
    if elapsed <= timedelta(0):
        return Decimal(0)
    micros = (elapsed.days * 86_400 + elapsed.seconds) * 1_000_000 + elapsed.microseconds
    return Decimal(micros).scaleb(-6, context=_EXACT)

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

Tiers: Starter threshold 60, decay 1 per second; Intermediate 125, 2.34; Pro 180, 3.75. The
`executions` subscribe ack announces the account's own threshold (`maxratecount`); `announced`
makes it the counter's, whatever tier was configured.

The exchange counts a request when it arrives, not when it was sent, so a request's count starts
to decay later there than here. The counter allows for that with its `margin` (`ARRIVAL_MARGIN`,
1 s): a charge counts at once and starts to decay only `margin` after it was sent. Its level is
then never under the exchange's while every request arrives within `margin` of being sent, and a
request `admit` lets through passes at the exchange too.

Everything is `Decimal` (the decay rates are decimals) and time is a `datetime` passed in: no
clock is read here. Arithmetic runs in a private context wide enough to be exact, so a caller's
`decimal` settings cannot round a level.

>>> from datetime import UTC
>>> start = datetime(2026, 1, 1, tzinfo=UTC)
>>> starter = charge(counter("starter"), "BTC/USD", Decimal(59), start)
>>> admit(starter, "BTC/USD", cost("amend_order", timedelta(seconds=3)), start)
Admit(ok=False, wait_seconds=Decimal('4.000000'), level=Decimal('59'))
>>> admit(starter, "BTC/USD", cost("amend_order", timedelta(seconds=3)), start + timedelta(seconds=4))
Admit(ok=True, wait_seconds=Decimal('0'), level=Decimal('56'))
"""

from datetime import datetime, timedelta
from decimal import ROUND_CEILING, Context, Decimal
from types import MappingProxyType
from typing import Final, Literal, assert_never

import msgspec

__all__ = [
    "ARRIVAL_MARGIN",
    "LIMITS",
    "Admit",
    "Limits",
    "PairLevel",
    "RateCounter",
    "RequestKind",
    "Tier",
    "admit",
    "announced",
    "charge",
    "cost",
    "counter",
    "level",
    "take",
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
    """One pair's count as it stands until `at`, when it starts to decay (the last charge's
    time plus the counter's `margin`)."""

    symbol: str
    level: Decimal
    at: datetime


ARRIVAL_MARGIN: Final = timedelta(seconds=1)
"""How long after its charge a request may still reach the exchange and be counted there: a
slow link, a busy event loop, a frame waiting in the send buffer. Kraken counts on arrival
(docs.kraken.com/api/docs/guides/spot-ratelimits), so `admit` holds a request back this much
longer than the decay alone asks, and only when the count is near the threshold (1 s is one count
at Starter, 3.75 at Pro)."""


class RateCounter(msgspec.Struct, frozen=True, kw_only=True):
    """The account's limits, each pair's last count, sorted by symbol (a pair never charged
    stands at 0), and the `margin` a charged request may take to reach the exchange: its count
    starts to decay that long after the charge (docs.kraken.com/api/docs/guides/spot-ratelimits).

    >>> counter("pro").limits.threshold, counter("pro").pairs
    (Decimal('180'), ())
    """

    limits: Limits
    pairs: tuple[PairLevel, ...] = ()
    margin: timedelta = ARRIVAL_MARGIN


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
_NONE: Final = Decimal(0)
_NO_TIME: Final = timedelta(0)
_AMEND: Final = ((5, 3), (10, 2), (15, 1))
_EDIT: Final = ((5, 6), (10, 5), (15, 4), (45, 2), (90, 1))
_CANCEL: Final = ((5, 8), (10, 6), (15, 5), (45, 4), (90, 2), (300, 1))
_BY_THRESHOLD: Final = {int(limits.threshold): tier for tier, limits in LIMITS.items()}
_SLOWEST: Final = min(limits.decay for limits in LIMITS.values())


def counter(tier: Tier, margin: timedelta = ARRIVAL_MARGIN) -> RateCounter:
    """A fresh counter for an account tier, every pair at 0; `margin` is how long a charged
    request may take to reach the exchange (`ARRIVAL_MARGIN`; a negative one counts as 0)
    (docs.kraken.com/api/docs/guides/spot-ratelimits).

    >>> counter("starter").limits
    Limits(threshold=Decimal('60'), decay=Decimal('1'))
    """
    return RateCounter(limits=LIMITS[tier], margin=max(margin, timedelta(0)))


def announced(rates: RateCounter, maxratecount: int) -> RateCounter:
    """The counter under the threshold the exchange announced in the `executions` subscribe ack
    (`maxratecount`, docs.kraken.com/api/docs/websocket-v2/executions): it wins over the tier
    configured. A figure the guide lists brings its tier's decay; another figure keeps its
    threshold with the slowest decay the guide lists (the count may fall no faster); a figure
    under 1 is no threshold and changes nothing. The pairs' counts are kept.

    >>> announced(counter("pro"), 60).limits
    Limits(threshold=Decimal('60'), decay=Decimal('1'))
    >>> announced(counter("pro"), 100).limits, announced(counter("pro"), 0).limits.threshold
    (Limits(threshold=Decimal('100'), decay=Decimal('1')), Decimal('180'))
    """
    if maxratecount < 1:
        return rates
    tier = tier_of(maxratecount)
    limits = (
        LIMITS[tier]
        if tier is not None
        else Limits(threshold=Decimal(maxratecount), decay=_SLOWEST)
    )
    return msgspec.structs.replace(rates, limits=limits)


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
    """The pair's count at `now`: its last count less the decay since it started (the last
    charge plus the margin), never below 0; a `now` before that decays nothing
    (docs.kraken.com/api/docs/guides/spot-ratelimits).

    >>> from datetime import UTC
    >>> t0 = datetime(2026, 1, 1, tzinfo=UTC)
    >>> level(charge(counter("intermediate", timedelta(0)), "BTC/USD", Decimal(50), t0), "BTC/USD", t0 + timedelta(seconds=10))
    Decimal('26.6')
    """
    return _level(rates, _pair(rates, symbol), now)


def _level(rates: RateCounter, pair: PairLevel | None, now: datetime) -> Decimal:
    if pair is None:
        return _NONE
    decayed = _EXACT.multiply(rates.limits.decay, _seconds(now - pair.at))
    return _plain(max(_NONE, _EXACT.subtract(pair.level, decayed)))


def admit(rates: RateCounter, symbol: str, cost: Decimal, now: datetime) -> Admit:
    """Whether a request of `cost` on `symbol` would keep the count at or under the threshold
    at `now`, and if not how long to wait (docs.kraken.com/api/docs/guides/spot-ratelimits).

    The exchange counts each request on arrival. Here each charge starts to decay only
    `rates.margin` after it was sent (`ARRIVAL_MARGIN`), so while every earlier request reached
    the exchange within that margin its count there is at most the count here; it only decays
    while this request travels, so a request admitted here arrives at or under the threshold too.
    A wait offered ends `margin` after the decay alone would allow the request.

    >>> from datetime import UTC
    >>> t0 = datetime(2026, 1, 1, tzinfo=UTC)
    >>> admit(counter("starter"), "BTC/USD", Decimal(60), t0).ok, admit(counter("starter"), "BTC/USD", Decimal(61), t0)
    (True, Admit(ok=False, wait_seconds=None, level=Decimal('0')))
    """
    return _admit(rates, _pair(rates, symbol), cost, now)


def _admit(rates: RateCounter, pair: PairLevel | None, cost: Decimal, now: datetime) -> Admit:
    limits = rates.limits
    now_level = _level(rates, pair, now)
    if _EXACT.add(now_level, cost) <= limits.threshold:
        return Admit(ok=True, wait_seconds=_NONE, level=now_level)
    if pair is None or cost > limits.threshold or limits.decay <= 0:
        return Admit(ok=False, wait_seconds=None, level=now_level)
    # the count, decaying from `pair.at` (which may be after now), leaves room at at + over/decay
    over = _EXACT.subtract(_EXACT.add(pair.level, cost), limits.threshold)
    wait = _EXACT.add(
        _EXACT.subtract(_EXACT.divide(over, limits.decay), _seconds(now - pair.at)),
        _seconds(pair.at - now),
    )
    return Admit(
        ok=False,
        wait_seconds=wait.quantize(_MICROSECOND, rounding=ROUND_CEILING, context=_EXACT),
        level=now_level,
    )


def charge(rates: RateCounter, symbol: str, cost: Decimal, now: datetime) -> RateCounter:
    """The counter after a request of `cost` on `symbol` was sent at `now`, admitted or not:
    the fixed count is "always applied on receipt of the transaction (even if the transaction
    fails validation)" (docs.kraken.com/api/docs/guides/spot-ratelimits). It counts at once and
    decays from `now + margin`, the latest the exchange may receive it.

    >>> from datetime import UTC
    >>> t0 = datetime(2026, 1, 1, tzinfo=UTC)
    >>> charge(counter("starter"), "BTC/USD", Decimal(1), t0).pairs
    (PairLevel(symbol='BTC/USD', level=Decimal('1'), at=datetime.datetime(2026, 1, 1, 0, 0, 1, tzinfo=datetime.timezone.utc)),)
    """
    previous = _pair(rates, symbol)
    return _charged(rates, previous, _updated(rates, symbol, previous, cost, now))


def take(
    rates: RateCounter, symbol: str, cost: Decimal, now: datetime
) -> tuple[Admit, RateCounter]:
    """`admit`, and the counter `charge`d with the request if it was admitted (unchanged if
    not): what a sender does before each request, with the pair's count worked out once.

    >>> from datetime import UTC
    >>> t0 = datetime(2026, 1, 1, tzinfo=UTC)
    >>> allowed, rates = take(counter("starter"), "BTC/USD", Decimal(60), t0)
    >>> allowed.ok, level(rates, "BTC/USD", t0), take(rates, "BTC/USD", Decimal(1), t0)[0].ok
    (True, Decimal('60'), False)
    """
    previous = _pair(rates, symbol)
    allowed = _admit(rates, previous, cost, now)
    if not allowed.ok:
        return allowed, rates
    updated = _updated(rates, symbol, previous, cost, now, now_level=allowed.level)
    return allowed, _charged(rates, previous, updated)


def _updated(
    rates: RateCounter,
    symbol: str,
    previous: PairLevel | None,
    cost: Decimal,
    now: datetime,
    *,
    now_level: Decimal | None = None,
) -> PairLevel:
    """The pair's count after a charge at `now`: counted at once, decaying from the latest
    time the exchange may receive it (`now_level`: the count before, when already known)."""
    before = _level(rates, previous, now) if now_level is None else now_level
    arrival = now + max(rates.margin, _NO_TIME)
    at = arrival if previous is None else max(previous.at, arrival)
    return PairLevel(symbol=symbol, level=max(_NONE, _EXACT.add(before, cost)), at=at)


def _charged(rates: RateCounter, previous: PairLevel | None, updated: PairLevel) -> RateCounter:
    if previous is None:
        pairs = tuple(sorted((*rates.pairs, updated), key=lambda pair: pair.symbol))
    else:  # same symbol, same place in the order
        pairs = tuple(updated if pair is previous else pair for pair in rates.pairs)
    return msgspec.structs.replace(rates, pairs=pairs)


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
    """The seconds of `elapsed`, exactly; negative ones (a clock before the charge) as 0."""
    if elapsed <= _NO_TIME:
        return _NONE
    micros = (elapsed.days * 86_400 + elapsed.seconds) * 1_000_000 + elapsed.microseconds
    return Decimal(micros).scaleb(-6, context=_EXACT)

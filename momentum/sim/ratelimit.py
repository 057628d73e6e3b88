"""The per-pair trading rate counter: what each request costs and how the counter decays.

docs.kraken.com/api/docs/guides/spot-ratelimits: add +1; amend +1, plus +3/+2/+1 for an order under
5/10/15 s old; cancel +8/+6/+5/+4/+2/+1 under 5/10/15/45/90/300 s; batch add +n/2. Starter tier:
threshold 60, decay 1 per second. Over the threshold: `EOrder:Rate limit exceeded`.
"""

from datetime import datetime

__all__ = ["RateCounter", "amend_cost", "cancel_cost"]


class RateCounter:
    """Costs add per pair, the level decays linearly, and a cost that would pass the threshold is
    refused (and not added).

    >>> from datetime import UTC
    >>> counter, t0 = RateCounter(threshold=2, decay=1), datetime(2026, 1, 1, tzinfo=UTC)
    >>> counter.charge("BTC/USD", 2, t0), counter.charge("BTC/USD", 1, t0)
    (True, False)
    """

    def __init__(self, threshold: float, decay: float) -> None:
        self._threshold = threshold
        self._decay = decay
        self._levels: dict[str, tuple[float, datetime]] = {}

    def level(self, symbol: str, now: datetime) -> float:
        value, since = self._levels.get(symbol, (0.0, now))
        return max(0.0, value - self._decay * (now - since).total_seconds())

    def charge(self, symbol: str, cost: float, now: datetime) -> bool:
        level = self.level(symbol, now)
        if level + cost > self._threshold:
            return False
        self._levels[symbol] = (level + cost, now)
        return True


def amend_cost(age: float) -> float:
    """An amend's cost for an order `age` seconds old.

    >>> amend_cost(4.9), amend_cost(15)
    (4, 1)
    """
    # amend +1, plus +3/+2/+1 under 5/10/15 s -- docs.kraken.com/api/docs/guides/spot-ratelimits
    return 1 + (3 if age < 5 else 2 if age < 10 else 1 if age < 15 else 0)


def cancel_cost(age: float) -> float:
    """A cancel's cost for an order `age` seconds old.

    >>> cancel_cost(4.9), cancel_cost(300)
    (8, 0)
    """
    # cancel +8/+6/+5/+4/+2/+1 under 5/10/15/45/90/300 s -- docs.kraken.com/api/docs/guides/spot-ratelimits
    for limit, cost in ((5, 8), (10, 6), (15, 5), (45, 4), (90, 2), (300, 1)):
        if age < limit:
            return cost
    return 0

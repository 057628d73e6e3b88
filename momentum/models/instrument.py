"""A pair's trading rules in the WS v2 `instrument` channel's words, and the table shipped in the
package (docs.kraken.com/api/docs/websocket-v2/instrument).

`Instrument` holds what the checks read before anything is sent: status, tick, lot, minimums,
index. `InstrumentTable` is any mapping from WS v2 symbol to `Instrument`; decoders of Kraken's
own formats (WS v2 snapshot, REST `AssetPairs`) live in `momentum.exchange.kraken.instruments`.

The shipped table is the package's own data (dated figures, each pair with its `as_of` and
`source`), read once on first use like an import; the core never reads a user's file.

>>> shipped_table()["BTC/USD"].price_increment
Decimal('0.1')
"""

from collections.abc import Iterator, Mapping
from decimal import Decimal
from functools import cache
from pkgutil import get_data
from typing import Final, Literal

import msgspec

__all__ = [
    "SHIPPED_TABLE_RESOURCE",
    "Instrument",
    "InstrumentTable",
    "PairStatus",
    "PairTable",
    "shipped_table",
]

PairStatus = Literal[
    "online",
    "cancel_only",
    "delisted",
    "limit_only",
    "maintenance",
    "post_only",
    "reduce_only",
    "work_in_progress",
]


class Instrument(msgspec.Struct, frozen=True, kw_only=True):
    """One pair's rules for new orders (docs.kraken.com/api/docs/websocket-v2/instrument)."""

    symbol: str  # WS v2 name, BTC/USD
    base: str
    quote: str
    status: PairStatus
    price_increment: Decimal  # prices are whole multiples of this (not always a power of ten)
    price_precision: int  # at most this many decimals in a price
    qty_increment: Decimal
    qty_precision: int
    qty_min: Decimal  # in the base asset
    cost_min: Decimal  # qty x price, in the quote currency
    cost_precision: int
    marginable: bool | None = None  # None: the source does not say
    has_index: bool | None = None  # None: the source does not say; index triggers are refused
    rest_pair: str | None = None  # REST AddOrder `pair` (altname such as XBTUSD, or pair id)
    as_of: str | None = None  # when the figures were taken (dated fixture, never a constant)
    source: str | None = None  # where the figures come from


InstrumentTable = Mapping[str, Instrument]
"""Pairs by WS v2 symbol: any mapping a bot builds or a decoder returns."""


class PairTable(Mapping[str, Instrument]):
    """A decoded table: pairs by WS v2 symbol, and the pairs the source held that could not be
    read into it (`skipped`, each a line saying which and why), so one odd record costs that pair,
    not the table.

    >>> table = PairTable({}, skipped=("XXBTZUSD: no wsname",))
    >>> len(table), table.skipped
    (0, ('XXBTZUSD: no wsname',))
    """

    __slots__ = ("_pairs", "skipped")

    def __init__(self, pairs: Mapping[str, Instrument], skipped: tuple[str, ...] = ()) -> None:
        self._pairs = dict(pairs)
        self.skipped = skipped

    def __getitem__(self, symbol: str) -> Instrument:
        return self._pairs[symbol]

    def __iter__(self) -> Iterator[str]:
        return iter(self._pairs)

    def __len__(self) -> int:
        return len(self._pairs)

    def __repr__(self) -> str:
        return f"PairTable({sorted(self._pairs)!r}, skipped={self.skipped!r})"


SHIPPED_TABLE_RESOURCE: Final = "data/instruments_default.json"


class _ShippedData(msgspec.Struct, frozen=True):
    pairs: list[Instrument]


class _Shipped(msgspec.Struct, frozen=True):
    # a WS v2 `instrument` snapshot whose pairs carry three fields of ours: rest_pair, as_of, source
    data: _ShippedData


@cache
def shipped_table() -> PairTable:
    """The table shipped in the package (dated; see its records' `as_of` and `source`)."""
    # through the package's loader (a plain file or a zip), as importlib.resources' files()
    # reads it, without importing importlib.resources (~25 M instructions of every cold start)
    data = get_data("momentum.models", SHIPPED_TABLE_RESOURCE)
    if data is None:  # a loader without get_data: fail closed, every pair unknown
        return PairTable({}, skipped=(f"{SHIPPED_TABLE_RESOURCE}: not readable from the package",))
    shipped = msgspec.json.decode(data, type=_Shipped, strict=False)
    return PairTable({pair.symbol: pair for pair in shipped.data.pairs})

"""Everything besides the intent that the checks read: the knobs, the clock reading, what the
caller's position tracker reports, the instrument rules and the quote-currency rates.

These are plain frozen records. `momentum.utils.env` loads `Knobs` from the environment and
`.env_meanrev`; a bot may also build them directly.

>>> from datetime import UTC, datetime
>>> context = Context(knobs=Knobs(), now=datetime(2026, 11, 28, tzinfo=UTC))
>>> context.knobs.entry_max_notional, context.knobs.notional_ccy, context.instruments
(Decimal('10'), 'USD', 'shipped')
>>> pair_table(context)["BTC/USD"].qty_min
Decimal('0.00005')
"""

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Literal

import msgspec

from momentum.models.instrument import InstrumentTable, shipped_table
from momentum.models.intent import StpType, TimeInForce

__all__ = ["Context", "Exposure", "Knobs", "TableChoice", "pair_table"]


class Knobs(msgspec.Struct, frozen=True, kw_only=True):
    """The tunables, typed. Defaults are the documented ones.

    >>> Knobs().entry_max_notional
    Decimal('10')
    """

    entry_max_notional: Decimal = Decimal(10)  # in `notional_ccy`
    notional_ccy: str = "USD"  # the cap's currency; other quote currencies need a rate
    one_position_only: bool = True
    abs_limit_required: bool = True
    allow_live: bool = False
    default_tif: TimeInForce = "gtc"
    default_stp: StpType = "cancel_newest"
    deadline_ms: int = 5000
    instruments_file: str | None = None  # None: the instrument table shipped in the package


class Exposure(msgspec.Struct, frozen=True, kw_only=True):
    """What the caller's position tracker reports; `ONE_POSITION_ONLY` reads it."""

    open_positions: int = 0


TableChoice = InstrumentTable | Literal["shipped", "unchecked"]
"""Which pair rules the checks apply: a table, the one shipped in the package, or (by name) none."""


class Context(msgspec.Struct, frozen=True, kw_only=True):
    """Everything besides the intent that the checks read.

    `live=True` asks for `validate=false` (a real order); `ALLOW_LIVE` must allow it.
    `instruments` is the pair rules the order is checked against (tick, lot, minimums, status,
    index): by default the table shipped in the package; a caller passes its own (for instance
    the one `INSTRUMENTS_FILE` names), or opts out by name with `"unchecked"`, which checks only
    the shape of the symbol. `quote_rates` gives, for a quote currency other than the cap's
    (`NOTIONAL_CCY`), what one unit of it is worth in the cap's currency (`{"BTC": 90000}`): a buy
    priced in a currency without a rate is refused by `ENTRY_MAX_NOTIONAL`.
    """

    knobs: Knobs
    now: datetime
    exposure: Exposure = Exposure()
    live: bool = False
    req_id: int | None = None
    instruments: TableChoice = "shipped"
    quote_rates: Mapping[str, Decimal] = {}


def pair_table(context: Context) -> InstrumentTable | None:
    """The table the checks apply; `None` when the caller opted out with `"unchecked"`."""
    choice = context.instruments
    # names are compared only with names: a table's == against a str is an abc check (Mapping)
    if isinstance(choice, str):
        if choice == "shipped":
            return shipped_table()
        if choice == "unchecked":
            return None
    return choice

"""Order intents in the bot's words: what to trade, transport-neutral, one Struct per order type.

An intent says *what* the bot wants; `momentum.exchange.kraken.ws_v2_payloads` renders it in
Kraken's WS v2 words after `momentum.utils.safety` has checked it. The type of the intent already
says which prices an order type needs (a `StopLossLimitOrder` has a `trigger`, a `MarketOrder`
has no `limit_price`); the checks cover what a type cannot say (positive, finite, directions).

Money is `Decimal` from the text onwards: `parse_amount` turns text straight into a `Decimal`.

>>> LimitOrder(symbol="BTC/USD", side="buy", qty=Decimal("0.001"), limit_price=Decimal("28440"),
...            close=StopLossLimitClose(trigger_price=Decimal("28410"),
...                                     limit_price=Decimal("28400"))).close.trigger_price
Decimal('28410')
"""

import re
from datetime import datetime
from decimal import Context as DecimalContext
from decimal import Decimal, InvalidOperation
from typing import Final, Literal

import msgspec
from returns.result import Failure, Result, Success

from momentum.errors import InputInvalid, show

__all__ = [
    "AMOUNT_ACCEPTED",
    "EXACT",
    "Amend",
    "Cancel",
    "Close",
    "FeePreference",
    "IcebergOrder",
    "LimitClose",
    "LimitOrder",
    "MarketOrder",
    "OrderIntent",
    "PriceType",
    "Reference",
    "SettlePositionOrder",
    "Side",
    "SpotOrder",
    "StopLossClose",
    "StopLossLimitClose",
    "StopLossLimitOrder",
    "StopLossOrder",
    "StpType",
    "TakeProfitClose",
    "TakeProfitLimitClose",
    "TakeProfitLimitOrder",
    "TakeProfitOrder",
    "TimeInForce",
    "TrailingStopClose",
    "TrailingStopLimitClose",
    "TrailingStopLimitOrder",
    "TrailingStopOrder",
    "Trigger",
    "parse_amount",
    "parse_moment",
]

Side = Literal["buy", "sell"]
TimeInForce = Literal["gtc", "gtd", "ioc", "fok"]
StpType = Literal["cancel_newest", "cancel_oldest", "cancel_both"]
PriceType = Literal["static", "pct", "quote"]
Reference = Literal["last", "index"]
FeePreference = Literal["base", "quote"]

# Plain ASCII decimal text only: no "1_000", no "NaN", no "Infinity", no hex, no non-ASCII digits.
_AMOUNT_TEXT: Final = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d{1,3})?", re.ASCII)
AMOUNT_ACCEPTED: Final = "a decimal number such as 0.001 or 28440"
# Sums and products of bounded amounts (18 decimals, below 10^16) are exact at this precision.
EXACT: Final = DecimalContext(prec=100)


def parse_amount(text: str, field: str) -> Result[Decimal, tuple[InputInvalid, ...]]:
    """Parse a price or quantity from text straight into an exact `Decimal` (no float involved).

    Only finiteness and syntax are checked here; sign and size rules belong to the checks.

    >>> parse_amount("0.001", "--qty")
    <Success: 0.001>
    >>> parse_amount("nan", "--qty").failure()[0].render()
    "--qty: 'nan'; use a decimal number such as 0.001 or 28440"
    """
    stripped = text.strip()
    if _AMOUNT_TEXT.fullmatch(stripped) is not None:
        try:
            return Success(Decimal(stripped))
        except InvalidOperation:  # unreachable for text the pattern admits; kept so nothing raises
            pass
    # built only here: the refusal (a repr and a Struct) costs more than parsing a good amount
    return Failure((InputInvalid(field=field, given=show(text), accepted=AMOUNT_ACCEPTED),))


# RFC 3339 date-time: every field two digits (four for the year), a T, an offset or Z -- RFC 3339
# section 5.6 (www.rfc-editor.org/rfc/rfc3339#section-5.6).
_MOMENT_TEXT: Final = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})",
    re.ASCII,
)


def parse_moment(text: str) -> datetime | None:
    """A strict RFC 3339 date-time, as Kraken's `deadline`, `expire_time` and `effective_time`
    take; `None` for anything else (`2026-12-4T1:2:3Z`, a missing offset, a bad date).

    Fractions beyond microseconds are cut, never rounded up past the time they state.

    >>> parse_moment("2026-12-04T01:02:03.5Z")
    datetime.datetime(2026, 12, 4, 1, 2, 3, 500000, tzinfo=datetime.timezone.utc)
    >>> parse_moment("2026-12-4T1:2:3Z") is None
    True
    """
    found = _MOMENT_TEXT.fullmatch(text)
    if found is None:
        return None
    fraction = (found.group(7) or ".0")[1:7].ljust(6, "0")
    zone = found.group(8).upper()
    offset = "+00:00" if zone == "Z" else zone
    base = "-".join(found.group(1, 2, 3)) + "T" + ":".join(found.group(4, 5, 6))
    try:
        return datetime.fromisoformat(f"{base}.{fraction}{offset}")
    except ValueError:  # a date or an offset out of range: 2026-02-30, +24:00
        return None


class Trigger(msgspec.Struct, frozen=True, kw_only=True):
    """When a triggered order fires: an absolute price, or a signed offset from the reference.

    `static`: `price` is a market price. `pct`: a signed percent offset from the reference price
    at submission (`-2` = 2% below). `quote`: a signed offset in quote currency (`-150`).
    """

    price: Decimal
    price_type: PriceType = "static"
    reference: Reference = "last"


# --- the close order (one-triggers-other secondary), opposite side, filled quantity -----------


class _Close(msgspec.Struct, frozen=True, kw_only=True, tag_field="order_type"):
    """Base of the close templates: `order_type` is the tag, spelt as Kraken spells it."""


class LimitClose(_Close, frozen=True, kw_only=True, tag="limit"):
    """Close with a limit order at `limit_price` (a take-profit that rests on the book)."""

    limit_price: Decimal


class StopLossClose(_Close, frozen=True, kw_only=True, tag="stop-loss"):
    """Close with a market order once the price moves against the position to `trigger_price`.

    `trigger_price_type` `pct`/`quote` makes it a signed offset from the primary order's price
    (support.kraken.com/hc/en-us/articles/360038640052-Conditional-Close): a buy's stop is negative.
    """

    trigger_price: Decimal
    trigger_price_type: PriceType = "static"


class TakeProfitClose(_Close, frozen=True, kw_only=True, tag="take-profit"):
    """Close with a market order once the price moves in favour to `trigger_price` (an offset from
    the primary's price with `pct`/`quote`: a buy's take-profit is positive)."""

    trigger_price: Decimal
    trigger_price_type: PriceType = "static"


class StopLossLimitClose(_Close, frozen=True, kw_only=True, tag="stop-loss-limit"):
    """Stop-loss close that places a limit order; `None` limit means "the trigger price" when
    `ABS_LIMIT_REQUIRED=0`, and is refused when it is 1."""

    trigger_price: Decimal
    limit_price: Decimal | None = None
    trigger_price_type: PriceType = "static"


class TakeProfitLimitClose(_Close, frozen=True, kw_only=True, tag="take-profit-limit"):
    """Take-profit close that places a limit order (limit as for `StopLossLimitClose`)."""

    trigger_price: Decimal
    limit_price: Decimal | None = None
    trigger_price_type: PriceType = "static"


class TrailingStopClose(_Close, frozen=True, kw_only=True, tag="trailing-stop"):
    """Close with a trailing stop: a positive `pct`/`quote` offset from the peak (or trough) after
    the fill."""

    trigger_price: Decimal
    trigger_price_type: PriceType


class TrailingStopLimitClose(_Close, frozen=True, kw_only=True, tag="trailing-stop-limit"):
    """Close with a trailing stop that places a limit order `limit_price` (an offset, read with
    `limit_price_type`) from where it fires."""

    trigger_price: Decimal
    trigger_price_type: PriceType
    limit_price: Decimal
    limit_price_type: PriceType = "quote"


Close = (
    LimitClose
    | StopLossClose
    | TakeProfitClose
    | StopLossLimitClose
    | TakeProfitLimitClose
    | TrailingStopClose
    | TrailingStopLimitClose
)


# --- the primary order -----------------------------------------------------------------------


class _Order(msgspec.Struct, frozen=True, kw_only=True, tag_field="order_type"):
    """Fields every order type takes.

    `time_in_force`/`stp_type` left `None` take the `DEFAULT_TIF`/`DEFAULT_STP` knobs.
    `ref_price` is never sent: it is the market price the caller sees, used by the guards to
    bound a market entry's notional and to place relative triggers.
    """

    symbol: str
    side: Side
    qty: Decimal
    time_in_force: TimeInForce | None = None
    expire_time: datetime | None = None
    effective_time: datetime | None = None  # scheduled start, to the second
    stp_type: StpType | None = None
    fee_preference: FeePreference | None = None
    cl_ord_id: str | None = None
    order_userref: int | None = None
    sender_sub_id: str | None = None  # institutional accounts with enhanced STP only
    ref_price: Decimal | None = None
    close: Close | None = None


class LimitOrder(_Order, frozen=True, kw_only=True, tag="limit"):
    """Buy or sell `qty` at `limit_price` or better."""

    limit_price: Decimal
    post_only: bool = False


class MarketOrder(_Order, frozen=True, kw_only=True, tag="market"):
    """Buy or sell `qty` at the market; a buy needs `ref_price` so its notional can be bounded.

    `cash_qty` (buys only) also sends `cash_order_qty`, the volume in quote currency. Kraken's docs
    still mark `order_qty` as required beside it, so both go out, and the notional guard takes the
    larger of `cash_qty` and `qty` x `ref_price`.
    """

    cash_qty: Decimal | None = None


class StopLossOrder(_Order, frozen=True, kw_only=True, tag="stop-loss"):
    """Market order once the price moves against the position to the trigger."""

    trigger: Trigger


class TakeProfitOrder(_Order, frozen=True, kw_only=True, tag="take-profit"):
    """Market order once the price moves in favour to the trigger."""

    trigger: Trigger


class StopLossLimitOrder(_Order, frozen=True, kw_only=True, tag="stop-loss-limit"):
    """Limit order at `limit_price` once the stop trigger fires (`None`: see `ABS_LIMIT_REQUIRED`)."""

    trigger: Trigger
    limit_price: Decimal | None = None


class TakeProfitLimitOrder(_Order, frozen=True, kw_only=True, tag="take-profit-limit"):
    """Limit order at `limit_price` once the take-profit trigger fires."""

    trigger: Trigger
    limit_price: Decimal | None = None


class IcebergOrder(_Order, frozen=True, kw_only=True, tag="iceberg"):
    """Limit order that shows only `display_qty` on the book (at least 1/15 of `qty`)."""

    limit_price: Decimal
    display_qty: Decimal


class TrailingStopOrder(_Order, frozen=True, kw_only=True, tag="trailing-stop"):
    """Market order once the price reverts by the trigger's offset from its peak (sell) or trough
    (buy). The offset is positive and `pct` or `quote`, never `static`."""

    trigger: Trigger


class TrailingStopLimitOrder(_Order, frozen=True, kw_only=True, tag="trailing-stop-limit"):
    """Trailing stop that places a limit order at the trigger price plus `limit_price`, an offset
    (`quote` or `pct`; 0 means at the trigger). A sell's offset is 0 or negative, a buy's 0 or
    positive, so the limit sits on the side where it fills."""

    trigger: Trigger
    limit_price: Decimal
    limit_price_type: PriceType = "quote"


class SettlePositionOrder(_Order, frozen=True, kw_only=True, tag="settle-position"):
    """Kraken's `settle-position` settles a margin position. momentum is spot only, so the checks
    always refuse it; the type exists so that a caller gets that refusal, not a crash."""


SpotOrder = (
    LimitOrder
    | MarketOrder
    | StopLossOrder
    | TakeProfitOrder
    | StopLossLimitOrder
    | TakeProfitLimitOrder
    | IcebergOrder
    | TrailingStopOrder
    | TrailingStopLimitOrder
)
"""Every order type a spot account can send: what the checks let through."""

OrderIntent = SpotOrder | SettlePositionOrder
"""Every order type Kraken's `add_order` names, `settle-position` included (always refused)."""


class Amend(msgspec.Struct, frozen=True, kw_only=True):
    """Change a resting order in place (`amend_order`): by `order_id` or `cl_ord_id`, exactly one.

    `qty` is the new total quantity. Prices left `None` are unchanged; a price's type is sent with
    it (the exchange's default differs for trailing-stop-limit orders). `remaining_qty`, when the
    caller knows it, is what `display_qty` is held against (at least 1/15 of it).

    `side`, `symbol` and `ref_price` are never sent: `amend_order` carries no side, so the guards
    hold an amend to `ENTRY_MAX_NOTIONAL` as if it were a buy unless `side` says it is a sell;
    `symbol` gives the currency its notional is in (and the pair rules its prices follow), and
    `ref_price` bounds an amend that sets no price of its own (the order's price or the market's).
    """

    order_id: str | None = None
    cl_ord_id: str | None = None
    qty: Decimal
    limit_price: Decimal | None = None
    limit_price_type: PriceType = "static"
    trigger_price: Decimal | None = None
    trigger_price_type: PriceType = "static"
    post_only: bool = False
    display_qty: Decimal | None = None
    remaining_qty: Decimal | None = None
    side: Side | None = None
    symbol: str | None = None
    ref_price: Decimal | None = None


class Cancel(msgspec.Struct, frozen=True, kw_only=True):
    """Cancel resting orders (`cancel_order`) by any mix of ids; at least one id."""

    order_ids: tuple[str, ...] = ()
    cl_ord_ids: tuple[str, ...] = ()
    order_userrefs: tuple[int, ...] = ()

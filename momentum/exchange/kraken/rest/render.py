"""The same order intent as Kraken REST `AddOrder` parameters: an ordered list of strings and the
`application/x-www-form-urlencoded` body. No `nonce` and no signature: those belong to a sender.

docs.kraken.com/api/docs/rest-api/add-order

The intent is checked exactly as for WS v2 (`check_order`), then rendered a second way. REST
spells things differently (`type` for side, `volume`, `pair` by its REST name, upper-case
`timeinforce`, hyphenated `stptype`, unix `starttm`/`expiretm`), and a relative price is written
into the price string: `+150`/`-150` for a quote offset, `+2%`/`-2%` for a percentage; a trailing
offset, always positive (the checks refuse any other), so always with `+`.

>>> from datetime import datetime, UTC
>>> from decimal import Decimal
>>> from momentum.models.context import Context, Knobs
>>> from momentum.models.intent import LimitOrder, StopLossLimitClose
>>> order = LimitOrder(symbol="BTC/USD", side="buy", qty=Decimal("0.001"),
...     limit_price=Decimal("28440"), post_only=True,
...     close=StopLossLimitClose(trigger_price=Decimal("28410"), limit_price=Decimal("28400")))
>>> context = Context(knobs=Knobs(entry_max_notional=Decimal(50)),
...     now=datetime(2026, 11, 28, 9, tzinfo=UTC))
>>> form = build_rest_add_order(order, context).unwrap()
>>> print(urlencoded(form))
ordertype=limit&type=buy&volume=0.001&pair=XBTUSD&price=28440&timeinforce=GTC&oflags=post&stptype=cancel-newest&close%5Bordertype%5D=stop-loss-limit&close%5Bprice%5D=28410&close%5Bprice2%5D=28400&deadline=2026-11-28T09%3A00%3A05.000Z&validate=true
"""

from datetime import datetime
from decimal import Decimal
from typing import Final, assert_never
from urllib.parse import urlencode

import msgspec
from returns.result import Failure, Result, Success

from momentum.errors import InputInvalid, OrderProblem
from momentum.exchange.kraken.ws_v2_payloads import deadline_text
from momentum.models.context import Context, pair_table
from momentum.models.intent import (
    Close,
    IcebergOrder,
    LimitClose,
    LimitOrder,
    MarketOrder,
    OrderIntent,
    PriceType,
    SpotOrder,
    StopLossClose,
    StopLossLimitClose,
    StopLossLimitOrder,
    StopLossOrder,
    TakeProfitClose,
    TakeProfitLimitClose,
    TakeProfitLimitOrder,
    TakeProfitOrder,
    TrailingStopClose,
    TrailingStopLimitClose,
    TrailingStopLimitOrder,
    TrailingStopOrder,
)
from momentum.utils.prices import effective_close_limit, effective_limit
from momentum.utils.safety import check_order

__all__ = [
    "REST_DEADLINE_MS_MIN",
    "RestAddOrder",
    "build_rest_add_order",
    "rest_price",
    "urlencoded",
]

# deadline: REST takes now+2 s to now+60 s -- docs.kraken.com/api/docs/rest-api/add-order
REST_DEADLINE_MS_MIN: Final = 2000


class RestAddOrder(msgspec.Struct, frozen=True, kw_only=True):
    """REST `AddOrder` parameters in send order, every value a string."""

    fields: tuple[tuple[str, str], ...]

    def get(self, name: str) -> str | None:
        return next((value for key, value in self.fields if key == name), None)


def urlencoded(form: RestAddOrder) -> str:
    """The form body; `+` becomes `%2B` and `[`/`]` are escaped, as the REST docs ask."""
    return urlencode(form.fields)


def _text(value: Decimal) -> str:
    return format(value, "f")


def rest_price(value: Decimal, price_type: PriceType) -> str:
    """A WS v2 price and its type in REST's grammar: a relative price always signed, so a
    trailing offset (positive) takes the `+` REST asks of it.

    >>> rest_price(Decimal("28410"), "static"), rest_price(Decimal("-150"), "quote")
    ('28410', '-150')
    >>> rest_price(Decimal("2"), "pct"), rest_price(Decimal("0"), "quote")
    ('+2%', '+0')
    """
    match price_type:
        case "static":
            return _text(value)
        case "quote" | "pct":
            suffix = "%" if price_type == "pct" else ""
            sign = "+" if value >= 0 else "-"
            return f"{sign}{_text(abs(value))}{suffix}"
        case _:
            assert_never(price_type)


def _unix(moment: datetime) -> str:
    return str(int(moment.timestamp()))


def _prices(order: SpotOrder, context: Context) -> list[tuple[str, str]]:
    knobs = context.knobs
    match order:
        case LimitOrder() | IcebergOrder():
            return [("price", _text(order.limit_price))]
        case MarketOrder():
            return []
        case StopLossOrder() | TakeProfitOrder():
            return [("price", rest_price(order.trigger.price, order.trigger.price_type))]
        case StopLossLimitOrder() | TakeProfitLimitOrder():
            limit = effective_limit(order, knobs)
            trigger = rest_price(order.trigger.price, order.trigger.price_type)
            return [
                ("price", trigger),
                ("price2", _text(limit if limit is not None else Decimal(0))),
            ]
        case TrailingStopOrder():
            return [("price", rest_price(order.trigger.price, order.trigger.price_type))]
        case TrailingStopLimitOrder():
            return [
                ("price", rest_price(order.trigger.price, order.trigger.price_type)),
                ("price2", rest_price(order.limit_price, order.limit_price_type)),
            ]
        case _:
            assert_never(order)


def _close(close: Close, context: Context) -> list[tuple[str, str]]:
    kind = [("close[ordertype]", str(close.__struct_config__.tag))]
    match close:
        case LimitClose():
            return [*kind, ("close[price]", _text(close.limit_price))]
        case StopLossClose() | TakeProfitClose():
            return [
                *kind,
                ("close[price]", rest_price(close.trigger_price, close.trigger_price_type)),
            ]
        case StopLossLimitClose() | TakeProfitLimitClose():
            limit = effective_close_limit(close, context.knobs)
            return [
                *kind,
                ("close[price]", rest_price(close.trigger_price, close.trigger_price_type)),
                ("close[price2]", _text(limit if limit is not None else close.trigger_price)),
            ]
        case TrailingStopClose():
            price = rest_price(close.trigger_price, close.trigger_price_type)
            return [*kind, ("close[price]", price)]
        case TrailingStopLimitClose():
            return [
                *kind,
                ("close[price]", rest_price(close.trigger_price, close.trigger_price_type)),
                ("close[price2]", rest_price(close.limit_price, close.limit_price_type)),
            ]
        case _:
            assert_never(close)


def _trigger_ref(order: SpotOrder) -> list[tuple[str, str]]:
    # REST `trigger` (last/index) applies to the order and its close -- docs.kraken.com/api/docs/rest-api/add-order
    if isinstance(order, LimitOrder | MarketOrder | IcebergOrder):
        return []
    return [("trigger", order.trigger.reference)]


def _rest_only(order: SpotOrder, context: Context) -> list[OrderProblem]:
    """What the REST form cannot carry, refused rather than dropped."""
    found: list[OrderProblem] = []
    table = pair_table(context)
    pair = None if table is None else table.get(order.symbol)
    if pair is None or not pair.rest_pair:  # None, or an empty altname: never `pair=`
        found.append(InputInvalid(field="symbol", given=f"no REST pair name known for {order.symbol}",
                                  accepted="instrument data with the pair's REST name (altname)"))  # fmt: skip
    if context.knobs.deadline_ms < REST_DEADLINE_MS_MIN:
        found.append(InputInvalid(field="DEADLINE_MS", given=f"{context.knobs.deadline_ms} ms",
                                  accepted="at least 2000 ms for REST (its window is now+2 s to now+60 s)"))  # fmt: skip
    if (order.time_in_force or context.knobs.default_tif) == "fok":
        found.append(InputInvalid(field="time_in_force", given="'fok' on REST",
                                  accepted="gtc, gtd or ioc for REST: Kraken's OpenAPI spec (2025-09) "
                                  "lists no FOK for AddOrder; send a fok order over WS v2"))  # fmt: skip
    if order.sender_sub_id is not None:
        found.append(InputInvalid(field="sender_sub_id", given="set",
                                  accepted="no sender_sub_id: REST AddOrder has no such field"))  # fmt: skip
    return found


def build_rest_add_order(
    order: OrderIntent, context: Context
) -> Result[RestAddOrder, tuple[OrderProblem, ...]]:
    """Check the intent as for WS v2, then render the REST `AddOrder` parameters."""
    checked: Result[SpotOrder, tuple[OrderProblem, ...]] = check_order(order, context)
    return checked.bind(lambda ok: _render(ok, context))


def _render(order: SpotOrder, context: Context) -> Result[RestAddOrder, tuple[OrderProblem, ...]]:
    refused = _rest_only(order, context)
    table = pair_table(context)
    if refused or table is None:
        return Failure(tuple(refused))
    rest_pair = table[order.symbol].rest_pair or ""
    cash = isinstance(order, MarketOrder) and order.cash_qty is not None
    volume = order.cash_qty if isinstance(order, MarketOrder) and order.cash_qty else order.qty
    # the order ccxt's REST fixtures show (`oflags=fcib%2Cpost`); Kraken reads them as a set
    flags = [
        *({"base": ["fcib"], "quote": ["fciq"], None: []}[order.fee_preference]),
        *(["post"] if isinstance(order, LimitOrder) and order.post_only else []),
        *(["viqc"] if cash else []),
    ]
    tif = (order.time_in_force or context.knobs.default_tif).upper()
    fields: list[tuple[str, str]] = [
        ("ordertype", str(order.__struct_config__.tag)),
        ("type", order.side),
        ("volume", _text(volume)),
        ("pair", rest_pair),
        *_prices(order, context),
        *_trigger_ref(order),
        *([("displayvol", _text(order.display_qty))] if isinstance(order, IcebergOrder) else []),
        ("timeinforce", tif),
        *([("oflags", ",".join(flags))] if flags else []),
        ("stptype", (order.stp_type or context.knobs.default_stp).replace("_", "-")),
        *([("starttm", _unix(order.effective_time))] if order.effective_time else []),
        *([("expiretm", _unix(order.expire_time))] if order.expire_time else []),
        *([("cl_ord_id", order.cl_ord_id)] if order.cl_ord_id is not None else []),
        *([("userref", str(order.order_userref))] if order.order_userref is not None else []),
        *(_close(order.close, context) if order.close is not None else []),
        ("deadline", deadline_text(context.now, context.knobs.deadline_ms)),
        ("validate", "false" if context.live and context.knobs.allow_live else "true"),
    ]
    return Success(RestAddOrder(fields=tuple(fields)))

"""Do a WS v2 `add_order` message and a REST `AddOrder` form say the same thing?

Each side is read into the same plain meaning (order type, side, quantity, pair, the trigger and
limit with their kinds, time in force, flags, times, ids, the close) and the two are compared
field by field; every difference is reported in the user's words, e.g.
"trigger: WS 28410 (static), REST 28400 (static)".

docs.kraken.com/api/docs/websocket-v2/add_order and docs.kraken.com/api/docs/rest-api/add-order
(the REST price grammar: `+`/`-` offsets, `%` for percent, docs.kraken.com/api/docs/rest-api/add-order)
"""

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Final

from msgspec import UNSET
from returns.result import Failure, Result, Success

from momentum.exchange.kraken.rest.render import RestAddOrder
from momentum.exchange.kraken.ws_v2_messages import (
    AddOrder,
    Conditional,
    ConditionalLimit,
    ConditionalStopLossLimit,
    ConditionalTakeProfitLimit,
    ConditionalTrailingStopLimit,
    IcebergParams,
    LimitParams,
    MarketParams,
    StopLossLimitParams,
    TakeProfitLimitParams,
    TrailingStopLimitParams,
)
from momentum.models.instrument import InstrumentTable

__all__ = ["Meaning", "parity", "rest_meaning", "ws_meaning"]

Meaning = dict[str, str]
_TRAILING: Final = ("trailing-stop", "trailing-stop-limit")


def _number(value: Decimal | str) -> str:
    try:
        number = Decimal(value)
    except (InvalidOperation, ValueError):
        return f"unreadable {value!r}"
    if not number.is_finite():
        return f"unreadable {value!r}"
    return format(number.normalize(), "f") if number else "0"


def _priced(value: Decimal | str, kind: str) -> str:
    return f"{_number(value)} ({kind})"


def _rest_priced(text: str, *, trailing: bool = False) -> str:
    """REST's price grammar read back: `+150` quote, `-2%` pct, plain static."""
    pct = text.endswith("%")
    body = text.removesuffix("%")
    if body[:1] in "+-" and body[:1]:
        kind = "pct" if pct else "quote"
        value = body[1:] if body[0] == "+" else body
        return _priced(value, kind)
    if trailing or pct:
        return f"unreadable {text!r} (a relative price needs + or -)"
    return _priced(body, "static")


def _unix(text: str) -> str:
    moment = datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    return str(int(moment.timestamp()))


def ws_meaning(message: AddOrder, instruments: InstrumentTable) -> Meaning:
    """What a WS v2 `add_order` message asks for, in plain fields."""
    params = message.params
    kind = str(params.__struct_config__.tag)
    pair = instruments.get(params.symbol)
    meaning: Meaning = {
        "order type": kind,
        "side": params.side,
        "pair": pair.rest_pair or params.symbol if pair is not None else params.symbol,
        "time in force": params.time_in_force or "gtc",
        "self-trade prevention": params.stp_type or "cancel_newest",
        "validate": "true" if params.validate is True else "false",
        "deadline": "none" if params.deadline is UNSET else params.deadline,  # as REST says it
    }
    if isinstance(params, MarketParams) and params.cash_order_qty is not None:
        meaning["quantity"] = f"{_number(params.cash_order_qty)} in quote currency"
    else:
        meaning["quantity"] = _number(params.order_qty)
    if isinstance(params, LimitParams | IcebergParams):
        meaning["limit"] = _priced(params.limit_price, "static")
    triggers = getattr(params, "triggers", None)
    if triggers is not None:
        price_type = "static" if triggers.price_type is UNSET else triggers.price_type
        meaning["trigger"] = _priced(triggers.price, price_type)
        meaning["trigger reference"] = "last" if triggers.reference is UNSET else triggers.reference
    if isinstance(params, TrailingStopLimitParams):
        limit_type = "quote" if params.limit_price_type is UNSET else params.limit_price_type
        meaning["limit"] = _priced(params.limit_price, limit_type)
    elif isinstance(params, StopLossLimitParams | TakeProfitLimitParams):
        meaning["limit"] = _priced(params.limit_price, "static")
    if isinstance(params, IcebergParams):
        meaning["display quantity"] = _number(params.display_qty)
    flags = []
    if isinstance(params, LimitParams) and params.post_only:
        flags.append("post-only")
    if params.fee_preference is not None:
        flags.append(f"fee in {params.fee_preference}")
    meaning["flags"] = ", ".join(flags) or "none"
    for name, label in (("effective_time", "start"), ("expire_time", "expiry")):
        text = getattr(params, name)
        if text is not None:
            meaning[label] = _unix(text)
    if params.cl_ord_id is not None:
        meaning["cl_ord_id"] = params.cl_ord_id
    if params.order_userref is not None:
        meaning["userref"] = str(params.order_userref)
    if params.conditional is not None:
        meaning |= _ws_close(params.conditional)
    return meaning


def _ws_close(conditional: Conditional) -> Meaning:
    kind = str(conditional.__struct_config__.tag)
    close: Meaning = {"close type": kind}
    if isinstance(conditional, ConditionalLimit):
        close["close price"] = _priced(conditional.limit_price, "static")
        return close
    price_type = conditional.trigger_price_type or "static"
    close["close price"] = _priced(conditional.trigger_price, price_type)
    if isinstance(conditional, ConditionalTrailingStopLimit):
        limit_type = conditional.limit_price_type
        close["close limit"] = _priced(
            conditional.limit_price, "quote" if limit_type is UNSET else limit_type
        )
    elif isinstance(conditional, ConditionalStopLossLimit | ConditionalTakeProfitLimit):
        close["close limit"] = _priced(conditional.limit_price, "static")
    return close


def rest_meaning(form: RestAddOrder) -> Meaning:
    """What a REST `AddOrder` form asks for, in the same plain fields."""
    get = form.get
    kind = get("ordertype") or "?"
    trailing = kind in _TRAILING
    flags = set(filter(None, (get("oflags") or "").split(",")))
    meaning: Meaning = {
        "order type": kind,
        "side": get("type") or "?",
        "pair": get("pair") or "?",
        "time in force": (get("timeinforce") or "GTC").lower(),
        "self-trade prevention": (get("stptype") or "cancel-newest").replace("-", "_"),
        "validate": get("validate") or "false",
        "deadline": get("deadline") or "none",
    }
    volume = _number(get("volume") or "?")
    meaning["quantity"] = f"{volume} in quote currency" if "viqc" in flags else volume
    price, price2 = get("price"), get("price2")
    if kind in ("limit", "iceberg") and price is not None:
        meaning["limit"] = _rest_priced(price)
    elif price is not None:
        meaning["trigger"] = _rest_priced(price, trailing=trailing)
        meaning["trigger reference"] = get("trigger") or "last"
    if price2 is not None:
        meaning["limit"] = _rest_priced(price2)
    if get("displayvol") is not None:
        meaning["display quantity"] = _number(get("displayvol") or "?")
    named = []
    if "post" in flags:
        named.append("post-only")
    if "fcib" in flags:
        named.append("fee in base")
    if "fciq" in flags:
        named.append("fee in quote")
    meaning["flags"] = ", ".join(named) or "none"
    for name, label in (("starttm", "start"), ("expiretm", "expiry")):
        value = get(name)
        if value is not None:
            meaning[label] = value
    for name in ("cl_ord_id", "userref"):
        value = get(name)
        if value is not None:
            meaning[name] = value
    close_kind = get("close[ordertype]")
    if close_kind is not None:
        meaning["close type"] = close_kind
        close_price, close_price2 = get("close[price]"), get("close[price2]")
        if close_price is not None:
            meaning["close price"] = _rest_priced(close_price, trailing=close_kind in _TRAILING)
        if close_price2 is not None:
            meaning["close limit"] = _rest_priced(close_price2)
    return meaning


def parity(
    message: AddOrder, form: RestAddOrder, instruments: InstrumentTable
) -> Result[None, tuple[str, ...]]:
    """`Success` when both say the same thing, else every difference, field by field."""
    ws, rest = ws_meaning(message, instruments), rest_meaning(form)
    differences = tuple(
        f"{key}: WS {ws.get(key, 'not set')}, REST {rest.get(key, 'not set')}"
        for key in sorted(ws.keys() | rest.keys())
        if ws.get(key) != rest.get(key)
    )
    return Failure(differences) if differences else Success(None)

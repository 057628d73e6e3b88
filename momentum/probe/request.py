"""What the flags ask for, typed: the order intent (and, with `--bracket 1`, its take-profit leg),
or a message to vet with `--check` and the context beside it. Pure; every flag problem at once.

A flag that the message could not carry, or that means nothing in the mode asked for, is refused,
never dropped.

>>> parse_argv(["--symbol", "BTC/USD", "--side", "buy", "--qty", "0.001"]).unwrap().order
MarketOrder(symbol='BTC/USD', side='buy', qty=Decimal('0.001'), ...)
"""

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Final, Literal, TypedDict, assert_never

import msgspec
from returns.result import Failure, Result, Success

from momentum.errors import InputInvalid
from momentum.models.context import Exposure
from momentum.models.instrument import InstrumentTable
from momentum.models.intent import (
    Close,
    FeePreference,
    IcebergOrder,
    LimitOrder,
    MarketOrder,
    OrderIntent,
    PriceType,
    SettlePositionOrder,
    Side,
    StopLossClose,
    StopLossLimitClose,
    StopLossLimitOrder,
    StopLossOrder,
    TakeProfitClose,
    TakeProfitLimitClose,
    TakeProfitLimitOrder,
    TakeProfitOrder,
    TimeInForce,
    TrailingStopLimitOrder,
    TrailingStopOrder,
    Trigger,
)
from momentum.probe.flags import (
    BRACKET,
    CASH_QTY,
    CHECK,
    CHECK_FLAGS,
    CL_ORD_ID,
    DISPLAY_QTY,
    EFFECTIVE_TIME,
    EXPIRE_TIME,
    FEE_PREF,
    FLAG_OF,
    FLAGS,
    LIMIT,
    LIMIT_TYPE,
    OPEN_POSITIONS,
    ORDER_TYPE,
    POST_ONLY,
    QTY,
    QUOTE_RATE,
    REF_PRICE,
    REQ_ID,
    REST,
    SIDE,
    SL,
    SL_LIMIT,
    SL_TYPE,
    SNAP,
    STANDALONE_SL,
    STANDALONE_TP,
    SYMBOL,
    TIF,
    TP,
    TP_LIMIT,
    TP_TYPE,
    TRIGGER,
    TRIGGER_REF,
    TRIGGER_TYPE,
    USERREF,
    VALIDATE,
    Flag,
    OrderType,
    Values,
    read,
    tokenize,
)
from momentum.utils.checks import amount_problems, cl_ord_id_problems, symbol_problems
from momentum.utils.pair_rules import symbol_in_table_problems
from momentum.utils.safety import TakeProfitLeg

__all__ = ["CheckRequest", "ProbeRequest", "parse_argv", "parse_check", "parse_flags"]


class ProbeRequest(msgspec.Struct, frozen=True, kw_only=True):
    """An order to print: the intent, how to print it, and the context the flags give.

    `take_profit` is set with `--bracket 1`: the second leg, sent after the entry fills.
    `flag_of` names each intent field by the flag that set it.
    """

    order: OrderIntent
    take_profit: TakeProfitLeg | None = None
    rest: Literal["", "json", "urlencoded"] = ""
    live: bool
    req_id: int | None
    exposure: Exposure
    quote_rates: Mapping[str, Decimal]
    snap: bool
    flag_of: Mapping[str, str]


class CheckRequest(msgspec.Struct, frozen=True, kw_only=True):
    """A message to vet (`--check FILE`), and what the flags say beside it."""

    source: str  # a path, or "-" for stdin
    ref_price: Decimal | None
    side: Side | None
    symbol: str | None
    exposure: Exposure
    quote_rates: Mapping[str, Decimal]
    flag_of: Mapping[str, str]


_TRIGGERED: Final = (
    "stop-loss", "stop-loss-limit", "take-profit", "take-profit-limit", "trailing-stop",
    "trailing-stop-limit",
)  # fmt: skip
_LIMIT_NEEDED: Final = ("limit", "iceberg", "trailing-stop-limit")
_LIMIT_OPTIONAL: Final = ("stop-loss-limit", "take-profit-limit")


def parse_argv(
    argv: Sequence[str], instruments: InstrumentTable | None = None
) -> Result[ProbeRequest, tuple[InputInvalid, ...]]:
    """`tokenize` then `parse_flags`, with the problems of both; a flag given without a value is
    reported once, not again as missing."""
    text, token_problems = tokenize(argv)
    request = parse_flags(text, instruments)
    if not token_problems:
        return request
    named = {problem.field for problem in token_problems}
    later = tuple(
        problem
        for problem in request.swap().value_or(())
        if not (problem.field in named and problem.given == "missing")
    )
    return Failure((*token_problems, *later))


def parse_flags(
    text: Mapping[str, str], instruments: InstrumentTable | None = None
) -> Result[ProbeRequest, tuple[InputInvalid, ...]]:
    """Turn the flag text into an order intent; every flag problem at once.

    With an instrument table, `--symbol` must be one of its pairs (with suggestions).
    """
    values, problems = read(text)
    found = list(problems)
    for flag in FLAGS:
        if flag.required and not values.given(flag):
            found.append(InputInvalid(field=flag.name, given="missing",
                                      accepted=flag.help.partition(" (required")[0]))  # fmt: skip
    if values.given(CHECK):
        found.append(InputInvalid(field=CHECK.name, given="given with an order to build",
                                  accepted="--check with no order flags (see --help)"))  # fmt: skip
    found.extend(_identity(values, instruments))
    found.extend(_combinations(values))
    order = None if found else _order(values)
    if order is None:
        return Failure(tuple(found))
    intent, take_profit, flag_of = order
    rest = values.get(REST)
    return Success(
        ProbeRequest(
            order=intent,
            take_profit=take_profit,
            rest="json" if rest == "1" else "urlencoded" if rest == "urlencoded" else "",
            live=values.get(VALIDATE) is False,
            req_id=values.get(REQ_ID),
            exposure=Exposure(open_positions=values.get(OPEN_POSITIONS) or 0),
            quote_rates=values.get(QUOTE_RATE) or {},
            snap=values.get(SNAP) is True,
            flag_of=flag_of,
        )
    )


def parse_check(text: Mapping[str, str]) -> Result[CheckRequest, tuple[InputInvalid, ...]]:
    """`--check FILE`: the flags that give the context a message cannot carry, and no other (a
    flag that would say what the message says is refused, never ignored)."""
    values, problems = read(text)
    found = list(problems)
    for name in values.names():
        if name not in CHECK_FLAGS:
            found.append(
                InputInvalid(
                    field=name,
                    given="given with --check, where the message says it",
                    accepted=f"beside --check only {', '.join(n for n in CHECK_FLAGS if n != '--check')}",
                )
            )
    symbol = values.get(SYMBOL)
    if symbol is not None:
        found.extend(symbol_problems(symbol, SYMBOL.name))
    if found:
        return Failure(tuple(found))
    return Success(
        CheckRequest(
            source=values.get(CHECK) or "-",
            ref_price=values.get(REF_PRICE),
            side=values.get(SIDE),
            symbol=symbol,
            exposure=Exposure(open_positions=values.get(OPEN_POSITIONS) or 0),
            quote_rates=values.get(QUOTE_RATE) or {},
            flag_of=FLAG_OF,
        )
    )


def _identity(values: Values, instruments: InstrumentTable | None) -> list[InputInvalid]:
    found: list[InputInvalid] = []
    symbol = values.get(SYMBOL)
    if symbol is not None and instruments is None:
        found.extend(symbol_problems(symbol, SYMBOL.name))
    elif symbol is not None and instruments is not None:
        found.extend(symbol_in_table_problems(symbol, SYMBOL.name, instruments))
    found.extend(cl_ord_id_problems(values.get(CL_ORD_ID), CL_ORD_ID.name))
    # signed where an offset is asked for, else a positive price
    if values.get(ORDER_TYPE) != "trailing-stop-limit":
        found.extend(_positive(values, LIMIT))
    for leg, kind in ((SL, SL_TYPE), (TP, TP_TYPE)):
        if values.get(kind) in (None, "static"):
            found.extend(_positive(values, leg))
    if values.get(STANDALONE_TP) and values.get(STANDALONE_SL):
        found.append(InputInvalid(field=STANDALONE_SL.name, given="given with --standalone_tp",
                                  accepted="one standalone order per message"))  # fmt: skip
    return found


def _positive(values: Values, flag: Flag[Decimal]) -> tuple[InputInvalid, ...]:
    value = values.get(flag)
    return () if value is None else amount_problems(value, flag.name)


def _combinations(values: Values) -> list[InputInvalid]:
    """Refuse flags that the message could not carry, rather than dropping them silently."""
    found: list[InputInvalid] = []

    def refuse(flag: str, given: str, accepted: str) -> None:
        found.append(InputInvalid(field=flag, given=given, accepted=accepted))

    for leg, trigger in ((SL_LIMIT, SL), (TP_LIMIT, TP)):
        if values.given(leg) and not values.given(trigger):
            refuse(leg.name, f"given without {trigger.name}",
                   f"{trigger.name} too (the limit is placed when {trigger.name} fires)")  # fmt: skip
    standalone = (
        "--tp" if values.get(STANDALONE_TP) else "--sl" if values.get(STANDALONE_SL) else None
    )
    post_only = values.get(POST_ONLY) is True
    found.extend(_order_type(values, standalone))
    kind = values.text(ORDER_TYPE) or ("limit" if values.given(LIMIT) else "market")
    if values.given(CASH_QTY) and (kind != "market" or standalone is not None):
        refuse(CASH_QTY.name, "given on an order that is not a market order",
               "--cash_qty on a market buy")  # fmt: skip
    bracket = values.get(BRACKET) is True
    if values.text(REST) not in (None, "0") and bracket:
        refuse(REST.name, "given with --bracket 1", "--rest for a single order")
    if bracket and not (values.given(SL) and values.given(TP)):
        refuse(BRACKET.name, "1 without both --sl and --tp", "--bracket 1 with --sl and --tp")
    if standalone is not None:
        other = "--sl" if standalone == "--tp" else "--tp"
        for flag in (LIMIT.name, other, f"{other}_limit"):
            if flag in values.names():
                refuse(flag, f"given with --standalone_{standalone[2:]}",
                       f"only {standalone} and {standalone}_limit for a standalone order")  # fmt: skip
        if standalone not in values.names():
            refuse(standalone, "missing", "the trigger price of the standalone order")
        if post_only:
            refuse(POST_ONLY.name, "1 on a triggered order", "post_only only with --limit")
        return found
    if values.given(SL) and values.given(TP) and not bracket:
        refuse(
            TP.name,
            "given with --sl",
            "one close per message: Kraken's conditional takes a stop-loss or a take-profit, "
            "not both (no OCO); add --bracket 1 for the two messages to send in order",
        )
    if post_only and (not values.given(LIMIT) or values.text(ORDER_TYPE) not in (None, "limit")):
        refuse(POST_ONLY.name, "1 on an order that is not a limit order",
               "post_only only on a limit order (--limit)")  # fmt: skip
    return found


def _order_type(values: Values, standalone: str | None) -> list[InputInvalid]:
    """--order_type names the primary; the flags it needs must be there and no others."""
    found: list[InputInvalid] = []

    def refuse(flag: str, given: str, accepted: str) -> None:
        found.append(InputInvalid(field=flag, given=given, accepted=accepted))

    kind = values.text(ORDER_TYPE)
    if kind is None:
        for flag in (TRIGGER, TRIGGER_TYPE, TRIGGER_REF, LIMIT_TYPE, DISPLAY_QTY):
            if values.given(flag):
                refuse(flag.name, "given without --order_type",
                       "--order_type naming the type that takes it")  # fmt: skip
        return found
    if standalone is not None:
        refuse(ORDER_TYPE.name, f"given with --standalone_{standalone[2:]}",
               "either --order_type or a standalone flag")  # fmt: skip
    triggered = kind in _TRIGGERED
    if triggered and not values.given(TRIGGER):
        refuse(TRIGGER.name, "missing", f"the trigger of the {kind} order")
    for flag in (TRIGGER, TRIGGER_TYPE, TRIGGER_REF):
        if not triggered and values.given(flag):
            refuse(flag.name, f"given with --order_type {kind}", "a triggered --order_type")
    if kind in _LIMIT_NEEDED and not values.given(LIMIT):
        refuse(LIMIT.name, "missing", f"the limit price of the {kind} order")
    if kind not in _LIMIT_NEEDED + _LIMIT_OPTIONAL and values.given(LIMIT):
        refuse(LIMIT.name, f"given with --order_type {kind}", "an order type that takes a limit")
    if (kind == "iceberg") != values.given(DISPLAY_QTY):
        refuse(DISPLAY_QTY.name, "missing" if kind == "iceberg" else f"given with {kind}",
               "--display_qty with, and only with, an iceberg order")  # fmt: skip
    if values.given(LIMIT_TYPE) and kind != "trailing-stop-limit":
        refuse(LIMIT_TYPE.name, f"given with {kind}", "--limit_type with trailing-stop-limit")
    return found


class _Common(TypedDict):
    symbol: str
    side: Side
    qty: Decimal
    time_in_force: TimeInForce | None
    expire_time: datetime | None
    effective_time: datetime | None
    fee_preference: FeePreference | None
    order_userref: int | None
    cl_ord_id: str | None
    ref_price: Decimal | None
    close: Close | None


def _order(values: Values) -> tuple[OrderIntent, TakeProfitLeg | None, dict[str, str]] | None:
    """The intent the flags say, the bracket's take-profit leg, and the field-to-flag map for
    this shape of request (a standalone order's trigger is --sl or --tp, not --trigger)."""
    symbol, side, qty = values.get(SYMBOL), values.get(SIDE), values.get(QTY)
    if symbol is None or side is None or qty is None:
        return None
    flag_of = dict(FLAG_OF)
    close, close_flags = (None, {}) if _standalone(values) else _close_of(values)
    common: _Common = {
        "symbol": symbol,
        "side": side,
        "qty": qty,
        "time_in_force": values.get(TIF),
        "expire_time": values.get(EXPIRE_TIME),
        "effective_time": values.get(EFFECTIVE_TIME),
        "fee_preference": values.get(FEE_PREF),
        "order_userref": values.get(USERREF),
        "cl_ord_id": values.get(CL_ORD_ID),
        "ref_price": values.get(REF_PRICE),
        "close": close,
    }
    flag_of |= close_flags
    order: OrderIntent
    kind = values.get(ORDER_TYPE)
    if kind is not None:
        order = _typed_order(kind, values, common)
    elif _standalone(values) == TP.name:
        flag_of |= {"trigger.price": TP.name, "trigger": TP.name, "limit_price": TP_LIMIT.name}
        order = _standalone_order(values.get(TP), values.get(TP_LIMIT), common, take=True)
    elif _standalone(values) == SL.name:
        flag_of |= {"trigger.price": SL.name, "trigger": SL.name, "limit_price": SL_LIMIT.name}
        order = _standalone_order(values.get(SL), values.get(SL_LIMIT), common, take=False)
    else:
        limit = values.get(LIMIT)
        order = (
            MarketOrder(**common, cash_qty=values.get(CASH_QTY))
            if limit is None
            else LimitOrder(**common, limit_price=limit, post_only=values.get(POST_ONLY) is True)
        )
    take_profit: TakeProfitLeg | None = None
    tp = values.get(TP)
    if values.get(BRACKET) and tp is not None:
        take_profit = _take_profit(tp, values.get(TP_LIMIT), values.get(TP_TYPE) or "static")
        flag_of |= {"take_profit.trigger.price": TP.name, "take_profit.limit_price": TP_LIMIT.name}
    return order, take_profit, flag_of


def _standalone(values: Values) -> str | None:
    if values.get(STANDALONE_TP):
        return TP.name
    return SL.name if values.get(STANDALONE_SL) else None


def _standalone_order(
    trigger_price: Decimal | None, limit: Decimal | None, common: _Common, *, take: bool
) -> OrderIntent:
    trigger = Trigger(price=trigger_price or Decimal(0))
    if take:
        if limit is None:
            return TakeProfitOrder(**common, trigger=trigger)
        return TakeProfitLimitOrder(**common, trigger=trigger, limit_price=limit)
    if limit is None:
        return StopLossOrder(**common, trigger=trigger)
    return StopLossLimitOrder(**common, trigger=trigger, limit_price=limit)


def _take_profit(price: Decimal, limit: Decimal | None, price_type: PriceType) -> TakeProfitLeg:
    if limit is None:
        return TakeProfitClose(trigger_price=price, trigger_price_type=price_type)
    return TakeProfitLimitClose(
        trigger_price=price, limit_price=limit, trigger_price_type=price_type
    )


def _close_of(values: Values) -> tuple[Close | None, dict[str, str]]:
    """The OTO close from --sl/--sl_limit (or, without --bracket, --tp/--tp_limit)."""
    sl, tp = values.get(SL), values.get(TP)
    if sl is not None:
        sl_type, sl_limit = values.get(SL_TYPE) or "static", values.get(SL_LIMIT)
        close: Close = (
            StopLossClose(trigger_price=sl, trigger_price_type=sl_type)
            if sl_limit is None
            else StopLossLimitClose(
                trigger_price=sl, limit_price=sl_limit, trigger_price_type=sl_type
            )
        )
        return close, {"close.trigger_price": SL.name, "close.limit_price": SL_LIMIT.name,
                       "close.trigger_price_type": SL_TYPE.name}  # fmt: skip
    if tp is not None and not values.get(BRACKET):
        close = _take_profit(tp, values.get(TP_LIMIT), values.get(TP_TYPE) or "static")
        return close, {"close.trigger_price": TP.name, "close.limit_price": TP_LIMIT.name,
                       "close.trigger_price_type": TP_TYPE.name}  # fmt: skip
    return None, {}


def _typed_order(kind: OrderType, values: Values, common: _Common) -> OrderIntent:
    trigger = Trigger(
        price=values.get(TRIGGER) or Decimal(0),
        price_type=values.get(TRIGGER_TYPE) or "static",
        reference=values.get(TRIGGER_REF) or "last",
    )
    limit = values.get(LIMIT)
    match kind:
        case "limit":
            return LimitOrder(**common, limit_price=limit or Decimal(0),
                              post_only=values.get(POST_ONLY) is True)  # fmt: skip
        case "market":
            return MarketOrder(**common, cash_qty=values.get(CASH_QTY))
        case "iceberg":
            return IcebergOrder(**common, limit_price=limit or Decimal(0),
                                display_qty=values.get(DISPLAY_QTY) or Decimal(0))  # fmt: skip
        case "stop-loss":
            return StopLossOrder(**common, trigger=trigger)
        case "take-profit":
            return TakeProfitOrder(**common, trigger=trigger)
        case "stop-loss-limit":
            return StopLossLimitOrder(**common, trigger=trigger, limit_price=limit)
        case "take-profit-limit":
            return TakeProfitLimitOrder(**common, trigger=trigger, limit_price=limit)
        case "trailing-stop":
            return TrailingStopOrder(**common, trigger=trigger)
        case "trailing-stop-limit":
            return TrailingStopLimitOrder(**common, trigger=trigger, limit_price=limit or Decimal(0),
                                          limit_price_type=values.get(LIMIT_TYPE) or "quote")  # fmt: skip
        case "settle-position":
            return SettlePositionOrder(**common)
        case _:
            assert_never(kind)

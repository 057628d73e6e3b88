"""Print the Kraken WS v2 `add_order` message an order intent becomes; send nothing.

    python -m momentum.scripts.ws_payload_probe --symbol BTC/USD --side buy --qty 0.001 \\
        --limit 28440 --sl 28410 --sl_limit 28400 --tif gtc --post_only 1 --validate 1

stdout gets one JSON document (the message, without `token`: a sender adds it); stderr gets one
problem per line. Exit 0 on success, 2 for invalid flags or knobs, 3 when a safety guard refuses.

This file is the imperative shell: it reads argv, the knob file and the clock (once), calls the
pure core and prints. Everything it decides is in `probe_message`, which is pure.
"""

import difflib
import os
import sys
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Final, Literal, TypedDict, assert_never, get_args

import msgspec
from returns.result import Failure, Result, Success

from momentum.errors import InputInvalid, KnobInvalid, Problem, exit_code, render, show
from momentum.exchange.kraken.instruments import load_default_instruments, load_instruments
from momentum.models.context import Context, Exposure, pair_table
from momentum.models.instrument import InstrumentTable
from momentum.exchange.kraken.parity import parity
from momentum.exchange.kraken.rest_payloads import RestAddOrder, build_rest_add_order, urlencoded
from momentum.exchange.kraken.ws_v2_check import check_message
from momentum.exchange.kraken.ws_v2_messages import AddOrder, encode
from momentum.exchange.kraken.ws_v2_payloads import build_add_order, build_add_order_json
from momentum.exchange.kraken.ws_v2_requests import TakeProfitLeg, bracket_plan
from momentum.models.intent import (
    Close,
    FeePreference,
    IcebergOrder,
    LimitOrder,
    MarketOrder,
    OrderIntent,
    PriceType,
    Reference,
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
    parse_amount,
)
from momentum.utils.env import Knobs, load_knobs
from momentum.utils.pair_rules import snap_order, symbol_in_table_problems
from momentum.utils.checks import (
    amount_problems,
    cl_ord_id_problems,
    order_warnings,
    symbol_problems,
)

__all__ = [
    "FLAGS",
    "ProbeOutput",
    "ProbeRequest",
    "check_text",
    "load_table",
    "main",
    "parse_argv",
    "parse_flags",
    "probe_message",
    "run",
    "tokenize",
]

# flag -> help text; the spelling is the Step 3 brief's (underscores), plus --env-file.
FLAGS: Final[Mapping[str, str]] = {
    "--symbol": "pair, WS v2 spelling, e.g. BTC/USD (required)",
    "--side": "buy or sell (required)",
    "--qty": "quantity in the base asset, e.g. 0.001 (required)",
    "--limit": "limit price of the primary order; without it the primary is a market order",
    "--sl": "stop-loss trigger price (the OTO close, or the standalone order's trigger)",
    "--sl_limit": "limit price placed when the stop fires (makes it stop-loss-limit)",
    "--tp": "take-profit trigger price (the OTO close, or the standalone order's trigger)",
    "--tp_limit": "limit price placed when the take-profit fires (makes it take-profit-limit)",
    "--tif": "time in force: gtc, gtd, ioc or fok (default: DEFAULT_TIF)",
    "--expire_time": "expiry for --tif gtd, RFC3339 to the second, e.g. 2026-12-01T00:00:00Z",
    "--post_only": "1 to rest on the book only (limit orders), 0 otherwise (default 0)",
    "--validate": "1 validate only (default); 0 asks for a live order, which needs ALLOW_LIVE=1",
    "--standalone_tp": "1 to print a standalone take-profit(-limit) order from --tp/--tp_limit",
    "--standalone_sl": "1 to print a standalone stop-loss(-limit) order from --sl/--sl_limit",
    "--ref_price": "current market price, to bound a market entry's notional",
    "--open_positions": "open positions your tracker reports, for ONE_POSITION_ONLY (default 0)",
    "--req_id": "request id echoed by Kraken, a signed 32-bit integer",
    "--cl_ord_id": "client order id: a UUID, 32 hex chars, or up to 18 of A-Z a-z 0-9 _ -",
    "--order_type": "primary order type, Kraken's spelling (limit, market, iceberg, stop-loss, "
    "stop-loss-limit, take-profit, take-profit-limit, trailing-stop, trailing-stop-limit); "
    "default: limit with --limit, else market",
    "--trigger": "trigger price (static) or offset (pct/quote) of a triggered --order_type",
    "--trigger_type": "static (default), pct or quote; trailing types take pct or quote",
    "--trigger_ref": "last (default) or index",
    "--limit_type": "quote (default) or pct: how a trailing-stop-limit's --limit offset is read",
    "--cash_qty": "market buys: the volume in quote currency, sent as cash_order_qty beside "
    "--qty (both are held to ENTRY_MAX_NOTIONAL)",
    "--display_qty": "shown quantity of an iceberg order (at least 1/15 of --qty)",
    "--effective_time": "scheduled start, RFC3339 UTC to the second",
    "--fee_pref": "base or quote: the currency fees are taken in",
    "--userref": "order_userref, a signed 32-bit tag (never with --cl_ord_id)",
    "--sl_type": "static (default), pct or quote: --sl as a price or as an offset from the "
    "primary's price (a buy's stop offset is negative)",
    "--tp_type": "static (default), pct or quote: --tp as a price or as an offset from the "
    "primary's price (a buy's take-profit offset is positive)",
    "--bracket": "1 with both --sl and --tp: print the entry with its stop, then the take-profit "
    "leg to send after the fill, as one JSON array",
    "--rest": "1 prints the same order as REST AddOrder parameters (JSON; the urlencoded body "
    "on stderr) after checking both forms agree; urlencoded prints only the body",
    "--check": "FILE (or - for stdin): vet an add_order, batch_add, amend_order or cancel_order "
    "message written elsewhere; prints its problems, exit 0 when clean",
    "--instruments": "instrument file, WS v2 snapshot or REST AssetPairs JSON (default: "
    "INSTRUMENTS_FILE, else the dated table shipped in the package)",
    "--snap": "1 rounds off-grid prices and quantities in the safe direction and says so on "
    "stderr; 0 refuses them (default)",
    "--env-file": "knob file to read instead of ./.env_meanrev (never .env)",
}
_REQUIRED: Final = ("--symbol", "--side", "--qty")
_INT32: Final = range(-(2**31), 2**31)
_TIFS: Final[tuple[TimeInForce, ...]] = get_args(TimeInForce)

USAGE: Final = (
    "usage: python -m momentum.scripts.ws_payload_probe --symbol BTC/USD --side buy --qty 0.001 "
    "[--limit P] [--sl P [--sl_limit P] | --tp P [--tp_limit P]] [flags]\n\n"
    "Prints the Kraken WS v2 add_order message as JSON on stdout; sends nothing.\n"
    "Exit 0: printed; 2: invalid flags or knobs; 3: a safety guard refused.\n\nflags:\n"
    + "".join(f"  {flag:<17} {text}\n" for flag, text in FLAGS.items())
)


class _Common(TypedDict, total=False):
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


class ProbeRequest(msgspec.Struct, frozen=True, kw_only=True):
    """What the flags ask for, typed; `flag_of` maps the intent's field paths back to flags.

    `take_profit` is set with `--bracket 1`: the second leg, sent after the entry fills.
    """

    order: OrderIntent
    take_profit: TakeProfitLeg | None = None
    rest: Literal["", "json", "urlencoded"] = ""
    live: bool
    req_id: int | None
    exposure: Exposure
    snap: bool
    flag_of: Mapping[str, str]


class ProbeOutput(msgspec.Struct, frozen=True, kw_only=True):
    """What the probe prints: the message on stdout, notes (what `--snap` changed) on stderr."""

    message: bytes
    notes: tuple[str, ...]


def tokenize(argv: Sequence[str]) -> tuple[dict[str, str], tuple[InputInvalid, ...]]:
    """Split `--flag value` / `--flag=value` pairs; unknown, repeated or valueless flags are problems.

    >>> tokenize(["--qty", "1", "--sid=buy", "--qty=2"])[1][0].render()
    "--sid: 'buy'; use a known flag (did you mean --side?)"
    """
    values: dict[str, str] = {}
    problems: list[InputInvalid] = []
    index = 0
    while index < len(argv):
        token = argv[index]
        index += 1
        name, equals, value = token.partition("=")
        if not name.startswith("--"):
            problems.append(
                InputInvalid(
                    field="arguments", given=show(token), accepted="--flag value pairs (see --help)"
                )
            )
            continue
        if not equals:
            if index >= len(argv) or (argv[index].startswith("--") and name in FLAGS):
                problems.append(InputInvalid(field=name, given="no value", accepted="--flag value"))
                continue
            value = argv[index]
            index += 1
        if name not in FLAGS:
            close = difflib.get_close_matches(
                name.replace("-", "_"), [f.replace("-", "_") for f in FLAGS], n=1
            )
            hint = f" (did you mean {_flag_named(close[0])}?)" if close else " (see --help)"
            problems.append(
                InputInvalid(field=name, given=show(value), accepted=f"a known flag{hint}")
            )
        elif name in values:
            problems.append(
                InputInvalid(field=name, given="given twice", accepted="each flag once")
            )
        else:
            values[name] = value
    return values, tuple(problems)


def _flag_named(underscored: str) -> str:
    return next(flag for flag in FLAGS if flag.replace("-", "_") == underscored)


class _Reader:
    """Typed reads of flag text, collecting every problem instead of stopping at the first."""

    def __init__(self, values: Mapping[str, str]) -> None:
        self.values = values
        self.problems: list[InputInvalid] = []

    def text(self, flag: str) -> str | None:
        return self.values.get(flag)

    def amount(self, flag: str, *, signed: bool = False) -> Decimal | None:
        text = self.values.get(flag)
        if text is None:
            return None
        value = self._keep(parse_amount(text, flag))
        if value is not None and signed:
            return value  # an offset: the core checks its sign and size for the order type
        if value is not None:
            problems = tuple(amount_problems(value, flag))
            self.problems.extend(problems)
            return None if problems else value
        return None

    def bit(self, flag: str, default: bool) -> bool:
        text = self.values.get(flag)
        if text is None:
            return default
        if text.strip() in ("0", "1"):
            return text.strip() == "1"
        self.problems.append(InputInvalid(field=flag, given=show(text), accepted="1 or 0"))
        return default

    def integer(self, flag: str, accepted: str, allowed: range) -> int | None:
        text = self.values.get(flag)
        if text is None:
            return None
        stripped = text.strip()
        digits = stripped.removeprefix("-")
        if digits.isascii() and digits.isdigit() and len(digits) <= 12 and int(stripped) in allowed:
            return int(stripped)
        self.problems.append(InputInvalid(field=flag, given=show(text), accepted=accepted))
        return None

    def moment(self, flag: str) -> datetime | None:
        text = self.values.get(flag)
        if text is None:
            return None
        accepted = "an RFC3339 UTC time to the second, such as 2026-12-01T00:00:00Z"
        if not text.endswith("Z") or len(text) != 20:
            self.problems.append(InputInvalid(field=flag, given=show(text), accepted=accepted))
            return None
        try:
            return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        except ValueError:
            self.problems.append(InputInvalid(field=flag, given=show(text), accepted=accepted))
            return None

    def refuse(self, flag: str, given: str, accepted: str) -> None:
        self.problems.append(InputInvalid(field=flag, given=given, accepted=accepted))

    def _keep(self, parsed: Result[Decimal, InputInvalid]) -> Decimal | None:
        match parsed:
            case Success(Decimal() as value):
                return value
            case Failure(InputInvalid() as problem):
                self.problems.append(problem)
                return None
            case _:
                return None


OrderType = Literal[
    "limit",
    "market",
    "iceberg",
    "stop-loss",
    "stop-loss-limit",
    "take-profit",
    "take-profit-limit",
    "trailing-stop",
    "trailing-stop-limit",
    "settle-position",
]


class _Flags(msgspec.Struct, frozen=True, kw_only=True):
    """The flags' values, typed; `None` where a flag was not given (or did not parse)."""

    symbol: str
    side: Side
    qty: Decimal
    limit: Decimal | None
    sl: Decimal | None
    sl_limit: Decimal | None
    tp: Decimal | None
    tp_limit: Decimal | None
    ref_price: Decimal | None
    tif: TimeInForce | None
    expire_time: datetime | None
    post_only: bool
    validate: bool
    snap: bool
    standalone: str | None  # "--tp" or "--sl"
    open_positions: int
    req_id: int | None
    cl_ord_id: str | None
    order_type: OrderType | None
    trigger: Decimal | None
    trigger_type: PriceType
    trigger_ref: Reference
    limit_type: PriceType
    display_qty: Decimal | None
    effective_time: datetime | None
    fee_pref: FeePreference | None
    userref: int | None
    bracket: bool
    cash_qty: Decimal | None
    rest: Literal["", "json", "urlencoded"]
    sl_type: PriceType
    tp_type: PriceType


_TRIGGERED: Final = (
    "stop-loss", "stop-loss-limit", "take-profit", "take-profit-limit", "trailing-stop",
    "trailing-stop-limit",
)  # fmt: skip
_LIMIT_NEEDED: Final = ("limit", "iceberg", "trailing-stop-limit")
_LIMIT_OPTIONAL: Final = ("stop-loss-limit", "take-profit-limit")


def _choice(read: _Reader, flag: str, options: tuple[str, ...]) -> str | None:
    text = read.text(flag)
    if text is None or text in options:
        return text
    read.refuse(flag, show(text), " or ".join(options))
    return None


def parse_flags(
    values: Mapping[str, str], instruments: InstrumentTable | None = None
) -> Result[ProbeRequest, tuple[InputInvalid, ...]]:
    """Turn the flag text into an order intent; every flag problem at once.

    With an instrument table, `--symbol` must be one of its pairs (with suggestions).

    >>> parse_flags({"--symbol": "BTC/USD", "--side": "buy", "--qty": "0.001"}).unwrap().order
    MarketOrder(symbol='BTC/USD', side='buy', qty=Decimal('0.001'), ...)
    """
    read = _Reader(values)
    flags = _read_flags(read, instruments)
    _check_combinations(values, read)
    if read.problems or flags is None:
        return Failure(tuple(read.problems))
    return Success(_request(flags))


def _read_flags(read: _Reader, instruments: InstrumentTable | None) -> _Flags | None:
    for flag in _REQUIRED:
        if flag not in read.values:
            read.refuse(flag, "missing", FLAGS[flag].removesuffix(" (required)"))
    symbol = read.text("--symbol")
    if symbol is not None and instruments is None:
        read.problems.extend(symbol_problems(symbol, "--symbol"))
    elif symbol is not None and instruments is not None:
        read.problems.extend(symbol_in_table_problems(symbol, "--symbol", instruments))
    side_text = read.text("--side")
    side: Side | None = "buy" if side_text == "buy" else "sell" if side_text == "sell" else None
    if side_text is not None and side is None:
        read.refuse("--side", show(side_text), "buy or sell")
    cl_ord_id = read.text("--cl_ord_id")
    read.problems.extend(cl_ord_id_problems(cl_ord_id, "--cl_ord_id"))
    tif_text = read.text("--tif")
    tif = next((t for t in _TIFS if t == tif_text), None)
    if tif_text is not None and tif is None:
        read.refuse("--tif", show(tif_text), " or ".join(_TIFS))
    qty = read.amount("--qty")
    standalone_tp = read.bit("--standalone_tp", default=False)
    standalone_sl = read.bit("--standalone_sl", default=False)
    # a trailing-stop-limit's --limit is a signed offset from its trigger
    offset_limit = read.values.get("--order_type") == "trailing-stop-limit"
    limit = read.amount("--limit", signed=offset_limit)
    ref_price = read.amount("--ref_price")
    # with --sl_type/--tp_type pct or quote, --sl/--tp are signed offsets
    sl = read.amount("--sl", signed=read.values.get("--sl_type", "static") != "static")
    tp = read.amount("--tp", signed=read.values.get("--tp_type", "static") != "static")
    sl_limit, tp_limit = read.amount("--sl_limit"), read.amount("--tp_limit")
    expire_time = read.moment("--expire_time")
    post_only = read.bit("--post_only", default=False)
    validate = read.bit("--validate", default=True)
    snap = read.bit("--snap", default=False)
    open_positions = read.integer("--open_positions", "a whole number, 0 or more", range(10**6))
    req_id = read.integer("--req_id", "a whole number from -2147483648 to 2147483647", _INT32)
    order_type = _choice(read, "--order_type", get_args(OrderType))
    trigger = read.amount("--trigger", signed=True)
    trigger_type = _choice(read, "--trigger_type", get_args(PriceType)) or "static"
    trigger_ref = _choice(read, "--trigger_ref", get_args(Reference)) or "last"
    limit_type = _choice(read, "--limit_type", ("quote", "pct")) or "quote"
    display_qty = read.amount("--display_qty")
    effective_time = read.moment("--effective_time")
    fee_pref = _choice(read, "--fee_pref", get_args(FeePreference))
    userref = read.integer("--userref", "a whole number from -2147483648 to 2147483647", _INT32)
    bracket = read.bit("--bracket", default=False)
    cash_qty = read.amount("--cash_qty")
    rest_text = _choice(read, "--rest", ("0", "1", "urlencoded"))
    sl_type = _price_type(_choice(read, "--sl_type", get_args(PriceType)) or "static")
    tp_type = _price_type(_choice(read, "--tp_type", get_args(PriceType)) or "static")
    if standalone_tp and standalone_sl:
        read.refuse(
            "--standalone_sl", "given with --standalone_tp", "one standalone order per message"
        )
    if read.problems or symbol is None or side is None or qty is None:
        return None
    return _Flags(
        symbol=symbol,
        side=side,
        qty=qty,
        limit=limit,
        sl=sl,
        sl_limit=sl_limit,
        tp=tp,
        tp_limit=tp_limit,
        ref_price=ref_price,
        tif=tif,
        expire_time=expire_time,
        post_only=post_only,
        validate=validate,
        snap=snap,
        standalone="--tp" if standalone_tp else "--sl" if standalone_sl else None,
        open_positions=open_positions or 0,
        req_id=req_id,
        cl_ord_id=cl_ord_id,
        order_type=_order_type(order_type),
        trigger=trigger,
        trigger_type=_price_type(trigger_type),
        trigger_ref="index" if trigger_ref == "index" else "last",
        limit_type="pct" if limit_type == "pct" else "quote",
        display_qty=display_qty,
        effective_time=effective_time,
        fee_pref="base" if fee_pref == "base" else "quote" if fee_pref == "quote" else None,
        userref=userref,
        bracket=bracket,
        cash_qty=cash_qty,
        rest="json" if rest_text == "1" else "urlencoded" if rest_text == "urlencoded" else "",
        sl_type=sl_type,
        tp_type=tp_type,
    )


def _order_type(text: str | None) -> OrderType | None:
    return next((kind for kind in get_args(OrderType) if kind == text), None)


def _price_type(text: str) -> PriceType:
    return "pct" if text == "pct" else "quote" if text == "quote" else "static"


def _check_combinations(values: Mapping[str, str], read: _Reader) -> None:
    """Refuse flags that the message could not carry, rather than dropping them silently."""
    for leg, trigger in (("--sl_limit", "--sl"), ("--tp_limit", "--tp")):
        if leg in values and trigger not in values:
            read.refuse(
                leg,
                f"given without {trigger}",
                f"{trigger} too (the limit is placed when {trigger} fires)",
            )
    standalone = next(
        (
            f"--{leg}"
            for leg in ("tp", "sl")
            if values.get(f"--standalone_{leg}", "").strip() == "1"
        ),
        None,
    )
    post_only = values.get("--post_only", "").strip() == "1"
    _check_order_type(values, read, standalone)
    market = values.get("--order_type", "market" if "--limit" not in values else "limit")
    if "--cash_qty" in values and (market != "market" or standalone is not None):
        read.refuse("--cash_qty", "given on an order that is not a market order",
                    "--cash_qty on a market buy")  # fmt: skip
    if values.get("--rest", "0") != "0" and values.get("--bracket", "0") == "1":
        read.refuse("--rest", "given with --bracket 1", "--rest for a single order")
    if values.get("--bracket", "").strip() == "1" and not ("--sl" in values and "--tp" in values):
        read.refuse("--bracket", "1 without both --sl and --tp", "--bracket 1 with --sl and --tp")
    if standalone is not None:
        other = "--sl" if standalone == "--tp" else "--tp"
        for flag in ("--limit", other, f"{other}_limit"):
            if flag in values:
                read.refuse(
                    flag,
                    f"given with --standalone_{standalone[2:]}",
                    f"only {standalone} and {standalone}_limit for a standalone order",
                )
        if standalone not in values:
            read.refuse(standalone, "missing", "the trigger price of the standalone order")
        if post_only:
            read.refuse("--post_only", "1 on a triggered order", "post_only only with --limit")
        return
    if "--sl" in values and "--tp" in values and values.get("--bracket", "").strip() != "1":
        read.refuse(
            "--tp",
            "given with --sl",
            "one close per message: Kraken's conditional takes a stop-loss or a take-profit, "
            "not both (no OCO); add --bracket 1 for the two messages to send in order",
        )
    if post_only and ("--limit" not in values or values.get("--order_type", "limit") != "limit"):
        read.refuse("--post_only", "1 on an order that is not a limit order",
                    "post_only only on a limit order (--limit)")  # fmt: skip


def _check_order_type(values: Mapping[str, str], read: _Reader, standalone: str | None) -> None:
    """--order_type names the primary; the flags it needs must be there and no others."""
    kind = values.get("--order_type")
    if kind is None:
        for flag in (
            "--trigger",
            "--trigger_type",
            "--trigger_ref",
            "--limit_type",
            "--display_qty",
        ):
            if flag in values:
                read.refuse(flag, "given without --order_type",
                            "--order_type naming the type that takes it")  # fmt: skip
        return
    if standalone is not None:
        read.refuse("--order_type", f"given with --standalone_{standalone[2:]}",
                    "either --order_type or a standalone flag")  # fmt: skip
    triggered = kind in _TRIGGERED
    if triggered and "--trigger" not in values:
        read.refuse("--trigger", "missing", f"the trigger of the {kind} order")
    for flag in ("--trigger", "--trigger_type", "--trigger_ref"):
        if not triggered and flag in values:
            read.refuse(flag, f"given with --order_type {kind}", "a triggered --order_type")
    if kind in _LIMIT_NEEDED and "--limit" not in values:
        read.refuse("--limit", "missing", f"the limit price of the {kind} order")
    if kind not in _LIMIT_NEEDED + _LIMIT_OPTIONAL and "--limit" in values:
        read.refuse(
            "--limit", f"given with --order_type {kind}", "an order type that takes a limit"
        )
    if (kind == "iceberg") != ("--display_qty" in values):
        read.refuse("--display_qty", "missing" if kind == "iceberg" else f"given with {kind}",
                    "--display_qty with, and only with, an iceberg order")  # fmt: skip
    if "--limit_type" in values and kind != "trailing-stop-limit":
        read.refuse("--limit_type", f"given with {kind}", "--limit_type with trailing-stop-limit")


def _request(flags: _Flags) -> ProbeRequest:
    flag_of = dict(_FLAG_OF)
    common: _Common = {
        "symbol": flags.symbol,
        "side": flags.side,
        "qty": flags.qty,
        "time_in_force": flags.tif,
        "expire_time": flags.expire_time,
        "cl_ord_id": flags.cl_ord_id,
        "ref_price": flags.ref_price,
    }
    common |= {
        "effective_time": flags.effective_time,
        "fee_preference": flags.fee_pref,
        "order_userref": flags.userref,
    }
    order: OrderIntent
    take_profit: TakeProfitLeg | None = None
    if flags.order_type is not None:
        flag_of |= {"trigger.price": "--trigger", "trigger": "--trigger",
                    "trigger.price_type": "--trigger_type", "trigger.reference": "--trigger_ref",
                    "limit_price_type": "--limit_type", "display_qty": "--display_qty"}  # fmt: skip
        close, close_flags = _close_of(flags)
        flag_of |= close_flags
        order = _typed_order(flags, common, close)
    elif flags.standalone == "--tp" and flags.tp is not None:
        flag_of |= {"trigger.price": "--tp", "trigger": "--tp", "limit_price": "--tp_limit"}
        trigger = Trigger(price=flags.tp)
        order = (
            TakeProfitOrder(**common, trigger=trigger)
            if flags.tp_limit is None
            else TakeProfitLimitOrder(**common, trigger=trigger, limit_price=flags.tp_limit)
        )
    elif flags.standalone == "--sl" and flags.sl is not None:
        flag_of |= {"trigger.price": "--sl", "trigger": "--sl", "limit_price": "--sl_limit"}
        trigger = Trigger(price=flags.sl)
        order = (
            StopLossOrder(**common, trigger=trigger)
            if flags.sl_limit is None
            else StopLossLimitOrder(**common, trigger=trigger, limit_price=flags.sl_limit)
        )
    else:
        close, close_flags = _close_of(flags)
        flag_of |= close_flags
        order = (
            MarketOrder(**common, close=close, cash_qty=flags.cash_qty)
            if flags.limit is None
            else LimitOrder(
                **common, close=close, limit_price=flags.limit, post_only=flags.post_only
            )
        )
    if flags.bracket and flags.tp is not None:
        take_profit = (
            TakeProfitClose(trigger_price=flags.tp, trigger_price_type=flags.tp_type)
            if flags.tp_limit is None
            else TakeProfitLimitClose(
                trigger_price=flags.tp, limit_price=flags.tp_limit, trigger_price_type=flags.tp_type
            )
        )
        flag_of |= {"take_profit.trigger.price": "--tp", "take_profit.limit_price": "--tp_limit"}
    return ProbeRequest(
        order=order,
        take_profit=take_profit,
        rest=flags.rest,
        live=not flags.validate,
        req_id=flags.req_id,
        exposure=Exposure(open_positions=flags.open_positions),
        snap=flags.snap,
        flag_of=flag_of,
    )


def _close_of(flags: _Flags) -> tuple[Close | None, dict[str, str]]:
    """The OTO close from --sl/--sl_limit (or, without --bracket, --tp/--tp_limit)."""
    if flags.sl is not None:
        close: Close = (
            StopLossClose(trigger_price=flags.sl, trigger_price_type=flags.sl_type)
            if flags.sl_limit is None
            else StopLossLimitClose(
                trigger_price=flags.sl, limit_price=flags.sl_limit, trigger_price_type=flags.sl_type
            )
        )
        return close, {"close.trigger_price": "--sl", "close.limit_price": "--sl_limit",
                       "close.trigger_price_type": "--sl_type"}  # fmt: skip
    if flags.tp is not None:
        close = (
            TakeProfitClose(trigger_price=flags.tp, trigger_price_type=flags.tp_type)
            if flags.tp_limit is None
            else TakeProfitLimitClose(
                trigger_price=flags.tp, limit_price=flags.tp_limit, trigger_price_type=flags.tp_type
            )
        )
        return close, {"close.trigger_price": "--tp", "close.limit_price": "--tp_limit"}
    return None, {}


def _typed_order(flags: _Flags, common: _Common, close: Close | None) -> OrderIntent:
    trigger = Trigger(
        price=flags.trigger if flags.trigger is not None else Decimal(0),
        price_type=flags.trigger_type,
        reference=flags.trigger_ref,
    )
    limit = flags.limit
    match flags.order_type:
        case "limit" | None:
            return LimitOrder(**common, close=close, limit_price=limit or Decimal(0),
                              post_only=flags.post_only)  # fmt: skip
        case "market":
            return MarketOrder(**common, close=close, cash_qty=flags.cash_qty)
        case "iceberg":
            return IcebergOrder(**common, close=close, limit_price=limit or Decimal(0),
                                display_qty=flags.display_qty or Decimal(0))  # fmt: skip
        case "stop-loss":
            return StopLossOrder(**common, close=close, trigger=trigger)
        case "take-profit":
            return TakeProfitOrder(**common, close=close, trigger=trigger)
        case "stop-loss-limit":
            return StopLossLimitOrder(**common, close=close, trigger=trigger, limit_price=limit)
        case "take-profit-limit":
            return TakeProfitLimitOrder(**common, close=close, trigger=trigger, limit_price=limit)
        case "trailing-stop":
            return TrailingStopOrder(**common, close=close, trigger=trigger)
        case "trailing-stop-limit":
            return TrailingStopLimitOrder(**common, close=close, trigger=trigger,
                                          limit_price=limit or Decimal(0),
                                          limit_price_type=flags.limit_type)  # fmt: skip
        case "settle-position":
            return SettlePositionOrder(**common, close=close)
        case _:
            assert_never(flags.order_type)


_FLAG_OF: Final[Mapping[str, str]] = {
    "symbol": "--symbol",
    "side": "--side",
    "qty": "--qty",
    "ref_price": "--ref_price",
    "time_in_force": "--tif",
    "expire_time": "--expire_time",
    "post_only": "--post_only",
    "cl_ord_id": "--cl_ord_id",
    "req_id": "--req_id",
    "open_positions": "--open_positions",
    "limit_price": "--limit",
    "order_userref": "--userref",
    "effective_time": "--effective_time",
    "fee_preference": "--fee_pref",
    "cash_qty": "--cash_qty",
}


def probe_message(
    request: Result[ProbeRequest, tuple[InputInvalid, ...]],
    knobs: Result[Knobs, tuple[KnobInvalid, ...]],
    instruments: Result[InstrumentTable, tuple[InputInvalid, ...]],
    now: datetime,
) -> Result[ProbeOutput, tuple[Problem, ...]]:
    """The pure core of the probe: merge flag, knob and instrument problems, else (snap if asked,)
    check, build and encode.

    Problems about the intent's fields are renamed to the flags that set them.
    """
    match request, knobs, instruments:
        case Success(ProbeRequest() as ok_request), Success(Knobs() as ok_knobs), Success(table):
            return _build(ok_request, ok_knobs, table, now).alt(
                lambda problems: _to_flags(problems, ok_request.flag_of)
            )
        case _:
            merged: tuple[Problem, ...] = (
                *request.swap().value_or(()),
                *knobs.swap().value_or(()),
                *instruments.swap().value_or(()),
            )
            return Failure(merged)


def _build(
    request: ProbeRequest, knobs: Knobs, table: InstrumentTable, now: datetime
) -> Result[ProbeOutput, tuple[Problem, ...]]:
    order = request.order
    notes: tuple[str, ...] = ()
    pair = table.get(order.symbol)
    if request.snap and pair is not None and not isinstance(order, SettlePositionOrder):
        match snap_order(order, pair):
            case Success((order, changes)):
                notes = tuple(
                    f"{request.flag_of.get(change.field, change.field)}: {change.render_change()}"
                    " (--snap 1)"
                    for change in changes
                )
            case Failure(tuple() as problems):
                return Failure(problems)
    context = Context(
        knobs=knobs,
        now=now,
        exposure=request.exposure,
        live=request.live,
        req_id=request.req_id,
        instruments=table,
    )
    warnings = tuple(f"warning: {text}" for text in order_warnings(order))
    if request.take_profit is not None and not isinstance(order, SettlePositionOrder):
        stop = order.close
        if not isinstance(stop, StopLossClose | StopLossLimitClose):
            return Failure((InputInvalid(field="--sl", given="missing",
                                         accepted="--sl with --bracket 1"),))  # fmt: skip
        plan = bracket_plan(msgspec.structs.replace(order, close=None), stop,
                            request.take_profit, context)  # fmt: skip
        return plan.bind(_both).map(
            lambda data: ProbeOutput(message=data, notes=(*notes, *warnings))
        )
    if request.rest:
        return _rest(order, context, request.rest).map(
            lambda pair: ProbeOutput(message=pair[0], notes=(*notes, *warnings, *pair[1]))
        )
    built = build_add_order_json(order, context)
    return built.map(lambda message: ProbeOutput(message=message, notes=(*notes, *warnings)))


def _rest(
    order: OrderIntent, context: Context, form: Literal["json", "urlencoded"]
) -> Result[tuple[bytes, tuple[str, ...]], tuple[Problem, ...]]:
    """The REST form of the order, after checking it says what the WS v2 message says."""
    ws, rest = build_add_order(order, context), build_rest_add_order(order, context)
    match ws, rest:
        case Success(AddOrder() as message), Success(RestAddOrder() as fields):
            differences = parity(message, fields, pair_table(context) or {}).swap().value_or(())
            if differences:
                return Failure(tuple(
                    InputInvalid(field="--rest", given=f"REST and WS differ: {difference}",
                                 accepted="forms that agree (please report this)")
                    for difference in differences
                ))  # fmt: skip
            body = urlencoded(fields)
            if form == "urlencoded":
                return Success((body.encode(), ()))
            return Success((msgspec.json.encode(dict(fields.fields)), (body,)))
        case _:
            merged = (*ws.swap().value_or(()), *rest.swap().value_or(()))
            unique = tuple(dict.fromkeys(merged))
            return Failure(unique)


def _both(messages: tuple[AddOrder, AddOrder]) -> Result[bytes, tuple[Problem, ...]]:
    first, second = (encode(message) for message in messages)
    match first, second:
        case Success(bytes() as one), Success(bytes() as two):
            return Success(b"[" + one + b"," + two + b"]")
        case _:
            found = (first.swap().value_or(None), second.swap().value_or(None))
            return Failure(tuple(problem for problem in found if problem is not None))


def _to_flags(problems: tuple[Problem, ...], flag_of: Mapping[str, str]) -> tuple[Problem, ...]:
    return tuple(
        msgspec.structs.replace(problem, field=flag_of[problem.field])
        if isinstance(problem, InputInvalid) and problem.field in flag_of
        else problem
        for problem in problems
    )


def parse_argv(
    argv: Sequence[str], instruments: InstrumentTable | None = None
) -> Result[ProbeRequest, tuple[InputInvalid, ...]]:
    """`tokenize` then `parse_flags`, with the problems of both; a flag given without a value is
    reported once, not again as missing."""
    values, token_problems = tokenize(argv)
    request = parse_flags(values, instruments)
    if not token_problems:
        return request
    named = {problem.field for problem in token_problems}
    later = tuple(
        problem
        for problem in request.swap().value_or(())
        if not (problem.field in named and problem.given == "missing")
    )
    return Failure((*token_problems, *later))


def load_table(
    values: Mapping[str, str], knobs: Result[Knobs, tuple[KnobInvalid, ...]]
) -> Result[InstrumentTable, tuple[InputInvalid, ...]]:
    """The instrument table: `--instruments`, else the `INSTRUMENTS_FILE` knob, else the shipped one."""
    flag = values.get("--instruments")
    knob = knobs.map(lambda ok: ok.instruments_file).value_or(None)
    loaded: Result[InstrumentTable, tuple[InputInvalid, ...]]
    if flag is not None:
        loaded = load_instruments(Path(flag))
    elif knob is not None:
        loaded = load_instruments(Path(knob)).alt(
            lambda problems: tuple(
                msgspec.structs.replace(problem, field="INSTRUMENTS_FILE")
                if problem.field == "--instruments"
                else problem
                for problem in problems
            )
        )
    else:
        loaded = load_default_instruments()
    return loaded


def main(argv: Sequence[str] | None = None) -> int:
    """Read argv, the knobs and the clock; print the message or the problems; return the exit code."""
    args = sys.argv[1:] if argv is None else list(argv)
    if any(arg in ("-h", "--help") for arg in args):
        sys.stdout.write(USAGE)
        return 0
    values = tokenize(args)[0]
    env_file = values.get("--env-file")
    knobs = load_knobs(os.environ, None if env_file is None else Path(env_file))
    instruments = load_table(values, knobs)
    if "--check" in values:
        return _check(values["--check"], knobs, instruments)
    request = parse_argv(args, instruments.value_or(None))
    now = datetime.now(UTC)  # the only clock read
    result = probe_message(request, knobs, instruments, now)
    match result:
        case Success(ProbeOutput() as output):
            sys.stderr.write("".join(note + "\n" for note in output.notes))
            sys.stdout.write(output.message.decode() + "\n")
            return 0
        case Failure(tuple() as problems):
            sys.stderr.write("".join(render(problem) + "\n" for problem in problems))
            return exit_code(problems)
        case _:
            return 70


def check_text(
    data: bytes,
    knobs: Result[Knobs, tuple[KnobInvalid, ...]],
    instruments: Result[InstrumentTable, tuple[InputInvalid, ...]],
    now: datetime,
) -> tuple[Problem, ...]:
    """The pure core of `--check`: knob and instrument problems first, else the message's own."""
    match knobs, instruments:
        case Success(Knobs() as ok_knobs), Success(table):
            return check_message(data, Context(knobs=ok_knobs, now=now, instruments=table))
        case _:
            return (*knobs.swap().value_or(()), *instruments.swap().value_or(()))


def _check(
    source: str,
    knobs: Result[Knobs, tuple[KnobInvalid, ...]],
    instruments: Result[InstrumentTable, tuple[InputInvalid, ...]],
) -> int:
    try:
        if source == "-":
            data = sys.stdin.buffer.read(MAX_MESSAGE_BYTES + 1)
        else:
            with Path(source).open("rb") as handle:
                data = handle.read(MAX_MESSAGE_BYTES + 1)
    except (OSError, ValueError) as error:  # ValueError: a path with a NUL byte
        reason = getattr(error, "strerror", None) or "not a usable path"
        sys.stderr.write(f"--check: {show(source)} ({reason}); use a readable file or -\n")
        return 2
    if len(data) > MAX_MESSAGE_BYTES:
        sys.stderr.write("--check: a message over 1 MiB; use one request message\n")
        return 2
    problems = check_text(data, knobs, instruments, datetime.now(UTC))  # the only clock read
    sys.stderr.write("".join(render(problem) + "\n" for problem in problems))
    if not problems:
        sys.stderr.write("--check: no problem found\n")
    return exit_code(problems)


MAX_MESSAGE_BYTES: Final = 1024 * 1024


def run() -> None:
    """Console entry point (`momentum-probe`): no traceback ever reaches the user."""
    try:
        code = main()
        sys.stdout.flush()
    except KeyboardInterrupt:
        code = 130
    except BrokenPipeError:
        code = 0
    except Exception as error:
        sys.stderr.write(
            f"momentum-probe: internal error ({type(error).__name__}); please report it\n"
        )
        code = 70
    raise SystemExit(code)


if __name__ == "__main__":
    run()

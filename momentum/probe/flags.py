"""The probe's flags, declared once: each flag's name, help, how its text is read into a typed value,
the intent fields it sets (so a problem about a field is named after the flag that set it), and
whether it also means something beside `--check`. Tokenizing, the usage text, the typed reads and
the field-to-flag map all come from the one table, `FLAGS`.

>>> values, problems = read(tokenize(["--qty", "0.001", "--side=buy"])[0])
>>> values.get(QTY), values.get(SIDE), problems
(Decimal('0.001'), 'buy', ())
>>> tokenize(["--qty", "1", "--sid=buy"])[1][0].render()
"--sid: 'buy'; use a known flag (did you mean --side?)"
"""

from __future__ import annotations  # the table's 50 `Final[Flag[...]]` are not evaluated

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Final, Generic, Literal, TypeVar, cast, get_args

import msgspec
from returns.result import Failure, Success

from momentum.errors import InputInvalid, show
from momentum.models.intent import (
    FeePreference,
    PriceType,
    Reference,
    Side,
    TimeInForce,
    parse_amount,
    parse_moment,
)
from momentum.utils.checks import INT32, amount_problems
from momentum.utils.env import ASSET_CODE

__all__ = [
    "BRACKET_FLAGS",
    "BRACKET_FLAG_OF",
    "CHECK_FLAGS",
    "FLAGS",
    "FLAG_OF",
    "Flag",
    "OrderType",
    "Values",
    "read",
    "tokenize",
    "usage",
]

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)
L = TypeVar("L", bound=str)

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
RestForm = Literal["0", "1", "urlencoded"]


class Flag(msgspec.Struct, Generic[T_co], frozen=True):
    """One flag: its name, its help line, how its text becomes a `T` (or a problem naming it),
    the intent or context fields it sets, whether it also goes with `--check`, and whether every
    order needs it."""

    name: str
    help: str
    parse: Callable[[str, str], T_co | InputInvalid]
    fields: tuple[str, ...] = ()
    check: bool = False
    required: bool = False
    bare: str | None = None  # the value a flag given alone stands for (`--sim` is `--sim 1`)


# --- readers: text -> value, or a problem naming the flag ------------------------------------------


def _text(text: str, flag: str) -> str | InputInvalid:
    return text


def _decimal(text: str, flag: str) -> Decimal | InputInvalid:
    """A decimal of either sign (an offset, or a price whose sign the order type decides)."""
    match parse_amount(text, flag):
        case Success(Decimal() as value):
            return value
        case Failure((InputInvalid() as problem, *_)):
            return problem
        case _:  # unreachable: parse_amount answers one of the two
            return InputInvalid(field=flag, given=show(text), accepted="a decimal number")


def _amount(text: str, flag: str) -> Decimal | InputInvalid:
    """A positive, finite, bounded decimal: a quantity or a price."""
    value = _decimal(text, flag)
    if isinstance(value, InputInvalid):
        return value
    problems = amount_problems(value, flag)
    return problems[0] if problems else value


def _bit(text: str, flag: str) -> bool | InputInvalid:
    if text.strip() in ("0", "1"):
        return text.strip() == "1"
    return InputInvalid(field=flag, given=show(text), accepted="1 or 0")


def _choice(options: tuple[L, ...]) -> Callable[[str, str], L | InputInvalid]:
    def parse(text: str, flag: str) -> L | InputInvalid:
        found = next((option for option in options if option == text), None)
        if found is None:
            return InputInvalid(field=flag, given=show(text), accepted=" or ".join(options))
        return found

    return parse


def _integer(allowed: range, accepted: str) -> Callable[[str, str], int | InputInvalid]:
    def parse(text: str, flag: str) -> int | InputInvalid:
        stripped = text.strip()
        digits = stripped.removeprefix("-")
        if digits.isascii() and digits.isdigit() and len(digits) <= 12 and int(stripped) in allowed:
            return int(stripped)
        return InputInvalid(field=flag, given=show(text), accepted=accepted)

    return parse


def _moment(text: str, flag: str) -> datetime | InputInvalid:
    """RFC 3339 in UTC to the second (Kraken's precision for these times)."""
    moment = parse_moment(text) if text.endswith("Z") and len(text) == 20 else None
    if moment is None:
        accepted = "an RFC 3339 UTC time to the second, such as 2026-12-01T00:00:00Z"
        return InputInvalid(field=flag, given=show(text), accepted=accepted)
    return moment.astimezone(UTC)


def _rates(text: str, flag: str) -> dict[str, Decimal] | InputInvalid:
    """`BTC=90000,USDT=1`: what one unit of each quote currency is worth in NOTIONAL_CCY."""
    rates: dict[str, Decimal] = {}
    accepted = "CURRENCY=RATE pairs, comma-separated, such as BTC=90000,USDT=0.999"
    for part in text.split(","):
        currency, equals, rate = part.strip().partition("=")
        value = _amount(rate, flag) if equals else None
        if ASSET_CODE.fullmatch(currency) is None or not isinstance(value, Decimal):
            return InputInvalid(field=flag, given=show(text), accepted=accepted)
        if currency in rates:
            return InputInvalid(field=flag, given=f"{currency} given twice", accepted=accepted)
        rates[currency] = value
    return rates


_INT32_TEXT: Final = "a whole number from -2147483648 to 2147483647"
_OFFSET_TYPES: Final[tuple[PriceType, ...]] = ("quote", "pct")

# --- the table ---------------------------------------------------------------------------------------
# Flags are spelt as the Step 3 brief spells them (underscores), plus --env-file.

SYMBOL: Final[Flag[str]] = Flag("--symbol", "pair, WS v2 spelling, e.g. BTC/USD (required; with --check, "
                     "the pair of the amended order)", _text, ("symbol",), check=True,
                     required=True)  # fmt: skip
SIDE: Final[Flag[Side]] = Flag("--side", "buy or sell (required; with --check, the side of the amended order)",
                   _choice(get_args(Side)), ("side",), check=True, required=True)  # fmt: skip
QTY: Final[Flag[Decimal]] = Flag("--qty", "quantity in the base asset, e.g. 0.001 (required)", _amount, ("qty",),
                  required=True)  # fmt: skip
LIMIT: Final[Flag[Decimal]] = Flag("--limit", "limit price of the primary order; without it the primary is a "
                    "market order", _decimal, ("limit_price",))  # fmt: skip
SL: Final[Flag[Decimal]] = Flag("--sl", "stop-loss trigger price (the OTO close, or the standalone order's "
                 "trigger)", _decimal)  # fmt: skip
SL_LIMIT: Final[Flag[Decimal]] = Flag("--sl_limit", "limit price placed when the stop fires (makes it "
                       "stop-loss-limit)", _amount)  # fmt: skip
TP: Final[Flag[Decimal]] = Flag("--tp", "take-profit trigger price (the OTO close, or the standalone order's "
                 "trigger)", _decimal)  # fmt: skip
TP_LIMIT: Final[Flag[Decimal]] = Flag("--tp_limit", "limit price placed when the take-profit fires (makes it "
                       "take-profit-limit)", _amount)  # fmt: skip
TIF: Final[Flag[TimeInForce]] = Flag("--tif", "time in force: gtc, gtd, ioc or fok (default: DEFAULT_TIF)",
                  _choice(get_args(TimeInForce)), ("time_in_force",))  # fmt: skip
EXPIRE_TIME: Final[Flag[datetime]] = Flag("--expire_time", "expiry for --tif gtd, RFC3339 to the second, e.g. "
                          "2026-12-01T00:00:00Z", _moment, ("expire_time",))  # fmt: skip
POST_ONLY: Final[Flag[bool]] = Flag("--post_only", "1 to rest on the book only (limit orders), 0 otherwise "
                        "(default 0)", _bit, ("post_only",))  # fmt: skip
VALIDATE: Final[Flag[bool]] = Flag("--validate", "1 validate only (default); 0 asks for a live order, which "
                       "needs ALLOW_LIVE=1", _bit)  # fmt: skip
STANDALONE_TP: Final[Flag[bool]] = Flag("--standalone_tp", "1 to print a standalone take-profit(-limit) order "
                            "from --tp/--tp_limit", _bit)  # fmt: skip
STANDALONE_SL: Final[Flag[bool]] = Flag("--standalone_sl", "1 to print a standalone stop-loss(-limit) order "
                            "from --sl/--sl_limit", _bit)  # fmt: skip
REF_PRICE: Final[Flag[Decimal]] = Flag("--ref_price", "current market price: bounds a market entry's notional, "
                        "places relative triggers, checks a close's direction", _amount,
                        ("ref_price",), check=True)  # fmt: skip
OPEN_POSITIONS: Final[Flag[int]] = Flag("--open_positions", "open positions your tracker reports, for "
                             "ONE_POSITION_ONLY (default 0)",
                             _integer(range(10**6), "a whole number, 0 or more"),
                             ("open_positions",), check=True)  # fmt: skip
QUOTE_RATE: Final[Flag[Mapping[str, Decimal]]] = Flag("--quote_rate", "CUR=RATE[,...]: what one unit of a quote currency is "
                         "worth in NOTIONAL_CCY, for a pair quoted in another currency "
                         "(BTC=90000)", _rates, ("quote_rates",), check=True)  # fmt: skip
REQ_ID: Final[Flag[int]] = Flag("--req_id", "request id echoed by Kraken, a signed 32-bit integer",
                     _integer(INT32, _INT32_TEXT), ("req_id",))  # fmt: skip
CL_ORD_ID: Final[Flag[str]] = Flag("--cl_ord_id", "client order id: a UUID, 32 hex chars, or up to 18 of "
                        "A-Z a-z 0-9 _ -", _text, ("cl_ord_id",))  # fmt: skip
ORDER_TYPE: Final[Flag[OrderType]] = Flag("--order_type", "primary order type, Kraken's spelling (limit, market, "
                         "iceberg, stop-loss, stop-loss-limit, take-profit, take-profit-limit, "
                         "trailing-stop, trailing-stop-limit); default: limit with --limit, else "
                         "market", _choice(get_args(OrderType)), ("order_type",))  # fmt: skip
TRIGGER: Final[Flag[Decimal]] = Flag("--trigger", "trigger price (static) or offset (pct/quote) of a triggered "
                      "--order_type", _decimal, ("trigger.price", "trigger"))  # fmt: skip
TRIGGER_TYPE: Final[Flag[PriceType]] = Flag("--trigger_type", "static (default), pct or quote; trailing types take "
                           "pct or quote", _choice(get_args(PriceType)),
                           ("trigger.price_type",))  # fmt: skip
TRIGGER_REF: Final[Flag[Reference]] = Flag("--trigger_ref", "last (default) or index", _choice(get_args(Reference)),
                          ("trigger.reference",))  # fmt: skip
LIMIT_TYPE: Final[Flag[PriceType]] = Flag("--limit_type", "quote (default) or pct: how a trailing-stop-limit's "
                         "--limit offset is read", _choice(_OFFSET_TYPES),
                         ("limit_price_type",))  # fmt: skip
CASH_QTY: Final[Flag[Decimal]] = Flag("--cash_qty", "market buys: the volume in quote currency, sent as "
                       "cash_order_qty beside --qty (both are held to ENTRY_MAX_NOTIONAL)", _amount,
                       ("cash_qty",))  # fmt: skip
DISPLAY_QTY: Final[Flag[Decimal]] = Flag("--display_qty", "shown quantity of an iceberg order (at least 1/15 of "
                          "--qty)", _amount, ("display_qty",))  # fmt: skip
EFFECTIVE_TIME: Final[Flag[datetime]] = Flag("--effective_time", "scheduled start, RFC3339 UTC to the second",
                             _moment, ("effective_time",))  # fmt: skip
FEE_PREF: Final[Flag[FeePreference]] = Flag("--fee_pref", "base or quote: the currency fees are taken in",
                       _choice(get_args(FeePreference)), ("fee_preference",))  # fmt: skip
USERREF: Final[Flag[int]] = Flag("--userref", "order_userref, a signed 32-bit tag (never with --cl_ord_id)",
                      _integer(INT32, _INT32_TEXT), ("order_userref",))  # fmt: skip
SL_TYPE: Final[Flag[PriceType]] = Flag("--sl_type", "static (default), pct or quote: --sl as a price or as an "
                      "offset from the primary's price (a buy's stop offset is negative)",
                      _choice(get_args(PriceType)))  # fmt: skip
TP_TYPE: Final[Flag[PriceType]] = Flag("--tp_type", "static (default), pct or quote: --tp as a price or as an "
                      "offset from the primary's price (a buy's take-profit offset is positive)",
                      _choice(get_args(PriceType)))  # fmt: skip
BRACKET: Final[Flag[bool]] = Flag("--bracket", "1 with both --sl and --tp: print the entry with its stop, then "
                      "the take-profit leg to send after the fill, as one JSON array",
                      _bit)  # fmt: skip
REST: Final[Flag[RestForm]] = Flag("--rest", "1 prints the same order as REST AddOrder parameters (JSON; the "
                   "urlencoded body on stderr) after checking both forms agree; urlencoded prints "
                   "only the body", _choice(get_args(RestForm)))  # fmt: skip
CHECK: Final[Flag[str]] = Flag("--check", "FILE (or - for stdin): vet an add_order, batch_add, amend_order or "
                    "cancel_order message written elsewhere; prints its problems, exit 0 when "
                    "clean", _text, check=True)  # fmt: skip
INSTRUMENTS: Final[Flag[str]] = Flag("--instruments", "instrument file, WS v2 snapshot or REST AssetPairs "
                          "JSON (default: INSTRUMENTS_FILE, else the dated table shipped in the "
                          "package)", _text, check=True)  # fmt: skip
SNAP: Final[Flag[bool]] = Flag("--snap", "1 rounds off-grid prices and quantities in the safe direction and "
                   "says so on stderr; 0 refuses them (default)", _bit)  # fmt: skip
ENV_FILE: Final[Flag[str]] = Flag("--env-file", "knob file to read instead of ./.env_meanrev (never .env)",
                       _text, check=True)  # fmt: skip

# --- momentum-send's own flags (it also takes the context flags --check takes) ------------------


def _seconds(text: str, flag: str) -> Decimal | InputInvalid:
    value = _amount(text, flag)
    if isinstance(value, Decimal) and value > 3600:
        return InputInvalid(field=flag, given=show(text), accepted="at most 3600 seconds")
    return value


SIM: Final[Flag[bool]] = Flag("--sim", "1 (or given alone): send to a simulated exchange started "
                              "in-process (throwaway credentials, no keys, no money)", _bit,
                              bare="1")  # fmt: skip
TIMEOUT: Final[Flag[Decimal]] = Flag("--timeout", "seconds to wait for the outcome, reconciliation "
                                     "included (default 30)", _seconds)  # fmt: skip
ANSWER_TIMEOUT: Final[Flag[Decimal]] = Flag("--answer_timeout", "seconds without an answer before "
                                            "the outcome is unknown (default 5)", _seconds)  # fmt: skip

# --- momentum-bracket's own flags (it also takes --symbol, --qty, --limit, --sl, --sl_limit, --tp,
# --tp_limit, --validate and the context flags) ----------------------------------------------------

Mode = Literal["one-resting", "both-resting"]

MODE: Final[Flag[Mode]] = Flag("--mode", "one-resting (default): only the stop rests, the take-profit "
                               "is watched and sold with a limit IOC on touch; both-resting: both "
                               "exits rest", _choice(get_args(Mode)))  # fmt: skip
OFFSETS: Final[Flag[bool]] = Flag("--offsets", "1: --sl, --sl_limit, --tp, --tp_limit are offsets "
                                  "from the entry's average fill price (a stop's negative); 0 "
                                  "prices (default)", _bit)  # fmt: skip
SIM_PRICES: Final[Flag[str]] = Flag("--sim", "PRICES: run against a simulated exchange that "
                                    "replays a price path: a file, or `bracket` (alone, the "
                                    "default) / `stop` for the paths shipped with the package "
                                    "(no keys, no money)", _text, bare="bracket")  # fmt: skip
BRACKET_SL: Final[Flag[Decimal]] = Flag("--sl", "stop-loss trigger price (required)", _decimal,
                                        required=True)  # fmt: skip
BRACKET_TP: Final[Flag[Decimal]] = Flag("--tp", "take-profit price: the trigger with --tp_limit, "
                                        "else the limit of a plain limit sell (required)",
                                        _decimal, required=True)  # fmt: skip
BRACKET_LIMIT: Final[Flag[Decimal]] = Flag("--limit", "the entry's limit buy price (required)",
                                           _amount, required=True)  # fmt: skip

BRACKET_FLAGS: Final[tuple[Flag[object], ...]] = (
    SYMBOL, QTY, BRACKET_LIMIT, BRACKET_SL, SL_LIMIT, BRACKET_TP, TP_LIMIT, MODE, OFFSETS,
    VALIDATE, SIM_PRICES, QUOTE_RATE, INSTRUMENTS, ENV_FILE, ANSWER_TIMEOUT,
)  # fmt: skip
"""momentum-bracket's flags."""

# problems of the pre-flight, by the order and field they are about, named after the flag
BRACKET_FLAG_OF: Final[Mapping[str, str]] = {
    "symbol": "--symbol", "entry.symbol": "--symbol", "qty": "--qty", "entry.qty": "--qty",
    "limit_price": "--limit", "entry.limit_price": "--limit",
    "stop.qty": "--qty", "stop.trigger.price": "--sl", "stop.limit_price": "--sl_limit",
    "take.qty": "--qty", "take.trigger.price": "--tp", "take.limit_price": "--tp_limit",
    "sl": "--sl", "tp_limit": "--tp_limit", "live": "--validate", "validate": "--validate 1",
    "quote_rates": "--quote_rate",
}  # fmt: skip
"""momentum-bracket's problems by the order and field they are about, named after its flags."""

FLAGS: Final[tuple[Flag[object], ...]] = (
    SYMBOL, SIDE, QTY, LIMIT, SL, SL_LIMIT, TP, TP_LIMIT, TIF, EXPIRE_TIME, POST_ONLY, VALIDATE,
    STANDALONE_TP, STANDALONE_SL, REF_PRICE, OPEN_POSITIONS, QUOTE_RATE, REQ_ID, CL_ORD_ID,
    ORDER_TYPE, TRIGGER, TRIGGER_TYPE, TRIGGER_REF, LIMIT_TYPE, CASH_QTY, DISPLAY_QTY,
    EFFECTIVE_TIME, FEE_PREF, USERREF, SL_TYPE, TP_TYPE, BRACKET, REST, CHECK, INSTRUMENTS, SNAP,
    ENV_FILE,
)  # fmt: skip
"""Every flag of the probe, in the order the usage lists them."""

SEND_FLAGS: Final[tuple[Flag[object], ...]] = (
    REF_PRICE, OPEN_POSITIONS, QUOTE_RATE, SIDE, SYMBOL, INSTRUMENTS, ENV_FILE, SIM, TIMEOUT,
    ANSWER_TIMEOUT,
)  # fmt: skip
"""momentum-send's flags: the context --check takes, and how to send."""

_BY_NAME: Final[Mapping[str, Flag[object]]] = {flag.name: flag for flag in FLAGS}
CHECK_FLAGS: Final = tuple(flag.name for flag in FLAGS if flag.check)
"""The flags `--check` takes beside the message: the context it cannot carry."""

FLAG_OF: Final[Mapping[str, str]] = {
    **{field: flag.name for flag in FLAGS for field in flag.fields},
    "validate": "--validate 1",  # a remedy asking for validation only
    "live": "--validate",
}
"""Intent and context fields by the flag that sets them: problems are named after the flag."""


def usage() -> str:
    """The `--help` text: one line per flag, from the table."""
    lines = "".join(f"  {flag.name:<17} {flag.help}\n" for flag in FLAGS)
    return (
        "usage: python -m momentum.scripts.ws_payload_probe --symbol BTC/USD --side buy --qty "
        "0.001 [--limit P] [--sl P [--sl_limit P] | --tp P [--tp_limit P]] [flags]\n"
        "       python -m momentum.scripts.ws_payload_probe --check FILE|- [--ref_price P] "
        "[--open_positions N] [--quote_rate CUR=RATE] [--side S --symbol PAIR: for an amend]\n\n"
        "Prints the Kraken WS v2 add_order message as JSON on stdout; sends nothing.\n"
        "Exit 0: printed; 2: invalid flags or knobs; 3: a safety guard refused.\n\nflags:\n" + lines
    )


def tokenize(
    argv: Sequence[str], table: Sequence[Flag[object]] = FLAGS
) -> tuple[dict[str, str], tuple[InputInvalid, ...]]:
    """Split `--flag value` / `--flag=value` pairs of a tool's `table` (the probe's by default);
    unknown, repeated or valueless flags are problems."""
    known = _BY_NAME if table is FLAGS else {flag.name: flag for flag in table}
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
            alone = index >= len(argv) or (argv[index].startswith("--") and name in known)
            bare = known[name].bare if name in known else None
            if alone and bare is not None:
                value = bare
            elif alone:
                problems.append(InputInvalid(field=name, given="no value", accepted="--flag value"))
                continue
            else:
                value = argv[index]
                index += 1
        if name not in known:
            import difflib  # noqa: PLC0415 -- only for an unknown flag; keep the start-up light

            close = difflib.get_close_matches(
                name.replace("-", "_"), [f.replace("-", "_") for f in known], n=1
            )
            hint = f" (did you mean {_flag_named(close[0], known)}?)" if close else " (see --help)"
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


def _flag_named(underscored: str, known: Mapping[str, Flag[object]]) -> str:
    return next(flag for flag in known if flag.replace("-", "_") == underscored)


class Values:
    """The flags' typed values: `get(FLAG)` is the flag's value, or `None` where it was not
    given (or did not read); `given(FLAG)` says whether its text was there at all."""

    __slots__ = ("_text", "_values")

    def __init__(self, text: Mapping[str, str], values: Mapping[str, object]) -> None:
        self._text = text
        self._values = values

    def get(self, flag: Flag[T]) -> T | None:
        return cast(T | None, self._values.get(flag.name))

    def given(self, flag: Flag[object]) -> bool:
        return flag.name in self._text

    def text(self, flag: Flag[object]) -> str | None:
        return self._text.get(flag.name)

    def names(self) -> tuple[str, ...]:
        return tuple(self._text)


def read(
    text: Mapping[str, str], table: Sequence[Flag[object]] = FLAGS
) -> tuple[Values, tuple[InputInvalid, ...]]:
    """Each given flag's text read into its typed value; every problem at once."""
    known = _BY_NAME if table is FLAGS else {flag.name: flag for flag in table}
    values: dict[str, object] = {}
    problems: list[InputInvalid] = []
    for name, given in text.items():
        flag = known.get(name)
        if flag is None:
            continue
        value = flag.parse(given, name)
        if isinstance(value, InputInvalid):
            problems.append(value)
        else:
            values[name] = value
    return Values(text, values), tuple(problems)

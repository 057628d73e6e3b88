"""Decoders of Kraken's instrument data into the pair rules the checks read (`Instrument`).

Sources: docs.kraken.com/api/docs/websocket-v2/instrument (the `pairs` of a snapshot) and
docs.kraken.com/api/docs/rest-api/get-tradable-asset-pairs (REST `AssetPairs`).

Both decoders are pure and return every bad pair at once, naming the pair and the field. Numbers
are parsed straight into `Decimal` from the JSON text (the channel sends `1e-08`; no float is
involved). Unknown extra fields are tolerated; missing or malformed required ones are not.

REST names are mapped to WS v2 names (`XBT/USD` -> `BTC/USD`, `XDG` -> `DOGE`), and the REST pair
name is kept (`rest_pair`) so a REST request can be built from the same table.

`has_index` and `marginable` are `None` where the source does not say (REST `AssetPairs` has no
`has_index`): a `None` `has_index` refuses `reference: index` triggers, as `false` would.

A REST pair with no `wsname` (its WS v2 symbol cannot be derived) is skipped and named in the
table's `skipped`, rather than costing the whole table.

>>> table = decode_instruments(EXAMPLE_SNAPSHOT).unwrap()
>>> table["BTC/USD"].qty_increment, table["BTC/USD"].price_increment
(Decimal('1E-8'), Decimal('0.1'))
"""

import re
from decimal import Decimal
from pathlib import Path
from typing import Final, Literal, TypeVar

import msgspec
from returns.result import Failure, Result, Success

from momentum.errors import InputInvalid, show
from momentum.models.context import Knobs
from momentum.models.instrument import Instrument, PairStatus, PairTable, shipped_table

__all__ = [
    "EXAMPLE_SNAPSHOT",
    "decode_instruments",
    "decode_rest_asset_pairs",
    "decode_ws_snapshot",
    "load_default_instruments",
    "load_instrument_table",
    "load_instruments",
    "ws_symbol",
]

EXAMPLE_SNAPSHOT: Final = (
    b'{"channel":"instrument","type":"snapshot","data":{"assets":[],"pairs":[{"symbol":"BTC/USD",'
    b'"base":"BTC","quote":"USD","status":"online","qty_precision":8,"qty_increment":1e-08,'
    b'"price_precision":1,"cost_precision":5,"marginable":true,"has_index":true,"cost_min":0.5,'
    b'"tick_size":0.1,"price_increment":0.1,"qty_min":0.0001}]}}'
)

# --- WS v2 instrument snapshot ----------------------------------------------------------------------


class _WsPair(msgspec.Struct, frozen=True, kw_only=True):
    symbol: str
    base: str
    quote: str
    status: PairStatus
    price_increment: Decimal
    price_precision: int
    qty_increment: Decimal
    qty_precision: int
    qty_min: Decimal
    cost_min: Decimal  # a string in the doc's type table, a number in its example: both decode
    cost_precision: int
    marginable: bool | None = None
    has_index: bool | None = None
    rest_pair: str | None = None  # momentum's own embedded table adds these three
    as_of: str | None = None
    source: str | None = None


class _WsData(msgspec.Struct, frozen=True):
    pairs: list[msgspec.Raw]


class _WsMessage(msgspec.Struct, frozen=True):
    channel: Literal["instrument"]
    type: Literal["snapshot", "update"]
    data: _WsData


class _Named(msgspec.Struct, frozen=True):
    symbol: object = None
    wsname: object = None
    altname: object = None


_MISSING: Final = re.compile(r"missing required field `(\w+)`")


def _pair_problem(name: str, error: msgspec.ValidationError) -> InputInvalid:
    # msgspec says "Expected `int`, got `str` - at `$.price_precision`": keep the field, name the pair
    detail, _, path = str(error).partition(" - at `$")
    missing = _MISSING.search(detail)
    if missing is not None:
        field, detail = missing.group(1), "missing"
    else:
        field = path.strip(".`") or "record"
    return InputInvalid(
        field=f"instruments[{name}].{field}",
        given=detail,
        accepted="the field as Kraken documents it",
    )


def _name_of(raw: msgspec.Raw, index: int) -> str:
    try:
        named = msgspec.json.decode(raw, type=_Named)
    except msgspec.MsgspecError:
        return f"#{index}"
    for value in (named.symbol, named.wsname, named.altname):
        if isinstance(value, str):
            return value
    return f"#{index}"


_Record = TypeVar("_Record", bound=msgspec.Struct)


def _decode_pairs(
    raws: list[msgspec.Raw], kind: type[_Record]
) -> tuple[list[tuple[int, _Record]], list[InputInvalid]]:
    """Each record decoded on its own, with its index; a bad one is a problem naming it. (A
    record is a slice of a document msgspec has already parsed, so only its fields can be wrong.)"""
    records: list[tuple[int, _Record]] = []
    problems: list[InputInvalid] = []
    for index, raw in enumerate(raws):
        try:
            records.append((index, msgspec.json.decode(raw, type=kind, strict=False)))
        except msgspec.ValidationError as error:
            problems.append(_pair_problem(_name_of(raw, index), error))
    return records, problems


def _whole(
    data: bytes, kind: type[_Record], accepted: str
) -> Result[_Record, tuple[InputInvalid, ...]]:
    """The document's outer shape (no field there is a number, so lax decoding is not needed)."""
    try:
        return Success(msgspec.json.decode(data, type=kind))
    except msgspec.MsgspecError as error:
        return Failure((InputInvalid(field="instruments", given=str(error), accepted=accepted),))


def decode_ws_snapshot(data: bytes) -> Result[PairTable, tuple[InputInvalid, ...]]:
    """Decode a WS v2 `instrument` snapshot (or update) message into a table by symbol."""
    accepted = '{"channel":"instrument","type":"snapshot","data":{"pairs":[...]}}'
    return _whole(data, _WsMessage, accepted).bind(_ws_table)


def _ws_table(message: _WsMessage) -> Result[PairTable, tuple[InputInvalid, ...]]:
    records, problems = _decode_pairs(message.data.pairs, _WsPair)
    table = {record.symbol: Instrument(**msgspec.structs.asdict(record)) for _, record in records}
    return _table(table, problems)


# --- REST AssetPairs -----------------------------------------------------------------------------------

# REST (and WS v1) asset names that WS v2 spells differently -- docs.kraken.com/api/docs/guides/spot-ws-intro
_V2_ASSET: Final = {"XBT": "BTC", "XDG": "DOGE"}
_REST_STATUS: Final = ("online", "cancel_only", "post_only", "limit_only", "reduce_only")


class _RestPair(msgspec.Struct, frozen=True, kw_only=True):
    altname: str
    wsname: str | None = None  # absent: no WS v2 symbol can be derived, the pair is skipped
    pair_decimals: int
    lot_decimals: int
    cost_decimals: int
    tick_size: Decimal
    ordermin: Decimal
    costmin: Decimal
    status: PairStatus
    leverage_buy: list[int] | None = None


class _RestResponse(msgspec.Struct, frozen=True):
    result: dict[str, msgspec.Raw]
    error: list[str] = []


def ws_symbol(wsname: str) -> str:
    """The WS v2 symbol for a REST `wsname` (WS v1 spelling).

    >>> ws_symbol("XBT/USD"), ws_symbol("XDG/USDT"), ws_symbol("ETH/XBT")
    ('BTC/USD', 'DOGE/USDT', 'ETH/BTC')
    """
    base, _, quote = wsname.partition("/")
    return f"{_V2_ASSET.get(base, base)}/{_V2_ASSET.get(quote, quote)}"


def decode_rest_asset_pairs(
    data: bytes, *, as_of: str | None = None
) -> Result[PairTable, tuple[InputInvalid, ...]]:
    """Decode a REST `AssetPairs` response into the same table, keyed by WS v2 symbol.

    REST gives no `qty_increment` (taken as 10^-lot_decimals, the lot's smallest step) and no
    `has_index` (left unknown).
    """
    accepted = '{"error":[],"result":{"XXBTZUSD":{...}}}'
    return _whole(data, _RestResponse, accepted).bind(
        lambda response: _rest_table(response, as_of, accepted)
    )


def _rest_table(
    response: _RestResponse, as_of: str | None, accepted: str
) -> Result[PairTable, tuple[InputInvalid, ...]]:
    if response.error:
        given = show("; ".join(response.error))
        return Failure((InputInvalid(field="instruments", given=given, accepted=accepted),))
    names = list(response.result)
    records, problems = _decode_pairs(list(response.result.values()), _RestPair)
    table: dict[str, Instrument] = {}
    skipped: list[str] = []
    for index, record in records:
        if record.wsname is None:
            skipped.append(f"instruments[{names[index]}]: no wsname, so no WS v2 symbol; skipped")
            continue
        symbol = ws_symbol(record.wsname)
        base, _, quote = symbol.partition("/")
        table[symbol] = Instrument(
            symbol=symbol,
            base=base,
            quote=quote,
            status=record.status,
            price_increment=record.tick_size,
            price_precision=record.pair_decimals,
            qty_increment=Decimal(1).scaleb(-record.lot_decimals),
            qty_precision=record.lot_decimals,
            qty_min=record.ordermin,
            cost_min=record.costmin,
            cost_precision=record.cost_decimals,
            marginable=None if record.leverage_buy is None else bool(record.leverage_buy),
            has_index=None,
            rest_pair=record.altname,
            as_of=as_of,
            source="REST AssetPairs",
        )
    return _table(table, problems, tuple(skipped))


def _table(
    table: dict[str, Instrument], problems: list[InputInvalid], skipped: tuple[str, ...] = ()
) -> Result[PairTable, tuple[InputInvalid, ...]]:
    for instrument in table.values():
        problems.extend(_sane(instrument))
    return Failure(tuple(problems)) if problems else Success(PairTable(table, skipped))


def _sane(instrument: Instrument) -> list[InputInvalid]:
    """Rules that make the checks meaningful: positive finite steps, precisions 0..18."""
    found = []
    for name in ("price_increment", "qty_increment"):
        value: Decimal = getattr(instrument, name)
        if not value.is_finite() or not value > 0:
            found.append(
                InputInvalid(
                    field=f"instruments[{instrument.symbol}].{name}",
                    given=show(value),
                    accepted="a positive number",
                )
            )
    for name in ("qty_min", "cost_min"):
        value = getattr(instrument, name)
        if not value.is_finite() or value < 0:
            found.append(
                InputInvalid(
                    field=f"instruments[{instrument.symbol}].{name}",
                    given=show(value),
                    accepted="zero or a positive number",
                )
            )
    for name in ("price_precision", "qty_precision", "cost_precision"):
        precision: int = getattr(instrument, name)
        if not 0 <= precision <= 18:
            found.append(
                InputInvalid(
                    field=f"instruments[{instrument.symbol}].{name}",
                    given=show(precision),
                    accepted="0 to 18 decimals",
                )
            )
    return found


def decode_instruments(data: bytes) -> Result[PairTable, tuple[InputInvalid, ...]]:
    """Either format, told apart by its top-level keys: WS v2 has `channel`, REST has `result`."""
    accepted = "a WS v2 instrument snapshot or a REST AssetPairs response"
    try:
        keys = msgspec.json.decode(data, type=dict[str, msgspec.Raw])
    except msgspec.MsgspecError as error:
        return Failure((InputInvalid(field="instruments", given=str(error), accepted=accepted),))
    if "channel" in keys:
        return decode_ws_snapshot(data)
    if "result" in keys:
        return decode_rest_asset_pairs(data)
    given = f"a JSON object with keys {show(', '.join(sorted(keys)))}"
    return Failure((InputInvalid(field="instruments", given=given, accepted=accepted),))


# --- files (the shell's side: the core never reads them) ---------------------------------------------

MAX_INSTRUMENT_FILE_BYTES: Final = 32 * 1024 * 1024


def load_instruments(path: Path) -> Result[PairTable, tuple[InputInvalid, ...]]:
    """Read and decode an instrument file in either format."""
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_INSTRUMENT_FILE_BYTES + 1)
    except (OSError, ValueError) as error:  # ValueError: a path with a NUL byte
        reason = getattr(error, "strerror", None) or "not a usable path"
        return Failure(
            (
                InputInvalid(
                    field="--instruments",
                    given=f"{show(str(path))} ({reason})",
                    accepted="a readable instrument file (WS v2 snapshot or REST AssetPairs JSON)",
                ),
            )
        )
    if len(data) > MAX_INSTRUMENT_FILE_BYTES:
        return Failure(
            (
                InputInvalid(
                    field="--instruments",
                    given=f"{show(str(path))} (over 32 MiB)",
                    accepted="an instrument file of at most 32 MiB",
                ),
            )
        )
    return decode_instruments(data)


def load_default_instruments() -> Result[PairTable, tuple[InputInvalid, ...]]:
    """The table shipped in the package (dated; see its records' `as_of` and `source`)."""
    return Success(shipped_table())


def load_instrument_table(
    knobs: Knobs, path: Path | None = None
) -> Result[PairTable, tuple[InputInvalid, ...]]:
    """The table a caller's checks should use: the file `path` names, else the one the
    `INSTRUMENTS_FILE` knob names (problems then named after the knob), else the shipped table.
    Read it once at start-up and pass it as `Context(instruments=...)`."""
    if path is not None:
        return load_instruments(path)
    if knobs.instruments_file is None:
        return load_default_instruments()
    return load_instruments(Path(knobs.instruments_file)).alt(
        lambda problems: tuple(
            msgspec.structs.replace(problem, field="INSTRUMENTS_FILE")
            if problem.field == "--instruments"
            else problem
            for problem in problems
        )
    )

"""Tunables ("knobs") from the process environment and `.env_meanrev`, never from `.env`.

Sources, strongest first: the process environment, then the knob file (`.env_meanrev` in the
current directory, or the file given with `--env-file`), then the documented defaults.

`parse_knobs` is pure: it takes the raw text of each source and returns every bad knob at once.
`load_knobs` is the only function here that touches the world (it reads the one knob file).

The file is read with python-dotenv, the parser environs itself uses, with two differences from
`environs.Env.read_env`: interpolation is off (environs would expand `${KRAKEN_API_SECRET}` from
the process environment into a knob, and from there into an error message), and there is no
upward search (environs' `recurse=True` default walks parent folders, where a `.env` of secrets
may sit). Only the exact path given is opened.

>>> parse_knobs({"DEADLINE_MS": "250"}, {}, file_label=".env_meanrev").failure()[0].render()
"DEADLINE_MS (from environment): '250'; use a whole number of milliseconds from 500 to 60000 (the WS v2 deadline window)"
"""

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Final, Literal, get_args

from returns.result import Failure, Result, Success

from momentum.errors import KnobInvalid, show
from momentum.models.context import Knobs
from momentum.models.intent import StpType, TimeInForce, parse_amount

__all__ = [
    "ASSET_CODE",
    "DEFAULT_KNOB_FILE",
    "KNOB_DEFAULTS",
    "KNOB_NAMES",
    "MAX_KNOB_FILE_BYTES",
    "Knobs",
    "load_knobs",
    "parse_knobs",
    "read_knob_file",
]

DEFAULT_KNOB_FILE: Final = ".env_meanrev"
# An asset code as the WS v2 symbols spell it: the quote of BTC/USD is USD, of ETH/BTC is BTC.
ASSET_CODE: Final = re.compile(r"[A-Z0-9]{1,12}")
MAX_KNOB_FILE_BYTES: Final = 64 * 1024  # a knob file is a handful of lines

KnobName = Literal[
    "ENTRY_MAX_NOTIONAL",
    "NOTIONAL_CCY",
    "ONE_POSITION_ONLY",
    "ABS_LIMIT_REQUIRED",
    "ALLOW_LIVE",
    "DEFAULT_TIF",
    "DEFAULT_STP",
    "DEADLINE_MS",
    "INSTRUMENTS_FILE",
]
KNOB_NAMES: Final[tuple[KnobName, ...]] = get_args(KnobName)

# The documented values of the Step 3 brief: 10, 1, 1, 0, gtc, cancel_newest, 5000; the cap in
# USD; and no instrument file (the table shipped in the package).
KNOB_DEFAULTS: Final[Mapping[KnobName, str]] = {
    "ENTRY_MAX_NOTIONAL": "10",
    "NOTIONAL_CCY": "USD",
    "ONE_POSITION_ONLY": "1",
    "ABS_LIMIT_REQUIRED": "1",
    "ALLOW_LIVE": "0",
    "DEFAULT_TIF": "gtc",
    "DEFAULT_STP": "cancel_newest",
    "DEADLINE_MS": "5000",
    "INSTRUMENTS_FILE": "",
}

# deadline: valid offset is 500 ms to 60 s -- docs.kraken.com/api/docs/websocket-v2/add_order
DEADLINE_MS_MIN: Final = 500
DEADLINE_MS_MAX: Final = 60_000


_BOOL_ACCEPTED: Final = "1 or 0"
_TIFS: Final[tuple[TimeInForce, ...]] = get_args(TimeInForce)
_STPS: Final[tuple[StpType, ...]] = get_args(StpType)


def _bool(text: str) -> bool | None:
    return {"1": True, "0": False}.get(text)


def parse_knobs(
    environ: Mapping[str, str],
    file_values: Mapping[str, str],
    *,
    file_label: str,
) -> Result[Knobs, tuple[KnobInvalid, ...]]:
    """Merge the sources (environment over file over defaults) and parse every knob.

    Pure: the caller passes the environment and the file's raw values. Unrelated names in either
    mapping are ignored and never echoed.

    >>> parse_knobs({}, {"ENTRY_MAX_NOTIONAL": "50"}, file_label=".env_meanrev").unwrap().entry_max_notional
    Decimal('50')
    """
    problems: list[KnobInvalid] = []
    raw: dict[KnobName, tuple[str, str]] = {}
    for name in KNOB_NAMES:
        if name in environ:
            raw[name] = (environ[name].strip(), "environment")
        elif name in file_values:
            raw[name] = (file_values[name].strip(), file_label)
        else:
            raw[name] = (KNOB_DEFAULTS[name], "defaults")

    def bad(name: KnobName, accepted: str) -> None:
        text, source = raw[name]
        given = show(text) if text else "an empty value"
        problems.append(KnobInvalid(knob=name, source=source, given=given, accepted=accepted))

    cap_text = raw["ENTRY_MAX_NOTIONAL"][0]
    cap = parse_amount(cap_text, "ENTRY_MAX_NOTIONAL").value_or(None)
    if cap is None or not cap > 0 or cap.adjusted() > 15:
        bad("ENTRY_MAX_NOTIONAL", "a positive decimal amount in NOTIONAL_CCY, such as 10")

    currency = raw["NOTIONAL_CCY"][0]
    if ASSET_CODE.fullmatch(currency) is None:
        bad(
            "NOTIONAL_CCY",
            "an asset code in capitals as Kraken's pairs spell it, such as USD or EUR",
        )

    flags: dict[KnobName, bool] = {}
    for name in ("ONE_POSITION_ONLY", "ABS_LIMIT_REQUIRED", "ALLOW_LIVE"):
        value = _bool(raw[name][0])
        if value is None:
            bad(name, _BOOL_ACCEPTED)
        else:
            flags[name] = value

    tif = next((t for t in _TIFS if t == raw["DEFAULT_TIF"][0]), None)
    if tif is None:
        bad("DEFAULT_TIF", " or ".join(_TIFS))
    stp = next((s for s in _STPS if s == raw["DEFAULT_STP"][0]), None)
    if stp is None:
        bad("DEFAULT_STP", " or ".join(_STPS))

    deadline_text = raw["DEADLINE_MS"][0]
    deadline_ms = int(deadline_text) if deadline_text.isascii() and deadline_text.isdigit() else -1
    if not DEADLINE_MS_MIN <= deadline_ms <= DEADLINE_MS_MAX:
        bad(
            "DEADLINE_MS",
            f"a whole number of milliseconds from {DEADLINE_MS_MIN} to {DEADLINE_MS_MAX}"
            " (the WS v2 deadline window)",
        )

    instruments_file = raw["INSTRUMENTS_FILE"][0] or None
    if instruments_file is not None and Path(instruments_file).name == ".env":
        bad("INSTRUMENTS_FILE", "an instrument file; .env holds secrets and is never read")

    if problems or cap is None or tif is None or stp is None:
        return Failure(tuple(problems))
    return Success(
        Knobs(
            entry_max_notional=cap,
            notional_ccy=currency,
            one_position_only=flags["ONE_POSITION_ONLY"],
            abs_limit_required=flags["ABS_LIMIT_REQUIRED"],
            allow_live=flags["ALLOW_LIVE"],
            default_tif=tif,
            default_stp=stp,
            deadline_ms=deadline_ms,
            instruments_file=instruments_file,
        )
    )


def read_knob_file(path: Path, *, required: bool) -> Result[dict[str, str], KnobInvalid]:
    """Read one knob file's `NAME=value` lines, without interpolation and without searching.

    A missing file is fine when it is the default `.env_meanrev` (`required=False`); a file named
    with `--env-file` must exist. A file called `.env` is refused: it holds secrets.
    """
    if path.name == ".env":
        return Failure(
            KnobInvalid(
                knob="--env-file",
                source="command line",
                given=show(str(path)),
                accepted="a knob file such as .env_meanrev; .env holds secrets and is never read",
            )
        )
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_KNOB_FILE_BYTES + 1)
    except FileNotFoundError:
        if required:
            return Failure(_file_problem(path, "a missing file", "the path of an existing file"))
        return Success({})
    except (OSError, ValueError) as error:  # ValueError: a path with a NUL byte
        reason = getattr(error, "strerror", None) or "not a usable path"
        return Failure(_file_problem(path, f"an unreadable file ({reason})", "a readable file"))
    if len(data) > MAX_KNOB_FILE_BYTES:
        return Failure(
            _file_problem(path, "a file over 64 KiB", "a short file of NAME=value lines")
        )
    if b"\x00" in data:
        return Failure(_file_problem(path, "a binary file", "a text file of NAME=value lines"))
    try:
        text = data.decode()  # UTF-8, the default
    except UnicodeDecodeError:
        return Failure(_file_problem(path, "a file that is not UTF-8", "a UTF-8 text file"))
    return _checked_lines(path, text).map(_parse_dotenv)


_LINE: Final = re.compile(r"\s*(?:#.*)?|\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=.*")


def _checked_lines(path: Path, text: str) -> Result[str, KnobInvalid]:
    """Every line is blank, a comment or NAME=value; a name one typo away from a knob is refused
    (a misspelt ALLOW_LIVE must not fall back to its default unseen). Lines are named by number
    only: a knob file's content is never echoed."""
    names: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        match = _LINE.fullmatch(line)
        if match is None:
            return Failure(_file_problem(path, f"line {number}, which is not NAME=value",
                                         "lines of NAME=value, blank lines and # comments"))  # fmt: skip
        if match.group(1):
            names.append(match.group(1))
    if not names:
        return Failure(_file_problem(path, "a file with no NAME=value line",
                                     "at least one knob, or no file at all (the defaults)"))  # fmt: skip
    import difflib  # noqa: PLC0415 -- only when a knob file is read; keep the core import light

    for name in names:
        near = difflib.get_close_matches(name.upper(), KNOB_NAMES, cutoff=0.8)  # best first
        if near and name != near[0]:
            return Failure(_file_problem(path, f"a line setting {show(name)}",
                                         f"the knob's exact name ({near[0]}?)"))  # fmt: skip
    return Success(text)


def _parse_dotenv(text: str) -> dict[str, str]:
    from io import StringIO  # noqa: PLC0415 -- only the shell reads files; keep the core import light

    from dotenv import dotenv_values  # noqa: PLC0415 -- as above: only when a knob file exists

    values = dotenv_values(stream=StringIO(text), interpolate=False)
    return {name: value for name, value in values.items() if value is not None}


def _file_problem(path: Path, given: str, accepted: str) -> KnobInvalid:
    return KnobInvalid(knob="--env-file", source=str(path), given=given, accepted=accepted)


def load_knobs(
    environ: Mapping[str, str], path: Path | None
) -> Result[Knobs, tuple[KnobInvalid, ...]]:
    """Read the knob file (`path`, or `.env_meanrev` in the current directory) and parse the knobs.

    The caller passes the environment, so this reads nothing but the one file.
    """
    file_path = path if path is not None else Path(DEFAULT_KNOB_FILE)
    read: Result[dict[str, str], tuple[KnobInvalid, ...]] = read_knob_file(
        file_path, required=path is not None
    ).alt(lambda problem: (problem,))
    return read.bind(lambda values: parse_knobs(environ, values, file_label=str(file_path)))

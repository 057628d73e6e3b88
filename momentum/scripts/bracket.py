"""`momentum-bracket`: buy, then protect what filled with a stop and a take-profit until the
position is flat, printing each event as one JSON line on stdout.

    momentum-bracket --symbol BTC/USD --qty 0.001 --limit 28440 --sl 28410 --sl_limit 28400 \\
        --tp 28600 --tp_limit 28590 [--mode one-resting|both-resting]

The rules are the pure machine's (`momentum.bracket.machine`); this shell owns the sockets, the
clock and the keyboard. It validates by default: the entry goes with `validate: true`, its answer
is printed, and it stops. `--validate 0` with `ALLOW_LIVE=1` runs the bracket live. `--sim PRICES`
runs it against the simulator replaying a price path (no keys, no money; the simulator is not
live, so it places orders there without `ALLOW_LIVE`).

Same secrets (`KRAKEN_API_KEY`, `KRAKEN_API_SECRET`: environment, else `.env`), endpoints
(`KRAKEN_REST_URL`, `KRAKEN_WS_URL`) and knobs as `momentum-send`; the take-profit is watched on
the public ticker at `KRAKEN_PUBLIC_WS_URL` (default wss://ws.kraken.com/v2,
docs.kraken.com/api/docs/websocket-v2/ticker). `ONE_POSITION_ONLY` counts the positions the
`executions` snapshot shows open (`momentum.bracket.wire.open_positions`).

Exit 0 flat with nothing open, or the entry ended with no fill (a validation: accepted); 2 bad
flags, knobs or credentials; 3 a guard refused the entry; 4 the exchange rejected the entry; 5 an
alert needs a person (stderr says what is open and what to do); 6 no usable connection; 130
interrupted (Ctrl-C, or the simulator's price path ran out): the exits stay as they are, the
entry's unfilled rest is cancelled, and stderr lists what is open.
"""

import os
import random
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Final, TextIO

import msgspec
from returns.result import Failure, Result, Success

from momentum.bracket.machine import BracketSpec
from momentum.bracket.spec import Prices, bracket_spec, preflight
from momentum.errors import InputInvalid, Problem, exit_code, gather, render_all
from momentum.exchange.kraken.instruments import load_instrument_table
from momentum.models.context import Context, Knobs
from momentum.models.secret import Secret
from momentum.probe.core import to_flags
from momentum.probe.flags import (
    ANSWER_TIMEOUT,
    BRACKET_FLAG_OF,
    BRACKET_FLAGS,
    BRACKET_LIMIT,
    BRACKET_SL,
    BRACKET_TP,
    ENV_FILE,
    INSTRUMENTS,
    MODE,
    OFFSETS,
    QTY,
    QUOTE_RATE,
    SIM_PRICES,
    SL_LIMIT,
    SYMBOL,
    TP_LIMIT,
    VALIDATE,
    read,
    tokenize,
)
from momentum.scripts.account import (
    DEFAULT_PUBLIC_WS_URL,
    DEFAULT_REST_URL,
    DEFAULT_WS_URL,
    Credentials,
    read_credentials,
)
from momentum.utils.env import load_knobs

if TYPE_CHECKING:
    from momentum.sim import Tick

__all__ = ["main", "run"]

USAGE: Final = (
    "usage: momentum-bracket --symbol BTC/USD --qty 0.001 --limit 28440 --sl 28410 "
    "[--sl_limit 28400] --tp 28600 [--tp_limit 28590] [--mode one-resting|both-resting] "
    "[--validate 0] [--sim PRICES]\n\n"
    "Buys with a limit order, then protects what filled with a stop and a take-profit until the\n"
    "position is flat; one JSON line per event on stdout. Validates only unless --validate 0\n"
    "and ALLOW_LIVE=1.\n"
    "Exit 0 flat (or validated); 2 bad input; 3 a guard refused the entry; 4 the exchange\n"
    "rejected it; 5 an alert needs a person; 6 no usable connection; 130 interrupted.\n\nflags:\n"
    + "".join(f"  {flag.name:<17} {flag.help}\n" for flag in BRACKET_FLAGS)
)


def main(argv: Sequence[str] | None = None) -> int:
    """Read argv, the knobs, the instruments, the credentials; run the bracket; exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    if any(arg in ("-h", "--help") for arg in args):
        sys.stdout.write(USAGE)
        return 0
    text, token_problems = tokenize(args, BRACKET_FLAGS)
    values, flag_problems = read(text, BRACKET_FLAGS)
    missing = tuple(
        InputInvalid(field=flag.name, given="missing", accepted=flag.help)
        for flag in BRACKET_FLAGS
        if flag.required and not values.given(flag)
    )
    env_file = values.get(ENV_FILE)
    knobs = load_knobs(os.environ, None if env_file is None else Path(env_file))
    flag = values.get(INSTRUMENTS)
    table = load_instrument_table(knobs.value_or(Knobs()), None if flag is None else Path(flag))
    prices_path = values.get(SIM_PRICES)
    ticks = _ticks(prices_path)
    credentials = (
        Success(Credentials(key=Secret("sim"), secret=Secret("sim")))
        if prices_path is not None
        else read_credentials(os.environ)
    )
    problems: tuple[Problem, ...] = (*token_problems, *flag_problems, *missing,
                                     *gather(knobs, table, ticks, credentials))  # fmt: skip
    if problems:
        return _refused(problems)
    sim = prices_path is not None
    validate = values.get(VALIDATE)
    validate = (not sim) if validate is None else validate
    given = knobs.unwrap()
    context = Context(
        # the simulator is not live: it needs no ALLOW_LIVE to place orders on it
        knobs=msgspec.structs.replace(given, allow_live=True) if sim else given,
        now=_now(),
        live=not validate,
        instruments=table.unwrap(),
        quote_rates=values.get(QUOTE_RATE) or {},
    )
    tp, tp_limit = values.get(BRACKET_TP), values.get(TP_LIMIT)
    spec = bracket_spec(
        symbol=values.get(SYMBOL) or "",
        qty=values.get(QTY) or Decimal(0),
        entry_limit=values.get(BRACKET_LIMIT) or Decimal(0),
        prices=Prices(
            sl=values.get(BRACKET_SL) or Decimal(0),
            sl_limit=values.get(SL_LIMIT),
            tp=tp if tp_limit is not None else None,
            tp_limit=tp_limit if tp_limit is not None else tp or Decimal(0),
            offsets=values.get(OFFSETS) is True,
        ),
        mode=values.get(MODE) or "one-resting",
        context=context,
        prefix=_prefix(),
    )
    match spec:
        case Success(BracketSpec() as ready):
            pass
        case Failure(tuple() as spec_problems):
            return _refused(to_flags(spec_problems, BRACKET_FLAG_OF))
        case _:
            return 70
    checked = preflight(ready, context)
    if checked:
        return _refused(to_flags(checked, BRACKET_FLAG_OF))  # nothing sent, no connection opened
    # sound so far: now the runner, asyncio and websockets (a refusal above never loads them)
    import asyncio  # noqa: PLC0415

    from momentum.scripts.bracket_runner import Settings, run_bracket, simulated  # noqa: PLC0415

    settings = Settings(spec=ready, context=context, validate=validate,
                        answer_timeout=float(values.get(ANSWER_TIMEOUT) or 5))  # fmt: skip
    if sim:
        return asyncio.run(simulated(settings, ticks.unwrap()))
    urls = (
        os.environ.get("KRAKEN_REST_URL") or DEFAULT_REST_URL,
        os.environ.get("KRAKEN_WS_URL") or DEFAULT_WS_URL,
        os.environ.get("KRAKEN_PUBLIC_WS_URL") or DEFAULT_PUBLIC_WS_URL,
    )
    return asyncio.run(run_bracket(settings, credentials.unwrap(), urls))


def _ticks(path: str | None) -> "Result[tuple[Tick, ...], tuple[InputInvalid, ...]]":
    if path is None:
        return Success(())
    from momentum.sim import BRACKET_PATH, STOP_PATH, PathError, load_path, parse_path  # noqa: PLC0415 -- only with --sim

    shipped = {"bracket": BRACKET_PATH, "stop": STOP_PATH}
    try:
        if path in shipped:
            return Success(load_path(shipped[path]))
        return Success(parse_path(Path(path).read_text(encoding="utf-8")))
    except (OSError, UnicodeDecodeError, PathError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        return Failure((InputInvalid(field="--sim", given=f"{path} ({reason})",
                                     accepted="a price path file, or bracket or stop"),))  # fmt: skip


def _refused(problems: Sequence[Problem], err: TextIO | None = None) -> int:
    (err if err is not None else sys.stderr).write(render_all(problems))
    return exit_code(problems)


def _now() -> datetime:
    return datetime.now(UTC)


def _prefix() -> str:
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
    return "mb" + "".join(random.choice(alphabet) for _ in range(6))


def run() -> None:
    """Console entry point (`momentum-bracket`): no traceback, no secret, ever reaches the user."""
    try:
        code = main()
        sys.stdout.flush()
    except KeyboardInterrupt:
        code = 130
    except BrokenPipeError:
        code = 0
    except Exception as error:
        sys.stderr.write(
            f"momentum-bracket: internal error ({type(error).__name__}); please report it\n"
        )
        code = 70
    raise SystemExit(code)


if __name__ == "__main__":
    run()

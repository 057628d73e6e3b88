"""Print the Kraken WS v2 `add_order` message an order intent becomes; send nothing.

    python -m momentum.scripts.ws_payload_probe --symbol BTC/USD --side buy --qty 0.001 \\
        --limit 28440 --sl 28410 --sl_limit 28400 --tif gtc --post_only 1 --validate 1

stdout gets one JSON document (the message, without `token`: a sender adds it); stderr gets one
problem per line. Exit 0 on success, 2 for invalid flags or knobs, 3 when a safety guard refuses.

This file is the imperative shell: it reads argv, the knob file, the instrument file and the clock
(once), calls the pure core (`momentum.probe`) and prints.
"""

import os
import sys
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

from returns.result import Failure, Result, Success

from momentum.errors import InputInvalid, KnobInvalid, Problem, exit_code, render, show
from momentum.exchange.kraken.instruments import load_instrument_table
from momentum.models.context import Knobs
from momentum.models.instrument import InstrumentTable, PairTable
from momentum.probe.core import ProbeOutput, check_text, probe_message
from momentum.probe.flags import CHECK, ENV_FILE, INSTRUMENTS, tokenize, usage
from momentum.probe.request import CheckRequest, parse_argv, parse_check
from momentum.utils.env import load_knobs

__all__ = ["MAX_MESSAGE_BYTES", "load_table", "main", "run"]

MAX_MESSAGE_BYTES: Final = 1024 * 1024


def load_table(
    values: Mapping[str, str], knobs: Result[Knobs, tuple[KnobInvalid, ...]]
) -> Result[PairTable, tuple[InputInvalid, ...]]:
    """The instrument table: `--instruments`, else the `INSTRUMENTS_FILE` knob, else the shipped one."""
    flag = values.get(INSTRUMENTS.name)
    return load_instrument_table(knobs.value_or(Knobs()), None if flag is None else Path(flag))


def main(argv: Sequence[str] | None = None) -> int:
    """Read argv, the knobs and the clock; print the message or the problems; return the exit code."""
    args = sys.argv[1:] if argv is None else list(argv)
    if any(arg in ("-h", "--help") for arg in args):
        sys.stdout.write(usage())
        return 0
    values = tokenize(args)[0]
    env_file = values.get(ENV_FILE.name)
    knobs = load_knobs(os.environ, None if env_file is None else Path(env_file))
    loaded = load_table(values, knobs)
    sys.stderr.write("".join(f"warning: {skipped}\n" for skipped in _skipped(loaded)))
    instruments: Result[InstrumentTable, tuple[InputInvalid, ...]] = loaded
    if CHECK.name in values:
        return _check(args, knobs, instruments)
    request = parse_argv(args, instruments.value_or(None))
    now = datetime.now(UTC)  # the only clock read
    match probe_message(request, knobs, instruments, now):
        case Success(ProbeOutput() as output):
            sys.stderr.write("".join(note + "\n" for note in output.notes))
            sys.stdout.write(output.message.decode() + "\n")
            return 0
        case Failure(tuple() as problems):
            return _refused(problems)
        case _:
            return 70


def _skipped(loaded: Result[PairTable, tuple[InputInvalid, ...]]) -> tuple[str, ...]:
    return loaded.map(lambda table: table.skipped).value_or(())


def _refused(problems: Sequence[Problem]) -> int:
    sys.stderr.write("".join(render(problem) + "\n" for problem in problems))
    return exit_code(problems)


def _check(
    args: Sequence[str],
    knobs: Result[Knobs, tuple[KnobInvalid, ...]],
    instruments: Result[InstrumentTable, tuple[InputInvalid, ...]],
) -> int:
    text, token_problems = tokenize(args)
    request = parse_check(text)
    match request:
        case Success(CheckRequest() as ok) if not token_problems:
            pass
        case _:
            return _refused((*token_problems, *request.swap().value_or(())))
    try:
        if ok.source == "-":
            data = sys.stdin.buffer.read(MAX_MESSAGE_BYTES + 1)
        else:
            with Path(ok.source).open("rb") as handle:
                data = handle.read(MAX_MESSAGE_BYTES + 1)
    except (OSError, ValueError) as error:  # ValueError: a path with a NUL byte
        reason = getattr(error, "strerror", None) or "not a usable path"
        sys.stderr.write(f"--check: {show(ok.source)} ({reason}); use a readable file or -\n")
        return 2
    if len(data) > MAX_MESSAGE_BYTES:
        sys.stderr.write("--check: a message over 1 MiB; use one request message\n")
        return 2
    problems = check_text(data, ok, knobs, instruments, datetime.now(UTC))  # the only clock read
    if not problems:
        sys.stderr.write("--check: no problem found\n")
    return _refused(problems)


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

"""`momentum-send`: send one WS v2 request message, typically the probe's output, and say what
became of it.

    momentum-probe --symbol BTC/USD --side buy --qty 0.001 --limit 28440 | momentum-send --sim 1

It reads the message from a file argument or `-` (stdin, the default), checks it exactly as
`momentum-probe --check` does (same knobs, instrument files and context flags), re-stamps its
deadline from `DEADLINE_MS` (the message may have waited in a file), gets a token from
`KRAKEN_REST_URL` (default https://api.kraken.com), connects to `KRAKEN_WS_URL` (default
wss://ws-auth.kraken.com/v2), waits for `status` online, sends, waits for the answer, and prints
it as one JSON document on stdout. `validate: true` messages go as they are: a dry run against
the exchange. A refused request never opens a connection.

Exit 0 accepted (or reconciliation found an unanswered live add), 2 bad input, knobs or missing
credentials, 3 a local guard refused it, 4 the exchange rejected it, 5 outcome unknown after
reconciliation, 6 nothing was sent. Never a traceback; never a key, secret or token.

`--timeout S` (default 30) bounds the whole wait. The request waits for a usable connection (a
token, the socket, `status` online) for the first half of it only, so that "nothing was sent"
comes from the session with its reason while there is time left to hear it; the rest is for the
answer and any reconciliation. Should `S` run out with the request still unsent all the same,
the session is stopped before the outcome is read: a request it never sent is reported as not
sent (6), never as unknown (5), and one it did send and heard nothing of, as unknown (5).
"""

import os
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Final, assert_never

from returns.result import Failure, Result, Success

from momentum.errors import InputInvalid, Problem, exit_code, gather, render, show
from momentum.exchange.kraken.instruments import load_instrument_table
from momentum.exchange.kraken.ws_v2_check import Beside
from momentum.exchange.kraken.ws_v2_messages import (
    AddOrder,
    AmendOrder,
    BatchAdd,
    CancelOrder,
    Request,
    decode_request,
)
from momentum.models.context import Context, Exposure, Knobs
from momentum.models.instrument import InstrumentTable
from momentum.models.secret import Secret
from momentum.probe.core import to_flags
from momentum.probe.flags import (
    ANSWER_TIMEOUT,
    ENV_FILE,
    FLAG_OF,
    INSTRUMENTS,
    OPEN_POSITIONS,
    QUOTE_RATE,
    REF_PRICE,
    SEND_FLAGS,
    SIDE,
    SIM,
    SYMBOL,
    TIMEOUT,
    read,
    tokenize,
)
from momentum.scripts.account import (
    DEFAULT_REST_URL,
    DEFAULT_WS_URL,
    Credentials,
    read_credentials,
)
from momentum.session.core import OutcomeUnknown, Refused, SessionConfig, check_request
from momentum.session.report import SendReport, report
from momentum.utils.env import load_knobs

__all__ = ["main", "run"]

MAX_MESSAGE_BYTES: Final = 1024 * 1024
_DEFAULT_TIMEOUT: Final = Decimal(30)
_ONLINE_SHARE: Final = 0.5  # of --timeout, at most, waiting for a usable connection

USAGE: Final = (
    "usage: momentum-send [FILE|-] [--sim 1] [--ref_price P] [--open_positions N] "
    "[--quote_rate CUR=RATE] [--side S --symbol PAIR (an amend)] [--instruments FILE] "
    "[--env-file PATH] [--timeout S] [--answer_timeout S]\n\n"
    "Sends one Kraken WS v2 request message (the probe's output) after checking it as --check\n"
    "does; prints the exchange's answer as JSON on stdout.\n"
    "Exit 0 accepted; 2 bad input, knobs or credentials; 3 refused by a guard; 4 rejected by the\n"
    "exchange; 5 outcome unknown after reconciliation; 6 nothing was sent.\n"
    "The request waits at most half of --timeout for a usable connection (then exit 6); the\n"
    "rest is for the answer and reconciliation. A request still unsent when --timeout ends is\n"
    "reported as not sent (6), never as unknown (5).\n\nflags:\n"
    + "".join(f"  {flag.name:<17} {flag.help}\n" for flag in SEND_FLAGS)
)


def main(argv: Sequence[str] | None = None) -> int:
    """Read argv, the message, the knobs, the credentials and the clock; send; print; exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    if any(arg in ("-h", "--help") for arg in args):
        sys.stdout.write(USAGE)
        return 0
    source = "-"
    if args and not args[0].startswith("--"):
        source = args.pop(0)
    text, token_problems = tokenize(args, SEND_FLAGS)
    values, flag_problems = read(text, SEND_FLAGS)
    env_file = values.get(ENV_FILE)
    knobs = load_knobs(os.environ, None if env_file is None else Path(env_file))
    flag = values.get(INSTRUMENTS)
    table = load_instrument_table(knobs.value_or(Knobs()), None if flag is None else Path(flag))
    message = _message(source)
    sim = values.get(SIM) is True
    credentials = (
        Success(Credentials(key=Secret("sim"), secret=Secret("sim")))
        if sim
        else read_credentials(os.environ)
    )
    problems: tuple[Problem, ...] = (*token_problems, *flag_problems,
                                     *gather(knobs, table, message, credentials))  # fmt: skip
    if problems:
        return _refused(problems)
    now = datetime.now(UTC)
    context = Context(
        knobs=knobs.unwrap(),
        now=now,
        exposure=Exposure(open_positions=values.get(OPEN_POSITIONS) or 0),
        instruments=_table(table),
        quote_rates=values.get(QUOTE_RATE) or {},
    )
    beside = Beside(
        ref_price=values.get(REF_PRICE), side=values.get(SIDE), symbol=values.get(SYMBOL)
    )
    request = message.unwrap()
    refused = check_request(request, context, beside, now)
    if refused:
        return _refused(to_flags(refused, FLAG_OF))  # nothing sent, no connection opened
    timeout = float(values.get(TIMEOUT) or _DEFAULT_TIMEOUT)
    answer_timeout = float(values.get(ANSWER_TIMEOUT) or 5)
    # half of --timeout to get sent, so the session's own "not sent" comes within the wait
    config = SessionConfig(
        context=context, answer_timeout=answer_timeout, wait_for_online=timeout * _ONLINE_SHARE
    )
    import asyncio  # noqa: PLC0415 -- only to send: a refusal or --help never loads it

    outcome = asyncio.run(
        _send(request, beside, config=config, credentials=credentials.unwrap(), sim=sim,
              timeout=timeout)
    )  # fmt: skip
    return _print(outcome)


def _message(source: str) -> Result[Request, tuple[InputInvalid, ...]]:
    try:
        if source == "-":
            data = sys.stdin.buffer.read(MAX_MESSAGE_BYTES + 1)
        else:
            with Path(source).open("rb") as handle:
                data = handle.read(MAX_MESSAGE_BYTES + 1)
    except (OSError, ValueError) as error:  # ValueError: a path with a NUL byte
        reason = getattr(error, "strerror", None) or "not a usable path"
        return Failure((InputInvalid(field="message", given=f"{show(source)} ({reason})",
                                     accepted="a readable file, or - for stdin"),))  # fmt: skip
    if not data.strip():
        return Failure((InputInvalid(field="message", given="nothing (empty input)",
                                     accepted="one request message, such as the probe's output"),))  # fmt: skip
    if len(data) > MAX_MESSAGE_BYTES:
        return Failure((InputInvalid(field="message", given="over 1 MiB",
                                     accepted="one request message"),))  # fmt: skip
    return decode_request(data)


def _table(table: Result[InstrumentTable, tuple[InputInvalid, ...]]) -> InstrumentTable:
    return table.unwrap()  # only called once every problem was reported: it is a Success


async def _send(
    request: Request,
    beside: Beside,
    *,
    config: SessionConfig,
    credentials: Credentials,
    sim: bool,
    timeout: float,
) -> SendReport:
    if not sim:
        rest_url = os.environ.get("KRAKEN_REST_URL") or DEFAULT_REST_URL
        ws_url = os.environ.get("KRAKEN_WS_URL") or DEFAULT_WS_URL
        return await _through(
            request, beside, config, credentials, (rest_url, ws_url), timeout=timeout
        )
    from momentum.sim import SimConfig, Simulator  # noqa: PLC0415 -- only with --sim

    sim_config = SimConfig.throwaway()
    async with Simulator(config=sim_config) as exchange:
        symbol = _symbol_of(request, beside)
        if beside.ref_price is not None and symbol is not None:
            await exchange.set_price(symbol, beside.ref_price)  # the market the caller stated
        throwaway = Credentials(
            key=Secret(sim_config.api_key), secret=Secret(sim_config.api_secret)
        )
        urls = (exchange.rest_url, exchange.ws_url)
        return await _through(request, beside, config, throwaway, urls, timeout=timeout)


def _symbol_of(request: Request, beside: Beside) -> str | None:
    match request:
        case AddOrder() | BatchAdd():
            return request.params.symbol
        case AmendOrder():
            return request.params.symbol or beside.symbol
        case CancelOrder():
            return beside.symbol
        case _:
            assert_never(request)


async def _through(
    request: Request,
    beside: Beside,
    config: SessionConfig,
    credentials: Credentials,
    urls: tuple[str, str],
    *,
    timeout: float,
) -> SendReport:
    rest_url, ws_url = urls
    from momentum.scripts.connection import LiveSession  # noqa: PLC0415 -- only to send

    async with LiveSession(config, credentials, rest_url=rest_url, ws_url=ws_url) as live:
        submitted = await live.submit(request, beside)
        if isinstance(submitted, Refused):
            return report((submitted,))
        outcome = await live.outcome(submitted.req_id, timeout)
        if any(not isinstance(event, OutcomeUnknown) for event in outcome):
            return report(outcome)
        # no final word in time: stop first, so a request still queued ends NotSent (exit 6)
        # and one in flight OutcomeUnknown (exit 5), decided by the session, not by a race
        await live.close()
        return report(await live.outcome(submitted.req_id, 0))


def _print(outcome: SendReport) -> int:
    sys.stderr.write("".join(line + "\n" for line in outcome.stderr))
    if outcome.stdout:
        sys.stdout.write(outcome.stdout.decode() + "\n")
    return outcome.code


def _refused(problems: Sequence[Problem]) -> int:
    sys.stderr.write("".join(render(problem) + "\n" for problem in problems))
    return exit_code(problems)


def run() -> None:
    """Console entry point (`momentum-send`): no traceback, no secret, ever reaches the user."""
    try:
        code = main()
        sys.stdout.flush()
    except KeyboardInterrupt:
        code = 130
    except BrokenPipeError:
        code = 0
    except Exception as error:
        sys.stderr.write(
            f"momentum-send: internal error ({type(error).__name__}); please report it\n"
        )
        code = 70
    raise SystemExit(code)


if __name__ == "__main__":
    run()

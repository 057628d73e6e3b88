"""Coverage-guided fuzzing (atheris/libFuzzer) of the probe's argument parser and every JSON
decoder momentum has. Any exception escaping the pure core is a crash libFuzzer reports.

Run it through `fuzz/run.py`, which bounds the time and records how many inputs were tried.
"""

import sys
from datetime import UTC, datetime

import atheris

with atheris.instrument_imports():
    from returns.result import Failure, Success

    from momentum.exchange.kraken.instruments import decode_instruments, load_default_instruments
    from momentum.exchange.kraken.ws_v2_check import check_message
    from momentum.exchange.kraken.ws_v2_messages import decode_request
    from momentum.exchange.kraken.ws_v2_responses import decode_answer
    from momentum.probe.core import probe_message
    from momentum.probe.request import parse_argv
    from momentum.utils.env import Knobs, parse_knobs
    from momentum.utils.safety import Context

NOW = datetime(2026, 11, 28, 9, tzinfo=UTC)
TABLE = load_default_instruments().unwrap()
CONTEXT = Context(knobs=Knobs(), now=NOW, instruments=TABLE)
FLAGS = ["--symbol", "--side", "--qty", "--limit", "--sl", "--sl_limit", "--tp", "--tp_limit",
         "--tif", "--post_only", "--validate", "--order_type", "--trigger", "--trigger_type",
         "--display_qty", "--cash_qty", "--bracket", "--rest", "--snap", "--ref_price"]  # fmt: skip
VALUES = ["BTC/USD", "buy", "sell", "0.001", "28440", "-2", "pct", "1", "0", "limit",
          "trailing-stop-limit", "NaN", "1e5", ""]  # fmt: skip


def _argv(data: atheris.FuzzedDataProvider) -> list[str]:
    argv = []
    for _ in range(data.ConsumeIntInRange(0, 24)):
        match data.ConsumeIntInRange(0, 3):
            case 0:
                argv.append(data.PickValueInList(FLAGS))
            case 1:
                argv.append(data.PickValueInList(VALUES))
            case _:
                argv.append(data.ConsumeUnicodeNoSurrogates(data.ConsumeIntInRange(0, 24)))
    return argv


def one_input(raw: bytes) -> None:
    data = atheris.FuzzedDataProvider(raw)
    match data.ConsumeIntInRange(0, 5):
        case 0 | 1:
            knobs = parse_knobs({"DEADLINE_MS": data.ConsumeUnicodeNoSurrogates(6)}, {},
                                file_label="fuzz")  # fmt: skip
            result = probe_message(parse_argv(_argv(data), TABLE), knobs, Success(TABLE), NOW)
            assert isinstance(result, Success | Failure)
        case 2:
            assert isinstance(decode_request(data.ConsumeBytes(4096)), Success | Failure)
        case 3:
            assert isinstance(decode_answer(data.ConsumeBytes(4096)), Success | Failure)
        case 4:
            assert isinstance(decode_instruments(data.ConsumeBytes(4096)), Success | Failure)
        case _:
            assert isinstance(check_message(data.ConsumeBytes(4096), CONTEXT), tuple)


if __name__ == "__main__":
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()

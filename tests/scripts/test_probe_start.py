"""The probe's cold start loads what its path needs and no more (bench/cold_start.py times it):
the REST forms only with --rest, the --check reader only with --check, and never the parts of
`returns`, `dataclasses` or `difflib` that a run without a suggestion does not use."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from momentum.utils.env import KNOB_NAMES

REPO = Path(__file__).resolve().parents[2]
ORDER = ["--symbol", "BTC/USD", "--side", "buy", "--qty", "0.001", "--limit", "28440"]
MESSAGE = (
    '{"method":"add_order","params":{"order_type":"limit","side":"buy","order_qty":0.001,'
    '"limit_price":28440,"symbol":"BTC/USD","validate":true}}'
)
# the modules every run leaves out: what costs a cold start and no run without a suggestion uses
NEVER = {"returns.methods", "returns.context", "returns.future", "dataclasses", "difflib"}
REST = {"momentum.exchange.kraken.rest.parity", "momentum.exchange.kraken.rest.render"}
CHECK = {"momentum.exchange.kraken.ws_v2_check"}
BRACKET = {"momentum.exchange.kraken.ws_v2_requests"}
SCRIPT = (
    "import sys\n"
    "from momentum.scripts.ws_payload_probe import main\n"
    "code = main(sys.argv[1:])\n"
    "sys.stderr.write('\\nexit ' + str(code) + ' modules ' + ' '.join(sorted(sys.modules)))\n"
)


def loaded(tmp_path: Path, *args: str, stdin: str | None = None) -> tuple[int, set[str]]:
    env = {k: v for k, v in os.environ.items() if k not in KNOB_NAMES}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    run = subprocess.run(
        [sys.executable, "-c", SCRIPT, *args],
        cwd=tmp_path,
        env=env | {"ENTRY_MAX_NOTIONAL": "1000"},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    last = run.stderr.rsplit("\nexit ", 1)[-1].split()
    assert last[1] == "modules", run.stderr
    return int(last[0]), set(last[2:])


@pytest.mark.parametrize(
    ("args", "stdin", "needed", "left_out"),
    [
        (ORDER, None, set(), REST | CHECK | BRACKET),
        ([*ORDER, "--rest", "1"], None, REST, CHECK | BRACKET),
        (["--check", "-"], MESSAGE, CHECK, REST | BRACKET),
        ([*ORDER, "--sl", "28410", "--tp", "28600", "--bracket", "1"], None, BRACKET, REST | CHECK),
    ],
    ids=["order", "rest", "check", "bracket"],
)
def test_each_mode_loads_only_what_it_uses(
    tmp_path: Path, args: list[str], stdin: str | None, needed: set[str], left_out: set[str]
) -> None:
    code, modules = loaded(tmp_path, *args, stdin=stdin)
    assert code == 0
    assert needed <= modules
    assert modules & (NEVER | left_out) == set()

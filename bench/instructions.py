"""Instructions per order for each stage of the Step 3 OTO path, counted by valgrind's callgrind.

    python bench/instructions.py [--number 1000] [--json bench/instructions.json]

Wall time on a shared 2-core VM moves by 2x between runs; instruction counts do not (the same
binary, inputs and environment give the same count whatever else the machine does). Each stage
runs in a fresh `python` under callgrind twice, 0 and `--number` times, and the difference per
call is reported beside floor (a) (the message as a plain dict encoded by msgspec) and floor (c)
(the Decimal operations any checked path must do). Needs `valgrind` on PATH.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

STAGES = {
    "floor (a): plain dict + msgspec encode": "floor_a",
    "floor (c): the Decimal checks alone": "floor_c",
    "parse the text into the intent": "make",
    "input checks": "inputs",
    "guards": "guards",
    "render the message Structs": "render",
    "encode (+ its Result)": "encode",
    "full path (build_add_order_json)": "full",
}

RUNNER = """
import sys
sys.path.insert(0, "bench")
import order_path as b
from momentum.exchange.kraken.ws_v2_messages import encode
from momentum.exchange.kraken.ws_v2_payloads import build_add_order_json, render_add_order
from momentum.utils import safety
make, context, literal = b.CASES["step3 OTO limit buy"]
order = make()
message = render_add_order(order, context)
stages = {
    "floor_a": lambda: b.ENCODER.encode({"method": "add_order", "params": dict(literal)}),
    "floor_c": b.decimal_work,
    "make": make,
    "inputs": lambda: safety.check_input(order, context),
    "guards": lambda: [guard(order, context) for guard in safety._GUARDS],
    "render": lambda: render_add_order(order, context),
    "encode": lambda: encode(message),
    "full": lambda: build_add_order_json(make(), context),
}
stage = stages[sys.argv[1]]
stage()
for _ in range(int(sys.argv[2])):
    stage()
"""


def count(stage: str, number: int, runner: str) -> int:
    out = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable,
         runner, stage, str(number)],
        capture_output=True, text=True, check=True, env={**os.environ, "PYTHONPATH": os.getcwd()},
    )  # fmt: skip
    found = re.search(r"Collected : (\d+)", out.stderr)
    if found is None:
        raise SystemExit(f"no instruction count from valgrind:\n{out.stderr[-2000:]}")
    return int(found.group(1))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--number", type=int, default=1000)
    parser.add_argument("--json", default="bench/instructions.json")
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not on PATH (Debian: apt-get install valgrind)")
    with tempfile.TemporaryDirectory() as folder:
        runner = os.path.join(folder, "runner.py")
        with open(runner, "w") as handle:
            handle.write(RUNNER)
        per_call = {
            name: (count(stage, args.number, runner) - count(stage, 0, runner)) / args.number
            for name, stage in STAGES.items()
        }
    floor_a = per_call["floor (a): plain dict + msgspec encode"]
    print(f"{'stage (Step 3 OTO)':42} {'instructions':>12} {'x floor a':>10}")
    for name, value in per_call.items():
        print(f"{name:42} {value:12,.0f} {value / floor_a:10.1f}")
    with open(args.json, "w") as handle:
        json.dump({"python": sys.version.split()[0], "instructions": per_call}, handle, indent=1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

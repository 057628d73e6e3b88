"""The probe's wall time as a fresh process, beside the floor the mandated stack imposes.

    python bench/cold_start.py [--runs 20] [--json bench/cold_start.json]

Runs each command `--runs` times and reports the median and spread: the probe on the Step 3
standalone take-profit example, `python -c "import returns.result, msgspec, environs"` (the
dependency floor) and `python -c pass`. Our overhead is probe minus the dependency floor.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

PROBE = [sys.executable, "-m", "momentum.scripts.ws_payload_probe", "--symbol", "BTC/USD",
         "--side", "sell", "--qty", "0.001", "--tp", "28600", "--tp_limit", "28590",
         "--standalone_tp", "1"]  # fmt: skip
COMMANDS = {
    "probe (step 3 standalone take-profit)": PROBE,
    "import returns.result, msgspec, environs": [
        sys.executable, "-c", "import returns.result, msgspec, environs"],
    "python -c pass": [sys.executable, "-c", "pass"],
}  # fmt: skip


REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def wall(command: list[str], runs: int, cwd: str) -> list[float]:
    # the repository on the path, so an uninstalled checkout measures the same code
    env = os.environ | {
        "PYTHONPATH": os.pathsep.join(filter(None, [REPO, os.environ.get("PYTHONPATH")]))
    }
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, cwd=cwd, env=env, capture_output=True, check=True)
        times.append((time.perf_counter() - start) * 1000)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--json", default="bench/cold_start.json")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as empty:
        results = {name: wall(command, args.runs, empty) for name, command in COMMANDS.items()}
    medians = {name: statistics.median(times) for name, times in results.items()}
    for name, times in results.items():
        print(
            f"{name:42} median {medians[name]:7.1f} ms  spread {min(times):6.1f}-{max(times):6.1f} ms"
        )
    probe, floor = medians["probe (step 3 standalone take-profit)"], medians[
        "import returns.result, msgspec, environs"]  # fmt: skip
    print(f"{'our overhead (probe - dependency floor)':42} {probe - floor:+7.1f} ms")
    with open(args.json, "w") as handle:
        json.dump(
            {"runs": args.runs, "median_ms": medians, "overhead_ms": probe - floor},
            handle,
            indent=1,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Run the fuzz harness for a bounded time, then record how many inputs it tried.

    python fuzz/run.py [--seconds 60]        # needs: pip install -e '.[fuzz]'

Writes `fuzz/last_run.json` ({"seconds", "inputs_tried", "crashes", "date"}) and exits non-zero
if libFuzzer found a crash (its reproducer lands in `fuzz/crashes/`).
"""

import argparse
import json
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=60)
    args = parser.parse_args()
    crashes = HERE / "crashes"
    crashes.mkdir(exist_ok=True)
    corpus = HERE / "corpus"
    corpus.mkdir(exist_ok=True)
    run = subprocess.run(
        [sys.executable, str(HERE / "harness.py"), str(corpus), f"-max_total_time={args.seconds}",
         "-print_final_stats=1", f"-artifact_prefix={crashes}/", "-max_len=4096"],
        capture_output=True, text=True, check=False, cwd=HERE.parent,
    )  # fmt: skip
    tried = re.findall(r"stat::number_of_executed_units:\s*(\d+)", run.stderr)
    found = sorted(p.name for p in crashes.iterdir())
    record = {
        "seconds": args.seconds,
        "inputs_tried": int(tried[-1]) if tried else None,
        "crashes": found,
        "exit_code": run.returncode,
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    (HERE / "last_run.json").write_text(json.dumps(record, indent=1) + "\n")
    print(json.dumps(record))
    if run.returncode != 0:
        sys.stderr.write(run.stderr[-4000:])
    return 0 if run.returncode == 0 and not found else 1


if __name__ == "__main__":
    raise SystemExit(main())

"""Mutation testing of the guards and the payload builder with mutmut, in a scratch copy.

    python mutation/run.py [--workdir /tmp/momentum-mutation] [--children 2]

Copies the tracked files into `--workdir` (kept between runs: mutmut then re-tests only the
functions that changed and maps new tests incrementally), adds the mutmut settings below to the
copy's `pyproject.toml`, runs `mutmut run` with the `mutation` hypothesis profile, and writes
the counts and every surviving mutant's name to `mutation/last_run.json`. Needs `mutmut`
(`pip install mutmut==3.8.1`). A full run takes about an hour on two cores.

The probe's end-to-end tests are left out: they run the probe in a child process, which
mutmut's trampolines do not reach, so they would only add time. Doctests are left out too
(mutmut rewrites the modules that hold them).
"""

import argparse
import json
import os
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

TARGETS = ["momentum/utils/safety.py", "momentum/exchange/kraken/ws_v2_payloads.py"]
SETTINGS = f"""
[tool.mutmut]
paths_to_mutate = {json.dumps(TARGETS)}
tests_dir = ["tests/"]
also_copy = ["momentum/", "tests/", "stubs/", "mypy.ini", "README.md"]
pytest_add_cli_args = ["--ignore=tests/scripts/test_ws_payload_probe.py", "-x", "-p", "no:cacheprovider"]
"""
STATUS = re.compile(r"^\s*(\S+): (killed|survived|no tests|timeout|suspicious|skipped|segfault)")


LOOSE = ("survived", "no tests")


def statuses(mutmut: list[str], workdir: Path, env: dict[str, str]) -> list[tuple[str, str]]:
    listed = subprocess.run([*mutmut, "results", "--all", "true"], cwd=workdir, env=env,
                            capture_output=True, text=True, check=True)  # fmt: skip
    return [
        found.group(1, 2) for line in listed.stdout.splitlines() if (found := STATUS.match(line))
    ]


def copy_tracked(workdir: Path) -> None:
    files = subprocess.run(["git", "ls-files"], capture_output=True, text=True, check=True)
    for name in files.stdout.splitlines():
        if name.startswith(".ci/"):
            continue
        target = workdir / name
        target.parent.mkdir(parents=True, exist_ok=True)
        data = Path(name).read_bytes()
        if not target.exists() or target.read_bytes() != data:
            target.write_bytes(data)  # unchanged files keep their times: mutmut's cache holds
    pyproject = (workdir / "pyproject.toml").read_text()
    pyproject = pyproject.replace('addopts = "--doctest-modules -q"', 'addopts = "-q"')
    (workdir / "pyproject.toml").write_text(pyproject + SETTINGS)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", default="/tmp/momentum-mutation")
    parser.add_argument("--children", type=int, default=2)
    parser.add_argument("--record", default="mutation/last_run.json")
    args = parser.parse_args()
    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    copy_tracked(workdir)
    mutmut = [str(Path(sys.executable).with_name("mutmut"))]
    env = {**os.environ, "HYPOTHESIS_PROFILE": "mutation"}
    subprocess.run([*mutmut, "run", "--max-children", str(args.children)], cwd=workdir, env=env,
                   check=False, stdout=subprocess.DEVNULL)  # fmt: skip
    # A verdict is cached per mutant; a survivor is tried again, since tests may have been added.
    again = [name for name, status in statuses(mutmut, workdir, env) if status in LOOSE]
    if again:
        subprocess.run([*mutmut, "run", "--max-children", str(args.children), *again],
                       cwd=workdir, env=env, check=False, stdout=subprocess.DEVNULL)  # fmt: skip
    by_file: dict[str, dict[str, int]] = {}
    survivors: list[str] = []
    for name, status in statuses(mutmut, workdir, env):
        module = name.split(".x_")[0]
        counts = by_file.setdefault(module, {})
        counts[status] = counts.get(status, 0) + 1
        if status in LOOSE:
            survivors.append(name)
    scores: dict[str, float] = {}
    for module, counts in by_file.items():
        total = sum(counts.values())
        killed = counts.get("killed", 0) + counts.get("timeout", 0)  # a hang is a detection
        scores[module] = round(100 * killed / total, 1) if total else 0.0
        print(f"{module}: {killed}/{total} killed ({scores[module]}%) {counts}")
    with open(args.record, "w") as handle:
        json.dump({"date": datetime.now(UTC).isoformat(timespec="seconds"), "scores": scores,
                   "by_module": by_file, "survivors": survivors}, handle, indent=1)  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Mutation testing of the core (`momentum/utils/`, `momentum/exchange/kraken/`) with mutmut.

    python mutation/run.py [--workdir /tmp/momentum-mutation] [--children 2] [--floor 95]

Copies the tracked files into `--workdir` (kept between runs: mutmut then re-tests only the
functions that changed and maps new tests incrementally), adds the mutmut settings below to the
copy's `pyproject.toml`, runs `mutmut run` with the `mutation` hypothesis profile, tries every
survivor once more (tests may have been added since its verdict was cached), and writes the
counts per module and every surviving mutant's name to `mutation/last_run.json`. Exits 1 if a
module scores below `--floor` percent, 2 if mutmut fails (its output is in the workdir's
`mutmut.log`). Needs `mutmut` (`pip install mutmut==3.8.1`). A full run takes hours on two
cores.

The targets are every tracked `.py` file under `CORE`, so a new module is mutated without being
named here. Tests left out (`LEFT_OUT`): the shells' end-to-end tests under `tests/scripts/` and
the packaging test run their code in a child process, which mutmut's trampolines do not reach, and
the simulator's tests exercise the simulator, none of the core; they would only add time. Doctests
are left out too (mutmut rewrites the modules that hold them).
"""

import argparse
import json
import os
import re
import subprocess
import sys
import time
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

CORE = ["momentum/utils/", "momentum/exchange/kraken/"]
# the shells' end-to-end tests (probe, send, connection, bracket) and the packaging test run their
# code in a child process; the simulator's tests exercise the simulator
LEFT_OUT = ["tests/scripts/", "tests/packaging/", "tests/sim/"]
SETTINGS = f"""
[tool.mutmut]
source_paths = {json.dumps(CORE)}
pytest_add_cli_args_test_selection = ["tests/"]
also_copy = ["momentum/", "tests/", "stubs/", "mypy.ini", "README.md"]
pytest_add_cli_args = {json.dumps([f"--ignore={path}" for path in LEFT_OUT] + ["-x", "-p", "no:cacheprovider"])}
"""
STATUS = re.compile(r"^\s*(\S+): (.+?)\s*$")
LOOSE = ("survived", "no tests")
DETECTED = ("killed", "timeout")  # a hang is a detection


def targets() -> list[str]:
    """Every tracked module under the core's folders."""
    files = subprocess.run(["git", "ls-files", "--", *CORE], capture_output=True, text=True,
                           check=True)  # fmt: skip
    return sorted(name for name in files.stdout.splitlines() if name.endswith(".py"))


def module_of(path: str) -> str:
    return path.removesuffix(".py").removesuffix("/__init__").replace("/", ".")


def statuses(mutmut: list[str], workdir: Path, env: dict[str, str]) -> list[tuple[str, str]]:
    listed = subprocess.run([*mutmut, "results", "--all", "true"], cwd=workdir, env=env,
                            capture_output=True, text=True, check=True)  # fmt: skip
    return [
        (found[1], found[2]) for line in listed.stdout.splitlines() if (found := STATUS.match(line))
    ]


def mutate(command: list[str], workdir: Path, env: dict[str, str]) -> bool:
    """Run mutmut, its output in `workdir/mutmut.log`; say so and show its end if it fails (a
    failing clean test run, say), rather than record every mutant as not checked."""
    log = workdir / "mutmut.log"
    with log.open("w") as output:
        done = subprocess.run(command, cwd=workdir, env=env, check=False, stdout=output,
                              stderr=subprocess.STDOUT)  # fmt: skip
    if done.returncode == 0:
        return True
    tail = log.read_text(errors="replace").splitlines()[-30:]
    sys.stderr.write("\n".join([*tail, f"mutmut failed ({done.returncode}); all of it: {log}", ""]))
    return False


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
    parser.add_argument("--floor", type=float, default=95.0)
    args = parser.parse_args()
    started = time.monotonic()
    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    copy_tracked(workdir)
    # mutmut maps tests to functions once and then only adds new tests: an old test that now
    # reaches a new function would be missed, and its mutants reported as survivors. Map afresh.
    (workdir / "mutants" / "mutmut-stats.json").unlink(missing_ok=True)
    mutmut = [str(Path(sys.executable).with_name("mutmut"))]
    env = {**os.environ, "HYPOTHESIS_PROFILE": "mutation"}
    run = [*mutmut, "run", "--max-children", str(args.children)]
    if not mutate(run, workdir, env):
        return 2
    # A verdict is cached per mutant; a survivor is tried again, since tests may have been added.
    again = [name for name, status in statuses(mutmut, workdir, env) if status in LOOSE]
    if again and not mutate([*run, *again], workdir, env):
        return 2
    modules = [module_of(path) for path in targets()]
    by_module: dict[str, dict[str, int]] = {module: {} for module in modules}
    survivors: dict[str, list[str]] = {}
    for name, status in statuses(mutmut, workdir, env):
        module = name.rpartition(".")[0]  # the last part is the mangled function and mutant
        counts = by_module.setdefault(module, {})
        counts[status] = counts.get(status, 0) + 1
        if status in LOOSE:
            survivors.setdefault(module, []).append(name)
    record: dict[str, dict[str, object]] = {}
    low = []
    for module, counts in by_module.items():
        total = sum(counts.values())
        if not total:
            print(f"{module}: nothing to mutate")
            continue
        detected = sum(counts.get(status, 0) for status in DETECTED)
        score = round(100 * detected / total, 1)
        record[module] = {"mutants": total, **dict(sorted(counts.items())), "score": score}
        print(f"{module}: {detected}/{total} killed ({score}%) {counts}")
        if score < args.floor:
            low.append(module)
    wall = round(time.monotonic() - started)
    with open(args.record, "w") as handle:
        json.dump({"date": datetime.now(UTC).isoformat(timespec="seconds"),
                   "mutmut": version("mutmut"), "python": sys.version.split()[0],
                   "wall_seconds": wall, "by_module": record,
                   "nothing_to_mutate": [module for module in by_module if module not in record],
                   "survivors": survivors}, handle, indent=1)  # fmt: skip
        handle.write("\n")
    print(f"{wall} s; below {args.floor}%: {', '.join(low) or 'none'}")
    return 1 if low else 0


if __name__ == "__main__":
    raise SystemExit(main())

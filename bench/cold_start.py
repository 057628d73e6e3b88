"""The probe's wall time as a fresh process, beside the floor the mandated stack imposes.

    python bench/cold_start.py [--runs 20] [--before /tmp/before] [--bytecode cached|as-is]
                               [--instructions] [--tools] [--json bench/cold_start.json]

Runs each command `--runs` times, round robin (so load that comes and goes on a shared VM falls
on every command alike), and reports the median and spread: the probe on the Step 3
standalone take-profit example; the dependency floor `python -c "import returns.result,
msgspec"`; the same with environs (the floor the previous rounds used: environs is a
dependency, but the probe never imports it); and `python -c pass`. Our overhead is the probe
minus the dependency floor.

`--before DIR` adds the probe of another checkout (for instance a `git worktree` of the previous
round), run from the same interpreter with DIR first on `PYTHONPATH`, in the same round robin.

Bytecode: by default (`cached`) every command reads its modules' bytecode from one fresh
`PYTHONPYCACHEPREFIX`, written by a warm-up run of each command first, as an installed package
is (pip compiles it); `as-is` keeps the environment's settings (a checkout under
`PYTHONDONTWRITEBYTECODE=1` then compiles momentum from source on every start).

`--tools` adds `momentum-send --help` and `momentum-bracket --help` (the shells that import
asyncio and websockets) to the same round robin.

`--instructions` also counts each command's instructions once under callgrind (after the
warm-up, same bytecode cache): unlike the wall times, the count repeats whatever the load, so it
is the figure to compare before/after (it leaves out disk and page-fault time).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROBE_ARGS = ["-m", "momentum.scripts.ws_payload_probe", "--symbol", "BTC/USD", "--side", "sell",
              "--qty", "0.001", "--tp", "28600", "--tp_limit", "28590", "--standalone_tp", "1"]  # fmt: skip
PROBE = "probe (step 3 standalone take-profit)"
FLOOR = "import returns.result, msgspec"
FLOOR_ENVIRONS = "import returns.result, msgspec, environs"
PASS = "python -c pass"
TOOLS = {
    "momentum-send --help": ["-m", "momentum.scripts.send", "--help"],
    "momentum-bracket --help": ["-m", "momentum.scripts.bracket", "--help"],
}


def commands(before: str | None, tools: bool = False) -> dict[str, tuple[list[str], str]]:
    """Each command and the checkout first on its PYTHONPATH."""
    found = {
        PROBE: ([sys.executable, *PROBE_ARGS], REPO),
        FLOOR: ([sys.executable, "-c", FLOOR], REPO),
        FLOOR_ENVIRONS: ([sys.executable, "-c", FLOOR_ENVIRONS], REPO),
        PASS: ([sys.executable, "-c", "pass"], REPO),
    }
    for name, args in TOOLS.items() if tools else ():
        found[name] = ([sys.executable, *args], REPO)
        if before is not None:
            found[f"{name}, {before}"] = ([sys.executable, *args], os.path.abspath(before))
    if before is not None:
        found[f"{PROBE}, {before}"] = (
            [sys.executable, *PROBE_ARGS], os.path.abspath(before))  # fmt: skip
    return found


def environment(checkout: str, cache: str | None) -> dict[str, str]:
    # the checkout first on the path, so an uninstalled checkout measures its own code
    env = os.environ | {
        "PYTHONPATH": os.pathsep.join(filter(None, [checkout, os.environ.get("PYTHONPATH")]))
    }
    if cache is not None:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = cache
    return env


def once(command: list[str], env: dict[str, str], cwd: str) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, env=env, capture_output=True, check=True)
    return (time.perf_counter() - start) * 1000


def instructions(command: list[str], env: dict[str, str], cwd: str) -> int:
    from instructions import callgrind  # noqa: PLC0415  (bench/, beside this script)

    return callgrind(command, env=env | {"PYTHONHASHSEED": env.get("PYTHONHASHSEED", "0")}, cwd=cwd)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--before", default=None)
    parser.add_argument("--bytecode", choices=["cached", "as-is"], default="cached")
    parser.add_argument("--instructions", action="store_true")
    parser.add_argument("--tools", action="store_true")
    parser.add_argument("--json", default="bench/cold_start.json")
    args = parser.parse_args()
    table = commands(args.before, args.tools)
    results: dict[str, list[float]] = {name: [] for name in table}
    with tempfile.TemporaryDirectory() as empty, tempfile.TemporaryDirectory() as cache:
        envs = {name: environment(checkout, cache if args.bytecode == "cached" else None)
                for name, (_, checkout) in table.items()}  # fmt: skip
        for name, (command, _) in table.items():
            once(command, envs[name], empty)  # warm-up: the bytecode cache, the OS file cache
        for _ in range(args.runs):
            for name, (command, _) in table.items():
                results[name].append(once(command, envs[name], empty))
        counts = {
            name: instructions(command, envs[name], empty)
            for name, (command, _) in table.items()
            if args.instructions
        }
    medians = {name: statistics.median(times) for name, times in results.items()}
    for name, times in results.items():
        print(
            f"{name:60} median {medians[name]:7.1f} ms  spread {min(times):6.1f}-{max(times):6.1f} ms"
            + (f"  {counts[name] / 1e6:7.1f} M instructions" if counts else "")
        )
    overhead = {
        name: medians[name] - medians[FLOOR] for name in medians if name.startswith((PROBE, *TOOLS))
    }
    for name, value in overhead.items():
        more = f", {(counts[name] - counts[FLOOR]) / 1e6:+.1f} M instructions" if counts else ""
        target = " (target +40 ms)" if name.startswith(PROBE) else ""
        print(f"{'overhead: ' + name + ' - floor':60} {value:+7.1f} ms{more}{target}")
    print(f"{'floor with environs - floor':60} {medians[FLOOR_ENVIRONS] - medians[FLOOR]:+7.1f} ms")
    with open(args.json, "w") as handle:
        json.dump({"runs": args.runs, "bytecode": args.bytecode, "median_ms": medians,
                   "spread_ms": {n: [min(t), max(t)] for n, t in results.items()},
                   "overhead_ms": overhead, "instructions": counts}, handle, indent=1)  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

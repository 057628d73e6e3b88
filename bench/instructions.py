"""Instructions per call for each stage of the order path and the send path, counted by callgrind.

    python bench/instructions.py [--suite order|send|cases|all] [--number 1000] [--jobs 2]
                                 [--repo DIR] [--json bench/instructions.json] [--keep DIR]

Wall time on a shared 2-core VM moves by 2x between runs; instruction counts do not (the same
binary, inputs and environment give the same count whatever else the machine does; the hash
seed is pinned to 0 unless PYTHONHASHSEED is set). Each stage runs in a fresh `python` under
callgrind twice, 0 and `--number` times, and the difference per call is reported beside its
floor. Needs `valgrind` on PATH.

Suite `order`: the Step 3 OTO of `order_path.py` per stage (parse, input checks, guards,
render, encode, full path), once without pair rules (`instruments="unchecked"`, as every
previous round ran it) and once with the shipped table (the library's default now), beside
floor (a) (the message as a plain dict encoded by msgspec) and floor (c) (the Decimal
operations any checked path must do). Suite `send`: the stages of `send_path.py`. Suite
`cases`: the full path (`build_add_order_json`) of every case in `order_path.py`'s `CASES`;
with `--repo DIR` it counts another checkout's cases against its own code (DIR first on the
path, DIR/bench/order_path.py), for instance a `git worktree` of the previous round, so a
before/after needs no second copy of this script. `all` is `order` and `send`.

`--keep DIR` keeps each `--number` run's callgrind file (`DIR/<stage>.out`), for
`callgrind_annotate --inclusive=yes DIR/<stage>.out`. Internally, `--stage KEY --calls N` runs
one stage N times (what valgrind is given).
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)

ORDER = {
    "floor_a": "floor (a): plain dict + msgspec encode",
    "floor_c": "floor (c): the Decimal checks alone",
    "make": "parse the text into the intent",
    "unchecked:inputs": "input checks (unchecked)",
    "unchecked:guards": "guards (unchecked)",
    "unchecked:render": "render the message Structs (unchecked)",
    "unchecked:encode": "encode (+ its Result) (unchecked)",
    "unchecked:full": "full path (build_add_order_json, unchecked)",
    "shipped:inputs": "input checks (shipped table)",
    "shipped:guards": "guards (shipped table)",
    "shipped:render": "render the message Structs (shipped table)",
    "shipped:encode": "encode (+ its Result) (shipped table)",
    "shipped:full": "full path (build_add_order_json, shipped table)",
}


def order_stages(key: str) -> Callable[[], object]:
    sys.path.insert(0, HERE)
    import order_path as b  # noqa: PLC0415

    from momentum.exchange.kraken.ws_v2_messages import encode  # noqa: PLC0415
    from momentum.exchange.kraken.ws_v2_payloads import (  # noqa: PLC0415
        build_add_order_json,
        render_add_order,
    )
    from momentum.utils import safety  # noqa: PLC0415
    from momentum.utils.checks import check_input  # noqa: PLC0415

    variant, _, stage = key.rpartition(":")
    make, context, literal = b.CASES[
        "step3 OTO limit buy" + (" [shipped]" if variant == "shipped" else "")
    ]
    order = make()
    message = render_add_order(order, context)  # type: ignore[arg-type]
    stages: dict[str, Callable[[], object]] = {
        "floor_a": lambda: b.ENCODER.encode({"method": "add_order", "params": dict(literal)}),
        "floor_c": b.decimal_work,
        "make": make,
        "inputs": lambda: check_input(order, context),
        "guards": lambda: [guard(order, context) for guard in safety.GUARDS],  # type: ignore[arg-type]
        "render": lambda: render_add_order(order, context),  # type: ignore[arg-type]
        "encode": lambda: encode(message),
        "full": lambda: build_add_order_json(make(), context),
    }
    return stages[stage]


def send_labels() -> dict[str, str]:
    sys.path.insert(0, HERE)
    import send_path  # noqa: PLC0415

    return {key: label for key, (label, _) in send_path.stages().items()}


def case_stage(name: str) -> Callable[[], object]:
    """The full path of one of `order_path.CASES`, from the checkout in BENCH_REPO."""
    sys.path.insert(0, os.path.join(os.environ.get("BENCH_REPO", REPO), "bench"))
    import order_path as b  # noqa: PLC0415

    from momentum.exchange.kraken.ws_v2_payloads import build_add_order_json  # noqa: PLC0415

    make, context, _ = b.CASES[name]
    built = build_add_order_json(make(), context)
    assert isinstance(built.value_or(None), bytes), built  # the case passes every check
    return lambda: build_add_order_json(make(), context)


def case_labels(repo: str) -> dict[str, str]:
    """The case names of the checkout's `order_path.py`, read without importing it."""
    with open(os.path.join(repo, "bench", "order_path.py")) as handle:
        source = handle.read()
    block = source[source.index("CASES:") :]
    block = block[: block.index("\n}")]
    names = re.findall(r'^    "([^"]+)": \(', block, re.MULTILINE)
    return {f"case:{name}": f"full path: {name}" for name in names}


def run_stage(key: str, calls: int) -> None:
    if key.startswith("case:"):
        stage = case_stage(key.removeprefix("case:"))
    elif key.startswith("send:"):
        sys.path.insert(0, HERE)
        import send_path  # noqa: PLC0415

        stage = send_path.stages()[key.removeprefix("send:")][1]
    else:
        stage = order_stages(key)
    stage()
    for _ in range(calls):
        stage()


def count(key: str, number: int, keep: str | None, repo: str = REPO) -> int:
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", key)
    out_file = os.path.join(keep, f"{name}.{number}.out") if keep else "/dev/null"
    env = {**os.environ, "PYTHONHASHSEED": os.environ.get("PYTHONHASHSEED", "0"), "BENCH_REPO": repo,
           "PYTHONPATH": os.pathsep.join(filter(None, [repo, os.environ.get("PYTHONPATH")]))}  # fmt: skip
    command = [sys.executable, os.path.abspath(__file__), "--stage", key, "--calls", str(number)]
    return callgrind(command, env=env, cwd=REPO, out_file=out_file)


def callgrind(
    command: list[str], *, env: dict[str, str], cwd: str, out_file: str = "/dev/null"
) -> int:
    """The instructions `command` runs, counted by callgrind (also used by `cold_start.py`)."""
    out = subprocess.run(
        ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out_file}", *command],
        capture_output=True, text=True, check=True, env=env, cwd=cwd,
    )  # fmt: skip
    found = re.search(r"Collected : (\d+)", out.stderr)
    if found is None:
        raise SystemExit(f"no instruction count from valgrind:\n{out.stderr[-2000:]}")
    return int(found.group(1))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", choices=["order", "send", "cases", "all"], default="all")
    parser.add_argument("--repo", default=REPO, help="the checkout whose cases to count (cases)")
    parser.add_argument("--number", type=int, default=1000)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--json", default="bench/instructions.json")
    parser.add_argument("--keep", default=None)
    parser.add_argument("--stage", help=argparse.SUPPRESS)
    parser.add_argument("--calls", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stage is not None:
        run_stage(args.stage, args.calls)
        return 0
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not on PATH (Debian: apt-get install valgrind)")
    if args.keep:
        os.makedirs(args.keep, exist_ok=True)
    labels: dict[str, str] = {}
    if args.suite in ("order", "all"):
        labels |= ORDER
    if args.suite in ("send", "all"):
        labels |= {f"send:{key}": label for key, label in send_labels().items()}
    if args.suite == "cases":
        labels |= case_labels(os.path.abspath(args.repo))
    repo = os.path.abspath(args.repo) if args.suite == "cases" else REPO
    jobs = [(key, n) for key in labels for n in (0, args.number)]
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        counts = dict(
            zip(
                jobs,
                pool.map(lambda job: count(job[0], job[1], args.keep, repo), jobs),
                strict=True,
            )
        )
    per_call = {key: (counts[key, args.number] - counts[key, 0]) / args.number for key in labels}
    floors = {"order": per_call.get("floor_a"), "send": per_call.get("send:floor")}
    if args.suite == "cases":
        floors["order"] = None
    print(f"{'stage':56} {'instructions':>12} {'x floor':>8}")
    for key, value in per_call.items():
        floor = floors["send" if key.startswith("send:") else "order"]
        ratio = f"{value / floor:8.1f}" if floor else ""
        print(f"{labels[key]:56} {value:12,.0f} {ratio}")
    with open(args.json, "w") as handle:
        json.dump({"python": sys.version.split()[0], "number": args.number, "repo": repo,
                   "labels": labels, "instructions": per_call}, handle, indent=1)  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

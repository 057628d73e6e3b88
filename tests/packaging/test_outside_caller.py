"""The package as a strictly typed caller outside the repository sees it.

Installed as the README says (`pip install -e '.[dev]'`), the environment's mypy, run in a project
of its own in a temporary directory, finds `momentum` and its types: a correct caller passes and a
caller with a type error fails. The install is a plain path entry (what type checkers follow), the
metadata carries the distribution name and console script, and the wheel ships the data files.
"""

import json
import os
import subprocess
import sys
import zipfile
from importlib import metadata
from pathlib import Path

import pytest

import momentum

REPO = Path(__file__).resolve().parents[2]
DIST = "momentum-kraken"
TIMEOUT_S = 300  # a cold mypy run over momentum.api and its dependencies takes seconds, not minutes

MYPY_INI = """\
[mypy]
strict = True
warn_unreachable = True
plugins = returns.contrib.mypy.returns_plugin
"""

CALLER = """\
from datetime import UTC, datetime
from decimal import Decimal

from returns.result import Failure, Success

from momentum.api import Context, Knobs, LimitOrder, build_add_order_json


def entry(now: datetime) -> bytes | None:
    order = LimitOrder(symbol="BTC/USD", side="buy", qty={qty}, limit_price=Decimal("28440"))
    context = Context(knobs=Knobs(entry_max_notional=Decimal("50")), now=now)
    match build_add_order_json(order, context, token="G38a1t"):
        case Success(bytes() as message):
            return message
        case Failure(tuple() as problems):
            for problem in problems:
                print(problem.render())
            return None
        case _:
            return None


print(entry(datetime.now(UTC)))
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A caller's project outside the repository, with its own strict mypy.ini and cache."""
    root = tmp_path_factory.mktemp("outside_caller")
    assert not root.resolve().is_relative_to(REPO)
    (root / "mypy.ini").write_text(MYPY_INI)
    return root


def mypy(project: Path, caller: str) -> subprocess.CompletedProcess[str]:
    """The environment's mypy on `caller` in `project`: the working directory is the project, and
    neither PYTHONPATH nor MYPYPATH points anywhere, so `momentum` comes from the install only."""
    (project / "caller.py").write_text(caller)
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "MYPYPATH"}}
    cache = str(project / ".mypy_cache")
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--config-file",
            "mypy.ini",
            "--cache-dir",
            cache,
            "caller.py",
        ],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=False,
    )


def test_a_strict_caller_outside_the_repository_type_checks(project: Path) -> None:
    run = mypy(project, CALLER.format(qty='Decimal("0.001")'))
    assert (run.returncode, run.stderr) == (0, ""), run.stdout
    assert run.stdout.startswith("Success"), run.stdout
    ran = subprocess.run(
        [sys.executable, "caller.py"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=True,
    )
    assert ran.stdout.startswith("""b'{"method":"add_order","params":{"token":"G38a1t",""")


def test_a_type_error_in_the_caller_fails_the_check(project: Path) -> None:
    run = mypy(project, CALLER.format(qty="0.001"))  # a float, where the intent takes a Decimal
    assert run.returncode == 1, run.stdout + run.stderr
    assert 'Argument "qty" to "LimitOrder" has incompatible type "float"' in run.stdout
    assert "Found 1 error in 1 file" in run.stdout
    assert "import-not-found" not in run.stdout


def test_the_editable_install_is_a_plain_path_entry() -> None:
    """Type checkers follow a directory named in a .pth file, never an import hook run by one."""
    dist = metadata.distribution(DIST)
    direct_url = json.loads(dist.read_text("direct_url.json") or "{}")
    if not direct_url.get("dir_info", {}).get("editable", False):
        pytest.skip(f"{DIST} is not installed editable here")
    pth = [file for file in dist.files or [] if file.suffix == ".pth"]
    assert pth, f"{DIST} installed editable without a .pth file"
    for file in pth:
        lines = [line for line in (file.read_text() or "").splitlines() if line.strip()]
        assert lines, file
        assert not [line for line in lines if line.startswith("import")], (file, lines)
        assert REPO in [Path(line).resolve() for line in lines], (file, lines)


def test_the_installed_metadata_names_the_distribution_version_and_script() -> None:
    dist = metadata.distribution(DIST)
    assert dist.metadata["Name"] == DIST
    assert dist.version == momentum.__version__
    (probe,) = [ep for ep in dist.entry_points if ep.name == "momentum-probe"]
    assert (probe.group, probe.value) == (
        "console_scripts",
        "momentum.scripts.ws_payload_probe:run",
    )
    assert callable(probe.load())


def test_the_wheel_ships_the_typing_marker_and_the_data_files(tmp_path: Path) -> None:
    built = subprocess.run(
        [sys.executable, "-m", "hatchling", "build", "--target", "wheel", "--directory", tmp_path],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=False,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    (wheel,) = tmp_path.glob("momentum_kraken-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = {name for name in names if not name.endswith(".py")}
    package = {
        path.relative_to(REPO).as_posix()
        for path in (REPO / "momentum").rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }
    assert "momentum/py.typed" in names
    for pattern in ("models/data/*.json", "sim/data/*.txt"):
        files = {path.relative_to(REPO).as_posix() for path in (REPO / "momentum").glob(pattern)}
        assert files, pattern
        assert files <= shipped, files - shipped
    assert package <= names, package - names
    assert {name.split("/")[0] for name in names} == {
        "momentum",
        f"momentum_kraken-{momentum.__version__}.dist-info",
    }

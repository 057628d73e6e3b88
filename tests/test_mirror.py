"""Tests mirror the modules: tests/utils/test_safety.py tests momentum/utils/safety.py."""

from pathlib import Path

TESTS = Path(__file__).resolve().parent
PACKAGE = TESTS.parent / "momentum"

# Not mirrors: the house rules and this file, README and typing checks, the built wheel, and the
# simulator's tests (by behaviour of the whole server). A room still being built elsewhere is
# checked once its package exists.
EXEMPT_FILES = ("test_layout.py", "test_mirror.py")
EXEMPT_FOLDERS = ("typing", "packaging", "sim")
ROOMS_IN_PROGRESS = ("session",)


def unmirrored(tests: Path, package: Path) -> list[str]:
    """Every test file under `tests` that names no module at the mirrored path under `package`."""
    found: list[str] = []
    for test in sorted(tests.rglob("test_*.py")):
        relative = test.relative_to(tests)
        folders, name = relative.parts[:-1], relative.name
        if (not folders and name in EXEMPT_FILES) or (folders and folders[0] in EXEMPT_FOLDERS):
            continue
        if folders and folders[0] in ROOMS_IN_PROGRESS and not (package / folders[0]).is_dir():
            continue
        module = package.joinpath(*folders, name.removeprefix("test_"))
        if not module.is_file():
            found.append(
                f"{tests.name}/{relative.as_posix()}: no {package.name}/"
                f"{module.relative_to(package).as_posix()}"
            )
    return found


def test_every_test_file_names_a_module_that_exists() -> None:
    assert unmirrored(TESTS, PACKAGE) == []


def test_a_test_file_named_after_no_module_is_reported(tmp_path: Path) -> None:
    tests, package = tmp_path / "tests", tmp_path / "momentum"
    for path in (
        "tests/utils/test_safety.py",  # mirrors momentum/utils/safety.py
        "tests/utils/test_texts_and_edges.py",  # named after a run, not a module
        "tests/exchange/kraken/test_made_up.py",
        "tests/test_layout.py",
        "tests/sim/test_lifecycle.py",
        "tests/session/test_loop.py",  # no momentum/session yet: not checked
        "momentum/utils/safety.py",
        "momentum/exchange/kraken/ws_v2_check.py",
    ):
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text("")
    assert unmirrored(tests, package) == [
        "tests/exchange/kraken/test_made_up.py: no momentum/exchange/kraken/made_up.py",
        "tests/utils/test_texts_and_edges.py: no momentum/utils/texts_and_edges.py",
    ]
    (package / "session").mkdir()
    assert "tests/session/test_loop.py: no momentum/session/loop.py" in unmirrored(tests, package)

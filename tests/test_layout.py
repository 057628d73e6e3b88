"""The plan of the house: folders are the flow and nothing imports upward.

models -> utils -> exchange -> the tools' pure cores (probe, session, bracket) -> scripts (shells).
`errors` is the ground floor every room may use; `api` is the bot's door and no tool goes
through it; the simulator is a separate building that uses none of the rooms.
"""

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "momentum"

# The floor of each room; a module may import its own floor and the floors below it.
FLOORS = {
    "momentum.errors": 0,
    "momentum.models": 1,
    "momentum.utils": 2,
    "momentum.exchange": 3,
    "momentum.probe": 4,
    "momentum.session": 4,
    "momentum.bracket": 5,
    "momentum.scripts": 6,
    "momentum.api": 7,
}


def modules() -> Iterator[tuple[str, Path]]:
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        yield name, path


def imports(path: Path) -> set[str]:
    """The momentum modules a file imports, at any depth of its code (`from package import
    module` counts as the module)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("momentum"):
            for alias in node.names:
                submodule = f"{node.module}.{alias.name}"
                found.add(submodule if submodule in MODULES else node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("momentum"))
    return found


MODULES = {name for name, _ in modules()}


def floor(module: str) -> int | None:
    return next(
        (
            level
            for room, level in FLOORS.items()
            if module == room or module.startswith(room + ".")
        ),
        None,
    )


ROOMS = [(name, path) for name, path in modules() if floor(name) is not None]


@pytest.mark.parametrize(("name", "path"), ROOMS, ids=[name for name, _ in ROOMS])
def test_nothing_imports_upward(name: str, path: Path) -> None:
    level = floor(name)
    assert level is not None
    upward = sorted(m for m in imports(path) if (floor(m) or 0) > level)
    assert upward == [], f"{name} imports from a floor above its own"


@pytest.mark.parametrize("room", ["momentum.models", "momentum.utils"])
def test_models_and_rules_import_no_wire_form_probe_or_shell(room: str) -> None:
    above = ("momentum.exchange", "momentum.probe", "momentum.scripts", "momentum.session")
    offending = {
        name: sorted(m for m in imports(path) if m.startswith(above))
        for name, path in modules()
        if name.startswith(room)
    }
    assert {name: found for name, found in offending.items() if found} == {}


def test_no_tool_goes_through_the_bots_door() -> None:
    users = [name for name, path in modules() if "momentum.api" in imports(path)]
    assert users == []


def test_the_simulator_uses_none_of_the_rooms() -> None:
    leaks = {
        name: sorted(m for m in imports(path) if not m.startswith("momentum.sim"))
        for name, path in modules()
        if name.startswith("momentum.sim")
    }
    assert {name: found for name, found in leaks.items() if found} == {}


def test_there_is_no_import_cycle() -> None:
    graph = {name: {m for m in imports(path) if m != name} for name, path in modules()}
    known = set(graph)
    state: dict[str, int] = {}  # 1 on the path, 2 done

    def visit(node: str, path: list[str]) -> list[str] | None:
        state[node] = 1
        for target in sorted(graph.get(node, set()) & known):
            if state.get(target) == 1:
                return [*path, node, target]
            if target not in state and (cycle := visit(target, [*path, node])):
                return cycle
        state[node] = 2
        return None

    for start in sorted(known):
        if start not in state:
            assert visit(start, []) is None


def test_the_rule_can_fail() -> None:
    """The checker itself: an upward import is seen."""
    assert floor("momentum.utils.safety") == 2
    assert (floor("momentum.exchange.kraken.instruments") or 0) > 2

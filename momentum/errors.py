"""The closed set of problems the core reports, split by who must act.

* `InputInvalid`: a field of the order (or a probe flag) is wrong. Exit 2.
* `KnobInvalid`: a tunable in the environment or `.env_meanrev` is wrong. Exit 2.
* `GuardRefused`: the request is well formed but a safety guard refuses it. Exit 3.

No problem carries a token, a key or any value read from `.env`: the core never sees them.

>>> GuardRefused(guard="ENTRY_MAX_NOTIONAL", figures="0.001 x 28440 = 28.44 USD > cap 10 USD",
...              remedy="raise ENTRY_MAX_NOTIONAL to at least 28.44 or lower the quantity").render()
'ENTRY_MAX_NOTIONAL refused: 0.001 x 28440 = 28.44 USD > cap 10 USD; raise ENTRY_MAX_NOTIONAL to at least 28.44 or lower the quantity'
"""

import re
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Final, Literal, TypeVar, assert_never

import msgspec
from returns.result import Failure, Result

__all__ = [
    "BelowMinimum",
    "CostBelowMinimum",
    "Detail",
    "GuardName",
    "GuardRefused",
    "InputInvalid",
    "KnobInvalid",
    "Notional",
    "OffGrid",
    "OrderProblem",
    "Problem",
    "TooPrecise",
    "exit_code",
    "gather",
    "named",
    "render",
    "render_all",
    "show",
]

GuardName = Literal["ENTRY_MAX_NOTIONAL", "ONE_POSITION_ONLY", "ABS_LIMIT_REQUIRED", "ALLOW_LIVE"]

_SHOWN_CHARS = 40
# A field of the request named in a remedy's prose: `ref_price`, `close.limit_price`.
_FIELD: Final = re.compile(r"`([A-Za-z_][\w.\[\]]*)`")


def named(text: str, names: Mapping[str, str] | None = None) -> str:
    """Prose whose field names (in backticks) are shown as `names` says, else as they are: the
    core names intent fields, and a shell that took flags renames them to its flags.

    >>> named("give a reference price (`ref_price`)"), named("(`ref_price`)", {"ref_price": "--ref_price"})
    ('give a reference price (ref_price)', '(--ref_price)')
    """
    return _FIELD.sub(lambda found: (names or {}).get(found.group(1), found.group(1)), text)


def show(value: object) -> str:
    """Quote a given value for an error message, cut to a readable length.

    >>> show("abc")
    "'abc'"
    >>> show("x" * 50)
    "'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...' (50 chars)"
    """
    text = value if isinstance(value, str) else str(value)
    if len(text) <= _SHOWN_CHARS:
        return repr(text)
    return f"{text[:_SHOWN_CHARS] + '...'!r} ({len(text)} chars)"


# --- figures a program can act on, beside the prose -------------------------------------------


class _Detail(msgspec.Struct, frozen=True, kw_only=True, tag_field="kind"):
    """Base: `kind` is the msgspec tag. A detail carries a refusal's figures as typed values, so
    a bot can shrink or move an order without parsing the rendered line."""


class OffGrid(_Detail, frozen=True, kw_only=True, tag="off_grid"):
    """A price or quantity between two steps of the pair's grid: the valid values either side.

    `below` is `None` where the step below is not a valid value (zero, or under the minimum)."""

    value: Decimal
    step: Decimal
    below: Decimal | None
    above: Decimal


class TooPrecise(_Detail, frozen=True, kw_only=True, tag="too_precise"):
    """More decimals than the pair takes."""

    value: Decimal
    decimals: int


class BelowMinimum(_Detail, frozen=True, kw_only=True, tag="below_minimum"):
    """A quantity under the pair's minimum (`qty_min`)."""

    value: Decimal
    minimum: Decimal


class CostBelowMinimum(_Detail, frozen=True, kw_only=True, tag="cost_below_minimum"):
    """qty x price under the pair's `cost_min`: `least_qty` is the smallest quantity that passes
    at this price, on the lot step."""

    cost: Decimal
    minimum: Decimal
    least_qty: Decimal


class Notional(_Detail, frozen=True, kw_only=True, tag="notional"):
    """`ENTRY_MAX_NOTIONAL`'s figures, in the cap's currency (`NOTIONAL_CCY`).

    `max_qty` is the largest quantity of the refused leg that would pass at its price (down to the
    pair's lot step where the pair is known); `None` where no one quantity decides (a batch or a
    bracket total, a cash amount over the cap by itself)."""

    notional: Decimal
    cap: Decimal
    currency: str
    max_qty: Decimal | None


Detail = OffGrid | TooPrecise | BelowMinimum | CostBelowMinimum | Notional
"""The typed figures a problem may carry (`detail`): refusals a program can act on."""


# --- problems ------------------------------------------------------------------------------------


class _Problem(msgspec.Struct, frozen=True, kw_only=True, tag_field="code"):
    """Base: `code` is the msgspec tag, so a problem list encodes and decodes as JSON."""


class InputInvalid(_Problem, frozen=True, kw_only=True, tag="input_invalid"):
    """A field of the request is wrong: which one, what was given, what would be accepted."""

    field: str  # the intent's field path (`qty`, `close.trigger_price`) or a probe flag (`--qty`)
    given: str  # already quoted with `show`, or a description such as "missing"
    accepted: str
    detail: OffGrid | TooPrecise | BelowMinimum | CostBelowMinimum | None = None

    def render(self) -> str:
        return f"{self.field}: {self.given}; use {named(self.accepted)}"


class KnobInvalid(_Problem, frozen=True, kw_only=True, tag="knob_invalid"):
    """A tunable is wrong: which knob, where it came from, what was given, what is accepted."""

    knob: str
    source: str  # "environment", the knob file's path, or "--env-file"
    given: str
    accepted: str

    def render(self) -> str:
        return f"{self.knob} (from {self.source}): {self.given}; use {self.accepted}"


class GuardRefused(_Problem, frozen=True, kw_only=True, tag="guard_refused"):
    """A safety guard refuses: named as its knob, with the figures and the change that would pass."""

    guard: GuardName
    figures: str
    remedy: str
    detail: Notional | None = None

    def render(self) -> str:
        return f"{self.guard} refused: {self.figures}; {named(self.remedy)}"


Problem = InputInvalid | KnobInvalid | GuardRefused
"""Every problem the core reports."""

OrderProblem = InputInvalid | GuardRefused
"""What a builder can answer: no knob can be wrong once the caller holds `Knobs`."""

_P = TypeVar("_P", bound=Problem)
_S = TypeVar("_S")
_F = TypeVar("_F")


def _partition(results: Iterable[Result[_S, _F]]) -> tuple[list[_S], list[_F]]:
    """The successes' values and the failures' errors, each in order (as `returns.methods`'
    `partition`, kept here: importing `returns.methods` loads most of `returns`, about 13 ms of
    every tool's start, for these few lines).

    >>> from returns.result import Success
    >>> _partition([Success(1), Failure("a"), Success(3), Failure("b")])
    ([1, 3], ['a', 'b'])
    """
    successes: list[_S] = []
    failures: list[_F] = []
    for result in results:
        if isinstance(result, Failure):
            failures.append(result.failure())
        else:
            successes.append(result.unwrap())
    return successes, failures


def gather(*results: Result[object, tuple[_P, ...]]) -> tuple[_P, ...]:
    """Every problem of several results, in order (`_partition`, keeping the failures):
    how independent steps report everything at once.

    >>> from returns.result import Failure, Success
    >>> [p.field for p in gather(Success(1), Failure((InputInvalid(field="a", given="", accepted=""),)))]
    ['a']
    """
    _, failures = _partition(results)
    return tuple(problem for found in failures for problem in found)


def render(problem: Problem) -> str:
    """One line for stderr."""
    match problem:
        case InputInvalid() | KnobInvalid() | GuardRefused():
            return problem.render()
        case _:
            assert_never(problem)


def render_all(problems: Iterable[Problem]) -> str:
    """Every problem, one line each for stderr, a problem given twice said once (the orders of
    a bracket share a quantity, so its problem may come from each).

    >>> twice = InputInvalid(field="--qty", given="0", accepted="more than 0")
    >>> render_all([twice, twice])
    '--qty: 0; use more than 0\\n'
    """
    return "".join(render(problem) + "\n" for problem in dict.fromkeys(problems))


def exit_code(problems: Sequence[Problem]) -> int:
    """2 when anything must be fixed by the caller, else 3 when only guards refused (0 if none).

    >>> exit_code([])
    0
    >>> exit_code([GuardRefused(guard="ALLOW_LIVE", figures="f", remedy="r")])
    3
    >>> exit_code([GuardRefused(guard="ALLOW_LIVE", figures="f", remedy="r"),
    ...            InputInvalid(field="--qty", given="'x'", accepted="a number")])
    2
    """
    code = 0
    for problem in problems:
        match problem:
            case InputInvalid() | KnobInvalid():
                return 2
            case GuardRefused():
                code = 3
            case _:
                assert_never(problem)
    return code

"""What a one-shot send ended as: the document for stdout, the lines for stderr, the exit code.
Pure; `momentum-send` prints what this decides.

Exit codes: **0** the exchange accepted it (or reconciliation found an unanswered live add);
**3** a local guard refused it (nothing sent); **4** the exchange rejected it; **5** the outcome is
unknown after reconciliation; **6** nothing was sent (token refused, no connection, exchange not
online, or the session stopped before it went out). Input problems (exit 2) are decided before a
session starts.

>>> from momentum.session.core import NotSent
>>> report((NotSent(req_id=1, reason="no usable connection in time (maintenance)"),)).code
6
"""

from collections.abc import Sequence
from typing import Final

import msgspec

from momentum.errors import exit_code, render
from momentum.session.core import Answered, NotSent, OutcomeUnknown, Refused, Resolved

__all__ = ["SendReport", "report"]

_ENCODER: Final = msgspec.json.Encoder()


class SendReport(msgspec.Struct, frozen=True, kw_only=True):
    """The stdout document (or nothing), the stderr lines, and the exit code."""

    stdout: bytes
    stderr: tuple[str, ...]
    code: int


def report(
    outcomes: Sequence[Answered | OutcomeUnknown | Resolved | NotSent | Refused],
) -> SendReport:
    """The report of one request's outcome events (as `LiveSession.outcome` gives them)."""
    final = next(
        (event for event in reversed(outcomes) if not isinstance(event, OutcomeUnknown)), None
    )
    resolved = [event for event in outcomes if isinstance(event, Resolved)]
    match final:
        case Answered(answer=answer):
            document = _ENCODER.encode(answer)
            if answer.success:
                return SendReport(stdout=document, stderr=(), code=0)
            error = answer.error or "no error text"
            return SendReport(
                stdout=document, stderr=(f"rejected by the exchange: {error}",), code=4
            )
        case Resolved():
            return _resolved(resolved)
        case NotSent(reason=reason):
            return SendReport(stdout=b"", stderr=(f"nothing was sent: {reason}",), code=6)
        case Refused(problems=problems):
            return SendReport(stdout=b"", stderr=tuple(render(p) for p in problems),
                              code=exit_code(problems))  # fmt: skip
        case None:
            unknown = [event for event in outcomes if isinstance(event, OutcomeUnknown)]
            ids = ", ".join(cl for event in unknown for cl in event.cl_ord_ids) or "none"
            reason = unknown[-1].reason if unknown else "no outcome arrived"
            return SendReport(stdout=b"", stderr=(
                f"outcome unknown ({reason}); reconciliation did not finish: check your open and "
                f"closed orders for cl_ord_id {ids} before sending again",
            ), code=5)  # fmt: skip


def _resolved(found: Sequence[Resolved]) -> SendReport:
    document = _ENCODER.encode({"reconciled": [msgspec.structs.asdict(event) for event in found]})
    lines: list[str] = []
    code = 0
    for event in found:
        match event.found:
            case "open" | "filled" | "done":
                lines.append(f"no answer came, but cl_ord_id {event.cl_ord_id} is {event.found} "
                             f"(order {event.order_id}, filled {event.cum_qty})")  # fmt: skip
            case "absent":
                code = 5
                lines.append(f"outcome unknown: cl_ord_id {event.cl_ord_id} is neither open nor among "
                             "the last trades; it was never placed, or closed without a fill (an "
                             "ioc or a cancel): check your closed orders before sending again")  # fmt: skip
            case "validate_only":
                code = 5
                lines.append("the answer was lost; it was validate only, so nothing was placed: "
                             "send it again to see the validation result")  # fmt: skip
            case "unknown":
                code = 5
                lines.append("the answer to this amend or cancel was lost: check the order's state "
                             "before sending it again")  # fmt: skip
    return SendReport(stdout=document, stderr=tuple(lines), code=code)

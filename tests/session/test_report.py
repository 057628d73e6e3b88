"""What a one-shot send ends as (momentum/session/report.py): each outcome's exit code, and the
rule `momentum-send` leans on when its wait runs out: once the session is stopped, a request it
never sent reads "nothing was sent" (6) and one it sent and heard nothing of reads unknown (5)."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import msgspec

from momentum.exchange.kraken.rest.auth import TokenGrant
from momentum.exchange.kraken.ws_v2_messages import AddOrder
from momentum.exchange.kraken.ws_v2_payloads import build_add_order
from momentum.models.context import Context, Knobs
from momentum.models.intent import LimitOrder
from momentum.models.secret import Secret
from momentum.session.core import (
    Connected,
    Input,
    NotSent,
    OutcomeUnknown,
    Output,
    Received,
    Resolved,
    SessionConfig,
    Stop,
    Submit,
    TokenMinted,
    start,
    step,
)
from momentum.session.report import report

T0 = datetime(2026, 12, 1, 9, 0, 0, tzinfo=UTC)
CONTEXT = Context(
    knobs=Knobs(entry_max_notional=Decimal("1000"), allow_live=True),
    now=T0,
    instruments="unchecked",
    live=True,
)
STATUS = (
    b'{"channel":"status","type":"update","data":[{"api_version":"v2","connection_id":1,'
    b'"system":"online","version":"2.0.0"}]}'
)


def add() -> AddOrder:
    order = LimitOrder(
        symbol="BTC/USD", side="buy", qty=Decimal("0.001"), limit_price=Decimal("28440")
    )
    built = build_add_order(order, CONTEXT).unwrap()
    assert isinstance(built, AddOrder)
    return built


def outcomes_after_stop(*inputs: Input) -> list[NotSent | OutcomeUnknown | Resolved]:
    """Submit one add at T0, feed `inputs`, stop at T0 + 1 s: the request's outcome events."""
    session = start(SessionConfig(context=CONTEXT), T0, "bot1")
    told: list[Output] = []
    for event in (
        Submit(ref=1, request=add(), now=T0),
        *inputs,
        Stop(now=T0 + timedelta(seconds=1)),
    ):
        session, caused = step(session, event)
        told.extend(caused)
    return [o for o in told if isinstance(o, NotSent | OutcomeUnknown | Resolved)]


def resolved(found: str, cum_qty: str | None = "0.001") -> Resolved:
    return msgspec.convert(
        {"req_id": 1, "cl_ord_id": "bot1-1", "found": found, "order_id": "O1",
         "cum_qty": cum_qty},
        Resolved,
    )  # fmt: skip


def test_a_request_the_session_never_sent_reads_nothing_was_sent_once_it_is_stopped() -> None:
    told = outcomes_after_stop()  # no token ever came: still queued when stopped
    assert told == [NotSent(req_id=1, reason="the session stopped")]
    outcome = report(told)
    assert (outcome.code, outcome.stderr) == (6, ("nothing was sent: the session stopped",))


def test_a_request_sent_and_not_answered_reads_unknown_once_it_is_stopped() -> None:
    grant = TokenGrant(token=Secret("t"), expires=900)
    told = outcomes_after_stop(
        TokenMinted(grant=grant, now=T0),
        Connected(now=T0),
        Received(data=STATUS, now=T0),
        Received(data=b'{"method":"subscribe","req_id":2,"success":true,'
                 b'"result":{"channel":"executions"}}', now=T0),
        Received(data=b'{"channel":"executions","type":"snapshot","data":[],"sequence":1}',
                 now=T0),
    )  # fmt: skip
    assert [type(o).__name__ for o in told] == ["OutcomeUnknown"]
    assert report(told).code == 5


def test_an_unanswered_add_found_filled_or_open_or_done_exits_0() -> None:
    codes = [report((resolved(found),)).code for found in ("filled", "open", "done")]
    assert codes == [0, 0, 0]


def test_an_unanswered_add_found_absent_exits_5() -> None:
    assert report((resolved("absent", None),)).code == 5

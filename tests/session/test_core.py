"""The session core from recorded frames (Kraken's documented shapes): connecting, checking,
sending, matching answers, timeouts, drops, reconciliation, status, tokens, the rate counter
(with the threshold the exchange announces and the margin for requests on their way); and the
law that no add is ever sent twice and every add ends known or reported unknown."""

import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import msgspec
from hypothesis import given
from hypothesis import strategies as st

from momentum.exchange.kraken.rest.auth import TokenGrant
from momentum.exchange.kraken.ws_v2_check import Beside
from momentum.exchange.kraken.ws_v2_messages import AddOrder, CancelOrder, CancelOrderParams
from momentum.exchange.kraken.ws_v2_payloads import build_add_order
from momentum.exchange.kraken.ws_v2_requests import build_batch_add
from momentum.models.context import Context, Knobs
from momentum.models.intent import LimitOrder, StopLossLimitClose
from momentum.models.secret import Secret
from momentum.session.core import (
    Answered,
    CloseSocket,
    Connected,
    ConnectionLost,
    Disconnected,
    Held,
    Input,
    MintToken,
    NotSent,
    OpenSocket,
    OrderUpdate,
    OutcomeUnknown,
    Output,
    Ready,
    Received,
    Refused,
    Resolved,
    SendFrame,
    Sent,
    Session,
    SessionConfig,
    Stop,
    Submit,
    Submitted,
    Tick,
    TokenFailed,
    TokenMinted,
    check_request,
    next_deadline,
    start,
    step,
)
from momentum.session.orders import Missing, Unmatched
from momentum.session.rate import LIMITS

T0 = datetime(2026, 12, 1, 9, 0, 0, tzinfo=UTC)
TOKEN = "G38a1tGFzqGiUCmnegBcm8d4nfP3tytiNQz6tkCBYXY"  # the docs' dummy token
KNOBS = Knobs(entry_max_notional=Decimal("1000"), allow_live=True)
CONTEXT = Context(knobs=KNOBS, now=T0, instruments="unchecked")
CONFIG = SessionConfig(context=CONTEXT)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def add(*, validate: bool = False, **changes: Any) -> AddOrder:
    order = LimitOrder(symbol="BTC/USD", side="buy", qty=Decimal("0.001"),
                       limit_price=Decimal("28440"), **changes)  # fmt: skip
    ctx = msgspec.structs.replace(CONTEXT, live=not validate)
    return build_add_order(order, ctx).unwrap()


def run(session: Session, *inputs: Input) -> tuple[Session, list[Output]]:
    outputs: list[Output] = []
    for event in inputs:
        session, caused = step(session, event)
        outputs.extend(caused)
    return session, outputs


def frames(outputs: Sequence[Output]) -> list[Any]:
    return [json.loads(o.data) for o in outputs if isinstance(o, SendFrame)]


def of(kind: type[Any], outputs: Sequence[Output]) -> list[Any]:
    return [o for o in outputs if isinstance(o, kind)]


def received(document: Any, seconds: float) -> Received:
    return Received(data=json.dumps(document).encode(), now=at(seconds))


STATUS: dict[str, Any] = {"channel": "status", "type": "update",
          "data": [{"api_version": "v2", "connection_id": 1, "system": "online", "version": "2.0.0"}]}  # fmt: skip


def status(system: str) -> dict[str, Any]:
    return {**STATUS, "data": [{**STATUS["data"][0], "system": system}]}


def ack(req_id: int, maxratecount: int | None = 125) -> dict[str, Any]:
    result: dict[str, Any] = {"channel": "executions", "snap_orders": True, "snap_trades": True}
    if maxratecount is not None:
        result["maxratecount"] = maxratecount
    return {"method": "subscribe", "req_id": req_id, "success": True, "result": result}


def snapshot(*reports: dict[str, Any], sequence: int = 1) -> dict[str, Any]:
    return {
        "channel": "executions",
        "type": "snapshot",
        "data": list(reports),
        "sequence": sequence,
    }


def answer(req_id: int, *, success: bool = True, cl_ord_id: str | None = None,
           error: str | None = None, order_id: str = "AA5JGQ-SBMRC-SCJ7J7") -> dict[str, Any]:  # fmt: skip
    if not success:
        return {"method": "add_order", "req_id": req_id, "success": False, "error": error,
                "time_in": "2023-09-21T14:15:07.197274Z", "time_out": "2023-09-21T14:15:07.205301Z"}  # fmt: skip
    result: dict[str, Any] = {"order_id": order_id}
    if cl_ord_id is not None:
        result["cl_ord_id"] = cl_ord_id
    return {"method": "add_order", "req_id": req_id, "result": result, "success": True,
            "time_in": "2023-09-21T14:15:07.197274Z", "time_out": "2023-09-21T14:15:07.205301Z"}  # fmt: skip


def open_report(order_id: str, cl_ord_id: str) -> dict[str, Any]:
    return {"order_id": order_id, "cl_ord_id": cl_ord_id, "symbol": "BTC/USD", "order_qty": 0.001,
            "exec_type": "pending_new", "order_status": "new", "side": "buy",
            "order_type": "limit", "limit_price": 28440, "cum_qty": 0}  # fmt: skip


def trade_report(order_id: str, cl_ord_id: str, exec_id: str, qty: float,
                 cum_qty: float) -> dict[str, Any]:  # fmt: skip
    """A snapshot trade as Kraken lists it: no `order_qty`, `partially_filled` even when full."""
    return {"order_id": order_id, "cl_ord_id": cl_ord_id, "exec_id": exec_id,
            "exec_type": "trade", "trade_id": 1, "symbol": "BTC/USD", "side": "buy",
            "last_qty": qty, "last_price": 28440, "order_type": "limit",
            "order_status": "partially_filled", "cum_qty": cum_qty,
            "timestamp": "2026-12-01T09:00:00.100000Z"}  # fmt: skip


def ready(
    session: Session,
    seconds: float = 0.0,
    *reports: dict[str, Any],
    maxratecount: int | None = 125,
) -> tuple[Session, list[Output]]:
    """Mint, connect, online, subscribe, snapshot (of `reports`): the session becomes ready."""
    session, out = run(
        session,
        TokenMinted(grant=TokenGrant(token=Secret(TOKEN), expires=900), now=at(seconds)),
        Connected(now=at(seconds)),
        received(STATUS, seconds),
    )
    subscribe = frames(out)[-1]
    session, more = run(session, received(ack(subscribe["req_id"], maxratecount), seconds),
                        received(snapshot(*reports), seconds))  # fmt: skip
    return session, out + more


def connected() -> Session:
    """A ready session (its subscribe took req_id 1, so the first request gets 2)."""
    session, _ = step(start(CONFIG, T0, "bot1"), _open())
    session, _ = ready(session)
    return session


def heartbeat(seconds: float) -> Received:
    return received({"channel": "heartbeat"}, seconds)


def _open() -> Input:
    from momentum.session.core import Open  # noqa: PLC0415 -- kept beside its one use

    return Open(now=T0)


class TestConnecting:
    def test_open_mints_a_token_first_then_opens_the_socket(self) -> None:
        session = start(CONFIG, T0, "bot1")
        session, out = step(session, _open())
        assert out == (MintToken(),)
        grant = TokenGrant(token=Secret(TOKEN), expires=900)
        session, out = step(session, TokenMinted(grant=grant, now=T0))
        assert out == (OpenSocket(),)

    def test_online_status_subscribes_to_executions_with_the_snapshot_and_the_token(self) -> None:
        session, out = run(start(CONFIG, T0, "bot1"), _open())
        session, out = run(session, TokenMinted(grant=TokenGrant(token=Secret(TOKEN), expires=900), now=T0),
                           Connected(now=T0), received(STATUS, 0))  # fmt: skip
        assert frames(out) == [{
            "method": "subscribe", "req_id": 1,
            "params": {"token": TOKEN, "channel": "executions", "snap_orders": True,
                       "snap_trades": True, "order_status": True, "ratecounter": False},
        }]  # fmt: skip

    def test_the_snapshot_after_the_ack_makes_the_session_ready(self) -> None:
        _, out = ready(run(start(CONFIG, T0, "bot1"), _open())[0])
        assert of(Ready, out) == [Ready(connection=1)]

    def test_each_new_connection_gets_the_next_number_in_ready_and_sent(self) -> None:
        session = connected()
        session, _ = step(session, Submit(ref=1, request=add(validate=True), now=at(0.1)))
        first = session.in_flight[0]
        session, _ = run(session, Disconnected(code=1006, reason="x", jitter=0.0, now=at(0.2)),
                         Tick(now=at(1)))  # fmt: skip
        session, out = ready(session, 1)
        session, more = step(session, Submit(ref=2, request=add(validate=True), now=at(1.1)))
        assert (first.connection, of(Ready, out), of(Sent, more)) == (
            1, [Ready(connection=2)], [Sent(req_id=4, connection=2)],
        )  # fmt: skip

    def test_a_socket_that_never_got_ready_still_uses_up_its_number(self) -> None:
        session, _ = step(start(CONFIG, T0, "bot1"), _open())
        session, _ = run(session, TokenMinted(grant=TokenGrant(token=Secret(TOKEN), expires=900),
                                              now=T0), Connected(now=T0),
                         Disconnected(code=1006, reason="x", jitter=0.0, now=at(0.1)),
                         Tick(now=at(1)))  # fmt: skip
        _, out = ready(session, 1)
        assert of(Ready, out) == [Ready(connection=2)]  # distinct from the socket that died


class TestSending:
    def test_a_request_submitted_before_the_connection_goes_out_once_ready(self) -> None:
        session, first = step(start(CONFIG, T0, "bot1"), Submit(ref=7, request=add(), now=T0))
        assert first == (Submitted(ref=7, req_id=1, cl_ord_ids=("bot1-1",)), MintToken())
        session, out = ready(session, 1)
        (sent,) = [f for f in frames(out) if f["method"] == "add_order"]
        assert sent["req_id"] == 1
        assert sent["params"]["token"] == TOKEN
        assert sent["params"]["cl_ord_id"] == "bot1-1"
        assert sent["params"]["deadline"] == "2026-12-01T09:00:06.000Z"  # re-stamped at send
        assert of(Sent, out) == [Sent(req_id=1, connection=1)]

    def test_a_request_sent_at_once_goes_out_exactly_as_it_was_checked(self) -> None:
        _, out = step(connected(), Submit(ref=1, request=add(), now=at(2)))
        (data,) = [o.data for o in out if isinstance(o, SendFrame)]
        sent = json.loads(data)
        assert sent["params"]["deadline"] == "2026-12-01T09:00:07.000Z"  # now + DEADLINE_MS
        assert data.startswith(b'{"method":"add_order","params":{"token":"' + TOKEN.encode())
        without = dict(sent, params={k: v for k, v in sent["params"].items() if k != "token"})
        assert check_request(add(), CONTEXT, Beside(), at(2)) == ()
        assert without["params"]["cl_ord_id"] == "bot1-1" and without["req_id"] == 2

    def test_a_refused_request_is_never_sent_and_opens_no_connection(self) -> None:
        order = LimitOrder(
            symbol="BTC/USD", side="buy", qty=Decimal("1"), limit_price=Decimal("28440")
        )
        big = build_add_order(order, msgspec.structs.replace(CONTEXT, knobs=Knobs(
            entry_max_notional=Decimal("1000000")))).unwrap()  # fmt: skip
        session, out = step(start(CONFIG, T0, "bot1"), Submit(ref=1, request=big, now=T0))
        (refused,) = out
        assert isinstance(refused, Refused)
        assert [p.render().split(" ")[0] for p in refused.problems] == ["ENTRY_MAX_NOTIONAL"]
        assert session.phase == "stopped"

    def test_no_cl_ord_id_is_added_beside_a_conditional_or_an_order_userref(self) -> None:
        stop = StopLossLimitClose(trigger_price=Decimal("28410"), limit_price=Decimal("28400"))
        session = connected()
        session, out = run(session, Submit(ref=1, request=add(close=stop), now=T0),
                           Submit(ref=2, request=add(order_userref=5), now=T0),
                           Submit(ref=3, request=add(cl_ord_id="mine"), now=T0))  # fmt: skip
        assert [f["params"].get("cl_ord_id") for f in frames(out)] == [None, None, "mine"]

    def test_req_ids_are_unique_and_signed_32_bit(self) -> None:
        session = msgspec.structs.replace(connected(), next_req_id=2**31 - 1)
        session, out = run(session, Submit(ref=1, request=add(), now=T0),
                           Submit(ref=2, request=add(), now=T0))  # fmt: skip
        assert [f["req_id"] for f in frames(out)] == [2**31 - 1, 1]


class TestAnswers:
    def sent(self, validate: bool = False) -> Session:
        session, _ = step(connected(), Submit(ref=1, request=add(validate=validate), now=T0))
        return session

    def test_an_answer_is_matched_by_its_req_id(self) -> None:
        session = self.sent()
        req_id = session.in_flight[0].req_id
        session, out = step(session, received(answer(req_id, cl_ord_id="bot1-1"), 0.1))
        (answered,) = of(Answered, out)
        assert (answered.req_id, answered.cl_ord_ids, answered.answer.success) == (
            req_id,
            ("bot1-1",),
            True,
        )
        assert session.in_flight == ()

    def test_an_answer_to_nothing_of_ours_changes_nothing(self) -> None:
        session = self.sent()
        after, out = step(session, received(answer(999), 0.1))
        assert of(Answered, out) == []
        assert after.in_flight == session.in_flight

    def test_no_answer_in_time_is_an_unknown_outcome_never_sent_again(self) -> None:
        session = self.sent()
        session, out = run(session, heartbeat(4.9), Tick(now=at(5.001)), heartbeat(29.9),
                           Tick(now=at(30)))  # fmt: skip
        (unknown,) = of(OutcomeUnknown, out)
        assert unknown.reason == "no answer in 5 s"
        assert [f for f in frames(out) if f["method"] == "add_order"] == []

    def test_a_late_answer_still_says_what_happened(self) -> None:
        session = self.sent()
        req_id = session.in_flight[0].req_id
        session, out = run(session, heartbeat(5.9), Tick(now=at(6)), received(answer(req_id), 6.5))
        assert [type(o).__name__ for o in out if isinstance(o, OutcomeUnknown | Answered)] == [
            "OutcomeUnknown", "Answered",
        ]  # fmt: skip
        assert session.unknown == ()

    def test_an_add_the_stream_already_shows_is_resolved_when_its_answer_times_out(self) -> None:
        session = self.sent()
        update = {"channel": "executions", "type": "update", "sequence": 2,
                  "data": [open_report("OK4GJX-KSTLS-7DZZO5", "bot1-1")]}  # fmt: skip
        session, shown = run(session, received(update, 0.1), heartbeat(4.9))
        assert of(Resolved, shown) == []  # in flight: the answer may still come
        session, out = step(session, Tick(now=at(5.001)))
        assert [type(o).__name__ for o in out] == ["OutcomeUnknown", "Resolved"]
        assert of(Resolved, out) == [Resolved(req_id=2, cl_ord_id="bot1-1", found="open",
                                              order_id="OK4GJX-KSTLS-7DZZO5", cum_qty=Decimal(0))]  # fmt: skip
        assert session.unknown == ()

    def test_an_add_the_stream_has_not_shown_stays_unknown_when_its_answer_times_out(
        self,
    ) -> None:
        session = self.sent()
        session, out = run(session, heartbeat(4.9), Tick(now=at(5.001)))
        assert [type(o).__name__ for o in out] == ["OutcomeUnknown"]
        assert [p.req_id for p in session.unknown] == [2]

    def test_a_batch_stays_unknown_at_the_timeout_until_the_stream_shows_every_order(
        self,
    ) -> None:
        orders = [LimitOrder(symbol="BTC/USD", side="buy", qty=Decimal("0.001"),
                             limit_price=Decimal(p)) for p in ("28440", "28430")]  # fmt: skip
        batch = build_batch_add(orders, msgspec.structs.replace(CONTEXT, live=True)).unwrap()
        session, _ = step(connected(), Submit(ref=1, request=batch, now=T0))
        assert session.in_flight[0].cl_ord_ids == ("bot1-1", "bot1-2")
        one = {"channel": "executions", "type": "update", "sequence": 2,
               "data": [open_report("O1", "bot1-1")]}  # fmt: skip
        session, out = run(session, received(one, 0.1), heartbeat(4.9), Tick(now=at(5.001)))
        assert of(Resolved, out) == []
        other = {**one, "sequence": 3, "data": [open_report("O2", "bot1-2")]}
        _, shown = step(session, received(other, 5.1))
        assert [(r.cl_ord_id, r.found) for r in of(Resolved, shown)] == [
            ("bot1-1", "open"), ("bot1-2", "open"),
        ]  # fmt: skip

    def test_an_unknown_add_is_resolved_as_soon_as_the_stream_shows_it(self) -> None:
        session = self.sent()
        session, _ = run(session, heartbeat(5.9), Tick(now=at(6)))
        update = {"channel": "executions", "type": "update", "sequence": 2,
                  "data": [open_report("OK4GJX-KSTLS-7DZZO5", "bot1-1")]}  # fmt: skip
        session, out = step(session, received(update, 6.1))
        assert of(Resolved, out) == [Resolved(req_id=2, cl_ord_id="bot1-1", found="open",
                                              order_id="OK4GJX-KSTLS-7DZZO5", cum_qty=Decimal(0))]  # fmt: skip

    def test_a_stale_token_answer_mints_a_new_one(self) -> None:
        session = self.sent()
        req_id = session.in_flight[0].req_id
        _, out = step(
            session, received(answer(req_id, success=False, error="EAPI:Invalid token"), 0.1)
        )
        assert out[0] == MintToken()
        assert of(Answered, out)[0].answer.error == "EAPI:Invalid token"


class TestDropsAndReconciliation:
    def dropped(self, *, validate: bool = False) -> tuple[Session, list[Output]]:
        session, _ = step(connected(), Submit(ref=1, request=add(validate=validate), now=T0))
        return run(session, Disconnected(code=1006, reason="closed", jitter=0.0, now=at(0.1)))

    def test_what_was_in_flight_when_the_connection_dropped_is_unknown(self) -> None:
        session, out = self.dropped()
        assert [type(o).__name__ for o in out] == ["OutcomeUnknown", "ConnectionLost"]
        assert of(ConnectionLost, out)[0].retry_at == at(0.1 + 0.25)  # 0.5 s x jitter 0.5
        assert session.token is None  # a fresh token for every connection

    def test_the_reconnect_waits_for_its_time_then_mints_a_fresh_token(self) -> None:
        session, _ = self.dropped()
        session, early = step(session, Tick(now=at(0.2)))
        session, due = step(session, Tick(now=at(0.35)))
        assert (early, due) == ((), (MintToken(),))

    def test_the_snapshot_resolves_an_unknown_add_that_is_open(self) -> None:
        resolved = of(Resolved, self.reconnected_with(open_report("OK4GJX-KSTLS-7DZZO5", "bot1-1")))
        assert resolved == [Resolved(req_id=2, cl_ord_id="bot1-1", found="open",
                                     order_id="OK4GJX-KSTLS-7DZZO5", cum_qty=Decimal(0))]  # fmt: skip

    def reconnected_with(self, *reports: dict[str, Any], validate: bool = False) -> list[Output]:
        session, _ = self.dropped(validate=validate)
        session, out = run(
            session, Tick(now=at(1)),
            TokenMinted(grant=TokenGrant(token=Secret(TOKEN), expires=900), now=at(1)),
            Connected(now=at(1)), received(STATUS, 1),
        )  # fmt: skip
        subscribe = frames(out)[-1]
        _, more = run(
            session, received(ack(subscribe["req_id"]), 1), received(snapshot(*reports), 1)
        )
        assert [f for f in frames(out + more) if f["method"] == "add_order"] == []  # never re-sent
        return out + more

    def test_an_unknown_add_missing_from_the_snapshot_is_absent(self) -> None:
        assert [r.found for r in of(Resolved, self.reconnected_with())] == ["absent"]

    def test_an_unknown_add_whose_trade_the_snapshot_shows_filled_is_resolved_filled(
        self,
    ) -> None:
        out = self.reconnected_with(trade_report("OFILL", "bot1-1", "T1", 0.001, 0.001))
        assert of(Resolved, out) == [Resolved(req_id=2, cl_ord_id="bot1-1", found="filled",
                                              order_id="OFILL", cum_qty=Decimal("0.001"))]  # fmt: skip
        assert [type(o.event).__name__ for o in of(OrderUpdate, out)] == [
            "Opened", "Filled", "Missing",
        ]  # taken into the book from its trade; not listed open: not open  # fmt: skip

    def test_trades_of_an_unknown_add_count_once_each_and_add_up(self) -> None:
        out = self.reconnected_with(
            trade_report("OFILL", "bot1-1", "T1", 0.0004, 0.0004),
            trade_report("OFILL", "bot1-1", "T1", 0.0004, 0.0004),  # replayed
            trade_report("OFILL", "bot1-1", "T2", 0.0006, 0.001),
        )
        assert [(r.found, r.cum_qty) for r in of(Resolved, out)] == [("filled", Decimal("0.001"))]

    def test_an_unknown_add_partly_filled_and_no_longer_open_is_done(self) -> None:
        out = self.reconnected_with(trade_report("OPART", "bot1-1", "T1", 0.0004, 0.0004))
        assert [(r.found, r.order_id, r.cum_qty) for r in of(Resolved, out)] == [
            ("done", "OPART", Decimal("0.0004")),
        ]  # fmt: skip

    def test_an_unknown_add_partly_filled_and_still_listed_open_is_open(self) -> None:
        entry = {**open_report("OPART", "bot1-1"), "order_status": "partially_filled",
                 "cum_qty": 0.0004}  # fmt: skip
        out = self.reconnected_with(entry, trade_report("OPART", "bot1-1", "T1", 0.0004, 0.0004))
        assert [(r.found, r.cum_qty) for r in of(Resolved, out)] == [("open", Decimal("0.0004"))]
        assert of(Missing, [o.event for o in of(OrderUpdate, out)]) == []

    def test_a_snapshot_trade_of_an_order_the_session_does_not_wait_on_stays_out(self) -> None:
        out = self.reconnected_with(trade_report("OTHER", "someone-1", "T9", 0.001, 0.001))
        assert [r.found for r in of(Resolved, out)] == ["absent"]
        (update,) = of(OrderUpdate, out)
        assert isinstance(update.event, Unmatched) and update.event.reason == "untracked_past_fill"

    def test_a_snapshot_trade_of_an_unknown_validate_only_add_is_not_taken_in(self) -> None:
        out = self.reconnected_with(trade_report("OV", "bot1-1", "T1", 0.001, 0.001),
                                    validate=True)  # fmt: skip
        assert [r.found for r in of(Resolved, out)] == ["validate_only"]
        assert [type(o.event).__name__ for o in of(OrderUpdate, out)] == ["Unmatched"]

    def test_an_add_the_stream_showed_before_the_drop_that_the_snapshot_lacks_is_not_open(
        self,
    ) -> None:
        def story(*reports: dict[str, Any]) -> list[Resolved]:
            session, _ = step(connected(), Submit(ref=1, request=add(), now=T0))
            update = {"channel": "executions", "type": "update", "sequence": 2,
                      "data": [open_report("OSEEN", "bot1-1")]}  # fmt: skip
            session, _ = run(session, received(update, 0.05),
                             Disconnected(code=1006, reason="x", jitter=0.0, now=at(0.1)),
                             Tick(now=at(1)))  # fmt: skip
            _, out = ready(session, 1, *reports)
            return of(Resolved, out)

        filled = story(trade_report("OSEEN", "bot1-1", "T1", 0.001, 0.001))
        gone = story()
        still = story(open_report("OSEEN", "bot1-1"))
        assert [(r.found, r.cum_qty) for r in (*filled, *gone, *still)] == [
            ("filled", Decimal("0.001")), ("done", Decimal(0)), ("open", Decimal(0)),
        ]  # fmt: skip

    def test_a_dropped_connections_unknown_waits_for_the_snapshot_though_the_book_shows_it(
        self,
    ) -> None:
        session, _ = step(connected(), Submit(ref=1, request=add(), now=T0))
        update = {"channel": "executions", "type": "update", "sequence": 2,
                  "data": [open_report("OSEEN", "bot1-1")]}  # fmt: skip
        session, out = run(session, received(update, 0.05),
                           Disconnected(code=1006, reason="x", jitter=0.0, now=at(0.1)),
                           Tick(now=at(0.2)), Tick(now=at(6)))  # fmt: skip
        assert (of(OutcomeUnknown, out)[0].cause, of(Resolved, out)) == ("connection_lost", [])

    def test_an_unknown_validate_only_add_placed_nothing(self) -> None:
        assert [r.found for r in of(Resolved, self.reconnected_with(validate=True))] == [
            "validate_only"
        ]

    def test_five_seconds_without_a_frame_mean_reconnect(self) -> None:
        session = connected()
        session, quiet = step(session, Tick(now=at(4.9)))
        session, out = step(session, Tick(now=at(5.1)))
        assert quiet == ()
        assert [type(o).__name__ for o in out] == ["CloseSocket", "ConnectionLost"]

    def test_a_gap_in_the_executions_sequence_means_resync(self) -> None:
        session = connected()
        update = {"channel": "executions", "type": "update", "sequence": 5, "data": []}
        _, out = step(session, received(update, 0.5))
        assert of(CloseSocket, out)[0].reason == "executions sequence jumped to 5"

    def test_backoff_doubles_with_jitter_and_keeps_a_floor(self) -> None:
        session = start(CONFIG, T0, "bot1")
        session, _ = step(session, _open())
        waits = []
        for attempt in range(5):
            session, out = step(
                session, TokenFailed(problems=(), jitter=1.0, now=at(attempt * 100))
            )
            (lost,) = of(ConnectionLost, out)
            waits.append((lost.retry_at - at(attempt * 100)).total_seconds())
            session, _ = step(session, Tick(now=lost.retry_at))
        assert waits == [0.5, 1.0, 5.0, 5.0, 8.0]


class TestStatus:
    def test_adds_wait_for_online_and_cancels_go_in_cancel_only(self) -> None:
        session, _ = step(connected(), received(status("cancel_only"), 0.1))
        cancel = CancelOrder(params=CancelOrderParams(order_id=["OK4GJX-KSTLS-7DZZO5"]))
        session, out = run(session, Submit(ref=1, request=add(), now=at(0.2)),
                           Submit(ref=2, request=cancel, now=at(0.2)))  # fmt: skip
        assert [f["method"] for f in frames(out)] == ["cancel_order"]
        session, online = step(session, received(STATUS, 0.3))
        assert [f["method"] for f in frames(online)] == ["add_order"]

    def test_nothing_goes_out_in_maintenance_and_a_request_gives_up_in_time(self) -> None:
        session, _ = step(connected(), received(status("maintenance"), 0.1))
        cancel = CancelOrder(params=CancelOrderParams(order_id=["OK4GJX-KSTLS-7DZZO5"]))
        session, out = run(session, Submit(ref=1, request=cancel, now=at(0.2)))
        assert frames(out) == []
        session, out = run(session, heartbeat(30.1), Tick(now=at(30.2)))
        assert of(NotSent, out) == [
            NotSent(req_id=2, reason="no usable connection in time (maintenance)")
        ]


class TestTokensAndRates:
    def test_the_token_is_refreshed_before_fifteen_minutes(self) -> None:
        session = connected()
        session, _ = step(session, received({"channel": "heartbeat"}, 599))
        session, before = step(session, Tick(now=at(599)))
        session, due = step(session, received({"channel": "heartbeat"}, 600))
        session, due = step(session, Tick(now=at(600)))
        assert (before, due) == ((), (MintToken(),))

    def test_a_request_over_the_rate_counter_is_held_then_sent(self) -> None:
        session = msgspec.structs.replace(connected(), rates=_rates_at(59.5))
        session, out = step(session, Submit(ref=1, request=add(), now=T0))
        (held,) = of(Held, out)
        assert frames(out) == []
        _, out = step(session, Tick(now=held.until))
        assert [f["method"] for f in frames(out)] == ["add_order"]

    def test_a_held_request_waits_the_decay_and_the_arrival_margin_to_the_microsecond(
        self,
    ) -> None:
        # 59.5 charged at T0 starts to decay at T0 + 1 s (the margin: the exchange counts it on
        # arrival); one more add fits once it is at 59, at T0 + 1.5 s
        session = msgspec.structs.replace(connected(), rates=_rates_at(59.5))
        session, out = step(session, Submit(ref=1, request=add(), now=T0))
        assert of(Held, out) == [Held(req_id=2, until=at(1.5))]
        session, early = step(session, Tick(now=at(1.5) - timedelta(microseconds=1)))
        _, due = step(session, Tick(now=at(1.5)))
        assert (early, [f["method"] for f in frames(due)]) == ((), ["add_order"])

    def test_the_threshold_the_ack_announces_wins_over_the_configured_tier(self) -> None:
        pro = msgspec.structs.replace(CONFIG, tier="pro")
        session, _ = step(start(pro, T0, "bot1"), _open())
        assert session.rates.limits == LIMITS["pro"]
        session, _ = ready(session, maxratecount=60)  # the account is Starter
        assert session.rates.limits == LIMITS["starter"]
        session, out = run(session, *(Submit(ref=n, request=add(), now=T0) for n in range(61)))
        assert (len(of(Sent, out)), len(of(Held, out))) == (60, 1)

    def test_an_announced_higher_threshold_lets_more_through_than_the_configured_tier(
        self,
    ) -> None:
        session, _ = step(start(CONFIG, T0, "bot1"), _open())  # configured Starter: 60
        session, _ = ready(session, maxratecount=180)
        session, out = run(session, *(Submit(ref=n, request=add(), now=T0) for n in range(61)))
        assert (len(of(Sent, out)), of(Held, out)) == (61, [])

    def test_an_ack_without_a_threshold_keeps_the_configured_tier(self) -> None:
        session, _ = step(start(CONFIG, T0, "bot1"), _open())
        session, _ = ready(session, maxratecount=None)
        assert session.rates.limits == LIMITS["starter"]

    def test_an_ack_to_another_request_changes_no_threshold(self) -> None:
        session = connected()
        before = session.rates
        session, _ = step(session, received(ack(999, 60), 0.1))
        assert session.rates == before

    def test_with_refuse_the_request_is_not_sent(self) -> None:
        config = msgspec.structs.replace(CONFIG, rate_policy="refuse")
        session = msgspec.structs.replace(connected(), config=config, rates=_rates_at(59.5))
        _, out = step(session, Submit(ref=1, request=add(), now=T0))
        assert [type(o).__name__ for o in out] == ["Submitted", "NotSent"]


def _rates_at(level: float) -> Any:
    from momentum.session.rate import charge, counter  # noqa: PLC0415 -- only here

    return charge(counter("starter"), "BTC/USD", Decimal(str(level)), T0)


def test_the_token_never_shows_in_any_repr() -> None:
    session, out = step(start(CONFIG, T0, "bot1"), Submit(ref=1, request=add(), now=T0))
    session, more = ready(session)
    shown = repr(session) + repr(out) + repr(more)
    assert TOKEN not in shown
    assert any(TOKEN.encode() in o.data for o in more if isinstance(o, SendFrame))


def test_the_same_inputs_give_the_same_outputs() -> None:
    def story() -> list[Output]:
        session = connected()
        _, out = run(session, Submit(ref=1, request=add(), now=at(1)), Tick(now=at(7)),
                     Disconnected(code=1006, reason="x", jitter=0.3, now=at(8)))  # fmt: skip
        return out

    assert story() == story()


def test_stop_closes_and_says_what_became_of_each_request() -> None:
    session, _ = step(connected(), Submit(ref=1, request=add(), now=T0))
    session, _ = step(session, received(status("maintenance"), 0.1))
    session, _ = step(session, Submit(ref=2, request=add(), now=at(0.2)))
    _, out = step(session, Stop(now=at(1)))
    assert [type(o).__name__ for o in out] == ["NotSent", "OutcomeUnknown", "CloseSocket"]


def test_next_deadline_names_the_earliest_timer() -> None:
    session, _ = step(connected(), Submit(ref=1, request=add(), now=at(1)))
    assert next_deadline(session) == at(5)  # the silence limit comes before the answer's


def every_timer(session: Session) -> datetime | None:
    """`next_deadline` as its docstring says it: the earliest of every timer that is running."""
    config = session.config

    def span(seconds: float) -> timedelta:
        return timedelta(seconds=seconds)

    times = [
        *([session.retry_at] if session.phase == "backoff" and session.retry_at else []),
        *(
            [session.last_frame_at + span(config.silence_limit)]
            if session.last_frame_at and session.phase in ("opening", "subscribing", "ready")
            else []
        ),
        *(p.sent_at + span(config.answer_timeout) for p in session.in_flight if p.sent_at),
        *(p.submitted_at + span(config.wait_for_online) for p in session.queued),
        *(p.release_at for p in session.queued if p.release_at),
        *(
            [session.token_at + span(config.token_refresh)]
            if session.token_at and session.phase == "ready"
            else []
        ),
    ]
    return min(times, default=None)


# --- the law ---------------------------------------------------------------------------------------

ACTIONS = st.lists(
    st.sampled_from(["submit", "submit_validate", "answer", "answer_late", "drop", "tick",
                     "silence", "reconnect", "stream", "refuse_token"]),
    min_size=1, max_size=30,
)  # fmt: skip


@given(ACTIONS, st.randoms(use_true_random=False))
def test_no_add_is_ever_sent_twice_and_every_add_ends_known_or_reported_unknown(
    actions: list[str], rng: Any
) -> None:
    """For any interleaving of answers, drops and reconnects, no add is sent twice, and every
    add ends known (answered or resolved) or reported unknown."""
    session = start(CONFIG, T0, "law")
    clock = 0.0
    sent_ids: list[str] = []
    outputs: list[Output] = []
    on_wire: list[int] = []  # req_ids sent on the current connection, answerable
    opened: list[tuple[str, str]] = []  # (order_id, cl_ord_id) the exchange placed

    def feed(event: Input) -> None:
        nonlocal session
        session, caused = step(session, event)
        assert next_deadline(session) == every_timer(session)
        outputs.extend(caused)
        for output in caused:
            if isinstance(output, SendFrame):
                document = json.loads(output.data)
                if document["method"] == "add_order":
                    sent_ids.append(document["params"]["cl_ord_id"])
                    on_wire.append(document["req_id"])
                    if document["params"].get("validate") is not True:
                        opened.append((f"O{len(opened)}", document["params"]["cl_ord_id"]))

    def connect_fully() -> None:
        feed(TokenMinted(grant=TokenGrant(token=Secret(TOKEN), expires=900), now=at(clock)))
        if session.phase == "connecting":
            feed(Connected(now=at(clock)))
            feed(received(STATUS, clock))
            if session.subscribe_req is not None:
                feed(received(ack(session.subscribe_req), clock))
                shown = [open_report(o, c) for o, c in opened if rng.random() < 0.7]
                feed(received(snapshot(*shown), clock))

    for action in actions:
        clock += 0.01
        match action:
            case "submit" | "submit_validate":
                feed(
                    Submit(ref=0, request=add(validate=action == "submit_validate"), now=at(clock))
                )
            case "answer" | "answer_late" if on_wire:
                req_id = on_wire.pop(0)
                if action == "answer_late":
                    clock += 6
                    feed(Tick(now=at(clock)))
                feed(received(answer(req_id), clock))
            case "drop":
                on_wire.clear()
                feed(Disconnected(code=1006, reason="drop", jitter=rng.random(), now=at(clock)))
            case "tick":
                clock += rng.random() * 3
                feed(Tick(now=at(clock)))
            case "silence":
                clock += 6
                on_wire.clear()
                feed(Tick(now=at(clock)))
                if session.phase == "backoff":
                    feed(Disconnected(code=1000, reason="closed", jitter=0.5, now=at(clock)))
            case "reconnect":
                if session.phase == "backoff" and session.retry_at is not None:
                    clock = max(clock, (session.retry_at - T0).total_seconds())
                    feed(Tick(now=at(clock)))
                if session.phase == "minting":
                    connect_fully()
            case "stream" if opened and session.phase == "ready":
                order_id, cl_ord_id = rng.choice(opened)
                update = {"channel": "executions", "type": "update",
                          "sequence": (session.sequence or 0) + 1,
                          "data": [open_report(order_id, cl_ord_id)]}  # fmt: skip
                feed(received(update, clock))
            case "refuse_token" if session.phase == "minting":
                feed(TokenFailed(problems=(), jitter=rng.random(), now=at(clock)))
            case _:
                pass
    # quiesce: reconnect until ready, let every timer run out
    for _ in range(10):
        clock += 40
        feed(Tick(now=at(clock)))
        if session.phase == "minting":
            connect_fully()
    assert len(sent_ids) == len(set(sent_ids)), "an add went out twice"
    submitted = {o.req_id for o in outputs if isinstance(o, Submitted)}
    ended = {
        o.req_id for o in outputs
        if isinstance(o, Answered | OutcomeUnknown | Resolved | NotSent)
    }  # fmt: skip
    assert submitted <= ended, "an add ended neither known nor reported unknown"


class TestCheckRequest:
    """A request is checked as it will go out: its own encoding, read back with its types."""

    def test_a_clean_request_has_no_problem_and_a_guard_still_refuses(self) -> None:
        assert check_request(add(), CONTEXT, Beside(), T0) == ()
        closed = msgspec.structs.replace(CONTEXT, knobs=Knobs(entry_max_notional=Decimal("1000")))
        (refusal,) = check_request(add(), closed, Beside(), T0)
        assert getattr(refusal, "guard", None) == "ALLOW_LIVE"

    def test_a_struct_built_with_wrong_types_is_refused_with_its_path(self) -> None:
        message = add()
        wrong = msgspec.structs.replace(
            message, params=msgspec.structs.replace(message.params, order_qty=["0.001"])
        )  # a caller ignoring its type checker: a list where a Decimal belongs
        problems = check_request(wrong, CONTEXT, Beside(), T0)
        assert any("$.params.order_qty" in str(problem) for problem in problems), problems
        unwritable = msgspec.structs.replace(
            message, params=msgspec.structs.replace(message.params, order_qty=object())
        )  # not even JSON: refused by the encoder, with its path, nothing raised
        (problem,) = check_request(unwritable, CONTEXT, Beside(), T0)
        assert getattr(problem, "field", None) == "params.order_qty", problem

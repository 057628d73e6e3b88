"""The order tracker: Kraken's documented report sequence merged into whole orders, its quirks
(sparse reports, no leaves_qty, partially_filled on a full fill, replayed trades), snapshots
after a reconnect, and laws over any interleaving of an order's reports."""

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from momentum.exchange.kraken.ws_v2_inbound import ExecutionReport, Executions, decode_frame
from momentum.session.orders import (
    Amended,
    Done,
    Filled,
    Missing,
    Opened,
    Order,
    OrderBook,
    OrderEvent,
    Resynced,
    Terminal,
    Unmatched,
    apply,
    apply_snapshot,
)
from momentum.sim import frames
from momentum.sim.orders import Order as SimOrder

D = Decimal
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
DOC: dict[str, msgspec.Raw] = msgspec.json.decode(
    (FIXTURES / "ws_v2_inbound_doc_examples.json").read_bytes(), type=dict[str, msgspec.Raw]
)
OID = "OK4GJX-KSTLS-7DZZO5"
EXEC = "TGBB7L-HT5LX-J3BZ4A"


def doc_report(name: str) -> ExecutionReport:
    frame = decode_frame(bytes(DOC[name]))
    assert isinstance(frame, Executions)
    (report,) = frame.data
    return report


def run(
    reports: Iterable[ExecutionReport], book: OrderBook | None = None
) -> tuple[OrderBook, list[OrderEvent]]:
    book = book if book is not None else OrderBook()
    told: list[OrderEvent] = []
    for report in reports:
        book, events = apply(book, report)
        told.extend(events)
    return book, told


def pending(
    order_id: str = "O1", qty: str = "1", cl_ord_id: str | None = "bot-1"
) -> ExecutionReport:
    return ExecutionReport(
        order_id=order_id,
        cl_ord_id=cl_ord_id,
        exec_type="pending_new",
        order_status="pending_new",
        symbol="BTC/USD",
        side="buy",
        order_type="limit",
        order_qty=D(qty),
        limit_price=D("28440"),
        cum_qty=D(0),
    )


def new(order_id: str = "O1") -> ExecutionReport:
    return ExecutionReport(order_id=order_id, exec_type="new", order_status="new")


def trade(exec_id: str, qty: str, cum: str, order_id: str = "O1") -> ExecutionReport:
    # a trade says partially_filled even when it fills the whole order
    return ExecutionReport(
        order_id=order_id,
        exec_id=exec_id,
        exec_type="trade",
        order_status="partially_filled",
        last_qty=D(qty),
        last_price=D("28440"),
        cum_qty=D(cum),
    )


def closing(
    kind: Terminal, cum: str, order_id: str = "O1", reason: str | None = None
) -> ExecutionReport:
    return ExecutionReport(
        order_id=order_id, exec_type=kind, order_status=kind, cum_qty=D(cum), reason=reason
    )


class TestTheDocumentedSequence:
    def test_kraken_s_pending_new_new_trade_examples_build_one_whole_order(self) -> None:
        book, events = run(
            doc_report(name)
            for name in ("executions_pending_new", "executions_new", "executions_trade")
        )
        assert events == [
            Opened(order_id=OID, cl_ord_id=None, order_status="pending_new", order_qty=D("0.005")),
            Opened(order_id=OID, cl_ord_id=None, order_status="new", order_qty=D("0.005")),
            Filled(
                order_id=OID,
                cl_ord_id=None,
                exec_id=EXEC,
                last_qty=D("0.005"),
                last_price=D("26599.9"),
                cum_qty=D("0.005"),
                remaining=D(0),
            ),
        ]
        assert book.get(OID) == Order(
            order_id=OID,
            order_userref=3,
            symbol="BTC/USD",
            side="sell",
            order_type="limit",
            order_qty=D("0.005"),
            limit_price=D("26500"),
            time_in_force="GTC",
            order_status="partially_filled",
            cum_qty=D("0.005"),
            cum_cost=D("132.9995"),
            avg_price=D("26599.9"),
            traded_qty=D("0.005"),
            exec_ids=frozenset({EXEC}),
            timestamp="2023-09-22T10:33:05.709993Z",
        )

    def test_a_trade_that_fills_the_whole_order_is_done_only_when_filled_arrives(self) -> None:
        book, _ = run(doc_report(n) for n in ("executions_pending_new", "executions_trade"))
        order = book.get(OID)
        assert order is not None
        assert (order.remaining, order.done, order.order_status) == (
            D(0),
            None,
            "partially_filled",
        )
        book, events = apply(book, closing("filled", "0.005", order_id=OID))
        assert events == (
            Done(order_id=OID, cl_ord_id=None, status="filled", cum_qty=D("0.005"), reason=None),
        )

    def test_the_simulators_partial_fills_then_cancel_tell_each_step_once(self) -> None:
        now = datetime(2026, 3, 1, 12, tzinfo=UTC)
        order = SimOrder(
            order_id="OSIM01-AAAAA-BBBBBB",
            symbol="BTC/USD",
            side="buy",
            order_type="limit",
            order_qty=D("0.003"),
            created=now,
            priority=1,
            limit_price=D("28440"),
            cl_ord_id="bot-7",
        )
        sent = [frames.pending_new(order, now), frames.new(order, now)]
        for exec_id in ("TSIM01-AAAAA-000001", "TSIM01-AAAAA-000002"):
            order.cum_qty += D("0.001")
            order.cum_cost += D("28.44")
            sent.append(
                frames.trade(
                    order,
                    exec_id=exec_id,
                    trade_id=1,
                    qty=D("0.001"),
                    price=D("28440"),
                    fee=D("0.01"),
                    fee_asset="USD",
                    liquidity="m",
                    now=now,
                )
            )
        sent.append(frames.canceled(order, "User requested", now))
        decoded = decode_frame(
            frames.encode(frames.Executions(type="update", data=sent, sequence=1))
        )
        assert isinstance(decoded, Executions)
        book, events = run(decoded.data)
        oid, cl = "OSIM01-AAAAA-BBBBBB", "bot-7"
        assert events == [
            Opened(order_id=oid, cl_ord_id=cl, order_status="pending_new", order_qty=D("0.003")),
            Opened(order_id=oid, cl_ord_id=cl, order_status="new", order_qty=D("0.003")),
            Filled(
                order_id=oid,
                cl_ord_id=cl,
                exec_id="TSIM01-AAAAA-000001",
                last_qty=D("0.001"),
                last_price=D("28440"),
                cum_qty=D("0.001"),
                remaining=D("0.002"),
            ),
            Filled(
                order_id=oid,
                cl_ord_id=cl,
                exec_id="TSIM01-AAAAA-000002",
                last_qty=D("0.001"),
                last_price=D("28440"),
                cum_qty=D("0.002"),
                remaining=D("0.001"),
            ),
            Done(
                order_id=oid,
                cl_ord_id=cl,
                status="canceled",
                cum_qty=D("0.002"),
                reason="User requested",
            ),
        ]
        assert book.open_orders() == ()


class TestMerging:
    def test_a_sparse_new_report_keeps_every_term_it_does_not_carry(self) -> None:
        book, _ = run([pending(), new()])
        assert book.get("O1") == Order(
            order_id="O1",
            cl_ord_id="bot-1",
            symbol="BTC/USD",
            side="buy",
            order_type="limit",
            order_qty=D(1),
            limit_price=D("28440"),
            order_status="new",
        )

    def test_a_replayed_trade_counts_once_and_tells_nothing(self) -> None:
        book, _ = run([pending(), trade("T1", "0.4", "0.4")])
        again, events = apply(book, trade("T1", "0.4", "0.4"))
        assert (again, events) == (book, ())

    def test_a_report_naming_only_a_known_cl_ord_id_finds_its_order(self) -> None:
        _, events = run(
            [pending(), ExecutionReport(cl_ord_id="bot-1", exec_type="new", order_status="new")]
        )
        assert events[-1] == Opened(
            order_id="O1", cl_ord_id="bot-1", order_status="new", order_qty=D(1)
        )

    def test_a_report_naming_no_order_the_book_can_find_is_unmatched(self) -> None:
        stray = ExecutionReport(cl_ord_id="nobody", exec_type="canceled")
        assert apply(OrderBook(), stray) == (
            OrderBook(),
            (Unmatched(report=stray, reason="no_order_id"),),
        )

    def test_a_trade_of_an_unknown_order_opens_it_from_what_the_report_says(self) -> None:
        book, events = run([trade("T1", "0.2", "0.2", order_id="O9")])
        assert events == [
            Opened(order_id="O9", cl_ord_id=None, order_status="partially_filled", order_qty=None),
            Filled(
                order_id="O9",
                cl_ord_id=None,
                exec_id="T1",
                last_qty=D("0.2"),
                last_price=D("28440"),
                cum_qty=D("0.2"),
                remaining=None,
            ),
        ]
        assert [order.order_id for order in book.open_orders()] == ["O9"]

    def test_a_cancel_of_an_unknown_order_records_it_done(self) -> None:
        book, events = run([closing("canceled", "0", order_id="O9", reason="User requested")])
        assert events == [
            Done(
                order_id="O9",
                cl_ord_id=None,
                status="canceled",
                cum_qty=D(0),
                reason="User requested",
            )
        ]
        assert book.open_orders() == ()

    def test_a_done_order_stays_done_when_older_reports_are_replayed(self) -> None:
        book, _ = run([pending(), trade("T1", "1", "1"), closing("filled", "1")])
        again, events = run([new(), pending(), trade("T1", "1", "1")], book)
        assert (again, events) == (book, [])

    def test_an_older_new_after_a_trade_does_not_move_the_status_back(self) -> None:
        book, _ = run([pending(), trade("T1", "0.5", "0.5")])
        assert apply(book, new()) == (book, ())

    def test_a_cum_qty_beyond_the_counted_trades_is_resynced(self) -> None:
        book, _ = run([pending(), trade("T1", "0.2", "0.2")])
        later = ExecutionReport(order_id="O1", exec_type="status", cum_qty=D("0.7"))
        _, events = apply(book, later)
        assert events == (
            Resynced(order_id="O1", cl_ord_id="bot-1", cum_qty=D("0.7"), remaining=D("0.3")),
        )

    def test_a_lower_cum_qty_replayed_later_does_not_lower_the_total(self) -> None:
        book, _ = run([pending(), trade("T2", "0.3", "0.5"), trade("T1", "0.2", "0.2")])
        order = book.get("O1")
        assert order is not None
        assert (order.cum_qty, order.traded_qty, order.remaining) == (D("0.5"), D("0.5"), D("0.5"))

    def test_a_reused_cl_ord_id_finds_the_newest_order(self) -> None:
        book, _ = run([pending("O1"), closing("canceled", "0"), pending("O2")])
        assert book.get_by_cl_ord_id("bot-1") == book.get("O2")

    def test_the_book_cannot_be_changed_in_place(self) -> None:
        book, _ = run([pending()])
        assert isinstance(book.orders, MappingProxyType)
        with pytest.raises(TypeError):
            book.orders["O2"] = Order(order_id="O2")  # type: ignore[index]


class TestAmends:
    def test_an_amend_changes_the_quantity_and_what_remains(self) -> None:
        book, _ = run([pending(), trade("T1", "0.25", "0.25")])
        amend = ExecutionReport(
            order_id="O1",
            exec_type="amended",
            order_qty=D("0.75"),
            reason="User requested",
            amended=True,
        )
        _, events = apply(book, amend)
        assert events == (
            Amended(
                order_id="O1",
                cl_ord_id="bot-1",
                exec_type="amended",
                order_qty=D("0.75"),
                limit_price=D("28440"),
                remaining=D("0.5"),
                reason="User requested",
            ),
        )

    def test_an_amend_below_the_filled_quantity_leaves_nothing_remaining(self) -> None:
        book, _ = run([pending(), trade("T1", "0.6", "0.6")])
        book, _ = apply(
            book, ExecutionReport(order_id="O1", exec_type="amended", order_qty=D("0.5"))
        )
        order = book.get("O1")
        assert order is not None
        assert (order.remaining, order.done) == (D(0), None)

    def test_an_engine_restatement_is_told_with_its_reason(self) -> None:
        book, _ = run([pending()])
        restated = ExecutionReport(
            order_id="O1", exec_type="restated", order_qty=D("0.9"), reason="Liquidity reduced"
        )
        _, events = apply(book, restated)
        assert events == (
            Amended(
                order_id="O1",
                cl_ord_id="bot-1",
                exec_type="restated",
                order_qty=D("0.9"),
                limit_price=D("28440"),
                remaining=D("0.9"),
                reason="Liquidity reduced",
            ),
        )

    def test_the_same_amend_replayed_is_not_told_twice(self) -> None:
        amend = ExecutionReport(order_id="O1", exec_type="amended", order_qty=D("0.75"))
        book, _ = run([pending(), amend])
        assert apply(book, amend) == (book, ())


class TestSnapshot:
    def test_an_order_first_seen_in_a_snapshot_is_opened_with_its_fills(self) -> None:
        entry = msgspec.structs.replace(
            pending("O5"),
            exec_type="pending_new",
            order_status="partially_filled",
            cum_qty=D("0.4"),
        )
        book, events = apply_snapshot(
            OrderBook(), [entry, trade("T1", "0.4", "0.4", order_id="O5")]
        )
        assert events == (
            Opened(order_id="O5", cl_ord_id=None, order_status="partially_filled", order_qty=None),
            Filled(
                order_id="O5",
                cl_ord_id=None,
                exec_id="T1",
                last_qty=D("0.4"),
                last_price=D("28440"),
                cum_qty=D("0.4"),
                remaining=None,
            ),
        )
        order = book.get("O5")
        assert order is not None
        assert (order.cl_ord_id, order.order_qty, order.remaining) == ("bot-1", D(1), D("0.6"))

    def test_an_open_order_the_snapshot_lacks_is_missing_and_kept_open(self) -> None:
        book, _ = run([pending("O1"), trade("T1", "0.3", "0.3"), pending("O2", cl_ord_id="bot-2")])
        after, events = apply_snapshot(book, [pending("O2", cl_ord_id="bot-2")])
        assert events == (
            Missing(order_id="O1", cl_ord_id="bot-1", cum_qty=D("0.3"), remaining=D("0.7")),
        )
        assert [order.order_id for order in after.open_orders()] == ["O1", "O2"]

    def test_a_done_order_is_never_missing(self) -> None:
        book, _ = run([pending(), closing("canceled", "0")])
        assert apply_snapshot(book, []) == (book, ())

    def test_fills_the_snapshot_replays_count_once(self) -> None:
        book, _ = run([pending(), trade("T1", "0.3", "0.3")])
        replay = [pending(), trade("T1", "0.3", "0.3"), trade("T2", "0.1", "0.4")]
        after, events = apply_snapshot(book, replay)
        assert events == (
            Filled(
                order_id="O1",
                cl_ord_id="bot-1",
                exec_id="T2",
                last_qty=D("0.1"),
                last_price=D("28440"),
                cum_qty=D("0.4"),
                remaining=D("0.6"),
            ),
        )
        assert after.get("O1") == run(
            [pending(), trade("T1", "0.3", "0.3"), trade("T2", "0.1", "0.4")]
        )[0].get("O1")

    def test_a_snapshot_trade_of_an_order_never_tracked_nor_open_is_an_untracked_past_fill(
        self,
    ) -> None:
        old = trade("T0", "1", "1", order_id="OLD")
        assert apply_snapshot(OrderBook(), [old]) == (
            OrderBook(),
            (Unmatched(report=old, reason="untracked_past_fill"),),
        )

    def test_a_snapshot_trade_of_a_cl_ord_id_to_adopt_takes_the_order_in_and_it_is_missing(
        self,
    ) -> None:
        lost = msgspec.structs.replace(trade("T1", "1", "1", order_id="LOST"), cl_ord_id="bot-7")
        book, events = apply_snapshot(OrderBook(), [lost], adopt={"bot-7"})
        assert events == (
            Opened(order_id="LOST", cl_ord_id="bot-7", order_status="partially_filled",
                   order_qty=None),
            Filled(order_id="LOST", cl_ord_id="bot-7", exec_id="T1", last_qty=D(1),
                   last_price=D("28440"), cum_qty=D(1), remaining=None),
            Missing(order_id="LOST", cl_ord_id="bot-7", cum_qty=D(1), remaining=None),
        )  # fmt: skip
        order = book.get_by_cl_ord_id("bot-7")
        assert order is not None and (order.order_id, order.cum_qty) == ("LOST", D(1))

    def test_a_snapshot_trade_of_a_cl_ord_id_not_to_adopt_stays_an_untracked_past_fill(
        self,
    ) -> None:
        old = msgspec.structs.replace(trade("T1", "1", "1", order_id="OLD"), cl_ord_id="bot-8")
        assert apply_snapshot(OrderBook(), [old], adopt={"bot-7"}) == (
            OrderBook(),
            (Unmatched(report=old, reason="untracked_past_fill"),),
        )

    def test_a_snapshot_trade_without_a_cl_ord_id_is_never_adopted(self) -> None:
        bare = trade("T1", "1", "1", order_id="BARE")
        assert apply_snapshot(OrderBook(), [bare], adopt={"bot-7"})[0] == OrderBook()

    def test_an_adopted_orders_trades_count_once_each_and_its_total_only_grows(self) -> None:
        first = msgspec.structs.replace(trade("T1", "0.4", "0.4", order_id="L"), cl_ord_id="b")
        second = msgspec.structs.replace(trade("T2", "0.6", "1", order_id="L"), cl_ord_id="b")
        once, _ = apply_snapshot(OrderBook(), [second, first, first], adopt={"b"})
        again, events = apply_snapshot(once, [first, second], adopt={"b"})
        order = again.get("L")
        assert order is not None
        assert (order.cum_qty, order.traded_qty, order.exec_ids) == (
            D(1),
            D(1),
            frozenset({"T1", "T2"}),
        )
        assert events == (Missing(order_id="L", cl_ord_id="b", cum_qty=D(1), remaining=None),)

    def test_a_snapshot_entry_with_more_filled_than_the_trades_shown_is_resynced(self) -> None:
        book, _ = run([pending(), trade("T1", "0.3", "0.3")])
        entry = msgspec.structs.replace(
            pending(), order_status="partially_filled", cum_qty=D("0.8")
        )
        _, events = apply_snapshot(book, [entry])
        assert events == (
            Resynced(order_id="O1", cl_ord_id="bot-1", cum_qty=D("0.8"), remaining=D("0.2")),
        )

    def test_the_same_snapshot_twice_tells_only_what_is_still_missing(self) -> None:
        book, _ = run([pending("O1"), pending("O2", cl_ord_id="bot-2")])
        snapshot = [pending("O2", cl_ord_id="bot-2"), trade("T1", "0.5", "0.5", order_id="O2")]
        once, _ = apply_snapshot(book, snapshot)
        assert apply_snapshot(once, snapshot) == (
            once,
            (Missing(order_id="O1", cl_ord_id="bot-1", cum_qty=D(0), remaining=D(1)),),
        )


# --- laws ----------------------------------------------------------------------------------------

UNIT = D("0.00000001")


class History(msgspec.Struct, frozen=True, kw_only=True):
    qty: Decimal
    filled: Decimal
    terminal: Terminal
    reports: tuple[ExecutionReport, ...]
    exec_ids: frozenset[str]


@st.composite
def histories(draw: st.DrawFn) -> History:
    """One order's true reports, as Kraken would send them: full pending_new, sparse new, each
    trade (partially_filled even when it completes the order), then its terminal report."""
    units = draw(st.integers(min_value=1, max_value=10**6))
    terminal: Terminal = draw(st.sampled_from(["filled", "canceled", "expired"]))
    total = units if terminal == "filled" else draw(st.integers(min_value=0, max_value=units))
    count = 0 if total == 0 else draw(st.integers(min_value=1, max_value=min(4, total)))
    cuts = draw(
        st.lists(
            st.integers(min_value=1, max_value=max(total - 1, 1)),
            min_size=max(count - 1, 0),
            max_size=max(count - 1, 0),
            unique=True,
        )
    )
    edges = [0, *sorted(cuts), total] if count else [0]
    reports = [pending(qty=str(units * UNIT)), new()]
    for i in range(count):
        size, cum = (edges[i + 1] - edges[i]) * UNIT, edges[i + 1] * UNIT
        reports.append(trade(f"T{i}", str(size), str(cum)))
    reports.append(closing(terminal, str(total * UNIT)))
    return History(
        qty=units * UNIT,
        filled=total * UNIT,
        terminal=terminal,
        reports=tuple(reports),
        exec_ids=frozenset(f"T{i}" for i in range(count)),
    )


@st.composite
def interleavings(draw: st.DrawFn) -> tuple[History, list[ExecutionReport]]:
    """Every report of a history at least once, in any order, some of them repeated."""
    history = draw(histories())
    repeats = draw(st.lists(st.sampled_from(history.reports), max_size=6))
    return history, draw(st.permutations([*history.reports, *repeats]))


def final(reports: Sequence[ExecutionReport]) -> Order:
    book, _ = run(reports)
    order = book.get("O1")
    assert order is not None
    return order


@given(interleavings())
def test_any_interleaving_with_repeats_ends_in_the_same_done_state(
    case: tuple[History, list[ExecutionReport]],
) -> None:
    """Whatever the order and the repeats, the terminal report leaves the same done order."""
    history, reports = case
    order = final(reports)
    assert (order.done, order.order_status, order.cum_qty, order.remaining, order.exec_ids) == (
        history.terminal,
        history.terminal,
        history.filled,
        history.qty - history.filled,
        history.exec_ids,
    )


@given(interleavings(), st.data())
def test_applying_a_report_twice_equals_applying_it_once(
    case: tuple[History, list[ExecutionReport]], data: st.DataObject
) -> None:
    """A report applied again, in any state, changes nothing and tells nothing."""
    history, reports = case
    prefix = data.draw(st.integers(min_value=0, max_value=len(reports)))
    book, _ = run(reports[:prefix])
    report = data.draw(st.sampled_from(history.reports))
    once, _ = apply(book, report)
    assert apply(once, report) == (once, ())


@given(interleavings())
def test_filled_never_exceeds_the_order_and_remaining_is_never_negative(
    case: tuple[History, list[ExecutionReport]],
) -> None:
    """At every step, cum_qty stays within order_qty and remaining is never below 0."""
    history, reports = case
    book = OrderBook()
    for report in reports:
        book, _ = apply(book, report)
        order = book.get("O1")
        assert order is not None
        assert order.cum_qty <= history.qty
        assert order.remaining is None or order.remaining >= 0


@given(interleavings())
def test_each_trade_is_told_once_and_done_once(case: tuple[History, list[ExecutionReport]]) -> None:
    """Over any interleaving, each exec_id is one Filled and the order one Done."""
    history, reports = case
    _, events = run(reports)
    fills = sorted(event.exec_id for event in events if isinstance(event, Filled))
    dones = [event for event in events if isinstance(event, Done)]
    assert fills == sorted(history.exec_ids)
    assert [(d.status, d.order_id) for d in dones] == [(history.terminal, "O1")]

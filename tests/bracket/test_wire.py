"""Between the machine and the session: commands as the bytes they go out as, session events as
the machine events they mean, the reconciliation after a reconnect, and the open positions."""

from datetime import UTC, datetime
from decimal import Decimal
from typing import Final

import msgspec
import pytest

from momentum.bracket.machine import (
    Amend,
    Answer,
    BracketSpec,
    Cancel,
    Done,
    Fill,
    Leg,
    Place,
    Reconciled,
    StopSpec,
    TakeSpec,
    Unknown,
    start,
)
from momentum.bracket.wire import Sent, event_of, open_positions, reconciled, refused, request_for
from momentum.errors import InputInvalid
from momentum.exchange.kraken.ws_v2_inbound import Answer as Reply
from momentum.exchange.kraken.ws_v2_inbound import ExecutionReport, decode_frame
from momentum.exchange.kraken.ws_v2_messages import encode
from momentum.models.context import Context, Knobs
from momentum.session import orders
from momentum.session.core import Answered, NotSent, OrderUpdate, OutcomeUnknown, Resolved
from momentum.session.orders import OrderBook, apply

D = Decimal
SPEC = BracketSpec(
    symbol="BTC/USD", qty=D("0.001"), entry_limit=D("28440"),
    stop=StopSpec(trigger=D("28410"), limit=D("28400")),
    take=TakeSpec(trigger=D("28600"), limit=D("28590")),
    qty_increment=D("0.00000001"), qty_min=D("0.00005"), price_increment=D("0.1"), prefix="mbabc123",
)  # fmt: skip
CONTEXT = Context(
    knobs=Knobs(entry_max_notional=D("50"), allow_live=True),
    now=datetime(2026, 12, 1, 9, tzinfo=UTC),
    live=True,
)


def sent_params(command: Place | Amend | Cancel, context: Context = CONTEXT) -> dict[str, object]:
    request = request_for(command, SPEC, context).unwrap()
    message = msgspec.json.decode(encode(request).unwrap())
    assert isinstance(message, dict)
    params = message["params"]
    assert isinstance(params, dict)
    return {"method": message["method"], **params}


class TestRequests:
    def test_the_entry_is_a_limit_buy_with_its_cl_ord_id(self) -> None:
        _, (entry,) = start(SPEC)
        assert isinstance(entry, Place)
        params = sent_params(entry)
        assert {k: params[k] for k in ("method", "order_type", "side", "order_qty", "limit_price",
                                       "cl_ord_id", "validate")} == {
            "method": "add_order", "order_type": "limit", "side": "buy", "order_qty": 0.001,
            "limit_price": 28440, "cl_ord_id": "mbabc123e0", "validate": False,
        }  # fmt: skip

    def test_the_stop_is_a_stop_loss_limit_sell(self) -> None:
        leg = Leg(role="stop", cl_ord_id="mbabc123s1", qty=D("0.0004"), price=D("28410"),
                  limit=D("28400"))  # fmt: skip
        params = sent_params(Place(leg=leg, kind="stop-loss-limit"))
        assert (params["order_type"], params["side"], params["order_qty"]) == (
            "stop-loss-limit", "sell", 0.0004)  # fmt: skip
        assert params["triggers"] == {"reference": "last", "price": 28410, "price_type": "static"}
        assert params["limit_price"] == 28400

    def test_the_take_profit_ioc_is_a_limit_sell_immediate_or_cancel(self) -> None:
        leg = Leg(role="take", cl_ord_id="mbabc123t2", qty=D("0.001"), price=D("28590"),
                  limit=D("28590"), ioc=True)  # fmt: skip
        params = sent_params(Place(leg=leg, kind="limit"))
        assert (params["side"], params["limit_price"], params["time_in_force"]) == (
            "sell", 28590, "ioc")  # fmt: skip

    def test_an_amend_sends_the_new_total_by_cl_ord_id(self) -> None:
        params = sent_params(Amend(cl_ord_id="mbabc123s1", qty=D("0.0007")))
        assert (params["method"], params["cl_ord_id"], params["order_qty"]) == (
            "amend_order", "mbabc123s1", 0.0007)  # fmt: skip

    def test_a_cancel_names_the_order(self) -> None:
        params = sent_params(Cancel(cl_ord_id="mbabc123s1", reason="flat"))
        assert (params["method"], params["cl_ord_id"]) == ("cancel_order", ["mbabc123s1"])

    def test_a_price_off_the_tick_is_refused_before_it_is_sent(self) -> None:
        leg = Leg(role="stop", cl_ord_id="mbabc123s1", qty=D("0.001"), price=D("28410.05"))
        built = request_for(Place(leg=leg, kind="stop-loss"), SPEC, CONTEXT)
        assert "trigger" in str(built.failure())

    def test_exits_need_allow_live_as_every_live_order_does(self) -> None:
        closed = msgspec.structs.replace(CONTEXT, knobs=Knobs(entry_max_notional=D("50")))
        built = request_for(Amend(cl_ord_id="mbabc123s1", qty=D("0.0007")), SPEC, closed)
        assert "ALLOW_LIVE" in str(built.failure())


# Kraken's add_order answer, as its documentation shows it
# (docs.kraken.com/api/docs/websocket-v2/add_order "Response")
ADD_ANSWER = (
    b'{"method":"add_order","req_id":7,"result":{"order_id":"AA5JGQ-SBMRC-SCJ7J7"},'
    b'"success":true,"time_in":"2023-09-21T14:15:07.197274Z","time_out":"2023-09-21T14:15:07.205301Z"}'
)


def reply(data: bytes) -> Reply:
    answer = decode_frame(data)
    assert isinstance(answer, Reply)
    return answer


class TestEvents:
    SENT: Final = {
        7: Sent(kind="place", cl_ord_id="mbabc123s1"),
        8: Sent(kind="amend", cl_ord_id="mbabc123s1"),
    }

    def test_an_answer_is_matched_to_its_order_by_the_request(self) -> None:
        event = event_of(Answered(req_id=7, cl_ord_ids=(), answer=reply(ADD_ANSWER)), self.SENT,
                         OrderBook())  # fmt: skip
        assert event == Answer(cl_ord_id="mbabc123s1", request="place", ok=True,
                               order_id="AA5JGQ-SBMRC-SCJ7J7")  # fmt: skip

    def test_an_amend_answer_says_it_answers_an_amend(self) -> None:
        refusal = reply(ADD_ANSWER.replace(b'"add_order","req_id":7', b'"amend_order","req_id":8')
                        .replace(b'"result":{"order_id":"AA5JGQ-SBMRC-SCJ7J7"},"success":true',
                                 b'"error":"EOrder:Invalid order","success":false'))  # fmt: skip
        event = event_of(Answered(req_id=8, cl_ord_ids=(), answer=refusal), self.SENT, OrderBook())
        assert event == Answer(cl_ord_id="mbabc123s1", request="amend", ok=False,
                               error="EOrder:Invalid order")  # fmt: skip

    def test_an_answer_to_a_request_not_ours_means_nothing(self) -> None:
        answered = Answered(req_id=99, cl_ord_ids=(), answer=reply(ADD_ANSWER))
        assert event_of(answered, self.SENT, OrderBook()) is None

    def test_a_request_never_sent_is_a_refusal_the_machine_hears(self) -> None:
        event = event_of(NotSent(req_id=7, reason="maintenance"), self.SENT, OrderBook())
        assert event == Answer(cl_ord_id="mbabc123s1", ok=False, error="not sent: maintenance")

    @pytest.mark.parametrize(("cause", "unknown"), [("timeout", True), ("connection_lost", False),
                                                    ("stopped", False)])  # fmt: skip
    def test_only_a_timeout_is_an_unknown_a_drop_is_left_to_the_reconciliation(
        self, cause: str, unknown: bool
    ) -> None:
        lost = OutcomeUnknown(req_id=7, cl_ord_ids=(), reason="r", cause=cause)  # type: ignore[arg-type]  # every cause, the literal's three
        event = event_of(lost, self.SENT, OrderBook())
        assert event == (Unknown(cl_ord_id="mbabc123s1", reason="r") if unknown else None)

    @pytest.mark.parametrize("found", ["open", "filled", "done"])
    def test_an_add_the_stream_shows_is_placed_whatever_became_of_its_answer(
        self, found: str
    ) -> None:
        resolved = Resolved(req_id=7, cl_ord_id="mbabc123s1", found=found, order_id="OS",  # type: ignore[arg-type]  # each found the literal has
                            cum_qty=D(0))  # fmt: skip
        assert event_of(resolved, self.SENT, OrderBook()) == Answer(
            cl_ord_id="mbabc123s1", ok=True, order_id="OS"
        )

    @pytest.mark.parametrize(("req_id", "found"), [(7, "absent"), (7, "validate_only"),
                                                   (8, "unknown"), (8, "open")])  # fmt: skip
    def test_any_other_resolution_is_left_to_the_reconciliation(
        self, req_id: int, found: str
    ) -> None:
        resolved = Resolved(req_id=req_id, cl_ord_id=None, found=found, order_id=None,  # type: ignore[arg-type]  # each found the literal has
                            cum_qty=None)  # fmt: skip
        assert event_of(resolved, self.SENT, OrderBook()) is None

    def test_a_fill_carries_the_orders_average_price(self) -> None:
        book, _ = apply(OrderBook(), ExecutionReport(order_id="O1", cl_ord_id="mbabc123e0",
                                                     exec_type="new", order_qty=D("0.001")))  # fmt: skip
        book, events = apply(book, ExecutionReport(order_id="O1", exec_type="trade", exec_id="T1",
                                                   last_qty=D("0.0004"), last_price=D("28440"),
                                                   cum_qty=D("0.0004"), cum_cost=D("11.376")))  # fmt: skip
        (filled,) = events
        assert event_of(OrderUpdate(event=filled), {}, book) == Fill(
            cl_ord_id="mbabc123e0", order_id="O1", cum_qty=D("0.0004"), price=D("28440")
        )

    def test_an_order_done_is_done(self) -> None:
        done = orders.Done(order_id="O1", cl_ord_id="mbabc123s1", status="canceled",
                           cum_qty=D(0), reason=None)  # fmt: skip
        assert event_of(OrderUpdate(event=done), {}, OrderBook()) == Done(
            cl_ord_id="mbabc123s1", status="canceled", cum_qty=D(0)
        )

    def test_a_local_refusal_names_every_problem(self) -> None:
        problem = InputInvalid(field="qty", given="0", accepted="more than 0")
        answer = refused((problem, problem), Sent(kind="amend", cl_ord_id="mbabc123s1"))
        assert (answer.request, answer.ok, answer.error) == (
            "amend", False, "refused locally: qty: 0; use more than 0; qty: 0; use more than 0")  # fmt: skip


def booked(*reports: ExecutionReport) -> OrderBook:
    book = OrderBook()
    for report in reports:
        book, _ = apply(book, report)
    return book


def opened(order_id: str, cl_ord_id: str | None, side: str = "sell", order_type: str = "stop-loss",
           qty: str = "0.001") -> ExecutionReport:  # fmt: skip
    return ExecutionReport(order_id=order_id, cl_ord_id=cl_ord_id, exec_type="new",
                           order_status="new", side=side, order_type=order_type,  # type: ignore[arg-type]  # literals from the caller's table
                           order_qty=D(qty))  # fmt: skip


class TestReconciled:
    def test_the_snapshot_says_each_orders_size_fills_and_whether_it_is_open(self) -> None:
        bracket, _ = start(SPEC)
        stop = Leg(role="stop", cl_ord_id="mbabc123s1", qty=D("0.0004"), price=D("28410"))
        taking = Leg(role="take", cl_ord_id="mbabc123t2", qty=D("0.001"), price=D("28590"))
        bracket = msgspec.structs.replace(bracket, legs=(*bracket.legs, stop, taking))
        book = booked(opened("OE", "mbabc123e0", "buy", "limit"), opened("OS", "mbabc123s1", qty="0.0007"),
                      ExecutionReport(order_id="OE", exec_type="trade", exec_id="T1",
                                      last_qty=D("0.0007"), cum_qty=D("0.0007")))  # fmt: skip
        said = reconciled(bracket, book, missing=("mbabc123e0",), pending=("mbabc123t2",))
        assert said == Reconciled(
            orders=(("mbabc123e0", D("0.001"), D("0.0007"), False),
                    ("mbabc123s1", D("0.0007"), D(0), True)),
            pending=("mbabc123t2",),
        )  # fmt: skip


class TestOpenPositions:
    def test_none_when_nothing_is_open(self) -> None:
        assert open_positions(OrderBook()) == 0

    def test_one_per_bracket_whatever_its_orders(self) -> None:
        book = booked(opened("O1", "mbabc123s1"), opened("O2", "mbabc123t2", order_type="limit"),
                      opened("O3", "mbxyz789e0", "buy", "limit"))  # fmt: skip
        assert open_positions(book) == 2

    def test_a_protective_sell_placed_otherwise_counts_a_plain_buy_does_not(self) -> None:
        book = booked(opened("O1", None, order_type="take-profit-limit"),
                      opened("O2", "mine-1", "buy", "limit"), opened("O3", None, "sell", "limit"))  # fmt: skip
        assert open_positions(book) == 1

    def test_a_done_order_is_not_open(self) -> None:
        book = booked(opened("O1", "mbabc123s1"),
                      ExecutionReport(order_id="O1", exec_type="canceled", order_status="canceled"))  # fmt: skip
        assert open_positions(book) == 0

"""Every inbound frame as one typed value: Kraken's own examples decode to whole expected values,
the simulator's frames decode to typed values, and anything else is `Malformed` or `Unhandled`,
never an exception."""

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import assert_never

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from momentum.exchange.kraken.ws_v2_inbound import (
    AmendAck,
    Answer,
    CancelAfterAck,
    CancelAllAck,
    Contingent,
    EditAck,
    ExecutionReport,
    Executions,
    Fee,
    Heartbeat,
    Inbound,
    Malformed,
    OrderAck,
    Pong,
    Status,
    SubscribeAck,
    Ticker,
    Triggers,
    Unhandled,
    Unrecognized,
    UnsubscribeAck,
    decode_frame,
)
from momentum.sim import answers, frames
from momentum.sim.orders import Order

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
# Raw keeps each example's bytes exactly as written, so numbers reach the decoder as text.
DOC: dict[str, msgspec.Raw] = msgspec.json.decode(
    (FIXTURES / "ws_v2_inbound_doc_examples.json").read_bytes(), type=dict[str, msgspec.Raw]
)
D = Decimal
OID = "OK4GJX-KSTLS-7DZZO5"
ACK_IN, ACK_OUT = "2023-10-16T13:18:35.303171Z", "2023-10-16T13:18:35.318297Z"
TICKER_IN, TICKER_OUT = "2023-09-25T09:04:31.742599Z", "2023-09-25T09:04:31.742648Z"


def _ticker(kind: str, ask: str, ask_qty: str) -> Ticker:
    return Ticker(
        type="snapshot" if kind == "snapshot" else "update",
        symbol="ALGO/USD",
        bid=D("0.10025"),
        bid_qty=D("740.0"),
        ask=D(ask),
        ask_qty=D(ask_qty),
        last=D("0.10035"),
        volume=D("997038.98383185"),
        vwap=D("0.10148"),
        low=D("0.09979"),
        high=D("0.10285"),
        change=D("-0.00017"),
        change_pct=D("-0.17"),
        timestamp="2023-09-25T09:04:31.742648Z",
    )


# Expected values written from the docs' examples, never pasted from the decoder's output.
CASES: list[tuple[str, Inbound]] = [
    (
        "status_update",
        Status(
            type="update",
            system="online",
            api_version="v2",
            connection_id=13834774380200032777,
            version="2.0.0",
        ),
    ),
    ("heartbeat", Heartbeat()),
    (
        "pong",
        Pong(
            req_id=101,
            time_in="2023-09-24T14:10:23.799685Z",
            time_out="2023-09-24T14:10:23.799703Z",
        ),
    ),
    (
        "add_order_success",
        Answer(
            method="add_order",
            req_id=123456789,
            success=True,
            error=None,
            error_kind=None,
            result=OrderAck(order_id="AA5JGQ-SBMRC-SCJ7J7", order_userref=100054),
            time_in="2023-09-21T14:15:07.197274Z",
            time_out="2023-09-21T14:15:07.205301Z",
        ),
    ),
    (
        "add_order_error",
        Answer(
            method="add_order",
            req_id=123456789,
            success=False,
            error="EOrder:Insufficient funds",
            error_kind="insufficient_funds",
            result=None,
            time_in="2023-09-21T14:15:07.197274Z",
            time_out="2023-09-21T14:15:07.205301Z",
        ),
    ),
    (
        "batch_add_success",
        Answer(
            method="batch_add",
            req_id=1234567890,
            success=True,
            error=None,
            error_kind=None,
            result=(
                OrderAck(order_id="ORDERX-IDXXX-XXXXX1", order_userref=1),
                OrderAck(order_id="ORDERX-IDXXX-XXXXX2", order_userref=2),
            ),
            time_in="2022-06-13T08:09:10.123456Z",
            time_out="2022-06-13T08:09:10.7890123",
        ),
    ),
    (
        "amend_order_success",
        Answer(
            method="amend_order",
            req_id=None,
            success=True,
            error=None,
            error_kind=None,
            result=AmendAck(
                amend_id="TTW6PD-RC36L-ZZSWNU", cl_ord_id="2c6be801-1f53-4f79-a0bb-4ea1c95dfae9"
            ),
            time_in="2024-07-26T13:39:04.922699Z",
            time_out="2024-07-26T13:39:04.924912Z",
        ),
    ),
    (
        "edit_order_success",
        Answer(
            method="edit_order",
            req_id=1234567890,
            success=True,
            error=None,
            error_kind=None,
            result=EditAck(order_id="ORDERX-IDXXX-XXXXX2", original_order_id="ORDERX-IDXXX-XXXXX1"),
            time_in="2022-07-15T12:56:09.876488Z",
            time_out="2022-07-15T12:56:09.923422Z",
        ),
    ),
    (
        "cancel_order_success_first",
        Answer(
            method="cancel_order",
            req_id=123456789,
            success=True,
            error=None,
            error_kind=None,
            result=OrderAck(order_id="OLUMT4-UTEGU-ZYM7E9"),
            time_in="2023-09-21T14:36:57.428972Z",
            time_out="2023-09-21T14:36:57.437952Z",
        ),
    ),
    (
        "cancel_order_success_second",
        Answer(
            method="cancel_order",
            req_id=123456789,
            success=True,
            error=None,
            error_kind=None,
            result=OrderAck(order_id="OM5CRX-N2HAL-GFGWE9"),
            time_in="2023-09-21T14:36:57.428972Z",
            time_out="2023-09-21T14:36:57.438027Z",
        ),
    ),
    (
        "cancel_all_success",
        Answer(
            method="cancel_all",
            req_id=1234567890,
            success=True,
            error=None,
            error_kind=None,
            result=CancelAllAck(count=1),
            time_in="2023-09-26T13:09:48.463201Z",
            time_out="2023-09-26T13:09:48.471419Z",
        ),
    ),
    (
        "cancel_all_orders_after_success",
        Answer(
            method="cancel_all_orders_after",
            req_id=1234567890,
            success=True,
            error=None,
            error_kind=None,
            result=CancelAfterAck(
                currentTime="2023-09-21T15:49:29Z", triggerTime="2023-09-21T15:51:09Z"
            ),
            time_in="2023-09-21T15:49:28.627900Z",
            time_out="2023-09-21T15:49:28.649057Z",
        ),
    ),
    (
        "executions_subscribe_ack",
        SubscribeAck(
            channel="executions",
            success=True,
            maxratecount=125,
            snap_orders=True,
            snap_trades=True,
            time_in=ACK_IN,
            time_out=ACK_OUT,
        ),
    ),
    (
        "executions_unsubscribe_ack",
        UnsubscribeAck(channel="executions", success=True, time_in=ACK_IN, time_out=ACK_OUT),
    ),
    (
        "executions_pending_new",
        Executions(
            type="update",
            sequence=8,
            data=(
                ExecutionReport(
                    order_id=OID,
                    order_userref=3,
                    symbol="BTC/USD",
                    order_qty=D("0.005"),
                    cum_cost=D("0"),
                    time_in_force="GTC",
                    exec_type="pending_new",
                    side="sell",
                    order_type="limit",
                    limit_price_type="static",
                    limit_price=D("26500"),
                    stop_price=D("0"),
                    order_status="pending_new",
                    fee_usd_equiv=D("0"),
                    fee_ccy_pref="fciq",
                    timestamp="2023-09-22T10:33:05.709950Z",
                ),
            ),
        ),
    ),
    (
        "executions_new",
        Executions(
            type="update",
            sequence=9,
            data=(
                ExecutionReport(
                    timestamp="2023-09-22T10:33:05.709982Z",
                    order_status="new",
                    exec_type="new",
                    order_userref=3,
                    order_id=OID,
                ),
            ),
        ),
    ),
    (
        "executions_trade",
        Executions(
            type="update",
            sequence=10,
            data=(
                ExecutionReport(
                    order_id=OID,
                    order_userref=3,
                    exec_id="TGBB7L-HT5LX-J3BZ4A",
                    exec_type="trade",
                    trade_id=62887576,
                    symbol="BTC/USD",
                    side="sell",
                    last_qty=D("0.005"),
                    last_price=D("26599.9"),
                    liquidity_ind="t",
                    cost=D("132.9995"),
                    order_type="limit",
                    timestamp="2023-09-22T10:33:05.709993Z",
                    order_status="partially_filled",
                    cum_qty=D("0.005"),
                    cum_cost=D("132.9995"),
                    avg_price=D("26599.9"),
                    fee_usd_equiv=D("0.3458"),
                    fees=(Fee(asset="USD", qty=D("0.3458")),),
                ),
            ),
        ),
    ),
    (
        "ticker_subscribe_ack",
        SubscribeAck(
            channel="ticker",
            success=True,
            snapshot=True,
            symbol="ALGO/USD",
            time_in=TICKER_IN,
            time_out=TICKER_OUT,
        ),
    ),
    (
        "ticker_unsubscribe_ack",
        UnsubscribeAck(
            channel="ticker",
            success=True,
            event_trigger="trades",
            symbol="ALGO/USD",
            time_in=TICKER_IN,
            time_out=TICKER_OUT,
        ),
    ),
    ("ticker_snapshot", _ticker("snapshot", "0.10036", "1361.44813783")),
    ("ticker_update", _ticker("update", "0.10035", "740.0")),
]


class TestKrakensExamples:
    @pytest.mark.parametrize(("name", "expected"), CASES, ids=[name for name, _ in CASES])
    def test_each_doc_example_decodes_to_its_whole_typed_value(
        self, name: str, expected: Inbound
    ) -> None:
        assert decode_frame(bytes(DOC[name])) == expected

    def test_every_example_in_the_fixture_has_a_case(self) -> None:
        assert sorted(name for name in DOC if name != "_source") == sorted(n for n, _ in CASES)

    def test_the_same_frame_as_text_decodes_as_bytes_do(self) -> None:
        raw = bytes(DOC["executions_trade"])
        assert decode_frame(raw.decode()) == decode_frame(raw)


class TestNumbers:
    def test_exponent_notation_decodes_to_the_exact_decimal(self) -> None:
        frame = b'{"channel":"executions","type":"update","data":[{"order_id":"O1","cum_qty":1e-08,"last_price":2.844E+4}],"sequence":1}'
        assert decode_frame(frame) == Executions(
            type="update",
            sequence=1,
            data=(ExecutionReport(order_id="O1", cum_qty=D("0.00000001"), last_price=D("28440")),),
        )

    def test_seventeen_significant_digits_survive_where_a_float_would_round(self) -> None:
        frame = (
            b'{"channel":"executions","type":"update","data":[{"order_qty":0.12345678901234567}]}'
        )
        decoded = decode_frame(frame)
        assert isinstance(decoded, Executions)
        assert decoded.data[0].order_qty == D("0.12345678901234567")
        assert str(decoded.data[0].order_qty) == "0.12345678901234567"

    @pytest.mark.parametrize("text", ['"NaN"', '"-Infinity"', '"1e41"', "1e41", "1e-41"])
    def test_a_number_no_arithmetic_could_use_is_malformed(self, text: str) -> None:
        frame = '{"channel":"executions","type":"update","data":[{"cum_qty":' + text + "}]}"
        assert decode_frame(frame) == Malformed(
            text=frame,
            problem="Expected a finite number within 1e40 and 1e-40 - at `$.data[0].cum_qty`",
        )

    @pytest.mark.parametrize("text", ["1e40", "1e-40", "0E-100", "-5"])
    def test_a_number_at_the_edge_of_the_range_is_kept(self, text: str) -> None:
        frame = '{"channel":"executions","type":"update","data":[{"cum_qty":' + text + "}]}"
        assert decode_frame(frame) == Executions(
            type="update", data=(ExecutionReport(cum_qty=D(text)),)
        )

    def test_a_ticker_number_no_arithmetic_could_use_names_its_wire_path(self) -> None:
        frame = '{"channel":"ticker","type":"update","data":[{"symbol":"X/Y","bid":"NaN","bid_qty":1,"ask":1,"ask_qty":1}]}'
        assert decode_frame(frame) == Malformed(
            text=frame,
            problem="Expected a finite number within 1e40 and 1e-40 - at `$.data[0].bid`",
        )


class TestTolerance:
    def test_an_unknown_exec_type_keeps_the_report_and_the_text(self) -> None:
        frame = b'{"channel":"executions","type":"update","data":[{"order_id":"O1","exec_type":"trade_bust","cum_qty":0}],"sequence":4}'
        assert decode_frame(frame) == Executions(
            type="update",
            sequence=4,
            data=(
                ExecutionReport(
                    order_id="O1",
                    exec_type="unknown",
                    cum_qty=D("0"),
                    unrecognized=(Unrecognized(field="exec_type", value="trade_bust"),),
                ),
            ),
        )

    def test_unknown_texts_in_nested_objects_are_named_by_their_path(self) -> None:
        frame = (
            b'{"channel":"executions","type":"snapshot","data":[{"order_id":"O1",'
            b'"time_in_force":"FOK","triggers":{"reference":"mark","price":-2.0,'
            b'"price_type":"pct","status":"armed"},"contingent":{"order_type":"oco",'
            b'"trigger_price":28410,"trigger_price_type":"static"}}]}'
        )
        assert decode_frame(frame) == Executions(
            type="snapshot",
            data=(
                ExecutionReport(
                    order_id="O1",
                    time_in_force="unknown",
                    triggers=Triggers(
                        reference="unknown", price=D("-2.0"), price_type="pct", status="unknown"
                    ),
                    contingent=Contingent(
                        order_type="unknown", trigger_price=D("28410"), trigger_price_type="static"
                    ),
                    unrecognized=(
                        Unrecognized(field="triggers.reference", value="mark"),
                        Unrecognized(field="triggers.status", value="armed"),
                        Unrecognized(field="contingent.order_type", value="oco"),
                        Unrecognized(field="time_in_force", value="FOK"),
                    ),
                ),
            ),
        )

    def test_a_field_named_unrecognized_on_the_wire_is_not_taken_as_ours(self) -> None:
        frame = b'{"channel":"executions","type":"update","data":[{"order_id":"O1","unrecognized":[{"field":"side","value":"x"}]}]}'
        assert decode_frame(frame) == Executions(
            type="update", data=(ExecutionReport(order_id="O1"),)
        )

    def test_unknown_fields_are_skipped_at_every_level(self) -> None:
        frame = (
            b'{"channel":"executions","type":"update","new_top":1,"data":[{"order_id":"O1",'
            b'"ratecounter":{"x":1},"fees":[{"asset":"USD","qty":0.1,"kind":"maker"}]}]}'
        )
        assert decode_frame(frame) == Executions(
            type="update",
            data=(ExecutionReport(order_id="O1", fees=(Fee(asset="USD", qty=D("0.1")),)),),
        )

    def test_an_answer_with_extra_fields_and_warnings_is_still_an_answer(self) -> None:
        frame = b'{"method":"cancel_all","result":{"count":0,"warnings":["w"],"new":1},"success":true,"new":2}'
        assert decode_frame(frame) == Answer(
            method="cancel_all",
            req_id=None,
            success=True,
            error=None,
            error_kind=None,
            result=CancelAllAck(count=0, warnings=("w",)),
            time_in=None,
            time_out=None,
        )


class TestRefusals:
    def test_a_refused_subscription_has_no_channel_and_keeps_the_error(self) -> None:
        # shape from the documented Subscribe Ack schema: `error` if success is false, no result
        frame = b'{"error":"EAPI:Invalid token","method":"subscribe","req_id":9,"success":false,"time_in":"t1","time_out":"t2"}'
        assert decode_frame(frame) == SubscribeAck(
            channel=None,
            success=False,
            error="EAPI:Invalid token",
            req_id=9,
            time_in="t1",
            time_out="t2",
        )

    def test_a_refused_subscription_keeps_the_symbol_named_beside_the_error(self) -> None:
        frame = b'{"error":"Currency pair not supported XBT/USD","method":"subscribe","success":false,"symbol":"XBT/USD"}'
        assert decode_frame(frame) == SubscribeAck(
            channel=None,
            success=False,
            error="Currency pair not supported XBT/USD",
            symbol="XBT/USD",
        )

    def test_a_refusal_without_error_text_is_of_unknown_kind(self) -> None:
        assert decode_frame(b'{"method":"cancel_order","success":false}') == Answer(
            method="cancel_order",
            req_id=None,
            success=False,
            error=None,
            error_kind="unknown",
            result=None,
            time_in=None,
            time_out=None,
        )

    def test_a_cancel_of_a_gone_order_is_classified_as_unknown_order(self) -> None:
        answer = decode_frame(
            b'{"method":"cancel_order","success":false,"error":"EOrder:Invalid order"}'
        )
        assert isinstance(answer, Answer)
        assert (answer.error, answer.error_kind) == ("EOrder:Invalid order", "unknown_order")


class TestTokens:
    def test_a_token_in_a_decoded_frame_is_not_kept(self) -> None:
        with_token = b'{"method":"cancel_all","result":{"count":1,"token":"SECRET"},"success":true,"token":"SECRET"}'
        without = b'{"method":"cancel_all","result":{"count":1},"success":true}'
        assert decode_frame(with_token) == decode_frame(without)

    def test_a_malformed_frame_shows_its_token_masked(self) -> None:
        frame = b'{"method":"add_order","params":{"token" : "G38a\\"1t"},"success":"yes"}'
        assert decode_frame(frame) == Malformed(
            text='{"method":"add_order","params":{"token" : "***"},"success":"yes"}',
            problem="Expected `bool`, got `str` - at `$.success`",
        )

    def test_a_token_cut_short_by_a_truncated_frame_is_masked_too(self) -> None:
        assert decode_frame(b'{"params":{"token":"G38a1t\\') == Malformed(
            text='{"params":{"token":"***"', problem="Input data was truncated"
        )


UNHANDLED = [
    (b'{"channel":"book","type":"snapshot","data":[]}', "book"),
    (b'{"channel":"balances","type":"update","data":[]}', "balances"),
    (b'{"method":"batch_cancel","success":true,"result":{"count":2}}', "batch_cancel"),
    (b'{"method":"ping","req_id":1}', "ping"),
]


@pytest.mark.parametrize(("frame", "name"), UNHANDLED, ids=[n for _, n in UNHANDLED])
def test_a_well_formed_frame_we_do_not_model_is_unhandled(frame: bytes, name: str) -> None:
    assert decode_frame(frame) == Unhandled(channel_or_method=name)


MALFORMED = [
    (b"", "Input data was truncated"),
    (b"[1]", "Expected `object`, got `array`"),
    (b'{"Error":"Exceeded msg rate"}', "Object has neither `channel` nor `method`"),
    (b'{"channel":7}', "Expected `str | null`, got `int` - at `$.channel`"),
    (b'{"method":"add_order","success":true}', "Object missing required field `result`"),
    (
        b'{"method":"cancel_all","success":true,"result":{}}',
        "Object missing required field `count` - at `$.result`",
    ),
    (
        b'{"method":"batch_add","success":true,"result":{"order_id":"O1"}}',
        "Expected `array | null`, got `object` - at `$.result`",
    ),
    (
        b'{"channel":"status","type":"update","data":[{"system":"limit_only"}]}',
        "Invalid enum value 'limit_only' - at `$.data[0].system`",
    ),
    (
        b'{"channel":"status","type":"update","data":[{"system":"online"},{"system":"online"}]}',
        "Expected `array` of length 1, got 2 - at `$.data`",
    ),
    (
        b'{"channel":"executions","type":"update","data":{"order_id":"O1"}}',
        "Expected `array`, got `object` - at `$.data`",
    ),
    (
        b'{"channel":"executions","type":"update","data":[{"order_userref":1.5}]}',
        "Expected `int | null`, got `decimal` - at `$.data[0].order_userref`",
    ),
    (
        b'{"channel":"ticker","type":"update","data":[]}',
        "Expected `array` of length 1, got 0 - at `$.data`",
    ),
    (b"[" * 100_000, "maximum recursion depth exceeded while deserializing an object"),
]


@pytest.mark.parametrize(("frame", "problem"), MALFORMED, ids=[p for _, p in MALFORMED])
def test_a_frame_that_fits_no_shape_is_malformed_with_msgspecs_message(
    frame: bytes, problem: str
) -> None:
    assert decode_frame(frame) == Malformed(text=frame.decode(), problem=problem)


def test_bytes_that_are_not_utf8_are_shown_replaced() -> None:
    assert decode_frame(b'\xff{"a"') == Malformed(
        text='\ufffd{"a"', problem="JSON is malformed: invalid character (byte 0)"
    )


# --- the simulator's frames (a local Kraken written from the docs) --------------------------------

NOW = datetime(2026, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)


def _order() -> Order:
    return Order(
        order_id=OID,
        symbol="BTC/USD",
        side="buy",
        order_type="limit",
        order_qty=D("0.002"),
        created=NOW,
        priority=1,
        limit_price=D("28440"),
        cl_ord_id="bot-1",
    )


def test_the_simulators_report_sequence_decodes_to_typed_reports() -> None:
    order = _order()
    reports = [frames.pending_new(order, NOW), frames.new(order, NOW)]
    order.cum_qty, order.cum_cost = D("0.002"), D("56.88")
    reports.append(
        frames.trade(
            order,
            exec_id="TGBB7L-HT5LX-J3BZ4A",
            trade_id=7,
            qty=D("0.002"),
            price=D("28440"),
            fee=D("0.1"),
            fee_asset="USD",
            liquidity="m",
            now=NOW,
        )
    )
    reports.append(frames.filled(order, NOW))
    frame = frames.encode(frames.Executions(type="update", data=reports, sequence=3))
    decoded = decode_frame(frame)
    assert isinstance(decoded, Executions)
    assert [(r.exec_type, r.order_status, r.cl_ord_id, r.cum_qty) for r in decoded.data] == [
        ("pending_new", "pending_new", "bot-1", None),
        ("new", "new", "bot-1", None),
        ("trade", "partially_filled", "bot-1", D("0.002")),
        ("filled", "filled", "bot-1", D("0.002")),
    ]
    assert all(report.unrecognized == () for report in decoded.data)


def test_the_simulators_session_frames_decode_to_typed_values() -> None:
    status = frames.Status(
        data=[frames.StatusData(connection_id=5, system="cancel_only", version="x")]
    )
    assert decode_frame(frames.encode(status)) == Status(
        type="update", system="cancel_only", api_version="v2", connection_id=5, version="x"
    )
    assert decode_frame(frames.HEARTBEAT) == Heartbeat()
    pong = decode_frame(answers.pong(42, NOW))
    assert isinstance(pong, Pong)
    assert (pong.req_id, pong.time_in) == (42, "2026-03-01T12:00:00.123456Z")


# --- laws ----------------------------------------------------------------------------------------

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.decimals(allow_nan=False, allow_infinity=False).map(str).map(msgspec.Raw)
    | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "channel",
                    "method",
                    "type",
                    "data",
                    "result",
                    "success",
                    "order_id",
                    "exec_type",
                    "cum_qty",
                    "req_id",
                    "error",
                    "symbol",
                    "token",
                    "x",
                ]
            ),
            inner,
            max_size=6,
        )
    ),
    max_leaves=20,
)
HEADS = st.fixed_dictionaries(
    {
        "channel": st.sampled_from(["status", "heartbeat", "executions", "ticker", "book"]),
    }
) | st.fixed_dictionaries(
    {
        "method": st.sampled_from(
            [
                "pong",
                "subscribe",
                "unsubscribe",
                "add_order",
                "batch_add",
                "amend_order",
                "cancel_order",
                "cancel_all",
                "cancel_all_orders_after",
                "edit_order",
                "other",
            ]
        ),
        "success": st.booleans(),
    }
)


def _kind(frame: Inbound) -> str:
    match frame:
        case Status() | Heartbeat() | Pong() | Answer() | Executions() | Ticker():
            return "typed"
        case SubscribeAck() | UnsubscribeAck():
            return "typed"
        case Malformed() | Unhandled():
            return "untyped"
        case _:
            assert_never(frame)


@given(st.binary(max_size=200) | st.text(max_size=200))
def test_decoding_never_raises_on_any_bytes_or_text(data: bytes | str) -> None:
    """The decoder returns an Inbound for every input; it never raises."""
    assert _kind(decode_frame(data)) in {"typed", "untyped"}


@given(HEADS, st.dictionaries(st.sampled_from(["data", "result", "type", "error", "token"]), JSON))
def test_decoding_never_raises_on_any_json_under_a_known_head(
    head: dict[str, object], body: dict[str, object]
) -> None:
    """Any JSON under a known channel or method decodes to an Inbound; it never raises."""
    assert _kind(decode_frame(msgspec.json.encode({**body, **head}))) in {"typed", "untyped"}


@given(st.text(max_size=20), JSON)
def test_a_malformed_frame_never_shows_a_token(secret: str, rest: object) -> None:
    """Whatever else a frame holds, a Malformed one shows no token value."""
    token = "SECRET-TOKEN-" + secret  # longer than any other text the strategy writes
    frame = msgspec.json.encode({"channel": 7, "token": token, "rest": rest})
    decoded = decode_frame(frame)
    assert isinstance(decoded, Malformed)
    assert "SECRET-TOKEN-" not in decoded.text


def test_a_subscription_ack_keeps_the_warnings_of_its_result() -> None:
    frame = (
        b'{"method":"subscribe","result":{"channel":"executions","warnings":["w"]},"success":true}'
    )
    ack = decode_frame(frame)
    assert isinstance(ack, SubscribeAck)
    assert (ack.channel, ack.warnings) == ("executions", ("w",))


def test_text_with_a_lone_surrogate_is_shown_replaced_not_raised() -> None:
    assert decode_frame("\ud800{") == Malformed(
        text="?{",
        problem="'utf-8' codec can't encode character '\\ud800' in position 0: surrogates not "
        "allowed",
    )

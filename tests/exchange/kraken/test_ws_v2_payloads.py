"""The builder (ws_v2_payloads.py): Kraken's examples, each type and close, what is never sent."""

import os
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given

from momentum.exchange.kraken.ws_v2_messages import encode
from momentum.exchange.kraken.ws_v2_payloads import (
    build_add_order,
    build_add_order_json,
    deadline_text,
    render_add_order,
)
from momentum.models.context import Context
from momentum.models.intent import (
    Close,
    IcebergOrder,
    LimitClose,
    LimitOrder,
    MarketOrder,
    OrderIntent,
    StopLossClose,
    StopLossLimitClose,
    StopLossLimitOrder,
    StopLossOrder,
    TakeProfitClose,
    TakeProfitLimitClose,
    TakeProfitLimitOrder,
    TakeProfitOrder,
    TrailingStopClose,
    TrailingStopLimitClose,
    TrailingStopLimitOrder,
    TrailingStopOrder,
    Trigger,
)
from tests.helpers import DEADLINE, NOW, D, N, built, context, limit, loads
from tests.strategies import _is_result, contexts, intents

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
_EXAMPLES = loads((FIXTURES / "ws_v2_add_order_doc_examples.json").read_text())
_ALWAYS_SENT = {
    "margin": False,
    "validate": True,
    "deadline": DEADLINE,
    "time_in_force": "gtc",
    "stp_type": "cancel_newest",
}


def _as_momentum_sends(example: dict[str, Any]) -> dict[str, Any]:
    params = {key: value for key, value in example["params"].items() if key != "token"}
    return {**example, "params": {**params, **_ALWAYS_SENT}}


CASES: list[tuple[str, OrderIntent, int | None]] = [
    (
        "limit_buy",
        LimitOrder(
            symbol="BTC/USD",
            side="buy",
            qty=D("1.2"),
            limit_price=D("26500.4"),
            order_userref=100054,
        ),
        123456789,
    ),
    (
        "stop_loss_pct",
        StopLossOrder(
            symbol="MATIC/USD",
            side="sell",
            qty=D("100"),
            trigger=Trigger(price=D("-2.0"), price_type="pct", reference="last"),
        ),
        None,
    ),
    (
        "limit_oto_stop_loss_limit",
        LimitOrder(
            symbol="BTC/USD",
            side="buy",
            qty=D("1.2"),
            limit_price=D("28440"),
            close=StopLossLimitClose(trigger_price=D("28410"), limit_price=D("28400")),
        ),
        None,
    ),
]


_SENT = {
    "side": "sell",
    "order_qty": N("0.5"),
    "symbol": "ETH/USD",
    "margin": False,
    "validate": True,
    "deadline": DEADLINE,
    "time_in_force": "gtc",
    "stp_type": "cancel_newest",
}
_TRIGGER_3000 = {"reference": "last", "price": N("3000"), "price_type": "static"}
_BASE: dict[str, Any] = {"symbol": "ETH/USD", "side": "sell", "qty": D("0.5")}


PRIMARIES: list[tuple[OrderIntent, dict[str, Any]]] = [
    (MarketOrder(**_BASE), {"order_type": "market"}),
    (
        LimitOrder(**_BASE, limit_price=D("3100.25")),
        {"order_type": "limit", "limit_price": N("3100.25")},
    ),
    (
        StopLossOrder(**_BASE, trigger=Trigger(price=D("3000"))),
        {"order_type": "stop-loss", "triggers": _TRIGGER_3000},
    ),
    (
        TakeProfitOrder(**_BASE, trigger=Trigger(price=D("3000"))),
        {"order_type": "take-profit", "triggers": _TRIGGER_3000},
    ),
    (
        StopLossLimitOrder(**_BASE, trigger=Trigger(price=D("3000")), limit_price=D("2990")),
        {"order_type": "stop-loss-limit", "triggers": _TRIGGER_3000, "limit_price": N("2990")},
    ),
    (
        TakeProfitLimitOrder(**_BASE, trigger=Trigger(price=D("3000")), limit_price=D("2990")),
        {"order_type": "take-profit-limit", "triggers": _TRIGGER_3000, "limit_price": N("2990")},
    ),
    (
        StopLossOrder(
            **_BASE, trigger=Trigger(price=D("-1.5"), price_type="quote", reference="index")
        ),
        {
            "order_type": "stop-loss",
            "triggers": {"reference": "index", "price": N("-1.5"), "price_type": "quote"},
        },
    ),
]


CLOSES: list[tuple[Close, dict[str, Any]]] = [
    (LimitClose(limit_price=D("2900")), {"order_type": "limit", "limit_price": N("2900")}),
    (
        StopLossClose(trigger_price=D("3100")),
        {"order_type": "stop-loss", "trigger_price": N("3100")},
    ),
    (
        TakeProfitClose(trigger_price=D("2900")),
        {"order_type": "take-profit", "trigger_price": N("2900")},
    ),
    (
        StopLossLimitClose(trigger_price=D("3100"), limit_price=D("3110")),
        {"order_type": "stop-loss-limit", "trigger_price": N("3100"), "limit_price": N("3110")},
    ),
    (
        TakeProfitLimitClose(trigger_price=D("2900"), limit_price=D("2901")),
        {"order_type": "take-profit-limit", "trigger_price": N("2900"), "limit_price": N("2901")},
    ),
]


BASE: dict[str, Any] = {"symbol": "MATIC/USD", "side": "buy", "qty": D("100")}
ENTRY: dict[str, Any] = {"symbol": "BTC/USD", "side": "buy", "qty": D("0.001"),
                         "limit_price": D("28440")}  # fmt: skip


def _bytes(order: Any) -> str:
    return build_add_order_json(order, context()).unwrap().decode()


class TestKrakensOwnExamples:
    """Intents that say what Kraken's own add_order examples say give those messages
    (tests/fixtures/ws_v2_add_order_doc_examples.json, from
    docs.kraken.com/api/docs/websocket-v2/add_order), changed only as this library
    documents: no `token` (a sender adds it), and the fields momentum always sends
    made explicit (`margin`, `validate`, `deadline`, `time_in_force`, `stp_type`)."""

    @pytest.mark.parametrize(("name", "order", "req_id"), CASES, ids=[case[0] for case in CASES])
    def test_intent_gives_the_docs_example(
        self, name: str, order: OrderIntent, req_id: int | None
    ) -> None:
        assert built(order, context(req_id=req_id)) == _as_momentum_sends(_EXAMPLES[name])

    def test_with_the_sessions_token_the_docs_example_keeps_it_first_in_params(self) -> None:
        example = _EXAMPLES["limit_buy"]
        token = example["params"]["token"]
        order = LimitOrder(symbol="BTC/USD", side="buy", qty=D("1.2"), limit_price=D("26500.4"),
                           order_userref=100054)  # fmt: skip
        data = build_add_order_json(order, context(req_id=123456789), token=token).unwrap()
        assert loads(data) == {**example, "params": {**example["params"], **_ALWAYS_SENT}}
        assert data.startswith(
            b'{"method":"add_order","params":{"token":"' + token.encode() + b'",'
        )

    def test_the_docs_trailing_stop_example(self) -> None:
        examples = loads((FIXTURES / "ws_v2_add_order_doc_examples.json").read_text())
        example = examples["trailing_stop_pct"]
        params = {k: v for k, v in example["params"].items() if k != "token"} | _ALWAYS_SENT
        order = TrailingStopOrder(**BASE, trigger=Trigger(price=D("1.0"), price_type="pct"),
                                  ref_price=D("0.5"))  # fmt: skip
        assert built(order) == {"method": "add_order", "params": params}


class TestEachTypeRenders:
    @pytest.mark.parametrize(("order", "specific"), PRIMARIES)
    def test_each_primary_order_type_renders_its_own_fields(
        self, order: OrderIntent, specific: dict[str, Any]
    ) -> None:
        assert built(order) == {"method": "add_order", "params": {**_SENT, **specific}}

    @pytest.mark.parametrize(("close", "conditional"), CLOSES)
    def test_each_close_type_renders_as_conditional(
        self, close: Close, conditional: dict[str, Any]
    ) -> None:
        order = LimitOrder(**_BASE, limit_price=D("3000"), close=close)
        assert built(order)["params"]["conditional"] == conditional

    def test_renders_limit_and_display_quantity(self) -> None:
        order = IcebergOrder(**BASE, limit_price=D("0.51"), display_qty=D("10"))
        params = built(order)["params"]
        assert (params["order_type"], params["limit_price"], params["display_qty"]) == (
            "iceberg",
            N("0.51"),
            N("10"),
        )

    def test_trailing_stop_limit_always_sends_its_limit_type(self) -> None:
        order = TrailingStopLimitOrder(
            **(BASE | {"side": "sell"}), trigger=Trigger(price=D("100"), price_type="quote"),
            limit_price=D("-100"),
        )  # fmt: skip
        params = built(order)["params"]
        assert (params["limit_price"], params["limit_price_type"], params["triggers"]) == (
            N("-100"),
            "quote",
            {"reference": "last", "price": N("100"), "price_type": "quote"},
        )


class TestRelativeCloses:
    @pytest.mark.parametrize(("close", "sent"), [
        (StopLossClose(trigger_price=D("-1.5"), trigger_price_type="pct"),
         {"order_type": "stop-loss", "trigger_price": N("-1.5"), "trigger_price_type": "pct"}),
        (TakeProfitClose(trigger_price=D("150"), trigger_price_type="quote"),
         {"order_type": "take-profit", "trigger_price": N("150"), "trigger_price_type": "quote"}),
        (TakeProfitLimitClose(trigger_price=D("2"), trigger_price_type="pct", limit_price=D("29000")),
         {"order_type": "take-profit-limit", "trigger_price": N("2"), "trigger_price_type": "pct",
          "limit_price": N("29000")}),
    ])  # fmt: skip
    def test_a_relative_close_sends_its_price_type(self, close: Any, sent: dict[str, Any]) -> None:
        assert built(LimitOrder(**ENTRY, close=close))["params"]["conditional"] == sent

    def test_a_static_close_sends_no_price_type(self) -> None:
        conditional = built(LimitOrder(**ENTRY, close=StopLossClose(trigger_price=D("28000"))))
        assert "trigger_price_type" not in conditional["params"]["conditional"]


class TestTrailingCloses:
    def test_a_trailing_stop_close_renders_its_offset_and_type(self) -> None:
        close = TrailingStopClose(trigger_price=D("1.5"), trigger_price_type="pct")
        assert built(LimitOrder(**ENTRY, close=close))["params"]["conditional"] == {
            "order_type": "trailing-stop", "trigger_price": N("1.5"), "trigger_price_type": "pct",
        }  # fmt: skip

    def test_a_trailing_stop_limit_close_keeps_trigger_and_limit_offsets_apart(self) -> None:
        close = TrailingStopLimitClose(trigger_price=D("100"), trigger_price_type="quote",
                                       limit_price=D("-20"), limit_price_type="quote")  # fmt: skip
        assert built(LimitOrder(**ENTRY, close=close))["params"]["conditional"] == {
            "order_type": "trailing-stop-limit", "trigger_price": N("100"),
            "trigger_price_type": "quote", "limit_price": N("-20"), "limit_price_type": "quote",
        }  # fmt: skip


class TestNeverEmitted:
    """The peer libraries' known wire defects, pinned as things momentum must never emit:
    keys at the wrong level, validate outside params, exponent or string numbers, a
    trailing-stop-limit with its offsets swapped; and no token, no reduce_only."""

    ORDERS: tuple[Any, ...] = (
        LimitOrder(
            **ENTRY, close=StopLossLimitClose(trigger_price=D("28410"), limit_price=D("28400"))
        ),
        MarketOrder(symbol="BTC/USD", side="sell", qty=D("0.00000001")),
        LimitOrder(symbol="BTC/USD", side="sell", qty=D("0.00005"), limit_price=D("100000")),
    )

    @pytest.mark.parametrize("order", ORDERS)
    def test_validate_and_deadline_are_inside_params_never_beside_it(self, order: Any) -> None:
        message = built(order)
        assert set(message) == {"method", "params"}
        assert {"validate", "deadline", "margin"} <= set(message["params"])

    @pytest.mark.parametrize("order", ORDERS)
    def test_no_number_is_in_exponent_form_or_a_string(self, order: Any) -> None:
        text = _bytes(order)
        assert re.search(r"\d[eE][+-]?\d", text) is None
        assert re.search(r'"(order_qty|limit_price|trigger_price|price)":"', text) is None

    def test_a_tiny_quantity_is_written_out(self) -> None:
        assert '"order_qty":0.00000001' in _bytes(self.ORDERS[1])

    def test_the_trigger_object_is_called_triggers_and_sits_in_params(self) -> None:
        order = TrailingStopLimitOrder(symbol="BTC/USD", side="sell", qty=D("0.001"),
                                       trigger=Trigger(price=D("100"), price_type="quote"),
                                       limit_price=D("-25"))  # fmt: skip
        params = built(order)["params"]
        assert "trigger" not in params
        assert "stop_price" not in params
        # the trailing offset is the trigger, the limit offset is limit_price: never swapped
        assert (params["triggers"]["price"], params["limit_price"]) == (N("100"), N("-25"))

    def test_no_message_carries_a_token_or_reduce_only(self) -> None:
        for order, _ in PRIMARIES:
            params = built(order)["params"]
            assert "token" not in params
            assert "reduce_only" not in params
            assert params["margin"] is False

    def test_deadline_and_validate_stay_inside_params(self) -> None:
        message = built(LimitOrder(**BASE, limit_price=D("0.5")))
        assert set(message) == {"method", "params"}
        assert (message["params"]["deadline"], message["params"]["validate"]) == (DEADLINE, True)


class TestEnvelopeAndKnobs:
    def test_req_id_rides_on_the_envelope(self) -> None:
        assert built(PRIMARIES[0][0], context(req_id=-7))["req_id"] == N("-7")

    def test_stp_type_from_the_intent_beats_the_knob(self) -> None:
        order = MarketOrder(**_BASE, stp_type="cancel_both")
        assert (
            built(order, context(default_stp="cancel_oldest"))["params"]["stp_type"]
            == "cancel_both"
        )
        assert (
            built(MarketOrder(**_BASE), context(default_stp="cancel_oldest"))["params"]["stp_type"]
            == "cancel_oldest"
        )

    def test_the_default_knob_fills_time_in_force(self) -> None:
        assert built(limit(), context(default_tif="ioc"))["params"]["time_in_force"] == "ioc"


@pytest.fixture
def new_york_clock() -> Iterator[None]:
    saved = os.environ.get("TZ")
    os.environ["TZ"] = "America/New_York"
    time.tzset()
    yield
    if saved is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = saved
    time.tzset()


class TestDeadline:
    def test_the_deadline_is_now_plus_deadline_ms_to_the_millisecond(self) -> None:
        message = built(PRIMARIES[0][0], context(deadline_ms=60000))
        assert message["params"]["deadline"] == "2026-11-28T09:01:00.123Z"

    def test_the_deadline_is_written_in_utc_whatever_the_clock_zone(self) -> None:
        plus_two = datetime(2026, 11, 28, 11, 0, 0, 500000, tzinfo=UTC).astimezone(
            timezone(timedelta(hours=2))
        )
        assert deadline_text(plus_two, 500) == "2026-11-28T11:00:01.000Z"

    def test_it_is_truncated_to_the_millisecond_at_the_edge(self) -> None:
        edge = NOW.replace(microsecond=123999)
        assert deadline_text(edge, 5000) == "2026-11-28T09:00:05.123Z"

    @pytest.mark.usefixtures("new_york_clock")
    def test_it_is_written_in_utc_from_any_zone_on_any_host(self) -> None:
        berlin = NOW.astimezone(timezone(timedelta(hours=1)))
        assert deadline_text(berlin, 5000) == "2026-11-28T09:00:05.123Z"


class TestScheduledTimes:
    def test_effective_time_goes_out_to_the_second(self) -> None:
        start = (NOW + timedelta(hours=1)).replace(microsecond=0)
        order = LimitOrder(**BASE, limit_price=D("0.5"), effective_time=start)
        assert built(order)["params"]["effective_time"] == "2026-11-28T10:00:00Z"

    @pytest.mark.usefixtures("new_york_clock")
    def test_scheduled_times_go_out_in_utc_whatever_the_host_clock_says(self) -> None:
        start = NOW.replace(microsecond=0) + timedelta(hours=1)
        data = built(limit(effective_time=start))
        assert data["params"]["effective_time"] == "2026-11-28T10:00:00Z"


class TestRenderIsTotal:
    """`render_add_order` on an intent the checks would refuse for a missing limit (it is total):
    the limit falls back to the trigger price, as ABS_LIMIT_REQUIRED=0 documents."""

    @pytest.mark.parametrize("kind", [StopLossLimitOrder, TakeProfitLimitOrder])
    def test_a_primary_without_its_limit(self, kind: Any) -> None:
        order = kind(symbol="BTC/USD", side="sell", qty=D("1"), trigger=Trigger(price=D("90")))
        data = loads(encode(render_add_order(order, context())).unwrap())
        assert data["params"]["limit_price"] == N("90")

    @pytest.mark.parametrize("kind", [StopLossLimitClose, TakeProfitLimitClose])
    def test_a_close_without_its_limit(self, kind: Any) -> None:
        message = render_add_order(limit(close=kind(trigger_price=D("28000"))), context())
        assert loads(encode(message).unwrap())["params"]["conditional"]["limit_price"] == N("28000")


class TestCashQty:
    def order(self, cash: str, side: Any = "buy") -> Any:
        return MarketOrder(symbol="BTC/USD", side=side, qty=D("0.0001"), cash_qty=D(cash),
                           ref_price=D("90000"))  # fmt: skip

    def test_a_cash_market_buy_sends_cash_order_qty_beside_order_qty(self) -> None:
        params = built(self.order("9"), context(entry_max_notional=D("10")))["params"]
        assert (params["order_qty"], params["cash_order_qty"]) == (N("0.0001"), N("9"))


# --- laws --------------------------------------------------------------------------------


@given(intents, contexts)
def test_the_builder_returns_a_result_for_every_intent(order: OrderIntent, ctx: Context) -> None:
    """The core returns a Result for every input; it never raises."""
    assert _is_result(build_add_order(order, ctx))


@given(intents, contexts)
def test_the_same_intent_and_clock_give_the_same_bytes(order: OrderIntent, ctx: Context) -> None:
    """The same intent and the same clock give byte-identical output."""
    first = build_add_order(order, ctx).map(lambda m: encode(m).value_or(b""))
    assert first == build_add_order(order, ctx).map(lambda m: encode(m).value_or(b""))

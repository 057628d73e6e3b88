"""Vetting a message written elsewhere agrees with the exchange both ways: Kraken's own examples
pass, what Kraken refuses is refused, and every path (batch, amend, duplicate keys) meets the
same guards the builders do."""

import json
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import msgspec
import pytest
from hypothesis import given, target
from hypothesis import strategies as st
from returns.result import Success

from momentum.errors import GuardRefused, InputInvalid, Problem
from momentum.exchange.kraken.ws_v2_check import Beside, check_message
from momentum.exchange.kraken.ws_v2_messages import encode
from momentum.exchange.kraken.ws_v2_requests import bracket_plan
from momentum.models.context import Context
from momentum.models.intent import LimitOrder, StopLossClose, TakeProfitClose
from tests.helpers import NOW, D, context
from tests.strategies import contexts

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
ADD_EXAMPLES = json.loads((FIXTURES / "ws_v2_add_order_doc_examples.json").read_text())
AMEND_EXAMPLES = json.loads((FIXTURES / "ws_v2_amend_order_doc_examples.json").read_text())
LIVE_WIDE: dict[str, Any] = {"allow_live": True, "entry_max_notional": D("1000000")}


_JSON = msgspec.json.Encoder(decimal_format="number")  # Decimals as JSON numbers, digits kept


def check(message: Any, ctx: Context | None = None, **beside: Any) -> tuple[Problem, ...]:
    data = message if isinstance(message, bytes) else _JSON.encode(message)
    return check_message(data, ctx or context(**LIVE_WIDE), Beside(**beside))


def rendered(found: tuple[Problem, ...]) -> list[str]:
    return [problem.render() for problem in found]


def fields(found: tuple[Problem, ...]) -> list[str]:
    return [p.field if isinstance(p, InputInvalid) else getattr(p, "guard", "?") for p in found]


def add(**params: Any) -> dict[str, Any]:
    base = {"order_type": "limit", "side": "buy", "order_qty": 0.0002, "symbol": "BTC/USD",
            "limit_price": 30000, "validate": True}  # fmt: skip
    return {"method": "add_order", "params": base | params}


NOW_MS = NOW.replace(microsecond=123000)  # a deadline is written to the millisecond


def deadline(offset: timedelta) -> str:
    return (NOW_MS + offset).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class TestKrakensOwnExamplesPass:
    """Fields Kraken documents as optional are optional here, with Kraken's defaults."""

    @pytest.mark.parametrize("name", [n for n in ADD_EXAMPLES if not n.startswith("_")])
    def test_each_add_order_example_of_the_docs_passes(self, name: str) -> None:
        # no margin, validate or deadline; MATIC/USD is not in the shipped table: shape only.
        # The trailing buy fires at an unknown price: its notional is bounded from the market's.
        ref_price = D("0.5") if name == "trailing_stop_pct" else None
        assert check(ADD_EXAMPLES[name], ref_price=ref_price) == ()

    def test_an_absent_validate_is_a_live_order_and_needs_allow_live(self) -> None:
        found = check(ADD_EXAMPLES["limit_buy"], context(entry_max_notional=D("1000000")))
        assert fields(found) == ["ALLOW_LIVE"]

    def test_the_amend_example_without_a_deadline_passes_for_a_sell(self) -> None:
        assert check(AMEND_EXAMPLES["basic"], side="sell") == ()

    def test_the_trigger_defaults_are_last_and_static(self) -> None:
        stop = add(order_type="stop-loss", side="sell", triggers={"price": 29000})
        del stop["params"]["limit_price"]
        assert check(stop, ref_price=D("30000")) == ()
        above = add(order_type="stop-loss", side="sell", triggers={"price": 31000})
        del above["params"]["limit_price"]
        assert fields(check(above, ref_price=D("30000"))) == ["params.triggers.price"]

    def test_a_trailing_limit_offset_defaults_to_quote(self) -> None:
        trailing = add(order_type="trailing-stop-limit", side="sell", limit_price=-10,
                       triggers={"price": 100, "price_type": "quote"})  # fmt: skip
        assert check(trailing, ref_price=D("30000")) == ()


class TestWhatKrakenRefusesIsRefused:
    @pytest.mark.parametrize(
        ("offset", "ok"),
        [
            (timedelta(milliseconds=499), False),
            (timedelta(milliseconds=500), True),
            (timedelta(seconds=60), True),
            (timedelta(seconds=60, milliseconds=1), False),
            (timedelta(seconds=-1), False),
            (timedelta(hours=1), False),
        ],
    )
    def test_the_messages_own_deadline_is_held_to_the_window(
        self, offset: timedelta, ok: bool
    ) -> None:
        on_the_millisecond = msgspec.structs.replace(context(**LIVE_WIDE), now=NOW_MS)
        found = check(add(deadline=deadline(offset)), on_the_millisecond)
        assert (found == ()) == ok
        assert ok or fields(found) == ["params.deadline"]

    def test_a_deadline_that_is_not_a_time_is_refused(self) -> None:
        assert rendered(check(add(deadline="not-a-time"))) == [
            "params.deadline: 'not-a-time' (not an RFC 3339 time); use an RFC 3339 time from "
            "500 ms to 60 s after now, such as 2026-11-28T09:00:05.123Z (DEADLINE_MS re-stamps "
            "it when momentum-send sends it)"
        ]

    @pytest.mark.parametrize(
        ("expire", "ok"), [("2026-12-04T01:02:03Z", True), ("2026-12-4T1:2:3Z", False)]
    )
    def test_expire_time_fields_are_two_digits(self, expire: str, ok: bool) -> None:
        found = check(add(time_in_force="gtd", expire_time=expire))
        assert (found == ()) == ok
        assert ok or fields(found) == ["params.expire_time"]

    def test_a_batch_with_fok_is_refused_as_the_builder_refuses_it(self) -> None:
        batch = batch_of(add(time_in_force="fok")["params"], add()["params"])
        assert fields(check(batch)) == ["params.orders[0].time_in_force"]

    def test_a_batch_with_one_cl_ord_id_twice_is_refused(self) -> None:
        batch = batch_of(add(cl_ord_id="a1")["params"], add(cl_ord_id="a1")["params"])
        assert fields(check(batch)) == ["params.orders[1].cl_ord_id"]


def batch_of(*orders: dict[str, Any], **params: Any) -> dict[str, Any]:
    legs = [{k: v for k, v in order.items() if k not in ("symbol", "validate")} for order in orders]
    return {"method": "batch_add",
            "params": {"symbol": "BTC/USD", "validate": True, "orders": legs} | params}  # fmt: skip


class TestBatchAsAWhole:
    def test_two_buys_within_the_cap_each_over_it_together_are_refused(self) -> None:
        batch = batch_of(add()["params"], add()["params"])  # 6 + 6 USD
        found = check(batch, context(entry_max_notional=D("10")))
        assert rendered(found) == [
            "ENTRY_MAX_NOTIONAL refused: the batch's buy legs total 12 USD > cap 10 USD; raise "
            "ENTRY_MAX_NOTIONAL to at least 12, or send fewer or smaller buys"
        ]
        assert check(batch, context(entry_max_notional=D("12"))) == ()

    def test_the_reference_price_reaches_every_order_of_a_batch(self) -> None:
        market = {"order_type": "market", "side": "buy", "order_qty": 0.0001}
        batch = batch_of(market, market)
        assert fields(check(batch)) == ["ENTRY_MAX_NOTIONAL", "ENTRY_MAX_NOTIONAL"]
        assert check(batch, ref_price=D("30000")) == ()


class TestAmend:
    def amend(self, **params: Any) -> dict[str, Any]:
        base = {"order_id": "OUF4EM-FRGI2-MQMWZD", "order_qty": 1000, "limit_price": 100000}
        return {"method": "amend_order", "params": base | params}

    def test_an_amend_of_unknown_side_is_held_as_a_buy(self) -> None:
        found = check(self.amend(), context(allow_live=True), symbol="BTC/USD")
        assert fields(found) == ["ENTRY_MAX_NOTIONAL"]
        assert check(self.amend(), context(allow_live=True), side="sell") == ()

    @pytest.mark.parametrize(("qty", "ok"), [(0.0001, True), (0.00011, False)])
    def test_the_messages_own_symbol_names_the_pair(self, qty: float, ok: bool) -> None:
        # 0.0001 x 100000 = 10 USD: at the cap; 0.00011: over it
        found = check(self.amend(symbol="BTC/USD", order_qty=qty),
                      context(allow_live=True, entry_max_notional=D("10")))  # fmt: skip
        assert fields(found) == ([] if ok else ["ENTRY_MAX_NOTIONAL"])

    def test_side_and_symbol_are_refused_beside_an_add_order(self) -> None:
        found = check(add(), side="sell", symbol="BTC/USD")
        assert fields(found) == ["side", "symbol"]


class TestDuplicateKeys:
    def test_a_side_given_twice_is_refused_naming_it_and_its_path(self) -> None:
        data = b'{"method":"add_order","params":{"order_type":"limit","side":"buy","side":"sell",' \
               b'"order_qty":0.0002,"symbol":"BTC/USD","limit_price":30000,"validate":true}}'  # fmt: skip
        assert rendered(check(data)) == [
            "message: the key 'side' twice at $.params; use each key once (RFC 8259: parsers "
            "differ on which counts)"
        ]

    def test_a_quantity_given_twice_inside_a_batch_order_is_named_there(self) -> None:
        leg = b'{"order_type":"limit","side":"buy","order_qty":100,"order_qty":0.0001,' \
              b'"limit_price":30000}'  # fmt: skip
        data = b'{"method":"batch_add","params":{"symbol":"BTC/USD","validate":true,"orders":[' \
               + leg + b"," + leg + b"]}}"  # fmt: skip
        assert [p.given for p in check(data) if isinstance(p, InputInvalid)] == [
            "the key 'order_qty' twice at $.params.orders[0]",
            "the key 'order_qty' twice at $.params.orders[1]",
        ]

    def test_the_same_message_with_each_key_once_passes(self) -> None:
        assert check(add()) == ()


class TestEveryProblemAtOnce:
    def test_decoding_reports_every_problem_of_the_form(self) -> None:
        message = add(colour="red", post_only="yes", flavour=1)
        assert [p.given for p in check(message) if isinstance(p, InputInvalid)] == [
            "Object contains unknown field `colour` - at `$.params`",
            "Expected `bool`, got `str` - at `$.params.post_only`",
            "Object contains unknown field `flavour` - at `$.params`",
        ]

    def test_a_readable_message_gets_the_checks_too(self) -> None:
        message = add(colour="red", limit_price=-5)
        assert fields(check(message)) == ["message", "params.limit_price"]

    def test_a_guard_refusal_comes_with_the_input_problems(self) -> None:
        message = add(order_qty=0.001, limit_price=28440.05)
        found = check(message, context(instruments="shipped", entry_max_notional=D("10")))
        assert [type(p) for p in found] == [InputInvalid, GuardRefused]


def test_a_cancel_message_is_checked_as_the_builder_checks_it() -> None:
    cancel = {"method": "cancel_order", "params": {"order_id": ["OUF4EM-FRGI2-MQMWZD"]}}
    assert check(cancel) == ()
    assert fields(check(cancel, context())) == ["ALLOW_LIVE"]
    assert fields(check(cancel, ref_price=Decimal("1"))) == ["ref_price"]


# --- the law: nothing --check passes puts more than the cap at risk ---------------------------------

_SYMBOLS = ("BTC/USD", "ETH/BTC", "BTC/EUR")
_prices = st.decimals(min_value=D("0.01"), max_value=D("200"), places=2)
_qtys = st.decimals(min_value=D("0.01"), max_value=D("3"), places=2)


@st.composite
def _orders(draw: st.DrawFn, symbol: str) -> dict[str, Any]:
    """An order of a batch or an add_order, with static prices (its buy legs priced from the
    message, `ref_price` or the close's own price): limit, market, stop-loss, take-profit-limit,
    maybe with a close."""
    side = draw(st.sampled_from(["buy", "sell"]))
    kind = draw(
        st.sampled_from(["limit", "limit", "limit", "market", "stop-loss", "take-profit-limit"])
    )
    order: dict[str, Any] = {"order_type": kind, "side": side, "order_qty": draw(_qtys)}
    if kind in ("limit", "take-profit-limit"):
        order["limit_price"] = draw(_prices)
    if kind in ("stop-loss", "take-profit-limit"):
        order["triggers"] = {"price": draw(_prices)}
    if kind == "market" and side == "buy" and draw(st.booleans()):
        order["cash_order_qty"] = draw(_prices)
    close = draw(st.sampled_from([None, None, None, "limit", "stop-loss", "take-profit-limit"]))
    if close is not None:
        conditional: dict[str, Any] = {"order_type": close}
        if close != "stop-loss":
            conditional["limit_price"] = draw(_prices)
        if close != "limit":
            conditional["trigger_price"] = draw(_prices)
        order["conditional"] = conditional
    return order


def _legs_in_quote(order: dict[str, Any], ref: Decimal | None) -> Decimal:
    """The oracle: what an order's buy legs can cost, in its quote currency, from the message."""
    own = order.get("limit_price") or order.get("triggers", {}).get("price") or ref
    if order["side"] == "buy":
        cost = D(str(order["order_qty"])) * D(str(own))
        return max(cost, D(str(order.get("cash_order_qty", 0))))
    close = order.get("conditional")
    if close is None:
        return Decimal(0)
    price = close.get("limit_price") or close.get("trigger_price")
    return D(str(order["order_qty"])) * D(str(price))


def _in_cap_currency(total: Decimal, symbol: str, ctx: Context) -> Decimal:
    if total == 0:
        return total  # no buy leg: nothing to convert, and no rate needed
    quote = symbol.partition("/")[2]
    rate = Decimal(1) if quote == ctx.knobs.notional_ccy else ctx.quote_rates[quote]
    return total * rate


_contexts = st.builds(
    lambda cap, ccy, rates: context(
        entry_max_notional=cap, notional_ccy=ccy, quote_rates=rates, allow_live=True
    ),
    st.decimals(min_value=D("1"), max_value=D("500"), places=0),
    st.sampled_from(["USD", "EUR"]),
    st.dictionaries(
        st.sampled_from(["USD", "EUR", "BTC"]),
        st.decimals(min_value=D("0.5"), max_value=D("2"), places=1),
    ),
)


@given(st.data(), _contexts, st.none() | _prices)
def test_nothing_check_passes_has_buy_legs_over_the_cap(
    data: st.DataObject, ctx: Context, ref: Decimal | None
) -> None:
    """No message that --check passes, alone or in a batch, has buy legs whose total notional
    (in NOTIONAL_CCY) exceeds the cap."""
    symbol = data.draw(st.sampled_from(_SYMBOLS))
    orders = data.draw(st.lists(_orders(symbol), min_size=1, max_size=4))
    if len(orders) == 1:
        message: dict[str, Any] = {"method": "add_order",
                                   "params": orders[0] | {"symbol": symbol, "validate": True}}  # fmt: skip
    else:
        message = batch_of(*orders)
        message["params"]["symbol"] = symbol
    if check(message, ctx, ref_price=ref) != ():
        return
    total = sum((_legs_in_quote(order, ref) for order in orders), Decimal(0))
    at_risk = _in_cap_currency(total, symbol, ctx)
    target(float(at_risk / ctx.knobs.entry_max_notional))  # search towards the cap
    assert at_risk <= ctx.knobs.entry_max_notional


@given(_contexts, _qtys, _prices, st.none() | st.sampled_from(["buy", "sell"]), st.none() | _prices)
def test_no_amend_check_passes_puts_more_than_the_cap_at_risk(
    ctx: Context, qty: Decimal, price: Decimal, side: str | None, ref: Decimal | None
) -> None:
    """An amend that --check passes is a sell, or its quantity at its price is within the cap."""
    amend = {"method": "amend_order",
             "params": {"order_id": "OUF4EM-FRGI2-MQMWZD", "order_qty": qty, "limit_price": price}}  # fmt: skip
    if check(amend, ctx, side=side, symbol="BTC/USD", ref_price=ref) != ():
        return
    assert (
        side == "sell"
        or _in_cap_currency(qty * price, "BTC/USD", ctx) <= ctx.knobs.entry_max_notional
    )


@given(_contexts, st.sampled_from(["buy", "sell"]), _qtys, st.tuples(_prices, _prices, _prices))
def test_no_bracket_that_builds_puts_more_than_the_cap_at_risk(
    ctx: Context, side: str, qty: Decimal, prices: tuple[Decimal, Decimal, Decimal]
) -> None:
    """A bracket's two messages, both of which may fill, stay within the cap together."""
    entry, stop, take = prices
    order = LimitOrder(symbol="BTC/USD", side="buy" if side == "buy" else "sell", qty=qty,
                       limit_price=entry)  # fmt: skip
    plan = bracket_plan(
        order, StopLossClose(trigger_price=stop), TakeProfitClose(trigger_price=take), ctx
    )
    if not isinstance(plan, Success):
        return
    first, second = (
        json.loads(encode(message).unwrap(), parse_float=Decimal) for message in plan.unwrap()
    )
    total = _legs_in_quote(first["params"], None) + _legs_in_quote(second["params"], None)
    at_risk = _in_cap_currency(total, "BTC/USD", ctx)
    target(float(at_risk / ctx.knobs.entry_max_notional))
    assert at_risk <= ctx.knobs.entry_max_notional


@given(st.one_of(st.binary(max_size=300), st.text(max_size=300).map(str.encode)), contexts)
def test_checking_any_bytes_never_raises(data: bytes, ctx: Context) -> None:
    """The core returns a Result for every input; it never raises."""
    assert isinstance(check_message(data, ctx), tuple)


def test_a_batch_orders_unreadable_time_is_named_by_its_path_in_the_batch() -> None:
    late = add(time_in_force="gtd", expire_time="2026-12-4T1:2:3Z")["params"]
    assert rendered(check(batch_of(add()["params"], late))) == [
        "params.orders[1].expire_time: '2026-12-4T1:2:3Z'; use RFC 3339 to the second, such as "
        "2026-12-01T00:00:00Z"
    ]


# --- what each kind of message is checked with, word for word -----------------------------------

_AMEND: dict[str, Any] = {"order_id": "OUF4EM-FRGI2-MQMWZD", "order_qty": 1}
_CANCEL: dict[str, Any] = {"method": "cancel_order", "params": {"cl_ord_id": ["a-1"]}}
_REQ_ID = "req_id: '1099511627776'; use a whole number from -2147483648 to 2147483647"


def amend_of(**params: Any) -> dict[str, Any]:
    return {"method": "amend_order", "params": _AMEND | params}


def test_a_deadline_outside_the_window_is_refused_without_calling_it_unreadable() -> None:
    assert rendered(check(add(deadline=deadline(timedelta(hours=1))))) == [
        "params.deadline: '2026-11-28T10:00:00.123Z'; use an RFC 3339 time from 500 ms to 60 s "
        "after now, such as 2026-11-28T09:00:05.123Z (DEADLINE_MS re-stamps it when "
        "momentum-send sends it)"
    ]


@pytest.mark.parametrize(
    ("message", "method"),
    [
        (add(), "add_order"),
        (batch_of(add()["params"], add()["params"]), "batch_add"),
        (_CANCEL, "cancel_order"),
    ],
)
def test_side_and_symbol_beside_a_message_that_carries_its_own_are_refused(
    message: dict[str, Any], method: str
) -> None:
    assert rendered(check(message, side="sell", symbol="BTC/USD")) == [
        f"side: given for a {method}, which carries its own; use side only beside an amend_order",
        f"symbol: given for a {method}, which carries its own; use symbol only beside an "
        "amend_order",
    ]


@pytest.mark.parametrize(
    ("message", "side"),
    [({**add(), "req_id": 2**40}, None), ({**amend_of(), "req_id": 2**40}, "sell"),
     ({**_CANCEL, "req_id": 2**40}, None)],
)  # fmt: skip
def test_the_envelopes_req_id_is_checked_and_keeps_its_name(
    message: dict[str, Any], side: str | None
) -> None:
    assert rendered(check(message, side=side)) == [_REQ_ID]


def test_a_batchs_req_id_is_checked_too() -> None:
    batch = {**batch_of(add()["params"], add()["params"]), "req_id": 2**40}
    assert rendered(check(batch)) == ["req_id: 1099511627776; use a signed 32-bit integer"]


class TestBatchChecks:
    def test_a_batch_without_validate_is_live_and_needs_allow_live(self) -> None:
        batch = batch_of(add()["params"], add()["params"])
        del batch["params"]["validate"]
        found = check(batch, context(entry_max_notional=D("1000000")))
        assert fields(found) == ["ALLOW_LIVE", "ALLOW_LIVE"]
        assert check(batch) == ()

    def test_a_batchs_own_deadline_is_checked_by_its_path(self) -> None:
        batch = batch_of(add()["params"], add()["params"], deadline="x")
        assert fields(check(batch)) == ["params.deadline"]


class TestAmendChecks:
    @pytest.mark.parametrize(
        ("params", "problem"),
        [
            ({"trigger_price": -5}, "params.trigger_price: '-5'; use a positive finite decimal "
             "with at most 18 decimals, below 10^16"),
            ({"trigger_price": 150, "trigger_price_type": "pct"}, "params.trigger_price: '150'; "
             "use a finite offset (pct strictly between -100 and 100)"),
            ({"limit_price": 150, "limit_price_type": "pct"}, "params.limit_price: '150'; "
             "use a finite offset (pct strictly between -100 and 100)"),
            ({"post_only": True}, "params.post_only: set without a new limit_price; use "
             "post_only with a limit_price change"),
            ({"display_qty": -1}, "params.display_qty: '-1'; use a positive finite decimal with "
             "at most 18 decimals, below 10^16"),
            ({"deadline": "x"}, "params.deadline: 'x' (not an RFC 3339 time); use an RFC 3339 "
             "time from 500 ms to 60 s after now, such as 2026-11-28T09:00:05.123Z (DEADLINE_MS "
             "re-stamps it when momentum-send sends it)"),
        ],
    )  # fmt: skip
    def test_each_field_of_an_amend_is_checked_by_its_path(
        self, params: dict[str, Any], problem: str
    ) -> None:
        assert rendered(check(amend_of(**params), side="sell")) == [problem]

    def test_the_reference_price_beside_bounds_an_amend_without_a_price(self) -> None:
        ctx = context(allow_live=True, entry_max_notional=D("10"))
        found = check(amend_of(), ctx, side="buy", symbol="BTC/USD", ref_price=D("30000"))
        assert rendered(found) == [
            "ENTRY_MAX_NOTIONAL refused: 1 x 30000 = 30000 USD > cap 10 USD; raise "
            "ENTRY_MAX_NOTIONAL to at least 30000, or lower the quantity or the price"
        ]

    def test_a_symbol_is_named_where_it_came_from(self) -> None:
        ctx = context(allow_live=True, instruments="shipped")
        unknown = (
            "'XYZ/ABC' is not a pair in the instrument table; use a WS v2 symbol the table "
            "knows; for another pair, give instrument data that has it"
        )
        own = check(amend_of(symbol="XYZ/ABC"), ctx, side="sell")
        assert rendered(own) == [f"params.symbol: {unknown}"]
        beside = check(amend_of(), ctx, side="sell", symbol="XYZ/ABC")
        assert rendered(beside) == [f"symbol: {unknown}"]


class TestCancelChecks:
    def test_a_cancel_by_client_id_or_userref_alone_passes(self) -> None:
        assert check(_CANCEL) == ()
        assert check({"method": "cancel_order", "params": {"order_userref": [1]}}) == ()

    def test_an_id_is_named_by_its_place_in_the_messages_list(self) -> None:
        message = {"method": "cancel_order", "params": {"order_userref": [1, 2**40]}}
        assert rendered(check(message)) == [
            "params.order_userref[1]: '1099511627776'; use a signed 32-bit integer"
        ]

    def test_a_reference_price_beside_a_cancel_is_refused_word_for_word(self) -> None:
        assert rendered(check(_CANCEL, ref_price=D("1"))) == [
            "ref_price: given for a cancel_order; use ref_price beside an order or an amend"
        ]


class TestNamesOutsideTheMessage:
    def test_a_missing_reference_price_keeps_its_own_name(self) -> None:
        market = add(order_type="market", conditional={"order_type": "limit", "limit_price": 1})
        del market["params"]["limit_price"]
        assert fields(check(market)) == ["ref_price", "ENTRY_MAX_NOTIONAL"]

    def test_a_bad_rate_keeps_its_own_name_with_its_currency(self) -> None:
        ctx = context(**LIVE_WIDE, quote_rates={"EUR": D("-1")})
        assert rendered(check(add(), ctx)) == [
            "quote_rates[EUR]: '-1'; use a positive finite decimal with at most 18 decimals, "
            "below 10^16"
        ]


def test_a_bad_side_beside_an_amend_keeps_its_own_name() -> None:
    bad = ["side: 'up'; use buy or sell, or no side (held as a buy)"]
    assert rendered(check(amend_of(limit_price=1), side="up", symbol="BTC/USD")) == bad
    assert rendered(check(amend_of(limit_price=1, symbol="BTC/USD"), side="up")) == bad

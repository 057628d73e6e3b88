"""Every check and guard on both sides of its limit, judged on the final bytes or the refusal."""

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from momentum.errors import GuardRefused, InputInvalid
from momentum.exchange.kraken.ws_v2_payloads import build_add_order
from momentum.models.intent import (
    LimitClose,
    MarketOrder,
    Side,
    StopLossClose,
    StopLossLimitClose,
    StopLossLimitOrder,
    StopLossOrder,
    TakeProfitClose,
    TakeProfitLimitClose,
    TakeProfitLimitOrder,
    TakeProfitOrder,
    Trigger,
)
from momentum.utils.safety import check_order
from tests.helpers import NOW, D, N, built, context, limit, refused


def market(**changes: Any) -> MarketOrder:
    fields: dict[str, Any] = {"symbol": "BTC/USD", "side": "buy", "qty": D("0.001")}
    return MarketOrder(**(fields | changes))


def guards_of(order: Any, **ctx: Any) -> list[str]:
    found = build_add_order(order, context(**ctx)).failure()
    return [p.guard for p in found if isinstance(p, GuardRefused)]


def fields_of(order: Any, **ctx: Any) -> list[str]:
    found = build_add_order(order, context(**ctx)).failure()
    return [p.field for p in found if isinstance(p, InputInvalid)]


class TestEntryMaxNotional:
    def test_entry_at_cap_is_accepted(self) -> None:
        assert built(limit(), context(entry_max_notional=D("28.44")))["params"]["limit_price"] == N(
            "28440"
        )

    def test_entry_one_tick_over_cap_is_refused(self) -> None:
        assert guards_of(limit(limit_price=D("28440.1")), entry_max_notional=D("28.44")) == [
            "ENTRY_MAX_NOTIONAL"
        ]

    def test_refusal_names_the_figures_and_the_remedy(self) -> None:
        assert refused(limit(), context(entry_max_notional=D("10"))) == [
            "ENTRY_MAX_NOTIONAL refused: 0.001 x 28440 = 28.44 USD > cap 10 USD; raise "
            "ENTRY_MAX_NOTIONAL to at least 28.44, or lower the quantity or the price"
        ]

    def test_market_entry_without_reference_price_is_refused(self) -> None:
        assert guards_of(market()) == ["ENTRY_MAX_NOTIONAL"]

    def test_market_entry_with_reference_price_under_cap_is_accepted(self) -> None:
        order = market(ref_price=D("9000"))
        assert built(order, context(entry_max_notional=D("9")))["params"]["order_type"] == "market"

    def test_market_entry_with_reference_price_over_cap_is_refused(self) -> None:
        assert guards_of(market(ref_price=D("9000.1")), entry_max_notional=D("9")) == [
            "ENTRY_MAX_NOTIONAL"
        ]

    def test_a_stop_entry_is_bounded_by_its_trigger(self) -> None:
        order = StopLossOrder(
            symbol="BTC/USD", side="buy", qty=D("1"), trigger=Trigger(price=D("10.01"))
        )
        assert guards_of(order, entry_max_notional=D("10")) == ["ENTRY_MAX_NOTIONAL"]
        assert built(order, context(entry_max_notional=D("10.01")))["params"]["order_qty"] == N("1")

    def test_a_relative_trigger_entry_is_bounded_through_the_reference_price(self) -> None:
        order = StopLossOrder(
            symbol="BTC/USD",
            side="buy",
            qty=D("1"),
            trigger=Trigger(price=D("5"), price_type="pct"),
            ref_price=D("100"),
        )
        assert guards_of(order, entry_max_notional=D("104.99")) == ["ENTRY_MAX_NOTIONAL"]
        assert built(order, context(entry_max_notional=D("105")))["params"]["triggers"] == {
            "reference": "last",
            "price": N("5"),
            "price_type": "pct",
        }

    def test_a_sell_exit_is_not_bounded(self) -> None:
        assert (
            built(market(side="sell"), context(entry_max_notional=D("1")))["params"]["side"]
            == "sell"
        )

    def test_a_buy_close_of_a_sell_is_bounded_too(self) -> None:
        order = limit(
            side="sell", limit_price=D("100"), qty=D("1"), close=LimitClose(limit_price=D("90"))
        )
        assert guards_of(order, entry_max_notional=D("89.99")) == ["ENTRY_MAX_NOTIONAL"]
        assert built(order, context(entry_max_notional=D("90")))["params"]["conditional"] == {
            "order_type": "limit",
            "limit_price": N("90"),
        }


class TestOnePositionOnly:
    def test_entry_with_no_open_position_is_accepted(self) -> None:
        assert built(limit(), context(exposure=0))["params"]["side"] == "buy"

    def test_entry_with_an_open_position_is_refused(self) -> None:
        assert guards_of(limit(), exposure=1) == ["ONE_POSITION_ONLY"]

    def test_entry_with_an_open_position_is_accepted_when_the_knob_is_off(self) -> None:
        assert (
            built(limit(), context(exposure=1, one_position_only=False))["params"]["side"] == "buy"
        )

    def test_exit_with_an_open_position_is_accepted(self) -> None:
        assert built(limit(side="sell"), context(exposure=1))["params"]["side"] == "sell"

    def test_a_negative_position_count_is_invalid_input(self) -> None:
        assert fields_of(limit(), exposure=-1) == ["open_positions"]


def stop_limit_close(limit_price: Decimal | None) -> StopLossLimitClose:
    return StopLossLimitClose(trigger_price=D("28410"), limit_price=limit_price)


class TestAbsLimitRequired:
    def test_a_close_with_its_limit_is_accepted(self) -> None:
        conditional = built(limit(close=stop_limit_close(D("28400"))))["params"]["conditional"]
        assert conditional["limit_price"] == N("28400")

    def test_a_close_without_its_limit_is_refused(self) -> None:
        assert guards_of(limit(close=stop_limit_close(None))) == ["ABS_LIMIT_REQUIRED"]

    def test_off_a_close_without_limit_uses_the_trigger_as_limit(self) -> None:
        message = built(limit(close=stop_limit_close(None)), context(abs_limit_required=False))
        assert message["params"]["conditional"] == {
            "order_type": "stop-loss-limit",
            "trigger_price": N("28410"),
            "limit_price": N("28410"),
        }

    def test_a_take_profit_limit_close_without_limit_is_refused(self) -> None:
        order = limit(close=TakeProfitLimitClose(trigger_price=D("28500")))
        assert guards_of(order) == ["ABS_LIMIT_REQUIRED"]

    @pytest.mark.parametrize("kind", [StopLossLimitOrder, TakeProfitLimitOrder])
    def test_a_primary_limit_type_without_limit_is_refused(self, kind: type[Any]) -> None:
        order = kind(symbol="BTC/USD", side="sell", qty=D("1"), trigger=Trigger(price=D("100")))
        assert guards_of(order) == ["ABS_LIMIT_REQUIRED"]

    @pytest.mark.parametrize("kind", [StopLossLimitOrder, TakeProfitLimitOrder])
    def test_off_a_primary_without_limit_uses_the_static_trigger(self, kind: type[Any]) -> None:
        order = kind(symbol="BTC/USD", side="sell", qty=D("1"), trigger=Trigger(price=D("100")))
        params = built(order, context(abs_limit_required=False))["params"]
        assert params["limit_price"] == N("100")

    def test_off_a_relative_trigger_cannot_stand_in_for_the_limit(self) -> None:
        order = StopLossLimitOrder(
            symbol="BTC/USD",
            side="sell",
            qty=D("1"),
            trigger=Trigger(price=D("-2"), price_type="pct"),
        )
        assert fields_of(order, abs_limit_required=False) == ["limit_price"]


class TestAllowLive:
    def test_validate_stays_true_by_default(self) -> None:
        assert built(limit(), context(allow_live=True))["params"]["validate"] is True

    def test_a_live_order_is_refused_while_allow_live_is_off(self) -> None:
        assert guards_of(limit(), live=True) == ["ALLOW_LIVE"]

    def test_a_live_order_with_allow_live_on_sends_validate_false(self) -> None:
        assert built(limit(), context(live=True, allow_live=True))["params"]["validate"] is False


class TestCloseDirection:
    @pytest.mark.parametrize(
        ("close", "ok"),
        [
            (StopLossClose(trigger_price=D("28439.9")), True),
            (StopLossClose(trigger_price=D("28440")), False),
            (StopLossClose(trigger_price=D("28500")), False),
            (TakeProfitClose(trigger_price=D("28440.1")), True),
            (TakeProfitClose(trigger_price=D("28440")), False),
            (TakeProfitClose(trigger_price=D("28000")), False),
            (LimitClose(limit_price=D("28441")), True),
            (LimitClose(limit_price=D("28439")), False),
        ],
    )
    def test_a_buy_entry_stops_below_and_takes_profit_above(self, close: Any, ok: bool) -> None:
        order = limit(close=close)
        if ok:
            assert (
                built(order)["params"]["conditional"]["order_type"] == close.__struct_config__.tag
            )
        else:
            assert fields_of(order)[0].startswith("close.")

    @pytest.mark.parametrize(
        ("close", "ok"),
        [
            (StopLossClose(trigger_price=D("28440.1")), True),
            (StopLossClose(trigger_price=D("28440")), False),
            (TakeProfitClose(trigger_price=D("28439.9")), True),
            (TakeProfitClose(trigger_price=D("28440")), False),
        ],
    )
    def test_a_sell_entry_is_mirrored(self, close: Any, ok: bool) -> None:
        order = limit(side="sell", close=close)
        if ok:
            assert built(order)["params"]["conditional"]["trigger_price"] == N(
                str(close.trigger_price)
            )
        else:
            assert fields_of(order) == ["close.trigger_price"]

    def test_a_market_entry_needs_a_reference_price_to_check_its_close(self) -> None:
        order = market(side="sell", close=StopLossClose(trigger_price=D("100")))
        assert fields_of(order) == ["ref_price"]

    def test_the_refusal_says_where_the_stop_must_go(self) -> None:
        order = limit(close=StopLossClose(trigger_price=D("29000")))
        assert refused(order) == [
            "close.trigger_price: 29000 is not below the buy entry 28440; use a stop price below 28440"
        ]


class TestStopLimitSide:
    def test_a_sell_stop_limit_close_at_its_trigger_is_accepted(self) -> None:
        close = StopLossLimitClose(trigger_price=D("28410"), limit_price=D("28410"))
        assert built(limit(close=close))["params"]["conditional"]["limit_price"] == N("28410")

    def test_a_sell_stop_limit_close_above_its_trigger_is_refused(self) -> None:
        close = StopLossLimitClose(trigger_price=D("28410"), limit_price=D("28410.1"))
        assert fields_of(limit(close=close)) == ["close.limit_price"]

    def test_a_buy_stop_limit_close_below_its_trigger_is_refused(self) -> None:
        close = StopLossLimitClose(trigger_price=D("28500"), limit_price=D("28499"))
        assert fields_of(limit(side="sell", close=close)) == ["close.limit_price"]

    def test_a_buy_stop_limit_close_at_its_trigger_is_accepted(self) -> None:
        close = StopLossLimitClose(trigger_price=D("28500"), limit_price=D("28500"))
        message = built(limit(side="sell", close=close))
        assert message["params"]["conditional"]["limit_price"] == N("28500")

    @pytest.mark.parametrize(
        ("side", "limit_price", "ok"),
        [
            ("sell", "100", True),
            ("sell", "100.01", False),
            ("buy", "100", True),
            ("buy", "99.99", False),
        ],
    )
    def test_a_primary_stop_limit_keeps_its_limit_on_the_filling_side(
        self, side: Side, limit_price: str, ok: bool
    ) -> None:
        order = StopLossLimitOrder(
            symbol="BTC/USD",
            side=side,
            qty=D("1"),
            trigger=Trigger(price=D("100")),
            limit_price=D(limit_price),
        )
        if ok:
            assert built(order)["params"]["limit_price"] == N(limit_price)
        else:
            assert fields_of(order) == ["limit_price"]


class TestTimeInForce:
    def test_post_only_with_gtc_is_accepted(self) -> None:
        assert built(limit(post_only=True))["params"]["post_only"] is True

    @pytest.mark.parametrize("tif", ["ioc", "fok"])
    def test_post_only_with_an_immediate_tif_is_refused(self, tif: str) -> None:
        assert fields_of(limit(post_only=True, time_in_force=tif)) == ["post_only"]

    def test_fok_on_a_limit_is_accepted(self) -> None:
        assert built(limit(time_in_force="fok"))["params"]["time_in_force"] == "fok"

    def test_fok_on_a_market_order_is_refused(self) -> None:
        assert fields_of(market(side="sell", time_in_force="fok")) == ["time_in_force"]

    def test_a_fok_default_knob_refuses_a_market_order(self) -> None:
        assert fields_of(market(side="sell"), default_tif="fok") == ["time_in_force"]

    def test_the_default_knob_fills_time_in_force(self) -> None:
        assert built(limit(), context(default_tif="ioc"))["params"]["time_in_force"] == "ioc"

    def test_gtd_without_expiry_is_refused(self) -> None:
        assert fields_of(limit(time_in_force="gtd")) == ["expire_time"]

    def test_an_expiry_without_gtd_is_refused(self) -> None:
        assert fields_of(limit(expire_time=NOW + timedelta(days=1))) == ["expire_time"]

    def test_gtd_at_the_longest_expiry_is_accepted_to_the_second(self) -> None:
        expire = (NOW + timedelta(days=28)).replace(microsecond=0)
        params = built(limit(time_in_force="gtd", expire_time=expire))["params"]
        assert params["expire_time"] == "2026-12-26T09:00:00Z"

    def test_gtd_one_second_past_the_longest_expiry_is_refused(self) -> None:
        expire = (NOW + timedelta(days=28, seconds=1)).replace(microsecond=0)
        assert fields_of(limit(time_in_force="gtd", expire_time=expire)) == ["expire_time"]

    def test_an_expiry_in_the_past_is_refused(self) -> None:
        expire = (NOW - timedelta(seconds=1)).replace(microsecond=0)
        assert fields_of(limit(time_in_force="gtd", expire_time=expire)) == ["expire_time"]

    def test_an_expiry_finer_than_a_second_is_refused(self) -> None:
        assert fields_of(limit(time_in_force="gtd", expire_time=NOW + timedelta(days=1))) == [
            "expire_time"
        ]

    def test_a_naive_expiry_is_refused(self) -> None:
        expire = NOW.replace(tzinfo=None, microsecond=0) + timedelta(days=1)
        assert fields_of(limit(time_in_force="gtd", expire_time=expire)) == ["expire_time"]


class TestAmounts:
    @pytest.mark.parametrize(
        "qty", ["0", "-0.001", "NaN", "Infinity", "-Infinity", "1E+16", "0.0000000000000000001"]
    )
    def test_a_quantity_that_is_not_a_positive_bounded_amount_is_refused(self, qty: str) -> None:
        assert fields_of(limit(qty=Decimal(qty))) == ["qty"]

    @pytest.mark.parametrize("qty", ["0.000000000000000001", "9999999999999999"])
    def test_the_smallest_and_largest_quantities_are_accepted(self, qty: str) -> None:
        ctx = context(entry_max_notional=D("1E+30"))
        assert built(limit(qty=Decimal(qty)), ctx)["params"]["order_qty"] == N(qty)

    def test_a_float_is_refused_even_from_an_untyped_caller(self) -> None:
        assert fields_of(limit(qty=0.001)) == ["qty"]

    @pytest.mark.parametrize("price", ["0", "-1", "NaN"])
    def test_a_limit_price_that_is_not_positive_is_refused(self, price: str) -> None:
        assert fields_of(limit(limit_price=Decimal(price))) == ["limit_price"]

    @pytest.mark.parametrize(
        ("price", "ok"),
        [
            ("-99.99", True),
            ("99.99", True),
            ("-100", False),
            ("100", False),
            ("0", False),
        ],
    )
    def test_a_pct_trigger_lies_strictly_between_minus_100_and_100(
        self, price: str, ok: bool
    ) -> None:
        # a sell stop below the market (negative), a sell take-profit above it (positive)
        kind = StopLossOrder if price.startswith("-") else TakeProfitOrder
        order = kind(
            symbol="BTC/USD",
            side="sell",
            qty=D("1"),
            trigger=Trigger(price=D(price), price_type="pct"),
        )
        if ok:
            assert built(order)["params"]["triggers"]["price"] == N(price)
        else:
            assert fields_of(order) == ["trigger.price"]

    @pytest.mark.parametrize(("price", "ok"), [("-150", True), ("0", False)])
    def test_a_quote_trigger_is_a_non_zero_offset(self, price: str, ok: bool) -> None:
        order = StopLossOrder(
            symbol="BTC/USD",
            side="sell",
            qty=D("1"),
            trigger=Trigger(price=D(price), price_type="quote"),
        )
        if ok:
            assert built(order)["params"]["triggers"]["price"] == N(price)
        else:
            assert fields_of(order) == ["trigger.price"]


class TestIdentity:
    @pytest.mark.parametrize(
        "symbol", ["btc/usd", "BTCUSD", "BTC/", "/USD", "BTC/USD/EUR", "", "BTC USD", "BTC/USD "]
    )
    def test_a_symbol_not_shaped_base_slash_quote_is_refused(self, symbol: str) -> None:
        assert fields_of(limit(symbol=symbol)) == ["symbol"]

    def test_a_lower_case_symbol_gets_a_suggestion(self) -> None:
        assert "did you mean BTC/USD?" in refused(limit(symbol="btc/usd"))[0]

    def test_an_unknown_side_is_refused(self) -> None:
        assert fields_of(limit(side="hold")) == ["side"]

    @pytest.mark.parametrize(
        "cl_ord_id",
        [
            "6d1b345e-2821-40e2-ad83-4ecb18a06876",
            "6d1b345e282140e2ad834ecb18a06876",
            "a" * 18,
            "my-order_1",
        ],
    )
    def test_each_cl_ord_id_format_is_accepted(self, cl_ord_id: str) -> None:
        assert built(limit(cl_ord_id=cl_ord_id))["params"]["cl_ord_id"] == cl_ord_id

    @pytest.mark.parametrize(
        "cl_ord_id", ["a" * 19, "has space", "é", "", "6d1b345e-2821-40e2-ad83"]
    )
    def test_a_malformed_cl_ord_id_is_refused(self, cl_ord_id: str) -> None:
        assert fields_of(limit(cl_ord_id=cl_ord_id)) == ["cl_ord_id"]

    @pytest.mark.parametrize(
        ("value", "ok"),
        [
            (2**31 - 1, True),
            (-(2**31), True),
            (2**31, False),
            (-(2**31) - 1, False),
        ],
    )
    def test_order_userref_is_a_signed_32_bit_integer(self, value: int, ok: bool) -> None:
        order = limit(order_userref=value)
        if ok:
            assert built(order)["params"]["order_userref"] == N(str(value))
        else:
            assert fields_of(order) == ["order_userref"]

    def test_cl_ord_id_and_order_userref_together_are_refused(self) -> None:
        assert fields_of(limit(cl_ord_id="abc", order_userref=1)) == ["order_userref"]

    @pytest.mark.parametrize(("value", "ok"), [(2**31 - 1, True), (2**31, False)])
    def test_req_id_is_a_signed_32_bit_integer(self, value: int, ok: bool) -> None:
        if ok:
            assert built(limit(), context(req_id=value))["req_id"] == N(str(value))
        else:
            assert fields_of(limit(), req_id=value) == ["req_id"]


def test_every_problem_of_a_request_is_reported_at_once() -> None:
    order = limit(
        symbol="btc", qty=D("0"), limit_price=D("-1"), cl_ord_id="a" * 40, time_in_force="gtd"
    )
    found = check_order(order, context(exposure=2, live=True)).failure()
    assert [getattr(p, "field", None) or getattr(p, "guard", None) for p in found] == [
        "symbol",
        "cl_ord_id",
        "expire_time",
        "qty",
        "limit_price",
        "ONE_POSITION_ONLY",
        "ALLOW_LIVE",
    ]


def test_a_naive_clock_reading_is_refused() -> None:
    ctx = context()
    naive = type(ctx)(knobs=ctx.knobs, now=NOW.replace(tzinfo=None))
    assert [
        p.field for p in check_order(limit(), naive).failure() if isinstance(p, InputInvalid)
    ] == ["now"]


def test_something_that_is_not_an_intent_is_refused_not_raised() -> None:
    found = check_order("buy BTC", context()).failure()  # type: ignore[arg-type]  # an untyped caller's mistake
    assert [p.render().partition(":")[0] for p in found] == ["order"]


class TestRefusalTexts:
    """Each knob-named refusal says the guard, the figures and the change that would pass."""

    def test_one_position_only(self) -> None:
        assert refused(limit(), context(exposure=2)) == [
            "ONE_POSITION_ONLY refused: 2 position(s) open and ONE_POSITION_ONLY=1; close the "
            "open position first, or set ONE_POSITION_ONLY=0"
        ]

    def test_abs_limit_required(self) -> None:
        order = limit(close=StopLossLimitClose(trigger_price=D("28410")))
        assert refused(order) == [
            "ABS_LIMIT_REQUIRED refused: no absolute limit price on its stop-loss-limit close; "
            "give the limit price (close.limit_price), or set ABS_LIMIT_REQUIRED=0 to use "
            "the trigger price as the limit"
        ]

    def test_allow_live(self) -> None:
        assert refused(limit(), context(live=True)) == [
            "ALLOW_LIVE refused: a live order (validate=false) was asked for and ALLOW_LIVE=0; "
            "set ALLOW_LIVE=1 to allow live orders, or ask for validation only (validate)"
        ]

    def test_an_unbounded_market_buy(self) -> None:
        assert refused(market(), context(entry_max_notional=D("10"))) == [
            "ENTRY_MAX_NOTIONAL refused: the entry's price is unknown, so its notional cannot be "
            "bounded by cap 10 USD; give a reference price (ref_price) or a limit price (limit_price)"
        ]

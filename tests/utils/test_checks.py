"""Input checks on an intent (momentum/utils/checks.py): each refusal in words, beside a pass."""

from datetime import timedelta
from decimal import Decimal
from types import MappingProxyType
from typing import Any, ClassVar

import msgspec
import pytest
from returns.result import Success

from momentum.errors import InputInvalid
from momentum.exchange.kraken.ws_v2_payloads import build_add_order
from momentum.models.context import Context
from momentum.models.intent import (
    IcebergOrder,
    LimitClose,
    LimitOrder,
    MarketOrder,
    OrderIntent,
    SettlePositionOrder,
    Side,
    StopLossClose,
    StopLossLimitClose,
    StopLossLimitOrder,
    StopLossOrder,
    TakeProfitClose,
    TakeProfitOrder,
    TrailingStopClose,
    TrailingStopLimitClose,
    TrailingStopLimitOrder,
    TrailingStopOrder,
    Trigger,
)
from momentum.utils.checks import (
    check_input,
    context_problems,
    order_warnings,
    quote,
    screen_input,
    text,
)
from momentum.utils.safety import check_order
from tests.helpers import NOW, D, N, built, context, knobs, limit, problems, refused

AMOUNT = "use a positive finite decimal with at most 18 decimals, below 10^16"
B: dict[str, Any] = {"symbol": "BTC/USD", "qty": D("1")}
L: dict[str, Any] = {"symbol": "BTC/USD", "qty": D("1"), "limit_price": D("100"), "side": "buy"}
AT_100: dict[str, Any] = {"symbol": "BTC/USD", "qty": D("1"), "limit_price": D("100")}
BASE: dict[str, Any] = {"symbol": "MATIC/USD", "side": "buy", "qty": D("100")}
ENTRY: dict[str, Any] = {"symbol": "BTC/USD", "side": "buy", "qty": D("0.001"),
                         "limit_price": D("28440")}  # fmt: skip


def untyped(value: object) -> Any:
    """A value as an untyped caller passes it: the types would reject it, the checks must too."""
    return value


def t(price: str = "90", **changes: Any) -> Trigger:
    return Trigger(price=D(price), **changes)


def tsl(side: Any, limit: str, limit_type: Any = "quote", **changes: Any) -> TrailingStopLimitOrder:
    fields: dict[str, Any] = {"trigger": t("2", price_type="pct")} | changes
    return TrailingStopLimitOrder(**B, side=side, limit_price=D(limit), limit_price_type=limit_type,
                                  **fields)  # fmt: skip


def tsl_close(limit: str, limit_type: Any = "quote") -> LimitOrder:
    return LimitOrder(**L, close=TrailingStopLimitClose(trigger_price=D("1"),
                      trigger_price_type="pct", limit_price=D(limit), limit_price_type=limit_type))  # fmt: skip


def market(**changes: Any) -> MarketOrder:
    fields: dict[str, Any] = {"symbol": "BTC/USD", "side": "buy", "qty": D("0.001")}
    return MarketOrder(**(fields | changes))


def fields_of(order: Any, **ctx: Any) -> list[str]:
    found = build_add_order(order, context(**ctx)).failure()
    return [p.field for p in found if isinstance(p, InputInvalid)]


def fields(order: OrderIntent, **ctx: Any) -> list[str]:
    found = build_add_order(order, context(**ctx)).swap().value_or(())
    return [p.field for p in found if isinstance(p, InputInvalid)]


REFUSED: list[tuple[str, Any, str]] = [
    ("side", LimitOrder(**{**L, "side": "long"}), "side: 'long'; use buy or sell"),
    ("stp", LimitOrder(**L, stp_type=untyped("cancel_all")),
     "stp_type: 'cancel_all'; use cancel_newest or cancel_oldest or cancel_both"),
    ("fee", LimitOrder(**L, fee_preference=untyped("usd")), "fee_preference: 'usd'; use base or quote"),
    ("tif", LimitOrder(**L, time_in_force=untyped("day")),
     "time_in_force: 'day'; use gtc or gtd or ioc or fok"),
    ("fok market", MarketOrder(**B, side="buy", ref_price=D("100"), time_in_force="fok"),
     "time_in_force: 'fok' on a market order; use fok only on a limit order; gtc, gtd or ioc here"),
    ("post ioc", LimitOrder(**L, post_only=True, time_in_force="ioc"),
     "post_only: post_only with 'ioc'; use post_only with gtc or gtd (a post-only order rests on "
     "the book)"),
    ("expire gtc", LimitOrder(**L, expire_time=NOW.replace(microsecond=0)),
     "expire_time: set with time_in_force 'gtc'; use no expire_time, or time_in_force 'gtd'"),
    ("both ids", LimitOrder(**L, cl_ord_id="abc", order_userref=5),
     "order_userref: set together with cl_ord_id; use either cl_ord_id or order_userref, not both"),
    ("ref", MarketOrder(**B, side="buy", ref_price=D("-1")), f"ref_price: '-1'; {AMOUNT}"),
    ("cash sell", MarketOrder(**B, side="sell", cash_qty=D("10")),
     "cash_qty: set on a sell; use cash_qty on a market buy only"),
    ("cash", MarketOrder(**B, side="buy", ref_price=D("100"), cash_qty=D("0")),
     f"cash_qty: '0'; {AMOUNT}"),
    ("limit", LimitOrder(**{**L, "limit_price": D("0")}), f"limit_price: '0'; {AMOUNT}"),
    ("not a trigger", StopLossOrder(**B, side="sell", trigger=untyped("90")),
     "trigger: '90'; use a Trigger"),
    ("reference", StopLossOrder(**B, side="sell", trigger=t(reference="mark")),
     "trigger.reference: 'mark'; use last or index"),
    ("price type", StopLossOrder(**B, side="sell", trigger=t(price_type="abs")),
     "trigger.price_type: 'abs'; use static or pct or quote"),
    ("static", StopLossOrder(**B, side="sell", trigger=t("0")), f"trigger.price: '0'; {AMOUNT}"),
    ("pct", StopLossOrder(**B, side="sell", trigger=t("-100", price_type="pct")),
     "trigger.price: '-100'; use a non-zero percent offset strictly between -100 and 100, such "
     "as -2"),
    ("quote", StopLossOrder(**B, side="sell", trigger=t("0", price_type="quote")),
     "trigger.price: '0'; use a non-zero offset in quote currency, such as -150"),
    ("sll limit", StopLossLimitOrder(**B, side="sell", trigger=t(), limit_price=D("0")),
     f"limit_price: '0'; {AMOUNT}"),
    ("trailing not a trigger", TrailingStopOrder(**B, side="sell", trigger=untyped("2")),
     "trigger: '2'; use a Trigger"),
    ("trailing reference", TrailingStopOrder(**B, side="sell",
                                             trigger=t("2", price_type="pct", reference="mark")),
     "trigger.reference: 'mark'; use last or index"),
    ("trailing static", TrailingStopOrder(**B, side="sell", trigger=t("2")),
     "trigger.price_type: 'static'; use pct or quote (a trailing offset is relative)"),
    ("trailing 100%", TrailingStopOrder(**B, side="sell", trigger=t("100", price_type="pct")),
     "trigger.price: '100'; use a positive offset strictly between 0 and 100 percent"),
    ("trailing negative", TrailingStopOrder(**B, side="sell", trigger=t("-2", price_type="quote")),
     "trigger.price: '-2'; use a positive offset"),
    ("tsl type", tsl("sell", "-1", "static"),
     "limit_price_type: 'static'; use pct or quote (the limit is an offset from the trigger)"),
    ("tsl -100%", tsl("sell", "-100", "pct"),
     "limit_price: '-100'; use a finite offset from the trigger price (0: at the trigger)"),
    ("tsl sell above", tsl("sell", "1"),
     "limit_price: 1 above a sell's trigger; use an offset of 0 or below for a sell"),
    ("tsl buy below", tsl("buy", "-1", ref_price=D("100")),
     "limit_price: -1 below a buy's trigger; use an offset of 0 or above for a buy"),
    ("not a close", LimitOrder(**L, close=untyped("stop")),
     "close: 'stop'; use one of the close intents of momentum.models.intent"),
    ("close limit", LimitOrder(**L, close=LimitClose(limit_price=D("0"))),
     f"close.limit_price: '0'; {AMOUNT}"),
    ("close trigger", LimitOrder(**L, close=StopLossClose(trigger_price=D("0"))),
     f"close.trigger_price: '0'; {AMOUNT}"),
    ("close type", LimitOrder(**L, close=StopLossClose(trigger_price=D("90"),
                                                       trigger_price_type=untyped("abs"))),
     "close.trigger_price_type: 'abs'; use static or pct or quote"),
    ("close pct", LimitOrder(**L, close=StopLossClose(trigger_price=D("0"),
                                                      trigger_price_type="pct")),
     "close.trigger_price: '0'; use a non-zero percent offset strictly between -100 and 100, "
     "such as -2"),
    ("close sll limit", LimitOrder(**L, close=StopLossLimitClose(trigger_price=D("90"),
                                                                 limit_price=D("0"))),
     f"close.limit_price: '0'; {AMOUNT}"),
    ("close trailing", LimitOrder(**L, close=TrailingStopClose(trigger_price=D("0"),
                                                               trigger_price_type="pct")),
     "close.trigger_price: '0'; use a positive offset strictly between 0 and 100 percent"),
    ("close tsl side", tsl_close("1"),
     "close.limit_price: 1 above a sell's trigger; use an offset of 0 or below for a sell"),
    ("close tsl type", tsl_close("-1", "static"),
     "close.limit_price_type: 'static'; use pct or quote (the limit is an offset from the "
     "trigger)"),
]  # fmt: skip


PASSING: list[tuple[str, Any]] = [
    ("quote -1", StopLossOrder(**B, side="sell", trigger=t("-1", price_type="quote"))),
    ("pct -99.99", StopLossOrder(**B, side="sell", trigger=t("-99.99", price_type="pct"))),
    ("trailing 99.99%", TrailingStopOrder(**B, side="sell", trigger=t("99.99", price_type="pct"))),
    ("tsl -99.99%", tsl("sell", "-99.99", "pct", ref_price=D("100"))),
    ("tsl sell at trigger", tsl("sell", "0")),
    ("tsl buy at trigger", tsl("buy", "0", ref_price=D("100"))),
    ("close tsl sell below", tsl_close("-1")),
]  # fmt: skip


MORE: list[tuple[str, Any, dict[str, Any], list[str]]] = [
    ("cap 0", LimitOrder(**L), {"entry_max_notional": D("0")},
     ["ENTRY_MAX_NOTIONAL refused: 1 x 100 = 100 USD > cap 0 USD; raise ENTRY_MAX_NOTIONAL to at "
      "least 100, or lower the quantity or the price"]),
    ("float", LimitOrder(**{**L, "qty": untyped(0.1)}), {},
     ["qty: '0.1' (float); use a Decimal: a positive finite decimal with at most 18 decimals, "
      "below 10^16"]),
    ("19 decimals", LimitOrder(**{**L, "limit_price": D("0.1234567890123456789")}), {},
     [f"limit_price: '0.1234567890123456789'; {AMOUNT}"]),
    ("userref", LimitOrder(**L, order_userref=2**31), {},
     ["order_userref: '2147483648'; use a whole number from -2147483648 to 2147483647"]),
    ("req_id", LimitOrder(**L), {"req_id": 2**31},
     ["req_id: '2147483648'; use a whole number from -2147483648 to 2147483647"]),
    ("gtd", LimitOrder(**L, time_in_force="gtd"), {},
     ["expire_time: missing with time_in_force 'gtd'; use an expiry time, or another "
      "time_in_force"]),
    ("sll trigger", StopLossLimitOrder(**B, side="sell", trigger=t("0"), limit_price=D("1")), {},
     [f"trigger.price: '0'; {AMOUNT}"]),
    ("iceberg limit", IcebergOrder(**{**L, "limit_price": D("0")}, display_qty=D("1")), {},
     [f"limit_price: '0'; {AMOUNT}"]),
    ("tsl trigger", tsl("sell", "0", trigger=t("0", price_type="pct")), {},
     ["trigger.price: '0'; use a positive offset strictly between 0 and 100 percent"]),
    ("tsl buy 100%", tsl("buy", "100", "pct", ref_price=D("100")), {},
     ["limit_price: '100'; use a finite offset from the trigger price (0: at the trigger)"]),
    ("buy stop below", StopLossOrder(**B, side="buy", trigger=t("-2", price_type="pct")), {},
     ["trigger.price: -2 puts a buy stop on the side of the market where it fires at once; use a "
      "positive offset",
      "ENTRY_MAX_NOTIONAL refused: the entry's price is unknown, so its notional cannot be "
      "bounded by cap 1000000 USD; give a reference price (ref_price) or a limit price (limit_price)"]),
    ("stop-limit buy, no limit", StopLossLimitOrder(**B, side="buy", trigger=t("100")),
     {"entry_max_notional": D("1000")},
     ["ENTRY_MAX_NOTIONAL refused: the entry's price is unknown, so its notional cannot be "
      "bounded by cap 1000 USD; give a reference price (ref_price) or a limit price (limit_price)",
      "ABS_LIMIT_REQUIRED refused: no absolute limit price on the stop-loss-limit order; give the "
      "limit price (limit_price), or set ABS_LIMIT_REQUIRED=0 to use the trigger price as the "
      "limit"]),
    ("trailing sell's buy close", TrailingStopOrder(**B, side="sell", ref_price=D("100"),
     trigger=t("2", price_type="pct"), close=StopLossClose(trigger_price=D("5"),
                                                          trigger_price_type="pct")),
     {"entry_max_notional": D("102.8")},
     ["ENTRY_MAX_NOTIONAL refused: 1 x 102.9 = 102.9 USD > cap 102.8 USD; raise "
      "ENTRY_MAX_NOTIONAL to at least 102.9, or lower the quantity or the price"]),
]  # fmt: skip


class TestEveryValueInWords:
    """An untyped caller (JSON, a notebook, `Any`) can hand the checks values the types
    forbid; each such value gets one problem naming the field, what was given and what
    would be accepted."""

    @pytest.mark.parametrize(("order", "text"), [case[1:] for case in REFUSED],
                             ids=[case[0] for case in REFUSED])  # fmt: skip
    def test_each_bad_value_is_one_problem_in_words(self, order: Any, text: str) -> None:
        assert refused(order) == [text]

    @pytest.mark.parametrize(
        "order", [case[1] for case in PASSING], ids=[case[0] for case in PASSING]
    )
    def test_the_value_next_to_each_limit_passes(self, order: Any) -> None:
        assert built(order)["method"] == "add_order"

    def test_a_relative_stop_limit_without_its_limit_is_named_with_the_knob_off(self) -> None:
        order = StopLossLimitOrder(**B, side="sell", trigger=t("-2", price_type="pct"))
        assert refused(order, context(abs_limit_required=False)) == [
            "limit_price: missing; use an absolute limit price (a relative trigger cannot stand in "
            "for it)"
        ]

    @pytest.mark.parametrize(("order", "changes", "texts"), [case[1:] for case in MORE],
                             ids=[case[0] for case in MORE])  # fmt: skip
    def test_more_refusals_in_words(
        self, order: Any, changes: dict[str, Any], texts: list[str]
    ) -> None:
        assert refused(order, context(**changes)) == texts

    def test_the_neighbours_pass(self) -> None:
        assert built(LimitOrder(**{**L, "limit_price": D("0.123456789012345678")}))
        assert built(tsl("buy", "99.99", "pct", ref_price=D("100")))
        order = TrailingStopOrder(**B, side="sell", ref_price=D("100"), trigger=t("2", price_type="pct"),
                                  close=StopLossClose(trigger_price=D("5"), trigger_price_type="pct"))  # fmt: skip
        assert built(order, context(entry_max_notional=D("102.9")))


class TestWhatIsNotASpotOrder:
    def test_something_that_is_not_an_intent_is_refused_not_raised(self) -> None:
        found = check_order("buy BTC", context()).failure()  # type: ignore[arg-type]  # an untyped caller's mistake
        assert [p.render().partition(":")[0] for p in found] == ["order"]

    def test_a_naive_clock_reading_is_refused(self) -> None:
        ctx = context()
        naive = type(ctx)(knobs=ctx.knobs, now=NOW.replace(tzinfo=None))
        assert [
            p.field for p in check_order(limit(), naive).failure() if isinstance(p, InputInvalid)
        ] == ["now"]

    def test_what_is_not_an_intent_and_a_naive_clock_are_named(self) -> None:
        assert problems(check_order(untyped("order"), context())) == [
            "order: 'order'; use one of the order intents of momentum.models.intent"
        ]
        naive = Context(knobs=knobs(), now=NOW.replace(tzinfo=None))
        assert problems(check_order(LimitOrder(**L), naive)) == [
            "now: a naive datetime; use a timezone-aware clock reading"
        ]

    def test_settle_position_is_refused_as_margin_only(self) -> None:
        (problem,) = build_add_order(SettlePositionOrder(**BASE), context()).failure()
        assert problem.render() == (
            "order_type: 'settle-position', which settles a margin position; use a spot order "
            "type; momentum is spot only"
        )

    def test_check_input_refuses_a_margin_order_type(self) -> None:
        settle = SettlePositionOrder(symbol="BTC/USD", side="sell", qty=D("1"))
        assert [problem.field for problem in check_input(settle, context()).failure()] == [
            "order_type"
        ]


class TestCheckInput:
    """`check_input`, the public form: the input checks without the knob guards."""

    def test_check_input_passes_a_good_order_and_names_a_bad_field(self) -> None:
        order = limit()
        assert check_input(order, context()) == Success(order)
        bad = check_input(limit(qty=Decimal(0)), context())
        assert [problem.field for problem in bad.failure()] == ["qty"]

    def test_check_input_ignores_the_knob_guards(self) -> None:
        order = limit()  # over a 10 USD cap: a guard's business, not an input problem
        assert check_input(order, context(entry_max_notional=D("10"))) == Success(order)


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

    @pytest.mark.parametrize("rates", [None, []])
    def test_rates_that_are_not_a_mapping_are_refused_word_for_word(self, rates: object) -> None:
        ctx = msgspec.structs.replace(context(), quote_rates=untyped(rates))
        assert refused(limit(), ctx) == [
            f"quote_rates: '{rates}'; use a mapping of currency to rate, such as {{'BTC': 90000}}"
        ]

    def test_rates_in_any_mapping_are_checked_and_an_empty_one_has_nothing_to_check(self) -> None:
        empty = msgspec.structs.replace(context(), quote_rates=MappingProxyType({}))
        assert check_input(limit(), empty) == Success(limit())
        zero = msgspec.structs.replace(context(), quote_rates=MappingProxyType({"BTC": D("0")}))
        assert refused(limit(), zero) == [
            "quote_rates[BTC]: '0'; use a positive finite decimal with at most 18 decimals, "
            "below 10^16"
        ]

    def test_a_rate_under_a_lower_case_code_is_refused_word_for_word(self) -> None:
        assert refused(limit(), context(quote_rates={"btc": D("1")})) == [
            "quote_rates: 'btc'; use currency codes in capitals, such as BTC"
        ]


class TestSymbolTexts:
    def test_a_symbol_without_a_slash_gets_no_suggestion(self) -> None:
        assert refused(limit(symbol="BTCUSD")) == [
            "symbol: 'BTCUSD'; use BASE/QUOTE in capitals, such as BTC/USD"
        ]

    def test_a_lower_case_symbol_is_offered_its_capitals(self) -> None:
        assert refused(limit(symbol="btc/usd")) == [
            "symbol: 'btc/usd'; use BASE/QUOTE in capitals, such as BTC/USD (did you mean BTC/USD?)"
        ]

    def test_a_symbol_that_is_not_text_is_refused_not_raised(self) -> None:
        assert refused(limit(symbol=42)) == [
            "symbol: '42'; use BASE/QUOTE in capitals, such as BTC/USD"
        ]


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


class TestScheduledTimes:
    def test_a_naive_time_is_refused_with_an_example(self) -> None:
        assert refused(limit(effective_time=NOW.replace(tzinfo=None))) == [
            "effective_time: '2026-11-28 09:00:00.123456'; use a timezone-aware datetime such as "
            "2026-12-01T00:00:00Z"
        ]

    def test_a_time_finer_than_a_second_is_refused(self) -> None:
        assert refused(limit(effective_time=NOW)) == [
            "effective_time: '2026-11-28T09:00:00.123456+00:00'; use whole seconds (Kraken's "
            "precision for effective_time)"
        ]

    def test_a_start_at_exactly_now_is_refused_and_one_second_later_is_accepted(self) -> None:
        whole = NOW.replace(microsecond=0)
        ctx = Context(knobs=knobs(), now=whole)
        assert problems(check_order(limit(effective_time=whole), ctx)) == [
            "effective_time: '2026-11-28T09:00:00+00:00'; use a time after now"
        ]
        later = whole + timedelta(seconds=1)
        assert check_order(limit(effective_time=later), ctx).unwrap().effective_time == later

    def test_an_expiry_exactly_28_days_ahead_is_accepted_and_a_second_more_is_not(self) -> None:
        whole = NOW.replace(microsecond=0)
        ctx = Context(knobs=knobs(), now=whole)
        edge = whole + timedelta(days=28)
        assert check_order(limit(time_in_force="gtd", expire_time=edge), ctx).unwrap()
        beyond = limit(time_in_force="gtd", expire_time=edge + timedelta(seconds=1))
        assert problems(check_order(beyond, ctx)) == [
            "expire_time: '2026-12-26T09:00:01+00:00'; use a time after now and at most 28 days "
            "ahead"
        ]

    @pytest.mark.parametrize("start", [NOW.replace(microsecond=0), NOW + timedelta(hours=1)])
    def test_effective_time_now_or_finer_than_a_second_is_refused(self, start: Any) -> None:
        assert fields(LimitOrder(**BASE, limit_price=D("0.5"), effective_time=start)) == [
            "effective_time"
        ]


class TestEveryTypeFields:
    @pytest.mark.parametrize(
        ("preference", "ok"), [("base", True), ("quote", True), ("usd", False)]
    )
    def test_fee_preference(self, preference: Any, ok: bool) -> None:
        order = LimitOrder(**BASE, limit_price=D("0.5"), fee_preference=preference)
        assert fields(order) == ([] if ok else ["fee_preference"])

    @pytest.mark.parametrize(("sub_id", "ok"), [("desk_7", True), ("x" * 19, False)])
    def test_sender_sub_id_takes_the_cl_ord_id_formats(self, sub_id: str, ok: bool) -> None:
        order = LimitOrder(**BASE, limit_price=D("0.5"), sender_sub_id=sub_id)
        assert fields(order) == ([] if ok else ["sender_sub_id"])


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

    @pytest.mark.parametrize(("close", "ok"), [
        (StopLossClose(trigger_price=D("-1"), trigger_price_type="pct"), True),
        (StopLossClose(trigger_price=D("1"), trigger_price_type="pct"), False),
        (TakeProfitClose(trigger_price=D("10"), trigger_price_type="quote"), True),
        (TakeProfitClose(trigger_price=D("-10"), trigger_price_type="quote"), False),
    ])  # fmt: skip
    def test_a_buy_entry_stops_with_a_negative_offset_and_takes_profit_with_a_positive_one(
        self, close: Any, ok: bool
    ) -> None:
        result = build_add_order(LimitOrder(**ENTRY, close=close), context())
        assert (result.swap().value_or(None) is None) == ok

    @pytest.mark.parametrize(
        ("order", "text"),
        [
            (LimitOrder(**AT_100, side="buy",
                        close=StopLossLimitClose(trigger_price=D("90"), limit_price=D("91"))),
             "close.limit_price: 91 is above the sell stop's trigger 90; use a limit at or below 90"),
            (LimitOrder(**AT_100, side="sell",
                        close=StopLossLimitClose(trigger_price=D("110"), limit_price=D("109"))),
             "close.limit_price: 109 is below the buy stop's trigger 110; use a limit at or above 110"),
            (LimitOrder(**AT_100, side="buy", close=TakeProfitClose(trigger_price=D("100"))),
             "close.trigger_price: 100 is not above the buy entry 100; use a take-profit price above "
             "100"),
            (LimitOrder(**AT_100, side="buy", close=LimitClose(limit_price=D("99"))),
             "close.limit_price: 99 is not above the buy entry 100; use a limit close price above 100"),
            (LimitOrder(**AT_100, side="sell", close=StopLossClose(trigger_price=D("100"))),
             "close.trigger_price: 100 is not above the sell entry 100; use a stop price above 100"),
        ],
    )  # fmt: skip
    def test_a_close_on_the_wrong_side_is_refused_in_words(self, order: Any, text: str) -> None:
        assert refused(order) == [text]


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

    def test_a_relative_stop_limit_close_keeps_its_limit_at_or_below_the_placed_trigger(
        self,
    ) -> None:
        # a sell close 1% under 28440 fires at 28155.6: a limit at 28200 would never fill
        close = StopLossLimitClose(
            trigger_price=D("-1"), trigger_price_type="pct", limit_price=D("28200")
        )
        found = build_add_order(LimitOrder(**ENTRY, close=close), context()).failure()
        assert [getattr(p, "field", "") for p in found] == ["close.limit_price"]


class TestStopLimitPrimary:
    def relative(self, limit: str, ref: str | None) -> StopLossLimitOrder:
        return StopLossLimitOrder(**B, side="sell", limit_price=D(limit),
                                  trigger=Trigger(price=D("-2"), price_type="pct"),
                                  ref_price=None if ref is None else D(ref))  # fmt: skip

    def test_a_relative_trigger_needs_the_market_price_to_be_held_to_its_limit(self) -> None:
        assert refused(self.relative("95", None)) == [
            "ref_price: missing; use the current market price, to place the relative trigger "
            "against the limit"
        ]

    def test_with_the_market_price_the_limit_at_or_below_the_placed_trigger_passes(self) -> None:
        assert built(self.relative("98", "100"))["params"]["limit_price"] == N("98")

    def test_a_limit_above_the_placed_trigger_is_refused_in_words(self) -> None:
        assert refused(self.relative("98.5", "100")) == [
            "limit_price: 98.5 is above the sell stop's trigger 98; use a limit at or below 98"
        ]


class TestFiresAtOnce:
    @pytest.mark.parametrize(("kind", "side", "price", "ok"), [
        (StopLossOrder, "sell", "-1", True), (StopLossOrder, "sell", "1", False),
        (StopLossOrder, "buy", "1", True), (StopLossOrder, "buy", "-1", False),
        (TakeProfitOrder, "sell", "1", True), (TakeProfitOrder, "sell", "-1", False),
        (TakeProfitOrder, "buy", "-1", True), (TakeProfitOrder, "buy", "1", False),
    ])  # fmt: skip
    def test_a_relative_trigger_on_the_wrong_side_is_refused(
        self, kind: Any, side: str, price: str, ok: bool
    ) -> None:
        order = kind(**(BASE | {"side": side}), trigger=Trigger(price=D(price), price_type="pct"),
                     ref_price=D("0.5"))  # fmt: skip
        assert fields(order) == ([] if ok else ["trigger.price"])

    @pytest.mark.parametrize(("trigger", "ok"), [("0.49", True), ("0.5", False), ("0.51", False)])
    def test_a_sell_stop_at_or_above_the_market_is_refused(self, trigger: str, ok: bool) -> None:
        order = StopLossLimitOrder(**(BASE | {"side": "sell"}), trigger=Trigger(price=D(trigger)),
                                   limit_price=D("0.40"), ref_price=D("0.5"))  # fmt: skip
        assert fields(order) == ([] if ok else ["trigger.price"])

    def test_without_a_reference_price_a_static_trigger_is_not_judged(self) -> None:
        order = StopLossOrder(**(BASE | {"side": "sell"}), trigger=Trigger(price=D("0.6")))
        assert fields(order) == []

    @pytest.mark.parametrize(
        ("order", "text"),
        [
            (StopLossOrder(**B, side="sell", trigger=Trigger(price=D("2"), price_type="pct")),
             "trigger.price: 2 puts a sell stop on the side of the market where it fires at once; "
             "use a negative offset"),
            (TakeProfitOrder(**B, side="buy", trigger=Trigger(price=D("2"), price_type="pct"),
                             ref_price=D("100")),
             "trigger.price: 2 puts a buy take-profit on the side of the market where it fires at "
             "once; use a negative offset"),
            (StopLossOrder(**B, side="sell", trigger=Trigger(price=D("100")), ref_price=D("100")),
             "trigger.price: 100 is not below the market 100: a sell stop there fires at once; use a "
             "trigger below 100"),
            (TakeProfitOrder(**B, side="sell", trigger=Trigger(price=D("100")), ref_price=D("100")),
             "trigger.price: 100 is not above the market 100: a sell take-profit there fires at "
             "once; use a trigger above 100"),
        ],
    )  # fmt: skip
    def test_a_trigger_that_would_fire_at_once_is_refused_in_words(
        self, order: Any, text: str
    ) -> None:
        assert refused(order) == [text]

    def test_a_small_positive_offset_is_the_right_side_for_a_sell_take_profit(self) -> None:
        order = TakeProfitOrder(**B, side="sell", trigger=Trigger(price=D("0.5"), price_type="pct"))
        assert built(order)["params"]["triggers"]["price_type"] == "pct"

    def test_a_static_take_profit_just_above_the_market_is_accepted(self) -> None:
        order = TakeProfitOrder(**B, side="sell", trigger=Trigger(price=D("100.01")),
                                ref_price=D("100"))  # fmt: skip
        assert built(order)["params"]["order_type"] == "take-profit"


class TestIceberg:
    ICE: ClassVar[dict[str, Any]] = {"symbol": "BTC/USD", "side": "sell", "qty": D("15"),
                                     "limit_price": D("100")}  # fmt: skip

    def test_exactly_one_fifteenth_and_exactly_the_whole_are_accepted(self) -> None:
        assert built(IcebergOrder(**self.ICE, display_qty=D("1")))["params"]["display_qty"] == N(
            "1"
        )
        assert built(IcebergOrder(**self.ICE, display_qty=D("15")))

    @pytest.mark.parametrize("shown", ["0.99", "15.01"])
    def test_less_or_more_is_refused_with_the_least(self, shown: str) -> None:
        assert refused(IcebergOrder(**self.ICE, display_qty=D(shown))) == [
            f"display_qty: {shown} for an order of 15; use at least 1/15 of the order (1) and at "
            "most the order"
        ]

    def test_a_display_that_is_no_amount_is_named(self) -> None:
        assert refused(IcebergOrder(**self.ICE, display_qty=D("0"))) == [
            "display_qty: '0'; use a positive finite decimal with at most 18 decimals, below 10^16"
        ]

    @pytest.mark.parametrize(("shown", "ok"), [("6.67", True), ("6.66", False), ("100", True),
                                               ("100.01", False)])  # fmt: skip
    def test_display_is_at_least_a_fifteenth_and_at_most_the_order(
        self, shown: str, ok: bool
    ) -> None:
        order = IcebergOrder(**BASE, limit_price=D("0.51"), display_qty=D(shown))
        assert fields(order) == ([] if ok else ["display_qty"])

    def test_post_only_and_fok_are_not_for_icebergs(self) -> None:
        order = IcebergOrder(
            **BASE, limit_price=D("0.51"), display_qty=D("10"), time_in_force="fok"
        )
        assert fields(order) == ["time_in_force"]


class TestTrailing:
    @pytest.mark.parametrize(("price", "price_type", "ok"), [
        ("1", "pct", True), ("99.9", "pct", True), ("100", "pct", False), ("0", "pct", False),
        ("-1", "pct", False), ("150", "quote", True), ("-150", "quote", False),
        ("28000", "static", False),
    ])  # fmt: skip
    def test_the_offset_is_positive_and_relative(
        self, price: str, price_type: Any, ok: bool
    ) -> None:
        trigger = Trigger(price=D(price), price_type=price_type)
        order = TrailingStopOrder(**(BASE | {"side": "sell"}), trigger=trigger)
        assert fields(order) == (
            [] if ok else [f"trigger.price{'_type' if price_type == 'static' else ''}"]
        )

    @pytest.mark.parametrize(("side", "offset", "ok"), [
        ("sell", "0", True), ("sell", "-0.5", True), ("sell", "0.5", False),
        ("buy", "0", True), ("buy", "0.5", True), ("buy", "-0.5", False),
    ])  # fmt: skip
    def test_the_limit_offset_sits_on_the_filling_side(
        self, side: Any, offset: str, ok: bool
    ) -> None:
        order = TrailingStopLimitOrder(
            **(BASE | {"side": side}), trigger=Trigger(price=D("1"), price_type="pct"),
            limit_price=D(offset), ref_price=D("0.5"),
        )  # fmt: skip
        assert fields(order) == ([] if ok else ["limit_price"])

    @pytest.mark.parametrize(("close", "field"), [
        (TrailingStopClose(trigger_price=D("28000"), trigger_price_type="static"),
         "close.trigger_price_type"),
        (TrailingStopClose(trigger_price=D("-1"), trigger_price_type="pct"), "close.trigger_price"),
        # the close of a buy sells: its limit offset is 0 or below
        (TrailingStopLimitClose(trigger_price=D("1"), trigger_price_type="pct",
                                limit_price=D("5"), limit_price_type="quote"), "close.limit_price"),
    ])  # fmt: skip
    def test_a_trailing_close_is_checked_like_a_trailing_order(
        self, close: Any, field: str
    ) -> None:
        found = build_add_order(LimitOrder(**ENTRY, close=close), context()).failure()
        assert [getattr(p, "field", "") for p in found] == [field]


class TestCloseNeeds:
    def test_a_relative_stop_limit_close_needs_its_own_limit_with_the_knob_off(self) -> None:
        close = StopLossLimitClose(trigger_price=D("-2"), trigger_price_type="pct")
        assert refused(limit(close=close), context(abs_limit_required=False)) == [
            "close.limit_price: missing; use an absolute limit price (a relative trigger cannot "
            "stand in for it)"
        ]
        given = msgspec.structs.replace(close, limit_price=D("27800"))
        data = built(limit(close=given), context(abs_limit_required=False))
        assert data["params"]["conditional"]["limit_price"] == N("27800")

    def test_a_market_sell_with_a_close_needs_the_market_price(self) -> None:
        order = MarketOrder(**B, side="sell", close=TakeProfitClose(trigger_price=D("90")))
        assert refused(order) == [
            "ref_price: missing; use the current market price, to check the close against the entry"
        ]

    def test_a_trailing_close_must_be_relative(self) -> None:
        close = TrailingStopClose(trigger_price=D("2"), trigger_price_type="static")
        assert refused(limit(close=close)) == [
            "close.trigger_price_type: 'static'; use pct or quote (a trailing offset is relative)"
        ]


class TestCashQty:
    def order(self, cash: str, side: Any = "buy") -> Any:
        return MarketOrder(symbol="BTC/USD", side=side, qty=D("0.0001"), cash_qty=D(cash),
                           ref_price=D("90000"))  # fmt: skip

    def test_cash_qty_on_a_sell_is_refused(self) -> None:
        assert fields(self.order("9", side="sell")) == ["cash_qty"]

    def test_a_cash_order_is_warned_about(self) -> None:
        assert order_warnings(self.order("9"))[0].startswith("cash_qty:")


class TestWarnings:
    """`order_warnings`: what the exchange may do that the docs do not say, told before sending."""

    def test_the_warnings_word_for_word(self) -> None:
        cash = MarketOrder(symbol="BTC/USD", side="buy", qty=D("1"), cash_qty=D("5"))
        tagged = LimitOrder(symbol="BTC/USD", side="buy", qty=D("1"), limit_price=D("1"),
                            cl_ord_id="a", close=LimitClose(limit_price=D("2")))  # fmt: skip
        assert order_warnings(cash) == (
            "cash_qty: Kraken's docs mark order_qty as required beside cash_order_qty and do not say "
            "which the engine fills by; both are sent and both are held to ENTRY_MAX_NOTIONAL: "
            "preview with validate first",
        )
        assert order_warnings(tagged) == (
            "cl_ord_id with a conditional close: Kraken's official SDK reports that the exchange "
            "rejects this pair, though the docs are silent; try it with validate first, or drop "
            "cl_ord_id (order_userref tags the order instead)",
        )
        assert order_warnings(MarketOrder(symbol="BTC/USD", side="buy", qty=D("1"))) == ()

    def test_a_cl_ord_id_with_a_close_is_warned_about_not_refused(self) -> None:
        order = LimitOrder(**BASE, limit_price=D("0.5"), cl_ord_id="abc",
                           close=LimitClose(limit_price=D("0.6")))  # fmt: skip
        assert built(order)["params"]["cl_ord_id"] == "abc"
        assert len(order_warnings(order)) == 1
        assert order_warnings(LimitOrder(**BASE, limit_price=D("0.5"), cl_ord_id="abc")) == ()


@pytest.mark.parametrize("zero", ["0", "-0", "0.000", "-0E+3"])
def test_a_zero_is_written_0_whatever_its_sign_or_exponent(zero: str) -> None:
    assert text(D(zero)) == "0"


def test_an_iceberg_whose_quantity_is_refused_is_not_also_held_to_the_display_ratio() -> None:
    """1 shown of 10^20 would be under 1/15, but that quantity is refused on its own already."""
    order = IcebergOrder(symbol="BTC/USD", side="buy", qty=D("1E+20"), limit_price=D("28440"),
                         display_qty=D("1"))  # fmt: skip
    assert [p.render() for p in check_input(order, context()).failure()] == [
        "qty: '1E+20'; use a positive finite decimal with at most 18 decimals, below 10^16"
    ]


class TestScreenInputStage:
    """`screen_input` says whether the order reached the second stage (sound amounts, a known
    side), which is what lets the guards compute with its prices."""

    def test_an_order_type_the_library_refuses_never_reaches_it(self) -> None:
        settle = SettlePositionOrder(symbol="BTC/USD", side="sell", qty=D("1"))
        found, sound = screen_input(settle, context())
        assert ([p.field for p in found], sound) == (["order_type"], False)

    def test_what_is_not_an_order_never_reaches_it(self) -> None:
        untyped: Any = {"symbol": "BTC/USD"}
        found, sound = screen_input(untyped, context())
        assert ([p.field for p in found], sound) == (["order"], False)

    def test_an_order_read_against_a_naive_clock_never_reaches_it(self) -> None:
        naive = Context(knobs=knobs(), now=NOW.replace(tzinfo=None))
        found, sound = screen_input(limit(), naive)
        assert ([p.field for p in found], sound) == (["now"], False)

    def test_a_sound_order_reaches_it_even_with_a_bad_field(self) -> None:
        found, sound = screen_input(limit(cl_ord_id="x" * 40), context())
        assert ([p.field for p in found], sound) == (["cl_ord_id"], True)


@pytest.mark.parametrize(
    ("price_type", "accepted"),
    [("pct", "a non-zero percent offset strictly between -100 and 100, such as -2"),
     ("quote", "a non-zero offset in quote currency, such as -150")],
)  # fmt: skip
def test_a_relative_trigger_given_as_a_float_is_refused_for_its_type(
    price_type: Any, accepted: str
) -> None:
    untyped: Any = -2.5
    order = StopLossOrder(symbol="BTC/USD", side="sell", qty=D("0.001"),
                          trigger=Trigger(price=untyped, price_type=price_type))  # fmt: skip
    assert [p.render() for p in check_input(order, context()).failure()] == [
        f"trigger.price: '-2.5'; use {accepted}"
    ]


@pytest.mark.parametrize(
    ("strict", "price_type", "price", "refused"),
    [(True, "static", "28000", []), (True, "pct", "-2", []), (False, "static", "28000", []),
     (False, "pct", "-2", ["limit_price: missing; use an absolute limit price (a relative "
                           "trigger cannot stand in for it)"])],
)  # fmt: skip
def test_a_stop_limit_without_a_limit_needs_one_only_where_nothing_stands_in(
    strict: bool, price_type: Any, price: str, refused: list[str]
) -> None:
    """With ABS_LIMIT_REQUIRED=1 the guard refuses it (not an input problem); with 0 a static
    trigger stands in for the limit, and a relative one cannot."""
    order = StopLossLimitOrder(symbol="BTC/USD", side="sell", qty=D("0.001"),
                               trigger=Trigger(price=D(price), price_type=price_type))  # fmt: skip
    found = check_input(order, context(abs_limit_required=strict))
    assert [p.render() for p in found.swap().value_or(())] == refused


def test_the_quote_currency_of_a_symbol_and_of_one_without_a_quote() -> None:
    assert (quote("BTC/USD"), quote("BTCUSD")) == ("USD", "quote currency")


def test_the_shipped_table_chosen_against_instruments_file_word_for_word() -> None:
    shipped = Context(knobs=knobs(instruments_file="pairs.json"), now=NOW)
    assert [p.render() for p in context_problems(shipped)] == [
        "instruments: the shipped table, while INSTRUMENTS_FILE names 'pairs.json'; use the "
        "table read from that file (load it once and pass it as instruments), or "
        "instruments='unchecked' to check only the symbol's shape"
    ]

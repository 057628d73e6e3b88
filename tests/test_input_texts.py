"""Every input refusal in its exact words, each beside a nearby value that passes.

An untyped caller (JSON, a notebook, `Any`) can hand the checks values the types forbid; each
such value gets one problem naming the field, what was given and what would be accepted.
"""

from typing import Any

import pytest

from momentum.models.context import Context
from momentum.models.intent import (
    IcebergOrder,
    LimitClose,
    LimitOrder,
    MarketOrder,
    StopLossClose,
    StopLossLimitClose,
    StopLossLimitOrder,
    StopLossOrder,
    TrailingStopClose,
    TrailingStopLimitClose,
    TrailingStopLimitOrder,
    TrailingStopOrder,
    Trigger,
)
from momentum.utils.safety import check_order
from tests.helpers import NOW, D, built, context, knobs, problems, refused

AMOUNT = "use a positive finite decimal with at most 18 decimals, below 10^16"
B: dict[str, Any] = {"symbol": "BTC/USD", "qty": D("1")}
L: dict[str, Any] = {"symbol": "BTC/USD", "qty": D("1"), "limit_price": D("100"), "side": "buy"}


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


@pytest.mark.parametrize(("order", "text"), [case[1:] for case in REFUSED],
                         ids=[case[0] for case in REFUSED])  # fmt: skip
def test_each_bad_value_is_one_problem_in_words(order: Any, text: str) -> None:
    assert refused(order) == [text]


PASSING: list[tuple[str, Any]] = [
    ("quote -1", StopLossOrder(**B, side="sell", trigger=t("-1", price_type="quote"))),
    ("pct -99.99", StopLossOrder(**B, side="sell", trigger=t("-99.99", price_type="pct"))),
    ("trailing 99.99%", TrailingStopOrder(**B, side="sell", trigger=t("99.99", price_type="pct"))),
    ("tsl -99.99%", tsl("sell", "-99.99", "pct", ref_price=D("100"))),
    ("tsl sell at trigger", tsl("sell", "0")),
    ("tsl buy at trigger", tsl("buy", "0", ref_price=D("100"))),
    ("close tsl sell below", tsl_close("-1")),
]  # fmt: skip


@pytest.mark.parametrize("order", [case[1] for case in PASSING], ids=[case[0] for case in PASSING])
def test_the_value_next_to_each_limit_passes(order: Any) -> None:
    assert built(order)["method"] == "add_order"


def test_a_negative_position_count_is_bad_input_and_fails_the_guard_closed() -> None:
    assert refused(LimitOrder(**L), context(exposure=-1)) == [
        "open_positions: '-1'; use a whole number of open positions, 0 or more",
        "ONE_POSITION_ONLY refused: -1 position(s) open and ONE_POSITION_ONLY=1; close the open "
        "position first, or set ONE_POSITION_ONLY=0",
    ]


def test_a_relative_stop_limit_without_its_limit_is_named_with_the_knob_off() -> None:
    order = StopLossLimitOrder(**B, side="sell", trigger=t("-2", price_type="pct"))
    assert refused(order, context(abs_limit_required=False)) == [
        "limit_price: missing; use an absolute limit price (a relative trigger cannot stand in "
        "for it)"
    ]


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


@pytest.mark.parametrize(("order", "changes", "texts"), [case[1:] for case in MORE],
                         ids=[case[0] for case in MORE])  # fmt: skip
def test_more_refusals_in_words(order: Any, changes: dict[str, Any], texts: list[str]) -> None:
    assert refused(order, context(**changes)) == texts


def test_the_neighbours_pass() -> None:
    assert built(LimitOrder(**{**L, "limit_price": D("0.123456789012345678")}))
    assert built(tsl("buy", "99.99", "pct", ref_price=D("100")))
    order = TrailingStopOrder(**B, side="sell", ref_price=D("100"), trigger=t("2", price_type="pct"),
                              close=StopLossClose(trigger_price=D("5"), trigger_price_type="pct"))  # fmt: skip
    assert built(order, context(entry_max_notional=D("102.9")))


def test_both_limit_less_legs_are_named_together() -> None:
    order = StopLossLimitOrder(**B, side="sell", trigger=t("90"),
                               close=StopLossLimitClose(trigger_price=D("95")))  # fmt: skip
    assert (
        "ABS_LIMIT_REQUIRED refused: no absolute limit price on the stop-loss-limit order and its "
        "stop-loss-limit close; give the limit price (limit_price and close.limit_price), or set "
        "ABS_LIMIT_REQUIRED=0 to use the trigger price as the limit"
    ) in refused(order)


def test_what_is_not_an_intent_and_a_naive_clock_are_named() -> None:
    assert problems(check_order(untyped("order"), context())) == [
        "order: 'order'; use one of the order intents of momentum.models.intent"
    ]
    naive = Context(knobs=knobs(), now=NOW.replace(tzinfo=None))
    assert problems(check_order(LimitOrder(**L), naive)) == [
        "now: a naive datetime; use a timezone-aware clock reading"
    ]

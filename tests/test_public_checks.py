"""The public checks a bot can compose itself: each guard (a refusal or `None`), `check_input`
and `screen_order`, on both sides, agreeing with `check_order`."""

from decimal import Decimal

from returns.result import Success

from momentum.errors import GuardRefused
from momentum.models.intent import MarketOrder, SettlePositionOrder, StopLossLimitClose
from momentum.utils.checks import check_input
from momentum.utils.safety import (
    abs_limit_required,
    allow_live,
    check_order,
    entry_max_notional,
    one_position_only,
    screen_order,
)
from tests.helpers import D, context, limit


def guard_of(result: GuardRefused | None) -> str:
    assert result is not None, "expected a refusal"
    return result.guard


def test_entry_max_notional_at_and_over_the_cap() -> None:
    order = limit()  # 0.001 x 28440 = 28.44
    assert entry_max_notional(order, context(entry_max_notional=D("28.44"))) is None
    refused = entry_max_notional(order, context(entry_max_notional=D("28.43")))
    assert guard_of(refused) == "ENTRY_MAX_NOTIONAL"


def test_one_position_only_with_and_without_an_open_position() -> None:
    order = limit()
    assert one_position_only(order, context(exposure=0)) is None
    assert guard_of(one_position_only(order, context(exposure=1))) == "ONE_POSITION_ONLY"


def test_abs_limit_required_with_and_without_the_close_limit() -> None:
    bare = limit(close=StopLossLimitClose(trigger_price=D("28410")))
    given = limit(close=StopLossLimitClose(trigger_price=D("28410"), limit_price=D("28400")))
    assert abs_limit_required(given, context()) is None
    assert guard_of(abs_limit_required(bare, context())) == "ABS_LIMIT_REQUIRED"


def test_allow_live_refuses_a_live_order_only_while_off() -> None:
    order = limit()
    assert allow_live(order, context(live=False)) is None
    assert allow_live(order, context(live=True, allow_live=True)) is None
    assert guard_of(allow_live(order, context(live=True))) == "ALLOW_LIVE"


def test_check_input_passes_a_good_order_and_names_a_bad_field() -> None:
    order = limit()
    assert check_input(order, context()) == Success(order)
    bad = check_input(limit(qty=Decimal(0)), context())
    assert [problem.field for problem in bad.failure()] == ["qty"]


def test_check_input_ignores_the_knob_guards() -> None:
    order = limit()  # over a 10 USD cap: a guard's business, not an input problem
    assert check_input(order, context(entry_max_notional=D("10"))) == Success(order)


def test_check_input_refuses_a_margin_order_type() -> None:
    settle = SettlePositionOrder(symbol="BTC/USD", side="sell", qty=D("1"))
    assert [problem.field for problem in check_input(settle, context()).failure()] == ["order_type"]


def test_screen_order_is_check_order_without_the_container() -> None:
    good, bad = limit(), MarketOrder(symbol="BTC/USD", side="buy", qty=D("0.001"))
    ctx = context(entry_max_notional=D("10"))
    assert screen_order(good, context()) is good
    assert check_order(good, context()) == Success(good)
    assert screen_order(bad, ctx) == check_order(bad, ctx).failure()
    assert screen_order(bad, ctx) != ()

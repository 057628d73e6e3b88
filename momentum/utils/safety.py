"""Safety guards named after their knob, and the gates that run them beside the input checks.

A guard refuses a request that is well formed but that the tunables do not allow; each answers
a `GuardRefused` (exit 3) or `None`, and each is written once:

* `entry_max_notional`: every buy leg's qty x price, in `NOTIONAL_CCY`, at most the cap;
* `one_position_only`: no buy while the caller's tracker reports an open position;
* `abs_limit_required`: every `*-limit` primary and close carries its own limit;
* `allow_live`: nothing live (`validate=false`, an amend, a cancel) without `ALLOW_LIVE=1`.

The gates (`check_order`, `check_batch`, `check_bracket`, `check_amend`, `check_cancel`) run
the input checks and every guard that applies and report every problem of the request at once.
Where several orders go out together (a batch, a bracket), their buy legs are held to the cap
together: Kraken submits a batch at once, and a bracket's exits are not one-cancels-the-other.

Spot without margin: a `buy` opens or adds to a position (an entry) and a `sell` reduces it (an
exit). The entry guards apply to buys, including a buy close of a sell primary, and to an amend
unless the caller says it amends a sell (`amend_order` carries no side).

>>> from datetime import UTC, datetime
>>> from momentum.models.context import Knobs
>>> from momentum.models.intent import LimitOrder
>>> order = LimitOrder(symbol="BTC/USD", side="buy", qty=Decimal("0.001"), limit_price=Decimal("28440"))
>>> context = Context(knobs=Knobs(), now=datetime(2026, 11, 28, 9, tzinfo=UTC))
>>> [p.render() for p in check_order(order, context).failure()]
['ENTRY_MAX_NOTIONAL refused: 0.001 x 28440 = 28.44 USD > cap 10 USD; raise ENTRY_MAX_NOTIONAL to at least 28.44, or lower the quantity or the price']
"""

from collections.abc import Sequence
from datetime import datetime
from decimal import ROUND_FLOOR, Decimal
from typing import Final, assert_never, get_args

import msgspec
from returns.result import Failure, Result, Success

from momentum.errors import GuardRefused, InputInvalid, Notional, OrderProblem, show
from momentum.models.context import Context, pair_table
from momentum.models.intent import EXACT as _EXACT
from momentum.models.intent import (
    Amend,
    Cancel,
    LimitClose,
    LimitOrder,
    MarketOrder,
    OrderIntent,
    SpotOrder,
    StopLossClose,
    StopLossLimitClose,
    StopLossLimitOrder,
    TakeProfitClose,
    TakeProfitLimitClose,
    TakeProfitLimitOrder,
    TakeProfitOrder,
    Trigger,
)
from momentum.utils.amend_cancel import amend_problems, amend_sound, cancel_problems
from momentum.utils.checks import (
    INT32,
    MAX_DECIMALS,
    SYMBOL,
    cl_ord_id_problems,
    quote,
    screen_input,
    text,
    type_name,
)
from momentum.utils.prices import BuyLeg, amend_leg, buy_legs, close_side, entry_price

__all__ = [
    "BATCH_SIZE",
    "GUARDS",
    "TakeProfitLeg",
    "abs_limit_required",
    "allow_live",
    "check_amend",
    "check_batch",
    "check_bracket",
    "check_cancel",
    "check_order",
    "entry_max_notional",
    "notional_refusal",
    "one_position_only",
    "screen_order",
    "take_profit_order",
]

_SPOT_TYPES: Final = get_args(SpotOrder)
_ZERO: Final = Decimal(0)
_ONE: Final = Decimal(1)
# isinstance against tuples made once: `A | B` in a call builds a new union on every order
_NO_VALIDATE_MODE: Final = (Amend, Cancel)
_LIMIT_PRIMARIES: Final = (StopLossLimitOrder, TakeProfitLimitOrder)
_LIMIT_CLOSES: Final = (StopLossLimitClose, TakeProfitLimitClose)

# --- the guards ---------------------------------------------------------------------------------


def entry_max_notional(request: SpotOrder | Amend, context: Context) -> GuardRefused | None:
    """ENTRY_MAX_NOTIONAL: every buy leg's qty x price, in `NOTIONAL_CCY`, must not exceed the cap.

    A buy whose price cannot be known (a market buy without `ref_price`), or whose quote currency
    is not the cap's and has no rate in `quote_rates`, cannot be bounded: it is refused (the guard
    fails closed). An amend is held as a buy unless its `side` is `sell`.
    """
    if isinstance(request, Amend):
        leg = amend_leg(request)
        if leg is None:
            return None
        refusal = notional_refusal((leg,), request.symbol, context)
        if refusal is None or request.side is not None:
            return refusal
        return msgspec.structs.replace(
            refusal,
            figures=f"held as a buy (amend_order carries no side): {refusal.figures}",
            remedy=f"{refusal.remedy}; or say the order is a sell (`side`)",
        )
    if isinstance(request.symbol, str) and SYMBOL.fullmatch(request.symbol) is not None:
        return _order_notional(request, context)
    return notional_refusal(buy_legs(request, context.knobs), request.symbol, context)


def _order_notional(order: SpotOrder, context: Context) -> GuardRefused | None:
    """`entry_max_notional` of an order whose symbol is BASE/QUOTE.

    Most orders are one buy without a cash amount, priced in the cap's currency. For such a leg
    `notional_refusal` sums 0 + qty x price (the sum rounds to the current decimal context, so
    this does too), multiplies by no rate and compares with the cap: that is all this does for
    it, without building the leg. Every other order, and every refusal, goes through
    `notional_refusal`; tests/utils/test_safety.py holds the two to the same answer.
    """
    knobs = context.knobs
    if (
        order.side == "buy"
        and (not isinstance(order, MarketOrder) or order.cash_qty is None)
        and quote(order.symbol) == knobs.notional_ccy
    ):
        price = entry_price(order, knobs)
        if (
            price is not None
            and _ZERO + _EXACT.multiply(order.qty, price) <= knobs.entry_max_notional
        ):
            return None
    return notional_refusal(buy_legs(order, knobs), order.symbol, context)


def one_position_only(order: SpotOrder, context: Context) -> GuardRefused | None:
    """ONE_POSITION_ONLY: with it on, a buy entry is refused while a position is open."""
    open_positions = context.exposure.open_positions
    if not context.knobs.one_position_only or order.side != "buy" or open_positions == 0:
        return None
    return GuardRefused(
        guard="ONE_POSITION_ONLY",
        figures=f"{open_positions} position(s) open and ONE_POSITION_ONLY=1",
        remedy="close the open position first, or set ONE_POSITION_ONLY=0",
    )


def abs_limit_required(order: SpotOrder, context: Context) -> GuardRefused | None:
    """ABS_LIMIT_REQUIRED: with it on, every `*-limit` primary and close carries its own limit.

    With it off, a missing limit falls back to the trigger price (limit = trigger).
    """
    if not context.knobs.abs_limit_required:
        return None
    missing, fields = [], []
    if isinstance(order, _LIMIT_PRIMARIES) and order.limit_price is None:
        missing.append(f"the {type_name(order)} order")
        fields.append("`limit_price`")
    close = order.close
    if isinstance(close, _LIMIT_CLOSES) and close.limit_price is None:
        missing.append(f"its {type_name(close)} close")
        fields.append("`close.limit_price`")
    if not missing:
        return None
    return GuardRefused(
        guard="ABS_LIMIT_REQUIRED",
        figures=f"no absolute limit price on {' and '.join(missing)}",
        remedy=f"give the limit price ({' and '.join(fields)}), or set ABS_LIMIT_REQUIRED=0 to use "
        "the trigger price as the limit",
    )


def allow_live(request: SpotOrder | Amend | Cancel, context: Context) -> GuardRefused | None:
    """ALLOW_LIVE: anything that acts on the market needs ALLOW_LIVE=1: a live order
    (`validate=false`, asked for explicitly), and every amend and cancel (no validate mode)."""
    if not isinstance(request, _NO_VALIDATE_MODE):
        return _allow_live_order(request, context)
    if context.knobs.allow_live:
        return None
    kind = "amend_order" if isinstance(request, Amend) else "cancel_order"
    return GuardRefused(
        guard="ALLOW_LIVE",
        figures=f"{kind} has no validate mode: it always acts on a live order, and ALLOW_LIVE=0",
        remedy="set ALLOW_LIVE=1 to build it",
    )


def _allow_live_order(order: SpotOrder, context: Context) -> GuardRefused | None:
    """`allow_live` of an order, which goes out live only when asked (`live`). The order path
    runs this directly: it knows it holds an order, and asking an order whether it is an amend
    or a cancel costs two failed isinstance checks against Struct classes (~2,000 instructions)."""
    if context.knobs.allow_live or not context.live:
        return None
    return GuardRefused(
        guard="ALLOW_LIVE",
        figures="a live order (validate=false) was asked for and ALLOW_LIVE=0",
        remedy="set ALLOW_LIVE=1 to allow live orders, or ask for validation only (`validate`)",
    )


GUARDS: Final = (entry_max_notional, one_position_only, abs_limit_required, allow_live)
"""Every guard an order meets, in the order their refusals are listed."""

# The guards that read no price, so they also run on an order whose amounts are not sound.
_PRICE_FREE: Final = (one_position_only, abs_limit_required, _allow_live_order)


# --- ENTRY_MAX_NOTIONAL's arithmetic, shared by an order, a batch, a bracket and an amend ---------


def notional_refusal(
    legs: Sequence[BuyLeg], symbol: str | None, context: Context, *, scope: str = ""
) -> GuardRefused | None:
    """`ENTRY_MAX_NOTIONAL` over buy legs that may all fill: one order's, or (`scope` "batch",
    "bracket") several orders' together. `None` when their total is within the cap."""
    if not legs:
        return None
    prices: list[Decimal] = []
    for leg in legs:
        if leg.price is None:
            return _unknown(f"the {leg.name}'s price is unknown", context, _price_remedy(leg))
        prices.append(leg.price)
    if symbol is None or SYMBOL.fullmatch(symbol) is None:
        what = "not given" if symbol is None else f"{show(symbol)}, which names no quote currency"
        remedy = "give the order's `symbol`, BASE/QUOTE such as BTC/USD"
        return _unknown(f"the {legs[0].name}'s pair is {what}", context, remedy)
    cap, currency = context.knobs.entry_max_notional, context.knobs.notional_ccy
    priced_in = quote(symbol)
    rate = _ONE if priced_in == currency else context.quote_rates.get(priced_in)
    if rate is None:
        return GuardRefused(
            guard="ENTRY_MAX_NOTIONAL",
            figures=f"the {legs[0].name} is priced in {priced_in}, the cap in {currency}, and no "
            f"{priced_in} rate was given, so its notional cannot be bounded by cap {text(cap)} "
            f"{currency}",
            remedy=f"give what 1 {priced_in} is worth in {currency} (`quote_rates` {priced_in}=RATE); "
            f"a stablecoin is not {currency} unless its rate says so",
        )
    in_quote = _ZERO
    for leg, price in zip(legs, prices, strict=True):
        product = _EXACT.multiply(leg.qty, price)
        in_quote += product if leg.cash is None else max(product, leg.cash)  # both: see MarketOrder
    # In the cap's own currency the rate is 1, and x 1 would change no digit (a sum of bounded
    # products has far fewer than _EXACT's 100): not paid for on every order.
    notional = in_quote if priced_in == currency else _EXACT.multiply(in_quote, rate)
    if notional <= cap:
        return None
    worth = ""
    if priced_in != currency:
        worth = f", worth {text(notional)} {currency} at {text(rate)} {currency} per {priced_in}"
    if scope:
        figures = f"the {scope}'s buy legs total {text(in_quote)} {priced_in}{worth}"
        return _over(figures, notional, context, None, "send fewer or smaller buys")
    (leg,) = legs
    (price,) = prices
    product = _EXACT.multiply(leg.qty, price)
    figures = f"{text(leg.qty)} x {text(price)} = {text(product)} {priced_in}"
    if leg.cash is not None:
        figures = (
            f"cash_qty {text(leg.cash)} {priced_in} and {figures}: {text(in_quote)} {priced_in}"
        )
    largest = _largest_qty(leg, symbol, rate, context)
    return _over(f"{figures}{worth}", notional, context, largest, "lower the quantity or the price")


def _over(
    figures: str, notional: Decimal, context: Context, largest: Decimal | None, change: str
) -> GuardRefused:
    cap, currency = context.knobs.entry_max_notional, context.knobs.notional_ccy
    return GuardRefused(
        guard="ENTRY_MAX_NOTIONAL",
        figures=f"{figures} > cap {text(cap)} {currency}",
        remedy=f"raise ENTRY_MAX_NOTIONAL to at least {text(notional)}, or {change}",
        detail=Notional(notional=notional, cap=cap, currency=currency, max_qty=largest),
    )


def _price_remedy(leg: BuyLeg) -> str:
    if leg.name == "amended order":
        return "give `ref_price` (the order's price or the market's) or a static `limit_price`"
    return "give a reference price (`ref_price`) or a limit price (`limit_price`)"


def _unknown(what: str, context: Context, remedy: str) -> GuardRefused:
    cap, currency = context.knobs.entry_max_notional, context.knobs.notional_ccy
    return GuardRefused(
        guard="ENTRY_MAX_NOTIONAL",
        figures=f"{what}, so its notional cannot be bounded by cap {text(cap)} {currency}",
        remedy=remedy,
    )


_FINEST: Final = Decimal(1).scaleb(-MAX_DECIMALS)


def _largest_qty(leg: BuyLeg, symbol: str, rate: Decimal, context: Context) -> Decimal | None:
    """The largest quantity of this leg that passes at its price, on the pair's lot step."""
    if leg.price is None or not leg.price > 0:
        return None
    cap = context.knobs.entry_max_notional
    if leg.cash is not None and _EXACT.multiply(leg.cash, rate) > cap:
        return None  # the cash amount alone is over the cap: no quantity passes
    table = pair_table(context)
    pair = None if table is None else table.get(symbol)
    step = _FINEST if pair is None else pair.qty_increment
    most = _EXACT.divide(cap, _EXACT.multiply(leg.price, rate))
    steps = _EXACT.divide(most, step).to_integral_value(rounding=ROUND_FLOOR)
    return _EXACT.multiply(steps, step).normalize()


# --- the gates ----------------------------------------------------------------------------------


def check_order(
    order: OrderIntent, context: Context
) -> Result[SpotOrder, tuple[OrderProblem, ...]]:
    """Run the input checks and every guard; all problems of the request together, or the order."""
    checked = screen_order(order, context)
    return Failure(checked) if isinstance(checked, tuple) else Success(checked)


def screen_order(order: OrderIntent, context: Context) -> SpotOrder | tuple[OrderProblem, ...]:
    """`check_order` without the container: the order itself when it passes, else every problem
    (never an empty tuple). For builders on the order path, which wrap their own single `Result`."""
    problems = _screen(order, context)[0]
    return problems if problems or not isinstance(order, _SPOT_TYPES) else order


def _screen(order: OrderIntent, context: Context) -> tuple[tuple[OrderProblem, ...], bool]:
    """Every problem of one order, and whether its prices could be computed with (`sound`)."""
    problems, sound = screen_input(order, context)
    if not isinstance(order, _SPOT_TYPES) or not isinstance(context.now, datetime):
        return problems, False
    refused = [refusal for guard in _PRICE_FREE if (refusal := guard(order, context)) is not None]
    if sound and isinstance(order.symbol, str) and SYMBOL.fullmatch(order.symbol) is not None:
        notional = _order_notional(order, context)
        if notional is not None:
            refused.insert(0, notional)
    return (*problems, *refused) if refused else problems, sound


# batch_add: "2-15 orders" on one symbol -- docs.kraken.com/api/docs/websocket-v2/batch_add
BATCH_SIZE: Final = range(2, 16)


def check_batch(
    orders: Sequence[OrderIntent], context: Context
) -> Result[tuple[SpotOrder, ...], tuple[OrderProblem, ...]]:
    """A `batch_add`: 2 to 15 orders on one symbol, each checked as on its own, none `fok`, no
    `cl_ord_id` twice; and every buy leg of the batch held to `ENTRY_MAX_NOTIONAL` together, since
    Kraken submits the batch at once. One problem refuses the whole batch, as the exchange does."""
    problems: list[OrderProblem] = []
    if len(orders) not in BATCH_SIZE:
        given = f"{len(orders)} orders"
        problems.append(InputInvalid(field="orders", given=given, accepted="2 to 15 orders"))
    symbols = {getattr(order, "symbol", None) for order in orders}
    if len(symbols) > 1:
        problems.append(
            InputInvalid(
                field="orders",
                given=f"orders on {len(symbols)} symbols",
                accepted="one symbol per batch (batch_add takes one pair)",
            )
        )
    single = msgspec.structs.replace(context, req_id=None)
    legs: list[BuyLeg] = []
    all_sound = True
    seen: dict[str, int] = {}
    for index, order in enumerate(orders):
        found, sound = _screen(order, single)
        problems.extend(_prefixed(problem, f"orders[{index}]") for problem in found)
        all_sound = all_sound and sound and isinstance(order, _SPOT_TYPES)
        if not isinstance(order, _SPOT_TYPES):
            continue
        legs.extend(buy_legs(order, context.knobs) if sound else ())
        # batch_add lists time_in_force gtc, gtd and ioc only -- docs.kraken.com/api/docs/websocket-v2/batch_add
        if (order.time_in_force or context.knobs.default_tif) == "fok":
            problems.append(
                InputInvalid(
                    field=f"orders[{index}].time_in_force",
                    given="'fok', which batch_add does not list",
                    accepted="gtc, gtd or ioc in a batch (send a fok order on its own)",
                )
            )
        if order.cl_ord_id is not None and not cl_ord_id_problems(order.cl_ord_id, ""):
            if order.cl_ord_id in seen:
                problems.append(
                    InputInvalid(
                        field=f"orders[{index}].cl_ord_id",
                        given=f"{order.cl_ord_id!r}, as orders[{seen[order.cl_ord_id]}] has",
                        accepted="a cl_ord_id of its own for each order of a batch",
                    )
                )
            seen.setdefault(order.cl_ord_id, index)
    if all_sound and len(symbols) == 1:
        symbol = next(iter(symbols))
        problems.extend(
            _together(legs, symbol if isinstance(symbol, str) else None, context, "batch")
        )
    if context.req_id is not None and context.req_id not in INT32:
        problems.append(InputInvalid(field="req_id", given=str(context.req_id),
                                     accepted="a signed 32-bit integer"))  # fmt: skip
    if problems:
        return Failure(tuple(problems))
    return Success(tuple(order for order in orders if isinstance(order, _SPOT_TYPES)))


def _prefixed(problem: OrderProblem, prefix: str) -> OrderProblem:
    match problem:
        case InputInvalid():
            return msgspec.structs.replace(problem, field=f"{prefix}.{problem.field}")
        case GuardRefused():
            return msgspec.structs.replace(problem, figures=f"{prefix}: {problem.figures}")
        case _:
            assert_never(problem)


def _together(
    legs: Sequence[BuyLeg], symbol: str | None, context: Context, scope: str
) -> tuple[GuardRefused, ...]:
    """The cap over the buy legs of several orders that go out together. Only a known total over
    the cap is reported here: a leg whose figure is unknown is refused on its own already."""
    if len(legs) < 2:
        return ()
    total = notional_refusal(legs, symbol, context, scope=scope)
    return () if total is None or total.detail is None else (total,)


TakeProfitLeg = TakeProfitClose | TakeProfitLimitClose | LimitClose
"""What a bracket's take-profit can be: triggered at market, triggered at a limit, or resting."""


def take_profit_order(entry: SpotOrder, take: TakeProfitLeg, context: Context) -> SpotOrder:
    """A bracket's take-profit as the standalone order it goes out as: the opposite side of the
    entry, for the entry's quantity, judged against the entry's price (`ref_price`): it goes out
    after the fill, when the market stands near there."""
    side = close_side(entry.side)
    reference = entry_price(entry, context.knobs)
    match take:
        case TakeProfitClose():
            return TakeProfitOrder(
                symbol=entry.symbol, side=side, qty=entry.qty, ref_price=reference,
                trigger=Trigger(price=take.trigger_price, price_type=take.trigger_price_type),
            )  # fmt: skip
        case TakeProfitLimitClose():
            return TakeProfitLimitOrder(
                symbol=entry.symbol, side=side, qty=entry.qty, ref_price=reference,
                trigger=Trigger(price=take.trigger_price, price_type=take.trigger_price_type),
                limit_price=take.limit_price,
            )  # fmt: skip
        case LimitClose():
            return LimitOrder(
                symbol=entry.symbol, side=side, qty=entry.qty, limit_price=take.limit_price,
                ref_price=reference,
            )  # fmt: skip
        case _:
            assert_never(take)


def check_bracket(
    entry: SpotOrder,
    stop: StopLossClose | StopLossLimitClose,
    take_profit: TakeProfitLeg,
    context: Context,
) -> Result[tuple[SpotOrder, SpotOrder], tuple[OrderProblem, ...]]:
    """A bracket: the entry with its stop as the OTO close, and the take-profit as its own order.

    Both legs are checked and every problem of either comes back (the take-profit's named under
    `take_profit.`); the buy legs of both are held to `ENTRY_MAX_NOTIONAL` together, since the two
    exits are not one-cancels-the-other on Kraken. An entry that already carries a close is
    refused: the bracket puts the stop there, and replacing a close without a word is not safe.
    """
    problems: list[OrderProblem] = []
    if getattr(entry, "close", None) is not None:
        problems.append(
            InputInvalid(
                field="close",
                given="a close already on the bracket's entry",
                accepted="an entry without a close: the bracket adds the stop as its close",
            )
        )
    if not isinstance(entry, _SPOT_TYPES):
        first, _ = _screen(entry, context)
        return Failure((*problems, *first))
    protected = msgspec.structs.replace(entry, close=stop)
    take = take_profit_order(entry, take_profit, context)
    first, first_sound = _screen(protected, context)
    second, second_sound = _screen(take, context)
    problems.extend(first)
    problems.extend(
        _prefixed(problem, "take_profit") if isinstance(problem, InputInvalid) else problem
        for problem in second
        if problem not in first  # the legs share symbol, quantity and the live request
    )
    if first_sound and second_sound:
        legs = (*buy_legs(protected, context.knobs), *buy_legs(take, context.knobs))
        problems.extend(_together(legs, entry.symbol, context, "bracket"))
    return Failure(tuple(problems)) if problems else Success((protected, take))


def check_amend(amend: Amend, context: Context) -> Result[Amend, tuple[OrderProblem, ...]]:
    """`amend_order`: its input checks, `ALLOW_LIVE` (an amend has no validate mode), and
    `ENTRY_MAX_NOTIONAL` (held as a buy unless `side` says it amends a sell)."""
    problems: list[OrderProblem] = [*amend_problems(amend, context)]
    if amend_sound(amend):
        notional = entry_max_notional(amend, context)
        problems.extend(() if notional is None else (notional,))
    live = allow_live(amend, context)
    problems.extend(() if live is None else (live,))
    return Failure(tuple(problems)) if problems else Success(amend)


def check_cancel(cancel: Cancel, context: Context) -> Result[Cancel, tuple[OrderProblem, ...]]:
    """`cancel_order`: at least one id, each in its format; and `ALLOW_LIVE` (no validate mode)."""
    problems: list[OrderProblem] = [*cancel_problems(cancel, context)]
    live = allow_live(cancel, context)
    problems.extend(() if live is None else (live,))
    return Failure(tuple(problems)) if problems else Success(cancel)

"""The probe's pure core: a request (from the flags), the knobs, the instrument table and the clock
reading in; the message to print and the notes for stderr out, or every problem at once.

Problems about intent fields are named after the flags that set them, remedies included.

>>> from datetime import UTC, datetime
>>> from returns.result import Success
>>> from momentum.models.context import Knobs
>>> from momentum.models.instrument import shipped_table
>>> from momentum.probe.request import parse_argv
>>> request = parse_argv(["--symbol", "BTC/USD", "--side", "buy", "--qty", "0.001", "--ref_price", "28440"])
>>> result = probe_message(request, Success(Knobs()), Success(shipped_table()),
...                        datetime(2026, 11, 28, tzinfo=UTC))
>>> [line.split(";")[1] for line in result.failure() and [p.render() for p in result.failure()]]
[' raise ENTRY_MAX_NOTIONAL to at least 28.44, or lower the quantity or the price']
"""

from collections.abc import Mapping
from datetime import datetime
from typing import Literal, assert_never

import msgspec
from returns.result import Failure, Result, Success

from momentum.errors import (
    GuardRefused,
    InputInvalid,
    KnobInvalid,
    OrderProblem,
    Problem,
    gather,
    named,
)
from momentum.exchange.kraken.ws_v2_messages import AddOrder, encode
from momentum.exchange.kraken.ws_v2_payloads import build_add_order, build_add_order_json
from momentum.models.context import Context, Knobs, pair_table
from momentum.models.instrument import InstrumentTable
from momentum.models.intent import (
    OrderIntent,
    SettlePositionOrder,
    StopLossClose,
    StopLossLimitClose,
)
from momentum.probe.request import CheckRequest, ProbeRequest
from momentum.utils.checks import order_warnings
from momentum.utils.pair_rules import snap_order

__all__ = ["ProbeOutput", "check_text", "probe_message", "to_flags"]


class ProbeOutput(msgspec.Struct, frozen=True, kw_only=True):
    """What the probe prints: the message on stdout, notes (what `--snap` changed, warnings) on
    stderr."""

    message: bytes
    notes: tuple[str, ...]


def probe_message(
    request: Result[ProbeRequest, tuple[InputInvalid, ...]],
    knobs: Result[Knobs, tuple[KnobInvalid, ...]],
    instruments: Result[InstrumentTable, tuple[InputInvalid, ...]],
    now: datetime,
) -> Result[ProbeOutput, tuple[Problem, ...]]:
    """Merge flag, knob and instrument problems, else (snap if asked,) check, build and encode."""
    match request, knobs, instruments:
        case Success(ProbeRequest() as ok_request), Success(Knobs() as ok_knobs), Success(table):
            return _build(ok_request, ok_knobs, table, now).alt(
                lambda problems: to_flags(problems, ok_request.flag_of)
            )
        case _:
            return Failure(gather(request, knobs, instruments))


def _build(
    request: ProbeRequest, knobs: Knobs, table: InstrumentTable, now: datetime
) -> Result[ProbeOutput, tuple[Problem, ...]]:
    order = request.order
    notes: tuple[str, ...] = ()
    pair = table.get(order.symbol)
    if request.snap and pair is not None and not isinstance(order, SettlePositionOrder):
        match snap_order(order, pair):
            case Success((order, changes)):
                notes = tuple(
                    f"{request.flag_of.get(change.field, change.field)}: {change.render_change()}"
                    " (--snap 1)"
                    for change in changes
                )
            case Failure(tuple() as problems):
                return Failure(problems)
    context = Context(
        knobs=knobs,
        now=now,
        exposure=request.exposure,
        live=request.live,
        req_id=request.req_id,
        instruments=table,
        quote_rates=request.quote_rates,
    )
    warnings = tuple(f"warning: {text}" for text in order_warnings(order))
    if request.take_profit is not None and not isinstance(order, SettlePositionOrder):
        stop = order.close
        if not isinstance(stop, StopLossClose | StopLossLimitClose):
            return Failure((InputInvalid(field="--sl", given="missing",
                                         accepted="--sl with --bracket 1"),))  # fmt: skip
        from momentum.exchange.kraken.ws_v2_requests import bracket_plan  # noqa: PLC0415 -- only with --bracket 1

        plan = bracket_plan(msgspec.structs.replace(order, close=None), stop,
                            request.take_profit, context)  # fmt: skip
        return plan.bind(_both).map(
            lambda data: ProbeOutput(message=data, notes=(*notes, *warnings))
        )
    if request.rest:
        return _rest(order, context, request.rest).map(
            lambda pair: ProbeOutput(message=pair[0], notes=(*notes, *warnings, *pair[1]))
        )
    built = build_add_order_json(order, context)
    return built.map(lambda message: ProbeOutput(message=message, notes=(*notes, *warnings)))


def _rest(
    order: OrderIntent, context: Context, form: Literal["json", "urlencoded"]
) -> Result[tuple[bytes, tuple[str, ...]], tuple[Problem, ...]]:
    """The REST form of the order, after checking it says what the WS v2 message says."""
    from momentum.exchange.kraken.rest.parity import parity  # noqa: PLC0415 -- only with --rest
    from momentum.exchange.kraken.rest.render import (  # noqa: PLC0415 -- only with --rest
        RestAddOrder,
        build_rest_add_order,
        urlencoded,
    )

    ws, rest = build_add_order(order, context), build_rest_add_order(order, context)
    match ws, rest:
        case Success(AddOrder() as message), Success(RestAddOrder() as fields):
            table = pair_table(context) or {}
            differences = parity(message, fields, table).swap().value_or(())
            if differences:
                return Failure(tuple(
                    InputInvalid(field="--rest", given=f"REST and WS differ: {difference}",
                                 accepted="forms that agree (please report this)")
                    for difference in differences
                ))  # fmt: skip
            body = urlencoded(fields)
            if form == "urlencoded":
                return Success((body.encode(), ()))
            return Success((msgspec.json.encode(dict(fields.fields)), (body,)))
        case _:
            return Failure(tuple(dict.fromkeys(gather(ws, rest))))


def _both(messages: tuple[AddOrder, AddOrder]) -> Result[bytes, tuple[OrderProblem, ...]]:
    first, second = (encode(message) for message in messages)
    match first, second:
        case Success(bytes() as one), Success(bytes() as two):
            return Success(b"[" + one + b"," + two + b"]")
        case _:
            return Failure(gather(first, second))


def to_flags(problems: tuple[Problem, ...], flag_of: Mapping[str, str]) -> tuple[Problem, ...]:
    """Problems about intent fields named after the flags that set them: the field itself, and
    the fields a remedy or an accepted value names."""
    return tuple(_to_flag(problem, flag_of) for problem in problems)


def _to_flag(problem: Problem, flag_of: Mapping[str, str]) -> Problem:
    match problem:
        case InputInvalid():
            field = _flag(problem.field, flag_of)
            accepted = named(problem.accepted, flag_of)
            return msgspec.structs.replace(problem, field=field, accepted=accepted)
        case GuardRefused():
            return msgspec.structs.replace(problem, remedy=named(problem.remedy, flag_of))
        case KnobInvalid():
            return problem
        case _:
            assert_never(problem)


def _flag(field: str, flag_of: Mapping[str, str]) -> str:
    if field in flag_of:
        return flag_of[field]
    head = field.partition("[")[0]  # quote_rates[BTC] is --quote_rate
    return flag_of.get(head, field) if head != field and head in flag_of else field


def check_text(
    data: bytes,
    request: CheckRequest,
    knobs: Result[Knobs, tuple[KnobInvalid, ...]],
    instruments: Result[InstrumentTable, tuple[InputInvalid, ...]],
    now: datetime,
) -> tuple[Problem, ...]:
    """The pure core of `--check`: knob and instrument problems first, else the message's own,
    with what the flags say beside it."""
    match knobs, instruments:
        case Success(Knobs() as ok_knobs), Success(table):
            from momentum.exchange.kraken.ws_v2_check import Beside, check_message  # noqa: PLC0415 -- only with --check

            context = Context(
                knobs=ok_knobs,
                now=now,
                exposure=request.exposure,
                instruments=table,
                quote_rates=request.quote_rates,
            )
            beside = Beside(ref_price=request.ref_price, side=request.side, symbol=request.symbol)
            return to_flags(check_message(data, context, beside), request.flag_of)
        case _:
            return gather(knobs, instruments)

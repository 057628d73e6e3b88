"""The probe's pure core (momentum/probe/core.py): a Result for any argv, knobs or flag text."""

from datetime import datetime

from hypothesis import given
from hypothesis import strategies as st
from returns.result import Success

from momentum.exchange.kraken.instruments import load_default_instruments
from momentum.probe.core import probe_message
from momentum.probe.flags import FLAGS
from momentum.probe.request import parse_argv, parse_flags
from momentum.utils.env import KNOB_NAMES, Knobs, parse_knobs
from tests.strategies import _is_result, argvs, knob_sets, moments

TABLE = load_default_instruments().unwrap()


@given(argvs, st.dictionaries(st.sampled_from(KNOB_NAMES), st.text(max_size=20)), moments)
def test_the_probe_core_returns_a_result_for_any_argv_and_any_knobs(
    argv: list[str], knob_text: dict[str, str], now: datetime
) -> None:
    """The core returns a Result for every input; it never raises."""
    knobs = parse_knobs(knob_text, {}, file_label="f")
    result = probe_message(parse_argv(argv, TABLE), knobs, Success(TABLE), now)
    assert _is_result(result)


@given(
    st.dictionaries(st.sampled_from(sorted(flag.name for flag in FLAGS)), st.text(max_size=20)),
    knob_sets,
    moments,
)
def test_the_probe_core_returns_a_result_for_any_flag_text(
    values: dict[str, str], knobs: Knobs, now: datetime
) -> None:
    """The core returns a Result for every input; it never raises."""
    base = {"--symbol": "BTC/USD", "--side": "buy", "--qty": "0.001"}
    request = parse_flags(base | values, TABLE)
    assert _is_result(probe_message(request, Success(knobs), Success(TABLE), now))

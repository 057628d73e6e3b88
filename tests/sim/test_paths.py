"""Price paths: the text format, its errors naming the line, and the two shipped paths."""

from decimal import Decimal

import pytest

from momentum.sim import BRACKET_PATH, STOP_PATH, PathError, Tick, load_path, parse_path


def test_a_path_parses_to_typed_ticks_with_decimal_values() -> None:
    text = "# a comment\n\n0 28450\n0.5 28440.5 0.0004   # a print\n"
    assert parse_path(text) == (
        Tick(seconds=Decimal("0"), price=Decimal("28450")),
        Tick(seconds=Decimal("0.5"), price=Decimal("28440.5"), qty=Decimal("0.0004")),
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("0 abc", "line 1: price 'abc' is not a number"),
        ("0 28450\nsoon 28440", "line 2: seconds 'soon' is not a number"),
        ("0 1 2 3", "line 1: expected '<seconds> <price> [<qty>]', found 4 fields"),
        ("0 28450\n\n1 28440 -1", "line 3: qty -1 must be positive"),
        ("0 0", "line 1: price 0 must be positive"),
        ("2 28450\n1 28440", "line 2: seconds 1 go back before 2"),
        ("0 NaN", "line 1: price 'NaN' is not a finite number"),
        ("# only a comment\n", "the path has no ticks"),
    ],
)
def test_a_bad_path_is_refused_with_the_line_named(text: str, message: str) -> None:
    with pytest.raises(PathError) as raised:
        parse_path(text)
    assert str(raised.value) == message


def test_every_bad_line_is_named_at_once() -> None:
    with pytest.raises(PathError) as raised:
        parse_path("0 x\n1 2 y")
    assert str(raised.value) == (
        "line 1: price 'x' is not a number; line 2: qty 'y' is not a number"
    )


def test_the_bracket_path_fills_the_entry_then_reaches_the_take_profit() -> None:
    prices = [tick.price for tick in load_path(BRACKET_PATH)]
    entry = prices.index(Decimal("28440"))
    assert all(price > Decimal("28440") for price in prices[:entry])
    assert all(price > Decimal("28410") for price in prices[entry:])
    assert Decimal("28600") in prices[entry:] and max(prices) > Decimal("28600")


def test_the_stop_path_fills_the_entry_then_falls_through_the_stop() -> None:
    prices = [tick.price for tick in load_path(STOP_PATH)]
    entry = prices.index(Decimal("28440"))
    assert all(price > Decimal("28440") for price in prices[:entry])
    assert max(prices[entry:]) < Decimal("28600")
    assert Decimal("28410") in prices[entry:] and min(prices) < Decimal("28400")

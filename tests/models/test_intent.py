"""Order intents (momentum/models/intent.py): amount text goes straight into an exact Decimal."""

from decimal import Decimal

import pytest

from momentum.models.intent import parse_amount

ACCEPTED = [
    ("0.001", "0.001"), ("28440", "28440"), (" 0.1 ", "0.1"), ("+5", "5"), (".5", "0.5"),
    ("5.", "5"), ("1e-8", "1E-8"), ("1E+999", "1E+999"), ("-2", "-2"),
]  # fmt: skip
REFUSED = [
    "", " ", "nan", "NaN", "sNaN", "inf", "Infinity", "-Infinity", "1_000", "0x10", "1e1000",
    "1,5", "\u0661\u0662\u0663", "\uff11\uff12",  # Arabic-Indic and full-width digits
    "1 000", "--1", "e5", ".", "1e", "5%",
]  # fmt: skip


@pytest.mark.parametrize(("text", "value"), ACCEPTED)
def test_plain_decimal_text_is_read_exactly(text: str, value: str) -> None:
    parsed = parse_amount(text, "--qty").unwrap()
    assert parsed == Decimal(value)
    assert str(parsed) == value  # the digits as given: no float on the way


@pytest.mark.parametrize("text", REFUSED)
def test_anything_else_is_refused_with_the_flag_and_the_text(text: str) -> None:
    (problem,) = parse_amount(text, "--qty").failure()
    assert problem.render() == f"--qty: {text!r}; use a decimal number such as 0.001 or 28440"

"""The instrument table shipped in the package: read through the package's loader, and a table
that cannot be read fails closed (every pair unknown) rather than raising."""

import pytest

from momentum.models import instrument
from momentum.models.instrument import shipped_table


def test_the_shipped_table_holds_btc_usd_with_its_grid() -> None:
    table = shipped_table()
    assert str(table["BTC/USD"].price_increment) == "0.1"
    assert table.skipped == ()


def test_a_table_the_package_cannot_read_is_empty_and_says_why(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(instrument, "get_data", lambda package, resource: None)
    table = shipped_table.__wrapped__()
    assert len(table) == 0
    assert table.skipped == ("data/instruments_default.json: not readable from the package",)

"""Instrument data (instruments.py): both Kraken formats decode into one model; bad data named."""

import json
from decimal import Decimal
from pathlib import Path

import pytest

from momentum.exchange.kraken.instruments import (
    decode_instruments,
    decode_rest_asset_pairs,
    decode_ws_snapshot,
    load_default_instruments,
    load_instruments,
)
from momentum.models.instrument import Instrument

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
WS_DOC = (FIXTURES / "ws_v2_instrument_snapshot_doc_example.json").read_bytes()
REST_SAMPLE = (FIXTURES / "rest_asset_pairs_sample.json").read_bytes()


class TestWsSnapshot:
    def test_the_docs_example_decodes_with_exact_decimals(self) -> None:
        table = decode_ws_snapshot(WS_DOC).unwrap()
        assert table["BTC/USD"] == Instrument(
            symbol="BTC/USD", base="BTC", quote="USD", status="online",
            price_increment=Decimal("0.1"), price_precision=1,
            qty_increment=Decimal("1e-08"), qty_precision=8,
            qty_min=Decimal("0.0001"), cost_min=Decimal("0.5"), cost_precision=5,
            marginable=True, has_index=True,
        )  # fmt: skip
        assert str(table["BTC/USD"].qty_increment) == "1E-8"
        assert str(table["MATIC/GBP"].qty_min) == "4.0"

    def test_cost_min_as_a_string_decodes_too(self) -> None:
        data = WS_DOC.replace(b'"cost_min": 0.5', b'"cost_min": "0.5"')
        assert decode_ws_snapshot(data).unwrap()["BTC/USD"].cost_min == Decimal("0.5")

    def test_unknown_extra_fields_are_tolerated(self) -> None:
        data = WS_DOC.replace(b'"base": "BTC",', b'"base": "BTC", "venue": "x", "new": [1],')
        assert "BTC/USD" in decode_ws_snapshot(data).unwrap()

    def test_a_missing_field_names_the_pair_and_field(self) -> None:
        data = WS_DOC.replace(b'"price_increment": 0.0001,', b"")
        (problem,) = decode_ws_snapshot(data).failure()
        assert (problem.field, problem.given) == (
            "instruments[MATIC/GBP].price_increment",
            "missing",
        )

    def test_a_malformed_field_names_the_pair_and_field(self) -> None:
        data = WS_DOC.replace(b'"price_precision": 1,', b'"price_precision": "one",')
        (problem,) = decode_ws_snapshot(data).failure()
        assert problem.field == "instruments[BTC/USD].price_precision"

    def test_every_bad_pair_is_reported(self) -> None:
        data = WS_DOC.replace(b'"status": "online"', b'"status": "open"')
        assert [p.field for p in decode_ws_snapshot(data).failure()] == [
            "instruments[BTC/USD].status",
            "instruments[MATIC/GBP].status",
        ]

    def test_a_non_positive_tick_is_refused(self) -> None:
        data = WS_DOC.replace(b'"price_increment": 0.1,', b'"price_increment": 0,')
        (problem,) = decode_ws_snapshot(data).failure()
        assert problem.field == "instruments[BTC/USD].price_increment"

    def test_another_channel_is_refused(self) -> None:
        assert decode_ws_snapshot(WS_DOC.replace(b'"instrument"', b'"book"')).failure()


class TestRestAssetPairs:
    def test_the_sample_decodes_under_ws_v2_names(self) -> None:
        table = decode_rest_asset_pairs(REST_SAMPLE).unwrap()
        assert sorted(table) == [
            "ADA/USDT", "BTC/USD", "BTC/USDT", "DOGE/USDT", "ETH/USDT", "LTC/USDT", "XRP/USD",
            "XRP/USDT",
        ]  # fmt: skip

    def test_rest_fields_map_to_the_ws_vocabulary_and_keep_the_rest_name(self) -> None:
        doge = decode_rest_asset_pairs(REST_SAMPLE).unwrap()["DOGE/USDT"]
        assert doge == Instrument(
            symbol="DOGE/USDT", base="DOGE", quote="USDT", status="online",
            price_increment=Decimal("0.00001"), price_precision=5,
            qty_increment=Decimal("1E-8"), qty_precision=8,
            qty_min=Decimal("80"), cost_min=Decimal("0.5"), cost_precision=9,
            marginable=False, has_index=None, rest_pair="XDGUSDT", source="REST AssetPairs",
        )  # fmt: skip

    def test_numbers_as_json_numbers_decode_too(self) -> None:
        document = json.loads(REST_SAMPLE)
        document["result"]["XXBTZUSD"]["pair_decimals"] = 1
        data = json.dumps(document).encode()
        assert decode_rest_asset_pairs(data).unwrap()["BTC/USD"].price_precision == 1

    def test_an_error_answer_is_refused_with_its_text(self) -> None:
        (problem,) = decode_rest_asset_pairs(
            b'{"error":["EQuery:Unknown asset pair"],"result":{}}'
        ).failure()
        assert "EQuery:Unknown asset pair" in problem.given

    def test_a_missing_field_names_the_pair(self) -> None:
        document = json.loads(REST_SAMPLE)
        del document["result"]["XDGUSDT"]["ordermin"]
        (problem,) = decode_rest_asset_pairs(json.dumps(document).encode()).failure()
        assert (problem.field, problem.given) == ("instruments[XDG/USDT].ordermin", "missing")


class TestEitherFormat:
    @pytest.mark.parametrize("data", [WS_DOC, REST_SAMPLE])
    def test_the_format_is_told_from_the_content(self, data: bytes) -> None:
        assert "BTC/USD" in decode_instruments(data).unwrap()

    @pytest.mark.parametrize("data", [b"", b"[1]", b"{}", b"\xff\xfe", b'{"pairs":[]}'])
    def test_anything_else_is_a_problem_not_an_exception(self, data: bytes) -> None:
        assert decode_instruments(data).failure()[0].field == "instruments"

    def test_a_missing_file_is_a_problem(self, tmp_path: Path) -> None:
        assert load_instruments(tmp_path / "none.json").failure()[0].field == "--instruments"


class TestShippedTable:
    def test_it_covers_the_shared_samples(self) -> None:
        table = load_default_instruments().unwrap()
        assert {"BTC/USD", "MATIC/GBP", "ETH/BTC", "ETH/USD"} | set(
            decode_rest_asset_pairs(REST_SAMPLE).unwrap()
        ) <= set(table)

    def test_every_record_is_dated_and_sourced(self) -> None:
        for instrument in load_default_instruments().unwrap().values():
            assert instrument.as_of and instrument.source, instrument.symbol

    def test_btc_usd_carries_the_newest_dated_minimum(self) -> None:
        btc = load_default_instruments().unwrap()["BTC/USD"]
        assert (btc.qty_min, btc.price_increment, btc.as_of) == (
            Decimal("0.00005"),
            Decimal("0.1"),
            "2026-09",
        )


def test_an_instrument_path_with_a_nul_byte_is_a_problem() -> None:
    assert load_instruments(Path("x\x00")).failure()[0].given == "'x\\x00' (not a usable path)"

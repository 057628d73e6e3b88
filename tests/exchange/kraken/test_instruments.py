"""Instrument data (instruments.py): both Kraken formats decode into one model; bad data named."""

import json
from decimal import Decimal
from pathlib import Path

import pytest

from momentum.errors import InputInvalid
from momentum.exchange.kraken.instruments import (
    decode_instruments,
    decode_rest_asset_pairs,
    decode_ws_snapshot,
    load_default_instruments,
    load_instrument_table,
    load_instruments,
    ws_symbol,
)
from momentum.models.context import Knobs
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


# --- every refusal word for word, and both sides of each limit -----------------------------------

WS_ACCEPTED = '{"channel":"instrument","type":"snapshot","data":{"pairs":[...]}}'
REST_ACCEPTED = '{"error":[],"result":{"XXBTZUSD":{...}}}'
EITHER_ACCEPTED = "a WS v2 instrument snapshot or a REST AssetPairs response"


def _ws(**changes: object) -> bytes:
    """The docs' snapshot with its BTC/USD record changed (a `None` value drops the field)."""
    document = json.loads(WS_DOC)
    pair = document["data"]["pairs"][0]
    for name, value in changes.items():
        if value is None:
            del pair[name]
        else:
            pair[name] = value
    return json.dumps(document).encode()


def _ws_pairs(*pairs: object) -> bytes:
    return json.dumps(
        {"channel": "instrument", "type": "snapshot", "data": {"pairs": list(pairs)}}
    ).encode()


def _rest(**records: dict[str, object]) -> bytes:
    """The REST sample's XBTUSD record under each name given, with the changes given (a `None`
    value drops the field)."""
    base = json.loads(REST_SAMPLE)["result"]["XXBTZUSD"]
    result = {
        name: {key: value for key, value in (base | change).items() if value is not None}
        for name, change in records.items()
    }
    return json.dumps({"error": [], "result": result}).encode()


class TestRefusalTexts:
    def test_a_record_that_is_not_an_object_is_named_by_its_index(self) -> None:
        assert decode_ws_snapshot(_ws_pairs(1)).failure() == (
            InputInvalid(
                field="instruments[#0].record",
                given="Expected `object`, got `int`",
                accepted="the field as Kraken documents it",
            ),
        )

    def test_a_record_without_a_symbol_is_named_by_its_wsname_then_altname_then_index(self) -> None:
        records = [{"wsname": "A/B"}, {"altname": "AB", "symbol": 5}, {"wsname": 1}]
        fields = [problem.field for problem in decode_ws_snapshot(_ws_pairs(*records)).failure()]
        assert fields == [
            "instruments[A/B].symbol",
            "instruments[AB].symbol",
            "instruments[#2].symbol",
        ]

    def test_a_malformed_field_says_what_it_got(self) -> None:
        assert decode_ws_snapshot(_ws(price_precision="one")).failure() == (
            InputInvalid(
                field="instruments[BTC/USD].price_precision",
                given="Expected `int`, got `str`",
                accepted="the field as Kraken documents it",
            ),
        )

    def test_a_document_that_is_not_a_snapshot_is_refused_with_the_shape_expected(self) -> None:
        assert decode_ws_snapshot(b"[1]").failure() == (
            InputInvalid(
                field="instruments", given="Expected `object`, got `array`", accepted=WS_ACCEPTED
            ),
        )

    def test_a_rest_document_of_the_wrong_shape_is_refused_with_the_shape_expected(self) -> None:
        assert decode_rest_asset_pairs(b'{"result":5}').failure() == (
            InputInvalid(
                field="instruments",
                given="Expected `object`, got `int` - at `$.result`",
                accepted=REST_ACCEPTED,
            ),
        )

    def test_a_rest_error_answer_is_refused_with_every_error_joined(self) -> None:
        answer = b'{"error":["EQuery:Unknown asset pair","EGeneral:Busy"],"result":{}}'
        assert decode_rest_asset_pairs(answer).failure() == (
            InputInvalid(
                field="instruments",
                given="'EQuery:Unknown asset pair; EGeneral:Busy'",
                accepted=REST_ACCEPTED,
            ),
        )

    def test_a_json_object_of_neither_format_is_refused_with_its_keys_sorted(self) -> None:
        assert decode_instruments(b'{"pairs":[],"assets":[]}').failure() == (
            InputInvalid(
                field="instruments",
                given="a JSON object with keys 'assets, pairs'",
                accepted=EITHER_ACCEPTED,
            ),
        )

    def test_text_that_is_not_a_json_object_is_refused_with_the_decoders_words(self) -> None:
        assert decode_instruments(b"[]").failure() == (
            InputInvalid(
                field="instruments",
                given="Expected `object`, got `array`",
                accepted=EITHER_ACCEPTED,
            ),
        )


class TestSanity:
    @pytest.mark.parametrize("name", ["price_increment", "qty_increment"])
    @pytest.mark.parametrize("value", [0, -0.1, "NaN", "Infinity"])
    def test_a_step_must_be_a_positive_number(self, name: str, value: object) -> None:
        assert decode_ws_snapshot(_ws(**{name: value})).failure() == (
            InputInvalid(
                field=f"instruments[BTC/USD].{name}",
                given=repr(str(Decimal(str(value)))),
                accepted="a positive number",
            ),
        )

    @pytest.mark.parametrize("name", ["qty_min", "cost_min"])
    @pytest.mark.parametrize("value", [-0.0001, "NaN", "-Infinity"])
    def test_a_minimum_must_be_zero_or_positive(self, name: str, value: object) -> None:
        assert decode_ws_snapshot(_ws(**{name: value})).failure() == (
            InputInvalid(
                field=f"instruments[BTC/USD].{name}",
                given=repr(str(Decimal(str(value)))),
                accepted="zero or a positive number",
            ),
        )

    @pytest.mark.parametrize("name", ["qty_min", "cost_min"])
    def test_a_minimum_of_zero_is_accepted(self, name: str) -> None:
        assert getattr(decode_ws_snapshot(_ws(**{name: 0})).unwrap()["BTC/USD"], name) == 0

    @pytest.mark.parametrize("name", ["price_precision", "qty_precision", "cost_precision"])
    @pytest.mark.parametrize("value", [0, 18])
    def test_a_precision_from_0_to_18_is_accepted(self, name: str, value: int) -> None:
        assert getattr(decode_ws_snapshot(_ws(**{name: value})).unwrap()["BTC/USD"], name) == value

    @pytest.mark.parametrize("name", ["price_precision", "qty_precision", "cost_precision"])
    @pytest.mark.parametrize("value", [-1, 19])
    def test_a_precision_outside_0_to_18_is_refused(self, name: str, value: int) -> None:
        assert decode_ws_snapshot(_ws(**{name: value})).failure() == (
            InputInvalid(
                field=f"instruments[BTC/USD].{name}",
                given=repr(str(value)),
                accepted="0 to 18 decimals",
            ),
        )

    def test_every_insane_field_of_every_pair_is_reported(self) -> None:
        fields = [p.field for p in decode_ws_snapshot(_ws(qty_min=-1, cost_precision=19)).failure()]
        assert fields == ["instruments[BTC/USD].qty_min", "instruments[BTC/USD].cost_precision"]


class TestTables:
    def test_a_ws_table_skips_nothing(self) -> None:
        assert decode_ws_snapshot(WS_DOC).unwrap().skipped == ()

    def test_a_rest_pair_without_wsname_is_skipped_by_name_and_the_rest_still_decode(self) -> None:
        table = decode_rest_asset_pairs(_rest(NOWS={"wsname": None}, XXBTZUSD={})).unwrap()
        assert list(table) == ["BTC/USD"]
        assert table.skipped == ("instruments[NOWS]: no wsname, so no WS v2 symbol; skipped",)

    def test_a_rest_table_carries_the_date_it_is_given(self) -> None:
        table = decode_rest_asset_pairs(REST_SAMPLE, as_of="2026-09").unwrap()
        assert {instrument.as_of for instrument in table.values()} == {"2026-09"}

    def test_a_pair_with_leverage_is_marginable_and_one_without_the_field_is_unknown(self) -> None:
        data = _rest(XXBTZUSD={}, XETHZUSD={"wsname": "ETH/USD", "leverage_buy": None})
        table = decode_rest_asset_pairs(data).unwrap()
        assert (table["BTC/USD"].marginable, table["ETH/USD"].marginable) == (True, None)

    @pytest.mark.parametrize(
        ("wsname", "symbol"),
        [
            ("XBT/USD", "BTC/USD"),
            ("ETH/XBT", "ETH/BTC"),
            ("XDG/USDT", "DOGE/USDT"),
            ("ETH/EUR", "ETH/EUR"),
        ],
    )
    def test_rest_asset_names_take_their_ws_v2_spelling_on_either_side(
        self, wsname: str, symbol: str
    ) -> None:
        assert ws_symbol(wsname) == symbol

    def test_a_wsname_is_split_at_its_first_slash(self) -> None:
        instrument = decode_rest_asset_pairs(_rest(ODD={"wsname": "XBT/USD/XDG"})).unwrap()
        assert (instrument["BTC/USD/XDG"].base, instrument["BTC/USD/XDG"].quote) == (
            "BTC",
            "USD/XDG",
        )


class TestFiles:
    def test_a_missing_file_is_refused_with_the_systems_reason(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.chdir(tmp_path)
        assert load_instruments(Path("none.json")).failure() == (
            InputInvalid(
                field="--instruments",
                given="'none.json' (No such file or directory)",
                accepted="a readable instrument file (WS v2 snapshot or REST AssetPairs JSON)",
            ),
        )

    def test_a_file_of_32_mib_is_read_and_one_byte_more_is_refused(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.chdir(tmp_path)
        path = Path("big.json")
        path.write_bytes(b" " * (32 * 1024 * 1024 - len(WS_DOC)) + WS_DOC)
        assert "BTC/USD" in load_instruments(path).unwrap()
        path.write_bytes(b" " * (32 * 1024 * 1024 + 1 - len(WS_DOC)) + WS_DOC)
        assert load_instruments(path).failure() == (
            InputInvalid(
                field="--instruments",
                given="'big.json' (over 32 MiB)",
                accepted="an instrument file of at most 32 MiB",
            ),
        )


class TestLoadInstrumentTable:
    def test_a_path_given_is_read_before_the_knob(self, tmp_path: Path) -> None:
        path = tmp_path / "rest.json"
        path.write_bytes(REST_SAMPLE)
        knobs = Knobs(instruments_file=str(tmp_path / "none.json"))
        assert "DOGE/USDT" in load_instrument_table(knobs, path).unwrap()

    def test_without_a_file_the_shipped_table_is_used(self) -> None:
        assert (
            load_instrument_table(Knobs()).unwrap().keys()
            == load_default_instruments().unwrap().keys()
        )

    def test_a_problem_reading_the_knobs_file_is_named_after_the_knob(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.chdir(tmp_path)
        assert load_instrument_table(Knobs(instruments_file="none.json")).failure() == (
            InputInvalid(
                field="INSTRUMENTS_FILE",
                given="'none.json' (No such file or directory)",
                accepted="a readable instrument file (WS v2 snapshot or REST AssetPairs JSON)",
            ),
        )

    def test_a_problem_inside_the_knobs_file_keeps_the_field_it_names(self, tmp_path: Path) -> None:
        path = tmp_path / "pairs.json"
        path.write_bytes(_ws(qty_min=-1))
        (problem,) = load_instrument_table(Knobs(instruments_file=str(path))).failure()
        assert problem.field == "instruments[BTC/USD].qty_min"

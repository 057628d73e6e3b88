"""The probe as a user runs it (momentum/scripts/ws_payload_probe.py): exit code, stdout, stderr."""

import contextlib
import io
import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

import pytest
from hypothesis import given

from momentum.scripts.ws_payload_probe import main
from momentum.utils.env import KNOB_NAMES
from tests.helpers import N, loads
from tests.strategies import argvs

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests/fixtures"
WIDE = {"ENTRY_MAX_NOTIONAL": "1000000"}
CAP_100000 = {"ENTRY_MAX_NOTIONAL": "100000"}
STEP3_OTO = [
    "--symbol", "BTC/USD", "--side", "buy", "--qty", "0.001", "--limit", "28440",
    "--sl", "28410", "--sl_limit", "28400", "--tif", "gtc", "--post_only", "1", "--validate", "1",
]  # fmt: skip
STEP3_STANDALONE_TP = [
    "--symbol", "BTC/USD", "--side", "sell", "--qty", "0.001",
    "--tp", "28600", "--tp_limit", "28590", "--standalone_tp", "1",
]  # fmt: skip
SECRET = "sk-live-DO-NOT-PRINT-4242"
BUY = ["--side", "buy", "--qty", "0.001"]
BTC_SELL = ["--symbol", "BTC/USD", "--side", "sell", "--qty", "0.001"]


def _environment(extra: dict[str, str]) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if k not in KNOB_NAMES}
    base["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), base.get("PYTHONPATH")]))
    return base | extra


def probe(
    cwd: Path, *args: str, env: dict[str, str] | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "momentum.scripts.ws_payload_probe", *args],
        cwd=cwd,
        env=_environment(env or {}),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _doc_oto_example() -> dict[str, Any]:
    examples = loads((REPO / "tests/fixtures/ws_v2_add_order_doc_examples.json").read_text())
    example: dict[str, Any] = examples["limit_oto_stop_loss_limit"]
    return example


def check(
    tmp_path: Path, message: Any, *flags: str, **env: str
) -> subprocess.CompletedProcess[str]:
    text = message if isinstance(message, str) else json.dumps(message)
    (tmp_path / "message.json").write_text(text)
    return probe(tmp_path, "--check", "message.json", *flags, env=env)


def heads(run: subprocess.CompletedProcess[str]) -> list[str]:
    return [line.split(" ")[0].rstrip(":") for line in run.stderr.splitlines()]


def order(**params: Any) -> dict[str, Any]:
    base = {"order_type": "limit", "side": "buy", "order_qty": 0.0002, "limit_price": 30000}
    return base | params


def batch(*orders: dict[str, Any]) -> dict[str, Any]:
    return {"method": "batch_add",
            "params": {"symbol": "BTC/USD", "validate": True, "orders": list(orders)}}  # fmt: skip


class TestStep3:
    """The brief's Step 3 examples."""

    def test_the_step3_example_is_refused_by_the_default_cap(self, tmp_path: Path) -> None:
        run = probe(tmp_path, *STEP3_OTO)
        assert (run.returncode, run.stdout) == (3, "")
        assert run.stderr.splitlines() == [
            "ENTRY_MAX_NOTIONAL refused: 0.001 x 28440 = 28.44 USD > cap 10 USD; raise "
            "ENTRY_MAX_NOTIONAL to at least 28.44, or lower the quantity or the price"
        ]

    def test_the_step3_example_prints_the_oto_message_with_a_cap_of_50(
        self, tmp_path: Path
    ) -> None:
        (tmp_path / ".env_meanrev").write_text("ENTRY_MAX_NOTIONAL=50\n")
        before = datetime.now(UTC)
        run = probe(tmp_path, *STEP3_OTO)
        after = datetime.now(UTC)
        assert (run.returncode, run.stderr) == (0, "")
        message = loads(run.stdout)
        deadline = datetime.strptime(message["params"].pop("deadline"), "%Y-%m-%dT%H:%M:%S.%fZ")
        assert (
            before + timedelta(seconds=4.999)
            <= deadline.replace(tzinfo=UTC)
            <= after + timedelta(seconds=5)
        )
        example = _doc_oto_example()
        params = {key: value for key, value in example["params"].items() if key != "token"}
        assert message == {
            "method": "add_order",
            "params": params
            | {
                "order_qty": N("0.001"),  # the brief's quantity in place of the docs' 1.2
                "post_only": True,
                "time_in_force": "gtc",
                "stp_type": "cancel_newest",
                "validate": True,
                "margin": False,
            },
        }

    def test_the_step3_standalone_take_profit_limit_is_printed(self, tmp_path: Path) -> None:
        run = probe(tmp_path, *STEP3_STANDALONE_TP)
        assert (run.returncode, run.stderr) == (0, "")
        params = loads(run.stdout)["params"]
        del params["deadline"]
        assert params == {
            "order_type": "take-profit-limit",
            "side": "sell",
            "order_qty": N("0.001"),
            "symbol": "BTC/USD",
            "triggers": {"reference": "last", "price": N("28600"), "price_type": "static"},
            "limit_price": N("28590"),
            "time_in_force": "gtc",
            "stp_type": "cancel_newest",
            "validate": True,
            "margin": False,
        }

    def test_stdout_is_exactly_one_json_document(self, tmp_path: Path) -> None:
        run = probe(tmp_path, *STEP3_STANDALONE_TP)
        assert run.stdout.count("\n") == 1
        assert isinstance(json.loads(run.stdout), dict)


class TestKnobsAndSecrets:
    def test_a_dot_env_beside_and_above_has_no_effect_and_never_shows(self, tmp_path: Path) -> None:
        secrets = f"ENTRY_MAX_NOTIONAL=100000\nALLOW_LIVE=1\nKRAKEN_API_SECRET={SECRET}\n"
        (tmp_path / ".env").write_text(secrets)
        work = tmp_path / "work"
        work.mkdir()
        (work / ".env").write_text(secrets)
        (work / ".env_meanrev").write_text("DEADLINE_MS=5000\n")
        refused = probe(work, *STEP3_OTO)
        assert refused.returncode == 3
        live = probe(work, *STEP3_STANDALONE_TP, "--validate", "0")
        assert live.returncode == 3
        assert "ALLOW_LIVE refused" in live.stderr
        for run in (refused, live):
            assert SECRET not in run.stdout + run.stderr

    def test_an_env_file_named_dot_env_is_refused(self, tmp_path: Path) -> None:
        (tmp_path / ".env").write_text(f"ENTRY_MAX_NOTIONAL=50\nAPI_KEY={SECRET}\n")
        run = probe(tmp_path, *STEP3_OTO, "--env-file", ".env")
        assert (run.returncode, run.stdout) == (2, "")
        assert run.stderr.startswith("--env-file (from command line): '.env'; use a knob file")
        assert SECRET not in run.stderr

    def test_secrets_in_the_environment_never_show(self, tmp_path: Path) -> None:
        env = {"KRAKEN_API_KEY": SECRET, "KRAKEN_API_SECRET": SECRET, "WS_TOKEN": SECRET}
        for args in (STEP3_OTO, STEP3_STANDALONE_TP, ["--bogus", "1"]):
            run = probe(tmp_path, *args, env=env)
            assert SECRET not in run.stdout + run.stderr

    def test_bad_knobs_are_listed_with_bad_flags(self, tmp_path: Path) -> None:
        (tmp_path / ".env_meanrev").write_text("DEADLINE_MS=100\nDEFAULT_TIF=day\n")
        run = probe(tmp_path, "--side", "buy", "--qty", "1")
        assert run.returncode == 2
        assert [line.split(":")[0].split(" ")[0] for line in run.stderr.splitlines()] == [
            "--symbol", "DEFAULT_TIF", "DEADLINE_MS",
        ]  # fmt: skip

    def test_the_environment_beats_the_knob_file(self, tmp_path: Path) -> None:
        (tmp_path / ".env_meanrev").write_text("ENTRY_MAX_NOTIONAL=5\n")
        assert probe(tmp_path, *STEP3_OTO, env={"ENTRY_MAX_NOTIONAL": "50"}).returncode == 0

    def test_env_file_flag_reads_that_file(self, tmp_path: Path) -> None:
        (tmp_path / "knobs.txt").write_text("ENTRY_MAX_NOTIONAL=50\n")
        assert probe(tmp_path, *STEP3_OTO, "--env-file", "knobs.txt").returncode == 0
        missing = probe(tmp_path, *STEP3_OTO, "--env-file", "nope.txt")
        assert (missing.returncode, missing.stdout) == (2, "")


class TestFlags:
    def test_invalid_flags_list_every_problem_one_per_line_with_exit_2(
        self, tmp_path: Path
    ) -> None:
        run = probe(
            tmp_path, "--symbol", "XBT-USD", "--side", "long", "--qty", "0", "--limt", "1",
            "--tif", "day", "--post_only", "yes",
        )  # fmt: skip
        assert (run.returncode, run.stdout) == (2, "")
        assert sorted(line.split(":")[0] for line in run.stderr.splitlines()) == [
            "--limt", "--post_only", "--qty", "--side", "--symbol", "--tif",
        ]  # fmt: skip
        assert "Traceback" not in run.stderr

    def test_both_stop_and_take_profit_are_refused_with_the_reason(self, tmp_path: Path) -> None:
        run = probe(tmp_path, *STEP3_OTO, "--tp", "28600", env={"ENTRY_MAX_NOTIONAL": "50"})
        assert run.returncode == 2
        assert "not both (no OCO)" in run.stderr

    def test_open_positions_trip_one_position_only(self, tmp_path: Path) -> None:
        env = {"ENTRY_MAX_NOTIONAL": "50"}
        assert probe(tmp_path, *STEP3_OTO, "--open_positions", "0", env=env).returncode == 0
        run = probe(tmp_path, *STEP3_OTO, "--open_positions", "1", env=env)
        assert (run.returncode, run.stdout) == (3, "")
        assert run.stderr.startswith("ONE_POSITION_ONLY refused")

    def test_a_market_entry_takes_its_reference_price(self, tmp_path: Path) -> None:
        args = ["--symbol", "BTC/USD", "--side", "buy", "--qty", "0.0001"]
        assert probe(tmp_path, *args).returncode == 3
        run = probe(tmp_path, *args, "--ref_price", "90000")
        assert run.returncode == 0
        assert loads(run.stdout)["params"]["order_type"] == "market"

    def test_a_live_order_needs_allow_live(self, tmp_path: Path) -> None:
        run = probe(tmp_path, *STEP3_STANDALONE_TP, "--validate", "0", env={"ALLOW_LIVE": "1"})
        assert run.returncode == 0
        assert loads(run.stdout)["params"]["validate"] is False

    def test_standalone_stop_loss_mirrors_standalone_take_profit(self, tmp_path: Path) -> None:
        args = ["--symbol", "BTC/USD", "--side", "sell", "--qty", "0.001", "--sl", "28000"]
        run = probe(tmp_path, *args, "--sl_limit", "27990", "--standalone_sl", "1", "--req_id", "7")
        assert run.returncode == 0
        message = loads(run.stdout)
        assert (message["params"]["order_type"], message["req_id"]) == ("stop-loss-limit", N("7"))

    @pytest.mark.parametrize("flag", ["--help", "-h"])
    def test_help_goes_to_stdout_with_exit_0(self, tmp_path: Path, flag: str) -> None:
        run = probe(tmp_path, flag)
        assert run.returncode == 0
        assert "--standalone_tp" in run.stdout

    def test_the_installed_console_script_runs_when_installed(self, tmp_path: Path) -> None:
        script = Path(sys.executable).with_name("momentum-probe")
        if not script.exists():
            pytest.skip("momentum is not installed in this interpreter's environment")
        run = subprocess.run(
            [str(script), *STEP3_STANDALONE_TP], cwd=tmp_path, env=_environment({}),
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        assert run.returncode == 0
        assert loads(run.stdout)["params"]["order_type"] == "take-profit-limit"

    def test_a_flag_without_a_value_is_reported_once(self, tmp_path: Path) -> None:
        run = probe(tmp_path, "--symbol", "BTC/USD", "--side", "buy", "--qty")
        assert (run.returncode, run.stderr) == (2, "--qty: no value; use --flag value\n")


class TestInstrumentRules:
    """The shipped table unless a file is given."""

    def test_xbt_usd_is_refused_with_a_suggestion(self, tmp_path: Path) -> None:
        run = probe(tmp_path, "--symbol", "XBT/USD", *BUY, "--limit", "28440")
        assert (run.returncode, run.stdout) == (2, "")
        assert run.stderr.startswith("--symbol: 'XBT/USD' is not a pair in the instrument table")
        assert "(did you mean BTC/USD?)" in run.stderr

    def test_a_limit_off_the_btc_tick_is_refused_naming_both_neighbours(
        self, tmp_path: Path
    ) -> None:
        run = probe(tmp_path, "--symbol", "BTC/USD", *BUY, "--limit", "28440.05")
        assert (run.returncode, run.stdout) == (2, "")
        assert run.stderr == (
            "--limit: 28440.05 is not a multiple of the BTC/USD tick 0.1; use a price on the "
            "tick, nearest 28440.0 or 28440.1\n"
            "ENTRY_MAX_NOTIONAL refused: 0.001 x 28440.05 = 28.44005 USD > cap 10 USD; raise "
            "ENTRY_MAX_NOTIONAL to at least 28.44005, or lower the quantity or the price\n"
        )

    def test_a_quantity_under_the_btc_minimum_is_refused_naming_it(self, tmp_path: Path) -> None:
        run = probe(tmp_path, "--symbol", "BTC/USD", "--side", "buy", "--qty", "0.00001",
                    "--limit", "28440")  # fmt: skip
        assert (run.returncode, run.stdout) == (2, "")
        assert run.stderr == (
            "--qty: 0.00001 is below the BTC/USD minimum 0.00005; use a quantity of at least 0.00005\n"
        )

    def test_snap_rounds_the_buy_limit_down_and_says_so(self, tmp_path: Path) -> None:
        run = probe(tmp_path, "--symbol", "BTC/USD", *BUY, "--limit", "28440.05", "--snap", "1",
                    env={"ENTRY_MAX_NOTIONAL": "50"})  # fmt: skip
        assert run.returncode == 0
        assert run.stderr == "--limit: 28440.05 rounded to 28440 (--snap 1)\n"
        assert loads(run.stdout)["params"]["limit_price"] == N("28440")

    def test_snap_rounds_a_sell_limit_up(self, tmp_path: Path) -> None:
        run = probe(tmp_path, "--symbol", "BTC/USD", "--side", "sell", "--qty", "0.001",
                    "--limit", "28440.05", "--snap", "1")  # fmt: skip
        assert run.returncode == 0
        assert loads(run.stdout)["params"]["limit_price"] == N("28440.1")

    def test_snap_never_raises_a_quantity_to_the_minimum(self, tmp_path: Path) -> None:
        run = probe(tmp_path, "--symbol", "BTC/USD", "--side", "buy", "--qty", "0.00001",
                    "--limit", "28440", "--snap", "1")  # fmt: skip
        assert (run.returncode, run.stdout) == (2, "")

    @pytest.mark.parametrize(
        ("fixture", "symbol", "limit"),
        [
            ("rest_asset_pairs_sample.json", "DOGE/USDT", "0.12345"),
            ("ws_v2_instrument_snapshot_doc_example.json", "MATIC/GBP", "0.5123"),
        ],
    )
    def test_a_user_instrument_file_in_either_format_is_used(
        self, tmp_path: Path, fixture: str, symbol: str, limit: str
    ) -> None:
        args = ["--symbol", symbol, "--side", "sell", "--qty", "100", "--limit", limit]
        run = probe(tmp_path, *args, "--instruments", str(FIXTURES / fixture))
        assert (run.returncode, run.stderr) == (0, "")
        assert loads(run.stdout)["params"]["symbol"] == symbol
        off_tick = probe(
            tmp_path, *args[:-1], limit + "1", "--instruments", str(FIXTURES / fixture)
        )
        assert off_tick.returncode == 2

    def test_the_instruments_file_knob_is_read(self, tmp_path: Path) -> None:
        (tmp_path / ".env_meanrev").write_text(
            f"INSTRUMENTS_FILE={FIXTURES / 'rest_asset_pairs_sample.json'}\n"
        )
        run = probe(tmp_path, "--symbol", "DOGE/USDT", "--side", "sell", "--qty", "100",
                    "--limit", "0.12345")  # fmt: skip
        assert run.returncode == 0
        missing = probe(tmp_path, "--symbol", "DOGE/USDT", "--side", "sell", "--qty", "100",
                        env={"INSTRUMENTS_FILE": "nope.json"})  # fmt: skip
        assert (missing.returncode, missing.stdout) == (2, "")
        assert missing.stderr.startswith("INSTRUMENTS_FILE: 'nope.json'")

    def test_a_broken_instrument_file_is_exit_2_without_a_traceback(self, tmp_path: Path) -> None:
        (tmp_path / "bad.json").write_text(
            '{"channel":"instrument","type":"snapshot","data":{"pairs":[{"symbol":"BTC/USD"}]}}'
        )
        run = probe(tmp_path, "--symbol", "BTC/USD", *BUY, "--instruments", "bad.json")
        assert (run.returncode, run.stdout) == (2, "")
        assert "instruments[BTC/USD]" in run.stderr
        assert "Traceback" not in run.stderr

    def test_a_rest_pair_without_a_wsname_is_skipped_and_named(self, tmp_path: Path) -> None:
        pairs = json.loads((FIXTURES / "rest_asset_pairs_sample.json").read_text())
        name, record = next(iter(pairs["result"].items()))
        del record["wsname"]
        (tmp_path / "pairs.json").write_text(json.dumps(pairs))
        run = probe(tmp_path, "--instruments", "pairs.json", "--symbol", "ETH/USDT", "--side", "buy",
                    "--qty", "0.01", "--limit", "500", "--quote_rate", "USDT=1")  # fmt: skip
        assert run.returncode == 0, run.stderr
        assert (
            run.stderr == f"warning: instruments[{name}]: no wsname, so no WS v2 symbol; skipped\n"
        )


class TestTheWholeOrderSurface:
    def test_bracket_prints_both_messages_in_send_order(self, tmp_path: Path) -> None:
        run = probe(tmp_path, *STEP3_OTO, "--tp", "28600", "--tp_limit", "28590", "--bracket", "1",
                    env=CAP_100000)  # fmt: skip
        assert (run.returncode, run.stderr) == (0, "")
        first, second = loads(run.stdout)
        assert first["params"]["conditional"]["order_type"] == "stop-loss-limit"
        assert (second["params"]["order_type"], second["params"]["side"]) == (
            "take-profit-limit",
            "sell",
        )
        assert "conditional" not in second["params"]

    def test_bracket_without_both_legs_is_refused(self, tmp_path: Path) -> None:
        run = probe(tmp_path, *STEP3_OTO, "--bracket", "1", env=CAP_100000)
        assert (run.returncode, run.stdout) == (2, "")
        assert run.stderr.startswith("--bracket:")

    @pytest.mark.parametrize(
        ("args", "order_type"),
        [
            (["--order_type", "market"], "market"),
            (["--order_type", "stop-loss", "--trigger", "-2", "--trigger_type", "pct"], "stop-loss"),
            (["--order_type", "take-profit-limit", "--trigger", "29000", "--limit", "28990"],
             "take-profit-limit"),
            (["--order_type", "trailing-stop", "--trigger", "1", "--trigger_type", "pct"],
             "trailing-stop"),
            (["--order_type", "trailing-stop-limit", "--trigger", "100", "--trigger_type", "quote",
              "--limit", "-10"], "trailing-stop-limit"),
            (["--order_type", "iceberg", "--limit", "28500", "--display_qty", "0.0001"], "iceberg"),
        ],
    )  # fmt: skip
    def test_order_type_builds_each_type(
        self, tmp_path: Path, args: list[str], order_type: str
    ) -> None:
        run = probe(tmp_path, *BTC_SELL, *args, env=CAP_100000)
        assert (run.returncode, run.stderr) == (0, "")
        assert loads(run.stdout)["params"]["order_type"] == order_type

    @pytest.mark.parametrize(
        ("args", "flag"),
        [
            (["--order_type", "stop-loss"], "--trigger"),
            (["--order_type", "iceberg", "--limit", "28500"], "--display_qty"),
            (["--order_type", "market", "--limit", "28500"], "--limit"),
            (["--trigger", "28000"], "--trigger"),
            (["--order_type", "settle-position"], "--order_type"),
            (["--order_type", "limit", "--limit", "28500", "--userref", "1", "--cl_ord_id", "a"],
             "--userref"),
        ],
    )  # fmt: skip
    def test_flags_a_type_cannot_carry_or_needs_are_named(
        self, tmp_path: Path, args: list[str], flag: str
    ) -> None:
        run = probe(tmp_path, *BTC_SELL, *args, env=CAP_100000)
        assert (run.returncode, run.stdout) == (2, "")
        assert run.stderr.startswith(f"{flag}:")

    def test_a_cl_ord_id_with_a_close_prints_with_a_warning(self, tmp_path: Path) -> None:
        run = probe(tmp_path, *STEP3_OTO, "--cl_ord_id", "abc", env=CAP_100000)
        assert run.returncode == 0
        assert run.stderr.startswith("warning: cl_ord_id with a conditional close")
        assert loads(run.stdout)["params"]["cl_ord_id"] == "abc"


class TestCheck:
    @staticmethod
    def check(tmp_path: Path, message: str, **env: str) -> subprocess.CompletedProcess[str]:
        (tmp_path / "message.json").write_text(message)
        return probe(tmp_path, "--check", "message.json", env=env)

    def test_a_clean_message_exits_0(self, tmp_path: Path) -> None:
        example = (FIXTURES / "ws_v2_add_order_doc_examples.json").read_text()
        oto = json.loads(example)["limit_oto_stop_loss_limit"]
        oto["params"] |= {"margin": False, "validate": True}
        del oto["params"]["token"]
        run = self.check(tmp_path, json.dumps(oto), **CAP_100000)
        assert (run.returncode, run.stdout, run.stderr) == (0, "", "--check: no problem found\n")

    def test_a_malformed_message_exits_2_naming_the_path(self, tmp_path: Path) -> None:
        run = self.check(tmp_path, '{"method":"add_order","params":{"order_type":"market",'
                         '"side":"buy","order_qty":1,"symbol":"BTC/USD","margin":true,'
                         '"validate":true,"deadline":"x"}}')  # fmt: skip
        assert run.returncode == 2
        assert "$.params.margin" in run.stderr

    def test_a_refused_message_exits_3_naming_the_guard(self, tmp_path: Path) -> None:
        run = self.check(tmp_path, '{"method":"add_order","params":{"order_type":"limit",'
                         '"side":"buy","order_qty":1,"symbol":"BTC/USD","limit_price":28440,'
                         '"margin":false,"validate":false}}')  # fmt: skip
        assert run.returncode == 3
        assert [line.split(" ")[0] for line in run.stderr.splitlines()] == [
            "ENTRY_MAX_NOTIONAL", "ALLOW_LIVE",
        ]  # fmt: skip

    def test_stdin_is_read_with_a_dash(self, tmp_path: Path) -> None:
        run = subprocess.run(
            [sys.executable, "-m", "momentum.scripts.ws_payload_probe", "--check", "-"],
            input="not json", cwd=tmp_path, env=_environment({}), capture_output=True,
            text=True, timeout=60, check=False,
        )  # fmt: skip
        assert (run.returncode, run.stdout) == (2, "")
        assert "Traceback" not in run.stderr


class TestCheckHoldsBatchesAndAmends:
    def test_a_batch_over_the_cap_together_exits_3(self, tmp_path: Path) -> None:
        run = check(tmp_path, batch(order(), order()))  # 6 + 6 USD against the default 10
        assert (run.returncode, run.stdout) == (3, "")
        assert run.stderr == (
            "ENTRY_MAX_NOTIONAL refused: the batch's buy legs total 12 USD > cap 10 USD; raise "
            "ENTRY_MAX_NOTIONAL to at least 12, or send fewer or smaller buys\n"
        )

    def test_the_same_batch_within_the_cap_exits_0(self, tmp_path: Path) -> None:
        run = check(tmp_path, batch(order(), order()), ENTRY_MAX_NOTIONAL="12")
        assert (run.returncode, run.stderr) == (0, "--check: no problem found\n")

    def test_an_amend_is_held_as_a_buy_unless_the_side_says_sell(self, tmp_path: Path) -> None:
        amend = {"method": "amend_order",
                 "params": {"order_id": "OUF4EM-FRGI2-MQMWZD", "order_qty": 1000,
                            "limit_price": 100000}}  # fmt: skip
        held = check(tmp_path, amend, "--symbol", "BTC/USD", ALLOW_LIVE="1")
        assert (held.returncode, heads(held)) == (3, ["ENTRY_MAX_NOTIONAL"])
        sold = check(tmp_path, amend, "--side", "sell", ALLOW_LIVE="1")
        assert (sold.returncode, sold.stderr) == (0, "--check: no problem found\n")

    def test_krakens_amend_example_without_a_deadline_passes(self, tmp_path: Path) -> None:
        example = json.loads((FIXTURES / "ws_v2_amend_order_doc_examples.json").read_text())
        run = check(tmp_path, example["basic"], "--side", "sell", ALLOW_LIVE="1")
        assert (run.returncode, run.stdout) == (0, "")
        assert "PM5Qm0MDrS54l657aQAtb7AhrwN30e2LBg1nUYOd6vU" not in run.stderr  # never echoed


class TestCheckTakesTheContextFlags:
    def test_open_positions_trips_one_position_only(self, tmp_path: Path) -> None:
        message = {"method": "add_order", "params": order(symbol="BTC/USD", validate=True)}
        assert check(tmp_path, message).returncode == 0
        run = check(tmp_path, message, "--open_positions", "3")
        assert (run.returncode, heads(run)) == (3, ["ONE_POSITION_ONLY"])

    def test_a_market_buy_passes_with_its_reference_price(self, tmp_path: Path) -> None:
        market = {"method": "add_order", "params": {"order_type": "market", "side": "buy",
                  "order_qty": 0.0001, "symbol": "BTC/USD", "validate": True}}  # fmt: skip
        without = check(tmp_path, market)
        assert (without.returncode, heads(without)) == (3, ["ENTRY_MAX_NOTIONAL"])
        assert "--ref_price" in without.stderr  # the remedy names the flag
        assert check(tmp_path, market, "--ref_price", "30000").returncode == 0

    @pytest.mark.parametrize("flag", [["--qty", "1"], ["--validate", "0"], ["--snap", "1"],
                                      ["--limit", "1"], ["--req_id", "5"]])  # fmt: skip
    def test_a_flag_the_message_itself_says_is_refused(
        self, tmp_path: Path, flag: list[str]
    ) -> None:
        message = {"method": "add_order", "params": order(symbol="BTC/USD", validate=True)}
        run = check(tmp_path, message, *flag)
        assert (run.returncode, run.stdout) == (2, "")
        assert run.stderr.startswith(f"{flag[0]}: given with --check, where the message says it;")

    def test_side_beside_an_add_order_is_refused(self, tmp_path: Path) -> None:
        message = {"method": "add_order", "params": order(symbol="BTC/USD", validate=True)}
        run = check(tmp_path, message, "--side", "sell")
        assert (run.returncode, heads(run)) == (2, ["--side"])


class TestDuplicateKeys:
    def test_a_duplicate_key_exits_2_naming_it_and_its_path(self, tmp_path: Path) -> None:
        text = ('{"method":"add_order","params":{"order_type":"limit","side":"buy","side":"sell",'
                '"order_qty":0.0002,"symbol":"BTC/USD","limit_price":30000,"validate":true}}')  # fmt: skip
        run = check(tmp_path, text)
        assert (run.returncode, run.stdout) == (2, "")
        assert run.stderr == (
            "message: the key 'side' twice at $.params; use each key once (RFC 8259: parsers "
            "differ on which counts)\n"
        )


class TestCheckAgreesWithTheExchange:
    def test_krakens_add_order_examples_pass(self, tmp_path: Path) -> None:
        examples = json.loads((FIXTURES / "ws_v2_add_order_doc_examples.json").read_text())
        run = check(tmp_path, examples["limit_oto_stop_loss_limit"], ALLOW_LIVE="1", **WIDE)
        assert (run.returncode, run.stderr) == (0, "--check: no problem found\n")

    @pytest.mark.parametrize(("seconds", "code"), [(-1, 2), (3600, 2), (30, 0)])
    def test_the_messages_deadline_is_read(self, tmp_path: Path, seconds: int, code: int) -> None:
        moment = datetime.now(UTC) + timedelta(seconds=seconds)
        deadline = moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
        message = {"method": "add_order",
                   "params": order(symbol="BTC/USD", validate=True, deadline=deadline)}  # fmt: skip
        assert check(tmp_path, message).returncode == code


class TestQuoteCurrency:
    ETH_BTC: ClassVar[list[str]] = [
        "--symbol",
        "ETH/BTC",
        "--side",
        "buy",
        "--qty",
        "1",
        "--limit",
        "0.05",
    ]

    def test_a_buy_quoted_in_btc_needs_its_rate(self, tmp_path: Path) -> None:
        run = probe(tmp_path, *self.ETH_BTC)
        assert (run.returncode, run.stdout) == (3, "")
        assert run.stderr.endswith(
            "give what 1 BTC is worth in USD (--quote_rate BTC=RATE); a stablecoin is not USD "
            "unless its rate says so\n"
        )

    @pytest.mark.parametrize(("rate", "code"), [("90000", 3), ("180", 0)])
    def test_with_the_rate_it_is_held_in_usd(self, tmp_path: Path, rate: str, code: int) -> None:
        # 1 x 0.05 BTC = 4500 USD at 90000 (refused), 9 USD at 180 (passes the cap of 10)
        run = probe(tmp_path, *self.ETH_BTC, "--quote_rate", f"BTC={rate}")
        assert run.returncode == code

    def test_notional_ccy_sets_the_caps_currency(self, tmp_path: Path) -> None:
        run = probe(
            tmp_path, *self.ETH_BTC, env={"NOTIONAL_CCY": "BTC", "ENTRY_MAX_NOTIONAL": "0.05"}
        )
        assert (run.returncode, run.stderr) == (0, "")

    def test_check_takes_the_rate_too(self, tmp_path: Path) -> None:
        # 0.01 x 0.01 = 0.0001 BTC, 9 USD at 90000
        message = {"method": "add_order", "params": order(symbol="ETH/BTC", order_qty=0.01,
                   limit_price=0.01, validate=True)}  # fmt: skip
        assert check(tmp_path, message).returncode == 3
        assert check(tmp_path, message, "--quote_rate", "BTC=90000").returncode == 0

    def test_a_malformed_rate_is_exit_2(self, tmp_path: Path) -> None:
        run = probe(tmp_path, *self.ETH_BTC, "--quote_rate", "BTC")
        assert (run.returncode, heads(run)) == (2, ["--quote_rate"])


class TestRest:
    """REST parity: the same intent as REST AddOrder parameters."""

    def test_rest_prints_the_step3_example_as_rest_parameters(self, tmp_path: Path) -> None:
        run = probe(tmp_path, *STEP3_OTO, "--rest", "1", env={"ENTRY_MAX_NOTIONAL": "50"})
        assert run.returncode == 0
        fields = json.loads(run.stdout)
        del fields["deadline"]
        # REST AddOrder field names (docs.kraken.com/api/docs/rest-api/add-order), the brief's values
        assert fields == {
            "ordertype": "limit", "type": "buy", "volume": "0.001", "pair": "XBTUSD",
            "price": "28440", "timeinforce": "GTC", "oflags": "post", "stptype": "cancel-newest",
            "close[ordertype]": "stop-loss-limit", "close[price]": "28410", "close[price2]": "28400",
            "validate": "true",
        }  # fmt: skip
        assert run.stderr.startswith(
            "ordertype=limit&type=buy&volume=0.001&pair=XBTUSD&price=28440&"
        )

    def test_rest_urlencoded_prints_only_the_body(self, tmp_path: Path) -> None:
        run = probe(tmp_path, *STEP3_OTO, "--rest", "urlencoded", env={"ENTRY_MAX_NOTIONAL": "50"})
        assert (run.returncode, run.stderr) == (0, "")
        assert run.stdout.startswith("ordertype=limit&") and run.stdout.count("\n") == 1
        assert "close%5Bprice2%5D=28400" in run.stdout

    def test_rest_refuses_a_deadline_shorter_than_its_window(self, tmp_path: Path) -> None:
        run = probe(tmp_path, *STEP3_OTO, "--rest", "1",
                    env={"ENTRY_MAX_NOTIONAL": "50", "DEADLINE_MS": "1000"})  # fmt: skip
        assert (run.returncode, run.stdout) == (2, "")
        assert run.stderr.startswith("DEADLINE_MS: 1000 ms; use at least 2000 ms for REST")


class TestRobustness:
    """Bad knob files, bad paths and no network."""

    @pytest.mark.parametrize(
        "content",
        [
            b"",
            b"\x00\x01binary",
            b"# x\n" * (10 * 1024 * 1024 // 4),
            b"not a knob line\n",
            b"\xff\xfe",
        ],
        ids=["empty", "binary", "huge-10MB", "broken", "not-utf8"],
    )
    def test_a_bad_knob_file_is_exit_2_without_a_traceback(
        self, tmp_path: Path, content: bytes
    ) -> None:
        (tmp_path / ".env_meanrev").write_bytes(content)
        run = probe(tmp_path, *STEP3_STANDALONE_TP)
        assert (run.returncode, run.stdout) == (2, "")
        assert run.stderr.startswith("--env-file (from ")
        assert "Traceback" not in run.stderr

    def test_an_unreadable_knob_file_is_exit_2(self, tmp_path: Path) -> None:
        (tmp_path / ".env_meanrev").mkdir()  # readable by nobody as a file, root included
        run = probe(tmp_path, *STEP3_STANDALONE_TP)
        assert (run.returncode, run.stdout) == (2, "")
        assert "unreadable file" in run.stderr

    def test_the_probe_runs_with_sockets_disabled(self, tmp_path: Path) -> None:
        (tmp_path / "sitecustomize.py").write_text(
            "import socket\n"
            "def _refuse(*args, **kwargs):\n"
            "    raise RuntimeError('network use is forbidden in this test')\n"
            "socket.socket = _refuse\n"
            "socket.create_connection = _refuse\n"
            "socket.getaddrinfo = _refuse\n"
        )
        env = {"PYTHONPATH": os.pathsep.join([str(tmp_path), str(REPO)])}
        for args in (STEP3_STANDALONE_TP, [*STEP3_OTO, "--rest", "1"], ["--check", "-"]):
            run = subprocess.run(
                [sys.executable, "-m", "momentum.scripts.ws_payload_probe", *args],
                input="{}", cwd=tmp_path, env=_environment(env), capture_output=True, text=True,
                timeout=60, check=False,
            )  # fmt: skip
            assert "network use is forbidden" not in run.stderr
            assert "internal error" not in run.stderr

    @pytest.mark.parametrize("flag", ["--check", "--env-file", "--instruments"])
    def test_a_path_with_a_nul_byte_is_exit_2(
        self, flag: str, capsys: pytest.CaptureFixture[str]
    ) -> None:
        assert main([*STEP3_STANDALONE_TP, flag, "bad\x00path"]) == 2
        assert capsys.readouterr().out == ""


# --- cold start ---------------------------------------------------------------------------
# The probe loads what its mode needs and no more (bench/cold_start.py times it): the REST forms
# only with --rest, the --check reader only with --check, the bracket plan only with --bracket,
# and never the parts of returns, dataclasses or difflib that a run without a suggestion skips.

_NEVER = {"returns.methods", "returns.context", "returns.future", "dataclasses", "difflib"}
_REST = {"momentum.exchange.kraken.rest.parity", "momentum.exchange.kraken.rest.render"}
_CHECK = {"momentum.exchange.kraken.ws_v2_check"}
_BRACKET = {"momentum.exchange.kraken.ws_v2_requests"}
_BUY = ["--symbol", "BTC/USD", "--side", "buy", "--qty", "0.001", "--limit", "28440"]
_MESSAGE = (
    '{"method":"add_order","params":{"order_type":"limit","side":"buy","order_qty":0.001,'
    '"limit_price":28440,"symbol":"BTC/USD","validate":true}}'
)
_LOADED = (
    "import sys\n"
    "from momentum.scripts.ws_payload_probe import main\n"
    "code = main(sys.argv[1:])\n"
    "sys.stderr.write('\\nexit ' + str(code) + ' modules ' + ' '.join(sorted(sys.modules)))\n"
)


@pytest.mark.parametrize(
    ("args", "stdin", "needed", "left_out"),
    [
        (_BUY, None, set(), _REST | _CHECK | _BRACKET),
        ([*_BUY, "--rest", "1"], None, _REST, _CHECK | _BRACKET),
        (["--check", "-"], _MESSAGE, _CHECK, _REST | _BRACKET),
        ([*_BUY, "--sl", "28410", "--tp", "28600", "--bracket", "1"], None, _BRACKET,
         _REST | _CHECK),
    ],
    ids=["order", "rest", "check", "bracket"],
)  # fmt: skip
def test_each_mode_loads_only_what_it_uses(
    tmp_path: Path, args: list[str], stdin: str | None, needed: set[str], left_out: set[str]
) -> None:
    run = subprocess.run(
        [sys.executable, "-c", _LOADED, *args], input=stdin, cwd=tmp_path,
        env=_environment({"ENTRY_MAX_NOTIONAL": "1000"}), capture_output=True, text=True,
        timeout=60, check=False,
    )  # fmt: skip
    code, word, *modules = run.stderr.rsplit("\nexit ", 1)[-1].split()
    assert (code, word) == ("0", "modules"), run.stderr
    assert needed <= set(modules)
    assert set(modules) & (_NEVER | left_out) == set()


# --- laws --------------------------------------------------------------------------------


@given(argvs)
def test_a_refusal_never_writes_to_stdout(argv: list[str]) -> None:
    """A refusal never yields output on stdout: exit 0 and a message, or nothing on stdout."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        # no --check (it reads stdin) and no --help (it prints usage on purpose)
        code = main([a for a in argv if not a.startswith(("--check", "-h", "--help"))])
    assert (code == 0) == bool(out.getvalue())
    if code == 0:
        assert json.loads(out.getvalue())

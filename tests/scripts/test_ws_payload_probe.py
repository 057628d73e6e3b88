"""The probe end to end for the guards on every path: exit codes and stderr lines of a fresh
process, as a user runs it. (The order-building paths are in tests/test_probe.py.)"""

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

import pytest

from momentum.utils.env import KNOB_NAMES

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests/fixtures"
WIDE = {"ENTRY_MAX_NOTIONAL": "1000000"}


def probe(cwd: Path, *args: str, env: dict[str, str] | None = None,
          stdin: str | None = None) -> subprocess.CompletedProcess[str]:  # fmt: skip
    base = {k: v for k, v in os.environ.items() if k not in KNOB_NAMES}
    base["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), base.get("PYTHONPATH")]))
    return subprocess.run(
        [sys.executable, "-m", "momentum.scripts.ws_payload_probe", *args],
        cwd=cwd, env=base | (env or {}), input=stdin, capture_output=True, text=True, timeout=60,
        check=False,
    )  # fmt: skip


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


def test_a_rest_pair_without_a_wsname_is_skipped_and_named(tmp_path: Path) -> None:
    pairs = json.loads((FIXTURES / "rest_asset_pairs_sample.json").read_text())
    name, record = next(iter(pairs["result"].items()))
    del record["wsname"]
    (tmp_path / "pairs.json").write_text(json.dumps(pairs))
    run = probe(tmp_path, "--instruments", "pairs.json", "--symbol", "ETH/USDT", "--side", "buy",
                "--qty", "0.01", "--limit", "500", "--quote_rate", "USDT=1")  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert run.stderr == f"warning: instruments[{name}]: no wsname, so no WS v2 symbol; skipped\n"

"""Per-order cost of momentum's whole pure path, beside two floors measured in the same run.

    python bench/order_path.py [--repeat 31] [--number 2000] [--json bench/order_path.json]

Path: parse the intent's text fields into Decimals, run every check and guard, build, encode to
JSON bytes. Floor (a): the same message built as a plain dict and encoded with msgspec (no
checks). Floor (b): encoding an already-built message Struct. Reports median and spread (min to
max of the per-repeat means) and the ratios to each floor.

Rows without a mark run without pair rules (`Context(instruments="unchecked")`), as every case
ran in the rounds before the library checked the shipped instrument table by default; rows
marked `[shipped]` are the same orders under that default (tick, lot, minimums, status).

Below the table, for the Step 3 OTO only: floor (c), the Decimal work no checked path can skip
(parse the four amounts from text; for each, finite, positive and bounded; the close's limit
against its trigger and its trigger against the entry; the notional against the cap), with no
build and no encode. It shows how much of the 3x-floor-(a) budget that work alone uses.
"""

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from functools import partial
from typing import Any

import msgspec

from momentum.exchange.kraken.instruments import load_default_instruments
from momentum.exchange.kraken.ws_v2_messages import encode
from momentum.exchange.kraken.ws_v2_payloads import build_add_order, build_add_order_json
from momentum.models.context import Context, Knobs
from momentum.models.intent import (
    LimitOrder,
    MarketOrder,
    OrderIntent,
    StopLossLimitClose,
    TakeProfitLimitOrder,
    Trigger,
    parse_amount,
)

NOW = datetime(2026, 11, 28, 9, 0, 0, 123000, tzinfo=UTC)
KNOBS = Knobs(entry_max_notional=Decimal(100_000))
TABLE = load_default_instruments().unwrap()
ENCODER = msgspec.json.Encoder(decimal_format="number")


def d(text: str) -> Decimal:
    return parse_amount(text, "bench").unwrap()


def oto() -> OrderIntent:
    return LimitOrder(symbol="BTC/USD", side="buy", qty=d("0.001"), limit_price=d("28440"),
                      post_only=True, close=StopLossLimitClose(trigger_price=d("28410"),
                                                               limit_price=d("28400")))  # fmt: skip


def market() -> OrderIntent:
    return MarketOrder(symbol="BTC/USD", side="buy", qty=d("0.001"), ref_price=d("28440"))


def take_profit() -> OrderIntent:
    return TakeProfitLimitOrder(symbol="BTC/USD", side="sell", qty=d("0.001"),
                                trigger=Trigger(price=d("28600")), limit_price=d("28590"))  # fmt: skip


OTO_DICT: dict[str, object] = {
    "order_type": "limit", "side": "buy", "order_qty": Decimal("0.001"), "margin": False,
    "time_in_force": "gtc", "stp_type": "cancel_newest", "symbol": "BTC/USD",
    "validate": True, "deadline": "2026-11-28T09:00:05.123Z", "limit_price": Decimal("28440"),
    "post_only": True, "conditional": {"order_type": "stop-loss-limit",
    "trigger_price": Decimal("28410"), "limit_price": Decimal("28400")}}  # fmt: skip
MARKET_DICT: dict[str, object] = {
    "order_type": "market", "side": "buy", "order_qty": Decimal("0.001"), "margin": False,
    "time_in_force": "gtc", "stp_type": "cancel_newest", "symbol": "BTC/USD",
    "validate": True, "deadline": "2026-11-28T09:00:05.123Z"}  # fmt: skip
TAKE_PROFIT_DICT: dict[str, object] = {
    "order_type": "take-profit-limit", "side": "sell", "order_qty": Decimal("0.001"),
    "margin": False, "time_in_force": "gtc", "stp_type": "cancel_newest",
    "symbol": "BTC/USD", "validate": True, "deadline": "2026-11-28T09:00:05.123Z",
    "triggers": {"reference": "last", "price": Decimal("28600"), "price_type": "static"},
    "limit_price": Decimal("28590")}  # fmt: skip

# The first three rows are the previous rounds' cases as they ran then: without pair rules
# (the library's default was no table; it is now the shipped table, so "unchecked" says so).
# The "[shipped]" rows are the same orders as the library now checks them by default.
UNCHECKED = Context(knobs=KNOBS, now=NOW, instruments="unchecked")
SHIPPED = Context(knobs=KNOBS, now=NOW)  # instruments="shipped", the default
CASES: dict[str, tuple[Callable[[], OrderIntent], Context, dict[str, object]]] = {
    "step3 OTO limit buy": (oto, UNCHECKED, OTO_DICT),
    "market buy with ref price": (market, UNCHECKED, MARKET_DICT),
    "standalone take-profit-limit sell": (take_profit, UNCHECKED, TAKE_PROFIT_DICT),
    "triggered order with instrument checks": (take_profit, Context(knobs=KNOBS, now=NOW,
        instruments=TABLE), TAKE_PROFIT_DICT),
    "step3 OTO limit buy [shipped]": (oto, SHIPPED, OTO_DICT),
    "market buy with ref price [shipped]": (market, SHIPPED, MARKET_DICT),
    "standalone take-profit-limit sell [shipped]": (take_profit, SHIPPED, TAKE_PROFIT_DICT),
}  # fmt: skip


CAP = Decimal(100_000)
LIMIT_EXPONENT = 15


def amount_ok(value: Decimal) -> bool:
    return value.is_finite() and value > 0 and value.adjusted() <= LIMIT_EXPONENT


def decimal_work() -> bool:
    """Floor (c): the Step 3 OTO's unavoidable Decimal operations, and nothing else."""
    qty, limit = Decimal("0.001"), Decimal("28440")
    trigger, close_limit = Decimal("28410"), Decimal("28400")
    return (
        amount_ok(qty) and amount_ok(limit) and amount_ok(trigger) and amount_ok(close_limit)
        and close_limit <= trigger and trigger < limit and qty * limit <= CAP
    )  # fmt: skip


def timed(function: Callable[[], object], repeat: int, number: int) -> list[float]:
    means = []
    for _ in range(repeat):
        start = time.perf_counter_ns()
        for _ in range(number):
            function()
        means.append((time.perf_counter_ns() - start) / number / 1000)
    return means


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=31)
    parser.add_argument("--number", type=int, default=2000)
    parser.add_argument("--json", default="bench/order_path.json")
    args = parser.parse_args()
    rows: list[dict[str, Any]] = []
    floor_a_of_step3 = None
    for name, (make, context, as_dict) in CASES.items():
        message = build_add_order(make(), context).unwrap()
        literal = as_dict

        def full(make: Callable[[], OrderIntent] = make, context: Context = context) -> object:
            return build_add_order_json(make(), context)

        def plain(literal: dict[str, object] = literal) -> object:
            return ENCODER.encode({"method": "add_order", "params": dict(literal)})

        path = timed(full, args.repeat, args.number)
        floor_a = timed(plain, args.repeat, args.number)
        floor_b = timed(partial(encode, message), args.repeat, args.number)
        row: dict[str, Any] = {
            "case": name,
            "path_us": statistics.median(path),
            "path_spread_us": [min(path), max(path)],
            "floor_a_us": statistics.median(floor_a),
            "floor_b_us": statistics.median(floor_b),
        }
        row["ratio_a"] = row["path_us"] / row["floor_a_us"]
        row["ratio_b"] = row["path_us"] / row["floor_b_us"]
        floor_a_of_step3 = floor_a_of_step3 or row["floor_a_us"]
        rows.append(row)
    print(
        f"{'case':44} {'path us':>9} {'spread':>15} {'floor a':>8} {'floor b':>8} {'x a':>6} {'x b':>6}"
    )
    work = timed(decimal_work, args.repeat, args.number)
    floor_c = statistics.median(work)
    for row in rows:
        low, high = row["path_spread_us"]
        print(f"{row['case']:44} {row['path_us']:9.2f} {low:7.2f}-{high:<7.2f} "
              f"{row['floor_a_us']:8.2f} {row['floor_b_us']:8.2f} {row['ratio_a']:6.1f} {row['ratio_b']:6.1f}")  # fmt: skip
    assert floor_a_of_step3 is not None
    print(f"floor (c), the Step 3 OTO's Decimal checks alone: {floor_c:.2f} us = "
          f"{floor_c / floor_a_of_step3:.1f}x floor (a); target 3x floor (a) = {3 * floor_a_of_step3:.2f} us")  # fmt: skip
    with open(args.json, "w") as handle:
        json.dump({"python": sys.version.split()[0], "rows": rows, "floor_c_us": floor_c,
                   "floor_c_ratio_a": floor_c / floor_a_of_step3}, handle, indent=1)  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

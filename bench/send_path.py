"""The live sender's own cost per request, beside the floor, measured in the same run.

    python bench/send_path.py [--repeat 31] [--number 2000] [--json bench/send_path.json]

Everything here is pure (no socket, no clock): what `momentum.scripts.connection.LiveSession`
adds to a request on top of building it. The request is the Step 3 OTO of `order_path.py`,
already built as an `AddOrder` (validate), checked against the shipped instrument table (the
library's default) unless a row says otherwise:

* check: `momentum.session.core.check_request`, which the core runs on every `Submit` (deadline
  re-stamped, encoded, decoded and checked as `--check` checks it);
* of which, read back: the message's own encoded bytes decoded with their types, as the core
  reads them back before checking (an encoder writes no key twice: no duplicate-key scan);
* `--check`'s reader: `read_request` of the same bytes (decode, and the duplicate-key scan with
  the standard library's `json`), what `check_message` does first with a file's text; for scale;
* token request: `momentum.exchange.kraken.rest.auth.token_request`, the signed REST call (once
  per token, every few minutes: not per order, shown for scale);
* encode with the token: `momentum.exchange.kraken.ws_v2_messages.with_token`;
* step, submit: the core's `step` for a `Submit` on a ready session (check, req_id, rate counter,
  re-stamp, encode with the token: everything up to the frame to send);
* step, the next request: the same `Submit` on the session after the first request was
  answered, its pair already on the rate counter (what every request but a session's first pays);
* step, answer: the core's `step` for the `Received` answer frame of that request (decode, match,
  `Answered`).

Floor: the same frame (token, params, req_id) as a plain dict encoded by msgspec; beside the
answer, decoding the answer frame to plain Python objects with msgspec. Wall times on a shared
VM move by 2x between runs; `bench/instructions.py --suite send` counts the same stages in
instructions, which repeat.
"""

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import msgspec

sys.path.insert(0, __file__.rsplit("/", 1)[0])  # order_path, beside this file

import order_path as op

from momentum.exchange.kraken.rest.auth import TokenGrant, token_request
from momentum.exchange.kraken.ws_v2_check import Beside
from momentum.exchange.kraken.ws_v2_messages import AddOrder, with_token
from momentum.exchange.kraken.ws_v2_payloads import build_add_order
from momentum.models.context import Context
from momentum.models.secret import Secret
from momentum.session.core import (
    Answered,
    Connected,
    Open,
    Received,
    SendFrame,
    Session,
    SessionConfig,
    Submit,
    TokenMinted,
    start,
    step,
)

NOW = datetime(2026, 12, 1, 9, 0, 0, 123000, tzinfo=UTC)
TOKEN = "G38a1tGFzqGiUCmnegBcm8d4nfP3tytiNQz6tkCBYXY"  # the docs' dummy token
KEY = Secret("bench-key-not-a-real-one")
SECRET = Secret("a" * 86 + "==")  # 64 bytes of base64, as Kraken issues them
SHIPPED = Context(knobs=op.KNOBS, now=NOW)
UNCHECKED = Context(knobs=op.KNOBS, now=NOW, instruments="unchecked")
MESSAGE: AddOrder = build_add_order(op.oto(), SHIPPED).unwrap()
NOTHING = Beside()
ENCODER = msgspec.json.Encoder(decimal_format="number")
REQ_ID = 2  # the ready session's subscribe took 1


def _frames(outputs: tuple[object, ...]) -> list[dict[str, object]]:
    return [msgspec.json.decode(o.data) for o in outputs if isinstance(o, SendFrame)]


def ready_session(context: Context = SHIPPED) -> Session:
    """Mint, connect, online, subscribe, snapshot: a session ready to send (as the core's tests
    drive it from Kraken's documented frames)."""
    session = start(SessionConfig(context=context, tier="pro"), NOW, "bench")
    session, _ = step(session, Open(now=NOW))
    grant = TokenGrant(token=Secret(TOKEN), expires=900)
    session, _ = step(session, TokenMinted(grant=grant, now=NOW))
    session, _ = step(session, Connected(now=NOW))
    status = {"channel": "status", "type": "update", "data": [{"api_version": "v2",
              "connection_id": 1, "system": "online", "version": "2.0.10"}]}  # fmt: skip
    session, out = step(session, Received(data=msgspec.json.encode(status), now=NOW))
    subscribe = _frames(out)[-1]
    ack = {"method": "subscribe", "req_id": subscribe["req_id"], "success": True,
           "result": {"channel": "executions", "maxratecount": 180, "snap_orders": True,
                      "snap_trades": True}}  # fmt: skip
    session, _ = step(session, Received(data=msgspec.json.encode(ack), now=NOW))
    snapshot = {"channel": "executions", "type": "snapshot", "data": [], "sequence": 1}
    session, _ = step(session, Received(data=msgspec.json.encode(snapshot), now=NOW))
    assert session.phase == "ready", session.phase
    return session


READY = ready_session()
SUBMIT = Submit(ref=1, request=MESSAGE, now=NOW)
AFTER, SUBMITTED = step(READY, SUBMIT)
assert any(isinstance(o, SendFrame) for o in SUBMITTED), SUBMITTED
assert AFTER.in_flight and AFTER.in_flight[0].req_id == REQ_ID, AFTER.in_flight
ANSWER = msgspec.json.encode({"method": "add_order", "req_id": REQ_ID, "result": {
    "order_id": "OU22CG-KLAF2-FWUDD7"}, "success": True, "time_in": "2026-12-01T09:00:00.130000Z",
    "time_out": "2026-12-01T09:00:00.130400Z"})  # fmt: skip
RECEIVED = Received(data=ANSWER, now=NOW)
ANSWERED, TOLD = step(AFTER, RECEIVED)
assert any(isinstance(o, Answered) for o in TOLD), TOLD
assert not ANSWERED.in_flight and ANSWERED.rates.pairs, ANSWERED
PARAMS: dict[str, object] = {"token": TOKEN, **op.OTO_DICT}


def floor() -> bytes:
    """The frame as a plain dict (token, params, req_id), encoded by msgspec."""
    return ENCODER.encode({"method": "add_order", "params": dict(PARAMS), "req_id": REQ_ID})


def floor_decode() -> object:
    """The answer frame decoded to plain Python objects by msgspec."""
    return msgspec.json.decode(ANSWER)


def stages() -> dict[str, tuple[str, Callable[[], object]]]:
    """Each stage: its key (for `instructions.py`), its label, and the call measured."""
    from momentum.exchange.kraken.ws_v2_messages import Request, encode, read_request  # noqa: PLC0415
    from momentum.session.core import check_request  # noqa: PLC0415

    encoded = encode(MESSAGE).unwrap()
    typed = msgspec.json.Decoder(Request)

    return {
        "floor": ("floor: the frame as a plain dict + msgspec encode", floor),
        "floor_decode": ("floor: decode the answer frame (msgspec, to dicts)", floor_decode),
        "check_shipped": ("check_request (shipped table)",
                          lambda: check_request(MESSAGE, SHIPPED, NOTHING, NOW)),
        "check_unchecked": ("check_request (instruments unchecked)",
                            lambda: check_request(MESSAGE, UNCHECKED, NOTHING, NOW)),
        "read_back": ("of which: its own bytes read back with their types",
                      lambda: typed.decode(encoded)),
        "read_request": ("--check's reader of the same bytes (for scale)",
                         lambda: read_request(encoded)),
        "token_request": ("token_request (per token, not per order)",
                          lambda: token_request(KEY, SECRET, 1_764_579_600_000_000)),
        "with_token": ("with_token (encode with the token)",
                       lambda: with_token(MESSAGE, Secret(TOKEN))),
        "step_submit": ("step(Submit) on a ready session", lambda: step(READY, SUBMIT)),
        "step_submit_next": ("step(Submit), the next request (its pair counted)",
                             lambda: step(ANSWERED, SUBMIT)),
        "step_received": ("step(Received answer) with it in flight",
                          lambda: step(AFTER, RECEIVED)),
    }  # fmt: skip


def timed(function: Callable[[], object], repeat: int, number: int) -> list[float]:
    means = []
    for _ in range(repeat):
        start_ns = time.perf_counter_ns()
        for _ in range(number):
            function()
        means.append((time.perf_counter_ns() - start_ns) / number / 1000)
    return means


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=31)
    parser.add_argument("--number", type=int, default=2000)
    parser.add_argument("--json", default="bench/send_path.json")
    args = parser.parse_args()
    problems = stages()["check_shipped"][1]()
    assert problems == (), problems  # the request passes: the checks run to the end
    rows: list[dict[str, Any]] = []
    for key, (label, function) in stages().items():
        runs = timed(function, args.repeat, args.number)
        rows.append({"stage": key, "label": label, "us": statistics.median(runs),
                     "spread_us": [min(runs), max(runs)]})  # fmt: skip
    floor_us = rows[0]["us"]
    print(f"{'stage (Step 3 OTO, validate)':52} {'us':>8} {'spread':>15} {'x floor':>8}")
    for row in rows:
        low, high = row["spread_us"]
        row["ratio_floor"] = row["us"] / floor_us
        print(
            f"{row['label']:52} {row['us']:8.2f} {low:7.2f}-{high:<7.2f} {row['ratio_floor']:8.1f}"
        )
    with open(args.json, "w") as handle:
        json.dump({"python": sys.version.split()[0], "rows": rows}, handle, indent=1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

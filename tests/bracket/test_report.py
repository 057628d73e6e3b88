"""What momentum-bracket prints: one JSON object a line, figures as plain-notation strings, and
for stderr what is still open."""

from decimal import Decimal

import msgspec

from momentum.bracket.machine import (
    Alert,
    BracketSpec,
    Fill,
    Leg,
    Place,
    Reconciled,
    Reconnecting,
    StopSpec,
    TakeSpec,
    start,
)
from momentum.bracket.report import line, note, still_open

D = Decimal
SPEC = BracketSpec(
    symbol="BTC/USD", qty=D("0.001"), entry_limit=D("28440"),
    stop=StopSpec(trigger=D("28410"), limit=D("28400")),
    take=TakeSpec(trigger=D("28600"), limit=D("28590")),
    qty_increment=D("1E-8"), qty_min=D("0.00005"), price_increment=D("0.1"), prefix="mbabc123",
)  # fmt: skip


def decoded(data: bytes) -> object:
    assert b"\n" not in data
    return msgspec.json.decode(data)


def test_a_place_is_flat_with_the_orders_own_fields() -> None:
    leg = Leg(role="take", cl_ord_id="mbabc123t2", qty=D("0.001"), price=D("28590"),
              limit=D("28590"), ioc=True)  # fmt: skip
    assert decoded(line(Place(leg=leg, kind="limit"))) == {
        "event": "place", "role": "take", "kind": "limit", "cl_ord_id": "mbabc123t2",
        "qty": "0.001", "price": "28590", "limit": "28590", "time_in_force": "ioc",
    }  # fmt: skip


def test_figures_are_strings_in_plain_notation_never_exponents() -> None:
    printed = line(
        Fill(cl_ord_id="mbabc123e0", order_id=None, cum_qty=D("1E-8"), price=D("2.844E+4"))
    )
    assert printed == (
        b'{"event":"fill","cl_ord_id":"mbabc123e0","cum_qty":"0.00000001","price":"28440"}'
    )


def test_each_kind_is_named_in_snake_case() -> None:
    assert decoded(line(Reconnecting())) == {"event": "reconnecting"}
    said = decoded(line(Reconciled(orders=(("mbabc123s1", D("0.001"), D("0"), True),))))
    assert said == {"event": "reconciled", "orders": [["mbabc123s1", "0.001", "0", True]],
                    "pending": []}  # fmt: skip
    alert = Alert(kind="stop_refused", held=D("0.001"), figures="f", action="a")
    assert decoded(line(alert)) == {"event": "alert", "kind": "stop_refused", "held": "0.001",
                                    "figures": "f", "action": "a"}  # fmt: skip


def test_the_runners_own_lines() -> None:
    assert note("connection_lost", {"reason": "closed (1006)", "attempt": 2}) == (
        b'{"event":"connection_lost","reason":"closed (1006)","attempt":2}'
    )


def test_what_is_open_names_each_order_and_what_is_held() -> None:
    bracket, _ = start(SPEC)
    stop = Leg(role="stop", cl_ord_id="mbabc123s1", qty=D("0.001"), price=D("28410"),
               limit=D("28400"), filled=D("0.0004"), status="resting")  # fmt: skip
    entry = msgspec.structs.replace(bracket.legs[0], filled=D("0.001"), status="done")
    bracket = msgspec.structs.replace(bracket, legs=(entry, stop), sold=D("0.0004"))
    assert still_open(bracket) == (
        "held: 0.0006 BTC (bought by the entry, less what the exits sold)",
        "stop mbabc123s1: sells 0.0006 BTC/USD at 28410, limit 28400 (open)",
    )


def test_nothing_open_is_said() -> None:
    bracket, _ = start(SPEC)
    done = msgspec.structs.replace(bracket.legs[0], status="done")
    assert still_open(msgspec.structs.replace(bracket, legs=(done,)))[1:] == (
        "no order of this bracket is open",
    )

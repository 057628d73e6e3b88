"""Golden cases: intents that say what Kraken's own add_order examples say give those messages.

The expected documents are the docs' examples (tests/fixtures/ws_v2_add_order_doc_examples.json,
from docs.kraken.com/api/docs/websocket-v2/add_order), changed only as this library documents: no `token` (a sender
adds it), and the fields momentum always sends made explicit (`margin`, `validate`, `deadline`,
`time_in_force`, `stp_type`).
"""

from pathlib import Path
from typing import Any

import pytest

from momentum.models.intent import (
    LimitOrder,
    OrderIntent,
    StopLossLimitClose,
    StopLossOrder,
    Trigger,
)
from tests.helpers import DEADLINE, D, built, context, loads

_EXAMPLES = loads(
    (Path(__file__).parent / "fixtures/ws_v2_add_order_doc_examples.json").read_text()
)
_ALWAYS_SENT = {
    "margin": False,
    "validate": True,
    "deadline": DEADLINE,
    "time_in_force": "gtc",
    "stp_type": "cancel_newest",
}


def _as_momentum_sends(example: dict[str, Any]) -> dict[str, Any]:
    params = {key: value for key, value in example["params"].items() if key != "token"}
    return {**example, "params": {**params, **_ALWAYS_SENT}}


CASES: list[tuple[str, OrderIntent, int | None]] = [
    (
        "limit_buy",
        LimitOrder(
            symbol="BTC/USD",
            side="buy",
            qty=D("1.2"),
            limit_price=D("26500.4"),
            order_userref=100054,
        ),
        123456789,
    ),
    (
        "stop_loss_pct",
        StopLossOrder(
            symbol="MATIC/USD",
            side="sell",
            qty=D("100"),
            trigger=Trigger(price=D("-2.0"), price_type="pct", reference="last"),
        ),
        None,
    ),
    (
        "limit_oto_stop_loss_limit",
        LimitOrder(
            symbol="BTC/USD",
            side="buy",
            qty=D("1.2"),
            limit_price=D("28440"),
            close=StopLossLimitClose(trigger_price=D("28410"), limit_price=D("28400")),
        ),
        None,
    ),
]


@pytest.mark.parametrize(("name", "order", "req_id"), CASES, ids=[case[0] for case in CASES])
def test_intent_gives_the_docs_example(name: str, order: OrderIntent, req_id: int | None) -> None:
    assert built(order, context(req_id=req_id)) == _as_momentum_sends(_EXAMPLES[name])

"""The WS v2 requests a live session sends besides orders: subscribing to `executions` (and, on the
public socket, `ticker`), `ping`, `cancel_all` and the dead man's switch `cancel_all_orders_after`.

docs.kraken.com/api/docs/websocket-v2/executions, .../ticker, .../ping, .../cancel_all,
.../cancel_after

`frame(message, token)` gives the bytes to send, the token spliced in as for orders.

>>> frame(Ping(req_id=7), None)
b'{"method":"ping","req_id":7}'
>>> frame(CancelAllOrdersAfter(params=CancelAfterParams(timeout=60), req_id=8), Secret("tok"))
b'{"method":"cancel_all_orders_after","params":{"token":"tok","timeout":60},"req_id":8}'
"""

from typing import Final

import msgspec

from momentum.exchange.kraken.ws_v2_messages import splice_token
from momentum.models.secret import Secret

__all__ = [
    "CancelAfterParams",
    "CancelAll",
    "CancelAllOrdersAfter",
    "CancelAllParams",
    "ExecutionsParams",
    "Ping",
    "SessionRequest",
    "Subscribe",
    "TickerParams",
    "frame",
]


class _Wire(
    msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True, forbid_unknown_fields=True
):
    """Base of the session requests, as `momentum.exchange.kraken.ws_v2_messages._Wire`."""


class ExecutionsParams(
    _Wire, frozen=True, kw_only=True, tag_field="channel", tag="executions", omit_defaults=False
):
    """`subscribe` params for `executions` (docs.kraken.com/api/docs/websocket-v2/executions):
    open orders and the last 50 trades in the snapshot, every status transition. Every flag is
    written out, whatever Kraken's default (`snap_trades` is false there). The token is spliced
    in at send time."""

    snap_orders: bool = True
    snap_trades: bool = True
    order_status: bool = True
    ratecounter: bool = False


class TickerParams(_Wire, frozen=True, kw_only=True, tag_field="channel", tag="ticker"):
    """`subscribe` params for the public `ticker` (docs.kraken.com/api/docs/websocket-v2/ticker)."""

    symbol: list[str]


class Subscribe(_Wire, frozen=True, kw_only=True, tag_field="method", tag="subscribe"):
    """`subscribe` request envelope."""

    params: ExecutionsParams | TickerParams
    req_id: int | None = None


class Ping(_Wire, frozen=True, kw_only=True, tag_field="method", tag="ping"):
    """`ping` (docs.kraken.com/api/docs/websocket-v2/ping): answered with `pong` and its `req_id`."""

    req_id: int | None = None


class CancelAllParams(_Wire, frozen=True, kw_only=True):
    """`cancel_all` params: only the token, spliced in at send time."""


class CancelAll(_Wire, frozen=True, kw_only=True, tag_field="method", tag="cancel_all"):
    """`cancel_all` (docs.kraken.com/api/docs/websocket-v2/cancel_all): every open order,
    untriggered ones included."""

    # a factory, not a default value: omit_defaults would drop `params`, and the token with it
    params: CancelAllParams = msgspec.field(default_factory=CancelAllParams)
    req_id: int | None = None


class CancelAfterParams(_Wire, frozen=True, kw_only=True):
    """`cancel_all_orders_after` params: seconds until every open order is cancelled; 0 disarms."""

    timeout: int


class CancelAllOrdersAfter(
    _Wire, frozen=True, kw_only=True, tag_field="method", tag="cancel_all_orders_after"
):
    """The dead man's switch (docs.kraken.com/api/docs/websocket-v2/cancel_after). It cancels
    protective stops too: never arm it while a position relies on a resting stop."""

    params: CancelAfterParams
    req_id: int | None = None


SessionRequest = Subscribe | Ping | CancelAll | CancelAllOrdersAfter
"""Every session request, told apart by `method`."""

_ENCODER: Final = msgspec.json.Encoder()


def frame(message: SessionRequest, token: Secret | None) -> bytes:
    """The bytes to send; the token, when given, spliced into `params` (a `ping` has none)."""
    data = _ENCODER.encode(message)
    if token is None or isinstance(message, Ping):
        return data
    if isinstance(message, Subscribe) and isinstance(message.params, TickerParams):
        return data  # the public ticker takes no token
    return splice_token(data, token)

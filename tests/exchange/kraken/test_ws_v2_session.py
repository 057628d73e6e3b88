"""The session's own requests (ws_v2_session.py): the bytes each goes out as, with its token."""

import pytest

from momentum.exchange.kraken.ws_v2_session import (
    CancelAfterParams,
    CancelAll,
    CancelAllOrdersAfter,
    ExecutionsParams,
    Ping,
    SessionRequest,
    Subscribe,
    TickerParams,
    frame,
)
from momentum.models.secret import Secret

TOKEN = Secret("G38a1t")


@pytest.mark.parametrize(
    ("message", "sent"),
    [
        (
            Subscribe(params=ExecutionsParams(), req_id=1),
            b'{"method":"subscribe","params":{"token":"G38a1t","channel":"executions",'
            b'"snap_orders":true,"snap_trades":true,"order_status":true,"ratecounter":false},'
            b'"req_id":1}',
        ),
        (CancelAll(), b'{"method":"cancel_all","params":{"token":"G38a1t"}}'),
        (
            CancelAllOrdersAfter(params=CancelAfterParams(timeout=0)),
            b'{"method":"cancel_all_orders_after","params":{"token":"G38a1t","timeout":0}}',
        ),
    ],
)
def test_a_private_request_goes_out_with_the_token_first_in_params(
    message: SessionRequest, sent: bytes
) -> None:
    assert frame(message, TOKEN) == sent


@pytest.mark.parametrize(
    ("message", "sent"),
    [
        (Ping(req_id=7), b'{"method":"ping","req_id":7}'),
        (
            Subscribe(params=TickerParams(symbol=["BTC/USD"])),
            b'{"method":"subscribe","params":{"channel":"ticker","symbol":["BTC/USD"]}}',
        ),
    ],
)
def test_a_ping_and_the_public_ticker_never_carry_the_token(
    message: SessionRequest, sent: bytes
) -> None:
    assert frame(message, TOKEN) == sent
    assert frame(message, None) == sent


def test_without_a_token_a_private_request_goes_out_as_it_is() -> None:
    assert frame(CancelAll(), None) == b'{"method":"cancel_all","params":{}}'

"""REST authentication: Kraken's published signature example, the token request and its answer,
and no secret in any repr, error or message."""

import base64
import hashlib
import hmac

import pytest

from momentum.exchange.kraken.rest.auth import (
    TOKEN_PATH,
    decode_token_answer,
    sign,
    token_request,
)
from momentum.models.secret import Secret

# docs.kraken.com/api/docs/guides/spot-rest-auth, "Examples"
SECRET = Secret(
    "kQH5HW/8p1uGOVjbgWA7FunAmGO8lsSUXNsu3eow76sz84Q18fWxnyRzBHCd3pd5nE9qa99HAZtuZuj6F1huXg=="
)
KEY = Secret("api-key-DO-NOT-PRINT-4242")


def test_krakens_published_signature_example_is_reproduced_exactly() -> None:
    body = "nonce=1616492376594&ordertype=limit&pair=XBTUSD&price=37500&type=buy&volume=1.25"
    assert sign(SECRET, "/0/private/AddOrder", 1616492376594, body) == (
        "4/dpxb3iT4tp/ZCVEwSnEsLxx0bqyhLpdfOpc6fn7OR8+UClSV5n9E6aSS8MPtnRfp32bAb0nmbRn6H8ndwLUQ=="
    )


def test_the_token_request_is_signed_over_its_own_nonce_and_path() -> None:
    request = token_request(KEY, SECRET, 1700000000000).unwrap()
    headers = {name: value.reveal() for name, value in request.headers}
    assert (request.path, request.body) == (TOKEN_PATH, b"nonce=1700000000000")
    expected = hmac.new(
        base64.b64decode(SECRET.reveal()),
        TOKEN_PATH.encode() + hashlib.sha256(b"1700000000000nonce=1700000000000").digest(),
        hashlib.sha512,
    ).digest()
    assert headers["API-Sign"] == base64.b64encode(expected).decode()
    assert headers["API-Key"] == KEY.reveal()


def test_the_request_never_shows_the_key_or_the_signature() -> None:
    request = token_request(KEY, SECRET, 5).unwrap()
    shown = repr(request) + str(request)
    assert KEY.reveal() not in shown
    assert SECRET.reveal() not in shown
    assert all(value.reveal() not in shown for _, value in request.headers[:2])


@pytest.mark.parametrize(
    ("nonce", "ok"), [(1, True), (2**64 - 1, True), (0, False), (2**64, False)]
)
def test_the_nonce_is_an_unsigned_64_bit_integer(nonce: int, ok: bool) -> None:
    assert (token_request(KEY, SECRET, nonce).value_or(None) is not None) == ok


def test_a_secret_that_is_not_base64_is_named_without_being_shown() -> None:
    bad = Secret("not base64 !!! sk-live-9999")
    (problem,) = token_request(KEY, bad, 1).failure()
    assert problem.field == "KRAKEN_API_SECRET"
    assert "sk-live-9999" not in problem.render()


def test_krakens_token_answer_gives_the_token_hidden() -> None:
    grant = decode_token_answer(
        b'{"error":[],"result":{"token":"1Dwc4lzSwNWOAwkMdqhssNNFhs1ed606d1WcF3XfEMw","expires":900}}'
    ).unwrap()
    assert grant.expires == 900
    assert grant.token.reveal() == "1Dwc4lzSwNWOAwkMdqhssNNFhs1ed606d1WcF3XfEMw"
    assert "1Dwc4lz" not in repr(grant)


@pytest.mark.parametrize(
    "answer",
    [b'{"error":["EAPI:Invalid key"]}', b'{"error":[],"result":null}', b"<html>502</html>"],
)
def test_a_refused_or_broken_token_answer_is_a_problem(answer: bytes) -> None:
    (problem,) = decode_token_answer(answer).failure()
    assert problem.field == "GetWebSocketsToken"

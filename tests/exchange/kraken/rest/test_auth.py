"""REST authentication: Kraken's published signature example, the token request and its answer,
and no secret in any repr, error or message."""

import base64
import hashlib
import hmac

import pytest

from momentum.errors import InputInvalid
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


def test_every_bad_input_of_a_token_request_is_refused_at_once_word_for_word() -> None:
    assert token_request(Secret(" "), Secret("c2VjcmV0!"), 0).failure() == (
        InputInvalid(field="KRAKEN_API_KEY", given="empty", accepted="the API key Kraken shows"),
        InputInvalid(
            field="KRAKEN_API_SECRET",
            given="not base64 text",
            accepted="the API secret exactly as Kraken shows it (base64)",
        ),
        InputInvalid(field="nonce", given="'0'", accepted="an increasing unsigned 64-bit integer"),
    )


@pytest.mark.parametrize("text", ["c2VjcmV0!", "c2Vj cmV0", ""])
def test_a_secret_with_a_character_outside_base64_or_no_character_is_refused(text: str) -> None:
    (problem,) = token_request(KEY, Secret(text), 1).failure()
    assert problem.field == "KRAKEN_API_SECRET"


def test_the_token_request_says_its_form_encoding_and_who_calls() -> None:
    request = token_request(KEY, SECRET, 1).unwrap()
    assert [(name, value.reveal()) for name, value in request.headers[2:]] == [
        ("Content-Type", "application/x-www-form-urlencoded; charset=utf-8"),
        ("User-Agent", "momentum-kraken"),
    ]
    assert [name for name, _ in request.headers] == [
        "API-Key",
        "API-Sign",
        "Content-Type",
        "User-Agent",
    ]


def test_an_answer_that_is_not_json_is_refused_by_its_length_not_its_text() -> None:
    assert decode_token_answer(b"<html>502</html>").failure() == (
        InputInvalid(
            field="GetWebSocketsToken",
            given="an answer that is not Kraken's token answer (16 bytes)",
            accepted='{"error":[],"result":{"token":...}}',
        ),
    )


def test_each_of_krakens_errors_is_one_problem_and_no_result_is_one_too() -> None:
    accepted = "an API key with the WebSocket interface permission"
    answer = b'{"error":["EAPI:Invalid key","EAPI:Invalid nonce"]}'
    assert decode_token_answer(answer).failure() == (
        InputInvalid(field="GetWebSocketsToken", given="'EAPI:Invalid key'", accepted=accepted),
        InputInvalid(field="GetWebSocketsToken", given="'EAPI:Invalid nonce'", accepted=accepted),
    )
    assert decode_token_answer(b'{"error":[],"result":null}').failure() == (
        InputInvalid(field="GetWebSocketsToken", given="'no result'", accepted=accepted),
    )

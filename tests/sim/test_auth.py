"""The token endpoint: Kraken's signature, key and nonce checks, and the token's lifetime."""

import asyncio
import base64
from datetime import UTC, datetime, timedelta

from momentum.sim import RefuseToken, SimConfig, Simulator, sign
from momentum.sim.auth import TOKEN_PATH, TokenDesk, TokenResult

from .support import post_token, run

# Kraken's published example -- docs.kraken.com/api/docs/guides/spot-rest-auth
KRAKEN_SECRET = (
    "kQH5HW/8p1uGOVjbgWA7FunAmGO8lsSUXNsu3eow76sz84Q18fWxnyRzBHCd3pd5nE9qa99HAZtuZuj6F1huXg=="
)
KRAKEN_BODY = "nonce=1616492376594&ordertype=limit&pair=XBTUSD&price=37500&type=buy&volume=1.25"
KRAKEN_SIGN = (
    "4/dpxb3iT4tp/ZCVEwSnEsLxx0bqyhLpdfOpc6fn7OR8+UClSV5n9E6aSS8MPtnRfp32bAb0nmbRn6H8ndwLUQ=="
)
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def test_the_signature_reproduces_krakens_published_example() -> None:
    assert sign(KRAKEN_SECRET, "/0/private/AddOrder", "1616492376594", KRAKEN_BODY) == KRAKEN_SIGN


def test_throwaway_credentials_are_a_random_key_and_a_64_byte_base64_secret() -> None:
    first, second = SimConfig.throwaway(), SimConfig.throwaway()
    assert len(base64.b64decode(first.api_secret)) == 64
    assert first.api_key != second.api_key and first.api_secret != second.api_secret


def test_a_signed_request_gets_a_token_that_expires_in_900_seconds() -> None:
    async def body() -> None:
        async with Simulator() as sim:
            status, document = await post_token(sim, nonce=1)
            assert status == 200
            result = document["result"]
            assert isinstance(result, dict)
            assert document == {"error": [], "result": {"token": result["token"], "expires": 900}}
            assert isinstance(result["token"], str) and len(result["token"]) >= 40
            assert sim.tokens_issued == 1

    run(body)


def test_a_request_with_more_form_fields_is_signed_over_the_whole_body() -> None:
    desk = TokenDesk("key", KRAKEN_SECRET, 900)
    body = "nonce=5&otp=123"
    headers = {"api-key": "key", "api-sign": sign(KRAKEN_SECRET, TOKEN_PATH, "5", body)}
    assert desk.answer(TOKEN_PATH, headers, body, NOW).error == []


def test_a_wrong_key_is_refused_as_an_invalid_key() -> None:
    async def body() -> None:
        async with Simulator() as sim:
            status, document = await post_token(sim, key="not-the-key")
            assert (status, document) == (200, {"error": ["EAPI:Invalid key"]})

    run(body)


def test_a_signature_made_with_another_secret_is_refused() -> None:
    async def body() -> None:
        async with Simulator() as sim:
            other = SimConfig.throwaway().api_secret
            _, document = await post_token(sim, secret=other)
            assert document == {"error": ["EAPI:Invalid signature"]}
            _, garbage = await post_token(sim, signature="not base64 at all!")
            assert garbage == {"error": ["EAPI:Invalid signature"]}

    run(body)


def test_a_nonce_must_strictly_increase() -> None:
    async def body() -> None:
        async with Simulator() as sim:
            assert (await post_token(sim, nonce=10))[1]["error"] == []
            assert (await post_token(sim, nonce=10))[1] == {"error": ["EAPI:Invalid nonce"]}
            assert (await post_token(sim, nonce=9))[1] == {"error": ["EAPI:Invalid nonce"]}
            assert (await post_token(sim, nonce=11))[1]["error"] == []

    run(body)


def test_a_body_without_a_nonce_is_an_invalid_nonce() -> None:
    desk = TokenDesk("key", KRAKEN_SECRET, 900)
    headers = {"api-key": "key", "api-sign": sign(KRAKEN_SECRET, TOKEN_PATH, "", "otp=1")}
    assert desk.answer(TOKEN_PATH, headers, "otp=1", NOW).error == ["EAPI:Invalid nonce"]


def test_refuse_token_answers_invalid_key_for_the_next_n_requests_only() -> None:
    async def body() -> None:
        async with Simulator() as sim:
            sim.inject(RefuseToken(times=2))
            assert (await post_token(sim))[1] == {"error": ["EAPI:Invalid key"]}
            assert (await post_token(sim))[1] == {"error": ["EAPI:Invalid key"]}
            assert (await post_token(sim))[1]["error"] == []

    run(body)


def test_another_path_is_not_found() -> None:
    async def body() -> None:
        async with Simulator() as sim:
            status, document = await post_token(sim, path="/0/private/Balance")
            assert (status, document) == (404, {"error": ["EGeneral:Unknown method"]})

    run(body)


def test_a_token_is_valid_until_its_ttl_and_stays_valid_while_pinned() -> None:
    desk = TokenDesk("key", KRAKEN_SECRET, 900)
    headers = {"api-key": "key", "api-sign": sign(KRAKEN_SECRET, TOKEN_PATH, "1", "nonce=1")}
    reply = desk.answer(TOKEN_PATH, headers, "nonce=1", NOW)
    assert isinstance(reply.result, TokenResult)
    token = reply.result.token
    assert desk.valid(token, NOW + timedelta(seconds=899))
    assert not desk.valid(token, NOW + timedelta(seconds=900))
    desk.pin(token)
    assert desk.valid(token, NOW + timedelta(hours=2))
    desk.unpin(token)
    assert not desk.valid(token, NOW + timedelta(hours=2))
    assert not desk.valid("never-issued", NOW)


def test_the_endpoint_survives_a_client_that_sends_nothing() -> None:
    async def body() -> None:
        async with Simulator() as sim:
            port = int(sim.rest_url.rsplit(":", 1)[1])
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            await writer.wait_closed()
            assert (await post_token(sim))[1]["error"] == []

    run(body)

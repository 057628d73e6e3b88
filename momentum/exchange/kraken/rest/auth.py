"""Kraken REST authentication and the WebSocket token request, as pure functions: the signature, the
request to send, and the answer read back. The shell does the HTTP call.

docs.kraken.com/api/docs/guides/spot-rest-auth (the signature) and
docs.kraken.com/api/docs/rest-api/get-websockets-token (the token: use within 15 minutes).

`API-Sign` = base64(HMAC-SHA512(key = base64-decoded secret, message = URI path + SHA256(nonce +
POST body))). The nonce is an always-increasing unsigned 64-bit integer.

>>> secret = Secret("kQH5HW/8p1uGOVjbgWA7FunAmGO8lsSUXNsu3eow76sz84Q18fWxnyRzBHCd3pd5nE9qa99HAZtuZuj6F1huXg==")
>>> sign(secret, "/0/private/AddOrder", 1616492376594,
...      "nonce=1616492376594&ordertype=limit&pair=XBTUSD&price=37500&type=buy&volume=1.25")
'4/dpxb3iT4tp/ZCVEwSnEsLxx0bqyhLpdfOpc6fn7OR8+UClSV5n9E6aSS8MPtnRfp32bAb0nmbRn6H8ndwLUQ=='
"""

import base64
import binascii
import hashlib
import hmac
from typing import Final

import msgspec
from returns.result import Failure, Result, Success

from momentum.errors import InputInvalid, show
from momentum.models.secret import Secret

__all__ = [
    "TOKEN_PATH",
    "HttpRequest",
    "TokenGrant",
    "decode_token_answer",
    "sign",
    "token_request",
]

TOKEN_PATH: Final = "/0/private/GetWebSocketsToken"
_USER_AGENT: Final = "momentum-kraken"  # Kraken asks for a User-Agent on REST calls
_NONCE_MAX: Final = 2**64 - 1


def sign(secret: Secret, path: str, nonce: int, body: str) -> str:
    """Kraken's `API-Sign` for a private REST call (raises nothing for a well-formed secret; a
    secret that is not base64 is refused earlier, by `token_request`)."""
    digest = hashlib.sha256((str(nonce) + body).encode()).digest()
    key = base64.b64decode(secret.reveal())
    mac = hmac.new(key, path.encode() + digest, hashlib.sha512)
    return base64.b64encode(mac.digest()).decode()


class HttpRequest(msgspec.Struct, frozen=True, kw_only=True):
    """A POST to send: path under the REST base URL, headers (the signature among them: the
    headers hold a secret's derivative, so this record is never printed), and the form body."""

    path: str
    headers: tuple[tuple[str, Secret], ...]
    body: bytes


def token_request(
    key: Secret, secret: Secret, nonce: int
) -> Result[HttpRequest, tuple[InputInvalid, ...]]:
    """The signed `GetWebSocketsToken` request for this nonce.

    >>> token_request(Secret("key"), Secret("not base64!"), 1).failure()[0].render()
    'KRAKEN_API_SECRET: not base64 text; use the API secret exactly as Kraken shows it (base64)'
    """
    problems: list[InputInvalid] = []
    if not key.reveal().strip():
        problems.append(InputInvalid(field="KRAKEN_API_KEY", given="empty",
                                     accepted="the API key Kraken shows"))  # fmt: skip
    try:
        base64.b64decode(secret.reveal(), validate=True)
        decodable = bool(secret.reveal())
    except (binascii.Error, ValueError):
        decodable = False
    if not decodable:
        problems.append(InputInvalid(field="KRAKEN_API_SECRET", given="not base64 text",
                                     accepted="the API secret exactly as Kraken shows it (base64)"))  # fmt: skip
    if not 0 < nonce <= _NONCE_MAX:
        problems.append(InputInvalid(field="nonce", given=show(nonce),
                                     accepted="an increasing unsigned 64-bit integer"))  # fmt: skip
    if problems:
        return Failure(tuple(problems))
    body = f"nonce={nonce}"
    headers = (
        ("API-Key", key),
        ("API-Sign", Secret(sign(secret, TOKEN_PATH, nonce, body))),
        ("Content-Type", Secret("application/x-www-form-urlencoded; charset=utf-8")),
        ("User-Agent", Secret(_USER_AGENT)),
    )
    return Success(HttpRequest(path=TOKEN_PATH, headers=headers, body=body.encode()))


class TokenGrant(msgspec.Struct, frozen=True, kw_only=True):
    """A WebSocket token and its lifetime in seconds (use it within that time to connect)."""

    token: Secret
    expires: int


class _TokenResult(msgspec.Struct, frozen=True):
    token: str
    expires: int


class _TokenAnswer(msgspec.Struct, frozen=True):
    error: list[str] = []
    result: _TokenResult | None = None


def decode_token_answer(data: bytes) -> Result[TokenGrant, tuple[InputInvalid, ...]]:
    """Kraken's answer to `GetWebSocketsToken`: the token, or Kraken's errors named as they are
    (`EAPI:Invalid key`, `EAPI:Invalid signature`, `EAPI:Invalid nonce`, ...).

    >>> decode_token_answer(b'{"error":["EAPI:Invalid key"]}').failure()[0].render()
    "GetWebSocketsToken: 'EAPI:Invalid key'; use an API key with the WebSocket interface permission"
    """
    try:
        answer = msgspec.json.decode(data, type=_TokenAnswer)
    except msgspec.MsgspecError:
        given = f"an answer that is not Kraken's token answer ({len(data)} bytes)"
        return Failure((InputInvalid(field="GetWebSocketsToken", given=given,
                                     accepted='{"error":[],"result":{"token":...}}'),))  # fmt: skip
    if answer.error or answer.result is None:
        accepted = "an API key with the WebSocket interface permission"
        errors = answer.error or ["no result"]
        return Failure(
            tuple(
                InputInvalid(field="GetWebSocketsToken", given=show(text), accepted=accepted)
                for text in errors
            )
        )
    return Success(TokenGrant(token=Secret(answer.result.token), expires=answer.result.expires))

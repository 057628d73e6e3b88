"""The REST side of authentication: `API-Sign` checks, nonces, and the WebSocket tokens issued.

docs.kraken.com/api/docs/guides/spot-rest-auth (the signature),
docs.kraken.com/api/docs/rest-api/get-websockets-token (the token and its lifetime).

`TokenDesk` is pure state: every method takes `now`, and nothing here touches a socket.
"""

import base64
import binascii
import hashlib
import hmac
import secrets
from collections import Counter
from collections.abc import Mapping
from datetime import datetime
from typing import Final
from urllib.parse import parse_qs

import msgspec

from momentum.sim import errors

__all__ = [
    "TOKEN_PATH",
    "TokenDesk",
    "TokenReply",
    "TokenResult",
    "sign",
]

TOKEN_PATH: Final = "/0/private/GetWebSocketsToken"


def sign(secret: str, path: str, nonce: str, body: str) -> str:
    """`API-Sign`: base64(HMAC-SHA512(base64decode(secret), path + SHA256(nonce + body))).

    docs.kraken.com/api/docs/guides/spot-rest-auth

    >>> secret = "kQH5HW/8p1uGOVjbgWA7FunAmGO8lsSUXNsu3eow76sz84Q18fWxnyRzBHCd3pd5nE9qa99HAZtuZuj6F1huXg=="
    >>> body = "nonce=1616492376594&ordertype=limit&pair=XBTUSD&price=37500&type=buy&volume=1.25"
    >>> sign(secret, "/0/private/AddOrder", "1616492376594", body)[:16]
    '4/dpxb3iT4tp/ZCV'
    """
    digest = hashlib.sha256((nonce + body).encode()).digest()
    mac = hmac.new(base64.b64decode(secret), path.encode() + digest, hashlib.sha512)
    return base64.b64encode(mac.digest()).decode()


class TokenResult(msgspec.Struct, frozen=True, kw_only=True):
    token: str
    expires: int


class TokenReply(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """The REST envelope: `{"error":[...],"result":{...}}`, HTTP 200 either way as Kraken does."""

    error: list[str]
    result: TokenResult | msgspec.UnsetType = msgspec.UNSET


class TokenDesk:
    """Checks signed token requests and remembers the tokens it issued.

    A token is valid for `ttl` seconds from issue, and for as long as a connection holds it on an
    active `executions` subscription ("it does not expire once a successful Websockets connection
    and private subscription has been made and is maintained").
    """

    def __init__(self, api_key: str, api_secret: str, ttl: float) -> None:
        self._key = api_key
        self._secret = api_secret
        self._ttl = ttl
        self._last_nonce: int | None = None
        self._issued: dict[str, datetime] = {}
        self._pins: Counter[str] = Counter()
        self.refuse_next = 0

    @property
    def issued(self) -> int:
        return len(self._issued)

    def answer(self, path: str, headers: Mapping[str, str], body: str, now: datetime) -> TokenReply:
        """Check one `POST /0/private/GetWebSocketsToken` and answer it."""
        if self.refuse_next > 0:
            self.refuse_next -= 1
            return TokenReply(error=[errors.INVALID_KEY])
        if headers.get("api-key") != self._key:
            return TokenReply(error=[errors.INVALID_KEY])
        nonces = parse_qs(body, keep_blank_values=True).get("nonce", [])
        if len(nonces) != 1 or not nonces[0].isdigit():
            return TokenReply(error=[errors.INVALID_NONCE])
        given = headers.get("api-sign", "")
        expected = sign(self._secret, path, nonces[0], body)
        if not _same_signature(given, expected):
            return TokenReply(error=[errors.INVALID_SIGNATURE])
        # nonce: "always increasing, unsigned 64-bit integer" -- docs.kraken.com/api/docs/guides/spot-rest-auth
        nonce = int(nonces[0])
        if self._last_nonce is not None and nonce <= self._last_nonce:
            return TokenReply(error=[errors.INVALID_NONCE])
        self._last_nonce = nonce
        token = base64.b64encode(secrets.token_bytes(32)).decode().rstrip("=")
        self._issued[token] = now
        return TokenReply(error=[], result=TokenResult(token=token, expires=int(self._ttl)))

    def valid(self, token: object, now: datetime) -> bool:
        """The token was issued here and is within its lifetime, or pinned by a subscription."""
        if not isinstance(token, str) or token not in self._issued:
            return False
        if self._pins[token] > 0:
            return True
        return (now - self._issued[token]).total_seconds() < self._ttl

    def pin(self, token: str) -> None:
        self._pins[token] += 1

    def unpin(self, token: str) -> None:
        self._pins[token] -= 1
        if self._pins[token] <= 0:
            del self._pins[token]


def _same_signature(given: str, expected: str) -> bool:
    try:
        raw = base64.b64decode(given, validate=True)
    except (binascii.Error, ValueError):
        return False
    return hmac.compare_digest(raw, base64.b64decode(expected))

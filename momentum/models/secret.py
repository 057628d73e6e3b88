"""A value that must never be shown: the API key, the API secret, the session token.

`Secret` hides its value from `repr`, `str`, f-strings, logging and exceptions; the one way to
read it is `reveal()`, called only where the bytes go on the wire or into a signature. A
secret compares equal to a secret of the same value, so states holding one stay comparable.

>>> token = Secret("G38a1tGFzqGiUCmnegBcm8d4nfP3tytiNQz6tkCBYXY")
>>> token, str(token), f"{token}"
(Secret('***'), '***', '***')
>>> token.reveal()[:6]
'G38a1t'
"""

from typing import Final

__all__ = ["Secret"]

_HIDDEN: Final = "***"


class Secret:
    """A string that never shows itself."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The value itself: for the wire or a signature, never for a message or a log."""
        return self._value

    def __repr__(self) -> str:
        return f"Secret({_HIDDEN!r})"

    def __str__(self) -> str:
        return _HIDDEN

    def __format__(self, spec: str) -> str:
        return _HIDDEN

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __bool__(self) -> bool:
        return bool(self._value)

    def __reduce__(self) -> tuple[type["Secret"], tuple[str]]:
        raise TypeError("a Secret is not pickled")  # keeps it out of caches and copies on disk

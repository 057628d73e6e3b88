"""Kraken REST AddOrder: the same checked intent rendered as REST parameters (`render`), and the
parity check between that form and the WS v2 message (`parity`)."""

__all__: list[str] = []

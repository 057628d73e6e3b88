"""Kraken Spot: WS v2 messages and answers, REST AddOrder, instrument data."""

__all__: list[str] = []

"""Knobs, checks and guards, pair rules: the pure decisions between an intent and a message."""

__all__: list[str] = []

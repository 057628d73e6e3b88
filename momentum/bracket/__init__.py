"""Exits after the fill: the bracket as a pure state machine (`machine`), which the live session
runs (`momentum.scripts.bracket`)."""

__all__: list[str] = []

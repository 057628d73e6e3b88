"""The live session's pure parts: the order tracker and the rate counter; the session core follows."""

__all__: list[str] = []

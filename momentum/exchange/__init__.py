"""Exchange renderings of an intent."""

__all__: list[str] = []

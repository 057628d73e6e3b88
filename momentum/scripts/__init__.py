"""The imperative shell: the probe."""

__all__: list[str] = []

"""The probe: flags in, one guarded message out (`flags` -> `request` -> `core`); the shell in
`momentum.scripts.ws_payload_probe` reads the world and prints."""

__all__: list[str] = []

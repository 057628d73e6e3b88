"""momentum: typed, guarded Kraken Spot WebSocket v2 order messages. It sends nothing.

The flow is the folders: `models` (intents) -> `utils` (knobs, checks, guards, pair rules) ->
`exchange.kraken` (wire Structs, builders, REST form, parity, answers) -> `scripts` (the probe).
Import from the modules themselves; this package re-exports nothing, so importing it is free.
"""

__all__: list[str] = []
__version__ = "0.2.0"

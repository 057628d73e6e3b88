"""Order intents in the bot's words."""

__all__: list[str] = []

"""What a sending tool needs before it connects, and nothing that connects: the API key and
secret, and the endpoints. Kept apart from the live session so that a tool refusing its input,
or printing its help, never loads asyncio or websockets.

`read_credentials` finds the key and secret in the process environment first, else in `.env` in
the current directory, read with environs: that explicit path only, no upward search, nothing
interpolated. Both are `Secret`s: never shown in output, logs, errors or reprs.

docs.kraken.com/api/docs/rest-api/get-websockets-token, docs.kraken.com/api/docs/guides/spot-ws-intro
"""

from collections.abc import Mapping
from pathlib import Path
from typing import Final

import msgspec
from returns.result import Failure, Result, Success

from momentum.errors import InputInvalid
from momentum.models.secret import Secret

__all__ = [
    "DEFAULT_PUBLIC_WS_URL",
    "DEFAULT_REST_URL",
    "DEFAULT_WS_URL",
    "Credentials",
    "read_credentials",
]

DEFAULT_REST_URL: Final = "https://api.kraken.com"
DEFAULT_WS_URL: Final = "wss://ws-auth.kraken.com/v2"
DEFAULT_PUBLIC_WS_URL: Final = (
    "wss://ws.kraken.com/v2"  # docs.kraken.com/api/docs/websocket-v2/ticker
)
_SECRETS_FILE: Final = ".env"
_KEY: Final = "KRAKEN_API_KEY"
_SECRET: Final = "KRAKEN_API_SECRET"


class Credentials(msgspec.Struct, frozen=True, kw_only=True):
    """The API key and secret, hidden (`Secret`)."""

    key: Secret
    secret: Secret


def read_credentials(
    environ: Mapping[str, str], secrets_file: Path = Path(_SECRETS_FILE)
) -> Result[Credentials, tuple[InputInvalid, ...]]:
    """`KRAKEN_API_KEY` and `KRAKEN_API_SECRET` from the process environment, else from the
    secrets file (`.env` in the current directory): read with environs from that path only (no
    upward search), and refused if anything in it was interpolated. Never shown."""
    from_file: dict[str, str] = {}
    needed = [name for name in (_KEY, _SECRET) if not environ.get(name)]
    if needed and secrets_file.is_file():
        read = _read_secrets_file(secrets_file, needed)
        match read:
            case Success(dict() as values):
                from_file = values
            case Failure(tuple() as problems):
                return Failure(problems)
    values = {name: environ.get(name) or from_file.get(name, "") for name in (_KEY, _SECRET)}
    missing = [name for name, value in values.items() if not value]
    if missing:
        where = f"the process environment or {secrets_file}"
        return Failure(tuple(
            InputInvalid(field=name, given="missing", accepted=f"your Kraken API {kind} in {where}")
            for name, kind in ((_KEY, "key"), (_SECRET, "secret")) if name in missing
        ))  # fmt: skip
    return Success(Credentials(key=Secret(values[_KEY]), secret=Secret(values[_SECRET])))


def _read_secrets_file(
    path: Path, names: list[str]
) -> Result[dict[str, str], tuple[InputInvalid, ...]]:
    from dotenv import dotenv_values  # noqa: PLC0415 -- only when a secrets file is read
    from environs import Env  # noqa: PLC0415 -- only the live shell reads secrets

    env = Env(expand_vars=False)
    try:
        env.read_env(path, recurse=False)  # that file only: no walk up the folders
        raw = dotenv_values(path, interpolate=False)
    except (OSError, UnicodeDecodeError, ValueError) as error:
        reason = getattr(error, "strerror", None) or type(error).__name__
        return Failure((InputInvalid(field=str(path), given=f"unreadable ({reason})",
                                     accepted="a readable secrets file of NAME=value lines"),))  # fmt: skip
    found: dict[str, str] = {}
    for name in names:
        value = env.str(name, default=None)
        if value is None:
            continue
        if value != raw.get(name):  # the reader expanded ${...}: this is not the literal value
            return Failure((InputInvalid(field=name, given=f"a value in {path} with ${{...}} in it",
                                         accepted="the literal key or secret (nothing is expanded)"),))  # fmt: skip
        found[name] = value
    return Success(found)

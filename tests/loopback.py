"""The loopback guard: while it is on, a socket may connect only to 127.0.0.0/8, ::1 or a unix
socket; anything else raises `NonLoopbackConnectionError` and is recorded, so a test fails at teardown
even when the code under test swallowed the error (tests/conftest.py turns it on for every test).

It patches `socket.socket.connect` and `connect_ex`, which every client in this project reaches
(`socket.create_connection`, urllib, asyncio's `sock_connect` under websockets). A child process
gets the same guard from `child_site(folder)`: a `sitecustomize.py` to put first on its
PYTHONPATH, which refuses the same way and says so on the child's stderr (`REFUSED_BANNER`).
"""

import ipaddress
import socket
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Final, NamedTuple, TypeAlias

__all__ = [
    "REFUSED_BANNER",
    "Attempt",
    "Guard",
    "NonLoopbackConnectionError",
    "child_site",
    "guarded",
    "install_in_child",
    "is_loopback",
]

REFUSED_BANNER: Final = "loopback guard: refused"

_Address: TypeAlias = object  # what `socket.connect` takes: a tuple, a path, bytes...
_Connect: TypeAlias = Callable[[socket.socket, Any], None]
_ConnectEx: TypeAlias = Callable[[socket.socket, Any], int]


class NonLoopbackConnectionError(PermissionError):
    """A connection outside loopback, refused before any packet left."""


class Attempt(NamedTuple):
    """One refused connection: which call, the socket's family, and the address asked for."""

    call: str
    family: int
    address: str


def is_loopback(family: int, address: _Address) -> bool:
    """Whether connecting a socket of `family` to `address` stays on this host: a unix socket,
    an address in 127.0.0.0/8 or ::1 (or ::ffff:127.x.y.z), or the name `localhost`."""
    if family == getattr(socket, "AF_UNIX", object()):
        return True
    if family not in (socket.AF_INET, socket.AF_INET6):
        return False
    if not isinstance(address, tuple) or not address or not isinstance(address[0], str):
        return False
    host = address[0].split("%", 1)[0]
    if host == "localhost":
        return True
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return False  # a name other than localhost: it could resolve anywhere
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped.is_loopback
    return ip.is_loopback


class Guard:
    """One activation of the guard: the attempts it refused, in order (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._attempts: list[Attempt] = []

    @property
    def attempts(self) -> tuple[Attempt, ...]:
        with self._lock:
            return tuple(self._attempts)

    def record(self, attempt: Attempt) -> None:
        with self._lock:
            self._attempts.append(attempt)

    def acknowledge(self) -> tuple[Attempt, ...]:
        """Take the attempts recorded so far (a test that made them on purpose clears them)."""
        with self._lock:
            taken, self._attempts = tuple(self._attempts), []
        return taken

    def report(self) -> str | None:
        """Why the test fails, or None when nothing was refused."""
        attempts = self.attempts
        if not attempts:
            return None
        listed = "; ".join(f"{a.call} to {a.address}" for a in attempts)
        return f"{len(attempts)} connection(s) outside loopback were attempted: {listed}"


_active: list[Guard] = []
_saved: dict[str, object] | None = None  # what socket.socket's own dict held for each name
_state: Final = threading.Lock()
_PATCHED: Final = ("connect", "connect_ex")
_INHERITED: Final = object()


def _refuse(call: str, sock: socket.socket, address: _Address) -> None:
    attempt = Attempt(call=call, family=int(sock.family), address=repr(address))
    with _state:
        guards = list(_active)
    for guard in guards:
        guard.record(attempt)
    raise NonLoopbackConnectionError(f"{REFUSED_BANNER} {call} to {address!r} (not loopback)")


def _install() -> None:
    global _saved  # noqa: PLW0603 -- the one patch, shared by nested guards
    if _saved is not None:
        return
    original_connect: _Connect = socket.socket.connect
    original_connect_ex: _ConnectEx = socket.socket.connect_ex

    def connect(self: socket.socket, address: _Address) -> None:
        if not is_loopback(self.family, address):
            _refuse("connect", self, address)
        original_connect(self, address)

    def connect_ex(self: socket.socket, address: _Address) -> int:
        if not is_loopback(self.family, address):
            _refuse("connect_ex", self, address)
        return original_connect_ex(self, address)

    _saved = {name: socket.socket.__dict__.get(name, _INHERITED) for name in _PATCHED}
    socket.socket.connect = connect  # type: ignore[method-assign,assignment]
    socket.socket.connect_ex = connect_ex  # type: ignore[method-assign,assignment]


def _uninstall() -> None:
    """Put socket.socket back as it was: inherited methods inherited again."""
    global _saved  # noqa: PLW0603
    if _saved is None:
        return
    for name, value in _saved.items():
        if value is _INHERITED:
            delattr(socket.socket, name)
        else:
            setattr(socket.socket, name, value)
    _saved = None


@contextmanager
def guarded() -> Iterator[Guard]:
    """Refuse every connection outside loopback while the block runs; the `Guard` lists them."""
    guard = Guard()
    with _state:
        _active.append(guard)
        _install()
    try:
        yield guard
    finally:
        with _state:
            _active.remove(guard)
            if not _active:
                _uninstall()


class _ChildGuard(Guard):
    def record(self, attempt: Attempt) -> None:
        super().record(attempt)
        sys.stderr.write(f"{REFUSED_BANNER} {attempt.call} to {attempt.address}\n")
        sys.stderr.flush()


def install_in_child() -> None:
    """The guard for a whole child process (from its sitecustomize): on until it exits."""
    with _state:
        _active.append(_ChildGuard())
        _install()


def child_site(folder: Path) -> Path:
    """Write a `sitecustomize.py` into `folder` that guards the child process it starts in;
    put `folder` first on the child's PYTHONPATH (the repository must be on it too)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "sitecustomize.py").write_text(
        "from tests.loopback import install_in_child\n\ninstall_in_child()\n"
    )
    return folder

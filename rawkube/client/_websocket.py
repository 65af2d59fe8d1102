"""What exec, attach, port-forward and cp share, sync and async: handshake, errors, results.

No I/O and no WebSocket library here (``import rawkube`` loads this module for its error
classes and :class:`ExecResult`): the sessions themselves are ``_async_websocket.py`` and its
generated blocking twin.
"""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rawkube.core._exceptions import RawkubeError, TransportError

MAX_MESSAGE_BYTES = 16 * 1024 * 1024
"""The largest WebSocket message held while it arrives: the kubelet sends 32 KiB at most."""
SEND_BYTES = 32 * 1024
"""The most data sent in one message: what client-go's copy loop sends (io.Copy's buffer)."""
CLOSE_TIMEOUT = 2.0
"""Seconds the closing handshake may take before the connection is closed regardless."""

_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"  # RFC 6455, section 1.3
_REPR_BYTES = 60


class WebSocketError(TransportError):
    """A WebSocket session (exec, attach, port-forward) failed: see the subclasses; also raised
    for a server that breaks the protocol (a broken frame, a message over the size limit).
    """


class WebSocketHandshakeError(WebSocketError):
    """The server did not switch to the WebSocket it was asked for: it answered 2xx instead of
    101, or its 101 had a wrong ``Sec-WebSocket-Accept``, no ``Sec-WebSocket-Protocol`` or one
    that was not offered, or an extension that was not asked for.
    """


class WebSocketClosedError(WebSocketError):
    """The connection ended before the session did: the server closed it mid-stream (``code``
    and ``reason`` are its close frame's), or it broke without a close (``code`` 1006).
    """

    def __init__(self, message: str, code: int | None = None, reason: str = "") -> None:
        self.code = code
        self.reason = reason
        super().__init__(message)

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.args[0], self.code, self.reason))


class PortForwardError(RawkubeError):
    """The server could not forward a port: its error channel's message (the pod has nothing
    listening there, say).
    """


class CopyError(RawkubeError):
    """``copy_to`` or ``copy_from`` failed: ``tar`` in the container ended with an error (its
    stderr is in the message), or the archive it sent is not one to unpack.
    """


class UnsafeArchiveError(CopyError):
    """An entry of the archive from the container would land outside the destination folder
    (an absolute path, ``..``, a link pointing outside): nothing is written for it, and the
    copy stops.
    """


@dataclass(frozen=True, repr=False)
class ExecResult:
    """What a command run to its end by ``exec`` wrote, and its exit code (0: success)."""

    stdout: bytes
    stderr: bytes
    exit_code: int

    def __repr__(self) -> str:
        return (
            f"ExecResult(exit_code={self.exit_code}, stdout={_short(self.stdout)}, "
            f"stderr={_short(self.stderr)})"
        )


def _short(data: bytes) -> str:
    if len(data) <= _REPR_BYTES:
        return repr(data)
    return f"{data[:_REPR_BYTES]!r}... ({len(data):,} bytes)"


def new_key() -> str:
    """A fresh ``Sec-WebSocket-Key``: 16 random bytes, base64."""
    return base64.b64encode(os.urandom(16)).decode("ascii")


def accept_token(key: str) -> str:
    """The ``Sec-WebSocket-Accept`` a server must answer ``key`` with (RFC 6455, 4.2.2)."""
    digest = hashlib.sha1(key.encode("ascii") + _GUID, usedforsecurity=False).digest()
    return base64.b64encode(digest).decode("ascii")


def upgrade_headers(key: str, protocols: Sequence[str]) -> tuple[tuple[str, str], ...]:
    """The headers asking the server to switch to a WebSocket speaking one of ``protocols``."""
    return (
        ("Connection", "Upgrade"),
        ("Upgrade", "websocket"),
        ("Sec-WebSocket-Version", "13"),
        ("Sec-WebSocket-Key", key),
        ("Sec-WebSocket-Protocol", ", ".join(protocols)),
    )


def _tokens(value: str) -> list[str]:
    return [token.strip().lower() for token in value.split(",") if token.strip()]


def check_handshake(
    status: int, headers: Mapping[str, str], key: str, protocols: Sequence[str], where: str
) -> str:
    """The subprotocol the server chose; raises WebSocketHandshakeError for an answer that is
    not the WebSocket asked for (RFC 6455, 4.1: the client must fail the connection).

    ``headers`` are the answer's (case-insensitive, as httpx's are); an error status never gets
    here: the transport raised its ApiError.
    """
    if status != 101:
        raise WebSocketHandshakeError(
            f"{where}: the server answered {status} instead of switching to a WebSocket (101)"
        )
    if "websocket" not in _tokens(headers.get("upgrade", "")):
        raise WebSocketHandshakeError(f"{where}: the 101 answer does not upgrade to a WebSocket")
    if "upgrade" not in _tokens(headers.get("connection", "")):
        raise WebSocketHandshakeError(f"{where}: the 101 answer has no 'Connection: Upgrade'")
    if headers.get("sec-websocket-accept", "").strip() != accept_token(key):
        raise WebSocketHandshakeError(
            f"{where}: the server's Sec-WebSocket-Accept does not answer the key sent"
        )
    if headers.get("sec-websocket-extensions", "").strip():
        raise WebSocketHandshakeError(f"{where}: the server chose an extension none was offered")
    chosen = headers.get("sec-websocket-protocol", "").strip()
    if chosen not in protocols:
        offered = ", ".join(protocols)
        if not chosen:
            raise WebSocketHandshakeError(
                f"{where}: the server chose no subprotocol (offered: {offered}); it may be too "
                "old for this WebSocket API"
            )
        raise WebSocketHandshakeError(
            f"{where}: the server chose the subprotocol {chosen[:100]!r}, which was not "
            f"offered (offered: {offered})"
        )
    return chosen


def pieces(data: bytes, size: int = SEND_BYTES) -> Iterator[bytes]:
    """``data`` in slices of at most ``size`` bytes (none for empty data)."""
    view = memoryview(data)
    for start in range(0, len(data), size):
        yield bytes(view[start : start + size])


def as_bytes(what: str, data: bytes | bytearray | memoryview | str) -> bytes:
    """Data to send: bytes as they are, text as UTF-8; TypeError for anything else."""
    if isinstance(data, str):
        return data.encode("utf-8")
    if isinstance(data, (bytes, bytearray, memoryview)):
        return bytes(data)
    raise TypeError(f"{what} must be bytes or str, not {type(data).__name__}")


def exec_params(
    command: Sequence[str],
    *,
    container: str | None,
    stdin: bool,
    stdout: bool,
    stderr: bool,
    tty: bool,
) -> tuple[tuple[str, str | int | bool], ...]:
    """The query of an exec (PodExecOptions): one ``command`` parameter per argument.

    A terminal merges stderr into stdout, so with ``tty`` stderr is not asked for (the kubelet
    refuses both, as kubectl knows).
    """
    if isinstance(command, (str, bytes)):
        raise TypeError(
            "command is the argument list, such as ['sh', '-c', 'ls -l'], not a single "
            f"{type(command).__name__}"
        )
    argv = list(command)
    if not argv:
        raise ValueError("command must name at least the program to run")
    for arg in argv:
        if not isinstance(arg, str):
            raise TypeError(f"each argument of command must be a str, not {type(arg).__name__}")
    params: list[tuple[str, str | int | bool]] = [("command", arg) for arg in argv]
    return (*params, *attach_params(container, stdin, stdout, stderr and not tty, tty))


def attach_params(
    container: str | None, stdin: bool, stdout: bool, stderr: bool, tty: bool
) -> tuple[tuple[str, str | int | bool], ...]:
    """The query of an attach (PodAttachOptions), and the rest of an exec's."""
    if not (stdin or stdout or stderr):
        raise ValueError("at least one of stdin, stdout and stderr must be asked for")
    params: list[tuple[str, str | int | bool]] = []
    if container is not None:
        params.append(("container", container))
    for key, value in (("stdin", stdin), ("stdout", stdout), ("stderr", stderr), ("tty", tty)):
        if value:
            params.append((key, True))
    return tuple(params)


PortSpec = int | str | tuple[int, int]
"""A port to forward, as kubectl port-forward takes them: ``8080`` or ``"8080"`` (the same port
here and in the pod), ``"5000:8080"`` or ``(5000, 8080)`` (local 5000 to the pod's 8080), and
``":8080"``, ``"0:8080"`` or ``(0, 8080)`` (a free local port, reported once bound)."""


def _port(what: str, value: object, low: int) -> int:
    if isinstance(value, str) and value.isascii() and value.isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{what} must be a port number, not {value!r}")
    if not low <= value <= 65535:
        raise ValueError(f"{what} must be from {low} to 65535, not {value}")
    return value


def parse_ports(ports: Sequence[PortSpec] | PortSpec) -> list[tuple[int, int]]:
    """``(local, remote)`` pairs from kubectl's port specs; ValueError for a bad one."""
    if isinstance(ports, (int, str, tuple)):
        ports = [ports]
    pairs: list[tuple[int, int]] = []
    for spec in ports:
        local: object
        remote: object
        if isinstance(spec, tuple):
            if len(spec) != 2:
                raise ValueError(f"a port pair is (local, remote), not {spec!r}")
            local, remote = spec
        elif isinstance(spec, str) and ":" in spec:
            local, _, remote = spec.partition(":")
            local = local or "0"
        else:
            local = remote = spec
        pairs.append((_port("a local port", local, 0), _port("a remote port", remote, 1)))
    if not pairs:
        raise ValueError("port_forward needs at least one port")
    locals_taken = [local for local, _ in pairs if local]
    if len(set(locals_taken)) != len(locals_taken):
        raise ValueError(f"a local port is named twice in {list(ports)!r}")
    return pairs

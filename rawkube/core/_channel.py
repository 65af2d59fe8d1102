"""The Kubernetes channel protocol of exec, attach and port-forward, framed and read without I/O."""

from __future__ import annotations

import codecs
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rawkube.core._decode import loads
from rawkube.core._exceptions import DecodeError
from rawkube.core._status import body_snippet, error_from_response

EXEC_PROTOCOLS: tuple[str, ...] = ("v5.channel.k8s.io", "v4.channel.k8s.io")
PORT_FORWARD_PROTOCOLS: tuple[str, ...] = ("v4.channel.k8s.io", "portforward.k8s.io")
STDIN, STDOUT, STDERR, ERROR, RESIZE = 0, 1, 2, 3, 4
CLOSE = 255  # v5 only: [255, channel] says the client sends no more on that channel


def frame(channel: int, data: bytes = b"") -> bytes:
    """One WebSocket message: the channel's byte, then the data."""
    return bytes([channel]) + data


def unframe(message: bytes) -> tuple[int, bytes]:
    """The channel and data of one WebSocket message."""
    if not message:
        raise DecodeError("an empty WebSocket message names no channel")
    return message[0], message[1:]


def _uint16(what: str, value: int, low: int = 0) -> int:
    # Go reads these as uint16: anything else would be refused by the server, or wrap.
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{what} must be an int, not {type(value).__name__}")
    if not low <= value <= 0xFFFF:
        raise ValueError(f"{what} must be from {low} to 65535, not {value}")
    return value


def resize_message(width: int, height: int) -> bytes:
    """The message that sets the terminal's size (client-go's TerminalSize, as JSON)."""
    size = {"Width": _uint16("width", width), "Height": _uint16("height", height)}
    return frame(RESIZE, json.dumps(size, separators=(",", ":")).encode())


def close_message(channel: int = STDIN) -> bytes:
    """v5's half-close of one channel: the process reads end-of-file on its stdin."""
    return frame(CLOSE, bytes([channel]))


def _json_object(payload: bytes, what: str) -> dict[str, Any]:
    try:
        data = loads(payload)
    except ValueError as exc:  # TooDeep is one
        raise DecodeError(f"{what} is not JSON ({exc}): {body_snippet(payload)!r}") from None
    if not isinstance(data, dict):
        raise DecodeError(f"{what} is not a JSON object: {body_snippet(payload)!r}")
    return data


def read_resize(payload: bytes) -> tuple[int, int]:
    """The width and height in a resize channel's payload (the server's side)."""
    size = _json_object(payload, "the resize message")
    width, height = size.get("Width"), size.get("Height")
    if not all(type(n) is int and 0 <= n <= 0xFFFF for n in (width, height)):
        raise DecodeError(f"the resize message has no Width and Height: {body_snippet(payload)!r}")
    return width, height  # type: ignore[return-value]  # checked just above


def _status(**fields: Any) -> bytes:
    # Go's field order and compact form, and no kind: what the kubelet writes (json.Marshal).
    return json.dumps({"metadata": {}, **fields}, separators=(",", ":")).encode()


def success_status() -> bytes:
    """The error channel's last word when the command exited 0."""
    return _status(status="Success")


def exit_code_status(code: int, command: Sequence[str] = ()) -> bytes:
    """The error channel's Status for a non-zero exit, as the kubelet words it."""
    if not 1 <= code <= 255:
        raise ValueError(f"a non-zero exit code is from 1 to 255, not {code}")
    message = f"error executing command [{' '.join(command)}], exit code {code}"
    return _status(
        status="Failure",
        message=f"command terminated with non-zero exit code: {message}",
        reason="NonZeroExitCode",
        details={"causes": [{"reason": "ExitCode", "message": str(code)}]},
    )


def failure_status(message: str, reason: str = "InternalError", code: int = 500) -> bytes:
    """The error channel's Status when the command could not run (not found, no such container)."""
    if reason == "NonZeroExitCode":
        raise ValueError("a NonZeroExitCode Status is made by exit_code_status")
    return _status(status="Failure", message=message, reason=reason, code=code)


def exit_code(payload: bytes) -> int:
    """The exit code in the error channel's Status; the server's ApiError if the command failed."""
    status = _json_object(payload, "the error channel's Status")
    outcome = status.get("status")
    if outcome == "Success":
        return 0
    if outcome != "Failure":
        raise DecodeError(
            f"the error channel's Status is neither Success nor Failure: {body_snippet(payload)!r}"
        )
    if status.get("reason") != "NonZeroExitCode":
        # The one Status reader makes the ApiError, as for an HTTP error body; a Status
        # without a code counts as 500, so an unknown reason is an InternalServerError.
        code = status.get("code")
        raise error_from_response(code if type(code) is int else 500, payload)
    details = status.get("details")
    causes = details.get("causes") if isinstance(details, dict) else None
    for cause in causes if isinstance(causes, list) else ():
        if isinstance(cause, dict) and cause.get("reason") == "ExitCode":
            text = cause.get("message")
            # Decimal digits for a byte, as client-go reads them: int() alone would also take
            # a sign, spaces, underscores and other scripts' digits.
            if isinstance(text, str) and len(text) <= 3 and text.isascii() and text.isdigit():
                code = int(text)
                if code < 256:
                    return code
            raise DecodeError(f"the exit code {text!r} is not a number from 0 to 255")
    raise DecodeError(
        f"a NonZeroExitCode Status without an ExitCode cause: {body_snippet(payload)!r}"
    )


@dataclass(frozen=True)
class Output:
    """Bytes the container wrote: ``channel`` is STDOUT or STDERR."""

    channel: int
    data: bytes


@dataclass(frozen=True)
class Exited:
    """The command ended with this exit code."""

    code: int


class ExecChannels:
    """Client side of one exec/attach session, sans-IO."""

    def __init__(self, protocol: str) -> None:
        if protocol not in EXEC_PROTOCOLS:
            raise ValueError(f"exec speaks {' or '.join(EXEC_PROTOCOLS)}, not {protocol!r}")
        self.protocol = protocol
        self.can_close_stdin = protocol == "v5.channel.k8s.io"  # v4 has no way to say EOF
        self.exit: int | None = None
        self._stdin_closed = False

    def stdin(self, data: bytes) -> bytes:
        """The message carrying ``data`` to the process's stdin."""
        if self._stdin_closed:
            raise ValueError("stdin was closed")
        return frame(STDIN, data)

    def close_stdin(self) -> bytes | None:
        """The message that closes stdin (v5), or None when there is none to send."""
        first, self._stdin_closed = not self._stdin_closed, True
        return close_message(STDIN) if self.can_close_stdin and first else None

    def resize(self, width: int, height: int) -> bytes:
        """The message that resizes the terminal."""
        return resize_message(width, height)

    def receive(self, message: bytes) -> Output | Exited | None:
        """What one message from the server says; None for an empty one."""
        channel, data = unframe(message)
        if channel not in (STDOUT, STDERR, ERROR):
            raise DecodeError(f"an exec's server writes on channels 1 to 3, not {channel}")
        if not data:
            return None
        if self.exit is not None:
            raise DecodeError(f"channel {channel} after the exit: {body_snippet(data)!r}")
        if channel == ERROR:
            self.exit = exit_code(data)
            return Exited(self.exit)
        return Output(channel, data)


def port_prefix(channel: int, port: int) -> bytes:
    """The first message the server sends on each port-forward channel: the port, little-endian."""
    return frame(channel, _uint16("port", port, 1).to_bytes(2, "little"))


@dataclass(frozen=True)
class PortData:
    """Bytes from the pod's port ``ports[index]``."""

    index: int
    data: bytes


@dataclass(frozen=True)
class PortError:
    """The server could not forward ``ports[index]``; ``message`` says why."""

    index: int
    message: str


class PortForwardChannels:
    """Client side of a port-forward session: channels 2*i (data) and 2*i+1 (error) for ports[i]."""

    def __init__(self, ports: Sequence[int]) -> None:
        if not 1 <= len(ports) <= 128:  # two channels each, numbered in one byte
            raise ValueError(f"port-forward takes 1 to 128 ports, not {len(ports)}")
        self.ports = tuple(_uint16("port", port, 1) for port in ports)
        # Each channel's prefix bytes so far; a channel leaves once its prefix is checked.
        self._prefixes = dict.fromkeys(range(2 * len(self.ports)), b"")
        # Error text is UTF-8, and a message may end inside a character.
        self._texts = {
            channel: codecs.getincrementaldecoder("utf-8")("replace")
            for channel in range(1, 2 * len(self.ports), 2)
        }

    def send(self, index: int, data: bytes) -> bytes:
        """The message carrying ``data`` to the pod's port ``ports[index]``."""
        if not 0 <= index < len(self.ports):
            raise ValueError(f"no port at index {index} of {len(self.ports)}")
        return frame(2 * index, data)

    def receive(self, message: bytes) -> PortData | PortError | None:
        """What one message from the server says; None when it carried no data."""
        channel, data = unframe(message)
        index = channel // 2
        if index >= len(self.ports):
            raise DecodeError(f"the server wrote on channel {channel} of {2 * len(self.ports)}")
        if channel in self._prefixes:
            # The prefix may come split over messages, or with data after it.
            data = self._prefixes.pop(channel) + data
            if len(data) < 2:
                self._prefixes[channel] = data
                return None
            port = int.from_bytes(data[:2], "little")
            if port != self.ports[index]:
                raise DecodeError(
                    f"channel {channel} opened with port {port}, not {self.ports[index]}"
                )
            data = data[2:]
        if channel % 2:
            text = self._texts[channel].decode(data)
            return PortError(index, text) if text else None
        return PortData(index, data) if data else None

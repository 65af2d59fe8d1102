"""TEMPORARY stand-in for rawkube/core/_channel.py (server-side names only); removed at merge."""

from __future__ import annotations

import json

EXEC_PROTOCOLS: tuple[str, ...] = ("v5.channel.k8s.io", "v4.channel.k8s.io")
PORT_FORWARD_PROTOCOLS: tuple[str, ...] = ("v4.channel.k8s.io", "portforward.k8s.io")
STDIN, STDOUT, STDERR, ERROR, RESIZE = 0, 1, 2, 3, 4
CLOSE = 255


def frame(channel: int, data: bytes = b"") -> bytes:
    return bytes([channel]) + data


def unframe(message: bytes) -> tuple[int, bytes]:
    if not message:
        raise ValueError("empty message")
    return message[0], message[1:]


def read_resize(payload: bytes) -> tuple[int, int]:
    size = json.loads(payload)
    return int(size["Width"]), int(size["Height"])


def success_status() -> bytes:
    return b'{"metadata":{},"status":"Success"}'


def exit_code_status(code: int) -> bytes:
    return json.dumps(
        {
            "metadata": {},
            "status": "Failure",
            "message": f"command terminated with non-zero exit code: exit code {code}",
            "reason": "NonZeroExitCode",
            "details": {"causes": [{"reason": "ExitCode", "message": str(code)}]},
        }
    ).encode()


def failure_status(message: str, reason: str = "InternalError", code: int = 500) -> bytes:
    return json.dumps(
        {"metadata": {}, "status": "Failure", "message": message, "reason": reason, "code": code}
    ).encode()


def port_prefix(channel: int, port: int) -> bytes:
    return frame(channel, port.to_bytes(2, "little"))

"""A client of raw sockets for the loopback fake: requests as bytes, answers read by hand.

httpx would refuse to send most of what these tests send, and would hide how the server
frames its answers.
"""

from __future__ import annotations

import json
import socket
from dataclasses import dataclass

from rawkube.testing import FakeServer

PATIENCE = 10.0  # seconds any socket operation may take before the test fails


@dataclass
class Answer:
    """An answer as read off the socket; header names lower case."""

    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> dict:
        return json.loads(self.body)


def address(server: FakeServer) -> tuple[str, int]:
    """Where the server listens."""
    host, port = server.url.removeprefix("http://").rsplit(":", 1)
    return host, int(port)


def raw(
    server: FakeServer,
    method: str,
    path: str,
    body: bytes = b"",
    *,
    headers: dict[str, str] | None = None,
    token: str | None = None,
    host: str | None = None,
) -> bytes:
    """A request's bytes: the server's token and Host unless told otherwise."""
    named = host or f"127.0.0.1:{address(server)[1]}"
    lines = [f"{method} {path} HTTP/1.1", f"Host: {named}"]
    sent = server.token if token is None else token
    if sent:
        lines.append(f"Authorization: Bearer {sent}")
    given = {"Content-Type": "application/json", **(headers or {})}
    if body and not any(k.lower() in ("content-length", "transfer-encoding") for k in given):
        given["Content-Length"] = str(len(body))
    lines += [f"{key}: {value}" for key, value in given.items()]
    return "\r\n".join(lines).encode() + b"\r\n\r\n" + body


def read_answer(sock: socket.socket) -> Answer:
    """One answer: its body by Content-Length, else whatever comes until the server closes."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise AssertionError(f"the connection closed without an answer: {data!r}")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines)}
    if "content-length" in headers:
        while len(body) < int(headers["content-length"]):
            chunk = sock.recv(65536)
            assert chunk, "the body was cut short"
            body += chunk
        return Answer(int(status_line.split()[1]), headers, body[: int(headers["content-length"])])
    while chunk := sock.recv(65536):  # a plain-text refusal: the body ends with the connection
        body += chunk
    return Answer(int(status_line.split()[1]), headers, body)


def send(server: FakeServer, request: bytes) -> Answer:
    """Send one request on a new connection and read its answer."""
    with socket.create_connection(address(server), timeout=PATIENCE) as sock:
        sock.sendall(request)
        return read_answer(sock)


def dechunk(body: bytes) -> bytes:
    """The data of a chunked body."""
    out = b""
    while body:
        size, _, body = body.partition(b"\r\n")
        length = int(size, 16)
        if length == 0:
            return out
        out, body = out + body[:length], body[length + 2 :]
    return out

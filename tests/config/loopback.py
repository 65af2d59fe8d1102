"""A tiny HTTP/1.1 server on 127.0.0.1 for tests: one canned answer, or silence, to every request."""

from __future__ import annotations

import socket
import threading
from types import TracebackType

STOP_POLL = 0.05  # seconds between looks at the stop flag
CLIENT_WAIT = 5.0  # seconds a connection is read before it is given up


def answer(status: int, reason: str, body: bytes = b"", headers: str = "") -> bytes:
    """A complete HTTP/1.1 answer that closes the connection."""
    head = (
        f"HTTP/1.1 {status} {reason}\r\nContent-Length: {len(body)}\r\n"
        f"Content-Type: application/json\r\nConnection: close\r\n{headers}\r\n"
    )
    return head.encode() + body


def status_answer(code: int, reason: str) -> bytes:
    """An answer carrying a Kubernetes Status body, as the API server sends for errors."""
    body = (
        '{"kind":"Status","apiVersion":"v1","status":"Failure",'
        f'"message":"{reason.lower()}","reason":"{reason.replace(" ", "")}","code":{code}}}'
    )
    return answer(code, reason, body.encode())


def closed_port() -> int:
    """A loopback port nothing listens on: connecting to it is refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Loopback:
    """Answers each connection's first request with ``reply``; holds it open if ``reply`` is None.

    ``requests`` keeps the raw bytes each connection sent first. Used as a context manager: the
    thread and every socket are closed on exit.
    """

    def __init__(self, reply: bytes | None) -> None:
        self.reply = reply
        self.requests: list[bytes] = []
        self._stop = threading.Event()
        self._listener = socket.socket()
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(16)
        self._listener.settimeout(STOP_POLL)
        self.port = int(self._listener.getsockname()[1])
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Loopback:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join(CLIENT_WAIT * 2)
        self._listener.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with connection:
                self._handle(connection)

    def _handle(self, connection: socket.socket) -> None:
        connection.settimeout(CLIENT_WAIT)
        data = b""
        try:
            while b"\r\n\r\n" not in data:
                chunk = connection.recv(65536)
                if not chunk:
                    break
                data += chunk
                if not data[:1].isalpha():
                    break  # not HTTP (a TLS hello): answer in plain text at once
        except OSError:
            return
        self.requests.append(data)
        if self.reply is None:
            self._stop.wait(CLIENT_WAIT * 2)  # silence: the client's read times out
            return
        try:
            connection.sendall(self.reply)
        except OSError:
            return

"""A scripted WebSocket server on loopback for the client's tests: wsproto, threads, no rawkube.

Each connection's upgrade request is read by hand, answered with a 101 (or with whatever
``answer`` returns instead), and its WebSocket handed to ``handler(peer)`` in a thread of its
own. The server knows nothing of Kubernetes: a test's handler speaks the channel protocol.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import socket
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType
from urllib.parse import parse_qsl, urlsplit

from wsproto.connection import Connection, ConnectionType
from wsproto.events import BytesMessage, CloseConnection, Ping, TextMessage

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
WAIT = 10.0  # seconds a test's server waits on the client before giving up


def accept_for(key: str) -> str:
    digest = hashlib.sha1(key.encode() + GUID).digest()
    return base64.b64encode(digest).decode()


@dataclass
class Upgrade:
    """One upgrade request as the server read it."""

    method: str
    target: str
    headers: dict[str, str]  # lower-cased names; repeated headers joined with ", "
    alpn: str | None = None

    @property
    def path(self) -> str:
        return urlsplit(self.target).path

    @property
    def query(self) -> list[tuple[str, str]]:
        return parse_qsl(urlsplit(self.target).query, keep_blank_values=True)

    @property
    def offered(self) -> list[str]:
        value = self.headers.get("sec-websocket-protocol", "")
        return [p.strip() for p in value.split(",") if p.strip()]


@dataclass
class Peer:
    """The server's side of one WebSocket."""

    sock: socket.socket
    request: Upgrade
    protocol: str | None
    leftover: bytes = b""
    ws: Connection = field(init=False)
    messages: list[bytes] = field(default_factory=list)
    close_code: int | None = None
    closed: bool = False

    def __post_init__(self) -> None:
        self.ws = Connection(ConnectionType.SERVER)
        self.sock.settimeout(WAIT)
        self._pending: list[bytes] = []
        if self.leftover:
            self._feed(self.leftover)

    def send(self, message: bytes) -> None:
        self.sock.sendall(self.ws.send(BytesMessage(data=message)))

    def send_raw(self, data: bytes) -> None:
        self.sock.sendall(data)

    def ping(self, payload: bytes = b"hi") -> None:
        self.sock.sendall(self.ws.send(Ping(payload=payload)))

    def receive(self) -> bytes | None:
        """The next whole message from the client; None once it closed."""
        while not self._pending:
            if self.close_code is not None:
                return None
            data = self.sock.recv(65536)
            if not data:
                self.close_code = 1006
                return None
            self._feed(data)
        return self._pending.pop(0)

    def _feed(self, data: bytes) -> None:
        self.ws.receive_data(data)
        for event in self.ws.events():
            if isinstance(event, (BytesMessage, TextMessage)):
                part = event.data if isinstance(event.data, bytes) else event.data.encode()
                self.messages.append(bytes(part))
                if event.message_finished:
                    self._pending.append(b"".join(self.messages))
                    self.messages = []
            elif isinstance(event, Ping):
                self.sock.sendall(self.ws.send(event.response()))
            elif isinstance(event, CloseConnection):
                self.close_code = event.code
                if not self.closed:
                    with contextlib.suppress(Exception):
                        self.sock.sendall(self.ws.send(event.response()))
                    self.closed = True

    def close(self, code: int = 1000, reason: str = "") -> None:
        """The closing handshake: the server's close, then the client's answer, then the end."""
        if not self.closed:
            self.closed = True
            with contextlib.suppress(OSError):
                self.sock.sendall(self.ws.send(CloseConnection(code=code, reason=reason)))
            with contextlib.suppress(OSError):
                while self.close_code is None:
                    data = self.sock.recv(65536)
                    if not data:
                        break
                    self._feed(data)
        self.abort()

    def abort(self) -> None:
        """End the connection with no close frame."""
        self.closed = True
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()


Handler = Callable[[Peer], None]
Answer = Callable[[Upgrade], bytes | None]


def upgrade_answer(request: Upgrade, protocol: str | None, accept: str | None = None) -> bytes:
    key = request.headers.get("sec-websocket-key", "")
    lines = [
        "HTTP/1.1 101 Switching Protocols",
        "Upgrade: websocket",
        "Connection: Upgrade",
        f"Sec-WebSocket-Accept: {accept if accept is not None else accept_for(key)}",
    ]
    if protocol is not None:
        lines.append(f"Sec-WebSocket-Protocol: {protocol}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def status_answer(code: int, body: bytes) -> bytes:
    head = (
        f"HTTP/1.1 {code} Bad Request\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    return head.encode() + body


def first_offered(request: Upgrade) -> str | None:
    return request.offered[0] if request.offered else None


class ScriptedServer:
    """Serves WebSockets on 127.0.0.1 until the with block ends.

    ``handler`` runs the server's side of each WebSocket; ``choose`` picks the subprotocol from
    the request (the first offered by default); ``answer``, if it returns bytes, is sent instead
    of the 101 (a 400 with a Status, a 101 with a wrong accept) and the connection closed.
    ``requests`` keeps every upgrade request, ``errors`` what a handler raised.
    """

    def __init__(
        self,
        handler: Handler,
        *,
        choose: Callable[[Upgrade], str | None] = first_offered,
        answer: Answer | None = None,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self.handler = handler
        self.choose = choose
        self.answer = answer
        self.tls = tls
        self.requests: list[Upgrade] = []
        self.errors: list[BaseException] = []
        self.peers: list[Peer] = []
        self._listener = socket.socket()
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(64)
        self.port = int(self._listener.getsockname()[1])
        self._threads: list[threading.Thread] = []
        self._stopping = False

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    def __enter__(self) -> ScriptedServer:
        thread = threading.Thread(target=self._accept, daemon=True)
        thread.start()
        self._threads.append(thread)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stopping = True
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)
        self._listener.close()
        for peer in self.peers:
            peer.abort()
        for thread in self._threads:
            thread.join(WAIT)

    def _accept(self) -> None:
        while not self._stopping:
            try:
                sock, _ = self._listener.accept()
            except OSError:
                return
            thread = threading.Thread(target=self._serve, args=(sock,), daemon=True)
            thread.start()
            self._threads.append(thread)

    def _serve(self, sock: socket.socket) -> None:
        try:
            alpn = None
            if self.tls is not None:
                sock = self.tls.wrap_socket(sock, server_side=True)
                alpn = sock.selected_alpn_protocol()
            sock.settimeout(WAIT)
            head = b""
            while b"\r\n\r\n" not in head:
                data = sock.recv(65536)
                if not data:
                    return
                head += data
            head, _, rest = head.partition(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            method, target, _ = lines[0].split(" ", 2)
            headers: dict[str, str] = {}
            for line in lines[1:]:
                name, _, value = line.partition(":")
                name = name.strip().lower()
                headers[name] = (
                    f"{headers[name]}, {value.strip()}" if name in headers else value.strip()
                )
            request = Upgrade(method, target, headers, alpn)
            self.requests.append(request)
            custom = self.answer(request) if self.answer is not None else None
            if custom is not None:
                sock.sendall(custom)
                sock.close()
                return
            protocol = self.choose(request)
            sock.sendall(upgrade_answer(request, protocol))
            peer = Peer(sock, request, protocol, rest)
            self.peers.append(peer)
            try:
                self.handler(peer)
            finally:
                peer.close()
        except BaseException as exc:  # kept for the test to look at
            if not self._stopping:
                self.errors.append(exc)
            with contextlib.suppress(OSError):
                sock.close()

"""The fake cluster over HTTP on loopback, for clients that need a socket (kubectl among them).

One thread runs one asyncio loop for every connection, so a client that connects and stalls
costs a socket, never a thread. Requests are read as Go's net/http reads them for
kube-apiserver, with its limits: 1 MiB of headers (431 beyond) and a 3 MiB body (413 where a
verb reads it); a malformed request line, header, ``Content-Length`` or chunk is answered
``400 Bad Request`` in plain text and the connection closed, as Go answers it. A request must
then name a loopback host (else 403, so that no web page can reach the server through a name
it rebinds to 127.0.0.1) and carry the server's bearer token (else 401, as a server run with
``--anonymous-auth=false`` answers) before the cluster's router sees it. Each answer goes out
in one write.

An exec, attach or port-forward the router upgrades (``101 Switching Protocols``) keeps its
connection: WebSocket bytes go to the session (``_session``) and its answers back, until it ends.
Each step of a session runs in one of the server's few worker threads, since it may call a
test's handler, which may take its time or call the server itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hmac
import ipaddress
import logging
import os
import re
import secrets
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from email.utils import formatdate
from http import HTTPStatus
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import yaml

from rawkube.testing._errors import MAX_BODY_BYTES, FakeApiError
from rawkube.testing._http import FakeRequest, FakeResponse
from rawkube.testing._watchstream import WatchSession, async_lines

if TYPE_CHECKING:
    from rawkube.testing._cluster import FakeCluster
    from rawkube.testing._session import Session

__all__ = ["MAX_HEADER_BYTES", "FakeServer"]

MAX_HEADER_BYTES = 1 << 20
"""Go's http.Server MaxHeaderBytes as kube-apiserver sets it: request line and headers."""

_LOG = logging.getLogger("rawkube.testing")
_TOKEN = re.compile(rb"[!#$%&'*+.^_`|~0-9A-Za-z-]+")  # an HTTP method or header name
_VERSION = re.compile(r"HTTP/[0-9]\.[0-9]")
_DIGITS = re.compile(r"[0-9]{1,19}")
_CHUNK_SIZE = re.compile(rb"[0-9a-fA-F]{1,16}")
_PLAIN = b"\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n"
_WILDCARDS = ("", "0.0.0.0", "::")  # noqa: S104 - names of wildcards, bound to nothing here
_STREAM_READ = 256 * 1024  # bytes an upgraded connection reads at a time
_STREAM_WORKERS = 8  # threads running session steps (test handlers) at once


class _Refused(Exception):
    """A request refused at the HTTP layer: a plain-text answer, then the connection closes."""

    def __init__(self, status: str, text: str | None = None) -> None:
        super().__init__(status)
        body = text if text is not None else status
        self.answer = b"HTTP/1.1 " + status.encode() + _PLAIN + body.encode()


@dataclass
class _Head:
    """A request's line and headers (names lower case), as read off the socket."""

    method: str
    target: str
    version: str
    headers: dict[str, str]


@dataclass(eq=False)
class _Connection:
    """One client connection: its task, and whether it streams a watch (then never evicted)."""

    task: asyncio.Task[None] | None
    watching: bool = False
    upgraded: bool = False  # carries an exec or port-forward: never evicted, cut when stopping
    unread: bool = False  # the last request's body was not read: close as Go does
    since: float = field(default_factory=time.monotonic)  # when it began to wait


class FakeServer:
    """A :class:`~rawkube.testing.FakeCluster` served on ``url`` until :meth:`close`.

    Plain HTTP on loopback. Every request must carry this server's :attr:`token`, a random
    one, as ``Authorization: Bearer <token>`` or as the first segment of its path (401
    otherwise; ``auth=False`` drops the check), and name a loopback host: ``localhost``,
    ``127.x.x.x`` or ``[::1]``, any port (403 otherwise). The kubeconfig of
    :meth:`kubeconfig` and :meth:`write_kubeconfig` carries the token and points any
    client, kubectl included, at the server. A context manager; watches in progress end
    cleanly when it closes.

    ``header_timeout``: seconds a client has to send a request's line and headers (and then
    its body) once it connects or begins a request, else it is dropped; kube-apiserver
    allows 32. ``idle_timeout``: seconds a kept-alive connection may wait for its next
    request (the API server's 90). ``max_connections``: open connections at most; one more
    closes the longest-waiting connection that is not streaming a watch, or, when every one
    is, is closed itself.
    """

    def __init__(
        self,
        cluster: FakeCluster,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        auth: bool = True,
        header_timeout: float = 10.0,
        idle_timeout: float = 90.0,
        max_connections: int = 256,
    ) -> None:
        if header_timeout <= 0 or idle_timeout <= 0:
            raise ValueError("header_timeout and idle_timeout must be positive")
        if max_connections < 1:
            raise ValueError(f"max_connections must be at least 1, not {max_connections!r}")
        self.cluster = cluster
        self.token: str | None = secrets.token_urlsafe(32) if auth else None
        """The bearer token every request must carry (None: no token is asked for)."""
        self.header_timeout = header_timeout
        self.idle_timeout = idle_timeout
        self.max_connections = max_connections
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        listener = socket.create_server((host, port), family=family)
        self._address: tuple[str, int] = listener.getsockname()[:2]
        # The address the server was given is a name a client may use too, unless a wildcard.
        self._own_host = "" if host in _WILDCARDS else host.lower()
        self._connections: dict[_Connection, None] = {}  # in arrival order
        # Session steps run here: a test's handler must not stall every other connection.
        self._workers = ThreadPoolExecutor(
            _STREAM_WORKERS, thread_name_prefix="rawkube-fake-stream"
        )
        self._loop = asyncio.new_event_loop()
        self._server: asyncio.AbstractServer | None = None
        self._stopping: asyncio.Event | None = None
        self._failure: BaseException | None = None
        self._closed = False
        started = threading.Event()
        self._thread = threading.Thread(
            target=self._run,
            args=(listener, started),
            name="rawkube-fake-apiserver",
            daemon=True,
        )
        self._thread.start()
        started.wait()
        if self._failure is not None:
            self._thread.join()
            raise self._failure

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        host, port = self._address
        return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"

    def kubeconfig(self, namespace: str = "default") -> str:
        """A kubeconfig (YAML text) whose current context is this server, with its token.

        The token is the user's bearer token, and the first path segment of the server's
        URL as well: kubectl, as client-go, sends no credentials to an ``http://`` server,
        so for it the URL is the credential (as a Jupyter server's URL is).
        """
        user = {"token": self.token} if self.token is not None else {}
        server = self.url if self.token is None else f"{self.url}/{self.token}"
        document = {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": "rawkube-fake", "cluster": {"server": server}}],
            "users": [{"name": "rawkube-fake", "user": user}],
            "contexts": [
                {
                    "name": "rawkube-fake",
                    "context": {
                        "cluster": "rawkube-fake",
                        "user": "rawkube-fake",
                        "namespace": namespace,
                    },
                }
            ],
            "current-context": "rawkube-fake",
        }
        return yaml.safe_dump(document, sort_keys=False)

    def write_kubeconfig(self, path: str | os.PathLike[str], namespace: str = "default") -> Path:
        """Write :meth:`kubeconfig` to ``path`` (private to the user: 0600); returns the path."""
        target = Path(path)
        descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(self.kubeconfig(namespace))
        return target

    def close(self) -> None:
        """Stop serving; open watches end with their stream's last chunk."""
        if self._closed:
            return
        self._closed = True
        asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop).result()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()
        # A handler still running ends in its own time; nothing waits for it here.
        self._workers.shutdown(wait=False, cancel_futures=True)

    def __enter__(self) -> FakeServer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # --- the loop's life ----------------------------------------------------------------------

    def _run(self, listener: socket.socket, started: threading.Event) -> None:
        loop = self._loop
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(self._start(listener))
        except BaseException as exc:  # handed to the constructor, which raises it
            self._failure = exc
            listener.close()
            loop.close()
            started.set()
            return
        started.set()
        try:
            loop.run_forever()
            loop.run_until_complete(loop.shutdown_asyncgens())
        finally:
            loop.close()

    async def _start(self, listener: socket.socket) -> None:
        self._stopping = asyncio.Event()
        self._server = await asyncio.start_server(
            self._serve, sock=listener, limit=MAX_HEADER_BYTES + 4096
        )

    async def _shutdown(self) -> None:
        assert self._server is not None
        assert self._stopping is not None
        self._server.close()
        self._stopping.set()  # each watch writes its stream's last chunk and ends
        for connection in self._connections:
            if not connection.watching and connection.task is not None:
                connection.task.cancel()
        tasks = [c.task for c in self._connections if c.task is not None]
        if tasks:
            _, late = await asyncio.wait(tasks, timeout=2.0)
            for task in late:  # a watch whose client reads nothing more
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        await self._server.wait_closed()

    # --- one connection -----------------------------------------------------------------------

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connection = _Connection(asyncio.current_task())
        try:
            if self._admit(connection):
                await self._converse(reader, writer, connection)
        except _Refused as refusal:
            writer.write(refusal.answer)
            await _linger(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass  # the client left: Go drops such a connection without a word
        except asyncio.CancelledError:
            # Stalled past a deadline, evicted, or the server stops: the connection closes.
            # Ending normally spares asyncio's own callback on this task (it asks a
            # cancelled task for its exception) a spurious error.
            pass
        finally:
            self._connections.pop(connection, None)
            writer.close()

    def _admit(self, connection: _Connection) -> bool:
        """Track a new connection; at the limit, make room by closing the longest-waiting one."""
        if len(self._connections) >= self.max_connections:
            idle = [c for c in self._connections if not c.watching and not c.upgraded]
            if not idle:
                return False
            victim = min(idle, key=lambda c: c.since)
            del self._connections[victim]
            if victim.task is not None:
                victim.task.cancel()
        self._connections[connection] = None
        return True

    async def _converse(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, connection: _Connection
    ) -> None:
        """Serve one request after another until the client, or an answer, ends it."""
        wait = self.header_timeout  # a new connection gets no idle time before its request
        while True:
            connection.since = time.monotonic()
            with _deadline(wait):
                first = await reader.read(1)
            if not first:
                return
            if not await self._exchange(first, reader, writer, connection):
                if connection.unread:
                    await _linger(reader, writer)
                return
            wait = self.idle_timeout

    async def _exchange(
        self,
        first: bytes,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        connection: _Connection,
    ) -> bool:
        """Read one request and answer it; whether the connection may carry another."""
        with _deadline(self.header_timeout):
            head = await _read_head(first, reader)
        chunked, length = _framing(head)
        has_body = chunked or length > 0
        path, _, query = head.target.partition("?")
        path, in_path = self._without_token(path)
        refusal = self._check_host(head) or (None if in_path else self._check_token(head))
        if refusal is not None:  # answered before the body is read: no reuse if there is one
            keep = not has_body and _keeps_alive(head)
            writer.write(_response(_status(refusal), keep=keep))
            await writer.drain()
            connection.unread = has_body
            return keep
        body, oversized = b"", length > MAX_BODY_BYTES  # too big: refused unread, where read
        if has_body and not oversized:
            if head.headers.get("expect", "").lower() == "100-continue":
                writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            read = _read_chunked(reader) if chunked else reader.readexactly(length)
            with _deadline(self.header_timeout):
                found = await read
            body, oversized = found or b"", found is None
        answer = self._answer(FakeRequest(head.method, path, query, head.headers, body, oversized))
        keep = not oversized and _keeps_alive(head)
        connection.unread = oversized
        if answer.session is not None:
            writer.write(_upgrade(answer))
            connection.upgraded = True
            await self._relay(answer.session, reader, writer)
            return False
        if answer.watch is not None:
            writer.write(_response(answer, keep=False, chunked=True))
            connection.watching = True
            await self._stream(answer.watch, reader, writer)
            return False
        writer.write(_response(answer, keep=keep, send_body=head.method != "HEAD"))
        await writer.drain()
        return keep

    def _check_host(self, head: _Head) -> FakeApiError | None:
        """403 unless the request names a loopback host: a DNS-rebound page names its own."""
        host = head.headers.get("host")
        if host is None or _is_loopback(host) or (self._own_host == _host_name(host) != ""):
            return None
        return FakeApiError(
            403,
            "Forbidden",
            f'host "{host}" is not allowed: the fake API server answers requests for loopback '
            "names only (localhost, 127.0.0.1, [::1]), so that no web page can reach it "
            "through a name that resolves to 127.0.0.1",
            {},
        )

    def _without_token(self, path: str) -> tuple[str, bool]:
        """The path without the token as its first segment, and whether it was there.

        The kubeconfig's server URL ends in the token because kubectl (client-go) sends no
        credentials at all to an ``http://`` server: the URL is then its only credential.
        """
        if self.token is None:
            return path, False
        segment, slash, rest = path[1:].partition("/")
        if hmac.compare_digest(segment.encode(), self.token.encode()):
            return slash + rest or "/", True
        return path, False

    def _check_token(self, head: _Head) -> FakeApiError | None:
        """401 unless the request carries this server's bearer token."""
        if self.token is None:
            return None
        # As the API server's bearer token authenticator reads the header.
        parts = head.headers.get("authorization", "").strip().split(" ", 2)
        sent = parts[1] if len(parts) >= 2 and parts[0].lower() == "bearer" else ""
        if sent and hmac.compare_digest(sent.encode(), self.token.encode()):
            return None
        return FakeApiError(401, "Unauthorized", "Unauthorized")

    def _answer(self, request: FakeRequest) -> FakeResponse:
        """The router's answer; a failure of the fake itself is a 500, never a dead connection."""
        try:
            return self.cluster.router.handle(request)
        except Exception as exc:
            _LOG.exception("the fake API server failed on %s %s", request.method, request.path)
            return _status(
                FakeApiError(500, "InternalError", f"the fake API server failed: {exc!r}")
            )

    async def _stream(
        self, session: WatchSession, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        """Send a watch's lines as chunks until it ends, its client leaves, or the server stops."""
        assert self._stopping is not None
        pump = asyncio.ensure_future(_pump(async_lines(session, self.cluster.store), writer))
        gone = asyncio.ensure_future(reader.read(1))  # b"": the client closed its socket
        stop = asyncio.ensure_future(self._stopping.wait())
        done: set[asyncio.Task[Any]] = set()
        try:
            done, _ = await asyncio.wait({pump, gone, stop}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (pump, gone, stop):
                task.cancel()
            await asyncio.gather(pump, gone, stop, return_exceptions=True)
        if stop in done and pump not in done:
            writer.write(b"0\r\n\r\n")  # the stream's last chunk: a clean end for the client
            with contextlib.suppress(ConnectionError):
                await writer.drain()

    async def _relay(
        self, session: Session, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        """Carry an upgraded connection: the client's bytes to the session, its answers back."""
        loop = asyncio.get_running_loop()
        try:
            out = await loop.run_in_executor(self._workers, session.start)
            while True:
                if out:
                    writer.write(out)
                    await writer.drain()
                if session.done:
                    break
                data = await reader.read(_STREAM_READ)
                out = await loop.run_in_executor(self._workers, session.receive, data or None)
                if not data:
                    break
        except (ConnectionError, asyncio.CancelledError):
            raise
        except Exception:  # a failure of the fake itself: this connection drops, not the server
            _LOG.exception("the fake API server's stream session failed")
            return
        # Half-close, then wait for the client to close: closing with its bytes unread would
        # reset the connection and could destroy the last answer (the exit status) in flight.
        await _linger(reader, writer)


async def _linger(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Send the answer, stop writing, and drop what the client still sends for half a second.

    Closing at once with unread input makes the kernel reset the connection, and a reset can
    destroy the answer before the client reads it: Go's server does the same (its
    closeWriteAndWait) after refusing a request it did not read to the end.
    """
    loop = asyncio.get_running_loop()
    end = loop.time() + 0.5
    with contextlib.suppress(OSError, RuntimeError, asyncio.TimeoutError):
        await writer.drain()
        if writer.can_write_eof():
            writer.write_eof()
        while (left := end - loop.time()) > 0:
            if not await asyncio.wait_for(reader.read(65536), left):
                return


@contextlib.contextmanager
def _deadline(seconds: float) -> Iterator[None]:
    """Cancel the current task (its connection then closes) unless the block ends in time.

    A timer on the task costs less than ``asyncio.wait_for``, which makes a task per call:
    it is on the path of every request.
    """
    task = asyncio.current_task()
    assert task is not None
    timer = asyncio.get_running_loop().call_later(seconds, task.cancel)
    try:
        yield
    finally:
        timer.cancel()


async def _pump(lines: AsyncIterator[bytes], writer: asyncio.StreamWriter) -> None:
    """Write each batch of a watch's lines as one chunk, then the last, empty chunk."""
    async for chunk in lines:
        writer.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        await writer.drain()
    writer.write(b"0\r\n\r\n")
    await writer.drain()


# --- reading requests -----------------------------------------------------------------------


async def _read_head(first: bytes, reader: asyncio.StreamReader) -> _Head:
    try:
        raw = first + await reader.readuntil(b"\r\n\r\n")
    except asyncio.LimitOverrunError:
        raise _Refused("431 Request Header Fields Too Large") from None
    return _parse_head(raw)


def _parse_head(raw: bytes) -> _Head:
    """The request line and headers, or the 400 (505) Go's server answers instead."""
    line, *lines = raw[:-4].split(b"\r\n")
    parts = line.split(b" ")
    if len(parts) != 3 or not _TOKEN.fullmatch(parts[0]):
        raise _Refused("400 Bad Request")
    method, target, version = (part.decode("latin-1") for part in parts)
    if version not in ("HTTP/1.0", "HTTP/1.1"):
        if _VERSION.fullmatch(version):
            text = "505 HTTP Version Not Supported: unsupported protocol version"
            raise _Refused(text, text)
        raise _Refused("400 Bad Request")
    headers: dict[str, str] = {}
    for header in lines:
        name, colon, value = header.partition(b":")
        if not colon or not _TOKEN.fullmatch(name):
            raise _Refused("400 Bad Request")
        key, text = name.decode("latin-1").lower(), value.strip(b" \t").decode("latin-1")
        headers[key] = _joined(headers.get(key), key, text)
    if target.startswith(("http://", "https://")):  # absolute form: its host is the host
        split = urlsplit(target)
        headers["host"] = split.netloc
        target = (split.path or "/") + (f"?{split.query}" if split.query else "")
    elif not target.startswith("/"):
        raise _Refused("400 Bad Request")
    if version == "HTTP/1.1" and "host" not in headers:
        text = "400 Bad Request: missing required Host header"
        raise _Refused(text, text)
    return _Head(method, target, version, headers)


def _joined(before: str | None, key: str, value: str) -> str:
    """A repeated header's values joined, as Go's Header.Get reads them; Go's refusals."""
    if before is None:
        return value
    if key == "host":
        text = "400 Bad Request: too many Host headers"
        raise _Refused(text, text)
    if key == "content-length":
        if before != value:
            raise _Refused("400 Bad Request")
        return value
    return f"{before}, {value}"


def _framing(head: _Head) -> tuple[bool, int]:
    """Whether the body is chunked, and its length otherwise; Go's refusals for bad framing."""
    encoding = head.headers.get("transfer-encoding")
    if encoding is not None:
        if encoding.lower() != "chunked":
            raise _Refused("501 Not Implemented", "Unsupported transfer encoding")
        return True, 0
    length = head.headers.get("content-length")
    if length is None:
        return False, 0
    if not _DIGITS.fullmatch(length) or int(length) >= 2**63:
        raise _Refused("400 Bad Request")  # Go: bad Content-Length
    return False, int(length)


async def _read_chunked(reader: asyncio.StreamReader) -> bytes | None:
    """A chunked body, or None once it grows past the body limit (the rest is not read)."""
    parts: list[bytes] = []
    size = 0
    while True:
        try:
            line = await reader.readuntil(b"\r\n")
        except asyncio.LimitOverrunError:
            raise _Refused("400 Bad Request") from None
        digits = line[:-2].split(b";", 1)[0].strip()
        if not _CHUNK_SIZE.fullmatch(digits):
            raise _Refused("400 Bad Request")
        length = int(digits, 16)
        if length == 0:
            while await reader.readuntil(b"\r\n") != b"\r\n":
                pass  # trailers, unused
            return b"".join(parts)
        size += length
        if size > MAX_BODY_BYTES:
            return None
        parts.append(await reader.readexactly(length))
        if await reader.readexactly(2) != b"\r\n":
            raise _Refused("400 Bad Request")


def _keeps_alive(head: _Head) -> bool:
    tokens = {token.strip() for token in head.headers.get("connection", "").lower().split(",")}
    return head.version == "HTTP/1.1" and "close" not in tokens


def _host_name(host: str) -> str:
    """A Host header's name or address, without its port and brackets, lower case."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1:].partition("]")[0]
    name, colon, port = host.rpartition(":")
    return name if colon and ":" not in name and (port.isdigit() or not port) else host


def _is_loopback(host: str) -> bool:
    """Whether a Host header names this machine's loopback: only those cannot be rebound."""
    name = _host_name(host).removesuffix(".")
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


# --- writing answers ------------------------------------------------------------------------


def _status(error: FakeApiError) -> FakeResponse:
    from pydantic_core import to_json

    return FakeResponse(error.code, {"Content-Type": "application/json"}, to_json(error.status()))


def _response(
    answer: FakeResponse, *, keep: bool, chunked: bool = False, send_body: bool = True
) -> bytes:
    """The whole answer in one buffer, so that it leaves in one write (no Nagle stall)."""
    lines = [f"HTTP/1.1 {answer.status} {_phrase(answer.status)}", *_headers(answer)]
    lines.append(f"Date: {_http_date(int(time.time()))}")
    if chunked:
        lines.append("Transfer-Encoding: chunked")
    elif answer.status != 204:  # a 204 has no body, and says no length (RFC 9110)
        lines.append(f"Content-Length: {len(answer.body)}")
    if not keep:
        lines.append("Connection: close")
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8", "replace")
    return head + answer.body if send_body and not chunked else head


def _upgrade(answer: FakeResponse) -> bytes:
    """A ``101 Switching Protocols`` head, as golang.org/x/net/websocket writes it."""
    lines = ["HTTP/1.1 101 Switching Protocols"]
    lines += [f"{key}: {value}" for key, value in answer.headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def _headers(answer: FakeResponse) -> list[str]:
    # The API server marks every answer uncacheable; framing is the server's own business.
    found = ["Cache-Control: no-cache, private"]
    for key, value in answer.header_lines():
        if key.lower() not in ("transfer-encoding", "content-length", "connection"):
            found.append(f"{key}: {value}")
    return found


@functools.lru_cache(maxsize=2)
def _http_date(second: int) -> str:
    return formatdate(second, usegmt=True)


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"

"""One WebSocket session, awaited: RFC 6455's client side over a connection upgraded by a 101.

Written by hand; ``rawkube/client/_sync_websocket.py``, the blocking twin, is generated from
this file by ``scripts/unasync.py``. The upgrade request goes through the client's transport
(:meth:`~rawkube.client._transport.AsyncTransport.upgrade`), so credentials, impersonation, TLS
and retries apply to it as to every request; wsproto frames the messages on the connection the
101 answer hands over (``response.extensions["network_stream"]``, httpcore's network stream or
an in-process stand-in with the same ``read``/``write``/``aclose``).

One task (thread) may receive while another sends: reads and writes each have their own lock,
and wsproto's state is touched under a third, held for no I/O. A send first reads whatever has
already arrived, so a blocking caller that writes a large input to a command writing a large
output never waits on a server that waits on it.

On a socket, every read and write carries a timeout, a long one (:data:`IDLE_WAIT`, made again)
when the caller gives none: httpcore's blocking stream sets the socket's timeout at each call,
and a call with none switches the socket to blocking under a call with one in another thread,
which then fails with EAGAIN. A stream with no socket (the fake cluster's in-process one) is
given no timeout when the caller gives none, so that one giving up on its own (rather than hang
a test) is heard: that is raised.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import replace
from types import TracebackType
from typing import TYPE_CHECKING, Any

from wsproto.connection import Connection, ConnectionType
from wsproto.events import BytesMessage, CloseConnection, Message, Ping, TextMessage
from wsproto.frame_protocol import CloseReason
from wsproto.utilities import LocalProtocolError

from rawkube import _http
from rawkube._http import httpx
from rawkube.client._concurrency import AsyncLock
from rawkube.client._websocket import (
    CLOSE_TIMEOUT,
    MAX_MESSAGE_BYTES,
    WebSocketClosedError,
    WebSocketError,
    WebSocketHandshakeError,
    check_handshake,
    new_key,
    upgrade_headers,
)
from rawkube.core._exceptions import RawkubeError, RequestTimeoutError

if TYPE_CHECKING:
    from rawkube.client._transport import AsyncTransport
    from rawkube.core._request import ApiRequest

READ_BYTES = 64 * 1024
IDLE_WAIT = 600.0
"""On a socket, the timeout of a read or write the caller gave none (a read is made again)."""
DRAIN_WAIT = 1.0  # a read of bytes already there, which TLS may need a moment to complete


async def connect(
    transport: AsyncTransport, request: ApiRequest, protocols: Sequence[str]
) -> AsyncWebSocket:
    """Upgrade ``request`` (a GET) to a WebSocket speaking one of ``protocols``, offered in order.

    Raises the server's ApiError when it refuses (a pod with no node: BadRequestError),
    WebSocketHandshakeError when its 101 is not the WebSocket asked for, and what any
    request raises when no answer comes.
    """
    key = new_key()
    where = f"{request.describe()} on {transport.core.shown_url}"
    headers = (*request.headers, *upgrade_headers(key, protocols))
    response = await transport.upgrade(replace(request, headers=headers))
    try:
        protocol = check_handshake(response.status_code, response.headers, key, protocols, where)
        stream = response.extensions.get("network_stream")
        if stream is None:
            raise WebSocketHandshakeError(
                f"{where}: the 101 answer came without its connection (the transport's "
                "response has no network_stream extension)"
            )
    except BaseException:
        await response.aclose()
        raise
    return AsyncWebSocket(response, stream, protocol, where)


def _failure_kind(exc: BaseException) -> str | None:
    """Whether a network stream's error is a ``"timeout"`` or a ``"broken"`` connection; None
    for anything else (a bug, raised as it is).
    """
    core = _http.httpcore()
    if isinstance(exc, (core.TimeoutException, httpx.TimeoutException, TimeoutError)):
        return "timeout"
    if isinstance(exc, (core.NetworkError, httpx.NetworkError, OSError)):
        return "broken"
    return None


class AsyncWebSocket:
    """A WebSocket session on an upgraded connection: whole binary messages in and out.

    Pings are answered, messages reassembled from their frames (up to ``max_message_bytes``),
    and closing is the closing handshake. Once the connection fails, every call raises that
    failure again. ``protocol`` is the subprotocol the server chose; ``close_code`` and
    ``close_reason`` are the server's close frame's, once it came.
    """

    def __init__(
        self,
        response: httpx.Response,
        stream: Any,
        protocol: str,
        where: str,
        *,
        max_message_bytes: int = MAX_MESSAGE_BYTES,
    ) -> None:
        self.protocol = protocol
        self.where = where
        self._response = response
        self._stream = stream
        extra = getattr(stream, "get_extra_info", None)
        self._socket = extra("socket") if extra is not None else None
        # The wait of a call the caller gave no limit (see the module's docstring).
        self._idle = IDLE_WAIT if isinstance(self._socket, socket.socket) else None
        self._max_message_bytes = max_message_bytes
        self._ws = Connection(ConnectionType.CLIENT)
        self._state = threading.Lock()  # wsproto and the fields below; held for no I/O
        self._read_lock = AsyncLock()
        self._write_lock = AsyncLock()  # one writer at a time: frames must not interleave
        self._inbox: deque[bytes] = deque()  # whole messages not handed out yet
        self._parts: list[bytes] = []  # the message arriving
        self._size = 0
        self._control = b""  # pongs and the close reply, not written yet
        self._close_sent = False
        self._peer_close: tuple[int, str] | None = None
        self._eof = False
        self._broken = False  # the connection itself failed: no closing handshake on it
        self._failure: RawkubeError | None = None
        self._closed = False

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        return f"<{type(self).__name__} {self.where} protocol={self.protocol!r} {state}>"

    async def __aenter__(self) -> AsyncWebSocket:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    @property
    def close_code(self) -> int | None:
        """The code of the server's close frame; None until one came."""
        return None if self._peer_close is None else self._peer_close[0]

    @property
    def close_reason(self) -> str:
        """The reason in the server's close frame (often empty)."""
        return "" if self._peer_close is None else self._peer_close[1]

    def closed_error(self, what: str) -> WebSocketClosedError:
        """The error for the connection ending before ``what`` (the caller's words)."""
        if self._peer_close is not None:
            code, reason = self._peer_close
            said = f": {reason!r}" if reason else ""
            return WebSocketClosedError(
                f"{self.where}: the server closed the WebSocket (code {code}{said}) before {what}",
                code,
                reason,
            )
        return WebSocketClosedError(
            f"{self.where}: the connection ended without a WebSocket close before {what}", 1006
        )

    async def send(self, message: bytes, timeout: float | None = None) -> None:
        """Send ``message`` as one binary message, within ``timeout`` seconds if given.

        Raises WebSocketClosedError once the session is closed (by either side) or the
        connection broke, RequestTimeoutError if the server takes none of it in time (the
        session is then unusable: a frame may be half-sent).
        """
        async with self._write_lock:
            with self._state:
                self._check()
                if self._peer_close is not None:
                    raise self.closed_error("this message was sent")
                if self._close_sent or self._closed:
                    raise WebSocketClosedError(
                        f"{self.where}: the WebSocket was closed; nothing more can be sent"
                    )
                try:
                    data = self._ws.send(BytesMessage(data=message))
                except LocalProtocolError as exc:  # closed by what another caller just read
                    raise self.closed_error("this message was sent") from exc
            await self._drain()
            await self._write_pending(data, timeout)
            if self._control:  # a pong queued meanwhile goes now, not with the next message
                await self._write_pending(b"", timeout)

    async def receive(self, timeout: float | None = None) -> bytes | None:
        """The next whole message, or None once the server closed the session cleanly.

        Raises RequestTimeoutError when no message arrives within ``timeout`` seconds (the
        session stays usable), WebSocketClosedError when the connection ends with no close
        frame, WebSocketError for a message over the size limit or a broken frame.
        """
        end = None if timeout is None else time.monotonic() + timeout
        while True:
            with self._state:
                if self._inbox:
                    return self._inbox.popleft()
                self._check()
                if self._peer_close is not None:
                    return None
            async with self._read_lock:
                with self._state:  # another caller may have read it meanwhile
                    ready = bool(self._inbox) or self._peer_close is not None or self._eof
                if not ready:
                    self._feed(await self._read(end, timeout))
            await self._flush_control()

    async def aclose(self, code: int = CloseReason.NORMAL_CLOSURE, reason: str = "") -> None:
        """End the session: the closing handshake (at most :data:`CLOSE_TIMEOUT` seconds), then
        the connection. Messages not received yet are dropped. Closing twice does nothing.
        """
        if self._closed:
            return
        self._closed = True
        try:
            # The connection goes below either way: a failed goodbye is not the caller's error.
            with contextlib.suppress(RawkubeError):
                await self._close_handshake(code, reason)
        finally:
            self._wake_reader()
            for close in (self._stream.aclose, self._response.aclose):
                with contextlib.suppress(Exception):  # already closed or broken: nothing to free
                    await close()

    def _check(self) -> None:
        if self._failure is not None:
            raise self._failure

    def _fail(self, error: RawkubeError) -> RawkubeError:
        """Keep ``error`` as the session's failure (the first one stays) and return it."""
        if self._failure is None:
            self._failure = error
        return self._failure

    async def _read(self, end: float | None, timeout: float | None) -> bytes:
        """The next bytes from the connection (b"" at its end), before ``end`` if given."""
        while True:
            wait = self._idle if end is None else end - time.monotonic()
            if wait is not None and wait <= 0:
                raise RequestTimeoutError(
                    f"{self.where}: no WebSocket message came within {timeout:g} s"
                )
            try:
                return bytes(await self._stream.read(READ_BYTES, timeout=wait))
            except Exception as exc:
                kind = _failure_kind(exc)
                if kind == "timeout" and wait is None:  # the stream gave up of its own accord
                    raise RequestTimeoutError(f"{self.where}: {exc}") from None
                if kind == "timeout":
                    continue  # idle, or a coarse timer: the loop says whether time is up
                if kind == "broken":
                    self._broken = True
                if kind == "broken" and not self._closed:
                    error = WebSocketClosedError(
                        f"{self.where}: the connection broke ({type(exc).__name__}: {exc})", 1006
                    )
                    raise self._fail(error) from exc
                if kind == "broken":  # closed by this side, from another task or thread
                    return b""
                raise

    def _feed(self, data: bytes) -> None:
        """Take in bytes read (b"": the connection's end): messages, pings, the close frame."""
        with self._state:
            if not data:
                self._eof = True
                if self._peer_close is None:
                    self._fail(self.closed_error("the session ended"))
                return
            self._ws.receive_data(data)
            for event in self._ws.events():
                if isinstance(event, (BytesMessage, TextMessage)):
                    self._take(event)
                elif isinstance(event, Ping):
                    self._control += self._ws.send(event.response())
                elif isinstance(event, CloseConnection):
                    # wsproto also says so for a broken frame, with its own code and reason.
                    self._peer_close = (int(event.code), event.reason or "")
                    if not self._close_sent:
                        self._control += self._ws.send(event.response())
                        self._close_sent = True

    def _take(self, event: Message[Any]) -> None:
        """Add a message's frame to the one arriving; queue the message once whole."""
        if self._failure is not None:
            return  # the session failed (a message too large): what follows is dropped
        data = event.data
        part = data.encode("utf-8") if isinstance(data, str) else bytes(data)
        self._size += len(part)
        if self._size > self._max_message_bytes:
            error = WebSocketError(
                f"{self.where}: a WebSocket message is larger than "
                f"{self._max_message_bytes:,} bytes"
            )
            if not self._close_sent:
                self._control += self._ws.send(
                    CloseConnection(code=CloseReason.MESSAGE_TOO_BIG, reason="message too big")
                )
                self._close_sent = True
            raise self._fail(error)
        self._parts.append(part)
        if event.message_finished:
            self._inbox.append(b"".join(self._parts))
            self._parts, self._size = [], 0

    def _readable(self) -> bool:
        """Whether bytes wait on the connection (False where the stream cannot tell)."""
        extra = getattr(self._stream, "get_extra_info", None)
        return bool(extra("is_readable")) if extra is not None else False

    async def _drain(self) -> None:
        """Read what has already arrived, unless another caller is reading anyway.

        A blocking caller sending a large stdin to a command writing a large output would
        otherwise stall for ever: the server waiting to write to us, we waiting to write to it.
        """
        if not self._readable() or not self._read_lock.try_acquire():
            return
        try:
            while not self._eof and self._peer_close is None and self._readable():
                try:
                    data = await self._stream.read(READ_BYTES, timeout=DRAIN_WAIT)
                except Exception as exc:
                    if _failure_kind(exc) == "timeout":
                        return  # part of a TLS record: the next read has it
                    raise
                self._feed(bytes(data))
        finally:
            self._read_lock.release()

    async def _flush_control(self) -> None:
        """Write the pongs and close reply queued, unless a writer is busy (it writes them)."""
        if self._control and self._write_lock.try_acquire():
            try:
                await self._write_pending(b"", None)
            finally:
                self._write_lock.release()

    async def _write_pending(self, data: bytes, timeout: float | None) -> None:
        """Write the queued control frames, then ``data``; the write lock is held."""
        with self._state:
            out, self._control = self._control + data, b""
        if not out:
            return
        try:
            await self._stream.write(out, timeout=self._idle if timeout is None else timeout)
        except Exception as exc:
            self._broken = True  # part of a frame may have gone: nothing more can follow it
            kind = _failure_kind(exc)
            if kind == "timeout":
                error: RawkubeError = RequestTimeoutError(
                    f"{self.where}: the server did not take what was sent in time ({exc})"
                )
            elif kind == "broken":
                error = self.closed_error("everything was sent")
                if self._peer_close is None:
                    error = WebSocketClosedError(
                        f"{self.where}: the connection broke ({type(exc).__name__}: {exc})",
                        1006,
                    )
            else:
                raise
            raise self._fail(error) from exc

    async def _close_handshake(self, code: int, reason: str) -> None:
        with self._state:
            if not self._broken and not self._eof and not self._close_sent:
                close = CloseConnection(code=code, reason=reason or None)
                self._control += self._ws.send(close)
                self._close_sent = True
        # A writer stuck on a connection the server stopped reading is not waited for.
        if self._control and self._write_lock.try_acquire():
            try:
                await self._write_pending(b"", CLOSE_TIMEOUT)
            finally:
                self._write_lock.release()
        # The server answers with its own close (RFC 6455, 7.1.1), unless it already did; a
        # caller reading in another thread gets it instead.
        if self._read_lock.try_acquire():
            try:
                end = time.monotonic() + CLOSE_TIMEOUT
                while self._peer_close is None and not self._eof and not self._broken:
                    self._feed(await self._read(end, CLOSE_TIMEOUT))
            finally:
                self._read_lock.release()

    def _wake_reader(self) -> None:
        """Make a read blocked in another thread return: closing a socket does not, shutting
        it down does. A stream with no socket (the fake cluster's) ends its reads when closed.
        """
        if isinstance(self._socket, socket.socket):
            with contextlib.suppress(OSError):  # already shut or closed
                self._socket.shutdown(socket.SHUT_RDWR)

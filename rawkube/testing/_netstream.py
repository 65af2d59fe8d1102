"""In-memory network streams: an upgraded in-process connection, as httpcore hands one back.

The in-process transports answer a WebSocket upgrade with ``101`` and one of these in
``response.extensions["network_stream"]``, with the methods of httpcore's network streams
(``read``/``write``/``close``, or their async twins, and ``get_extra_info("is_readable")``). A
write hands the client's bytes to the connection's :class:`~rawkube.testing._session.Session`
at once, which computes its answer there and then; a read takes that answer. There is no socket
and no thread.

The session sends only in answer to the client, so a read with nothing to take can only be
answered by a write from another thread or task. It waits for one up to its ``timeout`` (or
:data:`PATIENCE` seconds when it has none), then raises the engine's ``ReadTimeout`` saying what
the session waits for, rather than hang. Writes stop while :data:`HIGH_WATER` bytes of answer
wait to be read, as a socket's buffer would stop them, and give up the same way.
"""

from __future__ import annotations

import asyncio
import threading
import time
from typing import TYPE_CHECKING, Any

from rawkube._http import httpcore

if TYPE_CHECKING:
    from rawkube.testing._session import Session

__all__ = ["HIGH_WATER", "PATIENCE", "AsyncSessionStream", "SessionStream"]

PATIENCE = 10.0
"""Real seconds a read (or a blocked write) with no timeout of its own waits before failing.

Real time, not the cluster's clock: what ends the wait is another thread or task of the
client's, which a fake clock does not move.
"""

HIGH_WATER = 64 * 1024 * 1024
"""Bytes of answer waiting to be read beyond which a write waits for a read."""


def _read_timeout(session: Session) -> Exception:
    error: Exception = httpcore().ReadTimeout(
        "the fake cluster's stream has nothing to send until the client writes: it waits for "
        + session.waiting_for()
    )
    return error


def _write_timeout() -> Exception:
    error: Exception = httpcore().WriteTimeout(
        f"the fake cluster's stream holds {HIGH_WATER} bytes the client has not read"
    )
    return error


def _closed() -> Exception:
    error: Exception = httpcore().WriteError("the stream is closed")
    return error


class SessionStream:
    """The blocking network stream of an in-process upgraded connection."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._changed = threading.Condition()
        self._out = bytearray(session.start())
        self._closed = False

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        """Up to ``max_bytes`` of the session's answer; b"" once it has ended."""
        end = time.monotonic() + (PATIENCE if timeout is None else timeout)
        with self._changed:
            while not self._out:
                if self._session.done or self._closed:
                    return b""
                left = end - time.monotonic()
                if left <= 0:
                    raise _read_timeout(self._session)
                self._changed.wait(left)
            chunk = bytes(self._out[:max_bytes])
            del self._out[:max_bytes]
            self._changed.notify_all()  # a write waiting for room
            return chunk

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        """Hand the client's bytes to the session; its answer is there to read at once."""
        end = time.monotonic() + (PATIENCE if timeout is None else timeout)
        with self._changed:
            while len(self._out) > HIGH_WATER and not self._session.done and not self._closed:
                left = end - time.monotonic()
                if left <= 0:
                    raise _write_timeout()
                self._changed.wait(left)
            if self._closed:
                raise _closed()
            if buffer:
                self._out += self._session.receive(bytes(buffer))
            self._changed.notify_all()

    def close(self) -> None:
        """The client's end: the session hears that it left."""
        with self._changed:
            if self._closed:
                return
            self._closed = True
            if not self._session.done:
                self._session.receive(None)
            self._out.clear()
            self._changed.notify_all()

    def start_tls(self, *args: Any, **kwargs: Any) -> SessionStream:
        """Not for an upgraded connection."""
        raise NotImplementedError("the fake cluster's streams carry no TLS")

    def get_extra_info(self, info: str) -> Any:
        """``is_readable`` as httpcore's: whether a read would not wait (data, or the end).
        No socket, no address, no TLS object."""
        if info == "is_readable":
            return bool(self._out) or self._session.done or self._closed
        return None


class AsyncSessionStream:
    """The asyncio twin of :class:`SessionStream`."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._changed = asyncio.Event()
        self._out = bytearray(session.start())
        self._closed = False

    async def _wait(self, end: float) -> bool:
        """Wait for a change until ``end``; whether one came."""
        left = end - time.monotonic()
        if left <= 0:
            return False
        self._changed.clear()
        try:
            await asyncio.wait_for(self._changed.wait(), left)
        except asyncio.TimeoutError:
            return False
        return True

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        """Up to ``max_bytes`` of the session's answer; b"" once it has ended."""
        end = time.monotonic() + (PATIENCE if timeout is None else timeout)
        while not self._out:
            if self._session.done or self._closed:
                return b""
            if not await self._wait(end):
                raise _read_timeout(self._session)
        chunk = bytes(self._out[:max_bytes])
        del self._out[:max_bytes]
        self._changed.set()  # a write waiting for room
        return chunk

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        """Hand the client's bytes to the session; its answer is there to read at once."""
        end = time.monotonic() + (PATIENCE if timeout is None else timeout)
        while len(self._out) > HIGH_WATER and not self._session.done and not self._closed:
            if not await self._wait(end):
                raise _write_timeout()
        if self._closed:
            raise _closed()
        if buffer:
            self._out += self._session.receive(bytes(buffer))
        self._changed.set()

    async def aclose(self) -> None:
        """The client's end: the session hears that it left."""
        if self._closed:
            return
        self._closed = True
        if not self._session.done:
            self._session.receive(None)
        self._out.clear()
        self._changed.set()

    async def start_tls(self, *args: Any, **kwargs: Any) -> AsyncSessionStream:
        """Not for an upgraded connection."""
        raise NotImplementedError("the fake cluster's streams carry no TLS")

    def get_extra_info(self, info: str) -> Any:
        """``is_readable`` as httpcore's: whether a read would not wait (data, or the end).
        No socket, no address, no TLS object."""
        if info == "is_readable":
            return bool(self._out) or self._session.done or self._closed
        return None

"""A watch request's events: an iterator that is also a context manager closing the connection.

A watch never hangs silently on a dead connection (httpx sends no HTTP/2 pings, and TCP
keepalive alone takes many minutes): the request always names a ``timeoutSeconds`` (the
server ends the watch then), asks for bookmarks (the server sends one about every minute), and
reads with a timeout of the shorter of that timeout plus :data:`READ_MARGIN` and, with
bookmarks, ``idle_timeout`` (:data:`DEFAULT_IDLE_TIMEOUT`). A silent peer therefore ends the
iteration with :class:`~rawkube.RequestTimeoutError` within about that time; the server ending
the watch at its timeout ends the iteration quietly.

Nor does a peer that keeps sending without ending the watch (blank keep-alive lines, a line
that never ends) hold it longer: a watch naming ``timeoutSeconds`` is limited, from sending to
its end, to that plus :data:`READ_MARGIN`, past which the iteration ends with
:class:`~rawkube.RequestTimeoutError` as for a silent peer (the server was due to end it). The
time the caller spends on the events of each chunk is not counted: a caller that falls behind
still sees the watch end quietly.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from types import TracebackType
from typing import TYPE_CHECKING, Generic, TypeVar

from rawkube.core._watch_decoder import WatchDecoder, WatchEvent

if TYPE_CHECKING:
    from rawkube.client._async_client import AsyncRequest
    from rawkube.client._sync_client import Request

__all__ = [
    "DEFAULT_IDLE_TIMEOUT",
    "DEFAULT_WATCH_TIMEOUT",
    "READ_MARGIN",
    "AsyncWatch",
    "Watch",
    "read_timeout",
]

T = TypeVar("T")

DEFAULT_WATCH_TIMEOUT = 300
"""``timeoutSeconds`` sent when the caller gives none: the server ends the watch after it."""

DEFAULT_IDLE_TIMEOUT = 90.0
"""With bookmarks on (about one a minute), this much silence means the connection is dead."""

READ_MARGIN = 10.0
"""Seconds past ``timeoutSeconds`` the client waits for the server to end the watch.

Read when the watch is made: it sets the watch's overall limit (see the module docstring).
"""


def read_timeout(timeout_seconds: int, bookmarks: bool, idle_timeout: float) -> float:
    """The longest wait for the next bytes of a watch (see the module docstring)."""
    limit = timeout_seconds + READ_MARGIN
    return min(limit, idle_timeout) if bookmarks else limit


class Watch(Generic[T]):
    """The events of one watch request, sent when iteration (or ``with``) starts.

    Iterating yields :class:`~rawkube.WatchEvent` objects, bookmarks included; leaving the
    ``with`` block, or :meth:`close`, closes the connection. ``resource_version`` is the last
    one seen, to resume from. Raises, while iterating, the server's
    :class:`~rawkube.ApiError` (an ERROR event: 410 is :class:`~rawkube.GoneError`),
    :class:`~rawkube.TransportError` when the connection breaks or stays silent, and
    :class:`~rawkube.DecodeError` for a line that is not an event.
    """

    def __init__(self, request: Request, decoder: WatchDecoder[T]) -> None:
        request._limit_watch(READ_MARGIN)
        self._request = request
        self._decoder = decoder
        self._events: Iterator[WatchEvent[T]] | None = None
        self._chunks: Iterator[bytes] | None = None
        self._interrupted = False

    @property
    def resource_version(self) -> str | None:
        """The last resourceVersion the stream carried (an object's or a bookmark's)."""
        return self._decoder.resource_version

    @property
    def initial_events_done(self) -> bool:
        """Whether the bookmark ending the initial events (``send_initial_events``) came."""
        return self._decoder.initial_events_done

    def __iter__(self) -> Iterator[WatchEvent[T]]:
        return self

    def __next__(self) -> WatchEvent[T]:
        if self._events is None:
            self._events = self._run()
        return next(self._events)

    def _run(self) -> Iterator[WatchEvent[T]]:
        decoder = self._decoder
        if self._interrupted:
            return
        with self._request.stream() as chunks:
            self._chunks = chunks
            if self._interrupted:  # interrupt() came while the request was on its way
                return
            for chunk in chunks:
                for line in decoder.split(chunk):
                    event = decoder.decode(line)
                    if event is not None:
                        yield event
        yield from decoder.close()

    def close(self) -> None:
        """Close the connection; iteration then ends."""
        if self._events is None:
            self._events = iter(())
        elif hasattr(self._events, "close"):
            self._events.close()

    def interrupt(self) -> None:
        """From another thread: end the iteration now, even while it waits for the server.

        The iterating thread's ``next()`` then raises :class:`~rawkube.TransportError` (or
        the iteration ends); :meth:`close` from that thread still closes the connection.
        """
        self._interrupted = True
        interrupt = getattr(self._chunks, "interrupt", None)
        if interrupt is not None:
            interrupt()

    def __enter__(self) -> Watch[T]:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class AsyncWatch(Generic[T]):
    """The asyncio twin of :class:`Watch`: ``async for`` and ``async with``."""

    def __init__(self, request: AsyncRequest, decoder: WatchDecoder[T]) -> None:
        request._limit_watch(READ_MARGIN)
        self._request = request
        self._decoder = decoder
        self._events: AsyncIterator[WatchEvent[T]] | None = None

    @property
    def resource_version(self) -> str | None:
        """As :attr:`Watch.resource_version`."""
        return self._decoder.resource_version

    @property
    def initial_events_done(self) -> bool:
        """As :attr:`Watch.initial_events_done`."""
        return self._decoder.initial_events_done

    def __aiter__(self) -> AsyncIterator[WatchEvent[T]]:
        return self

    async def __anext__(self) -> WatchEvent[T]:
        if self._events is None:
            self._events = self._run()
        return await self._events.__anext__()

    async def _run(self) -> AsyncIterator[WatchEvent[T]]:
        decoder = self._decoder
        async with self._request.stream() as chunks:
            async for chunk in chunks:
                for line in decoder.split(chunk):
                    event = decoder.decode(line)
                    if event is not None:
                        yield event
        for event in decoder.close():
            yield event

    async def aclose(self) -> None:
        """Close the connection; iteration then ends."""
        if self._events is None:
            self._events = _no_events()
        elif hasattr(self._events, "aclose"):
            await self._events.aclose()

    async def __aenter__(self) -> AsyncWatch[T]:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()


async def _no_events() -> AsyncIterator[WatchEvent[T]]:
    return
    yield  # an async generator that ends at once

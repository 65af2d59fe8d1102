"""httpx transports that hand requests to the fake cluster in process: no sockets, no threads.

A WebSocket upgrade (exec, attach, port-forward) is answered ``101`` with an in-memory network
stream in ``response.extensions["network_stream"]``, as httpcore hands back a socket's.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING

from rawkube._http import httpx
from rawkube.testing._http import FakeRequest, FakeResponse
from rawkube.testing._store import Store
from rawkube.testing._watchstream import WatchSession, async_lines, sync_lines

if TYPE_CHECKING:
    from rawkube.testing._cluster import FakeCluster

__all__ = ["FakeAsyncTransport", "FakeTransport"]


def _request(request: httpx.Request, body: bytes) -> FakeRequest:
    headers = {
        key.decode("latin-1").lower(): value.decode("latin-1") for key, value in request.headers.raw
    }
    return FakeRequest(
        request.method,
        request.url.path,
        request.url.query.decode("ascii"),
        headers,
        body,
    )


def _headers(response: FakeResponse) -> list[tuple[str, str]]:
    return [(k, v) for k, v in response.header_lines() if k.lower() != "transfer-encoding"]


class _WatchBytes(httpx.SyncByteStream):
    """A watch's body; closing it from any thread ends the stream, as a closed socket would."""

    def __init__(self, session: WatchSession, store: Store) -> None:
        self._closed = threading.Event()
        self._store = store
        self._lines = sync_lines(session, store, self._closed.is_set)

    def __iter__(self) -> Iterator[bytes]:
        return self._lines

    def close(self) -> None:
        self._closed.set()
        self._store.notify()  # wake the stream if it waits for a write
        with contextlib.suppress(ValueError):  # running in another thread: it ends by itself
            self._lines.close()


class _AsyncWatchBytes(httpx.AsyncByteStream):
    def __init__(self, lines: AsyncIterator[bytes]) -> None:
        self._lines = lines

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self._lines

    async def aclose(self) -> None:
        close = getattr(self._lines, "aclose", None)
        if close is not None:
            await close()


class FakeTransport(httpx.BaseTransport):
    """Answers a sync httpx client from a :class:`~rawkube.testing.FakeCluster`."""

    def __init__(self, cluster: FakeCluster) -> None:
        self._cluster = cluster

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        answer = self._cluster.router.handle(_request(request, request.read()))
        if answer.session is not None:
            from rawkube.testing._netstream import SessionStream

            upgraded = SessionStream(answer.session)
            return httpx.Response(
                101, headers=answer.headers, extensions={"network_stream": upgraded}
            )
        if answer.watch is not None:
            stream = _WatchBytes(answer.watch, self._cluster.store)
            return httpx.Response(answer.status, headers=_headers(answer), stream=stream)
        return httpx.Response(answer.status, headers=_headers(answer), content=answer.body)


class FakeAsyncTransport(httpx.AsyncBaseTransport):
    """Answers an async httpx client from a :class:`~rawkube.testing.FakeCluster`."""

    def __init__(self, cluster: FakeCluster) -> None:
        self._cluster = cluster

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        answer = self._cluster.router.handle(_request(request, body))
        if answer.session is not None:
            from rawkube.testing._netstream import AsyncSessionStream

            upgraded = AsyncSessionStream(answer.session)
            return httpx.Response(
                101, headers=answer.headers, extensions={"network_stream": upgraded}
            )
        if answer.watch is not None:
            stream = _AsyncWatchBytes(async_lines(answer.watch, self._cluster.store))
            return httpx.Response(answer.status, headers=_headers(answer), stream=stream)
        return httpx.Response(answer.status, headers=_headers(answer), content=answer.body)

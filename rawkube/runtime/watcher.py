"""Watches that survive real life: resume from the last resourceVersion, stop when they must.

Theory of operation
-------------------
A single watch ends for many reasons: the server's ``timeoutSeconds``, a proxy cutting an idle
connection, a dead peer (noticed by the read limit, see :mod:`rawkube._watches`), an API
server restarting (5xx, 429). :class:`RetryWatcher` follows client-go's RetryWatcher: it opens
a watch from a resourceVersion, yields its events, and when the watch ends or fails it opens
another from the last resourceVersion it saw, so no event is skipped or delivered twice.

* The starting resourceVersion must be a real one: ``""`` and ``"0"`` mean "any", from which
  resuming cannot promise anything (``ValueError``; list first, then watch from the list's).
* BOOKMARK events move the resourceVersion on and are not yielded.
* Before each resume it waits at least :data:`MIN_RETRY_DELAY` (1 s), or the server's
  ``Retry-After``, on the client's clock.
* It stops, raising, on 410 Gone (the resourceVersion is too old: the caller must list again),
  on 401 and 403 (retrying cannot help), and on other 4xx answers (the request itself is wrong).
  Connection failures, timeouts, 429, 5xx and undecodable lines are resumed from.

:class:`ResumeState` holds those decisions without I/O; :class:`RetryWatcher` and
:class:`AsyncRetryWatcher` only open watches and wait.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from rawkube._exceptions import (
    ApiError,
    DecodeError,
    ForbiddenError,
    GoneError,
    TooManyRequestsError,
    TransportError,
    UnauthorizedError,
)
from rawkube._watch import WatchEvent

if TYPE_CHECKING:
    from rawkube._api import _AsyncVerbs, _Verbs
    from rawkube._clock import Clock
    from rawkube._watches import AsyncWatch, Watch

__all__ = ["MIN_RETRY_DELAY", "AsyncRetryWatcher", "ResumeState", "RetryWatcher"]

T = TypeVar("T")

MIN_RETRY_DELAY = 1.0


class ResumeState:
    """Where a retrying watch stands and what it does next; no I/O."""

    def __init__(self, resource_version: str) -> None:
        if not isinstance(resource_version, str) or resource_version in ("", "0"):
            raise ValueError(
                f"a retrying watch needs a real starting resourceVersion, not "
                f"{resource_version!r}: list first and watch from the list's"
            )
        self.resource_version = resource_version

    def deliver(self, event: WatchEvent[Any]) -> bool:
        """Note the event's resourceVersion; whether to hand the event on (not a bookmark)."""
        version = _resource_version(event.object)
        if version:
            self.resource_version = version
        return event.type != "BOOKMARK"

    def delay_after(self, error: Exception | None) -> float:
        """Seconds to wait before resuming after ``error`` (None: the watch ended).

        Raises ``error`` itself when the watch must stop instead.
        """
        if error is None:
            return MIN_RETRY_DELAY
        if isinstance(error, (GoneError, UnauthorizedError, ForbiddenError)):
            raise error
        if isinstance(error, ApiError):
            if error.code < 500 and not isinstance(error, TooManyRequestsError):
                raise error
            return max(MIN_RETRY_DELAY, float(error.retry_after or 0))
        if isinstance(error, (TransportError, DecodeError)):
            return MIN_RETRY_DELAY
        raise error


def _resource_version(obj: Any) -> str | None:
    if isinstance(obj, Mapping):
        metadata = obj.get("metadata")
        version = metadata.get("resourceVersion") if isinstance(metadata, Mapping) else None
    else:
        metadata = getattr(obj, "metadata", None)
        version = getattr(metadata, "resource_version", None)
    return version if isinstance(version, str) and version else None


class RetryWatcher(Generic[T]):
    """A watch of ``api`` that resumes by itself; see the module docstring.

    ``RetryWatcher(client.core_v1.pods("web"), resource_version=listed.metadata.resource_version,
    label_selector=...)``: the options are :meth:`~rawkube.Api.watch`'s. Iterate it for
    events (no bookmarks); ``with`` or :meth:`close` stops it. Raises, while iterating,
    :class:`~rawkube.GoneError` (list again), :class:`~rawkube.UnauthorizedError`,
    :class:`~rawkube.ForbiddenError` or another 4xx :class:`~rawkube.ApiError`.
    """

    def __init__(self, api: _Verbs[T, Any], *, resource_version: str, **options: Any) -> None:
        self._state = ResumeState(resource_version)
        self._open: Callable[[str], Watch[T]] = lambda version: api.watch(
            resource_version=version, **options
        )
        self._clock: Clock = api._client.config.clock
        self._events: Iterator[WatchEvent[T]] | None = None
        self._watch: Watch[T] | None = None
        self._closed = False

    @property
    def resource_version(self) -> str:
        """The last resourceVersion seen: where the next watch starts."""
        return self._state.resource_version

    def __iter__(self) -> Iterator[WatchEvent[T]]:
        return self

    def __next__(self) -> WatchEvent[T]:
        if self._events is None:
            self._events = self._run()
        return next(self._events)

    def _run(self) -> Iterator[WatchEvent[T]]:
        while not self._closed:
            error: Exception | None = None
            self._watch = self._open(self._state.resource_version)
            try:
                with self._watch:
                    for event in self._watch:
                        if self._state.deliver(event):
                            yield event
            except (ApiError, TransportError, DecodeError) as exc:
                error = exc
            if self._closed:
                return
            self._clock.sleep(self._state.delay_after(error))

    def close(self) -> None:
        """Stop: close the current watch; iteration then ends."""
        self._closed = True
        if self._watch is not None:
            self._watch.close()
        if self._events is not None and hasattr(self._events, "close"):
            self._events.close()

    def __enter__(self) -> RetryWatcher[T]:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class AsyncRetryWatcher(Generic[T]):
    """The asyncio twin of :class:`RetryWatcher`: ``async for`` and ``async with``."""

    def __init__(self, api: _AsyncVerbs[T, Any], *, resource_version: str, **options: Any) -> None:
        self._state = ResumeState(resource_version)
        self._open: Callable[[str], AsyncWatch[T]] = lambda version: api.watch(
            resource_version=version, **options
        )
        self._clock: Clock = api._client.config.clock
        self._events: AsyncIterator[WatchEvent[T]] | None = None
        self._watch: AsyncWatch[T] | None = None
        self._closed = False

    @property
    def resource_version(self) -> str:
        """As :attr:`RetryWatcher.resource_version`."""
        return self._state.resource_version

    def __aiter__(self) -> AsyncIterator[WatchEvent[T]]:
        return self

    async def __anext__(self) -> WatchEvent[T]:
        if self._events is None:
            self._events = self._run()
        return await self._events.__anext__()

    async def _run(self) -> AsyncIterator[WatchEvent[T]]:
        while not self._closed:
            error: Exception | None = None
            self._watch = self._open(self._state.resource_version)
            try:
                async with self._watch:
                    async for event in self._watch:
                        if self._state.deliver(event):
                            yield event
            except (ApiError, TransportError, DecodeError) as exc:
                error = exc
            if self._closed:
                return
            await self._clock.asleep(self._state.delay_after(error))

    async def aclose(self) -> None:
        """Stop: close the current watch; iteration then ends."""
        self._closed = True
        if self._watch is not None:
            await self._watch.aclose()
        if self._events is not None and hasattr(self._events, "aclose"):
            await self._events.aclose()

    async def __aenter__(self) -> AsyncRetryWatcher[T]:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

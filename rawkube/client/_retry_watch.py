"""Watches that survive real life: resume from the last resourceVersion, stop when they must.

Theory of operation
-------------------
A single watch ends for many reasons: the server's ``timeoutSeconds``, a proxy cutting an idle
connection, a dead peer (noticed by the read limit, see :mod:`rawkube.client._watch_stream`), an API
server restarting (5xx, 429). :class:`RetryWatcher` follows client-go's RetryWatcher: it opens
a watch from a resourceVersion, yields its events, and when the watch ends or fails it opens
another from the last resourceVersion it saw, so no event is skipped or delivered twice.

* The starting resourceVersion must be a real one: ``""`` and ``"0"`` mean "any", from which
  resuming cannot promise anything (``ValueError``; list first, then watch from the list's).
* BOOKMARK events move the resourceVersion on and are not yielded.
* Before each resume it waits at least :data:`MIN_RETRY_DELAY` (1 s), or the server's
  ``Retry-After``, on the client's clock.
* It stops, raising, on 410 Gone (the resourceVersion is too old: the caller must list again),
  on 401 and 403 (retrying cannot help), on other 4xx answers (the request itself is wrong),
  and on an event it cannot decode twice from the same resourceVersion
  (:class:`~rawkube.DecodeError`, naming the event): resuming again would meet the same event
  again, for ever. The first such failure is resumed from (a proxy may have garbled one
  stream); both are logged at WARNING. client-go's informers list again after a failed watch,
  with backoff; rawkube's do the same. Connection failures (a stream cut inside an event among
  them), timeouts, 429 and 5xx are resumed from.

:class:`ResumeState` holds those decisions without I/O; :class:`RetryWatcher` and
:class:`AsyncRetryWatcher` only open watches and wait.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from rawkube.core._api_errors import (
    ApiError,
    ForbiddenError,
    GoneError,
    TooManyRequestsError,
    UnauthorizedError,
)
from rawkube.core._exceptions import DecodeError, TransportError
from rawkube.core._pager import page_of
from rawkube.core._watch_decoder import WatchEvent

if TYPE_CHECKING:
    from rawkube.client._async_verbs import _AsyncVerbs
    from rawkube.client._sync_verbs import _Verbs
    from rawkube.client._watch_stream import AsyncWatch, Watch
    from rawkube.core._clock import Clock

__all__ = [
    "MIN_RETRY_DELAY",
    "AsyncListThenWatch",
    "AsyncRetryWatcher",
    "KnownObjects",
    "ListThenWatch",
    "Listed",
    "ResumeState",
    "RetryWatcher",
    "list_then_watch",
]

T = TypeVar("T")

logger = logging.getLogger("rawkube.watch")

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
        self._undecodable_at: str | None = None  # where the last DecodeError was met

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
        if isinstance(error, DecodeError):
            # Met twice from one resourceVersion, it is the server's event, not a garbled
            # stream: resuming again would meet it again, for ever.
            if self._undecodable_at == self.resource_version:
                logger.warning(
                    "watch stopped at resourceVersion %s: %s", self.resource_version, error
                )
                raise error
            self._undecodable_at = self.resource_version
            return MIN_RETRY_DELAY
        if isinstance(error, ApiError):
            if error.code < 500 and not isinstance(error, TooManyRequestsError):
                raise error
            return max(MIN_RETRY_DELAY, float(error.retry_after or 0))
        if isinstance(error, TransportError):
            return MIN_RETRY_DELAY
        raise error


def _log_resume(version: str, delay: float, error: Exception | None) -> None:
    # A watch that keeps failing should show in the logs, not only as a quiet retry loop; an
    # event that does not decode is worth a warning (it stops the watch if it comes again).
    why = "the watch ended" if error is None else f"{type(error).__name__}: {error}"
    level = logging.WARNING if isinstance(error, DecodeError) else logging.INFO
    logger.log(level, "watch resuming from resourceVersion %s in %.0f s (%s)", version, delay, why)


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
    events (no bookmarks); ``with`` or :meth:`close` stops it, and :meth:`interrupt` stops it
    from another thread. ``metadata_only=True`` watches with :meth:`~rawkube.Api.watch_metadata`.
    Raises, while iterating, :class:`~rawkube.GoneError` (list again),
    :class:`~rawkube.UnauthorizedError`, :class:`~rawkube.ForbiddenError`, another 4xx
    :class:`~rawkube.ApiError`, or :class:`~rawkube.DecodeError` naming an event it cannot
    decode.
    """

    def __init__(
        self,
        api: _Verbs[T, Any],
        *,
        resource_version: str,
        metadata_only: bool = False,
        **options: Any,
    ) -> None:
        self._state = ResumeState(resource_version)
        watch = api.watch_metadata if metadata_only else api.watch
        self._open: Callable[[str], Watch[Any]] = lambda version: watch(
            resource_version=version, **options
        )
        self._clock: Clock = api.config.clock
        self._events: Iterator[WatchEvent[T]] | None = None
        self._watch: Watch[Any] | None = None
        self._closed = False
        self._stopped = threading.Event()

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
            if self._closed:  # interrupt() came before this watch existed to be interrupted
                return
            try:
                with self._watch:
                    for event in self._watch:
                        if self._state.deliver(event):
                            yield event
            except (ApiError, TransportError, DecodeError) as exc:
                error = exc
            if self._closed:
                return
            delay = self._state.delay_after(error)
            _log_resume(self._state.resource_version, delay, error)
            if self._clock.wait(self._stopped, delay):
                return

    def close(self) -> None:
        """Stop: close the current watch; iteration then ends."""
        self._closed = True
        if self._watch is not None:
            self._watch.close()
        if self._events is not None and hasattr(self._events, "close"):
            self._events.close()

    def interrupt(self) -> None:
        """From another thread: end the iteration now, even while it waits or backs off."""
        self._closed = True
        self._stopped.set()
        if self._watch is not None:
            self._watch.interrupt()

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

    def __init__(
        self,
        api: _AsyncVerbs[T, Any],
        *,
        resource_version: str,
        metadata_only: bool = False,
        **options: Any,
    ) -> None:
        self._state = ResumeState(resource_version)
        watch = api.watch_metadata if metadata_only else api.watch
        self._open: Callable[[str], AsyncWatch[Any]] = lambda version: watch(
            resource_version=version, **options
        )
        self._clock: Clock = api.config.clock
        self._events: AsyncIterator[WatchEvent[T]] | None = None
        self._watch: AsyncWatch[Any] | None = None
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
            delay = self._state.delay_after(error)
            _log_resume(self._state.resource_version, delay, error)
            await self._clock.asleep(delay)

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


def _key(obj: Any) -> tuple[str, str]:
    if isinstance(obj, Mapping):
        metadata = obj.get("metadata") or {}
        return metadata.get("namespace") or "", metadata.get("name") or ""
    metadata = getattr(obj, "metadata", None)
    return getattr(metadata, "namespace", None) or "", getattr(metadata, "name", None) or ""


@dataclass(frozen=True)
class Listed:
    """A complete (re)list: every object there is, and the resourceVersion it was read at."""

    items: list[Any]
    resource_version: str


class KnownObjects:
    """What a list-then-watch has reported so far, and the events a fresh list makes of it."""

    def __init__(self) -> None:
        self.objects: dict[tuple[str, str], Any] = {}

    def relisted(self, items: list[Any]) -> list[WatchEvent[Any]]:
        """ADDED, MODIFIED and DELETED events that bring the known objects to ``items``."""
        fresh = {_key(item): item for item in items}
        events: list[WatchEvent[Any]] = []
        for key, item in fresh.items():
            old = self.objects.get(key)
            if old is None:
                events.append(WatchEvent("ADDED", item))
            elif _resource_version(old) != _resource_version(item):
                events.append(WatchEvent("MODIFIED", item))
        events += [
            WatchEvent("DELETED", old) for key, old in self.objects.items() if key not in fresh
        ]
        self.objects = fresh
        return events

    def seen(self, event: WatchEvent[Any]) -> None:
        """Keep the known objects up to date with a watch event."""
        if event.type == "DELETED":
            self.objects.pop(_key(event.object), None)
        elif event.type != "BOOKMARK":
            self.objects[_key(event.object)] = event.object


class ListThenWatch(Generic[T]):
    """Every object, then every change, however long it runs.

    Lists (``page_size`` at a time, as one consistent list: see :meth:`~rawkube.Api.list`) and
    reports each object as ADDED, then watches from the list's resourceVersion with a
    :class:`RetryWatcher`. When the watch's resourceVersion has
    become too old (410), it lists again and reports what changed meanwhile (ADDED, MODIFIED,
    DELETED, the last as the object it knew) before watching on. ``options`` are
    :meth:`~rawkube.Api.watch`'s; selectors apply to the lists and the watches alike. Raises
    what :class:`RetryWatcher` raises, but for 410 (a :class:`~rawkube.DecodeError` too: an
    informer reports it and lists again after a backoff).
    """

    def __init__(
        self,
        api: _Verbs[T, Any],
        *,
        label_selector: Any = None,
        field_selector: Any = None,
        page_size: int = 500,
        metadata_only: bool = False,
        **options: Any,
    ) -> None:
        self._api = api
        self._selectors = {"label_selector": label_selector, "field_selector": field_selector}
        self._page_size = page_size
        self._metadata_only = metadata_only
        self._options = options
        self.known = KnownObjects()
        self._watcher: RetryWatcher[T] | None = None
        self._closed = False
        self._events: Iterator[WatchEvent[T]] | None = None

    def __iter__(self) -> Iterator[WatchEvent[T]]:
        return self

    def __next__(self) -> WatchEvent[T]:
        if self._events is None:
            self._events = self._run()
        return next(self._events)

    def _list(self) -> tuple[list[Any], str]:
        list_ = self._api.list_metadata if self._metadata_only else self._api.list
        page = page_of(list_(page_size=self._page_size, **self._selectors))
        return page.items, page.resource_version or ""

    def changes(self) -> Iterator[Listed | WatchEvent[T]]:
        """The state machine itself: each (re)list whole, as :class:`Listed`, then the events.

        For a consumer that applies a list at once (an informer's cache swaps its content in
        one step) rather than as the ADDED/MODIFIED/DELETED events iteration makes of it.
        """
        while not self._closed:
            items, version = self._list()
            yield Listed(items, version)
            self._watcher = RetryWatcher(
                self._api,
                resource_version=version,
                metadata_only=self._metadata_only,
                **self._selectors,
                **self._options,
            )
            if self._closed:  # interrupt() came while listing, before the watcher existed
                return
            try:
                yield from self._watcher
            except GoneError:
                continue  # too old to resume: list again

    def _run(self) -> Iterator[WatchEvent[T]]:
        for change in self.changes():
            if isinstance(change, Listed):
                yield from self.known.relisted(change.items)
            else:
                self.known.seen(change)
                yield change

    def close(self) -> None:
        """Stop: close the current watch; iteration then ends."""
        self._closed = True
        if self._watcher is not None:
            self._watcher.close()
        if self._events is not None and hasattr(self._events, "close"):
            self._events.close()

    def interrupt(self) -> None:
        """From another thread: end the iteration now (a list under way still completes)."""
        self._closed = True
        if self._watcher is not None:
            self._watcher.interrupt()

    def __enter__(self) -> ListThenWatch[T]:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class AsyncListThenWatch(Generic[T]):
    """The asyncio twin of :class:`ListThenWatch`: ``async for`` and ``async with``."""

    def __init__(
        self,
        api: _AsyncVerbs[T, Any],
        *,
        label_selector: Any = None,
        field_selector: Any = None,
        page_size: int = 500,
        metadata_only: bool = False,
        **options: Any,
    ) -> None:
        self._api = api
        self._selectors = {"label_selector": label_selector, "field_selector": field_selector}
        self._page_size = page_size
        self._metadata_only = metadata_only
        self._options = options
        self.known = KnownObjects()
        self._watcher: AsyncRetryWatcher[T] | None = None
        self._closed = False
        self._events: AsyncIterator[WatchEvent[T]] | None = None

    def __aiter__(self) -> AsyncIterator[WatchEvent[T]]:
        return self

    async def __anext__(self) -> WatchEvent[T]:
        if self._events is None:
            self._events = self._run()
        return await self._events.__anext__()

    async def _list(self) -> tuple[list[Any], str]:
        list_ = self._api.list_metadata if self._metadata_only else self._api.list
        page = page_of(await list_(page_size=self._page_size, **self._selectors))
        return page.items, page.resource_version or ""

    async def changes(self) -> AsyncIterator[Listed | WatchEvent[T]]:
        """As :meth:`ListThenWatch.changes`."""
        while not self._closed:
            items, version = await self._list()
            yield Listed(items, version)
            self._watcher = AsyncRetryWatcher(
                self._api,
                resource_version=version,
                metadata_only=self._metadata_only,
                **self._selectors,
                **self._options,
            )
            try:
                async for event in self._watcher:
                    yield event
            except GoneError:
                continue  # too old to resume: list again

    async def _run(self) -> AsyncIterator[WatchEvent[T]]:
        async for change in self.changes():
            if isinstance(change, Listed):
                for event in self.known.relisted(change.items):
                    yield event
            else:
                self.known.seen(change)
                yield change

    async def aclose(self) -> None:
        """Stop: close the current watch; iteration then ends."""
        self._closed = True
        if self._watcher is not None:
            await self._watcher.aclose()
        if self._events is not None and hasattr(self._events, "aclose"):
            await self._events.aclose()

    async def __aenter__(self) -> AsyncListThenWatch[T]:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()


def list_then_watch(api: _Verbs[T, Any], **options: Any) -> ListThenWatch[T]:
    """Every object of ``api``, then every change: a :class:`ListThenWatch`."""
    return ListThenWatch(api, **options)

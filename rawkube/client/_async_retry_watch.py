"""Watches that resume by themselves, and list-then-watch, on asyncio: the drivers.

What they decide (when to resume, when to stop, what a relist changed) is
:mod:`rawkube.client._retry_watch`'s; these only open watches, list and wait. The blocking
twins in ``_sync_retry_watch.py`` are generated from this file by ``scripts/unasync.py``; the
``if False:  # BLOCKING`` branches are theirs alone (threads can stop them from outside).
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Callable
from types import TracebackType
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from rawkube.client._retry_watch import (
    KnownObjects,
    Listed,
    ResumeState,
    log_resume,
    within_deadline,
)
from rawkube.core._api_errors import ApiError, GoneError
from rawkube.core._exceptions import DecodeError, TransportError
from rawkube.core._pager import page_of
from rawkube.core._watch_decoder import WatchEvent

if TYPE_CHECKING:
    from rawkube.client._async_verbs import _AsyncVerbs
    from rawkube.client._watch_stream import AsyncWatch
    from rawkube.core._clock import Clock, Deadline

__all__ = ["AsyncListThenWatch", "AsyncRetryWatcher"]

T = TypeVar("T")


class AsyncRetryWatcher(Generic[T]):
    """A watch of ``api`` that resumes by itself; see :mod:`rawkube.client._retry_watch`.

    ``AsyncRetryWatcher(client.core_v1.pods("web"),
    resource_version=listed.metadata.resource_version, label_selector=...)``: the options are
    :meth:`~rawkube.Api.watch`'s. Iterate it (``async for``) for events (no bookmarks);
    ``async with`` or :meth:`aclose` stops it (and, on threads,
    ``interrupt()`` stops it from another thread). ``metadata_only=True`` watches with
    :meth:`~rawkube.Api.watch_metadata`. With a ``deadline``, each watch is opened to end by
    then (:func:`~rawkube.client._retry_watch.within_deadline`), no backoff outlasts it, and
    the iteration ends once it has passed. Raises, while iterating, :class:`~rawkube.GoneError`
    (list again), :class:`~rawkube.UnauthorizedError`, :class:`~rawkube.ForbiddenError`,
    another 4xx :class:`~rawkube.ApiError`, or :class:`~rawkube.DecodeError` naming an event
    it cannot decode.
    """

    def __init__(
        self,
        api: _AsyncVerbs[T, Any, Any, Any],
        *,
        resource_version: str,
        metadata_only: bool = False,
        deadline: Deadline | None = None,
        **options: Any,
    ) -> None:
        self._state = ResumeState(resource_version)
        self._deadline = deadline
        watch = api.watch_metadata if metadata_only else api.watch
        self._open: Callable[[str], AsyncWatch[Any]] = lambda version: watch(
            resource_version=version,
            **(options if deadline is None else within_deadline(deadline.left(), options)),
        )
        self._clock: Clock = api.config.clock
        self._events: AsyncIterator[WatchEvent[T]] | None = None
        self._watch: AsyncWatch[Any] | None = None
        self._closed = False
        if False:  # BLOCKING
            self._stopped = threading.Event()  # set by interrupt(): ends a backoff at once

    @property
    def resource_version(self) -> str:
        """The last resourceVersion seen: where the next watch starts."""
        return self._state.resource_version

    def __aiter__(self) -> AsyncIterator[WatchEvent[T]]:
        return self

    async def __anext__(self) -> WatchEvent[T]:
        if self._events is None:
            self._events = self._run()
        return await anext(self._events)

    async def _run(self) -> AsyncIterator[WatchEvent[T]]:
        while not self._closed:
            if self._deadline is not None and self._deadline.left() <= 0:
                return
            error: Exception | None = None
            self._watch = self._open(self._state.resource_version)
            if self._closed:  # stopped before this watch existed to be stopped
                return
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
            if self._deadline is not None:
                delay = max(min(delay, self._deadline.left()), 0.0)
            log_resume(self._state.resource_version, delay, error)
            if True:  # ASYNC
                await self._clock.asleep(delay)
            else:
                if self._clock.wait(self._stopped, delay):
                    return

    async def aclose(self) -> None:
        """Stop: close the current watch; iteration then ends."""
        self._closed = True
        if self._watch is not None:
            await self._watch.aclose()
        if self._events is not None and hasattr(self._events, "aclose"):
            await self._events.aclose()

    if False:  # BLOCKING

        def interrupt(self) -> None:
            """From another thread: end the iteration now, even while it waits or backs off."""
            self._closed = True
            self._stopped.set()
            if self._watch is not None:
                self._watch.interrupt()

    async def __aenter__(self) -> AsyncRetryWatcher[T]:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()


class AsyncListThenWatch(Generic[T]):
    """Every object, then every change, however long it runs.

    Lists (``page_size`` at a time, as one consistent list: see :meth:`~rawkube.Api.list`) and
    reports each object as ADDED, then watches from the list's resourceVersion with a
    :class:`AsyncRetryWatcher`. When the watch's resourceVersion has become too old (410), it
    lists again and reports what changed meanwhile (ADDED, MODIFIED, DELETED, the last as the
    object it knew) before watching on. ``options`` are :meth:`~rawkube.Api.watch`'s;
    selectors apply to the lists and the watches alike. Raises what :class:`AsyncRetryWatcher`
    raises, but for 410 (a :class:`~rawkube.DecodeError` too: an informer reports it and lists
    again after a backoff).
    """

    def __init__(
        self,
        api: _AsyncVerbs[T, Any, Any, Any],
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
        return await anext(self._events)

    async def _list(self) -> tuple[list[Any], str]:
        list_ = self._api.list_metadata if self._metadata_only else self._api.list
        page = page_of(await list_(page_size=self._page_size, **self._selectors))
        return page.items, page.resource_version or ""

    async def changes(self) -> AsyncIterator[Listed | WatchEvent[T]]:
        """The state machine itself: each (re)list whole, as :class:`Listed`, then the events.

        For a consumer that applies a list at once (an informer's cache swaps its content in
        one step) rather than as the ADDED/MODIFIED/DELETED events iteration makes of it.
        """
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
            if self._closed:  # stopped while listing, before the watcher existed
                return
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

    if False:  # BLOCKING

        def interrupt(self) -> None:
            """From another thread: end the iteration now (a list under way still completes)."""
            self._closed = True
            if self._watcher is not None:
                self._watcher.interrupt()

    async def __aenter__(self) -> AsyncListThenWatch[T]:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()


if False:  # BLOCKING

    def list_then_watch(
        api: _AsyncVerbs[T, Any, Any, Any], **options: Any
    ) -> AsyncListThenWatch[T]:
        """Every object of ``api``, then every change: a :class:`AsyncListThenWatch`."""
        return AsyncListThenWatch(api, **options)

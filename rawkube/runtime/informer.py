"""Informers: a resource's objects cached in memory and kept current, with change handlers.

Theory of operation
-------------------
The reflector is :class:`~rawkube.client._sync_retry_watch.ListThenWatch`'s state machine (list in
pages, watch from the list's resourceVersion with bookmarks, resume after drops, relist on
410), consumed through ``changes()``. Each (re)list replaces the cache in one step; each
watch event updates it. :class:`InformerCore` (no I/O, no threads) turns both into handler
notifications; :class:`SharedInformer` (threads) and :class:`AsyncSharedInformer` (asyncio
tasks) only run the reflector and deliver the notifications.

Guarantees
----------
* The cache converges to the server's state: after a watch drop it resumes from the last
  resourceVersion; after a 410 it lists again and the cache is swapped whole.
* Any other failure of a list or a watch (an error answer, a lost connection, an event that
  cannot be decoded) ends that list-and-watch, as in client-go: it is logged at WARNING on
  logger ``rawkube.runtime.informer`` with the delay before the relist, handed to the watch
  error handler (see below), and after that delay the informer lists again and swaps the
  cache whole.
* The delays are client-go's reflector backoff (:class:`ReflectorBackoff`): 0.8 s, doubled at
  each failure up to 30 s, each plus up to as much again at random (so 0.8-1.6 s at first,
  30-60 s at the cap); only two minutes without a failure bring it back to 0.8 s. A good list
  resets nothing, so a watch that fails after every list (list-only RBAC, an undecodable
  event) costs a handful of lists a minute at first and one or two a minute after that,
  not one a second. All of it is on the client's clock.
* ``watch_error_handler(exc)`` (or :meth:`~SharedInformer.set_watch_error_handler` before the
  start), like client-go's ``SetWatchErrorHandler``, is called with each such exception on the
  reflector's thread (task), before the wait; one that raises is logged and ignored.
* Handlers are called once per change: ``on_add(obj)``, ``on_update(old, new)``,
  ``on_delete(obj)``. A relist reports only what differs from the cache (by resourceVersion);
  an object gone meanwhile is reported to ``on_delete`` as a
  :class:`~rawkube.runtime.cache.DeletedFinalStateUnknown` carrying its last known state.
* Each handler has its own queue and thread (task): a slow handler stalls neither the watch nor
  the other handlers; a handler added after the start first gets ``on_add`` for every cached
  object; a handler that raises is logged (logger ``rawkube.runtime.informer``) and keeps
  receiving.
* With ``resync_period`` set, every cached object is sent to that handler's ``on_update(obj,
  obj)`` each period (on the client's clock), as client-go's resync does, whether the handler
  was added before the start or after it.
* ``has_synced()`` is true once the first list is in the cache; ``stop()`` ends the reflector
  and every handler thread (task) before it returns: nothing keeps running.
* Every thread is a daemon thread: a program that fails without calling ``stop()`` still exits.
* Each watch asks for a timeout drawn between 5 and 10 minutes, as client-go's reflector does,
  so many informers do not reconnect in step.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import queue
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from rawkube.client._async_retry_watch import AsyncListThenWatch
from rawkube.client._async_verbs import _AsyncVerbs
from rawkube.client._retry_watch import Listed
from rawkube.client._sync_retry_watch import ListThenWatch
from rawkube.client._sync_verbs import _Verbs
from rawkube.client._watch_stream import DEFAULT_IDLE_TIMEOUT
from rawkube.core import _backoff
from rawkube.core._watch_decoder import WatchEvent
from rawkube.runtime.cache import (
    DeletedFinalStateUnknown,
    Indexer,
    IndexFunc,
    Lister,
    meta_namespace_key,
    resource_version,
)

if TYPE_CHECKING:
    from rawkube.config import Config
    from rawkube.core._clock import Clock

__all__ = [
    "AsyncSharedInformer",
    "EventHandler",
    "InformerCore",
    "Notification",
    "ReflectorBackoff",
    "SharedInformer",
    "WatchErrorHandler",
]

T = TypeVar("T")


class _Configured(Protocol):
    @property
    def config(self) -> Config: ...


A = TypeVar("A", bound=_Configured)  # the verbs the informer reads through: blocking or asyncio
logger = logging.getLogger("rawkube.runtime.informer")

MIN_WATCH_TIMEOUT = 300
# client-go's reflector: wait.NewExponentialBackoffManager(800ms, 30s, 2min, 2.0, 1.0).
INITIAL_BACKOFF = 0.8
MAX_BACKOFF = 30.0
BACKOFF_RESET = 120.0
BACKOFF_FACTOR = 2.0
BACKOFF_JITTER = 1.0
RESYNC_TICK = 0.05  # real seconds between checks of the clock for a due resync

WatchErrorHandler = Callable[[Exception], Any]
"""Told of each failure of an informer's list or watch (see the module docstring)."""


@dataclass(frozen=True)
class Notification:
    """One call owed to a handler: ``kind`` is ``add``, ``update`` or ``delete``."""

    kind: str
    old: Any
    new: Any


@dataclass
class EventHandler:
    """The callbacks of one handler registration (any may be None)."""

    on_add: Callable[[Any], Any] | None = None
    on_update: Callable[[Any, Any], Any] | None = None
    on_delete: Callable[[Any], Any] | None = None
    resync_period: float = 0.0

    def callback(self, note: Notification) -> tuple[Callable[..., Any] | None, tuple[Any, ...]]:
        """The callback a notification calls, with its arguments."""
        if note.kind == "add":
            return self.on_add, (note.new,)
        if note.kind == "update":
            return self.on_update, (note.old, note.new)
        return self.on_delete, (note.old,)


class InformerCore(Generic[T]):
    """The cache and the notifications each change makes; no I/O, no threads."""

    def __init__(self, indexers: Mapping[str, IndexFunc] | None = None) -> None:
        self.indexer: Indexer[T] = Indexer(indexers)
        self.synced = False
        self.resource_version = ""

    def apply(self, change: Listed | WatchEvent[T]) -> list[Notification]:
        """Update the cache with a (re)list or a watch event; the notifications it makes."""
        if isinstance(change, Listed):
            return self._relisted(change)
        key = meta_namespace_key(change.object)
        self.resource_version = resource_version(change.object) or self.resource_version
        if change.type == "DELETED":
            old = self.indexer.delete(key)
            return [Notification("delete", change.object, None)] if old is not None else []
        previous = self.indexer.upsert(change.object)
        if previous is None:
            return [Notification("add", None, change.object)]
        return [Notification("update", previous, change.object)]

    def _relisted(self, listed: Listed) -> list[Notification]:
        first = not self.synced
        before = self.indexer.replace(listed.items)
        self.synced = True
        self.resource_version = listed.resource_version
        notes: list[Notification] = []
        fresh = set()
        for item in listed.items:
            key = meta_namespace_key(item)
            fresh.add(key)
            old = before.get(key)
            if old is None:
                notes.append(Notification("add", None, item))
            elif resource_version(old) != resource_version(item):
                notes.append(Notification("update", old, item))
        if not first:
            for key, old in before.items():
                if key not in fresh:
                    notes.append(Notification("delete", DeletedFinalStateUnknown(key, old), None))
        return notes

    def current(self) -> list[Notification]:
        """``add`` for every cached object: what a handler registered late gets first."""
        return [Notification("add", None, obj) for obj in self.indexer.list()]

    def resync(self) -> list[Notification]:
        """``update(obj, obj)`` for every cached object."""
        return [Notification("update", obj, obj) for obj in self.indexer.list()]


class ReflectorBackoff:
    """How long an informer waits before listing again after a failure; no I/O.

    client-go's reflector backoff: :meth:`next_delay` is asked at each failure and answers
    ``initial``, then ``factor`` times the last, up to ``cap``, each plus up to ``jitter`` times
    itself at random. A failure more than ``reset_after`` seconds after the previous one (on
    ``clock``) starts from ``initial`` again; nothing else resets it. ``rand`` (in [0, 1),
    ``random.random`` by default) drives the jitter.
    """

    def __init__(
        self,
        clock: Clock,
        *,
        initial: float = INITIAL_BACKOFF,
        cap: float = MAX_BACKOFF,
        factor: float = BACKOFF_FACTOR,
        jitter: float = BACKOFF_JITTER,
        reset_after: float = BACKOFF_RESET,
        rand: Callable[[], float] | None = None,
    ) -> None:
        self._clock = clock
        self.initial = initial
        self.cap = cap
        self.factor = factor
        self.jitter = jitter
        self.reset_after = reset_after
        self._rand = rand
        # Its next step is the delay, before jitter, of the next failure.
        self._steps = _backoff.exponential(initial, factor, cap)
        self._last_failure: float | None = None

    def next_delay(self) -> float:
        """Count one failure now; the seconds to wait before the next attempt."""
        now = self._clock.monotonic()
        if self._last_failure is not None and now - self._last_failure > self.reset_after:
            # healthy for long enough: the trouble is over
            self._steps = _backoff.exponential(self.initial, self.factor, self.cap)
        self._last_failure = now
        return _backoff.jitter(next(self._steps), self.jitter, self._rand)


def _call(handler: EventHandler, note: Notification) -> Any:
    callback, args = handler.callback(note)
    if callback is None:
        return None
    try:
        return callback(*args)
    except Exception:
        logger.exception("informer handler %s failed on %s", callback, note.kind)
        return None


def _wants_resync(listeners: list[_Listener] | list[_AsyncListener]) -> bool:
    return any(listener.handler.resync_period > 0 for listener in listeners)


def _watch_timeout() -> int:
    # As client-go's reflector: informers started together then reconnect out of step.
    return int(_backoff.jitter(MIN_WATCH_TIMEOUT, 1.0))


# --- threads ----------------------------------------------------------------------------------

_STOP = object()


class _Listener:
    """One handler's queue and thread (client-go's processorListener)."""

    def __init__(self, handler: EventHandler, clock: Clock) -> None:
        self.handler = handler
        self.queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self.next_resync = clock.monotonic() + handler.resync_period
        self.thread = threading.Thread(
            target=self._run, name="rawkube-informer-handler", daemon=True
        )

    def _run(self) -> None:
        while True:
            note = self.queue.get()
            if note is _STOP:
                return
            _call(self.handler, note)


class _InformerBase(Generic[T, A]):
    """What both flavours hold: the options, the cache and its core, the clock."""

    _synced: threading.Event | asyncio.Event  # set once the first list is cached

    def __init__(
        self,
        api: A,
        *,
        label_selector: Any = None,
        field_selector: Any = None,
        metadata_only: bool = False,
        indexers: Mapping[str, IndexFunc] | None = None,
        resync_period: float = 0.0,
        page_size: int = 500,
        idle_timeout: float = DEFAULT_IDLE_TIMEOUT,
        watch_error_handler: WatchErrorHandler | None = None,
    ) -> None:
        self._api = api
        self._options = {
            "label_selector": label_selector,
            "field_selector": field_selector,
            "metadata_only": metadata_only,
            "page_size": page_size,
            "idle_timeout": idle_timeout,
        }
        self._clock: Clock = api.config.clock
        self._core: InformerCore[T] = InformerCore(indexers)
        self._resync_period = resync_period
        self._started = False
        self._backoff = ReflectorBackoff(self._clock)
        self._watch_error_handler = watch_error_handler
        self._prepare()

    def _prepare(self) -> None:
        """Make what the flavour runs on: threads and their locks, or tasks."""
        raise NotImplementedError

    @property
    def indexer(self) -> Indexer[T]:
        """The cache."""
        return self._core.indexer

    @property
    def lister(self) -> Lister[T]:
        """Read-only views of the cache."""
        return Lister(self._core.indexer)

    @property
    def clock(self) -> Clock:
        """The client's clock, which backoffs and resyncs read."""
        return self._clock

    @property
    def started(self) -> bool:
        """Whether ``start()`` was called."""
        return self._started

    @property
    def last_sync_resource_version(self) -> str:
        """The resourceVersion the cache is current to."""
        return self._core.resource_version

    def has_synced(self) -> bool:
        """Whether the first list is in the cache."""
        return self._synced.is_set()

    def set_watch_error_handler(self, handler: WatchErrorHandler | None) -> None:
        """Call ``handler(exc)`` at each failure of a list or watch; before the start only.

        As client-go's ``SetWatchErrorHandler``; see the module docstring.
        """
        if self._started:
            raise RuntimeError("the watch error handler is set before the informer starts")
        self._watch_error_handler = handler

    def _failed(self, error: Exception | None) -> float:
        """Log a failure (None: the list-and-watch ended); the delay before listing again."""
        delay = self._backoff.next_delay()
        why = "the list and watch ended" if error is None else f"{type(error).__name__}: {error}"
        logger.warning("informer for %s: %s; listing again in %.1f s", self._api, why, delay)
        return delay

    def _tell_handler(self, error: Exception) -> Any:
        """Call the watch error handler, if any; what it returned (None if it raised)."""
        handler = self._watch_error_handler
        if handler is None:
            return None
        try:
            return handler(error)
        except Exception:
            logger.exception("informer for %s: the watch error handler failed", self._api)
            return None

    def _handler(
        self,
        on_add: Callable[[T], Any] | None,
        on_update: Callable[[T, T], Any] | None,
        on_delete: Callable[[Any], Any] | None,
        resync_period: float | None,
    ) -> EventHandler:
        period = self._resync_period if resync_period is None else resync_period
        return EventHandler(on_add, on_update, on_delete, period)


class SharedInformer(_InformerBase[T, _Verbs[T, Any, Any, Any]]):
    """A cached, watched resource on a thread; see the module docstring.

    ``SharedInformer(client.core_v1.pods("web"))``: ``label_selector``/``field_selector``
    narrow what is cached, ``metadata_only`` caches PartialObjectMetadata (a fraction of the
    memory), ``indexers`` adds named indexes, ``resync_period`` (seconds, 0: none) is the
    default of the handlers added, ``idle_timeout`` the silence after which a watch is taken
    for dead (see :mod:`rawkube.client._watch_stream`), ``watch_error_handler`` is told of each
    failure of a list or watch (on the reflector's thread).
    """

    def _prepare(self) -> None:
        self._lock = threading.Lock()
        self._listeners: list[_Listener] = []
        self._stop = threading.Event()
        self._synced: threading.Event = threading.Event()
        self._source: ListThenWatch[T] | None = None
        self._threads: list[threading.Thread] = []
        self._resyncing = False  # whether the resync loop's thread was started

    def wait_for_cache_sync(self, timeout: float | None = None) -> bool:
        """Block until :meth:`has_synced` (or ``timeout`` real seconds); whether it synced."""
        return self._synced.wait(timeout)

    def add_event_handler(
        self,
        on_add: Callable[[T], Any] | None = None,
        on_update: Callable[[T, T], Any] | None = None,
        on_delete: Callable[[Any], Any] | None = None,
        *,
        resync_period: float | None = None,
    ) -> EventHandler:
        """Register callbacks; each runs on the handler's own thread. Returns the handler."""
        handler = self._handler(on_add, on_update, on_delete, resync_period)
        listener = _Listener(handler, self._clock)
        with self._lock:
            self._listeners.append(listener)
            if self._started and not self._stop.is_set():
                listener.thread.start()
                for note in self._core.current():
                    listener.queue.put(note)
                self._start_resync_if_due()
        return handler

    def start(self) -> None:
        """Start listing and watching (on a thread); returns at once."""
        with self._lock:
            if self._started:
                raise RuntimeError("an informer starts once")
            self._started = True
            for listener in self._listeners:
                listener.thread.start()
            self._spawn(self._reflect, "rawkube-informer-reflector")
            self._start_resync_if_due()

    def _spawn(self, target: Callable[[], None], name: str) -> None:
        # A daemon: a program that fails without stop() must still exit (its pod restarts).
        thread = threading.Thread(target=target, name=name, daemon=True)
        self._threads.append(thread)
        thread.start()

    def _start_resync_if_due(self) -> None:
        """Start the resync loop once some handler has a period (the lock is held)."""
        if not self._resyncing and _wants_resync(self._listeners):
            self._resyncing = True
            self._spawn(self._resync_loop, "rawkube-informer-resync")

    def stop(self, *, timeout: float | None = None) -> None:
        """Stop the reflector and every handler thread; returns when they have ended.

        With ``timeout``, waits at most that many real seconds in all: a thread still busy
        then (a list the server has not answered yet) ends by itself when it can.
        """
        self._stop.set()
        source = self._source
        if source is not None:
            source.interrupt()
        end = None if timeout is None else time.monotonic() + timeout
        with self._lock:
            threads = list(self._threads)
            listeners = list(self._listeners)
        for thread in threads:
            thread.join(_left(end))
        for listener in listeners:
            if listener.thread.ident is not None:  # started
                listener.queue.put(_STOP)
                listener.thread.join(_left(end))

    def __enter__(self) -> SharedInformer[T]:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    def _deliver(self, notes: list[Notification]) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            for note in notes:
                listener.queue.put(note)

    def _reflect(self) -> None:
        while not self._stop.is_set():
            source = ListThenWatch(self._api, timeout_seconds=_watch_timeout(), **self._options)
            self._source = source
            if self._stop.is_set():
                return
            error: Exception | None = None
            try:
                for change in source.changes():
                    with self._lock:
                        notes = self._core.apply(change)
                    self._deliver(notes)
                    if isinstance(change, Listed):
                        self._synced.set()
            except Exception as exc:
                error = exc
            if self._stop.is_set():
                return
            delay = self._failed(error)
            if error is not None:
                self._tell_handler(error)
            self._clock.wait(self._stop, delay)

    def _resync_loop(self) -> None:
        while not self._stop.wait(RESYNC_TICK):
            now = self._clock.monotonic()
            with self._lock:
                due = [
                    listener
                    for listener in self._listeners
                    if listener.handler.resync_period > 0 and now >= listener.next_resync
                ]
                notes = self._core.resync() if due else []
                for listener in due:
                    listener.next_resync = now + listener.handler.resync_period
            for listener in due:
                for note in notes:
                    listener.queue.put(note)


def _left(end: float | None) -> float | None:
    """Real seconds left until ``end`` (None: no limit), for ``Thread.join``."""
    return None if end is None else max(end - time.monotonic(), 0.0)


# --- asyncio ----------------------------------------------------------------------------------


class _AsyncListener:
    def __init__(self, handler: EventHandler, clock: Clock) -> None:
        self.handler = handler
        self.queue: asyncio.Queue[Any] = asyncio.Queue()
        self.next_resync = clock.monotonic() + handler.resync_period
        self.task: asyncio.Task[None] | None = None

    async def run(self) -> None:
        while True:
            note = await self.queue.get()
            if note is _STOP:
                return
            result = _call(self.handler, note)
            if inspect.isawaitable(result):
                try:
                    await result
                except Exception:
                    logger.exception("informer handler failed on %s", note.kind)


class AsyncSharedInformer(_InformerBase[T, _AsyncVerbs[T, Any, Any, Any]]):
    """The asyncio twin of :class:`SharedInformer`: the same options, tasks instead of threads.

    Handlers, and the watch error handler, may be plain functions or coroutine functions
    (awaited on the handler's task, the reflector's task).
    """

    def _prepare(self) -> None:
        self._listeners: list[_AsyncListener] = []
        self._tasks: list[asyncio.Task[None]] = []
        self._synced: asyncio.Event = asyncio.Event()
        self._resyncing = False  # whether the resync loop's task was started

    async def wait_for_cache_sync(self, timeout: float | None = None) -> bool:
        """As :meth:`SharedInformer.wait_for_cache_sync`, awaited."""
        try:
            await asyncio.wait_for(self._synced.wait(), timeout)
        except asyncio.TimeoutError:
            return False
        return True

    def add_event_handler(
        self,
        on_add: Callable[[T], Any] | None = None,
        on_update: Callable[[T, T], Any] | None = None,
        on_delete: Callable[[Any], Any] | None = None,
        *,
        resync_period: float | None = None,
    ) -> EventHandler:
        """As :meth:`SharedInformer.add_event_handler`; callbacks may be coroutine functions."""
        handler = self._handler(on_add, on_update, on_delete, resync_period)
        listener = _AsyncListener(handler, self._clock)
        self._listeners.append(listener)
        if self._started:
            listener.task = asyncio.create_task(listener.run())
            for note in self._core.current():
                listener.queue.put_nowait(note)
            self._start_resync_if_due()
        return handler

    async def start(self) -> None:
        """Start listing and watching (as tasks); returns at once."""
        if self._started:
            raise RuntimeError("an informer starts once")
        self._started = True
        for listener in self._listeners:
            listener.task = asyncio.create_task(listener.run())
        self._tasks.append(asyncio.create_task(self._reflect()))
        self._start_resync_if_due()

    def _start_resync_if_due(self) -> None:
        """Start the resync loop once some handler has a period."""
        if not self._resyncing and _wants_resync(self._listeners):
            self._resyncing = True
            self._tasks.append(asyncio.create_task(self._resync_loop()))

    async def stop(self) -> None:
        """Cancel the reflector, end every handler task; returns when all have ended."""
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for listener in self._listeners:
            if listener.task is not None:
                listener.queue.put_nowait(_STOP)
        await asyncio.gather(
            *(listener.task for listener in self._listeners if listener.task is not None),
            return_exceptions=True,
        )

    async def __aenter__(self) -> AsyncSharedInformer[T]:
        await self.start()
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.stop()

    def _deliver(self, notes: list[Notification]) -> None:
        for listener in self._listeners:
            for note in notes:
                listener.queue.put_nowait(note)

    async def _reflect(self) -> None:
        while True:
            source = AsyncListThenWatch(
                self._api, timeout_seconds=_watch_timeout(), **self._options
            )
            error: Exception | None = None
            try:
                async for change in source.changes():
                    self._deliver(self._core.apply(change))
                    if isinstance(change, Listed):
                        self._synced.set()
            except Exception as exc:
                error = exc
            finally:
                await source.aclose()
            delay = self._failed(error)
            if error is not None:
                await self._atell_handler(error)
            await self._clock.asleep(delay)

    async def _atell_handler(self, error: Exception) -> None:
        result = self._tell_handler(error)
        if inspect.isawaitable(result):
            try:
                await result
            except Exception:
                logger.exception("informer for %s: the watch error handler failed", self._api)

    async def _resync_loop(self) -> None:
        while True:
            await asyncio.sleep(RESYNC_TICK)
            now = self._clock.monotonic()
            due = [
                listener
                for listener in self._listeners
                if listener.handler.resync_period > 0 and now >= listener.next_resync
            ]
            notes = self._core.resync() if due else []
            for listener in due:
                listener.next_resync = now + listener.handler.resync_period
                for note in notes:
                    listener.queue.put_nowait(note)

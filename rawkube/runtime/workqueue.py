"""Work queues for controllers: client-go's workqueue, for threads and for asyncio.

Guarantees, as client-go's ``util/workqueue`` gives them:

* Fair: items are handed out in the order they were added (FIFO).
* Stingy: an item added again while it waits in the queue stays queued once, in its place.
* An item added while it is being processed (after ``get()``, before ``done()``) is queued
  again, once, when ``done()`` is called; it is never handed to two workers at once.
* Any number of producers and consumers; a worker may add the item it is processing.
* Shutdown: after ``shut_down()`` every ``add`` is ignored and getters blocked on an empty
  queue wake up. Items already queued are still handed out; ``get()`` raises :class:`ShutDown`
  once none is left, which is a worker's signal to return. ``shut_down_with_drain()`` also
  waits until every item being processed is ``done()``.
* Delays (:class:`DelayingQueue`): ``add_after(item, seconds)`` queues the item once
  ``seconds`` have passed on the queue's clock; delayed items are queued in order of ready
  time, and an item delayed twice is queued once, at the earlier time. Delayed items not yet
  due at shutdown are dropped.
* Rate limits (:class:`RateLimitingQueue`): ``add_rate_limited(item)`` delays the item as
  long as its rate limiter says (:mod:`rawkube.runtime.ratelimit`); ``forget(item)`` resets
  its count, which ``num_requeues(item)`` reports.

A worker's loop::

    while True:
        try:
            key = queue.get()
        except ShutDown:
            return
        try:
            reconcile(key)
            queue.forget(key)
        except Exception:
            queue.add_rate_limited(key)
        finally:
            queue.done(key)

The queues run no thread and no task of their own, so nothing of theirs outlives shutdown.
Delayed items become ready when someone looks: every ``get``, ``add``, ``add_after`` and
``len()`` first queues the items due by the clock's ``monotonic()``. A ``get`` blocked on an
empty queue sleeps until the next item is due, as the clock counts, but never more than
``poll_interval`` real seconds (0.1 by default) between looks at the clock: that is how a
:class:`~rawkube.core._clock.FakeClock` moved by ``advance()`` in a test reaches it, and
``wake()`` makes blocked getters look at once.

:class:`Queue`, :class:`DelayingQueue` and :class:`RateLimitingQueue` are thread-safe.
:class:`AsyncQueue`, :class:`AsyncDelayingQueue` and :class:`AsyncRateLimitingQueue` have the
same methods, where ``get()`` and ``shut_down_with_drain()`` are awaited; they belong to one
event loop and must be used from its thread.
"""

from __future__ import annotations

import heapq
import itertools
import threading
from collections import deque
from collections.abc import Hashable
from typing import TYPE_CHECKING, Generic, TypeVar

from rawkube.core._clock import SYSTEM_CLOCK
from rawkube.runtime.ratelimit import RateLimiter, default_controller_rate_limiter

if TYPE_CHECKING:
    import asyncio

    from rawkube.core._clock import Clock

__all__ = [
    "DEFAULT_POLL_INTERVAL",
    "AsyncDelayingQueue",
    "AsyncQueue",
    "AsyncRateLimitingQueue",
    "DelayingQueue",
    "Queue",
    "RateLimitingQueue",
    "ShutDown",
]

T = TypeVar("T", bound=Hashable)

DEFAULT_POLL_INTERVAL = 0.1
"""Most real seconds a blocked ``get`` waits between looks at the clock for delayed items."""


class ShutDown(Exception):  # named as Python 3.13's queue.ShutDown
    """Raised by ``get()`` when the queue is shut down and holds no more items."""


class _State(Generic[T]):
    """The bookkeeping both flavours share: no locks and no waiting.

    Methods that can make items ready return how many blocked getters to wake.
    """

    def __init__(self, clock: Clock, poll_interval: float) -> None:
        if poll_interval <= 0:
            raise ValueError("poll_interval must be positive")
        self.clock = clock
        self.poll_interval = poll_interval
        # Ready items, in order; each is also in ``dirty`` and none is in ``processing``.
        self.queue: deque[T] = deque()
        # Items that need processing: queued, or added again while being processed.
        self.dirty: set[T] = set()
        self.processing: set[T] = set()
        # A heap of (due, order, item); the order breaks ties, so items need no ordering.
        self.delayed: list[tuple[float, int, T]] = []
        # Each delayed item's earliest due time: heap entries that disagree are stale.
        self.due: dict[T, float] = {}
        self.order = itertools.count()
        self.shutting_down = False
        self.draining = False

    def add(self, item: T) -> int:
        if self.shutting_down or item in self.dirty:
            return 0
        self.dirty.add(item)
        if item in self.processing:
            return 0  # done() queues it
        self.queue.append(item)
        return 1

    def pop(self) -> tuple[T, int]:
        """The next item, now being processed, and how many getters to wake.

        While delayed items wait, some blocked getter must keep a timer on the next one. The
        getter taking this item may have been it, so another is woken to take the timer over.
        """
        item = self.queue.popleft()
        self.processing.add(item)
        self.dirty.discard(item)
        return item, 1 if self.delayed else 0

    def done(self, item: T) -> int:
        if item not in self.processing:
            return 0  # not handed out: queuing it again would queue it twice
        self.processing.discard(item)
        if item in self.dirty:
            self.queue.append(item)
            return 1
        return 0

    def add_after(self, item: T, seconds: float) -> int:
        if seconds <= 0:
            return self.refresh() + self.add(item)
        woken = self.refresh()
        if self.shutting_down:
            return woken
        due = self.clock.monotonic() + seconds
        known = self.due.get(item)
        if known is not None and known <= due:
            return woken
        self.due[item] = due
        order = next(self.order)
        heapq.heappush(self.delayed, (due, order, item))
        # A getter timing the old first item would sleep past this one.
        return woken + (1 if self.delayed[0][1] == order else 0)

    def refresh(self) -> int:
        """Queue the delayed items that are due, in order of due time."""
        if not self.delayed:
            return 0
        now = self.clock.monotonic()
        woken = 0
        while self.delayed and self.delayed[0][0] <= now:
            due, _, item = heapq.heappop(self.delayed)
            if self.due.get(item) == due:
                del self.due[item]
                woken += self.add(item)
        return woken

    def wait_time(self) -> float | None:
        """How long a blocked getter may sleep before it looks again; None: until woken."""
        if not self.delayed:
            return None
        left = self.delayed[0][0] - self.clock.monotonic()
        return min(max(left, 0.0), self.poll_interval)

    @property
    def drained(self) -> bool:
        """Whether a drain waiting for items being processed may stop waiting."""
        return self.shutting_down and not self.processing

    def shut_down(self, *, drain: bool) -> None:
        self.shutting_down = True
        self.draining = drain
        self.delayed.clear()
        self.due.clear()


class Queue(Generic[T]):
    """A fair, stingy, thread-safe work queue; see the module docstring."""

    def __init__(self) -> None:
        self._state: _State[T] = _State(SYSTEM_CLOCK, DEFAULT_POLL_INTERVAL)
        self._lock = threading.Lock()
        self._ready = threading.Condition(self._lock)  # getters wait here
        self._idle = threading.Condition(self._lock)  # drainers wait here

    def _wake(self, count: int) -> None:
        # Condition.notify checks the lock is held even to wake nobody: skip that on the hot path.
        if count:
            self._ready.notify(count)

    def add(self, item: T) -> None:
        """Mark ``item`` as needing processing; ignored after shutdown."""
        with self._lock:
            self._wake(self._state.refresh() + self._state.add(item))

    def get(self) -> T:
        """Block until an item is ready and return it; call ``done(item)`` after processing.

        Raises :class:`ShutDown` once the queue is shut down and empty.
        """
        state = self._state
        with self._lock:
            while True:
                self._wake(state.refresh())
                if state.queue:
                    item, wake = state.pop()
                    self._wake(wake)
                    return item
                if state.shutting_down:
                    raise ShutDown
                self._ready.wait(state.wait_time())

    def done(self, item: T) -> None:
        """Finish processing ``item``; queue it again if it was added meanwhile."""
        with self._lock:
            self._wake(self._state.done(item))
            if self._state.drained:
                self._idle.notify_all()

    def __len__(self) -> int:
        """Items ready to be handed out; for information only, since it changes at once."""
        with self._lock:
            self._wake(self._state.refresh())
            return len(self._state.queue)

    def shut_down(self) -> None:
        """Ignore further adds, wake blocked getters, and stop any drain waiting."""
        with self._lock:
            self._state.shut_down(drain=False)
            self._ready.notify_all()
            self._idle.notify_all()

    def shut_down_with_drain(self) -> None:
        """Shut down, then block until every item being processed is ``done()``.

        Workers must keep calling ``done()`` or this never returns; a later ``shut_down()``
        from another thread ends the wait.
        """
        with self._lock:
            self._state.shut_down(drain=True)
            self._ready.notify_all()
            while self._state.processing and self._state.draining:
                self._idle.wait()

    @property
    def shutting_down(self) -> bool:
        """Whether ``shut_down()`` or ``shut_down_with_drain()`` was called."""
        with self._lock:
            return self._state.shutting_down


class DelayingQueue(Queue[T]):
    """A :class:`Queue` that can add an item later: ``add_after(item, seconds)``."""

    def __init__(
        self, *, clock: Clock | None = None, poll_interval: float = DEFAULT_POLL_INTERVAL
    ) -> None:
        super().__init__()
        self._state = _State(clock or SYSTEM_CLOCK, poll_interval)

    def add_after(self, item: T, seconds: float) -> None:
        """Add ``item`` once ``seconds`` have passed on the clock (at once if not positive)."""
        with self._lock:
            self._wake(self._state.add_after(item, seconds))

    def wake(self) -> None:
        """Make blocked getters look at the clock now, as after a ``FakeClock.advance()``."""
        with self._lock:
            self._ready.notify_all()


class _Retries(Generic[T]):
    """The rate-limiting methods, the same for both flavours (none of them blocks)."""

    _limiter: RateLimiter[T]

    if TYPE_CHECKING:

        def add_after(self, item: T, seconds: float) -> None: ...

    def add_rate_limited(self, item: T) -> None:
        """Add ``item`` after the delay its rate limiter gives it; counts one more retry."""
        self.add_after(item, self._limiter.when(item))

    def forget(self, item: T) -> None:
        """Stop counting retries of ``item``, which succeeded or was given up on.

        This only resets the rate limiter: ``done(item)`` is still needed.
        """
        self._limiter.forget(item)

    def num_requeues(self, item: T) -> int:
        """How many rate-limited retries of ``item`` are being counted."""
        return self._limiter.num_requeues(item)


class RateLimitingQueue(DelayingQueue[T], _Retries[T]):
    """A :class:`DelayingQueue` whose retries wait as ``rate_limiter`` says.

    The default limiter is :func:`~rawkube.runtime.ratelimit.default_controller_rate_limiter`
    on the queue's clock. Call ``forget(item)`` when an item succeeds, or it is counted forever.
    """

    def __init__(
        self,
        rate_limiter: RateLimiter[T] | None = None,
        *,
        clock: Clock | None = None,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
    ) -> None:
        super().__init__(clock=clock, poll_interval=poll_interval)
        if rate_limiter is None:
            rate_limiter = default_controller_rate_limiter(clock=clock)
        self._limiter = rate_limiter


class _AsyncWaiters:
    """Tasks waiting to be woken: like ``asyncio.Condition``, but plain code can notify."""

    def __init__(self) -> None:
        self._futures: deque[asyncio.Future[None]] = deque()

    async def wait(self, timeout: float | None) -> None:
        """Wait until notified, or until ``timeout`` real seconds have passed."""
        import asyncio  # loaded with the first async wait, not by importing rawkube

        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        self._futures.append(future)
        timer = None if timeout is None else loop.call_later(timeout, _settle, future)
        try:
            await future
        except asyncio.CancelledError:
            if future.done() and not future.cancelled():
                self.notify()  # woken but leaving: the wake-up was meant for someone
            raise
        finally:
            if timer is not None:
                timer.cancel()
            if future in self._futures:
                self._futures.remove(future)

    def notify(self, count: int = 1) -> None:
        while count > 0 and self._futures:
            future = self._futures.popleft()
            if not future.done():
                future.set_result(None)
                count -= 1

    def notify_all(self) -> None:
        self.notify(len(self._futures))


def _settle(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


class AsyncQueue(Generic[T]):
    """:class:`Queue` for asyncio: ``await get()``, ``await shut_down_with_drain()``.

    It belongs to one event loop; call it from that loop's thread only.
    """

    def __init__(self) -> None:
        self._state: _State[T] = _State(SYSTEM_CLOCK, DEFAULT_POLL_INTERVAL)
        self._ready = _AsyncWaiters()
        self._idle = _AsyncWaiters()

    def add(self, item: T) -> None:
        """Mark ``item`` as needing processing; ignored after shutdown."""
        self._ready.notify(self._state.refresh() + self._state.add(item))

    async def get(self) -> T:
        """Wait until an item is ready and return it; call ``done(item)`` after processing.

        Raises :class:`ShutDown` once the queue is shut down and empty.
        """
        state = self._state
        while True:
            self._ready.notify(state.refresh())
            if state.queue:
                item, wake = state.pop()
                self._ready.notify(wake)
                return item
            if state.shutting_down:
                raise ShutDown
            await self._ready.wait(state.wait_time())

    def done(self, item: T) -> None:
        """Finish processing ``item``; queue it again if it was added meanwhile."""
        self._ready.notify(self._state.done(item))
        if self._state.drained:
            self._idle.notify_all()

    def __len__(self) -> int:
        """Items ready to be handed out."""
        self._ready.notify(self._state.refresh())
        return len(self._state.queue)

    def shut_down(self) -> None:
        """Ignore further adds, wake waiting getters, and stop any drain waiting."""
        self._state.shut_down(drain=False)
        self._ready.notify_all()
        self._idle.notify_all()

    async def shut_down_with_drain(self) -> None:
        """Shut down, then wait until every item being processed is ``done()``."""
        self._state.shut_down(drain=True)
        self._ready.notify_all()
        while self._state.processing and self._state.draining:
            await self._idle.wait(None)

    @property
    def shutting_down(self) -> bool:
        """Whether ``shut_down()`` or ``shut_down_with_drain()`` was called."""
        return self._state.shutting_down


class AsyncDelayingQueue(AsyncQueue[T]):
    """:class:`DelayingQueue` for asyncio."""

    def __init__(
        self, *, clock: Clock | None = None, poll_interval: float = DEFAULT_POLL_INTERVAL
    ) -> None:
        super().__init__()
        self._state = _State(clock or SYSTEM_CLOCK, poll_interval)

    def add_after(self, item: T, seconds: float) -> None:
        """Add ``item`` once ``seconds`` have passed on the clock (at once if not positive)."""
        self._ready.notify(self._state.add_after(item, seconds))

    def wake(self) -> None:
        """Make waiting getters look at the clock now, as after a ``FakeClock.advance()``."""
        self._ready.notify_all()


class AsyncRateLimitingQueue(AsyncDelayingQueue[T], _Retries[T]):
    """:class:`RateLimitingQueue` for asyncio; its limiter never blocks the loop."""

    def __init__(
        self,
        rate_limiter: RateLimiter[T] | None = None,
        *,
        clock: Clock | None = None,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
    ) -> None:
        super().__init__(clock=clock, poll_interval=poll_interval)
        if rate_limiter is None:
            rate_limiter = default_controller_rate_limiter(clock=clock)
        self._limiter = rate_limiter

"""The controller loop: informer changes become keys on a rate-limited queue, workers reconcile.

Guarantees
----------
* Every add, update and delete the informer sees puts the object's ``namespace/name`` key on
  the queue; a key waiting there is not queued twice, and one key is never reconciled by two
  workers at once (the workqueue's guarantees).
* ``reconcile(key)`` runs only after the informer's first list is cached, so it reads a
  complete cache (``controller.lister``). When it raises, the key is retried after the rate
  limiter's delay (exponential per key, with an overall bucket, as client-go's default); when
  it returns, the key's failures are forgotten.
* ``stop()`` lets the workers finish the keys they hold (the queue drains), then stops them and
  the informer it started: nothing keeps running after it returns.
* A ``start()`` that fails (the cache did not sync within ``cache_sync_timeout``) stops the
  queue and the informer it started before it raises, waiting at most :data:`ABANDON_GRACE`
  for a list the server has not answered. The workers and the informer run on daemon threads,
  so a program that fails without ``stop()`` still exits and its pod restarts.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from rawkube.runtime.cache import Lister, meta_namespace_key
from rawkube.runtime.informer import AsyncSharedInformer, SharedInformer
from rawkube.runtime.ratelimit import RateLimiter
from rawkube.runtime.workqueue import AsyncRateLimitingQueue, RateLimitingQueue, ShutDown

__all__ = ["AsyncController", "Controller"]

T = TypeVar("T")
logger = logging.getLogger("rawkube.runtime.controller")

ABANDON_GRACE = 1.0
"""Real seconds a failed ``start()`` waits for the informer it started to stop."""


class _ControllerBase(Generic[T]):
    """What both flavours share: the informer's handler putting keys on the queue."""

    queue: Any

    def __init__(self, informer: Any, reconcile: Callable[[str], Any], workers: int) -> None:
        if workers < 1:
            raise ValueError(f"workers must be at least 1, not {workers!r}")
        self.informer = informer
        self._reconcile = reconcile
        self._workers = workers
        self._owns_informer = False
        informer.add_event_handler(self._enqueue, self._enqueue_update, self._enqueue)

    @property
    def lister(self) -> Lister[T]:
        """The informer's cache, read-only."""
        lister: Lister[T] = self.informer.lister
        return lister

    def _enqueue(self, obj: Any) -> None:
        self.queue.add(meta_namespace_key(obj))

    def _enqueue_update(self, _old: Any, new: Any) -> None:
        self.queue.add(meta_namespace_key(new))


class Controller(_ControllerBase[T]):
    """``Controller(informer, reconcile, workers=2)``: see the module docstring.

    ``rate_limiter`` replaces client-go's default controller limiter. ``start()`` starts the
    informer unless it runs already, waits for its first list, then starts the workers.
    """

    def __init__(
        self,
        informer: SharedInformer[T],
        reconcile: Callable[[str], Any],
        *,
        workers: int = 1,
        rate_limiter: RateLimiter[str] | None = None,
        cache_sync_timeout: float | None = None,
    ) -> None:
        self.queue: RateLimitingQueue[str] = RateLimitingQueue(rate_limiter, clock=informer.clock)
        self.informer: SharedInformer[T] = informer
        self._sync_timeout = cache_sync_timeout
        self._threads: list[threading.Thread] = []
        super().__init__(informer, reconcile, workers)

    def start(self) -> None:
        """Start the informer (if needed), wait for its first list, start the workers.

        Raises ``TimeoutError`` when the cache did not sync within ``cache_sync_timeout``.
        """
        if not self.informer.started:
            self.informer.start()
            self._owns_informer = True
        try:
            synced = self.informer.wait_for_cache_sync(self._sync_timeout)
        except BaseException:  # an interrupt: leave nothing behind either
            self._abandon()
            raise
        if not synced:
            self._abandon()
            raise TimeoutError("the informer's cache did not sync in time")
        for index in range(self._workers):
            # A daemon: a program that fails without stop() must still exit.
            thread = threading.Thread(
                target=self._work, name=f"rawkube-controller-{index}", daemon=True
            )
            self._threads.append(thread)
            thread.start()

    def _abandon(self) -> None:
        """Undo a failed start: the queue, and the informer if started here, are stopped."""
        self.queue.shut_down()
        if self._owns_informer:
            # A list the server never answers must not hold the error back.
            self.informer.stop(timeout=ABANDON_GRACE)

    def _work(self) -> None:
        while True:
            try:
                key = self.queue.get()
            except ShutDown:
                return
            try:
                self._reconcile(key)
            except Exception:
                logger.exception("reconcile(%r) failed; retrying it later", key)
                self.queue.add_rate_limited(key)
            else:
                self.queue.forget(key)
            finally:
                self.queue.done(key)

    def stop(self) -> None:
        """Drain the queue, stop the workers, and the informer if this controller started it."""
        self.queue.shut_down_with_drain()
        for thread in self._threads:
            thread.join()
        if self._owns_informer:
            self.informer.stop()

    def __enter__(self) -> Controller[T]:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()


class AsyncController(_ControllerBase[T]):
    """The asyncio twin of :class:`Controller`; ``reconcile`` may be a coroutine function."""

    def __init__(
        self,
        informer: AsyncSharedInformer[T],
        reconcile: Callable[[str], Any],
        *,
        workers: int = 1,
        rate_limiter: RateLimiter[str] | None = None,
        cache_sync_timeout: float | None = None,
    ) -> None:
        self.queue: AsyncRateLimitingQueue[str] = AsyncRateLimitingQueue(
            rate_limiter, clock=informer.clock
        )
        self.informer: AsyncSharedInformer[T] = informer
        self._sync_timeout = cache_sync_timeout
        self._tasks: list[asyncio.Task[None]] = []
        super().__init__(informer, reconcile, workers)

    async def start(self) -> None:
        """As :meth:`Controller.start`."""
        if not self.informer.started:
            await self.informer.start()
            self._owns_informer = True
        try:
            synced = await self.informer.wait_for_cache_sync(self._sync_timeout)
        except BaseException:  # cancelled: leave nothing behind either
            await self._abandon()
            raise
        if not synced:
            await self._abandon()
            raise TimeoutError("the informer's cache did not sync in time")
        self._tasks = [asyncio.create_task(self._work()) for _ in range(self._workers)]

    async def _abandon(self) -> None:
        """As :meth:`Controller._abandon`: cancelling the informer's tasks is immediate."""
        self.queue.shut_down()
        if self._owns_informer:
            await self.informer.stop()

    async def _work(self) -> None:
        while True:
            try:
                key = await self.queue.get()
            except ShutDown:
                return
            try:
                result = self._reconcile(key)
                if inspect.isawaitable(result):
                    await result
            except Exception:
                logger.exception("reconcile(%r) failed; retrying it later", key)
                self.queue.add_rate_limited(key)
            else:
                self.queue.forget(key)
            finally:
                self.queue.done(key)

    async def stop(self) -> None:
        """As :meth:`Controller.stop`."""
        await self.queue.shut_down_with_drain()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._owns_informer:
            await self.informer.stop()

    async def __aenter__(self) -> AsyncController[T]:
        await self.start()
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.stop()

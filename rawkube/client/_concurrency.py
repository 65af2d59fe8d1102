"""Locks and blocking work for code written once for asyncio and generated for threads.

``scripts/unasync.py`` turns ``AsyncLock`` into :class:`Lock` and ``ablocking`` into
:func:`blocking`, so a module written with the async names reads the same in its blocking twin.
anyio is imported when an async lock is first made, not with rawkube.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from types import TracebackType
from typing import Any, TypeVar

T = TypeVar("T")


class Lock:
    """A thread lock that can also be tried without waiting."""

    def __init__(self) -> None:
        self._lock = threading.Lock()

    def __enter__(self) -> None:
        self._lock.acquire()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._lock.release()

    def try_acquire(self) -> bool:
        """Take the lock if it is free; False, at once, if it is held."""
        return self._lock.acquire(blocking=False)

    def release(self) -> None:
        """Give back a lock :meth:`try_acquire` took."""
        self._lock.release()


class AsyncLock:
    """The task lock of :class:`Lock`'s twin: awaited, or tried without waiting."""

    def __init__(self) -> None:
        import anyio

        self._lock = anyio.Lock()

    async def __aenter__(self) -> None:
        await self._lock.acquire()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._lock.release()

    def try_acquire(self) -> bool:
        """Take the lock if it is free; False, at once, if it is held."""
        import anyio

        try:
            self._lock.acquire_nowait()
        except anyio.WouldBlock:
            return False
        return True

    def release(self) -> None:
        """Give back a lock :meth:`try_acquire` took."""
        self._lock.release()


def blocking(function: Callable[..., T], *args: Any) -> T:
    """Call ``function``: in blocking code, work on files is done in the caller's thread."""
    return function(*args)


async def ablocking(function: Callable[..., T], *args: Any) -> T:
    """Call ``function`` in a worker thread, so work on files does not stall the event loop."""
    import anyio.to_thread

    return await anyio.to_thread.run_sync(function, *args)

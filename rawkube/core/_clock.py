"""The injectable clock: every wait, expiry and backoff in rawkube asks it for the time.

One exception: a request's overall limit (:class:`Deadline`) counts real seconds.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone


class Clock:
    """Real time: monotonic seconds for intervals, UTC wall time for expiry stamps."""

    def monotonic(self) -> float:
        """Seconds from an arbitrary start; never goes backwards."""
        return time.monotonic()

    def now(self) -> datetime:
        """The current wall-clock time, timezone-aware in UTC."""
        return datetime.now(timezone.utc)

    def sleep(self, seconds: float) -> None:
        """Block the calling thread for ``seconds``."""
        if seconds > 0:
            time.sleep(seconds)

    def wait(self, event: threading.Event, seconds: float) -> bool:
        """Block until ``event`` is set or ``seconds`` pass; whether it was set."""
        return event.wait(max(seconds, 0.0))

    async def asleep(self, seconds: float) -> None:
        """Suspend the calling task for ``seconds``."""
        import asyncio  # only async callers pay for importing it

        if seconds > 0:
            await asyncio.sleep(seconds)


class FakeClock(Clock):
    """A clock that moves only when told to, or when someone sleeps on it.

    Sleeping advances the clock at once and records the duration in ``sleeps``, so a test can
    prove a timing rule (a Retry-After delay, a token expiry) without waiting for real.
    """

    def __init__(self, start: datetime | None = None) -> None:
        self._mono = 1000.0
        self._wall = start or datetime(2026, 1, 1, tzinfo=timezone.utc)
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self._mono

    def now(self) -> datetime:
        return self._wall

    def advance(self, seconds: float) -> None:
        """Move both monotonic and wall time forward by ``seconds``."""
        self._mono += seconds
        self._wall += timedelta(seconds=seconds)

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.advance(max(seconds, 0.0))

    def wait(self, event: threading.Event, seconds: float) -> bool:
        if event.is_set():
            return True
        self.sleep(seconds)
        return event.is_set()

    async def asleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.advance(max(seconds, 0.0))
        import asyncio

        await asyncio.sleep(0)  # still a suspension point, as a real sleep is


SYSTEM_CLOCK = Clock()


class Deadline:
    """The end of a request's overall limit of ``limit`` seconds, counted from its making.

    Real monotonic time, not the injectable clock's: the limit bounds time spent on the network,
    which httpx's own timeouts count in real seconds, and a fake clock moved on by a test (the
    fake cluster jumps to a watch's next bookmark) must not expire a request that took none.
    """

    __slots__ = ("_end", "_stopped", "limit")

    def __init__(self, limit: float) -> None:
        self.limit = limit
        self._end = time.monotonic() + limit
        self._stopped = 0.0

    def left(self) -> float:
        """Seconds until the limit runs out; zero or less once it has."""
        return self._end - time.monotonic()

    def stop(self) -> None:
        """Stop counting until :meth:`go`: the time between is not the network's."""
        self._stopped = time.monotonic()

    def go(self) -> None:
        """Count again, the end moved on by the time since :meth:`stop`."""
        self._end += time.monotonic() - self._stopped

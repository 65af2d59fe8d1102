"""retry_on_conflict: re-run a read-modify-write when the object changed underneath it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from itertools import islice
from typing import TypeVar

from rawkube.core import _backoff
from rawkube.core._api_errors import ConflictError
from rawkube.core._clock import SYSTEM_CLOCK, Clock

T = TypeVar("T")

# client-go's retry.DefaultRetry: 5 tries, 10 ms apart, 10 % jitter.
DEFAULT_STEPS = 5
DEFAULT_DELAY = 0.01
DEFAULT_JITTER = 0.1


def backoff_delays(steps: int, delay: float, factor: float, jitter: float) -> list[float]:
    """The waits between ``steps`` tries: ``delay`` times ``factor`` each time, plus jitter."""
    if steps < 1:
        raise ValueError(f"steps must be at least 1, not {steps!r}")
    return [
        _backoff.jitter(step, jitter)
        for step in islice(_backoff.exponential(delay, factor), steps - 1)
    ]


def retry_on_conflict(
    fn: Callable[[], T],
    *,
    steps: int = DEFAULT_STEPS,
    delay: float = DEFAULT_DELAY,
    factor: float = 1.0,
    jitter: float = DEFAULT_JITTER,
    clock: Clock = SYSTEM_CLOCK,
) -> T:
    """Call ``fn`` (which should read, modify and write) until it does not raise ConflictError.

    Tries at most ``steps`` times, as client-go's ``retry.RetryOnConflict``; the last
    :class:`~rawkube.ConflictError` is raised if every try conflicts. Other errors pass through.
    """
    for wait in backoff_delays(steps, delay, factor, jitter):
        try:
            return fn()
        except ConflictError:
            clock.sleep(wait)
    return fn()


async def aretry_on_conflict(
    fn: Callable[[], Awaitable[T]],
    *,
    steps: int = DEFAULT_STEPS,
    delay: float = DEFAULT_DELAY,
    factor: float = 1.0,
    jitter: float = DEFAULT_JITTER,
    clock: Clock = SYSTEM_CLOCK,
) -> T:
    """The async form of :func:`retry_on_conflict`: ``fn`` returns an awaitable."""
    for wait in backoff_delays(steps, delay, factor, jitter):
        try:
            return await fn()
        except ConflictError:
            await clock.asleep(wait)
    return await fn()

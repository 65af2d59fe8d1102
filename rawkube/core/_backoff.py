"""Backoff arithmetic, pure and shared: client-go's exponential steps and its jitter."""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterator

__all__ = ["exponential", "exponential_at", "jitter"]

# From this many failures on, exponential_at answers its cap: 2.0**1024 overflows a float, and
# no cap a caller means is still ahead by then.
_MAX_EXPONENT = 1000


def jitter(duration: float, factor: float, rand: Callable[[], float] | None = None) -> float:
    """``duration`` plus up to ``factor`` times it at random, as client-go's ``wait.Jitter``.

    ``rand`` returns a float in ``[0, 1)`` (``random.random`` when None, looked up at each
    call). A ``factor`` of 0 adds nothing, as in client-go's ``Backoff.Step``, which skips the
    jitter then (``wait.Jitter`` alone would read 0 as 1). Retrying callers are spread out in
    time by it, so that they do not all reach the API server in the same instant.
    """
    r = rand() if rand is not None else random.random()  # noqa: S311 - spreading, not secrecy
    return duration * (1.0 + factor * r)


def exponential(initial: float, factor: float, cap: float = math.inf) -> Iterator[float]:
    """The steps of client-go's ``wait.Backoff``, before jitter: endless, the caller stops.

    ``initial`` first (even if it is above ``cap``, as in client-go), then each ``factor``
    times the one before it, at most ``cap``. Each step is the last one multiplied once more,
    as client-go computes it, not ``initial * factor**n``.
    """
    step = initial
    while True:
        yield step
        step = min(step * factor, cap)


def exponential_at(initial: float, factor: float, failures: int, cap: float = math.inf) -> float:
    """``initial * factor**failures``, at most ``cap``: a wait read from a failure count alone.

    This is client-go's per-item failure rate limiter, which keeps a count per item rather than
    the last step, so unlike :func:`exponential` the first wait (``failures`` 0) is capped too.
    From 1000 failures on, and wherever the power overflows a float, the answer is ``cap``.
    """
    if failures >= _MAX_EXPONENT:
        return cap
    try:
        return min(initial * factor**failures, cap)
    except OverflowError:
        return cap

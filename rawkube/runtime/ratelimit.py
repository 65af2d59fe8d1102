"""Rate limiters for a workqueue's retries: how long an item waits before it is queued again.

These follow client-go's ``util/workqueue/default_rate_limiters.go``. A limiter answers three
questions about an item, all in seconds and counts, never sleeping itself:

* ``when(item)``: how long to wait before the next retry; each call counts as one more failure.
* ``forget(item)``: stop tracking the item (it succeeded, or the caller gave up on it).
* ``num_requeues(item)``: how many failures are being counted for it.

Schedules:

* :class:`ItemExponentialFailureRateLimiter`: ``base_delay * 2**failures``, capped at
  ``max_delay`` (by default 5 ms, 10 ms, 20 ms, ... up to 1000 s).
* :class:`ItemFastSlowRateLimiter`: ``fast_delay`` for the first ``max_fast_attempts``
  failures, ``slow_delay`` after that.
* :class:`BucketRateLimiter`: one token bucket for all items, ``qps`` tokens a second, holding
  at most ``burst``; it starts full, so ``burst`` retries go at once and the next ones are
  spaced ``1 / qps`` apart. Time is read from the injected :class:`~rawkube.core._clock.Clock`.
* :class:`MaxOfRateLimiter` (:func:`max_of`): the longest wait of several limiters.
* :func:`default_controller_rate_limiter`: client-go's default, the longest of the exponential
  limiter (5 ms to 1000 s) per item and a 10 qps, burst 100 bucket overall.

Every limiter is thread-safe, and never blocks, so the async queues use them as they are.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable
from typing import TYPE_CHECKING, Generic, Protocol, TypeVar

from rawkube.core._backoff import exponential_at
from rawkube.core._clock import SYSTEM_CLOCK
from rawkube.core._throttle import TokenBucket

if TYPE_CHECKING:
    from rawkube.core._clock import Clock

__all__ = [
    "BucketRateLimiter",
    "ItemExponentialFailureRateLimiter",
    "ItemFastSlowRateLimiter",
    "MaxOfRateLimiter",
    "RateLimiter",
    "default_controller_rate_limiter",
    "default_item_based_rate_limiter",
    "max_of",
]

K = TypeVar("K", bound=Hashable)
K_contra = TypeVar("K_contra", bound=Hashable, contravariant=True)


class RateLimiter(Protocol[K_contra]):
    """What a rate-limiting queue asks of its limiter; see the module docstring."""

    def when(self, item: K_contra) -> float:
        """Seconds ``item`` should wait before it is queued again; counts one more failure."""
        ...

    def forget(self, item: K_contra) -> None:
        """Stop tracking ``item``: its next failure is counted as the first."""
        ...

    def num_requeues(self, item: K_contra) -> int:
        """How many failures of ``item`` are being counted."""
        ...


class _FailureCounter(Generic[K]):
    """Per-item failure counts behind a lock, shared by the per-item limiters."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._failures: dict[K, int] = {}

    def count(self, item: K) -> int:
        """Record one more failure of ``item``; return how many there were before it."""
        with self._lock:
            before = self._failures.get(item, 0)
            self._failures[item] = before + 1
            return before

    def forget(self, item: K) -> None:
        with self._lock:
            self._failures.pop(item, None)

    def num_requeues(self, item: K) -> int:
        with self._lock:
            return self._failures.get(item, 0)


class ItemExponentialFailureRateLimiter(_FailureCounter[K]):
    """Waits ``base_delay * 2**failures`` seconds, at most ``max_delay``, per item.

    Giving up after too many failures is the caller's business (see ``num_requeues``).
    """

    def __init__(self, base_delay: float = 0.005, max_delay: float = 1000.0) -> None:
        if base_delay < 0 or max_delay < 0:
            raise ValueError("delays must not be negative")
        super().__init__()
        self.base_delay = base_delay
        self.max_delay = max_delay

    def when(self, item: K) -> float:
        return exponential_at(self.base_delay, 2.0, self.count(item), self.max_delay)


class ItemFastSlowRateLimiter(_FailureCounter[K]):
    """Waits ``fast_delay`` for the first ``max_fast_attempts`` failures, then ``slow_delay``."""

    def __init__(self, fast_delay: float, slow_delay: float, max_fast_attempts: int) -> None:
        if fast_delay < 0 or slow_delay < 0:
            raise ValueError("delays must not be negative")
        super().__init__()
        self.fast_delay = fast_delay
        self.slow_delay = slow_delay
        self.max_fast_attempts = max_fast_attempts

    def when(self, item: K) -> float:
        attempt = self.count(item) + 1
        return self.fast_delay if attempt <= self.max_fast_attempts else self.slow_delay


class BucketRateLimiter:
    """One token bucket for every item: ``qps`` tokens a second, at most ``burst`` saved.

    Each ``when()`` takes a token, going into debt when none is left, and answers how long
    until that debt is paid off; as golang.org/x/time/rate's ``Reserve().Delay()`` does, so
    the waits of a burst of retries grow by ``1 / qps`` each. Items are not told apart:
    ``forget`` does nothing and ``num_requeues`` is always 0.
    """

    def __init__(self, qps: float = 10.0, burst: int = 100, *, clock: Clock | None = None) -> None:
        # Checked here too, so the error still names both settings as it always has.
        if qps <= 0 or burst < 1:
            raise ValueError("a token bucket needs qps > 0 and burst >= 1")
        self.qps = qps
        self.burst = burst
        # The client's request throttle is this same bucket: one implementation of the arithmetic.
        self._bucket = TokenBucket(qps, burst, clock or SYSTEM_CLOCK)

    def when(self, item: object) -> float:
        return self._bucket.reserve()

    def forget(self, item: object) -> None:
        """Nothing to forget: the bucket is shared by all items."""

    def num_requeues(self, item: object) -> int:
        return 0


class MaxOfRateLimiter(Generic[K]):
    """The worst case of several limiters: the longest wait, the highest requeue count.

    Every limiter is asked on every ``when()``, so each keeps its own count. With a token
    bucket among them a burst can look exceeded, when some items were held back longer by
    another limiter and then come due together.
    """

    def __init__(self, *limiters: RateLimiter[K]) -> None:
        if not limiters:
            raise ValueError("max_of needs at least one rate limiter")
        self.limiters = limiters

    def when(self, item: K) -> float:
        return max([limiter.when(item) for limiter in self.limiters])

    def forget(self, item: K) -> None:
        for limiter in self.limiters:
            limiter.forget(item)

    def num_requeues(self, item: K) -> int:
        return max(limiter.num_requeues(item) for limiter in self.limiters)


def max_of(*limiters: RateLimiter[K]) -> MaxOfRateLimiter[K]:
    """A limiter answering the longest wait of ``limiters``; see :class:`MaxOfRateLimiter`."""
    return MaxOfRateLimiter(*limiters)


def default_controller_rate_limiter(*, clock: Clock | None = None) -> MaxOfRateLimiter[Hashable]:
    """client-go's default for controllers: 5 ms doubling to 1000 s per item, 10 qps overall.

    The bucket (10 qps, burst 100) only slows retries down when many items fail at once.
    """
    return max_of(
        ItemExponentialFailureRateLimiter(0.005, 1000.0),
        BucketRateLimiter(10.0, 100, clock=clock),
    )


def default_item_based_rate_limiter() -> ItemExponentialFailureRateLimiter[Hashable]:
    """client-go's per-item default: 1 ms doubling up to 1000 s, no overall limit."""
    return ItemExponentialFailureRateLimiter(0.001, 1000.0)

"""The one token bucket: the client's qps/burst throttle and the workqueues' bucket limiter."""

from __future__ import annotations

import threading

from rawkube.core._clock import Clock


class TokenBucket:
    """Allows ``burst`` requests at once and ``qps`` per second on average, as client-go's limiter.

    :meth:`reserve` takes a token and returns how long the caller must wait before using it, so
    the same bucket serves threads and tasks, each sleeping on its own. With no token left it
    goes into debt, as golang.org/x/time/rate's ``Reserve().Delay()`` does, so the waits of a
    burst grow by ``1 / qps`` each. Time is read from ``clock`` only, so it never sleeps itself.
    """

    def __init__(self, qps: float, burst: int, clock: Clock) -> None:
        if qps <= 0:
            raise ValueError(f"qps must be positive, not {qps!r}")
        if burst < 1:
            raise ValueError(f"burst must be at least 1, not {burst!r}")
        self._qps = qps
        self._burst = float(burst)
        self._clock = clock
        self._tokens = float(burst)
        self._last = clock.monotonic()
        self._lock = threading.Lock()

    def reserve(self) -> float:
        """Take one token; the seconds to wait before sending (0.0 when one was ready)."""
        with self._lock:
            now = self._clock.monotonic()
            self._tokens = min(self._burst, self._tokens + (now - self._last) * self._qps)
            self._last = now
            self._tokens -= 1.0
            return 0.0 if self._tokens >= 0 else -self._tokens / self._qps

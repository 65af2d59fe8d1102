"""A bounded wait for tests of code that runs on threads of its own."""

import time
from collections.abc import Callable


def wait_until(condition: Callable[[], object], what: str, timeout: float = 10.0) -> None:
    """Return once ``condition()`` is true; fail the test after ``timeout`` real seconds.

    The condition is what the test waits for, not a guess of how long it takes: a slow machine
    only makes the wait longer, and a condition that never comes fails the test, naming it.
    """
    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            raise AssertionError(f"not true within {timeout} s: {what}")
        time.sleep(0.005)

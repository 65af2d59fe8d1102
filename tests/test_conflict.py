"""retry_on_conflict re-runs a read-modify-write on ConflictError only, boundedly."""

from __future__ import annotations

import pytest

import rawkube
from rawkube.core._clock import FakeClock


def conflict() -> rawkube.ConflictError:
    return rawkube.ConflictError(409, "Conflict", "the object has been modified")


def test_retries_until_the_write_goes_through():
    clock, calls = FakeClock(), []

    def update() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise conflict()
        return "updated"

    assert rawkube.retry_on_conflict(update, clock=clock) == "updated"
    assert len(calls) == 3
    assert len(clock.sleeps) == 2
    assert all(0.01 <= s <= 0.011 for s in clock.sleeps)


def test_gives_up_after_steps_with_the_last_conflict():
    clock, calls = FakeClock(), []

    def update() -> None:
        calls.append(1)
        raise conflict()

    with pytest.raises(rawkube.ConflictError):
        rawkube.retry_on_conflict(update, steps=4, clock=clock)
    assert len(calls) == 4


def test_other_errors_pass_straight_through():
    calls = []

    def update() -> None:
        calls.append(1)
        raise rawkube.AlreadyExistsError(409, "AlreadyExists", "exists")

    with pytest.raises(rawkube.AlreadyExistsError):
        rawkube.retry_on_conflict(update, clock=FakeClock())
    assert len(calls) == 1


def test_backoff_grows_by_factor():
    clock = FakeClock()

    def update() -> None:
        raise conflict()

    with pytest.raises(rawkube.ConflictError):
        rawkube.retry_on_conflict(update, steps=4, delay=1.0, factor=2.0, jitter=0.0, clock=clock)
    assert clock.sleeps == [1.0, 2.0, 4.0]


@pytest.mark.anyio
async def test_async_form():
    clock, calls = FakeClock(), []

    async def update() -> int:
        calls.append(1)
        if len(calls) == 1:
            raise conflict()
        return 7

    assert await rawkube.aretry_on_conflict(update, clock=clock) == 7
    assert len(clock.sleeps) == 1


def test_steps_must_be_positive():
    with pytest.raises(ValueError, match="steps"):
        rawkube.retry_on_conflict(lambda: None, steps=0)

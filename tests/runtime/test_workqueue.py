"""Work queues: each guarantee of the module docstring, for threads and for asyncio."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from rawkube.core._clock import FakeClock
from rawkube.runtime.ratelimit import ItemExponentialFailureRateLimiter, ItemFastSlowRateLimiter
from rawkube.runtime.workqueue import (
    AsyncDelayingQueue,
    AsyncQueue,
    AsyncRateLimitingQueue,
    DelayingQueue,
    Queue,
    RateLimitingQueue,
    ShutDown,
)

# No test waits for a timer to prove a timing rule: time moves on a FakeClock. Real time only
# bounds how long a test waits for another thread to get somewhere, so a bug fails, not hangs.
PATIENCE = 5.0


class _Announcing(threading.Condition):
    """A queue's condition that tells the test each time a thread starts waiting on it."""

    def __init__(self, lock: Any, seen: threading.Condition) -> None:
        super().__init__(lock)
        self.seen = seen

    def _release_save(self) -> None:  # wait() calls it once the waiter is registered
        super()._release_save()  # type: ignore[misc]
        with self.seen:
            self.seen.notify_all()


def observed(queue: Queue[Any]) -> threading.Condition:
    """Announce the queue's waiters to the returned condition (before any thread waits)."""
    seen: threading.Condition | None = getattr(queue, "_test_seen", None)
    if seen is None:
        seen = threading.Condition()
        queue._ready = _Announcing(queue._lock, seen)  # type: ignore[attr-defined]
        queue._idle = _Announcing(queue._lock, seen)  # type: ignore[attr-defined]
        queue._test_seen = seen  # type: ignore[attr-defined]
    return seen


def wait_for_waiters(queue: Queue[Any], condition: str, count: int) -> None:
    """Block until ``count`` threads wait on the queue's ``_ready`` or ``_idle`` condition."""
    seen = observed(queue)
    with seen:
        waiters = getattr(queue, condition)._waiters
        assert seen.wait_for(lambda: len(waiters) == count, PATIENCE), "gave up waiting"


def drain_all(queue: Queue[str]) -> list[str]:
    items = []
    while len(queue):
        item = queue.get()
        items.append(item)
        queue.done(item)
    return items


class Getter(threading.Thread):
    """A thread that gets one item (or ShutDown) from a queue and keeps what it got."""

    def __init__(self, queue: Queue[str]) -> None:
        super().__init__(daemon=True)
        self.queue = queue
        self.result: str | type[ShutDown] | None = None

    def run(self) -> None:
        try:
            self.result = self.queue.get()
        except ShutDown:
            self.result = ShutDown

    def outcome(self) -> str | type[ShutDown] | None:
        self.join(PATIENCE)
        assert not self.is_alive(), "the getter is still blocked"
        return self.result


class Worker(threading.Thread):
    """A worker looping on a queue; it holds "slow" until released."""

    took = threading.Condition()  # notified each time any worker takes an item

    def __init__(self, queue: Queue[str]) -> None:
        super().__init__(daemon=True)
        self.queue = queue
        self.seen_items: list[str] = []
        self.release = threading.Event()

    def run(self) -> None:
        while True:
            try:
                item = self.queue.get()
            except ShutDown:
                return
            with Worker.took:
                self.seen_items.append(item)
                Worker.took.notify_all()
            if item == "slow":
                self.release.wait()  # a test must release it, in a finally
            self.queue.done(item)

    @staticmethod
    def seen(workers: list[Worker]) -> list[str]:
        return [item for worker in workers for item in worker.seen_items]

    @staticmethod
    def wait_until_seen(workers: list[Worker], expected: list[str]) -> None:
        with Worker.took:
            done = Worker.took.wait_for(lambda: Worker.seen(workers) == expected, PATIENCE)
        assert done, f"the workers took {Worker.seen(workers)}, not {expected}"


def start_getters(queue: Queue[str], count: int) -> list[Getter]:
    observed(queue)
    getters = [Getter(queue) for _ in range(count)]
    for getter in getters:
        getter.start()
    wait_for_waiters(queue, "_ready", count)
    return getters


class TestQueue:
    def test_is_fifo(self):
        queue: Queue[str] = Queue()
        for item in "cab":
            queue.add(item)
        assert drain_all(queue) == ["c", "a", "b"]

    def test_an_item_added_while_queued_is_queued_once_in_its_place(self):
        queue: Queue[str] = Queue()
        for item in "abab":
            queue.add(item)
        assert len(queue) == 2
        assert drain_all(queue) == ["a", "b"]

    def test_an_item_added_while_processing_is_queued_again_once_on_done(self):
        queue: Queue[str] = Queue()
        queue.add("a")
        assert queue.get() == "a"
        queue.add("a")
        queue.add("a")
        assert len(queue) == 0  # not handed to a second worker while the first has it
        queue.done("a")
        assert len(queue) == 1
        assert queue.get() == "a"
        queue.done("a")
        assert len(queue) == 0

    def test_done_without_get_queues_nothing(self):
        queue: Queue[str] = Queue()
        queue.add("a")
        queue.done("a")
        queue.done("never-added")
        assert drain_all(queue) == ["a"]

    def test_a_blocked_get_wakes_for_an_add(self):
        queue: Queue[str] = Queue()
        (getter,) = start_getters(queue, 1)
        queue.add("a")
        assert getter.outcome() == "a"

    def test_no_item_is_processed_by_two_workers_at_once(self):
        queue: Queue[int] = Queue()
        active: set[int] = set()
        overlaps: list[int] = []
        processed: list[int] = []
        enough = threading.Event()
        guard = threading.Lock()

        def work() -> None:
            while True:
                try:
                    item = queue.get()
                except ShutDown:
                    return
                with guard:
                    if item in active:
                        overlaps.append(item)
                    active.add(item)
                queue.add(item)  # a worker may add what it is processing
                for _ in range(3):
                    time.sleep(0)  # let the other workers try to take it meanwhile
                with guard:
                    active.discard(item)
                    processed.append(item)
                    if len(processed) >= 3000:
                        enough.set()
                queue.done(item)

        workers = [threading.Thread(target=work, daemon=True) for _ in range(4)]
        for worker in workers:
            worker.start()
        for n in range(8):
            queue.add(n)  # the workers keep every item coming back until shutdown
        assert enough.wait(PATIENCE)
        queue.shut_down_with_drain()
        for worker in workers:
            worker.join(PATIENCE)
        assert not any(worker.is_alive() for worker in workers)
        assert overlaps == []
        assert set(processed) == set(range(8))

    def test_shut_down_wakes_every_blocked_getter(self):
        queue: Queue[str] = Queue()
        getters = start_getters(queue, 3)
        queue.shut_down()
        assert [getter.outcome() for getter in getters] == [ShutDown] * 3
        assert queue.shutting_down

    def test_items_queued_before_shut_down_are_still_handed_out(self):
        queue: Queue[str] = Queue()
        queue.add("a")
        queue.shut_down()
        assert queue.get() == "a"
        with pytest.raises(ShutDown):
            queue.get()

    def test_an_add_after_shut_down_is_ignored(self):
        queue: Queue[str] = Queue()
        assert not queue.shutting_down
        queue.shut_down()
        queue.add("a")
        assert len(queue) == 0
        with pytest.raises(ShutDown):
            queue.get()

    def test_an_item_added_while_processing_before_shut_down_is_still_queued_on_done(self):
        queue: Queue[str] = Queue()
        queue.add("a")
        queue.get()
        queue.add("a")
        queue.shut_down()
        queue.done("a")
        assert queue.get() == "a"

    def test_shut_down_with_drain_waits_for_items_being_processed(self):
        queue: Queue[str] = Queue()
        queue.add("a")
        queue.add("b")
        first, second = queue.get(), queue.get()
        observed(queue)
        drainer = threading.Thread(target=queue.shut_down_with_drain, daemon=True)
        drainer.start()
        wait_for_waiters(queue, "_idle", 1)
        queue.done(first)
        assert drainer.is_alive()  # "b" is still being processed
        assert queue.shutting_down
        queue.done(second)
        drainer.join(PATIENCE)
        assert not drainer.is_alive()

    def test_shut_down_with_drain_returns_at_once_when_nothing_is_processed(self):
        queue: Queue[str] = Queue()
        queue.shut_down_with_drain()
        assert queue.shutting_down

    def test_shut_down_ends_a_drain_that_waits(self):
        queue: Queue[str] = Queue()
        queue.add("a")
        queue.get()
        observed(queue)
        drainer = threading.Thread(target=queue.shut_down_with_drain, daemon=True)
        drainer.start()
        wait_for_waiters(queue, "_idle", 1)
        queue.shut_down()
        drainer.join(PATIENCE)
        assert not drainer.is_alive()

    def test_no_thread_of_the_queue_outlives_shut_down(self):
        before = set(threading.enumerate())
        queue: RateLimitingQueue[str] = RateLimitingQueue(clock=FakeClock())
        queue.add_after("later", 60.0)
        queue.add_rate_limited("retry")
        getters = start_getters(queue, 2)
        queue.shut_down()
        assert [getter.outcome() for getter in getters] == [ShutDown] * 2
        assert set(threading.enumerate()) == before


class TestDelayingQueue:
    def test_an_item_is_queued_once_its_delay_has_passed_on_the_clock(self):
        clock = FakeClock()
        queue: DelayingQueue[str] = DelayingQueue(clock=clock)
        queue.add_after("a", 5.0)
        clock.advance(4.999)
        assert len(queue) == 0
        clock.advance(0.001)
        assert len(queue) == 1
        assert queue.get() == "a"

    def test_delayed_items_are_queued_in_order_of_ready_time(self):
        clock = FakeClock()
        queue: DelayingQueue[str] = DelayingQueue(clock=clock)
        queue.add_after("c", 3.0)
        queue.add_after("a", 1.0)
        queue.add_after("b", 2.0)
        clock.advance(10.0)
        assert drain_all(queue) == ["a", "b", "c"]

    def test_due_items_go_before_an_item_added_after_they_were_due(self):
        clock = FakeClock()
        queue: DelayingQueue[str] = DelayingQueue(clock=clock)
        queue.add_after("delayed", 1.0)
        clock.advance(1.0)
        queue.add("now")
        assert drain_all(queue) == ["delayed", "now"]

    def test_an_item_delayed_twice_is_queued_once_at_the_earlier_time(self):
        clock = FakeClock()
        queue: DelayingQueue[str] = DelayingQueue(clock=clock)
        queue.add_after("a", 10.0)
        queue.add_after("a", 2.0)
        queue.add_after("a", 5.0)
        clock.advance(2.0)
        assert drain_all(queue) == ["a"]
        clock.advance(100.0)
        assert len(queue) == 0

    def test_a_delayed_item_already_queued_is_not_queued_twice(self):
        clock = FakeClock()
        queue: DelayingQueue[str] = DelayingQueue(clock=clock)
        queue.add("a")
        queue.add_after("a", 1.0)
        clock.advance(1.0)
        assert drain_all(queue) == ["a"]

    @pytest.mark.parametrize("seconds", [0.0, -1.0])
    def test_a_delay_that_is_not_positive_adds_at_once(self, seconds):
        queue: DelayingQueue[str] = DelayingQueue(clock=FakeClock())
        queue.add_after("a", seconds)
        assert len(queue) == 1

    def test_wake_makes_a_blocked_getter_see_the_clock_moved(self):
        clock = FakeClock()
        # A poll this long would fail the test: only wake() can deliver the item in time.
        queue: DelayingQueue[str] = DelayingQueue(clock=clock, poll_interval=3600.0)
        (getter,) = start_getters(queue, 1)
        queue.add_after("a", 30.0)
        clock.advance(30.0)
        queue.wake()
        assert getter.outcome() == "a"

    def test_a_blocked_getter_sees_the_clock_moved_at_its_next_poll(self):
        clock = FakeClock()
        queue: DelayingQueue[str] = DelayingQueue(clock=clock, poll_interval=0.001)
        (getter,) = start_getters(queue, 1)
        queue.add_after("a", 30.0)
        clock.advance(30.0)
        assert getter.outcome() == "a"

    def test_a_getter_taking_an_item_hands_the_timer_to_another(self):
        # Both getters wait with no timer; the first delay wakes one to keep a timer on the
        # delayed items. When it takes "slow" and stays busy, the other must take over.
        clock = FakeClock()
        queue: DelayingQueue[str] = DelayingQueue(clock=clock, poll_interval=0.001)
        observed(queue)
        workers = [Worker(queue), Worker(queue)]
        for worker in workers:
            worker.start()
        try:
            wait_for_waiters(queue, "_ready", 2)
            queue.add_after("slow", 1.0)
            queue.add_after("later", 2.0)
            clock.advance(1.0)
            Worker.wait_until_seen(workers, ["slow"])
            clock.advance(1.0)
            Worker.wait_until_seen(workers, ["slow", "later"])
        finally:
            for worker in workers:
                worker.release.set()
            queue.shut_down()
        for worker in workers:
            worker.join(PATIENCE)

    def test_an_add_after_after_shut_down_is_ignored(self):
        clock = FakeClock()
        queue: DelayingQueue[str] = DelayingQueue(clock=clock)
        queue.shut_down()
        queue.add_after("a", 1.0)
        queue.add_after("b", 0.0)
        clock.advance(1.0)
        assert len(queue) == 0

    def test_delayed_items_not_yet_due_are_dropped_at_shut_down(self):
        clock = FakeClock()
        queue: DelayingQueue[str] = DelayingQueue(clock=clock)
        queue.add_after("a", 1.0)
        queue.shut_down()
        clock.advance(1.0)
        with pytest.raises(ShutDown):
            queue.get()

    def test_poll_interval_must_be_positive(self):
        with pytest.raises(ValueError, match="poll_interval"):
            DelayingQueue(poll_interval=0.0)


class TestRateLimitingQueue:
    def test_retries_wait_as_the_limiter_says(self):
        clock = FakeClock()
        limiter = ItemExponentialFailureRateLimiter[str](0.005, 1000.0)
        queue = RateLimitingQueue(limiter, clock=clock)
        for delay in (0.005, 0.010, 0.020):
            queue.add_rate_limited("a")
            clock.advance(delay - 0.0001)
            assert len(queue) == 0
            clock.advance(0.0001)
            assert drain_all(queue) == ["a"]

    def test_num_requeues_counts_and_forget_resets(self):
        queue = RateLimitingQueue(ItemFastSlowRateLimiter[str](1.0, 60.0, 2), clock=FakeClock())
        assert queue.num_requeues("a") == 0
        for _ in range(3):
            queue.add_rate_limited("a")
        assert queue.num_requeues("a") == 3
        queue.forget("a")
        assert queue.num_requeues("a") == 0

    def test_the_default_limiter_runs_on_the_queue_clock(self):
        clock = FakeClock()
        queue: RateLimitingQueue[str] = RateLimitingQueue(clock=clock)
        for n in range(101):
            queue.add_rate_limited(f"item-{n}")
        clock.advance(0.005)  # every first failure waits 5 ms...
        assert len(queue) == 100
        clock.advance(0.095)  # ...but the 101st waits for the bucket: 1 / 10 qps
        assert len(queue) == 101

    def test_add_rate_limited_after_shut_down_is_ignored(self):
        queue: RateLimitingQueue[str] = RateLimitingQueue(clock=FakeClock())
        queue.shut_down()
        queue.add_rate_limited("a")
        assert len(queue) == 0


class QueueModel(RuleBasedStateMachine):
    """Any sequence of add, get and done on one thread agrees with the spec, restated."""

    def __init__(self) -> None:
        super().__init__()
        self.queue: Queue[str] = Queue()
        self.waiting: list[str] = []  # the spec: ready items in order, each once
        self.processing: set[str] = set()
        self.again: set[str] = set()  # added while processing

    @rule(item=st.sampled_from("abcd"))
    def add(self, item: str) -> None:
        self.queue.add(item)
        if item in self.processing:
            self.again.add(item)
        elif item not in self.waiting:
            self.waiting.append(item)

    @precondition(lambda self: self.waiting)
    @rule()
    def get(self) -> None:
        item = self.waiting.pop(0)
        assert self.queue.get() == item
        self.processing.add(item)

    @precondition(lambda self: self.processing)
    @rule(data=st.data())
    def done(self, data: st.DataObject) -> None:
        item = data.draw(st.sampled_from(sorted(self.processing)))
        self.queue.done(item)
        self.processing.discard(item)
        if item in self.again:
            self.again.discard(item)
            self.waiting.append(item)

    @invariant()
    def same_length(self) -> None:
        assert len(self.queue) == len(self.waiting)


TestQueueModel = QueueModel.TestCase
TestQueueModel.settings = settings(max_examples=100)


async def until(predicate: Callable[[], bool]) -> None:
    for _ in range(10_000):
        if predicate():
            return
        await asyncio.sleep(0)
    raise AssertionError("gave up waiting")


def waiting_tasks(queue: AsyncQueue[str]) -> int:
    return len(queue._ready._futures)


class TestAsyncQueue:
    @pytest.mark.anyio
    async def test_is_fifo_and_stingy(self):
        queue: AsyncQueue[str] = AsyncQueue()
        for item in "cabca":
            queue.add(item)
        assert len(queue) == 3
        assert [await queue.get() for _ in range(3)] == ["c", "a", "b"]

    @pytest.mark.anyio
    async def test_an_item_added_while_processing_is_queued_again_once_on_done(self):
        queue: AsyncQueue[str] = AsyncQueue()
        queue.add("a")
        item = await queue.get()
        queue.add("a")
        queue.add("a")
        assert len(queue) == 0
        queue.done(item)
        assert len(queue) == 1
        assert await queue.get() == "a"

    @pytest.mark.anyio
    async def test_a_waiting_get_wakes_for_an_add(self):
        queue: AsyncQueue[str] = AsyncQueue()
        getter = asyncio.create_task(queue.get())
        await until(lambda: waiting_tasks(queue) == 1)
        queue.add("a")
        assert await asyncio.wait_for(getter, PATIENCE) == "a"

    @pytest.mark.anyio
    async def test_no_item_is_processed_by_two_tasks_at_once(self):
        queue: AsyncQueue[int] = AsyncQueue()
        active: set[int] = set()
        overlaps: list[int] = []

        async def work() -> None:
            while True:
                try:
                    item = await queue.get()
                except ShutDown:
                    return
                if item in active:
                    overlaps.append(item)
                active.add(item)
                await asyncio.sleep(0)
                queue.add(item)
                active.discard(item)
                queue.done(item)

        workers = [asyncio.create_task(work()) for _ in range(4)]
        for n in range(2000):
            queue.add(n % 8)
            if n % 5 == 0:
                await asyncio.sleep(0)
        await queue.shut_down_with_drain()
        await asyncio.gather(*workers)
        assert overlaps == []

    @pytest.mark.anyio
    async def test_shut_down_wakes_every_waiting_getter(self):
        before = asyncio.all_tasks()
        queue: AsyncQueue[str] = AsyncQueue()
        getters = [asyncio.create_task(queue.get()) for _ in range(3)]
        await until(lambda: waiting_tasks(queue) == 3)
        queue.shut_down()
        outcomes = await asyncio.gather(*getters, return_exceptions=True)
        assert [type(outcome) for outcome in outcomes] == [ShutDown] * 3
        assert asyncio.all_tasks() == before

    @pytest.mark.anyio
    async def test_an_add_after_shut_down_is_ignored(self):
        queue: AsyncRateLimitingQueue[str] = AsyncRateLimitingQueue(clock=FakeClock())
        queue.shut_down()
        queue.add("a")
        queue.add_after("b", 1.0)
        queue.add_rate_limited("c")
        assert queue.shutting_down
        assert len(queue) == 0
        with pytest.raises(ShutDown):
            await queue.get()

    @pytest.mark.anyio
    async def test_shut_down_with_drain_waits_for_items_being_processed(self):
        queue: AsyncQueue[str] = AsyncQueue()
        queue.add("a")
        item = await queue.get()
        drainer = asyncio.create_task(queue.shut_down_with_drain())
        await until(lambda: len(queue._idle._futures) == 1)
        assert not drainer.done()
        queue.done(item)
        await asyncio.wait_for(drainer, PATIENCE)

    @pytest.mark.anyio
    async def test_a_cancelled_getter_passes_its_wake_up_on(self):
        queue: AsyncQueue[str] = AsyncQueue()
        first = asyncio.create_task(queue.get())
        second = asyncio.create_task(queue.get())
        await until(lambda: waiting_tasks(queue) == 2)
        queue.add("a")  # wakes the first getter...
        first.cancel()  # ...which leaves before it looks
        assert await asyncio.wait_for(second, PATIENCE) == "a"
        with pytest.raises(asyncio.CancelledError):
            await first


class TestAsyncDelayingQueue:
    @pytest.mark.anyio
    async def test_delayed_items_are_queued_in_order_of_ready_time(self):
        clock = FakeClock()
        queue: AsyncDelayingQueue[str] = AsyncDelayingQueue(clock=clock)
        queue.add_after("b", 2.0)
        queue.add_after("a", 1.0)
        queue.add_after("a", 3.0)
        assert len(queue) == 0
        clock.advance(2.0)
        assert [await queue.get() for _ in range(2)] == ["a", "b"]
        assert len(queue) == 0

    @pytest.mark.anyio
    async def test_wake_makes_a_waiting_getter_see_the_clock_moved(self):
        clock = FakeClock()
        queue: AsyncDelayingQueue[str] = AsyncDelayingQueue(clock=clock, poll_interval=3600.0)
        getter = asyncio.create_task(queue.get())
        await until(lambda: waiting_tasks(queue) == 1)
        queue.add_after("a", 30.0)
        clock.advance(30.0)
        queue.wake()
        assert await asyncio.wait_for(getter, PATIENCE) == "a"

    @pytest.mark.anyio
    async def test_a_waiting_getter_sees_the_clock_moved_at_its_next_poll(self):
        clock = FakeClock()
        queue: AsyncDelayingQueue[str] = AsyncDelayingQueue(clock=clock, poll_interval=0.001)
        getter = asyncio.create_task(queue.get())
        queue.add_after("a", 30.0)
        await until(lambda: waiting_tasks(queue) == 1)
        clock.advance(30.0)
        assert await asyncio.wait_for(getter, PATIENCE) == "a"

    @pytest.mark.anyio
    async def test_no_task_or_timer_is_left_after_shut_down(self):
        before = asyncio.all_tasks()
        clock = FakeClock()
        queue: AsyncDelayingQueue[str] = AsyncDelayingQueue(clock=clock)
        queue.add_after("later", 60.0)
        getter = asyncio.create_task(queue.get())
        await until(lambda: waiting_tasks(queue) == 1)
        queue.shut_down()
        with pytest.raises(ShutDown):
            await getter
        assert asyncio.all_tasks() == before
        scheduled = asyncio.get_running_loop()._scheduled  # type: ignore[attr-defined]
        assert not [timer for timer in scheduled if not timer.cancelled()]


class TestAsyncRateLimitingQueue:
    @pytest.mark.anyio
    async def test_retries_wait_as_the_limiter_says_and_forget_resets(self):
        clock = FakeClock()
        limiter = ItemExponentialFailureRateLimiter[str](0.005, 1000.0)
        queue = AsyncRateLimitingQueue(limiter, clock=clock)
        queue.add_rate_limited("a")
        queue.add_rate_limited("a")  # waits 10 ms, but "a" is already due at 5 ms
        assert queue.num_requeues("a") == 2
        clock.advance(0.005)
        assert await queue.get() == "a"
        queue.forget("a")
        assert queue.num_requeues("a") == 0

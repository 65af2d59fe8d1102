"""Leader election on a Lease: the decision rules alone, then electors against the fake cluster.

How the tests stay deterministic and fast
-----------------------------------------
The sans-IO :class:`LeaseDecision` is tested by calling it with made-up times.

The electors run for real (their own threads or tasks, their own loops) against a
:class:`~rawkube.testing.FakeCluster`, on a simulated clock shared by the cluster and every
client: :class:`SimClock` for threads, :class:`AsyncSimClock` for asyncio. Only one
participant (an elector's ``run()``) executes at a time: it runs until it sleeps on the clock
(or ends); when every participant sleeps, the test's driver (``run_until``) moves the time to
the earliest wake-up and lets exactly that sleeper go (ties in the order they fell asleep).
So two electors contending for one Lease always interleave the same way, and minutes of
election take milliseconds. The jitter's random source is fixed per test (its maximum, or a
seeded ``random.Random``), which makes client-go's bounds exact worst cases.

The work a leader starts (``on_started_leading``) is not a participant: it only waits for its
stop event (or its cancellation), and its effects are asserted after the fact.

Two tests run on the real clock, to show that ``stop()`` cuts a real wait short: their waits
would last minutes, and they end in milliseconds.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import logging
import random
import threading
from collections.abc import Callable, Coroutine
from datetime import datetime, timezone
from typing import Any

import httpx
import pytest

import rawkube
from rawkube.core._clock import FakeClock
from rawkube.models._types import parse_time
from rawkube.runtime.leaderelection import (
    JITTER_FACTOR,
    AsyncLeaderElector,
    LeaderElectionRecord,
    LeaderElector,
    LeaseDecision,
    Step,
    jittered,
)
from rawkube.testing import FakeCluster

START = datetime(2026, 1, 1, tzinfo=timezone.utc)
T0 = 1000.0  # FakeClock's monotonic start
LEASE, RENEW, RETRY = 15.0, 10.0, 2.0
REAL_TIMEOUT = 10.0  # real seconds before a stuck simulation fails the test instead of hanging


def worst_jitter() -> float:
    return 0.999999  # rand() is in [0, 1): the longest retry client-go's jitter allows


# --- simulated time ---------------------------------------------------------------------------


class SimClock(FakeClock):
    """Virtual time for threads: one participant runs at a time (see the module docstring)."""

    def __init__(self) -> None:
        super().__init__(START)
        self._cond = threading.Condition()
        self._sleepers: list[tuple[float, int, list[bool]]] = []
        self._order = itertools.count()
        self._running = 0
        self._threads: list[threading.Thread] = []

    @property
    def t(self) -> float:
        """Seconds since the simulation began."""
        return self.monotonic() - T0

    def sleep(self, seconds: float) -> None:
        with self._cond:
            self.sleeps.append(seconds)
            woken = [False]
            heapq.heappush(
                self._sleepers, (self._mono + max(seconds, 0.0), next(self._order), woken)
            )
            self._running -= 1
            self._cond.notify_all()
            assert self._cond.wait_for(lambda: woken[0], timeout=REAL_TIMEOUT), "never woken"

    def spawn(self, target: Callable[[], object]) -> threading.Thread:
        """Run ``target`` in a participant thread, and run it until it first sleeps or ends."""
        with self._cond:
            self._running += 1

        def body() -> None:
            try:
                target()
            finally:
                with self._cond:
                    self._running -= 1
                    self._cond.notify_all()

        thread = threading.Thread(target=body, daemon=True)
        self._threads.append(thread)
        thread.start()
        self.run_until(self.t)
        return thread

    def run_until(self, t: float) -> None:
        """Let the participants run, in order of their wake-ups, until ``t`` (from the start)."""
        with self._cond:
            while True:
                idle = self._cond.wait_for(lambda: self._running == 0, timeout=REAL_TIMEOUT)
                assert idle, "a participant neither slept on the clock nor ended"
                if not self._sleepers or self._sleepers[0][0] > T0 + t:
                    self.advance(max(T0 + t - self._mono, 0.0))
                    return
                at, _, woken = heapq.heappop(self._sleepers)
                self.advance(at - self._mono)
                woken[0] = True
                self._running += 1
                self._cond.notify_all()

    def run_for(self, seconds: float) -> None:
        self.run_until(self.t + seconds)

    def finish(self, within: float = 600.0) -> None:
        """Run until every participant has ended (they must have been stopped)."""
        self.run_for(within)
        for thread in self._threads:
            thread.join(REAL_TIMEOUT)
            assert not thread.is_alive(), "a participant is still running"


class AsyncSimClock(FakeClock):
    """The asyncio twin of :class:`SimClock`: participants are tasks made by ``spawn``."""

    def __init__(self) -> None:
        super().__init__(START)
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()
        self._running = 0

    @property
    def t(self) -> float:
        return self.monotonic() - T0

    async def asleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        woken: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self._mono + max(seconds, 0.0), next(self._order), woken))
        self._running -= 1
        try:
            await woken
        except asyncio.CancelledError:
            # The sleeper's task was cancelled: it runs again (to clean up) without a wake-up.
            self._sleepers = [s for s in self._sleepers if s[2] is not woken]
            heapq.heapify(self._sleepers)
            self._running += 1
            raise

    async def spawn(self, coro: Coroutine[Any, Any, object]) -> asyncio.Task[object]:
        self._running += 1

        async def body() -> object:
            try:
                return await coro
            finally:
                self._running -= 1

        task = asyncio.ensure_future(body())
        await self.run_until(self.t)
        return task

    async def _idle(self) -> None:
        # Always yield at least once: a cancellation or wake-up just made takes effect first.
        for _ in range(10_000):
            await asyncio.sleep(0)
            if self._running == 0:
                return
        raise AssertionError("a participant neither slept on the clock nor ended")

    async def run_until(self, t: float) -> None:
        while True:
            await self._idle()
            if not self._sleepers or self._sleepers[0][0] > T0 + t:
                self.advance(max(T0 + t - self._mono, 0.0))
                return
            at, _, woken = heapq.heappop(self._sleepers)
            self.advance(at - self._mono)
            self._running += 1
            woken.set_result(None)

    async def run_for(self, seconds: float) -> None:
        await self.run_until(self.t + seconds)


# --- what the cluster saw ---------------------------------------------------------------------


def lease_history(cluster: FakeCluster) -> list[tuple[float, str]]:
    """(seconds since the start, holder) for every write of a Lease, oldest first.

    The time is the ``renewTime`` written, which every write of an elector sets to the clock's
    wall time; the simulated wall and monotonic clocks move together.
    """
    history = []
    for change in cluster.store.changes_after(0):
        if change.object.get("kind") == "Lease":
            spec = change.object["spec"]
            at = (parse_time(spec["renewTime"]) - START).total_seconds()
            history.append((at, spec.get("holderIdentity", "")))
    return history


def the_lease(cluster: FakeCluster) -> dict[str, Any]:
    (lease,) = cluster.objects("Lease")
    return lease["spec"]


class Log:
    """What one candidate's callbacks saw, with the simulated time of each call."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.started = threading.Event()
        self.work_ended = threading.Event()
        self.leaders: list[tuple[float, str]] = []
        self.stopped: list[float] = []

    def work(self, stop: threading.Event) -> None:
        self.started.set()
        assert stop.wait(REAL_TIMEOUT)
        self.work_ended.set()

    def on_new_leader(self, identity: str) -> None:
        self.leaders.append((self.clock.monotonic() - T0, identity))

    def on_stopped_leading(self) -> None:
        assert self.work_ended.is_set() or not self.started.is_set(), "work still running"
        self.stopped.append(self.clock.monotonic() - T0)

    def led_from(self, identity: str) -> float:
        return next(t for t, who in self.leaders if who == identity)


class Spy:
    """An ``Api[Lease]`` stand-in that records what its elector read, and when."""

    def __init__(self, api: rawkube.Api[Any], clock: FakeClock) -> None:
        self._api = api
        self._clock = clock
        self.config = api.config
        self.reads: list[tuple[float, LeaderElectionRecord]] = []
        self.after_get: Callable[[], None] | None = None

    def get(self, name: str, **options: Any) -> Any:
        lease = self._api.get(name, **options)
        self.reads.append((self._clock.monotonic() - T0, LeaderElectionRecord.from_lease(lease)))
        if self.after_get is not None:
            self.after_get()
        return lease

    def create(self, obj: Any, **options: Any) -> Any:
        return self._api.create(obj, **options)

    def update(self, obj: Any, **options: Any) -> Any:
        return self._api.update(obj, **options)


class Outage(httpx.BaseTransport):
    """The fake cluster's transport, answering 503 (no Retry-After) while ``down``."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.down = False

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            return httpx.Response(503, json=UNAVAILABLE)
        return self.inner.handle_request(request)


class AsyncOutage(httpx.AsyncBaseTransport):
    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.down = False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            return httpx.Response(503, json=UNAVAILABLE)
        return await self.inner.handle_async_request(request)


UNAVAILABLE = {
    "kind": "Status",
    "apiVersion": "v1",
    "status": "Failure",
    "reason": "ServiceUnavailable",
    "code": 503,
}


def config(clock: FakeClock) -> rawkube.Config:
    return rawkube.Config(server="http://fake-cluster.invalid", clock=clock)


def elector(api: Any, identity: str, log: Log, **options: Any) -> LeaderElector:
    options.setdefault("rand", worst_jitter)
    return LeaderElector(
        api,
        "the-lease",
        identity,
        lease_duration=LEASE,
        renew_deadline=RENEW,
        retry_period=RETRY,
        on_started_leading=log.work,
        on_stopped_leading=log.on_stopped_leading,
        on_new_leader=log.on_new_leader,
        **options,
    )


@pytest.fixture
def no_new_threads():
    before = set(threading.enumerate())
    yield
    assert set(threading.enumerate()) == before


# --- the decision alone -----------------------------------------------------------------------


def held_by(holder: str, renewed: str = "2020-01-01T00:00:00.000000Z", **fields: Any):
    return LeaderElectionRecord(
        holder_identity=holder, lease_duration_seconds=15, renew_time=renewed, **fields
    )


def test_an_absent_lease_is_created_held_by_us():
    decision = LeaseDecision("a", 15)
    step, record = decision.plan(None, 0.0, "W")
    assert step is Step.CREATE
    assert record == LeaderElectionRecord("a", 15, "W", "W", 0)
    assert not decision.is_leader()  # not until the server accepted it
    decision.wrote(record, 0.0)
    assert decision.is_leader()
    assert decision.leader() == "a"


def test_expiry_counts_from_when_we_saw_the_record_change_never_from_its_timestamps():
    decision = LeaseDecision("b", 15)
    # The holder's clock is years off ours: its renewTime says nothing to us.
    first = held_by("a", renewed="1999-01-01T00:00:00.000000Z")
    assert decision.plan(first, 100.0, "W") == (Step.WAIT, None)
    # The same record read again does not restart the lease: it runs out 15 s after we saw it.
    assert decision.plan(first, 114.9, "W") == (Step.WAIT, None)
    step, record = decision.plan(first, 115.0, "W")
    assert step is Step.ACQUIRE
    assert record == LeaderElectionRecord("b", 15, "W", "W", 1)


def test_a_changed_record_restarts_the_lease():
    decision = LeaseDecision("b", 15)
    decision.plan(held_by("a", renewed="3000-01-01T00:00:00.000000Z"), 100.0, "W")
    renewed = held_by("a", renewed="3000-01-01T00:00:02.000000Z")
    assert decision.plan(renewed, 110.0, "W") == (Step.WAIT, None)
    assert decision.observed_time == 110.0
    assert decision.plan(renewed, 124.9, "W") == (Step.WAIT, None)
    assert decision.plan(renewed, 125.0, "W")[0] is Step.ACQUIRE


def test_a_lease_with_no_holder_is_taken_at_once_and_the_transitions_counted():
    decision = LeaseDecision("b", 15)
    released = LeaderElectionRecord("", 1, "T", "T", 4)
    step, record = decision.plan(released, 100.0, "W")
    assert step is Step.ACQUIRE
    assert record == LeaderElectionRecord("b", 15, "W", "W", 5)


def test_our_own_lease_is_renewed_keeping_its_acquire_time_and_transitions():
    decision = LeaseDecision("a", 15)
    ours = LeaderElectionRecord("a", 15, "ACQ", "OLD", 3)
    step, record = decision.plan(ours, 100.0, "NEW")
    assert step is Step.RENEW
    assert record == LeaderElectionRecord("a", 15, "ACQ", "NEW", 3)
    # A restarted candidate with the same identity takes its lease back the same way.
    decision.wrote(record, 100.0)
    assert decision.renewal(114.0, "NEWER") == LeaderElectionRecord("a", 15, "ACQ", "NEWER", 3)
    assert decision.renewal(115.0, "LATE") is None  # our own lease expired: read first


def test_release_clears_the_holder_and_shortens_the_lease():
    decision = LeaseDecision("a", 15)
    assert decision.release("W") is None  # nothing held, nothing to release
    decision.wrote(LeaderElectionRecord("a", 15, "ACQ", "R", 2), 0.0)
    assert decision.release("W") == LeaderElectionRecord("", 1, "W", "W", 2)


def test_each_new_leader_is_reported_once_and_no_holder_is_not_a_leader():
    decision = LeaseDecision("b", 15)
    assert decision.new_leader() is None
    decision.observe(held_by("a"), 0.0)
    assert decision.new_leader() == "a"
    decision.observe(held_by("a", renewed="2020-01-01T00:00:02.000000Z"), 2.0)
    assert decision.new_leader() is None
    decision.observe(LeaderElectionRecord("", 1), 3.0)
    assert decision.new_leader() is None
    decision.observe(held_by("c"), 4.0)
    assert decision.new_leader() == "c"
    assert decision.held_by_other(4.0)
    assert not decision.held_by_other(19.0)


def test_jitter_stays_within_client_gos_factor():
    assert jittered(2.0, lambda: 0.0) == 2.0
    assert jittered(2.0, worst_jitter) == pytest.approx(2.0 * (1 + JITTER_FACTOR))


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"identity": ""}, "identity"),
        ({"name": ""}, "name"),
        ({"lease_duration": 10.0}, "lease_duration"),
        ({"lease_duration": 10.9}, "whole seconds"),
        ({"retry_period": 9.0}, "retry_period"),
        ({"retry_period": 0.0}, "greater than zero"),
    ],
)
def test_settings_client_go_refuses_are_refused(options, message):
    cluster = FakeCluster(clock=FakeClock())
    settings: dict[str, Any] = {"name": "x", "identity": "a", **options}
    with pytest.raises(ValueError, match=message):
        LeaderElector(cluster.client().coordination_v1.leases(), **settings)


# --- one candidate ----------------------------------------------------------------------------


def test_a_single_candidate_acquires_renews_each_retry_period_and_releases(no_new_threads):
    clock = SimClock()
    cluster = FakeCluster(clock=clock)
    log = Log(clock)
    a = elector(cluster.client().coordination_v1.leases(), "a", log, release_on_cancel=True)
    assert not a.is_leader()
    assert a.get_leader() == ""

    clock.spawn(a.run)
    assert a.is_leader()
    assert a.get_leader() == "a"
    assert log.started.wait(REAL_TIMEOUT)
    assert log.leaders == [(0.0, "a")]
    assert the_lease(cluster)["holderIdentity"] == "a"
    assert the_lease(cluster)["leaseDurationSeconds"] == 15

    clock.run_until(11.0)
    assert lease_history(cluster) == [(t, "a") for t in (0.0, 2.0, 4.0, 6.0, 8.0, 10.0)]
    assert the_lease(cluster)["acquireTime"] == "2026-01-01T00:00:00.000000Z"
    assert the_lease(cluster)["leaseTransitions"] == 0

    a.stop()
    clock.finish()
    assert log.work_ended.is_set()
    assert log.stopped == [12.0]  # the stop is seen when the wait it came in ends
    assert not a.is_leader()
    spec = the_lease(cluster)
    assert spec["holderIdentity"] == ""
    assert spec["leaseDurationSeconds"] == 1
    assert spec["leaseTransitions"] == 0
    with pytest.raises(RuntimeError, match="runs once"):
        a.run()


def test_a_candidate_stopped_before_it_leads_calls_no_callbacks(no_new_threads):
    clock = SimClock()
    cluster = FakeCluster(clock=clock)
    cluster.create(
        {
            "apiVersion": "coordination.k8s.io/v1",
            "kind": "Lease",
            "metadata": {"name": "the-lease"},
            "spec": {"holderIdentity": "z", "leaseDurationSeconds": 15},
        }
    )
    log = Log(clock)
    b = elector(cluster.client().coordination_v1.leases(), "b", log, release_on_cancel=True)
    clock.spawn(b.run)
    clock.run_until(10.0)
    assert log.leaders == [(0.0, "z")]
    b.stop()
    clock.finish()
    assert not log.started.is_set()
    assert log.stopped == []  # client-go would call on_stopped_leading here too
    assert the_lease(cluster)["holderIdentity"] == "z"


def test_renew_failing_past_the_renew_deadline_gives_up_leadership(no_new_threads, caplog):
    clock = SimClock()
    cluster = FakeCluster(clock=clock)
    transport = Outage(cluster.transport())
    client = rawkube.Client(config(clock), transport=transport)
    log = Log(clock)
    a = elector(client.coordination_v1.leases(), "a", log, release_on_cancel=True)
    clock.spawn(a.run)
    clock.run_until(5.0)  # renewed at 0, 2, 4
    transport.down = True
    with caplog.at_level(logging.INFO, logger="rawkube"):
        clock.finish()  # it ends by itself

    # The renewal that began at 6 s is retried until 6 + renew_deadline, then given up: well
    # before anyone else may take over (lease_duration after the last renewal, at 4 s).
    assert log.stopped == [6.0 + RENEW]
    assert log.stopped[0] < 4.0 + LEASE
    assert log.work_ended.is_set()
    assert not a.is_leader()
    assert "renew deadline passed" in caplog.text
    assert "ServiceUnavailableError" in caplog.text
    # No write got through during the outage (the release failed too, and was only logged).
    assert lease_history(cluster)[-1] == (4.0, "a")
    client.close()


def test_a_leader_whose_renewal_conflicts_steps_down_for_the_new_holder(no_new_threads, caplog):
    clock = SimClock()
    cluster = FakeCluster(clock=clock)
    log = Log(clock)
    a = elector(cluster.client().coordination_v1.leases(), "a", log)
    clock.spawn(a.run)
    clock.run_until(3.0)

    # Someone else writes the Lease (an operator, or a candidate whose clock ran fast).
    other = cluster.client().coordination_v1.leases()
    lease = other.get("the-lease")
    assert lease.spec is not None
    lease.spec.holder_identity = "intruder"
    other.update(lease)

    with caplog.at_level(logging.INFO, logger="rawkube"):
        clock.finish()
    # Its optimistic renewal at 4 s hits the new resourceVersion (409 Conflict); reading again
    # shows another holder whose lease runs, so it stops leading there and then.
    assert "renew failed: ConflictError" in caplog.text
    assert log.stopped == [4.0]
    assert log.leaders == [(0.0, "a"), (4.0, "intruder")]
    assert the_lease(cluster)["holderIdentity"] == "intruder"


def test_a_candidate_that_loses_the_race_to_write_sees_the_winner(no_new_threads, caplog):
    clock = SimClock()
    cluster = FakeCluster(clock=clock)
    cluster.create(
        {
            "apiVersion": "coordination.k8s.io/v1",
            "kind": "Lease",
            "metadata": {"name": "the-lease"},
            "spec": {"holderIdentity": "", "leaseDurationSeconds": 1, "leaseTransitions": 3},
        }
    )
    spy = Spy(cluster.client().coordination_v1.leases(), clock)
    winner = cluster.client().coordination_v1.leases()

    def someone_else_writes_first() -> None:
        spy.after_get = None
        lease = winner.get("the-lease")
        assert lease.spec is not None
        lease.spec.holder_identity = "w"
        lease.spec.lease_duration_seconds = 15
        winner.update(lease)

    # Between b's read of the free Lease and b's write, another candidate takes it.
    spy.after_get = someone_else_writes_first
    log = Log(clock)
    b = elector(spy, "b", log)
    with caplog.at_level(logging.INFO, logger="rawkube"):
        clock.spawn(b.run)
        clock.run_until(10.0)
    assert "acquire failed: ConflictError" in caplog.text
    assert not b.is_leader()
    assert b.get_leader() == "w"
    assert not log.started.is_set()
    b.stop()
    clock.finish()
    assert the_lease(cluster)["holderIdentity"] == "w"


def test_a_failing_work_ends_the_election_and_is_raised(no_new_threads):
    clock = SimClock()
    cluster = FakeCluster(clock=clock)
    failures: list[BaseException] = []

    def work(stop: threading.Event) -> None:
        raise KeyError("boom")

    a = LeaderElector(
        cluster.client().coordination_v1.leases(),
        "the-lease",
        "a",
        on_started_leading=work,
        release_on_cancel=True,
    )

    def run() -> None:
        try:
            a.run()
        except KeyError as exc:
            failures.append(exc)

    clock.spawn(run)
    clock.finish()
    assert len(failures) == 1
    assert the_lease(cluster)["holderIdentity"] == ""


def held_lease(holder: str) -> dict[str, Any]:
    return {
        "apiVersion": "coordination.k8s.io/v1",
        "kind": "Lease",
        "metadata": {"name": "the-lease"},
        "spec": {"holderIdentity": holder, "leaseDurationSeconds": 1000},
    }


def test_on_the_real_clock_stop_ends_a_wait_at_once(no_new_threads):
    # Real time (as in its async twin): the wait would last minutes, so returning within
    # seconds proves stop() cut it short; nothing here sleeps for real.
    cluster = FakeCluster([held_lease("z")])
    waiting = threading.Event()
    b = LeaderElector(
        cluster.client().coordination_v1.leases(),
        "the-lease",
        "b",
        lease_duration=1000,
        renew_deadline=500,
        retry_period=300,
        on_new_leader=lambda identity: waiting.set(),  # called just before the first wait
    )
    thread = threading.Thread(target=b.run)
    thread.start()
    assert waiting.wait(REAL_TIMEOUT)
    b.stop()
    thread.join(REAL_TIMEOUT)
    assert not thread.is_alive()


def test_the_work_thread_never_keeps_a_failing_program_alive(no_new_threads):
    # A thread inherits its starter's daemon flag: run() from a plain thread (here the test's)
    # would make the work a thread the interpreter waits for at exit, forever if it ignores
    # its stop event. The work's thread must be a daemon whoever runs the election.
    cluster = FakeCluster()  # the real clock: stop() ends the renewal wait at once
    daemon: list[bool] = []
    leading = threading.Event()

    def work(stop: threading.Event) -> None:
        daemon.append(threading.current_thread().daemon)
        leading.set()
        stop.wait(REAL_TIMEOUT)

    a = LeaderElector(
        cluster.client().coordination_v1.leases(), "the-lease", "a", on_started_leading=work
    )
    thread = threading.Thread(target=a.run)  # not a daemon
    thread.start()
    assert leading.wait(REAL_TIMEOUT)
    a.stop()
    thread.join(REAL_TIMEOUT)
    assert not thread.is_alive()
    assert daemon == [True]


# --- two candidates ---------------------------------------------------------------------------


def leading_spans(log: Log, identity: str) -> list[tuple[float, float]]:
    starts = [t for t, who in log.leaders if who == identity]
    return list(zip(starts, log.stopped, strict=True))


@pytest.mark.parametrize("rand", ["worst", 1, 2, 3])
def test_two_candidates_hand_over_quickly_after_a_clean_release(rand, no_new_threads):
    jitter = worst_jitter if rand == "worst" else random.Random(rand).random
    clock = SimClock()
    cluster = FakeCluster(clock=clock)
    log_a, log_b = Log(clock), Log(clock)
    a = elector(cluster.client().coordination_v1.leases(), "a", log_a, release_on_cancel=True)
    b = elector(
        cluster.client().coordination_v1.leases(), "b", log_b, release_on_cancel=True, rand=jitter
    )
    clock.spawn(a.run)
    clock.spawn(b.run)
    clock.run_until(30.0)
    assert a.is_leader()
    assert not b.is_leader()
    assert b.get_leader() == "a"
    assert {who for _, who in lease_history(cluster)} == {"a"}

    a.stop()
    clock.run_until(60.0)
    released = next(t for t, who in lease_history(cluster) if who == "")
    took_over = log_b.led_from("b")
    assert b.is_leader()
    assert took_over - released <= RETRY * (1 + JITTER_FACTOR)
    assert the_lease(cluster)["leaseTransitions"] == 1

    b.stop()
    clock.finish()
    # One holder at a time: a's leadership ended (work stopped) before b's began.
    (a_span,) = leading_spans(log_a, "a")
    (b_span,) = leading_spans(log_b, "b")
    assert a_span[1] <= released <= b_span[0]
    holders = [who for who, _ in itertools.groupby(who for _, who in lease_history(cluster))]
    assert holders == ["a", "", "b", ""]  # each write's holder, repeats folded


@pytest.mark.parametrize("rand", ["worst", 1, 2, 3])
def test_when_the_leader_dies_the_other_leads_within_client_gos_bound(rand, no_new_threads):
    jitter = worst_jitter if rand == "worst" else random.Random(rand).random
    clock = SimClock()
    cluster = FakeCluster(clock=clock)
    log_a, log_b = Log(clock), Log(clock)
    a = elector(cluster.client().coordination_v1.leases(), "a", log_a)  # no release
    spy_b = Spy(cluster.client().coordination_v1.leases(), clock)
    b = elector(spy_b, "b", log_b, rand=jitter)
    clock.spawn(a.run)
    clock.spawn(b.run)
    clock.run_until(21.0)

    a.stop()  # a dies as far as the Lease can tell: it never writes again
    clock.run_until(80.0)
    last_renewal = max(t for t, who in lease_history(cluster) if who == "a")
    last_record = next(rec for t, rec in spy_b.reads if t >= last_renewal)
    seen = next(t for t, rec in spy_b.reads if rec == last_record)
    took_over = log_b.led_from("b")

    # client-go's bounds: b takes over a full lease after it saw a's last renewal, and within
    # one (jittered) retry more; so within lease + 2 retries of the last renewal itself.
    assert LEASE <= took_over - seen <= LEASE + RETRY * (1 + JITTER_FACTOR)
    assert took_over - last_renewal <= LEASE + 2 * RETRY * (1 + JITTER_FACTOR)
    assert the_lease(cluster)["holderIdentity"] == "b"
    assert the_lease(cluster)["leaseTransitions"] == 1
    (a_span,) = leading_spans(log_a, "a")
    assert a_span[1] <= took_over

    b.stop()
    clock.finish()
    assert the_lease(cluster)["holderIdentity"] == "b"  # b did not release either


# --- asyncio ----------------------------------------------------------------------------------


class AsyncLog:
    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.started = False
        self.cancelled = False
        self.leaders: list[tuple[float, str]] = []
        self.stopped: list[float] = []

    async def work(self) -> None:
        self.started = True
        try:
            await asyncio.get_running_loop().create_future()  # until cancelled
        except asyncio.CancelledError:
            self.cancelled = True
            raise

    def on_new_leader(self, identity: str) -> None:
        self.leaders.append((self.clock.monotonic() - T0, identity))

    async def on_stopped_leading(self) -> None:
        assert self.cancelled or not self.started, "work still running"
        self.stopped.append(self.clock.monotonic() - T0)

    def led_from(self, identity: str) -> float:
        return next(t for t, who in self.leaders if who == identity)


def async_elector(api: Any, identity: str, log: AsyncLog, **options: Any) -> AsyncLeaderElector:
    return AsyncLeaderElector(
        api,
        "the-lease",
        identity,
        lease_duration=LEASE,
        renew_deadline=RENEW,
        retry_period=RETRY,
        on_started_leading=log.work,
        on_stopped_leading=log.on_stopped_leading,
        on_new_leader=log.on_new_leader,
        rand=worst_jitter,
        **options,
    )


@pytest.mark.anyio
async def test_the_async_elector_acquires_renews_and_releases():
    before = asyncio.all_tasks()
    clock = AsyncSimClock()
    cluster = FakeCluster(clock=clock)
    log = AsyncLog(clock)
    async with cluster.async_client() as client:
        a = async_elector(client.coordination_v1.leases(), "a", log, release_on_cancel=True)
        task = await clock.spawn(a.run())
        await clock.run_until(7.0)
        assert a.is_leader()
        assert log.started
        assert lease_history(cluster) == [(0.0, "a"), (2.0, "a"), (4.0, "a"), (6.0, "a")]

        a.stop()
        await clock.run_until(60.0)
        assert task.done()
        await task
    assert log.cancelled
    assert log.stopped == [8.0]
    assert not a.is_leader()
    assert the_lease(cluster)["holderIdentity"] == ""
    assert the_lease(cluster)["leaseDurationSeconds"] == 1
    assert asyncio.all_tasks() == before


@pytest.mark.anyio
async def test_the_async_elector_loses_leadership_past_the_renew_deadline():
    before = asyncio.all_tasks()
    clock = AsyncSimClock()
    cluster = FakeCluster(clock=clock)
    transport = AsyncOutage(cluster.async_transport())
    log = AsyncLog(clock)
    async with rawkube.AsyncClient(config(clock), transport=transport) as client:
        a = async_elector(client.coordination_v1.leases(), "a", log)
        task = await clock.spawn(a.run())
        await clock.run_until(5.0)
        transport.down = True
        await clock.run_until(60.0)
        assert task.done()
        await task
    assert log.cancelled
    assert log.stopped == [6.0 + RENEW]
    assert not a.is_leader()
    assert asyncio.all_tasks() == before


@pytest.mark.anyio
async def test_the_async_candidates_hand_over_and_cancelling_run_releases():
    before = asyncio.all_tasks()
    clock = AsyncSimClock()
    cluster = FakeCluster(clock=clock)
    log_a, log_b = AsyncLog(clock), AsyncLog(clock)
    async with cluster.async_client() as client_a, cluster.async_client() as client_b:
        a = async_elector(client_a.coordination_v1.leases(), "a", log_a, release_on_cancel=True)
        b = async_elector(client_b.coordination_v1.leases(), "b", log_b, release_on_cancel=True)
        task_a = await clock.spawn(a.run())
        task_b = await clock.spawn(b.run())
        await clock.run_until(20.0)
        assert a.is_leader()
        assert b.get_leader() == "a"

        task_a.cancel()  # as client-go's context: a stop, then CancelledError
        await clock.run_until(20.0)
        with pytest.raises(asyncio.CancelledError):
            await task_a
        assert log_a.stopped == [20.0]
        released = next(t for t, who in lease_history(cluster) if who == "")
        assert released == 20.0

        await clock.run_until(40.0)
        assert b.is_leader()
        assert log_b.led_from("b") - released <= RETRY * (1 + JITTER_FACTOR)

        b.stop()
        await clock.run_until(60.0)
        await task_b
    assert log_b.cancelled
    assert the_lease(cluster)["holderIdentity"] == ""
    assert asyncio.all_tasks() == before


@pytest.mark.anyio
async def test_on_the_real_clock_the_async_stop_ends_a_wait_at_once():
    before = asyncio.all_tasks()
    cluster = FakeCluster([held_lease("z")])
    waiting = asyncio.Event()
    async with cluster.async_client() as client:
        b = AsyncLeaderElector(
            client.coordination_v1.leases(),
            "the-lease",
            "b",
            lease_duration=1000,
            renew_deadline=500,
            retry_period=300,
            on_new_leader=lambda identity: waiting.set(),
        )
        task = asyncio.ensure_future(b.run())
        await asyncio.wait_for(waiting.wait(), REAL_TIMEOUT)
        b.stop()
        await asyncio.wait_for(task, REAL_TIMEOUT)
    assert asyncio.all_tasks() == before

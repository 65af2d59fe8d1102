"""Lease-based leader election among the replicas of a program, as client-go's leaderelection.

Theory of operation
-------------------
Every candidate names the same ``coordination.k8s.io/v1`` Lease and its own identity. Each round
it reads the Lease and decides, as client-go's ``tryAcquireOrRenew`` does:

* the Lease is absent: create it, holding it;
* it is held by us: renew it (``renewTime`` now, ``acquireTime`` and ``leaseTransitions`` kept);
* it names no holder, or its holder has not renewed it for ``leaseDurationSeconds``: take it
  (``leaseTransitions`` + 1);
* otherwise another candidate leads: wait and try again.

"Has not renewed it" is judged on *this* process's clock only: a candidate notes the moment it
first saw each new version of the Lease's record (``observed_time``) and counts the lease
duration from there. The ``renewTime`` the holder wrote is never compared with local time, so
clocks may disagree by any amount; they only have to run at about the same *rate* (the ratio
``lease_duration / renew_deadline`` is the rate skew tolerated). Every write is an update with
the resourceVersion last read, so of two candidates racing for one Lease only one wins; the
other's ``ConflictError`` (or ``AlreadyExistsError`` on create) is a failed round: it reads
the Lease afresh next round.

A candidate tries every ``retry_period`` with client-go's jitter (``retry_period`` plus up to
:data:`JITTER_FACTOR` times it, so 2 to 4.4 s by default). The leader renews every
``retry_period``; a renewal that fails is retried every ``retry_period`` until
``renew_deadline`` after that renewal began, and then leadership is given up: at most
``retry_period + renew_deadline`` after the last successful renewal (12 s by default), before
any other candidate may take over (``lease_duration`` after it saw that renewal, 15 s).
:class:`LeaseDecision` holds all of these decisions without I/O; :class:`LeaderElector`
(threads) and :class:`AsyncLeaderElector` (asyncio) only send the requests and wait.

Guarantees
----------
* One leader at a time, without fencing (as in client-go): this holds while the candidates'
  clocks run at about the same rate and a request returns well within ``lease_duration -
  renew_deadline - retry_period``; nothing stops a paused or partitioned old leader's work.
* ``on_started_leading`` runs at most once per ``run()``; ``on_stopped_leading`` runs exactly
  once after it, and only after the work ``on_started_leading`` started has ended (the thread
  returned, the task finished cancelling).
* With ``release_on_cancel``, the Lease is released (holder empty, ``leaseDurationSeconds`` 1,
  so another candidate takes it at its next try) only after that work has ended.
* When ``run()`` returns, no thread or task it started is left running; the work's thread is
  a daemon thread, so a program that fails while leading still exits.
* All waiting is on the client's :class:`~rawkube.core._clock.Clock`, so a ``FakeClock`` test never
  sleeps for real.

Deviations from client-go
-------------------------
* ``on_stopped_leading`` is called only if ``on_started_leading`` was (client-go calls it
  whenever ``Run`` returns, even for a candidate that never led).
* ``run()`` waits for the work to end before releasing and calling ``on_stopped_leading``
  (client-go cancels the work's context and moves on; its docs ask the caller to make sure the
  work stopped before the release). The work must honour its stop event or cancellation.
* A leader whose renewal finds the Lease validly held by another candidate steps down at once
  (client-go keeps retrying until ``renew_deadline``, leading in name while the other leads).
* No extra renewal right after acquiring (client-go's renew loop begins with one).
* ``on_new_leader`` is called in the election's own thread or task, in order, and never with
  ``""`` (client-go starts a goroutine per call). Keep it short: it delays the next round.
* The renew deadline does not cut short a request in flight (client-go cancels it through its
  context): the client's request timeout bounds it, and the deadline is checked when it returns.
* An exception from the work ends the election (released if ``release_on_cancel``) and is
  raised from ``run()``; client-go lets a panic end the process.
* :meth:`~LeaderElector.is_leader` turns False as leadership ends (client-go's stays True after
  giving up on failed renewals, as it reads only the last record seen).
* With a clock that does not sleep in real time (a ``FakeClock``), :meth:`LeaderElector.stop`
  takes effect when the current wait ends instead of at once.
* No coordinated leader election (``strategy``, ``preferredHolder``), events, metrics or
  healthz watchdog; ``leaseDurationSeconds`` is written as whole seconds, like client-go.
"""

from __future__ import annotations

import contextlib
import enum
import logging
import random as _random
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, Protocol, TypeVar

from rawkube.core._api_errors import NotFoundError
from rawkube.core._backoff import jitter
from rawkube.core._clock import Clock
from rawkube.core._exceptions import RawkubeError

# This module may load with ``import rawkube`` (through rawkube.runtime), which must stay
# light: pydantic (the models) and asyncio are imported where first needed.
if TYPE_CHECKING:
    import asyncio

    # Api, AsyncApi and Lease are named (quoted) in the electors' bases, which ruff does not
    # read as annotations.
    from rawkube.client._api import Api, AsyncApi  # noqa: F401
    from rawkube.config import Config
    from rawkube.models.coordination_v1 import Lease, LeaseSpec

__all__ = [
    "JITTER_FACTOR",
    "AsyncLeaderElector",
    "LeaderElectionRecord",
    "LeaderElector",
    "LeaseDecision",
    "Step",
    "jittered",
]

logger = logging.getLogger("rawkube.runtime.leaderelection")

JITTER_FACTOR = 1.2
"""client-go's ``JitterFactor``: a candidate waits ``retry_period * (1 + JITTER_FACTOR * r)``."""


def jittered(period: float, rand: Callable[[], float]) -> float:
    """``period`` plus up to :data:`JITTER_FACTOR` times it, as client-go's ``wait.Jitter``.

    ``rand`` returns a float in ``[0, 1)``. Candidates that start together spread out, so they
    do not all hit the API server in the same instant.
    """
    return jitter(period, JITTER_FACTOR, rand)


@dataclass(frozen=True)
class LeaderElectionRecord:
    """The election fields of a Lease's spec, with client-go's defaults for absent ones.

    Times are kept as the MicroTime text the server holds: they are compared for change only,
    never read as instants.
    """

    holder_identity: str = ""
    lease_duration_seconds: int = 0
    acquire_time: str | None = None
    renew_time: str | None = None
    lease_transitions: int = 0

    @classmethod
    def from_lease(cls, lease: Lease) -> LeaderElectionRecord:
        """The record a Lease holds (an absent spec or field reads as empty or zero)."""
        spec = lease.spec
        if spec is None:
            return cls()
        return cls(
            holder_identity=spec.holder_identity or "",
            lease_duration_seconds=spec.lease_duration_seconds or 0,
            acquire_time=spec.acquire_time,
            renew_time=spec.renew_time,
            lease_transitions=spec.lease_transitions or 0,
        )

    def to_spec(self) -> LeaseSpec:
        """The Lease spec to write; like client-go, other spec fields are not carried over."""
        from rawkube.models.coordination_v1 import LeaseSpec

        return LeaseSpec(
            holder_identity=self.holder_identity,
            lease_duration_seconds=self.lease_duration_seconds,
            acquire_time=self.acquire_time,
            renew_time=self.renew_time,
            lease_transitions=self.lease_transitions,
        )


class Step(enum.Enum):
    """What a round does with the Lease it read (see :meth:`LeaseDecision.plan`)."""

    CREATE = "create"
    """No Lease exists: create it, holding it."""
    ACQUIRE = "acquire"
    """The Lease is free or expired: take it over."""
    RENEW = "renew"
    """We hold the Lease: renew it."""
    WAIT = "wait"
    """Another candidate holds a Lease that has not expired: try again later."""


class LeaseDecision:
    """One candidate's view of the election and its decisions, with no I/O and no clock.

    Every method that needs the time takes ``now`` (monotonic seconds on the caller's clock)
    and, to write, ``wall`` (the MicroTime text to record). Reading ``observed`` from another
    thread is safe: it is replaced whole, never changed in place.
    """

    def __init__(self, identity: str, lease_duration: float) -> None:
        if not identity:
            raise ValueError("a leader election candidate needs a non-empty identity")
        self.identity = identity
        self.lease_duration_seconds = int(lease_duration)
        """The ``leaseDurationSeconds`` written: whole seconds, as client-go writes them."""
        self.observed: LeaderElectionRecord | None = None
        """The last record read or written, or None before the first."""
        self.observed_time: float | None = None
        """When (monotonic) ``observed`` last changed: the start of the holder's lease for us."""
        self._reported = ""

    def __repr__(self) -> str:
        return f"LeaseDecision(identity={self.identity!r}, leader={self.leader()!r})"

    # --- what we know -------------------------------------------------------------------------

    def is_leader(self) -> bool:
        """Whether the last record seen or written names us as its holder."""
        record = self.observed
        return record is not None and record.holder_identity == self.identity

    def leader(self) -> str:
        """The holder of the last record seen or written; ``""`` for none (or none seen yet)."""
        record = self.observed
        return record.holder_identity if record is not None else ""

    def lease_valid(self, now: float) -> bool:
        """Whether the observed holder's lease still runs: less than its duration since we saw
        the record change (never the record's own timestamps, which another clock wrote)."""
        record, since = self.observed, self.observed_time
        if record is None or since is None:
            return False
        return since + record.lease_duration_seconds > now

    def held_by_other(self, now: float) -> bool:
        """Whether another candidate holds a lease that has not expired."""
        holder = self.leader()
        return bool(holder) and holder != self.identity and self.lease_valid(now)

    # --- deciding -----------------------------------------------------------------------------

    def observe(self, record: LeaderElectionRecord, now: float) -> None:
        """Note a record read from the server; the clock starts again only when it changed."""
        if record != self.observed:
            self.observed = record
            self.observed_time = now

    def renewal(self, now: float, wall: str) -> LeaderElectionRecord | None:
        """The record for a renewal without reading first (client-go's fast path), or None.

        Only a leader whose lease is still valid may renew optimistically: the update carries
        the resourceVersion of its own last write, so any write by another makes it conflict.
        """
        record = self.observed
        if record is None or not self.is_leader() or not self.lease_valid(now):
            return None
        return self._held(wall, record.acquire_time, record.lease_transitions)

    def plan(
        self, current: LeaderElectionRecord | None, now: float, wall: str
    ) -> tuple[Step, LeaderElectionRecord | None]:
        """What to do with the record just read (None: no Lease), and the record to write."""
        if current is None:
            return Step.CREATE, self._held(wall, wall, 0)
        self.observe(current, now)
        if self.is_leader():
            return Step.RENEW, self._held(wall, current.acquire_time, current.lease_transitions)
        if current.holder_identity and self.lease_valid(now):
            return Step.WAIT, None
        return Step.ACQUIRE, self._held(wall, wall, current.lease_transitions + 1)

    def wrote(self, record: LeaderElectionRecord, now: float) -> None:
        """Note a record the server accepted from us; it is what every other candidate sees."""
        self.observed = record
        self.observed_time = now

    def release(self, wall: str) -> LeaderElectionRecord | None:
        """The record that gives the Lease up (None when we do not hold it).

        As client-go: no holder, and a one-second duration, so a candidate that still
        remembers an older record takes the Lease at its next try.
        """
        record = self.observed
        if record is None or not self.is_leader():
            return None
        return LeaderElectionRecord(
            holder_identity="",
            lease_duration_seconds=1,
            acquire_time=wall,
            renew_time=wall,
            lease_transitions=record.lease_transitions,
        )

    def new_leader(self) -> str | None:
        """The holder to report to ``on_new_leader``, once per change; None when unchanged.

        An empty holder is not a leader: it is not reported (nor remembered, so the same leader
        coming back after a release is not reported twice).
        """
        holder = self.leader()
        if not holder or holder == self._reported:
            return None
        self._reported = holder
        return holder

    def _held(self, wall: str, acquired: str | None, transitions: int) -> LeaderElectionRecord:
        return LeaderElectionRecord(
            holder_identity=self.identity,
            lease_duration_seconds=self.lease_duration_seconds,
            acquire_time=acquired,
            renew_time=wall,
            lease_transitions=transitions,
        )


class _Configured(Protocol):
    @property
    def config(self) -> Config: ...


L = TypeVar("L", bound=_Configured)  # the Leases API: blocking or asyncio
W = TypeVar("W")  # what runs while leading: a function of the stop event, or a coroutine function


class _Elector(Generic[L, W]):
    """What the two electors share: settings, their checks, the decision and the Lease built."""

    def __init__(
        self,
        leases: L,
        name: str,
        identity: str,
        *,
        lease_duration: float = 15.0,
        renew_deadline: float = 10.0,
        retry_period: float = 2.0,
        on_started_leading: W | None = None,
        on_stopped_leading: Callable[[], object] | None = None,
        on_new_leader: Callable[[str], object] | None = None,
        release_on_cancel: bool = False,
        rand: Callable[[], float] | None = None,
    ) -> None:
        if not name:
            raise ValueError("a leader election needs the name of its Lease")
        if retry_period <= 0 or renew_deadline <= 0:
            raise ValueError("retry_period and renew_deadline must be greater than zero")
        if int(lease_duration) <= renew_deadline:
            # Others may take over lease_duration after our last renewal; we must have given
            # up by then, and the duration is written in whole seconds.
            raise ValueError(
                f"lease_duration ({int(lease_duration)} whole seconds) must be greater than "
                f"renew_deadline ({renew_deadline})"
            )
        if renew_deadline <= JITTER_FACTOR * retry_period:
            raise ValueError(
                f"renew_deadline ({renew_deadline}) must be greater than retry_period * "
                f"{JITTER_FACTOR} ({JITTER_FACTOR * retry_period:g})"
            )
        self.name = name
        self.decision = LeaseDecision(identity, lease_duration)
        self.lease_duration = lease_duration
        self.renew_deadline = renew_deadline
        self.retry_period = retry_period
        self.release_on_cancel = release_on_cancel
        self._clock: Clock = leases.config.clock
        self._rand = rand if rand is not None else _random.random
        self._lease: Lease | None = None  # the last read or written: its resourceVersion
        self._ran = False
        self._over = False  # run() has ended leading, or never will again
        self._run_lock = threading.Lock()
        self._leases = leases
        self._on_started_leading = on_started_leading
        self._on_stopped_leading = on_stopped_leading
        self._on_new_leader = on_new_leader
        self._work_error: BaseException | None = None
        self._prepare()

    def _prepare(self) -> None:
        """Make what the flavour waits with: threading events, or asyncio's."""
        raise NotImplementedError

    @property
    def identity(self) -> str:
        """This candidate's identity, written as the Lease's ``holderIdentity``."""
        return self.decision.identity

    def is_leader(self) -> bool:
        """Whether this candidate leads now: its last record names it, and it has not given up.

        client-go answers from the last record alone, so a leader that gave up after failed
        renewals still says yes; here the answer turns False as leadership ends.
        """
        return not self._over and self.decision.is_leader()

    def get_leader(self) -> str:
        """The identity of the last leader seen, or ``""`` when none was (informational)."""
        return self.decision.leader()

    def __repr__(self) -> str:
        return (
            f"<{type(self).__name__} lease={self.name!r} identity={self.identity!r} "
            f"leader={self.get_leader()!r}>"
        )

    def _claim_run(self) -> None:
        # The decision's memory of what it observed belongs to one election: a second run()
        # (or two at once) would start from a stale view.
        with self._run_lock:
            if self._ran:
                raise RuntimeError("an elector runs once; make a new one to run again")
            self._ran = True

    def _now(self) -> tuple[float, str]:
        from rawkube.models._types import format_micro_time

        return self._clock.monotonic(), format_micro_time(self._clock.now())

    def _new_lease(self, record: LeaderElectionRecord) -> Lease:
        from rawkube.models.coordination_v1 import Lease
        from rawkube.models.meta_v1 import ObjectMeta

        return Lease(metadata=ObjectMeta(name=self.name), spec=record.to_spec())

    def _updated_lease(self, record: LeaderElectionRecord) -> Lease:
        from rawkube.models.coordination_v1 import Lease

        assert self._lease is not None  # only a Lease read or written is updated
        # The metadata read carries the resourceVersion: the server refuses the update if the
        # Lease changed since, which is what makes two candidates' writes exclusive.
        return Lease(metadata=self._lease.metadata, spec=record.to_spec())

    def _failed(self, what: str, exc: RawkubeError) -> None:
        logger.info("lease %s: %s failed: %s: %s", self.name, what, type(exc).__name__, exc)

    def _lost(self, why: str) -> None:
        logger.info("lease %s: %s stopped leading: %s", self.name, self.identity, why)


def _real_time(clock: Clock, method: str) -> bool:
    # A clock that sleeps as the system clock does can be waited on through an event instead,
    # so stop() ends a wait at once; any other clock (a FakeClock) decides what a wait is.
    return getattr(type(clock), method) is getattr(Clock, method)


class LeaderElector(_Elector["Api[Lease]", Callable[[threading.Event], object]]):
    """Leader election on a Lease, with threads; see the module docstring.

    ``LeaderElector(client.coordination_v1.leases("ns"), "my-controller", identity=pod_name,
    on_started_leading=work)``, then :meth:`run` (blocking) in some thread and :meth:`stop`
    from any other. ``work(stop_event)`` runs in a thread of its own while this candidate
    leads and must return soon after ``stop_event`` is set. Times are in seconds on the
    client's clock; ``rand`` (``random.random`` by default) drives the jitter.

    Raises ``ValueError`` for settings client-go refuses: an empty name or identity,
    ``lease_duration <= renew_deadline`` or ``renew_deadline <= 1.2 * retry_period``.
    """

    def _prepare(self) -> None:
        self._stopping = threading.Event()
        self._work_stop = threading.Event()
        self._work: threading.Thread | None = None

    def stop(self) -> None:
        """Ask :meth:`run` to end, from any thread (releasing if ``release_on_cancel``)."""
        self._stopping.set()

    def run(self) -> None:
        """Campaign, lead, and return when stopped or when leadership is lost.

        Raises ``RuntimeError`` when called a second time, and whatever the work raised.
        Errors of requests (:class:`~rawkube.ApiError`, :class:`~rawkube.TransportError`) are
        failed rounds, logged at INFO level, never raised.
        """
        self._claim_run()
        led = False
        try:
            if not self._acquire():
                return
            led = True
            self._start_work()
            self._renew()
        finally:
            self._over = True
            if led:
                self._end_work()
                if self.release_on_cancel:
                    self._release()
                if self._on_stopped_leading is not None:
                    self._on_stopped_leading()
        if self._work_error is not None:
            raise self._work_error

    # --- the loops ----------------------------------------------------------------------------

    def _acquire(self) -> bool:
        logger.info("lease %s: %s attempting to acquire", self.name, self.identity)
        while not self._stopping.is_set():
            acquired = self._try_acquire_or_renew()
            self._report()
            if acquired:
                logger.info("lease %s: %s acquired it", self.name, self.identity)
                return True
            if self._wait(jittered(self.retry_period, self._rand)):
                break
        return False

    def _renew(self) -> None:
        while not self._wait(self.retry_period):
            deadline = self._clock.monotonic() + self.renew_deadline
            while not self._try_acquire_or_renew():
                self._report()
                now = self._clock.monotonic()
                if self.decision.held_by_other(now):
                    self._lost(f"the lease is held by {self.get_leader()}")
                    return
                if now >= deadline:
                    self._lost("renew deadline passed")
                    return
                if self._wait(min(self.retry_period, deadline - now)):
                    return
                if self._clock.monotonic() >= deadline:
                    self._lost("renew deadline passed")
                    return
            self._report()

    def _wait(self, seconds: float) -> bool:
        """Wait ``seconds`` on the clock; whether :meth:`stop` was called."""
        if _real_time(self._clock, "sleep"):
            return self._stopping.wait(max(seconds, 0.0))
        if not self._stopping.is_set():
            self._clock.sleep(seconds)
        return self._stopping.is_set()

    def _report(self) -> None:
        leader = self.decision.new_leader()
        if leader is not None and self._on_new_leader is not None:
            self._on_new_leader(leader)

    # --- one round ----------------------------------------------------------------------------

    def _try_acquire_or_renew(self) -> bool:
        """One round of client-go's tryAcquireOrRenew: whether we hold the Lease after it."""
        now, wall = self._now()
        record = self.decision.renewal(now, wall)
        if record is not None and self._lease is not None and self._write(record, "renew"):
            return True
        try:
            lease: Lease | None = self._leases.get(self.name)
        except NotFoundError:
            lease = None
        except RawkubeError as exc:
            self._failed("get", exc)
            return False
        if lease is not None:
            self._lease = lease
        current = LeaderElectionRecord.from_lease(lease) if lease is not None else None
        step, record = self.decision.plan(current, now, wall)
        if record is None:
            return False
        return self._write(record, step.value, create=step is Step.CREATE)

    def _write(self, record: LeaderElectionRecord, what: str, create: bool = False) -> bool:
        try:
            if create:
                self._lease = self._leases.create(self._new_lease(record))
            else:
                self._lease = self._leases.update(self._updated_lease(record))
        except RawkubeError as exc:
            self._failed(what, exc)
            return False
        self.decision.wrote(record, self._clock.monotonic())
        return True

    def _release(self) -> None:
        record = self.decision.release(self._now()[1])
        if record is not None and self._lease is not None and self._write(record, "release"):
            logger.info("lease %s: %s released it", self.name, self.identity)

    # --- the work -----------------------------------------------------------------------------

    def _start_work(self) -> None:
        start = self._on_started_leading
        if start is None:
            return

        def work() -> None:
            try:
                start(self._work_stop)
            except BaseException as exc:  # handed to run(), which raises it
                logger.exception("lease %s: on_started_leading failed", self.name)
                self._work_error = exc
                self.stop()  # holding the lease while the work is dead would help no one

        # A daemon whoever calls run(): a thread inherits its starter's flag, and a program that
        # fails while leading must still exit (the work may never see its stop event then).
        self._work = threading.Thread(target=work, name=f"rawkube-leader-{self.name}", daemon=True)
        self._work.start()

    def _end_work(self) -> None:
        self._work_stop.set()
        if self._work is not None:
            self._work.join()


class AsyncLeaderElector(_Elector["AsyncApi[Lease]", Callable[[], Awaitable[object]]]):
    """The asyncio twin of :class:`LeaderElector`.

    ``on_started_leading()`` is a coroutine function, run as a task while this candidate
    leads and cancelled (then awaited) when it stops leading. ``on_stopped_leading`` and
    ``on_new_leader`` may be plain functions or coroutine functions. :meth:`run` ends when
    :meth:`stop` is called (from the event loop's thread; from another, use
    ``loop.call_soon_threadsafe(elector.stop)``) or when its task is cancelled, which counts as
    a stop (releasing if ``release_on_cancel``) and then raises ``CancelledError``.
    """

    def _prepare(self) -> None:
        self._stop_requested = False
        # Made in run(): an asyncio.Event belongs to the loop it is first used in.
        self._stopping: asyncio.Event | None = None
        self._work: asyncio.Task[object] | None = None

    def stop(self) -> None:
        """Ask :meth:`run` to end (call it in the event loop's thread)."""
        self._stop_requested = True
        if self._stopping is not None:
            self._stopping.set()

    async def run(self) -> None:
        """As :meth:`LeaderElector.run`."""
        import asyncio

        self._claim_run()
        self._stopping = asyncio.Event()
        if self._stop_requested:
            self._stopping.set()
        led = False
        try:
            if not await self._acquire():
                return
            led = True
            self._start_work()
            await self._renew()
        finally:
            self._over = True
            if led:
                await self._end_work()
                if self.release_on_cancel:
                    await self._release()
                if self._on_stopped_leading is not None:
                    await _call(self._on_stopped_leading)
        if self._work_error is not None:
            raise self._work_error

    # --- the loops ----------------------------------------------------------------------------

    async def _acquire(self) -> bool:
        logger.info("lease %s: %s attempting to acquire", self.name, self.identity)
        while not self._stop_requested:
            acquired = await self._try_acquire_or_renew()
            await self._report()
            if acquired:
                logger.info("lease %s: %s acquired it", self.name, self.identity)
                return True
            if await self._wait(jittered(self.retry_period, self._rand)):
                break
        return False

    async def _renew(self) -> None:
        while not await self._wait(self.retry_period):
            deadline = self._clock.monotonic() + self.renew_deadline
            while not await self._try_acquire_or_renew():
                await self._report()
                now = self._clock.monotonic()
                if self.decision.held_by_other(now):
                    self._lost(f"the lease is held by {self.get_leader()}")
                    return
                if now >= deadline:
                    self._lost("renew deadline passed")
                    return
                if await self._wait(min(self.retry_period, deadline - now)):
                    return
                if self._clock.monotonic() >= deadline:
                    self._lost("renew deadline passed")
                    return
            await self._report()

    async def _wait(self, seconds: float) -> bool:
        """Wait ``seconds`` on the clock; whether :meth:`stop` was called."""
        import asyncio

        stopping = self._stopping
        assert stopping is not None  # set by run() before any wait
        if _real_time(self._clock, "asleep"):
            # The wait ending by its timeout is the usual case, not an error.
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stopping.wait(), max(seconds, 0.0))
        elif not self._stop_requested:
            await self._clock.asleep(seconds)
        return self._stop_requested

    async def _report(self) -> None:
        leader = self.decision.new_leader()
        if leader is not None and self._on_new_leader is not None:
            await _call(self._on_new_leader, leader)

    # --- one round ----------------------------------------------------------------------------

    async def _try_acquire_or_renew(self) -> bool:
        """As :meth:`LeaderElector._try_acquire_or_renew`."""
        now, wall = self._now()
        record = self.decision.renewal(now, wall)
        if record is not None and self._lease is not None and await self._write(record, "renew"):
            return True
        try:
            lease: Lease | None = await self._leases.get(self.name)
        except NotFoundError:
            lease = None
        except RawkubeError as exc:
            self._failed("get", exc)
            return False
        if lease is not None:
            self._lease = lease
        current = LeaderElectionRecord.from_lease(lease) if lease is not None else None
        step, record = self.decision.plan(current, now, wall)
        if record is None:
            return False
        return await self._write(record, step.value, create=step is Step.CREATE)

    async def _write(self, record: LeaderElectionRecord, what: str, create: bool = False) -> bool:
        try:
            if create:
                self._lease = await self._leases.create(self._new_lease(record))
            else:
                self._lease = await self._leases.update(self._updated_lease(record))
        except RawkubeError as exc:
            self._failed(what, exc)
            return False
        self.decision.wrote(record, self._clock.monotonic())
        return True

    async def _release(self) -> None:
        record = self.decision.release(self._now()[1])
        if record is not None and self._lease is not None and await self._write(record, "release"):
            logger.info("lease %s: %s released it", self.name, self.identity)

    # --- the work -----------------------------------------------------------------------------

    def _start_work(self) -> None:
        start = self._on_started_leading
        if start is None:
            return

        import asyncio

        async def work() -> object:
            return await start()

        self._work = asyncio.create_task(work())
        self._work.add_done_callback(self._work_done)

    def _work_done(self, task: asyncio.Task[object]) -> None:
        if task.cancelled() or task.exception() is None:
            return
        logger.error("lease %s: on_started_leading failed", self.name, exc_info=task.exception())
        self._work_error = task.exception()
        self.stop()  # holding the lease while the work is dead would help no one

    async def _end_work(self) -> None:
        work = self._work
        if work is None:
            return
        import asyncio

        work.cancel()
        # asyncio.wait, not await: the work's CancelledError is not ours to raise.
        await asyncio.wait({work})


async def _call(callback: Callable[..., object], *args: object) -> None:
    import inspect

    result = callback(*args)
    if inspect.isawaitable(result):
        await result

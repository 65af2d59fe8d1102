"""Informers back off as client-go's reflector does, and tell a watch error handler each failure.

The policy alone (:class:`ReflectorBackoff`) is checked on a fake clock with a fixed jitter.
Informers run against the fake cluster behind a transport that fails what a test wants
failed (a watch forbidden by list-only RBAC, an undecodable answer), on a fake clock that a
wait moves at once: two simulated minutes of relisting take a few real milliseconds.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable

import httpx
import pytest

import rawkube
from rawkube.runtime import AsyncSharedInformer, SharedInformer
from rawkube.runtime.informer import ReflectorBackoff
from rawkube.testing import FakeClock, FakeCluster

PATIENCE = 10.0  # real seconds a test waits for the informer's threads before it fails
SPAN = 120.0  # simulated seconds of failures the informer tests look at

FORBIDDEN = {
    "kind": "Status",
    "apiVersion": "v1",
    "status": "Failure",
    "reason": "Forbidden",
    "code": 403,
    "message": 'configmaps is forbidden: User "reader" cannot watch resource "configmaps"',
}


def forbidden(_: httpx.Request) -> httpx.Response:
    return httpx.Response(403, json=FORBIDDEN)


def undecodable(_: httpx.Request) -> httpx.Response:
    """A whole body, or a whole watch line, that is not JSON."""
    return httpx.Response(200, headers={"Content-Type": "application/json"}, content=b"{x}\n")


def is_watch(request: httpx.Request) -> bool:
    return request.url.params.get("watch") in ("1", "true")


Answer = Callable[[httpx.Request], httpx.Response]


class Failing(httpx.BaseTransport):
    """The fake cluster, but watches (or lists) get ``answer`` instead."""

    def __init__(self, cluster: FakeCluster, watch: Answer | None, list_: Answer | None) -> None:
        self._inner = cluster.transport()
        self._watch, self._list = watch, list_

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        answer = self._watch if is_watch(request) else self._list
        if answer is not None:
            return answer(request)
        return self._inner.handle_request(request)

    def close(self) -> None:
        self._inner.close()


class AsyncFailing(httpx.AsyncBaseTransport):
    """:class:`Failing` for the async client."""

    def __init__(self, cluster: FakeCluster, watch: Answer | None, list_: Answer | None) -> None:
        self._inner = cluster.async_transport()
        self._watch, self._list = watch, list_

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        answer = self._watch if is_watch(request) else self._list
        if answer is not None:
            return answer(request)
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


class Horizon(FakeClock):
    """A fake clock for ``span`` simulated seconds: the wait that would pass its end is the last.

    That wait sets ``reached`` and then blocks until the informer stops, so what the informer
    did within the span can be counted while it stands still.
    """

    def __init__(self, span: float, reached: threading.Event | asyncio.Event) -> None:
        super().__init__()
        self.end = self.monotonic() + span
        self.reached = reached

    def wait(self, event: threading.Event, seconds: float) -> bool:
        if self.monotonic() + seconds > self.end:
            self.reached.set()
            return event.wait(PATIENCE)  # set by the informer's stop()
        return super().wait(event, seconds)

    async def asleep(self, seconds: float) -> None:
        if self.monotonic() + seconds > self.end:
            self.reached.set()
            await asyncio.Event().wait()  # until the informer's stop() cancels its task
        await super().asleep(seconds)


def configmap(name: str) -> dict:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}}


def config(clock: FakeClock) -> rawkube.Config:
    return rawkube.Config(server="http://fake-cluster.invalid", clock=clock)


def lists(cluster: FakeCluster) -> int:
    return sum(1 for action in cluster.actions() if action.verb == "list")


def assert_client_go_delays(delays: list[float]) -> None:
    """Each delay is client-go's step (0.8 s doubled per failure, at most 30 s) plus jitter."""
    for failure, delay in enumerate(delays):
        step = min(0.8 * 2**failure, 30.0)
        assert step <= delay < 2 * step, (failure, delays)


# --- the policy alone -------------------------------------------------------------------------


def test_the_delay_doubles_from_0_8_s_to_the_30_s_cap_plus_up_to_as_much_jitter():
    clock = FakeClock()
    low = ReflectorBackoff(clock, rand=lambda: 0.0)
    delays = [low.next_delay() for _ in range(9)]
    assert delays == pytest.approx([0.8, 1.6, 3.2, 6.4, 12.8, 25.6, 30, 30, 30])
    high = ReflectorBackoff(clock, rand=lambda: 0.5)  # half the step again
    assert [high.next_delay() for _ in range(3)] == pytest.approx([1.2, 2.4, 4.8])


def test_only_a_healthy_stretch_brings_the_delay_back_to_the_start():
    clock = FakeClock()
    backoff = ReflectorBackoff(clock, rand=lambda: 0.0)
    for expected in (0.8, 1.6, 3.2, 6.4):
        assert backoff.next_delay() == pytest.approx(expected)
        clock.advance(expected + 1.0)  # the wait, then a list and a watch that fail soon
    clock.advance(112.6)  # 120 s after the last failure: not healthy for long enough
    assert backoff.next_delay() == pytest.approx(12.8)
    clock.advance(120.5)  # more than two minutes without a failure
    assert backoff.next_delay() == pytest.approx(0.8)
    assert backoff.next_delay() == pytest.approx(1.6)


def test_the_default_jitter_stays_within_client_go_bounds():
    backoff = ReflectorBackoff(FakeClock())
    assert_client_go_delays([backoff.next_delay() for _ in range(12)])


# --- informers --------------------------------------------------------------------------------


def run_informer(
    watch: Answer | None = forbidden,
    list_: Answer | None = None,
    span: float = SPAN,
    **options,
) -> tuple[FakeCluster, Horizon, list[Exception]]:
    """Run a SharedInformer for ``span`` simulated seconds; the cluster, clock, errors told."""
    reached = threading.Event()
    clock = Horizon(span, reached)
    cluster = FakeCluster([configmap("a")], clock=clock)
    errors: list[Exception] = []
    options.setdefault("watch_error_handler", errors.append)
    transport = Failing(cluster, watch, list_)
    with rawkube.Client(config(clock), transport=transport) as client:
        informer = SharedInformer(client.core_v1.config_maps(), **options)
        with informer:
            assert reached.wait(PATIENCE), "the informer never got to the end of the span"
    return cluster, clock, errors


async def run_async_informer(
    watch: Answer | None = forbidden,
    list_: Answer | None = None,
    span: float = SPAN,
    **options,
) -> tuple[FakeCluster, Horizon, list[Exception]]:
    """As :func:`run_informer`, with an AsyncSharedInformer."""
    reached = asyncio.Event()
    clock = Horizon(span, reached)
    cluster = FakeCluster([configmap("a")], clock=clock)
    errors: list[Exception] = []
    options.setdefault("watch_error_handler", errors.append)
    transport = AsyncFailing(cluster, watch, list_)
    async with rawkube.AsyncClient(config(clock), transport=transport) as client:
        informer = AsyncSharedInformer(client.core_v1.config_maps(), **options)
        async with informer:
            await asyncio.wait_for(reached.wait(), PATIENCE)
    return cluster, clock, errors


def assert_backed_off_like_client_go(cluster: FakeCluster, clock: Horizon, errors: list) -> None:
    # 0.8 s after a list that was followed by a failed watch, then 1.6, 3.2, ... 30 s: about 8
    # lists in two minutes. Starting again from 0.8 s after each good list made ~150.
    assert 5 <= lists(cluster) <= 10, cluster.actions()
    assert_client_go_delays(clock.sleeps)
    assert len(errors) == lists(cluster)  # each list was followed by a failed watch
    assert all(isinstance(error, rawkube.ForbiddenError) for error in errors)


def test_a_watch_forbidden_after_every_good_list_backs_off_to_the_cap(caplog):
    cluster, clock, errors = run_informer(watch=forbidden)
    assert_backed_off_like_client_go(cluster, clock, errors)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == len(errors)
    assert "ForbiddenError" in warnings[0]
    assert "cannot watch resource" in warnings[0]
    assert f"listing again in {clock.sleeps[0]:.1f} s" in warnings[0]


@pytest.mark.anyio
async def test_the_async_informer_backs_off_the_same_way():
    cluster, clock, errors = await run_async_informer(watch=forbidden)
    assert_backed_off_like_client_go(cluster, clock, errors)


def test_a_list_that_cannot_be_decoded_is_told_and_retried():
    _, clock, errors = run_informer(watch=None, list_=undecodable, span=30.0)
    assert len(errors) >= 5  # even at the most jitter, the fifth list starts by 24 s
    assert all(isinstance(error, rawkube.DecodeError) for error in errors)
    assert_client_go_delays(clock.sleeps)


def test_an_event_that_cannot_be_decoded_is_told_and_relisted_with_backoff():
    # The watcher resumes once from an undecodable event, then raises it (the same event would
    # come back for ever): the informer backs off and lists again, as after any failure.
    cluster, _, errors = run_informer(watch=undecodable)
    assert 5 <= lists(cluster) <= 10, cluster.actions()
    # Each list's watch fails and is told, but the last one's may still be waiting out the
    # watcher's one resume when the span ends: it has not failed yet.
    assert lists(cluster) - 1 <= len(errors) <= lists(cluster)
    assert all(isinstance(error, rawkube.DecodeError) for error in errors)


def test_a_handler_that_raises_is_logged_and_the_informer_goes_on(caplog):
    def broken(error: Exception) -> None:
        raise RuntimeError("handler bug")

    cluster, _, _ = run_informer(span=30.0, watch_error_handler=broken)
    assert lists(cluster) >= 3  # it went on listing after each failure
    assert "the watch error handler failed" in caplog.text
    assert "RuntimeError: handler bug" in caplog.text


@pytest.mark.anyio
async def test_the_async_handler_may_be_a_coroutine_function_and_may_raise(caplog):
    told: list[Exception] = []

    async def handler(error: Exception) -> None:
        told.append(error)
        raise RuntimeError("handler bug")

    cluster, _, _ = await run_async_informer(span=30.0, watch_error_handler=handler)
    assert len(told) == lists(cluster) >= 3
    assert "the watch error handler failed" in caplog.text


def test_the_handler_is_set_before_the_start_only():
    cluster = FakeCluster()
    with cluster.client() as client:
        informer = SharedInformer(client.core_v1.config_maps())
        told: list[Exception] = []
        informer.set_watch_error_handler(told.append)
        with informer:
            assert informer.wait_for_cache_sync(PATIENCE)
            with pytest.raises(RuntimeError, match="before the informer starts"):
                informer.set_watch_error_handler(None)
    assert told == []  # nothing failed

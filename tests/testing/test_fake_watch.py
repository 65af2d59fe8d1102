"""Watches on the fake cluster: replay, selectors, bookmarks, timeouts and 410, on a fake clock."""

from __future__ import annotations

import threading

import pytest

import rawkube
from rawkube.models.core_v1 import ConfigMap
from rawkube.testing import FakeClock, FakeCluster


@pytest.fixture
def cluster() -> FakeCluster:
    return FakeCluster(clock=FakeClock())


def configmap(name: str, **labels: str) -> ConfigMap:
    return ConfigMap(metadata={"name": name, "labels": labels or None}, data={"k": name})


def seen(watch) -> list[tuple[str, str]]:
    with watch as events:
        return [(e.type, e.object.metadata.name) for e in events if e.type != "BOOKMARK"]


def test_a_watch_replays_every_change_after_its_resource_version(cluster):
    with cluster.client() as client:
        cms = client.core_v1.config_maps()
        start = cms.create(configmap("a")).metadata.resource_version
        cms.create(configmap("b"))
        cms.patch("a", {"data": {"k": "2"}})
        cms.delete("b")
        events = seen(cms.watch(resource_version=start, timeout_seconds=5))
    assert events == [("ADDED", "b"), ("MODIFIED", "a"), ("DELETED", "b")]


def test_a_watch_from_no_version_starts_with_the_objects_there_are(cluster):
    cluster.create(configmap("a"))
    cluster.create(configmap("b"))
    with cluster.client() as client:
        events = seen(client.core_v1.config_maps().watch(timeout_seconds=5))
    assert events == [("ADDED", "a"), ("ADDED", "b")]


def test_the_timeout_passes_on_the_fake_clock_without_waiting(cluster):
    clock = cluster.clock
    before = clock.monotonic()
    with cluster.client() as client:
        seen(client.core_v1.config_maps().watch(timeout_seconds=300))
    assert clock.monotonic() - before == pytest.approx(300)


def test_bookmarks_come_every_interval_and_before_the_timeout():
    cluster = FakeCluster(clock=FakeClock(), bookmark_interval=60)
    with cluster.client() as client:
        start = client.core_v1.config_maps().create(configmap("a")).metadata.resource_version
        with client.core_v1.config_maps().watch(resource_version=start, timeout_seconds=150) as w:
            events = list(w)
    assert [e.type for e in events] == ["BOOKMARK", "BOOKMARK", "BOOKMARK"]
    assert {e.object.metadata.resource_version for e in events} == {start}


def test_a_label_selector_turns_changes_into_arrivals_and_departures(cluster):
    with cluster.client() as client:
        cms = client.core_v1.config_maps()
        start = cms.create(configmap("a", app="db")).metadata.resource_version
        cms.patch("a", {"metadata": {"labels": {"app": "web"}}})  # enters the selection
        cms.patch("a", {"data": {"k": "2"}})
        cms.patch("a", {"metadata": {"labels": {"app": "db"}}})  # leaves it
        events = seen(
            cms.watch(resource_version=start, label_selector="app=web", timeout_seconds=5)
        )
    assert events == [("ADDED", "a"), ("MODIFIED", "a"), ("DELETED", "a")]


def test_a_version_older_than_the_window_is_an_error_event_not_a_status():
    cluster = FakeCluster(clock=FakeClock(), watch_window=2)
    with cluster.client() as client:
        cms = client.core_v1.config_maps()
        old = cms.create(configmap("a")).metadata.resource_version
        for name in "bcd":
            cms.create(configmap(name))
        response = (
            client.get()
            .resource("configmaps")
            .namespace("default")
            .param("watch", "true")
            .param("resourceVersion", old)
            .do()
        )
        assert response.status_code == 200
        assert b'"type":"ERROR"' in response.raw()
        assert b'"code":410' in response.raw()
        with pytest.raises(rawkube.GoneError, match="too old resource version"):
            seen(cms.watch(resource_version=old, timeout_seconds=5))


def test_send_initial_events_ends_them_with_a_bookmark(cluster):
    cluster.create(configmap("a"))
    with (
        cluster.client() as client,
        client.core_v1.config_maps().watch(send_initial_events=True, timeout_seconds=5) as watch,
    ):
        first = next(watch)
        marker = next(watch)
        assert (first.type, first.object.metadata.name) == ("ADDED", "a")
        assert marker.type == "BOOKMARK"
        assert watch.initial_events_done


def test_a_watch_sees_writes_from_another_thread():
    cluster = FakeCluster()  # the real clock: the writer is another thread
    with cluster.client() as client:
        cms = client.core_v1.config_maps()
        start = cluster.resource_version

        def write() -> None:
            for name in "abc":
                cluster.create(configmap(name))

        writer = threading.Timer(0.05, write)
        writer.start()
        names = []
        with cms.watch(resource_version=start, timeout_seconds=10) as events:
            for event in events:
                names.append(event.object.metadata.name)
                if len(names) == 3:
                    break
        writer.join()
    assert names == ["a", "b", "c"]


@pytest.mark.anyio
async def test_async_watches_replay_the_same_events(cluster):
    async with cluster.async_client() as client:
        cms = client.core_v1.config_maps()
        start = (await cms.create(configmap("a"))).metadata.resource_version
        await cms.create(configmap("b"))
        await cms.delete("a")
        async with cms.watch(resource_version=start, timeout_seconds=5) as events:
            got = [(e.type, e.object.metadata.name) async for e in events if e.type != "BOOKMARK"]
    assert got == [("ADDED", "b"), ("DELETED", "a")]


def test_retry_watcher_resumes_across_timeouts(cluster):
    with cluster.client() as client:
        cms = client.core_v1.config_maps()
        start = cms.create(configmap("a")).metadata.resource_version
        cms.create(configmap("b"))
        watch = cms.watch(resource_version=start, timeout_seconds=30, retry=True)
        names = []
        with watch as events:
            for event in events:
                names.append(event.object.metadata.name)
                if len(names) == 1:
                    cluster.advance(60)  # past the watch's timeout: it ends and resumes
                    cms.create(configmap("c"))
                if len(names) == 2:
                    break
    assert names == ["b", "c"]

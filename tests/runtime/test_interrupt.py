"""Stopping a watch from another thread while it waits: over loopback sockets and in process."""

from __future__ import annotations

import threading
import time

import pytest

import rawkube
from rawkube.client._retry_watch import Listed
from rawkube.client._sync_retry_watch import ListThenWatch, RetryWatcher
from rawkube.testing import FakeCluster


def run_in_thread(iterate) -> tuple[threading.Thread, list, threading.Event]:
    """Iterate in a thread; the event is set at the first event, after which it reads on."""
    seen: list = []
    first = threading.Event()

    def body() -> None:
        try:
            for event in iterate:
                seen.append(event)
                first.set()
        except rawkube.TransportError as exc:
            seen.append(exc)

    thread = threading.Thread(target=body)
    thread.start()
    return thread, seen, first


def one_configmap(cluster: FakeCluster) -> str:
    """Store one ConfigMap; returns the version before it, for a watch to replay it."""
    before = cluster.resource_version
    cluster.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}})
    return before


@pytest.mark.parametrize("way", ["loopback", "in-process"])
def test_a_watch_waiting_for_the_server_ends_at_once_when_interrupted(way, tmp_path):
    cluster = FakeCluster()  # the real clock: the watch really waits
    if way == "loopback":
        server = cluster.serve()
        client = rawkube.Client.from_kubeconfig(server.write_kubeconfig(tmp_path / "kc"))
    else:
        server, client = None, cluster.client()
    try:
        watch = client.core_v1.config_maps().watch(
            resource_version=one_configmap(cluster), timeout_seconds=300
        )
        thread, _, first = run_in_thread(watch)
        assert first.wait(5)  # the stream is open; the thread goes on to wait for more
        started = time.monotonic()
        watch.interrupt()
        thread.join(5)
        assert not thread.is_alive()
        assert time.monotonic() - started < 2
        watch.close()
    finally:
        client.close()
        if server is not None:
            server.close()


def test_a_retry_watcher_reading_its_watch_ends_when_interrupted():
    cluster = FakeCluster()
    with cluster.client() as client:
        watcher = RetryWatcher(
            client.core_v1.config_maps(),
            resource_version=one_configmap(cluster),
            timeout_seconds=300,
        )
        thread, _, first = run_in_thread(watcher)
        assert first.wait(5)
        watcher.interrupt()
        thread.join(5)
        assert not thread.is_alive()


def test_list_then_watch_changes_give_each_list_whole_then_the_events():
    cluster = FakeCluster()
    cluster.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}})
    with cluster.client() as client:
        source = ListThenWatch(client.core_v1.config_maps(), timeout_seconds=300)
        changes = source.changes()
        listed = next(changes)
        assert isinstance(listed, Listed)
        assert [c.metadata.name for c in listed.items] == ["a"]
        cluster.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "b"}})
        event = next(changes)
        assert (event.type, event.object.metadata.name) == ("ADDED", "b")
        source.interrupt()
        assert list(changes) == []

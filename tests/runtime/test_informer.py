"""Informers on the fake cluster: the cache converges, handlers hear each change once."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

import pytest

from rawkube.models.core_v1 import ConfigMap, Pod
from rawkube.runtime import (
    AsyncSharedInformer,
    Controller,
    DeletedFinalStateUnknown,
    SharedInformer,
    SharedInformerFactory,
)
from rawkube.testing import FakeCluster

PATIENCE = 10.0  # real seconds a test waits for the informer's threads before it fails


def configmap(name: str, namespace: str = "default", **labels: str) -> dict:
    meta = {"name": name, "namespace": namespace, "labels": labels}
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, "data": {"v": "1"}}


class Recorder:
    """A handler that records its calls and wakes whoever waits for them."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []
        self.lock = threading.Condition()

    def wait_for(self, condition: Callable[[], bool]) -> None:
        """Block until ``condition`` holds, checking it after each call this handler gets.

        The cache is updated before its handlers are called, so a condition on the cache
        holds once the call its change makes has come.
        """
        with self.lock:
            assert self.lock.wait_for(condition, PATIENCE), f"still waiting; calls: {self.calls}"

    def name(self, obj) -> str:
        if isinstance(obj, DeletedFinalStateUnknown):
            return f"tombstone:{obj.key}"
        return obj.metadata.name

    def add(self, obj) -> None:
        with self.lock:
            self.calls.append(("add", self.name(obj)))
            self.lock.notify_all()

    def update(self, old, new) -> None:
        with self.lock:
            self.calls.append(("update", self.name(new)))
            self.lock.notify_all()

    def delete(self, obj) -> None:
        with self.lock:
            self.calls.append(("delete", self.name(obj)))
            self.lock.notify_all()


def server_state(cluster: FakeCluster) -> dict[str, str]:
    return {
        f"{o['metadata']['namespace']}/{o['metadata']['name']}": o["metadata"]["resourceVersion"]
        for o in cluster.objects("ConfigMap")
    }


def cache_state(informer) -> dict[str, str]:
    return {
        f"{o.metadata.namespace}/{o.metadata.name}": o.metadata.resource_version
        for o in informer.indexer.list()
    }


@pytest.fixture
def cluster():
    return FakeCluster()  # the real clock: the informer runs on threads beside the test


def test_the_cache_follows_the_server_and_handlers_hear_each_change_once(cluster):
    cluster.create(configmap("a"))
    threads_before = set(threading.enumerate())
    with cluster.client() as client:
        informer = SharedInformer(client.core_v1.config_maps())
        seen = Recorder()
        informer.add_event_handler(seen.add, seen.update, seen.delete)
        informer.start()
        assert informer.wait_for_cache_sync(10)
        cms = client.core_v1.config_maps()
        cms.create(ConfigMap(metadata={"name": "b"}))
        cms.patch("a", {"data": {"v": "2"}})
        cms.delete("b")
        seen.wait_for(lambda: len(seen.calls) == 4)
        assert seen.calls == [("add", "a"), ("add", "b"), ("update", "a"), ("delete", "b")]
        assert cache_state(informer) == server_state(cluster)
        informer.stop()
    assert set(threading.enumerate()) <= threads_before  # nothing left running


def test_a_cut_watch_resumes_and_a_410_relists_with_a_tombstone():
    cluster = FakeCluster(watch_window=5)
    for name in "abc":
        cluster.create(configmap(name))
    with cluster.client() as client:
        informer = SharedInformer(client.core_v1.config_maps())
        seen = Recorder()
        informer.add_event_handler(seen.add, seen.update, seen.delete)
        with informer:
            assert informer.wait_for_cache_sync(10)
            cluster.drop_watches()  # cut: the watcher resumes from its resourceVersion
            cluster.create(configmap("d"))
            seen.wait_for(lambda: ("add", "d") in seen.calls)
            cluster.drop_watches()  # cut again, and more writes than the window holds
            client.core_v1.config_maps().delete("a")
            for index in range(8):
                client.core_v1.config_maps().patch("b", {"data": {"v": str(index)}})
            # the resume is 410 Gone: the informer lists again and reports what it missed
            seen.wait_for(lambda: ("delete", "tombstone:default/a") in seen.calls)
            seen.wait_for(lambda: cache_state(informer) == server_state(cluster))
    assert seen.calls.count(("add", "d")) == 1
    assert seen.calls.count(("delete", "tombstone:default/a")) == 1
    assert ("update", "b") in seen.calls


def test_a_slow_or_failing_handler_stalls_nothing(cluster):
    release = threading.Event()
    with cluster.client() as client:
        informer = SharedInformer(client.core_v1.config_maps())
        fast = Recorder()

        def slow(obj) -> None:
            release.wait(10)

        def broken(obj) -> None:
            raise RuntimeError("handler bug")

        informer.add_event_handler(slow)
        informer.add_event_handler(broken)
        informer.add_event_handler(fast.add)
        with informer:
            cluster.create(configmap("a"))
            cluster.create(configmap("b"))
            fast.wait_for(lambda: fast.calls == [("add", "a"), ("add", "b")])
            assert len(informer.indexer) == 2
            release.set()


def test_listers_indexers_and_a_late_handler(cluster):
    cluster.create(configmap("a", "one", app="web"))
    cluster.create(configmap("b", "two", app="web"))
    cluster.create(configmap("c", "two", app="db"))
    with cluster.client() as client:
        informer = SharedInformer(
            client.core_v1.config_maps(namespace=__import__("rawkube").ALL),
            indexers={"app": lambda cm: [cm.metadata.labels.get("app", "")]},
        )
        with informer:
            assert informer.wait_for_cache_sync(10)
            lister = informer.lister
            assert [c.metadata.name for c in lister.list("app=web")] == ["a", "b"]
            assert [c.metadata.name for c in lister.list(namespace="two")] == ["b", "c"]
            assert lister.get("two", "c").metadata.labels == {"app": "db"}
            assert [c.metadata.name for c in informer.indexer.by_index("app", "web")] == ["a", "b"]
            assert informer.indexer.index_keys("namespace", "one") == ["one/a"]
            late = Recorder()
            informer.add_event_handler(late.add)
            late.wait_for(lambda: sorted(late.calls) == [("add", "a"), ("add", "b"), ("add", "c")])


def test_metadata_only_informers_cache_partial_objects(cluster):
    cluster.create(configmap("a"))
    with cluster.client() as client:
        informer = SharedInformer(client.core_v1.config_maps(), metadata_only=True)
        with informer:
            assert informer.wait_for_cache_sync(10)
            (cached,) = informer.indexer.list()
            assert type(cached).__name__ == "PartialObjectMetadata"
            assert cached.metadata.name == "a"


def test_resync_resends_every_object_on_the_clock():
    from rawkube.testing import FakeClock

    clock = FakeClock()
    cluster = FakeCluster(clock=clock)
    cluster.create(configmap("a"))
    with cluster.client() as client:
        informer = SharedInformer(client.core_v1.config_maps())
        seen = Recorder()
        informer.add_event_handler(seen.add, seen.update, resync_period=60)
        with informer:
            assert informer.wait_for_cache_sync(10)
            seen.wait_for(lambda: ("update", "a") in seen.calls)  # the fake clock moves on its own
    assert seen.calls[0] == ("add", "a")


def test_the_factory_shares_one_informer_per_resource_and_namespace(cluster):
    cluster.create(
        {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "default"}}
    )
    with cluster.client() as client:
        factory = SharedInformerFactory(client)
        pods = factory.core_v1.pods()
        assert factory.core_v1.pods() is pods
        assert factory.core_v1.pods("default") is not pods
        nodes = factory.core_v1.nodes()
        factory.start()
        assert factory.wait_for_cache_sync(10)
        assert [p.metadata.name for p in pods.lister.list()] == ["p"]
        assert isinstance(pods.lister.list()[0], Pod)
        assert nodes.lister.list() == []
        factory.stop()
        assert not [t for t in threading.enumerate() if t.name.startswith("rawkube-informer")]


def test_a_controller_reconciles_each_key_and_retries_failures(cluster):
    cluster.create(configmap("a"))
    attempts: dict[str, int] = {}
    done = threading.Event()

    def reconcile(key: str) -> None:
        attempts[key] = attempts.get(key, 0) + 1
        if key == "default/b" and attempts[key] < 3:
            raise RuntimeError("not yet")
        if attempts.get("default/b", 0) >= 3:
            done.set()

    threads_before = set(threading.enumerate())
    with cluster.client() as client:
        informer = SharedInformer(client.core_v1.config_maps())
        controller = Controller(informer, reconcile, workers=2)
        with controller:
            cluster.create(configmap("b"))
            assert done.wait(10)
        assert set(threading.enumerate()) <= threads_before  # workers and informer stopped
        assert attempts["default/a"] >= 1
        assert attempts["default/b"] == 3
        assert controller.queue.num_requeues("default/b") == 0  # forgotten after success


@pytest.mark.anyio
async def test_the_async_informer_follows_the_server_too():
    cluster = FakeCluster()
    before = asyncio.all_tasks()
    async with cluster.async_client() as client:
        informer = AsyncSharedInformer(client.core_v1.config_maps())
        seen = Recorder()
        all_three = asyncio.Event()

        def on_add(obj) -> None:
            seen.add(obj)

        async def on_update(old, new) -> None:
            seen.update(old, new)

        def on_delete(obj) -> None:
            seen.delete(obj)
            all_three.set()  # the last of the three changes

        informer.add_event_handler(on_add, on_update, on_delete)
        async with informer:
            assert await informer.wait_for_cache_sync(10)
            cms = client.core_v1.config_maps()
            await cms.create(ConfigMap(metadata={"name": "a"}))
            await cms.patch("a", {"data": {"v": "2"}})
            await cms.delete("a")
            await asyncio.wait_for(all_three.wait(), PATIENCE)
        tasks = list(asyncio.all_tasks() - before)
    assert seen.calls == [("add", "a"), ("update", "a"), ("delete", "a")]
    assert tasks == []


def test_a_silent_watch_is_noticed_and_the_informer_catches_up(tmp_path):
    import rawkube

    cluster = FakeCluster()
    cluster.create(configmap("a"))
    with cluster.serve() as server:
        client = rawkube.Client.from_kubeconfig(server.write_kubeconfig(tmp_path / "kc"))
        informer = SharedInformer(client.core_v1.config_maps(), idle_timeout=0.5)
        seen = Recorder()
        informer.add_event_handler(seen.add, seen.update, seen.delete)
        with informer:
            assert informer.wait_for_cache_sync(10)
            cluster.stall_watches()  # the connection stays open but nothing more arrives
            cluster.create(configmap("b"))
            # the read limit ends the silent watch; the resume replays what was missed
            seen.wait_for(lambda: ("add", "b") in seen.calls)
            seen.wait_for(lambda: cache_state(informer) == server_state(cluster))
        client.close()
    assert seen.calls == [("add", "a"), ("add", "b")]


def test_an_index_function_that_raises_does_not_stop_the_cache(cluster, caplog):
    cluster.create(configmap("a"))
    with cluster.client() as client:
        informer = SharedInformer(
            client.core_v1.config_maps(), indexers={"bad": lambda cm: [cm.data["missing"]]}
        )
        seen = Recorder()
        informer.add_event_handler(seen.add)
        with informer:
            assert informer.wait_for_cache_sync(10)
            cluster.create(configmap("b"))
            seen.wait_for(lambda: len(informer.indexer) == 2)
            assert informer.indexer.by_index("bad", "x") == []
    assert "index 'bad' failed on default/a" in caplog.text


def test_a_dynamic_informer_caches_dicts(cluster):
    import rawkube

    cluster.create(configmap("a"))
    with cluster.client() as client:
        factory = SharedInformerFactory(client)
        informer = factory.for_resource(rawkube.GroupVersionResource("", "v1", "configmaps"))
        factory.start()
        assert factory.wait_for_cache_sync(10)
        (cached,) = informer.indexer.list()
        assert cached["metadata"]["name"] == "a"
        assert informer.lister.get("default", "a") is cached
        factory.stop()


@pytest.mark.anyio
async def test_the_async_controller_retries_until_reconcile_succeeds():
    from rawkube.runtime import AsyncController

    cluster = FakeCluster()
    cluster.create(configmap("a"))
    attempts: list[str] = []
    finished = asyncio.Event()

    async def reconcile(key: str) -> None:
        attempts.append(key)
        if len(attempts) < 3:
            raise RuntimeError("not yet")
        finished.set()

    before = asyncio.all_tasks()
    async with cluster.async_client() as client:
        informer = AsyncSharedInformer(client.core_v1.config_maps())
        async with AsyncController(informer, reconcile):
            await asyncio.wait_for(finished.wait(), 10)
    assert attempts == ["default/a"] * 3
    assert asyncio.all_tasks() - before == set()


def test_a_controller_whose_cache_does_not_sync_leaves_nothing_running():
    import httpx

    import rawkube

    def forbidden(request: httpx.Request) -> httpx.Response:
        status = {"kind": "Status", "apiVersion": "v1", "reason": "Forbidden", "code": 403}
        return httpx.Response(403, json=status)

    # The real clock: the informer backs off for at least 0.8 s after each refused list.
    config = rawkube.Config(server="http://fake-cluster.invalid")
    threads_before = set(threading.enumerate())
    with rawkube.Client(config, transport=httpx.MockTransport(forbidden)) as client:
        informer = SharedInformer(client.core_v1.config_maps())
        controller = Controller(informer, print, workers=2, cache_sync_timeout=0.1)
        with pytest.raises(TimeoutError, match="did not sync"):
            controller.start()
        assert set(threading.enumerate()) <= threads_before  # the informer's threads ended
        assert controller.queue.shutting_down


def test_a_handler_added_after_the_start_is_resynced_too():
    from rawkube.testing import FakeClock

    cluster = FakeCluster(clock=FakeClock())
    cluster.create(configmap("a"))
    with cluster.client() as client:
        informer = SharedInformer(client.core_v1.config_maps())
        with informer:  # no handler yet, so no handler with a resync period either
            assert informer.wait_for_cache_sync(10)
            seen = Recorder()
            informer.add_event_handler(seen.add, seen.update, resync_period=60)
            seen.wait_for(lambda: ("update", "a") in seen.calls)  # the fake clock moves on its own
    assert seen.calls[0] == ("add", "a")


@pytest.mark.anyio
async def test_a_handler_added_after_the_async_start_is_resynced_too():
    from rawkube.testing import FakeClock

    cluster = FakeCluster(clock=FakeClock())
    cluster.create(configmap("a"))
    resynced = asyncio.Event()
    calls: list[str] = []

    def on_update(old, new) -> None:
        calls.append(new.metadata.name)
        resynced.set()

    async with cluster.async_client() as client:
        informer = AsyncSharedInformer(client.core_v1.config_maps())
        async with informer:
            assert await informer.wait_for_cache_sync(10)
            informer.add_event_handler(on_update=on_update, resync_period=60)
            await asyncio.wait_for(resynced.wait(), PATIENCE)
    assert calls[0] == "a"


def test_the_factory_refuses_a_bad_namespace_instead_of_using_another(cluster):
    for name, namespace in (("p", "web"), ("q", "default")):
        cluster.create(
            {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": namespace}}
        )
    with cluster.client() as client:
        factory = SharedInformerFactory(client)
        with pytest.raises(ValueError, match="Bad/NS"):
            factory.core_v1.pods("Bad/NS")
        with pytest.raises(ValueError, match="Bad/NS"):
            SharedInformerFactory(client, namespace="Bad/NS")
        with pytest.raises(TypeError, match="cluster-scoped"):
            factory.core_v1.nodes("web")
        in_web = SharedInformerFactory(client, namespace="web")
        pods, nodes = in_web.core_v1.pods(), in_web.core_v1.nodes()  # nodes: in no namespace
        in_web.start()
        assert in_web.wait_for_cache_sync(10)
        assert [p.metadata.name for p in pods.lister.list()] == ["p"]
        assert nodes.lister.list() == []
        in_web.stop()


@pytest.mark.anyio
async def test_the_async_factory_refuses_a_bad_namespace_too():
    from rawkube.runtime import AsyncSharedInformerFactory

    async with FakeCluster().async_client() as client:
        factory = AsyncSharedInformerFactory(client)
        with pytest.raises(ValueError, match="Bad/NS"):
            factory.core_v1.pods("Bad/NS")
        with pytest.raises(ValueError, match="Bad/NS"):
            AsyncSharedInformerFactory(client, namespace="Bad/NS")

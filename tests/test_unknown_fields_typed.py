"""Fields the models do not know survive a read-modify-write through the typed API, every path.

A server newer than rawkube's models sends fields they lack; a controller that reads an object
(by get, from a list, from a watch, from an informer's cache), changes a label and writes it
back must send those fields too, or it erases them on the server.

The fake cluster stores an object seeded with ``FakeCluster.create`` as given (unknown fields
included) and serves it so, as a newer server would; what it is sent it prunes as a real
server does, but its action log keeps each request's body as the client sent it. So each test
reads through the typed clientset, updates, and checks the body the client sent.
"""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from rawkube.models.core_v1 import Pod
from rawkube.runtime import SharedInformer
from rawkube.testing import FakeClock, FakeCluster
from tests.conftest import RECORDED

NAMESPACE = "lab"
PATIENCE = 10.0  # real seconds the informer test waits for the informer's threads

# Where each unknown field is put, and its value: at the top, in the spec, in a container
# (a list item two levels down), in the metadata and the status.
UNKNOWN: dict[tuple[str | int, ...], Any] = {
    ("futureTopLevel",): {"enabled": True, "levels": [1, {"deep": None}]},
    ("spec", "futureSpecField"): ["a", 1, {"b": False}],
    ("spec", "containers", 0, "futureContainerField"): "x",
    ("spec", "containers", 0, "resources", "futureResourcesField"): {"gpu": "1"},
    ("metadata", "futureMetadataField"): 7,
    ("status", "futureStatusField"): {"since": "2026-11-27T13:00:37Z"},
}


def at(obj: Any, path: tuple[str | int, ...]) -> Any:
    for step in path:
        obj = obj[step]
    return obj


def plain_pod(name: str) -> dict[str, Any]:
    pod = json.loads((RECORDED / "pod_get.body").read_bytes())
    pod["metadata"] = {"name": name, "namespace": NAMESPACE, "labels": {"app": "fixture"}}
    return pod  # type: ignore[no-any-return]


def pod_with_unknown_fields(name: str) -> dict[str, Any]:
    pod = plain_pod(name)
    for path, value in UNKNOWN.items():
        at(pod, path[:-1])[path[-1]] = copy.deepcopy(value)
    return pod


@pytest.fixture
def cluster() -> FakeCluster:
    """Pods around the one with unknown fields, so a list holds items with and without them."""
    cluster = FakeCluster(clock=FakeClock())
    cluster.create(plain_pod("before"))
    cluster.create(pod_with_unknown_fields("future"))
    cluster.create(plain_pod("zafter"))
    return cluster


def stored(cluster: FakeCluster, name: str) -> dict[str, Any]:
    (found,) = [o for o in cluster.objects("Pod", NAMESPACE) if o["metadata"]["name"] == name]
    return found


def assert_kept_when_read(pod: Pod) -> None:
    """The decoded pod holds every unknown field (a premise of the write checked below)."""
    dumped = pod.to_dict()
    for path, value in UNKNOWN.items():
        assert at(dumped, path) == value, path
    assert pod.model_extra == {"futureTopLevel": UNKNOWN[("futureTopLevel",)]}
    assert pod.spec.model_extra == {"futureSpecField": UNKNOWN[("spec", "futureSpecField")]}
    assert pod.spec.containers[0].model_extra == {"futureContainerField": "x"}


def relabel_and_update(
    cluster: FakeCluster,
    client: Any,
    pod: Pod,
    also: Callable[[dict[str, Any]], None] = lambda expected: None,
) -> dict[str, Any]:
    """Change a label of ``pod`` and update it; the body the client sent.

    ``also`` makes the other changes made to ``pod`` in the object the server stores.
    """
    before = stored(cluster, pod.metadata.name)
    pod.metadata.labels = {**(pod.metadata.labels or {}), "changed": "yes"}
    cluster.clear_actions()
    client.core_v1.pods(NAMESPACE).update(pod)
    (sent,) = [a for a in cluster.actions() if a.verb == "update"]
    assert (sent.resource, sent.name) == ("pods", pod.metadata.name)
    body: dict[str, Any] = sent.body
    for path, value in UNKNOWN.items():
        assert at(body, path) == value, f"{'.'.join(map(str, path))} was not sent"
    # All of it, exactly as it was read: only the label changed.
    expected = copy.deepcopy(before)
    expected["metadata"]["labels"]["changed"] = "yes"
    also(expected)
    assert body == expected
    # The fake, as a real server, drops what it does not know: the write went through.
    assert stored(cluster, pod.metadata.name)["metadata"]["labels"]["changed"] == "yes"
    return body


@pytest.fixture
def client(cluster: FakeCluster) -> Iterator[Any]:
    with cluster.client(NAMESPACE) as client:
        yield client


def test_get_then_update_sends_every_unknown_field(cluster: FakeCluster, client: Any) -> None:
    pod = client.core_v1.pods(NAMESPACE).get("future")
    assert isinstance(pod, Pod)
    assert_kept_when_read(pod)
    relabel_and_update(cluster, client, client.core_v1.pods(NAMESPACE).get("future"))


def test_get_read_deep_then_update_sends_every_unknown_field(
    cluster: FakeCluster, client: Any
) -> None:
    """The fields read (built) before the write and those never read are sent alike."""
    pod = client.core_v1.pods(NAMESPACE).get("future")
    assert pod.spec.containers[0].image == "registry.example/nginx:1.27"
    pod.spec.containers[0].image = "registry.example/nginx:1.28"

    def new_image(expected: dict[str, Any]) -> None:
        expected["spec"]["containers"][0]["image"] = "registry.example/nginx:1.28"

    body = relabel_and_update(cluster, client, pod, new_image)
    assert body["spec"]["containers"][0]["image"] == "registry.example/nginx:1.28"


@pytest.mark.parametrize("read_first", [False, True], ids=["unread", "read"])
def test_a_list_item_then_update_sends_every_unknown_field(
    cluster: FakeCluster, client: Any, read_first: bool
) -> None:
    pods = client.core_v1.pods(NAMESPACE).list()
    names = [item.metadata.name for item in pods.items]
    assert names == ["before", "future", "zafter"]
    if read_first:  # the other items built first: the list is read as a controller reads it
        for item in pods.items:
            _ = item.spec.containers[0].resources
    item = pods.items[1]
    assert_kept_when_read(item)
    relabel_and_update(cluster, client, client.core_v1.pods(NAMESPACE).list().items[1])
    # The plain items beside it gained nothing.
    assert pods.items[0].model_extra == {}
    assert pods.items[0].spec.model_extra == {}


def watched(client: Any, name: str, **options: Any) -> Pod:
    """The object of the first event about pod ``name`` in a watch of the namespace."""
    with client.core_v1.pods(NAMESPACE).watch(timeout_seconds=60, **options) as events:
        for event in events:
            if event.type == "ADDED" and event.object.metadata.name == name:
                return event.object  # type: ignore[no-any-return]
    raise AssertionError(f"no event about {name}")


def test_a_replayed_watch_event_then_update_sends_every_unknown_field(
    cluster: FakeCluster, client: Any
) -> None:
    since = client.core_v1.pods(NAMESPACE).list().metadata.resource_version
    cluster.create(pod_with_unknown_fields("later"))  # an ADDED event after ``since``
    pod = watched(client, "later", resource_version=since)
    assert isinstance(pod, Pod)
    assert_kept_when_read(pod)
    relabel_and_update(cluster, client, watched(client, "later", resource_version=since))


def test_an_initial_watch_event_then_update_sends_every_unknown_field(
    cluster: FakeCluster, client: Any
) -> None:
    pod = watched(client, "future", send_initial_events=True)
    assert_kept_when_read(pod)
    relabel_and_update(cluster, client, watched(client, "future", send_initial_events=True))


def wait_for(find: Any) -> Any:
    deadline = time.monotonic() + PATIENCE
    while time.monotonic() < deadline:
        found = find()
        if found is not None:
            return found
        time.sleep(0.01)
    raise AssertionError("the informer's cache never held it")


def test_an_informers_cached_object_then_update_sends_every_unknown_field() -> None:
    # The real clock: the informer runs on threads beside the test.
    cluster = FakeCluster()
    cluster.create(plain_pod("before"))
    cluster.create(pod_with_unknown_fields("future"))
    with cluster.client(NAMESPACE) as client:
        informer = SharedInformer(client.core_v1.pods(NAMESPACE))
        with informer:
            assert informer.wait_for_cache_sync(PATIENCE)
            listed = {pod.metadata.name: pod for pod in informer.lister.list()}
            assert listed["before"].model_extra == {}
            assert_kept_when_read(listed["future"])
            # One object the informer listed, one it heard of from its watch.
            cluster.create(pod_with_unknown_fields("watched"))
            for name in ("future", "watched"):
                cached = wait_for(lambda name=name: informer.lister.get(NAMESPACE, name))
                assert isinstance(cached, Pod)
                assert_kept_when_read(cached)
                from_store = informer.indexer.get_by_key(f"{NAMESPACE}/{name}")
                assert from_store is cached
                # A controller changes a copy of what the cache holds, never the cache's own.
                relabel_and_update(cluster, client, cached.model_copy(deep=True))
                assert "changed" not in (cached.metadata.labels or {})
                assert_kept_when_read(cached)

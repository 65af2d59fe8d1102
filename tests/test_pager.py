"""Paged lists: one consistent list whatever expires mid-way, and each page parsed once."""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import respx

import rawkube
from rawkube.client._retry_watch import Listed
from rawkube.client._sync_retry_watch import ListThenWatch
from rawkube.core._clock import FakeClock
from rawkube.core._request import Result
from rawkube.models.core_v1 import ConfigMap, ConfigMapList
from rawkube.models.meta_v1 import PartialObjectMetadataList
from rawkube.runtime import SharedInformer
from rawkube.testing import FakeCluster
from tests.conftest import RECORDED, recorded_response

SERVER = "http://k8s.test"
CONFIGMAPS = f"{SERVER}/api/v1/namespaces/team/configmaps"
CM = rawkube.GroupVersionResource("", "v1", "configmaps")


@pytest.fixture
def client():
    config = rawkube.Config(server=SERVER, namespace="team", clock=FakeClock())
    with rawkube.Client(config) as client:
        yield client


def body_of(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((RECORDED / f"{name}.body").read_bytes())
    return data


def three_pages() -> list[dict[str, Any]]:
    """The recorded two pages of a limit=2 list, and a third page ending it."""
    first, second = body_of("configmaplist_limit2_page1"), body_of("configmaplist_limit2_page2")
    last = json.loads(json.dumps(second))
    last["metadata"].pop("continue")
    last["items"] = [
        {**item, "metadata": {**item["metadata"], "name": f"last-{i}"}}
        for i, item in enumerate(last["items"])
    ]
    return [first, second, last]


def names(items: Any) -> list[str]:
    return [
        item["metadata"]["name"] if isinstance(item, dict) else item.metadata.name for item in items
    ]


def params(route: respx.Route) -> list[dict[str, str]]:
    return [dict(call.request.url.params.multi_items()) for call in route.calls]


# --- list(page_size=...) against recorded pages ------------------------------------------------


@respx.mock
def test_page_size_reads_every_page_as_one_list(client):
    pages = three_pages()
    route = respx.get(CONFIGMAPS).mock(side_effect=[httpx.Response(200, json=p) for p in pages])
    listed = client.api(ConfigMap).list(page_size=2)
    assert isinstance(listed, ConfigMapList)
    assert names(listed.items) == names(p["items"][i] for p in pages for i in range(2))
    assert listed.metadata is not None
    assert listed.metadata.resource_version == pages[0]["metadata"]["resourceVersion"]
    assert listed.metadata.continue_ is None
    assert [p.get("limit") for p in params(route)] == ["2", "2", "2"]
    assert [p.get("continue") for p in params(route)] == [
        None,
        pages[0]["metadata"]["continue"],
        pages[1]["metadata"]["continue"],
    ]
    # The joined list reads and writes like the server's own.
    assert listed.to_dict()["metadata"] == {"resourceVersion": listed.metadata.resource_version}


@respx.mock
def test_an_expired_token_restarts_as_one_full_list_without_the_pages_read(client):
    pages = three_pages()
    full = {**pages[2], "metadata": {"resourceVersion": "999"}}
    route = respx.get(CONFIGMAPS).mock(
        side_effect=[
            httpx.Response(200, json=pages[0]),
            recorded_response("err_410_expired_continue_token"),
            httpx.Response(200, json=full),
        ]
    )
    listed = client.api(ConfigMap).list(page_size=2, label_selector="app=web")
    assert names(listed.items) == ["last-0", "last-1"]  # not page one's items again
    assert listed.metadata is not None
    assert listed.metadata.resource_version == "999"  # where a watch may start
    last = params(route)[-1]
    assert last == {"labelSelector": "app=web"}  # the full list: no limit, no token


@respx.mock
def test_a_410_on_the_first_page_is_raised(client):
    respx.get(CONFIGMAPS).mock(return_value=recorded_response("err_410_list_exact_too_old_rv"))
    with pytest.raises(rawkube.GoneError):
        client.api(ConfigMap).list(page_size=2, resource_version="1")


@respx.mock
def test_dynamic_and_metadata_lists_page_the_same_way(client):
    pages = three_pages()
    respx.get(CONFIGMAPS).mock(side_effect=[httpx.Response(200, json=p) for p in pages])
    listed = client.dynamic.resource(CM).namespace("team").list(page_size=2)
    assert len(listed["items"]) == 6
    assert "continue" not in listed["metadata"]
    assert listed["metadata"]["resourceVersion"] == pages[0]["metadata"]["resourceVersion"]


def test_metadata_lists_page_the_same_way():
    cluster = FakeCluster([configmap(f"cm{i}") for i in range(5)])
    with cluster.client() as client:
        metadata = client.api(ConfigMap).list_metadata(page_size=2)
    assert isinstance(metadata, PartialObjectMetadataList)
    assert names(metadata.items) == [f"cm{i}" for i in range(5)]
    assert metadata.metadata is not None
    assert metadata.metadata.resource_version == cluster.resource_version


@pytest.mark.parametrize(
    "options", [{"limit": 2}, {"continue_": "token"}, {"limit": 2, "continue_": "token"}]
)
def test_page_size_refuses_one_page_options(client, options):
    with pytest.raises(ValueError, match="page_size"):
        client.api(ConfigMap).list(page_size=2, **options)


@pytest.mark.anyio
@respx.mock
async def test_async_page_size_restarts_as_one_full_list():
    pages = three_pages()
    respx.get(CONFIGMAPS).mock(
        side_effect=[
            httpx.Response(200, json=pages[0]),
            recorded_response("err_410_expired_continue_token"),
            httpx.Response(200, json=pages[2]),
        ]
    )
    config = rawkube.Config(server=SERVER, namespace="team", clock=FakeClock())
    async with rawkube.AsyncClient(config) as client:
        listed = await client.api(ConfigMap).list(page_size=2)
    assert names(listed.items) == ["last-0", "last-1"]


@respx.mock
def test_iter_parses_each_page_once(client, monkeypatch):
    respx.get(CONFIGMAPS).mock(side_effect=[httpx.Response(200, json=p) for p in three_pages()])
    parses: Counter[str] = Counter()
    for method in ("json", "into", "raw"):
        original = getattr(Result, method)

        def counted(self: Result, *args: Any, _name: str = method, _f: Any = original) -> Any:
            parses[_name] += 1
            return _f(self, *args)

        monkeypatch.setattr(Result, method, counted)
    assert len(list(client.api(ConfigMap).iter(limit=2))) == 6
    assert parses == Counter(into=3)  # one decode a page, nothing else reads the body


# --- on the fake cluster, with writes between pages ----------------------------------------------


class WritesBetweenPages(httpx.BaseTransport):
    """The fake cluster's transport, running ``after_page(n)`` once a list's page ``n`` is read."""

    def __init__(self, cluster: FakeCluster, after_page: Callable[[int], None]) -> None:
        self._inner = cluster.transport()
        self._after_page = after_page
        self.pages = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self._inner.handle_request(request)
        if "limit" in request.url.params:
            # Pages count from each list's first, the one without a continue token.
            self.pages = self.pages + 1 if "continue" in request.url.params else 1
            self._after_page(self.pages)
        return response


def paging_client(cluster: FakeCluster, after_page: Callable[[int], None]) -> rawkube.Client:
    config = rawkube.Config(server="http://fake.invalid", namespace="default", clock=cluster.clock)
    return rawkube.Client(config, transport=WritesBetweenPages(cluster, after_page))


def configmap(name: str, value: str = "0") -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name},
        "data": {"v": value},
    }


def server_state(cluster: FakeCluster) -> dict[str, str]:
    listed = cluster.client().api(ConfigMap).list()
    return {item.metadata.name: item.metadata.resource_version for item in listed.items}


def test_a_list_whose_snapshot_expires_has_no_duplicate_and_misses_nothing():
    # The reviewer's case: five ConfigMaps, two a page, a watch window of three writes.
    cluster = FakeCluster([configmap(f"cm{i}") for i in range(5)], watch_window=3)
    writer = cluster.client()

    def write(page: int) -> None:
        if page == 1 and len(server_state(cluster)) == 5:  # the first list only
            for i in range(4):
                writer.api(ConfigMap).create(configmap(f"new{i}"))

    with paging_client(cluster, write) as client:
        listed = client.api(ConfigMap).list(page_size=2)
        assert names(listed.items) == sorted(set(names(listed.items)))
        assert set(names(listed.items)) == set(server_state(cluster))
        assert listed.metadata.resource_version == cluster.resource_version

        # The list a list-then-watch starts with: taken whole, before any watch.
        with ListThenWatch(client.api(ConfigMap), page_size=2) as source:
            first = next(source.changes())
        assert isinstance(first, Listed)
        assert sorted(names(first.items)) == sorted(server_state(cluster))
        assert first.resource_version == cluster.resource_version


def test_a_paged_sync_of_5000_objects_under_writes_gives_each_object_once():
    objects = [configmap(f"cm-{i:04d}") for i in range(5000)]
    cluster = FakeCluster(objects, watch_window=100)
    writer = cluster.client().api(ConfigMap)
    stop = threading.Event()
    writes: list[str] = []

    write_lock = threading.Lock()

    def write_some(count: int) -> None:
        # Creates, updates and deletes, each of its own object (the n-th write names it).
        for _ in range(count):
            with write_lock:
                n = len(writes)
                if n % 3 == 0:
                    writer.create(configmap(f"added-{n}"))
                elif n % 3 == 1:
                    writer.patch(f"cm-{n:04d}", {"data": {"v": str(n)}})
                else:
                    writer.delete(f"cm-{n + 1:04d}")
                writes.append(str(n))

    def between_pages(page: int) -> None:
        if page == 4 and len(writes) < 300:  # past the window: page five's token has expired
            write_some(150)

    def keep_writing() -> None:
        while not stop.is_set() and len(writes) < 600:
            write_some(1)

    # Handlers run on the informer's threads, which log what they raise: note faults instead.
    faults: list[str] = []
    seen: dict[str, str] = {}
    lock = threading.Lock()

    def on_add(obj: ConfigMap) -> None:
        with lock:
            name = obj.metadata.name
            if name in seen:
                faults.append(f"{name} added twice")
            seen[name] = obj.metadata.resource_version

    def on_update(old: ConfigMap, new: ConfigMap) -> None:
        with lock:
            name = new.metadata.name
            if name not in seen or int(new.metadata.resource_version) < int(seen[name]):
                faults.append(f"{name} updated out of order")
            seen[name] = new.metadata.resource_version

    def on_delete(obj: Any) -> None:
        with lock:
            key = getattr(obj, "key", None)
            name = key.split("/")[-1] if key else obj.metadata.name
            if seen.pop(name, None) is None:
                faults.append(f"{name} deleted unseen")

    with paging_client(cluster, between_pages) as client:
        listed = client.api(ConfigMap).list(page_size=500)
        listed_names = names(listed.items)
        assert len(listed_names) == len(set(listed_names))
        assert set(listed_names) == set(server_state(cluster))

        informer = SharedInformer(client.api(ConfigMap), page_size=500)
        informer.add_event_handler(on_add, on_update, on_delete)
        background = threading.Thread(target=keep_writing, daemon=True)
        with informer:
            background.start()
            assert informer.wait_for_cache_sync(timeout=30)
            background.join(timeout=30)
            stop.set()
            expected = server_state(cluster)
            assert stop.is_set()
            for _ in range(300):  # converge: at most 30 s, usually at once
                with lock:
                    if seen == expected:
                        break
                threading.Event().wait(0.1)
        with lock:
            assert faults == []
            assert seen == expected
        cached = {
            obj.metadata.name: obj.metadata.resource_version for obj in informer.indexer.list()
        }
        assert cached == expected

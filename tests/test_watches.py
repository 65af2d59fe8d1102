"""Watching through the typed and dynamic clients: the query, the events, the timeouts."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import httpx
import pytest
import respx

import rawkube
from rawkube.core._clock import FakeClock
from rawkube.models.core_v1 import ConfigMap
from rawkube.models.meta_v1 import PartialObjectMetadata
from tests.conftest import RECORDED
from tests.test_loopback import serve

SERVER = "http://k8s.test"
CONFIGMAPS = f"{SERVER}/api/v1/namespaces/team/configmaps"
BOOKMARKS = (RECORDED / "watch_configmaps_bookmarks.body").read_bytes()
INITIAL = (RECORDED / "watch_sendinitialevents.body").read_bytes()
TOO_OLD = (RECORDED / "err_410_watch_too_old_rv.body").read_bytes()


@pytest.fixture
def client():
    config = rawkube.Config(server=SERVER, namespace="team", clock=FakeClock())
    with rawkube.Client(config) as client:
        yield client


def stream(body: bytes) -> httpx.Response:
    return httpx.Response(200, headers={"content-type": "application/json"}, content=body)


def sent(route: respx.Route) -> httpx.Request:
    return route.calls.last.request


@respx.mock
def test_a_watch_asks_for_bookmarks_and_a_timeout_and_yields_typed_events(client):
    route = respx.get(CONFIGMAPS).mock(return_value=stream(BOOKMARKS))
    with client.core_v1.config_maps().watch(resource_version="270", label_selector="a=b") as events:
        seen = list(events)
    assert list(sent(route).url.params.multi_items()) == [
        ("watch", "1"),
        ("resourceVersion", "270"),
        ("labelSelector", "a=b"),
        ("allowWatchBookmarks", "true"),
        ("timeoutSeconds", "300"),
    ]
    assert [e.type for e in seen].count("BOOKMARK") == 2
    assert all(isinstance(e.object, ConfigMap) for e in seen)
    assert seen[0].object.metadata.name == "cm-1"
    assert events.resource_version == seen[-1].object.metadata.resource_version


@respx.mock
def test_send_initial_events_asks_for_what_the_server_requires(client):
    route = respx.get(CONFIGMAPS).mock(return_value=stream(INITIAL))
    watch = client.core_v1.config_maps().watch(send_initial_events=True, timeout_seconds=60)
    assert not route.called  # sent when iteration starts
    names = [e.object.metadata.name for e in watch if e.type == "ADDED"]
    assert names[0] == "cm-1"
    assert watch.initial_events_done
    assert list(sent(route).url.params.multi_items()) == [
        ("watch", "1"),
        ("resourceVersionMatch", "NotOlderThan"),
        ("allowWatchBookmarks", "true"),
        ("sendInitialEvents", "true"),
        ("timeoutSeconds", "60"),
    ]
    with pytest.raises(ValueError, match="bookmarks"):
        client.core_v1.config_maps().watch(send_initial_events=True, allow_watch_bookmarks=False)


@pytest.mark.parametrize(
    ("options", "read"),
    [
        ({}, 90.0),
        ({"timeout_seconds": 5}, 15.0),
        ({"allow_watch_bookmarks": False, "timeout_seconds": 600}, 610.0),
        ({"idle_timeout": 30.0}, 30.0),
    ],
)
@respx.mock
def test_reads_wait_no_longer_than_bookmarks_and_the_timeout_allow(client, options, read):
    route = respx.get(CONFIGMAPS).mock(return_value=stream(b""))
    assert list(client.core_v1.config_maps().watch(**options)) == []
    assert sent(route).extensions["timeout"]["read"] == read


@respx.mock
def test_an_error_event_ends_the_watch_with_its_api_error(client):
    first = BOOKMARKS.splitlines(keepends=True)[0]
    respx.get(CONFIGMAPS).mock(return_value=stream(first + TOO_OLD))
    events = client.core_v1.config_maps().watch(resource_version="1")
    assert next(events).type == "ADDED"
    with pytest.raises(rawkube.GoneError, match="too old resource version"):
        next(events)


@respx.mock
def test_the_dynamic_and_metadata_watches(client):
    respx.get(CONFIGMAPS).mock(return_value=stream(BOOKMARKS))
    gvr = rawkube.GroupVersionResource("", "v1", "configmaps")
    dicts = list(client.dynamic.resource(gvr).namespace("team").watch())
    assert dicts[0].object["metadata"]["name"] == "cm-1"
    partial = BOOKMARKS.replace(b'"kind":"ConfigMap"', b'"kind":"PartialObjectMetadata"')
    route = respx.get(CONFIGMAPS).mock(return_value=stream(partial))
    metadata = list(client.core_v1.config_maps().watch_metadata())
    assert isinstance(metadata[0].object, PartialObjectMetadata)
    assert sent(route).headers["accept"].startswith("application/json;as=PartialObjectMetadata")


@pytest.fixture
def silent_server() -> Iterator[tuple[str, list[socket.socket]]]:
    def answer(conn: socket.socket) -> None:
        # The watch starts, then the peer goes silent: no bytes, no close.
        conn.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n"
        )

    yield from serve(answer)


def test_a_silent_connection_ends_the_watch_instead_of_hanging(silent_server):
    url, _ = silent_server
    config = rawkube.Config(server=url, namespace="team", clock=FakeClock())
    with rawkube.Client(config) as client:
        watch = client.core_v1.config_maps().watch(idle_timeout=0.3)
        with pytest.raises(rawkube.RequestTimeoutError), watch:
            list(watch)


@pytest.mark.anyio
async def test_the_async_watch_is_an_async_iterator_and_context_manager():
    config = rawkube.Config(server=SERVER, namespace="team", clock=FakeClock())
    with respx.mock:
        respx.get(CONFIGMAPS).mock(return_value=stream(BOOKMARKS))
        async with (
            rawkube.AsyncClient(config) as client,
            client.core_v1.config_maps().watch() as events,
        ):
            seen = [event async for event in events]
    assert isinstance(seen[0].object, ConfigMap)
    assert [e.type for e in seen].count("DELETED") == 2


@respx.mock
def test_the_builder_watch_terminal_decodes_any_request(client):
    route = respx.get(CONFIGMAPS).mock(return_value=stream(BOOKMARKS))
    request = client.get().namespace("team").resource("configmaps").param("timeoutSeconds", 30)
    events = list(request.watch(ConfigMap))
    assert isinstance(events[0].object, ConfigMap)
    assert list(sent(route).url.params.multi_items()) == [("timeoutSeconds", "30"), ("watch", "1")]
    assert sent(route).extensions["timeout"]["read"] == 90.0
    raw = client.get().namespace("team").resource("configmaps").param("watch", "true").watch()
    assert next(raw).object["metadata"]["name"] == "cm-1"
    raw.close()
    assert list(sent(route).url.params.multi_items()) == [("watch", "true")]

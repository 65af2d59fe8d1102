"""RetryWatcher: resumes from the last resourceVersion, waits on the clock, stops when it must."""

from __future__ import annotations

import itertools
import json
import logging

import httpx
import pytest
import respx

import rawkube
import rawkube.runtime
from rawkube.core._clock import FakeClock
from rawkube.models.core_v1 import ConfigMap
from rawkube.runtime import AsyncRetryWatcher, RetryWatcher
from tests.conftest import RECORDED

SERVER = "http://k8s.test"
CONFIGMAPS = f"{SERVER}/api/v1/namespaces/team/configmaps"
TOO_OLD = (RECORDED / "err_410_watch_too_old_rv.body").read_bytes()


def event(kind: str, name: str, version: str) -> bytes:
    obj = {
        "kind": "ConfigMap",
        "apiVersion": "v1",
        "metadata": {"name": name, "namespace": "team", "resourceVersion": version},
    }
    return json.dumps({"type": kind, "object": obj}).encode() + b"\n"


def stream(*lines: bytes) -> httpx.Response:
    return httpx.Response(200, content=b"".join(lines))


def status(code: int, reason: str, retry_after: str | None = None) -> httpx.Response:
    headers = {"Retry-After": retry_after} if retry_after else {}
    body = {
        "kind": "Status",
        "apiVersion": "v1",
        "status": "Failure",
        "reason": reason,
        "code": code,
    }
    return httpx.Response(code, json=body, headers=headers)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def client(clock):
    config = rawkube.Config(server=SERVER, namespace="team", clock=clock)
    with rawkube.Client(config) as client:
        yield client


def versions(route: respx.Route) -> list[str | None]:
    return [dict(c.request.url.params.multi_items()).get("resourceVersion") for c in route.calls]


@respx.mock
def test_it_resumes_from_the_last_version_after_each_end_and_failure(client, clock):
    route = respx.get(CONFIGMAPS).mock(
        side_effect=[
            stream(event("ADDED", "a", "11"), event("MODIFIED", "a", "12")),  # then EOF
            httpx.ReadTimeout("silent peer"),
            status(500, "InternalError"),
            status(429, "TooManyRequests", retry_after="7"),
            stream(event("BOOKMARK", "", "20")),
            stream(b'{"type":"ADDED","object":{"metadata":{"name":"b","res'),  # cut mid-event
            stream(event("DELETED", "a", "21"), event("ADDED", "c", "22")),
        ]
    )
    with RetryWatcher(client.core_v1.config_maps(), resource_version="10") as watcher:
        seen = list(itertools.islice(watcher, 4))
    assert [(e.type, e.object.metadata.name) for e in seen] == [
        ("ADDED", "a"),
        ("MODIFIED", "a"),
        ("DELETED", "a"),
        ("ADDED", "c"),
    ]
    assert all(isinstance(e.object, ConfigMap) for e in seen)
    assert versions(route) == ["10", "12", "12", "12", "12", "20", "20"]
    assert clock.sleeps == [1.0, 1.0, 1.0, 7.0, 1.0, 1.0]
    assert watcher.resource_version == "22"


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        (stream(TOO_OLD), rawkube.GoneError),
        (status(410, "Expired"), rawkube.GoneError),
        (status(401, "Unauthorized"), rawkube.UnauthorizedError),
        (status(403, "Forbidden"), rawkube.ForbiddenError),
        (status(404, "NotFound"), rawkube.NotFoundError),
    ],
)
@respx.mock
def test_it_stops_where_retrying_cannot_help(client, clock, answer, error):
    respx.get(CONFIGMAPS).mock(side_effect=[stream(event("ADDED", "a", "11")), answer])
    watcher = RetryWatcher(client.core_v1.config_maps(), resource_version="10")
    assert next(watcher).object.metadata.name == "a"
    with pytest.raises(error):
        next(watcher)


def test_a_starting_version_that_means_any_is_refused(client):
    for version in ("", "0"):
        with pytest.raises(ValueError, match="list first"):
            RetryWatcher(client.core_v1.config_maps(), resource_version=version)


@pytest.mark.anyio
async def test_the_async_watcher_resumes_the_same_way():
    clock = FakeClock()
    config = rawkube.Config(server=SERVER, namespace="team", clock=clock)
    with respx.mock:
        route = respx.get(CONFIGMAPS).mock(
            side_effect=[
                stream(event("ADDED", "a", "11")),
                status(503, "ServiceUnavailable"),
                stream(event("ADDED", "b", "12")),
            ]
        )
        async with rawkube.AsyncClient(config) as client:
            watcher = AsyncRetryWatcher(client.core_v1.config_maps(), resource_version="10")
            async with watcher:
                names = [(await watcher.__anext__()).object.metadata.name for _ in range(2)]
    assert names == ["a", "b"]
    assert versions(route) == ["10", "11", "11"]
    assert clock.sleeps == [1.0, 1.0]


def cm_list(
    version: str, *names_versions: tuple[str, str], token: str | None = None
) -> httpx.Response:
    metadata = {"resourceVersion": version, **({"continue": token} if token else {})}
    items = [
        {
            "kind": "ConfigMap",
            "apiVersion": "v1",
            "metadata": {"name": n, "namespace": "team", "resourceVersion": v},
        }
        for n, v in names_versions
    ]
    return httpx.Response(
        200,
        json={"kind": "ConfigMapList", "apiVersion": "v1", "metadata": metadata, "items": items},
    )


@respx.mock
def test_list_then_watch_lists_watches_and_reports_what_a_relist_changed(client):
    lists = respx.get(CONFIGMAPS, params={"limit": "2"}).mock(
        side_effect=[
            cm_list("30", ("a", "1"), ("b", "2"), token="next"),
            cm_list("30", ("c", "3")),
            cm_list("50", ("a", "1"), ("c", "44"), ("d", "45")),  # after the 410
        ]
    )
    watches = respx.get(CONFIGMAPS, params={"watch": "1"}).mock(
        side_effect=[
            stream(event("MODIFIED", "b", "31"), TOO_OLD),
            stream(event("ADDED", "e", "51")),
        ]
    )
    with rawkube.runtime.list_then_watch(client.core_v1.config_maps(), page_size=2) as changes:
        seen = [(e.type, e.object.metadata.name) for e in itertools.islice(changes, 8)]
    assert seen == [
        ("ADDED", "a"),
        ("ADDED", "b"),
        ("ADDED", "c"),
        ("MODIFIED", "b"),  # from the watch
        ("MODIFIED", "c"),  # the relist after 410: c changed, d came, b went
        ("ADDED", "d"),
        ("DELETED", "b"),
        ("ADDED", "e"),
    ]
    assert versions(watches) == ["30", "50"]
    assert [dict(c.request.url.params.multi_items()).get("continue") for c in lists.calls] == [
        None,
        "next",
        None,
    ]
    assert sorted(name for _, name in changes.known.objects) == ["a", "c", "d", "e"]


@respx.mock
def test_watch_with_retry_is_a_retry_watcher(client, clock):
    route = respx.get(CONFIGMAPS).mock(
        side_effect=[stream(event("ADDED", "a", "11")), stream(event("ADDED", "b", "12"))]
    )
    watcher = client.core_v1.config_maps().watch(resource_version="10", retry=True)
    assert isinstance(watcher, RetryWatcher)
    with watcher:
        assert [next(watcher).object.metadata.name for _ in range(2)] == ["a", "b"]
    assert versions(route) == ["10", "11"]
    with pytest.raises(ValueError, match="list first"):
        client.core_v1.config_maps().watch(retry=True)


@pytest.mark.anyio
async def test_the_async_list_then_watch_behaves_the_same():
    config = rawkube.Config(server=SERVER, namespace="team", clock=FakeClock())
    with respx.mock:
        respx.get(CONFIGMAPS, params={"limit": "500"}).mock(
            side_effect=[cm_list("30", ("a", "1")), cm_list("50", ("b", "2"))]
        )
        respx.get(CONFIGMAPS, params={"watch": "1"}).mock(
            side_effect=[stream(event("ADDED", "c", "31"), TOO_OLD), stream()]
        )
        async with rawkube.AsyncClient(config) as client:
            changes = rawkube.runtime.AsyncListThenWatch(client.core_v1.config_maps())
            async with changes:
                seen = [await changes.__anext__() for _ in range(5)]
    assert [(e.type, e.object.metadata.name) for e in seen] == [
        ("ADDED", "a"),
        ("ADDED", "c"),
        ("ADDED", "b"),
        ("DELETED", "a"),
        ("DELETED", "c"),
    ]


@respx.mock
def test_each_resume_is_logged_with_its_reason(client, caplog):
    respx.get(CONFIGMAPS).mock(
        side_effect=[status(503, "ServiceUnavailable"), stream(event("ADDED", "a", "11"))]
    )
    with (
        caplog.at_level(logging.INFO, logger="rawkube"),
        RetryWatcher(client.core_v1.config_maps(), resource_version="10") as watcher,
    ):
        next(watcher)
    assert [r.getMessage() for r in caplog.records] == [
        "watch resuming from resourceVersion 10 in 1 s (ServiceUnavailableError: 503 "
        "ServiceUnavailable: HTTP 503)"
    ]


# An event the client cannot decode: a ConfigMap whose name is a number.
POISON = (
    b'{"type":"MODIFIED","object":{"kind":"ConfigMap","apiVersion":"v1",'
    b'"metadata":{"name":5,"resourceVersion":"13"}}}\n'
)


@respx.mock
def test_an_event_that_never_decodes_is_raised_not_resumed_from_for_ever(client, clock, caplog):
    route = respx.get(CONFIGMAPS).mock(
        side_effect=[
            stream(event("ADDED", "a", "11"), POISON),
            stream(POISON),  # the same event again, from the same resourceVersion
            stream(event("ADDED", "never", "14")),
        ]
    )
    watcher = RetryWatcher(client.core_v1.config_maps(), resource_version="10")
    assert next(watcher).object.metadata.name == "a"
    with caplog.at_level(logging.INFO, logger="rawkube"), pytest.raises(rawkube.DecodeError):
        next(watcher)
    assert versions(route) == ["10", "11"]  # resumed once, then surfaced
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 2
    # Each names the event and the object's resourceVersion, and where the watch stood.
    assert all("(MODIFIED at resourceVersion 13)" in r.getMessage() for r in warnings)
    assert "stopped at resourceVersion 11" in warnings[-1].getMessage()


@respx.mock
def test_one_garbled_event_is_resumed_from(client, clock):
    respx.get(CONFIGMAPS).mock(
        side_effect=[
            stream(event("ADDED", "a", "11"), POISON),
            stream(event("MODIFIED", "a", "12"), POISON),  # garbled again, further on
            stream(event("MODIFIED", "a", "13")),
        ]
    )
    watcher = RetryWatcher(client.core_v1.config_maps(), resource_version="10")
    seen = [e.object.metadata.resource_version for e in itertools.islice(watcher, 3)]
    assert seen == ["11", "12", "13"]


@pytest.mark.anyio
@respx.mock
async def test_the_async_watcher_surfaces_an_undecodable_event_too():
    respx.get(CONFIGMAPS).mock(side_effect=[stream(POISON), stream(POISON)])
    config = rawkube.Config(server=SERVER, namespace="team", clock=FakeClock())
    async with rawkube.AsyncClient(config) as client:
        watcher = AsyncRetryWatcher(client.core_v1.config_maps(), resource_version="10")
        with pytest.raises(rawkube.DecodeError, match="watch event 1"):
            await watcher.__anext__()
        await watcher.aclose()

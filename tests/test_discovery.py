"""Discovery and AsyncDiscovery against recorded discovery documents: parsing, fallback, caches."""

from __future__ import annotations

import inspect
import json
import stat
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from rawkube import AsyncClient, Client, Config, DecodeError, GroupVersionKind, GroupVersionResource
from rawkube.client._async_discovery import AsyncDiscovery
from rawkube.client._discovery import (
    DiscoveryData,
    GroupInfo,
    discovery_format,
    parse_aggregated,
    parse_api_group_list,
    parse_api_resource_list,
    parse_api_versions,
    preferred_resources,
    server_cache_key,
)
from rawkube.client._sync_discovery import Discovery
from rawkube.config.auth import BearerTokenAuth
from rawkube.core._clock import FakeClock
from rawkube.core._resource import ResourceInfo
from rawkube.core._restmapper import ResourceNotFoundError
from tests.conftest import RECORDED, recorded_response
from tests.test_restmapper import aggregated_group, aggregated_resource, apis_with, widget_group

SERVER = "http://k8s.test:6443"
TOKEN = "s3cret-token-do-not-store"
AGGREGATED_V2 = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
AGGREGATED_V2BETA1 = "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList"
CLIENT_GO_ACCEPT = (
    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,"
    "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,"
    "application/json"
)
PODS_SUBRESOURCES = (
    "attach",
    "binding",
    "ephemeralcontainers",
    "eviction",
    "exec",
    "log",
    "portforward",
    "proxy",
    "resize",
    "status",
)


def body(name: str) -> bytes:
    return (RECORDED / f"{name}.body").read_bytes()


def answer(
    content: bytes | dict[str, Any], content_type: str = "application/json"
) -> httpx.Response:
    if isinstance(content, dict):
        content = json.dumps(content).encode()
    return httpx.Response(200, headers={"content-type": content_type}, content=content)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def config(clock: FakeClock) -> Config:
    return Config(server=SERVER, clock=clock, auth=BearerTokenAuth(TOKEN))


@pytest.fixture
def client(config: Config):
    with Client(config) as client:
        yield client


@pytest.fixture
def cache_dir(tmp_path: Path) -> Path:
    return tmp_path / "cache"


@pytest.fixture
def cache_file(cache_dir: Path) -> Path:
    return cache_dir / "k8s.test_6443" / "discovery.json"


def serve_aggregated(
    apis: list[httpx.Response] | None = None, content_type: str = AGGREGATED_V2
) -> tuple[respx.Route, respx.Route]:
    """Routes for /api and /apis answering the recorded aggregated documents (or ``apis``)."""
    api_route = respx.get(f"{SERVER}/api").mock(
        return_value=answer(body("api_aggregated_v2"), content_type)
    )
    apis_route = respx.get(f"{SERVER}/apis")
    if apis is None:
        apis_route.mock(return_value=answer(body("apis_aggregated_v2"), content_type))
    else:
        apis_route.mock(side_effect=apis)
    return api_route, apis_route


def by_plural(resources: tuple[ResourceInfo, ...], plural: str) -> ResourceInfo:
    (found,) = [info for info in resources if info.plural == plural]
    return found


# --- parsing ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content_type", "expected"),
    [
        (AGGREGATED_V2, "aggregated"),
        (AGGREGATED_V2BETA1, "aggregated"),
        ("application/json; g=apidiscovery.k8s.io; v=v2; as=APIGroupDiscoveryList", "aggregated"),
        ("application/json", "legacy"),
        ("application/json; charset=utf-8", "legacy"),
        ("", "legacy"),
    ],
)
def test_the_content_type_decides_the_shape(content_type, expected):
    assert discovery_format(content_type) == expected


@pytest.mark.parametrize(
    "content_type",
    ["text/html", "application/json;g=apidiscovery.k8s.io;v=v3;as=APIGroupDiscoveryList"],
)
def test_an_unexpected_content_type_is_a_decode_error(content_type):
    with pytest.raises(DecodeError, match="GET /api"):
        discovery_format(content_type, "GET /api")


def test_legacy_and_aggregated_documents_agree():
    aggregated_core = parse_aggregated(json.loads(body("api_aggregated_v2")))
    aggregated_apis = parse_aggregated(json.loads(body("apis_aggregated_v2")))
    legacy_v1 = parse_api_resource_list(json.loads(body("api_v1")), "", "v1")
    legacy_apps = parse_api_resource_list(json.loads(body("apis_apps_v1")), "apps", "v1")
    assert aggregated_core.resources["v1"] == legacy_v1
    assert aggregated_apis.resources["apps/v1"] == legacy_apps
    assert parse_api_versions(json.loads(body("api"))) == GroupInfo("", ("v1",), "v1")
    assert parse_api_group_list(json.loads(body("apis"))) == aggregated_apis.groups


def test_legacy_subresources_fold_into_their_parent():
    resources = parse_api_resource_list(json.loads(body("api_v1")), "", "v1")
    assert all("/" not in info.plural for info in resources)
    assert by_plural(resources, "pods").subresources == PODS_SUBRESOURCES
    assert by_plural(resources, "namespaces").subresources == ("finalize", "status")
    assert by_plural(resources, "namespaces").namespaced is False


def test_a_stale_version_is_left_out_and_reported():
    document = {
        "kind": "APIGroupDiscoveryList",
        "items": [
            aggregated_group("example.com", {"v2": [], "v1": []}),
            aggregated_group("metrics.example.com", {"v1beta1": []}),
        ],
    }
    document["items"][0]["versions"][0]["freshness"] = "Stale"
    document["items"][1]["versions"][0]["freshness"] = "Stale"
    part = parse_aggregated(document)
    # The first fresh version becomes the preferred one; a group with none is dropped.
    assert part.groups == (GroupInfo("example.com", ("v1",), "v1"),)
    assert sorted(part.failed) == ["example.com/v2", "metrics.example.com/v1beta1"]
    assert part.resources == {"example.com/v1": ()}


def test_a_resource_without_a_kind_is_skipped():
    nameless = aggregated_resource("things", "Thing")
    del nameless["responseKind"]
    document = {"items": [aggregated_group("example.com", {"v1": [nameless]})]}
    assert parse_aggregated(document).resources == {"example.com/v1": ()}


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ([], "expected an object, got list"),
        ({"items": {}}, "items: expected a list, got dict"),
        ({"items": [{"versions": [{"version": 1}]}]}, r"items\[0\]\.versions\[0\]\.version"),
    ],
)
def test_a_malformed_aggregated_document_is_a_decode_error(document, message):
    with pytest.raises(DecodeError, match=message):
        parse_aggregated(document)


def test_preferred_resources_take_the_preferred_version_first():
    def thing(version: str, plural: str) -> ResourceInfo:
        return ResourceInfo("example.com", version, plural.title(), plural, True)

    groups = [GroupInfo("example.com", ("v2", "v1", "v1beta1"), "v2")]
    resources = {
        "example.com/v2": (thing("v2", "widgets"),),
        "example.com/v1": (thing("v1", "widgets"), thing("v1", "gadgets")),
        "example.com/v1beta1": (thing("v1beta1", "gadgets"), thing("v1beta1", "gizmos")),
    }
    assert preferred_resources(groups, resources) == {
        "example.com/v2": (thing("v2", "widgets"),),
        "example.com/v1": (thing("v1", "gadgets"),),
        "example.com/v1beta1": (thing("v1beta1", "gizmos"),),
    }


@pytest.mark.parametrize(
    ("server", "key"),
    [
        ("https://k8s.example:6443", "k8s.example_6443"),
        ("https://admin:hunter2@k8s.example:6443", "k8s.example_6443"),
        ("https://k8s.example", "k8s.example_443"),
        ("http://k8s.example", "k8s.example_80"),
        ("https://[::1]:6443", "__1_6443"),
        ("https://proxy.example/k8s/clusters/c-1/", "proxy.example_443_k8s_clusters_c-1"),
    ],
)
def test_the_cache_key_is_host_and_port(server, key):
    assert server_cache_key(server) == key


# --- fetching --------------------------------------------------------------------------------


@respx.mock
def test_aggregated_discovery_is_parsed(client, cache_dir):
    api_route, apis_route = serve_aggregated()
    resources = Discovery(client, cache_dir=cache_dir).server_resources()

    pods = by_plural(resources["v1"], "pods")
    assert (pods.kind, pods.namespaced, pods.short_names) == ("Pod", True, ("po",))
    assert pods.subresources == PODS_SUBRESOURCES
    assert pods.singular == "pod"
    assert pods.categories == ("all",)
    deployments = by_plural(resources["apps/v1"], "deployments")
    assert (deployments.group, deployments.version, deployments.kind) == (
        "apps",
        "v1",
        "Deployment",
    )
    assert deployments.subresources == ("scale", "status")
    assert deployments.short_names == ("deploy",)
    assert by_plural(resources["v1"], "namespaces").namespaced is False
    assert all("/" not in info.plural for infos in resources.values() for info in infos)
    assert len(resources) == 22
    assert (api_route.call_count, apis_route.call_count) == (1, 1)


@respx.mock
def test_the_accept_header_is_client_gos(client, cache_dir):
    api_route, apis_route = serve_aggregated()
    Discovery(client, cache_dir=cache_dir).server_groups()
    assert api_route.calls.last.request.headers["accept"] == CLIENT_GO_ACCEPT
    assert apis_route.calls.last.request.headers["accept"] == CLIENT_GO_ACCEPT
    assert api_route.calls.last.request.headers.get_list("accept") == [CLIENT_GO_ACCEPT]


@respx.mock
def test_server_groups_in_the_servers_order(client, cache_dir):
    serve_aggregated()
    groups = Discovery(client, cache_dir=cache_dir).server_groups()
    assert [group.name for group in groups[:4]] == [
        "",
        "apiregistration.k8s.io",
        "apps",
        "events.k8s.io",
    ]
    assert groups[0] == GroupInfo("", ("v1",), "v1")
    autoscaling = next(group for group in groups if group.name == "autoscaling")
    assert autoscaling == GroupInfo("autoscaling", ("v2", "v1"), "v2")
    assert autoscaling.preferred_group_version == "autoscaling/v2"
    assert len(groups) == 21


@respx.mock
def test_v2beta1_is_parsed_as_v2(client, cache_dir):
    serve_aggregated(content_type=AGGREGATED_V2BETA1)
    resources = Discovery(client, cache_dir=cache_dir).server_resources()
    assert by_plural(resources["v1"], "pods").subresources == PODS_SUBRESOURCES


@respx.mock
def test_server_preferred_resources(client, cache_dir):
    serve_aggregated()
    preferred = Discovery(client, cache_dir=cache_dir).server_preferred_resources()
    assert [info.plural for info in preferred["autoscaling/v2"]] == ["horizontalpodautoscalers"]
    assert "autoscaling/v1" not in preferred
    assert "deployments" in [info.plural for info in preferred["apps/v1"]]


def legacy_routes(failing: str | None = None) -> dict[str, respx.Route]:
    """/api and /apis as an old server answers (plain JSON), and every group-version behind them."""
    routes = {
        "/api": respx.get(f"{SERVER}/api").mock(return_value=answer(body("api"))),
        "/apis": respx.get(f"{SERVER}/apis").mock(return_value=answer(body("apis"))),
        "/api/v1": respx.get(f"{SERVER}/api/v1").mock(return_value=answer(body("api_v1"))),
        "/apis/apps/v1": respx.get(f"{SERVER}/apis/apps/v1").mock(
            return_value=answer(body("apis_apps_v1"))
        ),
    }
    for group in json.loads(body("apis"))["groups"]:
        for version in group["versions"]:
            path = f"/apis/{version['groupVersion']}"
            if path in routes:
                continue
            if path == failing:
                # An aggregated APIService whose backend is down answers discovery with a 503.
                response = httpx.Response(
                    503,
                    json={
                        "kind": "Status",
                        "apiVersion": "v1",
                        "status": "Failure",
                        "message": "the server is currently unable to handle the request",
                        "reason": "ServiceUnavailable",
                        "code": 503,
                    },
                )
            else:
                response = answer(
                    {
                        "kind": "APIResourceList",
                        "groupVersion": version["groupVersion"],
                        "resources": [],
                    }
                )
            routes[path] = respx.get(f"{SERVER}{path}").mock(return_value=response)
    return routes


@respx.mock
def test_plain_json_falls_back_to_the_legacy_documents(client, cache_dir, cache_file):
    routes = legacy_routes()
    discovery = Discovery(client, cache_dir=cache_dir)
    resources = discovery.server_resources()

    assert {path: route.call_count for path, route in routes.items()} == dict.fromkeys(routes, 1)
    assert len(routes) == 24  # /api, /apis and 22 group-versions
    assert routes["/api"].calls.last.request.headers["accept"] == CLIENT_GO_ACCEPT
    assert routes["/api/v1"].calls.last.request.headers["accept"] == "application/json"
    pods = by_plural(resources["v1"], "pods")
    assert (pods.namespaced, pods.short_names, pods.subresources) == (
        True,
        ("po",),
        PODS_SUBRESOURCES,
    )
    deployments = by_plural(resources["apps/v1"], "deployments")
    assert deployments.subresources == ("scale", "status")
    assert resources["batch/v1"] == ()
    autoscaling = next(group for group in discovery.server_groups() if group.name == "autoscaling")
    assert autoscaling == GroupInfo("autoscaling", ("v2", "v1"), "v2")
    assert discovery.resolve("deploy").gvr == GroupVersionResource("apps", "v1", "deployments")
    assert cache_file.exists()
    assert {path: route.call_count for path, route in routes.items()} == dict.fromkeys(routes, 1)


@respx.mock
def test_a_failing_legacy_group_version_is_reported_and_not_cached_on_disk(
    client, cache_dir, cache_file, caplog
):
    legacy_routes(failing="/apis/batch/v1")
    discovery = Discovery(client, cache_dir=cache_dir)
    resources = discovery.server_resources()
    assert "batch/v1" not in resources
    assert "deployments" in [info.plural for info in resources["apps/v1"]]
    assert discovery.server_groups()[7] == GroupInfo("batch", ("v1",), "v1")
    assert (
        "could not read the resources of batch/v1: 503 ServiceUnavailable: "
        "the server is currently unable to handle the request"
    ) in caplog.text
    assert not cache_file.exists()


@respx.mock
def test_a_non_json_discovery_answer_is_a_decode_error(client, cache_dir):
    respx.get(f"{SERVER}/api").mock(return_value=answer(b"<html></html>", "text/html"))
    with pytest.raises(DecodeError, match="GET /api: expected a JSON discovery document"):
        Discovery(client, cache_dir=cache_dir).server_resources()


@respx.mock
def test_server_version(client, cache_dir):
    route = respx.get(f"{SERVER}/version").mock(return_value=recorded_response("version"))
    info = Discovery(client, cache_dir=cache_dir).server_version()
    assert (info.major, info.minor, info.git_version) == ("1", "36", "v1.36.2")
    assert route.calls.last.request.headers["accept"] == "application/json"


# --- caching ---------------------------------------------------------------------------------


@respx.mock
def test_memory_cache_lasts_the_ttl(client, clock):
    api_route, apis_route = serve_aggregated()
    discovery = Discovery(client, disk_cache=False)
    first = discovery.server_resources()
    clock.advance(599)
    assert discovery.server_resources() == first
    discovery.server_groups()
    discovery.server_preferred_resources()
    assert (api_route.call_count, apis_route.call_count) == (1, 1)
    clock.advance(1)
    assert discovery.server_resources() == first
    assert (api_route.call_count, apis_route.call_count) == (2, 2)


@respx.mock
def test_a_custom_ttl(client, clock):
    api_route, _ = serve_aggregated()
    discovery = Discovery(client, disk_cache=False, ttl=30)
    discovery.server_groups()
    clock.advance(29)
    discovery.server_groups()
    assert api_route.call_count == 1
    clock.advance(1)
    discovery.server_groups()
    assert api_route.call_count == 2


def test_a_bad_ttl_is_refused(client):
    with pytest.raises(ValueError, match="ttl"):
        Discovery(client, ttl=-1)
    with pytest.raises(TypeError, match="ttl"):
        Discovery(client, ttl="600")  # type: ignore[arg-type]


@respx.mock
def test_invalidate_refetches(client, cache_dir, cache_file):
    api_route, apis_route = serve_aggregated()
    discovery = Discovery(client, cache_dir=cache_dir)
    discovery.server_resources()
    discovery.invalidate()
    assert not cache_file.exists()
    discovery.server_resources()
    assert (api_route.call_count, apis_route.call_count) == (2, 2)
    assert cache_file.exists()


@respx.mock
def test_a_second_discovery_reads_the_disk_cache(config, cache_dir, cache_file):
    api_route, apis_route = serve_aggregated()
    with Client(config) as first_client:
        fetched = Discovery(first_client, cache_dir=cache_dir).server_resources()
    with Client(config) as second_client:
        second = Discovery(second_client, cache_dir=cache_dir)
        assert second.server_resources() == fetched
        assert second.server_groups()[0] == GroupInfo("", ("v1",), "v1")
    assert (api_route.call_count, apis_route.call_count) == (1, 1)

    assert stat.S_IMODE(cache_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(cache_file.parent.stat().st_mode) == 0o700
    assert sorted(p.name for p in cache_file.parent.iterdir()) == ["discovery.json"]
    document = json.loads(cache_file.read_bytes())
    assert (document["format"], document["server"]) == ("rawkube.discovery/v1", "k8s.test_6443")
    assert document["fetchedAt"] == "2026-01-01T00:00:00+00:00"
    assert TOKEN not in cache_file.read_text()


@respx.mock
def test_the_default_cache_lives_under_xdg_cache_home(client, isolated_environment):
    serve_aggregated()
    Discovery(client).server_groups()
    expected = isolated_environment / ".cache" / "rawkube" / "discovery" / "k8s.test_6443"
    assert (expected / "discovery.json").is_file()
    assert stat.S_IMODE(expected.stat().st_mode) == 0o700


@respx.mock
def test_disk_cache_off_writes_nothing(client, isolated_environment):
    serve_aggregated()
    Discovery(client, disk_cache=False).server_groups()
    assert not (isolated_environment / ".cache").exists()


@respx.mock
def test_an_expired_disk_cache_is_refetched(config, clock, cache_dir):
    api_route, _ = serve_aggregated()
    with Client(config) as first_client:
        Discovery(first_client, cache_dir=cache_dir).server_groups()
    clock.advance(599)
    with Client(config) as second_client:
        Discovery(second_client, cache_dir=cache_dir).server_groups()
    assert api_route.call_count == 1
    clock.advance(1)
    with Client(config) as third_client:
        Discovery(third_client, cache_dir=cache_dir).server_groups()
    assert api_route.call_count == 2


@respx.mock
def test_a_disk_cache_read_later_expires_by_its_own_age(config, clock, cache_dir):
    api_route, _ = serve_aggregated()
    with Client(config) as first_client:
        Discovery(first_client, cache_dir=cache_dir).server_groups()
    clock.advance(500)
    with Client(config) as second_client:
        second = Discovery(second_client, cache_dir=cache_dir)
        second.server_groups()
        clock.advance(100)  # 600 seconds after the fetch, 100 after reading the file
        second.server_groups()
    assert api_route.call_count == 2


def valid_document() -> dict[str, Any]:
    data = DiscoveryData(
        (GroupInfo("", ("v1",), "v1"),),
        {"v1": (ResourceInfo("", "v1", "Pod", "pods", True),)},
        FakeClock().now(),
    )
    return data.to_document("k8s.test_6443")


def broken(change: str) -> bytes:
    document = valid_document()
    if change == "namespaced":
        document["resources"]["v1"][0]["namespaced"] = "yes"
    elif change == "server":
        document["server"] = "elsewhere_443"
    elif change == "format":
        document["format"] = "rawkube.discovery/v0"
    elif change == "fetchedAt":
        document["fetchedAt"] = "yesterday"
    elif change == "naive":
        document["fetchedAt"] = "2026-01-01T00:00:00"
    elif change == "future":
        document["fetchedAt"] = "2026-01-02T00:00:00+00:00"
    return json.dumps(document).encode()


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"not json",
        b"\xff\xfe\x00",
        b"[]",
        b'{"format": "rawkube.discovery/v1", "server": "k8s.test_6443"}',
        b"[" * 100_000,
        broken("namespaced"),
        broken("server"),
        broken("format"),
        broken("fetchedAt"),
        broken("naive"),
        broken("future"),
    ],
)
@respx.mock
def test_a_corrupt_cache_file_is_refetched(client, cache_dir, cache_file, content):
    api_route, _ = serve_aggregated()
    cache_file.parent.mkdir(parents=True)
    cache_file.write_bytes(content)
    resources = Discovery(client, cache_dir=cache_dir).server_resources()
    assert by_plural(resources["v1"], "pods").short_names == ("po",)
    assert api_route.call_count == 1
    assert json.loads(cache_file.read_bytes())["server"] == "k8s.test_6443"


@respx.mock
def test_the_sample_cache_document_is_itself_valid(client, cache_dir, cache_file):
    # The corrupt-file cases above are variations of this one, which must be accepted.
    api_route, _ = serve_aggregated()
    cache_file.parent.mkdir(parents=True)
    cache_file.write_bytes(json.dumps(valid_document()).encode())
    assert Discovery(client, cache_dir=cache_dir).server_resources() == {
        "v1": (ResourceInfo("", "v1", "Pod", "pods", True),)
    }
    assert api_route.call_count == 0


@respx.mock
def test_an_unreadable_cache_directory_is_ignored(client, tmp_path):
    serve_aggregated()
    blocker = tmp_path / "file-not-dir"
    blocker.write_text("")
    resources = Discovery(client, cache_dir=blocker).server_resources()
    assert "apps/v1" in resources


# --- RESTMapper through discovery ------------------------------------------------------------


@respx.mock
def test_rest_mapper_resolves_from_discovery(client, cache_dir):
    api_route, _ = serve_aggregated()
    discovery = Discovery(client, cache_dir=cache_dir)
    for text in ("po", "pods", "pod", "Pod"):
        assert discovery.resolve(text).gvr == GroupVersionResource("", "v1", "pods")
    for text in ("deploy", "deployments.apps", "deployments.v1.apps"):
        assert discovery.resolve(text).gvr == GroupVersionResource("apps", "v1", "deployments")
    assert discovery.kind_for(GroupVersionResource("apps", "v1", "deployments")) == (
        GroupVersionKind("apps", "v1", "Deployment")
    )
    assert discovery.resource_for(GroupVersionKind("", "v1", "Pod")).plural == "pods"
    assert discovery.rest_mapper() is discovery.rest_mapper()
    assert api_route.call_count == 1


@respx.mock
def test_a_miss_refreshes_once_and_finds_a_new_crd(client, cache_dir, cache_file):
    with_crd = answer(json.dumps(apis_with(widget_group())).encode(), AGGREGATED_V2)
    api_route, apis_route = serve_aggregated(
        apis=[answer(body("apis_aggregated_v2"), AGGREGATED_V2), with_crd]
    )
    discovery = Discovery(client, cache_dir=cache_dir)
    assert "example.com/v1" not in discovery.server_resources()

    widgets = discovery.resolve("wd")
    assert (widgets.api_version, widgets.plural, widgets.kind) == (
        "example.com/v1",
        "widgets",
        "Widget",
    )
    assert discovery.resolve("Widget") == widgets
    assert (api_route.call_count, apis_route.call_count) == (2, 2)
    assert "example.com/v1" in json.loads(cache_file.read_bytes())["resources"]


@respx.mock
def test_kind_for_refreshes_once_too(client, cache_dir):
    with_crd = answer(json.dumps(apis_with(widget_group())).encode(), AGGREGATED_V2)
    _, apis_route = serve_aggregated(
        apis=[answer(body("apis_aggregated_v2"), AGGREGATED_V2), with_crd]
    )
    discovery = Discovery(client, cache_dir=cache_dir)
    discovery.server_groups()
    assert discovery.kind_for(GroupVersionResource("example.com", "v1", "widgets")) == (
        GroupVersionKind("example.com", "v1", "Widget")
    )
    assert (
        discovery.resource_for(GroupVersionKind("example.com", "v1", "Widget")).plural == "widgets"
    )
    assert apis_route.call_count == 2


@respx.mock
def test_a_miss_fails_after_exactly_one_refresh(client, cache_dir):
    api_route, apis_route = serve_aggregated()
    discovery = Discovery(client, cache_dir=cache_dir)
    discovery.server_groups()
    with pytest.raises(ResourceNotFoundError) as caught:
        discovery.resolve("wdgets")
    assert str(caught.value) == "the server doesn't have a resource type 'wdgets'"
    assert (api_route.call_count, apis_route.call_count) == (2, 2)


@respx.mock
def test_a_miss_on_data_fetched_by_the_same_call_does_not_fetch_again(client, cache_dir):
    api_route, apis_route = serve_aggregated()
    discovery = Discovery(client, cache_dir=cache_dir)
    with pytest.raises(ResourceNotFoundError, match="'deploymnts'; did you mean 'deployments'"):
        discovery.resolve("deploymnts")
    assert (api_route.call_count, apis_route.call_count) == (1, 1)


@respx.mock
def test_a_miss_on_the_disk_cache_refreshes(config, cache_dir):
    with_crd = answer(json.dumps(apis_with(widget_group())).encode(), AGGREGATED_V2)
    _, apis_route = serve_aggregated(
        apis=[answer(body("apis_aggregated_v2"), AGGREGATED_V2), with_crd]
    )
    with Client(config) as first_client:
        Discovery(first_client, cache_dir=cache_dir).server_groups()
    with Client(config) as second_client:
        assert Discovery(second_client, cache_dir=cache_dir).resolve("wd").plural == "widgets"
    assert apis_route.call_count == 2


# --- async -----------------------------------------------------------------------------------


@pytest.mark.anyio
@respx.mock
async def test_async_discovery_parses_and_sends_the_accept_header(config, cache_dir):
    api_route, apis_route = serve_aggregated()
    async with AsyncClient(config) as client:
        discovery = AsyncDiscovery(client, cache_dir=cache_dir)
        resources = await discovery.server_resources()
        assert by_plural(resources["v1"], "pods").subresources == PODS_SUBRESOURCES
        assert (await discovery.server_groups())[0] == GroupInfo("", ("v1",), "v1")
        preferred = await discovery.server_preferred_resources()
        assert "autoscaling/v1" not in preferred
        assert (await discovery.resolve("deploy")).api_version == "apps/v1"
        mapper = await discovery.rest_mapper()
        assert mapper.resolve("po").plural == "pods"
    assert api_route.calls.last.request.headers["accept"] == CLIENT_GO_ACCEPT
    assert (api_route.call_count, apis_route.call_count) == (1, 1)


@pytest.mark.anyio
@respx.mock
async def test_async_miss_refreshes_once(config, cache_dir):
    with_crd = answer(json.dumps(apis_with(widget_group())).encode(), AGGREGATED_V2)
    _, apis_route = serve_aggregated(
        apis=[answer(body("apis_aggregated_v2"), AGGREGATED_V2), with_crd, with_crd]
    )
    async with AsyncClient(config) as client:
        discovery = AsyncDiscovery(client, cache_dir=cache_dir)
        await discovery.server_groups()
        assert (await discovery.resolve("wd")).kind == "Widget"
        assert (await discovery.kind_for(GroupVersionResource("example.com", "", "widgets"))) == (
            GroupVersionKind("example.com", "v1", "Widget")
        )
        with pytest.raises(ResourceNotFoundError):
            await discovery.resource_for(GroupVersionKind("example.com", "v1", "Gizmo"))
    # The first fetch, the refresh for "wd", and the refresh for the Gizmo miss.
    assert apis_route.call_count == 3


@pytest.mark.anyio
@respx.mock
async def test_async_legacy_fallback_and_version(config, cache_dir):
    routes = legacy_routes()
    version = respx.get(f"{SERVER}/version").mock(return_value=recorded_response("version"))
    async with AsyncClient(config) as client:
        discovery = AsyncDiscovery(client, cache_dir=cache_dir)
        resources = await discovery.server_resources()
        assert (await discovery.server_version()).git_version == "v1.36.2"
        discovery.invalidate()
        assert await discovery.server_resources() == resources
    assert by_plural(resources["apps/v1"], "deployments").subresources == ("scale", "status")
    assert {path: route.call_count for path, route in routes.items()} == dict.fromkeys(routes, 2)
    assert version.call_count == 1


@pytest.mark.anyio
@respx.mock
async def test_sync_and_async_share_the_disk_cache(config, cache_dir):
    api_route, _ = serve_aggregated()
    with Client(config) as client:
        fetched = Discovery(client, cache_dir=cache_dir).server_resources()
    async with AsyncClient(config) as async_client:
        assert await AsyncDiscovery(async_client, cache_dir=cache_dir).server_resources() == fetched
    assert api_route.call_count == 1


def test_sync_and_async_have_the_same_methods():
    def public(cls: type) -> dict[str, inspect.Signature]:
        return {
            name: inspect.signature(member)
            for name, member in vars(cls).items()
            if callable(member) and (not name.startswith("_") or name == "__init__")
        }

    sync, asynchronous = public(Discovery), public(AsyncDiscovery)
    assert sorted(sync) == sorted(asynchronous)
    for name, signature in sync.items():
        other = asynchronous[name]
        assert list(signature.parameters) == list(other.parameters), name
        if name not in ("__init__", "invalidate"):
            assert inspect.iscoroutinefunction(getattr(AsyncDiscovery, name)), name
    assert sorted(sync) == [
        "__init__",
        "invalidate",
        "kind_for",
        "resolve",
        "resource_for",
        "rest_mapper",
        "server_groups",
        "server_preferred_resources",
        "server_resources",
        "server_version",
    ]


@respx.mock
def test_the_client_keeps_one_discovery_that_resolves_kubectl_names(client):
    serve_aggregated()
    assert client.discovery is client.discovery
    deploy = client.discovery.resolve("deploy")
    assert (deploy.group, deploy.version, deploy.plural) == ("apps", "v1", "deployments")
    assert client.discovery.resolve("po").kind == "Pod"


@pytest.mark.anyio
async def test_the_async_client_keeps_one_discovery(config):
    with respx.mock:
        serve_aggregated()
        async with AsyncClient(config) as client:
            assert client.discovery is client.discovery
            pods = await client.discovery.resolve("pods")
    assert (pods.group, pods.version, pods.namespaced) == ("", "v1", True)

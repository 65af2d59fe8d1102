"""Paths and methods the API server has no route for, or routes elsewhere, on the fake cluster.

The recorded wrong-path requests get the recorded status and Status body, in process and on
loopback; a method a subresource does not take is 405 and touches nothing; ``proxy`` never
reads or writes the object it names; the deprecated ``/watch/`` paths still watch.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

import rawkube
from rawkube.testing import FakeClock, FakeCluster
from tests.conftest import RECORDED

NS = "lab-fidelity"
POD_SPEC = {"containers": [{"name": "c", "image": "registry.k8s.io/pause:3.10"}]}


def recorded(name: str) -> tuple[int, str, dict]:
    head = (RECORDED / f"{name}.headers").read_text().splitlines()
    content_type = next(
        line.partition(":")[2].strip() for line in head if line.lower().startswith("content-type")
    )
    return (
        int(head[0].split()[1]),
        content_type,
        json.loads((RECORDED / f"{name}.body").read_bytes()),
    )


@pytest.fixture
def cluster() -> FakeCluster:
    objects = [
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": ns}}
        for ns, name in ((NS, "cm-nulls"), ("other", "keep"))
    ]
    objects.append(
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "p", "namespace": NS},
            "spec": POD_SPEC,
        }
    )
    return FakeCluster(objects, clock=FakeClock())


@pytest.fixture(params=["in-process", "loopback"])
def http(request, cluster) -> Iterator[httpx.Client]:
    if request.param == "in-process":
        with httpx.Client(transport=cluster.transport(), base_url="http://fake") as client:
            yield client
    else:
        with (
            cluster.serve(auth=False) as server,
            httpx.Client(base_url=server.url, timeout=10) as client,
        ):
            yield client


def untouched(cluster: FakeCluster) -> list[tuple[str, str, str]]:
    return [
        (o["kind"], o["metadata"].get("namespace", ""), o["metadata"]["name"])
        for o in cluster.objects()
        if o["kind"] != "Namespace"
    ]


SEEDED = [("ConfigMap", NS, "cm-nulls"), ("ConfigMap", "other", "keep"), ("Pod", NS, "p")]


@pytest.mark.parametrize(
    ("fixture", "method", "path", "body", "content_type"),
    [
        (
            "err_404_unknown_resource",
            "GET",
            f"/apis/apps/v1/namespaces/{NS}/nosuchresources",
            None,
            None,
        ),
        ("err_405_method_not_allowed", "PUT", f"/api/v1/namespaces/{NS}/configmaps", {}, None),
        ("err_405_deletecollection_all_namespaces", "DELETE", "/api/v1/configmaps", None, None),
        (
            "err_405_create_at_cluster_path",
            "POST",
            "/api/v1/configmaps",
            {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {"name": "cm-cluster", "namespace": NS},
                "data": {"a": "1"},
            },
            None,
        ),
        (
            "err_404_configmap_status_subresource",
            "GET",
            f"/api/v1/namespaces/{NS}/configmaps/cm-nulls/status",
            None,
            None,
        ),
        (
            "err_404_configmap_status_subresource_missing_object",
            "GET",
            f"/api/v1/namespaces/{NS}/configmaps/x/status",
            None,
            None,
        ),
        (
            "err_415_patch_text_plain",
            "PATCH",
            f"/api/v1/namespaces/{NS}/configmaps/cm-nulls",
            {"data": {"b": "2"}},
            "text/plain",
        ),
    ],
)
def test_a_recorded_wrong_path_is_answered_as_recorded(
    cluster, http, fixture, method, path, body, content_type
):
    status, expected_type, expected = recorded(fixture)
    headers = {"Accept": "application/json"}
    if body is not None:
        headers["Content-Type"] = content_type or "application/json"
    answer = http.request(
        method, path, content=json.dumps(body) if body is not None else None, headers=headers
    )
    assert answer.status_code == status
    assert answer.headers["content-type"] == expected_type
    assert answer.json() == expected
    assert untouched(cluster) == SEEDED


def test_delete_collection_across_namespaces_empties_nothing(cluster):
    with cluster.client(NS) as client:
        configmaps = client.dynamic.resource(rawkube.GroupVersionResource("", "v1", "configmaps"))
        with pytest.raises(ValueError, match="namespaced"):
            configmaps.delete_collection()
        with pytest.raises(rawkube.MethodNotAllowedError):
            client.delete().abs_path("/api/v1/configmaps").do()
        configmaps.namespace(NS).delete_collection()
    assert untouched(cluster) == [("ConfigMap", "other", "keep"), ("Pod", NS, "p")]


@pytest.mark.parametrize(
    ("method", "subresource"),
    [
        ("DELETE", "log"),
        ("PUT", "log"),
        ("POST", "log"),
        ("GET", "eviction"),
        ("DELETE", "eviction"),
        ("GET", "binding"),
        ("PATCH", "binding"),
        ("DELETE", "status"),
        ("POST", "status"),
        ("PUT", "exec"),
    ],
)
def test_a_method_a_subresource_does_not_take_is_405_and_touches_nothing(
    cluster, http, method, subresource
):
    status, _, expected = recorded("err_405_method_not_allowed")
    answer = http.request(
        method,
        f"/api/v1/namespaces/{NS}/pods/p/{subresource}",
        content=json.dumps({"metadata": {"name": "p"}, "spec": POD_SPEC}),
        headers={
            "Content-Type": "application/merge-patch+json"
            if method == "PATCH"
            else "application/json"
        },
    )
    assert (answer.status_code, answer.json()) == (status, expected)
    assert untouched(cluster) == SEEDED


@pytest.mark.parametrize(
    "path",
    [
        f"/api/v1/namespaces/{NS}/configmaps/cm-nulls/status/more",
        f"/api/v1/namespaces/{NS}/pods/p/log/more",
        "/api/v1/configmaps/cm-nulls",  # a name needs the namespace of a namespaced resource
        f"/api/v1/namespaces/{NS}/namespaces",
        "/api/v2/namespaces",
        "/apis/apps/v2/deployments",
        "/apis/nope",
        "/nope",
    ],
)
def test_a_path_with_no_route_is_the_generic_404(http, path):
    status, _, expected = recorded("err_404_unknown_resource")
    answer = http.get(path)
    assert (answer.status_code, answer.json()) == (status, expected)


# --- proxy --------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "PATCH", "DELETE"])
def test_proxy_to_a_pod_without_an_ip_is_refused_and_never_touches_the_pod(cluster, http, method):
    answer = http.request(method, f"/api/v1/namespaces/{NS}/pods/p/proxy/healthz", content=b"{}")
    assert answer.status_code == 400
    assert answer.json()["message"] == "address not allowed"
    assert untouched(cluster) == SEEDED


def test_proxy_to_a_pod_with_an_ip_a_service_or_a_node_finds_nothing_to_reach(cluster, http):
    cluster.create(
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "running", "namespace": NS},
            "spec": {**POD_SPEC, "nodeName": "node-1"},
            "status": {"phase": "Running", "podIP": "10.1.2.3"},
        }
    )
    cluster.create(
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "web", "namespace": NS},
            "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]},
        }
    )
    cluster.create({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "node-1"}})
    for path, message in [
        (f"/api/v1/namespaces/{NS}/pods/running:8080/proxy/", None),
        (
            f"/api/v1/namespaces/{NS}/services/web:80/proxy/x",
            'no endpoints available for service "web:80"',
        ),
        ("/api/v1/nodes/node-1/proxy/metrics", None),
    ]:
        answer = http.get(path)
        assert answer.status_code == 503, path
        assert answer.json()["reason"] == "ServiceUnavailable"
        if message:
            assert answer.json()["message"] == message


def test_proxy_names_the_missing_object_or_the_name_that_does_not_split(http):
    missing = http.get(f"/api/v1/namespaces/{NS}/services/nope/proxy")
    assert (missing.status_code, missing.json()["message"]) == (404, 'services "nope" not found')
    odd = http.get(f"/api/v1/namespaces/{NS}/pods/ftp:p:80/proxy")
    assert (odd.status_code, odd.json()["message"]) == (400, 'invalid pod request "ftp:p:80"')


# --- the deprecated /watch/ paths ---------------------------------------------------------------


def test_the_watch_paths_watch_a_collection_and_one_object(cluster):
    with httpx.Client(transport=cluster.transport(), base_url="http://fake") as http:
        every = http.get("/api/v1/watch/configmaps", params={"timeoutSeconds": "1"})
        one = http.get(
            f"/api/v1/watch/namespaces/{NS}/configmaps/cm-nulls", params={"timeoutSeconds": "1"}
        )
        refused = http.delete(f"/api/v1/watch/namespaces/{NS}/configmaps")
    names = [json.loads(line)["object"]["metadata"]["name"] for line in every.text.splitlines()]
    assert names == ["cm-nulls", "keep"]
    events = [json.loads(line) for line in one.text.splitlines()]
    assert [(e["type"], e["object"]["metadata"]["name"]) for e in events] == [("ADDED", "cm-nulls")]
    assert refused.status_code == 405
    assert untouched(cluster) == SEEDED

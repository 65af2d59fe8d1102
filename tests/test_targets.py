"""A call reaches only what it names: a missing name or namespace never widens it to many."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

import rawkube
from rawkube.models.apps_v1 import Deployment
from rawkube.models.core_v1 import ConfigMap, Pod
from rawkube.testing import FakeClock, FakeCluster
from tests.conftest import recorded_response

SEEDED = [("other", "keep-1"), ("team", "keep-1"), ("team", "keep-2")]


@pytest.fixture
def cluster() -> FakeCluster:
    fake = FakeCluster(clock=FakeClock())
    for namespace, name in SEEDED:
        fake.create(ConfigMap(metadata={"name": name, "namespace": namespace}, data={"k": "v"}))
    fake.create(
        Deployment(
            metadata={"name": "web", "namespace": "team"},
            spec={"replicas": 2, "selector": {"matchLabels": {"app": "web"}}},
        )
    )
    fake.create(Pod(metadata={"name": "p", "namespace": "team"}, spec={"containers": []}))
    fake.clear_actions()
    return fake


@pytest.fixture
def client(cluster: FakeCluster) -> Iterator[rawkube.Client]:
    with cluster.client("team") as client:
        yield client


def assert_untouched(cluster: FakeCluster) -> None:
    """Nothing was sent, and every seeded object is still there as it was."""
    assert cluster.actions() == []
    configmaps = [
        (o["metadata"]["namespace"], o["metadata"]["name"], o["data"])
        for o in cluster.objects("ConfigMap")
    ]
    assert configmaps == [(namespace, name, {"k": "v"}) for namespace, name in SEEDED]
    deployment = cluster.objects("Deployment")[0]
    assert (deployment["spec"]["replicas"], deployment.get("status")) == (2, None)
    pods = [(o["metadata"]["name"], o["spec"].get("nodeName")) for o in cluster.objects("Pod")]
    assert pods == [("p", None)]


# --- the fake answers as the real server does ----------------------------------------------------

CREATE_AT_CLUSTER_PATH = {
    "apiVersion": "v1",
    "kind": "ConfigMap",
    "metadata": {"name": "cm-cluster", "namespace": "team"},
    "data": {"a": "1"},
}


@pytest.mark.parametrize(
    ("recorded", "method", "path", "body"),
    [
        ("err_405_deletecollection_all_namespaces", "DELETE", "/api/v1/configmaps", None),
        ("err_405_create_at_cluster_path", "POST", "/api/v1/configmaps", CREATE_AT_CLUSTER_PATH),
        ("err_405_method_not_allowed", "PUT", "/api/v1/namespaces/team/configmaps", {}),
        ("err_405_method_not_allowed", "PATCH", "/api/v1/namespaces/team/configmaps", {}),
        ("err_405_method_not_allowed", "DELETE", "/api/v1/namespaces/team/pods/p/status", None),
    ],
    ids=["deletecollection-all", "create-all", "put-collection", "patch-collection", "delete-sub"],
)
def test_the_fake_refuses_what_the_server_serves_no_route_for(
    cluster, recorded, method, path, body
):
    expected = recorded_response(recorded)
    content = json.dumps(body).encode() if body is not None else b""
    headers = {
        "Content-Type": "application/merge-patch+json" if method == "PATCH" else "application/json"
    }
    with httpx.Client(transport=cluster.transport(), base_url="http://fake") as http:
        answer = http.request(method, path, content=content, headers=headers)
    assert answer.status_code == expected.status_code == 405
    assert answer.headers["Content-Type"] == expected.headers["Content-Type"]
    assert answer.json() == expected.json()
    cluster.clear_actions()
    assert_untouched(cluster)

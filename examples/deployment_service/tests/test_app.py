"""The blocking service through FastAPI's TestClient, on the fake cluster: answers and state."""

import socket
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import Request
from fastapi.testclient import TestClient

import rawkube
from examples.deployment_service.app import create_app, error_response
from rawkube.testing import FakeCluster

WEB = {"name": "web", "image": "nginx:1.27", "replicas": 2}
URL = "/namespaces/default/deployments"


@pytest.fixture
def api(fake_client: rawkube.Client) -> Iterator[TestClient]:
    with TestClient(create_app(fake_client)) as api:
        yield api


def stored(cluster: FakeCluster) -> dict[str, dict[str, Any]]:
    """The Deployments in the cluster by name: what the service left there."""
    return {d["metadata"]["name"]: d for d in cluster.objects("Deployment")}


def image_of(deployment: dict[str, Any]) -> str:
    image: str = deployment["spec"]["template"]["spec"]["containers"][0]["image"]
    return image


def test_create_makes_a_deployment_whose_selector_matches_its_pods(
    api: TestClient, fake_cluster: FakeCluster
) -> None:
    answer = api.post(URL, json=WEB)

    assert answer.status_code == 201
    assert answer.json() == {
        "name": "web",
        "namespace": "default",
        "image": "nginx:1.27",
        "replicas": 2,
        "ready_replicas": 0,
        "resource_version": stored(fake_cluster)["web"]["metadata"]["resourceVersion"],
    }
    web = stored(fake_cluster)["web"]
    assert web["spec"]["replicas"] == 2
    assert web["spec"]["selector"] == {"matchLabels": {"app": "web"}}
    assert web["spec"]["template"]["metadata"]["labels"] == {"app": "web"}
    assert image_of(web) == "nginx:1.27"


def test_get_and_list_read_what_is_in_the_cluster(api: TestClient) -> None:
    api.post(URL, json=WEB)
    api.post(URL, json={"name": "db", "image": "postgres:17"})

    web = api.get(f"{URL}/web")
    assert web.status_code == 200
    assert web.json()["image"] == "nginx:1.27"
    listed = api.get(URL)
    assert listed.status_code == 200
    assert [(d["name"], d["replicas"]) for d in listed.json()] == [("db", 1), ("web", 2)]
    assert api.get("/namespaces/other/deployments").json() == []


def test_update_changes_the_image_and_replicas_and_keeps_the_rest(
    api: TestClient, fake_cluster: FakeCluster
) -> None:
    api.post(URL, json=WEB)

    answer = api.patch(f"{URL}/web", json={"image": "nginx:1.28", "replicas": 4})

    assert answer.status_code == 200
    assert (answer.json()["image"], answer.json()["replicas"]) == ("nginx:1.28", 4)
    web = stored(fake_cluster)["web"]
    assert (image_of(web), web["spec"]["replicas"]) == ("nginx:1.28", 4)
    assert web["spec"]["selector"] == {"matchLabels": {"app": "web"}}
    assert web["metadata"]["resourceVersion"] == answer.json()["resource_version"]


def test_an_update_from_a_stale_read_is_a_409_and_changes_nothing(
    api: TestClient, fake_cluster: FakeCluster
) -> None:
    read = api.post(URL, json=WEB).json()
    api.put(f"{URL}/web/scale", json={"replicas": 3})  # someone else's change meanwhile

    answer = api.patch(
        f"{URL}/web", json={"image": "nginx:1.28", "resource_version": read["resource_version"]}
    )

    assert answer.status_code == 409
    assert "has been modified" in answer.json()["detail"]
    assert image_of(stored(fake_cluster)["web"]) == "nginx:1.27"


def test_scale_sets_the_replicas(api: TestClient, fake_cluster: FakeCluster) -> None:
    api.post(URL, json=WEB)

    answer = api.put(f"{URL}/web/scale", json={"replicas": 0})

    assert answer.status_code == 200
    assert answer.json()["replicas"] == 0
    assert stored(fake_cluster)["web"]["spec"]["replicas"] == 0


def test_delete_removes_it_and_then_it_is_not_found(
    api: TestClient, fake_cluster: FakeCluster
) -> None:
    api.post(URL, json=WEB)

    answer = api.delete(f"{URL}/web")

    assert (answer.status_code, answer.content) == (204, b"")
    assert stored(fake_cluster) == {}
    for gone in (api.delete(f"{URL}/web"), api.get(f"{URL}/web"), api.patch(f"{URL}/web", json={})):
        assert gone.status_code == 404
        assert gone.json() == {"detail": 'deployments.apps "web" not found'}


def test_creating_a_name_twice_is_a_409(api: TestClient, fake_cluster: FakeCluster) -> None:
    api.post(URL, json=WEB)

    answer = api.post(URL, json={**WEB, "image": "httpd"})

    assert answer.status_code == 409
    assert answer.json() == {"detail": 'deployments.apps "web" already exists'}
    assert image_of(stored(fake_cluster)["web"]) == "nginx:1.27"


def test_what_the_server_refuses_is_a_422_naming_the_fields(
    api: TestClient, fake_cluster: FakeCluster
) -> None:
    answer = api.post(URL, json={"name": "Web", "image": "nginx"})

    assert answer.status_code == 422
    causes = answer.json()["causes"]
    assert [c["field"] for c in causes] == [
        "metadata.name",
        "spec.template.spec.containers[0].name",
    ]
    assert all(c["reason"] == "FieldValueInvalid" for c in causes)
    assert stored(fake_cluster) == {}


def test_what_the_service_refuses_never_reaches_the_cluster(
    api: TestClient, fake_cluster: FakeCluster
) -> None:
    answer = api.post(URL, json={"name": "web", "image": "nginx", "replicas": -1})

    assert answer.status_code == 422  # FastAPI's own validation, before any request
    assert fake_cluster.actions() == []


def test_a_namespace_being_deleted_refuses_creates_with_a_403(
    api: TestClient, fake_client: rawkube.Client, fake_cluster: FakeCluster
) -> None:
    # A finalizer on something inside keeps the namespace Terminating, as on a real cluster.
    fake_cluster.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "old"}})
    held = {"name": "held", "namespace": "old", "finalizers": ["example.com/hold"]}
    fake_cluster.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": held})
    fake_client.core_v1.namespaces().delete("old")

    answer = api.post("/namespaces/old/deployments", json=WEB)

    assert answer.status_code == 403
    assert "is being terminated" in answer.json()["detail"]
    assert stored(fake_cluster) == {}


def test_an_api_server_that_cannot_be_reached_is_a_503() -> None:
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = rawkube.Config(server=f"http://127.0.0.1:{port}")
    with rawkube.Client(config) as client, TestClient(create_app(client)) as api:
        answer = api.post(URL, json=WEB)

    assert answer.status_code == 503
    assert answer.json() == {"detail": "the Kubernetes API cannot be reached"}


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (rawkube.NotFoundError(404, "NotFound", "gone"), 404),
        (rawkube.AlreadyExistsError(409, "AlreadyExists", "taken"), 409),
        (rawkube.ConflictError(409, "Conflict", "modified"), 409),
        (rawkube.InvalidError(422, "Invalid", "bad"), 422),
        (rawkube.ForbiddenError(403, "Forbidden", "no"), 403),
        (rawkube.InternalServerError(500, "InternalError", "boom"), 502),
        (rawkube.UnauthorizedError(401, "Unauthorized", "who?"), 502),
        (rawkube.DecodeError("garbled"), 502),
        (rawkube.ServiceUnavailableError(503, "ServiceUnavailable", "busy"), 502),
    ],
)
def test_each_rawkube_error_has_its_http_status(error: Exception, status: int) -> None:
    assert error_response(Request({"type": "http"}), error).status_code == status

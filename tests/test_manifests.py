"""apply_manifests: every object of a manifest to its resource, in order, by server-side apply."""

from __future__ import annotations

import json

import httpx
import pytest
import respx

import rawkube
from rawkube.core._clock import FakeClock
from rawkube.models.core_v1 import ConfigMap
from rawkube.models.meta_v1 import ObjectMeta
from tests.conftest import recorded_response
from tests.test_discovery import AGGREGATED_V2, answer, body
from tests.test_restmapper import aggregated_group, aggregated_resource, apis_with

# A CRD no test registers a model for, so its objects stay dicts whatever ran before.
GIZMOS = aggregated_group("gizmos.example.org", {"v1": [aggregated_resource("gizmos", "Gizmo")]})

SERVER = "http://k8s.test:6443"

MANIFESTS = """\
apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
data: {level: debug}
---
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: gizmos.example.org/v1
kind: Gizmo
metadata: {name: gizmo, namespace: shop}
spec: {size: 3}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec: {replicas: 2}
"""


@pytest.fixture
def client(tmp_path):
    config = rawkube.Config(server=SERVER, namespace="team", clock=FakeClock())
    with rawkube.Client(config) as client:
        yield client


def echo(request: httpx.Request) -> httpx.Response:
    """An apply answers with the object it was sent."""
    return httpx.Response(200, content=request.content)


def serve_discovery() -> None:
    respx.get(f"{SERVER}/api").mock(return_value=answer(body("api_aggregated_v2"), AGGREGATED_V2))
    respx.get(f"{SERVER}/apis").mock(return_value=answer(apis_with(GIZMOS), AGGREGATED_V2))


@respx.mock
def test_each_object_goes_to_its_resource_and_namespace(client):
    serve_discovery()
    routes = [
        respx.patch(f"{SERVER}/api/v1/namespaces/team/configmaps/settings").mock(side_effect=echo),
        respx.patch(f"{SERVER}/api/v1/namespaces/shop").mock(side_effect=echo),
        respx.patch(f"{SERVER}/apis/gizmos.example.org/v1/namespaces/shop/gizmos/gizmo").mock(
            side_effect=echo
        ),
        respx.patch(f"{SERVER}/apis/apps/v1/namespaces/team/deployments/web").mock(
            side_effect=echo
        ),
    ]
    applied = client.apply_manifests(MANIFESTS, field_manager="deployer", force=True)
    assert [type(obj).__name__ for obj in applied] == [
        "ConfigMap",
        "Namespace",
        "dict",
        "Deployment",
    ]
    for route in routes:
        request = route.calls.last.request
        assert request.headers["content-type"] == "application/apply-patch+yaml"
        assert list(request.url.params.multi_items()) == [
            ("fieldManager", "deployer"),
            ("force", "true"),
        ]
    assert json.loads(routes[2].calls.last.request.content)["spec"] == {"size": 3}
    assert applied[2]["kind"] == "Gizmo"


def test_a_dry_run_sends_dry_run_all_and_the_server_keeps_nothing(fake_client):
    applied = fake_client.apply_manifests(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: tried}\ndata: {a: b}\n",
        field_manager="deployer",
        dry_run=True,
    )
    assert [obj.data for obj in applied] == [{"a": "b"}]  # what the server would keep
    assert "tried" not in [c.metadata.name for c in fake_client.core_v1.config_maps().list().items]


@respx.mock
def test_it_stops_at_the_first_error_naming_the_document(client):
    respx.patch(f"{SERVER}/api/v1/namespaces/team/configmaps/settings").mock(side_effect=echo)
    conflict = respx.patch(f"{SERVER}/api/v1/namespaces/shop").mock(
        return_value=recorded_response("err_409_conflict_stale_rv")
    )
    later = respx.route(method="PATCH", path__regex=r"/apis/.*").mock(side_effect=echo)
    with pytest.raises(rawkube.ConflictError) as caught:
        client.apply_manifests(MANIFESTS, field_manager="deployer")
    assert str(caught.value).startswith("document 1 (Namespace shop): 409 Conflict")
    assert caught.value.message.startswith("document 1 (Namespace shop): ")
    assert caught.value.code == 409
    assert conflict.called
    assert not later.called


@respx.mock
def test_an_unknown_kind_is_named_with_its_document(client):
    serve_discovery()
    respx.patch(f"{SERVER}/api/v1/namespaces/team/configmaps/a").mock(side_effect=echo)
    text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n"
    text += "apiVersion: nowhere.example/v9\nkind: Ghost\nmetadata: {name: boo}\n"
    with pytest.raises(rawkube.ResourceNotFoundError, match=r"^document 1 \(Ghost boo\): "):
        client.apply_manifests(text, field_manager="deployer")


def test_a_namespace_other_than_the_one_asked_for_is_refused(client):
    obj = ConfigMap(metadata=ObjectMeta(name="a", namespace="prod"))
    with pytest.raises(ValueError, match=r"^document 0 \(ConfigMap a\) is in namespace 'prod'"):
        client.apply_manifests([obj], field_manager="deployer", namespace="dev")


def test_objects_need_an_identity_and_a_name(client):
    with pytest.raises(ValueError, match="document 0 needs an apiVersion and a kind"):
        client.apply_manifests([{"metadata": {"name": "x"}}], field_manager="deployer")
    with pytest.raises(ValueError, match=r"document 0 \(ConfigMap\) needs a metadata\.name"):
        client.apply_manifests([ConfigMap()], field_manager="deployer")
    with pytest.raises(TypeError, match="document 0 is a int"):
        client.apply_manifests([1], field_manager="deployer")


@pytest.mark.anyio
async def test_the_async_client_applies_the_same_way():
    config = rawkube.Config(server=SERVER, namespace="team", clock=FakeClock())
    with respx.mock:
        serve_discovery()
        route = respx.patch(f"{SERVER}/apis/gizmos.example.org/v1/namespaces/team/gizmos/w").mock(
            side_effect=echo
        )
        async with rawkube.AsyncClient(config) as client:
            applied = await client.apply_manifests(
                [
                    {
                        "apiVersion": "gizmos.example.org/v1",
                        "kind": "Gizmo",
                        "metadata": {"name": "w"},
                    }
                ],
                field_manager="deployer",
            )
    assert applied == [
        {"apiVersion": "gizmos.example.org/v1", "kind": "Gizmo", "metadata": {"name": "w"}}
    ]
    assert route.called

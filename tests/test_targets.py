"""A call reaches only what it names: a missing name or namespace never widens it to many."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
import respx

import rawkube
from rawkube.models.apps_v1 import Deployment
from rawkube.models.core_v1 import ConfigMap, Pod
from rawkube.testing import FakeClock, FakeCluster
from tests.conftest import RECORDED, recorded_response

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


# --- a missing name is refused before anything is sent ------------------------------------------


GVRS = {
    "config_maps": rawkube.GroupVersionResource("", "v1", "configmaps"),
    "deployments": rawkube.GroupVersionResource("apps", "v1", "deployments"),
    "pods": rawkube.GroupVersionResource("", "v1", "pods"),
}
GROUPS = {"config_maps": "core_v1", "deployments": "apps_v1", "pods": "core_v1"}
CONFIGMAPS = GVRS["config_maps"]
NAMESPACES = rawkube.GroupVersionResource("", "v1", "namespaces")

# Every verb on one object: (resource, method, the arguments after the name).
ONE_OBJECT_VERBS = [
    ("config_maps", "get", ()),
    ("deployments", "get_status", ()),
    ("config_maps", "patch", ({"data": {"k": "patched"}},)),
    ("deployments", "patch_status", ({"status": {"replicas": 9}},)),
    ("config_maps", "delete", ()),
    ("deployments", "get_scale", ()),
    ("deployments", "update_scale", ({"spec": {"replicas": 0}},)),
    ("deployments", "patch_scale", ({"spec": {"replicas": 0}},)),
    ("pods", "evict", ()),
    ("pods", "bind", ("node-1",)),
    ("pods", "log", ()),
]
VERB_IDS = [method for _, method, _ in ONE_OBJECT_VERBS]


@pytest.fixture
async def async_client(cluster: FakeCluster) -> AsyncIterator[rawkube.AsyncClient]:
    async with cluster.async_client("team") as client:
        yield client


def typed(client: Any, resource: str) -> Any:
    return getattr(getattr(client, GROUPS[resource]), resource)()


def test_deleting_by_the_unset_name_of_a_generate_name_object_deletes_nothing(cluster, client):
    made = ConfigMap(metadata={"generate_name": "job-"})
    configmaps = client.core_v1.config_maps()
    configmaps.create(made)
    cluster.clear_actions()
    with pytest.raises(ValueError, match=r"delete needs the name of one object, not None"):
        configmaps.delete(made.metadata.name)
    assert cluster.actions() == []
    assert len(cluster.objects("ConfigMap", "team")) == 3


@pytest.mark.parametrize("name", [None, ""])
@pytest.mark.parametrize(("resource", "method", "args"), ONE_OBJECT_VERBS, ids=VERB_IDS)
def test_typed_verbs_on_one_object_refuse_a_missing_name(
    cluster, client, resource, method, args, name
):
    with pytest.raises(ValueError, match="name"):
        getattr(typed(client, resource), method)(name, *args)
    assert_untouched(cluster)


@pytest.mark.parametrize("name", [None, ""])
@pytest.mark.parametrize(("resource", "method", "args"), ONE_OBJECT_VERBS, ids=VERB_IDS)
def test_dynamic_verbs_on_one_object_refuse_a_missing_name(
    cluster, client, resource, method, args, name
):
    api = client.dynamic.resource(GVRS[resource]).namespace("team")
    with pytest.raises(ValueError, match="name"):
        getattr(api, method)(name, *args)
    assert_untouched(cluster)


@pytest.mark.anyio
@pytest.mark.parametrize(("resource", "method", "args"), ONE_OBJECT_VERBS, ids=VERB_IDS)
async def test_async_verbs_on_one_object_refuse_a_missing_name(
    cluster, async_client, resource, method, args
):
    with pytest.raises(ValueError, match="name"):
        await getattr(typed(async_client, resource), method)(None, *args)
    dynamic = async_client.dynamic.resource(GVRS[resource]).namespace("team")
    with pytest.raises(ValueError, match="name"):
        await getattr(dynamic, method)(None, *args)
    assert_untouched(cluster)


def test_update_and_apply_refuse_an_object_without_a_name(cluster, client):
    unnamed = ConfigMap(metadata={"generate_name": "keep-"}, data={"k": "x"})
    dynamic = client.dynamic.resource(CONFIGMAPS).namespace("team")
    for api, obj in ((client.core_v1.config_maps(), unnamed), (dynamic, unnamed.to_dict())):
        with pytest.raises(ValueError, match=r"no metadata\.name"):
            api.update(obj)
        with pytest.raises(ValueError, match=r"no metadata\.name"):
            api.apply(obj, field_manager="me")
    assert_untouched(cluster)


def test_a_name_that_is_not_a_string_is_a_type_error(cluster, client):
    with pytest.raises(TypeError, match="name must be a str, not int"):
        client.core_v1.config_maps().get(5)
    with pytest.raises(TypeError, match="name must be a str, not int"):
        client.dynamic.resource(CONFIGMAPS).namespace("team").delete(5)
    assert_untouched(cluster)


def test_delete_collection_is_the_call_that_deletes_many(cluster, client):
    client.core_v1.config_maps().delete_collection()
    assert [o["metadata"]["namespace"] for o in cluster.objects("ConfigMap")] == ["other"]


# --- a namespaced write names its namespace ------------------------------------------------------


def test_typed_delete_collection_across_namespaces_is_refused(cluster, client):
    with pytest.raises(ValueError, match="name a namespace"):
        client.core_v1.config_maps(namespace=rawkube.ALL).delete_collection()
    assert_untouched(cluster)


def test_dynamic_delete_collection_without_a_namespace_is_refused(cluster, client):
    with pytest.raises(ValueError, match="configmaps are namespaced: delete_collection needs"):
        client.dynamic.resource(CONFIGMAPS).delete_collection()
    assert_untouched(cluster)


@pytest.mark.anyio
async def test_async_dynamic_delete_collection_without_a_namespace_is_refused(
    cluster, async_client
):
    with pytest.raises(ValueError, match="configmaps are namespaced"):
        await async_client.dynamic.resource(CONFIGMAPS).delete_collection()
    assert_untouched(cluster)


@pytest.mark.parametrize(
    "write",
    [
        lambda api: api.create({"metadata": {"name": "new"}}),
        lambda api: api.update({"metadata": {"name": "keep-1"}, "data": {"k": "x"}}),
        lambda api: api.apply(
            {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "keep-1"}},
            field_manager="me",
        ),
        lambda api: api.patch("keep-1", {"data": {"k": "x"}}),
        lambda api: api.delete("keep-1"),
    ],
    ids=["create", "update", "apply", "patch", "delete"],
)
def test_dynamic_writes_without_any_namespace_are_refused(cluster, client, write):
    with pytest.raises(ValueError, match="configmaps are namespaced"):
        write(client.dynamic.resource(CONFIGMAPS))
    assert_untouched(cluster)


def test_dynamic_writes_of_a_cluster_scoped_resource_need_no_namespace(cluster, client):
    namespaces = client.dynamic.resource(NAMESPACES)
    namespaces.create({"metadata": {"name": "made"}})
    namespaces.patch("made", {"metadata": {"labels": {"a": "b"}}})
    made = [o for o in cluster.objects("Namespace") if o["metadata"]["name"] == "made"]
    assert made[0]["metadata"]["labels"]["a"] == "b"
    namespaces.delete("made")
    assert [(a.verb, a.namespace) for a in cluster.actions()] == [
        ("create", None),
        ("patch", None),
        ("delete", None),
    ]


def test_dynamic_create_without_a_namespace_goes_to_the_objects_namespace(cluster, client):
    configmaps = client.dynamic.resource(CONFIGMAPS)
    made = configmaps.create({"metadata": {"name": "new", "namespace": "other"}})
    assert made["metadata"]["namespace"] == "other"
    configmaps.apply(
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a", "namespace": "other"}},
        field_manager="me",
    )
    assert [(a.verb, a.namespace, a.name) for a in cluster.actions()] == [
        ("create", "other", None),
        ("patch", "other", "a"),
    ]
    assert [o["metadata"]["name"] for o in cluster.objects("ConfigMap", "other")] == [
        "a",
        "keep-1",
        "new",
    ]


def widgets_crd(scope: str) -> dict[str, Any]:
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.example.org"},
        "spec": {
            "group": "example.org",
            "scope": scope,
            "names": {"plural": "widgets", "singular": "widget", "kind": "Widget"},
            "versions": [{"name": "v1", "served": True, "storage": True}],
        },
    }


def test_each_fake_cluster_answers_a_dynamic_write_by_its_own_crds_scope():
    widgets = rawkube.GroupVersionResource("example.org", "v1", "widgets")
    widget = {"apiVersion": "example.org/v1", "kind": "Widget", "metadata": {"name": "w"}}
    namespaced = FakeCluster([widgets_crd("Namespaced")], clock=FakeClock())
    with namespaced.client() as client, pytest.raises(ValueError, match="widgets are namespaced"):
        client.dynamic.resource(widgets).create(widget)
    # Both clusters have the same URL: the second must not read the first one's discovery.
    cluster_scoped = FakeCluster([widgets_crd("Cluster")], clock=FakeClock())
    with cluster_scoped.client() as client:
        made = client.dynamic.resource(widgets).create(widget)
    assert "namespace" not in made["metadata"]


@pytest.mark.anyio
async def test_async_dynamic_create_goes_to_the_objects_namespace(cluster, async_client):
    configmaps = async_client.dynamic.resource(CONFIGMAPS)
    made = await configmaps.create({"metadata": {"name": "new", "namespace": "other"}})
    assert made["metadata"]["namespace"] == "other"
    with pytest.raises(ValueError, match=r"or the object's metadata\.namespace"):
        await configmaps.create({"metadata": {"name": "nowhere"}})


def test_an_object_naming_another_namespace_is_the_servers_400(cluster, client):
    # The verbs refuse it before sending; sent as it is, the fake answers as kube-apiserver's
    # rest.EnsureObjectNamespaceMatchesRequestNamespace does: a BadRequest Status.
    configmaps = client.dynamic.resource(CONFIGMAPS).namespace("team")
    stray = {"metadata": {"name": "new", "namespace": "other"}}
    with pytest.raises(ValueError, match="'other' is not this API's namespace 'team'"):
        configmaps.create(stray)
    with pytest.raises(rawkube.BadRequestError) as refused:
        client.post().namespace("team").resource("configmaps").body(stray).do()
    assert refused.value.body.to_dict() == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": "the namespace of the provided object does not match the namespace sent on "
        "the request",
        "reason": "BadRequest",
        "code": 400,
    }
    cluster.clear_actions()
    assert_untouched(cluster)


# --- against the real server's discovery and answers ---------------------------------------------

SERVER = "http://k8s.test"
AGGREGATED = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"


@pytest.fixture
def real_discovery() -> Iterator[respx.MockRouter]:
    """A respx router serving the recorded server's aggregated discovery."""
    with respx.mock(base_url=SERVER, assert_all_called=False) as router:
        for path in ("api", "apis"):
            body = (RECORDED / f"{path}_aggregated_v2.body").read_bytes()
            router.get(f"/{path}").mock(
                return_value=httpx.Response(200, headers={"Content-Type": AGGREGATED}, content=body)
            )
        yield router


@pytest.fixture
def real_client() -> Iterator[rawkube.Client]:
    config = rawkube.Config(server=SERVER, namespace="team", clock=FakeClock())
    with rawkube.Client(config) as client:
        yield client


def test_the_real_servers_discovery_keeps_a_dynamic_delete_collection_home(
    real_discovery, real_client
):
    everywhere = real_discovery.delete("/api/v1/configmaps").mock(
        return_value=recorded_response("err_405_deletecollection_all_namespaces")
    )
    with pytest.raises(ValueError, match="configmaps are namespaced"):
        real_client.dynamic.resource(CONFIGMAPS).delete_collection()
    assert not everywhere.called


def test_a_resource_discovery_does_not_know_is_sent_for_the_server_to_answer(
    real_discovery, real_client
):
    widgets = rawkube.GroupVersionResource("example.com", "v1", "widgets")
    sent = real_discovery.post("/apis/example.com/v1/widgets").mock(
        return_value=recorded_response("err_405_create_at_cluster_path")
    )
    with pytest.raises(rawkube.MethodNotAllowedError):
        real_client.dynamic.resource(widgets).create({"metadata": {"name": "w"}})
    assert sent.called

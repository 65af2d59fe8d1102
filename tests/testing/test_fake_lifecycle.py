"""Patches, deletion, garbage collection, CRDs, subresources and seeding on the fake cluster."""

from __future__ import annotations

import pytest

import rawkube
from rawkube.models.apps_v1 import Deployment
from rawkube.models.core_v1 import ConfigMap, Pod, PodTemplate
from rawkube.testing import Action, FakeClock, FakeCluster
from rawkube.testing._http import ActionLog, FakeRequest
from tests.crds import widget_crd


@pytest.fixture
def cluster() -> FakeCluster:
    return FakeCluster(clock=FakeClock())


@pytest.fixture
def client(cluster):
    with cluster.client() as client:
        yield client


def pod(name: str, *containers: str) -> Pod:
    return Pod(
        metadata={"name": name},
        spec={"containers": [{"name": c, "image": f"{c}:1"} for c in containers]},
    )


# --- patches --------------------------------------------------------------------------------


def test_each_patch_type(client):
    # A pod template, not a pod: a pod's containers are fixed once it exists, as on a cluster.
    templates = client.core_v1.pod_templates()
    templates.create(
        PodTemplate(metadata={"name": "web"}, template={"spec": pod("", "app", "sidecar").spec})
    )
    merged = templates.patch("web", {"metadata": {"labels": {"a": "1"}}}, patch_type="merge")
    assert merged.metadata.labels == {"a": "1"}
    strategic = templates.patch(
        "web",
        {"template": {"spec": {"containers": [{"name": "app", "image": "app:2"}]}}},
        patch_type="strategic",
    )
    assert [(c.name, c.image) for c in strategic.template.spec.containers] == [
        ("app", "app:2"),
        ("sidecar", "sidecar:1"),
    ]
    replaced = templates.patch(
        "web",
        {"template": {"spec": {"containers": [{"name": "app", "image": "app:3"}]}}},
        patch_type="merge",
    )
    assert [c.name for c in replaced.template.spec.containers] == ["app"]
    jsonpatched = templates.patch(
        "web",
        [{"op": "replace", "path": "/metadata/labels/a", "value": "2"}],
        patch_type="json",
    )
    assert jsonpatched.metadata.labels == {"a": "2"}
    with pytest.raises(rawkube.ApiError):
        templates.patch(
            "web", [{"op": "test", "path": "/metadata/labels/a", "value": "9"}], patch_type="json"
        )


def test_server_side_apply_creates_then_merges_and_records_the_manager(client):
    cms = client.core_v1.config_maps()
    first = cms.apply(ConfigMap(metadata={"name": "cfg"}, data={"a": "1"}), field_manager="team-a")
    assert first.data == {"a": "1"}
    assert [(m.manager, m.operation) for m in first.metadata.managed_fields] == [
        ("team-a", "Apply")
    ]
    second = cms.apply(ConfigMap(metadata={"name": "cfg"}, data={"b": "2"}), field_manager="team-b")
    assert second.data == {"a": "1", "b": "2"}
    with pytest.raises(rawkube.ConflictError, match="conflict"):
        cms.apply(
            ConfigMap(metadata={"name": "cfg"}, data={"a": "changed"}), field_manager="team-b"
        )
    forced = cms.apply(
        ConfigMap(metadata={"name": "cfg"}, data={"a": "changed", "b": "2"}),
        field_manager="team-b",
        force=True,
    )
    assert forced.data == {"a": "changed", "b": "2"}


def test_strategic_merge_patch_is_refused_for_custom_resources(cluster, client):
    install_widgets(client)
    widgets = client.dynamic.resource(WIDGETS).namespace("default")
    widgets.create({"apiVersion": "example.org/v1", "kind": "Widget", "metadata": {"name": "w"}})
    with pytest.raises(rawkube.ApiError) as refused:
        widgets.patch("w", {"spec": {"size": 2}}, patch_type="strategic")
    assert refused.value.code == 415
    assert widgets.patch("w", {"spec": {"size": 2}})["spec"] == {"size": 2}


# --- deletion -------------------------------------------------------------------------------


def test_finalizers_hold_an_object_until_they_are_removed(cluster, client):
    cms = client.core_v1.config_maps()
    cms.create(ConfigMap(metadata={"name": "held", "finalizers": ["example.org/cleanup"]}))
    answer = cms.delete("held")
    assert answer.metadata.deletion_timestamp is not None  # the object, not a Status
    held = cms.get("held")
    assert held.metadata.finalizers == ["example.org/cleanup"]
    cms.patch("held", {"metadata": {"finalizers": None}})
    with pytest.raises(rawkube.NotFoundError):
        cms.get("held")


def owned(name: str, owner) -> ConfigMap:
    ref = {
        "api_version": "apps/v1",
        "kind": "Deployment",
        "name": owner.metadata.name,
        "uid": owner.metadata.uid,
    }
    return ConfigMap(metadata={"name": name, "owner_references": [ref]})


def deployment(client, name: str = "web"):
    labels = {"app": name}
    spec = {
        "selector": {"matchLabels": labels},
        "template": {
            "metadata": {"labels": labels},
            "spec": {"containers": [{"name": "app", "image": "app:1"}]},
        },
    }
    return client.apps_v1.deployments().create(Deployment(metadata={"name": name}, spec=spec))


def test_background_deletion_collects_the_dependents(cluster, client):
    owner = deployment(client)
    client.core_v1.config_maps().create(owned("child", owner))
    client.core_v1.config_maps().create(ConfigMap(metadata={"name": "bystander"}))
    client.apps_v1.deployments().delete("web")
    assert [c["metadata"]["name"] for c in cluster.objects("ConfigMap")] == ["bystander"]


def test_foreground_deletion_removes_dependents_before_the_owner(cluster, client):
    owner = deployment(client)
    cms = client.core_v1.config_maps()
    cms.create(owned("child", owner))
    start = cluster.resource_version
    client.apps_v1.deployments().delete("web", propagation_policy="Foreground")
    assert cluster.objects("ConfigMap") == []
    assert cluster.objects("Deployment") == []
    with cms.watch(resource_version=start, timeout_seconds=1) as events:
        assert [(e.type, e.object.metadata.name) for e in events if e.type != "BOOKMARK"] == [
            ("DELETED", "child")
        ]
    with client.apps_v1.deployments().watch(resource_version=start, timeout_seconds=1) as events:
        changes = [e for e in events if e.type != "BOOKMARK"]
    assert changes[0].type == "MODIFIED"
    assert changes[0].object.metadata.finalizers == ["foregroundDeletion"]
    assert changes[-1].type == "DELETED"


def test_orphan_deletion_leaves_the_dependents_without_the_owner(cluster, client):
    owner = deployment(client)
    client.core_v1.config_maps().create(owned("child", owner))
    client.apps_v1.deployments().delete("web", propagation_policy="Orphan")
    (child,) = cluster.objects("ConfigMap")
    assert "ownerReferences" not in child["metadata"]


def test_a_namespace_deleted_takes_its_objects(cluster, client):
    client.core_v1.namespaces().create({"metadata": {"name": "team"}})
    client.core_v1.config_maps("team").create(ConfigMap(metadata={"name": "a"}))
    client.core_v1.namespaces().delete("team")
    assert cluster.objects("ConfigMap", namespace="team") == []
    assert [n["metadata"]["name"] for n in cluster.objects("Namespace")] == ["default"]


# --- CRDs -----------------------------------------------------------------------------------

WIDGETS = rawkube.GroupVersionResource("example.org", "v1", "widgets")


def install_widgets(client) -> None:
    crd = widget_crd(status_subresource=True)
    client.apiextensions_v1.custom_resource_definitions().create(crd)


def test_a_crd_serves_its_resource_with_discovery(cluster, client):
    install_widgets(client)
    widgets = client.dynamic.resource(WIDGETS).namespace("default")
    made = widgets.create(
        {
            "apiVersion": "example.org/v1",
            "kind": "Widget",
            "metadata": {"name": "w"},
            "spec": {"size": 1},
        }
    )
    assert made["metadata"]["uid"]
    assert [w["metadata"]["name"] for w in widgets.list()["items"]] == ["w"]
    assert client.discovery.resolve("wd").plural == "widgets"
    client.apiextensions_v1.custom_resource_definitions().delete("widgets.example.org")
    with pytest.raises(rawkube.NotFoundError):
        widgets.list()
    assert cluster.objects("Widget") == []


def test_a_crd_name_must_be_plural_dot_group(client):
    with pytest.raises(rawkube.InvalidError, match=r'spec.names.plural\+"."\+spec.group'):
        client.apiextensions_v1.custom_resource_definitions().create(
            {
                "metadata": {"name": "wrong"},
                "spec": {
                    "group": "example.org",
                    "names": {"plural": "widgets", "kind": "Widget"},
                    "scope": "Namespaced",
                    "versions": [],
                },
            }
        )


# --- subresources ---------------------------------------------------------------------------


def test_scale_eviction_binding_and_logs(cluster, client):
    deployments = client.apps_v1.deployments()
    deployment(client)
    scale = deployments.get_scale("web")
    assert scale.spec.replicas == 1
    deployments.patch_scale("web", {"spec": {"replicas": 4}})
    assert deployments.get("web").spec.replicas == 4
    pods = client.core_v1.pods()
    pods.create(pod("p", "app"))
    pods.bind("p", "node-1")
    assert pods.get("p").spec.node_name == "node-1"
    cluster.set_logs("default", "p", "one\ntwo\n")
    assert pods.log("p") == "one\ntwo\n"
    pods.evict("p")
    with pytest.raises(rawkube.NotFoundError):
        pods.get("p")


# --- seeding and inspection -----------------------------------------------------------------


def test_seeding_keeps_status_and_makes_namespaces():
    cluster = FakeCluster(
        [Pod(metadata={"name": "a", "namespace": "team"}, status={"phase": "Running"})],
        clock=FakeClock(),
    )
    with cluster.client("team") as client:
        assert client.core_v1.pods().get("a").status.phase == "Running"
    assert [n["metadata"]["name"] for n in cluster.objects("Namespace")] == ["default", "team"]


def test_load_yaml_and_actions(cluster, client):
    cluster.load_yaml(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n"
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b, namespace: other}\n"
    )
    assert [c["metadata"]["name"] for c in cluster.objects("ConfigMap")] == ["a", "b"]
    cluster.clear_actions()
    client.core_v1.config_maps().get("a")
    client.core_v1.config_maps().patch("a", {"data": {"x": "1"}})
    actions = cluster.actions()
    assert [(a.verb, a.resource, a.namespace, a.name) for a in actions] == [
        ("get", "configmaps", "default", "a"),
        ("patch", "configmaps", "default", "a"),
    ]
    assert actions[1].body == {"data": {"x": "1"}}


def test_unknown_fields_are_dropped_with_a_warning_or_refused_when_strict(cluster, client):
    result = (
        client.post()
        .resource("configmaps")
        .namespace("default")
        .body(
            {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}, "spec": {"x": 1}}
        )
        .do()
    )
    assert result.warnings == ['unknown field "spec"']
    assert "spec" not in result.json()
    cms = client.dynamic.resource(rawkube.GroupVersionResource("", "v1", "configmaps"))
    with pytest.raises(
        rawkube.BadRequestError, match='strict decoding error: unknown field "spec"'
    ):
        cms.namespace("default").create(
            {"metadata": {"name": "b"}, "spec": {}}, field_validation="Strict"
        )


def test_unknown_fields_of_a_newer_server_survive_a_read_modify_write(cluster, client):
    # Seeding stores objects as given: a field this Kubernetes release lacks stands for one a
    # newer server added.
    cluster.create(
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "a"},
            "futureField": {"x": 1},
        }
    )
    typed = client.core_v1.config_maps().get("a")
    client.core_v1.config_maps().update(
        typed.model_copy(update={"data": {"k": "v"}}), field_validation="Ignore"
    )
    (stored,) = cluster.objects("ConfigMap")
    assert stored["data"] == {"k": "v"}


def test_a_patch_naming_a_stale_resource_version_conflicts(client):
    cms = client.core_v1.config_maps()
    old = cms.create(ConfigMap(metadata={"name": "a"})).metadata.resource_version
    cms.patch("a", {"data": {"k": "1"}})
    with pytest.raises(rawkube.ConflictError):
        cms.patch("a", {"metadata": {"resourceVersion": old}, "data": {"k": "2"}})
    assert cms.patch("a", {"metadata": None, "data": {"k": "3"}}).data == {"k": "3"}


def test_the_action_log_keeps_the_latest_requests_only():
    cluster = FakeCluster(actions_kept=3)
    with cluster.client() as client:
        for name in "abcde":
            client.core_v1.config_maps().create({"metadata": {"name": name}})
    assert [a.body["metadata"]["name"] for a in cluster.actions()] == ["c", "d", "e"]


def test_the_action_log_keeps_ten_thousand_by_default():
    cluster = FakeCluster()
    listing = FakeRequest("GET", "/api/v1/namespaces/default/configmaps")
    for _ in range(10_005):
        cluster.router.handle(listing)
    assert len(cluster.actions()) == 10_000


def test_the_action_log_drops_the_oldest_when_its_bodies_outgrow_its_byte_limit():
    log = ActionLog(limit=10, byte_limit=100)
    for index in range(5):
        log.append(Action("create", "configmaps", name=str(index)), 40)
    assert [a.name for a in log] == ["3", "4"]
    log.clear()
    assert list(log) == []

"""The fake cluster's API server semantics, each seen through a real rawkube client."""

from __future__ import annotations

import json

import pytest

import rawkube
from rawkube.models.apps_v1 import Deployment, DeploymentStatus
from rawkube.models.core_v1 import ConfigMap, Pod
from rawkube.testing import FakeClock, FakeCluster
from tests.conftest import RECORDED

CONFIGMAPS = rawkube.GroupVersionResource("", "v1", "configmaps")


@pytest.fixture
def cluster() -> FakeCluster:
    return FakeCluster(clock=FakeClock())


@pytest.fixture
def client(cluster):
    with cluster.client() as client:
        yield client


def configmap(name: str, **labels: str) -> ConfigMap:
    return ConfigMap(metadata={"name": name, "labels": labels or None}, data={"k": name})


def recorded_status(name: str) -> dict:
    return json.loads((RECORDED / f"{name}.body").read_text())


# --- writes and their errors ----------------------------------------------------------------


def test_create_fills_in_what_the_server_owns(client):
    created = client.core_v1.config_maps().create(configmap("a"))
    assert created.metadata.uid
    assert created.metadata.creation_timestamp
    assert int(created.metadata.resource_version) > 0
    assert created.metadata.namespace == "default"
    assert client.core_v1.config_maps().get("a") == created


def test_resource_versions_come_from_one_counter_across_resources(client):
    first = client.core_v1.config_maps().create(configmap("a"))
    second = client.core_v1.secrets().create({"metadata": {"name": "s"}})
    assert int(second.metadata.resource_version) == int(first.metadata.resource_version) + 1


def test_generate_name_makes_a_unique_name(client):
    made = {
        client.core_v1.config_maps()
        .create(ConfigMap(metadata={"generate_name": "web-"}))
        .metadata.name
        for _ in range(5)
    }
    assert len(made) == 5
    assert all(name.startswith("web-") and len(name) == 9 for name in made)


def test_the_errors_are_the_real_servers_status_bodies(cluster, client):
    cms = client.core_v1.config_maps()
    cms.create(configmap("dup"))
    with pytest.raises(rawkube.AlreadyExistsError) as exists:
        cms.create(configmap("dup"))
    assert exists.value.message == recorded_status("err_409_already_exists")["message"]
    stale = cms.get("dup")
    cms.update(stale.model_copy(update={"data": {"k": "new"}}))
    with pytest.raises(rawkube.ConflictError) as conflict:
        cms.update(stale)
    assert conflict.value.message == recorded_status("err_409_conflict_stale_rv")["message"]
    with pytest.raises(rawkube.NotFoundError, match='pods "does-not-exist" not found'):
        client.core_v1.pods().get("does-not-exist")


def test_names_are_checked_per_resource(client):
    with pytest.raises(rawkube.InvalidError) as bad_pod:
        # The recorded request's pod, valid but for its name.
        client.core_v1.pods().create(
            Pod(metadata={"name": "Bad_Name"}, spec={"containers": [{"name": "c", "image": "x"}]})
        )
    assert bad_pod.value.message == recorded_status("err_422_invalid_pod_name")["message"]
    with pytest.raises(rawkube.InvalidError, match="RFC 1123 label"):
        client.core_v1.namespaces().create({"metadata": {"name": "a.b"}})
    with pytest.raises(rawkube.InvalidError, match="DNS-1035"):
        client.core_v1.services().create(
            {"metadata": {"name": "1web"}, "spec": {"ports": [{"port": 80}]}}
        )
    role = client.rbac_v1.cluster_roles().create({"metadata": {"name": "system:controller:web"}})
    assert role.metadata.name == "system:controller:web"


def test_namespaced_objects_need_their_namespace(cluster, client):
    with pytest.raises(rawkube.NotFoundError, match='namespaces "elsewhere" not found'):
        client.core_v1.config_maps("elsewhere").create(configmap("a"))
    client.core_v1.namespaces().create({"metadata": {"name": "elsewhere"}})
    assert client.core_v1.config_maps("elsewhere").create(configmap("a")).metadata.name == "a"


def test_update_keeps_status_apart_and_update_status_the_rest(client):
    deployments = client.apps_v1.deployments()
    created = deployments.create(
        Deployment(
            metadata={"name": "web"},
            spec={
                "replicas": 1,
                "selector": {"matchLabels": {"app": "web"}},
                "template": {
                    "metadata": {"labels": {"app": "web"}},
                    "spec": {"containers": [{"name": "web", "image": "nginx"}]},
                },
            },
        )
    )
    assert created.metadata.generation == 1
    with_status = created.model_copy(update={"status": DeploymentStatus(replicas=5)})
    assert deployments.update_status(with_status).status.replicas == 5
    current = deployments.get("web")
    changed = current.model_copy(
        update={"spec": current.spec.model_copy(update={"replicas": 3}), "status": None}
    )
    updated = deployments.update(changed)
    assert updated.spec.replicas == 3
    assert updated.status.replicas == 5  # the update's status was ignored
    assert updated.metadata.generation == 2  # the spec changed
    relabelled = deployments.update_status(updated.model_copy(update={"spec": None}))
    assert relabelled.spec.replicas == 3


def test_dry_run_changes_nothing(cluster, client):
    cms = client.core_v1.config_maps()
    answer = cms.create(configmap("a"), dry_run=True)
    assert answer.metadata.name == "a"
    assert cluster.objects("ConfigMap") == []
    cms.create(configmap("a"))
    version = cluster.resource_version
    cms.patch("a", {"data": {"k": "dry"}}, dry_run=True)
    cms.delete("a", dry_run=True)
    assert cms.get("a").data == {"k": "a"}
    assert cluster.resource_version == version


# --- reads ----------------------------------------------------------------------------------


def test_label_and_field_selectors(client):
    cms = client.core_v1.config_maps()
    cms.create(configmap("a", app="web", tier="front"))
    cms.create(configmap("b", app="web", tier="back"))
    cms.create(configmap("c", app="db"))

    def names(**options):
        return [c.metadata.name for c in cms.list(**options).items]

    assert names(label_selector="app=web") == ["a", "b"]
    assert names(label_selector="app=web,tier!=front") == ["b"]
    assert names(label_selector="tier in (front, back)") == ["a", "b"]
    assert names(label_selector="!tier") == ["c"]
    assert names(field_selector="metadata.name=b") == ["b"]
    assert names(field_selector="metadata.name!=b") == ["a", "c"]
    with pytest.raises(rawkube.BadRequestError, match=r"field label not supported: spec\.x"):
        names(field_selector="spec.x=1")


def test_pods_select_on_phase_and_node(cluster, client):
    cluster.create(
        Pod(metadata={"name": "a"}, spec={"node_name": "n1"}, status={"phase": "Running"})
    )
    cluster.create(Pod(metadata={"name": "b"}, status={"phase": "Pending"}))
    pods = client.core_v1.pods()
    assert [p.metadata.name for p in pods.list(field_selector="status.phase=Running").items] == [
        "a"
    ]
    assert [p.metadata.name for p in pods.list(field_selector="spec.nodeName=").items] == ["b"]


def test_pages_read_one_snapshot_and_count_what_remains(client):
    cms = client.core_v1.config_maps()
    for name in "abcde":
        cms.create(configmap(name))
    first = cms.list(limit=2)
    assert [c.metadata.name for c in first.items] == ["a", "b"]
    assert first.metadata.remaining_item_count == 3
    cms.delete("c")  # after the first page: the next pages still show the snapshot
    names = [c.metadata.name for c in cms.iter(limit=2)]
    assert names == ["a", "b", "d", "e"]
    second = cms.list(limit=2, continue_=first.metadata.continue_)
    assert [c.metadata.name for c in second.items] == ["c", "d"]


def test_an_expired_continue_token_is_410_with_a_token_to_go_on(client):
    cluster = FakeCluster(clock=FakeClock(), watch_window=3)
    with cluster.client() as client:
        cms = client.core_v1.config_maps()
        for name in "abcd":
            cms.create(configmap(name))
        first = cms.list(limit=2)
        for name in "wxyz":  # the page's resourceVersion leaves the window
            cms.create(configmap(name))
        request = (
            client.get()
            .resource("configmaps")
            .namespace("default")
            .param("limit", "2")
            .param("continue", first.metadata.continue_)
        )
        with pytest.raises(rawkube.GoneError) as gone:
            request.do()
        expected = recorded_status("err_410_expired_continue_token")
        assert gone.value.message == expected["message"]
        token = gone.value.body.metadata.continue_
        rest = cms.list(continue_=token)
        assert [c.metadata.name for c in rest.items] == ["c", "d", "w", "x", "y", "z"]
        # list() with a page size falls back to a full list, as client-go's pager does
        assert len(cms.list(limit=2).items) == 2


def test_a_list_at_an_exact_old_version_is_410(client):
    cluster = FakeCluster(clock=FakeClock(), watch_window=2)
    with cluster.client() as client:
        cms = client.core_v1.config_maps()
        old = cms.create(configmap("a")).metadata.resource_version
        snapshot = cms.list(resource_version=old, resource_version_match="Exact")
        assert [c.metadata.name for c in snapshot.items] == ["a"]
        for name in "bcd":
            cms.create(configmap(name))
        with pytest.raises(rawkube.GoneError, match="too old"):
            cms.list(resource_version=old, resource_version_match="Exact")


def test_list_at_an_exact_version_shows_the_objects_as_they_were(client):
    cms = client.core_v1.config_maps()
    cms.create(configmap("a"))
    at = cms.create(configmap("b")).metadata.resource_version
    cms.delete("a")
    cms.patch("b", {"data": {"k": "later"}})
    cms.create(configmap("c"))
    then = cms.list(resource_version=at, resource_version_match="Exact")
    assert [(c.metadata.name, c.data["k"]) for c in then.items] == [("a", "a"), ("b", "b")]


def test_list_table_and_metadata(client):
    client.core_v1.config_maps().create(configmap("a"))
    table = client.core_v1.config_maps().list_table()
    assert table.column_definitions[0].name == "Name"
    assert [row.cells[0] for row in table.rows] == ["a"]
    metadata = client.core_v1.config_maps().list_metadata()
    assert [item.metadata.name for item in metadata.items] == ["a"]


def test_list_across_namespaces(cluster, client):
    cluster.create(ConfigMap(metadata={"name": "a", "namespace": "one"}))
    cluster.create(ConfigMap(metadata={"name": "b", "namespace": "two"}))
    every = client.core_v1.config_maps(namespace=rawkube.ALL).list()
    assert [(c.metadata.namespace, c.metadata.name) for c in every.items] == [
        ("one", "a"),
        ("two", "b"),
    ]

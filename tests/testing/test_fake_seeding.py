"""What a fake cluster starts from, and what it shares with nothing else.

Seeded objects keep what the server would have set (uids, resourceVersions, timestamps,
generations), so owner chains and old objects can be seeded and the garbage collector follows
them; a cluster and its clients write nothing outside temporary directories.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

import httpx
import pytest

import rawkube
from rawkube.testing import FakeClock, FakeCluster


def deployment(uid: str, version: str, **metadata: Any) -> dict[str, Any]:
    labels = {"app": "web"}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": "web",
            "namespace": "team",
            "uid": uid,
            "resourceVersion": version,
            "creationTimestamp": "2020-02-03T04:05:06Z",
            **metadata,
        },
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "c", "image": "nginx"}]},
            },
        },
    }


def owned(kind: str, name: str, uid: str, version: str, owner: dict[str, Any]) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "apiVersion": "v1" if kind == "Pod" else "apps/v1",
        "kind": kind,
        "metadata": {
            "name": name,
            "namespace": "team",
            "uid": uid,
            "resourceVersion": version,
            "creationTimestamp": "2020-02-03T04:05:07Z",
            "ownerReferences": [
                {
                    "apiVersion": owner["apiVersion"],
                    "kind": owner["kind"],
                    "name": owner["metadata"]["name"],
                    "uid": owner["metadata"]["uid"],
                    "controller": True,
                    "blockOwnerDeletion": True,
                }
            ],
        },
    }
    pod_spec = {"containers": [{"name": "c", "image": "nginx"}]}
    if kind == "Pod":
        obj["spec"] = pod_spec
    else:
        labels = {"app": "web"}
        obj["spec"] = {
            "replicas": 1,
            "selector": {"matchLabels": labels},
            "template": {"metadata": {"labels": labels}, "spec": pod_spec},
        }
    return obj


def chain() -> list[dict[str, Any]]:
    """A Deployment, its ReplicaSet and pod, as `kubectl get -o yaml` would show them."""
    owner = deployment("11111111-aaaa-4aaa-8aaa-000000000001", "500")
    replicaset = owned(
        "ReplicaSet", "web-5d9", "11111111-aaaa-4aaa-8aaa-000000000002", "507", owner
    )
    pod = owned("Pod", "web-5d9-x7k2p", "11111111-aaaa-4aaa-8aaa-000000000003", "512", replicaset)
    return [pod, owner, replicaset]  # in no particular order


def by_name(cluster: FakeCluster) -> dict[str, dict[str, Any]]:
    return {o["metadata"]["name"]: o["metadata"] for o in cluster.objects()}


# --- seeding keeps what the server sets ---------------------------------------------------------


def test_seeded_objects_keep_their_uids_versions_and_timestamps():
    given = {o["metadata"]["name"]: o["metadata"] for o in chain()}
    cluster = FakeCluster(chain(), clock=FakeClock())
    stored = by_name(cluster)
    for name, metadata in given.items():
        for field in ("uid", "resourceVersion", "creationTimestamp"):
            assert stored[name][field] == metadata[field], (name, field)
    assert cluster.resource_version == "512"
    with cluster.client("team") as client:
        listed = client.core_v1.pods().list()
        assert listed.metadata.resource_version == "512"
        # The next write gets a higher resourceVersion than any seeded one.
        made = client.core_v1.config_maps().create({"metadata": {"name": "later"}})
        assert int(made.metadata.resource_version) == 513


def test_a_seeded_resource_version_lower_than_the_counter_is_kept_and_the_next_is_higher():
    cluster = FakeCluster(clock=FakeClock())
    cluster.create(deployment("u-1", "900"))
    old = cluster.create(
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "old", "namespace": "team", "resourceVersion": "7"},
        }
    )
    assert old["metadata"]["resourceVersion"] == "7"
    with cluster.client("team") as client:
        # The seeded version is the object's own: an update naming it is not stale.
        updated = client.core_v1.config_maps().update(
            {"metadata": {"name": "old", "resourceVersion": "7"}, "data": {"k": "v"}}
        )
        assert int(updated.metadata.resource_version) > 900


def test_an_owner_chain_survives_unrelated_deletes_and_goes_with_its_owner():
    cluster = FakeCluster(chain(), clock=FakeClock())
    with cluster.client("team") as client:
        client.core_v1.config_maps().create({"metadata": {"name": "bystander"}})
        client.core_v1.config_maps().delete("bystander")
        assert sorted(by_name(cluster)) == ["default", "team", "web", "web-5d9", "web-5d9-x7k2p"]
        # The garbage collector follows the seeded uids: the whole chain goes.
        client.apps_v1.deployments().delete("web")
    assert sorted(by_name(cluster)) == ["default", "team"]


def test_a_seeded_dependent_whose_owner_was_never_seeded_stays():
    owner = deployment("u-gone", "5")
    pod = owned("Pod", "lonely", "u-pod", "6", owner)
    cluster = FakeCluster([pod], clock=FakeClock())
    with cluster.client("team") as client:
        client.core_v1.config_maps().create({"metadata": {"name": "x"}})
        client.core_v1.config_maps().delete("x")
        assert [p.metadata.name for p in client.core_v1.pods().list().items] == ["lonely"]


def test_seeded_timestamps_are_kept_to_the_second_in_utc_and_the_generation_too():
    cluster = FakeCluster(
        [deployment("u-1", "3", creationTimestamp="2020-02-03T05:05:06.75+01:00", generation=7)],
        clock=FakeClock(),
    )
    metadata = by_name(cluster)["web"]
    assert metadata["creationTimestamp"] == "2020-02-03T04:05:06Z"
    assert metadata["generation"] == 7


def test_an_object_seeded_while_being_deleted_goes_when_its_finalizer_does():
    seeded = deployment(
        "u-1",
        "40",
        deletionTimestamp="2020-02-03T04:06:00Z",
        deletionGracePeriodSeconds=0,
        finalizers=["example.com/cleanup"],
    )
    cluster = FakeCluster([seeded], clock=FakeClock())
    with cluster.client("team") as client:
        held = client.apps_v1.deployments().get("web")
        assert held.metadata.deletion_timestamp is not None
        assert held.metadata.finalizers == ["example.com/cleanup"]
        client.apps_v1.deployments().patch("web", {"metadata": {"finalizers": None}})
        with pytest.raises(rawkube.NotFoundError):
            client.apps_v1.deployments().get("web")


def test_namespaces_are_seeded_first_and_a_given_default_is_the_default():
    objects = [
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a", "namespace": "team"}},
        {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {"name": "team", "labels": {"t": "1"}},
        },
        {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {"name": "default", "labels": {"d": "1"}},
        },
    ]
    cluster = FakeCluster(objects, clock=FakeClock())
    namespaces = {
        n["metadata"]["name"]: n["metadata"]["labels"] for n in cluster.objects("Namespace")
    }
    assert namespaces["team"]["t"] == "1"
    assert namespaces["default"]["d"] == "1"


def test_a_uid_taken_or_a_version_that_is_no_number_is_refused():
    cluster = FakeCluster(chain(), clock=FakeClock())
    taken = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": "x",
            "namespace": "team",
            "uid": "11111111-aaaa-4aaa-8aaa-000000000001",
        },
    }
    with pytest.raises(ValueError, match="taken already, by deployments team/web"):
        cluster.create(taken)
    odd = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "y", "resourceVersion": "abc"},
    }
    with pytest.raises(ValueError, match="positive whole numbers"):
        cluster.create(odd)
    assert "x" not in by_name(cluster)
    assert "y" not in by_name(cluster)


def test_a_watch_from_the_seeded_state_sees_only_what_comes_after():
    cluster = FakeCluster(chain(), clock=FakeClock())
    with cluster.client("team") as client:
        start = client.core_v1.pods().list().metadata.resource_version
        client.core_v1.pods().patch("web-5d9-x7k2p", {"metadata": {"labels": {"seen": "yes"}}})
        with client.core_v1.pods().watch(resource_version=start, timeout_seconds=1) as events:
            seen = [(e.type, e.object.metadata.name) for e in events if e.type != "BOOKMARK"]
    assert seen == [("MODIFIED", "web-5d9-x7k2p")]


# --- isolation ----------------------------------------------------------------------------------


def test_each_cluster_has_a_server_url_of_its_own():
    first, second = FakeCluster(), FakeCluster()
    assert first.server != second.server
    with first.client() as one, second.client() as two:
        assert one.config.server == first.server
        assert two.config.server == second.server


def test_a_disk_cache_of_one_cluster_is_never_read_for_another(tmp_path):
    """A discovery cache kept on disk (as a user's own ``Discovery`` keeps it) is per cluster."""
    crd = {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.example.org"},
        "spec": {
            "group": "example.org",
            "scope": "Namespaced",
            "names": {"plural": "widgets", "singular": "widget", "kind": "Widget"},
            "versions": [
                {
                    "name": "v1",
                    "served": True,
                    "storage": True,
                    "schema": {"openAPIV3Schema": {"type": "object"}},
                }
            ],
        },
    }
    with_widgets, without = FakeCluster([crd]), FakeCluster()
    with with_widgets.client() as one, without.client() as two:
        assert rawkube.Discovery(one, cache_dir=tmp_path).resolve("widgets").kind == "Widget"
        with pytest.raises(rawkube.ResourceNotFoundError):
            rawkube.Discovery(two, cache_dir=tmp_path).resolve("widgets")


def test_a_cluster_and_its_clients_write_nothing_in_the_home_directory(tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.delenv("KUBECONFIG", raising=False)
    assert Path.home() == home
    cluster = FakeCluster(chain(), clock=FakeClock())
    with cluster.client("team") as client:
        client.discovery.server_resources()
        client.discovery.resolve("deploy")
        client.dynamic.resource(rawkube.GroupVersionResource("", "v1", "configmaps")).create(
            {"metadata": {"name": "made", "namespace": "team"}}
        )
        client.core_v1.config_maps().delete("made")
        client.apps_v1.deployments().delete("web", propagation_policy="Foreground")

    async def use_async() -> None:
        client = cluster.async_client("team")
        try:
            await client.discovery.server_resources()
            await client.core_v1.config_maps().create({"metadata": {"name": "async"}})
        finally:
            await client.aclose()

    asyncio.run(use_async())
    with cluster.serve(auth=False) as server:
        answer = httpx.get(f"{server.url}/api/v1/namespaces/team/configmaps")
        assert answer.status_code == 200
    assert list(os.walk(home)) == [(str(home), [], [])]


def test_a_namespace_seeded_terminating_takes_its_content_and_goes_when_it_can():
    stuck = {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"name": "stuck", "deletionTimestamp": "2020-02-03T04:05:06Z"},
        "spec": {"finalizers": ["kubernetes"]},
        "status": {"phase": "Terminating"},
    }
    held = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "held", "namespace": "stuck", "finalizers": ["example.com/keep"]},
    }
    cluster = FakeCluster([stuck, held], clock=FakeClock())
    assert cluster.objects("Namespace")[-1]["status"] == {"phase": "Terminating"}
    with cluster.client("stuck") as client:
        with pytest.raises(rawkube.ForbiddenError):
            client.core_v1.config_maps().create({"metadata": {"name": "late"}})
        # The namespace controller acts once a write touches what the namespace waits for.
        client.core_v1.config_maps().delete("held")
        client.core_v1.config_maps().patch("held", {"metadata": {"finalizers": None}})
        with pytest.raises(rawkube.NotFoundError):
            client.core_v1.namespaces().get("stuck")


def test_a_seed_is_defaulted_as_the_server_stores_it_and_a_label_changes_only_its_label():
    seed = deployment("5f0c6b0e-0000-4000-8000-000000000001", "42")
    cluster = FakeCluster([seed])
    assert "strategy" not in seed["spec"]  # the caller's dict is left as it was
    with cluster.client() as client:
        stored = client.apps_v1.deployments("team").get("web")
        assert stored.spec.strategy.type == "RollingUpdate"
        assert stored.spec.template.spec.containers[0].image_pull_policy == "Always"
        labelled = client.apps_v1.deployments("team").patch(
            "web", {"metadata": {"labels": {"tier": "front"}}}, patch_type="merge"
        )
    # No default filled in by the write: the spec is unchanged, so is the generation.
    assert labelled.metadata.generation == stored.metadata.generation
    assert labelled.spec.to_dict() == stored.spec.to_dict()

"""Deletion on the fake cluster as the recorded API server answers it.

Each propagation policy, finalizers, preconditions, dry runs, pods and namespaces: the status
and body of every answer against ``tests/fixtures/recorded`` (uids, resourceVersions and
timestamps aside), what a GET shows meanwhile, and what a watch sees.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

import rawkube
from rawkube.testing import FakeClock, FakeCluster
from tests.conftest import RECORDED

NS = "lab-fidelity"  # the recordings' namespace, so that their messages match to the letter
DEPLOYMENTS = f"/apis/apps/v1/namespaces/{NS}/deployments"
REPLICASETS = f"/apis/apps/v1/namespaces/{NS}/replicasets"
CONFIGMAPS = f"/api/v1/namespaces/{NS}/configmaps"
PODS = f"/api/v1/namespaces/{NS}/pods"
MERGE = {"Content-Type": "application/merge-patch+json"}


def recorded(name: str) -> Any:
    return json.loads((RECORDED / f"{name}.body").read_bytes())


def recorded_status_code(name: str) -> int:
    return int((RECORDED / f"{name}.headers").read_text().split()[1])


@pytest.fixture
def cluster() -> FakeCluster:
    fake = FakeCluster(clock=FakeClock())
    fake.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NS}})
    return fake


@pytest.fixture
def http(cluster):
    with httpx.Client(transport=cluster.transport(), base_url="http://fake") as client:
        yield client


@pytest.fixture
def client(cluster):
    with cluster.client(NS) as client:
        yield client


def template(app: str) -> dict[str, Any]:
    return {
        "metadata": {"labels": {"app": app}},
        "spec": {"containers": [{"name": "c", "image": "registry.k8s.io/pause:3.10"}]},
    }


def owner_ref(owner: dict[str, Any], *, blocks: bool = True) -> dict[str, Any]:
    return {
        "apiVersion": owner["apiVersion"],
        "kind": owner["kind"],
        "name": owner["metadata"]["name"],
        "uid": owner["metadata"]["uid"],
        "controller": True,
        "blockOwnerDeletion": blocks,
    }


def deployment_chain(
    http: httpx.Client, name: str, *, pod_finalizers: list[str] | None = None
) -> dict[str, dict[str, Any]]:
    """A Deployment, its ReplicaSet and two pods, owned as the controllers would own them."""
    spec = {"replicas": 2, "selector": {"matchLabels": {"app": name}}, "template": template(name)}
    deployment = http.post(
        DEPLOYMENTS,
        json={
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": name},
            "spec": spec,
        },
    ).json()
    replicaset = http.post(
        REPLICASETS,
        json={
            "apiVersion": "apps/v1",
            "kind": "ReplicaSet",
            "metadata": {"name": f"{name}-rs", "ownerReferences": [owner_ref(deployment)]},
            "spec": spec,
        },
    ).json()
    made = {"deployment": deployment, "replicaset": replicaset}
    for index in range(2):
        metadata: dict[str, Any] = {
            "name": f"{name}-rs-{index}",
            "ownerReferences": [owner_ref(replicaset)],
        }
        if pod_finalizers:
            metadata["finalizers"] = pod_finalizers
        made[f"pod{index}"] = http.post(
            PODS,
            json={
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": metadata,
                "spec": template(name)["spec"],
            },
        ).json()
    return made


def marks(obj: dict[str, Any]) -> dict[str, Any]:
    """What a DELETE that leaves the object in place writes into its metadata."""
    meta = obj["metadata"]
    return {
        "deleting": "deletionTimestamp" in meta,
        "grace": meta.get("deletionGracePeriodSeconds"),
        "finalizers": meta.get("finalizers"),
        "generation": meta.get("generation"),
    }


def without_uid(status: dict[str, Any]) -> dict[str, Any]:
    details = {k: v for k, v in status.get("details", {}).items() if k != "uid"}
    return {**status, "details": details}


def names(cluster: FakeCluster, kind: str) -> list[str]:
    return [o["metadata"]["name"] for o in cluster.objects(kind, NS)]


def events(client: rawkube.Client, path_kind: str, since: str) -> list[tuple[str, str]]:
    api = {
        "deployments": client.apps_v1.deployments(),
        "configmaps": client.core_v1.config_maps(),
        "pods": client.core_v1.pods(),
        "replicasets": client.apps_v1.replica_sets(),
    }[path_kind]
    with api.watch(resource_version=since, timeout_seconds=1) as stream:
        return [(e.type, e.object.metadata.name) for e in stream if e.type != "BOOKMARK"]


# --- propagation ------------------------------------------------------------------------------


def test_foreground_answers_the_marked_owner_and_holds_it_until_its_dependents_are_gone(
    cluster, http, client
):
    made = deployment_chain(http, "d-fg", pod_finalizers=["example.com/keep"])
    before = cluster.resource_version
    answer = http.request("DELETE", f"{DEPLOYMENTS}/d-fg", json={"propagationPolicy": "Foreground"})
    assert answer.status_code == recorded_status_code("delete_deployment_foreground_200")
    assert answer.json()["kind"] == "Deployment"
    assert marks(answer.json()) == marks(recorded("delete_deployment_foreground_200"))
    # The pods' own finalizer holds them, so the ReplicaSet and the Deployment wait for them.
    held = http.get(f"{DEPLOYMENTS}/d-fg").json()
    assert marks(held) == marks(recorded("deployment_get_while_foreground_deleting"))
    assert names(cluster, "ReplicaSet") == ["d-fg-rs"]
    assert cluster.objects("ReplicaSet", NS)[0]["metadata"]["finalizers"] == ["foregroundDeletion"]
    assert all("deletionTimestamp" in p["metadata"] for p in cluster.objects("Pod", NS))
    for index in range(2):
        http.patch(
            f"{PODS}/{made[f'pod{index}']['metadata']['name']}",
            content=b'{"metadata":{"finalizers":null}}',
            headers=MERGE,
        )
    gone = http.get(f"{DEPLOYMENTS}/d-fg")
    expected = recorded("err_404_deployment_get_after_foreground_delete")
    assert (gone.status_code, gone.json()) == (404, expected)
    assert names(cluster, "ReplicaSet") == names(cluster, "Pod") == []
    assert events(client, "deployments", before) == [("MODIFIED", "d-fg"), ("DELETED", "d-fg")]


def test_foreground_with_nothing_to_wait_for_still_answers_the_object_then_lets_it_go(
    cluster, http
):
    deployment_chain(http, "d-fg")
    answer = http.request("DELETE", f"{DEPLOYMENTS}/d-fg", json={"propagationPolicy": "Foreground"})
    assert answer.status_code == 200
    assert answer.json()["metadata"]["finalizers"] == ["foregroundDeletion"]
    # The fake's garbage collector runs at once: nothing held the owner, so it is gone.
    assert http.get(f"{DEPLOYMENTS}/d-fg").status_code == 404
    assert names(cluster, "ReplicaSet") == names(cluster, "Pod") == []


def test_background_answers_a_status_and_the_dependents_go_with_the_owner(cluster, http, client):
    deployment_chain(http, "d-bg")
    before = cluster.resource_version
    answer = http.request("DELETE", f"{DEPLOYMENTS}/d-bg", json={"propagationPolicy": "Background"})
    assert answer.status_code == recorded_status_code("delete_deployment_background_200")
    assert without_uid(answer.json()) == without_uid(recorded("delete_deployment_background_200"))
    assert answer.json()["details"]["uid"]
    assert (
        names(cluster, "Deployment") == names(cluster, "ReplicaSet") == names(cluster, "Pod") == []
    )
    assert events(client, "deployments", before) == [("DELETED", "d-bg")]
    assert events(client, "pods", before) == [
        ("MODIFIED", "d-bg-rs-0"),
        ("DELETED", "d-bg-rs-0"),
        ("MODIFIED", "d-bg-rs-1"),
        ("DELETED", "d-bg-rs-1"),
    ]


def test_orphan_answers_the_object_then_lets_go_of_its_dependents(cluster, http, client):
    made = deployment_chain(http, "d-orphan")
    before = cluster.resource_version
    answer = http.request("DELETE", f"{DEPLOYMENTS}/d-orphan", json={"propagationPolicy": "Orphan"})
    assert answer.status_code == recorded_status_code("delete_deployment_orphan_200")
    assert marks(answer.json()) == marks(recorded("delete_deployment_orphan_200"))
    assert names(cluster, "Deployment") == []
    (replicaset,) = cluster.objects("ReplicaSet", NS)
    assert "ownerReferences" not in replicaset["metadata"]
    # The ReplicaSet's own dependents keep their owner.
    assert [p["metadata"]["ownerReferences"][0]["uid"] for p in cluster.objects("Pod", NS)] == [
        made["replicaset"]["metadata"]["uid"]
    ] * 2
    assert events(client, "deployments", before) == [
        ("MODIFIED", "d-orphan"),
        ("DELETED", "d-orphan"),
    ]
    assert events(client, "replicasets", before) == [("MODIFIED", "d-orphan-rs")]


def test_orphan_dependents_false_is_background_and_true_is_orphan(cluster, http):
    deployment_chain(http, "d-od")
    answer = http.request("DELETE", f"{DEPLOYMENTS}/d-od", json={"orphanDependents": False})
    expected = recorded("delete_deployment_orphandependents_false_200")
    assert answer.status_code == recorded_status_code(
        "delete_deployment_orphandependents_false_200"
    )
    assert without_uid(answer.json()) == without_uid(expected)
    assert names(cluster, "ReplicaSet") == []
    deployment_chain(http, "d-keep")
    answer = http.request("DELETE", f"{DEPLOYMENTS}/d-keep", params={"orphanDependents": "true"})
    assert answer.json()["metadata"]["finalizers"] == ["orphan"]
    assert names(cluster, "ReplicaSet") == ["d-keep-rs"]


def test_orphan_dependents_with_a_propagation_policy_is_refused(http):
    deployment_chain(http, "d")
    answer = http.request(
        "DELETE",
        f"{DEPLOYMENTS}/d",
        json={"orphanDependents": False, "propagationPolicy": "Background"},
    )
    assert answer.status_code == 422
    assert answer.json()["details"]["causes"] == [
        {
            "reason": "FieldValueInvalid",
            "message": 'Invalid value: "Background": orphanDependents and deletionPropagation '
            "cannot be both set",
            "field": "propagationPolicy",
        }
    ]


def test_a_dependent_with_another_living_owner_is_kept_with_that_owner_only(cluster, http):
    first = deployment_chain(http, "one")["deployment"]
    second = deployment_chain(http, "two")["deployment"]
    shared = http.post(
        CONFIGMAPS,
        json={
            "metadata": {
                "name": "shared",
                "ownerReferences": [owner_ref(first), {**owner_ref(second), "controller": False}],
            }
        },
    )
    assert shared.status_code == 201
    http.delete(f"{DEPLOYMENTS}/one")
    (kept,) = cluster.objects("ConfigMap", NS)
    assert [r["name"] for r in kept["metadata"]["ownerReferences"]] == ["two"]
    http.delete(f"{DEPLOYMENTS}/two")
    assert cluster.objects("ConfigMap", NS) == []


def test_a_replication_controller_orphans_its_pods_unless_told_otherwise(cluster, http):
    rc = http.post(
        f"/api/v1/namespaces/{NS}/replicationcontrollers",
        json={
            "metadata": {"name": "rc"},
            "spec": {"selector": {"app": "rc"}, "template": template("rc")},
        },
    ).json()
    http.post(
        PODS,
        json={
            "metadata": {"name": "rc-1", "ownerReferences": [owner_ref(rc)]},
            "spec": template("rc")["spec"],
        },
    )
    answer = http.delete(f"/api/v1/namespaces/{NS}/replicationcontrollers/rc")
    assert answer.json()["metadata"]["finalizers"] == ["orphan"]
    (pod,) = cluster.objects("Pod", NS)
    assert "ownerReferences" not in pod["metadata"]


# --- finalizers ---------------------------------------------------------------------------------


def test_a_finalizer_holds_the_object_until_a_write_removes_it(cluster, http, client):
    created = http.post(
        CONFIGMAPS,
        json={
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "cm-fin", "finalizers": ["example.com/keep"]},
            "data": {"a": "1"},
        },
    ).json()
    before = cluster.resource_version
    answer = http.delete(f"{CONFIGMAPS}/cm-fin")
    assert answer.status_code == recorded_status_code("delete_configmap_with_finalizer_200")
    first = answer.json()
    assert marks(first) == marks(recorded("delete_configmap_with_finalizer_200"))
    assert first["data"] == {"a": "1"}
    assert int(first["metadata"]["resourceVersion"]) > int(created["metadata"]["resourceVersion"])
    assert marks(http.get(f"{CONFIGMAPS}/cm-fin").json()) == marks(
        recorded("configmap_get_while_finalizer_pending")
    )
    # A second DELETE changes nothing: the same object, resourceVersion and timestamp.
    again = http.delete(f"{CONFIGMAPS}/cm-fin")
    assert again.status_code == recorded_status_code("delete_configmap_with_finalizer_again_200")
    assert again.json() == first
    refused = http.patch(
        f"{CONFIGMAPS}/cm-fin",
        content=b'{"metadata":{"finalizers":["example.com/keep","example.com/other"]}}',
        headers=MERGE,
    )
    assert refused.status_code == 422
    assert refused.json() == recorded("err_422_patch_add_finalizer_while_terminating")
    removed = http.patch(
        f"{CONFIGMAPS}/cm-fin", content=b'{"metadata":{"finalizers":null}}', headers=MERGE
    )
    assert removed.status_code == recorded_status_code("patch_remove_finalizer_200")
    last = removed.json()
    assert marks(last) == marks(recorded("patch_remove_finalizer_200"))
    assert last["metadata"]["resourceVersion"] == first["metadata"]["resourceVersion"]
    gone = http.get(f"{CONFIGMAPS}/cm-fin")
    assert (gone.status_code, gone.json()) == (
        404,
        recorded("err_404_configmap_get_after_finalizer_removed"),
    )
    assert events(client, "configmaps", before) == [
        ("MODIFIED", "cm-fin"),
        ("DELETED", "cm-fin"),
    ]


def test_an_update_keeps_the_deletion_marks(http):
    http.post(CONFIGMAPS, json={"metadata": {"name": "held", "finalizers": ["example.com/keep"]}})
    marked = http.delete(f"{CONFIGMAPS}/held").json()
    replaced = http.put(
        f"{CONFIGMAPS}/held",
        json={"metadata": {"name": "held", "finalizers": ["example.com/keep"]}, "data": {"b": "2"}},
    ).json()
    assert marks(replaced) == marks(marked)
    assert replaced["metadata"]["deletionTimestamp"] == marked["metadata"]["deletionTimestamp"]


# --- preconditions and dry runs -------------------------------------------------------------


@pytest.fixture
def cm_nullval(http) -> dict[str, Any]:
    return http.post(
        CONFIGMAPS, json={"metadata": {"name": "cm-nullval"}, "data": {"j": "v", "k": ""}}
    ).json()


def test_a_wrong_uid_precondition_is_the_recorded_conflict(cluster, http, cm_nullval):
    answer = http.request(
        "DELETE", f"{CONFIGMAPS}/cm-nullval", json={"preconditions": {"uid": "wrong"}}
    )
    expected = recorded("err_409_delete_precondition_uid")
    expected["message"] = expected["message"].replace(
        "f8f563d2-3d49-417a-a5b6-2f9173a37f6c", cm_nullval["metadata"]["uid"]
    )
    assert (answer.status_code, answer.json()) == (409, expected)
    assert names(cluster, "ConfigMap") == ["cm-nullval"]


def test_a_stale_resource_version_precondition_is_the_recorded_conflict(cluster, http, cm_nullval):
    answer = http.request(
        "DELETE", f"{CONFIGMAPS}/cm-nullval", json={"preconditions": {"resourceVersion": "1"}}
    )
    expected = recorded("err_409_delete_precondition_rv")
    expected["message"] = expected["message"].replace(
        "(2151)", f"({cm_nullval['metadata']['resourceVersion']})"
    )
    assert (answer.status_code, answer.json()) == (409, expected)
    current = cm_nullval["metadata"]["resourceVersion"]
    kept = http.request(
        "DELETE",
        f"{CONFIGMAPS}/cm-nullval",
        json={"preconditions": {"resourceVersion": current, "uid": cm_nullval["metadata"]["uid"]}},
    )
    assert kept.status_code == 200
    assert names(cluster, "ConfigMap") == []


def test_a_precondition_on_a_deployment_names_its_kind_and_group(http):
    deployment_chain(http, "d")
    answer = http.request("DELETE", f"{DEPLOYMENTS}/d", json={"preconditions": {"uid": "x"}})
    assert answer.status_code == 409
    body = answer.json()
    assert body["message"].startswith('Operation cannot be fulfilled on Deployment.apps "d": ')
    assert body["details"] == {"name": "d", "group": "apps", "kind": "Deployment"}


def test_a_dry_run_delete_answers_as_the_delete_would_and_changes_nothing(
    cluster, http, cm_nullval
):
    before = cluster.resource_version
    answer = http.delete(f"{CONFIGMAPS}/cm-nullval", params={"dryRun": "All"})
    assert answer.status_code == 200
    assert without_uid(answer.json()) == without_uid(recorded("delete_configmap_dryrun_200"))
    after = http.get(f"{CONFIGMAPS}/cm-nullval").json()
    assert after == cm_nullval
    assert cluster.resource_version == before


def test_a_dry_run_delete_of_a_pod_answers_the_marked_pod(cluster, http):
    pod = http.post(
        PODS, json={"metadata": {"name": "p-min"}, "spec": template("p")["spec"]}
    ).json()
    answer = http.delete(f"{PODS}/p-min", params={"dryRun": "All"}).json()
    # As recorded: deletionTimestamp, a grace period of 0, generation 2, resourceVersion kept.
    assert marks(answer) == {"deleting": True, "grace": 0, "finalizers": None, "generation": 2}
    assert answer["metadata"]["resourceVersion"] == pod["metadata"]["resourceVersion"]
    assert http.get(f"{PODS}/p-min").json() == pod


def test_an_unscheduled_pod_is_marked_then_deleted_at_once(cluster, http, client):
    http.post(PODS, json={"metadata": {"name": "p-del"}, "spec": template("p")["spec"]})
    before = cluster.resource_version
    answer = http.delete(f"{PODS}/p-del")
    assert answer.status_code == 200
    body = answer.json()
    assert body["kind"] == "Pod"  # a pod's DELETE answers the pod, not a Status
    assert marks(body) == {"deleting": True, "grace": 0, "finalizers": None, "generation": 2}
    assert names(cluster, "Pod") == []
    assert events(client, "pods", before) == [("MODIFIED", "p-del"), ("DELETED", "p-del")]


# --- namespaces -----------------------------------------------------------------------------


def fill_namespace(http: httpx.Client) -> None:
    http.post(CONFIGMAPS, json={"metadata": {"name": "cm"}, "data": {"a": "1"}})
    deployment_chain(http, "web")


def test_a_namespace_deleted_answers_terminating_then_goes_with_its_content(cluster, http, client):
    fill_namespace(http)
    before = cluster.resource_version
    answer = http.delete(f"/api/v1/namespaces/{NS}")
    assert answer.status_code == recorded_status_code("delete_namespace_200")
    body, expected = answer.json(), recorded("delete_namespace_200")
    assert body["status"] == expected["status"] == {"phase": "Terminating"}
    assert body["spec"] == expected["spec"]
    assert sorted(body["metadata"]) == sorted(
        k for k in expected["metadata"] if k != "managedFields"
    )
    gone = http.get(f"/api/v1/namespaces/{NS}")
    assert (gone.status_code, gone.json()) == (404, recorded("err_404_namespace_get_after_delete"))
    assert [o for o in cluster.objects() if o["metadata"].get("namespace") == NS] == []
    with client.core_v1.namespaces().watch(resource_version=before, timeout_seconds=1) as stream:
        seen = [(e.type, e.object.status.phase) for e in stream if e.object.metadata.name == NS]
    # Marked by the DELETE, the controller's conditions, finalized, gone.
    assert seen == [
        ("MODIFIED", "Terminating"),
        ("MODIFIED", "Terminating"),
        ("MODIFIED", "Terminating"),
        ("DELETED", "Terminating"),
    ]


def test_content_held_by_a_finalizer_keeps_the_namespace_terminating(cluster, http):
    http.post(CONFIGMAPS, json={"metadata": {"name": "cm-fin", "finalizers": ["example.com/keep"]}})
    http.delete(f"/api/v1/namespaces/{NS}")
    refused = http.post(
        CONFIGMAPS,
        json={
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "late"},
            "data": {"a": "1"},
        },
    )
    assert (refused.status_code, refused.json()) == (
        403,
        recorded("err_403_create_in_terminating_namespace"),
    )
    held = http.get(f"/api/v1/namespaces/{NS}").json()
    expected = recorded("namespace_get_terminating_finalizers_remaining")
    assert held["status"]["phase"] == "Terminating"
    drop_time = [
        {k: v for k, v in c.items() if k != "lastTransitionTime"}
        for c in held["status"]["conditions"]
    ]
    assert drop_time == [
        {k: v for k, v in c.items() if k != "lastTransitionTime"}
        for c in expected["status"]["conditions"]
    ]
    assert names(cluster, "ConfigMap") == ["cm-fin"]
    http.patch(f"{CONFIGMAPS}/cm-fin", content=b'{"metadata":{"finalizers":null}}', headers=MERGE)
    assert http.get(f"/api/v1/namespaces/{NS}").status_code == 404


def test_a_terminating_namespace_refuses_a_generated_name_without_naming_it(http):
    http.post(CONFIGMAPS, json={"metadata": {"name": "cm-fin", "finalizers": ["example.com/keep"]}})
    http.delete(f"/api/v1/namespaces/{NS}")
    refused = http.post(CONFIGMAPS, json={"metadata": {"generateName": "late-"}})
    assert refused.status_code == 403
    assert refused.json()["message"].startswith("configmaps is forbidden: unable to create")
    assert "name" not in refused.json()["details"]


def test_the_default_namespace_cannot_be_deleted(cluster, http):
    answer = http.delete("/api/v1/namespaces/default")
    assert answer.status_code == 403
    assert (
        answer.json()["message"]
        == 'namespaces "default" is forbidden: this namespace may not be deleted'
    )
    assert "default" in names_all(cluster)


def names_all(cluster: FakeCluster) -> list[str]:
    return [n["metadata"]["name"] for n in cluster.objects("Namespace")]


def test_finalize_lets_a_stuck_namespace_go_and_leaves_its_content(cluster, http):
    http.post(CONFIGMAPS, json={"metadata": {"name": "cm-fin", "finalizers": ["example.com/keep"]}})
    http.delete(f"/api/v1/namespaces/{NS}")
    namespace = http.get(f"/api/v1/namespaces/{NS}").json()
    namespace["spec"]["finalizers"] = []
    answer = http.put(f"/api/v1/namespaces/{NS}/finalize", json=namespace)
    assert answer.status_code == 200
    assert NS not in names_all(cluster)
    # As on a real cluster: what the namespace controller could not delete is left behind.
    assert names(cluster, "ConfigMap") == ["cm-fin"]


def test_deleting_a_crd_takes_custom_resources_owning_each_other(cluster, http):
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
    http.post("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", json=crd)
    widgets = f"/apis/example.org/v1/namespaces/{NS}/widgets"
    parent = http.post(
        widgets,
        json={"apiVersion": "example.org/v1", "kind": "Widget", "metadata": {"name": "parent"}},
    ).json()
    child = {"name": "child", "ownerReferences": [owner_ref(parent)]}
    http.post(widgets, json={"apiVersion": "example.org/v1", "kind": "Widget", "metadata": child})
    http.post(
        CONFIGMAPS, json={"metadata": {"name": "owned", "ownerReferences": [owner_ref(parent)]}}
    )
    answer = http.delete(
        "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.org"
    )
    assert answer.status_code == 200
    assert http.get(widgets).status_code == 404
    assert names(cluster, "ConfigMap") == []


@pytest.mark.parametrize(
    ("policy", "finalizer"), [("Orphan", "orphan"), ("Foreground", "foregroundDeletion")]
)
def test_a_namespace_takes_the_garbage_collectors_finalizer_only_when_asked(
    cluster, http, policy, finalizer
):
    fill_namespace(http)
    answer = http.request("DELETE", f"/api/v1/namespaces/{NS}", json={"propagationPolicy": policy})
    assert answer.json()["metadata"]["finalizers"] == [finalizer]
    assert http.get(f"/api/v1/namespaces/{NS}").status_code == 404
    assert [o for o in cluster.objects() if o["metadata"].get("namespace") == NS] == []

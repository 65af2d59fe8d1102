"""What the fake cluster refuses to store, and with which Status: the API server's own.

Bodies are read as kube-apiserver reads them (Go's JSON decoder, a 3 MiB limit), wrongly
typed fields are the decoder's 400, and metadata is validated as the server validates it
(422 naming every field at fault). Whatever comes in, by request or by seeding, nothing is
stored that a later list, watch or delete would choke on.
"""

from __future__ import annotations

import json

import httpx
import pytest

from rawkube.testing import FakeClock, FakeCluster
from tests.conftest import RECORDED

BASE = "http://fake-cluster.invalid"


@pytest.fixture
def cluster() -> FakeCluster:
    cluster = FakeCluster(clock=FakeClock())
    for namespace in ("lab-fixtures", "lab-fidelity"):
        cluster.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}})
    return cluster


@pytest.fixture
def http(cluster):
    with httpx.Client(transport=cluster.transport(), base_url=BASE) as client:
        yield client


def recorded(name: str) -> dict:
    return json.loads((RECORDED / f"{name}.body").read_text())


def post(http: httpx.Client, path: str, body: object, **headers: str) -> httpx.Response:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return http.post(path, content=content, headers={"Content-Type": "application/json", **headers})


FIDELITY = "/api/v1/namespaces/lab-fidelity"


@pytest.mark.parametrize(
    ("fixture", "path", "body"),
    [
        (
            "err_400_configmap_data_number",
            f"{FIDELITY}/configmaps",
            {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {"name": "cm-num"},
                "data": {"a": 1},
            },
        ),
        (
            "err_400_service_port_string",
            f"{FIDELITY}/services",
            {
                "apiVersion": "v1",
                "kind": "Service",
                "metadata": {"name": "svc-bad"},
                "spec": {"selector": {"app": "web"}, "ports": [{"port": "eighty"}]},
            },
        ),
        (
            "err_422_configmap_name_uppercase",
            f"{FIDELITY}/configmaps",
            {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {"name": "MyConfig"},
                "data": {"a": "1"},
            },
        ),
        (
            "err_422_configmap_unqualified_finalizer",
            f"{FIDELITY}/configmaps",
            {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {"name": "cm-fin2", "finalizers": ["keep"]},
                "data": {"a": "1"},
            },
        ),
        (
            "err_422_invalid_pod_name",
            "/api/v1/namespaces/lab-fixtures/pods",
            {
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {"name": "Bad_Name"},
                "spec": {"containers": [{"name": "c", "image": "x"}]},
            },
        ),
        (
            "err_400_bad_json",
            "/api/v1/namespaces/lab-fixtures/configmaps",
            b'{"apiVersion":"v1","kind":"ConfigMap",',
        ),
    ],
)
def test_a_refused_write_is_answered_with_the_recorded_status_to_the_byte(
    cluster, http, fixture, path, body
):
    answer = post(http, path, body)
    wanted = recorded(fixture)
    assert answer.status_code == wanted["code"]
    assert answer.json() == wanted
    assert cluster.objects("ConfigMap") == []


def test_an_unsupported_dry_run_of_a_delete_is_the_recorded_422(cluster, http):
    cluster.create(
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "cm-nullval", "namespace": "lab-fidelity"},
        }
    )
    answer = http.delete(f"{FIDELITY}/configmaps/cm-nullval", params={"dryRun": "Yes"})
    assert answer.json() == recorded("err_422_dryrun_invalid_value")
    assert len(cluster.objects("ConfigMap")) == 1


def test_null_metadata_values_are_stored_as_the_server_stores_them(cluster, http):
    body = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "cm-nulls", "labels": {"a": None, "b": "x"}, "annotations": None},
        "data": None,
    }
    assert post(http, f"{FIDELITY}/configmaps", body).status_code == 201
    (stored,) = cluster.objects("ConfigMap")
    assert stored["metadata"]["labels"] == {"a": "", "b": "x"}  # as create_configmap_nulls_201
    assert "annotations" not in stored["metadata"]


@pytest.mark.parametrize(
    ("metadata", "says"),
    [
        ({"name": "a", "labels": ["x"]}, "ObjectMeta.metadata.labels of type map[string]string"),
        ({"name": "a", "labels": {"k": 1}}, "ObjectMeta.metadata.labels of type string"),
        (
            {"name": "a", "annotations": "x"},
            "ObjectMeta.metadata.annotations of type map[string]string",
        ),
        ({"name": "a", "finalizers": "x"}, "ObjectMeta.metadata.finalizers of type []string"),
        (
            {"name": "a", "ownerReferences": [{"uid": 5}]},
            "OwnerReference.metadata.ownerReferences.uid of type types.UID",
        ),
        ({"name": "a", "generation": "1"}, "ObjectMeta.metadata.generation of type int64"),
        ({"name": "a", "creationTimestamp": "yesterday"}, 'parsing time "yesterday"'),
    ],
)
def test_seeding_refuses_what_the_server_could_not_decode(cluster, metadata, says):
    with pytest.raises(ValueError, match="cannot be handled as a ConfigMap") as refused:
        cluster.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": metadata})
    assert says in str(refused.value)
    assert cluster.objects("ConfigMap") == []


@pytest.mark.parametrize(
    ("metadata", "field"),
    [
        ({"name": "a", "labels": {"a b": "x"}}, "metadata.labels"),
        ({"name": "a", "labels": {"k": "x" * 64}}, "metadata.labels"),
        ({"name": "a", "annotations": {"/x": ""}}, "metadata.annotations"),
        ({"name": "a", "annotations": {"k": "x" * (256 * 1024)}}, "metadata.annotations"),
        (
            {"name": "a", "ownerReferences": [{"apiVersion": "v1", "kind": "Pod", "name": "p"}]},
            "metadata.ownerReferences.uid",
        ),
        ({"name": "a", "finalizers": ["a/b/c"]}, "metadata.finalizers"),
        ({"generateName": "Web-"}, "metadata.generateName"),
    ],
)
def test_seeding_refuses_metadata_the_server_would_find_invalid(cluster, metadata, field):
    with pytest.raises(ValueError, match="is invalid") as refused:
        cluster.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": metadata})
    assert f"{field}: " in str(refused.value)


def test_seeding_refuses_what_could_not_be_written_out_as_json(cluster):
    with pytest.raises(ValueError, match="cannot be served as JSON"):
        cluster.create(
            {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {"name": "a"},
                "data": {"k": object()},
            }
        )
    deep: object = "leaf"
    for _ in range(300):
        deep = [deep]
    with pytest.raises(ValueError, match="cannot be served as JSON"):
        cluster.create(
            {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "b"}, "x": deep}
        )
    assert cluster.objects("ConfigMap") == []


def test_a_patch_whose_result_does_not_decode_is_a_422_on_the_patch(cluster, http):
    cluster.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}})
    answer = http.patch(
        "/api/v1/namespaces/default/configmaps/a",
        content=b'{"data":{"k":1}}',
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert answer.status_code == 422
    status = answer.json()
    assert status["message"].startswith(' "" is invalid: patch: Invalid value: "{')
    assert status["message"].endswith(
        "json: cannot unmarshal number into Go struct field ConfigMap.data of type string"
    )
    assert [c["field"] for c in status["details"]["causes"]] == ["patch"]
    assert "data" not in cluster.objects("ConfigMap")[0]


def test_a_body_over_3_mib_is_refused_in_process_too(http):
    body = json.dumps({"metadata": {"name": "a"}, "data": {"k": "x" * (3 * 1024 * 1024)}})
    answer = post(http, "/api/v1/namespaces/default/configmaps", body.encode())
    assert answer.status_code == 413
    assert answer.json()["reason"] == "RequestEntityTooLarge"


def test_json_nested_past_gos_limit_is_its_syntax_error_and_past_the_fakes_is_a_400(http):
    path = "/api/v1/namespaces/default/configmaps"
    past_go = post(http, path, b'{"x":' + b"[" * 10_001 + b"]" * 10_001 + b"}")
    assert past_go.status_code == 400
    assert "json parse error: invalid character '[' exceeded max depth" in past_go.json()["message"]
    past_fake = post(http, path, b'{"metadata":{"name":"a"},"x":' + b"[" * 500 + b"]" * 500 + b"}")
    assert past_fake.status_code == 400
    assert "deeper than the fake API server reads" in past_fake.json()["message"]
    shallow = post(http, path, b'{"metadata":{"name":"a"},"x":' + b"[" * 150 + b"]" * 150 + b"}")
    assert shallow.status_code == 201  # an unknown field, dropped with a warning
    assert shallow.headers["Warning"] == '299 - "unknown field \\"x\\""'

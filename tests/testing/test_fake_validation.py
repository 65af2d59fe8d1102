"""What the fake cluster refuses in a write, and how: the recorded server's Status, field by field.

A wrongly typed value is the decoder's 400; a rule broken is one 422 Invalid whose causes
name every field at fault; unknown fields are refused (Strict), warned about one header each
(Warn, the default) or dropped (Ignore); nulls are what Go decodes them to. The same checks
run on create, update, patch, server-side apply and the status and scale subresources.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

import rawkube
from rawkube.models.apps_v1 import Deployment
from rawkube.models.core_v1 import ConfigMap, Pod, Service
from rawkube.testing import FakeClock, FakeCluster
from tests.conftest import RECORDED, recorded_response

BASE = "http://fake-cluster.invalid"
NS = "/api/v1/namespaces/lab-fidelity"
APPS = "/apis/apps/v1/namespaces/lab-fidelity"
BATCH = "/apis/batch/v1/namespaces/lab-fidelity"


@pytest.fixture
def cluster() -> FakeCluster:
    cluster = FakeCluster(clock=FakeClock())
    cluster.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "lab-fidelity"}})
    return cluster


@pytest.fixture
def http(cluster):
    headers = {"User-Agent": "lab-fixture-recorder/1.0", "Content-Type": "application/json"}
    with httpx.Client(transport=cluster.transport(), base_url=BASE, headers=headers) as client:
        yield client


@pytest.fixture
def client(cluster):
    with cluster.client() as client:
        yield client


def recorded(name: str) -> dict[str, Any]:
    return json.loads((RECORDED / f"{name}.body").read_text())


def send(http: httpx.Client, method: str, path: str, body: Any, **headers: str) -> httpx.Response:
    return http.request(method, path, content=json.dumps(body), headers=headers)


def deployment_body(name: str, **spec: Any) -> dict[str, Any]:
    labels = {"app": "a"}
    container = {"name": "c", "image": "nginx"}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {
            "selector": {"matchLabels": labels},
            "template": {"metadata": {"labels": labels}, "spec": {"containers": [container]}},
            **spec,
        },
    }


# The recorded refusals, each sent as it was sent to the real server.
REFUSALS = [
    (
        "err_422_pod_no_containers",
        f"{NS}/pods",
        {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p-noc"}, "spec": {}},
    ),
    (
        "err_422_pod_container_no_image",
        f"{NS}/pods",
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "p-noimg"},
            "spec": {"containers": [{"name": "c"}]},
        },
    ),
    (
        "err_422_pod_image_null",
        f"{NS}/pods",
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "p-imgnull"},
            "spec": {"containers": [{"name": "c", "image": None}]},
        },
    ),
    (
        "err_422_deployment_selector_mismatch",
        f"{APPS}/deployments",
        {
            **deployment_body("d-mismatch"),
            "spec": {
                "selector": {"matchLabels": {"app": "a"}},
                "template": {
                    "metadata": {"labels": {"app": "b"}},
                    "spec": {"containers": [{"name": "c", "image": "nginx"}]},
                },
            },
        },
    ),
    (
        "err_422_deployment_replicas_negative",
        f"{APPS}/deployments",
        deployment_body("d-neg", replicas=-1),
    ),
    (
        "err_422_configmap_name_uppercase",
        f"{NS}/configmaps",
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "MyConfig"},
            "data": {"a": "1"},
        },
    ),
    (
        "err_422_configmap_unqualified_finalizer",
        f"{NS}/configmaps",
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "cm-fin2", "finalizers": ["keep"]},
            "data": {"a": "1"},
        },
    ),
    (
        "err_422_job_no_restartpolicy",
        f"{BATCH}/jobs",
        {
            "apiVersion": "batch/v1",
            "kind": "Job",
            "metadata": {"name": "job-norp"},
            "spec": {"template": {"spec": {"containers": [{"name": "c", "image": "busybox"}]}}},
        },
    ),
    (
        "err_400_configmap_data_number",
        f"{NS}/configmaps",
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm-num"}, "data": {"a": 1}},
    ),
    (
        "err_400_service_port_string",
        f"{NS}/services",
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "svc-bad"},
            "spec": {"selector": {"app": "web"}, "ports": [{"port": "eighty"}]},
        },
    ),
    (
        "err_400_unknown_field_strict",
        f"{NS}/configmaps?fieldValidation=Strict",
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "cm-strict", "bar": 1},
            "data": {"a": "1"},
            "foo": "x",
        },
    ),
    (
        "err_400_unknown_field_strict_nested",
        f"{APPS}/deployments?fieldValidation=Strict",
        {
            **deployment_body("d-strict"),
            "spec": {
                "selector": {"matchLabels": {"app": "a"}},
                "template": {
                    "metadata": {"labels": {"app": "a"}},
                    "spec": {"containers": [{"name": "c", "image": "nginx", "imagePolicy": "x"}]},
                },
            },
        },
    ),
    (
        "err_400_kind_mismatch",
        f"{NS}/configmaps",
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "cm-kind"},
            "data": {"a": "MQ=="},
        },
    ),
    (
        "err_400_apiversion_mismatch",
        f"{NS}/configmaps",
        {
            "apiVersion": "apps/v1",
            "kind": "ConfigMap",
            "metadata": {"name": "cm-gv"},
            "data": {"a": "1"},
        },
    ),
    (
        "err_400_apiversion_mismatch_deployment",
        f"{APPS}/deployments",
        {**deployment_body("d-gv"), "apiVersion": "extensions/v1beta1"},
    ),
]


@pytest.mark.parametrize(("fixture", "path", "body"), REFUSALS, ids=[r[0] for r in REFUSALS])
def test_a_recorded_refusal_is_answered_word_for_word(cluster, http, fixture, path, body):
    before = cluster.resource_version
    answer = send(http, "POST", path, body)
    assert answer.json() == recorded(fixture)
    assert answer.status_code == recorded(fixture)["code"]
    assert cluster.resource_version == before  # nothing stored


def test_one_422_names_every_field_at_fault(client):
    with pytest.raises(rawkube.InvalidError) as refused:
        client.apps_v1.deployments().create(
            Deployment(
                metadata={"name": "Web"},
                spec={
                    "replicas": -3,
                    "selector": {"matchLabels": {"app": "web"}},
                    "template": {
                        "metadata": {"labels": {"app": "api"}},
                        "spec": {
                            "restartPolicy": "Never",
                            "containers": [
                                {"name": "app", "ports": [{"containerPort": 70000}]},
                                {"name": "app", "image": "nginx"},
                            ],
                        },
                    },
                },
            )
        )
    assert [(c.field, c.reason) for c in refused.value.causes] == [
        ("metadata.name", "FieldValueInvalid"),
        ("spec.template.metadata.labels", "FieldValueInvalid"),
        ("spec.template.spec.containers[0].image", "FieldValueRequired"),
        ("spec.template.spec.containers[0].ports[0].containerPort", "FieldValueInvalid"),
        ("spec.template.spec.containers[1].name", "FieldValueDuplicate"),
        ("spec.template.spec.restartPolicy", "FieldValueNotSupported"),
        ("spec.replicas", "FieldValueInvalid"),
    ]
    message = refused.value.message
    assert message.startswith('Deployment.apps "Web" is invalid: [metadata.name: ')
    assert "containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive" in message
    assert 'restartPolicy: Unsupported value: "Never": supported values: "Always"' in message
    assert client.apps_v1.deployments().list().items == []


# --- unknown fields ---------------------------------------------------------------------------

WITH_UNKNOWN = {
    "apiVersion": "v1",
    "kind": "ConfigMap",
    "metadata": {"name": "cm-warn", "bar": 1},
    "data": {"a": "1"},
    "foo": "x",
}


def stripped(obj: dict[str, Any]) -> dict[str, Any]:
    metadata = {k: v for k, v in obj["metadata"].items() if k in ("name", "namespace", "labels")}
    return {**obj, "metadata": metadata}


def test_unknown_fields_are_warned_about_one_header_each_and_dropped(http):
    answer = send(http, "POST", f"{NS}/configmaps", WITH_UNKNOWN)
    want = recorded_response("create_configmap_unknown_field_warn_201")
    assert answer.status_code == 201
    assert (
        answer.headers.get_list("Warning")
        == want.headers.get_list("Warning")
        == [
            '299 - "unknown field \\"metadata.bar\\""',
            '299 - "unknown field \\"foo\\""',
        ]
    )
    assert stripped(answer.json()) == stripped(recorded("create_configmap_unknown_field_warn_201"))


def test_unknown_fields_are_dropped_silently_with_ignore(http):
    body = {**WITH_UNKNOWN, "metadata": {"name": "cm-ignore", "bar": 1}}
    answer = send(http, "POST", f"{NS}/configmaps?fieldValidation=Ignore", body)
    assert answer.status_code == 201
    assert "Warning" not in answer.headers
    assert stripped(answer.json()) == stripped(
        recorded("create_configmap_unknown_field_ignore_201")
    )


def test_each_warning_is_its_own_header_line_on_loopback(cluster):
    with cluster.serve(auth=False) as server, httpx.Client(base_url=server.url) as http:
        answer = send(
            http,
            "POST",
            "/api/v1/namespaces/lab-fidelity/configmaps",
            WITH_UNKNOWN,
            **{"Content-Type": "application/json"},
        )
    assert answer.headers.get_list("Warning") == [
        '299 - "unknown field \\"metadata.bar\\""',
        '299 - "unknown field \\"foo\\""',
    ]


def test_the_typed_client_hears_the_warnings(client):
    result = (
        client.post()
        .resource("configmaps")
        .namespace("default")
        .body({**WITH_UNKNOWN, "metadata": {"name": "w", "bar": 1}})
        .do()
    )
    assert result.warnings == ['unknown field "metadata.bar"', 'unknown field "foo"']


# --- nulls ------------------------------------------------------------------------------------


def comparable(obj: dict[str, Any]) -> dict[str, Any]:
    metadata = dict(obj["metadata"])
    for key in ("uid", "resourceVersion", "creationTimestamp"):
        metadata.pop(key, None)
    for entry in metadata.get("managedFields", []):
        entry["time"] = "<made up>"
    return {**obj, "metadata": metadata}


def test_nulls_are_dropped_and_a_null_label_or_data_value_is_empty(http):
    nulls = send(
        http,
        "POST",
        f"{NS}/configmaps",
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "cm-nulls", "labels": {"a": None, "b": "x"}, "annotations": None},
            "data": None,
            "binaryData": None,
        },
    )
    assert nulls.status_code == 201
    assert comparable(nulls.json()) == comparable(recorded("create_configmap_nulls_201"))
    value = send(
        http,
        "POST",
        f"{NS}/configmaps",
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "cm-nullval"},
            "data": {"k": None, "j": "v"},
        },
    )
    assert comparable(value.json()) == comparable(recorded("create_configmap_null_data_value_201"))


def test_an_update_with_null_data_removes_it_and_its_managed_fields(http):
    created = send(
        http,
        "POST",
        f"{NS}/configmaps",
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "cm-data"},
            "data": {"k": "v"},
        },
    )
    assert created.json()["data"] == {"k": "v"}
    updated = send(
        http,
        "PUT",
        f"{NS}/configmaps/cm-data",
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm-data"}, "data": None},
    )
    assert updated.status_code == 200
    assert comparable(updated.json()) == comparable(recorded("update_configmap_data_null_200"))


def test_nulls_deep_in_a_pod_are_zero_values(client):
    made = client.core_v1.pods().create(
        {
            "metadata": {"name": "p"},
            "spec": {
                "nodeSelector": {"disk": None},
                "containers": [
                    {
                        "name": "c",
                        "image": "x",
                        "args": ["a", None],
                        "env": None,
                        "resources": {"limits": None},
                    }
                ],
            },
        }
    )
    assert made.spec.node_selector == {"disk": ""}
    container = made.spec.containers[0]
    assert (container.args, container.env, container.resources.limits) == (["a", ""], None, None)


# --- every way of writing -----------------------------------------------------------------------


@pytest.fixture
def web(client) -> Deployment:
    return client.apps_v1.deployments().create(Deployment.model_validate(deployment_body("web")))


def causes(error: rawkube.ApiError) -> list[tuple[str, str]]:
    assert isinstance(error, rawkube.InvalidError)
    return [(c.field, c.message) for c in error.causes]


def test_an_update_is_checked_as_a_create_is(client, web):
    broken = web.model_copy(update={"spec": web.spec.model_copy(update={"replicas": -1})})
    with pytest.raises(rawkube.InvalidError) as refused:
        client.apps_v1.deployments().update(broken)
    assert causes(refused.value) == [
        ("spec.replicas", "Invalid value: -1: must be greater than or equal to 0")
    ]


def test_a_patch_is_checked_on_its_result(client, web):
    deployments = client.apps_v1.deployments()
    with pytest.raises(rawkube.InvalidError) as refused:
        deployments.patch(
            "web",
            {"spec": {"template": {"spec": {"containers": [{"name": "c", "image": None}]}}}},
        )
    assert causes(refused.value) == [("spec.template.spec.containers[0].image", "Required value")]
    with pytest.raises(rawkube.InvalidError, match="`selector` does not match template `labels`"):
        deployments.patch(
            "web",
            [{"op": "replace", "path": "/spec/template/metadata/labels/app", "value": "b"}],
            patch_type="json",
        )
    assert deployments.get("web").spec.template.spec.containers[0].image == "nginx"


def test_server_side_apply_is_checked_on_create_and_on_update(client):
    deployments = client.apps_v1.deployments()
    with pytest.raises(rawkube.InvalidError) as refused:
        deployments.apply(
            Deployment.model_validate(deployment_body("ssa", replicas=-2)), field_manager="me"
        )
    assert causes(refused.value) == [
        ("spec.replicas", "Invalid value: -2: must be greater than or equal to 0")
    ]
    applied = deployments.apply(
        Deployment.model_validate(deployment_body("ssa")), field_manager="me"
    )
    assert applied.spec.strategy.type == "RollingUpdate"  # defaulted after the merge
    with pytest.raises(rawkube.InvalidError, match=r"spec\.replicas"):
        deployments.apply(
            Deployment.model_validate(deployment_body("ssa", replicas=-2)), field_manager="me"
        )


def test_the_scale_subresource_refuses_negative_replicas_with_its_cause(client, web):
    with pytest.raises(rawkube.InvalidError) as refused:
        client.apps_v1.deployments().patch_scale("web", {"spec": {"replicas": -1}})
    assert refused.value.details["kind"] == "Scale"
    assert causes(refused.value) == [
        ("spec.replicas", "Invalid value: -1: must be greater than or equal to 0")
    ]


def test_a_status_write_is_not_held_to_the_spec_rules(cluster, client):
    # Seeded as given: an object written before a rule existed can still have its status set.
    cluster.create(
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "old"},
            "spec": {"containers": [{"name": "c"}]},
        }
    )
    pods = client.core_v1.pods()
    updated = pods.patch_status("old", {"status": {"phase": "Running", "message": None}})
    assert updated.status.phase == "Running"


def test_fields_an_update_may_not_change(client, web):
    deployments = client.apps_v1.deployments()
    moved = web.model_copy(
        update={"spec": web.spec.model_copy(update={"selector": {"matchLabels": {"app": "b"}}})}
    )
    moved.spec.template.metadata.labels = {"app": "b"}
    with pytest.raises(rawkube.InvalidError) as refused:
        deployments.update(moved)
    assert causes(refused.value) == [
        ("spec.selector", 'Invalid value: {"matchLabels":{"app":"b"}}: field is immutable')
    ]
    pods = client.core_v1.pods()
    pods.create(Pod(metadata={"name": "p"}, spec={"containers": [{"name": "c", "image": "x:1"}]}))
    # A new image is the one change a running pod takes (a strategic patch: a merge patch
    # would replace the containers, token mount and all).
    image = {"spec": {"containers": [{"name": "c", "image": "x:2"}]}}
    assert pods.patch("p", image, patch_type="strategic").spec.containers[0].image == "x:2"
    with pytest.raises(rawkube.InvalidError, match="pod updates may not change fields other than"):
        pods.patch("p", {"spec": {"restartPolicy": "Never"}})
    client.rbac_v1.role_bindings().create(
        {
            "metadata": {"name": "rb"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "a"},
        }
    )
    with pytest.raises(rawkube.InvalidError, match="cannot change roleRef"):
        client.rbac_v1.role_bindings().patch("rb", {"roleRef": {"name": "b"}})


def test_no_new_finalizer_on_an_object_being_deleted(client):
    cms = client.core_v1.config_maps("lab-fidelity")
    cms.create(
        ConfigMap(metadata={"name": "cm-fin", "finalizers": ["example.com/keep"]}, data={"a": "1"})
    )
    cms.delete("cm-fin")
    with pytest.raises(rawkube.InvalidError) as refused:
        cms.patch("cm-fin", {"metadata": {"finalizers": ["example.com/keep", "example.com/other"]}})
    assert refused.value.body.to_dict() == recorded("err_422_patch_add_finalizer_while_terminating")


# --- the rules of the common kinds ----------------------------------------------------------


def test_service_rules(client):
    services = client.core_v1.services()
    with pytest.raises(rawkube.InvalidError) as refused:
        services.create(
            Service(
                metadata={"name": "s"},
                spec={
                    "type": "Balanced",
                    "ports": [
                        {"port": 0, "protocol": "HTTP"},
                        {"port": 81, "targetPort": "Web_Port"},
                    ],
                },
            )
        )
    assert causes(refused.value) == [
        (
            "spec.type",
            'Unsupported value: "Balanced": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"',
        ),
        ("spec.ports[0].name", "Required value"),
        ("spec.ports[0].port", "Invalid value: 0: must be between 1 and 65535, inclusive"),
        (
            "spec.ports[0].protocol",
            'Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"',
        ),
        # The target port defaults to the port: 0 as well, refused as well.
        ("spec.ports[0].targetPort", "Invalid value: 0: must be between 1 and 65535, inclusive"),
        ("spec.ports[1].name", "Required value"),
        (
            "spec.ports[1].targetPort",
            'Invalid value: "Web_Port": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)',
        ),
    ]
    with pytest.raises(rawkube.InvalidError) as out_of_range:
        services.create(
            Service(
                metadata={"name": "n"},
                spec={"type": "NodePort", "ports": [{"port": 80, "nodePort": 8080}]},
            )
        )
    assert causes(out_of_range.value) == [
        (
            "spec.ports[0].nodePort",
            "Invalid value: 8080: provided port is not in the valid range. The range of valid ports is 30000-32767",
        )
    ]
    services.create(
        Service(
            metadata={"name": "a"},
            spec={"type": "NodePort", "ports": [{"port": 80, "nodePort": 30080}]},
        )
    )
    with pytest.raises(rawkube.InvalidError, match="provided port is already allocated"):
        services.create(
            Service(
                metadata={"name": "b"},
                spec={"type": "NodePort", "ports": [{"port": 80, "nodePort": 30080}]},
            )
        )
    with pytest.raises(rawkube.InvalidError, match="may not be used when `type` is 'ClusterIP'"):
        services.create(
            Service(metadata={"name": "c"}, spec={"ports": [{"port": 80, "nodePort": 30081}]})
        )


def test_config_map_and_secret_rules(client):
    with pytest.raises(rawkube.InvalidError) as refused:
        client.core_v1.config_maps().create(
            ConfigMap(
                metadata={"name": "c"}, data={"a b": "1", "k": "2"}, binary_data={"k": "eA=="}
            )
        )
    assert [field for field, _ in causes(refused.value)] == ["data[a b]", "data[k]"]
    with pytest.raises(rawkube.InvalidError) as tls:
        client.core_v1.secrets().create(
            {"metadata": {"name": "t"}, "type": "kubernetes.io/tls", "data": {"tls.crt": "eA=="}}
        )
    assert causes(tls.value) == [("data[tls.key]", "Required value")]
    frozen = client.core_v1.config_maps().create(
        ConfigMap(metadata={"name": "f"}, data={"a": "1"}, immutable=True)
    )
    with pytest.raises(rawkube.InvalidError, match="field is immutable when `immutable` is set"):
        client.core_v1.config_maps().update(frozen.model_copy(update={"data": {"a": "2"}}))


def test_job_and_claim_rules(client):
    jobs = client.batch_v1.jobs()
    with pytest.raises(rawkube.InvalidError) as always:
        jobs.create(
            {
                "metadata": {"name": "j"},
                "spec": {
                    "template": {
                        "spec": {
                            "restartPolicy": "Always",
                            "containers": [{"name": "c", "image": "x"}],
                        }
                    }
                },
            }
        )
    assert causes(always.value) == [
        (
            "spec.template.spec.restartPolicy",
            'Unsupported value: "Always": supported values: "OnFailure", "Never"',
        )
    ]
    with pytest.raises(rawkube.InvalidError, match="`selector` not auto-generated"):
        jobs.create(
            {
                "metadata": {"name": "j"},
                "spec": {
                    "selector": {"matchLabels": {"app": "j"}},
                    "template": {
                        "metadata": {"labels": {"app": "j"}},
                        "spec": {
                            "restartPolicy": "Never",
                            "containers": [{"name": "c", "image": "x"}],
                        },
                    },
                },
            }
        )
    with pytest.raises(rawkube.InvalidError) as claim:
        client.core_v1.persistent_volume_claims().create(
            {"metadata": {"name": "c"}, "spec": {"accessModes": ["ReadWriteSometimes"]}}
        )
    assert causes(claim.value) == [
        (
            "spec.accessModes",
            'Unsupported value: "ReadWriteSometimes": supported values: "ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"',
        ),
        ("spec.resources[storage]", "Required value"),
    ]


def test_required_fields_from_the_facts_are_named_where_no_rule_speaks(client):
    with pytest.raises(rawkube.InvalidError) as refused:
        client.core_v1.pods().create(
            Pod(
                metadata={"name": "p"},
                spec={
                    "containers": [
                        {
                            "name": "c",
                            "image": "x",
                            "env": [{"value": "1"}],
                            "ports": [{"name": "web"}],
                        }
                    ]
                },
            )
        )
    assert [field for field, _ in causes(refused.value)] == [
        "spec.containers[0].env[0].name",
        "spec.containers[0].ports[0].containerPort",
    ]


# --- custom resources ---------------------------------------------------------------------------

WIDGETS = rawkube.GroupVersionResource("fidelity.example.com", "v1", "widgets")


@pytest.fixture
def widgets(client):
    """The recorded lab's tiny CRD, with a few more rules and a default."""
    spec_schema = {
        "type": "object",
        "required": ["size"],
        "properties": {
            "size": {"type": "integer", "minimum": 0, "maximum": 10},
            "color": {"type": "string", "enum": ["red", "blue"], "default": "red"},
            "name": {"type": "string", "pattern": "^[a-z]+$", "maxLength": 8},
            "tags": {"type": "array", "maxItems": 2, "items": {"type": "string"}},
            "note": {"type": "string", "nullable": True},
        },
    }
    client.apiextensions_v1.custom_resource_definitions().create(
        {
            "metadata": {"name": "widgets.fidelity.example.com"},
            "spec": {
                "group": "fidelity.example.com",
                "scope": "Namespaced",
                "names": {"plural": "widgets", "singular": "widget", "kind": "Widget"},
                "versions": [
                    {
                        "name": "v1",
                        "served": True,
                        "storage": True,
                        "schema": {
                            "openAPIV3Schema": {
                                "type": "object",
                                "properties": {"spec": spec_schema},
                            }
                        },
                    }
                ],
            },
        }
    )
    return client.dynamic.resource(WIDGETS).namespace("default")


def widget(object_name: str, **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "fidelity.example.com/v1",
        "kind": "Widget",
        "metadata": {"name": object_name},
        "spec": spec,
    }


def test_a_custom_resource_gets_its_schema_defaults_and_nulls_pruned(widgets):
    made = widgets.create(widget("w1", size=1, name=None, note=None))
    assert made["spec"] == {"size": 1, "color": "red", "note": None}


def test_a_custom_resource_breaking_its_schema_is_one_422(widgets):
    with pytest.raises(rawkube.InvalidError) as refused:
        widgets.create(widget("w1", size="big", color="green", name="Web1", tags=["a", "b", "c"]))
    assert causes(refused.value) == [
        (
            "spec.size",
            'Invalid value: "string": spec.size in body must be of type integer: "string"',
        ),
        ("spec.color", 'Unsupported value: "green": supported values: "red", "blue"'),
        ("spec.name", "Invalid value: \"Web1\": spec.name in body should match '^[a-z]+$'"),
        ("spec.tags", "Too many: 3: must have at most 2 items"),
    ]
    assert refused.value.message.startswith('Widget.fidelity.example.com "w1" is invalid: [')
    with pytest.raises(rawkube.InvalidError) as missing:
        widgets.create(widget("w2", color="blue"))
    assert causes(missing.value) == [("spec.size", "Required value")]
    widgets.create(widget("w3", size=3))
    with pytest.raises(rawkube.InvalidError, match="should be less than or equal to 10"):
        widgets.patch("w3", {"spec": {"size": 11}})


def test_a_zero_is_a_value_for_a_required_number(client):
    # A PriorityClass's value is required, and 0 is one; a container port of 0 is not.
    assert (
        client.scheduling_v1.priority_classes()
        .create({"metadata": {"name": "zero"}, "value": 0})
        .value
        == 0
    )
    with pytest.raises(rawkube.InvalidError) as refused:
        client.core_v1.pods().create(
            Pod(
                metadata={"name": "p"},
                spec={"containers": [{"name": "c", "image": "x", "ports": [{"containerPort": 0}]}]},
            )
        )
    assert causes(refused.value) == [
        ("spec.containers[0].ports[0].containerPort", "Required value")
    ]


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (
            "1x",
            "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
        ),
        ("500mi", "unable to parse quantity's suffix"),
        ("1.2.3", "unable to parse numeric part of quantity"),
    ],
)
def test_a_quantity_that_does_not_parse_is_the_decoders_400(http, value, problem):
    body = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p"},
        "spec": {
            "containers": [{"name": "c", "image": "x", "resources": {"limits": {"memory": value}}}]
        },
    }
    answer = send(http, "POST", f"{NS}/pods", body)
    assert answer.status_code == 400
    assert answer.json()["message"] == f'Pod in version "v1" cannot be handled as a Pod: {problem}'


def test_an_int_or_string_of_another_type_is_the_decoders_400(http):
    body = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "s"},
        "spec": {"ports": [{"port": 80, "targetPort": True}]},
    }
    answer = send(http, "POST", f"{NS}/services", body)
    assert answer.json()["message"] == (
        'Service in version "v1" cannot be handled as a Service: json: cannot unmarshal bool '
        "into Go struct field ServicePort.spec.ports.targetPort of type int32"
    )


def test_a_seeded_pod_without_defaults_can_still_be_relabelled(cluster, client):
    # Seeded as given, so without the defaults a stored pod has: a label patch must not read
    # as a change to its spec.
    cluster.create(
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "seed"},
            "spec": {"containers": [{"name": "c", "image": "x"}]},
        }
    )
    pods = client.core_v1.pods()
    assert pods.patch("seed", {"metadata": {"labels": {"x": "y"}}}).metadata.labels == {"x": "y"}
    with pytest.raises(rawkube.InvalidError, match="pod updates may not change fields"):
        pods.patch("seed", {"spec": {"restartPolicy": "Never"}})

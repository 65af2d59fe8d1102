"""What the fake cluster fills in on create: the recorded server's defaults, kind by kind.

Each recorded minimal create is sent to the fake as it was sent to the real server, and the
answer must be the recorded 201 body, ``managedFields`` included (the writer owns the
defaults, as on the server), with only what a server makes up anew each time set aside:
uids, resourceVersions, timestamps, the cluster IP, node port and token volume name.
"""

from __future__ import annotations

import base64
import ipaddress
import json
import re
from typing import Any

import httpx
import pytest

import rawkube
from rawkube.models.apps_v1 import Deployment
from rawkube.models.core_v1 import Pod, Service
from rawkube.testing import FakeClock, FakeCluster
from tests.conftest import RECORDED

BASE = "http://fake-cluster.invalid"
NS = "/api/v1/namespaces/lab-fidelity"
APPS = "/apis/apps/v1/namespaces/lab-fidelity"
BATCH = "/apis/batch/v1/namespaces/lab-fidelity"
PAUSE = {"name": "c", "image": "registry.k8s.io/pause:3.10"}
# The recording's client: the fake names the field manager after the User-Agent, as the
# server does.
AGENT = "lab-fixture-recorder/1.0"


@pytest.fixture
def cluster() -> FakeCluster:
    cluster = FakeCluster(clock=FakeClock())
    cluster.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "lab-fidelity"}})
    return cluster


@pytest.fixture
def http(cluster):
    headers = {"User-Agent": AGENT, "Content-Type": "application/json"}
    with httpx.Client(transport=cluster.transport(), base_url=BASE, headers=headers) as client:
        yield client


@pytest.fixture
def client(cluster):
    with cluster.client() as client:
        yield client


def recorded(name: str) -> dict[str, Any]:
    return json.loads((RECORDED / f"{name}.body").read_text())


_MADE_UP = {"uid", "resourceVersion", "creationTimestamp", "time", "clusterIP", "nodePort"}
_UID_LABELS = {"batch.kubernetes.io/controller-uid", "controller-uid"}


def comparable(value: Any, key: str = "") -> Any:
    """``value`` with what a server makes up on each create replaced by a placeholder.

    The ``"."`` entries of ``fieldsV1`` are left out too: the server writes one for a struct
    its Go type holds by pointer (``rollingUpdate``), which the schema facts cannot tell.
    """
    if isinstance(value, dict):
        return {
            k: "<made up>" if k in _MADE_UP or k in _UID_LABELS else comparable(v, k)
            for k, v in value.items()
            if not (k == "." and v == {})
        }
    if isinstance(value, list):
        if key == "clusterIPs":
            return ["<made up>"]
        return [comparable(item) for item in value]
    if isinstance(value, str) and value.startswith("kube-api-access-"):
        return "kube-api-access-<made up>"
    return value


CREATES = [
    (
        "create_namespace_201",
        "/api/v1/namespaces",
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "lab-fidelity-2"}},
    ),
    (
        "create_pod_minimal_201",
        f"{NS}/pods",
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "p-min"},
            "spec": {"containers": [PAUSE]},
        },
    ),
    (
        "create_service_clusterip_201",
        f"{NS}/services",
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "svc-min"},
            "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]},
        },
    ),
    (
        "create_service_nodeport_201",
        f"{NS}/services",
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "svc-np"},
            "spec": {"type": "NodePort", "selector": {"app": "web"}, "ports": [{"port": 80}]},
        },
    ),
    (
        "create_deployment_minimal_201",
        f"{APPS}/deployments",
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "web"},
            "spec": {
                "replicas": 2,
                "selector": {"matchLabels": {"app": "web"}},
                "template": {
                    "metadata": {"labels": {"app": "web"}},
                    "spec": {"containers": [PAUSE]},
                },
            },
        },
    ),
    (
        "create_configmap_data_201",
        f"{NS}/configmaps",
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "cm-data"},
            "data": {"k": "v"},
        },
    ),
    (
        "create_secret_stringdata_201",
        f"{NS}/secrets",
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "sec"},
            "stringData": {"user": "admin", "pw": "s3cr3t"},
        },
    ),
    (
        "create_job_minimal_201",
        f"{BATCH}/jobs",
        {
            "apiVersion": "batch/v1",
            "kind": "Job",
            "metadata": {"name": "job-min"},
            "spec": {
                "template": {
                    "spec": {
                        "restartPolicy": "Never",
                        "containers": [{"name": "c", "image": "busybox"}],
                    }
                }
            },
        },
    ),
    (
        "create_statefulset_minimal_201",
        f"{APPS}/statefulsets",
        {
            "apiVersion": "apps/v1",
            "kind": "StatefulSet",
            "metadata": {"name": "sts"},
            "spec": {
                "selector": {"matchLabels": {"app": "sts"}},
                "template": {
                    "metadata": {"labels": {"app": "sts"}},
                    "spec": {"containers": [PAUSE]},
                },
            },
        },
    ),
    (
        "create_daemonset_minimal_201",
        f"{APPS}/daemonsets",
        {
            "apiVersion": "apps/v1",
            "kind": "DaemonSet",
            "metadata": {"name": "ds"},
            "spec": {
                "selector": {"matchLabels": {"app": "ds"}},
                "template": {
                    "metadata": {"labels": {"app": "ds"}},
                    "spec": {"containers": [PAUSE]},
                },
            },
        },
    ),
    (
        "create_pvc_minimal_201",
        f"{NS}/persistentvolumeclaims",
        {
            "apiVersion": "v1",
            "kind": "PersistentVolumeClaim",
            "metadata": {"name": "pvc"},
            "spec": {
                "accessModes": ["ReadWriteOnce"],
                "resources": {"requests": {"storage": "1Gi"}},
            },
        },
    ),
    (
        "create_serviceaccount_201",
        f"{NS}/serviceaccounts",
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "sa"}},
    ),
]


def expected(fixture: str) -> dict[str, Any]:
    want = recorded(fixture)
    if fixture == "create_namespace_201":
        want["metadata"]["name"] = want["metadata"]["labels"]["kubernetes.io/metadata.name"] = (
            "lab-fidelity-2"  # the recorded name is taken by the fixture's namespace
        )
    if fixture == "create_pod_minimal_201":
        # The recording server is OpenShift's: its fourth projected source (the service CA)
        # is not Kubernetes'.
        sources = want["spec"]["volumes"][0]["projected"]["sources"]
        want["spec"]["volumes"][0]["projected"]["sources"] = [
            s for s in sources if s.get("configMap", {}).get("name") != "openshift-service-ca.crt"
        ]
    if fixture == "create_pvc_minimal_201":
        # The fake runs no pvc-protection controller to ever take this finalizer off again, so
        # it adds none: a deleted claim goes at once, as it does on a cluster with no pod on it.
        del want["metadata"]["finalizers"]
    return want


@pytest.mark.parametrize(("fixture", "path", "body"), CREATES, ids=[c[0] for c in CREATES])
def test_a_minimal_create_gets_the_recorded_defaults(http, fixture, path, body):
    answer = http.post(path, content=json.dumps(body))
    assert answer.status_code == 201, answer.text
    assert comparable(answer.json()) == comparable(expected(fixture))
    # What a later GET sees is what the create answered.
    name = body["metadata"]["name"]
    assert comparable(http.get(f"{path}/{name}").json()) == comparable(answer.json())


# --- what is made up: in range, unique, tied to the object ---------------------------------


def test_services_get_distinct_cluster_ips_and_node_ports_from_their_ranges(client):
    services = client.core_v1.services()
    made = [
        services.create(
            Service(
                metadata={"name": f"s{i}"},
                spec={
                    "type": "NodePort",
                    "selector": {"app": "a"},
                    "ports": [{"port": 80, "name": "a"}, {"port": 81, "name": "b"}]
                    if i % 2
                    else [{"port": 80}],
                },
            )
        )
        for i in range(20)
    ]
    ips = [s.spec.cluster_ip for s in made]
    assert len(set(ips)) == 20
    assert all(ipaddress.ip_address(ip) in ipaddress.ip_network("10.96.0.0/12") for ip in ips)
    assert all(s.spec.cluster_ips == [s.spec.cluster_ip] for s in made)
    ports = [p.node_port for s in made for p in s.spec.ports]
    assert len(set(ports)) == len(ports) == 30
    assert all(30000 <= port <= 32767 for port in ports)


def test_a_headless_or_external_name_service_gets_no_address(client):
    services = client.core_v1.services()
    headless = services.create(
        Service(metadata={"name": "h"}, spec={"clusterIP": "None", "selector": {"app": "a"}})
    )
    assert (headless.spec.cluster_ip, headless.spec.cluster_ips) == ("None", ["None"])
    external = services.create(
        Service(
            metadata={"name": "e"}, spec={"type": "ExternalName", "externalName": "db.example.com"}
        )
    )
    assert external.spec.cluster_ip is None
    assert external.spec.internal_traffic_policy is None


def test_an_update_keeps_the_allocated_address_and_ports(client):
    services = client.core_v1.services()
    made = services.create(
        Service(metadata={"name": "s"}, spec={"type": "NodePort", "ports": [{"port": 80}]})
    )
    # A manifest applied again says nothing of the address or the node port.
    replaced = services.update(
        Service(
            metadata={"name": "s", "labels": {"v": "2"}},
            spec={"type": "NodePort", "ports": [{"port": 80}]},
        )
    )
    assert replaced.spec.cluster_ip == made.spec.cluster_ip
    assert replaced.spec.ports[0].node_port == made.spec.ports[0].node_port


def test_a_job_selects_its_pods_by_its_own_uid(client):
    job = client.batch_v1.jobs().create(
        {
            "metadata": {"name": "j", "labels": {"team": "a"}},
            "spec": {
                "template": {
                    "metadata": {"labels": {"app": "j"}},
                    "spec": {
                        "restartPolicy": "OnFailure",
                        "containers": [{"name": "c", "image": "busybox:1.36"}],
                    },
                }
            },
        }
    )
    uid = job.metadata.uid
    assert job.spec.selector.match_labels == {"batch.kubernetes.io/controller-uid": uid}
    assert job.spec.template.metadata.labels == {
        "app": "j",
        "batch.kubernetes.io/controller-uid": uid,
        "batch.kubernetes.io/job-name": "j",
        "controller-uid": uid,
        "job-name": "j",
    }
    assert job.metadata.labels == {"team": "a"}  # its own labels, when it has some
    assert job.spec.template.spec.containers[0].image_pull_policy == "IfNotPresent"


@pytest.mark.parametrize(
    ("image", "policy"),
    [
        ("busybox", "Always"),
        ("nginx:latest", "Always"),
        ("registry.k8s.io:5000/pause", "Always"),  # a registry's port is not a tag
        ("nginx:1.27", "IfNotPresent"),
        ("nginx@sha256:" + "a" * 64, "IfNotPresent"),
    ],
)
def test_the_image_pull_policy_follows_the_tag(client, image, policy):
    made = client.core_v1.pods().create(
        Pod(metadata={"name": "p"}, spec={"containers": [{"name": "c", "image": image}]})
    )
    assert made.spec.containers[0].image_pull_policy == policy


def test_a_pod_gets_its_status_qos_class_token_volume_and_tolerations(client):
    made = client.core_v1.pods().create(
        Pod(
            metadata={"name": "p"},
            spec={
                "containers": [
                    {
                        "name": "a",
                        "image": "x:1",
                        "resources": {"limits": {"cpu": "1", "memory": "1Gi"}},
                    },
                    {
                        "name": "b",
                        "image": "x:1",
                        "resources": {"limits": {"cpu": "2", "memory": "1Gi"}},
                    },
                ],
                "tolerations": [{"key": "node.kubernetes.io/unreachable", "operator": "Exists"}],
            },
        )
    )
    assert made.status.phase == "Pending"
    # Limits alone are requests too, on a pod: every container is Guaranteed.
    assert made.spec.containers[0].resources.requests == {"cpu": "1", "memory": "1Gi"}
    assert made.status.qos_class == "Guaranteed"
    (volume,) = made.spec.volumes
    assert re.fullmatch(r"kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}", volume.name)
    for container in made.spec.containers:
        assert [(m.name, m.mount_path, m.read_only) for m in container.volume_mounts] == [
            (volume.name, "/var/run/secrets/kubernetes.io/serviceaccount", True)
        ]
    # The pod tolerated one of the two taints already: only the other is added.
    assert [(t.key, t.toleration_seconds) for t in made.spec.tolerations] == [
        ("node.kubernetes.io/unreachable", None),
        ("node.kubernetes.io/not-ready", 300),
    ]
    assert (made.spec.service_account_name, made.spec.priority) == ("default", 0)


def test_a_pod_that_mounts_no_token_gets_none(client):
    client.core_v1.service_accounts().create(
        {"metadata": {"name": "quiet"}, "automountServiceAccountToken": False}
    )
    pods = client.core_v1.pods()
    by_pod = pods.create(
        Pod(
            metadata={"name": "a"},
            spec={
                "automountServiceAccountToken": False,
                "containers": [{"name": "c", "image": "x"}],
            },
        )
    )
    by_account = pods.create(
        Pod(
            metadata={"name": "b"},
            spec={"serviceAccountName": "quiet", "containers": [{"name": "c", "image": "x"}]},
        )
    )
    for made in (by_pod, by_account):
        assert made.spec.volumes is None
        assert made.spec.containers[0].volume_mounts is None
    assert by_pod.status.qos_class == "BestEffort"


def test_a_priority_class_gives_its_value_and_an_unknown_one_is_refused(client):
    client.scheduling_v1.priority_classes().create(
        {"metadata": {"name": "high"}, "value": 1000, "preemptionPolicy": "Never"}
    )
    pods = client.core_v1.pods()
    made = pods.create(
        Pod(
            metadata={"name": "a"},
            spec={"priorityClassName": "high", "containers": [{"name": "c", "image": "x"}]},
        )
    )
    assert (made.spec.priority, made.spec.preemption_policy) == (1000, "Never")
    with pytest.raises(rawkube.ForbiddenError, match="no PriorityClass with name nope was found"):
        pods.create(
            Pod(
                metadata={"name": "b"},
                spec={"priorityClassName": "nope", "containers": [{"name": "c", "image": "x"}]},
            )
        )


def test_workload_templates_get_the_pod_defaults_and_pods_show_pending(client):
    deployment = client.apps_v1.deployments().create(
        Deployment(
            metadata={"name": "web"},
            spec={
                "selector": {"matchLabels": {"app": "web"}},
                "template": {
                    "metadata": {"labels": {"app": "web"}},
                    "spec": {
                        "containers": [
                            {"name": "c", "image": "nginx", "ports": [{"containerPort": 80}]}
                        ]
                    },
                },
            },
        )
    )
    spec = deployment.spec
    assert (spec.replicas, spec.strategy.type, spec.revision_history_limit) == (
        1,
        "RollingUpdate",
        10,
    )
    pod_spec = spec.template.spec
    assert (pod_spec.restart_policy, pod_spec.dns_policy, pod_spec.scheduler_name) == (
        "Always",
        "ClusterFirst",
        "default-scheduler",
    )
    container = pod_spec.containers[0]
    assert (container.image_pull_policy, container.ports[0].protocol) == ("Always", "TCP")
    assert pod_spec.volumes is None  # a template gets no token volume: its pods will
    client.core_v1.pods().create(
        Pod(metadata={"name": "p"}, spec={"containers": [{"name": "c", "image": "x"}]})
    )
    table = client.core_v1.pods().list_table()
    status = [c.name for c in table.column_definitions].index("Status")
    assert [row.cells[status] for row in table.rows] == ["Pending"]


def test_a_secrets_string_data_is_merged_into_its_data(client):
    made = client.core_v1.secrets().create(
        {"metadata": {"name": "s"}, "data": {"a": "eA==", "b": "eQ=="}, "stringData": {"b": "two"}}
    )
    assert made.type == "Opaque"
    assert made.string_data is None
    assert {k: base64.b64decode(v) for k, v in made.to_dict()["data"].items()} == {
        "a": b"x",
        "b": b"two",
    }


def test_defaults_apply_to_updates_and_patches_too(client):
    deployments = client.apps_v1.deployments()
    labels = {"app": "web"}
    manifest = Deployment(
        metadata={"name": "web"},
        spec={
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "c", "image": "a:1"}]},
            },
        },
    )
    created = deployments.create(manifest)
    # The same manifest sent again is the same object: its defaults come back, no new generation.
    again = deployments.update(manifest)
    assert again.metadata.generation == created.metadata.generation == 1
    assert again.metadata.resource_version == created.metadata.resource_version
    patched = deployments.patch(
        "web",
        {
            "spec": {
                "template": {
                    "spec": {
                        "containers": [{"name": "c", "image": "a:latest", "imagePullPolicy": None}]
                    }
                }
            }
        },
    )
    assert patched.spec.template.spec.containers[0].image_pull_policy == "Always"
    assert patched.metadata.generation == 2


def test_a_service_changing_type_gains_or_releases_its_node_ports_and_address(client):
    services = client.core_v1.services()
    made = services.create(Service(metadata={"name": "s"}, spec={"ports": [{"port": 80}]}))
    assert made.spec.ports[0].node_port is None
    exposed = services.patch("s", {"spec": {"type": "NodePort"}})
    node_port = exposed.spec.ports[0].node_port
    assert 30000 <= node_port <= 32767
    assert exposed.spec.external_traffic_policy == "Cluster"
    assert exposed.spec.cluster_ip == made.spec.cluster_ip
    hidden = services.patch("s", {"spec": {"type": "ClusterIP"}})
    assert (hidden.spec.ports[0].node_port, hidden.spec.external_traffic_policy) == (None, None)
    named = services.patch("s", {"spec": {"type": "ExternalName", "externalName": "db.example"}})
    assert (named.spec.cluster_ip, named.spec.cluster_ips) == (None, None)
    back = services.patch("s", {"spec": {"type": "ClusterIP", "externalName": None}})
    assert back.spec.cluster_ip
    assert back.spec.cluster_ips == [back.spec.cluster_ip]


def test_applying_a_manifest_again_finds_its_items_under_their_defaulted_keys(client):
    # The stored port has protocol TCP filled in; the manifest's, with no protocol, is the
    # same port (a list keyed by port and protocol), not a second one.
    manifest = Service(
        metadata={"name": "web"},
        spec={"selector": {"app": "web"}, "ports": [{"port": 80, "targetPort": 8080}]},
    )
    services = client.core_v1.services()
    services.create(manifest)
    changed = manifest.model_copy(deep=True)
    changed.spec.ports[0].target_port = 9090
    applied = services.apply(changed, field_manager="deployer", force=True)
    assert [(p.port, p.protocol, p.target_port) for p in applied.spec.ports] == [(80, "TCP", 9090)]
    (entry,) = [m for m in applied.metadata.managed_fields if m.manager == "deployer"]
    assert 'k:{"port":80,"protocol":"TCP"}' in entry.fields_v1["f:spec"]["f:ports"]

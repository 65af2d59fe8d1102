"""Server-side Tables: the columns and cells kubectl prints, as the real server lays them out."""

from __future__ import annotations

import copy
import json
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from rawkube.testing._tables import human_duration, table
from tests.conftest import RECORDED

NOW = datetime(2026, 11, 27, 13, 0, 38, tzinfo=timezone.utc)
CREATED = "2026-11-27T12:55:38Z"  # five minutes before NOW


def meta(name: str, **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "namespace": "default",
        "uid": f"uid-{name}",
        "creationTimestamp": CREATED,
        **extra,
    }


def headers(result: dict[str, Any], wide: bool = False) -> list[str]:
    return [c["name"] for c in result["columnDefinitions"] if wide or c["priority"] == 0]


def cells(result: dict[str, Any], wide: bool = False) -> list[list[Any]]:
    keep = [wide or c["priority"] == 0 for c in result["columnDefinitions"]]
    return [
        [cell for cell, shown in zip(row["cells"], keep, strict=True) if shown]
        for row in result["rows"]
    ]


def pod(name: str, status: dict[str, Any] | None = None, **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": meta(name),
        "spec": {"containers": [{"name": "app", "image": "nginx"}], **spec},
        "status": status or {"phase": "Pending"},
    }


def running(name: str = "app", restarts: int = 0, **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "ready": True,
        "restartCount": restarts,
        "state": {"running": {"startedAt": CREATED}},
        **extra,
    }


# --------------------------------------------------------------------------- against the real server


def test_pods_match_the_recorded_table():
    real = json.loads((RECORDED / "podlist_table.body").read_text())
    pods = json.loads((RECORDED / "podlist.body").read_text())["items"]
    result = table(pods, kind="Pod", group="", now=NOW, list_metadata={"resourceVersion": "278"})
    strip = [
        {k: v for k, v in c.items() if k != "description"} for c in result["columnDefinitions"]
    ]
    assert strip == [
        {k: v for k, v in c.items() if k != "description"} for c in real["columnDefinitions"]
    ]
    assert [row["cells"] for row in result["rows"]] == [row["cells"] for row in real["rows"]]
    assert [row["object"] for row in result["rows"]] == [row["object"] for row in real["rows"]]
    assert result["kind"] == "Table"
    assert result["apiVersion"] == "meta.k8s.io/v1"
    assert result["metadata"] == {"resourceVersion": "278"}


def test_configmaps_with_include_object_match_the_recorded_table():
    real = json.loads((RECORDED / "configmaplist_table_includeObject.body").read_text())
    configmaps = [row["object"] for row in real["rows"]]
    result = table(
        configmaps,
        kind="ConfigMap",
        group="",
        include_object="Object",
        now=NOW,
        list_metadata=real["metadata"],
    )
    assert headers(result) == ["Name", "Data", "Age"]
    assert result["rows"] == real["rows"]
    assert all(
        isinstance(c["description"], str) and c["description"] for c in result["columnDefinitions"]
    )


# --------------------------------------------------------------------------- pods


def test_pod_columns():
    result = table([pod("p")], kind="Pod", group="", now=NOW)
    assert headers(result) == ["Name", "Ready", "Status", "Restarts", "Age"]
    assert headers(result, wide=True)[5:] == ["IP", "Node", "Nominated Node", "Readiness Gates"]
    assert result["columnDefinitions"][0]["format"] == "name"
    assert cells(result) == [["p", "0/1", "Pending", "0", "5m"]]


def test_running_pod_with_restarts_and_wide_cells():
    last = (NOW - timedelta(minutes=3)).strftime("%Y-%m-%dT%H:%M:%SZ")
    status = {
        "phase": "Running",
        "podIP": "10.0.0.7",
        "podIPs": [{"ip": "10.0.0.7"}],
        "conditions": [{"type": "Ready", "status": "True"}, {"type": "Gate", "status": "True"}],
        "containerStatuses": [
            running(restarts=2, lastState={"terminated": {"exitCode": 1, "finishedAt": last}}),
            {**running("side"), "ready": False},
        ],
    }
    p = pod("web", status, nodeName="node-1", readinessGates=[{"conditionType": "Gate"}])
    p["spec"]["containers"].append({"name": "side", "image": "busybox"})
    result = table([p], kind="Pod", group="", now=NOW)
    assert cells(result, wide=True) == [
        ["web", "1/2", "Running", "2 (3m ago)", "5m", "10.0.0.7", "node-1", "<none>", "1/1"]
    ]


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (
            {"phase": "Running", "containerStatuses": [{"name": "app", "restartCount": 4, "state": {"waiting": {"reason": "CrashLoopBackOff"}}}]},
            ["0/1", "CrashLoopBackOff", "4"],
        ),
        (
            {"phase": "Pending", "containerStatuses": [{"name": "app", "state": {"waiting": {"reason": "ContainerCreating"}}}]},
            ["0/1", "ContainerCreating", "0"],
        ),
        (
            {"phase": "Failed", "containerStatuses": [{"name": "app", "state": {"terminated": {"exitCode": 3}}}]},
            ["0/1", "ExitCode:3", "0"],
        ),
        (
            {"phase": "Succeeded", "containerStatuses": [{"name": "app", "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}]},
            ["0/1", "Completed", "0"],
        ),
        (
            {"phase": "Failed", "reason": "Evicted"},
            ["0/1", "Evicted", "0"],
        ),
        (
            {"phase": "Pending", "conditions": [{"type": "PodScheduled", "status": "False", "reason": "SchedulingGated"}]},
            ["0/1", "SchedulingGated", "0"],
        ),
    ],
)  # fmt: skip
def test_pod_status_reasons(status: dict[str, Any], expected: list[str]):
    result = table([pod("p", status)], kind="Pod", group="", now=NOW)
    assert cells(result)[0][1:4] == expected


def test_pod_with_init_containers():
    status = {
        "phase": "Pending",
        "initContainerStatuses": [
            {"name": "one", "state": {"terminated": {"exitCode": 0}}},
            {"name": "two", "state": {"running": {}}},
        ],
        "containerStatuses": [{"name": "app", "state": {"waiting": {"reason": "PodInitializing"}}}],
    }
    p = pod("p", status, initContainers=[{"name": "one"}, {"name": "two"}])
    assert cells(table([p], kind="Pod", group="", now=NOW))[0][2] == "Init:1/2"
    failing = copy.deepcopy(p)
    failing["status"]["initContainerStatuses"][1]["state"] = {
        "waiting": {"reason": "CrashLoopBackOff"}
    }
    assert cells(table([failing], kind="Pod", group="", now=NOW))[0][2] == "Init:CrashLoopBackOff"


def test_sidecar_counts_as_a_container():
    status = {
        "phase": "Running",
        "conditions": [{"type": "Initialized", "status": "True"}],
        "initContainerStatuses": [
            {"name": "proxy", "started": True, "ready": True, "state": {"running": {}}}
        ],
        "containerStatuses": [running()],
    }
    p = pod("p", status, initContainers=[{"name": "proxy", "restartPolicy": "Always"}])
    assert cells(table([p], kind="Pod", group="", now=NOW))[0][1:3] == ["2/2", "Running"]


def test_terminating_and_completed_pods():
    gone = pod("p", {"phase": "Running", "containerStatuses": [running()]})
    gone["metadata"]["deletionTimestamp"] = CREATED
    assert cells(table([gone], kind="Pod", group="", now=NOW))[0][2] == "Terminating"
    done = pod("q", {"phase": "Succeeded"})
    row = table([done], kind="Pod", group="", now=NOW)["rows"][0]
    assert row["conditions"] == [{"type": "Completed", "status": "True", "reason": "Succeeded"}]
    assert "conditions" not in table([pod("r")], kind="Pod", group="", now=NOW)["rows"][0]


# --------------------------------------------------------------------------- other kinds


def deployment(name: str, replicas: int | None = 3, **status: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "selector": {"matchLabels": {"app": name, "tier": "web"}},
        "template": {
            "metadata": {"labels": {"app": name}},
            "spec": {
                "containers": [{"name": "a", "image": "nginx:1"}, {"name": "b", "image": "redis"}]
            },
        },
    }
    if replicas is not None:
        spec["replicas"] = replicas
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": meta(name),
        "spec": spec,
        "status": status,
    }


def test_deployments():
    result = table(
        [
            deployment("web", readyReplicas=2, updatedReplicas=3, availableReplicas=2),
            deployment("new", None),
        ],
        kind="Deployment",
        group="apps",
        now=NOW,
    )
    assert headers(result) == ["Name", "Ready", "Up-to-date", "Available", "Age"]
    assert headers(result, wide=True)[5:] == ["Containers", "Images", "Selector"]
    types = {c["name"]: c["type"] for c in result["columnDefinitions"]}
    assert types["Up-to-date"] == types["Available"] == "integer"
    assert cells(result, wide=True) == [
        ["web", "2/3", 3, 2, "5m", "a,b", "nginx:1,redis", "app=web,tier=web"],
        ["new", "0/1", 0, 0, "5m", "a,b", "nginx:1,redis", "app=new,tier=web"],
    ]


def test_deployment_selector_with_expressions():
    d = deployment("web")
    d["spec"]["selector"] = {
        "matchLabels": {"b": "1"},
        "matchExpressions": [
            {"key": "a", "operator": "In", "values": ["y", "x"]},
            {"key": "c", "operator": "Exists"},
            {"key": "d", "operator": "DoesNotExist"},
            {"key": "e", "operator": "NotIn", "values": ["z"]},
        ],
    }
    assert cells(table([d], kind="Deployment", group="apps", now=NOW), wide=True)[0][-1] == (
        "a in (x,y),b=1,c,!d,e notin (z)"
    )


def service(name: str, **spec: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Service", "metadata": meta(name), "spec": spec}


def test_services():
    services = [
        service(
            "plain",
            clusterIP="10.96.0.10",
            clusterIPs=["10.96.0.10"],
            ports=[{"port": 53, "protocol": "UDP"}, {"port": 53, "protocol": "TCP"}],
            selector={"k8s-app": "dns"},
        ),
        service(
            "np", type="NodePort", clusterIP="10.96.0.11", ports=[{"port": 80, "nodePort": 30080}]
        ),
        service("lb", type="LoadBalancer", clusterIP="10.96.0.12", ports=[{"port": 443}]),
        service("ext", type="ExternalName", externalName="example.com"),
        service("headless", clusterIP="None"),
    ]
    result = table(services, kind="Service", group="", now=NOW)
    assert headers(result) == ["Name", "Type", "Cluster-IP", "External-IP", "Port(s)", "Age"]
    assert cells(result, wide=True) == [
        ["plain", "ClusterIP", "10.96.0.10", "<none>", "53/UDP,53/TCP", "5m", "k8s-app=dns"],
        ["np", "NodePort", "10.96.0.11", "<none>", "80:30080/TCP", "5m", "<none>"],
        ["lb", "LoadBalancer", "10.96.0.12", "<pending>", "443/TCP", "5m", "<none>"],
        ["ext", "ExternalName", "<none>", "example.com", "<none>", "5m", "<none>"],
        ["headless", "ClusterIP", "None", "<none>", "<none>", "5m", "<none>"],
    ]
    lb = service("lb", type="LoadBalancer", externalIPs=["1.2.3.4"])
    lb["status"] = {"loadBalancer": {"ingress": [{"ip": "5.6.7.8"}, {"hostname": "lb.example"}]}}
    assert (
        cells(table([lb], kind="Service", group="", now=NOW))[0][3] == "5.6.7.8,lb.example,1.2.3.4"
    )


def test_namespaces_configmaps_secrets():
    ns = {
        "kind": "Namespace",
        "metadata": {"name": "dev", "creationTimestamp": CREATED},
        "status": {"phase": "Active"},
    }
    result = table([ns], kind="Namespace", group="", now=NOW)
    assert headers(result) == ["Name", "Status", "Age"]
    assert cells(result) == [["dev", "Active", "5m"]]
    cm = {
        "kind": "ConfigMap",
        "metadata": meta("c"),
        "data": {"a": "1", "b": "2"},
        "binaryData": {"c": "AA=="},
    }
    result = table([cm], kind="ConfigMap", group="", now=NOW)
    assert headers(result) == ["Name", "Data", "Age"]
    assert cells(result) == [["c", 3, "5m"]]
    secret = {
        "kind": "Secret",
        "metadata": meta("s"),
        "type": "kubernetes.io/tls",
        "data": {"tls.crt": "", "tls.key": ""},
    }
    result = table([secret], kind="Secret", group="", now=NOW)
    assert headers(result) == ["Name", "Type", "Data", "Age"]
    assert cells(result) == [["s", "kubernetes.io/tls", 2, "5m"]]


def test_other_workloads():
    rs = deployment("rs", readyReplicas=1)
    rs["status"]["replicas"] = 2
    result = table([rs], kind="ReplicaSet", group="apps", now=NOW)
    assert headers(result) == ["Name", "Desired", "Current", "Ready", "Age"]
    assert cells(result) == [["rs", 3, 2, 1, "5m"]]
    result = table([deployment("db", readyReplicas=3)], kind="StatefulSet", group="apps", now=NOW)
    assert headers(result) == ["Name", "Ready", "Age"]
    assert cells(result) == [["db", "3/3", "5m"]]
    ds = deployment(
        "agent", None, desiredNumberScheduled=2, currentNumberScheduled=2, numberReady=1
    )
    result = table([ds], kind="DaemonSet", group="apps", now=NOW)
    assert headers(result) == [
        "Name",
        "Desired",
        "Current",
        "Ready",
        "Up-to-date",
        "Available",
        "Node Selector",
        "Age",
    ]
    assert cells(result) == [["agent", 2, 2, 1, 0, 0, "<none>", "5m"]]


def test_unknown_kinds_get_name_and_age():
    role = {"kind": "Role", "metadata": meta("r")}
    result = table([role], kind="Role", group="rbac.authorization.k8s.io", now=NOW)
    assert headers(result) == ["Name", "Age"]
    assert cells(result) == [["r", "5m"]]


def test_crds_themselves_show_created_at():
    crd = {
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.example.com", "creationTimestamp": CREATED},
    }
    result = table([crd], kind="CustomResourceDefinition", group="apiextensions.k8s.io", now=NOW)
    assert headers(result) == ["Name", "Created At"]
    assert cells(result) == [["widgets.example.com", CREATED]]


# --------------------------------------------------------------------------- custom resources


COLUMNS = [
    {"name": "Size", "type": "integer", "jsonPath": ".spec.size"},
    {"name": "Mode", "type": "string", "jsonPath": ".spec.mode", "description": "How it runs."},
    {
        "name": "Ready",
        "type": "string",
        "jsonPath": '.status.conditions[?(@.type=="Ready")].status',
    },
    {"name": "Enabled", "type": "boolean", "jsonPath": ".spec.enabled"},
    {"name": "First", "type": "string", "jsonPath": ".spec.items[0].name", "priority": 1},
    {"name": "Labels", "type": "string", "jsonPath": ".metadata.labels"},
    {"name": "Team", "type": "string", "jsonPath": ".metadata.labels['example.com/team']"},
    {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"},
]


def widget(name: str, **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "example.com/v1",
        "kind": "Widget",
        "metadata": meta(name, labels={"example.com/team": "blue", "app": "w"}),
        "spec": spec,
        "status": {
            "conditions": [
                {"type": "Synced", "status": "False"},
                {"type": "Ready", "status": "True"},
            ]
        },
    }


def test_crd_printer_columns():
    objects = [
        widget("w1", size=3, mode="fast", enabled=True, items=[{"name": "x"}]),
        widget("w2", size="not a number"),
    ]
    result = table(objects, kind="Widget", group="example.com", now=NOW, printer_columns=COLUMNS)
    assert headers(result, wide=True) == [
        "Name",
        "Size",
        "Mode",
        "Ready",
        "Enabled",
        "First",
        "Labels",
        "Team",
        "Age",
    ]
    definitions = {c["name"]: c for c in result["columnDefinitions"]}
    assert definitions["Size"]["type"] == "integer"
    assert definitions["Mode"]["description"] == "How it runs."
    assert definitions["First"]["priority"] == 1
    assert definitions["Age"]["type"] == "date"
    labels = '{"app":"w","example.com/team":"blue"}'
    assert cells(result, wide=True) == [
        ["w1", 3, "fast", "True", True, "x", labels, "blue", "5m"],
        ["w2", None, None, "True", None, None, labels, "blue", "5m"],
    ]


def test_crd_columns_without_age_get_no_age():
    # Like the real server: Age only when the CRD lists it, or when it lists no columns at all.
    result = table(
        [widget("w", size=1)],
        kind="Widget",
        group="example.com",
        now=NOW,
        printer_columns=COLUMNS[:1],
    )
    assert headers(result) == ["Name", "Size"]
    result = table([widget("w", size=1)], kind="Widget", group="example.com", now=NOW)
    assert headers(result) == ["Name", "Age"]
    assert result["columnDefinitions"][1]["type"] == "date"


def test_crd_column_with_an_unsupported_jsonpath_is_refused():
    with pytest.raises(ValueError, match="JSONPath"):
        table(
            [],
            kind="Widget",
            group="example.com",
            now=NOW,
            printer_columns=[{"name": "X", "type": "string", "jsonPath": ".a[?(@.b"}],
        )


# --------------------------------------------------------------------------- includeObject and metadata


def test_include_object_metadata_is_the_default():
    p = pod("p")
    row = table([p], kind="Pod", group="", now=NOW)["rows"][0]
    assert row["object"] == {
        "kind": "PartialObjectMetadata",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": p["metadata"],
    }
    assert table([p], kind="Pod", group="", now=NOW, include_object="")["rows"][0] == row


def test_include_object_object_and_none():
    p = pod("p")
    assert (
        table([p], kind="Pod", group="", now=NOW, include_object="Object")["rows"][0]["object"] == p
    )
    row = table([p], kind="Pod", group="", now=NOW, include_object="None")["rows"][0]
    assert "object" not in row
    assert row["cells"][0] == "p"


def test_include_object_rejects_other_values():
    with pytest.raises(ValueError, match="includeObject"):
        table([pod("p")], kind="Pod", group="", now=NOW, include_object="metadata")


def test_list_metadata_and_empty_tables():
    result = table(
        [], kind="Pod", group="", now=NOW, list_metadata={"resourceVersion": "9", "continue": "abc"}
    )
    assert result["metadata"] == {"resourceVersion": "9", "continue": "abc"}
    assert result["rows"] == []
    assert headers(result) == ["Name", "Ready", "Status", "Restarts", "Age"]
    assert table([], kind="Pod", group="", now=NOW)["metadata"] == {}


def test_the_table_is_json_and_does_not_alias_the_objects():
    p = pod("p")
    result = table([p], kind="Pod", group="", now=NOW, include_object="Object")
    json.dumps(result)
    result["rows"][0]["object"]["metadata"] = {}
    assert p["metadata"]["name"] == "p"


# --------------------------------------------------------------------------- age


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [
        (-5, "<invalid>"), (-1, "0s"), (0, "0s"), (59, "59s"), (119, "119s"), (120, "2m"),
        (125, "2m5s"), (599, "9m59s"), (600, "10m"), (10799, "179m"), (10800, "3h"),
        (3 * 3600 + 60 * 7, "3h7m"), (8 * 3600, "8h"), (47 * 3600, "47h"), (48 * 3600, "2d"),
        (3 * 86400 + 5 * 3600, "3d5h"), (8 * 86400, "8d"), (729 * 86400, "729d"),
        (730 * 86400, "2y"), (800 * 86400, "2y70d"), (8 * 365 * 86400, "8y"),
    ],
)  # fmt: skip
def test_human_duration(seconds: int, shown: str):
    assert human_duration(seconds) == shown


def test_age_against_now():
    p = pod("p")
    p["metadata"]["creationTimestamp"] = "2026-11-27T13:00:30.123456Z"
    assert cells(table([p], kind="Pod", group="", now=NOW))[0][4] == "7s"
    naive = NOW.replace(tzinfo=None) + timedelta(days=2)
    assert cells(table([p], kind="Pod", group="", now=naive))[0][4] == "2d"
    del p["metadata"]["creationTimestamp"]
    assert cells(table([p], kind="Pod", group="", now=NOW))[0][4] == "<unknown>"


def test_nodes():
    def node(name: str, ready: str | None, **extra: Any) -> dict[str, Any]:
        conditions = [{"type": "Ready", "status": ready}] if ready else []
        return {
            "apiVersion": "v1",
            "kind": "Node",
            "metadata": meta(name),
            "status": {"conditions": conditions},
            **extra,
        }

    control = node("cp", "True", spec={"unschedulable": True})
    control["metadata"]["labels"] = {
        "node-role.kubernetes.io/control-plane": "",
        "kubernetes.io/role": "master",
    }
    control["status"].update(
        addresses=[
            {"type": "Hostname", "address": "cp"},
            {"type": "InternalIP", "address": "10.0.0.1"},
        ],
        nodeInfo={"kubeletVersion": "v1.32.1", "osImage": "Debian", "kernelVersion": "6.1"},
    )
    result = table([control, node("w", "False"), node("new", None)], kind="Node", group="", now=NOW)
    assert headers(result) == ["Name", "Status", "Roles", "Age", "Version"]
    assert headers(result, wide=True)[5:] == [
        *("Internal-IP", "External-IP", "OS-Image", "Kernel-Version", "Container-Runtime")
    ]
    assert cells(result, wide=True) == [
        [
            *("cp", "Ready,SchedulingDisabled", "control-plane,master", "5m", "v1.32.1"),
            *("10.0.0.1", "<none>", "Debian", "6.1", "<unknown>"),
        ],
        ["w", "NotReady", "<none>", "5m", "<unknown>", "<none>", "<none>", *["<unknown>"] * 3],
        ["new", "Unknown", "<none>", "5m", "<unknown>", "<none>", "<none>", *["<unknown>"] * 3],
    ]


def test_jobs():
    def job(name: str, spec: dict[str, Any], status: dict[str, Any]) -> dict[str, Any]:
        template = {"spec": {"containers": [{"name": "c", "image": "busybox"}]}}
        return {
            "apiVersion": "batch/v1",
            "kind": "Job",
            "metadata": meta(name),
            "spec": {"template": template, **spec},
            "status": status,
        }

    def condition(kind: str, status: str = "True") -> dict[str, str]:
        return {"type": kind, "status": status}

    done = {
        "startTime": "2026-11-27T12:56:00Z",
        "completionTime": "2026-11-27T12:56:42Z",
        "succeeded": 3,
        "conditions": [condition("SuccessCriteriaMet"), condition("Complete")],
    }
    result = table(
        [
            job("done", {"completions": 3, "selector": {"matchLabels": {"j": "1"}}}, done),
            job("wide", {"parallelism": 4}, {"startTime": "2026-11-27T12:59:38Z"}),
            job("new", {}, {}),
            job("failed", {}, {"conditions": [condition("Failed")]}),
            job("paused", {}, {"conditions": [condition("Suspended")]}),
            job("resumed", {}, {"conditions": [condition("Suspended", "False")]}),
        ],
        kind="Job",
        group="batch",
        now=NOW,
    )
    assert headers(result) == ["Name", "Status", "Completions", "Duration", "Age"]
    assert headers(result, wide=True)[5:] == ["Containers", "Images", "Selector"]
    assert cells(result, wide=True) == [
        ["done", "Complete", "3/3", "42s", "5m", "c", "busybox", "j=1"],
        ["wide", "Running", "0/1 of 4", "60s", "5m", "c", "busybox", "<none>"],
        ["new", "Running", "0/1", "", "5m", "c", "busybox", "<none>"],
        ["failed", "Failed", "0/1", "", "5m", "c", "busybox", "<none>"],
        ["paused", "Suspended", "0/1", "", "5m", "c", "busybox", "<none>"],
        ["resumed", "Running", "0/1", "", "5m", "c", "busybox", "<none>"],
    ]


def test_cronjobs():
    template = {"spec": {"template": {"spec": {"containers": [{"name": "c", "image": "b"}]}}}}
    tick = {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": meta("tick"),
        "spec": {"schedule": "*/5 * * * *", "suspend": False, "jobTemplate": template},
        "status": {"active": [{"name": "tick-1"}], "lastScheduleTime": "2026-11-27T13:00:00Z"},
    }
    berlin = {
        **tick,
        "metadata": meta("berlin"),
        "spec": {"schedule": "@daily", "timeZone": "Europe/Berlin", "jobTemplate": template},
        "status": {},
    }
    result = table([tick, berlin], kind="CronJob", group="batch", now=NOW)
    assert headers(result) == [
        *("Name", "Schedule", "Timezone", "Suspend", "Active", "Last Schedule", "Age")
    ]
    assert cells(result, wide=True) == [
        ["tick", "*/5 * * * *", "<none>", "False", 1, "38s", "5m", "c", "b", "<none>"],
        ["berlin", "@daily", "Europe/Berlin", "<unset>", 0, "<none>", "5m", "c", "b", "<none>"],
    ]


def test_ingresses():
    def ingress(name: str, spec: dict[str, Any], status: dict[str, Any]) -> dict[str, Any]:
        return {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "Ingress",
            "metadata": meta(name),
            "spec": spec,
            "status": status,
        }

    rules = [{"host": f"h{n}.example.com"} for n in range(5)]
    balanced = {"loadBalancer": {"ingress": [{"ip": "192.0.2.1"}, {"hostname": "lb.example"}]}}
    result = table(
        [
            ingress("site", {"ingressClassName": "nginx", "rules": rules[:2], "tls": [{}]}, {}),
            ingress("many", {"rules": rules}, balanced),
            ingress("any", {"rules": [{}]}, {}),
        ],
        kind="Ingress",
        group="networking.k8s.io",
        now=NOW,
    )
    assert headers(result) == ["Name", "Class", "Hosts", "Address", "Ports", "Age"]
    assert cells(result) == [
        ["site", "nginx", "h0.example.com,h1.example.com", "", "80, 443", "5m"],
        [
            *("many", "<none>", "h0.example.com,h1.example.com,h2.example.com + 2 more..."),
            *("192.0.2.1,lb.example", "80", "5m"),
        ],
        ["any", "<none>", "*", "", "80", "5m"],
    ]


def test_pod_disruption_budgets():
    def budget(name: str, spec: dict[str, Any], allowed: int) -> dict[str, Any]:
        return {
            "apiVersion": "policy/v1",
            "kind": "PodDisruptionBudget",
            "metadata": meta(name),
            "spec": spec,
            "status": {"disruptionsAllowed": allowed},
        }

    result = table(
        [budget("half", {"minAvailable": "50%"}, 1), budget("one", {"maxUnavailable": 1}, 0)],
        kind="PodDisruptionBudget",
        group="policy",
        now=NOW,
    )
    assert headers(result) == [
        *("Name", "Min Available", "Max Unavailable", "Allowed Disruptions", "Age")
    ]
    assert cells(result) == [["half", "50%", "N/A", 1, "5m"], ["one", "N/A", "1", 0, "5m"]]

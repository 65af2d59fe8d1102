"""Server-side printing: the meta.k8s.io/v1 Table the fake answers ``kubectl get`` with."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

__all__ = ["INCLUDE_OBJECT_POLICIES", "human_duration", "table"]

INCLUDE_OBJECT_POLICIES = ("None", "Metadata", "Object")
"""The values ``?includeObject=`` takes (an empty value means ``Metadata``)."""

_NONE = "<none>"
Obj = Mapping[str, Any]
Cell = Callable[[Obj, datetime], Any]


@dataclass(frozen=True)
class _Column:
    name: str
    cell: Cell
    type: str = "string"
    description: str = ""
    priority: int = 0
    format: str = ""

    def definition(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type,
            "format": self.format,
            "description": self.description,
            "priority": self.priority,
        }


# --------------------------------------------------------------------------- small helpers


def _get(obj: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(obj, Mapping):
            return None
        obj = obj.get(key)
    return obj


def _int(value: Any) -> int:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (int, float)):
        return int(value)
    return 0


def _list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else []


def _map(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


_TIME = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|z|[+-]\d{2}:\d{2})$"
)


def _parse_time(value: Any) -> datetime | None:
    """An RFC 3339 timestamp (``metav1.Time``/``MicroTime``), or None."""
    if not isinstance(value, str):
        return None
    match = _TIME.match(value.strip())
    if not match:
        return None
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    micros = int((fraction or "0")[:6].ljust(6, "0"))
    offset = "+00:00" if zone in ("Z", "z") else zone
    try:
        return datetime.fromisoformat(
            f"{year}-{month}-{day}T{hour}:{minute}:{second}.{micros:06d}{offset}"
        )
    except ValueError:
        return None


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


def human_duration(seconds: float) -> str:
    """A duration the way kubectl's AGE column shows it: ``5s``, ``3m20s``, ``2d4h``, ``3y``."""
    whole = int(seconds)  # truncates toward zero, like Go's int(d.Seconds())
    if whole < -1:
        return "<invalid>"
    if whole < 0:
        return "0s"
    if whole < 120:
        return f"{whole}s"
    minutes = whole // 60
    if minutes < 10:
        rest = whole % 60
        return f"{minutes}m" if rest == 0 else f"{minutes}m{rest}s"
    if minutes < 180:
        return f"{minutes}m"
    hours = whole // 3600
    if hours < 8:
        rest = minutes % 60
        return f"{hours}h" if rest == 0 else f"{hours}h{rest}m"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        rest = hours % 24
        return f"{hours // 24}d" if rest == 0 else f"{hours // 24}d{rest}h"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        rest = (hours // 24) % 365
        years = hours // 24 // 365
        return f"{years}y" if rest == 0 else f"{years}y{rest}d"
    return f"{hours // 24 // 365}y"


def _since(value: Any, now: datetime) -> str:
    moment = _parse_time(value)
    if moment is None:
        return "<unknown>"
    return human_duration((_aware(now) - moment).total_seconds())


def _format_labels(labels: Any) -> str:
    """``labels.FormatLabels``: ``a=b,c=d`` sorted by key, ``<none>`` when empty."""
    pairs = sorted(_map(labels).items())
    return ",".join(f"{key}={value}" for key, value in pairs) if pairs else _NONE


def _selector_string(selector: Any) -> str:
    """``LabelSelectorAsSelector(s).String()``: requirements sorted by key."""
    selector = _map(selector)
    requirements: list[tuple[str, str]] = []
    for key, value in _map(selector.get("matchLabels")).items():
        requirements.append((key, f"{key}={value}"))
    for expression in _list(selector.get("matchExpressions")):
        expression = _map(expression)
        key = str(expression.get("key", ""))
        operator = expression.get("operator")
        values = ",".join(sorted(str(v) for v in _list(expression.get("values"))))
        if operator == "In":
            requirements.append((key, f"{key} in ({values})"))
        elif operator == "NotIn":
            requirements.append((key, f"{key} notin ({values})"))
        elif operator == "Exists":
            requirements.append((key, key))
        elif operator == "DoesNotExist":
            requirements.append((key, f"!{key}"))
    return ",".join(text for _, text in sorted(requirements, key=lambda item: item[0]))


def _containers_and_images(pod_spec: Any) -> tuple[str, str]:
    containers = [_map(c) for c in _list(_map(pod_spec).get("containers"))]
    names = ",".join(str(c.get("name", "")) for c in containers)
    images = ",".join(str(c.get("image", "")) for c in containers)
    return names, images


def _name(obj: Obj, now: datetime) -> Any:
    return _get(obj, "metadata", "name") or ""


def _age(obj: Obj, now: datetime) -> str:
    return _since(_get(obj, "metadata", "creationTimestamp"), now)


_NAME = _Column(
    "Name",
    _name,
    format="name",
    description="The object's name (metadata.name), unique in its scope.",
)
_AGE = _Column("Age", _age, description="How long ago the object was created.")


def _wide(name: str, cell: Cell, description: str, type_: str = "string") -> _Column:
    return _Column(name, cell, type=type_, description=description, priority=1)


# --------------------------------------------------------------------------- pods


def _pod_row(pod: Obj, now: datetime) -> tuple[list[Any], list[dict[str, Any]]]:
    """Ready, Status, Restarts, Age, IP, Node, Nominated Node, Readiness Gates (like printPod)."""
    spec, status = _map(pod.get("spec")), _map(pod.get("status"))
    phase = str(status.get("phase") or "")
    reason = str(status.get("reason") or "") or phase
    conditions = [_map(c) for c in _list(status.get("conditions"))]
    for condition in conditions:
        if condition.get("type") == "PodScheduled" and condition.get("reason") == "SchedulingGated":
            reason = "SchedulingGated"

    init_specs = {str(_map(c).get("name")): _map(c) for c in _list(spec.get("initContainers"))}

    def sidecar(name: Any) -> bool:
        return init_specs.get(str(name), {}).get("restartPolicy") == "Always"

    total = len(_list(spec.get("containers"))) + sum(1 for name in init_specs if sidecar(name))
    ready = 0
    restarts = sidecar_restarts = 0
    last_restart: datetime | None = None
    last_sidecar_restart: datetime | None = None

    def later(current: datetime | None, state: Mapping[str, Any]) -> datetime | None:
        finished = _parse_time(_get(state, "lastState", "terminated", "finishedAt"))
        if finished is not None and (current is None or finished > current):
            return finished
        return current

    initializing = False
    init_statuses = [_map(s) for s in _list(status.get("initContainerStatuses"))]
    for index, container in enumerate(init_statuses):
        restarts += _int(container.get("restartCount"))
        last_restart = later(last_restart, container)
        if sidecar(container.get("name")):
            sidecar_restarts += _int(container.get("restartCount"))
            last_sidecar_restart = later(last_sidecar_restart, container)
        terminated = _map(_get(container, "state", "terminated"))
        waiting = _map(_get(container, "state", "waiting"))
        if _get(container, "state", "terminated") is not None and not _int(
            terminated.get("exitCode")
        ):
            continue
        if sidecar(container.get("name")) and container.get("started") is True:
            if container.get("ready") is True:
                ready += 1
            continue
        if _get(container, "state", "terminated") is not None:
            if terminated.get("reason"):
                reason = f"Init:{terminated['reason']}"
            elif _int(terminated.get("signal")):
                reason = f"Init:Signal:{_int(terminated.get('signal'))}"
            else:
                reason = f"Init:ExitCode:{_int(terminated.get('exitCode'))}"
        elif waiting.get("reason") and waiting.get("reason") != "PodInitializing":
            reason = f"Init:{waiting['reason']}"
        else:
            reason = f"Init:{index}/{len(init_specs)}"
        initializing = True
        break

    initialized = any(
        c.get("type") == "Initialized" and c.get("status") == "True" for c in conditions
    )
    if not initializing or initialized:
        restarts, last_restart = sidecar_restarts, last_sidecar_restart
        running = False
        for container in reversed([_map(s) for s in _list(status.get("containerStatuses"))]):
            restarts += _int(container.get("restartCount"))
            last_restart = later(last_restart, container)
            state = _map(container.get("state"))
            waits, ended = _map(state.get("waiting")), state.get("terminated")
            if waits.get("reason"):
                reason = str(waits["reason"])
            elif isinstance(ended, Mapping) and ended.get("reason"):
                reason = str(ended["reason"])
            elif isinstance(ended, Mapping):
                signal = _int(ended.get("signal"))
                exit_code = _int(ended.get("exitCode"))
                reason = f"Signal:{signal}" if signal else f"ExitCode:{exit_code}"
            elif container.get("ready") is True and state.get("running") is not None:
                running = True
                ready += 1
        if reason == "Completed" and running:
            pod_ready = any(
                c.get("type") == "Ready" and c.get("status") == "True" for c in conditions
            )
            reason = "Running" if pod_ready else "NotReady"

    deleting = _get(pod, "metadata", "deletionTimestamp") is not None
    if deleting and status.get("reason") == "NodeLost":
        reason = "Unknown"
    elif deleting and phase not in ("Succeeded", "Failed"):
        reason = "Terminating"

    restarts_cell = str(restarts)
    if restarts and last_restart is not None:
        ago = human_duration((_aware(now) - last_restart).total_seconds())
        restarts_cell = f"{restarts} ({ago} ago)"

    pod_ips = [_map(ip).get("ip") for ip in _list(status.get("podIPs"))]
    ip = (pod_ips[0] if pod_ips else None) or status.get("podIP") or _NONE
    gates = [_map(g).get("conditionType") for g in _list(spec.get("readinessGates"))]
    gates_cell = _NONE
    if gates:
        true = {c.get("type") for c in conditions if c.get("status") == "True"}
        gates_cell = f"{sum(1 for gate in gates if gate in true)}/{len(gates)}"
    cells = [
        f"{ready}/{total}",
        reason,
        restarts_cell,
        _age(pod, now),
        ip,
        spec.get("nodeName") or _NONE,
        status.get("nominatedNodeName") or _NONE,
        gates_cell,
    ]
    row_conditions: list[dict[str, Any]] = []
    if phase in ("Succeeded", "Failed"):
        row_conditions.append({"type": "Completed", "status": "True", "reason": phase})
    return cells, row_conditions


def _pod_cell(index: int) -> Cell:
    return lambda obj, now: _pod_row(obj, now)[0][index]


_POD = (
    _Column("Ready", _pod_cell(0), description="Ready containers out of all containers."),
    _Column("Status", _pod_cell(1), description="The pod's status as kubectl summarises it."),
    _Column("Restarts", _pod_cell(2), description="Container restarts, and when the last was."),
    _Column("Age", _pod_cell(3), description=_AGE.description),
    _wide("IP", _pod_cell(4), "The pod's first IP address."),
    _wide("Node", _pod_cell(5), "The node the pod is scheduled to."),
    _wide("Nominated Node", _pod_cell(6), "The node a preempting pod is nominated for."),
    _wide("Readiness Gates", _pod_cell(7), "Readiness gates that are true, out of all."),
)


# --------------------------------------------------------------------------- workloads


def _spec_replicas(obj: Obj) -> int:
    replicas = _get(obj, "spec", "replicas")
    return 1 if replicas is None else _int(replicas)


def _status_int(*path: str) -> Cell:
    return lambda obj, now: _int(_get(obj, "status", *path))


def _template_containers(obj: Obj, now: datetime) -> str:
    return _containers_and_images(_get(obj, "spec", "template", "spec"))[0]


def _template_images(obj: Obj, now: datetime) -> str:
    return _containers_and_images(_get(obj, "spec", "template", "spec"))[1]


def _selector(obj: Obj, now: datetime) -> str:
    return _selector_string(_get(obj, "spec", "selector"))


_CONTAINERS = _wide("Containers", _template_containers, "Names of the pod template's containers.")
_IMAGES = _wide("Images", _template_images, "Images of the pod template's containers.")
_SELECTOR = _wide("Selector", _selector, "The label selector of the pods it manages.")

_DEPLOYMENT = (
    _Column(
        "Ready",
        lambda obj, now: f"{_int(_get(obj, 'status', 'readyReplicas'))}/{_spec_replicas(obj)}",
        description="Ready replicas out of desired replicas.",
    ),
    _Column(
        "Up-to-date",
        _status_int("updatedReplicas"),
        type="integer",
        description="Replicas updated to the current template.",
    ),
    _Column(
        "Available",
        _status_int("availableReplicas"),
        type="integer",
        description="Replicas available to serve.",
    ),
    _AGE,
    _CONTAINERS,
    _IMAGES,
    _SELECTOR,
)

_REPLICA_SET = (
    _Column(
        "Desired",
        lambda obj, now: _spec_replicas(obj),
        type="integer",
        description="Desired replicas.",
    ),
    _Column("Current", _status_int("replicas"), type="integer", description="Current replicas."),
    _Column("Ready", _status_int("readyReplicas"), type="integer", description="Ready replicas."),
    _AGE,
    _CONTAINERS,
    _IMAGES,
    _SELECTOR,
)

_STATEFUL_SET = (
    _Column(
        "Ready",
        lambda obj, now: f"{_int(_get(obj, 'status', 'readyReplicas'))}/{_spec_replicas(obj)}",
        description="Ready replicas out of desired replicas.",
    ),
    _AGE,
    _CONTAINERS,
    _IMAGES,
)

_DAEMON_SET = (
    _Column(
        "Desired",
        _status_int("desiredNumberScheduled"),
        type="integer",
        description="Nodes that should run the pod.",
    ),
    _Column(
        "Current",
        _status_int("currentNumberScheduled"),
        type="integer",
        description="Nodes running the pod.",
    ),
    _Column(
        "Ready",
        _status_int("numberReady"),
        type="integer",
        description="Nodes with the pod ready.",
    ),
    _Column(
        "Up-to-date",
        _status_int("updatedNumberScheduled"),
        type="integer",
        description="Nodes running the current template.",
    ),
    _Column(
        "Available",
        _status_int("numberAvailable"),
        type="integer",
        description="Nodes with the pod available.",
    ),
    _Column(
        "Node Selector",
        lambda obj, now: _format_labels(_get(obj, "spec", "template", "spec", "nodeSelector")),
        description="The pod template's node selector.",
    ),
    _AGE,
    _CONTAINERS,
    _IMAGES,
    _SELECTOR,
)


def _has_condition(obj: Obj, kind: str) -> bool:
    return any(
        _map(c).get("type") == kind and _map(c).get("status") == "True"
        for c in _list(_get(obj, "status", "conditions"))
    )


def _job_status(obj: Obj, now: datetime) -> str:
    # The first that holds, in the server's order: a finished job says so even while it goes.
    if _has_condition(obj, "Complete"):
        return "Complete"
    if _has_condition(obj, "Failed"):
        return "Failed"
    if _get(obj, "metadata", "deletionTimestamp"):
        return "Terminating"
    if _has_condition(obj, "Suspended"):
        return "Suspended"
    if _has_condition(obj, "FailureTarget"):
        return "FailureTarget"
    return "Running"


def _job_completions(obj: Obj, now: datetime) -> str:
    succeeded = _int(_get(obj, "status", "succeeded"))
    completions = _get(obj, "spec", "completions")
    if completions is not None:
        return f"{succeeded}/{_int(completions)}"
    parallelism = _int(_get(obj, "spec", "parallelism"))
    return f"{succeeded}/1 of {parallelism}" if parallelism > 1 else f"{succeeded}/1"


def _job_duration(obj: Obj, now: datetime) -> str:
    started = _parse_time(_get(obj, "status", "startTime"))
    if started is None:
        return ""
    ended = _parse_time(_get(obj, "status", "completionTime")) or _aware(now)
    return human_duration((ended - started).total_seconds())


def _selector_or_none(*path: str) -> Cell:
    return lambda obj, now: _selector_string(_get(obj, *path)) or _NONE


def _job_template(index: int) -> Cell:
    return lambda obj, now: _containers_and_images(
        _get(obj, "spec", "jobTemplate", "spec", "template", "spec")
    )[index]


_JOB = (
    _Column("Status", _job_status, description="Whether the job runs, completed or failed."),
    _Column("Completions", _job_completions, description="Succeeded pods out of those wanted."),
    _Column("Duration", _job_duration, description="How long the job ran (or has run)."),
    _AGE,
    _CONTAINERS,
    _IMAGES,
    _wide("Selector", _selector_or_none("spec", "selector"), "The label selector of its pods."),
)


def _suspend(obj: Obj, now: datetime) -> str:
    value = _get(obj, "spec", "suspend")
    return "<unset>" if value is None else ("True" if value is True else "False")


def _last_schedule(obj: Obj, now: datetime) -> str:
    value = _get(obj, "status", "lastScheduleTime")
    return _NONE if value is None else _since(value, now)


_CRON_JOB = (
    _Column(
        "Schedule",
        lambda obj, now: str(_get(obj, "spec", "schedule") or ""),
        description="When it makes a job, in cron format.",
    ),
    _Column(
        "Timezone",
        lambda obj, now: str(_get(obj, "spec", "timeZone") or _NONE),
        description="The time zone its schedule is read in.",
    ),
    _Column("Suspend", _suspend, type="boolean", description="Whether it makes no more jobs."),
    _Column(
        "Active",
        lambda obj, now: len(_list(_get(obj, "status", "active"))),
        type="integer",
        description="Jobs of it running now.",
    ),
    _Column("Last Schedule", _last_schedule, description="When it last made a job."),
    _AGE,
    _wide("Containers", _job_template(0), "Names of the job template's containers."),
    _wide("Images", _job_template(1), "Images of the job template's containers."),
    _wide(
        "Selector",
        _selector_or_none("spec", "jobTemplate", "spec", "selector"),
        "The job template's label selector.",
    ),
)


# --------------------------------------------------------------------------- services and more


def _service_type(obj: Obj) -> str:
    return str(_get(obj, "spec", "type") or "ClusterIP")


def _cluster_ip(obj: Obj, now: datetime) -> str:
    ips = _list(_get(obj, "spec", "clusterIPs"))
    return str(ips[0] if ips else _get(obj, "spec", "clusterIP") or _NONE)


def _external_ip(obj: Obj, now: datetime) -> str:
    spec = _map(obj.get("spec"))
    external = [str(ip) for ip in _list(spec.get("externalIPs"))]
    kind = _service_type(obj)
    if kind in ("ClusterIP", "NodePort"):
        return ",".join(external) if external else _NONE
    if kind == "LoadBalancer":
        ingress = [_map(i) for i in _list(_get(obj, "status", "loadBalancer", "ingress"))]
        balancers = [str(i.get("ip") or i.get("hostname") or "") for i in ingress]
        balancers = [b for b in balancers if b]
        if external:
            return ",".join([*balancers, *external])
        return ",".join(balancers) if balancers else "<pending>"
    if kind == "ExternalName":
        return str(spec.get("externalName") or "")
    return "<unknown>"


def _ports(obj: Obj, now: datetime) -> str:
    pieces = []
    for port in (_map(p) for p in _list(_get(obj, "spec", "ports"))):
        protocol = port.get("protocol") or "TCP"
        if _int(port.get("nodePort")) > 0:
            pieces.append(f"{_int(port.get('port'))}:{_int(port.get('nodePort'))}/{protocol}")
        else:
            pieces.append(f"{_int(port.get('port'))}/{protocol}")
    return ",".join(pieces) or _NONE


_SERVICE = (
    _Column("Type", lambda obj, now: _service_type(obj), description="How the service is exposed."),
    _Column("Cluster-IP", _cluster_ip, description="The service's cluster IP."),
    _Column("External-IP", _external_ip, description="Addresses reachable from outside."),
    _Column("Port(s)", _ports, description="The service's ports."),
    _AGE,
    _wide(
        "Selector",
        lambda obj, now: _format_labels(_get(obj, "spec", "selector")),
        "The labels of the pods it routes to.",
    ),
)

_NAMESPACE = (
    _Column(
        "Status",
        lambda obj, now: str(_get(obj, "status", "phase") or ""),
        description="The namespace's phase.",
    ),
    _AGE,
)

_CONFIG_MAP = (
    _Column(
        "Data",
        lambda obj, now: len(_map(obj.get("data"))) + len(_map(obj.get("binaryData"))),
        description="Number of data entries.",
    ),
    _AGE,
)

_SECRET = (
    _Column(
        "Type",
        lambda obj, now: str(obj.get("type") or "Opaque"),
        description="The secret's type.",
    ),
    _Column(
        "Data",
        lambda obj, now: len(_map(obj.get("data"))),
        description="Number of data entries.",
    ),
    _AGE,
)

_SERVICE_ACCOUNT = (
    _Column(
        "Secrets",
        lambda obj, now: len(_list(obj.get("secrets"))),
        description="Number of secrets it lists.",
    ),
    _AGE,
)

_ROLE_PREFIX = "node-role.kubernetes.io/"


def _node_status(obj: Obj, now: datetime) -> str:
    # Ready's status decides; no Ready condition at all reads Unknown, and a cordoned node
    # says so after it, as the server's node printer does.
    ready = [c for c in _list(_get(obj, "status", "conditions")) if _map(c).get("type") == "Ready"]
    status = "Unknown"
    if ready:
        status = "Ready" if _map(ready[0]).get("status") == "True" else "NotReady"
    if _get(obj, "spec", "unschedulable") is True:
        status += ",SchedulingDisabled"
    return status


def _node_roles(obj: Obj, now: datetime) -> str:
    labels = _map(_get(obj, "metadata", "labels"))
    roles = {key.removeprefix(_ROLE_PREFIX) for key in labels if key.startswith(_ROLE_PREFIX)}
    if labels.get("kubernetes.io/role"):
        roles.add(str(labels["kubernetes.io/role"]))
    return ",".join(sorted(role for role in roles if role)) or _NONE


def _node_address(kind: str) -> Cell:
    def cell(obj: Obj, now: datetime) -> str:
        for address in _list(_get(obj, "status", "addresses")):
            if _map(address).get("type") == kind:
                return str(_map(address).get("address") or _NONE)
        return _NONE

    return cell


def _node_info(key: str) -> Cell:
    return lambda obj, now: str(_get(obj, "status", "nodeInfo", key) or "<unknown>")


_NODE = (
    _Column("Status", _node_status, description="Whether the kubelet reports the node ready."),
    _Column("Roles", _node_roles, description="The roles its node-role labels give it."),
    _AGE,
    _Column("Version", _node_info("kubeletVersion"), description="The kubelet's version."),
    _wide("Internal-IP", _node_address("InternalIP"), "Its first internal address."),
    _wide("External-IP", _node_address("ExternalIP"), "Its first external address."),
    _wide("OS-Image", _node_info("osImage"), "The operating system image it reports."),
    _wide("Kernel-Version", _node_info("kernelVersion"), "The kernel version it reports."),
    _wide(
        "Container-Runtime",
        _node_info("containerRuntimeVersion"),
        "The container runtime and its version.",
    ),
)


def _ingress_hosts(obj: Obj, now: datetime) -> str:
    # At most three hosts named; a rule with no host matches any ("*" when none names one).
    rules = _list(_get(obj, "spec", "rules"))
    hosts = [str(h) for h in (_map(rule).get("host") for rule in rules[:3]) if h]
    if not hosts:
        return "*"
    more = len(rules) - 3
    return ",".join(hosts) + (f" + {more} more..." if more > 0 else "")


def _ingress_address(obj: Obj, now: datetime) -> str:
    # Never cut short: the server renders its tables as wide, whatever kubectl then shows.
    found = []
    for entry in _list(_get(obj, "status", "loadBalancer", "ingress")):
        entry = _map(entry)
        address = entry.get("ip") or entry.get("hostname")
        if address:
            found.append(str(address))
    return ",".join(found)


_INGRESS = (
    _Column(
        "Class",
        lambda obj, now: str(_get(obj, "spec", "ingressClassName") or _NONE),
        description="The ingress class that serves it.",
    ),
    _Column("Hosts", _ingress_hosts, description="The hosts its rules match."),
    _Column("Address", _ingress_address, description="Where its load balancer answers."),
    _Column(
        "Ports",
        lambda obj, now: "80, 443" if _list(_get(obj, "spec", "tls")) else "80",
        description="The ports it serves: 443 too when it has TLS.",
    ),
    _AGE,
)


def _int_or_percent(*path: str) -> Cell:
    def cell(obj: Obj, now: datetime) -> str:
        value = _get(obj, *path)
        return "N/A" if value is None else str(value)

    return cell


_POD_DISRUPTION_BUDGET = (
    _Column(
        "Min Available",
        _int_or_percent("spec", "minAvailable"),
        description="Pods that must stay available.",
    ),
    _Column(
        "Max Unavailable",
        _int_or_percent("spec", "maxUnavailable"),
        description="Pods that may be unavailable.",
    ),
    _Column(
        "Allowed Disruptions",
        _status_int("disruptionsAllowed"),
        type="integer",
        description="Evictions allowed now.",
    ),
    _AGE,
)

_CREATED_AT = (
    _Column(
        "Created At",
        lambda obj, now: _get(obj, "metadata", "creationTimestamp"),
        type="date",
        description="When the object was created.",
    ),
)

_PRINTERS: dict[tuple[str, str], tuple[_Column, ...]] = {
    ("", "Pod"): _POD,
    ("", "Service"): _SERVICE,
    ("", "Namespace"): _NAMESPACE,
    ("", "Node"): _NODE,
    ("", "ConfigMap"): _CONFIG_MAP,
    ("", "Secret"): _SECRET,
    ("", "ServiceAccount"): _SERVICE_ACCOUNT,
    ("apps", "Deployment"): _DEPLOYMENT,
    ("apps", "ReplicaSet"): _REPLICA_SET,
    ("apps", "StatefulSet"): _STATEFUL_SET,
    ("apps", "DaemonSet"): _DAEMON_SET,
    ("batch", "Job"): _JOB,
    ("batch", "CronJob"): _CRON_JOB,
    ("networking.k8s.io", "Ingress"): _INGRESS,
    ("policy", "PodDisruptionBudget"): _POD_DISRUPTION_BUDGET,
    # No printer upstream: the default table convertor's "Created At".
    ("apiextensions.k8s.io", "CustomResourceDefinition"): _CREATED_AT,
}

_DEFAULT = (_Column("Age", _age, type="date", description=_AGE.description),)


# --------------------------------------------------------------------------- CRD printer columns


class _JSONPath:
    """The JSONPath subset CRD printer columns use: ``.a.b``, ``['k']``, ``[0]``, ``[*]``,
    ``[?(@.type=="Ready")]``; evaluates to the list of matches."""

    _TOKEN = re.compile(
        r"""\.\.?(?P<name>[^.\[\]]+)      # .name
          | \[\s*(?P<index>-?\d+)\s*\]   # [0]
          | \[\s*(?P<star>\*)\s*\]        # [*]
          | \[\s*(?P<quote>['"])(?P<key>.*?)(?P=quote)\s*\]   # ['key']
          | \[\s*\?\(\s*@(?P<fpath>(?:\.[^.\[\]=!<>()\s]+)+)\s*
                (?:(?P<op>==|!=)\s*(?P<lit>'[^']*'|"[^"]*"|[^)\s]+))?\s*\)\s*\]   # [?(...)]
          | \.(?=\[)                      # a dot before a bracket
        """,
        re.VERBOSE,
    )

    def __init__(self, expression: str) -> None:
        text = expression.strip()
        if text.startswith("{") and text.endswith("}"):
            text = text[1:-1].strip()
        text = text.removeprefix("$")
        self.steps: list[Callable[[Any], Iterable[Any]]] = []
        position = 0
        while position < len(text):
            match = self._TOKEN.match(text, position)
            if match is None or match.end() == position:
                raise ValueError(f"unsupported JSONPath {expression!r}")
            position = match.end()
            step = self._step(match)
            if step is not None:
                self.steps.append(step)

    @staticmethod
    def _step(match: re.Match[str]) -> Callable[[Any], Iterable[Any]] | None:
        groups = match.groupdict()
        if groups["name"] is not None or groups["key"] is not None:
            key = groups["name"] if groups["name"] is not None else groups["key"]
            return lambda value: [value[key]] if isinstance(value, Mapping) and key in value else []
        if groups["index"] is not None:
            index = int(groups["index"])

            def pick(value: Any) -> list[Any]:
                if isinstance(value, list) and -len(value) <= index < len(value):
                    return [value[index]]
                return []

            return pick
        if groups["star"] is not None:
            return lambda value: (
                list(value.values())
                if isinstance(value, Mapping)
                else list(value)
                if isinstance(value, list)
                else []
            )
        if groups["fpath"] is not None:
            keys = groups["fpath"].strip(".").split(".")
            op, literal = groups["op"], groups["lit"]
            wanted = _literal(literal) if literal is not None else None

            def keep(item: Any) -> bool:
                found = _get(item, *keys)
                if op is None:
                    return found is not None
                equal = found == wanted or (found is not None and str(found) == str(wanted))
                return equal if op == "==" else not equal

            return lambda value: [item for item in _list(value) if keep(item)]
        return None

    def find(self, obj: Any) -> list[Any]:
        values = [obj]
        for step in self.steps:
            values = [found for value in values for found in step(value)]
        return values


def _literal(text: str) -> Any:
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    if text in ("true", "false"):
        return text == "true"
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text


def _as_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (Mapping, list)):
        return json.dumps(value, sort_keys=True, separators=(",", ":"))
    return str(value)


def _typed_cell(column_type: str, value: Any, now: datetime) -> Any:
    """A CRD column's cell, like the apiextensions table convertor (None when it does not fit)."""
    if value is None:
        return None
    if column_type == "string":
        return _as_text(value)
    if column_type == "integer" and isinstance(value, (int, float)) and not isinstance(value, bool):
        return int(value)
    if column_type == "number" and isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if column_type == "boolean" and isinstance(value, bool):
        return value
    if column_type == "date" and isinstance(value, str):
        moment = _parse_time(value)
        if moment is None:
            return "<invalid>"
        return human_duration((_aware(now) - moment).total_seconds())
    return None


def _custom_columns(printer_columns: Sequence[Mapping[str, Any]]) -> tuple[_Column, ...]:
    columns = []
    for spec in printer_columns:
        path = str(spec.get("jsonPath") or spec.get("JSONPath") or "")
        finder = _JSONPath(path)
        column_type = str(spec.get("type") or "string")

        def cell(
            obj: Obj, now: datetime, finder: _JSONPath = finder, kind: str = column_type
        ) -> Any:
            found = finder.find(obj)
            return _typed_cell(kind, found[0], now) if found else None

        columns.append(
            _Column(
                str(spec.get("name") or ""),
                cell,
                type=column_type,
                format=str(spec.get("format") or ""),
                description=str(spec.get("description") or f"JSONPath {path}"),
                priority=_int(spec.get("priority")),
            )
        )
    return tuple(columns)


# --------------------------------------------------------------------------- the table


def _columns(
    group: str, kind: str, printer_columns: Sequence[Mapping[str, Any]]
) -> tuple[_Column, ...]:
    if printer_columns:
        return (_NAME, *_custom_columns(printer_columns))
    return (_NAME, *_PRINTERS.get((group, kind), _DEFAULT))


def _row_object(obj: Obj, include_object: str) -> dict[str, Any] | None:
    if include_object == "None":
        return None
    if include_object == "Object":
        return dict(obj)
    return {
        "kind": "PartialObjectMetadata",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": dict(_map(obj.get("metadata"))),
    }


def table(
    objects: Sequence[Mapping[str, Any]],
    *,
    kind: str,
    group: str,
    include_object: str = "Metadata",
    now: datetime,
    list_metadata: Mapping[str, Any] | None = None,
    printer_columns: Sequence[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """A ``meta.k8s.io/v1`` Table of ``objects`` (all of one ``group``/``kind``).

    Columns: Name, then what the real server prints for the kind (pods, deployments, services,
    namespaces, configmaps, secrets, ...; priority-1 columns are the ``-o wide`` ones), or the
    CRD's ``additionalPrinterColumns`` (``printer_columns``: ``name``, ``type``, ``jsonPath``,
    ...), or Age when there is neither. ``include_object`` is ``Metadata`` (rows carry a
    PartialObjectMetadata), ``Object`` (the object as given) or ``None`` (rows carry no
    object); anything else raises ValueError. ``now`` is the clock AGE is measured against.
    """
    include = include_object or "Metadata"
    if include not in INCLUDE_OBJECT_POLICIES:
        raise ValueError(
            f"includeObject must be one of {', '.join(INCLUDE_OBJECT_POLICIES)}, not {include!r}"
        )
    columns = _columns(group, kind, printer_columns)
    pods = (group, kind) == ("", "Pod") and not printer_columns
    rows: list[dict[str, Any]] = []
    for obj in objects:
        if pods:
            cells, conditions = _pod_row(obj, now)
            row: dict[str, Any] = {"cells": [_name(obj, now), *cells]}
            if conditions:
                row["conditions"] = conditions
        else:
            row = {"cells": [column.cell(obj, now) for column in columns]}
        found = _row_object(obj, include)
        if found is not None:
            row["object"] = found
        rows.append(row)
    return {
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": dict(list_metadata or {}),
        "columnDefinitions": [column.definition() for column in columns],
        "rows": rows,
    }

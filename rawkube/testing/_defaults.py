"""The values kube-apiserver fills in on a write, as its recorded answers show them.

Two kinds, applied at two moments as the server applies them:

* :func:`apply`: the kind's defaults, filled in whenever a body is decoded (create, update,
  patch, apply): a pod's ``restartPolicy``, ``dnsPolicy``, ``schedulerName``, each
  container's ``terminationMessagePath`` and ``imagePullPolicy``, a Service's ``type`` and
  ``targetPort``, a Deployment's ``strategy``, a Secret's ``stringData`` turned into ``data``.
  They run before the write's ``managedFields`` are recorded, so the writer owns them, as on
  the server.
* :func:`prepare_create`: what the registries and admission add to a new object once it has
  its uid, after ``managedFields`` are recorded: a pod's status, service account token
  volume, tolerations and priority; a Service's cluster IP and node ports; a Job's selector
  and labels; each workload's initial status.

:func:`carry_over` keeps, on an update, what the server keeps when the body leaves it out (a
Service's cluster IP and node ports).
"""

from __future__ import annotations

import base64
import ipaddress
import random
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from rawkube.testing._errors import FakeApiError, invalid_object

if TYPE_CHECKING:
    from rawkube.testing._catalog import ResourceType
    from rawkube.testing._store import Store

__all__ = [
    "NODE_PORTS",
    "SERVICE_RANGE",
    "apply",
    "apply_create",
    "carry_over",
    "prepare_create",
]

Obj = dict[str, Any]

SERVICE_RANGE = ipaddress.ip_network("10.96.0.0/12")
"""The service cluster IP range (kubeadm's default): addresses are allocated from it."""

NODE_PORTS = range(30000, 32768)
"""The node port range (kube-apiserver's default, 30000-32767)."""

_random = random.Random()  # noqa: S311 - names and addresses, not secrets


def _dict(parent: Obj, key: str) -> Obj:
    """``parent[key]`` as a dict, made if missing or null."""
    found = parent.get(key)
    if not isinstance(found, dict):
        found = parent[key] = {}
    return found


def _items(value: Any) -> list[Obj]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


# --- pods -----------------------------------------------------------------------------------


def _image_pull_policy(image: str) -> str:
    """Always for ``:latest`` or no tag (a digest counts as one), IfNotPresent otherwise."""
    if "@" in image:
        return "IfNotPresent"
    last = image.rsplit("/", 1)[-1]
    tag = last.partition(":")[2]
    return "Always" if not tag or tag == "latest" else "IfNotPresent"


def _probe(probe: Any) -> None:
    if not isinstance(probe, dict):
        return
    probe.setdefault("timeoutSeconds", 1)
    probe.setdefault("periodSeconds", 10)
    probe.setdefault("successThreshold", 1)
    probe.setdefault("failureThreshold", 3)
    http = probe.get("httpGet")
    if isinstance(http, dict):
        http.setdefault("path", "/")
        http.setdefault("scheme", "HTTP")
    grpc = probe.get("grpc")
    if isinstance(grpc, dict):
        grpc.setdefault("service", "")


def _env_sources(container: Obj) -> None:
    for env in _items(container.get("env")):
        source = env.get("valueFrom")
        if isinstance(source, dict) and isinstance(source.get("fieldRef"), dict):
            source["fieldRef"].setdefault("apiVersion", "v1")


def _container(container: Obj, host_network: bool) -> None:
    container.setdefault("resources", {})
    container.setdefault("terminationMessagePath", "/dev/termination-log")
    container.setdefault("terminationMessagePolicy", "File")
    image = container.get("image")
    if "imagePullPolicy" not in container and isinstance(image, str) and image:
        container["imagePullPolicy"] = _image_pull_policy(image)
    for port in _items(container.get("ports")):
        port.setdefault("protocol", "TCP")
        if host_network and "hostPort" not in port and "containerPort" in port:
            port["hostPort"] = port["containerPort"]
    for key in ("livenessProbe", "readinessProbe", "startupProbe"):
        _probe(container.get(key))
    _env_sources(container)


_VOLUME_SOURCES_WITH_MODE = ("configMap", "secret", "projected", "downwardAPI")


def _volume(volume: Obj) -> None:
    if not any(key != "name" for key in volume):
        volume["emptyDir"] = {}  # a volume naming no source is an emptyDir
    for key in _VOLUME_SOURCES_WITH_MODE:
        source = volume.get(key)
        if isinstance(source, dict):
            source.setdefault("defaultMode", 420)
    downward = volume.get("downwardAPI")
    if isinstance(downward, dict):
        for item in _items(downward.get("items")):
            if isinstance(item.get("fieldRef"), dict):
                item["fieldRef"].setdefault("apiVersion", "v1")
    host_path = volume.get("hostPath")
    if isinstance(host_path, dict):
        host_path.setdefault("type", "")


def pod_spec(spec: Obj, *, restart: bool = True) -> None:
    """A PodSpec's defaults, wherever one appears (``restart``: default ``restartPolicy``).

    A Job's template gets no ``restartPolicy``: the server then refuses it unless the user
    chose OnFailure or Never, as recorded.
    """
    host_network = spec.get("hostNetwork") is True
    for volume in _items(spec.get("volumes")):
        _volume(volume)
    for kind in ("initContainers", "containers"):
        for container in _items(spec.get(kind)):
            _container(container, host_network)
    if restart:
        spec.setdefault("restartPolicy", "Always")
    spec.setdefault("terminationGracePeriodSeconds", 30)
    spec.setdefault("dnsPolicy", "ClusterFirst")
    spec.setdefault("securityContext", {})
    spec.setdefault("schedulerName", "default-scheduler")


def _template(template: Any, *, restart: bool = True) -> None:
    if isinstance(template, dict):
        pod_spec(_dict(template, "spec"), restart=restart)


def _pod(obj: Obj) -> None:
    spec = _dict(obj, "spec")
    pod_spec(spec)
    spec.setdefault("enableServiceLinks", True)
    for kind in ("initContainers", "containers"):
        for container in _items(spec.get(kind)):
            resources = container.get("resources")
            if not isinstance(resources, dict):
                continue
            limits = resources.get("limits")
            if isinstance(limits, dict) and limits:
                # A limit with no request asks for what it allows, on a pod (not a template).
                requests = _dict(resources, "requests")
                for key, value in limits.items():
                    requests.setdefault(key, value)


# --- workloads ------------------------------------------------------------------------------


def _deployment(obj: Obj) -> None:
    spec = _dict(obj, "spec")
    spec.setdefault("replicas", 1)
    strategy = _dict(spec, "strategy")
    strategy.setdefault("type", "RollingUpdate")
    if strategy["type"] == "RollingUpdate":
        rolling = _dict(strategy, "rollingUpdate")
        rolling.setdefault("maxUnavailable", "25%")
        rolling.setdefault("maxSurge", "25%")
    spec.setdefault("revisionHistoryLimit", 10)
    spec.setdefault("progressDeadlineSeconds", 600)
    _template(spec.get("template"))


def _replica_set(obj: Obj) -> None:
    spec = _dict(obj, "spec")
    spec.setdefault("replicas", 1)
    _template(spec.get("template"))


def _replication_controller(obj: Obj) -> None:
    spec = _dict(obj, "spec")
    spec.setdefault("replicas", 1)
    template = spec.get("template")
    if isinstance(template, dict):
        labels = (template.get("metadata") or {}).get("labels")
        if isinstance(labels, dict) and labels:
            # Its selector, and its own labels, default to the template's labels.
            if not spec.get("selector"):
                spec["selector"] = dict(labels)
            metadata = _dict(obj, "metadata")
            if not metadata.get("labels"):
                metadata["labels"] = dict(labels)
        _template(template)


def _claim_template(claim: Obj) -> None:
    claim.setdefault("apiVersion", "v1")
    claim.setdefault("kind", "PersistentVolumeClaim")
    _dict(claim, "spec").setdefault("volumeMode", "Filesystem")
    _dict(claim, "status").setdefault("phase", "Pending")


def _stateful_set(obj: Obj) -> None:
    spec = _dict(obj, "spec")
    spec.setdefault("replicas", 1)
    spec.setdefault("podManagementPolicy", "OrderedReady")
    strategy = _dict(spec, "updateStrategy")
    strategy.setdefault("type", "RollingUpdate")
    if strategy["type"] == "RollingUpdate":
        _dict(strategy, "rollingUpdate").setdefault("partition", 0)
    spec.setdefault("revisionHistoryLimit", 10)
    retention = _dict(spec, "persistentVolumeClaimRetentionPolicy")
    retention.setdefault("whenDeleted", "Retain")
    retention.setdefault("whenScaled", "Retain")
    for claim in _items(spec.get("volumeClaimTemplates")):
        _claim_template(claim)
    _template(spec.get("template"))


def _daemon_set(obj: Obj) -> None:
    spec = _dict(obj, "spec")
    strategy = _dict(spec, "updateStrategy")
    strategy.setdefault("type", "RollingUpdate")
    if strategy["type"] == "RollingUpdate":
        rolling = _dict(strategy, "rollingUpdate")
        rolling.setdefault("maxUnavailable", 1)
        rolling.setdefault("maxSurge", 0)
    spec.setdefault("revisionHistoryLimit", 10)
    _template(spec.get("template"))


def job_spec(spec: Obj) -> None:
    """A JobSpec's defaults (a Job's own, and a CronJob's template's)."""
    if spec.get("completions") is None and spec.get("parallelism") is None:
        spec["completions"] = 1
        spec["parallelism"] = 1
    spec.setdefault("parallelism", 1)
    if spec.get("backoffLimitPerIndex") is not None:
        spec.setdefault("backoffLimit", 2**31 - 1)
    spec.setdefault("backoffLimit", 6)
    spec.setdefault("completionMode", "NonIndexed")
    spec.setdefault("suspend", False)
    failed_only = spec.get("podFailurePolicy") is not None
    spec.setdefault("podReplacementPolicy", "Failed" if failed_only else "TerminatingOrFailed")
    spec.setdefault("manualSelector", False)
    _template(spec.get("template"), restart=False)


def _job(obj: Obj) -> None:
    job_spec(_dict(obj, "spec"))


def _cron_job(obj: Obj) -> None:
    spec = _dict(obj, "spec")
    spec.setdefault("concurrencyPolicy", "Allow")
    spec.setdefault("suspend", False)
    spec.setdefault("successfulJobsHistoryLimit", 3)
    spec.setdefault("failedJobsHistoryLimit", 1)
    template = spec.get("jobTemplate")
    if isinstance(template, dict) and isinstance(template.get("spec"), dict):
        # A CronJob's job template keeps its counts for the Job it makes; only the pod
        # template within is defaulted here.
        _template(template["spec"].get("template"), restart=False)


def _pod_template(obj: Obj) -> None:
    _template(obj.get("template"))


# --- services, secrets, claims, and the rest ------------------------------------------------


def _service(obj: Obj) -> None:
    spec = _dict(obj, "spec")
    kind = spec.setdefault("type", "ClusterIP")
    spec.setdefault("sessionAffinity", "None")
    if spec["sessionAffinity"] == "ClientIP":
        client_ip = _dict(_dict(spec, "sessionAffinityConfig"), "clientIP")
        client_ip.setdefault("timeoutSeconds", 10800)
    for port in _items(spec.get("ports")):
        port.setdefault("protocol", "TCP")
        if port.get("targetPort") in (None, 0, "") and "port" in port:
            port["targetPort"] = port["port"]
    if kind != "ExternalName":
        spec.setdefault("internalTrafficPolicy", "Cluster")
    if kind in ("NodePort", "LoadBalancer"):
        spec.setdefault("externalTrafficPolicy", "Cluster")
    if kind == "LoadBalancer":
        spec.setdefault("allocateLoadBalancerNodePorts", True)


def _secret(obj: Obj) -> None:
    string_data = obj.pop("stringData", None)
    if isinstance(string_data, dict) and string_data:
        data = _dict(obj, "data")
        for key, value in string_data.items():
            text = value if isinstance(value, str) else ""
            data[key] = base64.b64encode(text.encode("utf-8")).decode("ascii")
    obj.setdefault("type", "Opaque")


def _claim(obj: Obj) -> None:
    _dict(obj, "spec").setdefault("volumeMode", "Filesystem")


def _volume_object(obj: Obj) -> None:
    spec = _dict(obj, "spec")
    spec.setdefault("persistentVolumeReclaimPolicy", "Retain")
    spec.setdefault("volumeMode", "Filesystem")


def _endpoints(obj: Obj) -> None:
    for subset in _items(obj.get("subsets")):
        for port in _items(subset.get("ports")):
            port.setdefault("protocol", "TCP")


def _network_policy(obj: Obj) -> None:
    spec = _dict(obj, "spec")
    for rules in ("ingress", "egress"):
        for rule in _items(spec.get(rules)):
            for port in _items(rule.get("ports")):
                port.setdefault("protocol", "TCP")
    if not spec.get("policyTypes"):
        types = ["Ingress"]
        if spec.get("egress"):
            types.append("Egress")
        spec["policyTypes"] = types


def _binding(obj: Obj) -> None:
    for subject in _items(obj.get("subjects")):
        if subject.get("kind") in ("User", "Group"):
            subject.setdefault("apiGroup", "rbac.authorization.k8s.io")
        elif subject.get("kind") == "ServiceAccount":
            subject.setdefault("apiGroup", "")


def _namespace(obj: Obj) -> None:
    # A default, not the registry's: the label is the writer's in managedFields, and an
    # update that drops it gets it back.
    name = (obj.get("metadata") or {}).get("name")
    if isinstance(name, str) and name:
        _dict(_dict(obj, "metadata"), "labels")["kubernetes.io/metadata.name"] = name


def _storage_class(obj: Obj) -> None:
    obj.setdefault("reclaimPolicy", "Delete")
    obj.setdefault("volumeBindingMode", "Immediate")


_APPLY: dict[tuple[str, str], Callable[[Obj], None]] = {
    ("", "Pod"): _pod,
    ("", "PodTemplate"): _pod_template,
    ("", "ReplicationController"): _replication_controller,
    ("", "Service"): _service,
    ("", "Secret"): _secret,
    ("", "PersistentVolumeClaim"): _claim,
    ("", "PersistentVolume"): _volume_object,
    ("", "Endpoints"): _endpoints,
    ("", "Namespace"): _namespace,
    ("apps", "Deployment"): _deployment,
    ("apps", "ReplicaSet"): _replica_set,
    ("apps", "StatefulSet"): _stateful_set,
    ("apps", "DaemonSet"): _daemon_set,
    ("batch", "Job"): _job,
    ("batch", "CronJob"): _cron_job,
    ("networking.k8s.io", "NetworkPolicy"): _network_policy,
    ("rbac.authorization.k8s.io", "RoleBinding"): _binding,
    ("rbac.authorization.k8s.io", "ClusterRoleBinding"): _binding,
    ("storage.k8s.io", "StorageClass"): _storage_class,
}


def apply(resource: ResourceType, obj: Obj) -> None:
    """Fill in ``obj``'s defaults in place, as the server does on decoding a write."""
    fill = _APPLY.get((resource.group, resource.kind))
    if fill is not None:
        fill(obj)


# --- on update ------------------------------------------------------------------------------


def apply_create(resource: ResourceType, obj: Obj) -> None:
    """What a new object gets before its ``managedFields`` are recorded (the writer owns it)."""
    if (resource.group, resource.kind) == ("apps", "DaemonSet"):
        _dict(_dict(obj, "metadata"), "annotations")[_TEMPLATE_GENERATION] = "1"


def carry_over(resource: ResourceType, obj: Obj, live: Obj, store: Store | None = None) -> None:
    """Keep what the server keeps when an update leaves it out: a Service's allocations.

    With ``store``, a Service whose new type needs an address or node ports it lacks gets
    them, and one whose type no longer needs them loses those the writer left as they were.
    """
    if (resource.group, resource.kind) == ("", "Service"):
        _service_update(obj, live, store, resource)
    elif (resource.group, resource.kind) == ("apps", "DaemonSet"):
        _template_generation(obj, live)
    elif (resource.group, resource.kind) == ("apps", "StatefulSet"):
        _dict(obj, "spec").setdefault("serviceName", "")  # Go's zero value, always written


_EXTERNAL = ("NodePort", "LoadBalancer")
_ADDRESS_FIELDS = ("clusterIP", "clusterIPs", "ipFamilies", "ipFamilyPolicy")


def _service_update(obj: Obj, live: Obj, store: Store | None, resource: ResourceType) -> None:
    spec, old = _dict(obj, "spec"), live.get("spec") or {}
    kind = spec.get("type")
    name = (obj.get("metadata") or {}).get("name") or (live.get("metadata") or {}).get("name")
    if kind == "ExternalName":
        for key in (*_ADDRESS_FIELDS, "internalTrafficPolicy"):
            if key in spec and spec[key] == old.get(key):
                del spec[key]  # the type has no address: the old one goes unless rewritten
    else:
        for key in (*_ADDRESS_FIELDS, "healthCheckNodePort"):
            if key in old and not spec.get(key):
                spec[key] = old[key]
        if not spec.get("clusterIP") and store is not None:
            used, _ = _allocated(store, resource)
            address = _free_ip(store, used, str(name))
            spec["clusterIP"], spec["clusterIPs"] = address, [address]
            spec.setdefault("ipFamilies", ["IPv4"])
            spec.setdefault("ipFamilyPolicy", "SingleStack")
    allocated = {
        (port.get("port"), port.get("protocol")): port.get("nodePort")
        for port in _items(old.get("ports"))
        if port.get("nodePort")
    }
    ports = _items(spec.get("ports"))
    if kind in _EXTERNAL:
        for port in ports:
            if not port.get("nodePort"):
                kept = allocated.get((port.get("port"), port.get("protocol")))
                if kept:
                    port["nodePort"] = kept
        if store is not None and any(not port.get("nodePort") for port in ports):
            _, used_ports = _allocated(store, resource)
            mine = {port for port in allocated.values() if isinstance(port, int)}
            _node_ports(store, spec, used_ports - mine, str(name), keep=mine)
    else:
        for port in ports:
            if port.get("nodePort") and port["nodePort"] == allocated.get(
                (port.get("port"), port.get("protocol"))
            ):
                del port["nodePort"]  # released with the type that needed it
        for key in ("externalTrafficPolicy", "healthCheckNodePort"):
            if key in spec and spec[key] == old.get(key):
                del spec[key]


_TEMPLATE_GENERATION = "deprecated.daemonset.template.generation"


def _template_generation(obj: Obj, live: Obj) -> None:
    before = (live.get("metadata") or {}).get("annotations") or {}
    generation = before.get(_TEMPLATE_GENERATION)
    if generation is None:
        return
    annotations = _dict(_dict(obj, "metadata"), "annotations")
    if (obj.get("spec") or {}).get("template") != (live.get("spec") or {}).get("template"):
        generation = str(int(generation) + 1) if generation.isdigit() else generation
    annotations[_TEMPLATE_GENERATION] = generation


# --- on create, once the object has its uid ------------------------------------------------


# Kinds with a spec whose registries keep no metadata.generation.
_NO_GENERATION = {
    ("", "Namespace"),  # a spec, even kubectl's empty one, gives it none (recorded)
    ("", "Service"),
    ("", "PersistentVolumeClaim"),
    ("", "PersistentVolume"),
    ("", "Node"),
    ("", "ResourceQuota"),
    ("", "LimitRange"),
}


def prepare_create(store: Store, resource: ResourceType, obj: Obj) -> None:
    """What the registries and admission add to a new object (``Store.create`` calls this).

    Raises the server's 422 (or 403) where that fails: a cluster IP or node port taken or
    out of range, a Job selector given by hand without ``manualSelector``.
    """
    if (resource.group, resource.kind) in _NO_GENERATION:
        obj["metadata"].pop("generation", None)
    prepare = _PREPARE.get((resource.group, resource.kind))
    if prepare is not None:
        prepare(store, resource, obj)


_NOT_READY = "node.kubernetes.io/not-ready"
_UNREACHABLE = "node.kubernetes.io/unreachable"
_TOKEN_MOUNT = "/var/run/secrets/kubernetes.io/serviceaccount"
_NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"  # apimachinery's rand.String: no vowels
_BUILTIN_PRIORITIES = {"system-node-critical": 2000001000, "system-cluster-critical": 2000000000}


def _prepare_pod(store: Store, resource: ResourceType, obj: Obj) -> None:
    spec = _dict(obj, "spec")
    metadata = obj["metadata"]
    account = spec.get("serviceAccountName") or spec.get("serviceAccount") or "default"
    spec["serviceAccountName"] = account
    spec["serviceAccount"] = account
    if _automounts(store, metadata.get("namespace") or "", account, spec):
        _token_volume(spec)
    _tolerations(spec)
    _priority(store, spec, metadata.get("name") or "")
    obj["status"] = {"phase": "Pending", "qosClass": qos_class(spec)}


def _automounts(store: Store, namespace: str, account: str, spec: Obj) -> bool:
    if spec.get("automountServiceAccountToken") is False:
        return False
    for kind in ("initContainers", "containers"):
        for container in _items(spec.get(kind)):
            for mount in _items(container.get("volumeMounts")):
                if mount.get("mountPath") == _TOKEN_MOUNT:
                    return False
    accounts = store.catalog.lookup("", "v1", "serviceaccounts")
    if accounts is not None:
        found = store.objects(accounts).get((namespace, account))
        if found is not None and found.get("automountServiceAccountToken") is False:
            return False
    return True


def _token_volume(spec: Obj) -> None:
    name = "kube-api-access-" + "".join(_random.choice(_NAME_ALPHABET) for _ in range(5))
    # The OpenShift build the fidelity set was recorded on adds a fourth source (its service
    # CA); a Kubernetes server projects these three.
    volume = {
        "name": name,
        "projected": {
            "sources": [
                {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
                {
                    "configMap": {
                        "name": "kube-root-ca.crt",
                        "items": [{"key": "ca.crt", "path": "ca.crt"}],
                    }
                },
                {
                    "downwardAPI": {
                        "items": [
                            {
                                "path": "namespace",
                                "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"},
                            }
                        ]
                    }
                },
            ],
            "defaultMode": 420,
        },
    }
    volumes = spec.get("volumes")
    spec["volumes"] = [*volumes, volume] if isinstance(volumes, list) else [volume]
    for kind in ("initContainers", "containers"):
        for container in _items(spec.get(kind)):
            mounts = container.get("volumeMounts")
            mount = {"name": name, "readOnly": True, "mountPath": _TOKEN_MOUNT}
            container["volumeMounts"] = [*mounts, mount] if isinstance(mounts, list) else [mount]


def _tolerations(spec: Obj) -> None:
    tolerations = _items(spec.get("tolerations"))

    def tolerated(key: str) -> bool:
        return any(
            (t.get("key") == key or (not t.get("key") and t.get("operator") == "Exists"))
            and t.get("effect") in (None, "", "NoExecute")
            for t in tolerations
        )

    added = [
        {"key": key, "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300}
        for key in (_NOT_READY, _UNREACHABLE)
        if not tolerated(key)
    ]
    if added:
        spec["tolerations"] = [*(spec.get("tolerations") or []), *added]


def _priority(store: Store, spec: Obj, pod: str) -> None:
    name = spec.get("priorityClassName")
    value = 0
    policy = "PreemptLowerPriority"
    if name:
        value_found = _BUILTIN_PRIORITIES.get(name)
        if value_found is None:
            classes = store.catalog.lookup("scheduling.k8s.io", "v1", "priorityclasses")
            found = store.objects(classes).get(("", name)) if classes is not None else None
            if found is None:
                raise FakeApiError(
                    403,
                    "Forbidden",
                    f'pods "{pod}" is forbidden: no PriorityClass with name {name} was found',
                    {"name": pod, "kind": "pods"},
                )
            value_found = int(found.get("value") or 0)
            policy = found.get("preemptionPolicy") or policy
        value = value_found
    spec["priority"] = value
    spec.setdefault("preemptionPolicy", policy)


def qos_class(spec: Obj) -> str:
    """The pod's QoS class from its containers' requests and limits (after defaulting)."""
    containers = [*_items(spec.get("initContainers")), *_items(spec.get("containers"))]
    any_set = False
    guaranteed = True
    for container in containers:
        resources = container.get("resources") or {}
        requests = resources.get("requests") or {}
        limits = resources.get("limits") or {}
        for key in ("cpu", "memory"):
            if key in requests or key in limits:
                any_set = True
            if key not in limits or requests.get(key, limits[key]) != limits[key]:
                guaranteed = False
    if not any_set:
        return "BestEffort"
    return "Guaranteed" if guaranteed else "Burstable"


# Each store's random source for addresses and ports, so that two clusters do not share one.
_allocators: weakref.WeakKeyDictionary[Store, random.Random] = weakref.WeakKeyDictionary()


def _prepare_service(store: Store, resource: ResourceType, obj: Obj) -> None:
    spec = _dict(obj, "spec")
    obj["status"] = {"loadBalancer": {}}
    kind = spec.get("type")
    name = obj["metadata"].get("name") or ""
    if kind == "ExternalName":
        return
    used_ips, used_ports = _allocated(store, resource)
    cluster_ip = spec.get("clusterIP") or ""
    if cluster_ip == "None":
        spec["clusterIPs"] = ["None"]
    elif cluster_ip:
        _claim_ip(cluster_ip, used_ips, name)
        spec["clusterIPs"] = [cluster_ip]
    else:
        cluster_ip = _free_ip(store, used_ips, name)
        spec["clusterIP"] = cluster_ip
        spec["clusterIPs"] = [cluster_ip]
    spec.setdefault("ipFamilies", ["IPv4"])
    spec.setdefault("ipFamilyPolicy", "SingleStack")
    if kind in ("NodePort", "LoadBalancer"):
        _node_ports(store, spec, used_ports, name)


def _allocated(store: Store, resource: ResourceType) -> tuple[set[str], set[int]]:
    ips: set[str] = set()
    ports: set[int] = set()
    for service in store.objects(resource).values():
        spec = service.get("spec") or {}
        ips.update(ip for ip in spec.get("clusterIPs") or () if isinstance(ip, str))
        for port in _items(spec.get("ports")):
            if isinstance(port.get("nodePort"), int):
                ports.add(port["nodePort"])
    return ips, ports


def _service_invalid(name: str, field: str, value: Any, detail: str) -> FakeApiError:
    from rawkube.testing._validate import invalid

    return invalid_object("Service", "", name, [invalid(field, value, detail)])


def _claim_ip(text: str, used: set[str], name: str) -> None:
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return  # validation has refused it already
    if address not in SERVICE_RANGE:
        raise _service_invalid(
            name,
            "spec.clusterIPs",
            [text],
            f"failed to allocate IP {text}: the provided IP ({text}) is not in the valid range. "
            f"The range of valid IPs is {SERVICE_RANGE}",
        )
    if text in used:
        raise _service_invalid(
            name,
            "spec.clusterIPs",
            [text],
            f"failed to allocate IP {text}: provided IP is already allocated",
        )


def _source(store: Store) -> random.Random:
    found = _allocators.get(store)
    if found is None:
        found = _allocators[store] = random.Random()  # noqa: S311
    return found


def _free_ip(store: Store, used: set[str], name: str) -> str:
    first = int(SERVICE_RANGE.network_address)
    # The first addresses are kept for the kubernetes and DNS services, as a cluster does.
    low, high = first + 16, int(SERVICE_RANGE.broadcast_address) - 1
    source = _source(store)
    for _ in range(64):
        text = str(ipaddress.ip_address(source.randint(low, high)))
        if text not in used:
            return text
    for number in range(low, high + 1):  # pragma: no cover - a range that full is a test's own
        text = str(ipaddress.ip_address(number))
        if text not in used:
            return text
    raise FakeApiError(  # pragma: no cover
        500, "InternalError", "failed to allocate a serviceIP: range is full"
    )


def _node_ports(
    store: Store, spec: Obj, used: set[int], name: str, keep: set[int] | None = None
) -> None:
    source = _source(store)
    for index, port in enumerate(_items(spec.get("ports"))):
        wanted = port.get("nodePort")
        if keep and wanted in keep:
            used.add(wanted)  # the service's own, kept through an update
            continue
        if isinstance(wanted, int) and wanted:
            field = f"spec.ports[{index}].nodePort"
            if wanted not in NODE_PORTS:
                raise _service_invalid(
                    name,
                    field,
                    wanted,
                    "provided port is not in the valid range. The range of valid ports is "
                    f"{NODE_PORTS.start}-{NODE_PORTS.stop - 1}",
                )
            if wanted in used:
                raise _service_invalid(name, field, wanted, "provided port is already allocated")
            used.add(wanted)
            continue
        for _ in range(64):
            chosen = source.randrange(NODE_PORTS.start, NODE_PORTS.stop)
            if chosen not in used:
                break
        else:  # pragma: no cover - a crowded range: the first free one
            chosen = next(p for p in NODE_PORTS if p not in used)
        port["nodePort"] = chosen
        used.add(chosen)


_CONTROLLER_UID = "batch.kubernetes.io/controller-uid"
_JOB_NAME = "batch.kubernetes.io/job-name"


def _prepare_job(store: Store, resource: ResourceType, obj: Obj) -> None:
    spec = _dict(obj, "spec")
    metadata = obj["metadata"]
    uid, name = metadata["uid"], metadata.get("name") or ""
    template = _dict(spec, "template")
    if spec.get("manualSelector") is not True:
        labels = _dict(_dict(template, "metadata"), "labels")
        for key, value in (
            (_CONTROLLER_UID, uid),
            (_JOB_NAME, name),
            ("controller-uid", uid),
            ("job-name", name),
        ):
            labels.setdefault(key, value)
        selector = _dict(spec, "selector")
        match = _dict(selector, "matchLabels")
        match.setdefault(_CONTROLLER_UID, uid)
        if match != {_CONTROLLER_UID: uid} or selector.get("matchExpressions"):
            from rawkube.testing._validate import invalid

            raise invalid_object(
                "Job",
                "batch",
                name,
                [invalid("spec.selector", selector, "`selector` not auto-generated")],
            )
    template_labels = (template.get("metadata") or {}).get("labels")
    if not metadata.get("labels") and template_labels:
        metadata["labels"] = dict(template_labels)
    obj["status"] = {}


def _prepare_stateful_set(store: Store, resource: ResourceType, obj: Obj) -> None:
    # Not a default (no writer owns it): Go writes the field, empty, when it is not set.
    _dict(obj, "spec").setdefault("serviceName", "")
    obj["status"] = {"replicas": 0, "availableReplicas": 0}


def _prepare_daemon_set(store: Store, resource: ResourceType, obj: Obj) -> None:
    obj["status"] = {
        "currentNumberScheduled": 0,
        "numberMisscheduled": 0,
        "desiredNumberScheduled": 0,
        "numberReady": 0,
    }


def _status(status: Obj) -> Callable[[Store, ResourceType, Obj], None]:
    def prepare(store: Store, resource: ResourceType, obj: Obj) -> None:
        obj["status"] = dict(status)

    return prepare


def _prepare_namespace(store: Store, resource: ResourceType, obj: Obj) -> None:
    finalizers = _dict(obj, "spec").setdefault("finalizers", [])
    if isinstance(finalizers, list) and "kubernetes" not in finalizers:
        finalizers.append("kubernetes")


_PREPARE: dict[tuple[str, str], Callable[[Store, ResourceType, Obj], None]] = {
    ("", "Pod"): _prepare_pod,
    ("", "Service"): _prepare_service,
    ("", "Namespace"): _prepare_namespace,
    ("", "ReplicationController"): _status({"replicas": 0}),
    ("", "PersistentVolumeClaim"): _status({"phase": "Pending"}),
    ("", "PersistentVolume"): _status({"phase": "Pending"}),
    ("apps", "Deployment"): _status({}),
    ("apps", "ReplicaSet"): _status({"replicas": 0}),
    ("apps", "StatefulSet"): _prepare_stateful_set,
    ("apps", "DaemonSet"): _prepare_daemon_set,
    ("batch", "Job"): _prepare_job,
    ("batch", "CronJob"): _status({}),
    ("networking.k8s.io", "Ingress"): _status({"loadBalancer": {}}),
}

"""Services and ingresses."""

from __future__ import annotations

from typing import Any

from rawkube.testing._names import name_problem
from rawkube.testing._validate._causes import (
    Cause,
    Obj,
    Rule,
    as_dict,
    as_int,
    as_list,
    duplicate,
    forbidden,
    invalid,
    required,
    unsupported,
)
from rawkube.testing._validate._common import (
    PORT_RANGE,
    label_causes,
    label_name_problem,
    port_name_problems,
    port_number,
)
from rawkube.testing._validate._pods import PROTOCOLS

_SERVICE_TYPES = ("ClusterIP", "ExternalName", "LoadBalancer", "NodePort")
_TRAFFIC_POLICIES = ("Cluster", "Local")
_FAMILY_POLICIES = ("PreferDualStack", "RequireDualStack", "SingleStack")


def _service(obj: Obj, old: Obj | None, found: list[Cause]) -> None:
    spec = as_dict(obj.get("spec"))
    kind = spec.get("type")
    if kind not in _SERVICE_TYPES:
        found.append(unsupported("spec.type", kind or "", _SERVICE_TYPES))
    headless = spec.get("clusterIP") == "None"
    ports = as_list(spec.get("ports"))
    if kind == "ExternalName":
        external = spec.get("externalName")
        if not external:
            found.append(required("spec.externalName"))
        elif isinstance(external, str):
            problem = name_problem("", "configmaps", external.rstrip("."))
            if problem:
                found.append(invalid("spec.externalName", external, problem))
    elif not ports and not headless:
        found.append(required("spec.ports"))
    names: set[str] = set()
    for index, port in enumerate(ports):
        _service_port_causes(as_dict(port), index, len(ports), kind, names, found)
    affinity = spec.get("sessionAffinity")
    if affinity is not None and affinity not in ("ClientIP", "None"):
        found.append(unsupported("spec.sessionAffinity", affinity, ("ClientIP", "None")))
    label_causes(spec.get("selector"), "spec.selector", found)
    for key in ("externalTrafficPolicy", "internalTrafficPolicy"):
        value = spec.get(key)
        if value is not None and value not in _TRAFFIC_POLICIES:
            found.append(unsupported(f"spec.{key}", value, _TRAFFIC_POLICIES))
    if spec.get("externalTrafficPolicy") and kind not in ("NodePort", "LoadBalancer"):
        found.append(
            invalid(
                "spec.externalTrafficPolicy",
                spec["externalTrafficPolicy"],
                "may only be set for externally-accessible services",
            )
        )
    family_policy = spec.get("ipFamilyPolicy")
    if family_policy is not None and family_policy not in _FAMILY_POLICIES:
        found.append(unsupported("spec.ipFamilyPolicy", family_policy, _FAMILY_POLICIES))
    cluster_ip = spec.get("clusterIP")
    if isinstance(cluster_ip, str) and cluster_ip not in ("", "None") and not _is_ip(cluster_ip):
        found.append(
            invalid(
                "spec.clusterIPs[0]",
                cluster_ip,
                "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)",
            )
        )
    if old is not None:
        old_spec = as_dict(old.get("spec"))
        before = old_spec.get("clusterIP")
        external = "ExternalName" in (kind, old_spec.get("type"))
        if before and not external and spec.get("clusterIP") != before:
            found.append(
                invalid(
                    "spec.clusterIPs[0]",
                    spec.get("clusterIPs") or [],
                    "may not change once set",
                )
            )


def _service_port_causes(
    port: Obj, index: int, count: int, kind: Any, names: set[str], found: list[Cause]
) -> None:
    field = f"spec.ports[{index}]"
    name = port.get("name")
    if not name:
        if count > 1:
            found.append(required(f"{field}.name"))
    elif isinstance(name, str):
        problem = label_name_problem(name)
        if problem:
            found.append(invalid(f"{field}.name", name, problem))
        if name in names:
            found.append(duplicate(f"{field}.name", name))
        names.add(name)
    number = as_int(port.get("port"))
    if number is None or not 1 <= number <= 65535:
        found.append(invalid(f"{field}.port", number or 0, PORT_RANGE))
    protocol = port.get("protocol")
    if protocol is not None and protocol not in PROTOCOLS:
        found.append(unsupported(f"{field}.protocol", protocol, PROTOCOLS))
    target = port.get("targetPort")
    if isinstance(target, str):
        found += [invalid(f"{field}.targetPort", target, p) for p in port_name_problems(target)]
    elif target is not None:
        port_number(target, f"{field}.targetPort", found)
    node_port = as_int(port.get("nodePort"))
    if node_port and kind == "ClusterIP":
        found.append(forbidden(f"{field}.nodePort", "may not be used when `type` is 'ClusterIP'"))
    elif node_port:
        port_number(node_port, f"{field}.nodePort", found)


def _is_ip(text: str) -> bool:
    import ipaddress

    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


_PATH_TYPES = ("Exact", "ImplementationSpecific", "Prefix")


def _ingress(obj: Obj, old: Obj | None, found: list[Cause]) -> None:
    spec = as_dict(obj.get("spec"))
    for index, rule in enumerate(as_list(spec.get("rules"))):
        http = as_dict(as_dict(rule).get("http"))
        for number, path in enumerate(as_list(http.get("paths"))):
            path = as_dict(path)
            field = f"spec.rules[{index}].http.paths[{number}]"
            kind = path.get("pathType")
            if not kind:
                found.append(required(f"{field}.pathType", "pathType must be specified"))
            elif kind not in _PATH_TYPES:
                found.append(unsupported(f"{field}.pathType", kind, _PATH_TYPES))
            value = path.get("path")
            if kind in ("Exact", "Prefix") and not str(value or "").startswith("/"):
                found.append(invalid(f"{field}.path", value or "", "must be an absolute path"))


RULES: dict[tuple[str, str], Rule] = {
    ("", "Service"): _service,
    ("networking.k8s.io", "Ingress"): _ingress,
}

"""RBAC roles, cluster roles and their bindings."""

from __future__ import annotations

from typing import Any

from rawkube.testing._validate._causes import (
    Cause,
    Obj,
    Rule,
    as_dict,
    as_list,
    invalid,
    required,
    unsupported,
)

RBAC = "rbac.authorization.k8s.io"


def _rules_causes(rules: Any, found: list[Cause], *, namespaced: bool) -> None:
    for index, rule in enumerate(as_list(rules)):
        rule = as_dict(rule)
        field = f"rules[{index}]"
        if not rule.get("verbs"):
            found.append(required(f"{field}.verbs", "verbs must contain at least one value"))
        urls = rule.get("nonResourceURLs")
        if urls:
            if namespaced:
                found.append(
                    invalid(
                        f"{field}.nonResourceURLs",
                        urls,
                        "namespaced rules cannot apply to non-resource URLs",
                    )
                )
            if rule.get("apiGroups") or rule.get("resources") or rule.get("resourceNames"):
                found.append(
                    invalid(
                        f"{field}.nonResourceURLs",
                        urls,
                        "rules cannot apply to both regular resources and non-resource URLs",
                    )
                )
            continue
        if not rule.get("apiGroups"):
            found.append(
                required(f"{field}.apiGroups", "resource rules must supply at least one api group")
            )
        if not rule.get("resources"):
            found.append(
                required(f"{field}.resources", "resource rules must supply at least one resource")
            )


def _role(obj: Obj, old: Obj | None, found: list[Cause]) -> None:
    _rules_causes(obj.get("rules"), found, namespaced=True)


def _cluster_role(obj: Obj, old: Obj | None, found: list[Cause]) -> None:
    _rules_causes(obj.get("rules"), found, namespaced=False)


def _binding_causes(obj: Obj, old: Obj | None, found: list[Cause], *, cluster: bool) -> None:
    ref = as_dict(obj.get("roleRef"))
    if ref.get("apiGroup") != RBAC:
        found.append(unsupported("roleRef.apiGroup", ref.get("apiGroup") or "", (RBAC,)))
    kinds = ("ClusterRole",) if cluster else ("Role", "ClusterRole")
    if ref.get("kind") not in kinds:
        found.append(unsupported("roleRef.kind", ref.get("kind") or "", kinds))
    if not ref.get("name"):
        found.append(required("roleRef.name"))
    for index, subject in enumerate(as_list(obj.get("subjects"))):
        subject = as_dict(subject)
        field = f"subjects[{index}]"
        kind = subject.get("kind")
        if not subject.get("name"):
            found.append(required(f"{field}.name"))
        if kind == "ServiceAccount":
            if subject.get("apiGroup"):
                found.append(unsupported(f"{field}.apiGroup", subject["apiGroup"], ("",)))
            if cluster and not subject.get("namespace"):
                found.append(required(f"{field}.namespace"))
        elif kind in ("User", "Group"):
            if subject.get("apiGroup") != RBAC:
                found.append(
                    unsupported(f"{field}.apiGroup", subject.get("apiGroup") or "", (RBAC,))
                )
        else:
            found.append(
                unsupported(f"{field}.kind", kind or "", ("ServiceAccount", "User", "Group"))
            )
    if old is not None and ref != as_dict(old.get("roleRef")):
        found.append(invalid("roleRef", ref, "cannot change roleRef"))


def _role_binding(obj: Obj, old: Obj | None, found: list[Cause]) -> None:
    _binding_causes(obj, old, found, cluster=False)


def _cluster_role_binding(obj: Obj, old: Obj | None, found: list[Cause]) -> None:
    _binding_causes(obj, old, found, cluster=True)


RULES: dict[tuple[str, str], Rule] = {
    (RBAC, "Role"): _role,
    (RBAC, "ClusterRole"): _cluster_role,
    (RBAC, "RoleBinding"): _role_binding,
    (RBAC, "ClusterRoleBinding"): _cluster_role_binding,
}

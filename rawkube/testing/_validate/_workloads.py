"""Deployments, replica sets, replication controllers, stateful sets, daemon sets, budgets."""

from __future__ import annotations

from typing import Any

from rawkube.testing._validate._causes import (
    Cause,
    Obj,
    Rule,
    as_dict,
    as_int,
    forbidden,
    invalid,
    required,
    unsupported,
)
from rawkube.testing._validate._common import (
    immutable,
    int_or_percent,
    label_causes,
    non_negative,
    selector_causes,
)
from rawkube.testing._validate._pods import pod_spec_causes, template_causes


def _is_zero(value: Any) -> bool:
    return value in (0, "0%") or value is None


def _selector_empty(selector: Obj) -> bool:
    return not selector.get("matchLabels") and not selector.get("matchExpressions")


def _workload_selector(spec: Obj, field: str, kind: str, found: list[Cause]) -> None:
    selector = spec.get("selector")
    if selector is None:
        found.append(required(f"{field}.selector"))
        return
    selector = as_dict(selector)
    if _selector_empty(selector):
        found.append(
            invalid(f"{field}.selector", selector, f"empty selector is invalid for {kind}")
        )
    selector_causes(selector, f"{field}.selector", found)


def _deployment(obj: Obj, old: Obj | None, found: list[Cause]) -> None:
    spec = as_dict(obj.get("spec"))
    _workload_selector(spec, "spec", "deployment", found)
    template_causes(
        spec.get("template"), spec.get("selector"), "spec.template", found, restart="workload"
    )
    non_negative(spec.get("replicas"), "spec.replicas", found)
    non_negative(spec.get("minReadySeconds"), "spec.minReadySeconds", found)
    non_negative(spec.get("revisionHistoryLimit"), "spec.revisionHistoryLimit", found)
    deadline = as_int(spec.get("progressDeadlineSeconds"))
    if deadline is not None:
        non_negative(deadline, "spec.progressDeadlineSeconds", found)
        ready = as_int(spec.get("minReadySeconds")) or 0
        if deadline >= 0 and deadline <= ready:
            found.append(
                invalid(
                    "spec.progressDeadlineSeconds", deadline, "must be greater than minReadySeconds"
                )
            )
    strategy = as_dict(spec.get("strategy"))
    kind = strategy.get("type")
    if kind not in ("Recreate", "RollingUpdate"):
        found.append(unsupported("spec.strategy.type", kind or "", ("Recreate", "RollingUpdate")))
    elif kind == "Recreate" and strategy.get("rollingUpdate") is not None:
        found.append(
            forbidden(
                "spec.strategy.rollingUpdate",
                "may not be specified when strategy `type` is 'Recreate'",
            )
        )
    elif kind == "RollingUpdate":
        rolling = as_dict(strategy.get("rollingUpdate"))
        where = "spec.strategy.rollingUpdate"
        surge, unavailable = rolling.get("maxSurge"), rolling.get("maxUnavailable")
        int_or_percent(surge, f"{where}.maxSurge", found, at_most_100=False)
        int_or_percent(unavailable, f"{where}.maxUnavailable", found, at_most_100=True)
        if _is_zero(surge) and _is_zero(unavailable):
            found.append(
                invalid(
                    f"{where}.maxUnavailable", unavailable or 0, "may not be 0 when `maxSurge` is 0"
                )
            )
    if old is not None:
        old_spec = as_dict(old.get("spec"))
        immutable(spec.get("selector"), old_spec.get("selector"), "spec.selector", found)


def _replica_set(obj: Obj, old: Obj | None, found: list[Cause]) -> None:
    spec = as_dict(obj.get("spec"))
    # The server's own wording: a ReplicaSet's empty selector is refused "for deployment".
    _workload_selector(spec, "spec", "deployment", found)
    if spec.get("template") is not None:
        template_causes(
            spec.get("template"), spec.get("selector"), "spec.template", found, restart="workload"
        )
    non_negative(spec.get("replicas"), "spec.replicas", found)
    non_negative(spec.get("minReadySeconds"), "spec.minReadySeconds", found)
    if old is not None:
        immutable(
            spec.get("selector"), as_dict(old.get("spec")).get("selector"), "spec.selector", found
        )


def _replication_controller(obj: Obj, old: Obj | None, found: list[Cause]) -> None:
    spec = as_dict(obj.get("spec"))
    selector = as_dict(spec.get("selector"))
    if not selector:
        found.append(required("spec.selector"))
    label_causes(selector, "spec.selector", found)
    template = spec.get("template")
    if template is None:
        found.append(required("spec.template"))
    else:
        labels = as_dict(as_dict(as_dict(template).get("metadata")).get("labels"))
        if selector and any(labels.get(k) != v for k, v in selector.items()):
            found.append(
                invalid(
                    "spec.template.metadata.labels",
                    labels or None,
                    "`selector` does not match template `labels`",
                )
            )
        label_causes(labels, "spec.template.metadata.labels", found)
        pod_spec_causes(
            as_dict(template).get("spec"), "spec.template.spec", found, restart="workload"
        )
    non_negative(spec.get("replicas"), "spec.replicas", found)


_STS_MUTABLE = (
    "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', "
    "'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and "
    "'minReadySeconds' are forbidden"
)


def _stateful_set(obj: Obj, old: Obj | None, found: list[Cause]) -> None:
    spec = as_dict(obj.get("spec"))
    _workload_selector(spec, "spec", "statefulset", found)
    template_causes(
        spec.get("template"), spec.get("selector"), "spec.template", found, restart="workload"
    )
    non_negative(spec.get("replicas"), "spec.replicas", found)
    non_negative(spec.get("minReadySeconds"), "spec.minReadySeconds", found)
    non_negative(spec.get("revisionHistoryLimit"), "spec.revisionHistoryLimit", found)
    policy = spec.get("podManagementPolicy")
    if policy not in ("OrderedReady", "Parallel"):
        found.append(
            unsupported("spec.podManagementPolicy", policy or "", ("OrderedReady", "Parallel"))
        )
    strategy = as_dict(spec.get("updateStrategy"))
    kind = strategy.get("type")
    if kind not in ("OnDelete", "RollingUpdate"):
        found.append(
            unsupported("spec.updateStrategy.type", kind or "", ("OnDelete", "RollingUpdate"))
        )
    elif kind == "OnDelete" and strategy.get("rollingUpdate") is not None:
        found.append(
            invalid(
                "spec.updateStrategy.rollingUpdate",
                strategy["rollingUpdate"],
                "only allowed for updateStrategy 'RollingUpdate'",
            )
        )
    else:
        rolling = as_dict(strategy.get("rollingUpdate"))
        non_negative(rolling.get("partition"), "spec.updateStrategy.rollingUpdate.partition", found)
    retention = as_dict(spec.get("persistentVolumeClaimRetentionPolicy"))
    for key in ("whenDeleted", "whenScaled"):
        value = retention.get(key)
        if value is not None and value not in ("Retain", "Delete"):
            found.append(
                unsupported(
                    f"spec.persistentVolumeClaimRetentionPolicy.{key}", value, ("Retain", "Delete")
                )
            )
    if old is not None:
        mutable = (
            "replicas",
            "ordinals",
            "template",
            "updateStrategy",
            "revisionHistoryLimit",
            "persistentVolumeClaimRetentionPolicy",
            "minReadySeconds",
        )
        old_spec = as_dict(old.get("spec"))
        # An unset serviceName is Go's empty one.
        rest = {"serviceName": "", **{k: v for k, v in spec.items() if k not in mutable}}
        old_rest = {"serviceName": "", **{k: v for k, v in old_spec.items() if k not in mutable}}
        if rest != old_rest:
            found.append(forbidden("spec", _STS_MUTABLE))


def _daemon_set(obj: Obj, old: Obj | None, found: list[Cause]) -> None:
    spec = as_dict(obj.get("spec"))
    _workload_selector(spec, "spec", "daemonset", found)
    template_causes(
        spec.get("template"), spec.get("selector"), "spec.template", found, restart="workload"
    )
    non_negative(spec.get("minReadySeconds"), "spec.minReadySeconds", found)
    non_negative(spec.get("revisionHistoryLimit"), "spec.revisionHistoryLimit", found)
    strategy = as_dict(spec.get("updateStrategy"))
    kind = strategy.get("type")
    if kind not in ("OnDelete", "RollingUpdate"):
        found.append(
            unsupported("spec.updateStrategy.type", kind or "", ("OnDelete", "RollingUpdate"))
        )
    elif kind == "RollingUpdate":
        rolling = as_dict(strategy.get("rollingUpdate"))
        where = "spec.updateStrategy.rollingUpdate"
        int_or_percent(
            rolling.get("maxUnavailable"), f"{where}.maxUnavailable", found, at_most_100=True
        )
        int_or_percent(rolling.get("maxSurge"), f"{where}.maxSurge", found, at_most_100=True)
    if old is not None:
        immutable(
            spec.get("selector"), as_dict(old.get("spec")).get("selector"), "spec.selector", found
        )


def _budget(obj: Obj, old: Obj | None, found: list[Cause]) -> None:
    spec = as_dict(obj.get("spec"))
    if spec.get("minAvailable") is not None and spec.get("maxUnavailable") is not None:
        found.append(invalid("spec", spec, "minAvailable and maxUnavailable cannot be both set"))
    for key in ("minAvailable", "maxUnavailable"):
        if spec.get(key) is not None:
            int_or_percent(spec[key], f"spec.{key}", found, at_most_100=True)
    selector_causes(spec.get("selector"), "spec.selector", found)


RULES: dict[tuple[str, str], Rule] = {
    ("", "ReplicationController"): _replication_controller,
    ("apps", "Deployment"): _deployment,
    ("apps", "ReplicaSet"): _replica_set,
    ("apps", "StatefulSet"): _stateful_set,
    ("apps", "DaemonSet"): _daemon_set,
    ("policy", "PodDisruptionBudget"): _budget,
}

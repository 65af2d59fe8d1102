"""The 400 for a built-in body whose apiVersion or kind is not the URL's."""

from __future__ import annotations

from rawkube.testing._catalog import ResourceType
from rawkube.testing._validate._causes import Obj

# Kinds of group-versions no longer served that kube-apiserver's scheme still decodes (so a
# body naming one is told its version does not match, not that the kind is unknown).
_LEGACY_KINDS = {
    "extensions/v1beta1": ("DaemonSet", "Deployment", "Ingress", "NetworkPolicy", "ReplicaSet"),
    "apps/v1beta1": ("ControllerRevision", "Deployment", "StatefulSet"),
    "apps/v1beta2": ("ControllerRevision", "DaemonSet", "Deployment", "ReplicaSet", "StatefulSet"),
    "batch/v1beta1": ("CronJob",),
    "autoscaling/v2beta1": ("HorizontalPodAutoscaler",),
    "autoscaling/v2beta2": ("HorizontalPodAutoscaler",),
    "policy/v1beta1": ("Eviction", "PodDisruptionBudget"),
    "rbac.authorization.k8s.io/v1beta1": (
        "ClusterRole",
        "ClusterRoleBinding",
        "Role",
        "RoleBinding",
    ),
    "scheduling.k8s.io/v1beta1": ("PriorityClass",),
}
_SCHEME = "pkg/api/legacyscheme/scheme.go:30"


def _registered(api_version: str, kind: str) -> bool:
    from rawkube.testing._facts import definition_for

    group, _, version = api_version.rpartition("/")
    return definition_for(group, version, kind) is not None or kind in _LEGACY_KINDS.get(
        api_version, ()
    )


def version_kind_problem(resource: ResourceType, body: Obj) -> str | None:
    """The server's 400 for a built-in body whose apiVersion or kind is not the URL's.

    The server decodes the body as what it says it is, then converts it to the URL's kind:
    a kind its scheme lacks is "not registered", another kind does not convert, and the
    right kind of another version is "the API version in the data ... does not match".
    """
    api_version = body.get("apiVersion") or resource.api_version
    kind = body.get("kind") or resource.kind
    if (api_version, kind) == (resource.api_version, resource.kind):
        return None
    version = api_version.rpartition("/")[2]
    prefix = f'{kind} in version "{version}" cannot be handled as a {resource.kind}'
    if not _registered(api_version, kind):
        return (
            f'{prefix}: no kind "{kind}" is registered for version "{api_version}" in scheme '
            f'"{_SCHEME}"'
        )
    if kind != resource.kind:
        internal = resource.group.split(".")[0] if resource.group else "core"
        target = f"{internal}.{resource.kind}"
        return f"{prefix}: converting ({version}.{kind}) to ({target}): unknown conversion"
    return (
        f"the API version in the data ({api_version}) does not match the expected API version "
        f"({resource.api_version})"
    )

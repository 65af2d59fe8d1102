"""Writes checked as kube-apiserver checks them: one 422 Invalid naming every field at fault.

:func:`admit` is what the server does to a decoded write of a built-in kind before storing
it: nulls become what Go decodes them to (``_schema``), the kind's defaults are filled in
(``_defaults``), then the object is validated: the fields the facts mark required, and the
rules of the kinds a user meets most (pods and their templates, workloads, jobs, services,
config maps, secrets, claims, RBAC, ingresses), on create and on update (immutable fields).
Each rule yields the server's cause (``spec.replicas: Invalid value: -1: must be greater than
or equal to 0``); metadata is checked by ``_meta`` as the store does, and joined to the same
422 so that one answer names every field.

Each kind's rule is in the module of its area (``_pods``, ``_workloads``, ``_jobs``,
``_services``, ``_config``, ``_claims``, ``_rbac``, ``_custom``), listed in its ``RULES``;
``_causes`` words the field errors, ``_common`` holds the rules several kinds share.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import msgspec

from rawkube.testing import _defaults
from rawkube.testing._catalog import ResourceType
from rawkube.testing._errors import go_quote
from rawkube.testing._schema import compiled, drop_nulls, required_causes
from rawkube.testing._validate import (
    _claims,
    _config,
    _custom,
    _jobs,
    _pods,
    _rbac,
    _services,
    _workloads,
)
from rawkube.testing._validate._causes import (
    Cause,
    Obj,
    Rule,
    as_dict,
    as_list,
    forbidden,
    invalid,
    invalid_error,
)
from rawkube.testing._validate._custom import admit_custom
from rawkube.testing._validate._rbac import RBAC
from rawkube.testing._validate._versions import version_kind_problem

if TYPE_CHECKING:
    from rawkube.testing._store import Store

__all__ = ["admit", "admit_status", "invalid", "validate", "version_kind_problem"]


def admit(
    resource: ResourceType,
    obj: Obj,
    live: Obj | None,
    *,
    name: str = "",
    creating: bool,
    store: Store | None = None,
) -> Obj:
    """``obj`` (changed in place) as the server stores it, or the 422 it answers instead.

    ``live`` is the stored object an update replaces (None on create); ``name`` the name on
    the URL; ``store`` (held locked) what an update allocates from. Custom resources are left
    as they are.
    """
    if resource.definition is None:
        if isinstance(resource.schema, Mapping):
            admit_custom(resource, obj, name, creating=creating)
        return obj
    if _has_null(obj):
        drop_nulls(obj, compiled(resource.definition))
    _defaults.apply(resource, obj)
    if creating:
        _defaults.apply_create(resource, obj)
    if live is not None:
        _defaults.carry_over(resource, obj, live, store)
    old = None if creating else live
    found = validate(resource, obj, old)
    if found and old is not None and (resource.group, resource.kind) in _UPDATE_RULES:
        from rawkube.testing._fields import prune_unknown

        # The server compares with the stored object as it decodes it: without the fields
        # its types lack (an object seeded from a newer server, say), with its defaults (an
        # object seeded without them). That costs a copy, so only an update the stored
        # object refuses is looked at again.
        old = prune_unknown(old, resource.definition, None)[0]
        _defaults.apply(resource, old)
        found = validate(resource, obj, old)
    if live is not None and not creating:
        found = _finalizer_causes(obj, live) + found
    if found:
        raise invalid_error(resource, obj, found, name, creating=creating)
    return obj


_encode = msgspec.json.Encoder().encode


def _has_null(obj: Obj) -> bool:
    """Whether a null may be in ``obj`` (encoding it is quicker than walking it)."""
    try:
        return b"null" in _encode(obj)
    except (TypeError, ValueError, OverflowError):
        return True


def admit_status(resource: ResourceType, obj: Obj) -> Obj:
    """A status write: its nulls as Go decodes them (the spec is the stored one, not checked)."""
    if resource.definition is not None and _has_null(obj):
        drop_nulls(obj, compiled(resource.definition))
    return obj


def validate(resource: ResourceType, obj: Obj, old: Obj | None) -> list[Cause]:
    """Every problem the server's validation finds in ``obj``.

    ``old`` is the object an update replaces, for the kinds with fields an update may not
    change (None on create, or for the other kinds).
    """
    found: list[Cause] = []
    rule = _RULES.get((resource.group, resource.kind))
    if rule is not None:
        rule(obj, old, found)
    if resource.definition is not None:
        generic: list[Cause] = []
        node = compiled(resource.definition)
        for key, value in obj.items():
            child = node.properties.get(key)
            if child is not None and key not in ("metadata", "status"):
                required_causes(value, child, key, generic)
        if generic:
            said = [cause["field"] for cause in found]
            # A rule of the kind already said it (or said more, deeper down): say it once.
            found += [
                cause
                for cause in generic
                if not any(f == cause["field"] or f.startswith(cause["field"] + ".") for f in said)
            ]
    return found


def _finalizer_causes(obj: Obj, live: Obj) -> list[Cause]:
    """An object being deleted takes no new finalizer (the server says so twice: its generic
    and its kind's update checks both run the metadata rule)."""
    before = as_dict(live.get("metadata"))
    if not before.get("deletionTimestamp"):
        return []
    kept = set(as_list(before.get("finalizers")))
    new = [f for f in as_list(as_dict(obj.get("metadata")).get("finalizers")) if f not in kept]
    if not new:
        return []
    listed = ", ".join(go_quote(str(f)) for f in new)
    cause = forbidden(
        "metadata.finalizers",
        "no new finalizers can be added if the object is being deleted, found new finalizers "
        f"[]string{{{listed}}}",
    )
    return [cause, dict(cause)]


# Each kind's rule, from the module of its kind.
_RULES: dict[tuple[str, str], Rule] = {
    **_pods.RULES,
    **_workloads.RULES,
    **_jobs.RULES,
    **_services.RULES,
    **_config.RULES,
    **_claims.RULES,
    **_rbac.RULES,
    **_custom.RULES,
}


# The kinds whose rules compare an update with the object it replaces.
_UPDATE_RULES = {
    ("", "Pod"),
    ("", "Service"),
    ("", "ConfigMap"),
    ("", "Secret"),
    ("apps", "Deployment"),
    ("apps", "ReplicaSet"),
    ("apps", "StatefulSet"),
    ("apps", "DaemonSet"),
    ("batch", "Job"),
    (RBAC, "RoleBinding"),
    (RBAC, "ClusterRoleBinding"),
}

"""Writes checked as kube-apiserver checks them: one 422 Invalid naming every field at fault.

:func:`admit` is what the server does to a decoded write of a built-in kind before storing
it: nulls become what Go decodes them to (``_schema``), the kind's defaults are filled in
(``_defaults``), then the object is validated: the fields the facts mark required, and the
rules of the kinds a user meets most (pods and their templates, workloads, jobs, services,
config maps, secrets, claims, RBAC, ingresses), on create and on update (immutable fields).
Each rule yields the server's cause (``spec.replicas: Invalid value: -1: must be greater than
or equal to 0``); metadata is checked by ``_meta`` as the store does, and joined to the same
422 so that one answer names every field.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import msgspec

from rawkube.core._label_selector import from_label_selector
from rawkube.testing import _defaults, _meta
from rawkube.testing._catalog import ResourceType
from rawkube.testing._errors import FakeApiError, go_quote, invalid_object
from rawkube.testing._names import name_problem
from rawkube.testing._schema import compiled, drop_nulls, required_causes

if TYPE_CHECKING:
    from rawkube.testing._store import Store

__all__ = ["admit", "admit_status", "validate"]

Obj = dict[str, Any]
Cause = dict[str, str]


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


def invalid_error(
    resource: ResourceType, obj: Obj, found: list[Cause], name: str, *, creating: bool
) -> FakeApiError:
    metadata = obj.get("metadata")
    metadata = dict(metadata) if isinstance(metadata, dict) else {}
    _meta.normalize(metadata)
    given = metadata.get("name") or name
    metadata["name"] = given
    meta_causes = _meta.causes(
        metadata, resource.group, resource.plural, custom=resource.crd is not None
    )
    if creating and not given and metadata.get("generateName"):
        # The server names the object before it validates it: the name is not missing.
        given = str(metadata["generateName"])
        meta_causes = [c for c in meta_causes if c["field"] != "metadata.name"]
    return invalid_object(resource.kind, resource.group, given, meta_causes + found)


# --- causes, worded as apimachinery's field errors ------------------------------------------


def shown(value: Any) -> str:
    """A bad value as the server prints it in a field error."""
    if isinstance(value, str):
        return go_quote(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, (int, float)):
        return str(value)
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def invalid(field: str, value: Any, detail: str) -> Cause:
    """FieldValueInvalid."""
    return {
        "reason": "FieldValueInvalid",
        "message": f"Invalid value: {shown(value)}: {detail}",
        "field": field,
    }


def required(field: str, detail: str = "") -> Cause:
    """FieldValueRequired."""
    message = f"Required value: {detail}" if detail else "Required value"
    return {"reason": "FieldValueRequired", "message": message, "field": field}


def unsupported(field: str, value: Any, supported: tuple[str, ...]) -> Cause:
    """FieldValueNotSupported, the supported values listed."""
    listed = ", ".join(go_quote(item) for item in supported)
    return {
        "reason": "FieldValueNotSupported",
        "message": f"Unsupported value: {shown(value)}: supported values: {listed}",
        "field": field,
    }


def duplicate(field: str, value: Any) -> Cause:
    """FieldValueDuplicate."""
    return {
        "reason": "FieldValueDuplicate",
        "message": f"Duplicate value: {shown(value)}",
        "field": field,
    }


def not_found(field: str, value: Any) -> Cause:
    """FieldValueNotFound."""
    return {"reason": "FieldValueNotFound", "message": f"Not found: {shown(value)}", "field": field}


def forbidden(field: str, detail: str) -> Cause:
    """FieldValueForbidden."""
    return {"reason": "FieldValueForbidden", "message": f"Forbidden: {detail}", "field": field}


def as_dict(value: Any) -> Obj:
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def as_int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


# --- shared rules -----------------------------------------------------------------------------

NON_NEGATIVE = "must be greater than or equal to 0"
PORT_RANGE = "must be between 1 and 65535, inclusive"
_IMMUTABLE = "field is immutable"
_LABEL_VALUE = re.compile(r"(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?")
_LABEL_VALUE_TEXT = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or "
    "'my_value',  or '12345', regex used for validation is "
    "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
)
_PERCENT = re.compile(r"[0-9]+%")
_PERCENT_TEXT = (
    "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  "
    "or '93%', regex used for validation is '[0-9]+%')"
)
_PORT_NAME_CHARS = re.compile(r"[-a-z0-9]+")
_LETTER = re.compile(r"[a-z]")
_CONFIG_KEY = re.compile(r"[-._a-zA-Z0-9]+")
_CONFIG_KEY_TEXT = (
    "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. "
    "'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is "
    "'[-._a-zA-Z0-9]+')"
)
_DATA_LIMIT = 1024 * 1024  # a ConfigMap's or Secret's data, all keys together


def non_negative(value: Any, field: str, found: list[Cause]) -> None:
    """A count that may not be below zero."""
    number = as_int(value)
    if number is not None and number < 0:
        found.append(invalid(field, number, NON_NEGATIVE))


def label_causes(labels: Any, field: str, found: list[Cause]) -> None:
    """Label keys (qualified names) and values, as ``ValidateLabels`` checks them."""
    for key, value in as_dict(labels).items():
        found += [invalid(field, key, p) for p in _meta.qualified_name_problems(key)]
        if not isinstance(value, str):
            continue
        if len(value.encode()) > 63:
            found.append(invalid(field, value, "must be no more than 63 characters"))
        if not _LABEL_VALUE.fullmatch(value):
            found.append(invalid(field, value, _LABEL_VALUE_TEXT))


def label_name_problem(value: str) -> str | None:
    """Why ``value`` is not a lowercase RFC 1123 label (a container's name, say)."""
    return name_problem("", "namespaces", value)


def port_name_problems(value: str) -> list[str]:
    """apimachinery's IsValidPortName: an IANA service name."""
    problems: list[str] = []
    if len(value) > 15:
        problems.append("must be no more than 15 characters")
    if not _PORT_NAME_CHARS.fullmatch(value):
        problems.append("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")
    if "--" in value:
        problems.append("must not contain consecutive hyphens")
    if value and not _LETTER.search(value):
        problems.append("must contain at least one letter (a-z)")
    if value.startswith("-") or value.endswith("-"):
        problems.append("must not begin or end with a hyphen")
    return problems


def port_number(value: Any, field: str, found: list[Cause]) -> None:
    """A port that must be between 1 and 65535."""
    number = as_int(value)
    if number is not None and not 1 <= number <= 65535:
        found.append(invalid(field, number, PORT_RANGE))


def int_or_percent(value: Any, field: str, found: list[Cause], *, at_most_100: bool) -> None:
    """An int-or-string that is a count or a percentage (``maxSurge``, ``maxUnavailable``)."""
    if isinstance(value, str):
        if not _PERCENT.fullmatch(value):
            found.append(invalid(field, value, _PERCENT_TEXT))
        elif at_most_100 and int(value[:-1]) > 100:
            found.append(invalid(field, value, "must not be greater than 100%"))
    else:
        non_negative(value, field, found)


def _is_zero(value: Any) -> bool:
    return value in (0, "0%") or value is None


def config_key_causes(data: Any, field: str, found: list[Cause]) -> None:
    """The keys of a ConfigMap's or Secret's data (``data[my key]``)."""
    for key in as_dict(data):
        where = f"{field}[{key}]"
        if len(key) > 253:
            found.append(invalid(where, key, "must be no more than 253 characters"))
        if not _CONFIG_KEY.fullmatch(key):
            found.append(invalid(where, key, _CONFIG_KEY_TEXT))
        if key == ".":
            found.append(invalid(where, key, "must not be '.'"))
        elif key == "..":
            found.append(invalid(where, key, "must not be '..'"))
        elif key.startswith(".."):
            found.append(invalid(where, key, "must not start with '..'"))


def _selector_matches(selector: Obj, labels: Mapping[Any, Any]) -> bool:
    """Whether the template's labels are selected: rawkube.selector_matches's own matcher."""
    try:
        return from_label_selector(selector).matches(labels)
    except (TypeError, ValueError):
        # The server checks a selector it cannot build no further; selector_causes says why.
        return True


def _selector_empty(selector: Obj) -> bool:
    return not selector.get("matchLabels") and not selector.get("matchExpressions")


def selector_causes(selector: Any, field: str, found: list[Cause]) -> None:
    """A LabelSelector's labels and expressions, as ``ValidateLabelSelector`` checks them."""
    selector = as_dict(selector)
    label_causes(selector.get("matchLabels"), f"{field}.matchLabels", found)
    for index, expression in enumerate(as_list(selector.get("matchExpressions"))):
        expression = as_dict(expression)
        where = f"{field}.matchExpressions[{index}]"
        operator = expression.get("operator")
        values = expression.get("values")
        if operator in ("In", "NotIn"):
            if not values:
                found.append(
                    required(
                        f"{where}.values", "must be specified when `operator` is 'In' or 'NotIn'"
                    )
                )
        elif operator in ("Exists", "DoesNotExist"):
            if values:
                found.append(
                    forbidden(
                        f"{where}.values",
                        "may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
                    )
                )
        elif operator:
            found.append(invalid(f"{where}.operator", operator, "not a valid selector operator"))
        key = expression.get("key")
        if isinstance(key, str):
            found += [invalid(f"{where}.key", key, p) for p in _meta.qualified_name_problems(key)]


def quantity(value: Any) -> Decimal | None:
    from rawkube.models._types import parse_quantity

    try:
        return parse_quantity(str(value))
    except ValueError:
        return None


# --- pods and pod templates -----------------------------------------------------------------

_RESTART_ANY = ("Always", "Never", "OnFailure")
_RESTART_JOB = ("OnFailure", "Never")
_PULL_POLICIES = ("Always", "IfNotPresent", "Never")
PROTOCOLS = ("SCTP", "TCP", "UDP")
_DNS_POLICIES = ("ClusterFirst", "ClusterFirstWithHostNet", "Default", "None")
_MESSAGE_POLICIES = ("File", "FallbackToLogsOnError")
_TOLERATION_OPERATORS = ("Equal", "Exists")
_TAINT_EFFECTS = ("NoExecute", "NoSchedule", "PreferNoSchedule")


def pod_spec_causes(spec: Any, field: str, found: list[Cause], *, restart: str) -> None:
    """A PodSpec, as ``ValidatePodSpec`` checks it (``restart``: pod, workload or job)."""
    spec = as_dict(spec)
    volumes = _volume_causes(spec.get("volumes"), f"{field}.volumes", found)
    containers = as_list(spec.get("containers"))
    if not containers:
        found.append(required(f"{field}.containers"))
    names: set[str] = set()
    for kind in ("containers", "initContainers"):
        for index, container in enumerate(as_list(spec.get(kind))):
            _container_causes(as_dict(container), f"{field}.{kind}[{index}]", names, volumes, found)
    policy = spec.get("restartPolicy")
    where = f"{field}.restartPolicy"
    if restart == "job":
        if not policy:
            found.append(required(where, 'valid values: "OnFailure", "Never"'))
        elif policy not in _RESTART_JOB:
            found.append(unsupported(where, policy, _RESTART_JOB))
    elif restart == "workload":
        if policy != "Always":
            found.append(unsupported(where, policy or "", ("Always",)))
    elif policy not in _RESTART_ANY:
        found.append(unsupported(where, policy or "", _RESTART_ANY))
    dns = spec.get("dnsPolicy")
    if dns is not None and dns not in _DNS_POLICIES:
        found.append(unsupported(f"{field}.dnsPolicy", dns, _DNS_POLICIES))
    label_causes(spec.get("nodeSelector"), f"{field}.nodeSelector", found)
    for index, toleration in enumerate(as_list(spec.get("tolerations"))):
        _toleration_causes(as_dict(toleration), f"{field}.tolerations[{index}]", found)
    non_negative(
        spec.get("terminationGracePeriodSeconds"), f"{field}.terminationGracePeriodSeconds", found
    )
    deadline = as_int(spec.get("activeDeadlineSeconds"))
    if deadline is not None and deadline <= 0:
        found.append(invalid(f"{field}.activeDeadlineSeconds", deadline, "must be greater than 0"))


def _volume_causes(volumes: Any, field: str, found: list[Cause]) -> set[str]:
    names: set[str] = set()
    for index, volume in enumerate(as_list(volumes)):
        name = as_dict(volume).get("name")
        where = f"{field}[{index}].name"
        if not isinstance(name, str) or not name:
            continue  # the facts' required check says so
        problem = label_name_problem(name)
        if problem:
            found.append(invalid(where, name, problem))
        if name in names:
            found.append(duplicate(where, name))
        names.add(name)
    return names


def _container_causes(
    container: Obj, field: str, names: set[str], volumes: set[str], found: list[Cause]
) -> None:
    name = container.get("name")
    if isinstance(name, str) and name:
        problem = label_name_problem(name)
        if problem:
            found.append(invalid(f"{field}.name", name, problem))
        if name in names:
            found.append(duplicate(f"{field}.name", name))
        names.add(name)
    image = container.get("image")
    if not isinstance(image, str) or not image:
        found.append(required(f"{field}.image"))
    elif image != image.strip():
        found.append(
            invalid(f"{field}.image", image, "must not have leading or trailing whitespace")
        )
    port_names: set[str] = set()
    for index, port in enumerate(as_list(container.get("ports"))):
        _container_port_causes(as_dict(port), f"{field}.ports[{index}]", port_names, found)
    for index, env in enumerate(as_list(container.get("env"))):
        env_name = as_dict(env).get("name")
        if isinstance(env_name, str) and "=" in env_name:
            found.append(
                invalid(
                    f"{field}.env[{index}].name",
                    env_name,
                    "a valid environment variable name must consist only of printable ASCII "
                    "characters other than '='",
                )
            )
    paths: set[str] = set()
    for index, mount in enumerate(as_list(container.get("volumeMounts"))):
        mount = as_dict(mount)
        where = f"{field}.volumeMounts[{index}]"
        mount_name = mount.get("name")
        if isinstance(mount_name, str) and mount_name and mount_name not in volumes:
            found.append(not_found(f"{where}.name", mount_name))
        path = mount.get("mountPath")
        if isinstance(path, str) and path:
            if path in paths:
                found.append(invalid(f"{where}.mountPath", path, "must be unique"))
            paths.add(path)
    _resources_causes(as_dict(container.get("resources")), f"{field}.resources", found)
    policy = container.get("terminationMessagePolicy")
    if policy is not None and policy not in _MESSAGE_POLICIES:
        found.append(unsupported(f"{field}.terminationMessagePolicy", policy, _MESSAGE_POLICIES))
    pull = container.get("imagePullPolicy")
    if pull is not None and pull not in _PULL_POLICIES:
        found.append(unsupported(f"{field}.imagePullPolicy", pull, _PULL_POLICIES))


def _container_port_causes(port: Obj, field: str, names: set[str], found: list[Cause]) -> None:
    name = port.get("name")
    if isinstance(name, str) and name:
        found += [invalid(f"{field}.name", name, p) for p in port_name_problems(name)]
        if name in names:
            found.append(duplicate(f"{field}.name", name))
        names.add(name)
    if port.get("containerPort") == 0:
        found.append(required(f"{field}.containerPort"))  # 0 is the port not given
    else:
        port_number(port.get("containerPort"), f"{field}.containerPort", found)
    host = as_int(port.get("hostPort"))
    if host:
        port_number(host, f"{field}.hostPort", found)
    protocol = port.get("protocol")
    if protocol is not None and protocol not in PROTOCOLS:
        found.append(unsupported(f"{field}.protocol", protocol, PROTOCOLS))


def _resources_causes(resources: Obj, field: str, found: list[Cause]) -> None:
    limits = as_dict(resources.get("limits"))
    for which in ("limits", "requests"):
        for key, value in as_dict(resources.get(which)).items():
            amount = quantity(value)
            if amount is not None and amount < 0:
                found.append(invalid(f"{field}.{which}[{key}]", str(value), NON_NEGATIVE))
    for key, value in as_dict(resources.get("requests")).items():
        limit = limits.get(key)
        if limit is None:
            continue
        asked, allowed = quantity(value), quantity(limit)
        if asked is not None and allowed is not None and asked > allowed:
            found.append(
                invalid(
                    f"{field}.requests",
                    str(value),
                    f"must be less than or equal to {key} limit of {limit}",
                )
            )


def _toleration_causes(toleration: Obj, field: str, found: list[Cause]) -> None:
    operator = toleration.get("operator")
    if operator and operator not in _TOLERATION_OPERATORS:
        found.append(unsupported(f"{field}.operator", operator, _TOLERATION_OPERATORS))
    if operator == "Exists" and toleration.get("value"):
        found.append(
            invalid(
                f"{field}.operator",
                toleration["value"],
                "value must be empty when `operator` is 'Exists'",
            )
        )
    effect = toleration.get("effect")
    if effect and effect not in _TAINT_EFFECTS:
        found.append(unsupported(f"{field}.effect", effect, _TAINT_EFFECTS))
    if toleration.get("tolerationSeconds") is not None and effect != "NoExecute":
        found.append(
            invalid(
                f"{field}.effect",
                effect or "",
                "effect must be 'NoExecute' when `tolerationSeconds` is set",
            )
        )


def template_causes(
    template: Any,
    selector: Any,
    field: str,
    found: list[Cause],
    *,
    restart: str,
    check_selector: bool = True,
) -> None:
    """A pod template of a workload: its labels, the selector matching them, its PodSpec."""
    template = as_dict(template)
    labels = as_dict(as_dict(template.get("metadata")).get("labels"))
    label_causes(labels, f"{field}.metadata.labels", found)
    if check_selector:
        chosen = as_dict(selector)
        if selector is None or not _selector_matches(chosen, labels):
            found.append(
                invalid(
                    f"{field}.metadata.labels",
                    labels or None,
                    "`selector` does not match template `labels`",
                )
            )
    pod_spec_causes(template.get("spec"), f"{field}.spec", found, restart=restart)


def _pod(obj: Obj, old: Obj | None, found: list[Cause]) -> None:
    pod_spec_causes(obj.get("spec"), "spec", found, restart="pod")
    if old is not None:
        _pod_update_causes(as_dict(obj.get("spec")), as_dict(old.get("spec")), found)


# The fields of a running pod's spec an update may change (everything else is fixed).
_POD_MUTABLE = (
    "`spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,"
    "`spec.tolerations` (only additions to existing tolerations),"
    "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously "
    "negative)"
)


def _pod_update_causes(spec: Obj, old: Obj, found: list[Cause]) -> None:
    def fixed_part(value: Obj) -> Obj:
        copied = dict(value)
        for kind in ("containers", "initContainers"):
            copied[kind] = [
                {k: v for k, v in as_dict(c).items() if k != "image"}
                for c in as_list(value.get(kind))
            ]
        for key in ("activeDeadlineSeconds", "tolerations", "terminationGracePeriodSeconds"):
            copied.pop(key, None)
        return copied

    if fixed_part(spec) != fixed_part(old):
        found.append(
            forbidden("spec", f"pod updates may not change fields other than {_POD_MUTABLE}")
        )


def _pod_template(obj: Obj, old: Obj | None, found: list[Cause]) -> None:
    template = as_dict(obj.get("template"))
    label_causes(as_dict(template.get("metadata")).get("labels"), "template.metadata.labels", found)
    pod_spec_causes(template.get("spec"), "template.spec", found, restart="pod")


# --- workloads ------------------------------------------------------------------------------


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


def immutable(new: Any, old: Any, field: str, found: list[Cause]) -> None:
    if new != old:
        found.append(invalid(field, new, _IMMUTABLE))


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


# --- jobs -----------------------------------------------------------------------------------


def job_spec_causes(spec: Any, field: str, found: list[Cause], *, generated: bool) -> None:
    """A JobSpec (``generated``: its selector is the server's own, checked when made)."""
    spec = as_dict(spec)
    for key in (
        "parallelism",
        "completions",
        "backoffLimit",
        "activeDeadlineSeconds",
        "ttlSecondsAfterFinished",
    ):
        non_negative(spec.get(key), f"{field}.{key}", found)
    mode = spec.get("completionMode")
    if mode is not None and mode not in ("Indexed", "NonIndexed"):
        found.append(unsupported(f"{field}.completionMode", mode, ("NonIndexed", "Indexed")))
    if mode == "Indexed" and spec.get("completions") is None:
        found.append(required(f"{field}.completions", "when completion mode is Indexed"))
    manual = spec.get("manualSelector") is True
    if manual:
        if spec.get("selector") is None:
            found.append(required(f"{field}.selector"))
        else:
            selector_causes(spec.get("selector"), f"{field}.selector", found)
    template_causes(
        spec.get("template"),
        spec.get("selector"),
        f"{field}.template",
        found,
        restart="job",
        check_selector=manual or generated,
    )


def _job(obj: Obj, old: Obj | None, found: list[Cause]) -> None:
    spec = as_dict(obj.get("spec"))
    # On create the selector is made after this check (it needs the uid): see _defaults.
    job_spec_causes(spec, "spec", found, generated=old is not None)
    if old is not None:
        old_spec = as_dict(old.get("spec"))
        immutable(spec.get("selector"), old_spec.get("selector"), "spec.selector", found)
        if not old_spec.get("suspend"):
            immutable(spec.get("template"), old_spec.get("template"), "spec.template", found)
        immutable(
            spec.get("completionMode"), old_spec.get("completionMode"), "spec.completionMode", found
        )


_CRON_MACROS = ("@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly")


def _cron_job(obj: Obj, old: Obj | None, found: list[Cause]) -> None:
    spec = as_dict(obj.get("spec"))
    schedule = spec.get("schedule")
    if isinstance(schedule, str) and schedule:
        text = schedule
        if text.startswith(("TZ=", "CRON_TZ=")):
            found.append(
                invalid(
                    "spec.schedule",
                    schedule,
                    "cannot use TZ or CRON_TZ in schedule, use timeZone field instead",
                )
            )
        elif not (text in _CRON_MACROS or text.startswith("@every ")):
            fields = text.split()
            if len(fields) != 5:
                found.append(
                    invalid(
                        "spec.schedule",
                        schedule,
                        f"expected exactly 5 fields, found {len(fields)}: {text}",
                    )
                )
    policy = spec.get("concurrencyPolicy")
    if policy not in ("Allow", "Forbid", "Replace"):
        found.append(
            unsupported("spec.concurrencyPolicy", policy or "", ("Allow", "Forbid", "Replace"))
        )
    for key in ("startingDeadlineSeconds", "successfulJobsHistoryLimit", "failedJobsHistoryLimit"):
        non_negative(spec.get(key), f"spec.{key}", found)
    template = as_dict(spec.get("jobTemplate"))
    job_spec_causes(template.get("spec"), "spec.jobTemplate.spec", found, generated=False)


# --- services -------------------------------------------------------------------------------

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


# --- config maps, secrets, claims -----------------------------------------------------------


def _data_size(*maps: Any) -> int:
    return sum(len(k) + len(str(v)) for data in maps for k, v in as_dict(data).items())


def _immutable_data(obj: Obj, old: Obj | None, keys: tuple[str, ...], found: list[Cause]) -> None:
    if old is None or old.get("immutable") is not True:
        return
    text = "field is immutable when `immutable` is set"
    for key in keys:
        if (obj.get(key) or {}) != (old.get(key) or {}):
            found.append(forbidden(key, text))
    if obj.get("immutable") is not True:
        found.append(forbidden("immutable", text))


def _config_map(obj: Obj, old: Obj | None, found: list[Cause]) -> None:
    data, binary = as_dict(obj.get("data")), as_dict(obj.get("binaryData"))
    config_key_causes(data, "data", found)
    config_key_causes(binary, "binaryData", found)
    for key in data:
        if key in binary:
            found.append(invalid(f"data[{key}]", key, "duplicate of key present in binaryData"))
    if _data_size(data, binary) > _DATA_LIMIT:
        found.append(
            {
                "reason": "FieldValueTooLong",
                "message": f"Too long: must have at most {_DATA_LIMIT} bytes",
                "field": "",
            }
        )
    _immutable_data(obj, old, ("data", "binaryData"), found)


# The keys a typed Secret must hold.
_SECRET_KEYS = {
    "kubernetes.io/tls": ("tls.crt", "tls.key"),
    "kubernetes.io/dockerconfigjson": (".dockerconfigjson",),
    "kubernetes.io/dockercfg": (".dockercfg",),
    "kubernetes.io/ssh-auth": ("ssh-privatekey",),
}


def _secret(obj: Obj, old: Obj | None, found: list[Cause]) -> None:
    data = as_dict(obj.get("data"))
    config_key_causes(data, "data", found)
    kind = obj.get("type")
    for key in _SECRET_KEYS.get(str(kind), ()):
        if key not in data:
            found.append(required(f"data[{key}]"))
    if kind == "kubernetes.io/service-account-token":
        annotations = as_dict(as_dict(obj.get("metadata")).get("annotations"))
        if not annotations.get("kubernetes.io/service-account.name"):
            found.append(required("metadata.annotations[kubernetes.io/service-account.name]"))
    if _data_size(data) > _DATA_LIMIT:
        found.append(
            {
                "reason": "FieldValueTooLong",
                "message": f"Too long: may not be more than {_DATA_LIMIT} bytes",
                "field": "data",
            }
        )
    if old is not None:
        immutable(kind, old.get("type"), "type", found)
    _immutable_data(obj, old, ("data",), found)


_ACCESS_MODES = ("ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod")


def claim_spec_causes(spec: Any, field: str, found: list[Cause]) -> None:
    """A PersistentVolumeClaimSpec: access modes, the storage asked for, the volume mode."""
    spec = as_dict(spec)
    modes = as_list(spec.get("accessModes"))
    if not modes:
        found.append(required(f"{field}.accessModes", "at least 1 access mode is required"))
    for mode in modes:
        if mode not in _ACCESS_MODES:
            found.append(unsupported(f"{field}.accessModes", mode, _ACCESS_MODES))
    storage = as_dict(as_dict(spec.get("resources")).get("requests")).get("storage")
    if storage is None:
        found.append(required(f"{field}.resources[storage]"))
    else:
        amount = quantity(storage)
        if amount is not None and amount <= 0:
            found.append(
                invalid(f"{field}.resources[storage]", str(storage), "must be greater than zero")
            )
    mode = spec.get("volumeMode")
    if mode is not None and mode not in ("Block", "Filesystem"):
        found.append(unsupported(f"{field}.volumeMode", mode, ("Block", "Filesystem")))


def _claim(obj: Obj, old: Obj | None, found: list[Cause]) -> None:
    claim_spec_causes(obj.get("spec"), "spec", found)


# --- RBAC, ingresses, budgets ---------------------------------------------------------------

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


def _budget(obj: Obj, old: Obj | None, found: list[Cause]) -> None:
    spec = as_dict(obj.get("spec"))
    if spec.get("minAvailable") is not None and spec.get("maxUnavailable") is not None:
        found.append(invalid("spec", spec, "minAvailable and maxUnavailable cannot be both set"))
    for key in ("minAvailable", "maxUnavailable"):
        if spec.get(key) is not None:
            int_or_percent(spec[key], f"spec.{key}", found, at_most_100=True)
    selector_causes(spec.get("selector"), "spec.selector", found)


_CRD_GROUP = "apiextensions.k8s.io"


def _crd(obj: Obj, old: Obj | None, found: list[Cause]) -> None:
    # Part of the server's name check for a CRD: the store checks it too, on its own.
    spec = as_dict(obj.get("spec"))
    names = as_dict(spec.get("names"))
    name = as_dict(obj.get("metadata")).get("name")
    wanted = f"{names.get('plural', '')}.{spec.get('group', '')}"
    if name and name != wanted:
        found.append(invalid("metadata.name", name, 'must be spec.names.plural+"."+spec.group'))


Rule = Callable[[Obj, "Obj | None", list[Cause]], None]

_RULES: dict[tuple[str, str], Rule] = {
    ("", "Pod"): _pod,
    ("", "PodTemplate"): _pod_template,
    ("", "ReplicationController"): _replication_controller,
    ("", "Service"): _service,
    ("", "ConfigMap"): _config_map,
    ("", "Secret"): _secret,
    ("", "PersistentVolumeClaim"): _claim,
    ("apps", "Deployment"): _deployment,
    ("apps", "ReplicaSet"): _replica_set,
    ("apps", "StatefulSet"): _stateful_set,
    ("apps", "DaemonSet"): _daemon_set,
    ("batch", "Job"): _job,
    ("batch", "CronJob"): _cron_job,
    (RBAC, "Role"): _role,
    (RBAC, "ClusterRole"): _cluster_role,
    (RBAC, "RoleBinding"): _role_binding,
    (RBAC, "ClusterRoleBinding"): _cluster_role_binding,
    ("networking.k8s.io", "Ingress"): _ingress,
    ("policy", "PodDisruptionBudget"): _budget,
    (_CRD_GROUP, "CustomResourceDefinition"): _crd,
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


# --- apiVersion and kind of a body ------------------------------------------------------------

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


# --- custom resources -----------------------------------------------------------------------

_JSON_TYPES = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "object": (dict,),
    "array": (list,),
}


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "integer" if value.is_integer() else "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def admit_custom(resource: ResourceType, obj: Obj, name: str, *, creating: bool) -> None:
    """A custom resource as its CRD's schema has it: nulls pruned, defaults, then validation.

    As the apiextensions server does: a null is dropped where the schema does not say
    ``nullable``, a ``default`` fills a missing field, and each rule the schema states (type,
    required, enum, bounds, lengths, pattern, item counts) that the object breaks is a cause
    of one 422. CEL rules (``x-kubernetes-validations``) are not evaluated.
    """
    schema = resource.schema
    assert isinstance(schema, Mapping)
    properties = schema.get("properties") or {}
    found: list[Cause] = []
    for key in list(obj):
        if key in ("apiVersion", "kind", "metadata") or key not in properties:
            continue
        if key == "status" and "status" in resource.subresources:
            continue  # kept apart: the store takes the stored status
        node = properties[key]
        if obj[key] is None and not node.get("nullable"):
            del obj[key]
            continue
        obj[key] = _custom_defaults(obj[key], node)
        _custom_causes(obj[key], node, key, found)
    for key, node in properties.items():
        if key not in obj and isinstance(node, Mapping) and "default" in node:
            obj[key] = json.loads(json.dumps(node["default"]))
    for key in schema.get("required") or ():
        if key not in ("apiVersion", "kind", "metadata") and key not in obj:
            found.append(required(key))
    if found:
        raise invalid_error(resource, obj, found, name, creating=creating)


def _custom_defaults(value: Any, schema: Mapping[str, Any]) -> Any:
    if isinstance(value, dict):
        properties = schema.get("properties") or {}
        for key in [k for k, v in value.items() if v is None]:
            node = properties.get(key)
            if isinstance(node, Mapping) and not node.get("nullable"):
                del value[key]
        for key, node in properties.items():
            if not isinstance(node, Mapping):
                continue
            if key not in value and "default" in node:
                value[key] = json.loads(json.dumps(node["default"]))
            elif key in value:
                value[key] = _custom_defaults(value[key], node)
        extra = schema.get("additionalProperties")
        if isinstance(extra, Mapping):
            for key in value:
                if key not in properties:
                    value[key] = _custom_defaults(value[key], extra)
    elif isinstance(value, list) and isinstance(schema.get("items"), Mapping):
        return [_custom_defaults(item, schema["items"]) for item in value]
    return value


def _custom_causes(value: Any, schema: Mapping[str, Any], field: str, found: list[Cause]) -> None:
    """The causes of a value against its CRD schema node, as the apiextensions server words them."""
    if value is None:
        if not schema.get("nullable") and schema.get("type"):
            kind = schema["type"]
            found.append(invalid(field, "null", f'{field} in body must be of type {kind}: "null"'))
        return
    if schema.get("x-kubernetes-int-or-string"):
        if not isinstance(value, (int, str)) or isinstance(value, bool):
            actual = _json_type(value)
            found.append(
                invalid(
                    field,
                    actual,
                    f"{field} in body must be of type integer,string: {go_quote(actual)}",
                )
            )
            return
    else:
        kind = schema.get("type")
        if (
            kind in _JSON_TYPES
            and _json_type(value) != kind
            and not (kind == "number" and _json_type(value) == "integer")
        ):
            actual = _json_type(value)
            found.append(
                invalid(
                    field, actual, f"{field} in body must be of type {kind}: {go_quote(actual)}"
                )
            )
            return
    enum = schema.get("enum")
    if isinstance(enum, list) and value not in enum:
        found.append(unsupported(field, value, tuple(str(item) for item in enum)))
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        _bound_causes(value, schema, field, found)
    if isinstance(value, str):
        _string_causes(value, schema, field, found)
    if isinstance(value, list):
        low, high = schema.get("minItems"), schema.get("maxItems")
        if isinstance(high, int) and len(value) > high:
            found.append(
                {
                    "reason": "FieldValueTooMany",
                    "message": f"Too many: {len(value)}: must have at most {high} items",
                    "field": field,
                }
            )
        if isinstance(low, int) and len(value) < low:
            found.append(
                invalid(field, len(value), f"{field} in body should have at least {low} items")
            )
        items = schema.get("items")
        if isinstance(items, Mapping):
            for index, item in enumerate(value):
                _custom_causes(item, items, f"{field}[{index}]", found)
    if isinstance(value, dict):
        properties = schema.get("properties") or {}
        for key in schema.get("required") or ():
            if key not in value:
                found.append(required(f"{field}.{key}"))
        extra = schema.get("additionalProperties")
        for key, item in value.items():
            node = properties.get(key)
            if node is None and isinstance(extra, Mapping):
                node = extra
            if isinstance(node, Mapping):
                _custom_causes(item, node, f"{field}.{key}", found)


def _bound_causes(value: float, schema: Mapping[str, Any], field: str, found: list[Cause]) -> None:
    low, high = schema.get("minimum"), schema.get("maximum")
    if isinstance(low, (int, float)):
        if schema.get("exclusiveMinimum") and value <= low:
            found.append(invalid(field, value, f"{field} in body should be greater than {low}"))
        elif value < low:
            found.append(
                invalid(field, value, f"{field} in body should be greater than or equal to {low}")
            )
    if isinstance(high, (int, float)):
        if schema.get("exclusiveMaximum") and value >= high:
            found.append(invalid(field, value, f"{field} in body should be less than {high}"))
        elif value > high:
            found.append(
                invalid(field, value, f"{field} in body should be less than or equal to {high}")
            )


def _string_causes(value: str, schema: Mapping[str, Any], field: str, found: list[Cause]) -> None:
    low, high = schema.get("minLength"), schema.get("maxLength")
    if isinstance(high, int) and len(value) > high:
        found.append(
            {
                "reason": "FieldValueTooLong",
                "message": f"Too long: may not be more than {high} bytes",
                "field": field,
            }
        )
    if isinstance(low, int) and len(value) < low:
        found.append(invalid(field, value, f"{field} in body should be at least {low} chars long"))
    pattern = schema.get("pattern")
    if isinstance(pattern, str):
        try:
            matched = re.search(pattern, value) is not None
        except re.error:
            matched = True  # a pattern Python cannot read: not the test's business
        if not matched:
            found.append(invalid(field, value, f"{field} in body should match '{pattern}'"))

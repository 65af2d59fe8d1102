"""Pods, pod templates and the PodSpec every workload holds: containers, volumes, tolerations."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rawkube.core._label_selector import from_label_selector
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
    not_found,
    required,
    unsupported,
)
from rawkube.testing._validate._common import (
    NON_NEGATIVE,
    label_causes,
    label_name_problem,
    non_negative,
    port_name_problems,
    port_number,
    quantity,
)


def _selector_matches(selector: Obj, labels: Mapping[Any, Any]) -> bool:
    """Whether the template's labels are selected: rawkube.selector_matches's own matcher."""
    try:
        return from_label_selector(selector).matches(labels)
    except (TypeError, ValueError):
        # The server checks a selector it cannot build no further; selector_causes says why.
        return True


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


RULES: dict[tuple[str, str], Rule] = {
    ("", "Pod"): _pod,
    ("", "PodTemplate"): _pod_template,
}

"""Object metadata as kube-apiserver reads and checks it: Go's decode errors first, then 422s.

The server decodes a body into its Go type before anything looks at it, so a metadata field
of the wrong JSON type (``"name": 5``, labels as a list, ``"ownerReferences": [1]``) is a 400
quoting encoding/json, and ``null`` is the field's zero value. What decodes is validated as
apimachinery's ``ValidateObjectMeta`` does: names, label keys and values, annotation keys and
their total size, owner references, finalizers; every problem is one cause of a single 422.
The store runs both on every write, so nothing the server would refuse is ever kept, and
nothing kept can break a later list, watch or delete.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from rawkube.testing._errors import (
    field_invalid,
    field_required,
    field_too_long,
)
from rawkube.testing._names import name_problem

__all__ = ["causes", "json_kind", "normalize", "qualified_name_problems", "type_error"]

Cause = dict[str, str]

# Go types of the ObjectMeta fields, as encoding/json names them in its errors.
_OWNER_FIELDS = {
    "apiVersion": "string",
    "kind": "string",
    "name": "string",
    "uid": "types.UID",
    "controller": "bool",
    "blockOwnerDeletion": "bool",
}
_MANAGED_FIELDS = {
    "manager": "string",
    "operation": "v1.ManagedFieldsOperationType",
    "apiVersion": "string",
    "time": "v1.Time",
    "fieldsType": "string",
    "fieldsV1": "any",
    "subresource": "string",
}
_META_FIELDS: dict[str, Any] = {
    "name": "string",
    "generateName": "string",
    "namespace": "string",
    "selfLink": "string",
    "uid": "types.UID",
    "resourceVersion": "string",
    "generation": "int64",
    "creationTimestamp": "v1.Time",
    "deletionTimestamp": "v1.Time",
    "deletionGracePeriodSeconds": "int64",
    "labels": "map[string]string",
    "annotations": "map[string]string",
    "finalizers": "[]string",
    "ownerReferences": ("v1.OwnerReference", "OwnerReference", _OWNER_FIELDS),
    "managedFields": ("v1.ManagedFieldsEntry", "ManagedFieldsEntry", _MANAGED_FIELDS),
}
_INT64 = range(-(2**63), 2**63)
_RFC3339 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)")

# apimachinery's validation texts (k8s.io/apimachinery/pkg/util/validation).
_QUALIFIED = re.compile(r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]")
_QUALIFIED_TEXT = (
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
    "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "
    "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
)
_LABEL_VALUE = re.compile(r"(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?")
_LABEL_VALUE_TEXT = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or "
    "'my_value',  or '12345', regex used for validation is "
    "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
)
_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
_SUBDOMAIN_TEXT = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' "
    "or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex "
    "used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)
_ANNOTATIONS_LIMIT = 256 * 1024  # TotalAnnotationSizeLimitB
_STANDARD_FINALIZERS = ("kubernetes", "orphan", "foregroundDeletion")


# --- decoding -------------------------------------------------------------------------------


def type_error(obj: Mapping[str, Any], kind: str) -> str | None:
    """encoding/json's error for the first wrongly typed metadata field (None: it decodes).

    ``kind`` names the Go struct holding ``metadata`` (``ConfigMap``).
    """
    metadata = obj.get("metadata")
    if metadata is None:
        return None
    if not isinstance(metadata, dict):
        return _unmarshal(metadata, kind, "metadata", "v1.ObjectMeta")
    for key, value in metadata.items():
        wanted = _META_FIELDS.get(key)
        if wanted is None or value is None:
            continue  # an unknown field is dropped, null is the zero value
        path = f"metadata.{key}"
        if isinstance(wanted, tuple):
            problem = _struct_list_error(value, path, *wanted)
        elif wanted.startswith("map["):
            problem = _string_map_error(value, path, wanted)
        elif wanted == "[]string":
            problem = _string_list_error(value, path)
        else:
            problem = _scalar_error(value, "ObjectMeta", path, wanted)
        if problem is not None:
            return problem
    return None


def json_kind(value: Any) -> str:
    """How encoding/json names a JSON value it cannot store."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _unmarshal(value: Any, struct: str, path: str, go_type: str) -> str:
    return (
        f"json: cannot unmarshal {json_kind(value)} into Go struct field {struct}.{path} "
        f"of type {go_type}"
    )


def _scalar_error(value: Any, struct: str, path: str, go_type: str) -> str | None:
    if value is None or go_type == "any":
        return None
    if go_type == "bool":
        return None if isinstance(value, bool) else _unmarshal(value, struct, path, go_type)
    if go_type == "int64":
        if isinstance(value, int) and not isinstance(value, bool) and value in _INT64:
            return None
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return (
                f"json: cannot unmarshal number {value} into Go struct field {struct}.{path} "
                f"of type {go_type}"
            )
        return _unmarshal(value, struct, path, go_type)
    if not isinstance(value, str):
        # v1.Time decodes its JSON string itself: the error names the string it wanted.
        return _unmarshal(value, struct, path, "string" if go_type == "v1.Time" else go_type)
    if go_type == "v1.Time" and not _RFC3339.fullmatch(value):
        quoted = '"' + value.replace('"', '\\"') + '"'
        return (
            f'parsing time {quoted} as "2006-01-02T15:04:05Z07:00": cannot parse {quoted} as "2006"'
        )
    return None


def _string_map_error(value: Any, path: str, go_type: str) -> str | None:
    if not isinstance(value, dict):
        return _unmarshal(value, "ObjectMeta", path, go_type)
    for item in value.values():
        if item is not None and not isinstance(item, str):
            return _unmarshal(item, "ObjectMeta", path, "string")  # Go names no map key
    return None


def _string_list_error(value: Any, path: str) -> str | None:
    if not isinstance(value, list):
        return _unmarshal(value, "ObjectMeta", path, "[]string")
    for item in value:
        if item is not None and not isinstance(item, str):
            return _unmarshal(item, "ObjectMeta", path, "string")  # nor a list index
    return None


def _struct_list_error(
    value: Any, path: str, go_type: str, struct: str, fields: Mapping[str, str]
) -> str | None:
    if not isinstance(value, list):
        return _unmarshal(value, "ObjectMeta", path, f"[]{go_type}")
    for item in value:
        if item is None:
            continue
        if not isinstance(item, dict):
            return _unmarshal(item, "ObjectMeta", path, go_type)
        for key, field_value in item.items():
            wanted = fields.get(key)
            if wanted is not None:
                problem = _scalar_error(field_value, struct, f"{path}.{key}", wanted)
                if problem is not None:
                    return problem
    return None


def normalize(metadata: dict[str, Any]) -> None:
    """Turn the ``null`` values Go decodes as zero values into what it then stores.

    A null field is left out, a null label or annotation value is ``""``, a null finalizer
    is ``""`` and a null owner reference is an empty one (both then fail validation).
    """
    for key in [k for k, v in metadata.items() if v is None]:
        del metadata[key]
    for key in ("labels", "annotations"):
        found = metadata.get(key)
        if isinstance(found, dict):
            metadata[key] = {k: "" if v is None else v for k, v in found.items()}
    finalizers = metadata.get("finalizers")
    if isinstance(finalizers, list):
        metadata["finalizers"] = ["" if f is None else f for f in finalizers]
    for key in ("ownerReferences", "managedFields"):
        entries = metadata.get(key)
        if isinstance(entries, list):
            metadata[key] = [
                {k: v for k, v in (entry or {}).items() if v is not None} for entry in entries
            ]


# --- validation -----------------------------------------------------------------------------


def causes(
    metadata: Mapping[str, Any], group: str, plural: str, *, custom: bool = False
) -> list[Cause]:
    """Every problem ``ValidateObjectMeta`` finds, as Status causes, in the server's order.

    ``custom``: a custom resource, whose finalizers need not be domain-qualified.
    """
    found: list[Cause] = []
    generate = metadata.get("generateName") or ""
    if generate:
        problem = name_problem(group, plural, _mask_trailing_dash(generate))
        if problem:
            found.append(field_invalid("metadata.generateName", generate, problem))
    name = metadata.get("name") or ""
    if not name:
        found.append(field_required("metadata.name", "name or generateName is required"))
    else:
        problem = name_problem(group, plural, name)
        if problem:
            found.append(field_invalid("metadata.name", name, problem))
    found += _label_causes(metadata.get("labels") or {})
    found += _annotation_causes(metadata.get("annotations") or {})
    found += _owner_causes(metadata.get("ownerReferences") or [])
    found += _finalizer_causes(metadata.get("finalizers") or [], custom=custom)
    return found


def _mask_trailing_dash(name: str) -> str:
    # apimachinery's maskTrailingDash, off-by-one and all: a prefix may end in '-'.
    return name[:-2] + "a" if len(name) > 1 and name.endswith("-") else name


def _size(text: str) -> int:
    return len(text.encode("utf-8", "replace"))  # Go counts bytes


def qualified_name_problems(value: str) -> list[str]:
    """apimachinery's IsQualifiedName: ``[prefix/]name``, the prefix a DNS subdomain."""
    parts = value.split("/")
    if len(parts) > 2:
        return [
            "a qualified name "
            + _QUALIFIED_TEXT
            + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
        ]
    problems: list[str] = []
    name = parts[-1]
    if len(parts) == 2:
        prefix = parts[0]
        if not prefix:
            problems.append("prefix part must be non-empty")
        else:
            if _size(prefix) > 253:
                problems.append("prefix part must be no more than 253 characters")
            if not _SUBDOMAIN.fullmatch(prefix):
                problems.append("prefix part " + _SUBDOMAIN_TEXT)
    if not name:
        problems.append("name part must be non-empty")
    elif _size(name) > 63:
        problems.append("name part must be no more than 63 characters")
    if not _QUALIFIED.fullmatch(name):
        problems.append("name part " + _QUALIFIED_TEXT)
    return problems


def _label_causes(labels: Mapping[str, str]) -> list[Cause]:
    found: list[Cause] = []
    for key, value in labels.items():
        found += [field_invalid("metadata.labels", key, p) for p in qualified_name_problems(key)]
        if _size(value) > 63:
            found.append(
                field_invalid("metadata.labels", value, "must be no more than 63 characters")
            )
        if not _LABEL_VALUE.fullmatch(value):
            found.append(field_invalid("metadata.labels", value, _LABEL_VALUE_TEXT))
    return found


def _annotation_causes(annotations: Mapping[str, str]) -> list[Cause]:
    found: list[Cause] = []
    for key in annotations:
        # Annotation keys are qualified names in any case: checked lower-cased, shown as given.
        problems = qualified_name_problems(key.lower())
        found += [field_invalid("metadata.annotations", key, p) for p in problems]
    if sum(_size(k) + _size(v) for k, v in annotations.items()) > _ANNOTATIONS_LIMIT:
        found.append(field_too_long("metadata.annotations", _ANNOTATIONS_LIMIT))
    return found


def _owner_causes(references: list[Mapping[str, Any]]) -> list[Cause]:
    found: list[Cause] = []
    path = "metadata.ownerReferences"  # the server names no index here
    controller = ""
    for ref in references:
        api_version, kind = ref.get("apiVersion") or "", ref.get("kind") or ""
        if not api_version.rpartition("/")[2]:
            found.append(
                field_invalid(f"{path}.apiVersion", api_version, "version must not be empty")
            )
        for key in ("kind", "name", "uid"):
            if not ref.get(key):
                found.append(
                    field_invalid(f"{path}.{key}", ref.get(key) or "", "must not be empty")
                )
        if api_version == "v1" and kind == "Event":
            found.append(
                field_invalid(
                    path, str(dict(ref)), "/v1, Kind=Event is disallowed from being an owner"
                )
            )
        if ref.get("controller") is True:
            current = f"{kind}/{ref.get('name') or ''}"
            if controller:
                found.append(
                    field_invalid(
                        path,
                        str(references),
                        'Only one reference can have Controller set to true. Found "true" in '
                        f"references for {controller} and {current}",
                    )
                )
            else:
                controller = current
    return found


def _finalizer_causes(finalizers: list[str], *, custom: bool) -> list[Cause]:
    found: list[Cause] = []
    for finalizer in finalizers:
        problems = qualified_name_problems(finalizer)
        found += [field_invalid("metadata.finalizers", finalizer, p) for p in problems]
    if "orphan" in finalizers and "foregroundDeletion" in finalizers:
        found.append(
            field_invalid(
                "metadata.finalizers",
                finalizers,
                "finalizer orphan and foregroundDeletion cannot be both set",
            )
        )
    if not custom:
        # Built-in kinds only: a finalizer of theirs is a standard one or domain-qualified.
        for index, finalizer in enumerate(finalizers):
            if "/" not in finalizer and finalizer not in _STANDARD_FINALIZERS:
                found.append(
                    field_invalid(
                        f"metadata.finalizers[{index}]",
                        finalizer,
                        "name is neither a standard finalizer name nor is it fully qualified",
                    )
                )
    return found

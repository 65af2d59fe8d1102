"""Unknown fields in a written object: found against the schema, then dropped or refused.

The API server decodes a built-in object into its Go type, so a field the type lacks is
lost: refused with ``fieldValidation=Strict``, dropped with a warning with ``Warn`` (the
default), dropped silently with ``Ignore``. A custom resource is pruned against its
``openAPIV3Schema`` the same way, except where the schema preserves unknown fields.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from rawkube.testing import _facts
from rawkube.testing._store import clone

__all__ = ["prune_unknown", "type_error"]

_PRESERVE = "x-kubernetes-preserve-unknown-fields"


def prune_unknown(
    obj: dict[str, Any], definition: str | None, schema: Mapping[str, Any] | None
) -> tuple[dict[str, Any], list[str]]:
    """A copy of ``obj`` without the fields its schema lacks, and their paths (``spec.x``).

    ``definition`` names a built-in kind's definition; ``schema`` is a custom resource's
    ``openAPIV3Schema``. With neither, nothing is known to be unknown.
    """
    if definition is not None:
        root: Mapping[str, Any] = {"$ref": definition}
    elif schema is not None:
        # apiVersion, kind and metadata are the server's own, whatever the CRD's schema says.
        properties = dict(schema.get("properties") or {})
        for name in ("apiVersion", "kind"):
            properties.setdefault(name, {"type": "string"})
        properties["metadata"] = {"$ref": "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"}
        root = {**schema, "properties": properties}
    else:
        return obj, []
    unknown: list[str] = []
    pruned = _walk(clone(obj), root, "", unknown)
    return pruned, unknown


def _resolve(node: Mapping[str, Any]) -> Mapping[str, Any]:
    seen = 0
    while "$ref" in node and seen < 8:
        found = _facts.definitions().get(node["$ref"])
        if found is None:
            return {_PRESERVE: True}
        node, seen = found, seen + 1
    return node


def _walk(value: Any, node: Mapping[str, Any], path: str, unknown: list[str]) -> Any:
    node = _resolve(node)
    if node.get(_PRESERVE):
        return value
    if isinstance(value, dict):
        properties = node.get("properties")
        extra = node.get("additionalProperties")
        if properties is None and not isinstance(extra, Mapping):
            return value  # a free-form object (labels' values aside): anything goes
        for key in list(value):
            where = f"{path}.{key}" if path else key
            if properties is not None and key in properties:
                value[key] = _walk(value[key], properties[key], where, unknown)
            elif isinstance(extra, Mapping):
                value[key] = _walk(value[key], extra, where, unknown)
            elif extra is not True:
                unknown.append(where)
                del value[key]
        return value
    if isinstance(value, list) and isinstance(node.get("items"), Mapping):
        return [_walk(item, node["items"], f"{path}[{i}]", unknown) for i, item in enumerate(value)]
    return value


# --- types ----------------------------------------------------------------------------------

_INT_RANGES = {"int32": range(-(2**31), 2**31), "int64": range(-(2**63), 2**63)}
_BASE64 = re.compile(r"[A-Za-z0-9+/]*={0,2}")


def type_error(obj: dict[str, Any], definition: str) -> str | None:
    """encoding/json's error for the first value of the wrong JSON type in a built-in object.

    As the server decodes a body into the kind's Go struct: ``null`` is always the zero value,
    a type with its own decoder (a quantity, an int-or-string, raw JSON) takes anything,
    and the error names the innermost struct and the field path without indices or keys
    (``json: cannot unmarshal string into Go struct field ServicePort.spec.ports.port of type
    int32``). ``metadata`` is left to the store's own, finer check.
    """
    root = _facts.definitions().get(definition)
    if root is None:
        return None
    struct = definition.rpartition(".")[2]
    for key, value in obj.items():
        node = (root.get("properties") or {}).get(key)
        if node is not None and key != "metadata":
            problem = _type_problem(value, node, struct, key)
            if problem is not None:
                return problem
    return None


def _go_type(node: Mapping[str, Any]) -> str:
    """The Go type a schema node stands for, as encoding/json prints it."""
    ref = node.get("$ref")
    if ref is not None:
        parts = ref.split(".")
        return f"{parts[-2]}.{parts[-1]}"  # io.k8s.api.apps.v1.DeploymentSpec: v1.DeploymentSpec
    kind = node.get("type")
    if kind == "array" and isinstance(node.get("items"), Mapping):
        return "[]" + _go_type(node["items"])
    if kind == "object" and isinstance(node.get("additionalProperties"), Mapping):
        return "map[string]" + _go_type(node["additionalProperties"])
    if kind == "integer":
        return str(node.get("format") or "int")
    if kind == "string":
        return "[]uint8" if node.get("format") == "byte" else "string"
    return {"boolean": "bool", "number": "float64"}.get(str(kind), "interface {}")


def _type_problem(value: Any, node: Mapping[str, Any], struct: str, path: str) -> str | None:
    if value is None:
        return None
    special = _SPECIAL_DECODERS.get(node.get("$ref", ""))
    if special is not None:
        return special(value, struct, path)
    target = _resolve(node)
    if "$ref" in node and "properties" in target:
        struct_here = node["$ref"].rpartition(".")[2]
    else:
        struct_here = struct
    kind = target.get("type")
    if "properties" in target:
        if not isinstance(value, dict):
            return _unmarshal(value, struct, path, _go_type(node))
        properties = target["properties"]
        for key, item in value.items():
            if key in properties:
                problem = _type_problem(item, properties[key], struct_here, f"{path}.{key}")
                if problem is not None:
                    return problem
        return None
    if kind == "array":
        if not isinstance(value, list):
            return _unmarshal(value, struct, path, _go_type(target))
        items = target.get("items")
        if not isinstance(items, Mapping):
            return None
        for item in value:
            problem = _type_problem(item, items, struct, path)  # nor a list index
            if problem is not None:
                return problem
        return None
    if kind == "object":
        extra = target.get("additionalProperties")
        if not isinstance(extra, Mapping):
            return None  # free-form: raw JSON, fieldsV1
        if not isinstance(value, dict):
            return _unmarshal(value, struct, path, _go_type(target))
        for item in value.values():
            problem = _type_problem(item, extra, struct, path)  # Go names no map key
            if problem is not None:
                return problem
        return None
    return _scalar_problem(value, target, struct, path)


def _scalar_problem(value: Any, node: Mapping[str, Any], struct: str, path: str) -> str | None:
    kind = node.get("type")
    if kind == "string":
        if not isinstance(value, str):
            # A time decodes its JSON string itself: the error names the string it wanted.
            shown = "string" if node.get("format") == "date-time" else _go_type(node)
            return _unmarshal(value, struct, path, shown)
        if node.get("format") == "byte" and not _valid_base64(value):
            return f"illegal base64 data at input byte {_base64_error_at(value)}"
        return None
    if kind == "integer":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return _unmarshal(value, struct, path, _go_type(node))
        if isinstance(value, float) or value not in _INT_RANGES.get(_go_type(node), range(0)):
            return (
                f"json: cannot unmarshal number {value} into Go struct field {struct}.{path} "
                f"of type {_go_type(node)}"
            )
        return None
    if kind == "number":
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        return None if ok else _unmarshal(value, struct, path, "float64")
    if kind == "boolean":
        return None if isinstance(value, bool) else _unmarshal(value, struct, path, "bool")
    return None  # int-or-string, quantity, raw JSON: their own decoders take what they can


def _unmarshal(value: Any, struct: str, path: str, go_type: str) -> str:
    from rawkube.testing._meta import json_kind

    return (
        f"json: cannot unmarshal {json_kind(value)} into Go struct field {struct}.{path} "
        f"of type {go_type}"
    )


def _valid_base64(text: str) -> bool:
    return len(text) % 4 == 0 and _BASE64.fullmatch(text) is not None


def _base64_error_at(text: str) -> int:
    for index, char in enumerate(text):
        if char not in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=":
            return index
    return len(text) - len(text) % 4


# --- the types that decode themselves ---------------------------------------------------------

# resource.Quantity's own parser: its pattern, and the suffixes it knows.
_QUANTITY_PATTERN = "^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$"
_QUANTITY = re.compile(_QUANTITY_PATTERN)
_SUFFIXES = re.compile(r"(|Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][-+]?[0-9]+)")
_NUMBER = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)")


def _quantity_problem(value: Any, struct: str = "", path: str = "") -> str | None:
    """resource.Quantity's error for a value it cannot read (a number is read as its text).

    Its own error, which the decoder passes on as it is: no field named.
    """
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        text = ""  # not a string or number: the parser sees no quantity at all
    else:
        text = value.strip() if isinstance(value, str) else repr(value)
    match = _QUANTITY.fullmatch(text)
    if match is None:
        return f"quantities must match the regular expression '{_QUANTITY_PATTERN}'"
    if not _NUMBER.fullmatch(match.group(1)):
        return "unable to parse numeric part of quantity"
    if not _SUFFIXES.fullmatch(match.group(2)):
        return "unable to parse quantity's suffix"
    return None


def _int_or_string_problem(value: Any, struct: str, path: str) -> str | None:
    """intstr.IntOrString's error: a string is a string, anything else must be an int32.

    The decoder names the field its own decoding was in, as for any field of the wrong type.
    """
    if isinstance(value, str):
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return _unmarshal(value, struct, path, "int32")
    if isinstance(value, float) or value not in _INT_RANGES["int32"]:
        return (
            f"json: cannot unmarshal number {value} into Go struct field {struct}.{path} "
            "of type int32"
        )
    return None


_SPECIAL_DECODERS = {
    "io.k8s.apimachinery.pkg.api.resource.Quantity": _quantity_problem,
    "io.k8s.apimachinery.pkg.util.intstr.IntOrString": _int_or_string_problem,
}

"""Custom resources checked against their CRD's schema, and the CRD's own name."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from rawkube.testing._catalog import ResourceType
from rawkube.testing._errors import go_quote
from rawkube.testing._validate._causes import (
    Cause,
    Obj,
    Rule,
    as_dict,
    invalid,
    invalid_error,
    required,
    unsupported,
)

_CRD_GROUP = "apiextensions.k8s.io"


def _crd(obj: Obj, old: Obj | None, found: list[Cause]) -> None:
    # Part of the server's name check for a CRD: the store checks it too, on its own.
    spec = as_dict(obj.get("spec"))
    names = as_dict(spec.get("names"))
    name = as_dict(obj.get("metadata")).get("name")
    wanted = f"{names.get('plural', '')}.{spec.get('group', '')}"
    if name and name != wanted:
        found.append(invalid("metadata.name", name, 'must be spec.names.plural+"."+spec.group'))


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


RULES: dict[tuple[str, str], Rule] = {
    (_CRD_GROUP, "CustomResourceDefinition"): _crd,
}

"""Unknown fields in a written object: found against the schema, then dropped or refused.

The API server decodes a built-in object into its Go type, so a field the type lacks is
lost: refused with ``fieldValidation=Strict``, dropped with a warning with ``Warn`` (the
default), dropped silently with ``Ignore``. A custom resource is pruned against its
``openAPIV3Schema`` the same way, except where the schema preserves unknown fields.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rawkube.testing import _facts
from rawkube.testing._store import clone

__all__ = ["prune_unknown"]

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

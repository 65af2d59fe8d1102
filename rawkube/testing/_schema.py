"""The schema facts compiled once per definition: what nulls become, which fields are required.

kube-apiserver decodes a body into the kind's Go struct before anything checks it, so an
explicit ``null`` is the field's zero value: a pointer, struct, slice or map field is left
out; a ``null`` value inside a ``map[string]string`` is ``""``; a ``null`` item in a list is
the item type's zero value. :func:`drop_nulls` does that to a plain JSON object, from the
definitions in the facts, compiled into :class:`Node` trees on first use (cycles included).
:func:`required_causes` reports every field the facts mark required that is missing, empty
or zero, as the API server's validation names them (``spec.containers[0].image``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rawkube.testing import _facts

__all__ = ["Node", "compiled", "drop_nulls", "required_causes"]

# What a node holds, as Go decodes it.
OBJECT, MAP, LIST, STRING, INTEGER, NUMBER, BOOLEAN, QUANTITY, INT_OR_STRING, BYTES, RAW = range(11)

_SPECIAL = {
    "io.k8s.apimachinery.pkg.api.resource.Quantity": QUANTITY,
    "io.k8s.apimachinery.pkg.util.intstr.IntOrString": INT_OR_STRING,
    "io.k8s.apimachinery.pkg.runtime.RawExtension": RAW,
    "io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1": RAW,
}
# The zero value Go stores for a null item of a list or map, by what the item is.
_ZERO: dict[int, Any] = {
    STRING: "",
    BYTES: "",
    INTEGER: 0,
    NUMBER: 0,
    BOOLEAN: False,
    QUANTITY: "0",
}


class Node:
    """One schema node: its kind, and its properties, items or map values."""

    __slots__ = ("item", "kind", "needs_walk", "properties", "required")

    def __init__(self, kind: int) -> None:
        self.kind = kind
        self.properties: dict[str, Node] = {}
        self.required: tuple[str, ...] = ()
        self.item: Node | None = None  # a list's items, a map's values
        self.needs_walk = True  # False: nothing below can hold a required field


_ANY = Node(RAW)
_compiled: dict[str, Node] = {}


def compiled(definition: str) -> Node:
    """The node of a definition (``io.k8s.api.core.v1.Pod``), compiled on first use."""
    found = _compiled.get(definition)
    if found is None:
        found = _compile_ref(definition)
        _mark_walks(found, set())
    return found


def _compile_ref(name: str) -> Node:
    found = _compiled.get(name)
    if found is not None:
        return found
    special = _SPECIAL.get(name)
    if special is not None:
        node = _compiled[name] = Node(special)
        return node
    schema = _facts.definitions().get(name)
    if schema is None:
        return _ANY
    node = Node(OBJECT)
    _compiled[name] = node  # before the walk: a definition may refer to itself
    _fill(node, schema)
    return node


def _compile(schema: Mapping[str, Any]) -> Node:
    ref = schema.get("$ref")
    if ref is not None:
        return _compile_ref(ref)
    node = Node(OBJECT)
    _fill(node, schema)
    return node


def _fill(node: Node, schema: Mapping[str, Any]) -> None:
    kind = schema.get("type")
    if schema.get("format") == "int-or-string" or schema.get("x-kubernetes-int-or-string"):
        node.kind = INT_OR_STRING
    elif "properties" in schema:
        node.kind = OBJECT
        node.properties = {key: _compile(value) for key, value in schema["properties"].items()}
        node.required = tuple(schema.get("required") or ())
    elif kind == "array":
        node.kind = LIST
        items = schema.get("items")
        node.item = _compile(items) if isinstance(items, Mapping) else _ANY
    elif kind == "object":
        extra = schema.get("additionalProperties")
        if isinstance(extra, Mapping):
            node.kind = MAP
            node.item = _compile(extra)
        else:
            node.kind = RAW  # free-form
    elif kind == "string":
        node.kind = BYTES if schema.get("format") == "byte" else STRING
    elif kind == "integer":
        node.kind = INTEGER
    elif kind == "number":
        node.kind = NUMBER
    elif kind == "boolean":
        node.kind = BOOLEAN
    else:
        node.kind = RAW


def _mark_walks(node: Node, seen: set[int]) -> bool:
    """Whether a required field can be found below ``node`` (cached in ``needs_walk``)."""
    if id(node) in seen:
        return node.needs_walk
    seen.add(id(node))
    below = False
    for child in node.properties.values():
        below = _mark_walks(child, seen) or below
    if node.item is not None:
        below = _mark_walks(node.item, seen) or below
    node.needs_walk = bool(node.required) or below
    return node.needs_walk


# --- nulls ----------------------------------------------------------------------------------


def drop_nulls(value: Any, node: Node) -> Any:
    """``value`` as Go stores it after decoding: nulls left out or made zero values.

    Dicts and lists are changed in place; the value (a new zero value for a null) is returned.
    """
    kind = node.kind
    if kind == OBJECT:
        if isinstance(value, dict):
            properties = node.properties
            for key in [k for k, v in value.items() if v is None]:
                del value[key]
            for key, item in value.items():
                child = properties.get(key)
                if child is not None and isinstance(item, (dict, list)):
                    value[key] = drop_nulls(item, child)
        return value
    if kind == LIST:
        if isinstance(value, list):
            item_node = node.item or _ANY
            for index, item in enumerate(value):
                if item is None:
                    value[index] = _zero(item_node)
                elif isinstance(item, (dict, list)):
                    value[index] = drop_nulls(item, item_node)
        return value
    if kind == MAP:
        if isinstance(value, dict):
            item_node = node.item or _ANY
            for key, item in value.items():
                if item is None:
                    value[key] = _zero(item_node)
                elif isinstance(item, (dict, list)):
                    value[key] = drop_nulls(item, item_node)
        return value
    return value


def _zero(node: Node) -> Any:
    if node.kind in (OBJECT, MAP):
        return {}
    if node.kind == LIST:
        return []
    return _ZERO.get(node.kind)


# --- required fields ------------------------------------------------------------------------

Cause = dict[str, str]
# What counts as not given for a required field: a 0 is a value (a PriorityClass's, an iSCSI
# LUN's), so a rule of the kind says where 0 is not enough.
_ZERO_VALUES: tuple[Any, ...] = (None, "", [], {})


def required_causes(value: Any, node: Node, path: str, found: list[Cause]) -> None:
    """Add a ``Required value`` cause for each required field missing or empty."""
    if not node.needs_walk:
        return
    kind = node.kind
    if kind == OBJECT:
        if not isinstance(value, dict):
            return
        for key in node.required:
            # Go's validation sees the zero value: a missing field, "", [] and {} alike.
            item = value.get(key)
            if item in _ZERO_VALUES:
                found.append(_required(f"{path}.{key}" if path else key))
        for key, item in value.items():
            child = node.properties.get(key)
            if child is not None and child.needs_walk:
                required_causes(item, child, f"{path}.{key}" if path else key, found)
    elif kind == LIST:
        if isinstance(value, list) and node.item is not None:
            for index, item in enumerate(value):
                required_causes(item, node.item, f"{path}[{index}]", found)
    elif kind == MAP and isinstance(value, dict) and node.item is not None:
        for key, item in value.items():
            required_causes(item, node.item, f"{path}[{key}]", found)


def _required(field: str) -> Cause:
    return {"reason": "FieldValueRequired", "message": "Required value", "field": field}

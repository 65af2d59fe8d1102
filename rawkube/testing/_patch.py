"""PATCH and server-side apply for the fake API server, as pure functions on JSON values.

Every function returns a new value and never changes its inputs. A patch the API server would
refuse raises ``PatchError`` with the status code and message the real server answers.

``merge_patch``
    RFC 7396 (formerly 7386) as written: a patch that is not an object replaces the target.
    (The API server also refuses a ``null`` patch with 400 "Invalid JSON Patch": the caller's
    check, as is decoding the result into an object.)

``json_patch``
    RFC 6902 as the API server's library (evanphx/json-patch v4) applies it, quirks included:
    ``replace`` of a missing object member adds it, ``test`` of a missing member against ``null``
    passes, ``copy`` from a missing member copies ``null``, and negative indices count from the
    end. A patch that is not a list of objects is 400; more than 10000 operations 413; any
    operation that does not apply is 422 with the server's generic message ("the server rejected
    our request due to an error in our request"): the library's own words are in ``__cause__``.

``strategic_merge_patch``
    apimachinery's strategicpatch (``StrategicMergeMapPatch``) against the facts' schema:
    ``x-kubernetes-patch-strategy``/``-merge-key`` per field, ``null`` deletes, the directives
    ``$patch`` (replace/delete in maps and list items), ``$retainKeys``,
    ``$deleteFromPrimitiveList/<field>`` and ``$setElementOrder/<field>``, and the server's order
    of merged lists (new items go before the live ones, unless ``$setElementOrder`` says
    otherwise). Malformed directives are 400, impossible merges 500 or 422, as the server
    answers. Simplification: the real server decodes the result into the typed object and so
    drops unknown fields; this keeps them.

``server_side_apply`` / ``record_update``
    structured-merge-diff's Apply and Update with the API server's managedFields bookkeeping:
    lists merge by ``x-kubernetes-list-type`` (``map`` by its keys, ``set`` by value, otherwise
    atomic; without a list type, patch strategy ``merge`` means the same as in kube-openapi),
    maps merge unless ``x-kubernetes-map-type: atomic``; a field the applier applied before and
    leaves out now is removed unless another manager owns it; conflicts (409) name each manager
    and field as the server does, and ``force`` takes the fields over. Entries are FieldsV1,
    sorted as the server sorts them, apiVersion/kind/name/namespace/uid/... are never owned, an
    object without managedFields gets a ``before-first-apply`` owner before its first apply, and
    ``managedFields: [{}]`` in a write clears them. An apply is refused as the server refuses it:
    another apiVersion or any managedFields (400), an undeclared field or a duplicate or keyless
    list-map item (500, "failed to create typed patch object ..."). Simplifications:

    - a write to the main resource neither sets (apply) nor owns ``status``, and a write with
      ``subresource="status"`` only status, as the API server's reset fields do for every
      built-in kind with a status (the caller keeps the rest of the object unchanged);
    - whether an added map or list is owned as a whole (``".": {}``) is decided from the schema
      (maps and optional lists are, structs and required lists are not); the real server
      decides by the Go zero value, so an optional non-pointer struct differs;
    - a list-map key field missing from an item is left out of its key (the real server fills
      schema defaults such as ``protocol: TCP``, which the facts do not carry);
    - a custom resource (no definition) merges maps granularly and lists atomically;
    - Update managers are not capped at 10, and an apply that changes nothing refreshes its
      entry's time only if the entry is new.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from rawkube.testing._facts import definition_for, definitions

__all__ = [
    "PatchError",
    "json_patch",
    "merge_patch",
    "record_update",
    "server_side_apply",
    "strategic_merge_patch",
]


class PatchError(ValueError):
    """A patch that cannot be applied.

    ``code`` is the HTTP status the API server answers (400, 409, 413, 415, 422, 500), ``str()``
    its message and ``causes`` the Status details' causes (only an apply conflict has any).
    """

    code: int
    causes: list[dict[str, str]]

    def __init__(self, code: int, message: str, causes: Iterable[Mapping[str, str]] = ()) -> None:
        super().__init__(message)
        self.code = code
        self.causes = [dict(cause) for cause in causes]


class _Missing:
    """The absence of a value (``None`` is JSON null)."""

    def __repr__(self) -> str:
        return "<missing>"


_MISSING: Final = _Missing()

# --- JSON values ------------------------------------------------------------------------------


def _clone(value: Any) -> Any:
    from rawkube.testing._store import clone

    return clone(value)


def _json_equal(left: Any, right: Any) -> bool:
    """JSON equality: unlike ``==``, ``true`` is not ``1``."""
    if isinstance(left, bool) or isinstance(right, bool):
        return left is right
    if isinstance(left, (int, float)) and isinstance(right, (int, float)):
        return left == right
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(_json_equal(left[k], right[k]) for k in left)
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(map(_json_equal, left, right))
    return type(left) is type(right) and bool(left == right)


def _go_type(value: Any) -> str:
    """How Go's encoding/json names a JSON value in an unmarshal error."""
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "bool"
    return "null" if value is None else "number"


def _go(value: Any) -> str:
    """A value as Go's ``%v`` prints the decoded JSON, for messages quoted from Go errors."""
    if isinstance(value, dict):
        return "map[" + " ".join(f"{key}:{_go(value[key])}" for key in sorted(value)) + "]"
    if isinstance(value, list):
        return "[" + " ".join(_go(item) for item in value) + "]"
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    text = repr(value) if isinstance(value, float) else str(value)
    return text.removesuffix(".0") if isinstance(value, float) else text


# --- RFC 7396 merge patch ---------------------------------------------------------------------


def merge_patch(target: Any, patch: Any) -> Any:
    """Apply an RFC 7396 JSON merge patch to ``target``."""
    if not isinstance(patch, dict):
        return _clone(patch)
    result = _clone(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


# --- RFC 6902 JSON patch ----------------------------------------------------------------------

# What the API server answers for any JSON patch operation that does not apply: it builds the
# 422 with NewGenericServerResponse, which keeps only this generic message.
_UNPROCESSABLE: Final = "the server rejected our request due to an error in our request"
_MAX_OPERATIONS: Final = 10000
_INDEX: Final = re.compile(r"-?[0-9]+")


class _OperationError(ValueError):
    """An operation that does not apply, in json-patch's words."""


def json_patch(target: Any, operations: Any) -> Any:
    """Apply an RFC 6902 JSON patch (a list of operations) to ``target``."""
    document = _clone(target)
    for operation in _decoded_operations(operations):
        try:
            document = _apply_operation(document, operation)
        except _OperationError as error:
            raise PatchError(422, _UNPROCESSABLE) from error
    return document


def _decoded_operations(operations: Any) -> list[Mapping[str, Any]]:
    if operations is None:
        return []
    if not isinstance(operations, list):
        kind = _go_type(operations)
        raise PatchError(
            400, f"json: cannot unmarshal {kind} into Go value of type jsonpatch.Patch"
        )
    for operation in operations:
        if operation is not None and not isinstance(operation, dict):
            kind = _go_type(operation)
            message = f"json: cannot unmarshal {kind} into Go value of type jsonpatch.Operation"
            raise PatchError(400, message)
    if len(operations) > _MAX_OPERATIONS:
        raise PatchError(
            413,
            "Request entity too large: The allowed maximum operations in a JSON patch is "
            f"{_MAX_OPERATIONS}, got {len(operations)}",
        )
    return [operation or {} for operation in operations]


def _apply_operation(document: Any, operation: Mapping[str, Any]) -> Any:
    kind = operation.get("op")
    apply = _OPERATIONS.get(kind) if isinstance(kind, str) else None
    if apply is None:
        raise _OperationError(f"Unexpected kind: {kind if isinstance(kind, str) else 'unknown'}")
    return apply(document, operation)


def _tokens(operation: Mapping[str, Any], member: str, verb: str) -> list[str]:
    pointer = operation.get(member)
    if not isinstance(pointer, str):
        raise _OperationError(f"{verb} operation failed to decode {member}: missing value")
    if pointer == "":
        return []
    if not pointer.startswith("/"):
        raise _OperationError(f"{verb} operation does not apply: doc is missing path: {pointer}")
    return [token.replace("~1", "/").replace("~0", "~") for token in pointer.split("/")[1:]]


def _index(token: str, length: int) -> int | None:
    """A list index as json-patch reads it: negative counts from the end."""
    if not _INDEX.fullmatch(token):
        return None
    index = int(token)
    if index < 0:
        index += length
    return index if 0 <= index < length else None


def _container(document: Any, tokens: list[str], verb: str) -> tuple[Any, str]:
    """The object or list holding the pointer's last token, and that token."""
    where = "/" + "/".join(tokens) if tokens else ""
    if not tokens:
        raise _OperationError(f"{verb} operation does not apply: doc is missing path: {where}")
    node = document
    for token in tokens[:-1]:
        if isinstance(node, dict):
            node = node.get(token, _MISSING)
        elif isinstance(node, list):
            index = _index(token, len(node))
            node = _MISSING if index is None else node[index]
        else:
            node = _MISSING
    if not isinstance(node, (dict, list)):
        raise _OperationError(f"{verb} operation does not apply: doc is missing path: {where}")
    return node, tokens[-1]


def _get(container: Any, key: str, verb: str) -> Any:
    """The value at ``key`` (a missing object member reads as null, as in json-patch v4)."""
    if isinstance(container, dict):
        return container.get(key)
    index = _index(key, len(container))
    if index is None:
        raise _OperationError(f"error in {verb}: Unable to access invalid index: {key}")
    return container[index]


def _insert(container: Any, key: str, value: Any, verb: str) -> None:
    if isinstance(container, dict):
        container[key] = value
        return
    if key == "-":
        container.append(value)
        return
    index = _index(key, len(container) + 1)
    if index is None:
        raise _OperationError(f"error in {verb}: Unable to access invalid index: {key}")
    container.insert(index, value)


def _delete(container: Any, key: str, verb: str) -> None:
    if isinstance(container, dict):
        if key not in container:
            raise _OperationError(f"error in {verb}: Unable to remove nonexistent key: {key}")
        del container[key]
        return
    index = _index(key, len(container))
    if index is None:
        raise _OperationError(f"error in {verb}: Unable to access invalid index: {key}")
    del container[index]


def _op_add(document: Any, operation: Mapping[str, Any]) -> Any:
    container, key = _container(document, _tokens(operation, "path", "add"), "add")
    _insert(container, key, _clone(operation.get("value")), "add")
    return document


def _op_remove(document: Any, operation: Mapping[str, Any]) -> Any:
    container, key = _container(document, _tokens(operation, "path", "remove"), "remove")
    _delete(container, key, "remove")
    return document


def _op_replace(document: Any, operation: Mapping[str, Any]) -> Any:
    tokens = _tokens(operation, "path", "replace")
    value = _clone(operation.get("value"))
    if not tokens:
        if not isinstance(value, (dict, list)):
            raise _OperationError("replace operation value must be object or array")
        return value
    container, key = _container(document, tokens, "replace")
    if isinstance(container, dict):
        container[key] = value
    else:
        index = _index(key, len(container))
        if index is None:
            raise _OperationError(f"error in replace: Unable to access invalid index: {key}")
        container[index] = value
    return document


def _op_move(document: Any, operation: Mapping[str, Any]) -> Any:
    source, key = _container(document, _tokens(operation, "from", "move"), "move")
    value = _get(source, key, "move")
    _delete(source, key, "move")
    target, key = _container(document, _tokens(operation, "path", "move"), "move")
    _insert(target, key, value, "move")
    return document


def _op_copy(document: Any, operation: Mapping[str, Any]) -> Any:
    source, key = _container(document, _tokens(operation, "from", "copy"), "copy")
    value = _clone(_get(source, key, "copy"))
    target, key = _container(document, _tokens(operation, "path", "copy"), "copy")
    _insert(target, key, value, "copy")
    return document


def _op_test(document: Any, operation: Mapping[str, Any]) -> Any:
    tokens = _tokens(operation, "path", "test")
    expected = operation.get("value", _MISSING)
    if tokens:
        container, key = _container(document, tokens, "test")
        actual = _get(container, key, "test")
    else:
        actual = document
    if actual is None and expected in (None, _MISSING):
        return document
    if expected is _MISSING or not _json_equal(actual, expected):
        where = "/" + "/".join(tokens) if tokens else ""
        raise _OperationError(f"testing value {where} failed: test failed")
    return document


_OPERATIONS: Final[dict[str, Callable[[Any, Mapping[str, Any]], Any]]] = {
    "add": _op_add,
    "remove": _op_remove,
    "replace": _op_replace,
    "move": _op_move,
    "copy": _op_copy,
    "test": _op_test,
}

# --- the schema -------------------------------------------------------------------------------


class _Schema:
    """One node of the facts' schema: a field's own facts, its shape resolved through ``$ref``."""

    __slots__ = ("_children", "_identity", "is_struct", "node", "required", "shape")

    def __init__(self, node: Mapping[str, Any]) -> None:
        self.node = node
        self.shape = _resolve(node)
        # The nodes below, made once: every write walks a kind's schema from the same root.
        self._children: dict[str | None, _Schema] = {}
        self._identity: tuple[str, list[str]] | None = None
        self.is_struct = bool(self._properties())
        self.required: list[str] = self.shape.get("required") or []

    @staticmethod
    def of(definition: str | None) -> _Schema:
        return _root(definition) if definition else _Schema({})

    def _ext(self, name: str) -> Any:
        return self.node.get(name, self.shape.get(name))

    def _properties(self) -> Mapping[str, Any]:
        properties: Mapping[str, Any] = self.shape.get("properties") or {}
        return properties

    def field(self, key: str) -> _Schema:
        found = self._children.get(key)
        if found is not None:
            return found
        declared = self._properties().get(key)
        if declared is not None:
            found = _Schema(declared)
        else:
            element = self.shape.get("additionalProperties")
            found = _Schema(element) if isinstance(element, Mapping) else _NO_SCHEMA
        if declared is not None or len(self._children) < 256:  # a map's keys are not bounded
            self._children[key] = found
        return found

    def declares(self, key: str) -> bool:
        return key in self._properties()

    @property
    def items(self) -> _Schema:
        found = self._children.get(None)
        if found is None:
            items = self.shape.get("items")
            found = _Schema(items) if isinstance(items, Mapping) else _NO_SCHEMA
            self._children[None] = found
        return found

    @property
    def is_map(self) -> bool:
        return isinstance(self.shape.get("additionalProperties"), Mapping)

    @property
    def closed(self) -> bool:
        """A struct that refuses undeclared fields (as structured-merge-diff does)."""
        open_ended = self.is_map or self._ext("x-kubernetes-preserve-unknown-fields")
        return self.is_struct and not open_ended

    @property
    def map_atomic(self) -> bool:
        return bool(self._ext("x-kubernetes-map-type") == "atomic")

    @property
    def strategies(self) -> list[str]:
        return str(self.node.get("x-kubernetes-patch-strategy", "")).split(",")

    @property
    def merge_key(self) -> str:
        return str(self.node.get("x-kubernetes-patch-merge-key") or "")

    @property
    def list_identity(self) -> tuple[str, list[str]]:
        """How apply tells list items apart: ("map", keys), ("set", []) or ("atomic", [])."""
        if self._identity is None:
            self._identity = self._list_identity()
        return self._identity

    def _list_identity(self) -> tuple[str, list[str]]:
        list_type = self._ext("x-kubernetes-list-type")
        if list_type == "map":
            return "map", list(self._ext("x-kubernetes-list-map-keys") or [])
        if list_type in ("set", "atomic"):
            return str(list_type), []
        # kube-openapi's schema conversion falls back to the patch strategy.
        if list_type is None and "merge" in self.strategies:
            return ("map", [self.merge_key]) if self.merge_key else ("set", [])
        return "atomic", []


def _resolve(node: Mapping[str, Any]) -> Mapping[str, Any]:
    for _ in range(64):
        reference = node.get("$ref")
        if not isinstance(reference, str):
            return node
        target = definitions().get(reference)
        if not isinstance(target, Mapping):
            return {}
        node = target
    return {}


_NO_SCHEMA: Final = _Schema({})


@functools.lru_cache(maxsize=512)
def _root(definition: str) -> _Schema:
    """A built-in kind's schema root, kept with the nodes below it as they are met."""
    return _Schema({"$ref": definition})


# --- strategic merge patch --------------------------------------------------------------------

_DIRECTIVE: Final = "$patch"
_RETAIN_KEYS: Final = "$retainKeys"
_DELETE_FROM: Final = "$deleteFromPrimitiveList"
_SET_ORDER: Final = "$setElementOrder"
_CRD_PATCH_TYPES: Final = (
    "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml"
)
_BAD_PRIMITIVE_LIST: Final = "invalid patch format of primitive list"
_BAD_RETAIN_KEYS: Final = "invalid patch format of retainKeys"
_BAD_SET_ORDER: Final = "invalid patch format of setElementOrder list"


def strategic_merge_patch(
    target: dict[str, Any], patch: dict[str, Any], definition: str | None
) -> dict[str, Any]:
    """Apply a Kubernetes strategic merge patch to ``target``, an object of ``definition``.

    ``definition`` None is a custom resource, which the API server refuses this patch type for.
    """
    if definition is None:
        message = (
            "the body of the request was in an unknown format - accepted media types include: "
        )
        raise PatchError(415, message + _CRD_PATCH_TYPES)
    if not isinstance(patch, dict):
        kind = _go_type(patch)
        raise PatchError(
            400, f"json: cannot unmarshal {kind} into Go value of type map[string]interface {{}}"
        )
    original = _clone(target) if isinstance(target, dict) else {}
    return _smp_map(original, _clone(patch), _Schema.of(definition))


def _smp_map(original: dict[str, Any], patch: dict[str, Any], schema: _Schema) -> dict[str, Any]:
    """Merge ``patch`` into ``original``; both are private copies this may change."""
    if _DIRECTIVE in patch:
        return _map_directive(patch)
    _retain_keys(original, patch)
    _set_element_orders(original, patch, schema)
    for key, value in list(patch.items()):
        _smp_field(original, key, value, schema)
    return original


def _map_directive(patch: dict[str, Any]) -> dict[str, Any]:
    directive = patch[_DIRECTIVE]
    if directive == "replace":
        rest = {key: value for key, value in patch.items() if key != _DIRECTIVE}
        replaced: dict[str, Any] = _fresh(rest)
        return replaced
    if directive == "delete":
        return {}
    raise PatchError(500, f"unknown patch type: {_go(directive)} in map: {_go(patch)}")


def _retain_keys(original: dict[str, Any], patch: dict[str, Any]) -> None:
    if _RETAIN_KEYS not in patch:
        return
    retained = patch.pop(_RETAIN_KEYS)
    if not isinstance(retained, list):
        raise PatchError(400, _BAD_RETAIN_KEYS)
    for key, value in patch.items():
        if value is None or key.startswith((_DELETE_FROM, _SET_ORDER)):
            continue
        if key not in retained:
            raise PatchError(400, _BAD_RETAIN_KEYS)
    for key in [key for key in original if key not in retained]:
        del original[key]


def _directive_field(key: str, prefix: str, error: str) -> str:
    head, slash, rest = key.partition("/")
    if head != prefix or not slash:
        raise PatchError(400, error)
    return rest


def _smp_field(original: dict[str, Any], key: str, value: Any, schema: _Schema) -> None:
    deleting = key.startswith(_DELETE_FROM)
    if deleting:
        key = _directive_field(key, _DELETE_FROM, _BAD_PRIMITIVE_LIST)
    if value is None:
        original.pop(key, None)
        return
    current = original.get(key, _MISSING)
    if current is _MISSING or _go_kind(current) != _go_kind(value):
        if not deleting:
            _put(original, key, _fresh(value))
        return
    field_schema = schema.field(key)
    if isinstance(current, dict):
        if "replace" in field_schema.strategies:
            _put(original, key, _fresh(value))
        else:
            original[key] = _smp_map(current, value, field_schema)
    elif isinstance(current, list):
        original[key] = _smp_list(current, value, field_schema, deleting=deleting)
    else:
        _put(original, key, _fresh(value))


def _put(target: dict[str, Any], key: str, value: Any) -> None:
    if value is _MISSING:
        target.pop(key, None)
    else:
        target[key] = value


def _go_kind(value: Any) -> str:
    """The Go type a decoded JSON value has: merging needs both sides to have the same one."""
    if isinstance(value, dict):
        return "map"
    if isinstance(value, list):
        return "slice"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int64"
    if isinstance(value, float):
        return "float64"
    return "string" if isinstance(value, str) else "nil"


def _fresh(value: Any) -> Any:
    """A patch value taken as it is: without nulls, directives or maps that are directives."""
    if isinstance(value, dict):
        if _DIRECTIVE in value:
            return _MISSING
        kept = {}
        for key, item in value.items():
            if item is None or key == _RETAIN_KEYS or key.startswith((_DELETE_FROM, _SET_ORDER)):
                continue
            cleaned = _fresh(item)
            if cleaned is not _MISSING:
                kept[key] = cleaned
        return kept
    if isinstance(value, list):
        return [cleaned for cleaned in map(_fresh, value) if cleaned is not _MISSING]
    return value


def _smp_list(
    original: list[Any], patch: list[Any], schema: _Schema, *, deleting: bool
) -> list[Any]:
    if "merge" not in schema.strategies:
        replaced: list[Any] = _fresh(patch)
        return replaced
    return _merge_list(original, patch, schema, deleting=deleting)


def _merge_list(
    original: list[Any], patch: list[Any], schema: _Schema, *, deleting: bool
) -> list[Any]:
    if not original and not patch:
        return original
    if _element_kind(original, patch) != "map":
        return _merge_scalars(original, patch, deleting=deleting)
    key = schema.merge_key
    if not key:
        raise PatchError(500, "cannot merge lists without merge key for type struct")
    original, patch = _special_items(original, patch, key)
    server_order = list(original)
    merged = _merge_by_key(original, patch, key, schema.items)
    patch_items, server_only = _partition(merged, patch, key)
    return _normalize_order(patch_items, server_only, patch, server_order, key)


def _element_kind(*lists: list[Any]) -> str:
    kinds = {_go_kind(item) for items in lists for item in items}
    if "slice" in kinds:
        raise PatchError(422, "lists of lists are not supported")
    if len(kinds) > 1:
        raise PatchError(500, f"list element types are not identical: {_go(list(lists))}")
    return kinds.pop()


def _merge_scalars(original: list[Any], patch: list[Any], *, deleting: bool) -> list[Any]:
    if deleting:
        return [item for item in original if not any(_json_equal(item, gone) for gone in patch)]
    merged: list[Any] = []
    for item in original + patch:
        if not any(_json_equal(item, seen) for seen in merged):
            merged.append(item)
    patch_items, server_only = _partition(merged, patch, "")
    return _normalize_order(patch_items, server_only, patch, original, "")


def _no_merge_key(item: Any, key: str) -> PatchError:
    return PatchError(500, f"map: {_go(item)} does not contain declared merge key: {key}")


def _special_items(original: list[Any], patch: list[Any], key: str) -> tuple[list[Any], list[Any]]:
    """Apply the ``$patch`` items of a merging list: deletions now, a replacement instead."""
    plain: list[Any] = []
    replace = False
    for item in patch:
        directive = item.get(_DIRECTIVE, _MISSING)
        if directive is _MISSING:
            plain.append(item)
        elif directive == "delete":
            if key not in item:
                raise _no_merge_key(item, key)
            original = [kept for kept in original if not _same_key(kept, item, key)]
        elif directive == "replace":
            replace = True
        elif directive == "merge":
            raise PatchError(500, "merging lists cannot yet be specified in the patch")
        else:
            raise PatchError(500, f"unknown patch type: {_go(directive)} in map: {_go(item)}")
    if replace:
        return [_fresh(item) for item in plain], []
    return original, plain


def _same_key(item: Any, other: Any, key: str) -> bool:
    return isinstance(item, dict) and key in item and _json_equal(item[key], other[key])


def _merge_by_key(original: list[Any], patch: list[Any], key: str, schema: _Schema) -> list[Any]:
    merged = list(original)
    for item in patch:
        if key not in item:
            raise _no_merge_key(item, key)
        at = next((i for i, kept in enumerate(merged) if _same_key(kept, item, key)), None)
        if at is None:
            merged.append(_fresh(item))
        else:
            merged[at] = _smp_map(merged[at], item, schema)
    return merged


def _partition(items: list[Any], by: list[Any], key: str) -> tuple[list[Any], list[Any]]:
    """Split ``items`` into those ``by`` names (by merge key, or by value) and the others."""
    named: list[Any] = []
    others: list[Any] = []
    for item in items:
        if key and not (isinstance(item, dict) and key in item):
            raise _no_merge_key(item, key)
        (named if _position(by, item, key) >= 0 else others).append(item)
    return named, others


def _identity(item: Any, key: str) -> Any:
    return item.get(key) if key and isinstance(item, dict) else item


def _position(items: list[Any], item: Any, key: str) -> int:
    wanted = _identity(item, key)
    for index, candidate in enumerate(items):
        if _json_equal(_identity(candidate, key), wanted):
            return index
    return -1


def _normalize_order(
    patch_items: list[Any],
    server_only: list[Any],
    patch_order: list[Any],
    server_order: list[Any],
    key: str,
) -> list[Any]:
    """The server's order: patch items in patch order, live ones in live order, interleaved."""
    patch_items = _sorted_by(patch_items, patch_order, key)
    server_only = _sorted_by(server_only, server_order, key)
    merged: list[Any] = []
    while server_only or patch_items:
        if server_only and patch_items:
            left = _position(server_order, server_only[0], key)
            right = _position(server_order, patch_items[0], key)
            # A live item goes first only if the patch item was behind it in the live list.
            take_live = 0 <= left < right
        else:
            take_live = bool(server_only)
        merged.append((server_only if take_live else patch_items).pop(0))
    return merged


def _sorted_by(items: list[Any], order: list[Any], key: str) -> list[Any]:
    if key:
        for item in [*items, *order]:
            if not (isinstance(item, dict) and key in item):
                raise _no_merge_key(item, key)

    def place(item: Any) -> int:
        index = _position(order, item, key)
        return index if index >= 0 else len(order)

    return sorted(items, key=place)


def _set_element_orders(original: dict[str, Any], patch: dict[str, Any], schema: _Schema) -> None:
    """Merge each list a ``$setElementOrder`` names, in the order it gives."""
    for directive in [key for key in patch if key.startswith(_SET_ORDER)]:
        order = patch.pop(directive)
        name = _directive_field(directive, _SET_ORDER, _BAD_SET_ORDER)
        live = original.get(name, _MISSING)
        patched = patch.pop(name, _MISSING)
        if (
            not isinstance(order, list)
            or not _list_or_missing(live)
            or not _list_or_missing(patched)
        ):
            raise PatchError(400, _BAD_SET_ORDER)
        field_schema = schema.field(name)
        key = field_schema.merge_key
        _check_order(patched if isinstance(patched, list) else [], order, key)
        if isinstance(live, list) and isinstance(patched, list):
            merged = _smp_list(live, patched, field_schema, deleting=False)
        elif isinstance(patched, list):
            merged = _fresh(patched)
        elif isinstance(live, list):
            merged = live
        else:
            continue
        named, others = _partition(merged, order, key)
        original[name] = _normalize_order(
            named, others, order, live if isinstance(live, list) else [], key
        )


def _list_or_missing(value: Any) -> bool:
    return value is _MISSING or isinstance(value, list)


def _check_order(patch_list: list[Any], order: list[Any], key: str) -> None:
    """The patch list's items must appear in the ``$setElementOrder`` list, in its order."""
    if not order or not patch_list:
        return
    items = [item for item in patch_list if not (isinstance(item, dict) and _DIRECTIVE in item)]
    at = 0
    for wanted in order:
        if at < len(items) and _json_equal(_identity(items[at], key), _identity(wanted, key)):
            at += 1
    if at < len(items):
        raise PatchError(
            500,
            f"The order in patch list:\n{_go(patch_list)}\n doesn't match {_SET_ORDER} list:\n"
            f"{_go(order)}\n",
        )


# --- field sets (structured-merge-diff's fieldpath) -------------------------------------------

# A path element is ("f", field name), ("k", list-map item key as canonical JSON),
# ("v", set item as canonical JSON) or ("i", list index); a path is a tuple of them.
_Element = tuple[str, Any]
_Path = tuple[_Element, ...]
_ELEMENT_RANK: Final = {"f": 0, "k": 1, "v": 2, "i": 3}


def _canonical(value: Any) -> str:
    """JSON as Go writes it in a FieldsV1 key: compact, keys sorted, HTML characters escaped."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    for char, escape in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(char, escape)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def _element_order(element: _Element) -> tuple[int, Any]:
    return _ELEMENT_RANK[element[0]], element[1]


def _parse_element(text: str) -> _Element | None:
    kind, _, rest = text.partition(":")
    try:
        if kind == "f":
            return ("f", rest)
        if kind == "k":
            key = json.loads(rest)
            return ("k", _canonical(key)) if isinstance(key, dict) else None
        if kind == "v":
            return ("v", _canonical(json.loads(rest)))
        if kind == "i":
            return ("i", int(rest))
    except ValueError:
        return None
    # structured-merge-diff drops element kinds it does not know.
    return None


def _scalar_text(value: Any) -> str:
    """A value as structured-merge-diff's value.ToString prints it (strings quoted)."""
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    return _go(value) if isinstance(value, (int, float)) else _canonical(value)


def _element_text(element: _Element) -> str:
    """An element as a conflict message prints it: ``.name``, ``[name="web"]``, ``[="a"]``."""
    kind, payload = element
    if kind == "f":
        return f".{payload}"
    if kind == "k":
        fields = json.loads(payload)
        return (
            "[" + ",".join(f"{name}={_scalar_text(fields[name])}" for name in sorted(fields)) + "]"
        )
    if kind == "v":
        return f"[={_scalar_text(json.loads(payload))}]"
    return f"[{payload}]"


def _path_text(path: _Path) -> str:
    return "".join(_element_text(element) for element in path)


@dataclass
class _Tree:
    """A field set as FieldsV1 nests it: members at this level, and subtrees."""

    members: set[_Element] = field(default_factory=set)
    children: dict[_Element, _Tree] = field(default_factory=dict)

    @classmethod
    def of(cls, paths: Iterable[_Path]) -> _Tree:
        tree = cls()
        for path in paths:
            node = tree
            for element in path[:-1]:
                node = node.children.setdefault(element, cls())
            if path:
                node.members.add(path[-1])
        return tree

    def fields_v1(self, *, itself: bool = False) -> dict[str, Any]:
        encoded: dict[str, Any] = {".": {}} if itself else {}
        for element in sorted(self.members | self.children.keys(), key=_element_order):
            kind, payload = element
            text = f"{kind}:{payload}"
            child = self.children.get(element)
            encoded[text] = {} if child is None else child.fields_v1(itself=element in self.members)
        return encoded

    def paths(self, prefix: _Path = ()) -> Iterator[_Path]:
        """Every path, in structured-merge-diff's order: members, then subtrees, each sorted."""
        for element in sorted(self.members, key=_element_order):
            yield (*prefix, element)
        for element in sorted(self.children, key=_element_order):
            yield from self.children[element].paths((*prefix, element))


def _parse_fields_v1(tree: Any, prefix: _Path, into: set[_Path]) -> None:
    if not isinstance(tree, dict):
        return
    for text, subtree in tree.items():
        element = None if text == "." else _parse_element(text)
        if element is None:
            continue
        path = (*prefix, element)
        if not isinstance(subtree, dict) or not subtree or "." in subtree:
            into.add(path)
        _parse_fields_v1(subtree, path, into)


# --- managedFields ----------------------------------------------------------------------------

# Paths the API server never records as owned (its stripmeta manager).
_NEVER_OWNED: Final = frozenset(
    {(("f", "apiVersion"),), (("f", "kind"),), (("f", "metadata"),)}
    | {
        (("f", "metadata"), ("f", name))
        for name in (
            "name",
            "namespace",
            "creationTimestamp",
            "selfLink",
            "uid",
            "clusterName",
            "generation",
            "managedFields",
            "resourceVersion",
        )
    }
)
_STATUS: Final = ("f", "status")
_BEFORE_FIRST_APPLY: Final = "before-first-apply"

_Identity = tuple[str, str, str, str]


@dataclass
class _Entry:
    """One managedFields entry, its FieldsV1 read into a set of paths."""

    manager: str
    operation: str
    api_version: str
    time: str | None
    subresource: str
    fields: set[_Path]

    @property
    def identity(self) -> _Identity:
        # An applier is one manager whatever version it applies at (BuildManagerIdentifier).
        version = "" if self.operation == "Apply" else self.api_version
        return self.manager, self.operation, version, self.subresource

    def encode(self) -> dict[str, Any]:
        encoded: dict[str, Any] = {"manager": self.manager, "operation": self.operation}
        if self.api_version:
            encoded["apiVersion"] = self.api_version
        if self.time is not None:
            encoded["time"] = self.time
        encoded["fieldsType"] = "FieldsV1"
        encoded["fieldsV1"] = _Tree.of(self.fields).fields_v1()
        if self.subresource:
            encoded["subresource"] = self.subresource
        return encoded

    def describe(self) -> str:
        """The manager as a conflict message names it."""
        text = json.dumps(self.manager, ensure_ascii=False)
        if self.subresource:
            text += f" with subresource {json.dumps(self.subresource, ensure_ascii=False)}"
        return f"{text} using {self.api_version}" if self.operation == "Update" else text

    def sort_key(self) -> tuple[str, str, str, str, str]:
        return self.operation, self.time or "", self.manager, self.api_version, self.subresource


_Entries = dict[_Identity, _Entry]


def _read_entries(managed: Any) -> _Entries:
    entries: _Entries = {}
    for raw in managed if isinstance(managed, list) else []:
        if not isinstance(raw, dict):
            continue
        paths: set[_Path] = set()
        _parse_fields_v1(raw.get("fieldsV1"), (), paths)
        time = raw.get("time")
        entry = _Entry(
            manager=str(raw.get("manager", "")),
            operation=str(raw.get("operation", "")),
            api_version=str(raw.get("apiVersion", "")),
            time=time if isinstance(time, str) else None,
            subresource=str(raw.get("subresource", "")),
            fields=paths,
        )
        known = entries.get(entry.identity)
        if known is None:
            entries[entry.identity] = entry
        else:
            known.fields |= paths
    return entries


def _managed_fields(obj: Any) -> Any:
    metadata = obj.get("metadata") if isinstance(obj, dict) else None
    return metadata.get("managedFields") if isinstance(metadata, dict) else None


def _without_managed_fields(obj: Any) -> dict[str, Any]:
    cleaned = _clone(obj) if isinstance(obj, dict) else {}
    metadata = cleaned.get("metadata")
    if isinstance(metadata, dict):
        metadata.pop("managedFields", None)
    return cleaned


def _with_entries(obj: dict[str, Any], entries: _Entries) -> dict[str, Any]:
    """``obj`` (a private copy) carrying ``entries`` as its managedFields, in the server's order."""
    kept = sorted((entry for entry in entries.values() if entry.fields), key=_Entry.sort_key)
    metadata = obj.get("metadata")
    if kept:
        if not isinstance(metadata, dict):
            metadata = obj["metadata"] = {}
        metadata["managedFields"] = [entry.encode() for entry in kept]
    elif isinstance(metadata, dict):
        metadata.pop("managedFields", None)
    return obj


def _ownable(paths: Iterable[_Path], subresource: str) -> set[_Path]:
    """The paths a write can own: a write to /status owns only status, any other never does."""
    on_status = subresource == "status"
    return {
        path
        for path in paths
        if path and path not in _NEVER_OWNED and (path[0] == _STATUS) == on_status
    }


def _in_scope(obj: dict[str, Any], subresource: str) -> dict[str, Any]:
    """What an apply to ``subresource`` may set: only status for /status, else all but status."""
    if subresource == "status":
        return {key: value for key, value in obj.items() if key in ("apiVersion", "kind", "status")}
    return {key: value for key, value in obj.items() if key != "status"}


# --- comparing objects (structured-merge-diff's Compare) ---------------------------------------


@dataclass
class _Diff:
    added: set[_Path] = field(default_factory=set)
    modified: set[_Path] = field(default_factory=set)
    removed: set[_Path] = field(default_factory=set)
    # Added maps and lists the writer does not own as a whole (see the module docstring).
    partial: set[_Path] = field(default_factory=set)

    @property
    def changed(self) -> set[_Path]:
        return self.added | self.modified

    def owned(self, subresource: str) -> set[_Path]:
        return _ownable((self.added - self.partial) | self.modified, subresource)


def _compare(before: Any, after: Any, schema: _Schema) -> _Diff:
    diff = _Diff()
    _compare_at(before, after, schema, (), diff, whole=True)
    return diff


def _compare_at(
    before: Any, after: Any, schema: _Schema, path: _Path, diff: _Diff, *, whole: bool
) -> None:
    if before is _MISSING and after is not _MISSING:
        _added(after, schema, path, diff, whole=whole)
        return
    if _descends(before, after, schema):
        for child_path, left, right, child_schema, child_whole in _pairs(
            before, after, schema, path
        ):
            _compare_at(left, right, child_schema, child_path, diff, whole=child_whole)
        if before is _MISSING:
            diff.added.add(path)
            if not whole:
                diff.partial.add(path)
        elif after is _MISSING:
            diff.removed.add(path)
    elif before is _MISSING:
        diff.added.add(path)
    elif after is _MISSING:
        diff.removed.add(path)
    elif not _json_equal(before, after):
        diff.modified.add(path)


def _added(after: Any, schema: _Schema, path: _Path, diff: _Diff, *, whole: bool) -> None:
    """``_compare_at`` for a value that is all new (every create): the same paths, walked once."""
    if isinstance(after, dict) and after and not schema.map_atomic:
        required = schema.required
        for key, value in after.items():
            child = schema.field(key)
            child_whole = not child.is_struct and key not in required
            _added(value, child, (*path, ("f", key)), diff, whole=child_whole)
    elif isinstance(after, list) and after and schema.list_identity[0] != "atomic":
        items = schema.items
        for element, item in _index_items(after, schema).items():
            _added(item, items, (*path, element), diff, whole=True)
    else:
        diff.added.add(path)  # a leaf
        return
    diff.added.add(path)
    if not whole:
        diff.partial.add(path)


def _descends(before: Any, after: Any, schema: _Schema) -> bool:
    """Whether to compare item by item; atomic values, and empty on both sides, are leaves."""
    sides = [side for side in (before, after) if side is not _MISSING]
    if all(isinstance(side, dict) for side in sides):
        return not schema.map_atomic and any(sides)
    if all(isinstance(side, list) for side in sides):
        return schema.list_identity[0] != "atomic" and any(sides)
    return False


def _pairs(
    before: Any, after: Any, schema: _Schema, path: _Path
) -> Iterator[tuple[_Path, Any, Any, _Schema, bool]]:
    """The children of two maps or two lists, matched up: (path, before, after, schema, whole)."""
    if isinstance(before if before is not _MISSING else after, dict):
        left = before if isinstance(before, dict) else {}
        right = after if isinstance(after, dict) else {}
        for key in {**left, **right}:
            child = schema.field(key)
            # A map (labels, data) or optional list a write adds is owned whole; a struct is not.
            whole = not child.is_struct and key not in schema.required
            yield (
                (*path, ("f", key)),
                left.get(key, _MISSING),
                right.get(key, _MISSING),
                child,
                whole,
            )
        return
    left_items = _index_items(before if isinstance(before, list) else [], schema)
    right_items = _index_items(after if isinstance(after, list) else [], schema)
    for element in {**left_items, **right_items}:
        yield (
            (*path, element),
            left_items.get(element, _MISSING),
            right_items.get(element, _MISSING),
            schema.items,
            True,
        )


# Key fields of list items that have a default: an item that leaves one out (a manifest's
# port with no protocol) is the same item as the stored, defaulted one, as structured-merge-diff
# reads the key's default from the schema.
_KEY_DEFAULTS: Final = {
    "io.k8s.api.core.v1.ServicePort": {"protocol": "TCP"},
    "io.k8s.api.core.v1.ContainerPort": {"protocol": "TCP"},
}


def _item_element(schema: _Schema, item: Any) -> _Element | None:
    kind, keys = schema.list_identity
    if kind == "set":
        return ("v", _canonical(item))
    if kind == "map" and isinstance(item, dict):
        key = {name: item[name] for name in keys if name in item}
        if not key:
            return None
        defaults = _KEY_DEFAULTS.get(str(schema.items.node.get("$ref", "")))
        if defaults:
            key = {
                name: key[name] if name in key else defaults[name]
                for name in keys
                if name in key or name in defaults
            }
        return ("k", _canonical(key))
    return None


def _index_items(items: list[Any], schema: _Schema) -> dict[_Element, Any]:
    """A live list's items by path element (the first of duplicates wins)."""
    indexed: dict[_Element, Any] = {}
    for index, item in enumerate(items):
        indexed.setdefault(_item_element(schema, item) or ("i", index), item)
    return indexed


# --- record_update ----------------------------------------------------------------------------


def record_update(
    live_before: dict[str, Any] | None,
    after: dict[str, Any],
    *,
    manager: str,
    api_version: str,
    now: str,
    subresource: str | None = None,
) -> dict[str, Any]:
    """``after`` with the managedFields bookkeeping of a non-apply write by ``manager``.

    The write (create, update or patch) owns every field it added or changed, in one
    (manager, "Update", api_version, subresource) entry stamped ``now``; other managers lose
    those fields, and everyone loses the fields it removed. A write that sends
    ``managedFields: [{}]`` clears them.
    """
    requested = _managed_fields(after)
    if requested == [{}]:
        return _without_managed_fields(after)
    # A client that leaves managedFields out (or empty) keeps the live ones.
    entries = _read_entries(requested if requested else _managed_fields(live_before))
    result = _without_managed_fields(after)
    before = _without_managed_fields(live_before)
    schema = _Schema.of(_definition_of(after))
    _record_write(entries, before, result, schema, (manager, api_version, subresource or ""), now)
    return _with_entries(result, entries)


def _definition_of(obj: Mapping[str, Any]) -> str | None:
    group, _, version = str(obj.get("apiVersion", "")).rpartition("/")
    return definition_for(group, version, str(obj.get("kind", "")))


def _record_write(
    entries: _Entries,
    before: Any,
    after: Any,
    schema: _Schema,
    writer: tuple[str, str, str],
    now: str,
) -> None:
    """Record an Update by ``writer`` (manager, apiVersion, subresource) in ``entries``."""
    manager, api_version, subresource = writer
    diff = _compare(before, after, schema)
    for entry in entries.values():
        entry.fields -= diff.changed | diff.removed
    owned = diff.owned(subresource)
    if owned:
        identity = (manager, "Update", api_version, subresource)
        entry = entries.setdefault(
            identity, _Entry(manager, "Update", api_version, None, subresource, set())
        )
        entry.fields |= owned
        entry.time = now
    _drop_empty(entries)


def _drop_empty(entries: _Entries) -> None:
    for identity in [identity for identity, entry in entries.items() if not entry.fields]:
        del entries[identity]


# --- server-side apply ------------------------------------------------------------------------


class _TypedError(ValueError):
    """An applied object that does not fit its schema, in structured-merge-diff's words."""


def server_side_apply(
    live: dict[str, Any] | None,
    applied: dict[str, Any],
    *,
    manager: str,
    force: bool,
    definition: str | None,
    api_version: str,
    now: str,
    subresource: str | None = None,
) -> dict[str, Any]:
    """The object after ``manager`` applies ``applied`` to ``live`` (None: nothing there yet).

    ``subresource`` "status" is an apply to /status: it sets and owns only the status.
    """
    _check_applied(applied, api_version)
    schema = _Schema.of(definition)
    scope = subresource or ""
    config = _in_scope(_clone(applied), scope)
    applied_fields: set[_Path] = set()
    try:
        _applied_fields(config, schema, (), applied_fields)
    except _TypedError as error:
        where = _object_name(applied, api_version)
        raise PatchError(500, f"failed to create typed patch object ({where}): {error}") from None
    applied_fields = _ownable(applied_fields, scope)
    before = _without_managed_fields(live)
    entries = _read_entries(_managed_fields(live))
    if live is not None and not entries:
        # The server first gives an object nobody manages to a pseudo-manager owning it all.
        writer = (_BEFORE_FIRST_APPLY, api_version, scope)
        _record_write(entries, {}, before, schema, writer, now)
    identity: _Identity = (manager, "Apply", "", scope)
    previous = entries.get(identity)
    merged = _apply_merge(before, config, schema)
    kept = applied_fields.union(*(e.fields for i, e in entries.items() if i != identity))
    result = _prune(merged, previous.fields if previous else set(), kept)
    _settle_ownership(entries, identity, _compare(before, result, schema), force=force)
    entry = entries[identity] = previous or _Entry(
        manager, "Apply", api_version, None, scope, set()
    )
    entry.fields = applied_fields
    entry.api_version = api_version
    if previous is None or not _json_equal(before, result):
        entry.time = now
    _drop_empty(entries)
    return _with_entries(result, entries)


def _check_applied(applied: Any, api_version: str) -> None:
    if not isinstance(applied, dict):
        raise PatchError(400, f"error decoding YAML: cannot apply a {_go_type(applied)}")
    if _managed_fields(applied) is not None:
        raise PatchError(400, "metadata.managedFields must be nil")
    version = applied.get("apiVersion")
    if version != api_version:
        raise PatchError(
            400,
            "Incorrect version specified in apply patch. "
            f"Specified patch version: {version if isinstance(version, str) else ''}, "
            f"expected: {api_version}",
        )


def _object_name(applied: Mapping[str, Any], api_version: str) -> str:
    """``namespace/name; group/version, Kind=kind`` as the server names the applied object."""
    metadata = applied.get("metadata")
    metadata = metadata if isinstance(metadata, dict) else {}
    group, _, version = api_version.rpartition("/")
    namespace, name = metadata.get("namespace", ""), metadata.get("name", "")
    return f"{namespace}/{name}; {group}/{version}, Kind={applied.get('kind', '')}"


def _applied_fields(value: Any, schema: _Schema, path: _Path, into: set[_Path]) -> None:
    """The fields an applied object sets (structured-merge-diff's ToFieldSet), checking them."""
    if isinstance(value, dict) and not schema.map_atomic:
        for key, item in value.items():
            if schema.closed and not schema.declares(key):
                raise _TypedError(
                    f"{_path_text((*path, ('f', key)))}: field not declared in schema"
                )
            child_path = (*path, ("f", key))
            _applied_fields(item, schema.field(key), child_path, into)
            if schema.is_map and not schema.declares(key):
                into.add(child_path)
    elif isinstance(value, list) and schema.list_identity[0] != "atomic":
        seen: set[_Element] = set()
        for index, item in enumerate(value):
            element = _applied_item(schema, item, index, path)
            if element in seen:
                text = _element_text(element)
                raise _TypedError(f"{_path_text(path)}: duplicate entries for key {text}")
            seen.add(element)
            _applied_fields(item, schema.items, (*path, element), into)
            into.add((*path, element))
    else:
        into.add(path)


def _applied_item(schema: _Schema, item: Any, index: int, path: _Path) -> _Element:
    element = _item_element(schema, item)
    if element is not None:
        return element
    keys = schema.list_identity[1]
    if not isinstance(item, dict):
        raise _TypedError(f"{_path_text(path)}: element {index}: expected map, got {_go(item)}")
    missing = json.dumps(keys[0] if keys else "")
    raise _TypedError(
        f"{_path_text(path)}: element {index}: associative list with keys has an element that "
        f"omits key field {missing} (and doesn't have default value)"
    )


def _shape(value: Any) -> str:
    return "map" if isinstance(value, dict) else "list" if isinstance(value, list) else "scalar"


def _apply_merge(live: Any, applied: Any, schema: _Schema) -> Any:
    """``applied`` merged into ``live``: the applied value wins wherever both have one."""
    if applied is _MISSING:
        return _clone(live)
    if live is _MISSING or _shape(live) != _shape(applied):
        return _without_nulls(applied)
    if isinstance(applied, dict) and not schema.map_atomic:
        merged = _clone(live)
        for key, value in applied.items():
            _put(merged, key, _apply_merge(live.get(key, _MISSING), value, schema.field(key)))
        return merged
    if isinstance(applied, list) and schema.list_identity[0] != "atomic":
        return _merge_items(live, applied, schema)
    return _without_nulls(applied)


def _without_nulls(value: Any) -> Any:
    """An applied value as the object keeps it: a null field is no field (_MISSING at the top)."""
    if value is None:
        return _MISSING
    if isinstance(value, dict):
        return {key: _without_nulls(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [_clone(item) for item in value]
    return value


def _merge_items(live: list[Any], applied: list[Any], schema: _Schema) -> list[Any]:
    """Two associative lists merged item by item, in structured-merge-diff's order.

    Items in both lists follow the applied order; live-only items stay where they were
    relative to them.
    """
    left = _index_items(live, schema)
    right = _index_items(applied, schema)
    lhs, rhs = list(left), list(right)
    shared = iter([element for element in rhs if element in left])
    next_shared = next(shared, None)
    done: set[_Element] = set()
    merged: list[Any] = []
    li = ri = 0
    while li < len(lhs) or ri < len(rhs):
        if li < len(lhs) and ri < len(rhs):
            element = lhs[li]
            if element == rhs[ri]:
                done.add(element)
                merged.append(_apply_merge(left[element], right[element], schema.items))
                li, ri, next_shared = li + 1, ri + 1, next(shared, None)
                continue
            if element in right and next_shared is not None and next_shared != element:
                li += 1  # a shared item, but not the one whose turn it is
                continue
        if li < len(lhs):
            element = lhs[li]
            if element not in right:
                merged.append(_clone(left[element]))
                li += 1
                continue
            if element in done:
                li += 1
                continue
        element = rhs[ri]
        done.add(element)
        merged.append(_apply_merge(left.get(element, _MISSING), right[element], schema.items))
        ri += 1
        if next_shared == element:
            next_shared = next(shared, None)
    return [item for item in merged if item is not _MISSING]


def _prune(obj: dict[str, Any], previous: set[_Path], kept: set[_Path]) -> dict[str, Any]:
    """Remove what the applier applied before and nobody owns now (``obj`` is private)."""
    holding = {path[:length] for path in kept for length in range(1, len(path))}
    for path in sorted(previous - kept, key=len, reverse=True):
        if path in holding or _is_key_field(path):
            continue
        _remove_path(obj, path)
        _remove_emptied(obj, path[:-1], kept | holding)
    return obj


def _is_key_field(path: _Path) -> bool:
    """A list-map item's key field, which goes only with its item."""
    if len(path) < 2 or path[-1][0] != "f" or path[-2][0] != "k":
        return False
    return path[-1][1] in json.loads(path[-2][1])


def _remove_emptied(obj: dict[str, Any], path: _Path, kept: set[_Path]) -> None:
    """Remove the maps and lists left empty by a removal, up to the top-level fields."""
    while len(path) > 1 and path[-1][0] == "f" and path not in kept:
        value = _lookup(obj, path)
        if value is _MISSING or not isinstance(value, (dict, list)) or value:
            return
        _remove_path(obj, path)
        path = path[:-1]


def _lookup(obj: Any, path: _Path) -> Any:
    for element in path:
        obj = _step(obj, element)
        if obj is _MISSING:
            break
    return obj


def _step(node: Any, element: _Element) -> Any:
    kind, payload = element
    if kind == "f":
        return node.get(payload, _MISSING) if isinstance(node, dict) else _MISSING
    at = _item_at(node, element)
    return _MISSING if at is None else node[at]


def _item_at(node: Any, element: _Element) -> int | None:
    if not isinstance(node, list):
        return None
    kind, payload = element
    if kind == "i":
        return payload if isinstance(payload, int) and 0 <= payload < len(node) else None
    names = list(json.loads(payload)) if kind == "k" else []
    for index, item in enumerate(node):
        if kind == "v" and _canonical(item) == payload:
            return index
        if kind == "k" and isinstance(item, dict) and _key_of(item, names) == payload:
            return index
    return None


def _key_of(item: dict[str, Any], names: list[str]) -> str:
    return _canonical({name: item[name] for name in names if name in item})


def _remove_path(obj: dict[str, Any], path: _Path) -> None:
    parent = _lookup(obj, path[:-1])
    kind, payload = path[-1]
    if kind == "f":
        if isinstance(parent, dict):
            parent.pop(payload, None)
        return
    at = _item_at(parent, path[-1])
    if at is not None:
        del parent[at]


def _settle_ownership(entries: _Entries, applier: _Identity, diff: _Diff, *, force: bool) -> None:
    """Take the changed fields from the other managers, or refuse with 409 unless forced."""
    changed = diff.changed
    conflicts = [
        (entries[identity], path)
        for identity in sorted(entries, key=lambda identity: _identifier(entries[identity]))
        if identity != applier
        for path in _Tree.of(entries[identity].fields & changed).paths()
    ]
    if conflicts and not force:
        raise _conflict_error(conflicts)
    for identity, entry in entries.items():
        if identity != applier:
            entry.fields -= changed | diff.removed


def _identifier(entry: _Entry) -> str:
    """The manager identifier the server sorts conflicting managers by (JSON of the entry)."""
    identifier: dict[str, str] = {"manager": entry.manager, "operation": entry.operation}
    if entry.operation != "Apply" and entry.api_version:
        identifier["apiVersion"] = entry.api_version
    if entry.subresource:
        identifier["subresource"] = entry.subresource
    return json.dumps(identifier, separators=(",", ":"))


def _conflict_error(conflicts: list[tuple[_Entry, _Path]]) -> PatchError:
    causes = [
        {
            "type": "FieldManagerConflict",
            "message": f"conflict with {entry.describe()}",
            "field": _path_text(path),
        }
        for entry, path in conflicts
    ]
    if len(conflicts) == 1:
        entry, path = conflicts[0]
        message = (
            f"Apply failed with 1 conflict: conflict with {entry.describe()}: {_path_text(path)}"
        )
        return PatchError(409, message, causes)
    lines: list[str] = []
    for index, (entry, path) in enumerate(conflicts):
        if index == 0 or conflicts[index - 1][0] is not entry:
            lines.append(f"conflicts with {entry.describe()}:")
        lines.append(f"- {_path_text(path)}")
    message = f"Apply failed with {len(conflicts)} conflicts: " + "\n".join(lines)
    return PatchError(409, message, causes)

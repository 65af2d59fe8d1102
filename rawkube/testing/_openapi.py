"""The fake cluster's OpenAPI documents (v2 and the v3 per group-version), built from the facts."""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from rawkube.testing import _facts

__all__ = [
    "OPENAPI_V2_PROTOBUF",
    "CustomResourceSchema",
    "content_hash",
    "group_version_path",
    "openapi_v2",
    "openapi_v2_protobuf",
    "openapi_v3_document",
    "openapi_v3_index",
]

_INFO = {"title": "Kubernetes", "version": "1.36"}
_META = "io.k8s.apimachinery.pkg.apis.meta.v1."
_STATUS = _META + "Status"
_WATCH_EVENT = _META + "WatchEvent"
_DELETE_OPTIONS = _META + "DeleteOptions"
_PATCH = _META + "Patch"
_OBJECT_META = _META + "ObjectMeta"
_LIST_META = _META + "ListMeta"
_RESOURCE_LIST = _META + "APIResourceList"

_V2_REF = "#/definitions/"
_V3_REF = "#/components/schemas/"
_JSON = "application/json"
_WATCH_STREAM = "application/json;stream=watch"
_SMP = "application/strategic-merge-patch+json"
_CRD_PATCHES = ("application/json-patch+json", "application/merge-patch+json")
_APPLY = "application/apply-patch+yaml"

# Query parameters by operation, as (name, type).
_LIST_QUERY = (
    ("allowWatchBookmarks", "boolean"),
    ("continue", "string"),
    ("fieldSelector", "string"),
    ("labelSelector", "string"),
    ("limit", "integer"),
    ("resourceVersion", "string"),
    ("resourceVersionMatch", "string"),
    ("sendInitialEvents", "boolean"),
    ("timeoutSeconds", "integer"),
    ("watch", "boolean"),
)
_WRITE_QUERY = (("dryRun", "string"), ("fieldManager", "string"), ("fieldValidation", "string"))
_PATCH_QUERY = (*_WRITE_QUERY, ("force", "boolean"))
_DELETE_QUERY = (
    ("dryRun", "string"),
    ("gracePeriodSeconds", "integer"),
    ("ignoreStoreReadErrorWithClusterBreakingPotential", "boolean"),
    ("orphanDependents", "boolean"),
    ("propagationPolicy", "string"),
)
_DELETE_COLLECTION_QUERY = tuple(
    sorted(
        _DELETE_QUERY
        + tuple(q for q in _LIST_QUERY if q[0] not in ("allowWatchBookmarks", "watch"))
    )
)
_LOG_QUERY = (
    ("container", "string"),
    ("follow", "boolean"),
    ("insecureSkipTLSVerifyBackend", "boolean"),
    ("limitBytes", "integer"),
    ("previous", "boolean"),
    ("sinceSeconds", "integer"),
    ("stream", "string"),
    ("tailLines", "integer"),
    ("timestamps", "boolean"),
)
_STREAMS = (("stderr", "boolean"), ("stdin", "boolean"), ("stdout", "boolean"), ("tty", "boolean"))
_CONNECT_QUERY: dict[str, tuple[tuple[str, str], ...]] = {
    "attach": (("container", "string"), *_STREAMS),
    "exec": (("command", "string"), ("container", "string"), *_STREAMS),
    "portforward": (("ports", "integer"),),
    "proxy": (("path", "string"),),
}
_CONNECT_METHODS = {
    "get": "get",
    "create": "post",
    "update": "put",
    "patch": "patch",
    "delete": "delete",
}
_REASONS = {"200": "OK", "201": "Created", "202": "Accepted", "401": "Unauthorized"}

# Schema keywords whose values are schemas (or maps/lists of them); everything else is a fact.
_SCHEMA_MAPS = ("properties", "patternProperties", "definitions")
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf")
_SCHEMA_ONE = ("items", "additionalProperties", "additionalItems", "not")
# What Swagger 2.0 cannot say (the v2 document drops it, as the real server does for CRDs).
_NOT_IN_V2 = ("allOf", "anyOf", "oneOf", "not", "nullable", "x-kubernetes-validations")
_SCALARS = ("string", "integer", "number")


@dataclass(frozen=True)
class CustomResourceSchema:
    """One served version of a CustomResourceDefinition, as the OpenAPI documents need it.

    ``schema`` is the version's ``schema.openAPIV3Schema`` (None: any object). The documents
    name its definition after the reversed group, the version and the kind
    (``com.example.v1.Widget``), like the real server.
    """

    group: str
    version: str
    kind: str
    plural: str
    namespaced: bool
    schema: Mapping[str, Any] | None = field(default=None, hash=False, compare=False)

    @property
    def api_version(self) -> str:
        """``group/version``."""
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def definition(self) -> str:
        """The definition name of the kind (``com.example.v1.Widget``)."""
        prefix = ".".join(reversed(self.group.split("."))) if self.group else "core"
        return f"{prefix}.{self.version}.{self.kind}"

    @property
    def list_definition(self) -> str:
        """The definition name of the kind's list (``com.example.v1.WidgetList``)."""
        return self.definition + "List"


# --------------------------------------------------------------------------- helpers


def content_hash(document: Mapping[str, Any]) -> str:
    """A stable content hash of a document: uppercase hex SHA-512 of its canonical JSON.

    The v3 index puts it in each ``serverRelativeURL``; a server can send it as the ETag.
    """
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha512(text.encode("utf-8")).hexdigest().upper()


def group_version_path(api_version: str) -> str:
    """The v3 document path of an apiVersion: ``v1`` is ``api/v1``, ``apps/v1`` ``apis/apps/v1``."""
    if api_version.startswith(("api/", "apis/")):
        return api_version
    if "/" not in api_version:
        return f"api/{api_version}"
    return f"apis/{api_version}"


def _normalize_path(path: str) -> str:
    path = path.split("?", 1)[0].strip("/")
    if path.startswith("openapi/v3/"):
        path = path[len("openapi/v3/") :]
    return path


def _api_prefix(group: str, version: str) -> str:
    return f"/apis/{group}/{version}" if group else f"/api/{version}"


def _camel_group(group: str) -> str:
    if not group:
        return "Core"
    group = group.removesuffix(".k8s.io")
    return "".join(part[:1].upper() + part[1:] for part in group.replace("-", ".").split("."))


def _tag(group: str, version: str) -> str:
    camel = _camel_group(group)
    return f"{camel[:1].lower()}{camel[1:]}_{version}"


def _map_schema(node: Any, visit: Callable[[dict[str, Any]], dict[str, Any]]) -> Any:
    """Rebuild a schema bottom-up, calling ``visit`` on every schema node (children first)."""
    if not isinstance(node, Mapping):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in _SCHEMA_MAPS and isinstance(value, Mapping):
            out[key] = {name: _map_schema(child, visit) for name, child in value.items()}
        elif key in (*_SCHEMA_LISTS, *_SCHEMA_ONE) and isinstance(value, list):
            out[key] = [_map_schema(child, visit) for child in value]
        elif key in _SCHEMA_ONE and isinstance(value, Mapping):
            out[key] = _map_schema(value, visit)
        else:
            out[key] = value
    return visit(out)


def _refs(node: Any) -> Iterator[str]:
    """The bare definition names a schema (in the facts' form) refers to."""
    if not isinstance(node, Mapping):
        return
    ref = node.get("$ref")
    if isinstance(ref, str):
        yield ref
    for key, value in node.items():
        if key in _SCHEMA_MAPS and isinstance(value, Mapping):
            for child in value.values():
                yield from _refs(child)
        elif key in (*_SCHEMA_LISTS, *_SCHEMA_ONE):
            for child in value if isinstance(value, list) else [value]:
                yield from _refs(child)


def _closure(roots: Iterable[str], lookup: Callable[[str], Mapping[str, Any] | None]) -> list[str]:
    """Every definition reachable from ``roots``, sorted; names ``lookup`` lacks are left out."""
    seen: set[str] = set()
    stack = list(roots)
    while stack:
        name = stack.pop()
        if name in seen:
            continue
        schema = lookup(name)
        if schema is None:
            continue
        seen.add(name)
        stack.extend(_refs(schema))
    return sorted(seen)


def _v2_node(node: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref")
    if isinstance(ref, str) and not ref.startswith("#"):
        node["$ref"] = _V2_REF + ref
    alternatives = node.get("oneOf")
    # Quantity, IntOrString: Swagger 2.0 has no oneOf; the real v2 says "string".
    if (
        "type" not in node
        and isinstance(alternatives, list)
        and alternatives
        and all(
            isinstance(alt, Mapping) and set(alt) == {"type"} and alt["type"] in _SCALARS
            for alt in alternatives
        )
    ):
        node["type"] = "string"
    for key in _NOT_IN_V2:
        node.pop(key, None)
    return node


def _v3_node(node: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref")
    if isinstance(ref, str) and not ref.startswith("#"):
        if len(node) == 1:
            return {"$ref": _V3_REF + ref}
        # OpenAPI 3.0 ignores siblings of $ref: wrap it, as the real server does.
        rest = {key: value for key, value in node.items() if key != "$ref"}
        return {"allOf": [{"$ref": _V3_REF + ref}], **rest}
    return node


@functools.cache
def _v2_definition(name: str) -> dict[str, Any]:
    converted: dict[str, Any] = _map_schema(_facts.definitions()[name], _v2_node)
    return converted


@functools.cache
def _v3_definition(name: str) -> dict[str, Any]:
    converted: dict[str, Any] = _map_schema(_facts.definitions()[name], _v3_node)
    return converted


# --------------------------------------------------------------------------- the plan


@dataclass(frozen=True)
class _Kind:
    """What an operation is about: its group-version-kind and the definitions it answers with."""

    group: str
    version: str
    kind: str
    definition: str | None
    list_definition: str | None


@dataclass(frozen=True)
class _Op:
    method: str
    action: str | None
    operation_id: str
    gvk: tuple[str, str, str] | None
    query: tuple[tuple[str, str], ...] = ()
    body: str | None = None
    body_required: bool = True
    responses: tuple[tuple[str, str | None], ...] = ()  # (code, definition or None for a string)
    consumes: tuple[str, ...] = ("*/*",)
    produces: tuple[str, ...] = (_JSON,)


@dataclass(frozen=True)
class _Path:
    path: str
    params: tuple[str, ...]  # path parameters: "namespace", "name", "path"
    ops: tuple[_Op, ...]
    tag: str | None = None  # None: the group-version's tag (core_v1)
    pretty: bool = True  # whether the path takes ?pretty


@dataclass(frozen=True)
class _Resource:
    group: str
    version: str
    plural: str
    namespaced: bool
    verbs: frozenset[str]
    kind: _Kind
    patch_types: tuple[str, ...]
    subresources: tuple[tuple[str, _Kind, frozenset[str]], ...] = ()


def _kind_of(group: str, version: str, spec: Mapping[str, Any]) -> _Kind:
    g = spec.get("group", group)
    v = spec.get("version", version)
    k = spec["kind"]
    return _Kind(g, v, k, _facts.definition_for(g, v, k), _facts.definition_for(g, v, k + "List"))


def _ok(definition: str | None, *codes: str) -> tuple[tuple[str, str | None], ...]:
    return tuple((code, definition) for code in codes)


def _resource_paths(res: _Resource) -> list[_Path]:
    """The paths and operations of one resource, named like the real server names them."""
    prefix = _api_prefix(res.group, res.version)
    g, v = _camel_group(res.group), res.version[:1].upper() + res.version[1:]
    kind = res.kind
    gvk = (kind.group, kind.version, kind.kind)
    scope = "Namespaced" if res.namespaced else ""
    base = (
        f"{prefix}/namespaces/{{namespace}}/{res.plural}"
        if res.namespaced
        else (f"{prefix}/{res.plural}")
    )
    watch_base = (
        f"{prefix}/watch/namespaces/{{namespace}}/{res.plural}"
        if res.namespaced
        else f"{prefix}/watch/{res.plural}"
    )
    ns: tuple[str, ...] = ("namespace",) if res.namespaced else ()
    verbs = res.verbs
    paths: list[_Path] = []

    def oid(verb: str, suffix: str = "", scoped: str = scope, method: str = "") -> str:
        return f"{verb}{g}{v}{method}{scoped}{kind.kind}{suffix}"

    collection: list[_Op] = []
    if "list" in verbs:
        collection.append(
            _Op(
                "get",
                "list",
                oid("list"),
                gvk,
                _LIST_QUERY,
                responses=_ok(kind.list_definition, "200"),
                produces=(_JSON, _WATCH_STREAM),
            )
        )
    if "create" in verbs:
        collection.append(
            _Op(
                "post",
                "post",
                oid("create"),
                gvk,
                _WRITE_QUERY,
                body=kind.definition,
                responses=_ok(kind.definition, "200", "201", "202"),
            )
        )
    if "deletecollection" in verbs:
        collection.append(
            _Op(
                "delete",
                "deletecollection",
                oid("delete", scoped="Collection" + scope),
                gvk,
                _DELETE_COLLECTION_QUERY,
                body=_DELETE_OPTIONS,
                body_required=False,
                responses=_ok(_STATUS, "200"),
            )
        )
    if collection:
        paths.append(_Path(base, ns, tuple(collection)))

    item: list[_Op] = []
    if "get" in verbs:
        item.append(_Op("get", "get", oid("read"), gvk, responses=_ok(kind.definition, "200")))
    if "update" in verbs:
        item.append(
            _Op(
                "put",
                "put",
                oid("replace"),
                gvk,
                _WRITE_QUERY,
                body=kind.definition,
                responses=_ok(kind.definition, "200", "201"),
            )
        )
    if "delete" in verbs:
        item.append(
            _Op(
                "delete",
                "delete",
                oid("delete"),
                gvk,
                _DELETE_QUERY,
                body=_DELETE_OPTIONS,
                body_required=False,
                responses=_ok(_STATUS, "200", "202"),
            )
        )
    if "patch" in verbs:
        item.append(
            _Op(
                "patch",
                "patch",
                oid("patch"),
                gvk,
                _PATCH_QUERY,
                body=_PATCH,
                responses=_ok(kind.definition, "200", "201"),
                consumes=res.patch_types,
            )
        )
    if item:
        paths.append(_Path(base + "/{name}", (*ns, "name"), tuple(item)))

    if "watch" in verbs:
        watch = _ok(_WATCH_EVENT, "200")
        streams = (_JSON, _WATCH_STREAM)
        paths.append(
            _Path(
                watch_base,
                ns,
                (
                    _Op(
                        "get",
                        "watchlist",
                        oid("watch", "List"),
                        gvk,
                        _LIST_QUERY,
                        responses=watch,
                        produces=streams,
                    ),
                ),
            )
        )
        paths.append(
            _Path(
                watch_base + "/{name}",
                (*ns, "name"),
                (
                    _Op(
                        "get",
                        "watch",
                        oid("watch"),
                        gvk,
                        _LIST_QUERY,
                        responses=watch,
                        produces=streams,
                    ),
                ),
            )
        )
    if res.namespaced and "list" in verbs:
        paths.append(
            _Path(
                f"{prefix}/{res.plural}",
                (),
                (
                    _Op(
                        "get",
                        "list",
                        oid("list", "ForAllNamespaces", ""),
                        gvk,
                        _LIST_QUERY,
                        responses=_ok(kind.list_definition, "200"),
                        produces=(_JSON, _WATCH_STREAM),
                    ),
                ),
            )
        )
    if res.namespaced and "watch" in verbs:
        paths.append(
            _Path(
                f"{prefix}/watch/{res.plural}",
                (),
                (
                    _Op(
                        "get",
                        "watchlist",
                        oid("watch", "ListForAllNamespaces", ""),
                        gvk,
                        _LIST_QUERY,
                        responses=_ok(_WATCH_EVENT, "200"),
                        produces=(_JSON, _WATCH_STREAM),
                    ),
                ),
            )
        )

    for name, sub, sub_verbs in res.subresources:
        paths.extend(_subresource_paths(res, base, name, sub, sub_verbs, oid))
    return paths


def _subresource_paths(
    res: _Resource,
    base: str,
    name: str,
    sub: _Kind,
    verbs: frozenset[str],
    oid: Callable[..., str],
) -> list[_Path]:
    suffix = name[:1].upper() + name[1:]
    gvk = (sub.group, sub.version, sub.kind)
    params: tuple[str, ...] = ("namespace", "name") if res.namespaced else ("name",)
    path = f"{base}/{{name}}/{name}"
    if sub.definition is None:
        # exec, attach, portforward, proxy: "connect" operations on an options kind.
        paths = [_Path(path, params, _connect_ops(verbs, gvk, suffix, oid, name), pretty=False)]
        if name == "proxy":
            with_path = _connect_ops(verbs, gvk, suffix + "WithPath", oid, "")
            paths.append(_Path(path + "/{path}", (*params, "path"), with_path, pretty=False))
        return paths
    ops: list[_Op] = []
    if name == "log":
        ops.append(
            _Op(
                "get",
                "get",
                oid("read", suffix),
                gvk,
                _LOG_QUERY,
                responses=_ok(None, "200"),
                produces=("text/plain", _JSON),
            )
        )
    else:
        if "get" in verbs:
            ops.append(
                _Op("get", "get", oid("read", suffix), gvk, responses=_ok(sub.definition, "200"))
            )
        if "create" in verbs:
            ops.append(
                _Op(
                    "post",
                    "post",
                    oid("create", suffix),
                    gvk,
                    _WRITE_QUERY,
                    body=sub.definition,
                    responses=_ok(sub.definition, "200", "201", "202"),
                )
            )
        if "update" in verbs:
            ops.append(
                _Op(
                    "put",
                    "put",
                    oid("replace", suffix),
                    gvk,
                    _WRITE_QUERY,
                    body=sub.definition,
                    responses=_ok(sub.definition, "200", "201"),
                )
            )
        if "patch" in verbs:
            ops.append(
                _Op(
                    "patch",
                    "patch",
                    oid("patch", suffix),
                    gvk,
                    _PATCH_QUERY,
                    body=_PATCH,
                    responses=_ok(sub.definition, "200", "201"),
                    consumes=res.patch_types,
                )
            )
    return [_Path(path, params, tuple(ops))]


def _connect_ops(
    verbs: frozenset[str],
    gvk: tuple[str, str, str],
    suffix: str,
    oid: Callable[..., str],
    query: str,
) -> tuple[_Op, ...]:
    ops: list[_Op] = []
    for verb in sorted(verbs):
        method = _CONNECT_METHODS.get(verb)
        if method is None:
            continue
        ops.append(
            _Op(
                method,
                "connect",
                oid("connect", suffix, method=method[:1].upper() + method[1:]),
                gvk,
                _CONNECT_QUERY.get(query, ()),
                produces=("*/*",),
                responses=_ok(None, "200"),
            )
        )
    return tuple(ops)


def _discovery_path(group: str, version: str) -> _Path:
    g, v = _camel_group(group), version[:1].upper() + version[1:]
    op = _Op("get", None, f"get{g}{v}APIResources", None, responses=_ok(_RESOURCE_LIST, "200"))
    return _Path(_api_prefix(group, version) + "/", (), (op,), pretty=False)


def _root_paths(groups: Iterable[str]) -> list[_Path]:
    """``/api/``, ``/apis/``, ``/apis/<group>/`` and ``/version/`` (the v2 document has them)."""

    def get(path: str, operation_id: str, definition: str, tag: str) -> _Path:
        op = _Op("get", None, operation_id, None, responses=_ok(definition, "200"))
        return _Path(path, (), (op,), tag=tag, pretty=False)

    paths = [
        get("/api/", "getCoreAPIVersions", _META + "APIVersions", "core"),
        get("/apis/", "getAPIVersions", _META + "APIGroupList", "apis"),
        get("/version/", "getCodeVersion", "io.k8s.apimachinery.pkg.version.Info", "version"),
    ]
    for group in sorted(set(groups) - {""}):
        camel = _camel_group(group)
        tag = camel[:1].lower() + camel[1:]
        paths.append(get(f"/apis/{group}/", f"get{camel}APIGroup", _META + "APIGroup", tag))
    return paths


@functools.cache
def _builtin_plan() -> dict[str, tuple[_Path, ...]]:
    """The paths of every served group-version, by document path (``api/v1``)."""
    plan: dict[str, tuple[_Path, ...]] = {}
    patch_types = (*_CRD_PATCHES, _SMP, _APPLY)
    for api_version, info in _facts.served().items():
        group, version = info["group"], info["version"]
        paths = [_discovery_path(group, version)]
        for plural, spec in sorted(info["resources"].items()):
            subs = tuple(
                (name, _kind_of(group, version, sub["kind"]), frozenset(sub["verbs"]))
                for name, sub in sorted(spec.get("subresources", {}).items())
            )
            resource = _Resource(
                group,
                version,
                plural,
                bool(spec["namespaced"]),
                frozenset(spec["verbs"]),
                _kind_of(group, version, spec["kind"]),
                patch_types,
                subs,
            )
            paths.extend(_resource_paths(resource))
        plan[group_version_path(api_version)] = tuple(paths)
    return plan


def _crd_plan(crd: CustomResourceSchema) -> list[_Path]:
    kind = _Kind(crd.group, crd.version, crd.kind, crd.definition, crd.list_definition)
    verbs = frozenset(
        ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")
    )
    resource = _Resource(
        crd.group, crd.version, crd.plural, crd.namespaced, verbs, kind, (*_CRD_PATCHES, _APPLY)
    )
    return _resource_paths(resource)


def _crd_definitions(crd: CustomResourceSchema) -> dict[str, dict[str, Any]]:
    """The kind's and its list's definitions, in the facts' form (bare ``$ref`` names)."""
    gvk = {"group": crd.group, "kind": crd.kind, "version": crd.version}
    if crd.schema:
        schema: dict[str, Any] = json.loads(json.dumps(crd.schema))  # a private deep copy
    else:
        schema = {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
    properties = dict(schema.get("properties") or {})
    properties["apiVersion"] = {"type": "string"}
    properties["kind"] = {"type": "string"}
    properties["metadata"] = {"$ref": _OBJECT_META}
    schema["properties"] = properties
    schema.setdefault("type", "object")
    schema["x-kubernetes-group-version-kind"] = [gvk]
    list_schema: dict[str, Any] = {
        "type": "object",
        "required": ["items"],
        "properties": {
            "apiVersion": {"type": "string"},
            "items": {"type": "array", "items": {"$ref": crd.definition}},
            "kind": {"type": "string"},
            "metadata": {"$ref": _LIST_META},
        },
        "x-kubernetes-group-version-kind": [{**gvk, "kind": crd.kind + "List"}],
    }
    return {crd.definition: schema, crd.list_definition: list_schema}


def _op_refs(paths: Iterable[_Path]) -> Iterator[str]:
    for path in paths:
        for op in path.ops:
            if op.body:
                yield op.body
            for _, definition in op.responses:
                if definition:
                    yield definition


# --------------------------------------------------------------------------- rendering


def _gvk(op: _Op) -> dict[str, Any]:
    if op.gvk is None:
        return {}
    group, version, kind = op.gvk
    return {"x-kubernetes-group-version-kind": {"group": group, "kind": kind, "version": version}}


def _action(op: _Op) -> dict[str, Any]:
    return {"x-kubernetes-action": op.action} if op.action else {}


def _v2_schema(definition: str | None) -> dict[str, Any]:
    return {"$ref": _V2_REF + definition} if definition else {"type": "string"}


def _v3_schema(definition: str | None) -> dict[str, Any]:
    return {"$ref": _V3_REF + definition} if definition else {"type": "string"}


def _tag_of(path: _Path) -> str:
    if path.tag is not None:
        return path.tag
    # The group-version of the path, not of the kind (pods/eviction is core_v1).
    parts = path.path.strip("/").split("/")
    if parts[0] == "api":
        return _tag("", parts[1])
    return _tag(parts[1], parts[2])


def _v2_path(path: _Path) -> dict[str, Any]:
    item: dict[str, Any] = {}
    for op in path.ops:
        parameters: list[dict[str, Any]] = []
        if op.body:
            body: dict[str, Any] = {"name": "body", "in": "body", "schema": _v2_schema(op.body)}
            if op.body_required:
                body["required"] = True
            parameters.append(body)
        parameters.extend(
            {"uniqueItems": True, "type": kind, "name": name, "in": "query"}
            for name, kind in op.query
        )
        responses: dict[str, Any] = {
            code: {"description": _REASONS[code], "schema": _v2_schema(definition)}
            for code, definition in op.responses
        }
        responses["401"] = {"description": _REASONS["401"]}
        rendered: dict[str, Any] = {
            "consumes": list(op.consumes),
            "produces": list(op.produces),
            "schemes": ["https"],
            "tags": [_tag_of(path)],
            "operationId": op.operation_id,
        }
        if parameters:
            rendered["parameters"] = parameters
        rendered["responses"] = responses
        rendered.update(_action(op))
        rendered.update(_gvk(op))
        item[op.method] = rendered
    params = [
        {"uniqueItems": True, "type": "string", "name": name, "in": "path", "required": True}
        for name in sorted(path.params)
    ]
    if path.pretty:
        params.append({"uniqueItems": True, "type": "string", "name": "pretty", "in": "query"})
    if params:
        item["parameters"] = params
    return item


def _v3_path(path: _Path) -> dict[str, Any]:
    item: dict[str, Any] = {}
    for op in path.ops:
        rendered: dict[str, Any] = {
            "tags": [_tag_of(path)],
            "operationId": op.operation_id,
        }
        if op.query:
            rendered["parameters"] = [
                {"name": name, "in": "query", "schema": {"type": kind, "uniqueItems": True}}
                for name, kind in op.query
            ]
        if op.body:
            content = {media: {"schema": _v3_schema(op.body)} for media in op.consumes}
            body: dict[str, Any] = {"content": content}
            if op.body_required:
                body["required"] = True
            rendered["requestBody"] = body
        responses: dict[str, Any] = {
            code: {
                "description": _REASONS[code],
                "content": {media: {"schema": _v3_schema(definition)} for media in op.produces},
            }
            for code, definition in op.responses
        }
        responses["401"] = {"description": _REASONS["401"]}
        rendered["responses"] = responses
        rendered.update(_action(op))
        rendered.update(_gvk(op))
        item[op.method] = rendered
    params: list[dict[str, Any]] = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": {"type": "string", "uniqueItems": True},
        }
        for name in sorted(path.params)
    ]
    if path.pretty:
        params.append(
            {"name": "pretty", "in": "query", "schema": {"type": "string", "uniqueItems": True}}
        )
    if params:
        item["parameters"] = params
    return item


_SECURITY_SCHEME = {"type": "apiKey", "name": "authorization", "in": "header"}


# --------------------------------------------------------------------------- OpenAPI v2


@functools.cache
def _v2_builtin() -> dict[str, Any]:
    plan = _builtin_plan()
    every = [path for gv_paths in plan.values() for path in gv_paths]
    every.extend(_root_paths(info["group"] for info in _facts.served().values()))
    paths = {path.path: _v2_path(path) for path in every}
    roots = _op_refs(every)
    names = _closure(roots, _facts.definitions().get)
    return {
        "swagger": "2.0",
        "info": dict(_INFO),
        "paths": dict(sorted(paths.items())),
        "definitions": {name: _v2_definition(name) for name in names},
        "securityDefinitions": {"BearerToken": dict(_SECURITY_SCHEME)},
        "security": [{"BearerToken": []}],
    }


def openapi_v2(extra: Sequence[CustomResourceSchema] = ()) -> dict[str, Any]:
    """``GET /openapi/v2`` as JSON: Swagger 2.0 for every served resource and ``extra`` CRDs.

    The built-in part is built once; the result shares its nested objects, so treat it as
    read-only.
    """
    document = dict(_v2_builtin())
    if not extra:
        return document
    paths = dict(document["paths"])
    definitions = dict(document["definitions"])
    for crd in extra:
        for path in _crd_plan(crd):
            paths[path.path] = _v2_path(path)
        for name, schema in _crd_definitions(crd).items():
            definitions[name] = _map_schema(schema, _v2_node)
    document["paths"] = dict(sorted(paths.items()))
    document["definitions"] = dict(sorted(definitions.items()))
    return document


OPENAPI_V2_PROTOBUF = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf"
"""What kubectl's ``Accept`` asks ``/openapi/v2`` for; it parses the answer as protobuf only."""


def openapi_v2_protobuf() -> bytes:
    """A protobuf ``/openapi/v2`` for kubectl: a Swagger 2.0 document with no definitions.

    kubectl 1.32 reads v2 only as protobuf (JSON fails with "proto: cannot parse invalid
    wire-format data"), and only where v3 cannot answer: client-side schema validation when it
    cannot tell from v3 that the server validates fields (``kind: List`` files), and
    client-side apply of kinds whose v3 PATCH lacks strategic merge (CRDs). With no
    definitions it skips that validation and applies CRDs with a JSON merge patch, as it
    would against a real server. Send it as ``application/octet-stream``: client-go cannot
    parse the ``@`` in ``OPENAPI_V2_PROTOBUF`` as a Content-Type.
    """
    return b"\n\x032.0"  # field 1 (swagger), length 3, "2.0"


# --------------------------------------------------------------------------- OpenAPI v3


def _v3_assemble(
    paths: Sequence[_Path], definitions: Mapping[str, Mapping[str, Any]]
) -> dict[str, Any]:
    return {
        "openapi": "3.0.0",
        "info": dict(_INFO),
        "paths": {path.path: _v3_path(path) for path in sorted(paths, key=lambda p: p.path)},
        "components": {
            "schemas": dict(sorted(definitions.items())),
            "securitySchemes": {"BearerToken": dict(_SECURITY_SCHEME)},
        },
    }


@functools.cache
def _v3_builtin(path: str) -> dict[str, Any] | None:
    paths = _builtin_plan().get(path)
    if paths is None:
        return None
    names = _closure(_op_refs(paths), _facts.definitions().get)
    return _v3_assemble(paths, {name: _v3_definition(name) for name in names})


@functools.cache
def _v3_builtin_hash(path: str) -> str:
    document = _v3_builtin(path)
    assert document is not None
    return content_hash(document)


def _v3_with_crds(path: str, crds: Sequence[CustomResourceSchema]) -> dict[str, Any] | None:
    builtin = _v3_builtin(path)
    if not crds:
        return None if builtin is None else dict(builtin)
    own: dict[str, dict[str, Any]] = {}
    crd_paths: list[_Path] = []
    for crd in crds:
        own.update(_crd_definitions(crd))
        crd_paths.extend(_crd_plan(crd))
    facts = _facts.definitions()

    def lookup(name: str) -> Mapping[str, Any] | None:
        return own.get(name) or facts.get(name)

    names = _closure([*_op_refs(crd_paths), *own], lookup)
    definitions = {
        name: _map_schema(own[name], _v3_node) if name in own else _v3_definition(name)
        for name in names
    }
    if builtin is None:
        return _v3_assemble(crd_paths, definitions)
    # A CRD in a built-in group-version: add to a copy of the built-in document.
    document = dict(builtin)
    document["paths"] = dict(
        sorted({**builtin["paths"], **{p.path: _v3_path(p) for p in crd_paths}}.items())
    )
    schemas = {**builtin["components"]["schemas"], **definitions}
    document["components"] = {**builtin["components"], "schemas": dict(sorted(schemas.items()))}
    return document


def _crds_by_path(extra: Iterable[CustomResourceSchema]) -> dict[str, list[CustomResourceSchema]]:
    found: dict[str, list[CustomResourceSchema]] = {}
    for crd in extra:
        found.setdefault(group_version_path(crd.api_version), []).append(crd)
    return found


def openapi_v3_index(
    extra_group_versions: Iterable[str] = (),
    *,
    extra: Sequence[CustomResourceSchema] = (),
) -> dict[str, Any]:
    """``GET /openapi/v3``: each served group-version's document URL, with its content hash.

    ``extra_group_versions`` adds group-versions (``example.com/v1`` or ``apis/example.com/v1``);
    ``extra`` adds the CRDs' group-versions too, and is what makes their hashes follow their
    schemas (pass it whenever the CRDs are known; the same list as to ``openapi_v3_document``).
    """
    crds = _crds_by_path(extra)
    wanted = set(_builtin_plan()) | set(crds)
    wanted.update(group_version_path(gv) for gv in extra_group_versions)
    paths: dict[str, Any] = {}
    for path in sorted(wanted):
        if path in crds:
            document = _v3_with_crds(path, crds[path])
            digest = content_hash(document) if document is not None else content_hash({})
        elif path in _builtin_plan():
            digest = _v3_builtin_hash(path)
        else:
            digest = content_hash(_v3_assemble((), {}))
        paths[path] = {"serverRelativeURL": f"/openapi/v3/{path}?hash={digest}"}
    return {"paths": paths}


def openapi_v3_document(
    group_version_path: str, extra: Sequence[CustomResourceSchema] = ()
) -> dict[str, Any] | None:
    """``GET /openapi/v3/<path>`` (``api/v1``, ``apis/apps/v1``): OpenAPI 3.0, or None.

    ``extra`` CRDs in that group-version are added. The built-in part is built once per
    group-version; the result shares its nested objects, so treat it as read-only.
    """
    path = _normalize_path(group_version_path)
    crds = _crds_by_path(extra).get(path, [])
    return _v3_with_crds(path, crds)

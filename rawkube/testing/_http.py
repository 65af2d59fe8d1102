"""The fake cluster's HTTP API: a request in, the API server's answer out, no sockets.

:class:`Router` reads a request as the API server does (path, verb, query options, content
types), calls the store, and lays out the answer: objects, lists, Tables, partial metadata,
discovery, OpenAPI, Status errors, or a watch session for the transports to stream. The
requests served are recorded as :class:`Action` entries, as client-go's fake records them;
the last :data:`ACTIONS_KEPT` are kept.

A body is read as the server reads it: at most 3 MiB (413 beyond), decoded with Go's rules
(``_decode``), and refused where Go's decoder refuses it for the kind's type (400) before
anything else looks at it.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from rawkube.testing import _meta
from rawkube.testing._catalog import VERSION, ResourceType
from rawkube.testing._decode import BodyError, decode_json, decode_yaml
from rawkube.testing._errors import (
    MAX_BODY_BYTES,
    FakeApiError,
    Undecodable,
    bad_request,
    field_invalid,
    field_not_supported,
    go_quote,
    invalid_object,
    too_large,
)
from rawkube.testing._reviews import review
from rawkube.testing._store import PROPAGATION_POLICIES, Obj, Store, clone, timestamp
from rawkube.testing._watchstream import WatchSession

if TYPE_CHECKING:
    from rawkube.testing._cluster import FakeCluster
    from rawkube.testing._session import Session

__all__ = ["ACTIONS_KEPT", "Action", "ActionLog", "FakeRequest", "FakeResponse", "Router"]

ACTIONS_KEPT = 10_000
"""How many of the latest requests :meth:`FakeCluster.actions` keeps, oldest dropped first."""

ACTION_BODY_BYTES = 64 * 1024 * 1024
"""The request bytes the kept actions may hold together: big bodies shorten the log."""

JSON = "application/json"
_PATCH_TYPES = {
    "application/merge-patch+json": "merge",
    "application/json-patch+json": "json",
    "application/strategic-merge-patch+json": "strategic",
    "application/apply-patch+yaml": "apply",
    "application/apply-patch+cbor": "unsupported",
}
_NOT_FOUND = FakeApiError(404, "NotFound", "the server could not find the requested resource", {})
_NOT_ALLOWED = FakeApiError(
    405, "MethodNotAllowed", "the server does not allow this method on the requested resource", {}
)
_CONNECT = ("exec", "attach", "portforward")  # a pod's streaming subresources (connect verbs)
# The methods a proxy subresource takes, by the verb RBAC names each with.
_PROXY_VERBS = {
    "GET": "get",
    "HEAD": "get",
    "OPTIONS": "get",
    "POST": "create",
    "PUT": "update",
    "PATCH": "patch",
    "DELETE": "delete",
}


@dataclass(frozen=True)
class FakeRequest:
    """An HTTP request as the fake sees it; header names lower case."""

    method: str
    path: str
    query: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""
    oversized: bool = False
    """The body was over :data:`MAX_BODY_BYTES` and not read: a verb that reads it is 413."""

    def params(self) -> dict[str, str]:
        """The query options (the last value of a repeated one wins, as in Go's Get)."""
        return dict(parse_qsl(self.query, keep_blank_values=True))


@dataclass
class FakeResponse:
    """The answer: status, headers, and a body, a watch session to stream, or (on a 101) the
    session the upgraded connection carries."""

    status: int
    headers: dict[str, str]
    body: bytes = b""
    watch: WatchSession | None = None
    session: Session | None = None
    warnings: list[str] = field(default_factory=list)
    """The API server's warnings: each is its own ``Warning: 299 - "..."`` header."""

    def header_lines(self) -> list[tuple[str, str]]:
        """The headers, each warning on its own line as the API server writes them."""
        lines = list(self.headers.items())
        lines += [("Warning", f"299 - {json.dumps(text)}") for text in self.warnings]
        return lines


@dataclass(frozen=True)
class Action:
    """One request the fake served: ``verb`` as RBAC names it, and what it was about."""

    verb: str
    resource: str
    namespace: str | None = None
    name: str | None = None
    subresource: str | None = None
    body: Any = None
    params: Mapping[str, str] = field(default_factory=dict)


def _json(status: int, body: Any, content_type: str = JSON) -> FakeResponse:
    from pydantic_core import to_json  # three times quicker than json.dumps on a big list

    payload = to_json(body)
    return FakeResponse(status, {"Content-Type": content_type}, payload)


def _error(exc: FakeApiError) -> FakeResponse:
    return _json(exc.code, exc.status())


@dataclass
class _Target:
    resource: ResourceType
    namespace: str | None
    name: str | None
    subresource: str | None


class ActionLog:
    """The latest actions, oldest first: at most ``limit`` of them and ``byte_limit`` bytes.

    Each action costs the size of its request's body, so a run of big writes cannot make
    the log hold gigabytes.
    """

    def __init__(self, limit: int = ACTIONS_KEPT, byte_limit: int = ACTION_BODY_BYTES) -> None:
        if limit < 0:
            raise ValueError(f"an action log keeps zero actions or more, not {limit!r}")
        self._entries: deque[tuple[Action, int]] = deque()
        self._limit = limit
        self._byte_limit = byte_limit
        self._bytes = 0

    def append(self, action: Action, size: int) -> None:
        """Keep ``action`` (whose request body was ``size`` bytes), dropping the oldest."""
        self._entries.append((action, size))
        self._bytes += size
        while self._entries and (
            len(self._entries) > self._limit or self._bytes > self._byte_limit
        ):
            self._bytes -= self._entries.popleft()[1]

    def clear(self) -> None:
        """Forget every action."""
        self._entries.clear()
        self._bytes = 0

    def __iter__(self) -> Iterator[Action]:
        return (action for action, _ in self._entries)

    def __len__(self) -> int:
        return len(self._entries)


class Router:
    """Answers requests against a cluster's store (see the module docstring)."""

    def __init__(self, cluster: FakeCluster, actions_kept: int = ACTIONS_KEPT) -> None:
        self._cluster = cluster
        self._store: Store = cluster.store
        self.actions = ActionLog(actions_kept)

    def handle(self, request: FakeRequest) -> FakeResponse:
        """The fake's answer to one request; never raises for a bad request."""
        try:
            return self._handle(request)
        except FakeApiError as exc:
            return _error(exc)
        except RecursionError:
            # Bodies are read at most MAX_DEPTH deep; this is a last guard, not a path.
            return _error(bad_request("the request is nested too deeply for the fake API server"))

    def _handle(self, request: FakeRequest) -> FakeResponse:
        path = request.path.rstrip("/") or "/"
        parts = [p for p in path.split("/") if p]
        accept = request.headers.get("accept", "")
        if path == "/version":
            return _json(200, VERSION)
        if path in ("/healthz", "/livez", "/readyz"):
            return FakeResponse(200, {"Content-Type": "text/plain; charset=utf-8"}, b"ok")
        if parts[:1] == ["openapi"]:
            return self._openapi(request, parts[1:])
        catalog = self._store.catalog
        if parts == ["api"] or parts == ["apis"]:
            if "as=APIGroupDiscoveryList" in accept:
                with self._store.lock:
                    body = catalog.aggregated(legacy=parts == ["api"])
                return _json(
                    200,
                    body,
                    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList",
                )
            with self._store.lock:
                document = catalog.api_versions() if parts == ["api"] else catalog.api_group_list()
            return _json(200, document)
        if parts[:1] == ["api"] and len(parts) >= 2:
            group, version, rest = "", parts[1], parts[2:]
        elif parts[:1] == ["apis"] and len(parts) >= 3:
            group, version, rest = parts[1], parts[2], parts[3:]
        elif parts[:1] == ["apis"] and len(parts) == 2:
            return self._group(parts[1])
        else:
            raise _NOT_FOUND
        if not rest:
            with self._store.lock:
                found = catalog.resource_list(group, version)
            if found is None:
                raise _NOT_FOUND
            return _json(200, found)
        if rest[0] == "watch" and len(rest) > 1:
            return self._watch_path(request, self._target(group, version, rest[1:]))
        target = self._target(group, version, rest)
        return self._serve(request, target)

    def _group(self, group: str) -> FakeResponse:
        with self._store.lock:
            for entry in self._store.catalog.api_group_list()["groups"]:
                if entry["name"] == group:
                    return _json(200, {"kind": "APIGroup", "apiVersion": "v1", **entry})
        raise _NOT_FOUND

    def _openapi(self, request: FakeRequest, parts: list[str]) -> FakeResponse:
        from rawkube.testing import _openapi

        crds = self._cluster.custom_schemas()
        if parts == ["v2"]:
            if "protobuf" in request.headers.get("accept", ""):
                # kubectl reads v2 only as protobuf; a document with no definitions makes it
                # leave validation to the server (fieldValidation=Strict) instead of failing.
                # Its own media type is no valid Content-Type for client-go, hence octet-stream.
                return FakeResponse(
                    200,
                    {"Content-Type": "application/octet-stream"},
                    _openapi.openapi_v2_protobuf(),
                )
            return _json(200, _openapi.openapi_v2(crds))
        if parts == ["v3"]:
            versions = {f"{c.group}/{c.version}" for c in crds}
            return _json(200, _openapi.openapi_v3_index(versions, extra=crds))
        if parts[:1] == ["v3"]:
            document = _openapi.openapi_v3_document("/".join(parts[1:]), crds)
            if document is not None:
                return _json(200, document)
        raise _NOT_FOUND

    def _target(self, group: str, version: str, rest: list[str]) -> _Target:
        catalog = self._store.catalog
        with self._store.lock:
            if rest[0] == "namespaces" and len(rest) >= 3:
                resource = catalog.lookup(group, version, rest[2])
                if resource is not None and resource.namespaced:
                    name = rest[3] if len(rest) > 3 else None
                    sub = rest[4] if len(rest) > 4 else None
                    if len(rest) > 5 and sub != "proxy":  # a proxy path goes on: proxy/{path}
                        raise _NOT_FOUND
                    return self._checked(_Target(resource, rest[1], name, sub))
            resource = catalog.lookup(group, version, rest[0])
            if resource is None or (len(rest) > 3 and rest[2] != "proxy"):
                raise _NOT_FOUND
            name = rest[1] if len(rest) > 1 else None
            sub = rest[2] if len(rest) > 2 else None
            # A namespaced resource listed across namespaces: /api/v1/pods.
            return self._checked(_Target(resource, None, name, sub))

    def _checked(self, target: _Target) -> _Target:
        resource = target.resource
        pod_only = (resource.group, resource.plural) == ("", "pods") and target.subresource in (
            "log",
            "eviction",
            "binding",
        )
        if target.subresource and target.subresource not in resource.subresources and not pod_only:
            raise _NOT_FOUND
        if target.resource.namespaced and target.namespace is None and target.name:
            raise _NOT_FOUND
        return target

    # --- verbs --------------------------------------------------------------------------------

    def _serve(self, request: FakeRequest, target: _Target) -> FakeResponse:
        params = request.params()
        method = request.method.upper()
        resource = target.resource
        pod = (resource.group, resource.plural) == ("", "pods")
        if pod and target.subresource in _CONNECT and target.name and target.namespace:
            return self._connect(request, target, params, method)
        if target.subresource == "proxy" and target.name:
            return self._proxy(request, target, params, method)
        watching = params.get("watch") in ("1", "true")
        if method == "GET":
            verb = "get" if target.name else ("watch" if watching else "list")
        elif method == "POST":
            verb = "create"
        elif method == "PUT":
            verb = "update"
        elif method == "PATCH":
            verb = "patch"
        elif method == "DELETE":
            verb = "delete" if target.name else "deletecollection"
        else:
            raise _NOT_ALLOWED
        served = _served(verb, target)
        # As on the server, a method the path does not serve is refused before the body is read.
        reads = served and verb in ("create", "update")
        body = _parse_body(request, resource, target.subresource) if reads else None
        self._record(verb, target, body, params, request)
        if not served:
            raise _NOT_ALLOWED
        handler: Callable[[FakeRequest, _Target, dict[str, str], Any], FakeResponse] = getattr(
            self, f"_{verb}"
        )
        return handler(request, target, params, body)

    def _connect(
        self, request: FakeRequest, target: _Target, params: dict[str, str], method: str
    ) -> FakeResponse:
        """exec, attach and port-forward: served by ``_session`` (the connect verbs GET, POST)."""
        from rawkube.testing._session import connect

        verb = {"GET": "get", "POST": "create"}.get(method)
        self._record(verb or method.lower(), target, None, params, request)
        if verb is None:
            raise _NOT_ALLOWED
        assert target.name is not None
        assert target.namespace is not None
        assert target.subresource is not None
        return connect(
            self._cluster.pod_runtime,
            self._store,
            target.resource,
            request,
            target.namespace,
            target.name,
            target.subresource,
        )

    def _proxy(
        self, request: FakeRequest, target: _Target, params: dict[str, str], method: str
    ) -> FakeResponse:
        """pods, services and nodes ``proxy`` (any path under it): refused as ``_proxy`` says."""
        from rawkube.testing._proxy import proxy_refusal

        verb = _PROXY_VERBS.get(method)
        self._record(verb or method.lower(), target, None, params, request)
        if verb is None:
            raise _NOT_ALLOWED
        assert target.name is not None
        raise proxy_refusal(self._store, target.resource, target.namespace or "", target.name)

    def _watch_path(self, request: FakeRequest, target: _Target) -> FakeResponse:
        """The deprecated ``/watch/`` paths (still served, and in the OpenAPI documents): a
        watch of the collection, of one object by a field selector on its name."""
        params = request.params()
        collection = _Target(target.resource, target.namespace, None, None)
        if target.subresource is not None:
            raise _NOT_FOUND
        self._record("watch", collection, None, params, request)
        if request.method.upper() != "GET" or "watch" not in target.resource.verbs:
            raise _NOT_ALLOWED
        if target.name is not None:
            by_name = f"metadata.name={target.name}"
            given = params.get("fieldSelector")
            params["fieldSelector"] = f"{by_name},{given}" if given else by_name
        return self._watch(request, collection, params, None)

    def _record(
        self,
        verb: str,
        target: _Target,
        body: Any,
        params: Mapping[str, str],
        request: FakeRequest,
    ) -> None:
        if verb == "patch" or (body is None and verb in ("create", "update")):
            try:
                body = decode_json(request.body or b"null")
            except BodyError:
                body = request.body.decode("utf-8", "replace")
        action = Action(
            verb,
            target.resource.plural,
            target.namespace,
            target.name,
            target.subresource,
            clone(body),
            dict(params),
        )
        with self._store.lock:
            self.actions.append(action, len(request.body))

    def _get(
        self, request: FakeRequest, target: _Target, params: dict[str, str], _: Any
    ) -> FakeResponse:
        assert target.name is not None
        namespace = target.namespace or ""
        if target.subresource == "log":
            from rawkube.testing._logs import log_options, read_log

            options = log_options(target.name, params)  # validated before the pod is read
            pod = self._store.get(target.resource, namespace, target.name)
            text = read_log(pod, options, self._cluster.pod_logs, self._store.clock.now())
            if text is None:
                return FakeResponse(204, {})  # no node: no log, as recorded
            return FakeResponse(200, {"Content-Type": "text/plain"}, text)
        obj = self._store.get(target.resource, namespace, target.name)
        if target.subresource == "scale":
            return _json(200, _scale_of(obj))
        return self._object(request, target.resource, obj)

    def _object(
        self, request: FakeRequest, resource: ResourceType, obj: Obj, status: int = 200
    ) -> FakeResponse:
        accept = request.headers.get("accept", "")
        if "as=Table" in accept:
            # One object's Table carries its resourceVersion, as a list's carries the list's.
            version = obj["metadata"].get("resourceVersion")
            return self._table(request, resource, [obj], {"resourceVersion": version})
        if "as=PartialObjectMetadata" in accept:
            return _json(status, _partial(obj))
        return _json(status, obj)

    def _list(
        self, request: FakeRequest, target: _Target, params: dict[str, str], _: Any
    ) -> FakeResponse:
        resource = target.resource
        selects = self._selector(resource, params)
        try:
            limit = int(params.get("limit") or 0)
        except ValueError:
            raise bad_request(f"invalid limit: {params['limit']}") from None
        page = self._store.page(
            resource,
            target.namespace,
            selects,
            limit=limit,
            continue_token=params.get("continue") or None,
            resource_version=params.get("resourceVersion"),
            version_match=params.get("resourceVersionMatch"),
            counts_remaining=not params.get("labelSelector") and not params.get("fieldSelector"),
        )
        metadata: dict[str, Any] = {"resourceVersion": str(page.version)}
        if page.continue_token:
            metadata["continue"] = page.continue_token
        if page.remaining is not None:
            metadata["remainingItemCount"] = page.remaining
        accept = request.headers.get("accept", "")
        if "as=Table" in accept:
            return self._table(request, resource, page.items, metadata)
        if "as=PartialObjectMetadataList" in accept:
            items = [_partial(item) for item in page.items]
            return _json(
                200,
                {
                    "kind": "PartialObjectMetadataList",
                    "apiVersion": "meta.k8s.io/v1",
                    "metadata": metadata,
                    "items": items,
                },
            )
        for item in page.items:
            item.pop("apiVersion", None)
            item.pop("kind", None)
        body = {
            "kind": f"{resource.kind}List",
            "apiVersion": resource.api_version,
            "metadata": metadata,
            "items": page.items,
        }
        return _json(200, body)

    def _table(
        self,
        request: FakeRequest,
        resource: ResourceType,
        items: list[Obj],
        metadata: dict[str, Any],
    ) -> FakeResponse:
        return _json(200, self._table_body(request, resource, items, metadata))

    def _table_body(
        self,
        request: FakeRequest,
        resource: ResourceType,
        items: list[Obj],
        metadata: dict[str, Any],
    ) -> Obj:
        from rawkube.testing._tables import table

        params = request.params()
        try:
            return table(
                items,
                kind=resource.kind,
                group=resource.group,
                include_object=params.get("includeObject") or "Metadata",
                now=self._store.clock.now(),
                list_metadata=metadata,
                printer_columns=resource.printer_columns,
            )
        except ValueError as exc:
            raise bad_request(str(exc)) from None

    def _selector(self, resource: ResourceType, params: Mapping[str, str]) -> Callable[[Obj], bool]:
        from rawkube.core._match import FieldSelector, LabelSelector, supported_fields

        try:
            labels = LabelSelector.parse(params.get("labelSelector") or "")
            fields = FieldSelector.parse(
                params.get("fieldSelector") or "",
                supported_fields(resource.group, resource.plural),
            )
        except ValueError as exc:
            raise bad_request(str(exc)) from None

        def selects(obj: Obj) -> bool:
            metadata = obj.get("metadata") or {}
            return labels.matches(metadata.get("labels")) and fields.matches(obj)

        return selects

    def _watch(
        self, request: FakeRequest, target: _Target, params: dict[str, str], _: Any
    ) -> FakeResponse:
        selects = self._selector(target.resource, params)
        version = params.get("resourceVersion") or ""
        initial = params.get("sendInitialEvents") in ("1", "true")
        if initial and params.get("resourceVersionMatch") != "NotOlderThan":
            raise FakeApiError(
                422,
                "Invalid",
                'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: '
                "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan",
            )
        if version in ("", "0") or initial:
            start = None
        else:
            try:
                start = int(version)
            except ValueError:
                raise bad_request(f"invalid resource version: {version}") from None
        try:
            timeout = float(params.get("timeoutSeconds") or self._cluster.watch_timeout)
        except ValueError:
            raise bad_request(f"invalid timeoutSeconds: {params['timeoutSeconds']}") from None
        accept = request.headers.get("accept", "")
        render: Callable[[Obj], Obj] | None = None
        if "as=Table" in accept:
            resource = target.resource

            def render(obj: Obj) -> Obj:
                metadata = {"resourceVersion": obj["metadata"].get("resourceVersion", "")}
                return self._table_body(request, resource, [obj], metadata)

        elif "as=PartialObjectMetadata" in accept:
            render = _partial
        session = WatchSession(
            self._store,
            target.resource,
            target.namespace,
            selects,
            start=start,
            send_initial_events=initial,
            bookmarks=params.get("allowWatchBookmarks") in ("1", "true"),
            timeout=timeout,
            bookmark_interval=self._cluster.bookmark_interval,
            render=render,
        )
        headers = {"Content-Type": JSON, "Transfer-Encoding": "chunked"}
        return FakeResponse(200, headers, watch=session)

    def _create(
        self, request: FakeRequest, target: _Target, params: dict[str, str], body: Any
    ) -> FakeResponse:
        resource = target.resource
        namespace = target.namespace or ""
        dry_run = params.get("dryRun") == "All"
        if target.subresource == "eviction":
            assert target.name is not None
            self._store.delete(resource, namespace, target.name, dry_run=dry_run)
            return _json(201, _success())
        if target.subresource == "binding":
            assert target.name is not None
            return self._bind(resource, namespace, target.name, body, dry_run)
        reviewed = review(self._store, resource, namespace, target.name, target.subresource, body)
        if reviewed is not None:  # access reviews, whoami, tokens: answered, never stored
            return _json(201, reviewed)
        if target.subresource is not None:
            raise _NOT_ALLOWED
        _check_namespace(body, namespace, resource)
        manager = self._manager(request, params)
        body, warnings = self._prune(params, resource, body)
        body = _admit(resource, body, None, target, self._store)
        with self._store.lock:
            body = self._record_fields(None, body, manager, resource, None)
            created = self._store.create(
                resource, namespace, body, dry_run=dry_run, prepare=self._preparer(resource)
            )
        return _warn(self._object(request, resource, created, 201), warnings)

    def _bind(
        self, resource: ResourceType, namespace: str, name: str, body: Any, dry_run: bool
    ) -> FakeResponse:
        node = ((body or {}).get("target") or {}).get("name")
        with self._store.lock:
            pod = self._store.get(resource, namespace, name)
            if (pod.get("spec") or {}).get("nodeName"):
                raise FakeApiError(
                    409,
                    "Conflict",
                    f'Operation cannot be fulfilled on pods/binding "{name}": pod {name} is '
                    f'already assigned to node "{pod["spec"]["nodeName"]}"',
                    {"name": name, "kind": "pods/binding"},
                )
            pod.setdefault("spec", {})["nodeName"] = node
            self._store.update(resource, namespace, name, pod, dry_run=dry_run)
        return _json(201, _success())

    def _update(
        self, request: FakeRequest, target: _Target, params: dict[str, str], body: Any
    ) -> FakeResponse:
        assert target.name is not None
        resource = target.resource
        namespace = target.namespace or ""
        dry_run = params.get("dryRun") == "All"
        with self._store.lock:
            if target.subresource == "scale":
                obj = self._store.get(resource, namespace, target.name)
                _apply_scale(obj, body)
                updated = self._store.update(resource, namespace, target.name, obj, dry_run=dry_run)
                return _json(200, _scale_of(updated))
            _check_namespace(body, namespace, resource)
            body, warnings = self._prune(params, resource, body)
            live = self._store.get(resource, namespace, target.name)
            body = _admit(resource, body, live, target, self._store)
            manager = self._manager(request, params)
            body = self._record_fields(live, body, manager, resource, target.subresource)
            updated = self._store.update(
                resource,
                namespace,
                target.name,
                body,
                subresource=target.subresource,
                dry_run=dry_run,
            )
        return _warn(self._object(request, resource, updated), warnings)

    def _patch(
        self, request: FakeRequest, target: _Target, params: dict[str, str], _: Any
    ) -> FakeResponse:
        from rawkube.testing import _patch

        assert target.name is not None
        resource = target.resource
        namespace = target.namespace or ""
        dry_run = params.get("dryRun") == "All"
        content_type = request.headers.get("content-type", "").split(";")[0].strip()
        kind = _PATCH_TYPES.get(content_type)
        if kind is None or kind == "unsupported":
            raise FakeApiError(415, "UnsupportedMediaType", "415: Unsupported Media Type", {})
        patch = _parse_patch(request, kind)
        manager = self._manager(request, params)
        with self._store.lock:
            if kind == "apply":
                if not params.get("fieldManager"):
                    raise FakeApiError(
                        422,
                        "Invalid",
                        'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value:'
                        " is required for apply patch",
                    )
                return self._apply(request, target, params, patch, dry_run)
            live = self._store.get(resource, namespace, target.name)
            if target.subresource == "scale":
                scale = _scale_of(live)
                scale_definition = "io.k8s.api.autoscaling.v1.Scale"
                patched_scale = self._patched(resource, scale, patch, kind, scale_definition)
                _check_patched("Scale", scale_definition, patched_scale)
                _apply_scale(live, patched_scale)
                updated = self._store.update(
                    resource, namespace, target.name, live, dry_run=dry_run
                )
                return _json(200, _scale_of(updated))
            patched = self._patched(resource, live, patch, kind, resource.definition)
            _check_patched(resource.kind, resource.definition, patched)
            patched, warnings = self._prune(params, resource, patched)
            patched = _admit(resource, patched, live, target, self._store)
            # The patched object keeps the stored resourceVersion unless the patch named one:
            # that one is a precondition (a stale one is 409), as on the real server.
            if not isinstance(patched.get("metadata"), dict):
                patched["metadata"] = {}
            patched["metadata"].setdefault("resourceVersion", live["metadata"]["resourceVersion"])
            patched = self._record_fields(live, patched, manager, resource, target.subresource)
            try:
                updated = self._store.update(
                    resource,
                    namespace,
                    target.name,
                    patched,
                    subresource=target.subresource,
                    dry_run=dry_run,
                )
            except _patch.PatchError as exc:
                raise _patch_failure(exc) from None
            except Undecodable as exc:
                raise _patch_invalid(patched, exc.go_error) from None
        return _warn(self._object(request, resource, updated), warnings)

    def _patched(
        self, resource: ResourceType, live: Obj, patch: Any, kind: str, definition: str | None
    ) -> Obj:
        from rawkube.testing import _patch

        try:
            if kind == "merge":
                if patch is None:
                    raise bad_request("Invalid JSON Patch")
                patched = _patch.merge_patch(live, patch)
            elif kind == "json":
                patched = _patch.json_patch(live, patch)
            else:
                if not isinstance(patch, dict):
                    raise bad_request("the patch is not a JSON object")
                patched = _patch.strategic_merge_patch(live, patch, definition)
        except _patch.PatchError as exc:
            raise _patch_failure(exc) from None
        if not isinstance(patched, dict):
            raise FakeApiError(422, "Invalid", "the patched object is not a JSON object")
        return patched

    def _apply(
        self,
        request: FakeRequest,
        target: _Target,
        params: dict[str, str],
        applied: Any,
        dry_run: bool,
    ) -> FakeResponse:
        from rawkube.testing import _patch

        assert target.name is not None
        resource = target.resource
        namespace = target.namespace or ""
        if not isinstance(applied, dict):
            raise bad_request("the applied configuration is not an object")
        problem = _type_problem(applied, resource.kind, resource.definition)
        if problem is not None:
            raise bad_request(
                f"failed to create typed patch object ({resource.api_version}, "
                f"Kind={resource.kind}) {target.name}: {problem}"
            )
        if applied.get("kind") not in (None, resource.kind) and target.subresource is None:
            raise bad_request(
                f"the kind in the applied configuration ({applied.get('kind')}) does not match "
                f"the resource ({resource.kind})"
            )
        key_name = (applied.get("metadata") or {}).get("name") or target.name
        if key_name != target.name:
            raise bad_request(
                f"the name of the object ({key_name}) does not match the name on the URL "
                f"({target.name})"
            )
        applied, warnings = self._prune(params, resource, applied)
        store = self._store
        objects = store.objects(resource)
        live_raw = objects.get((namespace if resource.namespaced else "", target.name))
        live = store.get(resource, namespace, target.name) if live_raw is not None else None
        try:
            merged = _patch.server_side_apply(
                live,
                applied,
                manager=params["fieldManager"],
                force=params.get("force") in ("1", "true"),
                definition=resource.definition,
                api_version=resource.api_version,
                now=timestamp(store.clock.now()),
                subresource=target.subresource,
            )
        except _patch.PatchError as exc:
            raise _patch_failure(exc) from None
        merged = _admit(resource, merged, live, target, store)
        if live is None:
            merged.setdefault("metadata", {})["name"] = target.name
            created = store.create(
                resource, namespace, merged, dry_run=dry_run, prepare=self._preparer(resource)
            )
            return _warn(self._object(request, resource, created, 201), warnings)
        updated = store.update(
            resource,
            namespace,
            target.name,
            merged,
            subresource=target.subresource,
            dry_run=dry_run,
        )
        return _warn(self._object(request, resource, updated), warnings)

    def _delete(
        self, request: FakeRequest, target: _Target, params: dict[str, str], _: Any
    ) -> FakeResponse:
        assert target.name is not None
        options = _delete_options(request, params)
        obj, gone = self._store.delete(
            target.resource,
            target.namespace or "",
            target.name,
            propagation=options.get("propagationPolicy"),
            orphan_dependents=options.get("orphanDependents"),
            preconditions=options.get("preconditions"),
            dry_run=_dry_run(options, params),
        )
        # As the server's registries do: an object deleted at once answers a Status naming
        # it (a pod answers itself); one the DELETE left in place, held by finalizers or
        # terminating, answers itself, marked (200 all the same, as recorded).
        if gone and (target.resource.group, target.resource.plural) != ("", "pods"):
            details = {
                "name": target.name,
                "kind": target.resource.plural,
                "uid": obj["metadata"]["uid"],
            }
            if target.resource.group:
                details["group"] = target.resource.group
            return _json(200, {**_success(), "details": details})
        return self._object(request, target.resource, obj)

    def _deletecollection(
        self, request: FakeRequest, target: _Target, params: dict[str, str], _: Any
    ) -> FakeResponse:
        options = _delete_options(request, params)
        selects = self._selector(target.resource, params)
        with self._store.lock:
            page = self._store.page(target.resource, target.namespace, selects)
            for item in page.items:
                namespace, name = item["metadata"].get("namespace", ""), item["metadata"]["name"]
                self._store.delete(
                    target.resource,
                    namespace,
                    name,
                    propagation=options.get("propagationPolicy"),
                    orphan_dependents=options.get("orphanDependents"),
                    dry_run=_dry_run(options, params),
                )
        for item in page.items:
            item.pop("apiVersion", None)
            item.pop("kind", None)
        body = {
            "kind": f"{target.resource.kind}List",
            "apiVersion": target.resource.api_version,
            "metadata": {"resourceVersion": str(self._store.version)},
            "items": page.items,
        }
        return _json(200, body)

    # --- helpers ------------------------------------------------------------------------------

    def _prune(
        self, params: Mapping[str, str], resource: ResourceType, obj: Any
    ) -> tuple[Any, list[str]]:
        """``obj`` without unknown fields, and the warnings to send (``fieldValidation``)."""
        from rawkube.testing._fields import prune_unknown

        if not isinstance(obj, dict):
            return obj, []
        mode = params.get("fieldValidation") or "Warn"
        if mode not in ("Strict", "Warn", "Ignore"):
            raise bad_request(
                f"fieldValidation must be one of Ignore, Warn or Strict, not {mode!r}"
            )
        pruned, unknown = prune_unknown(obj, resource.definition, resource.schema)
        if not unknown or mode == "Ignore":
            return pruned, []
        if mode == "Strict":
            listed = ", ".join(f'unknown field "{path}"' for path in unknown)
            raise bad_request(
                f'{resource.kind} in version "{resource.version}" cannot be handled as a '
                f"{resource.kind}: strict decoding error: {listed}"
            )
        return pruned, [f'unknown field "{path}"' for path in unknown]

    def _preparer(self, resource: ResourceType) -> Callable[[Obj], None]:
        """What the kind's registry adds to a new object once it has a uid (``_defaults``)."""
        from rawkube.testing._defaults import prepare_create

        store = self._store
        return lambda obj: prepare_create(store, resource, obj)

    def _manager(self, request: FakeRequest, params: Mapping[str, str]) -> str:
        manager = params.get("fieldManager")
        if manager:
            return manager
        agent = request.headers.get("user-agent", "unknown")
        return agent.split("/")[0] or "unknown"

    def _record_fields(
        self,
        live: Obj | None,
        obj: Any,
        manager: str,
        resource: ResourceType,
        subresource: str | None,
    ) -> Any:
        from rawkube.testing import _patch

        if not isinstance(obj, dict):
            return obj
        try:
            return _patch.record_update(
                live,
                obj,
                manager=manager,
                api_version=resource.api_version,
                now=timestamp(self._store.clock.now()),
                subresource=subresource,
            )
        except _patch.PatchError as exc:
            raise _patch_failure(exc) from None


_REASONS = {
    400: "BadRequest",
    409: "Conflict",
    413: "RequestEntityTooLarge",
    415: "UnsupportedMediaType",
    500: "InternalError",
}


def _admit(
    resource: ResourceType, obj: Any, live: Obj | None, target: _Target, store: Store
) -> Any:
    """A write's nulls, defaults and validation (``_validate``); a subresource's own rules."""
    from rawkube.testing import _validate

    if not isinstance(obj, dict):
        return obj
    if target.subresource == "status":
        return _validate.admit_status(resource, obj)
    if target.subresource is not None:
        return obj  # scale, finalize, resize...: checked where they are handled
    return _validate.admit(
        resource, obj, live, name=target.name or "", creating=live is None, store=store
    )


def _patch_failure(exc: Exception) -> FakeApiError:
    """A patch module refusal as the Status the server sends (its causes kept)."""
    code: int = getattr(exc, "code", 422)
    causes = getattr(exc, "causes", None)
    details = {"causes": causes} if causes else None
    return FakeApiError(code, _REASONS.get(code, "Invalid"), str(exc), details)


def _warn(response: FakeResponse, warnings: list[str]) -> FakeResponse:
    """Add the API server's ``Warning: 299`` header for each warning."""
    response.warnings.extend(warnings)
    return response


def _success() -> dict[str, Any]:
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success"}


def _partial(obj: Obj) -> Obj:
    return {
        "kind": "PartialObjectMetadata",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": obj.get("metadata") or {},
    }


def _scale_of(obj: Obj) -> Obj:
    metadata = obj["metadata"]
    spec = obj.get("spec") or {}
    status = obj.get("status") or {}
    selector = (spec.get("selector") or {}).get("matchLabels") or {}
    scale_status: dict[str, Any] = {"replicas": status.get("replicas", 0)}
    if selector:
        scale_status["selector"] = ",".join(f"{k}={v}" for k, v in sorted(selector.items()))
    return {
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": {
            key: metadata[key]
            for key in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")
            if key in metadata
        },
        "spec": {"replicas": spec.get("replicas", 1)},
        "status": scale_status,
    }


def _apply_scale(obj: Obj, scale: Any) -> None:
    spec = scale.get("spec") if isinstance(scale, dict) else None
    replicas = spec.get("replicas") if isinstance(spec, dict) else None
    if not isinstance(replicas, int) or replicas < 0:
        cause = field_invalid("spec.replicas", replicas, "must be greater than or equal to 0")
        raise invalid_object("Scale", "autoscaling", obj["metadata"]["name"], [cause])
    metadata = scale.get("metadata") if isinstance(scale, dict) else None
    wanted = metadata.get("resourceVersion") if isinstance(metadata, dict) else None
    if wanted:
        obj["metadata"]["resourceVersion"] = wanted
    obj.setdefault("spec", {})["replicas"] = replicas


def _served(verb: str, target: _Target) -> bool:
    """Whether the API server has a route for ``verb`` at ``target``'s path (else 405).

    Across namespaces a namespaced resource is only listed and watched; a collection is
    listed, watched, created in and deleted; one object is read, updated, patched, deleted;
    a subresource serves the verbs discovery lists for it. The resource's verbs bound them all.
    """
    resource = target.resource
    if target.subresource is not None:
        sub = resource.subresources.get(target.subresource)
        return sub is None or verb in sub.verbs  # no entry: a pod's log, eviction or binding
    if verb not in resource.verbs:
        return False
    if resource.namespaced and target.namespace is None:
        return verb in ("list", "watch")
    if target.name is None:
        return verb in ("list", "watch", "create", "deletecollection")
    return verb != "create"


def _body(request: FakeRequest) -> bytes:
    """The request's body, or 413 when it is over the server's limit."""
    if request.oversized or len(request.body) > MAX_BODY_BYTES:
        raise too_large()
    return request.body


def _decoder(
    request: FakeRequest, resource: ResourceType | None = None, subresource: str | None = None
) -> Callable[[bytes], Any]:
    """The decoder for the body's media type: JSON (also when none is named), YAML, or (for a
    built-in ``resource``) protobuf; else 415."""
    from rawkube.testing._protobuf import PROTOBUF, body_reader

    content_type = request.headers.get("content-type", JSON).split(";")[0].strip().lower()
    if content_type == "application/yaml":
        return decode_yaml
    protobuf = resource is not None and resource.crd is None  # custom resources take no protobuf
    if protobuf and content_type == PROTOBUF:
        assert resource is not None
        return body_reader(resource, subresource)
    if content_type not in (JSON, "", "*/*"):
        # CBOR bodies are not decoded (the server serves CBOR only behind a feature gate).
        accepted = f"{JSON}, application/yaml" + (f", {PROTOBUF}" if protobuf else "")
        raise FakeApiError(
            415,
            "UnsupportedMediaType",
            f"the body of the request was in an unknown format - accepted media types include: "
            f"{accepted}",
            {},
        )
    return decode_json


# The kinds a write to a subresource sends, where it is not the resource's own.
_SUBRESOURCE_KINDS: dict[str, tuple[str, str, str | None]] = {
    "scale": ("Scale", "v1", "io.k8s.api.autoscaling.v1.Scale"),
    "binding": ("Binding", "v1", "io.k8s.api.core.v1.Binding"),
    "eviction": ("Eviction", "v1", "io.k8s.api.policy.v1.Eviction"),
}


def _parse_body(request: FakeRequest, resource: ResourceType, subresource: str | None) -> Any:
    """The object a create or update sends, refused as the server's decoder refuses it."""
    decode = _decoder(request, resource, subresource)
    data = _body(request)
    try:
        text = decode in (decode_json, decode_yaml)  # a protobuf body has no blank to strip
        body = decode(data) if data.strip() or not text else _no_input()
    except BodyError as exc:
        problem = str(exc)
        if decode is decode_yaml:
            problem = f"error converting YAML to JSON: {problem}"
        raise _unrecognized(
            resource, f"couldn't get version/kind; json parse error: {problem}", data
        ) from None
    if body is None:
        return {}  # null decodes into the empty object
    kind_problem = _version_kind_error(body)
    if kind_problem is not None:
        raise _unrecognized(resource, kind_problem, data)
    own: tuple[str, str, str | None] = (resource.kind, resource.version, resource.definition)
    kind, version, definition = _SUBRESOURCE_KINDS.get(subresource or "", own)
    wrong = _type_problem(body, kind, definition)
    if wrong is not None:
        raise Undecodable(
            f'{kind} in version "{version}" cannot be handled as a {kind}: {wrong}', wrong
        )
    return body


def _type_problem(obj: dict[str, Any], kind: str, definition: str | None) -> str | None:
    """Go's decode error for ``obj`` as a ``kind`` (its metadata, then its typed fields)."""
    from rawkube.testing._fields import type_error

    problem = _meta.type_error(obj, kind)
    if problem is None and definition is not None:
        problem = type_error(obj, definition)
    return problem


def _check_patched(kind: str, definition: str | None, patched: Obj) -> None:
    """422, as the server answers a patch whose result does not decode into the kind."""
    problem = _type_problem(patched, kind, definition)
    if problem is not None:
        raise _patch_invalid(patched, problem)


def _no_input() -> Any:
    raise BodyError("unexpected end of JSON input")


_FIND_KIND = (
    'struct { APIVersion string "json:\\"apiVersion,omitempty\\""; '
    'Kind string "json:\\"kind,omitempty\\"" }'
)


def _version_kind_error(body: Any) -> str | None:
    """What the server's first look at a body (apiVersion and kind) says, when it fails."""
    prefix = "couldn't get version/kind; json parse error: json: cannot unmarshal"
    if not isinstance(body, dict):
        return f"{prefix} {_meta.json_kind(body)} into Go value of type {_FIND_KIND}"
    for key in ("apiVersion", "kind"):
        value = body.get(key)
        if value is not None and not isinstance(value, str):
            return f"{prefix} {_meta.json_kind(value)} into Go struct field .{key} of type string"
    return None


def _unrecognized(resource: ResourceType, problem: str, data: bytes) -> FakeApiError:
    """400 for a body whose kind cannot be told, with the server's summary of the body."""
    return bad_request(
        f"the object provided is unrecognized (must be of type {resource.kind}): {problem} "
        f"({_summary(data)})"
    )


def _summary(data: bytes, limit: int = 30) -> str:
    """apiserver's summarizeData: an object's first bytes as text, anything else in hex."""
    if not data:
        return "<empty>"
    shown = data[:limit]
    text = shown.decode("utf-8", "replace") if data[:1] == b"{" else shown.hex()
    return f"{text} ..." if len(data) > limit else text


def _parse_patch(request: FakeRequest, kind: str) -> Any:
    data = _body(request)
    try:
        return decode_yaml(data) if kind == "apply" else decode_json(data)
    except BodyError as exc:
        if kind == "apply":
            raise bad_request(f"error decoding YAML: {exc}") from None
        raise bad_request(f"error decoding patch: {exc}") from None


def _check_namespace(body: Any, namespace: str, resource: ResourceType) -> None:
    if not isinstance(body, dict):
        return
    given = (body.get("metadata") or {}).get("namespace")
    if resource.namespaced and given and given != namespace:
        raise bad_request(
            "the namespace of the provided object does not match the namespace sent on the request"
        )
    api_version, kind = body.get("apiVersion"), body.get("kind")
    if resource.crd is None:
        from rawkube.testing._validate import version_kind_problem

        problem = version_kind_problem(resource, body)
        if problem is not None:
            raise bad_request(problem)
        return
    if api_version and api_version != resource.api_version:
        raise bad_request(
            f"the API version in the data ({api_version}) does not match the expected API "
            f"version ({resource.api_version})"
        )
    if kind and kind != resource.kind:
        raise bad_request(
            f"the kind in the data ({kind}) does not match the expected kind ({resource.kind})"
        )


# DeleteOptions' fields and their Go types, as encoding/json names them.
_DELETE_OPTIONS = {
    "kind": "string",
    "apiVersion": "string",
    "gracePeriodSeconds": "int64",
    "orphanDependents": "bool",
    "propagationPolicy": "v1.DeletionPropagation",
    "ignoreStoreReadErrorWithClusterBreakingPotential": "bool",
}


def _delete_options(request: FakeRequest, params: Mapping[str, str]) -> dict[str, Any]:
    """The DeleteOptions of a delete: its body's, then the query's; refused as the server does.

    A body that does not decode into DeleteOptions is 400; options the server's validation
    refuses (an unknown propagation policy, a dry-run value other than ``All``) are 422.
    """
    options: dict[str, Any] = {}
    if request.oversized or request.body.strip():
        data = _body(request)  # read first, then its media type: the server's order here
        decode = _decoder(request)
        try:
            decoded = decode(data)
        except BodyError as exc:
            raise bad_request(f"couldn't get version/kind; json parse error: {exc}") from None
        problem = _version_kind_error(decoded) or _delete_options_type_error(decoded)
        if problem is not None:
            raise bad_request(problem)
        options = {k: v for k, v in decoded.items() if v is not None}
        if options.get("kind") not in (None, "", "DeleteOptions"):
            raise bad_request("decoded object cannot be converted to DeleteOptions")
    if "propagationPolicy" in params:
        options["propagationPolicy"] = params["propagationPolicy"]
    if params.get("orphanDependents") in ("true", "false"):
        options["orphanDependents"] = params["orphanDependents"] == "true"
    # The deprecated orphanDependents, either way, excludes a propagation policy.
    if "orphanDependents" in options and "propagationPolicy" in options:
        raise _invalid_delete_options(
            field_invalid(
                "propagationPolicy",
                options["propagationPolicy"],
                "orphanDependents and deletionPropagation cannot be both set",
            )
        )
    policy = options.get("propagationPolicy")
    if policy is not None and policy not in PROPAGATION_POLICIES:
        supported = [*PROPAGATION_POLICIES, "nil"]
        raise _invalid_delete_options(
            field_not_supported("propagationPolicy", go_quote(policy), supported)
        )
    dry_run = list(options.get("dryRun") or ())
    if "dryRun" in params:
        dry_run.append(params["dryRun"])
    if any(value != "All" for value in dry_run):
        shown = json.dumps(dry_run, separators=(",", ":"))
        raise _invalid_delete_options(field_not_supported("dryRun", shown, ["All"]))
    return options


def _delete_options_type_error(options: dict[str, Any]) -> str | None:
    def wrong(value: Any, path: str, go_type: str) -> str:
        return (
            f"json: cannot unmarshal {_meta.json_kind(value)} into Go struct field "
            f"{path} of type {go_type}"
        )

    for key, value in options.items():
        go_type = _DELETE_OPTIONS.get(key)
        if value is None:
            continue
        if go_type == "bool" and not isinstance(value, bool):
            return wrong(value, f"DeleteOptions.{key}", go_type)
        if go_type == "int64" and (isinstance(value, bool) or not isinstance(value, int)):
            return wrong(value, f"DeleteOptions.{key}", go_type)
        if go_type in ("string", "v1.DeletionPropagation") and not isinstance(value, str):
            return wrong(value, f"DeleteOptions.{key}", go_type)
        if key == "dryRun":
            if not isinstance(value, list):
                return wrong(value, "DeleteOptions.dryRun", "[]string")
            for item in value:
                if item is not None and not isinstance(item, str):
                    return wrong(item, "DeleteOptions.dryRun", "string")
        if key == "preconditions":
            if not isinstance(value, dict):
                return wrong(value, "DeleteOptions.preconditions", "v1.Preconditions")
            for field_name, go_field_type in (("uid", "types.UID"), ("resourceVersion", "string")):
                found = value.get(field_name)
                if found is not None and not isinstance(found, str):
                    return wrong(found, f"Preconditions.preconditions.{field_name}", go_field_type)
    return None


def _invalid_delete_options(cause: dict[str, str]) -> FakeApiError:
    return invalid_object("DeleteOptions", "meta.k8s.io", "", [cause])


def _dry_run(options: Mapping[str, Any], params: Mapping[str, str]) -> bool:
    return params.get("dryRun") == "All" or "All" in (options.get("dryRun") or ())


def _patch_invalid(patched: Any, problem: str) -> FakeApiError:
    """422 for a patch whose result does not decode, quoting the result as the server does."""
    from pydantic_core import to_json

    shown = go_quote(to_json(patched).decode())
    cause = {
        "reason": "FieldValueInvalid",
        "message": f"Invalid value: {shown}: {problem}",
        "field": "patch",
    }
    return FakeApiError(
        422, "Invalid", f' "" is invalid: patch: {cause["message"]}', {"causes": [cause]}
    )

"""Backends the behaviour tests run on: a stateful respx stand-in beside rawkube's fake cluster.

A behaviour test takes the ``backend`` fixture (``tests/conftest.py``) and asserts only what a
user of a real server would see: no recorded uids or resourceVersions. ``RespxCluster`` keeps
just enough of the API server's semantics for ConfigMaps to make such tests meaningful:
resourceVersions from one counter, 404/409 with Status bodies shaped like the recorded ones, a
stale resourceVersion refused, equality label selectors, ``limit``/``continue`` paging, merge
patches, server-side apply as create-or-merge, delete answering a Status, watches replaying
the changes after a resourceVersion (then ending), and the recorded aggregated discovery.
"""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

import httpx
import respx

NAMESPACE = "team"


def status(code: int, reason: str, message: str, details: dict[str, Any]) -> httpx.Response:
    body = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure" if code >= 400 else "Success",
        "message": message,
        "reason": reason,
        "details": details,
        "code": code,
    }
    return httpx.Response(code, json=body)


class RespxCluster:
    """ConfigMaps in one process, answered through respx routes."""

    def __init__(self, server: str) -> None:
        self.server = server
        self.objects: dict[tuple[str, str], dict[str, Any]] = {}
        self.version = 100
        self.changes: list[tuple[str, dict[str, Any]]] = []  # what a watch replays

    def route(self, router: respx.MockRouter) -> None:
        router.route(url__startswith=f"{self.server}/api/v1/namespaces/").mock(
            side_effect=self.handle
        )
        # Discovery is the recorded real server's (aggregated, as rawkube asks first).
        for path in ("api", "apis"):
            router.get(f"{self.server}/{path}").mock(return_value=_discovery(path))

    def _next_version(self) -> str:
        self.version += 1
        return str(self.version)

    def handle(self, request: httpx.Request) -> httpx.Response:
        parts = request.url.path.strip("/").split("/")  # api v1 namespaces ns configmaps [name]
        if parts[4:5] != ["configmaps"]:
            return status(404, "NotFound", "the server could not find the requested resource", {})
        namespace, name = parts[3], parts[5] if len(parts) > 5 else None
        params = dict(request.url.params.multi_items())
        handler = getattr(self, f"_{request.method.lower()}")
        return handler(namespace, name, params, request)  # type: ignore[no-any-return]

    def _missing(self, name: str) -> httpx.Response:
        return status(
            404, "NotFound", f'configmaps "{name}" not found', {"name": name, "kind": "configmaps"}
        )

    def _store(self, namespace: str, obj: dict[str, Any], dry_run: bool) -> dict[str, Any]:
        metadata = obj.setdefault("metadata", {})
        metadata["namespace"] = namespace
        metadata.setdefault("uid", str(uuid.uuid4()))
        metadata["resourceVersion"] = self._next_version()
        obj.update(apiVersion="v1", kind="ConfigMap")
        if not dry_run:
            key = (namespace, metadata["name"])
            self.changes.append(
                ("MODIFIED" if key in self.objects else "ADDED", json.loads(json.dumps(obj)))
            )
            self.objects[key] = obj
        return obj

    def _get(
        self, namespace: str, name: str | None, params: dict[str, str], _: Any
    ) -> httpx.Response:
        if name is not None:
            found = self.objects.get((namespace, name))
            return httpx.Response(200, json=found) if found else self._missing(name)
        if params.get("watch") in ("1", "true"):
            return self._watch(namespace, params)
        selector = dict(
            term.split("=", 1) for term in params.get("labelSelector", "").split(",") if term
        )
        items = [
            obj
            for (ns, _name), obj in sorted(self.objects.items())
            if ns == namespace
            and all(obj["metadata"].get("labels", {}).get(k) == v for k, v in selector.items())
        ]
        start = int(base64.b64decode(params["continue"])) if "continue" in params else 0
        limit = int(params.get("limit", 0)) or len(items)
        page, rest = items[start : start + limit], items[start + limit :]
        metadata: dict[str, Any] = {"resourceVersion": str(self.version)}
        if rest:
            metadata["continue"] = base64.b64encode(str(start + limit).encode()).decode()
        body = {"kind": "ConfigMapList", "apiVersion": "v1", "metadata": metadata, "items": page}
        return httpx.Response(200, json=body)

    def _post(
        self, namespace: str, _: Any, params: dict[str, str], request: httpx.Request
    ) -> httpx.Response:
        obj = json.loads(request.content)
        name = obj["metadata"]["name"]
        if (namespace, name) in self.objects:
            return status(
                409,
                "AlreadyExists",
                f'configmaps "{name}" already exists',
                {"name": name, "kind": "configmaps"},
            )
        return httpx.Response(201, json=self._store(namespace, obj, "dryRun" in params))

    def _put(
        self, namespace: str, name: str, params: dict[str, str], request: httpx.Request
    ) -> httpx.Response:
        current = self.objects.get((namespace, name))
        if current is None:
            return self._missing(name)
        obj = json.loads(request.content)
        sent = obj["metadata"].get("resourceVersion")
        if sent and sent != current["metadata"]["resourceVersion"]:
            message = (
                f'Operation cannot be fulfilled on configmaps "{name}": the object has been '
                "modified; please apply your changes to the latest version and try again"
            )
            return status(409, "Conflict", message, {"name": name, "kind": "configmaps"})
        obj["metadata"]["uid"] = current["metadata"]["uid"]
        return httpx.Response(200, json=self._store(namespace, obj, "dryRun" in params))

    def _patch(
        self, namespace: str, name: str, params: dict[str, str], request: httpx.Request
    ) -> httpx.Response:
        current = self.objects.get((namespace, name))
        patch = json.loads(request.content)
        if current is None:
            if request.headers["content-type"] != "application/apply-patch+yaml":
                return self._missing(name)
            return httpx.Response(201, json=self._store(namespace, patch, "dryRun" in params))
        merged = _merge(json.loads(json.dumps(current)), patch)
        return httpx.Response(200, json=self._store(namespace, merged, "dryRun" in params))

    def _watch(self, namespace: str, params: dict[str, str]) -> httpx.Response:
        """The changes after ``resourceVersion``, one JSON line each, then the end (no waiting)."""
        since = int(params.get("resourceVersion") or 0)
        lines = [
            json.dumps({"type": kind, "object": obj}).encode() + b"\n"
            for kind, obj in self.changes
            if int(obj["metadata"]["resourceVersion"]) > since
            and obj["metadata"]["namespace"] == namespace
        ]
        return httpx.Response(
            200, content=b"".join(lines), headers={"Content-Type": "application/json"}
        )

    def _delete(self, namespace: str, name: str, _: dict[str, str], __: Any) -> httpx.Response:
        gone = self.objects.pop((namespace, name), None)
        if gone is None:
            return self._missing(name)
        gone = json.loads(json.dumps(gone))
        gone["metadata"]["resourceVersion"] = self._next_version()
        self.changes.append(("DELETED", gone))
        return httpx.Response(
            200,
            json={
                "kind": "Status",
                "apiVersion": "v1",
                "metadata": {},
                "status": "Success",
                "details": {"name": name, "kind": "configmaps"},
            },
        )


def _discovery(path: str) -> httpx.Response:
    from tests.conftest import RECORDED

    body = (RECORDED / f"{path}_aggregated_v2.body").read_bytes()
    content_type = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
    return httpx.Response(200, content=body, headers={"Content-Type": content_type})


def _merge(target: Any, patch: Any) -> Any:
    """A JSON merge patch (RFC 7386), which is also what apply does for a ConfigMap's maps."""
    if not isinstance(patch, dict):
        return patch
    if not isinstance(target, dict):
        target = {}
    for key, value in patch.items():
        if value is None:
            target.pop(key, None)
        else:
            target[key] = _merge(target.get(key), value)
    return target

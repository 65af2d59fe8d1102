"""The fake cluster's object store: the API server's write and read rules over plain dicts.

Every write takes the next number of one global counter as its resourceVersion and is kept in
a bounded history (the watch window). That history is what watches replay, what pages of a
list are read at (a snapshot is today's objects with the newer changes undone), and what
decides when a resourceVersion is too old: once the change after it has left the window.

Objects are stored as the JSON dicts the API carries and copied on the way in and out, so a
caller holding one can never change the store behind its back. One re-entrant lock guards
everything; a condition wakes waiting watches after each write.
"""

from __future__ import annotations

import base64
import json
import random
import threading
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import msgspec

from rawkube.core._clock import Clock
from rawkube.testing import _meta
from rawkube.testing._catalog import Catalog, ResourceType
from rawkube.testing._errors import (
    FakeApiError,
    Undecodable,
    already_exists,
    bad_request,
    conflict,
    field_invalid,
    field_not_supported,
    go_quote,
    invalid_object,
    not_found,
)

__all__ = [
    "PROPAGATION_POLICIES",
    "Change",
    "ListPage",
    "Store",
    "clone",
    "object_key",
    "timestamp",
]

PROPAGATION_POLICIES = ("Foreground", "Background", "Orphan")
_POLICY_VALUES = [*PROPAGATION_POLICIES, "nil"]

Obj = dict[str, Any]
Key = tuple[str, str]  # (namespace, name); namespace "" for cluster-scoped objects
TypeKey = tuple[str, str]  # (group, plural): one store per resource, whatever the version

_GENERATE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"  # the API server's: no vowels, no 0/1/3
_EXPIRED_CONTINUE = (
    "The provided continue parameter is too old to display a consistent list result. You can "
    "start a new list without the continue parameter, or use the continue token in this "
    "response to retrieve the remainder of the results. Continuing with the provided token "
    "results in an inconsistent list - objects that were created, modified, or deleted "
    "between the time the first chunk was returned and now may show up in the list."
)


def clone(value: Any) -> Any:
    """A copy of a JSON value: dicts and lists anew, the immutable leaves shared.

    Several times quicker than ``copy.deepcopy``, which a store copying every object in and
    out spends most of its time in otherwise. A dict or list goes through msgpack and back,
    in C (over twice as quick again on a pod); what msgpack cannot carry (a Python value
    seeded, a string with a lone surrogate, a huge int) is copied by hand.
    """
    if isinstance(value, (dict, list)):
        try:
            copied = _unpack(_pack(value))
        except (TypeError, ValueError, OverflowError, RecursionError, msgspec.MsgspecError):
            return _clone_by_hand(value)
        if type(copied) is type(value):
            return copied
        return _clone_by_hand(value)  # pragma: no cover - a subclass: keep its type
    return value


_pack = msgspec.msgpack.Encoder().encode
_unpack = msgspec.msgpack.Decoder().decode


def _clone_by_hand(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _clone_by_hand(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_clone_by_hand(item) for item in value]
    return value


def timestamp(moment: datetime) -> str:
    """RFC 3339 in UTC to the second, as metadata timestamps are written."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def object_key(obj: Mapping[str, Any]) -> Key:
    """An object's (namespace, name)."""
    metadata = obj.get("metadata") or {}
    return metadata.get("namespace") or "", metadata.get("name") or ""


@dataclass(frozen=True)
class Change:
    """One committed write: the object after it (before it, for a deletion) and before it."""

    version: int
    type: str  # ADDED, MODIFIED or DELETED
    resource: TypeKey
    object: Obj
    previous: Obj | None


@dataclass(frozen=True)
class ListPage:
    """What a list answers: the items, the list's resourceVersion, and where the rest starts.

    The items are shallow copies sharing their nested values with the store: read them, never
    change what they hold.
    """

    items: list[Obj]
    version: int
    continue_token: str | None
    remaining: int | None


class Store:
    """Objects by resource, the change history, and the rules of every write."""

    def __init__(self, catalog: Catalog, clock: Clock, watch_window: int) -> None:
        if watch_window < 1:
            raise ValueError(f"watch_window must be at least 1, not {watch_window!r}")
        self.catalog = catalog
        self.clock = clock
        self.lock = threading.RLock()
        self.changed = threading.Condition(self.lock)
        self.version = 1
        self.cuts = 0  # bumped to end every open watch, as a dropped connection would
        self.stalls = 0  # bumped to silence every open watch, as a dead peer would
        self._window = watch_window
        self._objects: dict[TypeKey, dict[Key, Obj]] = {}
        self._history: deque[Change] = deque()
        self._compacted = 0  # changes up to this resourceVersion have left the window
        self._dependents: dict[str, set[tuple[TypeKey, Key]]] = {}
        self._uids: dict[str, tuple[TypeKey, Key]] = {}
        self._foreground: set[tuple[TypeKey, Key]] = set()  # held by foregroundDeletion
        self._wakers: list[Callable[[], None]] = []
        self._random = random.Random()  # noqa: S311 - names, not secrets

    # --- reading ------------------------------------------------------------------------------

    def objects(self, resource: ResourceType) -> dict[Key, Obj]:
        """The live objects of a resource (the store's own dicts: callers must not keep them)."""
        return self._objects.setdefault((resource.group, resource.plural), {})

    def get(self, resource: ResourceType, namespace: str, name: str) -> Obj:
        """A copy of one object; 404 when it is not there."""
        with self.lock:
            found = self.objects(resource).get((namespace, name))
            if found is None:
                raise not_found(resource.group_resource, name)
            return self._out(resource, found)

    def _out(self, resource: ResourceType, obj: Obj) -> Obj:
        copied: Obj = clone(obj)
        copied["apiVersion"] = resource.api_version
        copied["kind"] = resource.kind
        return copied

    def page(
        self,
        resource: ResourceType,
        namespace: str | None,
        selects: Callable[[Obj], bool],
        *,
        limit: int = 0,
        continue_token: str | None = None,
        resource_version: str | None = None,
        version_match: str | None = None,
        counts_remaining: bool = True,
    ) -> ListPage:
        """A page of the objects ``selects`` keeps, in (namespace, name) order.

        A continue token reads the snapshot of its first page; one whose version has left the
        watch window is 410 Expired with a token to go on inconsistently, as the server does.
        """
        with self.lock:
            at, start = self.version, ""
            if continue_token:
                at, start = _parse_continue(continue_token)
                if at == -1:
                    at = self.version  # the inconsistent token: go on from today's objects
                elif at < self._compacted:
                    inconsistent = _continue_token(-1, start)
                    raise FakeApiError(
                        410, "Expired", _EXPIRED_CONTINUE, metadata={"continue": inconsistent}
                    )
            elif resource_version not in (None, "", "0"):
                at = self._read_version(resource_version, version_match)
            snapshot = self._snapshot(resource, at)
            keys = sorted(
                key
                for key, obj in snapshot.items()
                if (namespace is None or key[0] == namespace) and selects(obj)
            )
            keys = [key for key in keys if _key_text(key) > start] if start else keys
            page, rest = (keys[:limit], keys[limit:]) if limit > 0 else (keys, [])
            # Shallow copies: the caller serializes them at once, under no lock of ours, and
            # copying every nested value of a big list would cost more than the rest together.
            items = [dict(snapshot[key]) for key in page]
            token = _continue_token(at, _key_text(page[-1]) + "\x00") if rest else None
            # The server counts what remains only when no selector could make the count a guess.
            remaining = len(rest) if rest and counts_remaining else None
            return ListPage(items, at, token, remaining)

    def _read_version(self, text: str, match: str | None) -> int:
        try:
            version = int(text)
        except ValueError:
            raise bad_request(f"invalid resource version: {text}") from None
        if match == "Exact":
            if version < self._compacted or version > self.version:
                raise FakeApiError(
                    410, "Expired", "The resourceVersion for the provided list is too old."
                )
            return version
        if version > self.version:
            raise FakeApiError(
                504,
                "Timeout",
                f"Too large resource version: {version}, current: {self.version}",
                {
                    "causes": [
                        {
                            "reason": "ResourceVersionTooLarge",
                            "message": "Too large resource version",
                        }
                    ],
                    "retryAfterSeconds": 1,
                },
            )
        return self.version  # NotOlderThan: today's objects are never older

    def _snapshot(self, resource: ResourceType, at: int) -> dict[Key, Obj]:
        objects = dict(self.objects(resource))
        if at >= self.version:
            return objects
        which = (resource.group, resource.plural)
        for change in reversed(self._history):
            if change.version <= at:
                break
            if change.resource != which:
                continue
            key = object_key(change.object)
            if change.previous is None or change.type == "ADDED":
                objects.pop(key, None)
            else:
                objects[key] = change.previous
        return objects

    def changes_after(self, version: int) -> list[Change]:
        """The changes newer than ``version``; 410 when some of them left the window."""
        with self.lock:
            if version < self._compacted:
                raise FakeApiError(
                    410,
                    "Expired",
                    f"too old resource version: {version} ({self._compacted + 1})",
                )
            if not self._history or self._history[-1].version <= version:
                return []
            return [c for c in self._history if c.version > version]

    def add_waker(self, waker: Callable[[], None]) -> None:
        """Call ``waker`` after every write (an asyncio watch wakes its loop with it)."""
        with self.lock:
            self._wakers.append(waker)

    def remove_waker(self, waker: Callable[[], None]) -> None:
        """Stop calling ``waker``."""
        with self.lock:
            if waker in self._wakers:
                self._wakers.remove(waker)

    def notify(self) -> None:
        """Wake every waiting watch (after a write, or when the clock moved)."""
        with self.lock:
            self.changed.notify_all()
            wakers = list(self._wakers)
        for waker in wakers:
            waker()

    # --- writing ------------------------------------------------------------------------------

    def create(
        self,
        resource: ResourceType,
        namespace: str,
        obj: Obj,
        *,
        dry_run: bool = False,
        keep_status: bool = False,
        prepare: Callable[[Obj], None] | None = None,
    ) -> Obj:
        """Store a new object: name (or generateName), uid, timestamps, generation, version.

        ``prepare`` is what the kind's registry adds once the object has its uid (status,
        allocations: ``_defaults.prepare_create``); it may refuse the object.
        """
        with self.lock:
            obj = _decoded(resource, obj)
            metadata = obj["metadata"]
            if resource.namespaced:
                metadata["namespace"] = namespace
                self._require_namespace(namespace)
            else:
                metadata.pop("namespace", None)
            name = metadata.get("name") or ""
            if not name and metadata.get("generateName"):
                name = metadata["generateName"] + "".join(
                    self._random.choice(_GENERATE_ALPHABET) for _ in range(5)
                )
                metadata["name"] = name
            _validate(resource, obj)
            key = (namespace if resource.namespaced else "", name)
            if key in self.objects(resource):
                raise already_exists(resource.group_resource, name)
            for field in ("resourceVersion", "deletionTimestamp", "deletionGracePeriodSeconds"):
                metadata.pop(field, None)
            metadata["uid"] = str(uuid.uuid4())
            metadata["creationTimestamp"] = timestamp(self.clock.now())
            if "spec" in obj:
                metadata["generation"] = 1
            if "status" in resource.subresources and not keep_status:
                obj.pop("status", None)
            if resource.group == "" and resource.plural == "pods" and not keep_status:
                obj["status"] = {"phase": "Pending"}
            if resource.group == "" and resource.plural == "namespaces":
                obj.setdefault("spec", {"finalizers": ["kubernetes"]})
                obj["status"] = {"phase": "Active"}
                metadata.setdefault("labels", {})["kubernetes.io/metadata.name"] = name
            if prepare is not None:
                prepare(obj)
            obj["apiVersion"], obj["kind"] = resource.api_version, resource.kind
            _check_servable(resource, obj)
            if dry_run:
                return self._out(resource, obj)
            self._commit(resource, "ADDED", key, obj, None)
            return self._out(resource, obj)

    def _require_namespace(self, namespace: str) -> None:
        namespaces = self.catalog.lookup("", "v1", "namespaces")
        assert namespaces is not None  # always served
        found = self.objects(namespaces).get(("", namespace))
        if found is None:
            raise not_found("namespaces", namespace)
        if (found.get("metadata") or {}).get("deletionTimestamp"):
            raise FakeApiError(
                403,
                "Forbidden",
                f"unable to create new content in namespace {namespace} because it is being "
                "terminated",
                {"name": namespace, "kind": "namespaces"},
            )

    def update(
        self,
        resource: ResourceType,
        namespace: str,
        name: str,
        obj: Obj,
        *,
        subresource: str | None = None,
        dry_run: bool = False,
    ) -> Obj:
        """Replace an object; a stale resourceVersion is 409, status kept apart as the server does.

        With a status subresource, an update of the object keeps the stored status and an
        update of ``status`` keeps everything else. The generation goes up when the spec
        changes. Removing the last finalizer of an object being deleted deletes it.
        """
        with self.lock:
            key = (namespace if resource.namespaced else "", name)
            stored = self.objects(resource).get(key)
            if stored is None:
                raise not_found(resource.group_resource, name)
            obj = _decoded(resource, obj)
            metadata = obj["metadata"]
            given_name = metadata.get("name") or name
            if given_name != name:
                raise bad_request(
                    f"the name of the object ({given_name}) does not match the name on the "
                    f"URL ({name})"
                )
            wanted = metadata.get("resourceVersion")
            current = stored["metadata"]["resourceVersion"]
            if wanted and wanted != current:
                raise conflict(resource.group_resource, name)
            if subresource == "status":
                new = clone(stored)
                if "status" in obj:
                    new["status"] = obj["status"]
                else:
                    new.pop("status", None)
            else:
                new = obj
                kept = stored["metadata"]
                for field in ("uid", "creationTimestamp", "deletionTimestamp", "generation"):
                    if field in kept:
                        metadata[field] = kept[field]
                    else:
                        metadata.pop(field, None)
                if resource.namespaced:
                    metadata["namespace"] = namespace
                metadata["name"] = name
                if "status" in resource.subresources:
                    if "status" in stored:
                        new["status"] = stored["status"]
                    else:
                        new.pop("status", None)
                if "generation" in kept and new.get("spec") != stored.get("spec"):
                    metadata["generation"] = kept["generation"] + 1
            new["apiVersion"], new["kind"] = resource.api_version, resource.kind
            if _same_content(new, stored):
                return self._out(resource, stored)  # a no-op write keeps its resourceVersion
            _validate(resource, new)
            _check_servable(resource, new)
            if dry_run:
                return self._out(resource, new)
            meta = new["metadata"]
            if meta.get("deletionTimestamp") and not meta.get("finalizers"):
                self._commit(resource, "MODIFIED", key, new, stored)
                self._remove(resource, key)
                self._collect_garbage()
                return self._out(resource, new)
            self._commit(resource, "MODIFIED", key, new, stored)
            self._finish_foreground()
            return self._out(resource, new)

    def delete(
        self,
        resource: ResourceType,
        namespace: str,
        name: str,
        *,
        propagation: str | None = None,
        preconditions: Mapping[str, Any] | None = None,
        dry_run: bool = False,
    ) -> tuple[Obj, bool]:
        """Delete an object; returns it and whether it is gone (False: finalizers hold it).

        Grace periods are taken as immediate. Background propagation deletes dependents
        once their owner is gone; Foreground holds the owner (finalizer
        ``foregroundDeletion``) until its dependents are; Orphan drops the dependents' owner
        references.
        """
        with self.lock:
            key = (namespace if resource.namespaced else "", name)
            stored = self.objects(resource).get(key)
            if stored is None:
                raise not_found(resource.group_resource, name)
            meta = stored["metadata"]
            for field, wanted in (preconditions or {}).items():
                if wanted and meta.get(field) != wanted:
                    raise FakeApiError(
                        409,
                        "Conflict",
                        f'Operation cannot be fulfilled on {resource.group_resource} "{name}": '
                        f"Precondition failed: {field.capitalize() if field == 'uid' else field}"
                        f": {wanted}, {field.capitalize() if field == 'uid' else field}: "
                        f"{meta.get(field)}",
                        {"name": name, "kind": resource.group_resource},
                    )
            if dry_run:
                return self._out(resource, stored), not meta.get("finalizers")
            policy = propagation or "Background"
            if policy not in PROPAGATION_POLICIES:
                raise invalid_object(
                    "DeleteOptions",
                    "meta.k8s.io",
                    "",
                    [field_not_supported("propagationPolicy", go_quote(policy), _POLICY_VALUES)],
                )
            if policy == "Orphan":
                self._orphan(meta["uid"])
            finalizers = list(meta.get("finalizers") or [])
            held = policy == "Foreground" and self._dependents.get(meta["uid"])
            if held and "foregroundDeletion" not in finalizers:
                finalizers.append("foregroundDeletion")
            if finalizers:
                if meta.get("deletionTimestamp") and finalizers == meta.get("finalizers"):
                    return self._out(resource, stored), False
                new = clone(stored)
                new["metadata"]["finalizers"] = finalizers
                new["metadata"].setdefault("deletionTimestamp", timestamp(self.clock.now()))
                new["metadata"].setdefault("deletionGracePeriodSeconds", 0)
                self._commit(resource, "MODIFIED", key, new, stored)
                if "foregroundDeletion" in finalizers:
                    self._delete_dependents(meta["uid"])
                    self._finish_foreground()
                current = self.objects(resource).get(key, new)
                return self._out(resource, current), key not in self.objects(resource)
            if (resource.group, resource.plural) == ("", "namespaces"):
                self._empty_namespace(name)
            self._remove(resource, key)
            self._collect_garbage()
            return self._out(resource, stored), True

    def _empty_namespace(self, namespace: str) -> None:
        """The namespace controller's job, done at once: delete everything in the namespace."""
        for which, objects in list(self._objects.items()):
            resource = self._resource(which)
            if not resource.namespaced:
                continue
            for key in sorted(k for k in objects if k[0] == namespace):
                if key in objects:
                    self.delete(resource, key[0], key[1])

    def _remove(self, resource: ResourceType, key: Key) -> None:
        stored = self.objects(resource)[key]
        gone = clone(stored)
        self._commit(resource, "DELETED", key, gone, stored, remove=True)

    def _commit(
        self,
        resource: ResourceType,
        kind: str,
        key: Key,
        obj: Obj,
        previous: Obj | None,
        *,
        remove: bool = False,
    ) -> None:
        self.version += 1
        obj["metadata"]["resourceVersion"] = str(self.version)
        which = (resource.group, resource.plural)
        objects = self.objects(resource)
        if previous is not None:
            self._unindex(which, key, previous)
        if remove:
            objects.pop(key, None)
        else:
            objects[key] = obj
            self._index(which, key, obj)
        self._history.append(Change(self.version, kind, which, obj, previous))
        while len(self._history) > self._window:
            self._compacted = self._history.popleft().version
        if resource.crd is None and which == ("apiextensions.k8s.io", "customresourcedefinitions"):
            self._crd_changed(kind, obj)
        self.notify()

    def _crd_changed(self, kind: str, crd: Obj) -> None:
        if kind == "DELETED":
            for resource in self.catalog.remove_crd(crd["metadata"]["name"]):
                for key in list(self.objects(resource)):
                    self._remove(resource, key)
                del self._objects[resource.group, resource.plural]
        else:
            self.catalog.add_crd(crd)
            established = [
                {"type": "NamesAccepted", "status": "True", "reason": "NoConflicts"},
                {"type": "Established", "status": "True", "reason": "InitialNamesAccepted"},
            ]
            status = crd.setdefault("status", {})
            status.setdefault("conditions", established)
            status.setdefault("acceptedNames", (crd.get("spec") or {}).get("names", {}))
            status.setdefault(
                "storedVersions",
                [
                    v["name"]
                    for v in (crd.get("spec") or {}).get("versions", [])
                    if v.get("storage")
                ],
            )

    # --- owners and dependents ----------------------------------------------------------------

    def _index(self, which: TypeKey, key: Key, obj: Obj) -> None:
        meta = obj["metadata"]
        self._uids[meta["uid"]] = (which, key)
        if "foregroundDeletion" in (meta.get("finalizers") or ()):
            self._foreground.add((which, key))
        for ref in meta.get("ownerReferences") or ():
            if isinstance(ref, dict) and ref.get("uid"):
                self._dependents.setdefault(ref["uid"], set()).add((which, key))

    def _unindex(self, which: TypeKey, key: Key, obj: Obj) -> None:
        meta = obj["metadata"]
        self._uids.pop(meta.get("uid", ""), None)
        self._foreground.discard((which, key))
        for ref in meta.get("ownerReferences") or ():
            if isinstance(ref, dict) and ref.get("uid"):
                holders = self._dependents.get(ref["uid"])
                if holders is not None:
                    holders.discard((which, key))
                    if not holders:
                        del self._dependents[ref["uid"]]

    def _resource(self, which: TypeKey) -> ResourceType:
        for resource in self.catalog.types():
            if (resource.group, resource.plural) == which:
                return resource
        raise KeyError(which)

    def _dependents_of(self, uid: str) -> Iterator[tuple[ResourceType, Key]]:
        for which, key in sorted(self._dependents.get(uid, ())):
            yield self._resource(which), key

    def _orphan(self, uid: str) -> None:
        for resource, key in list(self._dependents_of(uid)):
            stored = self.objects(resource)[key]
            new = clone(stored)
            refs = [r for r in new["metadata"]["ownerReferences"] if r.get("uid") != uid]
            if refs:
                new["metadata"]["ownerReferences"] = refs
            else:
                del new["metadata"]["ownerReferences"]
            self._commit(resource, "MODIFIED", key, new, stored)

    def _delete_dependents(self, uid: str) -> None:
        for resource, key in list(self._dependents_of(uid)):
            if key in self.objects(resource):
                self.delete(resource, key[0], key[1], propagation="Foreground")

    def _collect_garbage(self) -> None:
        """Delete every object all of whose owners are gone (the garbage collector's job)."""
        while True:
            orphaned = [
                (owner_uid, which, key)
                for owner_uid, holders in self._dependents.items()
                if owner_uid not in self._uids
                for which, key in holders
            ]
            doomed = []
            for _, which, key in orphaned:
                resource = self._resource(which)
                stored = self.objects(resource).get(key)
                if stored is None or stored["metadata"].get("deletionTimestamp"):
                    continue
                refs = stored["metadata"].get("ownerReferences") or ()
                if all(r.get("uid") not in self._uids for r in refs):
                    doomed.append((resource, key))
            if not doomed:
                self._finish_foreground()
                return
            for resource, key in sorted(set(doomed), key=lambda d: (d[0].plural, d[1])):
                if key in self.objects(resource):
                    self.delete(resource, key[0], key[1])

    def _finish_foreground(self) -> None:
        """Let an owner in foreground deletion go once no dependent of it is left."""
        for which, key in sorted(self._foreground):
            resource = self._resource(which)
            stored = self.objects(resource).get(key)
            if stored is not None:
                meta = stored["metadata"]
                finalizers = meta.get("finalizers") or []
                if "foregroundDeletion" not in finalizers or self._dependents.get(meta["uid"]):
                    continue
                new = clone(stored)
                rest = [f for f in finalizers if f != "foregroundDeletion"]
                if rest:
                    new["metadata"]["finalizers"] = rest
                else:
                    del new["metadata"]["finalizers"]
                self._commit(resource, "MODIFIED", key, new, stored)
                if not rest:
                    self._remove(resource, key)
                    self._collect_garbage()

    # --- seeding and inspection ---------------------------------------------------------------

    def all_objects(self) -> Iterable[tuple[ResourceType, Obj]]:
        """Every stored object with its resource, copied."""
        with self.lock:
            found: list[tuple[ResourceType, Obj]] = []
            for which, objects in self._objects.items():
                resource = self._resource(which)
                found.extend((resource, self._out(resource, obj)) for obj in objects.values())
            return found


def _decoded(resource: ResourceType, obj: Obj) -> Obj:
    """A copy of a written object, refused (400) where Go's decoder would refuse it."""
    try:
        obj = clone(obj)
    except RecursionError:
        raise bad_request(f"{resource.kind} is nested too deeply to store") from None
    problem = _meta.type_error(obj, resource.kind)
    if problem is not None:
        raise Undecodable(
            f'{resource.kind} in version "{resource.version}" cannot be handled as a '
            f"{resource.kind}: {problem}",
            problem,
        )
    metadata = obj.get("metadata")
    if metadata is None:
        metadata = obj["metadata"] = {}
    _meta.normalize(metadata)
    return obj


def _validate(resource: ResourceType, obj: Obj) -> None:
    """Refuse (422, every cause at once) metadata the API server's validation refuses."""
    metadata = obj["metadata"]
    name = metadata.get("name") or ""
    found = _meta.causes(metadata, resource.group, resource.plural, custom=resource.crd is not None)
    if (resource.group, resource.plural) == ("apiextensions.k8s.io", "customresourcedefinitions"):
        spec = obj.get("spec") or {}
        names = spec.get("names") if isinstance(spec, dict) else None
        plural = names.get("plural", "") if isinstance(names, dict) else ""
        group = spec.get("group", "") if isinstance(spec, dict) else ""
        if name and name != f"{plural}.{group}":
            found.append(
                field_invalid("metadata.name", name, 'must be spec.names.plural+"."+spec.group')
            )
    if found:
        raise invalid_object(resource.kind, resource.group, name, found)


# Wrap a stored object as deep as any answer nests one (a Table row of a watch event, with
# room to spare): what serializes inside these serializes in every list, watch and Table.
_SERVED_NESTING = 8


def _check_servable(resource: ResourceType, obj: Obj) -> None:
    """Refuse an object that could not be written out as JSON (a Python value seeded, say).

    Everything read from a request is plain JSON already; this keeps anything else out, so
    that no object in the store can break a later list, watch or delete.
    """
    from pydantic_core import PydanticSerializationError, to_json

    wrapped: Any = obj
    for _ in range(_SERVED_NESTING):
        wrapped = [wrapped]
    try:
        to_json(wrapped)
    except (PydanticSerializationError, ValueError) as exc:
        raise bad_request(f"{resource.kind} cannot be served as JSON: {exc}") from None


def _same_content(new: Obj, stored: Obj) -> bool:
    def strip(obj: Obj) -> Obj:
        copied = dict(obj)
        metadata = dict(copied.get("metadata") or {})
        metadata.pop("resourceVersion", None)
        metadata.pop("managedFields", None)
        copied["metadata"] = metadata
        return copied

    return strip(new) == strip(stored)


def _key_text(key: Key) -> str:
    return f"{key[0]}/{key[1]}" if key[0] else key[1]


def _continue_token(version: int, start: str) -> str:
    document = {"v": "meta.k8s.io/v1", "rv": version, "start": start}
    return base64.b64encode(json.dumps(document, separators=(",", ":")).encode()).decode()


def _parse_continue(token: str) -> tuple[int, str]:
    try:
        document = json.loads(base64.b64decode(token, validate=False))
        version, start = document["rv"], document["start"]
        if document.get("v") != "meta.k8s.io/v1" or not isinstance(version, int):
            raise ValueError(token)
        if not isinstance(start, str):
            raise ValueError(token)
    except (ValueError, KeyError, TypeError):
        raise bad_request(
            "continue key is not valid: incorrect encoded start resourceVersion "
            "(version meta.k8s.io/v1)"
        ) from None
    return version, start.rstrip("\x00")

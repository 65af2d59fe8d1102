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
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import msgspec

from rawkube.core._clock import Clock
from rawkube.testing import _deletion, _meta
from rawkube.testing._catalog import Catalog, ResourceType
from rawkube.testing._errors import (
    FakeApiError,
    Undecodable,
    already_exists,
    bad_request,
    conflict,
    field_invalid,
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
        self.foreground: set[tuple[TypeKey, Key]] = set()
        """Objects being deleted that wait for their dependents (``foregroundDeletion``)."""
        self.terminating: set[str] = set()
        """The namespaces being deleted."""
        self._controllers = _deletion.Controllers(self)
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
        seed: bool = False,
        prepare: Callable[[Obj], None] | None = None,
    ) -> Obj:
        """Store a new object: name (or generateName), uid, timestamps, generation, version.

        ``seed``: an object seeded by a test, stored as given where the server would have
        set it: its uid, resourceVersion, creation and deletion timestamps and generation
        are kept (see :func:`_seeded`), it may go into a terminating namespace, and it sets
        off no controller. ``prepare`` is what the kind's registry adds once the object has
        its uid (status, allocations: ``_defaults.prepare_create``); it may refuse the object.
        """
        with self.lock:
            obj = _decoded(resource, obj)
            metadata = obj["metadata"]
            if resource.namespaced:
                metadata["namespace"] = namespace
                self._require_namespace(namespace, resource, metadata, seed)
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
            kept = self._seeded(metadata) if seed else {}
            for field in ("resourceVersion", "deletionTimestamp", "deletionGracePeriodSeconds"):
                metadata.pop(field, None)
            metadata["uid"] = str(uuid.uuid4())
            metadata["creationTimestamp"] = timestamp(self.clock.now())
            if "spec" in obj:
                metadata["generation"] = 1
            version = kept.pop("resourceVersion", None)
            metadata.update(kept)
            if "status" in resource.subresources and not keep_status:
                obj.pop("status", None)
            if resource.group == "" and resource.plural == "pods" and not keep_status:
                obj["status"] = {"phase": "Pending"}
            if resource.group == "" and resource.plural == "namespaces":
                obj.setdefault("spec", {"finalizers": ["kubernetes"]})
                if not (seed and isinstance(obj.get("status"), dict)):  # a seed keeps its phase
                    obj["status"] = {"phase": "Active"}
                metadata.setdefault("labels", {})["kubernetes.io/metadata.name"] = name
            if prepare is not None:
                prepare(obj)
            obj["apiVersion"], obj["kind"] = resource.api_version, resource.kind
            _check_servable(resource, obj)
            if dry_run:
                return self._out(resource, obj)
            self._commit(resource, "ADDED", key, obj, None, version=version, quiet=seed)
            self._controllers.settle()
            return self._out(resource, obj)

    def _seeded(self, metadata: dict[str, Any]) -> dict[str, Any]:
        """What a seeded object keeps of its metadata, checked: the fake's resourceVersions are
        numbers, and a uid names one object only (400 and 409 otherwise)."""
        kept: dict[str, Any] = {}
        uid = metadata.get("uid")
        if uid:
            if uid in self._uids:
                which, (namespace, name) = self._uids[uid]
                held = f"{namespace}/{name}" if namespace else name
                raise FakeApiError(
                    409, "Conflict", f'uid "{uid}" is taken already, by {which[1]} {held}'
                )
            kept["uid"] = uid
        version = metadata.get("resourceVersion")
        if version:
            if not version.isdigit() or int(version) < 1:
                raise bad_request(
                    f"resourceVersion {version!r} is not one the fake cluster can keep: its "
                    "resourceVersions are positive whole numbers, as etcd's are"
                )
            kept["resourceVersion"] = int(version)
        for field in ("creationTimestamp", "deletionTimestamp"):
            if metadata.get(field):
                kept[field] = _whole_seconds(metadata[field])
        grace = metadata.get("deletionGracePeriodSeconds")
        if grace is not None and kept.get("deletionTimestamp"):
            kept["deletionGracePeriodSeconds"] = grace
        generation = metadata.get("generation")
        if isinstance(generation, int) and generation > 0:
            kept["generation"] = generation
        return kept

    def _require_namespace(
        self, namespace: str, resource: ResourceType, metadata: Mapping[str, Any], seed: bool
    ) -> None:
        namespaces = self.catalog.lookup("", "v1", "namespaces")
        assert namespaces is not None  # always served
        found = self.objects(namespaces).get(("", namespace))
        if found is None:
            raise not_found("namespaces", namespace)
        status = found.get("status")
        phase = status.get("phase") if isinstance(status, dict) else None
        # NamespaceLifecycle admission reads the phase, before any name is generated.
        if phase == "Terminating" and not seed:
            raise _deletion.terminating_refusal(resource, metadata.get("name") or "", namespace)

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
        update of ``status`` keeps everything else; a namespace's ``finalize`` takes only
        ``spec.finalizers``. The generation goes up when the spec changes. No finalizer may be
        added to an object being deleted (422); removing its last one deletes it, and the
        answer is its last state, at the resourceVersion it had.
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
            elif subresource == "finalize":
                new = _finalized(stored, obj)
            else:
                new = obj
                kept = stored["metadata"]
                for field in (
                    "uid",
                    "creationTimestamp",
                    "deletionTimestamp",
                    "deletionGracePeriodSeconds",
                    "generation",
                ):
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
            meta = new["metadata"]
            if stored["metadata"].get("deletionTimestamp"):
                refused = _deletion.new_finalizers_refused(
                    resource,
                    name,
                    stored["metadata"].get("finalizers") or [],
                    meta.get("finalizers") or [],
                )
                if refused is not None:
                    raise refused
            _check_servable(resource, new)
            if dry_run:
                return self._out(resource, new)
            if _deletion.should_go(resource, new):
                # The server deletes instead of writing: the watch sees the object go as it
                # was stored, and the answer is this last state at the version it had.
                meta["resourceVersion"] = current
                self.remove(resource, key)
            else:
                self._commit(resource, "MODIFIED", key, new, stored)
            self._controllers.settle()
            return self._out(resource, new)

    def delete(
        self,
        resource: ResourceType,
        namespace: str,
        name: str,
        *,
        propagation: str | None = None,
        orphan_dependents: bool | None = None,
        preconditions: Mapping[str, Any] | None = None,
        dry_run: bool = False,
    ) -> tuple[Obj, bool]:
        """Delete an object; returns what the DELETE answers with and whether it went at once.

        At once (True): the object as it was, for a Status naming it (a pod answers with
        itself). Otherwise (False) the object as the DELETE left it: marked as being deleted
        and held by its finalizers, the garbage collector's included (``foregroundDeletion``
        or ``orphan``, as the policy asks), or a namespace, Terminating. The controllers run
        before this returns, so the object may be gone already. Grace periods are taken as
        immediate; ``dry_run`` answers the same and changes nothing.
        """
        with self.lock:
            key = (namespace if resource.namespaced else "", name)
            stored = self.objects(resource).get(key)
            namespaces = (resource.group, resource.plural) == ("", "namespaces")
            if namespaces and name in _deletion.IMMORTAL_NAMESPACES:
                raise _deletion.immortal_refusal(name)
            if stored is None:
                raise not_found(resource.group_resource, name)
            failed = _deletion.precondition_failed(resource, stored["metadata"], preconditions)
            if failed is not None:
                raise failed
            policy = _deletion.DeletePolicy(propagation, orphan_dependents)
            answer = self.delete_object(resource, key, policy, dry_run=dry_run)
            self._controllers.settle()
            return answer

    def delete_object(
        self,
        resource: ResourceType,
        key: Key,
        policy: _deletion.DeletePolicy,
        *,
        dry_run: bool = False,
    ) -> tuple[Obj, bool]:
        """The registry's delete of a stored object (:meth:`delete` without its checks); the
        controllers delete through this too."""
        stored = self.objects(resource)[key]
        if (resource.group, resource.plural) == ("", "namespaces"):
            return self._delete_namespace(resource, key, stored, policy, dry_run), False
        now = timestamp(self.clock.now())
        new = clone(stored)
        meta = new["metadata"]
        old_finalizers = list(meta.get("finalizers") or [])
        # Only the v1 ReplicationController orphans its dependents unless told otherwise.
        orphan_by_default = (resource.group, resource.plural) == ("", "replicationcontrollers")
        finalizers = _deletion.gc_finalizers(
            old_finalizers, policy, orphan_by_default=orphan_by_default
        )
        if finalizers:
            meta["finalizers"] = finalizers
        else:
            meta.pop("finalizers", None)
        # A pod's deletion is graceful: it is marked first, even when it then goes at once.
        graceful = (resource.group, resource.plural) == ("", "pods")
        if finalizers or graceful:
            _deletion.mark_deleting(meta, now)
        if dry_run:
            gone = not finalizers
            return self._out(resource, new if finalizers or graceful else stored), gone
        if finalizers:
            if new != stored:
                self._commit(resource, "MODIFIED", key, new, stored)
            return self._out(resource, new), False
        if graceful and new != stored:
            self._commit(resource, "MODIFIED", key, new, stored)
        last = self.objects(resource)[key]
        self.remove(resource, key)
        return self._out(resource, last), True

    def _delete_namespace(
        self,
        resource: ResourceType,
        key: Key,
        stored: Obj,
        policy: _deletion.DeletePolicy,
        dry_run: bool,
    ) -> Obj:
        """A namespace's own registry: Terminating first, gone once finalized (the controller's)."""
        if stored["metadata"].get("deletionTimestamp"):
            if _deletion.should_go(resource, stored) and not dry_run:
                self.remove(resource, key)
            return self._out(resource, stored)
        new = clone(stored)
        meta = new["metadata"]
        meta["deletionTimestamp"] = timestamp(self.clock.now())
        finalizers = _deletion.namespace_finalizers(list(meta.get("finalizers") or []), policy)
        if finalizers:
            meta["finalizers"] = finalizers
        else:
            meta.pop("finalizers", None)
        status = new.get("status")
        new["status"] = {**(status if isinstance(status, dict) else {}), "phase": "Terminating"}
        if not dry_run:
            self._commit(resource, "MODIFIED", key, new, stored)
        return self._out(resource, new)

    # --- what the controllers write with ------------------------------------------------------

    def now(self) -> str:
        """The clock's reading as a metadata timestamp."""
        return timestamp(self.clock.now())

    def copy(self, obj: Obj) -> Obj:
        """A copy of a stored object to change and :meth:`write`."""
        copied: Obj = clone(obj)
        return copied

    def write(self, resource: ResourceType, key: Key, new: Obj) -> None:
        """Commit a changed copy of a stored object (MODIFIED)."""
        self._commit(resource, "MODIFIED", key, new, self.objects(resource)[key])

    def remove(self, resource: ResourceType, key: Key) -> None:
        """Take a stored object out (DELETED, carrying its last state)."""
        stored = self.objects(resource)[key]
        gone = clone(stored)
        self._commit(resource, "DELETED", key, gone, stored, remove=True)

    def drop_finalizer(self, resource: ResourceType, key: Key, finalizer: str) -> None:
        """Remove one finalizer, as a controller's patch does: the object goes with its last."""
        stored = self.objects(resource)[key]
        finalizers = [f for f in stored["metadata"].get("finalizers") or () if f != finalizer]
        new = clone(stored)
        if finalizers:
            new["metadata"]["finalizers"] = finalizers
        else:
            new["metadata"].pop("finalizers", None)
        if _deletion.should_go(resource, new):
            self.remove(resource, key)
        elif new != stored:
            self._commit(resource, "MODIFIED", key, new, stored)

    def contents(self, namespace: str) -> list[tuple[ResourceType, Key, Obj]]:
        """Every object in a namespace, by resource and name."""
        found = []
        for which, objects in sorted(self._objects.items()):
            keys = sorted(k for k in objects if k[0] == namespace)
            if keys:
                resource = self.resource_of(which)
                found += [(resource, k, objects[k]) for k in keys]
        return found

    def _commit(
        self,
        resource: ResourceType,
        kind: str,
        key: Key,
        obj: Obj,
        previous: Obj | None,
        *,
        remove: bool = False,
        version: int | None = None,
        quiet: bool = False,
    ) -> None:
        """Write a change: the next resourceVersion, the history, the indexes, the watchers.

        ``version``: a seeded object's own resourceVersion, kept; the counter moves up to it
        (a version at or under the counter is kept on the object, and the change takes the
        next one). ``quiet``: sets off no controller (a seed).
        """
        self.version = (
            version if version is not None and version > self.version else self.version + 1
        )
        obj["metadata"]["resourceVersion"] = str(version if version is not None else self.version)
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
        if not quiet:
            self._controllers.noticed(resource, kind, key, obj, previous)
        self.notify()

    def _crd_changed(self, kind: str, crd: Obj) -> None:
        if kind == "DELETED":
            for resource in self.catalog.remove_crd(crd["metadata"]["name"]):
                for key in list(self.objects(resource)):
                    self.remove(resource, key)
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
        if meta.get("deletionTimestamp"):
            if "foregroundDeletion" in (meta.get("finalizers") or ()):
                self.foreground.add((which, key))
            if which == ("", "namespaces"):
                self.terminating.add(key[1])
        for ref in meta.get("ownerReferences") or ():
            if isinstance(ref, dict) and ref.get("uid"):
                self._dependents.setdefault(ref["uid"], set()).add((which, key))

    def _unindex(self, which: TypeKey, key: Key, obj: Obj) -> None:
        meta = obj["metadata"]
        self._uids.pop(meta.get("uid", ""), None)
        self.foreground.discard((which, key))
        if which == ("", "namespaces"):
            self.terminating.discard(key[1])
        for ref in meta.get("ownerReferences") or ():
            if isinstance(ref, dict) and ref.get("uid"):
                holders = self._dependents.get(ref["uid"])
                if holders is not None:
                    holders.discard((which, key))
                    if not holders:
                        del self._dependents[ref["uid"]]

    def resource_of(self, which: TypeKey) -> ResourceType:
        """The served resource stored under ``(group, plural)``."""
        for resource in self.catalog.types():
            if (resource.group, resource.plural) == which:
                return resource
        raise KeyError(which)

    def locate(self, uid: str) -> tuple[TypeKey, Key] | None:
        """Where the object with ``uid`` is stored, if it is."""
        return self._uids.get(uid)

    def dependents(self, uid: str) -> list[tuple[TypeKey, Key]]:
        """The stored objects naming ``uid`` as an owner, in a stable order."""
        return sorted(self._dependents.get(uid, ()))

    # --- seeding and inspection ---------------------------------------------------------------

    def all_objects(self) -> Iterable[tuple[ResourceType, Obj]]:
        """Every stored object with its resource, copied."""
        with self.lock:
            found: list[tuple[ResourceType, Obj]] = []
            for which, objects in self._objects.items():
                resource = self.resource_of(which)
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


def _whole_seconds(text: str) -> str:
    """An RFC 3339 time (decoded already, so well formed) as the server keeps one: whole
    seconds, in UTC."""
    seconds, _, rest = text.partition(".") if "." in text else (text[:19], "", text[19:])
    offset = rest.lstrip("0123456789")
    moment = datetime.fromisoformat(seconds[:19] + ("+00:00" if offset in ("Z", "z") else offset))
    return timestamp(moment)


def _finalized(stored: Obj, obj: Obj) -> Obj:
    """A namespace as its ``finalize`` subresource writes it: only ``spec.finalizers`` taken."""
    new: Obj = clone(stored)
    spec = obj.get("spec")
    finalizers = spec.get("finalizers") if isinstance(spec, dict) else None
    found = new.get("spec")
    kept: dict[str, Any] = found if isinstance(found, dict) else {}
    if finalizers:
        kept["finalizers"] = list(finalizers)
    else:
        kept.pop("finalizers", None)
    new["spec"] = kept
    return new


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

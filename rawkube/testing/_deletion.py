"""What a DELETE leaves behind and what it sets off: finalizers, the garbage collector, namespaces.

The API server deletes in two steps when something must happen first. The DELETE itself only
marks the object (``deletionTimestamp``, ``deletionGracePeriodSeconds: 0``, the generation
bumped) and adds the garbage collector's finalizer its propagation policy asks for:
``foregroundDeletion`` (dependents first) or ``orphan`` (dependents let go); the object goes
once a write removes its last finalizer. Controllers do the rest: the garbage collector deletes
dependents whose owners are gone, drops references to owners that let them go, and removes its
own finalizers; the namespace controller empties a terminating namespace, says in its
conditions what remains, and finally lets the namespace go.

The fake runs these controllers at once, inside the write that sets them off: :class:`Controllers`
keeps a queue of what to look at, filled by every committed write and drained before the
write returns, so a test sees the settled cluster and a watch sees each step as the real
server's watch does (MODIFIED for each mark, DELETED when the object goes).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rawkube.testing._catalog import ResourceType
from rawkube.testing._errors import FakeApiError, go_quote, invalid_object

if TYPE_CHECKING:
    from rawkube.testing._store import Key, Obj, Store

__all__ = [
    "FOREGROUND",
    "IMMORTAL_NAMESPACES",
    "ORPHAN",
    "Controllers",
    "DeletePolicy",
    "gc_finalizers",
    "immortal_refusal",
    "mark_deleting",
    "namespace_conditions",
    "namespace_finalizers",
    "new_finalizers_refused",
    "precondition_failed",
    "should_go",
    "terminating_refusal",
]

ORPHAN = "orphan"
FOREGROUND = "foregroundDeletion"
NAMESPACE_FINALIZER = "kubernetes"
IMMORTAL_NAMESPACES = ("default", "kube-public", "kube-system")
"""Namespaces the server's NamespaceLifecycle admission never lets anyone delete."""

# The namespace controller's conditions, in the order it writes them, with the reason and
# message each one has when nothing is wrong (as the recorded namespace shows them).
_NAMESPACE_CONDITIONS = (
    (
        "NamespaceDeletionDiscoveryFailure",
        "ResourcesDiscovered",
        "All resources successfully discovered",
    ),
    (
        "NamespaceDeletionGroupVersionParsingFailure",
        "ParsedGroupVersions",
        "All legacy kube types successfully parsed",
    ),
    (
        "NamespaceDeletionContentFailure",
        "ContentDeleted",
        "All content successfully deleted, may be waiting on finalization",
    ),
    ("NamespaceContentRemaining", "ContentRemoved", "All content successfully removed"),
    (
        "NamespaceFinalizersRemaining",
        "ContentHasNoFinalizers",
        "All content-preserving finalizers finished",
    ),
)


@dataclass(frozen=True)
class DeletePolicy:
    """What a DELETE asks for its dependents: a propagation policy, the deprecated
    ``orphanDependents``, or neither (the object's finalizers, then the kind, decide)."""

    propagation: str | None = None
    orphan_dependents: bool | None = None


# --- the registry's rules ---------------------------------------------------------------------


def _orphans(finalizers: list[str], policy: DeletePolicy, orphan_by_default: bool) -> bool:
    if policy.orphan_dependents is not None:
        return policy.orphan_dependents
    if policy.propagation is not None:
        return policy.propagation == "Orphan"
    for finalizer in finalizers:  # a finalizer the object has decides, the first one found
        if finalizer in (ORPHAN, FOREGROUND):
            return finalizer == ORPHAN
    return orphan_by_default


def _in_foreground(finalizers: list[str], policy: DeletePolicy) -> bool:
    if policy.orphan_dependents is not None:
        return False
    if policy.propagation is not None:
        return policy.propagation == "Foreground"
    for finalizer in finalizers:
        if finalizer in (ORPHAN, FOREGROUND):
            return finalizer == FOREGROUND
    return False


def gc_finalizers(
    finalizers: list[str], policy: DeletePolicy, *, orphan_by_default: bool = False
) -> list[str]:
    """The finalizers a DELETE leaves: the garbage collector's own swapped for what ``policy``
    asks (``orphan``, ``foregroundDeletion`` or neither); ``finalizers`` itself when that is
    the same set."""
    kept = [f for f in finalizers if f not in (ORPHAN, FOREGROUND)]
    if _orphans(finalizers, policy, orphan_by_default):
        kept.append(ORPHAN)
    elif _in_foreground(finalizers, policy):
        kept.append(FOREGROUND)
    return finalizers if set(kept) == set(finalizers) else kept


def namespace_finalizers(finalizers: list[str], policy: DeletePolicy) -> list[str]:
    """A namespace's finalizers after its DELETE: its own registry adds ``orphan`` or
    ``foregroundDeletion`` only when asked, never by default."""
    if policy.orphan_dependents is not None:
        orphan, foreground = policy.orphan_dependents, False
    elif policy.propagation is not None:
        orphan, foreground = policy.propagation == "Orphan", policy.propagation == "Foreground"
    else:
        orphan, foreground = ORPHAN in finalizers, FOREGROUND in finalizers
    kept = [f for f in finalizers if f not in (ORPHAN, FOREGROUND)]
    kept += [ORPHAN] if orphan else []
    kept += [FOREGROUND] if foreground else []
    return finalizers if set(kept) == set(finalizers) else kept


def mark_deleting(metadata: dict[str, Any], now: str) -> None:
    """Mark an object as being deleted, as the registry does before its finalizers are done:
    the generation bumped once (where the kind has one), then the timestamp and a grace of 0."""
    if not metadata.get("deletionTimestamp"):
        generation = metadata.get("generation")
        if isinstance(generation, int) and generation > 0:
            metadata["generation"] = generation + 1
        metadata["deletionTimestamp"] = now
    metadata["deletionGracePeriodSeconds"] = 0


def should_go(resource: ResourceType, obj: Obj) -> bool:
    """Whether a write leaves an object being deleted with nothing left to wait for.

    A namespace also waits for its ``spec.finalizers`` (the namespace controller's).
    """
    metadata = obj.get("metadata") or {}
    if not metadata.get("deletionTimestamp") or metadata.get("finalizers"):
        return False
    if (resource.group, resource.plural) == ("", "namespaces"):
        spec = obj.get("spec")
        return not (isinstance(spec, dict) and spec.get("finalizers"))
    return True


def _conflict(resource: ResourceType, name: str, reason: str) -> FakeApiError:
    # The registry names the kind here, not the resource: "ConfigMap", "Deployment.apps".
    qualified = f"{resource.kind}.{resource.group}" if resource.group else resource.kind
    details: dict[str, Any] = {"name": name}
    if resource.group:
        details["group"] = resource.group
    details["kind"] = resource.kind
    return FakeApiError(
        409, "Conflict", f'Operation cannot be fulfilled on {qualified} "{name}": {reason}', details
    )


def precondition_failed(
    resource: ResourceType, metadata: Mapping[str, Any], preconditions: Mapping[str, Any] | None
) -> FakeApiError | None:
    """409 when a DELETE's preconditions (uid, then resourceVersion) do not hold, in the
    recorded words; None when they do."""
    if not preconditions:
        return None
    name = metadata.get("name") or ""
    uid, version = preconditions.get("uid"), preconditions.get("resourceVersion")
    if uid is not None and uid != metadata.get("uid"):
        return _conflict(
            resource,
            name,
            f"the UID in the precondition ({uid}) does not match the UID in record "
            f"({metadata.get('uid')}). The object might have been deleted and then recreated",
        )
    if version is not None and version != metadata.get("resourceVersion"):
        return _conflict(
            resource,
            name,
            f"the ResourceVersion in the precondition ({version}) does not match the "
            f"ResourceVersion in record ({metadata.get('resourceVersion')}). The object might "
            "have been modified",
        )
    return None


def new_finalizers_refused(
    resource: ResourceType, name: str, old: list[str], new: list[str]
) -> FakeApiError | None:
    """422 for a write adding finalizers to an object being deleted; None when it adds none.

    The server validates object metadata twice on an update, so the cause comes twice (the
    message, an aggregate, says it once), as recorded.
    """
    extra = sorted(set(new) - set(old))
    if not extra:
        return None
    listed = "[]string{" + ", ".join(go_quote(f) for f in extra) + "}"
    cause = {
        "reason": "FieldValueForbidden",
        "message": "Forbidden: no new finalizers can be added if the object is being deleted, "
        f"found new finalizers {listed}",
        "field": "metadata.finalizers",
    }
    return invalid_object(resource.kind, resource.group, name, [cause, dict(cause)])


def terminating_refusal(resource: ResourceType, name: str, namespace: str) -> FakeApiError:
    """403: NamespaceLifecycle admission refusing a create in a terminating namespace."""
    said = f'{resource.group_resource} "{name}"' if name else resource.group_resource
    details: dict[str, Any] = {}
    if name:
        details["name"] = name
    if resource.group:
        details["group"] = resource.group
    details["kind"] = resource.plural
    details["causes"] = [
        {
            "reason": "NamespaceTerminating",
            "message": f"namespace {namespace} is being terminated",
            "field": "metadata.namespace",
        }
    ]
    return FakeApiError(
        403,
        "Forbidden",
        f"{said} is forbidden: unable to create new content in namespace {namespace} because "
        "it is being terminated",
        details,
    )


def immortal_refusal(name: str) -> FakeApiError:
    """403: NamespaceLifecycle admission refusing to delete ``default`` and the system ones."""
    return FakeApiError(
        403,
        "Forbidden",
        f'namespaces "{name}" is forbidden: this namespace may not be deleted',
        {"name": name, "kind": "namespaces"},
    )


def namespace_conditions(
    old: list[Any], remaining: Mapping[str, int], finalizers: Mapping[str, int], now: str
) -> list[dict[str, Any]]:
    """The namespace controller's five conditions for what remains in a terminating namespace.

    ``remaining``: objects left per ``<plural>.<group>``; ``finalizers``: objects left per
    finalizer. A condition keeps its ``lastTransitionTime`` while its status stays.
    """
    wrong: dict[str, tuple[str, str]] = {}
    if remaining:
        listed = ", ".join(
            sorted(f"{gr} has {n} resource instances" for gr, n in remaining.items())
        )
        wrong["NamespaceContentRemaining"] = (
            "SomeResourcesRemain",
            f"Some resources are remaining: {listed}",
        )
    held = sorted(f"{f} in {n} resource instances" for f, n in finalizers.items() if n)
    if held:
        wrong["NamespaceFinalizersRemaining"] = (
            "SomeFinalizersRemain",
            "Some content in the namespace has finalizers remaining: " + ", ".join(held),
        )
    before = {c.get("type"): c for c in old if isinstance(c, dict)}
    conditions = []
    for kind, ok_reason, ok_message in _NAMESPACE_CONDITIONS:
        status, (reason, message) = (
            ("True", wrong[kind]) if kind in wrong else ("False", (ok_reason, ok_message))
        )
        condition = {
            "type": kind,
            "status": status,
            "lastTransitionTime": now,
            "reason": reason,
            "message": message,
        }
        previous = before.get(kind)
        if previous is not None and previous.get("status") == status:
            condition["lastTransitionTime"] = previous.get("lastTransitionTime", now)
        conditions.append(condition)
    return conditions


# --- the controllers --------------------------------------------------------------------------

# A queued item: ("collect" | "orphan" | "foreground", (group, plural), key) or
# ("namespace", ("", "namespaces"), ("", name)).
_Item = tuple[str, tuple[str, str], tuple[str, str]]


class Controllers:
    """The garbage collector and the namespace controller of a :class:`Store`, run at once.

    The store calls :meth:`noticed` for each write it commits and :meth:`settle` before a
    request's write returns; the controllers write through the store again, which queues
    whatever their writes set off in turn, until nothing is left to do.
    """

    def __init__(self, store: Store) -> None:
        self._store = store
        self._queue: dict[_Item, None] = {}  # an ordered set: each item queued once
        self._settling = False

    # --- what to look at ----------------------------------------------------------------------

    def noticed(
        self, resource: ResourceType, kind: str, key: Key, obj: Obj, previous: Obj | None
    ) -> None:
        """Queue what a committed write sets off (``obj`` as written, ``previous`` before)."""
        which = (resource.group, resource.plural)
        meta = obj.get("metadata") or {}
        store = self._store
        if kind == "DELETED":
            for dependent in store.dependents(meta.get("uid", "")):
                self._want("collect", *dependent)
        # An owner waiting for its dependents looks again when one of them comes, changes
        # or goes (a dependent made while its owner waits is deleted too).
        refs = [*(meta.get("ownerReferences") or ())]
        if previous is not None:
            refs += (previous.get("metadata") or {}).get("ownerReferences") or ()
        for ref in refs:
            owner = store.locate(ref.get("uid", "")) if isinstance(ref, dict) else None
            if owner is not None and owner in store.foreground:
                self._want("foreground", *owner)
        if kind != "DELETED" and meta.get("deletionTimestamp"):
            finalizers = meta.get("finalizers") or ()
            if ORPHAN in finalizers:
                self._want("orphan", which, key)
            if FOREGROUND in finalizers:
                self._want("foreground", which, key)
            if which == ("", "namespaces"):
                self._want("namespace", which, key)
        if key[0] and key[0] in store.terminating:
            self._want("namespace", ("", "namespaces"), ("", key[0]))

    def _want(self, job: str, which: tuple[str, str], key: Key) -> None:
        self._queue[(job, which, key)] = None

    def settle(self) -> None:
        """Work the queue until it is empty (a no-op inside the controllers' own writes)."""
        if self._settling:
            return
        self._settling = True
        try:
            while self._queue:
                item = next(iter(self._queue))
                del self._queue[item]
                job, which, key = item
                if job == "namespace":
                    self._namespace(key[1])
                    continue
                try:
                    resource = self._store.resource_of(which)
                except KeyError:
                    continue  # a custom resource whose CRD went with its objects
                stored = self._store.objects(resource).get(key)
                if stored is None:
                    continue
                if job == "collect":
                    self._collect(resource, key, stored)
                elif job == "orphan":
                    self._orphan(resource, key, stored)
                else:
                    self._foreground(resource, key, stored)
        finally:
            self._settling = False

    # --- the garbage collector ----------------------------------------------------------------

    def _collect(self, resource: ResourceType, key: Key, stored: Obj) -> None:
        """A dependent whose owner went or waits for it: delete it, or let go of that owner."""
        store = self._store
        meta = stored["metadata"]
        if meta.get("deletionTimestamp"):
            return  # on its way already
        refs = [r for r in meta.get("ownerReferences") or () if isinstance(r, dict)]
        solid, gone, waiting = [], [], []
        for ref in refs:
            owner = store.locate(ref.get("uid", ""))
            if owner is None:
                gone.append(ref)
            elif owner in store.foreground:
                waiting.append(ref)
            else:
                solid.append(ref)
        if not gone and not waiting:
            return
        if solid:
            # Another owner still holds it: only the references that went or wait are dropped.
            new = store.copy(stored)
            new["metadata"]["ownerReferences"] = solid
            store.write(resource, key, new)
            return
        if waiting and store.dependents(meta["uid"]):
            policy = DeletePolicy("Foreground")
        else:
            finalizers = meta.get("finalizers") or []
            policy = DeletePolicy(
                "Orphan"
                if ORPHAN in finalizers
                else "Foreground"
                if FOREGROUND in finalizers
                else "Background"
            )
        store.delete_object(resource, key, policy)

    def _orphan(self, resource: ResourceType, key: Key, stored: Obj) -> None:
        """An owner deleted with ``orphan``: its dependents let go of it, then it goes."""
        store = self._store
        uid = stored["metadata"]["uid"]
        for which, dependent_key in store.dependents(uid):
            dependent_resource = store.resource_of(which)
            dependent = store.objects(dependent_resource).get(dependent_key)
            if dependent is None:
                continue
            new = store.copy(dependent)
            refs = [
                r
                for r in new["metadata"].get("ownerReferences") or ()
                if not (isinstance(r, dict) and r.get("uid") == uid)
            ]
            if refs:
                new["metadata"]["ownerReferences"] = refs
            else:
                new["metadata"].pop("ownerReferences", None)
            store.write(dependent_resource, dependent_key, new)
        store.drop_finalizer(resource, key, ORPHAN)

    def _foreground(self, resource: ResourceType, key: Key, stored: Obj) -> None:
        """An owner deleted in the foreground: its dependents go first, then it does.

        Every dependent is deleted; only those whose reference says ``blockOwnerDeletion``
        hold the owner back while they are still there (held by finalizers of their own).
        """
        store = self._store
        meta = stored["metadata"]
        if not meta.get("deletionTimestamp") or FOREGROUND not in (meta.get("finalizers") or ()):
            return
        uid = meta["uid"]
        for which, dependent_key in store.dependents(uid):
            dependent_resource = store.resource_of(which)
            dependent = store.objects(dependent_resource).get(dependent_key)
            if dependent is not None:
                self._collect(dependent_resource, dependent_key, dependent)
        stored = store.objects(resource).get(key) or stored
        for which, dependent_key in store.dependents(uid):
            dependent = store.objects(store.resource_of(which)).get(dependent_key)
            if dependent is not None and _blocks(dependent, uid):
                return
        if key in store.objects(resource):
            store.drop_finalizer(resource, key, FOREGROUND)

    # --- the namespace controller -------------------------------------------------------------

    def _namespace(self, name: str) -> None:
        """Empty a terminating namespace; say what remains, or finalize it and let it go."""
        store = self._store
        namespaces = store.resource_of(("", "namespaces"))
        stored = store.objects(namespaces).get(("", name))
        if stored is None or not stored["metadata"].get("deletionTimestamp"):
            return
        spec = _part(stored, "spec")
        if NAMESPACE_FINALIZER not in (spec.get("finalizers") or ()):
            return  # finalized: what is left is the object's own finalizers' business
        for resource, key, obj in store.contents(name):
            if not obj["metadata"].get("deletionTimestamp"):
                store.delete_object(resource, key, DeletePolicy("Background"))
        remaining: dict[str, int] = {}
        finalizers: dict[str, int] = {}
        for resource, _, obj in store.contents(name):
            named = f"{resource.plural}.{resource.group}"
            remaining[named] = remaining.get(named, 0) + 1
            for finalizer in obj["metadata"].get("finalizers") or ():
                finalizers[finalizer] = finalizers.get(finalizer, 0) + 1
        stored = store.objects(namespaces)[("", name)]
        status = _part(stored, "status")
        old = status.get("conditions") or []
        conditions = namespace_conditions(old, remaining, finalizers, store.now())
        if conditions != old:
            new = store.copy(stored)
            new.setdefault("status", {})["conditions"] = conditions
            store.write(namespaces, ("", name), new)
            stored = new
        if remaining:
            return
        new = store.copy(stored)
        left = [f for f in new["spec"].get("finalizers") or () if f != NAMESPACE_FINALIZER]
        if left:
            new["spec"]["finalizers"] = left
        else:
            new["spec"].pop("finalizers", None)
        store.write(namespaces, ("", name), new)
        if should_go(namespaces, new):
            store.remove(namespaces, ("", name))


def _part(obj: Obj, name: str) -> dict[str, Any]:
    found = obj.get(name)
    return found if isinstance(found, dict) else {}


def _blocks(dependent: Obj, owner_uid: str) -> bool:
    for ref in dependent["metadata"].get("ownerReferences") or ():
        if isinstance(ref, dict) and ref.get("uid") == owner_uid:
            return ref.get("blockOwnerDeletion") is True
    return False

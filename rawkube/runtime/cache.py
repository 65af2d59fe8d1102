"""The informer's cache: objects by ``namespace/name``, named indexes, and listers over them.

Guarantees
----------
* Thread-safe: every read and write holds one lock; reads return the cached objects
  themselves (treat them as read-only, as client-go asks of its cache), in key order.
* :meth:`Indexer.replace` swaps the whole content in one step: a reader sees the cache
  before a relist or after it, never half of it.
* Indexes follow every write: ``by_index("namespace", "web")`` is always what a scan of the
  cache would find. The ``namespace`` index is built in; users add their own
  (``{"node": lambda pod: [pod.spec.node_name]}``), before or after objects arrive. An index
  function that raises is logged and indexes nothing for that object: the cache itself still
  follows the server.
* Keys are client-go's: ``namespace/name``, or ``name`` for a cluster-scoped object.
"""

from __future__ import annotations

import builtins
import logging
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from rawkube.core._match import LabelSelector
from rawkube.core._selector import label_selector as check_label_selector

__all__ = [
    "NAMESPACE_INDEX",
    "DeletedFinalStateUnknown",
    "IndexFunc",
    "Indexer",
    "Lister",
    "meta_namespace_key",
    "namespace_index",
]

T = TypeVar("T")
logger = logging.getLogger("rawkube.runtime.cache")
IndexFunc = Callable[[Any], Iterable[str]]
NAMESPACE_INDEX = "namespace"


def _metadata(obj: Any) -> tuple[str, str, dict[str, str]]:
    """An object's namespace, name and labels, whether a model or the server's dict."""
    if isinstance(obj, Mapping):
        meta = obj.get("metadata") or {}
        return meta.get("namespace") or "", meta.get("name") or "", meta.get("labels") or {}
    meta = getattr(obj, "metadata", None)
    return (
        getattr(meta, "namespace", None) or "",
        getattr(meta, "name", None) or "",
        getattr(meta, "labels", None) or {},
    )


def resource_version(obj: Any) -> str | None:
    """An object's resourceVersion (None when it has none)."""
    if isinstance(obj, Mapping):
        found = (obj.get("metadata") or {}).get("resourceVersion")
        return found if isinstance(found, str) else None
    return getattr(getattr(obj, "metadata", None), "resource_version", None)


def meta_namespace_key(obj: Any) -> str:
    """``namespace/name``, or ``name`` for a cluster-scoped object (client-go's key)."""
    if isinstance(obj, DeletedFinalStateUnknown):
        return obj.key
    namespace, name, _ = _metadata(obj)
    return f"{namespace}/{name}" if namespace else name


def namespace_index(obj: Any) -> list[str]:
    """The built-in index function: an object's namespace (cluster-scoped: none)."""
    namespace, _, _ = _metadata(obj)
    return [namespace] if namespace else []


@dataclass(frozen=True)
class DeletedFinalStateUnknown:
    """What ``on_delete`` gets for an object that vanished while the watch was down.

    The informer noticed the deletion only when it listed again, so ``object`` is the last
    state it knew, which may be older than the object's final one.
    """

    key: str
    object: Any


class Indexer(Generic[T]):
    """A thread-safe cache of objects with named indexes; see the module docstring."""

    def __init__(self, indexers: Mapping[str, IndexFunc] | None = None) -> None:
        self._lock = threading.RLock()
        self._items: dict[str, T] = {}
        self._indexers: dict[str, IndexFunc] = {NAMESPACE_INDEX: namespace_index}
        self._indices: dict[str, dict[str, set[str]]] = {NAMESPACE_INDEX: {}}
        if indexers:
            self.add_indexers(indexers)

    # --- reading ------------------------------------------------------------------------------

    def get_by_key(self, key: str) -> T | None:
        """The object cached under ``key``, if any."""
        with self._lock:
            return self._items.get(key)

    def list(self) -> builtins.list[T]:
        """Every cached object, in key order."""
        with self._lock:
            return [self._items[key] for key in sorted(self._items)]

    def list_keys(self) -> builtins.list[str]:
        """Every key, in order."""
        with self._lock:
            return sorted(self._items)

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    def index_keys(self, index: str, value: str) -> builtins.list[str]:
        """The keys of the objects whose ``index`` function gives ``value``."""
        with self._lock:
            if index not in self._indices:
                raise KeyError(f"no index named {index!r}; add it with add_indexers()")
            return sorted(self._indices[index].get(value, ()))

    def by_index(self, index: str, value: str) -> builtins.list[T]:
        """The objects whose ``index`` function gives ``value``, in key order."""
        with self._lock:
            return [self._items[key] for key in self.index_keys(index, value)]

    def index_values(self, index: str) -> builtins.list[str]:
        """Every value an index holds."""
        with self._lock:
            return sorted(v for v, keys in self._indices[index].items() if keys)

    # --- writing (the informer's) -------------------------------------------------------------

    def add_indexers(self, indexers: Mapping[str, IndexFunc]) -> None:
        """Add named index functions; the objects already cached are indexed at once."""
        with self._lock:
            for name, function in indexers.items():
                if name in self._indexers:
                    raise ValueError(f"an index named {name!r} exists already")
                self._indexers[name] = function
                self._indices[name] = {}
                for key, obj in self._items.items():
                    self._index_one(name, key, obj)

    def upsert(self, obj: T) -> T | None:
        """Cache ``obj``; returns the object it replaced (None: it is new)."""
        key = meta_namespace_key(obj)
        with self._lock:
            old = self._items.get(key)
            if old is not None:
                self._unindex(key, old)
            self._items[key] = obj
            for name in self._indexers:
                self._index_one(name, key, obj)
            return old

    def delete(self, key: str) -> T | None:
        """Drop the object under ``key``; returns it (None: there was none)."""
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._unindex(key, old)
            return old

    def replace(self, objects: Iterable[T]) -> dict[str, T]:
        """Swap the whole content for ``objects`` in one step; returns the content before."""
        items = {meta_namespace_key(obj): obj for obj in objects}
        indices: dict[str, dict[str, set[str]]] = {}
        for name, function in self._indexers.items():
            index: dict[str, set[str]] = {}
            for key, obj in items.items():
                for value in _values(name, function, obj):
                    index.setdefault(value, set()).add(key)
            indices[name] = index
        with self._lock:
            if set(indices) != set(self._indexers):  # an index was added meanwhile: redo
                return self.replace(items.values())
            before, self._items, self._indices = self._items, items, indices
            return before

    def _index_one(self, name: str, key: str, obj: T) -> None:
        for value in _values(name, self._indexers[name], obj):
            self._indices[name].setdefault(value, set()).add(key)

    def _unindex(self, key: str, obj: T) -> None:
        for name, function in self._indexers.items():
            index = self._indices[name]
            for value in _values(name, function, obj):
                keys = index.get(value)
                if keys is not None:
                    keys.discard(key)
                    if not keys:
                        del index[value]


def _values(name: str, function: IndexFunc, obj: Any) -> list[str]:
    """What an index function gives for ``obj``; nothing when it raises (logged), so one bad
    object or index function cannot stop the cache from following the server."""
    try:
        return list(function(obj))
    except Exception:
        logger.exception("index %r failed on %s", name, meta_namespace_key(obj))
        return []


class Lister(Generic[T]):
    """Read-only views of an informer's cache: ``list`` by selector and namespace, ``get``."""

    def __init__(self, indexer: Indexer[T]) -> None:
        self._indexer = indexer

    def list(
        self,
        label_selector: str | Mapping[str, str] | None = None,
        *,
        namespace: str | None = None,
    ) -> builtins.list[T]:
        """The cached objects matching the label selector, in one namespace or all of them.

        Raises ``ValueError`` for a malformed selector.
        """
        text = check_label_selector(label_selector) or ""
        selector = LabelSelector.parse(text)
        found = (
            self._indexer.by_index(NAMESPACE_INDEX, namespace)
            if namespace is not None
            else self._indexer.list()
        )
        return [obj for obj in found if selector.matches(_metadata(obj)[2])]

    def get(self, namespace_or_name: str, name: str | None = None) -> T | None:
        """``get("web", "pod-0")`` for a namespaced object, ``get("node-1")`` for a cluster one."""
        key = namespace_or_name if name is None else f"{namespace_or_name}/{name}"
        return self._indexer.get_by_key(key)

"""Shared informer factories: one informer, one watch, per resource, namespace and selector.

``factory.core_v1.pods()`` (or ``factory.informer(client.core_v1.pods("web"))``,
``factory.for_resource(gvr)``) returns the informer for that resource and namespace, made on
first request and shared by every later one with the same options, as client-go's
SharedInformerFactory shares them. ``start()`` starts those not yet running; ``stop()``
stops them all.

A namespace the client would refuse raises (``ValueError``, naming it), whether the factory
or a call names it; the factory's namespace is not applied to a cluster-scoped resource, and
a namespace named in the call of one raises ``TypeError``.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from rawkube.core._calls import ALL
from rawkube.core._resource import GroupVersionResource, check_segment
from rawkube.runtime.cache import IndexFunc
from rawkube.runtime.informer import AsyncSharedInformer, SharedInformer

if TYPE_CHECKING:
    from rawkube.client._async_client import AsyncClient
    from rawkube.client._sync_client import Client

__all__ = ["AsyncSharedInformerFactory", "SharedInformerFactory"]

_Key = tuple[GroupVersionResource, "str | None", Any, Any, bool]
InformerT = TypeVar("InformerT", SharedInformer[Any], AsyncSharedInformer[Any])


class _GroupVersion:
    """``factory.core_v1``: the client's accessors, returning informers instead of APIs."""

    def __init__(self, accessors: Any, make: Callable[[Any], Any], namespace: Any) -> None:
        self._accessors = accessors
        self._make = make
        self._namespace = namespace

    def __getattr__(self, name: str) -> Callable[..., Any]:
        accessor = getattr(self._accessors, name)
        # Only the accessors of namespaced resources take one; an error from the accessor
        # (a bad namespace) must reach the caller, not turn into another namespace.
        namespaced = "namespace" in inspect.signature(accessor).parameters

        def informer(namespace: Any = None, **options: Any) -> Any:
            if namespaced:
                api = accessor(namespace if namespace is not None else self._namespace)
            elif namespace is not None:
                raise TypeError(f"{name} are cluster-scoped: no namespace, not {namespace!r}")
            else:
                api = accessor()
            return self._make(api, **options)

        return informer


class _FactoryBase(Generic[InformerT]):
    """The sharing both flavours do: informers by resource, namespace and options."""

    _make: Callable[..., InformerT]  # the informer class of the flavour

    def __init__(self, client: Any, *, namespace: str | None, resync_period: float) -> None:
        self._client = client
        self._namespace = _checked(namespace)
        self._resync_period = resync_period
        self._informers: dict[_Key, InformerT] = {}
        self._started: set[_Key] = set()

    def __getattr__(self, name: str) -> _GroupVersion:
        if name.startswith("_"):
            raise AttributeError(name)
        return _GroupVersion(getattr(self._client, name), self.informer, self._namespace)

    def informer(
        self,
        api: Any,
        *,
        label_selector: Any = None,
        field_selector: Any = None,
        metadata_only: bool = False,
        indexers: Mapping[str, IndexFunc] | None = None,
        resync_period: float | None = None,
    ) -> InformerT:
        """The shared informer of ``api``'s resource and namespace with these options.

        ``indexers`` are added to it (made now or before); the other options pick it.
        """
        gvr, namespace = api.address
        key = (gvr, namespace, _frozen(label_selector), _frozen(field_selector), metadata_only)
        found = self._informers.get(key)
        if found is None:
            found = type(self)._make(
                api,
                label_selector=label_selector,
                field_selector=field_selector,
                metadata_only=metadata_only,
                resync_period=self._resync_period if resync_period is None else resync_period,
            )
            self._informers[key] = found
        if indexers:
            found.indexer.add_indexers(indexers)
        return found

    def for_resource(
        self, gvr: GroupVersionResource, namespace: str | None = None, **options: Any
    ) -> InformerT:
        """The shared informer of any resource, as dicts (the dynamic client)."""
        resources = self._client.dynamic.resource(gvr)
        api = resources.namespace(namespace) if namespace is not None else resources
        return self.informer(api, **options)

    def _not_started(self) -> list[InformerT]:
        fresh = [key for key in self._informers if key not in self._started]
        self._started.update(fresh)
        return [self._informers[key] for key in fresh]


class SharedInformerFactory(_FactoryBase[SharedInformer[Any]]):
    """Informers for one :class:`~rawkube.Client`, shared by resource, namespace and options.

    ``namespace`` (default: all namespaces) and ``resync_period`` apply to the informers it
    makes unless a call names its own.
    """

    _make = SharedInformer

    def __init__(
        self, client: Client, *, namespace: str | None = None, resync_period: float = 0.0
    ) -> None:
        super().__init__(client, namespace=namespace, resync_period=resync_period)

    def start(self) -> None:
        """Start every informer made so far that is not running yet."""
        for informer in self._not_started():
            informer.start()

    def wait_for_cache_sync(self, timeout: float | None = None) -> bool:
        """Wait until every started informer has synced; whether all did within ``timeout``."""
        return all(self._informers[key].wait_for_cache_sync(timeout) for key in self._started)

    def stop(self) -> None:
        """Stop every started informer; returns when all have stopped."""
        for key in list(self._started):
            self._informers[key].stop()
        self._started.clear()


class AsyncSharedInformerFactory(_FactoryBase[AsyncSharedInformer[Any]]):
    """The asyncio twin of :class:`SharedInformerFactory`."""

    _make = AsyncSharedInformer

    def __init__(
        self, client: AsyncClient, *, namespace: str | None = None, resync_period: float = 0.0
    ) -> None:
        super().__init__(client, namespace=namespace, resync_period=resync_period)

    async def start(self) -> None:
        """As :meth:`SharedInformerFactory.start`."""
        for informer in self._not_started():
            await informer.start()

    async def wait_for_cache_sync(self, timeout: float | None = None) -> bool:
        """As :meth:`SharedInformerFactory.wait_for_cache_sync`."""
        for key in self._started:
            if not await self._informers[key].wait_for_cache_sync(timeout):
                return False
        return True

    async def stop(self) -> None:
        """As :meth:`SharedInformerFactory.stop`."""
        for key in list(self._started):
            await self._informers[key].stop()
        self._started.clear()


def _checked(namespace: Any) -> Any:
    """The factory's namespace, checked now: a bad one fails where it is given."""
    if namespace is None or namespace is ALL:
        return ALL
    return check_segment("namespace", namespace)


def _frozen(selector: Any) -> Any:
    if isinstance(selector, Mapping):
        return tuple(sorted(selector.items()))
    return selector

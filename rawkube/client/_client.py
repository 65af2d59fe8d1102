"""Client and AsyncClient: one connection pool each, and the verbs that start a request."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, AbstractContextManager
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar, overload

from rawkube._http import httpx
from rawkube.client._api import Api, AsyncApi, AsyncDynamic, AsyncDynamicApi, Dynamic, DynamicApi
from rawkube.client._clientset import AsyncClientset, Clientset
from rawkube.client._transport import (
    DEFAULT_KEEPALIVE_EXPIRY,
    DEFAULT_MAX_BODY_BYTES,
    DEFAULT_MAX_CONNECTIONS,
    DEFAULT_MAX_KEEPALIVE_CONNECTIONS,
    DEFAULT_MAX_RETRY_AFTER,
    AsyncTransport,
    Limits,
    SyncTransport,
)
from rawkube.client._watch_stream import DEFAULT_IDLE_TIMEOUT, AsyncWatch, Watch
from rawkube.config import Config, load_config
from rawkube.core._calls import AllNamespaces
from rawkube.core._exceptions import RawkubeError
from rawkube.core._request import RequestBuilder, Result, patch_content_type
from rawkube.core._resource import GroupVersion
from rawkube.core._watch_decoder import WatchDecoder

if TYPE_CHECKING:
    from rawkube.client._async_discovery import AsyncDiscovery
    from rawkube.client._manifests import Source
    from rawkube.client._sync_discovery import Discovery
    from rawkube.models import Resource

R = TypeVar("R", bound=RequestBuilder)
M = TypeVar("M")
T = TypeVar("T", bound="Resource")
S = TypeVar("S")
S_co = TypeVar("S_co", covariant=True)
G = TypeVar("G")


class Request(RequestBuilder):
    """A request on a :class:`Client`; ends in :meth:`do`, :meth:`do_raw`, :meth:`stream`, or
    :meth:`watch`.
    """

    def __init__(
        self, transport: SyncTransport, method: str, *, content_type: str | None = None
    ) -> None:
        super().__init__(method, content_type=content_type)
        self._transport = transport

    def do(self) -> Result:
        """Send and read the answer.

        Raises :class:`~rawkube.ApiError` (a subclass per status) for an error answer,
        :class:`~rawkube.TransportError` when no answer came.
        """
        return self._transport.send(self.build())

    def do_raw(self) -> bytes:
        """Send and return the body's bytes; raises as :meth:`do`."""
        return self.do().raw()

    def stream(self) -> AbstractContextManager[Iterator[bytes]]:
        """A context manager yielding the body in chunks as they arrive (no read timeout).

        ``.timeout()`` bounds the whole stream, not counting the time the caller spends on
        each chunk.

        Entering raises as :meth:`do` for an error answer; reading the chunks raises
        :class:`~rawkube.TransportError` if the connection breaks.
        """
        return self._transport.stream(self.build())

    @overload
    def watch(self, model: None = None) -> Watch[dict[str, Any]]: ...

    @overload
    def watch(self, model: type[M]) -> Watch[M]: ...

    def watch(self, model: type[Any] | None = None) -> Watch[Any]:
        """This request as a watch: its events, objects decoded into ``model`` (else dicts).

        Adds ``watch=1`` and, unless set, an :meth:`idle_timeout` of 90 s; the caller names
        any ``timeoutSeconds`` and ``allowWatchBookmarks`` it wants (see :meth:`Api.watch`,
        which sets them all). Raises as :class:`~rawkube.Watch` does while iterating.
        """
        self._as_watch(DEFAULT_IDLE_TIMEOUT)
        return Watch(self, _decoder(model))


class AsyncRequest(RequestBuilder):
    """A request being built on an :class:`AsyncClient`; its terminals are awaited."""

    def __init__(
        self, transport: AsyncTransport, method: str, *, content_type: str | None = None
    ) -> None:
        super().__init__(method, content_type=content_type)
        self._transport = transport

    async def do(self) -> Result:
        """Send and read the answer; raises as :meth:`Request.do`."""
        return await self._transport.send(self.build())

    async def do_raw(self) -> bytes:
        """Send and return the body's bytes; raises as :meth:`Request.do`."""
        return (await self.do()).raw()

    def stream(self) -> AbstractAsyncContextManager[AsyncIterator[bytes]]:
        """Async twin of :meth:`Request.stream`: the body in chunks, with the same errors."""
        return self._transport.stream(self.build())

    @overload
    def watch(self, model: None = None) -> AsyncWatch[dict[str, Any]]: ...

    @overload
    def watch(self, model: type[M]) -> AsyncWatch[M]: ...

    def watch(self, model: type[Any] | None = None) -> AsyncWatch[Any]:
        """As :meth:`Request.watch`: an :class:`~rawkube.AsyncWatch`."""
        self._as_watch(DEFAULT_IDLE_TIMEOUT)
        return AsyncWatch(self, _decoder(model))


def _decoder(model: type[Any] | None) -> WatchDecoder[Any]:
    return WatchDecoder() if model is None else WatchDecoder.of(model)


class _VerbStarters(Generic[R]):
    """``get()``, ``post()``, ... each starting a request builder; shared by every client shape."""

    _group_version: str | None = None

    def _start(self, method: str, content_type: str | None = None) -> R:
        raise NotImplementedError

    def _begin(self, method: str, content_type: str | None = None) -> R:
        request = self._start(method, content_type)
        if self._group_version is not None:
            request.group_version(self._group_version)
        return request

    def get(self) -> R:
        """Start a GET request."""
        return self._begin("GET")

    def post(self) -> R:
        """Start a POST request (create)."""
        return self._begin("POST")

    def put(self) -> R:
        """Start a PUT request (replace)."""
        return self._begin("PUT")

    def patch(self, patch_type: str) -> R:
        """Start a PATCH: ``"merge"``, ``"json"``, ``"strategic"`` or ``"apply"`` (server-side)."""
        return self._begin("PATCH", patch_content_type(patch_type))

    def delete(self) -> R:
        """Start a DELETE request."""
        return self._begin("DELETE")

    def verb(self, method: str) -> R:
        """Start a request with any HTTP method."""
        return self._begin(method)


class _HoldsClientset(Protocol[S_co]):
    @property
    def _clientset(self) -> S_co: ...


class _GroupVersion(Generic[S, G]):
    """A client attribute (``client.core_v1``) that asks the client's clientset for its accessor.

    Made from the clientset's method, so mypy reads the attribute's type off the generated code
    and refuses it on a client holding another kind of clientset.
    """

    __slots__ = ("_make",)

    def __init__(self, make: Callable[[S], G]) -> None:
        self._make = make

    @overload
    def __get__(self, client: None, owner: type[Any]) -> _GroupVersion[S, G]: ...

    @overload
    def __get__(self, client: _HoldsClientset[S], owner: type[Any]) -> G: ...

    def __get__(
        self, client: _HoldsClientset[S] | None, owner: type[Any]
    ) -> G | _GroupVersion[S, G]:
        return self if client is None else self._make(client._clientset)


class RESTClient(_VerbStarters[Request]):
    """Request builders bound to one group-version, as client-go's ``RESTClient()``."""

    def __init__(self, transport: SyncTransport, group_version: str) -> None:
        GroupVersion.parse(group_version)  # refuse a bad one here, not at the first request
        self._transport = transport
        self._group_version = group_version

    def _start(self, method: str, content_type: str | None = None) -> Request:
        return Request(self._transport, method, content_type=content_type)


class AsyncRESTClient(_VerbStarters[AsyncRequest]):
    """Async request builders bound to one group-version."""

    def __init__(self, transport: AsyncTransport, group_version: str) -> None:
        GroupVersion.parse(group_version)  # refuse a bad one here, not at the first request
        self._transport = transport
        self._group_version = group_version

    def _start(self, method: str, content_type: str | None = None) -> AsyncRequest:
        return AsyncRequest(self._transport, method, content_type=content_type)


class Client(_VerbStarters[Request]):
    """A blocking Kubernetes client over one pool of HTTP connections.

    ``config=None`` loads the configuration as kubectl does (:func:`rawkube.load_config`);
    ``transport`` replaces the network (an httpx transport: respx, the fake cluster), and with
    it the pool settings.

    Limits (None lifts one, but ``max_retry_after``):

    - ``max_connections`` (256): connections open at once; more requests wait for a free one
      (up to the connect timeout; a stream waits as long as it takes).
    - ``max_keepalive_connections`` (256) and ``keepalive_expiry`` (5 s): idle connections
      kept for reuse, and for how long.
    - ``max_body_bytes`` (256 MiB): the largest response body once decompressed; a larger one
      raises :class:`~rawkube.DecodeError`. A stream's chunks are bounded, not its length.
    - ``max_retry_after`` (60 s): the longest ``Retry-After`` waited for before a retry; the
      answer asking for longer is raised at once (its ``retry_after`` says how long).

    Raises :class:`~rawkube.ConfigError` when no usable configuration is found, ``TypeError``
    or ``ValueError`` for a limit that is not one.
    """

    # The typed group-versions, one line each: the generated clientset, made for the client
    # when one is read (composition; see scripts/gen_clientset.py), makes them; these name them.
    admissionregistration_v1 = _GroupVersion(Clientset.admissionregistration_v1)
    apiextensions_v1 = _GroupVersion(Clientset.apiextensions_v1)
    apiregistration_v1 = _GroupVersion(Clientset.apiregistration_v1)
    apps_v1 = _GroupVersion(Clientset.apps_v1)
    authentication_v1 = _GroupVersion(Clientset.authentication_v1)
    authorization_v1 = _GroupVersion(Clientset.authorization_v1)
    autoscaling_v1 = _GroupVersion(Clientset.autoscaling_v1)
    autoscaling_v2 = _GroupVersion(Clientset.autoscaling_v2)
    batch_v1 = _GroupVersion(Clientset.batch_v1)
    certificates_v1 = _GroupVersion(Clientset.certificates_v1)
    coordination_v1 = _GroupVersion(Clientset.coordination_v1)
    core_v1 = _GroupVersion(Clientset.core_v1)
    discovery_v1 = _GroupVersion(Clientset.discovery_v1)
    events_v1 = _GroupVersion(Clientset.events_v1)
    flowcontrol_v1 = _GroupVersion(Clientset.flowcontrol_v1)
    networking_v1 = _GroupVersion(Clientset.networking_v1)
    node_v1 = _GroupVersion(Clientset.node_v1)
    policy_v1 = _GroupVersion(Clientset.policy_v1)
    rbac_v1 = _GroupVersion(Clientset.rbac_v1)
    resource_v1 = _GroupVersion(Clientset.resource_v1)
    scheduling_v1 = _GroupVersion(Clientset.scheduling_v1)
    storage_v1 = _GroupVersion(Clientset.storage_v1)

    def __init__(
        self,
        config: Config | None = None,
        *,
        transport: httpx.BaseTransport | None = None,
        http2: bool = False,
        max_connections: int | None = DEFAULT_MAX_CONNECTIONS,
        max_keepalive_connections: int | None = DEFAULT_MAX_KEEPALIVE_CONNECTIONS,
        keepalive_expiry: float | None = DEFAULT_KEEPALIVE_EXPIRY,
        max_body_bytes: int | None = DEFAULT_MAX_BODY_BYTES,
        max_retry_after: float = DEFAULT_MAX_RETRY_AFTER,
    ) -> None:
        limits = Limits(
            max_connections,
            max_keepalive_connections,
            keepalive_expiry,
            max_body_bytes,
            max_retry_after,
        )
        self.config = config if config is not None else load_config()
        self._transport = SyncTransport(
            self.config, transport=transport, http2=http2, limits=limits
        )
        self._discovery: Discovery | None = None

    @property
    def _clientset(self) -> Clientset:
        # Made on each read, as the accessors it makes are: a clientset held here would hold
        # the client back, a cycle that only the garbage collector could free.
        return Clientset(self)

    @classmethod
    def from_kubeconfig(
        cls, path: str | Path | None = None, *, context: str | None = None
    ) -> Client:
        """A client for a kubeconfig file (or the usual search when ``path`` is None)."""
        return cls(load_config(path, context=context))

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.config!r}>"

    def _start(self, method: str, content_type: str | None = None) -> Request:
        return Request(self._transport, method, content_type=content_type)

    def api(self, model: type[T], namespace: str | AllNamespaces | None = None) -> Api[T]:
        """Every verb of ``model``'s resource (``client.api(Pod, namespace="web")``).

        A namespaced resource without ``namespace`` uses the config's namespace; ``rawkube.ALL``
        lists across namespaces. Raises ``TypeError`` for a model that is not a resource and
        ``ValueError`` for a namespace given to a cluster-scoped one.
        """
        return Api(self, model, namespace)

    @property
    def discovery(self) -> Discovery:
        """What the server serves (groups, resources, kubectl-style names), cached.

        One per client, with the default TTL and disk cache; make a
        ``rawkube.Discovery(client, ttl=..., disk_cache=False)`` for other settings.
        """
        if self._discovery is None:
            from rawkube.client._sync_discovery import Discovery

            self._discovery = Discovery(self)
        return self._discovery

    @property
    def dynamic(self) -> Dynamic:
        """Any resource by GroupVersionResource, dicts in and out: ``.resource(gvr)``."""
        return Dynamic(self)

    def apply_manifests(
        self,
        manifests: Source,
        *,
        field_manager: str,
        force: bool = False,
        namespace: str | None = None,
    ) -> list[Any]:
        """Server-side apply every object of YAML text (a file, a path) or of objects, in order.

        Each object goes to its resource: a typed one by its model, a dict through discovery's
        RESTMapper (a CRD's objects too); a namespaced one into its own namespace, else
        ``namespace``, else the config's. Returns the applied objects (models, or dicts where
        rawkube has no model). Stops at the first error, raised as it came (an
        :class:`~rawkube.ApiError` subclass, :class:`~rawkube.ResourceNotFoundError`,
        :class:`~rawkube.DecodeError`, ``ValueError``) with a message that starts with the
        document's index, kind and name.
        """
        from rawkube.client._manifests import located, manifests_of, namespace_for  # on first use

        applied = []
        for manifest in manifests_of(manifests):
            try:
                if manifest.model is not None:
                    info = manifest.model.__resource__
                else:
                    info = self.discovery.resource_for(manifest.gvk)
                where = namespace_for(manifest, info, namespace, self.config.namespace)
                api: Api[Any] | DynamicApi = (
                    Api(self, manifest.model, where)
                    if manifest.model is not None
                    else DynamicApi(self, info.gvr, where)
                )
                applied.append(api.apply(manifest.obj, field_manager=field_manager, force=force))
            except (RawkubeError, ValueError) as exc:
                raise located(exc, manifest) from exc
        return applied

    def rest(self, group_version: str) -> RESTClient:
        """Request builders bound to ``group_version`` (``client.rest("apps/v1").get()...``).

        Raises ``ValueError`` when ``group_version`` is not ``v1`` or ``<group>/<version>``.
        """
        return RESTClient(self._transport, group_version)

    def close(self) -> None:
        """Close the connection pool."""
        self._transport.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class AsyncClient(_VerbStarters[AsyncRequest]):
    """The asyncio twin of :class:`Client`: the same names and limits, awaited."""

    # The typed group-versions, one line each: the generated clientset, made for the client
    # when one is read (composition; see scripts/gen_clientset.py), makes them; these name them.
    admissionregistration_v1 = _GroupVersion(AsyncClientset.admissionregistration_v1)
    apiextensions_v1 = _GroupVersion(AsyncClientset.apiextensions_v1)
    apiregistration_v1 = _GroupVersion(AsyncClientset.apiregistration_v1)
    apps_v1 = _GroupVersion(AsyncClientset.apps_v1)
    authentication_v1 = _GroupVersion(AsyncClientset.authentication_v1)
    authorization_v1 = _GroupVersion(AsyncClientset.authorization_v1)
    autoscaling_v1 = _GroupVersion(AsyncClientset.autoscaling_v1)
    autoscaling_v2 = _GroupVersion(AsyncClientset.autoscaling_v2)
    batch_v1 = _GroupVersion(AsyncClientset.batch_v1)
    certificates_v1 = _GroupVersion(AsyncClientset.certificates_v1)
    coordination_v1 = _GroupVersion(AsyncClientset.coordination_v1)
    core_v1 = _GroupVersion(AsyncClientset.core_v1)
    discovery_v1 = _GroupVersion(AsyncClientset.discovery_v1)
    events_v1 = _GroupVersion(AsyncClientset.events_v1)
    flowcontrol_v1 = _GroupVersion(AsyncClientset.flowcontrol_v1)
    networking_v1 = _GroupVersion(AsyncClientset.networking_v1)
    node_v1 = _GroupVersion(AsyncClientset.node_v1)
    policy_v1 = _GroupVersion(AsyncClientset.policy_v1)
    rbac_v1 = _GroupVersion(AsyncClientset.rbac_v1)
    resource_v1 = _GroupVersion(AsyncClientset.resource_v1)
    scheduling_v1 = _GroupVersion(AsyncClientset.scheduling_v1)
    storage_v1 = _GroupVersion(AsyncClientset.storage_v1)

    def __init__(
        self,
        config: Config | None = None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        http2: bool = False,
        max_connections: int | None = DEFAULT_MAX_CONNECTIONS,
        max_keepalive_connections: int | None = DEFAULT_MAX_KEEPALIVE_CONNECTIONS,
        keepalive_expiry: float | None = DEFAULT_KEEPALIVE_EXPIRY,
        max_body_bytes: int | None = DEFAULT_MAX_BODY_BYTES,
        max_retry_after: float = DEFAULT_MAX_RETRY_AFTER,
    ) -> None:
        limits = Limits(
            max_connections,
            max_keepalive_connections,
            keepalive_expiry,
            max_body_bytes,
            max_retry_after,
        )
        self.config = config if config is not None else load_config()
        self._transport = AsyncTransport(
            self.config, transport=transport, http2=http2, limits=limits
        )
        self._discovery: AsyncDiscovery | None = None

    @property
    def _clientset(self) -> AsyncClientset:
        # Made on each read, as the accessors it makes are: a clientset held here would hold
        # the client back, a cycle that only the garbage collector could free.
        return AsyncClientset(self)

    @classmethod
    def from_kubeconfig(
        cls, path: str | Path | None = None, *, context: str | None = None
    ) -> AsyncClient:
        """A client for a kubeconfig file (or the usual search when ``path`` is None)."""
        return cls(load_config(path, context=context))

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.config!r}>"

    def _start(self, method: str, content_type: str | None = None) -> AsyncRequest:
        return AsyncRequest(self._transport, method, content_type=content_type)

    def api(self, model: type[T], namespace: str | AllNamespaces | None = None) -> AsyncApi[T]:
        """Every verb of ``model``'s resource, awaited; as :meth:`Client.api`."""
        return AsyncApi(self, model, namespace)

    @property
    def discovery(self) -> AsyncDiscovery:
        """What the server serves, awaited; as :attr:`Client.discovery`."""
        if self._discovery is None:
            from rawkube.client._async_discovery import AsyncDiscovery

            self._discovery = AsyncDiscovery(self)
        return self._discovery

    @property
    def dynamic(self) -> AsyncDynamic:
        """The dynamic client, awaited; as :attr:`Client.dynamic`."""
        return AsyncDynamic(self)

    async def apply_manifests(
        self,
        manifests: Source,
        *,
        field_manager: str,
        force: bool = False,
        namespace: str | None = None,
    ) -> list[Any]:
        """As :meth:`Client.apply_manifests`, awaited."""
        from rawkube.client._manifests import located, manifests_of, namespace_for  # on first use

        applied = []
        for manifest in manifests_of(manifests):
            try:
                if manifest.model is not None:
                    info = manifest.model.__resource__
                else:
                    info = await self.discovery.resource_for(manifest.gvk)
                where = namespace_for(manifest, info, namespace, self.config.namespace)
                api: AsyncApi[Any] | AsyncDynamicApi = (
                    AsyncApi(self, manifest.model, where)
                    if manifest.model is not None
                    else AsyncDynamicApi(self, info.gvr, where)
                )
                obj = manifest.obj
                applied.append(await api.apply(obj, field_manager=field_manager, force=force))
            except (RawkubeError, ValueError) as exc:
                raise located(exc, manifest) from exc
        return applied

    def rest(self, group_version: str) -> AsyncRESTClient:
        """Request builders bound to ``group_version``; raises as :meth:`Client.rest`."""
        return AsyncRESTClient(self._transport, group_version)

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._transport.aclose()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

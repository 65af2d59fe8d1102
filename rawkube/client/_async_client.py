"""AsyncClient: one connection pool, the verbs that start a request, and what they build.

The blocking ``Client`` in ``_sync_client.py`` is generated from this file by
``scripts/unasync.py``: a change to either client is made here, once.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar, overload

from rawkube._http import httpx
from rawkube.client._api import AsyncApi, AsyncDynamic, AsyncDynamicApi
from rawkube.client._client import GroupVersionAttribute, VerbStarters, watch_decoder
from rawkube.client._clientset import AsyncClientset
from rawkube.client._transport import (
    DEFAULT_KEEPALIVE_EXPIRY,
    DEFAULT_MAX_BODY_BYTES,
    DEFAULT_MAX_CONNECTIONS,
    DEFAULT_MAX_KEEPALIVE_CONNECTIONS,
    DEFAULT_MAX_RETRY_AFTER,
    AsyncTransport,
    Limits,
)
from rawkube.client._watch_stream import DEFAULT_IDLE_TIMEOUT, AsyncWatch
from rawkube.config import Config, load_config
from rawkube.core._calls import AllNamespaces
from rawkube.core._exceptions import RawkubeError
from rawkube.core._request import RequestBuilder, Result
from rawkube.core._resource import GroupVersion

if TYPE_CHECKING:
    from rawkube.client._async_discovery import AsyncDiscovery
    from rawkube.client._manifests import Source
    from rawkube.models import Resource

__all__ = ["AsyncClient", "AsyncRESTClient", "AsyncRequest"]

M = TypeVar("M")
T = TypeVar("T", bound="Resource")


class AsyncRequest(RequestBuilder):
    """A request on a client (:class:`AsyncClient`).

    It ends in :meth:`do`, :meth:`do_raw`, :meth:`stream`, or :meth:`watch`.
    """

    def __init__(
        self, transport: AsyncTransport, method: str, *, content_type: str | None = None
    ) -> None:
        super().__init__(method, content_type=content_type)
        self._transport = transport

    async def do(self) -> Result:
        """Send and read the answer.

        Raises :class:`~rawkube.ApiError` (a subclass per status) for an error answer,
        :class:`~rawkube.TransportError` when no answer came.
        """
        return await self._transport.send(self.build())

    async def do_raw(self) -> bytes:
        """Send and return the body's bytes; raises as :meth:`do`."""
        return (await self.do()).raw()

    def stream(self) -> AbstractAsyncContextManager[AsyncIterator[bytes]]:
        """A context manager yielding the body in chunks as they arrive (no read timeout).

        ``.timeout()`` bounds the whole stream, not counting the time the caller spends on
        each chunk.

        Entering raises as :meth:`do` for an error answer; reading the chunks raises
        :class:`~rawkube.TransportError` if the connection breaks.
        """
        return self._transport.stream(self.build())

    @overload
    def watch(self, model: None = None) -> AsyncWatch[dict[str, Any]]: ...

    @overload
    def watch(self, model: type[M]) -> AsyncWatch[M]: ...

    def watch(self, model: type[Any] | None = None) -> AsyncWatch[Any]:
        """This request as a watch: its events, objects decoded into ``model`` (else dicts).

        Adds ``watch=1`` and, unless set, an :meth:`idle_timeout` of 90 s; the caller names
        any ``timeoutSeconds`` and ``allowWatchBookmarks`` it wants (see :meth:`Api.watch`,
        which sets them all). Raises as :class:`~rawkube.AsyncWatch` does while iterating.
        """
        self._as_watch(DEFAULT_IDLE_TIMEOUT)
        return AsyncWatch(self, watch_decoder(model))


class AsyncRESTClient(VerbStarters[AsyncRequest]):
    """Request builders bound to one group-version, as client-go's ``RESTClient()``."""

    def __init__(self, transport: AsyncTransport, group_version: str) -> None:
        GroupVersion.parse(group_version)  # refuse a bad one here, not at the first request
        self._transport = transport
        self._group_version = group_version

    def _start(self, method: str, content_type: str | None = None) -> AsyncRequest:
        return AsyncRequest(self._transport, method, content_type=content_type)


class AsyncClient(VerbStarters[AsyncRequest]):
    """A Kubernetes client over one pool of HTTP connections.

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
    admissionregistration_v1 = GroupVersionAttribute(AsyncClientset.admissionregistration_v1)
    apiextensions_v1 = GroupVersionAttribute(AsyncClientset.apiextensions_v1)
    apiregistration_v1 = GroupVersionAttribute(AsyncClientset.apiregistration_v1)
    apps_v1 = GroupVersionAttribute(AsyncClientset.apps_v1)
    authentication_v1 = GroupVersionAttribute(AsyncClientset.authentication_v1)
    authorization_v1 = GroupVersionAttribute(AsyncClientset.authorization_v1)
    autoscaling_v1 = GroupVersionAttribute(AsyncClientset.autoscaling_v1)
    autoscaling_v2 = GroupVersionAttribute(AsyncClientset.autoscaling_v2)
    batch_v1 = GroupVersionAttribute(AsyncClientset.batch_v1)
    certificates_v1 = GroupVersionAttribute(AsyncClientset.certificates_v1)
    coordination_v1 = GroupVersionAttribute(AsyncClientset.coordination_v1)
    core_v1 = GroupVersionAttribute(AsyncClientset.core_v1)
    discovery_v1 = GroupVersionAttribute(AsyncClientset.discovery_v1)
    events_v1 = GroupVersionAttribute(AsyncClientset.events_v1)
    flowcontrol_v1 = GroupVersionAttribute(AsyncClientset.flowcontrol_v1)
    networking_v1 = GroupVersionAttribute(AsyncClientset.networking_v1)
    node_v1 = GroupVersionAttribute(AsyncClientset.node_v1)
    policy_v1 = GroupVersionAttribute(AsyncClientset.policy_v1)
    rbac_v1 = GroupVersionAttribute(AsyncClientset.rbac_v1)
    resource_v1 = GroupVersionAttribute(AsyncClientset.resource_v1)
    scheduling_v1 = GroupVersionAttribute(AsyncClientset.scheduling_v1)
    storage_v1 = GroupVersionAttribute(AsyncClientset.storage_v1)

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
        """Every verb of ``model``'s resource (``client.api(Pod, namespace="web")``).

        A namespaced resource without ``namespace`` uses the config's namespace; ``rawkube.ALL``
        lists across namespaces. Raises ``TypeError`` for a model that is not a resource and
        ``ValueError`` for a namespace given to a cluster-scoped one.
        """
        return AsyncApi(self, model, namespace)

    @property
    def discovery(self) -> AsyncDiscovery:
        """What the server serves (groups, resources, kubectl-style names), cached.

        One per client, with the default TTL and disk cache; make a
        ``rawkube.AsyncDiscovery(client, ttl=..., disk_cache=False)`` for other settings.
        """
        if self._discovery is None:
            from rawkube.client._async_discovery import AsyncDiscovery

            self._discovery = AsyncDiscovery(self)
        return self._discovery

    @property
    def dynamic(self) -> AsyncDynamic:
        """Any resource by GroupVersionResource, dicts in and out: ``.resource(gvr)``."""
        return AsyncDynamic(self)

    async def apply_manifests(
        self,
        manifests: Source,
        *,
        field_manager: str,
        force: bool = False,
        namespace: str | None = None,
        dry_run: bool = False,
    ) -> list[Any]:
        """Server-side apply every object of YAML text (a file, a path) or of objects, in order.

        Each object goes to its resource: a typed one by its model, a dict through discovery's
        RESTMapper (a CRD's objects too); a namespaced one into its own namespace, else
        ``namespace``, else the config's. Returns the applied objects (models, or dicts where
        rawkube has no model). Stops at the first error, raised as it came (an
        :class:`~rawkube.ApiError` subclass, :class:`~rawkube.ResourceNotFoundError`,
        :class:`~rawkube.DecodeError`, ``ValueError``) with a message that starts with the
        document's index, kind and name. ``dry_run=True`` sends each with ``dryRun=All``: the
        server checks and answers with what it would keep, and keeps nothing.
        """
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
                applied.append(
                    await api.apply(obj, field_manager=field_manager, force=force, dry_run=dry_run)
                )
            except (RawkubeError, ValueError) as exc:
                raise located(exc, manifest) from exc
        return applied

    def rest(self, group_version: str) -> AsyncRESTClient:
        """Request builders bound to ``group_version`` (``client.rest("apps/v1").get()...``).

        Raises ``ValueError`` when ``group_version`` is not ``v1`` or ``<group>/<version>``.
        """
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

"""What an API server serves, asked by an :class:`~rawkube.AsyncClient`: discovery's driver.

Written by hand; ``rawkube/client/_sync_discovery.py``, the blocking twin, is generated from this
file by ``scripts/unasync.py``. Both only carry out the fetches that ``_DiscoveryCore``
(``rawkube/client/_discovery.py``) plans, and the module docstring there says how discovery
works.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from rawkube.client._discovery import DEFAULT_TTL, Flow, _DiscoveryCore
from rawkube.core._api_errors import ApiError

if TYPE_CHECKING:
    from pathlib import Path

    from rawkube.client._async_client import AsyncClient
    from rawkube.core._discovery_data import GroupInfo
    from rawkube.core._resource import GroupVersionKind, GroupVersionResource, ResourceInfo
    from rawkube.core._restmapper import RESTMapper
    from rawkube.models.version import Info

_T = TypeVar("_T")


class AsyncDiscovery:
    """What the server serves, for a client (:class:`~rawkube.AsyncClient`), as the docstring of
    ``rawkube.client._discovery`` tells.

    ``ttl`` is how long fetched data is used (seconds, default 600, on ``client.config.clock``;
    0 asks the server every time); ``disk_cache=False`` keeps it in memory only; ``cache_dir``
    replaces the cache root (default ``$XDG_CACHE_HOME/rawkube/discovery``). There is no lock:
    threads sharing one may at worst fetch at the same time. Raises ``TypeError`` or
    ``ValueError`` for a bad ``ttl``. Every method that reads discovery raises the request's
    :class:`~rawkube.ApiError` or :class:`~rawkube.TransportError` when ``/api`` or ``/apis``
    cannot be read, and :class:`~rawkube.DecodeError` when an answer is not discovery.
    """

    def __init__(
        self,
        client: AsyncClient,
        *,
        ttl: float = DEFAULT_TTL,
        disk_cache: bool = True,
        cache_dir: str | Path | None = None,
    ) -> None:
        self._client = client
        self._core = _DiscoveryCore(
            client.config.server,
            client.config.clock,
            ttl=ttl,
            disk_cache=disk_cache,
            cache_dir=cache_dir,
        )

    async def _run(self, flow: Flow[_T]) -> _T:
        try:
            step = next(flow)
            while True:
                request = self._client.get().abs_path(step.path).header("Accept", step.accept)
                try:
                    result = await request.do()
                except ApiError as exc:
                    step = flow.throw(exc)
                else:
                    step = flow.send(result)
        except StopIteration as stop:
            value: _T = stop.value
            return value

    async def server_version(self) -> Info:
        """The server's version (``GET /version``); never cached."""
        return await self._run(self._core.version_flow())

    async def server_groups(self) -> list[GroupInfo]:
        """The API groups in the server's order (core first), each with its versions."""
        return await self._run(self._core.groups_flow())

    async def server_resources(self) -> dict[str, tuple[ResourceInfo, ...]]:
        """Group-version (``v1``, ``apps/v1``) -> its resources; subresources are folded in."""
        return await self._run(self._core.resources_flow())

    async def server_preferred_resources(self) -> dict[str, tuple[ResourceInfo, ...]]:
        """Each resource once, from its group's preferred version (as kubectl lists them)."""
        return await self._run(self._core.preferred_flow())

    async def rest_mapper(self) -> RESTMapper:
        """A :class:`~rawkube.core._restmapper.RESTMapper` over the current data (no refresh)."""
        return await self._run(self._core.plain_mapper_flow())

    async def resolve(self, text: str) -> ResourceInfo:
        """:meth:`RESTMapper.resolve` with one refresh on a miss.

        Raises :class:`~rawkube.core._restmapper.ResourceNotFoundError` when the name is still
        unknown after the refresh, :class:`~rawkube.core._restmapper.AmbiguousResourceError` as the
        mapper does, and the errors of reading discovery.
        """
        return await self._run(self._core.lookup_flow(lambda mapper: mapper.resolve(text)))

    async def resource_for(self, kind: GroupVersionKind) -> ResourceInfo:
        """:meth:`RESTMapper.resource_for` with one refresh on a miss; raises as :meth:`resolve`."""
        return await self._run(self._core.lookup_flow(lambda mapper: mapper.resource_for(kind)))

    async def kind_for(self, resource: GroupVersionResource) -> GroupVersionKind:
        """:meth:`RESTMapper.kind_for` with one refresh on a miss; raises as :meth:`resolve`."""
        return await self._run(self._core.lookup_flow(lambda mapper: mapper.kind_for(resource)))

    def invalidate(self) -> None:
        """Forget the cached data (memory and file); the next read asks the server."""
        self._core.invalidate()

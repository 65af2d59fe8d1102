"""Discovery: the groups, versions and resources an API server serves, parsed, cached and fetched.

Theory of operation
-------------------
*Two shapes.* Asked with :data:`AGGREGATED_ACCEPT` (client-go's Accept list), a server that
has aggregated discovery (beta in 1.26, GA in 1.30) answers ``/api`` and ``/apis`` with an
``APIGroupDiscoveryList`` (``apidiscovery.k8s.io`` ``v2``, or ``v2beta1`` of the same shape) that
holds every group, version and resource: two requests in all. An older server, or a proxy that
drops the media-type parameters, answers with plain JSON: the legacy ``APIVersions`` (``/api``)
and ``APIGroupList`` (``/apis``), which name the group-versions only, so each one's
``APIResourceList`` (``/api/v1``, ``/apis/<group>/<version>``) is then read in turn. The
answer's Content-Type, not the body, says which shape came back (:func:`discovery_format`),
separately for ``/api`` and ``/apis``. Both shapes parse into one :class:`DiscoveryData`: the
groups in the server's order (core first, then by group priority) with their versions (the
preferred one first), and per group-version a tuple of :class:`~rawkube.core._resource.ResourceInfo`
in which subresources (``pods/status``) are folded into their parent's ``subresources``.

*One set of decisions, two drivers.* What to fetch, how to parse it and when the cache serves
is decided in :class:`_DiscoveryCore` by generator "flows": a flow yields a :class:`_Fetch`
(a path and an Accept header) and is sent the :class:`~rawkube.Result`, or has the request's
:class:`~rawkube.ApiError` thrown into it. :class:`Discovery` runs flows with a blocking
:class:`~rawkube.Client`, :class:`AsyncDiscovery` with an :class:`~rawkube.AsyncClient`; each
public method of theirs is one line.

*Cache.* Fetched data is kept in memory for ``ttl`` seconds (10 minutes by default, on the
client's injected clock) and written to ``<cache_dir>/<host>_<port>/discovery.json`` (the cache
dir defaults to ``$XDG_CACHE_HOME/rawkube/discovery``, else ``~/.cache/rawkube/discovery``),
stamped with the wall time of the fetch, so a new process reuses it while it is younger than
``ttl``. The file is written atomically (a temporary file in the same directory, then a rename)
with mode 0600 in a 0700 directory, and holds no credential: its name comes from the server's
host and port (and path prefix, if any). A file that cannot be read or does not parse is
ignored and the data refetched; a failure to write is logged and ignored. Data with a
group-version that could not be read (a stale aggregated API, a 503 from an APIService) is
kept in memory only, so the next process asks again. :meth:`Discovery.invalidate` drops the
memory copy and makes the next read skip (and remove) the file.

*Misses.* ``resolve``/``resource_for``/``kind_for`` ask a
:class:`~rawkube.core._restmapper.RESTMapper` built from the data; on a miss they refetch once,
unless the data was fetched by this very call, and ask again (a CRD installed a moment ago then
resolves).
"""

from __future__ import annotations

import contextlib
import logging
import math
from collections.abc import Callable, Generator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from rawkube.client._discovery_cache import (
    CACHE_FILE_NAME,
    default_cache_dir,
    read_cache,
    server_cache_key,
    write_cache,
)
from rawkube.core._api_errors import ApiError
from rawkube.core._discovery_data import (
    DiscoveryData,
    GroupInfo,
    content_type,
    discovery_format,
    parse_aggregated,
    parse_api_group_list,
    parse_api_resource_list,
    parse_api_versions,
    preferred_resources,
)
from rawkube.core._request import Result
from rawkube.core._resource import (
    GroupVersion,
    ResourceInfo,
)
from rawkube.core._restmapper import ResourceNotFoundError, RESTMapper

if TYPE_CHECKING:
    from rawkube.core._clock import Clock
    from rawkube.models.version import Info

__all__ = [
    "AGGREGATED_ACCEPT",
    "DiscoveryData",
    "GroupInfo",
    "discovery_format",
    "parse_aggregated",
    "parse_api_group_list",
    "parse_api_resource_list",
    "parse_api_versions",
    "preferred_resources",
    "server_cache_key",
]

logger = logging.getLogger("rawkube.discovery")

AGGREGATED_ACCEPT = (
    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,"
    "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,"
    "application/json"
)
"""The Accept header of ``/api`` and ``/apis``: aggregated v2, then v2beta1, then legacy JSON."""

LEGACY_ACCEPT = "application/json"
DEFAULT_TTL = 600.0

_T = TypeVar("_T")


# --- the decisions, shared by both drivers --------------------------------------------------


@dataclass(frozen=True)
class _Fetch:
    """Flow step: GET ``path`` with ``accept``; the driver sends back the Result."""

    path: str
    accept: str


Flow = Generator[_Fetch, Result, _T]


class _DiscoveryCore:
    """The memory and disk cache and every fetch decision; no I/O but the cache file."""

    def __init__(
        self,
        server: str,
        clock: Clock,
        *,
        ttl: float,
        disk_cache: bool,
        cache_dir: str | Path | None,
    ) -> None:
        if isinstance(ttl, bool) or not isinstance(ttl, (int, float)):
            raise TypeError(f"ttl must be a number of seconds, not {type(ttl).__name__}")
        if not math.isfinite(ttl) or ttl < 0:
            raise ValueError(f"ttl must be zero or a positive number of seconds, not {ttl!r}")
        self.clock = clock
        self.ttl = float(ttl)
        self.server_key = server_cache_key(server)
        self.cache_file: Path | None = None
        if disk_cache:
            root = Path(cache_dir) if cache_dir is not None else default_cache_dir()
            self.cache_file = root / self.server_key / CACHE_FILE_NAME
        self._data: DiscoveryData | None = None
        self._expires = 0.0
        self._mapper: RESTMapper | None = None
        self._skip_disk = False

    def invalidate(self) -> None:
        """Forget the data: the next read goes to the server (the cache file is removed)."""
        self._data = None
        self._mapper = None
        self._skip_disk = True
        if self.cache_file is not None:
            with contextlib.suppress(OSError):
                self.cache_file.unlink()

    def cached(self) -> DiscoveryData | None:
        """The data in memory or on disk while younger than the TTL, else None."""
        if self._data is not None and self.clock.monotonic() < self._expires:
            return self._data
        self._data = self._mapper = None
        if self.cache_file is None or self._skip_disk:
            return None
        data = read_cache(self.cache_file, self.server_key, now=self.clock.now(), ttl=self.ttl)
        if data is not None:
            age = (self.clock.now() - data.fetched_at).total_seconds()
            self._keep(data, self.ttl - age)
        return data

    def _keep(self, data: DiscoveryData, seconds: float) -> None:
        self._data, self._mapper = data, None
        self._expires = self.clock.monotonic() + seconds

    def store(self, data: DiscoveryData) -> None:
        """Keep freshly fetched data in memory and, when complete, on disk."""
        self._keep(data, self.ttl)
        self._skip_disk = False
        for key, reason in data.failed.items():
            logger.warning("discovery: could not read the resources of %s: %s", key, reason)
        if self.cache_file is not None and not data.failed:
            write_cache(self.cache_file, data, self.server_key)

    def fetch_flow(self) -> Flow[DiscoveryData]:
        """Read discovery from the server: aggregated where offered, else the legacy documents.

        Raises :class:`DecodeError` for an answer that is not a discovery document, and the
        request's error for a failed ``/api`` or ``/apis``; a failed legacy group-version is
        recorded in ``failed`` instead.
        """
        groups: list[GroupInfo] = []
        resources: dict[str, tuple[ResourceInfo, ...]] = {}
        failed: dict[str, str] = {}
        legacy: list[GroupInfo] = []
        for path in ("/api", "/apis"):
            result = yield _Fetch(path, AGGREGATED_ACCEPT)
            source = f"GET {path}"
            if discovery_format(content_type(result), source) == "aggregated":
                part = parse_aggregated(result.json(), source)
                groups += part.groups
                resources.update(part.resources)
                failed.update(part.failed)
                continue
            if path == "/api":
                core = parse_api_versions(result.json(), source)
                found: tuple[GroupInfo, ...] = (core,) if core is not None else ()
            else:
                found = parse_api_group_list(result.json(), source)
            groups += found
            legacy += found
        for group in legacy:
            for version in group.versions:
                gv = GroupVersion(group.name, version)
                try:
                    result = yield _Fetch(gv.api_path, LEGACY_ACCEPT)
                except ApiError as exc:
                    failed[str(gv)] = str(exc)
                    continue
                resources[str(gv)] = parse_api_resource_list(
                    result.json(), group.name, version, f"GET {gv.api_path}"
                )
        return DiscoveryData(tuple(groups), resources, self.clock.now(), failed)

    def data_flow(self) -> Generator[_Fetch, Result, tuple[DiscoveryData, bool]]:
        """The data, from the cache or the server; the flag says it was fetched just now."""
        data = self.cached()
        if data is not None:
            return data, False
        data = yield from self.fetch_flow()
        self.store(data)
        return data, True

    def mapper_flow(self) -> Generator[_Fetch, Result, tuple[RESTMapper, bool]]:
        """A RESTMapper over the data (built once per data), and whether it was fetched now."""
        data, fetched = yield from self.data_flow()
        if self._mapper is None or self._data is not data:
            self._mapper = data.rest_mapper()
        return self._mapper, fetched

    def lookup_flow(self, lookup: Callable[[RESTMapper], _T]) -> Flow[_T]:
        """``lookup`` on the mapper; on a miss over cached data, refetch once and try again."""
        mapper, fetched = yield from self.mapper_flow()
        if fetched:
            return lookup(mapper)
        try:
            return lookup(mapper)
        except ResourceNotFoundError:
            logger.debug("discovery: a lookup missed; refreshing discovery once")
        self.invalidate()
        mapper, _ = yield from self.mapper_flow()
        return lookup(mapper)

    def groups_flow(self) -> Flow[list[GroupInfo]]:
        """The server's groups, in its order."""
        data, _ = yield from self.data_flow()
        return list(data.groups)

    def resources_flow(self) -> Flow[dict[str, tuple[ResourceInfo, ...]]]:
        """Every group-version's resources."""
        data, _ = yield from self.data_flow()
        return dict(data.resources)

    def preferred_flow(self) -> Flow[dict[str, tuple[ResourceInfo, ...]]]:
        """Each resource in its group's preferred version."""
        data, _ = yield from self.data_flow()
        return preferred_resources(data.groups, data.resources)

    def plain_mapper_flow(self) -> Flow[RESTMapper]:
        """The RESTMapper alone."""
        mapper, _ = yield from self.mapper_flow()
        return mapper

    @staticmethod
    def version_flow() -> Flow[Info]:
        """``GET /version`` as the ``Info`` model."""
        result = yield _Fetch("/version", LEGACY_ACCEPT)
        from rawkube.models.version import Info  # pydantic only when asked for

        return result.into(Info)

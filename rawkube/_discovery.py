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
preferred one first), and per group-version a tuple of :class:`~rawkube._resource.ResourceInfo`
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

*Misses.* ``resolve``/``resource_for``/``kind_for`` ask a :class:`~rawkube._restmapper.RESTMapper`
built from the data; on a miss they refetch once, unless the data was fetched by this very
call, and ask again (a CRD installed a moment ago then resolves).
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import re
from collections.abc import Callable, Generator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar
from urllib.parse import urlsplit

from rawkube._exceptions import ApiError, DecodeError
from rawkube._request import Result
from rawkube._resource import GroupVersion, GroupVersionKind, GroupVersionResource, ResourceInfo
from rawkube._restmapper import ResourceNotFoundError, RESTMapper

if TYPE_CHECKING:
    from rawkube._client import AsyncClient, Client
    from rawkube._clock import Clock
    from rawkube.models.version import Info

logger = logging.getLogger("rawkube")

AGGREGATED_ACCEPT = (
    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,"
    "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,"
    "application/json"
)
"""The Accept header of ``/api`` and ``/apis``: aggregated v2, then v2beta1, then legacy JSON."""

LEGACY_ACCEPT = "application/json"
DEFAULT_TTL = 600.0
CACHE_FILE_NAME = "discovery.json"
CACHE_FORMAT = "rawkube.discovery/v1"
_AGGREGATED_VERSIONS = ("v2", "v2beta1")
_MAX_CACHE_BYTES = 64 * 1024 * 1024
_UNSAFE_KEY_CHARS = re.compile(r"[^A-Za-z0-9._-]")

_T = TypeVar("_T")


# --- the parsed structure -------------------------------------------------------------------


@dataclass(frozen=True)
class GroupInfo:
    """An API group: its name (``""`` for core), served versions and preferred version."""

    name: str
    versions: tuple[str, ...]
    preferred_version: str

    @property
    def preferred_group_version(self) -> str:
        """``v1`` or ``<group>/<version>`` of the preferred version."""
        return str(GroupVersion(self.name, self.preferred_version))


@dataclass(frozen=True)
class DiscoveryData:
    """Everything discovery found, at one time; immutable, with no I/O attached.

    ``groups`` are in the server's order; ``resources`` maps a group-version string (``v1``,
    ``apps/v1``) to its resources (no subresources); ``failed`` maps a group-version whose
    resources could not be read to the reason; ``fetched_at`` is the wall time of the fetch.
    """

    groups: tuple[GroupInfo, ...]
    resources: Mapping[str, tuple[ResourceInfo, ...]] = field(hash=False)
    fetched_at: datetime
    failed: Mapping[str, str] = field(default_factory=dict, hash=False)

    def rest_mapper(self) -> RESTMapper:
        """A :class:`~rawkube._restmapper.RESTMapper` over this data."""
        return RESTMapper.from_discovery(self.groups, self.resources)

    def to_document(self, server: str = "") -> dict[str, Any]:
        """The JSON document of the disk cache (no credentials: ``server`` is its cache key)."""
        return {
            "format": CACHE_FORMAT,
            "server": server,
            "fetchedAt": self.fetched_at.isoformat(),
            "groups": [
                {
                    "name": group.name,
                    "versions": list(group.versions),
                    "preferredVersion": group.preferred_version,
                }
                for group in self.groups
            ],
            "resources": {
                key: [asdict(info) for info in infos] for key, infos in self.resources.items()
            },
            "failed": dict(self.failed),
        }

    @classmethod
    def from_document(cls, document: Any, server: str = "") -> DiscoveryData:
        """Read back :meth:`to_document`; raises :class:`DecodeError` for anything else."""
        where = "discovery cache"
        doc = _expect(document, dict, where)
        if doc.get("format") != CACHE_FORMAT or doc.get("server", "") != server:
            raise DecodeError(f"{where}: not a {CACHE_FORMAT} document for {server!r}")
        try:
            fetched_at = datetime.fromisoformat(_expect(doc.get("fetchedAt"), str, where))
        except ValueError:
            raise DecodeError(f"{where}: fetchedAt is not an ISO time") from None
        if fetched_at.tzinfo is None:
            raise DecodeError(f"{where}: fetchedAt has no time zone")
        groups = []
        for i, item in enumerate(_expect(doc.get("groups"), list, f"{where}: groups")):
            at = f"{where}: groups[{i}]"
            group = _expect(item, dict, at)
            versions = _strings(group.get("versions"), f"{at}.versions")
            preferred = _expect(group.get("preferredVersion"), str, f"{at}.preferredVersion")
            groups.append(GroupInfo(_expect(group.get("name"), str, at), versions, preferred))
        resources: dict[str, tuple[ResourceInfo, ...]] = {}
        for key, infos in _expect(doc.get("resources"), dict, f"{where}: resources").items():
            at = f"{where}: resources[{key!r}]"
            resources[key] = tuple(
                _cached_resource(info, f"{at}[{j}]")
                for j, info in enumerate(_expect(infos, list, at))
            )
        failed = {
            key: _expect(reason, str, f"{where}: failed")
            for key, reason in _expect(doc.get("failed", {}), dict, f"{where}: failed").items()
        }
        return cls(tuple(groups), resources, fetched_at, failed)


_TYPE_NAMES: dict[type, str] = {dict: "an object", list: "a list", str: "a string", bool: "a bool"}


def _expect(value: object, kind: type[_T], where: str) -> _T:
    if not isinstance(value, kind):
        raise DecodeError(f"{where}: expected {_TYPE_NAMES[kind]}, got {type(value).__name__}")
    return value


def _items(value: object, where: str) -> list[Any]:
    # Go writes a nil slice as null: the same as an empty list.
    return [] if value is None else _expect(value, list, where)


def _strings(value: object, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    return tuple(
        _expect(item, str, f"{where}[{i}]") for i, item in enumerate(_expect(value, list, where))
    )


def _cached_resource(value: object, where: str) -> ResourceInfo:
    item = _expect(value, dict, where)
    return ResourceInfo(
        group=_expect(item.get("group"), str, f"{where}.group"),
        version=_expect(item.get("version"), str, f"{where}.version"),
        kind=_expect(item.get("kind"), str, f"{where}.kind"),
        plural=_expect(item.get("plural"), str, f"{where}.plural"),
        namespaced=_expect(item.get("namespaced"), bool, f"{where}.namespaced"),
        verbs=_strings(item.get("verbs"), f"{where}.verbs"),
        subresources=_strings(item.get("subresources"), f"{where}.subresources"),
        singular=_expect(item.get("singular", ""), str, f"{where}.singular"),
        short_names=_strings(item.get("short_names"), f"{where}.short_names"),
        categories=_strings(item.get("categories"), f"{where}.categories"),
    )


# --- parsing (pure) -------------------------------------------------------------------------


def discovery_format(
    content_type: str, source: str = "discovery"
) -> Literal["aggregated", "legacy"]:
    """Which document a discovery answer holds, from its Content-Type.

    ``application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList`` (or ``v2beta1``) is
    aggregated; plain ``application/json`` (or no Content-Type) is legacy. Raises
    :class:`DecodeError` for any other media type or aggregated version.
    """
    media, _, rest = content_type.partition(";")
    media = media.strip().lower()
    params: dict[str, str] = {}
    for part in rest.split(";"):
        key, eq, value = part.partition("=")
        if eq:
            params[key.strip().lower()] = value.strip().strip('"')
    if media not in ("", "application/json"):
        raise DecodeError(f"{source}: expected a JSON discovery document, got {content_type!r}")
    if params.get("g") == "apidiscovery.k8s.io" and params.get("as") == "APIGroupDiscoveryList":
        if params.get("v") in _AGGREGATED_VERSIONS:
            return "aggregated"
        raise DecodeError(f"{source}: unsupported aggregated discovery version in {content_type!r}")
    return "legacy"


@dataclass(frozen=True)
class DiscoveryPart:
    """What one discovery document gave: groups, resources per group-version, failures."""

    groups: tuple[GroupInfo, ...] = ()
    resources: Mapping[str, tuple[ResourceInfo, ...]] = field(default_factory=dict, hash=False)
    failed: Mapping[str, str] = field(default_factory=dict, hash=False)


def parse_aggregated(document: Any, source: str = "aggregated discovery") -> DiscoveryPart:
    """Parse an ``APIGroupDiscoveryList`` (v2 or v2beta1: the same shape).

    A group's versions keep the server's order, whose first is the preferred one. A version
    marked ``Stale`` (its aggregated API server did not answer) is left out and listed in
    ``failed``, as client-go does; a group with no fresh version is left out. A resource
    without a ``responseKind`` is skipped. Raises :class:`DecodeError` when the document does
    not have the expected shape.
    """
    doc = _expect(document, dict, source)
    groups: list[GroupInfo] = []
    resources: dict[str, tuple[ResourceInfo, ...]] = {}
    failed: dict[str, str] = {}
    for i, value in enumerate(_items(doc.get("items"), f"{source}: items")):
        where = f"{source}: items[{i}]"
        item = _expect(value, dict, where)
        metadata = _expect(item.get("metadata", {}), dict, f"{where}.metadata")
        name = _expect(metadata.get("name", ""), str, f"{where}.metadata.name")
        versions: list[str] = []
        for j, entry in enumerate(_items(item.get("versions"), f"{where}.versions")):
            at = f"{where}.versions[{j}]"
            version_doc = _expect(entry, dict, at)
            version = _expect(version_doc.get("version"), str, f"{at}.version")
            key = str(GroupVersion(name, version))
            if version_doc.get("freshness") == "Stale":
                failed[key] = "stale: the server behind this group-version did not answer"
                continue
            versions.append(version)
            found = (
                _aggregated_resource(r, name, version, f"{at}.resources[{k}]")
                for k, r in enumerate(_items(version_doc.get("resources"), at))
            )
            resources[key] = tuple(info for info in found if info is not None)
        if versions:
            groups.append(GroupInfo(name, tuple(versions), versions[0]))
    return DiscoveryPart(tuple(groups), resources, failed)


def _aggregated_resource(
    value: object, group: str, version: str, where: str
) -> ResourceInfo | None:
    item = _expect(value, dict, where)
    response_kind = item.get("responseKind")
    if not isinstance(response_kind, dict) or not response_kind.get("kind"):
        return None
    subresources = tuple(
        _expect(_expect(sub, dict, f"{where}.subresources[{k}]").get("subresource"), str, where)
        for k, sub in enumerate(_items(item.get("subresources"), where))
    )
    return ResourceInfo(
        group=group,
        version=version,
        kind=_expect(response_kind["kind"], str, f"{where}.responseKind.kind"),
        plural=_expect(item.get("resource"), str, f"{where}.resource"),
        namespaced=item.get("scope") == "Namespaced",
        verbs=_strings(item.get("verbs"), f"{where}.verbs"),
        subresources=subresources,
        singular=_expect(item.get("singularResource") or "", str, f"{where}.singularResource"),
        short_names=_strings(item.get("shortNames"), f"{where}.shortNames"),
        categories=_strings(item.get("categories"), f"{where}.categories"),
    )


def parse_api_versions(document: Any, source: str = "/api") -> GroupInfo | None:
    """Parse the legacy ``APIVersions`` of ``/api`` into the core group (None if it lists none).

    Raises :class:`DecodeError` when the document does not have the expected shape.
    """
    doc = _expect(document, dict, source)
    versions = _strings(doc.get("versions"), f"{source}: versions")
    if not versions:
        return None
    return GroupInfo("", versions, versions[0])


def parse_api_group_list(document: Any, source: str = "/apis") -> tuple[GroupInfo, ...]:
    """Parse the legacy ``APIGroupList`` of ``/apis``: groups, versions, preferred version.

    A group without a usable ``preferredVersion`` prefers its first version. Raises
    :class:`DecodeError` when the document does not have the expected shape.
    """
    doc = _expect(document, dict, source)
    groups = []
    for i, value in enumerate(_items(doc.get("groups"), f"{source}: groups")):
        where = f"{source}: groups[{i}]"
        item = _expect(value, dict, where)
        name = _expect(item.get("name"), str, f"{where}.name")
        versions = tuple(
            _expect(_expect(v, dict, f"{where}.versions[{j}]").get("version"), str, where)
            for j, v in enumerate(_items(item.get("versions"), where))
        )
        if not versions:
            continue
        preferred_doc = item.get("preferredVersion")
        preferred = preferred_doc.get("version") if isinstance(preferred_doc, dict) else None
        groups.append(
            GroupInfo(name, versions, preferred if preferred in versions else versions[0])
        )
    return tuple(groups)


def parse_api_resource_list(
    document: Any, group: str, version: str, source: str = "APIResourceList"
) -> tuple[ResourceInfo, ...]:
    """Parse a legacy ``APIResourceList`` of one group-version into its resources.

    ``pods/status`` and the like become ``subresources`` of their parent, in the server's
    order; a subresource whose parent is not listed is dropped. Raises :class:`DecodeError`
    when the document does not have the expected shape.
    """
    doc = _expect(document, dict, source)
    parents: dict[str, dict[str, Any]] = {}
    subresources: dict[str, list[str]] = {}
    for i, value in enumerate(_items(doc.get("resources"), f"{source}: resources")):
        where = f"{source}: resources[{i}]"
        item = _expect(value, dict, where)
        name = _expect(item.get("name"), str, f"{where}.name")
        parent, slash, sub = name.partition("/")
        if slash:
            subresources.setdefault(parent, []).append(sub)
            continue
        parents[name] = {
            "group": group,
            "version": version,
            "kind": _expect(item.get("kind"), str, f"{where}.kind"),
            "plural": name,
            "namespaced": _expect(item.get("namespaced", False), bool, f"{where}.namespaced"),
            "verbs": _strings(item.get("verbs"), f"{where}.verbs"),
            "singular": _expect(item.get("singularName") or "", str, f"{where}.singularName"),
            "short_names": _strings(item.get("shortNames"), f"{where}.shortNames"),
            "categories": _strings(item.get("categories"), f"{where}.categories"),
        }
    return tuple(
        ResourceInfo(**fields, subresources=tuple(subresources.get(name, ())))
        for name, fields in parents.items()
    )


def preferred_resources(
    groups: Sequence[GroupInfo], resources: Mapping[str, Sequence[ResourceInfo]]
) -> dict[str, tuple[ResourceInfo, ...]]:
    """Each resource once, in its group's preferred version (client-go's ServerPreferredResources).

    A resource served by the preferred version is taken from it; one served only by other
    versions is taken from the first of them in the server's order. The result maps a
    group-version to the resources taken from it; group-versions left empty are omitted.
    """
    chosen: dict[tuple[str, str], ResourceInfo] = {}
    for group in groups:
        for version in group.versions:
            for info in resources.get(str(GroupVersion(group.name, version)), ()):
                named = (group.name, info.plural)
                if named not in chosen or version == group.preferred_version:
                    chosen[named] = info
    out: dict[str, list[ResourceInfo]] = {}
    for group in groups:
        for version in group.versions:
            key = str(GroupVersion(group.name, version))
            picked = [
                info
                for info in resources.get(key, ())
                if chosen.get((group.name, info.plural)) is info
            ]
            if picked:
                out[key] = picked
    return {key: tuple(infos) for key, infos in out.items()}


def _content_type(result: Result) -> str:
    # Result.headers is a Mapping; httpx's is case-insensitive, a hand-built one may not be.
    for key, value in result.headers.items():
        if key.lower() == "content-type":
            return value
    return ""


# --- the disk cache -------------------------------------------------------------------------


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/rawkube/discovery``, or ``~/.cache/rawkube/discovery``."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    # The XDG spec says a relative value is invalid and must be ignored.
    root = Path(base) if base and os.path.isabs(base) else Path.home() / ".cache"
    return root / "rawkube" / "discovery"


def server_cache_key(server: str) -> str:
    """The cache directory name of a server URL: ``<host>_<port>``, plus its path prefix if any.

    Only the host, port and path are used, so a ``user:password@`` part or a query never lands
    on disk; characters outside ``[A-Za-z0-9._-]`` become ``_``.
    """
    parts = urlsplit(server)
    try:
        port = parts.port
    except ValueError:
        port = None
    if port is None:
        port = 443 if parts.scheme == "https" else 80
    key = f"{parts.hostname or 'unknown'}_{port}"
    path = parts.path.strip("/")
    if path:
        # Two clusters behind one proxy host differ only by path; they must not share a cache.
        key += "_" + path
    return _UNSAFE_KEY_CHARS.sub("_", key)


def _private_dir(directory: Path) -> None:
    if directory.is_dir():
        return
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    # mkdir's mode is filtered by the umask; the cache lists which servers one talks to.
    os.chmod(directory, 0o700)


def write_cache(path: Path, data: DiscoveryData, server: str) -> bool:
    """Write ``data`` to ``path`` atomically, mode 0600, in a 0700 directory.

    Returns False (and logs why) when it could not be written; never raises for I/O.
    """
    import tempfile  # only a fetch that writes the cache pays for it

    payload = json.dumps(data.to_document(server), separators=(",", ":")).encode()
    try:
        _private_dir(path.parent.parent)
        _private_dir(path.parent)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".discovery.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(payload)
            os.chmod(tmp, 0o600)  # mkstemp makes it 0600 already; say so where it matters
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
    except OSError as exc:
        logger.debug("discovery cache %s not written: %s", path, exc)
        return False
    return True


def read_cache(path: Path, server: str, *, now: datetime, ttl: float) -> DiscoveryData | None:
    """The cached data in ``path`` if it is younger than ``ttl`` seconds at ``now``, else None.

    A missing, unreadable, oversized, corrupt or foreign file gives None: never an exception.
    """
    try:
        with path.open("rb") as handle:
            raw = handle.read(_MAX_CACHE_BYTES + 1)
        if len(raw) > _MAX_CACHE_BYTES:
            raise DecodeError(f"{path}: larger than {_MAX_CACHE_BYTES} bytes")
        data = DiscoveryData.from_document(json.loads(raw), server)
    except FileNotFoundError:
        return None
    except (OSError, ValueError, RecursionError, DecodeError) as exc:
        # ValueError covers bad JSON and bad UTF-8; the cache is only a shortcut, so refetch.
        logger.debug("discovery cache %s ignored: %s", path, exc)
        return None
    age = (now - data.fetched_at).total_seconds()
    if not 0 <= age < ttl:
        return None
    return data


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
            if discovery_format(_content_type(result), source) == "aggregated":
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


# --- the drivers ----------------------------------------------------------------------------


class Discovery:
    """What the server serves, for a blocking :class:`~rawkube.Client`; see the module docstring.

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
        client: Client,
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

    def _run(self, flow: Flow[_T]) -> _T:
        try:
            step = next(flow)
            while True:
                try:
                    result = (
                        self._client.get().abs_path(step.path).header("Accept", step.accept).do()
                    )
                except ApiError as exc:
                    step = flow.throw(exc)
                else:
                    step = flow.send(result)
        except StopIteration as stop:
            value: _T = stop.value
            return value

    def server_version(self) -> Info:
        """The server's version (``GET /version``); never cached."""
        return self._run(self._core.version_flow())

    def server_groups(self) -> list[GroupInfo]:
        """The API groups in the server's order (core first), each with its versions."""
        return self._run(self._core.groups_flow())

    def server_resources(self) -> dict[str, tuple[ResourceInfo, ...]]:
        """Group-version (``v1``, ``apps/v1``) -> its resources; subresources are folded in."""
        return self._run(self._core.resources_flow())

    def server_preferred_resources(self) -> dict[str, tuple[ResourceInfo, ...]]:
        """Each resource once, from its group's preferred version (as kubectl lists them)."""
        return self._run(self._core.preferred_flow())

    def rest_mapper(self) -> RESTMapper:
        """A :class:`~rawkube._restmapper.RESTMapper` over the current data (no refresh)."""
        return self._run(self._core.plain_mapper_flow())

    def resolve(self, text: str) -> ResourceInfo:
        """:meth:`RESTMapper.resolve` with one refresh on a miss.

        Raises :class:`~rawkube._restmapper.ResourceNotFoundError` when the name is still
        unknown after the refresh, :class:`~rawkube._restmapper.AmbiguousResourceError` as the
        mapper does, and the errors of reading discovery.
        """
        return self._run(self._core.lookup_flow(lambda mapper: mapper.resolve(text)))

    def resource_for(self, kind: GroupVersionKind) -> ResourceInfo:
        """:meth:`RESTMapper.resource_for` with one refresh on a miss; raises as :meth:`resolve`."""
        return self._run(self._core.lookup_flow(lambda mapper: mapper.resource_for(kind)))

    def kind_for(self, resource: GroupVersionResource) -> GroupVersionKind:
        """:meth:`RESTMapper.kind_for` with one refresh on a miss; raises as :meth:`resolve`."""
        return self._run(self._core.lookup_flow(lambda mapper: mapper.kind_for(resource)))

    def invalidate(self) -> None:
        """Forget the cached data (memory and file); the next read asks the server."""
        self._core.invalidate()


class AsyncDiscovery:
    """The :class:`Discovery` of an :class:`~rawkube.AsyncClient`: the same names, awaited."""

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
        """Group-version -> its resources; as :meth:`Discovery.server_resources`."""
        return await self._run(self._core.resources_flow())

    async def server_preferred_resources(self) -> dict[str, tuple[ResourceInfo, ...]]:
        """Each resource once, from its group's preferred version."""
        return await self._run(self._core.preferred_flow())

    async def rest_mapper(self) -> RESTMapper:
        """A RESTMapper over the current data (no refresh)."""
        return await self._run(self._core.plain_mapper_flow())

    async def resolve(self, text: str) -> ResourceInfo:
        """:meth:`RESTMapper.resolve` with one refresh on a miss; raises as Discovery.resolve."""
        return await self._run(self._core.lookup_flow(lambda mapper: mapper.resolve(text)))

    async def resource_for(self, kind: GroupVersionKind) -> ResourceInfo:
        """:meth:`RESTMapper.resource_for` with one refresh on a miss."""
        return await self._run(self._core.lookup_flow(lambda mapper: mapper.resource_for(kind)))

    async def kind_for(self, resource: GroupVersionResource) -> GroupVersionKind:
        """:meth:`RESTMapper.kind_for` with one refresh on a miss."""
        return await self._run(self._core.lookup_flow(lambda mapper: mapper.kind_for(resource)))

    def invalidate(self) -> None:
        """Forget the cached data (memory and file); the next read asks the server."""
        self._core.invalidate()

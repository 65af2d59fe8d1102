"""Discovery documents parsed: the groups, versions and resources a server serves, either shape.

Aggregated discovery (``APIGroupDiscoveryList``, v2 or v2beta1) and the legacy documents
(``APIVersions``, ``APIGroupList``, ``APIResourceList``) both parse into one
:class:`DiscoveryData`; subresources (``pods/status``) fold into their parent. No I/O here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Literal, TypeVar

from rawkube.core._exceptions import DecodeError
from rawkube.core._request import Result
from rawkube.core._resource import GroupVersion, ResourceInfo
from rawkube.core._restmapper import RESTMapper

_AGGREGATED_VERSIONS = ("v2", "v2beta1")
CACHE_FORMAT = "rawkube.discovery/v1"  # the version of DiscoveryData's document form

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
        """A :class:`~rawkube.core._restmapper.RESTMapper` over this data."""
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


def content_type(result: Result) -> str:
    # Result.headers is a Mapping; httpx's is case-insensitive, a hand-built one may not be.
    for key, value in result.headers.items():
        if key.lower() == "content-type":
            return value
    return ""

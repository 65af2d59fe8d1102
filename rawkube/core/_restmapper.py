"""RESTMapper: map kinds, resources and kubectl-style names to discovered resources, no I/O.

It turns a kind, a resource or what a user types (``deploy``, ``deployments.apps``) into the
ResourceInfo the server discovered. How ``resolve(text)`` reads its input, as kubectl does:

1. ``<name>.<version>.<group>`` (``deployments.v1.apps``; ``pods.v1.`` for the core group) is
   tried first when the text has two or more dots, then ``<name>.<group>``
   (``deployments.apps``, ``widgets.example.com``), or a bare ``<name>`` matching every group.
2. Within those bounds the name is matched in three tiers, and the first tier with a hit wins:
   the plural or singular resource name (case-insensitive, so ``Pod`` is ``pod``), then a short
   name (``po``, ``deploy``), then the kind (case-insensitive, for resources whose singular name
   differs from their kind).
3. Several groups may match (``events`` is served by the core group and by ``events.k8s.io``;
   the short name ``ev`` by both too). The rule is kubectl's priority: the server's discovery
   order, in which the core group comes first, then the built-in groups, then custom resources
   and aggregated APIs (the API server sorts groups by their priority); inside a group the
   preferred version comes first. So ``ev`` is the core ``events``, never a CRD's. Only a tie
   inside the winning group (two different resources of one group both matching) is
   ambiguous: :class:`AmbiguousResourceError` names the candidates.

A miss raises :class:`ResourceNotFoundError` (a ``LookupError``) naming the input and the closest
known names. The mapper itself never refreshes: ``Discovery.resolve`` and
``AsyncDiscovery.resolve`` refetch discovery once on a miss and ask a fresh mapper.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from rawkube.core._exceptions import RawkubeError
from rawkube.core._resource import (
    GroupVersion,
    GroupVersionKind,
    GroupVersionResource,
    ResourceInfo,
)

if TYPE_CHECKING:
    from rawkube.core._discovery_data import GroupInfo

_MAX_SUGGESTIONS = 3


class ResourceNotFoundError(RawkubeError, LookupError):
    """No discovered resource matches: ``query`` is what was asked, ``suggestions`` close names."""

    def __init__(self, message: str, *, query: str = "", suggestions: Sequence[str] = ()) -> None:
        self.query = query
        self.suggestions = tuple(suggestions)
        super().__init__(message)

    def __reduce__(self) -> tuple[Any, ...]:
        # Keyword-only fields are not in ``args``: keep them, so the error can be pickled.
        return (type(self), (self.args[0],), self.__dict__)


class AmbiguousResourceError(RawkubeError, LookupError):
    """Several resources of one group match: ``candidates`` holds them, in discovery order."""

    def __init__(
        self, message: str, *, query: str = "", candidates: Sequence[ResourceInfo] = ()
    ) -> None:
        self.query = query
        self.candidates = tuple(candidates)
        super().__init__(message)

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.args[0],), self.__dict__)


def qualified_name(info: ResourceInfo) -> str:
    """``deployments.v1.apps`` (``pods.v1.`` for the core group): the name kubectl accepts."""
    return f"{info.plural}.{info.version}.{info.group}"


def _singular(info: ResourceInfo) -> str:
    # Old servers leave singularName empty; kubectl then guesses the lower-cased kind.
    return info.singular or info.kind.lower()


def _suggest(word: str, names: Iterable[str]) -> tuple[str, ...]:
    import difflib  # only a miss pays for it

    unique = list(dict.fromkeys(names))
    return tuple(difflib.get_close_matches(word, unique, n=_MAX_SUGGESTIONS, cutoff=0.6))


def _did_you_mean(suggestions: Sequence[str]) -> str:
    if not suggestions:
        return ""
    return "; did you mean " + ", ".join(repr(name) for name in suggestions) + "?"


class RESTMapper:
    """Kinds, resources and user input mapped to discovered resources; see the module docstring.

    ``resources`` must be in priority order (as :meth:`from_discovery` lays them out: groups in
    the server's order, each group's preferred version first). The mapper is immutable and
    does no I/O, so the sync and async discovery clients share it.
    """

    def __init__(self, resources: Iterable[ResourceInfo]) -> None:
        self._resources = tuple(resources)

    @classmethod
    def from_discovery(
        cls, groups: Sequence[GroupInfo], resources: Mapping[str, Sequence[ResourceInfo]]
    ) -> RESTMapper:
        """A mapper over ``resources`` (group-version string -> resources) ordered by ``groups``.

        A group-version the groups do not name comes last, in the mapping's order.
        """
        ordered: list[ResourceInfo] = []
        seen: set[str] = set()
        for group in groups:
            versions = [group.preferred_version]
            versions += [v for v in group.versions if v != group.preferred_version]
            for version in versions:
                key = str(GroupVersion(group.name, version))
                if key in resources and key not in seen:
                    seen.add(key)
                    ordered.extend(resources[key])
        for key, infos in resources.items():
            if key not in seen:
                ordered.extend(infos)
        return cls(ordered)

    @property
    def resources(self) -> tuple[ResourceInfo, ...]:
        """Every resource the mapper knows, in priority order."""
        return self._resources

    def resource_for(self, kind: GroupVersionKind) -> ResourceInfo:
        """The resource serving ``kind``; an empty ``kind.version`` takes the preferred version.

        The group and kind must match exactly (the group ``""`` is the core group). Raises
        :class:`ResourceNotFoundError` when no discovered resource serves that kind.
        """
        for info in self._resources:
            if (
                info.group == kind.group
                and info.kind == kind.kind
                and (not kind.version or info.version == kind.version)
            ):
                return info
        where = str(GroupVersion(kind.group, kind.version)) if kind.version else kind.group
        suggestions = _suggest(
            kind.kind, (info.kind for info in self._resources if info.group == kind.group)
        )
        raise ResourceNotFoundError(
            f"no resource on the server serves kind {kind.kind!r} in "
            f"{where or 'the core group'}{_did_you_mean(suggestions)}",
            query=kind.kind,
            suggestions=suggestions,
        )

    def kind_for(self, resource: GroupVersionResource) -> GroupVersionKind:
        """The kind served by ``resource`` (its plural or singular name, any case).

        An empty ``resource.version`` takes the group's preferred version; the group ``""`` is
        the core group, not a wildcard (use :meth:`resolve` for that). Raises
        :class:`ResourceNotFoundError` when there is no such resource.
        """
        name = resource.resource.lower()
        for info in self._resources:
            if (
                info.group == resource.group
                and name in (info.plural, _singular(info))
                and (not resource.version or info.version == resource.version)
            ):
                return info.gvk
        where = (
            str(GroupVersion(resource.group, resource.version))
            if resource.version
            else resource.group
        )
        suggestions = _suggest(
            name, (info.plural for info in self._resources if info.group == resource.group)
        )
        raise ResourceNotFoundError(
            f"the server has no resource {resource.resource!r} in "
            f"{where or 'the core group'}{_did_you_mean(suggestions)}",
            query=resource.resource,
            suggestions=suggestions,
        )

    def resolve(self, text: str) -> ResourceInfo:
        """The resource kubectl would pick for ``text``: ``po``, ``pods``, ``Pod``, ``deploy``,
        ``deployments.apps``, ``deployments.v1.apps``, ``wd.example.com``.

        Raises ``TypeError`` for a non-string and ``ValueError`` for an empty one,
        :class:`ResourceNotFoundError` when nothing matches (suggesting close names) and
        :class:`AmbiguousResourceError` when two resources of the winning group match.
        """
        if not isinstance(text, str):
            raise TypeError(f"a resource name must be a str, not {type(text).__name__}")
        if not text:
            raise ValueError("a resource name must not be empty")
        name, _, rest = text.partition(".")
        attempts: list[tuple[str | None, str | None]] = []
        if rest:
            if "." in rest:
                # ``<name>.<version>.<group>``; a trailing dot (``pods.v1.``) names the core group.
                maybe_version, _, maybe_group = rest.partition(".")
                attempts.append((maybe_group, maybe_version))
            attempts.append((rest, None))
        else:
            attempts.append((None, None))
        for group, version in attempts:
            found = self._match(text, name, group, version)
            if found is not None:
                return found
        words = [
            word
            for info in self._resources
            for word in (info.plural, _singular(info), *info.short_names)
        ]
        suggestions = _suggest(name.lower(), words)
        raise ResourceNotFoundError(
            f"the server doesn't have a resource type {text!r}{_did_you_mean(suggestions)}",
            query=text,
            suggestions=suggestions,
        )

    def _match(
        self, text: str, name: str, group: str | None, version: str | None
    ) -> ResourceInfo | None:
        lowered = name.lower()
        pool = [
            info
            for info in self._resources
            if (group is None or info.group == group)
            and (version is None or info.version == version)
        ]
        tiers: tuple[Callable[[ResourceInfo], bool], ...] = (
            lambda info: lowered in (info.plural, _singular(info)),
            lambda info: lowered in info.short_names,
            lambda info: info.kind.lower() == lowered,
        )
        for tier in tiers:
            hits = [info for info in pool if tier(info)]
            if hits:
                return self._pick(text, hits)
        return None

    @staticmethod
    def _pick(text: str, hits: list[ResourceInfo]) -> ResourceInfo:
        # Hits are in priority order: the first one's group wins outright; only two different
        # resources inside that group are a real ambiguity.
        first = hits[0]
        rivals: dict[str, ResourceInfo] = {}
        for info in hits:
            if info.group == first.group:
                rivals.setdefault(info.plural, info)
        if len(rivals) > 1:
            names = ", ".join(qualified_name(info) for info in rivals.values())
            raise AmbiguousResourceError(
                f"{text!r} matches several resources: {names}; name one in full",
                query=text,
                candidates=tuple(rivals.values()),
            )
        return first

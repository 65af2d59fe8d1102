"""Resource identity (group, version, kind, resource) and the one place a path is laid out."""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import quote

# A group is a DNS-1123 subdomain and its version a DNS-1035 label (CRDs may name versions
# freely); the core group's versions look like Kubernetes versions (v1, v2beta1), so a bare
# "apps" is caught as a missing version rather than taken for one.
_GROUP = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*"
_VERSION = r"[a-z]([-a-z0-9]*[a-z0-9])?"
_CORE_VERSION = r"v[1-9][0-9]*((alpha|beta)[1-9][0-9]*)?"


@functools.cache  # compiled on the first parse: compiling it cost every import of rawkube
def _group_version() -> re.Pattern[str]:
    return re.compile(rf"(?P<group>{_GROUP})/(?P<version>{_VERSION})|(?P<core>{_CORE_VERSION})")


# Characters left as they are inside one path segment; "/" and "%" never reach here.
_SEGMENT_SAFE = "-._~!$&'()*+,;=:@"


@dataclass(frozen=True)
class GroupVersion:
    """An API group and version; the core group is ``""`` and lives under ``/api``."""

    group: str
    version: str

    @classmethod
    def parse(cls, text: str) -> GroupVersion:
        """``"v1"`` or ``"<group>/<version>"``; raises ``ValueError`` for anything else."""
        if not isinstance(text, str):
            raise TypeError(f"group_version must be a str, not {type(text).__name__}")
        if cls is GroupVersion:  # every request parses one: the few a program uses, once each
            return _parsed_group_version(text)
        return cls._parse(text)

    @classmethod
    def _parse(cls, text: str) -> GroupVersion:
        match = _group_version().fullmatch(text)
        if match is None or len(text) > 253 + 1 + 63:
            raise ValueError(f"group_version must be 'v1' or '<group>/<version>', not {text!r}")
        if match["core"]:
            return cls("", match["core"])
        return cls(match["group"], match["version"])

    @property
    def api_path(self) -> str:
        """The path this group-version is served under: ``/api/v1`` or ``/apis/<group>/<v>``."""
        if self.group:
            return f"/apis/{self.group}/{self.version}"
        return f"/api/{self.version}"

    def __str__(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version


@functools.lru_cache(maxsize=256)
def _parsed_group_version(text: str) -> GroupVersion:
    return GroupVersion._parse(text)


def _quoted(segment: str) -> str:
    """One path segment escaped. Names repeat from request to request, so the escaped forms of
    the last few thousand are kept, if no longer than a Kubernetes name may be.
    """
    if len(segment) > 253:
        return quote(segment, safe=_SEGMENT_SAFE)
    return _quoted_name(segment)


@functools.lru_cache(maxsize=4096)
def _quoted_name(segment: str) -> str:
    return quote(segment, safe=_SEGMENT_SAFE)


@dataclass(frozen=True)
class GroupVersionKind:
    """A kind of object, as written in its ``apiVersion`` and ``kind``."""

    group: str
    version: str
    kind: str


@dataclass(frozen=True)
class GroupVersionResource:
    """A resource as the URL names it: its group, version and plural (``"deployments"``)."""

    group: str
    version: str
    resource: str


@dataclass(frozen=True)
class ResourceInfo:
    """What the API server says about one resource: its names, scope, verbs and subresources."""

    group: str
    version: str
    kind: str
    plural: str
    namespaced: bool
    verbs: tuple[str, ...] = ()
    subresources: tuple[str, ...] = ()
    singular: str = ""
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()

    @property
    def api_version(self) -> str:
        """``v1`` or ``<group>/<version>``, as written in an object's ``apiVersion``."""
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def gvr(self) -> GroupVersionResource:
        """The resource's GroupVersionResource."""
        return GroupVersionResource(self.group, self.version, self.plural)

    @property
    def gvk(self) -> GroupVersionKind:
        """The kind's GroupVersionKind."""
        return GroupVersionKind(self.group, self.version, self.kind)


def check_segment(what: str, value: object) -> str:
    """Return ``value`` if it can stand alone as one path segment, else raise.

    Raises ``TypeError`` for a non-string and ``ValueError`` for an empty string, ``.``/``..``,
    or one holding ``/`` or ``%`` (which would change the path or its escaping).
    """
    if not isinstance(value, str):
        raise TypeError(f"{what} must be a str, not {type(value).__name__}")
    if not value:
        raise ValueError(f"{what} must not be empty")
    if value in (".", ".."):
        raise ValueError(f"{what} must not be {value!r}")
    if "/" in value or "%" in value:
        raise ValueError(f"{what} must not contain '/' or '%': {value!r}")
    return value


@functools.cache  # compiled on first use, as the group-version pattern is
def _dns_label() -> re.Pattern[str]:
    return re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")


def check_namespace(value: object) -> str:
    """Return ``value`` if it is a namespace's name (a DNS-1123 label), else raise.

    A namespace's name is at most 63 lower-case letters, digits and ``-``, starting and ending
    with a letter or digit, as the API server checks it. Raises ``TypeError`` for a non-string
    and ``ValueError`` (quoting the value and the rule) for anything else.
    """
    if not isinstance(value, str):
        raise TypeError(f"namespace must be a str, not {type(value).__name__}")
    if len(value) > 63 or not _dns_label().fullmatch(value):
        raise ValueError(
            f"namespace must be a DNS-1123 label (at most 63 lower-case letters, digits and '-',"
            f" starting and ending with a letter or digit), not {value[:100]!r}"
        )
    return value


def layout_path(
    *,
    root: str,
    prefix: Sequence[str] = (),
    namespace: str | None = None,
    resource: str | None = None,
    name: str | None = None,
    subresource: str | None = None,
    suffix: Sequence[str] = (),
) -> str:
    """Join the parts of a request path in client-go's order, escaping each segment.

    ``root`` is the group-version path (``/apis/apps/v1``) or an absolute path; after it come the
    prefix segments, ``namespaces/<ns>``, the resource, name, subresource and suffix segments.
    """
    segments = [*prefix]
    if namespace is not None:
        segments += ["namespaces", namespace]
    for part in (resource, name, subresource):
        if part is not None:
            segments.append(part)
    segments += suffix
    tail = "/".join([_quoted(segment) for segment in segments])
    base = root.rstrip("/")
    return f"{base}/{tail}" if tail else (base or "/")

"""Label and field selectors matched against objects, as the API server matches them."""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from rawkube.core._selector import (
    FIELD_OPERATOR,
    LabelParser,
    Requirement,
    check_field_term,
    split_terms,
)

__all__ = ["FieldSelector", "LabelSelector", "supported_fields"]

# strconv.ParseInt(s, 10, 64): an optional sign and ASCII digits, nothing else.
_INT64 = re.compile(r"[+-]?[0-9]+")
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
_ESCAPE = re.compile(r"\\(.)")


class LabelSelector:
    """A label selector, matched as the API server's ``labels.Selector`` matches it."""

    __slots__ = ("_requirements", "_text")

    def __init__(self, text: str, requirements: Iterable[Requirement]) -> None:
        self._text = text
        self._requirements = tuple(requirements)

    @classmethod
    def parse(cls, text: str) -> LabelSelector:
        """Parse ``text`` as ``labels.Parse`` does; an empty selector matches everything.

        Raises ``ValueError`` for a selector the server rejects, naming the problem and
        its position (the checks a client's ``label_selector=`` argument gets).
        """
        return cls(text, LabelParser(text).parse())

    def matches(self, labels: Mapping[str, str] | None) -> bool:
        """Whether an object with these labels (``None``: none at all) is selected."""
        present = labels or {}
        return all(_label_requirement_holds(r, present) for r in self._requirements)

    def __repr__(self) -> str:
        return f"LabelSelector.parse({self._text!r})"


def _label_requirement_holds(requirement: Requirement, labels: Mapping[str, str]) -> bool:
    operator, values = requirement.operator, requirement.values
    if operator == "exists":
        return requirement.key in labels
    if operator == "!exists":
        return requirement.key not in labels
    if requirement.key not in labels:
        # An object without the label is "not equal" to every value, and nothing else.
        return operator in ("!=", "notin")
    value = labels[requirement.key]
    if operator in ("!=", "notin"):
        return value not in values
    if operator in ("=", "==", "in"):
        return value in values
    # ">" and "<" compare integers; a label that is not one never matches either.
    have = _int64(value)
    (wanted,) = values
    want = _int64(wanted)
    if have is None or want is None:
        return False
    return have > want if operator == ">" else have < want


def _int64(text: str) -> int | None:
    if not _INT64.fullmatch(text):
        return None
    number = int(text)
    return number if _INT64_MIN <= number <= _INT64_MAX else None


@dataclass(frozen=True)
class _FieldTerm:
    field: str
    equal: bool  # "=" and "==" select equal values, "!=" the others
    value: str


class FieldSelector:
    """A field selector, matched as the API server matches its ``fields.Selector``."""

    __slots__ = ("_terms", "_text")

    def __init__(self, text: str, terms: Iterable[_FieldTerm]) -> None:
        self._text = text
        self._terms = tuple(terms)

    @classmethod
    def parse(cls, text: str, supported: Collection[str]) -> FieldSelector:
        """Parse ``text`` as ``fields.ParseSelector`` does, allowing only ``supported`` fields.

        Terms are ``field=value``, ``field==value`` or ``field!=value`` joined by ``,``, all
        of which must hold; ``\\,``, ``\\=`` and ``\\\\`` in a value stand for the character.
        Empty terms are skipped, so an empty selector matches everything.

        Raises ``ValueError`` for a syntax error (the checks a client's ``field_selector=``
        argument gets), and then for the first field not in ``supported``, with the server's
        message ``field label not supported: <field>``.
        """
        terms = []
        # The server sorts the terms before it parses them and then converts their fields
        # in that order, which decides the error that a selector with two problems reports.
        for term in sorted(split_terms(text)):
            if not term:
                continue
            check_field_term(text, term)
            operator = FIELD_OPERATOR.search(term)
            if operator is None:  # check_field_term has already rejected such a term
                raise AssertionError(term)
            value = _ESCAPE.sub(lambda escape: escape.group(1), term[operator.end() :])
            terms.append(_FieldTerm(term[: operator.start()], operator.group() != "!=", value))
        for parsed in terms:
            if parsed.field not in supported:
                raise ValueError(f"field label not supported: {parsed.field}")
        return cls(text, terms)

    def matches(self, obj: Mapping[str, Any]) -> bool:
        """Whether the API server would select this object (a decoded JSON object).

        A field is read as the server's registry reads it for the object's ``apiVersion``
        and ``kind`` (a Job's ``status.successful`` counts ``status.succeeded``; a Pod
        without ``spec.hostNetwork`` has ``false``), otherwise as the dotted path in the
        object. A missing field reads as the empty string, ``true``/``false`` as their JSON
        text and numbers in decimal.
        """
        return all(
            (_field_value(obj, term.field) == term.value) == term.equal for term in self._terms
        )

    def __repr__(self) -> str:
        return f"FieldSelector.parse({self._text!r}, ...)"


# --- which fields each resource's field selector accepts --------------------------------------

_META = ("metadata.name", "metadata.namespace")
_INVOLVED = ("kind", "namespace", "name", "uid", "apiVersion", "resourceVersion", "fieldPath")

# What each registered field label conversion (pkg/apis/*/v1/conversion.go) accepts, by
# (group, resource). A resource without one accepts the two metadata fields, as the default
# conversion does; that default takes metadata.namespace even for cluster-scoped resources,
# while the registered conversions of cluster-scoped kinds leave it out.
_SUPPORTED: dict[tuple[str, str], frozenset[str]] = {
    ("", "pods"): frozenset(
        (
            *_META,
            "spec.nodeName",
            "spec.restartPolicy",
            "spec.schedulerName",
            "spec.serviceAccountName",
            "spec.hostNetwork",
            "status.phase",
            "status.podIP",
            "status.podIPs",
            "status.nominatedNodeName",
            "spec.host",  # what v1.0 clients sent for spec.nodeName
        )
    ),
    ("", "nodes"): frozenset(("metadata.name", "spec.unschedulable")),
    ("", "replicationcontrollers"): frozenset((*_META, "status.replicas")),
    ("", "events"): frozenset(
        (
            *_META,
            *(f"involvedObject.{name}" for name in _INVOLVED),
            "reason",
            "reportingComponent",
            "source",
            "type",
        )
    ),
    ("", "namespaces"): frozenset(("metadata.name", "status.phase")),
    ("", "secrets"): frozenset((*_META, "type")),
    ("", "services"): frozenset((*_META, "spec.clusterIP", "spec.type")),
    ("batch", "jobs"): frozenset((*_META, "status.successful")),
    ("certificates.k8s.io", "certificatesigningrequests"): frozenset(
        ("metadata.name", "spec.signerName")
    ),
    # events.k8s.io takes its own field names and maps them onto core Event's.
    ("events.k8s.io", "events"): frozenset(
        (
            *_META,
            *(f"regarding.{name}" for name in _INVOLVED),
            "reason",
            "reportingController",
            "source",
            "type",
        )
    ),
    ("resource.k8s.io", "resourceslices"): frozenset(
        ("metadata.name", "spec.nodeName", "spec.driver")
    ),
}
_DEFAULT = frozenset(_META)


def supported_fields(group: str, resource: str) -> frozenset[str]:
    """The field selector fields the API server accepts for a resource (group ``""``: core).

    Every resource takes ``metadata.name``; all but the cluster-scoped ones with a list of
    their own (nodes, namespaces, certificatesigningrequests, resourceslices) take
    ``metadata.namespace``. ReplicaSets take only these two, whatever the Kubernetes
    documentation says of ``status.replicas``: the server rejects it (kubernetes#135136).
    """
    return _SUPPORTED.get((group, resource), _DEFAULT)


# --- reading a field's value the way the server's registry does -------------------------------


@dataclass(frozen=True)
class _Read:
    """Where the registry reads a field: the first path holding a non-empty value, else ``zero``.

    Go's zero values show here: a missing bool reads ``false`` and a missing count ``0``.
    """

    paths: tuple[tuple[str | int, ...], ...]
    zero: str = ""


# Fields whose value is not simply the dotted path of their name (or whose missing value is not
# ""), from each kind's ToSelectableFields, by (group, kind) of the object.
_READS: dict[tuple[str, str], dict[str, _Read]] = {
    ("", "Pod"): {
        "spec.hostNetwork": _Read((("spec", "hostNetwork"),), zero="false"),
        "spec.host": _Read((("spec", "nodeName"),)),
        # The registry takes the first of status.podIPs, which status.podIP mirrors.
        "status.podIP": _Read((("status", "podIPs", 0, "ip"), ("status", "podIP"))),
        # Accepted by the conversion but never put in the selectable fields: always "".
        "status.podIPs": _Read(()),
    },
    ("", "Node"): {"spec.unschedulable": _Read((("spec", "unschedulable"),), zero="false")},
    ("", "ReplicationController"): {"status.replicas": _Read((("status", "replicas"),), zero="0")},
    ("", "Event"): {"source": _Read((("source", "component"), ("reportingComponent",)))},
    ("events.k8s.io", "Event"): {
        "source": _Read((("deprecatedSource", "component"), ("reportingController",)))
    },
    ("batch", "Job"): {"status.successful": _Read((("status", "succeeded"),), zero="0")},
}


def _field_value(obj: Mapping[str, Any], field: str) -> str:
    api_version = obj.get("apiVersion")
    group = api_version.rpartition("/")[0] if isinstance(api_version, str) else ""
    read = _READS.get((group, str(obj.get("kind", ""))), {}).get(field)
    if read is None:
        return _text(_lookup(obj, tuple(field.split("."))))
    for path in read.paths:
        found = _lookup(obj, path)
        if found is not None and found != "":
            return _text(found)
    return read.zero


def _lookup(obj: object, path: tuple[str | int, ...]) -> object:
    for step in path:
        if isinstance(step, int):
            if not isinstance(obj, list) or step >= len(obj):
                return None
            obj = obj[step]
        elif isinstance(obj, Mapping):
            obj = obj.get(step)
        else:
            return None
    return obj


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    # JSON's text for the rest: true/false (as Go's strconv.FormatBool), numbers in decimal.
    return json.dumps(value, separators=(",", ":"), sort_keys=True)

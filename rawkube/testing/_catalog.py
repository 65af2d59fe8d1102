"""What the fake cluster serves: built-in resources from the facts, CRDs as they are created.

Also lays out the discovery documents (legacy and aggregated) and ``/version``, which follow
from the catalogue alone.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from rawkube.testing import _facts

__all__ = ["VERSION", "Catalog", "ResourceType"]

VERSION = {
    "major": "1",
    "minor": "36",
    "emulationMajor": "1",
    "emulationMinor": "36",
    "minCompatibilityMajor": "1",
    "minCompatibilityMinor": "35",
    "gitVersion": "v1.36.2-rawkube-fake",
    "gitCommit": "0000000000000000000000000000000000000000",
    "gitTreeState": "clean",
    "buildDate": "2026-01-01T00:00:00Z",
    "goVersion": "none",
    "compiler": "rawkube",
    "platform": "python",
}
"""``/version``: the Kubernetes release whose facts the fake serves, marked as the fake."""


@dataclass(frozen=True)
class Subresource:
    """A subresource (``status``, ``scale``, ...) and what it answers with."""

    name: str
    group: str
    version: str
    kind: str
    verbs: tuple[str, ...]


@dataclass(frozen=True, eq=False)  # one instance per served resource: identity is equality
class ResourceType:
    """One served resource: where it lives, what it is called and what it allows."""

    group: str
    version: str
    plural: str
    kind: str
    namespaced: bool
    verbs: tuple[str, ...]
    singular: str = ""
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    subresources: Mapping[str, Subresource] = field(default_factory=dict)
    definition: str | None = None
    """The OpenAPI definition of the kind (None for a custom resource)."""
    crd: str | None = None
    """The name of the CustomResourceDefinition serving it (None for a built-in)."""
    schema: Mapping[str, Any] | None = None
    """A custom resource's ``openAPIV3Schema``."""
    printer_columns: tuple[Mapping[str, Any], ...] = ()

    @property
    def api_version(self) -> str:
        """``v1`` or ``<group>/<version>``."""
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def group_resource(self) -> str:
        """``pods`` or ``deployments.apps``: how the server names it in messages."""
        return f"{self.plural}.{self.group}" if self.group else self.plural


def _builtin(group: str, version: str, plural: str, facts: Mapping[str, Any]) -> ResourceType:
    kind = facts["kind"]["kind"]
    subresources = {
        name: Subresource(
            name,
            sub["kind"].get("group", group),
            sub["kind"].get("version", version),
            sub["kind"]["kind"],
            tuple(sub["verbs"]),
        )
        for name, sub in facts.get("subresources", {}).items()
    }
    return ResourceType(
        group=group,
        version=version,
        plural=plural,
        kind=kind,
        namespaced=facts["namespaced"],
        verbs=tuple(facts["verbs"]),
        singular=facts.get("singular", kind.lower()),
        short_names=tuple(facts.get("shortNames", ())),
        categories=tuple(facts.get("categories", ())),
        subresources=subresources,
        definition=_facts.definition_for(group, version, kind),
    )


class Catalog:
    """The served resources by group, version and plural; CRDs added and removed at run time."""

    def __init__(self) -> None:
        self._types: dict[tuple[str, str, str], ResourceType] = {}
        self._preferred: dict[str, str] = {}
        for gv in _facts.served().values():
            group, version = gv["group"], gv["version"]
            self._preferred.setdefault(group, version)
            for plural, facts in gv["resources"].items():
                self._types[group, version, plural] = _builtin(group, version, plural, facts)

    def lookup(self, group: str, version: str, plural: str) -> ResourceType | None:
        """The resource served at that group, version and plural, if any."""
        return self._types.get((group, version, plural))

    def by_kind(self, api_version: str, kind: str) -> ResourceType | None:
        """The resource whose objects have that apiVersion and kind (top-level, not a list)."""
        group, _, version = api_version.rpartition("/")
        for resource in self._types.values():
            if (resource.group, resource.version, resource.kind) == (group, version, kind):
                return resource
        return None

    def types(self) -> Iterator[ResourceType]:
        """Every served resource."""
        return iter(self._types.values())

    def serves(self, group: str, version: str) -> bool:
        """Whether any resource is served in that group-version."""
        return any(g == group and v == version for g, v, _ in self._types)

    # --- custom resources ---------------------------------------------------------------------

    def add_crd(self, crd: Mapping[str, Any]) -> None:
        """Serve the resources a CustomResourceDefinition declares (its served versions)."""
        spec = crd.get("spec") or {}
        names = spec.get("names") or {}
        group, plural = spec.get("group", ""), names.get("plural", "")
        self.remove_crd(crd["metadata"]["name"])
        for version in spec.get("versions") or ():
            if not version.get("served", True):
                continue
            declared = version.get("subresources") or {}
            subresources = {}
            if "status" in declared:
                subresources["status"] = Subresource(
                    "status", group, version["name"], names["kind"], ("get", "patch", "update")
                )
            if "scale" in declared:
                subresources["scale"] = Subresource(
                    "scale", "autoscaling", "v1", "Scale", ("get", "patch", "update")
                )
            self._types[group, version["name"], plural] = ResourceType(
                group=group,
                version=version["name"],
                plural=plural,
                kind=names["kind"],
                namespaced=spec.get("scope", "Namespaced") == "Namespaced",
                verbs=(
                    "create",
                    "delete",
                    "deletecollection",
                    "get",
                    "list",
                    "patch",
                    "update",
                    "watch",
                ),
                singular=names.get("singular", names["kind"].lower()),
                short_names=tuple(names.get("shortNames") or ()),
                categories=tuple(names.get("categories") or ()),
                subresources=subresources,
                crd=crd["metadata"]["name"],
                schema=(version.get("schema") or {}).get("openAPIV3Schema"),
                printer_columns=tuple(version.get("additionalPrinterColumns") or ()),
            )
        self._preferred.setdefault(group, _storage_version(spec))

    def remove_crd(self, name: str) -> list[ResourceType]:
        """Stop serving what a CRD declared; returns the resources it served."""
        gone = [r for r in self._types.values() if r.crd == name]
        for resource in gone:
            del self._types[resource.group, resource.version, resource.plural]
        for group in {r.group for r in gone}:
            if not any(r.group == group for r in self._types.values()):
                self._preferred.pop(group, None)
        return gone

    # --- discovery ----------------------------------------------------------------------------

    def _versions(self) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for group, version, _ in self._types:
            versions = found.setdefault(group, [])
            if version not in versions:
                versions.append(version)
        for group, versions in found.items():
            preferred = self._preferred.get(group, versions[0])
            versions.sort(key=lambda v: v != preferred)
        return found

    def api_versions(self) -> dict[str, Any]:
        """``GET /api``: the legacy APIVersions document."""
        return {
            "kind": "APIVersions",
            "versions": ["v1"],
            "serverAddressByClientCIDRs": [
                {"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1:6443"}
            ],
        }

    def api_group_list(self) -> dict[str, Any]:
        """``GET /apis``: the legacy APIGroupList document."""
        groups = []
        for group, versions in self._versions().items():
            if not group:
                continue
            listed = [{"groupVersion": f"{group}/{v}", "version": v} for v in versions]
            groups.append({"name": group, "versions": listed, "preferredVersion": listed[0]})
        return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}

    def resource_list(self, group: str, version: str) -> dict[str, Any] | None:
        """``GET /api/v1`` or ``/apis/<group>/<version>``: an APIResourceList (None: not served)."""
        if not self.serves(group, version):
            return None
        entries: list[dict[str, Any]] = []
        for resource in self._types.values():
            if (resource.group, resource.version) != (group, version):
                continue
            entry: dict[str, Any] = {
                "name": resource.plural,
                "singularName": resource.singular,
                "namespaced": resource.namespaced,
                "kind": resource.kind,
                "verbs": list(resource.verbs),
            }
            if resource.short_names:
                entry["shortNames"] = list(resource.short_names)
            if resource.categories:
                entry["categories"] = list(resource.categories)
            entries.append(entry)
            for sub in resource.subresources.values():
                sub_entry: dict[str, Any] = {
                    "name": f"{resource.plural}/{sub.name}",
                    "singularName": "",
                    "namespaced": resource.namespaced,
                    "kind": sub.kind,
                    "verbs": list(sub.verbs),
                }
                if (sub.group, sub.version) != (group, version):
                    sub_entry.update(group=sub.group, version=sub.version)
                entries.append(sub_entry)
        group_version = f"{group}/{version}" if group else version
        return {
            "kind": "APIResourceList",
            "apiVersion": "v1",
            "groupVersion": group_version,
            "resources": entries,
        }

    def aggregated(self, legacy: bool) -> dict[str, Any]:
        """``GET /api`` (legacy) or ``/apis`` as an apidiscovery.k8s.io/v2 APIGroupDiscoveryList."""
        items = []
        for group, versions in self._versions().items():
            if (group == "") != legacy:
                continue
            listed = []
            for version in versions:
                resources = [
                    _aggregated_resource(r)
                    for r in self._types.values()
                    if (r.group, r.version) == (group, version)
                ]
                listed.append({"version": version, "resources": resources, "freshness": "Current"})
            metadata = {"name": group} if group else {}
            items.append({"metadata": metadata, "versions": listed})
        return {
            "kind": "APIGroupDiscoveryList",
            "apiVersion": "apidiscovery.k8s.io/v2",
            "metadata": {},
            "items": items,
        }


def _aggregated_resource(resource: ResourceType) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "resource": resource.plural,
        "responseKind": {"group": "", "version": "", "kind": resource.kind},
        "scope": "Namespaced" if resource.namespaced else "Cluster",
        "singularResource": resource.singular,
        "verbs": list(resource.verbs),
    }
    if resource.short_names:
        entry["shortNames"] = list(resource.short_names)
    if resource.categories:
        entry["categories"] = list(resource.categories)
    if resource.subresources:
        entry["subresources"] = [
            {
                "subresource": sub.name,
                "responseKind": {
                    "group": sub.group if sub.group != resource.group else "",
                    "version": sub.version if sub.version != resource.version else "",
                    "kind": sub.kind,
                },
                "verbs": list(sub.verbs),
            }
            for sub in resource.subresources.values()
        ]
    return entry


def _storage_version(spec: Mapping[str, Any]) -> str:
    versions = spec.get("versions") or [{"name": "v1"}]
    for version in versions:
        if version.get("storage"):
            return str(version["name"])
    return str(versions[0]["name"])

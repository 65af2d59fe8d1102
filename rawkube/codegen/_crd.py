"""What a CustomResourceDefinition declares, read from its manifest: one record per version."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["CodegenError", "CrdVersion", "crd_versions"]


class CodegenError(ValueError):
    """A CRD that cannot be turned into models (the message names it and what is at fault)."""


@dataclass(frozen=True)
class CrdVersion:
    """One served version of a CRD: the names of its kind and its OpenAPI v3 schema."""

    crd: str  # the CRD's own name, "certificates.cert-manager.io"
    group: str
    version: str
    kind: str
    plural: str
    singular: str
    namespaced: bool
    short_names: tuple[str, ...]
    categories: tuple[str, ...]
    storage: bool
    deprecated: bool
    schema: Mapping[str, Any]

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}"


def crd_versions(crd: Mapping[str, Any]) -> list[CrdVersion]:
    """The served versions of one ``apiextensions.k8s.io/v1`` CustomResourceDefinition.

    Raises :class:`CodegenError` for another kind of object, or a CRD missing its group, names
    or versions.
    """
    kind = crd.get("kind")
    api_version = crd.get("apiVersion")
    name = str((crd.get("metadata") or {}).get("name") or "?")
    if kind != "CustomResourceDefinition":
        raise CodegenError(f"{api_version}/{kind} {name}: not a CustomResourceDefinition")
    if api_version != "apiextensions.k8s.io/v1":
        raise CodegenError(
            f"CustomResourceDefinition {name}: {api_version} is not read, only "
            "apiextensions.k8s.io/v1 (the only version Kubernetes serves since 1.22)"
        )
    spec = crd.get("spec") or {}
    names = spec.get("names") or {}
    group, kind_name, plural = spec.get("group"), names.get("kind"), names.get("plural")
    if not (group and kind_name and plural):
        raise CodegenError(f"CustomResourceDefinition {name}: spec.group or spec.names is missing")
    versions = spec.get("versions") or []
    if not versions:
        raise CodegenError(f"CustomResourceDefinition {name}: spec.versions is empty")
    found = []
    for entry in versions:
        if not entry.get("served", True):
            continue
        schema = (entry.get("schema") or {}).get("openAPIV3Schema") or {}
        found.append(
            CrdVersion(
                crd=name,
                group=str(group),
                version=str(entry["name"]),
                kind=str(kind_name),
                plural=str(plural),
                singular=str(names.get("singular") or ""),
                namespaced=spec.get("scope", "Namespaced") == "Namespaced",
                short_names=tuple(names.get("shortNames") or ()),
                categories=tuple(names.get("categories") or ()),
                storage=bool(entry.get("storage")),
                deprecated=bool(entry.get("deprecated")),
                schema=schema,
            )
        )
    return found

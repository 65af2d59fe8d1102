"""Applying manifests: what each object is, where it goes, and errors that say which one failed.

``Client.apply_manifests`` and its async twin do only the requests; the decisions are here.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import IO, Any, TypeVar

from rawkube.core._resource import GroupVersion, GroupVersionKind, ResourceInfo

__all__ = ["Manifest", "located", "manifests_of", "namespace_for"]

E = TypeVar("E", bound=Exception)

Source = str | bytes | os.PathLike[str] | IO[str] | IO[bytes] | Iterable[object]


@dataclass(frozen=True)
class Manifest:
    """One object to apply: its place in the input, identity, and model (None: a dict)."""

    index: int
    obj: Any
    gvk: GroupVersionKind
    name: str
    namespace: str | None
    model: type[Any] | None

    @property
    def label(self) -> str:
        return f"document {self.index} ({self.gvk.kind} {self.name})"


def manifests_of(source: Source) -> list[Manifest]:
    """The objects of YAML text (or bytes, a file, a path) or of an iterable of objects.

    Raises :class:`~rawkube.DecodeError` for YAML that is not manifests, ``TypeError`` for an
    object that is neither a model nor a mapping, ``ValueError`` for one without apiVersion,
    kind or metadata.name.
    """
    from rawkube.models._yaml import load_all_yaml

    if isinstance(source, (str, bytes, os.PathLike)) or hasattr(source, "read"):
        objects: list[Any] = list(load_all_yaml(source))  # type: ignore[arg-type]
    else:
        objects = list(source)
    return [_manifest(index, obj) for index, obj in enumerate(objects)]


def _manifest(index: int, obj: Any) -> Manifest:
    from rawkube.models import Resource

    if isinstance(obj, Resource):
        data = obj.to_dict()
        model: type[Any] | None = type(obj) if hasattr(type(obj), "__resource__") else None
    elif isinstance(obj, Mapping):
        data, model = dict(obj), None
    else:
        raise TypeError(f"document {index} is a {type(obj).__name__}, not a model or a mapping")
    api_version, kind = data.get("apiVersion"), data.get("kind")
    metadata = data.get("metadata") if isinstance(data.get("metadata"), dict) else {}
    name = metadata.get("name") if isinstance(metadata, dict) else None
    if not (isinstance(api_version, str) and api_version and isinstance(kind, str) and kind):
        raise ValueError(f"document {index} needs an apiVersion and a kind")
    if not (isinstance(name, str) and name):
        raise ValueError(f"document {index} ({kind}) needs a metadata.name to be applied")
    group_version = GroupVersion.parse(api_version)
    gvk = GroupVersionKind(group_version.group, group_version.version, kind)
    namespace = metadata.get("namespace") if isinstance(metadata, dict) else None
    return Manifest(index, obj, gvk, name, namespace or None, model)


def namespace_for(
    manifest: Manifest, info: ResourceInfo, namespace: str | None, default: str
) -> str | None:
    """Where the object goes: its own namespace, else ``namespace``, else the config's.

    A cluster-scoped object goes nowhere. Raises ``ValueError``, as kubectl does, when the
    object names a namespace other than the one the caller asked for.
    """
    if not info.namespaced:
        return None
    if manifest.namespace and namespace and manifest.namespace != namespace:
        raise ValueError(
            f"{manifest.label} is in namespace {manifest.namespace!r}, not the "
            f"{namespace!r} asked for"
        )
    return manifest.namespace or namespace or default


def located(exc: E, manifest: Manifest) -> E:
    """A copy of ``exc`` whose message starts with the manifest's place and identity."""
    where = manifest.label
    if str(exc).startswith(where):
        return exc
    located_exc = copy.copy(exc)
    located_exc.args = (f"{where}: {exc.args[0] if exc.args else exc}", *exc.args[1:])
    if isinstance(getattr(exc, "message", None), str):
        located_exc.message = f"{where}: {exc.message}"  # type: ignore[attr-defined]
    return located_exc

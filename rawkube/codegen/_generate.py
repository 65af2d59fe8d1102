"""CRD manifests in, module sources out: the pure part of ``rawkube gen-models`` (no I/O)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from rawkube.codegen._crd import CodegenError, crd_versions
from rawkube.codegen._plan import plan_modules
from rawkube.codegen._render import render_module

__all__ = ["generate_models"]


def generate_models(
    crds: Iterable[Mapping[str, Any] | Any], *, command: str = "rawkube.codegen.generate_models"
) -> dict[str, str]:
    """The source of one module per group-version the CRDs serve: ``{module name: source}``.

    ``crds`` are CustomResourceDefinition objects (``apiextensions.k8s.io/v1``) as dicts or as
    models; every served version of each becomes models. ``command`` is written in each module's
    header, to say how it was made. The same input gives byte-identical output.

    Raises :class:`CodegenError` for an object that is not such a CRD, or CRDs at odds (the same
    kind declared twice, differently).
    """
    versions = []
    for crd in crds:
        data = crd.to_dict() if hasattr(crd, "to_dict") else crd
        if not isinstance(data, Mapping):
            raise CodegenError(f"not a CustomResourceDefinition: {type(crd).__name__}")
        versions += crd_versions(data)
    if not versions:
        raise CodegenError("no CustomResourceDefinition serves a version")
    modules = plan_modules(versions)
    return {name: render_module(modules[name], command) for name in sorted(modules)}

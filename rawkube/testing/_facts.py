"""The API facts the fake cluster serves: GA group-versions, resources and definitions.

``_facts.json`` is a copy of what ``schemas/`` records, written by
``scripts/gen_fake_facts.py`` (an installed package has no ``schemas/``).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from importlib import resources as package_files
from typing import Any

__all__ = ["definition_for", "definitions", "served"]


@functools.cache
def _document() -> dict[str, Any]:
    text = package_files.files("rawkube.testing").joinpath("_facts.json").read_text("utf-8")
    document: dict[str, Any] = json.loads(text)
    return document


def served() -> Mapping[str, Any]:
    """The served group-versions by apiVersion (``v1``, ``apps/v1``), as in resources.json."""
    resources: Mapping[str, Any] = _document()["resources"]
    return resources


def definitions() -> Mapping[str, Any]:
    """Every OpenAPI definition by name (``io.k8s.api.core.v1.Pod``), reduced to facts."""
    found: Mapping[str, Any] = _document()["definitions"]
    return found


@functools.cache
def _by_kind() -> dict[tuple[str, str, str], str]:
    index: dict[tuple[str, str, str], str] = {}
    for name, schema in definitions().items():
        for gvk in schema.get("x-kubernetes-group-version-kind", ()):
            index.setdefault((gvk["group"], gvk["version"], gvk["kind"]), name)
    return index


def definition_for(group: str, version: str, kind: str) -> str | None:
    """The name of the definition of a kind (None for a kind the facts do not know)."""
    return _by_kind().get((group, version, kind))

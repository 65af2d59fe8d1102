"""Generated packages for the codegen tests: written under tmp_path, imported, forgotten after."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

import pytest

from rawkube.codegen import generate_models, read_crds, write_models
from rawkube.models import _base

CRDS = Path(__file__).resolve().parents[1] / "fixtures" / "crds"

Generate = Callable[..., dict[str, ModuleType]]


@pytest.fixture
def generated(tmp_path: Path) -> Iterator[Generate]:
    """``generated(*paths)``: the CRDs' modules, written into a package of their own and imported."""
    packages: list[str] = []

    def generate(*paths: Path | str, package: str | None = None) -> dict[str, ModuleType]:
        name = package or f"crdmodels_{len(packages)}"
        sources = generate_models(read_crds(paths), command="test")
        write_models(sources, tmp_path / name)
        packages.append(name)
        importlib.invalidate_caches()
        return {module: importlib.import_module(f"{name}.{module}") for module in sources}

    # Importing a model registers its (apiVersion, kind) for every later decode: the kinds
    # these tests make up must not outlive them.
    registry = dict(_base._REGISTRY)
    sys.path.insert(0, str(tmp_path))
    try:
        yield generate
    finally:
        sys.path.remove(str(tmp_path))
        _base._REGISTRY.clear()
        _base._REGISTRY.update(registry)
        for module in list(sys.modules):
            if module.split(".")[0] in packages:
                del sys.modules[module]

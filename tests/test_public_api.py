"""The public surface: ``__all__`` is sorted, complete and importable."""

from __future__ import annotations

import importlib
import pkgutil

import rawkube
from rawkube import errors


def test_all_is_sorted_and_importable():
    for module in (rawkube, errors):
        assert module.__all__ == sorted(module.__all__)
        for name in module.__all__:
            assert hasattr(module, name), name


def test_every_error_class_is_exported():
    from rawkube import _exceptions

    defined = {
        name
        for name, value in vars(_exceptions).items()
        if isinstance(value, type) and issubclass(value, Exception) and not name.startswith("_")
    }
    assert defined <= set(rawkube.__all__)


def test_every_module_has_a_docstring():
    for info in pkgutil.walk_packages(rawkube.__path__, "rawkube."):
        if info.name == "rawkube.__main__":
            continue
        module = importlib.import_module(info.name)
        assert module.__doc__, info.name
        assert module.__doc__.strip(), info.name


def test_py_typed_ships():
    import pathlib

    assert (pathlib.Path(rawkube.__file__).parent / "py.typed").exists()


def test_importing_rawkube_leaves_the_slow_imports_for_later():
    # Import time is measured in bench/; this guards the cause: heavy modules stay unloaded
    # until a program needs them (pydantic for a Status or a model, yaml for a kubeconfig).
    import subprocess
    import sys

    code = "import sys, rawkube; print(sorted(m for m in ('pydantic', 'yaml', 'asyncio', 'anyio') if m in sys.modules))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


def test_status_models_load_on_first_use():
    assert rawkube.Status.model_validate_json(b'{"kind":"Status","code":404}').code == 404
    assert rawkube.StatusDetails is not None

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

"""Public names report the package users import them from, not the private module defining them."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from typing import Any

PUBLIC_PACKAGES = frozenset(
    {
        "rawkube",
        "rawkube.codegen",
        "rawkube.config",
        "rawkube.errors",
        "rawkube.models",
        "rawkube.runtime",
        "rawkube.testing",
    }
)


def publish(package: str, namespace: Mapping[str, Any], names: Iterable[str]) -> None:
    """Report each class and function of ``names`` as ``package``'s (``__module__``).

    So reprs, tracebacks and generated documentation say ``rawkube.NotFoundError``, the name a
    user writes, and pickles name it too. A name another public package already reports keeps
    it, so the first public package to export a name names it. Dataclasses and pydantic models
    keep their defining module: their annotations are text, resolved in the module that
    ``__module__`` names, and the package does not hold every name they use.
    """
    for name in names:
        obj = namespace.get(name)
        if not isinstance(obj, type) and not hasattr(obj, "__code__"):
            continue  # not a class or a function: a constant, a module, a type alias
        current = getattr(obj, "__module__", "")
        if not current.startswith("rawkube.") or current in PUBLIC_PACKAGES:
            continue
        if isinstance(obj, type) and (
            dataclasses.is_dataclass(obj) or hasattr(obj, "__pydantic_fields__")
        ):
            continue
        obj.__module__ = package


def public_dir(
    namespace: Mapping[str, Any], names: Iterable[str], submodules: Iterable[str] = ()
) -> list[str]:
    """What ``dir()`` shows of a public package: ``names`` (its ``__all__``), the public
    ``submodules`` it serves as attributes, and its dunders; not what its code imports for its
    own use (``Any``, ``TYPE_CHECKING``, ``importlib``, private modules)."""
    dunders = {name for name in namespace if name.startswith("__") and name.endswith("__")}
    return sorted({*names, *submodules, *dunders})

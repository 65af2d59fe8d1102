"""Objects in the order ``kubectl get --sort-by=JSONPATH`` prints them, no I/O.

Strings compare by their characters (``web-10`` before ``web-9``: kubectl compares the fields
of objects read from JSON so), numbers by value, ``false`` before ``true`` (where kubectl
stops: it cannot sort booleans). Objects without the field come first, the later ones before
the earlier ones, as kubectl's sort leaves them in a list of up to 12; the others keep their
order where their values are equal.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from rawkube.core._jsonpath import path_steps, walk

__all__ = ["sort_by", "sort_path"]

T = TypeVar("T")


def sort_path(text: str) -> tuple[str, tuple[str | int, ...]]:
    """``--sort-by``'s path (``{.metadata.name}``, ``.metadata.name`` or ``metadata.name``) as
    kubectl shows it, ``{.metadata.name}``, and its steps. Raises ``ValueError`` naming what is
    wrong with it."""
    path = text.strip()
    if path.startswith("{") or path.endswith("}"):
        if not (path.startswith("{") and path.endswith("}")):
            raise ValueError(f"--sort-by {text!r}: unbalanced braces")
        path = path[1:-1].strip()
    try:
        steps = path_steps(path)
    except ValueError as exc:
        raise ValueError(f"--sort-by {text!r}: {exc}") from None
    return "{" + ("" if path.startswith((".", "[")) else ".") + path + "}", steps


def sort_by(
    items: Sequence[T], path: str, data_of: Callable[[T], Any] = lambda item: item
) -> list[T]:
    """``items`` sorted by the field at ``path`` (as :func:`sort_path` reads it) of
    ``data_of(item)``: see the module docstring.

    Raises ``ValueError`` for a path :func:`sort_path` refuses, when no item has the field
    (kubectl's "couldn't find any field"), or when the values are maps, lists or of kinds
    that do not compare (a string and a number).
    """
    shown, steps = sort_path(path)
    missing: list[T] = []
    present: list[tuple[Any, T]] = []
    for item in items:
        found, value = walk(data_of(item), steps)
        if found and value is not None:
            present.append((value, item))
        else:
            missing.append(item)
    if not present:
        if not items:
            return []
        raise ValueError(f'couldn\'t find any field with path "{shown}" in the list of objects')
    kinds = {_kind(value) for value, _ in present}
    if None in kinds:
        raise ValueError(f"the field {shown} holds a map or a list: it does not sort")
    if len(kinds) > 1:
        raise ValueError(f"the field {shown} holds values of different types: they do not sort")
    ordered = sorted(present, key=lambda pair: pair[0])
    return [*reversed(missing), *(item for _, item in ordered)]


def _kind(value: object) -> str | None:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    return None

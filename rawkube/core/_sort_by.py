"""Objects in the order ``kubectl get --sort-by=JSONPATH`` prints them, no I/O.

Strings compare as kubectl compares them, "naturally" (a run of digits as a number: ``web-9``
before ``web-10``), numbers by value, ``false`` before ``true``. Objects without the field
come first, the later ones before the earlier ones, as kubectl's sort leaves them in a list of
up to 12; the others keep their order where their values are equal.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from rawkube.core._jsonpath import path_steps, walk

__all__ = ["natural_less", "sort_by", "sort_path"]

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
    key = functools.cmp_to_key(_compare)
    ordered = sorted(present, key=lambda pair: key(pair[0]))
    return [*reversed(missing), *(item for _, item in ordered)]


def natural_less(left: str, right: str) -> bool:
    """Whether ``left`` sorts before ``right``, runs of digits compared as numbers (fewer
    leading zeros first among equal numbers) and digits before other characters, as kubectl
    orders strings."""
    i = j = 0
    while i < len(left) and j < len(right):
        a, b = left[i], right[j]
        a_digit, b_digit = _digit(a), _digit(b)
        if a_digit != b_digit:
            return a_digit
        if not a_digit:
            if a != b:
                return a < b
            i, j = i + 1, j + 1
            continue
        while i < len(left) and left[i] == "0":
            i += 1
        while j < len(right) and right[j] == "0":
            j += 1
        start_i, start_j = i, j
        while i < len(left) and _digit(left[i]):
            i += 1
        while j < len(right) and _digit(right[j]):
            j += 1
        if i - start_i != j - start_j:
            return i - start_i < j - start_j
        if left[start_i:i] != right[start_j:j]:
            return left[start_i:i] < right[start_j:j]
        if start_i != start_j:
            return start_i < start_j
    return len(left) < len(right)


def _digit(char: str) -> bool:
    return "0" <= char <= "9"


def _kind(value: object) -> str | None:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    return None


def _compare(left: Any, right: Any) -> int:
    if isinstance(left, str):
        less, more = natural_less(left, right), natural_less(right, left)
    else:
        less, more = left < right, right < left
    return -1 if less else 1 if more else 0

"""A field of an object named by a JSONPath subset: dotted names and ``[n]`` indexes.

``wait(for_="jsonpath=...")`` and the CLI's ``--sort-by`` read paths such as
``.status.conditions[0].type``, ``.metadata.labels['app.kubernetes.io/name']`` or
``.metadata.labels.app\\.kubernetes\\.io/name``: no filters, wildcards or expressions.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["path_steps", "walk"]

_NAME_CHARS = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:"
)  # what the names of a path are made of


def path_steps(path: str) -> tuple[str | int, ...]:
    """The names and indexes of a path such as ``.status.conditions[0].type``."""
    if not path:
        raise ValueError("the jsonpath is empty")
    steps: list[str | int] = []
    at = 1 if path.startswith(".") else 0
    expect_name = True
    while at < len(path):
        char = path[at]
        if char == "[":
            end = path.find("]", at)
            if end < 0:
                raise ValueError(f"the jsonpath {path!r} has an unclosed '['")
            steps.append(_bracket(path, path[at + 1 : end]))
            at, expect_name = end + 1, False
        elif char == "." and not expect_name:
            at, expect_name = at + 1, True
        elif expect_name:
            name, at = _name(path, at)
            steps.append(name)
            expect_name = False
        else:
            raise ValueError(f"the jsonpath {path!r} has {char!r} where '.' or '[' belongs")
    if expect_name:
        raise ValueError(f"the jsonpath {path!r} ends without a name")
    return tuple(steps)


def _name(path: str, at: int) -> tuple[str, int]:
    """A dotted name from ``at``, ``\\.`` taken as a dot of the name; and where it ends."""
    chars: list[str] = []
    while at < len(path) and path[at] not in ".[":
        if path[at] == "\\" and path[at + 1 : at + 2] == ".":
            chars.append(".")
            at += 2
            continue
        if path[at] not in _NAME_CHARS:
            raise ValueError(
                f"the jsonpath {path!r} has {path[at]!r}: only names, '.' and [n] are taken"
            )
        chars.append(path[at])
        at += 1
    if not chars:
        raise ValueError(f"the jsonpath {path!r} has an empty name")
    return "".join(chars), at


def _bracket(path: str, inside: str) -> str | int:
    if inside.isdecimal():
        return int(inside)
    if len(inside) >= 3 and inside[0] == inside[-1] and inside[0] in ("'", '"'):
        return inside[1:-1]
    raise ValueError(f"the jsonpath {path!r} has [{inside}]: only [n] and ['name'] are taken")


def walk(data: Any, steps: tuple[str | int, ...]) -> tuple[bool, Any]:
    """(whether the path leads somewhere, the value there)."""
    for step in steps:
        if isinstance(step, int):
            if not isinstance(data, list) or step >= len(data):
                return False, None
            data = data[step]
        elif isinstance(data, Mapping) and step in data:
            data = data[step]
        else:
            return False, None
    return True, data

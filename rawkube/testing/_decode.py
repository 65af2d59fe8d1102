"""Request bodies read as kube-apiserver reads them: JSON and YAML text to plain JSON values.

Go's ``encoding/json`` (through sigs.k8s.io/json) gives the rules the fake copies:

* a string with bytes that are not UTF-8, or with a ``\\uD800``-style escape that is half of
  a surrogate pair, is read with U+FFFD in their place: never refused, never stored broken;
* ``NaN``, ``Infinity`` and anything after the value are syntax errors;
* a document nested deeper than :data:`GO_MAX_DEPTH` (10,000) arrays and objects is refused
  as the scanner refuses it: ``invalid character '[' exceeded max depth``.

Python's decoders recurse, and the objects the fake keeps are copied and served by code that
recurses too, so the fake reads at most :data:`MAX_DEPTH` levels: deeper than any Kubernetes
object, well inside what every one of those steps can take. A body between the two limits is
refused with a message that says it is the fake's limit, not the API server's.
"""

from __future__ import annotations

import json
import re
from typing import Any

__all__ = ["GO_MAX_DEPTH", "MAX_DEPTH", "BodyError", "decode_json", "decode_yaml", "depth"]

GO_MAX_DEPTH = 10_000
"""encoding/json's maxNestingDepth: the 10,001st open array or object is a syntax error."""

MAX_DEPTH = 200
"""The deepest JSON the fake reads (see the module docstring)."""

# A string token, or a bracket outside one: enough to count nesting without parsing.
_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.S)
# Half of a surrogate pair written as an escape; json.loads keeps it as a lone surrogate.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_SURROGATE = re.compile("[\ud800-\udfff]")


class BodyError(ValueError):
    """A body the decoder refuses; the message is the decoder's, as the server quotes it."""


def decode_json(data: bytes) -> Any:
    """The JSON value of ``data``, as Go would decode it into an ``interface{}``.

    Raises:
        BodyError: not JSON, nested too deeply, or a constant Go does not know.
    """
    # Go reads invalid UTF-8 inside a string as U+FFFD; outside one it is a syntax error
    # either way, and a replacement character there is one too.
    text = data.decode("utf-8", "replace")
    problem = _depth_problem(text)
    if problem is not None:
        raise BodyError(problem)
    try:
        value = json.loads(text, parse_constant=_no_constant)
    except RecursionError:  # only below MAX_DEPTH on a very deep stack: refuse all the same
        raise BodyError(_too_deep_for_the_fake()) from None
    except json.JSONDecodeError as exc:
        raise BodyError(_go_syntax_error(exc)) from None
    except ValueError as exc:
        raise BodyError(str(exc)) from None
    if _SURROGATE_ESCAPE.search(text):
        value = _without_surrogates(value)
    return value


def decode_yaml(data: bytes) -> Any:
    """The value of the one YAML document in ``data``, read as kubectl and the server read YAML.

    Raises:
        BodyError: not UTF-8, not YAML, several documents, nested too deeply, or aliases that
            expand too far.
    """
    from rawkube.core._exceptions import DecodeError
    from rawkube.core._yaml import load_yaml_document

    try:
        value = load_yaml_document(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise BodyError(f"yaml: invalid UTF-8 at byte {exc.start}") from None
    except DecodeError as exc:
        raise BodyError(f"yaml: {exc}") from None
    if depth(value) > MAX_DEPTH:
        raise BodyError(_too_deep_for_the_fake())
    return value


def depth(value: Any) -> int:
    """How many arrays and objects deep ``value`` nests (0 for a scalar), without recursing."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, level + 1)
        stack.extend((child, level + 1) for child in children)
    return deepest


# Python's syntax errors as Go's scanner words them, where the two say the same thing.
_GO_SYNTAX = {
    "Expecting value": "invalid character {} looking for beginning of value",
    "Expecting property name enclosed in double quotes": (
        "invalid character {} looking for beginning of object key string"
    ),
    "Expecting ':' delimiter": "invalid character {} after object key",
    "Extra data": "invalid character {} after top-level value",
    "Invalid control character at": "invalid character {} in string literal",
}


def _go_syntax_error(exc: json.JSONDecodeError) -> str:
    """Go's message for the same syntax error: the end of the input, or the character met."""
    rest = exc.doc[exc.pos :]
    if not rest.strip():
        return "unexpected end of JSON input"
    wording = _GO_SYNTAX.get(exc.msg)
    return wording.format(_go_char(rest[0])) if wording else str(exc)


def _go_char(char: str) -> str:
    """A character as Go's scanner quotes it in an error (its quoteChar)."""
    from rawkube.testing._errors import go_quote

    if char == "'":
        return "'\\''"
    if char == '"':
        return "'\"'"
    return "'" + go_quote(char)[1:-1] + "'"


def _no_constant(name: str) -> Any:
    raise ValueError(f"invalid character {name[0]!r} looking for beginning of value")


def _too_deep_for_the_fake() -> str:
    return (
        f"nested more than {MAX_DEPTH} levels deep: deeper than the fake API server reads "
        f"(kube-apiserver reads up to {GO_MAX_DEPTH})"
    )


def _depth_problem(text: str) -> str | None:
    # Few brackets cannot nest deeply: most bodies never reach the scan.
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return None
    level = deepest = 0
    for match in _TOKENS.finditer(text):
        token = match.group()
        if token in ("[", "{"):
            level += 1
            if level > GO_MAX_DEPTH:
                return f"invalid character {token!r} exceeded max depth"
            deepest = max(deepest, level)
        elif token in ("]", "}"):
            level -= 1
    return _too_deep_for_the_fake() if deepest > MAX_DEPTH else None


def _without_surrogates(value: Any) -> Any:
    """``value`` with every lone surrogate (keys included) replaced by U+FFFD, as Go reads them."""
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, list):
        return [_without_surrogates(item) for item in value]
    if isinstance(value, dict):
        return {_without_surrogates(k): _without_surrogates(v) for k, v in value.items()}
    return value

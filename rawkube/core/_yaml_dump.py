"""Write JSON-like data as YAML that kubectl, and ``load_all_yaml``, read back as it was."""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["dump_documents"]

# go-yaml v2 (what kubectl reads YAML with) also takes y/Y/n/N for booleans: such strings are
# quoted, so that no reader turns them into true or false.
_MORE_BOOLEANS = re.compile(r"^(?:y|Y|n|N)$")


_STR = "tag:yaml.org,2002:str"
# What only a double-quoted scalar carries through unchanged: characters YAML cannot print, and
# line breaks other than \n (a reader folds or normalises them anywhere else).
_NEEDS_ESCAPES = re.compile(
    "[^\x09\x0a\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]|[\x85\u2028\u2029\ufeff]"
)


@functools.cache
def _dumper() -> type[Any]:
    import yaml

    class Dumper(yaml.SafeDumper):
        """Block style, keys in their order, multi-line text as a literal block."""

        def ignore_aliases(self, data: Any) -> bool:
            return True  # equal values are written out each time, never as anchors

    def text(dumper: Dumper, value: str) -> Any:
        # Text a reader would take for another type is double-quoted, as kubectl writes it;
        # the emitter falls back to quotes when a literal block cannot hold the text exactly.
        resolve: Any = dumper.resolve  # PyYAML's resolver is untyped
        plain = resolve(yaml.ScalarNode, value, (True, False))
        if plain != _STR or _NEEDS_ESCAPES.search(value):
            style: str | None = '"'
        else:
            style = "|" if "\n" in value else None
        return dumper.represent_scalar(_STR, value, style=style)

    def number(dumper: Dumper, value: float) -> Any:
        if not math.isfinite(value):
            raise ValueError(f"{value} cannot be written: Kubernetes objects are JSON")
        return yaml.SafeDumper.represent_float(dumper, value)

    Dumper.add_representer(str, text)
    Dumper.add_representer(float, number)
    # Every string a reader could take for another type (a number, a boolean, null, a date)
    # is quoted: PyYAML's YAML 1.1 rules cover more than kubectl's reader, never less, but for
    # go-yaml's one-letter booleans.
    Dumper.add_implicit_resolver("tag:yaml.org,2002:bool", _MORE_BOOLEANS, list("yYnN"))
    return Dumper


def _checked(value: Any, path: str) -> Any:
    """``value`` with its mappings as plain dicts; raises for what JSON cannot hold."""
    if isinstance(value, Mapping):
        out = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"{path}: a key is a {type(key).__name__}, not a str")
            out[key] = _checked(item, f"{path}.{key}")
        return out
    if isinstance(value, (list, tuple)):
        return [_checked(item, f"{path}[{i}]") for i, item in enumerate(value)]
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    raise TypeError(f"{path} is a {type(value).__name__}, which YAML of an object cannot hold")


def dump_documents(documents: Iterable[Any]) -> str:
    """Each of ``documents`` (JSON-like data) as a YAML document, ``---`` between them.

    Block style, keys kept in their order, text with line breaks as literal blocks, and any
    string that would read back as another type quoted. Raises ``TypeError`` for a value
    JSON cannot hold (a non-string key, bytes, an object) and ``ValueError`` for NaN or an
    infinity.
    """
    import yaml

    checked = [_checked(doc, "document " + str(i)) for i, doc in enumerate(documents)]
    if not checked:
        return ""
    dumped: str = yaml.dump_all(
        checked,
        Dumper=_dumper(),
        default_flow_style=False,
        sort_keys=False,
        allow_unicode=True,
        width=1 << 30,  # never fold a long line: what is written is what was given
        explicit_start=len(checked) > 1,
    )
    return dumped

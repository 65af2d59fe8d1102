"""Typed reads from a parsed kubeconfig: each error names the file and key, never the value."""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rawkube.config._config import redact_url
from rawkube.core._exceptions import ConfigError

__all__ = [
    "Origin",
    "as_mapping",
    "optional_base64",
    "optional_bool",
    "optional_path",
    "optional_str",
    "quoted",
    "resolve_path",
    "str_list",
    "str_list_map",
    "type_name",
]


@dataclass(frozen=True)
class Origin:
    """Where a value lives: a file and a key path inside it (``users[1].user``)."""

    file: str
    key: str = ""

    def __truediv__(self, key: str) -> Origin:
        return Origin(self.file, f"{self.key}.{key}" if self.key else key)

    def at(self, index: int) -> Origin:
        """The ``index``-th item of the list at this key."""
        return Origin(self.file, f"{self.key}[{index}]")

    def __str__(self) -> str:
        return f"{self.file}: {self.key}" if self.key else self.file

    def error(self, problem: str) -> ConfigError:
        """A ConfigError about this place; ``problem`` must never hold a secret value."""
        return ConfigError(f"{self}: {problem}")

    @property
    def directory(self) -> Path:
        """The directory relative paths defined here are resolved against."""
        return Path(self.file).parent


def as_mapping(value: Any, at: Origin) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise at.error("must be a mapping")
    return value


def optional_str(body: Mapping[str, Any], key: str, at: Origin) -> str | None:
    """A string, or None when absent, null or empty (Go reads all three as unset)."""
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise (at / key).error(f"must be a string, not {type_name(value)}")
    return value or None


def optional_bool(body: Mapping[str, Any], key: str, at: Origin) -> bool:
    value = body.get(key)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise (at / key).error(f"must be true or false, not {type_name(value)}")
    return value


def optional_path(body: Mapping[str, Any], key: str, at: Origin) -> Path | None:
    value = optional_str(body, key, at)
    return None if value is None else resolve_path(value, at)


def resolve_path(value: str, at: Origin) -> Path:
    """``~`` expanded; a relative path taken from the directory of the file that defined it."""
    path = Path(os.path.expanduser(value))
    return path if path.is_absolute() else at.directory / path


def optional_base64(body: Mapping[str, Any], key: str, at: Origin) -> bytes | None:
    value = optional_str(body, key, at)
    if value is None:
        return None
    # Go's JSON decoder skips line breaks inside base64 and wants standard padding.
    compact = value.replace("\r", "").replace("\n", "")
    try:
        return base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        raise (at / key).error("not valid base64") from None


def str_list(body: Mapping[str, Any], key: str, at: Origin) -> tuple[str, ...]:
    value = body.get(key)
    if value is None:
        return ()
    if not isinstance(value, list):
        raise (at / key).error(f"must be a list of strings, not {type_name(value)}")
    for index, item in enumerate(value):
        if not isinstance(item, str):
            raise (at / key).at(index).error(f"must be a string, not {type_name(item)}")
    return tuple(value)


def str_list_map(body: Mapping[str, Any], key: str, at: Origin) -> dict[str, tuple[str, ...]]:
    value = as_mapping(body.get(key), at / key)
    out: dict[str, tuple[str, ...]] = {}
    for name in value:
        if not isinstance(name, str):
            raise (at / key).error("keys must be strings")
        out[name] = str_list(value, name, at / key)
    return out


def quoted(value: str) -> str:
    """A name or value quoted for a message, a URL's password masked.

    Names are quoted to help, but a mistake can put a server URL where a name belongs.
    """
    return repr(redact_url(value))


def type_name(value: Any) -> str:
    names = {
        bool: "a boolean",
        int: "a number",
        float: "a number",
        list: "a list",
        dict: "a mapping",
    }
    return names.get(type(value), type(value).__name__)

"""Config maps and secrets: their keys, their size, and immutable data."""

from __future__ import annotations

import re
from typing import Any

from rawkube.testing._validate._causes import (
    Cause,
    Obj,
    Rule,
    as_dict,
    forbidden,
    invalid,
    required,
)
from rawkube.testing._validate._common import (
    immutable,
)

_CONFIG_KEY = re.compile(r"[-._a-zA-Z0-9]+")
_CONFIG_KEY_TEXT = (
    "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. "
    "'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is "
    "'[-._a-zA-Z0-9]+')"
)
_DATA_LIMIT = 1024 * 1024  # a ConfigMap's or Secret's data, all keys together


def config_key_causes(data: Any, field: str, found: list[Cause]) -> None:
    """The keys of a ConfigMap's or Secret's data (``data[my key]``)."""
    for key in as_dict(data):
        where = f"{field}[{key}]"
        if len(key) > 253:
            found.append(invalid(where, key, "must be no more than 253 characters"))
        if not _CONFIG_KEY.fullmatch(key):
            found.append(invalid(where, key, _CONFIG_KEY_TEXT))
        if key == ".":
            found.append(invalid(where, key, "must not be '.'"))
        elif key == "..":
            found.append(invalid(where, key, "must not be '..'"))
        elif key.startswith(".."):
            found.append(invalid(where, key, "must not start with '..'"))


def _data_size(*maps: Any) -> int:
    return sum(len(k) + len(str(v)) for data in maps for k, v in as_dict(data).items())


def _immutable_data(obj: Obj, old: Obj | None, keys: tuple[str, ...], found: list[Cause]) -> None:
    if old is None or old.get("immutable") is not True:
        return
    text = "field is immutable when `immutable` is set"
    for key in keys:
        if (obj.get(key) or {}) != (old.get(key) or {}):
            found.append(forbidden(key, text))
    if obj.get("immutable") is not True:
        found.append(forbidden("immutable", text))


def _config_map(obj: Obj, old: Obj | None, found: list[Cause]) -> None:
    data, binary = as_dict(obj.get("data")), as_dict(obj.get("binaryData"))
    config_key_causes(data, "data", found)
    config_key_causes(binary, "binaryData", found)
    for key in data:
        if key in binary:
            found.append(invalid(f"data[{key}]", key, "duplicate of key present in binaryData"))
    if _data_size(data, binary) > _DATA_LIMIT:
        found.append(
            {
                "reason": "FieldValueTooLong",
                "message": f"Too long: must have at most {_DATA_LIMIT} bytes",
                "field": "",
            }
        )
    _immutable_data(obj, old, ("data", "binaryData"), found)


# The keys a typed Secret must hold.
_SECRET_KEYS = {
    "kubernetes.io/tls": ("tls.crt", "tls.key"),
    "kubernetes.io/dockerconfigjson": (".dockerconfigjson",),
    "kubernetes.io/dockercfg": (".dockercfg",),
    "kubernetes.io/ssh-auth": ("ssh-privatekey",),
}


def _secret(obj: Obj, old: Obj | None, found: list[Cause]) -> None:
    data = as_dict(obj.get("data"))
    config_key_causes(data, "data", found)
    kind = obj.get("type")
    for key in _SECRET_KEYS.get(str(kind), ()):
        if key not in data:
            found.append(required(f"data[{key}]"))
    if kind == "kubernetes.io/service-account-token":
        annotations = as_dict(as_dict(obj.get("metadata")).get("annotations"))
        if not annotations.get("kubernetes.io/service-account.name"):
            found.append(required("metadata.annotations[kubernetes.io/service-account.name]"))
    if _data_size(data) > _DATA_LIMIT:
        found.append(
            {
                "reason": "FieldValueTooLong",
                "message": f"Too long: may not be more than {_DATA_LIMIT} bytes",
                "field": "data",
            }
        )
    if old is not None:
        immutable(kind, old.get("type"), "type", found)
    _immutable_data(obj, old, ("data",), found)


RULES: dict[tuple[str, str], Rule] = {
    ("", "ConfigMap"): _config_map,
    ("", "Secret"): _secret,
}

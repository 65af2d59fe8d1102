"""``api_field``: a model field under the API's JSON name, as generated CRD models declare it."""

from __future__ import annotations

from typing import Any

from pydantic import Field

__all__ = ["api_field"]


def api_field(name: str, default: Any = None) -> Any:
    """A field read from and written under the JSON key ``name``, defaulting to ``default``.

    ``secret_name: str | None = api_field("secretName")`` is what the built-in models spell
    ``Field(default=None, validation_alias="secretName", serialization_alias="secretName")``:
    the attribute stays snake_case in Python (and in ``__init__``), the JSON keeps its name.
    Generated modules use it so that they import rawkube alone.
    """
    return Field(default=default, validation_alias=name, serialization_alias=name)

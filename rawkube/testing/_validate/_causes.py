"""Field errors worded as apimachinery's, and the one 422 Invalid that names them all."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from rawkube.testing import _meta
from rawkube.testing._catalog import ResourceType
from rawkube.testing._errors import FakeApiError, go_quote, invalid_object

Obj = dict[str, Any]
Cause = dict[str, str]


def invalid_error(
    resource: ResourceType, obj: Obj, found: list[Cause], name: str, *, creating: bool
) -> FakeApiError:
    metadata = obj.get("metadata")
    metadata = dict(metadata) if isinstance(metadata, dict) else {}
    _meta.normalize(metadata)
    given = metadata.get("name") or name
    metadata["name"] = given
    meta_causes = _meta.causes(
        metadata, resource.group, resource.plural, custom=resource.crd is not None
    )
    if creating and not given and metadata.get("generateName"):
        # The server names the object before it validates it: the name is not missing.
        given = str(metadata["generateName"])
        meta_causes = [c for c in meta_causes if c["field"] != "metadata.name"]
    return invalid_object(resource.kind, resource.group, given, meta_causes + found)


def shown(value: Any) -> str:
    """A bad value as the server prints it in a field error."""
    if isinstance(value, str):
        return go_quote(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, (int, float)):
        return str(value)
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def invalid(field: str, value: Any, detail: str) -> Cause:
    """FieldValueInvalid."""
    return {
        "reason": "FieldValueInvalid",
        "message": f"Invalid value: {shown(value)}: {detail}",
        "field": field,
    }


def required(field: str, detail: str = "") -> Cause:
    """FieldValueRequired."""
    message = f"Required value: {detail}" if detail else "Required value"
    return {"reason": "FieldValueRequired", "message": message, "field": field}


def unsupported(field: str, value: Any, supported: tuple[str, ...]) -> Cause:
    """FieldValueNotSupported, the supported values listed."""
    listed = ", ".join(go_quote(item) for item in supported)
    return {
        "reason": "FieldValueNotSupported",
        "message": f"Unsupported value: {shown(value)}: supported values: {listed}",
        "field": field,
    }


def duplicate(field: str, value: Any) -> Cause:
    """FieldValueDuplicate."""
    return {
        "reason": "FieldValueDuplicate",
        "message": f"Duplicate value: {shown(value)}",
        "field": field,
    }


def not_found(field: str, value: Any) -> Cause:
    """FieldValueNotFound."""
    return {"reason": "FieldValueNotFound", "message": f"Not found: {shown(value)}", "field": field}


def forbidden(field: str, detail: str) -> Cause:
    """FieldValueForbidden."""
    return {"reason": "FieldValueForbidden", "message": f"Forbidden: {detail}", "field": field}


def as_dict(value: Any) -> Obj:
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def as_int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


Rule = Callable[[Obj, "Obj | None", list[Cause]], None]

"""The Status body the API server sends with errors, and the one place it becomes an ApiError."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from rawkube._exceptions import ApiError, api_error_class

_SNIPPET_CHARS = 200


class _Model(BaseModel):
    model_config = ConfigDict(extra="allow", validate_by_name=True, validate_by_alias=True)


class StatusCause(_Model):
    """One reason a request failed, often naming the field at fault."""

    reason: str | None = None
    message: str | None = None
    field: str | None = None


class StatusDetails(_Model):
    """What the error was about: the object's name, group, kind and field causes."""

    name: str | None = None
    group: str | None = None
    kind: str | None = None
    uid: str | None = None
    causes: list[StatusCause] | None = None
    retry_after_seconds: int | None = Field(
        default=None, validation_alias="retryAfterSeconds", serialization_alias="retryAfterSeconds"
    )


class Status(_Model):
    """A ``meta.k8s.io/v1`` Status: the body of every API error and of some deletes."""

    kind: str | None = None
    api_version: str | None = Field(
        default=None, validation_alias="apiVersion", serialization_alias="apiVersion"
    )
    metadata: dict[str, Any] | None = None
    status: str | None = None
    message: str | None = None
    reason: str | None = None
    details: StatusDetails | None = None
    code: int | None = None


def parse_retry_after(value: str | None) -> int | None:
    """Seconds in a ``Retry-After`` header holding a non-negative integer, as client-go reads it."""
    if value is None:
        return None
    value = value.strip()
    if not value.isdigit():
        return None
    return int(value)


def decode_status(content: bytes) -> Status | None:
    """The Status in ``content``, or None when the body is not one (HTML, empty, truncated)."""
    if not content.lstrip().startswith(b"{"):
        return None
    try:
        status = Status.model_validate_json(content)
    except ValidationError:
        return None
    return status if status.kind == "Status" else None


def body_snippet(content: bytes) -> str:
    """The start of a body, printable in an error message."""
    text = content[:_SNIPPET_CHARS].decode("utf-8", errors="replace")
    return text + ("..." if len(content) > _SNIPPET_CHARS else "")


def error_from_response(code: int, content: bytes, retry_after: str | None = None) -> ApiError:
    """The typed error for an error response: by the Status's reason, else by the HTTP code."""
    seconds = parse_retry_after(retry_after)
    status = decode_status(content)
    if status is None:
        what = (
            f"with a body that is not a Kubernetes Status: {body_snippet(content)!r}"
            if content.strip()
            else "with an empty body"
        )
        cls = api_error_class(code, "")
        return cls(code, "", f"HTTP {code} {what}", retry_after=seconds)
    reason = status.reason or ""
    details = status.details.model_dump(by_alias=True, exclude_none=True) if status.details else {}
    cls = api_error_class(code, reason)
    message = status.message or f"HTTP {code}"
    return cls(code, reason, message, details=details, retry_after=seconds, body=status)

"""The one place an error answer becomes an ApiError, by its Status body or its HTTP code.

The Status model (``rawkube.models.meta_v1``) is imported on the first error body, not with
``rawkube``: most programs never need it, and pydantic's import is the slowest rawkube has.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rawkube._exceptions import ApiError, api_error_class

if TYPE_CHECKING:
    from rawkube.models.meta_v1 import Status

_SNIPPET_CHARS = 200


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
    from pydantic import ValidationError

    from rawkube.models.meta_v1 import Status

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

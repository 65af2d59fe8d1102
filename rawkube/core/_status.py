"""The one place an error answer becomes an ApiError, by its Status body or its HTTP code.

The Status model (``rawkube.models.meta_v1``) is imported on the first error body, not with
``rawkube``: most programs never need it, and pydantic's import is the slowest rawkube has.

A Status whose ``details`` nest deeper than rawkube decodes (``MAX_DEPTH``) still gives its
ApiError, by its code, reason and message, without the details: its top-level members are found
by a scan that never recurses (:func:`top_level`), and the details are left out.
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING, Any

from rawkube.core._api_errors import ApiError, api_error_class

if TYPE_CHECKING:
    from rawkube.models.meta_v1 import Status

_SNIPPET_CHARS = 200

_SCAN_BYTES = 256 * 1024  # a Status is far smaller; a bigger body is not scanned member by member


@functools.cache  # compiled on the first scan, not with rawkube
def _token() -> re.Pattern[bytes]:
    # A string (escapes and all), a structural character, or a quote that opens no whole string.
    return re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"|[{}\[\],:]|"')


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
    except ValidationError as exc:
        if not any("recursion limit" in error["msg"] for error in exc.errors()):
            return None
        found = _without_details(content)  # too deep: its code, reason and message still count
        if found is None:
            return None
        status = found
    return status if status.kind == "Status" else None


def _without_details(content: bytes) -> Status | None:
    """The Status in ``content`` without its details, or None when it is not one."""
    from pydantic import ValidationError

    from rawkube.core._decode import loads
    from rawkube.models.meta_v1 import Status

    members = top_level(content)
    if members is None:
        return None
    try:
        data = {key: loads(value) for key, value in members.items() if key != "details"}
        return Status.model_validate(data)
    except ValueError:  # a member that is not JSON, too deep, or of the wrong type
        return None
    except ValidationError:
        return None


def top_level(content: bytes) -> dict[str, bytes] | None:
    """A JSON object's members, each value the text it was, found without recursing.

    None when ``content`` is not one well-formed-looking object (or is too big to scan): the
    values are not checked here, and they may nest as deep as they like.
    """
    if len(content) > _SCAN_BYTES or not content.lstrip().startswith(b"{"):
        return None
    members: dict[str, bytes] = {}
    depth, key, start = 0, None, 0
    for match in _token().finditer(content):
        token = match.group()
        if token == b'"':
            return None  # a string that never ends
        if token in (b"{", b"["):
            depth += 1
        elif token in (b"}", b"]"):
            depth -= 1
            if depth == 0:
                if key is not None:
                    members[key] = content[start : match.start()].strip()
                return members if not content[match.end() :].strip() else None
        elif depth != 1:
            continue
        elif token == b":":
            start = match.end()
        elif token == b",":
            if key is None:
                return None
            members[key] = content[start : match.start()].strip()
            key = None
        elif key is None:
            key = _key(token)
            if key is None:
                return None
    return None


def _key(token: bytes) -> str | None:
    """A member's name from its JSON string token, or None when it is not valid."""
    import json

    try:
        key: Any = json.loads(token)
    except ValueError:
        return None
    return key if isinstance(key, str) else None


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
    try:
        details = (
            status.details.model_dump(by_alias=True, exclude_none=True) if status.details else {}
        )
    except ValueError:  # a value in them pydantic cannot write: the error stands without them
        details = {}
    cls = api_error_class(code, reason)
    message = status.message or f"HTTP {code}"
    return cls(code, reason, message, details=details, retry_after=seconds, body=status)

"""The fake cluster's refusals, each answered as a Status shaped like the real server's."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = [
    "FakeApiError",
    "Undecodable",
    "already_exists",
    "bad_request",
    "conflict",
    "field_invalid",
    "go_quote",
    "invalid_object",
    "not_found",
    "too_large",
]

MAX_BODY_BYTES = 3 * 1024 * 1024
"""kube-apiserver's MaxRequestBodyBytes: the largest request body it reads (3 MiB)."""


class FakeApiError(Exception):
    """A request the fake refuses: ``code``, ``reason`` and ``message`` of the Status it sends."""

    def __init__(
        self,
        code: int,
        reason: str,
        message: str,
        details: Mapping[str, Any] | None = None,
        *,
        metadata: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details
        self.metadata = dict(metadata or {})

    def status(self) -> dict[str, Any]:
        """The Status body, key for key as the API server writes it."""
        body: dict[str, Any] = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": self.metadata,
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
        }
        if self.details is not None:
            body["details"] = dict(self.details)
        body["code"] = self.code
        return body


def _named(resource: str, name: str) -> dict[str, str]:
    """A Status's details naming an object: ``deployments.apps`` is group apps, kind
    deployments (the server puts the resource in ``kind``)."""
    plural, _, group = resource.partition(".")
    return (
        {"name": name, "group": group, "kind": plural} if group else {"name": name, "kind": plural}
    )


def not_found(resource: str, name: str) -> FakeApiError:
    """404: ``pods "web" not found``."""
    return FakeApiError(404, "NotFound", f'{resource} "{name}" not found', _named(resource, name))


def already_exists(resource: str, name: str) -> FakeApiError:
    """409: ``configmaps "x" already exists``."""
    return FakeApiError(
        409, "AlreadyExists", f'{resource} "{name}" already exists', _named(resource, name)
    )


def conflict(resource: str, name: str) -> FakeApiError:
    """409: a write based on a stale resourceVersion."""
    return FakeApiError(
        409,
        "Conflict",
        f'Operation cannot be fulfilled on {resource} "{name}": the object has been modified; '
        "please apply your changes to the latest version and try again",
        _named(resource, name),
    )


def bad_request(message: str) -> FakeApiError:
    """400 BadRequest with no details."""
    return FakeApiError(400, "BadRequest", message)


class Undecodable(FakeApiError):
    """400: a body Go's JSON decoder refuses for the type it decodes into.

    ``go_error`` is the decoder's own message, which a patch's refusal quotes instead.
    """

    def __init__(self, message: str, go_error: str) -> None:
        super().__init__(400, "BadRequest", message)
        self.go_error = go_error


def too_large() -> FakeApiError:
    """413: a request body over :data:`MAX_BODY_BYTES`, in the server's words."""
    return FakeApiError(
        413,
        "RequestEntityTooLarge",
        f"Request entity too large: limit is {MAX_BODY_BYTES}",
    )


def go_quote(text: str) -> str:
    """``text`` as Go's ``%q`` writes it in a field error: quoted, controls escaped."""
    out = ['"']
    for char in text:
        if char in '"\\':
            out.append("\\" + char)
        elif char in _GO_ESCAPES:
            out.append(_GO_ESCAPES[char])
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\x{ord(char):02x}")
        else:
            out.append(char)
    out.append('"')
    return "".join(out)


_GO_ESCAPES = {
    "\a": "\\a",
    "\b": "\\b",
    "\f": "\\f",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\v": "\\v",
}


def _shown(value: object) -> str:
    """A bad value as apimachinery's field errors print it."""
    if isinstance(value, str):
        return go_quote(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return "[]string{" + ", ".join(go_quote(item) for item in value) + "}"
    return str(value)


def field_invalid(field: str, value: object, detail: str) -> dict[str, str]:
    """One FieldValueInvalid cause."""
    return {
        "reason": "FieldValueInvalid",
        "message": f"Invalid value: {_shown(value)}: {detail}",
        "field": field,
    }


def field_required(field: str, detail: str = "") -> dict[str, str]:
    """One FieldValueRequired cause."""
    message = f"Required value: {detail}" if detail else "Required value"
    return {"reason": "FieldValueRequired", "message": message, "field": field}


def field_not_supported(field: str, value: str, supported: list[str]) -> dict[str, str]:
    """One FieldValueNotSupported cause: the value, then the values that are."""
    listed = ", ".join(go_quote(item) for item in supported)
    return {
        "reason": "FieldValueNotSupported",
        "message": f"Unsupported value: {value}: supported values: {listed}",
        "field": field,
    }


def field_too_long(field: str, limit: int) -> dict[str, str]:
    """One FieldValueTooLong cause, for a size in bytes."""
    return {
        "reason": "FieldValueTooLong",
        "message": f"Too long: may not be more than {limit} bytes",
        "field": field,
    }


def invalid_object(kind: str, group: str, name: str, causes: list[dict[str, str]]) -> FakeApiError:
    """422 Invalid for every cause at once, worded and laid out as ``errors.NewInvalid``.

    The message joins the causes as Go's error aggregate does: one alone, several in
    brackets, a repeated one once.
    """
    said: list[str] = []
    for cause in causes:
        text = f"{cause['field']}: {cause['message']}"
        if text not in said:
            said.append(text)
    joined = said[0] if len(said) == 1 else "[" + ", ".join(said) + "]"
    qualified = f"{kind}.{group}" if group else kind
    details: dict[str, Any] = {}
    if name:
        details["name"] = name
    if group:
        details["group"] = group
    if kind:
        details["kind"] = kind
    details["causes"] = causes
    return FakeApiError(
        422, "Invalid", f"{qualified} {go_quote(name)} is invalid: {joined}", details
    )

"""The fake cluster's refusals, each answered as a Status shaped like the real server's."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["FakeApiError", "already_exists", "conflict", "invalid", "not_found"]


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


def not_found(resource: str, name: str) -> FakeApiError:
    """404: ``pods "web" not found``."""
    return FakeApiError(
        404, "NotFound", f'{resource} "{name}" not found', {"name": name, "kind": resource}
    )


def already_exists(resource: str, name: str) -> FakeApiError:
    """409: ``configmaps "x" already exists``."""
    return FakeApiError(
        409,
        "AlreadyExists",
        f'{resource} "{name}" already exists',
        {"name": name, "kind": resource},
    )


def conflict(resource: str, name: str) -> FakeApiError:
    """409: a write based on a stale resourceVersion."""
    return FakeApiError(
        409,
        "Conflict",
        f'Operation cannot be fulfilled on {resource} "{name}": the object has been modified; '
        "please apply your changes to the latest version and try again",
        {"name": name, "kind": resource},
    )


def invalid(kind: str, name: str, field: str, value: object, problem: str) -> FakeApiError:
    """422: one field at fault, worded as the server words a FieldValueInvalid."""
    shown = f'"{value}"' if isinstance(value, str) else str(value)
    cause = f"Invalid value: {shown}: {problem}"
    return FakeApiError(
        422,
        "Invalid",
        f'{kind} "{name}" is invalid: {field}: {cause}',
        {
            "name": name,
            "kind": kind,
            "causes": [{"reason": "FieldValueInvalid", "message": cause, "field": field}],
        },
    )


def bad_request(message: str) -> FakeApiError:
    """400 BadRequest with no details."""
    return FakeApiError(400, "BadRequest", message)

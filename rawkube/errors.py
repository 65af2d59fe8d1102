"""Predicates on errors in the style of apimachinery's ``errors.IsNotFound``: ``is_not_found(exc)``.

Each takes any exception and answers False for anything that is not the matching
:class:`~rawkube.ApiError`, so ``except Exception as exc: if is_not_found(exc): ...`` is safe.
"""

from __future__ import annotations

from rawkube._public import public_dir, publish
from rawkube.core._api_errors import (
    AlreadyExistsError,
    ApiError,
    BadRequestError,
    ConflictError,
    ForbiddenError,
    GatewayTimeoutError,
    GoneError,
    InternalServerError,
    InvalidError,
    MethodNotAllowedError,
    NotFoundError,
    ServerTimeoutError,
    ServiceUnavailableError,
    TooManyRequestsError,
    UnauthorizedError,
    UnsupportedMediaTypeError,
)

__all__ = [
    "is_already_exists",
    "is_bad_request",
    "is_conflict",
    "is_forbidden",
    "is_gone",
    "is_internal_error",
    "is_invalid",
    "is_method_not_supported",
    "is_not_found",
    "is_server_timeout",
    "is_service_unavailable",
    "is_timeout",
    "is_too_many_requests",
    "is_unauthorized",
    "is_unsupported_media_type",
    "reason_for",
    "suggests_client_delay",
]


def is_not_found(exc: BaseException) -> bool:
    """The object or resource does not exist (404)."""
    return isinstance(exc, NotFoundError)


def is_already_exists(exc: BaseException) -> bool:
    """A create named an object that exists (409 AlreadyExists)."""
    return isinstance(exc, AlreadyExistsError)


def is_conflict(exc: BaseException) -> bool:
    """The object changed since it was read (409 Conflict); re-read and try again."""
    return isinstance(exc, ConflictError)


def is_invalid(exc: BaseException) -> bool:
    """The object failed validation (422 Invalid)."""
    return isinstance(exc, InvalidError)


def is_gone(exc: BaseException) -> bool:
    """A resourceVersion or continue token expired (410): list again from scratch."""
    return isinstance(exc, GoneError)


def is_forbidden(exc: BaseException) -> bool:
    """The user may not do this (403)."""
    return isinstance(exc, ForbiddenError)


def is_unauthorized(exc: BaseException) -> bool:
    """The credentials were refused (401)."""
    return isinstance(exc, UnauthorizedError)


def is_bad_request(exc: BaseException) -> bool:
    """The request was malformed (400)."""
    return isinstance(exc, BadRequestError)


def is_method_not_supported(exc: BaseException) -> bool:
    """The resource does not support this verb (405)."""
    return isinstance(exc, MethodNotAllowedError)


def is_unsupported_media_type(exc: BaseException) -> bool:
    """The server does not accept the body's content type (415)."""
    return isinstance(exc, UnsupportedMediaTypeError)


def is_too_many_requests(exc: BaseException) -> bool:
    """The server is shedding load (429)."""
    return isinstance(exc, TooManyRequestsError)


def is_internal_error(exc: BaseException) -> bool:
    """The server failed while handling the request (500)."""
    return isinstance(exc, InternalServerError)


def is_service_unavailable(exc: BaseException) -> bool:
    """The server or an aggregated API is unavailable (503)."""
    return isinstance(exc, ServiceUnavailableError)


def is_timeout(exc: BaseException) -> bool:
    """The request did not complete in time (504, reason Timeout)."""
    return isinstance(exc, GatewayTimeoutError)


def is_server_timeout(exc: BaseException) -> bool:
    """The server could not finish in time (500, reason ServerTimeout)."""
    return isinstance(exc, ServerTimeoutError)


def reason_for(exc: BaseException) -> str:
    """The Status reason of an ApiError (``"NotFound"``), or ``""`` for anything else."""
    return exc.reason if isinstance(exc, ApiError) else ""


def suggests_client_delay(exc: BaseException) -> int | None:
    """Seconds the server asked the client to wait (``Retry-After``), or None."""
    return exc.retry_after if isinstance(exc, ApiError) else None


publish(__name__, globals(), __all__)


def __dir__() -> list[str]:
    return public_dir(globals(), __all__)

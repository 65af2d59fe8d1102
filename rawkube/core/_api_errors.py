"""The ApiError classes, one per kind of error answer, and the table that picks one for it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rawkube.core._exceptions import RawkubeError

if TYPE_CHECKING:
    from rawkube.models.meta_v1 import Status, StatusCause


class ApiError(RawkubeError):
    """The API server answered with an error status.

    ``code`` is the HTTP status (an int), ``reason`` the Status reason (``"NotFound"``, or
    ``""`` when the body was not a Status), ``message`` the server's message, ``details`` the
    Status details as a dict (``{}`` when absent), ``retry_after`` the server's ``Retry-After``
    in seconds (or None) and ``body`` the decoded :class:`~rawkube.Status` (or None when the body
    was not one: an HTML page from a proxy, an empty or truncated body).
    """

    def __init__(
        self,
        code: int,
        reason: str,
        message: str,
        *,
        details: dict[str, Any] | None = None,
        retry_after: int | None = None,
        body: Status | None = None,
    ) -> None:
        self.code = code
        self.reason = reason
        self.message = message
        self.details: dict[str, Any] = details or {}
        self.retry_after = retry_after
        self.body = body
        super().__init__(f"{code} {reason or 'Error'}: {message}")

    def __reduce__(self) -> tuple[Any, ...]:
        # Keyword-only fields are not in ``args``: keep them, so errors cross process pools.
        return (type(self), (self.code, self.reason, self.message), self.__dict__)


class BadRequestError(ApiError):
    """400: the request was malformed (for example a body that is not valid JSON)."""


class UnauthorizedError(ApiError):
    """401: the credentials were missing, expired or not accepted."""


class ForbiddenError(ApiError):
    """403: the user is known but not allowed to do this."""


class NotFoundError(ApiError):
    """404: the object, or the resource type, does not exist."""


class MethodNotAllowedError(ApiError):
    """405: the resource does not support this verb."""


class AlreadyExistsError(ApiError):
    """409 AlreadyExists: a create named an object that exists."""


class ConflictError(ApiError):
    """409 Conflict: the object changed since it was read (a stale resourceVersion)."""


class GoneError(ApiError):
    """410: a resourceVersion or continue token is too old; start over from a fresh list."""


class UnsupportedMediaTypeError(ApiError):
    """415: the server does not accept the body's content type (a wrong patch type, say)."""


class InvalidError(ApiError):
    """422: the object failed validation; ``causes`` says which fields and why."""

    @property
    def causes(self) -> list[StatusCause]:
        """The field-level causes the server gave, in its order."""
        if self.body is None or self.body.details is None:
            return []
        return list(self.body.details.causes or [])


class TooManyRequestsError(ApiError):
    """429: the server is shedding load; ``retry_after`` says when to come back."""


class InternalServerError(ApiError):
    """500: the server failed while handling the request."""


class ServerTimeoutError(ApiError):
    """500 ServerTimeout: the server could not finish in time; the request may be retried."""


class ServiceUnavailableError(ApiError):
    """503: the server (or an aggregated API behind it) is not available."""


class GatewayTimeoutError(ApiError):
    """504 Timeout: the request did not complete in time; it may still have taken effect."""


_BY_REASON: dict[str, type[ApiError]] = {
    "BadRequest": BadRequestError,
    "Unauthorized": UnauthorizedError,
    "Forbidden": ForbiddenError,
    "NotFound": NotFoundError,
    "MethodNotAllowed": MethodNotAllowedError,
    "AlreadyExists": AlreadyExistsError,
    "Conflict": ConflictError,
    "Gone": GoneError,
    "Expired": GoneError,
    "Invalid": InvalidError,
    "UnsupportedMediaType": UnsupportedMediaTypeError,
    "TooManyRequests": TooManyRequestsError,
    "InternalError": InternalServerError,
    "ServerTimeout": ServerTimeoutError,
    "ServiceUnavailable": ServiceUnavailableError,
    "Timeout": GatewayTimeoutError,
}

_BY_CODE: dict[int, type[ApiError]] = {
    400: BadRequestError,
    401: UnauthorizedError,
    403: ForbiddenError,
    404: NotFoundError,
    405: MethodNotAllowedError,
    409: ConflictError,
    410: GoneError,
    415: UnsupportedMediaTypeError,
    422: InvalidError,
    429: TooManyRequestsError,
    500: InternalServerError,
    503: ServiceUnavailableError,
    504: GatewayTimeoutError,
}


def api_error_class(code: int, reason: str) -> type[ApiError]:
    """The class for an error: by ``reason`` when it is a known StatusReason, else by ``code``."""
    return _BY_REASON.get(reason) or _BY_CODE.get(code, ApiError)

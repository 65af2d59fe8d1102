"""The error tree of rawkube, and the one table that picks an ApiError class for a response.

::

    RawkubeError
    ├── ApiError                     the server answered with an error (carries code, reason, body)
    │   ├── BadRequestError          400
    │   ├── UnauthorizedError        401
    │   ├── ForbiddenError           403
    │   ├── NotFoundError            404
    │   ├── MethodNotAllowedError    405
    │   ├── AlreadyExistsError       409, reason AlreadyExists
    │   ├── ConflictError            409, reason Conflict (a stale resourceVersion)
    │   ├── GoneError                410, reason Expired/Gone (resourceVersion or continue token)
    │   ├── UnsupportedMediaTypeError  415
    │   ├── InvalidError             422, reason Invalid (``causes`` lists the fields)
    │   ├── TooManyRequestsError     429
    │   ├── InternalServerError      500
    │   ├── ServerTimeoutError       500, reason ServerTimeout
    │   ├── ServiceUnavailableError  503
    │   └── GatewayTimeoutError      504, reason Timeout
    ├── TransportError               the request did not get an answer (wraps an httpx error)
    │   ├── ConnectError             no connection could be made
    │   └── RequestTimeoutError      a connect, read, write or pool timeout
    ├── ConfigError                  a kubeconfig, in-cluster setting or credential plugin is bad
    ├── DecodeError                  a body could not be decoded into what was asked for
    ├── WaitTimeoutError             ``wait()`` ran out of time (also a TimeoutError)
    ├── ResourceNotFoundError        discovery knows no such resource (also a LookupError)
    └── AmbiguousResourceError       a name matches several resources of one group (LookupError)

The ApiError classes live in ``rawkube.core._api_errors`` (they carry the server's typed Status);
the two discovery errors in ``rawkube.core._restmapper``, beside the mapper that raises them.

Misuse of the API (a bad argument, a setter called twice) raises ``ValueError``, ``TypeError``
or ``RuntimeError``, never one of these. httpx's own exceptions never escape unwrapped.
"""

from __future__ import annotations

from typing import Any


class RawkubeError(Exception):
    """Base of every error rawkube raises on purpose."""


class TransportError(RawkubeError):
    """The request got no answer: the connection failed, broke or timed out."""


class ConnectError(TransportError):
    """No connection to the API server could be made (refused, DNS, TLS handshake)."""


class RequestTimeoutError(TransportError):
    """A connect, read, write or pool timeout expired before the answer came."""


class ConfigError(RawkubeError):
    """A kubeconfig, in-cluster setting or credential plugin is missing or malformed."""


class DecodeError(RawkubeError):
    """A body or stream could not be decoded into what was asked for."""


class WaitTimeoutError(RawkubeError, TimeoutError):
    """``wait()`` ran out of time before the object met what it waited for.

    The message names the object, what was waited for and the last state seen (its conditions'
    ``type=status``, its phase, "still exists", "not found yet"), never the object's content.
    ``last`` is the last object seen: the typed model, or the dict of the dynamic API (None
    when no answer came in time). Also a ``TimeoutError``, so ``except TimeoutError`` catches
    it.
    """

    def __init__(self, message: str, last: Any = None) -> None:
        super().__init__(message)
        self.last = last

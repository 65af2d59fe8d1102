"""rawkube: a fast, typed Kubernetes client over plain REST, sync and async."""

from typing import TYPE_CHECKING, Any

from rawkube._api import Api, AsyncApi, AsyncDynamicApi, DynamicApi
from rawkube._calls import ALL
from rawkube._client import (
    AsyncClient,
    AsyncRequest,
    AsyncRESTClient,
    Client,
    Request,
    RESTClient,
)
from rawkube._clock import Clock
from rawkube._conflict import aretry_on_conflict, retry_on_conflict
from rawkube._exceptions import (
    AlreadyExistsError,
    ApiError,
    BadRequestError,
    ConfigError,
    ConflictError,
    ConnectError,
    DecodeError,
    ForbiddenError,
    GatewayTimeoutError,
    GoneError,
    InternalServerError,
    InvalidError,
    MethodNotAllowedError,
    NotFoundError,
    RawkubeError,
    RequestTimeoutError,
    ServerTimeoutError,
    ServiceUnavailableError,
    TooManyRequestsError,
    TransportError,
    UnauthorizedError,
    UnsupportedMediaTypeError,
)
from rawkube._request import ApiRequest, RequestBuilder, Result
from rawkube._resource import GroupVersion, GroupVersionKind, GroupVersionResource
from rawkube._selector import selector
from rawkube._version import __version__
from rawkube.config import (
    ClientCertificate,
    Config,
    Credentials,
    Impersonation,
    TLSSettings,
    incluster_config,
    load_config,
)

if TYPE_CHECKING:
    from rawkube.models.meta_v1 import Status, StatusCause, StatusDetails

_LAZY = {"Status", "StatusCause", "StatusDetails"}


def __getattr__(name: str) -> Any:
    # The Status models need pydantic, the slowest import; load them on first use only.
    if name in _LAZY:
        from rawkube.models import meta_v1

        return getattr(meta_v1, name)
    raise AttributeError(f"module 'rawkube' has no attribute {name!r}")


__all__ = [
    "ALL",
    "AlreadyExistsError",
    "Api",
    "ApiError",
    "ApiRequest",
    "AsyncApi",
    "AsyncClient",
    "AsyncDynamicApi",
    "AsyncRESTClient",
    "AsyncRequest",
    "BadRequestError",
    "Client",
    "ClientCertificate",
    "Clock",
    "Config",
    "ConfigError",
    "ConflictError",
    "ConnectError",
    "Credentials",
    "DecodeError",
    "DynamicApi",
    "ForbiddenError",
    "GatewayTimeoutError",
    "GoneError",
    "GroupVersion",
    "GroupVersionKind",
    "GroupVersionResource",
    "Impersonation",
    "InternalServerError",
    "InvalidError",
    "MethodNotAllowedError",
    "NotFoundError",
    "RESTClient",
    "RawkubeError",
    "Request",
    "RequestBuilder",
    "RequestTimeoutError",
    "Result",
    "ServerTimeoutError",
    "ServiceUnavailableError",
    "Status",
    "StatusCause",
    "StatusDetails",
    "TLSSettings",
    "TooManyRequestsError",
    "TransportError",
    "UnauthorizedError",
    "UnsupportedMediaTypeError",
    "__version__",
    "aretry_on_conflict",
    "incluster_config",
    "load_config",
    "retry_on_conflict",
    "selector",
]

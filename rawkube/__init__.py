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
from rawkube._decode import set_collector_pause
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
from rawkube._resource import GroupVersion, GroupVersionKind, GroupVersionResource, ResourceInfo
from rawkube._restmapper import AmbiguousResourceError, ResourceNotFoundError, RESTMapper
from rawkube._selector import selector
from rawkube._version import __version__
from rawkube._watch import WatchEvent
from rawkube._watches import AsyncWatch, Watch
from rawkube._yaml import load_all_yaml
from rawkube.config import (
    ClientCertificate,
    Config,
    Credentials,
    Impersonation,
    TLSSettings,
    incluster_config,
    load_config,
)
from rawkube.runtime.watcher import AsyncRetryWatcher, RetryWatcher

if TYPE_CHECKING:
    from rawkube._discovery import AsyncDiscovery, Discovery, GroupInfo
    from rawkube.models.meta_v1 import Status, StatusCause, StatusDetails

_LAZY = {"Status", "StatusCause", "StatusDetails"}
_DISCOVERY = {"AsyncDiscovery", "Discovery", "GroupInfo"}


def __getattr__(name: str) -> Any:
    # The Status models need pydantic, the slowest import; discovery needs datetime, logging
    # and more. Each loads on first use only.
    if name in _LAZY:
        from rawkube.models import meta_v1

        return getattr(meta_v1, name)
    if name in _DISCOVERY:
        from rawkube import _discovery

        return getattr(_discovery, name)
    raise AttributeError(f"module 'rawkube' has no attribute {name!r}")


__all__ = [
    "ALL",
    "AlreadyExistsError",
    "AmbiguousResourceError",
    "Api",
    "ApiError",
    "ApiRequest",
    "AsyncApi",
    "AsyncClient",
    "AsyncDiscovery",
    "AsyncDynamicApi",
    "AsyncRESTClient",
    "AsyncRequest",
    "AsyncRetryWatcher",
    "AsyncWatch",
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
    "Discovery",
    "DynamicApi",
    "ForbiddenError",
    "GatewayTimeoutError",
    "GoneError",
    "GroupInfo",
    "GroupVersion",
    "GroupVersionKind",
    "GroupVersionResource",
    "Impersonation",
    "InternalServerError",
    "InvalidError",
    "MethodNotAllowedError",
    "NotFoundError",
    "RESTClient",
    "RESTMapper",
    "RawkubeError",
    "Request",
    "RequestBuilder",
    "RequestTimeoutError",
    "ResourceInfo",
    "ResourceNotFoundError",
    "Result",
    "RetryWatcher",
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
    "Watch",
    "WatchEvent",
    "__version__",
    "aretry_on_conflict",
    "incluster_config",
    "load_all_yaml",
    "load_config",
    "retry_on_conflict",
    "selector",
    "set_collector_pause",
]

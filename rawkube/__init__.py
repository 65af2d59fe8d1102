"""rawkube: a fast, typed Kubernetes client over plain REST, sync and async."""

from typing import TYPE_CHECKING, Any

from rawkube._public import public_dir, publish
from rawkube._version import __version__
from rawkube.client._api import Api, AsyncApi, AsyncDynamicApi, DynamicApi
from rawkube.client._async_client import AsyncClient, AsyncRequest, AsyncRESTClient
from rawkube.client._conflict import aretry_on_conflict, retry_on_conflict
from rawkube.client._sync_client import Client, Request, RESTClient
from rawkube.client._watch_stream import AsyncWatch, Watch
from rawkube.client._websocket import (
    CopyError,
    ExecResult,
    PortForwardError,
    UnsafeArchiveError,
    WebSocketClosedError,
    WebSocketError,
    WebSocketHandshakeError,
)
from rawkube.config import (
    ClientCertificate,
    Config,
    Credentials,
    Impersonation,
    TLSSettings,
    incluster_config,
    load_config,
)
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
from rawkube.core._calls import (
    ALL,
    FieldValidation,
    PatchType,
    PropagationPolicy,
    ResourceVersionMatch,
)
from rawkube.core._clock import Clock
from rawkube.core._decode import set_collector_pause
from rawkube.core._exceptions import (
    ConfigError,
    ConnectError,
    DecodeError,
    RawkubeError,
    RequestTimeoutError,
    TransportError,
    WaitTimeoutError,
)
from rawkube.core._request import Result
from rawkube.core._resource import (
    GroupVersion,
    GroupVersionKind,
    GroupVersionResource,
    ResourceInfo,
)
from rawkube.core._watch_decoder import WatchEvent

if TYPE_CHECKING:
    from rawkube.client._async_discovery import AsyncDiscovery
    from rawkube.client._async_exec import AsyncExecProcess
    from rawkube.client._async_port_forward import AsyncPortForwardStream
    from rawkube.client._async_retry_watch import AsyncRetryWatcher
    from rawkube.client._discovery import GroupInfo
    from rawkube.client._forward_asyncio import AsyncPortForward
    from rawkube.client._forward_threads import PortForward
    from rawkube.client._sync_discovery import Discovery
    from rawkube.client._sync_exec import ExecProcess
    from rawkube.client._sync_port_forward import PortForwardStream
    from rawkube.client._sync_retry_watch import RetryWatcher
    from rawkube.core._channel import Output
    from rawkube.core._label_selector import selector_matches
    from rawkube.core._restmapper import AmbiguousResourceError, ResourceNotFoundError, RESTMapper
    from rawkube.core._selector import selector
    from rawkube.core._table import format_table
    from rawkube.models._yaml import load_all_yaml, to_yaml
    from rawkube.models.meta_v1 import Status, StatusCause, StatusDetails

# Each name here loads its module on first use, so a program pays only for what it touches:
# the Status models need pydantic, the slowest import; discovery needs datetime, logging and
# more; the rest are modules that many programs never need (YAML, selectors, the REST mapper,
# resuming watches, WebSocket sessions).
_LAZY = {
    "AmbiguousResourceError": "rawkube.core._restmapper",
    "AsyncDiscovery": "rawkube.client._async_discovery",
    "AsyncExecProcess": "rawkube.client._async_exec",
    "AsyncPortForward": "rawkube.client._forward_asyncio",
    "AsyncPortForwardStream": "rawkube.client._async_port_forward",
    "AsyncRetryWatcher": "rawkube.client._async_retry_watch",
    "Discovery": "rawkube.client._sync_discovery",
    "ExecProcess": "rawkube.client._sync_exec",
    "GroupInfo": "rawkube.client._discovery",
    "Output": "rawkube.core._channel",
    "PortForward": "rawkube.client._forward_threads",
    "PortForwardStream": "rawkube.client._sync_port_forward",
    "RESTMapper": "rawkube.core._restmapper",
    "ResourceNotFoundError": "rawkube.core._restmapper",
    "RetryWatcher": "rawkube.client._sync_retry_watch",
    "Status": "rawkube.models.meta_v1",
    "StatusCause": "rawkube.models.meta_v1",
    "StatusDetails": "rawkube.models.meta_v1",
    "format_table": "rawkube.core._table",
    "load_all_yaml": "rawkube.models._yaml",
    "selector": "rawkube.core._selector",
    "selector_matches": "rawkube.core._label_selector",
    "to_yaml": "rawkube.models._yaml",
}


# The request builder's internals, exported here in 0.1: still found, with a warning, for
# one release. What a user types is Request or AsyncRequest (what ``client.get()`` returns).
_INTERNAL = {"ApiRequest", "RequestBuilder"}


def __getattr__(name: str) -> Any:
    from importlib import import_module

    if name in _INTERNAL:
        import warnings

        warnings.warn(
            f"rawkube.{name} is the request builder's internal and leaves the top level; "
            "annotate with rawkube.Request or rawkube.AsyncRequest",
            DeprecationWarning,
            stacklevel=2,
        )
        return getattr(import_module("rawkube.core._request"), name)
    if name in _SUBPACKAGES:  # attributes without an import, as rawkube.runtime always was
        return import_module(f"rawkube.{name}")
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'rawkube' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value  # later lookups find it without calling this again
    publish(__name__, globals(), [name])
    return value


# The public subpackages, served as attributes on first use (runtime was loaded with rawkube
# before its watchers were lazy).
_SUBPACKAGES = ("config", "errors", "models", "runtime", "testing")


def __dir__() -> list[str]:
    return public_dir(globals(), __all__, _SUBPACKAGES)


__all__ = [
    "ALL",
    "AlreadyExistsError",
    "AmbiguousResourceError",
    "Api",
    "ApiError",
    "AsyncApi",
    "AsyncClient",
    "AsyncDiscovery",
    "AsyncDynamicApi",
    "AsyncExecProcess",
    "AsyncPortForward",
    "AsyncPortForwardStream",
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
    "CopyError",
    "Credentials",
    "DecodeError",
    "Discovery",
    "DynamicApi",
    "ExecProcess",
    "ExecResult",
    "FieldValidation",
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
    "Output",
    "PatchType",
    "PortForward",
    "PortForwardError",
    "PortForwardStream",
    "PropagationPolicy",
    "RESTClient",
    "RESTMapper",
    "RawkubeError",
    "Request",
    "RequestTimeoutError",
    "ResourceInfo",
    "ResourceNotFoundError",
    "ResourceVersionMatch",
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
    "UnsafeArchiveError",
    "UnsupportedMediaTypeError",
    "WaitTimeoutError",
    "Watch",
    "WatchEvent",
    "WebSocketClosedError",
    "WebSocketError",
    "WebSocketHandshakeError",
    "__version__",
    "aretry_on_conflict",
    "format_table",
    "incluster_config",
    "load_all_yaml",
    "load_config",
    "retry_on_conflict",
    "selector",
    "selector_matches",
    "set_collector_pause",
    "to_yaml",
]

publish(__name__, globals(), __all__)

"""The fluent request builder (set-once, validated setters), the request it builds, and Result."""

from __future__ import annotations

import functools
import json
import math
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote

from rawkube.core._decode import BULK_BYTES, MAX_DEPTH, TooDeep, collector_paused, loads
from rawkube.core._exceptions import DecodeError
from rawkube.core._headers import header_problem
from rawkube.core._resource import GroupVersion, check_segment, layout_path
from rawkube.core._status import body_snippet, decode_status, error_from_response

PATCH_CONTENT_TYPES: dict[str, str] = {
    "json": "application/json-patch+json",
    "merge": "application/merge-patch+json",
    "strategic": "application/strategic-merge-patch+json",
    "apply": "application/apply-patch+yaml",
}
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_ABS_PATH = re.compile(r"/[^?#\s%\x00-\x1f\x7f]*")  # sent as written: no control character
MAX_URL_CHARS = 65_536
"""The longest URL httpx sends, escaped; the API server's own limit is 1 MiB of request head."""
MAX_SECONDS = 10**9
"""The longest timeout a socket takes on every platform rawkube runs on, about 31 years."""

if TYPE_CHECKING:
    import pydantic

M = TypeVar("M", bound="pydantic.BaseModel")
B = TypeVar("B", bound="RequestBuilder")


@dataclass(frozen=True)
class ApiRequest:
    """A fully built request: what the transport sends, with no I/O attached."""

    method: str
    path: str
    params: tuple[tuple[str, str], ...] = ()
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes | None = None
    timeout: float | None = None  # the overall limit, from sending to the answer's last byte
    stream_read_timeout: float | None = None  # a streamed body's limit between two reads
    # A watch's limit on its whole stream; unlike ``timeout`` it leaves each read its own limit.
    watch_limit: float | None = None

    def describe(self) -> str:
        """``GET /api/v1/namespaces/x/pods``: how errors name this request."""
        return f"{self.method} {self.path}"


def patch_content_type(patch_type: str) -> str:
    """The Content-Type for ``"merge"``, ``"json"``, ``"strategic"`` or ``"apply"``.

    A full patch media type (``application/merge-patch+json``) is accepted as it is.
    """
    if patch_type in PATCH_CONTENT_TYPES:
        return PATCH_CONTENT_TYPES[patch_type]
    if patch_type in PATCH_CONTENT_TYPES.values():
        return patch_type
    raise ValueError(
        f"patch type must be one of {sorted(PATCH_CONTENT_TYPES)} or their media types, "
        f"not {patch_type!r}"
    )


def encode_body(body: object) -> tuple[bytes, str]:
    """Bytes and default Content-Type for a body: a model, a dict or list, bytes or text.

    Raises ``TypeError`` for another type or a value JSON cannot hold, ``ValueError`` for one
    that cannot be written (a cycle, nesting past the interpreter's recursion limit, a lone
    surrogate in text).
    """
    # Without pydantic imported, ``body`` cannot be a model: no need to import it to check.
    pydantic = sys.modules.get("pydantic")
    try:
        if pydantic is not None and isinstance(body, pydantic.BaseModel):
            content = body.model_dump_json(by_alias=True, exclude_unset=True).encode()
            return content, "application/json"
        if isinstance(body, (dict, list)):
            return json.dumps(body, separators=(",", ":")).encode(), "application/json"
        # Bytes and text are taken as JSON, as client-go does; a YAML body sets its own header.
        if isinstance(body, bytes):
            return body, "application/json"
        if isinstance(body, str):
            return body.encode(), "application/json"
    except RecursionError:
        raise ValueError("body is nested too deeply to be written") from None
    except UnicodeEncodeError:
        raise ValueError("body holds a lone surrogate, which is not text") from None
    raise TypeError(
        f"body must be a pydantic model, dict, list, bytes or str, not {type(body).__name__}"
    )


def _positive_seconds(what: str, seconds: object) -> float:
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
        raise TypeError(f"{what} must be a number of seconds, not {type(seconds).__name__}")
    if not math.isfinite(seconds) or not 0 < seconds <= MAX_SECONDS:
        raise ValueError(f"{what} must be a number of seconds in (0, 1e9], not {seconds!r}")
    return float(seconds)


def _sendable(what: str, value: str) -> str:
    """``value`` if a URL can hold it: UTF-8 text (no lone surrogate), not past the URL limit.

    Refused here, at the setter that is wrong, rather than by httpx or the codec at a send.
    The value is not quoted: it may be huge.
    """
    if len(value) > MAX_URL_CHARS:
        raise ValueError(f"{what} is longer than {MAX_URL_CHARS:,} characters, the URL limit")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(f"{what} holds a lone surrogate, which is not text") from None
    return value


def _segment(what: str, value: object) -> str:
    return _sendable(what, check_segment(what, value))


def _url_too_long(path: str, params: list[tuple[str, str]]) -> bool:
    """Whether the path and query, escaped, pass :data:`MAX_URL_CHARS`."""
    raw = len(path) + sum(len(key) + len(value) + 2 for key, value in params)
    if raw * 12 <= MAX_URL_CHARS:  # a character escapes to 12 at most: the usual request
        return False
    escaped = len(quote(path, safe="/%!$&'()*+,;=:@~"))
    escaped += sum(len(quote(k, safe="")) + len(quote(v, safe="")) + 2 for k, v in params)
    return escaped > MAX_URL_CHARS


def _param_value(key: str, value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return _sendable(f"param {key!r}", value)
    if isinstance(value, int):
        if abs(value) >= 10**64:  # far past any API field; str() refuses 4,300 digits anyway
            raise ValueError(f"param {key!r} must be an int of at most 64 digits")
        return str(value)
    raise TypeError(f"param {key!r} must be a str, int or bool, not {type(value).__name__}")


class RequestBuilder:
    """Builds one API request; verb first, then any setters in any order, then a terminal.

    Kubernetes parts (namespace, resource, name, subresource) stay apart from generic parts
    (prefix, suffix, params, headers, body). Every setter checks its value and refuses to be
    called twice, raising ``ValueError`` (or ``TypeError`` for a non-string) at that call.
    ``param`` appends; ``header`` replaces. :meth:`build` lays the path out in one place.
    """

    def __init__(self, method: str, *, content_type: str | None = None) -> None:
        if not isinstance(method, str) or not _TOKEN.fullmatch(method):
            raise ValueError(f"HTTP method must be a token such as 'GET', not {method!r}")
        self._method = method.upper()
        self._group_version: GroupVersion | None = None
        self._abs_path: str | None = None
        self._namespace: str | None = None
        self._resource: str | None = None
        self._name: str | None = None
        self._subresource: str | None = None
        self._prefix: list[str] = []
        self._suffix: list[str] = []
        self._params: list[tuple[str, str]] = []
        self._headers: dict[str, tuple[str, str]] = {}
        self._body: bytes | None = None
        self._body_set = False
        self._timeout: float | None = None
        self._watch_limit: float | None = None
        self._idle_timeout: float | None = None
        self._content_type = content_type

    def _set_once(self, attr: str, what: str, value: Any) -> None:
        if getattr(self, attr) is not None:
            raise ValueError(f"{what} is already set to {getattr(self, attr)!r}")
        setattr(self, attr, value)

    def group_version(self: B, group_version: str) -> B:
        """The API group and version (``"v1"``, the default, or ``"apps/v1"``)."""
        self._set_once("_group_version", "group_version", GroupVersion.parse(group_version))
        return self

    def namespace(self: B, namespace: str) -> B:
        """The namespace: adds ``namespaces/<namespace>`` before the resource."""
        self._set_once("_namespace", "namespace", _segment("namespace", namespace))
        return self

    def resource(self: B, resource: str) -> B:
        """The resource's plural name (``"pods"``)."""
        self._set_once("_resource", "resource", _segment("resource", resource))
        return self

    def name(self: B, name: str) -> B:
        """The object's name."""
        self._set_once("_name", "name", _segment("name", name))
        return self

    def subresource(self: B, subresource: str) -> B:
        """A subresource of the named object (``"status"``, ``"scale"``, ``"log"``)."""
        self._set_once("_subresource", "subresource", _segment("subresource", subresource))
        return self

    def prefix(self: B, *segments: str) -> B:
        """Path segments between the group-version root and the namespace."""
        self._prefix += [_segment("prefix segment", segment) for segment in segments]
        return self

    def suffix(self: B, *segments: str) -> B:
        """Path segments after everything else (a proxy path, say)."""
        self._suffix += [_segment("suffix segment", segment) for segment in segments]
        return self

    def abs_path(self: B, path: str) -> B:
        """An absolute path (``"/version"``) used instead of the group-version root."""
        if not isinstance(path, str):
            raise TypeError(f"abs_path must be a str, not {type(path).__name__}")
        if not _ABS_PATH.fullmatch(path) or any(s in (".", "..") for s in path.split("/")):
            raise ValueError(
                "abs_path must be an absolute path without '%', '?', '#', spaces or control "
                f"characters: {path[:200]!r}"
            )
        self._set_once("_abs_path", "abs_path", _sendable("abs_path", path))
        return self

    def param(self: B, key: str, value: str | int | bool) -> B:
        """Add a query parameter; calling again with the same key adds another value."""
        if not isinstance(key, str):
            raise TypeError(f"param key must be a str, not {type(key).__name__}")
        if not key:
            raise ValueError("param key must not be empty")
        _sendable("param key", key)
        self._params.append((key, _param_value(key, value)))
        return self

    def params(self: B, params: Mapping[str, str | int | bool]) -> B:
        """Add several query parameters."""
        if not isinstance(params, Mapping):
            raise TypeError(f"params must be a mapping, not {type(params).__name__}")
        for key, value in params.items():
            self.param(key, value)
        return self

    def header(self: B, key: str, value: str) -> B:
        """Set a request header, replacing an earlier value of the same name."""
        if not isinstance(key, str) or not isinstance(value, str):
            raise TypeError("header name and value must be str")
        if not _TOKEN.fullmatch(key):
            raise ValueError(f"header name must be an HTTP token, not {key[:200]!r}")
        # httpx sends header values as ASCII and h11 refuses controls and spaces around them.
        if problem := header_problem(value):
            raise ValueError(f"header {key!r} cannot be sent: its value {problem}")
        self._headers[key.lower()] = (key, value)
        return self

    def body(self: B, body: pydantic.BaseModel | dict[str, Any] | list[Any] | bytes | str) -> B:
        """The request body; a model is written by alias without unset fields."""
        if self._body_set:
            raise ValueError("body is already set")
        content, content_type = encode_body(body)
        self._body, self._body_set = content, True
        if self._content_type is None:
            self._content_type = content_type
        return self

    def timeout(self: B, seconds: float) -> B:
        """An overall limit for this request, also sent to the server as ``timeout``.

        It runs from sending to the answer's last byte (a streamed body's too, less the time
        the caller spends on each chunk): connecting, sending, waiting, reading and any retries
        with their waits. Past it the request raises :class:`~rawkube.RequestTimeoutError`,
        however slowly the server keeps sending. A retry whose wait would not end within it is
        not made: the answer that asked for it is raised.
        """
        self._set_once("_timeout", "timeout", _positive_seconds("timeout", seconds))
        return self

    def idle_timeout(self: B, seconds: float) -> B:
        """For a streamed body (a watch): the longest it may stay silent before reading fails.

        Streams have no read timeout otherwise, since a followed log may rightly be quiet.
        """
        self._set_once("_idle_timeout", "idle_timeout", _positive_seconds("idle_timeout", seconds))
        return self

    def _as_watch(self, idle_timeout: float) -> None:
        """Make this request a watch: ``watch=1`` unless given, and a read limit unless set."""
        if not any(key == "watch" for key, _ in self._params):
            self.param("watch", 1)
        if self._idle_timeout is None:
            self.idle_timeout(idle_timeout)

    def _limit_watch(self, margin: float) -> None:
        """Limit a watch to its ``timeoutSeconds`` plus ``margin``, when it names one.

        The server ends a watch at its timeout; one still sending past the margin (blank
        lines, a line that never ends) is treated as a dead peer would be.
        """
        value = next((value for key, value in self._params if key == "timeoutSeconds"), "")
        if value.isdecimal() and int(value) > 0:  # as the server reads it: the first value
            self._watch_limit = int(value) + margin

    def build(self) -> ApiRequest:
        """The request as it will be sent. Raises ``ValueError`` for a name without a resource,
        or a URL longer than :data:`MAX_URL_CHARS` once escaped.
        """
        if (self._name is not None or self._subresource is not None) and self._resource is None:
            raise ValueError("a name or subresource needs a resource")
        if self._subresource is not None and self._name is None:
            raise ValueError("a subresource needs a name")
        if self._abs_path is not None:
            root = self._abs_path
        else:
            root = (self._group_version or GroupVersion("", "v1")).api_path
        path = layout_path(
            root=root,
            prefix=self._prefix,
            namespace=self._namespace,
            resource=self._resource,
            name=self._name,
            subresource=self._subresource,
            suffix=self._suffix,
        )
        params = self._params
        if self._timeout is not None:
            params = [*params, ("timeout", f"{math.ceil(self._timeout)}s")]
        if _url_too_long(path, params):
            raise ValueError(
                f"{self._method} {path[:100]}: the URL would be longer than "
                f"{MAX_URL_CHARS:,} characters once escaped"
            )
        headers = dict(self._headers)
        if self._content_type is not None and "content-type" not in headers:
            headers["content-type"] = ("Content-Type", self._content_type)
        return ApiRequest(
            method=self._method,
            path=path,
            params=tuple(params),
            headers=tuple(headers.values()),
            body=self._body,
            timeout=self._timeout,
            stream_read_timeout=self._idle_timeout,
            watch_limit=self._watch_limit,
        )


@functools.cache  # compiled on the first Warning header, not with rawkube
def _warning() -> re.Pattern[str]:
    return re.compile(r'\s*(\d{3})\s+(\S+)\s+"((?:[^"\\]|\\.)*)"(?:\s+"[^"]*")?\s*,?')


def parse_warnings(values: list[str]) -> list[str]:
    """The texts of ``Warning`` headers (``299 - "text"``), in order, without duplicates."""
    texts: dict[str, None] = {}  # ordered, and a repeat is found at once however many came
    warning = _warning()
    for value in values:
        pos = 0
        while pos < len(value):
            match = warning.match(value, pos)
            if match is None:
                break
            texts.setdefault(re.sub(r"\\(.)", r"\1", match[3]))
            pos = match.end()
    return list(texts)


class Result:
    """A successful response: the caller decides how to decode it.

    ``status_code`` and ``headers`` are as received; ``warnings`` holds the server's
    ``Warning`` header texts. :meth:`into` decodes the bytes straight into a model.
    """

    __slots__ = ("_content", "_request", "headers", "status_code", "warnings")

    def __init__(
        self,
        request: ApiRequest,
        status_code: int,
        headers: Mapping[str, str],
        content: bytes,
        warnings: list[str],
    ) -> None:
        self._request = request
        self.status_code = status_code
        self.headers = headers
        self._content = content
        self.warnings = warnings

    def __repr__(self) -> str:
        return (
            f"<Result {self._request.describe()} {self.status_code} ({len(self._content)} bytes)>"
        )

    def raw(self) -> bytes:
        """The body as received."""
        return self._content

    def json(self) -> Any:
        """The body decoded as JSON.

        Raises :class:`DecodeError` when it is not JSON or nests objects and arrays deeper than
        200 levels (``MAX_DEPTH`` in :mod:`rawkube.core._decode`).
        """
        return self._parse(into="")

    def _parse(self, *, into: str) -> Any:
        try:
            return loads(self._content)
        except TooDeep:
            raise self._too_deep(into) from None
        except ValueError as exc:
            as_model = f"does not decode as {into}: it " if into else ""
            raise DecodeError(
                f"{self._request.describe()}: the response body {as_model}is not JSON ({exc}); "
                f"it starts {body_snippet(self._content)!r}"
            ) from None

    def _too_deep(self, into: str) -> DecodeError:
        as_model = f"does not decode as {into}: it " if into else ""
        return DecodeError(
            f"{self._request.describe()}: the response body {as_model}nests deeper than "
            f"{MAX_DEPTH} levels of objects and arrays"
        )

    def into(self, model: type[M]) -> M:
        """The body decoded into ``model``.

        A rawkube model (any :class:`~rawkube.models.K8sModel`) is built as it is read: the
        body is parsed and the object's own fields validated now, while each nested model is
        validated when it is first read, so a caller reading a few fields of a big list pays
        for those alone. A wrongly typed nested value then raises :class:`DecodeError` naming
        the field, at that first read. In every other way the object behaves as one validated
        eagerly (``model.model_validate_json``). Any other pydantic model is validated whole,
        now.

        For a model with an ``apiVersion`` and ``kind`` (``Pod``), a body that names another
        kind is refused: a Status raises its :class:`~rawkube.ApiError`, anything else a
        :class:`DecodeError`, as does a body that does not fit the model (naming the field).
        """
        ValidationError, K8sModel, build, summarise = _model_decoding()
        try:
            if issubclass(model, K8sModel):
                built: M | None = self._build_raw(model)
                if built is not None:
                    return built
                # Not an object of that model's fields: parsed whole, it gets the usual error.
                data = self._parse(into=model.__name__)
                if isinstance(data, dict):
                    self._check_kind(model, data.get("kind"), data.get("apiVersion"))
                return build(model, data)  # type: ignore[no-any-return]
            if len(self._content) < BULK_BYTES:
                decoded = model.model_validate_json(self._content)
            else:
                with collector_paused():
                    decoded = model.model_validate_json(self._content)
        except ValidationError as exc:
            if _too_deep(exc):  # pydantic-core's parser refused it
                raise self._too_deep(model.__name__) from None
            raise DecodeError(
                f"{self._request.describe()}: the response body does not decode as "
                f"{model.__name__}: {summarise(exc)}"
            ) from None
        kind = getattr(decoded, "kind", None)
        self._check_kind(model, kind, getattr(decoded, "api_version", None))
        return decoded

    def _build_raw(self, model: type[M]) -> M | None:
        """``model`` built with its nested fields as raw JSON, or None if the body does not fit.

        Nested fields stay raw JSON until read (:mod:`rawkube.models._lazy`), so a GET reading
        a pod's name parses its metadata alone. Raises as :meth:`into` for a body of another
        kind.
        """
        from rawkube.models._lazy import build_fields, decode_fields

        content = self._content
        try:
            fields = decode_fields(model, content)
        except ValueError:  # TooDeep too: parsed whole, the body gets the usual error
            return None
        self._check_kind(model, fields.get("kind"), fields.get("apiVersion"))
        try:
            return build_fields(model, fields, detach=len(content) >= BULK_BYTES)
        except ValueError:
            return None

    def _check_kind(self, model: type[pydantic.BaseModel], kind: Any, api_version: Any) -> None:
        # Every field of a generated model is optional and extra fields are kept, so any JSON
        # object would validate as any model: the body's own apiVersion and kind must agree.
        want_kind = getattr(model, "__kind__", "")
        if not want_kind:
            return
        want_version = getattr(model, "__api_version__", "")
        if kind in (None, want_kind) and api_version in (None, want_version):
            return
        if kind == "Status":
            status = decode_status(self._content)
            if status is not None and status.status == "Failure":
                raise error_from_response(status.code or self.status_code, self._content)
        raise DecodeError(
            f"{self._request.describe()}: the response is {api_version} {kind}, "
            f"not the {want_version} {want_kind} that {model.__name__} decodes"
        )


def _too_deep(exc: Any) -> bool:
    """Whether a pydantic ValidationError says its JSON nested past the parser's limit."""
    return any(
        error["type"] == "json_invalid" and "recursion limit" in error["msg"]
        for error in exc.errors(include_url=False, include_input=False)
    )


_decoding: tuple[Any, Any, Any, Any] | None = None


def _model_decoding() -> tuple[Any, Any, Any, Any]:
    """What ``Result.into`` needs from pydantic and the models, imported on its first call.

    Kept after that: an import statement per call, through pydantic's lazy module attributes,
    cost a typed GET more than the rest of ``into`` did.
    """
    global _decoding
    if _decoding is None:
        from pydantic_core import ValidationError  # free: ``model`` already imported pydantic

        from rawkube.models._base import K8sModel
        from rawkube.models._lazy import build, summarise

        _decoding = (ValidationError, K8sModel, build, summarise)
    return _decoding

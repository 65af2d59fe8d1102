"""The only module that calls httpx: sends ApiRequests with retries, throttling and error mapping.

``TransportCore`` holds every decision (how a request becomes an httpx request, whether and when
to retry, which error to raise). Its ``send_flow`` generator is one request's whole life as
steps (sleep, send, discard an answer), in the manner of httpx's auth flows; ``SyncTransport``
and ``AsyncTransport`` only carry the steps out, blocking or awaited.

Retries follow client-go: a 429 or 5xx answer that carries an integer ``Retry-After`` was
rejected unprocessed (API Priority and Fairness), so any verb is sent again after that many
seconds; a connection reset or early EOF is retried for GET only, after one second; a 503 or 504
without ``Retry-After`` is not retried. At most ``MAX_RETRIES`` retries per request.

A request with an overall limit (``.timeout()``, a watch's) carries a :class:`Deadline`: a
wait (a retry's, throttling) that would not end before it is not taken, and a body is checked
against it as each chunk arrives, since a server trickling a byte at a time never lets a single
read time out. Under ``.timeout()`` no operation is given longer than the time left either; a
watch's reads keep their own limit (``idle_timeout``). The async transport also cancels whatever
it awaits at the deadline; the sync one cannot interrupt a blocked read, so there a silent
server is noticed by the read timeout: under ``.timeout()``, at most the time left when sent.
The time a caller spends on each chunk of a stream is not counted: the limit is the server's.

Each client bounds what a server can make it hold or wait for (:class:`Limits`): a ``Retry-After``
longer than ``max_retry_after`` is not waited for (the answer is raised), a body is decompressed
a piece at a time and refused past ``max_body_bytes``, the pool keeps its idle connections for
reuse, and only the last :data:`WARNINGS_REMEMBERED` distinct server warnings are remembered.
The blocking transport also resolves the server's name within the connect timeout, which
httpx's own transport cannot do (:class:`PoolTransport`).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib.util
import ipaddress
import logging
import math
import re
import socket
import ssl
import threading
import time
import zlib
from collections import OrderedDict
from collections.abc import AsyncIterator, Generator, Iterable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from http.cookiejar import Cookie, CookieJar
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from rawkube import _http
from rawkube._http import httpx
from rawkube.config import ClientCertificate, Config
from rawkube.config._config import redact_url, url_problem
from rawkube.core._api_errors import ApiError
from rawkube.core._clock import Deadline
from rawkube.core._exceptions import (
    ConfigError,
    ConnectError,
    DecodeError,
    RawkubeError,
    RequestTimeoutError,
    TransportError,
)
from rawkube.core._request import ApiRequest, Result, parse_warnings
from rawkube.core._status import error_from_response
from rawkube.core._throttle import TokenBucket

if TYPE_CHECKING:
    from concurrent.futures import Future

    import httpcore

    # httpcore is imported when a pool is built, not with rawkube (its import is slow); at run
    # time the pool only calls the backend's methods.
    _NetworkBackend = httpcore.NetworkBackend
else:
    _NetworkBackend = object

logger = logging.getLogger("rawkube.transport")

MAX_RETRIES = 10
CONNECTION_RETRY_DELAY = 1.0
_RETRYABLE_FOR_GET = (httpx.ReadError, httpx.WriteError, httpx.RemoteProtocolError)
URL_CACHE_SIZE = 512
TIMER_SLACK = 0.01  # socket timeouts are about this coarse: a deadline is met within it

DEFAULT_MAX_CONNECTIONS = 256
"""Connections one client opens at most; more requests in flight wait for one to be free."""
DEFAULT_MAX_KEEPALIVE_CONNECTIONS = 256
"""Idle connections kept for reuse: as many as may be open, so no request in flight pays for a
new connection while the pool is under its cap (httpx keeps 20, client-go 25 per host)."""
DEFAULT_KEEPALIVE_EXPIRY = 5.0
"""Seconds an idle connection is kept (httpx's default). A connection used again within it is
reused; what a burst left behind is closed soon, which matters as httpcore's pool looks at every
pooled connection for each request (client-go keeps them 90 s: Go's pool costs nothing per idle
connection)."""
DEFAULT_MAX_BODY_BYTES = 256 * 1024 * 1024
"""The largest response body, once decompressed: about 45,000 pods of 6 KB in one list."""
DEFAULT_MAX_RETRY_AFTER = 60.0
"""The longest ``Retry-After`` waited for before a retry. API Priority and Fairness asks for at
most 32 s (``maxRetryAfter`` in kube-apiserver's dropped-requests tracker)."""
WARNINGS_REMEMBERED = 1000
"""Distinct server warnings a client remembers, so as to log each once; older ones are forgotten."""
PIECE_BYTES = 1024 * 1024  # a compressed body is inflated at most this much at a time
# ASCII digits, not str.isdigit's ('²'); client-go reads the value with strconv.Atoi: an int64.
_DELAY_SECONDS = re.compile(r"[0-9]{1,19}")
_GZIP = 16 + zlib.MAX_WBITS


def retry_after_seconds(value: str | None) -> int | None:
    """The whole seconds of a ``Retry-After`` header, as client-go's ``retryAfterSeconds`` reads
    them, or None: an HTTP-date, a fraction, a sign, a non-ASCII digit or an int64 overflow is
    not a delay to honour.
    """
    if value is None:
        return None
    value = value.strip(" \t")
    if not _DELAY_SECONDS.fullmatch(value):
        return None
    seconds = int(value)
    return seconds if seconds < 2**63 else None


def _count_or_none(what: str, value: object, minimum: int) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{what} must be an int or None, not {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{what} must be at least {minimum}, not {value!r}")
    return value


def _seconds(what: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{what} must be a number of seconds, not {type(value).__name__}")
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"{what} must be a finite, non-negative number of seconds: {value!r}")
    return float(value)


@dataclass(frozen=True)
class Limits:
    """What one client may hold and wait for; the keyword arguments of ``Client`` and
    ``AsyncClient`` of the same names. None lifts a limit (but for ``max_retry_after``).

    Raises ``TypeError`` or ``ValueError`` for a value that is not a limit.
    """

    max_connections: int | None = DEFAULT_MAX_CONNECTIONS
    max_keepalive_connections: int | None = DEFAULT_MAX_KEEPALIVE_CONNECTIONS
    keepalive_expiry: float | None = DEFAULT_KEEPALIVE_EXPIRY
    max_body_bytes: int | None = DEFAULT_MAX_BODY_BYTES
    max_retry_after: float = DEFAULT_MAX_RETRY_AFTER

    def __post_init__(self) -> None:
        _count_or_none("max_connections", self.max_connections, 1)
        _count_or_none("max_keepalive_connections", self.max_keepalive_connections, 0)
        _count_or_none("max_body_bytes", self.max_body_bytes, 1)
        if self.keepalive_expiry is not None:
            _seconds("keepalive_expiry", self.keepalive_expiry)
        _seconds("max_retry_after", self.max_retry_after)

    def pool(self) -> httpx.Limits:
        """The pool settings as httpx takes them."""
        return httpx.Limits(
            max_connections=self.max_connections,
            max_keepalive_connections=self.max_keepalive_connections,
            keepalive_expiry=self.keepalive_expiry,
        )


class NoCookies(CookieJar):
    """A cookie jar that keeps nothing: like client-go, rawkube sends no cookie back.

    A Kubernetes client authenticates each request on its own; a cookie a proxy on the way
    sets would otherwise be sent to every later request, and storing it costs each answer
    some tens of microseconds.
    """

    def extract_cookies(self, response: Any, request: Any) -> None:
        """Ignore the answer's Set-Cookie headers."""

    def set_cookie(self, cookie: Cookie) -> None:
        """Keep no cookie, whoever sets it."""


def keepalive_socket_options() -> list[tuple[int, int, int]]:
    """TCP keepalive, so a long-lived connection (a followed log, a watch) notices a dead peer."""
    options = [(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)]
    for name, value in (("TCP_KEEPIDLE", 30), ("TCP_KEEPINTVL", 10), ("TCP_KEEPCNT", 3)):
        if hasattr(socket, name):
            options.append((socket.IPPROTO_TCP, getattr(socket, name), value))
    return options


def proxy_for(config: Config) -> str | None:
    """The proxy to use: the kubeconfig's ``proxy-url``, else the environment's, as kubectl does."""
    if config.proxy:
        return config.proxy
    import urllib.request  # its import is slow; a client is built far less often than imported

    parts = urlsplit(config.server)
    proxies = urllib.request.getproxies_environment()
    proxy = proxies.get(parts.scheme)
    if proxy and not urllib.request.proxy_bypass(parts.hostname or ""):
        return proxy
    return None


class BodyDecoder:
    """Undoes a body's gzip coding as its bytes arrive, in pieces of at most :data:`PIECE_BYTES`,
    raising :class:`DecodeError` once the pieces pass ``limit`` bytes (None: no limit).

    rawkube asks for gzip alone, as Go's transport does for client-go, and inflates it here
    rather than in httpx, whose decoder inflates each network read whole: one 64 KiB read of a
    crafted body becomes 64 MiB before anything could count it. Another coding is passed on as
    it came, as Go passes it on.
    """

    def __init__(self, coding: str, limit: int | None, where: str) -> None:
        coding = coding.strip().lower()
        self._inflater = zlib.decompressobj(_GZIP) if coding in ("gzip", "x-gzip") else None
        self._limit = limit
        self._where = where
        self._size = 0
        self._fed = False

    def feed(self, data: bytes) -> Iterator[bytes]:
        """The decoded pieces of the next bytes of the body."""
        if not data:
            return
        if self._inflater is None:
            yield self._counted(data)  # a network read: already bounded
            return
        self._fed = True
        try:
            yield from self._inflate(data)
        except zlib.error as exc:
            raise DecodeError(
                f"{self._where}: the response body is not valid gzip: {exc}"
            ) from None

    def _inflate(self, data: bytes) -> Iterator[bytes]:
        assert self._inflater is not None
        while True:
            piece = self._inflater.decompress(data, PIECE_BYTES)
            data = self._inflater.unconsumed_tail
            if piece:
                yield self._counted(piece)
            if self._inflater.eof:
                data = self._inflater.unused_data
                if not data:
                    return
                # Another gzip member follows: Go's gzip reader reads them all, one stream.
                self._inflater = zlib.decompressobj(_GZIP)
            elif not data and len(piece) < PIECE_BYTES:
                return  # all input used, nothing held back

    def finish(self) -> None:
        """Check the body ended where its coding does; raises DecodeError for a cut gzip stream."""
        if self._inflater is not None and self._fed and not self._inflater.eof:
            raise DecodeError(f"{self._where}: the response body ends inside its gzip stream")

    def _counted(self, piece: bytes) -> bytes:
        self._size += len(piece)
        if self._limit is not None and self._size > self._limit:
            raise DecodeError(
                f"{self._where}: the response body is larger than {self._limit:,} bytes "
                "once decompressed (the client's max_body_bytes); page a long list "
                "(page_size=) or raise max_body_bytes"
            )
        return piece


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _partial_timeout(left: float, addresses: int) -> float:
    """An address's share of the time left to connect, as Go's dialer shares it among a name's
    addresses (``partialDeadline``): equal parts, but 2 s at least while there is that much.
    """
    return min(left, max(left / addresses, 2.0))


class Resolver:
    """Looks names up in worker threads, so a caller waits no longer than its connect timeout.

    ``socket.getaddrinfo`` cannot be interrupted, and httpcore's blocking backend calls it
    without a limit: a slow DNS server held a connect for 8 s under a 2 s connect timeout. A
    lookup left running ends by the resolver's own timeout, in a daemon thread. Callers asking
    for the same name at once share one lookup, so a dead DNS server costs one thread per
    name, not one per request. Nothing is cached: lookups happen only when a new connection is
    made, and the system's resolver caches as it is configured to (as Go's resolver leaves it).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: dict[tuple[str, int], Future[list[str]]] = {}

    def addresses(self, host: str, port: int, timeout: float | None) -> list[str]:
        """The IP addresses of ``host``, in the resolver's order.

        Raises httpcore's ConnectTimeout past ``timeout``, its ConnectError when the lookup fails.
        """
        from concurrent.futures import TimeoutError as FutureTimeout

        core = _http.httpcore()

        if _is_ip(host):
            return [host]
        try:
            return self._lookup(host, port).result(timeout)
        except FutureTimeout:
            raise core.ConnectTimeout(
                f"resolving {host!r} took longer than the connect timeout ({timeout:g} s)"
            ) from None
        except Exception as exc:  # gaierror mostly; whatever it is, no connection was made
            raise core.ConnectError(str(exc) or type(exc).__name__) from None

    def _lookup(self, host: str, port: int) -> Future[list[str]]:
        from concurrent.futures import Future  # loaded by the first lookup, not with rawkube

        with self._lock:
            future = self._pending.get((host, port))
            if future is not None:
                return future
            future = self._pending[(host, port)] = Future()
        worker = threading.Thread(target=self._resolve, args=(host, port, future), daemon=True)
        try:
            worker.start()
        except RuntimeError as exc:  # no thread to be had: this lookup fails, a later one may not
            self._settle(host, port, future, exc)
        return future

    def _resolve(self, host: str, port: int, future: Future[list[str]]) -> None:
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
            addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
        except Exception as exc:  # handed to every waiter
            self._settle(host, port, future, exc)
        else:
            self._settle(host, port, future, addresses)

    def _settle(
        self, host: str, port: int, future: Future[list[str]], outcome: list[str] | Exception
    ) -> None:
        """End a lookup: the next caller for the name starts a fresh one."""
        with self._lock:
            self._pending.pop((host, port), None)
        if isinstance(outcome, Exception):
            future.set_exception(outcome)
        else:
            future.set_result(outcome)


class BoundedResolution(_NetworkBackend):
    """httpcore's blocking network backend, with the name lookup inside the connect timeout.

    Each resolved address is tried in turn with its share of the time left, as Go's dialer does;
    the first error is raised when none connects. TLS is untouched: httpcore names the server
    (SNI, certificate check) by the request's host, whatever address the socket reached.
    """

    def __init__(self) -> None:
        self._backend: httpcore.SyncBackend = _http.httpcore().SyncBackend()
        self._resolver = Resolver()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        core = _http.httpcore()
        end = None if timeout is None else time.monotonic() + timeout
        addresses = self._resolver.addresses(host, port, timeout)
        first: httpcore.NetworkError | httpcore.TimeoutException | None = None
        for index, address in enumerate(addresses):
            share = None
            if end is not None:
                left = end - time.monotonic()
                if left <= 0:
                    break
                share = _partial_timeout(left, len(addresses) - index)
            try:
                return self._backend.connect_tcp(
                    address, port, share, local_address, list(socket_options or ())
                )
            except (core.ConnectError, core.ConnectTimeout) as exc:
                first = first or exc
        raise first or core.ConnectTimeout(f"connecting to {host!r} timed out")

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:
        return self._backend.connect_unix_socket(path, timeout, socket_options)

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)


@functools.cache
def _httpcore_errors() -> tuple[tuple[type[Exception], type[httpx.HTTPError]], ...]:
    """httpcore's errors and the httpx errors they are, the most specific first."""
    core = _http.httpcore()

    return (
        (core.ConnectTimeout, httpx.ConnectTimeout),
        (core.ReadTimeout, httpx.ReadTimeout),
        (core.WriteTimeout, httpx.WriteTimeout),
        (core.PoolTimeout, httpx.PoolTimeout),
        (core.TimeoutException, httpx.TimeoutException),
        (core.ConnectError, httpx.ConnectError),
        (core.ReadError, httpx.ReadError),
        (core.WriteError, httpx.WriteError),
        (core.NetworkError, httpx.NetworkError),
        (core.ProxyError, httpx.ProxyError),
        (core.UnsupportedProtocol, httpx.UnsupportedProtocol),
        (core.LocalProtocolError, httpx.LocalProtocolError),
        (core.RemoteProtocolError, httpx.RemoteProtocolError),
        (core.ProtocolError, httpx.ProtocolError),
    )


@contextmanager
def _as_httpx_errors() -> Iterator[None]:
    """Raise httpcore's errors as the httpx errors they are, as httpx's own transport does."""
    try:
        yield
    except Exception as exc:
        for theirs, ours in _httpcore_errors():
            if isinstance(exc, theirs):
                raise ours(str(exc)) from exc
        raise


class _PoolStream(httpx.SyncByteStream):
    """A response body from httpcore, its errors raised as httpx's."""

    def __init__(self, stream: Iterable[bytes]) -> None:
        self._stream = stream

    def __iter__(self) -> Iterator[bytes]:
        with _as_httpx_errors():
            yield from self._stream

    def close(self) -> None:
        close = getattr(self._stream, "close", None)
        if close is not None:
            with _as_httpx_errors():
                close()


class PoolTransport(httpx.BaseTransport):
    """``httpx.HTTPTransport`` on httpcore's public pool, with a :class:`BoundedResolution`.

    httpx's transport takes no network backend, and httpcore's default one resolves the host in
    the calling thread with no limit; only the blocking client needs this (httpcore's async
    backend resolves within its connect timeout). Proxies are httpcore's, as httpx sets them up.
    """

    def __init__(
        self,
        *,
        verify: ssl.SSLContext | bool,
        http2: bool,
        proxy: str | None,
        socket_options: list[tuple[int, int, int]],
        limits: httpx.Limits,
    ) -> None:
        core = _http.httpcore()

        options: dict[str, Any] = {
            # rawkube passes False for a plain-HTTP server only: no TLS to set up there.
            "ssl_context": verify if isinstance(verify, ssl.SSLContext) else None,
            "max_connections": limits.max_connections,
            "max_keepalive_connections": limits.max_keepalive_connections,
            "keepalive_expiry": limits.keepalive_expiry,
            "http1": True,
            "http2": http2,
            "network_backend": BoundedResolution(),
        }
        self._pool: httpcore.ConnectionPool
        if proxy is None:
            self._pool = core.ConnectionPool(socket_options=socket_options, **options)
            return
        parsed = httpx.Proxy(proxy)
        url = core.URL(
            scheme=parsed.url.raw_scheme,
            host=parsed.url.raw_host,
            port=parsed.url.port,
            target=parsed.url.raw_path,
        )
        if parsed.url.scheme in ("http", "https"):
            self._pool = core.HTTPProxy(
                proxy_url=url,
                proxy_auth=parsed.raw_auth,
                proxy_headers=parsed.headers.raw,
                proxy_ssl_context=parsed.ssl_context,
                socket_options=socket_options,
                **options,
            )
        else:
            self._pool = core.SOCKSProxy(proxy_url=url, proxy_auth=parsed.raw_auth, **options)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        core = _http.httpcore()

        assert isinstance(request.stream, httpx.SyncByteStream)
        core_request = core.Request(
            method=request.method,
            url=core.URL(
                scheme=request.url.raw_scheme,
                host=request.url.raw_host,
                port=request.url.port,
                target=request.url.raw_path,
            ),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        with _as_httpx_errors():
            response = self._pool.handle_request(core_request)
        assert isinstance(response.stream, Iterable)
        return httpx.Response(
            status_code=response.status,
            headers=response.headers,
            stream=_PoolStream(response.stream),
            extensions=response.extensions,
        )

    def close(self) -> None:
        with _as_httpx_errors():
            self._pool.close()


@dataclass(frozen=True)
class Retry:
    """Send the request again after ``delay`` seconds."""

    delay: float


class RefreshCertificate:
    """Ask the credential plugin for a new client certificate, rebuild the pool, send again."""


REFRESH_CERTIFICATE = RefreshCertificate()
Decision = Retry | RefreshCertificate | None


@dataclass(frozen=True)
class Sleep:
    """Flow step: the driver waits ``seconds`` on the clock."""

    seconds: float


class Send:
    """Flow step: the driver sends the request once and hands back a :class:`Sent` or the error."""


@dataclass(frozen=True)
class Discard:
    """Flow step: the driver closes an answer that will not be used."""

    response: httpx.Response


@dataclass(frozen=True)
class Sent:
    """What one send gave: the answer, whether a plugin's client certificate was presented, and
    the body when it was read (always, but for a streamed 2xx answer).
    """

    response: httpx.Response
    certificate_in_use: bool
    content: bytes | None = None


SEND = Send()
Step = Sleep | Send | Discard
Outcome = Sent | httpx.HTTPError | None
SendFlow = Generator[Step, Outcome, httpx.Response]


def within(timeout: httpx.Timeout, left: float) -> httpx.Timeout:
    """``timeout`` with no operation (connect, write, read, pool wait) longer than ``left``.

    One longer by no more than :data:`TIMER_SLACK` is kept: the first send of a request finds
    a few microseconds gone, and a watch's read timeout should stay the one it asked for.
    """
    limits = (timeout.connect, timeout.read, timeout.write, timeout.pool)
    connect, read, write, pool = (
        t if t is not None and t <= left + TIMER_SLACK else left for t in limits
    )
    return httpx.Timeout(connect=connect, read=read, write=write, pool=pool)


def _fits(delay: float, deadline: Deadline | None) -> bool:
    """Whether a wait of ``delay`` seconds ends before ``deadline``, leaving time to send."""
    return deadline is None or delay < deadline.left()


class TransportCore:
    """Everything the sync and async transports decide alike; no I/O here."""

    def __init__(
        self, config: Config, *, http2: bool = False, limits: Limits | None = None
    ) -> None:
        problem = url_problem(config.server)
        if problem is None and urlsplit(config.server).scheme not in ("http", "https"):
            problem = "has another scheme"
        if problem is not None:
            # Refused here, or httpx, urllib and the IDNA codec raise their own errors at a send.
            raise ConfigError(
                f"{config.source}: server must be an http(s) URL with a host, "
                f"not {redact_url(config.server)!r} (it {problem})"
            )
        self.config = config
        self.http2 = http2
        self.limits = limits if limits is not None else Limits()
        self.base_url = config.server.rstrip("/")
        self.shown_url = redact_url(self.base_url)  # as errors name the server, made once
        # gzip alone, as Go's transport asks for it: the one coding rawkube inflates with a limit.
        coding = "identity" if config.disable_compression else "gzip"
        headers = [("Accept", "application/json"), ("Accept-Encoding", coding)]
        for name, value in config.headers():
            if not value.isascii() or not value.isprintable():
                raise ConfigError(
                    f"{config.source}: the {name} header cannot be sent: it holds a "
                    "non-ASCII or control character"
                )
            headers.append((name, value))
        self.headers = httpx.Headers(headers)
        self.timeout = httpx.Timeout(
            connect=config.connect_timeout,
            read=config.read_timeout,
            write=config.read_timeout,
            pool=config.connect_timeout,
        )
        self.stream_timeout = httpx.Timeout(
            connect=config.connect_timeout, read=None, write=config.read_timeout, pool=None
        )
        server_name = config.tls.server_name
        self.extensions: dict[str, Any] = {"sni_hostname": server_name} if server_name else {}
        self.limiter = (
            TokenBucket(config.qps, config.burst or max(1, int(config.qps)), config.clock)
            if config.qps
            else None
        )
        # Digests, not texts: a server may send long warnings, and the memory stays bounded.
        self._logged_warnings: OrderedDict[bytes, None] = OrderedDict()
        self._warnings_lock = threading.Lock()
        # httpx parses a URL given as text on every send, about a twentieth of a small GET;
        # the same paths and queries come again and again (a controller's GETs, its relists).
        self.url = functools.lru_cache(maxsize=URL_CACHE_SIZE)(self._parse_url)

    def verify(self, client_cert: ClientCertificate | None) -> ssl.SSLContext | bool:
        """The TLS context for a pool; plain-HTTP servers need none."""
        if not self.base_url.startswith("https:"):
            return False
        if client_cert is not None:
            return self.config.ssl_context_with(client_cert)
        return self.config.ssl_context

    def upgrades_apart(self, user_transport: object) -> bool:
        """Whether upgrades need a pool of their own: HTTP/2 cannot switch protocols, so a client
        that may speak it upgrades on an HTTP/1.1 pool built from the same settings. A transport
        handed in is used for everything, as given.
        """
        return self.http2 and user_transport is None

    def transport_options(
        self, client_cert: ClientCertificate | None, *, http1: bool = False
    ) -> dict[str, Any]:
        """Keyword arguments for httpx's HTTP(S) transport of one connection pool (``http1``:
        HTTP/1.1 only, whatever the client was made with).
        """
        http2 = self.http2 and not http1
        if http2 and importlib.util.find_spec("h2") is None:
            raise ConfigError("HTTP/2 needs the h2 package: pip install 'rawkube[http2]'")
        proxy = proxy_for(self.config)
        if proxy and proxy.startswith("socks") and importlib.util.find_spec("socksio") is None:
            raise ConfigError(
                f"{self.config.source}: proxy-url {proxy.split('://')[0]}:// needs the "
                "socksio package: pip install 'rawkube[socks]'"
            )
        if proxy:
            problem = url_problem(proxy)
            if problem is None:
                try:
                    httpx.Proxy(proxy)
                except (ValueError, httpx.InvalidURL):
                    problem = "must be an http, https, socks5 or socks5h URL"
            if problem is not None:
                # Raised outside the except: httpx's error, kept as __context__, may quote
                # part of the URL (a password among it).
                raise ConfigError(
                    f"{self.config.source}: the proxy {problem}, not {redact_url(proxy)!r}"
                )
        return {
            "verify": self.verify(client_cert),
            "http2": http2,
            "proxy": proxy,
            "socket_options": keepalive_socket_options(),
            "limits": self.limits.pool(),
        }

    def client_options(
        self, transport: httpx.BaseTransport | httpx.AsyncBaseTransport
    ) -> dict[str, Any]:
        """Keyword arguments for the pooled httpx client."""
        return {
            "auth": self.config.auth,
            "headers": self.headers,
            "timeout": self.timeout,
            "transport": transport,
            "trust_env": False,
            "follow_redirects": False,
            "cookies": NoCookies(),
        }

    def _parse_url(self, path: str, params: tuple[tuple[str, str], ...]) -> httpx.URL:
        """The parsed URL of a path and query; :attr:`url` is this, cached.

        Raises ``ValueError`` for one httpx cannot send (longer than it allows, once escaped).
        """
        try:
            url = httpx.URL(self.base_url + path)
            return url.copy_merge_params(params) if params else url
        except (httpx.InvalidURL, UnicodeError) as exc:
            raise ValueError(f"{path}: the request cannot be sent as a URL: {exc}") from None

    def request_options(
        self, request: ApiRequest, *, stream: bool, left: float | None = None
    ) -> dict[str, Any]:
        """Keyword arguments for ``build_request`` of one ApiRequest, ``left`` seconds before
        its limit (its whole limit when None).
        """
        if stream and request.stream_read_timeout is not None:
            # A watch: no read may take longer than the server's bookmarks and timeout allow.
            timeout = httpx.Timeout(
                connect=self.config.connect_timeout,
                read=request.stream_read_timeout,
                write=self.config.read_timeout,
                pool=None,
            )
        elif stream:
            timeout = self.stream_timeout
        elif request.timeout is not None:
            # The limit replaces the configured read timeout: a slow answer may take all of it.
            timeout = httpx.Timeout(None, connect=self.config.connect_timeout)
        else:
            timeout = self.timeout
        if request.timeout is not None:
            timeout = within(timeout, request.timeout if left is None else left)
        return {
            "method": request.method,
            "url": self.url(request.path, request.params),
            "headers": request.headers,
            "content": request.body,
            "timeout": timeout,
            "extensions": self.extensions,
        }

    def throttle_delay(self) -> float:
        """Seconds to wait before sending, when client-side QPS limiting is on."""
        return self.limiter.reserve() if self.limiter is not None else 0.0

    def deadline(self, request: ApiRequest) -> Deadline | None:
        """The end of the request's overall limit (or a watch's), starting now; None if none."""
        limits = [limit for limit in (request.timeout, request.watch_limit) if limit is not None]
        return Deadline(min(limits)) if limits else None

    def time_left(self, request: ApiRequest, deadline: Deadline | None) -> float | None:
        """Seconds before ``deadline`` (None: no limit); raises RequestTimeoutError once past it."""
        if deadline is None:
            return None
        left = deadline.left()
        if left <= 0:
            raise self.out_of_time(request, deadline)
        return left

    def out_of_time(self, request: ApiRequest, deadline: Deadline) -> RequestTimeoutError:
        """The error of a request whose overall limit ran out."""
        return RequestTimeoutError(
            f"{request.describe()} on {self.shown_url}: timed out: no complete "
            f"answer within the request's {deadline.limit:g} s limit"
        )

    def send_flow(self, request: ApiRequest, deadline: Deadline | None = None) -> SendFlow:
        """The whole life of one request as steps for a driver, ending with the answer to use.

        The sync and async transports only carry the steps out (sleep, send, close), so the
        retry and refresh rules exist once. Raises the wrapped error when a send fails for good.
        A wait that would not end before ``deadline`` is not taken: a retry is then given up
        (the answer, or the error, that asked for it stands), throttling raises at once.
        """
        attempt, refreshed = 0, False
        while True:
            delay = self.throttle_delay()
            if delay:
                if not _fits(delay, deadline):
                    assert deadline is not None
                    raise self.out_of_time(request, deadline)
                yield Sleep(delay)
            outcome = yield SEND
            if isinstance(outcome, httpx.HTTPError):
                retry = self.decide_error(request, outcome, attempt)
                if retry is None or not self.retry_fits(request, retry, deadline):
                    raise self.wrap(request, outcome, deadline) from outcome
                yield Sleep(retry.delay)
                attempt += 1
                continue
            assert outcome is not None, "the driver must answer SEND with what it got"
            decision = self.decide(
                request,
                outcome.response.status_code,
                outcome.response.headers,
                attempt,
                certificate_in_use=outcome.certificate_in_use,
                certificate_refreshed=refreshed,
            )
            if decision is None or (
                isinstance(decision, Retry) and not self.retry_fits(request, decision, deadline)
            ):
                return outcome.response
            yield Discard(outcome.response)
            if isinstance(decision, Retry):
                yield Sleep(decision.delay)
                attempt += 1
            else:
                self.invalidate_credentials()
                refreshed = True

    def decide(
        self,
        request: ApiRequest,
        status_code: int,
        headers: httpx.Headers,
        attempt: int,
        *,
        certificate_in_use: bool,
        certificate_refreshed: bool,
    ) -> Decision:
        """What to do with an answer: retry, refresh the client certificate, or accept it."""
        if status_code == 401 and certificate_in_use and not certificate_refreshed:
            return REFRESH_CERTIFICATE
        if attempt >= MAX_RETRIES or not (status_code == 429 or 500 <= status_code <= 599):
            return None
        seconds = retry_after_seconds(_first(headers, "retry-after"))
        if seconds is None:
            return None
        if seconds > self.limits.max_retry_after:
            logger.debug(
                "%s: HTTP %d with Retry-After %ds, longer than max_retry_after %gs; not retried",
                request.describe(),
                status_code,
                seconds,
                self.limits.max_retry_after,
            )
            return None
        logger.debug(
            "%s: HTTP %d with Retry-After %ds; retry %d",
            request.describe(),
            status_code,
            seconds,
            attempt + 1,
        )
        return Retry(float(seconds))

    def retry_fits(self, request: ApiRequest, retry: Retry, deadline: Deadline | None) -> bool:
        """Whether waiting ``retry.delay`` still leaves time before the deadline to send again."""
        if _fits(retry.delay, deadline):
            return True
        logger.debug(
            "%s: a retry in %gs would pass its limit; not retried", request.describe(), retry.delay
        )
        return False

    def invalidate_credentials(self) -> None:
        """Make the credential flow fetch fresh credentials (a 401 on a plugin's certificate)."""
        if self.config.auth is not None:
            self.config.auth.invalidate()

    def decide_error(self, request: ApiRequest, exc: httpx.HTTPError, attempt: int) -> Retry | None:
        """Whether a failed send is tried again: a reset or EOF, for GET only."""
        if (
            request.method == "GET"
            and isinstance(exc, _RETRYABLE_FOR_GET)
            and attempt < MAX_RETRIES
        ):
            logger.debug("%s: %s; retry %d", request.describe(), type(exc).__name__, attempt + 1)
            return Retry(CONNECTION_RETRY_DELAY)
        return None

    def wrap(
        self, request: ApiRequest, exc: httpx.HTTPError, deadline: Deadline | None = None
    ) -> RawkubeError:
        """The rawkube error for an httpx error (raised ``from`` it by the caller)."""
        where = f"{request.describe()} on {self.shown_url}"
        detail = str(exc) or type(exc).__name__
        if isinstance(exc, httpx.TimeoutException):
            if deadline is not None and deadline.left() < TIMER_SLACK:
                return self.out_of_time(request, deadline)  # the operation had the time left
            return RequestTimeoutError(f"{where}: timed out ({type(exc).__name__}: {detail})")
        if isinstance(exc, (httpx.ConnectError, httpx.ProxyError)):
            return ConnectError(f"{where}: cannot connect: {detail}")
        if isinstance(exc, httpx.DecodingError):
            return DecodeError(f"{where}: the response body could not be decoded: {detail}")
        return TransportError(f"{where}: {type(exc).__name__}: {detail}")

    def result(self, request: ApiRequest, response: httpx.Response, content: bytes) -> Result:
        """The Result of a 2xx answer and its body; otherwise raises its ApiError."""
        if response.status_code >= 300:
            raise self.error(response.status_code, response.headers, content)
        return Result(
            request, response.status_code, response.headers, content, self.warnings(response)
        )

    def error(self, status_code: int, headers: httpx.Headers, content: bytes) -> ApiError:
        """The typed ApiError of an error answer."""
        seconds = retry_after_seconds(_first(headers, "retry-after"))
        return error_from_response(status_code, content, None if seconds is None else str(seconds))

    def warnings(self, response: httpx.Response) -> list[str]:
        """The server's warnings; each distinct one is logged once per client, as long as it
        is among the last :data:`WARNINGS_REMEMBERED` distinct ones.
        """
        values = response.headers.get_list("warning")
        if not values:
            return []
        texts = parse_warnings(values)
        for text in texts:
            if self._first_time(text):
                logger.warning("server warning: %s", text)
        return texts

    def _first_time(self, text: str) -> bool:
        """Whether ``text`` is not among the warnings remembered; remembers it (LRU)."""
        key = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()
        with self._warnings_lock:  # threads share a client
            if key in self._logged_warnings:
                self._logged_warnings.move_to_end(key)
                return False
            self._logged_warnings[key] = None
            if len(self._logged_warnings) > WARNINGS_REMEMBERED:
                self._logged_warnings.popitem(last=False)
            return True

    def decoder(self, request: ApiRequest, response: httpx.Response, *, whole: bool) -> BodyDecoder:
        """A decoder of the answer's body; a whole body (not a stream's) is limited in size."""
        # A transport that built its answer from bytes (the fake cluster's) hands them decoded.
        coding = "" if response.is_stream_consumed else response.headers.get("content-encoding", "")
        return BodyDecoder(
            coding,
            self.limits.max_body_bytes if whole else None,
            f"{request.describe()} on {self.shown_url}",
        )


def _first(headers: httpx.Headers, name: str) -> str | None:
    """The first value of a header, as Go's ``Header.Get`` reads it (httpx joins them all)."""
    values = headers.get_list(name)
    return values[0] if values else None


class SyncTransport:
    """Sends on one pooled ``httpx.Client``, rebuilt only when a plugin's certificate changes."""

    def __init__(
        self,
        config: Config,
        *,
        transport: httpx.BaseTransport | None = None,
        http2: bool = False,
        limits: Limits | None = None,
    ) -> None:
        self.core = TransportCore(config, http2=http2, limits=limits)
        self._user_transport = transport
        self._certificate: ClientCertificate | None = None
        self._retired: list[httpx.Client] = []
        self._http = self._new_client(None)
        self._http1: httpx.Client | None = None  # for upgrades, made when first needed

    def _new_client(
        self, certificate: ClientCertificate | None, *, http1: bool = False
    ) -> httpx.Client:
        transport = self._user_transport or PoolTransport(
            **self.core.transport_options(certificate, http1=http1)
        )
        return httpx.Client(**self.core.client_options(transport))

    def _client(self, *, upgrade: bool = False) -> httpx.Client:
        auth = self.core.config.auth
        if auth is not None:
            certificate = auth.client_certificate()
            if certificate is not self._certificate:
                # The pool before keeps serving streams opened on it until the next change;
                # older ones have outlived a whole credential and are closed.
                for old in self._retired:
                    old.close()
                self._retired = [http for http in (self._http, self._http1) if http is not None]
                self._http, self._certificate = self._new_client(certificate), certificate
                self._http1 = None
        if upgrade and self.core.upgrades_apart(self._user_transport):
            if self._http1 is None:
                self._http1 = self._new_client(self._certificate, http1=True)
            return self._http1
        return self._http

    def _send(
        self, request: ApiRequest, deadline: Deadline | None, *, stream: bool, upgrade: bool = False
    ) -> Sent:
        flow, outcome = self.core.send_flow(request, deadline), None
        last: Sent | None = None
        while True:
            try:
                step = flow.send(outcome)
            except StopIteration:
                assert last is not None, "a flow ends with the answer to its last SEND"
                return last
            outcome = None
            if isinstance(step, Sleep):
                self.core.config.clock.sleep(step.seconds)
            elif isinstance(step, Discard):
                step.response.close()
            else:
                outcome = self._send_once(request, deadline, stream, upgrade)
                last = outcome if isinstance(outcome, Sent) else last

    def _send_once(
        self, request: ApiRequest, deadline: Deadline | None, stream: bool, upgrade: bool
    ) -> Outcome:
        left = self.core.time_left(request, deadline)
        http = self._client(upgrade=upgrade)
        # An upgrade waits for its 101 as long as any answer: the new protocol's reads are its own.
        options = self.core.request_options(request, stream=stream and not upgrade, left=left)
        try:
            # Every body is read here, piece by piece: to decompress it within its limit, and
            # under a deadline to check each piece against it.
            response = http.send(http.build_request(**options), stream=True)
            content = None
            if not stream or response.status_code >= 300:  # an error's Status is needed whole
                content = self._read(request, response, deadline)
        except httpx.HTTPError as exc:
            return exc
        return Sent(response, self._certificate is not None, content)

    def _read(
        self, request: ApiRequest, response: httpx.Response, deadline: Deadline | None
    ) -> bytes:
        """The whole body, the answer closed after; raises RequestTimeoutError past ``deadline``
        and DecodeError past the size limit.
        """
        try:
            pieces = []
            for piece in self._pieces(request, response, whole=True):
                pieces.append(piece)
                if deadline is not None:
                    self.core.time_left(request, deadline)
            return b"".join(pieces)
        finally:
            response.close()

    def _pieces(
        self, request: ApiRequest, response: httpx.Response, *, whole: bool
    ) -> Iterator[bytes]:
        """The body decoded, a bounded piece at a time, as it arrives."""
        decoder = self.core.decoder(request, response, whole=whole)
        raw = [response.content] if response.is_stream_consumed else response.iter_raw()
        for chunk in raw:
            yield from decoder.feed(chunk)
        decoder.finish()

    def send(self, request: ApiRequest) -> Result:
        """Send and read the whole answer; raises ApiError, TransportError or DecodeError."""
        sent = self._send(request, self.core.deadline(request), stream=False)
        assert sent.content is not None
        return self.core.result(request, sent.response, sent.content)

    @contextmanager
    def stream(self, request: ApiRequest) -> Iterator[Iterator[bytes]]:
        """Send, then yield the body's chunks as they arrive; the connection closes on exit."""
        deadline = self.core.deadline(request)
        sent = self._send(request, deadline, stream=True)
        response = sent.response
        try:
            if sent.content is not None:
                raise self.core.error(response.status_code, response.headers, sent.content)
            self.core.warnings(response)
            yield BodyChunks(self._chunks(request, response, deadline), response)
        finally:
            response.close()

    def upgrade(self, request: ApiRequest) -> httpx.Response:
        """Send a request that asks to switch protocols (a WebSocket's) and return the answer,
        its body unread: on a 101, ``response.extensions["network_stream"]`` is the connection,
        which the caller then speaks on, and closes by closing the answer.

        Sent over HTTP/1.1 even by a client made with ``http2=True`` (an HTTP/2 connection
        cannot be upgraded), on a pool of its own; retried, throttled and authenticated as
        every request is. An error answer raises its ApiError, a failure to send as
        :meth:`send` does; any other answer is the caller's to judge (and close).
        """
        sent = self._send(request, self.core.deadline(request), stream=True, upgrade=True)
        response = sent.response
        if sent.content is not None:
            raise self.core.error(response.status_code, response.headers, sent.content)
        self.core.warnings(response)
        return response

    def _chunks(
        self, request: ApiRequest, response: httpx.Response, deadline: Deadline | None
    ) -> Iterator[bytes]:
        try:
            for chunk in self._pieces(request, response, whole=False):
                self.core.time_left(request, deadline)  # a trickle never lets a read time out
                if deadline is None:
                    yield chunk
                    continue
                # A slow caller is not a slow server: a watch it falls behind must end quietly.
                deadline.stop()
                yield chunk
                deadline.go()
        except httpx.HTTPError as exc:
            raise self.core.wrap(request, exc, deadline) from exc

    def close(self) -> None:
        """Close every connection pool."""
        for http in [*self._retired, self._http, self._http1]:
            if http is not None:
                http.close()
        self._retired.clear()


class BodyChunks(Iterator[bytes]):
    """A streamed body's chunks; :meth:`interrupt` ends a read blocked in another thread."""

    def __init__(self, chunks: Iterator[bytes], response: httpx.Response) -> None:
        self._chunks = chunks
        self._response = response

    def __iter__(self) -> BodyChunks:
        return self

    def __next__(self) -> bytes:
        return next(self._chunks)

    def interrupt(self) -> None:
        """Make the reading thread's wait end now, with a :class:`~rawkube.TransportError`.

        Closing a socket does not wake a thread blocked reading it; shutting it down does. A
        transport with no socket (the fake cluster's) ends its stream when closed.
        """
        stream = self._response.extensions.get("network_stream")
        sock = stream.get_extra_info("socket") if stream is not None else None
        if sock is None:
            self._response.close()
            return
        with contextlib.suppress(OSError):  # already shut or closed: nothing left to wake
            sock.shutdown(socket.SHUT_RDWR)


class AsyncTransport:
    """The async twin of :class:`SyncTransport`: the same decisions, awaited I/O."""

    def __init__(
        self,
        config: Config,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        http2: bool = False,
        limits: Limits | None = None,
    ) -> None:
        self.core = TransportCore(config, http2=http2, limits=limits)
        self._user_transport = transport
        self._certificate: ClientCertificate | None = None
        self._retired: list[httpx.AsyncClient] = []
        self._http = self._new_client(None)
        self._http1: httpx.AsyncClient | None = None  # as in SyncTransport

    def _new_client(
        self, certificate: ClientCertificate | None, *, http1: bool = False
    ) -> httpx.AsyncClient:
        transport = self._user_transport or httpx.AsyncHTTPTransport(
            **self.core.transport_options(certificate, http1=http1)
        )
        return httpx.AsyncClient(**self.core.client_options(transport))

    async def _client(self, *, upgrade: bool = False) -> httpx.AsyncClient:
        auth = self.core.config.auth
        if auth is not None:
            certificate = await auth.aclient_certificate()
            if certificate is not self._certificate:
                for old in self._retired:  # as in SyncTransport._client
                    await old.aclose()
                self._retired = [http for http in (self._http, self._http1) if http is not None]
                self._http, self._certificate = self._new_client(certificate), certificate
                self._http1 = None
        if upgrade and self.core.upgrades_apart(self._user_transport):
            if self._http1 is None:
                self._http1 = self._new_client(self._certificate, http1=True)
            return self._http1
        return self._http

    async def _send(
        self, request: ApiRequest, deadline: Deadline | None, *, stream: bool, upgrade: bool = False
    ) -> Sent:
        flow, outcome = self.core.send_flow(request, deadline), None
        last: Sent | None = None
        while True:
            try:
                step = flow.send(outcome)
            except StopIteration:
                assert last is not None, "a flow ends with the answer to its last SEND"
                return last
            outcome = None
            if isinstance(step, Sleep):
                await self.core.config.clock.asleep(step.seconds)
            elif isinstance(step, Discard):
                await step.response.aclose()
            else:
                outcome = await self._send_once(request, deadline, stream, upgrade)
                last = outcome if isinstance(outcome, Sent) else last

    async def _send_once(
        self, request: ApiRequest, deadline: Deadline | None, stream: bool, upgrade: bool
    ) -> Outcome:
        left = self.core.time_left(request, deadline)
        http = await self._client(upgrade=upgrade)
        options = self.core.request_options(request, stream=stream and not upgrade, left=left)
        try:
            # Every body is read here, to decompress it within its limit (see SyncTransport).
            response = await http.send(http.build_request(**options), stream=True)
            content = None
            if not stream or response.status_code >= 300:  # an error's Status is needed whole
                content = await self._read(request, response)
        except httpx.HTTPError as exc:
            return exc
        return Sent(response, self._certificate is not None, content)

    async def _read(self, request: ApiRequest, response: httpx.Response) -> bytes:
        """The whole body, the answer closed after; raises DecodeError past the size limit."""
        try:
            return b"".join([piece async for piece in self._pieces(request, response, whole=True)])
        finally:
            await response.aclose()

    async def _pieces(
        self, request: ApiRequest, response: httpx.Response, *, whole: bool
    ) -> AsyncIterator[bytes]:
        """The body decoded, a bounded piece at a time, as it arrives."""
        decoder = self.core.decoder(request, response, whole=whole)
        if response.is_stream_consumed:
            for piece in decoder.feed(response.content):
                yield piece
        else:
            async for chunk in response.aiter_raw():
                for piece in decoder.feed(chunk):
                    yield piece
        decoder.finish()

    async def send(self, request: ApiRequest) -> Result:
        """Send and read the whole answer; raises ApiError, TransportError or DecodeError."""
        deadline = self.core.deadline(request)
        with self._limited(request, deadline):
            sent = await self._send(request, deadline, stream=False)
        assert sent.content is not None
        return self.core.result(request, sent.response, sent.content)

    @contextmanager
    def _limited(self, request: ApiRequest, deadline: Deadline | None) -> Iterator[None]:
        """Cancel what the block awaits once ``deadline`` passes, raising RequestTimeoutError."""
        if deadline is None:
            yield
            return
        import anyio  # only async callers pay for importing it; httpx needs it installed

        with anyio.move_on_after(max(deadline.left(), 0.0)) as scope:
            yield
        if scope.cancelled_caught:
            raise self.core.out_of_time(request, deadline)

    @asynccontextmanager
    async def stream(self, request: ApiRequest) -> AsyncIterator[AsyncIterator[bytes]]:
        """Send, then yield the body's chunks as they arrive; the connection closes on exit."""
        deadline = self.core.deadline(request)
        with self._limited(request, deadline):
            sent = await self._send(request, deadline, stream=True)
        response = sent.response
        try:
            if sent.content is not None:
                raise self.core.error(response.status_code, response.headers, sent.content)
            self.core.warnings(response)
            yield self._chunks(request, response, deadline)
        finally:
            await response.aclose()

    async def upgrade(self, request: ApiRequest) -> httpx.Response:
        """As :meth:`SyncTransport.upgrade`: the answer to a request to switch protocols."""
        deadline = self.core.deadline(request)
        with self._limited(request, deadline):
            sent = await self._send(request, deadline, stream=True, upgrade=True)
        response = sent.response
        if sent.content is not None:
            raise self.core.error(response.status_code, response.headers, sent.content)
        self.core.warnings(response)
        return response

    async def _chunks(
        self, request: ApiRequest, response: httpx.Response, deadline: Deadline | None
    ) -> AsyncIterator[bytes]:
        chunks = self._pieces(request, response, whole=False)
        try:
            while True:
                # Each read on its own: a cancel scope must not span a yield to the caller.
                with self._limited(request, deadline):
                    chunk = await anext(chunks, None)
                if chunk is None:
                    return
                if deadline is None:
                    yield chunk
                    continue
                deadline.stop()  # as in SyncTransport._chunks: the caller's time is its own
                yield chunk
                deadline.go()
        except httpx.HTTPError as exc:
            raise self.core.wrap(request, exc, deadline) from exc

    async def aclose(self) -> None:
        """Close every connection pool."""
        for http in [*self._retired, self._http, self._http1]:
            if http is not None:
                await http.aclose()
        self._retired.clear()

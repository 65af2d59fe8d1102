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
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import logging
import socket
import ssl
from collections.abc import AsyncIterator, Generator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from http.cookiejar import Cookie, CookieJar
from typing import Any
from urllib.parse import urlsplit

import httpx

from rawkube._clock import Deadline
from rawkube._exceptions import (
    ApiError,
    ConfigError,
    ConnectError,
    DecodeError,
    RawkubeError,
    RequestTimeoutError,
    TransportError,
)
from rawkube._request import ApiRequest, Result, parse_warnings
from rawkube._status import error_from_response, parse_retry_after
from rawkube._throttle import TokenBucket
from rawkube.config import ClientCertificate, Config
from rawkube.config._config import redact_url

logger = logging.getLogger("rawkube")

MAX_RETRIES = 10
CONNECTION_RETRY_DELAY = 1.0
_RETRYABLE_FOR_GET = (httpx.ReadError, httpx.WriteError, httpx.RemoteProtocolError)
URL_CACHE_SIZE = 512
TIMER_SLACK = 0.01  # socket timeouts are about this coarse: a deadline is met within it


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

    def __init__(self, config: Config, *, http2: bool = False) -> None:
        parts = urlsplit(config.server)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigError(
                f"{config.source}: server must be an http(s) URL with a host, "
                f"not {redact_url(config.server)!r}"
            )
        self.config = config
        self.http2 = http2
        self.base_url = config.server.rstrip("/")
        headers = [("Accept", "application/json"), *config.headers()]
        if config.disable_compression:
            headers.append(("Accept-Encoding", "identity"))
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
        self._logged_warnings: set[str] = set()
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

    def transport_options(self, client_cert: ClientCertificate | None) -> dict[str, Any]:
        """Keyword arguments for httpx's HTTP(S) transport of one connection pool."""
        if self.http2 and importlib.util.find_spec("h2") is None:
            raise ConfigError("HTTP/2 needs the h2 package: pip install 'rawkube[http2]'")
        proxy = proxy_for(self.config)
        if proxy and proxy.startswith("socks") and importlib.util.find_spec("socksio") is None:
            raise ConfigError(
                f"{self.config.source}: proxy-url {proxy.split('://')[0]}:// needs the "
                "socksio package: pip install 'rawkube[socks]'"
            )
        return {
            "verify": self.verify(client_cert),
            "http2": self.http2,
            "proxy": proxy,
            "socket_options": keepalive_socket_options(),
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
            f"{request.describe()} on {redact_url(self.base_url)}: timed out: no complete "
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
        seconds = parse_retry_after(headers.get("retry-after"))
        if seconds is None:
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
        where = f"{request.describe()} on {redact_url(self.base_url)}"
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
        return error_from_response(status_code, content, headers.get("retry-after"))

    def warnings(self, response: httpx.Response) -> list[str]:
        """The server's warnings; each distinct one is logged once per client."""
        values = response.headers.get_list("warning")
        if not values:
            return []
        texts = parse_warnings(values)
        for text in texts:
            if text not in self._logged_warnings:
                self._logged_warnings.add(text)
                logger.warning("server warning: %s", text)
        return texts


class SyncTransport:
    """Sends on one pooled ``httpx.Client``, rebuilt only when a plugin's certificate changes."""

    def __init__(
        self, config: Config, *, transport: httpx.BaseTransport | None = None, http2: bool = False
    ) -> None:
        self.core = TransportCore(config, http2=http2)
        self._user_transport = transport
        self._certificate: ClientCertificate | None = None
        self._retired: list[httpx.Client] = []
        self._http = self._new_client(None)

    def _new_client(self, certificate: ClientCertificate | None) -> httpx.Client:
        transport = self._user_transport or httpx.HTTPTransport(
            **self.core.transport_options(certificate)
        )
        return httpx.Client(**self.core.client_options(transport))

    def _client(self) -> httpx.Client:
        auth = self.core.config.auth
        if auth is not None:
            certificate = auth.client_certificate()
            if certificate is not self._certificate:
                # The pool before keeps serving streams opened on it until the next change;
                # older ones have outlived a whole credential and are closed.
                for old in self._retired:
                    old.close()
                self._retired = [self._http]
                self._http, self._certificate = self._new_client(certificate), certificate
        return self._http

    def _send(self, request: ApiRequest, deadline: Deadline | None, *, stream: bool) -> Sent:
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
                outcome = self._send_once(request, deadline, stream)
                last = outcome if isinstance(outcome, Sent) else last

    def _send_once(self, request: ApiRequest, deadline: Deadline | None, stream: bool) -> Outcome:
        left = self.core.time_left(request, deadline)
        http = self._client()
        options = self.core.request_options(request, stream=stream, left=left)
        try:
            # Under a limit the body is read here, chunk by chunk, to check each against it.
            response = http.send(
                http.build_request(**options), stream=stream or deadline is not None
            )
            content = None
            if not stream or response.status_code >= 300:  # an error's Status is needed whole
                content = self._read(request, response, deadline)
        except httpx.HTTPError as exc:
            return exc
        return Sent(response, self._certificate is not None, content)

    def _read(
        self, request: ApiRequest, response: httpx.Response, deadline: Deadline | None
    ) -> bytes:
        """The whole body, the answer closed after; raises RequestTimeoutError past ``deadline``."""
        try:
            if deadline is None:
                return response.read()
            chunks = []
            for chunk in response.iter_bytes():
                chunks.append(chunk)
                self.core.time_left(request, deadline)
            return b"".join(chunks)
        finally:
            response.close()

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

    def _chunks(
        self, request: ApiRequest, response: httpx.Response, deadline: Deadline | None
    ) -> Iterator[bytes]:
        try:
            for chunk in response.iter_bytes():
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
        for http in [*self._retired, self._http]:
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
    ) -> None:
        self.core = TransportCore(config, http2=http2)
        self._user_transport = transport
        self._certificate: ClientCertificate | None = None
        self._retired: list[httpx.AsyncClient] = []
        self._http = self._new_client(None)

    def _new_client(self, certificate: ClientCertificate | None) -> httpx.AsyncClient:
        transport = self._user_transport or httpx.AsyncHTTPTransport(
            **self.core.transport_options(certificate)
        )
        return httpx.AsyncClient(**self.core.client_options(transport))

    async def _client(self) -> httpx.AsyncClient:
        auth = self.core.config.auth
        if auth is not None:
            certificate = await auth.aclient_certificate()
            if certificate is not self._certificate:
                for old in self._retired:  # as in SyncTransport._client
                    await old.aclose()
                self._retired = [self._http]
                self._http, self._certificate = self._new_client(certificate), certificate
        return self._http

    async def _send(self, request: ApiRequest, deadline: Deadline | None, *, stream: bool) -> Sent:
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
                outcome = await self._send_once(request, deadline, stream)
                last = outcome if isinstance(outcome, Sent) else last

    async def _send_once(
        self, request: ApiRequest, deadline: Deadline | None, stream: bool
    ) -> Outcome:
        left = self.core.time_left(request, deadline)
        http = await self._client()
        options = self.core.request_options(request, stream=stream, left=left)
        try:
            response = await http.send(http.build_request(**options), stream=stream)
            content = None
            if not stream:
                content = response.content
            elif response.status_code >= 300:  # an error's Status is needed whole
                content = await response.aread()
                await response.aclose()
        except httpx.HTTPError as exc:
            return exc
        return Sent(response, self._certificate is not None, content)

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

    async def _chunks(
        self, request: ApiRequest, response: httpx.Response, deadline: Deadline | None
    ) -> AsyncIterator[bytes]:
        chunks = response.aiter_bytes()
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
        for http in [*self._retired, self._http]:
            await http.aclose()
        self._retired.clear()

"""Credential flows (``httpx.Auth``): static bearer token, token file, basic auth, exec plugin.

Each flow leaves an ``Authorization`` header the caller set by hand alone, as client-go does.
The flows that can refresh (token file, exec plugin) retry a request once after a 401 when the
refreshed token differs from the one that was refused.
"""

from __future__ import annotations

import base64
import os
import sys
import threading
from collections.abc import AsyncGenerator, Callable, Generator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from rawkube._http import httpx
from rawkube.config import _files
from rawkube.config._config import ClientCertificate, Credentials
from rawkube.core._clock import SYSTEM_CLOCK, Clock
from rawkube.core._exceptions import ConfigError
from rawkube.core._headers import basic_auth_problem, token_problem

if TYPE_CHECKING:
    # ExecAuth's methods import the plugin runner when called: an ExecConfig exists by then,
    # and programs that run no plugin never load it (nor subprocess).
    from rawkube.config.exec import ExecConfig, ExecCredential

__all__ = [
    "DEFAULT_TOKEN_REFRESH_INTERVAL",
    "BasicAuth",
    "BearerTokenAuth",
    "ExecAuth",
    "FileStamp",
    "TokenFileAuth",
    "basic_authorization",
    "bearer_authorization",
    "token_file_is_stale",
]

DEFAULT_TOKEN_REFRESH_INTERVAL = 60.0
_UNAUTHORIZED = 401


def bearer_authorization(token: str) -> str:
    """The ``Authorization`` value for a bearer token."""
    return f"Bearer {token}"


def basic_authorization(username: str, password: str) -> str:
    """The ``Authorization`` value for basic auth (UTF-8, as Go's ``SetBasicAuth`` sends it)."""
    pair = f"{username}:{password}".encode()
    return "Basic " + base64.b64encode(pair).decode("ascii")


def _caller_set_authorization(request: httpx.Request) -> bool:
    return "Authorization" in request.headers


def _should_retry(response: httpx.Response, sent: str | None, fresh: str | None) -> bool:
    return response.status_code == _UNAUTHORIZED and fresh is not None and fresh != sent


class BearerTokenAuth(Credentials):
    """A fixed bearer token.

    Raises:
        ConfigError: the token holds a character that cannot be sent (a line break, a control
            or non-ASCII character, a space); the message never quotes it.
    """

    def __init__(self, token: str) -> None:
        if problem := token_problem(token):
            raise ConfigError(f"BearerTokenAuth: the token {problem}")
        self._header = bearer_authorization(token)

    def __repr__(self) -> str:
        return "BearerTokenAuth(token=<redacted>)"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if not _caller_set_authorization(request):
            request.headers["Authorization"] = self._header
        yield request


class BasicAuth(Credentials):
    """A username and password (HTTP basic auth).

    Raises:
        ConfigError: either holds a control character or is not valid Unicode; the message
            never quotes it.
    """

    def __init__(self, username: str, password: str) -> None:
        for name, value in (("username", username), ("password", password)):
            if problem := basic_auth_problem(value):
                raise ConfigError(f"BasicAuth: the {name} {problem}")
        self._username = username
        self._header = basic_authorization(username, password)

    def __repr__(self) -> str:
        return f"BasicAuth(username={self._username!r}, password=<redacted>)"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if not _caller_set_authorization(request):
            request.headers["Authorization"] = self._header
        yield request


@dataclass(frozen=True)
class FileStamp:
    """What ``os.stat`` says about a file, enough to notice it was rewritten or replaced."""

    mtime_ns: int
    size: int
    inode: int

    @classmethod
    def of(cls, result: os.stat_result) -> FileStamp:
        return cls(result.st_mtime_ns, result.st_size, result.st_ino)


@dataclass(frozen=True)
class _CachedToken:
    token: str = field(repr=False)
    stamp: FileStamp
    read_at: float


def token_file_is_stale(
    read_at: float,
    read_stamp: FileStamp,
    now: float,
    stamp_now: FileStamp,
    refresh_interval: float,
) -> bool:
    """Whether a token read at ``read_at`` must be read again: it is old, or the file changed."""
    return now - read_at >= refresh_interval or stamp_now != read_stamp


class TokenFileAuth(Credentials):
    """A bearer token read from a file and read again as the file rotates.

    The file is stat'ed on every request (cheap) and re-read when it changed, when the cached copy
    is ``refresh_interval`` seconds old by ``clock``, and after a 401. A projected service-account
    token is rotated this way. If a re-read fails the last good token is kept and the next request
    tries again; only a file never read successfully is an error.

    As in client-go, whitespace around the file's content is dropped; a token that still holds
    a character that cannot be sent (a line break inside it, a control or non-ASCII character,
    a space) counts as a failed read. The file must be a regular file of at most
    ``MAX_REFERENCED_FILE_BYTES``.
    """

    requires_request_body = True  # so a request refused with 401 can be sent again

    def __init__(
        self,
        path: str | os.PathLike[str],
        clock: Clock = SYSTEM_CLOCK,
        refresh_interval: float = DEFAULT_TOKEN_REFRESH_INTERVAL,
    ) -> None:
        self.path = Path(path)
        self._clock = clock
        self._refresh_interval = refresh_interval
        self._lock = threading.Lock()
        self._cached: _CachedToken | None = None

    def __repr__(self) -> str:
        return f"TokenFileAuth(path={str(self.path)!r})"

    def token(self) -> str:
        """The current token, read again if the cached copy is stale.

        Raises:
            ConfigError: the file cannot be read and no token was read before.
        """
        with self._lock:
            return self._token_locked(force=False)

    def invalidate(self) -> None:
        """Drop the cached token: the next request reads the file."""
        with self._lock:
            self._cached = None

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if _caller_set_authorization(request):
            yield request
            return
        sent = self.token()
        if sent:
            request.headers["Authorization"] = bearer_authorization(sent)
        response = yield request
        if response.status_code != _UNAUTHORIZED:
            return
        with self._lock:
            fresh = self._token_locked(force=True)
        if _should_retry(response, sent, fresh):
            request.headers["Authorization"] = bearer_authorization(fresh)
            yield request

    def _token_locked(self, *, force: bool) -> str:
        cached = self._cached
        try:
            stamp = FileStamp.of(_files.stat_path(self.path))
            if (
                not force
                and cached is not None
                and not token_file_is_stale(
                    cached.read_at,
                    cached.stamp,
                    self._clock.monotonic(),
                    stamp,
                    self._refresh_interval,
                )
            ):
                return cached.token
            data = _files.read_limited(self.path, _files.MAX_REFERENCED_FILE_BYTES)
        except OSError as exc:
            if cached is not None:
                return cached.token
            raise ConfigError(f"cannot read token file {self.path}: {exc.strerror}") from None
        # client-go trims the whitespace around a token file's content (strings.TrimSpace).
        text = _files.decode_utf8(data)
        token = "" if text is None else text.strip()
        problem = "is not UTF-8 text" if text is None else token_problem(token)
        if problem:
            if cached is not None:
                return cached.token  # a half-written or broken rotation: keep the last good one
            raise ConfigError(f"token file {self.path}: the token {problem}")
        self._cached = _CachedToken(token, stamp, self._clock.monotonic())
        return token


def _stdin_is_tty() -> bool:
    stdin = sys.stdin
    try:
        return stdin is not None and stdin.isatty()
    except ValueError:  # a closed stdin
        return False


class ExecAuth(Credentials):
    """Credentials from an exec plugin (``client.authentication.k8s.io`` v1 or v1beta1).

    The plugin's credential is cached until its ``expirationTimestamp`` (by ``clock.now()``) or
    until :meth:`invalidate`. A lock makes sure only one thread runs the plugin at a time, and a
    thread that waited finds the fresh credential instead of running it again. The async flow runs
    the plugin in a worker thread so the event loop never blocks on it.

    A token is sent as a bearer token, and a 401 re-runs the plugin and retries once with the new
    token. A client certificate cannot be set from an auth flow: the client asks for it with
    :meth:`client_certificate` / :meth:`aclient_certificate` and rebuilds its TLS pool.
    """

    requires_request_body = True  # so a request refused with 401 can be sent again

    def __init__(
        self,
        config: ExecConfig,
        clock: Clock = SYSTEM_CLOCK,
        *,
        stdin_is_tty: Callable[[], bool] = _stdin_is_tty,
    ) -> None:
        self.config = config
        self._clock = clock
        self._stdin_is_tty = stdin_is_tty
        self._lock = threading.Lock()
        self._cached: ExecCredential | None = None

    def __repr__(self) -> str:
        return f"ExecAuth(command={self.config.command!r}, api_version={self.config.api_version!r})"

    def _fresh_cached(self) -> ExecCredential | None:
        """The cached credential if it is still good; no lock, no plugin (a quick look)."""
        from rawkube.config.exec import credential_expired

        cached = self._cached
        if cached is None or credential_expired(cached, self._clock.now()):
            return None
        return cached

    async def _acredential(self) -> ExecCredential:
        # A cached credential needs no worker thread; only running the plugin does.
        return self._fresh_cached() or await _in_worker_thread(self.credential)

    def credential(self) -> ExecCredential:
        """The current credential, running the plugin when none is cached or it expired.

        Raises:
            ConfigError: the plugin cannot be run, fails, or prints no usable ExecCredential.
        """
        from rawkube.config.exec import credential_expired

        with self._lock:
            cached = self._cached
            if cached is None or credential_expired(cached, self._clock.now()):
                cached = self._cached = self._run_locked()
            return cached

    def renew(self, stale: ExecCredential) -> ExecCredential:
        """Run the plugin again because ``stale`` was refused, unless another caller already did.

        Raises:
            ConfigError: as :meth:`credential`.
        """
        with self._lock:
            if self._cached is None or self._cached is stale:
                self._cached = self._run_locked()
            return self._cached

    def invalidate(self) -> None:
        """Forget the cached credential: the next use runs the plugin again."""
        with self._lock:
            self._cached = None

    def client_certificate(self) -> ClientCertificate | None:
        """The plugin's client certificate (running it if needed), or None in token mode.

        Raises:
            ConfigError: as :meth:`credential`.
        """
        return self.credential().client_certificate

    async def aclient_certificate(self) -> ClientCertificate | None:
        """Async twin of :meth:`client_certificate`; the plugin runs in a worker thread.

        Raises:
            ConfigError: as :meth:`credential`.
        """
        return (await self._acredential()).client_certificate

    def sync_auth_flow(
        self, request: httpx.Request
    ) -> Generator[httpx.Request, httpx.Response, None]:
        if _caller_set_authorization(request):
            yield request
            return
        request.read()
        sent = self.credential()
        _apply_token(request, sent)
        response = yield request
        if response.status_code != _UNAUTHORIZED or sent.token is None:
            return
        fresh = self.renew(sent)
        if _should_retry(response, sent.token, fresh.token):
            _apply_token(request, fresh)
            yield request

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        if _caller_set_authorization(request):
            yield request
            return
        await request.aread()
        sent = await self._acredential()
        _apply_token(request, sent)
        response = yield request
        if response.status_code != _UNAUTHORIZED or sent.token is None:
            return
        fresh = await _in_worker_thread(lambda: self.renew(sent))
        if _should_retry(response, sent.token, fresh.token):
            _apply_token(request, fresh)
            yield request

    def _run_locked(self) -> ExecCredential:
        from rawkube.config.exec import decide_interactive, parse_exec_credential, run_exec_plugin

        interactive = decide_interactive(self.config, self._stdin_is_tty())
        stdout = run_exec_plugin(self.config, interactive=interactive, environ=os.environ)
        return parse_exec_credential(stdout, self.config)


async def _in_worker_thread(fn: Callable[[], ExecCredential]) -> ExecCredential:
    import anyio.to_thread  # only async code that runs a plugin needs it

    return await anyio.to_thread.run_sync(fn)


def _apply_token(request: httpx.Request, credential: ExecCredential) -> None:
    if credential.token:
        request.headers["Authorization"] = bearer_authorization(credential.token)

"""The resolved connection settings (Config) and the base every credential flow builds on."""

from __future__ import annotations

import dataclasses
import os
import re
import ssl
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any
from urllib.parse import quote, unquote, urlsplit, urlunsplit

from rawkube._http import httpx
from rawkube._version import __version__
from rawkube.core._clock import SYSTEM_CLOCK, Clock
from rawkube.core._exceptions import ConfigError
from rawkube.core._headers import header_problem, unicode_problem

DEFAULT_USER_AGENT = f"rawkube/{__version__}"
DEFAULT_CONNECT_TIMEOUT = 10.0
DEFAULT_READ_TIMEOUT = 60.0
_CONTROL_OR_SPACE = re.compile(r"[\x00-\x20\x7f]")


def redact_url(url: str) -> str:
    """``url`` with the password of a ``user:password@`` part masked, for messages and reprs.

    The text is not parsed as a URL, so a malformed one is masked too and nothing raises: the
    user-info is whatever lies between ``://`` and the last ``@`` before a query or fragment.
    """
    scheme, separator, rest = url.partition("://")
    if not separator:
        return url
    before_query = re.split(r"[?#]", rest, maxsplit=1)[0]
    userinfo, at, _ = before_query.rpartition("@")
    if not at or ":" not in userinfo:
        return url
    username = userinfo.split(":", 1)[0]
    return f"{scheme}://{username}:***@{rest[len(userinfo) + 1 :]}"


def split_userinfo(url: str) -> tuple[str, tuple[str, str] | None]:
    """``url`` without its ``user:password@`` part, and that user and password, decoded.

    Raises:
        ValueError: the URL cannot be parsed.
    """
    parts = urlsplit(url)
    if parts.username is None:
        return url, None
    host = parts.netloc.rpartition("@")[2]
    bare = urlunsplit(parts._replace(netloc=host))
    return bare, (unquote(parts.username), unquote(parts.password or ""))


def url_problem(url: str) -> str | None:
    """Why nothing could be sent to ``url`` (no host, a bad port, ...), never quoting it; or None.

    Checks what urllib and httpx parse, and the host name as the resolver and TLS will encode it
    (IDNA), so that a URL passed here fails no later step with a ValueError or UnicodeError.
    """
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number in range
        parsed = httpx.URL(url)
        parsed.host  # noqa: B018 - decodes an xn-- label, raising for one that is not punycode
        raw_host = parsed.raw_host
    except (ValueError, UnicodeError, httpx.InvalidURL):
        return "is not a valid URL"
    if not parts.hostname or not raw_host:
        return "has no host"
    try:
        # httpx decodes an xn-- label above, httpx2 does not: decode it here, for both engines.
        for label in raw_host.split(b"."):
            if label[:4].lower() == b"xn--":
                label.decode("idna")
    except UnicodeError:
        return "is not a valid URL"
    return host_name_problem(raw_host.decode("ascii"))


def host_name_problem(host: str) -> str | None:
    """Why ``host`` cannot be resolved or named in TLS as written, never quoting it; or None."""
    if _CONTROL_OR_SPACE.search(host):
        return "has a host name with a space or control character"
    try:
        host.encode("idna")
    except UnicodeError:
        return "has a host name that is not valid (an empty or too long label)"
    return None


@dataclass(frozen=True, eq=False)
class ClientCertificate:
    """A PEM client certificate and its private key; the key never appears in a repr."""

    cert_pem: bytes
    key_pem: bytes = field(repr=False)

    def __repr__(self) -> str:
        return f"ClientCertificate(cert_pem=<{len(self.cert_pem)} bytes>, key_pem=<redacted>)"


@dataclass(frozen=True)
class TLSSettings:
    """How to check the server and present ourselves: the inputs of one ``ssl.SSLContext``.

    Raises:
        ConfigError: ``server_name`` is not a host name TLS can send (it would fail at the first
            request with a UnicodeError).
    """

    verify: bool = True
    ca_pem: bytes | None = None
    client_cert: ClientCertificate | None = None
    server_name: str | None = None

    def __post_init__(self) -> None:
        if self.server_name is not None and (problem := host_name_problem(self.server_name)):
            raise ConfigError(f"TLSSettings: server_name {problem.replace('has a host', 'is a')}")


@dataclass(frozen=True)
class Impersonation:
    """Act as another user: becomes the ``Impersonate-*`` request headers.

    Raises:
        ConfigError: a value cannot be sent as a header (a control or non-ASCII character,
            spaces around it), or an ``extra`` key is not valid Unicode.
    """

    user: str | None = None
    groups: tuple[str, ...] = ()
    uid: str | None = None
    extra: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name, value in self._values():
            if problem := header_problem(value):
                raise ConfigError(f"Impersonation: {name} {problem}")
        for key in self.extra:
            # A key is percent-encoded into the header name, as client-go does: any text goes.
            if problem := unicode_problem(key):
                raise ConfigError(f"Impersonation: a key of extra {problem}")

    def _values(self) -> Iterator[tuple[str, str]]:
        """Each value that becomes a header, with the name a message gives it."""
        if self.user:
            yield "user", self.user
        if self.uid:
            yield "uid", self.uid
        yield from ((f"groups[{index}]", group) for index, group in enumerate(self.groups))
        for key, values in self.extra.items():
            yield from ((f"extra[{key!r}][{index}]", v) for index, v in enumerate(values))

    def headers(self) -> list[tuple[str, str]]:
        """The headers in the order kubectl sends them; a group or extra value may repeat."""
        out: list[tuple[str, str]] = []
        if self.user:
            out.append(("Impersonate-User", self.user))
        if self.uid:
            out.append(("Impersonate-Uid", self.uid))
        out.extend(("Impersonate-Group", group) for group in self.groups)
        for key, values in self.extra.items():
            # Header names cannot carry every character a key may hold: escape as client-go does.
            name = "Impersonate-Extra-" + quote(key, safe="-!#$&'*+.^_`|~")
            out.extend((name, value) for value in values)
        return out


class Credentials(httpx.Auth):
    """Base of rawkube's auth flows: an ``httpx.Auth`` that may also supply a client certificate.

    A client certificate from a credential plugin cannot be swapped inside an auth flow (it lives
    in the TLS context of the connection pool), so the client asks for it before each request and
    builds a new pool when it changes; on a 401 it calls :meth:`invalidate` and asks again.
    """

    def client_certificate(self) -> ClientCertificate | None:
        """The current client certificate this flow supplies, refreshed if expired; or None."""
        return None

    async def aclient_certificate(self) -> ClientCertificate | None:
        """Async twin of :meth:`client_certificate`."""
        return None

    def invalidate(self) -> None:
        """Forget cached credentials, so the next request fetches fresh ones."""


@dataclass(frozen=True, eq=False)
class Config:
    """One resolved connection to an API server, built by ``load_config()`` or by hand.

    By hand, :meth:`from_server` takes a token, a client certificate and a CA as they come
    (``Config.from_server("https://10.0.0.1:6443", token=..., ca_pem=...)``); the fields below
    take the same as ``auth=BearerTokenAuth(token)`` and ``tls=TLSSettings(...)``.

    ``server`` is the base URL (it may carry a path prefix, as behind a proxy); ``namespace`` the
    default namespace; ``auth`` the credential flow; ``context`` and ``source`` say where the
    settings came from. The repr shows no secret.

    A ``user:password@`` part is taken off ``server``, so the password never reaches a URL that
    httpx logs, and becomes basic auth, as Go's HTTP client sends it for kubectl. ``proxy`` keeps
    its user-info: the proxy needs it (httpx sends it as ``Proxy-Authorization``).

    Raises:
        ConfigError: ``server`` or ``proxy`` is a URL nothing could be sent to (no host, a bad
            port or host name), or ``server`` has user-info while ``auth`` is set too (which
            should be used is not clear).
    """

    server: str
    namespace: str = "default"
    tls: TLSSettings = field(default_factory=TLSSettings)
    auth: Credentials | None = None
    impersonation: Impersonation | None = None
    proxy: str | None = None
    disable_compression: bool = False
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT
    read_timeout: float = DEFAULT_READ_TIMEOUT
    user_agent: str = DEFAULT_USER_AGENT
    qps: float | None = None
    burst: int | None = None
    clock: Clock = SYSTEM_CLOCK
    context: str | None = None
    source: str = "explicit settings"

    def __post_init__(self) -> None:
        # A URL that urllib, httpx or IDNA cannot take would fail later with their errors. A
        # text without a scheme is left to the client, which names what a server must be.
        for name, url in (("server", self.server), ("proxy", self.proxy)):
            if url and "://" in url and (problem := url_problem(url)):
                raise ConfigError(f"{self.source}: {name} {problem}")
        if "@" not in self.server:
            return  # no user-info (the common case): nothing to take off
        server, credentials = split_userinfo(self.server)
        if credentials is None:
            return
        if self.auth is not None:
            raise ConfigError(
                f"{self.source}: server has a user and password and auth is set too; "
                "give one of them"
            )
        from rawkube.config.auth import BasicAuth  # auth builds on this module

        object.__setattr__(self, "server", server)
        object.__setattr__(self, "auth", BasicAuth(*credentials))

    def __repr__(self) -> str:
        auth = type(self.auth).__name__ if self.auth is not None else None
        return (
            f"Config(server={redact_url(self.server)!r}, namespace={self.namespace!r}, "
            f"context={self.context!r}, auth={auth}, source={self.source!r})"
        )

    @classmethod
    def from_server(
        cls,
        server: str,
        *,
        token: str | None = None,
        token_file: str | os.PathLike[str] | None = None,
        client_cert_pem: bytes | str | None = None,
        client_key_pem: bytes | str | None = None,
        ca_pem: bytes | str | None = None,
        verify: bool = True,
        tls_server_name: str | None = None,
        **options: Any,
    ) -> Config:
        """A Config for ``server`` with the credentials a kubeconfig user entry would hold.

        ``token`` is sent as ``Authorization: Bearer <token>``; ``token_file`` is read on
        first use and again as it rotates (a projected service-account token). The PEM data
        (bytes or text, not paths: ``Path(p).read_bytes()`` reads a file) is the client
        certificate and key the connection presents, and the CA that alone is trusted to have
        signed the server's certificate (without it, the system's CAs); ``verify=False``
        trusts any server (kubectl's ``--insecure-skip-tls-verify``); ``tls_server_name`` the
        name the server's certificate must carry, when it differs from the URL's host.
        ``options`` are the other fields (``namespace``, ``proxy``, ``read_timeout``, ...).
        The repr shows no token or key, nor does any error.

        Raises:
            ConfigError: ``token`` and ``token_file`` (or either and ``auth``) are both given;
                the TLS arguments and ``tls`` are both given; a certificate comes without its
                key (or a key without its certificate); the PEM data is not PEM; ``verify=False``
                comes with ``ca_pem`` (kubectl refuses the pair too); the token cannot be sent
                as a header; anything ``Config`` itself raises.
        """
        from rawkube.config.auth import BearerTokenAuth, TokenFileAuth  # auth builds on this

        source = options.get("source", "explicit settings")
        if token is not None and token_file is not None:
            raise ConfigError(f"{source}: give token or token_file, not both")
        if (token is not None or token_file is not None) and options.get("auth") is not None:
            raise ConfigError(f"{source}: give a token or auth, not both")
        if token is not None:
            options["auth"] = BearerTokenAuth(token)
        elif token_file is not None:
            options["auth"] = TokenFileAuth(token_file, clock=options.get("clock", SYSTEM_CLOCK))
        tls_given = (client_cert_pem, client_key_pem, ca_pem, tls_server_name)
        if any(value is not None for value in tls_given) or not verify:
            if "tls" in options:
                raise ConfigError(f"{source}: give the TLS arguments or tls, not both")
            options["tls"] = _tls_settings(
                source, client_cert_pem, client_key_pem, ca_pem, verify, tls_server_name
            )
        return cls(server=server, **options)

    def replace(self, **changes: Any) -> Config:
        """A copy with some fields changed (``config.replace(namespace="kube-system")``)."""
        return dataclasses.replace(self, **changes)

    @cached_property
    def ssl_context(self) -> ssl.SSLContext:
        """The one TLS context of this config, built on first use."""
        from rawkube.config.tls import build_ssl_context

        return build_ssl_context(self.tls)

    def ssl_context_with(self, client_cert: ClientCertificate) -> ssl.SSLContext:
        """A fresh TLS context presenting ``client_cert`` (from a credential plugin)."""
        from rawkube.config.tls import build_ssl_context

        return build_ssl_context(dataclasses.replace(self.tls, client_cert=client_cert))

    def headers(self) -> list[tuple[str, str]]:
        """Headers every request carries: the User-Agent and any impersonation."""
        out = [("User-Agent", self.user_agent)]
        if self.impersonation is not None:
            out.extend(self.impersonation.headers())
        return out


def _tls_settings(
    source: str,
    cert: bytes | str | None,
    key: bytes | str | None,
    ca: bytes | str | None,
    verify: bool,
    server_name: str | None,
) -> TLSSettings:
    """:meth:`Config.from_server`'s TLS arguments, checked, as one TLSSettings."""
    if (cert is None) != (key is None):
        given, missing = ("client_cert_pem", "client_key_pem")[:: 1 if key is None else -1]
        raise ConfigError(f"{source}: {given} needs {missing} too")
    if ca is not None and not verify:
        raise ConfigError(
            f"{source}: ca_pem and verify=False conflict: a CA is only used to verify"
        )
    client_cert = None
    if cert is not None and key is not None:
        client_cert = ClientCertificate(
            _pem(source, "client_cert_pem", cert), _pem(source, "client_key_pem", key)
        )
    ca_pem = None if ca is None else _pem(source, "ca_pem", ca)
    return TLSSettings(
        verify=verify, ca_pem=ca_pem, client_cert=client_cert, server_name=server_name
    )


def _pem(source: str, name: str, data: bytes | str) -> bytes:
    """PEM data as bytes; its text is never quoted (a key is a secret)."""
    if isinstance(data, str):
        try:
            data = data.encode("ascii")
        except UnicodeEncodeError:
            raise ConfigError(f"{source}: {name} is not PEM data (it is not ASCII)") from None
    if not isinstance(data, bytes):
        raise ConfigError(f"{source}: {name} must be PEM bytes or text, not {type(data).__name__}")
    from rawkube.config.tls import looks_like_pem  # tls builds on this module

    if not looks_like_pem(data):
        raise ConfigError(
            f"{source}: {name} is not PEM data (no '-----BEGIN'); pass the file's contents, "
            "not its path"
        )
    return data

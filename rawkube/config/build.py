"""Turn the chosen context of a kubeconfig into a Config: read its files, pick its credentials."""

from __future__ import annotations

import importlib.util
import json
import os
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rawkube.config import _files
from rawkube.config._config import (
    ClientCertificate,
    Config,
    Credentials,
    Impersonation,
    TLSSettings,
    host_name_problem,
    split_userinfo,
    url_problem,
)
from rawkube.config._fields import (
    Origin,
    optional_bool,
    optional_str,
    quoted,
    resolve_path,
    str_list,
)
from rawkube.config.auth import BasicAuth, BearerTokenAuth, ExecAuth, TokenFileAuth
from rawkube.config.kubeconfig import Cluster, Context, Kubeconfig, User, select_context
from rawkube.config.tls import looks_like_pem
from rawkube.core._clock import SYSTEM_CLOCK, Clock
from rawkube.core._exceptions import ConfigError
from rawkube.core._headers import (
    basic_auth_problem,
    header_problem,
    token_problem,
    unicode_problem,
)

if TYPE_CHECKING:
    # The exec plugin module (and subprocess) loads only for a user with an exec stanza.
    from rawkube.config.exec import ExecClusterInfo, ExecConfig, InteractiveMode

__all__ = ["config_from_kubeconfig"]

DEFAULT_NAMESPACE = "default"
_PROXY_SCHEMES = ("http", "https", "socks5", "socks5h")
_SERVER_SCHEMES = ("http", "https")
_DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\Z")


def config_from_kubeconfig(
    config: Kubeconfig,
    *,
    context: str | None = None,
    namespace: str | None = None,
    clock: Clock = SYSTEM_CLOCK,
) -> Config:
    """Build the Config of a context: server, TLS, credentials, impersonation, namespace.

    ``namespace`` overrides the context's, which defaults to ``default``. Credentials follow
    client-go: a client certificate, token, token file or basic auth is used as given (and an
    exec plugin is then not run); token wins over tokenFile; a token with basic auth is an error.
    A ``user:password@`` in the server URL is taken off it and sent as basic auth, as Go's HTTP
    client does, when the user has no token, basic auth or exec plugin (with one, it is an
    error). Credentials that would become header values are checked here, so that none fails
    later inside httpx with an error quoting it.

    Raises:
        ConfigError: anything :func:`select_context` refuses; a cluster without a server or with
            a server, proxy URL or TLS server name nothing could be sent to; a referenced file
            that cannot be read (missing, not a regular file, too large) or is not PEM;
            conflicting or incomplete credentials; a token, password or impersonation value that
            cannot be sent (a line break, a control or non-ASCII character; a space in a token);
            an exec stanza that is invalid or that the OS cannot run (a NUL); an auth-provider
            plugin (not supported); a socks proxy without the ``socksio`` package. The message
            names the file and key, never the value.
    """
    selected = select_context(config, context)
    cluster = selected.cluster
    server, url_credentials = _server_url(cluster)
    ca_pem = _cluster_ca(cluster)
    if cluster.insecure_skip_tls_verify and ca_pem is not None:
        raise (cluster.origin / "insecure-skip-tls-verify").error(
            "cannot be combined with certificate-authority(-data) (kubectl refuses it too)"
        )
    proxy = _proxy_url(cluster)
    server_name = _tls_server_name(cluster)
    user = selected.user
    client_cert = _client_certificate(user) if user is not None else None
    auth = None
    if user is not None:
        extension = _exec_extension(cluster)  # checked for every user, plugin or not

        def cluster_info() -> ExecClusterInfo:
            from rawkube.config.exec import ExecClusterInfo

            return ExecClusterInfo(
                server=server,
                tls_server_name=server_name,
                insecure_skip_tls_verify=cluster.insecure_skip_tls_verify,
                certificate_authority_data=ca_pem,
                proxy_url=proxy,
                disable_compression=cluster.disable_compression,
                config=extension,
            )

        auth = _credentials(user, cluster_info, static_cert=client_cert is not None, clock=clock)
    if url_credentials is not None:
        auth = _url_basic_auth(url_credentials, auth, cluster)
    return Config(
        server=server,
        namespace=namespace or _context_namespace(selected.context),
        tls=TLSSettings(
            verify=not cluster.insecure_skip_tls_verify,
            ca_pem=ca_pem,
            client_cert=client_cert,
            server_name=server_name,
        ),
        auth=auth,
        impersonation=_impersonation(user) if user is not None else None,
        proxy=proxy,
        disable_compression=cluster.disable_compression,
        clock=clock,
        context=selected.context.name,
        source="kubeconfig " + config.describe(),
    )


def _server_url(cluster: Cluster) -> tuple[str, tuple[str, str] | None]:
    """The server URL without user-info, and the user and password it carried, if any."""
    at = cluster.origin / "server"
    if cluster.server is None:
        raise at.error(f"missing (cluster {quoted(cluster.name)} has no server)")
    server = cluster.server.strip().rstrip("/")
    if "://" not in server:
        # kubectl accepts a bare host:port; assume TLS rather than plain HTTP.
        server = "https://" + server
    scheme = server.split("://", 1)[0].lower()
    if scheme not in _SERVER_SCHEMES:
        raise at.error(f"scheme {quoted(scheme)} is not http or https")
    if problem := url_problem(server):
        raise at.error(problem)
    return split_userinfo(server)


def _url_basic_auth(
    credentials: tuple[str, str], auth: Credentials | None, cluster: Cluster
) -> Credentials:
    """The basic auth a server URL's user-info gives, when the user has no other credentials.

    Go's HTTP client sends a URL's user-info as basic auth when no Authorization header is set,
    so kubectl sends it, and it then wins over a token (client-go's round trippers leave a set
    header alone). Which one the user meant is not clear, so that case is refused here.
    """
    at = cluster.origin / "server"
    if auth is not None:
        raise at.error(
            "carries a user and password, and the user has a token, basic auth or exec "
            "plugin too; remove one of them"
        )
    username, password = credentials
    return BasicAuth(
        _sendable(username, at, basic_auth_problem), _sendable(password, at, basic_auth_problem)
    )


def _proxy_url(cluster: Cluster) -> str | None:
    """The proxy URL, user-info kept (the proxy needs it; nothing logs or shows it)."""
    if cluster.proxy_url is None:
        return None
    at = cluster.origin / "proxy-url"
    scheme = cluster.proxy_url.split("://", 1)[0].lower() if "://" in cluster.proxy_url else ""
    if scheme not in _PROXY_SCHEMES:
        raise at.error("scheme must be one of " + ", ".join(_PROXY_SCHEMES))
    if problem := url_problem(cluster.proxy_url):
        raise at.error(problem)
    if scheme.startswith("socks") and importlib.util.find_spec("socksio") is None:
        raise at.error(
            "a SOCKS proxy needs the 'socksio' package: pip install 'rawkube[socks]' "
            "(or 'httpx[socks]')"
        )
    return cluster.proxy_url


def _tls_server_name(cluster: Cluster) -> str | None:
    name = cluster.tls_server_name
    if name is not None and (problem := host_name_problem(name)):
        # Python's TLS would fail on it at the first request, with a UnicodeError.
        raise (cluster.origin / "tls-server-name").error(problem.replace("has a host", "is a"))
    return name


def _cluster_ca(cluster: Cluster) -> bytes | None:
    # The inline data wins over the file, as in kubectl; the file is then not read.
    if cluster.certificate_authority_data is not None:
        return _require_pem(
            cluster.certificate_authority_data, cluster.origin / "certificate-authority-data"
        )
    if cluster.certificate_authority is not None:
        at = cluster.origin / "certificate-authority"
        return _require_pem(_read_referenced(cluster.certificate_authority, at), at)
    return None


def _client_certificate(user: User) -> ClientCertificate | None:
    at = user.origin
    cert = _data_or_file(
        user.client_certificate_data, user.client_certificate, at, "client-certificate"
    )
    if cert is None:
        return None  # a key alone is ignored, as in client-go
    key = _data_or_file(user.client_key_data, user.client_key, at, "client-key")
    if key is None:
        raise at.error("client-certificate is set but neither client-key nor client-key-data")
    return ClientCertificate(cert_pem=cert, key_pem=key)


def _data_or_file(data: bytes | None, path: Path | None, at: Origin, key: str) -> bytes | None:
    if data is not None:
        return _require_pem(data, at / f"{key}-data")
    if path is not None:
        return _require_pem(_read_referenced(path, at / key), at / key)
    return None


def _read_referenced(path: Path, at: Origin) -> bytes:
    try:
        return _files.read_limited(path, _files.MAX_REFERENCED_FILE_BYTES)
    except OSError as exc:
        raise at.error(f"cannot read {path}: {exc.strerror}") from None


def _require_pem(data: bytes, at: Origin) -> bytes:
    if not looks_like_pem(data):
        raise at.error("not PEM data (no -----BEGIN line)")
    return data


def _credentials(
    user: User,
    cluster: Callable[[], ExecClusterInfo],
    *,
    static_cert: bool,
    clock: Clock,
) -> Credentials | None:
    at = user.origin
    if user.auth_provider is not None:
        raise (at / "auth-provider").error(
            f"auth-provider plugins ({quoted(user.auth_provider)}) are not supported yet; "
            "use an exec credential plugin instead"
        )
    has_basic = user.username is not None or user.password is not None
    if has_basic and (user.token is not None or user.token_file is not None):
        # client-go: "username/password or bearer token may be set, but not both".
        raise at.error("username/password and token (or tokenFile) may not both be set")
    if user.token is not None:
        # tokenFile is read only when token is empty. As in client-go, an inline token is
        # used as written, never trimmed: one that cannot be sent is refused here.
        return BearerTokenAuth(_sendable(user.token, at / "token", token_problem))
    if user.token_file is not None:
        auth = TokenFileAuth(user.token_file, clock)
        try:
            auth.token()  # fail now, not on the first request
        except ConfigError as exc:
            raise (at / "tokenFile").error(str(exc)) from None
        return auth
    if has_basic:
        return BasicAuth(
            _sendable(user.username or "", at / "username", basic_auth_problem),
            _sendable(user.password or "", at / "password", basic_auth_problem),
        )
    if user.exec is not None and not static_cert:
        # client-go runs the plugin only when no token, basic auth or certificate was given.
        return ExecAuth(_exec_config(user.exec, at / "exec", cluster), clock)
    return None


def _exec_config(
    body: Mapping[str, Any], at: Origin, cluster: Callable[[], ExecClusterInfo]
) -> ExecConfig:
    from rawkube.config.exec import SUPPORTED_API_VERSIONS, V1, V1ALPHA1, ExecConfig

    version = optional_str(body, "apiVersion", at)
    if version is None:
        raise (at / "apiVersion").error("missing")
    if version == V1ALPHA1:
        raise (at / "apiVersion").error(f"{V1ALPHA1} is no longer supported; use {V1}")
    if version not in SUPPORTED_API_VERSIONS:
        raise (at / "apiVersion").error(
            f"{quoted(version)} is not one of " + ", ".join(SUPPORTED_API_VERSIONS)
        )
    command = optional_str(body, "command", at)
    if command is None:
        raise (at / "command").error("missing")
    _os_text(command, at / "command")
    if os.sep in command or (os.altsep is not None and os.altsep in command):
        command = str(resolve_path(command, at))  # a bare name is looked up on PATH instead
    args = str_list(body, "args", at)
    for index, arg in enumerate(args):
        _os_text(arg, (at / "args").at(index))
    return ExecConfig(
        command=command,
        api_version=version,
        args=args,
        env=_exec_env(body, at),
        install_hint=optional_str(body, "installHint", at),
        interactive_mode=_interactive_mode(body, at, version),
        cluster=cluster() if optional_bool(body, "provideClusterInfo", at) else None,
        origin=str(at),
    )


def _exec_env(body: Mapping[str, Any], at: Origin) -> tuple[tuple[str, str], ...]:
    items = body.get("env")
    where = at / "env"
    if items is None:
        return ()
    if not isinstance(items, list):
        raise where.error("must be a list of {name, value}")
    out = []
    for index, item in enumerate(items):
        item_at = where.at(index)
        if not isinstance(item, dict):
            raise item_at.error("must be a mapping with name and value")
        name = optional_str(item, "name", item_at)
        if name is None:
            raise (item_at / "name").error("missing")
        if "=" in name:
            raise (item_at / "name").error("holds '=', which no environment variable name can")
        value = optional_str(item, "value", item_at) or ""
        _os_text(name, item_at / "name")
        _os_text(value, item_at / "value")
        out.append((name, value))
    return tuple(out)


def _os_text(value: str, at: Origin) -> None:
    """Refuse text the OS cannot take as a command, argument or environment entry."""
    if "\0" in value:
        raise at.error("holds a NUL character")
    try:
        os.fsencode(value)
    except UnicodeEncodeError:
        raise at.error("holds a character the file system encoding cannot write") from None


def _exec_extension(cluster: Cluster) -> Any:
    """The cluster's extension for exec plugins, once known to turn into JSON for them."""
    extension = cluster.exec_extension
    if extension is not None:
        try:
            json.dumps(extension)
        except (ValueError, TypeError, RecursionError):
            raise (cluster.origin / "extensions").error(
                "the exec plugin extension cannot be passed on as JSON (nested too deeply?)"
            ) from None
    return extension


def _interactive_mode(body: Mapping[str, Any], at: Origin, version: str) -> InteractiveMode:
    from rawkube.config.exec import INTERACTIVE_MODES, V1

    mode = optional_str(body, "interactiveMode", at)
    if mode is None:
        if version == V1:
            raise (at / "interactiveMode").error(f"required with {V1}")
        return "IfAvailable"  # v1beta1's default
    for known in INTERACTIVE_MODES:
        if mode == known:
            return known
    raise (at / "interactiveMode").error(
        f"{quoted(mode)} is not one of " + ", ".join(INTERACTIVE_MODES)
    )


def _impersonation(user: User) -> Impersonation | None:
    if user.impersonate is None:
        if user.impersonate_groups or user.impersonate_extra or user.impersonate_uid:
            raise user.origin.error(
                "as-groups, as-uid or as-user-extra is set without as (the user to impersonate)"
            )
        return None
    at = user.origin
    _sendable(user.impersonate, at / "as", header_problem)
    if user.impersonate_uid is not None:
        _sendable(user.impersonate_uid, at / "as-uid", header_problem)
    for index, group in enumerate(user.impersonate_groups):
        _sendable(group, (at / "as-groups").at(index), header_problem)
    for key, values in user.impersonate_extra.items():
        _sendable(key, at / "as-user-extra", unicode_problem)
        for index, value in enumerate(values):
            _sendable(value, (at / "as-user-extra" / key).at(index), header_problem)
    return Impersonation(
        user=user.impersonate,
        groups=user.impersonate_groups,
        uid=user.impersonate_uid,
        extra=dict(user.impersonate_extra),
    )


def _sendable(value: str, at: Origin, problem: Callable[[str], str | None]) -> str:
    """``value`` if it can go into a header; else an error naming ``at``, never the value."""
    reason = problem(value)
    if reason is None:
        return value
    if reason == "holds a line break":
        reason += " (a YAML '|' block keeps its last one; '|-' does not)"
    raise at.error(reason)


def _context_namespace(context: Context) -> str:
    if context.namespace is None:
        return DEFAULT_NAMESPACE
    if not _DNS_LABEL.match(context.namespace):
        raise (context.origin / "namespace").error(
            f"{quoted(context.namespace)} is not a valid namespace name (a DNS label)"
        )
    return context.namespace

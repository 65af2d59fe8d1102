"""The kubeconfig file model: parse, merge by kubectl's rules, pick a context, build a Config.

Theory of operation. Each file is parsed on its own (:func:`parse_kubeconfig`): types and base64
are checked for every entry, and relative paths are resolved against the directory of the file
that defines the entry. Files are then merged (:func:`merge_kubeconfigs`): the first file to
name a cluster, user or context, or to set ``current-context``, wins; later files only add.
Checks that depend on the choice of context (a missing server, an unreadable CA file, conflicting
credentials) run only for the context that is used (:func:`config_from_kubeconfig`), so an
unused broken entry does not stop a good one, as with kubectl.

Every error names the file and the key (``/x/config: users[1].user.client-key-data: not valid
base64``) and never the value, which may be a secret.
"""

from __future__ import annotations

import base64
import binascii
import importlib.util
import os
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from rawkube._clock import SYSTEM_CLOCK, Clock
from rawkube._exceptions import ConfigError
from rawkube.config._config import (
    ClientCertificate,
    Config,
    Credentials,
    Impersonation,
    TLSSettings,
)
from rawkube.config.auth import BasicAuth, BearerTokenAuth, ExecAuth, TokenFileAuth
from rawkube.config.exec import (
    INTERACTIVE_MODES,
    SUPPORTED_API_VERSIONS,
    V1,
    V1ALPHA1,
    ExecClusterInfo,
    ExecConfig,
    InteractiveMode,
)
from rawkube.config.tls import looks_like_pem

__all__ = [
    "EXEC_EXTENSION_NAME",
    "Cluster",
    "Context",
    "Kubeconfig",
    "Origin",
    "Selection",
    "User",
    "config_from_kubeconfig",
    "merge_kubeconfigs",
    "parse_kubeconfig",
    "read_kubeconfig",
    "select_context",
]

EXEC_EXTENSION_NAME = "client.authentication.k8s.io/exec"
DEFAULT_NAMESPACE = "default"
_PROXY_SCHEMES = ("http", "https", "socks5", "socks5h")
_SERVER_SCHEMES = ("http", "https")
_DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\Z")
_Entry = TypeVar("_Entry")


@dataclass(frozen=True)
class Origin:
    """Where a value lives: a file and a key path inside it (``users[1].user``)."""

    file: str
    key: str = ""

    def __truediv__(self, key: str) -> Origin:
        return Origin(self.file, f"{self.key}.{key}" if self.key else key)

    def at(self, index: int) -> Origin:
        """The ``index``-th item of the list at this key."""
        return Origin(self.file, f"{self.key}[{index}]")

    def __str__(self) -> str:
        return f"{self.file}: {self.key}" if self.key else self.file

    def error(self, problem: str) -> ConfigError:
        """A ConfigError about this place; ``problem`` must never hold a secret value."""
        return ConfigError(f"{self}: {problem}")

    @property
    def directory(self) -> Path:
        """The directory relative paths defined here are resolved against."""
        return Path(self.file).parent


@dataclass(frozen=True)
class Cluster:
    """One ``clusters[]`` entry; ``origin`` points at its ``cluster`` mapping."""

    name: str
    origin: Origin
    server: str | None = None
    certificate_authority: Path | None = None
    certificate_authority_data: bytes | None = None
    insecure_skip_tls_verify: bool = False
    tls_server_name: str | None = None
    proxy_url: str | None = None
    disable_compression: bool = False
    exec_extension: Any = None


@dataclass(frozen=True)
class User:
    """One ``users[]`` entry; secrets are kept out of the repr.

    ``exec`` is the raw ``exec`` mapping: it is validated only when the user is used.
    """

    name: str
    origin: Origin
    client_certificate: Path | None = None
    client_certificate_data: bytes | None = None
    client_key: Path | None = field(default=None, repr=False)
    client_key_data: bytes | None = field(default=None, repr=False)
    token: str | None = field(default=None, repr=False)
    token_file: Path | None = None
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    impersonate: str | None = None
    impersonate_uid: str | None = None
    impersonate_groups: tuple[str, ...] = ()
    impersonate_extra: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    exec: Mapping[str, Any] | None = field(default=None, repr=False)
    auth_provider: str | None = None


@dataclass(frozen=True)
class Context:
    """One ``contexts[]`` entry: a cluster, a user and a namespace, by name."""

    name: str
    origin: Origin
    cluster: str | None = None
    user: str | None = None
    namespace: str | None = None


@dataclass(frozen=True)
class Kubeconfig:
    """One parsed file, or several merged: entries by name, and the current context."""

    files: tuple[str, ...]
    clusters: Mapping[str, Cluster] = field(default_factory=dict)
    users: Mapping[str, User] = field(default_factory=dict)
    contexts: Mapping[str, Context] = field(default_factory=dict)
    current_context: str | None = None

    def describe(self) -> str:
        """The files this came from, for messages."""
        return ", ".join(self.files) or "<no files>"


@dataclass(frozen=True)
class Selection:
    """The context in use and the entries it names (``user`` is None for an anonymous context)."""

    context: Context
    cluster: Cluster
    user: User | None


# --- parsing: text in, Kubeconfig out -----------------------------------------------------------


def parse_kubeconfig(text: str, path: str | os.PathLike[str]) -> Kubeconfig:
    """Parse one kubeconfig file's text; ``path`` names it and anchors its relative paths.

    An empty file is an empty kubeconfig (kubectl accepts it). ``preferences``, ``extensions``
    and unknown keys are ignored.

    Raises:
        ConfigError: the text is not YAML or not a mapping, an entry or value has the wrong
            type, a name is missing or repeated, or a ``*-data`` value is not base64.
    """
    file = os.path.abspath(os.fspath(path))
    root = Origin(file)
    import yaml  # here, not at the top: `import rawkube` stays light until a file is read

    loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        document = yaml.load(text, Loader=loader)  # noqa: S506 - a safe loader
    except yaml.YAMLError as exc:
        # "from None": the YAML error's own text may quote the file, secrets included.
        raise root.error(f"not valid YAML{_yaml_position(exc)}") from None
    if document is None:
        document = {}
    if not isinstance(document, dict):
        raise root.error("not a mapping (a kubeconfig holds clusters, users and contexts)")
    return Kubeconfig(
        files=(file,),
        clusters={c.name: c for c in _entries(document, "clusters", "cluster", root, _cluster)},
        users={u.name: u for u in _entries(document, "users", "user", root, _user)},
        contexts={c.name: c for c in _entries(document, "contexts", "context", root, _context)},
        current_context=_opt_str(document, "current-context", root),
    )


def _yaml_position(exc: Exception) -> str:
    mark = getattr(exc, "problem_mark", None)
    if mark is None:
        return ""
    return f" (line {mark.line + 1}, column {mark.column + 1})"


def _entries(
    document: Mapping[str, Any],
    section: str,
    body_key: str,
    root: Origin,
    parse: Callable[[str, Mapping[str, Any], Origin], _Entry],
) -> Iterator[_Entry]:
    """Parse each ``{name, <body_key>}`` item of a section, refusing a repeated name."""
    items = document.get(section)
    where = root / section
    if items is None:
        return
    if not isinstance(items, list):
        raise where.error("must be a list")
    seen: dict[str, int] = {}
    for index, item in enumerate(items):
        item_origin = where.at(index)
        if not isinstance(item, dict):
            raise item_origin.error("must be a mapping with name and " + body_key)
        name = _opt_str(item, "name", item_origin)
        if name is None:
            raise (item_origin / "name").error("missing")
        if name in seen:
            # client-go refuses a name listed twice in one file.
            raise (item_origin / "name").error(
                f"duplicate name {name!r} (also {section}[{seen[name]}])"
            )
        seen[name] = index
        body_origin = item_origin / body_key
        body = _mapping(item.get(body_key), body_origin)
        yield parse(name, body, body_origin)


def _cluster(name: str, body: Mapping[str, Any], at: Origin) -> Cluster:
    return Cluster(
        name=name,
        origin=at,
        server=_opt_str(body, "server", at),
        certificate_authority=_opt_path(body, "certificate-authority", at),
        certificate_authority_data=_opt_base64(body, "certificate-authority-data", at),
        insecure_skip_tls_verify=_opt_bool(body, "insecure-skip-tls-verify", at),
        tls_server_name=_opt_str(body, "tls-server-name", at),
        proxy_url=_opt_str(body, "proxy-url", at),
        disable_compression=_opt_bool(body, "disable-compression", at),
        exec_extension=_exec_extension(body, at),
    )


def _exec_extension(body: Mapping[str, Any], at: Origin) -> Any:
    """The cluster's config for exec plugins (``extensions[]`` named for them), or None."""
    extensions = body.get("extensions")
    where = at / "extensions"
    if extensions is None:
        return None
    if not isinstance(extensions, list):
        raise where.error("must be a list")
    for index, item in enumerate(extensions):
        if not isinstance(item, dict):
            raise where.at(index).error("must be a mapping with name and extension")
        if item.get("name") == EXEC_EXTENSION_NAME:
            return item.get("extension")
    return None


def _user(name: str, body: Mapping[str, Any], at: Origin) -> User:
    provider = body.get("auth-provider")
    provider_name = None
    if provider is not None:
        provider_at = at / "auth-provider"
        provider_name = (
            _opt_str(_mapping(provider, provider_at), "name", provider_at) or "<unnamed>"
        )
    exec_body = body.get("exec")
    return User(
        name=name,
        origin=at,
        client_certificate=_opt_path(body, "client-certificate", at),
        client_certificate_data=_opt_base64(body, "client-certificate-data", at),
        client_key=_opt_path(body, "client-key", at),
        client_key_data=_opt_base64(body, "client-key-data", at),
        token=_opt_str(body, "token", at),
        token_file=_opt_path(body, "tokenFile", at),
        username=_opt_str(body, "username", at),
        password=_opt_str(body, "password", at),
        impersonate=_opt_str(body, "as", at),
        impersonate_uid=_opt_str(body, "as-uid", at),
        impersonate_groups=_str_list(body, "as-groups", at),
        impersonate_extra=_str_list_map(body, "as-user-extra", at),
        exec=None if exec_body is None else _mapping(exec_body, at / "exec"),
        auth_provider=provider_name,
    )


def _context(name: str, body: Mapping[str, Any], at: Origin) -> Context:
    return Context(
        name=name,
        origin=at,
        cluster=_opt_str(body, "cluster", at),
        user=_opt_str(body, "user", at),
        namespace=_opt_str(body, "namespace", at),
    )


# --- typed readers: each names the key it refuses, never the value ------------------------------


def _mapping(value: Any, at: Origin) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise at.error("must be a mapping")
    return value


def _opt_str(body: Mapping[str, Any], key: str, at: Origin) -> str | None:
    """A string, or None when absent, null or empty (Go reads all three as unset)."""
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise (at / key).error(f"must be a string, not {_type_name(value)}")
    return value or None


def _opt_bool(body: Mapping[str, Any], key: str, at: Origin) -> bool:
    value = body.get(key)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise (at / key).error(f"must be true or false, not {_type_name(value)}")
    return value


def _opt_path(body: Mapping[str, Any], key: str, at: Origin) -> Path | None:
    value = _opt_str(body, key, at)
    return None if value is None else _resolve_path(value, at)


def _resolve_path(value: str, at: Origin) -> Path:
    """``~`` expanded; a relative path taken from the directory of the file that defined it."""
    path = Path(os.path.expanduser(value))
    return path if path.is_absolute() else at.directory / path


def _opt_base64(body: Mapping[str, Any], key: str, at: Origin) -> bytes | None:
    value = _opt_str(body, key, at)
    if value is None:
        return None
    # Go's JSON decoder skips line breaks inside base64 and wants standard padding.
    compact = value.replace("\r", "").replace("\n", "")
    try:
        return base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        raise (at / key).error("not valid base64") from None


def _str_list(body: Mapping[str, Any], key: str, at: Origin) -> tuple[str, ...]:
    value = body.get(key)
    if value is None:
        return ()
    if not isinstance(value, list):
        raise (at / key).error(f"must be a list of strings, not {_type_name(value)}")
    for index, item in enumerate(value):
        if not isinstance(item, str):
            raise (at / key).at(index).error(f"must be a string, not {_type_name(item)}")
    return tuple(value)


def _str_list_map(body: Mapping[str, Any], key: str, at: Origin) -> dict[str, tuple[str, ...]]:
    value = _mapping(body.get(key), at / key)
    out: dict[str, tuple[str, ...]] = {}
    for name in value:
        if not isinstance(name, str):
            raise (at / key).error("keys must be strings")
        out[name] = _str_list(value, name, at / key)
    return out


def _type_name(value: Any) -> str:
    names = {
        bool: "a boolean",
        int: "a number",
        float: "a number",
        list: "a list",
        dict: "a mapping",
    }
    return names.get(type(value), type(value).__name__)


# --- merging and choosing -----------------------------------------------------------------------


def merge_kubeconfigs(configs: Sequence[Kubeconfig]) -> Kubeconfig:
    """Merge files as kubectl does: the first to name an entry or set current-context wins."""
    clusters: dict[str, Cluster] = {}
    users: dict[str, User] = {}
    contexts: dict[str, Context] = {}
    current: str | None = None
    files: list[str] = []
    for config in configs:
        files.extend(config.files)
        for cluster_name, cluster in config.clusters.items():
            clusters.setdefault(cluster_name, cluster)
        for user_name, user in config.users.items():
            users.setdefault(user_name, user)
        for context_name, context in config.contexts.items():
            contexts.setdefault(context_name, context)
        current = current or config.current_context
    return Kubeconfig(tuple(files), clusters, users, contexts, current)


def select_context(config: Kubeconfig, context: str | None = None) -> Selection:
    """The context named ``context`` (or the current one) and the cluster and user it names.

    Raises:
        ConfigError: no context is given or current, the context does not exist (the message
            lists the available ones), or it names a cluster or user that does not exist.
    """
    available = ", ".join(sorted(config.contexts)) or "none"
    name = context or config.current_context
    if name is None:
        raise ConfigError(
            f"{config.describe()}: current-context is not set and no context was given "
            f"(available contexts: {available})"
        )
    chosen = config.contexts.get(name)
    if chosen is None:
        how = "requested" if context else "current-context"
        raise ConfigError(
            f"{config.describe()}: context {name!r} ({how}) not found "
            f"(available contexts: {available})"
        )
    if chosen.cluster is None:
        raise (chosen.origin / "cluster").error("missing")
    cluster = config.clusters.get(chosen.cluster)
    if cluster is None:
        raise (chosen.origin / "cluster").error(
            f"no cluster named {chosen.cluster!r} in {config.describe()}"
        )
    user = None
    if chosen.user is not None:
        user = config.users.get(chosen.user)
        if user is None:
            raise (chosen.origin / "user").error(
                f"no user named {chosen.user!r} in {config.describe()}"
            )
    return Selection(chosen, cluster, user)


# --- building the Config: the only part that reads referenced files -----------------------------


def read_kubeconfig(path: str | os.PathLike[str]) -> Kubeconfig:
    """Read and parse one kubeconfig file.

    Raises:
        ConfigError: the file cannot be read (naming it and why) or does not parse.
    """
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{os.path.abspath(path)}: cannot read: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{os.path.abspath(path)}: not UTF-8 text") from None
    return parse_kubeconfig(text, path)


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

    Raises:
        ConfigError: anything :func:`select_context` refuses; a cluster without a server or with
            an unusable server or proxy URL; a referenced file that cannot be read or is not PEM;
            conflicting or incomplete credentials; an exec stanza that is invalid; an auth-provider
            plugin (not supported); a socks proxy without the ``socksio`` package.
    """
    selected = select_context(config, context)
    cluster = selected.cluster
    server = _server_url(cluster)
    ca_pem = _cluster_ca(cluster)
    if cluster.insecure_skip_tls_verify and ca_pem is not None:
        raise (cluster.origin / "insecure-skip-tls-verify").error(
            "cannot be combined with certificate-authority(-data) (kubectl refuses it too)"
        )
    proxy = _proxy_url(cluster)
    user = selected.user
    client_cert = _client_certificate(user) if user is not None else None
    auth = None
    if user is not None:
        cluster_info = ExecClusterInfo(
            server=server,
            tls_server_name=cluster.tls_server_name,
            insecure_skip_tls_verify=cluster.insecure_skip_tls_verify,
            certificate_authority_data=ca_pem,
            proxy_url=proxy,
            disable_compression=cluster.disable_compression,
            config=cluster.exec_extension,
        )
        auth = _credentials(user, cluster_info, static_cert=client_cert is not None, clock=clock)
    return Config(
        server=server,
        namespace=namespace or _context_namespace(selected.context),
        tls=TLSSettings(
            verify=not cluster.insecure_skip_tls_verify,
            ca_pem=ca_pem,
            client_cert=client_cert,
            server_name=cluster.tls_server_name,
        ),
        auth=auth,
        impersonation=_impersonation(user) if user is not None else None,
        proxy=proxy,
        disable_compression=cluster.disable_compression,
        clock=clock,
        context=selected.context.name,
        source="kubeconfig " + config.describe(),
    )


def _server_url(cluster: Cluster) -> str:
    at = cluster.origin / "server"
    if cluster.server is None:
        raise at.error(f"missing (cluster {cluster.name!r} has no server)")
    server = cluster.server.strip().rstrip("/")
    if "://" not in server:
        # kubectl accepts a bare host:port; assume TLS rather than plain HTTP.
        server = "https://" + server
    scheme = server.split("://", 1)[0].lower()
    if scheme not in _SERVER_SCHEMES:
        raise at.error(f"scheme {scheme!r} is not http or https")
    return server


def _proxy_url(cluster: Cluster) -> str | None:
    if cluster.proxy_url is None:
        return None
    at = cluster.origin / "proxy-url"
    scheme = cluster.proxy_url.split("://", 1)[0].lower() if "://" in cluster.proxy_url else ""
    if scheme not in _PROXY_SCHEMES:
        raise at.error("scheme must be one of " + ", ".join(_PROXY_SCHEMES))
    if scheme.startswith("socks") and importlib.util.find_spec("socksio") is None:
        raise at.error(
            "a SOCKS proxy needs the 'socksio' package: pip install 'rawkube[socks]' "
            "(or 'httpx[socks]')"
        )
    return cluster.proxy_url


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
        return path.read_bytes()
    except OSError as exc:
        raise at.error(f"cannot read {path}: {exc.strerror}") from None


def _require_pem(data: bytes, at: Origin) -> bytes:
    if not looks_like_pem(data):
        raise at.error("not PEM data (no -----BEGIN line)")
    return data


def _credentials(
    user: User, cluster: ExecClusterInfo, *, static_cert: bool, clock: Clock
) -> Credentials | None:
    at = user.origin
    if user.auth_provider is not None:
        raise (at / "auth-provider").error(
            f"auth-provider plugins ({user.auth_provider!r}) are not supported yet; "
            "use an exec credential plugin instead"
        )
    has_basic = user.username is not None or user.password is not None
    if has_basic and (user.token is not None or user.token_file is not None):
        # client-go: "username/password or bearer token may be set, but not both".
        raise at.error("username/password and token (or tokenFile) may not both be set")
    if user.token is not None:
        return BearerTokenAuth(user.token)  # tokenFile is read only when token is empty
    if user.token_file is not None:
        _read_referenced(user.token_file, at / "tokenFile")  # fail now, not on first request
        return TokenFileAuth(user.token_file, clock)
    if has_basic:
        return BasicAuth(user.username or "", user.password or "")
    if user.exec is not None and not static_cert:
        # client-go runs the plugin only when no token, basic auth or certificate was given.
        return ExecAuth(_exec_config(user.exec, at / "exec", cluster), clock)
    return None


def _exec_config(body: Mapping[str, Any], at: Origin, cluster: ExecClusterInfo) -> ExecConfig:
    version = _opt_str(body, "apiVersion", at)
    if version is None:
        raise (at / "apiVersion").error("missing")
    if version == V1ALPHA1:
        raise (at / "apiVersion").error(f"{V1ALPHA1} is no longer supported; use {V1}")
    if version not in SUPPORTED_API_VERSIONS:
        raise (at / "apiVersion").error(
            f"{version!r} is not one of " + ", ".join(SUPPORTED_API_VERSIONS)
        )
    command = _opt_str(body, "command", at)
    if command is None:
        raise (at / "command").error("missing")
    if os.sep in command or (os.altsep is not None and os.altsep in command):
        command = str(_resolve_path(command, at))  # a bare name is looked up on PATH instead
    return ExecConfig(
        command=command,
        api_version=version,
        args=_str_list(body, "args", at),
        env=_exec_env(body, at),
        install_hint=_opt_str(body, "installHint", at),
        interactive_mode=_interactive_mode(body, at, version),
        cluster=cluster if _opt_bool(body, "provideClusterInfo", at) else None,
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
        name = _opt_str(item, "name", item_at)
        if name is None:
            raise (item_at / "name").error("missing")
        out.append((name, _opt_str(item, "value", item_at) or ""))
    return tuple(out)


def _interactive_mode(body: Mapping[str, Any], at: Origin, version: str) -> InteractiveMode:
    mode = _opt_str(body, "interactiveMode", at)
    if mode is None:
        if version == V1:
            raise (at / "interactiveMode").error(f"required with {V1}")
        return "IfAvailable"  # v1beta1's default
    for known in INTERACTIVE_MODES:
        if mode == known:
            return known
    raise (at / "interactiveMode").error(f"{mode!r} is not one of " + ", ".join(INTERACTIVE_MODES))


def _impersonation(user: User) -> Impersonation | None:
    if user.impersonate is None:
        if user.impersonate_groups or user.impersonate_extra or user.impersonate_uid:
            raise user.origin.error(
                "as-groups, as-uid or as-user-extra is set without as (the user to impersonate)"
            )
        return None
    return Impersonation(
        user=user.impersonate,
        groups=user.impersonate_groups,
        uid=user.impersonate_uid,
        extra=dict(user.impersonate_extra),
    )


def _context_namespace(context: Context) -> str:
    if context.namespace is None:
        return DEFAULT_NAMESPACE
    if not _DNS_LABEL.match(context.namespace):
        raise (context.origin / "namespace").error(
            f"{context.namespace!r} is not a valid namespace name (a DNS label)"
        )
    return context.namespace

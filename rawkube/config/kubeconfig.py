"""The kubeconfig file model: parse each file, merge them by kubectl's rules, pick a context.

Theory of operation. Each file is parsed on its own (:func:`parse_kubeconfig`): types and base64
are checked for every entry, and relative paths are resolved against the directory of the file
that defines the entry. Files are then merged (:func:`merge_kubeconfigs`): the first file to
name a cluster, user or context, or to set ``current-context``, wins; later files only add.
Checks that depend on the choice of context (a missing server, an unreadable CA file, conflicting
credentials) run only for the context that is used, when ``rawkube.config.build`` turns it into
a Config, so an unused broken entry does not stop a good one, as with kubectl.

Every error names the file and the key (``/x/config: users[1].user.client-key-data: not valid
base64``) and never the value, which may be a secret.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from rawkube.config import _files
from rawkube.config._config import redact_url
from rawkube.config._fields import (
    Origin,
    as_mapping,
    optional_base64,
    optional_bool,
    optional_path,
    optional_str,
    quoted,
    str_list,
    str_list_map,
)
from rawkube.core._exceptions import ConfigError, DecodeError

__all__ = [
    "EXEC_EXTENSION_NAME",
    "Cluster",
    "Context",
    "Kubeconfig",
    "Selection",
    "User",
    "merge_kubeconfigs",
    "parse_kubeconfig",
    "read_kubeconfig",
    "select_context",
]

EXEC_EXTENSION_NAME = "client.authentication.k8s.io/exec"
_Entry = TypeVar("_Entry")


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

    def __repr__(self) -> str:
        # URLs may carry passwords; the plugin's extension may hold anything.
        shown = {
            "name": self.name,
            "origin": self.origin,
            "server": None if self.server is None else redact_url(self.server),
            "proxy_url": None if self.proxy_url is None else redact_url(self.proxy_url),
            "exec_extension": None if self.exec_extension is None else "<hidden>",
        }
        return "Cluster(" + ", ".join(f"{key}={value!r}" for key, value in shown.items()) + ")"


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
    and unknown keys are ignored. The YAML is read as kubectl reads it, with the limits of
    :func:`rawkube.core._yaml.load_yaml_document` (aliases) and at most
    :data:`~rawkube.config._files.MAX_KUBECONFIG_BYTES`.

    Raises:
        ConfigError: the text is too large, not YAML or not a mapping, an entry or value has the
            wrong type, a name is missing or repeated, or a ``*-data`` value is not base64.
    """
    file = os.path.abspath(os.fspath(path))
    root = Origin(file)
    from rawkube.core._yaml import load_yaml_document  # `import rawkube` stays light until a read

    try:
        document = load_yaml_document(text, limit=_files.MAX_KUBECONFIG_BYTES)
    except DecodeError as exc:
        # Its message names a line and column, never the text, which may hold secrets.
        raise root.error(str(exc)) from None
    if document is None:
        document = {}
    if not isinstance(document, dict):
        raise root.error("not a mapping (a kubeconfig holds clusters, users and contexts)")
    return Kubeconfig(
        files=(file,),
        clusters={c.name: c for c in _entries(document, "clusters", "cluster", root, _cluster)},
        users={u.name: u for u in _entries(document, "users", "user", root, _user)},
        contexts={c.name: c for c in _entries(document, "contexts", "context", root, _context)},
        current_context=optional_str(document, "current-context", root),
    )


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
        name = optional_str(item, "name", item_origin)
        if name is None:
            raise (item_origin / "name").error("missing")
        if name in seen:
            # client-go refuses a name listed twice in one file.
            raise (item_origin / "name").error(
                f"duplicate name {quoted(name)} (also {section}[{seen[name]}])"
            )
        seen[name] = index
        body_origin = item_origin / body_key
        body = as_mapping(item.get(body_key), body_origin)
        yield parse(name, body, body_origin)


def _cluster(name: str, body: Mapping[str, Any], at: Origin) -> Cluster:
    return Cluster(
        name=name,
        origin=at,
        server=optional_str(body, "server", at),
        certificate_authority=optional_path(body, "certificate-authority", at),
        certificate_authority_data=_base64(body, "certificate-authority-data", at),
        insecure_skip_tls_verify=optional_bool(body, "insecure-skip-tls-verify", at),
        tls_server_name=optional_str(body, "tls-server-name", at),
        proxy_url=optional_str(body, "proxy-url", at),
        disable_compression=optional_bool(body, "disable-compression", at),
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
            optional_str(as_mapping(provider, provider_at), "name", provider_at) or "<unnamed>"
        )
    exec_body = body.get("exec")
    return User(
        name=name,
        origin=at,
        client_certificate=optional_path(body, "client-certificate", at),
        client_certificate_data=_base64(body, "client-certificate-data", at),
        client_key=optional_path(body, "client-key", at),
        client_key_data=_base64(body, "client-key-data", at),
        token=optional_str(body, "token", at),
        token_file=optional_path(body, "tokenFile", at),
        username=optional_str(body, "username", at),
        password=optional_str(body, "password", at),
        impersonate=optional_str(body, "as", at),
        impersonate_uid=optional_str(body, "as-uid", at),
        impersonate_groups=str_list(body, "as-groups", at),
        impersonate_extra=str_list_map(body, "as-user-extra", at),
        exec=None if exec_body is None else as_mapping(exec_body, at / "exec"),
        auth_provider=provider_name,
    )


def _base64(body: Mapping[str, Any], key: str, at: Origin) -> bytes | None:
    """A ``*-data`` value, decoded; text that is not ASCII is refused here, before decoding.

    ``base64.b64decode`` refuses it with a ValueError whose ``__context__`` is a
    UnicodeEncodeError holding the whole value (a client key), and ``raise ... from None`` keeps
    that as the ConfigError's ``__context__``.
    """
    value = body.get(key)
    if isinstance(value, str) and not value.isascii():
        raise (at / key).error("not valid base64")
    return optional_base64(body, key, at)


def _context(name: str, body: Mapping[str, Any], at: Origin) -> Context:
    return Context(
        name=name,
        origin=at,
        cluster=optional_str(body, "cluster", at),
        user=optional_str(body, "user", at),
        namespace=optional_str(body, "namespace", at),
    )


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
    available = ", ".join(redact_url(name) for name in sorted(config.contexts)) or "none"
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
            f"{config.describe()}: context {quoted(name)} ({how}) not found "
            f"(available contexts: {available})"
        )
    if chosen.cluster is None:
        raise (chosen.origin / "cluster").error("missing")
    cluster = config.clusters.get(chosen.cluster)
    if cluster is None:
        raise (chosen.origin / "cluster").error(
            f"no cluster named {quoted(chosen.cluster)} in {config.describe()}"
        )
    user = None
    if chosen.user is not None:
        user = config.users.get(chosen.user)
        if user is None:
            raise (chosen.origin / "user").error(
                f"no user named {quoted(chosen.user)} in {config.describe()}"
            )
    return Selection(chosen, cluster, user)


def read_kubeconfig(path: str | os.PathLike[str]) -> Kubeconfig:
    """Read and parse one kubeconfig file: a regular file of at most ``MAX_KUBECONFIG_BYTES``.

    Raises:
        ConfigError: the file cannot be read (naming it and why: missing, a FIFO or device,
            too large) or does not parse.
    """
    try:
        data = _files.read_limited(Path(path), _files.MAX_KUBECONFIG_BYTES)
    except OSError as exc:
        raise ConfigError(f"{os.path.abspath(path)}: cannot read: {exc.strerror}") from None
    text = _files.decode_utf8(data)
    if text is None:
        raise ConfigError(f"{os.path.abspath(path)}: not UTF-8 text")
    return parse_kubeconfig(text, path)

"""Exec credential plugins: what to run, the ExecCredential we hand over and read back, one run.

Everything here but :func:`run_exec_plugin` is pure. The caching, locking and the 401 dance live
in :class:`rawkube.config.auth.ExecAuth`.
"""

from __future__ import annotations

import base64
import json
import re
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Literal
from urllib.parse import unquote, urlsplit

from rawkube.config._config import ClientCertificate, redact_url
from rawkube.core._exceptions import ConfigError
from rawkube.core._headers import token_problem

__all__ = [
    "EXEC_INFO_ENV",
    "INTERACTIVE_MODES",
    "SUPPORTED_API_VERSIONS",
    "V1",
    "V1ALPHA1",
    "V1BETA1",
    "ExecClusterInfo",
    "ExecConfig",
    "ExecCredential",
    "InteractiveMode",
    "credential_expired",
    "decide_interactive",
    "exec_info_json",
    "parse_exec_credential",
    "parse_rfc3339",
    "run_exec_plugin",
]

V1 = "client.authentication.k8s.io/v1"
V1BETA1 = "client.authentication.k8s.io/v1beta1"
V1ALPHA1 = "client.authentication.k8s.io/v1alpha1"
SUPPORTED_API_VERSIONS = (V1, V1BETA1)
EXEC_INFO_ENV = "KUBERNETES_EXEC_INFO"
_STDERR_LIMIT = 1000
_MASKED_MIN = 4  # characters: shorter values handed to a plugin are not masked in its stderr

InteractiveMode = Literal["Never", "IfAvailable", "Always"]
INTERACTIVE_MODES: tuple[InteractiveMode, ...] = ("Never", "IfAvailable", "Always")


@dataclass(frozen=True)
class ExecClusterInfo:
    """The cluster a plugin authenticates to, passed in ``KUBERNETES_EXEC_INFO`` on request."""

    server: str
    tls_server_name: str | None = None
    insecure_skip_tls_verify: bool = False
    certificate_authority_data: bytes | None = None
    proxy_url: str | None = None
    disable_compression: bool = False
    config: Any = None  # the cluster's "client.authentication.k8s.io/exec" extension, as is

    def __repr__(self) -> str:
        # URLs may carry passwords; the extension may hold anything.
        proxy = None if self.proxy_url is None else redact_url(self.proxy_url)
        config = None if self.config is None else "<hidden>"
        return (
            f"ExecClusterInfo(server={redact_url(self.server)!r}, proxy_url={proxy!r}, "
            f"tls_server_name={self.tls_server_name!r}, config={config})"
        )


@dataclass(frozen=True)
class ExecConfig:
    """How to run one credential plugin (a kubeconfig ``users[].user.exec`` stanza, validated).

    ``cluster`` is set only when the plugin asked for it (``provideClusterInfo``). ``origin`` says
    where the plugin was configured, for error messages. Arguments and environment may carry
    secrets, so they stay out of the repr.
    """

    command: str
    api_version: str = V1
    args: tuple[str, ...] = field(default=(), repr=False)
    env: tuple[tuple[str, str], ...] = field(default=(), repr=False)
    install_hint: str | None = None
    interactive_mode: InteractiveMode = "IfAvailable"
    cluster: ExecClusterInfo | None = None
    origin: str = "exec plugin"


@dataclass(frozen=True, eq=False)
class ExecCredential:
    """What a plugin returned: a token, a client certificate, or both; and when it expires."""

    token: str | None = field(default=None, repr=False)
    client_certificate: ClientCertificate | None = None
    expires_at: datetime | None = None

    def __repr__(self) -> str:
        token = "<redacted>" if self.token else None
        return (
            f"ExecCredential(token={token}, client_certificate={self.client_certificate!r}, "
            f"expires_at={self.expires_at!r})"
        )


def credential_expired(credential: ExecCredential, now: datetime) -> bool:
    """True once ``now`` is past the credential's expiry; one without an expiry never expires."""
    return credential.expires_at is not None and now > credential.expires_at


def decide_interactive(config: ExecConfig, stdin_is_tty: bool) -> bool:
    """Whether the plugin gets our stdin, from its ``interactiveMode`` and whether we have a tty.

    Raises:
        ConfigError: the mode is ``Always`` and stdin is not a terminal.
    """
    if config.interactive_mode == "Never":
        return False
    if config.interactive_mode == "Always" and not stdin_is_tty:
        raise ConfigError(
            f"{config.origin}: interactiveMode is Always but standard input is not a terminal"
        )
    return stdin_is_tty


def exec_info_json(config: ExecConfig, interactive: bool) -> str:
    """The ``KUBERNETES_EXEC_INFO`` value: an ExecCredential carrying only ``spec``."""
    spec: dict[str, Any] = {"interactive": interactive}
    if config.cluster is not None:
        spec["cluster"] = _cluster_json(config.cluster)
    body = {"apiVersion": config.api_version, "kind": "ExecCredential", "spec": spec}
    return json.dumps(body, separators=(",", ":"))


def _cluster_json(cluster: ExecClusterInfo) -> dict[str, Any]:
    # Field names and omit-when-empty follow client.authentication.k8s.io's Cluster type.
    out: dict[str, Any] = {"server": cluster.server}
    if cluster.tls_server_name:
        out["tls-server-name"] = cluster.tls_server_name
    if cluster.insecure_skip_tls_verify:
        out["insecure-skip-tls-verify"] = True
    if cluster.certificate_authority_data:
        out["certificate-authority-data"] = base64.b64encode(
            cluster.certificate_authority_data
        ).decode("ascii")
    if cluster.proxy_url:
        out["proxy-url"] = cluster.proxy_url
    if cluster.disable_compression:
        out["disable-compression"] = True
    if cluster.config is not None:
        out["config"] = cluster.config
    return out


def parse_exec_credential(stdout: bytes, config: ExecConfig) -> ExecCredential:
    """Read the ExecCredential a plugin printed.

    The output holds the secret, so no message here ever quotes it.

    Raises:
        ConfigError: the output is not JSON, not an ExecCredential of the configured apiVersion,
            or its status has neither a token nor a certificate/key pair, only half of the pair,
            a token that cannot be sent in a header (a line break, a control or non-ASCII
            character, a space), or an expirationTimestamp that is not RFC 3339.
    """
    where = f"{config.origin}: exec plugin {config.command!r}"
    body = _json_object(stdout)
    if body is _NOT_JSON:
        # Raised here, not in an except block: the decoding error holds the output.
        raise ConfigError(f"{where} did not print valid JSON")
    if not isinstance(body, dict):
        raise ConfigError(f"{where} printed JSON that is not an ExecCredential object")
    if body.get("kind") != "ExecCredential":
        raise ConfigError(f"{where} printed an object whose kind is not ExecCredential")
    version = body.get("apiVersion")
    if version != config.api_version:
        # Quote the version only when it is one we know: the output is not to be echoed.
        shown = repr(version) if version in (V1, V1BETA1, V1ALPHA1) else "another apiVersion"
        raise ConfigError(f"{where} is configured for {config.api_version} but returned {shown}")
    status = body.get("status")
    if not isinstance(status, dict):
        raise ConfigError(f"{where} returned no status")
    token = _status_str(status, "token", where)
    cert = _status_str(status, "clientCertificateData", where)
    key = _status_str(status, "clientKeyData", where)
    if not token and not cert and not key:
        raise ConfigError(f"{where} returned neither a token nor a client certificate and key")
    if bool(cert) != bool(key):
        raise ConfigError(f"{where} returned only one of clientCertificateData and clientKeyData")
    expires_at = None
    stamp = status.get("expirationTimestamp")
    if stamp is not None:
        if not isinstance(stamp, str):
            raise ConfigError(f"{where}: status.expirationTimestamp is not a string")
        try:
            expires_at = parse_rfc3339(stamp)
        except ValueError:
            raise ConfigError(f"{where}: status.expirationTimestamp is not RFC 3339") from None
    if token and (problem := token_problem(token)):
        raise ConfigError(f"{where}: status.token {problem}")
    client_cert = None
    if cert and key:
        client_cert = ClientCertificate(
            _pem_bytes(cert, "clientCertificateData", where),
            _pem_bytes(key, "clientKeyData", where),
        )
    return ExecCredential(
        token=token or None, client_certificate=client_cert, expires_at=expires_at
    )


_NOT_JSON = object()


def _json_object(stdout: bytes) -> Any:
    """The JSON value a plugin printed (UTF-8), or ``_NOT_JSON``; never an error holding it."""
    text = stdout.decode("utf-8", "replace")
    try:
        return json.loads(text)
    except (ValueError, RecursionError):  # RecursionError: nested too deeply
        return _NOT_JSON


def _pem_bytes(text: str, key: str, where: str) -> bytes:
    if not _encodes_as_utf8(text):  # a lone surrogate from a \ud800 escape
        raise ConfigError(f"{where}: status.{key} is not valid Unicode text")
    return text.encode("utf-8")


def _encodes_as_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _status_str(status: Mapping[str, Any], key: str, where: str) -> str | None:
    value = status.get(key)
    if value is None or isinstance(value, str):
        return value
    raise ConfigError(f"{where}: status.{key} is not a string")


_RFC3339 = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?([Zz]|[+-]\d{2}:\d{2})\Z"
)


def parse_rfc3339(text: str) -> datetime:
    """An RFC 3339 timestamp as an aware datetime (Go writes up to 9 fraction digits).

    Raises:
        ValueError: the text is not an RFC 3339 date-time.
    """
    match = _RFC3339.match(text)
    if match is None:
        raise ValueError("not an RFC 3339 timestamp")
    year, month, day, hour, minute, second = (int(part) for part in match.groups()[:6])
    fraction, offset = match.group(7), match.group(8)
    micros = int((fraction or "0")[:6].ljust(6, "0"))
    if offset in ("Z", "z"):
        zone = timezone.utc
    else:
        sign = -1 if offset[0] == "-" else 1
        delta = timedelta(hours=int(offset[1:3]), minutes=int(offset[4:6]))
        zone = timezone(sign * delta)
    return datetime(year, month, day, hour, minute, second, micros, tzinfo=zone)


def run_exec_plugin(config: ExecConfig, *, interactive: bool, environ: Mapping[str, str]) -> bytes:
    """Run the plugin once and return what it printed on stdout.

    The plugin inherits ``environ`` plus its configured ``env`` and ``KUBERNETES_EXEC_INFO``.
    When interactive it shares our stdin and stderr (it may prompt); otherwise stdin is empty and
    stderr is captured for the error message.

    Raises:
        ConfigError: the command is not found (with the install hint) or cannot be started, or it
            exits non-zero (with the exit code and the tail of its stderr, never its stdout).
    """
    where = f"{config.origin}: exec plugin {config.command!r}"
    env = dict(environ)
    env.update(config.env)
    try:
        env[EXEC_INFO_ENV] = exec_info_json(config, interactive)
    except (ValueError, TypeError, RecursionError):
        raise ConfigError(f"{where}: the cluster's extension cannot be passed on as JSON") from None
    try:
        completed = subprocess.run(
            [config.command, *config.args],
            env=env,
            stdin=None if interactive else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=None if interactive else subprocess.PIPE,
            check=False,
        )
    except FileNotFoundError:
        hint = f"\n\n{config.install_hint.strip()}" if config.install_hint else ""
        raise ConfigError(f"{where} not found{hint}") from None
    except OSError as exc:
        raise ConfigError(f"{where} could not be started: {exc.strerror}") from None
    except ValueError:
        # A NUL or unencodable character in an argument or the environment (ExecConfig built by
        # hand; a kubeconfig's are checked at load). Raised below, not here: a UnicodeError
        # holds the value, and would ride along as the new error's __context__.
        completed = None
    if completed is None:
        raise ConfigError(
            f"{where} could not be started: its arguments or environment hold a NUL or a "
            "character the OS cannot take"
        )
    if completed.returncode != 0:
        raise ConfigError(
            f"{where} failed with exit code {completed.returncode}"
            + _stderr_tail(completed.stderr, config)
        )
    return completed.stdout


def _stderr_tail(stderr: bytes | None, config: ExecConfig) -> str:
    """The end of what a failed plugin wrote on stderr, the values we handed it masked."""
    if not stderr:
        return ""
    text = stderr.decode("utf-8", "replace")
    # Masked before the cut, so no part of a value survives at its edge.
    for secret in sorted(_handed_secrets(config), key=len, reverse=True):
        text = text.replace(secret, "***")
    text = text.strip()
    if len(text) > _STDERR_LIMIT:
        text = "..." + text[-_STDERR_LIMIT:]
    return f": {text}" if text else ""


def _handed_secrets(config: ExecConfig) -> set[str]:
    """What we gave the plugin that may be secret: env values, the proxy's password.

    A plugin that dumps its environment on failure would otherwise put them in our message.
    Values shorter than :data:`_MASKED_MIN` are left: masking every ``1`` or ``yes`` would
    garble the text and hide nothing.
    """
    secrets = {value for _, value in config.env if len(value) >= _MASKED_MIN}
    proxy = config.cluster.proxy_url if config.cluster is not None else None
    if proxy:
        try:
            password = urlsplit(proxy).password
        except ValueError:
            password = None
        if password and len(password) >= _MASKED_MIN:
            secrets.update((password, unquote(password)))
    return secrets

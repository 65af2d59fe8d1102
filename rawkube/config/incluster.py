"""In-cluster configuration: the API server and service-account credentials a pod is given."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from rawkube.config import _files
from rawkube.config._config import Config, TLSSettings, url_problem
from rawkube.config.tls import looks_like_pem
from rawkube.core._clock import SYSTEM_CLOCK, Clock
from rawkube.core._exceptions import ConfigError

__all__ = [
    "DEFAULT_SA_DIR",
    "incluster_config",
    "incluster_server",
    "incluster_unavailable_reason",
]

DEFAULT_SA_DIR = Path("/var/run/secrets/kubernetes.io/serviceaccount")
_HOST = "KUBERNETES_SERVICE_HOST"
_PORT = "KUBERNETES_SERVICE_PORT"


def incluster_unavailable_reason(environ: Mapping[str, str]) -> str | None:
    """Why ``environ`` is not a pod's environment (``"KUBERNETES_SERVICE_HOST unset"``), or None."""
    missing = [name for name in (_HOST, _PORT) if not environ.get(name)]
    if not missing:
        return None
    return " and ".join(missing) + " unset"


def incluster_server(host: str, port: str) -> str:
    """The API server URL; an IPv6 host goes in brackets (``https://[fd00::1]:443``)."""
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"https://{host}:{port}"


def incluster_config(
    service_account_dir: str | os.PathLike[str] = DEFAULT_SA_DIR,
    environ: Mapping[str, str] | None = None,
    *,
    clock: Clock = SYSTEM_CLOCK,
) -> Config:
    """The Config of a pod: server from the service env vars, the mounted service-account token.

    The token is read through :class:`~rawkube.config.auth.TokenFileAuth`, so a rotated token is
    picked up. ``ca.crt`` is the only trusted CA when present (without it, as in client-go, the
    system trust store is used). The namespace comes from ``POD_NAMESPACE`` (as client-go's
    in-cluster loader does), then the ``namespace`` file, then ``default``.

    Raises:
        ConfigError: ``KUBERNETES_SERVICE_HOST`` or ``KUBERNETES_SERVICE_PORT`` is unset or
            they make no usable URL, the token file is missing, unreadable or holds a token
            that cannot be sent, or ``ca.crt`` is unreadable or not PEM.
    """
    env = os.environ if environ is None else environ
    reason = incluster_unavailable_reason(env)
    if reason is not None:
        raise ConfigError(f"in-cluster: {reason} (not running in a pod?)")
    server = incluster_server(env[_HOST], env[_PORT])
    if problem := url_problem(server):
        raise ConfigError(f"in-cluster: {_HOST} and {_PORT} give a server URL that {problem}")
    from rawkube.config.auth import TokenFileAuth  # the credential flows load on first use

    directory = Path(service_account_dir)
    auth = TokenFileAuth(directory / "token", clock)
    try:
        auth.token()
    except ConfigError as exc:
        raise ConfigError(f"in-cluster: service-account token missing: {exc}") from None
    return Config(
        server=server,
        namespace=_namespace(directory, env),
        tls=TLSSettings(ca_pem=_read_ca(directory / "ca.crt")),
        auth=auth,
        clock=clock,
        source="in-cluster",
    )


def _read_ca(path: Path) -> bytes | None:
    try:
        data = _files.read_limited(path, _files.MAX_REFERENCED_FILE_BYTES)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ConfigError(f"in-cluster: cannot read {path}: {exc.strerror}") from None
    if not looks_like_pem(data):
        raise ConfigError(f"in-cluster: {path} is not a PEM certificate")
    return data


def _namespace(directory: Path, environ: Mapping[str, str]) -> str:
    from_env = environ.get("POD_NAMESPACE", "").strip()
    if from_env:
        return from_env
    try:
        data = _files.read_limited(directory / "namespace", _files.MAX_REFERENCED_FILE_BYTES)
        from_file = data.decode("utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return "default"
    return from_file or "default"

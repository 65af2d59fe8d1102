"""Connection settings: kubeconfig files, in-cluster settings, credential flows and TLS."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rawkube._public import public_dir, publish
from rawkube.config._config import (
    ClientCertificate,
    Config,
    Credentials,
    Impersonation,
    TLSSettings,
)
from rawkube.config.incluster import incluster_config
from rawkube.config.load import load_config
from rawkube.config.tls import build_ssl_context

if TYPE_CHECKING:
    from rawkube.config.auth import BasicAuth, BearerTokenAuth, ExecAuth, TokenFileAuth
    from rawkube.config.exec import ExecConfig

# The credential flows and the exec plugin runner load on first use: a Config built from a
# kubeconfig loads what it needs, and a program that runs no plugin never loads subprocess.
_LAZY = {
    "BasicAuth": "auth",
    "BearerTokenAuth": "auth",
    "ExecAuth": "auth",
    "ExecConfig": "exec",
    "TokenFileAuth": "auth",
}
# The public submodules, reachable as attributes (some `import rawkube.config` used to load).
_SUBMODULES = ("auth", "build", "exec", "incluster", "kubeconfig", "load", "tls")


def __getattr__(name: str) -> Any:
    from importlib import import_module

    if name in _SUBMODULES:
        return import_module(f"{__name__}.{name}")
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # later lookups find it without calling this again
    publish(__name__, globals(), [name])
    return value


def __dir__() -> list[str]:
    return public_dir(globals(), __all__, _SUBMODULES)


__all__ = [
    "BasicAuth",
    "BearerTokenAuth",
    "ClientCertificate",
    "Config",
    "Credentials",
    "ExecAuth",
    "ExecConfig",
    "Impersonation",
    "TLSSettings",
    "TokenFileAuth",
    "build_ssl_context",
    "incluster_config",
    "load_config",
]

publish(__name__, globals(), __all__)

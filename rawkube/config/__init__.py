"""Connection settings: kubeconfig files, in-cluster settings, credential flows and TLS."""

from __future__ import annotations

from rawkube.config._config import (
    ClientCertificate,
    Config,
    Credentials,
    Impersonation,
    TLSSettings,
)
from rawkube.config.auth import BasicAuth, BearerTokenAuth, ExecAuth, TokenFileAuth
from rawkube.config.exec import ExecConfig
from rawkube.config.incluster import incluster_config
from rawkube.config.load import load_config
from rawkube.config.tls import build_ssl_context

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

"""Build an ``ssl.SSLContext`` from TLSSettings: whom to trust, and the client certificate."""

from __future__ import annotations

import os
import ssl
import tempfile
from pathlib import Path

from rawkube.config._config import ClientCertificate, TLSSettings
from rawkube.core._exceptions import ConfigError

__all__ = ["build_ssl_context", "looks_like_pem"]


def build_ssl_context(settings: TLSSettings) -> ssl.SSLContext:
    """Build the TLS context for ``settings``.

    With ``ca_pem`` set, only that CA is trusted (as kubectl does); otherwise the system's trust
    store. ``verify=False`` checks neither the chain nor the host name. ``server_name`` is not
    applied here: the client sends it per request (httpx's ``sni_hostname`` extension).

    Raises:
        ConfigError: the CA or client certificate/key is not valid PEM, the key does not match the
            certificate or is encrypted, or ``verify=False`` is combined with ``ca_pem``.
    """
    if not settings.verify:
        if settings.ca_pem is not None:
            # client-go refuses this too: a CA that is then ignored hides a mistake.
            raise ConfigError("a CA certificate cannot be combined with skipping TLS verification")
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    elif settings.ca_pem is not None:
        context = _context_trusting_only(settings.ca_pem)
    else:
        context = ssl.create_default_context()
    if settings.client_cert is not None:
        _load_client_certificate(context, settings.client_cert)
    return context


def looks_like_pem(data: bytes) -> bool:
    """Whether ``data`` holds at least one PEM block: a cheap check to fail early and clearly."""
    return b"-----BEGIN " in data


def _context_trusting_only(ca_pem: bytes) -> ssl.SSLContext:
    try:
        # Given cadata, create_default_context skips the system store: the CA alone is trusted.
        return ssl.create_default_context(cadata=ca_pem.decode("ascii"))
    except (UnicodeDecodeError, ssl.SSLError, ValueError) as exc:
        raise ConfigError(f"CA certificate is not valid PEM ({_reason(exc)})") from exc


def _load_client_certificate(context: ssl.SSLContext, cert: ClientCertificate) -> None:
    # The ssl module loads a key only from a file: write both to a private directory, load them
    # and delete them at once, so the key rests on disk for as short a time as possible.
    directory = tempfile.mkdtemp(prefix="rawkube-tls-")
    cert_path = Path(directory, "client.crt")
    key_path = Path(directory, "client.key")
    try:
        _write_private(cert_path, cert.cert_pem)
        _write_private(key_path, cert.key_pem)
        # A password callback that returns nothing: an encrypted key fails instead of prompting.
        context.load_cert_chain(cert_path, key_path, password=_no_password)
    except ssl.SSLError as exc:
        raise ConfigError(
            "client certificate or key is not valid PEM, is encrypted, or they do not match "
            f"({_reason(exc)})"
        ) from exc
    finally:
        for path in (cert_path, key_path):
            path.unlink(missing_ok=True)
        os.rmdir(directory)


def _write_private(path: Path, data: bytes) -> None:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(path, flags, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def _no_password() -> bytes:
    return b""


def _reason(exc: Exception) -> str:
    """A short description from OpenSSL's reason or message, which never quote the input."""
    if isinstance(exc, ssl.SSLError):
        if exc.reason:
            return str(exc.reason)
        if len(exc.args) > 1 and isinstance(exc.args[1], str):
            return exc.args[1]
    return type(exc).__name__

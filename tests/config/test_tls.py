"""Tests for rawkube.config.tls: real handshakes in memory against a test PKI."""

from __future__ import annotations

import os
import ssl
import stat
from pathlib import Path
from typing import Any

import pytest

from rawkube.config import ClientCertificate, Config, TLSSettings, build_ssl_context
from rawkube.core._exceptions import ConfigError
from tests.config.conftest import Pki


def _server_context(pki: Pki, tmp_path: Path, *, require_client_cert: bool) -> ssl.SSLContext:
    (tmp_path / "server.crt").write_bytes(pki.server_cert)
    (tmp_path / "server.key").write_bytes(pki.server_key)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp_path / "server.crt", tmp_path / "server.key")
    if require_client_cert:
        context.verify_mode = ssl.CERT_REQUIRED
        context.load_verify_locations(cadata=pki.ca_cert.decode())
    return context


def _handshake(client_context: ssl.SSLContext, server_context: ssl.SSLContext) -> dict[str, Any]:
    """Run a TLS handshake between two in-memory endpoints; return the client cert the server saw."""
    client_in, client_out, server_in, server_out = (ssl.MemoryBIO() for _ in range(4))
    client = client_context.wrap_bio(client_in, client_out, server_hostname="localhost")
    server = server_context.wrap_bio(server_in, server_out, server_side=True)
    client_done = server_done = False
    for _ in range(10):
        if not client_done:
            try:
                client.do_handshake()
                client_done = True
            except ssl.SSLWantReadError:
                pass
        server_in.write(client_out.read())
        if not server_done:
            try:
                server.do_handshake()
                server_done = True
            except ssl.SSLWantReadError:
                pass
        client_in.write(server_out.read())
        if client_done and server_done:
            break
    assert client_done
    assert server_done
    return server.getpeercert() or {}


def _common_name(cert: dict[str, Any]) -> str:
    return str(next(value for rdn in cert["subject"] for key, value in rdn if key == "commonName"))


def test_given_ca_is_trusted(pki: Pki, tmp_path: Path) -> None:
    context = build_ssl_context(TLSSettings(ca_pem=pki.ca_cert))
    _handshake(context, _server_context(pki, tmp_path, require_client_cert=False))
    assert context.check_hostname is True
    assert context.verify_mode == ssl.CERT_REQUIRED


def test_given_ca_is_the_only_one_trusted(pki: Pki) -> None:
    context = build_ssl_context(TLSSettings(ca_pem=pki.ca_cert))
    assert [_common_name(ca) for ca in context.get_ca_certs()] == ["ca"]


def test_server_signed_by_another_ca_is_refused(pki: Pki, tmp_path: Path) -> None:
    context = build_ssl_context(TLSSettings(ca_pem=pki.other_ca_cert))
    with pytest.raises(ssl.SSLCertVerificationError):
        _handshake(context, _server_context(pki, tmp_path, require_client_cert=False))


def test_default_trust_store_does_not_know_the_test_ca(pki: Pki, tmp_path: Path) -> None:
    context = build_ssl_context(TLSSettings())
    with pytest.raises(ssl.SSLCertVerificationError):
        _handshake(context, _server_context(pki, tmp_path, require_client_cert=False))


def test_verify_off_accepts_any_server(pki: Pki, tmp_path: Path) -> None:
    context = build_ssl_context(TLSSettings(verify=False))
    assert context.check_hostname is False
    assert context.verify_mode == ssl.CERT_NONE
    _handshake(context, _server_context(pki, tmp_path, require_client_cert=False))


def test_verify_off_with_a_ca_is_refused(pki: Pki) -> None:
    with pytest.raises(ConfigError, match="CA certificate cannot be combined"):
        build_ssl_context(TLSSettings(verify=False, ca_pem=pki.ca_cert))


@pytest.mark.parametrize(
    "ca", [b"not a certificate", b"\xff\xfe", b"-----BEGIN CERTIFICATE-----\n"]
)
def test_bad_ca_pem_is_a_config_error(ca: bytes) -> None:
    with pytest.raises(ConfigError, match="CA certificate is not valid PEM"):
        build_ssl_context(TLSSettings(ca_pem=ca))


def test_client_certificate_is_presented(pki: Pki, tmp_path: Path) -> None:
    client_cert = ClientCertificate(pki.client_cert, pki.client_key)
    context = build_ssl_context(TLSSettings(ca_pem=pki.ca_cert, client_cert=client_cert))
    seen = _handshake(context, _server_context(pki, tmp_path, require_client_cert=True))
    assert _common_name(seen) == "client"


def test_client_key_files_are_private_and_removed(
    pki: Pki, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = ssl.SSLContext.load_cert_chain
    seen: list[tuple[str, int, int]] = []

    def spy(self: ssl.SSLContext, certfile: Any, keyfile: Any = None, password: Any = None) -> None:
        for path in (certfile, keyfile):
            seen.append((os.fspath(path), stat.S_IMODE(os.stat(path).st_mode), 0))
        directory = os.path.dirname(os.fspath(keyfile))
        seen.append((directory, stat.S_IMODE(os.stat(directory).st_mode), 1))
        original(self, certfile, keyfile, password)

    monkeypatch.setattr(ssl.SSLContext, "load_cert_chain", spy)
    build_ssl_context(TLSSettings(client_cert=ClientCertificate(pki.client_cert, pki.client_key)))
    assert [mode for _, mode, is_dir in seen if not is_dir] == [0o600, 0o600]
    assert [mode for _, mode, is_dir in seen if is_dir] == [0o700]
    assert all(not os.path.exists(path) for path, _, _ in seen)


def test_files_are_removed_when_loading_fails(pki: Pki, monkeypatch: pytest.MonkeyPatch) -> None:
    original = ssl.SSLContext.load_cert_chain
    paths: list[str] = []

    def spy(self: ssl.SSLContext, certfile: Any, keyfile: Any = None, password: Any = None) -> None:
        paths.extend((os.fspath(certfile), os.fspath(keyfile)))
        original(self, certfile, keyfile, password)

    monkeypatch.setattr(ssl.SSLContext, "load_cert_chain", spy)
    with pytest.raises(ConfigError):
        build_ssl_context(TLSSettings(client_cert=ClientCertificate(pki.client_cert, b"junk")))
    assert paths
    assert not any(os.path.exists(path) for path in paths)
    assert not os.path.exists(os.path.dirname(paths[0]))


@pytest.mark.parametrize(
    "which", ["garbage key", "mismatched key", "encrypted key", "garbage cert"]
)
def test_bad_client_certificate_is_a_config_error_without_key_material(
    pki: Pki, which: str
) -> None:
    cert, key = {
        "garbage key": (pki.client_cert, b"-----BEGIN PRIVATE KEY-----\nc2VjcmV0\n"),
        "mismatched key": (pki.client_cert, pki.server_key),
        "encrypted key": (pki.client_cert, pki.client_key_encrypted),
        "garbage cert": (b"-----BEGIN CERTIFICATE-----\nc2VjcmV0\n", pki.client_key),
    }[which]
    with pytest.raises(ConfigError, match="client certificate or key") as caught:
        build_ssl_context(TLSSettings(client_cert=ClientCertificate(cert, key)))
    message = str(caught.value)
    for secret in (key, pki.client_key, b"c2VjcmV0"):
        for line in secret.decode().splitlines()[1:-1]:
            assert line not in message


def test_config_builds_its_context_once_and_with_a_plugin_certificate(pki: Pki) -> None:
    config = Config(server="https://k8s.example", tls=TLSSettings(ca_pem=pki.ca_cert))
    assert config.ssl_context is config.ssl_context
    context = config.ssl_context_with(ClientCertificate(pki.client_cert, pki.client_key))
    assert context is not config.ssl_context
    assert [_common_name(ca) for ca in context.get_ca_certs()] == ["ca"]

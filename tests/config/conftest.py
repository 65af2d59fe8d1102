"""Fixtures for the config tests: a throw-away PKI made with openssl, kubeconfig writers, capture."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml


@dataclass(frozen=True)
class Pki:
    """PEM bytes: a CA, a server and a client certificate it signed, and a stranger CA."""

    ca_cert: bytes
    server_cert: bytes
    server_key: bytes
    client_cert: bytes
    client_key: bytes
    client_key_encrypted: bytes
    other_ca_cert: bytes


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def _make_ca(name: str, cwd: Path) -> None:
    _openssl(
        "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", f"{name}.key", "-out", f"{name}.crt", "-days", "2", "-subj", f"/CN={name}",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        cwd=cwd,
    )  # fmt: skip


def _make_leaf(name: str, usage: str, serial: int, cwd: Path) -> None:
    (cwd / f"{name}.ext").write_text(
        "basicConstraints=critical,CA:FALSE\n"
        "keyUsage=critical,digitalSignature\n"
        f"extendedKeyUsage={usage}\n"
        "subjectAltName=DNS:localhost\n"
        "authorityKeyIdentifier=keyid\n"
        "subjectKeyIdentifier=hash\n"
    )
    _openssl(
        "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", f"{name}.key", "-out", f"{name}.csr", "-subj", f"/CN={name}",
        cwd=cwd,
    )  # fmt: skip
    _openssl(
        "x509", "-req", "-in", f"{name}.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
        "-set_serial", str(serial), "-days", "2",
        "-extfile", f"{name}.ext", "-out", f"{name}.crt",
        cwd=cwd,
    )  # fmt: skip


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    """Certificates generated once per session with the openssl CLI (cryptography is no dep)."""
    return make_pki(tmp_path_factory.mktemp("pki"))


def make_pki(cwd: Path) -> Pki:
    """A fresh Pki made in the directory ``cwd``; skips the test without the openssl command."""
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is needed to generate test certificates")
    _make_ca("ca", cwd)
    _make_ca("other-ca", cwd)
    _make_leaf("server", "serverAuth", 1001, cwd)
    _make_leaf("client", "clientAuth", 1002, cwd)
    _openssl(
        "pkey", "-in", "client.key", "-aes256", "-passout", "pass:hunter2", "-out", "client-enc.key",
        cwd=cwd,
    )  # fmt: skip

    def read(name: str) -> bytes:
        return (cwd / name).read_bytes()

    return Pki(
        ca_cert=read("ca.crt"),
        server_cert=read("server.crt"),
        server_key=read("server.key"),
        client_cert=read("client.crt"),
        client_key=read("client.key"),
        client_key_encrypted=read("client-enc.key"),
        other_ca_cert=read("other-ca.crt"),
    )


def rewrite_keeping_stamp(path: Path, text: str) -> None:
    """Change a file's content but not what stat shows (same size, mtime and inode).

    Then only a token file's refresh interval, or a forced re-read, can notice the change.
    """
    before = path.stat()
    path.write_text(text)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = path.stat()
    assert (after.st_mtime_ns, after.st_size, after.st_ino) == (
        before.st_mtime_ns,
        before.st_size,
        before.st_ino,
    )


WriteYaml = Callable[[Path, Any], Path]


@pytest.fixture
def write_yaml() -> WriteYaml:
    """Write a document as YAML (creating parent directories) and return the path."""

    def write(path: Path, document: Any) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(document, sort_keys=False))
        return path

    return write


def kubeconfig_doc(
    *,
    clusters: dict[str, dict[str, Any]] | None = None,
    users: dict[str, dict[str, Any]] | None = None,
    contexts: dict[str, dict[str, Any]] | None = None,
    current: str | None = None,
) -> dict[str, Any]:
    """A kubeconfig document from name -> body maps (the list-of-named-entries layout)."""
    doc: dict[str, Any] = {"apiVersion": "v1", "kind": "Config"}
    if clusters is not None:
        doc["clusters"] = [{"name": n, "cluster": body} for n, body in clusters.items()]
    if users is not None:
        doc["users"] = [{"name": n, "user": body} for n, body in users.items()]
    if contexts is not None:
        doc["contexts"] = [{"name": n, "context": body} for n, body in contexts.items()]
    if current is not None:
        doc["current-context"] = current
    return doc


@pytest.fixture
def make_kubeconfig() -> Callable[..., dict[str, Any]]:
    """The :func:`kubeconfig_doc` builder, as a fixture so test modules need no imports."""
    return kubeconfig_doc


Capture = Callable[..., list[httpx.Request]]


def _snapshot(request: httpx.Request) -> httpx.Request:
    """A copy: an auth flow retries by changing the same request object in place."""
    return httpx.Request(
        request.method, request.url, headers=request.headers.copy(), content=request.read()
    )


@pytest.fixture
def capture() -> Capture:
    """Send one GET through ``auth`` to a mock server answering ``statuses`` in turn.

    Returns every request the server saw (a retried request shows up twice).
    """

    def send(
        auth: httpx.Auth, statuses: Iterable[int] = (200,), headers: dict[str, str] | None = None
    ) -> list[httpx.Request]:
        seen: list[httpx.Request] = []
        answers = iter(statuses)

        def handler(request: httpx.Request) -> httpx.Response:
            seen.append(_snapshot(request))
            return httpx.Response(next(answers, 200))

        with httpx.Client(auth=auth, transport=httpx.MockTransport(handler)) as client:
            client.get("https://k8s.example/api", headers=headers)
        return seen

    return send


@pytest.fixture
def acapture() -> Callable[..., Any]:
    """Async twin of :func:`capture` (an ``httpx.AsyncClient``)."""

    async def send(auth: httpx.Auth, statuses: Iterable[int] = (200,)) -> list[httpx.Request]:
        seen: list[httpx.Request] = []
        answers = iter(statuses)

        def handler(request: httpx.Request) -> httpx.Response:
            seen.append(_snapshot(request))
            return httpx.Response(next(answers, 200))

        async with httpx.AsyncClient(auth=auth, transport=httpx.MockTransport(handler)) as client:
            await client.get("https://k8s.example/api")
        return seen

    return send

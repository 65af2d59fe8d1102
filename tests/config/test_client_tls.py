"""End to end over real TLS on loopback: the client verifies the server and presents its certificate."""

from __future__ import annotations

import base64
import json
import ssl
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

import rawkube
from tests.config.conftest import Pki


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        peer = self.connection.getpeercert()  # type: ignore[attr-defined]
        subject = dict(item[0] for item in peer["subject"]) if peer else {}
        body = json.dumps({"path": self.path, "client": subject.get("commonName")}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def https_server(pki: Pki, tmp_path: Path) -> Iterator[str]:
    """An HTTPS server on 127.0.0.1 with a certificate for "localhost" that asks for a client cert."""
    (tmp_path / "server.crt").write_bytes(pki.server_cert)
    (tmp_path / "server.key").write_bytes(pki.server_key)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp_path / "server.crt", tmp_path / "server.key")
    context.load_verify_locations(cadata=pki.ca_cert.decode())
    context.verify_mode = ssl.CERT_OPTIONAL
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def write_config(tmp_path: Path, write_yaml, make_kubeconfig, cluster: dict, user: dict) -> Path:
    return write_yaml(
        tmp_path / "kubeconfig",
        make_kubeconfig(
            clusters={"lab": cluster},
            users={"me": user},
            contexts={"lab": {"cluster": "lab", "user": "me"}},
            current="lab",
        ),
    )


def test_client_certificate_from_kubeconfig(
    https_server, pki, tmp_path, write_yaml, make_kubeconfig
):
    path = write_config(
        tmp_path,
        write_yaml,
        make_kubeconfig,
        {
            "server": https_server,
            "certificate-authority-data": b64(pki.ca_cert),
            "tls-server-name": "localhost",
        },
        {"client-certificate-data": b64(pki.client_cert), "client-key-data": b64(pki.client_key)},
    )
    with rawkube.Client.from_kubeconfig(path) as client:
        answer = client.get().abs_path("/version").do().json()
    assert answer == {"path": "/version", "client": "client"}


def test_the_server_name_is_verified(https_server, pki, tmp_path, write_yaml, make_kubeconfig):
    # The certificate is for "localhost"; without tls-server-name, 127.0.0.1 does not match it.
    path = write_config(
        tmp_path,
        write_yaml,
        make_kubeconfig,
        {"server": https_server, "certificate-authority-data": b64(pki.ca_cert)},
        {"token": "abc"},
    )
    with (
        rawkube.Client.from_kubeconfig(path) as client,
        pytest.raises(rawkube.ConnectError, match="certificate"),
    ):
        client.get().abs_path("/version").do()


def test_a_server_signed_by_another_ca_is_refused(
    https_server, pki, tmp_path, write_yaml, make_kubeconfig
):
    path = write_config(
        tmp_path,
        write_yaml,
        make_kubeconfig,
        {
            "server": https_server,
            "certificate-authority-data": b64(pki.other_ca_cert),
            "tls-server-name": "localhost",
        },
        {"token": "abc"},
    )
    with rawkube.Client.from_kubeconfig(path) as client, pytest.raises(rawkube.ConnectError):
        client.get().abs_path("/version").do()


def test_insecure_skip_tls_verify(https_server, tmp_path, write_yaml, make_kubeconfig):
    path = write_config(
        tmp_path,
        write_yaml,
        make_kubeconfig,
        {"server": https_server, "insecure-skip-tls-verify": True},
        {"token": "abc"},
    )
    with rawkube.Client.from_kubeconfig(path) as client:
        assert client.get().abs_path("/version").do().json()["client"] is None


PLUGIN = """\
#!{python}
import json
print(json.dumps({{
    "apiVersion": "client.authentication.k8s.io/v1",
    "kind": "ExecCredential",
    "status": {{"clientCertificateData": {cert!r}, "clientKeyData": {key!r}}},
}}))
"""


@pytest.fixture
def exec_kubeconfig(https_server, pki, tmp_path, write_yaml, make_kubeconfig) -> Path:
    plugin = tmp_path / "plugin"
    plugin.write_text(
        PLUGIN.format(
            python=sys.executable, cert=pki.client_cert.decode(), key=pki.client_key.decode()
        )
    )
    plugin.chmod(0o755)
    return write_config(
        tmp_path,
        write_yaml,
        make_kubeconfig,
        {
            "server": https_server,
            "certificate-authority-data": b64(pki.ca_cert),
            "tls-server-name": "localhost",
        },
        {
            "exec": {
                "apiVersion": "client.authentication.k8s.io/v1",
                "command": str(plugin),
                "interactiveMode": "Never",
            }
        },
    )


def test_client_certificate_from_an_exec_plugin(exec_kubeconfig):
    with rawkube.Client.from_kubeconfig(exec_kubeconfig) as client:
        assert client.get().abs_path("/version").do().json()["client"] == "client"


@pytest.mark.anyio
async def test_client_certificate_from_an_exec_plugin_async(exec_kubeconfig):
    async with rawkube.AsyncClient.from_kubeconfig(exec_kubeconfig) as client:
        assert (await client.get().abs_path("/version").do()).json()["client"] == "client"

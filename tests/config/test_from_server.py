"""Config.from_server: a hand-built Config with a token, a client certificate and a CA."""

from __future__ import annotations

import pytest
import respx
from httpx import Response

import rawkube
from rawkube.config import BearerTokenAuth, TokenFileAuth
from tests.config.conftest import Pki
from tests.config.test_client_tls import https_server  # noqa: F401 - a fixture used below

SERVER = "https://k8s.test:6443"
TOKEN = "Zq9-from-server-s3cret"


@respx.mock
def test_a_token_is_sent_as_a_bearer_token_and_never_shown() -> None:
    route = respx.get(f"{SERVER}/version").mock(return_value=Response(200, json={"major": "1"}))
    config = rawkube.Config.from_server(SERVER, token=TOKEN, namespace="team")
    with rawkube.Client(config) as client:
        assert client.get().abs_path("/version").do().json() == {"major": "1"}
    assert route.calls.last.request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert config.namespace == "team"
    assert isinstance(config.auth, BearerTokenAuth)
    assert TOKEN not in repr(config)
    assert TOKEN not in repr(config.auth)
    assert TOKEN not in repr(config.replace(namespace="x"))


@respx.mock
def test_a_token_file_is_read_when_used(tmp_path) -> None:
    (tmp_path / "token").write_text(TOKEN + "\n")
    route = respx.get(f"{SERVER}/version").mock(return_value=Response(200, json={}))
    config = rawkube.Config.from_server(SERVER, token_file=tmp_path / "token")
    assert isinstance(config.auth, TokenFileAuth)
    with rawkube.Client(config) as client:
        client.get().abs_path("/version").do()
    assert route.calls.last.request.headers["Authorization"] == f"Bearer {TOKEN}"


def test_client_certificate_and_ca_over_real_tls(https_server: str, pki: Pki) -> None:  # noqa: F811
    config = rawkube.Config.from_server(
        https_server,
        client_cert_pem=pki.client_cert,
        client_key_pem=pki.client_key.decode(),  # text works as well as bytes
        ca_pem=pki.ca_cert,
        tls_server_name="localhost",
    )
    with rawkube.Client(config) as client:
        answer = client.get().abs_path("/version").do().json()
    assert answer == {"path": "/version", "client": "client"}
    assert pki.client_key.decode() not in repr(config)
    assert pki.client_key.decode() not in repr(config.tls)


def test_a_server_signed_by_another_ca_is_refused(https_server: str, pki: Pki) -> None:  # noqa: F811
    config = rawkube.Config.from_server(
        https_server, token=TOKEN, ca_pem=pki.other_ca_cert, tls_server_name="localhost"
    )
    with rawkube.Client(config) as client, pytest.raises(rawkube.ConnectError):
        client.get().abs_path("/version").do()
    insecure = rawkube.Config.from_server(https_server, token=TOKEN, verify=False)
    with rawkube.Client(insecure) as client:
        assert client.get().abs_path("/version").do().json()["path"] == "/version"


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"token": TOKEN, "token_file": "/t"}, "token or token_file, not both"),
        ({"token": TOKEN, "auth": BearerTokenAuth("x")}, "a token or auth, not both"),
        ({"client_cert_pem": b"-----BEGIN CERTIFICATE-----"}, "client_cert_pem needs client_key"),
        ({"client_key_pem": b"-----BEGIN KEY-----"}, "client_key_pem needs client_cert"),
        ({"ca_pem": "/etc/ca.crt"}, "ca_pem is not PEM data .* not its path"),
        ({"ca_pem": b"-----BEGIN CERTIFICATE-----", "verify": False}, "conflict"),
        ({"verify": False, "tls": rawkube.TLSSettings()}, "the TLS arguments or tls"),
        ({"token": "two words"}, "BearerTokenAuth: the token"),
    ],
)
def test_conflicting_or_malformed_arguments_are_named(arguments, message) -> None:
    with pytest.raises(rawkube.ConfigError, match=message) as caught:
        rawkube.Config.from_server(SERVER, **arguments)
    assert "two words" not in str(caught.value)


def test_a_key_that_is_not_pem_is_never_quoted() -> None:
    key = "not-a-pem-s3cret-key"
    with pytest.raises(rawkube.ConfigError, match="client_key_pem is not PEM") as caught:
        rawkube.Config.from_server(
            SERVER, client_cert_pem=b"-----BEGIN CERTIFICATE-----", client_key_pem=key
        )
    assert key not in str(caught.value)

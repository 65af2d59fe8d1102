"""No secret from a config reaches a repr, a log record or an exception message."""

from __future__ import annotations

import base64
import logging
import string

import httpx
import pytest
import respx
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rawkube

SERVER = "http://k8s.test:6443"

secrets = st.text(
    alphabet=string.ascii_letters + string.digits + "-._~+/=", min_size=8, max_size=40
).map(
    lambda s: "Zq9" + s  # a prefix no repr or message would produce by chance
)


def kubeconfig(tmp_path, user: dict, context_user: str = "u") -> str:
    document = {
        "apiVersion": "v1",
        "kind": "Config",
        "current-context": "c",
        "contexts": [{"name": "c", "context": {"cluster": "k", "user": context_user}}],
        "clusters": [{"name": "k", "cluster": {"server": SERVER}}],
        "users": [{"name": "u", "user": user}],
    }
    path = tmp_path / "config"
    path.write_text(yaml.safe_dump(document))
    return str(path)


def pem(label: str, body: str) -> bytes:
    return f"-----BEGIN {label}-----\n{body}\n-----END {label}-----\n".encode()


def users(secret: str) -> list[dict]:
    return [
        {"token": secret},
        {"username": "admin", "password": secret},
        {
            "client-certificate-data": base64.b64encode(pem("CERTIFICATE", "MIIB")).decode(),
            "client-key-data": base64.b64encode(pem("PRIVATE KEY", secret)).decode(),
        },
    ]


def leaked(secret: str, texts: list[str]) -> list[str]:
    encoded = base64.b64encode(secret.encode()).decode()
    return [t for t in texts if secret in t or encoded in t]


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=40)
@given(secret=secrets)
def test_no_secret_in_reprs_logs_or_errors(tmp_path, caplog, secret):
    for user in users(secret):
        path = kubeconfig(tmp_path, user)
        config = rawkube.load_config(path)
        texts = [repr(config), str(config), repr(config.auth), repr(config.tls)]
        with respx.mock, caplog.at_level(logging.DEBUG), rawkube.Client(config) as client:
            texts.append(repr(client))
            respx.get(f"{SERVER}/api/v1/pods").mock(
                side_effect=[
                    httpx.Response(
                        401,
                        json={
                            "kind": "Status",
                            "code": 401,
                            "reason": "Unauthorized",
                            "message": "Unauthorized",
                        },
                    ),
                    httpx.ConnectError("refused"),
                ]
            )
            for expected in (rawkube.UnauthorizedError, rawkube.ConnectError):
                with pytest.raises(expected) as info:
                    client.get().resource("pods").do()
                texts += [str(info.value), repr(info.value)]
        texts += [record.getMessage() for record in caplog.records]
        caplog.clear()
        assert not leaked(secret, texts), user


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=40)
@given(secret=secrets)
def test_no_secret_in_config_errors(tmp_path, secret):
    for user in users(secret):
        path = kubeconfig(tmp_path, user, context_user="missing")
        with pytest.raises(rawkube.ConfigError) as info:
            rawkube.load_config(path)
        assert not leaked(secret, [str(info.value), repr(info.value)])


def test_a_password_in_the_server_url_leaves_the_url_for_basic_auth():
    config = rawkube.Config(server="https://admin:Zq9-url-secret@k8s.test:6443")
    with respx.mock, rawkube.Client(config) as client:
        route = respx.get("https://k8s.test:6443/version").mock(
            side_effect=httpx.ConnectError("refused")
        )
        with pytest.raises(rawkube.ConnectError) as info:
            client.get().abs_path("/version").do()
        texts = [repr(config), repr(client), str(info.value), str(route.calls[0].request.url)]
    assert not [t for t in texts if "Zq9-url-secret" in t]
    assert config.server == "https://k8s.test:6443"
    sent = route.calls[0].request.headers["Authorization"]
    assert sent == "Basic " + base64.b64encode(b"admin:Zq9-url-secret").decode()

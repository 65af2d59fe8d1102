"""Server and proxy URLs: user-info kept out of URLs httpx logs and out of every repr; bad URLs refused."""

from __future__ import annotations

import base64
import logging
from pathlib import Path
from typing import Any

import pytest

import rawkube
from rawkube.config import BasicAuth, Config, TLSSettings, load_config
from rawkube.config.exec import ExecClusterInfo
from rawkube.config.kubeconfig import read_kubeconfig
from rawkube.core._exceptions import ConfigError
from tests.config.conftest import Capture, WriteYaml, kubeconfig_doc
from tests.config.loopback import Loopback, answer

SECRET = "Zq9-url-pa55"


def one_cluster(cluster: dict[str, Any], user: dict[str, Any] | None = None) -> dict[str, Any]:
    return kubeconfig_doc(
        clusters={"c": cluster},
        users={"u": user or {}},
        contexts={"dev": {"cluster": "c", "user": "u"}},
        current="dev",
    )


def basic(username: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


# --- user-info in the server URL: taken off, sent as basic auth -------------------------------


def test_server_user_info_becomes_basic_auth_and_leaves_the_url(
    tmp_path: Path, write_yaml: WriteYaml, capture: Capture
) -> None:
    server = f"https://ad%40min:{SECRET}%2F@k8s.example:6443/prefix"
    config = load_config(write_yaml(tmp_path / "config", one_cluster({"server": server})))
    assert config.server == "https://k8s.example:6443/prefix"
    assert isinstance(config.auth, BasicAuth)
    assert capture(config.auth)[0].headers["Authorization"] == basic("ad@min", f"{SECRET}/")
    assert SECRET not in repr(config)


def test_server_user_info_goes_with_a_client_certificate(
    tmp_path: Path, write_yaml: WriteYaml
) -> None:
    cert = b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
    key = b"-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n"
    user = {
        "client-certificate-data": base64.b64encode(cert).decode(),
        "client-key-data": base64.b64encode(key).decode(),
    }
    doc = one_cluster({"server": f"https://admin:{SECRET}@k8s.example"}, user)
    config = load_config(write_yaml(tmp_path / "config", doc))
    assert isinstance(config.auth, BasicAuth)
    assert config.tls.client_cert is not None


@pytest.mark.parametrize(
    "user",
    [
        {"token": "tok"},
        {"username": "u", "password": "p"},
        {"exec": {"command": "x", "apiVersion": "client.authentication.k8s.io/v1beta1"}},
    ],
    ids=["token", "basic", "exec"],
)
def test_server_user_info_with_other_credentials_is_refused(
    tmp_path: Path, write_yaml: WriteYaml, user: dict[str, Any]
) -> None:
    doc = one_cluster({"server": f"https://admin:{SECRET}@k8s.example"}, user)
    path = write_yaml(tmp_path / "config", doc)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(caught.value) == (
        f"{path}: clusters[0].cluster.server: carries a user and password, and the user has a "
        "token, basic auth or exec plugin too; remove one of them"
    )
    assert SECRET not in repr(caught.value)


def test_a_config_built_by_hand_takes_user_info_off_too(capture: Capture) -> None:
    config = Config(server=f"https://admin:{SECRET}@k8s.example:6443")
    assert config.server == "https://k8s.example:6443"
    assert isinstance(config.auth, BasicAuth)
    assert capture(config.auth)[0].headers["Authorization"] == basic("admin", SECRET)
    assert config.replace(namespace="x").auth is config.auth
    with pytest.raises(ConfigError, match="server has a user and password and auth is set too"):
        Config(server=f"https://admin:{SECRET}@k8s.example", auth=BasicAuth("a", "b"))


def test_no_request_log_line_shows_the_server_password(caplog: pytest.LogCaptureFixture) -> None:
    with Loopback(answer(200, "OK", b"{}")) as server:
        config = Config(server=server.url.replace("://", f"://admin:{SECRET}@"))
        with caplog.at_level(logging.DEBUG), rawkube.Client(config) as client:
            client.get().abs_path("/version").do()
    assert f"Authorization: {basic('admin', SECRET)}".encode() in server.requests[0]
    assert any("HTTP Request: GET" in record.getMessage() for record in caplog.records)
    assert not [r.getMessage() for r in caplog.records if SECRET in r.getMessage()]


# --- proxy-url: user-info kept for the proxy, shown nowhere ---------------------------------


def test_proxy_user_info_reaches_the_proxy_and_no_log_or_repr(
    tmp_path: Path, write_yaml: WriteYaml, caplog: pytest.LogCaptureFixture
) -> None:
    with Loopback(answer(200, "OK", b"{}")) as proxy:
        proxy_url = proxy.url.replace("://", f"://squid:{SECRET}@")
        doc = one_cluster({"server": "http://k8s.invalid:6443", "proxy-url": proxy_url})
        path = write_yaml(tmp_path / "config", doc)
        config = load_config(path)
        with caplog.at_level(logging.DEBUG), rawkube.Client(config) as client:
            client.get().abs_path("/version").do()
            texts = [repr(config), repr(client), repr(read_kubeconfig(path))]
    assert config.proxy == proxy_url
    sent = proxy.requests[0]
    assert sent.startswith(b"GET http://k8s.invalid:6443/version HTTP/1.1\r\n")
    assert f"Proxy-Authorization: {basic('squid', SECRET)}".encode() in sent
    texts += [record.getMessage() for record in caplog.records]
    assert not [text for text in texts if SECRET in text]


def test_reprs_of_config_objects_mask_url_passwords(tmp_path: Path, write_yaml: WriteYaml) -> None:
    cluster = {
        "server": f"https://admin:{SECRET}@k8s.example",
        "proxy-url": f"http://squid:{SECRET}@proxy.example:3128",
        "extensions": [{"name": "client.authentication.k8s.io/exec", "extension": {"key": SECRET}}],
    }
    parsed = read_kubeconfig(write_yaml(tmp_path / "config", one_cluster(cluster)))
    shown = repr(parsed)
    assert "https://admin:***@k8s.example" in shown
    assert "http://squid:***@proxy.example:3128" in shown
    info = ExecClusterInfo(
        server=cluster["server"], proxy_url=cluster["proxy-url"], config={"key": SECRET}
    )
    for text in (shown, repr(info)):
        assert SECRET not in text


# --- URLs nothing can be sent to: refused at load, naming the key -----------------------------

BAD_URLS = [
    ("http://[::1", "is not a valid URL"),
    ("https://k8s.example:99999", "is not a valid URL"),
    ("https://k8s.example:port", "is not a valid URL"),
    ("https://xn--a.example", "is not a valid URL"),
    ("https://\u200b.example", "is not a valid URL"),
    ("https://k8s\n.example", "is not a valid URL"),
    ("https://k8s..example", "has a host name that is not valid (an empty or too long label)"),
    ("https://" + "a" * 64 + ".example", "has a host name that is not valid"),
    ("https:///path", "has no host"),
    (f"https://admin:{SECRET}/x@k8s.example", "is not a valid URL"),
]


@pytest.mark.parametrize(("url", "problem"), BAD_URLS)
def test_a_server_url_nothing_can_be_sent_to_is_refused(
    tmp_path: Path, write_yaml: WriteYaml, url: str, problem: str
) -> None:
    path = write_yaml(tmp_path / "config", one_cluster({"server": url}))
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(caught.value).startswith(f"{path}: clusters[0].cluster.server: {problem}")
    assert SECRET not in str(caught.value)


@pytest.mark.parametrize(("url", "problem"), BAD_URLS)
def test_a_proxy_url_nothing_can_be_sent_to_is_refused(
    tmp_path: Path, write_yaml: WriteYaml, url: str, problem: str
) -> None:
    doc = one_cluster({"server": "https://k8s.example", "proxy-url": url})
    path = write_yaml(tmp_path / "config", doc)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(caught.value).startswith(f"{path}: clusters[0].cluster.proxy-url: {problem}")
    assert SECRET not in str(caught.value)


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("api..internal", "is a name that is not valid (an empty or too long label)"),
        (".internal", "is a name that is not valid (an empty or too long label)"),
        ("api internal", "is a name with a space or control character"),
        ("api\x00", "is a name with a space or control character"),
    ],
)
def test_a_tls_server_name_tls_cannot_use_is_refused(
    tmp_path: Path, write_yaml: WriteYaml, name: str, problem: str
) -> None:
    doc = one_cluster({"server": "https://k8s.example", "tls-server-name": name})
    path = write_yaml(tmp_path / "config", doc)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(caught.value) == f"{path}: clusters[0].cluster.tls-server-name: {problem}"


@pytest.mark.parametrize(
    "url",
    [
        "https://k8s.example:6443/prefix",
        "https://10.0.0.1",
        "https://[fd00::1]:6443",
        "https://bücher.example",
        "k8s.example:6443",
    ],
)
def test_ordinary_urls_load(tmp_path: Path, write_yaml: WriteYaml, url: str) -> None:
    config = load_config(write_yaml(tmp_path / "config", one_cluster({"server": url})))
    assert config.server.endswith(url.split("://")[-1])


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"server": "http://[::1"}, "explicit settings: server is not a valid URL"),
        (
            {"server": "https://k8s..example"},
            "explicit settings: server has a host name that is not valid",
        ),
        (
            {"server": "https://k8s.example", "proxy": "http://[::1"},
            "explicit settings: proxy is not a valid URL",
        ),
        (
            {"server": f"https://admin:{SECRET}/x@k8s.example"},
            "explicit settings: server is not a valid URL",
        ),
    ],
    ids=["server IPv6", "server host", "proxy", "server password with a slash"],
)
def test_a_config_built_by_hand_refuses_urls_nothing_can_be_sent_to(
    settings: dict[str, str], message: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        Config(**settings)
    assert str(caught.value).startswith(message)
    assert SECRET not in repr(caught.value)


def test_tls_settings_refuse_a_server_name_tls_cannot_send() -> None:
    with pytest.raises(ConfigError, match=r"^TLSSettings: server_name is a name that is not valid"):
        TLSSettings(server_name="api..internal")
    assert TLSSettings(server_name="api.internal").server_name == "api.internal"

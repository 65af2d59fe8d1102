"""No secret from a config reaches a repr, a log record or an exception message."""

from __future__ import annotations

import base64
import contextlib
import logging
import string
import sys
import traceback
from collections.abc import Iterator

import httpx
import pytest
import respx
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rawkube
from tests.config.conftest import Pki, make_pki
from tests.config.loopback import Loopback, answer, closed_port, status_answer

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


# --- the matrix: each secret, each way a request can fail, everything a user can see -----------

MATRIX_SECRET = "Zq9-matrix-s3cret"
PLUGIN_TOKEN = "Zq9-plugin-token"
PLUGIN = """\
#!{python}
import json, os, sys

dump = "\\n".join(f"{{name}}={{value}}" for name, value in os.environ.items())
mode = os.environ.get("PLUGIN_MODE", "token")
if mode == "fail":
    print(dump)
    print(dump, file=sys.stderr)
    sys.exit(1)
if mode == "garbage":
    print(dump)
    sys.exit(0)
status = {{"token": "{token}"}}
print(json.dumps({{"apiVersion": "client.authentication.k8s.io/v1beta1", "kind": "ExecCredential", "status": status}}))
"""


def plugin_user(tmp_path, mode: str = "token") -> dict:
    script = tmp_path / "plugin.py"
    script.write_text(PLUGIN.format(python=sys.executable, token=PLUGIN_TOKEN))
    script.chmod(0o755)
    env = [
        {"name": "PLUGIN_SECRET", "value": MATRIX_SECRET},
        {"name": "PLUGIN_MODE", "value": mode},
    ]
    exec_stanza = {
        "apiVersion": "client.authentication.k8s.io/v1beta1",
        "command": str(script),
        "env": env,
        "interactiveMode": "Never",
    }
    return {"exec": exec_stanza}


@pytest.fixture(scope="module")
def pki(tmp_path_factory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("pki"))


def source_config(tmp_path, pki, source: str, server: str) -> tuple[dict, dict, list[str]]:
    """The cluster, the user and the secrets to look for, for one kind of secret."""
    cluster = {"server": server, "insecure-skip-tls-verify": True}
    if source == "token":
        return cluster, {"token": MATRIX_SECRET}, [MATRIX_SECRET]
    if source == "password":
        return cluster, {"username": "admin", "password": MATRIX_SECRET}, [MATRIX_SECRET]
    if source == "client key":
        user = {
            "client-certificate-data": base64.b64encode(pki.client_cert).decode(),
            "client-key-data": base64.b64encode(pki.client_key).decode(),
        }
        # The key's first line is its private part (an EC key's last lines are its public key).
        private = pki.client_key.decode().splitlines()[1]
        return cluster, user, [private, base64.b64encode(pki.client_key).decode()[:40]]
    if source == "exec env":
        return cluster, plugin_user(tmp_path), [MATRIX_SECRET, PLUGIN_TOKEN]
    if source == "proxy URL password":
        # The loopback server is the proxy; the API server's name is never resolved.
        cluster["proxy-url"] = server.replace("://", f"://squid:{MATRIX_SECRET}@")
        cluster["server"] = "http://k8s.invalid:6443"
        return cluster, {}, [MATRIX_SECRET]
    cluster["server"] = server.replace("://", f"://admin:{MATRIX_SECRET}@")
    return cluster, {}, [MATRIX_SECRET]


def matrix_kubeconfig(tmp_path, cluster: dict, user: dict) -> str:
    document = {
        "apiVersion": "v1",
        "kind": "Config",
        "current-context": "c",
        "contexts": [{"name": "c", "context": {"cluster": "k", "user": "u"}}],
        "clusters": [{"name": "k", "cluster": cluster}],
        "users": [{"name": "u", "user": user}],
    }
    path = tmp_path / "config"
    path.write_text(yaml.safe_dump(document))
    return str(path)


def chain(exc: BaseException) -> list[BaseException]:
    """``exc`` and each error it was raised from or while handling."""
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def visible(exc: BaseException, records: list[logging.LogRecord]) -> list[str]:
    """Everything of a failure a user may see: messages, reprs, the traceback, log lines."""
    texts = ["".join(traceback.format_exception(exc))]
    for error in chain(exc):
        texts += [str(error), repr(error)]
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    texts += [formatter.format(record) for record in records]
    return texts


@contextlib.contextmanager
def debug_logs(caplog) -> Iterator[None]:
    with contextlib.ExitStack() as stack:
        # The engine's own loggers: httpx and httpcore, or httpx2's names for them.
        for name in ("rawkube", httpx.__name__, httpx.__name__.replace("httpx", "httpcore")):
            stack.enter_context(caplog.at_level(logging.DEBUG, logger=name))
        yield


OUTCOMES = {
    "refused": None,
    "TLS failure": answer(400, "Bad Request"),  # plain HTTP where TLS was expected
    "401": status_answer(401, "Unauthorized"),
    "403": status_answer(403, "Forbidden"),
    "429": status_answer(429, "Too Many Requests"),
    "500": status_answer(500, "Internal Server Error"),
    "read timeout": None,
}
SOURCES = ["token", "password", "client key", "exec env", "URL password", "proxy URL password"]


@pytest.mark.parametrize("outcome", list(OUTCOMES))
@pytest.mark.parametrize("source", SOURCES)
def test_no_secret_reaches_what_a_failed_request_shows(tmp_path, pki, caplog, source, outcome):
    with Loopback(OUTCOMES[outcome]) as server:
        if outcome == "refused":
            url = f"http://127.0.0.1:{closed_port()}"
        elif outcome == "TLS failure":
            url = server.url.replace("http://", "https://")
        else:
            url = server.url
        cluster, user, secrets = source_config(tmp_path, pki, source, url)
        config = rawkube.load_config(matrix_kubeconfig(tmp_path, cluster, user))
        config = config.replace(read_timeout=0.5, connect_timeout=2.0)
        with debug_logs(caplog), rawkube.Client(config) as client:
            with pytest.raises(rawkube.RawkubeError) as info:
                client.get().abs_path("/api/v1/namespaces/default/pods").do()
            texts = [*visible(info.value, caplog.records), repr(config), repr(client)]
    assert caplog.records, "DEBUG logging was on: some record was expected"
    assert bool(server.requests) == (outcome != "refused"), "the loopback server saw the request"
    leaks = [secret for secret in secrets for text in texts if secret in text]
    assert not leaks, (type(info.value).__name__, str(info.value))


@pytest.mark.parametrize("mode", ["fail", "garbage"])
def test_no_secret_reaches_what_a_failed_plugin_shows(tmp_path, caplog, mode):
    with Loopback(answer(200, "OK", b"{}")) as server:
        path = matrix_kubeconfig(tmp_path, {"server": server.url}, plugin_user(tmp_path, mode))
        config = rawkube.load_config(path)
        with debug_logs(caplog), rawkube.Client(config) as client:
            with pytest.raises(rawkube.ConfigError) as info:
                client.get().abs_path("/version").do()
            texts = visible(info.value, caplog.records)
    expected = "failed with exit code 1" if mode == "fail" else "did not print valid JSON"
    assert expected in str(info.value)
    assert not [text for text in texts if MATRIX_SECRET in text or PLUGIN_TOKEN in text]
    assert not server.requests, "no request goes out without the plugin's credential"


@pytest.mark.parametrize("proxy", ["http://user:s3/cr3t@proxy.test", "http://user:s3cr3t@[::1"])
def test_a_malformed_proxy_url_keeps_its_password_out_of_the_error_chain(proxy):
    secret = proxy.split(":")[2].split("@")[0]
    with pytest.raises(rawkube.ConfigError) as caught:
        rawkube.Config(server="https://k8s.test", proxy=proxy)
    error: BaseException | None = caught.value
    while error is not None:
        assert secret not in str(error), repr(error)
        error = error.__cause__ or error.__context__
    assert secret not in "".join(traceback.format_exception(caught.value))

"""Tests for exec credential plugins: a real plugin script, run through ExecAuth and httpx."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest

from rawkube.config import ClientCertificate, ExecAuth, ExecConfig
from rawkube.config import exec as exec_module
from rawkube.config.exec import (
    V1,
    V1BETA1,
    ExecClusterInfo,
    ExecCredential,
    credential_expired,
    decide_interactive,
    exec_info_json,
    parse_exec_credential,
    parse_rfc3339,
)
from rawkube.core._clock import FakeClock
from rawkube.core._exceptions import ConfigError
from tests.config.conftest import Capture, Pki

PLUGIN = """\
#!{python}
import json, os, signal, sys
from pathlib import Path

state = Path(os.environ["PLUGIN_STATE"])
runs = int(state.read_text()) + 1 if state.exists() else 1
state.write_text(str(runs))
record = {{
    "exec_info": os.environ.get("KUBERNETES_EXEC_INFO"),
    "args": sys.argv[1:],
    "extra": os.environ.get("EXTRA_VAR"),
    "inherited": os.environ.get("FROM_PARENT"),
}}
Path(str(state) + ".record").write_text(json.dumps(record))
go = os.environ.get("PLUGIN_WAIT_FOR")
if go:
    signal.alarm(20)  # a test that never releases the plugin fails instead of hanging
    Path(go + ".started").write_text("")
    Path(go).read_text()  # a FIFO: returns once the test has written to it
requested = json.loads(os.environ["KUBERNETES_EXEC_INFO"])["apiVersion"]
mode = os.environ.get("PLUGIN_MODE", "token")
status = {{}}
if mode == "fail":
    print(json.dumps({{"status": {{"token": "stdout-secret-on-failure"}}}}))
    sys.stderr.write("plugin broke: the identity provider is down\\n")
    sys.exit(3)
if mode == "garbage":
    print("this is not json stdout-secret-garbage")
    sys.exit(0)
if mode in ("token", "both"):
    status["token"] = "plugin-token-" + str(runs)
if mode in ("cert", "both"):
    status["clientCertificateData"] = Path(os.environ["PLUGIN_CERT"]).read_text()
    status["clientKeyData"] = Path(os.environ["PLUGIN_KEY"]).read_text()
if os.environ.get("PLUGIN_EXPIRY"):
    status["expirationTimestamp"] = os.environ["PLUGIN_EXPIRY"]
version = os.environ.get("PLUGIN_API_VERSION", requested)
print(json.dumps({{"apiVersion": version, "kind": "ExecCredential", "status": status}}))
"""

START = datetime(2026, 1, 1, tzinfo=timezone.utc)


@dataclass
class Plugin:
    """A plugin script written into tmp_path, and what it recorded on its last run."""

    path: Path
    state: Path

    def runs(self) -> int:
        return int(self.state.read_text()) if self.state.exists() else 0

    def record(self) -> dict[str, Any]:
        return dict(json.loads(Path(f"{self.state}.record").read_text()))

    def config(self, api_version: str = V1, **env: str) -> ExecConfig:
        pairs = (("PLUGIN_STATE", str(self.state)), *env.items())
        return ExecConfig(
            command=str(self.path),
            api_version=api_version,
            env=pairs,
            interactive_mode="Never",
            origin="test-kubeconfig: users[0].user.exec",
        )


@pytest.fixture
def plugin(tmp_path: Path) -> Plugin:
    path = tmp_path / "plugin.py"
    path.write_text(PLUGIN.format(python=sys.executable))
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return Plugin(path, tmp_path / "runs")


def _no_tty() -> bool:
    return False


def _tty() -> bool:
    return True


class TestTokenMode:
    @pytest.mark.parametrize("version", [V1, V1BETA1])
    def test_token_becomes_the_bearer_header(
        self, plugin: Plugin, capture: Capture, version: str
    ) -> None:
        (request,) = capture(ExecAuth(plugin.config(version), FakeClock()))
        assert request.headers["Authorization"] == "Bearer plugin-token-1"
        assert json.loads(plugin.record()["exec_info"])["apiVersion"] == version

    def test_credential_is_cached_across_requests(self, plugin: Plugin, capture: Capture) -> None:
        auth = ExecAuth(plugin.config(), FakeClock())
        for _ in range(3):
            assert capture(auth)[0].headers["Authorization"] == "Bearer plugin-token-1"
        assert plugin.runs() == 1

    def test_plugin_runs_again_once_the_credential_expires(
        self, plugin: Plugin, capture: Capture
    ) -> None:
        clock = FakeClock(START)
        auth = ExecAuth(plugin.config(PLUGIN_EXPIRY="2026-01-01T00:05:00Z"), clock)
        assert capture(auth)[0].headers["Authorization"] == "Bearer plugin-token-1"
        clock.advance(300)  # exactly at the expiry: still good
        assert capture(auth)[0].headers["Authorization"] == "Bearer plugin-token-1"
        clock.advance(1)
        assert capture(auth)[0].headers["Authorization"] == "Bearer plugin-token-2"
        assert plugin.runs() == 2

    def test_a_401_reruns_the_plugin_and_retries_once(
        self, plugin: Plugin, capture: Capture
    ) -> None:
        first, retry = capture(ExecAuth(plugin.config(), FakeClock()), statuses=[401, 200])
        assert first.headers["Authorization"] == "Bearer plugin-token-1"
        assert retry.headers["Authorization"] == "Bearer plugin-token-2"
        assert plugin.runs() == 2

    def test_a_second_401_is_returned_not_retried_again(
        self, plugin: Plugin, capture: Capture
    ) -> None:
        assert len(capture(ExecAuth(plugin.config(), FakeClock()), statuses=[401, 401])) == 2
        assert plugin.runs() == 2

    def test_invalidate_forces_a_run(self, plugin: Plugin) -> None:
        auth = ExecAuth(plugin.config(), FakeClock())
        assert auth.credential().token == "plugin-token-1"
        assert auth.credential().token == "plugin-token-1"
        auth.invalidate()
        assert auth.credential().token == "plugin-token-2"

    def test_client_certificate_is_none(self, plugin: Plugin) -> None:
        assert ExecAuth(plugin.config(), FakeClock()).client_certificate() is None

    def test_caller_authorization_is_left_alone(self, plugin: Plugin, capture: Capture) -> None:
        auth = ExecAuth(plugin.config(), FakeClock())
        (request,) = capture(auth, headers={"Authorization": "Bearer mine"})
        assert request.headers["Authorization"] == "Bearer mine"
        assert plugin.runs() == 0

    def test_repr_and_errors_hide_the_token(self, plugin: Plugin) -> None:
        auth = ExecAuth(plugin.config(), FakeClock())
        credential = auth.credential()
        assert "plugin-token" not in repr(auth)
        assert "plugin-token" not in repr(credential)


class TestClientCertificateMode:
    def test_returns_the_certificate_and_sends_no_bearer(
        self, plugin: Plugin, pki: Pki, tmp_path: Path, capture: Capture
    ) -> None:
        (tmp_path / "c.pem").write_bytes(pki.client_cert)
        (tmp_path / "k.pem").write_bytes(pki.client_key)
        config = plugin.config(
            PLUGIN_MODE="cert",
            PLUGIN_CERT=str(tmp_path / "c.pem"),
            PLUGIN_KEY=str(tmp_path / "k.pem"),
        )
        auth = ExecAuth(config, FakeClock())
        cert = auth.client_certificate()
        assert isinstance(cert, ClientCertificate)
        assert (cert.cert_pem, cert.key_pem) == (pki.client_cert, pki.client_key)
        assert pki.client_key.decode() not in repr(cert)
        assert "Authorization" not in capture(auth)[0].headers
        assert plugin.runs() == 1
        auth.invalidate()
        auth.client_certificate()
        assert plugin.runs() == 2

    def test_both_token_and_certificate(self, plugin: Plugin, pki: Pki, tmp_path: Path) -> None:
        (tmp_path / "c.pem").write_bytes(pki.client_cert)
        (tmp_path / "k.pem").write_bytes(pki.client_key)
        config = plugin.config(
            PLUGIN_MODE="both",
            PLUGIN_CERT=str(tmp_path / "c.pem"),
            PLUGIN_KEY=str(tmp_path / "k.pem"),
        )
        credential = ExecAuth(config, FakeClock()).credential()
        assert credential.token == "plugin-token-1"
        assert credential.client_certificate is not None


class TestPluginEnvironment:
    def test_exec_info_without_cluster_info(self, plugin: Plugin) -> None:
        ExecAuth(plugin.config(), FakeClock()).credential()
        assert json.loads(plugin.record()["exec_info"]) == {
            "apiVersion": V1,
            "kind": "ExecCredential",
            "spec": {"interactive": False},
        }

    def test_exec_info_with_cluster_info(self, plugin: Plugin) -> None:
        cluster = ExecClusterInfo(
            server="https://k8s.example:6443",
            tls_server_name="api.internal",
            certificate_authority_data=b"-----BEGIN CERTIFICATE-----\n",
            proxy_url="http://proxy:3128",
            disable_compression=True,
            config={"audience": "k8s"},
        )
        config = replace(plugin.config(V1BETA1), cluster=cluster)
        ExecAuth(config, FakeClock()).credential()
        assert json.loads(plugin.record()["exec_info"]) == {
            "apiVersion": V1BETA1,
            "kind": "ExecCredential",
            "spec": {
                "interactive": False,
                "cluster": {
                    "server": "https://k8s.example:6443",
                    "tls-server-name": "api.internal",
                    "certificate-authority-data": "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg==",
                    "proxy-url": "http://proxy:3128",
                    "disable-compression": True,
                    "config": {"audience": "k8s"},
                },
            },
        }

    def test_configured_env_is_added_to_ours(
        self, plugin: Plugin, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("FROM_PARENT", "inherited")
        monkeypatch.setenv("EXTRA_VAR", "from-parent")
        ExecAuth(plugin.config(EXTRA_VAR="from-config"), FakeClock()).credential()
        record = plugin.record()
        assert (record["extra"], record["inherited"]) == ("from-config", "inherited")

    def test_args_are_passed(self, plugin: Plugin) -> None:
        config = replace(plugin.config(), args=("get-token", "--cluster", "prod"))
        ExecAuth(config, FakeClock()).credential()
        assert plugin.record()["args"] == ["get-token", "--cluster", "prod"]

    @pytest.mark.parametrize(
        ("mode", "tty", "interactive"),
        [("Never", True, False), ("IfAvailable", True, True), ("IfAvailable", False, False)],
    )
    def test_interactive_mode(
        self, plugin: Plugin, mode: Any, tty: bool, interactive: bool
    ) -> None:
        config = replace(plugin.config(), interactive_mode=mode)
        ExecAuth(config, FakeClock(), stdin_is_tty=_tty if tty else _no_tty).credential()
        assert json.loads(plugin.record()["exec_info"])["spec"]["interactive"] is interactive

    def test_always_interactive_without_a_terminal_is_an_error(self, plugin: Plugin) -> None:
        config = replace(plugin.config(), interactive_mode="Always")
        with pytest.raises(ConfigError, match="not a terminal"):
            ExecAuth(config, FakeClock(), stdin_is_tty=_no_tty).credential()
        assert plugin.runs() == 0


class TestPluginFailures:
    def test_missing_command_shows_the_install_hint(self, tmp_path: Path) -> None:
        config = ExecConfig(
            command=str(tmp_path / "no-such-plugin"),
            install_hint="Install it with: brew install no-such-plugin",
            interactive_mode="Never",
            origin="/x/config: users[0].user.exec",
        )
        with pytest.raises(ConfigError) as caught:
            ExecAuth(config, FakeClock()).credential()
        message = str(caught.value)
        assert "/x/config: users[0].user.exec" in message
        assert "not found" in message
        assert "brew install no-such-plugin" in message

    def test_command_that_cannot_run(self, tmp_path: Path) -> None:
        path = tmp_path / "not-executable"
        path.write_text("#!/bin/sh\n")
        config = ExecConfig(command=str(path), interactive_mode="Never")
        with pytest.raises(ConfigError, match="could not be started"):
            ExecAuth(config, FakeClock()).credential()

    def test_non_zero_exit_shows_code_and_stderr_never_stdout(self, plugin: Plugin) -> None:
        with pytest.raises(ConfigError) as caught:
            ExecAuth(plugin.config(PLUGIN_MODE="fail"), FakeClock()).credential()
        message = str(caught.value)
        assert "exit code 3" in message
        assert "the identity provider is down" in message
        assert "stdout-secret" not in message

    def test_stderr_shows_no_value_we_handed_the_plugin(self, tmp_path: Path) -> None:
        script = tmp_path / "dump-env"
        script.write_text(
            '#!/bin/sh\necho "token=$SECRET_TOKEN mode=$MODE" >&2\n'
            'echo "$KUBERNETES_EXEC_INFO" >&2\nexit 2\n'
        )
        script.chmod(0o755)
        cluster = ExecClusterInfo(
            server="https://k8s.example", proxy_url="http://squid:pr0xy-pa55@proxy:3128"
        )
        config = ExecConfig(
            command=str(script),
            env=(("SECRET_TOKEN", "env-s3cret-value"), ("MODE", "on")),
            interactive_mode="Never",
            cluster=cluster,
        )
        with pytest.raises(ConfigError) as caught:
            ExecAuth(config, FakeClock()).credential()
        message = str(caught.value)
        assert "exit code 2: token=*** mode=on" in message  # "on" is too short to mask
        assert "http://squid:***@proxy:3128" in message
        assert "env-s3cret-value" not in message
        assert "pr0xy-pa55" not in message

    def test_output_that_is_not_json_is_not_echoed(self, plugin: Plugin) -> None:
        with pytest.raises(ConfigError, match="did not print valid JSON") as caught:
            ExecAuth(plugin.config(PLUGIN_MODE="garbage"), FakeClock()).credential()
        assert "stdout-secret" not in str(caught.value)
        assert caught.value.__cause__ is None

    def test_wrong_api_version_is_refused(self, plugin: Plugin) -> None:
        config = plugin.config(V1, PLUGIN_API_VERSION=V1BETA1)
        with pytest.raises(ConfigError, match=f"configured for {V1} but returned '{V1BETA1}'"):
            ExecAuth(config, FakeClock()).credential()

    def test_a_failed_run_is_not_cached(self, plugin: Plugin) -> None:
        auth = ExecAuth(plugin.config(PLUGIN_MODE="fail"), FakeClock())
        for _ in range(2):
            with pytest.raises(ConfigError):
                auth.credential()
        assert plugin.runs() == 2


class TestConcurrency:
    def test_two_threads_run_the_plugin_once(self, plugin: Plugin, tmp_path: Path) -> None:
        go = _gate(tmp_path)
        auth = ExecAuth(plugin.config(PLUGIN_WAIT_FOR=str(go)), FakeClock())
        results: list[ExecCredential] = []
        first = threading.Thread(target=lambda: results.append(auth.credential()))
        first.start()
        _wait_for(Path(f"{go}.started"))
        second = threading.Thread(target=lambda: results.append(auth.credential()))
        second.start()
        second.join(timeout=0.2)  # give it time to reach the lock (or, wrongly, the plugin)
        go.write_text("")
        first.join()
        second.join()
        assert plugin.runs() == 1
        assert [c.token for c in results] == ["plugin-token-1", "plugin-token-1"]


def _gate(tmp_path: Path) -> Path:
    """A FIFO the plugin blocks on until the test writes to it: a release without polling."""
    go = tmp_path / "go"
    os.mkfifo(go)
    return go


def _wait_for(path: Path) -> None:
    event = threading.Event()
    for _ in range(1000):
        if path.exists():
            return
        event.wait(0.01)
    raise AssertionError(f"{path} never appeared")


class TestAsync:
    @pytest.mark.anyio
    async def test_token_and_cache(self, plugin: Plugin, acapture: Callable[..., Any]) -> None:
        auth = ExecAuth(plugin.config(), FakeClock())
        for _ in range(2):
            (request,) = await acapture(auth)
            assert request.headers["Authorization"] == "Bearer plugin-token-1"
        assert plugin.runs() == 1

    @pytest.mark.anyio
    async def test_a_401_reruns_and_retries(
        self, plugin: Plugin, acapture: Callable[..., Any]
    ) -> None:
        first, retry = await acapture(ExecAuth(plugin.config(), FakeClock()), [401, 200])
        assert first.headers["Authorization"] == "Bearer plugin-token-1"
        assert retry.headers["Authorization"] == "Bearer plugin-token-2"

    @pytest.mark.anyio
    async def test_the_event_loop_keeps_running_while_the_plugin_runs(
        self, plugin: Plugin, tmp_path: Path, acapture: Callable[..., Any]
    ) -> None:
        # The plugin waits for a file only this event loop writes: a blocked loop would fail it.
        go = _gate(tmp_path)
        auth = ExecAuth(plugin.config(PLUGIN_WAIT_FOR=str(go)), FakeClock())

        async def release() -> None:
            await anyio.to_thread.run_sync(_wait_for, Path(f"{go}.started"))
            await anyio.to_thread.run_sync(go.write_text, "")

        seen: list[httpx.Request] = []

        async def request() -> None:
            seen.extend(await acapture(auth))

        async with anyio.create_task_group() as group:
            group.start_soon(release)
            group.start_soon(request)
        assert seen[0].headers["Authorization"] == "Bearer plugin-token-1"

    @pytest.mark.anyio
    async def test_aclient_certificate(self, plugin: Plugin, pki: Pki, tmp_path: Path) -> None:
        (tmp_path / "c.pem").write_bytes(pki.client_cert)
        (tmp_path / "k.pem").write_bytes(pki.client_key)
        config = plugin.config(
            PLUGIN_MODE="cert",
            PLUGIN_CERT=str(tmp_path / "c.pem"),
            PLUGIN_KEY=str(tmp_path / "k.pem"),
        )
        cert = await ExecAuth(config, FakeClock()).aclient_certificate()
        assert cert is not None
        assert cert.cert_pem == pki.client_cert


# --- the pure parts ------------------------------------------------------------------------------

_CONFIG = ExecConfig(command="plugin", api_version=V1, origin="f: users[0].user.exec")


def _output(**overrides: Any) -> bytes:
    body: dict[str, Any] = {"apiVersion": V1, "kind": "ExecCredential", "status": {"token": "t"}}
    body.update(overrides)
    return json.dumps(body).encode()


@pytest.mark.parametrize(
    ("stdout", "problem"),
    [
        (b"[]", "not an ExecCredential object"),
        (_output(kind="Secret"), "kind is not ExecCredential"),
        (_output(apiVersion="v1"), "returned another apiVersion"),
        (_output(status=None), "returned no status"),
        (_output(status={}), "neither a token nor a client certificate"),
        (_output(status={"token": 5}), "status.token is not a string"),
        (_output(status={"clientCertificateData": "c"}), "only one of"),
        (_output(status={"clientKeyData": "k"}), "only one of"),
        (
            _output(status={"token": "t", "expirationTimestamp": "tomorrow"}),
            "expirationTimestamp is not RFC 3339",
        ),
    ],
)
def test_bad_exec_credentials(stdout: bytes, problem: str) -> None:
    with pytest.raises(ConfigError, match=problem) as caught:
        parse_exec_credential(stdout, _CONFIG)
    assert str(caught.value).startswith("f: users[0].user.exec: exec plugin 'plugin'")


def test_exec_credential_with_expiry() -> None:
    stdout = _output(status={"token": "t", "expirationTimestamp": "2026-01-01T01:00:00+01:00"})
    credential = parse_exec_credential(stdout, _CONFIG)
    assert credential.token == "t"
    assert credential.expires_at == START


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-01-01T00:00:00Z", START),
        ("2026-01-01t00:00:00z", START),
        ("2026-01-01T00:00:00.123456789Z", START + timedelta(microseconds=123456)),
        ("2026-01-01T00:00:00.5Z", START + timedelta(milliseconds=500)),
        ("2026-01-01T05:30:00+05:30", START),
        ("2025-12-31T19:00:00-05:00", START),
    ],
)
def test_parse_rfc3339(text: str, expected: datetime) -> None:
    assert parse_rfc3339(text) == expected


@pytest.mark.parametrize("text", ["2026-01-01", "2026-01-01T00:00:00", "2026-13-01T00:00:00Z", ""])
def test_parse_rfc3339_refuses(text: str) -> None:
    with pytest.raises(ValueError, match=r"RFC 3339|month"):
        parse_rfc3339(text)


def test_credential_expiry_rule() -> None:
    assert not credential_expired(ExecCredential(token="t"), START)
    expiring = ExecCredential(token="t", expires_at=START)
    assert not credential_expired(expiring, START)
    assert credential_expired(expiring, START + timedelta(microseconds=1))


def test_decide_interactive() -> None:
    always = replace(_CONFIG, interactive_mode="Always")
    assert decide_interactive(always, True) is True
    with pytest.raises(ConfigError, match=r"f: users\[0\]\.user\.exec: interactiveMode is Always"):
        decide_interactive(always, False)
    assert decide_interactive(replace(_CONFIG, interactive_mode="Never"), True) is False


def test_exec_info_is_compact_json() -> None:
    assert exec_info_json(_CONFIG, True) == (
        '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential",'
        '"spec":{"interactive":true}}'
    )


def test_plugin_stdin_is_empty_unless_interactive(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[dict[str, Any]] = []

    def fake_run(args: list[str], **kwargs: Any) -> Any:
        calls.append(kwargs)
        return subprocess.CompletedProcess(args, 0, _output(), b"")

    monkeypatch.setattr(subprocess, "run", fake_run)
    exec_module.run_exec_plugin(_CONFIG, interactive=False, environ={})
    exec_module.run_exec_plugin(_CONFIG, interactive=True, environ={})
    assert calls[0]["stdin"] == subprocess.DEVNULL
    assert calls[1]["stdin"] is None
    assert calls[1]["stderr"] is None  # the plugin may prompt on stderr
    assert os.environ.get("KUBERNETES_EXEC_INFO") is None  # never set in our own environment

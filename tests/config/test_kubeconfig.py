"""Tests for the kubeconfig model: parsing, merging, context choice, and the Config it builds."""

from __future__ import annotations

import base64
import importlib.util
import stat
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from rawkube.config import (
    BasicAuth,
    BearerTokenAuth,
    ExecAuth,
    Impersonation,
    TokenFileAuth,
)
from rawkube.config._fields import Origin
from rawkube.config.build import config_from_kubeconfig
from rawkube.config.exec import V1, V1BETA1
from rawkube.config.kubeconfig import (
    Cluster,
    Context,
    Kubeconfig,
    User,
    merge_kubeconfigs,
    parse_kubeconfig,
    read_kubeconfig,
    select_context,
)
from rawkube.core._clock import FakeClock
from rawkube.core._exceptions import ConfigError
from tests.config.conftest import Capture, WriteYaml

MakeDoc = Callable[..., dict[str, Any]]

TOKEN = "kubeconfig-s3cr3t-token"
PASSWORD = "kubeconfig-pa55word"
CA_PEM = b"-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n"
CERT_PEM = b"-----BEGIN CERTIFICATE-----\nMIIBcert\n-----END CERTIFICATE-----\n"
KEY_PEM = b"-----BEGIN PRIVATE KEY-----\nMIIBkeysecret\n-----END PRIVATE KEY-----\n"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def simple(
    make: MakeDoc, user: dict[str, Any] | None = None, cluster: dict[str, Any] | None = None
) -> dict[str, Any]:
    """One context 'dev' -> cluster 'c' (with ``cluster`` fields added) + user 'u'."""
    return make(
        clusters={"c": {"server": "https://k8s.example:6443", **(cluster or {})}},
        users={"u": user or {}},
        contexts={"dev": {"cluster": "c", "user": "u"}},
        current="dev",
    )


def build(path: Path, **kwargs: Any) -> Any:
    return config_from_kubeconfig(read_kubeconfig(path), clock=FakeClock(), **kwargs)


class TestParse:
    def test_full_cluster_and_user(
        self, tmp_path: Path, write_yaml: WriteYaml, make_kubeconfig: MakeDoc
    ) -> None:
        doc = make_kubeconfig(
            clusters={
                "c": {
                    "server": "https://k8s.example:6443/prefix/",
                    "certificate-authority-data": b64(CA_PEM),
                    "tls-server-name": "api.internal",
                    "proxy-url": "http://proxy.example:3128",
                    "disable-compression": True,
                }
            },
            users={
                "u": {
                    "client-certificate-data": b64(CERT_PEM),
                    "client-key-data": b64(KEY_PEM),
                    "token": TOKEN,
                    "as": "jane",
                    "as-uid": "42",
                    "as-groups": ["devs", "ops"],
                    "as-user-extra": {"scopes": ["view"]},
                }
            },
            contexts={"dev": {"cluster": "c", "user": "u", "namespace": "team-a"}},
            current="dev",
        )
        doc["preferences"] = {"colors": True}
        doc["extensions"] = [{"name": "whatever", "extension": {"a": 1}}]
        path = write_yaml(tmp_path / "config", doc)
        config = build(path)
        assert config.server == "https://k8s.example:6443/prefix"
        assert config.namespace == "team-a"
        assert config.context == "dev"
        assert config.source == f"kubeconfig {path}"
        assert config.tls.verify is True
        assert config.tls.ca_pem == CA_PEM
        assert config.tls.server_name == "api.internal"
        assert config.tls.client_cert is not None
        assert (config.tls.client_cert.cert_pem, config.tls.client_cert.key_pem) == (
            CERT_PEM,
            KEY_PEM,
        )
        assert config.proxy == "http://proxy.example:3128"
        assert config.disable_compression is True
        assert isinstance(config.auth, BearerTokenAuth)
        assert config.impersonation == Impersonation(
            user="jane", uid="42", groups=("devs", "ops"), extra={"scopes": ("view",)}
        )

    def test_namespace_defaults_to_default(
        self, tmp_path: Path, write_yaml: WriteYaml, make_kubeconfig: MakeDoc
    ) -> None:
        config = build(write_yaml(tmp_path / "config", simple(make_kubeconfig)))
        assert config.namespace == "default"
        assert config.auth is None
        assert config.impersonation is None

    def test_namespace_override(
        self, tmp_path: Path, write_yaml: WriteYaml, make_kubeconfig: MakeDoc
    ) -> None:
        config = build(write_yaml(tmp_path / "config", simple(make_kubeconfig)), namespace="other")
        assert config.namespace == "other"

    def test_empty_file_is_an_empty_kubeconfig(self, tmp_path: Path) -> None:
        config = parse_kubeconfig("", tmp_path / "config")
        assert (config.clusters, config.users, config.contexts, config.current_context) == (
            {},
            {},
            {},
            None,
        )

    def test_bare_host_server_gets_https(
        self, tmp_path: Path, write_yaml: WriteYaml, make_kubeconfig: MakeDoc
    ) -> None:
        doc = simple(make_kubeconfig)
        doc["clusters"][0]["cluster"]["server"] = "10.0.0.1:6443"
        assert build(write_yaml(tmp_path / "config", doc)).server == "https://10.0.0.1:6443"

    def test_insecure_skip_tls_verify(
        self, tmp_path: Path, write_yaml: WriteYaml, make_kubeconfig: MakeDoc
    ) -> None:
        doc = simple(make_kubeconfig, cluster={"insecure-skip-tls-verify": True})
        assert build(write_yaml(tmp_path / "config", doc)).tls.verify is False

    def test_ca_data_wins_over_ca_file(
        self, tmp_path: Path, write_yaml: WriteYaml, make_kubeconfig: MakeDoc
    ) -> None:
        doc = simple(
            make_kubeconfig,
            cluster={
                "certificate-authority": "missing.crt",
                "certificate-authority-data": b64(CA_PEM),
            },
        )
        assert build(write_yaml(tmp_path / "config", doc)).tls.ca_pem == CA_PEM

    def test_client_data_wins_over_files(
        self, tmp_path: Path, write_yaml: WriteYaml, make_kubeconfig: MakeDoc
    ) -> None:
        user = {
            "client-certificate": "missing.crt",
            "client-certificate-data": b64(CERT_PEM),
            "client-key": "missing.key",
            "client-key-data": b64(KEY_PEM),
        }
        config = build(write_yaml(tmp_path / "config", simple(make_kubeconfig, user)))
        assert config.tls.client_cert is not None
        assert config.tls.client_cert.key_pem == KEY_PEM

    def test_base64_with_line_breaks_is_accepted(
        self, tmp_path: Path, write_yaml: WriteYaml, make_kubeconfig: MakeDoc
    ) -> None:
        wrapped = b64(CA_PEM)
        wrapped = "\n".join(wrapped[i : i + 20] for i in range(0, len(wrapped), 20))
        doc = simple(make_kubeconfig, cluster={"certificate-authority-data": wrapped})
        assert build(write_yaml(tmp_path / "config", doc)).tls.ca_pem == CA_PEM

    def test_socks_proxy(
        self, tmp_path: Path, write_yaml: WriteYaml, make_kubeconfig: MakeDoc
    ) -> None:
        doc = simple(make_kubeconfig, cluster={"proxy-url": "socks5h://127.0.0.1:1080"})
        assert build(write_yaml(tmp_path / "config", doc)).proxy == "socks5h://127.0.0.1:1080"

    def test_socks_proxy_without_socksio_names_the_extra(
        self,
        tmp_path: Path,
        write_yaml: WriteYaml,
        make_kubeconfig: MakeDoc,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        real_find_spec = importlib.util.find_spec

        def find_spec(name: str, *args: Any) -> Any:
            return None if name == "socksio" else real_find_spec(name, *args)

        monkeypatch.setattr(importlib.util, "find_spec", find_spec)
        doc = simple(make_kubeconfig, cluster={"proxy-url": "socks5://127.0.0.1:1080"})
        path = write_yaml(tmp_path / "config", doc)
        with pytest.raises(ConfigError) as caught:
            build(path)
        message = str(caught.value)
        assert f"{path}: clusters[0].cluster.proxy-url" in message
        assert "pip install 'rawkube[socks]'" in message
        assert "httpx[socks]" in message


class TestRelativePaths:
    def test_paths_resolve_against_the_defining_file(
        self, tmp_path: Path, write_yaml: WriteYaml, make_kubeconfig: MakeDoc
    ) -> None:
        (tmp_path / "a" / "pki").mkdir(parents=True)
        (tmp_path / "a" / "pki" / "ca.crt").write_bytes(CA_PEM)
        (tmp_path / "b" / "keys").mkdir(parents=True)
        (tmp_path / "b" / "keys" / "u.crt").write_bytes(CERT_PEM)
        (tmp_path / "b" / "keys" / "u.key").write_bytes(KEY_PEM)
        first = write_yaml(
            tmp_path / "a" / "config",
            make_kubeconfig(
                clusters={"c": {"server": "https://k", "certificate-authority": "pki/ca.crt"}},
                contexts={"dev": {"cluster": "c", "user": "u"}},
                current="dev",
            ),
        )
        second = write_yaml(
            tmp_path / "b" / "config",
            make_kubeconfig(
                users={"u": {"client-certificate": "keys/u.crt", "client-key": "./keys/u.key"}}
            ),
        )
        merged = merge_kubeconfigs([read_kubeconfig(first), read_kubeconfig(second)])
        assert merged.clusters["c"].certificate_authority == tmp_path / "a" / "pki" / "ca.crt"
        assert merged.users["u"].client_key == tmp_path / "b" / "keys" / "u.key"
        config = config_from_kubeconfig(merged)
        assert config.tls.ca_pem == CA_PEM
        assert config.tls.client_cert is not None
        assert config.tls.client_cert.cert_pem == CERT_PEM
        assert config.source == f"kubeconfig {first}, {second}"

    def test_absolute_and_home_paths(self, tmp_path: Path, isolated_environment: Path) -> None:
        text = (
            "users:\n- name: u\n  user:\n"
            f"    client-certificate: {tmp_path}/abs.crt\n"
            "    client-key: ~/keys/u.key\n"
            "    tokenFile: ~/token\n"
        )
        user = parse_kubeconfig(text, tmp_path / "config").users["u"]
        assert user.client_certificate == tmp_path / "abs.crt"
        assert user.client_key == isolated_environment / "keys" / "u.key"
        assert user.token_file == isolated_environment / "token"


class TestMerge:
    def test_first_file_wins_for_entries_and_current_context(
        self, tmp_path: Path, write_yaml: WriteYaml, make_kubeconfig: MakeDoc
    ) -> None:
        one = write_yaml(
            tmp_path / "one",
            make_kubeconfig(
                clusters={"shared": {"server": "https://one"}},
                users={"u": {"token": "one-token"}},
                contexts={"ctx": {"cluster": "shared", "user": "u", "namespace": "one"}},
                current="ctx",
            ),
        )
        two = write_yaml(
            tmp_path / "two",
            make_kubeconfig(
                clusters={"shared": {"server": "https://two"}, "only-two": {"server": "https://2"}},
                users={"u": {"token": "two-token"}, "u2": {"username": "x", "password": "y"}},
                contexts={
                    "ctx": {"cluster": "only-two", "user": "u2"},
                    "ctx2": {"cluster": "only-two", "user": "u2"},
                },
                current="ctx2",
            ),
        )
        three = write_yaml(
            tmp_path / "three",
            make_kubeconfig(contexts={"ctx3": {"cluster": "shared", "user": "u"}}, current="ctx3"),
        )
        merged = merge_kubeconfigs([read_kubeconfig(p) for p in (one, two, three)])
        assert merged.current_context == "ctx"
        assert merged.clusters["shared"].server == "https://one"
        assert merged.users["u"].token == "one-token"
        assert merged.contexts["ctx"].namespace == "one"
        assert set(merged.clusters) == {"shared", "only-two"}
        assert set(merged.contexts) == {"ctx", "ctx2", "ctx3"}
        assert merged.files == (str(one), str(two), str(three))
        config = config_from_kubeconfig(merged, context="ctx2")
        assert (config.server, type(config.auth)) == ("https://2", BasicAuth)

    def test_a_later_file_sets_current_context_when_the_first_does_not(
        self, tmp_path: Path, write_yaml: WriteYaml, make_kubeconfig: MakeDoc
    ) -> None:
        one = write_yaml(
            tmp_path / "one", make_kubeconfig(clusters={"c": {"server": "https://one"}})
        )
        two = write_yaml(
            tmp_path / "two", make_kubeconfig(contexts={"x": {"cluster": "c"}}, current="x")
        )
        merged = merge_kubeconfigs([read_kubeconfig(one), read_kubeconfig(two)])
        assert config_from_kubeconfig(merged).context == "x"


class TestSelect:
    def _kubeconfig(self) -> Kubeconfig:
        text = (
            "clusters: [{name: c, cluster: {server: 'https://k'}}]\n"
            "contexts:\n"
            "- {name: b, context: {cluster: c}}\n"
            "- {name: a, context: {cluster: c}}\n"
        )
        return parse_kubeconfig(text, "/kc/config")

    def test_context_argument_picks_a_context(self) -> None:
        assert select_context(self._kubeconfig(), "a").context.name == "a"

    def test_unknown_context_lists_the_available_ones(self) -> None:
        with pytest.raises(
            ConfigError, match=r"context 'zzz' \(requested\) not found \(available contexts: a, b\)"
        ):
            select_context(self._kubeconfig(), "zzz")

    def test_no_current_context_and_none_given(self) -> None:
        with pytest.raises(
            ConfigError,
            match=r"^/kc/config: current-context is not set and no context was given \(available contexts: a, b\)",
        ):
            select_context(self._kubeconfig())

    def test_context_without_user_is_anonymous(self) -> None:
        assert select_context(self._kubeconfig(), "a").user is None
        config = config_from_kubeconfig(self._kubeconfig(), context="a")
        assert config.auth is None


class TestCredentials:
    def test_token_wins_over_token_file(
        self, tmp_path: Path, write_yaml: WriteYaml, make_kubeconfig: MakeDoc, capture: Capture
    ) -> None:
        (tmp_path / "token").write_text("file-token")
        path = write_yaml(
            tmp_path / "config", simple(make_kubeconfig, {"token": TOKEN, "tokenFile": "token"})
        )
        config = build(path)
        assert isinstance(config.auth, BearerTokenAuth)
        assert capture(config.auth)[0].headers["Authorization"] == f"Bearer {TOKEN}"

    def test_token_file(
        self, tmp_path: Path, write_yaml: WriteYaml, make_kubeconfig: MakeDoc, capture: Capture
    ) -> None:
        (tmp_path / "token").write_text("file-token\n")
        config = build(
            write_yaml(tmp_path / "config", simple(make_kubeconfig, {"tokenFile": "token"}))
        )
        assert isinstance(config.auth, TokenFileAuth)
        assert config.auth.path == tmp_path / "token"
        assert capture(config.auth)[0].headers["Authorization"] == "Bearer file-token"

    def test_basic_auth(
        self, tmp_path: Path, write_yaml: WriteYaml, make_kubeconfig: MakeDoc, capture: Capture
    ) -> None:
        user = {"username": "admin", "password": PASSWORD}
        config = build(write_yaml(tmp_path / "config", simple(make_kubeconfig, user)))
        expected = "Basic " + b64(f"admin:{PASSWORD}".encode())
        assert capture(config.auth)[0].headers["Authorization"] == expected

    def test_impersonation_headers(
        self, tmp_path: Path, write_yaml: WriteYaml, make_kubeconfig: MakeDoc
    ) -> None:
        user = {
            "token": TOKEN,
            "as": "jane",
            "as-groups": ["g1"],
            "as-user-extra": {"k": ["v1", "v2"]},
        }
        config = build(write_yaml(tmp_path / "config", simple(make_kubeconfig, user)))
        assert config.headers()[1:] == [
            ("Impersonate-User", "jane"),
            ("Impersonate-Group", "g1"),
            ("Impersonate-Extra-k", "v1"),
            ("Impersonate-Extra-k", "v2"),
        ]

    def test_static_credentials_win_over_exec(
        self, tmp_path: Path, write_yaml: WriteYaml, make_kubeconfig: MakeDoc
    ) -> None:
        exec_stanza = {"apiVersion": V1, "command": "never-run", "interactiveMode": "Never"}
        user = {
            "client-certificate-data": b64(CERT_PEM),
            "client-key-data": b64(KEY_PEM),
            "exec": exec_stanza,
        }
        config = build(write_yaml(tmp_path / "config", simple(make_kubeconfig, user)))
        assert config.auth is None
        assert config.tls.client_cert is not None

    def test_secrets_stay_out_of_reprs(
        self, tmp_path: Path, write_yaml: WriteYaml, make_kubeconfig: MakeDoc
    ) -> None:
        user = {
            "token": TOKEN,
            "client-certificate-data": b64(CERT_PEM),
            "client-key-data": b64(KEY_PEM),
        }
        path = write_yaml(tmp_path / "config", simple(make_kubeconfig, user))
        kubeconfig = read_kubeconfig(path)
        config = config_from_kubeconfig(kubeconfig)
        texts = [repr(config), repr(config.auth), repr(config.tls), repr(kubeconfig)]
        for secret in (TOKEN, KEY_PEM.decode(), "MIIBkeysecret", b64(KEY_PEM)):
            assert all(secret not in text for text in texts)
        basic = build(
            write_yaml(
                tmp_path / "basic", simple(make_kubeconfig, {"username": "a", "password": PASSWORD})
            )
        )
        assert PASSWORD not in repr(basic) + repr(basic.auth) + repr(
            read_kubeconfig(tmp_path / "basic")
        )


class TestExecFromKubeconfig:
    def _plugin(self, directory: Path) -> Path:
        script = directory / "bin" / "plugin.py"
        script.parent.mkdir(parents=True)
        script.write_text(
            f"#!{sys.executable}\n"
            "import json, os\n"
            "info = json.loads(os.environ['KUBERNETES_EXEC_INFO'])\n"
            "status = {'token': os.environ['TOKEN_FROM_ENV']}\n"
            "print(json.dumps({'apiVersion': info['apiVersion'], 'kind': 'ExecCredential',"
            " 'status': status, 'spec': info['spec']}))\n"
        )
        script.chmod(script.stat().st_mode | stat.S_IXUSR)
        return script

    @pytest.mark.parametrize("version", [V1, V1BETA1])
    def test_relative_command_env_and_cluster_info(
        self,
        tmp_path: Path,
        write_yaml: WriteYaml,
        make_kubeconfig: MakeDoc,
        capture: Capture,
        version: str,
    ) -> None:
        self._plugin(tmp_path)
        exec_stanza: dict[str, Any] = {
            "apiVersion": version,
            "command": "./bin/plugin.py",
            "env": [{"name": "TOKEN_FROM_ENV", "value": "exec-token"}],
            "provideClusterInfo": True,
        }
        if version == V1:
            exec_stanza["interactiveMode"] = "Never"
        extension = {"name": "client.authentication.k8s.io/exec", "extension": {"aud": "x"}}
        doc = simple(make_kubeconfig, {"exec": exec_stanza}, {"extensions": [extension]})
        config = build(write_yaml(tmp_path / "config", doc))
        assert isinstance(config.auth, ExecAuth)
        assert config.auth.config.command == str(tmp_path / "bin" / "plugin.py")
        assert config.auth.config.cluster is not None
        assert config.auth.config.cluster.config == {"aud": "x"}
        assert config.auth.config.interactive_mode == ("Never" if version == V1 else "IfAvailable")
        assert capture(config.auth)[0].headers["Authorization"] == "Bearer exec-token"

    def test_install_hint_through_kubeconfig(
        self, tmp_path: Path, write_yaml: WriteYaml, make_kubeconfig: MakeDoc
    ) -> None:
        exec_stanza = {
            "apiVersion": V1,
            "command": "rawkube-test-no-such-plugin",
            "interactiveMode": "Never",
            "installHint": "Get it from https://example.com/plugin",
        }
        path = write_yaml(tmp_path / "config", simple(make_kubeconfig, {"exec": exec_stanza}))
        config = build(path)
        assert config.auth is not None
        with pytest.raises(ConfigError) as caught:
            config.auth.client_certificate()
        assert f"{path}: users[0].user.exec" in str(caught.value)
        assert "https://example.com/plugin" in str(caught.value)


# --- every malformed input: a ConfigError naming the file and the key ----------------------------

_GOOD_CLUSTER = "clusters: [{name: c, cluster: {server: 'https://k'}}]\n"
_GOOD_CONTEXT = "contexts: [{name: dev, context: {cluster: c, user: u}}]\ncurrent-context: dev\n"


def _with_user(user: str) -> str:
    return _GOOD_CLUSTER + _GOOD_CONTEXT + f"users: [{{name: u, user: {user}}}]\n"


MALFORMED: list[tuple[str, str, str]] = [
    ("not yaml", "clusters: [\n  - {name: c\n", "not valid YAML"),
    ("not a mapping", "- just\n- a list\n", "not a mapping"),
    ("clusters not a list", "clusters: {name: c}\n", "clusters: must be a list"),
    ("entry not a mapping", "clusters: [c]\n", "clusters[0]: must be a mapping"),
    ("entry without name", "clusters: [{cluster: {server: x}}]\n", "clusters[0].name: missing"),
    (
        "duplicate name",
        "clusters: [{name: c, cluster: {}}, {name: c, cluster: {}}]\n",
        "clusters[1].name: duplicate name 'c' (also clusters[0])",
    ),
    ("body not a mapping", "users: [{name: u, user: [1]}]\n", "users[0].user: must be a mapping"),
    (
        "server wrong type",
        "clusters: [{name: c, cluster: {server: 5}}]\n",
        "clusters[0].cluster.server: must be a string",
    ),
    (
        "bool wrong type",
        "clusters: [{name: c, cluster: {insecure-skip-tls-verify: 'yes'}}]\n",
        "clusters[0].cluster.insecure-skip-tls-verify: must be true or false",
    ),
    (
        "bad base64",
        "users: [{name: a, user: {}}, {name: b, user: {client-key-data: 'not*base64!'}}]\n",
        "users[1].user.client-key-data: not valid base64",
    ),
    (
        "groups wrong type",
        "users: [{name: u, user: {as-groups: g}}]\n",
        "users[0].user.as-groups: must be a list",
    ),
    (
        "group item wrong type",
        "users: [{name: u, user: {as-groups: [g, 3]}}]\n",
        "users[0].user.as-groups[1]: must be a string",
    ),
    (
        "extra wrong type",
        "users: [{name: u, user: {as-user-extra: [a]}}]\n",
        "users[0].user.as-user-extra: must be a mapping",
    ),
    (
        "extensions wrong type",
        "clusters: [{name: c, cluster: {extensions: 1}}]\n",
        "clusters[0].cluster.extensions: must be a list",
    ),
    ("current-context wrong type", "current-context: [a]\n", "current-context: must be a string"),
]


@pytest.mark.parametrize(("case", "text", "problem"), MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_file_names_file_and_key(
    tmp_path: Path, case: str, text: str, problem: str
) -> None:
    path = tmp_path / "config"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        read_kubeconfig(path)
    assert str(caught.value).startswith(f"{path}: ")
    assert problem in str(caught.value)


SEMANTIC: list[tuple[str, str, str]] = [
    ("no current context", _GOOD_CLUSTER, "current-context is not set"),
    (
        "context names a missing cluster",
        "contexts: [{name: dev, context: {cluster: nope}}]\ncurrent-context: dev\n",
        "contexts[0].context.cluster: no cluster named 'nope'",
    ),
    (
        "context without cluster",
        "contexts: [{name: dev, context: {}}]\ncurrent-context: dev\n",
        "contexts[0].context.cluster: missing",
    ),
    (
        "context names a missing user",
        _GOOD_CLUSTER
        + "contexts: [{name: dev, context: {cluster: c, user: ghost}}]\ncurrent-context: dev\n",
        "contexts[0].context.user: no user named 'ghost'",
    ),
    (
        "cluster without server",
        "clusters: [{name: c, cluster: {}}]\ncontexts: [{name: dev, context: {cluster: c}}]\ncurrent-context: dev\n",
        "clusters[0].cluster.server: missing",
    ),
    (
        "server with another scheme",
        "clusters: [{name: c, cluster: {server: 'ftp://k'}}]\ncontexts: [{name: dev, context: {cluster: c}}]\ncurrent-context: dev\n",
        "clusters[0].cluster.server: scheme 'ftp' is not http or https",
    ),
    (
        "missing certificate-authority file",
        "clusters: [{name: c, cluster: {server: 'https://k', certificate-authority: nope.crt}}]\n"
        "contexts: [{name: dev, context: {cluster: c}}]\ncurrent-context: dev\n",
        "clusters[0].cluster.certificate-authority: cannot read",
    ),
    (
        "CA that is not PEM",
        "clusters: [{name: c, cluster: {server: 'https://k', certificate-authority-data: aGVsbG8=}}]\n"
        "contexts: [{name: dev, context: {cluster: c}}]\ncurrent-context: dev\n",
        "clusters[0].cluster.certificate-authority-data: not PEM data",
    ),
    (
        "insecure with a CA",
        f"clusters: [{{name: c, cluster: {{server: 'https://k', insecure-skip-tls-verify: true, "
        f"certificate-authority-data: {b64(CA_PEM)}}}}}]\n"
        "contexts: [{name: dev, context: {cluster: c}}]\ncurrent-context: dev\n",
        "clusters[0].cluster.insecure-skip-tls-verify: cannot be combined",
    ),
    (
        "proxy with a bad scheme",
        "clusters: [{name: c, cluster: {server: 'https://k', proxy-url: 'ftp://p'}}]\n"
        "contexts: [{name: dev, context: {cluster: c}}]\ncurrent-context: dev\n",
        "clusters[0].cluster.proxy-url: scheme must be one of",
    ),
    (
        "bad namespace",
        _GOOD_CLUSTER
        + "contexts: [{name: dev, context: {cluster: c, namespace: Not_Valid}}]\ncurrent-context: dev\n",
        "contexts[0].context.namespace: 'Not_Valid' is not a valid namespace",
    ),
    (
        "missing client-key file",
        _with_user("{client-certificate: c.crt, client-key: k.key}"),
        "users[0].user.client-certificate: cannot read",
    ),
    (
        "certificate without key",
        _with_user(f"{{client-certificate-data: {b64(CERT_PEM)}}}"),
        "users[0].user: client-certificate is set but neither client-key",
    ),
    ("missing tokenFile", _with_user("{tokenFile: nope}"), "users[0].user.tokenFile: cannot read"),
    (
        "token and basic",
        _with_user(f"{{token: {TOKEN}, username: a, password: {PASSWORD}}}"),
        "may not both be set",
    ),
    (
        "tokenFile and basic",
        _with_user(f"{{tokenFile: t, password: {PASSWORD}}}"),
        "may not both be set",
    ),
    (
        "auth-provider",
        _with_user("{auth-provider: {name: oidc, config: {id-token: abc}}}"),
        "users[0].user.auth-provider: auth-provider plugins ('oidc') are not supported yet; use an exec",
    ),
    (
        "groups without as",
        _with_user("{as-groups: [g]}"),
        "users[0].user: as-groups, as-uid or as-user-extra is set without as",
    ),
    (
        "exec without apiVersion",
        _with_user("{exec: {command: x}}"),
        "users[0].user.exec.apiVersion: missing",
    ),
    (
        "exec v1alpha1",
        _with_user("{exec: {command: x, apiVersion: client.authentication.k8s.io/v1alpha1}}"),
        "users[0].user.exec.apiVersion: client.authentication.k8s.io/v1alpha1 is no longer supported",
    ),
    (
        "exec unknown version",
        _with_user("{exec: {command: x, apiVersion: v9}}"),
        "users[0].user.exec.apiVersion: 'v9' is not one of",
    ),
    (
        "exec v1 without interactiveMode",
        _with_user(f"{{exec: {{command: x, apiVersion: {V1}}}}}"),
        "users[0].user.exec.interactiveMode: required with client.authentication.k8s.io/v1",
    ),
    (
        "exec bad interactiveMode",
        _with_user(f"{{exec: {{command: x, apiVersion: {V1}, interactiveMode: Sometimes}}}}"),
        "users[0].user.exec.interactiveMode: 'Sometimes' is not one of",
    ),
    (
        "exec without command",
        _with_user(f"{{exec: {{apiVersion: {V1}}}}}"),
        "users[0].user.exec.command: missing",
    ),
    (
        "exec env without name",
        _with_user(f"{{exec: {{command: x, apiVersion: {V1BETA1}, env: [{{value: v}}]}}}}"),
        "users[0].user.exec.env[0].name: missing",
    ),
    (
        "exec args wrong type",
        _with_user(f"{{exec: {{command: x, apiVersion: {V1BETA1}, args: --flag}}}}"),
        "users[0].user.exec.args: must be a list",
    ),
]


@pytest.mark.parametrize(("case", "text", "problem"), SEMANTIC, ids=[s[0] for s in SEMANTIC])
def test_unusable_context_names_file_and_key(
    tmp_path: Path, case: str, text: str, problem: str
) -> None:
    path = tmp_path / "config"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        build(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: ")
    assert problem in message
    for secret in (TOKEN, PASSWORD, "abc"):
        assert secret not in message


def test_unused_broken_entries_do_not_matter(tmp_path: Path) -> None:
    path = tmp_path / "config"
    path.write_text(
        "clusters:\n- {name: c, cluster: {server: 'https://k'}}\n"
        "- {name: broken, cluster: {certificate-authority: nope.crt}}\n"
        + _GOOD_CONTEXT
        + "users:\n- {name: u, user: {}}\n- {name: other, user: {auth-provider: {name: gcp}}}\n"
    )
    assert build(path).server == "https://k"


def test_yaml_error_does_not_quote_the_file(tmp_path: Path) -> None:
    path = tmp_path / "config"
    path.write_text(f"users:\n- name: u\n  user:\n    token: {TOKEN}\n   bad: [\n")
    with pytest.raises(ConfigError) as caught:
        read_kubeconfig(path)
    assert TOKEN not in str(caught.value)
    assert caught.value.__cause__ is None
    assert caught.value.__suppress_context__
    assert "(line " in str(caught.value)


def test_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=f"{tmp_path}: cannot read"):
        read_kubeconfig(tmp_path)


def _alias_bomb_extension() -> str:
    """A cluster whose exec-plugin extension is a billion laughs (9**9 strings expanded)."""
    levels = ["          a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for previous, name in zip("abcdefgh", "bcdefghi", strict=True):
        levels.append(f"          {name}: &{name} [{', '.join([f'*{previous}'] * 9)}]")
    return (
        "clusters:\n- name: c\n  cluster:\n    server: https://k\n    extensions:\n"
        "    - name: client.authentication.k8s.io/exec\n      extension:\n"
        "        bomb:\n"
        + "\n".join(levels)
        + "\n"
        + _GOOD_CONTEXT
        + "users: [{name: u, user: {}}]\n"
    )


def test_an_alias_bomb_is_refused_as_the_file_is_read(tmp_path: Path) -> None:
    path = tmp_path / "config"
    path.write_text(_alias_bomb_extension())
    assert path.stat().st_size < 1000
    with pytest.raises(ConfigError) as caught:
        read_kubeconfig(path)
    assert str(caught.value) == f"{path}: contains excessive aliasing"


def test_anchors_and_aliases_within_reason_are_read(tmp_path: Path) -> None:
    path = tmp_path / "config"
    path.write_text(
        "clusters:\n- {name: a, cluster: &shared {server: 'https://k', tls-server-name: api}}\n"
        "- {name: b, cluster: *shared}\n"
    )
    parsed = read_kubeconfig(path)
    assert parsed.clusters["b"].server == "https://k"
    assert parsed.clusters["b"].tls_server_name == "api"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("clusters: []\n---\nusers: []\n", "holds more than one YAML document"),
        ("clusters: &l [*l]\n", "has an alias that contains itself"),
        ("current-context: !!binary aGk=\n", "!!binary is not supported"),
        ("a: " + "[" * 3000 + "]" * 3000 + "\n", "nest"),
    ],
    ids=["two documents", "recursive alias", "binary", "deep"],
)
def test_yaml_refusals_name_the_file(tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "config"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        read_kubeconfig(path)
    assert str(caught.value).startswith(f"{path}: ")
    assert problem in str(caught.value)


def _chain(exc: BaseException) -> list[BaseException]:
    """``exc`` and every error it was raised from or while handling."""
    chain: list[BaseException] = []
    seen: BaseException | None = exc
    while seen is not None:
        chain.append(seen)
        seen = seen.__cause__ or seen.__context__
    return chain


@pytest.mark.parametrize(
    "data",
    [
        f"users: [{{name: u, user: {{token: {TOKEN}}}}}]\n\xff".encode("latin-1"),
        f"users: [{{name: u, user: {{token: !!int {TOKEN}}}}}]\n".encode(),
        f"users:\n- name: u\n  user: {{token: {TOKEN}\n   bad: [\n".encode(),
    ],
    ids=["not UTF-8", "bad tag", "bad YAML"],
)
def test_no_error_in_the_chain_holds_the_file(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "config"
    path.write_bytes(data)
    with pytest.raises(ConfigError) as caught:
        read_kubeconfig(path)
    for error in _chain(caught.value):
        assert TOKEN not in str(error) + repr(error), type(error)


@pytest.mark.parametrize(
    ("exec_body", "key", "problem"),
    [
        ({"command": "plug\x00in"}, "exec.command", "holds a NUL character"),
        ({"command": "plugin", "args": ["a", "b\x00"]}, "exec.args[1]", "holds a NUL character"),
        (
            {"command": "plugin", "env": [{"name": "A=B", "value": "v"}]},
            "exec.env[0].name",
            "holds '=', which no environment variable name can",
        ),
        (
            {"command": "plugin", "env": [{"name": "A", "value": f"{TOKEN}\x00"}]},
            "exec.env[0].value",
            "holds a NUL character",
        ),
    ],
    ids=["command", "args", "env name", "env value"],
)
def test_an_exec_stanza_the_os_cannot_run_is_refused_at_load(
    tmp_path: Path,
    write_yaml: WriteYaml,
    make_kubeconfig: MakeDoc,
    exec_body: dict[str, Any],
    key: str,
    problem: str,
) -> None:
    stanza = {"apiVersion": V1BETA1, **exec_body}
    path = write_yaml(tmp_path / "config", simple(make_kubeconfig, {"exec": stanza}))
    with pytest.raises(ConfigError) as caught:
        build(path)
    assert str(caught.value) == f"{path}: users[0].user.{key}: {problem}"
    assert TOKEN not in repr(caught.value)


def test_an_exec_extension_too_deep_for_json_is_refused_at_load() -> None:
    deep: list[Any] = []
    for _ in range(100_000):
        deep = [deep]
    origin = Origin("/x/config", "clusters[0].cluster")
    parsed = Kubeconfig(
        files=("/x/config",),
        clusters={"c": Cluster("c", origin, server="https://k", exec_extension=deep)},
        users={"u": User("u", Origin("/x/config", "users[0].user"))},
        contexts={"dev": Context("dev", Origin("/x/config", "contexts[0]"), cluster="c", user="u")},
        current_context="dev",
    )
    with pytest.raises(ConfigError) as caught:
        config_from_kubeconfig(parsed, clock=FakeClock())
    assert str(caught.value) == (
        "/x/config: clusters[0].cluster.extensions: the exec plugin extension cannot be "
        "passed on as JSON (nested too deeply?)"
    )


def test_a_url_given_where_a_name_belongs_is_quoted_without_its_password(tmp_path: Path) -> None:
    path = tmp_path / "config"
    path.write_text(
        "contexts: [{name: dev, context: {cluster: 'https://admin:pa55word@k8s.example'}}]\n"
        "current-context: dev\n"
    )
    with pytest.raises(ConfigError) as caught:
        build(path)
    assert str(caught.value) == (
        f"{path}: contexts[0].context.cluster: no cluster named "
        f"'https://admin:***@k8s.example' in {path}"
    )

"""Credentials that become headers are checked on entry: a ConfigError naming where, never what."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from rawkube.config import (
    BasicAuth,
    BearerTokenAuth,
    ExecConfig,
    Impersonation,
    TokenFileAuth,
    incluster_config,
    load_config,
)
from rawkube.config.exec import V1, parse_exec_credential
from rawkube.core._clock import FakeClock
from rawkube.core._exceptions import ConfigError
from tests.config.conftest import Capture, WriteYaml, kubeconfig_doc

SECRET = "Zq9-s3cr3t-value"
POD_ENV = {"KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443"}
LINE_BREAK_HINT = "holds a line break (a YAML '|' block keeps its last one; '|-' does not)"


def with_user(user: dict[str, Any]) -> dict[str, Any]:
    return kubeconfig_doc(
        clusters={"c": {"server": "https://k8s.example:6443"}},
        users={"u": user},
        contexts={"dev": {"cluster": "c", "user": "u"}},
        current="dev",
    )


def refused(path: Path) -> str:
    """The message of the ConfigError loading ``path`` raises; it must not hold the secret."""
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    assert SECRET not in message
    assert SECRET not in repr(caught.value)
    assert caught.value.__cause__ is None
    return message


def test_a_token_block_with_its_trailing_line_break_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "config"
    path.write_text(
        "clusters: [{name: c, cluster: {server: 'https://k8s.example:6443'}}]\n"
        "contexts: [{name: dev, context: {cluster: c, user: u}}]\n"
        "current-context: dev\n"
        f"users:\n- name: u\n  user:\n    token: |\n      {SECRET}\n"
    )
    assert refused(path) == f"{path}: users[0].user.token: {LINE_BREAK_HINT}"


@pytest.mark.parametrize(
    ("token", "problem"),
    [
        (f"{SECRET}\r", "holds a line break"),
        (f"{SECRET}\x00", "holds a control character"),
        (f"{SECRET}\t", "holds a control character"),
        (f"{SECRET}\x7f", "holds a control character"),
        (f"{SECRET}é", "holds a non-ASCII character"),
        (f"{SECRET} ", "holds a space"),
        (f"Bearer {SECRET}", "holds a space"),
    ],
    ids=["CR", "NUL", "tab", "DEL", "e-acute", "trailing space", "inner space"],
)
def test_an_inline_token_that_cannot_be_sent_is_refused_at_load(
    tmp_path: Path, write_yaml: WriteYaml, token: str, problem: str
) -> None:
    path = write_yaml(tmp_path / "config", with_user({"token": token}))
    assert refused(path).startswith(f"{path}: users[0].user.token: {problem}")


def test_a_token_file_is_trimmed_as_client_go_trims_it(
    tmp_path: Path, write_yaml: WriteYaml, capture: Capture
) -> None:
    (tmp_path / "token").write_text(f"\n  {SECRET}\r\n\t")
    config = load_config(write_yaml(tmp_path / "config", with_user({"tokenFile": "token"})))
    assert config.auth is not None
    assert capture(config.auth)[0].headers["Authorization"] == f"Bearer {SECRET}"


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (f"{SECRET}\nsecond-line\n", "holds a line break"),
        (f"{SECRET}\x00", "holds a control character"),
        (f"{SECRET}é", "holds a non-ASCII character"),
        (f"{SECRET} {SECRET}", "holds a space"),
    ],
    ids=["two lines", "NUL", "non-ASCII", "space"],
)
def test_a_token_file_that_cannot_be_sent_is_refused_at_load(
    tmp_path: Path, write_yaml: WriteYaml, content: str, problem: str
) -> None:
    token = tmp_path / "token"
    token.write_text(content)
    path = write_yaml(tmp_path / "config", with_user({"tokenFile": "token"}))
    assert refused(path) == (
        f"{path}: users[0].user.tokenFile: token file {token}: the token {problem}"
    )


def test_a_rotation_to_a_broken_token_keeps_the_last_good_one(
    tmp_path: Path, capture: Capture
) -> None:
    token = tmp_path / "token"
    token.write_text("good-token\n")
    clock = FakeClock()
    auth = TokenFileAuth(token, clock, refresh_interval=10)
    assert capture(auth)[0].headers["Authorization"] == "Bearer good-token"
    token.write_text(f"{SECRET}\n\x1b[0m")
    clock.advance(11)
    assert capture(auth)[0].headers["Authorization"] == "Bearer good-token"
    token.write_text("rotated-token\n")
    assert capture(auth)[0].headers["Authorization"] == "Bearer rotated-token"


def test_an_in_cluster_token_that_cannot_be_sent_is_refused(tmp_path: Path) -> None:
    (tmp_path / "token").write_text(f"{SECRET}\nmore")
    with pytest.raises(ConfigError) as caught:
        incluster_config(tmp_path, POD_ENV)
    assert str(caught.value) == (
        f"in-cluster: service-account token missing: token file {tmp_path / 'token'}: "
        "the token holds a line break"
    )
    assert SECRET not in repr(caught.value)


EXEC = ExecConfig(command="plugin", origin="kc: users[0].user.exec")


def exec_output(**status: Any) -> bytes:
    return json.dumps({"apiVersion": V1, "kind": "ExecCredential", "status": status}).encode()


@pytest.mark.parametrize(
    ("token", "problem"),
    [
        (f"{SECRET}\n", "holds a line break"),
        (f"{SECRET}\x01", "holds a control character"),
        (f"{SECRET}ü", "holds a non-ASCII character"),
        (f"{SECRET}\ud800", "holds a non-ASCII character"),
        (f" {SECRET}", "holds a space"),
    ],
    ids=["line break", "control", "non-ASCII", "surrogate", "space"],
)
def test_a_plugin_token_that_cannot_be_sent_is_refused_when_read(token: str, problem: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_exec_credential(exec_output(token=token), EXEC)
    assert (
        str(caught.value) == f"kc: users[0].user.exec: exec plugin 'plugin': status.token {problem}"
    )
    assert SECRET not in repr(caught.value)


def test_plugin_key_data_that_is_not_unicode_is_refused_unquoted() -> None:
    stdout = b'{"apiVersion": "%s", "kind": "ExecCredential", "status": ' % V1.encode()
    stdout += b'{"clientCertificateData": "cert", "clientKeyData": "Zq9-s3cr3t-value\\ud800"}}'
    with pytest.raises(ConfigError) as caught:
        parse_exec_credential(stdout, EXEC)
    assert str(caught.value) == (
        "kc: users[0].user.exec: exec plugin 'plugin': status.clientKeyData is not valid "
        "Unicode text"
    )
    assert SECRET not in repr(caught.value)


def test_plugin_output_nested_too_deeply_is_not_json() -> None:
    with pytest.raises(ConfigError, match="did not print valid JSON"):
        parse_exec_credential(b"[" * 100_000 + b"]" * 100_000, EXEC)


@pytest.mark.parametrize("field", ["username", "password"])
@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (f"{SECRET}\n", LINE_BREAK_HINT),
        (f"{SECRET}\x00", "holds a control character"),
    ],
    ids=["line break", "NUL"],
)
def test_basic_auth_that_cannot_be_sent_is_refused_at_load(
    tmp_path: Path, write_yaml: WriteYaml, field: str, value: str, problem: str
) -> None:
    user = {"username": "admin", "password": "pw", field: value}
    path = write_yaml(tmp_path / "config", with_user(user))
    assert refused(path) == f"{path}: users[0].user.{field}: {problem}"


def test_a_non_ascii_password_is_sent_as_utf8_like_go(
    tmp_path: Path, write_yaml: WriteYaml, capture: Capture
) -> None:
    path = write_yaml(tmp_path / "config", with_user({"username": "jörg", "password": "pässwort"}))
    config = load_config(path)
    assert config.auth is not None
    sent = capture(config.auth)[0].headers["Authorization"]
    assert sent == "Basic " + base64.b64encode("jörg:pässwort".encode()).decode()


@pytest.mark.parametrize(
    ("user", "key", "problem"),
    [
        ({"as": f"{SECRET}\n"}, "as", "holds a line break"),
        ({"as": f"{SECRET}ö"}, "as", "holds a non-ASCII character"),
        ({"as": f"{SECRET} "}, "as", "starts or ends with a space"),
        ({"as": "jane", "as-uid": f"{SECRET}\x00"}, "as-uid", "holds a control character"),
        ({"as": "jane", "as-groups": ["ok", f"{SECRET}\r"]}, "as-groups[1]", "holds a line break"),
        (
            {"as": "jane", "as-user-extra": {"scopes": ["a", f"{SECRET}\x7f"]}},
            "as-user-extra.scopes[1]",
            "holds a control character",
        ),
    ],
    ids=["as", "as non-ASCII", "as space", "as-uid", "as-groups", "extra value"],
)
def test_impersonation_that_cannot_be_sent_is_refused_at_load(
    tmp_path: Path, write_yaml: WriteYaml, user: dict[str, Any], key: str, problem: str
) -> None:
    path = write_yaml(tmp_path / "config", with_user(user))
    assert refused(path).startswith(f"{path}: users[0].user.{key}: {problem}")


def test_impersonation_with_spaces_inside_names_is_sent(tmp_path: Path) -> None:
    impersonation = Impersonation(user="Jane Doe", groups=("Domain Users",))
    assert ("Impersonate-Group", "Domain Users") in impersonation.headers()


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: BearerTokenAuth(f"{SECRET}\n"), "BearerTokenAuth: the token holds a line break"),
        (
            lambda: BearerTokenAuth(f"{SECRET}\ud800"),
            "BearerTokenAuth: the token holds a non-ASCII",
        ),
        (lambda: BasicAuth("admin", f"{SECRET}\x00"), "BasicAuth: the password holds a control"),
        (
            lambda: BasicAuth(f"{SECRET}\ud800", "pw"),
            "BasicAuth: the username holds a character that is not valid Unicode",
        ),
        (lambda: Impersonation(user=f"{SECRET}\n"), "Impersonation: user holds a line break"),
        (
            lambda: Impersonation(user="jane", groups=("a", f"{SECRET}é")),
            "Impersonation: groups[1] holds a non-ASCII character",
        ),
        (
            lambda: Impersonation(user="jane", extra={f"{SECRET}\ud800": ("a",)}),
            "Impersonation: a key of extra holds a character that is not valid Unicode",
        ),
    ],
    ids=[
        "bearer",
        "bearer surrogate",
        "basic",
        "basic surrogate",
        "impersonated user",
        "impersonated group",
        "extra key surrogate",
    ],
)
def test_settings_built_by_hand_are_checked_too(build: Any, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        build()
    assert str(caught.value).startswith(message)
    assert SECRET not in repr(caught.value)


def test_an_extra_key_with_any_text_is_escaped_into_the_header_name() -> None:
    impersonation = Impersonation(user="jane", extra={"scöpe\n/x": ("a",)})
    assert impersonation.headers()[-1] == ("Impersonate-Extra-sc%C3%B6pe%0A%2Fx", "a")

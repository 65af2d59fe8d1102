"""Every configuration object's repr masks secrets: tokens, passwords, keys, URL passwords, env."""

from __future__ import annotations

import base64
import json
import sys
from pathlib import Path
from typing import Any

from rawkube.config import ExecAuth, TokenFileAuth, load_config
from rawkube.config.build import config_from_kubeconfig
from rawkube.config.exec import V1BETA1, parse_exec_credential
from rawkube.config.kubeconfig import read_kubeconfig, select_context
from rawkube.core._clock import FakeClock
from tests.config.conftest import Pki, WriteYaml, kubeconfig_doc

SECRET = "Zq9-repr-s3cret"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def secret_kubeconfig(tmp_path: Path, pki: Pki) -> dict[str, Any]:
    """Every kind of secret a kubeconfig can hold, each in its own context."""
    (tmp_path / "token").write_text(SECRET)
    plugin = tmp_path / "plugin"
    credential = {"apiVersion": V1BETA1, "kind": "ExecCredential", "status": {"token": SECRET}}
    plugin.write_text(f"#!{sys.executable}\nprint({json.dumps(json.dumps(credential))})\n")
    plugin.chmod(0o755)
    server = f"https://admin:{SECRET}@k8s.example:6443"
    proxy = f"http://squid:{SECRET}@proxy.example:3128"
    extension = {"name": "client.authentication.k8s.io/exec", "extension": {"key": SECRET}}
    return kubeconfig_doc(
        clusters={
            "url": {"server": server, "proxy-url": proxy, "extensions": [extension]},
            "plain": {"server": "https://k8s.example", "proxy-url": proxy},
        },
        users={
            "token": {"token": SECRET, "as": "jane"},
            "basic": {"username": "admin", "password": SECRET},
            "key": {
                "client-certificate-data": b64(pki.client_cert),
                "client-key-data": b64(pki.client_key),
            },
            "file": {"tokenFile": "token"},
            "exec": {
                "exec": {
                    "apiVersion": V1BETA1,
                    "command": str(plugin),
                    "args": [f"--secret={SECRET}"],
                    "env": [{"name": "PLUGIN_SECRET", "value": SECRET}],
                    "provideClusterInfo": True,
                }
            },
        },
        contexts={
            "url": {"cluster": "url"},
            **{name: {"cluster": "plain", "user": name} for name in ("token", "basic", "key")},
            **{name: {"cluster": "plain", "user": name} for name in ("file", "exec")},
        },
        current="url",
    )


def key_lines(pki: Pki) -> list[str]:
    """The private part of the key: its first line (an EC key's last lines are its public key,
    which the certificate shows too)."""
    return pki.client_key.decode().splitlines()[1:2]


def test_no_repr_of_a_parsed_or_built_config_shows_a_secret(
    tmp_path: Path, write_yaml: WriteYaml, pki: Pki
) -> None:
    path = write_yaml(tmp_path / "config", secret_kubeconfig(tmp_path, pki))
    parsed = read_kubeconfig(path)
    shown = [repr(parsed)]
    for context in parsed.contexts:
        selection = select_context(parsed, context)
        config = config_from_kubeconfig(parsed, context=context, clock=FakeClock())
        shown += [repr(selection), repr(config), repr(config.auth), repr(config.tls)]
        shown += [repr(config.impersonation), str(config)]
        if isinstance(config.auth, TokenFileAuth):
            config.auth.token()
            shown += [repr(config.auth), repr(vars(config.auth))]
        if isinstance(config.auth, ExecAuth):
            credential = config.auth.credential()
            shown += [repr(config.auth.config), repr(credential), repr(vars(config.auth))]
    assert load_config(path).server == "https://k8s.example:6443"
    leaks = [text for text in shown for secret in (SECRET, *key_lines(pki)) if secret in text]
    assert not leaks


def test_an_exec_credential_repr_hides_token_and_key(pki: Pki) -> None:
    from rawkube.config import ExecConfig

    stdout = json.dumps(
        {
            "apiVersion": V1BETA1,
            "kind": "ExecCredential",
            "status": {
                "token": SECRET,
                "clientCertificateData": pki.client_cert.decode(),
                "clientKeyData": pki.client_key.decode(),
            },
        }
    ).encode()
    credential = parse_exec_credential(stdout, ExecConfig(command="p", api_version=V1BETA1))
    text = repr(credential)
    assert "<redacted>" in text
    assert not [secret for secret in (SECRET, *key_lines(pki)) if secret in text]

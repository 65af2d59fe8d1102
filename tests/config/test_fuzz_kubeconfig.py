"""Fuzzing: a hostile kubeconfig loads, or fails with a ConfigError that names no planted secret.

Documents are a valid skeleton with fields swapped for hostile values (wrong types, huge or
control-laden strings, odd URLs, deep nesting), then perhaps mangled as text (aliases, a billion
laughs, tags, stray bytes, a cut). A config that loads is then used: its repr, a client built on
the real transport (TLS context, proxy), and one request through a mock transport (auth flow,
headers). Nothing else may escape; nothing touches the network or runs a program.
"""

from __future__ import annotations

import base64
import traceback
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rawkube
from rawkube._exceptions import ConfigError
from rawkube.config import load_config

TOKEN = "Zq9-fuzz-token"
PASSWORD = "Zq9-fuzz-password"
KEY_SECRET = "Zq9fuzzkeysecret"
ENV_SECRET = "Zq9-fuzz-env"
URL_SECRET = "Zq9-fuzz-url"
SECRETS = (TOKEN, PASSWORD, KEY_SECRET, ENV_SECRET, URL_SECRET)
CERT = b"-----BEGIN CERTIFICATE-----\nMIIBfuzz\n-----END CERTIFICATE-----\n"
KEY = f"-----BEGIN PRIVATE KEY-----\n{KEY_SECRET}\n-----END PRIVATE KEY-----\n".encode()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def skeleton() -> dict[str, Any]:
    """A valid kubeconfig using every field rawkube reads, secrets planted where they belong."""
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "current-context": "dev",
        "clusters": [
            {
                "name": "c",
                "cluster": {
                    "server": "https://k8s.example:6443",
                    "certificate-authority-data": b64(CERT),
                    "tls-server-name": "api.internal",
                    "proxy-url": f"http://squid:{URL_SECRET}@proxy.example:3128",
                    "extensions": [
                        {"name": "client.authentication.k8s.io/exec", "extension": {"a": [1]}}
                    ],
                },
            }
        ],
        "users": [
            {
                "name": "u",
                "user": {
                    "token": TOKEN,
                    "as": "jane",
                    "as-groups": ["devs"],
                    "as-user-extra": {"scopes": ["view"]},
                },
            },
            {"name": "b", "user": {"username": "admin", "password": PASSWORD}},
            {
                "name": "k",
                "user": {"client-certificate-data": b64(CERT), "client-key-data": b64(KEY)},
            },
            {
                "name": "e",
                "user": {
                    "exec": {
                        "apiVersion": "client.authentication.k8s.io/v1beta1",
                        "command": "missing-dir/plugin",
                        "args": ["get-token"],
                        "env": [{"name": "PLUGIN_SECRET", "value": ENV_SECRET}],
                        "provideClusterInfo": True,
                    }
                },
            },
            {"name": "f", "user": {"tokenFile": "token"}},
        ],
        "contexts": [{"name": "dev", "context": {"cluster": "c", "user": "u", "namespace": "ns"}}],
    }


# Where a hostile value may go: a key path into the skeleton.
FIELDS: list[tuple[Any, ...]] = [
    ("current-context",),
    ("clusters",),
    ("clusters", 0),
    ("clusters", 0, "name"),
    ("clusters", 0, "cluster"),
    *(
        ("clusters", 0, "cluster", key)
        for key in (
            "server",
            "certificate-authority",
            "certificate-authority-data",
            "insecure-skip-tls-verify",
            "tls-server-name",
            "proxy-url",
            "disable-compression",
            "extensions",
        )
    ),
    ("clusters", 0, "cluster", "extensions", 0, "extension"),
    ("users",),
    ("users", 0, "user"),
    *(
        ("users", 0, "user", key)
        for key in ("token", "tokenFile", "as", "as-uid", "as-groups", "as-user-extra")
    ),
    ("users", 0, "user", "as-groups", 0),
    ("users", 1, "user", "username"),
    ("users", 1, "user", "password"),
    ("users", 2, "user", "client-certificate-data"),
    ("users", 2, "user", "client-key-data"),
    ("users", 2, "user", "client-certificate"),
    ("users", 2, "user", "client-key"),
    ("users", 3, "user", "exec"),
    *(
        ("users", 3, "user", "exec", key)
        for key in ("apiVersion", "args", "env", "interactiveMode", "provideClusterInfo")
    ),
    ("users", 3, "user", "exec", "env", 0, "name"),
    ("users", 3, "user", "exec", "env", 0, "value"),
    ("users", 4, "user", "tokenFile"),
    ("contexts",),
    ("contexts", 0, "context", "cluster"),
    ("contexts", 0, "context", "user"),
    ("contexts", 0, "context", "namespace"),
]

# What may be taken away, so that what it overrides is used: a file instead of inline data,
# tokenFile instead of token, no proxy.
REMOVABLE: list[tuple[Any, ...]] = [
    ("clusters", 0, "cluster", "certificate-authority-data"),
    ("clusters", 0, "cluster", "proxy-url"),
    ("users", 0, "user", "token"),
    ("users", 2, "user", "client-certificate-data"),
    ("users", 2, "user", "client-key-data"),
]

ODD_TEXT = [
    "",
    " ",
    "\n",
    "\x00",
    "\x1b[31m",
    "~",
    "~nosuchuser/x",
    "/dev/zero",
    "/dev/null",
    "a\x00b",
    ".",
    "token",
    "ns",
    "x" * 70_000,
    "http://[::1",
    "https://[::1]:99999",
    "https://a..b",
    "https://xn--a.example",
    "https://\u200b.example",
    "https://",
    "ftp://k",
    "socks5://[",
    "k8s.example:port",
    f"https://admin:{URL_SECRET}@k8s.example",
    f"https://admin:{URL_SECRET}/x@k8s.example",
    f"http://squid:{URL_SECRET}@[::1",
    f"{TOKEN}\n",
    f"{TOKEN} ",
    f"{TOKEN}é",
    f"{PASSWORD}\r",
    f"{ENV_SECRET}\x00",
    "client.authentication.k8s.io/v1",
    "client.authentication.k8s.io/v1alpha1",
    "Never",
    "Always",
    "aGVsbG8=",
    "not*base64",
    b64(b"-----BEGIN CERTIFICATE-----\nZm9v\n-----END CERTIFICATE-----\n"),
]
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(),
    st.sampled_from(ODD_TEXT),
    st.text(max_size=30),
    st.text(alphabet=st.characters(max_codepoint=0x7F), max_size=30),
)
values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.dictionaries(
            st.one_of(st.text(max_size=8), st.sampled_from(["name"])), children, max_size=3
        ),
    ),
    max_leaves=8,
)
contexts_users = st.sampled_from(["u", "b", "k", "e", "f"])


def _bomb() -> str:
    levels = ["bomb:", "  a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for previous, name in zip("abcdefgh", "bcdefghi", strict=True):
        levels.append(f"  {name}: &{name} [{', '.join([f'*{previous}'] * 9)}]")
    return "\n".join(levels) + "\n"


@st.composite
def mangled(draw: st.DrawFn, text: str) -> bytes:
    """``text`` perhaps mangled as YAML text, as bytes."""
    how = draw(
        st.sampled_from(
            ["none", "none", "bomb", "deep", "alias", "tag", "cut", "byte", "second", "recursive"]
        )
    )
    if how == "bomb":
        text += _bomb()
    elif how == "deep":
        depth = draw(st.sampled_from([50, 999, 3000]))
        text += "deep: " + "[" * depth + "]" * depth + "\n"
    elif how == "alias":
        text = text.replace("clusters:", "clusters: &cl", 1) + "again: *cl\n"
    elif how == "tag":
        tag = draw(st.sampled_from(["!!binary", "!!python/object/apply:os.system", "!x", "!!int"]))
        text = text.replace("server: ", f"server: {tag} ", 1)
    elif how == "cut":
        text = text[: draw(st.integers(0, len(text)))]
    elif how == "second":
        text += "---\nclusters: []\n"
    elif how == "recursive":
        text = text.replace("clusters:", "clusters: &loop", 1).replace("- name: c", "- *loop", 1)
    data = text.encode("utf-8", "surrogatepass")
    if how == "byte":
        at = draw(st.integers(0, len(data)))
        stray = draw(st.sampled_from([b"\x00", b"\xff", b"\xc2\x85", b"\t", b"\x1b", b"&", b"*"]))
        data = data[:at] + stray + data[at:]
    return data


@st.composite
def kubeconfigs(draw: st.DrawFn) -> tuple[bytes, str]:
    doc = skeleton()
    doc["contexts"][0]["context"]["user"] = draw(contexts_users)
    for path in draw(st.lists(st.sampled_from(REMOVABLE), max_size=2, unique=True)):
        _remove(doc, path)
    for path in draw(st.lists(st.sampled_from(FIELDS), max_size=3, unique=True)):
        _replace(doc, path, draw(values))
    text = yaml.safe_dump(doc, allow_unicode=draw(st.booleans()), sort_keys=False)
    return draw(mangled(text)), draw(st.sampled_from(["dev", "", "missing"]))


def _replace(doc: Any, path: tuple[Any, ...], value: Any) -> None:
    target = doc
    for key in path[:-1]:
        try:
            target = target[key]
        except (KeyError, IndexError, TypeError):
            return  # an earlier replacement took this branch away
    if isinstance(target, dict) or (isinstance(target, list) and isinstance(path[-1], int)):
        try:
            target[path[-1]] = value
        except IndexError:
            return


def _remove(doc: Any, path: tuple[Any, ...]) -> None:
    parent = doc
    for key in path[:-1]:
        parent = parent[key]
    parent.pop(path[-1], None)


def _ok(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json={})


def _leaks(texts: list[str]) -> list[str]:
    return [secret for secret in SECRETS for text in texts if secret in text]


def _texts(exc: BaseException) -> list[str]:
    texts = ["".join(traceback.format_exception(exc))]
    seen: BaseException | None = exc
    while seen is not None:
        texts += [str(seen), repr(seen)]
        seen = seen.__cause__ or seen.__context__
    return texts


def _use(config: rawkube.Config) -> None:
    """What a program does next with a config: every error must be a ConfigError."""
    assert not _leaks([repr(config), repr(config.auth), repr(config.tls)])
    with rawkube.Client(config):
        pass  # the real transport: TLS context, proxy, no request
    with rawkube.Client(config, transport=httpx.MockTransport(_ok)) as client:
        client.get().abs_path("/version").do()


@settings(
    max_examples=250,
    deadline=timedelta(seconds=2),
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
@given(case=kubeconfigs())
def test_a_hostile_kubeconfig_loads_or_raises_config_error_only(
    tmp_path: Path, case: tuple[bytes, str]
) -> None:
    data, context = case
    (tmp_path / "token").write_text(f"{TOKEN}\n")
    path = tmp_path / "config"
    path.write_bytes(data)
    refused: ConfigError | None = None
    try:
        _use(load_config(path, context=context or None, environ={}))
    except ConfigError as exc:
        refused = exc
    if refused is not None:
        assert not _leaks(_texts(refused)), refused

"""Fuzzing: a hostile kubeconfig loads, or fails with a ConfigError that names no planted secret.

Documents are a valid skeleton with fields swapped for hostile values (wrong types, huge or
control-laden strings, odd URLs, deep nesting), then perhaps mangled as text (aliases, a billion
laughs, tags, stray bytes, a cut). A config that loads is then used: its repr, a client built on
the real transport (TLS context, proxy), and one request through a mock transport (auth flow,
headers). Nothing else may escape; nothing touches the network or runs a program. No planted
secret may appear in a repr, a log line (any logger, any level), or an error: its message, repr,
traceback, or any error in its chain (__cause__ and __context__, suppressed or not).

A secret marker is only ever drawn into a field rawkube treats as secret (token, password, client
key, token and key files, exec args, env values and extension, a URL's password), hostile text
around it. Every other field draws from values that cannot hold a marker: rawkube may quote
those (a missing cluster's name, a CA it cannot decode), so a marker there would be no leak.
"""

from __future__ import annotations

import base64
import logging
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rawkube
from rawkube.config import load_config
from rawkube.core._exceptions import ConfigError

TOKEN = "Zq9-fuzz-token"
PASSWORD = "Zq9-fuzz-password"
KEY_SECRET = "Zq9fuzzkeysecret"
ENV_SECRET = "Zq9-fuzz-env"
URL_SECRET = "Zq9-fuzz-url"
ARG_SECRET = "Zq9-fuzz-arg"
EXT_SECRET = "Zq9-fuzz-extension"
SECRETS = (TOKEN, PASSWORD, KEY_SECRET, ENV_SECRET, URL_SECRET, ARG_SECRET, EXT_SECRET)
CERT = b"-----BEGIN CERTIFICATE-----\nMIIBfuzz\n-----END CERTIFICATE-----\n"
# A real CA certificate (its key is gone), so that most configs load and send their request.
CA = (
    b"-----BEGIN CERTIFICATE-----\n"
    b"MIIBizCCATGgAwIBAgIUcW7nCBgBm8DPv9gRybHap8xSqLIwCgYIKoZIzj0EAwIw\n"
    b"GjEYMBYGA1UEAwwPcmF3a3ViZS1mdXp6LWNhMCAXDTI2MTIwNzA4MDU1OVoYDzIx\n"
    b"MjYxMTEzMDgwNTU5WjAaMRgwFgYDVQQDDA9yYXdrdWJlLWZ1enotY2EwWTATBgcq\n"
    b"hkjOPQIBBggqhkjOPQMBBwNCAAQtm+OXJvQAd9+F8E8qFvl1Q+tjUKuDxEWm5NYc\n"
    b"YAowZiJbcnQS/4dQlg9B6IXx2Nt1+gsqpJZqT0F17bi5Fxhlo1MwUTAdBgNVHQ4E\n"
    b"FgQUgb9NYLOvoGdTcsQ0TB5kzJYVvMswHwYDVR0jBBgwFoAUgb9NYLOvoGdTcsQ0\n"
    b"TB5kzJYVvMswDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNIADBFAiEA4cEL\n"
    b"G9VJY4GLbyuF8FXlK1l2RPncp889xPTqSlraxx0CICeMxvueXD1br3OiSKKCYnXn\n"
    b"jaFH+/l8IXE4KjNeCmNp\n"
    b"-----END CERTIFICATE-----\n"
)
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
                    "certificate-authority-data": b64(CA),
                    "tls-server-name": "api.internal",
                    "proxy-url": f"http://squid:{URL_SECRET}@proxy.example:3128",
                    "extensions": [
                        {
                            "name": "client.authentication.k8s.io/exec",
                            "extension": {"a": [1], "key": EXT_SECRET},
                        }
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
                        "args": ["get-token", f"--secret={ARG_SECRET}"],
                        "env": [{"name": "PLUGIN_SECRET", "value": ENV_SECRET}],
                        "provideClusterInfo": True,
                    }
                },
            },
            {"name": "f", "user": {"tokenFile": "token"}},
        ],
        "contexts": [{"name": "dev", "context": {"cluster": "c", "user": "u", "namespace": "ns"}}],
    }


def _no_secret(text: str) -> bool:
    return not any(secret in text for secret in SECRETS)


# Text any field may hold: no secret marker, so that rawkube may quote it (a name it cannot
# find, a CA it cannot decode, a path it cannot read).
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
    "key",
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
    "https://admin@k8s.example",
    "client.authentication.k8s.io/v1",
    "client.authentication.k8s.io/v1alpha1",
    "Never",
    "Always",
    "aGVsbG8=",
    "not*base64",
    "aGVsbG8é",
    b64(b"-----BEGIN CERTIFICATE-----\nZm9v\n-----END CERTIFICATE-----\n"),
]
assert all(_no_secret(text) for text in ODD_TEXT)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(),
    st.sampled_from(ODD_TEXT),
    st.text(max_size=30).filter(_no_secret),
    st.text(alphabet=st.characters(max_codepoint=0x7F), max_size=30).filter(_no_secret),
)


def _nested(leaves: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.recursive(
        leaves,
        lambda children: st.one_of(
            st.lists(children, max_size=3),
            st.dictionaries(
                st.one_of(st.text(max_size=8), st.sampled_from(["name"])), children, max_size=3
            ),
        ),
        max_leaves=8,
    )


# Dictionary keys are at most 8 characters: shorter than any marker.
values = _nested(scalars)


def hostile(secret: str) -> st.SearchStrategy[str]:
    """Text holding ``secret`` whole, made hard to handle around it."""
    return st.one_of(
        st.sampled_from(
            [
                secret,
                f"{secret}\n",
                f"{secret} ",
                f"{secret}é",
                f"{secret}\r",
                f"{secret}\x00",
                f"\x1b[31m{secret}",
                f"{secret}\u2028",
                f"{secret}\x85",
                "x" * 70_000 + secret,
            ]
        ),
        st.builds(lambda a, b: a + secret + b, st.text(max_size=4), st.text(max_size=4)),
    )


def _pem_key(body: str) -> str:
    return b64(f"-----BEGIN PRIVATE KEY-----\n{body}\n-----END PRIVATE KEY-----\n".encode())


# A URL's password is a secret wherever a URL goes; rawkube also masks it in the names it quotes
# ("a mistake can put a server URL where a name belongs"), so names may hold these too.
URLS_WITH_PASSWORD = [
    f"https://admin:{URL_SECRET}@k8s.example",
    f"https://admin:{URL_SECRET}/x@k8s.example",
    f"http://squid:{URL_SECRET}@[::1",
]
urls = st.one_of(
    st.sampled_from(
        [
            *URLS_WITH_PASSWORD,
            f"admin:{URL_SECRET}@k8s.example:6443",
            f" https://admin:{URL_SECRET}@k8s.example:6443/ ",
            f"https://admin:{URL_SECRET}@k8s.example:99999",
            f"https://admin:{URL_SECRET}@\u200b.example",
            f"https://admin:{URL_SECRET}%zz@k8s.example",
            f"https://:{URL_SECRET}@k8s.example",
            f"http://squid:{URL_SECRET}@proxy.example:3128",
            f"socks5://squid:{URL_SECRET}@proxy.example:1080",
        ]
    ),
    st.builds(
        lambda scheme, password: f"{scheme}://admin:{password}@k8s.example",
        st.sampled_from(["https", "http", "socks5"]),
        # After a '#' or '?' the text is a fragment or query, no password (nor masked as one).
        hostile(URL_SECRET).filter(lambda text: "#" not in text and "?" not in text),
    ),
)
names = st.one_of(scalars, st.sampled_from(URLS_WITH_PASSWORD))

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
    ("users", 3, "user", "exec", "args", 1),
    ("users", 3, "user", "exec", "env", 0, "name"),
    ("users", 3, "user", "exec", "env", 0, "value"),
    ("users", 4, "user", "tokenFile"),
    ("contexts",),
    ("contexts", 0, "context", "cluster"),
    ("contexts", 0, "context", "user"),
    ("contexts", 0, "context", "namespace"),
]
# Each secret field, and the hostile text holding its marker that it may be given.
SECRET_VALUES: dict[tuple[Any, ...], st.SearchStrategy[Any]] = {
    ("users", 0, "user", "token"): hostile(TOKEN),
    ("users", 1, "user", "password"): hostile(PASSWORD),
    ("users", 2, "user", "client-key-data"): st.one_of(
        hostile(KEY_SECRET), hostile(KEY_SECRET).map(_pem_key)
    ),
    ("users", 3, "user", "exec", "args"): st.lists(hostile(ARG_SECRET), min_size=1, max_size=3),
    ("users", 3, "user", "exec", "args", 1): hostile(ARG_SECRET),
    ("users", 3, "user", "exec", "env", 0, "value"): hostile(ENV_SECRET),
    ("clusters", 0, "cluster", "extensions", 0, "extension"): _nested(
        st.one_of(scalars, hostile(EXT_SECRET))
    ),
    # A password in a URL's user-info.
    ("clusters", 0, "cluster", "server"): urls,
    ("clusters", 0, "cluster", "proxy-url"): urls,
}
# Secrets are planted in the fields of the user and cluster in use, where they are read; user
# "f" reads the token file, whose content is drawn on its own.
CLUSTER_SECRETS = [
    ("clusters", 0, "cluster", "server"),
    ("clusters", 0, "cluster", "proxy-url"),
    ("clusters", 0, "cluster", "extensions", 0, "extension"),
]
USER_SECRETS: dict[str, list[tuple[Any, ...]]] = {
    "u": [("users", 0, "user", "token")],
    "b": [("users", 1, "user", "password")],
    "k": [("users", 2, "user", "client-key-data")],
    "e": [
        ("users", 3, "user", "exec", "args"),
        ("users", 3, "user", "exec", "args", 1),
        ("users", 3, "user", "exec", "env", 0, "value"),
    ],
    "f": [],
}
assert {path for paths in USER_SECRETS.values() for path in paths} | set(CLUSTER_SECRETS) == set(
    SECRET_VALUES
)
# What a field may hold when any field may be swapped: a secret field its secret or a value of
# the wrong type; a name may hold a URL whose password rawkube masks in messages; any other
# field only ``values``, which holds no marker.
FIELD_VALUES: dict[tuple[Any, ...], st.SearchStrategy[Any]] = {
    **{path: st.one_of(values, secret) for path, secret in SECRET_VALUES.items()},
    ("current-context",): st.one_of(values, names),
    ("clusters", 0, "name"): st.one_of(values, names),
    ("contexts", 0, "context", "cluster"): st.one_of(values, names),
    ("contexts", 0, "context", "user"): st.one_of(values, names),
    ("contexts", 0, "context", "namespace"): st.one_of(values, names),
}
assert set(FIELD_VALUES) <= set(FIELDS)

# What may be taken away, so that what it overrides is used: a file instead of inline data,
# tokenFile instead of token, no proxy.
REMOVABLE: list[tuple[Any, ...]] = [
    ("clusters", 0, "cluster", "certificate-authority-data"),
    ("clusters", 0, "cluster", "proxy-url"),
    ("users", 0, "user", "token"),
    ("users", 2, "user", "client-certificate-data"),
    ("users", 2, "user", "client-key-data"),
]
# A path may name the file "token" or "key" (KEY): secrets both. The token file may be broken.
token_files = st.one_of(
    st.just(f"{TOKEN}\n".encode()),
    hostile(TOKEN).map(lambda text: text.encode("utf-8")),
    st.just(TOKEN.encode() + b"\xff\n"),
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
def kubeconfigs(draw: st.DrawFn) -> tuple[bytes, str, bytes]:
    """A kubeconfig's bytes, the context to ask for, and the content of the token file."""
    doc = skeleton()
    user = draw(contexts_users)
    doc["contexts"][0]["context"]["user"] = user
    for path in draw(st.lists(st.sampled_from(REMOVABLE), max_size=2, unique=True)):
        _remove(doc, path)
    planted = st.sampled_from(USER_SECRETS[user] + CLUSTER_SECRETS)
    for path in draw(st.lists(planted, min_size=1, max_size=2, unique=True)):
        _replace(doc, path, draw(SECRET_VALUES[path]))
    for path in draw(st.lists(st.sampled_from(FIELDS), max_size=3, unique=True)):
        _replace(doc, path, draw(FIELD_VALUES.get(path, values)))
    text = yaml.safe_dump(doc, allow_unicode=draw(st.booleans()), sort_keys=False)
    context = draw(st.sampled_from(["dev", "", "missing"]))
    return draw(mangled(text)), context, draw(token_files)


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
    """The traceback, and the message and repr of every error in the chain, suppressed or not."""
    texts = ["".join(traceback.format_exception(exc))]
    pending: list[BaseException] = [exc]
    seen: set[int] = set()
    while pending:
        error = pending.pop()
        if id(error) in seen:
            continue
        seen.add(id(error))
        texts += [str(error), repr(error)]
        pending += [e for e in (error.__cause__, error.__context__) if e is not None]
    return texts


class _Lines(logging.Handler):
    """Every log line, any logger and level, with its traceback."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@contextmanager
def _logged() -> Iterator[list[str]]:
    root = logging.getLogger()
    handler, level = _Lines(), root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield handler.lines
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


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
    tmp_path: Path, case: tuple[bytes, str, bytes]
) -> None:
    data, context, token_file = case
    (tmp_path / "token").write_bytes(token_file)
    (tmp_path / "key").write_bytes(KEY)
    path = tmp_path / "config"
    path.write_bytes(data)
    refused: ConfigError | None = None
    with _logged() as lines:
        try:
            _use(load_config(path, context=context or None, environ={}))
        except ConfigError as exc:
            refused = exc
    assert not _leaks(lines), lines
    if refused is not None:
        assert not _leaks(_texts(refused)), refused


def test_non_ascii_key_data_is_refused_with_no_error_holding_it(tmp_path: Path) -> None:
    """base64's own refusal would chain a UnicodeEncodeError holding the whole key."""
    doc = skeleton()
    doc["contexts"][0]["context"]["user"] = "k"
    doc["users"][2]["user"]["client-key-data"] = f"{KEY_SECRET}é"
    path = tmp_path / "config"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True))
    with pytest.raises(ConfigError, match="client-key-data: not valid base64") as caught:
        load_config(path, environ={})
    assert not _leaks(_texts(caught.value)), _texts(caught.value)


@pytest.mark.parametrize(
    ("paths", "context"),
    [
        ([("current-context",)], None),
        ([], URLS_WITH_PASSWORD[0]),
        ([("contexts", 0, "context", "cluster")], None),
        ([("contexts", 0, "context", "user")], None),
        ([("contexts", 0, "context", "namespace")], None),
        ([("clusters", 0, "name"), ("contexts", 0, "context", "cluster")], None),
    ],
)
def test_a_url_where_a_name_belongs_is_quoted_with_its_password_masked(
    tmp_path: Path, paths: list[tuple[Any, ...]], context: str | None
) -> None:
    """A mistake can put a server URL where a name belongs: rawkube quotes it, masked."""
    doc = skeleton()
    if ("clusters", 0, "name") in paths:
        del doc["clusters"][0]["cluster"]["server"]  # the cluster is found, and quoted: no server
    for field in paths:
        _replace(doc, field, URLS_WITH_PASSWORD[0])
    path = tmp_path / "config"
    path.write_text(yaml.safe_dump(doc))
    with pytest.raises(ConfigError, match=r"'https://admin:\*\*\*@k8s\.example'") as caught:
        load_config(path, context=context, environ={})
    assert not _leaks(_texts(caught.value)), _texts(caught.value)

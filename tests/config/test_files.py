"""Files a configuration names are read only if regular, never blocking, and only up to a limit."""

from __future__ import annotations

import base64
import contextlib
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

import pytest

from rawkube.config import TokenFileAuth, _files, incluster_config, load_config
from rawkube.core._clock import FakeClock
from rawkube.core._exceptions import ConfigError
from tests.config.conftest import WriteYaml, kubeconfig_doc

T = TypeVar("T")
CERT = b"-----BEGIN CERTIFICATE-----\nMIIBcert\n-----END CERTIFICATE-----\n"
KEY = b"-----BEGIN PRIVATE KEY-----\nMIIBkey\n-----END PRIVATE KEY-----\n"
POD_ENV = {"KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443"}
LIMIT = 5.0  # seconds: a read that blocks is given this long, then the test fails


def _release(fifo: Path) -> None:
    """Let a reader blocked on ``fifo`` go: a writer comes and leaves, so it reads the end."""
    with contextlib.suppress(OSError):
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))


def finishes(call: Callable[[], T], fifos: Sequence[Path] = ()) -> T:
    """What ``call()`` returns or raises, failing the test if it is still running after LIMIT s.

    A call blocked on a FIFO is released afterwards, so no thread is left behind.
    """
    outcome: list[tuple[bool, Any]] = []

    def run() -> None:
        try:
            outcome.append((True, call()))
        except BaseException as exc:
            outcome.append((False, exc))

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(LIMIT)
    blocked = thread.is_alive()
    for fifo in fifos:
        _release(fifo)
    thread.join(LIMIT)
    if blocked:
        pytest.fail(f"still blocked after {LIMIT} s")
    returned, value = outcome[0]
    if not returned:
        raise value
    return value  # type: ignore[no-any-return]


@pytest.fixture
def fifo(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "fifo"
    os.mkfifo(path)
    yield path
    _release(path)


def one_context(**fields: Any) -> dict[str, Any]:
    """A kubeconfig with one context; ``cluster_*`` keys go to the cluster, others to the user."""
    cluster = {"server": "https://k8s.example:6443"}
    user = {}
    for key, value in fields.items():
        if key.startswith("cluster_"):
            cluster[key.removeprefix("cluster_")] = value
        else:
            user[key] = value
    return kubeconfig_doc(
        clusters={"c": cluster},
        users={"u": user},
        contexts={"dev": {"cluster": "c", "user": "u"}},
        current="dev",
    )


def referencing(field: str, target: Path, tmp_path: Path) -> dict[str, Any]:
    """A kubeconfig whose ``field`` names ``target`` (with whatever that field needs beside it)."""
    cert = tmp_path / "client.crt"
    cert.write_bytes(CERT)
    if field == "certificate-authority":
        return one_context(**{"cluster_certificate-authority": str(target)})
    if field == "client-certificate":
        return one_context(**{"client-certificate": str(target), "client-key-data": b64(KEY)})
    if field == "client-key":
        return one_context(**{"client-certificate": str(cert), "client-key": str(target)})
    return one_context(tokenFile=str(target))


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


KEYS = {
    "certificate-authority": "clusters[0].cluster.certificate-authority",
    "client-certificate": "users[0].user.client-certificate",
    "client-key": "users[0].user.client-key",
    "tokenFile": "users[0].user.tokenFile",
}


def cannot_read(field: str, path: Path) -> str:
    """The start of the message for ``field`` naming ``path`` that cannot be read."""
    what = "token file " if field == "tokenFile" else ""
    return f"{KEYS[field]}: cannot read {what}{path}"


@pytest.mark.parametrize("field", list(KEYS))
def test_a_fifo_named_by_a_kubeconfig_is_refused_without_blocking(
    field: str, fifo: Path, tmp_path: Path, write_yaml: WriteYaml
) -> None:
    path = write_yaml(tmp_path / "config", referencing(field, fifo, tmp_path))
    with pytest.raises(ConfigError) as caught:
        finishes(lambda: load_config(path), [fifo])
    assert str(caught.value) == (f"{path}: {cannot_read(field, fifo)}: a FIFO, not a regular file")


@pytest.mark.parametrize("field", list(KEYS))
def test_a_device_named_by_a_kubeconfig_is_refused_unread(
    field: str, tmp_path: Path, write_yaml: WriteYaml
) -> None:
    path = write_yaml(tmp_path / "config", referencing(field, Path("/dev/zero"), tmp_path))
    with pytest.raises(ConfigError) as caught:
        finishes(lambda: load_config(path))
    assert str(caught.value) == (
        f"{path}: {cannot_read(field, Path('/dev/zero'))}: a character device, not a regular file"
    )


@pytest.mark.parametrize("special", ["fifo", "/dev/zero"])
def test_kubeconfig_env_naming_a_fifo_or_device_is_refused(special: str, fifo: Path) -> None:
    target = fifo if special == "fifo" else Path(special)
    with pytest.raises(ConfigError) as caught:
        finishes(lambda: load_config(environ={"KUBECONFIG": str(target)}), [fifo])
    kind = "a FIFO" if special == "fifo" else "a character device"
    assert str(caught.value) == f"{target}: cannot read: {kind}, not a regular file"


def test_the_default_kubeconfig_as_a_fifo_is_refused(tmp_path: Path) -> None:
    (tmp_path / ".kube").mkdir()
    default = tmp_path / ".kube" / "config"
    os.mkfifo(default)
    with pytest.raises(ConfigError, match="a FIFO, not a regular file"):
        finishes(lambda: load_config(environ={"HOME": str(tmp_path)}), [default])


def test_a_kubeconfig_over_the_limit_is_refused(
    tmp_path: Path, write_yaml: WriteYaml, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_yaml(tmp_path / "config", one_context(token="t"))
    size = path.stat().st_size
    monkeypatch.setattr(_files, "MAX_KUBECONFIG_BYTES", size)
    assert load_config(path).server == "https://k8s.example:6443"  # at the limit: read
    monkeypatch.setattr(_files, "MAX_KUBECONFIG_BYTES", size - 1)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(caught.value) == f"{path}: cannot read: larger than the limit of {size - 1} bytes"


@pytest.mark.parametrize("field", list(KEYS))
def test_a_referenced_file_over_the_limit_is_refused(
    field: str, tmp_path: Path, write_yaml: WriteYaml, monkeypatch: pytest.MonkeyPatch
) -> None:
    big = tmp_path / "big"
    big.write_bytes(CERT + KEY + b"x" * 100)
    monkeypatch.setattr(_files, "MAX_REFERENCED_FILE_BYTES", 64)
    path = write_yaml(tmp_path / "config", referencing(field, big, tmp_path))
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(caught.value) == (
        f"{path}: {cannot_read(field, big)}: larger than the limit of 64 bytes"
    )


def test_the_limits_are_generous_for_real_files() -> None:
    assert _files.MAX_KUBECONFIG_BYTES == 16 * 1024 * 1024
    assert _files.MAX_REFERENCED_FILE_BYTES == 1024 * 1024


def test_symbolic_links_to_regular_files_are_followed(
    tmp_path: Path, write_yaml: WriteYaml
) -> None:
    (tmp_path / "ca.crt").write_bytes(CERT)
    (tmp_path / "ca-link").symlink_to(tmp_path / "ca.crt")
    real = write_yaml(
        tmp_path / "real", one_context(**{"cluster_certificate-authority": "ca-link"})
    )
    (tmp_path / "config").symlink_to(real)
    assert load_config(tmp_path / "config").tls.ca_pem == CERT


def test_a_token_file_that_becomes_a_fifo_keeps_the_last_token(tmp_path: Path) -> None:
    token = tmp_path / "token"
    token.write_text("first-token\n")
    clock = FakeClock()
    auth = TokenFileAuth(token, clock, refresh_interval=1)
    assert auth.token() == "first-token"
    token.unlink()
    os.mkfifo(token)
    clock.advance(2)
    assert finishes(auth.token, [token]) == "first-token"
    with pytest.raises(ConfigError) as caught:
        finishes(TokenFileAuth(token, clock).token, [token])
    assert str(caught.value) == f"cannot read token file {token}: a FIFO, not a regular file"


@pytest.mark.parametrize("name", ["token", "ca.crt"])
def test_in_cluster_files_that_are_fifos_are_refused(name: str, tmp_path: Path) -> None:
    (tmp_path / "token").write_text("pod-token")
    (tmp_path / "ca.crt").write_bytes(CERT)
    (tmp_path / name).unlink()
    os.mkfifo(tmp_path / name)
    with pytest.raises(ConfigError, match=f"{tmp_path / name}: a FIFO, not a regular file"):
        finishes(lambda: incluster_config(tmp_path, POD_ENV), [tmp_path / name])


def test_an_in_cluster_namespace_fifo_is_the_default_namespace(tmp_path: Path) -> None:
    (tmp_path / "token").write_text("pod-token")
    os.mkfifo(tmp_path / "namespace")
    config = finishes(lambda: incluster_config(tmp_path, POD_ENV), [tmp_path / "namespace"])
    assert config.namespace == "default"


@pytest.mark.parametrize("field", list(KEYS))
def test_a_path_the_os_cannot_take_is_a_config_error(
    field: str, tmp_path: Path, write_yaml: WriteYaml
) -> None:
    path = write_yaml(tmp_path / "config", referencing(field, Path("bad\x00name"), tmp_path))
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(caught.value).endswith(": the path holds a NUL or a character the OS cannot take")
    assert f"{path}: {KEYS[field]}: cannot read" in str(caught.value)

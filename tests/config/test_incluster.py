"""Tests for in-cluster configuration from a fake service-account directory."""

from __future__ import annotations

from pathlib import Path

import pytest

from rawkube.config import TokenFileAuth, incluster_config
from rawkube.config.incluster import DEFAULT_SA_DIR, incluster_server
from rawkube.core._clock import FakeClock
from rawkube.core._exceptions import ConfigError
from tests.config.conftest import Capture, rewrite_keeping_stamp

CA = b"-----BEGIN CERTIFICATE-----\nMIIBincluster\n-----END CERTIFICATE-----\n"
ENV = {"KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443"}
SA_TOKEN = "eyJhbGciOi-sa-token"


@pytest.fixture
def sa_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "serviceaccount"
    directory.mkdir()
    (directory / "token").write_text(SA_TOKEN)
    (directory / "ca.crt").write_bytes(CA)
    (directory / "namespace").write_text("team-a\n")
    return directory


def test_pod_settings(sa_dir: Path, capture: Capture) -> None:
    clock = FakeClock()
    config = incluster_config(sa_dir, ENV, clock=clock)
    assert config.server == "https://10.96.0.1:443"
    assert config.namespace == "team-a"
    assert config.tls.ca_pem == CA
    assert config.tls.verify is True
    assert config.source == "in-cluster"
    assert config.context is None
    assert config.clock is clock
    assert isinstance(config.auth, TokenFileAuth)
    assert config.auth.path == sa_dir / "token"
    assert capture(config.auth)[0].headers["Authorization"] == f"Bearer {SA_TOKEN}"
    assert SA_TOKEN not in repr(config) + repr(config.auth)


def test_defaults_are_the_real_locations() -> None:
    assert Path("/var/run/secrets/kubernetes.io/serviceaccount") == DEFAULT_SA_DIR


def test_reads_os_environ_by_default(sa_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "k8s.internal")
    monkeypatch.setenv("KUBERNETES_SERVICE_PORT", "6443")
    assert incluster_config(sa_dir).server == "https://k8s.internal:6443"


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("fd00::1", "https://[fd00::1]:443"),
        ("[fd00::1]", "https://[fd00::1]:443"),
        ("10.0.0.1", "https://10.0.0.1:443"),
    ],
)
def test_server_url(host: str, expected: str) -> None:
    assert incluster_server(host, "443") == expected


def test_ipv6_host_in_config(sa_dir: Path) -> None:
    env = {**ENV, "KUBERNETES_SERVICE_HOST": "fd00::1"}
    assert incluster_config(sa_dir, env).server == "https://[fd00::1]:443"


@pytest.mark.parametrize(
    ("env", "missing"),
    [
        ({}, "KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT unset"),
        ({"KUBERNETES_SERVICE_PORT": "443"}, "KUBERNETES_SERVICE_HOST unset"),
        ({"KUBERNETES_SERVICE_HOST": "10.0.0.1"}, "KUBERNETES_SERVICE_PORT unset"),
    ],
)
def test_missing_service_env_is_named(sa_dir: Path, env: dict[str, str], missing: str) -> None:
    with pytest.raises(ConfigError, match=f"in-cluster: {missing}"):
        incluster_config(sa_dir, env)


def test_missing_token_is_named(sa_dir: Path) -> None:
    (sa_dir / "token").unlink()
    with pytest.raises(ConfigError, match=f"token missing: cannot read token file {sa_dir}/token"):
        incluster_config(sa_dir, ENV)


def test_namespace_defaults_to_default(sa_dir: Path) -> None:
    (sa_dir / "namespace").unlink()
    assert incluster_config(sa_dir, ENV).namespace == "default"


def test_pod_namespace_env_wins_over_the_file(sa_dir: Path) -> None:
    assert incluster_config(sa_dir, {**ENV, "POD_NAMESPACE": "from-env"}).namespace == "from-env"


def test_missing_ca_falls_back_to_the_system_trust_store(sa_dir: Path) -> None:
    (sa_dir / "ca.crt").unlink()
    config = incluster_config(sa_dir, ENV)
    assert config.tls.ca_pem is None
    assert config.tls.verify is True


def test_ca_that_is_not_pem_is_an_error(sa_dir: Path) -> None:
    (sa_dir / "ca.crt").write_text("garbage")
    with pytest.raises(ConfigError, match=r"ca\.crt is not a PEM certificate"):
        incluster_config(sa_dir, ENV)


def test_rotated_token_is_picked_up_by_interval(sa_dir: Path, capture: Capture) -> None:
    clock = FakeClock()
    config = incluster_config(sa_dir, ENV, clock=clock)
    assert config.auth is not None
    rotated = SA_TOKEN.upper()  # same size, and the stamp is kept: only the interval can tell
    rewrite_keeping_stamp(sa_dir / "token", rotated)
    assert capture(config.auth)[0].headers["Authorization"] == f"Bearer {SA_TOKEN}"
    clock.advance(60)
    assert capture(config.auth)[0].headers["Authorization"] == f"Bearer {rotated}"


def test_a_401_rereads_the_token_and_retries(sa_dir: Path, capture: Capture) -> None:
    config = incluster_config(sa_dir, ENV, clock=FakeClock())
    assert config.auth is not None
    rotated = SA_TOKEN.upper()
    rewrite_keeping_stamp(sa_dir / "token", rotated)
    first, retry = capture(config.auth, statuses=[401, 200])
    assert first.headers["Authorization"] == f"Bearer {SA_TOKEN}"
    assert retry.headers["Authorization"] == f"Bearer {rotated}"


@pytest.mark.parametrize(
    ("host", "port", "problem"),
    [
        ("10.96.0.1", "https", "is not a valid URL"),
        ("10.96.0.1", "70000", "is not a valid URL"),
        ("[fd00::1", "443", "is not a valid URL"),
        ("kubernetes..default", "443", "has a host name that is not valid"),
    ],
)
def test_service_variables_that_make_no_url_are_refused(
    sa_dir: Path, host: str, port: str, problem: str
) -> None:
    env = {"KUBERNETES_SERVICE_HOST": host, "KUBERNETES_SERVICE_PORT": port}
    with pytest.raises(ConfigError) as caught:
        incluster_config(sa_dir, env)
    assert str(caught.value).startswith(
        "in-cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT give a server URL that "
        + problem
    )

"""Tests for load_config(): which source is used, in which order, and what a miss says."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from rawkube.config import load_config
from rawkube.core._clock import FakeClock
from rawkube.core._exceptions import ConfigError
from tests.config.conftest import WriteYaml

MakeDoc = Callable[..., dict[str, Any]]
POD_ENV = {"KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443"}


def one_context(make: MakeDoc, server: str, context: str = "main", **extra: Any) -> dict[str, Any]:
    return make(
        clusters={context: {"server": server}},
        contexts={context: {"cluster": context, **extra}},
        current=context,
    )


@pytest.fixture
def home_config(isolated_environment: Path) -> Path:
    return isolated_environment / ".kube" / "config"


@pytest.fixture
def sa_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "sa"
    directory.mkdir()
    (directory / "token").write_text("pod-token")
    (directory / "namespace").write_text("pod-ns")
    return directory


def pod(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in POD_ENV.items():
        monkeypatch.setenv(name, value)


class TestExplicitPath:
    def test_is_used_alone(
        self,
        tmp_path: Path,
        home_config: Path,
        write_yaml: WriteYaml,
        make_kubeconfig: MakeDoc,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        explicit = write_yaml(
            tmp_path / "explicit", one_context(make_kubeconfig, "https://explicit")
        )
        env_file = write_yaml(
            tmp_path / "env", one_context(make_kubeconfig, "https://env", "other")
        )
        write_yaml(home_config, one_context(make_kubeconfig, "https://home"))
        monkeypatch.setenv("KUBECONFIG", str(env_file))
        config = load_config(explicit)
        assert config.server == "https://explicit"
        assert config.source == f"kubeconfig {explicit}"
        with pytest.raises(ConfigError, match="context 'other'"):
            load_config(explicit, context="other")

    def test_must_exist(
        self, tmp_path: Path, home_config: Path, write_yaml: WriteYaml, make_kubeconfig: MakeDoc
    ) -> None:
        write_yaml(home_config, one_context(make_kubeconfig, "https://home"))
        with pytest.raises(ConfigError, match=f"kubeconfig {tmp_path}/missing: does not exist"):
            load_config(tmp_path / "missing")

    def test_must_be_a_file(self, tmp_path: Path) -> None:
        with pytest.raises(ConfigError, match="is not a file"):
            load_config(str(tmp_path))

    def test_tilde_expands(
        self, home_config: Path, write_yaml: WriteYaml, make_kubeconfig: MakeDoc
    ) -> None:
        write_yaml(home_config.parent / "other", one_context(make_kubeconfig, "https://tilde"))
        assert load_config("~/.kube/other").server == "https://tilde"


class TestKubeconfigVariable:
    def test_files_merge_in_order_skipping_missing_and_empty_entries(
        self,
        tmp_path: Path,
        home_config: Path,
        write_yaml: WriteYaml,
        make_kubeconfig: MakeDoc,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        first = write_yaml(tmp_path / "first", one_context(make_kubeconfig, "https://first", "a"))
        second = write_yaml(
            tmp_path / "second", one_context(make_kubeconfig, "https://second", "b")
        )
        write_yaml(home_config, one_context(make_kubeconfig, "https://home", "h"))
        entries = ["", str(tmp_path / "missing"), str(first), "", str(second), str(first)]
        monkeypatch.setenv("KUBECONFIG", os.pathsep.join(entries))
        config = load_config()
        assert (config.server, config.context) == ("https://first", "a")
        assert config.source == f"kubeconfig {first}, {second}"
        assert load_config(context="b").server == "https://second"
        with pytest.raises(ConfigError, match=r"available contexts: a, b\)"):
            load_config(context="h")  # the home file is not read when KUBECONFIG lists files

    def test_none_of_the_files_exist_and_no_pod(
        self,
        tmp_path: Path,
        home_config: Path,
        write_yaml: WriteYaml,
        make_kubeconfig: MakeDoc,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        write_yaml(home_config, one_context(make_kubeconfig, "https://home"))
        listed = os.pathsep.join([str(tmp_path / "a"), str(tmp_path / "b")])
        monkeypatch.setenv("KUBECONFIG", listed)
        with pytest.raises(ConfigError) as caught:
            load_config()
        assert str(caught.value) == (
            f"no configuration found: KUBECONFIG={listed}: none of these files exist; "
            "in-cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT unset"
        )

    def test_only_separators_counts_as_unset(
        self,
        home_config: Path,
        write_yaml: WriteYaml,
        make_kubeconfig: MakeDoc,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        write_yaml(home_config, one_context(make_kubeconfig, "https://home"))
        monkeypatch.setenv("KUBECONFIG", os.pathsep * 2)
        assert load_config().server == "https://home"


class TestHomeFile:
    def test_is_the_fallback(
        self, home_config: Path, write_yaml: WriteYaml, make_kubeconfig: MakeDoc
    ) -> None:
        write_yaml(home_config, one_context(make_kubeconfig, "https://home", namespace="home-ns"))
        config = load_config()
        assert (config.server, config.namespace) == ("https://home", "home-ns")
        assert config.source == f"kubeconfig {home_config}"

    def test_namespace_and_clock_are_passed_through(
        self, home_config: Path, write_yaml: WriteYaml, make_kubeconfig: MakeDoc
    ) -> None:
        write_yaml(home_config, one_context(make_kubeconfig, "https://home", namespace="home-ns"))
        clock = FakeClock()
        config = load_config(namespace="override", clock=clock)
        assert config.namespace == "override"
        assert config.clock is clock

    def test_malformed_file_is_an_error_not_a_fall_through(
        self, home_config: Path, sa_dir: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        home_config.parent.mkdir(parents=True)
        home_config.write_text("- not\n- a mapping\n")
        pod(monkeypatch)
        with pytest.raises(ConfigError, match=f"^{home_config}: not a mapping"):
            load_config(service_account_dir=sa_dir)

    def test_unknown_context_lists_the_available_ones(
        self, home_config: Path, write_yaml: WriteYaml, make_kubeconfig: MakeDoc
    ) -> None:
        write_yaml(home_config, one_context(make_kubeconfig, "https://home", "main"))
        with pytest.raises(
            ConfigError,
            match=r"context 'prod' \(requested\) not found \(available contexts: main\)",
        ):
            load_config(context="prod")


class TestInCluster:
    def test_used_when_no_kubeconfig_exists(
        self, sa_dir: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        pod(monkeypatch)
        clock = FakeClock()
        config = load_config(service_account_dir=sa_dir, clock=clock)
        assert (config.server, config.namespace, config.source) == (
            "https://10.96.0.1:443",
            "pod-ns",
            "in-cluster",
        )
        assert config.clock is clock
        assert load_config(service_account_dir=sa_dir, namespace="other").namespace == "other"

    def test_not_used_when_a_kubeconfig_exists(
        self,
        home_config: Path,
        sa_dir: Path,
        write_yaml: WriteYaml,
        make_kubeconfig: MakeDoc,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        write_yaml(home_config, one_context(make_kubeconfig, "https://home"))
        pod(monkeypatch)
        assert load_config(service_account_dir=sa_dir).server == "https://home"

    def test_used_when_kubeconfig_lists_only_missing_files(
        self, tmp_path: Path, sa_dir: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("KUBECONFIG", str(tmp_path / "missing"))
        pod(monkeypatch)
        assert load_config(service_account_dir=sa_dir).source == "in-cluster"

    def test_a_context_cannot_be_chosen(
        self, sa_dir: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        pod(monkeypatch)
        with pytest.raises(
            ConfigError, match="context 'dev' requested, but there is no kubeconfig file"
        ):
            load_config(context="dev", service_account_dir=sa_dir)

    def test_missing_token_is_reported_with_the_other_sources(
        self, sa_dir: Path, home_config: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        (sa_dir / "token").unlink()
        pod(monkeypatch)
        with pytest.raises(ConfigError) as caught:
            load_config(service_account_dir=sa_dir)
        message = str(caught.value)
        assert message.startswith(
            f"no configuration found: KUBECONFIG unset; {home_config}: does not exist; in-cluster: "
        )
        assert f"cannot read token file {sa_dir}/token" in message


def test_nothing_found_names_each_source(home_config: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config()
    assert str(caught.value) == (
        f"no configuration found: KUBECONFIG unset; {home_config}: does not exist; "
        "in-cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT unset"
    )


def test_environ_argument_replaces_os_environ(
    tmp_path: Path, write_yaml: WriteYaml, make_kubeconfig: MakeDoc
) -> None:
    path = write_yaml(tmp_path / "kc", one_context(make_kubeconfig, "https://from-environ"))
    fake_home = tmp_path / "fake-home"
    assert load_config(environ={"KUBECONFIG": str(path)}).server == "https://from-environ"
    with pytest.raises(ConfigError, match=f"{fake_home}/.kube/config: does not exist"):
        load_config(environ={"HOME": str(fake_home)})

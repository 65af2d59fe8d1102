"""``rawkube version``: the client's version always, the server's when a cluster is configured."""

from __future__ import annotations

import httpx
import respx

import rawkube
from rawkube.cli import main
from tests.conftest import recorded_response

KUBECONFIG = """
apiVersion: v1
kind: Config
current-context: lab
contexts:
- name: lab
  context: {cluster: lab, user: lab}
clusters:
- name: lab
  cluster: {server: "http://k8s.test:6443"}
users:
- name: lab
  user: {token: abc}
"""


def test_version_without_a_cluster(capsys):
    assert main(["version"]) == 0
    out, err = capsys.readouterr()
    engine = httpx.__name__  # the suite's httpx is the engine's (tests/conftest.py)
    assert out == f"rawkube {rawkube.__version__} (HTTP engine: {engine} {httpx.__version__})\n"
    assert "no cluster configured" in err


@respx.mock
def test_version_with_a_cluster(tmp_path, capsys):
    path = tmp_path / "config"
    path.write_text(KUBECONFIG)
    respx.get("http://k8s.test:6443/version").mock(return_value=recorded_response("version"))
    assert main(["--kubeconfig", str(path), "version"]) == 0
    out, _ = capsys.readouterr()
    assert out.splitlines()[1].startswith("server v1.36")


@respx.mock
def test_version_with_an_unreachable_cluster(tmp_path, capsys):
    path = tmp_path / "config"
    path.write_text(KUBECONFIG)
    respx.get("http://k8s.test:6443/version").mock(side_effect=httpx.ConnectError("refused"))
    assert main(["--kubeconfig", str(path), "version"]) == 1
    assert "cannot connect" in capsys.readouterr().err


def test_fake_apiserver_on_a_taken_port_says_so(capsys):
    import socket

    from rawkube.cli import main

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["fake-apiserver", "--port", str(port)]) == 1
    assert f"cannot listen on 127.0.0.1:{port}" in capsys.readouterr().err


def serve_fake(tmp_path, *flags: str):
    """Start ``rawkube fake-apiserver`` with ``flags``: the process, and where it writes its kubeconfig."""
    import subprocess
    import sys

    kubeconfig = tmp_path / "kubeconfig"
    command = [sys.executable, "-m", "rawkube", "fake-apiserver", "--kubeconfig", str(kubeconfig)]
    return subprocess.Popen([*command, *flags], stdout=subprocess.PIPE, text=True), kubeconfig


def test_fake_apiserver_asks_for_the_token_its_kubeconfig_carries(tmp_path):
    import yaml

    process, kubeconfig = serve_fake(tmp_path)
    with process:
        try:
            assert process.stdout is not None
            url = process.stdout.readline().split()[-1]
            token = yaml.safe_load(kubeconfig.read_text())["users"][0]["user"]["token"]
            assert httpx.get(f"{url}/version", timeout=10).status_code == 401
            authorized = {"Authorization": f"Bearer {token}"}
            assert httpx.get(f"{url}/version", headers=authorized, timeout=10).status_code == 200
        finally:
            process.terminate()
        assert process.wait(10) == 0


def test_fake_apiserver_with_no_auth_serves_without_a_token(tmp_path):
    import yaml

    process, kubeconfig = serve_fake(tmp_path, "--no-auth")
    with process:
        try:
            assert process.stdout is not None
            url = process.stdout.readline().split()[-1]
            assert yaml.safe_load(kubeconfig.read_text())["users"][0]["user"] == {}
            assert httpx.get(f"{url}/version", timeout=10).status_code == 200
        finally:
            process.terminate()
        assert process.wait(10) == 0

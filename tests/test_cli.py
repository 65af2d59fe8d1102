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
    assert out == f"rawkube {rawkube.__version__}\n"
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

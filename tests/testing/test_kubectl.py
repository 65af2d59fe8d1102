"""The machine's own kubectl against the fake cluster served on loopback."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from rawkube.testing import FakeCluster

KUBECTL = shutil.which("kubectl")
pytestmark = pytest.mark.skipif(KUBECTL is None, reason="kubectl is not installed here")

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: REPLICAS
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: nginx:1.27
        ports:
        - containerPort: 80
"""


@pytest.fixture
def served(tmp_path):
    cluster = FakeCluster()
    with cluster.serve() as server:
        kubeconfig = server.write_kubeconfig(tmp_path / "kubeconfig")
        yield cluster, kubeconfig


def kubectl(kubeconfig: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    assert KUBECTL is not None
    env = {**os.environ, "KUBECONFIG": str(kubeconfig), "HOME": str(kubeconfig.parent)}
    done = subprocess.run(
        [KUBECTL, *args], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    if check and done.returncode != 0:
        raise AssertionError(f"kubectl {' '.join(args)} failed: {done.stderr}")
    return done


def manifest(tmp_path: Path, replicas: int) -> Path:
    path = tmp_path / "deployment.yaml"
    path.write_text(DEPLOYMENT.replace("REPLICAS", str(replicas)))
    return path


def test_get_create_and_delete(served, tmp_path):
    cluster, kubeconfig = served
    assert "default" in kubectl(kubeconfig, "get", "namespaces").stdout
    path = tmp_path / "cm.yaml"
    path.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: {a: b}\n")
    assert "configmap/x created" in kubectl(kubeconfig, "create", "-f", str(path)).stdout
    listed = kubectl(kubeconfig, "get", "configmaps").stdout.splitlines()
    assert listed[0].split() == ["NAME", "DATA", "AGE"]
    assert listed[1].split()[:2] == ["x", "1"]
    kubectl(kubeconfig, "delete", "configmap", "x")
    assert cluster.objects("ConfigMap") == []


def test_client_side_apply_twice_validates_and_patches(served, tmp_path):
    cluster, kubeconfig = served
    created = kubectl(kubeconfig, "apply", "-f", str(manifest(tmp_path, 2))).stdout
    assert "deployment.apps/web created" in created
    changed = kubectl(kubeconfig, "apply", "-f", str(manifest(tmp_path, 3))).stdout
    assert "deployment.apps/web configured" in changed
    (deployment,) = cluster.objects("Deployment")
    assert deployment["spec"]["replicas"] == 3
    annotations = deployment["metadata"]["annotations"]
    assert "kubectl.kubernetes.io/last-applied-configuration" in annotations
    patch = [a for a in cluster.actions() if a.verb == "patch"][-1]
    assert patch.params.get("fieldValidation") == "Strict"  # kubectl's default validation


def test_an_unknown_field_is_refused_by_strict_validation(served, tmp_path):
    _, kubeconfig = served
    path = tmp_path / "bad.yaml"
    path.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\nnotAField: 1\n")
    done = kubectl(kubeconfig, "apply", "-f", str(path), check=False)
    assert done.returncode != 0
    assert "notAField" in done.stderr


def test_server_side_apply(served, tmp_path):
    cluster, kubeconfig = served
    applied = kubectl(kubeconfig, "apply", "--server-side", "-f", str(manifest(tmp_path, 2)))
    assert "serverside-applied" in applied.stdout
    (deployment,) = cluster.objects("Deployment")
    managers = {m["manager"] for m in deployment["metadata"]["managedFields"]}
    assert "kubectl" in managers


def test_get_watch_sees_a_change(served, tmp_path):
    cluster, kubeconfig = served
    cluster.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}})
    assert KUBECTL is not None
    env = {**os.environ, "KUBECONFIG": str(kubeconfig), "HOME": str(tmp_path)}
    with subprocess.Popen(
        [KUBECTL, "get", "configmaps", "-w", "--output-watch-events"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as watching:
        try:
            assert watching.stdout is not None
            assert "EVENT" in watching.stdout.readline()  # the header
            assert "ADDED" in watching.stdout.readline()
            cluster.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "y"}})
            line = watching.stdout.readline()
            assert line.split()[:2] == ["ADDED", "y"]
        finally:
            watching.kill()


def test_the_fake_apiserver_command_serves_kubectl(tmp_path):
    kubeconfig = tmp_path / "out.yaml"
    seed = tmp_path / "seed.yaml"
    seed.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: seeded, namespace: team}\n")
    command = [sys.executable, "-m", "rawkube", "fake-apiserver", "--kubeconfig", str(kubeconfig)]
    with subprocess.Popen(
        [*command, "--load", str(seed)],
        stdout=subprocess.PIPE,
        text=True,
    ) as server:
        try:
            assert server.stdout is not None
            # the kubeconfig is written before the server says where it listens
            assert server.stdout.readline().startswith("fake API server at http://127.0.0.1:")
            assert oct(kubeconfig.stat().st_mode & 0o777) == "0o600"
            assert "default" in kubectl(kubeconfig, "get", "namespaces").stdout
            seeded = kubectl(kubeconfig, "get", "configmaps", "-n", "team", "-o", "name").stdout
            assert seeded.split() == ["configmap/seeded"]
        finally:
            server.terminate()
        assert server.wait(10) == 0

"""The CLI's tests run ``rawkube.cli.main`` in-process against the fake cluster on loopback."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from rawkube.cli import main
from rawkube.testing import FakeClock, FakeCluster

KUBECTL = "/usr/bin/kubectl" if os.path.exists("/usr/bin/kubectl") else shutil.which("kubectl")

OBJECTS = """
apiVersion: v1
kind: Pod
metadata: {name: web-0, labels: {app: web}}
spec: {nodeName: node-1, containers: [{name: app, image: nginx}]}
status: {phase: Running}
---
apiVersion: v1
kind: Pod
metadata: {name: db-0, namespace: kube-system, labels: {app: db}}
spec: {containers: [{name: app, image: postgres}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, labels: {app: web}}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: app, image: nginx}]}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec: {selector: {app: web}, ports: [{port: 80}]}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
data: {mode: fast, port: "8080"}
"""


@dataclass
class Served:
    """A fake cluster served on loopback, and a kubeconfig pointing at it."""

    cluster: FakeCluster
    kubeconfig: Path

    def run(self, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
        """``rawkube --kubeconfig K ARGV...`` in-process: its status, stdout and stderr."""
        capsys.readouterr()
        status = main(["--kubeconfig", str(self.kubeconfig), *argv])
        out, err = capsys.readouterr()
        return status, out, err

    def kubectl(self, *argv: str) -> subprocess.CompletedProcess[str]:
        assert KUBECTL is not None
        env = {**os.environ, "KUBECONFIG": str(self.kubeconfig)}
        return subprocess.run(
            [KUBECTL, *argv], env=env, capture_output=True, text=True, timeout=60, check=False
        )

    def rawkube(self, *argv: str, **options: Any) -> subprocess.CompletedProcess[str]:
        """``python -m rawkube ARGV...`` in a process of its own."""
        env = {**os.environ, "KUBECONFIG": str(self.kubeconfig)}
        return subprocess.run(
            [sys.executable, "-m", "rawkube", *argv],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
            **options,
        )


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    # A clock that stands still: every AGE is the same for rawkube and kubectl.
    cluster = FakeCluster(clock=FakeClock())
    cluster.load_yaml(OBJECTS)
    with cluster.serve() as server:
        yield Served(cluster, server.write_kubeconfig(tmp_path / "kubeconfig"))

"""``rawkube demo``: the README's first command, on the embedded fake cluster."""

from __future__ import annotations

import io
import subprocess
import sys

from rawkube.cli import demo
from rawkube.testing import FakeClock, FakeCluster


def test_the_demo_runs_every_step_and_cleans_up():
    cluster = FakeCluster(clock=FakeClock())
    out = io.StringIO()
    with cluster.client() as client:
        demo.run(client, fake=True, out=out)
    text = out.getvalue()
    for step in (
        "created namespace rawkube-demo-",
        "created deployment web (3 replicas)",
        "made its 3 pods",
        "created service web",
        "pods, as the server's Table:",
        "the watch saw it: MODIFIED deployment web, tier=front",
        "scaled deployment web to 1 replica",
        "deleted namespace",
    ):
        assert step in text
    assert text.count("web-") >= 3  # the table's rows
    assert [n["metadata"]["name"] for n in cluster.objects("Namespace")] == ["default"]
    assert cluster.objects("Pod") == []
    assert cluster.objects("Deployment") == []


def test_python_m_rawkube_demo_runs_on_the_embedded_cluster():
    done = subprocess.run(
        [sys.executable, "-m", "rawkube", "demo"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "rawkube demo on the embedded fake cluster" in done.stdout
    assert "deleted namespace" in done.stdout


def test_on_a_real_cluster_the_demo_waits_for_the_controllers_pods(tmp_path):
    import threading

    cluster = FakeCluster()  # served on loopback, with a stand-in Deployment controller
    stop = threading.Event()

    def controller() -> None:
        made: set[str] = set()
        while not stop.wait(0.02):
            for deployment in cluster.objects("Deployment"):
                namespace = deployment["metadata"]["namespace"]
                if namespace in made:
                    continue
                made.add(namespace)
                for index in range(deployment["spec"]["replicas"]):
                    pod = {
                        "apiVersion": "v1",
                        "kind": "Pod",
                        "metadata": {
                            "name": f"web-{index}",
                            "namespace": namespace,
                            "labels": {"app": "web"},
                        },
                    }
                    cluster.create(pod)

    worker = threading.Thread(target=controller)
    worker.start()
    try:
        with cluster.serve() as server:
            kubeconfig = server.write_kubeconfig(tmp_path / "kubeconfig")
            done = subprocess.run(
                [sys.executable, "-m", "rawkube", "demo", "--kubeconfig", str(kubeconfig)],
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )
    finally:
        stop.set()
        worker.join()
    assert done.returncode == 0, done.stderr
    assert f"rawkube demo on {server.url}" in done.stdout
    assert "made its" not in done.stdout  # the controller's pods, waited for
    assert "web-0" in done.stdout
    assert [n["metadata"]["name"] for n in cluster.objects("Namespace")] == ["default"]

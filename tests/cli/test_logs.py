"""``rawkube logs TYPE/NAME`` and ``logs -l``: the pod kubectl picks, each selected pod's log."""

from __future__ import annotations

import pytest

from tests.cli.conftest import KUBECTL

needs_kubectl = pytest.mark.skipif(KUBECTL is None, reason="kubectl is not installed here")

# web-0 (conftest's) runs on a node; web-1 too, ready and restarted; web-2 is on no node and has
# two containers; the job's pods rank by phase, readiness and age.
PODS = """
apiVersion: v1
kind: Pod
metadata: {name: web-1, labels: {app: web}}
spec: {nodeName: node-1, containers: [{name: app, image: nginx}]}
status:
  phase: Running
  conditions: [{type: Ready, status: "True"}]
  containerStatuses:
  - {name: app, restartCount: 2, ready: true, image: nginx, imageID: x, started: true}
---
apiVersion: v1
kind: Pod
metadata: {name: web-2, labels: {app: web}}
spec: {containers: [{name: app, image: nginx}, {name: side, image: busybox}]}
status: {phase: Pending}
---
apiVersion: batch/v1
kind: Job
metadata: {name: report}
spec:
  selector: {matchLabels: {job: report}}
  template:
    metadata: {labels: {job: report}}
    spec: {restartPolicy: Never, containers: [{name: main, image: busybox}]}
---
apiVersion: v1
kind: Pod
metadata: {name: report-a, labels: {job: report}}
spec: {nodeName: node-1, containers: [{name: main, image: busybox}]}
status: {phase: Pending}
---
apiVersion: v1
kind: Pod
metadata: {name: report-b, labels: {job: report}}
spec: {nodeName: node-2, containers: [{name: main, image: busybox}]}
status: {phase: Running}
---
apiVersion: v1
kind: Pod
metadata: {name: report-c, labels: {job: report}}
spec: {containers: [{name: main, image: busybox}]}
status: {phase: Running, conditions: [{type: Ready, status: "True"}]}
"""


@pytest.fixture
def pods(served):
    served.cluster.load_yaml(PODS)
    for name in ("web-0", "web-1", "web-2", "report-a", "report-b", "report-c"):
        served.cluster.set_logs("default", name, f"{name} one\n{name} two\n")
    served.cluster.set_logs("default", "web-1", "".join(f"web-1 line {i}\n" for i in range(1, 13)))
    return served


@needs_kubectl
@pytest.mark.parametrize(
    "argv",
    [
        "logs deploy/web",
        "logs deployment.apps/web --tail 2",
        "logs svc/web --prefix",
        "logs job/report",
        "logs jobs/report --prefix -f",
        "logs web-2",
        "logs pod/web-0 --prefix",
        "logs -l app=none",
        "logs -l app=web -f --max-log-requests 2",
    ],
)
def test_logs_print_what_kubectl_prints_on_the_same_cluster(pods, capsys, argv):
    status, out, err = pods.run(capsys, *argv.split())
    kubectl = pods.kubectl(*argv.split())
    assert (status, out, err) == (kubectl.returncode, kubectl.stdout, kubectl.stderr)


@needs_kubectl
@pytest.mark.parametrize(
    "argv",
    ["logs -l app=web --prefix", "logs -l app=web --prefix -f", "logs -l job=report --prefix"],
)
def test_each_selected_pods_log_as_kubectl_prints_them(pods, capsys, argv):
    """kubectl reads the pods in no fixed order: the same lines, each pod's in its order."""
    status, out, err = pods.run(capsys, *argv.split())
    kubectl = pods.kubectl(*argv.split())
    assert (status, err) == (kubectl.returncode, kubectl.stderr)
    assert sorted(out.splitlines()) == sorted(kubectl.stdout.splitlines())
    # Each pod's own lines keep their order: the last 10 of web-1's, both of a report's.
    if "app=web" in argv:
        web_1 = [line for line in out.splitlines() if line.startswith("[pod/web-1/app] ")]
        assert web_1 == [f"[pod/web-1/app] web-1 line {i}" for i in range(3, 13)]
    else:
        report_b = [line for line in out.splitlines() if line.startswith("[pod/report-b/")]
        assert report_b == ["[pod/report-b/main] report-b one", "[pod/report-b/main] report-b two"]


def test_the_pod_picked_is_said_when_there_are_several(pods, capsys):
    assert pods.run(capsys, "logs", "deploy/web", "--tail", "1") == (
        0,
        "web-1 line 12\n",
        "Found 3 pods, using pod/web-1\n",
    )
    # on a node before running elsewhere; running before pending
    status, out, _ = pods.run(capsys, "logs", "job/report")
    assert (status, out) == (0, "report-b one\nreport-b two\n")


def test_a_selector_reads_every_line_with_tail(pods, capsys):
    status, out, _ = pods.run(capsys, "logs", "-l", "app=web", "--tail", "-1")
    assert status == 0
    assert out.count("web-1 line") == 12


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["cm/settings"], "error: cannot get the logs from configmap/settings: only a pod"),
        (["deploy/nope"], 'error: deployments.apps "nope" not found'),
        (["web-0", "-l", "app=web"], "error: only a selector (-l) or a POD name is allowed"),
        ([], "error: only a selector (-l) or a POD name is allowed"),
    ],
)
def test_what_logs_cannot_read_is_one_error_line(pods, capsys, argv, message):
    status, out, err = pods.run(capsys, "logs", *argv)
    assert (status, out) == (1, "")
    assert err.startswith(message)
    assert err.count("\n") == 1


def test_an_object_selecting_no_pods_says_so(pods, capsys):
    pods.cluster.load_yaml(
        """
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  selector: {matchLabels: {app: db}}
  serviceName: db
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: db, image: postgres}]}
"""
    )
    assert pods.run(capsys, "logs", "sts/db") == (1, "", "error: statefulset/db selects no pods\n")

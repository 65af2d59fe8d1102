"""The kubectl commands of an ordinary day, run in order against one loopback fake cluster.

Each command must exit as it does against a real cluster (0, but for ``diff`` with changes
and an apply that conflicts, which exit 1 there too) and print what a user looks at. The tests
share one cluster and run in file order, as a user's session would: later ones use what
earlier ones made.

The fake runs no kubelet and no controllers but the garbage collector and the namespace
controller. Where kubectl waits for a controller's work, the test does that work itself
through the API as the controller would (a Deployment's status, its ReplicaSets), and says so.
Left out as the fake is no cluster: ``kubectl top`` (no metrics API is served: kubectl says
"Metrics API not available") and ``kubectl get events`` beyond an empty list (nothing
records events).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import textwrap
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from rawkube.testing import ExecCall, ExecReply, FakeCluster

KUBECTL = "/usr/bin/kubectl" if os.path.exists("/usr/bin/kubectl") else shutil.which("kubectl")
pytestmark = pytest.mark.skipif(KUBECTL is None, reason="kubectl is not installed here")

NODE = {
    "apiVersion": "v1",
    "kind": "Node",
    "metadata": {"name": "node-1", "labels": {"kubernetes.io/hostname": "node-1"}},
    "status": {
        "conditions": [
            {
                "type": "Ready",
                "status": "True",
                "reason": "KubeletReady",
                "message": "kubelet is posting ready status",
                "lastHeartbeatTime": "2026-01-01T00:00:00Z",
                "lastTransitionTime": "2026-01-01T00:00:00Z",
            }
        ],
        "addresses": [{"type": "InternalIP", "address": "10.0.0.1"}],
        "nodeInfo": {
            "kubeletVersion": "v1.32.0",
            "osImage": "Debian GNU/Linux 12",
            "kernelVersion": "6.1.0",
            "containerRuntimeVersion": "containerd://1.7.0",
            "architecture": "amd64",
            "operatingSystem": "linux",
            "machineID": "m",
            "systemUUID": "s",
            "bootID": "b",
            "kubeProxyVersion": "",
        },
        "capacity": {"cpu": "4", "memory": "8Gi", "pods": "110"},
        "allocatable": {"cpu": "4", "memory": "8Gi", "pods": "110"},
    },
}
# No kubelet starts pods: the one running pod is seeded, as a node would have reported it.
POD = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {"name": "web-0", "namespace": "shop", "labels": {"app": "web"}},
    "spec": {"nodeName": "node-1", "containers": [{"name": "nginx", "image": "nginx:1.27"}]},
    "status": {"phase": "Running", "podIP": "10.1.0.5", "hostIP": "10.0.0.1"},
}
SHOP = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}}


@dataclass
class Session:
    cluster: FakeCluster
    kubeconfig: Path
    folder: Path

    def run(self, *args: str, code: int = 0, timeout: float = 60, **env: str) -> str:
        """Runs ``kubectl -n shop ARGS``, checks its exit code and returns its stdout."""
        done = self.start(*args, **env)
        out, err = done.communicate(timeout=timeout)
        assert done.returncode == code, f"kubectl {' '.join(args)}: {err}{out}"
        return out

    def start(self, *args: str, **env: str) -> subprocess.Popen[str]:
        assert KUBECTL is not None
        home = {"KUBECONFIG": str(self.kubeconfig), "HOME": str(self.folder)}
        return subprocess.Popen(
            [KUBECTL, "-n", "shop", *args],
            env={**os.environ, **home, **env},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def json(self, *args: str) -> Any:
        return json.loads(self.run("get", *args, "-o", "json"))

    def file(self, name: str, text: str) -> str:
        path = self.folder / name
        path.write_text(textwrap.dedent(text))
        return str(path)


@pytest.fixture(scope="module")
def k(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Session]:
    folder = tmp_path_factory.mktemp("kubectl")
    cluster = FakeCluster([NODE, SHOP, POD])
    with cluster.serve() as server:
        yield Session(cluster, server.write_kubeconfig(folder / "kubeconfig"), folder)


def owned_replicaset(k: Session, deployment: str, revision: int, image: str) -> None:
    """What the Deployment controller would make for one revision (the fake runs none)."""
    uid = k.json("deployment", deployment)["metadata"]["uid"]
    hash_ = f"rev{revision}"
    labels = {"app": deployment, "pod-template-hash": hash_}
    replicaset = {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {
            "name": f"{deployment}-{hash_}",
            "labels": labels,
            "annotations": {"deployment.kubernetes.io/revision": str(revision)},
            "ownerReferences": [
                {
                    "apiVersion": "apps/v1",
                    "kind": "Deployment",
                    "name": deployment,
                    "uid": uid,
                    "controller": True,
                    "blockOwnerDeletion": True,
                }
            ],
        },
        "spec": {
            "replicas": 0,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "nginx", "image": image}]},
            },
        },
    }
    k.run("create", "-f", k.file(f"{deployment}-{hash_}.json", json.dumps(replicaset)))


def test_create_each_kind_with_its_subcommand(k: Session) -> None:
    assert k.run("create", "namespace", "team") == "namespace/team created\n"
    creates = {
        "configmap/settings": ["configmap", "settings", "--from-literal=mode=fast"],
        "secret/creds": ["secret", "generic", "creds", "--from-literal=user=admin"],
        "deployment.apps/web": ["deployment", "web", "--image=nginx:1.27", "--replicas=2"],
        "service/web": ["service", "clusterip", "web", "--tcp=80:80"],
        "job.batch/once": ["job", "once", "--image=busybox", "--", "date"],
        "cronjob.batch/tick": ["cronjob", "tick", "--image=busybox", "--schedule=*/5 * * * *"],
        "serviceaccount/robot": ["serviceaccount", "robot"],
        "role.rbac.authorization.k8s.io/reader": [
            "role",
            "reader",
            "--verb=get,list",
            "--resource=pods,configmaps",
        ],
        "rolebinding.rbac.authorization.k8s.io/readers": [
            "rolebinding",
            "readers",
            "--role=reader",
            "--serviceaccount=shop:robot",
        ],
        "resourcequota/small": ["quota", "small", "--hard=pods=10,requests.cpu=2"],
        "priorityclass.scheduling.k8s.io/high": ["priorityclass", "high", "--value=1000"],
        "poddisruptionbudget.policy/web": ["pdb", "web", "--selector=app=web", "--min-available=1"],
        "ingress.networking.k8s.io/site": [
            "ingress",
            "site",
            "--class=nginx",
            "--rule=shop.example.com/=web:80",
        ],
    }
    for name, args in creates.items():
        assert k.run("create", *args) == f"{name} created\n"
    assert k.run("create", "configmap", "settings", code=1) == ""


def test_get_in_each_output(k: Session) -> None:
    wide = k.run("get", "pods", "-o", "wide").splitlines()
    assert wide[0].split() == [
        *("NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE"),
        *("NOMINATED", "NODE", "READINESS", "GATES"),
    ]
    assert wide[1].split()[:3] == ["web-0", "0/1", "Running"]
    assert wide[1].split()[5:7] == ["10.1.0.5", "node-1"]
    deployment = k.run("get", "deployment", "web", "-o", "yaml")
    assert "kind: Deployment\n" in deployment
    assert "image: nginx:1.27\n" in deployment
    assert "replicas: 2\n" in deployment
    assert k.json("configmap", "settings")["data"] == {"mode": "fast"}
    assert k.run("get", "pod", "web-0", "-o", "jsonpath={.status.podIP}") == "10.1.0.5"
    by_label = k.run("get", "pods", "-l", "app=web", "-o", "name")
    assert by_label == "pod/web-0\n"
    assert k.run("get", "pods", "-l", "app=nothing") == ""
    everywhere = k.run("get", "serviceaccounts", "-A").splitlines()
    assert everywhere[0].split()[:2] == ["NAMESPACE", "NAME"]
    assert ["shop", "robot"] in [line.split()[:2] for line in everywhere]
    nodes = k.run("get", "nodes", "-o", "wide").splitlines()
    assert nodes[1].split()[:2] == ["node-1", "Ready"]
    jobs = k.run("get", "jobs,cronjobs").splitlines()
    assert jobs[1].split()[:3] == ["job.batch/once", "Running", "0/1"]
    assert jobs[4].split()[:7] == [
        *("cronjob.batch/tick", "*/5", "*", "*", "*", "*", "<none>"),
    ]
    ingress = k.run("get", "ingress").splitlines()
    assert ingress[1].split()[:4] == ["site", "nginx", "shop.example.com", "80"]
    # Allowed disruptions stay 0: the disruption controller that counts them runs not here.
    budget = k.run("get", "pdb").splitlines()
    assert budget[1].split()[:4] == ["web", "1", "N/A", "0"]
    services = k.run("get", "services").splitlines()
    assert services[1].split()[:2] == ["web", "ClusterIP"]
    assert services[1].split()[4] == "80/TCP"


def shows(text: str, label: str, value: str) -> bool:
    """Whether ``describe`` printed ``label:`` followed (after its padding) by ``value``."""
    return re.search(rf"^ *{re.escape(label)}: +{re.escape(value)}$", text, re.M) is not None


def test_describe(k: Session) -> None:
    pod = k.run("describe", "pod", "web-0")
    assert shows(pod, "Name", "web-0")
    assert shows(pod, "Node", "node-1/10.0.0.1")
    assert shows(pod, "Status", "Running")
    assert shows(pod, "Image", "nginx:1.27")
    deployment = k.run("describe", "deployment", "web")
    # Nothing has made its pods: the counts say so, as on a cluster whose controller is down.
    assert shows(
        deployment, "Replicas", "2 desired | 0 updated | 0 total | 0 available | 0 unavailable"
    )
    assert shows(deployment, "Selector", "app=web")
    service = k.run("describe", "service", "web")
    assert shows(service, "Type", "ClusterIP")
    assert shows(service, "TargetPort", "80/TCP")
    cluster_ip = k.run("get", "service", "web", "-o", "jsonpath={.spec.clusterIP}")
    assert shows(service, "IP", cluster_ip)
    node = k.run("describe", "node", "node-1")
    assert shows(node, "Kubelet Version", "v1.32.0")
    assert re.search(r"^  Ready +True ", node, re.M)
    assert re.search(r"^  shop +web-0 ", node, re.M)  # the pods it runs
    # The quota controller fills a quota's status; the fake runs none, so the test does.
    status = {
        "status": {
            "hard": {"pods": "10", "requests.cpu": "2"},
            "used": {"pods": "1", "requests.cpu": "0"},
        }
    }
    k.run(
        "patch", "quota", "small", "--subresource=status", "--type=merge", "-p", json.dumps(status)
    )
    namespace = k.run("describe", "namespace", "shop")
    assert shows(namespace, "Status", "Active")
    assert shows(namespace, "Name", "small")
    assert re.search(r"^  pods +1 +10$", namespace, re.M)


def test_apply_client_side_and_diff(k: Session) -> None:
    manifest = """\
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: app-config
          namespace: shop
        data:
          level: info
        """
    path = k.file("app-config.yaml", manifest)
    assert k.run("apply", "-f", path) == "configmap/app-config created\n"
    assert k.run("diff", "-f", path) == ""  # nothing to change: exits 0
    assert k.run("apply", "-f", path) == "configmap/app-config unchanged\n"
    k.file("app-config.yaml", manifest.replace("info", "debug"))
    changes = k.run("diff", "-f", path, code=1)  # 1 says there are differences, as upstream
    assert "-  level: info\n+  level: debug\n" in changes
    assert k.run("apply", "-f", path) == "configmap/app-config configured\n"
    stored = k.json("configmap", "app-config")
    assert stored["data"] == {"level": "debug"}
    last = stored["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"]
    assert json.loads(last)["data"] == {"level": "debug"}


def test_apply_a_deployment_and_its_service_then_change_them(k: Session) -> None:
    manifest = """\
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: api
          namespace: shop
        spec:
          replicas: 2
          selector:
            matchLabels: {app: api}
          template:
            metadata:
              labels: {app: api}
            spec:
              containers:
              - name: api
                image: ghcr.io/shop/api:1.0
                ports:
                - containerPort: 8080
                env:
                - {name: MODE, value: prod}
                resources:
                  requests: {cpu: 100m, memory: 64Mi}
        ---
        apiVersion: v1
        kind: Service
        metadata:
          name: api
          namespace: shop
        spec:
          selector: {app: api}
          ports:
          - port: 80
            targetPort: 8080
        """
    path = k.file("api.yaml", manifest)
    assert k.run("apply", "-f", path) == "deployment.apps/api created\nservice/api created\n"
    # What the server defaults (strategy, protocol, dnsPolicy, ...) is no difference: diff
    # prints nothing and apply changes nothing, client-side and server-side.
    assert k.run("diff", "-f", path) == ""
    assert k.run("apply", "-f", path) == ("deployment.apps/api unchanged\nservice/api unchanged\n")
    assert k.run("diff", "--server-side", "-f", path) == ""
    assert k.run("replace", "-f", path) == "deployment.apps/api replaced\nservice/api replaced\n"
    assert k.run(
        "expose", "deployment", "api", "--name=api-alt", "--port=81", "--target-port=8080"
    ) == ("service/api-alt exposed\n")
    assert k.json("service", "api-alt")["spec"]["selector"] == {"app": "api"}
    assert k.run("set", "env", "deployment/api", "MODE=dev") == "deployment.apps/api env updated\n"
    # kubectl edit runs $KUBE_EDITOR on the object; sed stands in for the user's editor
    edit = "sed -i s#ghcr.io/shop/api:1.0#ghcr.io/shop/api:1.1#"
    assert k.run("edit", "deployment", "api", KUBE_EDITOR=edit) == "deployment.apps/api edited\n"
    (container,) = k.json("deployment", "api")["spec"]["template"]["spec"]["containers"]
    assert (container["image"], container["env"]) == (
        "ghcr.io/shop/api:1.1",
        [{"name": "MODE", "value": "dev"}],
    )
    assert k.run("autoscale", "deployment", "api", "--min=1", "--max=3", "--cpu-percent=80") == (
        "horizontalpodautoscaler.autoscaling/api autoscaled\n"
    )


def test_apply_server_side_with_a_conflict(k: Session) -> None:
    manifest = """\
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: flags
          namespace: shop
        data:
          beta: "on"
        """
    path = k.file("flags.yaml", manifest)
    alice = ["apply", "--server-side", "--field-manager=alice", "-f", path]
    assert k.run(*alice) == "configmap/flags serverside-applied\n"
    k.file("flags.yaml", manifest.replace('"on"', '"off"'))
    bob = ["apply", "--server-side", "--field-manager=bob", "-f", path]
    done = k.start(*bob)
    _, err = done.communicate(timeout=60)
    assert done.returncode == 1
    assert err.startswith('error: Apply failed with 1 conflict: conflict with "alice": .data.beta')
    assert k.run(*bob, "--force-conflicts") == "configmap/flags serverside-applied\n"
    flags = k.json("configmap", "flags", "--show-managed-fields")
    assert flags["data"] == {"beta": "off"}
    managers = {entry["manager"] for entry in flags["metadata"]["managedFields"]}
    assert "bob" in managers
    assert "alice" not in managers  # its only field was taken


def test_patch_each_type(k: Session) -> None:
    merge = '{"data":{"extra":"1"}}'
    assert k.run("patch", "configmap", "settings", "--type=merge", "-p", merge) == (
        "configmap/settings patched\n"
    )
    assert k.json("configmap", "settings")["data"] == {"mode": "fast", "extra": "1"}
    remove = '[{"op":"remove","path":"/data/extra"}]'
    k.run("patch", "configmap", "settings", "--type=json", "-p", remove)
    assert k.json("configmap", "settings")["data"] == {"mode": "fast"}
    # strategic (kubectl's default): the container list merges by name, not replaced
    limits = {"name": "nginx", "resources": {"limits": {"cpu": "500m"}}}
    strategic = json.dumps({"spec": {"template": {"spec": {"containers": [limits]}}}})
    assert k.run("patch", "deployment", "web", "-p", strategic) == "deployment.apps/web patched\n"
    (container,) = k.json("deployment", "web")["spec"]["template"]["spec"]["containers"]
    assert (container["image"], container["resources"]) == ("nginx:1.27", limits["resources"])
    assert k.run("patch", "deployment", "web", "-p", strategic) == (
        "deployment.apps/web patched (no change)\n"
    )


def test_label_annotate_scale_set_image(k: Session) -> None:
    assert k.run("label", "pod", "web-0", "tier=front") == "pod/web-0 labeled\n"
    assert k.run("get", "pods", "-l", "tier=front", "-o", "name") == "pod/web-0\n"
    assert k.run("label", "pod", "web-0", "tier-") == "pod/web-0 unlabeled\n"
    assert k.run("annotate", "deployment", "web", "owner=team-a") == (
        "deployment.apps/web annotated\n"
    )
    assert k.run("scale", "deployment", "web", "--replicas=3") == "deployment.apps/web scaled\n"
    assert k.run("set", "image", "deployment/web", "nginx=nginx:1.28") == (
        "deployment.apps/web image updated\n"
    )
    shown = "{.spec.replicas} {.spec.template.spec.containers[0].image}"
    assert k.run("get", "deployment", "web", "-o", f"jsonpath={shown}") == "3 nginx:1.28"
    annotations = k.json("deployment", "web")["metadata"]["annotations"]
    assert annotations["owner"] == "team-a"


def test_rollout(k: Session) -> None:
    # No Deployment controller: nothing makes ReplicaSets, so there is no history yet.
    assert k.run("rollout", "history", "deployment/web").endswith("No rollout history found.\n")
    # The test makes the two ReplicaSets the controller would have made for the two templates
    # so far (created with nginx:1.27, then set to nginx:1.28), each with its revision.
    owned_replicaset(k, "web", 1, "nginx:1.27")
    owned_replicaset(k, "web", 2, "nginx:1.28")
    history = k.run("rollout", "history", "deployment/web").splitlines()
    assert [line.split() for line in history[1:4]] == [
        ["REVISION", "CHANGE-CAUSE"],
        ["1", "<none>"],
        ["2", "<none>"],
    ]
    assert k.run("rollout", "undo", "deployment/web", "--to-revision=1") == (
        "deployment.apps/web rolled back\n"
    )
    image = "jsonpath={.spec.template.spec.containers[0].image}"
    assert k.run("get", "deployment", "web", "-o", image) == "nginx:1.27"
    # rollout status reads what the controller reports in status; with nobody reporting, it
    # waits ("Waiting for deployment spec update to be observed...") until its timeout, as it
    # would on a cluster whose controller is down. The test reports as the controller would.
    deployment = k.json("deployment", "web")
    replicas = deployment["spec"]["replicas"]
    status = {
        "observedGeneration": deployment["metadata"]["generation"],
        "replicas": replicas,
        "updatedReplicas": replicas,
        "readyReplicas": replicas,
        "availableReplicas": replicas,
    }
    patch = json.dumps({"status": status})
    k.run("patch", "deployment", "web", "--subresource=status", "--type=merge", "-p", patch)
    assert k.run("rollout", "status", "deployment/web", "--timeout=10s") == (
        'deployment "web" successfully rolled out\n'
    )
    ready = k.run("get", "deployment", "web").splitlines()[1].split()
    assert ready[:4] == ["web", "3/3", "3", "3"]
    assert k.run("rollout", "pause", "deployment/web") == "deployment.apps/web paused\n"
    assert k.json("deployment", "web")["spec"]["paused"] is True
    assert k.run("rollout", "resume", "deployment/web") == "deployment.apps/web resumed\n"
    assert k.run("rollout", "restart", "deployment/web") == "deployment.apps/web restarted\n"
    template = k.json("deployment", "web")["spec"]["template"]["metadata"]
    assert "kubectl.kubernetes.io/restartedAt" in template["annotations"]


def test_wait(k: Session) -> None:
    # The Job controller would say the job completed; the test says it through status.
    complete = {
        "type": "Complete",
        "status": "True",
        "lastProbeTime": "2026-01-01T00:00:00Z",
        "lastTransitionTime": "2026-01-01T00:00:00Z",
    }
    status = {
        "startTime": "2026-01-01T00:00:00Z",
        "completionTime": "2026-01-01T00:00:42Z",
        "succeeded": 1,
        "conditions": [complete],
    }
    patch = json.dumps({"status": status})
    k.run("patch", "job", "once", "--subresource=status", "--type=merge", "-p", patch)
    assert k.run("get", "jobs").splitlines()[1].split()[:4] == ["once", "Complete", "1/1", "42s"]
    assert k.run("wait", "--for=condition=Complete", "job/once", "--timeout=10s") == (
        "job.batch/once condition met\n"
    )
    running = "--for=jsonpath={.status.phase}=Running"
    assert k.run("wait", running, "pod/web-0", "--timeout=10s") == "pod/web-0 condition met\n"
    k.run("create", "configmap", "doomed", "--from-literal=a=b")
    waiting = k.start("wait", "--for=delete", "configmap/doomed", "--timeout=30s")
    time.sleep(1)  # let it see the configmap first, then watch it go
    assert k.run("delete", "configmap", "doomed") == 'configmap "doomed" deleted\n'
    out, err = waiting.communicate(timeout=60)
    assert (waiting.returncode, out) == (0, "configmap/doomed condition met\n"), err


def test_delete_with_each_cascade(k: Session) -> None:
    for name in ("bg", "fg", "keep"):
        k.run("create", "deployment", name, "--image=nginx:1.27")
        owned_replicaset(k, name, 1, "nginx:1.27")
    replicasets = ["get", "replicasets", "-o", "name"]
    assert "replicaset.apps/bg-rev1\n" in k.run(*replicasets)
    # background: the deployment goes at once and the garbage collector takes its ReplicaSet
    assert k.run("delete", "deployment", "bg", "--cascade=background") == (
        'deployment.apps "bg" deleted\n'
    )
    # foreground: the ReplicaSet goes first, then the deployment; kubectl waits for both
    assert k.run("delete", "deployment", "fg", "--cascade=foreground") == (
        'deployment.apps "fg" deleted\n'
    )
    # orphan: the ReplicaSet stays, let go of its owner
    assert k.run("delete", "deployment", "keep", "--cascade=orphan") == (
        'deployment.apps "keep" deleted\n'
    )
    left = k.run(*replicasets)
    assert "bg-rev1" not in left
    assert "fg-rev1" not in left
    assert "replicaset.apps/keep-rev1\n" in left
    assert "ownerReferences" not in k.json("replicaset", "keep-rev1")["metadata"]
    assert k.run("get", "deployments", "-o", "name") == "deployment.apps/api\ndeployment.apps/web\n"


def test_discovery_auth_and_explain(k: Session) -> None:
    # Not here: ``kubectl get --raw /healthz`` (and /livez, /readyz). --raw drops the server
    # URL's path, where the loopback fake's kubeconfig carries its token (kubectl sends no
    # bearer token over http), so the fake answers 401, as a server without anonymous auth
    # does; the router itself answers those paths "ok".
    assert k.run("version").splitlines()[-1] == "Server Version: v1.36.2-rawkube-fake"
    assert k.run("cluster-info").startswith("Kubernetes control plane is running at http://")
    assert k.run("auth", "can-i", "create", "deployments") == "yes\n"
    resources = [line.split() for line in k.run("api-resources").splitlines()]
    assert resources[0] == ["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"]
    assert ["deployments", "deploy", "apps/v1", "true", "Deployment"] in resources
    assert ["nodes", "no", "v1", "false", "Node"] in resources
    versions = k.run("api-versions").splitlines()
    assert {"v1", "apps/v1", "batch/v1", "networking.k8s.io/v1"} <= set(versions)
    pods = k.run("explain", "pods")
    assert shows(pods, "KIND", "Pod")
    assert shows(pods, "VERSION", "v1")
    assert re.search(r"^  spec\t<PodSpec>$", pods, re.M)
    # The fields and their types, with no descriptions: the fake serves none (no upstream
    # prose may enter the project), so kubectl prints its "<no description>".
    spec = k.run("explain", "deployment.spec")
    assert "FIELD: spec <DeploymentSpec>\n" in spec
    assert re.search(r"^  replicas\t<integer>$", spec, re.M)
    assert re.search(r"^  template\t<PodTemplateSpec> -required-$", spec, re.M)


def test_logs_exec_and_cp(k: Session) -> None:
    k.cluster.set_logs("shop", "web-0", "starting nginx\nlistening on :80\n")
    assert k.run("logs", "web-0") == "starting nginx\nlistening on :80\n"
    assert k.run("logs", "web-0", "--tail=1") == "listening on :80\n"
    # kubectl picks a pod by the deployment's selector (web-0 matches), not by ownership
    assert k.run("logs", "deployment/web", "--tail=1") == "listening on :80\n"

    def nginx(call: ExecCall) -> ExecReply | None:
        if call.command == ["nginx", "-v"]:
            return ExecReply(stderr="nginx version: nginx/1.27.0\n")
        return None  # tar, test, cat: the built-ins

    k.cluster.on_exec(nginx, namespace="shop", pod="web-0")
    done = k.start("exec", "web-0", "--", "nginx", "-v")
    out, err = done.communicate(timeout=60)
    assert (done.returncode, out, err) == (0, "", "nginx version: nginx/1.27.0\n")
    files = k.cluster.files("shop", "web-0")
    files["/usr/share/nginx/html/"] = b""  # the folder the image has
    page = k.folder / "index.html"
    page.write_text("<h1>shop</h1>\n")
    k.run("cp", str(page), "web-0:/usr/share/nginx/html/index.html")
    assert files["/usr/share/nginx/html/index.html"] == b"<h1>shop</h1>\n"
    back = k.folder / "back.html"
    k.run("cp", "web-0:/usr/share/nginx/html/index.html", str(back))
    assert back.read_text() == "<h1>shop</h1>\n"
    assert k.run("exec", "web-0", "--", "cat", "/usr/share/nginx/html/index.html") == (
        "<h1>shop</h1>\n"
    )


def test_delete_a_namespace_and_what_it_holds(k: Session) -> None:
    k.run("create", "configmap", "left", "--namespace=team")
    assert k.run("delete", "namespace", "team", "--timeout=30s") == 'namespace "team" deleted\n'
    assert k.run("get", "namespaces", "-o", "name") == "namespace/default\nnamespace/shop\n"


def test_cordon_drain_uncordon(k: Session) -> None:
    assert k.run("cordon", "node-1") == "node/node-1 cordoned\n"
    assert k.run("get", "nodes").splitlines()[1].split()[:2] == [
        "node-1",
        "Ready,SchedulingDisabled",
    ]
    # web-0 has no controller: drain refuses it, as on a cluster, unless forced
    refused = k.start("drain", "node-1", "--ignore-daemonsets", "--timeout=10s")
    _, err = refused.communicate(timeout=60)
    assert refused.returncode == 1
    assert "cannot delete Pods that declare no controller" in err
    # The eviction goes through at once: the fake takes a pod's grace period as over (no
    # kubelet to stop its containers), where a real drain waits for them to stop.
    drained = k.run("drain", "node-1", "--ignore-daemonsets", "--timeout=10s", "--force")
    assert "pod/web-0 evicted\n" in drained
    assert drained.endswith("node/node-1 drained\n")
    assert k.run("get", "pods", "-o", "name") == ""
    assert k.run("uncordon", "node-1") == "node/node-1 uncordoned\n"
    assert k.run("get", "nodes").splitlines()[1].split()[:2] == ["node-1", "Ready"]

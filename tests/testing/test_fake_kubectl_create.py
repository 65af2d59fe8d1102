"""Every ``kubectl create <kind>`` and ``kubectl auth`` command against the loopback fake.

kubectl sends these as protobuf. Each one must succeed, and the fake must receive (and store)
exactly the object kubectl prints for ``--dry-run=client -o json``: its own JSON of the same
object, which is what the server reads out of the protobuf.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from rawkube.testing import FakeCluster
from rawkube.testing._http import FakeRequest, Router

KUBECTL = shutil.which("kubectl")
OPENSSL = shutil.which("openssl")
pytestmark = pytest.mark.skipif(KUBECTL is None, reason="kubectl is not installed here")

CREATES = {
    "namespace": ["namespace", "team"],
    "configmap": ["configmap", "settings", "--from-literal=a=b", "--from-literal=c=d"],
    "deployment": ["deployment", "web", "--image=nginx:1.27", "--port=80", "--replicas=2"],
    "deployment-scaled-to-zero": ["deployment", "idle", "--image=nginx", "--replicas=0"],
    "secret-generic": ["secret", "generic", "creds", "--from-literal=user=admin"],
    "secret-docker-registry": [
        "secret",
        "docker-registry",
        "pull",
        "--docker-username=u",
        "--docker-password=p",
        "--docker-server=registry.example.com",
    ],
    "service-clusterip": ["service", "clusterip", "web", "--tcp=80:8080"],
    "service-nodeport": ["service", "nodeport", "np", "--tcp=80:8080", "--node-port=30080"],
    "service-loadbalancer": ["service", "loadbalancer", "lb", "--tcp=443:https"],
    "service-externalname": ["service", "externalname", "ext", "--external-name=example.com"],
    "job": ["job", "once", "--image=busybox", "--", "date"],
    "cronjob": ["cronjob", "tick", "--image=busybox", "--schedule=*/5 * * * *", "--", "date"],
    "role": ["role", "reader", "--verb=get,list", "--resource=pods,configmaps"],
    "rolebinding": ["rolebinding", "readers", "--role=reader", "--user=ann", "--group=devs"],
    "clusterrole": ["clusterrole", "viewer", "--verb=get", "--non-resource-url=/logs/*"],
    "clusterrole-aggregated": ["clusterrole", "agg", "--aggregation-rule=team=a"],
    "clusterrolebinding": ["clusterrolebinding", "viewers", "--clusterrole=viewer", "--user=ann"],
    "serviceaccount": ["serviceaccount", "robot"],
    "quota": ["quota", "small", "--hard=pods=2,requests.cpu=500m", "--scopes=NotBestEffort"],
    "priorityclass": ["priorityclass", "high", "--value=1000", "--description=urgent"],
    "priorityclass-zero": ["priorityclass", "zero", "--value=0", "--global-default=false"],
    "poddisruptionbudget": [
        "poddisruptionbudget",
        "pdb",
        "--selector=app=web",
        "--min-available=50%",
    ],
    "ingress": [
        "ingress",
        "site",
        "--class=nginx",
        "--rule=example.com/api*=api:8080",
        "--rule=example.com/=web:http,tls=site-cert",
        "--annotation=a=b",
    ],
}


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[FakeCluster, Path]]:
    cluster = FakeCluster()
    with cluster.serve() as server:
        yield cluster, server.write_kubeconfig(tmp_path / "kubeconfig")


def kubectl(kubeconfig: Path, *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
    assert KUBECTL is not None
    env = {**os.environ, "KUBECONFIG": str(kubeconfig), "HOME": str(kubeconfig.parent)}
    done = subprocess.run(
        [KUBECTL, *args], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert (done.returncode == 0) == ok, f"kubectl {' '.join(args)}: {done.stderr}"
    return done


def without_nulls(value: Any) -> Any:
    """kubectl's JSON less its nulls (creationTimestamp: null), which protobuf cannot carry."""
    if isinstance(value, dict):
        return {k: without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [without_nulls(item) for item in value]
    return value


def holds(stored: Any, sent: Any) -> bool:
    """Whether everything sent is stored as sent (the server may add defaults and metadata)."""
    if isinstance(sent, dict):
        return isinstance(stored, dict) and all(
            key in stored and holds(stored[key], value)
            for key, value in sent.items()
            if key != "status"  # a create leaves status to the server
        )
    if isinstance(sent, list):  # each item as sent, with the server's defaults added to it
        return (
            isinstance(stored, list)
            and len(stored) == len(sent)
            and all(holds(have, want) for have, want in zip(stored, sent, strict=True))
        )
    return stored == sent


def created(cluster: FakeCluster, kubeconfig: Path, *args: str) -> dict[str, Any]:
    """Runs ``kubectl create ARGS``; checks what the fake received and stored against kubectl's
    own JSON of the object, and returns what was stored."""
    cut = args.index("--") if "--" in args else len(args)  # after "--" comes the command
    dry_run = [*args[:cut], "--dry-run=client", "-o", "json", *args[cut:]]
    printed = kubectl(kubeconfig, "create", *dry_run).stdout
    expected = without_nulls(json.loads(printed))
    before = len(cluster.actions())
    kubectl(kubeconfig, "create", *args)
    (action,) = [a for a in list(cluster.actions())[before:] if a.verb == "create"]
    assert action.body == expected
    name = expected["metadata"]["name"]
    (stored,) = [o for o in cluster.objects(expected["kind"]) if o["metadata"]["name"] == name]
    assert holds(stored, expected), (stored, expected)
    return stored


@pytest.mark.parametrize("case", list(CREATES))
def test_kubectl_create_stores_what_kubectl_sent(served, case):
    cluster, kubeconfig = served
    created(cluster, kubeconfig, *CREATES[case])


def test_kubectl_create_keeps_the_choices_a_zero_makes(served):
    cluster, kubeconfig = served
    idle = created(cluster, kubeconfig, *CREATES["deployment-scaled-to-zero"])
    assert idle["spec"]["replicas"] == 0
    zero = created(cluster, kubeconfig, *CREATES["priorityclass-zero"])
    assert zero["value"] == 0
    secret = created(cluster, kubeconfig, *CREATES["secret-generic"])
    assert base64.b64decode(secret["data"]["user"]) == b"admin"


@pytest.mark.skipif(OPENSSL is None, reason="openssl is not installed here")
def test_kubectl_create_secret_tls(served, tmp_path):
    cluster, kubeconfig = served
    key, cert = tmp_path / "tls.key", tmp_path / "tls.crt"
    assert OPENSSL is not None
    request = ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=x"]
    subprocess.run(
        [OPENSSL, *request, "-keyout", str(key), "-out", str(cert)],
        capture_output=True,
        check=True,
        timeout=60,
    )
    stored = created(
        cluster, kubeconfig, "secret", "tls", "site-cert", f"--cert={cert}", f"--key={key}"
    )
    assert base64.b64decode(stored["data"]["tls.crt"]) == cert.read_bytes()


def test_kubectl_create_job_from_a_cronjob(served):
    cluster, kubeconfig = served
    created(cluster, kubeconfig, *CREATES["cronjob"])
    job = created(cluster, kubeconfig, "job", "now", "--from=cronjob/tick")
    assert job["metadata"]["annotations"] == {"cronjob.kubernetes.io/instantiate": "manual"}
    (owner,) = job["metadata"]["ownerReferences"]
    assert (owner["kind"], owner["name"]) == ("CronJob", "tick")


def test_kubectl_create_token_for_a_service_account(served):
    cluster, kubeconfig = served
    kubectl(kubeconfig, "create", "serviceaccount", "robot")
    token = kubectl(kubeconfig, "create", "token", "robot", "--duration=2h").stdout.strip()
    claims = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
    assert claims["sub"] == "system:serviceaccount:default:robot"
    assert claims["exp"] - claims["iat"] == 7200
    (action,) = [a for a in cluster.actions() if a.subresource == "token"]
    assert action.body["spec"] == {"expirationSeconds": 7200}
    assert cluster.objects("TokenRequest") == []  # answered, never stored


def test_kubectl_auth_can_i_says_yes_to_everything(served):
    cluster, kubeconfig = served
    assert kubectl(kubeconfig, "auth", "can-i", "get", "pods").stdout.strip() == "yes"
    assert kubectl(kubeconfig, "auth", "can-i", "delete", "nodes").stdout.strip() == "yes"
    assert kubectl(kubeconfig, "auth", "can-i", "get", "/logs").stdout.strip() == "yes"
    reviews = [a.body for a in cluster.actions() if a.resource == "selfsubjectaccessreviews"]
    assert reviews[0]["spec"] == {
        "resourceAttributes": {"namespace": "default", "verb": "get", "resource": "pods"}
    }
    assert reviews[2]["spec"] == {"nonResourceAttributes": {"path": "/logs", "verb": "get"}}
    assert cluster.objects("SelfSubjectAccessReview") == []  # answered, never stored


def test_kubectl_auth_can_i_list_and_whoami(served):
    _, kubeconfig = served
    listed = kubectl(kubeconfig, "auth", "can-i", "--list").stdout.splitlines()
    assert listed[0].split() == ["Resources", "Non-Resource", "URLs", "Resource", "Names", "Verbs"]
    assert listed[1].split() == ["*.*", "[]", "[]", "[*]"]
    me = kubectl(kubeconfig, "auth", "whoami", "-o", "json").stdout
    assert json.loads(me)["status"]["userInfo"]["groups"] == [
        "system:masters",
        "system:authenticated",
    ]


def test_a_token_is_refused_as_the_server_refuses_it(served):
    _, kubeconfig = served
    missing = kubectl(kubeconfig, "create", "token", "nobody", ok=False).stderr
    assert 'serviceaccounts "nobody" not found' in missing
    kubectl(kubeconfig, "create", "serviceaccount", "robot")
    short = kubectl(kubeconfig, "create", "token", "robot", "--duration=1m", ok=False).stderr
    assert (
        'TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: Invalid '
        "value: 60: may not specify a duration less than 10 minutes"
    ) in short


@pytest.mark.parametrize(
    ("kind", "spec", "message"),
    [
        (
            "SelfSubjectAccessReview",
            {},
            "spec.resourceAttributes: Invalid value: null: exactly one of nonResourceAttributes "
            "or resourceAttributes must be specified",
        ),
        (
            "SelfSubjectAccessReview",
            {"resourceAttributes": {"verb": "get"}, "nonResourceAttributes": {"path": "/"}},
            "spec.nonResourceAttributes: Invalid value",
        ),
        (
            "SubjectAccessReview",
            {"resourceAttributes": {"verb": "get", "resource": "pods"}},
            'spec.user: Invalid value: "": at least one of user or group must be specified',
        ),
    ],
)
def test_an_access_review_without_a_question_is_invalid(kind, spec, message):
    router = Router(FakeCluster())
    body = {"apiVersion": "authorization.k8s.io/v1", "kind": kind, "spec": spec}
    path = f"/apis/authorization.k8s.io/v1/{kind.lower()}s"
    answer = router.handle(
        FakeRequest(
            "POST",
            path,
            headers={"content-type": "application/json"},
            body=json.dumps(body).encode(),
        )
    )
    status = json.loads(answer.body)
    assert (answer.status, status["reason"]) == (422, "Invalid")
    assert message in status["message"]
    assert status["details"]["kind"] == kind

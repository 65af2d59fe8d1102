"""The fidelity set replayed on the fake: each recorded request, in order, against its answer.

The requests are the recordings' own: parsed from the "fidelity set" section of
``shared/kubernetes/recorded/README.txt`` when that folder is on the machine, else from the copy
of that section committed beside the bodies (``tests/fixtures/recorded/fidelity_set.txt``; a
test keeps the two equal). Each answer is compared on what a client reads: the status code, a
Status's reason, message and causes, and the body's keys and values all the way down (a Table's
only their types), leaving aside what a server makes up afresh (uids, timestamps,
resourceVersions, addresses, ports, generated names) and reading managedFields by manager,
operation and fields; Content-Type and Warning headers too. A recorded protobuf answer is
decoded and read against the fake's JSON one.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from rawkube.testing import FakeClock, FakeCluster
from rawkube.testing._http import FakeRequest, FakeResponse
from rawkube.testing._protobuf import decode_protobuf
from tests.conftest import FIXTURES, RECORDED

SHARED = Path(__file__).resolve().parents[3] / "shared" / "kubernetes" / "recorded"
COPY = RECORDED / "fidelity_set.txt"
SECTION = "== fidelity set"
NS = "lab-fidelity"
PROTOBUF = "application/vnd.kubernetes.protobuf"
AGENT = "lab-fixture-recorder/1.0"
CONTROLLER = "kube-controller-manager/v1.36.2"  # how the lab's ReplicaSets and their pods came

# What the fake cannot answer as the lab did, by design; each named with the reason.
SKIPS = {
    "namespace_get_terminating": "taken 0.5 s into the namespace controller's work; the fake's "
    "controller runs inside the DELETE, so its conditions are already there",
}


@dataclass(frozen=True)
class Recorded:
    """One request of the set and the status the lab answered."""

    name: str
    status: int
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes


def section() -> str:
    """The fidelity set's text: the shared README's when present, else the committed copy."""
    readme = SHARED / "README.txt"
    if readme.exists():
        text = readme.read_text()
        start = text.index(SECTION)
        end = text.index("-- observations", start)
        return text[start:end]
    return COPY.read_text()


ENTRY = re.compile(r"^(\S+)\.\{headers,body\}\s+\[(HTTP (\d+)|request)\]\s*(.*)$")


def parse(text: str) -> list[Recorded]:
    """The set's requests: from each curl line, or from a kubectl entry's own description."""
    found: list[Recorded] = []
    lines = text.splitlines()
    for index, line in enumerate(lines):
        entry = ENTRY.match(line)
        if not entry:
            continue
        name, status = entry.group(1), int(entry.group(3) or 0)
        command = lines[index + 1].strip()
        if "| curl " in command:
            found.append(curl(name, status, command.split("| ", 1)[1]))
        elif name.startswith("kubectl_") and name.endswith("_request.pb"):
            # kubectl's protobuf request: its line and body were saved as they came.
            sent = re.search(r"sent: (POST) (\S+?),", entry.group(4))
            assert sent, line
            url = urlsplit(sent.group(2))
            answer = name.replace("_request.pb", "_response.pb")
            found.append(
                Recorded(
                    answer,
                    201,
                    sent.group(1),
                    url.path,
                    url.query,
                    {
                        "content-type": PROTOBUF,
                        "accept": f"{PROTOBUF},application/json",
                        "user-agent": "kubectl/v1.36.2 (linux/amd64) kubernetes/unknown",
                    },
                    (FIXTURES / "protobuf" / f"{name}.body").read_bytes(),
                )
            )
    return found


def curl(name: str, status: int, command: str) -> Recorded:
    """A curl command line read as curl sends it (its default Accept and form Content-Type)."""
    words = shlex.split(command)
    method, body, url = "GET", b"", ""
    # The set's "same curl options as above": the README's common options name this agent.
    headers: dict[str, str] = {"accept": "*/*", "user-agent": AGENT}
    words_iter = iter(words[1:])
    for word in words_iter:
        if word == "-X":
            method = next(words_iter)
        elif word == "-d":
            body = next(words_iter).encode()
            if method == "GET":
                method = "POST"
            headers.setdefault("content-type", "application/x-www-form-urlencoded")
        elif word == "-H":
            key, _, value = next(words_iter).partition(":")
            headers[key.strip().lower()] = value.strip()
        elif word == "--max-time":
            next(words_iter)
        elif not word.startswith("-"):
            url = word
    parts = urlsplit(url)
    assert parts.path.startswith("/"), f"{name}: no URL in {command!r}"
    return Recorded(name, status, method, parts.path, parts.query, headers, body)


# --- the lab's state the set's requests stand on, made the way the lab made it -----------------

Setup = Callable[[FakeCluster], None]


def template(app: str, containers: tuple[str, ...] = ("c",)) -> dict[str, Any]:
    return {
        "metadata": {"labels": {"app": app}},
        "spec": {
            "containers": [{"name": c, "image": "registry.k8s.io/pause:3.10"} for c in containers]
        },
    }


def spec(name: str) -> dict[str, Any]:
    return {"spec": template(name)["spec"]}


def deployment(name: str) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": NS},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": name}},
            "template": template(name),
        },
    }


def owned_by(owner: dict[str, Any]) -> list[dict[str, Any]]:
    meta = owner["metadata"]
    ref = {"apiVersion": owner["apiVersion"], "kind": owner["kind"], "name": meta["name"]}
    return [{**ref, "uid": meta["uid"], "controller": True, "blockOwnerDeletion": True}]


def chain(name: str, pod_finalizers: tuple[str, ...] = ()) -> Setup:
    """A Deployment, its ReplicaSet and two pods, as the lab's controllers had made them."""

    def make(cluster: FakeCluster) -> None:
        owner = post(cluster, deployment(name))
        rs_name = f"{name}-5567664976"
        replicas = post(
            cluster,
            {
                "apiVersion": "apps/v1",
                "kind": "ReplicaSet",
                "metadata": {"name": rs_name, "namespace": NS, "ownerReferences": owned_by(owner)},
                "spec": {
                    "replicas": 2,
                    "selector": {"matchLabels": {"app": name}},
                    "template": template(name),
                },
            },
            CONTROLLER,
        )
        for suffix in ("56w56", "7zp78"):
            meta = {
                "name": f"{rs_name}-{suffix}",
                "namespace": NS,
                "labels": {"app": name, "pod-template-hash": "5567664976"},
                "ownerReferences": owned_by(replicas),
                "generateName": f"{rs_name}-",
            }
            if pod_finalizers:
                meta["finalizers"] = list(pod_finalizers)
            pod = {"apiVersion": "v1", "kind": "Pod", "metadata": meta} | spec(name)
            post(cluster, pod, CONTROLLER)

    return make


def release(kind: str, prefix: str) -> Setup:
    """Drop the finalizers of what is named so: the lab's controllers would have done it."""

    def drop(cluster: FakeCluster) -> None:
        for obj in cluster.objects(kind, NS):
            if obj["metadata"]["name"].startswith(prefix):
                path = f"/api/v1/namespaces/{NS}/{kind.lower()}s/{obj['metadata']['name']}"
                answer = send(cluster, "PATCH", path, b'{"metadata":{"finalizers":null}}', MERGE)
                assert answer.status == 200, answer.body

    return drop


def post(cluster: FakeCluster, obj: dict[str, Any], agent: str = AGENT) -> dict[str, Any]:
    """Create as the lab did: a POST, so the server's defaults and managedFields are there."""
    group = obj["apiVersion"]
    prefix = "/api/v1" if group == "v1" else f"/apis/{group}"
    plural = {"Widget": "widgets", "CustomResourceDefinition": "customresourcedefinitions"}.get(
        obj["kind"], obj["kind"].lower() + "s"
    )
    where = f"/namespaces/{obj['metadata']['namespace']}" if "namespace" in obj["metadata"] else ""
    body = json.dumps(obj).encode()
    answer = send(cluster, "POST", f"{prefix}{where}/{plural}", body, {"user-agent": agent})
    assert answer.status == 201, answer.body
    created: dict[str, Any] = json.loads(answer.body)
    return created


def made(*objects: dict[str, Any]) -> Setup:
    def make(cluster: FakeCluster) -> None:
        for obj in objects:
            post(cluster, obj)

    return make


def pod(name: str, containers: tuple[str, ...]) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": NS}} | {
        "spec": template(name, containers)["spec"]
    }


WIDGETS = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": "widgets.fidelity.example.com"},
    "spec": {
        "group": "fidelity.example.com",
        "scope": "Namespaced",
        "names": {"plural": "widgets", "singular": "widget", "kind": "Widget"},
        "versions": [
            {
                "name": "v1",
                "served": True,
                "storage": True,
                "schema": {
                    "openAPIV3Schema": {
                        "type": "object",
                        "properties": {
                            "spec": {
                                "type": "object",
                                "properties": {
                                    "size": {"type": "integer"},
                                    "color": {"type": "string"},
                                },
                            }
                        },
                    }
                },
            }
        ],
    },
}
W1 = {
    "apiVersion": "fidelity.example.com/v1",
    "kind": "Widget",
    "metadata": {"name": "w1", "namespace": NS},
    "spec": {"size": 1, "color": "red"},
}
HELD: dict[str, Any] = {
    "apiVersion": "v1",
    "kind": "ConfigMap",
    "metadata": {"name": "cm-fin", "namespace": NS, "finalizers": ["example.com/keep"]},
    "data": {"a": "1"},
}
MERGE = {"content-type": "application/merge-patch+json"}


def renamespace(cluster: FakeCluster) -> None:
    """The lab made lab-fidelity again, with only cm-fin in it, and deleted it."""
    post(cluster, {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NS}})
    post(cluster, HELD)
    assert send(cluster, "DELETE", f"/api/v1/namespaces/{NS}").status == 200


# Run before the request of that name: what the lab made outside the recorded requests, and
# what its controllers did between them.
BEFORE: dict[str, list[Setup]] = {
    # The lab's garbage collector took 0.14 s over the Foreground delete; a finalizer on the
    # pods holds the fake's (which runs inside the DELETE) until the GET after it.
    "delete_deployment_foreground_200": [chain("d-fg", ("example.com/keep",))],
    "err_404_deployment_get_after_foreground_delete": [release("Pod", "d-fg-")],
    "delete_deployment_background_200": [chain("d-bg")],
    "delete_deployment_orphan_200": [chain("d-orphan")],
    "delete_deployment_orphandependents_false_200": [chain("d-od")],
    "delete_pod_unscheduled_200": [made(pod("p-del", ("c",)))],
    "err_415_strategic_patch_custom_resource": [made(WIDGETS, W1)],
    "pod_log_pending_204": [made(pod("p-two", ("a", "b")))],
    # The lab's namespace took ~15 s to go; a held ConfigMap keeps the fake's as long.
    "delete_namespace_200": [made(HELD | {"metadata": HELD["metadata"] | {"name": "held"}})],
    "err_404_namespace_get_after_delete": [release("ConfigMap", "held")],
    "namespace_get_terminating_finalizers_remaining": [renamespace],
}


# --- replay and comparison ---------------------------------------------------------------------


def send(
    cluster: FakeCluster,
    method: str,
    path: str,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
) -> FakeResponse:
    """A setup step's request, as the lab's curl made it."""
    given = {
        "accept": "application/json",
        "content-type": "application/json",
        "user-agent": AGENT,
        **(headers or {}),
    }
    return cluster.router.handle(FakeRequest(method, path, "", given, body))


VOLATILE = {
    "uid",
    "resourceVersion",
    "creationTimestamp",
    "deletionTimestamp",
    "lastTransitionTime",
    "clusterIP",
    "clusterIPs",
    "nodePort",
    "time",
    "continue",
}


def shape(value: Any, key: str = "", *, values: bool = False) -> Any:
    """What a body looks like with what the server makes up afresh left aside: keys and
    value types, and with ``values`` the values themselves (generated parts masked)."""
    if key in VOLATILE or value == CONTROLLED:
        return "<volatile>" if key in VOLATILE else value
    if key == "managedFields":
        entries = [[e.get("manager"), e.get("operation"), shape(e.get("fieldsV1"))] for e in value]
        return sorted(entries, key=json.dumps)
    if isinstance(value, dict):
        # Generated names (pod-template-hash, job pod names) vary as keys too.
        return {k: shape(v, k, values=values) for k, v in value.items() if not _generated(k)}
    if isinstance(value, list):
        return [shape(v, key, values=values) for v in value]
    if values and isinstance(value, str):
        return masked(value)
    return value if values else type(value).__name__


def _generated(key: str) -> bool:
    return key.startswith("k:{") and ("uid" in key or "name" in key)


UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
IN_RECORD = re.compile(r"in record \(\d+\)")


TOKEN_VOLUME = re.compile(r"^kube-api-access-[a-z0-9]{5}$")


def masked(text: str) -> str:
    """A string with what the server generates in it masked: uids, the token volume's name,
    a resourceVersion a message quotes."""
    text = TOKEN_VOLUME.sub("kube-api-access-<random>", UUID.sub("<uid>", text))
    return IN_RECORD.sub("in record (N)", text)


def status_of(body: dict[str, Any]) -> Any:
    """A Status as a client reads it: reason, message and the causes' fields (a uid or a
    resourceVersion the message quotes aside)."""
    details = body.get("details") or {}
    causes = [
        (c.get("reason"), c.get("field"), c.get("message")) for c in details.get("causes", [])
    ]
    message = masked(body.get("message", ""))
    return body.get("code"), body.get("reason"), message, causes


def rows(table: dict[str, Any]) -> dict[str, Any]:
    return {row["cells"][0]: shape(row) for row in table.get("rows", [])}


CONTROLLED = "<written by a controller the fake does not run>"
CONTROLLERS = {"kube-controller-manager"}
OPENSHIFT_CA = "openshift-service-ca.crt"


def as_kubernetes(value: Any) -> Any:
    """The recorded body less what the lab had and Kubernetes' own server does not make: the
    OpenShift CA projected source, and what the lab's controllers wrote after the request."""
    if isinstance(value, list):
        return [
            as_kubernetes(v)
            for v in value
            if not (isinstance(v, dict) and (v.get("configMap") or {}).get("name") == OPENSHIFT_CA)
        ]
    if not isinstance(value, dict):
        return value
    out = {k: as_kubernetes(v) for k, v in value.items()}
    meta = out.get("metadata")
    if isinstance(meta, dict) and "managedFields" in meta:
        entries = meta["managedFields"]
        kept = [e for e in entries if e.get("manager") not in CONTROLLERS]
        if len(kept) != len(entries):
            meta["managedFields"] = kept
            if any(e.get("subresource") == "status" for e in entries if e not in kept):
                out["status"] = CONTROLLED
            annotations = meta.get("annotations") or {}
            annotations.pop("deployment.kubernetes.io/revision", None)
            if not annotations:
                meta.pop("annotations", None)
    return out


# Where the fake is known to differ, each with why; a test checks each is still seen.
KNOWN = {
    r"^kubectl_create_namespace_response\.pb: \.metadata\.managedFields\[0\]\[2\]\.f:spec: "
    r"not recorded$": "kubectl's protobuf always carries the Namespace's empty spec, which the "
    "server does not own (a Go struct that is not a pointer is there before the create); the "
    "fake cannot tell such a struct from a pointer one, which the server owns (see below)",
    r"^create_pvc_minimal_201: \.metadata\.finalizers: missing$": "by design: the fake runs no "
    "pvc-protection controller to take kubernetes.io/pvc-protection off again, so it adds none "
    "and a deleted claim goes at once (as on a cluster with no pod using it)",
    r"f:(rollingUpdate|persistentVolumeClaimRetentionPolicy)\.\.: missing": "the server owns an "
    'added pointer struct whole ("."); the fake\'s schema facts do not say which Go struct '
    "fields are pointers, so it owns no added struct whole (rawkube/testing/_patch.py)",
}


def differences(got: Any, want: Any, path: str = "") -> list[str]:
    """Where two shapes part, one line each: what a reader of the failure needs."""
    if want == CONTROLLED:
        return []
    if isinstance(got, dict) and isinstance(want, dict):
        found = [f"{path}.{k}: not recorded" for k in got if k not in want]
        found += [f"{path}.{k}: missing" for k in want if k not in got and want[k] != CONTROLLED]
        for k in got.keys() & want.keys():
            found += differences(got[k], want[k], f"{path}.{k}")
        return found
    if isinstance(got, list) and isinstance(want, list):
        if len(got) != len(want):
            return [f"{path}: {len(got)} items, recorded {len(want)}: {got} != {want}"]
        return [
            d
            for i, (g, w) in enumerate(zip(got, want, strict=True))
            for d in differences(g, w, f"{path}[{i}]")
        ]
    return [] if got == want else [f"{path}: {got!r} != recorded {want!r}"]


# What a client reads off the headers. Protobuf is read as JSON: the issue lets the fake
# answer JSON where the server answers protobuf (and it is what the fake answers).
READ_HEADERS = ("content-type", "warning")


def headers_of(lines: list[tuple[str, str]]) -> list[tuple[str, str]]:
    found = [(k.lower(), v) for k, v in lines if k.lower() in READ_HEADERS]
    return sorted((k, "application/json" if PROTOBUF in v else v) for k, v in found)


def recorded_headers(name: str) -> list[tuple[str, str]]:
    lines = (RECORDED / f"{name}.headers").read_text().splitlines()[1:]
    return headers_of([(k.strip(), v.strip()) for k, _, v in (ln.partition(":") for ln in lines)])


SEEN: set[str] = set()


def unknown(name: str, found: list[str]) -> list[str]:
    """The differences no entry of KNOWN explains; the ones it does are noted as seen."""
    left = []
    for line in found:
        known = [pattern for pattern in KNOWN if re.search(pattern, f"{name}: {line}")]
        SEEN.update(known)
        if not known:
            left.append(line)
    return left


def compare(item: Recorded, answer: FakeResponse) -> None:
    folder = (
        FIXTURES / "protobuf"
        if (FIXTURES / "protobuf" / f"{item.name}.body").exists()
        else RECORDED
    )
    expected_bytes = (folder / f"{item.name}.body").read_bytes()
    assert answer.status == item.status, (item.name, answer.body[:600])
    assert headers_of(answer.header_lines()) == recorded_headers(item.name)
    if expected_bytes.startswith(b"k8s\x00"):
        # The issue lets the fake answer JSON where the server answers protobuf: the answer
        # is then read against the recorded protobuf, decoded by the fake's own reader of
        # kubectl's protobuf bodies.
        assert answer.headers.get("Content-Type") == "application/json"
        got = json.loads(answer.body)
        decoded = decode_protobuf(expected_bytes, got["apiVersion"], got["kind"])
        expected_bytes = json.dumps(decoded).encode()
    if not expected_bytes:
        assert answer.body == b"", item.name
        return
    expected, body = (
        as_kubernetes(json.loads(expected_bytes)),
        as_kubernetes(json.loads(answer.body)),
    )
    if expected.get("kind") == "Status":
        assert status_of(body) == status_of(expected)
    if expected.get("kind") == "Table":
        # Each row the fake has against the recorded row of that name; the lab's controllers
        # made rows the fake, which runs none, does not have (most of the pod list's).
        got, want = rows(body), rows(expected)
        found = differences(got, {n: want.get(n) for n in got})
        assert not unknown(item.name, found), found
        # Shapes only: the lab's cells had ages and controllers' counts, its column
        # descriptions upstream prose the fake does not carry.
        found = differences(shape(dict(body, rows=[])), shape(dict(expected, rows=[])))
        assert not unknown(item.name, found), found
        return
    found = differences(shape(body, values=True), shape(expected, values=True))
    assert not unknown(item.name, found), found


REQUESTS = parse(section())


def test_the_set_is_read_whole() -> None:
    names = [item.name for item in REQUESTS]
    assert len(names) == len(set(names)) >= 90
    assert set(SKIPS) <= set(names)
    assert set(BEFORE) <= set(names)


@pytest.mark.skipif(not (SHARED / "README.txt").exists(), reason="shared/kubernetes is not here")
def test_the_committed_copy_is_the_recordings_section() -> None:
    assert COPY.read_text() == section()


def test_every_request_of_the_set_is_answered_as_recorded() -> None:
    cluster = FakeCluster(clock=FakeClock())
    failures: list[str] = []
    compared = 0
    for item in REQUESTS:
        for step in BEFORE.get(item.name, []):
            step(cluster)
        # Sent with curl's headers only, as the lab sent it.
        request = FakeRequest(item.method, item.path, item.query, item.headers, item.body)
        answer = cluster.router.handle(request)
        if item.name in SKIPS:
            continue
        compared += 1
        try:
            compare(item, answer)
        except AssertionError as exc:
            failures.append(f"{item.name}: {str(exc).splitlines()[0][:3000]}")
    assert failures == [], "\n".join(failures)
    assert compared == len(REQUESTS) - len(SKIPS)
    assert set(KNOWN) == SEEN, "a known difference is gone: drop it from KNOWN"

"""``rawkube demo``: a short tour of the client, on an embedded fake cluster unless told otherwise.

It creates a namespace of its own, a Deployment with its pods and a Service, lists the pods as
the server's Table, watches an update arrive, patches, and deletes the namespace, printing each
step. On the embedded fake cluster no controller runs, so the demo makes the Deployment's pods
itself, as the Deployment controller would; on a real cluster it waits for the controller's.
"""

from __future__ import annotations

import secrets
import sys
from collections.abc import Callable
from typing import TextIO

from rawkube.client._sync_client import Client
from rawkube.models.apps_v1 import Deployment, DeploymentSpec
from rawkube.models.core_v1 import (
    Container,
    Namespace,
    Pod,
    PodSpec,
    PodTemplateSpec,
    Service,
    ServicePort,
    ServiceSpec,
)
from rawkube.models.meta_v1 import LabelSelector, ObjectMeta, OwnerReference, Table

REPLICAS = 3
POD_WAIT_SECONDS = 120


def run(client: Client, *, fake: bool, out: TextIO = sys.stdout) -> None:
    """Run the tour against ``client``; raises the client's errors as they come."""

    def say(text: str) -> None:
        print(text, file=out, flush=True)

    namespace = f"rawkube-demo-{secrets.token_hex(3)}"
    where = "the embedded fake cluster" if fake else client.config.server
    say(f"rawkube demo on {where}")
    client.core_v1.namespaces().create(Namespace(metadata=ObjectMeta(name=namespace)))
    say(f"  created namespace {namespace}")
    try:
        _tour(client, namespace, fake, say)
    finally:
        client.core_v1.namespaces().delete(namespace)
        say(f"  deleted namespace {namespace} and everything in it")


def _tour(client: Client, namespace: str, fake: bool, say: Callable[[str], None]) -> None:
    labels = {"app": "web"}
    deployments = client.apps_v1.deployments(namespace)
    deployment = deployments.create(
        Deployment(
            metadata=ObjectMeta(name="web", labels=labels),
            spec=DeploymentSpec(
                replicas=REPLICAS,
                selector=LabelSelector(match_labels=labels),
                template=PodTemplateSpec(metadata=ObjectMeta(labels=labels), spec=_pod_spec()),
            ),
        )
    )
    say(f"  created deployment web ({REPLICAS} replicas)")
    pods = client.core_v1.pods(namespace)
    if fake:
        _make_pods(client, namespace, deployment)
        say(f"  made its {REPLICAS} pods, as the Deployment controller would")
    else:
        _wait_for_pods(client, namespace)
    client.core_v1.services(namespace).create(
        Service(
            metadata=ObjectMeta(name="web"),
            spec=ServiceSpec(selector=labels, ports=[ServicePort(port=80, target_port=80)]),
        )
    )
    say("  created service web")

    table = pods.list_table(label_selector="app=web")
    say("  pods, as the server's Table:")
    for line in _table_lines(table):
        say("    " + line)

    version = deployments.get("web").metadata.resource_version
    with deployments.watch(resource_version=version, timeout_seconds=30) as events:
        deployments.patch("web", {"metadata": {"labels": {"tier": "front"}}})
        say("  patched deployment web: label tier=front")
        for event in events:
            if event.type == "MODIFIED":
                got = (event.object.metadata.labels or {}).get("tier")
                say(f"  the watch saw it: {event.type} deployment web, tier={got}")
                break
    scaled = deployments.patch_scale("web", {"spec": {"replicas": 1}})
    say(f"  scaled deployment web to {scaled.spec.replicas if scaled.spec else '?'} replica")


def _table_lines(table: Table) -> list[str]:
    """The Table as kubectl prints it: the columns of priority 0, upper-case, aligned."""
    shown = [i for i, c in enumerate(table.column_definitions or ()) if not c.priority]
    names = [(table.column_definitions or [])[i].name or "" for i in shown]
    rows = [[names[j].upper() for j in range(len(shown))]]
    rows += [[str((row.cells or [])[i]) for i in shown] for row in table.rows or ()]
    widths = [max(len(r[j]) for r in rows) for j in range(len(shown))]
    return [
        "   ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip() for r in rows
    ]


def _pod_spec() -> PodSpec:
    return PodSpec(containers=[Container(name="web", image="nginx:1.27")])


def _make_pods(client: Client, namespace: str, deployment: Deployment) -> None:
    owner = OwnerReference(
        api_version="apps/v1",
        kind="Deployment",
        name="web",
        uid=deployment.metadata.uid if deployment.metadata else None,
        controller=True,
    )
    for _ in range(REPLICAS):
        metadata = ObjectMeta(generate_name="web-", labels={"app": "web"}, owner_references=[owner])
        client.core_v1.pods(namespace).create(Pod(metadata=metadata, spec=_pod_spec()))


def _wait_for_pods(client: Client, namespace: str) -> None:
    pods = client.core_v1.pods(namespace)
    seen: set[str] = set()
    with pods.watch(label_selector="app=web", timeout_seconds=POD_WAIT_SECONDS) as events:
        for event in events:
            if event.type == "ADDED" and event.object.metadata and event.object.metadata.name:
                seen.add(event.object.metadata.name)
            if len(seen) >= REPLICAS:
                return
    raise TimeoutError(f"the Deployment's pods did not appear within {POD_WAIT_SECONDS} s")

"""``rawkube demo``: a short tour of the client, on an embedded fake cluster unless told otherwise.

It creates a namespace of its own, a Deployment with its pods and a Service, lists the pods as
the server's Table, watches an update arrive, patches, and deletes the namespace, printing each
step. On the embedded fake cluster no controller runs, so the demo makes the Deployment's pods
itself, as the Deployment controller would; on a real cluster it waits for the controller's,
and says so when the cluster has no controller making them.
"""

from __future__ import annotations

import contextlib
import secrets
import sys
import threading
from collections.abc import Callable
from typing import TextIO

from rawkube import format_table
from rawkube.cli._common import progress
from rawkube.client._sync_client import Client
from rawkube.core._exceptions import RawkubeError
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
from rawkube.models.meta_v1 import LabelSelector, ObjectMeta, OwnerReference

REPLICAS = 3
POD_WAIT_SECONDS = 120
CONTROLLER_GRACE_SECONDS = 15
"""How long the pods may take to appear before the demo checks that a controller is at work."""


class NoControllerError(RuntimeError):
    """The cluster runs no Deployment controller: the pods would never come."""


def run(
    client: Client, *, fake: bool, out: TextIO = sys.stdout, namespace: str | None = None
) -> None:
    """Run the tour against ``client``; raises the client's errors as they come."""

    def say(text: str) -> None:
        print(text, file=out, flush=True)

    namespace = namespace or new_namespace()
    where = "the embedded fake cluster" if fake else client.config.server
    say(f"rawkube demo on {where}")
    client.core_v1.namespaces().create(Namespace(metadata=ObjectMeta(name=namespace)))
    say(f"  created namespace {namespace}")
    try:
        _tour(client, namespace, fake, say)
    finally:
        client.core_v1.namespaces().delete(namespace)
        say(f"  deleted namespace {namespace} and everything in it")


def new_namespace() -> str:
    """A namespace name of the demo's own, unlikely to be taken."""
    return f"rawkube-demo-{secrets.token_hex(3)}"


def run_interruptible(client: Client, *, fake: bool, out: TextIO = sys.stdout) -> None:
    """:func:`run` on a worker thread, while the calling thread only waits for it.

    Ctrl-C and a SIGTERM handler that raises reach the main thread. Raised into the tour
    itself, such an exception can land anywhere, even in an import that swallows it; raised
    into a plain wait, it always arrives. The namespace is then deleted from here, and the
    exception goes on. The worker is a daemon: it never keeps the process alive.
    """
    namespace = new_namespace()
    failure: list[BaseException] = []

    def tour() -> None:
        try:
            run(client, fake=fake, out=out, namespace=namespace)
        except BaseException as exc:  # handed to the waiting thread, which raises it
            failure.append(exc)

    worker = threading.Thread(target=tour, name="rawkube-demo", daemon=True)
    worker.start()
    try:
        worker.join()
    except BaseException:
        with contextlib.suppress(RawkubeError):  # never created, or already gone
            client.core_v1.namespaces().delete(namespace)
            print(f"  deleted namespace {namespace} and everything in it", file=out, flush=True)
        raise
    if failure:
        raise failure[0]


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
    for line in format_table(table).splitlines():
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


def _pod_spec() -> PodSpec:
    return PodSpec(containers=[Container(name="web", image="nginx:1.27")])


def _make_pods(client: Client, namespace: str, deployment: Deployment) -> None:
    owner = OwnerReference(
        api_version="apps/v1",
        kind="Deployment",
        name="web",
        uid=deployment.metadata.uid,
        controller=True,
    )
    for _ in range(REPLICAS):
        metadata = ObjectMeta(generate_name="web-", labels={"app": "web"}, owner_references=[owner])
        client.core_v1.pods(namespace).create(Pod(metadata=metadata, spec=_pod_spec()))


def _wait_for_pods(client: Client, namespace: str) -> None:
    seen: set[str] = set()
    with progress(f"waiting for the Deployment's {REPLICAS} pods"):
        if _watch_pods(client, namespace, seen, CONTROLLER_GRACE_SECONDS):
            return
        _check_controller(client, namespace)
        if _watch_pods(client, namespace, seen, POD_WAIT_SECONDS - CONTROLLER_GRACE_SECONDS):
            return
    raise TimeoutError(f"the Deployment's pods did not appear within {POD_WAIT_SECONDS} s")


def _watch_pods(client: Client, namespace: str, seen: set[str], seconds: int) -> bool:
    """Add the pods that appear within ``seconds`` to ``seen``; True once there are enough."""
    pods = client.core_v1.pods(namespace)
    listed = pods.list(label_selector="app=web")
    seen.update(p.metadata.name for p in listed.items if p.metadata.name)
    if len(seen) >= REPLICAS:
        return True
    version = listed.metadata.resource_version
    with pods.watch(
        label_selector="app=web", resource_version=version, timeout_seconds=max(1, seconds)
    ) as events:
        for event in events:
            if event.type == "ADDED" and event.object.metadata.name:
                seen.add(event.object.metadata.name)
            if len(seen) >= REPLICAS:
                return True
    return False


def _check_controller(client: Client, namespace: str) -> None:
    """Raise NoControllerError when nothing has acted on the Deployment: no status, no
    ReplicaSet. A busy controller that is merely slow leaves its marks on both."""
    deployment = client.apps_v1.deployments(namespace).get("web")
    status = deployment.status
    observed = status is not None and (status.observed_generation or status.conditions)
    replica_sets = client.apps_v1.replica_sets(namespace).list(label_selector="app=web")
    if observed or replica_sets.items:
        return
    raise NoControllerError(
        f"no pods appeared within {CONTROLLER_GRACE_SECONDS} s and the Deployment shows no "
        "progress and has no ReplicaSet: this cluster runs no Deployment controller "
        "(kube-controller-manager), so the demo cannot go on"
    )

"""Checked by mypy --strict in CI (not run by pytest): a Deployment service on the typed API.

Written as a user would write it, with no ignores: metadata and a list's items are never None,
the fields a server may leave out are Optional and handled as such.
"""

from __future__ import annotations

from dataclasses import dataclass

import rawkube
from rawkube.models.apps_v1 import Deployment, DeploymentSpec
from rawkube.models.core_v1 import Container, ContainerPort, PodSpec, PodTemplateSpec
from rawkube.models.meta_v1 import LabelSelector, ObjectMeta


@dataclass
class DeploymentView:
    """What the service answers about one Deployment."""

    name: str
    image: str | None
    replicas: int
    ready: int
    labels: dict[str, str]


def build(name: str, image: str, replicas: int = 1) -> Deployment:
    """A Deployment of one container, labelled app=<name>."""
    labels = {"app": name}
    return Deployment(
        metadata=ObjectMeta(name=name, labels=labels),
        spec=DeploymentSpec(
            replicas=replicas,
            selector=LabelSelector(match_labels=labels),
            template=PodTemplateSpec(
                metadata=ObjectMeta(labels=labels),
                spec=PodSpec(
                    containers=[
                        Container(name=name, image=image, ports=[ContainerPort(container_port=80)])
                    ]
                ),
            ),
        ),
    )


def view(deployment: Deployment) -> DeploymentView:
    """The service's view of a Deployment read from the server."""
    spec, status = deployment.spec, deployment.status
    image = None
    if spec is not None and spec.template and spec.template.spec:
        containers = spec.template.spec.containers or []
        image = containers[0].image if containers else None
    return DeploymentView(
        name=deployment.metadata.name or "",
        image=image,
        replicas=spec.replicas or 0 if spec else 0,
        ready=status.ready_replicas or 0 if status else 0,
        labels=dict(deployment.metadata.labels or {}),
    )


class DeploymentService:
    """Create, read, scale, update and delete the Deployments of one namespace."""

    def __init__(self, client: rawkube.Client, namespace: str) -> None:
        self.deployments = client.apps_v1.deployments(namespace)
        self.pods = client.core_v1.pods(namespace)

    def create(self, name: str, image: str, replicas: int = 1) -> DeploymentView:
        return view(self.deployments.create(build(name, image, replicas)))

    def get(self, name: str) -> DeploymentView:
        return view(self.deployments.get(name))

    def find(self, app: str | None = None) -> list[DeploymentView]:
        selector = {"app": app} if app else None
        return [view(d) for d in self.deployments.list(label_selector=selector).items]

    def names(self) -> list[str]:
        return [d.metadata.name for d in self.deployments.list().items if d.metadata.name]

    def scale(self, name: str, replicas: int) -> DeploymentView:
        patched = self.deployments.patch(name, {"spec": {"replicas": replicas}})
        return view(patched)

    def set_image(self, name: str, image: str) -> DeploymentView:
        deployment = self.deployments.get(name)
        spec = deployment.spec
        if spec is None or spec.template is None or spec.template.spec is None:
            raise LookupError(f"deployment {name} has no pod template")
        containers = spec.template.spec.containers or []
        if not containers:
            raise LookupError(f"deployment {name} has no container")
        containers[0].image = image
        return view(self.deployments.update(deployment))

    def delete(self, name: str) -> None:
        self.deployments.delete(name, propagation_policy="Foreground")

    def pod_names(self, name: str) -> list[str]:
        deployment = self.deployments.get(name)
        spec = deployment.spec
        labels = spec.selector.match_labels if spec and spec.selector else None
        pods = self.pods.list(label_selector=labels or {"app": name}).items
        return sorted(p.metadata.name for p in pods if p.metadata.name)


async def ready_replicas(client: rawkube.AsyncClient, namespace: str, name: str) -> int:
    """The async client reads the same models."""
    deployment = await client.apps_v1.deployments(namespace).get(name)
    status = deployment.status
    return status.ready_replicas or 0 if status else 0


async def delete_all(client: rawkube.AsyncClient, namespace: str, app: str) -> list[str]:
    """Delete every Deployment labelled app=<app>, foreground; their names."""
    deployments = client.apps_v1.deployments(namespace)
    gone = []
    for deployment in (await deployments.list(label_selector={"app": app})).items:
        name = deployment.metadata.name
        if name:
            await deployments.delete(name, propagation_policy="Foreground")
            gone.append(name)
    return gone

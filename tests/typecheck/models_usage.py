"""Checked by mypy --strict in CI (not run by pytest): how user code builds and reads models."""

from __future__ import annotations

from rawkube.models.core_v1 import Container, ContainerPort, Pod, PodSpec
from rawkube.models.meta_v1 import ObjectMeta


def build_pod() -> Pod:
    """Attribute names are accepted as keywords, and their types are checked."""
    return Pod(
        api_version="v1",
        metadata=ObjectMeta(name="web", labels={"app": "web"}),
        spec=PodSpec(
            containers=[
                Container(name="web", image="nginx", ports=[ContainerPort(container_port=80)])
            ]
        ),
    )


def first_port(pod: Pod) -> int | None:
    """Every field is optional: reading one means checking for None."""
    if pod.spec is None or not pod.spec.containers:
        return None
    ports = pod.spec.containers[0].ports or []
    return ports[0].container_port if ports else None

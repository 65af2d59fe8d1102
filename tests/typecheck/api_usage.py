"""Checked by mypy --strict in CI (not run by pytest): how user code reads typed API results."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import rawkube
from rawkube.models.apps_v1 import Deployment
from rawkube.models.core_v1 import Node, Pod


def image_of_first_container(client: rawkube.Client, name: str) -> str | None:
    """get() returns the resource's model."""
    pod: Pod = client.core_v1.pods("web").get(name)
    if pod.spec is None or not pod.spec.containers:
        return None
    return pod.spec.containers[0].image


def names(client: rawkube.Client) -> list[str]:
    """list() items are the resource's model; iter() yields them."""
    listed = client.api(Deployment, namespace=rawkube.ALL).list(label_selector={"app": "web"})
    found = [d.metadata.name for d in listed.items or [] if d.metadata and d.metadata.name]
    every: Iterator[Pod] = client.core_v1.pods().iter(limit=100)
    return found + [p.metadata.name for p in every if p.metadata and p.metadata.name]


def follow(client: rawkube.Client) -> Iterator[str]:
    """log() is text; log(follow=True) is an iterator of lines."""
    text: str = client.core_v1.pods().log("web-0", tail_lines=10)
    yield text
    yield from client.core_v1.pods().log("web-0", follow=True)


def group_versions(client: rawkube.Client, aclient: rawkube.AsyncClient) -> None:
    """Each group-version is a typed attribute of both clients; cluster-scoped takes no namespace."""
    nodes: rawkube.Api[Node] = client.core_v1.nodes()
    deployments: rawkube.AsyncApi[Deployment] = aclient.apps_v1.deployments(rawkube.ALL)
    del nodes, deployments


async def replicas(client: rawkube.AsyncClient) -> int | None:
    """The async accessors await the same typed results."""
    scale = await client.apps_v1.deployments("web").get_scale("web")
    lines: AsyncIterator[str] = await client.core_v1.pods().log("web-0", follow=True)
    async for _ in lines:
        break
    return scale.spec.replicas if scale.spec else None

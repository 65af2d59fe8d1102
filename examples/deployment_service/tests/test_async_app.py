"""The asyncio service, called in the test's own event loop through httpx's ASGI transport."""

from collections.abc import AsyncIterator

import httpx
import pytest

import rawkube
from examples.deployment_service.async_app import create_async_app
from rawkube.testing import FakeCluster

URL = "/namespaces/default/deployments"


@pytest.fixture
async def api(async_fake_client: rawkube.AsyncClient) -> AsyncIterator[httpx.AsyncClient]:
    app = create_async_app(async_fake_client)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://service") as api:
        yield api


def replicas_and_image(cluster: FakeCluster, name: str) -> tuple[int, str]:
    (found,) = [d for d in cluster.objects("Deployment") if d["metadata"]["name"] == name]
    return found["spec"]["replicas"], found["spec"]["template"]["spec"]["containers"][0]["image"]


@pytest.mark.anyio
async def test_a_deployment_from_create_to_delete(
    api: httpx.AsyncClient, fake_cluster: FakeCluster
) -> None:
    created = await api.post(URL, json={"name": "web", "image": "nginx:1.27"})
    assert created.status_code == 201
    assert replicas_and_image(fake_cluster, "web") == (1, "nginx:1.27")

    got = await api.get(f"{URL}/web")
    assert got.json() == created.json()
    assert [d["name"] for d in (await api.get(URL)).json()] == ["web"]

    updated = await api.patch(f"{URL}/web", json={"image": "nginx:1.28"})
    assert updated.status_code == 200
    assert replicas_and_image(fake_cluster, "web") == (1, "nginx:1.28")

    scaled = await api.put(f"{URL}/web/scale", json={"replicas": 5})
    assert scaled.json()["replicas"] == 5
    assert replicas_and_image(fake_cluster, "web") == (5, "nginx:1.28")

    deleted = await api.delete(f"{URL}/web")
    assert deleted.status_code == 204
    assert fake_cluster.objects("Deployment") == []


@pytest.mark.anyio
async def test_errors_are_mapped_as_in_the_blocking_service(
    api: httpx.AsyncClient, fake_cluster: FakeCluster
) -> None:
    missing = await api.get(f"{URL}/web")
    assert (missing.status_code, missing.json()) == (
        404,
        {"detail": 'deployments.apps "web" not found'},
    )

    await api.post(URL, json={"name": "web", "image": "nginx"})
    again = await api.post(URL, json={"name": "web", "image": "httpd"})
    assert again.status_code == 409

    invalid = await api.patch(f"{URL}/web", json={"image": ""})
    assert invalid.status_code == 422
    assert [c["field"] for c in invalid.json()["causes"]] == [
        "spec.template.spec.containers[0].image"
    ]
    assert replicas_and_image(fake_cluster, "web") == (1, "nginx")

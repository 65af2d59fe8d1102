"""The same Deployment service on ``rawkube.AsyncClient``, with ``async def`` endpoints.

Run it on the cluster of your kubeconfig::

    uvicorn --factory examples.deployment_service.async_app:main

The request and response models and the error mapping are those of ``app.py``; ``main()``'s
client is closed when the server shuts down.
"""

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from fastapi import FastAPI

import rawkube
from examples.deployment_service.app import (
    DeploymentChange,
    DeploymentIn,
    DeploymentOut,
    ScaleIn,
    containers_of,
    error_response,
    summary,
)


def create_async_app(
    client: rawkube.AsyncClient,
    *,
    lifespan: Callable[[FastAPI], AbstractAsyncContextManager[None]] | None = None,
) -> FastAPI:
    """The service, sending its requests through ``client`` (which the caller closes)."""
    app = FastAPI(title="Deployments (asyncio)", lifespan=lifespan)
    app.add_exception_handler(rawkube.RawkubeError, error_response)
    path = "/namespaces/{namespace}/deployments"

    @app.post(path, status_code=201)
    async def create(namespace: str, body: DeploymentIn) -> DeploymentOut:
        deployments = client.apps_v1.deployments(namespace)
        return summary(await deployments.create(body.to_deployment()))

    @app.get(path)
    async def list_(namespace: str) -> list[DeploymentOut]:
        found = await client.apps_v1.deployments(namespace).list()
        return [summary(d) for d in found.items]

    @app.get(path + "/{name}")
    async def get(namespace: str, name: str) -> DeploymentOut:
        return summary(await client.apps_v1.deployments(namespace).get(name))

    @app.patch(path + "/{name}")
    async def update(namespace: str, name: str, body: DeploymentChange) -> DeploymentOut:
        deployments = client.apps_v1.deployments(namespace)
        deployment = await deployments.get(name)
        if body.resource_version is not None:
            deployment.metadata.resource_version = body.resource_version
        if body.replicas is not None and deployment.spec is not None:
            deployment.spec.replicas = body.replicas
        containers = containers_of(deployment)
        if body.image is not None and containers:
            containers[0].image = body.image
        return summary(await deployments.update(deployment))

    @app.put(path + "/{name}/scale")
    async def scale(namespace: str, name: str, body: ScaleIn) -> DeploymentOut:
        deployments = client.apps_v1.deployments(namespace)
        await deployments.patch_scale(name, {"spec": {"replicas": body.replicas}})
        return summary(await deployments.get(name))

    @app.delete(path + "/{name}", status_code=204)
    async def delete(namespace: str, name: str) -> None:
        await client.apps_v1.deployments(namespace).delete(name)

    return app


def main() -> FastAPI:
    """The service on the cluster of the kubeconfig (or in-cluster), as kubectl finds it."""
    client = rawkube.AsyncClient()  # it connects on first use, in the server's event loop

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        await client.aclose()

    return create_async_app(client, lifespan=lifespan)

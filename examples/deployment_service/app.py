"""The Deployment service on the blocking ``rawkube.Client``: models, errors and routes.

Run it on the cluster of your kubeconfig::

    uvicorn --factory examples.deployment_service.app:main

FastAPI runs these plain ``def`` endpoints on a thread pool; its threads share one
``rawkube.Client``, as informers' threads do. ``async_app.py`` is the same service on
``rawkube.AsyncClient``.
"""

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

import rawkube
from rawkube.models.apps_v1 import Deployment, DeploymentSpec
from rawkube.models.core_v1 import Container, PodSpec, PodTemplateSpec
from rawkube.models.meta_v1 import LabelSelector, ObjectMeta


class DeploymentIn(BaseModel):
    """What ``POST .../deployments`` takes: one container, labelled ``app: <name>``."""

    name: str
    image: str
    replicas: int = Field(default=1, ge=0)

    def to_deployment(self) -> Deployment:
        labels = {"app": self.name}
        return Deployment(
            metadata=ObjectMeta(name=self.name, labels=labels),
            spec=DeploymentSpec(
                replicas=self.replicas,
                selector=LabelSelector(match_labels=labels),
                template=PodTemplateSpec(
                    metadata=ObjectMeta(labels=labels),
                    spec=PodSpec(containers=[Container(name=self.name, image=self.image)]),
                ),
            ),
        )


class DeploymentChange(BaseModel):
    """What ``PATCH .../deployments/{name}`` takes; ``resource_version`` makes it conditional."""

    image: str | None = None
    replicas: int | None = Field(default=None, ge=0)
    resource_version: str | None = None


class ScaleIn(BaseModel):
    replicas: int = Field(ge=0)


class DeploymentOut(BaseModel):
    name: str
    namespace: str
    image: str | None
    replicas: int
    ready_replicas: int
    resource_version: str


def containers_of(deployment: Deployment) -> list[Container]:
    """The pod template's containers ([] if the Deployment has no template)."""
    spec = deployment.spec
    pod = spec.template.spec if spec is not None and spec.template is not None else None
    return (pod.containers or []) if pod is not None else []


def summary(deployment: Deployment) -> DeploymentOut:
    """The service's view of a Deployment read from the API server."""
    meta = deployment.metadata
    containers = containers_of(deployment)
    spec, status = deployment.spec, deployment.status
    return DeploymentOut(
        name=meta.name or "",
        namespace=meta.namespace or "",
        image=containers[0].image if containers else None,
        replicas=(spec.replicas or 0) if spec is not None else 0,
        ready_replicas=(status.ready_replicas or 0) if status is not None else 0,
        resource_version=meta.resource_version or "",
    )


# What the API server's refusals become; any other ApiError is the server's fault (502).
STATUS_FOR: dict[type[rawkube.ApiError], int] = {
    rawkube.NotFoundError: 404,
    rawkube.AlreadyExistsError: 409,
    rawkube.ConflictError: 409,
    rawkube.InvalidError: 422,
    rawkube.ForbiddenError: 403,
}


def error_response(request: Request, exc: Exception) -> Response:
    """The HTTP answer for a rawkube error raised by an endpoint."""
    if isinstance(exc, rawkube.TransportError):  # no answer from the API server at all
        return JSONResponse({"detail": "the Kubernetes API cannot be reached"}, 503)
    if not isinstance(exc, rawkube.ApiError):
        return JSONResponse({"detail": f"bad answer from the Kubernetes API: {exc}"}, 502)
    status = next((code for kind, code in STATUS_FOR.items() if isinstance(exc, kind)), 502)
    body: dict[str, object] = {"detail": exc.message}
    if isinstance(exc, rawkube.InvalidError):  # the fields at fault, in the server's words
        body["causes"] = [cause.to_dict() for cause in exc.causes]
    return JSONResponse(body, status)


def create_app(client: rawkube.Client) -> FastAPI:
    """The service, sending its requests through ``client`` (which the caller closes)."""
    app = FastAPI(title="Deployments")
    app.add_exception_handler(rawkube.RawkubeError, error_response)
    path = "/namespaces/{namespace}/deployments"

    @app.post(path, status_code=201)
    def create(namespace: str, body: DeploymentIn) -> DeploymentOut:
        return summary(client.apps_v1.deployments(namespace).create(body.to_deployment()))

    @app.get(path)
    def list_(namespace: str) -> list[DeploymentOut]:
        return [summary(d) for d in client.apps_v1.deployments(namespace).list().items]

    @app.get(path + "/{name}")
    def get(namespace: str, name: str) -> DeploymentOut:
        return summary(client.apps_v1.deployments(namespace).get(name))

    @app.patch(path + "/{name}")
    def update(namespace: str, name: str, body: DeploymentChange) -> DeploymentOut:
        # Read, modify, write: the update carries the resourceVersion read (or the caller's),
        # so a change made meanwhile makes the server answer 409 instead of being lost.
        deployments = client.apps_v1.deployments(namespace)
        deployment = deployments.get(name)
        if body.resource_version is not None:
            deployment.metadata.resource_version = body.resource_version
        if body.replicas is not None and deployment.spec is not None:
            deployment.spec.replicas = body.replicas
        containers = containers_of(deployment)
        if body.image is not None and containers:
            containers[0].image = body.image
        return summary(deployments.update(deployment))

    @app.put(path + "/{name}/scale")
    def scale(namespace: str, name: str, body: ScaleIn) -> DeploymentOut:
        deployments = client.apps_v1.deployments(namespace)
        deployments.patch_scale(name, {"spec": {"replicas": body.replicas}})
        return summary(deployments.get(name))

    @app.delete(path + "/{name}", status_code=204)
    def delete(namespace: str, name: str) -> None:
        client.apps_v1.deployments(namespace).delete(name)

    return app


def main() -> FastAPI:
    """The service on the cluster of the kubeconfig (or in-cluster), as kubectl finds it."""
    return create_app(rawkube.Client())

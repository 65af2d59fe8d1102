"""Checked by mypy --strict in CI (not run by pytest): what ``wait()`` gives back, typed."""

from __future__ import annotations

from typing import Any

import rawkube
from rawkube.models.apps_v1 import Deployment
from rawkube.models.core_v1 import Pod


def rolled_out(client: rawkube.Client) -> int:
    """A condition or a jsonpath gives the typed object back."""
    done: Deployment = client.apps_v1.deployments("web").wait("api", for_="Available")
    client.core_v1.pods("web").wait("api-0", for_="delete", timeout=None)  # returns None
    running: Pod = client.core_v1.pods("web").wait(
        "api-1", for_="jsonpath={.status.phase}=Running", timeout=30
    )
    del running
    return done.status.ready_replicas or 0 if done.status else 0


def ready(pod: Pod) -> bool:
    return bool(pod.status and pod.status.pod_ip)


async def scheduled(aclient: rawkube.AsyncClient) -> str | None:
    """A predicate is given the typed object; the async API awaits the same."""
    pod: Pod = await aclient.core_v1.pods("web").wait("api-0", for_=ready)
    await aclient.core_v1.pods("web").wait("api-0", for_="deletion")
    return pod.status.pod_ip if pod.status else None


def dynamic(client: rawkube.Client) -> dict[str, Any]:
    """The dynamic API waits on dicts."""
    gvr = rawkube.GroupVersionResource("apps", "v1", "deployments")
    return (
        client.dynamic.resource(gvr)
        .namespace("web")
        .wait("api", for_=lambda d: d.get("status", {}).get("readyReplicas") == 3)
    )


def timed_out(client: rawkube.Client) -> object:
    try:
        client.core_v1.pods().wait("p", for_="Ready", timeout=0.5)
    except rawkube.WaitTimeoutError as exc:
        return exc.last
    return None

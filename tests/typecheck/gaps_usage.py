"""Checked by mypy --strict in CI (not run by pytest): selectors, dynamic answers, Config tokens."""

from __future__ import annotations

from typing import Any

import rawkube
from rawkube.models.meta_v1 import LabelSelector


def selected(selector: LabelSelector | None, labels: dict[str, str] | None) -> bool:
    """selector_matches takes a model, a dict, a string or None."""
    return (
        rawkube.selector_matches(selector, labels)
        and rawkube.selector_matches("app=web", labels)
        and rawkube.selector_matches({"app": "web"}, labels)
    )


def dynamic_answers(client: rawkube.Client) -> list[dict[str, Any]]:
    """Every answer of the dynamic client is a dict, without a narrowing isinstance."""
    deploys = client.dynamic.resource("deploy").namespace("web")
    pods = client.dynamic.resource(rawkube.GroupVersionResource("", "v1", "pods"))
    return [
        deploys.get("site"),
        deploys.delete("site"),
        deploys.delete_collection(label_selector="app=web"),
        deploys.get_scale("site"),
        deploys.patch_scale("site", {"spec": {"replicas": 2}}),
        pods.namespace("web").evict("web-0"),
        pods.namespace("web").bind("web-0", "node-1"),
    ]


async def async_dynamic_answers(client: rawkube.AsyncClient) -> dict[str, Any]:
    """The async client resolves a name by awaiting."""
    deploys = await client.dynamic.resolve("deployments.apps")
    status: dict[str, Any] = await deploys.namespace("web").delete("site")
    return status


def hand_built(token: str, ca: bytes) -> rawkube.Client:
    """A Config from a server, a token and a CA."""
    return rawkube.Client(
        rawkube.Config.from_server("https://10.0.0.1:6443", token=token, ca_pem=ca)
    )

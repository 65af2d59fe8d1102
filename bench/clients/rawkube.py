"""Adapter: rawkube, for the shared side-by-side benchmark suite (see its clients/README.md)."""

from clients._baseline import run_concurrent
from clients._digest import attr_getter, list_digest

import rawkube
import rawkube.models.core_v1  # the models used, imported up front as other adapters do

_GET = attr_getter(False)  # rawkube models: snake_case attributes

KIND = "client"
DISTS = ["rawkube"]
IMPORTS = ["rawkube"]
NA = {}
NOTES = {
    "list_typed": "client.core_v1.pods(ns).list()",
    "list_dict": "client.dynamic.resource(pods).namespace(ns).list()",
    "get_many": "client.core_v1.pods(ns).get(name)",
    "watch": "client.core_v1.pods(ns).watch()",
    "list_read": "client.core_v1.pods(ns).list().items, fields read through the typed models",
    "get_concurrent": "await AsyncClient.core_v1.pods(ns).get(name); one AsyncClient, default pool "
    "(256 connections), N workers sharing the GETs",
}
PODS = rawkube.GroupVersionResource("", "v1", "pods")


def setup(kubeconfig, namespace):
    return rawkube.Client.from_kubeconfig(kubeconfig)


def list_typed(client, namespace):
    items = client.core_v1.pods(namespace).list().items or []
    return sum(1 for pod in items if pod.metadata and pod.metadata.name)


def list_dict(client, namespace):
    items = client.dynamic.resource(PODS).namespace(namespace).list()["items"]
    return sum(1 for pod in items if pod["metadata"]["name"])


def list_read(client, namespace):
    return list_digest(client.core_v1.pods(namespace).list().items or [], _GET)


def get_many(client, namespace, name, count):
    pods = client.core_v1.pods(namespace)
    hits = 0
    for _ in range(count):
        pod = pods.get(name)
        hits += pod.metadata is not None and pod.metadata.name == name
    return hits


def watch(client, namespace):
    with client.core_v1.pods(namespace).watch() as events:
        for event in events:
            _ = event.object.metadata.name
            yield event.type


def teardown(client):
    client.close()


async def asetup(kubeconfig, namespace):
    return rawkube.AsyncClient.from_kubeconfig(kubeconfig)


async def aget_concurrent(client, namespace, name, count, concurrency):
    pods = client.core_v1.pods(namespace)

    async def one():
        pod = await pods.get(name)
        return pod.metadata is not None and pod.metadata.name == name

    return await run_concurrent(
        count, concurrency, one
    )  # `concurrency` workers: that many in flight


async def ateardown(client):
    await client.aclose()

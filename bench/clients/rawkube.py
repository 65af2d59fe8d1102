"""Adapter: rawkube, for the shared side-by-side benchmark suite (see its clients/README.md)."""

import rawkube
from rawkube.models.core_v1 import Pod, PodList

KIND = "client"
DISTS = ["rawkube"]
IMPORTS = ["rawkube"]
NA = {"watch": "watch arrives with the watch issue"}
NOTES = {
    "list_typed": "client.get().namespace(ns).resource('pods').do().into(PodList)",
    "list_dict": "client.get().namespace(ns).resource('pods').do().json()",
    "get_many": "client.get()...name(n).do().into(Pod)",
}


def setup(kubeconfig, namespace):
    return rawkube.Client.from_kubeconfig(kubeconfig)


def list_typed(client, namespace):
    items = client.get().namespace(namespace).resource("pods").do().into(PodList).items
    return sum(1 for pod in items if pod.metadata.name)


def list_dict(client, namespace):
    items = client.get().namespace(namespace).resource("pods").do().json()["items"]
    return sum(1 for pod in items if pod["metadata"]["name"])


def get_many(client, namespace, name, count):
    hits = 0
    for _ in range(count):
        pod = client.get().namespace(namespace).resource("pods").name(name).do().into(Pod)
        hits += pod.metadata.name == name
    return hits


def teardown(client):
    client.close()

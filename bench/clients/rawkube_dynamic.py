"""Adapter: rawkube's dynamic client (plain dicts), for the suite's watch task as dicts.

The suite's T4 asks for typed objects; this adapter runs the same stream through
``client.dynamic`` so the dict watch can be compared with the httpx + orjson baseline, which
builds dicts too, in the same run. Select it explicitly: ``--clients rawkube_dynamic,...``.
"""

import rawkube

KIND = "client"
DISTS = ["rawkube"]
IMPORTS = ["rawkube"]
NA = {
    "list_typed": "dicts only: see the rawkube adapter",
    "get_many": "dicts only: see the rawkube adapter",
}
NOTES = {
    "list_dict": "client.dynamic.resource(pods).namespace(ns).list()",
    "watch": "client.dynamic.resource(pods).namespace(ns).watch(): dict objects",
}
PODS = rawkube.GroupVersionResource("", "v1", "pods")


def setup(kubeconfig, namespace):
    return rawkube.Client.from_kubeconfig(kubeconfig)


def list_dict(client, namespace):
    items = client.dynamic.resource(PODS).namespace(namespace).list()["items"]
    return sum(1 for pod in items if pod["metadata"]["name"])


def watch(client, namespace):
    with client.dynamic.resource(PODS).namespace(namespace).watch() as events:
        for event in events:
            if event.type != "BOOKMARK":
                _ = event.object["metadata"]["name"]
            yield event.type


def teardown(client):
    client.close()

"""Adapter: rawkube on its optional HTTP engine, httpx2, for the shared suite.

The same calls as the ``rawkube`` adapter; only the engine differs. The engine is chosen once
per process by ``RAWKUBE_HTTP_ENGINE``, so it is set before rawkube is imported (the suite runs
each task in a fresh process). Select it explicitly: ``--clients rawkube,rawkube_httpx2,...``.
"""

import os

os.environ["RAWKUBE_HTTP_ENGINE"] = "httpx2"

from clients.rawkube import (  # after the engine is chosen
    aget_concurrent,
    asetup,
    ateardown,
    get_many,
    list_dict,
    list_read,
    list_typed,
    setup,
    teardown,
    watch,
)

KIND = "client"
DISTS = ["rawkube", "httpx2"]
IMPORTS = ["rawkube"]
NA = {"import": "the engine is set by the adapter, which the import task does not load"}
NOTES = {
    "list_typed": "client.core_v1.pods(ns).list(), on httpx2",
    "list_dict": "client.dynamic.resource(pods).namespace(ns).list(), on httpx2",
    "get_many": "client.core_v1.pods(ns).get(name), on httpx2",
    "watch": "client.core_v1.pods(ns).watch(), on httpx2",
    "list_read": "client.core_v1.pods(ns).list().items, fields read, on httpx2",
    "get_concurrent": "await AsyncClient.core_v1.pods(ns).get(name), on httpx2, default pool",
}

__all__ = [
    "aget_concurrent",
    "asetup",
    "ateardown",
    "get_many",
    "list_dict",
    "list_read",
    "list_typed",
    "setup",
    "teardown",
    "watch",
]

"""The HTTP library rawkube sends with: httpx, or httpx2 when ``RAWKUBE_HTTP_ENGINE`` asks for it.

The choice is made once, when rawkube is imported, for the whole process: rawkube's credential
flows and the fake cluster's transports are classes of the engine's, so two engines cannot serve
two clients of one process. Nothing of the engine shows in rawkube's API: every failure is one
of rawkube's errors whichever engine sent the request.

httpx is the default. httpx2 (installed by the ``rawkube[httpx2]`` extra) has the same API and a
connection pool that costs far less with many requests in flight (``bench/README.md``). A name
that is neither, or httpx2 asked for but not installed, fails the import with a message that
says so: the engine is never chosen silently.
"""

from __future__ import annotations

import importlib
import os
from types import ModuleType
from typing import TYPE_CHECKING

ENGINE_VARIABLE = "RAWKUBE_HTTP_ENGINE"
ENGINES = ("httpx", "httpx2")
_CORE = {"httpx": "httpcore", "httpx2": "httpcore2"}


def _chosen() -> str:
    name = os.environ.get(ENGINE_VARIABLE, "").strip() or "httpx"
    if name not in ENGINES:
        raise ImportError(
            f"{ENGINE_VARIABLE}={name!r} is not an HTTP engine rawkube can use: "
            f"choose one of {', '.join(ENGINES)}"
        )
    return name


ENGINE = _chosen()
"""The name of the engine this process sends with: ``"httpx"`` or ``"httpx2"``."""


def _load(name: str) -> ModuleType:
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        install = "pip install rawkube" if ENGINE == "httpx" else f"pip install 'rawkube[{ENGINE}]'"
        raise ImportError(
            f"rawkube's HTTP engine {ENGINE} is not installed: {install} ({exc})"
        ) from exc


if TYPE_CHECKING:
    # Type-checked against httpx: httpx2 has the same API, and rawkube's own signatures name none
    # of the engine's types but the ``transport=`` a test hands in.
    import httpx as httpx
else:
    httpx = _load(ENGINE)


def httpcore() -> ModuleType:
    """The engine's transport layer (httpcore or httpcore2), imported on first use: its import
    is slow, and only a client that builds a connection pool needs it.
    """
    return _load(_CORE[ENGINE])

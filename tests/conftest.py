"""Shared test set-up: isolate every test from the real home, kubeconfig and cluster."""

from __future__ import annotations

import os

if os.environ.get("RAWKUBE_HTTP_ENGINE") == "httpx2":
    # The suite speaks httpx: on the httpx2 engine, its `import httpx` (and respx's) must be
    # httpx2, or the tests would hand httpx objects to httpx2 clients. httpx2's own aliasing
    # does it, and refuses if httpx was imported first (run pytest with -p no:respx).
    import httpx2

    httpx2.alias_httpx()

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import settings

# The machines this runs on have 2 cores and may be busy: never fail a property on wall time.
settings.register_profile("rawkube", deadline=None, max_examples=200)
settings.load_profile("rawkube")

FIXTURES = Path(__file__).parent / "fixtures"

_ISOLATED_VARS = (
    "KUBECONFIG",
    "KUBERNETES_SERVICE_HOST",
    "KUBERNETES_SERVICE_PORT",
    "KUBERNETES_EXEC_INFO",
    "POD_NAMESPACE",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "NO_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
    "no_proxy",
)


@pytest.fixture(autouse=True)
def isolated_environment(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """Give each test an empty HOME and no cluster settings, so nothing real is read or written."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    for name in _ISOLATED_VARS:
        monkeypatch.delenv(name, raising=False)
    return home


@pytest.fixture
def anyio_backend() -> str:
    """Async tests run on asyncio, the loop rawkube's async client targets."""
    return "asyncio"


RECORDED = FIXTURES / "recorded"
_FRAMING_HEADERS = {"transfer-encoding", "content-length"}


def recorded_response(name: str) -> httpx.Response:
    """A real API server response from ``tests/fixtures/recorded/NAME.{headers,body}``.

    Framing headers are dropped: the body is whole, and httpx sets its own length.
    """
    lines = (RECORDED / f"{name}.headers").read_text().splitlines()
    status = int(lines[0].split()[1])
    headers = []
    for line in lines[1:]:
        if not line.strip():
            continue
        key, _, value = line.partition(":")
        if key.strip().lower() not in _FRAMING_HEADERS:
            headers.append((key.strip(), value.strip()))
    return httpx.Response(status, headers=headers, content=(RECORDED / f"{name}.body").read_bytes())


@pytest.fixture(params=["respx", "fake"])
def backend(request: pytest.FixtureRequest) -> Iterator[object]:
    """A client on a backend with API server semantics (see ``tests/backends.py``).

    Yields an object with ``client`` (namespace ``team``): once over respx routes, once over
    rawkube's own fake cluster, so every behaviour test runs on both.
    """
    import rawkube
    from rawkube.core._clock import FakeClock
    from tests.backends import NAMESPACE, RespxCluster

    if request.param == "fake":
        from types import SimpleNamespace

        from rawkube.testing import FakeCluster

        fake = FakeCluster(
            [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}}],
            clock=FakeClock(),
        )
        with fake.client(NAMESPACE) as client:
            yield SimpleNamespace(client=client, cluster=fake)
        return

    import respx

    server = "http://behaviour.test"
    cluster = RespxCluster(server)
    config = rawkube.Config(server=server, namespace=NAMESPACE, clock=FakeClock())
    with respx.mock(assert_all_called=False) as router, rawkube.Client(config) as client:
        cluster.route(router)
        cluster.client = client  # type: ignore[attr-defined]
        yield cluster


def without_filled_identity(dumped: Any, body: Any) -> Any:
    """``dumped`` without the apiVersion and kind that ``body`` lacked where it had an object.

    A decoded object that says no type (a list's item) has its apiVersion and kind filled in
    (rawkube.models.TypedObject); the rest of it must be written exactly as it came.
    """
    if isinstance(dumped, dict) and isinstance(body, dict):
        return {
            key: without_filled_identity(value, body.get(key))
            for key, value in dumped.items()
            if key in body or key not in ("apiVersion", "kind")
        }
    if isinstance(dumped, list) and isinstance(body, list) and len(dumped) == len(body):
        return [without_filled_identity(a, b) for a, b in zip(dumped, body, strict=True)]
    return dumped

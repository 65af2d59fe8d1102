"""pytest fixtures for code that talks to Kubernetes: a fresh fake cluster for every test.

Registered through the ``pytest11`` entry point, so installing rawkube is enough::

    def test_scales_up(fake_client, fake_cluster):
        fake_cluster.create(my_deployment)
        scale_up(fake_client, "web")            # your code, given a rawkube.Client
        assert fake_cluster.objects("Deployment")[0]["spec"]["replicas"] == 3

The cluster runs on a ``FakeClock``: watches end and bookmarks arrive without real waiting.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from rawkube.client._async_client import AsyncClient
    from rawkube.client._sync_client import Client
    from rawkube.testing import FakeCluster


@pytest.fixture
def fake_cluster() -> FakeCluster:
    """An empty :class:`~rawkube.testing.FakeCluster` (namespace ``default`` only)."""
    from rawkube.testing import FakeClock, FakeCluster

    return FakeCluster(clock=FakeClock())


@pytest.fixture
def fake_client(fake_cluster: FakeCluster) -> Iterator[Client]:
    """A :class:`rawkube.Client` on ``fake_cluster``, closed after the test."""
    with fake_cluster.client() as client:
        yield client


@pytest.fixture
def async_fake_client(fake_cluster: FakeCluster) -> Iterator[AsyncClient]:
    """A :class:`rawkube.AsyncClient` on ``fake_cluster``, closed after the test."""
    client = fake_cluster.async_client()
    yield client
    asyncio.run(client.aclose())

"""The pytest fixtures rawkube registers (pytest11 entry point), used as a user's suite would."""

from __future__ import annotations

import pytest

from rawkube.models.core_v1 import ConfigMap


def test_fake_client_talks_to_fake_cluster(fake_cluster, fake_client):
    fake_client.core_v1.config_maps().create(ConfigMap(metadata={"name": "a"}))
    assert [c["metadata"]["name"] for c in fake_cluster.objects("ConfigMap")] == ["a"]


def test_each_test_starts_empty(fake_cluster):
    assert fake_cluster.objects("ConfigMap") == []
    assert [n["metadata"]["name"] for n in fake_cluster.objects("Namespace")] == ["default"]


def test_the_async_client_shares_the_cluster(fake_cluster, async_fake_client):
    import asyncio

    async def create() -> None:
        await async_fake_client.core_v1.config_maps().create(ConfigMap(metadata={"name": "b"}))

    asyncio.run(create())
    assert [c["metadata"]["name"] for c in fake_cluster.objects("ConfigMap")] == ["b"]


def test_watches_do_not_wait_for_real(fake_client, fake_cluster):
    before = fake_cluster.clock.monotonic()
    with fake_client.core_v1.config_maps().watch(timeout_seconds=600) as events:
        assert [e.type for e in events if e.type != "BOOKMARK"] == []
    assert fake_cluster.clock.monotonic() - before == pytest.approx(600)

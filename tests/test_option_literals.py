"""Options with a fixed set of values are refused before sending when they are not one of them.

``propagation_policy``, ``field_validation``, ``resource_version_match`` and ``patch_type``
are Literals to a type checker; at run time a wrong value (a wrong case, say) is a ValueError
naming the allowed values, on every path: typed and dynamic, sync and async.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from rawkube.core._resource import GroupVersionResource
from rawkube.models.core_v1 import ConfigMap
from rawkube.models.meta_v1 import ObjectMeta
from rawkube.testing import FakeCluster

CONFIGMAPS = GroupVersionResource("", "v1", "configmaps")


def configmap(name: str = "cm") -> ConfigMap:
    return ConfigMap(metadata=ObjectMeta(name=name))


WRONG: list[tuple[str, str, Callable[[Any], Any]]] = [
    (
        "propagation_policy",
        "'Foreground', 'Background', 'Orphan'",
        lambda api: api.delete("cm", propagation_policy="foreground"),
    ),
    (
        "propagation_policy",
        "'Foreground', 'Background', 'Orphan'",
        lambda api: api.delete_collection(propagation_policy="all"),
    ),
    (
        "field_validation",
        "'Strict', 'Warn', 'Ignore'",
        lambda api: api.create({"metadata": {"name": "x"}}, field_validation="strict"),
    ),
    (
        "field_validation",
        "'Strict', 'Warn', 'Ignore'",
        lambda api: api.patch("cm", {}, field_validation="Loud"),
    ),
    (
        "resource_version_match",
        "'Exact', 'NotOlderThan'",
        lambda api: api.list(resource_version="1", resource_version_match="exact"),
    ),
    (
        "patch type",
        "'apply', 'json', 'merge', 'strategic'",
        lambda api: api.patch("cm", {}, patch_type="Merge"),
    ),
    (
        "dry_run",
        "True or False",
        lambda api: api.create({"metadata": {"name": "x"}}, dry_run="All"),
    ),
]


@pytest.mark.parametrize(("option", "allowed", "call"), WRONG)
@pytest.mark.parametrize("flavour", ["typed", "dynamic"])
def test_a_wrong_value_is_refused_before_sending(
    fake_cluster: FakeCluster,
    option: str,
    allowed: str,
    call: Callable[[Any], Any],
    flavour: str,
) -> None:
    with fake_cluster.client() as client:
        client.core_v1.config_maps().create(configmap())
        fake_cluster.clear_actions()
        api: Any = (
            client.core_v1.config_maps()
            if flavour == "typed"
            else client.dynamic.resource(CONFIGMAPS).namespace("default")
        )
        with pytest.raises(ValueError, match=option) as raised:
            call(api)
        assert allowed in str(raised.value)
    assert fake_cluster.actions() == []


@pytest.mark.anyio
async def test_the_async_client_refuses_the_same(fake_cluster: FakeCluster) -> None:
    client = fake_cluster.async_client()
    try:
        with pytest.raises(ValueError, match="'Foreground', 'Background', 'Orphan'"):
            await client.core_v1.config_maps().delete("cm", propagation_policy="foreground")  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="'Strict', 'Warn', 'Ignore'"):
            await client.core_v1.config_maps().create(configmap(), field_validation="warn")  # type: ignore[arg-type]
    finally:
        await client.aclose()
    assert fake_cluster.actions() == []


def test_the_allowed_values_are_sent(fake_cluster: FakeCluster) -> None:
    with fake_cluster.client() as client:
        configmaps = client.core_v1.config_maps()
        configmaps.create(configmap(), field_validation="Strict")
        configmaps.list(resource_version="0", resource_version_match="NotOlderThan")
        deleting = configmaps.delete("cm", propagation_policy="Foreground")
    by_verb = {a.verb: a for a in fake_cluster.actions()}
    assert by_verb["create"].params.get("fieldValidation") == "Strict"
    assert by_verb["list"].params.get("resourceVersionMatch") == "NotOlderThan"
    # Foreground: the object stays, finalising, until its dependents are gone.
    assert isinstance(deleting, ConfigMap)
    assert "foregroundDeletion" in (deleting.metadata.finalizers or [])

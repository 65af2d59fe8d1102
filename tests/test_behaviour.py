"""What a user of a real API server sees through the typed interface, on every backend."""

from __future__ import annotations

import pytest

import rawkube
from rawkube.models.core_v1 import ConfigMap
from rawkube.models.meta_v1 import ObjectMeta, Status


def settings(name: str = "settings", **labels: str) -> ConfigMap:
    return ConfigMap(metadata=ObjectMeta(name=name, labels=labels or None), data={"level": "info"})


def test_created_objects_read_back_with_server_fields(backend):
    configmaps = backend.client.core_v1.config_maps()
    created = configmaps.create(settings())
    assert created.metadata.uid
    assert created.metadata.resource_version
    got = configmaps.get("settings")
    assert got.data == {"level": "info"}
    assert got.metadata.uid == created.metadata.uid
    with pytest.raises(rawkube.AlreadyExistsError):
        configmaps.create(settings())
    with pytest.raises(rawkube.NotFoundError):
        configmaps.get("absent")


def test_dry_run_keeps_nothing(backend):
    configmaps = backend.client.core_v1.config_maps()
    configmaps.create(settings(), dry_run=True)
    with pytest.raises(rawkube.NotFoundError):
        configmaps.get("settings")


def test_a_stale_update_conflicts_and_retry_on_conflict_recovers(backend):
    configmaps = backend.client.core_v1.config_maps()
    configmaps.create(settings())
    stale = configmaps.get("settings")
    fresh = configmaps.get("settings")
    fresh.data = {"level": "debug"}
    configmaps.update(fresh)
    stale.data = {"level": "warn"}
    with pytest.raises(rawkube.ConflictError):
        configmaps.update(stale)

    def bump() -> ConfigMap:
        latest = configmaps.get("settings")
        latest.data = {**(latest.data or {}), "level": "error"}
        return configmaps.update(latest)

    assert rawkube.retry_on_conflict(bump).data == {"level": "error"}


def test_selectors_and_paging_find_every_matching_object(backend):
    configmaps = backend.client.core_v1.config_maps()
    for i in range(7):
        configmaps.create(settings(f"cm-{i}", app="web" if i % 2 else "db"))
    web = configmaps.list(label_selector=rawkube.selector(app="web"))
    assert sorted(cm.metadata.name for cm in web.items or []) == ["cm-1", "cm-3", "cm-5"]
    first = configmaps.list(limit=3)
    assert len(first.items or []) == 3
    assert first.metadata.continue_
    assert [cm.metadata.name for cm in configmaps.iter(limit=2)] == [f"cm-{i}" for i in range(7)]


def test_patch_and_apply_change_what_they_name(backend):
    configmaps = backend.client.core_v1.config_maps()
    applied = configmaps.apply(settings(), field_manager="tests")
    assert applied.data == {"level": "info"}
    again = configmaps.apply(
        ConfigMap(metadata=ObjectMeta(name="settings"), data={"level": "info", "extra": "1"}),
        field_manager="tests",
    )
    assert again.data == {"level": "info", "extra": "1"}
    patched = configmaps.patch("settings", {"data": {"extra": None}})
    assert patched.data == {"level": "info"}


def test_delete_answers_a_status_and_the_object_is_gone(backend):
    configmaps = backend.client.core_v1.config_maps()
    configmaps.create(settings())
    result = configmaps.delete("settings")
    assert isinstance(result, Status)
    with pytest.raises(rawkube.NotFoundError):
        configmaps.get("settings")
    with pytest.raises(rawkube.NotFoundError):
        configmaps.delete("settings")


def test_the_dynamic_client_sees_what_the_typed_one_wrote(backend):
    typed = backend.client.core_v1.config_maps()
    typed.create(settings("shared", app="web"))
    dynamic = backend.client.dynamic.resource(
        rawkube.GroupVersionResource("", "v1", "configmaps")
    ).namespace("team")
    got = dynamic.get("shared")
    assert got["data"] == {"level": "info"}
    assert got["metadata"]["uid"] == typed.get("shared").metadata.uid
    dynamic.patch("shared", {"data": {"level": "debug"}})
    assert typed.get("shared").data == {"level": "debug"}
    listed = dynamic.list(label_selector={"app": "web"})
    assert [item["metadata"]["name"] for item in listed["items"]] == ["shared"]


def test_a_watch_from_a_version_sees_the_later_changes_once(backend):
    configmaps = backend.client.core_v1.config_maps()
    start = configmaps.create(settings("first")).metadata.resource_version
    configmaps.create(settings("second"))
    configmaps.patch("first", {"data": {"level": "debug"}})
    configmaps.delete("second")
    with configmaps.watch(resource_version=start, timeout_seconds=5) as events:
        seen = [(e.type, e.object.metadata.name) for e in events if e.type != "BOOKMARK"]
    assert seen == [("ADDED", "second"), ("MODIFIED", "first"), ("DELETED", "second")]


def test_discovery_resolves_kubectl_names(backend):
    discovery = backend.client.discovery
    assert discovery.resolve("cm").plural == "configmaps"
    assert discovery.resolve("deploy").group == "apps"
    assert discovery.resolve("deployments.apps").kind == "Deployment"

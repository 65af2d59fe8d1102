"""What writes send: no nulls from models (but in merge patches), the object's own namespace.

Checked on the fake cluster through the body each request carried (its action log), sync and
async, typed and dynamic.
"""

from __future__ import annotations

from typing import Any

import pytest

import rawkube
from rawkube.core._resource import GroupVersionResource
from rawkube.models.core_v1 import ConfigMap, Container, Pod, PodSpec
from rawkube.models.meta_v1 import ObjectMeta
from rawkube.testing import FakeCluster

CONFIGMAPS = GroupVersionResource("", "v1", "configmaps")


@pytest.fixture
def cluster(fake_cluster: FakeCluster) -> FakeCluster:
    for name in ("team-a", "team-b"):
        fake_cluster.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
    fake_cluster.clear_actions()
    return fake_cluster


def sent(cluster: FakeCluster, verb: str) -> Any:
    (action,) = [a for a in cluster.actions() if a.verb == verb]
    return action


def pod(name: str, namespace: str | None = None) -> Pod:
    return Pod(
        metadata=ObjectMeta(name=name, namespace=namespace),
        spec=PodSpec(containers=[Container(name="c", image="nginx", command=None, tty=None)]),
    )


# --- no nulls but in merge patches -----------------------------------------------------------


def test_create_and_update_leave_out_fields_set_to_none(cluster: FakeCluster) -> None:
    with cluster.client("team-a") as client:
        created = client.core_v1.pods().create(pod("web"))
        body = sent(cluster, "create").body
        assert body["spec"] == {"containers": [{"name": "c", "image": "nginx"}]}
        assert body["metadata"] == {"name": "web"}
        cluster.clear_actions()
        created.spec.containers[0].working_dir = None  # type: ignore[union-attr]
        created.spec.node_name = None  # type: ignore[union-attr]
        client.core_v1.pods().update(created)
        spec = sent(cluster, "update").body["spec"]
        assert "nodeName" not in spec
        assert spec["containers"][0]["name"] == "c"
        assert None not in spec["containers"][0].values()
        assert "workingDir" not in spec["containers"][0]


def test_apply_leaves_out_fields_set_to_none(cluster: FakeCluster) -> None:
    with cluster.client("team-a") as client:
        client.core_v1.pods().apply(pod("web"), field_manager="me")
        assert sent(cluster, "patch").body["spec"] == {
            "containers": [{"name": "c", "image": "nginx"}]
        }


@pytest.mark.parametrize("as_model", [True, False])
def test_a_merge_patch_keeps_explicit_nulls(cluster: FakeCluster, as_model: bool) -> None:
    with cluster.client("team-a") as client:
        client.core_v1.config_maps().create(
            ConfigMap(metadata=ObjectMeta(name="cm", labels={"a": "1", "b": "2"}), data={"k": "v"})
        )
        cluster.clear_actions()
        patch: Any = (
            ConfigMap(data=None, metadata=ObjectMeta(labels={"a": "1"}))
            if as_model
            else {"data": None, "metadata": {"labels": {"b": None}}}
        )
        patched = client.core_v1.config_maps().patch("cm", patch, patch_type="merge")
        body = sent(cluster, "patch").body
        assert body["data"] is None
        assert patched.data is None
        if not as_model:
            assert patched.metadata.labels == {"a": "1"}


# --- the object's namespace ----------------------------------------------------------------


def test_create_without_a_namespace_goes_where_the_object_says(cluster: FakeCluster) -> None:
    with cluster.client("default") as client:
        created = client.core_v1.pods().create(pod("web", "team-b"))
        assert created.metadata.namespace == "team-b"
        assert sent(cluster, "create").namespace == "team-b"
        client.core_v1.pods().create(pod("plain"))
        assert client.core_v1.pods().get("plain").metadata.namespace == "default"
        updated = client.core_v1.pods().update(created)
        assert updated.metadata.namespace == "team-b"
        applied = client.api(Pod).apply(pod("applied", "team-a"), field_manager="me")
        assert applied.metadata.namespace == "team-a"
        everywhere = client.api(Pod, namespace=rawkube.ALL).create(pod("all", "team-a"))
        assert everywhere.metadata.namespace == "team-a"


def test_an_object_naming_another_namespace_than_the_apis_is_refused_before_sending(
    cluster: FakeCluster,
) -> None:
    with cluster.client("default") as client:
        pods = client.core_v1.pods("team-a")
        for write in (
            lambda: pods.create(pod("web", "team-b")),
            lambda: pods.update(pod("web", "team-b")),
            lambda: pods.apply(pod("web", "team-b"), field_manager="me"),
            lambda: (
                client.dynamic.resource(CONFIGMAPS)
                .namespace("team-a")
                .create({"metadata": {"name": "x", "namespace": "team-b"}})
            ),
        ):
            with pytest.raises(ValueError, match="'team-b' is not this API's namespace 'team-a'"):
                write()
        assert cluster.actions() == []
        assert pods.create(pod("same", "team-a")).metadata.namespace == "team-a"


@pytest.mark.anyio
async def test_the_async_client_places_and_refuses_the_same(cluster: FakeCluster) -> None:
    client = cluster.async_client("default")
    try:
        created = await client.core_v1.pods().create(pod("web", "team-b"))
        assert created.metadata.namespace == "team-b"
        with pytest.raises(ValueError, match="is not this API's namespace"):
            await client.core_v1.pods("team-a").create(pod("x", "team-b"))
    finally:
        await client.aclose()


# --- namespaces validated -------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["Bad_NS", "UPPER", "-lead", "trail-", "a" * 64, "a.b", ""])
def test_a_namespace_that_is_not_a_dns_label_is_refused(cluster: FakeCluster, bad: str) -> None:
    with cluster.client("default") as client:
        with pytest.raises(ValueError, match="namespace must be a DNS-1123 label"):
            client.core_v1.pods(bad)
        with pytest.raises(ValueError, match="namespace must be a DNS-1123 label"):
            client.dynamic.resource(CONFIGMAPS).namespace(bad)
        if bad:
            with pytest.raises(ValueError, match="namespace must be a DNS-1123 label"):
                client.core_v1.pods().create(pod("web", bad))
    assert cluster.actions() == []

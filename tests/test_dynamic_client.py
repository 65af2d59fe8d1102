"""The dynamic client: resources named as kubectl names them, and the server's dicts for every verb."""

from __future__ import annotations

from typing import Any

import pytest

import rawkube
from rawkube.models.core_v1 import Pod
from tests.crds import widget_crd

DEPLOYMENTS = rawkube.GroupVersionResource("apps", "v1", "deployments")
CRD = widget_crd()


def deployment(name: str = "web", replicas: int = 1) -> dict[str, Any]:
    labels = {"app": name}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "c", "image": "nginx"}]},
            },
        },
    }


# --- names through the RESTMapper -----------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "gvr"),
    [
        ("deploy", DEPLOYMENTS),
        ("deployments", DEPLOYMENTS),
        ("Deployment", DEPLOYMENTS),
        ("deployments.apps", DEPLOYMENTS),
        ("deployment.v1.apps", DEPLOYMENTS),
        ("po", rawkube.GroupVersionResource("", "v1", "pods")),
        ("pods.v1.", rawkube.GroupVersionResource("", "v1", "pods")),
        ("ns", rawkube.GroupVersionResource("", "v1", "namespaces")),
    ],
)
def test_a_name_resolves_as_kubectl_resolves_it(fake_client, name, gvr) -> None:
    assert fake_client.dynamic.resource(name).address == (gvr, None)
    assert fake_client.dynamic.resolve(name).address == (gvr, None)


def test_a_named_resource_serves_every_verb(fake_client, fake_cluster) -> None:
    fake_client.dynamic.resource("deploy").create(deployment())
    assert (
        fake_client.dynamic.resource("deployments.apps")
        .namespace("default")
        .get("web")["metadata"]["name"]
        == "web"
    )
    assert [o["metadata"]["name"] for o in fake_cluster.objects("Deployment")] == ["web"]


def test_a_crd_name_resolves_once_it_is_served(fake_client) -> None:
    with pytest.raises(rawkube.ResourceNotFoundError, match="'wd'"):
        fake_client.dynamic.resource("wd")
    fake_client.dynamic.resource("crd").create(CRD)
    widget = {"apiVersion": "example.org/v1", "kind": "Widget", "metadata": {"name": "w"}}
    for name in ("wd", "widgets", "widget.example.org", "widgets.v1.example.org"):
        api = fake_client.dynamic.resource(name)
        assert api.address == (rawkube.GroupVersionResource("example.org", "v1", "widgets"), None)
    created = fake_client.dynamic.resource("wd").namespace("default").create(widget)
    assert created["metadata"]["name"] == "w"


def test_an_unknown_name_is_named_with_close_ones(fake_client) -> None:
    with pytest.raises(rawkube.ResourceNotFoundError) as caught:
        fake_client.dynamic.resource("deploymnts")
    assert "'deploymnts'" in str(caught.value)
    assert "deployments" in str(caught.value)


def test_a_gvr_or_resource_info_needs_no_discovery(fake_client) -> None:
    assert fake_client.dynamic.resource(DEPLOYMENTS).address == (DEPLOYMENTS, None)
    info = fake_client.discovery.resolve("deploy")
    assert fake_client.dynamic.resource(info).address == (DEPLOYMENTS, None)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (Pod, r"Pod is a model class: client.api\(Pod\)"),
        (3, "takes a resource name .* not int"),
        (("apps", "v1", "deployments"), "not tuple"),
    ],
)
def test_a_wrong_type_says_what_it_wants(fake_client, value, message) -> None:
    with pytest.raises(TypeError, match=message):
        fake_client.dynamic.resource(value)


@pytest.mark.anyio
async def test_async_names_resolve_by_awaiting(async_fake_client) -> None:
    deployments = await async_fake_client.dynamic.resolve("deploy")
    assert deployments.address == (DEPLOYMENTS, None)
    await deployments.create(deployment())
    got = await async_fake_client.dynamic.resource(DEPLOYMENTS).namespace("default").get("web")
    assert got["metadata"]["name"] == "web"
    with pytest.raises(rawkube.ResourceNotFoundError, match="'nope'"):
        await async_fake_client.dynamic.resolve("nope")
    with pytest.raises(TypeError, match=r"await client.dynamic.resolve\('deploy'\)"):
        async_fake_client.dynamic.resource("deploy")
    with pytest.raises(TypeError, match="model class"):
        async_fake_client.dynamic.resource(Pod)


# --- dicts for every verb ------------------------------------------------------------------


def pod(name: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "finalizers": []},
        "spec": {"containers": [{"name": "c", "image": "nginx"}]},
    }


def test_every_sync_verb_answers_a_dict(fake_client, fake_cluster) -> None:
    fake_cluster.create({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "node-1"}})
    deploys = fake_client.dynamic.resource("deploy").namespace("default")
    pods = fake_client.dynamic.resource("po").namespace("default")
    answers = {
        "create": deploys.create(deployment()),
        "get": deploys.get("web"),
        "get_status": deploys.get_status("web"),
        "list": deploys.list(),
        "update": deploys.update(deploys.get("web")),
        "update_status": deploys.update_status(deploys.get("web")),
        "patch": deploys.patch("web", {"metadata": {"labels": {"a": "b"}}}),
        "patch_status": deploys.patch_status("web", {"status": {}}),
        "apply": deploys.apply(deployment(), field_manager="t"),
        "get_scale": deploys.get_scale("web"),
        "update_scale": deploys.update_scale(
            "web", {**deploys.get_scale("web"), "spec": {"replicas": 2}}
        ),
        "patch_scale": deploys.patch_scale("web", {"spec": {"replicas": 3}}),
        "bind": (pods.create(pod("p-1")), pods.bind("p-1", "node-1"))[1],
        "evict": (pods.create(pod("p-2")), pods.evict("p-2"))[1],
        "delete": deploys.delete("web"),
        "delete_collection": pods.delete_collection(),
    }
    kinds = {verb: answer.get("kind") for verb, answer in answers.items()}
    assert all(type(answer) is dict for answer in answers.values()), kinds
    assert kinds["get_scale"] == kinds["patch_scale"] == "Scale"
    assert answers["patch_scale"]["spec"]["replicas"] == 3
    assert kinds["bind"] == kinds["evict"] == "Status"
    assert kinds["delete"] in ("Status", "Deployment")
    assert kinds["delete_collection"] in ("Status", "PodList")
    gone = fake_client.dynamic.resource("deploy").namespace("default").delete_collection()
    assert type(gone) is dict


@pytest.mark.anyio
async def test_every_async_verb_answers_a_dict(async_fake_client, fake_cluster) -> None:
    fake_cluster.create({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "node-1"}})
    deploys = (await async_fake_client.dynamic.resolve("deploy")).namespace("default")
    pods = (await async_fake_client.dynamic.resolve("po")).namespace("default")
    await deploys.create(deployment())
    await pods.create(pod("p-1"))
    await pods.create(pod("p-2"))
    answers = [
        await deploys.get("web"),
        await deploys.list(),
        await deploys.patch("web", {"metadata": {"labels": {"a": "b"}}}),
        await deploys.apply(deployment(), field_manager="t"),
        scale := await deploys.get_scale("web"),
        await deploys.update_scale("web", {**scale, "spec": {"replicas": 2}}),
        await deploys.patch_scale("web", {"spec": {"replicas": 3}}),
        await pods.bind("p-1", "node-1"),
        await pods.evict("p-2"),
        await deploys.delete("web"),
        await pods.delete_collection(),
    ]
    assert [type(answer) for answer in answers] == [dict] * len(answers)
    assert answers[-3]["kind"] == "Status"


def test_the_typed_api_still_answers_models(fake_client) -> None:
    from rawkube.models.apps_v1 import Deployment
    from rawkube.models.autoscaling_v1 import Scale

    fake_client.dynamic.resource("deploy").create(deployment())
    deploys = fake_client.api(Deployment)
    assert isinstance(deploys.get_scale("web"), Scale)
    assert not isinstance(deploys.delete("web"), dict)

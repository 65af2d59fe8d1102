"""The typed resource interface: each verb's exact request, paging, and the async twin."""

from __future__ import annotations

import inspect
import json
from typing import Any

import httpx
import pytest
import respx

import rawkube
from rawkube.client._api import AsyncApi, AsyncDynamicApi, DynamicApi
from rawkube.client._async_verbs import _AsyncVerbs
from rawkube.client._sync_verbs import _Verbs
from rawkube.core._clock import FakeClock
from rawkube.core._framing import TextLines
from rawkube.models.apps_v1 import Deployment
from rawkube.models.autoscaling_v1 import Scale
from rawkube.models.core_v1 import ConfigMap, ConfigMapList, Namespace, Pod
from rawkube.models.meta_v1 import ObjectMeta, PartialObjectMetadataList, Status, Table
from tests.conftest import RECORDED, recorded_response

SERVER = "http://k8s.test"
CONFIGMAPS = f"{SERVER}/api/v1/namespaces/team/configmaps"


@pytest.fixture
def client():
    config = rawkube.Config(server=SERVER, namespace="team", clock=FakeClock())
    with rawkube.Client(config) as client:
        yield client


def recorded(name: str) -> httpx.Response:
    """A recorded body, with its recorded headers when there are any."""
    if (RECORDED / f"{name}.headers").exists():
        return recorded_response(name)
    return httpx.Response(200, content=(RECORDED / f"{name}.body").read_bytes())


def sent(route: respx.Route) -> httpx.Request:
    return route.calls.last.request


def query(route: respx.Route) -> list[tuple[str, str]]:
    return list(sent(route).url.params.multi_items())


def body(route: respx.Route) -> Any:
    return json.loads(sent(route).content)


# --- where requests go ---------------------------------------------------------------------------


@respx.mock
def test_get_uses_the_config_namespace_and_sends_the_resource_version(client):
    route = respx.get(f"{SERVER}/api/v1/namespaces/team/pods/pod-1").mock(
        return_value=recorded_response("pod_get")
    )
    pod = client.api(Pod).get("pod-1", resource_version="42")
    assert query(route) == [("resourceVersion", "42")]
    assert isinstance(pod, Pod)
    assert pod.metadata.name == "pod-1"


@respx.mock
def test_all_namespaces_lists_without_a_namespace_and_refuses_single_objects(client):
    route = respx.get(f"{SERVER}/api/v1/pods").mock(return_value=recorded("podlist"))
    pods = client.api(Pod, namespace=rawkube.ALL).list()
    assert route.called
    assert pods.items
    with pytest.raises(ValueError, match="name a namespace"):
        client.api(Pod, namespace=rawkube.ALL).get("pod-1")


@respx.mock
def test_a_cluster_scoped_resource_has_no_namespace(client):
    route = respx.get(f"{SERVER}/api/v1/namespaces/lab").mock(
        return_value=httpx.Response(200, json={"apiVersion": "v1", "kind": "Namespace"})
    )
    assert isinstance(client.api(Namespace).get("lab"), Namespace)
    assert route.called
    with pytest.raises(ValueError, match="cluster-scoped"):
        client.api(Namespace, namespace="team")


def test_a_model_that_is_not_a_resource_is_refused(client):
    with pytest.raises(TypeError, match="not a resource model"):
        client.api(ObjectMeta)  # type: ignore[type-var]


@respx.mock
def test_list_sends_every_option_under_its_api_name(client):
    route = respx.get(CONFIGMAPS).mock(return_value=recorded_response("configmaplist_limit2_page1"))
    result = client.api(ConfigMap).list(
        label_selector={"app": "web", "tier": "front"},
        field_selector="metadata.name!=skip",
        limit=2,
        continue_="token",
        resource_version="0",
        resource_version_match="NotOlderThan",
        timeout_seconds=30,
    )
    assert query(route) == [
        ("labelSelector", "app=web,tier=front"),
        ("fieldSelector", "metadata.name!=skip"),
        ("limit", "2"),
        ("resourceVersion", "0"),
        ("resourceVersionMatch", "NotOlderThan"),
        ("timeoutSeconds", "30"),
        ("continue", "token"),
    ]
    assert isinstance(result, ConfigMapList)
    assert len(result.items) == 2


def test_a_bad_selector_or_limit_is_refused_before_sending(client):
    with pytest.raises(ValueError, match="label selector"):
        client.api(ConfigMap).list(label_selector="app in (a")
    with pytest.raises(ValueError, match="limit"):
        client.api(ConfigMap).list(limit=0)


@respx.mock
def test_create_sends_the_object_and_write_options(client):
    route = respx.post(CONFIGMAPS).mock(return_value=recorded("create_configmap_201"))
    obj = ConfigMap(metadata=ObjectMeta(name="dup"), data={"a": "1"})
    created = client.api(ConfigMap).create(
        obj, dry_run=True, field_manager="me", field_validation="Strict"
    )
    assert query(route) == [
        ("dryRun", "All"),
        ("fieldManager", "me"),
        ("fieldValidation", "Strict"),
    ]
    assert sent(route).headers["content-type"] == "application/json"
    assert body(route) == {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "dup"},
        "data": {"a": "1"},
    }
    assert created.metadata.name == "dup"


@respx.mock
def test_update_and_update_status_address_the_object_by_its_name(client):
    route = respx.put(f"{CONFIGMAPS}/dup").mock(return_value=recorded("create_configmap_201"))
    status = respx.put(f"{SERVER}/api/v1/namespaces/team/pods/pod-1/status").mock(
        return_value=recorded_response("pod_get")
    )
    client.api(ConfigMap).update({"metadata": {"name": "dup", "resourceVersion": "7"}})
    assert body(route)["metadata"] == {"name": "dup", "resourceVersion": "7"}
    client.api(Pod).update_status(Pod(metadata=ObjectMeta(name="pod-1")), field_manager="k")
    assert query(status) == [("fieldManager", "k")]
    with pytest.raises(ValueError, match=r"metadata\.name"):
        client.api(ConfigMap).update(ConfigMap())


@pytest.mark.parametrize(
    ("patch_type", "media_type", "patch"),
    [
        ("merge", "application/merge-patch+json", {"data": {"a": "2"}}),
        ("json", "application/json-patch+json", [{"op": "add", "path": "/data/a", "value": "2"}]),
        ("strategic", "application/strategic-merge-patch+json", {"data": {"a": "2"}}),
        ("apply", "application/apply-patch+yaml", {"apiVersion": "v1", "kind": "ConfigMap"}),
    ],
)
@respx.mock
def test_each_patch_type_sends_its_media_type(client, patch_type, media_type, patch):
    route = respx.patch(f"{CONFIGMAPS}/dup").mock(
        return_value=recorded("patch_merge_configmap_200")
    )
    client.api(ConfigMap).patch("dup", patch, patch_type=patch_type, field_manager="me")
    assert sent(route).headers["content-type"] == media_type
    assert body(route) == patch
    assert query(route) == [("fieldManager", "me")]


@respx.mock
def test_apply_sends_identity_and_drops_server_owned_metadata(client):
    route = respx.patch(f"{CONFIGMAPS}/applied").mock(
        return_value=recorded("patch_apply_configmap_201")
    )
    live = ConfigMap.model_validate(
        {
            "metadata": {
                "name": "applied",
                "resourceVersion": "9",
                "managedFields": [{"manager": "x"}],
            },
            "data": {"k": "v"},
        }
    )
    applied = client.api(ConfigMap).apply(live, field_manager="me", force=True)
    assert sent(route).headers["content-type"] == "application/apply-patch+yaml"
    assert query(route) == [("fieldManager", "me"), ("force", "true")]
    assert body(route) == {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "applied"},
        "data": {"k": "v"},
    }
    assert applied.metadata.name == "applied"
    client.api(ConfigMap).apply(live, field_manager="me", keep_resource_version=True)
    assert body(route)["metadata"] == {"name": "applied", "resourceVersion": "9"}
    with pytest.raises(ValueError, match="field_manager"):
        client.api(ConfigMap).apply(live, field_manager="")


@respx.mock
def test_delete_sends_delete_options_as_the_body_and_returns_the_status(client):
    route = respx.delete(f"{CONFIGMAPS}/gone").mock(return_value=recorded("delete_configmap_200"))
    result = client.api(ConfigMap).delete(
        "gone",
        propagation_policy="Foreground",
        grace_period_seconds=0,
        preconditions={"uid": "u-1"},
        dry_run=True,
    )
    assert body(route) == {
        "kind": "DeleteOptions",
        "apiVersion": "v1",
        "propagationPolicy": "Foreground",
        "gracePeriodSeconds": 0,
        "preconditions": {"uid": "u-1"},
        "dryRun": ["All"],
    }
    assert isinstance(result, Status)


@respx.mock
def test_delete_returns_the_object_while_finalizers_hold_it(client):
    respx.delete(f"{CONFIGMAPS}/held").mock(
        return_value=httpx.Response(
            200,
            json={
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {"name": "held", "finalizers": ["x/y"]},
            },
        )
    )
    held = client.api(ConfigMap).delete("held")
    assert isinstance(held, ConfigMap)
    assert held.metadata.finalizers == ["x/y"]


@respx.mock
def test_delete_collection_selects_with_the_query(client):
    route = respx.delete(CONFIGMAPS).mock(
        return_value=recorded_response("configmaplist_limit2_page1")
    )
    deleted = client.api(ConfigMap).delete_collection(label_selector="app=web")
    assert query(route) == [("labelSelector", "app=web")]
    assert body(route) == {"kind": "DeleteOptions", "apiVersion": "v1"}
    assert isinstance(deleted, ConfigMapList)


@respx.mock
def test_table_and_metadata_lists_ask_for_their_media_types(client):
    table = respx.get(f"{SERVER}/api/v1/namespaces/team/pods").mock(
        return_value=recorded("podlist_table")
    )
    result = client.api(Pod).list_table()
    assert sent(table).headers["accept"].startswith("application/json;as=Table;v=v1;g=meta.k8s.io")
    assert isinstance(result, Table)
    meta = respx.get(CONFIGMAPS).mock(return_value=recorded("partial_object_metadata_list"))
    listed = client.api(ConfigMap).list_metadata(limit=5)
    assert (
        sent(meta)
        .headers["accept"]
        .startswith("application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io")
    )
    assert isinstance(listed, PartialObjectMetadataList)


# --- subresources --------------------------------------------------------------------------------

DEPLOYMENTS = f"{SERVER}/apis/apps/v1/namespaces/team/deployments"
SCALE = {
    "apiVersion": "autoscaling/v1",
    "kind": "Scale",
    "metadata": {"name": "web", "namespace": "team"},
    "spec": {"replicas": 3},
    "status": {"replicas": 2, "selector": "app=web"},
}


@respx.mock
def test_scale_is_read_replaced_and_patched_through_its_subresource(client):
    get = respx.get(f"{DEPLOYMENTS}/web/scale").mock(return_value=httpx.Response(200, json=SCALE))
    put = respx.put(f"{DEPLOYMENTS}/web/scale").mock(return_value=httpx.Response(200, json=SCALE))
    patch = respx.patch(f"{DEPLOYMENTS}/web/scale").mock(
        return_value=httpx.Response(200, json=SCALE)
    )
    deployments = client.api(Deployment)
    scale = deployments.get_scale("web")
    assert isinstance(scale, Scale)
    assert (scale.spec.replicas, scale.status.selector) == (3, "app=web")
    assert get.called
    scale.spec.replicas = 5
    deployments.update_scale("web", scale)
    assert body(put)["spec"] == {"replicas": 5}
    deployments.patch_scale("web", {"spec": {"replicas": 4}})
    assert sent(patch).headers["content-type"] == "application/merge-patch+json"
    assert body(patch) == {"spec": {"replicas": 4}}
    with pytest.raises(ValueError, match="configmaps have no 'scale' subresource"):
        client.api(ConfigMap).get_scale("settings")


@respx.mock
def test_evict_and_bind_post_their_objects(client):
    success = {"apiVersion": "v1", "kind": "Status", "status": "Success", "code": 201}
    evict = respx.post(f"{SERVER}/api/v1/namespaces/team/pods/pod-1/eviction").mock(
        return_value=httpx.Response(201, json=success)
    )
    bind = respx.post(f"{SERVER}/api/v1/namespaces/team/pods/pod-1/binding").mock(
        return_value=httpx.Response(201, json=success)
    )
    status = client.api(Pod).evict("pod-1", delete_options={"gracePeriodSeconds": 0})
    assert body(evict) == {
        "apiVersion": "policy/v1",
        "kind": "Eviction",
        "metadata": {"name": "pod-1", "namespace": "team"},
        "deleteOptions": {"gracePeriodSeconds": 0},
    }
    assert status.status == "Success"
    client.api(Pod).bind("pod-1", "node-a")
    assert body(bind) == {
        "apiVersion": "v1",
        "kind": "Binding",
        "metadata": {"name": "pod-1"},
        "target": {"apiVersion": "v1", "kind": "Node", "name": "node-a"},
    }
    with pytest.raises(ValueError, match="eviction"):
        client.api(ConfigMap).evict("settings")


LOG = f"{SERVER}/api/v1/namespaces/team/pods/pod-1/log"


@respx.mock
def test_log_returns_the_text_with_every_option_in_the_query(client):
    route = respx.get(LOG).mock(return_value=httpx.Response(200, text="one\ntwo\n"))
    text = client.api(Pod).log(
        "pod-1", container="app", since_seconds=5, tail_lines=10, timestamps=True, previous=True
    )
    assert text == "one\ntwo\n"
    assert query(route) == [
        ("container", "app"),
        ("sinceSeconds", "5"),
        ("tailLines", "10"),
        ("timestamps", "true"),
        ("previous", "true"),
    ]


@respx.mock
def test_a_followed_log_yields_lines_as_they_complete(client):
    chunks = [b"one\ntw", "o \u00e9".encode()[:-1], "o \u00e9".encode()[-1:] + b"\nlast"]
    route = respx.get(LOG).mock(return_value=httpx.Response(200, content=iter(chunks)))
    lines = client.api(Pod).log("pod-1", follow=True)
    assert not route.called  # sent when the iteration starts
    assert list(lines) == ["one", "two \u00e9", "last"]
    assert query(route) == [("follow", "true")]


def test_log_lines_keep_characters_split_across_chunks():
    splitter = TextLines(100)
    word = "d\u00e9j\u00e0".encode()
    assert splitter.feed(word[:2]) == []
    assert splitter.feed(word[2:] + b"\n\nx") == ["d\u00e9j\u00e0", ""]
    assert splitter.close() == ["x"]
    assert splitter.close() == []


@respx.mock
def test_a_followed_log_line_past_the_limit_is_refused_after_the_lines_before_it(client):
    chunks = [b"short\n" + b"x" * 40, b"x" * 40, b"never\n"]
    respx.get(LOG).mock(return_value=httpx.Response(200, content=iter(chunks)))
    lines = client.api(Pod).log("pod-1", follow=True, max_line_bytes=64)
    assert next(lines) == "short"
    with pytest.raises(rawkube.DecodeError, match="longer than 64 bytes"):
        next(lines)
    with pytest.raises(ValueError, match="positive"):
        client.api(Pod).log("pod-1", follow=True, max_line_bytes=0)


# --- paging --------------------------------------------------------------------------------------


def pages() -> list[httpx.Response]:
    first = recorded_response("configmaplist_limit2_page1")
    second = recorded("configmaplist_limit2_page2")
    last = json.loads(second.content)
    last["metadata"].pop("continue")
    last["items"] = [
        {**item, "metadata": {**item["metadata"], "name": f"last-{i}"}}
        for i, item in enumerate(last["items"])
    ]
    return [first, second, httpx.Response(200, json=last)]


@respx.mock
def test_iter_pages_through_continue_tokens_lazily(client):
    route = respx.get(CONFIGMAPS).mock(side_effect=pages())
    items = client.api(ConfigMap).iter(limit=2)
    first = next(items)
    assert route.call_count == 1
    rest = list(items)
    assert route.call_count == 3
    names = [first.metadata.name] + [item.metadata.name for item in rest]
    assert len(names) == 6
    assert names[-2:] == ["last-0", "last-1"]
    tokens = [dict(call.request.url.params.multi_items()).get("continue") for call in route.calls]
    page1 = json.loads(recorded_response("configmaplist_limit2_page1").content)
    page2 = json.loads(recorded("configmaplist_limit2_page2").content)
    assert tokens == [None, page1["metadata"]["continue"], page2["metadata"]["continue"]]
    assert all(dict(c.request.url.params.multi_items())["limit"] == "2" for c in route.calls)


@respx.mock
def test_one_page_with_an_expired_continue_token_raises_gone(client):
    # The caller holds the pages before it: a full list in their place would repeat them.
    route = respx.get(CONFIGMAPS).mock(
        side_effect=[recorded_response("err_410_expired_continue_token")]
    )
    with pytest.raises(rawkube.GoneError) as caught:
        client.api(ConfigMap).list(limit=2, continue_="old")
    assert caught.value.body is not None
    assert caught.value.body.metadata.continue_  # the inconsistent-continue token
    assert route.call_count == 1


@respx.mock
def test_iter_raises_gone_with_the_inconsistent_token_or_goes_on_with_it(client):
    expired = recorded_response("err_410_expired_continue_token")
    token = json.loads(expired.content)["metadata"]["continue"]
    respx.get(CONFIGMAPS).mock(side_effect=[pages()[0], expired])
    with pytest.raises(rawkube.GoneError) as caught:
        list(client.api(ConfigMap).iter(limit=2))
    assert caught.value.body is not None
    assert caught.value.body.metadata.continue_ == token
    route = respx.get(CONFIGMAPS).mock(side_effect=[pages()[0], expired, pages()[2]])
    items = list(client.api(ConfigMap).iter(limit=2, allow_inconsistent=True))
    assert len(items) == 4
    assert dict(route.calls.last.request.url.params.multi_items())["continue"] == token


# --- the async twin ------------------------------------------------------------------------------


def public(cls: type) -> dict[str, inspect.Signature]:
    return {
        name: inspect.signature(member)
        for name, member in vars(cls).items()
        if callable(member) and not name.startswith("_")
    }


def test_async_api_has_the_same_methods_and_signatures():
    sync, async_ = public(_Verbs), public(_AsyncVerbs)
    assert sorted(sync) == sorted(async_)
    for name, signature in sync.items():
        other = async_[name]
        assert list(signature.parameters) == list(other.parameters), name
        # iter is an async generator; the watches are returned at once and iterated with async
        # for, and the WebSocket sessions returned at once and opened with async with
        exempt = {
            "iter",
            "watch",
            "watch_metadata",
            "stream_exec",
            "attach",
            "port_forward",
            "forward",
        }
        assert inspect.iscoroutinefunction(vars(_AsyncVerbs)[name]) or name in exempt, name
    assert inspect.isasyncgenfunction(AsyncApi.iter)
    # The dynamic client's own methods are the same in both flavours, and any it overrides
    # keeps the shared verb's parameters.
    dynamic, async_dynamic = public(DynamicApi), public(AsyncDynamicApi)
    assert dynamic.keys() == async_dynamic.keys()
    for name, signature in dynamic.items():
        assert list(signature.parameters) == list(async_dynamic[name].parameters), name
        if name in sync:
            shape = [(p.name, p.kind, p.default) for p in signature.parameters.values()]
            shared = [(p.name, p.kind, p.default) for p in sync[name].parameters.values()]
            assert shape == shared, name
            assert inspect.iscoroutinefunction(vars(AsyncDynamicApi)[name]), name


@pytest.mark.anyio
async def test_async_api_gets_lists_and_pages():
    config = rawkube.Config(server=SERVER, namespace="team", clock=FakeClock())
    with respx.mock:
        respx.get(f"{SERVER}/api/v1/namespaces/team/pods/pod-1").mock(
            return_value=recorded_response("pod_get")
        )
        route = respx.get(CONFIGMAPS).mock(side_effect=pages())
        async with rawkube.AsyncClient(config) as client:
            pod = await client.api(Pod).get("pod-1")
            names = [cm.metadata.name async for cm in client.api(ConfigMap).iter(limit=2)]
    assert pod.metadata.name == "pod-1"
    assert len(names) == 6
    assert route.call_count == 3


# --- the dynamic client --------------------------------------------------------------------------

DEPLOY_GVR = rawkube.GroupVersionResource("apps", "v1", "deployments")


@respx.mock
def test_dynamic_and_typed_clients_agree_on_the_same_object(client):
    respx.get(f"{SERVER}/api/v1/namespaces/team/pods/pod-1").mock(
        return_value=recorded_response("pod_get")
    )
    pods = rawkube.GroupVersionResource("", "v1", "pods")
    as_dict = client.dynamic.resource(pods).namespace("team").get("pod-1")
    typed = client.core_v1.pods().get("pod-1")
    assert isinstance(as_dict, dict)
    assert as_dict == json.loads((RECORDED / "pod_get.body").read_bytes())
    assert typed.to_dict() == as_dict


@respx.mock
def test_dynamic_verbs_send_what_the_typed_ones_send(client):
    listed = respx.get(f"{SERVER}/apis/apps/v1/deployments").mock(
        return_value=httpx.Response(200, json={"kind": "DeploymentList", "items": [{"a": 1}]})
    )
    apply = respx.patch(f"{SERVER}/apis/apps/v1/namespaces/web/deployments/site").mock(
        return_value=httpx.Response(200, json={"kind": "Deployment"})
    )
    delete = respx.delete(f"{SERVER}/apis/apps/v1/namespaces/web/deployments/site").mock(
        return_value=recorded("delete_configmap_200")
    )
    deployments = client.dynamic.resource(DEPLOY_GVR)
    answer = deployments.list(label_selector="app=web", limit=10)
    assert answer == {"kind": "DeploymentList", "items": [{"a": 1}]}
    assert query(listed) == [("labelSelector", "app=web"), ("limit", "10")]
    manifest = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "site", "resourceVersion": "3", "managedFields": []},
    }
    deployments.namespace("web").apply(manifest, field_manager="me")
    assert body(apply) == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "site"},
    }
    gone = deployments.namespace("web").delete("site", propagation_policy="Background")
    assert type(gone) is dict
    assert gone["kind"] == "Status"
    assert body(delete)["propagationPolicy"] == "Background"
    with pytest.raises(ValueError, match="kind"):
        deployments.namespace("web").apply({"metadata": {"name": "x"}}, field_manager="me")
    with pytest.raises(TypeError, match="expected a dict"):
        deployments.namespace("web").create(Pod())


@respx.mock
def test_dynamic_iter_pages_through_dicts(client):
    route = respx.get(CONFIGMAPS).mock(side_effect=pages())
    configmaps = rawkube.GroupVersionResource("", "v1", "configmaps")
    items = list(client.dynamic.resource(configmaps).namespace("team").iter(limit=2))
    assert route.call_count == 3
    assert [item["metadata"]["name"] for item in items][-2:] == ["last-0", "last-1"]


@pytest.mark.anyio
async def test_async_dynamic_client_gets_dicts():
    config = rawkube.Config(server=SERVER, namespace="team", clock=FakeClock())
    with respx.mock:
        respx.get(f"{SERVER}/apis/apps/v1/namespaces/web/deployments/site").mock(
            return_value=httpx.Response(200, json={"kind": "Deployment", "spec": {"replicas": 2}})
        )
        async with rawkube.AsyncClient(config) as client:
            got = await client.dynamic.resource(DEPLOY_GVR).namespace("web").get("site")
    assert got == {"kind": "Deployment", "spec": {"replicas": 2}}


async def chunks(*parts: bytes):
    for part in parts:
        yield part


@pytest.mark.anyio
async def test_async_log_returns_text_or_follows_lines():
    config = rawkube.Config(server=SERVER, namespace="team", clock=FakeClock())
    with respx.mock:
        route = respx.get(LOG)
        route.side_effect = [
            httpx.Response(200, text="a\nb\n"),
            httpx.Response(200, content=chunks(b"one\ntw", b"o\n")),
        ]
        async with rawkube.AsyncClient(config) as client:
            pods = client.core_v1.pods()
            text = await pods.log("pod-1", tail_lines=2)
            lines = [line async for line in await pods.log("pod-1", follow=True)]
    assert text == "a\nb\n"
    assert lines == ["one", "two"]
    assert dict(route.calls.last.request.url.params.multi_items()) == {"follow": "true"}

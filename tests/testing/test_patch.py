"""PATCH semantics of the fake API server: merge, JSON and strategic merge patch, server-side apply."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from rawkube.testing._facts import definition_for
from rawkube.testing._patch import (
    PatchError,
    json_patch,
    merge_patch,
    record_update,
    server_side_apply,
    strategic_merge_patch,
)
from tests.conftest import RECORDED

POD = definition_for("", "v1", "Pod")
CONFIGMAP = definition_for("", "v1", "ConfigMap")
DEPLOYMENT = definition_for("apps", "v1", "Deployment")


def recorded(name: str) -> Any:
    """A recorded response body of the real API server."""
    return json.loads((RECORDED / name).read_text())


def unchanged(*values: Any) -> list[Any]:
    """Deep copies to compare the inputs against afterwards."""
    return [copy.deepcopy(value) for value in values]


# --- RFC 7396 merge patch: the RFC's own examples (Appendix A) -------------------------------


@pytest.mark.parametrize(
    ("target", "patch", "result"),
    [
        ({"a": "b"}, {"a": "c"}, {"a": "c"}),
        ({"a": "b"}, {"b": "c"}, {"a": "b", "b": "c"}),
        ({"a": "b"}, {"a": None}, {}),
        ({"a": "b", "b": "c"}, {"a": None}, {"b": "c"}),
        ({"a": ["b"]}, {"a": "c"}, {"a": "c"}),
        ({"a": "c"}, {"a": ["b"]}, {"a": ["b"]}),
        ({"a": {"b": "c"}}, {"a": {"b": "d", "c": None}}, {"a": {"b": "d"}}),
        ({"a": [{"b": "c"}]}, {"a": [1]}, {"a": [1]}),
        (["a", "b"], ["c", "d"], ["c", "d"]),
        ({"a": "b"}, ["c"], ["c"]),
        ({"a": "foo"}, None, None),
        ({"a": "foo"}, "bar", "bar"),
        ({"e": None}, {"a": 1}, {"e": None, "a": 1}),
        ([1, 2], {"a": "b", "c": None}, {"a": "b"}),
        ({}, {"a": {"bb": {"ccc": None}}}, {"a": {"bb": {}}}),
    ],
)
def test_merge_patch_rfc_examples(target: Any, patch: Any, result: Any) -> None:
    before = unchanged(target, patch)
    assert merge_patch(target, patch) == result
    assert [target, patch] == before


def test_merge_patch_result_shares_nothing_with_its_inputs() -> None:
    target = {"keep": {"deep": [1]}}
    patch = {"new": {"deep": [2]}}
    result = merge_patch(target, patch)
    result["keep"]["deep"].append(9)
    result["new"]["deep"].append(9)
    assert target == {"keep": {"deep": [1]}}
    assert patch == {"new": {"deep": [2]}}


def test_merge_patch_gives_the_recorded_configmap_patch_result() -> None:
    answer = recorded("patch_merge_configmap_200.body")
    live = {"data": {"a": "2"}, "metadata": answer["metadata"]}
    assert merge_patch(live, {"data": {"b": "x"}})["data"] == answer["data"]


# --- RFC 6902 JSON patch: the RFC's examples (Appendix A) ------------------------------------


@pytest.mark.parametrize(
    ("target", "operations", "result"),
    [
        pytest.param(
            {"foo": "bar"},
            [{"op": "add", "path": "/baz", "value": "qux"}],
            {"baz": "qux", "foo": "bar"},
            id="A.1 add an object member",
        ),
        pytest.param(
            {"foo": ["bar", "baz"]},
            [{"op": "add", "path": "/foo/1", "value": "qux"}],
            {"foo": ["bar", "qux", "baz"]},
            id="A.2 add an array element",
        ),
        pytest.param(
            {"baz": "qux", "foo": "bar"},
            [{"op": "remove", "path": "/baz"}],
            {"foo": "bar"},
            id="A.3 remove an object member",
        ),
        pytest.param(
            {"foo": ["bar", "qux", "baz"]},
            [{"op": "remove", "path": "/foo/1"}],
            {"foo": ["bar", "baz"]},
            id="A.4 remove an array element",
        ),
        pytest.param(
            {"baz": "qux", "foo": "bar"},
            [{"op": "replace", "path": "/baz", "value": "boo"}],
            {"baz": "boo", "foo": "bar"},
            id="A.5 replace a value",
        ),
        pytest.param(
            {"foo": {"bar": "baz", "waldo": "fred"}, "qux": {"corge": "grault"}},
            [{"op": "move", "from": "/foo/waldo", "path": "/qux/thud"}],
            {"foo": {"bar": "baz"}, "qux": {"corge": "grault", "thud": "fred"}},
            id="A.6 move a value",
        ),
        pytest.param(
            {"foo": ["all", "grass", "cows", "eat"]},
            [{"op": "move", "from": "/foo/1", "path": "/foo/3"}],
            {"foo": ["all", "cows", "eat", "grass"]},
            id="A.7 move an array element",
        ),
        pytest.param(
            {"baz": "qux", "foo": ["a", 2, "c"]},
            [
                {"op": "test", "path": "/baz", "value": "qux"},
                {"op": "test", "path": "/foo/1", "value": 2},
            ],
            {"baz": "qux", "foo": ["a", 2, "c"]},
            id="A.8 test a value",
        ),
        pytest.param(
            {"foo": "bar"},
            [{"op": "add", "path": "/child", "value": {"grandchild": {}}}],
            {"foo": "bar", "child": {"grandchild": {}}},
            id="A.10 add a nested member object",
        ),
        pytest.param(
            {"foo": "bar"},
            [{"op": "add", "path": "/baz", "value": "qux", "xyz": 123}],
            {"foo": "bar", "baz": "qux"},
            id="A.11 ignore unrecognized elements",
        ),
        pytest.param(
            {"/": 9, "~1": 10},
            [{"op": "test", "path": "/~01", "value": 10}],
            {"/": 9, "~1": 10},
            id="A.14 ~ escape ordering",
        ),
        pytest.param(
            {"foo": ["bar"]},
            [{"op": "add", "path": "/foo/-", "value": ["abc", "def"]}],
            {"foo": ["bar", ["abc", "def"]]},
            id="A.16 add an array value",
        ),
        pytest.param(
            {"a/b": {"m~n": 1}},
            [{"op": "copy", "from": "/a~1b/m~0n", "path": "/c"}],
            {"a/b": {"m~n": 1}, "c": 1},
            id="copy with escaped tokens",
        ),
        pytest.param(
            {"a": [1, 2, 3]},
            [{"op": "replace", "path": "", "value": {"b": 1}}],
            {"b": 1},
            id="replace the whole document",
        ),
    ],
)
def test_json_patch_rfc_examples(target: Any, operations: Any, result: Any) -> None:
    before = unchanged(target, operations)
    assert json_patch(target, operations) == result
    assert [target, operations] == before


@pytest.mark.parametrize(
    ("target", "operations", "detail"),
    [
        pytest.param(
            {"baz": "qux"},
            [{"op": "test", "path": "/baz", "value": "bar"}],
            "testing value /baz failed: test failed",
            id="A.9 a failing test",
        ),
        pytest.param(
            {"foo": "bar"},
            [{"op": "add", "path": "/baz/bat", "value": "qux"}],
            "add operation does not apply: doc is missing path: /baz/bat",
            id="A.12 add to a nonexistent target",
        ),
        pytest.param(
            {"/": 9, "~1": 10},
            [{"op": "test", "path": "/~01", "value": "10"}],
            "testing value /~1 failed: test failed",
            id="A.15 a string is not a number",
        ),
        pytest.param(
            {"a": 1},
            [{"op": "test", "path": "/a", "value": True}],
            "testing value /a failed: test failed",
            id="true is not 1",
        ),
        pytest.param(
            {"a": 1},
            [{"op": "remove", "path": "/b"}],
            "error in remove: Unable to remove nonexistent key: b",
            id="remove a missing member",
        ),
        pytest.param(
            {"a": [1]},
            [{"op": "add", "path": "/a/5", "value": 2}],
            "error in add: Unable to access invalid index: 5",
            id="add past the end",
        ),
        pytest.param(
            {"a": 1},
            [{"op": "add", "path": "a", "value": 2}],
            "add operation does not apply: doc is missing path: a",
            id="a pointer without its slash",
        ),
        pytest.param(
            {"a": 1},
            [{"op": "remove", "path": "/a/b"}],
            "remove operation does not apply: doc is missing path: /a/b",
            id="a pointer through a scalar",
        ),
        pytest.param(
            {"a": 1}, [{"op": "frob", "path": "/a"}], "Unexpected kind: frob", id="bad op"
        ),
        pytest.param({"a": 1}, [{"path": "/a"}], "Unexpected kind: unknown", id="no op"),
        pytest.param(
            {"a": 1}, [{"op": "remove"}], "remove operation failed to decode path", id="no path"
        ),
        pytest.param(
            {"a": 1},
            [{"op": "move", "from": "/x", "path": "/y"}],
            "error in move: Unable to remove nonexistent key: x",
            id="move from a missing member",
        ),
    ],
)
def test_json_patch_failures_are_the_servers_generic_422(
    target: Any, operations: Any, detail: str
) -> None:
    before = unchanged(target, operations)
    with pytest.raises(PatchError) as caught:
        json_patch(target, operations)
    assert caught.value.code == 422
    assert str(caught.value) == "the server rejected our request due to an error in our request"
    assert str(caught.value.__cause__).startswith(detail)
    assert caught.value.causes == []
    assert [target, operations] == before


def test_json_patch_is_atomic() -> None:
    target = {"a": 1}
    with pytest.raises(PatchError):
        json_patch(
            target, [{"op": "add", "path": "/b", "value": 2}, {"op": "remove", "path": "/c"}]
        )
    assert target == {"a": 1}


@pytest.mark.parametrize(
    ("operations", "message"),
    [
        ({"op": "add"}, "json: cannot unmarshal object into Go value of type jsonpatch.Patch"),
        ("[]", "json: cannot unmarshal string into Go value of type jsonpatch.Patch"),
        (["add"], "json: cannot unmarshal string into Go value of type jsonpatch.Operation"),
    ],
)
def test_json_patch_that_is_not_a_list_of_operations_is_400(operations: Any, message: str) -> None:
    with pytest.raises(PatchError) as caught:
        json_patch({}, operations)
    assert (caught.value.code, str(caught.value)) == (400, message)


def test_json_patch_with_too_many_operations_is_413() -> None:
    operations = [{"op": "test", "path": "/a", "value": 1}] * 10001
    with pytest.raises(PatchError) as caught:
        json_patch({"a": 1}, operations)
    assert caught.value.code == 413
    assert str(caught.value).endswith("is 10000, got 10001")


def test_json_patch_keeps_the_servers_library_quirks() -> None:
    # evanphx/json-patch v4, which the API server uses, is laxer than RFC 6902 here.
    assert json_patch({"a": 1}, [{"op": "replace", "path": "/b", "value": 2}]) == {"a": 1, "b": 2}
    assert json_patch({"a": 1}, [{"op": "test", "path": "/b", "value": None}]) == {"a": 1}
    assert json_patch({"a": [1, 2, 3]}, [{"op": "remove", "path": "/a/-1"}]) == {"a": [1, 2]}
    assert json_patch({"a": [1]}, [{"op": "add", "path": "/a/1", "value": 2}]) == {"a": [1, 2]}


# --- strategic merge patch on a real Pod -----------------------------------------------------


def a_pod() -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": "web",
            "labels": {"app": "web", "tier": "front"},
            "finalizers": ["a.example/one", "b.example/two"],
        },
        "spec": {
            "containers": [
                {
                    "name": "web",
                    "image": "nginx:1",
                    "ports": [{"containerPort": 80}, {"containerPort": 443}],
                    "args": ["--a"],
                },
                {"name": "sidecar", "image": "envoy:1"},
            ],
            "tolerations": [{"key": "a", "operator": "Exists"}],
        },
    }


def smp(patch: dict[str, Any], target: dict[str, Any] | None = None) -> dict[str, Any]:
    target = a_pod() if target is None else target
    before = unchanged(target, patch)
    result = strategic_merge_patch(target, patch, POD)
    assert [target, patch] == before
    return result


def test_smp_merges_containers_by_name() -> None:
    result = smp({"spec": {"containers": [{"name": "web", "image": "nginx:2"}]}})
    assert result["spec"]["containers"] == [
        {
            "name": "web",
            "image": "nginx:2",
            "ports": [{"containerPort": 80}, {"containerPort": 443}],
            "args": ["--a"],
        },
        {"name": "sidecar", "image": "envoy:1"},
    ]


def test_smp_puts_a_new_container_before_the_live_ones_as_the_server_does() -> None:
    result = smp({"spec": {"containers": [{"name": "debug", "image": "busybox"}]}})
    assert [c["name"] for c in result["spec"]["containers"]] == ["debug", "web", "sidecar"]


def test_smp_set_element_order_decides_the_order() -> None:
    patch = {
        "spec": {
            "$setElementOrder/containers": [
                {"name": "web"},
                {"name": "sidecar"},
                {"name": "debug"},
            ],
            "containers": [{"name": "debug", "image": "busybox"}],
        }
    }
    result = smp(patch)
    assert [c["name"] for c in result["spec"]["containers"]] == ["web", "sidecar", "debug"]


def test_smp_merges_nested_lists_by_their_own_key() -> None:
    patch = {"spec": {"containers": [{"name": "web", "ports": [{"containerPort": 8080}]}]}}
    ports = smp(patch)["spec"]["containers"][0]["ports"]
    assert ports == [{"containerPort": 8080}, {"containerPort": 80}, {"containerPort": 443}]


def test_smp_replaces_a_list_without_a_strategy() -> None:
    result = smp({"spec": {"tolerations": [{"key": "b", "operator": "Exists"}]}})
    assert result["spec"]["tolerations"] == [{"key": "b", "operator": "Exists"}]
    args = smp({"spec": {"containers": [{"name": "web", "args": ["--b"]}]}})
    assert args["spec"]["containers"][0]["args"] == ["--b"]


def test_smp_patch_delete_removes_a_container() -> None:
    result = smp({"spec": {"containers": [{"name": "sidecar", "$patch": "delete"}]}})
    assert [c["name"] for c in result["spec"]["containers"]] == ["web"]


def test_smp_patch_replace_replaces_a_list_or_a_map() -> None:
    patch = {"spec": {"containers": [{"name": "only", "image": "x"}, {"$patch": "replace"}]}}
    assert smp(patch)["spec"]["containers"] == [{"name": "only", "image": "x"}]
    labels = smp({"metadata": {"labels": {"$patch": "replace", "new": "1"}}})
    assert labels["metadata"]["labels"] == {"new": "1"}


def test_smp_delete_from_primitive_list_removes_finalizers() -> None:
    result = smp({"metadata": {"$deleteFromPrimitiveList/finalizers": ["a.example/one"]}})
    assert result["metadata"]["finalizers"] == ["b.example/two"]


def test_smp_kubectl_style_finalizer_removal_with_an_element_order() -> None:
    patch = {
        "metadata": {
            "$setElementOrder/finalizers": ["b.example/two"],
            "$deleteFromPrimitiveList/finalizers": ["a.example/one"],
        }
    }
    assert smp(patch)["metadata"]["finalizers"] == ["b.example/two"]


def test_smp_merges_primitive_lists_with_a_merge_strategy() -> None:
    result = smp({"metadata": {"finalizers": ["c.example/three", "a.example/one"]}})
    assert result["metadata"]["finalizers"] == ["c.example/three", "a.example/one", "b.example/two"]


def test_smp_null_deletes_a_label_and_nulls_never_land() -> None:
    result = smp({"metadata": {"labels": {"tier": None, "new": "1"}, "annotations": {"x": None}}})
    assert result["metadata"]["labels"] == {"app": "web", "new": "1"}
    assert result["metadata"]["annotations"] == {}


def test_smp_retain_keys_clears_the_other_keys() -> None:
    target = {"spec": {"strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}}}}
    patch = {"spec": {"strategy": {"$retainKeys": ["type"], "type": "Recreate"}}}
    result = strategic_merge_patch(target, patch, DEPLOYMENT)
    assert result["spec"]["strategy"] == {"type": "Recreate"}


@pytest.mark.parametrize(
    ("patch", "code", "message"),
    [
        (
            {"metadata": {"$deleteFromPrimitiveList": ["x"]}},
            400,
            "invalid patch format of primitive list",
        ),
        (
            {"spec": {"containers": [{"image": "x", "$patch": "delete"}]}},
            500,
            "map: map[$patch:delete image:x] does not contain declared merge key: name",
        ),
        ({"spec": {"$patch": "frob"}}, 500, "unknown patch type: frob in map: map[$patch:frob]"),
        (
            {"metadata": {"labels": {"$retainKeys": ["a"], "b": "1"}}},
            400,
            "invalid patch format of retainKeys",
        ),
        (
            {"spec": {"containers": [{"name": "web", "$patch": "merge"}]}},
            500,
            "merging lists cannot yet be specified in the patch",
        ),
        (
            ["not", "a", "map"],
            400,
            "json: cannot unmarshal array into Go value of type map[string]interface {}",
        ),
    ],
)
def test_smp_errors_carry_the_servers_codes(patch: Any, code: int, message: str) -> None:
    with pytest.raises(PatchError) as caught:
        strategic_merge_patch(a_pod(), patch, POD)
    assert (caught.value.code, str(caught.value)) == (code, message)


def test_smp_on_a_custom_resource_is_415() -> None:
    with pytest.raises(PatchError) as caught:
        strategic_merge_patch({"spec": {}}, {"spec": {"a": 1}}, None)
    assert caught.value.code == 415
    assert str(caught.value) == (
        "the body of the request was in an unknown format - accepted media types include: "
        "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml"
    )


# --- server-side apply -----------------------------------------------------------------------

NOW = "2026-11-27T13:00:39Z"
LATER = "2026-11-27T13:05:00Z"


def apply(
    live: dict[str, Any] | None,
    applied: dict[str, Any],
    *,
    manager: str = "lab",
    force: bool = False,
    definition: str | None = CONFIGMAP,
    api_version: str = "v1",
    now: str = NOW,
) -> dict[str, Any]:
    before = unchanged(live, applied)
    result = server_side_apply(
        live,
        applied,
        manager=manager,
        force=force,
        definition=definition,
        api_version=api_version,
        now=now,
    )
    assert [live, applied] == before
    return result


def configmap(**data: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "applied"}, "data": data}


def owned(obj: dict[str, Any]) -> list[tuple[str, str, Any]]:
    return [(e["manager"], e["operation"], e["fieldsV1"]) for e in obj["metadata"]["managedFields"]]


def test_apply_creates_exactly_what_the_recorded_server_answered() -> None:
    answer = recorded("patch_apply_configmap_201.body")
    result = apply(None, configmap(x="1"))
    assert result["data"] == answer["data"]
    assert result["metadata"]["managedFields"] == answer["metadata"]["managedFields"]


def test_reapply_without_a_field_removes_it() -> None:
    live = apply(None, configmap(x="1", y="2"))
    result = apply(live, configmap(x="1"), now=LATER)
    assert result["data"] == {"x": "1"}
    assert owned(result) == [("lab", "Apply", {"f:data": {"f:x": {}}})]


def test_reapply_keeps_a_field_another_manager_also_owns() -> None:
    live = apply(None, configmap(x="1", y="2"))
    live = apply(live, configmap(y="2"), manager="other")
    result = apply(live, configmap(x="1"), now=LATER)
    assert result["data"] == {"x": "1", "y": "2"}
    assert owned(result) == [
        ("lab", "Apply", {"f:data": {"f:x": {}}}),
        ("other", "Apply", {"f:data": {"f:y": {}}}),
    ]


def test_reapply_leaves_fields_nobody_applied_alone() -> None:
    live = apply(None, configmap(x="1"))
    live["data"]["manual"] = "3"  # written without a field manager
    result = apply(live, configmap(x="2"), now=LATER)
    assert result["data"] == {"x": "2", "manual": "3"}


def deployment(**spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web"},
        "spec": spec,
    }


def created_by_kubectl() -> dict[str, Any]:
    template = {
        "metadata": {"labels": {"app": "web"}},
        "spec": {"containers": [{"name": "web", "image": "nginx:1"}]},
    }
    obj = deployment(replicas=1, selector={"matchLabels": {"app": "web"}}, template=template)
    return record_update(None, obj, manager="kubectl", api_version="apps/v1", now=NOW)


def apply_deployment(live: dict[str, Any], *, force: bool = False, **spec: Any) -> dict[str, Any]:
    return apply(
        live,
        deployment(**spec),
        manager="ci",
        force=force,
        definition=DEPLOYMENT,
        api_version="apps/v1",
        now=LATER,
    )


def test_apply_conflicts_with_another_managers_field() -> None:
    live = created_by_kubectl()
    with pytest.raises(PatchError) as caught:
        apply_deployment(live, replicas=3)
    assert caught.value.code == 409
    assert str(caught.value) == (
        'Apply failed with 1 conflict: conflict with "kubectl" using apps/v1: .spec.replicas'
    )
    assert caught.value.causes == [
        {
            "type": "FieldManagerConflict",
            "message": 'conflict with "kubectl" using apps/v1',
            "field": ".spec.replicas",
        }
    ]


def test_apply_lists_every_conflict_by_manager() -> None:
    template = {"spec": {"containers": [{"name": "web", "image": "nginx:2"}]}}
    with pytest.raises(PatchError) as caught:
        apply_deployment(created_by_kubectl(), replicas=3, template=template)
    assert str(caught.value) == (
        'Apply failed with 2 conflicts: conflicts with "kubectl" using apps/v1:\n'
        "- .spec.replicas\n"
        '- .spec.template.spec.containers[name="web"].image'
    )


def test_apply_of_the_same_value_shares_the_field_without_conflict() -> None:
    result = apply_deployment(created_by_kubectl(), replicas=1)
    assert owned(result)[0] == ("ci", "Apply", {"f:spec": {"f:replicas": {}}})
    assert "f:replicas" in owned(result)[1][2]["f:spec"]


def test_forced_apply_takes_the_field_over() -> None:
    result = apply_deployment(created_by_kubectl(), replicas=3, force=True)
    assert result["spec"]["replicas"] == 3
    ci, kubectl = result["metadata"]["managedFields"]
    assert (ci["manager"], ci["operation"], ci["time"]) == ("ci", "Apply", LATER)
    assert ci["fieldsV1"] == {"f:spec": {"f:replicas": {}}}
    assert kubectl["manager"] == "kubectl"
    assert "f:replicas" not in kubectl["fieldsV1"]["f:spec"]
    assert kubectl["time"] == NOW


def test_apply_merges_list_map_items_by_key_and_records_them() -> None:
    template = {"spec": {"containers": [{"name": "debug", "image": "busybox"}]}}
    result = apply_deployment(created_by_kubectl(), template=template)
    containers = result["spec"]["template"]["spec"]["containers"]
    assert containers == [
        {"name": "web", "image": "nginx:1"},
        {"name": "debug", "image": "busybox"},
    ]
    fields = owned(result)[0][2]
    assert fields == {
        "f:spec": {
            "f:template": {
                "f:spec": {
                    "f:containers": {
                        'k:{"name":"debug"}': {".": {}, "f:image": {}, "f:name": {}},
                    }
                }
            }
        }
    }


def test_apply_treats_a_set_as_a_set() -> None:
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "finalizers": ["a", "b"]}}
    live = apply(None, pod, definition=POD)
    mine = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "finalizers": ["c"]}}
    result = apply(live, mine, manager="other", definition=POD)
    assert result["metadata"]["finalizers"] == ["a", "b", "c"]
    assert owned(result)[1] == ("other", "Apply", {"f:metadata": {"f:finalizers": {'v:"c"': {}}}})


def test_apply_replaces_an_atomic_list() -> None:
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}}
    live = apply(None, {**pod, "spec": {"tolerations": [{"key": "a"}]}}, definition=POD)
    result = apply(live, {**pod, "spec": {"tolerations": [{"key": "b"}]}}, definition=POD)
    assert result["spec"]["tolerations"] == [{"key": "b"}]
    assert owned(result) == [("lab", "Apply", {"f:spec": {"f:tolerations": {}}})]


def test_apply_to_an_object_nobody_manages_starts_with_before_first_apply() -> None:
    live = {**configmap(x="1", old="0")}
    result = apply(live, configmap(x="1"))
    assert result["data"] == {"x": "1", "old": "0"}
    assert owned(result) == [
        ("lab", "Apply", {"f:data": {"f:x": {}}}),
        ("before-first-apply", "Update", {"f:data": {".": {}, "f:old": {}, "f:x": {}}}),
    ]


@pytest.mark.parametrize(
    ("applied", "code", "message"),
    [
        (
            {**configmap(), "apiVersion": "v2"},
            400,
            "Incorrect version specified in apply patch. Specified patch version: v2, expected: v1",
        ),
        (
            {**configmap(), "metadata": {"name": "applied", "managedFields": []}},
            400,
            "metadata.managedFields must be nil",
        ),
        (
            {**configmap(), "dta": {}},
            500,
            "failed to create typed patch object (/applied; /v1, Kind=ConfigMap): "
            ".dta: field not declared in schema",
        ),
    ],
)
def test_apply_refuses_what_the_server_refuses(applied: Any, code: int, message: str) -> None:
    with pytest.raises(PatchError) as caught:
        apply(None, applied)
    assert (caught.value.code, str(caught.value)) == (code, message)


def test_apply_refuses_a_list_map_item_without_its_key() -> None:
    template = {"spec": {"containers": [{"image": "x"}]}}
    with pytest.raises(PatchError) as caught:
        apply_deployment(created_by_kubectl(), template=template)
    assert caught.value.code == 500
    assert str(caught.value).endswith(
        ".spec.template.spec.containers: element 0: associative list with keys has an element "
        'that omits key field "name" (and doesn\'t have default value)'
    )


def test_reapply_without_a_container_removes_it() -> None:
    live = apply_deployment(
        created_by_kubectl(),
        template={"spec": {"containers": [{"name": "debug", "image": "busybox"}]}},
    )
    result = apply_deployment(live, replicas=1)
    assert [c["name"] for c in result["spec"]["template"]["spec"]["containers"]] == ["web"]


def test_reapply_keeps_what_another_manager_set_inside_a_dropped_item() -> None:
    containers = [{"name": "a", "image": "x"}, {"name": "b", "image": "y"}]
    live = apply_deployment(created_by_kubectl(), template={"spec": {"containers": containers}})
    edited = copy.deepcopy(live)
    edited["spec"]["template"]["spec"]["containers"][1]["env"] = [{"name": "E", "value": "1"}]
    live = record_update(live, edited, manager="editor", api_version="apps/v1", now=LATER)
    result = apply_deployment(
        live, template={"spec": {"containers": [{"name": "b", "image": "y"}]}}
    )
    assert result["spec"]["template"]["spec"]["containers"] == [
        {"name": "web", "image": "nginx:1"},
        {"name": "a", "env": [{"name": "E", "value": "1"}]},
        {"name": "b", "image": "y"},
    ]


def test_apply_to_status_sets_and_owns_only_the_status() -> None:
    live = created_by_kubectl()
    applied = {**deployment(replicas=9), "status": {"replicas": 1}}
    result = server_side_apply(
        live,
        applied,
        manager="controller",
        force=False,
        definition=DEPLOYMENT,
        api_version="apps/v1",
        now=LATER,
        subresource="status",
    )
    assert (result["spec"]["replicas"], result["status"]) == (1, {"replicas": 1})
    entry = result["metadata"]["managedFields"][0]
    assert entry["manager"] == "controller"
    assert entry["subresource"] == "status"
    assert entry["fieldsV1"] == {"f:status": {"f:replicas": {}}}


def test_apply_refuses_duplicate_list_map_items() -> None:
    template = {"spec": {"containers": [{"name": "a"}, {"name": "a"}]}}
    with pytest.raises(PatchError) as caught:
        apply_deployment(created_by_kubectl(), template=template)
    assert str(caught.value) == (
        "failed to create typed patch object (/web; apps/v1, Kind=Deployment): "
        '.spec.template.spec.containers: duplicate entries for key [name="a"]'
    )


# --- record_update ---------------------------------------------------------------------------


def test_record_update_owns_what_a_write_added_and_changed() -> None:
    created = record_update(None, configmap(a="1"), manager="m", api_version="v1", now=NOW)
    assert owned(created) == [("m", "Update", {"f:data": {".": {}, "f:a": {}}})]
    after = merge_patch(created, {"data": {"b": "x"}})
    updated = record_update(created, after, manager="m", api_version="v1", now=LATER)
    answer = recorded("patch_merge_configmap_200.body")
    assert owned(updated)[0][2] == answer["metadata"]["managedFields"][0]["fieldsV1"]
    assert updated["metadata"]["managedFields"][0]["time"] == LATER


def test_record_update_takes_changed_fields_from_other_managers() -> None:
    live = apply(None, configmap(x="1", y="2"))
    after = merge_patch(live, {"data": {"x": "9"}})
    result = record_update(live, after, manager="editor", api_version="v1", now=LATER)
    assert owned(result) == [
        ("lab", "Apply", {"f:data": {"f:y": {}}}),
        ("editor", "Update", {"f:data": {"f:x": {}}}),
    ]


def test_record_update_that_changes_nothing_records_nothing() -> None:
    live = apply(None, configmap(x="1"))
    result = record_update(live, copy.deepcopy(live), manager="editor", api_version="v1", now=LATER)
    assert result["metadata"]["managedFields"] == live["metadata"]["managedFields"]


def test_record_update_drops_fields_a_write_removed() -> None:
    live = apply(None, configmap(x="1", y="2"))
    after = merge_patch(live, {"data": {"y": None}})
    result = record_update(live, after, manager="editor", api_version="v1", now=LATER)
    assert owned(result) == [("lab", "Apply", {"f:data": {"f:x": {}}})]


def test_record_update_never_owns_identity_or_status() -> None:
    obj = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p", "namespace": "n", "uid": "u", "resourceVersion": "1"},
        "spec": {"containers": [{"name": "c", "image": "i"}]},
        "status": {"phase": "Pending"},
    }
    result = record_update(None, obj, manager="m", api_version="v1", now=NOW)
    assert owned(result) == [
        (
            "m",
            "Update",
            {
                "f:spec": {
                    "f:containers": {'k:{"name":"c"}': {".": {}, "f:image": {}, "f:name": {}}}
                }
            },
        )
    ]


def test_record_update_with_an_empty_entry_clears_managed_fields() -> None:
    live = apply(None, configmap(x="1"))
    after = merge_patch(live, {"metadata": {"managedFields": [{}]}})
    result = record_update(live, after, manager="m", api_version="v1", now=LATER)
    assert "managedFields" not in result["metadata"]

"""Models built by hand refuse names they do not know; metadata and a list's items are never None.

Decoding keeps unknown fields (every path: ``model_validate``, ``Result.into``, the lazy build);
the constructor, and setting an attribute, refuse them, nested dicts and lists of dicts too.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import pydantic
import pytest

from rawkube.core._request import Result
from rawkube.models import CustomResource, K8sModel, Lazy
from rawkube.models.apps_v1 import Deployment, DeploymentList, DeploymentSpec
from rawkube.models.core_v1 import ConfigMap, Container, Pod, PodList, PodSpec
from rawkube.models.meta_v1 import ListMeta, ObjectMeta


def result(body: Any) -> Result:
    return Result(None, 200, {"content-type": "application/json"}, json.dumps(body).encode(), [])  # type: ignore[arg-type]


def extra_forbidden(
    raised: pytest.ExceptionInfo[pydantic.ValidationError],
) -> list[tuple[Any, ...]]:
    errors = raised.value.errors()
    assert {e["type"] for e in errors} == {"extra_forbidden"}
    return [tuple(e["loc"]) for e in errors]


# --- unknown names, by hand ------------------------------------------------------------------


def test_a_typo_in_a_constructor_raises_at_once() -> None:
    with pytest.raises(pydantic.ValidationError) as raised:
        Container(name="c", imagee="x")  # type: ignore[call-arg]
    assert extra_forbidden(raised) == [("imagee",)]


def test_a_typo_in_a_nested_dict_raises_at_its_path() -> None:
    with pytest.raises(pydantic.ValidationError) as raised:
        Deployment(spec={"replica": 3})  # type: ignore[arg-type]
    assert extra_forbidden(raised) == [("spec", "replica")]


def test_a_typo_in_a_list_of_dicts_deep_down_raises_at_its_path() -> None:
    template = {"spec": {"containers": [{"name": "a"}, {"name": "b", "imagee": "x"}]}}
    with pytest.raises(pydantic.ValidationError) as raised:
        Deployment(metadata={"name": "d"}, spec={"template": template})  # type: ignore[arg-type]
    assert extra_forbidden(raised) == [("spec", "template", "spec", "containers", 1, "imagee")]


def test_every_typo_is_reported_and_camel_case_names_are_known() -> None:
    with pytest.raises(pydantic.ValidationError) as raised:
        PodSpec(containers=[{"name": "a", "imagePullPolicy": "Always", "cmd": ["x"]}], nodeNam="n")  # type: ignore[call-arg,list-item]
    assert sorted(extra_forbidden(raised), key=str) == [("containers", 0, "cmd"), ("nodeNam",)]
    ok = PodSpec(containers=[{"name": "a", "imagePullPolicy": "Always"}])  # type: ignore[list-item]
    assert ok.to_dict() == {"containers": [{"name": "a", "imagePullPolicy": "Always"}]}


def test_a_model_given_to_a_constructor_keeps_the_unknown_fields_it_was_decoded_with() -> None:
    decoded = DeploymentSpec.model_validate({"replicas": 2, "futureField": {"on": True}})
    built = Deployment(metadata=ObjectMeta(name="d"), spec=decoded)
    assert built.to_dict()["spec"] == {"replicas": 2, "futureField": {"on": True}}


def test_setting_an_unknown_attribute_raises_but_a_decoded_unknown_field_may_be_set() -> None:
    container = Container(name="c")
    with pytest.raises(ValueError, match='"Container" object has no field "imagee"'):
        container.imagee = "x"
    decoded = Container.model_validate({"name": "c", "futureField": 1})
    decoded.futureField = 2
    assert decoded.to_dict() == {"name": "c", "futureField": 2}
    container.image = "nginx"
    assert container.to_dict() == {"name": "c", "image": "nginx"}


def test_construct_and_copy_do_not_validate_so_they_take_any_key() -> None:
    assert Container.model_construct(name="c", imagee="x").to_dict()["imagee"] == "x"
    copied = Container(name="c").model_copy(update={"imagee": "x"})
    assert copied.to_dict() == {"name": "c", "imagee": "x"}


# --- unknown names, decoded -------------------------------------------------------------------

SERVER_POD = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {"name": "p", "futureMeta": 1},
    "spec": {"containers": [{"name": "c", "futureContainer": "x"}], "futureSpec": [1]},
    "futureTop": {"a": None},
}


def test_model_validate_of_server_json_keeps_unknown_fields() -> None:
    assert Pod.model_validate(SERVER_POD).to_dict() == SERVER_POD
    assert Pod.model_validate_json(json.dumps(SERVER_POD)).to_dict() == SERVER_POD


def test_decoding_lazily_keeps_unknown_fields_at_every_level() -> None:
    pod = result(SERVER_POD).into(Pod)
    assert pod.spec is not None
    assert pod.spec.containers
    assert pod.spec.containers[0].model_extra == {"futureContainer": "x"}
    assert pod.to_dict() == SERVER_POD
    listed = result({"kind": "PodList", "apiVersion": "v1", "items": [SERVER_POD]}).into(PodList)
    assert listed.items[0].to_dict() == SERVER_POD


# --- metadata and items never None -------------------------------------------------------------


def test_metadata_and_items_default_to_empty_values_that_are_not_written() -> None:
    pod, listed = Pod(), PodList()
    assert pod.metadata == ObjectMeta()
    assert pod.metadata.name is None
    assert listed.items == []
    assert listed.metadata == ListMeta()
    assert pod.to_dict() == {"apiVersion": "v1", "kind": "Pod"}
    assert listed.to_dict() == {"apiVersion": "v1", "kind": "PodList"}


def test_what_is_set_in_a_default_is_written() -> None:
    pod = Pod()
    pod.metadata.name = "web"
    assert pod.to_dict()["metadata"] == {"name": "web"}
    assert json.loads(pod.to_json())["metadata"] == {"name": "web"}
    listed = DeploymentList()
    listed.items.append(Deployment())
    listed.items[0].metadata.name = "d"
    assert listed.to_dict()["items"] == [
        {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}}
    ]


def test_an_object_without_metadata_or_with_null_decodes_to_an_empty_one() -> None:
    for body in ({"kind": "ConfigMap"}, {"kind": "ConfigMap", "metadata": None}):
        for decoded in (result(body).into(ConfigMap), ConfigMap.model_validate(body)):
            assert decoded.metadata == ObjectMeta()
            assert decoded.metadata.name is None
    for body in ({"kind": "PodList"}, {"kind": "PodList", "items": None, "metadata": None}):
        for listed in (result(body).into(PodList), PodList.model_validate(body)):
            assert listed.items == []
            assert listed.metadata == ListMeta()
    assert result({"kind": "ConfigMap"}).into(ConfigMap).to_dict() == {
        "apiVersion": "v1",
        "kind": "ConfigMap",
    }


def test_a_custom_resource_and_its_list_have_the_same_defaults() -> None:
    class Gadget(CustomResource):
        __group__ = "example.com"
        __version__ = "v1"
        __kind__ = "Gadget"
        __plural__ = "gadgets"

        spec: Annotated[GadgetSpec | None, Lazy] = None

    gadget = Gadget()
    assert gadget.metadata == ObjectMeta()
    assert Gadget.List().items == []  # type: ignore[attr-defined]
    with pytest.raises(pydantic.ValidationError) as raised:
        Gadget(spec={"sizee": 1})  # type: ignore[arg-type]
    assert extra_forbidden(raised) == [("spec", "sizee")]
    decoded = result({"kind": "Gadget", "spec": {"future": 1}}).into(Gadget)
    assert decoded.spec is not None
    assert decoded.spec.model_extra == {"future": 1}


class GadgetSpec(K8sModel):
    size: int | None = None

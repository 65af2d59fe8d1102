"""The model seam: camelCase dumps without unset fields, identity filled in, the registry."""

from __future__ import annotations

from typing import Annotated, ClassVar

import httpx
import pytest
import respx
from pydantic import Field

import rawkube
from rawkube.core._clock import FakeClock
from rawkube.core._resource import ResourceInfo
from rawkube.models import Lazy
from rawkube.models._base import K8sModel, Resource, TypedObject, model_for
from tests.conftest import recorded_response


class Meta(K8sModel):
    name: str | None = None
    resource_version: str | None = Field(
        default=None, validation_alias="resourceVersion", serialization_alias="resourceVersion"
    )


class Widget(Resource):
    __api_version__: ClassVar[str] = "example.com/v1"
    __kind__: ClassVar[str] = "Widget"
    __resource__: ClassVar[ResourceInfo] = ResourceInfo(
        group="example.com", version="v1", kind="Widget", plural="widgets", namespaced=True
    )
    api_version: str | None = Field(
        default=None, validation_alias="apiVersion", serialization_alias="apiVersion"
    )
    kind: str | None = None
    metadata: Meta | None = None
    size: int | None = None


def test_built_in_python_it_writes_its_identity():
    widget = Widget(metadata=Meta(name="w"))
    assert widget.to_dict() == {
        "apiVersion": "example.com/v1",
        "kind": "Widget",
        "metadata": {"name": "w"},
    }
    assert (
        Widget(api_version="example.com/v1", size=1).to_json()
        == '{"apiVersion":"example.com/v1","kind":"Widget","size":1}'
    )


def test_decoded_without_identity_it_fills_it_in():
    # A list's items arrive without apiVersion and kind: an item says its type all the same.
    item = Widget.model_validate_json(b'{"metadata":{"name":"w","resourceVersion":"7"},"size":3}')
    assert item.to_dict() == {
        "apiVersion": "example.com/v1",
        "kind": "Widget",
        "metadata": {"name": "w", "resourceVersion": "7"},
        "size": 3,
    }
    assert item.metadata is not None
    assert item.metadata.resource_version == "7"


def test_the_caller_s_dict_is_left_as_it_was():
    data = {"size": 3}
    assert Widget.model_validate(data).kind == "Widget"
    assert data == {"size": 3}


def test_unknown_fields_survive_a_read_modify_write():
    item = Widget.model_validate_json(
        b'{"apiVersion":"example.com/v1","kind":"Widget","size":3,"newField":{"x":[1,2]}}'
    )
    item.size = 4
    assert item.to_dict() == {
        "apiVersion": "example.com/v1",
        "kind": "Widget",
        "size": 4,
        "newField": {"x": [1, 2]},
    }


def test_names_and_aliases_are_both_accepted():
    assert Meta(resource_version="1") == Meta.model_validate({"resourceVersion": "1"})


def test_registry_finds_the_class():
    assert model_for("example.com/v1", "Widget") is Widget
    assert model_for("example.com/v1", "Gadget") is None
    assert issubclass(Widget, TypedObject)


def test_resource_info_names_itself():
    info = Widget.__resource__
    assert info.api_version == "example.com/v1"
    assert info.gvr == rawkube.GroupVersionResource("example.com", "v1", "widgets")
    assert info.gvk == rawkube.GroupVersionKind("example.com", "v1", "Widget")
    assert ResourceInfo("", "v1", "Pod", "pods", True).api_version == "v1"


URL = "http://k8s.test/apis/example.com/v1/namespaces/ns/widgets/w"


@pytest.fixture
def client():
    with rawkube.Client(rawkube.Config(server="http://k8s.test", clock=FakeClock())) as client:
        yield client


def get(client: rawkube.Client) -> rawkube.Result:
    return (
        client.get()
        .group_version("example.com/v1")
        .namespace("ns")
        .resource("widgets")
        .name("w")
        .do()
    )


@respx.mock
def test_into_refuses_another_kind(client):
    respx.get(URL).mock(
        return_value=httpx.Response(200, json={"apiVersion": "v1", "kind": "ConfigMap"})
    )
    with pytest.raises(
        rawkube.DecodeError, match=r"the response is v1 ConfigMap, not the example\.com/v1 Widget"
    ):
        get(client).into(Widget)


@respx.mock
def test_into_raises_the_error_a_status_body_carries(client):
    respx.get(URL).mock(
        return_value=httpx.Response(200, content=recorded_response("err_404_pod_not_found").content)
    )
    with pytest.raises(rawkube.NotFoundError, match="does-not-exist"):
        get(client).into(Widget)


@respx.mock
def test_into_names_the_field_that_does_not_fit(client):
    respx.get(URL).mock(
        return_value=httpx.Response(200, json={"kind": "Widget", "metadata": {"name": 5}})
    )
    with pytest.raises(
        rawkube.DecodeError, match=r"metadata\.name: Input should be a valid string"
    ):
        get(client).into(Widget)


class Part(K8sModel):
    size: int | None = None


class Crate(TypedObject):
    """A user-written model whose nested parts are built when first read."""

    __api_version__: ClassVar[str] = "example.com/v1"
    __kind__: ClassVar[str] = "Crate"
    parts: Annotated[list[Part] | None, Lazy] = None


@respx.mock
def test_into_builds_nested_fields_when_read(client):
    body = {"kind": "Crate", "parts": [{"size": 1}, {"size": "big"}]}
    respx.get(URL).mock(return_value=httpx.Response(200, json=body))
    crate = get(client).into(Crate)
    with pytest.raises(
        rawkube.DecodeError, match=r"Crate\.parts does not decode as a list of Part: 1\.size"
    ):
        _ = crate.parts
    # What does not decode is written back as it came (and the type filled in).
    assert crate.to_dict() == {"apiVersion": "example.com/v1", **body}
    body["parts"][1]["size"] = 2
    respx.get(URL).mock(return_value=httpx.Response(200, json=body))
    assert [part.size for part in get(client).into(Crate).parts or []] == [1, 2]
    assert get(client).into(Crate) == Crate.model_validate(body)


@respx.mock
def test_into_a_body_that_is_not_json_says_so(client):
    respx.get(URL).mock(return_value=httpx.Response(200, content=b'{"kind":"Crate","parts":[{"si'))
    with pytest.raises(
        rawkube.DecodeError, match=r"widgets/w: the response body does not decode as Crate: .*"
    ):
        get(client).into(Crate)


@respx.mock
def test_into_accepts_a_body_without_identity(client):
    respx.get(URL).mock(return_value=httpx.Response(200, json={"size": 2}))
    assert get(client).into(Widget).size == 2


def test_a_user_built_model_does_not_enforce_required_fields():
    # The API calls a container's name required; the model leaves that to the API server,
    # which answers an incomplete object with 422 and the field at fault (InvalidError).
    from rawkube.models.core_v1 import Container, Pod, PodSpec

    pod = Pod(spec=PodSpec(containers=[Container(image="nginx")]))
    assert pod.to_dict() == {
        "apiVersion": "v1",
        "kind": "Pod",
        "spec": {"containers": [{"image": "nginx"}]},
    }


def test_a_subclass_of_a_model_does_not_take_over_its_kind():
    from rawkube.models.core_v1 import ConfigMap

    class Noted(ConfigMap):
        note: str | None = None

    assert model_for("v1", "ConfigMap") is ConfigMap
    assert Noted(note="x").to_dict()["kind"] == "ConfigMap"

"""User-written resource models: declared once, then typed like the built-in ones."""

from __future__ import annotations

import json
from typing import Annotated

import httpx
import pytest
import respx

import rawkube
from rawkube.core._clock import FakeClock
from rawkube.models import CustomResource, K8sModel, Lazy, model_for
from rawkube.models.meta_v1 import ObjectMeta

SERVER = "http://k8s.test"
WIDGETS = f"{SERVER}/apis/toys.example.com/v1/namespaces/shop/widgets"


class WidgetSpec(K8sModel):
    size: int | None = None
    colour: str | None = None


class Widget(CustomResource):
    __group__ = "toys.example.com"
    __version__ = "v1"
    __kind__ = "Widget"
    __plural__ = "widgets"

    spec: Annotated[WidgetSpec | None, Lazy] = None


class Gadget(CustomResource):
    __group__ = "toys.example.com"
    __version__ = "v1"
    __kind__ = "Gadget"
    __plural__ = "gadgets"
    __namespaced__ = False


@pytest.fixture
def client():
    config = rawkube.Config(server=SERVER, namespace="shop", clock=FakeClock())
    with rawkube.Client(config) as client:
        yield client


def test_the_class_declares_its_resource_and_registers_itself_and_its_list():
    info = Widget.__resource__
    assert (info.api_version, info.kind, info.plural, info.namespaced) == (
        "toys.example.com/v1",
        "Widget",
        "widgets",
        True,
    )
    assert model_for("toys.example.com/v1", "Widget") is Widget
    assert model_for("toys.example.com/v1", "WidgetList") is Widget.List
    assert Widget(metadata=ObjectMeta(name="w"), spec=WidgetSpec(size=2)).to_dict() == {
        "apiVersion": "toys.example.com/v1",
        "kind": "Widget",
        "metadata": {"name": "w"},
        "spec": {"size": 2},
    }


def test_a_class_missing_its_identity_is_refused():
    with pytest.raises(TypeError, match="Thing must declare __group__, __plural__"):

        class Thing(CustomResource):
            __version__ = "v1"
            __kind__ = "Thing"


@respx.mock
def test_client_api_gives_every_verb_typed(client):
    widget = {
        "apiVersion": "toys.example.com/v1",
        "kind": "Widget",
        "metadata": {"name": "w", "namespace": "shop"},
        "spec": {"size": 3, "colour": "red", "futureField": True},
    }
    respx.get(f"{WIDGETS}/w").mock(return_value=httpx.Response(200, json=widget))
    respx.get(WIDGETS).mock(
        return_value=httpx.Response(
            200,
            json={"apiVersion": "toys.example.com/v1", "kind": "WidgetList", "items": [widget]},
        )
    )
    apply = respx.patch(f"{WIDGETS}/w").mock(return_value=httpx.Response(200, json=widget))
    widgets = client.api(Widget)
    got = widgets.get("w")
    assert isinstance(got.spec, WidgetSpec)
    assert (got.spec.size, got.spec.colour) == (3, "red")
    assert got.to_dict() == widget  # the unknown field survives
    listed = widgets.list()
    assert isinstance(listed, Widget.List)
    assert [item.spec.size for item in listed.items or []] == [3]
    widgets.apply(
        Widget(metadata=ObjectMeta(name="w"), spec=WidgetSpec(size=4)), field_manager="me"
    )
    assert json.loads(apply.calls.last.request.content) == {
        "apiVersion": "toys.example.com/v1",
        "kind": "Widget",
        "metadata": {"name": "w"},
        "spec": {"size": 4},
    }


@respx.mock
def test_a_cluster_scoped_custom_resource_has_no_namespace(client):
    route = respx.get(f"{SERVER}/apis/toys.example.com/v1/gadgets/g").mock(
        return_value=httpx.Response(
            200, json={"apiVersion": "toys.example.com/v1", "kind": "Gadget"}
        )
    )
    assert isinstance(client.api(Gadget).get("g"), Gadget)
    assert route.called
    with pytest.raises(ValueError, match="cluster-scoped"):
        client.api(Gadget, namespace="shop")

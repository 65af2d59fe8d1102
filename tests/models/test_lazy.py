"""Lazily built models: the same values, dumps, equality and errors as eager ones, read later."""

from __future__ import annotations

import copy
import gc
import json
import pickle
import sys
import threading
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

import pydantic
import pytest

from rawkube import DecodeError
from rawkube.core._decode import BULK_BYTES, raw_fields
from rawkube.models import K8sModel, Lazy, core_v1, meta_v1
from rawkube.models._lazy import (
    BULK_ITEMS,
    _parse_unless_lazy,
    build,
    build_fields,
    build_json,
)
from tests.conftest import RECORDED, without_filled_identity
from tests.models.test_generated import RECORDED_OBJECTS, model_of

M = TypeVar("M", bound=K8sModel)


Builder = Callable[[type[M], Any], M]


def from_raw(model: type[M], data: Any) -> M:
    """``model`` read generically, as an object with fields its shape does not know is."""
    return build_fields(model, _parse_unless_lazy(model, raw_fields(json.dumps(data).encode())))


def from_json(model: type[M], data: Any) -> M:
    """``model`` built from JSON text in one parse, through its msgspec shape when it fits."""
    return build_json(model, json.dumps(data).encode())


@pytest.fixture(params=[from_raw, from_json], ids=["raw", "json"])
def lazily(request: pytest.FixtureRequest) -> Builder[Any]:
    """Each way a model is built lazily: from raw fields, or JSON text."""
    return request.param  # type: ignore[no-any-return]


def pod_body() -> dict[str, Any]:
    return json.loads((RECORDED / "pod_get.body").read_bytes())  # type: ignore[no-any-return]


@pytest.mark.parametrize("name", RECORDED_OBJECTS)
def test_recorded_objects_decode_lazily_into_what_eager_decoding_gives(
    name: str, lazily: Builder[Any]
) -> None:
    raw = (RECORDED / f"{name}.body").read_bytes()
    body = json.loads(raw)
    model = model_of(body, name)
    eager = model.model_validate_json(raw)
    assert lazily(model, json.loads(raw)).to_dict() == eager.to_dict()
    assert without_filled_identity(lazily(model, json.loads(raw)).to_dict(), body) == body
    assert json.loads(lazily(model, json.loads(raw)).to_json()) == json.loads(eager.to_json())
    assert lazily(model, json.loads(raw)).model_dump() == eager.model_dump()
    assert repr(lazily(model, json.loads(raw))) == repr(eager)
    lazy = lazily(model, json.loads(raw))
    assert lazy == eager
    assert lazy.to_dict() == eager.to_dict()  # still, once every level has been built


def test_nested_models_are_models_when_read(lazily: Builder[Any]) -> None:
    pod = lazily(core_v1.Pod, pod_body())
    assert isinstance(pod.metadata, meta_v1.ObjectMeta)
    assert pod.metadata.name == "pod-1"
    assert isinstance(pod.spec, core_v1.PodSpec)
    assert isinstance(pod.spec.containers[0], core_v1.Container)
    assert pod.spec.containers is pod.spec.containers  # built once, then kept
    assert isinstance(pod.spec.tolerations[0], core_v1.Toleration)
    assert pod.status.phase == "Pending"


DUMP_OPTIONS: list[dict[str, Any]] = [
    {},
    {"mode": "json"},
    {"by_alias": False},
    {"exclude_unset": True},
    {"exclude_unset": True, "by_alias": False},
    {"exclude_none": True},
    {"exclude_defaults": True},
    {"include": {"spec": {"containers": {0: {"image"}}}}},
    {"exclude": {"status": True, "spec": {"containers"}}},
    {"exclude_unset": True, "include": {"metadata"}},
]


@pytest.mark.parametrize("options", DUMP_OPTIONS)
def test_every_dump_option_gives_what_an_eager_model_gives(
    options: dict[str, Any], lazily: Builder[Any]
) -> None:
    eager = core_v1.Pod.model_validate(pod_body())
    assert lazily(core_v1.Pod, pod_body()).model_dump(**options) == eager.model_dump(**options)
    json_options = {k: v for k, v in options.items() if k != "mode"}
    lazy_json = lazily(core_v1.Pod, pod_body()).model_dump_json(**json_options)
    eager_json = eager.model_dump_json(**json_options)
    assert json.loads(lazy_json) == json.loads(eager_json)
    if not options.get("exclude_unset"):
        assert lazy_json == eager_json  # built first: the same text, key order included


def test_a_model_holding_a_lazy_one_dumps_it_without_warnings(lazily: Builder[Any]) -> None:
    """As a web framework would: the pod inside another model, dumped by pydantic-core."""

    class Envelope(pydantic.BaseModel):
        pod: core_v1.Pod

    eager = Envelope(pod=core_v1.Pod.model_validate(pod_body()))
    for options in ({"mode": "json", "by_alias": True}, {"exclude_unset": True}, {}):
        lazy = Envelope(pod=lazily(core_v1.Pod, pod_body()))
        assert lazy.model_dump(**options) == eager.model_dump(**options)  # type: ignore[arg-type]
    adapter = pydantic.TypeAdapter(core_v1.Pod)
    lazy_pod = lazily(core_v1.Pod, pod_body())
    assert adapter.dump_python(lazy_pod, mode="json") == adapter.dump_python(eager.pod, mode="json")


def test_the_serialisation_schema_still_describes_nested_models() -> None:
    schema = core_v1.Pod.model_json_schema(mode="serialization")
    assert schema["properties"]["spec"] == core_v1.Pod.model_json_schema()["properties"]["spec"]
    assert "PodSpec" in json.dumps(schema["properties"]["spec"])


def test_unknown_fields_survive_at_every_level(lazily: Builder[Any]) -> None:
    body = pod_body()
    body["futureTopLevel"] = {"enabled": True}
    body["spec"]["futureSpecField"] = ["a", 1]
    body["spec"]["containers"][0]["futureContainerField"] = "x"
    pod = lazily(core_v1.Pod, copy.deepcopy(body))
    assert pod.to_dict() == body  # nothing read yet
    assert pod.spec.model_extra == {"futureSpecField": ["a", 1]}
    assert pod.spec.containers[0].model_extra == {"futureContainerField": "x"}
    assert pod.to_dict() == body  # after reading


def test_changes_to_what_was_read_are_kept_and_dumped(lazily: Builder[Any]) -> None:
    pod = lazily(core_v1.Pod, pod_body())
    pod.spec.containers[0].image = "nginx:2"
    pod.spec.containers.append(core_v1.Container(name="sidecar"))
    pod.metadata.labels = {"app": "web"}
    dumped = pod.to_dict()
    assert dumped["spec"]["containers"][0]["image"] == "nginx:2"
    assert dumped["spec"]["containers"][-1] == {"name": "sidecar"}
    assert dumped["metadata"]["labels"] == {"app": "web"}


def test_a_dump_is_a_copy_the_caller_may_change(lazily: Builder[Any]) -> None:
    pod = lazily(core_v1.Pod, pod_body())
    image = pod_body()["spec"]["containers"][0]["image"]
    dumped = pod.to_dict()
    dumped["spec"]["containers"][0]["image"] = "changed"
    assert pod.spec.containers[0].image == image
    assert pod.to_dict()["spec"]["containers"][0]["image"] == image


def test_a_wrongly_typed_nested_value_is_reported_when_read(lazily: Builder[Any]) -> None:
    body = {"spec": {"containers": [{"name": "c", "ports": [{"containerPort": "eighty"}]}]}}
    pod = lazily(core_v1.Pod, body)
    container = pod.spec.containers[0]
    assert container.name == "c"
    with pytest.raises(DecodeError) as caught:
        _ = container.ports
    message = str(caught.value)
    assert "Container.ports does not decode as a list of ContainerPort" in message
    assert "0.containerPort: Input should be a valid integer" in message
    assert "eighty" not in message  # values stay out of messages: they may be secrets


def test_a_nested_value_of_the_wrong_shape_is_reported_and_kept_as_sent(
    lazily: Builder[Any],
) -> None:
    body = {"apiVersion": "v1", "kind": "Pod", "spec": "oops", "status": {"conditions": {}}}
    pod = lazily(core_v1.Pod, copy.deepcopy(body))
    with pytest.raises(DecodeError, match=r"^Pod\.spec does not decode as PodSpec: "):
        _ = pod.spec
    with pytest.raises(DecodeError, match=r"PodStatus\.conditions does not decode as a list"):
        _ = pod.status.conditions
    # What was never read is written back as the server sent it: nothing is lost.
    assert pod.to_dict() == body


def test_the_top_level_is_validated_at_once() -> None:
    with pytest.raises(pydantic.ValidationError) as caught:
        build(core_v1.ConfigMap, {"data": {"key": 1}})
    assert caught.value.errors()[0]["loc"] == ("data", "key")
    with pytest.raises(pydantic.ValidationError):
        build(core_v1.ConfigMap, ["not", "an", "object"])


def test_maps_of_models_are_built_when_read(lazily: Builder[Any]) -> None:
    from rawkube.models import apiextensions_v1

    body = {"type": "object", "properties": {"replicas": {"type": "integer", "minimum": 1}}}
    props = lazily(apiextensions_v1.JSONSchemaProps, copy.deepcopy(body))
    replicas = props.properties["replicas"]
    assert isinstance(replicas, apiextensions_v1.JSONSchemaProps)
    assert replicas.minimum == 1
    assert props.to_dict() == body


def test_a_subclass_of_a_lazily_built_model_keeps_its_fields() -> None:
    build_json(core_v1.ConfigMap, b'{"metadata": {"name": "a"}}')

    class Tagged(core_v1.ConfigMap):
        tag: str | None = None

    assert Tagged.model_fields["metadata"].default_factory is meta_v1.ObjectMeta
    assert Tagged(tag="x").metadata == meta_v1.ObjectMeta()
    tagged = build_json(Tagged, b'{"metadata": {"name": "b"}, "tag": "t"}')
    assert (tagged.metadata.name, tagged.tag) == ("b", "t")


def test_pickle_and_copies_keep_the_values(lazily: Builder[Any]) -> None:
    eager = core_v1.Pod.model_validate(pod_body())
    assert pickle.loads(pickle.dumps(lazily(core_v1.Pod, pod_body()))) == eager
    lazy = lazily(core_v1.Pod, pod_body())
    deep = lazy.model_copy(deep=True)
    deep.spec.containers[0].image = "changed"
    assert lazy == eager
    shallow = copy.copy(lazily(core_v1.Pod, pod_body()))
    assert shallow == eager


def test_threads_reading_the_same_field_all_get_its_value(lazily: Builder[Any]) -> None:
    pod = lazily(core_v1.Pod, pod_body())
    start = threading.Barrier(4)
    seen: list[str | None] = []

    def read() -> None:
        start.wait()
        seen.append(pod.spec.containers[0].image)

    threads = [threading.Thread(target=read) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert seen == [pod_body()["spec"]["containers"][0]["image"]] * 4


def test_a_big_list_is_built_without_collections_in_between(lazily: Builder[Any]) -> None:
    body = {"items": [{"metadata": {"name": f"p{i}"}, "spec": {}} for i in range(BULK_ITEMS)]}
    collections: list[int] = []

    def count(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            collections.append(info["generation"])

    _ = lazily(core_v1.PodList, {"items": [{}]}).items  # validators made: the first use is done
    threshold = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    gc.callbacks.append(count)
    try:
        pods = lazily(core_v1.PodList, copy.deepcopy(body))
        collections.clear()
        items = pods.items
        during = list(collections)
        assert gc.isenabled()
        gc.disable()  # a caller's own pause is left as it was
        small = lazily(core_v1.PodList, copy.deepcopy(body)).items
        assert not gc.isenabled()
    finally:
        gc.enable()
        gc.callbacks.remove(count)
        gc.set_threshold(*threshold)
    # Some 2,000 objects made, with a collection every 700: only the one the pause held off,
    # run as it ends.
    assert len(during) <= 1
    assert [pod.metadata.name for pod in items] == [f"p{i}" for i in range(BULK_ITEMS)]
    assert len(small) == BULK_ITEMS


def test_a_model_with_validators_of_its_own_keeps_them_when_built_lazily(
    lazily: Builder[Any],
) -> None:
    class Part(K8sModel):
        size: int | None = None

    class Box(K8sModel):
        label: str | None = None
        parts: Annotated[list[Part] | None, Lazy] = None

        @pydantic.field_validator("label")
        @classmethod
        def shout(cls, value: str | None) -> str | None:
            return value.upper() if value else value

    box = lazily(Box, {"label": "fragile", "parts": [{"size": 1}]})
    assert box.label == "FRAGILE"
    assert box.parts is not None
    assert [part.size for part in box.parts] == [1]


def test_raw_json_that_is_not_utf8_is_reported_when_read() -> None:
    pod = build_json(core_v1.Pod, b'{"metadata":{"name":"a"},"spec":{"nodeName":"\xff"}}')
    assert pod.metadata.name == "a"
    with pytest.raises(DecodeError, match=r"^Pod\.spec is not valid JSON: "):
        _ = pod.spec


def big_list_body() -> bytes:
    items = [
        {"metadata": {"name": f"p{i}", "labels": {"tier": "x" * 80}}, "spec": {"nodeName": "n"}}
        for i in range(3000)
    ]
    body = {"apiVersion": "v1", "kind": "PodList", "metadata": {"resourceVersion": "7"}}
    return json.dumps({**body, "items": items}).encode()


def test_models_from_a_big_body_do_not_keep_it_alive() -> None:
    body = big_list_body()
    assert len(body) >= BULK_BYTES
    alone = sys.getrefcount(body)
    pods = build_json(core_v1.PodList, body, detach=True)
    assert sys.getrefcount(body) > alone  # the unread items still refer to it
    kept = pods.items[5]
    assert sys.getrefcount(body) == alone  # built, each item holds a copy of its own JSON
    assert (kept.metadata.name, kept.spec.node_name) == ("p5", "n")
    assert pods.metadata.resource_version == "7"
    assert without_filled_identity(pods.to_dict(), json.loads(body)) == json.loads(body)


def test_models_from_a_small_body_share_it() -> None:
    body = json.dumps({"items": [{"metadata": {"name": "a"}}]}).encode()
    alone = sys.getrefcount(body)
    pods = build_json(core_v1.PodList, body)
    kept = pods.items[0]
    assert sys.getrefcount(body) > alone  # no copies: a small body costs little to keep
    assert kept.metadata.name == "a"

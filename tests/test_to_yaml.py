"""``rawkube.to_yaml``: what it writes, ``load_all_yaml`` (and kubectl) read back unchanged."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

import rawkube
from rawkube.models.core_v1 import ConfigMap
from rawkube.models.meta_v1 import ObjectMeta
from tests.conftest import RECORDED


def recorded_objects() -> list[dict]:
    found = []
    for path in sorted(RECORDED.glob("*.body")):
        try:
            data = json.loads(path.read_bytes())
        except ValueError:
            continue
        if isinstance(data, dict) and data.get("apiVersion") and data.get("kind"):
            found.append(data)
    return found


def as_data(obj: object) -> object:
    return obj.to_dict() if hasattr(obj, "to_dict") else obj


@pytest.mark.parametrize("data", recorded_objects(), ids=lambda d: d["kind"])
def test_recorded_objects_round_trip(data):
    documents = rawkube.load_all_yaml(rawkube.to_yaml(data))
    if data["kind"].endswith("List") and "items" in data and data["kind"] == "List":
        return  # a List is read as its items, by design
    [back] = documents
    expected = rawkube.load_all_yaml(json.dumps(data))  # the same object read from its JSON
    assert as_data(back) == as_data(expected[0])


def test_strings_that_look_like_other_types_stay_strings():
    data = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "c"},
        "data": {
            k: k
            for k in (
                "123",
                "0x1F",
                "1e3",
                "true",
                "yes",
                "off",
                "y",
                "N",
                "null",
                "~",
                "1:30",
                "2024-01-01",
                "=",
                "",
                " lead",
                "a: b",
                "- x",
                "#c",
                "multi\nline\n",
            )
        },
    }
    text = rawkube.to_yaml(data)
    assert 'yes: "yes"' not in text  # the key is quoted too
    assert '"123": "123"' in text
    assert "multi\nline" not in text.replace("|\n", "")  # written as a literal block
    [back] = rawkube.load_all_yaml(text)
    assert back.to_dict() == data


def test_a_model_and_a_list_of_objects():
    model = ConfigMap(metadata=ObjectMeta(name="cfg"), data={"port": "8080"})
    text = rawkube.to_yaml([model, {"apiVersion": "x.io/v1", "kind": "Thing", "metadata": {}}])
    assert text.startswith("---\napiVersion: v1\n")
    assert text.count("---\n") == 2
    first, second = rawkube.load_all_yaml(text)
    assert first == model
    assert second == {"apiVersion": "x.io/v1", "kind": "Thing", "metadata": {}}


def test_key_order_and_block_style_are_kept():
    text = rawkube.to_yaml({"kind": "Thing", "apiVersion": "x.io/v1", "spec": {"b": [1, 2]}})
    assert text == "kind: Thing\napiVersion: x.io/v1\nspec:\n  b:\n  - 1\n  - 2\n"


def test_what_json_cannot_hold_is_refused():
    with pytest.raises(TypeError, match="model or a mapping"):
        rawkube.to_yaml("text")
    with pytest.raises(TypeError, match="bytes"):
        rawkube.to_yaml({"a": b"raw"})
    with pytest.raises(ValueError, match="nan"):
        rawkube.to_yaml({"a": float("nan")})


json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@given(st.dictionaries(st.text(), json_values, max_size=5))
def test_any_json_object_round_trips(fields):
    data = {"apiVersion": "example.com/v1", "kind": "Thing", **fields}
    data["apiVersion"], data["kind"] = "example.com/v1", "Thing"
    [back] = rawkube.load_all_yaml(rawkube.to_yaml(data))
    assert back == data

"""How a CRD's schema maps to Python: names by path, types, enums, defaults, docstrings, errors."""

from __future__ import annotations

import typing
from pathlib import Path
from typing import Any

import pytest

from rawkube.codegen import CodegenError, generate_models, write_models
from rawkube.models import K8sModel
from rawkube.models.meta_v1 import ObjectMeta


def crd(properties: dict[str, Any], *, group: str = "example.com", **extra: Any) -> dict[str, Any]:
    names = {"kind": "Widget", "plural": "widgets", "singular": "widget", "shortNames": ["wd"]}
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"widgets.{group}"},
        "spec": {
            "group": group,
            "names": names,
            "scope": extra.pop("scope", "Namespaced"),
            "versions": [
                {
                    "name": "v1",
                    "served": True,
                    "storage": True,
                    "schema": {
                        "openAPIV3Schema": {
                            "type": "object",
                            "description": "A widget.",
                            "properties": {
                                "apiVersion": {"type": "string"},
                                "kind": {"type": "string"},
                                "metadata": {"type": "object"},
                                "spec": {"type": "object", "properties": properties, **extra},
                            },
                        }
                    },
                }
            ],
        },
    }


SPEC = {
    "size": {"type": "integer", "default": 3, "description": "How big."},
    "ratio": {"type": "number"},
    "mode": {"type": "string", "enum": ["Fast", "Slow"], "default": "Fast"},
    "level": {"type": "integer", "enum": [1, 2]},
    "port": {
        "x-kubernetes-int-or-string": True,
        "anyOf": [{"type": "integer"}, {"type": "string"}],
    },
    "when": {"type": "string", "format": "date-time"},
    "labels": {"type": "object", "additionalProperties": {"type": "string"}},
    "parts": {
        "type": "array",
        "items": {
            "type": "object",
            "required": ["name"],
            "properties": {"name": {"type": "string"}, "class": {"type": "string"}},
        },
    },
    "byName": {
        "type": "object",
        "additionalProperties": {"type": "object", "properties": {"weight": {"type": "integer"}}},
    },
    "grid": {"type": "array", "items": {"type": "array", "items": {"type": "integer"}}},
    "raw": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
    "anything": {"x-kubernetes-preserve-unknown-fields": True},
    "template": {
        "type": "object",
        "x-kubernetes-embedded-resource": True,
        "x-kubernetes-preserve-unknown-fields": True,
    },
    "foo-bar": {"type": "string"},
    "fooBar": {"type": "string"},
    "import": {"type": "boolean"},
    "list": {"type": "string"},
    "tags": {"type": "array", "items": {"type": "string"}, "default": ["a"]},
}


@pytest.fixture
def widget(generated, tmp_path: Path) -> Any:
    path = tmp_path / "widget.yaml"
    import json

    path.write_text(json.dumps(crd(SPEC, required=["size"])))
    return generated(path)["example_com_v1"]


def hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls, include_extras=True)


def test_nested_objects_are_models_named_by_their_path(widget):
    assert issubclass(widget.WidgetSpec, K8sModel)
    assert issubclass(widget.WidgetSpecParts, K8sModel)  # the items of spec.parts
    assert issubclass(widget.WidgetSpecByName, K8sModel)  # the values of spec.byName
    spec = widget.Widget.model_validate(
        {"spec": {"parts": [{"name": "a", "class": "x"}], "byName": {"k": {"weight": 2}}}}
    ).spec
    assert isinstance(spec.parts[0], widget.WidgetSpecParts)
    assert spec.parts[0].class_ == "x"  # a keyword: a trailing _, the JSON keeps "class"
    assert spec.by_name["k"].weight == 2


def test_names_that_are_not_identifiers_or_clash_keep_their_json_name(widget):
    spec = widget.WidgetSpec(foo_bar="a", foo_bar_2="b", import_=True, list_="l")
    assert spec.to_dict() == {"foo-bar": "a", "fooBar": "b", "import": True, "list": "l"}


def test_scalars_maps_and_int_or_string(widget):
    spec = widget.WidgetSpec.model_validate(
        {"port": "http", "ratio": 0.5, "when": "2026-01-02T03:04:05Z", "labels": {"a": "b"}}
    )
    assert (spec.port, spec.ratio, spec.when, spec.labels) == (
        "http",
        0.5,
        "2026-01-02T03:04:05Z",  # date-time kept as the text sent, as built-in models keep it
        {"a": "b"},
    )
    assert widget.WidgetSpec(port=8080).port == 8080
    assert widget.WidgetSpec.model_validate({"grid": [[1, 2], [3]]}).grid == [[1, 2], [3]]


def test_enums_are_literals_that_still_read_a_newer_servers_values(widget):
    mode = hints(widget.WidgetSpec)["mode"]
    assert "Literal['Fast', 'Slow']" in str(mode)
    assert widget.WidgetSpec.model_validate_json('{"mode": "Turbo", "level": 3}').mode == "Turbo"
    with pytest.raises(ValueError, match="mode"):
        widget.WidgetSpec(mode=1)  # still a string


def test_scalar_defaults_are_python_defaults_and_others_are_said(widget):
    spec = widget.WidgetSpec()
    assert (spec.size, spec.mode, spec.tags) == (3, "Fast", None)
    assert spec.to_dict() == {}  # a default is not sent: the server fills it in
    source = generate_models([crd(SPEC)], command="x")["example_com_v1"]
    assert 'The server defaults it to ["a"].' in source


def test_preserve_unknown_fields_keeps_any_json(widget):
    data = {"raw": {"a": [1, {"b": None}]}, "anything": [1, "two"]}
    spec = widget.WidgetSpec.model_validate(data)
    assert (spec.raw, spec.anything) == (data["raw"], data["anything"])
    assert spec.to_dict() == data


def test_an_embedded_resource_has_its_type_and_object_meta(widget):
    template = widget.WidgetSpec.model_validate(
        {"template": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {}}}
    ).template
    assert (template.api_version, template.kind) == ("v1", "Pod")
    assert isinstance(template.metadata, ObjectMeta)
    assert template.to_dict()["spec"] == {}  # the rest is kept


def test_descriptions_and_required_are_docstrings():
    source = generate_models([crd(SPEC, required=["size"])], command="x")["example_com_v1"]
    assert '    size: int | None = 3\n    """How big.\n\n    Required.\n    """' in source
    assert '"""A widget.\n\n    example.com/v1 Widget (the storage version).\n    """' in source
    assert "Format: date-time." in source


def test_the_header_says_how_the_module_was_made():
    source = generate_models([crd(SPEC)], command="rawkube gen-models w.yaml -o out")
    lines = source["example_com_v1"].splitlines()
    assert lines[0].startswith("# Generated by rawkube gen-models")
    assert lines[1] == "# Command: rawkube gen-models w.yaml -o out"
    assert lines[2] == "# From: widgets.example.com (v1, storage version)"


def test_a_class_name_taken_gets_a_number():
    # spec.a.bC and spec.aB.c are both WidgetSpecABC by their paths.
    clash = {
        "a": {"type": "object", "properties": {"bC": {"type": "object", "properties": {"x": {"type": "string"}}}}},
        "aB": {"type": "object", "properties": {"c": {"type": "object", "properties": {"y": {"type": "string"}}}}},
    }  # fmt: skip
    source = generate_models([crd(clash)], command="x")["example_com_v1"]
    assert "class WidgetSpecABC(K8sModel):" in source
    assert "class WidgetSpecABC2(K8sModel):" in source


def test_cluster_scoped_kinds_say_so(generated, tmp_path):
    import json

    path = tmp_path / "c.json"
    path.write_text(json.dumps(crd({}, scope="Cluster")))
    assert not generated(path)["example_com_v1"].Widget.__resource__.namespaced


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"kind": "ConfigMap"}, "not a CustomResourceDefinition"),
        ({"apiVersion": "apiextensions.k8s.io/v1beta1"}, "only apiextensions.k8s.io/v1"),
        ({"spec": {"group": "example.com", "versions": []}}, "spec.group or spec.names"),
    ],
)
def test_what_is_not_a_v1_crd_is_refused(change, message):
    with pytest.raises(CodegenError, match=message):
        generate_models([{**crd({}), **change}])


def test_the_same_kind_declared_twice_differently_is_refused():
    other = crd({"x": {"type": "string"}})
    other["metadata"]["name"] = "other.example.com"
    with pytest.raises(CodegenError, match="declared twice"):
        generate_models([crd({}), other])
    assert generate_models([crd({}), crd({})]) == generate_models([crd({})])  # the same: once


def test_writing_never_replaces_a_file_rawkube_did_not_generate(tmp_path):
    sources = generate_models([crd({})], command="x")
    (tmp_path / "example_com_v1.py").write_text("# mine\n")
    with pytest.raises(CodegenError, match="not generated by rawkube"):
        write_models(sources, tmp_path)
    assert (tmp_path / "example_com_v1.py").read_text() == "# mine\n"
    (tmp_path / "example_com_v1.py").unlink()
    written = write_models(sources, tmp_path)
    assert sorted(p.name for p in written) == ["__init__.py", "example_com_v1.py"]
    assert write_models(sources, tmp_path) == [tmp_path / "example_com_v1.py"]  # again: replaced


def test_a_version_without_properties_is_a_kind_that_keeps_what_it_is_sent(generated, tmp_path):
    import json

    bare = crd({})
    bare["spec"]["versions"][0]["schema"] = {
        "openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
    }
    path = tmp_path / "bare.json"
    path.write_text(json.dumps(bare))
    widget = generated(path)["example_com_v1"].Widget
    assert set(widget.model_fields) == {"api_version", "kind", "metadata"}
    read = widget.model_validate({"metadata": {"name": "w"}, "spec": {"size": 1}})
    assert read.to_dict()["spec"] == {"size": 1}

"""load_all_yaml reads manifests as kubectl does: typed models, flattened Lists, kubectl's scalars."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

import rawkube
import rawkube.core._yaml
from rawkube.core._yaml import _go_float32, load_yaml_document
from rawkube.models._yaml import load_all_yaml
from rawkube.models.apps_v1 import Deployment
from rawkube.models.core_v1 import ConfigMap, Secret

CONFIG_MAP = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: default
data:
  mode: fast
"""

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 3
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: nginx
        image: nginx:1.27
        ports:
        - containerPort: 80
"""

WIDGET = """\
apiVersion: gizmos.example.net/v1
kind: Widget
metadata:
  name: gizmo
spec:
  size: 3
  colour: blue
"""


@pytest.fixture(params=["libyaml", "pure"])
def parser(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run a test on libyaml's parser and on PyYAML's own: both must read alike."""
    if request.param == "libyaml" and not yaml.__with_libyaml__:
        pytest.skip("PyYAML is built without libyaml")
    monkeypatch.setattr(rawkube.core._yaml, "_USE_LIBYAML", request.param == "libyaml")
    return str(request.param)


def widget_spec(spec: str) -> dict:
    """The ``spec`` of a custom resource (kept as a dict) whose spec is the YAML ``spec``."""
    (widget,) = load_all_yaml(f"apiVersion: gizmos.example.net/v1\nkind: Widget\nspec:\n{spec}")
    assert isinstance(widget, dict)
    return widget["spec"]


# --- documents, models and Lists ---------------------------------------------------------------


def test_each_document_becomes_its_model_or_a_dict_in_order(parser):
    objects = load_all_yaml(f"{CONFIG_MAP}---\n{DEPLOYMENT}---\n{WIDGET}")

    assert [type(o) for o in objects] == [ConfigMap, Deployment, dict]
    config_map, deployment, widget = objects
    assert config_map.metadata.name == "settings"
    assert config_map.data == {"mode": "fast"}
    assert deployment.spec.replicas == 3
    assert deployment.spec.template.spec.containers[0].image == "nginx:1.27"
    assert deployment.spec.template.spec.containers[0].ports[0].container_port == 80
    assert widget == {
        "apiVersion": "gizmos.example.net/v1",
        "kind": "Widget",
        "metadata": {"name": "gizmo"},
        "spec": {"size": 3, "colour": "blue"},
    }


def test_a_list_is_replaced_by_its_items_where_it_stands():
    text = """\
apiVersion: v1
kind: ConfigMap
metadata: {name: first}
---
apiVersion: v1
kind: List
items:
- {apiVersion: v1, kind: Secret, metadata: {name: second}}
- {apiVersion: gizmos.example.net/v1, kind: Widget, metadata: {name: third}}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: fourth}
"""
    objects = load_all_yaml(text)

    assert [type(o) for o in objects] == [ConfigMap, Secret, dict, ConfigMap]
    names = [o["metadata"]["name"] if isinstance(o, dict) else o.metadata.name for o in objects]
    assert names == ["first", "second", "third", "fourth"]


def test_a_list_without_items_adds_nothing():
    assert (
        load_all_yaml("apiVersion: v1\nkind: List\nitems: []\n---\napiVersion: v1\nkind: List\n")
        == []
    )


def test_a_list_item_is_checked_and_named_like_a_document():
    text = f"{CONFIG_MAP}---\napiVersion: v1\nkind: List\nitems:\n- {{apiVersion: v1, kind: Secret}}\n- {{apiVersion: v1}}\n"
    with pytest.raises(rawkube.DecodeError, match=r"^document 1 items\[1\] has no kind$"):
        load_all_yaml(text)


def test_a_list_whose_items_is_not_a_list_is_refused():
    with pytest.raises(
        rawkube.DecodeError, match=r"^document 0 is a List whose items is an object, not a list$"
    ):
        load_all_yaml("apiVersion: v1\nkind: List\nitems: {a: 1}\n")


def test_empty_documents_are_skipped(parser):
    text = f"---\n---\n# only a comment\n---\nnull\n---\n~\n---\n{CONFIG_MAP}---\n"

    objects = load_all_yaml(text)

    assert len(objects) == 1
    assert isinstance(objects[0], ConfigMap)
    assert objects[0].metadata.name == "settings"


def test_an_empty_stream_holds_no_objects():
    assert load_all_yaml("") == []
    assert load_all_yaml("# nothing here\n") == []


def test_empty_documents_count_in_the_index_an_error_names(parser):
    text = f"{CONFIG_MAP}---\n# empty\n---\napiVersion: v1\nmetadata: {{name: x}}\n"
    with pytest.raises(rawkube.DecodeError, match=r"^document 2 has no kind$"):
        load_all_yaml(text)


def test_a_document_missing_its_kind_is_named_by_its_index():
    text = f"{CONFIG_MAP}---\n{WIDGET}---\napiVersion: v1\nmetadata: {{name: x}}\n"
    with pytest.raises(rawkube.DecodeError, match=r"^document 2 has no kind$"):
        load_all_yaml(text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("kind: ConfigMap\n", r"^document 0 has no apiVersion$"),
        ("metadata: {name: x}\n", r"^document 0 has no apiVersion and no kind$"),
        ("{}\n", r"^document 0 has no apiVersion and no kind$"),
        ("apiVersion: v1\nkind: ''\n", r"^document 0 has no kind$"),
        ("apiVersion: 1\nkind: ConfigMap\n", r"^document 0: apiVersion is a number, not a string$"),
        ("apiVersion: v1\nkind: [ConfigMap]\n", r"^document 0: kind is a list, not a string$"),
    ],
)
def test_a_document_needs_a_string_api_version_and_kind(text, message):
    with pytest.raises(rawkube.DecodeError, match=message):
        load_all_yaml(text)


@pytest.mark.parametrize(
    ("text", "what"),
    [
        ("- apiVersion: v1\n  kind: ConfigMap\n", "a list"),
        ("just some words\n", "a string"),
        ("42\n", "a number"),
        ("yes\n", "a boolean"),
    ],
)
def test_a_document_that_is_not_a_mapping_is_refused(text, what):
    with pytest.raises(rawkube.DecodeError, match=rf"^document 1 is {what}, not an object$"):
        load_all_yaml(f"{CONFIG_MAP}---\n{text}")


def test_an_object_that_does_not_fit_its_model_names_the_field_not_the_value():
    text = f"{CONFIG_MAP}---\napiVersion: v1\nkind: ConfigMap\ndata:\n  port: 8080\n"
    with pytest.raises(rawkube.DecodeError) as caught:
        load_all_yaml(text)

    message = str(caught.value)
    assert message.startswith(
        "document 1 (v1 ConfigMap) does not fit the ConfigMap model: data.port: "
    )
    assert "8080" not in message
    assert caught.value.__cause__ is None


# --- invalid YAML -------------------------------------------------------------------------------


def test_invalid_yaml_names_document_line_and_column_and_hides_the_text(parser):
    text = f"""{CONFIG_MAP}---
---
apiVersion: v1
kind: Secret
stringData:
  password: "hunter2-s3cret
"""
    with pytest.raises(rawkube.DecodeError) as caught:
        load_all_yaml(text)

    message = str(caught.value)
    assert message == (
        "document 2: not valid YAML: found unexpected end of stream (line 14, column 1)"
    )
    assert "hunter2" not in message
    assert caught.value.__cause__ is None
    assert caught.value.__suppress_context__


def test_a_syntax_error_after_a_documents_body_is_named_by_the_document_it_is_in(parser):
    text = f"{CONFIG_MAP}---\napiVersion: v1\nkind: Secret\nstringData:\n  password: hunter2\n token: x\n"
    with pytest.raises(
        rawkube.DecodeError, match=r"^document 1: not valid YAML: .+ \(line 13, column 2\)$"
    ) as caught:
        load_all_yaml(text)
    assert "hunter2" not in str(caught.value)


def test_a_yaml_error_does_not_quote_an_anchor_name(parser):
    text = "apiVersion: v1\nkind: Secret\nstringData:\n  password: *hunter2secret\n"
    with pytest.raises(
        rawkube.DecodeError,
        match=r"^document 0: not valid YAML: found undefined alias \(line 4, column 13\)$",
    ):
        load_all_yaml(text)


def test_a_control_character_is_refused_with_its_place(parser):
    text = f"{CONFIG_MAP}---\napiVersion: v1\nkind: Secret\nstringData:\n  bell: ding\x07\n"
    with pytest.raises(
        rawkube.DecodeError,
        match=(
            r"^document 1: not valid YAML: a control character is not allowed "
            r"\(line 12, column 13\)$"
        ),
    ):
        load_all_yaml(text)


def test_nesting_too_deep_is_refused(parser):
    text = "apiVersion: v1\nkind: ConfigMap\ndata: " + "[" * 5000 + "]" * 5000 + "\n"
    with pytest.raises(
        rawkube.DecodeError,
        match=(
            r"^document 0(: not valid YAML: exceeded maximum nesting depth \(line 3, column \d+\)"
            r"| is nested too deeply)$"
        ),
    ):
        load_all_yaml(text)


# --- scalars as kubectl reads them -------------------------------------------------------------


def test_dates_and_equals_signs_stay_strings_in_a_config_map(parser):
    text = """\
apiVersion: v1
kind: ConfigMap
data:
  day: 2024-01-01
  moment: 2024-01-01T00:00:00Z
  spaced: 2001-12-14 21:59:43.10 -5
  assign: =
"""
    (config_map,) = load_all_yaml(text)

    assert isinstance(config_map, ConfigMap)
    assert config_map.data == {
        "day": "2024-01-01",
        "moment": "2024-01-01T00:00:00Z",
        "spaced": "2001-12-14 21:59:43.10 -5",
        "assign": "=",
    }


def test_dates_and_equals_signs_stay_strings_in_a_custom_resource(parser):
    spec = widget_spec("  since: 2024-01-01\n  tagged: !!timestamp 2024-01-01\n  op: =\n")
    assert spec == {"since": "2024-01-01", "tagged": "2024-01-01", "op": "="}


def test_yaml_11_booleans_are_booleans(parser):
    (config_map,) = load_all_yaml("apiVersion: v1\nkind: ConfigMap\nimmutable: yes\n")
    assert config_map.immutable is True

    spec = widget_spec("  a: yes\n  b: No\n  c: on\n  d: OFF\n  e: y\n  f: n\n  g: 'yes'\n")
    assert spec == {"a": True, "b": False, "c": True, "d": False, "e": "y", "f": "n", "g": "yes"}


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("17", 17),
        ("-17", -17),
        ("017", 15),
        ("0o17", "0o17"),
        ("0x1F", 31),
        ("0b101", 5),
        ("1_000", 1000),
        ("1.5", 1.5),
        ("1.0e+3", 1000.0),
        ("1e3", "1e3"),
        ("1:30", "1:30"),
        ("190:20:30.15", "190:20:30.15"),
        ("'17'", "17"),
        ("~", None),
        ("null", None),
        ("", None),
        ("1.2.3", "1.2.3"),
    ],
)
def test_numbers_are_read_as_safe_loader_reads_them_but_never_base_60(parser, written, read):
    value = widget_spec(f"  value: {written}\n")["value"]
    assert value == read
    assert type(value) is type(read)


def test_binary_is_refused_not_decoded(parser):
    text = "apiVersion: v1\nkind: Secret\ndata:\n  token: !!binary aGVsbG8=\n"
    with pytest.raises(
        rawkube.DecodeError,
        match=(
            r"^document 0: !!binary is not supported: write the base64 text as a plain string "
            r"\(line 4, column 10\)$"
        ),
    ) as caught:
        load_all_yaml(text)
    assert "aGVsbG8" not in str(caught.value)


def test_a_plain_base64_string_is_kept_as_written(parser):
    (secret,) = load_all_yaml("apiVersion: gizmos.example.net/v1\nkind: Token\ndata: aGVsbG8=\n")
    assert secret["data"] == "aGVsbG8="


def test_tags_construct_nothing_and_unknown_ones_are_ignored(parser):
    spec = widget_spec(
        "  local: !mine 12\n"
        "  call: !!python/object/apply:os.system [echo hi]\n"
        "  name: !!python/name:os.system ''\n"
        "  object: !!python/object:builtins.dict {a: 1}\n"
        "  set: !!set {a, b}\n"
        "  omap: !!omap [{a: 1}, {b: 2}]\n"
        "  text: !!str 12\n"
    )
    assert spec == {
        "local": "12",
        "call": ["echo hi"],
        "name": "",
        "object": {"a": 1},
        "set": {"a": None, "b": None},
        "omap": [{"a": 1}, {"b": 2}],
        "text": "12",
    }


def test_a_value_that_does_not_fit_its_explicit_tag_is_refused(parser):
    with pytest.raises(
        rawkube.DecodeError,
        match=r"^document 0: the value does not fit its tag !!int \(line 4, column 10\)$",
    ):
        widget_spec("  count: !!int many\n")


def test_keys_that_are_numbers_or_booleans_become_strings(parser):
    spec = widget_spec("  80: http\n  on: yes\n  0.5: half\n  1000000.0: big\n  -1.5: neg\n")
    assert spec == {"80": "http", "true": True, "0.5": "half", "1e+06": "big", "-1.5": "neg"}

    (config_map,) = load_all_yaml("apiVersion: v1\nkind: ConfigMap\ndata:\n  8080: web\n")
    assert config_map.data == {"8080": "web"}


@pytest.mark.parametrize(
    ("value", "written"),
    [
        (0.5, "0.5"),
        (0.1, "0.1"),
        (-2.25, "-2.25"),
        (3.14159265358979, "3.1415927"),
        (123456.0, "123456"),
        (1e6, "1e+06"),
        (16777217.0, "1.6777216e+07"),
        (0.0001, "0.0001"),
        (0.00001, "1e-05"),
        (0.0, "0"),
        (-0.0, "-0"),
        (1e39, ".inf"),
        (-1e39, "-.inf"),
        (float("nan"), ".nan"),
    ],
)
def test_a_float_key_is_written_as_go_writes_a_float32(value, written):
    assert _go_float32(value) == written


def test_a_null_key_is_refused(parser):
    with pytest.raises(
        rawkube.DecodeError,
        match=(
            r"^document 0: a mapping key must be a string, number or boolean "
            r"\(line 4, column 3\)$"
        ),
    ):
        widget_spec("  ~: nothing\n")


@pytest.mark.parametrize("written", [".nan", ".inf", "-.Inf"])
def test_a_value_json_cannot_hold_is_refused(parser, written):
    with pytest.raises(
        rawkube.DecodeError,
        match=r"^document 0: \.nan and \.inf cannot be sent as JSON \(line 4, column 10\)$",
    ):
        widget_spec(f"  ratio: {written}\n")


# --- anchors and aliases ----------------------------------------------------------------------


def test_aliases_and_merge_keys_give_copies_not_shared_objects(parser):
    spec = widget_spec(
        "  base: &base {limits: {cpu: 1}, tags: [a, b]}\n"
        "  again: *base\n"
        "  merged: {<<: *base, extra: true}\n"
    )
    assert spec["again"] == {"limits": {"cpu": 1}, "tags": ["a", "b"]}
    assert spec["merged"] == {"limits": {"cpu": 1}, "tags": ["a", "b"], "extra": True}
    assert spec["again"] is not spec["base"]
    assert spec["again"]["limits"] is not spec["base"]["limits"]
    assert spec["merged"]["tags"] is not spec["base"]["tags"]


def test_an_anchor_right_after_a_json_style_key_is_still_copied(parser):
    (widget,) = load_all_yaml(
        '{"apiVersion": "gizmos.example.net/v1", "kind": "Widget", "spec": {"a":&x [1], "b": *x}}'
    )
    assert widget["spec"] == {"a": [1], "b": [1]}
    assert widget["spec"]["a"] is not widget["spec"]["b"]


def test_an_alias_inside_its_own_anchor_is_refused(parser):
    with pytest.raises(
        rawkube.DecodeError, match=r"^document 0 has an alias that contains itself$"
    ):
        widget_spec("  loop: &loop [1, *loop]\n")


def test_an_alias_bomb_is_refused(parser):
    with pytest.raises(rawkube.DecodeError, match=r"^document 0 contains excessive aliasing$"):
        widget_spec(alias_bomb())


def alias_bomb(indent: str = "  ") -> str:
    """A billion laughs: nine levels of nine aliases, 9**9 strings once expanded, in ~800 bytes."""
    levels = [f"{indent}a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for previous, name in zip("abcdefgh", "bcdefghi", strict=True):
        levels.append(f"{indent}{name}: &{name} [{', '.join([f'*{previous}'] * 9)}]")
    return "\n".join(levels) + "\n"


# --- one document (a kubeconfig): the same reading and limits ------------------------------------


def test_one_document_is_read_as_kubectl_reads_yaml(parser):
    assert load_yaml_document("when: 2024-01-01\nport: 0x1F\nratio: 1:30\non: yes\n") == {
        "when": "2024-01-01",
        "port": 31,
        "ratio": "1:30",
        "true": True,
    }
    assert load_yaml_document("") is None
    assert load_yaml_document("# only a comment\n---\n") is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: 1\n---\nb: 2\n", r"^holds more than one YAML document$"),
        ("a: [\n", r"^not valid YAML: .+ \(line 2, column 1\)$"),
        ("a: &a [1, *a]\n", r"^has an alias that contains itself$"),
        ("spec:\n" + alias_bomb(), r"^contains excessive aliasing$"),
        ("a: " + "[" * 5000 + "]" * 5000, r"(exceeded maximum nesting depth|nested too deeply)"),
        ("a: !!binary aGk=\n", r"^!!binary is not supported"),
    ],
    ids=["two documents", "syntax", "recursive alias", "alias bomb", "deep", "binary"],
)
def test_one_document_refusals_never_quote_it(parser, text, message):
    with pytest.raises(rawkube.DecodeError, match=message):
        load_yaml_document(text)


def test_one_document_has_a_size_limit_that_may_be_lowered():
    assert load_yaml_document("a: 1\n", limit=5) == {"a": 1}
    with pytest.raises(rawkube.DecodeError, match=r"^larger than the limit of 5 bytes$"):
        load_yaml_document("a: 12\n", limit=5)


def test_no_stream_is_larger_than_the_limit(tmp_path, monkeypatch):
    assert rawkube.core._yaml.MAX_YAML_BYTES == 64 * 1024 * 1024
    monkeypatch.setattr(rawkube.core._yaml, "MAX_YAML_BYTES", len(CONFIG_MAP))
    assert len(load_all_yaml(CONFIG_MAP)) == 1
    big = CONFIG_MAP + "# one byte too many\n"
    path = tmp_path / "big.yaml"
    path.write_text(big, encoding="utf-8")
    for source in (big, big.encode(), io.StringIO(big), io.BytesIO(big.encode())):
        with pytest.raises(rawkube.DecodeError, match=r"^larger than the limit of "):
            load_all_yaml(source)
    with pytest.raises(rawkube.DecodeError, match=rf"^{path}: larger than the limit of "):
        load_all_yaml(path)


def test_an_endless_device_is_read_only_up_to_the_limit(monkeypatch):
    monkeypatch.setattr(rawkube.core._yaml, "MAX_YAML_BYTES", 4096)
    with pytest.raises(rawkube.DecodeError, match=r"^/dev/zero: larger than the limit of "):
        load_all_yaml(Path("/dev/zero"))


@pytest.mark.parametrize(
    "source",
    [
        "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData: {a: !!int Zq9-secret}\n",
        "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData: {a: Zq9-secret\n",
        "apiVersion: v1\nkind: Secret\nmetadata: {name: [Zq9-secret]}\n",
        b"apiVersion: v1\nkind: Secret\nstringData: {a: Zq9-secret}\n\xff",
    ],
    ids=["bad tag", "bad YAML", "does not fit its model", "not UTF-8"],
)
def test_no_error_in_the_chain_quotes_the_document(parser, source):
    with pytest.raises(rawkube.DecodeError) as caught:
        load_all_yaml(source)
    assert caught.value.__context__ is None
    assert caught.value.__cause__ is None
    assert "Zq9-secret" not in str(caught.value)


# --- sources ------------------------------------------------------------------------------------


def test_reads_a_path_bytes_and_open_files_alike(tmp_path):
    text = f"{CONFIG_MAP}---\n{WIDGET}"
    path = tmp_path / "manifests.yaml"
    path.write_text(text, encoding="utf-8")
    expected = load_all_yaml(text)

    assert load_all_yaml(path) == expected
    assert load_all_yaml(text.encode()) == expected
    with path.open(encoding="utf-8") as file:
        assert load_all_yaml(file) == expected
    with path.open("rb") as file:
        assert load_all_yaml(file) == expected
    assert load_all_yaml(io.StringIO(text)) == expected
    assert [type(o) for o in expected] == [ConfigMap, dict]


def test_an_error_from_a_path_names_the_file(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("apiVersion: v1\n", encoding="utf-8")
    with pytest.raises(rawkube.DecodeError) as caught:
        load_all_yaml(path)
    assert str(caught.value) == f"{path}: document 0 has no kind"


def test_a_str_is_yaml_text_never_a_path(tmp_path):
    path = tmp_path / "manifests.yaml"
    path.write_text(CONFIG_MAP, encoding="utf-8")
    with pytest.raises(rawkube.DecodeError, match=r"^document 0 is a string, not an object$"):
        load_all_yaml(str(path))


def test_a_missing_path_raises_the_os_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_all_yaml(tmp_path / "absent.yaml")


def test_a_utf8_byte_order_mark_is_accepted(parser):
    (config_map,) = load_all_yaml(b"\xef\xbb\xbf" + CONFIG_MAP.encode())
    assert config_map.metadata.name == "settings"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"kind: \xff\n", r"^not valid UTF-8 at byte 6$"),
        (CONFIG_MAP.encode("utf-16"), r"^not valid UTF-8 at byte 0 \(it looks like UTF-16\)$"),
    ],
)
def test_bytes_must_be_utf8(data, message):
    with pytest.raises(rawkube.DecodeError, match=message):
        load_all_yaml(data)


def test_other_sources_are_a_type_error():
    with pytest.raises(TypeError, match="not int"):
        load_all_yaml(42)  # type: ignore[arg-type]


def test_importing_the_module_does_not_import_yaml():
    code = "import sys, rawkube.core._yaml; print('yaml' in sys.modules)"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=Path.cwd()
    )
    assert done.stdout.strip() == "False"

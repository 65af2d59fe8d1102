"""The fake's OpenAPI documents: what kubectl reads from v2 and v3, complete and self-contained."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from rawkube.testing import _facts
from rawkube.testing._openapi import (
    OPENAPI_V2_PROTOBUF,
    CustomResourceSchema,
    content_hash,
    group_version_path,
    openapi_v2,
    openapi_v2_protobuf,
    openapi_v3_document,
    openapi_v3_index,
)

SMP = "application/strategic-merge-patch+json"
WIDGET_SCHEMA = {
    "type": "object",
    "properties": {
        "spec": {
            "type": "object",
            "properties": {
                "size": {"type": "integer"},
                "mode": {"type": "string", "enum": ["a", "b"]},
                "extra": {
                    "x-kubernetes-int-or-string": True,
                    "anyOf": [{"type": "integer"}, {"type": "string"}],
                },
            },
        },
        "status": {"type": "object", "nullable": True},
    },
}
WIDGET = CustomResourceSchema("example.com", "v1", "Widget", "widgets", True, WIDGET_SCHEMA)
GADGET = CustomResourceSchema("tools.example.com", "v1alpha1", "Gadget", "gadgets", False, None)


def served_resources() -> Iterator[tuple[str, str, dict[str, Any]]]:
    for api_version, info in _facts.served().items():
        for plural, spec in info["resources"].items():
            yield api_version, plural, spec


def resource_paths(api_version: str, plural: str, namespaced: bool) -> tuple[str, str]:
    prefix = "/api/v1" if api_version == "v1" else f"/apis/{api_version}"
    base = f"{prefix}/namespaces/{{namespace}}/{plural}" if namespaced else f"{prefix}/{plural}"
    return base, base + "/{name}"


def operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method, op in item.items():
            if method != "parameters":
                yield path, method, op


def refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from refs(value)


def schema_nodes(node: Any) -> Iterator[dict[str, Any]]:
    """Every schema in a schema, not mistaking property names (JSONSchemaProps has "oneOf")."""
    if not isinstance(node, dict):
        return
    yield node
    for key in ("properties", "patternProperties"):
        for child in (node.get(key) or {}).values():
            yield from schema_nodes(child)
    for key in ("items", "additionalProperties", "not"):
        yield from schema_nodes(node.get(key))
    for key in ("allOf", "anyOf", "oneOf"):
        for child in node.get(key) or []:
            yield from schema_nodes(child)


def unresolved(document: dict[str, Any], prefix: str, names: set[str]) -> set[str]:
    return {
        ref
        for ref in refs(document)
        if not (ref.startswith(prefix) and ref[len(prefix) :] in names)
    }


def v3_documents(
    extra: tuple[CustomResourceSchema, ...] = (),
) -> Iterator[tuple[str, dict[str, Any]]]:
    for path in openapi_v3_index(extra=extra)["paths"]:
        document = openapi_v3_document(path, extra)
        assert document is not None, path
        yield path, document


# --------------------------------------------------------------------------- v2


def test_v2_is_swagger_with_every_served_resource():
    document = openapi_v2()
    assert document["swagger"] == "2.0"
    assert document["info"]["title"] == "Kubernetes"
    for api_version, plural, spec in served_resources():
        collection, item = resource_paths(api_version, plural, spec["namespaced"])
        assert collection in document["paths"] or item in document["paths"], (api_version, plural)


def test_v2_operations_carry_what_kubectl_looks_up():
    document = openapi_v2()
    pod = document["paths"]["/api/v1/namespaces/{namespace}/pods/{name}"]
    assert pod["patch"]["x-kubernetes-action"] == "patch"
    assert pod["patch"]["x-kubernetes-group-version-kind"] == {
        "group": "",
        "kind": "Pod",
        "version": "v1",
    }
    assert SMP in pod["patch"]["consumes"]
    assert pod["get"]["operationId"] == "readCoreV1NamespacedPod"
    scale = document["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale"]
    assert scale["put"]["x-kubernetes-group-version-kind"] == {
        "group": "autoscaling",
        "kind": "Scale",
        "version": "v1",
    }
    listing = document["paths"]["/apis/apps/v1/deployments"]["get"]
    assert listing["operationId"] == "listAppsV1DeploymentForAllNamespaces"
    assert listing["responses"]["200"]["schema"] == {
        "$ref": "#/definitions/io.k8s.api.apps.v1.DeploymentList"
    }
    for path, method, op in operations(document):
        if path.startswith(("/api/v1/", "/apis/")) and not path.endswith("/"):
            assert op["x-kubernetes-action"] in {
                "get", "list", "watch", "watchlist", "post", "put", "patch", "delete",
                "deletecollection", "connect",
            }, (path, method)  # fmt: skip
            assert set(op["x-kubernetes-group-version-kind"]) == {"group", "kind", "version"}


def test_v2_definitions_resolve_and_speak_swagger():
    document = openapi_v2()
    definitions = document["definitions"]
    assert not unresolved(document, "#/definitions/", set(definitions))
    assert definitions["io.k8s.apimachinery.pkg.util.intstr.IntOrString"] == {
        "format": "int-or-string",
        "type": "string",
    }
    assert definitions["io.k8s.apimachinery.pkg.api.resource.Quantity"] == {"type": "string"}
    assert not [
        name
        for name, schema in definitions.items()
        for node in schema_nodes(schema)
        if {"oneOf", "anyOf", "allOf", "nullable"} & set(node)
    ]
    pod = definitions["io.k8s.api.core.v1.Pod"]
    assert pod["x-kubernetes-group-version-kind"] == [{"group": "", "kind": "Pod", "version": "v1"}]
    containers = definitions["io.k8s.api.core.v1.PodSpec"]["properties"]["containers"]
    assert containers["x-kubernetes-patch-merge-key"] == "name"
    assert containers["items"] == {"$ref": "#/definitions/io.k8s.api.core.v1.Container"}


def test_v2_has_only_definitions_it_uses_and_no_prose():
    document = openapi_v2()
    names = set(document["definitions"])
    assert not any(".v1beta" in name or ".v1alpha" in name for name in names)
    assert "io.k8s.api.core.v1.Pod" in names
    prose = [
        name
        for name, schema in document["definitions"].items()
        for node in schema_nodes(schema)
        if isinstance(node.get("description"), str)
    ]
    assert not prose
    assert (
        "description"
        in document["definitions"][
            "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaProps"
        ]["properties"]
    )  # a property called "description" is a fact, and stays


def test_v2_with_a_crd_adds_it_and_leaves_the_builtin_part_alone():
    before = json.dumps(openapi_v2(), sort_keys=True)
    document = openapi_v2([WIDGET, GADGET])
    assert json.dumps(openapi_v2(), sort_keys=True) == before
    widget = document["definitions"]["com.example.v1.Widget"]
    assert widget["properties"]["metadata"] == {
        "$ref": "#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"
    }
    assert widget["x-kubernetes-group-version-kind"] == [
        {"group": "example.com", "kind": "Widget", "version": "v1"}
    ]
    extra = widget["properties"]["spec"]["properties"]["extra"]
    assert "anyOf" not in extra  # Swagger 2.0 has no anyOf
    assert "nullable" not in widget["properties"]["status"]
    patch = document["paths"]["/apis/example.com/v1/namespaces/{namespace}/widgets/{name}"]["patch"]
    assert SMP not in patch["consumes"]
    assert "/apis/tools.example.com/v1alpha1/gadgets/{name}" in document["paths"]
    assert not unresolved(document, "#/definitions/", set(document["definitions"]))


def test_v2_protobuf_is_a_minimal_document_for_kubectl():
    assert OPENAPI_V2_PROTOBUF == "application/com.github.proto-openapi.spec.v2@v1.0+protobuf"
    # protobuf field 1 (swagger), wire type 2 (length-delimited), length 3, "2.0"
    assert openapi_v2_protobuf() == b"\x0a\x03" + b"2.0"


# --------------------------------------------------------------------------- v3 index


def test_v3_index_lists_every_served_group_version_with_a_content_hash():
    index = openapi_v3_index()
    expected = {group_version_path(api_version) for api_version in _facts.served()}
    assert set(index["paths"]) == expected
    assert "api/v1" in index["paths"]
    assert "apis/apps/v1" in index["paths"]
    for path, entry in index["paths"].items():
        url = entry["serverRelativeURL"]
        match = re.fullmatch(r"/openapi/v3/(.+)\?hash=([0-9A-F]{128})", url)
        assert match, url
        assert match.group(1) == path
        document = openapi_v3_document(path)
        assert document is not None
        assert match.group(2) == content_hash(document)
    assert openapi_v3_index() == index  # stable


def test_v3_index_with_crds():
    index = openapi_v3_index(extra=[WIDGET, GADGET])
    assert "apis/example.com/v1" in index["paths"]
    assert "apis/tools.example.com/v1alpha1" in index["paths"]
    changed = CustomResourceSchema(
        "example.com", "v1", "Widget", "widgets", True, {"type": "object"}
    )
    other = openapi_v3_index(extra=[changed])
    assert other["paths"]["apis/example.com/v1"] != index["paths"]["apis/example.com/v1"]
    assert other["paths"]["api/v1"] == index["paths"]["api/v1"]
    by_name = openapi_v3_index(["example.com/v1", "apis/other.io/v2"])
    assert "apis/example.com/v1" in by_name["paths"]
    assert "apis/other.io/v2" in by_name["paths"]


# --------------------------------------------------------------------------- v3 documents


def test_v3_document_shape():
    document = openapi_v3_document("api/v1")
    assert document is not None
    assert document["openapi"] == "3.0.0"
    assert set(document["components"]) >= {"schemas"}
    assert "/api/v1/namespaces/{namespace}/pods" in document["paths"]
    assert not any(path.startswith("/apis/") for path in document["paths"])
    assert openapi_v3_document("/openapi/v3/apis/apps/v1?hash=ABC") == openapi_v3_document(
        "apis/apps/v1"
    )
    assert openapi_v3_document("apis/nothing.example.com/v1") is None
    assert openapi_v3_document("apis/apps/v1beta1") is None


def test_every_served_resource_is_in_its_group_versions_v3_document():
    for api_version, plural, spec in served_resources():
        document = openapi_v3_document(group_version_path(api_version))
        assert document is not None, api_version
        collection, item = resource_paths(api_version, plural, spec["namespaced"])
        assert collection in document["paths"] or item in document["paths"], (api_version, plural)


def test_v3_refs_resolve_inside_each_document():
    for path, document in v3_documents((WIDGET, GADGET)):
        schemas = set(document["components"]["schemas"])
        assert not unresolved(document, "#/components/schemas/", schemas), path


def test_v3_pod_schema_has_the_patch_metadata_kubectl_apply_uses():
    schemas = openapi_v3_document("api/v1")["components"]["schemas"]
    containers = schemas["io.k8s.api.core.v1.PodSpec"]["properties"]["containers"]
    assert containers["x-kubernetes-patch-merge-key"] == "name"
    assert containers["x-kubernetes-patch-strategy"] == "merge"
    assert containers["items"] == {"$ref": "#/components/schemas/io.k8s.api.core.v1.Container"}
    assert schemas["io.k8s.api.core.v1.Pod"]["x-kubernetes-group-version-kind"] == [
        {"group": "", "kind": "Pod", "version": "v1"}
    ]
    # A $ref with siblings is wrapped in allOf (OpenAPI 3.0 ignores a $ref's siblings).
    strategy = openapi_v3_document("apis/apps/v1")["components"]["schemas"][
        "io.k8s.api.apps.v1.DeploymentSpec"
    ]["properties"]["strategy"]
    assert strategy == {
        "allOf": [{"$ref": "#/components/schemas/io.k8s.api.apps.v1.DeploymentStrategy"}],
        "x-kubernetes-patch-strategy": "retainKeys",
    }
    assert schemas["io.k8s.apimachinery.pkg.util.intstr.IntOrString"]["oneOf"]


def kubectl_patch_op(document: dict[str, Any], gvk: dict[str, str]) -> dict[str, Any] | None:
    """What kubectl's QueryParamVerifierV3 and apply's gvkSupportsPatchOpenAPIV3 look for."""
    for _, method, op in operations(document):
        if method == "patch" and op.get("x-kubernetes-group-version-kind") == gvk:
            return op
    return None


def test_v3_patch_operations_tell_kubectl_about_field_validation_and_smp():
    for api_version, plural, spec in served_resources():
        if "patch" not in spec["verbs"] or "group" in spec["kind"]:
            continue
        info = _facts.served()[api_version]
        gvk = {"group": info["group"], "version": info["version"], "kind": spec["kind"]["kind"]}
        document = openapi_v3_document(group_version_path(api_version))
        op = kubectl_patch_op(document, gvk)
        assert op is not None, (api_version, plural)
        assert any(p["name"] == "fieldValidation" and p["in"] == "query" for p in op["parameters"])
        assert SMP in op["requestBody"]["content"]
        # apply finds the kind's schema by its x-kubernetes-group-version-kind: exactly one.
        matching = [
            name
            for name, schema in document["components"]["schemas"].items()
            if gvk in schema.get("x-kubernetes-group-version-kind", [])
        ]
        assert len(matching) == 1, (gvk, matching)


def test_v3_crd_document():
    document = openapi_v3_document("apis/example.com/v1", [WIDGET, GADGET])
    assert document is not None
    schemas = document["components"]["schemas"]
    widget = schemas["com.example.v1.Widget"]
    assert widget["properties"]["metadata"] == {
        "$ref": "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"
    }
    assert widget["properties"]["spec"]["properties"]["extra"]["anyOf"]
    assert widget["properties"]["status"]["nullable"] is True
    assert schemas["com.example.v1.WidgetList"]["properties"]["items"]["items"] == {
        "$ref": "#/components/schemas/com.example.v1.Widget"
    }
    assert "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta" in schemas
    assert "com.example.tools.v1alpha1.Gadget" not in schemas  # another group-version
    op = kubectl_patch_op(document, {"group": "example.com", "version": "v1", "kind": "Widget"})
    assert op is not None
    assert SMP not in op["requestBody"]["content"]  # kubectl falls back to a JSON merge patch
    assert any(p["name"] == "fieldValidation" for p in op["parameters"])
    assert "/apis/example.com/v1/namespaces/{namespace}/widgets" in document["paths"]
    assert "/apis/example.com/v1/widgets" in document["paths"]  # across namespaces
    assert (
        WIDGET_SCHEMA["properties"]["spec"]["properties"].get("apiVersion") is None
    )  # not mutated


def test_v3_cluster_scoped_crd_without_a_schema():
    document = openapi_v3_document("apis/tools.example.com/v1alpha1", [WIDGET, GADGET])
    assert document is not None
    gadget = document["components"]["schemas"]["com.example.tools.v1alpha1.Gadget"]
    assert gadget["x-kubernetes-preserve-unknown-fields"] is True
    assert "/apis/tools.example.com/v1alpha1/gadgets/{name}" in document["paths"]
    assert not any("{namespace}" in path for path in document["paths"])


def test_documents_are_cached_and_not_shared_mutably_by_crds():
    first = openapi_v3_document("api/v1")
    assert openapi_v3_document("api/v1")["paths"] is first["paths"]  # built once
    schemas = json.dumps(first["components"]["schemas"], sort_keys=True)
    openapi_v3_document("api/v1", [CustomResourceSchema("", "v1", "Odd", "odds", True, None)])
    assert (
        json.dumps(openapi_v3_document("api/v1")["components"]["schemas"], sort_keys=True)
        == schemas
    )


def test_crd_definition_names():
    assert WIDGET.definition == "com.example.v1.Widget"
    assert WIDGET.list_definition == "com.example.v1.WidgetList"
    assert GADGET.definition == "com.example.tools.v1alpha1.Gadget"
    assert WIDGET.api_version == "example.com/v1"
    assert hash(WIDGET) == hash(
        CustomResourceSchema("example.com", "v1", "Widget", "widgets", True)
    )


@pytest.mark.parametrize(
    ("api_version", "path"),
    [("v1", "api/v1"), ("apps/v1", "apis/apps/v1"), ("apis/x.io/v2", "apis/x.io/v2")],
)
def test_group_version_path(api_version: str, path: str):
    assert group_version_path(api_version) == path


def test_content_hash_is_uppercase_sha512_of_canonical_json():
    assert content_hash({"b": 1, "a": [1, 2]}) == content_hash({"a": [1, 2], "b": 1})
    assert re.fullmatch(r"[0-9A-F]{128}", content_hash({}))

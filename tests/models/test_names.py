"""Naming rules: JSON property -> attribute, group/version -> module, definition -> class."""

from __future__ import annotations

import json
import keyword
from pathlib import Path

import pytest
from pydantic import BaseModel

from rawkube.models._names import OVERRIDES, attribute_name, class_name, module_name

# The committed facts (scripts/update_schemas.py keeps every property name of the spec).
SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"


def assert_usable_attribute(name: str) -> None:
    assert name.isidentifier(), name
    assert not keyword.iskeyword(name), name
    assert not name.startswith("_"), name
    assert not hasattr(BaseModel, name), name


@pytest.mark.parametrize(
    ("json_name", "expected"),
    [
        ("apiVersion", "api_version"),
        ("podIPs", "pod_ips"),
        ("podIP", "pod_ip"),
        ("hostIPs", "host_ips"),
        ("openAPIV3Schema", "open_api_v3_schema"),
        ("clusterIPs", "cluster_ips"),
        ("externalIPs", "external_ips"),
        ("targetCPUUtilizationPercentage", "target_cpu_utilization_percentage"),
        ("nodeName", "node_name"),
        ("uid", "uid"),
        ("dnsPolicy", "dns_policy"),
        ("hostPID", "host_pid"),
        ("fsGroup", "fs_group"),
        ("serverAddressByClientCIDRs", "server_address_by_client_cidrs"),
        ("x-kubernetes-preserve-unknown-fields", "x_kubernetes_preserve_unknown_fields"),
        ("x-kubernetes-embedded-resource", "x_kubernetes_embedded_resource"),
        ("$ref", "ref"),
        ("$schema", "schema_"),
        ("continue", "continue_"),
        ("from", "from_"),
        ("except", "except_"),
        ("not", "not_"),
        ("schema", "schema_"),
        ("limitRanges", "limit_ranges"),
        ("ipv4", "ipv4"),
        ("IPv6", "ipv6"),
        ("storageClassName", "storage_class_name"),
        ("readOnlyRootFilesystem", "read_only_root_filesystem"),
        ("terminationGracePeriodSeconds", "termination_grace_period_seconds"),
        ("deprecatedCount", "deprecated_count"),
        ("WWIDs", "wwids"),
        ("tlsServerName", "tls_server_name"),
        ("URL", "url"),
        ("caBundle", "ca_bundle"),
        ("nonResourceURLs", "non_resource_urls"),
        ("resourceVersion", "resource_version"),
        # Digits stick to the word before them; a capital after digits starts a word.
        ("fieldsV1", "fields_v1"),
        ("stubPKCS10Request", "stub_pkcs10_request"),
        # A lowercase letter after an acronym that is not a closing plural "s" starts a word.
        ("URLsafe", "ur_lsafe"),
    ],
)
def test_attribute_name(json_name: str, expected: str) -> None:
    assert attribute_name(json_name) == expected


@pytest.mark.parametrize(
    ("json_name", "expected"),
    [
        # pydantic's model_ namespace: a trailing "_" keeps clear of its methods.
        ("modelName", "model_name_"),
        ("model_config", "model_config_"),
        ("model", "model"),
        # Public BaseModel methods a field would shadow.
        ("json", "json_"),
        ("copy", "copy_"),
        ("dict", "dict_"),
        ("construct", "construct_"),
        ("validate", "validate_"),
        ("fields", "fields_"),
        # Soft keywords are fine after a dot and as annotated names in a class body.
        ("type", "type"),
        ("match", "match"),
        # Leading underscores would make a pydantic private attribute; leading digits no name.
        ("_internal", "internal"),
        ("__x", "x"),
        ("3dModel", "field_3d_model"),
        ("", "field_"),
        ("$", "field_"),
        ("caf\u00e9Name", "caf_name"),
        ("a.b/c", "a_b_c"),
    ],
)
def test_attribute_name_is_always_usable(json_name: str, expected: str) -> None:
    name = attribute_name(json_name)
    assert name == expected
    assert_usable_attribute(name)


def test_basemodel_attributes_are_all_renamed() -> None:
    # Catches a pydantic release that adds a public method a Kubernetes field could shadow.
    public = [n for n in dir(BaseModel) if not n.startswith("_")]
    assert public
    for name in public:
        assert attribute_name(name) != name, name


@pytest.mark.parametrize(("json_name", "attribute"), sorted(OVERRIDES.items()))
def test_overrides_are_usable_and_win(json_name: str, attribute: str) -> None:
    assert_usable_attribute(attribute)
    assert attribute_name(json_name) == attribute


def spec_schemas() -> list[tuple[str, str, list[str]]]:
    """Every (file, definition, property names) in the committed API facts under schemas/."""
    found = []
    for name in ("definitions.json", "meta_extra.json"):
        document = json.loads((SCHEMAS / name).read_bytes())
        definitions = document.get("definitions", document)
        for schema_name, schema in definitions.items():
            properties = schema.get("properties") or {}
            found.append((name, schema_name, list(properties)))
    return found


def test_every_real_property_gets_a_usable_distinct_attribute() -> None:
    schemas = spec_schemas()
    assert sum(len(props) for _, _, props in schemas) > 1000  # the facts really were read
    problems = []
    for file_name, schema_name, properties in schemas:
        seen: dict[str, str] = {}
        for json_name in properties:
            name = attribute_name(json_name)
            if (
                not name.isidentifier()
                or keyword.iskeyword(name)
                or name.startswith(("model_", "_"))
            ):
                problems.append(f"{file_name} {schema_name}.{json_name} -> {name!r}")
            if name in seen:
                problems.append(
                    f"{file_name} {schema_name}: {seen[name]!r} and {json_name!r} -> {name!r}"
                )
            seen[name] = json_name
    assert problems == []


def test_every_real_group_version_gets_a_distinct_module() -> None:
    resources = json.loads((SCHEMAS / "resources.json").read_bytes())
    group_versions = {(entry["group"], entry["version"]) for entry in resources.values()}
    assert len(group_versions) > 20
    modules = {module_name(g, v) for g, v in group_versions}
    assert len(modules) == len(group_versions)
    assert all(m.isidentifier() and not keyword.iskeyword(m) for m in modules)


@pytest.mark.parametrize(
    ("group", "version", "expected"),
    [
        ("", "v1", "core_v1"),
        ("apps", "v1", "apps_v1"),
        ("rbac.authorization.k8s.io", "v1", "rbac_v1"),
        ("admissionregistration.k8s.io", "v1", "admissionregistration_v1"),
        ("apiextensions.k8s.io", "v1", "apiextensions_v1"),
        ("apiregistration.k8s.io", "v1", "apiregistration_v1"),
        ("flowcontrol.apiserver.k8s.io", "v1", "flowcontrol_v1"),
        ("internal.apiserver.k8s.io", "v1alpha1", "internal_apiserver_v1alpha1"),
        ("networking.k8s.io", "v1", "networking_v1"),
        ("storagemigration.k8s.io", "v1beta1", "storagemigration_v1beta1"),
        ("meta", "v1", "meta_v1"),
        ("meta.k8s.io", "v1", "meta_v1"),
        ("autoscaling", "v2", "autoscaling_v2"),
        ("cert-manager.io", "v1", "cert_manager_io_v1"),
        ("cluster.x-k8s.io", "v1beta1", "cluster_x_k8s_io_v1beta1"),
        ("3scale.net", "v1", "group_3scale_net_v1"),
    ],
)
def test_module_name(group: str, version: str, expected: str) -> None:
    assert module_name(group, version) == expected


def test_module_name_refuses_an_empty_version() -> None:
    with pytest.raises(ValueError, match="version"):
        module_name("apps", "")


@pytest.mark.parametrize(
    ("definition_name", "expected"),
    [
        ("io.k8s.api.core.v1.Pod", "Pod"),
        ("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta", "ObjectMeta"),
        ("io.k8s.apimachinery.pkg.util.intstr.IntOrString", "IntOrString"),
        ("io.cert-manager.v1.Certificate", "Certificate"),
        ("Pod", "Pod"),
        ("io.example.v1.My-Kind", "My_Kind"),
        ("io.example.v1.None", "None_"),
        ("io.example.v1.3D", "_3D"),
    ],
)
def test_class_name(definition_name: str, expected: str) -> None:
    assert class_name(definition_name) == expected


def test_class_name_refuses_a_trailing_dot() -> None:
    with pytest.raises(ValueError, match="no last part"):
        class_name("io.k8s.api.core.v1.")

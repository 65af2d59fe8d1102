"""Five published CRDs: generated, imported, built, dumped, read back, and sent through the fake."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from typing import Any

import pytest

from rawkube.codegen import generate_models, read_crds
from rawkube.testing import FakeCluster
from tests.codegen.conftest import CRDS
from tests.codegen.test_layout import ROOT


@dataclass
class Case:
    fixture: str
    module: str
    kind: str
    body: dict[str, Any]
    reads: dict[str, Any]  # attribute path (dots, [0]) -> the value it reads as


CASES = [
    Case(
        "certificate.yaml",
        "cert_manager_io_v1",
        "Certificate",
        {
            "metadata": {"name": "web"},
            "spec": {
                "secretName": "web-tls",
                "issuerRef": {"name": "letsencrypt", "kind": "ClusterIssuer"},
                "dnsNames": ["example.com", "www.example.com"],
                "usages": ["digital signature", "server auth"],
                "additionalOutputFormats": [{"type": "CombinedPEM"}],
                "isCA": False,
                "keystores": {
                    "pkcs12": {
                        "create": True,
                        "passwordSecretRef": {"name": "p12", "key": "password"},
                        "profile": "Modern2023",
                    }
                },
            },
        },
        {
            "spec.secret_name": "web-tls",
            "spec.issuer_ref.kind": "ClusterIssuer",
            "spec.is_ca": False,
            "spec.additional_output_formats[0].type": "CombinedPEM",
            "spec.keystores.pkcs12.password_secret_ref.key": "password",
        },
    ),
    Case(
        "servicemonitor.yaml",
        "monitoring_coreos_com_v1",
        "ServiceMonitor",
        {
            "metadata": {"name": "web", "labels": {"release": "prometheus"}},
            "spec": {
                "selector": {
                    "matchLabels": {"app": "web"},
                    "matchExpressions": [{"key": "tier", "operator": "In", "values": ["a"]}],
                },
                "endpoints": [
                    {
                        "interval": "30s",
                        "honorLabels": True,
                        "metricRelabelings": [{"action": "drop", "regex": "go_.*"}],
                        "bearerTokenSecret": {"name": "token", "key": "t"},
                    }
                ],
                "nativeHistogramMinBucketFactor": 2,
                "namespaceSelector": {"any": True},
            },
        },
        {
            "spec.selector.match_labels": {"app": "web"},
            "spec.selector.match_expressions[0].operator": "In",
            "spec.endpoints[0].honor_labels": True,
            "spec.endpoints[0].metric_relabelings[0].action": "drop",
            "spec.endpoints[0].bearer_token_secret.key": "t",
            "spec.native_histogram_min_bucket_factor": 2,
            "spec.namespace_selector.any": True,
        },
    ),
    Case(
        "httproute.yaml",
        "gateway_v1beta1",
        "HTTPRoute",
        {
            "metadata": {"name": "web"},
            "spec": {
                "hostnames": ["example.com"],
                "parentRefs": [{"name": "gateway", "sectionName": "https"}],
                "rules": [
                    {
                        "matches": [{"path": {"type": "PathPrefix", "value": "/api"}}],
                        "backendRefs": [{"name": "api", "port": 8080, "weight": 3}],
                    }
                ],
            },
        },
        {
            "spec.parent_refs[0].section_name": "https",
            # A default of the schema, read where the object leaves it out.
            "spec.parent_refs[0].kind": "Gateway",
            "spec.rules[0].matches[0].path.value": "/api",
            "spec.rules[0].backend_refs[0].port": 8080,
        },
    ),
    Case(
        "application.yaml",
        "argoproj_io_v1alpha1",
        "Application",
        {
            "metadata": {"name": "guestbook"},
            "spec": {
                "project": "default",
                "destination": {"server": "https://kubernetes.default.svc", "namespace": "apps"},
                "source": {
                    "repoURL": "https://github.com/argoproj/argocd-example-apps.git",
                    "path": "helm-guestbook",
                    "targetRevision": "HEAD",
                    "helm": {
                        "releaseName": "guestbook",
                        "valuesObject": {"replicaCount": 2, "image": {"tag": "v1", "pull": None}},
                    },
                },
                "syncPolicy": {"automated": {"prune": True, "selfHeal": True}},
            },
        },
        {
            "spec.source.repo_url": "https://github.com/argoproj/argocd-example-apps.git",
            "spec.source.helm.values_object": {
                "replicaCount": 2,
                "image": {"tag": "v1", "pull": None},
            },
            "spec.sync_policy.automated.self_heal": True,
        },
    ),
    Case(
        "helmrelease.yaml",
        "helm_toolkit_fluxcd_io_v2",
        "HelmRelease",
        {
            "metadata": {"name": "podinfo"},
            "spec": {
                "interval": "10m",
                "chart": {
                    "spec": {
                        "chart": "podinfo",
                        "version": "6.x",
                        "sourceRef": {"kind": "HelmRepository", "name": "podinfo"},
                    }
                },
                "values": {"replicaCount": 2, "ingress": {"enabled": True, "hosts": ["a", 1]}},
            },
        },
        {
            "spec.chart.spec.source_ref.kind": "HelmRepository",
            "spec.chart.spec.reconcile_strategy": "ChartVersion",  # the schema's default
            "spec.values": {"replicaCount": 2, "ingress": {"enabled": True, "hosts": ["a", 1]}},
        },
    ),
]


def read(obj: Any, path: str) -> Any:
    for part in path.replace("[", ".[").split("."):
        obj = obj[int(part[1:-1])] if part.startswith("[") else getattr(obj, part)
    return obj


@pytest.fixture(params=CASES, ids=[c.kind for c in CASES])
def case(request: pytest.FixtureRequest) -> Case:
    return request.param


def test_a_generated_model_builds_dumps_and_reads_back(case, generated):
    model = getattr(generated(CRDS / case.fixture)[case.module], case.kind)
    obj = model.model_validate(case.body)
    api_version = f"{model.__group__}/{model.__version__}"
    assert obj.to_dict() == {"apiVersion": api_version, "kind": case.kind, **case.body}
    for path, value in case.reads.items():
        assert read(obj, path) == value, path
    again = model.model_validate_json(obj.to_json())
    assert again == obj
    assert again.to_dict() == obj.to_dict()


def test_a_generated_model_goes_through_the_fake_cluster(case, generated):
    model = getattr(generated(CRDS / case.fixture)[case.module], case.kind)
    cluster = FakeCluster(read_crds([CRDS / case.fixture]))
    with cluster.client() as client:
        api = client.api(model, namespace="default")
        since = api.list().metadata.resource_version
        created = api.create(model.model_validate(case.body))
        assert isinstance(created, model)
        got = api.get(case.body["metadata"]["name"])
        assert isinstance(got, model)
        for path, value in case.reads.items():
            assert read(got, path) == value, path
        listed = api.list()
        assert [type(o) for o in listed.items] == [model]
        assert listed.items[0].metadata.name == case.body["metadata"]["name"]
        with api.watch(resource_version=since, timeout_seconds=1) as stream:
            events = [(e.type, e.object) for e in stream if e.type != "BOOKMARK"]
        assert [(kind, type(obj)) for kind, obj in events] == [("ADDED", model)]
        assert events[0][1].metadata.name == case.body["metadata"]["name"]


def test_generating_twice_gives_the_same_bytes():
    crds = read_crds([CRDS])
    assert generate_models(crds, command="x") == generate_models(read_crds([CRDS]), command="x")


def test_the_same_bytes_whatever_the_hash_seed():
    # Sets and dicts must never order the output: two interpreters with other string hashes.
    script = (
        "import hashlib, sys; from rawkube.codegen import generate_models, read_crds; "
        "out = generate_models(read_crds([sys.argv[1]]), command='x'); "
        "print(hashlib.sha256(repr(sorted(out.items())).encode()).hexdigest())"
    )
    digests = set()
    for seed in ("1", "2"):
        done = subprocess.run(
            [sys.executable, "-c", script, str(CRDS)],
            capture_output=True, text=True, check=True,
            env={**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(ROOT)},
        )  # fmt: skip
        digests.add(done.stdout)
    assert len(digests) == 1


def test_every_served_version_has_models_and_the_storage_one_is_marked(generated):
    # HTTPRoute's v1alpha2 is published with served: false (bundle v0.8.0): no models for it.
    modules = generated(CRDS / "httproute.yaml", CRDS / "helmrelease.yaml")
    assert sorted(modules) == [
        "gateway_v1beta1",
        "helm_toolkit_fluxcd_io_v2",
        "helm_toolkit_fluxcd_io_v2beta2",
    ]
    stored = {name: m.__dict__[k].__storage_version__ for name, m in modules.items()
              for k in ("HTTPRoute", "HelmRelease") if k in m.__dict__}  # fmt: skip
    assert stored == {
        "gateway_v1beta1": True,
        "helm_toolkit_fluxcd_io_v2": True,
        "helm_toolkit_fluxcd_io_v2beta2": False,
    }
    release = modules["helm_toolkit_fluxcd_io_v2beta2"].HelmRelease
    assert release.__resource__.api_version == "helm.toolkit.fluxcd.io/v2beta2"
    assert "Deprecated" in (release.__doc__ or "")
    assert "Deprecated" not in (modules["helm_toolkit_fluxcd_io_v2"].HelmRelease.__doc__ or "")


def test_a_kind_carries_its_crds_names_into_its_resource(generated):
    cert = generated(CRDS / "certificate.yaml")["cert_manager_io_v1"].Certificate
    info = cert.__resource__
    assert (info.group, info.version, info.kind, info.plural) == (
        "cert-manager.io",
        "v1",
        "Certificate",
        "certificates",
    )
    assert info.namespaced
    assert info.short_names == ("cert", "certs")
    assert info.categories == ("cert-manager",)
    assert info.singular == "certificate"
    assert cert.List.__name__ == "CertificateList"


def test_an_informer_caches_generated_models(generated):
    from rawkube.runtime import SharedInformerFactory

    module = generated(CRDS / "servicemonitor.yaml")["monitoring_coreos_com_v1"]
    monitor = module.ServiceMonitor
    case = next(c for c in CASES if c.kind == "ServiceMonitor")
    cluster = FakeCluster([*read_crds([CRDS / "servicemonitor.yaml"])])
    with cluster.client() as client:
        client.api(monitor, namespace="default").create(monitor.model_validate(case.body))
        factory = SharedInformerFactory(client)
        informer = factory.informer(client.api(monitor, namespace="default"))
        factory.start()
        try:
            assert factory.wait_for_cache_sync(timeout=10)
            cached = informer.lister.get("default", "web")
        finally:
            factory.stop()
    assert isinstance(cached, monitor)
    assert cached.spec.endpoints[0].metric_relabelings[0].action == "drop"


def test_manifests_load_into_generated_models_once_imported(generated):
    import rawkube

    module = generated(CRDS / "application.yaml")["argoproj_io_v1alpha1"]
    case = next(c for c in CASES if c.kind == "Application")
    manifest = rawkube.to_yaml(
        {"apiVersion": "argoproj.io/v1alpha1", "kind": "Application", **case.body}
    )
    (loaded,) = rawkube.load_all_yaml(manifest)
    assert isinstance(loaded, module.Application)
    assert loaded.spec.source.helm.values_object == {
        "replicaCount": 2,
        "image": {"tag": "v1", "pull": None},
    }


@pytest.mark.anyio
async def test_the_async_client_takes_generated_models(generated, fake_cluster, async_fake_client):
    route = generated(CRDS / "httproute.yaml")["gateway_v1beta1"].HTTPRoute
    case = next(c for c in CASES if c.kind == "HTTPRoute")
    for crd in read_crds([CRDS / "httproute.yaml"]):
        fake_cluster.create(crd)
    routes = async_fake_client.api(route, namespace="default")
    await routes.create(route.model_validate(case.body))
    got = await routes.get("web")
    assert isinstance(got, route)
    assert got.spec.rules[0].backend_refs[0].weight == 3

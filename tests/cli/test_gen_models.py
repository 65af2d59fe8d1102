"""``rawkube gen-models``: from CRD files, stdin or a served cluster to an importable package."""

from __future__ import annotations

import importlib
import io
import sys
from pathlib import Path

import pytest

from rawkube.cli import main
from rawkube.codegen import read_crds
from rawkube.models import _base
from rawkube.testing import FakeCluster
from tests.codegen.conftest import CRDS


def modules(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.glob("*.py") if p.name != "__init__.py")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_from_files_and_folders_it_writes_one_module_per_group_version(tmp_path, capsys):
    out = tmp_path / "models"
    status, printed, err = run(
        capsys, "gen-models", str(CRDS / "certificate.yaml"), str(CRDS), "-o", str(out)
    )
    assert (status, err) == (0, "")
    assert sorted(p.name for p in out.iterdir()) == [
        "__init__.py",
        "argoproj_io_v1alpha1.py",
        "cert_manager_io_v1.py",
        "gateway_v1beta1.py",
        "helm_toolkit_fluxcd_io_v2.py",
        "helm_toolkit_fluxcd_io_v2beta2.py",
        "monitoring_coreos_com_v1.py",
    ]
    assert printed.splitlines()[0] == str(out / "__init__.py")
    comments = []
    for line in (out / "cert_manager_io_v1.py").read_text().splitlines()[1:]:
        if not line.startswith("#"):
            break
        comments.append(line[4:] if line.startswith("#   ") else "\n" + line[2:])
    command = f"rawkube gen-models {CRDS / 'certificate.yaml'} {CRDS} -o {out}"
    assert " ".join(comments).split("\n")[1:] == [
        f"Command: {command} ",  # a long command wraps over comment lines
        "From: certificates.cert-manager.io (v1, storage version)",
    ]


def test_from_stdin_with_a_group_filter(tmp_path, capsys, monkeypatch):
    text = "\n---\n".join(p.read_text() for p in sorted(CRDS.glob("*.yaml")))
    monkeypatch.setattr(sys, "stdin", io.StringIO(text))
    out = tmp_path / "m"
    status, _, err = run(capsys, "gen-models", "-", "--group", "argoproj.io", "-o", str(out))
    assert (status, err) == (0, "")
    assert modules(out) == ["argoproj_io_v1alpha1.py"]


def test_a_file_that_is_not_yaml_is_named_in_the_error(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("a: [\n")
    status, _, err = run(capsys, "gen-models", str(bad), "-o", str(tmp_path / "out"))
    assert status == 1
    assert err.startswith(f"error: {bad}: document 0: not valid YAML")
    assert not (tmp_path / "out").exists()


def test_what_holds_no_crd_is_one_error_line(tmp_path, capsys):
    manifest = tmp_path / "cm.yaml"
    manifest.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n")
    status, _, err = run(capsys, "gen-models", str(manifest), "-o", str(tmp_path / "out"))
    assert status == 1
    assert err == f"error: no CustomResourceDefinition in {manifest}\n"
    status, _, err = run(capsys, "gen-models", str(tmp_path / "missing.yaml"), "-o", "x")
    assert status == 1
    assert err.startswith("error: ")
    assert "missing.yaml" in err
    assert err.count("\n") == 1


def test_from_a_served_cluster_over_the_kubeconfig(tmp_path, capsys):
    # The CRDs are created in the fake, served on loopback; the command reads them over the
    # API, as from a real cluster, and the models it writes match what discovery says.
    cluster = FakeCluster()
    with cluster.serve() as server:
        kubeconfig = server.write_kubeconfig(tmp_path / "kubeconfig")
        with cluster.client() as client:
            for crd in read_crds([CRDS]):
                client.apiextensions_v1.custom_resource_definitions().create(crd)
        out = tmp_path / "live"
        status, _, err = run(
            capsys, "--kubeconfig", str(kubeconfig), "gen-models", "--group", "cert-manager.io",
            "-o", str(out),
        )  # fmt: skip
        assert (status, err) == (0, "")
        assert modules(out) == ["cert_manager_io_v1.py"]
        registry = dict(_base._REGISTRY)  # importing the module registers Certificate
        sys.path.insert(0, str(tmp_path))
        try:
            module = importlib.import_module("live.cert_manager_io_v1")
            certificate = module.Certificate
            with cluster.client() as client:
                served = client.discovery.resolve("cert")
                assert certificate.__resource__.gvr == served.gvr
                assert certificate.__resource__.short_names == served.short_names
                assert certificate.__resource__.namespaced == served.namespaced
                certificates = client.api(certificate, namespace="default")
                certificates.create(
                    certificate(
                        metadata={"name": "site"},
                        spec=module.CertificateSpec(
                            secret_name="site-tls",
                            issuer_ref=module.CertificateSpecIssuerRef(name="ca"),
                        ),
                    )
                )
                got = certificates.get("site")
                assert got.spec.issuer_ref.name == "ca"
        finally:
            sys.path.remove(str(tmp_path))
            for name in [m for m in sys.modules if m.split(".")[0] == "live"]:
                del sys.modules[name]
            _base._REGISTRY.clear()
            _base._REGISTRY.update(registry)


def test_refuses_to_overwrite_a_file_it_did_not_write(tmp_path, capsys):
    out = tmp_path / "models"
    out.mkdir()
    (out / "cert_manager_io_v1.py").write_text("# mine\n")
    status, _, err = run(capsys, "gen-models", str(CRDS / "certificate.yaml"), "-o", str(out))
    assert status == 1
    assert "was not generated by rawkube: not replaced" in err
    assert (out / "cert_manager_io_v1.py").read_text() == "# mine\n"

"""Generated code passes ruff check, ruff format and mypy --strict, and so does code using it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from rawkube.codegen import generate_models, read_crds, write_models
from tests.codegen.conftest import CRDS
from tests.codegen.test_layout import ROOT, ruff

USAGE = '''"""Typed use of generated models, as a user writes it."""

from __future__ import annotations

import rawkube
from rawkube.models.meta_v1 import ObjectMeta

from models.cert_manager_io_v1 import (
    Certificate,
    CertificateSpec,
    CertificateSpecAdditionalOutputFormats,
    CertificateSpecIssuerRef,
)


def renew(client: rawkube.Client) -> list[str]:
    certificates = client.api(Certificate, namespace="web")
    made = certificates.create(
        Certificate(
            metadata=ObjectMeta(name="site"),
            spec=CertificateSpec(
                secret_name="site-tls",
                issuer_ref=CertificateSpecIssuerRef(name="letsencrypt"),
                additional_output_formats=[CertificateSpecAdditionalOutputFormats(type="DER")],
                usages=["server auth"],
            ),
        )
    )
    assert made.spec is not None
    secret: str | None = made.spec.secret_name
    names = [c.metadata.name or "" for c in certificates.list().items or [] if c.metadata]
    with certificates.watch(timeout_seconds=1) as events:
        for event in events:
            cert: Certificate = event.object
            names.append(str(cert.kind))
    return [*names, secret or ""]
'''

WRONG = '''"""A value the enum does not list: the type checker says so."""

from models.cert_manager_io_v1 import CertificateSpecAdditionalOutputFormats

CertificateSpecAdditionalOutputFormats(type="PEM")
'''


def test_the_generated_modules_pass_ruff_and_mypy_strict(tmp_path):
    write_models(generate_models(read_crds([CRDS]), command="test"), tmp_path / "models")
    (tmp_path / "usage.py").write_text(USAGE)
    (tmp_path / "wrong.py").write_text(WRONG)
    config = ["--config", str(ROOT / "pyproject.toml")]
    for command in (["check", *config], ["format", "--check", *config]):
        done = subprocess.run(
            [*ruff(), *command, str(tmp_path)], capture_output=True, text=True, cwd=tmp_path
        )
        assert done.returncode == 0, done.stdout + done.stderr
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(ROOT)])}
    probe = subprocess.run([sys.executable, "-m", "mypy", "--version"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip("mypy is not installed")
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--cache-dir", os.devnull,
         "models", "usage.py", "wrong.py"],
        capture_output=True, text=True, cwd=tmp_path, env=env, timeout=600,
    )  # fmt: skip
    errors = [line for line in done.stdout.splitlines() if ": error:" in line]
    assert len(errors) == 1, done.stdout + done.stderr
    assert errors[0].startswith('wrong.py:5: error: Argument "type"')
    assert "Literal['DER', 'CombinedPEM']" in errors[0]


def test_the_generated_files_are_what_generate_models_returns(tmp_path: Path):
    sources = generate_models(read_crds([CRDS]), command="test")
    write_models(sources, tmp_path)
    for name, text in sources.items():
        assert (tmp_path / f"{name}.py").read_text() == text

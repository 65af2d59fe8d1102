"""Odd but legal schemas (names, enums, descriptions, nesting) still give code that imports
and passes ruff and mypy --strict."""

from __future__ import annotations

import importlib
import os
import random
import subprocess
import sys
from typing import Any

import pytest

from rawkube.codegen import generate_models, write_models
from tests.codegen.test_layout import ROOT, ruff
from tests.codegen.test_mapping import crd

NAMES = [
    "class", "def", "None", "True", "type", "match", "self", "int", "str", "list", "dict",
    "model_config", "modelName", "schema", "json", "copy", "to_dict", "List", "kind",
    "apiVersion", "metadata", "x-kubernetes-thing", "$ref", "@type", "9lives", "", "_private",
    "__dunder__", "ünïcode", "camelCaseName", "HTTPRoute", "IPv6", "podIPs", "a.b", "a b",
    "api_field", "Annotated", "Lazy", "Any",
]  # fmt: skip
TEXTS = [
    'says """hi""" in quotes', "ends with a quote\"", 'ends with a backslash\\', "tab\there",
    "line one\n\n  indented\n\ttabbed", "\u2018curly\u2019 \u201cquotes\u201d \u2014 dash",
    "a " * 80, "https://example.com/" + "x" * 120, "", "   ", "{}", "\\d+ regex \\s",
]  # fmt: skip
ENUMS = [["a", "b"], ['say "x"'], ["it's"], [1, 2], ["back\\slash", "x" * 120], [True], [None]]


def schema(rng: random.Random, depth: int) -> dict[str, Any]:
    choice = rng.randrange(9 if depth < 4 else 5)
    out: dict[str, Any]
    if choice == 0:
        out = {"type": "string", "enum": rng.choice(ENUMS)}
        if out["enum"] == [1, 2]:
            out["type"] = "integer"
    elif choice == 1:
        out = {"type": rng.choice(["string", "integer", "number", "boolean"])}
    elif choice == 2:
        out = {"x-kubernetes-int-or-string": True}
    elif choice == 3:
        out = {"x-kubernetes-preserve-unknown-fields": True}
    elif choice == 4:
        out = {"type": "object"}
    elif choice in (5, 6):
        names = rng.sample(NAMES, rng.randint(1, 6))
        out = {"type": "object", "properties": {n: schema(rng, depth + 1) for n in names}}
        out["required"] = names[:1]
    elif choice == 7:
        out = {"type": "array", "items": schema(rng, depth + 1)}
    else:
        out = {"type": "object", "additionalProperties": schema(rng, depth + 1)}
    if rng.random() < 0.5:
        out["description"] = rng.choice(TEXTS)
    return out


def test_odd_schemas_give_code_that_imports_and_checks(tmp_path, monkeypatch):
    rng = random.Random(2022)
    crds = []
    for index in range(12):
        names = rng.sample(NAMES, rng.randint(1, 8))
        properties = {n: schema(rng, 0) for n in names}
        crds.append(crd(properties, group=f"g{index}.example.com"))
    sources = generate_models(crds, command="test")
    assert len(sources) == 12
    write_models(sources, tmp_path / "odd")
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in sources:
        module = importlib.import_module(f"odd.{name}")
        widget = module.Widget.model_validate({"metadata": {"name": "w"}, "spec": {}})
        assert widget.to_dict()["spec"] == {}
    for module in [m for m in sys.modules if m.startswith("odd")]:
        del sys.modules[module]
    config = ["--config", str(ROOT / "pyproject.toml")]
    for command in (["check", *config], ["format", "--check", *config]):
        done = subprocess.run(
            [*ruff(), *command, "odd"], capture_output=True, text=True, cwd=tmp_path
        )
        assert done.returncode == 0, done.stdout + done.stderr
    probe = subprocess.run([sys.executable, "-m", "mypy", "--version"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip("mypy is not installed")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(ROOT)])}
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--cache-dir", os.devnull, "odd"],
        capture_output=True, text=True, cwd=tmp_path, env=env, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr

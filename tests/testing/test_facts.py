"""The fake cluster's copy of the schema facts matches schemas/."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_committed_facts_are_current():
    spec = importlib.util.spec_from_file_location(
        "gen_fake_facts", ROOT / "scripts" / "gen_fake_facts.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    committed = (ROOT / "rawkube" / "testing" / "_facts.json").read_text()
    assert committed == module.facts(), "run: python scripts/gen_fake_facts.py"

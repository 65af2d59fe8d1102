"""dir() of each public package shows what a user may use, and nothing its code imports for itself."""

from __future__ import annotations

import subprocess
import sys

import pytest

SUBMODULES = {
    "rawkube": ["config", "errors", "models", "runtime", "testing"],
    "rawkube.config": ["auth", "build", "exec", "incluster", "kubeconfig", "load", "tls"],
    "rawkube.runtime": [],
    "rawkube.testing": [],
    "rawkube.errors": [],
}


@pytest.mark.parametrize("package", sorted(SUBMODULES))
def test_dir_is_all_and_public_submodules(package: str) -> None:
    # A fresh interpreter: names loaded on first use must show before anything touched them.
    code = f"""
import importlib, types
module = importlib.import_module({package!r})
shown = dir(module)
dunder = lambda name: name.startswith("__") and name.endswith("__")
public = [name for name in shown if not dunder(name) or name in module.__all__]
assert public == sorted(set(module.__all__) | set({SUBMODULES[package]!r})), public
assert shown == sorted(shown)
for name in public:
    value = getattr(module, name)  # everything shown is there
    assert not isinstance(value, types.ModuleType) or name in {SUBMODULES[package]!r}, name
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def test_runtime_shows_controller_and_hides_its_imports() -> None:
    code = "import rawkube.runtime as r; print(' '.join(dir(r)))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    shown = done.stdout.split()
    assert {"Controller", "SharedInformer", "RetryWatcher", "LeaderElector"} <= set(shown)
    assert not {"Any", "TYPE_CHECKING", "importlib", "annotations", "publish"} & set(shown)

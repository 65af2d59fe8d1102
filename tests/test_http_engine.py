"""The HTTP engine is chosen by RAWKUBE_HTTP_ENGINE, once per process, and never silently."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys

import pytest

SHOW = "import rawkube, rawkube._http as h; print(h.ENGINE, h.httpx.__name__)"


def run(code: str, engine: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "RAWKUBE_HTTP_ENGINE"}
    if engine is not None:
        env["RAWKUBE_HTTP_ENGINE"] = engine
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize("engine", [None, "", "httpx"])
def test_httpx_is_the_default(engine):
    done = run(SHOW, engine)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["httpx", "httpx"]


@pytest.mark.skipif(importlib.util.find_spec("httpx2") is None, reason="httpx2 is not installed")
def test_httpx2_when_asked_for_and_httpx_is_not_imported():
    done = run(SHOW + "; import sys; print('httpx' in sys.modules)", "httpx2")
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["httpx2", "httpx2", "False"]


def test_an_unknown_engine_fails_the_import_naming_the_choices():
    done = run("import rawkube", "requests")
    assert done.returncode != 0
    assert "ImportError: RAWKUBE_HTTP_ENGINE='requests' is not an HTTP engine rawkube can use" in (
        done.stderr
    )
    assert "httpx, httpx2" in done.stderr


def test_httpx2_asked_for_but_missing_says_how_to_install_it():
    # sys.modules[name] = None makes that import fail, as if the package were not installed.
    done = run("import sys; sys.modules['httpx2'] = None; import rawkube", "httpx2")
    assert done.returncode != 0
    assert "rawkube's HTTP engine httpx2 is not installed: pip install 'rawkube[httpx2]'" in (
        done.stderr
    )

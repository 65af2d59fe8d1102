"""The README's Python examples run as written, against respx routes standing in for a cluster."""

from __future__ import annotations

import asyncio
import json
import re
import textwrap
from pathlib import Path

import httpx
import pytest
import respx

README = Path(__file__).resolve().parent.parent / "README.md"
SERVER = "http://readme.test:6443"

KUBECONFIG = f"""
apiVersion: v1
kind: Config
current-context: readme
contexts:
- name: readme
  context: {{cluster: readme, user: readme}}
clusters:
- name: readme
  cluster: {{server: "{SERVER}"}}
users:
- name: readme
  user: {{token: readme-token}}
"""


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)


def answer(request: httpx.Request) -> httpx.Response:
    """One generic object that has every field the examples read; 404 for "missing"."""
    if request.url.params.get("watch"):
        event = {"type": "ADDED", "object": {"kind": "Pod", "metadata": {"name": "web-0"}}}
        return httpx.Response(200, content=json.dumps(event).encode() + b"\n")
    if request.method == "GET" and request.url.path == "/api/v1/namespaces/default/pods":
        return httpx.Response(200, json={"apiVersion": "v1", "kind": "PodList", "items": [
            {"metadata": {"name": "web-0"}, "status": {"phase": "Running"}}]})  # fmt: skip
    if request.method == "POST" and request.url.path.endswith("/pods"):
        return httpx.Response(201, content=request.content)
    if request.method == "PATCH":  # an apply or merge patch answers with what it was sent
        return httpx.Response(200, content=request.content)
    if request.url.path.endswith("/missing"):
        return httpx.Response(
            404,
            json={"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "NotFound", "code": 404,
                  "message": 'pods "missing" not found'},
        )  # fmt: skip
    if re.fullmatch(r"/api/v1/namespaces/default/pods/[^/]+", request.url.path):
        name = request.url.path.rsplit("/", 1)[-1]  # a typed get (or wait) decodes a Pod
        return httpx.Response(200, json={"apiVersion": "v1", "kind": "Pod", "metadata": {
            "name": name, "resourceVersion": "1"}, "status": {"phase": "Running"}})  # fmt: skip
    body = {
        "kind": "Thing",
        "metadata": {"name": request.url.path.rsplit("/", 1)[-1], "resourceVersion": "1"},
        "status": {"phase": "Running"},
        "data": {"n": "1"},
        "gitVersion": "v1.36.2",
    }
    return httpx.Response(200, content=json.dumps(body).encode() + b"\n")


@pytest.fixture
def cluster(isolated_environment: Path):
    (isolated_environment / ".kube").mkdir()
    (isolated_environment / ".kube" / "config").write_text(KUBECONFIG)
    with respx.mock(base_url=SERVER, assert_all_mocked=True) as router:
        route = router.route().mock(side_effect=answer)
        yield route


def test_the_readme_has_examples():
    assert len(python_blocks()) >= 3


def test_the_readme_examples_run(cluster, capsys):
    namespace: dict[str, object] = {}
    for block in python_blocks():
        if "async with" in block:
            code = "async def _example():\n" + textwrap.indent(block, "    ")
            exec(compile(code, "README.md", "exec"), namespace)
            asyncio.run(namespace["_example"]())  # type: ignore[operator]
        else:
            exec(compile(block, "README.md", "exec"), namespace)
    out = capsys.readouterr().out
    assert "Running" in out
    assert "web-0 Running" in out
    assert "0.500 1073741824" in out
    assert "v1.36.2" in out
    assert '404 NotFound pods "missing" not found' in out
    assert "web-0 is Running" in out
    assert "to have condition Ready=True; last seen: phase Running, no conditions" in out
    sent = [call.request for call in cluster.calls]
    assert all(r.headers["authorization"] == "Bearer readme-token" for r in sent)
    assert any(r.method == "PUT" and r.url.path.endswith("/configmaps/counter") for r in sent)

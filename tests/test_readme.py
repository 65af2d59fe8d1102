"""The README's Python examples run as written, against respx routes standing in for a cluster."""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
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


def is_pytest_block(block: str) -> bool:
    """A block of pytest tests (``def test_...``), taking fixtures: run by pytest, not exec."""
    return re.search(r"^(async )?def test_\w*\(", block, flags=re.M) is not None


def is_pod_block(block: str) -> bool:
    """The exec, attach, port-forward and cp example: WebSockets, which only the fake serves."""
    return "port_forward(" in block


def script_blocks() -> list[str]:
    return [b for b in python_blocks() if not is_pytest_block(b) and not is_pod_block(b)]


def pod_blocks() -> list[str]:
    return [block for block in python_blocks() if is_pod_block(block)]


def pytest_blocks() -> list[str]:
    return [block for block in python_blocks() if is_pytest_block(block)]


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
    assert len(pytest_blocks()) >= 2


def test_no_python_block_is_skipped():
    # Every fence the README opens is closed, and every Python one is one of the blocks run
    # (a "```py" or "```python3" fence would be missed by the patterns above).
    text = README.read_text()
    fences = re.findall(r"^```(\S*)$", text, flags=re.M)
    assert len(fences) % 2 == 0
    languages = set(fences[::2])
    assert not languages & {"py", "python3", "pycon", "Python"}, languages
    assert fences[::2].count("python") == len(python_blocks())
    assert len(script_blocks()) + len(pytest_blocks()) + len(pod_blocks()) == len(python_blocks())


def test_the_readme_pytest_examples_pass(tmp_path):
    # As a user runs them: their own files, the fixtures of the installed plugin (and
    # anyio's for async tests), warnings as errors; in a fresh interpreter.
    for index, block in enumerate(pytest_blocks()):
        (tmp_path / f"test_readme_{index}.py").write_text(block)
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-W", "error"]
    done = subprocess.run(
        [*command, "--rootdir", str(tmp_path), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    tests = sum(len(re.findall(r"^(?:async )?def test_", b, flags=re.M)) for b in pytest_blocks())
    assert f"{tests} passed" in done.stdout, done.stdout


def test_the_readme_examples_run(cluster, capsys):
    namespace: dict[str, object] = {}
    for block in script_blocks():
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
    assert "reconcile default/web-0 exists" in out  # the Controller example
    assert "web-0 is Running" in out
    assert "to have condition Ready=True; last seen: phase Running, no conditions" in out
    sent = [call.request for call in cluster.calls]
    assert all(r.headers["authorization"] == "Bearer readme-token" for r in sent)
    assert any(r.method == "PUT" and r.url.path.endswith("/configmaps/counter") for r in sent)


def test_the_readme_pod_example_runs_on_the_fake(tmp_path, monkeypatch, capsys):
    from rawkube.testing import ExecCall, ExecReply, FakeClock, FakeCluster

    def run(call: ExecCall) -> ExecReply | None:
        if call.attach:
            return ExecReply(stdout="attached\n")
        if call.command == ["sh", "-c", "ls /data"]:
            return ExecReply(stdout="a.txt\n")
        if call.command == ["tee", "/tmp/in"]:
            return ExecReply(stdout=call.stdin)
        if call.command == ["sh"] and call.tty and call.resizes == ((120, 40),):
            return ExecReply(stdout="bin etc\n", exit_code=3)
        return None  # tar, for cp: the fake's own

    cluster = FakeCluster(clock=FakeClock())
    for name in ("web-0", "db-0"):
        container = {"name": "app", "image": "nginx"}
        cluster.create({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
                        "spec": {"nodeName": "node-1", "containers": [container]}})  # fmt: skip
        cluster.on_port(5432, pod=name)
    cluster.on_port(8080, pod="web-0")
    cluster.on_exec(run)
    files = cluster.files("default", "web-0")
    files["/var/log/app/app.log"] = b"started\n"
    files["/usr/share/nginx/html/"] = b""  # an empty folder
    monkeypatch.chdir(tmp_path)
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "index.html").write_text("<h1>hi</h1>")
    (block,) = pod_blocks()
    # The README binds local port 8080, which a test machine may have taken: any free one.
    block = block.replace('["8080", ":5432"]', '[":8080", ":5432"]')
    with cluster.client() as client:
        exec(compile(block, "README.md", "exec"), {"client": client})
    out = capsys.readouterr().out
    assert "0 a.txt" in out
    assert "bin etc\n3\n" in out
    assert "b'ping'" in out
    copied = {path: data for path, data in files.items() if path.endswith("index.html")}
    assert list(copied.values()) == [b"<h1>hi</h1>"], files.keys()
    assert (tmp_path / "logs" / "app.log").read_bytes() == b"started\n"

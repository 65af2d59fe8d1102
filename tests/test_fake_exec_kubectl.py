"""The machine's kubectl runs exec, exec -i, attach and cp against the loopback fake."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from rawkube.testing import ExecCall, ExecReply, FakeCluster

KUBECTL = "/usr/bin/kubectl" if os.path.exists("/usr/bin/kubectl") else shutil.which("kubectl")
pytestmark = pytest.mark.skipif(KUBECTL is None, reason="kubectl is not installed here")


def pod(name: str, node: str | None = "node-1") -> dict[str, Any]:
    spec: dict[str, Any] = {
        "containers": [{"name": "app", "image": "busybox", "command": ["sleep", "3600"]}]
    }
    if node:
        spec["nodeName"] = node
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name},
        "spec": spec,
        "status": {"phase": "Running" if node else "Pending"},
    }


@pytest.fixture
def served(tmp_path):
    cluster = FakeCluster([pod("web"), pod("pending", node=None)])
    with cluster.serve() as server:
        yield cluster, server.write_kubeconfig(tmp_path / "kubeconfig")


def kubectl(
    kubeconfig: Path, *args: str, stdin: bytes | None = None
) -> subprocess.CompletedProcess[bytes]:
    assert KUBECTL is not None
    env = {**os.environ, "KUBECONFIG": str(kubeconfig), "HOME": str(kubeconfig.parent)}
    return subprocess.run(
        [KUBECTL, *args], env=env, input=stdin, capture_output=True, timeout=60, check=False
    )


def test_exec_prints_the_output_and_exits_with_the_commands_code(served):
    cluster, kubeconfig = served

    def run(call: ExecCall) -> ExecReply:
        if call.command == ["false"]:
            return ExecReply(stderr="failed\n", exit_code=3)
        return ExecReply(stdout=f"ran {' '.join(call.command)}\n", stderr="note\n")

    cluster.on_exec(run)
    done = kubectl(kubeconfig, "exec", "web", "--", "ls", "-l", "/")
    assert (done.returncode, done.stdout, done.stderr) == (0, b"ran ls -l /\n", b"note\n")
    done = kubectl(kubeconfig, "exec", "web", "--", "false")
    assert done.returncode == 3
    assert done.stderr == b"failed\ncommand terminated with exit code 3\n"
    assert cluster.exec_calls[0] == ExecCall("default", "web", "app", ["ls", "-l", "/"])


def test_exec_i_sends_stdin(served):
    cluster, kubeconfig = served
    cluster.on_exec(lambda call: (call.stdin[::-1], "", 0))
    done = kubectl(kubeconfig, "exec", "-i", "web", "--", "rev", stdin=b"hello, pod")
    assert (done.returncode, done.stdout) == (0, b"dop ,olleh")
    assert cluster.exec_calls[-1].stdin == b"hello, pod"


def test_a_big_stdin_and_stdout_go_through_kubectl(served):
    cluster, kubeconfig = served
    cluster.on_exec(lambda call: (call.stdin, "", 0))
    data = os.urandom(5 * 1024 * 1024)
    done = kubectl(kubeconfig, "exec", "-i", "web", "--", "cat", stdin=data)
    assert done.returncode == 0
    assert done.stdout == data


def test_exec_of_a_missing_command_says_what_containerd_says(served):
    _, kubeconfig = served
    done = kubectl(kubeconfig, "exec", "web", "--", "bash")
    assert done.returncode == 1
    assert b'exec: "bash": executable file not found in $PATH: unknown' in done.stderr
    assert done.stderr.startswith(b"error: Internal error occurred: error executing command")


def test_exec_on_an_unscheduled_pod_is_refused_at_once(served):
    _, kubeconfig = served
    started = time.monotonic()
    done = kubectl(kubeconfig, "exec", "pending", "--", "ls")
    assert time.monotonic() - started < 30
    assert done.returncode == 1
    assert b"pod pending does not have a host assigned" in done.stderr


def test_attach_shows_what_the_container_prints(served):
    cluster, kubeconfig = served
    cluster.on_exec(lambda call: (f"{call.command} says hi\n", "", 0), pod="web")
    done = kubectl(kubeconfig, "attach", "web")
    assert done.returncode == 0
    assert done.stdout == b"['sleep', '3600'] says hi\n"
    assert cluster.exec_calls[-1].attach


def test_attach_i_sends_stdin(served):
    cluster, kubeconfig = served
    cluster.on_exec(lambda call: (b"got " + call.stdin, "", 0))
    done = kubectl(kubeconfig, "attach", "-i", "web", stdin=b"typed")
    assert done.returncode == 0
    assert b"got typed" in done.stdout


def test_cp_copies_a_file_into_a_pod_and_out_again(served, tmp_path):
    cluster, kubeconfig = served
    local = tmp_path / "notes.txt"
    local.write_bytes(b"first line\nsecond line\n")
    done = kubectl(kubeconfig, "cp", str(local), "web:/tmp/notes.txt")
    assert done.returncode == 0, done.stderr
    done = kubectl(kubeconfig, "cp", str(local), "web:/tmp")  # into a folder: its name kept
    assert done.returncode == 0, done.stderr
    assert cluster.files("default", "web") == {"/tmp/notes.txt": b"first line\nsecond line\n"}
    commands = [call.command for call in cluster.exec_calls]
    assert commands == [
        ["test", "-d", "/tmp/notes.txt"],
        ["tar", "-xmf", "-", "-C", "/tmp"],
        ["test", "-d", "/tmp"],
        ["tar", "-xmf", "-", "-C", "/tmp"],
    ]

    cluster.files("default", "web")["/etc/app.conf"] = b"setting = 1\n"
    back = tmp_path / "app.conf"
    done = kubectl(kubeconfig, "cp", "web:/etc/app.conf", str(back))
    assert done.returncode == 0, done.stderr
    assert back.read_bytes() == b"setting = 1\n"
    # GNU tar's warning, which kubectl cp prints (on stdout) from a real container too, unless
    # it exits first: it stops at the archive's end without waiting for the rest.
    assert done.stdout in (b"", b"tar: Removing leading `/' from member names\n")
    assert cluster.exec_calls[-1].command == ["tar", "cf", "-", "/etc/app.conf"]


def test_cp_copies_a_folder_both_ways(served, tmp_path):
    cluster, kubeconfig = served
    source = tmp_path / "site"
    (source / "css").mkdir(parents=True)
    (source / "index.html").write_bytes(b"<h1>hi</h1>")
    (source / "css" / "main.css").write_bytes(b"h1 {}")
    done = kubectl(kubeconfig, "cp", str(source), "web:/srv/site")
    assert done.returncode != 0  # no /srv in the container: tar says so, as GNU tar would
    cluster.files("default", "web")["/srv/"] = b""
    done = kubectl(kubeconfig, "cp", str(source), "web:/srv/site")
    assert done.returncode == 0, done.stderr
    assert cluster.files("default", "web") == {
        "/srv/site/index.html": b"<h1>hi</h1>",
        "/srv/site/css/main.css": b"h1 {}",
    }

    copy = tmp_path / "copy"
    done = kubectl(kubeconfig, "cp", "web:/srv/site", str(copy))
    assert done.returncode == 0, done.stderr
    assert (copy / "index.html").read_bytes() == b"<h1>hi</h1>"
    assert (copy / "css" / "main.css").read_bytes() == b"h1 {}"


def test_cp_from_a_missing_path_copies_nothing(served, tmp_path):
    _, kubeconfig = served
    done = kubectl(kubeconfig, "cp", "web:/nope", str(tmp_path / "x"))
    # kubectl prints tar's stderr on its stdout, and stops at the (empty) archive's end: its
    # exit code, and whether the complaint is out by then, race (against a real cluster too).
    assert done.stdout in (
        b"",
        b"tar: Removing leading `/' from member names\n"
        b"tar: /nope: Cannot stat: No such file or directory\n"
        b"tar: Exiting with failure status due to previous errors\n",
    )
    assert not (tmp_path / "x").exists()


def test_port_forward_is_refused_clearly_not_hung(served):
    # kubectl tunnels SPDY through its port-forward WebSocket, then falls back to SPDY: the fake
    # speaks neither, and says so at once.
    cluster, kubeconfig = served
    cluster.on_port(8080)
    started = time.monotonic()
    done = kubectl(kubeconfig, "port-forward", "web", "0:8080")
    assert time.monotonic() - started < 30
    assert done.returncode == 1
    assert b"the fake API server speaks WebSocket only (v4.channel.k8s.io), not SPDY/3.1" in (
        done.stderr
    )

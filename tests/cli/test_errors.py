"""Failures are one line on stderr; a closed pipe, Ctrl-C and SIGTERM end without a traceback."""

from __future__ import annotations

import io
import signal
import subprocess
import sys
import time

import pytest

from rawkube.cli import demo, main
from rawkube.cli._common import progress
from rawkube.testing import FakeCluster


def test_no_configuration_is_one_line(capsys):
    assert main(["get", "pods"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("error: ")
    assert err.count("\n") == 1


def test_an_unreachable_server_is_one_line(tmp_path, capsys):
    import socket

    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    kubeconfig = tmp_path / "config"
    kubeconfig.write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: x\n"
        "contexts: [{name: x, context: {cluster: x, user: x}}]\n"
        f"clusters: [{{name: x, cluster: {{server: 'http://127.0.0.1:{port}'}}}}]\n"
        "users: [{name: x, user: {}}]\n"
    )
    assert main(["--kubeconfig", str(kubeconfig), "get", "pods"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ")
    assert err.count("\n") == 1
    assert "Traceback" not in err


def test_usage_errors_are_argparses_status_2(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["get", "pods", "-o", "table"])
    assert exit_.value.code == 2


def test_a_closed_pipe_ends_quietly(served):
    process = subprocess.Popen(
        [sys.executable, "-m", "rawkube", "--kubeconfig", str(served.kubeconfig), "get", "pods"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None
    process.stdout.close()  # as `| head` does once it has what it wants
    _, err = process.communicate(timeout=60)
    assert err == b""
    assert process.returncode == 1


def test_ctrl_c_ends_a_watch_with_130_and_no_traceback(served):
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "rawkube",
            "--kubeconfig",
            str(served.kubeconfig),
            "get",
            "pods",
            "-w",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    assert process.stdout.readline().startswith("NAME ")
    assert process.stdout.readline().startswith("web-0 ")
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=30)
    assert (process.returncode, err) == (130, "")


def test_the_demo_piped_to_head_ends_quietly_and_cleans_up():
    process = subprocess.Popen(
        [sys.executable, "-m", "rawkube", "demo"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    process.stdout.readline()
    process.stdout.readline()
    process.stdout.close()  # `rawkube demo | head -2`
    _, err = process.communicate(timeout=60)
    assert err == ""
    assert process.returncode == 1


def test_sigterm_deletes_the_demos_namespace(tmp_path):
    cluster = FakeCluster()  # no controller: the demo waits for pods that never come
    with cluster.serve() as server:
        kubeconfig = server.write_kubeconfig(tmp_path / "kubeconfig")
        process = subprocess.Popen(
            [sys.executable, "-m", "rawkube", "demo", "--kubeconfig", str(kubeconfig)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert process.stdout is not None
        while "created deployment web" not in process.stdout.readline():
            pass
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=30)
        assert "deleted namespace" in out
        assert process.returncode == 128 + signal.SIGTERM
        assert err == "rawkube demo: terminated; its namespace is deleted\n"
        assert [n["metadata"]["name"] for n in cluster.objects("Namespace")] == ["default"]


def test_the_demo_says_when_no_controller_makes_pods(monkeypatch):
    monkeypatch.setattr(demo, "CONTROLLER_GRACE_SECONDS", 1)
    cluster = FakeCluster()
    out = io.StringIO()
    with (
        cluster.client() as client,
        pytest.raises(demo.NoControllerError, match="no Deployment controller"),
    ):
        demo.run(client, fake=False, out=out)
    assert "deleted namespace" in out.getvalue()
    assert [n["metadata"]["name"] for n in cluster.objects("Namespace")] == ["default"]


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_progress_line_shows_after_a_while_on_a_terminal_then_goes():
    stream = Terminal()
    with progress("waiting for pods", after=0.01, stream=stream):
        time.sleep(0.3)
    assert stream.getvalue() == "\rwaiting for pods ...\r\033[K"
    with progress("quick", after=5, stream=stream):
        pass
    assert "quick" not in stream.getvalue()


def test_no_progress_line_when_stderr_is_not_a_terminal():
    stream = io.StringIO()
    with progress("waiting for pods", after=0.01, stream=stream):
        time.sleep(0.1)
    assert stream.getvalue() == ""

"""``rawkube logs``, ``exec``, ``cp`` and ``port-forward`` against the fake's pods."""

from __future__ import annotations

import io
import signal
import socket
import subprocess
import sys

from rawkube.testing import ExecCall, ExecReply


def test_logs_prints_the_log_and_its_last_lines(served, capsys):
    served.cluster.set_logs("default", "web-0", "one\ntwo\nthree\n")
    assert served.run(capsys, "logs", "web-0") == (0, "one\ntwo\nthree\n", "")
    assert served.run(capsys, "logs", "pod/web-0", "--tail", "1") == (0, "three\n", "")
    assert served.run(capsys, "logs", "web-0", "-f") == (0, "one\ntwo\nthree\n", "")


def test_logs_of_a_container_and_of_the_previous_instance(served, capsys):
    served.cluster.set_logs("default", "web-0", "now\n", "app")
    served.cluster.set_logs("default", "web-0", "before\n", "app", previous=True)
    assert served.run(capsys, "logs", "web-0", "-c", "app") == (0, "now\n", "")
    assert served.run(capsys, "logs", "web-0", "-c", "app", "--previous") == (0, "before\n", "")


def test_logs_of_a_missing_pod_is_one_line(served, capsys):
    assert served.run(capsys, "logs", "nope") == (1, "", 'error: pods "nope" not found\n')


def test_exec_prints_the_output_and_exits_with_the_commands_code(served, capsys):
    def run(call: ExecCall) -> ExecReply:
        if call.command == ["false"]:
            return ExecReply(stderr="failed\n", exit_code=3)
        return ExecReply(stdout=f"ran {' '.join(call.command)}\n", stderr="note\n")

    served.cluster.on_exec(run)
    assert served.run(capsys, "exec", "web-0", "--", "ls", "-l", "/") == (
        0,
        "ran ls -l /\n",
        "note\n",
    )
    # kubectl's own words for a failed command
    assert served.run(capsys, "exec", "web-0", "-c", "app", "--", "false") == (
        3,
        "",
        "failed\ncommand terminated with exit code 3\n",
    )
    assert served.cluster.exec_calls[0] == ExecCall("default", "web-0", "app", ["ls", "-l", "/"])


def test_exec_i_sends_stdin(served, capsys, monkeypatch):
    served.cluster.on_exec(lambda call: (call.stdin[::-1], "", 0))

    class Stdin(io.StringIO):
        buffer = io.BytesIO(b"hello, pod")

    monkeypatch.setattr("sys.stdin", Stdin())
    assert served.run(capsys, "exec", "-i", "web-0", "--", "rev") == (0, "dop ,olleh", "")


def test_exec_without_a_command_is_refused(served, capsys):
    status, _, err = served.run(capsys, "exec", "web-0")
    assert status == 1
    assert err.startswith("error: you must give a command")


def test_cp_both_ways(served, capsys, tmp_path):
    served.cluster.files("default", "web-0")["/etc/motd"] = b"hello\n"
    assert served.run(capsys, "cp", "web-0:/etc/motd", str(tmp_path / "motd")) == (0, "", "")
    assert (tmp_path / "motd").read_bytes() == b"hello\n"
    (tmp_path / "up.txt").write_text("up")
    assert served.run(capsys, "cp", str(tmp_path / "up.txt"), "default/web-0:/tmp/up.txt")[0] == 0
    assert served.cluster.files("default", "web-0")["/tmp/up.txt"] == b"up"


def test_cp_needs_one_pod_path(served, capsys, tmp_path):
    status, _, err = served.run(capsys, "cp", str(tmp_path / "a"), str(tmp_path / "b"))
    assert status == 1
    assert "POD:PATH" in err


def test_port_forward_forwards_until_interrupted(served):
    served.cluster.on_port(8080)  # echoes
    env_kubeconfig = str(served.kubeconfig)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "rawkube",
            "--kubeconfig",
            env_kubeconfig,
            "port-forward",
            "web-0",
            ":8080",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("Forwarding from 127.0.0.1:")
        assert line.endswith(" -> 8080\n")
        port = int(line.split(":")[1].split()[0])
        with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
            conn.sendall(b"ping")
            assert conn.recv(4) == b"ping"
    finally:
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=30)
    assert process.returncode == 130
    assert "Traceback" not in err

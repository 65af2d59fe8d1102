"""``rawkube exec -i`` and ``-it``: stdin streamed as it comes, a raw terminal restored after."""

from __future__ import annotations

import io
import os
import select
import signal
import subprocess
import sys
import time
from typing import Any

import pytest

from rawkube.testing import ExecCall, ExecReply

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")


def _shell(call: ExecCall, typed: bytes) -> bytes | ExecReply:
    """A terminal's echo, the last size on ``?``, and ``exit`` (Enter: a raw terminal's \\r)."""
    if call.stdin.endswith(b"exit\r"):
        return ExecReply(stdout="\r\nbye\r\n", exit_code=3)
    if typed == b"?":
        return repr(list(call.resizes[-1:])).encode()
    return typed


def _rawkube(served: Any, *argv: str) -> list[str]:
    return [sys.executable, "-m", "rawkube", "--kubeconfig", str(served.kubeconfig), *argv]


def _set_size(fd: int, columns: int, rows: int) -> None:
    import fcntl
    import struct
    import termios

    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))


def _read_until(fd: int, wanted: bytes, seen: bytearray, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while wanted not in seen:
        left = deadline - time.monotonic()
        assert left > 0, f"{wanted!r} never came; got {bytes(seen)!r}"
        if select.select([fd], [], [], left)[0]:
            try:
                seen += os.read(fd, 4096)
            except OSError:  # the other side closed: nothing more comes
                break
    assert wanted in seen, bytes(seen)


def test_exec_it_streams_keys_raw_sends_sizes_and_restores_the_terminal(served):
    import pty
    import termios

    served.cluster.on_exec_input(_shell)
    master, slave = pty.openpty()
    _set_size(slave, 80, 24)
    before = termios.tcgetattr(slave)
    process = subprocess.Popen(
        _rawkube(served, "exec", "-it", "web-0", "--", "sh"),
        stdin=slave,
        stdout=slave,
        stderr=slave,
    )
    seen = bytearray()
    try:
        deadline = time.monotonic() + 20
        while termios.tcgetattr(slave)[3] & termios.ICANON:  # until rawkube makes it raw
            assert time.monotonic() < deadline, "the terminal never went raw"
            time.sleep(0.02)
        os.write(master, b"ls")  # no Enter: a raw terminal passes each key at once
        _read_until(master, b"ls", seen)
        _set_size(slave, 100, 30)
        process.send_signal(signal.SIGWINCH)
        deadline = time.monotonic() + 20
        answer = bytearray()
        while b"[(100, 30)]" not in answer:  # ask the fake for the last size it got
            assert time.monotonic() < deadline, bytes(answer)
            time.sleep(0.02)
            os.write(master, b"?")
            answer.clear()
            _read_until(master, b")]", answer)
        os.write(master, b"exit\r")
        _read_until(master, b"bye", seen)
        assert process.wait(timeout=30) == 3
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        after = termios.tcgetattr(slave)
        os.close(master)
        os.close(slave)
    assert after == before  # never left raw
    [call] = served.cluster.exec_calls
    assert call.tty
    assert call.stdin.startswith(b"ls?")
    assert call.stdin.endswith(b"exit\r")
    assert call.resizes[0] == (80, 24)
    assert call.resizes[-1] == (100, 30)


def test_exec_it_restores_the_terminal_on_sigterm(served):
    import pty
    import termios

    served.cluster.on_exec_input(_shell)
    master, slave = pty.openpty()
    before = termios.tcgetattr(slave)
    process = subprocess.Popen(
        _rawkube(served, "exec", "-it", "web-0", "--", "sh"),
        stdin=slave,
        stdout=slave,
        stderr=slave,
    )
    try:
        seen = bytearray()
        deadline = time.monotonic() + 20
        while termios.tcgetattr(slave)[3] & termios.ICANON:
            assert time.monotonic() < deadline, "the terminal never went raw"
            time.sleep(0.02)
        os.write(master, b"x")
        _read_until(master, b"x", seen)  # running, past its start
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 128 + signal.SIGTERM
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        after = termios.tcgetattr(slave)
        os.close(master)
        os.close(slave)
    assert after == before


def test_exec_i_streams_a_pipe_line_by_line_and_closes_stdin_at_its_end(served):
    served.cluster.on_exec_input(lambda call, typed: typed.upper())
    served.cluster.on_exec(lambda call: ExecReply(stdout=f"read {len(call.stdin)} bytes\n"))
    process = subprocess.Popen(
        _rawkube(served, "exec", "-i", "web-0", "--", "cat"),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert process.stdin is not None
        assert process.stdout is not None
        for line in (b"one\n", b"two\n"):
            process.stdin.write(line)
            process.stdin.flush()
            # Back before stdin ends: the line went as it came, not at the end of input.
            assert process.stdout.readline() == line.upper()
        out, err = process.communicate(timeout=30)  # closes stdin: its end of input
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate()
    assert (process.returncode, out, err) == (0, b"read 8 bytes\n", b"")


def test_exec_t_without_a_terminal_warns_as_kubectl_and_goes_on(served, capsys, monkeypatch):
    served.cluster.on_exec(lambda call: (call.stdin[::-1], "", 0))

    class Stdin(io.StringIO):
        buffer = io.BytesIO(b"piped")

    monkeypatch.setattr("sys.stdin", Stdin())
    assert served.run(capsys, "exec", "-it", "web-0", "--", "rev") == (
        0,
        "depip",
        "Unable to use a TTY - input is not a terminal or the right kind of file\n",
    )
    assert not served.cluster.exec_calls[-1].tty

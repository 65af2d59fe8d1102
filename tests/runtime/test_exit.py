"""A failing program that runs informers and controllers ends, so that its pod restarts.

Each program runs in a child Python process; it must exit (non-zero, with its own error) well
within the subprocess timeout, or the test fails instead of hanging.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from rawkube.testing import FakeCluster

EXIT_PATIENCE = 20.0  # real seconds a program gets to end: a few for Python, rawkube and its work


def run_program(tmp_path: Path, body: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run ``body`` as a script in a child Python; fails the test if it does not end in time."""
    script = tmp_path / "program.py"
    script.write_text(textwrap.dedent(body))
    try:
        return subprocess.run(
            [sys.executable, str(script), *args],
            capture_output=True,
            text=True,
            timeout=EXIT_PATIENCE,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:  # run() has killed the child
        pytest.fail(f"the program did not end within {EXIT_PATIENCE} s: {exc.stderr!r}")


@pytest.fixture
def kubeconfig(tmp_path: Path) -> Iterator[Path]:
    """A kubeconfig for a fake cluster served on loopback by this (the test's) process."""
    cluster = FakeCluster()
    cluster.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}})
    with cluster.serve() as server:
        yield server.write_kubeconfig(tmp_path / "kubeconfig")


@contextmanager
def refused_port() -> Iterator[int]:
    """A loopback port nothing listens on: connections are refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    yield port


@contextmanager
def silent_port() -> Iterator[int]:
    """A loopback port that accepts connections (the kernel's backlog) but never answers."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)
        yield sock.getsockname()[1]


CACHE_SYNC_TIMES_OUT = """
    import sys

    import rawkube
    from rawkube.runtime import Controller, SharedInformer

    client = rawkube.Client(rawkube.Config(server=f"http://127.0.0.1:{sys.argv[1]}"))
    informer = SharedInformer(client.core_v1.config_maps())
    controller = Controller(informer, print, workers=2, cache_sync_timeout=1)
    controller.start()  # TimeoutError: nothing ever answers the list
"""


@pytest.mark.parametrize("server", [refused_port, silent_port], ids=["refused", "silent"])
def test_a_controller_whose_cache_never_syncs_exits(tmp_path, server):
    with server() as port:
        done = run_program(tmp_path, CACHE_SYNC_TIMES_OUT, str(port))
    assert done.returncode != 0
    assert "TimeoutError: the informer's cache did not sync in time" in done.stderr


def test_a_program_that_raises_with_informers_and_workers_running_exits(tmp_path, kubeconfig):
    done = run_program(
        tmp_path,
        """
        import sys

        import rawkube
        from rawkube.runtime import Controller, SharedInformer

        client = rawkube.Client.from_kubeconfig(sys.argv[1])
        informer = SharedInformer(client.core_v1.config_maps())
        informer.add_event_handler(lambda obj: None, resync_period=60)  # a handler and resyncs
        controller = Controller(informer, lambda key: None, workers=2)  # a queue and workers
        controller.start()
        assert informer.has_synced()
        raise RuntimeError("the program's own bug, and no stop()")
        """,
        str(kubeconfig),
    )
    assert done.returncode != 0
    assert "RuntimeError: the program's own bug, and no stop()" in done.stderr

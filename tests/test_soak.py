"""A few seconds of steady load on one client: no errors, open sockets bounded, memory flat.

Eight threads share one ``Client`` and fifty tasks one ``AsyncClient``, each creating, reading,
patching, listing and deleting ConfigMaps on the fake cluster served on loopback, for a fixed
time. The process's open descriptors are sampled throughout (the server's sockets are in this
process too) and its resident memory compared after a warm-up and at the end. Linux only: the
counts come from ``/proc/self``.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import resource
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

import rawkube
from rawkube.models.core_v1 import ConfigMap
from rawkube.testing import FakeCluster

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/fd").is_dir() or not Path("/proc/self/statm").is_file(),
    reason="counts open descriptors and resident memory through /proc/self",
)

THREADS = 8
TASKS = 50
SECONDS = 5.0  # of load per client, after WARM_UP
WARM_UP = 1.5
RSS_GROWTH = 48 * 1024 * 1024  # generous: the fake cluster keeps its last 10,000 actions
PAGE = resource.getpagesize()
names = itertools.count()


def open_descriptors() -> int:
    return len(os.listdir("/proc/self/fd"))


def resident_bytes() -> int:
    return int(Path("/proc/self/statm").read_text().split()[1]) * PAGE


class Sampler:
    """The most descriptors open at once while running, sampled every 20 ms in a thread."""

    def __init__(self) -> None:
        self.most = open_descriptors()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            self.most = max(self.most, open_descriptors())

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


@pytest.fixture
def config(tmp_path: Path) -> Iterator[rawkube.Config]:
    """The served fake cluster's kubeconfig (it carries whatever token the server asks for)."""
    with FakeCluster().serve() as server:
        yield rawkube.load_config(server.write_kubeconfig(tmp_path / "kubeconfig"))


def cycle(client: rawkube.Client) -> None:
    """One round of a controller's calls on one ConfigMap of its own."""
    name = f"soak-{next(names)}"
    maps = client.api(ConfigMap)
    maps.create({"metadata": {"name": name, "labels": {"soak": "yes"}}, "data": {"n": "0"}})
    assert maps.get(name).metadata.name == name
    maps.patch(name, {"data": {"n": "1"}})
    maps.list(label_selector="soak=yes", limit=5)
    maps.delete(name)


async def acycle(client: rawkube.AsyncClient) -> None:
    """:func:`cycle`, awaited."""
    name = f"soak-{next(names)}"
    maps = client.api(ConfigMap)
    await maps.create({"metadata": {"name": name, "labels": {"soak": "yes"}}, "data": {"n": "0"}})
    assert (await maps.get(name)).metadata.name == name
    await maps.patch(name, {"data": {"n": "1"}})
    await maps.list(label_selector="soak=yes", limit=5)
    await maps.delete(name)


@contextmanager
def watched(concurrency: int) -> Iterator[dict[str, Any]]:
    """Measures a run: descriptors open at most, and memory after the warm-up and at the end."""
    start = open_descriptors()
    facts: dict[str, Any] = {}
    with Sampler() as sampler:
        yield facts
    facts["end"] = resident_bytes()
    # A connection each way per request in flight, and some slack for the server's own.
    assert sampler.most <= start + 2 * concurrency + 32, f"{sampler.most} open, from {start}"
    growth = facts["end"] - facts["warm"]
    assert growth < RSS_GROWTH, f"resident memory grew {growth / 2**20:.0f} MiB"


def test_eight_threads_on_one_client_for_a_while(config):
    errors: list[BaseException] = []
    done = [0] * THREADS
    with rawkube.Client(config) as client, watched(THREADS) as facts:
        stop_at = time.monotonic() + WARM_UP + SECONDS

        def work(index: int) -> None:
            try:
                while time.monotonic() < stop_at:
                    cycle(client)
                    done[index] += 1
            except BaseException as exc:  # reported below, with the rest
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(i,)) for i in range(THREADS)]
        for thread in threads:
            thread.start()
        time.sleep(WARM_UP)
        facts["warm"] = resident_bytes()
        for thread in threads:
            thread.join(timeout=SECONDS + 30)
    assert errors == []
    assert all(done), f"rounds per thread: {done}"


@pytest.mark.anyio
async def test_fifty_tasks_on_one_async_client_for_a_while(config):
    done = [0] * TASKS
    async with rawkube.AsyncClient(config) as client:
        with watched(TASKS) as facts:
            stop_at = time.monotonic() + WARM_UP + SECONDS

            async def work(index: int) -> None:
                while time.monotonic() < stop_at:
                    await acycle(client)
                    done[index] += 1

            async def warm() -> None:
                await asyncio.sleep(WARM_UP)
                facts["warm"] = resident_bytes()

            # gather raises the first error a task meets: none is expected.
            await asyncio.wait_for(
                asyncio.gather(warm(), *(work(i) for i in range(TASKS))), SECONDS + 60
            )
    assert all(done), f"rounds per task: {done}"

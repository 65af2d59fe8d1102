"""Throughput of the in-process fake cluster, through a real rawkube client (no sockets).

    python bench/fake_cluster.py [--objects 1000] [--rounds 5] [--loopback]

Reports operations per second for create, get, list (of --objects ConfigMaps) and watch
replay, the cost of one create and get of a ConfigMap and of a Pod (the kind with the most
defaults and rules), and the cost of two whole unit tests, from a new cluster to teardown:
one that seeds --objects objects and lists them, one that creates three, patches one and
lists them. Medians of --rounds, each round on a fresh cluster. ``--loopback`` sends the
same requests over HTTP to the cluster served on 127.0.0.1 (``cluster.serve()``) instead of
the in-process transport. A raw httpx + json baseline makes no sense here (there is no
server to ask): the figures stand for themselves, against "a unit test costs milliseconds".
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import time
from collections.abc import Callable, Iterator

from rawkube import Client, Config
from rawkube.models.core_v1 import ConfigMap, Pod
from rawkube.testing import FakeClock, FakeCluster


def configmap(index: int) -> ConfigMap:
    return ConfigMap(
        metadata={"name": f"cm-{index:05d}", "labels": {"app": "bench", "n": str(index % 10)}},
        data={"key": "value" * 10},
    )


def timed(action: Callable[[], int]) -> tuple[float, int]:
    start = time.perf_counter()
    count = action()
    return time.perf_counter() - start, count


def pod(index: int) -> Pod:
    return Pod(
        metadata={"name": f"pod-{index:05d}", "labels": {"app": "bench"}},
        spec={
            "containers": [{"name": "app", "image": "nginx:1.27", "ports": [{"containerPort": 80}]}]
        },
    )


@contextlib.contextmanager
def connect(cluster: FakeCluster, loopback: bool) -> Iterator[Client]:
    """A client of ``cluster``: in process, or over HTTP on loopback."""
    if not loopback:
        with cluster.client() as client:
            yield client
        return
    with (
        cluster.serve(auth=False) as server,
        Client(Config(server=server.url, namespace="default")) as client,
    ):
        yield client


def one_round(objects: int, loopback: bool) -> dict[str, float]:
    cluster = FakeCluster(clock=FakeClock(), watch_window=objects * 4)
    results: dict[str, float] = {}
    with connect(cluster, loopback) as client:
        cms = client.core_v1.config_maps()
        start_version = cluster.resource_version

        def create() -> int:
            for index in range(objects):
                cms.create(configmap(index))
            return objects

        def get() -> int:
            for index in range(objects):
                cms.get(f"cm-{index:05d}")
            return objects

        def list_all() -> int:
            rounds = 20
            for _ in range(rounds):
                assert len(cms.list().items or []) == objects
            return rounds

        def watch() -> int:
            with cms.watch(resource_version=start_version, timeout_seconds=1) as events:
                return sum(1 for event in events if event.type == "ADDED")

        for name, action in (
            ("create", create),
            ("get", get),
            ("list", list_all),
            ("watch", watch),
        ):
            seconds, count = timed(action)
            results[f"{name}/s"] = count / seconds

        pods = client.core_v1.pods()
        pairs = min(objects, 500)

        def pair_ms(create: Callable[[int], object], get: Callable[[int], object]) -> float:
            # Each pair timed alone, the median kept: a busy machine's pauses do not count.
            spent = []
            for index in range(pairs):
                start = time.perf_counter()
                create(index)
                get(index)
                spent.append(time.perf_counter() - start)
            return statistics.median(spent) * 1000

        results["cm create+get ms"] = pair_ms(
            lambda i: cms.create(configmap(objects + i)),
            lambda i: cms.get(f"cm-{objects + i:05d}"),
        )
        results["pod create+get ms"] = pair_ms(
            lambda i: pods.create(pod(i)), lambda i: pods.get(f"pod-{i:05d}")
        )

    def seeded_test() -> int:
        fresh = FakeCluster([configmap(i) for i in range(objects)], clock=FakeClock())
        with connect(fresh, loopback) as client:
            assert (
                len(client.core_v1.config_maps().list(label_selector="n=3").items or [])
                == objects // 10
            )
        return 1

    seconds, _ = timed(seeded_test)
    results["seeded test ms"] = seconds * 1000

    def small_test() -> int:
        fresh = FakeCluster(clock=FakeClock())
        with connect(fresh, loopback) as client:
            cms = client.core_v1.config_maps()
            for index in range(3):
                cms.create(configmap(index))
            cms.patch("cm-00000", {"data": {"key": "changed"}})
            assert len(cms.list().items or []) == 3
        return 1

    seconds, _ = timed(small_test)
    results["small test ms"] = seconds * 1000
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--loopback", action="store_true", help="over HTTP on 127.0.0.1")
    args = parser.parse_args()
    rounds = [one_round(args.objects, args.loopback) for _ in range(args.rounds)]
    where = "on loopback" if args.loopback else "in process"
    print(f"fake cluster {where}, {args.objects} ConfigMaps, median of {args.rounds} rounds")
    for key in rounds[0]:
        values = sorted(r[key] for r in rounds)
        shown = ",.2f" if key.endswith("+get ms") else ",.0f"
        print(
            f"  {key:<18} {statistics.median(values):>10{shown}}"
            f"   (min {values[0]:{shown}}, max {values[-1]:{shown}})"
        )


if __name__ == "__main__":
    main()

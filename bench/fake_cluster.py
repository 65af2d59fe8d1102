"""Throughput of the in-process fake cluster, through a real rawkube client (no sockets).

    python bench/fake_cluster.py [--objects 1000] [--rounds 5]

Reports operations per second for create, get, list (of --objects ConfigMaps) and watch
replay, and the cost of two whole unit tests, from a new cluster to teardown: one that seeds
--objects objects and lists them, one that creates three, patches one and lists them. Medians of --rounds,
each round on a fresh cluster. A raw httpx + json baseline makes no sense here (there is no
server to ask): the figures stand for themselves, against "a unit test costs milliseconds".
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

from rawkube.models.core_v1 import ConfigMap
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


def one_round(objects: int) -> dict[str, float]:
    cluster = FakeCluster(clock=FakeClock(), watch_window=objects * 2)
    results: dict[str, float] = {}
    with cluster.client() as client:
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

    def seeded_test() -> int:
        fresh = FakeCluster([configmap(i) for i in range(objects)], clock=FakeClock())
        with fresh.client() as client:
            assert (
                len(client.core_v1.config_maps().list(label_selector="n=3").items or [])
                == objects // 10
            )
        return 1

    seconds, _ = timed(seeded_test)
    results["seeded test ms"] = seconds * 1000

    def small_test() -> int:
        fresh = FakeCluster(clock=FakeClock())
        with fresh.client() as client:
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
    args = parser.parse_args()
    rounds = [one_round(args.objects) for _ in range(args.rounds)]
    print(f"fake cluster, {args.objects} ConfigMaps, median of {args.rounds} rounds")
    for key in rounds[0]:
        values = sorted(r[key] for r in rounds)
        print(
            f"  {key:<16} {statistics.median(values):>10,.0f}   (min {values[0]:,.0f}, max {values[-1]:,.0f})"
        )


if __name__ == "__main__":
    main()

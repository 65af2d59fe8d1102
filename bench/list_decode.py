"""Benchmark: a 10,000-pod list, fetched over loopback and decoded, each contender in a fresh process.

Contenders: the baseline (``httpx`` + ``orjson.loads`` into dicts, the collector on, as users
run); rawkube's dict path (``.do().json()``); its typed path, ``.do().into(PodList)``, which
builds nested models when they are read, both reading one field of each pod (as the baseline
does) and reading every field of every pod; an eager ``PodList.model_validate_json`` of the
same body followed by reading every field, with the collector on and inside rawkube's
collector pause (the yardstick for reading everything lazily); and that eager decode under
other garbage-collector strategies, for comparison: collector left on, a plain
``disable()``/``enable()`` around it (whose first collection afterwards walks the whole new
list), raised thresholds. Each run is a fresh process,
so peak RSS (``ru_maxrss``) is that run's own; rounds rotate the order. Needs ``orjson`` (bench
only) and the list made by the shared suite's ``gen_fixtures.py``
(``$BENCH_HOME/data/podlist-10000.json``)::

    python bench/list_decode.py --rounds 5
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

BENCH_HOME = Path(os.environ.get("BENCH_HOME", Path.home() / ".cache" / "k8s-client-bench"))
SERVER = Path(__file__).with_name("get_overhead.py")

WORKER = r"""
import gc, json, resource, sys, time
kind, url = sys.argv[1], sys.argv[2]
import httpx


def read_all(value):
    # Every field of every model, every item of every list and map: the whole tree.
    if isinstance(value, list):
        for item in value:
            read_all(item)
    elif isinstance(value, dict):
        for item in value.values():
            read_all(item)
    elif hasattr(type(value), "model_fields"):
        for name in type(value).model_fields:
            read_all(getattr(value, name))


if kind == "httpx+orjson dicts":
    import orjson
    client = httpx.Client()
    def run():
        return orjson.loads(client.get(url).content)["items"]
else:
    import rawkube
    from rawkube.models.core_v1 import PodList
    client = rawkube.Client(rawkube.Config(server=url.split("/api/")[0]))
    request = lambda: client.get().namespace("bench").resource("pods")
    if kind == "rawkube .json()":
        def run():
            return request().do().json()["items"]
    elif kind == "rawkube .into(PodList)":
        def run():
            return request().do().into(PodList).items
    elif kind == "rawkube .into(PodList), every field read":
        def run():
            items = request().do().into(PodList).items
            read_all(items)
            return items
    else:
        def run():
            body = request().do_raw()
            if kind == "eager, collector on":
                return PodList.model_validate_json(body).items
            if kind == "eager, collector on, every field read":
                items = PodList.model_validate_json(body).items
                read_all(items)
                return items
            if kind == "eager in rawkube's collector pause, every field read":
                from rawkube.core._decode import collector_paused
                with collector_paused():
                    items = PodList.model_validate_json(body).items
                read_all(items)
                return items
            if kind == "eager, disable()/enable() only":
                gc.disable()
                items = PodList.model_validate_json(body).items
                gc.enable()
                return items
            if kind == "eager, thresholds x100":
                gc.set_threshold(70000, 1000, 1000)
                return PodList.model_validate_json(body).items
            raise SystemExit(f"unknown contender {kind}")
start = time.perf_counter()
items = run()
names = sum(1 for item in items if (item["metadata"]["name"] if isinstance(item, dict) else item.metadata.name))
elapsed = time.perf_counter() - start
print(json.dumps({"seconds": elapsed, "items": names, "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

CONTENDERS = [
    "httpx+orjson dicts",
    "rawkube .json()",
    "rawkube .into(PodList)",
    "rawkube .into(PodList), every field read",
    "eager, collector on, every field read",
    "eager in rawkube's collector pause, every field read",
    "eager, collector on",
    "eager, disable()/enable() only",
    "eager, thresholds x100",
]


def run_rounds(
    worker: str, contenders: list[str], rounds: int, body: Path
) -> dict[str, list[dict[str, float]]]:
    """Serve ``body`` on loopback; run ``worker`` once a round per contender, order rotating.

    The worker gets the contender's name and the list's URL and prints one JSON object.
    """
    sys.path.insert(0, str(SERVER.parent))
    from get_overhead import SERVER as SERVE_ONE_BODY

    server = subprocess.Popen(
        [sys.executable, "-c", SERVE_ONE_BODY, str(body)], stdout=subprocess.PIPE, text=True
    )
    try:
        port = int(server.stdout.readline())  # type: ignore[union-attr]
        url = f"http://127.0.0.1:{port}/api/v1/namespaces/bench/pods"
        results: dict[str, list[dict[str, float]]] = {name: [] for name in contenders}
        for round_ in range(rounds):
            shift = round_ % len(contenders)
            for name in contenders[shift:] + contenders[:shift]:
                out = subprocess.run(
                    [sys.executable, "-c", worker, name, url],
                    capture_output=True,
                    text=True,
                    check=True,
                ).stdout
                results[name].append(json.loads(out))
    finally:
        server.kill()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--podlist", type=Path, default=BENCH_HOME / "data" / "podlist-10000.json")
    parser.add_argument(
        "--only",
        action="append",
        metavar="NAME",
        help="run only the contenders whose name holds NAME (repeatable; the baseline always runs)",
    )
    args = parser.parse_args()
    contenders = [
        name
        for name in CONTENDERS
        if name == CONTENDERS[0] or not args.only or any(part in name for part in args.only)
    ]
    if not args.podlist.exists():
        raise SystemExit(f"{args.podlist} is missing: run the shared suite's gen_fixtures.py first")

    results = run_rounds(WORKER, contenders, args.rounds, args.podlist)

    base = statistics.median(r["seconds"] for r in results[CONTENDERS[0]])
    base_rss = statistics.median(r["rss_mb"] for r in results[CONTENDERS[0]])
    size = args.podlist.stat().st_size / 1e6
    print(f"{size:.0f} MB PodList, {args.rounds} fresh-process runs each, medians (min-max)\n")
    print("| contender | time | x baseline | peak RSS | x baseline |")
    print("|---|---|---|---|---|")
    for name in contenders:
        times = [r["seconds"] for r in results[name]]
        rss = statistics.median(r["rss_mb"] for r in results[name])
        median = statistics.median(times)
        print(
            f"| {name} | {median:.2f} s ({min(times):.2f}-{max(times):.2f}) | x{median / base:.2f} "
            f"| {rss:.0f} MB | x{rss / base_rss:.2f} |"
        )


if __name__ == "__main__":
    main()

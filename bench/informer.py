"""An informer's initial sync of 10,000 pods and its steady event throughput, beside raw httpx.

    python bench/informer.py [--rounds 3] [--events 50000]

Runs against the shared suite's fake API server (``../shared/bench/server.py``, its data made
by ``gen_fixtures.py`` into ``$BENCH_HOME/data``): a 10,000-pod list, then a watch stream of
pod events. Each contender runs in a fresh process per round:

- ``rawkube``: ``SharedInformer(client.core_v1.pods("default"))`` with one handler counting
  calls: time to ``has_synced()`` (typed pods in the cache), then the watch events per second
  into the cache and the handler; peak RSS.
- ``httpx+orjson``: the floor, no client library: GET the list, ``orjson.loads`` it into a dict
  by ``namespace/name``; then stream the watch, split lines, ``orjson.loads`` each and update
  the dict.

Medians of the rounds, interleaved.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SUITE = HERE.parent.parent / "shared" / "bench"
DATA = Path(os.environ.get("BENCH_HOME", Path.home() / ".cache" / "k8s-client-bench")) / "data"


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_rawkube(kubeconfig: str, events: int) -> dict[str, float]:
    import rawkube
    import rawkube.models.core_v1
    from rawkube.runtime import SharedInformer

    client = rawkube.Client.from_kubeconfig(kubeconfig)
    informer = SharedInformer(client.core_v1.pods("default"))
    counted = {"n": 0}
    enough = threading.Event()
    synced_at = {"t": 0.0}

    def count(*_: object) -> None:
        counted["n"] += 1
        if counted["n"] == 10_000:
            synced_at["t"] = time.perf_counter()
        if counted["n"] >= 10_000 + events:
            enough.set()

    informer.add_event_handler(count, count, count)
    start = time.perf_counter()
    informer.start()
    informer.wait_for_cache_sync()
    synced = time.perf_counter()
    enough.wait(600)
    done = time.perf_counter()
    informer.stop()
    client.close()
    return {
        "sync_s": synced - start,
        "events_per_s": events / (done - max(synced_at["t"], synced)),
        "peak_rss_mb": peak_rss_mb(),
    }


def run_baseline(kubeconfig: str, events: int) -> dict[str, float]:
    import httpx
    import orjson
    import yaml

    document = yaml.safe_load(Path(kubeconfig).read_text())
    server = document["clusters"][0]["cluster"]["server"]
    token = document["users"][0]["user"].get("token", "")
    client = httpx.Client(
        base_url=server, headers={"Authorization": f"Bearer {token}"}, timeout=None
    )
    start = time.perf_counter()
    answer = orjson.loads(client.get("/api/v1/namespaces/default/pods").content)
    cache = {f"{p['metadata']['namespace']}/{p['metadata']['name']}": p for p in answer["items"]}
    synced = time.perf_counter()
    seen = 0
    with client.stream("GET", "/api/v1/namespaces/default/pods?watch=1") as response:
        pending = b""
        for chunk in response.iter_bytes():
            *lines, pending = (pending + chunk).split(b"\n")
            for line in lines:
                event = orjson.loads(line)
                if event["type"] == "BOOKMARK":
                    continue
                obj = event["object"]
                key = f"{obj['metadata'].get('namespace')}/{obj['metadata']['name']}"
                if event["type"] == "DELETED":
                    cache.pop(key, None)
                else:
                    cache[key] = obj
                seen += 1
                if seen >= events:
                    break
            if seen >= events:
                break
    done = time.perf_counter()
    client.close()
    return {
        "sync_s": synced - start,
        "events_per_s": events / (done - synced),
        "peak_rss_mb": peak_rss_mb(),
    }


CONTENDERS = {"rawkube": run_rawkube, "httpx+orjson": run_baseline}


def start_server(kubeconfig: str) -> subprocess.Popen[str]:
    command = [
        sys.executable,
        str(SUITE / "server.py"),
        "--data",
        str(DATA),
        "--kubeconfig",
        kubeconfig,
    ]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    assert server.stdout is not None
    server.stdout.readline()  # its start line: ready
    return server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--one", help=argparse.SUPPRESS)  # a contender, in a fresh process
    parser.add_argument("--kubeconfig", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(CONTENDERS[args.one](args.kubeconfig, args.events)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        kubeconfig = str(Path(tmp) / "kubeconfig")
        server = start_server(kubeconfig)
        results: dict[str, list[dict[str, float]]] = {name: [] for name in CONTENDERS}
        try:
            for _ in range(args.rounds):
                for name in CONTENDERS:
                    out = subprocess.run(
                        [
                            sys.executable,
                            __file__,
                            "--one",
                            name,
                            "--kubeconfig",
                            kubeconfig,
                            "--events",
                            str(args.events),
                        ],
                        capture_output=True,
                        text=True,
                        check=True,
                    )
                    results[name].append(json.loads(out.stdout))
        finally:
            server.terminate()
    print(f"informer over 10,000 pods, then {args.events:,} watch events; median of {args.rounds}")
    for name, runs in results.items():
        figures = {key: statistics.median(r[key] for r in runs) for key in runs[0]}
        print(
            f"  {name:<14} sync {figures['sync_s']:.2f} s   "
            f"{figures['events_per_s']:>9,.0f} events/s   peak RSS {figures['peak_rss_mb']:.0f} MB"
        )


if __name__ == "__main__":
    main()

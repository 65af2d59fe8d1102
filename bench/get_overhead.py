"""Benchmark: 1,000 sequential GETs of one Pod on loopback, rawkube against plain httpx + json.

Each round runs every contender once, in a rotating order, against a stdlib HTTP server in its
own process that answers every GET with the same recorded Pod. The report gives the median,
min and max per contender over the rounds and each one's ratio to the httpx baseline of the
same run, in wall time and in the client process's CPU time: the CPU figure leaves out the
server and the scheduler, so it shows the client's own overhead best on a busy machine. Run it
from the repository root::

    python bench/get_overhead.py --rounds 15 --count 1000
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx

import rawkube

ROOT = Path(__file__).resolve().parent.parent
POD = ROOT / "tests" / "fixtures" / "recorded" / "pod_get.body"
NAMESPACE, NAME = "lab-fixtures", "pod-1"
PATH = f"/api/v1/namespaces/{NAMESPACE}/pods/{NAME}"

SERVER = r"""
import socket, sys, threading
body = open(sys.argv[1], "rb").read()
response = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body)) + body
listener = socket.socket()
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(("127.0.0.1", 0))
listener.listen(16)
print(listener.getsockname()[1], flush=True)

def serve(conn):
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    buffer = b""
    while True:
        while b"\r\n\r\n" not in buffer:
            data = conn.recv(65536)
            if not data:
                conn.close()
                return
            buffer += data
        _, _, buffer = buffer.partition(b"\r\n\r\n")
        conn.sendall(response)

while True:
    conn, _ = listener.accept()
    threading.Thread(target=serve, args=(conn,), daemon=True).start()
"""


def httpx_json(base: str, count: int) -> Callable[[], int]:
    client = httpx.Client(base_url=base, headers={"Accept": "application/json"})

    def run() -> int:
        return sum(
            json.loads(client.get(PATH).content)["metadata"]["name"] == NAME for _ in range(count)
        )

    return run


def rawkube_json(base: str, count: int) -> Callable[[], int]:
    client = rawkube.Client(rawkube.Config(server=base))

    def run() -> int:
        hits = 0
        for _ in range(count):
            pod = client.get().namespace(NAMESPACE).resource("pods").name(NAME).do().json()
            hits += pod["metadata"]["name"] == NAME
        return hits

    return run


def rawkube_raw_builder(base: str, count: int) -> Callable[[], int]:
    client = rawkube.Client(rawkube.Config(server=base))
    rest = client.rest("v1")

    def run() -> int:
        hits = 0
        for _ in range(count):
            body = rest.get().namespace(NAMESPACE).resource("pods").name(NAME).do_raw()
            hits += json.loads(body)["metadata"]["name"] == NAME
        return hits

    return run


CONTENDERS = {
    "httpx.get + json.loads": httpx_json,
    "rawkube .do().json()": rawkube_json,
    "rawkube rest('v1') .do_raw()": rawkube_raw_builder,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--count", type=int, default=1000)
    args = parser.parse_args()

    server = subprocess.Popen(
        [sys.executable, "-c", SERVER, str(POD)], stdout=subprocess.PIPE, text=True
    )
    try:
        port = int(server.stdout.readline())  # type: ignore[union-attr]
        base = f"http://127.0.0.1:{port}"
        runs = {name: make(base, args.count) for name, make in CONTENDERS.items()}
        for run in runs.values():  # warm the pools and caches once
            run()
        times: dict[str, list[float]] = {name: [] for name in runs}
        cpu: dict[str, list[float]] = {name: [] for name in runs}
        names = list(runs)
        for round_ in range(args.rounds):
            order = names[round_ % len(names) :] + names[: round_ % len(names)]
            for name in order:
                gc.collect()
                start, start_cpu = time.perf_counter(), time.process_time()
                hits = runs[name]()
                times[name].append(time.perf_counter() - start)
                cpu[name].append(time.process_time() - start_cpu)
                assert hits == args.count, (name, hits)
    finally:
        server.kill()

    baseline = statistics.median(times[names[0]])
    baseline_cpu = statistics.median(cpu[names[0]])
    print(
        f"{args.count} sequential GETs, {args.rounds} rounds, Python {sys.version.split()[0]}, "
        f"httpx {httpx.__version__}, rawkube {rawkube.__version__}\n"
    )
    print("| contender | wall median | min | max | vs httpx | client CPU median | vs httpx |")
    print("|---|---|---|---|---|---|---|")
    for name in names:
        median, median_cpu = statistics.median(times[name]), statistics.median(cpu[name])
        print(
            f"| {name} | {median * 1000:.0f} ms | {min(times[name]) * 1000:.0f} ms "
            f"| {max(times[name]) * 1000:.0f} ms | x{median / baseline:.3f} "
            f"| {median_cpu * 1000:.0f} ms | x{median_cpu / baseline_cpu:.3f} |"
        )


if __name__ == "__main__":
    main()

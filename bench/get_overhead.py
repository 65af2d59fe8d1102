"""Benchmark: GETs of one Pod on loopback, rawkube against its HTTP engine used plainly.

Each round runs every contender once, in a rotating order, against a stdlib HTTP server in its
own process that answers every GET with the same recorded Pod. The report gives the median,
min and max per contender over the rounds and each one's ratio to the plain engine of the same
run (its client + msgspec making a dict), in wall time and in the client process's CPU time:
the CPU figure leaves out the server and the scheduler, so it shows the client's own overhead
best on a busy machine. The engine is the one rawkube uses (``RAWKUBE_HTTP_ENGINE``). Run it
from the repository root::

    python bench/get_overhead.py --rounds 15 --count 1000                 # one at a time
    python bench/get_overhead.py --rounds 9 --count 2000 --in-flight 50   # asyncio, 50 at once
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgspec

import rawkube
from rawkube._http import ENGINE, httpx

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
listener.listen(256)
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


Run = Callable[[], int]
loads = msgspec.json.decode  # as fast as orjson on a body this size (json_parsers.py)


def plain(base: str, count: int) -> Run:
    client = httpx.Client(base_url=base, headers={"Accept": "application/json"})

    def run() -> int:
        return sum(
            loads(client.get(PATH).content)["metadata"]["name"] == NAME for _ in range(count)
        )

    return run


def rawkube_typed(base: str, count: int) -> Run:
    pods = rawkube.Client(rawkube.Config(server=base)).core_v1.pods(NAMESPACE)
    return lambda: sum(pods.get(NAME).metadata.name == NAME for _ in range(count))


def rawkube_json(base: str, count: int) -> Run:
    client = rawkube.Client(rawkube.Config(server=base))

    def run() -> int:
        hits = 0
        for _ in range(count):
            pod = client.get().namespace(NAMESPACE).resource("pods").name(NAME).do().json()
            hits += pod["metadata"]["name"] == NAME
        return hits

    return run


def rawkube_raw_builder(base: str, count: int) -> Run:
    client = rawkube.Client(rawkube.Config(server=base))
    rest = client.rest("v1")

    def run() -> int:
        hits = 0
        for _ in range(count):
            body = rest.get().namespace(NAMESPACE).resource("pods").name(NAME).do_raw()
            hits += loads(body)["metadata"]["name"] == NAME
        return hits

    return run


def in_flight(count: int, concurrency: int, one: Callable[[], Any]) -> Run:
    """``count`` calls of the coroutine function ``one``, ``concurrency`` at a time, on one loop."""
    loop = asyncio.new_event_loop()

    async def drive() -> int:
        left, hits = [count], [0]

        async def worker() -> None:
            while left[0] > 0:
                left[0] -= 1
                ok = await one()  # not `hits[0] += await ...`: that reads hits[0] first
                hits[0] += bool(ok)

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return hits[0]

    return lambda: loop.run_until_complete(drive())


def async_plain(base: str, count: int, concurrency: int) -> Run:
    # The pool rawkube's clients have, so that only what each adds on top is compared.
    limits = httpx.Limits(max_connections=256, max_keepalive_connections=256)
    client = httpx.AsyncClient(base_url=base, headers={"Accept": "application/json"}, limits=limits)

    async def one() -> bool:
        return bool(loads((await client.get(PATH)).content)["metadata"]["name"] == NAME)

    return in_flight(count, concurrency, one)


def async_rawkube_typed(base: str, count: int, concurrency: int) -> Run:
    pods = rawkube.AsyncClient(rawkube.Config(server=base)).core_v1.pods(NAMESPACE)

    async def one() -> bool:
        return (await pods.get(NAME)).metadata.name == NAME

    return in_flight(count, concurrency, one)


def async_rawkube_json(base: str, count: int, concurrency: int) -> Run:
    client = rawkube.AsyncClient(rawkube.Config(server=base))

    async def one() -> bool:
        request = client.get().namespace(NAMESPACE).resource("pods").name(NAME)
        return bool((await request.do()).json()["metadata"]["name"] == NAME)

    return in_flight(count, concurrency, one)


SEQUENTIAL: dict[str, Callable[[str, int], Run]] = {
    f"{ENGINE}.get + msgspec": plain,
    "rawkube typed .get(name)": rawkube_typed,
    "rawkube .do().json()": rawkube_json,
    "rawkube rest('v1') .do_raw()": rawkube_raw_builder,
}
CONCURRENT: dict[str, Callable[[str, int, int], Run]] = {
    f"{ENGINE}.AsyncClient.get + msgspec": async_plain,
    "rawkube AsyncClient typed .get(name)": async_rawkube_typed,
    "rawkube AsyncClient .do().json()": async_rawkube_json,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument(
        "--in-flight", type=int, default=1, help="above 1: asyncio, this many at once"
    )
    args = parser.parse_args()

    server = subprocess.Popen(
        [sys.executable, "-c", SERVER, str(POD)], stdout=subprocess.PIPE, text=True
    )
    try:
        port = int(server.stdout.readline())  # type: ignore[union-attr]
        base = f"http://127.0.0.1:{port}"
        if args.in_flight > 1:
            runs = {n: make(base, args.count, args.in_flight) for n, make in CONCURRENT.items()}
        else:
            runs = {n: make_one(base, args.count) for n, make_one in SEQUENTIAL.items()}
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
    how = f"{args.in_flight} in flight on asyncio" if args.in_flight > 1 else "one at a time"
    print(
        f"{args.count} GETs {how}, {args.rounds} rounds, Python {sys.version.split()[0]}, "
        f"engine {ENGINE} {httpx.__version__}, rawkube {rawkube.__version__}\n"
    )
    print("| contender | wall median | min | max | vs plain | client CPU median | vs plain |")
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

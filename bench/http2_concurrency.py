"""Benchmark: HTTP/1.1 against HTTP/2 for concurrent requests from one AsyncClient, over TLS.

Serves the recorded Pod from hypercorn (HTTP/1.1 and HTTP/2 over TLS, ALPN) on loopback with a
throw-away certificate made by the openssl command, then sends ``--requests`` GETs with
``--concurrency`` in flight, from ``AsyncClient(http2=False)`` and ``AsyncClient(http2=True)``
in alternating rounds. Needs ``pip install hypercorn h2`` (bench-only) and openssl::

    python bench/http2_concurrency.py --rounds 5 --requests 2000 --concurrency 50
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import rawkube
from rawkube import _http

ROOT = Path(__file__).resolve().parent.parent
POD = ROOT / "tests" / "fixtures" / "recorded" / "pod_get.body"

APP = """
body = open({pod!r}, "rb").read()

async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    version = scope["http_version"].encode()
    await send({{"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json"),
                            (b"x-http-version", version)]}})
    await send({{"type": "http.response.body", "body": body}})
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def make_certificate(directory: Path) -> None:
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-keyout", "key.pem", "-out", "cert.pem", "-days", "1", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost"],
        cwd=directory, check=True, capture_output=True,
    )  # fmt: skip


async def run_round(config: rawkube.Config, http2: bool, requests: int, concurrency: int) -> float:
    async with rawkube.AsyncClient(config, http2=http2) as client:
        # connect and handshake outside the timer, and check the protocol ALPN settled on
        version = (await client.get().abs_path("/version").do()).headers["x-http-version"]
        assert version == ("2" if http2 else "1.1"), f"http2={http2} but served over {version}"
        gate = asyncio.Semaphore(concurrency)

        async def one() -> None:
            async with gate:
                pod = (
                    await client.get().namespace("lab-fixtures").resource("pods").name("pod-1").do()
                ).json()
                assert pod["metadata"]["name"] == "pod-1"

        start = time.perf_counter()
        await asyncio.gather(*(one() for _ in range(requests)))
        return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=50)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        make_certificate(directory)
        (directory / "podapp.py").write_text(APP.format(pod=str(POD)))
        port = free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "hypercorn", "--certfile", "cert.pem", "--keyfile", "key.pem",
             "--bind", f"127.0.0.1:{port}", "--log-level", "error", "podapp:app"],
            cwd=directory,
            start_new_session=True,  # hypercorn forks a worker: stop the whole group at the end
        )  # fmt: skip
        try:
            config = rawkube.Config(
                server=f"https://127.0.0.1:{port}",
                tls=rawkube.TLSSettings(
                    ca_pem=(directory / "cert.pem").read_bytes(), server_name="localhost"
                ),
            )
            for _ in range(100):  # wait for the server to listen
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    time.sleep(0.1)
            times: dict[str, list[float]] = {"HTTP/1.1": [], "HTTP/2": []}
            for round_ in range(args.rounds):
                for http2 in (round_ % 2 == 1, round_ % 2 == 0):
                    label = "HTTP/2" if http2 else "HTTP/1.1"
                    times[label].append(
                        asyncio.run(run_round(config, http2, args.requests, args.concurrency))
                    )
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait()

    print(
        f"engine {_http.ENGINE}: {args.requests} GETs, {args.concurrency} in flight, "
        f"{args.rounds} rounds, TLS, hypercorn on loopback\n"
    )
    print("| protocol | median | min | max | requests/s |")
    print("|---|---|---|---|---|")
    for label, values in times.items():
        median = statistics.median(values)
        print(
            f"| {label} | {median:.2f} s | {min(values):.2f} s | {max(values):.2f} s | {args.requests / median:.0f} |"
        )


if __name__ == "__main__":
    main()

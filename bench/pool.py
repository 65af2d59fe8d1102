"""Benchmark: connections opened and requests/s with 1, 10, 50 and 200 requests in flight.

One client, sync (a thread per request in flight) and asyncio (a task per request in flight),
GETs a small JSON body from a keep-alive HTTP/1.1 server on loopback. The server runs in its own
process (asyncio, no HTTP library), answers at once and counts the connections it accepts, so
the figures are the client's: how many connections it opened for the requests, and how fast.

    python bench/pool.py --rounds 3 --requests 4000
    python bench/pool.py --pool 100,20,5    # httpx's defaults: max_connections, keepalive, expiry
    python bench/pool.py --tls              # as API servers serve: a new connection costs a handshake
    python bench/pool.py --delay 5          # the server takes 5 ms per answer, as a real one may

``--pool default`` passes no pool setting, so the same script measures a rawkube from before
the settings existed (``PYTHONPATH=/path/to/old/tree python bench/pool.py``).
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import ssl
import statistics
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import rawkube
from rawkube import _http

BODY = b'{"kind":"Status","apiVersion":"v1","status":"Success"}'
ANSWER = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (
    len(BODY),
    BODY,
)
LEVELS = (1, 10, 50, 200)


class _Http(asyncio.Protocol):
    """Answers each request head (GETs: no body) on a connection, in order, ``delay`` s later."""

    def __init__(self, accepted: Any, delay: float) -> None:
        self._accepted = accepted
        self._delay = delay
        self._buffer = b""

    def connection_made(self, transport: Any) -> None:
        self._transport = transport
        with self._accepted.get_lock():
            self._accepted.value += 1

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        answers = self._buffer.count(b"\r\n\r\n")
        if answers:
            self._buffer = self._buffer[self._buffer.rfind(b"\r\n\r\n") + 4 :]
            if self._delay:
                loop = asyncio.get_running_loop()
                loop.call_later(self._delay, self._answer, answers)
            else:
                self._answer(answers)

    def _answer(self, answers: int) -> None:
        if not self._transport.is_closing():
            self._transport.write(ANSWER * answers)


def _serve(port: Any, accepted: Any, ready: Any, pem: str | None, delay: float) -> None:
    async def main() -> None:
        loop = asyncio.get_running_loop()
        context = None
        if pem is not None:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(pem)
        server = await loop.create_server(
            lambda: _Http(accepted, delay), "127.0.0.1", 0, backlog=1024, ssl=context
        )
        port.value = server.sockets[0].getsockname()[1]
        ready.set()
        await asyncio.Event().wait()

    asyncio.run(main())


def _certificate(where: Path) -> Path:
    """A self-signed certificate and key for 127.0.0.1, in one PEM file (needs ``openssl``)."""
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-keyout", "key.pem", "-out", "cert.pem", "-days", "1", "-subj", "/CN=bench",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        cwd=where, check=True, capture_output=True,
    )  # fmt: skip
    pem = where / "both.pem"
    pem.write_bytes((where / "cert.pem").read_bytes() + (where / "key.pem").read_bytes())
    return pem


def _sync_round(config: rawkube.Config, pool: dict[str, Any], in_flight: int, total: int) -> float:
    left = [total]
    lock = threading.Lock()
    with rawkube.Client(config, **pool) as client:

        def work() -> None:
            while True:
                with lock:
                    if not left[0]:
                        return
                    left[0] -= 1
                client.get().abs_path("/version").do()

        threads = [threading.Thread(target=work) for _ in range(in_flight)]
        start = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return time.perf_counter() - start


def _async_round(config: rawkube.Config, pool: dict[str, Any], in_flight: int, total: int) -> float:
    async def main() -> float:
        left = [total]
        async with rawkube.AsyncClient(config, **pool) as client:

            async def work() -> None:
                while left[0]:
                    left[0] -= 1
                    await client.get().abs_path("/version").do()

            start = time.perf_counter()
            await asyncio.gather(*(work() for _ in range(in_flight)))
            return time.perf_counter() - start

    return asyncio.run(main())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--tls", action="store_true", help="HTTPS, as API servers serve")
    parser.add_argument(
        "--delay", type=float, default=0.0, help="ms the server takes to answer (a real one's)"
    )
    parser.add_argument("--requests", type=int, default=4000, help="requests per round")
    parser.add_argument(
        "--pool",
        default="default",
        help="'default', or max_connections,max_keepalive_connections,keepalive_expiry",
    )
    args = parser.parse_args()
    pool: dict[str, Any] = {}
    if args.pool != "default":
        most, keep, expiry = args.pool.split(",")
        pool = {
            "max_connections": int(most),
            "max_keepalive_connections": int(keep),
            "keepalive_expiry": float(expiry),
        }

    scratch = tempfile.TemporaryDirectory()
    pem = _certificate(Path(scratch.name)) if args.tls else None
    port, accepted = multiprocessing.Value("i", 0), multiprocessing.Value("i", 0)
    ready = multiprocessing.Event()
    serving = (port, accepted, ready, None if pem is None else str(pem), args.delay / 1000)
    server = multiprocessing.Process(target=_serve, args=serving, daemon=True)
    server.start()
    ready.wait(10)
    if pem is None:
        config = rawkube.Config(server=f"http://127.0.0.1:{port.value}")
    else:
        tls = rawkube.TLSSettings(ca_pem=(Path(scratch.name) / "cert.pem").read_bytes())
        config = rawkube.Config(server=f"https://127.0.0.1:{port.value}", tls=tls)
    scheme = "HTTPS" if args.tls else "HTTP"
    print(
        f"engine: {_http.ENGINE}; pool: {args.pool}; {args.requests} {scheme} GETs a round "
        f"answered after {args.delay:g} ms, median of {args.rounds} rounds (max: the worst round)"
    )
    print(f"{'client':8} {'in flight':>9} {'connections':>12} {'max':>6} {'requests/s':>11}")
    try:
        for name, run in (("sync", _sync_round), ("asyncio", _async_round)):
            for in_flight in LEVELS:
                rates, opened = [], []
                for _ in range(args.rounds):
                    before = accepted.value
                    seconds = run(config, pool, in_flight, args.requests)
                    rates.append(args.requests / seconds)
                    opened.append(accepted.value - before)
                print(
                    f"{name:8} {in_flight:>9} {int(statistics.median(opened)):>12,} "
                    f"{max(opened):>6,} {statistics.median(rates):>11,.0f}"
                )
    finally:
        server.terminate()
        scratch.cleanup()


if __name__ == "__main__":
    main()

"""Overall limits hold against a trickling server: ``.timeout()`` and a watch's ``timeoutSeconds``.

A server that sends one byte now and then never lets a single read time out; these tests run
such a server on loopback and time how long rawkube takes to give up.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import anyio
import httpx
import pytest
import respx

import rawkube
import rawkube.client._watch_stream
from rawkube.core._clock import FakeClock

DRIP_EVERY = 0.2
SERVER_GIVES_UP = 3.0  # the server ends its answer by then: a test that would hang fails
BODY_HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"
# No length and no chunking: the body runs until the connection closes, as a watch's may.
STREAM_HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n"


@contextmanager
def trickling(head: bytes, drip: bytes) -> Iterator[str]:
    """A loopback server answering a request with ``head``, then ``drip`` every 0.2 s.

    Only the first connection is answered; any later one (a retry) is closed at once, so a
    client that retries does not make the test slow.
    """
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()
    feeders: list[threading.Thread] = []

    def feed(conn: socket.socket, first: bool) -> None:
        with conn:
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                data += chunk
            if not first:
                return
            try:
                conn.sendall(head)
                end = time.monotonic() + SERVER_GIVES_UP
                while time.monotonic() < end and not stop.wait(DRIP_EVERY):
                    conn.sendall(drip)
            except OSError:  # the client hung up: what the tests expect it to do
                return

    def accept() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            feeder = threading.Thread(target=feed, args=(conn, not feeders), daemon=True)
            feeders.append(feeder)
            feeder.start()

    acceptor = threading.Thread(target=accept, daemon=True)
    acceptor.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept(); close() alone does not
        listener.close()
        acceptor.join(timeout=5)
        for feeder in feeders:
            feeder.join(timeout=5)


@contextmanager
def takes_less_than(seconds: float) -> Iterator[None]:
    start = time.monotonic()
    yield
    elapsed = time.monotonic() - start
    assert elapsed < seconds, f"took {elapsed:.2f} s"


def test_a_trickled_body_ends_at_the_requests_limit():
    with (
        trickling(BODY_HEAD, b" ") as url,
        rawkube.Client(rawkube.Config(server=url, clock=FakeClock())) as client,
        takes_less_than(1.5),
        pytest.raises(rawkube.RequestTimeoutError, match="1 s limit"),
    ):
        client.get().abs_path("/version").timeout(1).do()


@pytest.mark.anyio
async def test_a_trickled_body_ends_at_the_requests_limit_async():
    with trickling(BODY_HEAD, b" ") as url, takes_less_than(1.5):
        async with rawkube.AsyncClient(rawkube.Config(server=url, clock=FakeClock())) as client:
            with pytest.raises(rawkube.RequestTimeoutError, match="1 s limit"):
                await client.get().abs_path("/version").timeout(1).do()


@pytest.mark.anyio
async def test_trickled_headers_end_at_the_requests_limit_async():
    with trickling(b"HTTP/1.1 200 OK\r\nX-Slow: ", b"a") as url, takes_less_than(1.5):
        async with rawkube.AsyncClient(rawkube.Config(server=url, clock=FakeClock())) as client:
            with pytest.raises(rawkube.RequestTimeoutError, match="1 s limit"):
                await client.get().abs_path("/version").timeout(1).do()


def test_a_trickled_stream_ends_at_the_requests_limit():
    with (
        trickling(STREAM_HEAD, b"log line\n") as url,
        rawkube.Client(rawkube.Config(server=url, clock=FakeClock())) as client,
    ):
        log = client.get().namespace("team").resource("pods").name("p").subresource("log")
        request = log.param("follow", True).timeout(1)
        with (
            takes_less_than(1.5),
            pytest.raises(rawkube.RequestTimeoutError, match="1 s limit"),
            request.stream() as chunks,
        ):
            list(chunks)


@pytest.fixture
def short_margin(monkeypatch: pytest.MonkeyPatch) -> float:
    """A watch's margin past ``timeoutSeconds`` shortened from 10 s, to keep the tests quick."""
    monkeypatch.setattr(rawkube.client._watch_stream, "READ_MARGIN", 0.5)
    return 0.5


NEVER_ENDING = [
    pytest.param(b"\n", id="blank keep-alive lines"),
    pytest.param(b"x", id="a line that never ends"),
]


@pytest.mark.parametrize("drip", NEVER_ENDING)
def test_a_watch_ends_by_its_timeout_and_margin_however_the_server_trickles(drip, short_margin):
    with (
        trickling(STREAM_HEAD, drip) as url,
        rawkube.Client(rawkube.Config(server=url, namespace="team")) as client,
    ):
        watch = client.core_v1.config_maps().watch(timeout_seconds=1)
        with (
            takes_less_than(1 + short_margin + 0.5),
            pytest.raises(rawkube.RequestTimeoutError, match=r"1\.5 s limit"),
            watch,
        ):
            list(watch)


async def all_events(watch: rawkube.AsyncWatch) -> list:
    async with watch:
        return [event async for event in watch]


@pytest.mark.parametrize("drip", NEVER_ENDING)
@pytest.mark.anyio
async def test_an_async_watch_ends_by_its_timeout_and_margin(drip, short_margin):
    with trickling(STREAM_HEAD, drip) as url:
        async with rawkube.AsyncClient(rawkube.Config(server=url, namespace="team")) as client:
            watch = client.core_v1.config_maps().watch(timeout_seconds=1)
            with (
                takes_less_than(1 + short_margin + 0.5),
                pytest.raises(rawkube.RequestTimeoutError, match=r"1\.5 s limit"),
            ):
                await all_events(watch)


def event(name: str) -> bytes:
    obj = {"kind": "ConfigMap", "apiVersion": "v1", "metadata": {"name": name}}
    return json.dumps({"type": "ADDED", "object": obj}).encode() + b"\n"


@contextmanager
def two_events(first_seen: threading.Event) -> Iterator[str]:
    """A watch server: one event, then, once the caller has it, another and the end."""
    listener = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        with listener, listener.accept()[0] as conn:
            conn.recv(65536)
            conn.sendall(STREAM_HEAD + event("first"))
            if first_seen.wait(5):
                conn.sendall(event("second"))

    server = threading.Thread(target=serve, daemon=True)
    server.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        first_seen.set()
        server.join(timeout=5)


def test_a_caller_that_falls_behind_still_sees_the_watch_end_quietly(monkeypatch):
    monkeypatch.setattr(rawkube.client._watch_stream, "READ_MARGIN", 0.0)  # a limit of 1 s
    first_seen, names = threading.Event(), []
    with (
        two_events(first_seen) as url,
        rawkube.Client(rawkube.Config(server=url, namespace="team")) as client,
        client.core_v1.config_maps().watch(timeout_seconds=1) as watch,
    ):
        for change in watch:
            names.append(change.object.metadata.name)
            first_seen.set()
            if len(names) == 1:
                time.sleep(1.2)  # the caller's own slowness, past the limit: real time, on purpose
    assert names == ["first", "second"]


@pytest.mark.anyio
async def test_an_async_caller_that_falls_behind_still_sees_the_watch_end_quietly(monkeypatch):
    monkeypatch.setattr(rawkube.client._watch_stream, "READ_MARGIN", 0.0)
    first_seen, names = threading.Event(), []
    with two_events(first_seen) as url:
        async with (
            rawkube.AsyncClient(rawkube.Config(server=url, namespace="team")) as client,
            client.core_v1.config_maps().watch(timeout_seconds=1) as watch,
        ):
            async for change in watch:
                names.append(change.object.metadata.name)
                first_seen.set()
                if len(names) == 1:
                    await anyio.sleep(1.2)  # as in the sync test
    assert names == ["first", "second"]


POD = "https://k8s.test:6443/api/v1/namespaces/ns/pods/p"


def fake_client(clock: FakeClock) -> rawkube.Client:
    return rawkube.Client(rawkube.Config(server="https://k8s.test:6443", clock=clock))


@respx.mock
def test_a_retry_after_past_the_limit_is_not_waited_for():
    route = respx.get(POD).mock(return_value=httpx.Response(429, headers={"Retry-After": "5"}))
    clock = FakeClock()
    with fake_client(clock) as client, pytest.raises(rawkube.TooManyRequestsError) as info:
        client.get().namespace("ns").resource("pods").name("p").timeout(2).do()
    assert info.value.retry_after == 5
    assert route.call_count == 1
    assert clock.sleeps == []


@respx.mock
def test_a_retry_after_within_the_limit_is_still_honoured():
    answers = [httpx.Response(429, headers={"Retry-After": "1"}), httpx.Response(200, json={})]
    route = respx.get(POD).mock(side_effect=answers)
    clock = FakeClock()
    with fake_client(clock) as client:
        client.get().namespace("ns").resource("pods").name("p").timeout(30).do()
    assert route.call_count == 2
    assert clock.sleeps == [1.0]


@pytest.mark.anyio
async def test_an_async_retry_after_past_the_limit_is_not_waited_for():
    clock = FakeClock()
    config = rawkube.Config(server="https://k8s.test:6443", clock=clock)
    with respx.mock:
        route = respx.get(POD).mock(return_value=httpx.Response(503, headers={"Retry-After": "3"}))
        async with rawkube.AsyncClient(config) as client:
            with pytest.raises(rawkube.ServiceUnavailableError):
                await client.get().namespace("ns").resource("pods").name("p").timeout(2).do()
    assert route.call_count == 1
    assert clock.sleeps == []


@respx.mock
def test_a_get_cut_off_is_not_retried_past_the_limit():
    # A reset GET is retried after a second, which a half-second limit has no room for.
    route = respx.get(POD).mock(side_effect=httpx.ReadError("connection reset"))
    clock = FakeClock()
    with fake_client(clock) as client, pytest.raises(rawkube.TransportError, match="ReadError"):
        client.get().namespace("ns").resource("pods").name("p").timeout(0.5).do()
    assert route.call_count == 1
    assert clock.sleeps == []


@respx.mock
def test_throttling_past_the_limit_raises_at_once():
    respx.get(POD).mock(return_value=httpx.Response(200, json={}))
    clock = FakeClock()
    config = rawkube.Config(server="https://k8s.test:6443", clock=clock, qps=0.1, burst=1)
    with rawkube.Client(config) as client:
        client.get().namespace("ns").resource("pods").name("p").do()  # the burst's one token
        with pytest.raises(rawkube.RequestTimeoutError, match="2 s limit"):
            client.get().namespace("ns").resource("pods").name("p").timeout(2).do()
    assert clock.sleeps == []

"""RetryWatcher over a real socket whose server misbehaves on purpose, one way per connection."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable, Iterator
from urllib.parse import parse_qs, urlsplit

import pytest

import rawkube
from rawkube.core._clock import FakeClock
from rawkube.runtime import AsyncRetryWatcher, RetryWatcher


def event(kind: str, name: str, version: str) -> bytes:
    obj = {
        "kind": "ConfigMap",
        "apiVersion": "v1",
        "metadata": {"name": name, "resourceVersion": version},
    }
    return json.dumps({"type": kind, "object": obj}).encode() + b"\n"


def chunk(data: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(data), data)


HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
END = b"0\r\n\r\n"


def cut_mid_event(conn: socket.socket) -> None:
    line = event("ADDED", "b", "12")
    conn.sendall(HEAD + chunk(event("ADDED", "a", "11")) + chunk(line[:20]))
    conn.close()  # the peer dies in the middle of an event


def silent(conn: socket.socket) -> None:
    conn.sendall(HEAD)  # then nothing, and no close: only the read limit notices


def server_error(conn: socket.socket) -> None:
    body = b'{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"InternalError","code":500}'
    conn.sendall(
        b"HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\n"
        b"Content-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(body), body)
    )
    conn.close()


def garbage_after_event(conn: socket.socket) -> None:
    conn.sendall(HEAD + chunk(event("ADDED", "b", "12")) + chunk(b"<html>oops</html>\n") + END)
    conn.close()


def gone_mid_stream(conn: socket.socket) -> None:
    expired = {
        "type": "ERROR",
        "object": {"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "Expired",
                   "message": "too old resource version: 12 (40)", "code": 410},
    }  # fmt: skip
    stream = event("MODIFIED", "b", "13") + json.dumps(expired).encode() + b"\n"
    conn.sendall(HEAD + chunk(stream) + END)
    conn.close()


@pytest.fixture
def misbehaving_server() -> Iterator[tuple[str, list[str]]]:
    """Answers connection N with the Nth behaviour; records each request's resourceVersion."""
    behaviours: list[Callable[[socket.socket], None]] = [
        cut_mid_event,
        silent,
        server_error,
        garbage_after_event,
        gone_mid_stream,
    ]
    listener = socket.create_server(("127.0.0.1", 0))
    seen: list[str] = []
    open_connections: list[socket.socket] = []

    def run() -> None:
        for behave in behaviours:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            open_connections.append(conn)
            head = b""
            while b"\r\n\r\n" not in head:
                data = conn.recv(65536)
                if not data:
                    break
                head += data
            target = head.split(b" ", 2)[1].decode()
            seen.append(parse_qs(urlsplit(target).query).get("resourceVersion", [""])[0])
            behave(conn)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}", seen
    finally:
        listener.close()
        for conn in open_connections:
            conn.close()
        thread.join(timeout=5)


def test_each_misbehaviour_resumes_from_the_last_event_or_stops_on_410(misbehaving_server):
    url, seen = misbehaving_server
    clock = FakeClock()
    config = rawkube.Config(server=url, namespace="team", clock=clock)
    delivered = []
    with rawkube.Client(config) as client:
        watcher = RetryWatcher(
            client.core_v1.config_maps(), resource_version="10", idle_timeout=0.3
        )

        def consume() -> None:
            with watcher:
                for change in watcher:
                    delivered.append((change.type, change.object.metadata.name))

        with pytest.raises(rawkube.GoneError, match="too old resource version"):
            consume()
    # No event lost or repeated: the half-sent "b" comes whole from the resumed watch.
    assert delivered == [("ADDED", "a"), ("ADDED", "b"), ("MODIFIED", "b")]
    # Each resume starts from the last resourceVersion delivered.
    assert seen == ["10", "11", "11", "11", "12"]
    assert clock.sleeps == [1.0, 1.0, 1.0, 1.0]


@pytest.mark.anyio
async def test_the_async_watcher_resumes_the_same_way_over_the_same_server(misbehaving_server):
    url, seen = misbehaving_server
    clock = FakeClock()
    config = rawkube.Config(server=url, namespace="team", clock=clock)
    delivered = []
    async with rawkube.AsyncClient(config) as client:
        watcher = AsyncRetryWatcher(
            client.core_v1.config_maps(), resource_version="10", idle_timeout=0.3
        )

        async def consume() -> None:
            async with watcher:
                async for change in watcher:
                    delivered.append((change.type, change.object.metadata.name))

        with pytest.raises(rawkube.GoneError, match="too old resource version"):
            await consume()
    assert delivered == [("ADDED", "a"), ("ADDED", "b"), ("MODIFIED", "b")]
    assert seen == ["10", "11", "11", "11", "12"]
    assert clock.sleeps == [1.0, 1.0, 1.0, 1.0]

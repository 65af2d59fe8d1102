"""Against a real socket on loopback: truncated bodies and silent servers give rawkube's errors."""

from __future__ import annotations

import re
import socket
import threading
from collections.abc import Callable, Iterator

import pytest

import rawkube
from rawkube.core._clock import FakeClock


def serve(answer: Callable[[socket.socket], None]) -> Iterator[tuple[str, list[socket.socket]]]:
    """A one-thread server on 127.0.0.1 that reads each request head and lets ``answer`` reply."""
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()
    connections: list[socket.socket] = []

    def run() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            connections.append(conn)
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(65536)
                if not chunk:
                    break
                data += chunk
            head, _, body = data.partition(b"\r\n\r\n")
            length = re.search(rb"(?i)content-length: *(\d+)", head)
            while length and len(body) < int(length[1]):  # read the body too: no reset on close
                body += conn.recv(65536)
            answer(conn)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}", connections
    finally:
        stop.set()
        listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept(); close() alone does not
        listener.close()
        for conn in connections:
            conn.close()
        thread.join(timeout=5)


@pytest.fixture
def truncating_server() -> Iterator[tuple[str, list[socket.socket]]]:
    def answer(conn: socket.socket) -> None:
        conn.sendall(
            b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"kind":'
        )
        conn.close()

    yield from serve(answer)


@pytest.fixture
def silent_server() -> Iterator[tuple[str, list[socket.socket]]]:
    yield from serve(lambda conn: None)  # reads the request, never answers


def test_a_truncated_body_is_a_transport_error_and_a_write_is_not_resent(truncating_server):
    url, connections = truncating_server
    client = rawkube.Client(rawkube.Config(server=url, clock=FakeClock()))
    with (
        client,
        pytest.raises(
            rawkube.TransportError, match="POST /api/v1/namespaces/ns/configmaps"
        ) as info,
    ):
        client.post().namespace("ns").resource("configmaps").body({}).do()
    assert "RemoteProtocolError" in str(info.value)
    assert len(connections) == 1


def test_a_truncated_get_is_retried_then_raised(truncating_server):
    url, connections = truncating_server
    clock = FakeClock()
    client = rawkube.Client(rawkube.Config(server=url, clock=clock))
    with client, pytest.raises(rawkube.TransportError, match="RemoteProtocolError"):
        client.get().namespace("ns").resource("configmaps").do()
    assert clock.sleeps == [1.0] * 10
    assert len(connections) == 11


def test_a_silent_server_times_out(silent_server):
    url, _ = silent_server
    client = rawkube.Client(rawkube.Config(server=url, clock=FakeClock()))
    with client, pytest.raises(rawkube.RequestTimeoutError, match="timed out"):
        client.get().abs_path("/version").timeout(0.2).do()


def test_a_refused_connection_is_a_connect_error():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # bound but not listening: connections are refused
        config = rawkube.Config(server=f"http://127.0.0.1:{port}", clock=FakeClock())
        with rawkube.Client(config) as client, pytest.raises(rawkube.ConnectError):
            client.get().abs_path("/version").do()

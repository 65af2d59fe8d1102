"""The fake cluster served on loopback: how it holds connections and ends them."""

from __future__ import annotations

import json
import socket
import threading

import httpx
import pytest

from rawkube.testing import FakeCluster
from tests.testing._wire import PATIENCE, address, raw, read_answer, send

VERSION = "/version"


@pytest.fixture
def cluster() -> FakeCluster:
    return FakeCluster()


def test_a_kept_alive_connection_serves_request_after_request(cluster):
    with (
        cluster.serve() as server,
        socket.create_connection(address(server), timeout=PATIENCE) as sock,
    ):
        for _ in range(3):
            sock.sendall(raw(server, "GET", VERSION))
            answer = read_answer(sock)
            assert answer.status == 200
            assert "connection" not in answer.headers


def test_a_connection_over_the_limit_closes_the_one_that_waited_longest(cluster):
    with cluster.serve(max_connections=3) as server:
        idle = [socket.create_connection(address(server), timeout=PATIENCE) for _ in range(3)]
        try:
            for sock in idle:  # one request each: the server has seen all three
                sock.sendall(raw(server, "GET", VERSION))
                assert read_answer(sock).status == 200
            assert send(server, raw(server, "GET", VERSION)).status == 200
            assert idle[0].recv(1) == b""  # the oldest idle one was closed for it
            idle[2].sendall(raw(server, "GET", VERSION))
            assert read_answer(idle[2]).status == 200
        finally:
            for sock in idle:
                sock.close()


def test_closing_the_server_ends_an_open_watch_cleanly(cluster):
    server = cluster.serve()
    headers: dict[str, str] = {}
    path = "/api/v1/namespaces/default/configmaps?watch=1&timeoutSeconds=300"
    client = httpx.Client(base_url=server.url, headers=headers, timeout=PATIENCE)
    with client, client.stream("GET", path) as stream:
        lines = stream.iter_lines()
        cluster.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}})
        assert json.loads(next(lines))["type"] == "ADDED"
        server.close()
        assert list(lines) == []  # the stream's last chunk: no protocol error


def test_the_server_refuses_impossible_limits(cluster):
    with pytest.raises(ValueError, match="max_connections"):
        cluster.serve(max_connections=0)
    with pytest.raises(ValueError, match="positive"):
        cluster.serve(header_timeout=0)


def test_a_stalled_partial_request_is_dropped_and_others_are_served_meanwhile(cluster):
    cluster.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "seed"}})
    with (
        cluster.serve(header_timeout=1.0) as server,
        socket.create_connection(address(server), timeout=PATIENCE) as stalled,
    ):
        stalled.sendall(b"GET /api/v1/namespaces HTT")
        assert send(server, raw(server, "GET", VERSION)).status == 200
        assert stalled.recv(65536) == b""  # dropped without an answer, as Go drops it


def test_300_stalled_clients_neither_starve_the_server_nor_add_threads(cluster):
    with cluster.serve() as server:  # the default header timeout: they stay while we check
        threads = threading.active_count()
        stalled = [socket.create_connection(address(server), timeout=PATIENCE) for _ in range(300)]
        try:
            for sock in stalled:
                sock.sendall(b"GET /api/v1/namespaces HTTP/1.1\r\nHost: 127.0.0.1\r\nX-")
            assert send(server, raw(server, "GET", VERSION)).status == 200
            assert threading.active_count() == threads
        finally:
            for sock in stalled:
                sock.close()
        assert send(server, raw(server, "GET", VERSION)).status == 200

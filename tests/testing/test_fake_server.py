"""The fake cluster served on loopback: who may use it, and how many connections it holds."""

from __future__ import annotations

import json
import socket
import threading

import httpx
import pytest
import yaml

import rawkube
from rawkube.testing import FakeCluster
from tests.conftest import RECORDED
from tests.testing._wire import PATIENCE, address, raw, read_answer, send

VERSION = "/version"


@pytest.fixture
def cluster() -> FakeCluster:
    return FakeCluster()


def test_the_server_asks_for_its_token_and_refuses_others_as_the_api_server_does(cluster):
    with cluster.serve() as server:
        assert len(server.token or "") >= 32
        with httpx.Client(base_url=server.url, timeout=PATIENCE) as client:
            for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic eDp5"}):
                refused = client.get(VERSION, headers=headers)
                assert refused.status_code == 401
                assert refused.json() == json.loads(
                    (RECORDED / "err_401_bad_token.body").read_text()
                )
            allowed = client.get(VERSION, headers={"Authorization": f"Bearer {server.token}"})
            assert allowed.status_code == 200


def test_every_server_has_a_token_of_its_own(cluster):
    with cluster.serve() as one, cluster.serve() as other:
        assert one.token != other.token
        with httpx.Client(timeout=PATIENCE) as client:
            crossed = client.get(
                f"{other.url}{VERSION}", headers={"Authorization": f"Bearer {one.token}"}
            )
        assert crossed.status_code == 401


def test_the_kubeconfig_carries_the_token_for_rawkube_and_for_kubectl(cluster, tmp_path):
    cluster.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}})
    with cluster.serve() as server:
        path = server.write_kubeconfig(tmp_path / "kubeconfig")
        assert oct(path.stat().st_mode & 0o777) == "0o600"
        document = yaml.safe_load(path.read_text())
        assert document["users"][0]["user"] == {"token": server.token}
        # kubectl (client-go) sends no credentials to an http:// server: the URL carries the token.
        assert document["clusters"][0]["cluster"]["server"] == f"{server.url}/{server.token}"
        with rawkube.Client.from_kubeconfig(path) as client:
            assert [c.metadata.name for c in client.core_v1.config_maps().list().items] == ["a"]
        with httpx.Client(timeout=PATIENCE) as bare:  # no header: the path is the credential
            listed = bare.get(f"{server.url}/{server.token}/api/v1/namespaces/default/configmaps")
            assert listed.status_code == 200
            assert bare.get(f"{server.url}/{'x' * len(server.token)}{VERSION}").status_code == 401


def test_auth_false_serves_anyone_on_loopback_and_the_kubeconfig_has_no_token(cluster, tmp_path):
    with cluster.serve(auth=False) as server:
        assert server.token is None
        document = yaml.safe_load(server.kubeconfig())
        assert document["users"][0]["user"] == {}
        assert document["clusters"][0]["cluster"]["server"] == server.url
        assert httpx.get(f"{server.url}{VERSION}", timeout=PATIENCE).status_code == 200


def test_clients_in_the_process_need_no_token(cluster):
    with cluster.serve(), cluster.client() as client:
        assert client.get().abs_path(VERSION).do().json()["gitVersion"].startswith("v1.")


@pytest.mark.parametrize(
    "host", ["localhost", "LOCALHOST:8080", "127.0.0.1", "127.0.0.2:443", "[::1]:80", "localhost."]
)
def test_a_loopback_host_is_served(cluster, host):
    with cluster.serve() as server:
        assert send(server, raw(server, "GET", VERSION, host=host)).status == 200


@pytest.mark.parametrize(
    "host", ["attacker.example", "attacker.example:6443", "127.0.0.1.nip.io", "10.0.0.1", "[::2]"]
)
def test_a_foreign_host_is_forbidden_even_with_the_token(cluster, host):
    # A page on attacker.example whose name the attacker rebinds to 127.0.0.1 sends its own
    # name as Host: refusing it keeps the page out (and it never has the token anyway).
    with cluster.serve() as server:
        answer = send(server, raw(server, "GET", VERSION, host=host))
        assert answer.status == 403
        assert answer.json()["reason"] == "Forbidden"


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
    headers = {"Authorization": f"Bearer {server.token}"}
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

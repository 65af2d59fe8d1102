"""port_forward and forward, sync and async, against a scripted port-forward WebSocket server."""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterator

import pytest

import rawkube
from rawkube.client._websocket import parse_ports
from rawkube.config.auth import BearerTokenAuth
from rawkube.core._channel import frame, port_prefix, unframe
from tests.websocket_server import Peer, ScriptedServer

TOKEN = "port-forward-token-never-shown"
MB = 1024 * 1024
DATA = bytes(range(256)) * (40 * 1024)  # 10 MiB
OPEN: list[rawkube.Client] = []


@pytest.fixture(autouse=True)
def _close_clients() -> Iterator[None]:
    yield
    while OPEN:
        OPEN.pop().close()


def pods(url: str) -> rawkube.Api:  # type: ignore[type-arg]
    from rawkube.models.core_v1 import Pod

    client = rawkube.Client(rawkube.Config(server=url, auth=BearerTokenAuth(TOKEN)))
    OPEN.append(client)
    return client.api(Pod, namespace="web")


def apods(client: rawkube.AsyncClient) -> rawkube.AsyncApi:  # type: ignore[type-arg]
    from rawkube.models.core_v1 import Pod

    return client.api(Pod, namespace="web")


def aclient(url: str) -> rawkube.AsyncClient:
    return rawkube.AsyncClient(rawkube.Config(server=url, auth=BearerTokenAuth(TOKEN)))


def port_of(peer: Peer) -> int:
    [port] = [int(value) for key, value in peer.request.query if key == "ports"]
    return port


def opened(peer: Peer) -> int:
    """Send each channel's port prefix, as the server does first; the port."""
    port = port_of(peer)
    peer.send(port_prefix(0, port))
    peer.send(port_prefix(1, port))
    return port


def echo(peer: Peer) -> None:
    opened(peer)
    while (message := peer.receive()) is not None:
        channel, data = unframe(message)
        assert channel == 0
        peer.send(frame(0, data))


def refused(peer: Peer) -> None:
    port = opened(peer)
    peer.send(frame(1, f"error forwarding port {port} to pod web-0: connection refused".encode()))
    peer.close()


def forwarding(script: Callable[[Peer], None] = echo) -> ScriptedServer:
    return ScriptedServer(script, choose=lambda request: "v4.channel.k8s.io")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def exchange(port: int, data: bytes) -> bytes:
    """Send ``data`` to 127.0.0.1:``port`` while reading as much back; what came back."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as conn:
        sender = threading.Thread(target=conn.sendall, args=(data,))
        sender.start()
        received = bytearray()
        while len(received) < len(data):
            chunk = conn.recv(MB)
            if not chunk:
                break
            received += chunk
        sender.join(30)
    return bytes(received)


def our_threads() -> set[threading.Thread]:
    return {thread for thread in threading.enumerate() if thread.daemon}


# --- the specs ----------------------------------------------------------------------------------


def test_port_specs_read_as_kubectl_reads_them():
    assert parse_ports(["8080", 9090, ":80", "0:81", "5000:6000", (0, 82), (7000, 83)]) == [
        (8080, 8080),
        (9090, 9090),
        (0, 80),
        (0, 81),
        (5000, 6000),
        (0, 82),
        (7000, 83),
    ]
    assert parse_ports(8080) == [(8080, 8080)]
    for bad in ("http", "0", "8080:0", "70000", ":", (1, 2, 3), True, []):
        with pytest.raises(ValueError):  # noqa: PT011
            parse_ports(bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="named twice"):
        parse_ports(["8080:1", "8080:2"])


# --- forward: one connection as a stream --------------------------------------------------------


def test_forward_is_a_stream_to_one_port():
    with forwarding() as scripted, pods(scripted.url).forward("db-0", 5432) as conn:
        conn.send(b"SELECT 1")
        assert conn.receive(5) == b"SELECT 1"
        conn.send("text too")
        assert conn.receive(5) == b"text too"
        assert "port 5432" in repr(conn)
    [request] = scripted.requests
    assert request.path == "/api/v1/namespaces/web/pods/db-0/portforward"
    assert request.query == [("ports", "5432")]
    assert request.headers["sec-websocket-protocol"] == "v4.channel.k8s.io, portforward.k8s.io"
    assert request.headers["authorization"] == f"Bearer {TOKEN}"


def test_forward_ten_megabytes_each_way():
    with forwarding() as scripted, pods(scripted.url).forward("db-0", 5432) as conn:
        conn.send(DATA)
        received = bytearray()
        while len(received) < len(DATA):
            received += conn.receive(10)
    assert received == DATA


def test_forward_ends_when_the_pod_side_closes():
    def says_hello(peer: Peer) -> None:
        opened(peer)
        peer.send(frame(0, b"hello"))
        peer.close()

    with forwarding(says_hello) as scripted, pods(scripted.url).forward("db-0", 80) as conn:
        assert list(conn) == [b"hello"]
        assert conn.receive() == b""


def test_the_servers_error_is_a_port_forward_error():
    with (
        forwarding(refused) as scripted,
        pods(scripted.url).forward("db-0", 81) as conn,
        pytest.raises(rawkube.PortForwardError, match="port 81: error forwarding") as caught,
    ):
        conn.receive(5)
    assert TOKEN not in str(caught.value)


def test_a_cut_connection_is_an_error_not_a_hang():
    def cut(peer: Peer) -> None:
        opened(peer)
        peer.abort()

    with forwarding(cut) as scripted, pods(scripted.url).forward("db-0", 80) as conn:
        started = time.monotonic()
        with pytest.raises(rawkube.WebSocketClosedError):
            conn.receive()
        assert time.monotonic() - started < 5


@pytest.mark.anyio
async def test_async_forward():
    with forwarding() as scripted:
        async with aclient(scripted.url) as client:
            async with apods(client).forward("db-0", 5432) as conn:
                await conn.send(DATA)
                received = bytearray()
                while len(received) < len(DATA):
                    received += await conn.receive(10)
            assert received == DATA
    assert scripted.requests[0].query == [("ports", "5432")]


@pytest.mark.anyio
async def test_async_forward_refused():
    with forwarding(refused) as scripted:
        async with aclient(scripted.url) as client, apods(client).forward("db-0", 81) as conn:
            with pytest.raises(rawkube.PortForwardError, match="connection refused"):
                await conn.receive(5)


# --- port_forward: local ports ------------------------------------------------------------------


def test_a_local_port_carries_ten_megabytes_each_way():
    with (
        forwarding() as scripted,
        pods(scripted.url).port_forward("web-0", ["0:8080"]) as forward,
    ):
        [(local, remote)] = forward.ports
        assert local != 0
        assert remote == 8080
        assert forward.local_port(8080) == local
        assert exchange(local, DATA) == DATA
    assert scripted.requests[0].query == [("ports", "8080")]
    assert scripted.requests[0].headers["authorization"] == f"Bearer {TOKEN}"


def test_a_named_local_port_and_several_connections_each_with_its_own_websocket():
    port = free_port()
    with forwarding() as scripted, pods(scripted.url).port_forward("web-0", [str(port)]) as pf:
        assert pf.ports == [(port, port)]
        results: list[bytes] = []
        threads = [
            threading.Thread(target=lambda n=n: results.append(exchange(port, bytes([n]) * 100)))
            for n in range(5)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    assert sorted(results) == sorted(bytes([n]) * 100 for n in range(5))
    assert len(scripted.requests) == 5


def test_a_taken_local_port_is_an_os_error():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        api = pods("http://127.0.0.1:1")
        with pytest.raises(OSError, match=f"unable to listen on 127.0.0.1 port {port}"):  # noqa: SIM117
            with api.port_forward("web-0", [port, "0:80"]):
                pass


def test_leaving_the_block_ends_every_thread_even_with_connections_open():
    release = threading.Event()

    def silent(peer: Peer) -> None:
        opened(peer)
        release.wait(10)

    before = our_threads()
    with forwarding(silent) as scripted:
        with pods(scripted.url).port_forward("web-0", [":80", ":81"]) as forward:
            sockets = [
                socket.create_connection(("127.0.0.1", local), timeout=5)
                for local, _ in forward.ports
            ]
            deadline = time.monotonic() + 5
            while len(scripted.peers) < 2 and time.monotonic() < deadline:
                time.sleep(0.01)
            started = time.monotonic()
        assert time.monotonic() - started < 8
        release.set()
        for sock in sockets:
            assert sock.recv(10) == b""  # closed by the forward's end
            sock.close()
        assert not forward.errors
    deadline = time.monotonic() + 5
    while our_threads() - before and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not {t for t in our_threads() - before if "ScriptedServer" not in repr(t)}


def test_a_connection_the_server_refuses_is_closed_and_reported(caplog):
    with (
        forwarding(refused) as scripted,
        pods(scripted.url).port_forward("web-0", ":81") as forward,
    ):
        with socket.create_connection(("127.0.0.1", forward.ports[0][0]), timeout=5) as conn:
            assert conn.recv(10) == b""
        deadline = time.monotonic() + 5
        while not forward.errors and time.monotonic() < deadline:
            time.sleep(0.01)
    [error] = forward.errors
    assert isinstance(error, rawkube.PortForwardError)
    assert "connection refused" in str(error)
    records = [r for r in caplog.records if r.name == "rawkube.transport"]
    assert any(r.levelno == logging.WARNING and "connection refused" in r.message for r in records)
    assert all(TOKEN not in r.getMessage() for r in caplog.records)


def test_an_upgrade_error_is_reported_per_connection():
    body = (
        b'{"kind":"Status","apiVersion":"v1","status":"Failure",'
        b'"message":"pods \\"web-0\\" not found","reason":"NotFound","code":404}'
    )
    answer = (
        b"HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\n"
        + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
        + body
    )
    with (
        ScriptedServer(echo, answer=lambda r: answer) as scripted,
        pods(scripted.url).port_forward("web-0", ":80") as forward,
    ):
        with socket.create_connection(("127.0.0.1", forward.ports[0][0]), timeout=5) as conn:
            assert conn.recv(10) == b""
        deadline = time.monotonic() + 5
        while not forward.errors and time.monotonic() < deadline:
            time.sleep(0.01)
    assert isinstance(forward.errors[0], rawkube.NotFoundError)


def test_the_local_side_ending_its_writes_still_gets_the_answer():
    def answers_after_a_pause(peer: Peer) -> None:
        opened(peer)
        message = peer.receive()
        assert message is not None
        time.sleep(0.2)
        peer.send(frame(0, b"answer to " + unframe(message)[1]))
        peer.close()

    with (
        forwarding(answers_after_a_pause) as scripted,
        pods(scripted.url).port_forward("web-0", ":80") as forward,
        socket.create_connection(("127.0.0.1", forward.ports[0][0]), timeout=5) as conn,
    ):
        conn.sendall(b"question")
        conn.shutdown(socket.SHUT_WR)
        received = b""
        while chunk := conn.recv(100):
            received += chunk
    assert received == b"answer to question"


# --- asyncio -----------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_async_a_local_port_carries_ten_megabytes_each_way():
    with forwarding() as scripted:
        async with (
            aclient(scripted.url) as client,
            apods(client).port_forward("web-0", [(0, 8080)]) as forward,
        ):
            local = forward.local_port(8080)
            reader, writer = await asyncio.open_connection("127.0.0.1", local)

            async def send() -> None:
                writer.write(DATA)
                await writer.drain()

            sending = asyncio.ensure_future(send())
            received = await reader.readexactly(len(DATA))
            await sending
            writer.close()
            await writer.wait_closed()
    assert received == DATA


@pytest.mark.anyio
async def test_async_leaving_the_block_ends_open_connections():
    release = threading.Event()

    def silent(peer: Peer) -> None:
        opened(peer)
        release.wait(10)

    with forwarding(silent) as scripted:
        async with aclient(scripted.url) as client:
            async with apods(client).port_forward("web-0", ":80") as forward:
                reader, writer = await asyncio.open_connection("127.0.0.1", forward.ports[0][0])
                deadline = time.monotonic() + 5
                while not scripted.peers and time.monotonic() < deadline:
                    await asyncio.sleep(0.01)
                started = time.monotonic()
            assert time.monotonic() - started < 8
            assert await asyncio.wait_for(reader.read(10), 5) == b""
            writer.close()
        release.set()
    assert not forward.errors


@pytest.mark.anyio
async def test_async_a_refused_connection_is_reported():
    with forwarding(refused) as scripted:
        async with (
            aclient(scripted.url) as client,
            apods(client).port_forward("web-0", ":81") as forward,
        ):
            reader, writer = await asyncio.open_connection("127.0.0.1", forward.ports[0][0])
            assert await asyncio.wait_for(reader.read(10), 5) == b""
            writer.close()
            deadline = time.monotonic() + 5
            while not forward.errors and time.monotonic() < deadline:
                await asyncio.sleep(0.01)
    assert isinstance(forward.errors[0], rawkube.PortForwardError)


# --- against rawkube's fake cluster, in process and on loopback --------------------------------


@pytest.fixture(params=["in-process", "loopback"])
def fake_pods(request, tmp_path) -> Iterator[rawkube.Api]:  # type: ignore[type-arg]
    from rawkube.models.core_v1 import Pod
    from rawkube.testing import FakeCluster

    cluster = FakeCluster()
    spec = {"containers": [{"name": "app", "image": "nginx"}], "nodeName": "node-1"}
    cluster.create({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"}, "spec": spec})
    cluster.on_port(8080)  # echo
    if request.param == "in-process":
        with cluster.client("default") as client:
            yield client.api(Pod)
        return
    with cluster.serve() as server:
        kubeconfig = server.write_kubeconfig(tmp_path / "kubeconfig")
        with rawkube.Client.from_kubeconfig(str(kubeconfig)) as client:
            yield client.api(Pod)


def test_the_fakes_port_carries_ten_megabytes_each_way(fake_pods):
    with fake_pods.port_forward("web", ":8080") as forward:
        assert exchange(forward.local_port(8080), DATA) == DATA
    with fake_pods.forward("web", 8080) as conn:
        conn.send(b"hello fake")
        assert conn.receive(5) == b"hello fake"


def test_a_port_the_fake_has_nothing_on_is_refused(fake_pods):
    with fake_pods.forward("web", 9999) as conn, pytest.raises(rawkube.PortForwardError):
        conn.receive(5)

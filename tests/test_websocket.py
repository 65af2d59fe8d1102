"""The WebSocket driver against a scripted wsproto server on loopback: handshake, messages, ends."""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager

import httpx
import pytest

import rawkube
from rawkube.client._async_websocket import AsyncWebSocket
from rawkube.client._async_websocket import connect as aconnect
from rawkube.client._sync_websocket import WebSocket, connect
from rawkube.client._websocket import accept_token
from rawkube.config.auth import BearerTokenAuth
from tests.websocket_server import (
    Peer,
    ScriptedServer,
    status_answer,
    upgrade_answer,
)

TOKEN = "s3cret-token-for-the-upgrade"
EXEC = ("v5.channel.k8s.io", "v4.channel.k8s.io")
# /work/shared/kubernetes/recorded/err_400_pod_exec_websocket_upgrade.body: a real API server's
# answer to a WebSocket upgrade of exec on a pod no node runs.
NO_HOST = (
    b'{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",'
    b'"message":"pod p-min does not have a host assigned","reason":"BadRequest","code":400}'
)


def config(url: str, **extra: object) -> rawkube.Config:
    return rawkube.Config(server=url, auth=BearerTokenAuth(TOKEN), **extra)  # type: ignore[arg-type]


def upgrade(client: rawkube.Client | rawkube.AsyncClient) -> tuple[object, ...]:
    """What connect takes to upgrade :func:`exec_request` on ``client``."""
    return client._transport, exec_request(client), EXEC


def exec_request(client: rawkube.Client | rawkube.AsyncClient) -> rawkube.ApiRequest:
    builder = client.get().namespace("ns").resource("pods").name("p").subresource("exec")
    return builder.param("command", "ls").param("stdout", True).build()


@contextmanager
def session(url: str) -> Iterator[WebSocket]:
    with rawkube.Client(config(url)) as client, connect(*upgrade(client)) as ws:
        yield ws


@asynccontextmanager
async def asession(settings: rawkube.Config, **options: bool) -> AsyncIterator[AsyncWebSocket]:
    async with rawkube.AsyncClient(settings, **options) as client:  # noqa: SIM117
        async with await aconnect(*upgrade(client)) as ws:  # connect is awaited before the with
            yield ws


def echo(peer: Peer) -> None:
    while (message := peer.receive()) is not None:
        peer.send(message)


def no_secret(error: BaseException) -> None:
    """The token is in no message, repr or chained cause of ``error``."""
    seen: BaseException | None = error
    while seen is not None:
        assert TOKEN not in str(seen)
        assert TOKEN not in repr(seen)
        assert TOKEN not in repr(seen.args)
        seen = seen.__cause__ or seen.__context__


@pytest.fixture
def echo_server() -> Iterator[ScriptedServer]:
    with ScriptedServer(echo) as server:
        yield server


def test_the_upgrade_asks_for_a_websocket_with_the_clients_credentials(echo_server):
    settings = config(echo_server.url, impersonation=rawkube.Impersonation(user="jane"))
    with rawkube.Client(settings) as client, connect(*upgrade(client)) as ws:
        assert ws.protocol == "v5.channel.k8s.io"
        assert TOKEN not in repr(ws)
    [request] = echo_server.requests
    assert request.method == "GET"
    assert request.path == "/api/v1/namespaces/ns/pods/p/exec"
    assert request.query == [("command", "ls"), ("stdout", "true")]
    headers = request.headers
    assert headers["connection"] == "Upgrade"
    assert headers["upgrade"] == "websocket"
    assert headers["sec-websocket-version"] == "13"
    assert len(base64.b64decode(headers["sec-websocket-key"])) == 16
    assert headers["sec-websocket-protocol"] == "v5.channel.k8s.io, v4.channel.k8s.io"
    assert headers["authorization"] == f"Bearer {TOKEN}"
    assert headers["impersonate-user"] == "jane"


def test_each_upgrade_has_a_fresh_key(echo_server):
    with rawkube.Client(config(echo_server.url)) as client:
        for _ in range(2):
            with connect(client._transport, exec_request(client), EXEC):
                pass
    keys = {request.headers["sec-websocket-key"] for request in echo_server.requests}
    assert len(keys) == 2


def test_the_accept_token_is_rfc_6455s():
    # The example of RFC 6455, section 1.3.
    assert accept_token("dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="


def test_messages_go_both_ways_whole_and_in_order(echo_server):
    with session(echo_server.url) as ws:
        for message in (b"\x00hello", b"", b"\x01" + bytes(range(256)) * 300):
            ws.send(message)
            assert ws.receive(5) == message


def test_ten_megabytes_each_way_from_one_thread_does_not_deadlock(echo_server):
    # Sending reads what has arrived first: the echo never waits on a full connection.
    block = bytes(range(256)) * 128
    with session(echo_server.url) as ws:
        for _ in range(320):
            ws.send(block)
        received = [ws.receive(10) for _ in range(320)]
    assert received == [block] * 320


def test_a_fragmented_message_is_reassembled():
    def fragments(peer: Peer) -> None:
        from wsproto.events import BytesMessage

        for index, part in enumerate((b"one ", b"two ", b"three")):
            peer.send_raw(peer.ws.send(BytesMessage(data=part, message_finished=index == 2)))
        peer.receive()

    with ScriptedServer(fragments) as server, session(server.url) as ws:
        assert ws.receive(5) == b"one two three"


def test_pings_are_answered_while_reading():
    pongs: list[bytes] = []

    def pinger(peer: Peer) -> None:
        from wsproto.events import Pong

        peer.ping(b"are you there")
        peer.sock.settimeout(5)
        while not pongs:
            peer.ws.receive_data(peer.sock.recv(1024))
            pongs.extend(e.payload for e in peer.ws.events() if isinstance(e, Pong))
        peer.send(b"done")

    with ScriptedServer(pinger) as server, session(server.url) as ws:
        assert ws.receive(5) == b"done"
    assert pongs == [b"are you there"]
    assert not server.errors


def test_a_message_over_the_limit_is_refused_and_the_session_closed():
    def big(peer: Peer) -> None:
        peer.send(b"x" * 2048)
        peer.receive()

    with ScriptedServer(big) as server, rawkube.Client(config(server.url)) as client:
        ws = connect(client._transport, exec_request(client), EXEC)
        ws._max_message_bytes = 1024
        with pytest.raises(rawkube.WebSocketError, match="larger than 1,024 bytes"):
            ws.receive(5)
        with pytest.raises(rawkube.WebSocketError):  # the failure stays
            ws.receive(5)
        ws.close()  # the closing handshake: the server has answered when it returns
        assert server.peers[0].close_code == 1009


def test_a_read_timeout_leaves_the_session_usable(echo_server):
    with session(echo_server.url) as ws:
        started = time.monotonic()
        with pytest.raises(rawkube.RequestTimeoutError, match="no WebSocket message"):
            ws.receive(0.2)
        assert time.monotonic() - started < 2
        ws.send(b"still here")
        assert ws.receive(5) == b"still here"


def test_the_servers_close_ends_the_messages_with_its_code_and_reason():
    def says_bye(peer: Peer) -> None:
        peer.send(b"last")
        peer.close(1001, "going away")

    with ScriptedServer(says_bye) as server, session(server.url) as ws:
        assert ws.receive(5) == b"last"
        assert ws.receive(5) is None
        assert ws.receive(5) is None
        assert (ws.close_code, ws.close_reason) == (1001, "going away")
        with pytest.raises(rawkube.WebSocketClosedError, match="1001") as caught:
            ws.send(b"too late")
        deadline = time.monotonic() + 5
        while server.peers[0].close_code is None and time.monotonic() < deadline:
            time.sleep(0.01)
        assert server.peers[0].close_code == 1001  # the client answered the close
    assert caught.value.code == 1001
    assert caught.value.reason == "going away"


def test_a_connection_cut_mid_stream_is_a_clear_error_not_a_hang():
    def cut(peer: Peer) -> None:
        peer.send(b"partial")
        peer.abort()

    with ScriptedServer(cut) as server, session(server.url) as ws:
        assert ws.receive(5) == b"partial"
        started = time.monotonic()
        with pytest.raises(rawkube.WebSocketClosedError, match="without a WebSocket close"):
            ws.receive()
        assert time.monotonic() - started < 5
    assert isinstance(rawkube.WebSocketClosedError("x", 1006), rawkube.TransportError)


def test_closing_is_the_closing_handshake(echo_server):
    with rawkube.Client(config(echo_server.url)) as client:
        ws = connect(client._transport, exec_request(client), EXEC)
        ws.close()
        ws.close()
        assert "closed" in repr(ws)
        with pytest.raises(rawkube.WebSocketClosedError):
            ws.send(b"after")
    deadline = time.monotonic() + 5
    while echo_server.peers[0].close_code is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert echo_server.peers[0].close_code == 1000


def test_one_thread_receives_while_another_sends(echo_server):
    with session(echo_server.url) as ws:
        got: list[bytes] = []
        reader = threading.Thread(target=lambda: got.extend(ws.receive(10) for _ in range(200)))
        reader.start()
        for index in range(200):
            ws.send(index.to_bytes(2, "big") * 1000)
        reader.join(10)
    assert got == [index.to_bytes(2, "big") * 1000 for index in range(200)]


def handshake(make: object) -> ScriptedServer:
    return ScriptedServer(echo, answer=make)  # type: ignore[arg-type]


def test_threads_with_and_without_limits_share_a_session(echo_server):
    # A read with a limit beside a write without one: on a blocking httpcore stream each call
    # sets the socket's timeout, and one call's setting must not make the other fail (EAGAIN).
    failures = []
    with rawkube.Client(config(echo_server.url)) as client:
        for _ in range(20):
            with connect(*upgrade(client)) as ws:
                got: list[bytes | None] = []

                def read(ws: WebSocket = ws, got: list[bytes | None] = got) -> None:
                    try:
                        got.extend(ws.receive(10) for _ in range(100))
                    except rawkube.RawkubeError as exc:
                        failures.append(exc)

                reader = threading.Thread(target=read)
                reader.start()
                for index in range(100):
                    ws.send(index.to_bytes(2, "big") * 500)
                reader.join(10)
                assert len(got) == 100 or failures
    assert failures == []


@pytest.mark.parametrize(
    ("answer", "match"),
    [
        (lambda r: upgrade_answer(r, "v5.channel.k8s.io", accept="bm90IHRoZSBhbnN3ZXI="), "Accept"),
        (lambda r: upgrade_answer(r, "v3.channel.k8s.io"), "'v3.channel.k8s.io', which was not"),
        (lambda r: upgrade_answer(r, None), "chose no subprotocol"),
        (
            lambda r: b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}",
            "answered 200 instead of switching",
        ),
        (
            lambda r: upgrade_answer(r, "v5.channel.k8s.io").replace(
                b"\r\n\r\n", b"\r\nSec-WebSocket-Extensions: permessage-deflate\r\n\r\n"
            ),
            "extension",
        ),
    ],
    ids=["wrong-accept", "unoffered-protocol", "no-protocol", "200", "extension"],
)
def test_a_101_that_is_not_the_websocket_asked_for_is_refused(answer, match):
    with (
        handshake(answer) as server,
        rawkube.Client(config(server.url)) as client,
        pytest.raises(rawkube.WebSocketHandshakeError, match=match) as caught,
    ):
        connect(client._transport, exec_request(client), EXEC)
    no_secret(caught.value)
    assert "/pods/p/exec" in str(caught.value)


def test_an_error_answer_is_the_servers_api_error():
    with (
        handshake(lambda r: status_answer(400, NO_HOST)) as server,
        rawkube.Client(config(server.url)) as client,
        pytest.raises(rawkube.BadRequestError) as caught,
    ):
        connect(client._transport, exec_request(client), EXEC)
    assert caught.value.message == "pod p-min does not have a host assigned"
    no_secret(caught.value)


def test_an_error_answer_through_a_mock_transport_is_the_api_error():
    sent: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(400, content=NO_HOST, headers={"content-type": "application/json"})

    settings = config("https://k8s.test")
    transport = httpx.MockTransport(answer)
    with (
        rawkube.Client(settings, transport=transport) as client,
        pytest.raises(rawkube.BadRequestError, match="does not have a host assigned") as caught,
    ):
        connect(*upgrade(client))
    assert sent[0].headers["authorization"] == f"Bearer {TOKEN}"
    assert sent[0].headers["upgrade"] == "websocket"
    no_secret(caught.value)


def test_a_101_without_its_connection_is_refused():
    def answer(request: httpx.Request) -> httpx.Response:
        key = request.headers["sec-websocket-key"]
        headers = {
            "upgrade": "websocket",
            "connection": "Upgrade",
            "sec-websocket-accept": accept_token(key),
            "sec-websocket-protocol": "v4.channel.k8s.io",
        }
        return httpx.Response(101, headers=headers)

    with (
        rawkube.Client(config("https://k8s.test"), transport=httpx.MockTransport(answer)) as c,
        pytest.raises(rawkube.WebSocketHandshakeError, match="network_stream"),
    ):
        connect(c._transport, exec_request(c), EXEC)


def test_an_unauthorized_upgrade_leaks_no_token():
    body = json.dumps(
        {"kind": "Status", "status": "Failure", "reason": "Unauthorized", "code": 401}
    ).encode()
    with (
        handshake(lambda r: status_answer(401, body)) as server,
        rawkube.Client(config(server.url)) as client,
        pytest.raises(rawkube.UnauthorizedError) as caught,
    ):
        connect(client._transport, exec_request(client), EXEC)
    no_secret(caught.value)


# --- asyncio ----------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_async_messages_pings_and_the_servers_close():
    def script(peer: Peer) -> None:
        peer.ping()
        message = peer.receive()
        assert message is not None
        peer.send(message.upper())
        peer.close(1000, "done")

    with ScriptedServer(script) as server:
        async with asession(config(server.url)) as ws:
            await ws.send(b"hello")
            assert await ws.receive(5) == b"HELLO"
            assert await ws.receive(5) is None
            assert ws.close_code == 1000
    assert not server.errors
    assert server.requests[0].headers["authorization"] == f"Bearer {TOKEN}"


@pytest.mark.anyio
async def test_async_ten_megabytes_each_way(echo_server):
    block = bytes(range(256)) * 128
    async with asession(config(echo_server.url)) as ws:
        for _ in range(320):
            await ws.send(block)
        received = [await ws.receive(10) for _ in range(320)]
    assert received == [block] * 320


@pytest.mark.anyio
async def test_async_a_cut_connection_and_a_timeout():
    release = threading.Event()

    def cut(peer: Peer) -> None:
        release.wait(5)
        peer.abort()

    with ScriptedServer(cut) as server:
        async with asession(config(server.url)) as ws:
            with pytest.raises(rawkube.RequestTimeoutError):
                await ws.receive(0.1)
            release.set()
            with pytest.raises(rawkube.WebSocketClosedError) as caught:
                await ws.receive(5)
    assert caught.value.code == 1006


@pytest.mark.anyio
async def test_async_handshake_errors():
    with handshake(lambda r: upgrade_answer(r, "nope")) as server:
        async with rawkube.AsyncClient(config(server.url)) as client:
            with pytest.raises(rawkube.WebSocketHandshakeError, match="not offered") as caught:
                await aconnect(client._transport, exec_request(client), EXEC)
    no_secret(caught.value)
    with handshake(lambda r: status_answer(400, NO_HOST)) as server:
        async with rawkube.AsyncClient(config(server.url)) as client:
            with pytest.raises(rawkube.BadRequestError, match="host assigned"):
                await aconnect(client._transport, exec_request(client), EXEC)


# --- HTTP/2 clients upgrade over HTTP/1.1 -------------------------------------------------------


@pytest.fixture
def tls_server(tmp_path, monkeypatch) -> Iterator[tuple[ScriptedServer, rawkube.Config]]:
    """A TLS server offering h2 and http/1.1 by ALPN (it speaks only the latter)."""
    import importlib.util
    import ssl

    from tests.config.conftest import make_pki

    pki = make_pki(tmp_path)
    (tmp_path / "server.pem").write_bytes(pki.server_cert + pki.server_key)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp_path / "server.pem")
    context.set_alpn_protocols(["h2", "http/1.1"])
    # Clients made with http2=True check that h2 is installed; its pool for upgrades needs none.
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: real("ssl") if name == "h2" else real(name, *a),
    )
    with ScriptedServer(echo, tls=context) as server:
        settings = rawkube.Config(
            server=server.url.replace("127.0.0.1", "localhost"),
            auth=BearerTokenAuth(TOKEN),
            tls=rawkube.TLSSettings(ca_pem=pki.ca_cert),
        )
        yield server, settings


def test_a_client_made_for_http2_upgrades_over_http_1_1(tls_server):
    server, settings = tls_server
    with rawkube.Client(settings, http2=True) as client, connect(*upgrade(client)) as ws:
        ws.send(b"over TLS")
        assert ws.receive(5) == b"over TLS"
    [request] = server.requests
    assert request.alpn == "http/1.1"  # h2 was not offered: the server would have chosen it
    assert request.headers["authorization"] == f"Bearer {TOKEN}"


@pytest.mark.anyio
async def test_an_async_client_made_for_http2_upgrades_over_http_1_1(tls_server):
    server, settings = tls_server
    async with asession(settings, http2=True) as ws:
        await ws.send(b"over TLS")
        assert await ws.receive(5) == b"over TLS"
    assert server.requests[0].alpn == "http/1.1"


def test_upgrade_pool_choice():
    from rawkube.client._transport import TransportCore

    core = TransportCore(rawkube.Config(server="https://k8s.test"), http2=True)
    assert core.upgrades_apart(None)
    assert not core.upgrades_apart(httpx.MockTransport(lambda r: httpx.Response(200)))
    assert not TransportCore(rawkube.Config(server="https://k8s.test")).upgrades_apart(None)
    assert core.transport_options(None, http1=True)["http2"] is False

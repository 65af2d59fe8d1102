"""What a broken or hostile server cannot make a client do: wait for ever, hold a decompressed
bomb, remember every warning, stall on a name lookup, or open a connection per request.

Everything stays on loopback or in respx; name lookups are answered by a stand-in for
``socket.getaddrinfo`` that knows a few names and refuses every other one.
"""

from __future__ import annotations

import asyncio
import gzip
import logging
import socket
import socketserver
import ssl
import threading
import time
import tracemalloc
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import respx

import rawkube
from rawkube.client._transport import WARNINGS_REMEMBERED
from rawkube.core._clock import FakeClock

SERVER = "http://k8s.test:6443"
VERSION = f"{SERVER}/version"
MiB = 1024 * 1024


@contextmanager
def takes_less_than(seconds: float) -> Iterator[None]:
    start = time.monotonic()
    yield
    elapsed = time.monotonic() - start
    assert elapsed < seconds, f"took {elapsed:.2f} s"


# --- Retry-After ----------------------------------------------------------------------------


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def client(clock: FakeClock) -> Iterator[rawkube.Client]:
    with rawkube.Client(rawkube.Config(server=SERVER, clock=clock)) as client:
        yield client


NOT_A_DELAY = [
    pytest.param("²", id="superscript two"),
    pytest.param("٣", id="arabic-indic three"),
    pytest.param("1.5", id="fraction"),
    pytest.param("-1", id="negative"),
    pytest.param("+5", id="signed"),
    pytest.param("Wed, 21 Oct 2026 07:28:00 GMT", id="HTTP-date"),
    pytest.param("9" * 20, id="past int64"),
    pytest.param("1" * 5000, id="past int() digit limit"),
]


@respx.mock
@pytest.mark.parametrize("value", NOT_A_DELAY)
def test_a_retry_after_that_is_not_whole_seconds_is_not_honoured(client, clock, value):
    headers = [(b"Retry-After", value.encode())]  # as sent: UTF-8, which httpx decodes
    route = respx.get(VERSION).mock(return_value=httpx.Response(503, headers=headers))
    with pytest.raises(rawkube.ServiceUnavailableError) as info:
        client.get().abs_path("/version").do()
    assert (route.call_count, clock.sleeps, info.value.retry_after) == (1, [], None)


@respx.mock
def test_a_retry_after_past_the_clients_limit_is_raised_at_once(client, clock):
    route = respx.get(VERSION).mock(
        return_value=httpx.Response(429, headers={"Retry-After": "3600"})
    )
    with pytest.raises(rawkube.TooManyRequestsError) as info:
        client.get().abs_path("/version").do()
    assert (route.call_count, clock.sleeps, info.value.retry_after) == (1, [], 3600)


@respx.mock
def test_a_retry_after_up_to_the_limit_is_honoured(client, clock):
    answers = [httpx.Response(429, headers={"Retry-After": " 60 "}), httpx.Response(200, json={})]
    respx.get(VERSION).mock(side_effect=answers)
    assert client.get().abs_path("/version").do().status_code == 200
    assert clock.sleeps == [60.0]


@respx.mock
def test_the_retry_after_limit_is_the_clients_to_set(clock):
    answers = [httpx.Response(429, headers={"Retry-After": "3600"}), httpx.Response(200, json={})]
    respx.get(VERSION).mock(side_effect=answers)
    config = rawkube.Config(server=SERVER, clock=clock)
    with rawkube.Client(config, max_retry_after=3600) as client:
        assert client.get().abs_path("/version").do().status_code == 200
    assert clock.sleeps == [3600.0]


@pytest.mark.anyio
async def test_an_async_retry_after_past_the_limit_is_raised_at_once(clock):
    async with rawkube.AsyncClient(rawkube.Config(server=SERVER, clock=clock)) as client:
        with respx.mock:
            respx.get(VERSION).mock(return_value=httpx.Response(503, headers={"Retry-After": "61"}))
            with pytest.raises(rawkube.ServiceUnavailableError) as info:
                await client.get().abs_path("/version").do()
    assert (clock.sleeps, info.value.retry_after) == ([], 61)


# --- Body size --------------------------------------------------------------------------------


def gzipped_zeros(size: int) -> bytes:
    """``size`` zero bytes gzipped, without ever holding them: a bomb of ~1000:1."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = bytes(MiB)
    parts = [packer.compress(block) for _ in range(size // MiB)]
    return b"".join([*parts, packer.flush()])


GZIP = {"Content-Encoding": "gzip"}


def gzipped(body: bytes, status: int = 200) -> httpx.Response:
    """An answer of gzipped bytes as they come off the wire: httpx does not inflate them here."""
    return httpx.Response(status, headers=GZIP, stream=httpx.ByteStream(body))


@pytest.fixture(scope="module")
def bomb() -> bytes:
    """64 MiB of zeros in 64 KiB of gzip."""
    return gzipped_zeros(64 * MiB)


@contextmanager
def peak_allocated() -> Iterator[list[int]]:
    """The most memory Python held at once in the block, in bytes (filled in on exit)."""
    peak: list[int] = []
    tracemalloc.start()
    try:
        yield peak
    finally:
        peak.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()


def test_a_decompression_bomb_is_refused_holding_little_more_than_the_limit(bomb):
    with (
        KeepAlive(bomb, b"Content-Encoding: gzip\r\n") as server,
        rawkube.Client(server.config(), max_body_bytes=4 * MiB) as client,
        peak_allocated() as peak,
        pytest.raises(rawkube.DecodeError, match="larger than 4,194,304 bytes once decomp"),
    ):
        client.get().abs_path("/version").do()
    assert peak[0] < 12 * MiB, f"held {peak[0] / MiB:.0f} MiB"


@pytest.mark.anyio
async def test_an_async_decompression_bomb_is_refused_holding_little_more_than_the_limit(bomb):
    with KeepAlive(bomb, b"Content-Encoding: gzip\r\n") as server:
        async with rawkube.AsyncClient(server.config(), max_body_bytes=4 * MiB) as client:
            with peak_allocated() as peak, pytest.raises(rawkube.DecodeError):
                await client.get().abs_path("/version").do()
    assert peak[0] < 12 * MiB, f"held {peak[0] / MiB:.0f} MiB"


@respx.mock
def test_an_error_body_is_limited_too(bomb):
    respx.get(VERSION).mock(return_value=gzipped(bomb, 500))
    with (
        rawkube.Client(rawkube.Config(server=SERVER), max_body_bytes=MiB) as client,
        pytest.raises(rawkube.DecodeError, match="max_body_bytes"),
    ):
        client.get().abs_path("/version").do()


@respx.mock
def test_gzip_is_asked_for_and_a_body_within_the_limit_is_whole():
    body = b'{"items":[' + b",".join(b'{"n":%d}' % n for n in range(200_000)) + b"]}"
    members = gzip.compress(body[:1000]) + gzip.compress(body[1000:])  # two members, one stream
    route = respx.get(VERSION).mock(return_value=httpx.Response(200, headers=GZIP, content=members))
    with rawkube.Client(rawkube.Config(server=SERVER), max_body_bytes=len(body)) as client:
        assert client.get().abs_path("/version").do().raw() == body
    assert route.calls.last.request.headers["accept-encoding"] == "gzip"


@respx.mock
def test_a_cut_gzip_body_is_a_decode_error():
    cut = gzip.compress(b'{"kind":"Pod"}' * 1000)[:-20]
    respx.get(VERSION).mock(return_value=httpx.Response(200, headers=GZIP, content=cut))
    with (
        rawkube.Client(rawkube.Config(server=SERVER)) as client,
        pytest.raises(rawkube.DecodeError, match="ends inside its gzip stream"),
    ):
        client.get().abs_path("/version").do()


@respx.mock
def test_a_gzipped_stream_arrives_whole_in_bounded_pieces():
    lines = b"".join(b"line %d\n" % n for n in range(300_000))
    log = f"{SERVER}/api/v1/namespaces/ns/pods/p/log"
    respx.get(log).mock(
        return_value=httpx.Response(200, headers=GZIP, content=gzip.compress(lines))
    )
    with rawkube.Client(rawkube.Config(server=SERVER)) as client:
        request = client.get().namespace("ns").resource("pods").name("p").subresource("log")
        with request.stream() as chunks:
            pieces = list(chunks)
    assert b"".join(pieces) == lines
    assert max(map(len, pieces)) <= MiB


# --- Warnings -------------------------------------------------------------------------------


@respx.mock
def test_only_the_latest_distinct_warnings_are_remembered(client, caplog):
    def warn(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={}, headers={"Warning": f'299 - "{request.url.path}"'})

    respx.get(url__startswith=SERVER).mock(side_effect=warn)
    with caplog.at_level(logging.WARNING, logger="rawkube"):
        for n in range(WARNINGS_REMEMBERED + 1):  # the first is forgotten by the last
            client.get().abs_path(f"/w{n}").do()
        caplog.clear()
        client.get().abs_path(f"/w{WARNINGS_REMEMBERED}").do()  # the latest: still known
        assert caplog.messages == []
        client.get().abs_path("/w0").do()  # the oldest: forgotten, so logged again
    assert caplog.messages == ["server warning: /w0"]


# --- Name resolution --------------------------------------------------------------------------


class Names:
    """The names the stand-in resolver knows (``table``), and the end of slow lookups."""

    def __init__(self) -> None:
        self.table = {"localhost": "127.0.0.1"}
        self.released = threading.Event()


@pytest.fixture
def names(monkeypatch: pytest.MonkeyPatch) -> Iterator[Names]:
    """Stand in for ``socket.getaddrinfo``: a name in ``table`` resolves to its IP;
    ``slow.kube.test`` answers when released, or after 5 s; every other name fails, so none
    reaches a real DNS.
    """
    real = socket.getaddrinfo
    known = Names()
    table, released = known.table, known.released

    def getaddrinfo(host, port, *args, **kwargs):
        name = host.decode() if isinstance(host, bytes) else host
        try:
            socket.inet_pton(socket.AF_INET6 if ":" in name else socket.AF_INET, name)
        except (OSError, TypeError):
            pass
        else:
            return real(host, port, *args, **kwargs)  # an address: nothing is looked up
        if name == "slow.kube.test":
            released.wait(5)
        if name not in table:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (table[name], int(port or 0)))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    yield known
    released.set()  # end any lookup left waiting


def slow_config() -> rawkube.Config:
    return rawkube.Config(server="http://slow.kube.test:6443", connect_timeout=0.5)


def test_a_slow_name_lookup_ends_at_the_connect_timeout(names):
    with (
        rawkube.Client(slow_config()) as client,
        takes_less_than(2),
        pytest.raises(rawkube.RequestTimeoutError, match=r"resolving 'slow\.kube\.test' took"),
    ):
        client.get().abs_path("/version").do()


@pytest.mark.anyio
async def test_an_async_slow_name_lookup_ends_at_the_connect_timeout(names):
    async with rawkube.AsyncClient(slow_config()) as client:
        with takes_less_than(2), pytest.raises(rawkube.RequestTimeoutError):
            await client.get().abs_path("/version").do()
    # The lookup left running holds a thread of the loop's executor, which the loop waits
    # for as it closes: end it now.
    names.released.set()


def test_a_name_that_does_not_resolve_cannot_connect(names):
    config = rawkube.Config(server="http://nowhere.kube.test:6443")
    with rawkube.Client(config) as client, pytest.raises(rawkube.ConnectError, match="not known"):
        client.get().abs_path("/version").do()


class KeepAlive(socketserver.ThreadingTCPServer):
    """HTTP/1.1 on 127.0.0.1: answers every request with ``body`` after ``delay`` seconds,
    keeping the connection open.

    ``connections`` counts the connections accepted; ``hosts`` keeps each request's Host header.
    """

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256  # 200 clients may connect at once

    def __init__(
        self,
        body: bytes = b"{}",
        headers: bytes = b"",
        tls: ssl.SSLContext | None = None,
        delay: float = 0.0,
    ) -> None:
        self.body = body
        self.headers = headers
        self.delay = delay
        self.tls = tls
        self.connections = 0
        self.hosts: list[str] = []
        self.lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _Handler)

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def config(self) -> rawkube.Config:
        return rawkube.Config(server=f"http://127.0.0.1:{self.port}")

    def __enter__(self) -> KeepAlive:
        threading.Thread(target=self.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
        self.server_close()


class _Handler(socketserver.BaseRequestHandler):
    server: KeepAlive

    def handle(self) -> None:
        with self.server.lock:
            self.server.connections += 1
        conn = self.request
        conn.settimeout(60)  # longer than any test: the server never closes an idle connection
        try:
            if self.server.tls is not None:
                conn = self.server.tls.wrap_socket(conn, server_side=True)
            self.converse(conn)
        except (OSError, ssl.SSLError):  # the client went away
            return
        finally:
            conn.close()

    def converse(self, conn: socket.socket) -> None:
        """Answer each request (a head, no body: GETs only) until the client hangs up."""
        data = b""
        while True:
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                data += chunk
            head, _, data = data.partition(b"\r\n\r\n")
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"host:"):
                    self.server.hosts.append(line[5:].strip().decode())
            body, headers = self.server.body, self.server.headers
            time.sleep(self.server.delay)
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n%s"
                         b"Content-Length: %d\r\n\r\n%s" % (headers, len(body), body))  # fmt: skip


def test_a_resolved_name_is_connected_to_and_still_named_in_the_request(names):
    with KeepAlive() as server:
        names.table["api.kube.test"] = "127.0.0.1"
        config = rawkube.Config(server=f"http://api.kube.test:{server.port}")
        with rawkube.Client(config) as client:
            assert client.get().abs_path("/version").do().json() == {}
    assert server.hosts == [f"api.kube.test:{server.port}"]


def test_tls_names_the_server_by_its_name_after_a_lookup(names, tmp_path: Path):
    from tests.config.conftest import make_pki

    pki = make_pki(tmp_path)
    (tmp_path / "server.crt").write_bytes(pki.server_cert)
    (tmp_path / "server.key").write_bytes(pki.server_key)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(tmp_path / "server.crt", tmp_path / "server.key")
    with KeepAlive(tls=context) as server:
        # The certificate names localhost only: verified against the name, not the address.
        tls = rawkube.TLSSettings(ca_pem=pki.ca_cert)
        config = rawkube.Config(server=f"https://localhost:{server.port}", tls=tls)
        with rawkube.Client(config) as client:
            assert client.get().abs_path("/version").do().json() == {}


# --- Connection reuse -----------------------------------------------------------------------

IN_FLIGHT = 50
EACH = 4  # requests per thread or task: 200 in all, which httpx's defaults sent on ~190 connections
SLOW = 0.05  # seconds per answer: the 50 requests are in flight at once, as against a real server


def test_connections_are_reused_with_50_requests_in_flight():
    with KeepAlive(delay=SLOW) as server, rawkube.Client(server.config()) as client:

        def work() -> None:
            for _ in range(EACH):
                client.get().abs_path("/version").do()

        threads = [threading.Thread(target=work) for _ in range(IN_FLIGHT)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    # One connection per request in flight at most (a few more if a race makes one early).
    assert server.connections <= IN_FLIGHT + 5, f"{server.connections} connections"


@pytest.mark.anyio
async def test_async_connections_are_reused_with_50_requests_in_flight():
    with KeepAlive(delay=SLOW) as server:
        async with rawkube.AsyncClient(server.config()) as client:

            async def work() -> None:
                for _ in range(EACH):
                    await client.get().abs_path("/version").do()

            await asyncio.wait_for(asyncio.gather(*(work() for _ in range(IN_FLIGHT))), 60)
    assert server.connections <= IN_FLIGHT + 5, f"{server.connections} connections"


def test_the_pool_is_the_clients_to_size():
    with KeepAlive() as server, rawkube.Client(server.config(), max_keepalive_connections=0) as c:
        for _ in range(3):
            c.get().abs_path("/version").do()
    assert server.connections == 3  # none kept: one connection per request


# --- Settings a server URL or a limit cannot hold ------------------------------------------------

BAD_SERVERS = [
    pytest.param("http://[::1", id="unclosed IPv6 bracket"),
    pytest.param("http://" + "a" * 64 + ".test", id="a label past 63 characters"),
    pytest.param("http://a..test", id="an empty label"),
    pytest.param("http://k8s.test:99999", id="a port out of range"),
    pytest.param("ftp://k8s.test", id="another scheme"),
]


@pytest.mark.parametrize("server", BAD_SERVERS)
@pytest.mark.parametrize("make", [rawkube.Client, rawkube.AsyncClient])
def test_a_server_url_nothing_can_be_sent_to_is_a_config_error(server, make):
    with pytest.raises(rawkube.ConfigError, match="server"):  # the Config refuses most itself
        make(rawkube.Config(server=server))


def test_a_user_agent_that_cannot_be_a_header_is_a_config_error():
    with pytest.raises(rawkube.ConfigError, match="User-Agent header cannot be sent"):
        rawkube.Client(rawkube.Config(server=SERVER, user_agent="café"))


def test_a_proxy_of_an_unknown_scheme_is_a_config_error():
    with pytest.raises(rawkube.ConfigError, match="proxy"):
        rawkube.Client(rawkube.Config(server=SERVER, proxy="socks4://p.test:1080"))


BAD_LIMITS: list[tuple[dict[str, object], type[Exception]]] = [
    ({"max_connections": 0}, ValueError),
    ({"max_keepalive_connections": -1}, ValueError),
    ({"max_body_bytes": "1"}, TypeError),
    ({"keepalive_expiry": float("nan")}, ValueError),
    ({"max_retry_after": None}, TypeError),
    ({"max_retry_after": True}, TypeError),
]


@pytest.mark.parametrize(("limit", "error"), BAD_LIMITS)
@pytest.mark.parametrize("make", [rawkube.Client, rawkube.AsyncClient])
def test_a_limit_that_is_not_one_is_refused(make: Callable[..., object], limit, error):
    with pytest.raises(error):
        make(rawkube.Config(server=SERVER), **limit)

"""Informers through a hostile relay (cuts, stalls, 500, 429, 410 mid-watch) lose no change."""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import select
import socket
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

import rawkube
from rawkube.config.auth import BearerTokenAuth
from rawkube.models.core_v1 import ConfigMap
from rawkube.runtime import AsyncSharedInformer, SharedInformer
from rawkube.runtime.cache import DeletedFinalStateUnknown, meta_namespace_key
from rawkube.testing import FakeCluster

NAMESPACE = "chaos"
CHANGES = 500
NAMES = [f"cm-{index:02d}" for index in range(40)]
PACE = 0.012  # seconds between writes: 500 changes take ~7 s, long enough to span every fault
IDLE_TIMEOUT = 1.0  # the informer's read limit on a watch: what ends a stall
BOOKMARK_INTERVAL = 0.25  # well under IDLE_TIMEOUT, so only a stall trips the read limit
STALL_LIMIT = 8.0  # a stall the client has not hung up on by then means its read limit failed
PATIENCE = 10.0  # real seconds any one wait in these tests may take before it fails
SETTLE = 12.0  # real seconds the informer has, after the last write, to catch up

# When the writer has made so many changes, the relay is told to misbehave. A string is done to
# the live watch stream at its next chunk; a number is the status the next request is answered
# with (armed first, so the request the stream fault provokes is the one that gets it).
SCHEDULE: list[tuple[int, tuple[str | int, ...]]] = [
    (60, ("cut",)),  # cut mid-event: the watch resumes from its last resourceVersion
    (140, ("stall",)),  # silence: only the read limit notices, then the watch resumes
    (220, (500, "gone")),  # 410 in the stream, then the relist fails: the informer backs off
    (300, (429, "cut")),  # the resumed watch is told to retry after 1 s: the transport does
    (380, (500, "cut")),  # the resumed watch fails: the retrying watcher waits and resumes
]
EXPECTED_FAULTS = {"cut": 3, "stall": 1, "gone": 1, "500": 2, "429": 1}


# --- the relay --------------------------------------------------------------------------------


class _Closed(Exception):
    """The peer closed its side of the connection."""


class _Reader:
    """A socket read through a buffer: up to a marker or an exact count, as HTTP/1.1 frames."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self._buffer = bytearray()

    def _fill(self) -> None:
        data = self._sock.recv(65536)
        if not data:
            raise _Closed
        self._buffer += data

    def until(self, marker: bytes) -> bytes:
        while (end := self._buffer.find(marker)) < 0:
            self._fill()
        return self._take(end + len(marker))

    def exact(self, count: int) -> bytes:
        while len(self._buffer) < count:
            self._fill()
        return self._take(count)

    def _take(self, count: int) -> bytes:
        found = bytes(self._buffer[:count])
        del self._buffer[:count]
        return found


def _headers(head: bytes) -> dict[str, str]:
    lines = head.decode("latin-1").split("\r\n")[1:]
    pairs = (line.partition(":") for line in lines if line)
    return {key.strip().lower(): value.strip() for key, _, value in pairs}


def _status_answer(code: int) -> bytes:
    """A whole HTTP/1.1 answer with a Status body shaped as the API server's (kept alive)."""
    extra = ""
    if code == 429:  # what API Priority and Fairness answers a request it rejects
        phrase, reason = "Too Many Requests", "TooManyRequests"
        message = "Too many requests, please try again later."
        details: dict[str, Any] = {"retryAfterSeconds": 1}
        extra = "Retry-After: 1\r\n"
    else:
        phrase, reason = "Internal Server Error", "InternalError"
        message = "Internal error occurred: injected by the test relay"
        details = {"causes": [{"message": "injected by the test relay"}]}
    status = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "details": details,
        "code": code,
    }
    body = json.dumps(status, separators=(",", ":")).encode()
    head = (
        f"HTTP/1.1 {code} {phrase}\r\nCache-Control: no-cache, private\r\n"
        f"Content-Type: application/json\r\n{extra}Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


def _expired_event(requested: str, newest: str) -> bytes:
    """The ERROR event a real API server streams for a watch from a compacted resourceVersion.

    Shaped as the recorded err_410_watch_too_old_rv.body: a 200 stream carrying a Status 410.
    """
    status = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": f"too old resource version: {requested} ({newest})",
        "reason": "Expired",
        "code": 410,
    }
    return json.dumps({"type": "ERROR", "object": status}, separators=(",", ":")).encode() + b"\n"


def _chunk(data: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(data), data)


def _newest_version(lines: bytes, default: str) -> str:
    for line in reversed(lines.splitlines()):
        try:
            version = json.loads(line)["object"]["metadata"]["resourceVersion"]
        except (ValueError, KeyError, TypeError):
            continue
        return str(version)
    return default


def _recv_or_reset(sock: socket.socket) -> bytes:
    """What the peer sent; nothing once it has hung up, whether by a FIN or a reset."""
    try:
        return sock.recv(65536)
    except ConnectionResetError:
        return b""


class Relay:
    """An HTTP/1.1-aware TCP relay on loopback that misbehaves when told to.

    Each client connection gets a thread; each request a fresh upstream connection, closed
    after its answer, so a fault on one request leaves the client's connection usable unless
    the fault is to cut it. Watch faults act on a live stream at its next chunk (the fake
    server sends a bookmark every BOOKMARK_INTERVAL, so one comes soon): ``cut`` sends half
    the chunk and closes both sides, ``stall`` stops forwarding until the client hangs up,
    ``gone`` appends a 410 ERROR event and ends the stream. Status faults answer the next
    requests themselves, never reaching the server.
    """

    def __init__(self, upstream: str) -> None:
        parts = urlsplit(upstream)
        assert parts.hostname is not None
        assert parts.port is not None
        self._upstream = (parts.hostname, parts.port)
        self._listener = socket.create_server(("127.0.0.1", 0))
        # accept() is not woken by close() from another thread on Linux: poll a flag instead
        self._listener.settimeout(0.1)
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._sockets: set[socket.socket] = set()
        self._threads: list[threading.Thread] = []
        self._answers: deque[int] = deque()
        self._stream_fault: str | None = None
        self._started = time.monotonic()
        self.watching = 0  # live watch streams
        self.injected: Counter[str] = Counter()
        self.stalls: list[float] = []  # seconds each stall lasted before the client hung up
        self.log: list[str] = []  # what happened, for a failure's message
        accepter = threading.Thread(target=self._accept, name="relay-accept")
        self._threads.append(accepter)
        accepter.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._listener.getsockname()[1]}"

    @property
    def pending(self) -> bool:
        """Whether a fault is armed but not yet injected."""
        with self._lock:
            return bool(self._answers) or self._stream_fault is not None

    def inject(self, *faults: str | int) -> None:
        """Arm faults: statuses for the next requests, or one fault for the live watch stream."""
        with self._lock:
            for fault in faults:
                if isinstance(fault, int):
                    self._answers.append(fault)
                else:
                    assert self._stream_fault is None, "one stream fault at a time"
                    self._stream_fault = fault
            self._note(f"armed {faults}")

    def close(self) -> None:
        """Stop accepting, close every connection, and wait for the relay's threads."""
        self._closing.set()
        accepter, *_ = self._threads
        accepter.join(PATIENCE)  # first, so that no connection comes after the ones shut below
        with self._lock:
            sockets = list(self._sockets)
        for sock in sockets:  # wakes the threads blocked reading them; each closes its own
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        for thread in self._threads:
            thread.join(PATIENCE)
        self._listener.close()
        alive = [thread.name for thread in self._threads if thread.is_alive()]
        assert not alive, f"relay threads still running: {alive}"

    def _note(self, what: str) -> None:
        self.log.append(f"{time.monotonic() - self._started:7.3f} {what}")

    def _track(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.add(sock)

    def _drop(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.discard(sock)
        with contextlib.suppress(OSError):  # the peer may have gone already
            sock.shutdown(socket.SHUT_RDWR)
        sock.close()

    def _accept(self) -> None:
        try:
            while not self._closing.is_set():
                try:
                    conn, _ = self._listener.accept()
                except TimeoutError:
                    continue
                conn.settimeout(None)
                self._track(conn)
                thread = threading.Thread(target=self._serve, args=(conn,), name="relay-conn")
                self._threads.append(thread)
                thread.start()
        except OSError:
            return

    def _serve(self, client: socket.socket) -> None:
        reader = _Reader(client)
        try:
            while not self._closing.is_set():
                head = reader.until(b"\r\n\r\n")
                body = reader.exact(int(_headers(head).get("content-length") or 0))
                target = head.split(b" ", 2)[1].decode()
                with self._lock:
                    answer = self._answers.popleft() if self._answers else None
                    if answer is not None:
                        self.injected[str(answer)] += 1
                        self._note(f"answered {answer} to {target}")
                if answer is not None:
                    client.sendall(_status_answer(answer))
                    continue
                if not self._forward(client, head + body, target):
                    return
        except (_Closed, OSError):
            return
        finally:
            self._drop(client)

    def _forward(self, client: socket.socket, request: bytes, target: str) -> bool:
        """Relay one request and its answer; whether the client connection lives on."""
        upstream = socket.create_connection(self._upstream)
        self._track(upstream)
        try:
            upstream.sendall(request)
            reader = _Reader(upstream)
            head = reader.until(b"\r\n\r\n")
            client.sendall(head)
            if "chunked" not in _headers(head).get("transfer-encoding", ""):
                client.sendall(reader.exact(int(_headers(head).get("content-length") or 0)))
                return True
            query = parse_qs(urlsplit(target).query)
            requested = query.get("resourceVersion", [""])[0]
            with self._lock:
                self.watching += 1
                self._note(f"watch from {requested or 'now'}")
            try:
                return self._stream(client, reader, requested)
            finally:
                with self._lock:
                    self.watching -= 1
        finally:
            self._drop(upstream)

    def _stream(self, client: socket.socket, reader: _Reader, requested: str) -> bool:
        newest = requested
        while True:
            size_line = reader.until(b"\r\n")
            size = int(size_line.split(b";")[0], 16)
            if size == 0:
                client.sendall(size_line + reader.until(b"\r\n"))
                return True
            data = reader.exact(size + 2)  # the chunk and its CRLF
            with self._lock:
                fault, self._stream_fault = self._stream_fault, None
                if fault is not None:
                    self.injected[fault] += 1
                    self._note(f"{fault} on the watch from {requested} (at {newest})")
            if fault == "cut":
                client.sendall(size_line + data[: size // 2])  # half an event, then nothing
                return False
            if fault == "stall":
                self._hold(client)
                return False
            client.sendall(size_line + data)
            newest = _newest_version(data, newest)
            if fault == "gone":
                client.sendall(_chunk(_expired_event(requested, newest)) + b"0\r\n\r\n")
                return True

    def _hold(self, client: socket.socket) -> None:
        """Forward nothing until the client hangs up (its read limit fired) or STALL_LIMIT."""
        started = time.monotonic()
        while not self._closing.is_set() and time.monotonic() - started < STALL_LIMIT:
            readable, _, _ = select.select([client], [], [], 0.05)
            if readable and not _recv_or_reset(client):
                break
        took = time.monotonic() - started
        with self._lock:
            self.stalls.append(took)
            self._note(f"stall ended after {took:.2f} s")


# --- the writer, the faults and the handlers ----------------------------------------------------


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll ``condition`` until it holds; fail naming ``what`` after ``timeout`` real seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.01)


class Writer(threading.Thread):
    """CHANGES creates, updates and deletes of ConfigMaps, straight into the cluster, paced."""

    def __init__(self, cluster: FakeCluster) -> None:
        super().__init__(name="relay-chaos-writer")
        self.cluster = cluster
        self.done = 0
        self.made: Counter[str] = Counter()
        self.error: BaseException | None = None
        self.stop = threading.Event()

    def run(self) -> None:
        pick = random.Random(20261127)  # seeded: every run makes the same changes
        live = {o["metadata"]["name"] for o in self.cluster.objects("ConfigMap", NAMESPACE)}
        try:
            with self.cluster.client(NAMESPACE) as client:
                cms = client.core_v1.config_maps()
                for index in range(CHANGES):
                    if self.stop.is_set():
                        return
                    name = pick.choice(NAMES)
                    if name not in live:
                        cms.create(ConfigMap(metadata={"name": name}, data={"n": str(index)}))
                        live.add(name)
                        self.made["create"] += 1
                    elif pick.random() < 0.3:
                        cms.delete(name)
                        live.discard(name)
                        self.made["delete"] += 1
                    else:
                        cms.patch(name, {"data": {"n": str(index)}})
                        self.made["update"] += 1
                    self.done = index + 1
                    time.sleep(PACE)
        except BaseException as exc:  # re-raised on the test's thread
            self.error = exc


def make_changes_under_fire(cluster: FakeCluster, relay: Relay) -> Writer:
    """Run the writer and, as it goes, arm each fault of SCHEDULE on a live watch."""
    writer = Writer(cluster)
    writer.start()
    try:
        for at, faults in SCHEDULE:
            wait_until(
                lambda at=at: writer.done >= at or not writer.is_alive(), PATIENCE, f"change {at}"
            )
            if writer.error is not None:
                break
            wait_until(lambda: relay.watching > 0, PATIENCE, f"a live watch to do {faults} to")
            relay.inject(*faults)
            wait_until(lambda: not relay.pending, PATIENCE, f"the relay to do {faults}")
    except BaseException:
        writer.stop.set()  # the test has failed already: no point writing on
        raise
    finally:
        writer.join(PATIENCE)
    assert not writer.is_alive(), "the writer did not finish"
    if writer.error is not None:
        raise writer.error
    assert writer.done == CHANGES
    return writer


def _key_and_version(obj: Any) -> tuple[str, int]:
    state = obj.object if isinstance(obj, DeletedFinalStateUnknown) else obj
    return meta_namespace_key(state), int(state.metadata.resource_version)


class Ledger:
    """Every handler call, checked as it comes against what the handler saw before.

    ``live`` is what the handler believes exists (key to resourceVersion): each add must be
    of an object not live, each update and delete of one that is, and versions only grow.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.live: dict[str, int] = {}
        self.last: dict[str, int] = {}  # the newest version seen per key, deleted or not
        self.history: dict[str, list[str]] = {}
        self.calls: Counter[str] = Counter()
        self.violations: list[str] = []

    def _saw(self, kind: str, key: str, version: int) -> None:
        self.calls[kind] += 1
        self.history.setdefault(key, []).append(f"{kind}@{version}")

    def _wrong(self, what: str, key: str) -> None:
        self.violations.append(f"{what}: {key} after {self.history.get(key, [])[-6:]}")

    def on_add(self, obj: Any) -> None:
        key, version = _key_and_version(obj)
        with self.lock:
            if key in self.live:
                self._wrong(f"duplicate add @{version}", key)
            elif version <= self.last.get(key, 0):
                self._wrong(f"add of an older version @{version}", key)
            self._saw("add", key, version)
            self.live[key] = self.last[key] = version

    def on_update(self, old: Any, new: Any) -> None:
        key, version = _key_and_version(new)
        _, old_version = _key_and_version(old)
        with self.lock:
            if key not in self.live:
                self._wrong(f"update of an object not added @{version}", key)
            elif old_version != self.live[key]:
                self._wrong(f"update from @{old_version}, not the state last seen", key)
            if version <= self.last.get(key, 0):
                self._wrong(f"non-monotonic update @{version}", key)
            self._saw("update", key, version)
            self.live[key] = self.last[key] = version

    def on_delete(self, obj: Any) -> None:
        key, version = _key_and_version(obj)
        with self.lock:
            if key not in self.live:
                self._wrong(f"delete of an object not added @{version}", key)
            elif version < self.live[key]:
                self._wrong(f"delete carrying an older version @{version}", key)
            tombstone = isinstance(obj, DeletedFinalStateUnknown)
            self._saw("tombstone" if tombstone else "delete", key, version)
            self.live.pop(key, None)
            self.last[key] = max(version, self.last.get(key, 0))

    def state(self) -> dict[str, int]:
        with self.lock:
            return dict(self.live)


def server_state(cluster: FakeCluster) -> dict[str, int]:
    return {
        f"{NAMESPACE}/{o['metadata']['name']}": int(o["metadata"]["resourceVersion"])
        for o in cluster.objects("ConfigMap", NAMESPACE)
    }


def cache_state(informer: SharedInformer[Any] | AsyncSharedInformer[Any]) -> dict[str, int]:
    return {
        meta_namespace_key(o): int(o.metadata.resource_version) for o in informer.indexer.list()
    }


def settled(
    cluster: FakeCluster, informer: SharedInformer[Any] | AsyncSharedInformer[Any], ledger: Ledger
) -> bool:
    server = server_state(cluster)
    return cache_state(informer) == server and ledger.state() == server


def check(
    cluster: FakeCluster,
    informer: SharedInformer[Any] | AsyncSharedInformer[Any],
    ledger: Ledger,
    relay: Relay,
) -> None:
    """The cache and the handler's view are the server's; no call broke the rules; every
    fault was really injected, and the stall ended by the client's read limit."""
    server = server_state(cluster)
    story = "\n".join(relay.log)
    assert cache_state(informer) == server, f"the cache is not the server's; relay log:\n{story}"
    assert ledger.violations == [], f"handler calls broke the rules; relay log:\n{story}"
    assert ledger.state() == server, f"the handler missed changes; relay log:\n{story}"
    # Every key the handler ever saw and the server no longer has was reported deleted.
    assert set(ledger.last) - set(server) == set(ledger.last) - set(ledger.live)
    assert dict(relay.injected) == EXPECTED_FAULTS, story
    assert len(relay.stalls) == 1, story
    assert relay.stalls[0] < STALL_LIMIT, f"the read limit did not end the stall:\n{story}"


def seed(cluster: FakeCluster) -> None:
    for name in NAMES[:5]:
        metadata = {"name": name, "namespace": NAMESPACE}
        cluster.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": metadata})
    # another namespace's objects must never reach the informer
    cluster.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "elsewhere"}})


# --- the tests ----------------------------------------------------------------------------------


def test_a_shared_informer_through_a_hostile_relay_misses_and_repeats_nothing():
    cluster = FakeCluster(bookmark_interval=BOOKMARK_INTERVAL)  # the real clock
    seed(cluster)
    server = cluster.serve()
    try:
        relay = Relay(server.url)
        try:
            config = rawkube.Config(
                server=relay.url, namespace=NAMESPACE, auth=BearerTokenAuth(server.token or "")
            )
            with rawkube.Client(config) as client:
                informer = SharedInformer(client.core_v1.config_maps(), idle_timeout=IDLE_TIMEOUT)
                ledger = Ledger()
                informer.add_event_handler(ledger.on_add, ledger.on_update, ledger.on_delete)
                with informer:
                    assert informer.wait_for_cache_sync(PATIENCE)
                    make_changes_under_fire(cluster, relay)
                    deadline = time.monotonic() + SETTLE
                    while not settled(cluster, informer, ledger) and time.monotonic() < deadline:
                        time.sleep(0.05)  # check() below tells what differs if it never settles
                check(cluster, informer, ledger, relay)
        finally:
            relay.close()
    finally:
        server.close()


@pytest.mark.anyio
async def test_an_async_shared_informer_through_the_same_relay_misses_and_repeats_nothing():
    cluster = FakeCluster(bookmark_interval=BOOKMARK_INTERVAL)
    seed(cluster)
    server = cluster.serve()
    try:
        relay = Relay(server.url)
        try:
            config = rawkube.Config(
                server=relay.url, namespace=NAMESPACE, auth=BearerTokenAuth(server.token or "")
            )
            async with rawkube.AsyncClient(config) as client:
                informer = AsyncSharedInformer(
                    client.core_v1.config_maps(), idle_timeout=IDLE_TIMEOUT
                )
                ledger = Ledger()
                informer.add_event_handler(ledger.on_add, ledger.on_update, ledger.on_delete)
                async with informer:
                    assert await informer.wait_for_cache_sync(PATIENCE)
                    # the writer and the faults block: on a thread, so the informer's tasks run
                    await asyncio.to_thread(make_changes_under_fire, cluster, relay)
                    deadline = time.monotonic() + SETTLE
                    while not settled(cluster, informer, ledger) and time.monotonic() < deadline:
                        await asyncio.sleep(0.05)
                check(cluster, informer, ledger, relay)
        finally:
            relay.close()
    finally:
        server.close()

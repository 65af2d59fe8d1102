"""The fake cluster's exec, attach and port-forward over WebSocket, read with a raw client.

Each conversation runs three ways: through the blocking in-process transport, through the
asyncio one, and over a real socket to the loopback server. The client is a few lines of
wsproto written here, so that these tests depend on nothing of rawkube's own client.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlencode

import pytest
from wsproto.connection import Connection, ConnectionState, ConnectionType
from wsproto.events import BytesMessage, CloseConnection, Ping, Pong

from rawkube._http import httpcore, httpx
from rawkube.core._channel import exit_code
from rawkube.testing import ExecCall, ExecReply, FakeCluster, HangUp, echo
from rawkube.testing._session import accept_token

EXEC = "/api/v1/namespaces/default/pods/web/exec"
ATTACH = "/api/v1/namespaces/default/pods/web/attach"
FORWARD = "/api/v1/namespaces/default/pods/web/portforward"
V5, V4 = "v5.channel.k8s.io", "v4.channel.k8s.io"
PATIENCE = 10.0  # seconds any read may take before the test fails

# Recorded from a real kube-apiserver (shared/kubernetes/recorded/err_400_pod_exec_*.body).
NO_HOST = (
    b'{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",'
    b'"message":"pod p-min does not have a host assigned","reason":"BadRequest","code":400}'
)
CONTAINER_REQUIRED = (
    b'{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",'
    b'"message":"a container name must be specified for pod p-two, choose one of: [a b]",'
    b'"reason":"BadRequest","code":400}'
)


def pod(name: str, *containers: str, node: str | None = "node-1", command: Any = None) -> dict:
    spec: dict[str, Any] = {"containers": [{"name": c, "image": "busybox"} for c in containers]}
    if command is not None:
        spec["containers"][0]["command"] = command
    if node:
        spec["nodeName"] = node
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name}, "spec": spec}


@pytest.fixture
def cluster() -> FakeCluster:
    cluster = FakeCluster()
    cluster.create(pod("web", "app", command=["server", "--port=8080"]))
    cluster.create(pod("two", "a", "b"))
    for unscheduled in (pod("p-min", "c", node=None), pod("p-two", "a", "b", node=None)):
        unscheduled["metadata"]["namespace"] = "lab-fidelity"
        cluster.create(unscheduled)
    return cluster


# --- a minimal WebSocket client over three carriers ---------------------------------------------


class Pipe(Protocol):
    def read(self) -> bytes: ...
    def write(self, data: bytes) -> None: ...
    def close(self) -> None: ...


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes = b""
    pipe: Pipe | None = None


Opener = Callable[..., Answer]


def upgrade_headers(protocols: str | None, key: str) -> dict[str, str]:
    headers = {
        "Connection": "Upgrade",
        "Upgrade": "websocket",
        "Sec-WebSocket-Version": "13",
        "Sec-WebSocket-Key": key,
    }
    if protocols is not None:
        headers["Sec-WebSocket-Protocol"] = protocols
    return headers


class InProcessPipe:
    def __init__(self, stream: Any) -> None:
        self.stream = stream

    def read(self) -> bytes:
        return self.stream.read(65536, timeout=PATIENCE)

    def write(self, data: bytes) -> None:
        self.stream.write(data)

    def close(self) -> None:
        self.stream.close()


class AsyncPipe:
    """The asyncio stream, each call run to its end on the test's own loop."""

    def __init__(self, stream: Any, loop: asyncio.AbstractEventLoop) -> None:
        self.stream, self.loop = stream, loop

    def read(self) -> bytes:
        return self.loop.run_until_complete(self.stream.read(65536, timeout=PATIENCE))

    def write(self, data: bytes) -> None:
        self.loop.run_until_complete(self.stream.write(data))

    def close(self) -> None:
        self.loop.run_until_complete(self.stream.aclose())


class SocketPipe:
    def __init__(self, sock: socket.socket, leftover: bytes) -> None:
        self.sock, self.leftover = sock, leftover

    def read(self) -> bytes:
        if self.leftover:
            data, self.leftover = self.leftover, b""
            return data
        try:
            return self.sock.recv(262144)
        except ConnectionResetError:
            return b""

    def write(self, data: bytes) -> None:
        self.sock.sendall(data)

    def close(self) -> None:
        self.sock.close()


def read_head(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise AssertionError(f"the server closed before its answer's head: {data!r}")
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    line, *lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for text in lines:
        key, _, value = text.partition(":")
        headers[key.strip().lower()] = value.strip()
    return int(line.split()[1]), headers, rest


@pytest.fixture(params=["sync", "async", "loopback"])
def carrier(request: pytest.FixtureRequest, cluster: FakeCluster) -> Iterator[Opener]:
    """Opens a request (upgrade headers by default) on one of the three ways to the fake."""
    opened: list[Pipe] = []

    def headers_for(protocols: str | None, extra: dict[str, str] | None, upgrade: bool) -> dict:
        key = base64.b64encode(os.urandom(16)).decode()
        return {**(upgrade_headers(protocols, key) if upgrade else {}), **(extra or {})}

    if request.param == "sync":
        client = httpx.Client(transport=cluster.transport(), base_url="http://fake.invalid")

        def open_sync(path, protocols=f"{V5}, {V4}", *, method="GET", headers=None, upgrade=True):
            response = client.request(
                method, path, headers=headers_for(protocols, headers, upgrade)
            )
            pipe = None
            if response.status_code == 101:
                pipe = InProcessPipe(response.extensions["network_stream"])
                opened.append(pipe)
            return Answer(response.status_code, dict(response.headers), response.content, pipe)

        yield open_sync
        for pipe in opened:
            pipe.close()
        client.close()
    elif request.param == "async":
        loop = asyncio.new_event_loop()
        aclient = httpx.AsyncClient(
            transport=cluster.async_transport(), base_url="http://f.invalid"
        )

        def open_async(path, protocols=f"{V5}, {V4}", *, method="GET", headers=None, upgrade=True):
            sent = headers_for(protocols, headers, upgrade)
            response = loop.run_until_complete(aclient.request(method, path, headers=sent))
            pipe = None
            if response.status_code == 101:
                pipe = AsyncPipe(response.extensions["network_stream"], loop)
                opened.append(pipe)
            return Answer(response.status_code, dict(response.headers), response.content, pipe)

        yield open_async
        for pipe in opened:
            pipe.close()
        loop.run_until_complete(aclient.aclose())
        loop.close()
    else:
        with cluster.serve() as server:
            host, port = server.url.removeprefix("http://").rsplit(":", 1)

            def open_socket(
                path, protocols=f"{V5}, {V4}", *, method="GET", headers=None, upgrade=True
            ):
                sock = socket.create_connection((host, int(port)), timeout=PATIENCE)
                sent = {
                    "Host": f"{host}:{port}",
                    "Authorization": f"Bearer {server.token}",
                    **headers_for(protocols, headers, upgrade),
                }
                lines = [f"{method} {path} HTTP/1.1", *(f"{k}: {v}" for k, v in sent.items())]
                sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
                status, answer_headers, rest = read_head(sock)
                pipe = SocketPipe(sock, rest)
                opened.append(pipe)
                if status == 101:
                    return Answer(status, answer_headers, b"", pipe)
                length = int(answer_headers.get("content-length", "0"))
                while len(rest) < length:
                    rest += sock.recv(65536)
                return Answer(status, answer_headers, rest[:length], None)

            yield open_socket
            for pipe in opened:
                pipe.close()


@dataclass
class Peer:
    """A WebSocket client (wsproto) on a pipe: sends messages, reads until the server stops."""

    pipe: Pipe
    ws: Connection = field(default_factory=lambda: Connection(ConnectionType.CLIENT))
    messages: list[bytes] = field(default_factory=list)
    close_code: int | None = None
    eof: bool = False
    pongs: list[bytes] = field(default_factory=list)
    partial: bytearray = field(default_factory=bytearray)

    def send(self, message: bytes) -> None:
        self.pipe.write(self.ws.send(BytesMessage(data=message)))

    def ping(self, payload: bytes) -> None:
        self.pipe.write(self.ws.send(Ping(payload=payload)))

    def pump(self) -> bool:
        """Read once and take in what came; whether the connection is still open."""
        data = self.pipe.read()
        if not data:
            self.eof = True
            return False
        self.ws.receive_data(data)
        for event in self.ws.events():
            if isinstance(event, BytesMessage):
                self.partial += event.data
                if event.message_finished:
                    self.messages.append(bytes(self.partial))
                    self.partial.clear()
            elif isinstance(event, Pong):
                self.pongs.append(bytes(event.payload))
            elif isinstance(event, CloseConnection):
                self.close_code = event.code
                if self.ws.state is ConnectionState.REMOTE_CLOSING:  # not the answer to ours
                    self.pipe.write(self.ws.send(event.response()))
                return False
        return True

    def run(self) -> Peer:
        """Read until the server closes (with a close frame, or by dropping the connection)."""
        while self.pump():
            pass
        return self

    def channel(self, number: int) -> bytes:
        return b"".join(m[1:] for m in self.messages if m[0] == number)

    def status(self) -> dict[str, Any]:
        (payload,) = [m[1:] for m in self.messages if m[0] == 3 and len(m) > 1]
        return json.loads(payload)


def command(*words: str, stdin: bool = False, stderr: bool = True) -> str:
    """The exec path running ``words``, with stdout (and stderr, and stdin when asked)."""
    query = [("command", word) for word in words] + [("stdout", "true")]
    query += [("stderr", "true")] if stderr else []
    query += [("stdin", "true")] if stdin else []
    return f"{EXEC}?{urlencode(query)}"


def session(answer: Answer) -> Peer:
    assert answer.status == 101, (answer.status, answer.body)
    assert answer.pipe is not None
    return Peer(answer.pipe)


# --- exec -----------------------------------------------------------------------------------------


def test_exec_sends_stdout_stderr_and_success(cluster, carrier):
    cluster.on_exec(lambda call: ExecReply(stdout="files\n", stderr=b"warning\n"))
    answer = carrier(f"{EXEC}?command=ls&command=-l&stdout=true&stderr=true")
    assert answer.headers["sec-websocket-protocol"] == V5
    assert answer.headers["sec-websocket-accept"]
    peer = session(answer).run()
    assert peer.messages[0] == b"\x01"  # the kubelet's "stream is up": empty, on stdout
    assert peer.channel(1) == b"files\n"
    assert peer.channel(2) == b"warning\n"
    assert peer.status() == {"metadata": {}, "status": "Success"}
    assert peer.close_code == 1000
    (call,) = cluster.exec_calls
    assert call == ExecCall("default", "web", "app", ["ls", "-l"])
    action = cluster.actions()[-1]
    assert (action.verb, action.resource, action.subresource) == ("get", "pods", "exec")


def test_a_non_zero_exit_is_the_kubelets_status(cluster, carrier):
    cluster.on_exec(lambda call: ("", "no such file\n", 2))
    peer = session(carrier(f"{EXEC}?command=ls&command=/nope&stdout=true&stderr=true")).run()
    status = peer.status()
    assert status["reason"] == "NonZeroExitCode"
    assert status["message"] == (
        "command terminated with non-zero exit code: error executing command [ls /nope], "
        "exit code 2"
    )
    assert exit_code(peer.messages[-1][1:]) == 2
    assert peer.channel(2) == b"no such file\n"


def test_stdin_reaches_the_command_when_it_is_closed(cluster, carrier):
    cluster.on_exec(lambda call: (call.stdin.upper(), "", 0))
    peer = session(carrier(f"{EXEC}?command=tr&stdin=true&stdout=true&stderr=true"))
    peer.send(b"\x00hello ")
    peer.send(b"\x00world")
    peer.send(b"\xff\x00")  # v5: close stdin
    peer.run()
    assert peer.channel(1) == b"HELLO WORLD"
    assert cluster.exec_calls[-1].stdin == b"hello world"


def test_ten_megabytes_of_stdout_arrive_whole_in_small_messages(cluster, carrier):
    big = os.urandom(10 * 1024 * 1024)
    cluster.on_exec(lambda call: (big, "", 0))
    peer = session(carrier(f"{EXEC}?command=cat&command=big&stdout=true")).run()
    assert peer.channel(1) == big
    assert max(len(m) for m in peer.messages) <= 32 * 1024 + 1
    assert peer.status()["status"] == "Success"


def test_a_terminal_resize_is_recorded(cluster, carrier):
    cluster.on_exec(lambda call: ("$ ", "", 0))
    peer = session(carrier(f"{EXEC}?command=sh&stdin=true&stdout=true&tty=true"))
    peer.send(b'\x04{"Width":120,"Height":40}')
    peer.send(b'\x04{"Width":80,"Height":24}')
    peer.send(b"\x00exit\n")
    peer.send(b"\xff\x00")
    peer.run()
    call = cluster.exec_calls[-1]
    assert call.tty
    assert call.resizes == ((120, 40), (80, 24))
    assert peer.channel(1) == b"$ "


def test_an_input_handler_answers_stdin_as_it_comes_and_may_end_the_command(cluster, carrier):
    def shell(call: ExecCall, typed: bytes) -> bytes | ExecReply:
        if typed == b"exit\n":
            return ExecReply(stdout="bye\n", exit_code=4)
        return b"> " + typed + f"{list(call.resizes)}".encode()

    cluster.on_exec_input(shell)
    cluster.on_exec(lambda call: pytest.fail("stdin never closed: the input handler ended it"))
    peer = session(carrier(f"{EXEC}?command=sh&stdin=true&stdout=true&tty=true"))
    peer.send(b'\x04{"Width":80,"Height":24}')
    peer.send(b"\x00ls\n")
    while b"ls" not in peer.channel(1):  # answered while stdin is still open
        assert peer.pump()
    assert peer.channel(1) == b"> ls\n[(80, 24)]"
    peer.send(b"\x00exit\n")
    peer.run()
    assert peer.channel(1).endswith(b"bye\n")
    assert exit_code(peer.messages[-1][1:]) == 4
    assert cluster.exec_calls[-1].stdin == b"ls\nexit\n"


def test_a_terminal_has_one_output(cluster, carrier):
    cluster.on_exec(lambda call: ("out ", "err", 0))
    peer = session(carrier(f"{EXEC}?command=sh&stdout=true&stderr=true&tty=true")).run()
    assert peer.channel(1) == b"out err"
    assert peer.channel(2) == b""


def test_a_hang_up_drops_the_connection_after_the_output(cluster, carrier):
    def dies(call: ExecCall) -> None:
        raise HangUp(b"partial output", stderr="dying")

    cluster.on_exec(dies)
    peer = session(carrier(f"{EXEC}?command=work&stdout=true&stderr=true")).run()
    assert peer.channel(1) == b"partial output"
    assert peer.channel(2) == b"dying"
    assert peer.eof
    assert peer.close_code is None  # no close frame
    assert [m for m in peer.messages if m[0] == 3] == []  # and no status


def test_a_command_nobody_runs_fails_as_containerd_says(cluster, carrier):
    peer = session(carrier(f"{EXEC}?command=bash&stdout=true&stderr=true")).run()
    status = peer.status()
    assert (status["status"], status["reason"], status["code"]) == ("Failure", "InternalError", 500)
    assert status["message"].startswith(
        "Internal error occurred: error executing command in container: failed to exec in "
        'container: failed to start exec "'
    )
    assert status["message"].endswith(
        'OCI runtime exec failed: exec failed: unable to start container process: exec: "bash": '
        "executable file not found in $PATH: unknown"
    )
    peer = session(carrier(f"{EXEC}?command=/bin/bash&stdout=true")).run()
    message = peer.status()["message"]
    assert 'exec: "/bin/bash": stat /bin/bash: no such file or directory' in message


def test_a_handler_that_declines_leaves_the_command_to_the_builtins(cluster, carrier):
    cluster.on_exec(lambda call: None)
    peer = session(carrier(f"{EXEC}?command=echo&command=hi&command=there&stdout=true")).run()
    assert peer.channel(1) == b"hi there\n"


def test_a_failing_handler_is_an_internal_error_not_a_dead_connection(cluster, carrier):
    def broken(call: ExecCall) -> ExecReply:
        raise KeyError("oops")

    cluster.on_exec(broken)
    peer = session(carrier(f"{EXEC}?command=x&stdout=true")).run()
    status = peer.status()
    assert status["reason"] == "InternalError"
    assert "KeyError" in status["message"]
    assert peer.close_code == 1000


def test_the_most_specific_handler_wins(cluster, carrier):
    cluster.on_exec(lambda call: ("any", "", 0))
    cluster.on_exec(lambda call: ("pod", "", 0), pod="web")
    cluster.on_exec(lambda call: ("container", "", 0), pod="two", container="b")
    cluster.on_exec(lambda call: ("namespace", "", 0), namespace="default")
    path = "/api/v1/namespaces/default/pods/two/exec?command=x&stdout=true"
    assert session(carrier(f"{EXEC}?command=x&stdout=true")).run().channel(1) == b"pod"
    assert session(carrier(f"{path}&container=b")).run().channel(1) == b"container"
    assert session(carrier(f"{path}&container=a")).run().channel(1) == b"namespace"


def test_stdin_over_the_cap_is_an_error_not_memory(cluster, carrier, monkeypatch):
    monkeypatch.setattr("rawkube.testing._session.MAX_STDIN_BYTES", 1000)
    cluster.on_exec(lambda call: ("ran", "", 0))
    peer = session(carrier(f"{EXEC}?command=cat&stdin=true&stdout=true"))
    peer.send(b"\x00" + b"x" * 600)
    peer.send(b"\x00" + b"x" * 600)
    peer.run()
    assert peer.channel(1) == b""
    assert "at most 1000 bytes" in peer.status()["message"]
    assert cluster.exec_calls == []


@pytest.mark.parametrize("protocol", [V4, V5])
def test_a_command_whose_stdin_ends_with_the_connection_runs_unheard(cluster, carrier, protocol):
    cluster.on_exec(lambda call: ("unheard", "", 0))
    answer = carrier(f"{EXEC}?command=cat&stdin=true&stdout=true", protocol)
    assert answer.headers["sec-websocket-protocol"] == protocol
    peer = session(answer)
    peer.send(b"\x00data")
    if protocol == V4:
        peer.send(b"\xff\x00")  # no such message in v4 (stdin cannot be closed): ignored
    peer.pipe.write(peer.ws.send(CloseConnection(code=1000)))
    peer.run()
    assert peer.close_code == 1000
    assert peer.channel(1) == b""
    assert cluster.exec_calls[-1].stdin == b"data"


def test_pings_are_answered(cluster, carrier):
    peer = session(carrier(f"{EXEC}?command=cat&stdin=true&stdout=true"))
    peer.ping(b"are you there")
    while not peer.pongs:
        assert peer.pump()
    assert peer.pongs == [b"are you there"]


# --- attach ---------------------------------------------------------------------------------------


def test_attach_runs_the_handler_with_the_containers_command(cluster, carrier):
    cluster.on_exec(lambda call: ("log line\n", "", 1))
    peer = session(carrier(f"{ATTACH}?stdout=true&stderr=true")).run()
    assert peer.channel(1) == b"log line\n"
    assert peer.status()["status"] == "Success"  # the kubelet reports no exit code for attach
    call = cluster.exec_calls[-1]
    assert call.attach
    assert call.command == ["server", "--port=8080"]


def test_attach_with_no_handler_ends_at_once(cluster, carrier):
    peer = session(carrier(f"{ATTACH}?stdout=true")).run()
    assert peer.channel(1) == b""
    assert peer.status()["status"] == "Success"


# --- port-forward ---------------------------------------------------------------------------------


def test_port_forward_carries_ten_megabytes_each_way_through_echo(cluster, carrier):
    cluster.on_port(8080)
    answer = carrier(f"{FORWARD}?ports=8080", f"{V4}, portforward.k8s.io")
    assert answer.headers["sec-websocket-protocol"] == V4
    peer = session(answer)
    while len(peer.messages) < 2:
        assert peer.pump()
    assert peer.messages[:2] == [b"\x00\x90\x1f", b"\x01\x90\x1f"]  # 8080, little-endian
    sent = os.urandom(10 * 1024 * 1024)
    received = bytearray()
    for start in range(0, len(sent), 65536):
        peer.send(b"\x00" + sent[start : start + 65536])
        while len(received) < min(start + 65536, len(sent)):
            before = len(peer.messages)
            assert peer.pump()
            for message in peer.messages[before:]:
                assert message[0] == 0
                received += message[1:]
    assert bytes(received) == sent


def test_a_port_forward_offering_no_subprotocol_gets_the_binary_channels(cluster, carrier):
    # The kubelet's default protocol, framed as v4's; kr8s forwards this way.
    cluster.on_port(8080)
    answer = carrier(f"{FORWARD}?ports=8080", None)
    assert answer.status == 101
    assert "sec-websocket-protocol" not in answer.headers
    peer = session(answer)
    while len(peer.messages) < 2:
        assert peer.pump()
    peer.send(b"\x00ping")
    while len(peer.messages) < 3:
        assert peer.pump()
    assert peer.messages == [b"\x00\x90\x1f", b"\x01\x90\x1f", b"\x00ping"]


def test_two_ports_each_answer_on_their_channels(cluster, carrier):
    cluster.on_port(80, lambda data: b"http:" + data)
    cluster.on_port(5432, lambda data: b"pg:" + data, pod="web")
    peer = session(carrier(f"{FORWARD}?ports=80&ports=5432", V4))
    while len(peer.messages) < 4:
        assert peer.pump()
    peer.send(b"\x02select")
    peer.send(b"\x00get")
    while len(peer.messages) < 6:
        assert peer.pump()
    assert peer.messages[4:] == [b"\x02pg:select", b"\x00http:get"]


def test_a_port_nobody_listens_on_is_refused_as_containerd_refuses_it(cluster, carrier):
    peer = session(carrier(f"{FORWARD}?ports=9999", V4)).run()
    error = peer.channel(1)[2:].decode()
    assert error.startswith("error forwarding port 9999 to pod ")
    assert error.endswith(
        "IPv4: dial tcp4 127.0.0.1:9999: connect: connection refused IPv6 dial tcp6 "
        "[::1]:9999: connect: connection refused "
    )
    assert peer.close_code == 1000


def test_a_port_handler_can_hang_up(cluster, carrier):
    def once(data: bytes) -> bytes:
        raise HangUp(b"bye")

    cluster.on_port(7000, once)
    peer = session(carrier(f"{FORWARD}?ports=7000", V4))
    while len(peer.messages) < 2:
        assert peer.pump()
    peer.send(b"\x00hello")
    peer.run()
    assert peer.messages[-1] == b"\x00bye"
    assert peer.eof
    assert peer.close_code is None


def test_the_exec_record_keeps_the_latest_within_its_bounds():
    from rawkube.testing._exec import _CallLog

    log = _CallLog(limit=3, byte_limit=10)
    for number in range(5):
        log.append(ExecCall("ns", "p", "c", [str(number)]))
    assert [call.command for call in log.entries] == [["2"], ["3"], ["4"]]
    log.append(ExecCall("ns", "p", "c", ["big"], stdin=b"x" * 8))
    log.append(ExecCall("ns", "p", "c", ["bigger"], stdin=b"y" * 5))
    assert [call.command for call in log.entries] == [["bigger"]]


def test_echo_echoes():
    assert echo(b"abc") == b"abc"


# --- refusals -------------------------------------------------------------------------------------


def test_refusals_are_the_api_servers(cluster, carrier):
    p_min = "/api/v1/namespaces/lab-fidelity/pods/p-min/exec?command=ls&stdout=true"
    p_two = "/api/v1/namespaces/lab-fidelity/pods/p-two/exec?command=ls&stdout=true"
    for answer in (
        carrier(p_min, upgrade=False),
        carrier(p_min, method="POST", upgrade=False),
        carrier(p_min),
    ):
        assert (answer.status, answer.body) == (400, NO_HOST)
    answer = carrier(p_two)  # the container is checked before the host
    assert (answer.status, answer.body) == (400, CONTAINER_REQUIRED)
    answer = carrier("/api/v1/namespaces/lab-fidelity/pods/p-min/exec?container=nope&command=ls")
    assert json.loads(answer.body)["message"] == "container nope is not valid for pod p-min"
    answer = carrier("/api/v1/namespaces/lab-fidelity/pods/p-min/portforward?ports=80")
    assert (answer.status, answer.body) == (400, NO_HOST)
    answer = carrier(f"{EXEC}?command=ls&stdout=true", upgrade=False)
    assert answer.status == 400
    assert json.loads(answer.body)["message"] == "Upgrade request required"
    answer = carrier("/api/v1/namespaces/default/pods/gone/exec?command=ls&stdout=true")
    assert (answer.status, json.loads(answer.body)["message"]) == (404, 'pods "gone" not found')


def test_the_kubelet_and_the_handshake_refuse_as_they_do(cluster, carrier):
    answer = carrier(f"{EXEC}?command=ls")
    assert (answer.status, answer.body) == (
        400,
        b"you must specify at least 1 of stdin, stdout, stderr\n",
    )
    assert carrier(f"{EXEC}?command=ls&stdout=true", "v3.channel.k8s.io").status == 403
    assert carrier(f"{EXEC}?command=ls&stdout=true", None).status == 403
    assert carrier(f"{EXEC}?command=ls&stdout=true", method="POST").status == 405
    answer = carrier(f"{EXEC}?command=ls&stdout=true", headers={"Sec-WebSocket-Version": "8"})
    assert (answer.status, answer.headers["sec-websocket-version"]) == (426, "13")
    assert carrier(f"{FORWARD}", V4).body == b'query parameter "port" is required\n'
    answer = carrier(f"{FORWARD}?ports=http", V4)
    assert json.loads(answer.body)["message"] == (
        'cannot convert to []int32: strconv.ParseUint: parsing "http": invalid syntax'
    )
    assert carrier(f"{EXEC}?command=ls&stdout=true", method="PUT").status == 405


def test_the_accept_token_is_rfc_6455s():
    assert accept_token("dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="


# --- the built-ins over the files -------------------------------------------------------------


def test_tar_copies_into_and_out_of_a_container(cluster, carrier):
    import io
    import tarfile

    archive = io.BytesIO()
    with tarfile.open(fileobj=archive, mode="w") as tar:
        for name, data in (("conf/a.yaml", b"a: 1\n"), ("conf/sub/b.txt", b"bee")):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    files = cluster.files("default", "web")
    untar = command("tar", "-xmf", "-", "-C", "/srv", stdin=True)
    peer = session(carrier(untar))
    peer.send(b"\x00" + archive.getvalue())
    peer.send(b"\xff\x00")
    peer.run()
    assert peer.status()["status"] == "Failure"  # /srv does not exist
    assert peer.channel(2) == (
        b"tar: /srv: Cannot open: No such file or directory\n"
        b"tar: Error is not recoverable: exiting now\n"
    )
    files["/srv/"] = b""
    peer = session(carrier(untar))
    peer.send(b"\x00" + archive.getvalue())
    peer.send(b"\xff\x00")
    assert peer.run().status()["status"] == "Success"
    assert files == {"/srv/conf/a.yaml": b"a: 1\n", "/srv/conf/sub/b.txt": b"bee"}

    peer = session(carrier(command("tar", "cf", "-", "/srv/conf"))).run()
    assert peer.channel(2) == b"tar: Removing leading `/' from member names\n"
    with tarfile.open(fileobj=io.BytesIO(peer.channel(1))) as tar:
        names = tar.getnames()
        assert names == ["srv/conf", "srv/conf/a.yaml", "srv/conf/sub", "srv/conf/sub/b.txt"]
        extracted = tar.extractfile("srv/conf/sub/b.txt")
        assert extracted is not None
        assert extracted.read() == b"bee"
    peer = session(carrier(command("tar", "cf", "-", "/nope"))).run()
    assert peer.channel(2) == (
        b"tar: Removing leading `/' from member names\n"
        b"tar: /nope: Cannot stat: No such file or directory\n"
        b"tar: Exiting with failure status due to previous errors\n"
    )
    assert peer.messages[1][0] == 2  # the warnings before the archive, as from GNU tar
    assert exit_code(peer.messages[-1][1:]) == 2
    for path, code in (("/srv/conf", 0), ("/srv/conf/a.yaml", 1), ("/tmp", 0), ("/nope", 1)):
        peer = session(carrier(command("test", "-d", path))).run()
        assert exit_code(peer.messages[-1][1:]) == code


def test_files_are_per_container_when_asked(cluster):
    shared = cluster.files("default", "two")
    own = cluster.files("default", "two", "b")
    shared["/x"] = b"shared"
    own["/x"] = b"own"
    assert cluster.files("default", "two") == {"/x": b"shared"}
    assert cluster.pod_runtime.files_of("default", "two", "a") == {"/x": b"shared"}
    assert cluster.pod_runtime.files_of("default", "two", "b") == {"/x": b"own"}


# --- what only one carrier can show ---------------------------------------------------------------


def in_process(cluster: FakeCluster, path: str) -> Any:
    with httpx.Client(transport=cluster.transport(), base_url="http://fake.invalid") as client:
        response = client.get(path, headers=upgrade_headers(V5, "a2V5a2V5a2V5a2V5a2V5aw=="))
    assert response.status_code == 101
    return response.extensions["network_stream"]


def test_an_in_process_read_that_would_wait_forever_fails_clearly(cluster):
    stream = in_process(cluster, f"{EXEC}?command=cat&stdin=true&stdout=true")
    assert stream.get_extra_info("is_readable")
    assert stream.read(65536) == b"\x82\x01\x01"  # the empty stdout message: binary, unmasked
    assert not stream.get_extra_info("is_readable")
    started = time.monotonic()
    with pytest.raises(httpcore().ReadTimeout, match="stdin to be closed"):
        stream.read(65536, timeout=0.05)
    assert time.monotonic() - started < 5
    stream.close()


def test_an_in_process_read_waits_for_a_write_from_another_thread(cluster):
    cluster.on_exec(lambda call: (call.stdin, "", 0))
    stream = in_process(cluster, f"{EXEC}?command=cat&stdin=true&stdout=true")
    stream.read(65536)
    ws = Connection(ConnectionType.CLIENT)
    writer = threading.Timer(
        0.05,
        lambda: stream.write(
            ws.send(BytesMessage(data=b"\x00late")) + ws.send(BytesMessage(data=b"\xff\x00"))
        ),
    )
    writer.start()
    data = stream.read(65536, timeout=PATIENCE)
    writer.join()
    ws.receive_data(data)
    assert next(e.data for e in ws.events() if isinstance(e, BytesMessage)) == b"\x01late"
    stream.close()


@pytest.mark.anyio
async def test_an_async_reader_task_gets_what_a_writer_task_sends(cluster):
    cluster.on_port(8080)
    client = httpx.AsyncClient(transport=cluster.async_transport(), base_url="http://f.invalid")
    key = base64.b64encode(os.urandom(16)).decode()
    response = await client.get(f"{FORWARD}?ports=8080", headers=upgrade_headers(V4, key))
    stream = response.extensions["network_stream"]
    ws = Connection(ConnectionType.CLIENT)
    received = bytearray()

    async def reader() -> None:
        while len(received) < 3 + 3 + 1 + 1_000_000:  # two port prefixes, then the echo
            data = await stream.read(65536, timeout=PATIENCE)
            assert data
            ws.receive_data(data)
            for event in ws.events():
                assert isinstance(event, BytesMessage)
                received.extend(event.data)

    task = asyncio.ensure_future(reader())
    for _ in range(10):
        await asyncio.sleep(0.001)
        await stream.write(ws.send(BytesMessage(data=b"\x00" + b"z" * 100_000)))
    await asyncio.wait_for(task, PATIENCE)
    await stream.aclose()
    await client.aclose()
    assert received.count(b"z") == 1_000_000


def test_the_server_stops_with_a_session_open(cluster):
    server = cluster.serve()
    host, port = server.url.removeprefix("http://").rsplit(":", 1)
    sock = socket.create_connection((host, int(port)), timeout=PATIENCE)
    headers = {
        "Host": f"{host}:{port}",
        "Authorization": f"Bearer {server.token}",
        **upgrade_headers(V5, "a2V5a2V5a2V5a2V5a2V5aw=="),
    }
    lines = [f"GET {EXEC}?command=cat&stdin=true&stdout=true HTTP/1.1"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
    assert read_head(sock)[0] == 101
    started = time.monotonic()
    server.close()
    assert time.monotonic() - started < 5
    sock.settimeout(PATIENCE)
    while sock.recv(65536):
        pass  # the server's end: EOF, not a hang
    sock.close()

"""exec, stream_exec and attach, sync and async, against a scripted channel-protocol server."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import httpx
import pytest

import rawkube
from rawkube.config.auth import BearerTokenAuth
from rawkube.core._channel import (
    CLOSE,
    ERROR,
    RESIZE,
    STDERR,
    STDIN,
    STDOUT,
    exit_code_status,
    failure_status,
    frame,
    read_resize,
    success_status,
    unframe,
)
from rawkube.testing import ExecCall, ExecReply, FakeCluster, HangUp
from tests.websocket_server import Peer, ScriptedServer, Upgrade, status_answer

TOKEN = "exec-bearer-token-never-shown"
NO_HOST = (  # /work/shared/kubernetes/recorded/err_400_pod_exec_websocket_upgrade.body
    b'{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",'
    b'"message":"pod p-min does not have a host assigned","reason":"BadRequest","code":400}'
)
MB = 1024 * 1024


def command_of(peer: Peer) -> list[str]:
    return [value for key, value in peer.request.query if key == "command"]


def options_of(peer: Peer) -> dict[str, str]:
    return {key: value for key, value in peer.request.query if key != "command"}


def stdin_of(peer: Peer) -> tuple[bytes, bool]:
    """Everything the client wrote to stdin, and whether it closed it (v5) before the end."""
    data = []
    while (message := peer.receive()) is not None:
        channel, payload = unframe(message)
        if channel == CLOSE and payload == bytes([STDIN]):
            return b"".join(data), True
        assert channel == STDIN, channel
        data.append(payload)
    return b"".join(data), False


def exited(peer: Peer, code: int = 0) -> None:
    status = success_status() if code == 0 else exit_code_status(code, command_of(peer))
    peer.send(frame(ERROR, status))


def server(script: Callable[[Peer], None], protocol: str | None = None) -> ScriptedServer:
    def choose(request: Upgrade) -> str | None:
        return protocol if protocol is not None else request.offered[0]

    return ScriptedServer(script, choose=choose)


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


def apods(url: str) -> rawkube.AsyncApi:  # type: ignore[type-arg]
    from rawkube.models.core_v1 import Pod

    client = rawkube.AsyncClient(rawkube.Config(server=url, auth=BearerTokenAuth(TOKEN)))
    return client.api(Pod, namespace="web")


def no_secret(error: BaseException) -> None:
    seen: BaseException | None = error
    while seen is not None:
        assert TOKEN not in str(seen)
        assert TOKEN not in repr(seen)
        seen = seen.__cause__ or seen.__context__


# --- exec: to the end --------------------------------------------------------------------------


def prints(peer: Peer) -> None:
    peer.send(frame(STDOUT, b"out: " + " ".join(command_of(peer)).encode()))
    peer.send(frame(STDERR, b"a warning"))
    peer.send(frame(STDOUT, b"\n"))
    exited(peer)


def test_exec_returns_stdout_stderr_and_the_exit_code():
    with server(prints) as scripted:
        result = pods(scripted.url).exec("web-0", ["sh", "-c", "echo hi"], container="app")
    assert result == rawkube.ExecResult(b"out: sh -c echo hi\n", b"a warning", 0)
    [request] = scripted.requests
    assert request.path == "/api/v1/namespaces/web/pods/web-0/exec"
    assert request.query == [
        ("command", "sh"),
        ("command", "-c"),
        ("command", "echo hi"),
        ("container", "app"),
        ("stdout", "true"),
        ("stderr", "true"),
    ]
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert request.headers["sec-websocket-protocol"] == "v5.channel.k8s.io, v4.channel.k8s.io"
    assert not scripted.errors


@pytest.mark.anyio
async def test_async_exec_returns_the_same():
    with server(prints) as scripted:
        api = apods(scripted.url)
        result = await api.exec("web-0", ["sh", "-c", "echo hi"], container="app")
        await api._client.aclose()
    assert result == rawkube.ExecResult(b"out: sh -c echo hi\n", b"a warning", 0)


@pytest.mark.parametrize("protocol", ["v5.channel.k8s.io", "v4.channel.k8s.io"])
def test_a_non_zero_exit_is_a_result(protocol):
    def fails(peer: Peer) -> None:
        peer.send(frame(STDERR, b"no such file"))
        exited(peer, 3)

    with server(fails, protocol) as scripted:
        result = pods(scripted.url).exec("web-0", ["ls", "/nope"])
    assert result.exit_code == 3
    assert result.stderr == b"no such file"
    assert "exit_code=3" in repr(result)


def test_a_command_that_cannot_start_is_the_servers_error():
    def not_found(peer: Peer) -> None:
        peer.send(frame(ERROR, failure_status('exec: "nope": executable file not found')))

    with (
        server(not_found) as scripted,
        pytest.raises(rawkube.InternalServerError, match="executable file not found") as e,
    ):
        pods(scripted.url).exec("web-0", ["nope"])
    no_secret(e.value)


def test_exec_on_a_pod_with_no_node_is_the_servers_bad_request():
    refuses = ScriptedServer(lambda peer: None, answer=lambda r: status_answer(400, NO_HOST))
    with refuses as s, pytest.raises(rawkube.BadRequestError) as caught:
        pods(s.url).exec("p-min", ["ls"])
    assert caught.value.message == "pod p-min does not have a host assigned"
    no_secret(caught.value)


def test_exec_through_a_mock_transport_answering_400():
    def answer(request: httpx.Request) -> httpx.Response:
        assert request.headers["upgrade"] == "websocket"
        return httpx.Response(400, content=NO_HOST)

    from rawkube.models.core_v1 import Pod

    settings = rawkube.Config(server="https://k8s.test", auth=BearerTokenAuth(TOKEN))
    with (
        rawkube.Client(settings, transport=httpx.MockTransport(answer)) as client,
        pytest.raises(rawkube.BadRequestError, match="host assigned"),
    ):
        client.api(Pod, namespace="web").exec("p-min", ["ls"])


def test_stdin_is_sent_then_closed_on_v5():
    def cat(peer: Peer) -> None:
        data, closed = stdin_of(peer)
        peer.send(frame(STDOUT, data))
        peer.send(frame(STDOUT, b" closed" if closed else b" open"))
        exited(peer)

    with server(cat) as scripted:
        result = pods(scripted.url).exec("web-0", ["cat"], stdin="héllo")
    assert result.stdout == "héllo".encode() + b" closed"
    assert ("stdin", "true") in scripted.requests[0].query


def test_stdin_on_v4_is_sent_and_cannot_be_closed():
    def reads_five(peer: Peer) -> None:
        got = b""
        while len(got) < 5:
            message = peer.receive()
            assert message is not None
            channel, payload = unframe(message)
            assert channel == STDIN  # no close message on v4
            got += payload
        peer.send(frame(STDOUT, got))
        exited(peer)

    with server(reads_five, "v4.channel.k8s.io") as scripted:
        result = pods(scripted.url).exec("web-0", ["head", "-c5"], stdin=b"12345", timeout=10)
    assert result.stdout == b"12345"
    assert not scripted.errors


def test_ten_megabytes_of_stdout_arrive_without_loss():
    data = bytes(range(256)) * (40 * 1024)  # 10 MiB

    def prints_a_lot(peer: Peer) -> None:
        for start in range(0, len(data), 32 * 1024):
            peer.send(frame(STDOUT, data[start : start + 32 * 1024]))
        exited(peer)

    with server(prints_a_lot) as scripted:
        started = time.monotonic()
        result = pods(scripted.url).exec("web-0", ["yes"])
    assert result.stdout == data
    assert time.monotonic() - started < 30


def test_a_large_stdin_to_a_large_output_does_not_deadlock():
    # The server echoes each message before reading the next: unless the client reads while it
    # writes, both wait on full buffers for ever.
    data = bytes(range(256)) * (40 * 1024)

    def echo(peer: Peer) -> None:
        while (message := peer.receive()) is not None:
            channel, payload = unframe(message)
            if channel == CLOSE:
                break
            peer.send(frame(STDOUT, payload))
        exited(peer)

    with server(echo) as scripted:
        result = pods(scripted.url).exec("web-0", ["cat"], stdin=data, timeout=60)
    assert result.stdout == data


@pytest.mark.anyio
async def test_async_large_stdin_and_output():
    data = bytes(range(256)) * (40 * 1024)

    def echo(peer: Peer) -> None:
        while (message := peer.receive()) is not None:
            channel, payload = unframe(message)
            if channel == CLOSE:
                break
            peer.send(frame(STDOUT, payload))
        exited(peer)

    with server(echo) as scripted:
        api = apods(scripted.url)
        result = await api.exec("web-0", ["cat"], stdin=data, timeout=60)
        await api._client.aclose()
    assert result.stdout == data


def test_a_server_closing_mid_stream_is_a_clear_error():
    def cut(peer: Peer) -> None:
        peer.send(frame(STDOUT, b"partial"))
        peer.abort()

    def says_bye(peer: Peer) -> None:
        peer.send(frame(STDOUT, b"partial"))
        peer.close(1011, "kubelet went away")

    for script, match in ((cut, "without a WebSocket close"), (says_bye, "1011")):
        with server(script) as scripted:
            started = time.monotonic()
            with pytest.raises(rawkube.WebSocketClosedError, match=match) as caught:
                pods(scripted.url).exec("web-0", ["sleep", "10"])
        assert time.monotonic() - started < 5
        assert "exit status" in str(caught.value)
        no_secret(caught.value)


def test_a_silent_server_runs_into_the_timeout():
    def silent(peer: Peer) -> None:
        peer.receive()

    with server(silent) as scripted:
        started = time.monotonic()
        with pytest.raises(rawkube.RequestTimeoutError, match=r"within 0\.5 s"):
            pods(scripted.url).exec("web-0", ["sleep", "60"], timeout=0.5)
    assert time.monotonic() - started < 5


@pytest.mark.anyio
async def test_async_mid_stream_close_and_timeout():
    def cut(peer: Peer) -> None:
        peer.send(frame(STDOUT, b"partial"))
        peer.abort()

    with server(cut) as scripted:
        api = apods(scripted.url)
        with pytest.raises(rawkube.WebSocketClosedError):
            await api.exec("web-0", ["sleep", "10"])
        await api._client.aclose()
    with server(lambda peer: peer.receive()) as scripted:
        api = apods(scripted.url)
        with pytest.raises(rawkube.RequestTimeoutError):
            await api.exec("web-0", ["sleep", "60"], timeout=0.3)
        await api._client.aclose()


def test_exec_checks_its_command():
    api = pods("http://127.0.0.1:1")
    with pytest.raises(TypeError, match="argument list"):
        api.exec("web-0", "ls -l")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="at least the program"):
        api.exec("web-0", [])
    with pytest.raises(TypeError, match="must be a str"):
        api.exec("web-0", ["ls", 1])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="timeout"):
        api.exec("web-0", ["ls"], timeout=-1)


def test_exec_with_a_tty_asks_for_no_stderr():
    with server(prints) as scripted:
        pods(scripted.url).exec("web-0", ["top"], tty=True)
    assert ("tty", "true") in scripted.requests[0].query
    assert ("stderr", "true") not in scripted.requests[0].query


def test_a_configmap_has_no_exec():
    from rawkube.models.core_v1 import ConfigMap

    client = rawkube.Client(rawkube.Config(server="http://127.0.0.1:1"))
    with pytest.raises(ValueError, match="no 'exec' subresource"):
        client.api(ConfigMap, namespace="web").exec("settings", ["ls"])


# --- stream_exec and attach --------------------------------------------------------------------


def interactive(peer: Peer) -> None:
    """A shell: each line of stdin answered on stdout, 'err' on stderr; a resize reported."""
    while (message := peer.receive()) is not None:
        channel, payload = unframe(message)
        if channel == RESIZE:
            width, height = read_resize(payload)
            peer.send(frame(STDOUT, f"size {width}x{height}".encode()))
        elif channel == CLOSE:
            break
        elif payload == b"err":
            peer.send(frame(STDERR, b"on stderr"))
        elif payload == b"exit 7":
            break
        else:
            peer.send(frame(STDOUT, b"got " + payload))
    exited(peer, 7)


def test_stream_exec_writes_reads_resizes_and_waits():
    with server(interactive) as scripted:
        api = pods(scripted.url)
        process = api.stream_exec("web-0", ["sh"], stdin=True, tty=True)
        assert "not started" in repr(process)
        with process as proc:
            assert proc.protocol == "v5.channel.k8s.io"
            proc.write_stdin(b"hello")
            assert proc.read(5) == rawkube.Output(proc.STDOUT, b"got hello")
            proc.resize(120, 40)
            assert proc.read(5) == rawkube.Output(STDOUT, b"size 120x40")
            proc.write_stdin("err")
            chunk = proc.read(5)
            assert chunk is not None
            assert (chunk.channel, chunk.data) == (proc.STDERR, b"on stderr")
            assert proc.exit_code is None
            proc.write_stdin("exit 7")
            assert proc.wait(5) == 7
            assert proc.exit_code == 7
            assert proc.read() is None
            assert "exited 7" in repr(proc)
            assert TOKEN not in repr(proc)
    assert options_of_request(scripted.requests[0]) == {
        "stdin": "true",
        "stdout": "true",
        "tty": "true",
    }


def options_of_request(request: Upgrade) -> dict[str, str]:
    return {key: value for key, value in request.query if key != "command"}


def test_iterating_gives_output_as_it_comes_then_ends():
    def talks(peer: Peer) -> None:
        for index in range(5):
            peer.send(frame(STDOUT if index % 2 == 0 else STDERR, str(index).encode()))
        exited(peer)

    with server(talks) as scripted, pods(scripted.url).stream_exec("web-0", ["talk"]) as proc:
        chunks = [(chunk.channel, chunk.data) for chunk in proc]
        assert proc.exit_code == 0
    assert chunks == [(1, b"0"), (2, b"1"), (1, b"2"), (2, b"3"), (1, b"4")]


def test_a_read_timeout_loses_nothing():
    def slow(peer: Peer) -> None:
        time.sleep(0.5)
        peer.send(frame(STDOUT, b"late"))
        exited(peer)

    with server(slow) as scripted, pods(scripted.url).stream_exec("web-0", ["slow"]) as proc:
        with pytest.raises(rawkube.RequestTimeoutError, match=r"nothing came within 0\.1 s"):
            proc.read(0.1)
        assert proc.read(5) == rawkube.Output(STDOUT, b"late")
        assert proc.wait(5) == 0


def test_stdin_misuse_is_refused():
    with server(interactive) as scripted:
        process = pods(scripted.url).stream_exec("web-0", ["sh"])
        with pytest.raises(RuntimeError, match="with block"):
            process.write_stdin(b"x")
        with process as proc:
            with pytest.raises(RuntimeError, match="without stdin=True"):
                proc.write_stdin(b"x")
            proc.close_stdin()  # nothing to close: no error
        with pytest.raises(RuntimeError, match="opened once"):
            process.__enter__()
    with (
        server(interactive) as scripted,
        pods(scripted.url).stream_exec("web-0", ["sh"], stdin=True) as proc,
    ):
        proc.close_stdin()
        proc.close_stdin()
        with pytest.raises(RuntimeError, match="stdin was closed"):
            proc.write_stdin(b"x")
        assert proc.wait(5) == 7


def test_close_stdin_on_v4_sends_nothing():
    def reads(peer: Peer) -> None:
        message = peer.receive()
        assert message is not None
        channel, payload = unframe(message)
        assert (channel, payload) == (STDIN, b"data")
        peer.send(frame(STDOUT, b"ok"))
        exited(peer)

    with (
        server(reads, "v4.channel.k8s.io") as scripted,
        pods(scripted.url).stream_exec("web-0", ["cat"], stdin=True) as proc,
    ):
        assert proc.protocol == "v4.channel.k8s.io"
        proc.write_stdin(b"data")
        proc.close_stdin()
        assert proc.read(5) == rawkube.Output(STDOUT, b"ok")
        assert proc.wait(5) == 0
    assert not scripted.errors


def test_attach_joins_the_containers_process():
    def main_process(peer: Peer) -> None:
        peer.send(frame(STDOUT, b"log line"))
        exited(peer, 0)

    with (
        server(main_process) as scripted,
        pods(scripted.url).attach("web-0", container="app", stdin=True, tty=True) as proc,
    ):
        assert proc.read(5) == rawkube.Output(STDOUT, b"log line")
        assert proc.wait(5) == 0
    [request] = scripted.requests
    assert request.path == "/api/v1/namespaces/web/pods/web-0/attach"
    assert request.query == [
        ("container", "app"),
        ("stdin", "true"),
        ("stdout", "true"),
        ("tty", "true"),
    ]


@pytest.mark.anyio
async def test_async_stream_exec_and_attach():
    with server(interactive) as scripted:
        api = apods(scripted.url)
        async with api.stream_exec("web-0", ["sh"], stdin=True, tty=True) as proc:
            await proc.write_stdin(b"hello")
            assert await proc.read(5) == rawkube.Output(STDOUT, b"got hello")
            await proc.resize(80, 24)
            assert await proc.read(5) == rawkube.Output(STDOUT, b"size 80x24")
            await proc.close_stdin()
            assert [chunk async for chunk in proc] == []
            assert await proc.wait() == 7
        async with api.attach("web-0") as proc:
            await proc.aclose()
        await api._client.aclose()
    assert scripted.requests[1].path.endswith("/attach")
    assert ("stderr", "true") in scripted.requests[1].query


@pytest.mark.anyio
async def test_async_reading_while_another_task_writes():
    import anyio

    def echo(peer: Peer) -> None:
        while (message := peer.receive()) is not None:
            channel, payload = unframe(message)
            if channel == CLOSE:
                break
            peer.send(frame(STDOUT, payload))
        exited(peer)

    lines = [f"line {index}\n".encode() for index in range(500)]
    with server(echo) as scripted:
        api = apods(scripted.url)
        async with api.stream_exec("web-0", ["cat"], stdin=True) as proc:

            async def write() -> None:
                for line in lines:
                    await proc.write_stdin(line)
                await proc.close_stdin()

            received = []
            async with anyio.create_task_group() as group:
                group.start_soon(write)
                async for chunk in proc:
                    received.append(chunk.data)
        await api._client.aclose()
    assert b"".join(received) == b"".join(lines)


# --- against rawkube's fake cluster, in process and on loopback --------------------------------


def fake_pod(name: str, node: str | None = "node-1") -> dict[str, object]:
    spec: dict[str, object] = {"containers": [{"name": "app", "image": "busybox"}]}
    if node is not None:
        spec["nodeName"] = node
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name}, "spec": spec}


def fake_handler(call: ExecCall) -> ExecReply | None:
    if call.command == ["cat"]:
        return ExecReply(stdout=call.stdin)
    if call.command == ["fail"]:
        return ExecReply(stderr="bad input", exit_code=4)
    if call.command == ["yes"]:
        return ExecReply(stdout=bytes(range(256)) * (40 * 1024))
    if call.command == ["die"]:
        raise HangUp("half")
    if call.command == ["sizes"]:
        return ExecReply(stdout=repr(call.resizes))
    return None


@pytest.fixture
def fake() -> FakeCluster:
    cluster = FakeCluster()
    cluster.create(fake_pod("web"))
    cluster.create(fake_pod("pending", node=None))
    cluster.on_exec(fake_handler, pod="web")
    return cluster


@pytest.fixture(params=["in-process", "loopback"])
def fake_pods(request, fake, tmp_path) -> Iterator[rawkube.Api]:  # type: ignore[type-arg]
    from rawkube.models.core_v1 import Pod

    if request.param == "in-process":
        with fake.client("default") as client:
            yield client.api(Pod)
        return
    with fake.serve() as server:
        kubeconfig = server.write_kubeconfig(tmp_path / "kubeconfig")
        with rawkube.Client.from_kubeconfig(str(kubeconfig)) as client:
            yield client.api(Pod)


def test_the_fake_runs_what_a_test_registers(fake, fake_pods):
    assert fake_pods.exec("web", ["cat"], stdin=b"to the fake") == rawkube.ExecResult(
        b"to the fake", b"", 0
    )
    assert fake_pods.exec("web", ["fail"]) == rawkube.ExecResult(b"", b"bad input", 4)
    assert fake_pods.exec("web", ["yes"]).stdout == bytes(range(256)) * (40 * 1024)
    assert fake.exec_calls[0].stdin == b"to the fake"


def test_the_fake_refuses_and_hangs_up_as_a_cluster_would(fake_pods):
    with pytest.raises(rawkube.BadRequestError, match="does not have a host assigned"):
        fake_pods.exec("pending", ["ls"])
    with pytest.raises(rawkube.WebSocketClosedError, match="exit status"):
        fake_pods.exec("web", ["die"])


def test_the_fake_hears_a_terminals_resizes(fake_pods):
    with fake_pods.stream_exec("web", ["sizes"], stdin=True, tty=True) as proc:
        proc.resize(100, 30)
        proc.close_stdin()
        assert b"".join(chunk.data for chunk in proc) == b"((100, 30),)"
        assert proc.exit_code == 0


@pytest.mark.anyio
async def test_the_fake_in_process_async(fake):
    from rawkube.models.core_v1 import Pod

    async with fake.async_client("default") as client:
        pods = client.api(Pod)
        result = await pods.exec("web", ["cat"], stdin="async stdin")
        assert result.stdout == b"async stdin"
        with pytest.raises(rawkube.WebSocketClosedError):
            await pods.exec("web", ["die"])

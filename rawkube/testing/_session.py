"""The fake's side of exec, attach and port-forward: refusals, the upgrade, the WebSocket sessions.

:func:`connect` answers ``pods/exec``, ``pods/attach`` and ``pods/portforward`` as the API
server and the kubelet behind it do: a missing pod is 404; a container that is not named
where the pod has several, or that the pod does not have, is 400; a pod with no node is 400
("does not have a host assigned"); a request with no WebSocket upgrade is 400 ("Upgrade request
required"); options the kubelet refuses are its plain-text 400; a WebSocket handshake that
golang.org/x/net/websocket refuses gets its answer (405, 426, 400, or 403 when no offered
subprotocol is spoken). Otherwise the answer is ``101 Switching Protocols`` carrying a session.

A session (:class:`ExecSession`, :class:`PortForwardSession`) is sans-IO: the carriers (the
in-process transports through ``_netstream``, the loopback server) hand it the bytes the client
sent (:meth:`Session.receive`) and send the bytes it returns, then close the connection once
:attr:`Session.done`. WebSocket frames are read and written with ``wsproto``; the messages are
the Kubernetes channel protocol of ``rawkube.core._channel``.

Exec and attach: the command runs once its stdin is closed (v5's close message), or at once when
no stdin was asked for; its output goes out in messages of at most 32 KiB (the kubelet copies
with 32 KiB buffers), then its status on the error channel, then a WebSocket close. A command
whose stdin ends with the connection instead runs then, and what it prints has nobody to go to:
so it always goes with v4, which cannot close stdin alone (v4 clients cannot learn the result
of such a command from a real kubelet either).
"""

from __future__ import annotations

import base64
import hashlib
import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

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
    port_prefix,
    read_resize,
    success_status,
)
from rawkube.core._exceptions import DecodeError
from rawkube.testing._errors import bad_request
from rawkube.testing._exec import (
    ExecCall,
    ExecInputHandler,
    ExecReply,
    HangUp,
    Outcome,
    PodRuntime,
    as_bytes,
    chunks,
    outcome_of,
)

if TYPE_CHECKING:
    from wsproto.connection import Connection

    from rawkube.testing._catalog import ResourceType
    from rawkube.testing._http import FakeRequest, FakeResponse
    from rawkube.testing._store import Store

__all__ = [
    "EXEC_SUBPROTOCOLS",
    "MAX_MESSAGE_BYTES",
    "MAX_STDIN_BYTES",
    "OUTPUT_MESSAGE_BYTES",
    "PORT_FORWARD_SUBPROTOCOLS",
    "ExecSession",
    "PortForwardSession",
    "Session",
    "accept_token",
    "connect",
]

_LOG = logging.getLogger("rawkube.testing")

EXEC_SUBPROTOCOLS = ("v5.channel.k8s.io", "v4.channel.k8s.io")
"""What the fake speaks for exec and attach (the API server's v5, the kubelet's v4)."""

PORT_FORWARD_SUBPROTOCOLS = ("v4.channel.k8s.io",)
"""What the fake speaks for port-forward: the kubelet's binary channel protocol."""

OUTPUT_MESSAGE_BYTES = 32 * 1024
"""The most data one message carries from a container: the kubelet's copy buffer."""

MAX_STDIN_BYTES = 64 * 1024 * 1024
"""The stdin the fake keeps for one command; beyond it the command fails (a bound on memory)."""

MAX_MESSAGE_BYTES = 32 * 1024 * 1024
"""The largest WebSocket message read: golang.org/x/net/websocket's DefaultMaxPayloadBytes."""

_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"  # RFC 6455, section 1.3
_CLOSE_NORMAL = 1000
_CLOSE_TOO_BIG = 1009


def accept_token(key: str) -> str:
    """``Sec-WebSocket-Accept`` for a ``Sec-WebSocket-Key`` (RFC 6455: SHA-1, then base64)."""
    digest = hashlib.sha1(key.encode("latin-1") + _GUID).digest()  # noqa: S324 - the RFC's hash
    return base64.b64encode(digest).decode("ascii")


# --- the request --------------------------------------------------------------------------------


def connect(
    runtime: PodRuntime,
    store: Store,
    resource: ResourceType,
    request: FakeRequest,
    namespace: str,
    name: str,
    subresource: str,
) -> FakeResponse:
    """The answer to an exec, attach or port-forward request (see the module docstring)."""
    from rawkube.testing._http import FakeResponse

    pod = store.get(resource, namespace, name)
    query = parse_qs(request.query, keep_blank_values=True)
    spec = pod.get("spec") or {}
    container = ""
    if subresource != "portforward":
        container = _container(spec, name, (query.get("container") or [""])[0])
    if not spec.get("nodeName"):
        raise bad_request(f"pod {name} does not have a host assigned")
    spoken = PORT_FORWARD_SUBPROTOCOLS if subresource == "portforward" else EXEC_SUBPROTOCOLS
    if not _is_websocket(request.headers):
        if request.headers.get("upgrade"):
            # The real server would hand a SPDY upgrade to the kubelet; the fake has no SPDY.
            raise bad_request(
                f"the fake API server speaks WebSocket only ({', '.join(spoken)}), "
                f"not {request.headers['upgrade']}"
            )
        raise bad_request("Upgrade request required")
    # The kubelet's checks of the options, before it upgrades.
    options = _ports(query) if subresource == "portforward" else _exec_options(query)
    if isinstance(options, FakeResponse):
        return options
    offered = [
        token.strip()
        for token in request.headers.get("sec-websocket-protocol", "").split(",")
        if token.strip()
    ]
    if not offered and subresource == "portforward":
        # The kubelet's wsstream serves a client that offers no subprotocol its default, binary
        # channels framed as v4's: kr8s forwards that way.
        offered = [""]
    chosen = _handshake(request, offered, (*spoken, ""))
    if isinstance(chosen, FakeResponse):
        return chosen
    session: Session
    if isinstance(options, list):
        uid = str((pod.get("metadata") or {}).get("uid") or "")
        session = PortForwardSession(runtime, namespace, name, uid, options)
    else:
        attach = subresource == "attach"
        command = _container_command(spec, container) if attach else query.get("command") or []
        call = ExecCall(namespace, name, container, command, tty=options["tty"], attach=attach)
        session = ExecSession(
            runtime,
            call,
            chosen,
            stdin=options["stdin"],
            stdout=options["stdout"],
            stderr=options["stderr"],
        )
    headers = {
        "Upgrade": "websocket",
        "Connection": "Upgrade",
        "Sec-WebSocket-Accept": accept_token(request.headers["sec-websocket-key"].strip()),
    }
    if chosen:
        headers["Sec-WebSocket-Protocol"] = chosen
    return FakeResponse(101, headers, session=session)


def _container(spec: Mapping[str, Any], pod: str, wanted: str) -> str:
    """The container a request is for, refused as the API server's streamLocation refuses it."""
    names = _names(spec.get("containers"))
    if not wanted:
        if len(names) == 1:
            return names[0]
        if not names:
            raise bad_request(f"a container name must be specified for pod {pod}")
        message = (
            f"a container name must be specified for pod {pod}, choose one of: [{' '.join(names)}]"
        )
        init = _names(spec.get("initContainers"))
        if init:
            message += f" or one of the init containers: [{' '.join(init)}]"
        raise bad_request(message)
    every = names + _names(spec.get("initContainers")) + _names(spec.get("ephemeralContainers"))
    if wanted not in every:
        raise bad_request(f"container {wanted} is not valid for pod {pod}")
    return wanted


def _names(containers: Any) -> list[str]:
    if not isinstance(containers, list):
        return []
    return [str(c.get("name")) for c in containers if isinstance(c, dict) and c.get("name")]


def _container_command(spec: Mapping[str, Any], name: str) -> list[str]:
    """What a container runs, as its spec says (the image's own entrypoint is unknown here)."""
    for key in ("containers", "initContainers", "ephemeralContainers"):
        for container in spec.get(key) or []:
            if isinstance(container, dict) and container.get("name") == name:
                command = container.get("command") or []
                args = container.get("args") or []
                return [str(word) for word in [*command, *args]]
    return []


def _flag(values: list[str] | None) -> bool:
    """A query flag as the API server converts it: absent, "0" or "false" are false."""
    if not values:
        return False
    return values[0] != "0" and values[0].lower() != "false"


def _exec_options(query: Mapping[str, list[str]]) -> dict[str, bool] | FakeResponse:
    """The streams an exec or attach asks for, refused as the kubelet refuses none at all."""
    options = {key: _flag(query.get(key)) for key in ("stdin", "stdout", "stderr", "tty")}
    if not (options["stdin"] or options["stdout"] or options["stderr"]):
        return _plain(400, "you must specify at least 1 of stdin, stdout, stderr")
    return options


def _ports(query: Mapping[str, list[str]]) -> list[int] | FakeResponse:
    """``?ports=`` as the API server converts it (repeated, or commas), checked as the kubelet."""
    ports: list[int] = []
    for value in query.get("ports") or []:
        for text in value.split(","):
            if not text.isdigit() or int(text) > 65535:
                problem = "invalid syntax" if not text.isdigit() else "value out of range"
                raise bad_request(
                    f'cannot convert to []int32: strconv.ParseUint: parsing "{text}": {problem}'
                )
            ports.append(int(text))
    if not ports:
        return _plain(400, 'query parameter "port" is required')
    if 0 in ports:
        return _plain(400, 'port "0" must be > 0')
    return ports


def _is_websocket(headers: Mapping[str, str]) -> bool:
    """Whether a request asks for a WebSocket, as the API server's IsWebSocketRequest reads it."""
    tokens = {t.strip().lower() for t in headers.get("connection", "").split(",")}
    return "upgrade" in tokens and headers.get("upgrade", "").strip().lower() == "websocket"


def _handshake(
    request: FakeRequest, offered: list[str], spoken: tuple[str, ...]
) -> str | FakeResponse:
    """The subprotocol chosen (the first offered that is spoken), or x/net/websocket's refusal."""
    if request.method.upper() != "GET":
        return _plain(405, "bad method", content_type=None)
    if request.headers.get("sec-websocket-version", "").strip() != "13":
        answer = _plain(426, "missing or bad WebSocket Version", content_type=None)
        answer.headers["Sec-WebSocket-Version"] = "13"
        return answer
    if not request.headers.get("sec-websocket-key", "").strip():
        return _plain(400, "mismatch challenge/response", content_type=None)
    for protocol in offered:
        if protocol in spoken:
            return protocol
    return _plain(403, "", content_type=None)


def _plain(
    status: int, text: str, content_type: str | None = "text/plain; charset=utf-8"
) -> FakeResponse:
    from rawkube.testing._http import FakeResponse

    headers = {"Content-Type": content_type} if content_type else {}
    body = f"{text}\n".encode() if text and content_type else text.encode()
    return FakeResponse(status, headers, body)


# --- the sessions -------------------------------------------------------------------------------


class Session:
    """One upgraded connection's server side, sans-IO (see the module docstring)."""

    def __init__(self) -> None:
        from wsproto.connection import Connection, ConnectionType

        self._ws: Connection = Connection(ConnectionType.SERVER)
        self._out = bytearray()
        self._message = bytearray()
        self._too_big = False
        self.done = False
        """Nothing more will be sent: close the connection once the output is out."""

    def start(self) -> bytes:
        """What to send as soon as the 101 answer is out."""
        self.opened()
        return self._take()

    def receive(self, data: bytes | None) -> bytes:
        """Take bytes from the client (None: it closed its side); the bytes to send back."""
        from wsproto.connection import ConnectionState
        from wsproto.events import CloseConnection, Message, Ping, TextMessage

        if self.done:
            return b""  # a socket's peer may still write after the close: nothing reads it
        self._ws.receive_data(data)
        for event in self._ws.events():
            if isinstance(event, Message):
                self._collect(event.data.encode() if isinstance(event, TextMessage) else event.data)
                if event.message_finished and not self.done:
                    message, self._message, self._too_big = bytes(self._message), bytearray(), False
                    self.message(message)
            elif isinstance(event, Ping):
                self._out += self._ws.send(event.response())
            elif isinstance(event, CloseConnection):
                if self._ws.state in (ConnectionState.OPEN, ConnectionState.REMOTE_CLOSING):
                    # The client's close (answered in kind), or a frame wsproto could not parse.
                    self._out += self._ws.send(event.response())
                self.ended()
                self.done = True
            if self.done:
                break
        return self._take()

    def waiting_for(self) -> str:
        """What the session needs from the client before it sends more (for error messages)."""
        return "more data from the client"

    # --- for the subclasses -------------------------------------------------------------------

    def opened(self) -> None:
        """The connection is open: send what comes first."""

    def message(self, message: bytes) -> None:
        """One whole message from the client."""

    def ended(self) -> None:
        """The client closed the connection (or vanished) before the session finished."""

    def send(self, message: bytes) -> None:
        """Send one binary message."""
        from wsproto.events import BytesMessage

        self._out += self._ws.send(BytesMessage(data=message))

    def close(self, code: int = _CLOSE_NORMAL) -> None:
        """Send the WebSocket close; the session is over."""
        from wsproto.connection import ConnectionState
        from wsproto.events import CloseConnection

        if self._ws.state in (ConnectionState.OPEN, ConnectionState.REMOTE_CLOSING):
            self._out += self._ws.send(CloseConnection(code=code))
        self.done = True

    def hang_up(self) -> None:
        """End with no close: the carrier drops the connection after what was sent."""
        self.done = True

    def _collect(self, data: bytes) -> None:
        if self._too_big:
            return
        if len(self._message) + len(data) > MAX_MESSAGE_BYTES:
            self._too_big = True
            self.close(_CLOSE_TOO_BIG)
            return
        self._message += data

    def _take(self) -> bytes:
        out, self._out = bytes(self._out), bytearray()
        return out


class ExecSession(Session):
    """An exec or attach: collects stdin and resizes, runs the command, sends what it did."""

    def __init__(
        self,
        runtime: PodRuntime,
        call: ExecCall,
        protocol: str,
        *,
        stdin: bool,
        stdout: bool,
        stderr: bool,
    ) -> None:
        super().__init__()
        self._runtime = runtime
        self._call = call
        self._v5 = protocol == "v5.channel.k8s.io"
        self._stdin = stdin
        self._stdout = stdout
        self._stderr = stderr and not call.tty  # a terminal has one output: stderr goes to it
        self._input = bytearray()
        self._resizes: list[tuple[int, int]] = []
        self._ran = False
        self._typed = runtime.input_handler(call.namespace, call.pod, call.container)

    def waiting_for(self) -> str:
        if self._ran or not self._stdin:
            return "nothing: the command has ended"
        if self._v5:
            return (
                "stdin to be closed: the fake runs a command once its stdin is closed "
                "(v5.channel.k8s.io's close message on channel 255)"
            )
        return (
            "the client to end the connection: with v4.channel.k8s.io stdin cannot be closed alone"
        )

    def opened(self) -> None:
        # As the kubelet: an empty message on the lowest output channel says the stream is up.
        first = STDOUT if self._stdout else STDERR if self._stderr else ERROR
        self.send(frame(first))
        if not self._stdin:
            self._run()

    def message(self, message: bytes) -> None:
        if self._ran or not message:
            return
        channel, data = message[0], message[1:]
        if channel == STDIN and self._stdin:
            if len(self._input) + len(data) > MAX_STDIN_BYTES:
                self._ran = True
                text = (
                    "Internal error occurred: the fake cluster keeps at most "
                    f"{MAX_STDIN_BYTES} bytes of a command's stdin"
                )
                self.send(frame(ERROR, failure_status(text)))
                self.close()
                return
            self._input += data
            if self._typed is not None:
                self._answer(self._typed, data)
        elif channel == RESIZE and self._call.tty:
            try:
                self._resizes.append(read_resize(data))
            except DecodeError:
                _LOG.debug("a malformed resize message was ignored")  # as the kubelet does
        elif channel == CLOSE and self._v5 and data[:1] == bytes([STDIN]) and self._stdin:
            self._run()
        # Anything else goes to a channel nobody reads, as on the kubelet.

    def _answer(self, handler: ExecInputHandler, data: bytes) -> None:
        """What the command says back to a piece of stdin: output, or its end."""
        try:
            reply = handler(self._called(), data)
        except Exception as exc:
            _LOG.exception(
                "the exec input handler for %s/%s failed", self._call.namespace, self._call.pod
            )
            reply = ExecReply(stderr=f"the fake's exec input handler raised {exc!r}", exit_code=1)
        if isinstance(reply, ExecReply):  # the command ends with its stdin still open
            self._ran = True
            self._runtime.record(self._called())
            self._finish(outcome_of(reply))
            return
        self._output(Outcome(stdout=as_bytes(reply)))

    def ended(self) -> None:
        if not self._ran and self._stdin:
            self._ran = True
            self._runtime.run(self._called())  # stdin ended with the connection; nobody hears

    def _called(self) -> ExecCall:
        call = self._call
        return ExecCall(
            call.namespace,
            call.pod,
            call.container,
            call.command,
            stdin=bytes(self._input),
            tty=call.tty,
            resizes=tuple(self._resizes),
            attach=call.attach,
        )

    def _run(self) -> None:
        self._ran = True
        self._finish(self._runtime.run(self._called()))

    def _finish(self, outcome: Outcome) -> None:
        self._output(outcome)
        if outcome.hang_up:
            self.hang_up()
            return
        self.send(frame(ERROR, self._status(outcome)))
        self.close()

    def _output(self, outcome: Outcome) -> None:
        stdout, stderr = outcome.stdout, outcome.stderr
        if self._call.tty:
            stdout, stderr = stdout + stderr, b""
        streams = [(STDOUT, stdout, self._stdout), (STDERR, stderr, self._stderr)]
        for channel, data, wanted in streams[::-1] if outcome.stderr_first else streams:
            if wanted:
                for piece in chunks(data, OUTPUT_MESSAGE_BYTES):
                    self.send(frame(channel, piece))

    def _status(self, outcome: Outcome) -> bytes:
        if outcome.failure is not None:
            return failure_status(outcome.failure)
        code = outcome.exit_code % 256  # what a process can exit with, as a shell reads it
        if self._call.attach or code == 0:
            return success_status()  # the kubelet reports no exit code for an attach
        return exit_code_status(code, self._call.command)


class PortForwardSession(Session):
    """A port-forward: per requested port, a data channel through its handler and an error one."""

    def __init__(
        self, runtime: PodRuntime, namespace: str, pod: str, uid: str, ports: list[int]
    ) -> None:
        super().__init__()
        self._runtime = runtime
        self._namespace = namespace
        self._pod = pod
        self._ports = ports
        self._handlers = [runtime.port_handler(namespace, pod, port) for port in ports]
        # The CRI names the pod by its sandbox: ids that stay the same for the same pod.
        digest = hashlib.sha256(f"{namespace}/{pod}/{uid}".encode()).hexdigest()
        self._sandbox = digest
        self._netns = (
            f"cni-{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"
        )

    def opened(self) -> None:
        for index, port in enumerate(self._ports):
            self.send(port_prefix(2 * index, port))
            self.send(port_prefix(2 * index + 1, port))
        for index, port in enumerate(self._ports):
            if self._handlers[index] is None:
                self._fail(index, self._refused(port))
        self._close_when_all_ended()

    def message(self, message: bytes) -> None:
        if not message:
            return
        channel, data = message[0], message[1:]
        index = channel // 2
        if channel % 2 or index >= len(self._ports) or not data:
            return  # the error channels are the server's, other channels nobody's
        handler = self._handlers[index]
        if handler is None:
            return
        try:
            reply = handler(data)
        except HangUp as stop:
            for piece in chunks(stop.output, OUTPUT_MESSAGE_BYTES):
                self.send(frame(channel, piece))
            self.hang_up()
            return
        except Exception as exc:
            _LOG.exception("the handler of port %s failed", self._ports[index])
            self._fail(
                index, self._prefix(self._ports[index]) + f"the fake's port handler raised {exc!r}"
            )
            self._close_when_all_ended()
            return
        if isinstance(reply, str):
            reply = reply.encode()
        for piece in chunks(bytes(reply or b""), OUTPUT_MESSAGE_BYTES):
            self.send(frame(channel, piece))

    def _fail(self, index: int, text: str) -> None:
        self.send(frame(2 * index + 1, text.encode()))
        self._handlers[index] = None

    def _close_when_all_ended(self) -> None:
        # The kubelet closes the connection when the forward of every port has ended.
        if all(handler is None for handler in self._handlers):
            self.close()

    def _prefix(self, port: int) -> str:
        return f"error forwarding port {port} to pod {self._sandbox}, uid : "

    def _refused(self, port: int) -> str:
        """containerd's words when nothing listens on the port (with the kubelet's prefix)."""
        return self._prefix(port) + (
            f'failed to execute portforward in network namespace "/var/run/netns/{self._netns}": '
            f'failed to connect to localhost:{port} inside namespace "{self._sandbox}", IPv4: '
            f"dial tcp4 127.0.0.1:{port}: connect: connection refused IPv6 dial tcp6 "
            f"[::1]:{port}: connect: connection refused "
        )

"""Local ports forwarded to a pod's, blocking: kubectl port-forward with a thread per direction.

Each listening socket has a thread accepting connections; each connection a thread reading the
pod's answers and one writing what the local side sends, over a WebSocket of its own
(:class:`~rawkube.client._sync_port_forward.PortForwardStream`). Every thread is a daemon, so
none keeps a failing program alive, and leaving the ``with`` block ends them all: the listeners
and sockets are shut (which wakes a thread blocked on them), then the threads are joined.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from types import TracebackType

from rawkube.client._sync_port_forward import PortForwardStream
from rawkube.client._websocket import CLOSE_TIMEOUT
from rawkube.core._exceptions import RawkubeError

logger = logging.getLogger("rawkube.transport")

ERRORS_KEPT = 100
READ_BYTES = 64 * 1024
JOIN_TIMEOUT = CLOSE_TIMEOUT + 3.0  # a connection's close handshake, and a margin


def listen(address: str, port: int) -> socket.socket:
    """A socket listening on ``address`` and ``port`` (0: a free one), with SO_REUSEADDR as Go's
    listeners have it. Raises OSError naming the port when it cannot (taken, say).
    """
    try:
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
    except OSError as exc:
        raise OSError(exc.errno, f"unable to listen on {address} port {port}: {exc}") from None
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((address, port))
        sock.listen(128)
    except OSError as exc:
        sock.close()
        raise OSError(exc.errno, f"unable to listen on {address} port {port}: {exc}") from None
    return sock


class PortForward:
    """Local ports forwarded to a pod's ports while the ``with`` block runs (``port_forward``).

    ``ports`` lists ``(local, remote)`` pairs once listening, a local port asked as 0 replaced
    by the one bound. Each connection accepted on a local port is forwarded over a WebSocket of
    its own, as kubectl does. A connection the server cannot forward (nothing listens on the
    pod's port, the pod is gone) is closed, and its error logged on ``rawkube.transport`` at
    WARNING and kept in :attr:`errors` (the last 100). A local side ending its writing does not
    end the connection: what the pod still sends is delivered until it closes its side.
    """

    def __init__(
        self,
        open_stream: Callable[[int], PortForwardStream],
        ports: list[tuple[int, int]],
        *,
        address: str = "127.0.0.1",
        where: str = "",
    ) -> None:
        self.address = address
        self.ports = list(ports)
        self.errors: deque[RawkubeError] = deque(maxlen=ERRORS_KEPT)
        self._open_stream = open_stream
        self._where = where
        self._listeners: list[socket.socket] = []
        self._threads: set[threading.Thread] = set()
        self._streams: set[PortForwardStream] = set()
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._stopping = False

    def __repr__(self) -> str:
        pairs = ", ".join(f"{local}->{remote}" for local, remote in self.ports)
        return f"<{type(self).__name__} {self._where} {self.address} {pairs}>"

    def local_port(self, remote: int) -> int:
        """The local port forwarded to the pod's port ``remote`` (the first, if several)."""
        for local, forwarded in self.ports:
            if forwarded == remote:
                return local
        raise KeyError(f"port {remote} of the pod is not forwarded")

    def __enter__(self) -> PortForward:
        if self._listeners or self._stopping:
            raise RuntimeError(f"{type(self).__name__} is opened once")
        try:
            for index, (local, remote) in enumerate(self.ports):
                listener = listen(self.address, local)
                self._listeners.append(listener)
                self.ports[index] = (int(listener.getsockname()[1]), remote)
        except BaseException:
            self.close()
            raise
        for listener, (_, remote) in zip(self._listeners, self.ports, strict=True):
            self._start(self._accept, listener, remote)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Stop listening and end every forwarded connection; twice does nothing."""
        with self._lock:
            self._stopping = True
            listeners, self._listeners = self._listeners, []
            streams = list(self._streams)
            sockets = list(self._sockets)
        for listener in listeners:
            _shut(listener)
        for sock in sockets:
            _shut(sock)
        for stream in streams:
            with contextlib.suppress(RawkubeError):
                stream.close()
        for listener in listeners:
            listener.close()
        with self._lock:
            threads = list(self._threads)
        # One wait for them all: a thread still connecting after it is a daemon, left to end.
        end = time.monotonic() + JOIN_TIMEOUT
        for thread in threads:
            if thread is not threading.current_thread():
                thread.join(max(end - time.monotonic(), 0.0))

    def _start(self, target: Callable[..., None], *args: object) -> None:
        thread = threading.Thread(target=self._run, args=(target, *args), daemon=True)
        with self._lock:
            if self._stopping:
                return
            self._threads.add(thread)
        thread.start()

    def _run(self, target: Callable[..., None], *args: object) -> None:
        try:
            target(*args)
        finally:
            with self._lock:
                self._threads.discard(threading.current_thread())

    def _accept(self, listener: socket.socket, remote: int) -> None:
        while not self._stopping:
            try:
                conn, _ = listener.accept()
            except OSError:
                return  # shut by close()
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self._lock:
                if self._stopping:
                    conn.close()
                    return
                self._sockets.add(conn)
            self._start(self._forward, conn, remote)

    def _forward(self, conn: socket.socket, remote: int) -> None:
        stream: PortForwardStream | None = None
        local_gone = threading.Event()  # set when the local side broke: no error to report
        try:
            with self._open_stream(remote) as stream:
                with self._lock:
                    if self._stopping:
                        return
                    self._streams.add(stream)
                self._start(self._upload, conn, stream, local_gone)
                for data in stream:
                    conn.sendall(data)
        except RawkubeError as exc:
            if not self._stopping and not local_gone.is_set():
                self.errors.append(exc)
                logger.warning("port-forward %s -> %d: %s", self.address, remote, exc)
        except OSError:
            pass  # the local side went away: its connection ends here
        finally:
            with self._lock:
                self._sockets.discard(conn)
                if stream is not None:
                    self._streams.discard(stream)
            _shut(conn)
            conn.close()

    def _upload(
        self, conn: socket.socket, stream: PortForwardStream, local_gone: threading.Event
    ) -> None:
        """What the local side sends, to the pod; at its end the pod's answers still come."""
        try:
            while data := conn.recv(READ_BYTES):
                stream.send(data)
        except OSError:
            local_gone.set()  # reset by the local side: the connection is over
            with contextlib.suppress(RawkubeError):
                stream.close()
        except RawkubeError:
            pass  # the WebSocket ended: the thread reading it says why


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # never connected, or already shut
        sock.shutdown(socket.SHUT_RDWR)

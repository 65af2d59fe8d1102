"""A process in a container, awaited: exec and attach over one WebSocket, in Kubernetes' channels.

Written by hand; ``rawkube/client/_sync_exec.py``, the blocking twin, is generated from this
file by ``scripts/unasync.py``. The channel protocol itself (which byte is stdout, what the
error channel's Status means) is ``rawkube.core._channel``'s; this module only moves its
messages over :mod:`~rawkube.client._async_websocket`.
"""

from __future__ import annotations

from dataclasses import replace
from types import TracebackType
from typing import TYPE_CHECKING

from rawkube.client._async_websocket import AsyncWebSocket, connect
from rawkube.client._websocket import ExecResult, WebSocketClosedError, as_bytes, pieces
from rawkube.core._channel import EXEC_PROTOCOLS, STDERR, STDOUT, ExecChannels, Exited, Output
from rawkube.core._clock import Deadline
from rawkube.core._exceptions import RequestTimeoutError

if TYPE_CHECKING:
    from rawkube.client._transport import AsyncTransport
    from rawkube.core._request import ApiRequest


class AsyncExecProcess:
    """A process in a container, opened with ``async with``: a command ``stream_exec`` started,
    or the container's own process ``attach`` joined.

    Read what it writes as it writes it (``async for chunk in proc``, or :meth:`read`): each
    chunk is an ``Output`` whose ``channel`` is ``proc.STDOUT`` or ``proc.STDERR`` and whose
    ``data`` is the bytes. Write its stdin with :meth:`write_stdin` and end it with
    :meth:`close_stdin`; set a terminal's size with :meth:`resize`; :meth:`wait` for the exit
    code, which :attr:`exit_code` keeps.

    A command that could not run (not found, no such container) raises the server's
    :class:`~rawkube.ApiError` from the read that meets its status. A connection that ends
    before the exit status raises :class:`~rawkube.WebSocketClosedError`. Leaving the block
    closes the WebSocket; the command may go on running in the container, as with kubectl.
    One task (one thread, blocking) may read while another writes.
    """

    STDOUT = STDOUT
    STDERR = STDERR

    def __init__(
        self,
        transport: AsyncTransport,
        request: ApiRequest,
        *,
        stdin: bool,
        deadline: Deadline | None = None,
    ) -> None:
        self._transport = transport
        self._request = request
        self._stdin = stdin
        self._deadline = deadline
        self._socket: AsyncWebSocket | None = None
        self._channels: ExecChannels | None = None
        self._stdin_closed = False
        self._exit_code: int | None = None

    def __repr__(self) -> str:
        if self._socket is None:
            state = "not started"
        elif self._exit_code is not None:
            state = f"exited {self._exit_code}"
        else:
            state = "running"
        return f"<{type(self).__name__} {self._request.describe()} {state}>"

    async def __aenter__(self) -> AsyncExecProcess:
        if self._socket is not None:
            raise RuntimeError(f"{type(self).__name__} is opened once")
        request = self._request
        if self._deadline is not None:
            request = replace(request, timeout=self._left(self._deadline))
        self._socket = await connect(self._transport, request, EXEC_PROTOCOLS)
        self._channels = ExecChannels(self._socket.protocol)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    def __aiter__(self) -> AsyncExecProcess:
        return self

    async def __anext__(self) -> Output:
        chunk = await self.read()
        if chunk is None:
            raise StopAsyncIteration
        return chunk

    @property
    def exit_code(self) -> int | None:
        """The process's exit code once it has ended (0: success), else None."""
        return self._exit_code

    @property
    def protocol(self) -> str | None:
        """The channel protocol the server chose (``v5.channel.k8s.io`` or ``v4``), once open."""
        return None if self._socket is None else self._socket.protocol

    async def read(self, timeout: float | None = None) -> Output | None:
        """The next chunk of stdout or stderr, as the process writes it; None once it has
        exited (:attr:`exit_code` is then set), and at every read after.

        Raises :class:`~rawkube.RequestTimeoutError` when nothing comes within ``timeout``
        seconds (nothing is lost: read again), the server's ApiError when the command could
        not run, :class:`~rawkube.WebSocketClosedError` when the connection ends first.
        """
        if timeout is None:
            return await self._next(self._deadline)
        return await self._next(Deadline(timeout), "nothing came")

    async def wait(self, timeout: float | None = None) -> int:
        """Read on to the process's end and return its exit code; output not read yet is
        dropped. Raises as :meth:`read`, ``timeout`` counting the whole wait.
        """
        deadline = self._deadline if timeout is None else Deadline(timeout)
        while await self._next(deadline, "the process had not ended") is not None:
            pass
        assert self._exit_code is not None
        return self._exit_code

    async def write_stdin(self, data: bytes | str) -> None:
        """Write ``data`` (text as UTF-8) to the process's stdin, 32 KiB to a message.

        Raises RuntimeError when the process was opened without ``stdin=True`` or its stdin
        was closed, :class:`~rawkube.WebSocketClosedError` once the session ended.
        """
        socket, channels = self._open()
        if not self._stdin:
            raise RuntimeError("this process was opened without stdin=True: it has no stdin")
        if self._stdin_closed:
            raise RuntimeError("stdin was closed: nothing more can be written to it")
        for piece in pieces(as_bytes("stdin", data)):
            await socket.send(channels.stdin(piece), self._left(self._deadline))

    async def close_stdin(self) -> None:
        """End the process's stdin: it reads end-of-file, as from a closed pipe.

        The ``v5.channel.k8s.io`` protocol (Kubernetes 1.30 and later) has a message for it;
        on ``v4`` there is none, so stdin stays open until the session ends, and a command
        reading to the end of its input (``cat``, ``tar -x`` of a stream...) waits for that.
        Closing twice does nothing.
        """
        socket, channels = self._open()
        if not self._stdin or self._stdin_closed:
            return
        self._stdin_closed = True
        message = channels.close_stdin()
        if message is not None:
            await socket.send(message, self._left(self._deadline))

    async def resize(self, width: int, height: int) -> None:
        """Set the terminal's size in columns and rows (with ``tty=True``)."""
        socket, channels = self._open()
        await socket.send(channels.resize(width, height), self._left(self._deadline))

    async def aclose(self) -> None:
        """Close the WebSocket (the closing handshake, at most 2 s); closing twice does nothing."""
        if self._socket is not None:
            await self._socket.aclose()

    def _open(self) -> tuple[AsyncWebSocket, ExecChannels]:
        if self._socket is None or self._channels is None:
            raise RuntimeError(f"open the {type(self).__name__} first: use it in a with block")
        return self._socket, self._channels

    def _left(
        self, deadline: Deadline | None, what: str = "the process had not ended"
    ) -> float | None:
        """Seconds left before ``deadline`` (None: no limit); RequestTimeoutError once past."""
        if deadline is None:
            return None
        left = deadline.left()
        if left <= 0:
            raise self._out_of_time(deadline, what)
        return left

    def _out_of_time(self, deadline: Deadline, what: str) -> RequestTimeoutError:
        return RequestTimeoutError(
            f"{self._request.describe()} on {self._transport.core.shown_url}: timed out: "
            f"{what} within {deadline.limit:g} s"
        )

    async def _next(
        self, deadline: Deadline | None, what: str = "the process had not ended"
    ) -> Output | None:
        socket, channels = self._open()
        while self._exit_code is None:
            try:
                message = await socket.receive(self._left(deadline, what))
            except RequestTimeoutError:
                if deadline is None:
                    raise
                raise self._out_of_time(deadline, what) from None
            except WebSocketClosedError as exc:  # said again with what it cut short
                raise socket.closed_error("the exit status came") from exc
            if message is None:
                raise socket.closed_error("the exit status came")
            event = channels.receive(message)
            if isinstance(event, Exited):
                self._exit_code = event.code
            elif event is not None:
                return event
        return None


async def run(process: AsyncExecProcess, stdin: bytes | None) -> ExecResult:
    """Run ``process`` to its end: write ``stdin`` (then close it), gather stdout and stderr."""
    async with process:
        if stdin is not None:
            await process.write_stdin(stdin)
            await process.close_stdin()
        stdout: list[bytes] = []
        stderr: list[bytes] = []
        async for chunk in process:
            (stdout if chunk.channel == STDOUT else stderr).append(chunk.data)
        assert process.exit_code is not None
        return ExecResult(b"".join(stdout), b"".join(stderr), process.exit_code)

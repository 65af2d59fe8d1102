"""Local ports forwarded to a pod's, awaited: kubectl port-forward on asyncio's servers.

One ``asyncio.start_server`` per local port; each connection gets a WebSocket of its own
(:class:`~rawkube.client._async_port_forward.AsyncPortForwardStream`) and two tasks, one per
direction. Leaving the ``async with`` block closes the servers and cancels every connection's
tasks, which close their WebSockets as they end.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Callable
from types import TracebackType

from rawkube.client._async_port_forward import AsyncPortForwardStream
from rawkube.client._forward_threads import ERRORS_KEPT, READ_BYTES, listen
from rawkube.core._exceptions import RawkubeError

logger = logging.getLogger("rawkube.transport")


class AsyncPortForward:
    """The asyncio twin of :class:`~rawkube.PortForward`: local ports forwarded to a pod's
    while the ``async with`` block runs; ``ports``, :meth:`local_port` and ``errors`` as there.
    """

    def __init__(
        self,
        open_stream: Callable[[int], AsyncPortForwardStream],
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
        self._servers: list[asyncio.Server] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self._started = False
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

    async def __aenter__(self) -> AsyncPortForward:
        if self._started:
            raise RuntimeError(f"{type(self).__name__} is opened once")
        self._started = True
        try:
            for index, (local, remote) in enumerate(self.ports):
                # Bound here, as the blocking listener binds (the same errors, SO_REUSEADDR).
                sock = listen(self.address, local)
                server = await asyncio.start_server(self._handler(remote), sock=sock)
                self._servers.append(server)
                self.ports[index] = (int(sock.getsockname()[1]), remote)
        except BaseException:
            await self.aclose()
            raise
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Stop listening and end every forwarded connection; twice does nothing."""
        self._stopping = True
        servers, self._servers = self._servers, []
        for server in servers:
            server.close()
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for server in servers:
            await server.wait_closed()

    def _handler(self, remote: int) -> Callable[[asyncio.StreamReader, asyncio.StreamWriter], None]:
        def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            if self._stopping:
                writer.close()
                return
            task = asyncio.ensure_future(self._forward(reader, writer, remote))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

        return handle

    async def _forward(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, remote: int
    ) -> None:
        upload: asyncio.Task[None] | None = None
        local_gone = asyncio.Event()  # set when the local side broke: no error to report
        try:
            async with self._open_stream(remote) as stream:
                upload = asyncio.ensure_future(self._upload(reader, stream, local_gone))
                async for data in stream:
                    writer.write(data)
                    await writer.drain()
        except RawkubeError as exc:
            if not self._stopping and not local_gone.is_set():
                self.errors.append(exc)
                logger.warning("port-forward %s -> %d: %s", self.address, remote, exc)
        except OSError:
            pass  # the local side went away: its connection ends here
        finally:
            if upload is not None:
                upload.cancel()
                await asyncio.gather(upload, return_exceptions=True)
            writer.close()
            with contextlib.suppress(Exception):  # the peer may have reset it
                await writer.wait_closed()

    async def _upload(
        self,
        reader: asyncio.StreamReader,
        stream: AsyncPortForwardStream,
        local_gone: asyncio.Event,
    ) -> None:
        """What the local side sends, to the pod; at its end the pod's answers still come."""
        try:
            while data := await reader.read(READ_BYTES):
                await stream.send(data)
        except OSError:
            local_gone.set()  # reset by the local side: the connection is over
            with contextlib.suppress(RawkubeError):
                await stream.aclose()
        except RawkubeError:
            pass  # the WebSocket ended: the task reading it says why

"""One forwarded connection to a pod's port, awaited: a WebSocket of its own, as kubectl opens one.

Written by hand; ``rawkube/client/_sync_port_forward.py``, the blocking twin, is generated from
this file by ``scripts/unasync.py``. Each connection is one WebSocket asking for one port (the
``portforward`` subresource with ``ports=N``): its data channel carries the bytes both ways, its
error channel the server's reason when it cannot connect to the port. The listeners built on it
are ``_forward_asyncio.py`` and ``_forward_threads.py``.
"""

from __future__ import annotations

from types import TracebackType
from typing import TYPE_CHECKING

from rawkube.client._async_websocket import AsyncWebSocket, connect
from rawkube.client._websocket import PortForwardError, as_bytes, pieces
from rawkube.core._channel import PORT_FORWARD_PROTOCOLS, PortData, PortError, PortForwardChannels

if TYPE_CHECKING:
    from rawkube.client._transport import AsyncTransport
    from rawkube.core._request import ApiRequest


class AsyncPortForwardStream:
    """A TCP connection to ``port`` in a pod, opened with ``async with`` (``forward``).

    :meth:`send` writes to the pod's port; :meth:`receive` (or ``async for data in conn``)
    reads what it answers, ``b""`` once the pod's side closed. The WebSocket protocol cannot
    half-close: :meth:`aclose` ends the connection both ways. An error the server reports
    (nothing listens on the port, say) raises :class:`~rawkube.PortForwardError`. One task (one
    thread, blocking) may receive while another sends.
    """

    def __init__(self, transport: AsyncTransport, request: ApiRequest, port: int) -> None:
        self.port = port
        self._transport = transport
        self._request = request
        self._channels = PortForwardChannels([port])
        self._socket: AsyncWebSocket | None = None
        self._ended = False

    def __repr__(self) -> str:
        state = "not started" if self._socket is None else "ended" if self._ended else "open"
        return f"<{type(self).__name__} {self._request.describe()} port {self.port} {state}>"

    async def __aenter__(self) -> AsyncPortForwardStream:
        if self._socket is not None:
            raise RuntimeError(f"{type(self).__name__} is opened once")
        self._socket = await connect(self._transport, self._request, PORT_FORWARD_PROTOCOLS)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    def __aiter__(self) -> AsyncPortForwardStream:
        return self

    async def __anext__(self) -> bytes:
        data = await self.receive()
        if not data:
            raise StopAsyncIteration
        return data

    async def send(self, data: bytes | str, timeout: float | None = None) -> None:
        """Write ``data`` to the pod's port (text as UTF-8), 32 KiB to a message, each within
        ``timeout`` seconds if given. Raises :class:`~rawkube.WebSocketClosedError` once the
        connection has ended.
        """
        socket = self._open()
        for piece in pieces(as_bytes("data", data)):
            await socket.send(self._channels.send(0, piece), timeout)

    async def receive(self, timeout: float | None = None) -> bytes:
        """The next bytes from the pod's port, ``b""`` once its side has closed.

        Raises :class:`~rawkube.PortForwardError` with the server's message when it cannot
        forward, :class:`~rawkube.RequestTimeoutError` when nothing comes within ``timeout``
        seconds (read again: nothing is lost), :class:`~rawkube.WebSocketClosedError` when the
        connection breaks.
        """
        socket = self._open()
        while not self._ended:
            message = await socket.receive(timeout)
            if message is None:
                self._ended = True
                break
            event = self._channels.receive(message)
            if isinstance(event, PortData):
                return event.data
            if isinstance(event, PortError):
                raise PortForwardError(f"{socket.where}: port {self.port}: {event.message}")
        return b""

    async def aclose(self) -> None:
        """End the connection (the closing handshake, at most 2 s); twice does nothing."""
        self._ended = True
        if self._socket is not None:
            await self._socket.aclose()

    def _open(self) -> AsyncWebSocket:
        if self._socket is None:
            raise RuntimeError(f"open the {type(self).__name__} first: use it in a with block")
        return self._socket

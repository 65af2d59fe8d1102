"""Newline framing of a byte stream: whole lines out, each byte scanned once, none unbounded.

Watch streams and followed logs arrive in chunks that may cut a line anywhere. Joining each
chunk to what came before and searching it all again would make a long line arriving in small
pieces cost its length squared; :class:`LineFramer` remembers how far it has searched, and
refuses to hold a line past its ``max_bytes`` rather than buffer without end.
"""

from __future__ import annotations

from rawkube.core._exceptions import DecodeError

__all__ = ["LineFramer", "LineTooLong", "TextLines"]


class LineTooLong(Exception):
    """A line grew past the framer's limit before its newline came."""

    def __init__(self, limit: int, start: bytes) -> None:
        super().__init__(f"a line is longer than {limit} bytes")
        self.limit = limit
        self.start = start  # its first bytes, for the caller's message


class LineFramer:
    """Splits bytes on ``b"\\n"`` only (not ``\\r`` or ``\\u2028``, valid inside JSON strings)."""

    def __init__(self, max_bytes: int) -> None:
        if isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or max_bytes <= 0:
            raise ValueError(f"the line limit must be a positive number of bytes: {max_bytes!r}")
        self.max_bytes = max_bytes
        self._pending = bytearray()
        self._searched = 0  # bytes of _pending known to hold no newline

    def feed(self, data: bytes) -> list[bytes]:
        """The lines ``data`` completes, without their newline.

        Raises :class:`LineTooLong` when the unfinished line passes the limit; the lines
        completed before it are lost then, so :meth:`split` is for callers that must keep them.
        """
        lines, too_long = self.split(data)
        if too_long is not None:
            raise too_long
        return lines

    def split(self, data: bytes) -> tuple[list[bytes], LineTooLong | None]:
        """The lines ``data`` completes, and the error the unfinished one makes if too long."""
        pending = self._pending
        pending += data
        lines: list[bytes] = []
        start = 0
        end = pending.find(b"\n", self._searched)
        while end >= 0:
            lines.append(bytes(pending[start:end]))
            start = end + 1
            end = pending.find(b"\n", start)
        if start:
            del pending[:start]  # cheap: a bytearray drops its head without moving the rest
        self._searched = len(pending)
        if len(pending) > self.max_bytes:
            return lines, LineTooLong(self.max_bytes, bytes(pending[:200]))
        return lines, None

    def rest(self) -> bytes:
        """What is left after the last newline (the stream's unfinished end); then empty."""
        rest = bytes(self._pending)
        self._pending.clear()
        self._searched = 0
        return rest


class TextLines:
    """A followed log's lines as text: UTF-8 (bad bytes replaced), each at most ``max_bytes``.

    A line past the limit is a :class:`~rawkube.DecodeError`, raised by the :meth:`feed` or
    :meth:`close` after the one that met it, so the lines before it are handed on first.
    """

    def __init__(self, max_bytes: int) -> None:
        self._framer = LineFramer(max_bytes)
        self._error: LineTooLong | None = None

    def feed(self, chunk: bytes) -> list[str]:
        """The lines ``chunk`` completes, without their newline."""
        self._raise_pending()
        lines, self._error = self._framer.split(chunk)
        return [line.decode("utf-8", "replace") for line in lines]

    def close(self) -> list[str]:
        """The last line, when the stream did not end with a newline."""
        self._raise_pending()
        rest = self._framer.rest()
        return [rest.decode("utf-8", "replace")] if rest else []

    def _raise_pending(self) -> None:
        if self._error is not None:
            error = self._error
            raise DecodeError(
                f"a log line is longer than {error.limit} bytes (the max_line_bytes limit); "
                f"it starts {error.start[:80]!r}"
            )

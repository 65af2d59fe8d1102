"""Bounded reads of the files a configuration names: regular files only, never a FIFO or device.

A kubeconfig may name any path as its CA, key or token file, and ``KUBECONFIG`` may list any
path: ``/dev/zero`` would be read until memory runs out, and opening a FIFO for reading blocks
until some writer comes. So a file is stat'ed before it is opened, opened without blocking, and
read only up to a limit.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

__all__ = [
    "MAX_KUBECONFIG_BYTES",
    "MAX_REFERENCED_FILE_BYTES",
    "UnreadableFile",
    "decode_utf8",
    "read_limited",
    "stat_path",
]

MAX_KUBECONFIG_BYTES = 16 * 1024 * 1024
"""The largest kubeconfig file read; real ones are a few kilobytes, a big merged one < 1 MiB."""

MAX_REFERENCED_FILE_BYTES = 1024 * 1024
"""The largest certificate, key, token or namespace file read; a CA bundle is < 300 KiB."""

_OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NONBLOCK", 0)  # a FIFO swapped in after the stat must not block the open
    | getattr(os, "O_NOCTTY", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)
_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


class UnreadableFile(OSError):
    """A path that is not a regular file, is too large, or cannot be named to the OS.

    An ``OSError`` whose ``strerror`` says why in words fit for a message, like the others
    a read can raise.
    """


def read_limited(path: Path, limit: int) -> bytes:
    """The bytes of the regular file at ``path`` (symbolic links followed), at most ``limit``.

    Raises:
        OSError: the file cannot be opened or read (``strerror`` says why), or it is not a
            regular file or is larger than ``limit`` (an :class:`UnreadableFile`).
    """
    _require_regular(stat_path(path).st_mode)
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except (ValueError, UnicodeError):
        raise _unnameable() from None
    try:
        _require_regular(os.fstat(fd).st_mode)  # the path may have changed since the stat
        return _read_at_most(fd, limit)
    finally:
        os.close(fd)


def stat_path(path: Path) -> os.stat_result:
    """``os.stat(path)``, raising only OSError: also for a path the OS cannot be given.

    Raises:
        OSError: the path does not exist or cannot be stat'ed, or it holds a NUL or a character
            the file system encoding cannot write (an :class:`UnreadableFile`).
    """
    try:
        return os.stat(path)
    except (ValueError, UnicodeError):
        raise _unnameable() from None


def _unnameable() -> UnreadableFile:
    return UnreadableFile(errno.EINVAL, "the path holds a NUL or a character the OS cannot take")


def _require_regular(mode: int) -> None:
    if stat.S_ISREG(mode):
        return
    kind = next((name for test, name in _KINDS if test(mode)), "a special file")
    raise UnreadableFile(errno.EINVAL, f"{kind}, not a regular file")


def _read_at_most(fd: int, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while size <= limit:
        chunk = os.read(fd, min(limit + 1 - size, 1024 * 1024))
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        size += len(chunk)
    raise UnreadableFile(errno.EFBIG, f"larger than the limit of {_size(limit)}")


def _size(limit: int) -> str:
    if limit % (1024 * 1024) == 0:
        return f"{limit // (1024 * 1024)} MiB"
    return f"{limit} bytes"


def decode_utf8(data: bytes) -> str | None:
    """``data`` as UTF-8 text, or None if it is not.

    None rather than an exception: a ``UnicodeDecodeError`` holds all of ``data`` (secrets
    too) and shows it in its repr, and an error raised while handling it would keep it as its
    ``__context__``.
    """
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None

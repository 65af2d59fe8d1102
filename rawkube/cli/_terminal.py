"""The local terminal of ``exec -t``: raw mode for the command's time, its size as it changes."""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

NOT_A_TERMINAL = "Unable to use a TTY - input is not a terminal or the right kind of file"
"""kubectl's warning when ``-t`` is asked for and stdin is not a terminal."""


class Terminated(BaseException):
    """SIGTERM arrived while the terminal was raw: unwinds through its restoring ``finally``."""


def is_terminal(fd: int | None) -> bool:
    """Whether ``fd`` is a terminal whose mode can be set."""
    if fd is None or sys.platform == "win32":
        return False  # no descriptor, or no termios: the command runs without a terminal
    try:
        return os.isatty(fd)
    except OSError:
        return False


def in_main_thread() -> bool:
    """Only the main thread may set signal handlers (main() may run in a test's thread)."""
    return threading.current_thread() is threading.main_thread()


@contextmanager
def raw(fd: int) -> Iterator[None]:
    """The terminal at ``fd`` in raw mode for the block, as kubectl puts it: every key goes
    to the command as typed (Ctrl-C included). Its mode is restored however the block ends,
    SIGTERM included (it raises :class:`Terminated` in the main thread)."""
    import termios
    import tty

    def terminate(signum: int, frame: object) -> None:
        raise Terminated

    saved = termios.tcgetattr(fd)
    previous: Any = signal.signal(signal.SIGTERM, terminate) if in_main_thread() else None
    try:
        tty.setraw(fd, termios.TCSANOW)
        yield
    finally:
        # TCSAFLUSH drops what was typed but not read: it was meant for the command.
        termios.tcsetattr(fd, termios.TCSAFLUSH, saved)
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def size(fd: int) -> tuple[int, int] | None:
    """The terminal's (columns, rows), or None when it has none."""
    try:
        columns, rows = os.get_terminal_size(fd)
    except OSError:
        return None
    return (columns, rows) if columns and rows else None


@contextmanager
def on_resize(fd: int, send: Callable[[int, int], None]) -> Iterator[None]:
    """``send(columns, rows)`` now and each time the terminal's size changes (SIGWINCH),
    until the block ends.

    The signal handler only wakes a daemon thread that sends: a handler runs in the main
    thread between any two bytecodes, maybe inside a read of the same connection."""
    now = size(fd)
    if now is not None:
        send(*now)
    winch = getattr(signal, "SIGWINCH", None)
    if winch is None or not in_main_thread():
        yield
        return
    changed = threading.Event()
    done = False

    def follow() -> None:
        while True:
            changed.wait()
            changed.clear()
            if done:
                return
            latest = size(fd)
            if latest is not None:
                send(*latest)

    follower = threading.Thread(target=follow, name="rawkube terminal size", daemon=True)
    follower.start()
    previous = signal.signal(winch, lambda signum, frame: changed.set())
    try:
        yield
    finally:
        signal.signal(winch, previous)
        done = True
        changed.set()

"""What runs inside the fake cluster's pods: exec and port handlers, files, and the built-ins.

A test says what a command does with :meth:`FakeCluster.on_exec` (a function of an
:class:`ExecCall`) and what a port answers with :meth:`FakeCluster.on_port`; each container has
an in-memory filesystem (:meth:`FakeCluster.files`) that the built-in commands read and write,
``tar`` among them so that ``kubectl cp`` works. :class:`PodRuntime` keeps all of it for one
cluster and runs a command to its :class:`Outcome`; the WebSocket sessions (``_session``) carry
that outcome to the client. Nothing here does I/O.
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from rawkube.core._clock import Clock

__all__ = [
    "ExecCall",
    "ExecHandler",
    "ExecInputHandler",
    "ExecReply",
    "HangUp",
    "Outcome",
    "PodRuntime",
    "PortHandler",
    "echo",
]

_LOG = logging.getLogger("rawkube.testing")

EXEC_CALLS_KEPT = 1000
"""How many of the latest exec and attach calls :attr:`FakeCluster.exec_calls` keeps."""

EXEC_CALL_BYTES = 64 * 1024 * 1024
"""The stdin bytes the kept calls may hold together: big uploads shorten the record."""


@dataclass(frozen=True)
class ExecCall:
    """One command run in a fake container (or one attach to it), as its handler sees it.

    ``stdin`` is everything the client sent before closing stdin; ``resizes`` the terminal
    sizes (width, height) it sent before then, when ``tty`` is true (the kubelet reads resizes
    only for a terminal). ``attach`` is true for ``pods/attach``: ``command`` is then the
    container's own (its ``command`` and ``args`` in the pod's spec).
    """

    namespace: str
    pod: str
    container: str
    command: list[str]
    stdin: bytes = b""
    tty: bool = False
    resizes: tuple[tuple[int, int], ...] = ()
    attach: bool = False


@dataclass(frozen=True)
class ExecReply:
    """What a command did: its output (text is sent as UTF-8) and its exit code."""

    stdout: bytes | str = b""
    stderr: bytes | str = b""
    exit_code: int = 0


class HangUp(Exception):
    """Raised by a handler to have the fake drop the connection mid-stream.

    The fake first sends ``output`` (an exec's stdout, or what a port answers) and an exec's
    ``stderr``, then closes the connection with no status and no WebSocket close, as a
    node that dies under a running command would: the client must see a broken stream.
    """

    def __init__(self, output: bytes | str = b"", *, stderr: bytes | str = b"") -> None:
        super().__init__("the handler hung up")
        self.output = as_bytes(output)
        self.stderr = as_bytes(stderr)


ExecHandler = Callable[[ExecCall], ExecReply | tuple[bytes | str, bytes | str, int] | None]
"""A command's behaviour: an :class:`ExecReply`, a ``(stdout, stderr, exit_code)`` tuple, or
None to leave the command to the built-ins (``tar``, ``test``, ``cat``, ``echo``...)."""

ExecInputHandler = Callable[[ExecCall, bytes], "bytes | str | ExecReply"]
"""What a command answers to a piece of its stdin as it comes: output to send back at once,
or an :class:`ExecReply` to end the command there (a shell's ``exit``). The call holds the
stdin and resizes seen so far."""

PortHandler = Callable[[bytes], bytes]
"""A port's behaviour: called with each piece of data a client sends, its return sent back."""


def echo(data: bytes) -> bytes:
    """A port handler that sends back what it receives."""
    return data


def as_bytes(data: bytes | str) -> bytes:
    """Text as UTF-8, bytes as they are."""
    return data.encode() if isinstance(data, str) else bytes(data)


@dataclass(frozen=True)
class Outcome:
    """How a command ended, for the session to send.

    ``failure`` is the error channel's Status message when the command could not run (then
    ``exit_code`` is unused); ``hang_up`` drops the connection after the output;
    ``stderr_first`` sends stderr before stdout (a handler's stdout goes first).
    """

    stdout: bytes = b""
    stderr: bytes = b""
    exit_code: int = 0
    failure: str | None = None
    hang_up: bool = False
    stderr_first: bool = False


_H = TypeVar("_H")


@dataclass
class _Registration(Generic[_H]):
    namespace: str | None
    pod: str | None
    container: str | None
    handler: _H
    order: int

    def matches(self, namespace: str, pod: str, container: str | None) -> bool:
        return (
            self.namespace in (None, namespace)
            and self.pod in (None, pod)
            and self.container in (None, container)
        )

    def rank(self) -> tuple[bool, bool, bool, int]:
        # A named pod says most, then a named container, then a namespace; the latest wins ties.
        named = (self.pod is not None, self.container is not None, self.namespace is not None)
        return (*named, self.order)


@dataclass
class _CallLog:
    """The latest calls, oldest first: at most a count of them and a sum of their stdin."""

    limit: int = EXEC_CALLS_KEPT
    byte_limit: int = EXEC_CALL_BYTES
    entries: deque[ExecCall] = field(default_factory=deque)
    size: int = 0

    def append(self, call: ExecCall) -> None:
        self.entries.append(call)
        self.size += len(call.stdin)
        while self.entries and (len(self.entries) > self.limit or self.size > self.byte_limit):
            self.size -= len(self.entries.popleft().stdin)


class PodRuntime:
    """The handlers, files and call record of one fake cluster's containers (thread-safe)."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._lock = threading.Lock()
        self._execs: list[_Registration[ExecHandler]] = []
        self._ports: dict[int, list[_Registration[PortHandler]]] = {}
        self._inputs: list[_Registration[ExecInputHandler]] = []
        self._files: dict[tuple[str, str, str | None], dict[str, bytes]] = {}
        self._calls = _CallLog()
        self._order = 0

    # --- registration -------------------------------------------------------------------------

    def on_exec(
        self,
        handler: ExecHandler,
        namespace: str | None,
        pod: str | None,
        container: str | None,
    ) -> None:
        """Register ``handler``; one with the same namespace, pod and container is replaced."""
        if not callable(handler):
            raise TypeError(f"an exec handler must be callable, not {handler!r}")
        with self._lock:
            self._execs = [
                r
                for r in self._execs
                if (r.namespace, r.pod, r.container) != (namespace, pod, container)
            ]
            self._execs.append(_Registration(namespace, pod, container, handler, self._next()))

    def on_exec_input(
        self,
        handler: ExecInputHandler,
        namespace: str | None,
        pod: str | None,
        container: str | None,
    ) -> None:
        """Register what a command answers to its stdin as it comes; one with the same
        namespace, pod and container is replaced."""
        if not callable(handler):
            raise TypeError(f"an exec input handler must be callable, not {handler!r}")
        with self._lock:
            self._inputs = [
                r
                for r in self._inputs
                if (r.namespace, r.pod, r.container) != (namespace, pod, container)
            ]
            self._inputs.append(_Registration(namespace, pod, container, handler, self._next()))

    def on_port(
        self, port: int, handler: PortHandler, namespace: str | None, pod: str | None
    ) -> None:
        """Register what ``port`` answers; one with the same namespace and pod is replaced."""
        if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
            raise ValueError(f"a port is a number from 1 to 65535, not {port!r}")
        if not callable(handler):
            raise TypeError(f"a port handler must be callable, not {handler!r}")
        with self._lock:
            kept = [
                r for r in self._ports.get(port, []) if (r.namespace, r.pod) != (namespace, pod)
            ]
            kept.append(_Registration(namespace, pod, None, handler, self._next()))
            self._ports[port] = kept

    def _next(self) -> int:
        self._order += 1
        return self._order

    def exec_handler(self, namespace: str, pod: str, container: str) -> ExecHandler | None:
        """The most specific handler registered for a container, the latest among equals."""
        with self._lock:
            found = [r for r in self._execs if r.matches(namespace, pod, container)]
        if not found:
            return None
        return max(found, key=_Registration.rank).handler

    def input_handler(self, namespace: str, pod: str, container: str) -> ExecInputHandler | None:
        """The most specific input handler registered for a container, the latest among equals."""
        with self._lock:
            found = [r for r in self._inputs if r.matches(namespace, pod, container)]
        if not found:
            return None
        return max(found, key=_Registration.rank).handler

    def port_handler(self, namespace: str, pod: str, port: int) -> PortHandler | None:
        """The most specific handler registered for a pod's port, the latest among equals."""
        with self._lock:
            found = [r for r in self._ports.get(port, []) if r.matches(namespace, pod, None)]
        if not found:
            return None
        return max(found, key=_Registration.rank).handler

    # --- files and calls ----------------------------------------------------------------------

    def files(self, namespace: str, pod: str, container: str | None) -> dict[str, bytes]:
        """The live filesystem of a container (of every container without its own, for None)."""
        with self._lock:
            return self._files.setdefault((namespace, pod, container), {})

    def files_of(self, namespace: str, pod: str, container: str) -> dict[str, bytes]:
        """The filesystem a command in ``container`` sees: its own, else the pod's shared one."""
        with self._lock:
            own = self._files.get((namespace, pod, container))
            if own is not None:
                return own
            return self._files.setdefault((namespace, pod, None), {})

    def calls(self) -> list[ExecCall]:
        """The calls seen, oldest first (a copy)."""
        with self._lock:
            return list(self._calls.entries)

    @property
    def lock(self) -> threading.Lock:
        """Held while a built-in command changes a filesystem."""
        return self._lock

    # --- running ------------------------------------------------------------------------------

    def record(self, call: ExecCall) -> None:
        """Keep a call in the record :attr:`FakeCluster.exec_calls` reads."""
        with self._lock:
            self._calls.append(call)

    def run(self, call: ExecCall) -> Outcome:
        """Run a command (or an attach) to its end: the handler's, else a built-in's, outcome."""
        self.record(call)
        handler = self.exec_handler(call.namespace, call.pod, call.container)
        if handler is not None:
            try:
                reply = handler(call)
            except HangUp as stop:
                return Outcome(stop.output, stop.stderr, hang_up=True)
            except Exception as exc:
                _LOG.exception("the exec handler for %s/%s failed", call.namespace, call.pod)
                return Outcome(
                    failure=f"Internal error occurred: the fake's exec handler raised {exc!r}"
                )
            if reply is not None:
                return outcome_of(reply)
        if call.attach:
            return Outcome()  # a container nobody scripted prints nothing more and ends
        from rawkube.testing._commands import run_builtin

        files = self.files_of(call.namespace, call.pod, call.container)
        builtin = run_builtin(call.command, call.stdin, files, self)
        return builtin if builtin is not None else Outcome(failure=not_found(call.command))


def outcome_of(reply: object) -> Outcome:
    if isinstance(reply, ExecReply):
        return Outcome(as_bytes(reply.stdout), as_bytes(reply.stderr), int(reply.exit_code))
    if isinstance(reply, tuple) and len(reply) == 3:
        stdout, stderr, code = reply
        if (
            isinstance(stdout, (bytes, str))
            and isinstance(stderr, (bytes, str))
            and isinstance(code, int)
        ):
            return Outcome(as_bytes(stdout), as_bytes(stderr), code)
    message = (
        "Internal error occurred: the fake's exec handler returned "
        f"{type(reply).__name__}, not an ExecReply, a (stdout, stderr, exit_code) tuple or None"
    )
    return Outcome(failure=message)


def not_found(command: list[str]) -> str:
    """containerd's answer to a command that is not in the image (through the kubelet)."""
    name = command[0] if command else ""
    if "/" in name:
        problem = f'exec: "{name}": stat {name}: no such file or directory'
    else:
        problem = f'exec: "{name}": executable file not found in $PATH'
    return (
        "Internal error occurred: error executing command in container: failed to exec in "
        f'container: failed to start exec "{secrets.token_hex(32)}": OCI runtime exec failed: '
        f"exec failed: unable to start container process: {problem}: unknown"
    )


def chunks(data: bytes, size: int) -> Iterator[bytes]:
    """``data`` in pieces of at most ``size`` bytes (none for empty data)."""
    view = memoryview(data)
    for start in range(0, len(data), size):
        yield bytes(view[start : start + size])

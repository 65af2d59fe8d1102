"""``rawkube exec``, ``port-forward`` and ``cp``: into a pod, as kubectl goes."""

from __future__ import annotations

import argparse
import contextlib
import functools
import os
import signal
import sys
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from rawkube.cli._common import CliError, make_client, namespace_of, progress
from rawkube.cli._logs import pod_name
from rawkube.core._exceptions import RawkubeError

if TYPE_CHECKING:
    from rawkube import ExecProcess


def add_parsers(commands: Any, parent: argparse.ArgumentParser) -> None:
    run_in = commands.add_parser(
        "exec",
        parents=[parent],
        help="run a command in a pod: rawkube exec POD -- CMD [ARG...]",
    )
    run_in.add_argument("pod", metavar="POD", help="the pod (or pod/NAME)")
    # The command after ``--`` is split off before parsing (see main), so that options before
    # it (``-c app``) are ours and options after it (``ls -l``) are the command's.
    run_in.add_argument("program", nargs="*", metavar="-- CMD", help="the command")
    run_in.add_argument("-c", "--container", help="the container (default: the pod's first)")
    run_in.add_argument(
        "-i", "--stdin", action="store_true", help="stream our stdin to the command as it comes"
    )
    run_in.add_argument(
        "-t",
        "--tty",
        action="store_true",
        help="with -i, give the command a terminal: ours, in raw mode, as kubectl does",
    )
    run_in.set_defaults(run=run_exec)

    forward = commands.add_parser(
        "port-forward",
        parents=[parent],
        help="forward local ports to a pod's until interrupted: LOCAL:REMOTE, REMOTE, :REMOTE",
    )
    forward.add_argument("pod", metavar="POD", help="the pod (or pod/NAME)")
    forward.add_argument("ports", nargs="+", metavar="[LOCAL:]REMOTE", help="the ports")
    forward.add_argument("--address", default="127.0.0.1", help="the local address to listen on")
    forward.set_defaults(run=run_forward)

    copy = commands.add_parser(
        "cp",
        parents=[parent],
        help="copy files to or from a pod: cp LOCAL POD:PATH, cp POD:PATH LOCAL",
        description="A pod's path is POD:PATH or NAMESPACE/POD:PATH; the container needs tar.",
    )
    copy.add_argument("source", metavar="SRC")
    copy.add_argument("destination", metavar="DST")
    copy.add_argument("-c", "--container", help="the container (default: the pod's first)")
    copy.set_defaults(run=run_copy)


def run_exec(args: argparse.Namespace) -> int:
    command = [*args.program, *args.after_dashes]
    if not command:
        raise CliError("you must give a command to run: rawkube exec POD -- CMD [ARG...]")
    from rawkube.cli import _terminal

    # As kubectl: a terminal only with stdin (-it), and only when stdin is one.
    tty = args.tty and args.stdin
    if tty and not _terminal.is_terminal(_fileno(sys.stdin)):
        print(_terminal.NOT_A_TERMINAL, file=sys.stderr, flush=True)
        tty = False
    with make_client(args) as client:
        pods = client.core_v1.pods(namespace_of(args, client))
        process = pods.stream_exec(
            pod_name(args.pod),
            command,
            container=args.container,
            stdin=args.stdin,
            tty=tty,
        )
        try:
            code = _converse(process, stdin=args.stdin, tty=tty)
        except _terminal.Terminated:  # the terminal is restored: end as SIGTERM asks
            return 128 + signal.SIGTERM
    if code:
        print(f"command terminated with exit code {code}", file=sys.stderr, flush=True)
    return code


def _converse(process: ExecProcess, *, stdin: bool, tty: bool) -> int:
    """Stream our stdin to the process as it comes and its output to ours, the local
    terminal raw for the time with ``tty``; the process's exit code."""
    from rawkube.cli import _terminal
    from rawkube.core._channel import STDOUT

    writing = threading.Lock()  # the stdin thread and the terminal size's both write

    def resize(columns: int, rows: int) -> None:
        with writing, contextlib.suppress(*_GONE):  # a session that ended: the reader says
            process.resize(columns, rows)

    with process, contextlib.ExitStack() as stack:
        if tty:
            fd = sys.stdin.fileno()
            stack.enter_context(_terminal.raw(fd))
            stack.enter_context(_terminal.on_resize(fd, resize))
        if stdin:
            pump = threading.Thread(
                target=_pump, args=(process, writing), name="rawkube exec stdin", daemon=True
            )
            pump.start()  # a daemon: a read blocked on our stdin never outlives the command
        for chunk in process:  # printed as the command writes it
            out = sys.stdout if chunk.channel == STDOUT else sys.stderr
            out.buffer.write(chunk.data)
            out.flush()
        return process.exit_code or 0


_GONE = (RawkubeError, OSError, RuntimeError, ValueError)
"""What writing to a process whose session ended raises (or reading a closed stdin)."""


def _pump(process: ExecProcess, writing: threading.Lock) -> None:
    """Our stdin to the process as it is typed or piped, then closed at its end."""
    fd = _fileno(sys.stdin)
    read: Callable[[int], bytes]
    if fd is not None:
        read = functools.partial(os.read, fd)  # what is there, at once: no waiting for more
    else:  # a stream with no descriptor (a test's)
        buffer = sys.stdin.buffer
        read = getattr(buffer, "read1", buffer.read)
    with contextlib.suppress(*_GONE):  # the session ended: the reader reports how
        while data := read(STDIN_PIECE):
            with writing:
                process.write_stdin(data)
        with writing:
            process.close_stdin()


STDIN_PIECE = 32 * 1024
"""The most of our stdin read at once (one WebSocket message)."""


def _fileno(stream: Any) -> int | None:
    try:
        return int(stream.fileno())
    except (AttributeError, OSError, ValueError):  # replaced by a stream with no descriptor
        return None


def run_forward(args: argparse.Namespace) -> int:
    with make_client(args) as client:
        pods = client.core_v1.pods(namespace_of(args, client))
        try:
            forwarding = pods.port_forward(pod_name(args.pod), args.ports, address=args.address)
        except ValueError as exc:
            raise CliError(str(exc)) from None
        with forwarding:
            for local, remote in forwarding.ports:
                print(f"Forwarding from {args.address}:{local} -> {remote}", flush=True)
            threading.Event().wait()  # until Ctrl-C or SIGTERM ends the process
    return 0


def _pod_path(text: str) -> tuple[str | None, str, str] | None:
    """``[NAMESPACE/]POD:PATH`` split, or None for a local path."""
    head, colon, path = text.partition(":")
    if not colon or not head or "\\" in head or head.startswith((".", "/")):
        return None
    namespace, slash, pod = head.rpartition("/")
    return (namespace if slash else None), pod, path


def run_copy(args: argparse.Namespace) -> int:
    source, destination = _pod_path(args.source), _pod_path(args.destination)
    if (source is None) == (destination is None):
        raise CliError("one of SRC and DST must be a pod's path (POD:PATH), the other local")
    with make_client(args) as client:
        remote = source or destination
        assert remote is not None
        namespace, pod, path = remote
        pods = client.core_v1.pods(namespace or namespace_of(args, client))
        with progress(f"copying {args.source} to {args.destination}"):
            if source is None:
                pods.copy_to(pod, args.source, path, container=args.container)
            else:
                pods.copy_from(pod, path, args.destination, container=args.container)
    return 0

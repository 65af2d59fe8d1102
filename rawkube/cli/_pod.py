"""``rawkube exec``, ``port-forward`` and ``cp``: into a pod, as kubectl goes."""

from __future__ import annotations

import argparse
import sys
import threading
from typing import Any

from rawkube.cli._common import CliError, make_client, namespace_of, progress
from rawkube.cli._logs import pod_name


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
    run_in.add_argument("-i", "--stdin", action="store_true", help="send our stdin to the command")
    run_in.add_argument("-t", "--tty", action="store_true", help="give the command a terminal")
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
    from rawkube.core._channel import STDOUT

    data = sys.stdin.buffer.read() if args.stdin else None
    with make_client(args) as client:
        pods = client.core_v1.pods(namespace_of(args, client))
        process = pods.stream_exec(
            pod_name(args.pod),
            command,
            container=args.container,
            stdin=data is not None,
            tty=args.tty,
        )
        with process:
            if data is not None:  # stdin is read to its end first, as exec() sends it
                process.write_stdin(data)
                process.close_stdin()
            for chunk in process:  # printed as the command writes it
                out = sys.stdout if chunk.channel == STDOUT else sys.stderr
                out.buffer.write(chunk.data)
                out.flush()
            code = process.exit_code or 0
    if code:
        print(f"command terminated with exit code {code}", file=sys.stderr, flush=True)
    return code


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

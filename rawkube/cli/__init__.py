"""The rawkube command: kubectl's everyday verbs on the library, a demo, a fake API server,
models generated from CRDs."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from rawkube import _http
from rawkube._version import __version__
from rawkube.cli._common import REPORTED, add_global_options, report
from rawkube.client._sync_client import Client
from rawkube.config import load_config
from rawkube.config._config import redact_url
from rawkube.core._exceptions import ConfigError, RawkubeError


def _version(args: argparse.Namespace) -> int:
    print(f"rawkube {__version__} (HTTP engine: {_http.ENGINE} {_http.httpx.__version__})")
    try:
        config = load_config(args.kubeconfig, context=args.context)
    except ConfigError as exc:
        print(f"server: no cluster configured ({exc})", file=sys.stderr)
        return 0
    try:
        with Client(config) as client:
            info = client.get().abs_path("/version").do().json()
    except RawkubeError as exc:
        print(f"server: {redact_url(config.server)}: {exc}", file=sys.stderr)
        return 1
    print(f"server {info.get('gitVersion', '?')} at {redact_url(config.server)}")
    return 0


def _fake_apiserver(args: argparse.Namespace) -> int:
    import signal
    import threading

    from rawkube.testing import FakeCluster

    cluster = FakeCluster()
    for path in args.load or ():
        try:
            cluster.load_yaml(Path(path))
        except (OSError, ValueError, RawkubeError) as exc:
            print(f"rawkube fake-apiserver: {path}: {exc}", file=sys.stderr)
            return 2
    try:
        server = cluster.serve(args.host, args.port, auth=not args.no_auth)
    except OSError as exc:  # the port is taken, the address is not ours, ...
        print(
            f"rawkube fake-apiserver: cannot listen on {args.host}:{args.port}: {exc}",
            file=sys.stderr,
        )
        return 1
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with server:
        if args.write_kubeconfig:
            server.write_kubeconfig(args.write_kubeconfig)
        print(f"fake API server at {server.url}", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            stop.wait()
    return 0


class _Terminated(BaseException):
    """SIGTERM arrived: unwinds the demo through its cleanup, as Ctrl-C does."""


def _demo(args: argparse.Namespace) -> int:
    import signal
    import threading

    from rawkube.cli import demo

    def terminate(signum: int, frame: object) -> None:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # let the cleanup finish
        raise _Terminated

    # Only the main thread may set a handler (main() may run elsewhere, in a test's thread).
    main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, terminate) if main_thread else None
    real = not args.fake and (args.kubeconfig or args.context)
    try:
        if real:
            with Client(load_config(args.kubeconfig, context=args.context)) as client:
                demo.run_interruptible(client, fake=False)
        else:
            from rawkube.testing import FakeCluster

            with FakeCluster().client() as client:
                demo.run_interruptible(client, fake=True)
    except (RawkubeError, TimeoutError, demo.NoControllerError) as exc:
        print(f"rawkube demo: {exc}", file=sys.stderr)
        return 1
    except _Terminated:
        print("rawkube demo: terminated; its namespace is deleted", file=sys.stderr)
        return 128 + signal.SIGTERM
    finally:
        if main_thread:
            signal.signal(signal.SIGTERM, previous)
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The command-line parser."""
    from rawkube.cli import (
        _apply,
        _delete,
        _gen_models,
        _get,
        _logs,
        _pod,
        _resources,
        _wait,
    )

    parser = argparse.ArgumentParser(prog="rawkube", description=__doc__)
    add_global_options(parser, top=True)
    # The same options after the command, as kubectl users type them (``get pods -n web``).
    after = argparse.ArgumentParser(add_help=False)
    add_global_options(after, top=False)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _get.add_parser(commands, after)
    _apply.add_parser(commands, after)
    _delete.add_parser(commands, after)
    _logs.add_parser(commands, after)
    _resources.add_parser(commands, after)
    _pod.add_parsers(commands, after)
    _wait.add_parser(commands, after)
    _gen_models.add_parser(commands, after)
    version = commands.add_parser("version", help="print rawkube's and the server's version")
    version.set_defaults(run=_version)
    demo = commands.add_parser(
        "demo",
        help="a short tour: namespace, deployment, pods, service, table, watch, patch, cleanup",
        description="Runs on an embedded fake cluster unless --kubeconfig or --context names "
        "a real one, where it works in a namespace of its own and deletes it at the end.",
    )
    demo.add_argument("--fake", action="store_true", help="use the embedded fake cluster")
    for option, text in (("--kubeconfig", "kubeconfig file"), ("--context", "context to use")):
        demo.add_argument(option, default=argparse.SUPPRESS, help=f"{text}: a real cluster")
    demo.set_defaults(run=_demo)
    fake = commands.add_parser(
        "fake-apiserver",
        help="serve an in-memory fake Kubernetes API server on loopback until interrupted",
    )
    fake.add_argument("--host", default="127.0.0.1", help="address to listen on")
    fake.add_argument("--port", type=int, default=0, help="port (0: any free one)")
    fake.add_argument(
        "--kubeconfig",
        dest="write_kubeconfig",
        metavar="PATH",
        help="write a kubeconfig pointing at the server to PATH",
    )
    fake.add_argument(
        "--load", action="append", metavar="FILE", help="YAML manifests to store first"
    )
    fake.add_argument(
        "--no-auth",
        action="store_true",
        help="answer requests without the bearer token the kubeconfig carries (any local "
        "process could then use the server)",
    )
    fake.set_defaults(run=_fake_apiserver)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; returns the exit status.

    Failures are one ``error: ...`` line on stderr and status 1; usage errors are argparse's
    (status 2). A closed stdout (``rawkube get pods | head -1``) ends the command quietly, and
    Ctrl-C ends it with status 130, without a traceback.
    """
    words = list(sys.argv[1:] if argv is None else argv)
    after: list[str] = []
    if "--" in words:  # what follows is a command to run in a pod, never our options
        at = words.index("--")
        words, after = words[:at], words[at + 1 :]
    parser = build_parser()
    args = parser.parse_args(words)
    if after and args.command != "exec":
        parser.error(f"unexpected arguments after --: {' '.join(after)}")
    args.after_dashes = after
    try:
        status: int = args.run(args)
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader has gone: say nothing more, and keep Python's own flush at exit from
        # failing again on the closed pipe (the Python documentation's advice).
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    except KeyboardInterrupt:
        return 130
    except REPORTED as exc:
        report(exc)
        return 1
    return status

"""``rawkube logs``: a pod's log, or its lines as they are written with ``-f``."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from rawkube.cli._common import CliError, make_client, namespace_of, progress


def add_parser(commands: Any, parent: argparse.ArgumentParser) -> None:
    logs = commands.add_parser("logs", parents=[parent], help="print a pod's log")
    logs.add_argument("pod", metavar="POD", help="the pod (or pod/NAME)")
    logs.add_argument("-c", "--container", help="the container (default: the pod's only one)")
    logs.add_argument("-f", "--follow", action="store_true", help="print lines as they come")
    logs.add_argument("--tail", type=int, default=-1, help="only the last N lines")
    logs.add_argument("-p", "--previous", action="store_true", help="the previous instance's log")
    logs.add_argument("--timestamps", action="store_true", help="each line's time first")
    logs.add_argument("--since", type=_seconds, help="only lines newer than 10s, 5m, 1h")
    logs.set_defaults(run=run)


def _seconds(text: str) -> int:
    """``30s``, ``5m``, ``2h`` (or plain seconds) as seconds; argparse reports the bad ones."""
    units = {"s": 1, "m": 60, "h": 3600}
    number, unit = (text[:-1], text[-1]) if text[-1:] in units else (text, "s")
    if not number.isdigit() or int(number) <= 0:
        raise argparse.ArgumentTypeError(f"expected a duration such as 30s, 5m, 1h: {text!r}")
    return int(number) * units[unit]


def pod_name(text: str) -> str:
    """``web-0`` or ``pod/web-0`` (``pods/``, ``po/``): a pod's name."""
    kind, slash, name = text.partition("/")
    if not slash:
        return text
    if kind not in ("pod", "pods", "po") or not name:
        raise CliError(f"only pods are supported here, not {text!r}")
    return name


def run(args: argparse.Namespace) -> int:
    with make_client(args) as client:
        pods = client.core_v1.pods(namespace_of(args, client))
        name = pod_name(args.pod)
        options: dict[str, Any] = {
            "container": args.container,
            "tail_lines": args.tail if args.tail >= 0 else None,
            "previous": args.previous,
            "timestamps": args.timestamps,
            "since_seconds": args.since,
        }
        if not args.follow:
            with progress(f"reading the log of pod {name}"):
                text = pods.log(name, **options)
            sys.stdout.write(text)
            sys.stdout.flush()
            return 0
        for line in pods.log(name, follow=True, **options):
            print(line, flush=True)
    return 0

"""``rawkube wait``: until objects meet a condition, are deleted, or a field holds a value."""

from __future__ import annotations

import argparse
import re
import sys
from typing import Any

from rawkube.cli._common import (
    REPORTED,
    CliError,
    make_client,
    message_of,
    namespace_of,
    progress,
    targets,
    type_name,
)

_DURATION = re.compile(r"(\d+(?:\.\d*)?)(ms|s|m|h)")
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


def duration(text: str) -> float:
    """A Go duration as kubectl takes it (``30s``, ``1m30s``, ``500ms``), or plain seconds."""
    try:
        return float(text)
    except ValueError:
        pass
    parts = _DURATION.findall(text)
    if not parts or "".join(number + unit for number, unit in parts) != text:
        raise argparse.ArgumentTypeError(f"expected a duration such as 30s, 5m, 1h30m: {text!r}")
    return sum(float(number) * _UNITS[unit] for number, unit in parts)


def add_parser(commands: Any, parent: argparse.ArgumentParser) -> None:
    wait = commands.add_parser(
        "wait",
        parents=[parent],
        help="wait until objects meet a condition: --for=condition=Ready, --for=delete, ...",
    )
    wait.add_argument("resources", nargs="+", metavar="TYPE[/NAME]", help="what to wait for")
    wait.add_argument(
        "--for",
        dest="for_",
        required=True,
        metavar="CONDITION",
        help="condition=Ready (or Ready, Available=False, ...), delete, create, or "
        "jsonpath={.status.phase}=Running",
    )
    wait.add_argument(
        "--timeout",
        type=duration,
        default=30.0,
        help="how long to wait for each object (default 30s; 0: look once)",
    )
    wait.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    status = 0
    with make_client(args) as client:
        namespace = namespace_of(args, client)
        for target in targets(client, args.resources):
            if not target.names:
                raise CliError("name the objects to wait for: TYPE NAME... or TYPE/NAME...")
            api = client.dynamic.resource(target.info.gvr)
            if target.info.namespaced:
                api = api.namespace(namespace)
            for name in target.names:
                where = f"{type_name(target.info)}/{name}"
                try:
                    with progress(f"waiting for {where}: {args.for_}"):
                        api.wait(name, for_=args.for_, timeout=args.timeout)
                except ValueError as exc:  # a --for that cannot be read: nothing else will do
                    raise CliError(f"--for={args.for_}: {message_of(exc)}") from None
                except REPORTED as exc:
                    print(f"error: {message_of(exc)}", file=sys.stderr, flush=True)
                    status = 1
                    continue
                print(f"{where} condition met", flush=True)
    return status

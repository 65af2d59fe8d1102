"""``rawkube api-resources``: what the server serves, as kubectl lists it."""

from __future__ import annotations

import argparse
from typing import Any

from rawkube.cli._common import make_client


def add_parser(commands: Any, parent: argparse.ArgumentParser) -> None:
    resources = commands.add_parser(
        "api-resources", parents=[parent], help="print the resource types the server serves"
    )
    resources.add_argument("-o", "--output", choices=("name", "wide"), help="output format")
    resources.add_argument(
        "--namespaced",
        choices=("true", "false"),
        help="only the namespaced (true) or cluster-scoped (false) ones",
    )
    resources.add_argument("--api-group", help="only this group ('' for the core group)")
    resources.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from rawkube.core._table import TableLayout

    with make_client(args) as client:
        served = client.discovery.server_preferred_resources()
    infos = [info for group in served.values() for info in group]
    if args.namespaced is not None:
        infos = [i for i in infos if i.namespaced == (args.namespaced == "true")]
    if args.api_group is not None:
        infos = [i for i in infos if i.group == args.api_group]
    infos.sort(key=lambda i: (i.group, i.plural))  # kubectl's order: by group, then by name
    if args.output == "name":
        for info in infos:
            print(f"{info.plural}.{info.group}" if info.group else info.plural)
        return 0
    header = ["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"]
    rows = [
        [
            info.plural,
            ",".join(info.short_names),
            info.api_version,
            "true" if info.namespaced else "false",
            info.kind,
        ]
        for info in infos
    ]
    if args.output == "wide":
        header += ["VERBS", "CATEGORIES"]
        for row, info in zip(rows, infos, strict=True):
            row += [",".join(info.verbs), ",".join(info.categories)]
    for line in TableLayout().lines([header, *rows]):
        print(line)
    return 0

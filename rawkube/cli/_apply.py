"""``rawkube apply -f``: server-side apply of files, folders and stdin, as field manager rawkube."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rawkube.cli._common import (
    DRY_RUN_SUFFIX,
    FIELD_MANAGER,
    REPORTED,
    CliError,
    add_dry_run,
    kind_name,
    make_client,
    message_of,
    progress,
)

if TYPE_CHECKING:
    from rawkube import Client, ResourceInfo

EXTENSIONS = (".yaml", ".yml", ".json")


def add_parser(commands: Any, parent: argparse.ArgumentParser) -> None:
    apply = commands.add_parser(
        "apply",
        parents=[parent],
        help="server-side apply manifests from files, folders or stdin (-f -)",
    )
    add_file_options(apply, "apply")
    apply.add_argument(
        "--force-conflicts",
        action="store_true",
        help="take the fields other managers own instead of failing on the conflict",
    )
    add_dry_run(apply, "applied")
    apply.set_defaults(run=run)


def add_file_options(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument(
        "-f",
        "--filename",
        action="append",
        default=[],
        metavar="FILE",
        help=f"file, folder (*.yaml, *.yml, *.json) or - (stdin) to {what}",
    )
    parser.add_argument(
        "-R", "--recursive", action="store_true", help="read the folders' subfolders too"
    )


def sources(files: list[str], recursive: bool) -> Iterator[tuple[str, Any]]:
    """Each source named: its label and what ``load_all_yaml`` reads (a path, or stdin's text)."""
    if not files:
        raise CliError("must specify -f FILE (a file, a folder, or - for stdin)")
    for name in files:
        if name == "-":
            yield "stdin", sys.stdin.read()
            continue
        path = Path(name)
        if path.is_dir():
            pattern = "**/*" if recursive else "*"
            found = sorted(p for p in path.glob(pattern) if p.suffix in EXTENSIONS and p.is_file())
            yield from ((str(p), p) for p in found)
        elif path.exists():
            yield name, path
        else:
            raise CliError(f'the path "{name}" does not exist')


def objects(files: list[str], recursive: bool) -> Iterator[tuple[str, Any]]:
    """Every object of the sources, with the label of the source it came from."""
    from rawkube import load_all_yaml

    for label, source in sources(files, recursive):
        try:
            found = load_all_yaml(source)
        except REPORTED as exc:
            raise CliError(f"{label}: {message_of(exc)}") from None
        for obj in found:
            yield label, obj


def run(args: argparse.Namespace) -> int:
    status = 0
    suffix = DRY_RUN_SUFFIX[args.dry_run]
    with make_client(args) as client:
        for label, obj in objects(args.filename, args.recursive):
            with progress(f"applying {kind_name(obj)}"):
                try:
                    if args.dry_run == "client":  # nothing sent: the type is checked alone
                        resource_of(client, obj)
                        applied = obj
                    else:
                        [applied] = client.apply_manifests(
                            [obj],
                            field_manager=FIELD_MANAGER,
                            force=args.force_conflicts,
                            namespace=args.namespace,
                            dry_run=args.dry_run == "server",
                        )
                except REPORTED as exc:
                    # The library's message starts with the object's place in the one-object
                    # list given: say the file and the object instead.
                    cause = exc.__cause__ or exc
                    print(
                        f"error: {label}: {kind_name(obj)}: {message_of(cause)}",
                        file=sys.stderr,
                        flush=True,
                    )
                    status = 1
                    continue
            print(f"{kind_name(applied)} serverside-applied{suffix}", flush=True)
    return status


def resource_of(client: Client, obj: Any) -> ResourceInfo:
    """The resource type an object from a manifest goes to (its model's, else discovery's)."""
    from rawkube import GroupVersion, GroupVersionKind

    if not isinstance(obj, dict):
        info: ResourceInfo = type(obj).__resource__
        return info
    gv = GroupVersion.parse(str(obj.get("apiVersion") or ""))
    kind = str(obj.get("kind") or "")
    return client.discovery.resource_for(GroupVersionKind(gv.group, gv.version, kind))

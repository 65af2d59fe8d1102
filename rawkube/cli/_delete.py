"""``rawkube delete``: objects by type and name, by label, or as named in manifests."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from rawkube.cli._apply import add_file_options, objects
from rawkube.cli._common import (
    DRY_RUN_SUFFIX,
    CliError,
    Target,
    add_dry_run,
    make_client,
    namespace_of,
    progress,
    report,
    targets,
    type_name,
)

if TYPE_CHECKING:
    from rawkube import Client, DynamicApi, PropagationPolicy, ResourceInfo

POLICIES: dict[str, PropagationPolicy] = {
    "background": "Background",
    "foreground": "Foreground",
    "orphan": "Orphan",
}


def add_parser(commands: Any, parent: argparse.ArgumentParser) -> None:
    delete = commands.add_parser(
        "delete",
        parents=[parent],
        help="delete objects: TYPE NAME..., TYPE/NAME..., TYPE -l SELECTOR, or -f FILE",
    )
    delete.add_argument("resources", nargs="*", metavar="TYPE[/NAME]", help="what to delete")
    add_file_options(delete, "delete the objects of")
    delete.add_argument("-l", "--selector", help="delete the objects this label selector matches")
    delete.add_argument("--all", action="store_true", help="delete every object of the type")
    delete.add_argument(
        "--cascade",
        choices=tuple(POLICIES),
        default="background",
        help="what happens to dependents: deleted in the background (default), before the "
        "object (foreground), or kept (orphan)",
    )
    delete.add_argument("--wait", action="store_true", help="return only once the objects are gone")
    delete.add_argument(
        "--ignore-not-found", action="store_true", help="an object already gone is no error"
    )
    add_dry_run(delete, "deleted")
    delete.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.filename and args.resources:
        raise CliError("name objects by TYPE NAME or by -f, not both")
    with make_client(args) as client:
        namespace = namespace_of(args, client)
        work = _from_files(client, args) if args.filename else _from_names(client, args, namespace)
        if not work:
            print(f"No resources found in {namespace} namespace.", file=sys.stderr)
            return 0
        status = 0
        for api, info, name in work:
            status = _delete(api, info, name, args) or status
        return status


def _api(client: Client, info: ResourceInfo, namespace: str | None) -> DynamicApi:
    api = client.dynamic.resource(info.gvr)
    return api.namespace(namespace) if info.namespaced and namespace else api


def _from_names(
    client: Client, args: argparse.Namespace, namespace: str
) -> list[tuple[DynamicApi, ResourceInfo, str]]:
    found: list[Target] = targets(client, args.resources)
    work = []
    for target in found:
        api = _api(client, target.info, namespace)
        names = target.names
        if not names:
            if not (args.selector or args.all):
                raise CliError(
                    "resource(s) were provided, but no name was specified: name them, or "
                    "pass -l SELECTOR or --all"
                )
            listed = api.list(label_selector=args.selector or None)
            names = [item["metadata"]["name"] for item in listed.get("items") or ()]
        work += [(api, target.info, name) for name in names]
    return work


def _from_files(
    client: Client, args: argparse.Namespace
) -> list[tuple[DynamicApi, ResourceInfo, str]]:
    from rawkube import GroupVersion, GroupVersionKind

    work = []
    for _, obj in objects(args.filename, args.recursive):
        data = obj if isinstance(obj, dict) else obj.to_dict()
        gv = GroupVersion.parse(data["apiVersion"])
        info = client.discovery.resource_for(GroupVersionKind(gv.group, gv.version, data["kind"]))
        metadata = data.get("metadata") or {}
        namespace = metadata.get("namespace") or namespace_of(args, client)
        work.append((_api(client, info, namespace), info, metadata.get("name", "")))
    return work


def _delete(api: DynamicApi, info: ResourceInfo, name: str, args: argparse.Namespace) -> int:
    from rawkube import NotFoundError

    try:
        if args.dry_run != "client":  # client: nothing sent, named objects unread, as kubectl
            api.delete(
                name, propagation_policy=POLICIES[args.cascade], dry_run=args.dry_run == "server"
            )
    except NotFoundError as exc:
        if args.ignore_not_found:
            return 0
        report(exc)
        return 1
    print(f'{type_name(info)} "{name}" deleted{DRY_RUN_SUFFIX[args.dry_run]}', flush=True)
    if args.wait and args.dry_run == "none":
        with progress(f'waiting for {type_name(info)} "{name}" to go'):
            api.wait(name, for_="delete", timeout=None)
    return 0

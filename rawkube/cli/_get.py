"""``rawkube get``: the server's Table as kubectl prints it, or the objects as JSON, YAML, names."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from rawkube.cli._common import (
    CliError,
    Target,
    kind_name,
    make_client,
    namespace_of,
    progress,
    report,
    targets,
    type_name,
)

if TYPE_CHECKING:
    from rawkube import Client, Request, ResourceInfo
    from rawkube.core._table import TableLayout

# What kubectl asks for: the Table, else the plain object from a server that has no Table.
TABLE_ACCEPT = "application/json;as=Table;v=v1;g=meta.k8s.io, application/json"
PAGE = 500


def add_parser(commands: Any, parent: argparse.ArgumentParser) -> None:
    get = commands.add_parser(
        "get",
        parents=[parent],
        help="print resources: the server's table, or -o json|yaml|name|wide",
        description="TYPE [NAME...] or TYPE/NAME...; TYPE as kubectl takes it (po, deploy, "
        "deployments.apps, a CRD's plural; several: pods,services).",
    )
    get.add_argument("resources", nargs="+", metavar="TYPE[/NAME]", help="what to print")
    get.add_argument(
        "-o", "--output", choices=("json", "yaml", "name", "wide"), help="output format"
    )
    get.add_argument("-l", "--selector", help="label selector (app=web,tier!=db)")
    get.add_argument("--field-selector", help="field selector (status.phase=Running)")
    get.add_argument("-A", "--all-namespaces", action="store_true", help="across all namespaces")
    get.add_argument(
        "-w", "--watch", action="store_true", help="then print the changes as they come"
    )
    get.add_argument("--show-labels", action="store_true", help="a LABELS column last: k=v,k2=v2")
    get.add_argument(
        "-L",
        "--label-columns",
        action="append",
        default=[],
        metavar="KEY[,KEY]",
        help="a column per label key, its value (repeatable)",
    )
    get.add_argument(
        "--show-managed-fields",
        action="store_true",
        help="keep metadata.managedFields in -o json|yaml (left out by default, as kubectl does)",
    )
    get.add_argument(
        "--sort-by",
        metavar="JSONPATH",
        help="sort by this field of each object ({.metadata.name}, .status.phase)",
    )
    get.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.sort_by:
        from rawkube.core._sort_by import sort_path

        sort_path(args.sort_by)  # a path it cannot read is said before any request
    args.label_keys = [key for keys in args.label_columns for key in keys.split(",") if key]
    with make_client(args) as client:
        found = targets(client, args.resources)
        namespace = namespace_of(args, client)
        if args.watch and len(found) != 1:
            raise CliError("watch is only supported on one resource type at a time")
        status, shown, version = 0, 0, ""
        table = args.output in (None, "wide")
        objects: list[dict[str, Any]] = []
        layout = _layout()
        for target in found:
            where = _where(args, target, namespace)
            if table:
                if shown:  # another type, other columns: a blank line, then its own header
                    print()
                    layout = _layout()
                prefix = f"{type_name(target.info)}/" if len(found) > 1 else ""
                failed, version, rows = _print_table(client, target, where, args, layout, prefix)
                shown += rows
            else:
                failed, version = _collect(client, target, where, args, objects)
                shown = len(objects)
            status = status or failed
        if not table:
            if not args.show_managed_fields:
                objects = [_without_managed_fields(obj) for obj in objects]
            _print_objects(objects, args.output, single=_single(found))
        if not shown and table:  # JSON, YAML and names say it by an empty List, or nothing
            _no_resources(args, found, namespace)
        if args.watch:
            _watch(client, found[0], _where(args, found[0], namespace), args, version, layout)
        return status


def _where(args: argparse.Namespace, target: Target, namespace: str) -> str | None:
    """The namespace to ask in: None across namespaces or for a cluster-scoped resource."""
    return None if args.all_namespaces or not target.info.namespaced else namespace


def _layout() -> TableLayout:
    from rawkube.core._table import TableLayout

    return TableLayout()


def _single(found: list[Target]) -> bool:
    """One object named: printed alone, not in a List (as kubectl does)."""
    return len(found) == 1 and len(found[0].names) == 1


def _no_resources(args: argparse.Namespace, found: list[Target], namespace: str) -> None:
    if any(t.names for t in found):
        return
    namespaced = any(t.info.namespaced for t in found)
    if namespaced and not args.all_namespaces:
        print(f"No resources found in {namespace} namespace.", file=sys.stderr)
    else:
        print("No resources found", file=sys.stderr)


def _request(client: Client, info: ResourceInfo, namespace: str | None) -> Request:
    request = client.get().group_version(info.api_version)
    if namespace is not None:
        request = request.namespace(namespace)
    return request.resource(info.plural)


def _selected(request: Request, args: argparse.Namespace) -> Request:
    if args.selector:
        request = request.param("labelSelector", args.selector)
    if args.field_selector:
        request = request.param("fieldSelector", args.field_selector)
    return request


def _tables(
    client: Client, target: Target, namespace: str | None, args: argparse.Namespace
) -> Iterator[dict[str, Any]]:
    """The Tables answering the request: one per name, else one per page of the list."""
    from rawkube import NotFoundError

    info = target.info
    if target.names:
        for name in target.names:
            request = _with_objects(_request(client, info, namespace).name(name), args)
            try:
                yield request.header("Accept", TABLE_ACCEPT).do().json()
            except NotFoundError as exc:
                report(exc)
                yield {"failed": True}
        return
    token = ""
    while True:
        request = _selected(_request(client, info, namespace), args).param("limit", PAGE)
        request = _with_objects(request, args)
        if token:
            request = request.param("continue", token)
        with progress(f"listing {info.plural}"):
            page = request.header("Accept", TABLE_ACCEPT).do().json()
        yield page
        token = (page.get("metadata") or {}).get("continue") or ""
        if not token:
            return


def _with_objects(request: Request, args: argparse.Namespace) -> Request:
    """The whole object in each row when rows are sorted by one of its fields (by default
    the server sends only their metadata)."""
    return request.param("includeObject", "Object") if args.sort_by else request


def _sorted_tables(
    tables: Iterator[dict[str, Any]], args: argparse.Namespace
) -> Iterator[dict[str, Any]]:
    """The tables as they come; sorted, their rows in one table in ``--sort-by``'s order."""
    if not args.sort_by:
        yield from tables
        return
    from rawkube.core._sort_by import sort_by

    merged: dict[str, Any] | None = None
    for table in tables:
        if table.get("failed") or table.get("kind") != "Table":
            yield table
        elif merged is None:
            merged = {**table, "rows": list(table.get("rows") or ())}
        else:
            merged["rows"].extend(table.get("rows") or ())
            merged["metadata"] = table.get("metadata") or merged.get("metadata")
    if merged is not None:
        merged["rows"] = sort_by(merged["rows"], args.sort_by, lambda row: row.get("object"))
        yield merged


def _print_table(
    client: Client,
    target: Target,
    namespace: str | None,
    args: argparse.Namespace,
    layout: TableLayout,
    prefix: str,
) -> tuple[int, str, int]:
    """Print the rows (the header once): the status, the resourceVersion to watch from and
    how many rows were printed."""
    from rawkube.core._table import table_rows

    failed, version, header_done, count = 0, "", False, 0
    wide = args.output == "wide"
    for table in _sorted_tables(_tables(client, target, namespace, args), args):
        if table.get("failed"):
            failed = 1
            continue
        if table.get("kind") != "Table":
            raise CliError(f"the server sent no Table for {target.info.plural}")
        version = (table.get("metadata") or {}).get("resourceVersion") or version
        header, rows = table_rows(
            table,
            wide=wide,
            show_namespace=args.all_namespaces,
            name_prefix=prefix,
            label_columns=args.label_keys,
            show_labels=args.show_labels,
        )
        if not rows:
            continue
        for line in layout.lines(rows if header_done else [header, *rows]):
            print(line)
        header_done, count = True, count + len(rows)
    sys.stdout.flush()
    return failed, version, count


def _collect(
    client: Client,
    target: Target,
    namespace: str | None,
    args: argparse.Namespace,
    into: list[dict[str, Any]],
) -> tuple[int, str]:
    """The objects, each with its apiVersion and kind, as kubectl prints them."""
    from rawkube import NotFoundError

    info = target.info
    api = client.dynamic.resource(info.gvr)
    if namespace is not None:
        api = api.namespace(namespace)
    failed, found = 0, []
    if target.names:
        for name in target.names:
            try:
                found.append(_typed(api.get(name), info))
            except NotFoundError as exc:
                report(exc)
                failed = 1
        into.extend(_in_order(found, args))
        return failed, ""
    with progress(f"listing {info.plural}"):
        listed = api.list(
            label_selector=args.selector, field_selector=args.field_selector, page_size=PAGE
        )
    into.extend(_in_order([_typed(item, info) for item in listed.get("items") or ()], args))
    return 0, (listed.get("metadata") or {}).get("resourceVersion") or ""


def _in_order(objects: list[dict[str, Any]], args: argparse.Namespace) -> list[dict[str, Any]]:
    from rawkube.core._sort_by import sort_by

    return sort_by(objects, args.sort_by) if args.sort_by else objects


def _typed(obj: dict[str, Any], info: ResourceInfo) -> dict[str, Any]:
    """The object with apiVersion and kind first: a list's items come without them."""
    return {"apiVersion": info.api_version, "kind": info.kind, **obj}


def _print_objects(objects: list[dict[str, Any]], output: str, *, single: bool) -> None:
    if output == "name":
        for obj in objects:
            print(kind_name(obj))
        return
    document: dict[str, Any] = (
        objects[0]
        if single and objects
        else {
            "apiVersion": "v1",
            "items": objects,
            "kind": "List",
            "metadata": {"resourceVersion": ""},
        }
    )
    if single and not objects:
        return
    _print_document(document, output)


def _without_managed_fields(obj: dict[str, Any]) -> dict[str, Any]:
    """The object without ``metadata.managedFields``: bookkeeping kubectl leaves out too."""
    metadata = obj.get("metadata")
    if not isinstance(metadata, dict) or "managedFields" not in metadata:
        return obj
    return {**obj, "metadata": {k: v for k, v in metadata.items() if k != "managedFields"}}


def _print_document(document: dict[str, Any], output: str) -> None:
    """JSON (indented by 4) or YAML, keys sorted at every level as kubectl prints them."""
    if output == "json":
        print(json.dumps(document, indent=4, ensure_ascii=False, sort_keys=True))
    else:
        from rawkube import to_yaml

        sys.stdout.write(to_yaml(_sorted(document)))
    sys.stdout.flush()


def _sorted(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _sorted(value[key]) for key in sorted(value)}
    if isinstance(value, list):
        return [_sorted(item) for item in value]
    return value


def _watch(
    client: Client,
    target: Target,
    namespace: str | None,
    args: argparse.Namespace,
    version: str,
    layout: TableLayout,
) -> None:
    """Print each change as it comes, until interrupted (kubectl's ``-w``)."""
    from rawkube import GoneError
    from rawkube.core._table import table_rows

    table = args.output in (None, "wide")
    info = target.info
    while True:
        request = _selected(_request(client, info, namespace), args)
        if target.names:
            request = request.param("fieldSelector", f"metadata.name={target.names[0]}")
        request = request.param("allowWatchBookmarks", "true").param("timeoutSeconds", 1800)
        if version:
            request = request.param("resourceVersion", version)
        if table:
            request = request.header("Accept", TABLE_ACCEPT)
        try:
            with request.watch() as events:
                for event in events:
                    obj = event.object
                    version = _version_of(obj) or version
                    if event.type == "BOOKMARK":
                        continue
                    if table:
                        _, rows = table_rows(
                            obj,
                            wide=args.output == "wide",
                            show_namespace=args.all_namespaces,
                            label_columns=args.label_keys,
                            show_labels=args.show_labels,
                        )
                        for line in layout.lines(rows):
                            print(line, flush=True)
                    elif args.output == "name":
                        print(kind_name(_typed(obj, info)), flush=True)
                    else:
                        shown = obj if args.show_managed_fields else _without_managed_fields(obj)
                        _print_document(_typed(shown, info), args.output)
        except GoneError:
            version = ""  # too old to resume: start again from now
        else:
            continue


def _version_of(obj: dict[str, Any]) -> str:
    version = (obj.get("metadata") or {}).get("resourceVersion")
    if not version:
        rows = obj.get("rows") or [{}]
        version = ((rows[0].get("object") or {}).get("metadata") or {}).get("resourceVersion")
    return str(version or "")


__all__ = ["add_parser", "run"]

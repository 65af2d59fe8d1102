"""``rawkube gen-models``: typed models for custom resources, from CRD manifests or a cluster."""

from __future__ import annotations

import argparse
import shlex
import sys
from typing import Any

from rawkube.cli._common import CliError, make_client


def add_parser(commands: Any, parent: argparse.ArgumentParser) -> None:
    gen = commands.add_parser(
        "gen-models",
        parents=[parent],
        help="write pydantic models for custom resources, from CRD manifests or a cluster",
        description="Writes one module per group-version into DIR: each kind a CustomResource "
        "subclass for client.api(Model, namespace=...), every served version, the storage "
        "version marked. Reads the CRDs in FILEs (folders, '-' for stdin, multi-document YAML), "
        "or the cluster's when no FILE is given.",
    )
    gen.add_argument("files", nargs="*", metavar="FILE", help="CRD manifests, folders, or -")
    gen.add_argument(
        "-o", "--output-dir", required=True, metavar="DIR", help="folder to write the modules to"
    )
    gen.add_argument(
        "--group",
        action="append",
        default=[],
        metavar="GROUP",
        help="only the CRDs of this API group (repeatable)",
    )
    gen.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from rawkube.codegen import crds_from_cluster, generate_models, read_crds, write_models

    if args.files:
        crds = read_crds(args.files)
        if args.group:
            crds = [c for c in crds if (c.get("spec") or {}).get("group") in args.group]
        origin = ", ".join(args.files)
    else:
        with make_client(args) as client:
            crds = crds_from_cluster(client, args.group)
        origin = "the cluster"
    if not crds:
        wanted = f" of group {', '.join(args.group)}" if args.group else ""
        raise CliError(f"no CustomResourceDefinition{wanted} in {origin}")
    command = ["rawkube", "gen-models", *args.files, "-o", args.output_dir]
    for group in args.group:
        command += ["--group", group]
    if not args.files and args.context:
        command += ["--context", args.context]
    sources = generate_models(crds, command=shlex.join(command))
    for path in write_models(sources, args.output_dir):
        print(path, file=sys.stdout)
    return 0

"""The ``rawkube`` command: ``rawkube version`` prints rawkube's version and the server's."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from rawkube._client import Client
from rawkube._exceptions import ConfigError, RawkubeError
from rawkube._version import __version__
from rawkube.config import load_config
from rawkube.config._config import redact_url


def _version(args: argparse.Namespace) -> int:
    print(f"rawkube {__version__}")
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


def build_parser() -> argparse.ArgumentParser:
    """The command-line parser."""
    parser = argparse.ArgumentParser(prog="rawkube", description=__doc__)
    parser.add_argument(
        "--kubeconfig", help="kubeconfig file (default: KUBECONFIG, ~/.kube/config)"
    )
    parser.add_argument("--context", help="kubeconfig context to use")
    commands = parser.add_subparsers(dest="command", required=True)
    version = commands.add_parser("version", help="print rawkube's and the server's version")
    version.set_defaults(run=_version)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; returns the exit status."""
    args = build_parser().parse_args(argv)
    status: int = args.run(args)
    return status

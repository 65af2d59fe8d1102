"""What every command shares: the global options, a client from them, names resolved, errors."""

from __future__ import annotations

import argparse
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from rawkube.core._exceptions import RawkubeError

if TYPE_CHECKING:
    from rawkube import Client, ResourceInfo

FIELD_MANAGER = "rawkube"


class CliError(Exception):
    """A failure the command reports as one ``error: ...`` line and exit status 1."""


def add_global_options(parser: argparse.ArgumentParser, *, top: bool) -> None:
    """``--kubeconfig``, ``--context`` and ``-n``: before the command, or after it as kubectl
    users type them (``rawkube get pods -n web``); a subcommand's value wins when given."""
    default = None if top else argparse.SUPPRESS
    parser.add_argument(
        "--kubeconfig",
        default=default,
        help="kubeconfig file (default: KUBECONFIG, ~/.kube/config)",
    )
    parser.add_argument("--context", default=default, help="kubeconfig context to use")
    parser.add_argument(
        "-n",
        "--namespace",
        default=default,
        help="namespace (default: the context's namespace)",
    )


DRY_RUN_SUFFIX = {"none": "", "client": " (dry run)", "server": " (server dry run)"}
"""What kubectl adds to a line for each ``--dry-run`` value."""


def add_dry_run(parser: argparse.ArgumentParser, what: str) -> None:
    """kubectl's ``--dry-run``: ``client`` sends nothing, ``server`` sends with dryRun=All."""
    parser.add_argument(
        "--dry-run",
        choices=tuple(DRY_RUN_SUFFIX),
        default="none",
        help=f"client: print what would be {what} without sending it; server: have the "
        "server check it and keep nothing",
    )


def make_client(args: argparse.Namespace) -> Client:
    """A client from the global options; the config's errors are the caller's to report."""
    from rawkube import Client, load_config

    return Client(load_config(args.kubeconfig, context=args.context))


def namespace_of(args: argparse.Namespace, client: Client) -> str:
    """``-n`` when given, else the context's namespace."""
    value: str | None = args.namespace
    return value or client.config.namespace


def resolve(client: Client, text: str) -> ResourceInfo:
    """A resource type as typed (``po``, ``deploy``, ``deployments.apps``, a CRD's plural)."""
    from rawkube import AmbiguousResourceError, ResourceNotFoundError

    try:
        return client.discovery.resolve(text)
    except ResourceNotFoundError as exc:
        hint = f" (did you mean {', '.join(exc.suggestions)}?)" if exc.suggestions else ""
        raise CliError(f'the server doesn\'t have a resource type "{text}"{hint}') from None
    except AmbiguousResourceError as exc:
        names = ", ".join(f"{c.plural}.{c.version}.{c.group}" for c in exc.candidates)
        raise CliError(f'"{text}" is ambiguous: name one of {names}') from None


def type_name(info: ResourceInfo) -> str:
    """kubectl's name of a resource type in messages: ``pod``, ``deployment.apps``."""
    kind = info.kind.lower()
    return f"{kind}.{info.group}" if info.group else kind


def kind_name(obj: Any) -> str:
    """``deployment.apps/web`` for an object (a dict or a model), as kubectl prints it."""
    data = obj if isinstance(obj, dict) else obj.to_dict()
    api_version = str(data.get("apiVersion") or "")
    group = api_version.rpartition("/")[0] if "/" in api_version else ""
    kind = str(data.get("kind") or "").lower()
    name = (data.get("metadata") or {}).get("name", "")
    return f"{kind}.{group}/{name}" if group else f"{kind}/{name}"


@dataclass
class Target:
    """One resource type and the names asked for (none: every object)."""

    info: ResourceInfo
    names: list[str] = field(default_factory=list)


def targets(client: Client, words: Sequence[str]) -> list[Target]:
    """``TYPE [NAME...]``, ``TYPE1,TYPE2`` or ``TYPE/NAME...`` as kubectl reads them."""
    if not words:
        raise CliError("you must name a resource type (pods, deploy, ...) and the objects")
    if "/" in words[0]:
        found: list[Target] = []
        for word in words:
            kind, slash, name = word.partition("/")
            if not (slash and kind and name):
                raise CliError(f"{word!r}: name every object in TYPE/NAME form, or none")
            info = resolve(client, kind)
            same = [t for t in found if t.info == info]
            if same:
                same[0].names.append(name)
            else:
                found.append(Target(info, [name]))
        return found
    kinds = [k for k in words[0].split(",") if k]
    names = list(words[1:])
    if len(kinds) > 1 and names:
        raise CliError("name objects of several types in TYPE/NAME form")
    return [Target(resolve(client, kind), names) for kind in kinds]


def one_line(text: str) -> str:
    """A message on one line: the server's may hold line breaks."""
    return " ".join(str(text).split())


def message_of(exc: BaseException) -> str:
    """The message a user reads: the server's own for an API error."""
    from rawkube import ApiError

    if isinstance(exc, ApiError) and exc.message:
        return one_line(exc.message)
    return one_line(str(exc))


def report(exc: BaseException) -> None:
    """Print ``error: <message>`` on stderr, kubectl's one line."""
    print(f"error: {message_of(exc)}", file=sys.stderr, flush=True)


REPORTED = (RawkubeError, CliError, ValueError, TypeError, OSError, LookupError)
"""What a command reports as one line (ValueError/TypeError: the library's misuse errors, from
what the user typed; OSError: files)."""


@contextmanager
def progress(text: str, *, after: float = 1.0, stream: Any = None) -> Iterator[None]:
    """A line on stderr saying what is awaited, once the wait passes ``after`` seconds and only
    when stderr is a terminal; it is cleared when the block ends."""
    out = stream if stream is not None else sys.stderr
    if not _is_terminal(out):
        yield
        return
    shown = threading.Event()
    lock = threading.Lock()
    done = False

    def show() -> None:
        with lock:
            if not done:
                out.write(f"\r{text} ...")
                out.flush()
                shown.set()

    timer = threading.Timer(after, show)
    timer.daemon = True  # never keeps the process alive
    timer.start()
    try:
        yield
    finally:
        with lock:
            done = True
        timer.cancel()
        timer.join()
        if shown.is_set():
            out.write("\r\033[K")
            out.flush()


def _is_terminal(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # a closed or unusual stream
        return False

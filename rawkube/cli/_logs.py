"""``rawkube logs``: a pod's log (or the log of the pod a deployment, job, ... selects, or of
each pod a label selector picks), or its lines as they are written with ``-f``."""

from __future__ import annotations

import argparse
import sys
import threading
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from rawkube.cli._common import CliError, make_client, namespace_of, progress, resolve

if TYPE_CHECKING:
    from rawkube import Client

_POD_WORDS = ("pod", "pods", "po")
# Kinds whose spec.selector picks pods: a LabelSelector, or a Service's map of labels.
_SELECTING = frozenset(
    {"Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job"}
    | {"Service", "ReplicationController"}
)
_DEFAULT_CONTAINER = "kubectl.kubernetes.io/default-container"
_SELECTOR_TAIL = 10  # kubectl's --tail when a selector picks the pods


def add_parser(commands: Any, parent: argparse.ArgumentParser) -> None:
    logs = commands.add_parser(
        "logs",
        parents=[parent],
        help="print a pod's log",
        description="POD, TYPE/NAME (deploy/, sts/, ds/, rs/, job/, svc/: the pod kubectl "
        "would pick among the ones it selects) or -l SELECTOR (each selected pod's log).",
    )
    logs.add_argument("pod", nargs="?", metavar="POD|TYPE/NAME", help="the pod, or what runs it")
    logs.add_argument("-l", "--selector", help="each pod of this label selector (app=web)")
    logs.add_argument("-c", "--container", help="the container (default: the pod's first one)")
    logs.add_argument("-f", "--follow", action="store_true", help="print lines as they come")
    logs.add_argument("--tail", type=int, help="only the last N lines (default: all; 10 with -l)")
    logs.add_argument("-p", "--previous", action="store_true", help="the previous instance's log")
    logs.add_argument("--timestamps", action="store_true", help="each line's time first")
    logs.add_argument("--since", type=_seconds, help="only lines newer than 10s, 5m, 1h")
    logs.add_argument(
        "--prefix", action="store_true", help="start each line with [pod/NAME/CONTAINER]"
    )
    logs.add_argument(
        "--max-log-requests",
        type=int,
        default=5,
        help="how many logs -l -f follows at once (default 5)",
    )
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
    if kind not in _POD_WORDS or not name:
        raise CliError(f"only pods are supported here, not {text!r}")
    return name


def run(args: argparse.Namespace) -> int:
    if bool(args.pod) == bool(args.selector):
        raise CliError("only a selector (-l) or a POD name is allowed")
    with make_client(args) as client:
        namespace = namespace_of(args, client)
        if args.selector:
            listed = client.core_v1.pods(namespace).list(label_selector=args.selector)
            pods = [pod.to_dict() for pod in listed.items]
            if not pods:
                print(f"No resources found in {namespace} namespace.", file=sys.stderr)
                return 0
        else:
            pods = [_pod_of(client, namespace, args.pod)]
        tail = args.tail if args.tail is not None else _SELECTOR_TAIL if args.selector else -1
        options: dict[str, Any] = {
            "tail_lines": tail if tail >= 0 else None,
            "previous": args.previous,
            "timestamps": args.timestamps,
            "since_seconds": args.since,
        }
        streams = [(pod, _container(pod, args.container)) for pod in pods]
        if args.follow and len(streams) > 1:
            _follow_all(client, namespace, streams, options, args)
            return 0
        for pod, container in streams:
            name = pod["metadata"]["name"]
            prefix = f"[pod/{name}/{container}] " if args.prefix else ""
            api = client.core_v1.pods(namespace)
            if args.follow:
                for line in api.log(name, container=container, follow=True, **options):
                    print(prefix + line, flush=True)
                continue
            with progress(f"reading the log of pod {name}"):
                text = api.log(name, container=container, **options)
            sys.stdout.write(_prefixed(text, prefix))
            sys.stdout.flush()
    return 0


def _prefixed(text: str, prefix: str) -> str:
    """Each line of ``text`` started with ``prefix`` (an unfinished last line too)."""
    if not prefix:
        return text
    *lines, last = text.split("\n")
    return "".join(f"{prefix}{line}\n" for line in lines) + (prefix + last if last else "")


def _pod_of(client: Client, namespace: str, text: str) -> dict[str, Any]:
    """The pod named, or the one kubectl reads among those a TYPE/NAME selects."""
    from rawkube import selector_matches
    from rawkube.core._log_pod import pod_for_logs

    kind, slash, name = text.partition("/")
    pods = client.core_v1.pods(namespace)
    if not slash or kind in _POD_WORDS:
        return pods.get(pod_name(text)).to_dict()
    if not name:
        raise CliError(f"{text!r}: name the object in TYPE/NAME form")
    info = resolve(client, kind)
    if info.kind == "Pod":
        return pods.get(name).to_dict()
    what = f"{info.kind.lower()}/{name}"
    if info.kind not in _SELECTING:
        raise CliError(f"cannot get the logs from {what}: only a pod or what selects pods")
    owner = client.dynamic.resource(info.gvr).namespace(namespace).get(name)
    selector = (owner.get("spec") or {}).get("selector")
    if not selector:
        raise CliError(f"cannot get the logs from {what}: it has no selector")
    selected = [
        pod.to_dict()
        for pod in pods.list().items
        if selector_matches(selector, pod.metadata.labels or {})
    ]
    chosen = pod_for_logs(selected)
    if chosen is None:
        raise CliError(f"{what} selects no pods")
    if len(selected) > 1:
        print(
            f"Found {len(selected)} pods, using pod/{chosen['metadata']['name']}", file=sys.stderr
        )
    return dict(chosen)


def _container(pod: Mapping[str, Any], asked: str | None) -> str | None:
    """The container asked for, else the pod's default one (its annotation's, else its first),
    said on stderr when the pod has others, as kubectl does."""
    if asked:
        return asked
    spec = pod.get("spec") or {}
    names = [str(c.get("name")) for c in spec.get("containers") or ()]
    if not names:
        return None
    annotations = (pod.get("metadata") or {}).get("annotations") or {}
    if annotations.get(_DEFAULT_CONTAINER) in names:
        return str(annotations[_DEFAULT_CONTAINER])
    if len(names) > 1 or spec.get("initContainers"):
        every = [f"{c.get('name')} (init)" for c in spec.get("initContainers") or ()] + names
        print(f'Defaulted container "{names[0]}" out of: {", ".join(every)}', file=sys.stderr)
    return names[0]


def _follow_all(
    client: Client,
    namespace: str,
    streams: Iterable[tuple[Mapping[str, Any], str | None]],
    options: dict[str, Any],
    args: argparse.Namespace,
) -> None:
    """Follow several logs at once, each line printed whole as it comes."""
    streams = list(streams)
    if len(streams) > args.max_log_requests:
        raise CliError(
            f"you are attempting to follow {len(streams)} log streams, but maximum allowed "
            f"concurrency is {args.max_log_requests}, use --max-log-requests to increase the "
            "limit"
        )
    lock = threading.Lock()
    failures: list[BaseException] = []
    api = client.core_v1.pods(namespace)

    def follow(name: str, container: str | None) -> None:
        prefix = f"[pod/{name}/{container}] " if args.prefix else ""
        try:
            for line in api.log(name, container=container, follow=True, **options):
                with lock:
                    print(prefix + line, flush=True)
        except Exception as exc:  # reported by the main thread, as one error line
            failures.append(exc)

    threads = [
        # daemon: Ctrl-C in the main thread ends the command without waiting for the streams
        threading.Thread(target=follow, args=(pod["metadata"]["name"], container), daemon=True)
        for pod, container in streams
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]

"""``FakeCluster``: the in-memory API server, reached in process, over loopback, or by fixtures."""

from __future__ import annotations

import copy
import secrets
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rawkube.core._clock import SYSTEM_CLOCK, Clock
from rawkube.testing import _defaults
from rawkube.testing._catalog import Catalog, ResourceType
from rawkube.testing._errors import FakeApiError
from rawkube.testing._exec import (
    ExecCall,
    ExecHandler,
    ExecInputHandler,
    PodRuntime,
    PortHandler,
    echo,
)
from rawkube.testing._http import ACTIONS_KEPT, Action, Router
from rawkube.testing._logs import LogLine, PodLogs, split_lines
from rawkube.testing._store import Store

if TYPE_CHECKING:
    from rawkube.client._async_client import AsyncClient
    from rawkube.client._sync_client import Client
    from rawkube.testing._openapi import CustomResourceSchema
    from rawkube.testing._server import FakeServer
    from rawkube.testing._transport import FakeAsyncTransport, FakeTransport

__all__ = ["FakeCluster"]

SERVER = "http://fake-cluster.invalid"
"""Where the server URLs in-process clients are given live: each cluster has a host of its
own under it (:attr:`FakeCluster.server`); nothing ever resolves them."""


class FakeCluster:
    """An in-memory Kubernetes API server with the real server's semantics, kept simple.

    What it does (one store serves every way in):

    * every built-in GA resource of Kubernetes v1.36 and the resources of each
      CustomResourceDefinition created in it; discovery (legacy and aggregated), ``/version``
      and OpenAPI v2/v3 built from rawkube's schema facts;
    * resourceVersions from one counter, uids, timestamps, ``generation``, ``generateName``,
      names checked per resource, namespaces that must exist (``default`` does), 400/404/405/
      409/410/422 Status bodies shaped as the server's (405 for a method a path has no route
      for: a write across namespaces, PUT or PATCH on a collection), the status subresource
      kept apart, scale, eviction and binding;
    * label and field selectors, ``limit``/``continue`` paging read at the first page's
      snapshot, list and watch from a resourceVersion within the last ``watch_window`` writes
      (older: 410, as the server answers), bookmarks every ``bookmark_interval`` seconds,
      ``sendInitialEvents``, watch timeouts;
    * merge, JSON, strategic merge and server-side apply patches, with ``managedFields``;
    * deletion as the server answers it (``_deletion``): finalizers and ``deletionTimestamp``,
      the garbage collector (Background, Foreground, Orphan) and the namespace controller,
      run at once inside the write that sets them off; preconditions; grace periods are
      taken as immediate; dry-run on every write;
    * request bodies read as the server reads them: at most 3 MiB (413), JSON nested at
      most 200 levels (Go allows 10,000; deeper than that is Go's own 400), wrongly typed
      fields refused with Go's decode errors (400) and metadata validated as the server
      does (422: names, labels, annotations, owner references, finalizers), so that nothing
      the server would refuse is stored;
    * ``pods/log`` with the kubelet's options over the lines a test sets (:meth:`set_logs`);
    * the last ``actions_kept`` requests recorded for :meth:`actions` (10,000 by default);
    * exec, attach and port-forward over WebSocket (``v5.channel.k8s.io`` and
      ``v4.channel.k8s.io``), in process and on loopback (``kubectl exec``, ``attach`` and
      ``cp`` work): what a command does is a function of the test's (:meth:`on_exec`), what a
      port answers too (:meth:`on_port`), and each container has in-memory files
      (:meth:`files`) that built-in ``tar``, ``test``, ``cat`` and ``echo`` use. A pod needs
      ``spec.nodeName`` for these, as on a real cluster (400 otherwise).

    What it does not: no other controllers run (a Deployment makes no ReplicaSet or Pods), no
    admission, no authorization, no conversion between versions of a CRD (each version
    stores its objects apart). Clients in the process (:meth:`client`) need no credentials;
    :meth:`serve` asks for a bearer token by default.

    Time is ``clock``'s (rawkube's ``Clock``; a ``FakeClock`` in tests): timestamps, watch
    timeouts and bookmarks all read it. On a fake clock, a watch with nothing to send moves
    the clock on to its next bookmark or timeout after a few real milliseconds, so tests never
    wait for real.
    """

    def __init__(
        self,
        objects: Iterable[Any] = (),
        *,
        clock: Clock | None = None,
        watch_window: int = 1000,
        bookmark_interval: float = 60.0,
        watch_timeout: float = 1800.0,
        actions_kept: int = ACTIONS_KEPT,
    ) -> None:
        self.clock = clock if clock is not None else SYSTEM_CLOCK
        self.store = Store(Catalog(), self.clock, watch_window)
        self.bookmark_interval = bookmark_interval
        self.watch_timeout = watch_timeout
        """``timeoutSeconds`` of a watch that names none (the server's default is 30-60 min)."""
        self.router = Router(self, actions_kept)
        self.pod_runtime = PodRuntime(self.clock)
        """The exec and port handlers, container files and exec calls (see :meth:`on_exec`)."""
        self.pod_logs = PodLogs()
        """The containers' logs ``pods/log`` reads (see :meth:`set_logs`)."""
        self.server = SERVER.replace("://", f"://{secrets.token_hex(6)}.", 1)
        """The URL of this cluster's in-process clients: a host of its own, so that nothing a
        client keys by server (a discovery cache) is shared with another cluster."""
        self._seed([_as_dict(obj) for obj in objects])

    def _seed(self, objects: list[dict[str, Any]]) -> None:
        """Store the objects a cluster starts with, namespaces first and ``default`` among them
        unless given; the rest in the order of their resourceVersions, so that each keeps its
        own (see :meth:`create`)."""

        def version(obj: Mapping[str, Any]) -> int:
            given = (obj.get("metadata") or {}).get("resourceVersion")
            return int(given) if isinstance(given, str) and given.isdigit() else 0

        namespaces = [o for o in objects if (o.get("apiVersion"), o.get("kind")) == _NAMESPACE]
        rest = [o for o in objects if (o.get("apiVersion"), o.get("kind")) != _NAMESPACE]
        named = {(o.get("metadata") or {}).get("name") for o in namespaces}
        if "default" not in named:
            self.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "default"}})
        for obj in sorted(namespaces, key=version) + sorted(rest, key=version):
            self.create(obj)

    def __repr__(self) -> str:
        return f"FakeCluster(resource_version={self.store.version})"

    # --- clients ------------------------------------------------------------------------------

    def transport(self) -> FakeTransport:
        """An httpx transport answering from this cluster (for ``httpx.Client(transport=)``)."""
        from rawkube.testing._transport import FakeTransport

        return FakeTransport(self)

    def async_transport(self) -> FakeAsyncTransport:
        """The asyncio twin of :meth:`transport`."""
        from rawkube.testing._transport import FakeAsyncTransport

        return FakeAsyncTransport(self)

    def client(self, namespace: str = "default") -> Client:
        """A real :class:`rawkube.Client` talking to this cluster, with no sockets.

        Its discovery is kept in memory only: nothing is cached on disk between clusters.
        """
        from rawkube.client._sync_client import Client
        from rawkube.client._sync_discovery import Discovery
        from rawkube.config import Config

        config = Config(
            server=self.server, namespace=namespace, clock=self.clock, source="fake cluster"
        )
        client = Client(config, transport=self.transport())
        # Nothing on disk: a test writes nothing outside its temporary directories, and a
        # cache outliving the cluster could hand a later one its resources (and CRD scopes).
        client._discovery = Discovery(client, disk_cache=False)
        return client

    def async_client(self, namespace: str = "default") -> AsyncClient:
        """A real :class:`rawkube.AsyncClient` talking to this cluster, with no sockets."""
        from rawkube.client._async_client import AsyncClient
        from rawkube.client._async_discovery import AsyncDiscovery
        from rawkube.config import Config

        config = Config(
            server=self.server, namespace=namespace, clock=self.clock, source="fake cluster"
        )
        client = AsyncClient(config, transport=self.async_transport())
        client._discovery = AsyncDiscovery(client, disk_cache=False)  # as in client()
        return client

    def serve(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        auth: bool = True,
        header_timeout: float = 10.0,
        idle_timeout: float = 90.0,
        max_connections: int = 256,
    ) -> FakeServer:
        """Serve this cluster over HTTP on loopback (in a thread) for any client or kubectl.

        Requests need the server's bearer token (in the kubeconfig it writes) unless
        ``auth`` is false; see :class:`~rawkube.testing.FakeServer` for the rest.
        """
        from rawkube.testing._server import FakeServer

        return FakeServer(
            self,
            host,
            port,
            auth=auth,
            header_timeout=header_timeout,
            idle_timeout=idle_timeout,
            max_connections=max_connections,
        )

    # --- seeding ------------------------------------------------------------------------------

    def create(self, obj: Any) -> dict[str, Any]:
        """Store an object as given (a dict or a rawkube model), status included.

        What the server would set is kept when given, so that owner chains and old objects
        can be seeded: ``uid``, ``resourceVersion`` (a number: the next write gets a higher
        one), ``creationTimestamp``, ``deletionTimestamp`` (with
        ``deletionGracePeriodSeconds``: an object being deleted, held by its finalizers)
        and ``generation``; the rest is filled in as on a create. Timestamps are kept to the
        second, in UTC, as the server keeps them. Seeding sets off no controller: the
        garbage collector acts on what later requests do (a seeded object whose owner was
        never seeded stays).

        Its namespace is created first when missing (a seeded namespace may be terminating
        and still take objects). Returns the stored object. Raises ``ValueError`` for a kind
        the cluster does not serve, an object the server would refuse (with the server's
        message), a uid another object has, or a resourceVersion that is not a number.
        """
        data = _as_dict(obj)
        resource = self._resource_of(data)
        # Defaulted as the server defaults what it stores (a seeded Deployment has its
        # strategy, a pod its restartPolicy), so that the first write to a seed changes only
        # what it says; what the seed gives is kept.
        _defaults.apply(resource, data)
        _defaults.apply_create(resource, data)
        metadata = data.get("metadata") or {}
        namespace = (metadata.get("namespace") or "default") if resource.namespaced else ""
        try:
            with self.store.lock:
                if resource.namespaced and not self._has_namespace(namespace):
                    self.create(
                        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}}
                    )
                return self.store.create(resource, namespace, data, keep_status=True, seed=True)
        except FakeApiError as exc:
            raise ValueError(exc.message) from None

    def load_yaml(self, text: str | bytes | Path) -> list[dict[str, Any]]:
        """Store every object of a YAML stream (as :func:`rawkube.load_all_yaml` reads it)."""
        from rawkube.models._yaml import load_all_yaml

        return [self.create(obj) for obj in load_all_yaml(text)]

    def _has_namespace(self, name: str) -> bool:
        namespaces = self.store.catalog.lookup("", "v1", "namespaces")
        assert namespaces is not None
        return ("", name) in self.store.objects(namespaces)

    def _resource_of(self, data: Mapping[str, Any]) -> ResourceType:
        api_version, kind = data.get("apiVersion"), data.get("kind")
        if not isinstance(api_version, str) or not isinstance(kind, str):
            raise ValueError("an object to store needs apiVersion and kind")
        with self.store.lock:
            resource = self.store.catalog.by_kind(api_version, kind)
        if resource is None:
            raise ValueError(f"the fake cluster serves no {kind} in {api_version}")
        return resource

    # --- inspection ---------------------------------------------------------------------------

    def objects(
        self, kind: str | None = None, namespace: str | None = None
    ) -> list[dict[str, Any]]:
        """The stored objects (copies), of one kind and namespace when given, in name order."""
        found = [
            obj
            for resource, obj in self.store.all_objects()
            if (kind is None or resource.kind == kind)
            and (namespace is None or (obj["metadata"].get("namespace") or "") == namespace)
        ]
        return sorted(
            found,
            key=lambda o: (o["kind"], o["metadata"].get("namespace", ""), o["metadata"]["name"]),
        )

    def actions(self) -> list[Action]:
        """The requests served, oldest first (a copy): the last ``actions_kept`` of them.

        Fewer when their bodies add up to over 64 MiB: the oldest go first.
        """
        with self.store.lock:
            return list(self.router.actions)

    def clear_actions(self) -> None:
        """Forget the requests served so far."""
        with self.store.lock:
            self.router.actions.clear()

    @property
    def resource_version(self) -> str:
        """The resourceVersion of the latest write."""
        return str(self.store.version)

    # --- time and logs ------------------------------------------------------------------------

    def advance(self, seconds: float) -> None:
        """Move a fake clock on and let waiting watches see the new time (bookmarks, timeouts)."""
        advance = getattr(self.clock, "advance", None)
        if advance is None:
            raise TypeError("advance() needs a clock that can be moved, such as FakeClock")
        advance(seconds)
        self.store.notify()

    def drop_watches(self) -> None:
        """End every open watch at once, as a dropped connection would (no final bookmark)."""
        with self.store.lock:
            self.store.cuts += 1
        self.store.notify()

    def stall_watches(self) -> None:
        """Make every open watch go silent, connection kept open, as behind a dead peer.

        Only a client's read timeout notices; watches opened later are not affected.
        """
        with self.store.lock:
            self.store.stalls += 1
        self.store.notify()

    def set_logs(
        self,
        namespace: str,
        pod: str,
        text: str | Iterable[tuple[datetime, str]],
        container: str | None = None,
        *,
        previous: bool = False,
    ) -> None:
        """What ``pods/log`` reads for a pod's container (``None``: each one without its own).

        ``text`` is the log as written now (on the cluster's clock), or ``(time, line)``
        pairs, each line written at its time (a naive time is UTC), which ``sinceSeconds``,
        ``sinceTime`` and ``timestamps`` read. ``previous`` sets the log of the container's
        last terminated instance (``previous=true``; without one that is the kubelet's
        400). As on a cluster, the pod needs ``spec.nodeName``: a pod no node runs has no
        log (204, empty). Setting again replaces.
        """
        if isinstance(text, str):
            lines = split_lines(text, self.clock.now())
        else:
            lines = []
            for at, line in text:
                when = at if at.tzinfo is not None else at.replace(tzinfo=timezone.utc)
                lines.append(LogLine(when, line if line.endswith("\n") else line + "\n"))
        self.pod_logs.set(namespace, pod, container, lines, previous=previous)

    def logs_of(self, namespace: str, pod: str, container: str | None) -> str:
        """The log text set for a pod's container (or the pod), else empty."""
        lines = self.pod_logs.lines(namespace, pod, container)
        return "".join(line.text for line in lines or ())

    # --- inside the pods ----------------------------------------------------------------------

    def on_exec(
        self,
        handler: ExecHandler,
        *,
        namespace: str | None = None,
        pod: str | None = None,
        container: str | None = None,
    ) -> None:
        """Say what a command does in the matching containers (None matches any).

        ``handler(call)`` gets an :class:`~rawkube.testing.ExecCall` once the client has
        closed stdin (at once when it sent none) and returns an
        :class:`~rawkube.testing.ExecReply`, a ``(stdout, stderr, exit_code)`` tuple (text or
        bytes), or None to leave the command to the built-ins (``tar``, ``test``, ``cat``,
        ``echo``, ``true``, ``false``); a command nobody runs fails as containerd fails one
        that is not in the image. Raising :class:`~rawkube.testing.HangUp` drops the
        connection mid-stream. The most specific registration wins: one naming the pod over
        one that does not, then one naming the container, then the namespace; the latest among
        equals. Registering the same namespace, pod and container again replaces the handler.

        ``pods/attach`` calls the same handler with ``call.attach`` true and ``call.command``
        the container's own (its spec's ``command`` and ``args``); an attach ends with a
        success status whatever the exit code, as the kubelet's does, and with no handler it
        ends at once with no output. Handlers run in the thread serving the connection (on
        loopback, a worker thread of the server): keep them quick.
        """
        self.pod_runtime.on_exec(handler, namespace, pod, container)

    def on_exec_input(
        self,
        handler: ExecInputHandler,
        *,
        namespace: str | None = None,
        pod: str | None = None,
        container: str | None = None,
    ) -> None:
        """Say what a command in the matching containers answers while it reads its stdin,
        to test an interactive client (``exec -it``, a stream of lines).

        ``handler(call, data)`` is called with each piece of stdin as it arrives (``call``
        holds the stdin and terminal resizes seen so far) and returns what to send back at
        once (text or bytes: on stdout, or the terminal), or an
        :class:`~rawkube.testing.ExecReply` to end the command there with its stdin still open,
        as a shell ends on ``exit``. A command that has not ended so runs its :meth:`on_exec`
        handler once stdin closes. Matching works as in :meth:`on_exec`; handlers run in the
        thread serving the connection.
        """
        self.pod_runtime.on_exec_input(handler, namespace, pod, container)

    def on_port(
        self,
        port: int,
        handler: PortHandler = echo,
        *,
        namespace: str | None = None,
        pod: str | None = None,
    ) -> None:
        """Say what a pod's ``port`` answers through port-forward: ``handler(data)`` is called
        with each piece of data a client sends and its return is sent back (:func:`echo` by
        default). A port with no handler is refused as containerd refuses a port nothing
        listens on; matching works as in :meth:`on_exec`.
        """
        self.pod_runtime.on_port(port, handler, namespace, pod)

    def files(self, namespace: str, pod: str, container: str | None = None) -> dict[str, bytes]:
        """A container's files: a live ``dict`` of absolute paths to contents, to fill or read.

        ``container=None`` gives the files shared by every container of the pod that has none
        of its own. A key ending in ``/`` is an empty folder; folders are otherwise implied by
        the files in them, and ``/`` and ``/tmp`` always exist. ``kubectl cp`` reads and writes
        them through the built-in ``tar``.
        """
        return self.pod_runtime.files(namespace, pod, container)

    @property
    def exec_calls(self) -> list[ExecCall]:
        """The exec and attach calls seen, oldest first (a copy): the last 1,000 of them, fewer
        when their stdin adds up to over 64 MiB."""
        return self.pod_runtime.calls()

    def custom_schemas(self) -> list[CustomResourceSchema]:
        """The served versions of every CRD, for the OpenAPI documents."""
        from rawkube.testing._openapi import CustomResourceSchema

        with self.store.lock:
            return [
                CustomResourceSchema(
                    group=r.group,
                    version=r.version,
                    kind=r.kind,
                    plural=r.plural,
                    namespaced=r.namespaced,
                    schema=dict(r.schema) if r.schema is not None else None,
                )
                for r in self.store.catalog.types()
                if r.crd is not None
            ]


_NAMESPACE = ("v1", "Namespace")


def _as_dict(obj: Any) -> dict[str, Any]:
    if isinstance(obj, Mapping):
        return copy.deepcopy(dict(obj))  # defaults fill it in: the caller's stays as it was
    to_dict = getattr(obj, "to_dict", None)
    if to_dict is None:
        raise TypeError(f"cannot store a {type(obj).__name__}: give a dict or a rawkube model")
    found: dict[str, Any] = to_dict()
    return found

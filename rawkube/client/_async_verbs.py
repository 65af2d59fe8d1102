"""Every verb of one resource, awaited: the methods ``AsyncApi`` and ``AsyncDynamicApi`` share.

Written by hand; ``rawkube/client/_sync_verbs.py``, the blocking twin, is generated from this
file by ``scripts/unasync.py`` (``await`` dropped, ``Async`` names made plain), so the two
cannot drift apart. Both only send what :class:`~rawkube.core._calls.ResourceCore` plans and
return what it reads.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar, overload

from rawkube.client._watch_stream import (
    DEFAULT_IDLE_TIMEOUT,
    DEFAULT_WATCH_TIMEOUT,
    AsyncWatch,
    read_timeout,
)
from rawkube.client._websocket import (
    ExecResult,
    PortSpec,
    as_bytes,
    attach_params,
    exec_params,
    parse_ports,
)
from rawkube.core._api_errors import GoneError, NotFoundError
from rawkube.core._calls import (
    METADATA_ACCEPT,
    TABLE_ACCEPT,
    WATCH_METADATA_ACCEPT,
    Call,
    FieldValidation,
    PatchType,
    PropagationPolicy,
    ResourceCore,
    ResourceVersionMatch,
)
from rawkube.core._clock import Deadline
from rawkube.core._exceptions import TransportError
from rawkube.core._framing import TextLines
from rawkube.core._pager import check_page_size, collect, page_of, pages
from rawkube.core._request import Result, _positive_seconds
from rawkube.core._resource import GroupVersionResource
from rawkube.core._wait import (
    WaitState,
    object_words,
    parse_for,
    resource_version,
    wait_timeout,
)
from rawkube.core._watch_decoder import WatchDecoder

if TYPE_CHECKING:
    from rawkube.client._async_client import AsyncClient
    from rawkube.client._async_exec import AsyncExecProcess
    from rawkube.client._async_port_forward import AsyncPortForwardStream
    from rawkube.client._async_retry_watch import AsyncRetryWatcher
    from rawkube.client._forward_asyncio import AsyncPortForward
    from rawkube.config import Config
    from rawkube.core._request import ApiRequest
    from rawkube.models.meta_v1 import (
        PartialObjectMetadata,
        PartialObjectMetadataList,
        Table,
    )

T = TypeVar("T")
L = TypeVar("L")
S = TypeVar("S")
C = TypeVar("C")

MAX_LOG_LINE_BYTES = 1 << 20
"""The longest line of a followed log held before it is refused (``max_line_bytes``)."""


class _AsyncVerbs(Generic[T, L, S, C]):
    """Every verb of one resource on a client (:class:`~rawkube.AsyncClient`): objects ``T``,
    lists ``L``.

    Each method sends one request (``iter`` one per page) and raises
    :class:`~rawkube.ApiError` subclasses for error answers.
    """

    def __init__(self, client: AsyncClient, core: ResourceCore[T, L, S, C]) -> None:
        self._client = client
        self._core = core

    @property
    def config(self) -> Config:
        """The configuration of the client this interface sends with."""
        return self._client.config

    @property
    def address(self) -> tuple[GroupVersionResource, str | None]:
        """The resource addressed and its namespace (None: cluster-scoped or all namespaces)."""
        info = self._core.info
        gvr = GroupVersionResource(info.group, info.version, info.plural)
        return gvr, None if self._core.all_namespaces else self._core.namespace

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._core!r}>"

    async def _send(self, call: Call) -> Result:
        start = self._client.patch(call.patch_type) if call.patch_type else None
        builder = start if start is not None else self._client.verb(call.method)
        return await self._core.apply_to(builder, call).do()  # type: ignore[attr-defined, no-any-return]

    async def _collect(self, first: Call, read: Callable[[Result], Any]) -> Any:
        """Drive :func:`~rawkube.core._pager.collect`: each page sent, parsed once, handed back."""
        flow = collect(first)
        call = next(flow)
        while True:
            try:
                answer = read(await self._send(call))
            except GoneError as exc:
                step = partial(flow.throw, exc)
            else:
                step = partial(flow.send, answer)
            try:
                call = step()
            except StopIteration as done:
                return done.value

    async def get(self, name: str, *, resource_version: str | None = None) -> T:
        """The object named ``name``; raises :class:`~rawkube.NotFoundError` when absent."""
        return self._core.read(await self._send(self._core.get(name, resource_version)))

    async def get_status(self, name: str) -> T:
        """The object through its ``status`` subresource."""
        return self._core.read(await self._send(self._core.get_subresource(name, "status")))

    async def list(
        self,
        *,
        label_selector: str | Mapping[str, str] | None = None,
        field_selector: str | Mapping[str, str] | None = None,
        limit: int | None = None,
        continue_: str | None = None,
        resource_version: str | None = None,
        resource_version_match: ResourceVersionMatch | None = None,
        timeout_seconds: int | None = None,
        page_size: int | None = None,
    ) -> L:
        """The objects as the resource's List model: all of them, or one page with ``limit``.

        ``page_size=N`` reads them all, N at a time, as one consistent list (client-go's
        pager): if the snapshot expires mid-way (410), the pages read are dropped and one full
        list is read instead, so no object is missing or repeated and the answer's
        resourceVersion is one to watch from. With ``limit``, one page: pass its
        ``metadata.continue`` as ``continue_`` for the next; a token that expired meanwhile
        raises :class:`~rawkube.GoneError` (its body carries the inconsistent-continue token).
        """
        check_page_size(page_size, limit, continue_)
        call = self._core.list(
            label_selector=label_selector,
            field_selector=field_selector,
            limit=limit if page_size is None else page_size,
            continue_=continue_,
            resource_version=resource_version,
            resource_version_match=resource_version_match,
            timeout_seconds=timeout_seconds,
        )
        if page_size is None:
            return self._core.read_list(await self._send(call))
        return await self._collect(call, self._core.read_list)  # type: ignore[no-any-return]

    async def iter(
        self,
        *,
        label_selector: str | Mapping[str, str] | None = None,
        field_selector: str | Mapping[str, str] | None = None,
        limit: int = 500,
        timeout_seconds: int | None = None,
        allow_inconsistent: bool = False,
    ) -> AsyncIterator[T]:
        """Every object, fetched ``limit`` at a time as the iteration reaches each page.

        An expired continue token raises :class:`~rawkube.GoneError` (its body carries the
        server's inconsistent-continue token), or, with ``allow_inconsistent``, goes on from it.
        """
        first = self._core.list(
            label_selector=label_selector,
            field_selector=field_selector,
            limit=limit,
            continue_=None,
            resource_version=None,
            resource_version_match=None,
            timeout_seconds=timeout_seconds,
        )
        flow = pages(first, allow_inconsistent)
        call = next(flow)
        while True:
            try:
                answer = self._core.read_list(await self._send(call))
            except GoneError as exc:
                call = flow.throw(exc)
                continue
            for item in page_of(answer).items:
                yield item
            try:
                call = flow.send(answer)
            except StopIteration:
                return

    async def list_table(
        self,
        *,
        label_selector: str | Mapping[str, str] | None = None,
        field_selector: str | Mapping[str, str] | None = None,
        limit: int | None = None,
    ) -> Table:
        """The server's Table of the objects (kubectl's columns)."""
        call = self._core.list(
            label_selector=label_selector,
            field_selector=field_selector,
            limit=limit,
            continue_=None,
            resource_version=None,
            resource_version_match=None,
            timeout_seconds=None,
            accept=TABLE_ACCEPT,
        )
        return self._core.read_table(await self._send(call))

    async def list_metadata(
        self,
        *,
        label_selector: str | Mapping[str, str] | None = None,
        field_selector: str | Mapping[str, str] | None = None,
        limit: int | None = None,
        continue_: str | None = None,
        page_size: int | None = None,
    ) -> PartialObjectMetadataList:
        """Only the objects' metadata (PartialObjectMetadataList): the usual memory saver.

        ``limit``, ``continue_`` and ``page_size`` page as :meth:`list` does.
        """
        check_page_size(page_size, limit, continue_)
        call = self._core.list(
            label_selector=label_selector,
            field_selector=field_selector,
            limit=limit if page_size is None else page_size,
            continue_=continue_,
            resource_version=None,
            resource_version_match=None,
            timeout_seconds=None,
            accept=METADATA_ACCEPT,
        )
        if page_size is None:
            return self._core.read_metadata(await self._send(call))
        return await self._collect(call, self._core.read_metadata)  # type: ignore[no-any-return]

    async def create(
        self,
        obj: T | Mapping[str, Any],
        *,
        dry_run: bool = False,
        field_manager: str | None = None,
        field_validation: FieldValidation | None = None,
    ) -> T:
        """Create ``obj``; the server's copy is returned (``dry_run=True``: nothing is kept)."""
        options = self._core.write_options(dry_run, field_manager, field_validation)
        return self._core.read(await self._send(self._core.create(obj, options)))

    async def update(
        self,
        obj: T | Mapping[str, Any],
        *,
        dry_run: bool = False,
        field_manager: str | None = None,
        field_validation: FieldValidation | None = None,
    ) -> T:
        """Replace the object named by ``obj.metadata.name`` (a stale one: ConflictError)."""
        options = self._core.write_options(dry_run, field_manager, field_validation)
        return self._core.read(await self._send(self._core.update(obj, options)))

    async def update_status(
        self,
        obj: T | Mapping[str, Any],
        *,
        dry_run: bool = False,
        field_manager: str | None = None,
        field_validation: FieldValidation | None = None,
    ) -> T:
        """Replace the object's status through its ``status`` subresource."""
        options = self._core.write_options(dry_run, field_manager, field_validation)
        return self._core.read(await self._send(self._core.update(obj, options, "status")))

    async def patch(
        self,
        name: str,
        patch: Any,
        *,
        patch_type: PatchType = "merge",
        dry_run: bool = False,
        field_manager: str | None = None,
        field_validation: FieldValidation | None = None,
        subresource: str | None = None,
    ) -> T:
        """Patch the object: a merge (default), JSON, strategic-merge or apply patch."""
        options = self._core.write_options(dry_run, field_manager, field_validation)
        call = self._core.patch(name, patch, patch_type, options, subresource)
        return self._core.read(await self._send(call))

    async def patch_status(
        self,
        name: str,
        patch: Any,
        *,
        patch_type: PatchType = "merge",
        dry_run: bool = False,
        field_manager: str | None = None,
    ) -> T:
        """Patch the object's status through its ``status`` subresource."""
        options = self._core.write_options(dry_run, field_manager, None)
        call = self._core.patch(name, patch, patch_type, options, "status")
        return self._core.read(await self._send(call))

    async def apply(
        self,
        obj: T | Mapping[str, Any],
        *,
        field_manager: str,
        force: bool = False,
        dry_run: bool = False,
        keep_resource_version: bool = False,
    ) -> T:
        """Server-side apply ``obj`` as ``field_manager``; ``force`` takes fields from others.

        Sends the object's apiVersion and kind, without ``metadata.managedFields`` and (unless
        ``keep_resource_version``, to make it a precondition) ``metadata.resourceVersion``.
        """
        call = self._core.apply(
            obj,
            field_manager=field_manager,
            force=force,
            dry_run=dry_run,
            keep_resource_version=keep_resource_version,
        )
        return self._core.read(await self._send(call))

    async def apply_status(
        self,
        obj: T | Mapping[str, Any],
        *,
        field_manager: str,
        force: bool = False,
        dry_run: bool = False,
    ) -> T:
        """Server-side apply ``obj``'s status through the ``status`` subresource."""
        call = self._core.apply(
            obj,
            field_manager=field_manager,
            force=force,
            dry_run=dry_run,
            keep_resource_version=False,
            subresource="status",
        )
        return self._core.read(await self._send(call))

    async def delete(
        self,
        name: str,
        *,
        propagation_policy: PropagationPolicy | None = None,
        grace_period_seconds: int | None = None,
        preconditions: Mapping[str, str] | None = None,
        dry_run: bool = False,
    ) -> T | S:
        """Delete the object: the object while finalizers hold it, else the server's Status."""
        call = self._core.delete(
            name,
            propagation_policy=propagation_policy,
            grace_period_seconds=grace_period_seconds,
            preconditions=preconditions,
            dry_run=dry_run,
        )
        return self._core.read_object_or_status(await self._send(call))

    async def delete_collection(
        self,
        *,
        label_selector: str | Mapping[str, str] | None = None,
        field_selector: str | Mapping[str, str] | None = None,
        propagation_policy: PropagationPolicy | None = None,
        grace_period_seconds: int | None = None,
        dry_run: bool = False,
    ) -> L | S:
        """Delete every object the selectors match: the List of what went, or a Status."""
        selection = self._core.list(
            label_selector=label_selector,
            field_selector=field_selector,
            limit=None,
            continue_=None,
            resource_version=None,
            resource_version_match=None,
            timeout_seconds=None,
        )
        call = self._core.delete(
            None,
            propagation_policy=propagation_policy,
            grace_period_seconds=grace_period_seconds,
            preconditions=None,
            dry_run=dry_run,
            params=selection.params,
        )
        return self._core.read_list_or_status(await self._send(call))

    async def get_scale(self, name: str) -> C:
        """The ``scale`` subresource (Deployments, StatefulSets, ReplicaSets, ...)."""
        call = Call("GET", self._core.subresource(name, "scale"), "scale")
        return self._core.read_scale(await self._send(call))

    async def update_scale(self, name: str, scale: C | Mapping[str, Any]) -> C:
        """Replace the ``scale`` subresource (its ``spec.replicas``)."""
        call = Call("PUT", self._core.subresource(name, "scale"), "scale", body=scale)
        return self._core.read_scale(await self._send(call))

    async def patch_scale(self, name: str, patch: Any, *, patch_type: PatchType = "merge") -> C:
        """Patch the ``scale`` subresource (``{"spec": {"replicas": 3}}``)."""
        call = self._core.patch(
            self._core.subresource(name, "scale"), patch, patch_type, (), "scale"
        )
        return self._core.read_scale(await self._send(call))

    async def evict(self, name: str, *, delete_options: Mapping[str, Any] | None = None) -> S:
        """Evict a pod (the Eviction API, which honours PodDisruptionBudgets).

        A budget that forbids it answers 429 (:class:`~rawkube.TooManyRequestsError`).
        """
        return self._core.read_status(await self._send(self._core.evict(name, delete_options)))

    async def bind(self, name: str, node: str) -> S:
        """Bind a pod to ``node``, as a scheduler does."""
        return self._core.read_status(await self._send(self._core.bind(name, node)))

    @overload
    async def log(
        self,
        name: str,
        *,
        container: str | None = ...,
        follow: Literal[False] = ...,
        since_seconds: int | None = ...,
        tail_lines: int | None = ...,
        timestamps: bool = ...,
        previous: bool = ...,
        max_line_bytes: int = ...,
    ) -> str: ...

    @overload
    async def log(
        self,
        name: str,
        *,
        container: str | None = ...,
        follow: Literal[True],
        since_seconds: int | None = ...,
        tail_lines: int | None = ...,
        timestamps: bool = ...,
        previous: bool = ...,
        max_line_bytes: int = ...,
    ) -> AsyncIterator[str]: ...

    async def log(
        self,
        name: str,
        *,
        container: str | None = None,
        follow: bool = False,
        since_seconds: int | None = None,
        tail_lines: int | None = None,
        timestamps: bool = False,
        previous: bool = False,
        max_line_bytes: int = MAX_LOG_LINE_BYTES,
    ) -> str | AsyncIterator[str]:
        """A pod's log as text; with ``follow=True``, an iterator of its lines as they are written.

        The followed log is read as it arrives, with no read timeout; the request is sent
        when the iteration starts, and closing the iterator closes the connection. A line
        longer than ``max_line_bytes`` (1 MiB unless given) raises :class:`~rawkube.DecodeError`
        rather than being held in memory without end.
        """
        call = self._core.log(
            name,
            container=container,
            follow=follow,
            since_seconds=since_seconds,
            tail_lines=tail_lines,
            timestamps=timestamps,
            previous=previous,
        )
        if not follow:
            return (await self._send(call)).raw().decode("utf-8", "replace")
        return self._follow(call, TextLines(max_line_bytes))

    async def _follow(self, call: Call, lines: TextLines) -> AsyncIterator[str]:
        request = self._client.get()
        self._core.apply_to(request, call)
        async with request.stream() as chunks:
            async for chunk in chunks:
                for line in lines.feed(chunk):
                    yield line
        for line in lines.close():
            yield line

    async def exec(
        self,
        name: str,
        command: Sequence[str],
        *,
        container: str | None = None,
        stdin: bytes | str | None = None,
        tty: bool = False,
        timeout: float | None = None,
    ) -> ExecResult:
        """Run ``command`` (the argument list: ``["sh", "-c", "ls -l"]``) in the pod to its end,
        as ``kubectl exec`` does, and return its stdout, stderr and exit code.

        A non-zero exit is a result, not an error. ``stdin`` (text as UTF-8) is sent, then
        closed (on a server speaking only the v4 protocol, older than Kubernetes 1.30, it
        cannot be closed: a command reading to its end then runs into ``timeout``). With
        ``tty``, stderr comes merged into stdout. ``timeout`` bounds the whole run, connecting
        included; past it, :class:`~rawkube.RequestTimeoutError` (the command may go on in
        the container). A command that cannot start raises the server's
        :class:`~rawkube.ApiError` (a pod with no node: :class:`~rawkube.BadRequestError`; a
        program not found: :class:`~rawkube.InternalServerError`); a connection ending before
        the exit status, :class:`~rawkube.WebSocketClosedError`.
        """
        from rawkube.client._async_exec import AsyncExecProcess, run

        data = None if stdin is None else as_bytes("stdin", stdin)
        params = exec_params(
            command, container=container, stdin=data is not None, stdout=True, stderr=True, tty=tty
        )
        deadline = None if timeout is None else Deadline(_positive_seconds("timeout", timeout))
        process = AsyncExecProcess(
            self._client._transport,
            self._upgrade(name, "exec", params),
            stdin=data is not None,
            deadline=deadline,
        )
        return await run(process, data)

    def stream_exec(
        self,
        name: str,
        command: Sequence[str],
        *,
        container: str | None = None,
        stdin: bool = False,
        stdout: bool = True,
        stderr: bool = True,
        tty: bool = False,
    ) -> AsyncExecProcess:
        """Start ``command`` in the pod and talk to it as it runs: ``async with`` gives an
        :class:`~rawkube.AsyncExecProcess` (stdin to write with ``stdin=True``, stdout and
        stderr to read as they come, a terminal to resize with ``tty=True``, the exit code).

        Nothing is sent until the ``async with``; entering it raises the server's ApiError
        when the command cannot start.
        """
        from rawkube.client._async_exec import AsyncExecProcess

        params = exec_params(
            command, container=container, stdin=stdin, stdout=stdout, stderr=stderr, tty=tty
        )
        return AsyncExecProcess(
            self._client._transport, self._upgrade(name, "exec", params), stdin=stdin
        )

    def attach(
        self, name: str, *, container: str | None = None, stdin: bool = False, tty: bool = False
    ) -> AsyncExecProcess:
        """Join the running container's own process, as ``kubectl attach`` does: the same
        :class:`~rawkube.AsyncExecProcess` as :meth:`stream_exec` gives (with ``tty``, stderr
        comes merged into stdout). Leaving the ``async with`` detaches; the process goes on.
        """
        from rawkube.client._async_exec import AsyncExecProcess

        params = attach_params(container, stdin, True, not tty, tty)
        return AsyncExecProcess(
            self._client._transport, self._upgrade(name, "attach", params), stdin=stdin
        )

    def port_forward(
        self, name: str, ports: Sequence[PortSpec] | PortSpec, *, address: str = "127.0.0.1"
    ) -> AsyncPortForward:
        """Forward local ports to the pod's while the ``async with`` block runs, as ``kubectl
        port-forward`` does: each connection accepted on a local port reaches the pod's port
        over a WebSocket of its own.

        ``ports`` as kubectl takes them: ``8080`` (the same port here and there),
        ``"5000:8080"`` or ``(5000, 8080)`` (local 5000 to the pod's 8080), ``":8080"`` or
        ``(0, 8080)`` (a free local port); the ports bound are the block's ``ports``
        (``(local, remote)`` pairs) and ``local_port(remote)``. Entering it raises OSError when
        a local port cannot be listened on.
        """
        from rawkube.client._forward_asyncio import AsyncPortForward

        pairs = parse_ports(ports)
        self._core.subresource(name, "portforward")  # a resource without it is refused now
        return AsyncPortForward(
            partial(self.forward, name), pairs, address=address, where=f"pod {name}"
        )

    def forward(self, name: str, port: int) -> AsyncPortForwardStream:
        """One connection to the pod's ``port``, as a stream: ``async with`` gives an
        :class:`~rawkube.AsyncPortForwardStream` to ``send`` to and ``receive`` from.
        """
        from rawkube.client._async_port_forward import AsyncPortForwardStream

        [(_, remote)] = parse_ports([(0, port)])
        request = self._upgrade(name, "portforward", (("ports", remote),))
        return AsyncPortForwardStream(self._client._transport, request, remote)

    async def copy_to(
        self,
        name: str,
        local: str | os.PathLike[str],
        remote: str,
        *,
        container: str | None = None,
    ) -> None:
        """Copy the local file or folder ``local`` to ``remote`` in the pod, as ``kubectl cp``
        does: through ``tar`` in the container, which must have it. An existing folder at
        ``remote`` receives ``local`` inside it.

        Raises :class:`~rawkube.CopyError` with tar's message when it fails in the container,
        FileNotFoundError when ``local`` does not exist.
        """
        from rawkube.client._async_copy import copy_to

        await copy_to(self, name, local, remote, container)

    async def copy_from(
        self,
        name: str,
        remote: str,
        local: str | os.PathLike[str],
        *,
        container: str | None = None,
    ) -> None:
        """Copy ``remote`` in the pod (a file or a folder) to the local path ``local``, as
        ``kubectl cp`` does: ``tar cf -`` in the container, unpacked here; a folder's content
        goes into ``local``.

        Raises :class:`~rawkube.CopyError` with tar's message when it fails in the container,
        :class:`~rawkube.UnsafeArchiveError` when an entry of the archive would land outside
        ``local`` (an absolute path, ``..``, a link pointing out): every entry is checked before
        any is written, and again through the links made before it as it is written.
        """
        from rawkube.client._async_copy import copy_from

        await copy_from(self, name, remote, local, container)

    def _upgrade(
        self, name: str, subresource: str, params: tuple[tuple[str, str | int | bool], ...]
    ) -> ApiRequest:
        """The GET that a WebSocket session on the object's ``subresource`` starts with."""
        call = Call("GET", self._core.subresource(name, subresource), subresource, params=params)
        return self._core.apply_to(self._client.get(), call).build()

    @overload
    async def wait(
        self, name: str, *, for_: Literal["delete", "deletion"], timeout: float | None = ...
    ) -> None: ...

    @overload
    async def wait(
        self, name: str, *, for_: str | Callable[[T], bool], timeout: float | None = ...
    ) -> T: ...

    async def wait(
        self, name: str, *, for_: str | Callable[[T], bool], timeout: float | None = 60.0
    ) -> T | None:
        """Wait until the object named ``name`` meets ``for_``, as ``kubectl wait`` does, and
        return it as it then is (None for a deletion: type checkers see None for a literal
        ``"delete"``, the object for any other string, so a variable holding ``"delete"``
        is typed as the object but gives None).

        ``for_`` is one of:

        * a condition of ``status.conditions``: ``"Ready"``, ``"Available"``,
          ``"condition=Ready"``, ``"Ready=False"``, ``"condition=Available=true"`` (status
          True unless given; type and status compared without regard to case). A condition
          the controller wrote for an older spec (``observedGeneration`` below
          ``metadata.generation``) does not count;
        * ``"delete"`` (or ``"deletion"``): the object is gone (already gone counts), once any
          finalizers have let it go;
        * ``"create"``: the object exists (already there counts);
        * ``"jsonpath={.status.phase}=Running"``: the field holds that value, compared as
          JSON writes it (``=3``, ``=true``); without ``=value``, the field is there. Dotted
          names, ``['a.b/c']`` and ``[n]`` indexes only;
        * a callable given the object (the typed model; the dynamic API's dict), true when
          done. An exception it raises ends the wait and propagates.

        The object is read once; if it already meets ``for_``, that is the answer. Otherwise
        its changes are watched from that resourceVersion (a watch of this one name, resumed
        when cut, read anew if the server has forgotten that version): no polling.
        ``timeout`` (seconds, real time even on a fake clock) covers the whole wait: past it,
        :class:`~rawkube.WaitTimeoutError`, whose message names the object, ``for_`` and the
        last state seen (and whose ``last`` is the last object seen); ``0`` looks once,
        ``None`` waits for ever. A ``for_`` that cannot be read raises ``ValueError`` before
        anything is sent; an object that does not exist (or is deleted while waited on), but
        for ``"delete"`` and ``"create"``, raises :class:`~rawkube.NotFoundError`.
        """
        state: WaitState[T] = WaitState(
            parse_for(for_), self._object_words(name), wait_timeout(timeout)
        )
        deadline = Deadline(state.timeout) if state.timeout else None
        try:
            return await self._wait(name, state, deadline)
        except TransportError as exc:  # the last read or watch ran into the deadline
            if deadline is not None and deadline.left() <= 0:
                raise state.timed_out() from exc
            raise

    async def _wait(self, name: str, state: WaitState[T], deadline: Deadline | None) -> T | None:
        """Read, then watch, until ``state`` says the wait is over; see :meth:`wait`."""
        from rawkube.client._async_retry_watch import AsyncRetryWatcher

        while True:
            if deadline is not None and deadline.left() <= 0:
                raise state.timed_out()
            obj, version = await self._look(name, state, deadline)
            if obj is None:
                if state.gone():
                    return None
            elif state.seen(obj):
                return state.result
            if state.timeout == 0:
                raise state.timed_out()
            watcher: AsyncRetryWatcher[T] = AsyncRetryWatcher(
                self,
                resource_version=version,
                field_selector=f"metadata.name={name}",
                deadline=deadline,
            )
            try:
                async with watcher:
                    async for event in watcher:
                        if event.type == "DELETED":
                            if state.gone():
                                return None
                            break  # read it again: NotFoundError, or one made anew
                        if state.seen(event.object):
                            return state.result
                        if deadline is not None and deadline.left() <= 0:
                            raise state.timed_out()
                    else:  # a watcher under a deadline ends only once it has passed
                        raise state.timed_out()
            except GoneError:
                continue  # the server forgot that version: read the object again

    async def _look(
        self, name: str, state: WaitState[T], deadline: Deadline | None
    ) -> tuple[T | None, str]:
        """The object (None: not found, as a deletion or creation may find it) and the
        resourceVersion to watch it from; other waits raise NotFoundError.
        """
        try:
            obj: T = self._core.read(await self._send_within(self._core.get(name, None), deadline))
        except NotFoundError:
            if not state.creating:
                if state.deleting:
                    return None, ""
                raise
            # Not there yet: a list of that one name says from which version to watch for it.
            call = self._core.list(
                label_selector=None,
                field_selector=f"metadata.name={name}",
                limit=None,
                continue_=None,
                resource_version=None,
                resource_version_match=None,
                timeout_seconds=None,
            )
            page = page_of(self._core.read_list(await self._send_within(call, deadline)))
            return (page.items[0] if page.items else None), page.resource_version or ""
        return obj, resource_version(obj)

    async def _send_within(self, call: Call, deadline: Deadline | None) -> Result:
        """Send a read, within what is left of ``deadline``."""
        if deadline is None:
            return await self._send(call)
        request = self._client.get().timeout(max(deadline.left(), 0.001))
        self._core.apply_to(request, call)
        return await request.do()

    def _object_words(self, name: str) -> str:
        info = self._core.info
        namespace = None if self._core.all_namespaces else self._core.namespace
        return object_words(info.plural, info.group, self._core.named("wait", name), namespace)

    @overload
    def watch(
        self,
        *,
        resource_version: str | None = ...,
        label_selector: str | Mapping[str, str] | None = ...,
        field_selector: str | Mapping[str, str] | None = ...,
        allow_watch_bookmarks: bool = ...,
        timeout_seconds: int = ...,
        send_initial_events: bool | None = ...,
        idle_timeout: float = ...,
        retry: Literal[False] = ...,
    ) -> AsyncWatch[T]: ...

    @overload
    def watch(
        self,
        *,
        resource_version: str | None = ...,
        label_selector: str | Mapping[str, str] | None = ...,
        field_selector: str | Mapping[str, str] | None = ...,
        allow_watch_bookmarks: bool = ...,
        timeout_seconds: int = ...,
        send_initial_events: bool | None = ...,
        idle_timeout: float = ...,
        retry: Literal[True],
    ) -> AsyncRetryWatcher[T]: ...

    def watch(
        self,
        *,
        resource_version: str | None = None,
        label_selector: str | Mapping[str, str] | None = None,
        field_selector: str | Mapping[str, str] | None = None,
        allow_watch_bookmarks: bool = True,
        timeout_seconds: int = DEFAULT_WATCH_TIMEOUT,
        send_initial_events: bool | None = None,
        idle_timeout: float = DEFAULT_IDLE_TIMEOUT,
        retry: bool = False,
    ) -> AsyncWatch[T] | AsyncRetryWatcher[T]:
        """The changes to the objects: iterate the :class:`~rawkube.AsyncWatch` (``with`` closes).

        ``send_initial_events=True`` starts with the current objects and a bookmark marking
        their end (it also sends the ``resourceVersionMatch=NotOlderThan`` the server needs).
        Reads wait at most ``idle_timeout`` (with bookmarks) or ``timeout_seconds`` plus a
        margin, so a dead connection ends the iteration with a TransportError; the whole watch
        lasts at most ``timeout_seconds`` plus that margin, so a server still sending past it
        (blank lines, an unfinished line) ends it with a TransportError too.
        ``retry=True`` gives a retrying watch (:class:`~rawkube.AsyncRetryWatcher`) from
        ``resource_version`` instead.
        """
        if retry:
            from rawkube.client._async_retry_watch import AsyncRetryWatcher

            return AsyncRetryWatcher(
                self,
                resource_version=resource_version or "",
                label_selector=label_selector,
                field_selector=field_selector,
                allow_watch_bookmarks=allow_watch_bookmarks,
                timeout_seconds=timeout_seconds,
                idle_timeout=idle_timeout,
            )
        call = self._core.watch(
            resource_version=resource_version,
            label_selector=label_selector,
            field_selector=field_selector,
            allow_watch_bookmarks=allow_watch_bookmarks,
            timeout_seconds=timeout_seconds,
            send_initial_events=send_initial_events,
        )
        request = self._core.apply_to(self._client.get(), call)
        request.idle_timeout(read_timeout(timeout_seconds, allow_watch_bookmarks, idle_timeout))
        return AsyncWatch(request, self._core.watch_decoder())  # type: ignore[arg-type]

    def watch_metadata(
        self,
        *,
        resource_version: str | None = None,
        label_selector: str | Mapping[str, str] | None = None,
        field_selector: str | Mapping[str, str] | None = None,
        timeout_seconds: int = DEFAULT_WATCH_TIMEOUT,
        idle_timeout: float = DEFAULT_IDLE_TIMEOUT,
    ) -> AsyncWatch[PartialObjectMetadata]:
        """As :meth:`watch`, with only the objects' metadata (PartialObjectMetadata)."""
        from rawkube.models.meta_v1 import PartialObjectMetadata

        call = self._core.watch(
            resource_version=resource_version,
            label_selector=label_selector,
            field_selector=field_selector,
            allow_watch_bookmarks=True,
            timeout_seconds=timeout_seconds,
            send_initial_events=None,
            accept=WATCH_METADATA_ACCEPT,
        )
        request = self._core.apply_to(self._client.get(), call)
        request.idle_timeout(read_timeout(timeout_seconds, True, idle_timeout))
        return AsyncWatch(request, WatchDecoder.of(PartialObjectMetadata))  # type: ignore[arg-type]

"""Every verb of one resource, awaited: the methods ``AsyncApi`` and ``AsyncDynamicApi`` share.

Written by hand; ``rawkube/client/_sync_verbs.py``, the blocking twin, is generated from this
file by ``scripts/unasync.py`` (``await`` dropped, ``Async`` names made plain), so the two
cannot drift apart. Both only send what :class:`~rawkube.core._calls.ResourceCore` plans and
return what it reads.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from functools import partial
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar, overload

from rawkube.client._watch_stream import (
    DEFAULT_IDLE_TIMEOUT,
    DEFAULT_WATCH_TIMEOUT,
    AsyncWatch,
    read_timeout,
)
from rawkube.core._api_errors import GoneError
from rawkube.core._calls import (
    METADATA_ACCEPT,
    TABLE_ACCEPT,
    WATCH_METADATA_ACCEPT,
    Call,
    PatchType,
    ResourceCore,
)
from rawkube.core._framing import TextLines
from rawkube.core._pager import check_page_size, collect, page_of, pages
from rawkube.core._request import Result
from rawkube.core._resource import GroupVersionResource
from rawkube.core._watch_decoder import WatchDecoder

if TYPE_CHECKING:
    from rawkube.client._async_client import AsyncClient
    from rawkube.client._async_retry_watch import AsyncRetryWatcher
    from rawkube.config import Config
    from rawkube.models.autoscaling_v1 import Scale
    from rawkube.models.meta_v1 import (
        PartialObjectMetadata,
        PartialObjectMetadataList,
        Status,
        Table,
    )

T = TypeVar("T")
L = TypeVar("L")

MAX_LOG_LINE_BYTES = 1 << 20
"""The longest line of a followed log held before it is refused (``max_line_bytes``)."""


class _AsyncVerbs(Generic[T, L]):
    """Every verb of one resource on a client (:class:`~rawkube.AsyncClient`): objects ``T``,
    lists ``L``.

    Each method sends one request (``iter`` one per page) and raises
    :class:`~rawkube.ApiError` subclasses for error answers.
    """

    def __init__(self, client: AsyncClient, core: ResourceCore[T, L]) -> None:
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
        resource_version_match: str | None = None,
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
        field_validation: str | None = None,
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
        field_validation: str | None = None,
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
        field_validation: str | None = None,
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
        field_validation: str | None = None,
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
        propagation_policy: str | None = None,
        grace_period_seconds: int | None = None,
        preconditions: Mapping[str, str] | None = None,
        dry_run: bool = False,
    ) -> T | Status:
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
        propagation_policy: str | None = None,
        grace_period_seconds: int | None = None,
        dry_run: bool = False,
    ) -> L | Status:
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

    async def get_scale(self, name: str) -> Scale:
        """The ``scale`` subresource (Deployments, StatefulSets, ReplicaSets, ...)."""
        call = Call("GET", self._core.subresource(name, "scale"), "scale")
        return self._core.read_scale(await self._send(call))

    async def update_scale(self, name: str, scale: Scale | Mapping[str, Any]) -> Scale:
        """Replace the ``scale`` subresource (its ``spec.replicas``)."""
        call = Call("PUT", self._core.subresource(name, "scale"), "scale", body=scale)
        return self._core.read_scale(await self._send(call))

    async def patch_scale(self, name: str, patch: Any, *, patch_type: PatchType = "merge") -> Scale:
        """Patch the ``scale`` subresource (``{"spec": {"replicas": 3}}``)."""
        call = self._core.patch(
            self._core.subresource(name, "scale"), patch, patch_type, (), "scale"
        )
        return self._core.read_scale(await self._send(call))

    async def evict(self, name: str, *, delete_options: Mapping[str, Any] | None = None) -> Status:
        """Evict a pod (the Eviction API, which honours PodDisruptionBudgets).

        A budget that forbids it answers 429 (:class:`~rawkube.TooManyRequestsError`).
        """
        return self._core.read_status(await self._send(self._core.evict(name, delete_options)))

    async def bind(self, name: str, node: str) -> Status:
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

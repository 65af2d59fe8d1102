"""The typed resource interface: ``Api[T]`` and ``AsyncApi[T]``, one request per verb.

Both only send what :class:`~rawkube.core._calls.ResourceCore` plans and return what it reads, so
the sync and async flavours share every decision; a test keeps their signatures the same.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from functools import partial
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar, overload

from rawkube.client._watch_stream import (
    DEFAULT_IDLE_TIMEOUT,
    DEFAULT_WATCH_TIMEOUT,
    AsyncWatch,
    Watch,
    read_timeout,
)
from rawkube.core._api_errors import GoneError
from rawkube.core._calls import (
    ALL,
    METADATA_ACCEPT,
    TABLE_ACCEPT,
    WATCH_METADATA_ACCEPT,
    AllNamespaces,
    Call,
    ObjectList,
    PatchType,
    ResourceCore,
)
from rawkube.core._framing import TextLines
from rawkube.core._pager import check_page_size, collect, page_of, pages
from rawkube.core._request import Result
from rawkube.core._resource import GroupVersionResource
from rawkube.core._watch_decoder import WatchDecoder

if TYPE_CHECKING:
    from rawkube.client._client import AsyncClient, Client
    from rawkube.client._retry_watch import AsyncRetryWatcher, RetryWatcher
    from rawkube.config import Config
    from rawkube.models import Resource
    from rawkube.models.autoscaling_v1 import Scale
    from rawkube.models.meta_v1 import (
        PartialObjectMetadata,
        PartialObjectMetadataList,
        Status,
        Table,
    )

__all__ = ["ALL", "Api", "AsyncApi", "AsyncDynamic", "AsyncDynamicApi", "Dynamic", "DynamicApi"]

T = TypeVar("T")
L = TypeVar("L")

MAX_LOG_LINE_BYTES = 1 << 20
"""The longest line of a followed log held before it is refused (``max_line_bytes``)."""
R = TypeVar("R", bound="Resource")


class _Verbs(Generic[T, L]):
    """Every verb of one resource on a :class:`~rawkube.Client`: objects are ``T``, lists ``L``.

    Each method sends one request (``iter`` one per page) and raises
    :class:`~rawkube.ApiError` subclasses for error answers.
    """

    def __init__(self, client: Client, core: ResourceCore[T, L]) -> None:
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

    def _send(self, call: Call) -> Result:
        start = self._client.patch(call.patch_type) if call.patch_type else None
        builder = start if start is not None else self._client.verb(call.method)
        return self._core.apply_to(builder, call).do()  # type: ignore[attr-defined, no-any-return]

    def _collect(self, first: Call, read: Callable[[Result], Any]) -> Any:
        """Drive :func:`~rawkube.core._pager.collect`: each page sent, parsed once, handed back."""
        flow = collect(first)
        call = next(flow)
        while True:
            try:
                answer = read(self._send(call))
            except GoneError as exc:
                step = partial(flow.throw, exc)
            else:
                step = partial(flow.send, answer)
            try:
                call = step()
            except StopIteration as done:
                return done.value

    def get(self, name: str, *, resource_version: str | None = None) -> T:
        """The object named ``name``; raises :class:`~rawkube.NotFoundError` when absent."""
        return self._core.read(self._send(self._core.get(name, resource_version)))

    def get_status(self, name: str) -> T:
        """The object through its ``status`` subresource."""
        return self._core.read(self._send(self._core.get_subresource(name, "status")))

    def list(
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
            return self._core.read_list(self._send(call))
        return self._collect(call, self._core.read_list)  # type: ignore[no-any-return]

    def iter(
        self,
        *,
        label_selector: str | Mapping[str, str] | None = None,
        field_selector: str | Mapping[str, str] | None = None,
        limit: int = 500,
        timeout_seconds: int | None = None,
        allow_inconsistent: bool = False,
    ) -> Iterator[T]:
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
                answer = self._core.read_list(self._send(call))
            except GoneError as exc:
                call = flow.throw(exc)
                continue
            yield from page_of(answer).items
            try:
                call = flow.send(answer)
            except StopIteration:
                return

    def list_table(
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
        return self._core.read_table(self._send(call))

    def list_metadata(
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
            return self._core.read_metadata(self._send(call))
        return self._collect(call, self._core.read_metadata)  # type: ignore[no-any-return]

    def create(
        self,
        obj: T | Mapping[str, Any],
        *,
        dry_run: bool = False,
        field_manager: str | None = None,
        field_validation: str | None = None,
    ) -> T:
        """Create ``obj``; the server's copy is returned (``dry_run=True``: nothing is kept)."""
        options = self._core.write_options(dry_run, field_manager, field_validation)
        return self._core.read(self._send(self._core.create(obj, options)))

    def update(
        self,
        obj: T | Mapping[str, Any],
        *,
        dry_run: bool = False,
        field_manager: str | None = None,
        field_validation: str | None = None,
    ) -> T:
        """Replace the object named by ``obj.metadata.name`` (a stale one: ConflictError)."""
        options = self._core.write_options(dry_run, field_manager, field_validation)
        return self._core.read(self._send(self._core.update(obj, options)))

    def update_status(
        self,
        obj: T | Mapping[str, Any],
        *,
        dry_run: bool = False,
        field_manager: str | None = None,
        field_validation: str | None = None,
    ) -> T:
        """Replace the object's status through its ``status`` subresource."""
        options = self._core.write_options(dry_run, field_manager, field_validation)
        return self._core.read(self._send(self._core.update(obj, options, "status")))

    def patch(
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
        return self._core.read(self._send(call))

    def patch_status(
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
        return self._core.read(self._send(call))

    def apply(
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
        return self._core.read(self._send(call))

    def apply_status(
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
        return self._core.read(self._send(call))

    def delete(
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
        return self._core.read_object_or_status(self._send(call))

    def delete_collection(
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
        return self._core.read_list_or_status(self._send(call))

    def get_scale(self, name: str) -> Scale:
        """The ``scale`` subresource (Deployments, StatefulSets, ReplicaSets, ...)."""
        call = Call("GET", self._core.subresource(name, "scale"), "scale")
        return self._core.read_scale(self._send(call))

    def update_scale(self, name: str, scale: Scale | Mapping[str, Any]) -> Scale:
        """Replace the ``scale`` subresource (its ``spec.replicas``)."""
        call = Call("PUT", self._core.subresource(name, "scale"), "scale", body=scale)
        return self._core.read_scale(self._send(call))

    def patch_scale(self, name: str, patch: Any, *, patch_type: PatchType = "merge") -> Scale:
        """Patch the ``scale`` subresource (``{"spec": {"replicas": 3}}``)."""
        call = self._core.patch(
            self._core.subresource(name, "scale"), patch, patch_type, (), "scale"
        )
        return self._core.read_scale(self._send(call))

    def evict(self, name: str, *, delete_options: Mapping[str, Any] | None = None) -> Status:
        """Evict a pod (the Eviction API, which honours PodDisruptionBudgets).

        A budget that forbids it answers 429 (:class:`~rawkube.TooManyRequestsError`).
        """
        return self._core.read_status(self._send(self._core.evict(name, delete_options)))

    def bind(self, name: str, node: str) -> Status:
        """Bind a pod to ``node``, as a scheduler does."""
        return self._core.read_status(self._send(self._core.bind(name, node)))

    @overload
    def log(
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
    def log(
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
    ) -> Iterator[str]: ...

    def log(
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
    ) -> str | Iterator[str]:
        """A pod's log as text; with ``follow=True``, its lines as they are written.

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
            return self._send(call).raw().decode("utf-8", "replace")
        return self._follow(call, TextLines(max_line_bytes))

    def _follow(self, call: Call, lines: TextLines) -> Iterator[str]:
        request = self._client.get()
        self._core.apply_to(request, call)
        with request.stream() as chunks:
            for chunk in chunks:
                yield from lines.feed(chunk)
        yield from lines.close()

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
    ) -> Watch[T]: ...

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
    ) -> RetryWatcher[T]: ...

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
    ) -> Watch[T] | RetryWatcher[T]:
        """The changes to the objects, as a :class:`~rawkube.Watch` (iterate it; ``with`` closes).

        ``send_initial_events=True`` starts with the current objects and a bookmark marking
        their end (it also sends the ``resourceVersionMatch=NotOlderThan`` the server needs).
        Reads wait at most ``idle_timeout`` (with bookmarks) or ``timeout_seconds`` plus a
        margin, so a dead connection ends the iteration with a TransportError; the whole watch
        lasts at most ``timeout_seconds`` plus that margin, so a server still sending past it
        (blank lines, an unfinished line) ends it with a TransportError too.
        ``retry=True`` gives a :class:`~rawkube.RetryWatcher` from ``resource_version`` instead.
        """
        if retry:
            from rawkube.client._retry_watch import RetryWatcher

            return RetryWatcher(
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
        return Watch(request, self._core.watch_decoder())  # type: ignore[arg-type]

    def watch_metadata(
        self,
        *,
        resource_version: str | None = None,
        label_selector: str | Mapping[str, str] | None = None,
        field_selector: str | Mapping[str, str] | None = None,
        timeout_seconds: int = DEFAULT_WATCH_TIMEOUT,
        idle_timeout: float = DEFAULT_IDLE_TIMEOUT,
    ) -> Watch[PartialObjectMetadata]:
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
        return Watch(request, WatchDecoder.of(PartialObjectMetadata))  # type: ignore[arg-type]


class _AsyncVerbs(Generic[T, L]):
    """The asyncio twin of :class:`Api`: the same methods, awaited (``iter`` is async)."""

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
        """As :meth:`Api._collect`, awaited."""
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
        """As :meth:`Api.get_scale`."""
        call = Call("GET", self._core.subresource(name, "scale"), "scale")
        return self._core.read_scale(await self._send(call))

    async def update_scale(self, name: str, scale: Scale | Mapping[str, Any]) -> Scale:
        """As :meth:`Api.update_scale`."""
        call = Call("PUT", self._core.subresource(name, "scale"), "scale", body=scale)
        return self._core.read_scale(await self._send(call))

    async def patch_scale(self, name: str, patch: Any, *, patch_type: PatchType = "merge") -> Scale:
        """As :meth:`Api.patch_scale`."""
        call = self._core.patch(
            self._core.subresource(name, "scale"), patch, patch_type, (), "scale"
        )
        return self._core.read_scale(await self._send(call))

    async def evict(self, name: str, *, delete_options: Mapping[str, Any] | None = None) -> Status:
        """As :meth:`Api.evict`."""
        return self._core.read_status(await self._send(self._core.evict(name, delete_options)))

    async def bind(self, name: str, node: str) -> Status:
        """As :meth:`Api.bind`."""
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
        """As :meth:`Api.log`: the text, or (``follow=True``) an async iterator of lines."""
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
        """As :meth:`Api.watch`: an :class:`~rawkube.AsyncWatch` (``async for``, ``async with``)."""
        if retry:
            from rawkube.client._retry_watch import AsyncRetryWatcher

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
        """As :meth:`Api.watch_metadata`."""
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


class Api(_Verbs[R, ObjectList[R]]):
    """Every verb of one resource on a :class:`~rawkube.Client`, typed by its model.

    Made by ``client.api(Pod, namespace="web")`` or a generated accessor
    (``client.core_v1.pods("web")``); lists are the resource's List model (``PodList``).
    """

    def __init__(
        self, client: Client, model: type[R], namespace: str | AllNamespaces | None = None
    ) -> None:
        super().__init__(client, ResourceCore.typed(model, namespace, client.config.namespace))


class AsyncApi(_AsyncVerbs[R, ObjectList[R]]):
    """The asyncio twin of :class:`Api`: the same methods, awaited (``iter`` is async)."""

    def __init__(
        self, client: AsyncClient, model: type[R], namespace: str | AllNamespaces | None = None
    ) -> None:
        super().__init__(client, ResourceCore.typed(model, namespace, client.config.namespace))


class DynamicApi(_Verbs[dict[str, Any], dict[str, Any]]):
    """Every verb of any resource, by GroupVersionResource, with the server's dicts as answers.

    ``client.dynamic.resource(gvr)`` addresses it cluster-wide (a cluster-scoped resource, or a
    namespaced one listed across namespaces); ``.namespace("ns")`` in one namespace. Lists are
    the server's dict, ``items`` and all.

    A GroupVersionResource does not say whether the resource is namespaced, so a write (create,
    update, patch, apply, delete, delete_collection, scale, evict, bind) without
    ``.namespace()`` first asks ``client.discovery`` (cached). If the resource is namespaced,
    an object that names its ``metadata.namespace`` (create, update, apply) goes there, and
    anything else raises ``ValueError`` before it is sent: the server only lists and watches
    across namespaces (it answers 405). A resource discovery does not know (or cannot be read
    for) is sent as addressed, and the server's answer speaks. With ``.namespace()``, an
    object naming another namespace is sent as it is: the server refuses it (400 BadRequest).
    """

    def __init__(self, client: Client, gvr: GroupVersionResource, namespace: str | None = None):
        super().__init__(client, ResourceCore.dynamic(gvr, namespace))
        self._gvr = gvr

    def namespace(self, namespace: str) -> DynamicApi:
        """The same resource in ``namespace``."""
        return DynamicApi(self._client, self._gvr, namespace)

    def _send(self, call: Call) -> Result:
        question = self._core.scope_question(call)
        if question is None:
            return super()._send(call)
        from rawkube.core._exceptions import RawkubeError

        try:
            scope = self._client.discovery.resolve(question)
        except RawkubeError:  # discovery cannot say: the server's answer to the call will
            return super()._send(call)
        namespace = self._core.write_namespace(call, scope)
        if namespace is None:
            return super()._send(call)
        return self.namespace(namespace)._send(call)


class AsyncDynamicApi(_AsyncVerbs[dict[str, Any], dict[str, Any]]):
    """The asyncio twin of :class:`DynamicApi`, which says how a write finds its namespace."""

    def __init__(
        self, client: AsyncClient, gvr: GroupVersionResource, namespace: str | None = None
    ):
        super().__init__(client, ResourceCore.dynamic(gvr, namespace))
        self._gvr = gvr

    def namespace(self, namespace: str) -> AsyncDynamicApi:
        """The same resource in ``namespace``."""
        return AsyncDynamicApi(self._client, self._gvr, namespace)

    async def _send(self, call: Call) -> Result:
        question = self._core.scope_question(call)
        if question is None:
            return await super()._send(call)
        from rawkube.core._exceptions import RawkubeError

        try:
            scope = await self._client.discovery.resolve(question)
        except RawkubeError:  # discovery cannot say: the server's answer to the call will
            return await super()._send(call)
        namespace = self._core.write_namespace(call, scope)
        if namespace is None:
            return await super()._send(call)
        return await self.namespace(namespace)._send(call)


class Dynamic:
    """The dynamic client of a :class:`~rawkube.Client`: any resource, plain dicts."""

    __slots__ = ("_client",)

    def __init__(self, client: Client) -> None:
        self._client = client

    def resource(self, gvr: GroupVersionResource) -> DynamicApi:
        """Every verb of ``gvr``'s resource; ``.namespace("ns")`` narrows it to a namespace."""
        return DynamicApi(self._client, gvr)


class AsyncDynamic:
    """The dynamic client of an :class:`~rawkube.AsyncClient`."""

    __slots__ = ("_client",)

    def __init__(self, client: AsyncClient) -> None:
        self._client = client

    def resource(self, gvr: GroupVersionResource) -> AsyncDynamicApi:
        """As :meth:`Dynamic.resource`."""
        return AsyncDynamicApi(self._client, gvr)

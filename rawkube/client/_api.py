"""The typed resource interface: ``Api[T]`` and ``AsyncApi[T]``, one request per verb.

Their verbs are ``_AsyncVerbs`` (``_async_verbs.py``, written by hand) and ``_Verbs``
(``_sync_verbs.py``, generated from it by ``scripts/unasync.py``). Both only send what
:class:`~rawkube.core._calls.ResourceCore` plans and return what it reads, so the flavours share
every decision; a test keeps their signatures the same.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from rawkube.client._async_verbs import _AsyncVerbs
from rawkube.client._sync_verbs import _Verbs
from rawkube.core._calls import (
    ALL,
    AllNamespaces,
    Call,
    ObjectList,
    ResourceCore,
)
from rawkube.core._request import Result
from rawkube.core._resource import GroupVersionResource, ResourceInfo

if TYPE_CHECKING:
    from rawkube.client._async_client import AsyncClient
    from rawkube.client._sync_client import Client
    from rawkube.models import Resource

    # Named in the typed APIs' bases as strings: importing them here would load the models.
    from rawkube.models.autoscaling_v1 import Scale  # noqa: F401
    from rawkube.models.meta_v1 import Status  # noqa: F401

__all__ = ["ALL", "Api", "AsyncApi", "AsyncDynamic", "AsyncDynamicApi", "Dynamic", "DynamicApi"]

T = TypeVar("T")
L = TypeVar("L")

R = TypeVar("R", bound="Resource")


class Api(_Verbs[R, ObjectList[R], "Status", "Scale"]):
    """Every verb of one resource on a :class:`~rawkube.Client`, typed by its model.

    Made by ``client.api(Pod, namespace="web")`` or a generated accessor
    (``client.core_v1.pods("web")``); lists are the resource's List model (``PodList``).
    """

    def __init__(
        self, client: Client, model: type[R], namespace: str | AllNamespaces | None = None
    ) -> None:
        super().__init__(client, ResourceCore.typed(model, namespace, client.config.namespace))


class AsyncApi(_AsyncVerbs[R, ObjectList[R], "Status", "Scale"]):
    """The asyncio twin of :class:`Api`: the same methods, awaited (``iter`` is async)."""

    def __init__(
        self, client: AsyncClient, model: type[R], namespace: str | AllNamespaces | None = None
    ) -> None:
        super().__init__(client, ResourceCore.typed(model, namespace, client.config.namespace))


class DynamicApi(_Verbs[dict[str, Any], dict[str, Any], dict[str, Any], dict[str, Any]]):
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
    object naming another namespace raises ``ValueError`` before it is sent (the server would
    refuse it: 400 BadRequest).

    Every answer is the server's dict: ``delete`` and ``delete_collection`` give the object
    (still finalising), the list deleted or the ``Status``; ``evict`` and ``bind`` the
    ``Status``; the scale verbs the ``Scale``, all as dicts. ``list_table``,
    ``list_metadata`` and ``watch_metadata`` ask for a meta.k8s.io representation by name and
    keep its model (``Table``, ``PartialObjectMetadata``).
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


class AsyncDynamicApi(_AsyncVerbs[dict[str, Any], dict[str, Any], dict[str, Any], dict[str, Any]]):
    """The asyncio twin of :class:`DynamicApi`, which says how a write finds its namespace
    and what each verb answers (the server's dicts)."""

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


_WANTED = (
    "a resource name ('deploy', 'deployments.apps', 'deployment.v1.apps', a CRD's plural), "
    "a GroupVersionResource or a ResourceInfo"
)


def _address(resource: object) -> GroupVersionResource | str:
    """A GroupVersionResource as it is, a ResourceInfo's, or a name for discovery to resolve."""
    if isinstance(resource, ResourceInfo):
        return resource.gvr
    if isinstance(resource, (GroupVersionResource, str)):
        return resource
    if isinstance(resource, type) and hasattr(resource, "__resource__"):
        name = resource.__name__
        raise TypeError(
            f"{name} is a model class: client.api({name}) serves it typed; "
            f"dynamic.resource() takes {_WANTED}"
        )
    raise TypeError(f"dynamic.resource() takes {_WANTED}, not {type(resource).__name__}")


class Dynamic:
    """The dynamic client of a :class:`~rawkube.Client`: any resource, plain dicts.

    ``client.dynamic.resource("deploy")`` resolves a name as kubectl does, through
    ``client.discovery`` (cached): a short name (``po``, ``deploy``), a plural or singular
    (``deployments``), ``<name>.<group>`` (``deployments.apps``, ``widgets.example.com``) or
    ``<name>.<version>.<group>`` (``deployment.v1.apps``); a GroupVersionResource or a
    ResourceInfo needs no discovery.
    """

    __slots__ = ("_client",)

    def __init__(self, client: Client) -> None:
        self._client = client

    def resource(self, resource: GroupVersionResource | ResourceInfo | str) -> DynamicApi:
        """Every verb of the resource; ``.namespace("ns")`` narrows it to a namespace.

        Raises :class:`~rawkube.ResourceNotFoundError` for a name the server does not serve
        (after one refresh of discovery; it suggests close names),
        :class:`~rawkube.AmbiguousResourceError` for a name two resources of a group share,
        and ``TypeError`` for anything but a name, a GroupVersionResource or a ResourceInfo.
        """
        address = _address(resource)
        if isinstance(address, str):
            address = self._client.discovery.resolve(address).gvr
        return DynamicApi(self._client, address)

    def resolve(self, name: str) -> DynamicApi:
        """``resource(name)``, for the same code on both clients (the async one awaits it)."""
        if not isinstance(name, str):
            raise TypeError(f"resolve() takes a resource name, not {type(name).__name__}")
        return self.resource(name)


class AsyncDynamic:
    """The dynamic client of an :class:`~rawkube.AsyncClient`.

    ``resource()`` takes a GroupVersionResource or a ResourceInfo, as it cannot wait for
    discovery; a name resolves with ``await client.dynamic.resolve("deploy")``, which reads
    names as :class:`Dynamic` does.
    """

    __slots__ = ("_client",)

    def __init__(self, client: AsyncClient) -> None:
        self._client = client

    def resource(self, resource: GroupVersionResource | ResourceInfo) -> AsyncDynamicApi:
        """As :meth:`Dynamic.resource`, without names: ``TypeError`` says to await ``resolve``."""
        address = _address(resource)
        if isinstance(address, str):
            raise TypeError(
                f"AsyncDynamic.resource() cannot wait for discovery to resolve {address!r}: "
                f"use `await client.dynamic.resolve({address!r})`, or pass a "
                "GroupVersionResource"
            )
        return AsyncDynamicApi(self._client, address)

    async def resolve(self, name: str) -> AsyncDynamicApi:
        """The resource ``name`` names, resolved through ``client.discovery`` (cached).

        Reads names and raises as :meth:`Dynamic.resource`.
        """
        if not isinstance(name, str):
            raise TypeError(f"resolve() takes a resource name, not {type(name).__name__}")
        info = await self._client.discovery.resolve(name)
        return AsyncDynamicApi(self._client, info.gvr)

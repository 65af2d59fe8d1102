"""What both clients share: the verbs that start a request, and the typed group-versions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, Protocol, TypeVar, overload

from rawkube.core._request import RequestBuilder, patch_content_type
from rawkube.core._watch_decoder import WatchDecoder

__all__ = ["GroupVersionAttribute", "VerbStarters", "watch_decoder"]

R = TypeVar("R", bound=RequestBuilder)
S = TypeVar("S")
S_co = TypeVar("S_co", covariant=True)
G = TypeVar("G")


def watch_decoder(model: type[Any] | None) -> WatchDecoder[Any]:
    """What decodes a watch's events: into ``model``, or dicts when it is None."""
    return WatchDecoder() if model is None else WatchDecoder.of(model)


class VerbStarters(Generic[R]):
    """``get()``, ``post()``, ... each starting a request builder; shared by every client shape."""

    _group_version: str | None = None

    def _start(self, method: str, content_type: str | None = None) -> R:
        raise NotImplementedError

    def _begin(self, method: str, content_type: str | None = None) -> R:
        request = self._start(method, content_type)
        if self._group_version is not None:
            request.group_version(self._group_version)
        return request

    def get(self) -> R:
        """Start a GET request."""
        return self._begin("GET")

    def post(self) -> R:
        """Start a POST request (create)."""
        return self._begin("POST")

    def put(self) -> R:
        """Start a PUT request (replace)."""
        return self._begin("PUT")

    def patch(self, patch_type: str) -> R:
        """Start a PATCH: ``"merge"``, ``"json"``, ``"strategic"`` or ``"apply"`` (server-side)."""
        return self._begin("PATCH", patch_content_type(patch_type))

    def delete(self) -> R:
        """Start a DELETE request."""
        return self._begin("DELETE")

    def verb(self, method: str) -> R:
        """Start a request with any HTTP method."""
        return self._begin(method)


class _HoldsClientset(Protocol[S_co]):
    @property
    def _clientset(self) -> S_co: ...


class GroupVersionAttribute(Generic[S, G]):
    """A client attribute (``client.core_v1``) that asks the client's clientset for its accessor.

    Made from the clientset's method, so mypy reads the attribute's type off the generated code
    and refuses it on a client holding another kind of clientset.
    """

    __slots__ = ("_make",)

    def __init__(self, make: Callable[[S], G]) -> None:
        self._make = make

    @overload
    def __get__(self, client: None, owner: type[Any]) -> GroupVersionAttribute[S, G]: ...

    @overload
    def __get__(self, client: _HoldsClientset[S], owner: type[Any]) -> G: ...

    def __get__(
        self, client: _HoldsClientset[S] | None, owner: type[Any]
    ) -> G | GroupVersionAttribute[S, G]:
        return self if client is None else self._make(client._clientset)

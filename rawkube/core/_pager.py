"""Paging through a list as client-go's pager does, planned without I/O.

A paged list reads one snapshot of the collection: every page after the first carries the
continue token of the page before, and the server serves it at the first page's
resourceVersion. When that snapshot leaves the server's compaction window, the next page is
410 Expired. What follows depends on who holds the pages read so far:

* :func:`collect` holds them all (``list(page_size=...)``, list-then-watch, informers). Like
  client-go's ``ListPager.List``, it throws them away and asks for one full list at the
  resourceVersion first asked for, so the answer is one consistent list, never pages of two
  snapshots glued together, and its resourceVersion is where a watch may start.
* :func:`pages` has handed each page on already (``iter()``): it cannot take them back, so the
  410 is raised (:class:`~rawkube.GoneError`), or, when the caller allows an inconsistent read,
  the paging goes on from the token the 410 carries.

Both are generators of :class:`~rawkube.core._calls.Call`: the driver sends each call, parses the
answer once, and sends the parsed list (a List model or the server's dict) back in, or throws
the :class:`~rawkube.GoneError` in. ``Api`` and ``AsyncApi`` drive them the same way.
"""

from __future__ import annotations

from collections.abc import Generator, Mapping
from dataclasses import dataclass
from typing import Any

from rawkube.core._api_errors import GoneError
from rawkube.core._calls import Call

__all__ = [
    "Page",
    "check_page_size",
    "collect",
    "full_list",
    "joined",
    "page_of",
    "pages",
    "with_continue",
]

# The paging parameters of a list call: a full list is the same call without them.
_PAGING = ("limit", "continue")


@dataclass(frozen=True)
class Page:
    """What paging needs of one list answer, typed or a dict."""

    items: list[Any]
    resource_version: str | None
    continue_token: str | None


def page_of(answer: Any) -> Page:
    """The items, resourceVersion and continue token of a list answer (model or dict)."""
    if isinstance(answer, Mapping):
        metadata = answer.get("metadata")
        metadata = metadata if isinstance(metadata, Mapping) else {}
        return Page(
            list(answer.get("items") or []),
            metadata.get("resourceVersion") or None,
            metadata.get("continue") or None,
        )
    metadata = answer.metadata
    if metadata is None:
        return Page(list(answer.items or []), None, None)
    return Page(
        list(answer.items or []), metadata.resource_version or None, metadata.continue_ or None
    )


def check_page_size(page_size: int | None, limit: int | None, continue_: str | None) -> None:
    """Refuse ``page_size`` (every page, as one list) beside ``limit``/``continue_`` (one page)."""
    if page_size is not None and (limit is not None or continue_):
        raise ValueError("page_size reads every page; limit and continue_ read one: give one")


def full_list(first: Call) -> Call:
    """``first`` without its paging: the one full list a pager falls back to."""
    params = tuple(param for param in first.params if param[0] not in _PAGING)
    return Call(first.method, params=params, accept=first.accept, whole_collection=True)


def with_continue(first: Call, token: str) -> Call:
    """The call for the page after the one whose continue token is ``token``."""
    params = (*(p for p in first.params if p[0] != "continue"), ("continue", token))
    return Call(first.method, params=params, accept=first.accept, whole_collection=True)


def collect(first: Call) -> Generator[Call, Any, Any]:
    """One consistent list answer of every item, read page by page from ``first``.

    Returns a list answer like the server's (a List model or a dict) holding every item, at
    the resourceVersion of the list's snapshot and with no continue token. An expired continue
    token restarts as one full list; a 410 on the first page (its resourceVersion too old) is
    raised.
    """
    answers: list[Any] = []
    call = first
    while True:
        try:
            answer = yield call
        except GoneError:
            if call is first:
                raise
            # The snapshot expired mid-way: the pages read are of a list no longer to be had.
            return (yield full_list(first))
        answers.append(answer)
        token = page_of(answer).continue_token
        if not token:
            return answers[0] if len(answers) == 1 else joined(answers)
        call = with_continue(first, token)


def joined(answers: list[Any]) -> Any:
    """The pages of one snapshot as one list answer, of the first page's type and version."""
    first = answers[0]
    items = [item for answer in answers for item in page_of(answer).items]
    if isinstance(first, Mapping):
        metadata = {
            key: value
            for key, value in (first.get("metadata") or {}).items()
            if key not in ("continue", "remainingItemCount")
        }
        return {**first, "metadata": metadata, "items": items}
    version = page_of(first).resource_version
    metadata = {"resourceVersion": version} if version else {}
    return type(first)(
        apiVersion=first.api_version, kind=first.kind, metadata=metadata, items=items
    )


def pages(first: Call, allow_inconsistent: bool) -> Generator[Call, Any, None]:
    """The calls paging through a list for a caller that hands each page on as it comes.

    An expired continue token raises the server's :class:`~rawkube.GoneError` (its body
    carries the inconsistent-continue token), or with ``allow_inconsistent`` goes on from it.
    """
    call = first
    while True:
        try:
            answer = yield call
        except GoneError as exc:
            token = _inconsistent_continue(exc)
            if not (allow_inconsistent and token):
                raise
            call = with_continue(first, token)
            continue
        token = page_of(answer).continue_token
        if not token:
            return
        call = with_continue(first, token)


def _inconsistent_continue(exc: GoneError) -> str | None:
    """The inconsistent-continue token a 410 for an expired continue token carries."""
    metadata = exc.body.metadata if exc.body is not None else None
    return (metadata.continue_ if metadata is not None else None) or None

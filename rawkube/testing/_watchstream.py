"""The fake cluster's watch streams: which lines to send when, on the cluster's clock.

:class:`WatchSession` decides, with no waiting of its own, what a watch sends next: the
initial ADDED events (or the replay from a resourceVersion), each later change the
selectors let through, bookmarks every ``bookmark_interval`` and just before the timeout, and
an ERROR event carrying 410 when the resourceVersion has left the watch window. It answers
with the lines to send now and the clock reading to wake at.

:func:`sync_lines` and :func:`async_lines` drive a session, waiting between polls for a write
or that reading. On a clock that is not the real one, a wait that nothing interrupts within
:data:`IDLE_WAIT` real seconds moves the clock on to the wake-up reading, so a test watching
a fake cluster sees its timeouts and bookmarks at once rather than never.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Generator
from typing import Any

from rawkube.core._clock import Clock
from rawkube.testing._catalog import ResourceType
from rawkube.testing._errors import FakeApiError
from rawkube.testing._store import Change, Store

__all__ = ["IDLE_WAIT", "WatchSession", "async_lines", "sync_lines"]

IDLE_WAIT = 0.02
"""Real seconds an idle watch on a fake clock waits for a write before moving the clock."""

Selects = Callable[[dict[str, Any]], bool]


class WatchSession:
    """One watch's position and schedule; :meth:`poll` says what to send (see module doc)."""

    def __init__(
        self,
        store: Store,
        resource: ResourceType,
        namespace: str | None,
        selects: Selects,
        *,
        start: int | None,
        send_initial_events: bool,
        bookmarks: bool,
        timeout: float,
        bookmark_interval: float,
        render: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
    ) -> None:
        self._store = store
        self._render = render
        self._resource = resource
        self._which = (resource.group, resource.plural)
        self._namespace = namespace
        self._selects = selects
        self._start = start
        self._initial = send_initial_events or start is None
        self._initial_bookmark = send_initial_events and bookmarks
        self._bookmarks = bookmarks
        self._interval = bookmark_interval
        now = store.clock.monotonic()
        self._end = now + timeout
        self._next_bookmark = now + bookmark_interval
        self._position = 0
        self._started = False
        self._cuts = store.cuts
        self._stalls = store.stalls
        self.ended = False

    def poll(self) -> tuple[list[bytes], float | None]:
        """The lines to send now and the clock reading to poll again at (None: the watch ended).

        Call with the store's lock held, so no write slips between this and the wait.
        """
        if self.ended or self._store.cuts != self._cuts:
            self.ended = True  # dropped: the stream just ends, with no final bookmark
            return [], None
        if self._store.stalls != self._stalls:
            return [], self._end + 86400.0  # silent from now on: only the client can notice
        lines: list[bytes] = []
        if not self._started:
            self._started = True
            if self._initial:
                lines += self._initial_events()
            else:
                assert self._start is not None
                self._position = self._start
        try:
            changes = self._store.changes_after(self._position)
        except FakeApiError as exc:
            self.ended = True
            return [*lines, _line("ERROR", exc.status())], None
        for change in changes:
            line = self._event(change)
            if line is not None:
                lines.append(line)
            self._position = change.version
        now = self._store.clock.monotonic()
        if now >= self._end:
            if self._bookmarks:
                lines.append(self._bookmark())
            self.ended = True
            return lines, None
        if self._bookmarks and now >= self._next_bookmark:
            lines.append(self._bookmark())
            while self._next_bookmark <= now:
                self._next_bookmark += self._interval
        wake = min(self._end, self._next_bookmark) if self._bookmarks else self._end
        return lines, wake

    def _initial_events(self) -> list[bytes]:
        store = self._store
        self._position = store.version
        lines = [
            _line("ADDED", self._shown(self._typed(obj)))
            for key, obj in sorted(store.objects(self._resource).items())
            if (self._namespace is None or key[0] == self._namespace) and self._selects(obj)
        ]
        if self._initial_bookmark:
            lines.append(self._bookmark(initial_events_end=True))
        return lines

    def _event(self, change: Change) -> bytes | None:
        if change.resource != self._which:
            return None
        namespace = (change.object.get("metadata") or {}).get("namespace") or ""
        if self._namespace is not None and namespace != self._namespace:
            return None
        now_in = change.type != "DELETED" and self._selects(change.object)
        was_in = change.previous is not None and self._selects(change.previous)
        if change.type == "DELETED":
            kind = "DELETED" if was_in else None
        elif change.type == "ADDED":
            kind = "ADDED" if now_in else None
        elif now_in:
            kind = "MODIFIED" if was_in else "ADDED"
        else:
            kind = "DELETED" if was_in else None  # it left the selection
        if kind is None:
            return None
        return _line(kind, self._shown(self._typed(change.object)))

    def _typed(self, obj: dict[str, Any]) -> dict[str, Any]:
        """A shallow copy carrying apiVersion and kind, serialized at once under the lock."""
        typed = dict(obj)
        typed["apiVersion"], typed["kind"] = self._resource.api_version, self._resource.kind
        return typed

    def _shown(self, obj: dict[str, Any]) -> dict[str, Any]:
        """The object as the watch's Accept asks for it (a Table row, partial metadata)."""
        return obj if self._render is None else self._render(obj)

    def _bookmark(self, *, initial_events_end: bool = False) -> bytes:
        metadata: dict[str, Any] = {"resourceVersion": str(self._position)}
        if initial_events_end:
            metadata["annotations"] = {"k8s.io/initial-events-end": "true"}
        obj = {
            "kind": self._resource.kind,
            "apiVersion": self._resource.api_version,
            "metadata": metadata,
        }
        return _line("BOOKMARK", obj)


def _line(kind: str, obj: dict[str, Any]) -> bytes:
    from pydantic_core import to_json

    return to_json({"type": kind, "object": obj}) + b"\n"


def _is_real(clock: Clock) -> bool:
    return type(clock) is Clock


def _jump(clock: Clock, wake: float) -> None:
    advance = getattr(clock, "advance", None)
    behind = wake - clock.monotonic()
    if advance is not None and behind > 0:
        advance(behind)


def sync_lines(
    session: WatchSession, store: Store, stopped: Callable[[], bool] = lambda: False
) -> Generator[bytes, None, None]:
    """Drive a session from a thread: its lines as they are due, until it ends or ``stopped()``."""
    clock = store.clock
    while not stopped():
        with store.lock:
            lines, wake = session.poll()
            if not lines and wake is not None:
                if _is_real(clock):
                    store.changed.wait(max(wake - clock.monotonic(), 0.0))
                elif not store.changed.wait(IDLE_WAIT):
                    _jump(clock, wake)
                continue
        if lines:
            yield b"".join(lines)
        if wake is None:
            return


async def async_lines(session: WatchSession, store: Store) -> AsyncIterator[bytes]:
    """Drive a session from an asyncio task: as :func:`sync_lines`, without blocking the loop."""
    import asyncio

    loop = asyncio.get_running_loop()
    written = asyncio.Event()

    def wake_up() -> None:
        loop.call_soon_threadsafe(written.set)

    clock = store.clock
    store.add_waker(wake_up)
    try:
        while True:
            written.clear()
            with store.lock:
                lines, wake = session.poll()
            if lines:
                yield b"".join(lines)
            if wake is None:
                return
            if lines:
                continue
            real = _is_real(clock)
            limit = max(wake - clock.monotonic(), 0.0) if real else IDLE_WAIT
            try:
                await asyncio.wait_for(written.wait(), limit)
            except asyncio.TimeoutError:
                if not real:
                    with store.lock:
                        _jump(clock, wake)
    finally:
        store.remove_waker(wake_up)

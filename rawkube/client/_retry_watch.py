"""Watches that survive real life: resume from the last resourceVersion, stop when they must.

Theory of operation
-------------------
A single watch ends for many reasons: the server's ``timeoutSeconds``, a proxy cutting an idle
connection, a dead peer (noticed by the read limit, see :mod:`rawkube.client._watch_stream`), an API
server restarting (5xx, 429). :class:`RetryWatcher` follows client-go's RetryWatcher: it opens
a watch from a resourceVersion, yields its events, and when the watch ends or fails it opens
another from the last resourceVersion it saw, so no event is skipped or delivered twice.

* The starting resourceVersion must be a real one: ``""`` and ``"0"`` mean "any", from which
  resuming cannot promise anything (``ValueError``; list first, then watch from the list's).
* BOOKMARK events move the resourceVersion on and are not yielded.
* Before each resume it waits at least :data:`MIN_RETRY_DELAY` (1 s), or the server's
  ``Retry-After``, on the client's clock.
* It stops, raising, on 410 Gone (the resourceVersion is too old: the caller must list again),
  on 401 and 403 (retrying cannot help), on other 4xx answers (the request itself is wrong),
  and on an event it cannot decode twice from the same resourceVersion
  (:class:`~rawkube.DecodeError`, naming the event): resuming again would meet the same event
  again, for ever. The first such failure is resumed from (a proxy may have garbled one
  stream); both are logged at WARNING. client-go's informers list again after a failed watch,
  with backoff; rawkube's do the same. Connection failures (a stream cut inside an event among
  them), timeouts, 429 and 5xx are resumed from.

:class:`ResumeState` holds those decisions without I/O, and :class:`KnownObjects` what a
list-then-watch has reported; the asyncio drivers in ``_async_retry_watch.py`` (and their
blocking twins, generated from them into ``_sync_retry_watch.py``) only open watches and wait.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rawkube.client._watch_stream import DEFAULT_IDLE_TIMEOUT, DEFAULT_WATCH_TIMEOUT
from rawkube.core._api_errors import (
    ApiError,
    ForbiddenError,
    GoneError,
    TooManyRequestsError,
    UnauthorizedError,
)
from rawkube.core._exceptions import DecodeError, TransportError
from rawkube.core._watch_decoder import WatchEvent

__all__ = [
    "MIN_RETRY_DELAY",
    "KnownObjects",
    "Listed",
    "ResumeState",
    "log_resume",
    "within_deadline",
]

logger = logging.getLogger("rawkube.watch")

MIN_RETRY_DELAY = 1.0

MIN_IDLE_TIMEOUT = 0.01
"""The shortest read limit a watch is opened with under a deadline about to pass."""


class ResumeState:
    """Where a retrying watch stands and what it does next; no I/O."""

    def __init__(self, resource_version: str) -> None:
        if not isinstance(resource_version, str) or resource_version in ("", "0"):
            raise ValueError(
                f"a retrying watch needs a real starting resourceVersion, not "
                f"{resource_version!r}: list first and watch from the list's"
            )
        self.resource_version = resource_version
        self._undecodable_at: str | None = None  # where the last DecodeError was met

    def deliver(self, event: WatchEvent[Any]) -> bool:
        """Note the event's resourceVersion; whether to hand the event on (not a bookmark)."""
        version = _resource_version(event.object)
        if version:
            self.resource_version = version
        return event.type != "BOOKMARK"

    def delay_after(self, error: Exception | None) -> float:
        """Seconds to wait before resuming after ``error`` (None: the watch ended).

        Raises ``error`` itself when the watch must stop instead.
        """
        if error is None:
            return MIN_RETRY_DELAY
        if isinstance(error, (GoneError, UnauthorizedError, ForbiddenError)):
            raise error
        if isinstance(error, DecodeError):
            # Met twice from one resourceVersion, it is the server's event, not a garbled
            # stream: resuming again would meet it again, for ever.
            if self._undecodable_at == self.resource_version:
                logger.warning(
                    "watch stopped at resourceVersion %s: %s", self.resource_version, error
                )
                raise error
            self._undecodable_at = self.resource_version
            return MIN_RETRY_DELAY
        if isinstance(error, ApiError):
            if error.code < 500 and not isinstance(error, TooManyRequestsError):
                raise error
            return max(MIN_RETRY_DELAY, float(error.retry_after or 0))
        if isinstance(error, TransportError):
            return MIN_RETRY_DELAY
        raise error


def within_deadline(left: float, options: Mapping[str, Any]) -> dict[str, Any]:
    """The watch ``options`` cut to the ``left`` seconds of a deadline.

    The server ends the watch by then (``timeout_seconds``, whole seconds, at least one) and a
    silent connection is given up by then (``idle_timeout``), so a watch opened under a
    deadline does not outlive it by much, even if nothing is sent.
    """
    timeout = options.get("timeout_seconds", DEFAULT_WATCH_TIMEOUT)
    idle = options.get("idle_timeout", DEFAULT_IDLE_TIMEOUT)
    return {
        **options,
        "timeout_seconds": max(1, min(timeout, math.floor(left))),
        "idle_timeout": max(min(idle, left), MIN_IDLE_TIMEOUT),
    }


def log_resume(version: str, delay: float, error: Exception | None) -> None:
    # A watch that keeps failing should show in the logs, not only as a quiet retry loop; an
    # event that does not decode is worth a warning (it stops the watch if it comes again).
    why = "the watch ended" if error is None else f"{type(error).__name__}: {error}"
    level = logging.WARNING if isinstance(error, DecodeError) else logging.INFO
    logger.log(level, "watch resuming from resourceVersion %s in %.0f s (%s)", version, delay, why)


def _resource_version(obj: Any) -> str | None:
    if isinstance(obj, Mapping):
        metadata = obj.get("metadata")
        version = metadata.get("resourceVersion") if isinstance(metadata, Mapping) else None
    else:
        metadata = getattr(obj, "metadata", None)
        version = getattr(metadata, "resource_version", None)
    return version if isinstance(version, str) and version else None


def _key(obj: Any) -> tuple[str, str]:
    if isinstance(obj, Mapping):
        metadata = obj.get("metadata") or {}
        return metadata.get("namespace") or "", metadata.get("name") or ""
    metadata = getattr(obj, "metadata", None)
    return getattr(metadata, "namespace", None) or "", getattr(metadata, "name", None) or ""


@dataclass(frozen=True)
class Listed:
    """A complete (re)list: every object there is, and the resourceVersion it was read at."""

    items: list[Any]
    resource_version: str


class KnownObjects:
    """What a list-then-watch has reported so far, and the events a fresh list makes of it."""

    def __init__(self) -> None:
        self.objects: dict[tuple[str, str], Any] = {}

    def relisted(self, items: list[Any]) -> list[WatchEvent[Any]]:
        """ADDED, MODIFIED and DELETED events that bring the known objects to ``items``."""
        fresh = {_key(item): item for item in items}
        events: list[WatchEvent[Any]] = []
        for key, item in fresh.items():
            old = self.objects.get(key)
            if old is None:
                events.append(WatchEvent("ADDED", item))
            elif _resource_version(old) != _resource_version(item):
                events.append(WatchEvent("MODIFIED", item))
        events += [
            WatchEvent("DELETED", old) for key, old in self.objects.items() if key not in fresh
        ]
        self.objects = fresh
        return events

    def seen(self, event: WatchEvent[Any]) -> None:
        """Keep the known objects up to date with a watch event."""
        if event.type == "DELETED":
            self.objects.pop(_key(event.object), None)
        elif event.type != "BOOKMARK":
            self.objects[_key(event.object)] = event.object

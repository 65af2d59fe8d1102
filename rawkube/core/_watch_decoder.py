"""The watch stream decoder: bytes in as they arrive, events out, the server's errors raised.

Theory of operation
-------------------
A watch answer is a stream of JSON objects, one per line: ``{"type": "ADDED", "object": {...}}``.
:class:`WatchDecoder` does no I/O. :meth:`WatchDecoder.feed` takes whatever bytes arrived (a
chunk boundary may fall anywhere: inside a line, inside a UTF-8 character) and returns the
events its complete lines make; :meth:`WatchDecoder.close` takes the end of the stream.

* Lines are split on ``b"\\n"`` only. ``str.splitlines`` would also split on ``\\x85`` and
  ``\\u2028``, which are valid inside JSON strings.
* A line may not grow past ``max_event_bytes`` (the API server stores objects of at most
  1.5 MiB; the default leaves room for any real one): past it the stream is refused with a
  :class:`~rawkube.DecodeError` rather than buffered without end.
* Each line is parsed, its ``type`` checked (``ADDED``, ``MODIFIED``, ``DELETED``,
  ``BOOKMARK``, ``ERROR``) and only then its object decoded: into the model (built as
  ``Result.into`` builds, nested models on first read) or kept as the server's dict.
* Into a model, a line is read in one pass into its type and the object's own fields, each
  nested object kept as raw JSON (checked to be well-formed, not yet parsed), and the
  metadata is built at once (the resourceVersion is in it). The model parses any other nested
  field when it is first read, so a caller reading a pod's name never parses its spec. Any
  line this quick reading does not fit (an ERROR, a bookmark, a kind or field of the wrong
  type, malformed JSON) is parsed whole and checked as a dict is, which makes the same events
  and the same errors.
* An ``ERROR`` event carries a Status and is raised as its :class:`~rawkube.ApiError`
  (``410`` Expired: :class:`~rawkube.GoneError`), never returned; one whose details nest too
  deep still is, without them.
* A line nesting objects and arrays deeper than rawkube decodes (``MAX_DEPTH``, 200 levels)
  is a :class:`~rawkube.DecodeError` naming it. Into a model, an event whose metadata fits is
  returned, and a deeper nested field raises the DecodeError when it is first read.
* A line that is not JSON, has another type, or an object of another kind is a
  :class:`~rawkube.DecodeError` naming the line. Events decoded before such a line in the
  same chunk are returned first; the error is raised by the next ``feed`` or ``close``, so
  nothing the server sent is lost.
* Bytes left without a final newline when the stream ends are decoded if they are a complete
  event. A stream that ends inside an event was cut short (a connection closed early, not a
  bad event): that is a :class:`~rawkube.TransportError`, which a retrying watch resumes from,
  while a complete line that does not decode would be met again at every resume.
* The decoder remembers the last ``resourceVersion`` it saw (objects and bookmarks alike), to
  resume from, and whether the ``k8s.io/initial-events-end`` bookmark has come.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeVar

from rawkube.core._api_errors import ApiError
from rawkube.core._decode import MAX_DEPTH, TooDeep, loads
from rawkube.core._exceptions import DecodeError, RawkubeError, TransportError
from rawkube.core._framing import LineFramer
from rawkube.core._status import body_snippet, error_from_response, top_level

__all__ = [
    "DEFAULT_MAX_EVENT_BYTES",
    "EVENT_TYPES",
    "INITIAL_EVENTS_END",
    "WatchDecoder",
    "WatchEvent",
]

T = TypeVar("T")

EventType = Literal["ADDED", "MODIFIED", "DELETED", "BOOKMARK"]
EVENT_TYPES = frozenset({"ADDED", "MODIFIED", "DELETED", "BOOKMARK", "ERROR"})
INITIAL_EVENTS_END = "k8s.io/initial-events-end"
DEFAULT_MAX_EVENT_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class WatchEvent(Generic[T]):
    """One change: ``type`` is ADDED, MODIFIED, DELETED or BOOKMARK; ``object`` the object."""

    type: EventType
    object: T


class WatchDecoder(Generic[T]):
    """Decodes a watch stream fed in chunks; see the module docstring.

    ``decode`` turns an event's parsed object into what events carry (a model, or the dict
    itself when None). ``read_fields`` and ``build``, if given, are the quick way: the first
    reads a line into its type and its object's fields (nested ones as raw JSON), the second
    builds what the event carries from those; each raises ``ValueError`` for what it cannot
    take. ``kind`` is the kind the objects must have (None: any).
    """

    def __init__(
        self,
        decode: Callable[[dict[str, Any]], T] | None = None,
        *,
        read_fields: Callable[[bytes], tuple[str, dict[str, Any]]] | None = None,
        build: Callable[[dict[str, Any]], T] | None = None,
        kind: str | None = None,
        max_event_bytes: int = DEFAULT_MAX_EVENT_BYTES,
    ) -> None:
        if max_event_bytes <= 0:
            raise ValueError(f"max_event_bytes must be positive, not {max_event_bytes!r}")
        if (read_fields is None) != (build is None) or (build is not None and decode is None):
            raise ValueError("read_fields and build come together, and with decode")
        self._decode = decode
        self._read_fields = read_fields
        self._build = build
        self._kind = kind
        self._max = max_event_bytes
        self._framer = LineFramer(max_event_bytes)
        self._error: RawkubeError | None = None
        self._lines = 0
        self.resource_version: str | None = None
        """The last resourceVersion seen, from an object or a bookmark (None before any)."""
        self.initial_events_done = False
        """Whether the bookmark marking the end of the initial events (sendInitialEvents) came."""

    def feed(self, data: bytes) -> list[WatchEvent[T]]:
        """The events the complete lines in ``data`` (and what came before) make.

        Raises :class:`~rawkube.ApiError` for an ERROR event and
        :class:`~rawkube.DecodeError` for a bad line, an oversized event, or a feed after one
        of those was raised.
        """
        events: list[WatchEvent[T]] = []
        for line in self.split(data):
            try:
                event = self.decode(line)
            except RawkubeError as exc:
                if not events:
                    raise
                self._error = exc  # raised by the next call, after these events
                break
            if event is not None:
                events.append(event)
        return events

    def split(self, data: bytes) -> list[bytes]:
        """The complete lines in ``data`` (and what came before), not yet decoded.

        :meth:`feed` is ``split`` then :meth:`decode` of each line. A caller handing events
        out one at a time decodes each line as it is asked for, so a chunk's events do not all
        live at once (the collector would walk them again and again). Raises as :meth:`feed`
        for an oversized event, after returning the lines before it.
        """
        self._raise_pending()
        lines, too_long = self._framer.split(data)
        if too_long is not None:
            number = self._lines + sum(1 for line in lines if line.strip()) + 1
            self._error = DecodeError(
                f"watch event {number} is larger than {self._max} "
                f"bytes; it starts {body_snippet(too_long.start)!r}"
            )
            if not lines:
                self._raise_pending()
        return lines

    def decode(self, line: bytes) -> WatchEvent[T] | None:
        """The event one line makes (None for a blank line); raises as :meth:`feed`.

        After it raised, the stream is spent: the next :meth:`feed`, :meth:`split` or
        :meth:`close` raises a :class:`~rawkube.DecodeError` saying so.
        """
        try:
            return self._line(line)
        except RawkubeError as exc:
            self._error = _spent(exc)
            raise

    def close(self) -> list[WatchEvent[T]]:
        """The last event, when the stream ended without a newline after it.

        Raises as :meth:`feed`, and :class:`~rawkube.TransportError` when the stream ended
        inside an event (it was cut short).
        """
        self._raise_pending()
        rest = self._framer.rest()
        if not rest.strip():
            return []
        try:
            loads(rest)
        except TooDeep:
            pass  # whole, but too deep: decoded below, which says so
        except ValueError:
            self._lines += 1
            raise TransportError(
                f"watch event {self._lines}: the stream ended inside it; "
                f"it starts {body_snippet(rest)!r}"
            ) from None
        event = self._line(rest)
        return [] if event is None else [event]

    def _raise_pending(self) -> None:
        error = self._error
        if error is not None:
            self._error = _spent(error)
            raise error

    def _line(self, line: bytes) -> WatchEvent[T] | None:
        if not line or line.isspace():
            return None  # a blank line is no event (the API server sends none)
        self._lines += 1
        if self._read_fields is not None:
            event = self._raw_line(line)
            if event is not None:
                return event
        where = f"watch event {self._lines}"
        try:
            data = loads(line)
        except TooDeep:
            self._raise_deep_error(line)
            raise DecodeError(
                f"{where} nests deeper than {MAX_DEPTH} levels of objects and arrays; "
                f"it starts {body_snippet(line)!r}"
            ) from None
        except ValueError as exc:
            raise DecodeError(
                f"{where} is not JSON ({exc}); it starts {body_snippet(line)!r}"
            ) from None
        kind = data.get("type") if isinstance(data, dict) else None
        obj = data.get("object") if isinstance(data, dict) else None
        if not isinstance(kind, str) or kind not in EVENT_TYPES:  # a dict is not even hashable
            raise DecodeError(f"{where} has the unknown type {kind!r}")
        if not isinstance(obj, dict):
            raise DecodeError(f"{where} ({kind}) carries no object")
        if kind == "ERROR":
            code = obj.get("code")
            raise error_from_response(
                code if isinstance(code, int) else 500, json.dumps(obj).encode()
            )
        metadata = obj.get("metadata")
        if isinstance(metadata, dict):
            version = metadata.get("resourceVersion")
            if isinstance(version, str) and version:
                self.resource_version = version
            annotations = metadata.get("annotations")
            if (
                kind == "BOOKMARK"
                and isinstance(annotations, dict)
                and annotations.get(INITIAL_EVENTS_END) == "true"
            ):
                self.initial_events_done = True
        if self._kind is not None and obj.get("kind") not in (None, self._kind):
            raise DecodeError(f"{where} ({kind}) is a {obj.get('kind')}, not a {self._kind}")
        if self._decode is None:
            return WatchEvent(kind, obj)  # type: ignore[arg-type]
        try:
            decoded = self._decode(obj)
            getattr(
                decoded, "metadata", None
            )  # built now, as on the quick path: every reader needs it
            return WatchEvent(kind, decoded)  # type: ignore[arg-type]
        except ValueError as exc:  # pydantic's ValidationError is one
            why = _describe(exc)
        except DecodeError as exc:
            why = str(exc)
        raise DecodeError(f"{where} ({kind}{_identity(obj)}) does not decode: {why}")

    def _raise_deep_error(self, line: bytes) -> None:
        """Raise the ApiError of an ERROR event too deep to parse whole (its details left out)."""
        members = top_level(line)
        if members is None or members.get("type") != b'"ERROR"' or "object" not in members:
            return
        status = members["object"]
        code = top_level(status) or {}
        number = code.get("code", b"")
        raise error_from_response(int(number) if number.isdigit() else 500, status)

    def _raw_line(self, line: bytes) -> WatchEvent[T] | None:
        """The event of an ordinary line, its object built from raw JSON; None for any other.

        Nothing is changed unless an event is returned: the caller then reads the line whole,
        which reports whatever this did not take.
        """
        if line.__class__ is not bytes:
            line = bytes(line)  # raw JSON refers to its buffer: it must not change
        try:
            kind, fields = self._read_fields(line)  # type: ignore[misc]
            if kind not in _OBJECT_EVENTS or (not line.isascii() and not _utf8(line)):
                return None
            version = None
            metadata = fields.get("metadata")
            if metadata is not None:
                if kind == "BOOKMARK":
                    return None  # rare: its annotations are read from the parsed line
                version = _version_of(metadata)
            if self._kind is not None and fields.get("kind") not in (None, self._kind):
                return None
            decoded = self._build(fields)  # type: ignore[misc]
        except ValueError:  # msgspec's errors and pydantic's ValidationError are ValueErrors
            return None
        except DecodeError as exc:  # the metadata, built at once, is wrong
            raise DecodeError(
                f"watch event {self._lines} ({kind}) does not decode: {exc}"
            ) from None
        if isinstance(version, str) and version:
            self.resource_version = version
        return WatchEvent(kind, decoded)  # type: ignore[arg-type]

    @classmethod
    def of(cls, model: type[T], **options: Any) -> WatchDecoder[T]:
        """A decoder whose events carry ``model`` objects, built as ``Result.into`` builds them."""
        from rawkube.models._lazy import build, build_fields, read_event

        kind = getattr(model, "__kind__", None) or None
        return cls(
            lambda obj: build(model, obj),  # type: ignore[type-var]
            read_fields=lambda line: read_event(model, line),  # type: ignore[arg-type]
            # The object sits inside the line's own object.
            build=lambda fields: build_fields(model, fields, at=1),  # type: ignore[type-var]
            kind=kind,
            **options,
        )


_OBJECT_EVENTS = frozenset({"ADDED", "MODIFIED", "DELETED", "BOOKMARK"})


def _version_of(metadata: Any) -> Any:
    """The resourceVersion of metadata built as a model, or kept as parsed JSON."""
    if isinstance(metadata, dict):
        return metadata.get("resourceVersion")
    return getattr(metadata, "resource_version", None)


def _utf8(line: bytes) -> bool:
    """Whether ``line`` is valid UTF-8 (raw JSON is checked for it only when parsed)."""
    try:
        line.decode()
    except UnicodeDecodeError:
        return False
    return True


def _identity(obj: dict[str, Any]) -> str:
    """`` of ns/name at resourceVersion N``: what the event's object says it is, if it says."""
    metadata = obj.get("metadata")
    if not isinstance(metadata, dict):
        return ""
    name, namespace = metadata.get("name"), metadata.get("namespace")
    version = metadata.get("resourceVersion")
    text = ""
    if isinstance(name, str) and name:
        text = (
            f" of {namespace}/{name}" if isinstance(namespace, str) and namespace else f" of {name}"
        )
    if isinstance(version, str) and version:
        text += f" at resourceVersion {version}"
    return text


def _describe(exc: ValueError) -> str:
    """A validation error's fields and messages, without the values (they may be secrets)."""
    if hasattr(exc, "errors"):
        from rawkube.models._lazy import summarise

        return summarise(exc)  # type: ignore[arg-type]
    return str(exc)


def _spent(error: RawkubeError) -> RawkubeError:
    """What a decoder raises once an error ended its stream: it takes no more bytes."""
    if isinstance(error, ApiError):
        return DecodeError(f"the watch stream ended with an error: {error}")
    return DecodeError(f"the watch stream was refused: {error}")

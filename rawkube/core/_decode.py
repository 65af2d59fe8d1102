"""JSON decoding: dicts, raw spans for models, big bodies with the garbage collector paused.

A 10,000-pod list allocates millions of objects, none of them garbage, and each allocation
burst sets off another collection that walks them all again: with the collector running,
decoding takes several times as long. So a body above ``BULK_BYTES``, or a batch of at least
512 models built in one call, is decoded with automatic collections paused. Small bodies skip
this: the pause would cost more than it saves.

The pause raises the youngest generation's threshold out of reach rather than calling
``gc.disable()``: the application's own ``gc.disable()`` or ``gc.enable()`` during a decode
(from another thread) is then seen and kept, where a collector rawkube disabled could not tell
it apart and would be turned back on. The pause is counted across threads: the threshold
comes back when the last overlapping bulk decode ends, unless the application set its own
meanwhile. ``gc.isenabled()`` is never changed, and no object is frozen: the collections the
pause held off then run as usual. :func:`set_collector_pause` turns the pause off.

msgspec also decodes an object into its fields still as raw JSON (:func:`raw_fields`): spans of
the input, checked to be well-formed but not yet parsed. Models keep such spans for their nested
fields and parse one when it is first read (:mod:`rawkube.models._lazy`). A span refers to the
``bytes`` it came from, which stay alive as long as it does; they are immutable, so a span
never changes.

Nesting is limited to :data:`MAX_DEPTH` levels of objects and arrays, pydantic-core's parser's
own limit: the API server takes JSON up to 10,000 levels deep (a custom resource that keeps
unknown fields stores whatever it is given), while CPython's recursion limit of 1,000 counts
every level of ``repr``, ``==`` or ``copy.deepcopy`` of the decoded data, and pydantic-core's
serialiser stops at 255. A value that nests at most 200 levels can be parsed, printed, compared
and dumped with room to spare on the caller's stack; anything deeper raises :class:`TooDeep`.
Each parser enforces it its own way: pydantic-core's refuses deeper input itself; msgspec
parses whole only text with at most ``MAX_DEPTH`` ``{`` and ``[`` in all (which cannot nest
deeper; counting them costs about a seventh of the parse), the rest going to pydantic-core's
parser; where msgspec skips values (raw spans) its recursion is bounded by the stack, and a
``RecursionError`` from it (raised as it descends, its own objects freed on the way back)
becomes :class:`TooDeep`.

Two parsers, each for what it does best (``bench/json_parsers.py``): msgspec for raw spans
(no other parser makes them), watch lines and small bodies; pydantic-core's for big bodies.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from msgspec import Raw

BULK_BYTES = 256 * 1024

MAX_DEPTH = 200
"""The deepest nesting of objects and arrays rawkube decodes (pydantic-core's parser's limit)."""

# bytes.translate deletes every byte but these, leaving one byte per "{" and "[".
_NOT_OPENING = bytes(b for b in range(256) if b not in b"{[")

PAUSED_THRESHOLD = 1 << 30
"""The youngest generation's threshold during a pause: more objects than any decode makes."""

_lock = threading.Lock()
_pauses = 0
_threshold = 0  # the youngest generation's threshold when the first overlapping pause began


_pausing = True


def set_collector_pause(enabled: bool) -> None:
    """Whether rawkube pauses automatic garbage collections while it decodes in bulk.

    On by default. Turned off, rawkube never touches the collector's settings: for an
    application that tunes the collector itself, or that wants every collection to run when
    the interpreter would run it.
    """
    global _pausing
    _pausing = bool(enabled)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Hold off automatic collections for the block, however many threads share the pause."""
    global _pauses, _threshold
    if not _pausing:
        yield
        return
    with _lock:
        if _pauses == 0:
            _threshold, *older = gc.get_threshold()
            gc.set_threshold(PAUSED_THRESHOLD, *older)
        _pauses += 1
    try:
        yield
    finally:
        with _lock:
            _pauses -= 1
            if _pauses == 0:
                young, *older = gc.get_threshold()
                if young == PAUSED_THRESHOLD:  # else the application set its own: that stays
                    gc.set_threshold(_threshold, *older)


class TooDeep(ValueError):
    """JSON nested deeper than :data:`MAX_DEPTH` levels (or than the stack leaves room for)."""

    def __init__(self, limit: int = MAX_DEPTH) -> None:
        super().__init__(f"nested deeper than {limit} levels")


def loads(content: bytes | Raw, limit: int = MAX_DEPTH) -> Any:
    """Parse JSON nesting at most ``limit`` levels: a big body with the collector paused.

    msgspec parses a small body or a watch line fastest (pydantic-core's parser took nearly
    twice as long over watch lines). For a big body pydantic-core's parser wins: it makes one
    string object for each repeated key and short value, where msgspec makes a new one each
    time, so there are fewer objects to make and, later, to free. Raises ``ValueError`` when
    ``content`` is not JSON, :class:`TooDeep` (one) when it nests deeper than ``limit``.
    """
    if not isinstance(content, bytes):
        content = bytes(memoryview(content))  # a raw value: the parsers and the count take bytes
    if len(content) < BULK_BYTES:
        if len(content.translate(None, _NOT_OPENING)) > limit:
            return _bounded(content, limit)  # may nest too deep: counted exactly
        return parse_plain(_decoders().plain, content)
    with collector_paused():
        return _bounded(content, limit)


def _bounded(content: bytes, limit: int = MAX_DEPTH) -> Any:
    """Parse with pydantic-core's parser, which refuses nesting past ``MAX_DEPTH`` itself."""
    from pydantic_core import from_json

    try:
        parsed = from_json(content, allow_inf_nan=False)
    except ValueError as exc:
        if "recursion limit exceeded" in str(exc):
            raise TooDeep() from None
        raise
    if limit < MAX_DEPTH and deeper_than(parsed, limit):
        raise TooDeep()
    return parsed


def parse_plain(parse: Callable[[Any], Any], content: Any) -> Any:
    """``parse(content)`` by a msgspec decoder, its running out of stack raised as TooDeep."""
    try:
        return parse(content)
    except RecursionError:
        raise TooDeep() from None


def deeper_than(value: Any, limit: int) -> bool:
    """Whether parsed JSON ``value`` nests more than ``limit`` levels of dicts and lists.

    Level by level, never recursing: ``value`` may come from a parser with a higher limit.
    """
    level, depth = [value], 0
    while level:
        below: list[Any] = []
        found = False
        for item in level:
            if isinstance(item, dict):
                found = True
                below.extend(item.values())
            elif isinstance(item, (list, tuple)):
                found = True
                below.extend(item)
        if not found:
            return False
        depth += 1
        if depth > limit:
            return True
        level = below
    return False


def raw_fields(content: bytes | Raw) -> dict[str, Raw]:
    """A JSON object's fields, each value still the raw JSON it was in ``content``.

    Raises ``msgspec.ValidationError`` (a ``ValueError``) when ``content`` is JSON but not an
    object, ``msgspec.DecodeError`` (its base) when it is not well-formed JSON, :class:`TooDeep`
    when skipping a value ran out of stack. Strings inside a value are checked when the value
    is parsed, not here; nor is its depth, beyond what the stack allows.
    """
    return parse_plain(_decoders().fields, content)  # type: ignore[no-any-return]


def raw_event(line: bytes) -> tuple[str, dict[str, Raw]]:
    """A watch line's type and its object's fields as raw JSON; raises as :func:`raw_fields`."""
    event = parse_plain(_decoders().event, line)
    return event.type, event.object


def raw_items(content: bytes | Raw) -> list[Raw]:
    """A JSON array's items, each still raw JSON; raises as :func:`raw_fields`."""
    return parse_plain(_decoders().items, content)  # type: ignore[no-any-return]


def plain_decoder() -> Callable[[bytes | Raw], Any]:
    """msgspec's JSON parser itself, for many small values in a row (through parse_plain)."""
    return _decoders().plain


def raw_type() -> type[Raw]:
    """msgspec's ``Raw``: the type of raw JSON spans (importing msgspec on first use)."""
    return _decoders().raw


def is_raw(value: object) -> bool:
    """Whether ``value`` is raw JSON (a span :func:`raw_fields` returned)."""
    return value.__class__ is _decoders().raw


class _Decoders:
    """msgspec's decoders, made when first needed: importing msgspec costs every import."""

    __slots__ = ("event", "fields", "items", "plain", "raw")

    def __init__(self) -> None:
        import msgspec

        self.raw = msgspec.Raw
        self.plain = msgspec.json.Decoder().decode
        self.fields = msgspec.json.Decoder(dict[str, msgspec.Raw]).decode
        self.items = msgspec.json.Decoder(list[msgspec.Raw]).decode
        # Made with defstruct: this module's postponed annotations would name msgspec, which
        # its globals do not hold.
        event = msgspec.defstruct("Event", [("type", str), ("object", dict[str, msgspec.Raw])])
        self.event: Callable[[bytes], Any] = msgspec.json.Decoder(event).decode


_made: _Decoders | None = None


def _decoders() -> _Decoders:
    global _made
    if _made is None:
        _made = _Decoders()
    return _made

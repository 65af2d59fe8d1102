"""JSON decoding: dicts, raw spans for models, big bodies with the garbage collector paused.

A 10,000-pod list allocates millions of objects, none of them garbage, and each allocation
burst sets off another collection that walks them all again: with the collector running,
decoding takes several times as long. So a body above ``BULK_BYTES`` is decoded with automatic
collections paused, and the new objects are then moved straight to the oldest generation
(which only the rare full collection walks). Small bodies skip all of this: the pause would
cost more than it saves.

The pause raises the youngest generation's threshold out of reach rather than calling
``gc.disable()``: the application's own ``gc.disable()`` or ``gc.enable()`` during a decode
(from another thread) is then seen and kept, where a collector rawkube disabled could not tell
it apart and would be turned back on. The pause is counted across threads: the threshold
comes back when the last overlapping bulk decode ends, unless the application set its own
meanwhile. ``gc.isenabled()`` is never changed, nor objects the application froze.

msgspec also decodes an object into its fields still as raw JSON (:func:`raw_fields`): spans of
the input, checked to be well-formed but not yet parsed. Models keep such spans for their nested
fields and parse one when it is first read (:mod:`rawkube.models._lazy`). A span refers to the
``bytes`` it came from, which stay alive as long as it does; they are immutable, so a span
never changes.
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

PAUSED_THRESHOLD = 1 << 30
"""The youngest generation's threshold during a pause: more objects than any decode makes."""

_lock = threading.Lock()
_pauses = 0
_threshold = 0  # the youngest generation's threshold when the first overlapping pause began


@contextmanager
def collector_paused() -> Iterator[None]:
    """Hold off automatic collections for the block, however many threads share the pause."""
    global _pauses, _threshold
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
                _resume()


def _resume() -> None:
    """End the last pause (the lock is held): the threshold back, unless replaced meanwhile."""
    # Everything decoded meanwhile sits in the youngest generation, and the first collection
    # after the pause would walk all of it (seconds for a big list). freeze() then unfreeze()
    # moves it to the oldest generation at once, where only the rare full collection looks;
    # nothing is kept from being collected. Not when the application froze objects itself
    # (before forking workers, say): unfreeze() would release those too.
    if gc.get_freeze_count() == 0:
        gc.freeze()
        gc.unfreeze()
    young, *older = gc.get_threshold()
    if young == PAUSED_THRESHOLD:  # else the application set its own: that one stays
        gc.set_threshold(_threshold, *older)


def loads(content: bytes | Raw) -> Any:
    """Parse JSON: a big body with pydantic-core's parser and the collector paused.

    orjson parses a small body or a watch line fastest: within a watch stream it took 0.6 s
    less than msgspec over 50,000 pod lines. For a big body pydantic-core's parser wins: it
    makes one string object for each repeated key and short value, where the others make a new
    one each time, so there are fewer objects to make and, later, to free (a 10,000-pod list:
    ~0.2 s of freeing against ~0.35 s). Raises ``ValueError`` when ``content`` is not JSON.
    """
    if len(content) < BULK_BYTES:
        decoders = _decoders()
        try:
            return decoders.dicts(content if content.__class__ is bytes else memoryview(content))
        except ValueError:  # orjson refuses a few valid documents (integers past 64 bits)
            return decoders.plain(content)
    from pydantic_core import from_json

    if not isinstance(content, bytes):
        content = bytes(memoryview(content))  # a raw value: pydantic-core takes bytes
    with collector_paused():
        return from_json(content)


def raw_fields(content: bytes | Raw) -> dict[str, Raw]:
    """A JSON object's fields, each value still the raw JSON it was in ``content``.

    Raises ``msgspec.ValidationError`` (a ``ValueError``) when ``content`` is JSON but not an
    object, ``msgspec.DecodeError`` (its base) when it is not well-formed JSON. Strings inside
    a value are checked when the value is parsed, not here.
    """
    return _decoders().fields(content)


def raw_event(line: bytes) -> tuple[str, dict[str, Raw]]:
    """A watch line's type and its object's fields as raw JSON; raises as :func:`raw_fields`."""
    event = _decoders().event(line)
    return event.type, event.object


def raw_items(content: bytes | Raw) -> list[Raw]:
    """A JSON array's items, each still raw JSON; raises as :func:`raw_fields`."""
    return _decoders().items(content)


def plain_decoder() -> Callable[[bytes | Raw], Any]:
    """msgspec's JSON parser itself, for many small values in a row."""
    return _decoders().plain


def is_raw(value: object) -> bool:
    """Whether ``value`` is raw JSON (a span :func:`raw_fields` returned)."""
    return value.__class__ is _decoders().raw


class _Decoders:
    """msgspec's decoders, made when first needed: importing msgspec costs every import."""

    __slots__ = ("dicts", "event", "fields", "items", "plain", "raw")

    def __init__(self) -> None:
        import msgspec
        import orjson

        self.dicts = orjson.loads

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

"""Bulk decoding: big bodies are parsed with Python's cyclic garbage collector paused.

A 10,000-pod list allocates millions of objects, none of them garbage, and each allocation
burst sets off another collection that walks them all again: with the collector running,
decoding takes several times as long. So a body above ``BULK_BYTES`` is decoded with the
collector paused, the new objects are moved straight to the oldest generation (which only the
rare full collection walks), and the collector's state is restored. The pause is counted
across threads: the collector comes back on when the last concurrent bulk decode ends, and
only if it was on when the first began. Small bodies skip all of this: the pause would cost
more than it saves.
"""

from __future__ import annotations

import gc
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

BULK_BYTES = 256 * 1024

_lock = threading.Lock()
_pauses = 0
_was_enabled = False


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for the block, however many threads share the pause."""
    global _pauses, _was_enabled
    with _lock:
        if _pauses == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        with _lock:
            _pauses -= 1
            if _pauses == 0 and _was_enabled:
                # Everything decoded meanwhile sits in the youngest generation, and the first
                # collection after enable() would walk all of it (seconds for a big list).
                # freeze() then unfreeze() moves it to the oldest generation at once, where only
                # the rare full collection looks; nothing is kept from being collected.
                gc.freeze()
                gc.unfreeze()
                gc.enable()


def loads(content: bytes, *, fast: bool = False) -> Any:
    """Parse JSON; a big body with pydantic-core's parser and the collector paused.

    ``fast=True`` takes pydantic-core's parser for a small body too (a fifth quicker than
    ``json.loads`` on a pod), for callers that have loaded pydantic anyway; plain ``.json()``
    callers are spared importing it. Raises ``ValueError`` (json's or pydantic-core's) when the
    body is not JSON.
    """
    if len(content) < BULK_BYTES:
        if not fast:
            return json.loads(content)
        from pydantic_core import from_json

        return from_json(content)
    from pydantic_core import from_json  # as fast as orjson, and already a dependency

    with collector_paused():
        return from_json(content)

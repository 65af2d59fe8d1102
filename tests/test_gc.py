"""Bulk decodes hold off collections without undoing the application's own collector settings.

Each bulk decode runs inside ``collector_paused()``; here pauses are held open in threads, and
the application (the test) changes the collector while they overlap, in either order.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator

import pytest

from rawkube.core._decode import BULK_BYTES, collector_paused, loads


class Decode:
    """A bulk decode's pause, held open in a thread of its own until :meth:`end`."""

    def __init__(self) -> None:
        self._inside, self._leave = threading.Event(), threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        assert self._inside.wait(5), "the decode never started"

    def _run(self) -> None:
        with collector_paused():
            self._inside.set()
            self._leave.wait(5)

    def end(self) -> None:
        self._leave.set()
        self._thread.join(5)
        assert not self._thread.is_alive(), "the decode never ended"


@pytest.fixture(autouse=True)
def application_collector() -> Iterator[None]:
    """Start with the collector on at its usual threshold; put back what the test found."""
    was_enabled, threshold = gc.isenabled(), gc.get_threshold()
    gc.enable()
    yield
    gc.set_threshold(*threshold)
    if was_enabled:
        gc.enable()
    else:
        gc.disable()


@pytest.fixture
def collections() -> Iterator[list[int]]:
    """The generation of each collection that starts in the test's thread during the test.

    A collection runs in the thread whose allocation (or ``gc.collect()``) set it off; one that
    a thread left over from an earlier test starts is not this test's decode's doing.
    """
    started: list[int] = []
    ours = threading.get_ident()

    def record(phase: str, info: dict[str, int]) -> None:
        if phase == "start" and threading.get_ident() == ours:
            started.append(info["generation"])

    gc.callbacks.append(record)
    yield started
    gc.callbacks.remove(record)


def allocate_past_the_threshold(threshold: int) -> list[list[int]]:
    return [[] for _ in range(threshold * 5)]  # tracked containers, kept alive


ORDERS = [
    pytest.param(("first", "second"), id="first in, first out"),
    pytest.param(("second", "first"), id="last in, first out"),
]


def test_the_application_turning_the_collector_off_during_a_decode_is_kept():
    decode = Decode()
    gc.disable()
    decode.end()
    assert not gc.isenabled()


def test_a_big_body_decoded_with_the_collector_off_leaves_it_off():
    gc.disable()
    body = b'{"items": [' + b",".join([b'{"name": "pod"}'] * (BULK_BYTES // 10)) + b"]}"
    assert len(loads(body)["items"]) == BULK_BYTES // 10
    assert not gc.isenabled()


@pytest.mark.parametrize("order", ORDERS)
def test_overlapping_decodes_keep_the_applications_off_switch(order):
    decodes = {"first": Decode(), "second": Decode()}
    gc.disable()  # while both are paused
    for name in order:
        decodes[name].end()
        assert not gc.isenabled()


@pytest.mark.parametrize("order", ORDERS)
def test_overlapping_decodes_leave_the_collector_on_and_collecting(order, collections):
    threshold = gc.get_threshold()
    decodes = {"first": Decode(), "second": Decode()}
    kept = allocate_past_the_threshold(threshold[0])
    for name in order:
        assert collections == [], "a collection ran while a decode was paused"
        decodes[name].end()
    assert gc.isenabled()
    assert gc.get_threshold() == threshold
    kept += allocate_past_the_threshold(threshold[0])
    assert collections, "collections did not resume after the last decode"


def test_the_application_turning_the_collector_on_during_a_decode_is_kept():
    gc.disable()
    decode = Decode()
    gc.enable()
    decode.end()
    assert gc.isenabled()


def test_a_threshold_the_application_sets_during_a_decode_is_kept():
    decode = Decode()
    gc.set_threshold(5000, 20, 30)
    decode.end()
    assert gc.get_threshold() == (5000, 20, 30)


def test_objects_the_application_froze_stay_frozen():
    frozen = [[] for _ in range(10)]
    gc.freeze()
    try:
        count = gc.get_freeze_count()
        Decode().end()
        assert gc.get_freeze_count() == count
    finally:
        gc.unfreeze()
    del frozen

"""Bulk decoding pauses the garbage collector, and always restores it, across threads too."""

from __future__ import annotations

import gc
import json
import threading

import pytest

import rawkube
from rawkube.core._decode import (
    BULK_BYTES,
    PAUSED_THRESHOLD,
    collector_paused,
    is_raw,
    loads,
    raw_fields,
    raw_items,
)


@pytest.fixture
def collector_on():
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def collecting() -> bool:
    """Whether automatic collections run: the collector on, its threshold not out of reach."""
    return gc.isenabled() and gc.get_threshold()[0] != PAUSED_THRESHOLD


def test_the_collector_is_paused_and_restored(collector_on):
    with collector_paused():
        assert not collecting()
    assert collecting()


def test_an_error_inside_still_restores_it(collector_on):
    with pytest.raises(RuntimeError), collector_paused():
        raise RuntimeError("decode failed")
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off(collector_on):
    gc.disable()
    with collector_paused():
        pass
    assert not gc.isenabled()
    gc.enable()


def test_overlapping_pauses_from_two_threads(collector_on):
    first_in, second_in, first_may_leave = threading.Event(), threading.Event(), threading.Event()
    seen = []

    def first():
        with collector_paused():
            first_in.set()
            first_may_leave.wait(5)
        seen.append(("first left", collecting()))

    thread = threading.Thread(target=first)
    thread.start()
    first_in.wait(5)
    with collector_paused():
        second_in.set()
        first_may_leave.set()
        thread.join(5)
        seen.append(("second inside", collecting()))
    seen.append(("second left", collecting()))
    assert seen == [("first left", False), ("second inside", False), ("second left", True)]


def test_loads_small_and_big_bodies_alike():
    small = {"a": [1, 2.5, "x", None, True]}
    assert loads(json.dumps(small).encode()) == small
    big = {
        "items": [{"name": f"pod-{i}", "labels": {"app": "web"}} for i in range(BULK_BYTES // 20)]
    }
    content = json.dumps(big).encode()
    assert len(content) > BULK_BYTES
    assert loads(content) == big
    assert loads(raw_fields(b'{"big": ' + content + b"}")["big"]) == big  # raw JSON too


def test_loads_takes_what_json_allows_beyond_64_bit_integers():
    big = 2**70
    assert loads(f'{{"n": {big}, "m": -{big}}}'.encode()) == {"n": big, "m": -big}
    assert loads(raw_fields(b'{"x": {"a": [1, 2]}}')["x"]) == {"a": [1, 2]}


def test_raw_fields_and_items_keep_each_value_as_it_was_sent():
    fields = raw_fields(b'{"a": {"b" : [1, 2]}, "c": "x\\u00e9", "d": null}')
    assert list(fields) == ["a", "c", "d"]
    assert all(is_raw(value) for value in fields.values())
    assert bytes(fields["a"]) == b'{"b" : [1, 2]}'  # the server's own text, spacing and all
    assert loads(fields["c"]) == "x\u00e9"
    assert loads(fields["d"]) is None
    assert [loads(item) for item in raw_items(b'[{"n": 1}, 2, "three"]')] == [{"n": 1}, 2, "three"]
    assert not is_raw({"a": 1})


@pytest.mark.parametrize("content", [b"[1, 2]", b'"text"', b"{", b'{"a": [1,]}'])
def test_raw_fields_refuses_what_is_not_a_well_formed_object(content):
    with pytest.raises(ValueError):  # noqa: PT011 (msgspec's own DecodeError, a ValueError)
        raw_fields(content)


@pytest.mark.parametrize("content", [b"{", b"not json", b"[1,]", b"x" * (BULK_BYTES + 1)])
def test_loads_raises_value_error_for_bad_json(content):
    with pytest.raises(ValueError):  # noqa: PT011 (json's and pydantic-core's messages differ)
        loads(content)


def test_objects_made_during_a_pause_are_collected_as_usual_afterwards(collector_on):
    class Marker:  # tracked by the collector, unlike a dict of plain values
        pass

    frozen = gc.get_freeze_count()
    with collector_paused():
        marker = Marker()
    # Nothing is frozen or moved: the young objects, the application's among them, stay
    # where the collector put them, and its next collection looks at them as usual.
    assert gc.get_freeze_count() == frozen
    assert any(o is marker for o in gc.get_objects(generation=0))


def test_the_switch_leaves_the_collector_alone(collector_on):
    seen: list[tuple[int, int, int]] = []
    body = b"[" + b",".join([b'{"a":[1]}'] * (BULK_BYTES // 8)) + b"]"
    rawkube.set_collector_pause(False)
    try:
        with collector_paused():
            seen.append(gc.get_threshold())
        loads(body)
    finally:
        rawkube.set_collector_pause(True)
    assert seen == [gc.get_threshold()]
    with collector_paused():
        assert gc.get_threshold()[0] == PAUSED_THRESHOLD


def test_the_collector_still_reclaims_cycles_made_during_a_pause(collector_on):
    import weakref

    class Node:
        pass

    with collector_paused():
        node = Node()
        node.me = node  # a cycle: refcounting alone cannot free it
        ref = weakref.ref(node)
        del node
    gc.collect()
    assert ref() is None

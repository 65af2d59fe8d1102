"""Newline framing: whole lines from any chunking, a limit on the unfinished one."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rawkube.core._framing import LineFramer, LineTooLong


@given(st.binary(max_size=300), st.lists(st.integers(0, 300), max_size=12))
def test_any_chunking_gives_the_lines_of_the_whole(data, cuts):
    framer = LineFramer(1000)
    lines: list[bytes] = []
    bounds = sorted({0, len(data), *(c for c in cuts if c <= len(data))})
    for start, end in itertools.pairwise(bounds):
        lines += framer.feed(data[start:end])
    *whole, last = data.split(b"\n")
    assert lines == whole
    assert framer.rest() == last
    assert framer.rest() == b""


def test_only_newline_ends_a_line():
    framer = LineFramer(100)
    assert framer.feed(b"a\rb\xe2\x80\xa8c\x85\nd") == [b"a\rb\xe2\x80\xa8c\x85"]


def test_the_unfinished_line_may_not_pass_the_limit():
    framer = LineFramer(8)
    assert framer.feed(b"12345678") == []  # at the limit: still held
    lines, error = framer.split(b"\nok\n123456789")
    assert lines == [b"12345678", b"ok"]
    assert isinstance(error, LineTooLong)
    assert error.limit == 8
    assert error.start == b"123456789"
    with pytest.raises(LineTooLong, match="longer than 8 bytes"):
        LineFramer(8).feed(b"123456789")


def test_a_long_line_in_small_pieces_is_kept_whole():
    framer = LineFramer(1 << 20)
    piece = b"x" * 4096
    for _ in range(200):
        assert framer.feed(piece) == []
    assert framer.feed(b"\n") == [piece * 200]


@pytest.mark.parametrize("limit", [0, -1, True, 1.5])
def test_the_limit_is_a_positive_number_of_bytes(limit):
    with pytest.raises(ValueError, match="positive"):
        LineFramer(limit)

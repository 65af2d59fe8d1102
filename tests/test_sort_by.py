"""``--sort-by``'s order: by value, what lacks the field first, and the paths it refuses."""

from __future__ import annotations

import pytest

from rawkube.core._sort_by import sort_by, sort_path


def test_values_in_order_and_the_ones_without_first_last_first():
    items = [{"n": "b"}, {}, {"n": "a"}, {"x": 1}, {"n": "a", "second": True}, {"n": None}]
    assert sort_by(items, "{.n}") == [
        {"n": None},
        {"x": 1},
        {},
        {"n": "a"},
        {"n": "a", "second": True},
        {"n": "b"},
    ]
    assert sort_by([{"n": 10}, {"n": 9.5}, {"n": 100}], ".n") == [{"n": 9.5}, {"n": 10}, {"n": 100}]


def test_paths_as_kubectl_takes_them():
    assert sort_path("{.metadata.labels['app.kubernetes.io/name']}") == (
        "{.metadata.labels['app.kubernetes.io/name']}",
        ("metadata", "labels", "app.kubernetes.io/name"),
    )
    assert sort_path("metadata.name") == ("{.metadata.name}", ("metadata", "name"))
    with pytest.raises(ValueError, match="unbalanced braces"):
        sort_path("{.a")


@pytest.mark.parametrize(
    ("items", "message"),
    [
        ([{"n": "a"}, {"n": 1}], "values of different types"),
        ([{"n": {}}], "map or a list"),
        ([{}], 'couldn\'t find any field with path "{.n}"'),
    ],
)
def test_what_does_not_sort_is_a_value_error(items, message):
    with pytest.raises(ValueError, match=message):
        sort_by(items, ".n")
    assert sort_by([], ".n") == []

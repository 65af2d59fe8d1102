"""``rawkube.format_table``: the server's Table laid out as ``kubectl get`` prints it."""

from __future__ import annotations

import json

import pytest

import rawkube
from rawkube.models.meta_v1 import Table
from tests.conftest import RECORDED


def recorded_table(name: str) -> dict:
    return json.loads((RECORDED / f"{name}.body").read_bytes())


def test_a_recorded_pod_table_prints_its_priority_0_columns_aligned():
    text = rawkube.format_table(recorded_table("podlist_table"))
    assert text.splitlines() == [
        "NAME    READY   STATUS    RESTARTS   AGE",
        "pod-1   0/1     Pending   0          1s",
        "pod-2   0/1     Pending   0          1s",
        "pod-3   0/1     Pending   0          1s",
    ]


def test_wide_adds_the_other_columns_with_their_spaces_kept():
    header = rawkube.format_table(recorded_table("podlist_table"), wide=True).splitlines()[0]
    assert header.endswith("   NOMINATED NODE   READINESS GATES")


def test_the_model_and_its_dict_print_alike():
    data = recorded_table("deploymentlist_table")
    assert rawkube.format_table(Table.model_validate(data)) == rawkube.format_table(data)


def test_namespace_comes_from_each_rows_object():
    data = recorded_table("configmaplist_table_includeObject")
    lines = rawkube.format_table(data, show_namespace=True).splitlines()
    assert lines[0].startswith("NAMESPACE ")
    namespaces = [row["object"]["metadata"]["namespace"] for row in data["rows"]]
    assert [line.split()[0] for line in lines[1:]] == namespaces


def test_cells_as_kubectl_writes_them():
    table = {
        "columnDefinitions": [{"name": n, "priority": 0} for n in ("A", "B", "C", "D")],
        "rows": [{"cells": [None, True, 3, "line one\nline two"]}],
    }
    assert rawkube.format_table(table).splitlines() == [
        "A        B      C     D",
        "<none>   true   3     line one...",
    ]


def test_an_empty_table_prints_nothing():
    assert rawkube.format_table({"columnDefinitions": [{"name": "Name"}], "rows": []}) == ""


def test_anything_else_is_refused():
    with pytest.raises(TypeError, match="Table"):
        rawkube.format_table(["not", "a", "table"])

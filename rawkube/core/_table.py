"""The server's Table (``meta.k8s.io/v1``) printed as kubectl prints it, no I/O."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["TableLayout", "format_table", "label_header", "labels_cell", "table_rows"]

# kubectl's tab writer: a column is at least 6 wide and cells are padded by 3 spaces.
_MIN_WIDTH = 6
_PADDING = 3


def _as_dict(table: Any) -> Mapping[str, Any]:
    if isinstance(table, Mapping):
        return table
    to_dict = getattr(table, "to_dict", None)
    if to_dict is None:
        raise TypeError(f"expected a Table or its dict, not {type(table).__name__}")
    data: Mapping[str, Any] = to_dict()
    return data


def _cell(value: Any) -> str:
    """One cell as kubectl writes it: text up to its first line break, ``<none>`` for null."""
    if value is None:
        return "<none>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = value if isinstance(value, str) else str(value)
    cut = min((i for i in (text.find(c) for c in "\f\n\r") if i >= 0), default=-1)
    return text if cut < 0 else text[:cut] + "..."


def _namespace_of(row: Mapping[str, Any]) -> str:
    obj = row.get("object")
    metadata = obj.get("metadata") if isinstance(obj, Mapping) else None
    namespace = metadata.get("namespace") if isinstance(metadata, Mapping) else None
    return namespace if isinstance(namespace, str) else ""


def _labels_of(row: Mapping[str, Any]) -> Mapping[str, Any]:
    obj = row.get("object")
    metadata = obj.get("metadata") if isinstance(obj, Mapping) else None
    labels = metadata.get("labels") if isinstance(metadata, Mapping) else None
    return labels if isinstance(labels, Mapping) else {}


def label_header(key: str) -> str:
    """A ``-L`` column's header as kubectl writes it: the key's last ``/`` part, upper-cased
    (``app.kubernetes.io/name``: ``NAME``)."""
    return key.rpartition("/")[2].upper()


def labels_cell(labels: Mapping[str, Any]) -> str:
    """``--show-labels``'s cell: the ``k=v`` pairs sorted as text (so ``a.b=1`` before
    ``a=2``, as kubectl sorts them), joined by commas; ``<none>`` without labels."""
    return ",".join(sorted(f"{key}={value}" for key, value in labels.items())) or "<none>"


def table_rows(
    table: Any,
    *,
    wide: bool = False,
    show_namespace: bool = False,
    name_prefix: str = "",
    label_columns: Sequence[str] = (),
    show_labels: bool = False,
) -> tuple[list[str], list[list[str]]]:
    """The header and the rows of ``table`` as text cells, with the columns kubectl shows.

    The columns of priority 0 (all of them with ``wide``), headers upper-cased; with
    ``show_namespace``, a NAMESPACE column first, read from each row's object metadata (the
    server includes it unless asked not to). ``name_prefix`` starts the cells of the name
    column (kubectl's ``deployment.apps/`` when several types are printed). Then, as
    kubectl's ``-L`` and ``--show-labels`` add them from the same metadata: a column per key
    of ``label_columns`` (the label's value, empty without it) and with ``show_labels`` a
    LABELS column last.
    """
    data = _as_dict(table)
    columns = [c for c in data.get("columnDefinitions") or () if isinstance(c, Mapping)]
    shown = [i for i, c in enumerate(columns) if wide or not c.get("priority")]
    header = [str(columns[i].get("name") or "").upper() for i in shown]
    rows: list[list[str]] = []
    for row in data.get("rows") or ():
        cells = row.get("cells") or []
        text = [_cell(cells[i]) if i < len(cells) else "" for i in shown]
        if name_prefix:
            text = [
                name_prefix + cell if columns[i].get("format") == "name" else cell
                for i, cell in zip(shown, text, strict=True)
            ]
        if label_columns or show_labels:
            labels = _labels_of(row)
            text += [str(labels.get(key, "")) for key in label_columns]
            if show_labels:
                text.append(labels_cell(labels))
        rows.append([_namespace_of(row), *text] if show_namespace else text)
    header += [label_header(key) for key in label_columns]
    if show_labels:
        header.append("LABELS")
    if show_namespace:
        header = ["NAMESPACE", *header]
    return header, rows


class TableLayout:
    """Aligns rows as kubectl's tab writer does, remembering column widths between calls.

    A watch prints its rows as they come: widths only ever grow, as kubectl's do.
    """

    def __init__(self) -> None:
        self.widths: list[int] = []

    def lines(self, rows: Sequence[Sequence[str]]) -> list[str]:
        """``rows`` aligned: every cell but a row's last padded to its column's width."""
        for row in rows:
            for j, cell in enumerate(row[:-1]):
                width = max(len(cell) + _PADDING, _MIN_WIDTH)
                if j == len(self.widths):
                    self.widths.append(width)
                elif width > self.widths[j]:
                    self.widths[j] = width
        return [
            "".join(cell.ljust(w) for cell, w in zip(row[:-1], self.widths, strict=False))
            + (row[-1] if row else "")
            for row in rows
        ]


def format_table(
    table: Any, *, wide: bool = False, show_namespace: bool = False, headers: bool = True
) -> str:
    """``table`` (a :class:`~rawkube.models.meta_v1.Table` or its dict) as ``kubectl get`` prints
    it: the columns of priority 0 (all with ``wide``), upper-case headers, cells aligned with
    three spaces between them, one line per row, each ending in a newline.

    ``show_namespace`` adds kubectl's ``-A`` NAMESPACE column, from each row's object metadata.
    A table with no rows gives an empty string (kubectl then says "No resources found").
    Raises ``TypeError`` for anything that is not a Table or a mapping.
    """
    header, rows = table_rows(table, wide=wide, show_namespace=show_namespace)
    if not rows:
        return ""
    lines = TableLayout().lines([header, *rows] if headers else rows)
    return "".join(line + "\n" for line in lines)

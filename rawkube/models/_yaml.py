"""Kubernetes manifests from YAML as typed objects: each document becomes its model, or a dict."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import IO, TYPE_CHECKING, Any

from rawkube.core._exceptions import DecodeError
from rawkube.core._yaml import MAX_YAML_BYTES, read_documents, unchained

if TYPE_CHECKING:
    from rawkube.models import K8sModel, TypedObject

__all__ = ["MAX_YAML_BYTES", "load_all_yaml", "to_yaml"]


def load_all_yaml(
    source: str | bytes | os.PathLike[str] | IO[str] | IO[bytes],
) -> list[K8sModel | dict[str, Any]]:
    """Every Kubernetes object in a YAML stream, in order, as kubectl would send them.

    ``source`` is YAML text (a ``str`` is never taken for a path), UTF-8 bytes, a path
    (``pathlib.Path``) or an open file. Documents that are empty (``---`` alone, comments,
    ``null``) are skipped; a ``kind: List`` is replaced by its ``items``. Each object becomes
    the rawkube model for its ``apiVersion`` and ``kind`` (``ConfigMap``, ``Deployment``, ...),
    or stays a dict when rawkube has none (a custom resource).

    Scalars are read as kubectl reads them (go-yaml v2 through sigs.k8s.io/yaml): dates and
    ``=`` stay strings, ``yes``/``no``/``on``/``off`` are booleans, ints and floats follow YAML
    1.1 (but ``1:30`` is a string), a tag that is not a core one is ignored, and mapping keys
    that are numbers or booleans become strings (``80`` -> ``"80"``). Nothing is ever
    constructed from a tag, and an alias is copied, so no two objects share data.

    Errors name the document by its 0-based position in the stream as written, empty
    documents included, and never quote the document, which may hold secrets.

    Raises:
        DecodeError: the bytes are not UTF-8, the text is not valid YAML (the error names the
            line and column), a document is not a mapping with a string ``apiVersion`` and
            ``kind``, a value is ``!!binary``, ``.nan`` or ``.inf``, a key is null, aliases
            expand too far, an object does not fit its model (the error names the field), or
            the stream is larger than :data:`MAX_YAML_BYTES`.
        TypeError: ``source`` is none of the accepted types.
        OSError: a path could not be read.
    """
    from rawkube.models import model_for

    with unchained():
        objects: list[K8sModel | dict[str, Any]] = []
        for where, document in read_documents(source):
            if document is not None:
                objects.extend(_objects(document, where, model_for))
        return objects


def to_yaml(obj: Any) -> str:
    """``obj`` as YAML: a model (through its ``to_dict()``) or a dict, or a list of them, one
    document each (``---`` before every one).

    The YAML is what :func:`load_all_yaml` and kubectl read back as the same data: block style,
    keys in their order, multi-line text as literal blocks, and strings that would read as
    another type (``"123"``, ``"true"``, ``"yes"``, ``"null"``, a date) quoted.

    Raises:
        TypeError: ``obj`` (or an item of a list) is neither a model nor a mapping, or holds a
            value JSON cannot (a non-string key, bytes, ...).
        ValueError: a value is NaN or infinite, or a model's value cannot be written.
    """
    from rawkube.core._yaml_dump import dump_documents

    if isinstance(obj, (list, tuple)):
        return dump_documents([_data(item) for item in obj])
    return dump_documents([_data(obj)])


def _data(obj: Any) -> Any:
    from collections.abc import Mapping

    from rawkube.models import K8sModel

    if isinstance(obj, K8sModel):
        return obj.to_dict()
    if isinstance(obj, Mapping):
        return obj
    raise TypeError(f"to_yaml takes a model or a mapping (or a list of them), not {_a(obj)}")


def _objects(
    document: Any, where: str, model_for: Callable[[str, str], type[TypedObject] | None]
) -> Iterator[K8sModel | dict[str, Any]]:
    """The objects one document holds: itself, or the items of a List, as models if known."""
    if not isinstance(document, dict):
        raise DecodeError(f"{where} is {_a(document)}, not an object")
    missing = [field for field in ("apiVersion", "kind") if document.get(field) in (None, "")]
    if missing:
        raise DecodeError(f"{where} has no {' and no '.join(missing)}")
    for field in ("apiVersion", "kind"):
        if not isinstance(document[field], str):
            raise DecodeError(f"{where}: {field} is {_a(document[field])}, not a string")
    api_version: str = document["apiVersion"]
    kind: str = document["kind"]
    if kind == "List":
        items = document.get("items")
        if items is None:
            return
        if not isinstance(items, list):
            raise DecodeError(f"{where} is a List whose items is {_a(items)}, not a list")
        for position, item in enumerate(items):
            yield from _objects(item, f"{where} items[{position}]", model_for)
        return
    model = model_for(api_version, kind)
    if model is None:
        yield document
        return
    from pydantic import ValidationError

    try:
        yield model.model_validate(document)
    except ValidationError as exc:
        from rawkube.models._lazy import summarise

        raise DecodeError(
            f"{where} ({api_version} {kind}) does not fit the {model.__name__} model: "
            f"{summarise(exc)}"
        ) from None


def _a(value: object) -> str:
    """What kind of YAML value ``value`` is, for messages that must not show the value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return f"a {type(value).__name__}"

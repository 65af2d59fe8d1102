"""msgspec shapes of models: one parse gives an object's fields, its nested models left raw.

A :class:`Shape` is a msgspec ``Struct`` with one field per model field, under the API's key:
a lazy field (a nested model, a list or a map of them) is read as raw JSON, any other is parsed
to plain Python values for pydantic-core to validate. Reading a pod line this way is a single
pass of msgspec's parser, where reading the object's fields as raw JSON and then parsing the
scalar ones took a parser call for each (and about twice the time).

A shape refuses a key the model does not know, so that unknown fields, which the models keep,
are never dropped: the caller then reads the object's fields generically. A shape is made per
model class on first use and kept.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

    from pydantic import BaseModel

__all__ = ["Shape", "shape_of"]


class Shape:
    """Decoders reading JSON with a model's fields, lazy ones raw; see the module docstring."""

    __slots__ = ("_builtins", "_raw", "event", "items", "object")

    def __init__(self, model: type[BaseModel], lazy: frozenset[str]) -> None:
        import msgspec

        fields: list[tuple[str, Any, Any]] = []
        rename: dict[str, str] = {}
        for name, info in model.model_fields.items():
            alias = info.validation_alias
            key = alias if isinstance(alias, str) else info.alias or name
            kind = msgspec.Raw | msgspec.UnsetType if name in lazy else Any
            fields.append((name, kind, msgspec.UNSET))
            if key != name:
                rename[name] = key
        struct = msgspec.defstruct(
            f"{model.__name__}Fields",
            fields,
            rename=rename,
            forbid_unknown_fields=True,
            gc=False,  # parsed and dropped at once: no need for the collector to count it
        )
        event = msgspec.defstruct(f"{model.__name__}Event", [("type", str), ("object", struct)])
        self.object: Callable[[Any], Any] = msgspec.json.Decoder(struct).decode
        """Parse one object; raises ``msgspec.ValidationError`` when it does not fit."""
        self.items: Callable[[Any], Any] = msgspec.json.Decoder(list[struct]).decode  # type: ignore[valid-type]
        """Parse an array of such objects, as :attr:`object` parses one."""
        self.event: Callable[[Any], Any] = msgspec.json.Decoder(event).decode
        """Parse a watch line whose object has this shape (``.type``, ``.object``)."""
        self._builtins = msgspec.to_builtins
        self._raw = (msgspec.Raw,)

    def fields(self, parsed: Any) -> Any:
        """The fields of objects parsed by :attr:`object` or :attr:`items`, as dicts by key.

        One object gives one dict, a list of them a list of dicts; keys the JSON did not have
        are left out, raw values stay raw.
        """
        return self._builtins(parsed, builtin_types=self._raw)


_lock = threading.Lock()
_shapes: dict[type[BaseModel], Shape | None] = {}


def shape_of(model: type[BaseModel], lazy: frozenset[str]) -> Shape | None:
    """``model``'s shape (``lazy`` its lazy fields' names), or None if msgspec cannot make one."""
    try:
        return _shapes[model]
    except KeyError:
        pass
    with _lock:
        if model not in _shapes:
            try:
                _shapes[model] = Shape(model, lazy)
            except (TypeError, ValueError):  # a field name msgspec will not take
                _shapes[model] = None
        return _shapes[model]

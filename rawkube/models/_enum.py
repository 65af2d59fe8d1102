"""``OpenEnum``: an enum typed as a ``Literal`` for the type checker that still decodes new values.

A CRD's ``enum`` lists the values its version knows today; an operator upgraded on the server
may send one more. Validating against the ``Literal`` would make such an object fail to decode
in every client built before the upgrade, so a field marked ``Annotated[Literal[...], OpenEnum]``
accepts any value of the literals' own types (any string, for a string enum) at run time, while
type checkers hold the code that *writes* the field to the listed values.
"""

from __future__ import annotations

import typing
from typing import Any

from pydantic import GetCoreSchemaHandler
from pydantic_core import core_schema

__all__ = ["OpenEnum"]

_KINDS = (bool, int, float, str)


def _schema_of(kind: type) -> core_schema.CoreSchema:
    # Strict, so that a value is not turned into another type (True into 1, 1 into "1"); a
    # float takes an int, as JSON does not tell 1 from 1.0.
    if kind is bool:
        return core_schema.bool_schema(strict=True)
    if kind is int:
        return core_schema.int_schema(strict=True)
    if kind is float:
        return core_schema.float_schema()
    return core_schema.str_schema(strict=True)


class _OpenEnumMarker:
    """The marker behind :data:`OpenEnum`; see the module docstring."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "OpenEnum"

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        values = typing.get_args(source) if typing.get_origin(source) is typing.Literal else ()
        kinds = [kind for kind in _KINDS if any(type(value) is kind for value in values)]
        if not values or any(type(value) not in _KINDS for value in values):
            return handler(source)  # not a Literal of scalars: validated as written
        if len(kinds) == 1:
            return _schema_of(kinds[0])
        return core_schema.union_schema([_schema_of(kind) for kind in kinds])


OpenEnum = _OpenEnumMarker()
"""Mark a ``Literal`` field (``Annotated[Literal["A", "B"], OpenEnum]``) to decode any value of
its type: the listed values for the type checker, any string (or number) from the server."""

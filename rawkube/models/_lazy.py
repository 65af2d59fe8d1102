"""Models built as they are read: a decoded object's nested models are validated on first access.

Theory of operation
-------------------
A 10,000-pod list holds some 590,000 nested objects. Validating all of them into pydantic models
up front costs several times what parsing the JSON costs, and about 1.6 times the memory, yet a
caller mostly reads a few fields of each item. So :func:`build` validates one level: the
object's own scalar fields (strings, numbers, maps of strings, ...) are checked by
pydantic-core, while every field marked :data:`Lazy` (a nested model, a list or a map of them)
keeps the parsed JSON it arrived as. The first read of such a field goes through a
:class:`_LazyField` descriptor that validates that one level the same way, stores the model
(or list, or map of models) in the instance in place of the JSON and returns it; later reads
find the model. A wrongly typed value surfaces then, as a :class:`~rawkube.DecodeError` naming
the field path.

The parsed JSON a field keeps is never handed out or changed: converting a list builds a new
list. So until a field is read it holds exactly what the server sent, and serialising it with
the options that write what was received (``by_alias`` and ``exclude_unset``, as ``to_dict()``
and ``to_json()`` do) copies it as it is, keys in the server's order; any other options build
the models first, so a dump, ``==`` and ``repr`` always see the same values an eager
``model_validate`` would give.

Responses and watch events go one step further (:func:`build_json`, :func:`read_event`): the
object is read with msgspec in one pass, its model's shape (:mod:`rawkube.models._shapes`)
parsing the fields of its own level and leaving each lazy field a span of raw JSON (checked to
be well-formed, not parsed). Reading such a field parses that span alone, one level again: a
pod's name costs parsing its metadata, not its spec and status. An object with a field its
model does not know is read generically instead (its fields raw, then the scalar ones parsed),
which keeps the field.
Raw JSON of a list builds each item from its own span, copied out of a big body first, so a
pod kept from a 60 MB list does not keep the list alive. Raw JSON that does not fit (a value
of another type) is parsed whole and converted as parsed JSON is, so the errors are the same.

A class gets its descriptors when it is first built lazily; until then its instances (built by
pydantic as usual) hold models only. Two threads reading the same unread field at once may both
build it; each gets a valid model and one of them is kept.

Depth
-----
Raw JSON is checked to be well-formed, not how deep it nests (msgspec's skipping recurses as far
as the stack allows), so a lazily built object counts its own depth. A model built from raw JSON
remembers how many objects and arrays enclose it in the body it came from (its position, kept
in its ``__dict__`` under ``_AT`` as a ``functools.cached_property`` would be: pydantic's dumps,
equality and ``repr`` look at fields only), and its nested models are built at their own
positions. A model deeper than :data:`~rawkube._decode.MAX_DEPTH` is refused, and so is a
value the model's types do not bound (a field typed ``Any``, an unknown field) nesting past it;
a field of typed values nests as its type says, so the common path counts nothing. A nested
object nesting too deep thus raises :class:`~rawkube.DecodeError` when it is first read, and
never a ``RecursionError``. Parsed JSON (``build``) has been counted whole by ``loads``.
"""

from __future__ import annotations

import copy
import dataclasses
import threading
import types
import typing
from contextlib import nullcontext
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel, Field, ValidationError, create_model
from pydantic_core import SchemaValidator, core_schema, to_jsonable_python

from rawkube._decode import (
    BULK_BYTES,
    MAX_DEPTH,
    TooDeep,
    collector_paused,
    deeper_than,
    is_raw,
    loads,
    parse_plain,
    plain_decoder,
    raw_event,
    raw_fields,
    raw_items,
)
from rawkube._exceptions import DecodeError
from rawkube.models._shapes import Shape, shape_of

if TYPE_CHECKING:
    from pydantic import GetCoreSchemaHandler

__all__ = [
    "Lazy",
    "build",
    "build_fields",
    "build_json",
    "decode_fields",
    "materialise",
    "read_event",
    "summarise",
]

M = TypeVar("M", bound=BaseModel)

_ONE, _LIST, _MAP = "one", "list", "map"

BULK_ITEMS = 512
"""A list or map of at least this many models is built with the garbage collector paused."""

_AT = "_rawkube_at"
"""The ``__dict__`` key of a lazily built model's position (objects and arrays around it)."""


class _Slot:
    """What a lazy field holds (one model, a list or a map of them) and how to build it."""

    __slots__ = ("shape", "target", "validator")

    def __init__(self, target: type[BaseModel], shape: str) -> None:
        self.target = target
        self.shape = shape
        self.validator: SchemaValidator | None = None  # made on first use

    def built(self, value: Any) -> bool:
        """Whether ``value`` holds models (or nothing), rather than parsed JSON."""
        if value is None:
            return True
        target = self.target
        if self.shape is _ONE:
            return value.__class__ is target or isinstance(value, target)
        if self.shape is _LIST:
            return value.__class__ is list and (not value or isinstance(value[0], target))
        if value.__class__ is not dict:
            return False
        for first in value.values():
            return isinstance(first, target)
        return True

    def convert(self, value: Any, where: str, at: int = 1) -> Any:
        """The models for parsed or raw JSON ``value``; ``where`` names it in a DecodeError.

        ``at`` is how many objects and arrays enclose ``value`` in its body (its position).
        """
        if is_raw(value):
            return self._convert_raw(value, where, at)
        validator = self.validator
        if validator is None:
            validator = self.validator = _shallow(self.target, self.shape)
        try:
            if isinstance(value, (list, dict)) and len(value) >= BULK_ITEMS:
                # One call making thousands of models (a big list's items): as for the bulk
                # decode that made the JSON, collections in between would walk it all again.
                with collector_paused():
                    return validator.validate_python(value)
            return validator.validate_python(value)
        except ValidationError as exc:
            raise DecodeError(
                f"{where} does not decode as {self._label()}: {summarise(exc)}"
            ) from None

    def _convert_raw(self, value: Any, where: str, at: int) -> Any:
        """The models for raw JSON, each keeping its own nested fields raw in turn.

        What does not fit this (a value of another type, a wrongly typed field) is parsed whole
        and converted as parsed JSON is, which reports it as usual.
        """
        try:
            try:
                if self.shape is _ONE:
                    return build_json(self.target, value, at=at)
                return self._convert_raw_many(value, at + 1)
            except ValueError as exc:
                if _malformed(exc):
                    raise
            parsed = loads(value)
            if deeper_than(parsed, MAX_DEPTH - at):
                raise TooDeep()
        except TooDeep as exc:
            raise DecodeError(f"{where} is {exc}") from None
        except ValueError as exc:
            raise DecodeError(f"{where} is not valid JSON: {exc}") from None
        return None if parsed is None else self.convert(parsed, where)

    def _convert_raw_many(self, value: Any, at: int) -> Any:
        """A list or map of models (each at ``at``) from raw JSON; ValueError for anything else."""
        parts = raw_items(value) if self.shape is _LIST else raw_fields(value)
        target = self.target
        big = len(value) >= BULK_BYTES
        # Items of a big body are copied out of it: a model kept from a 60 MB list must not
        # keep the whole list alive.
        with collector_paused() if len(parts) >= BULK_ITEMS else nullcontext():
            if isinstance(parts, list):
                return [build_json(target, part.copy() if big else part, at=at) for part in parts]
            return {
                key: build_json(target, part.copy() if big else part, at=at)
                for key, part in parts.items()
            }

    def _label(self) -> str:
        name = self.target.__name__
        return {_ONE: name, _LIST: f"a list of {name}", _MAP: f"a map of {name}"}[self.shape]


def _slot_for(annotation: Any) -> _Slot:
    """The slot of a field typed ``X | None``, ``list[X] | None`` or ``dict[str, X] | None``."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) != 1:
            raise TypeError(f"Lazy applies to one model type, not {annotation!r}")
        annotation = args[0]
    origin = typing.get_origin(annotation)
    shape = _ONE
    if origin is list:
        shape, (annotation,) = _LIST, typing.get_args(annotation)
    elif origin is dict:
        shape, annotation = _MAP, typing.get_args(annotation)[1]
    if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
        raise TypeError(f"Lazy applies to fields holding models, not {annotation!r}")
    return _Slot(annotation, shape)


class _LazyMarker:
    """``Annotated`` metadata marking a field whose models are built when first read."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "Lazy"

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        # Validation is pydantic's own (an eager model_validate is unchanged); serialisation
        # first turns parsed JSON the field may still hold into models, or copies it as is.
        schema = handler(source)
        serializer = core_schema.wrap_serializer_function_ser_schema(
            _Serialize(_slot_for(source)), info_arg=True
        )
        return {**schema, "serialization": serializer}


Lazy = _LazyMarker()
"""Mark a model field (``Annotated[PodSpec | None, Lazy]``) to be built on first read."""


class _Serialize:
    """The serializer of a lazy field: parsed JSON is copied as received, or built first."""

    __slots__ = ("slot",)

    def __init__(self, slot: _Slot) -> None:
        self.slot = slot

    def __call__(
        self,
        value: Any,
        handler: core_schema.SerializerFunctionWrapHandler,
        info: core_schema.SerializationInfo,
    ) -> Any:
        if self.slot.built(value):
            return handler(value)
        where = f"a {self.slot.target.__name__} field"
        if _as_received(info, self.slot.target):
            if is_raw(value):
                try:
                    return loads(value)
                except ValueError as exc:  # raised as the read that finds it would (to_dict)
                    raise DecodeError(f"{where} is not valid JSON: {exc}") from None
            return to_jsonable_python(value)  # a copy: the caller may change what it gets
        return handler(self.slot.convert(value, where))


def _as_received(info: core_schema.SerializationInfo, target: type[BaseModel]) -> bool:
    """Whether these dump options write parsed JSON exactly as it was received."""
    by_alias = info.by_alias
    if by_alias is None:  # not given: each model's own setting decides
        by_alias = target.model_config.get("serialize_by_alias", False)
    return bool(
        by_alias
        and info.exclude_unset
        and not info.exclude_none
        and not info.exclude_defaults
        and info.include is None
        and info.exclude is None
    )


class _LazyField:
    """The descriptor of a lazy field: builds its models on first read, then keeps them."""

    __slots__ = ("name", "slot")

    def __init__(self, name: str, slot: _Slot) -> None:
        self.name = name
        self.slot = slot

    def __get__(self, obj: BaseModel | None, objtype: type | None = None) -> Any:
        if obj is None:
            # Read on the class, a field is not an attribute (pydantic says the same); this
            # also keeps a subclass from taking the descriptor for the field's default.
            raise AttributeError(self.name)
        values = obj.__dict__
        try:
            value = values[self.name]
        except KeyError:
            raise AttributeError(self.name) from None
        if value is None:
            return None
        slot = self.slot
        if slot.shape is _ONE and value.__class__ is slot.target:
            return value  # the usual read: already built
        if slot.built(value):
            return value
        where = f"{type(obj).__name__}.{self.name}"
        built = slot.convert(value, where, values.get(_AT, 0) + 1)
        values[self.name] = built
        return built

    def __set__(self, obj: BaseModel, value: Any) -> None:
        # pydantic's __setattr__ writes fields itself; this serves object.__setattr__.
        obj.__dict__[self.name] = value
        obj.__pydantic_fields_set__.add(self.name)

    def __delete__(self, obj: BaseModel) -> None:
        try:
            del obj.__dict__[self.name]
        except KeyError:
            raise AttributeError(self.name) from None


_lock = threading.RLock()
_validators: dict[tuple[type[BaseModel], str], SchemaValidator] = {}
_schemas: dict[type[BaseModel], core_schema.CoreSchema] = {}
_lazy_names: dict[type[BaseModel], tuple[str, ...]] = {}
_raw_keys: dict[type[BaseModel], frozenset[str]] = {}
_slots: dict[type[BaseModel], dict[str, _Slot]] = {}
# Keys of the fields whose values no type bounds in depth (Any, dict[str, Any], a model
# validated eagerly), and of every other non-lazy field, with the deepest any of those nests.
_unbounded_keys: dict[type[BaseModel], frozenset[str]] = {}
_plain_keys: dict[type[BaseModel], frozenset[str]] = {}
_typed_depth: dict[type[BaseModel], int] = {}


def build(model: type[M], data: Any) -> M:
    """``model`` from parsed JSON, its own fields validated, lazy ones kept to build on read.

    ``data`` is kept, not copied: the caller hands it over and must not change it afterwards.
    Raises ``pydantic.ValidationError`` when ``data`` is not an object or a field of this level
    has the wrong type.
    """
    validator = _validators.get((model, _ONE))
    if validator is None:
        validator = _shallow(model)
    return validator.validate_python(data)  # type: ignore[no-any-return]


def build_json(model: type[M], content: Any, *, detach: bool = False, at: int = 0) -> M:
    """``model`` from one JSON object (bytes or raw JSON), its lazy fields kept raw.

    ``at`` is the object's position in its body (see the module docstring). Raises
    ``ValueError`` when ``content`` is not a well-formed JSON object, and as
    :func:`build_fields`.
    """
    return build_fields(model, decode_fields(model, content), detach=detach, at=at)


def decode_fields(model: type[BaseModel], content: Any) -> dict[str, Any]:
    """A JSON object's fields by key: ``model``'s lazy ones as raw JSON, the others parsed.

    Raises ``ValueError`` when ``content`` is not a well-formed JSON object.
    """
    shape = _shape(model)
    if shape is not None:
        try:
            return shape.fields(parse_plain(shape.object, content))
        except ValueError as exc:
            if _malformed(exc):
                raise
    return _parse_unless_lazy(model, raw_fields(content))


def read_event(model: type[BaseModel], line: bytes) -> tuple[str, dict[str, Any]]:
    """A watch line's type, and its object's fields as :func:`decode_fields` gives them.

    A lazy ``metadata`` field is built at once: whoever reads an event reads its metadata (the
    watch itself needs its resourceVersion), and one parse of it costs less than finding the
    resourceVersion first and parsing the rest later. Raises ``ValueError`` when the line is
    not well-formed JSON, has no type or no object, or metadata of the wrong shape.
    """
    shape = _shape(model)
    fields: dict[str, Any] | None = None
    if shape is not None:
        try:
            event = parse_plain(shape.event, line)
        except ValueError as exc:
            if _malformed(exc):
                raise
        else:
            kind, fields = event.type, shape.fields(event.object)
    if fields is None:
        kind, raw = raw_event(line)
        fields = _parse_unless_lazy(model, raw)
    metadata = fields.get("metadata")
    if metadata is not None and is_raw(metadata):
        slot = _slots[model].get("metadata")
        if slot is not None and slot.shape is _ONE:
            fields["metadata"] = build_json(
                slot.target, metadata, at=2
            )  # in the object, in the line
    return kind, fields


def build_fields(model: type[M], fields: dict[str, Any], *, detach: bool = False, at: int = 0) -> M:
    """``model`` from its fields as :func:`decode_fields` gives them, at position ``at``.

    ``detach=True`` (for the fields of a big body) copies the small raw values kept out of the
    body, so that the model does not keep all of it alive. Raises ``pydantic.ValidationError``
    when a field that is not lazy has the wrong type, :class:`~rawkube._decode.TooDeep` when
    the object or a value its types do not bound nests past ``MAX_DEPTH``.
    """
    validator = _validators.get((model, _ONE))
    if validator is None:
        validator = _shallow(model)
    if detach:
        for key in _raw_keys[model].intersection(fields):
            value = fields[key]
            if is_raw(value) and len(value) < BULK_BYTES:
                fields[key] = value.copy()
    # A field's value sits inside the object, itself inside ``at`` others.
    room = MAX_DEPTH - at - 1
    if room < 0:
        raise TooDeep()
    keys = _unbounded_keys[model] if room >= _typed_depth[model] else _plain_keys[model]
    if keys:
        for key in keys.intersection(fields):
            if deeper_than(fields[key], room):
                raise TooDeep()
    built: M = validator.validate_python(fields)
    extra = built.__pydantic_extra__
    if extra and any(deeper_than(value, room) for value in extra.values()):
        raise TooDeep()
    if at and _lazy_names[model]:
        built.__dict__[_AT] = at  # where its nested models are
    return built


def _parse_unless_lazy(model: type[BaseModel], fields: dict[str, Any]) -> dict[str, Any]:
    """Raw fields with every one but ``model``'s lazy ones parsed."""
    if (model, _ONE) not in _validators:
        _shallow(model)
    keep = _raw_keys[model]
    parse = plain_decoder()
    try:
        return {key: value if key in keep else parse(value) for key, value in fields.items()}
    except RecursionError:  # msgspec descended as far as the stack allows
        raise TooDeep() from None


def _shape(model: type[BaseModel]) -> Shape | None:
    """``model``'s msgspec shape, made on first use."""
    if (model, _ONE) not in _validators:
        _shallow(model)
    return shape_of(model, frozenset(_lazy_names[model]))


def _malformed(exc: ValueError) -> bool:
    """Whether ``exc`` says raw JSON is not well-formed or too deep (not of another type)."""
    import msgspec

    if isinstance(exc, TooDeep):
        return True
    return isinstance(exc, msgspec.DecodeError) and not isinstance(exc, msgspec.ValidationError)


def materialise(obj: BaseModel) -> None:
    """Build every lazy field of ``obj`` still holding parsed JSON (one level down)."""
    for name in _lazy_names.get(type(obj), ()):
        getattr(obj, name)


def summarise(exc: ValidationError) -> str:
    """The first errors of a ValidationError as ``field.path: message``, no input values."""
    errors = exc.errors(include_url=False, include_input=False)
    parts = [f"{'.'.join(str(p) for p in e['loc']) or '<body>'}: {e['msg']}" for e in errors[:3]]
    more = f" (and {len(errors) - 3} more)" if len(errors) > 3 else ""
    return "; ".join(parts) + more


def _shallow(model: type[BaseModel], shape: str = _ONE) -> SchemaValidator:
    """The validator building ``model`` (or a list or map of it) one level deep."""
    found = _validators.get((model, shape))
    if found is not None:
        return found
    with _lock:
        found = _validators.get((model, shape))
        if found is not None:
            return found
        one = _validators.get((model, _ONE))
        if one is None:
            one = _prepare(model)
        if shape is _ONE:
            return one
        schema = _schemas[model]
        if shape is _LIST:
            schema = core_schema.list_schema(schema)
        else:
            schema = core_schema.dict_schema(core_schema.str_schema(), schema)
        validator = _compile(model, schema)
        _validators[(model, shape)] = validator
        return validator


def _prepare(model: type[BaseModel]) -> SchemaValidator:
    """Build ``model``'s one-level validator and give the class its lazy-field descriptors."""
    if not getattr(model, "__pydantic_fields_complete__", False):
        model.model_rebuild()  # a field's type was not resolvable when the class was made
    slots = {
        name: _slot_for(info.annotation)
        for name, info in model.__pydantic_fields__.items()
        if any(isinstance(m, _LazyMarker) for m in info.metadata)
    }
    schema = _schemas[model] = _one_level_schema(model, slots)
    validator = _compile(model, schema)
    for name, slot in slots.items():
        type.__setattr__(model, name, _LazyField(name, slot))
    _lazy_names[model] = tuple(slots)
    _slots[model] = slots
    fields = model.__pydantic_fields__
    depths = {
        name: _type_depth(info.annotation) for name, info in fields.items() if name not in slots
    }
    _unbounded_keys[model] = _keys_of(model, [name for name, d in depths.items() if d is None])
    _plain_keys[model] = _keys_of(model, list(depths))
    _typed_depth[model] = max((d for d in depths.values() if d is not None), default=0)
    _raw_keys[model] = frozenset(
        key
        for name in slots
        for key in (name, fields[name].alias, fields[name].validation_alias)
        if isinstance(key, str)
    )
    _validators[(model, _ONE)] = validator
    return validator


def _keys_of(model: type[BaseModel], names: list[str]) -> frozenset[str]:
    """The keys fields named ``names`` may have in decoded fields: names and aliases."""
    fields = model.__pydantic_fields__
    return frozenset(
        key
        for name in names
        for key in (name, fields[name].alias, fields[name].validation_alias)
        if isinstance(key, str)
    )


def _type_depth(annotation: Any) -> int | None:
    """How deep a value of ``annotation`` can nest dicts and lists; None for any depth."""
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        return _type_depth(args[0])
    if origin in (typing.Union, types.UnionType):
        depths = [_type_depth(arg) for arg in args]
        return None if None in depths else max(d for d in depths if d is not None)
    if origin is typing.Literal:
        return 0
    if origin is not None:  # a generic container: one level, then its keys and values
        inner = [_type_depth(arg) for arg in args if arg is not Ellipsis]
        if not inner or None in inner:
            return None
        return 1 + max(d for d in inner if d is not None)
    if annotation is Any or annotation is object:
        return None
    if isinstance(annotation, type):
        if issubclass(annotation, (BaseModel, dict, list, tuple, set, frozenset)):
            return None  # validated whole, or a container of anything
        return 0
    return None  # anything else (a TypeVar, a forward reference): assume the worst


def _compile(model: type[BaseModel], schema: core_schema.CoreSchema) -> SchemaValidator:
    """A validator for ``schema``, which holds ``model``'s one-level schema.

    pydantic-core reuses the validator a complete model class already has for any schema naming
    that class, which would validate every level. So the class is marked incomplete while the
    validator is made (under the module lock); at worst another thread meanwhile builds a
    schema for the class anew instead of reusing it.
    """
    complete = model.__dict__.get("__pydantic_complete__", False)
    type.__setattr__(model, "__pydantic_complete__", False)
    try:
        return SchemaValidator(schema)
    finally:
        type.__setattr__(model, "__pydantic_complete__", complete)


def _one_level_schema(model: type[BaseModel], slots: dict[str, _Slot]) -> core_schema.CoreSchema:
    """``model``'s core schema with each lazy field taking any value, kept as it is.

    Made from a stand-in class whose lazy fields are typed ``Any``, so that the schemas of the
    models below are not built (for a Pod, some sixty classes and ~60 ms) before a caller
    needs them. A model with validators or serializers of its own has them only in its real
    schema, which is then built and trimmed instead.
    """
    stand_in = _stand_in(model, slots)
    if stand_in is None:
        if not model.__pydantic_complete__:
            model.model_rebuild()
        stand_in = model
    schema: Any = stand_in.__pydantic_core_schema__
    definitions: dict[str, Any] = {}
    if schema["type"] == "definitions":
        definitions = {d["ref"]: d for d in schema["definitions"]}
        schema = schema["schema"]
    if schema["type"] == "definition-ref":
        schema = definitions[schema["schema_ref"]]
    fields_schema = schema["schema"]
    fields: dict[str, Any] = dict(fields_schema["fields"])
    for name in slots:
        fields[name] = {
            **fields[name],
            "schema": core_schema.with_default_schema(core_schema.any_schema(), default=None),
        }
    one_level: Any = {k: v for k, v in schema.items() if k != "ref"}
    one_level["schema"] = {**fields_schema, "fields": fields}
    one_level["cls"] = model
    one_level["custom_init"] = model.__pydantic_custom_init__
    one_level.pop("post_init", None)
    if model.__pydantic_post_init__ is not None:
        one_level["post_init"] = model.__pydantic_post_init__
    needed = _references(one_level, definitions)
    if not needed:
        return one_level  # type: ignore[no-any-return]
    return core_schema.definitions_schema(one_level, [definitions[ref] for ref in sorted(needed)])


def _stand_in(model: type[BaseModel], slots: dict[str, _Slot]) -> type[BaseModel] | None:
    """A class with ``model``'s fields and settings but ``Any`` for its lazy fields, if usable."""
    decorators = model.__pydantic_decorators__
    if any(getattr(decorators, f.name) for f in dataclasses.fields(decorators)):
        return None
    fields: dict[str, Any] = {}
    for name, info in model.__pydantic_fields__.items():
        if name in slots:
            fields[name] = (Any, Field(default=None, validation_alias=info.validation_alias))
        else:
            fields[name] = (info.annotation, copy.copy(info))
    config = {**model.model_config, "defer_build": False}
    return create_model(  # type: ignore[no-any-return,call-overload]
        model.__name__, __config__=config, __module__=model.__module__, **fields
    )


def _references(schema: Any, definitions: dict[str, Any]) -> set[str]:
    """Every definition ``schema`` refers to, directly or through other definitions."""
    found: set[str] = set()
    pending = [schema]
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            if node.get("type") == "definition-ref":
                ref = node["schema_ref"]
                if ref not in found:
                    found.add(ref)
                    pending.append(definitions[ref])
            pending.extend(v for k, v in node.items() if k not in ("cls", "metadata"))
        elif isinstance(node, list):
            pending.extend(node)
    return found

"""Models built as they are read: a decoded object's nested models are validated on first access.

Theory of operation
-------------------
A 10,000-pod list holds some 590,000 nested objects. Validating all of them into pydantic models
up front costs several times what parsing the JSON costs, and about 1.6 times the memory, while
a caller often reads a few fields of each item. So rawkube's decoder validates one level at a
time, with pydantic's own validators:

- Responses and watch events are read with msgspec, one object at a time: the fields of the
  object's own level are parsed, and each field marked :data:`Lazy` (a nested model, a list or
  a map of them) is left a span of raw JSON, checked to be well-formed but not parsed.
- A lazy field validates through a function that calls its models' own validators, so each
  model's schema holds its own level only. Validated the usual way (``Pod(...)``,
  ``Pod.model_validate(...)``) it validates all the way down, errors reported at their paths as
  pydantic reports them. Validated by rawkube's decoder, which passes its :class:`Decoding`
  context, it keeps the raw span as it is: the object's own scalar fields are checked, its
  nested models wait.
- The first read of such a field goes through a descriptor that finds the span, builds its
  level the same way (the span's own fields parsed and checked, its nested models left raw)
  and stores the result in the instance in place of the span, so later reads find the model
  itself. A pod's name thus costs parsing its metadata, not its spec and status. A wrongly
  typed value surfaces then, as a :class:`~rawkube.DecodeError` naming the field.

Only rawkube's decoder puts a raw span in a field, so a value of any other type is a field's
own, handed out as it is (as an eager model hands it out). A span is built once: two threads
reading the same unread field may both build it, but only the first result is stored, and both
get that one. A shallow copy (``model_copy()``, ``copy.copy``) builds the object's own level
first, so the copy and the original share what shallow copies of an eager model share;
equality, ``repr``, iteration and pickling build the level they look at first, and dumps build
what they write. So a decoded model behaves as one validated eagerly from the same JSON,
whatever was read before; only ``vars()`` shows spans.

A list of models is parsed in one pass (msgspec parses an array of objects of the item's shape),
then validated in one call. The items of a big body are each copied out of it, so a pod kept
from a 60 MB list does not keep the list alive. JSON of another shape than the model's (an
unknown field, a value of another type) is read generically, which keeps the unknown field or
reports the wrong value as an eager validation would.

Depth
-----
Raw JSON is checked to be well-formed, not how deep it nests (msgspec's skipping recurses as far
as the stack allows), so a lazily built object counts its own depth. A model built from raw JSON
remembers how many objects and arrays enclose it in the body it came from (its position, kept
in its ``__dict__`` under ``_AT`` as a ``functools.cached_property`` would be: pydantic's dumps,
equality and ``repr`` look at fields only), and its nested models are built at their own
positions. A model deeper than :data:`~rawkube.core._decode.MAX_DEPTH` is refused, and so is a
value the model's types do not bound (a field typed ``Any``, an unknown field) nesting past it;
a field of typed values nests as its type says, so the common path counts nothing. A nested
object nesting too deep thus raises :class:`~rawkube.DecodeError` when it is first read, and
never a ``RecursionError``. A dump that meets a span it was never read counts from the top.
"""

from __future__ import annotations

import threading
import types
import typing
from contextlib import nullcontext
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError
from pydantic_core import core_schema

from rawkube.core._decode import (
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
    raw_type,
)
from rawkube.core._exceptions import DecodeError
from rawkube.models._shapes import Shape, shape_of

if TYPE_CHECKING:
    from collections.abc import Callable

    from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
    from pydantic.json_schema import JsonSchemaValue

__all__ = [
    "Lazy",
    "build",
    "build_fields",
    "build_json",
    "check_known",
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


class _NotAnObject(ValueError):
    """JSON of another shape than an object (or an array of objects) where one was expected."""


class Decoding:
    """The validation context of rawkube's decoder: lazy fields keep their raw JSON."""

    __slots__ = ()


_DECODING = Decoding()
_publish = threading.Lock()


class _Slot:
    """What a lazy field holds (one model, a list or a map of them) and how to build it."""

    __slots__ = ("_validate", "annotation", "nullable", "shape", "target")

    def __init__(
        self, target: type[BaseModel], shape: str, annotation: Any, nullable: bool = True
    ) -> None:
        self.target = target
        self.shape = shape
        self.annotation = annotation
        self.nullable = nullable  # else null (or None) is the empty value: see empty()
        self._validate: Callable[..., Any] | None = None  # made on first use

    def empty(self) -> Any:
        """What a field that is never None holds for null: an empty model, list or map."""
        if self.shape is _ONE:
            return self.target()
        return [] if self.shape is _LIST else {}

    def eager(self) -> Callable[..., Any]:
        """``validate_python`` of the field's models, validating all of them now."""
        validate = self._validate
        if validate is None:
            validate = self._validate = _validator(self.target, self.shape)
        return validate

    def build(self, raw: Any, at: int, where: str) -> Any:
        """The models for ``raw`` JSON at position ``at``; DecodeError naming ``where`` if none.

        The value's own level is parsed and validated, the levels below stay raw. What does
        not fit that (a value of another type, a wrongly typed field) is parsed whole and
        validated as parsed JSON is, which reports it as an eager validation would.
        """
        try:
            try:
                if self.shape is _ONE:
                    facts = prepare(self.target)
                    return facts.finish(facts.fields(self.target, raw, at), at)
                if self.shape is _LIST:
                    return self._build_items(raw, at + 1)
            except ValueError as exc:  # a ValidationError too: reported below, as usual
                if _malformed(exc):
                    raise
            parsed = loads(raw, MAX_DEPTH - at)
        except TooDeep as exc:
            raise DecodeError(f"{where} is {exc}") from None
        except ValueError as exc:
            raise DecodeError(f"{where} is not valid JSON: {exc}") from None
        if parsed is None:
            return None
        validate = self.eager()
        try:
            with collector_paused() if _bulky(parsed) else nullcontext():
                return validate(parsed)
        except ValidationError as exc:
            raise DecodeError(
                f"{where} does not decode as {self.label()}: {summarise(exc)}"
            ) from None

    def _build_items(self, raw: Any, at: int) -> list[Any]:
        """Models from a raw array, each item at ``at``; ValueError if it does not fit."""
        target = self.target
        if len(raw) >= BULK_BYTES:
            # Items of a big body are copied out of it: a model kept from a 60 MB list must
            # not keep the whole list alive.
            parts = raw_items(raw)
            with collector_paused() if len(parts) >= BULK_ITEMS else nullcontext():
                return [build_json(target, part.copy(), at=at) for part in parts]
        facts = prepare(target)
        try:
            rows = facts.rows(raw, at - 1)
        except ValueError as exc:
            if _malformed(exc):
                raise
            # Not an array of objects this shape reads (an unknown field, say): item by item.
            return [build_json(target, part, at=at) for part in raw_items(raw)]
        validate = facts.many()
        room = MAX_DEPTH - at - 1
        with collector_paused() if len(rows) >= BULK_ITEMS else nullcontext():
            if facts.lazy and (room < 0 or facts.checks(room)):  # else parsed within bounds
                for row in rows:
                    facts.check(row, room)
            built: list[Any] = validate(rows, context=_DECODING)
            if facts.lazy:
                for item in built:
                    item.__dict__[_AT] = at
        return built

    def label(self) -> str:
        name = self.target.__name__
        return {_ONE: name, _LIST: f"a list of {name}", _MAP: f"a map of {name}"}[self.shape]


def _bulky(value: Any) -> bool:
    """Whether validating ``value`` makes thousands of models at once."""
    return type(value) in (list, dict) and len(value) >= BULK_ITEMS


def _validator(target: type[BaseModel], shape: str) -> Callable[..., Any]:
    """``validate_python`` of ``target`` (or a list or map of it), validating eagerly."""
    if shape is _ONE:
        return prepare(target).validate
    if shape is _LIST:
        return prepare(target).many()
    kind: Any = dict[str, target]  # type: ignore[valid-type]
    return TypeAdapter(kind).validator.validate_python


def _slot_for(source: Any) -> _Slot:
    """The slot of a field typed ``X | None``, ``list[X] | None`` or ``dict[str, X] | None``."""
    annotation = source
    nullable = False
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) != 1:
            raise TypeError(f"Lazy applies to one model type, not {annotation!r}")
        annotation, nullable = args[0], True
    origin = typing.get_origin(annotation)
    shape = _ONE
    if origin is list:
        shape, (annotation,) = _LIST, typing.get_args(annotation)
    elif origin is dict:
        shape, annotation = _MAP, typing.get_args(annotation)[1]
    if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
        raise TypeError(f"Lazy applies to fields holding models, not {annotation!r}")
    return _Slot(annotation, shape, source, nullable)


class _LazyMarker:
    """``Annotated`` metadata marking a field whose models are built when first read."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "Lazy"

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        # The field validates by calling its models' own validators: the decoder's context
        # keeps raw JSON as it is. A model's schema thus holds its own level only, so a class
        # builds (on first use) without building every class below it; a dump builds raw JSON
        # before writing it.
        slot = _slot_for(source)
        return core_schema.with_info_plain_validator_function(
            _Validate(slot),
            serialization=core_schema.plain_serializer_function_ser_schema(
                _Serialize(slot), info_arg=True
            ),
            metadata={_SLOT: slot},
        )

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        # Described as the type it holds, as pydantic would have described it.
        slot: _Slot = schema["metadata"][_SLOT]
        return handler(TypeAdapter(slot.annotation).core_schema)


_SLOT = "rawkube.lazy"
"""The key of a lazy field's slot in its core schema's metadata."""

Lazy = _LazyMarker()
"""Mark a model field (``Annotated[PodSpec | None, Lazy]``) to be built on first read."""


class _Validate:
    """A lazy field's validator: raw JSON kept under the decoder's context, else validated."""

    __slots__ = ("slot",)

    def __init__(self, slot: _Slot) -> None:
        self.slot = slot

    def __call__(self, value: Any, info: core_schema.ValidationInfo) -> Any:
        if value is None:
            return None if self.slot.nullable else self.slot.empty()
        context = info.context
        if value.__class__ is _raw[0] and context.__class__ is Decoding:
            # null is None at once, as eagerly: dumps leaving out None must see it
            if len(value) == 4 and bytes(value) == b"null":
                return None if self.slot.nullable else self.slot.empty()
            return value
        # A ValidationError raised here is reported at this field, its paths below it.
        return self.slot.eager()(value, context=context)


_raw: list[Any] = [None]  # msgspec.Raw, once a model is prepared (importing msgspec costs)


class _Serialize:
    """A lazy field's serializer: raw JSON is built first, then written as pydantic writes it.

    Raw JSON that does not decode (a value of another type than the model's) has no models to
    write: a dump that writes what was received (``by_alias`` and ``exclude_unset``, as
    ``to_dict()`` and ``to_json()`` do) writes it as it came, so a read-modify-write loses
    nothing; any other dump raises the field's DecodeError.
    """

    __slots__ = ("slot",)

    def __init__(self, slot: _Slot) -> None:
        self.slot = slot

    def __call__(self, value: Any, info: core_schema.SerializationInfo) -> Any:
        # What this returns, pydantic writes by its type (a model by its own serializer, with
        # the dump's options): the field's schema holds no schema of the models below it.
        if value.__class__ is _raw[0]:
            # The parent is not known here, so the value counts its depth from the top; read
            # through the model, it counts from where it is.
            try:
                value = self.slot.build(value, 1, f"a {self.slot.label()} field")
            except DecodeError as exc:
                if not _as_received(info):
                    raise
                try:
                    return loads(value)
                except ValueError:  # not even JSON (a string that is not UTF-8)
                    raise exc from None
        return value


def _as_received(info: core_schema.SerializationInfo) -> bool:
    """Whether these dump options write JSON as it was received (nulls may be left out)."""
    return bool(
        info.by_alias
        and info.exclude_unset
        and not info.exclude_defaults
        and info.include is None
        and info.exclude is None
    )


class _LazyField:
    """The descriptor of a lazy field: builds raw JSON on the first read, then keeps the models."""

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
        if value.__class__ is not _raw[0]:
            return value
        where = f"{type(obj).__name__}.{self.name}"
        built = self.slot.build(value, values.get(_AT, 0) + 1, where)
        with _publish:
            current = values.get(self.name, value)
            if current is value:  # else another thread stored its build first: that one holds
                values[self.name] = built
                return built
        return self.__get__(obj)

    def __set__(self, obj: BaseModel, value: Any) -> None:
        # pydantic's __setattr__ writes fields itself; this serves object.__setattr__.
        obj.__dict__[self.name] = value
        obj.__pydantic_fields_set__.add(self.name)

    def __delete__(self, obj: BaseModel) -> None:
        try:
            del obj.__dict__[self.name]
        except KeyError:
            raise AttributeError(self.name) from None


class _Facts:
    """What building one model class lazily needs, worked out once per class."""

    __slots__ = (
        "lazy",
        "model",
        "plain_keys",
        "raw_keys",
        "shape",
        "typed_depth",
        "unbounded_keys",
        "validate",
        "validate_many",
    )

    def __init__(self, model: type[BaseModel]) -> None:
        model.model_rebuild()  # builds what was deferred; does nothing once it is built
        self.model = model
        self.validate: Callable[..., Any] = model.__pydantic_validator__.validate_python
        self.validate_many: Callable[..., Any] | None = None  # made when a list is first built
        fields = model.model_fields
        self.lazy = tuple(
            name
            for name, info in fields.items()
            if any(isinstance(m, _LazyMarker) for m in info.metadata)
        )
        depths = {
            name: _type_depth(info.annotation)
            for name, info in fields.items()
            if name not in self.lazy
        }
        # Keys of the fields whose values no type bounds in depth (Any, dict[str, Any], a model
        # validated eagerly), and of every other non-lazy field, with the deepest those nest.
        self.unbounded_keys = _keys_of(model, [n for n, d in depths.items() if d is None])
        self.plain_keys = _keys_of(model, list(depths))
        self.typed_depth = max((d for d in depths.values() if d is not None), default=0)
        self.raw_keys = _keys_of(model, list(self.lazy))
        self.shape = shape_of(model, frozenset(self.lazy))

    def fields(self, model: type[BaseModel], content: Any, at: int = 0) -> dict[str, Any]:
        """A JSON object's fields by key: lazy ones as raw JSON, the others parsed.

        ``at`` is the object's position. Raises ``ValueError`` when ``content`` is not a
        well-formed JSON object, :class:`~rawkube.core._decode.TooDeep` when a model without lazy
        fields (parsed whole) nests too deep.
        """
        if not self.lazy:  # nothing to keep raw: parsed whole, unknown fields and all
            fields = loads(content, MAX_DEPTH - at)
            if fields.__class__ is not dict:
                raise _NotAnObject()
            return fields
        shape = self.shape
        if shape is not None:
            try:
                return shape.fields(shape.object(content))  # type: ignore[no-any-return]
            except RecursionError:  # msgspec descended as far as the stack allows
                raise TooDeep() from None
            except ValueError as exc:
                if _malformed(exc):
                    raise
        return _parse_unless_lazy(model, raw_fields(content))

    def rows(self, content: Any, at: int) -> list[dict[str, Any]]:
        """The fields of each object of a JSON array (at ``at``), as :meth:`fields` gives them.

        Raises ``ValueError`` when ``content`` is not a well-formed JSON array, or one of
        objects this model's shape does not read (an unknown field, say); what is parsed whole
        is not checked to hold objects (validating them does).
        """
        if not self.lazy:
            rows = loads(content, MAX_DEPTH - at)
            if rows.__class__ is not list:
                raise _NotAnObject()
            return rows
        shape = self.shape
        if shape is None:
            raise _NotAnObject()
        return shape.fields(parse_plain(shape.items, content))  # type: ignore[no-any-return]

    def finish(self, fields: dict[str, Any], at: int, detach: bool = False) -> Any:
        """The model from its fields, at position ``at``; see :func:`build_fields`."""
        if detach:
            for key in self.raw_keys.intersection(fields):
                value = fields[key]
                if is_raw(value) and len(value) < BULK_BYTES:
                    fields[key] = value.copy()
        # A field's value sits inside the object, itself inside ``at`` others.
        room = MAX_DEPTH - at - 1
        if room < 0 or self.checks(room):
            self.check(fields, room)
        built = self.validate(fields, context=_DECODING)
        extra = built.__pydantic_extra__
        if extra and any(deeper_than(value, room) for value in extra.values()):
            raise TooDeep()
        if at and self.lazy:
            built.__dict__[_AT] = at  # where its nested models are
        return built

    def many(self) -> Callable[..., Any]:
        """``validate_python`` of a list of the model (one call for a whole list)."""
        validate = self.validate_many
        if validate is None:
            kind: Any = list[self.model]  # type: ignore[name-defined]
            validate = self.validate_many = TypeAdapter(kind).validator.validate_python
        return validate

    def checks(self, room: int) -> frozenset[str]:
        """Keys of the fields to count the depth of, when values have ``room`` levels."""
        return self.unbounded_keys if room >= self.typed_depth else self.plain_keys

    def check(self, fields: dict[str, Any], room: int) -> None:
        """Raise TooDeep if a field of ``fields`` that no type bounds nests past ``room``."""
        if room < 0:
            raise TooDeep()
        for key in self.checks(room).intersection(fields):
            if deeper_than(fields[key], room):
                raise TooDeep()


_lock = threading.RLock()
_prepared: dict[type[BaseModel], _Facts] = {}


def prepare(model: type[BaseModel]) -> _Facts:
    """``model``'s decoding facts; its lazy fields get their descriptors on the first call."""
    found = _prepared.get(model)
    if found is not None:
        return found
    with _lock:
        found = _prepared.get(model)
        if found is None:
            _raw[0] = raw_type()
            found = _Facts(model)
            for name in found.lazy:
                slot = _slot_for(model.model_fields[name].annotation)
                type.__setattr__(model, name, _LazyField(name, slot))
            _prepared[model] = found
        return found


def build(model: type[M], data: Any) -> M:
    """``model`` validated from parsed JSON, all of it now (the rare path, for odd JSON).

    Raises ``pydantic.ValidationError`` when ``data`` does not fit ``model``.
    """
    validate = prepare(model).validate
    with collector_paused() if _bulky(data) else nullcontext():
        return validate(data)  # type: ignore[no-any-return]


def build_json(model: type[M], content: Any, *, detach: bool = False, at: int = 0) -> M:
    """``model`` from one JSON object (bytes or raw JSON), its lazy fields kept raw.

    ``at`` is the object's position in its body (see the module docstring). Raises
    ``ValueError`` when ``content`` is not a well-formed JSON object, and as
    :func:`build_fields`.
    """
    facts = prepare(model)
    return facts.finish(facts.fields(model, content, at), at, detach)  # type: ignore[no-any-return]


def decode_fields(model: type[BaseModel], content: Any) -> dict[str, Any]:
    """A JSON object's fields by key: ``model``'s lazy ones as raw JSON, the others parsed.

    Raises ``ValueError`` when ``content`` is not a well-formed JSON object.
    """
    return prepare(model).fields(model, content)


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
    if metadata is not None and is_raw(metadata) and "metadata" in prepare(model).lazy:
        slot = _slot_for(model.model_fields["metadata"].annotation)
        if slot.shape is _ONE:  # in the object, in the line
            fields["metadata"] = build_json(slot.target, metadata, at=2)
    return kind, fields


def build_fields(model: type[M], fields: dict[str, Any], *, detach: bool = False, at: int = 0) -> M:
    """``model`` from its fields as :func:`decode_fields` gives them, at position ``at``.

    ``detach=True`` (for the fields of a big body) copies the small raw values kept out of the
    body, so that the model does not keep all of it alive. Raises ``pydantic.ValidationError``
    when a field that is not lazy has the wrong type, :class:`~rawkube.core._decode.TooDeep` when
    the object or a value its types do not bound nests past ``MAX_DEPTH``.
    """
    return prepare(model).finish(fields, at, detach)  # type: ignore[no-any-return]


def _parse_unless_lazy(model: type[BaseModel], fields: dict[str, Any]) -> dict[str, Any]:
    """Raw fields with every one but ``model``'s lazy ones parsed."""
    keep = prepare(model).raw_keys
    parse = plain_decoder()
    try:
        return {key: value if key in keep else parse(value) for key, value in fields.items()}
    except RecursionError:  # msgspec descended as far as the stack allows
        raise TooDeep() from None


def _shape(model: type[BaseModel]) -> Shape | None:
    """``model``'s msgspec shape, made on first use."""
    return prepare(model).shape


def _malformed(exc: ValueError) -> bool:
    """Whether ``exc`` says raw JSON is not well-formed or too deep (not of another type)."""
    import msgspec

    if isinstance(exc, TooDeep):
        return True
    return isinstance(exc, msgspec.DecodeError) and not isinstance(exc, msgspec.ValidationError)


def materialise(obj: BaseModel) -> None:
    """Build every lazy field of ``obj`` still holding raw JSON (one level down)."""
    facts = _prepared.get(type(obj))
    if facts is not None:
        for name in facts.lazy:
            getattr(obj, name)


_known: dict[type[BaseModel], dict[str, _Slot | None]] = {}


def check_known(model: type[BaseModel], data: dict[str, Any]) -> None:
    """Refuse the keys of ``data``, given by hand for ``model``, that name none of its fields.

    The dicts given for its nested models (one, a list or a map of them) are looked at too;
    models (and their unknown fields, from a server) are taken as they are, and so is a model
    forbidding unknown fields, which says so itself. Raises ``pydantic.ValidationError`` with
    an ``extra_forbidden`` error at each unknown key's path.
    """
    errors: list[Any] = []
    _unknown_keys(model, data, (), errors)
    if errors:
        raise ValidationError.from_exception_data(model.__name__, errors)


def _unknown_keys(
    model: type[BaseModel], data: Any, at: tuple[Any, ...], errors: list[Any]
) -> None:
    if type(data) is not dict or model.model_config.get("extra") != "allow":
        return
    fields = _known.get(model)
    if fields is None:
        fields = _known[model] = _fields_by_key(model)
    for key, value in data.items():
        if key not in fields:
            errors.append({"type": "extra_forbidden", "loc": (*at, key), "input": value})
            continue
        slot = fields[key]
        if slot is None or value is None:
            continue
        if slot.shape is _ONE:
            _unknown_keys(slot.target, value, (*at, key), errors)
        elif slot.shape is _LIST and type(value) is list:
            for index, item in enumerate(value):
                _unknown_keys(slot.target, item, (*at, key, index), errors)
        elif slot.shape is _MAP and type(value) is dict:
            for name, item in value.items():
                _unknown_keys(slot.target, item, (*at, key, name), errors)


def _fields_by_key(model: type[BaseModel]) -> dict[str, _Slot | None]:
    """``model``'s fields by name and alias: the slot of those holding models, else None."""
    found: dict[str, _Slot | None] = {}
    for name, info in model.model_fields.items():
        try:
            slot: _Slot | None = _slot_for(info.annotation)
        except TypeError:  # a field holding no model: nothing below it to look at
            slot = None
        for key in _keys_of(model, [name]):
            found[key] = slot
    return found


def summarise(exc: ValidationError) -> str:
    """The first errors of a ValidationError as ``field.path: message``, no input values."""
    errors = exc.errors(include_url=False, include_input=False)
    parts = [f"{'.'.join(str(p) for p in e['loc']) or '<body>'}: {e['msg']}" for e in errors[:3]]
    more = f" (and {len(errors) - 3} more)" if len(errors) > 3 else ""
    return "; ".join(parts) + more


def _keys_of(model: type[BaseModel], names: list[str]) -> frozenset[str]:
    """The keys fields named ``names`` may have in decoded fields: names and aliases."""
    fields = model.model_fields
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

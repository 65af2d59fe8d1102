"""The seam between generated models and pydantic: shared settings, dumping, identity, registry.

Every generated model subclasses :class:`K8sModel`: unknown fields are kept (``extra="allow"``),
attributes are snake_case with the API's camelCase as alias, and :meth:`K8sModel.to_dict` /
:meth:`K8sModel.to_json` write camelCase without the fields nobody set, so a patch never sends
nulls. Objects with an ``apiVersion`` and ``kind`` subclass :class:`TypedObject`; those the API
serves as resources subclass :class:`Resource` and carry a :class:`~rawkube.ResourceInfo`.

An object decoded by ``Result.into()`` builds its nested models when they are first read
(:mod:`rawkube.models._lazy`); equality, ``repr``, iteration, copies, pickling and dumps build
them first, so a lazily built model and an eagerly validated one are indistinguishable but for
when a bad value is reported. Equality walks the two objects level by level and ``repr`` costs
one Python frame a level (pydantic's own cost four and five), so an object nested as deep as
rawkube decodes (``MAX_DEPTH``) compares and prints with the caller's stack to spare. Only
pydantic's public hooks are used: overridden dunder methods, a ``model_validator`` and the
``__get_pydantic_core_schema__`` of :data:`~rawkube.models.Lazy`. ``to_dict()`` and
``to_json()`` raise :class:`~rawkube.DecodeError` for a value from the server that does not
decode and ``ValueError`` for one the caller set that cannot be written, nothing else.

Every field is optional, also where the API calls it required: a response must decode whatever
a server leaves out, and the API server itself answers an incomplete object with 422 Invalid and
the fields at fault (:class:`~rawkube.InvalidError`). Fields default to None, but for an
object's ``metadata`` and a list's ``metadata`` and ``items``: those default to an empty
ObjectMeta, ListMeta or list (null from a server reads as one too), so typed code reads
``pod.metadata.name`` and iterates ``lst.items`` with no check for None. An empty default is
not written; once something is set in it (``pod.metadata.name = "web"``) it is.

A model built by its constructor refuses field names it does not know, nested dicts included
(see :class:`K8sModel`); decoded, it keeps them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict, model_validator

from rawkube.core._resource import ResourceInfo
from rawkube.models._lazy import check_known, materialise

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = ["K8sModel", "Resource", "TypedObject", "model_for", "register"]

_REGISTRY: dict[tuple[str, str], type[TypedObject]] = {}
_M = TypeVar("_M", bound="K8sModel")


class K8sModel(BaseModel):
    """Base of every Kubernetes model: keeps unknown fields, dumps camelCase without unset ones.

    Unknown fields are kept when an object is decoded (``Result.into()``, watches, informers,
    ``model_validate``, ``model_validate_json``), so a read-modify-write loses none of what a
    newer server sends. A model built by its constructor is written by hand: a key it does not
    know there, or in a dict given for a nested model (``Container(imagee="x")``,
    ``Deployment(spec={"replica": 3})``, a list of such dicts), raises
    ``pydantic.ValidationError`` (an ``extra_forbidden`` error at the key's path) at once, and
    so does setting an unknown attribute (``ValueError``); an unknown field an object was
    decoded with may be set again. ``model_construct()`` and ``model_copy(update=...)`` do not
    validate, as pydantic documents, so they take any key as they are given it.
    """

    # defer_build: a class builds its validator on first use, not at import. core_v1 alone
    # holds some 260 classes; building them all took ~0.4 s of every import.
    model_config = ConfigDict(
        extra="allow",
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
        defer_build=True,
    )

    # Only a call of the class (``Container(...)``) passes keywords to __new__: pydantic makes
    # the instances it validates with none, and a custom __init__ would be called for each of
    # them (pydantic-core calls it when validating), so the check is here.
    def __new__(cls: type[_M], /, **data: Any) -> _M:
        if data:  # built by hand: a key the model does not know is a typo
            check_known(cls, data)
        return super().__new__(cls)

    def __setattr__(self, name: str, value: Any) -> None:
        # As in the constructor, an unknown name is a typo, unless the object came with it.
        if name not in type(self).model_fields and not name.startswith("_"):
            extra = self.__pydantic_extra__
            if (extra is None or name not in extra) and not hasattr(type(self), name):
                raise ValueError(f'"{type(self).__name__}" object has no field "{name}"')
        super().__setattr__(name, value)

    # A model decoded by rawkube builds its nested models when they are first read
    # (rawkube.models._lazy); comparing, printing and iterating build them first, so these see
    # what an eagerly validated model holds.
    def __eq__(self, other: object) -> bool:
        if isinstance(other, K8sModel):
            return _same(self, other)
        return super().__eq__(other)

    # ``__eq__`` is defined, so Python would drop the inherited ``__hash__``: pydantic's models
    # are unhashable (``None``) unless frozen, which this keeps.
    __hash__ = BaseModel.__hash__

    def __repr__(self) -> str:
        # pydantic's __repr__ takes five frames a level (its join's generator among them); this
        # loop leaves one, so printing a model nested as deep as rawkube decodes stays far from
        # the recursion limit. The text is pydantic's.
        parts = []
        for name, value in self.__repr_args__():
            parts.append(repr(value) if name is None else f"{name}={value!r}")
        return f"{self.__repr_name__()}({', '.join(parts)})"  # type: ignore[misc]

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        materialise(self)
        yield from super().__repr_args__()

    def __iter__(self) -> Iterator[tuple[str, Any]]:  # type: ignore[override]
        materialise(self)
        return super().__iter__()

    def __copy__(self: _M) -> _M:
        # A shallow copy shares the nested models of the original, as an eager model's does:
        # so they are built first, else the copy and the original would each build their own.
        materialise(self)
        return super().__copy__()

    def __getstate__(self) -> dict[Any, Any]:
        # A pickle holds what the fields read as, never the JSON a decoded one still waits on.
        materialise(self)
        return super().__getstate__()

    # serialize_as_any makes pydantic write each value by its own type, passing over the
    # fields' serializers, which build what was not read yet: so everything is built first.
    def model_dump(self, **options: Any) -> dict[str, Any]:
        if options.get("serialize_as_any"):
            _build_all(self)
        if options.get("exclude_unset"):
            _mark_filled(self)
        return super().model_dump(**options)

    def model_dump_json(self, **options: Any) -> str:
        if options.get("serialize_as_any"):
            _build_all(self)
        if options.get("exclude_unset"):
            _mark_filled(self)
        return super().model_dump_json(**options)

    def to_dict(self, *, exclude_none: bool = False) -> dict[str, Any]:
        """The object as JSON-ready data: camelCase keys, only the fields that were set.

        ``exclude_none=True`` also leaves out the fields set to None (a create, update or apply
        body does: a merge patch keeps them, as null deletes a field there). Raises
        :class:`~rawkube.DecodeError` when a value from the server does not decode (naming the
        field) and ``ValueError`` when a value set in Python cannot be written.
        """
        try:
            return self.model_dump(
                mode="json", by_alias=True, exclude_unset=True, exclude_none=exclude_none
            )
        except ValueError as exc:  # pydantic's PydanticSerializationError is one
            raise _dump_error(self, exc) from None

    def to_json(self, *, exclude_none: bool = False) -> str:
        """The object as JSON text: camelCase keys, only the fields that were set.

        ``exclude_none`` and errors as :meth:`to_dict`.
        """
        try:
            return self.model_dump_json(
                by_alias=True, exclude_unset=True, exclude_none=exclude_none
            )
        except ValueError as exc:
            raise _dump_error(self, exc) from None


_defaulted: dict[type[BaseModel], tuple[str, ...]] = {}


def _mark_filled(model: K8sModel) -> None:
    """Count as set the defaulted fields of ``model`` (and of its list's items) filled since.

    ``metadata`` and a list's ``items`` default to empty values that are not written; once
    something is set in one (``pod.metadata.name = "web"``, ``lst.items.append(pod)``), it is
    written, as if it had been set.
    """
    names = _defaulted.get(type(model))
    if names is None:
        fields = type(model).model_fields
        names = tuple(name for name, info in fields.items() if info.default_factory is not None)
        _defaulted[type(model)] = names
    if not names:
        return
    values, set_ = model.__dict__, model.model_fields_set
    for name in names:
        value = values.get(name)
        if name not in set_ and _filled(value):
            set_.add(name)
        if name == "items" and type(value) is list:  # else raw JSON: from the server, as sent
            for item in value:
                if isinstance(item, K8sModel):
                    _mark_filled(item)


def _filled(value: Any) -> bool:
    """Whether a defaulted value holds something: a model with a field set, a non-empty list."""
    if isinstance(value, BaseModel):
        return bool(value.model_fields_set or value.model_extra)
    return bool(value) if isinstance(value, (list, dict)) else value is not None


def _build_all(model: K8sModel) -> None:
    """Build every nested model of ``model`` not read yet, all the way down."""
    pending: list[Any] = [model]
    while pending:
        value = pending.pop()
        if isinstance(value, K8sModel):
            materialise(value)
            pending.extend(value.__dict__.values())
        elif isinstance(value, dict):
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)


def _dump_error(model: K8sModel, exc: ValueError) -> Exception:
    """What a failed dump of ``model`` raises: the DecodeError of the field, else a ValueError.

    pydantic-core wraps an error raised while dumping a lazy field into its own; reading every
    field of every nested model again raises it plainly, naming the field. When all of them
    read, the value at fault was set in Python.
    """
    pending: list[Any] = [model]
    while pending:
        value = pending.pop()
        if isinstance(value, K8sModel):
            materialise(value)  # raises the DecodeError of a field from the server
            pending.extend(value.__dict__.values())
        elif isinstance(value, dict):
            pending.extend(value.values())
        elif isinstance(value, (list, tuple)):
            pending.extend(value)
    why = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return ValueError(f"{type(model).__name__} cannot be written as JSON: {why}")


def _same(first: K8sModel, second: K8sModel) -> bool:
    """pydantic's equality of two models, walked level by level instead of recursively.

    As pydantic compares them: the same class, equal private and extra values, and equal
    fields; values that are neither models, dicts nor lists by their own ``==``.
    """
    pending: list[tuple[Any, Any]] = [(first, second)]
    while pending:
        one, two = pending.pop()
        if one is two:
            continue
        if isinstance(one, K8sModel) and isinstance(two, K8sModel):
            if type(one) is not type(two):
                return False
            materialise(one)
            materialise(two)
            if one.__pydantic_private__ != two.__pydantic_private__:
                return False
            pending.append((one.model_extra or {}, two.model_extra or {}))
            values, others = one.__dict__, two.__dict__
            for name in type(one).model_fields:
                if (name in values) != (name in others):
                    return False
                pending.append((values.get(name), others.get(name)))
        elif type(one) is dict and type(two) is dict:
            if one.keys() != two.keys():
                return False
            pending.extend((value, two[key]) for key, value in one.items())
        elif type(one) is list and type(two) is list:
            if len(one) != len(two):
                return False
            pending.extend(zip(one, two, strict=True))
        elif one != two:
            return False
    return True


class TypedObject(K8sModel):
    """An object with an ``apiVersion`` and ``kind``: a resource, a list, a Status, ...

    It fills in its apiVersion and kind when they are missing, however it is made: built in
    Python (``Pod(metadata=...)``), validated, or decoded (list items arrive without them), so
    they are always there and always written (server-side apply needs them).
    """

    __api_version__: ClassVar[str] = ""
    __kind__: ClassVar[str] = ""

    @model_validator(mode="before")
    @classmethod
    def _fill_type(cls, data: Any) -> Any:
        # However the object is made (built in Python, validated, decoded), it says its type:
        # list items arrive without one, and server-side apply needs them written.
        if cls.__kind__ and isinstance(data, dict):
            missing = "api_version" not in data and "apiVersion" not in data
            if missing or "kind" not in data:
                data = dict(data)  # the caller's own dict stays as it was
                if missing:
                    data["apiVersion"] = cls.__api_version__
                data.setdefault("kind", cls.__kind__)
        return data

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        # Only a class that names its own kind stands for it: a subclass of Pod made for some
        # other purpose must not become the model every Pod decodes into.
        if cls.__kind__ and "__kind__" in cls.__dict__:
            register(cls)


class Resource(TypedObject):
    """A top-level API resource; ``__resource__`` says its plural, scope, verbs and more."""

    __resource__: ClassVar[ResourceInfo]


def register(cls: type[TypedObject]) -> None:
    """Make ``model_for`` find ``cls`` by its ``__api_version__`` and ``__kind__``."""
    _REGISTRY[(cls.__api_version__, cls.__kind__)] = cls


def model_for(api_version: str, kind: str) -> type[TypedObject] | None:
    """The model class for an ``apiVersion`` and ``kind``, importing its module on first use."""
    found = _REGISTRY.get((api_version, kind))
    if found is not None:
        return found
    from rawkube.models._index import INDEX

    module = INDEX.get((api_version, kind))
    if module is None:
        return None
    importlib.import_module(f"rawkube.models.{module}")
    return _REGISTRY.get((api_version, kind))

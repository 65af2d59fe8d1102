"""The seam between generated models and pydantic: shared settings, dumping, identity, registry.

Every generated model subclasses :class:`K8sModel`: unknown fields are kept (``extra="allow"``),
attributes are snake_case with the API's camelCase as alias, and :meth:`K8sModel.to_dict` /
:meth:`K8sModel.to_json` write camelCase without the fields nobody set, so a patch never sends
nulls. Objects with an ``apiVersion`` and ``kind`` subclass :class:`TypedObject`; those the API
serves as resources subclass :class:`Resource` and carry a :class:`~rawkube.ResourceInfo`.

An object decoded by ``Result.into()`` builds its nested models when they are first read
(:mod:`rawkube.models._lazy`); equality, ``repr`` and dumps build them first, so a lazily built
model and an eagerly validated one are indistinguishable but for when a bad value is reported.

Every field is optional and defaults to None, also where the API calls it required: a response
must decode whatever a server leaves out, and the API server itself answers an incomplete object
with 422 Invalid and the fields at fault (:class:`~rawkube.InvalidError`).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict

from rawkube._resource import ResourceInfo
from rawkube.models._lazy import materialise

if TYPE_CHECKING:
    from pydantic._internal import _repr
    from pydantic.main import TupleGenerator

__all__ = ["K8sModel", "Resource", "TypedObject", "model_for", "register"]

_REGISTRY: dict[tuple[str, str], type[TypedObject]] = {}


class K8sModel(BaseModel):
    """Base of every Kubernetes model: keeps unknown fields, dumps camelCase without unset ones."""

    # defer_build: a class builds its validator on first use, not at import. core_v1 alone
    # holds some 260 classes; building them all took ~0.4 s of every import.
    model_config = ConfigDict(
        extra="allow",
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
        defer_build=True,
    )

    # A model decoded by rawkube builds its nested models when they are first read
    # (rawkube.models._lazy); comparing, printing and iterating build them first, so these see
    # what an eagerly validated model holds.
    def __eq__(self, other: object) -> bool:
        if isinstance(other, K8sModel):
            materialise(self)
            materialise(other)
        return super().__eq__(other)

    def __repr_args__(self) -> _repr.ReprArgs:
        materialise(self)
        return super().__repr_args__()

    def __iter__(self) -> TupleGenerator:
        materialise(self)
        return super().__iter__()

    def to_dict(self) -> dict[str, Any]:
        """The object as JSON-ready data: camelCase keys, only the fields that were set."""
        return self.model_dump(mode="json", by_alias=True, exclude_unset=True)

    def to_json(self) -> str:
        """The object as JSON text: camelCase keys, only the fields that were set."""
        return self.model_dump_json(by_alias=True, exclude_unset=True)


class TypedObject(K8sModel):
    """An object with an ``apiVersion`` and ``kind``: a resource, a list, a Status, ...

    Built in Python (``Pod(metadata=...)``) it fills in its apiVersion and kind, so they are
    always written (server-side apply needs them); decoded from a server it keeps exactly the
    keys it arrived with (list items arrive without them).
    """

    __api_version__: ClassVar[str] = ""
    __kind__: ClassVar[str] = ""

    def __init__(self, /, **data: Any) -> None:
        cls = type(self)
        if cls.__kind__:
            if "api_version" not in data and "apiVersion" not in data:
                data["api_version"] = cls.__api_version__
            data.setdefault("kind", cls.__kind__)
        super().__init__(**data)

    # pydantic calls an overridden __init__ for every object it validates, unless the __init__
    # is marked as a base one, as BaseModel's own is: decoding must not fill in apiVersion/kind
    # (and must not pay a Python call per object).
    __init__.__pydantic_base_init__ = True  # type: ignore[attr-defined]

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

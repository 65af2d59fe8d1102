"""The base of user-written resource models: a CRD's objects, typed like the built-in ones."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

from pydantic import Field, create_model

from rawkube.core._resource import ResourceInfo
from rawkube.models._base import Resource, TypedObject, register
from rawkube.models._lazy import Lazy
from rawkube.models.meta_v1 import ListMeta, ObjectMeta

__all__ = ["CustomResource"]


class CustomResource(Resource):
    """Subclass it to type a custom resource; ``client.api(Widget)`` then gives every verb.

    Declare the resource on the class and its fields as usual (``metadata`` is inherited, an
    empty ObjectMeta unless given, as the List's ``items`` are an empty list)::

        class Widget(CustomResource):
            __group__ = "example.com"
            __version__ = "v1"
            __kind__ = "Widget"
            __plural__ = "widgets"
            __namespaced__ = True  # the default

            spec: Annotated[WidgetSpec | None, Lazy] = None

    The CRD's other names are optional: ``__singular__``, ``__short_names__`` and
    ``__categories__`` go into ``__resource__`` as discovery would give them, and
    ``__storage_version__`` says whether this version is the one the server stores (models that
    ``rawkube gen-models`` writes set them all). Each subclass gets its ``__resource__`` and a
    List model (``Widget.List``, registered beside it, so lists and
    ``model_for("example.com/v1", "WidgetList")`` are typed too).
    Raises ``TypeError`` at class creation when the group, version, kind or plural is missing.
    """

    __group__: ClassVar[str] = ""
    __version__: ClassVar[str] = ""
    __plural__: ClassVar[str] = ""
    __namespaced__: ClassVar[bool] = True
    __singular__: ClassVar[str] = ""
    __short_names__: ClassVar[tuple[str, ...]] = ()
    __categories__: ClassVar[tuple[str, ...]] = ()
    __storage_version__: ClassVar[bool] = False
    List: ClassVar[type[TypedObject]]

    api_version: str | None = Field(
        default=None, validation_alias="apiVersion", serialization_alias="apiVersion"
    )
    kind: str | None = None
    metadata: Annotated[ObjectMeta, Lazy] = Field(default_factory=ObjectMeta)

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        missing = [
            name
            for name in ("__group__", "__version__", "__kind__", "__plural__")
            if not getattr(cls, name)
        ]
        if missing:
            raise TypeError(f"{cls.__name__} must declare {', '.join(missing)}")
        cls.__api_version__ = f"{cls.__group__}/{cls.__version__}"
        cls.__resource__ = ResourceInfo(
            group=cls.__group__,
            version=cls.__version__,
            kind=cls.__kind__,
            plural=cls.__plural__,
            namespaced=cls.__namespaced__,
            singular=cls.__singular__,
            short_names=tuple(cls.__short_names__),
            categories=tuple(cls.__categories__),
        )
        super().__pydantic_init_subclass__(**kwargs)  # registers (apiVersion, kind)
        list_model = create_model(
            f"{cls.__name__}List",
            __base__=TypedObject,
            __module__=cls.__module__,
            api_version=(
                str | None,
                Field(
                    default=None, validation_alias="apiVersion", serialization_alias="apiVersion"
                ),
            ),
            kind=(str | None, None),
            metadata=(Annotated[ListMeta, Lazy], Field(default_factory=ListMeta)),
            items=(Annotated[list[cls], Lazy], Field(default_factory=list)),  # type: ignore[valid-type,arg-type]
        )
        list_model.__api_version__ = cls.__api_version__
        list_model.__kind__ = f"{cls.__kind__}List"
        register(list_model)
        cls.List = list_model

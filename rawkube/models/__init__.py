"""Pydantic models of the Kubernetes API, one module per group-version, generated from schemas/.

``import rawkube`` does not import them; each module (``rawkube.models.core_v1``, ...) is
imported on its own, so a program pays only for the group-versions it uses. This package
offers the shared pieces: the model bases, the registry, and helpers for the API's scalar types
(``Time``, ``Quantity``, ``IntOrString``, base64 data), which stay plain strings and ints in the
models so that decoding costs nothing extra; ``CustomResource``, the base of the models you
write for a CRD's objects; and ``Lazy``, the mark of a nested-model field that an object
decoded by ``Result.into()`` builds when it is first read; ``OpenEnum``, the mark of a CRD's
enum that still decodes a value a newer server sends; and ``api_field``, a field under its
JSON name, as models generated from CRDs (``rawkube gen-models``) declare them.
"""

from typing import TYPE_CHECKING, Any

from rawkube._public import publish
from rawkube.models._base import K8sModel, Resource, TypedObject, model_for
from rawkube.models._enum import OpenEnum
from rawkube.models._fields import api_field
from rawkube.models._lazy import Lazy
from rawkube.models._types import (
    Base64,
    IntOrString,
    MicroTime,
    Quantity,
    RawExtension,
    Time,
    decode_base64,
    encode_base64,
    format_micro_time,
    format_time,
    parse_quantity,
    parse_time,
    quantity_equal,
)

if TYPE_CHECKING:
    from rawkube.models._custom import CustomResource


def __getattr__(name: str) -> Any:
    # CustomResource needs the meta/v1 models; load them when it is first asked for.
    if name == "CustomResource":
        from rawkube.models._custom import CustomResource

        return CustomResource
    raise AttributeError(f"module 'rawkube.models' has no attribute {name!r}")


__all__ = [
    "Base64",
    "CustomResource",
    "IntOrString",
    "K8sModel",
    "Lazy",
    "MicroTime",
    "OpenEnum",
    "Quantity",
    "RawExtension",
    "Resource",
    "Time",
    "TypedObject",
    "api_field",
    "decode_base64",
    "encode_base64",
    "format_micro_time",
    "format_time",
    "model_for",
    "parse_quantity",
    "parse_time",
    "quantity_equal",
]

publish(__name__, globals(), __all__)

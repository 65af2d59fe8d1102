"""From CRD versions to what a module holds: classes, fields and types, named by path (no text).

The mapping of a structural OpenAPI v3 schema (README.md, "Your own resources", shows it in use):

- a kind's top level becomes a ``CustomResource`` subclass; ``apiVersion``, ``kind`` and
  ``metadata`` are inherited, every other property is a field;
- an object with ``properties`` (or an ``x-kubernetes-embedded-resource``) becomes a
  ``K8sModel`` named by its path: the kind, then each property's name in PascalCase
  (``CertificateSpecIssuerRef``); array items and map values take the name of their property;
  a name already taken in the module gets the first free ``2``, ``3``, ... suffix, in the order
  the schema is walked (properties sorted), so names are stable;
- an object without properties is a map: ``dict[str, T]`` from ``additionalProperties``, else
  ``dict[str, Any]`` (``x-kubernetes-preserve-unknown-fields`` keeps whatever was sent there;
  on an object with properties, the model keeps unknown keys as every rawkube model does);
- ``enum`` becomes a module-level alias ``Annotated[Literal[...], OpenEnum]``: the listed values
  for type checkers, any value of their type when decoding (a newer operator may add one);
- ``x-kubernetes-int-or-string`` is ``int | str``; ``string`` of any ``format`` (``date-time``,
  ``byte``, ...) stays ``str``, as the built-in models keep times and quantities as text;
- every field is optional and defaults to None, as in the built-in models, so any object the
  server sends decodes; ``required`` is said in the field's docstring. A scalar ``default`` is
  the field's Python default (the server would fill in the same value); any other default is
  said in the docstring;
- a nested model, or a list or map of them, is ``Lazy``, built when first read, as in the
  built-in models.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from rawkube.codegen._crd import CodegenError, CrdVersion
from rawkube.models._names import attribute_name, class_name, module_name

__all__ = ["Alias", "ClassPlan", "FieldPlan", "ModulePlan", "plan_modules"]

# Names the generated module imports or its annotations use: no class may take them.
_TAKEN = frozenset(
    {"Annotated", "Any", "CustomResource", "K8sModel", "Lazy", "Literal", "ObjectMeta", "OpenEnum"}
)
# A field of such a name would shadow the builtin in its class body, where pydantic evaluates the
# annotations: it gets a trailing ``_`` (its JSON name is kept).
_BUILTINS = frozenset({"bool", "dict", "float", "int", "list", "str", "api_field"})
_SCALARS = {"string": "str", "integer": "int", "number": "float", "boolean": "bool"}
_SCALAR_TYPES: dict[str, tuple[type, ...]] = {
    "str": (str,),
    "int": (int,),
    "float": (int, float),
    "bool": (bool,),
    "int | str": (int, str),
}


@dataclass
class FieldPlan:
    attr: str
    json_name: str
    annotation: str  # the whole annotation, "| None" included
    default: Any = None  # a JSON scalar
    doc: str = ""


@dataclass
class ClassPlan:
    name: str
    doc: str
    fields: list[FieldPlan] = field(default_factory=list)
    kind: CrdVersion | None = None  # set for the CustomResource subclass of a kind


@dataclass
class Alias:
    name: str
    values: list[Any]
    doc: str = ""


@dataclass
class ModulePlan:
    name: str
    group: str
    version: str
    kinds: list[CrdVersion] = field(default_factory=list)
    items: list[ClassPlan | Alias] = field(default_factory=list)  # in the order written
    uses: set[str] = field(default_factory=set)  # names imported

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}"


def plan_modules(versions: list[CrdVersion]) -> dict[str, ModulePlan]:
    """One module plan per group-version, its kinds sorted; raises :class:`CodegenError`."""
    modules: dict[str, ModulePlan] = {}
    seen: dict[tuple[str, str], CrdVersion] = {}
    for version in sorted(versions, key=lambda v: (v.group, v.version, v.kind)):
        key = (version.api_version, version.kind)
        if key in seen:
            if seen[key] != version:
                raise CodegenError(
                    f"{version.api_version} {version.kind} is declared twice, differently "
                    f"({seen[key].crd} and {version.crd})"
                )
            continue
        seen[key] = version
        name = module_name(version.group, version.version)
        module = modules.setdefault(name, ModulePlan(name, version.group, version.version))
        if (module.group, module.version) != (version.group, version.version):
            raise CodegenError(
                f"{module.api_version} and {version.api_version} would both be module {name}"
            )
        module.kinds.append(version)
    for module in modules.values():
        _Planner(module).run()
    return modules


class _Planner:
    """Walks the schemas of one module's kinds, naming classes and aliases as it goes."""

    def __init__(self, module: ModulePlan) -> None:
        self.module = module
        self.taken: set[str] = set(_TAKEN)
        self.aliases: list[Alias] = []
        self.classes: list[ClassPlan] = []

    def run(self) -> None:
        from rawkube.models._base import K8sModel
        from rawkube.models._custom import CustomResource

        self.top_names = frozenset(dir(CustomResource))
        self.nested_names = frozenset(dir(K8sModel))
        kind_names = []
        for version in self.module.kinds:
            name = class_name(version.kind)
            if name in self.taken:
                raise CodegenError(f"{version.api_version} {version.kind}: {name} is taken")
            self.taken.add(name)
            kind_names.append(name)
        self.module.uses.add("CustomResource")
        for version, name in zip(self.module.kinds, kind_names, strict=True):
            self._kind(version, name)
        self.module.items = [*self.aliases, *self.classes]

    def _take(self, wanted: str) -> str:
        name, number = wanted, 2
        while name in self.taken:
            name, number = f"{wanted}{number}", number + 1
        self.taken.add(name)
        return name

    def _kind(self, version: CrdVersion, name: str) -> None:
        schema = version.schema
        stored = "the storage version" if version.storage else "served, not stored"
        doc = _description(schema)
        line = f"{version.api_version} {version.kind} ({stored})."
        if version.deprecated:
            line = line[:-1] + " Deprecated by its CRD."
        cls = ClassPlan(name, f"{doc}\n\n{line}" if doc else line, kind=version)
        skip = {"apiVersion", "kind", "metadata"}
        cls.fields = self._fields(schema, name, "", version, skip, self.top_names)
        self.classes.append(cls)

    def _fields(
        self,
        schema: Mapping[str, Any],
        owner: str,
        path: str,
        version: CrdVersion,
        skip: set[str],
        reserved: frozenset[str],
    ) -> list[FieldPlan]:
        required = set(schema.get("required") or ())
        fields: list[FieldPlan] = []
        attrs: set[str] = set()
        for json_name, prop in sorted((schema.get("properties") or {}).items()):
            if json_name in skip:
                continue
            attr = attribute_name(json_name)
            if attr in _BUILTINS or attr in reserved:
                attr += "_"
            base, number = attr, 2
            while attr in attrs:
                attr, number = f"{base}_{number}", number + 1
            attrs.add(attr)
            child = f"{owner}{_pascal(json_name)}"
            where = f"{path}.{json_name}"
            annotation, models = self._type(prop, child, where, version)
            default, notes = _default(prop, annotation, self.aliases)
            if json_name in required:
                notes.insert(0, "Required.")
            fmt = prop.get("format")
            if isinstance(fmt, str) and fmt:
                notes.append(f"Format: {fmt}.")
            if prop.get("x-kubernetes-embedded-resource"):
                notes.append("An embedded Kubernetes object.")
            if models in (0, 1):
                self.module.uses.update({"Annotated", "Lazy"})
                annotation = f"Annotated[{annotation} | None, Lazy]"
            elif annotation != "Any":
                annotation = f"{annotation} | None"
            if attr != json_name:
                self.module.uses.add("api_field")
            doc = "\n\n".join(p for p in (_description(prop), " ".join(notes)) if p)
            fields.append(FieldPlan(attr, json_name, annotation, default, doc))
        return fields

    def _type(
        self, schema: Mapping[str, Any], name: str, path: str, version: CrdVersion
    ) -> tuple[str, int | None]:
        """The annotation of a schema (no ``| None``), and how deep it holds a model (None:
        not at all; 0: it is one; 1: a list or map of them; ...)."""
        if schema.get("x-kubernetes-int-or-string"):
            return "int | str", None
        kind = schema.get("type")
        enum = schema.get("enum")
        if kind in _SCALARS and isinstance(enum, list) and enum:
            where = f"``{path}`` in a {version.kind} ({version.api_version})."
            doc = _description(schema)
            return self._enum(name, kind, enum, f"{doc}\n\n{where}" if doc else where), None
        if kind in _SCALARS:
            return _SCALARS[kind], None
        if kind == "array":
            items = schema.get("items")
            if not isinstance(items, Mapping):
                self.module.uses.add("Any")
                return "list[Any]", None
            item, depth = self._type(items, name, f"{path}[]", version)
            return f"list[{item}]", None if depth is None else depth + 1
        embedded = bool(schema.get("x-kubernetes-embedded-resource"))
        if schema.get("properties") or embedded:
            return self._class(schema, name, path, version, embedded=embedded), 0
        if kind == "object" or (kind is None and "additionalProperties" in schema):
            extra = schema.get("additionalProperties")
            if isinstance(extra, Mapping) and extra:
                value, depth = self._type(extra, name, f"{path}{{}}", version)
                return f"dict[str, {value}]", None if depth is None else depth + 1
            self.module.uses.add("Any")
            return "dict[str, Any]", None
        self.module.uses.add("Any")
        return "Any", None  # no type: any JSON value (x-kubernetes-preserve-unknown-fields)

    def _enum(self, name: str, kind: str, values: list[Any], doc: str) -> str:
        wanted = _SCALAR_TYPES[_SCALARS[kind]]
        kept = [v for v in values if isinstance(v, wanted) and not _bool_as_number(v, kind)]
        if not kept or len(kept) != len(values):
            return _SCALARS[kind]  # a null or mistyped value: typed as the plain scalar
        unique = list(dict.fromkeys(json.dumps(v) for v in kept))
        alias = Alias(self._take(name), [json.loads(v) for v in unique], doc)
        self.aliases.append(alias)
        self.module.uses.update({"Annotated", "Literal", "OpenEnum"})
        return alias.name

    def _class(
        self,
        schema: Mapping[str, Any],
        name: str,
        path: str,
        version: CrdVersion,
        *,
        embedded: bool,
    ) -> str:
        taken = self._take(name)
        self.module.uses.add("K8sModel")
        where = f"``{path}`` in a {version.kind} ({version.api_version})."
        doc = _description(schema)
        cls = ClassPlan(taken, f"{doc}\n\n{where}" if doc else where)
        skip: set[str] = set()
        own: list[FieldPlan] = []
        if embedded:
            # An object of any kind: apiVersion, kind and metadata are there whatever the
            # schema lists, and metadata is an ObjectMeta.
            skip = {"apiVersion", "kind", "metadata"}
            self.module.uses.update({"Annotated", "Lazy", "ObjectMeta", "api_field"})
            own = [
                FieldPlan("api_version", "apiVersion", "str | None"),
                FieldPlan("kind", "kind", "str | None"),
                FieldPlan("metadata", "metadata", "Annotated[ObjectMeta | None, Lazy]"),
            ]
        fields = self._fields(schema, taken, path, version, skip, self.nested_names)
        cls.fields = sorted([*own, *fields], key=lambda f: f.json_name)
        self.classes.append(cls)
        return taken


def _bool_as_number(value: Any, kind: str) -> bool:
    return isinstance(value, bool) and kind != "boolean"


def _pascal(json_name: str) -> str:
    words = [w for w in attribute_name(json_name).rstrip("_").split("_") if w]
    return "".join(w[0].upper() + w[1:] for w in words) or "Field"


def _description(schema: Mapping[str, Any]) -> str:
    text = schema.get("description")
    return text.strip() if isinstance(text, str) else ""


def _default(
    schema: Mapping[str, Any], annotation: str, aliases: list[Alias]
) -> tuple[Any, list[str]]:
    """The field's Python default, and what its docstring says of a default it cannot take."""
    if "default" not in schema:
        return None, []
    value = schema["default"]
    allowed = _SCALAR_TYPES.get(annotation)
    if allowed is not None:
        if isinstance(value, allowed) and not _bool_as_number(value, annotation):
            return value, []
    else:
        for alias in aliases:
            if alias.name == annotation and value in alias.values:
                return value, []
    text = json.dumps(value, sort_keys=True, ensure_ascii=False)
    if len(text) > 60:
        text = text[:57] + "..."
    return None, [f"The server defaults it to {text}."]

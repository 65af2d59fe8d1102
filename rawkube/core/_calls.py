"""The calls of one resource's verbs, planned without I/O, and the reading of their answers.

:class:`ResourceCore` turns a verb's arguments into a :class:`Call` (method, name,
subresource, query, body, media types) and a :class:`~rawkube.Result` into the value returned.
``Api`` and ``AsyncApi`` (``rawkube.client._api``) only send the calls, so the two cannot drift
apart.
Paging is planned apart, in :mod:`rawkube.core._pager`, which both drive the same way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, Literal, Protocol, TypeVar

from rawkube.core._request import RequestBuilder, Result, patch_content_type
from rawkube.core._resource import (
    GroupVersionResource,
    ResourceInfo,
    check_namespace,
    check_segment,
)
from rawkube.core._watch_decoder import WatchDecoder

if TYPE_CHECKING:
    from rawkube.models.meta_v1 import ListMeta, PartialObjectMetadataList, Table

__all__ = [
    "ALL",
    "METADATA_ACCEPT",
    "TABLE_ACCEPT",
    "WATCH_METADATA_ACCEPT",
    "AllNamespaces",
    "Call",
    "FieldValidation",
    "ObjectList",
    "PatchType",
    "PropagationPolicy",
    "ResourceCore",
    "ResourceVersionMatch",
    "one_of",
]

T = TypeVar("T")  # an object: the resource's model, or a dict for the dynamic client
L = TypeVar("L")  # a list answer: the resource's List model, or a dict
S = TypeVar("S")  # a Status answer (delete, evict, bind): the Status model, or a dict
C = TypeVar("C")  # a scale answer: the Scale model, or a dict
T_co = TypeVar("T_co", covariant=True)

PatchType = Literal["merge", "json", "strategic", "apply"]
"""How a patch is read: a JSON merge patch, a JSON patch, a strategic merge patch, an apply."""
PropagationPolicy = Literal["Foreground", "Background", "Orphan"]
"""What a delete does to the object's dependents (``propagation_policy``)."""
FieldValidation = Literal["Strict", "Warn", "Ignore"]
"""What the server does with unknown or duplicate fields of a write (``field_validation``)."""
ResourceVersionMatch = Literal["Exact", "NotOlderThan"]
"""How a list reads its ``resource_version`` (``resource_version_match``)."""

_PROPAGATION_POLICIES = ("Foreground", "Background", "Orphan")
_FIELD_VALIDATIONS = ("Strict", "Warn", "Ignore")
_RESOURCE_VERSION_MATCHES = ("Exact", "NotOlderThan")


def one_of(what: str, value: object, allowed: tuple[str, ...]) -> Any:
    """``value`` if it is one of ``allowed`` (or None), else ``ValueError`` naming them all.

    The options with a fixed set of values are Literals to a type checker; this refuses the
    others (a wrong case: ``"foreground"``) before anything is sent, on every path.
    """
    if value is None or (isinstance(value, str) and value in allowed):
        return value
    choices = ", ".join(repr(a) for a in allowed)
    raise ValueError(f"{what} must be one of {choices}, not {value!r}")


TABLE_ACCEPT = "application/json;as=Table;v=v1;g=meta.k8s.io, application/json"
WATCH_METADATA_ACCEPT = (
    "application/json;as=PartialObjectMetadata;v=v1;g=meta.k8s.io, application/json"
)
METADATA_ACCEPT = (
    "application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io, application/json"
)


class AllNamespaces:
    """The namespace argument meaning every namespace (lists and watches only)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "rawkube.ALL"


ALL = AllNamespaces()
"""Pass as ``namespace=`` to list a namespaced resource across all namespaces."""


@dataclass(frozen=True)
class Call:
    """One API call as data: what to send, with no I/O attached."""

    method: str
    name: str | None = None
    subresource: str | None = None
    params: tuple[tuple[str, str | int | bool], ...] = ()
    body: Any = None
    patch_type: str | None = None
    accept: str | None = None
    # A list or watch: it alone may span namespaces (the server serves nothing else there).
    whole_collection: bool = False
    # The namespace of the object written, where it says one and the API named none.
    namespace: str | None = None


class ObjectList(Protocol[T_co]):
    """What a list answer offers (it is the resource's own List model, ``PodList``, ...)."""

    @property
    def items(self) -> Sequence[T_co]: ...

    @property
    def metadata(self) -> ListMeta: ...


def _query(**options: str | int | bool | None) -> tuple[tuple[str, str | int | bool], ...]:
    """The options that were given, under their API names, in the order written."""
    return tuple((key, value) for key, value in options.items() if value is not None)


def _dry_run(dry_run: bool) -> str | None:
    # The API's only dry-run value is "All": a str here ("All", "None") is refused rather than
    # taken for True by its truth.
    if not isinstance(dry_run, bool):
        raise ValueError(f"dry_run must be True or False, not {dry_run!r}")
    return "All" if dry_run else None


class ResourceCore(Generic[T, L, S, C]):
    """Plans every call of one resource (in one namespace) and reads the answers.

    Typed (:meth:`typed`), answers become the resource's model and its List model; dynamic
    (:meth:`dynamic`, addressed by GroupVersionResource alone), they stay the server's dicts,
    and nothing is checked that only discovery would know (subresources, kind), but for the
    scope of a write sent without a namespace (:meth:`scope_question`, :meth:`write_namespace`).

    A verb on one object refuses a missing name (None or ``""``) with ``ValueError`` before
    anything is sent, as the URL without it is the whole collection's; a name that is not a
    str is a ``TypeError``, as for every path segment. Only ``delete_collection`` deletes many.
    A namespace must be a DNS-1123 label, and options with a fixed set of values one of them
    (:func:`one_of`): both are refused with ``ValueError`` before anything is sent.

    A create, update or apply of an object whose ``metadata.namespace`` names a namespace goes
    there when the API was given none (typed: the config's namespace is then only the
    default); when the API was given another one, it raises ``ValueError`` before sending, as
    the server would refuse it (400).
    """

    def __init__(
        self,
        info: ResourceInfo,
        model: type[Any] | None,
        namespace: str | None,
        all_namespaces: bool,
        explicit: bool = True,
    ) -> None:
        self.info = info
        self.model = model
        self.namespace = namespace
        self.all_namespaces = all_namespaces
        self.explicit = explicit  # the namespace was named, not the config's default

    @classmethod
    def typed(
        cls, model: type[Any], namespace: str | AllNamespaces | None, default_namespace: str
    ) -> ResourceCore[Any, Any, Any, Any]:
        """The calls of ``model``'s resource; ``None`` is the config's namespace."""
        info: ResourceInfo | None = getattr(model, "__resource__", None)
        if info is None:
            raise TypeError(f"{model.__name__} is not a resource model: it has no __resource__")
        if not info.namespaced:
            if namespace is not None and namespace is not ALL:
                raise ValueError(f"{info.plural} are cluster-scoped: they take no namespace")
            return cls(info, model, None, False)
        if namespace is ALL:
            return cls(info, model, None, True, explicit=False)
        name = default_namespace if namespace is None else namespace
        return cls(info, model, check_namespace(name), False, explicit=namespace is not None)

    @classmethod
    def dynamic(
        cls, gvr: GroupVersionResource, namespace: str | None
    ) -> ResourceCore[Any, Any, Any, Any]:
        """The calls of any resource, in ``namespace`` or (None) cluster-wide/all namespaces."""
        plural = check_segment("resource", gvr.resource)
        info = ResourceInfo(gvr.group, gvr.version, "", plural, namespace is not None)
        where = None if namespace is None else check_namespace(namespace)
        return cls(info, None, where, namespace is None, explicit=namespace is not None)

    def __repr__(self) -> str:
        where = "all namespaces" if self.all_namespaces else self.namespace or "cluster"
        return f"<{self.info.api_version} {self.info.plural} in {where}>"

    # --- requests ------------------------------------------------------------------------------

    def apply_to(self, builder: RequestBuilder, call: Call) -> RequestBuilder:
        """Lay ``call`` out on a request builder of the right method."""
        builder.group_version(self.info.api_version)
        namespace = self.namespace if call.namespace is None else call.namespace
        if namespace is not None:
            builder.namespace(namespace)
        elif not call.whole_collection and self.info.namespaced and self.model is not None:
            raise ValueError(
                f"{self.info.plural}: name a namespace for this call; ALL only lists and watches"
            )
        builder.resource(self.info.plural)
        if call.name is not None:
            builder.name(call.name)
        if call.subresource is not None:
            builder.subresource(call.subresource)
        for key, value in call.params:
            builder.param(key, value)
        if call.accept is not None:
            builder.header("Accept", call.accept)
        if call.body is not None:
            builder.body(call.body)
        return builder

    def get(self, name: str, resource_version: str | None) -> Call:
        named = self.named("get", name)
        return Call("GET", named, params=_query(resourceVersion=resource_version))

    def get_subresource(self, name: str, subresource: str) -> Call:
        return Call("GET", self.named("get", name), subresource)

    def list(
        self,
        *,
        label_selector: str | Mapping[str, str] | None,
        field_selector: str | Mapping[str, str] | None,
        limit: int | None,
        continue_: str | None,
        resource_version: str | None,
        resource_version_match: str | None,
        timeout_seconds: int | None,
        accept: str | None = None,
    ) -> Call:
        from rawkube.core._selector import field_selector as fields
        from rawkube.core._selector import label_selector as labels

        if limit is not None and (isinstance(limit, bool) or limit <= 0):
            raise ValueError(f"limit must be a positive number of items, not {limit!r}")
        match = one_of("resource_version_match", resource_version_match, _RESOURCE_VERSION_MATCHES)
        params = _query(
            labelSelector=labels(label_selector),
            fieldSelector=fields(field_selector),
            limit=limit,
            resourceVersion=resource_version,
            resourceVersionMatch=match,
            timeoutSeconds=timeout_seconds,
        )
        if continue_:
            params += (("continue", continue_),)
        return Call("GET", params=params, accept=accept, whole_collection=True)

    def watch(
        self,
        *,
        resource_version: str | None,
        label_selector: str | Mapping[str, str] | None,
        field_selector: str | Mapping[str, str] | None,
        allow_watch_bookmarks: bool,
        timeout_seconds: int,
        send_initial_events: bool | None,
        accept: str | None = None,
    ) -> Call:
        from rawkube.core._selector import field_selector as fields
        from rawkube.core._selector import label_selector as labels

        if isinstance(timeout_seconds, bool) or timeout_seconds <= 0:
            raise ValueError(f"timeout_seconds must be positive, not {timeout_seconds!r}")
        if send_initial_events and not allow_watch_bookmarks:
            raise ValueError("send_initial_events needs bookmarks: it ends with one")
        params = _query(
            watch=1,
            resourceVersion=resource_version,
            # The server requires NotOlderThan with sendInitialEvents.
            resourceVersionMatch="NotOlderThan" if send_initial_events else None,
            labelSelector=labels(label_selector),
            fieldSelector=fields(field_selector),
            allowWatchBookmarks=True if allow_watch_bookmarks else None,
            sendInitialEvents=send_initial_events,
            timeoutSeconds=timeout_seconds,
        )
        return Call("GET", params=params, accept=accept, whole_collection=True)

    def watch_decoder(self) -> WatchDecoder[T]:
        """The decoder of this resource's watch events: models, or the server's dicts."""
        if self.model is None:
            return WatchDecoder()
        return WatchDecoder.of(self.model)

    def write_options(
        self, dry_run: bool, field_manager: str | None, field_validation: str | None
    ) -> tuple[tuple[str, str | int | bool], ...]:
        return _query(
            dryRun=_dry_run(dry_run),
            fieldManager=field_manager,
            fieldValidation=one_of("field_validation", field_validation, _FIELD_VALIDATIONS),
        )

    def create(self, obj: T | Mapping[str, Any], options: tuple[Any, ...]) -> Call:
        checked = self._checked(obj)
        where = self._placed(checked)
        return Call("POST", params=options, body=_written(checked), namespace=where)

    def update(
        self, obj: T | Mapping[str, Any], options: tuple[Any, ...], subresource: str | None = None
    ) -> Call:
        checked = self._checked(obj)
        name, where = _name_of(checked), self._placed(checked)
        return Call(
            "PUT", name, subresource, params=options, body=_written(checked), namespace=where
        )

    def patch(
        self,
        name: str,
        patch: Any,
        patch_type: str,
        options: tuple[Any, ...],
        subresource: str | None = None,
    ) -> Call:
        patch_content_type(patch_type)  # refuse an unknown type before anything is sent
        named = self.named("patch", name)
        return Call("PATCH", named, subresource, params=options, body=patch, patch_type=patch_type)

    def apply(
        self,
        obj: T | Mapping[str, Any],
        *,
        field_manager: str,
        force: bool,
        dry_run: bool,
        keep_resource_version: bool,
        subresource: str | None = None,
    ) -> Call:
        if not field_manager:
            raise ValueError("server-side apply needs a field_manager naming who applies")
        body = self._apply_body(obj, keep_resource_version)
        params = _query(
            dryRun=_dry_run(dry_run), fieldManager=field_manager, force=True if force else None
        )
        where = self._placed(body)
        return Call(
            "PATCH", _name_of(body), subresource, params, body, patch_type="apply", namespace=where
        )

    def delete(
        self,
        name: str | None,
        *,
        propagation_policy: str | None,
        grace_period_seconds: int | None,
        preconditions: Mapping[str, str] | None,
        dry_run: bool,
        params: tuple[Any, ...] | None = None,
    ) -> Call:
        """The delete of the object ``name``; with ``params`` (even none), of the collection.

        Only ``delete_collection`` passes ``params``, its selectors: without them a None name
        is refused, so a model's unset ``metadata.name`` never empties a namespace.
        """
        policy = one_of("propagation_policy", propagation_policy, _PROPAGATION_POLICIES)
        if params is None:
            name, params = self.named("delete", name), ()
        # DeleteOptions travel as the JSON body, as kubectl sends them.
        options: dict[str, Any] = {"kind": "DeleteOptions", "apiVersion": "v1"}
        if policy is not None:
            options["propagationPolicy"] = policy
        if grace_period_seconds is not None:
            options["gracePeriodSeconds"] = grace_period_seconds
        if preconditions:
            options["preconditions"] = dict(preconditions)
        if dry_run:
            options["dryRun"] = ["All"]
        return Call("DELETE", name, params=params, body=options)

    def subresource(self, name: str, subresource: str) -> str:
        """``subresource`` of the named object, refused at once when the resource has none."""
        if self.model is not None and subresource not in self.info.subresources:
            raise ValueError(f"{self.info.plural} have no {subresource!r} subresource")
        return self.named(subresource, name)

    def named(self, verb: str, name: object) -> str:
        """``name``, checked as one object's: None or ``""`` is a ValueError, a non-str a
        TypeError (see the class docstring)."""
        if name is None or name == "":
            raise ValueError(
                f"{self.info.plural}: {verb} needs the name of one object, not {name!r}; "
                "list() and delete_collection() are the calls for every object"
            )
        return check_segment("name", name)

    def scope_question(self, call: Call) -> str | None:
        """What to ask discovery (``Discovery.resolve``) before sending ``call``, if anything.

        Only a dynamic write addressed without a namespace asks: a GroupVersionResource does
        not say whether the resource is namespaced, and the all-namespaces path serves only
        lists and watches. None: send ``call`` as it is.
        """
        if self.model is not None or self.namespace is not None or call.method == "GET":
            return None
        from rawkube.core._restmapper import qualified_name  # `import rawkube` leaves it for later

        return qualified_name(self.info)

    def write_namespace(self, call: Call, scope: ResourceInfo) -> str | None:
        """Where a dynamic write addressed without a namespace goes, given what discovery
        answered to :meth:`scope_question`.

        None sends ``call`` as addressed: the resource is cluster-scoped (or discovery named
        another one). A namespaced resource takes the namespace of the object ``call`` sends
        (create, update, apply); anything else is refused with ``ValueError``, as the server
        would answer 405 at the all-namespaces path.
        """
        if scope.gvr != self.info.gvr or not scope.namespaced:
            return None
        namespace = _object_namespace(call)
        if namespace is None:
            source = " or the object's metadata.namespace" if _sends_object(call) else ""
            raise ValueError(
                f"{self.info.plural} are namespaced: {_verb_of(call)} needs a namespace, from "
                f".namespace(...){source}; without one the server refuses it (405)"
            )
        return _object_placement(self.info.plural, None, namespace)

    def evict(self, name: str, delete_options: Mapping[str, Any] | None) -> Call:
        eviction: dict[str, Any] = {
            "apiVersion": "policy/v1",
            "kind": "Eviction",
            "metadata": {"name": self.subresource(name, "eviction"), "namespace": self.namespace},
        }
        if delete_options:
            eviction["deleteOptions"] = dict(delete_options)
        return Call("POST", name, "eviction", body=eviction)

    def bind(self, name: str, node: str) -> Call:
        binding = {
            "apiVersion": "v1",
            "kind": "Binding",
            "metadata": {"name": self.subresource(name, "binding")},
            "target": {"apiVersion": "v1", "kind": "Node", "name": node},
        }
        return Call("POST", name, "binding", body=binding)

    def log(
        self,
        name: str,
        *,
        container: str | None,
        follow: bool,
        since_seconds: int | None,
        tail_lines: int | None,
        timestamps: bool,
        previous: bool,
    ) -> Call:
        params = _query(
            container=container,
            follow=True if follow else None,
            sinceSeconds=since_seconds,
            tailLines=tail_lines,
            timestamps=True if timestamps else None,
            previous=True if previous else None,
        )
        return Call("GET", self.subresource(name, "log"), "log", params=params)

    # --- answers -------------------------------------------------------------------------------

    # The dynamic client (no model) answers every verb with the server's dict: the reads
    # below build a model only for the typed API. The type parameters say which: the typed
    # APIs are ResourceCore[Model, ModelList, Status, Scale], the dynamic ones all dicts, and
    # mypy cannot follow ``self.model`` from one to the other, hence the ignores.

    def read_scale(self, result: Result) -> C:
        if self.model is None:
            return result.json()  # type: ignore[no-any-return]
        from rawkube.models.autoscaling_v1 import Scale

        return result.into(Scale)  # type: ignore[return-value]

    def read_status(self, result: Result) -> S:
        if self.model is None:
            return result.json()  # type: ignore[no-any-return]
        from rawkube.models.meta_v1 import Status

        return result.into(Status)  # type: ignore[return-value]

    def read(self, result: Result) -> T:
        if self.model is None:
            return result.json()  # type: ignore[no-any-return]
        return result.into(self.model)  # type: ignore[no-any-return]

    def read_list(self, result: Result) -> L:
        if self.model is None:
            return result.json()  # type: ignore[no-any-return]
        from rawkube.models import model_for

        list_model = model_for(self.info.api_version, f"{self.info.kind}List")
        if list_model is None:
            raise TypeError(f"no list model for {self.info.kind}")
        return result.into(list_model)  # type: ignore[return-value]

    def read_object_or_status(self, result: Result) -> T | S:
        """A delete answers with the object (still finalising) or a Status (gone)."""
        from rawkube.models.meta_v1 import Status

        data = result.json()
        if self.model is not None and isinstance(data, dict) and data.get("kind") == "Status":
            return result.into(Status)  # type: ignore[return-value]
        return self.read(result)

    def read_list_or_status(self, result: Result) -> L | S:
        """A collection delete answers with the list of what it deleted, or a Status."""
        from rawkube.models.meta_v1 import Status

        data = result.json()
        if self.model is not None and isinstance(data, dict) and data.get("kind") == "Status":
            return result.into(Status)  # type: ignore[return-value]
        return self.read_list(result)

    def read_table(self, result: Result) -> Table:
        from rawkube.models.meta_v1 import Table

        return result.into(Table)

    def read_metadata(self, result: Result) -> PartialObjectMetadataList:
        from rawkube.models.meta_v1 import PartialObjectMetadataList

        return result.into(PartialObjectMetadataList)

    # --- helpers -------------------------------------------------------------------------------

    def _placed(self, body: Any) -> str | None:
        """The namespace a write of ``body`` goes to other than the API's, if any.

        A typed API given no namespace writes the object where its ``metadata.namespace``
        says; one given a namespace refuses an object naming another (see the class
        docstring). A dynamic API given none leaves it to :meth:`write_namespace`.
        """
        if not self.info.namespaced or (self.model is None and not self.explicit):
            return None
        given = _namespace_of(body)
        if given is None:
            return None
        return _object_placement(self.info.plural, self.namespace if self.explicit else None, given)

    def _checked(self, obj: T | Mapping[str, Any]) -> Any:
        if isinstance(obj, Mapping):
            return dict(obj)
        if self.model is None or not isinstance(obj, self.model):
            wanted = "a dict" if self.model is None else f"a {self.model.__name__} or a dict"
            raise TypeError(f"expected {wanted}, not {type(obj).__name__}")
        return obj

    def _apply_body(
        self, obj: T | Mapping[str, Any], keep_resource_version: bool
    ) -> dict[str, Any]:
        checked = self._checked(obj)
        body = checked if isinstance(checked, dict) else checked.to_dict(exclude_none=True)
        body = {
            **body,
            "apiVersion": self.info.api_version,
            "kind": self.info.kind or body.get("kind"),
        }
        if not body["kind"]:
            raise ValueError("server-side apply needs the object's kind")
        metadata = dict(body.get("metadata") or {})
        metadata.pop("managedFields", None)
        if not keep_resource_version:
            metadata.pop("resourceVersion", None)
        body["metadata"] = metadata
        return body


def _sends_object(call: Call) -> bool:
    """Whether ``call``'s body is the object itself (create, update, apply), which may name
    its namespace; a patch, Scale, Eviction or Binding does not speak for the object's."""
    if call.subresource not in (None, "status"):
        return False
    return call.method in ("POST", "PUT") or call.patch_type == "apply"


def _object_namespace(call: Call) -> str | None:
    if not _sends_object(call):
        return None
    return _namespace_of(call.body)


def _namespace_of(body: Any) -> str | None:
    """The ``metadata.namespace`` an object (a dict or a model) names; ``""`` names none."""
    if isinstance(body, dict):
        metadata = body.get("metadata")
        namespace = metadata.get("namespace") if isinstance(metadata, dict) else None
    else:
        namespace = getattr(getattr(body, "metadata", None), "namespace", None)
    return namespace if namespace != "" else None


def _object_placement(plural: str, named: str | None, given: object) -> str | None:
    """Where an object naming namespace ``given`` is written, if the API named ``named``.

    The one decision for every write that sends the object (typed or dynamic): ``given`` must
    be a namespace's name; with no namespace named, the object goes to ``given``; with one, it
    must be the same (None: send it there), else ``ValueError`` before anything is sent.
    """
    given = check_namespace(given)
    if named is None:
        return given
    if given != named:
        raise ValueError(
            f"{plural}: the object's metadata.namespace {given!r} is not this API's namespace "
            f"{named!r}; write it through an API in {given!r} (the server refuses the mismatch)"
        )
    return None


def _written(body: Any) -> Any:
    """The body a create or update sends: a dict as given, a model without its None fields.

    ``Container(name="n", image=None)`` sends no ``"image": null``; a merge patch (sent as
    given) keeps them, as null deletes a field there.
    """
    if isinstance(body, dict):
        return body
    return body.to_json(exclude_none=True).encode()


def _verb_of(call: Call) -> str:
    """The method ``call`` was planned by, as a user calls it (``delete_collection``, ...)."""
    if call.method == "DELETE":
        return "delete" if call.name is not None else "delete_collection"
    if call.method == "POST":
        return {"eviction": "evict", "binding": "bind"}.get(call.subresource or "", "create")
    verb = "apply" if call.patch_type == "apply" else {"PUT": "update"}.get(call.method, "patch")
    return verb if call.subresource is None else f"{verb}_{call.subresource}"


def _name_of(body: Any) -> str:
    metadata = body.get("metadata") if isinstance(body, dict) else getattr(body, "metadata", None)
    name = metadata.get("name") if isinstance(metadata, dict) else getattr(metadata, "name", None)
    if not name:
        raise ValueError("the object has no metadata.name to address it by")
    return str(name)

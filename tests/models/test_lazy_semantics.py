"""A decoded model is an eager one, whatever was read before: a random walk over real pods.

``tests/models/test_lazy.py`` checks each operation on a fresh object. Here Hypothesis draws a
sequence of reads (attribute chains down a real pod or pod list), whole-object operations
(equality, ``repr``, dumps with many options, shallow and deep copies, pickling) and
``model_fields_set`` look-ups, and after each step compares the lazily decoded object with
``Model.model_validate_json`` of the same text. The explicit tests below pin what a random walk
cannot tell by comparing values: which objects a copy shares (by identity), what threads
reading one unread field get, and when a wrongly typed value is reported.
"""

from __future__ import annotations

import copy
import json
import pickle
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

import rawkube
from rawkube import Result
from rawkube.core._request import ApiRequest
from rawkube.models._base import K8sModel
from rawkube.models._lazy import build_json
from rawkube.models.core_v1 import Container, Pod, PodList
from tests.conftest import RECORDED

POD_TEXT = (RECORDED / "pod_get.body").read_bytes()


def recorded_pod() -> dict[str, Any]:
    return json.loads(POD_TEXT)  # type: ignore[no-any-return]


def pod_with_env() -> dict[str, Any]:
    """The recorded pod with a second container (env, ports) and a status with conditions."""
    pod = recorded_pod()
    pod["metadata"]["name"] = "pod-2"
    pod["metadata"]["labels"] = {"app": "fixture", "idx": "2", "tier": "web"}
    pod["metadata"]["annotations"] = {"note": "second"}
    pod["spec"]["containers"].append(
        {
            "name": "sidecar",
            "image": "registry.example/proxy:2",
            "env": [
                {"name": "MODE", "value": "proxy"},
                {"name": "POD", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
                {"name": "EMPTY", "value": ""},
            ],
            "ports": [{"containerPort": 8080, "protocol": "TCP", "name": "http"}],
            "resources": {"limits": {"cpu": "100m", "memory": "64Mi"}},
        }
    )
    pod["status"] = {
        "phase": "Running",
        "conditions": [
            {
                "type": "PodScheduled",
                "status": "True",
                "lastTransitionTime": "2026-11-27T13:00:37Z",
            },
            {"type": "Ready", "status": "False", "reason": "ContainersNotReady"},
        ],
        "containerStatuses": [
            {
                "name": "sidecar",
                "ready": False,
                "restartCount": 3,
                "image": "registry.example/proxy:2",
                "imageID": "",
                "state": {"waiting": {"reason": "CrashLoopBackOff"}},
            }
        ],
        "qosClass": "Burstable",
    }
    return pod


def pod_with_unknown_fields() -> dict[str, Any]:
    """The recorded pod with fields no model knows, in its spec, a container and its status."""
    pod = recorded_pod()
    pod["metadata"]["name"] = "pod-3"
    pod["spec"]["futureSpecField"] = ["a", 1, {"b": None}]
    pod["spec"]["containers"][0]["futureContainerField"] = {"nested": [1, 2], "on": True}
    pod["spec"]["containers"][0]["env"] = [{"name": "ONLY", "value": "1"}]
    pod["status"]["futureStatusField"] = "soon"
    pod["status"]["conditions"] = [{"type": "Initialized", "status": "True"}]
    return pod


def pod_with_nulls() -> dict[str, Any]:
    """A pod with ``null`` where nested models go: at the top, in its spec, in a container."""
    pod = pod_with_env()
    pod["metadata"]["name"] = "pod-4"
    pod["metadata"]["ownerReferences"] = None
    pod["spec"]["affinity"] = None
    pod["spec"]["containers"][1]["lifecycle"] = None
    pod["spec"]["containers"][1]["env"][1]["valueFrom"] = None
    pod["status"] = None
    return pod


def pod_list() -> dict[str, Any]:
    """Three pods as a list serves them (items say no kind); the second has an unknown field."""
    items = [recorded_pod(), pod_with_env(), pod_with_unknown_fields()]
    for item in items:
        del item["kind"], item["apiVersion"]
    items[1]["futureItemField"] = {"x": [1]}
    return {
        "kind": "PodList",
        "apiVersion": "v1",
        "metadata": {"resourceVersion": "300"},
        "items": items,
    }


@dataclass(frozen=True)
class Doc:
    name: str
    model: type[K8sModel]
    text: bytes = field(repr=False)

    def eager(self) -> Any:
        return self.model.model_validate_json(self.text)


DOCS = [
    Doc("recorded-pod", Pod, POD_TEXT),
    Doc("pod-with-env", Pod, json.dumps(pod_with_env()).encode()),
    Doc("pod-with-unknown-fields", Pod, json.dumps(pod_with_unknown_fields()).encode()),
    Doc("pod-list", PodList, json.dumps(pod_list()).encode()),
    Doc("pod-with-nulls", Pod, json.dumps(pod_with_nulls()).encode()),
]
NULLS = DOCS[4]


def result(body: bytes) -> Result:
    return Result(ApiRequest("GET", "/api/v1/namespaces/default/pods/web"), 200, {}, body, [])


DECODERS: dict[str, Callable[[type[Any], bytes], Any]] = {
    "into": lambda model, text: result(text).into(model),
    "build_json": build_json,
}


def decode(doc: Doc, decoder: str = "into") -> Any:
    decoded = DECODERS[decoder](doc.model, doc.text)
    assert type(decoded) is doc.model
    return decoded


# --- paths ----------------------------------------------------------------------------------

Path = tuple[str | int, ...]


def read(obj: Any, path: Path) -> Any:
    for step in path:
        obj = obj[step] if isinstance(step, int) else getattr(obj, step)
    return obj


def paths_of(obj: Any, prefix: Path = ()) -> Iterator[Path]:
    """Every attribute chain down ``obj`` (an eager model) to a value that was set.

    Set fields and unknown ones, each item of a list of models; for each model one field it
    does not hold too (read, it is None either way).
    """
    if isinstance(obj, list):
        for index, item in enumerate(obj):
            if isinstance(item, BaseModel):
                yield (*prefix, index)
                yield from paths_of(item, (*prefix, index))
        return
    if not isinstance(obj, BaseModel):
        return
    unset = [name for name in type(obj).model_fields if name not in obj.model_fields_set]
    for name in sorted(obj.model_fields_set) + unset[:1]:
        value = getattr(obj, name)
        yield (*prefix, name)
        if isinstance(value, (BaseModel, list)):
            yield from paths_of(value, (*prefix, name))


PATHS = {doc.name: sorted(set(paths_of(doc.eager())), key=str) for doc in DOCS}


def model_at(obj: Any, path: Path) -> Any:
    """The model at ``path``, or the one holding the value there (for ``model_fields_set``)."""
    while path:
        value = read(obj, path)
        if isinstance(value, BaseModel):
            return value
        path = path[:-1]
    return obj


# --- operations -----------------------------------------------------------------------------

DUMP_OPTIONS: list[dict[str, Any]] = [
    {},
    {"mode": "json"},
    {"by_alias": True},
    {"by_alias": False},
    {"exclude_unset": True},
    {"by_alias": True, "exclude_unset": True},  # what to_dict() writes
    {"mode": "json", "by_alias": True, "exclude_unset": True},
    {"exclude_none": True},
    {"exclude_defaults": True},
    {"round_trip": True},
    {"exclude_unset": True, "exclude_none": True},
    {"include": {"metadata", "status"}},
    {"include": {"spec": {"containers": {0: {"image", "env"}}}}},
    {"include": {"items": {1: {"spec": {"containers": {1: {"env"}}}}}}},
    {"exclude": {"status": True, "spec": {"containers"}}},
    {"exclude": {"items": {"__all__": {"spec"}}}},
    {"exclude": {"metadata": {"managed_fields"}}, "exclude_unset": True},
    {"serialize_as_any": True},
    {"mode": "json", "serialize_as_any": True, "by_alias": True, "exclude_unset": True},
]
JSON_OPTIONS: list[dict[str, Any]] = [
    *({k: v for k, v in o.items() if k != "mode"} for o in DUMP_OPTIONS),
    {"indent": 2},
    {"indent": 1, "by_alias": True, "exclude_unset": True},
]


def same_read(lazy: Any, eager: Any, path: Path) -> None:
    """The value at ``path`` of both: equal, of one type, and read twice alike."""
    got, want = read(lazy, path), read(eager, path)
    assert type(got) is type(want), path
    assert got == want, path
    assert want == got, path
    assert (read(lazy, path) is got) == (read(eager, path) is want), path
    if isinstance(want, BaseModel):
        assert got.model_fields_set == want.model_fields_set, path
        assert got.model_extra == want.model_extra, path
        assert repr(got) == repr(want), path
    elif isinstance(want, list):
        assert [type(item) for item in got] == [type(item) for item in want], path


def same_fields_set(lazy: Any, eager: Any, path: Path) -> None:
    got, want = model_at(lazy, path), model_at(eager, path)
    assert type(got) is type(want), path
    assert got.model_fields_set == want.model_fields_set, path
    assert got.model_extra == want.model_extra, path


Step = tuple[Any, ...]

COPIES: dict[str, Callable[[Any], Any]] = {
    "model_copy": lambda m: m.model_copy(),
    "model_copy_deep": lambda m: m.model_copy(deep=True),
    "copy.copy": copy.copy,
    "copy.deepcopy": copy.deepcopy,
    "pickle": lambda m: pickle.loads(pickle.dumps(m)),
}


def apply(step: Step, lazy: Any, eager: Any, doc: Doc, decoder: str) -> tuple[Any, Any]:
    """Run ``step`` on both objects, checking what it gives; the pair to go on with."""
    kind = step[0]
    if kind == "read":
        same_read(lazy, eager, step[1])
    elif kind == "fields_set":
        same_fields_set(lazy, eager, step[1])
    elif kind == "eq":
        other = decode(doc, decoder)  # a fresh one: compared in another state
        assert lazy == eager
        assert eager == lazy
        assert (lazy != eager) is False
        assert lazy == other
        assert other == lazy
        assert other == eager
    elif kind == "repr":
        assert repr(lazy) == repr(eager)
        assert str(lazy) == str(eager)
    elif kind == "dump":
        options = DUMP_OPTIONS[step[1]]
        assert lazy.model_dump(**options) == eager.model_dump(**options), options
    elif kind == "dump_json":
        options = JSON_OPTIONS[step[1]]
        assert lazy.model_dump_json(**options) == eager.model_dump_json(**options), options
    elif kind == "iter":
        assert dict(lazy) == dict(eager)
    elif kind in COPIES:
        # The copy goes on in the walk; what it shares with the original at the path (by
        # identity) is what the eager copy shares, read first through the copy.
        make, path = COPIES[kind], step[1]
        lazy_copy, eager_copy = make(lazy), make(eager)
        if isinstance(read(eager, path), (BaseModel, list, dict)):
            shared = read(lazy_copy, path) is read(lazy, path)
            assert shared is (read(eager_copy, path) is read(eager, path)), (kind, path)
        assert lazy_copy == eager_copy
        lazy, eager = lazy_copy, eager_copy
    else:  # pragma: no cover - a step this test does not know
        raise AssertionError(step)
    assert type(lazy) is type(eager)
    return lazy, eager


def full_check(lazy: Any, eager: Any, path: Path, order: list[str]) -> None:
    """The whole objects compared, in ``order`` (each comparison may build what it looks at)."""
    for check in order:
        if check == "fields_set":
            same_fields_set(lazy, eager, ())
            same_fields_set(lazy, eager, path)
        elif check == "dump":
            assert lazy.model_dump() == eager.model_dump()
        elif check == "dump_json":
            assert lazy.model_dump_json() == eager.model_dump_json()
        elif check == "repr":
            assert repr(lazy) == repr(eager)
        elif check == "read":
            same_read(lazy, eager, path)
        else:  # pragma: no cover
            raise AssertionError(check)


FULL_CHECKS = ["fields_set", "dump", "dump_json", "repr", "read"]
WHOLE_STEPS: list[Step] = [("eq",), ("repr",), ("iter",)]


@st.composite
def walks(draw: st.DrawFn) -> tuple[Doc, str, list[Step], list[str]]:
    doc = draw(st.sampled_from(DOCS))
    decoder = draw(st.sampled_from(sorted(DECODERS)))
    paths = st.sampled_from(PATHS[doc.name])
    step = st.one_of(
        st.tuples(st.just("read"), paths),
        st.tuples(st.just("read"), paths),  # reads are what a caller does most
        st.tuples(st.just("fields_set"), paths),
        st.tuples(st.just("dump"), st.integers(0, len(DUMP_OPTIONS) - 1)),
        st.tuples(st.just("dump_json"), st.integers(0, len(JSON_OPTIONS) - 1)),
        st.tuples(st.sampled_from(sorted(COPIES)), paths),
        st.sampled_from(WHOLE_STEPS),
    )
    steps = draw(st.lists(step, min_size=1, max_size=7))
    order = draw(st.permutations(FULL_CHECKS))
    return doc, decoder, steps, list(order)


def path_of(step: Step) -> Path:
    return step[1] if len(step) > 1 and isinstance(step[1], tuple) else ()


EXCLUDE_NONE = DUMP_OPTIONS.index({"exclude_none": True})
SERIALIZE_AS_ANY = DUMP_OPTIONS.index({"serialize_as_any": True})


@settings(max_examples=80, deadline=None)
@given(walks())
# Two bugs found while writing this walk (fixed since), kept as examples it always runs; the
# explicit tests below pin them: a null nested model that exclude_none did not leave out, and
# serialize_as_any, which passes over the lazy fields' serializers, meeting raw JSON.
@example((NULLS, "into", [("dump", EXCLUDE_NONE)], FULL_CHECKS))
@example((DOCS[0], "into", [("read", ("spec",)), ("dump", SERIALIZE_AS_ANY)], FULL_CHECKS))
def test_a_random_walk_sees_what_an_eager_model_shows(
    walk: tuple[Doc, str, list[Step], list[str]],
) -> None:
    doc, decoder, steps, order = walk
    for done in range(1, len(steps) + 1):
        # Replayed from a fresh object: the comparisons after a step build all they see, and
        # must not decide what the steps after it find built.
        lazy, eager = decode(doc, decoder), doc.eager()
        for step in steps[:done]:
            lazy, eager = apply(step, lazy, eager, doc, decoder)
        full_check(lazy, eager, path_of(steps[done - 1]), order)


def test_the_walk_reaches_the_interesting_paths() -> None:
    """The paths the walk draws from go down lists, into env and conditions, to unknown fields."""
    pod_paths = set(PATHS["pod-with-env"])
    assert ("metadata", "name") in pod_paths
    assert ("spec", "containers", 1, "env", 1, "value_from", "field_ref") in pod_paths
    assert ("status", "conditions", 1, "status") in pod_paths
    assert ("spec", "futureSpecField") in PATHS["pod-with-unknown-fields"]
    assert ("items", 2, "spec", "containers", 0, "futureContainerField") in PATHS["pod-list"]
    assert ("items", 1, "futureItemField") in PATHS["pod-list"]


# --- (a) what copies share ------------------------------------------------------------------

Probe = Callable[[Any, Any], bool]

# Each: whether the copy and the original hold the same object there (``is``).
SHARING: dict[str, tuple[Callable[[Any], Any], Probe]] = {
    "pod.model_copy: spec": (lambda p: p.model_copy(), lambda c, p: c.spec is p.spec),
    "pod.model_copy: metadata": (lambda p: p.model_copy(), lambda c, p: c.metadata is p.metadata),
    "pod.model_copy: status": (lambda p: p.model_copy(), lambda c, p: c.status is p.status),
    "pod.model_copy: containers": (
        lambda p: p.model_copy(),
        lambda c, p: c.spec.containers is p.spec.containers,
    ),
    "copy.copy(pod): spec": (copy.copy, lambda c, p: c.spec is p.spec),
    "spec.model_copy: containers": (
        lambda p: p.spec.model_copy(),
        lambda c, p: c.containers is p.spec.containers,
    ),
    "spec.model_copy: first container": (
        lambda p: p.spec.model_copy(),
        lambda c, p: c.containers[0] is p.spec.containers[0],
    ),
    "copy.copy(spec): tolerations": (
        lambda p: copy.copy(p.spec),
        lambda c, p: c.tolerations is p.spec.tolerations,
    ),
    "metadata.model_copy: labels": (
        lambda p: p.metadata.model_copy(),
        lambda c, p: c.labels is p.metadata.labels,
    ),
    "metadata.model_copy: managed fields": (
        lambda p: p.metadata.model_copy(),
        lambda c, p: c.managed_fields is p.metadata.managed_fields,
    ),
    "container.model_copy: env": (
        lambda p: p.spec.containers[1].model_copy(),
        lambda c, p: c.env is p.spec.containers[1].env,
    ),
}

# What is read of the decoded pod before it is copied.
BEFORE: dict[str, Callable[[Any], Any]] = {
    "nothing": lambda p: None,
    "spec": lambda p: p.spec,
    "containers": lambda p: p.spec.containers,
    "env": lambda p: p.spec.containers[-1].env,
    "metadata": lambda p: p.metadata.labels,
    "dumped": lambda p: p.model_dump_json(),
}


@pytest.mark.parametrize("before", BEFORE)
@pytest.mark.parametrize("sharing", SHARING)
def test_a_shallow_copy_shares_what_an_eager_copy_shares(sharing: str, before: str) -> None:
    make, shared = SHARING[sharing]
    doc = DOCS[1]
    eager = doc.eager()
    eager_copy = make(eager)
    expected = shared(eager_copy, eager)
    pod = decode(doc)
    BEFORE[before](pod)
    pod_copy = make(pod)
    assert shared(pod_copy, pod) is expected
    # Whatever is read after the copy was made is shared alike too.
    assert shared(pod_copy, pod) is expected
    assert pod_copy == eager_copy
    assert pod == eager


def test_a_shallow_copy_shares_every_nested_model_of_the_original() -> None:
    """As pydantic's: ``spec is spec``, so a change made through the copy shows in the original."""
    eager = DOCS[1].eager()
    assert eager.model_copy().spec is eager.spec  # pydantic's own behaviour, the reference
    for before in BEFORE.values():
        pod = decode(DOCS[1])
        before(pod)
        shallow = pod.model_copy()
        assert shallow.spec is pod.spec
        assert shallow.spec.containers is pod.spec.containers
        assert shallow.status.conditions is pod.status.conditions
        shallow.spec.containers[0].image = "changed"
        assert pod.spec.containers[0].image == "changed"
        shallow.metadata = None  # a field of the copy's own: the original keeps its own
        assert pod.metadata is not None


def containers_in(value: Any, found: dict[int, Any] | None = None) -> dict[int, Any]:
    """Every model, list and dict reachable from ``value`` (read through attributes), by id."""
    found = {} if found is None else found
    if isinstance(value, BaseModel):
        found[id(value)] = value
        for name in type(value).model_fields:
            containers_in(getattr(value, name), found)
        for extra in (value.model_extra or {}).values():
            containers_in(extra, found)
    elif isinstance(value, (list, dict)):
        found[id(value)] = value
        for item in value.values() if isinstance(value, dict) else value:
            containers_in(item, found)
    return found


DEEP_COPIES: dict[str, Callable[[Any], Any]] = {
    "model_copy(deep=True)": lambda p: p.model_copy(deep=True),
    "copy.deepcopy": copy.deepcopy,
}


@pytest.mark.parametrize("deep", DEEP_COPIES)
@pytest.mark.parametrize("before", BEFORE)
@pytest.mark.parametrize("doc", [DOCS[1], DOCS[2], DOCS[3]], ids=lambda d: d.name)
def test_a_deep_copy_shares_nothing_and_changing_it_leaves_the_original(
    doc: Doc, before: str, deep: str
) -> None:
    eager = doc.eager()
    pod = decode(doc)
    if doc.model is Pod:
        BEFORE[before](pod)
    else:
        BEFORE[before](pod.items[1])
    copied = DEEP_COPIES[deep](pod)
    assert copied == eager
    mine, theirs = containers_in(copied), containers_in(pod)
    assert len(mine) == len(theirs) == len(containers_in(eager))
    assert not set(mine) & set(theirs)
    # Changes to the copy, at every level: the original stays what the server sent.
    target = copied if doc.model is Pod else copied.items[1]
    target.metadata.labels["changed"] = "yes"
    target.spec.containers[0].image = "changed"
    target.spec.containers.append(Container(name="added"))
    target.status.phase = "Changed"
    if target.model_extra:
        next(iter(target.model_extra.values()))["changed"] = True
    assert pod == eager
    assert pod.model_dump() == eager.model_dump()
    assert pod.model_dump_json() == eager.model_dump_json()


def test_changing_the_original_leaves_a_deep_copy_made_before_anything_was_read() -> None:
    pod = decode(DOCS[2])
    copied = pod.model_copy(deep=True)
    pod.spec.containers[0].model_extra["futureContainerField"]["on"] = False
    pod.spec.containers[0].image = "changed"
    assert copied == DOCS[2].eager()


# --- (b) threads ----------------------------------------------------------------------------

THREADS = 8


def read_together(readers: list[Callable[[], Any]]) -> list[Any]:
    """What each reader returned, each run on its own thread, all let go at once."""
    start = threading.Barrier(len(readers))
    seen: list[Any] = [None] * len(readers)
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            start.wait()
            seen[index] = readers[index]()
        except BaseException as exc:  # reported below, in the test's own thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(readers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors, errors
    return seen


@pytest.fixture
def quick_switches() -> Iterator[None]:
    """Threads switch as often as the interpreter lets them: races show sooner."""
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        yield
    finally:
        sys.setswitchinterval(interval)


@pytest.mark.usefixtures("quick_switches")
@pytest.mark.parametrize("doc", [DOCS[0], DOCS[1]], ids=lambda d: d.name)
def test_threads_reading_an_unread_field_all_get_the_same_object(doc: Doc) -> None:
    eager = doc.eager()
    for _ in range(50):
        pod = decode(doc)
        containers = read_together([lambda pod=pod: pod.spec.containers[0]] * THREADS)
        assert all(container is containers[0] for container in containers)
        assert containers[0] is pod.spec.containers[0]
        assert containers[0] == eager.spec.containers[0]
        statuses = read_together([lambda pod=pod: pod.status] * THREADS)
        assert all(status is pod.status for status in statuses)
        assert pod == eager


@pytest.mark.usefixtures("quick_switches")
def test_threads_reading_items_of_one_list_all_get_the_same_objects() -> None:
    doc = DOCS[3]
    eager = doc.eager()
    for _ in range(50):
        pods = decode(doc)
        readers = [
            (lambda i=i, pods=pods: pods.items[i % 3].spec.containers[0]) for i in range(THREADS)
        ]  # a few threads per item, each item's spec read at once by several
        seen = read_together(readers)
        for i, container in enumerate(seen):
            assert container is pods.items[i % 3].spec.containers[0]
        assert pods == eager


@pytest.mark.usefixtures("quick_switches")
def test_threads_reading_and_copying_at_once_see_one_object() -> None:
    """A shallow copy made while another thread reads the field shares what that thread got."""
    doc = DOCS[1]
    for _ in range(50):
        pod = decode(doc)
        readers: list[Callable[[], Any]] = [lambda pod=pod: pod.spec] * (THREADS - 2)
        readers += [lambda pod=pod: pod.model_copy().spec, lambda pod=pod: copy.copy(pod).spec]
        seen = read_together(readers)
        assert all(spec is pod.spec for spec in seen)


# --- (c) pickling ---------------------------------------------------------------------------


@pytest.mark.parametrize("before", BEFORE)
@pytest.mark.parametrize("doc", DOCS, ids=lambda d: d.name)
def test_a_partly_read_model_pickles_into_the_eager_one(doc: Doc, before: str) -> None:
    eager = doc.eager()
    pod = decode(doc)
    BEFORE[before](pod if doc.model is Pod else pod.items[1])
    for protocol in (2, pickle.HIGHEST_PROTOCOL):
        loaded = pickle.loads(pickle.dumps(pod, protocol=protocol))
        assert type(loaded) is doc.model
        assert loaded == eager
        assert eager == loaded
        assert repr(loaded) == repr(eager)
        assert loaded.model_dump() == eager.model_dump()
        assert loaded.model_dump_json() == eager.model_dump_json()
        assert loaded.to_json() == eager.to_json()
        for options in DUMP_OPTIONS:
            assert loaded.model_dump(**options) == eager.model_dump(**options)
        for path in PATHS[doc.name]:
            same_fields_set(loaded, eager, path)
    assert pod == eager  # and pickling left the original as it was


# --- (d) a wrongly typed value --------------------------------------------------------------


def bad_port_pod() -> dict[str, Any]:
    pod = pod_with_env()
    pod["spec"]["containers"][1]["ports"][0]["containerPort"] = "eighty"
    return pod


@pytest.mark.parametrize("decoder", sorted(DECODERS))
def test_a_wrongly_typed_nested_value_is_a_decode_error_at_its_first_read(decoder: str) -> None:
    doc = Doc("bad-port", Pod, json.dumps(bad_port_pod()).encode())
    with pytest.raises(Exception):  # noqa: B017, PT011 - eagerly, it does not validate at all
        doc.eager()
    pod = decode(doc, decoder)  # no error yet
    assert pod.metadata.name == "pod-2"
    sidecar = pod.spec.containers[1]  # nor here: the ports are one level further down
    assert sidecar.name == "sidecar"
    assert sidecar.env[0].value == "proxy"
    assert pod.spec.containers[0].ports is None
    for _ in range(2):  # the first read, and any later one: never a half-built value
        with pytest.raises(rawkube.DecodeError) as caught:
            _ = sidecar.ports
        message = str(caught.value)
        assert "Container.ports" in message
        assert "containerPort" in message
        assert "eighty" not in message


def test_a_wrongly_typed_value_in_a_list_item_waits_for_its_item() -> None:
    body = pod_list()
    body["items"][2]["spec"]["containers"][0]["ports"] = [{"containerPort": "eighty"}]
    pods = result(json.dumps(body).encode()).into(PodList)
    assert [pod.metadata.name for pod in pods.items] == ["pod-1", "pod-2", "pod-3"]
    assert pods.items[1].spec.containers[1].ports[0].container_port == 8080
    container = pods.items[2].spec.containers[0]
    assert container.image == "registry.example/nginx:1.27"
    with pytest.raises(rawkube.DecodeError, match=r"Container\.ports"):
        _ = container.ports


# --- dumps of what was never read -----------------------------------------------------------

NULL_OPTIONS: list[dict[str, Any]] = [
    {"exclude_none": True},
    {"exclude_defaults": True},
    {"exclude_none": True, "by_alias": True, "exclude_unset": True},
]


@pytest.mark.parametrize("options", NULL_OPTIONS, ids=str)
@pytest.mark.parametrize("decoder", sorted(DECODERS))
def test_a_null_nested_model_is_left_out_where_an_eager_model_leaves_it_out(
    decoder: str, options: dict[str, Any]
) -> None:
    """JSON ``null`` where a nested model goes reads None, and dumps leaving out None skip it."""
    eager = NULLS.eager()
    assert "status" not in eager.model_dump(**options)  # pydantic's own, the reference
    assert decode(NULLS, decoder).status is None
    assert decode(NULLS, decoder).model_dump(**options) == eager.model_dump(**options)
    assert decode(NULLS, decoder).model_dump_json(**options) == eager.model_dump_json(**options)
    spec = decode(NULLS, decoder).spec  # one level down: the spec built, its containers not
    assert spec.model_dump(**options) == eager.spec.model_dump(**options)
    metadata = decode(NULLS, decoder).metadata
    assert metadata.model_dump_json(**options) == eager.metadata.model_dump_json(**options)


SERIALIZE_AS_ANY: dict[str, Callable[[Any], Any]] = {
    "model_dump": lambda m: m.model_dump(serialize_as_any=True),
    "model_dump json": lambda m: m.model_dump(mode="json", by_alias=True, serialize_as_any=True),
    "model_dump_json": lambda m: m.model_dump_json(serialize_as_any=True),
}


@pytest.mark.parametrize("before", ["nothing", "spec", "containers", "dumped"])
@pytest.mark.parametrize("dump", SERIALIZE_AS_ANY)
def test_serialize_as_any_dumps_what_an_eager_model_dumps(dump: str, before: str) -> None:
    eager = DOCS[1].eager()
    pod = decode(DOCS[1])
    BEFORE[before](pod)
    assert SERIALIZE_AS_ANY[dump](pod) == SERIALIZE_AS_ANY[dump](eager)


# --- (e) model_fields_set at every level ----------------------------------------------------

LEVELS: list[Path] = [
    (),
    ("metadata",),
    ("metadata", "managed_fields", 0),
    ("spec",),
    ("spec", "security_context"),
    ("spec", "containers", 0),
    ("spec", "containers", 0, "resources"),
    ("spec", "containers", 1),
    ("spec", "containers", 1, "env", 0),
    ("spec", "containers", 1, "env", 1),
    ("spec", "containers", 1, "env", 1, "value_from"),
    ("spec", "containers", 1, "env", 1, "value_from", "field_ref"),
    ("spec", "containers", 1, "ports", 0),
    ("spec", "volumes", 0, "projected", "sources", 1, "config_map"),
    ("spec", "tolerations", 1),
    ("status",),
    ("status", "conditions", 0),
    ("status", "container_statuses", 0, "state", "waiting"),
]


@pytest.mark.parametrize("order", ["top-down", "bottom-up"])
def test_model_fields_set_is_the_eager_ones_at_every_level(order: str) -> None:
    doc = DOCS[1]
    eager = doc.eager()
    pod = decode(doc)
    assert pod.model_fields_set == eager.model_fields_set  # before anything is built
    levels = LEVELS if order == "top-down" else LEVELS[::-1]
    for path in levels:
        got, want = read(pod, path), read(eager, path)
        assert isinstance(want, BaseModel), path
        assert got.model_fields_set == want.model_fields_set, path
    # And in each copy, which carries the sets over as an eager copy does.
    for make in (
        lambda p: p.model_copy(),
        lambda p: p.model_copy(deep=True),
        lambda p: pickle.loads(pickle.dumps(p)),
    ):
        fresh, made = make(decode(doc)), make(eager)
        for path in levels:
            assert read(fresh, path).model_fields_set == read(made, path).model_fields_set, path


def test_model_fields_set_counts_unknown_fields_and_empty_objects_alike() -> None:
    doc = DOCS[2]
    eager, pod = doc.eager(), decode(doc)
    assert "futureSpecField" in eager.spec.model_fields_set  # pydantic's own, the reference
    for path in [("spec",), ("spec", "containers", 0), ("status",), ("spec", "security_context")]:
        assert read(pod, path).model_fields_set == read(eager, path).model_fields_set, path
        assert read(pod, path).model_extra == read(eager, path).model_extra, path
    items, eager_items = decode(DOCS[3]).items, DOCS[3].eager().items
    for got, want in zip(items, eager_items, strict=True):
        assert got.model_fields_set == want.model_fields_set  # apiVersion and kind filled in
        assert got.spec.containers[0].model_fields_set == want.spec.containers[0].model_fields_set
        assert got.status.model_fields_set == want.status.model_fields_set

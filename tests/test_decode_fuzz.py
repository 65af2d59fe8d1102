"""Hostile bodies and watch lines: only rawkube's own errors come out, reading every field too.

Each body goes through ``Result.json()``, ``Result.into(Pod)`` and ``.into(PodList)`` (and every
field of what they give is read, dumped and printed) and, as an error answer, through
``error_from_response``; each line through a dict and a typed ``WatchDecoder``. Whatever
fails must fail as a :class:`~rawkube.RawkubeError`: never a RecursionError, a pydantic,
msgspec or orjson error, a UnicodeDecodeError or an OverflowError.
"""

from __future__ import annotations

import contextlib
import json
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rawkube
from rawkube.core._request import ApiRequest, Result
from rawkube.core._status import error_from_response
from rawkube.core._watch_decoder import WatchDecoder
from rawkube.models import K8sModel
from rawkube.models.core_v1 import Pod, PodList
from rawkube.models.meta_v1 import ObjectMeta
from tests.conftest import RECORDED

POD_BYTES = (RECORDED / "pod_get.body").read_bytes()
POD = json.loads(POD_BYTES)
LIST = json.loads((RECORDED / "podlist.body").read_bytes())
STATUS = json.loads((RECORDED / "err_422_invalid_pod_name.body").read_bytes())

FUZZ = settings(
    max_examples=150,
    deadline=timedelta(seconds=5),  # generous: a busy 2-core machine must not fail it
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def paths(value: Any, at: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value inside ``value``, the root's included."""
    found = [at]
    if isinstance(value, dict):
        for key, item in value.items():
            found += paths(item, (*at, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += paths(item, (*at, index))
    return found


POD_PATHS = paths(POD)
LIST_PATHS = paths(LIST)

HOSTILE_TEXTS = [
    "1e400",
    "-1e400",
    "123456789012345678901234567890123456789",
    "-9223372036854775809",
    "18446744073709551616",
    '"\\ud800"',
    '"\\udc00x"',
    '"\\u0000"',
    "NaN",
    "Infinity",
    '"' + "x" * 3000 + '"',
    "[" * 1100 + "]" * 1100,
    '{"a":' * 600 + "1" + "}" * 600,
    "[" * 199 + "]" * 199,
    "{}",
    "[]",
    "null",
    "true",
    "0.1",
    '{"kind":"Status"}',
    '{"": {"": []}}',
]
hostile_values = st.one_of(
    st.sampled_from(HOSTILE_TEXTS),
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
        max_leaves=8,
    ).map(json.dumps),
)


def replaced(document: Any, path: tuple[Any, ...], text: str) -> bytes:
    """``document`` as JSON with the value at ``path`` replaced by the JSON text ``text``."""
    copy = json.loads(json.dumps(document))
    if not path:
        return text.encode("utf-8", "surrogatepass")
    parent = copy
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = "@@HOLE@@"
    return json.dumps(copy).replace('"@@HOLE@@"', text).encode("utf-8", "surrogatepass")


def mutated(document: Any, document_paths: list[tuple[Any, ...]]) -> st.SearchStrategy[bytes]:
    """``document`` with one value anywhere in it replaced by a hostile or mistyped one."""
    return st.builds(replaced, st.just(document), st.sampled_from(document_paths), hostile_values)


def damaged(content: bytes) -> st.SearchStrategy[bytes]:
    """``content`` cut short, or with bytes overwritten by anything (invalid UTF-8 among them)."""
    cut = st.integers(0, len(content)).map(lambda end: content[:end])
    overwrite = st.tuples(st.integers(0, len(content) - 1), st.binary(min_size=1, max_size=4)).map(
        lambda spot: content[: spot[0]] + spot[1] + content[spot[0] + len(spot[1]) :]
    )
    return cut | overwrite


bodies = st.one_of(
    st.binary(max_size=300),
    st.sampled_from(
        [
            b"<html><body>502 Bad Gateway</body></html>",
            b"",
            b"   ",
            b"\xff\xfe{}",
            b'{"kind":"Pod","metadata":{"name":"\xc3\x28"}}',
            POD_BYTES + b"trailing",
        ]
    ),
    mutated(POD, POD_PATHS),
    mutated(LIST, LIST_PATHS),
    damaged(POD_BYTES),
    mutated(STATUS, paths(STATUS)),
)


def read_everything(value: Any) -> None:
    """Read every field of every model inside ``value``, and dump and print each model."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, K8sModel):
            item.to_dict()
            item.to_json()
            repr(item)
            pending.extend(getattr(item, name) for name in type(item).__pydantic_fields__)
            pending.extend((item.__pydantic_extra__ or {}).values())
        elif isinstance(item, dict):
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)


def only_rawkube_errors(call: Any) -> None:
    with contextlib.suppress(rawkube.RawkubeError):
        read_everything(call())


def result(body: bytes) -> Result:
    return Result(ApiRequest("GET", "/api/v1/namespaces/default/pods/web"), 200, {}, body, [])


@FUZZ
@given(bodies)
def test_a_hostile_body_raises_only_rawkube_errors(body):
    only_rawkube_errors(lambda: result(body).json())
    only_rawkube_errors(lambda: result(body).into(Pod))
    only_rawkube_errors(lambda: result(body).into(PodList))


@FUZZ
@given(st.sampled_from([400, 401, 403, 404, 409, 410, 422, 429, 500, 503, 504, 599]), bodies)
def test_a_hostile_error_body_gives_an_api_error(code, body):
    error = error_from_response(code, body, "12")
    assert isinstance(error, rawkube.ApiError)
    assert error.code == code
    str(error)
    read_everything(error.body)
    json.dumps(error.details)


lines = st.one_of(
    bodies.map(lambda body: b'{"type":"ADDED","object":' + body + b"}"),
    bodies.map(lambda body: b'{"type":"ERROR","object":' + body + b"}"),
    bodies,
    mutated({"type": "MODIFIED", "object": POD}, paths({"type": "MODIFIED", "object": POD})),
)


@FUZZ
@given(st.lists(lines, min_size=1, max_size=3), st.booleans())
def test_hostile_watch_lines_raise_only_rawkube_errors(chunk, typed):
    decoder = WatchDecoder.of(Pod) if typed else WatchDecoder()
    stream = b"\n".join(chunk)
    try:
        events = decoder.feed(stream + b"\n")
        events += decoder.feed(b"")
    except rawkube.RawkubeError:
        return
    for event in events:
        only_rawkube_errors(lambda event=event: event.object)


def test_a_server_value_that_cannot_be_dumped_is_a_decode_error_naming_its_field():
    """An int field holding 1e400 (infinity) was pydantic's PydanticSerializationError."""
    body = b'{"apiVersion":"v1","kind":"Pod","metadata":{"name":"web","generation":1e400}}'
    pod = result(body).into(Pod)
    for dump in (pod.to_dict, pod.to_json):
        with pytest.raises(rawkube.DecodeError, match=r"Pod\.metadata"):
            dump()


def test_a_value_set_in_python_that_cannot_be_dumped_is_a_value_error():
    # Validated, not built by hand: the constructor refuses a field Pod does not know.
    pod = Pod.model_validate({"metadata": ObjectMeta(name="web"), "unwritable": object()})
    for dump in (pod.to_dict, pod.to_json):
        with pytest.raises(ValueError, match="Pod cannot be written as JSON") as raised:
            dump()
        assert type(raised.value) is ValueError


def test_a_watch_line_whose_type_is_an_object_is_a_decode_error():
    """A dict where the type goes was a TypeError (unhashable) from the dict decoder."""
    with pytest.raises(rawkube.DecodeError, match="watch event 1 has the unknown type"):
        WatchDecoder().feed(b'{"type":{"kind":"Status"},"object":{}}\n')

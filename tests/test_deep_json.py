"""JSON nested past what rawkube decodes is a DecodeError from every decoder, never RecursionError.

The API server takes objects nested up to 10,000 levels (a custom resource keeping unknown
fields stores whatever it is given); rawkube decodes 200 (``MAX_DEPTH``) and refuses deeper,
and whatever it accepts prints, compares and dumps.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

import rawkube
from rawkube.core._decode import MAX_DEPTH
from rawkube.core._request import ApiRequest, Result
from rawkube.core._status import error_from_response
from rawkube.core._watch_decoder import WatchDecoder
from rawkube.models.apiextensions_v1 import JSONSchemaProps
from rawkube.models.core_v1 import Pod, PodList
from tests.conftest import RECORDED

POD = json.loads((RECORDED / "pod_get.body").read_bytes())
TOO_DEEP = [MAX_DEPTH + 1, 995, 1_030, 10_000]  # past orjson's 1,024 and CPython's 1,000 too
STATUS = {
    "kind": "Status",
    "apiVersion": "v1",
    "status": "Failure",
    "message": 'Widget "w" is invalid',
    "reason": "Invalid",
    "code": 422,
}


def nested(levels: int) -> str:
    """JSON of ``levels`` arrays and objects, one in the other."""
    return (
        '{"a":[' * (levels // 2)
        + ("[" if levels % 2 else "")
        + "1"
        + ("]" if levels % 2 else "")
        + "]}" * (levels // 2)
    )


def pod_body(levels: int) -> bytes:
    """The recorded pod with an unknown field in its spec whose value nests ``levels`` deep.

    The pod's own object and its spec are two levels: the body nests ``levels + 2``.
    """
    pod = json.loads(json.dumps(POD))
    pod["spec"]["x-preserved"] = "@@"
    return json.dumps(pod).replace('"@@"', nested(levels)).encode()


def result(body: bytes) -> Result:
    return Result(ApiRequest("GET", "/api/v1/namespaces/default/pods/web"), 200, {}, body, [])


def event(body: bytes, kind: str = "ADDED") -> bytes:
    return b'{"type":"' + kind.encode() + b'","object":' + body + b"}\n"


def test_the_limit_is_pydantic_cores():
    assert MAX_DEPTH == 200


@pytest.mark.parametrize("levels", TOO_DEEP)
def test_result_json_refuses_deep_bodies(levels):
    with pytest.raises(rawkube.DecodeError, match=r"GET /api/v1/namespaces/default/pods/web.*200"):
        result(pod_body(levels)).json()


@pytest.mark.parametrize("levels", TOO_DEEP)
def test_a_big_body_is_refused_alike(levels):
    pods = {"kind": "PodList", "apiVersion": "v1", "metadata": {}, "items": [POD] * 200}
    body = json.dumps(pods).encode()[:-2] + b"," + pod_body(levels) + b"]}"
    assert len(body) > 256 * 1024
    with pytest.raises(rawkube.DecodeError, match="200 levels"):
        result(body).json()
    with pytest.raises(rawkube.DecodeError, match="200 levels"):
        last_spec(result(body))


def last_spec(answer: Result) -> Any:
    """The spec of the last pod of a list, read as a caller would."""
    return answer.into(PodList).items[-1].spec


@pytest.mark.parametrize("levels", TOO_DEEP)
def test_into_refuses_them_now_or_at_the_first_read(levels):
    with pytest.raises(rawkube.DecodeError, match="200 levels"):
        result(pod_body(levels)).into(Pod).spec  # noqa: B018


@pytest.mark.parametrize("levels", TOO_DEEP)
def test_a_lazy_field_read_later_raises_decode_error(levels):
    """An object whose metadata decodes arrives; its deep spec fails when read, and dumps too."""
    if levels > 900:
        pytest.skip("deeper than the stack allows to skip: refused whole, tested above")
    pod, other = result(pod_body(levels)).into(Pod), result(pod_body(levels)).into(Pod)
    assert pod.metadata.name == POD["metadata"]["name"]
    for read in (
        lambda: pod.spec,
        pod.to_dict,
        pod.to_json,
        lambda: repr(pod),
        lambda: pod == other,
    ):
        with pytest.raises(rawkube.DecodeError, match="200 levels"):
            read()


@pytest.mark.parametrize("levels", TOO_DEEP)
def test_typed_lists_refuse_them(levels):
    body = b'{"kind":"PodList","apiVersion":"v1","metadata":{},"items":[' + pod_body(levels) + b"]}"
    with pytest.raises(rawkube.DecodeError, match="200 levels"):
        result(body).into(PodList).items[0].spec  # noqa: B018


@pytest.mark.parametrize("levels", TOO_DEEP)
@pytest.mark.parametrize("typed", [False, True])
def test_watch_lines_refuse_them_naming_the_event(levels, typed):
    decoder = WatchDecoder.of(Pod) if typed else WatchDecoder()
    good = event(json.dumps(POD).encode())
    events = decoder.feed(good + event(pod_body(levels)))
    if typed and levels < 900:  # its metadata decodes: the event comes, its spec fails when read
        assert [e.type for e in events] == ["ADDED", "ADDED"]
        with pytest.raises(rawkube.DecodeError, match=r"Pod\.spec is nested deeper than 200"):
            events[1].object.spec  # noqa: B018
        return
    assert [e.type for e in events] == ["ADDED"]  # the events before it come first
    with pytest.raises(rawkube.DecodeError, match="watch event 2 nests deeper than 200 levels"):
        decoder.feed(good)
    with pytest.raises(rawkube.DecodeError, match=r"spent|refused"):
        decoder.feed(good)


@pytest.mark.parametrize("levels", TOO_DEEP)
def test_a_deep_line_at_the_end_of_the_stream_is_no_truncation(levels):
    decoder = WatchDecoder()
    decoder.feed(event(pod_body(levels)).rstrip(b"\n"))
    with pytest.raises(rawkube.DecodeError, match="watch event 1 nests deeper than 200"):
        decoder.close()


@pytest.mark.parametrize("levels", TOO_DEEP)
def test_a_status_with_deep_details_still_gives_its_api_error(levels):
    status = json.dumps({**STATUS, "details": {"name": "w", "causes": "@@"}})
    body = status.replace('"@@"', nested(levels)).encode()
    error = error_from_response(422, body)
    assert isinstance(error, rawkube.InvalidError)
    assert (error.reason, error.message, error.details) == ("Invalid", STATUS["message"], {})
    assert error.body is not None
    assert error.body.details is None


@pytest.mark.parametrize("levels", TOO_DEEP)
@pytest.mark.parametrize("typed", [False, True])
def test_a_watch_error_event_with_deep_details_is_raised(levels, typed):
    status = json.dumps({**STATUS, "code": 410, "reason": "Expired", "details": "@@"})
    line = event(status.replace('"@@"', nested(levels)).encode(), kind="ERROR")
    decoder = WatchDecoder.of(Pod) if typed else WatchDecoder()
    with pytest.raises(rawkube.GoneError, match="is invalid"):
        decoder.feed(line)


def deepest_pod() -> Pod:
    """A pod holding the deepest value rawkube accepts, decoded lazily."""
    return result(pod_body(MAX_DEPTH - 2)).into(Pod)


def test_what_is_accepted_prints_compares_and_dumps_deep_in_a_stack():
    def at_depth(frames: int, call: Any) -> Any:
        return call() if frames == 0 else at_depth(frames - 1, call)

    body = pod_body(MAX_DEPTH - 2)
    assert result(body).json()["spec"]["x-preserved"]
    for frames in (0, 400):
        pod = deepest_pod()
        assert at_depth(frames, lambda pod=pod: pod.to_dict()) == json.loads(body)
        assert json.loads(at_depth(frames, pod.to_json)) == json.loads(body)
        assert at_depth(frames, lambda pod=pod: repr(pod)).startswith("Pod(")
        assert at_depth(frames, lambda pod=pod: pod == deepest_pod())
        eager = Pod.model_validate_json(body)
        assert at_depth(frames, lambda pod=pod, eager=eager: pod == eager)
        assert at_depth(frames, lambda: repr(result(body).json()))


def test_a_recursive_model_nests_as_deep_as_the_limit_and_no_deeper():
    def chain(links: int) -> bytes:
        return b'{"not":' * links + b'{"type":"string"}' + b"}" * links

    schema = result(chain(MAX_DEPTH - 1)).into(JSONSchemaProps)
    other = result(chain(MAX_DEPTH - 1)).into(JSONSchemaProps)
    assert schema == other
    assert repr(schema).count("JSONSchemaProps(") == MAX_DEPTH
    assert json.loads(schema.to_json()) == json.loads(chain(MAX_DEPTH - 1))
    deeper = result(chain(MAX_DEPTH)).into(JSONSchemaProps)
    for _ in range(MAX_DEPTH - 1):
        deeper = deeper.not_
    with pytest.raises(rawkube.DecodeError, match=r"JSONSchemaProps\.not_ is nested deeper"):
        deeper.not_  # noqa: B018


def test_equality_still_tells_models_apart():
    pod = result(json.dumps(POD).encode()).into(Pod)
    changed = json.loads(json.dumps(POD))
    changed["spec"]["containers"][0]["image"] = "other"
    assert pod == Pod.model_validate_json(json.dumps(POD))
    assert pod != result(json.dumps(changed).encode()).into(Pod)
    assert pod != Pod()
    assert hash(pod.metadata.name)
    with pytest.raises(TypeError):
        hash(pod)

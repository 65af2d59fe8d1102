"""The watch stream decoder: any chunking, the server's errors raised, bad lines refused."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

import rawkube
from rawkube.core._watch_decoder import WatchDecoder
from rawkube.models.core_v1 import ConfigMap
from tests.conftest import RECORDED

BOOKMARKS = (RECORDED / "watch_configmaps_bookmarks.body").read_bytes()
INITIAL = (RECORDED / "watch_sendinitialevents.body").read_bytes()
TOO_OLD = (RECORDED / "err_410_watch_too_old_rv.body").read_bytes()


def decode_all(data: bytes, decoder: WatchDecoder | None = None, chunk: int = 0) -> list:
    decoder = decoder or WatchDecoder()
    events = []
    if chunk:
        for start in range(0, len(data), chunk):
            events += decoder.feed(data[start : start + chunk])
    else:
        events += decoder.feed(data)
    return events + decoder.close()


def test_a_recorded_stream_decodes_into_its_events():
    decoder = WatchDecoder()
    events = decode_all(BOOKMARKS, decoder)
    expected = [json.loads(line) for line in BOOKMARKS.splitlines()]
    assert [(e.type, e.object) for e in events] == [(x["type"], x["object"]) for x in expected]
    assert [e.type for e in events].count("BOOKMARK") == 2
    assert decoder.resource_version == expected[-1]["object"]["metadata"]["resourceVersion"]
    assert decoder.initial_events_done


def test_initial_events_end_is_noticed_only_from_its_bookmark():
    lines = INITIAL.splitlines(keepends=True)
    decoder = WatchDecoder()
    decoder.feed(b"".join(lines[:-1]))
    assert not decoder.initial_events_done
    (bookmark,) = decoder.feed(lines[-1])
    assert bookmark.type == "BOOKMARK"
    assert decoder.initial_events_done


@given(st.lists(st.integers(1, 400), min_size=1, max_size=60))
def test_any_chunking_gives_the_same_events(cuts):
    decoder = WatchDecoder()
    events, position = [], 0
    for size in cuts:
        events += decoder.feed(BOOKMARKS[position : position + size])
        position += size
    events += decoder.feed(BOOKMARKS[position:])
    events += decoder.close()
    assert events == decode_all(BOOKMARKS)


def test_a_character_split_across_chunks_survives():
    line = (
        json.dumps(
            {
                "type": "ADDED",
                "object": {"kind": "ConfigMap", "data": {"k": "d\u00e9j\u00e0 \u2028 vu"}},
            },
            ensure_ascii=False,
        ).encode()
        + b"\n"
    )
    split = line.index("\u00e9".encode()) + 1  # inside the two bytes of the character
    decoder = WatchDecoder()
    assert decoder.feed(line[:split]) == []
    (event,) = decoder.feed(line[split:])
    assert event.object["data"]["k"] == "d\u00e9j\u00e0 \u2028 vu"  # \u2028 splits no line


def test_typed_events_carry_models():
    decoder = WatchDecoder.of(ConfigMap)
    events = decode_all(BOOKMARKS, decoder, chunk=97)
    assert all(isinstance(e.object, ConfigMap) for e in events)
    assert events[0].object.metadata.name == "cm-1"
    wrong = b'{"type":"ADDED","object":{"kind":"Secret","metadata":{"name":"s"}}}\n'
    with pytest.raises(
        rawkube.DecodeError, match="watch event 1 \\(ADDED\\) is a Secret, not a ConfigMap"
    ):
        WatchDecoder.of(ConfigMap).feed(wrong)


def test_an_error_event_is_raised_as_its_api_error_never_returned():
    with pytest.raises(rawkube.GoneError, match="too old resource version"):
        WatchDecoder().feed(TOO_OLD)


def test_events_before_an_error_come_first_and_the_error_next():
    first = BOOKMARKS.splitlines(keepends=True)[0]
    decoder = WatchDecoder()
    events = decoder.feed(first + TOO_OLD + first)
    assert [e.type for e in events] == ["ADDED"]
    with pytest.raises(rawkube.GoneError):
        decoder.feed(b"")
    with pytest.raises(rawkube.DecodeError, match="ended with an error"):
        decoder.feed(first)


def test_split_then_decode_one_line_at_a_time_matches_feed():
    first, second = BOOKMARKS.splitlines(keepends=True)[:2]
    decoder = WatchDecoder()
    lines = decoder.split(first + second[:10])
    assert lines == [first.rstrip(b"\n")]
    assert decoder.resource_version is None  # split decodes nothing
    (event,) = [decoder.decode(line) for line in lines]
    assert event.object == json.loads(first)["object"]
    assert decoder.split(second[10:]) == [second.rstrip(b"\n")]


def test_a_line_that_fails_to_decode_spends_the_stream():
    decoder = WatchDecoder()
    (line,) = decoder.split(TOO_OLD)
    with pytest.raises(rawkube.GoneError):
        decoder.decode(line)
    with pytest.raises(rawkube.DecodeError, match="ended with an error"):
        decoder.split(BOOKMARKS)


@pytest.mark.parametrize(
    ("stream", "message"),
    [
        (b"<html>proxy error</html>\n", r"watch event 1 is not JSON .*it starts '<html>proxy"),
        (b'{"type":"SYNC","object":{}}\n', r"watch event 1 has the unknown type 'SYNC'"),
        (b'{"type":"ADDED"}\n', r"watch event 1 \(ADDED\) carries no object"),
        (b"[1, 2]\n", r"watch event 1 has the unknown type None"),
    ],
)
def test_a_bad_line_is_a_decode_error_naming_it(stream, message):
    with pytest.raises(rawkube.DecodeError, match=message):
        WatchDecoder().feed(stream)


def test_an_event_past_the_size_cap_is_refused():
    decoder = WatchDecoder(max_event_bytes=1000)
    with pytest.raises(rawkube.DecodeError, match="watch event 1 is larger than 1000 bytes"):
        decoder.feed(b'{"type":"ADDED","object":{"data":"' + b"x" * 2000)
    with pytest.raises(ValueError, match="max_event_bytes"):
        WatchDecoder(max_event_bytes=0)


def test_the_last_event_may_lack_its_newline_but_not_its_end():
    last = BOOKMARKS.splitlines()[-1]
    decoder = WatchDecoder()
    assert decoder.feed(last) == []
    (event,) = decoder.close()
    assert event.type == "BOOKMARK"
    cut = WatchDecoder()
    cut.feed(last[:-5])
    with pytest.raises(rawkube.TransportError, match="the stream ended inside it"):
        cut.close()
    assert WatchDecoder().close() == []


def test_blank_lines_are_no_events():
    first = BOOKMARKS.splitlines(keepends=True)[0]
    assert [e.type for e in decode_all(b"\n" + first + b"\r\n\n")] == ["ADDED"]


STREAMS = {"bookmarks": BOOKMARKS, "initial": INITIAL}


@pytest.mark.parametrize("name", sorted(STREAMS))
def test_every_recorded_stream_in_every_chunk_size_gives_the_same_events(name):
    data = STREAMS[name]
    whole = decode_all(data)
    for size in [*range(1, 65), len(data) - 1, len(data)]:
        assert decode_all(data, chunk=size) == whole, size
    for size in (1, 7, 64, len(TOO_OLD) - 1, len(TOO_OLD)):
        decoder = WatchDecoder()
        with pytest.raises(rawkube.GoneError):
            decode_all(TOO_OLD, decoder, chunk=size)


def test_raw_line_separators_inside_strings_stay_one_event():
    text = "a\u2028b\x85c"
    line = json.dumps({"type": "ADDED", "object": {"data": {"k": text}}}, ensure_ascii=False)
    (event,) = decode_all(line.encode() + b"\n", chunk=3)
    assert event.object["data"]["k"] == text


# Typed decoders read an ordinary line as raw JSON and build only what is read; every line
# that reading does not fit is parsed whole. Either way: the same events and the same errors.
POD_LINE = (
    b'{"type":"MODIFIED","object":{"kind":"Pod","apiVersion":"v1","metadata":{"name":"web-0",'
    b'"resourceVersion":"41","labels":{"app":"web"}},"spec":{"containers":[{"name":"app",'
    b'"image":"nginx"}],"futureField":{"x":1}},"status":{"phase":"Running"}}}\n'
)


def test_typed_events_from_raw_json_equal_eagerly_validated_ones():
    from rawkube.models.core_v1 import Pod

    for name, data in STREAMS.items():
        typed = decode_all(data, WatchDecoder.of(ConfigMap), chunk=13)
        dicts = decode_all(data)
        assert [e.type for e in typed] == [e.type for e in dicts], name
        for event, plain in zip(typed, dicts, strict=True):
            assert event.object == ConfigMap.model_validate(plain.object)
            assert event.object.to_dict() == plain.object  # unread fields written as received
    decoder = WatchDecoder.of(Pod)
    (event,) = decoder.feed(POD_LINE)
    assert decoder.resource_version == "41"
    body = json.loads(POD_LINE)["object"]
    assert event.object.to_dict() == body
    assert event.object.spec.containers[0].image == "nginx"
    assert event.object.spec.model_extra == {"futureField": {"x": 1}}
    assert event.object == Pod.model_validate(body)
    assert event.object.to_dict() == body


def test_the_initial_events_bookmark_is_noticed_by_typed_decoders_too():
    decoder = WatchDecoder.of(ConfigMap)
    events = decode_all(INITIAL, decoder)
    assert decoder.initial_events_done
    assert decoder.resource_version == decode_all(INITIAL)[-1].object["metadata"]["resourceVersion"]
    assert events[-1].type == "BOOKMARK"


@pytest.mark.parametrize(
    ("stream", "message"),
    [
        (b'{"type":"ADDED","object":{"data":{"k":1}}}\n', r"watch event 1 \(ADDED\) does not"),
        (b'{"type":"ADDED","object":{"metadata":{"name":"\xff"}}}\n', r"watch event 1 is not JSON"),
        (b'{"type":"ADDED","object":[]}\n', r"watch event 1 \(ADDED\) carries no object"),
        (b'{"type":5,"object":{}}\n', r"watch event 1 has the unknown type 5"),
        (b'{"type":"ADDED","object":{"a":[1,]}}\n', r"watch event 1 is not JSON"),
    ],
)
def test_a_bad_line_is_the_same_error_for_a_typed_decoder(stream, message):
    with pytest.raises(rawkube.DecodeError, match=message):
        WatchDecoder.of(ConfigMap).feed(stream)
    with pytest.raises(rawkube.GoneError):
        WatchDecoder.of(ConfigMap).feed(TOO_OLD)


def test_a_wrongly_typed_nested_value_is_reported_when_read_naming_the_field():
    from rawkube.models.core_v1 import Pod

    line = POD_LINE.replace(b'"image":"nginx"', b'"image":["not","a","string"]')
    (event,) = WatchDecoder.of(Pod).feed(line)
    spec = event.object.spec
    with pytest.raises(rawkube.DecodeError) as caught:
        _ = spec.containers
    assert str(caught.value) == (
        "PodSpec.containers does not decode as a list of Container: "
        "0.image: Input should be a valid string"
    )
    assert event.object.metadata.name == "web-0"
    assert event.object.to_dict() == json.loads(line)["object"]  # nothing lost


def test_a_line_given_in_a_buffer_that_changes_later_leaves_its_event_as_it_was():
    buffer = bytearray(POD_LINE.rstrip(b"\n"))
    from rawkube.models.core_v1 import Pod

    event = WatchDecoder.of(Pod).decode(buffer)
    buffer[:] = b" " * len(buffer)
    assert event.object.metadata.name == "web-0"
    assert event.object.status.phase == "Running"


def test_an_object_with_fields_the_model_does_not_know_keeps_them():
    from rawkube.models.core_v1 import Pod

    line = POD_LINE.replace(b'"kind":"Pod",', b'"kind":"Pod","futureTop":{"on":true},')
    decoder = WatchDecoder.of(Pod)
    (event,) = decoder.feed(line)
    assert event.object.model_extra == {"futureTop": {"on": True}}
    assert event.object.to_dict() == json.loads(line)["object"]
    assert decoder.resource_version == "41"


def test_a_model_whose_metadata_is_not_lazy_still_gives_the_resource_version():
    from rawkube.models import K8sModel

    class Plain(K8sModel):
        metadata: dict[str, str] | None = None

    decoder = WatchDecoder.of(Plain)
    line = b'{"type":"ADDED","object":{"metadata":{"name":"a","resourceVersion":"9"}}}\n'
    (event,) = decoder.feed(line)
    assert event.object.metadata == {"name": "a", "resourceVersion": "9"}
    assert decoder.resource_version == "9"

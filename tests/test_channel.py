"""The channel protocol of exec, attach and port-forward: framing, exit codes, port prefixes."""

from __future__ import annotations

import itertools
import json

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from rawkube import (
    ApiError,
    DecodeError,
    ForbiddenError,
    InternalServerError,
    NotFoundError,
)
from rawkube.core._api_errors import api_error_class
from rawkube.core._channel import (
    CLOSE,
    ERROR,
    EXEC_PROTOCOLS,
    RESIZE,
    STDERR,
    STDIN,
    STDOUT,
    ExecChannels,
    Exited,
    Output,
    PortData,
    PortError,
    PortForwardChannels,
    close_message,
    exit_code,
    exit_code_status,
    failure_status,
    frame,
    port_prefix,
    read_resize,
    resize_message,
    success_status,
    unframe,
)

V5, V4 = EXEC_PROTOCOLS

# What the kubelet (and the API server's v5 translator) writes for `sh -c "exit 3"`.
KUBELET_EXIT_3 = (
    b'{"metadata":{},"status":"Failure","message":"command terminated with non-zero exit code: '
    b'error executing command [sh -c exit 3], exit code 3","reason":"NonZeroExitCode",'
    b'"details":{"causes":[{"reason":"ExitCode","message":"3"}]}}'
)


def test_a_message_is_its_channel_byte_then_the_data():
    assert frame(STDIN, b"ls\n") == b"\x00ls\n"
    assert frame(ERROR) == b"\x03"
    assert unframe(b"\x01hello") == (STDOUT, b"hello")
    assert unframe(b"\x02") == (STDERR, b"")
    with pytest.raises(DecodeError, match="empty WebSocket message"):
        unframe(b"")


def test_stdin_closes_only_on_v5():
    v5 = ExecChannels(V5)
    assert v5.can_close_stdin
    assert v5.stdin(b"data") == b"\x00data"
    assert v5.close_stdin() == bytes([CLOSE, STDIN]) == close_message()
    assert v5.close_stdin() is None  # already closed: nothing more to send
    with pytest.raises(ValueError, match="stdin was closed"):
        v5.stdin(b"more")

    v4 = ExecChannels(V4)
    assert not v4.can_close_stdin
    assert v4.close_stdin() is None


def test_only_the_offered_protocols_are_spoken():
    with pytest.raises(ValueError, match=r"v5\.channel\.k8s\.io or v4\.channel\.k8s\.io"):
        ExecChannels("v3.channel.k8s.io")


def test_output_then_the_exit_code():
    session = ExecChannels(V5)
    assert session.receive(b"\x01out") == Output(STDOUT, b"out")
    assert session.receive(b"\x02err") == Output(STDERR, b"err")
    assert session.receive(b"\x01") is None  # an empty message says nothing
    assert session.exit is None
    assert session.receive(frame(ERROR, success_status())) == Exited(0)
    assert session.exit == 0


def test_the_kubelets_non_zero_exit_is_an_exit_code_not_an_error():
    assert exit_code_status(3, ["sh", "-c", "exit 3"]) == KUBELET_EXIT_3
    session = ExecChannels(V4)
    assert session.receive(b"\x03" + KUBELET_EXIT_3) == Exited(3)
    assert session.exit == 3
    assert exit_code(KUBELET_EXIT_3.replace(b'"message":"3"', b'"message":"003"')) == 3


def test_the_success_status_is_the_kubelets():
    assert json.loads(success_status()) == {"metadata": {}, "status": "Success"}


def test_data_after_the_exit_is_an_error():
    session = ExecChannels(V5)
    session.receive(frame(ERROR, exit_code_status(1)))
    assert session.receive(b"\x01") is None
    with pytest.raises(DecodeError, match="channel 1 after the exit: 'late'"):
        session.receive(b"\x01late")
    with pytest.raises(DecodeError, match="channel 3 after the exit"):
        session.receive(frame(ERROR, success_status()))


@pytest.mark.parametrize("channel", [STDIN, RESIZE, 5, CLOSE])
def test_a_channel_the_server_does_not_write_is_an_error(channel):
    with pytest.raises(DecodeError, match=f"channels 1 to 3, not {channel}"):
        ExecChannels(V5).receive(frame(channel, b"x"))


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (failure_status("pod web is not running"), InternalServerError),
        (failure_status("no container", "NotFound", 404), NotFoundError),
        # The API server's own Status carries kind and apiVersion: read the same.
        (
            b'{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",'
            b'"message":"nope","reason":"Forbidden","code":403}',
            ForbiddenError,
        ),
        # A Failure without code or reason, as client-go would only print its message.
        (b'{"status":"Failure","message":"it broke"}', InternalServerError),
    ],
)
def test_any_other_failure_raises_its_api_error(status, cls):
    session = ExecChannels(V5)
    with pytest.raises(cls) as caught:
        session.receive(frame(ERROR, status))
    assert caught.value.message == json.loads(status)["message"]
    assert session.exit is None


def test_an_internal_error_keeps_its_details():
    status = (
        b'{"metadata":{},"status":"Failure","message":"Internal error occurred: error executing '
        b'command in container: not found","reason":"InternalError","details":{"causes":'
        b'[{"message":"error executing command in container: not found"}]},"code":500}'
    )
    with pytest.raises(InternalServerError) as caught:
        exit_code(status)
    assert caught.value.code == 500
    assert caught.value.reason == "InternalError"
    assert caught.value.details == {
        "causes": [{"message": "error executing command in container: not found"}]
    }


@pytest.mark.parametrize(
    ("payload", "what"),
    [
        (b"", "is not JSON"),
        (b"command not found", "is not JSON"),
        (b"[1, 2]", "is not a JSON object"),
        (b"[" * 300 + b"]" * 300, "is not JSON"),
        (b'{"status":"Pending"}', "neither Success nor Failure"),
        (b'{"metadata":{}}', "neither Success nor Failure"),
        (b'{"status":"Failure","reason":"NonZeroExitCode"}', "without an ExitCode cause"),
        (
            b'{"status":"Failure","reason":"NonZeroExitCode","details":{"causes":[{"reason":"X"}]}}',
            "without an ExitCode cause",
        ),
        (
            b'{"status":"Failure","reason":"NonZeroExitCode","details":{"causes":"3"}}',
            "without an ExitCode cause",
        ),
    ],
)
def test_garbage_on_the_error_channel_says_what_was_wrong(payload, what):
    with pytest.raises(DecodeError, match=what):
        exit_code(payload)


@pytest.mark.parametrize(
    "text", ["256", "-1", "+3", " 3", "3_0", "٣", "three", "", "9" * 5000, None, 3]
)
def test_an_exit_code_is_decimal_digits_for_a_byte(text):
    cause = json.dumps({"reason": "ExitCode", "message": text})
    payload = f'{{"status":"Failure","reason":"NonZeroExitCode","details":{{"causes":[{cause}]}}}}'
    with pytest.raises(DecodeError, match="is not a number from 0 to 255"):
        exit_code(payload.encode())


@pytest.mark.parametrize("code", [0, 256, -1])
def test_a_non_zero_exit_code_is_a_byte(code):
    with pytest.raises(ValueError, match="from 1 to 255"):
        exit_code_status(code)


def test_a_non_zero_exit_is_not_a_plain_failure():
    with pytest.raises(ValueError, match="exit_code_status"):
        failure_status("exit 3", "NonZeroExitCode")


def test_resize_both_ways():
    message = resize_message(80, 24)
    assert message == b'\x04{"Width":80,"Height":24}'
    assert ExecChannels(V4).resize(80, 24) == message
    assert read_resize(unframe(message)[1]) == (80, 24)
    assert read_resize(b'{"Width":0,"Height":65535}\n') == (0, 65535)  # client-go's encoder


@pytest.mark.parametrize(
    "payload",
    [
        b"80x24",
        b"[80,24]",
        b"{}",
        b'{"Width":80}',
        b'{"Width":-1,"Height":2}',
        b'{"Width":1.5,"Height":2}',
        b'{"Width":true,"Height":2}',
        b'{"Width":70000,"Height":2}',
    ],
)
def test_a_malformed_resize_is_refused(payload):
    with pytest.raises(DecodeError, match="resize message"):
        read_resize(payload)


@pytest.mark.parametrize(
    ("size", "error"),
    [
        ((-1, 24), ValueError),
        ((65536, 1), ValueError),
        ((80.0, 24), TypeError),
        ((True, 24), TypeError),
    ],
)
def test_a_terminal_size_is_two_uint16s(size, error):
    with pytest.raises(error):
        resize_message(*size)


def test_port_forward_strips_and_checks_each_channels_prefix():
    session = PortForwardChannels([8080, 5432])
    assert port_prefix(0, 8080) == b"\x00\x90\x1f"
    assert session.receive(port_prefix(0, 8080)) is None
    assert session.receive(port_prefix(1, 8080)) is None
    assert session.receive(port_prefix(2, 5432) + b"hello") == PortData(1, b"hello")
    # Only a channel's first bytes are its prefix: the same bytes later are data.
    assert session.receive(b"\x00\x90\x1f") == PortData(0, b"\x90\x1f")
    assert session.receive(b"\x01boom") == PortError(0, "boom")
    with pytest.raises(DecodeError, match="channel 3 opened with port 8080, not 5432"):
        session.receive(port_prefix(3, 8080))


def test_port_forward_sends_on_the_data_channel():
    session = PortForwardChannels([80, 443])
    assert session.send(1, b"GET /") == b"\x02GET /"
    with pytest.raises(ValueError, match="no port at index 2"):
        session.send(2, b"")


def test_port_forward_refuses_unknown_channels():
    with pytest.raises(DecodeError, match="channel 4 of 4"):
        PortForwardChannels([80, 443]).receive(b"\x04\x50\x00")


@pytest.mark.parametrize("ports", [[], [0], [65536], list(range(1, 130))])
def test_port_forward_ports(ports):
    with pytest.raises(ValueError, match="port"):
        PortForwardChannels(ports)


def split(data: bytes, cuts: list[int]) -> list[bytes]:
    """``data`` cut at ``cuts``: pieces of random sizes, empty ones included."""
    bounds = [0, *sorted(c % (len(data) + 1) for c in cuts), len(data)]
    return [data[a:b] for a, b in itertools.pairwise(bounds)]


@given(
    st.dictionaries(st.sampled_from([STDOUT, STDERR]), st.binary(max_size=500)),
    st.data(),
    st.sampled_from(EXEC_PROTOCOLS),
)
def test_any_split_of_output_reassembles_per_channel(payloads, data, protocol):
    pieces = [
        (channel, piece)
        for channel, payload in payloads.items()
        for piece in split(payload, data.draw(st.lists(st.integers(0, 600), max_size=10)))
    ]
    order = data.draw(st.permutations(range(len(pieces))))
    session = ExecChannels(protocol)
    got = {STDOUT: b"", STDERR: b""}
    for channel, piece in _interleave(pieces, order):
        out = session.receive(frame(channel, piece))
        if piece:
            assert out == Output(channel, piece)
            got[channel] += out.data
        else:
            assert out is None
    assert session.receive(frame(ERROR, success_status())) == Exited(0)
    assert got == {STDOUT: payloads.get(STDOUT, b""), STDERR: payloads.get(STDERR, b"")}


def _interleave(pieces: list[tuple[int, bytes]], order: list[int]) -> list[tuple[int, bytes]]:
    """The pieces interleaved across channels by ``order``, each channel's kept in its order."""
    queues: dict[int, list[bytes]] = {}
    for channel, piece in pieces:
        queues.setdefault(channel, []).append(piece)
    return [(pieces[i][0], queues[pieces[i][0]].pop(0)) for i in order]


@given(
    st.lists(st.integers(1, 65535), min_size=1, max_size=4),
    st.data(),
)
def test_any_split_of_port_forward_reassembles_per_channel(ports, data):
    session = PortForwardChannels(ports)
    sent: dict[int, bytes] = {}
    pieces: list[tuple[int, bytes]] = []
    for channel in range(2 * len(ports)):
        # An error channel carries text; a character may be split between messages too.
        strategy = st.text(max_size=100).map(str.encode) if channel % 2 else st.binary(max_size=300)
        payload = data.draw(strategy)
        sent[channel] = payload
        whole = port_prefix(channel, ports[channel // 2])[1:] + payload
        cuts = data.draw(
            st.one_of(
                st.lists(st.integers(0, 400), max_size=8),  # anywhere, the prefix too
                st.just([2]),  # the prefix alone, then the rest
                st.just([]),  # the prefix with the data
            )
        )
        pieces += [(channel, piece) for piece in split(whole, cuts)]
    order = data.draw(st.permutations(range(len(pieces))))
    got = dict.fromkeys(sent, b"")
    for channel, piece in _interleave(pieces, order):
        out = session.receive(frame(channel, piece))
        if isinstance(out, PortData):
            assert channel == 2 * out.index
            got[channel] += out.data
        elif isinstance(out, PortError):
            assert channel == 2 * out.index + 1
            got[channel] += out.message.encode()
    assert got == sent


@given(st.integers(1, 255), st.lists(st.text(min_size=1, max_size=10), max_size=4))
def test_exit_code_status_round_trips(code, command):
    assert exit_code(exit_code_status(code, command)) == code


def test_success_status_round_trips():
    assert exit_code(success_status()) == 0


@given(st.text(min_size=1), st.text(max_size=30), st.integers(400, 599))
def test_failure_status_round_trips(message, reason, code):
    assume(reason != "NonZeroExitCode")
    with pytest.raises(ApiError) as caught:
        exit_code(failure_status(message, reason, code))
    assert type(caught.value) is api_error_class(code, reason)
    assert (caught.value.message, caught.value.reason, caught.value.code) == (message, reason, code)


@given(st.integers(1, 65535), st.integers(0, 255), st.binary(max_size=20))
def test_port_prefix_round_trips(port, channel, rest):
    session = PortForwardChannels([port] * (channel // 2 + 1))
    assert session.receive(port_prefix(channel, port)) is None
    if channel % 2 == 0:
        assert session.receive(frame(channel, rest)) == (
            PortData(channel // 2, rest) if rest else None
        )
    other = port % 65535 + 1
    with pytest.raises(DecodeError, match=f"opened with port {port}, not {other}"):
        PortForwardChannels([other] * (channel // 2 + 1)).receive(port_prefix(channel, port))

"""The transport's pure core: one request's steps, timeouts and proxy choice, without a network."""

from __future__ import annotations

import re
import socket

import httpx
import pytest

import rawkube
from rawkube.client._transport import (
    SEND,
    Discard,
    Sent,
    Sleep,
    TransportCore,
    keepalive_socket_options,
    proxy_for,
)
from rawkube.core._clock import FakeClock
from rawkube.core._request import ApiRequest

GET = ApiRequest("GET", "/api/v1/pods")
POST = ApiRequest("POST", "/api/v1/namespaces/ns/configmaps", body=b"{}")


def core(**changes) -> TransportCore:
    return TransportCore(
        rawkube.Config(server="https://k8s.test:6443", clock=FakeClock(), **changes)
    )


def drive(flow, outcomes):
    """Run a flow, answering each SEND with the next outcome; return the steps and the result."""
    steps, outcome, outcomes = [], None, iter(outcomes)
    while True:
        try:
            step = flow.send(outcome)
        except StopIteration as done:
            return steps, done.value
        steps.append(step)
        outcome = next(outcomes) if step is SEND else None


def sent(status: int, **headers: str) -> Sent:
    return Sent(httpx.Response(status, headers=headers), certificate_in_use=False)


def test_a_good_answer_ends_the_flow_at_once():
    answer = sent(200)
    steps, result = drive(core().send_flow(GET), [answer])
    assert steps == [SEND]
    assert result is answer.response


def test_retry_after_discards_the_answer_then_waits():
    first, second = sent(429, **{"Retry-After": "4"}), sent(201)
    steps, result = drive(core().send_flow(POST), [first, second])
    assert steps == [SEND, Discard(first.response), Sleep(4.0), SEND]
    assert result is second.response


def test_a_retry_after_that_is_a_date_is_not_honoured():
    answer = sent(503, **{"Retry-After": "Wed, 21 Oct 2026 07:28:00 GMT"})
    steps, result = drive(core().send_flow(GET), [answer])
    assert steps == [SEND]
    assert result.status_code == 503


def test_a_reset_on_post_raises_the_wrapped_error():
    with pytest.raises(
        rawkube.TransportError,
        match=re.escape("POST /api/v1/namespaces/ns/configmaps on https://k8s.test:6443"),
    ):
        drive(core().send_flow(POST), [httpx.ReadError("reset")])


def test_a_reset_on_get_is_retried_after_a_second():
    steps, _ = drive(core().send_flow(GET), [httpx.ReadError("reset"), sent(200)])
    assert steps == [SEND, Sleep(1.0), SEND]


def test_a_refused_connection_is_not_retried():
    with pytest.raises(rawkube.ConnectError):
        drive(core().send_flow(GET), [httpx.ConnectError("refused")])


def test_throttling_waits_before_a_send_past_the_burst():
    throttled = core(qps=2.0, burst=1)
    assert drive(throttled.send_flow(GET), [sent(200)])[0] == [SEND]
    assert drive(throttled.send_flow(GET), [sent(200)])[0] == [Sleep(0.5), SEND]


def test_timeouts_per_kind_of_request():
    c = core(connect_timeout=3.0, read_timeout=30.0)
    plain = c.request_options(GET, stream=False)["timeout"]
    assert (plain.connect, plain.read) == (3.0, 30.0)
    streamed = c.request_options(GET, stream=True)["timeout"]
    assert (streamed.connect, streamed.read) == (3.0, None)
    limited = c.request_options(ApiRequest("GET", "/x", timeout=1.5), stream=False)["timeout"]
    assert (limited.connect, limited.read) == (1.5, 1.5)


def test_proxy_comes_from_the_config_else_the_environment(monkeypatch):
    config = rawkube.Config(server="https://k8s.test:6443")
    assert proxy_for(config) is None
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.test:3128")
    assert proxy_for(config) == "http://proxy.test:3128"
    monkeypatch.setenv("NO_PROXY", "k8s.test")
    assert proxy_for(config) is None
    assert proxy_for(config.replace(proxy="socks5://p.test:1080")) == "socks5://p.test:1080"


def test_keepalive_is_on():
    assert (socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1) in keepalive_socket_options()


def test_http2_without_h2_names_the_extra(monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name: None if name == "h2" else real(name)
    )
    with pytest.raises(rawkube.ConfigError, match=r"rawkube\[http2\]"):
        TransportCore(rawkube.Config(server="https://k8s.test"), http2=True).transport_options(None)

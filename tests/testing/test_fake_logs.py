"""``pods/log`` on the fake cluster: the recorded refusals and 204s, and the kubelet's options.

A pod no node runs has no log (204, as recorded); a pod on a node reads the lines a test set,
each written at a known time, so ``tailLines``, ``sinceSeconds``, ``sinceTime``,
``timestamps``, ``limitBytes`` and ``previous`` can be checked to the byte.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx
import pytest

import rawkube
from rawkube.testing import FakeClock, FakeCluster
from tests.conftest import RECORDED

NS = "lab-fidelity"
PODS = f"/api/v1/namespaces/{NS}/pods"
START = datetime(2026, 12, 7, 3, 0, 0, tzinfo=timezone.utc)


def recorded(name: str) -> tuple[int, dict[str, str], bytes]:
    lines = (RECORDED / f"{name}.headers").read_text().splitlines()
    headers = {}
    for line in lines[1:]:
        key, _, value = line.partition(":")
        if key.strip():
            headers[key.strip().lower()] = value.strip()
    return int(lines[0].split()[1]), headers, (RECORDED / f"{name}.body").read_bytes()


def pod(name: str, *containers: str, node: str | None = None, **spec: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "containers": [{"name": c, "image": "registry.k8s.io/pause:3.10"} for c in containers],
        **spec,
    }
    if node:
        body["nodeName"] = node
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": NS},
        "spec": body,
    }


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def cluster(clock) -> FakeCluster:
    return FakeCluster(
        [pod("p-min", "c"), pod("p-two", "a", "b"), pod("web", "app", node="node-1")],
        clock=clock,
    )


@pytest.fixture
def http(cluster):
    with httpx.Client(transport=cluster.transport(), base_url="http://fake") as client:
        yield client


@pytest.fixture
def client(cluster):
    with cluster.client(NS) as client:
        yield client


# --- what the recordings show -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fixture", "path"),
    [
        ("pod_log_pending_204", "p-min/log"),
        ("pod_log_pending_follow_204", "p-min/log?follow=true"),
        ("pod_log_container_b_204", "p-two/log?container=b"),
        ("err_400_pod_log_container_nope", "p-min/log?container=nope"),
        ("err_400_pod_log_container_required", "p-two/log"),
        ("err_404_pod_log_missing_pod", "nope/log"),
    ],
)
def test_a_pod_no_node_runs_is_answered_as_recorded(cluster, http, fixture, path):
    cluster.set_logs(NS, "p-min", "never read\n")  # no node runs the pod: no log to read
    status, headers, body = recorded(fixture)
    answer = http.get(f"{PODS}/{path}")
    assert answer.status_code == status
    if body:
        assert answer.json() == json.loads(body)
    else:
        assert answer.content == b""
    assert answer.headers.get("content-type") == headers.get("content-type")


def test_a_client_reads_an_empty_log_from_a_pod_no_node_runs(client):
    assert client.core_v1.pods().log("p-min") == ""
    assert list(client.core_v1.pods().log("p-min", follow=True)) == []
    with pytest.raises(rawkube.BadRequestError, match=r"choose one of: \[a b\]"):
        client.core_v1.pods().log("p-two")


def test_the_container_choice_names_init_containers_too(cluster, http):
    cluster.create(pod("p-init", "a", "b", initContainers=[{"name": "i", "image": "busybox"}]))
    answer = http.get(f"{PODS}/p-init/log")
    assert answer.json()["message"] == (
        "a container name must be specified for pod p-init, choose one of: [a b] or one of the "
        "init containers: [i]"
    )
    assert http.get(f"{PODS}/p-init/log?container=i").status_code == 204


def test_a_served_pod_over_loopback_answers_204_with_no_body_and_no_length(cluster):
    with cluster.serve(auth=False) as server:
        answer = httpx.get(f"{server.url}{PODS}/p-min/log")
    status, headers, _ = recorded("pod_log_pending_204")
    assert answer.status_code == status
    assert answer.content == b""
    assert "content-length" not in answer.headers
    assert "content-type" not in answer.headers
    assert answer.headers["cache-control"] == headers["cache-control"]


# --- the options, on a pod a node runs ----------------------------------------------------------


@pytest.fixture
def lines(cluster, clock):
    """Five lines, one a minute from START; the clock then at START + 5 min."""
    cluster.set_logs(
        NS, "web", [(START + timedelta(minutes=i), f"line {i}") for i in range(5)], container="app"
    )
    clock.advance(300)


def test_the_whole_log_by_default(client, lines):
    assert client.core_v1.pods().log("web") == "".join(f"line {i}\n" for i in range(5))


def test_tail_lines(client, lines):
    assert client.core_v1.pods().log("web", tail_lines=2) == "line 3\nline 4\n"
    assert client.core_v1.pods().log("web", tail_lines=0) == ""
    assert client.core_v1.pods().log("web", tail_lines=99).count("\n") == 5


def test_since_seconds_and_since_time(client, http, lines):
    # Now is START + 5 min: the last 150 s hold the lines written at 3 and 4 minutes.
    assert client.core_v1.pods().log("web", since_seconds=150) == "line 3\nline 4\n"
    since = (START + timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    answer = http.get(f"{PODS}/web/log", params={"sinceTime": since, "tailLines": "3"})
    assert answer.text == "line 2\nline 3\nline 4\n"
    answer = http.get(f"{PODS}/web/log", params={"sinceTime": since, "tailLines": "5"})
    assert answer.text == "line 1\nline 2\nline 3\nline 4\n"  # the tail first, then the time


def test_timestamps_as_the_kubelet_writes_them(client, lines):
    text = client.core_v1.pods().log("web", timestamps=True, tail_lines=1)
    assert text == "2026-12-07T03:04:00.000000000Z line 4\n"


def test_limit_bytes_cuts_the_answer(http, lines):
    answer = http.get(f"{PODS}/web/log", params={"limitBytes": "10"})
    assert answer.content == b"line 0\nlin"


def test_previous_reads_the_last_terminated_instance(cluster, client, lines):
    with pytest.raises(rawkube.BadRequestError, match='previous terminated container "app"'):
        client.core_v1.pods().log("web", previous=True)
    cluster.set_logs(NS, "web", "before the crash\n", container="app", previous=True)
    assert client.core_v1.pods().log("web", previous=True) == "before the crash\n"
    assert client.core_v1.pods().log("web", tail_lines=1) == "line 4\n"


def test_follow_sends_what_there_is_and_ends(client, lines):
    assert list(client.core_v1.pods().log("web", follow=True, tail_lines=2)) == [
        "line 3",
        "line 4",
    ]


def test_text_set_is_written_now_and_a_pod_wide_log_serves_every_container(cluster, client, clock):
    cluster.set_logs(NS, "web", "one\ntwo")
    clock.advance(60)
    assert client.core_v1.pods().log("web") == "one\ntwo"
    assert client.core_v1.pods().log("web", since_seconds=30) == ""
    stamped = client.core_v1.pods().log("web", timestamps=True)
    assert stamped == "2026-12-07T03:00:00.000000000Z one\n2026-12-07T03:00:00.000000000Z two"


# --- refusals of the options ----------------------------------------------------------------------


def status_of(answer: httpx.Response) -> tuple[int, str]:
    return answer.status_code, answer.json()["message"]


def test_invalid_options_are_one_422_naming_each(http):
    answer = http.get(f"{PODS}/web/log", params={"tailLines": "-1", "limitBytes": "0"})
    assert status_of(answer) == (
        422,
        'PodLogOptions "web" is invalid: [tailLines: Invalid value: -1: must be greater than or '
        "equal to 0, limitBytes: Invalid value: 0: must be greater than 0]",
    )
    assert [c["field"] for c in answer.json()["details"]["causes"]] == ["tailLines", "limitBytes"]


def test_since_seconds_and_since_time_together_are_refused(http):
    answer = http.get(
        f"{PODS}/web/log", params={"sinceSeconds": "5", "sinceTime": "2026-12-07T03:00:00Z"}
    )
    assert answer.status_code == 422
    assert answer.json()["details"]["causes"] == [
        {
            "reason": "FieldValueForbidden",
            "message": "Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified",
        }
    ]


def test_options_are_checked_before_the_pod_is_looked_for(http):
    assert http.get(f"{PODS}/nope/log", params={"sinceSeconds": "0"}).status_code == 422
    assert http.get(f"{PODS}/nope/log", params={"sinceSeconds": "1"}).status_code == 404


def test_a_number_that_is_no_number_is_a_400(http):
    assert status_of(http.get(f"{PODS}/web/log", params={"tailLines": "ten"})) == (
        400,
        'strconv.ParseInt: parsing "ten": invalid syntax',
    )


def test_go_reads_any_flag_value_but_false_ones_as_true(http, cluster, lines):
    for value in ("1", "yes", "True", ""):
        assert http.get(f"{PODS}/web/log", params={"timestamps": value}).text.startswith("2026-")
    for value in ("0", "f", "FALSE", "n", "no"):
        assert http.get(f"{PODS}/web/log", params={"timestamps": value}).text.startswith("line")

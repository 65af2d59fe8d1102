"""``rawkube wait``: kubectl's ``--for`` forms, its output, and a timeout that says what it saw."""

from __future__ import annotations

import threading
import time

import pytest

from rawkube.cli._wait import duration


def make_ready_soon(served) -> threading.Thread:
    def ready() -> None:
        time.sleep(0.3)
        served.cluster.client().core_v1.pods("default").patch_status(
            "web-0", {"status": {"conditions": [{"type": "Ready", "status": "True"}]}}
        )

    worker = threading.Thread(target=ready)
    worker.start()
    return worker


def test_waits_for_a_condition_that_comes(served, capsys):
    worker = make_ready_soon(served)
    try:
        result = served.run(capsys, "wait", "pod/web-0", "--for=condition=Ready", "--timeout=30s")
    finally:
        worker.join()
    assert result == (0, "pod/web-0 condition met\n", "")


def test_a_timeout_is_one_line_with_the_last_state_seen(served, capsys):
    status, out, err = served.run(capsys, "wait", "pods", "web-0", "--for=Ready", "--timeout=0")
    assert (status, out) == (1, "")
    assert err.startswith("error: timed out")
    assert "web-0" in err
    assert err.count("\n") == 1


def test_waits_for_deletion_and_for_a_field(served, capsys):
    assert served.run(capsys, "wait", "cm/nope", "--for=delete") == (
        0,
        "configmap/nope condition met\n",
        "",
    )
    assert served.run(
        capsys, "wait", "deploy/web", "--for=jsonpath={.spec.replicas}=2", "--timeout=5s"
    ) == (0, "deployment.apps/web condition met\n", "")


def test_a_for_that_cannot_be_read_is_refused(served, capsys):
    status, _, err = served.run(capsys, "wait", "pod/web-0", "--for=Ready=maybe")
    assert status == 1
    assert err.startswith("error: --for=Ready=maybe: ")


@pytest.mark.parametrize(
    ("text", "seconds"), [("30s", 30), ("1m30s", 90), ("500ms", 0.5), ("2h", 7200), ("5", 5)]
)
def test_durations_as_kubectl_takes_them(text, seconds):
    assert duration(text) == seconds

"""The pod ``logs TYPE/NAME`` reads, ranked as kubectl ranks the selected pods."""

from __future__ import annotations

from rawkube.core._log_pod import pod_for_logs


def pod(
    name, *, node="n1", phase="Running", ready=None, restarts=0, created="2026-01-01T00:00:00Z"
):
    status = {"phase": phase, "containerStatuses": [{"restartCount": restarts}]}
    if ready is not None:
        status["conditions"] = [{"type": "Ready", "status": "True", "lastTransitionTime": ready}]
    return {
        "metadata": {"name": name, "creationTimestamp": created},
        "spec": {"nodeName": node},
        "status": status,
    }


def picked(*pods):
    chosen = pod_for_logs(pods)
    return chosen and chosen["metadata"]["name"]


def test_each_rank_in_kubectls_order():
    assert picked(pod("a", node=""), pod("b", phase="Pending")) == "b"  # on a node
    assert picked(pod("a", phase="Pending"), pod("b", phase="Unknown")) == "b"
    assert picked(pod("a"), pod("b", ready="2026-01-02T00:00:00Z")) == "b"  # ready
    assert (
        picked(pod("a", ready="2026-01-03T00:00:00Z"), pod("b", ready="2026-01-02T00:00:00Z"))
        == "b"
    )
    assert picked(pod("a", restarts=1), pod("b", restarts=4)) == "b"  # more restarts
    assert picked(pod("a", created="2026-02-01T00:00:00Z"), pod("b")) == "b"  # older
    assert picked(pod("a", created=""), pod("b")) == "b"  # a time before none


def test_the_first_listed_among_equals_and_none_of_none():
    assert picked(pod("a"), pod("b"), pod("c")) == "a"
    assert picked(pod("a", phase="Failed"), pod("b", phase="Pending")) == "a"
    assert pod_for_logs([]) is None

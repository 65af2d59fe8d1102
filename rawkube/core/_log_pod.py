"""Which pod ``logs deploy/NAME`` reads: the one kubectl picks among the selected pods, no I/O.

kubectl ranks the pods for a log so: one on a node before one on none; Running before
Unknown before Pending (the other phases as Pending); ready before not; ready longer before
ready for less time; more restarts (of one container) before fewer; older before newer; and
the first listed among equals.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["pod_for_logs"]

_PHASES = {"Pending": 0, "Unknown": 1, "Running": 2}


def pod_for_logs(pods: Sequence[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    """The pod kubectl reads the log of among ``pods`` (their JSON data); None for none."""
    if not pods:
        return None
    return sorted(pods, key=functools.cmp_to_key(_compare))[0]


def _compare(left: Mapping[str, Any], right: Mapping[str, Any]) -> int:
    return -1 if _before(left, right) else 1 if _before(right, left) else 0


def _before(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    """Whether kubectl ranks ``a`` before ``b`` for its log."""
    node_a, node_b = _get(a, "spec", "nodeName") or "", _get(b, "spec", "nodeName") or ""
    if node_a != node_b and not (node_a and node_b):
        return bool(node_a)
    phase_a, phase_b = _get(a, "status", "phase"), _get(b, "status", "phase")
    if phase_a != phase_b:
        return _PHASES.get(str(phase_a), 0) > _PHASES.get(str(phase_b), 0)
    ready_a, ready_b = _ready_since(a), _ready_since(b)
    if (ready_a is None) != (ready_b is None):
        return ready_a is not None
    if ready_a is not None and ready_b is not None and ready_a != ready_b:
        # an empty time counts as the latest; RFC 3339 times in UTC sort as text
        return bool(ready_a) and (not ready_b or ready_a < ready_b)
    restarts_a, restarts_b = _restarts(a), _restarts(b)
    if restarts_a != restarts_b:
        return restarts_a > restarts_b
    created_a = str(_get(a, "metadata", "creationTimestamp") or "")
    created_b = str(_get(b, "metadata", "creationTimestamp") or "")
    if created_a != created_b:
        return bool(created_a) and (not created_b or created_a < created_b)
    return False


def _get(data: Mapping[str, Any], *keys: str) -> Any:
    value: Any = data
    for key in keys:
        value = value.get(key) if isinstance(value, Mapping) else None
    return value


def _ready_since(pod: Mapping[str, Any]) -> str | None:
    """The time the pod became ready ("" when unknown), None when it is not ready."""
    for condition in _get(pod, "status", "conditions") or ():
        if isinstance(condition, Mapping) and condition.get("type") == "Ready":
            if condition.get("status") == "True":
                return str(condition.get("lastTransitionTime") or "")
            return None
    return None


def _restarts(pod: Mapping[str, Any]) -> int:
    counts = [
        int(status.get("restartCount") or 0)
        for status in _get(pod, "status", "containerStatuses") or ()
        if isinstance(status, Mapping)
    ]
    return max(counts, default=0)

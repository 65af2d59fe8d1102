"""``pods/log`` as the API server and the kubelet behind it answer: options, containers, lines.

The API server reads the options (Go's query conversion), validates them (422), finds the pod
(404) and the container (400 when several could be meant, or the one named is not the pod's),
and answers 204 with nothing at all for a pod no node runs, as recorded. The kubelet then
picks the lines: the last ``tailLines`` of the log, those written at or after ``sinceSeconds``
ago or ``sinceTime``, each after its timestamp with ``timestamps``, all cut at ``limitBytes``;
``previous`` reads the last terminated instance's log (400 when there is none). The fake has
no kubelet: each container's log is the lines a test set (:class:`PodLogs`), each written at a
known time. ``follow`` sends what there is and ends.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from rawkube.testing._errors import FakeApiError, bad_request, go_quote

__all__ = ["LogOptions", "PodLogs", "log_options", "read_log"]

_RFC3339 = re.compile(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)")
_FALSE = ("0", "f", "false", "n", "no")


@dataclass(frozen=True)
class LogLine:
    """One line of a container's log: when it was written and its text (newline included)."""

    at: datetime
    text: str


class PodLogs:
    """The log lines tests set per pod and container, and per terminated instance."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._logs: dict[tuple[str, str, str | None, bool], tuple[LogLine, ...]] = {}

    def set(
        self,
        namespace: str,
        pod: str,
        container: str | None,
        lines: Iterable[LogLine],
        *,
        previous: bool = False,
    ) -> None:
        """Make ``lines`` the log of a container (``None``: of every container with none)."""
        with self._lock:
            self._logs[namespace, pod, container, previous] = tuple(lines)

    def lines(
        self, namespace: str, pod: str, container: str | None, *, previous: bool = False
    ) -> tuple[LogLine, ...] | None:
        """The lines set for a container, else for the whole pod; None when nothing was."""
        with self._lock:
            found = self._logs.get((namespace, pod, container, previous))
            if found is None:
                found = self._logs.get((namespace, pod, None, previous))
            return found


def split_lines(text: str, at: datetime) -> list[LogLine]:
    """A text as log lines all written at ``at`` (a last line may lack its newline)."""
    return [LogLine(at, line) for line in text.splitlines(keepends=True)]


@dataclass(frozen=True)
class LogOptions:
    """A ``pods/log`` request's options, read and validated."""

    container: str = ""
    follow: bool = False
    previous: bool = False
    timestamps: bool = False
    tail_lines: int | None = None
    since_seconds: int | None = None
    since_time: datetime | None = None
    limit_bytes: int | None = None


def _flag(params: Mapping[str, str], name: str) -> bool:
    # Go's conversion of a query value to a bool: only these spell false; present is true.
    return name in params and params[name].lower() not in _FALSE


def _number(params: Mapping[str, str], name: str) -> int | None:
    text = params.get(name, "")
    if text == "":
        return None
    try:
        if not re.fullmatch(r"[+-]?\d+", text):
            raise ValueError(text)
        value = int(text)
        if not -(2**63) <= value < 2**63:
            raise bad_request(f"strconv.ParseInt: parsing {go_quote(text)}: value out of range")
    except ValueError:
        raise bad_request(f"strconv.ParseInt: parsing {go_quote(text)}: invalid syntax") from None
    return value


def _time(params: Mapping[str, str], name: str) -> datetime | None:
    text = params.get(name, "")
    if text == "":
        return None
    found = _RFC3339.fullmatch(text)
    if found is None:
        quoted = go_quote(text)
        raise bad_request(
            f'parsing time {quoted} as "2006-01-02T15:04:05Z07:00": cannot parse {quoted} as "2006"'
        )
    seconds, fraction, offset = found.groups()
    moment = datetime.fromisoformat(seconds + ("+00:00" if offset == "Z" else offset))
    return moment + timedelta(microseconds=int(((fraction or ".0")[1:] + "000000")[:6]))


def log_options(pod: str, params: Mapping[str, str]) -> LogOptions:
    """The options of a ``pods/log`` request: 400 for a value that does not convert, 422 for
    what validation refuses, every problem at once (as the server's ``PodLogOptions``)."""
    options = LogOptions(
        container=params.get("container", ""),
        follow=_flag(params, "follow"),
        previous=_flag(params, "previous"),
        timestamps=_flag(params, "timestamps"),
        tail_lines=_number(params, "tailLines"),
        since_seconds=_number(params, "sinceSeconds"),
        since_time=_time(params, "sinceTime"),
        limit_bytes=_number(params, "limitBytes"),
    )
    causes: list[dict[str, str]] = []
    if options.tail_lines is not None and options.tail_lines < 0:
        causes.append(_invalid("tailLines", options.tail_lines, "greater than or equal to 0"))
    if options.limit_bytes is not None and options.limit_bytes < 1:
        causes.append(_invalid("limitBytes", options.limit_bytes, "greater than 0"))
    if options.since_seconds is not None and options.since_time is not None:
        # Go's field path here is empty: the cause names no field, the message an empty one.
        causes.append(
            {
                "reason": "FieldValueForbidden",
                "message": "Forbidden: at most one of `sinceTime` or `sinceSeconds` may be "
                "specified",
            }
        )
    elif options.since_seconds is not None and options.since_seconds < 1:
        causes.append(_invalid("sinceSeconds", options.since_seconds, "greater than 0"))
    if causes:
        said = [f"{c.get('field', '')}: {c['message']}" for c in causes]
        joined = said[0] if len(said) == 1 else "[" + ", ".join(said) + "]"
        raise FakeApiError(
            422,
            "Invalid",
            f"PodLogOptions {go_quote(pod)} is invalid: {joined}",
            {"name": pod, "kind": "PodLogOptions", "causes": causes},
        )
    return options


def _invalid(field: str, value: int, bound: str) -> dict[str, str]:
    return {
        "reason": "FieldValueInvalid",
        "message": f"Invalid value: {value}: must be {bound}",
        "field": field,
    }


def read_log(
    pod: Mapping[str, Any], options: LogOptions, logs: PodLogs, now: datetime
) -> bytes | None:
    """The log a request reads, or None for the server's 204 (a pod no node runs)."""
    from rawkube.testing._session import _container  # the server's one choice of container

    metadata, spec = pod.get("metadata") or {}, pod.get("spec") or {}
    name, namespace = metadata.get("name", ""), metadata.get("namespace", "")
    container = _container(spec, name, options.container)
    if not spec.get("nodeName"):
        return None
    lines = logs.lines(namespace, name, container, previous=options.previous)
    if lines is None:
        if options.previous:
            # The kubelet's answer, passed on by the API server.
            raise bad_request(
                f'previous terminated container "{container}" in pod "{name}" not found'
            )
        lines = ()
    picked = list(lines)
    if options.tail_lines is not None:
        picked = picked[len(picked) - options.tail_lines :] if options.tail_lines else []
    since = options.since_time
    if options.since_seconds is not None:
        since = now - timedelta(seconds=options.since_seconds)
    if since is not None:
        picked = [line for line in picked if line.at >= since]
    text = "".join(
        f"{_stamp(line.at)} {line.text}" if options.timestamps else line.text for line in picked
    ).encode()
    if options.limit_bytes is not None:
        text = text[: options.limit_bytes]
    return text


def _stamp(moment: datetime) -> str:
    """The kubelet's timestamp: RFC 3339 in UTC with nine digits of fraction, always."""
    utc = moment.astimezone(timezone.utc)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond * 1000:09d}Z"

"""What ``wait()`` waits for: its ``for_`` read, judged on each state of the object, and told.

``wait(name, for_=...)`` takes what ``kubectl wait --for`` takes, and a predicate:

* a condition of ``status.conditions``: ``"Ready"``, ``"condition=Ready"``, ``"Ready=False"``,
  ``"condition=Available=true"``: the type and the status (``True`` unless given) compared
  without regard to case, as kubectl does. A condition whose ``observedGeneration`` (or the
  object's ``status.observedGeneration``) is older than ``metadata.generation`` describes an
  older spec and is not met, as kubectl judges it too;
* ``"delete"`` (or ``"deletion"``): the object is gone;
* ``"create"``: the object exists (kubectl's ``--for=create``);
* ``"jsonpath={.status.phase}=Running"``: the field holds that value (its JSON text: ``3``,
  ``true``), or, without ``=value``, the field is there. Only dotted names (``\\.`` for a dot
  inside one, or ``['a.b/c']``) and ``[n]`` indexes: no filters, wildcards or expressions;
* a callable, given the object (the typed model, or the dynamic API's dict): the wait ends
  when it returns true.

:class:`WaitState` judges each state the client reads or watches and words the
:class:`~rawkube.WaitTimeoutError` that names the last one. Nothing here sends or waits.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from rawkube.core._exceptions import WaitTimeoutError
from rawkube.core._jsonpath import path_steps, walk

__all__ = [
    "Condition",
    "Creation",
    "Deletion",
    "JsonPath",
    "Predicate",
    "WaitFor",
    "WaitState",
    "object_words",
    "parse_for",
    "resource_version",
    "wait_timeout",
]

T = TypeVar("T")

MAX_WAIT = 10**9
"""The longest timeout taken, in seconds (as for a request's)."""

_STATUSES = {"true": "True", "false": "False", "unknown": "Unknown"}
_SHOWN_CHARS = 60  # a jsonpath value longer than this is cut in the timeout's message
_NAME_CHARS = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:"
)  # what condition types are made of


@dataclass(frozen=True)
class Condition:
    """A condition of the object's ``status.conditions``: this ``type`` with this ``status``."""

    type: str
    status: str = "True"

    def met(self, data: Mapping[str, Any]) -> bool:
        """Whether ``data`` (the object as JSON) has the condition, for its current spec."""
        found = _condition(data, self.type)
        if found is None or _stale(data, found) is not None:
            return False
        status = found.get("status")
        return isinstance(status, str) and status.lower() == self.status.lower()

    def __str__(self) -> str:
        return f"condition {self.type}={self.status}"


@dataclass(frozen=True)
class Creation:
    """The object exists."""

    def __str__(self) -> str:
        return "creation"


@dataclass(frozen=True)
class Deletion:
    """The object is gone: not found, deleted, or replaced by another of the same name."""

    def __str__(self) -> str:
        return "deletion"


@dataclass(frozen=True)
class JsonPath:
    """A field's value: ``steps`` (names and indexes) lead to it; ``value`` None: it is there."""

    expression: str
    steps: tuple[str | int, ...]
    value: str | None

    def met(self, data: Mapping[str, Any]) -> bool:
        """Whether the field of ``data`` is there (and, with a value, holds it)."""
        found, value = walk(data, self.steps)
        if not found or value is None:
            return False
        return self.value is None or _text(value) == self.value

    def __str__(self) -> str:
        return self.expression if self.value is None else f"{self.expression}={self.value}"


@dataclass(frozen=True)
class Predicate:
    """A callable given each state of the object; true ends the wait."""

    check: Callable[[Any], object]

    def __str__(self) -> str:
        return f"predicate {getattr(self.check, '__name__', type(self.check).__name__)}"


WaitFor = Condition | Creation | Deletion | JsonPath | Predicate
"""What a wait waits for, as :func:`parse_for` reads it."""


def parse_for(for_: object) -> WaitFor:
    """Read ``wait()``'s ``for_`` (see the module docstring).

    Raises ``ValueError`` naming what is wrong with a string, ``TypeError`` for anything
    that is neither a string nor callable.
    """
    if callable(for_):
        return Predicate(for_)
    if not isinstance(for_, str):
        raise TypeError(
            f"for_ must be a condition, 'delete', 'jsonpath=...' or a callable, "
            f"not {type(for_).__name__}"
        )
    text = for_.strip()
    if text.lower() in ("delete", "deletion"):
        return Deletion()
    if text.lower() == "create":
        return Creation()
    kind, equals, rest = text.partition("=")
    if kind.lower() in ("condition", "jsonpath") and not rest.strip():
        raise ValueError(f"for_={for_!r}: {kind.lower()}= needs what to wait for after it")
    if equals and kind.lower() == "jsonpath":
        return _parse_jsonpath(for_, rest.strip())
    if equals and kind.lower() == "condition":
        text = rest
    return _parse_condition(for_, text)


def _parse_condition(for_: str, text: str) -> Condition:
    type_, equals, status = text.partition("=")
    if not type_ or not set(type_) <= _NAME_CHARS:
        raise ValueError(
            f"for_={for_!r}: expected a condition ('Ready', 'condition=Ready', 'Ready=False'), "
            "'delete', 'jsonpath={.path}=value' or a callable"
        )
    if not equals:
        return Condition(type_)
    shown = _STATUSES.get(status.lower())
    if shown is None:
        raise ValueError(
            f"for_={for_!r}: a condition's status is True, False or Unknown, not {status!r}"
        )
    return Condition(type_, shown)


def _parse_jsonpath(for_: str, text: str) -> JsonPath:
    """``{.a.b[0]}=value``, ``'{.a.b}'=value``, ``.a.b=value`` or any of them without a value."""
    if text[:1] in ("'", '"'):
        end = text.find(text[0], 1)
        path, rest = (text[1:end], text[end + 1 :]) if end > 0 else ("", "")
    elif text.startswith("{"):
        end = text.find("}")
        path, rest = (text[: end + 1], text[end + 1 :]) if end > 0 else ("", "")
    else:
        path, equals, value = text.partition("=")
        rest = equals + value
    if path.startswith("{") and path.endswith("}"):
        path = path[1:-1]
    if rest and (not rest.startswith("=") or len(rest) == 1):
        raise ValueError(
            f"for_={for_!r}: expected 'jsonpath={{.path}}' or 'jsonpath={{.path}}=value'"
        )
    try:
        steps = path_steps(path.strip())
    except ValueError as exc:
        raise ValueError(f"for_={for_!r}: {exc}") from None
    return JsonPath("{" + path.strip() + "}", steps, rest[1:] if rest else None)


def wait_timeout(timeout: object) -> float | None:
    """``wait()``'s timeout in seconds: None (no limit), 0 (look once) or more."""
    if timeout is None:
        return None
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
        raise TypeError(
            f"timeout must be a number of seconds or None, not {type(timeout).__name__}"
        )
    if not math.isfinite(timeout) or not 0 <= timeout <= MAX_WAIT:
        raise ValueError(
            f"timeout must be a number of seconds in [0, 1e9] or None, not {timeout!r}"
        )
    return float(timeout)


class WaitState(Generic[T]):
    """One wait's judge: the client hands it each state of the object as it reads or watches it.

    ``what`` names the object in messages (``deployments.apps/web in namespace default``).
    ``last`` is the last object seen; ``result`` what the wait returns once :meth:`seen` or
    :meth:`gone` said it is over (the object, or None for a deletion).
    """

    def __init__(self, target: WaitFor, what: str, timeout: float | None) -> None:
        self.target = target
        self.what = what
        self.timeout = timeout
        self.last: T | None = None
        self.result: T | None = None
        self._uid: str | None = None

    @property
    def deleting(self) -> bool:
        """Whether the wait is for the object to be gone."""
        return isinstance(self.target, Deletion)

    @property
    def creating(self) -> bool:
        """Whether the wait is for the object to exist."""
        return isinstance(self.target, Creation)

    def seen(self, obj: T) -> bool:
        """The object as read or watched now; whether the wait is over.

        A predicate that raises raises here: the wait stops with its exception.
        """
        target = self.target
        if isinstance(target, Deletion):
            uid = _uid(as_data(obj))
            if self._uid is not None and uid is not None and uid != self._uid:
                self.result = None  # the one waited on is gone; another took its name
                return True
            self._uid = self._uid or uid
            self.last = obj
            return False
        self.last = obj
        if isinstance(target, Predicate):
            done = bool(target.check(obj))
        elif isinstance(target, Creation):
            done = True
        else:
            done = target.met(as_data(obj))
        if done:
            self.result = obj
        return done

    def gone(self) -> bool:
        """The object is not there (not found, or a DELETED event); whether the wait is over.

        Only a deletion is. A wait for creation goes on; any other reads the object again,
        which then raises :class:`~rawkube.NotFoundError` (or finds one made anew).
        """
        if isinstance(self.target, Deletion):
            self.result = None
            return True
        return False

    def timed_out(self) -> WaitTimeoutError:
        """The error of a wait that ran out of time, naming the last state seen."""
        limit = "" if self.timeout is None else f" after {self.timeout:g} s"
        return WaitTimeoutError(
            f"timed out{limit} waiting for {self.what} to {_goal(self.target)}; "
            f"last seen: {self.describe()}",
            self.last,
        )

    def describe(self) -> str:
        """The last state seen, in words: conditions, phase, whether it still exists."""
        target = self.target
        if isinstance(target, Creation):
            return "not found"
        if self.last is None:
            return "nothing yet (no answer in time)"
        data = as_data(self.last)
        if isinstance(target, Deletion):
            return _existing(data)
        if isinstance(target, JsonPath):
            return _field_state(target, data)
        state = _status_words(data, target.type if isinstance(target, Condition) else None)
        if state:
            return state
        version = (data.get("metadata") or {}).get("resourceVersion")
        return f"resourceVersion {version}" if version else "no status"


def as_data(obj: Any) -> Mapping[str, Any]:
    """The object as JSON data: a dict as it is, a model through its ``to_dict()``."""
    if isinstance(obj, Mapping):
        return obj
    to_dict = getattr(obj, "to_dict", None)
    if to_dict is None:
        raise TypeError(f"cannot read {type(obj).__name__} as an object's JSON")
    data = to_dict()
    assert isinstance(data, Mapping)
    return data


def _goal(target: WaitFor) -> str:
    if isinstance(target, Deletion):
        return "be deleted"
    if isinstance(target, Creation):
        return "be created"
    if isinstance(target, Predicate):
        return f"satisfy the {target}"
    return f"have {target}"


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _uid(data: Mapping[str, Any]) -> str | None:
    uid = _mapping(data.get("metadata")).get("uid")
    return uid if isinstance(uid, str) and uid else None


def _conditions(data: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    conditions = _mapping(data.get("status")).get("conditions")
    if not isinstance(conditions, list):
        return []
    return [c for c in conditions if isinstance(c, Mapping) and isinstance(c.get("type"), str)]


def _condition(data: Mapping[str, Any], type_: str) -> Mapping[str, Any] | None:
    wanted = type_.lower()
    return next((c for c in _conditions(data) if c["type"].lower() == wanted), None)


def _stale(data: Mapping[str, Any], condition: Mapping[str, Any]) -> tuple[int, int] | None:
    """(observedGeneration, generation) when the condition describes an older spec."""
    generation = _mapping(data.get("metadata")).get("generation")
    observed = condition.get("observedGeneration")
    if not isinstance(observed, int):
        observed = _mapping(data.get("status")).get("observedGeneration")
    if isinstance(generation, int) and isinstance(observed, int) and observed < generation:
        return observed, generation
    return None


def _status_words(data: Mapping[str, Any], type_: str | None) -> str:
    """``phase Pending, conditions Ready=False (ContainersNotReady), ...``; "" when none."""
    parts = []
    phase = _mapping(data.get("status")).get("phase")
    if isinstance(phase, str) and phase:
        parts.append(f"phase {phase}")
    shown = []
    for condition in _conditions(data):
        reason = condition.get("reason")
        why = f" ({reason})" if isinstance(reason, str) and reason else ""
        shown.append(f"{condition['type']}={condition.get('status')}{why}")
    if shown:
        parts.append("conditions " + ", ".join(shown))
    elif type_ is not None:
        parts.append("no conditions")
    if type_ is not None:
        found = _condition(data, type_)
        stale = None if found is None else _stale(data, found)
        if found is not None and stale is not None:
            parts.append(
                f"{found['type']} is for observedGeneration {stale[0]}, not generation {stale[1]}"
            )
    return ", ".join(parts)


def _existing(data: Mapping[str, Any]) -> str:
    metadata = _mapping(data.get("metadata"))
    words = "still exists"
    if metadata.get("deletionTimestamp"):
        words += ", being deleted"
    finalizers = metadata.get("finalizers")
    if isinstance(finalizers, list) and finalizers:
        words += ", finalizers " + ", ".join(str(f) for f in finalizers)
    return words


def _field_state(target: JsonPath, data: Mapping[str, Any]) -> str:
    found, value = walk(data, target.steps)
    if not found or value is None:
        return f"{target.expression} not found"
    if data.get("kind") == "Secret":
        return f"{target.expression} has another value"  # a Secret's values are never shown
    text = _text(value)
    if text is None:
        return f"{target.expression} is a {'list' if isinstance(value, list) else 'map'}"
    if len(text) > _SHOWN_CHARS:
        text = text[:_SHOWN_CHARS] + "..."
    return f"{target.expression} is {text!r}"


def _text(value: object) -> str | None:
    """A scalar as JSON writes it (``true``, ``3``), a string as it is; None for a list or map."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int)):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return None


def resource_version(obj: Any) -> str:
    """The object's ``metadata.resourceVersion`` (a model's or a dict's); "" when it has none."""
    if isinstance(obj, Mapping):
        version = _mapping(obj.get("metadata")).get("resourceVersion")
    else:
        version = getattr(getattr(obj, "metadata", None), "resource_version", None)
    return version if isinstance(version, str) else ""


def object_words(plural: str, group: str, name: str, namespace: str | None) -> str:
    """How a message names the object: ``deployments.apps/web in namespace default``."""
    resource = f"{plural}.{group}" if group else plural
    return f"{resource}/{name}" + (f" in namespace {namespace}" if namespace else "")

"""Whether a selector selects a set of labels: selector strings, LabelSelector objects and maps.

One matcher for every form, the one list and watch filtering use
(:class:`rawkube.core._match.LabelSelector`): a LabelSelector object becomes the same
requirements a selector string parses into, as the API server's ``LabelSelectorAsSelector``
turns one into a ``labels.Selector``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from rawkube.core._match import LabelSelector
from rawkube.core._selector import Requirement, check_label_key, check_label_value

__all__ = ["from_label_selector", "selector_matches"]

# metav1.LabelSelectorOperator to the labels.Selector operator it becomes.
_OPERATORS = {"In": "in", "NotIn": "notin", "Exists": "exists", "DoesNotExist": "!exists"}
_SELECTOR_KEYS = frozenset({"matchLabels", "matchExpressions"})


class _Model(Protocol):
    """A rawkube model (a ``LabelSelector`` from ``rawkube.models.meta_v1``): its JSON data."""

    def to_dict(self) -> dict[str, Any]: ...


def selector_matches(
    selector: str | Mapping[str, Any] | _Model | None, labels: Mapping[str, str] | None
) -> bool:
    """Whether ``selector`` selects an object with ``labels`` (``None``: no labels at all).

    ``selector`` is any of:

    * a label selector string, as ``label_selector=`` takes it: ``"app=web,tier!=db"``,
      ``"env in (prod,staging)"``, ``"env notin (dev)"``, ``"canary"``, ``"!canary"``,
      ``"replicas>2"``; ``""`` selects everything;
    * a ``LabelSelector`` (``rawkube.models.meta_v1``, a Deployment's ``spec.selector``) or its
      dict, ``{"matchLabels": {...}, "matchExpressions": [{"key", "operator", "values"}]}``;
      with neither (or both empty) it selects everything, as the server reads it;
    * a plain ``dict[str, str]`` of labels (a Service's ``spec.selector``): every label must be
      present with that value; ``{}`` selects everything. (A dict whose values are not all
      strings is read as a LabelSelector.) The API server's endpoints controller gives a
      Service with an empty selector no endpoints at all: the controller's rule, not the
      selector's;
    * ``None``: selects nothing, as the server reads a missing LabelSelector (a nil
      ``*metav1.LabelSelector`` becomes ``labels.Nothing()``; a Service without a selector
      gets no endpoints).

    Matching is the server's: ``!=`` and ``notin`` select an object without the label,
    ``>`` and ``<`` compare integers. It is the matcher list and watch filtering of the fake
    cluster and an informer's lister use.

    Raises ``ValueError`` for a selector the server would refuse (a malformed string, a bad
    label key or value, an unknown operator, ``In`` without values, ``Exists`` with values),
    naming the problem; ``TypeError`` for a selector or labels of another type.
    """
    if labels is not None and not isinstance(labels, Mapping):
        raise TypeError(f"labels must be a mapping of str to str, not {type(labels).__name__}")
    if selector is None:
        return False
    if isinstance(selector, str):
        return LabelSelector.parse(selector).matches(labels)
    return from_label_selector(selector).matches(labels)


def from_label_selector(selector: Mapping[str, Any] | _Model) -> LabelSelector:
    """The matcher of a LabelSelector object (a model or its dict) or of a map of labels.

    Raises ``ValueError`` and ``TypeError`` as :func:`selector_matches` does.
    """
    data = _data(selector)
    if _is_label_map(data):
        return _matcher(data, [_equal(key, value, "selector") for key, value in data.items()])
    unknown = sorted(str(key) for key in data if key not in _SELECTOR_KEYS)
    if unknown:
        raise ValueError(
            f"label selector {data!r}: unknown field(s) {', '.join(unknown)}; a LabelSelector "
            "has matchLabels and matchExpressions, a map of labels only str values"
        )
    requirements: list[Requirement] = []
    match_labels = data.get("matchLabels") or {}
    if not isinstance(match_labels, Mapping):
        raise TypeError(f"matchLabels must be a mapping, not {type(match_labels).__name__}")
    for key, value in match_labels.items():
        requirements.append(_equal(key, value, "matchLabels"))
    expressions = data.get("matchExpressions") or []
    if not isinstance(expressions, (list, tuple)):
        raise TypeError(f"matchExpressions must be a list, not {type(expressions).__name__}")
    for index, expression in enumerate(expressions):
        requirements.append(_expression(expression, f"matchExpressions[{index}]"))
    return _matcher(data, requirements)


def _data(selector: object) -> Mapping[str, Any]:
    if isinstance(selector, Mapping):
        return selector
    to_dict = getattr(selector, "to_dict", None)
    if callable(to_dict) and not isinstance(selector, type):
        data = to_dict()
        if isinstance(data, Mapping):
            return data
    raise TypeError(
        "selector must be a label selector string, a LabelSelector (model or dict), "
        f"a dict of labels or None, not {type(selector).__name__}"
    )


def _is_label_map(data: Mapping[str, Any]) -> bool:
    """A map of labels rather than a LabelSelector's dict (``{}`` reads the same either way).

    Only str values make it labels: "matchLabels" is a valid label key too.
    """
    return all(isinstance(value, str) for value in data.values())


def _matcher(data: Mapping[str, Any], requirements: list[Requirement]) -> LabelSelector:
    return LabelSelector(repr(dict(data)), requirements)


def _equal(key: object, value: object, where: str) -> Requirement:
    if not isinstance(key, str) or not isinstance(value, str):
        raise TypeError(
            f"{where} must map str to str, not {type(key).__name__} to {type(value).__name__} "
            f"({key!r}: {value!r})"
        )
    check_label_key(key)
    check_label_value(value)
    return Requirement(key, "=", frozenset({value}))


def _expression(expression: object, where: str) -> Requirement:
    if not isinstance(expression, Mapping):
        raise TypeError(f"{where} must be a mapping, not {type(expression).__name__}")
    key, operator = expression.get("key"), expression.get("operator")
    values = expression.get("values") or []
    if not isinstance(key, str):
        raise TypeError(f"{where}.key must be a str, not {type(key).__name__}")
    check_label_key(key)
    if operator not in _OPERATORS:
        raise ValueError(
            f"{where}.operator: {operator!r} is not a valid label selector operator; "
            "use In, NotIn, Exists or DoesNotExist"
        )
    if not isinstance(values, (list, tuple)) or not all(isinstance(v, str) for v in values):
        raise TypeError(f"{where}.values must be a list of str, not {values!r}")
    if operator in ("In", "NotIn") and not values:
        raise ValueError(
            f"{where}.values: for 'In' and 'NotIn' operators, values set can't be empty"
        )
    if operator in ("Exists", "DoesNotExist") and values:
        raise ValueError(f"{where}.values: values set must be empty for exists and does not exist")
    for value in values:
        check_label_value(value)
    return Requirement(key, _OPERATORS[operator], frozenset(values))

"""Rules several kinds share: counts, ports, labels, selectors, quantities, immutable fields."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from rawkube.testing import _meta
from rawkube.testing._names import name_problem
from rawkube.testing._validate._causes import (
    Cause,
    as_dict,
    as_int,
    as_list,
    forbidden,
    invalid,
    required,
)

NON_NEGATIVE = "must be greater than or equal to 0"
PORT_RANGE = "must be between 1 and 65535, inclusive"
_IMMUTABLE = "field is immutable"
_LABEL_VALUE = re.compile(r"(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?")
_LABEL_VALUE_TEXT = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or "
    "'my_value',  or '12345', regex used for validation is "
    "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
)
_PERCENT = re.compile(r"[0-9]+%")
_PERCENT_TEXT = (
    "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  "
    "or '93%', regex used for validation is '[0-9]+%')"
)
_PORT_NAME_CHARS = re.compile(r"[-a-z0-9]+")
_LETTER = re.compile(r"[a-z]")


def non_negative(value: Any, field: str, found: list[Cause]) -> None:
    """A count that may not be below zero."""
    number = as_int(value)
    if number is not None and number < 0:
        found.append(invalid(field, number, NON_NEGATIVE))


def label_causes(labels: Any, field: str, found: list[Cause]) -> None:
    """Label keys (qualified names) and values, as ``ValidateLabels`` checks them."""
    for key, value in as_dict(labels).items():
        found += [invalid(field, key, p) for p in _meta.qualified_name_problems(key)]
        if not isinstance(value, str):
            continue
        if len(value.encode()) > 63:
            found.append(invalid(field, value, "must be no more than 63 characters"))
        if not _LABEL_VALUE.fullmatch(value):
            found.append(invalid(field, value, _LABEL_VALUE_TEXT))


def label_name_problem(value: str) -> str | None:
    """Why ``value`` is not a lowercase RFC 1123 label (a container's name, say)."""
    return name_problem("", "namespaces", value)


def port_name_problems(value: str) -> list[str]:
    """apimachinery's IsValidPortName: an IANA service name."""
    problems: list[str] = []
    if len(value) > 15:
        problems.append("must be no more than 15 characters")
    if not _PORT_NAME_CHARS.fullmatch(value):
        problems.append("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")
    if "--" in value:
        problems.append("must not contain consecutive hyphens")
    if value and not _LETTER.search(value):
        problems.append("must contain at least one letter (a-z)")
    if value.startswith("-") or value.endswith("-"):
        problems.append("must not begin or end with a hyphen")
    return problems


def port_number(value: Any, field: str, found: list[Cause]) -> None:
    """A port that must be between 1 and 65535."""
    number = as_int(value)
    if number is not None and not 1 <= number <= 65535:
        found.append(invalid(field, number, PORT_RANGE))


def int_or_percent(value: Any, field: str, found: list[Cause], *, at_most_100: bool) -> None:
    """An int-or-string that is a count or a percentage (``maxSurge``, ``maxUnavailable``)."""
    if isinstance(value, str):
        if not _PERCENT.fullmatch(value):
            found.append(invalid(field, value, _PERCENT_TEXT))
        elif at_most_100 and int(value[:-1]) > 100:
            found.append(invalid(field, value, "must not be greater than 100%"))
    else:
        non_negative(value, field, found)


def selector_causes(selector: Any, field: str, found: list[Cause]) -> None:
    """A LabelSelector's labels and expressions, as ``ValidateLabelSelector`` checks them."""
    selector = as_dict(selector)
    label_causes(selector.get("matchLabels"), f"{field}.matchLabels", found)
    for index, expression in enumerate(as_list(selector.get("matchExpressions"))):
        expression = as_dict(expression)
        where = f"{field}.matchExpressions[{index}]"
        operator = expression.get("operator")
        values = expression.get("values")
        if operator in ("In", "NotIn"):
            if not values:
                found.append(
                    required(
                        f"{where}.values", "must be specified when `operator` is 'In' or 'NotIn'"
                    )
                )
        elif operator in ("Exists", "DoesNotExist"):
            if values:
                found.append(
                    forbidden(
                        f"{where}.values",
                        "may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
                    )
                )
        elif operator:
            found.append(invalid(f"{where}.operator", operator, "not a valid selector operator"))
        key = expression.get("key")
        if isinstance(key, str):
            found += [invalid(f"{where}.key", key, p) for p in _meta.qualified_name_problems(key)]


def quantity(value: Any) -> Decimal | None:
    from rawkube.models._types import parse_quantity

    try:
        return parse_quantity(str(value))
    except ValueError:
        return None


def immutable(new: Any, old: Any, field: str, found: list[Cause]) -> None:
    if new != old:
        found.append(invalid(field, new, _IMMUTABLE))

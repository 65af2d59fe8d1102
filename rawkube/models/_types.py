"""Field types for the Kubernetes API's special values (Time, Quantity, IntOrString, ...).

Each type is a ``typing.Annotated`` alias over a plain ``str``/``int``/JSON value, never a
class with a Python validator, for two reasons:

* **Speed.** Generated models decode lists of thousands of objects straight from bytes; a field
  of these types validates entirely inside pydantic-core, exactly as cheaply as ``str``. The
  metadata only shapes the JSON schema (and, for ``Quantity``, lets pydantic-core turn a number
  from a YAML manifest into its text).
* **Exact round trip.** The value is the text the server sent (``"2026-11-27T13:00:38Z"``,
  ``"1536Mi"``), so a read-modify-write sends it back byte for byte, with no rounding, time-zone or
  canonical-form drift.

To compute with a value, call a helper: ``parse_time``/``format_time``/``format_micro_time``,
``parse_quantity``/``quantity_equal``, ``decode_base64``/``encode_base64``.
"""

from __future__ import annotations

import base64
import binascii
import re
from datetime import datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import Field, WithJsonSchema

__all__ = [
    "Base64",
    "IntOrString",
    "MicroTime",
    "Quantity",
    "RawExtension",
    "Time",
    "decode_base64",
    "encode_base64",
    "format_micro_time",
    "format_time",
    "parse_quantity",
    "parse_time",
    "quantity_equal",
]

Time = Annotated[str, WithJsonSchema({"type": "string", "format": "date-time"})]
"""metav1.Time: RFC 3339 at second precision in UTC, as the server writes it
(``2006-01-02T15:04:05Z``). Kept as the exact text; see ``parse_time``/``format_time``."""

MicroTime = Annotated[str, WithJsonSchema({"type": "string", "format": "date-time"})]
"""metav1.MicroTime: RFC 3339 with six fractional digits in UTC
(``2006-01-02T15:04:05.000000Z``). Kept as the exact text; see ``format_micro_time``."""

Quantity = Annotated[
    str,
    # The API accepts a JSON number too ("cpu: 2" in a manifest); pydantic-core turns it into
    # its text without a Python call. The server itself always sends a string.
    Field(coerce_numbers_to_str=True),
    WithJsonSchema({"oneOf": [{"type": "string"}, {"type": "number"}]}),
]
"""resource.Quantity: ``"500m"``, ``"1Gi"``, ``"1e3"``, ``"0.5"``. Kept as the exact text; see
``parse_quantity``/``quantity_equal``."""

IntOrString = Annotated[
    int | str,
    WithJsonSchema({"oneOf": [{"type": "integer"}, {"type": "string"}], "format": "int-or-string"}),
]
"""intstr.IntOrString: ``8080`` stays an ``int``; ``"http"``, ``"8080"`` and ``"50%"`` stay
``str``."""

Base64 = Annotated[str, WithJsonSchema({"type": "string", "format": "byte"})]
"""OpenAPI ``format: byte`` (a Secret's ``data``): the base64 text as sent; see
``decode_base64``/``encode_base64``."""

RawExtension = Annotated[Any, WithJsonSchema({"type": "object"})]
"""runtime.RawExtension: an embedded object of any kind, kept as the decoded JSON value.

The schema says ``object``, but Go's RawExtension holds whatever raw JSON it was given, so any
JSON value is accepted rather than refusing a server's reply."""


# --- Time -----------------------------------------------------------------------------------

# RFC 3339 as Go's time.Parse(time.RFC3339, ...) accepts it: upper-case "T" and "Z", optional
# fractional seconds, a numeric offset with a colon.
_TIME_RE = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:(Z)|([+-])(\d{2}):(\d{2}))",
    re.ASCII,
)


def parse_time(text: str) -> datetime:
    """Read a ``Time`` or ``MicroTime`` value as an aware ``datetime`` in UTC.

    Accepts ``Z`` or a ``+hh:mm``/``-hh:mm`` offset and any number of fractional-second digits
    (beyond six, the rest are dropped, as Python keeps microseconds).

    Raises:
        ValueError: ``text`` is not an RFC 3339 date-time (the message quotes it).
    """
    match = _TIME_RE.fullmatch(text)
    if match is None:
        raise ValueError(f"not an RFC 3339 time: {text!r}")
    year, month, day, hour, minute, second, fraction, zulu, sign, off_h, off_m = match.groups()
    micro = int((fraction or "")[:6].ljust(6, "0"))
    try:
        if zulu:
            tz = timezone.utc
        else:
            if int(off_h) > 23 or int(off_m) > 59:
                raise ValueError("offset out of range")
            offset = timedelta(hours=int(off_h), minutes=int(off_m))
            tz = timezone(-offset if sign == "-" else offset)
        value = datetime(
            int(year), int(month), int(day), int(hour), int(minute), int(second), micro, tz
        )
        return value.astimezone(timezone.utc)
    except (ValueError, OverflowError) as exc:
        raise ValueError(f"not a valid RFC 3339 time: {text!r} ({exc})") from None


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(
            "refusing a naive datetime: the API's times are instants, and a datetime without a"
            " time zone does not say which one (give it a tzinfo, e.g. datetime.now(timezone.utc))"
        )
    return value.astimezone(timezone.utc)


def format_time(value: datetime) -> str:
    """Write ``value`` as the API writes a ``Time``: UTC, whole seconds, ``Z``.

    Fractional seconds are dropped (truncated, as Go's formatting does).

    Raises:
        ValueError: ``value`` is naive (no time zone), so the instant it names is unknown.
        OverflowError: ``value`` converted to UTC falls outside the years 1 to 9999.
    """
    v = _utc(value)
    return f"{v.year:04d}-{v.month:02d}-{v.day:02d}T{v.hour:02d}:{v.minute:02d}:{v.second:02d}Z"


def format_micro_time(value: datetime) -> str:
    """Write ``value`` as the API writes a ``MicroTime``: UTC, six fractional digits, ``Z``.

    Raises:
        ValueError: ``value`` is naive (no time zone), so the instant it names is unknown.
        OverflowError: ``value`` converted to UTC falls outside the years 1 to 9999.
    """
    v = _utc(value)
    return (
        f"{v.year:04d}-{v.month:02d}-{v.day:02d}T{v.hour:02d}:{v.minute:02d}:{v.second:02d}"
        f".{v.microsecond:06d}Z"
    )


# --- Quantity -------------------------------------------------------------------------------

_QUANTITY_RE = re.compile(
    r"([+-]?)([0-9]*)(?:\.([0-9]*))?"  # sign, integer digits, fraction digits
    r"(?:[eE]([+-]?[0-9]+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?)",  # exponent or suffix
)
_BINARY = {"Ki": 1, "Mi": 2, "Gi": 3, "Ti": 4, "Pi": 5, "Ei": 6}
_DECIMAL = {"n": -9, "u": -6, "m": -3, None: 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}


def parse_quantity(text: str) -> Decimal:
    """The exact value of a ``Quantity``: ``"1.5Gi"`` -> ``1610612736``, ``"100m"`` -> ``0.1``.

    Follows the API's grammar: an optional sign, digits with an optional point (``"5."`` and
    ``".5"`` are numbers), then a binary suffix (Ki Mi Gi Ti Pi Ei), a decimal suffix
    (n u m k M G T P E) or an exponent (``e3``, ``E-3``). The value is exact, not the server's
    canonical form (which rounds up to milli-units: ``"0.1m"`` is stored as ``"1m"``).

    Raises:
        ValueError: ``text`` is not a quantity (the message quotes it).
    """
    match = _QUANTITY_RE.fullmatch(text)
    if match is None:
        raise ValueError(f"not a Kubernetes quantity: {text!r}")
    sign, whole, fraction, exponent, suffix = match.groups()
    fraction = fraction or ""
    if not whole and not fraction:
        raise ValueError(f"not a Kubernetes quantity: {text!r} (no digits before the suffix)")
    try:
        mantissa = int(whole + fraction or "0")
        scale = -len(fraction)
        if exponent is not None:
            scale += int(exponent)
        elif suffix in _BINARY:
            mantissa *= 1024 ** _BINARY[suffix]
        else:
            scale += _DECIMAL[suffix]
        # Built from text, a Decimal is exact: no context precision applies.
        return Decimal(f"{sign}{mantissa}E{scale}")
    except (ValueError, InvalidOperation):  # more digits than int() reads, or beyond Decimal
        raise ValueError(f"quantity out of range: {text!r}") from None


def quantity_equal(a: str, b: str) -> bool:
    """Whether two quantities have the same exact value: ``"1Gi"`` and ``"1073741824"`` do.

    Raises:
        ValueError: either is not a quantity.
    """
    return parse_quantity(a) == parse_quantity(b)


# --- Base64 ---------------------------------------------------------------------------------

_BASE64_RE = re.compile(r"[A-Za-z0-9+/]*={0,2}")
_BASE64_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=")


def decode_base64(text: str) -> bytes:
    """Decode standard (padded) base64, as the API reads a ``format: byte`` field.

    Line breaks are ignored, as Go's decoder ignores them. Error messages never quote the text:
    it may be a Secret's value.

    Raises:
        ValueError: ``text`` is not standard padded base64.
    """
    compact = text.replace("\r", "").replace("\n", "")
    if not _BASE64_RE.fullmatch(compact):
        for position, char in enumerate(compact):
            if char not in _BASE64_CHARS:
                raise ValueError(
                    f"not valid base64: character {position} is outside the standard alphabet"
                    " (A-Z a-z 0-9 + / and = padding)"
                )
        raise ValueError("not valid base64: '=' padding is misplaced or longer than 2")
    if len(compact) % 4:
        raise ValueError(
            f"not valid base64: {len(compact)} characters is not a multiple of 4 (missing padding?)"
        )
    try:
        return base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("not valid base64") from None


def encode_base64(data: bytes) -> str:
    """Encode ``data`` as standard padded base64, as the API writes a ``format: byte`` field."""
    return base64.b64encode(data).decode("ascii")

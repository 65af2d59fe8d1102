"""Tests for rawkube.models._types: the API's special value types and their helpers."""

from __future__ import annotations

import base64
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ConfigDict, ValidationError

from rawkube.models import _types
from rawkube.models._types import (
    Base64,
    IntOrString,
    MicroTime,
    Quantity,
    RawExtension,
    Time,
    decode_base64,
    encode_base64,
    format_micro_time,
    format_time,
    parse_quantity,
    parse_time,
    quantity_equal,
)

# --- Models using the types, shaped like generated ones ---------------------------------------


class Container(BaseModel):
    model_config = ConfigDict(extra="allow")

    limits: dict[str, Quantity] | None = None
    port: IntOrString | None = None


class Thing(BaseModel):
    model_config = ConfigDict(extra="allow")

    created: Time | None = None
    renewed: MicroTime | None = None
    data: dict[str, Base64] | None = None
    raw: RawExtension | None = None
    quantity: Quantity | None = None
    containers: list[Container] | None = None


def _function_schemas(schema: Any) -> list[str]:
    """Every core-schema node that would call Python per value (function-* validators)."""
    found: list[str] = []
    if isinstance(schema, dict):
        kind = schema.get("type")
        if isinstance(kind, str) and kind.startswith("function"):
            found.append(kind)
        for key, value in schema.items():
            if key != "metadata":
                found.extend(_function_schemas(value))
    elif isinstance(schema, list):
        for item in schema:
            found.extend(_function_schemas(item))
    return found


def test_all_is_sorted_and_complete() -> None:
    assert _types.__all__ == sorted(_types.__all__)
    assert set(_types.__all__) == {
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
    }


# --- Zero decode overhead -------------------------------------------------------------------


def test_types_add_no_python_validator_to_the_schema() -> None:
    assert _function_schemas(Thing.__pydantic_core_schema__) == []
    assert _function_schemas(Container.__pydantic_core_schema__) == []


def test_decoded_values_are_plain_builtins() -> None:
    body = (
        b'{"created": "2026-11-27T13:00:38Z", "renewed": "2026-11-27T13:00:38.123456Z",'
        b' "data": {"k": "aGVsbG8="}, "quantity": "1Gi", "raw": {"kind": "X"},'
        b' "containers": [{"limits": {"cpu": "500m", "memory": "1Gi"}, "port": 8080},'
        b' {"port": "http"}]}'
    )
    thing = Thing.model_validate_json(body)
    assert type(thing.created) is str
    assert type(thing.renewed) is str
    assert thing.data is not None
    assert type(thing.data["k"]) is str
    assert type(thing.quantity) is str
    assert type(thing.raw) is dict
    assert thing.containers is not None
    assert thing.containers[0].limits is not None
    assert type(thing.containers[0].limits["cpu"]) is str
    assert type(thing.containers[0].port) is int
    assert type(thing.containers[1].port) is str


# --- Exact round trip -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        b'{"created":"2026-11-27T13:00:38Z"}',
        b'{"renewed":"2026-11-27T13:00:38.123456Z"}',
        b'{"created":"2026-11-27T13:00:38+02:00","renewed":"2026-11-27T13:00:38.100000Z"}',
        b'{"quantity":"1.50Gi","containers":[{"limits":{"cpu":"0.5","memory":"1e3"}}]}',
        b'{"data":{"a":"aGVsbG8="},"raw":{"kind":"Pod","spec":{"x":[1,null]}}}',
        b'{"containers":[{"port":8080},{"port":"8080"},{"port":"50%"}]}',
    ],
)
def test_dump_returns_the_text_byte_for_byte(body: bytes) -> None:
    thing = Thing.model_validate_json(body)
    assert thing.model_dump_json(exclude_unset=True).encode() == body


def test_int_or_string_keeps_the_json_type() -> None:
    ports = [
        c.port
        for c in Thing.model_validate_json(
            b'{"containers":[{"port":8080},{"port":"8080"},{"port":"50%"}]}'
        ).containers
        or []
    ]
    assert ports == [8080, "8080", "50%"]
    assert [type(p) for p in ports] == [int, str, str]
    assert Container(port=8080).port == 8080
    assert Container(port="8080").port == "8080"


def test_quantity_accepts_a_number_from_a_manifest() -> None:
    # The API allows a JSON number for a quantity ("cpu: 2" in YAML); it becomes its text.
    c = Container.model_validate({"limits": {"cpu": 2, "memory": 0.5}})
    assert c.limits == {"cpu": "2", "memory": "0.5"}
    assert Container.model_validate_json(b'{"limits":{"cpu":2}}').limits == {"cpu": "2"}


def test_string_types_refuse_other_json_types() -> None:
    with pytest.raises(ValidationError):
        Thing.model_validate_json(b'{"created": 5}')
    with pytest.raises(ValidationError):
        Thing.model_validate_json(b'{"containers": [{"port": [1]}]}')


def test_raw_extension_keeps_any_json_value() -> None:
    assert Thing.model_validate_json(b'{"raw": [1, "a"]}').raw == [1, "a"]
    assert Thing.model_validate_json(b'{"raw": "text"}').raw == "text"


def test_json_schema_formats() -> None:
    props = Thing.model_json_schema()["properties"]
    assert {"type": "string", "format": "date-time"} in props["created"]["anyOf"]
    assert props["data"]["anyOf"][0]["additionalProperties"] == {"type": "string", "format": "byte"}


# --- Quantity -------------------------------------------------------------------------------

QUANTITIES = [
    ("0", Decimal(0)),
    ("-1", Decimal(-1)),
    ("+1", Decimal(1)),
    ("1", Decimal(1)),
    ("128974848", Decimal(128974848)),
    ("1Ki", Decimal(1024)),
    ("1Mi", Decimal(1024**2)),
    ("1Gi", Decimal(1024**3)),
    ("1Ti", Decimal(1024**4)),
    ("1Pi", Decimal(1024**5)),
    ("1Ei", Decimal(1024**6)),
    ("1.5Gi", Decimal(1610612736)),
    ("1536Mi", Decimal(1610612736)),
    ("1n", Decimal("1e-9")),
    ("1u", Decimal("1e-6")),
    ("1m", Decimal("0.001")),
    ("100m", Decimal("0.1")),
    ("500m", Decimal("0.5")),
    ("1k", Decimal(1000)),
    ("129M", Decimal(129_000_000)),
    ("1G", Decimal(10**9)),
    ("1T", Decimal(10**12)),
    ("1P", Decimal(10**15)),
    ("1E", Decimal(10**18)),
    ("1e3", Decimal(1000)),
    ("1E3", Decimal(1000)),
    ("1e+3", Decimal(1000)),
    ("1e-3", Decimal("0.001")),
    ("12e6", Decimal(12_000_000)),
    ("0.5", Decimal("0.5")),
    (".5", Decimal("0.5")),
    ("5.", Decimal(5)),
    ("-.5Ki", Decimal(-512)),
    ("007", Decimal(7)),
    ("123456789012345678901234567890Ei", Decimal(123456789012345678901234567890 * 1024**6)),
]


@pytest.mark.parametrize(("text", "value"), QUANTITIES)
def test_parse_quantity_table(text: str, value: Decimal) -> None:
    assert parse_quantity(text) == value


@pytest.mark.parametrize(
    "text",
    [
        "",
        "1.2.3",
        "1Xi",
        "Gi",
        "1 Gi",
        "e3",
        ".",
        "+",
        "-Ki",
        "1e",
        "1K",
        "1ki",
        "1e1.5",
        " 1",
        "1\n",
        "\u0661",  # an Arabic-Indic digit one
    ],
)
def test_parse_quantity_refuses_and_names_the_text(text: str) -> None:
    with pytest.raises(ValueError, match="quantity") as info:
        parse_quantity(text)
    assert repr(text) in str(info.value)


def test_parse_quantity_out_of_range_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="out of range"):
        parse_quantity("1e" + "9" * 40)


@pytest.mark.parametrize(
    ("a", "b", "equal"),
    [
        ("1Gi", "1073741824", True),
        ("1000m", "1", True),
        ("1e3", "1k", True),
        ("1.5Gi", "1536Mi", True),
        ("0.5", "500m", True),
        ("1G", "1Gi", False),
        ("1", "1001m", False),
    ],
)
def test_quantity_equal(a: str, b: str, equal: bool) -> None:
    assert quantity_equal(a, b) is equal


def test_quantity_equal_refuses_a_bad_quantity() -> None:
    with pytest.raises(ValueError, match="1Xi"):
        quantity_equal("1", "1Xi")


@given(st.decimals(allow_nan=False, allow_infinity=False))
def test_parse_quantity_reads_decimal_text(d: Decimal) -> None:
    assert parse_quantity(str(d)) == d


@given(st.integers(min_value=-(10**30), max_value=10**30), st.sampled_from(range(1, 7)))
def test_parse_quantity_binary_suffix(n: int, k: int) -> None:
    suffix = ["Ki", "Mi", "Gi", "Ti", "Pi", "Ei"][k - 1]
    assert parse_quantity(f"{n}{suffix}") == n * 1024**k


# --- Time -----------------------------------------------------------------------------------

UTC = timezone.utc


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("2026-11-27T13:00:38Z", datetime(2026, 11, 27, 13, 0, 38, tzinfo=UTC)),
        ("2026-11-27T13:00:38.123456Z", datetime(2026, 11, 27, 13, 0, 38, 123456, tzinfo=UTC)),
        ("2026-11-27T13:00:38.5Z", datetime(2026, 11, 27, 13, 0, 38, 500000, tzinfo=UTC)),
        ("2026-11-27T13:00:38.123456789Z", datetime(2026, 11, 27, 13, 0, 38, 123456, tzinfo=UTC)),
        ("2026-11-27T15:30:38+02:30", datetime(2026, 11, 27, 13, 0, 38, tzinfo=UTC)),
        ("2026-11-27T08:00:38-05:00", datetime(2026, 11, 27, 13, 0, 38, tzinfo=UTC)),
    ],
)
def test_parse_time(text: str, value: datetime) -> None:
    parsed = parse_time(text)
    assert parsed == value
    assert parsed.tzinfo is UTC


@pytest.mark.parametrize(
    "text",
    [
        "",
        "2026-11-27",
        "2026-11-27 13:00:38Z",
        "2026-11-27T13:00:38",
        "2026-11-27t13:00:38z",
        "2026-13-27T13:00:38Z",
        "2026-11-27T25:00:38Z",
        "2026-11-27T13:00:38+0200",
        "2026-11-27T13:00:38+24:00",
        "0001-01-01T00:00:00+01:00",
        "2026-11-27T13:00:38Z ",
    ],
)
def test_parse_time_refuses_and_names_the_text(text: str) -> None:
    with pytest.raises(ValueError, match="RFC 3339") as info:
        parse_time(text)
    assert repr(text) in str(info.value)


def test_format_time_and_micro_time() -> None:
    value = datetime(2026, 11, 27, 15, 0, 38, 123456, tzinfo=timezone(timedelta(hours=2)))
    assert format_time(value) == "2026-11-27T13:00:38Z"
    assert format_micro_time(value) == "2026-11-27T13:00:38.123456Z"
    assert format_micro_time(value.replace(microsecond=0)) == "2026-11-27T13:00:38.000000Z"
    assert format_time(datetime(5, 1, 2, 3, 4, 5, tzinfo=UTC)) == "0005-01-02T03:04:05Z"


@pytest.mark.parametrize("fmt", [format_time, format_micro_time])
def test_format_refuses_naive_datetimes(fmt: Any) -> None:
    with pytest.raises(ValueError, match="naive datetime"):
        fmt(datetime(2026, 11, 27, 13, 0, 38))


_offsets = st.integers(min_value=-(23 * 60 + 59), max_value=23 * 60 + 59).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)
_aware = st.datetimes(min_value=datetime(2, 1, 1), max_value=datetime(9998, 12, 31)).flatmap(
    lambda d: _offsets.map(lambda tz: d.replace(tzinfo=tz))
)


@given(_aware)
def test_time_round_trips_at_second_precision(value: datetime) -> None:
    text = format_time(value)
    assert parse_time(text) == value.replace(microsecond=0)
    assert format_time(parse_time(text)) == text


@given(_aware)
def test_micro_time_round_trips_microseconds(value: datetime) -> None:
    text = format_micro_time(value)
    assert parse_time(text) == value
    assert format_micro_time(parse_time(text)) == text


# --- Base64 ---------------------------------------------------------------------------------


@given(st.binary())
def test_base64_round_trip(data: bytes) -> None:
    text = encode_base64(data)
    assert text == base64.b64encode(data).decode()
    assert decode_base64(text) == data


def test_decode_base64_ignores_line_breaks() -> None:
    assert decode_base64("aGVs\r\nbG8=\n") == b"hello"


@pytest.mark.parametrize(
    "text",
    [
        "aGVsbG8",  # missing padding
        "aGVsbG8==",  # too much padding
        "aGV=sbG8",  # padding inside
        "aGVs bG8=",  # space
        "aGVs-bG8",  # url-safe alphabet
        "c2VjcmV0LXBhc3N3b3Jk!",
        "A===",
        "sëcret==",
        "c2VjcmV0x",
    ],
)
def test_decode_base64_errors_never_contain_the_input(text: str) -> None:
    with pytest.raises(ValueError, match="not valid base64") as info:
        decode_base64(text)
    message = str(info.value)
    assert text not in message
    assert text.strip("=") not in message
    # No chained exception carries the text into a traceback either.
    assert info.value.__cause__ is None
    assert info.value.__context__ is None or info.value.__suppress_context__

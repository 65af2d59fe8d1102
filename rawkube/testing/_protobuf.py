"""Protobuf request bodies (``application/vnd.kubernetes.protobuf``) read into the fake's JSON.

kubectl's typed commands (``create namespace|configmap|deployment|...``, ``auth can-i``) send
built-in objects as protobuf. A body is the magic ``k8s\\0``, then a ``runtime.Unknown``
(``typeMeta`` with apiVersion and kind, ``raw`` with the object's own message, ``contentType``
and ``contentEncoding``, which the server does not look at either). The object's message is read
by the field facts in ``_protobuf.json`` (``scripts/gen_protobuf_facts.py``) into the JSON the
server would write for it: JSON names, embedded structs inlined, times, quantities,
int-or-strings, durations and raw JSON in their JSON forms, bytes in base64.

The reader is gogo-protobuf's generated ``Unmarshal`` written again: the same checks in the same
order, and the same messages (with Go field names guessed from the JSON names), so a malformed
body is the server's 400. Unknown field numbers and groups are skipped as proto2 does. What the
wire cannot say, JSON decides as Go would (``scripts/gen_protobuf_facts.py`` says how a zero is
kept or dropped).

The work is bounded: the body is at most 3 MiB (the caller's check), each byte is read once,
and objects nest at most :data:`~rawkube.testing._decode.MAX_DEPTH` levels, as for JSON.
"""

from __future__ import annotations

import base64
import functools
import json
import struct
from collections.abc import Callable, Mapping
from importlib import resources as package_files
from typing import TYPE_CHECKING, Any, NamedTuple

from rawkube.testing._decode import MAX_DEPTH, BodyError, decode_json, depth
from rawkube.testing._errors import FakeApiError, Undecodable, bad_request

if TYPE_CHECKING:
    from rawkube.testing._catalog import ResourceType

__all__ = ["MAGIC", "PROTOBUF", "ProtobufError", "body_reader", "decode_protobuf", "known_kind"]

PROTOBUF = "application/vnd.kubernetes.protobuf"
MAGIC = b"k8s\x00"

_UNKNOWN = "apimachinery.pkg.runtime.Unknown"
_MASK64 = (1 << 64) - 1
_SCHEME = "pkg/api/legacyscheme/scheme.go:30"  # the scheme every built-in kind is registered in


class ProtobufError(BodyError):
    """A protobuf body the server's decoder refuses.

    ``kind`` and ``version`` are the envelope's (defaulted from the URL) once it was read: the
    server then says "<Kind> in version <v> cannot be handled as ..."; before, they are None and
    it says "the object provided is unrecognized".
    """

    def __init__(self, message: str, kind: str | None = None, version: str | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.version = version


class _Fail(Exception):
    """A decode error inside a message; becomes a :class:`ProtobufError` at the top."""


class _Field(NamedTuple):
    json: str  # "" for an embedded struct whose fields JSON inlines
    label: str  # "o" optional, "r" repeated, "m" map from string
    type: str  # a scalar's proto type, or a message name
    keep: bool  # a zero scalar shows in JSON
    go: str  # the name gogo's errors give the field


class _Message(NamedTuple):
    name: str  # as gogo's errors name it: the Go type
    fields: dict[int, _Field]
    order: dict[str, int]  # JSON names (embedded structs' included) in declaration order


@functools.cache
def _document() -> dict[str, Any]:
    text = package_files.files("rawkube.testing").joinpath("_protobuf.json").read_text("utf-8")
    document: dict[str, Any] = json.loads(text)
    return document


@functools.cache
def _message(name: str) -> _Message:
    fields: dict[int, _Field] = {}
    for number, json_name, label, kind, keep in _document()["messages"][name]:
        go = (json_name or kind.rsplit(".", 1)[-1]).lstrip("$")
        fields[number] = _Field(json_name, label, kind, bool(keep), go[:1].upper() + go[1:])
    order: dict[str, int] = {}
    for entry in _document()["messages"][name]:
        json_name, kind = entry[1], entry[3]
        for inner in _message(kind).order if json_name == "" else (json_name,):
            order.setdefault(inner, len(order))
    return _Message(name.rsplit(".", 1)[-1], fields, order)


# Where a write to a pod's subresource decodes another kind than the catalog says.
_POD_SUBRESOURCES = {"eviction": ("policy/v1", "Eviction"), "binding": ("v1", "Binding")}


def body_reader(resource: ResourceType, subresource: str | None) -> Callable[[bytes], Any]:
    """How the server reads a protobuf body written to ``resource`` (or its ``subresource``).

    The reader returns the object as JSON, or raises the server's 400 (a
    :class:`~rawkube.testing._errors.FakeApiError`) for a body it cannot decode: "the object
    provided is unrecognized" before the envelope is read, "<Kind> in version <v> cannot be
    handled as a <kind>" after.
    """
    into_version, into = resource.api_version, resource.kind
    sub = resource.subresources.get(subresource or "")
    if sub is not None:
        into_version = f"{sub.group}/{sub.version}" if sub.group else sub.version
        into = sub.kind
    elif subresource in _POD_SUBRESOURCES:
        into_version, into = _POD_SUBRESOURCES[subresource]

    def read(data: bytes) -> Any:
        try:
            return decode_protobuf(data, into_version, into)
        except ProtobufError as exc:
            raise _refusal(exc, into, data) from None

    return read


def _refusal(exc: ProtobufError, into: str, data: bytes) -> FakeApiError:
    """The create or update handler's 400 for a body it cannot decode (transformDecodeError)."""
    if exc.kind is None:
        return bad_request(
            f"the object provided is unrecognized (must be of type {into}): {exc} "
            f"({_summary(data)})"
        )
    return Undecodable(
        f'{exc.kind} in version "{exc.version}" cannot be handled as a {into}: {exc}', str(exc)
    )


def _summary(data: bytes, limit: int = 30) -> str:
    """apiserver's summarizeData: its first bytes in hex (text for what looks like JSON)."""
    if not data:
        return "<empty>"
    shown = data[:limit]
    text = shown.decode("utf-8", "replace") if data[:1] == b"{" else shown.hex()
    return f"{text} ..." if len(data) > limit else text


def known_kind(api_version: str, kind: str) -> bool:
    """Whether a protobuf body may carry this kind (every built-in kind does)."""
    return f"{api_version} {kind}" in _document()["kinds"]


def decode_protobuf(data: bytes, api_version: str, kind: str) -> dict[str, Any]:
    """The object a protobuf body carries, as the JSON the server would write for it.

    ``api_version`` and ``kind`` are the URL's: they fill what the envelope leaves out, as the
    server's decoder defaults them.

    Raises:
        ProtobufError: the server's decode error (a 400), or the fake's nesting limit.
    """
    if not data:
        raise ProtobufError("empty data")
    if not data.startswith(MAGIC):
        expected = " ".join(str(byte) for byte in MAGIC)
        raise ProtobufError(
            f"provided data does not appear to be a protobuf message, expected prefix [{expected}]"
        )
    if len(data) == len(MAGIC):
        raise ProtobufError("empty body")
    body = memoryview(data)[len(MAGIC) :]
    try:
        envelope = _Reader(body).read(_UNKNOWN, 0, len(body), 0)
    except _Fail as exc:
        raise ProtobufError(str(exc)) from None
    type_meta = envelope.get("typeMeta") or {}
    sent_version = type_meta.get("apiVersion") or ""
    sent_kind = type_meta.get("kind") or kind
    if not sent_version:
        sent_version = api_version  # copyKindDefaults: version and group together
    version = sent_version.rpartition("/")[2]
    message = _document()["kinds"].get(f"{sent_version} {sent_kind}")
    if message is None:
        raise ProtobufError(
            f'no kind "{sent_kind}" is registered for version "{sent_version}" in scheme '
            f'"{_SCHEME}"',
            sent_kind,
            version,
        )
    raw = envelope.get("raw", "")
    content = base64.b64decode(raw) if raw else b""
    try:
        obj = _Reader(memoryview(content)).read(message, 0, len(content), 1)
    except _Fail as exc:
        raise ProtobufError(str(exc), sent_kind, version) from None
    except RecursionError:  # only below MAX_DEPTH on a very deep stack: refuse all the same
        raise ProtobufError(_too_deep(), sent_kind, version) from None
    return {"kind": sent_kind, "apiVersion": sent_version, **obj}


class _Reader:
    """Reads one buffer's messages; ``depth`` counts JSON levels, as ``_decode`` does."""

    def __init__(self, data: memoryview) -> None:
        self.data = data

    # --- the wire -----------------------------------------------------------------------------

    def varint(self, pos: int, end: int) -> tuple[int, int]:
        """An unsigned 64-bit varint, as gogo reads one: overflow past 10 bytes, EOF at ``end``."""
        data = self.data
        if pos < end and data[pos] < 0x80:  # one byte: most tags and lengths
            return data[pos], pos + 1
        result = shift = 0
        while True:
            if shift >= 64:
                raise _Fail("proto: integer overflow")
            if pos >= end:
                raise _Fail("unexpected EOF")
            byte = data[pos]
            pos += 1
            result |= (byte & 0x7F) << shift
            if byte < 0x80:
                return result & _MASK64, pos
            shift += 7

    def length(self, pos: int, end: int) -> tuple[int, int]:
        """A length-delimited field's bounds (start, stop), checked as gogo checks them."""
        size, pos = self.varint(pos, end)
        if size >> 63:  # negative as Go's int
            raise _Fail("proto: negative length found during unmarshaling")
        stop = pos + size
        if stop > end:
            raise _Fail("unexpected EOF")
        return pos, stop

    def skip(self, pos: int, end: int) -> int:
        """Past one unknown field starting at its tag (gogo's skipGenerated), groups included."""
        nested = 0
        while pos < end:
            wire, pos = self.varint(pos, end)
            wire_type = wire & 7
            if wire_type == 0:
                _, pos = self.varint(pos, end)
            elif wire_type == 1:
                pos += 8
            elif wire_type == 2:
                size, pos = self.varint(pos, end)
                if _signed(size, 64) < 0:
                    raise _Fail("proto: negative length found during unmarshaling")
                pos += size
            elif wire_type == 3:
                nested += 1
            elif wire_type == 4:
                if nested == 0:
                    raise _Fail("proto: unexpected end of group")
                nested -= 1
            elif wire_type == 5:
                pos += 4
            else:
                raise _Fail(f"proto: illegal wireType {wire_type}")
            if nested == 0:
                if pos > end:
                    raise _Fail("unexpected EOF")
                return pos
        raise _Fail("unexpected EOF")

    # --- messages -----------------------------------------------------------------------------

    def read(self, name: str, pos: int, end: int, level: int) -> dict[str, Any]:
        """The message ``name`` in ``data[pos:end]`` as JSON, at JSON depth ``level``."""
        if level > MAX_DEPTH:
            raise _Fail(_too_deep())
        out: dict[str, Any] = {}
        self.fill(name, out, pos, end, level)
        order = _message(name).order
        if len(out) > 1 and list(out) != sorted(out, key=lambda k: order.get(k, len(order))):
            out = {k: out[k] for k in sorted(out, key=lambda k: order.get(k, len(order)))}
        return out

    def fill(self, name: str, out: dict[str, Any], pos: int, end: int, level: int) -> None:
        """Reads ``data[pos:end]`` as the message ``name`` into ``out`` (a merge, as proto's)."""
        message = _message(name)
        while pos < end:
            start = pos
            wire, pos = self.varint(pos, end)
            number = wire >> 3 if wire < 1 << 34 else _signed(wire >> 3, 32)  # Go's int32(...)
            wire_type = wire & 7
            if wire_type == 4:
                raise _Fail(f"proto: {message.name}: wiretype end group for non-group")
            if number <= 0:
                raise _Fail(f"proto: {message.name}: illegal tag {number} (wire type {wire_type})")
            field = message.fields.get(number)
            if field is None:
                pos = self.skip(start, end)
                continue
            pos = self.field(field, wire_type, out, pos, end, level)

    def field(
        self, field: _Field, wire_type: int, out: dict[str, Any], pos: int, end: int, level: int
    ) -> int:
        """Reads one occurrence of ``field`` into ``out``; the position after it."""
        kind = field.type
        if field.label == "r" and kind in _PACKABLE and wire_type == 2:
            start, stop = self.length(pos, end)  # a packed run of numbers
            items = out.setdefault(field.json, [])
            while start < stop:
                number, start = self.scalar(kind, start, stop)
                items.append(number)
            return stop
        expected = 2 if field.label == "m" else _WIRE_TYPES.get(kind, 2)
        if wire_type != expected:
            raise _Fail(f"proto: wrong wireType = {wire_type} for field {field.go}")
        if field.label == "m":
            start, stop = self.length(pos, end)
            entries = out.get(field.json)
            if not isinstance(entries, dict):
                entries = out[field.json] = {}
            key, entry = self.entry(kind, start, stop, level + 1)
            entries[key] = entry
            return stop
        if kind in _WIRE_TYPES:
            return self.scalar_field(field, out, pos, end)
        start, stop = self.length(pos, end)
        if field.label == "r":
            value = self.value(kind, start, stop, level + 2)
            out.setdefault(field.json, []).append(None if value is _NULL else value)
        elif field.json == "":
            self.fill(kind, out, start, stop, level)  # an embedded struct: its fields are ours
        else:
            value = self.value(kind, start, stop, level + 1)
            previous = out.get(field.json)
            if isinstance(previous, dict) and isinstance(value, dict) and kind not in _special():
                _merge(previous, value)  # a message seen twice is merged, as proto merges it
            elif value is _NULL:
                out.pop(field.json, None)
            else:
                out[field.json] = value
        return stop

    def scalar_field(self, field: _Field, out: dict[str, Any], pos: int, end: int) -> int:
        """A string, bytes, number or bool into ``out``; a zero only where JSON shows one."""
        value: Any
        if field.type in ("string", "bytes"):
            start, pos = self.length(pos, end)
            value = self.text(field.type, start, pos)
        else:
            value, pos = self.scalar(field.type, pos, end)
        if field.label == "r":
            out.setdefault(field.json, []).append(value)
        elif field.keep or value:
            out[field.json] = value
        else:
            out.pop(field.json, None)  # the last occurrence wins, and its zero is no value
        return pos

    def value(self, kind: str, start: int, stop: int, level: int) -> Any:
        """A message's JSON: an object, or its own form for the special types."""
        special = _special().get(kind)
        if special is None:
            return self.read(kind, start, stop, level)
        if level > MAX_DEPTH:
            raise _Fail(_too_deep())
        fields = self.read(kind, start, stop, level)
        return _SPECIAL[special](self, fields, stop - start, level)

    def entry(self, kind: str, start: int, stop: int, level: int) -> tuple[str, Any]:
        """One map entry (key 1, value 2); a missing part is its zero, as in Go."""
        key = ""
        value: Any = _MISSING
        pos = start
        while pos < stop:
            begin = pos
            wire, pos = self.varint(pos, stop)
            number, wire_type = _signed(wire >> 3, 32), wire & 7
            if number == 1:
                if wire_type != 2:
                    raise _Fail(f"proto: wrong wireType = {wire_type} for field Key")
                first, pos = self.length(pos, stop)
                key = self.text("string", first, pos)
            elif number == 2:
                if wire_type != _WIRE_TYPES.get(kind, 2):
                    raise _Fail(f"proto: wrong wireType = {wire_type} for field Value")
                if kind in ("string", "bytes"):
                    first, pos = self.length(pos, stop)
                    value = self.text(kind, first, pos)
                elif kind in _WIRE_TYPES:
                    value, pos = self.scalar(kind, pos, stop)
                else:
                    first, pos = self.length(pos, stop)
                    value = self.value(kind, first, pos, level + 1)
            else:
                pos = self.skip(begin, stop)
        if value is _MISSING:
            value = self.zero(kind, level + 1)
        return key, None if value is _NULL else value

    def zero(self, kind: str, level: int) -> Any:
        """The JSON of a map value the entry left out: Go's zero value of its type."""
        if kind in ("string", "bytes"):
            return ""
        if kind == "bool":
            return False
        if kind in _WIRE_TYPES:
            return 0
        return self.value(kind, 0, 0, level)

    def text(self, kind: str, start: int, stop: int) -> str:
        """A string (invalid UTF-8 as U+FFFD, as Go's JSON writes it) or bytes (base64)."""
        chunk = self.data[start:stop]
        if kind == "bytes":
            return base64.b64encode(chunk).decode("ascii")
        return bytes(chunk).decode("utf-8", "replace")

    def scalar(self, kind: str, pos: int, end: int) -> tuple[Any, int]:
        """A varint or fixed-width scalar, wrapped to its Go type's width."""
        if kind == "double":
            if pos + 8 > end:
                raise _Fail("unexpected EOF")
            (number,) = struct.unpack_from("<d", self.data, pos)
            return _json_number(number), pos + 8
        value, pos = self.varint(pos, end)
        if kind == "bool":
            return value != 0, pos
        return _signed(value, 32 if kind == "int32" else 64), pos


def _signed(value: int, bits: int) -> int:
    """``value`` truncated to a two's complement integer of ``bits``, as a Go conversion does."""
    value &= (1 << bits) - 1
    return value - (1 << bits) if value >> (bits - 1) else value


def _json_number(number: float) -> Any:
    """A double as Go's JSON writes it: integral values without a fraction; no NaN or Inf."""
    if number != number or number in (float("inf"), float("-inf")):
        raise _Fail(f"json: unsupported value: {number!r}".replace("nan", "NaN"))
    if number.is_integer() and abs(number) < 1e21:
        return int(number)
    return number


def _merge(into: dict[str, Any], more: dict[str, Any]) -> None:
    """Proto's merge of a message read twice: scalars replaced, lists and maps extended."""
    for key, value in more.items():
        before = into.get(key)
        if isinstance(before, dict) and isinstance(value, dict):
            _merge(before, value)
        elif isinstance(before, list) and isinstance(value, list):
            before.extend(value)
        else:
            into[key] = value


def _too_deep() -> str:
    return (
        f"nested more than {MAX_DEPTH} levels deep: deeper than the fake API server reads "
        "(kube-apiserver reads it all)"
    )


class _Marker:
    """A value that is no JSON value: a null Go leaves out, or a map value not sent."""


_NULL: Any = _Marker()
_MISSING: Any = _Marker()

# The wire type each scalar must come with; every other field is length-delimited (2).
_WIRE_TYPES = {"string": 2, "bytes": 2, "int32": 0, "int64": 0, "bool": 0, "double": 1}
_PACKABLE = ("int32", "int64", "bool", "double")


@functools.cache
def _special() -> Mapping[str, str]:
    special: Mapping[str, str] = _document()["special"]
    return special


# --- the special types: each as its Go type writes its JSON ----------------------------------


def _time(reader: _Reader, fields: dict[str, Any], size: int, level: int) -> Any:
    # metav1.Time: no bytes is the zero time (JSON null); the server keeps whole seconds only.
    if size == 0:
        return _NULL
    return _format_time(fields.get("seconds", 0), 0, micro=False)


def _microtime(reader: _Reader, fields: dict[str, Any], size: int, level: int) -> Any:
    if size == 0:
        return _NULL
    return _format_time(fields.get("seconds", 0), fields.get("nanos", 0), micro=True)


def _duration(reader: _Reader, fields: dict[str, Any], size: int, level: int) -> Any:
    return go_duration(fields.get("duration", 0))


def _quantity(reader: _Reader, fields: dict[str, Any], size: int, level: int) -> Any:
    # The server parses it (and would refuse junk); the fake keeps the text the client wrote,
    # which the shared checks of a JSON body look at as well.
    return fields.get("string", "0")


def _int_or_string(reader: _Reader, fields: dict[str, Any], size: int, level: int) -> Any:
    kind = fields.get("type", 0)
    if kind == 0:
        return fields.get("intVal", 0)
    if kind == 1:
        return fields.get("strVal", "")
    raise _Fail("impossible IntOrString.Type")


def _raw_json(reader: _Reader, fields: dict[str, Any], size: int, level: int) -> Any:
    # RawExtension, FieldsV1, apiextensions JSON: bytes that the server copies into its JSON.
    raw = fields.get("raw", fields.get("Raw", ""))
    if not raw:
        return _NULL
    try:
        value = decode_json(base64.b64decode(raw))
    except BodyError as exc:
        raise _Fail(f"the fake keeps only JSON in a raw field: {exc}") from None
    if level + depth(value) > MAX_DEPTH:
        raise _Fail(_too_deep())
    return value


def _or_array(reader: _Reader, fields: dict[str, Any], size: int, level: int) -> Any:
    # JSONSchemaPropsOrArray: a list when it holds several schemas, else the one schema.
    return fields.get("jSONSchemas") or fields.get("schema", _NULL)


def _or_bool(reader: _Reader, fields: dict[str, Any], size: int, level: int) -> Any:
    return fields["schema"] if "schema" in fields else fields.get("allows", False)


def _or_strings(reader: _Reader, fields: dict[str, Any], size: int, level: int) -> Any:
    return fields.get("property") or fields.get("schema", _NULL)


def _strings(reader: _Reader, fields: dict[str, Any], size: int, level: int) -> Any:
    return fields.get("items", [])


_SPECIAL = {
    "time": _time,
    "microtime": _microtime,
    "duration": _duration,
    "quantity": _quantity,
    "intorstring": _int_or_string,
    "json": _raw_json,
    "orarray": _or_array,
    "orbool": _or_bool,
    "orstrings": _or_strings,
    "strings": _strings,
}


def _format_time(seconds: int, nanos: int, *, micro: bool) -> str:
    """RFC 3339 in UTC as Go writes it, for any int64 seconds (years past 9999 included)."""
    total = seconds * 1_000_000_000 + nanos
    seconds, nanos = divmod(total, 1_000_000_000)
    days, rest = divmod(seconds, 86_400)
    year, month, day = _civil(days)
    hour, rest = divmod(rest, 3600)
    minute, second = divmod(rest, 60)
    sign = "-" if year < 0 else ""
    text = f"{sign}{abs(year):04d}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}"
    if micro:
        text += f".{nanos // 1000:06d}"
    return text + "Z"


def _civil(days: int) -> tuple[int, int, int]:
    """The proleptic Gregorian date ``days`` after 1970-01-01 (Howard Hinnant's algorithm)."""
    days += 719_468
    era = days // 146_097
    day_of_era = days - era * 146_097
    year_of_era = (
        day_of_era - day_of_era // 1460 + day_of_era // 36_524 - day_of_era // 146_096
    ) // 365
    day_of_year = day_of_era - (365 * year_of_era + year_of_era // 4 - year_of_era // 100)
    shifted_month = (5 * day_of_year + 2) // 153
    day = day_of_year - (153 * shifted_month + 2) // 5 + 1
    month = shifted_month + 3 if shifted_month < 10 else shifted_month - 9
    year = year_of_era + era * 400 + (month <= 2)
    return year, month, day


def go_duration(nanoseconds: int) -> str:
    """A ``time.Duration`` as Go's ``String`` writes it: ``1h2m3.5s``, ``1.5ms``, ``0s``."""
    value = _signed(nanoseconds, 64)
    sign = "-" if value < 0 else ""
    size = abs(value)
    if size == 0:
        return "0s"
    if size < 1_000_000_000:
        for unit, scale in (("ns", 1), ("µs", 1_000), ("ms", 1_000_000)):
            if size < scale * 1000:
                return sign + _fraction(size, scale) + unit
    seconds = _fraction(size % 60_000_000_000, 1_000_000_000)
    minutes, hours = (size // 60_000_000_000) % 60, size // 3_600_000_000_000
    if hours:
        return f"{sign}{hours}h{minutes}m{seconds}s"
    if minutes:
        return f"{sign}{minutes}m{seconds}s"
    return f"{sign}{seconds}s"


def _fraction(value: int, scale: int) -> str:
    """``value / scale`` with the fraction's trailing zeros (and a bare point) left out."""
    whole, part = divmod(value, scale)
    if not part:
        return str(whole)
    digits = len(str(scale)) - 1
    return f"{whole}." + f"{part:0{digits}d}".rstrip("0")

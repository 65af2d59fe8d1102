"""Read Kubernetes manifests from YAML the way kubectl reads them, with a safe loader."""

from __future__ import annotations

import contextlib
import functools
import math
import os
import re
import struct
from collections.abc import Callable, Generator, Hashable, Iterator
from typing import IO, TYPE_CHECKING, Any, Protocol, TypeVar

from rawkube.core._exceptions import DecodeError

if TYPE_CHECKING:
    from yaml.nodes import Node

__all__ = ["MAX_YAML_BYTES", "load_yaml_document", "read_documents", "unchained"]

MAX_YAML_BYTES = 64 * 1024 * 1024
"""The largest YAML text read (in bytes, or characters for a ``str``): far above any manifest
stream kubectl is given, far below what would exhaust memory. Alias expansion has its own limit.
"""

_USE_LIBYAML = True
"""Build on libyaml's parser when PyYAML has it; tests turn it off to check the pure one too."""

_TAG = "tag:yaml.org,2002:"

# PyYAML's YAML 1.1 patterns without the base-60 forms: go-yaml never read ``1:30`` as 90, and
# turning text into a number is the one divergence that would silently change a value.
_INT = re.compile(
    r"""^(?:[-+]?0b[0-1_]+
    |[-+]?0[0-7_]+
    |[-+]?(?:0|[1-9][0-9_]*)
    |[-+]?0x[0-9a-fA-F_]+)$""",
    re.X,
)
_FLOAT = re.compile(
    r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?
    |\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?
    |[-+]?\.(?:inf|Inf|INF)
    |\.(?:nan|NaN|NAN))$""",
    re.X,
)
# Timestamps stay text (go-yaml hands them to kubectl as the string written) and ``=`` is plain
# text to go-yaml, while PyYAML tags it ``!!value``, which SafeConstructor cannot build.
_DROPPED_RESOLVERS = {f"{_TAG}timestamp", f"{_TAG}value"}
_REPLACED_RESOLVERS = {f"{_TAG}int": _INT, f"{_TAG}float": _FLOAT}

# go-yaml's guard against alias bombs (decode.go, allowedAliasRatio): past 100 aliased nodes in
# a document of over 1,000, the share of nodes reached through aliases may shrink from 99% to
# 10% as the document grows from 400,000 to 4,000,000 nodes.
_ALIAS_RATIO_LOW = 400_000
_ALIAS_RATIO_HIGH = 4_000_000

# Where an anchor could start: an ``&`` at the start of a token. Matching more (``a &b`` in a
# plain scalar) only costs a walk over the nodes.
_ANCHOR = re.compile(r"(?:^|[\s,\[{:\ufeff])&", re.M)
_LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")
_DOCUMENT_START = re.compile(r"---(?:[ \t]|$)")
# A YAML error may quote the document (an anchor, a character, a tag). Quoted token names such
# as '<block mapping start>' and single punctuation characters say nothing about its content.
_QUOTED = re.compile(r"""\s*(?:'(?!<)[^']{2,}'|"[^"]{2,}")""")


class _Loader(Protocol):
    def check_node(self) -> bool: ...

    def get_node(self) -> Node | None: ...

    def construct_document(self, node: Node) -> Any: ...

    def dispose(self) -> None: ...


def read_documents(
    source: str | bytes | os.PathLike[str] | IO[str] | IO[bytes],
) -> Iterator[tuple[str, Any]]:
    """Each document of a YAML stream (None for an empty one) and where it stands in it.

    ``where`` names the source and the document's 0-based position as written (``"a.yaml:
    document 2"``). What ``source`` may be, how scalars are read and what is refused: as
    :func:`rawkube.load_all_yaml` says, which builds on this. Wrap the reading in
    :func:`unchained` so that no error keeps the text it failed on.
    """
    text, label = _read(source)
    yield from _documents(text, f"{label}: " if label else "", _numbered)


def load_yaml_document(text: str, *, limit: int | None = None) -> Any:
    """The one YAML document of ``text`` (None when it is empty), read as kubectl reads YAML.

    For a file that holds one document, such as a kubeconfig: scalars, tags and aliases are
    read as by :func:`load_all_yaml`, whose limits apply (``limit`` may lower the size one),
    and a second document is refused. Messages name a line and column, never the text.

    Raises:
        DecodeError: the text is too large, not valid YAML, holds more than one document, is
            nested too deeply, or its aliases expand too far.
    """
    documents = _documents(text, "", _unnumbered, limit=limit)
    with unchained(), contextlib.closing(documents):
        first = next(documents, (None, None))[1]
        if next(documents, None) is not None:
            raise DecodeError("holds more than one YAML document")
    return first


@contextlib.contextmanager
def unchained() -> Iterator[None]:
    """Let a DecodeError out without the error it was raised while handling.

    ``raise ... from None`` only hides that error from tracebacks: it stays the
    ``__context__``, and a YAML, Unicode or validation error keeps the text it failed on (a
    snippet of the line, the bytes, the input value), secrets included.
    """
    try:
        yield
    except DecodeError as exc:
        exc.__context__ = None
        raise  # a bare raise sets no new context


def _numbered(index: int) -> str:
    return f"document {index}"


def _unnumbered(index: int) -> str:
    return ""


def _documents(
    text: str, prefix: str, name: Callable[[int], str], *, limit: int | None = None
) -> Generator[tuple[str, Any], None, None]:
    """Each document of ``text``, built as kubectl reads YAML, and the name errors give it.

    ``prefix`` starts every message; ``name`` turns a document's index into its name there.
    """
    cap = MAX_YAML_BYTES if limit is None else min(limit, MAX_YAML_BYTES)
    if len(text) > cap:
        # Characters, not bytes: a text of more characters is surely of more bytes.
        raise DecodeError(f"{prefix}larger than the limit of {_mib(cap)}")
    import yaml  # here, not at the top: `import rawkube` stays light until YAML is read

    libyaml = _USE_LIBYAML and getattr(yaml, "__with_libyaml__", False)
    try:
        loader: _Loader = _loader_class(libyaml)(text)
    except yaml.YAMLError as exc:
        raise _syntax_error(exc, text, prefix, name) from None
    anchors = _ANCHOR.search(text) is not None
    index = 0
    try:
        while True:
            where = prefix + name(index)
            try:
                if not loader.check_node():
                    break
                node = loader.get_node()
            except yaml.YAMLError as exc:
                raise _syntax_error(exc, text, prefix, name) from None
            except RecursionError:
                raise DecodeError(_phrase(where, "is nested too deeply")) from None
            if node is None:
                break
            # Without an anchor there can be no alias: most streams skip the walk over the nodes.
            aliased = anchors and _check_aliases(node, where)
            try:
                document = loader.construct_document(node)
                if aliased:
                    document = _fresh(document)
            except yaml.MarkedYAMLError as exc:
                mark = exc.problem_mark
                line, column = (mark.line, mark.column) if mark is not None else (0, 0)
                problem = _describe(exc.problem, line, column)
                raise DecodeError(_colon(where, problem)) from None
            except RecursionError:
                raise DecodeError(_phrase(where, "is nested too deeply")) from None
            yield where, document
            index += 1
    finally:
        loader.dispose()


def _colon(where: str, problem: str) -> str:
    """``where: problem``, or the problem alone when there is no name (a prefix ends in ': ')."""
    return f"{where}: {problem}" if where and not where.endswith(": ") else where + problem


def _phrase(where: str, phrase: str) -> str:
    """``where is ...``, or the phrase alone when there is no name (a prefix ends in ': ')."""
    return f"{where} {phrase}" if where and not where.endswith(": ") else where + phrase


def _mib(size: int) -> str:
    """A size limit as a message gives it: MiB when it is whole ones, else bytes."""
    mib = 1024 * 1024
    return f"{size // mib} MiB" if size % mib == 0 else f"{size} bytes"


def _read(source: object) -> tuple[str, str]:
    """The text of ``source``, and the path to name in errors (``""`` when there is none)."""
    if isinstance(source, str):
        return source, ""
    if isinstance(source, (bytes, bytearray)):
        return _utf8(_within_limit(bytes(source), ""), ""), ""
    if isinstance(source, os.PathLike):
        label = os.fsdecode(source)
        with open(source, "rb") as file:
            # One byte past the limit is enough to know it is passed: /dev/zero ends here too.
            return _utf8(_within_limit(file.read(MAX_YAML_BYTES + 1), label), label), label
    read = getattr(source, "read", None)
    if callable(read):
        data = read(MAX_YAML_BYTES + 1)
        if isinstance(data, str):
            return _within_limit(data, ""), ""
        if isinstance(data, bytes):
            return _utf8(_within_limit(data, ""), ""), ""
        raise TypeError(f"the file's read() gave {type(data).__name__}, not str or bytes")
    raise TypeError(
        "load_all_yaml() takes YAML text, UTF-8 bytes, a path or a file, "
        f"not {type(source).__name__}"
    )


_Data = TypeVar("_Data", str, bytes)


def _within_limit(data: _Data, label: str) -> _Data:
    if len(data) > MAX_YAML_BYTES:
        prefix = f"{label}: " if label else ""
        raise DecodeError(f"{prefix}larger than the limit of {_mib(MAX_YAML_BYTES)}")
    return data


def _utf8(data: bytes, label: str) -> str:
    try:
        # utf-8-sig: editors on Windows start files with a byte order mark.
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        hint = " (it looks like UTF-16)" if data[:2] in (b"\xff\xfe", b"\xfe\xff") else ""
        prefix = f"{label}: " if label else ""
        raise DecodeError(f"{prefix}not valid UTF-8 at byte {exc.start}{hint}") from None


@functools.cache
def _loader_class(libyaml: bool) -> type[Any]:
    """A safe loader that resolves and builds scalars as go-yaml v2 does for kubectl.

    libyaml's parser asks the Python resolver for every scalar's tag, so the same resolver
    table serves both the C and the pure-Python base.
    """
    import yaml
    from yaml.constructor import ConstructorError
    from yaml.nodes import MappingNode, ScalarNode, SequenceNode

    def refuse(node: Node, problem: str) -> ConstructorError:
        return ConstructorError(None, None, problem, node.start_mark)

    def checked_value(value: Any, node: Node) -> Any:
        if isinstance(value, float) and not math.isfinite(value):
            raise refuse(node, ".nan and .inf cannot be sent as JSON")
        return value

    class Constructor(yaml.constructor.SafeConstructor):
        def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Hashable, Any]:
            if not isinstance(node, MappingNode):
                raise refuse(node, f"expected a mapping, found a {node.id}")
            self.flatten_mapping(node)
            mapping: dict[Hashable, Any] = {}
            for key_node, value_node in node.value:
                key = _key_text(self.construct_object(key_node, deep=deep))
                if key is None:
                    raise refuse(key_node, "a mapping key must be a string, number or boolean")
                mapping[key] = checked_value(
                    self.construct_object(value_node, deep=deep), value_node
                )
            return mapping

        def construct_sequence(self, node: SequenceNode, deep: bool = False) -> list[Any]:
            if not isinstance(node, SequenceNode):
                raise refuse(node, f"expected a sequence, found a {node.id}")
            return [
                checked_value(self.construct_object(child, deep=deep), child)
                for child in node.value
            ]

    def binary(constructor: Constructor, node: Node) -> Any:
        # sigs.k8s.io/yaml does not support !!binary either; kubectl would send the decoded
        # bytes as text, mangling anything that is not UTF-8.
        raise refuse(node, "!!binary is not supported: write the base64 text as a plain string")

    def by_node_kind(constructor: Constructor, node: Node) -> Any:
        # go-yaml ignores tags it does not know: the node is read as if it had none, except
        # that a scalar stays the text it was written as.
        if isinstance(node, ScalarNode):
            return constructor.construct_scalar(node)
        if isinstance(node, SequenceNode):
            return constructor.construct_yaml_seq(node)
        return constructor.construct_yaml_map(node)

    def strict(tag: str) -> Any:
        build = Constructor.yaml_constructors[f"{_TAG}{tag}"]

        def construct(constructor: Constructor, node: Node) -> Any:
            try:
                return build(constructor, node)
            except (ValueError, KeyError, TypeError, OverflowError):
                # Only an explicit tag gets here (``!!int abc``): the resolver gives these
                # tags to text that fits them.
                raise refuse(node, f"the value does not fit its tag !!{tag}") from None

        return construct

    Constructor.yaml_constructors = {
        **Constructor.yaml_constructors,
        **{f"{_TAG}{tag}": strict(tag) for tag in ("bool", "int", "float")},
        f"{_TAG}binary": binary,
        f"{_TAG}timestamp": Constructor.construct_yaml_str,
        f"{_TAG}set": Constructor.construct_yaml_map,
        f"{_TAG}omap": Constructor.construct_yaml_seq,
        f"{_TAG}pairs": Constructor.construct_yaml_seq,
        None: by_node_kind,
    }

    resolvers: dict[Any, list[tuple[str, re.Pattern[str]]]] = {}
    for first, entries in yaml.resolver.Resolver.yaml_implicit_resolvers.items():
        kept = [
            (tag, _REPLACED_RESOLVERS.get(tag, regexp))
            for tag, regexp in entries
            if tag not in _DROPPED_RESOLVERS
        ]
        if kept:
            resolvers[first] = kept
    base = yaml.CSafeLoader if libyaml else yaml.SafeLoader
    return type("KubectlLoader", (Constructor, base), {"yaml_implicit_resolvers": resolvers})


def _key_text(key: object) -> str | None:
    """A mapping key as sigs.k8s.io/yaml turns it into a JSON key, or None if it cannot."""
    if isinstance(key, str):
        return key
    if isinstance(key, bool):
        return "true" if key else "false"
    if isinstance(key, int):
        return str(key)
    if isinstance(key, float):
        return _go_float32(key)
    return None


def _go_float32(value: float) -> str:
    """``value`` as Go's ``strconv.FormatFloat(value, 'g', -1, 32)`` writes it, YAML-spelled."""
    if math.isnan(value):
        return ".nan"
    try:
        single: float = struct.unpack("<f", struct.pack("<f", value))[0]
    except OverflowError:
        single = math.copysign(math.inf, value)
    if math.isinf(single):
        return ".inf" if single > 0 else "-.inf"
    if single == 0:
        return "-0" if math.copysign(1.0, single) < 0 else "0"
    for precision in range(1, 10):
        written = f"{abs(single):.{precision - 1}e}"
        if struct.unpack("<f", struct.pack("<f", float(written)))[0] == abs(single):
            break
    mantissa, _, exponent_text = written.partition("e")
    digits = mantissa.replace(".", "").rstrip("0") or "0"
    exponent = int(exponent_text)
    sign = "-" if single < 0 else ""
    # Go's shortest 'g' switches to an exponent below 1e-4 and from 1e+06 on.
    if exponent < -4 or exponent >= 6:
        fraction = f".{digits[1:]}" if len(digits) > 1 else ""
        return f"{sign}{digits[0]}{fraction}e{'-' if exponent < 0 else '+'}{abs(exponent):02d}"
    point = exponent + 1
    if point <= 0:
        return f"{sign}0.{'0' * -point}{digits}"
    if point >= len(digits):
        return f"{sign}{digits}{'0' * (point - len(digits))}"
    return f"{sign}{digits[:point]}.{digits[point:]}"


def _check_aliases(root: Node, where: str) -> bool:
    """Refuse a recursive or alias-bomb document as go-yaml does; say whether it has aliases.

    Sizes are counted on the node graph, each node once, so a billion laughs costs nothing
    to measure.
    """
    from yaml.nodes import MappingNode, ScalarNode

    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()
    aliased = 0
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, finished = stack.pop()
        key = id(node)
        if finished:
            open_nodes.discard(key)
            if isinstance(node, MappingNode):
                size = sum(sizes[id(k)] + sizes[id(v)] for k, v in node.value)
            else:
                size = sum(sizes[id(child)] for child in node.value)
            sizes[key] = 1 + size
            continue
        if key in sizes:
            aliased += sizes[key]  # a node met again was reached through an alias
            continue
        if isinstance(node, ScalarNode):
            sizes[key] = 1
            continue
        if key in open_nodes:
            raise DecodeError(_phrase(where, "has an alias that contains itself"))
        open_nodes.add(key)
        stack.append((node, True))
        if isinstance(node, MappingNode):
            for key_node, value_node in reversed(node.value):
                stack.append((value_node, False))
                stack.append((key_node, False))
        else:
            stack.extend((child, False) for child in reversed(node.value))
    total = sizes[id(root)]
    if aliased > 100 and total > 1000 and aliased / total > _allowed_alias_ratio(total):
        raise DecodeError(_phrase(where, "contains excessive aliasing"))
    return aliased > 0


def _allowed_alias_ratio(total: int) -> float:
    if total <= _ALIAS_RATIO_LOW:
        return 0.99
    if total >= _ALIAS_RATIO_HIGH:
        return 0.10
    return 0.99 - 0.89 * (total - _ALIAS_RATIO_LOW) / (_ALIAS_RATIO_HIGH - _ALIAS_RATIO_LOW)


def _fresh(value: Any) -> Any:
    """A copy sharing nothing: an alias must not make two places in a manifest one object."""
    if isinstance(value, dict):
        return {key: _fresh(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_fresh(item) for item in value]
    return value


def _syntax_error(
    exc: Exception, text: str, prefix: str, name: Callable[[int], str]
) -> DecodeError:
    """A DecodeError for text that is not YAML, naming the document the user sees it in."""
    mark = getattr(exc, "problem_mark", None)
    if mark is not None:
        line, column = mark.line, mark.column
        problem = getattr(exc, "problem", None)
    else:
        # A ReaderError: a character YAML does not allow. Its first occurrence is the one
        # reported, so find it in the text rather than trust an offset libyaml counts in bytes.
        character = getattr(exc, "character", None)
        position = text.find(chr(character)) if isinstance(character, int) else -1
        if position < 0:
            position = getattr(exc, "position", 0)
        before = _LINE_BREAK.split(text[:position])
        line, column = len(before) - 1, len(before[-1])
        problem = "a control character is not allowed"
    where = prefix + name(_document_at(text, line))
    return DecodeError(_colon(where, f"not valid YAML: {_describe(problem, line, column)}"))


def _describe(problem: object, line: int, column: int) -> str:
    """The problem and where it is (1-based), without any of the document's own text."""
    said = _QUOTED.sub("", str(problem or "")).strip() or "unexpected content"
    return f"{said} (line {line + 1}, column {column + 1})"


def _document_at(text: str, line: int) -> int:
    """The 0-based index of the document holding ``line``, counted as a reader sees them.

    A ``---`` line starts a document; text before the first one is a document of its own only
    if it has more than comments and directives.
    """
    starts = 0
    leading_content = False
    for number, written in enumerate(_LINE_BREAK.split(text)):
        if number > line:
            break
        if number == 0:
            written = written.lstrip("\ufeff")
        if _DOCUMENT_START.match(written):
            starts += 1
        elif not starts and written.strip() and not written.lstrip().startswith(("#", "%")):
            leading_content = True
    return starts if leading_content else max(starts - 1, 0)

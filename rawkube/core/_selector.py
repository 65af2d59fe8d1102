"""Label and field selectors for list and watch: built from Python values or checked as strings."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

# field_selector, label_selector and selector are what users call (through rawkube); the
# parsed forms are shared with the client-side matcher, rawkube.core._match.
__all__ = [
    "FIELD_OPERATOR",
    "LabelParser",
    "Requirement",
    "check_field_term",
    "check_label_key",
    "check_label_value",
    "field_selector",
    "label_selector",
    "selector",
    "split_terms",
]

# The rules of apimachinery's validation.IsQualifiedName and IsValidLabelValue, which the API
# server applies to every requirement of a label selector.
_LABEL_NAME = re.compile(r"[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?")
_DNS_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
_NAME_CHARS = "letters, digits, '-', '_' and '.', starting and ending with a letter or digit"
# The server looks field paths up per resource; this only rules out what no resource can have,
# such as whitespace, an operator character or an escape in the key.
_FIELD_PATH = re.compile(r"[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*")
# fields.UnescapeValue accepts exactly these escapes and no bare ',' or '='; '!' needs none.
_FIELD_VALUE_PREFIX = re.compile(r"(?:\\[\\,=]|[^\\,=])*")
# The first operator in a term splits it, "!=" and "==" winning over "=" at the same place,
# as in fields.splitTerm.
FIELD_OPERATOR = re.compile(r"!=|==|=")

_WHITESPACE = " \t\r\n"  # labels.Parse's whitespace; other blanks are part of a token
_SYMBOLS = "=!(),<>"
_OPERATORS = ("=", "==", "!=", "in", "notin", ">", "<")
_INT64_MAX = 2**63 - 1


def selector(mapping: Mapping[str, str] | None = None, /, **requirements: object) -> str:
    """Build a label selector: ``selector({"app.kubernetes.io/name": "web"}, tier__in=["a"])``.

    The mapping gives equality requirements for keys that are not Python identifiers; each
    keyword is ``key=value`` or ``key__<op>=...`` with ``<op>`` one of ``ne`` (a str), ``in``
    and ``notin`` (a non-empty list, tuple or set of str), ``exists`` (a bool: ``key`` or
    ``!key``), ``gt`` and ``lt`` (a non-negative int). Requirements keep the order given,
    mapping first.

    Raises ``TypeError`` for a value of the wrong type and ``ValueError`` for an unknown
    ``__<op>``, an invalid label key or value, or an empty ``__in``/``__notin`` list.
    """
    parts = _equalities(mapping)
    for name, value in requirements.items():
        key, sep, op = name.rpartition("__")
        if not sep:
            # "=" stands for plain equality: no "__" suffix can spell it.
            key, op = name, "="
        parts.append(_requirement(name, key, op, value))
    return ",".join(parts)


def label_selector(value: str | Mapping[str, str] | None) -> str | None:
    """The ``labelSelector`` to send for a ``label_selector=`` argument.

    ``None`` stays ``None``; a mapping becomes equality requirements in its order; a string is
    checked as the API server's ``labels.Parse`` checks it and returned without surrounding
    whitespace. An empty string selects everything.

    Raises ``TypeError`` for any other type or a non-str key or value, and ``ValueError`` for
    a selector the server would reject, naming the problem and its position (0-based) in it.
    """
    if value is None:
        return None
    if isinstance(value, str):
        LabelParser(value).parse()
        return value.strip(_WHITESPACE)
    if isinstance(value, Mapping):
        return ",".join(_equalities(value))
    raise TypeError(f"label_selector must be a str or a mapping, not {type(value).__name__}")


def field_selector(value: str | Mapping[str, str] | None) -> str | None:
    """The ``fieldSelector`` to send for a ``field_selector=`` argument.

    ``None`` stays ``None``; a mapping becomes ``path=value`` terms in its order, each value
    escaped as ``fields.EscapeValue`` does (``\\``, ``,`` and ``=`` get a backslash); a
    string's terms (``path=value``, ``path==value`` or ``path!=value``, joined by ``,``) are
    checked and it is returned without surrounding whitespace. Values may be empty.

    Raises ``TypeError`` for any other type or a non-str key or value, and ``ValueError`` for
    a key that is not a dotted field path, a term without an operator, or a value with an
    unescaped ``,``/``=`` or an unknown escape.
    """
    if value is None:
        return None
    if isinstance(value, str):
        text = value.strip(_WHITESPACE)
        for term in split_terms(text):
            # The server skips empty terms, so "a=b," and "" are valid.
            if term:
                check_field_term(value, term)
        return text
    if isinstance(value, Mapping):
        terms = []
        for key, val in _str_items(value, "field selector"):
            _check_field_path(key)
            terms.append(f"{key}={_escape_field_value(val)}")
        return ",".join(terms)
    raise TypeError(f"field_selector must be a str or a mapping, not {type(value).__name__}")


# --- building label selectors -------------------------------------------------------------


def _equalities(mapping: Mapping[str, str] | None) -> list[str]:
    parts = []
    for key, value in _str_items(mapping, "label selector"):
        _check_label_key(key)
        _check_label_value(value)
        parts.append(f"{key}={value}")
    return parts


def _str_items(mapping: object, what: str) -> list[tuple[str, str]]:
    if mapping is None:
        return []
    if not isinstance(mapping, Mapping):
        raise TypeError(f"{what} mapping must be a mapping, not {type(mapping).__name__}")
    items = list(mapping.items())
    for key, value in items:
        if not isinstance(key, str) or not isinstance(value, str):
            raise TypeError(
                f"{what} mapping must map str to str, not {type(key).__name__} "
                f"to {type(value).__name__} ({key!r}: {value!r})"
            )
    return items


def _requirement(name: str, key: str, op: str, value: object) -> str:
    if op not in ("=", "ne", "in", "notin", "exists", "gt", "lt"):
        raise ValueError(
            f"unknown operator suffix '__{op}' in {name!r}; "
            "use __ne, __in, __notin, __exists, __gt or __lt"
        )
    _check_label_key(key)
    if op in ("=", "ne"):
        if not isinstance(value, str):
            raise TypeError(f"{name} must be a str, not {type(value).__name__}")
        _check_label_value(value)
        return f"{key}{'=' if op == '=' else '!='}{value}"
    if op in ("in", "notin"):
        values = _value_set(name, value)
        return f"{key} {op} ({','.join(values)})"
    if op == "exists":
        if not isinstance(value, bool):
            raise TypeError(f"{name} must be a bool, not {type(value).__name__}")
        return key if value else f"!{key}"
    # Only integers compare; a label value cannot start with '-', so neither can these.
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, not {type(value).__name__}")
    if not 0 <= value <= _INT64_MAX:
        raise ValueError(f"{name} must be between 0 and 2**63 - 1, not {value}")
    return f"{key}{'>' if op == 'gt' else '<'}{value}"


def _value_set(name: str, value: object) -> list[str]:
    if not isinstance(value, (list, tuple, set, frozenset)):
        raise TypeError(f"{name} must be a list, tuple or set of str, not {type(value).__name__}")
    for item in value:
        if not isinstance(item, str):
            raise TypeError(f"{name} must hold only str, not {type(item).__name__} ({item!r})")
    if not value:
        # "key in ()" parses as the set {""}, which is not what an empty list means.
        raise ValueError(f"{name} must not be empty")
    # A set has no order of its own; sorting keeps the string (and request) the same each run.
    values: list[str] = sorted(value) if isinstance(value, (set, frozenset)) else list(value)
    for item in values:
        _check_label_value(item)
    return values


def _check_label_key(key: str) -> None:
    """Raise ``ValueError`` unless ``key`` is a qualified name: ``[prefix/]name``."""
    problem = _key_problem(key)
    if problem:
        raise ValueError(f"invalid label key {key!r}: {problem}")


def _key_problem(key: str) -> str | None:
    prefix, slash, name = key.rpartition("/")
    if slash:
        if "/" in prefix:
            return "a key has at most one '/'"
        if not prefix:
            return "the prefix before '/' must not be empty"
        if len(prefix) > 253:
            return "the prefix must be at most 253 characters"
        if not _DNS_SUBDOMAIN.fullmatch(prefix):
            return (
                "the prefix must be a DNS subdomain: lowercase letters, digits, '-' and '.', "
                "starting and ending with a letter or digit"
            )
    if not name:
        return "the name must not be empty"
    if len(name) > 63:
        return "the name must be at most 63 characters"
    if not _LABEL_NAME.fullmatch(name):
        return f"the name must be {_NAME_CHARS}"
    return None


def _check_label_value(value: str) -> None:
    """Raise ``ValueError`` unless ``value`` is empty or a valid label value."""
    if len(value) > 63:
        raise ValueError(f"invalid label value {value!r}: must be at most 63 characters")
    if value and not _LABEL_NAME.fullmatch(value):
        raise ValueError(f"invalid label value {value!r}: must be empty or {_NAME_CHARS}")


# Shared with rawkube.core._label_selector, which checks a LabelSelector object's labels.
check_label_key = _check_label_key
check_label_value = _check_label_value


# --- checking label selector strings --------------------------------------------------------


@dataclass(frozen=True)
class Requirement:
    """One requirement of a parsed label selector, as labels.Parse builds it.

    ``operator`` is the operator as written (``=``, ``==``, ``!=``, ``in``, ``notin``, ``>``,
    ``<``), or ``exists`` for a bare ``key`` and ``!exists`` for ``!key``. ``values`` holds
    what the server compares against: empty for the two existence tests, one value for the
    others but ``in`` and ``notin``.
    """

    key: str
    operator: str
    values: frozenset[str]


@dataclass(frozen=True)
class _Token:
    kind: str  # "word", "end", or the symbol itself: "=", "==", "!=", "!", "(", ")", ",", ">", "<"
    text: str
    pos: int

    def __str__(self) -> str:
        return "end of string" if self.kind == "end" else repr(self.text)


def _tokens(text: str) -> list[_Token]:
    """Split as labels.Parse's lexer does: symbols, and runs of anything else, between blanks."""
    tokens = []
    pos = 0
    while pos < len(text):
        ch = text[pos]
        if ch in _WHITESPACE:
            pos += 1
        elif ch in _SYMBOLS:
            # "!=" and "==" are the only two-character symbols; "=(" is "=" then "(".
            symbol = text[pos : pos + 2] if text[pos : pos + 2] in ("!=", "==") else ch
            tokens.append(_Token(symbol, symbol, pos))
            pos += len(symbol)
        else:
            end = pos
            while end < len(text) and text[end] not in _WHITESPACE and text[end] not in _SYMBOLS:
                end += 1
            tokens.append(_Token("word", text[pos:end], pos))
            pos = end
    tokens.append(_Token("end", "", len(text)))
    return tokens


class LabelParser:
    """labels.Parse's grammar and checks, with errors that say where the selector went wrong.

    "in" and "notin" are operators only right after a key; elsewhere they are plain words, so
    ``in in (in)`` is a valid selector.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokens(text)
        self.index = 0

    def peek(self) -> _Token:
        return self.tokens[self.index]

    def take(self) -> _Token:
        token = self.tokens[self.index]
        # The end token stays put so that reading past it keeps answering "end of string".
        self.index = min(self.index + 1, len(self.tokens) - 1)
        return token

    def error(self, token: _Token, problem: str) -> ValueError:
        return ValueError(f"label selector {self.text!r}, position {token.pos}: {problem}")

    def parse(self) -> list[Requirement]:
        requirements: list[Requirement] = []
        if self.peek().kind == "end":
            return requirements
        while True:
            requirements.append(self.requirement())
            token = self.take()
            if token.kind == "end":
                return requirements
            if token.kind != ",":
                raise self.error(token, f"expected ',' or end of string, found {token}")

    def requirement(self) -> Requirement:
        token = self.take()
        negated = token.kind == "!"
        if negated:
            token = self.take()
        if token.kind != "word":
            after = "after '!'" if negated else "or '!'"
            raise self.error(token, f"expected a label key {after}, found {token}")
        self.check(token, _check_label_key)
        if negated:
            return Requirement(token.text, "!exists", frozenset())
        if self.peek().kind in ("end", ","):
            return Requirement(token.text, "exists", frozenset())
        operator = self.take()
        if operator.kind == "word" and operator.text in ("in", "notin"):
            return Requirement(token.text, operator.text, self.value_set(operator))
        if operator.kind in _OPERATORS:
            return Requirement(token.text, operator.kind, frozenset({self.exact_value(operator)}))
        raise self.error(
            operator,
            f"expected an operator ({', '.join(_OPERATORS)}) after key {token.text!r}, "
            f"found {operator}",
        )

    def value_set(self, operator: _Token) -> frozenset[str]:
        token = self.take()
        if token.kind != "(":
            raise self.error(token, f"expected '(' after {operator.text!r}, found {token}")
        # Empty values count, as the server reads them: "()", "(,a)" and "(a,,b)" are valid
        # and hold the value "". Its parser swallows the comma after an empty value, so "(a,,)"
        # fails there while "(a,,,)" passes; this loop follows it step by step to agree on
        # every input, including which empty values it records.
        if self.peek().kind == ")":
            self.take()
            return frozenset({""})
        values: set[str] = set()
        while True:
            token = self.take()
            if token.kind == "word":
                self.check(token, _check_label_value)
                values.add(token.text)
                after = self.peek()
                if after.kind == ")":
                    self.take()
                    return frozenset(values)
                if after.kind != ",":
                    raise self.error(
                        after, f"expected ',' or ')' after value {token.text!r}, found {after}"
                    )
            elif token.kind == ",":
                if not values:
                    values.add("")  # "(,"
                if self.peek().kind == ")":
                    self.take()
                    values.add("")  # ",)"
                    return frozenset(values)
                if self.peek().kind == ",":
                    self.take()
                    values.add("")  # ",,"
            else:
                raise self.error(token, f"expected a value, ',' or ')', found {token}")

    def exact_value(self, operator: _Token) -> str:
        token = self.peek()
        if token.kind in ("end", ","):
            value = _Token("word", "", token.pos)  # "key=" compares with the empty value
        elif token.kind == "word":
            value = self.take()
        else:
            raise self.error(token, f"expected a value after {operator.text!r}, found {token}")
        if operator.kind in ("<", ">"):
            # strconv.ParseInt must take it and the label value rules allow no sign.
            digits = re.fullmatch(r"[0-9]{1,63}", value.text)
            if not digits or int(value.text) > _INT64_MAX:
                raise self.error(
                    value,
                    f"expected a non-negative integer after {operator.text!r}, found {value}",
                )
        self.check(value, _check_label_value)
        return value.text

    def check(self, token: _Token, check: Callable[[str], None]) -> None:
        try:
            check(token.text)
        except ValueError as exc:
            raise self.error(token, str(exc)) from None


# --- checking field selector strings --------------------------------------------------------


def split_terms(text: str) -> list[str]:
    """Split at each ',' that no backslash escapes, as fields.splitTerms does."""
    terms = []
    start = 0
    escaped = False
    for i, ch in enumerate(text):
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == ",":
            terms.append(text[start:i])
            start = i + 1
    terms.append(text[start:])
    return terms


def check_field_term(text: str, term: str) -> None:
    where = f"field selector {text!r}, term {term!r}"
    operator = FIELD_OPERATOR.search(term)
    if operator is None:
        raise ValueError(f"{where}: expected '=', '==' or '!=' between a field and a value")
    try:
        _check_field_path(term[: operator.start()])
    except ValueError as exc:
        raise ValueError(f"{where}: {exc}") from None
    value = term[operator.end() :]
    good = _FIELD_VALUE_PREFIX.match(value)
    end = good.end() if good else 0
    if end == len(value):
        return
    if value[end:] == "\\":
        raise ValueError(f"{where}: the value ends in a lone '\\'")
    if value[end] == "\\":
        raise ValueError(
            f"{where}: invalid escape '{value[end : end + 2]}' in value; "
            "only '\\\\', '\\,' and '\\=' are allowed"
        )
    raise ValueError(f"{where}: unescaped {value[end]!r} in value; write it as '\\{value[end]}'")


def _check_field_path(key: str) -> None:
    if not _FIELD_PATH.fullmatch(key):
        raise ValueError(f"invalid field path {key!r}: expected dotted names like 'metadata.name'")


def _escape_field_value(value: str) -> str:
    return value.replace("\\", "\\\\").replace(",", "\\,").replace("=", "\\=")

"""Source text laid out as ``ruff format`` lays it out, for the few shapes generated modules hold.

Generated code must pass ``ruff format --check`` without ruff installed, so it is written in
ruff's layout at once (line length 100): string literals in double quotes unless that needs
escapes single quotes do not, docstrings as written, and an annotated field that is too long
split the way ruff splits it (the call's arguments first, then the annotation's brackets).
"""

from __future__ import annotations

import textwrap

__all__ = ["WIDTH", "docstring", "field_lines", "literal", "too_long", "wrap_comment"]

WIDTH = 100
"""ruff's default line length, the one the generated code is laid out for."""

# Typographic characters ruff's RUF001-RUF003 reports as ambiguous, as their ASCII twins.
_AMBIGUOUS = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2212": "-",
        "\u00a0": " ",
        "\u00d7": "x",
        "\u2032": "'",
        "\u02bc": "'",
        "\u2010": "-",
        "\u2011": "-",
        "\u00b4": "'",
        "\uff08": "(",
        "\uff09": ")",
        "\uff0c": ",",
        "\uff1a": ":",
    }
)


def literal(value: object) -> str:
    """A Python literal of a JSON scalar (str, int, float, bool, None) in ruff's quoting."""
    if isinstance(value, str):
        quote = "'" if '"' in value and "'" not in value else '"'
        return quote + _escape(value, quote) + quote
    if value is None or isinstance(value, (bool, int)):
        return repr(value)
    if isinstance(value, float):
        return repr(value) if value == value and abs(value) != float("inf") else "None"
    raise TypeError(f"not a JSON scalar: {type(value).__name__}")


def _escape(text: str, quote: str) -> str:
    out = []
    for char in text:
        if char == "\\":
            out.append("\\\\")
        elif char == quote:
            out.append("\\" + quote)
        elif char == "\n":
            out.append("\\n")
        elif char == "\t":
            out.append("\\t")
        elif char == "\r":
            out.append("\\r")
        elif ord(char) < 32 or ord(char) == 127:
            out.append(f"\\x{ord(char):02x}")
        else:
            out.append(char)
    return "".join(out)


def clean_text(text: str) -> str:
    """A description as a docstring holds it: ASCII twins of ambiguous characters, no tabs,
    no trailing blanks, no blank lines at either end."""
    lines = [line.rstrip() for line in text.translate(_AMBIGUOUS).expandtabs(4).splitlines()]
    while lines and not lines[0]:
        lines.pop(0)
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines)


def docstring(text: str, indent: str) -> list[str]:
    """The lines of a docstring holding ``text`` at ``indent``, each within :data:`WIDTH`.

    Long lines are wrapped at spaces (a word longer than the line is kept whole); paragraphs
    and line breaks are kept. Backslashes and quotes are escaped so the text reads back as is.
    """
    body = clean_text(text)
    lines: list[str] = []
    room = WIDTH - len(indent) - 3  # the first line holds the opening quotes
    for line in body.splitlines() or [""]:
        if not line:
            lines.append("")
            continue
        lead = len(line) - len(line.lstrip(" "))
        pieces = textwrap.wrap(
            line,
            width=max(room, 20),
            subsequent_indent=" " * min(lead, 8),
            break_long_words=False,
            break_on_hyphens=False,
            drop_whitespace=True,
        )
        lines.extend(pieces or [""])
    lines = [_escape_doc(line) for line in lines]
    if lines[0].startswith(" "):  # ruff strips the first line's leading blanks
        lines[0] = lines[0].lstrip(" ")
    first = f'{indent}"""{lines[0]}'
    if len(lines) == 1 and len(first) + 3 <= WIDTH:
        end = " " if lines[0].endswith('"') else ""
        return [f'{first}{end}"""']
    out = [first]
    out += [f"{indent}{line}" if line else "" for line in lines[1:]]
    out.append(f'{indent}"""')
    return out


def _escape_doc(line: str) -> str:
    line = line.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    return "".join(f"\\x{ord(c):02x}" if ord(c) < 32 or ord(c) == 127 else c for c in line)


def field_lines(attr: str, annotation: str, value: str, *, indent: str = "    ") -> list[str]:
    """``attr: annotation = value`` as ruff formats it.

    ``value`` is ``None``, a literal or a call ``name(args)``; ``annotation`` is ``Any``, a
    ``... | None`` union or an ``Annotated[...]`` subscript. Too long for a line, the value
    goes first: a call splits its own arguments when its opening fits, any other value is
    put in parentheses on a line of its own; when even that does not fit, the annotation
    splits.
    """
    one = f"{indent}{attr}: {annotation} = {value}"
    if len(one) <= WIDTH:
        return [one]
    inner = indent + "    "
    head = f"{indent}{attr}: {annotation} = "
    simple = annotation.isidentifier()  # nothing in it to split
    if _is_call(value) and len(head) + value.index("(") + 1 <= WIDTH:
        return _call_lines(head, value, indent)
    if len(head) + 1 <= WIDTH:
        return [f"{head}(", *_value_lines(value, inner), f"{indent})"]
    if simple:  # the line stays too long; only a call's arguments can move
        return _call_lines(head, value, indent) if _is_call(value) else [one]
    opened, closing = _split_annotation(attr, annotation, indent)
    last = closing + value
    if len(last) <= WIDTH or not _is_call(value):
        return [*opened, last]
    return [*opened, *_call_lines(closing, value, indent)]


def _split_annotation(attr: str, annotation: str, indent: str) -> tuple[list[str], str]:
    """The lines of an annotation too long for its line, and the start of the last one."""
    inner = indent + "    "
    if annotation.startswith("Annotated[") and annotation.endswith("]"):
        args = annotation[len("Annotated[") : -1]
        lines = [f"{indent}{attr}: Annotated["]
        if len(inner) + len(args) <= WIDTH:
            lines.append(f"{inner}{args}")
        else:
            for arg in _split_args(args):
                lines += _expr_lines(arg, inner, ",")
        return lines, f"{indent}] = "
    return [f"{indent}{attr}: (", *_expr_lines(annotation, inner, "")], f"{indent}) = "


def _expr_lines(expr: str, indent: str, suffix: str) -> list[str]:
    """A type expression (names, ``a | b``, ``name[args]``) at ``indent``, split as ruff splits
    it when it does not fit: at its ``|`` first (each operand after the first on a line
    starting ``| ``), then inside its brackets."""
    if len(indent) + len(expr) + len(suffix) <= WIDTH:
        return [f"{indent}{expr}{suffix}"]
    operands = _split_top(expr, " | ")
    if len(operands) > 1:
        lines: list[str] = []
        for index, operand in enumerate(operands):
            end = suffix if index == len(operands) - 1 else ""
            part = _expr_lines(operand, indent + ("" if index == 0 else "  "), end)
            if index:
                part[0] = f"{indent}| {part[0][len(indent) + 2 :]}"
            lines += part
        return lines
    if expr.endswith("]") and "[" in expr:
        at = expr.index("[")
        args = expr[at + 1 : -1]
        inner = indent + "    "
        parts = _split_args(args)
        if len(parts) == 1 or len(inner) + len(args) <= WIDTH:
            body = _expr_lines(args, inner, "")
        else:
            body = [line for part in parts for line in _expr_lines(part, inner, ",")]
        return [f"{indent}{expr[: at + 1]}", *body, f"{indent}]{suffix}"]
    return [f"{indent}{expr}{suffix}"]


def _split_top(expr: str, separator: str) -> list[str]:
    """``expr`` split at ``separator`` outside brackets."""
    parts, depth, start, i = [], 0, 0, 0
    while i < len(expr):
        char = expr[i]
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif depth == 0 and expr.startswith(separator, i):
            parts.append(expr[start:i])
            start = i + len(separator)
            i = start
            continue
        i += 1
    parts.append(expr[start:])
    return parts


def _value_lines(value: str, indent: str) -> list[str]:
    """A value on lines of its own at ``indent``: whole, or a call split."""
    line = f"{indent}{value}"
    if len(line) <= WIDTH or not _is_call(value):
        return [line]
    return _call_lines(indent, value, indent)


def _is_call(value: str) -> bool:
    return value.endswith(")") and "(" in value and value[: value.index("(")].isidentifier()


def _call_lines(head: str, call: str, indent: str) -> list[str]:
    """A call that does not fit after ``head``: its arguments on a line of their own, or one
    a line with a trailing comma when they do not fit together."""
    at = call.index("(")
    args = call[at + 1 : -1]
    inner = indent + "    "
    if len(inner) + len(args) <= WIDTH:
        return [f"{head}{call[: at + 1]}", f"{inner}{args}", f"{indent})"]
    parts = _split_args(args)
    return [f"{head}{call[: at + 1]}", *(f"{inner}{p}," for p in parts), f"{indent})"]


def _split_args(args: str) -> list[str]:
    """Top-level comma-separated arguments (the generator's arguments are literals)."""
    parts, depth, quote, start, escaped = [], 0, "", 0, False
    for i, char in enumerate(args):
        if quote:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == quote:
                quote = ""
        elif char in "\"'":
            quote = char
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(args[start:i].strip())
            start = i + 1
    parts.append(args[start:].strip())
    return parts


def wrap_comment(text: str, *, first: str = "# ", rest: str = "#   ") -> list[str]:
    """A comment wrapped within :data:`WIDTH` (a word longer than a line is broken)."""
    return textwrap.wrap(
        text,
        width=WIDTH,
        initial_indent=first,
        subsequent_indent=rest,
        break_long_words=True,
        break_on_hyphens=False,
    )


def too_long(line: str) -> bool:
    """Whether ruff's E501 reports the line: longer than :data:`WIDTH`, unless it is one word
    or ends with a URL that starts within the width (ruff lets those be)."""
    if len(line) <= WIDTH:
        return False
    words = line.split()
    if len(words) <= 1:
        return False
    last = words[-1]
    return not ("://" in last and line.rindex(last) < WIDTH)

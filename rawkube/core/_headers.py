"""Which credentials can become header values: checks that say what is wrong, never the value.

A value httpx cannot send fails deep in the HTTP stack with an error quoting the whole header
(``Illegal header value b'Bearer ...\\n'``, or a ``UnicodeEncodeError`` holding the token), and
that text reaches messages, logs and tracebacks. So each credential is checked where it enters
rawkube: when a kubeconfig is loaded, a flow is built, or a token file or plugin is read.
"""

from __future__ import annotations

import functools
import re

__all__ = ["basic_auth_problem", "header_problem", "token_problem", "unicode_problem"]

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def token_problem(token: str) -> str | None:
    """Why ``token`` cannot be sent as a bearer token (``"holds a line break"``), or None.

    A bearer token is visible ASCII (RFC 6750's token68 is narrower still), and the API server
    splits ``Authorization`` on spaces, so a token holding one never authenticates.
    """
    return (
        _control_problem(token)
        or _ascii_problem(token)
        or ("holds a space" if " " in token else None)
    )


def basic_auth_problem(value: str) -> str | None:
    """Why ``value`` cannot be a basic-auth username or password, or None.

    Basic auth sends the UTF-8 bytes in base64 (as Go's ``SetBasicAuth``), so any text but
    control characters goes; a lone surrogate (from a ``\\ud800`` escape) is not text.
    """
    return _control_problem(value) or unicode_problem(value)


def header_problem(value: str) -> str | None:
    """Why ``value`` cannot be sent as a header value as given (an impersonated user), or None.

    httpx sends header values as ASCII; a server would strip spaces around a value, so a
    name with them would silently become another name.
    """
    if problem := _control_problem(value) or _ascii_problem(value):
        return problem
    if value != value.strip(" "):
        return "starts or ends with a space"
    return None


@functools.cache  # compiled on first use: its Unicode class is slow to compile at import
def _line_break() -> re.Pattern[str]:
    return re.compile(r"[\r\n\x85\u2028\u2029]")


def _control_problem(value: str) -> str | None:
    if _line_break().search(value):
        return "holds a line break"
    if _CONTROL.search(value):
        return "holds a control character"
    return None


def _ascii_problem(value: str) -> str | None:
    return None if value.isascii() else "holds a non-ASCII character"


def unicode_problem(value: str) -> str | None:
    """Why ``value`` is not text UTF-8 can encode (a lone surrogate), or None."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "holds a character that is not valid Unicode (a lone surrogate)"
    return None

"""Fuzzed request builders raise only what the builder documents, where it documents it.

Every setter of a request, fed text with control characters, lone surrogates, non-ASCII and
huge strings, numbers out of range and values of the wrong type, raises ``ValueError`` or
``TypeError`` at that call, or takes the value. Sending what was built then gives an answer,
the ``ValueError`` of :meth:`build` (a URL too long once escaped) or one of rawkube's errors:
never httpx's, the IDNA or UTF-8 codec's, or an ``OverflowError``. respx answers every request,
so nothing leaves the process.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest
import respx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rawkube
from rawkube.core._clock import FakeClock

SERVER = "http://fuzz.test:6443"
FUZZ = settings(
    max_examples=300,
    deadline=timedelta(seconds=10),  # generous on a busy machine; a hang fails it
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

characters = st.one_of(st.characters(), st.characters(categories=["Cs"]))
short = st.text(characters, max_size=12)
huge = st.builds(operator.mul, st.text(characters, min_size=1, max_size=3), st.integers(1, 40_000))
text = st.one_of(
    short, short.map(lambda t: "/" + t), huge, st.sampled_from(["v1", "apps/v1", "pods", "x"])
)
numbers = st.one_of(
    st.integers(-(10**70), 10**70), st.floats(allow_nan=True, allow_infinity=True), st.booleans()
)
anything = st.one_of(text, numbers, st.none(), st.binary(max_size=8), st.lists(short, max_size=2))


def nested(depth: int) -> list[Any]:
    """A list nested ``depth`` deep, built without recursion."""
    value: list[Any] = []
    for _ in range(depth):
        value = [value]
    return value


bodies = st.one_of(
    st.dictionaries(short, st.one_of(short, numbers, st.none()), max_size=3),
    st.lists(short, max_size=3),
    text,
    st.binary(max_size=64),
    st.integers(0, 100_000).map(nested),
    anything,
)

# Each step is one setter call: its name and its arguments.
steps = st.one_of(
    st.tuples(st.just("group_version"), st.tuples(anything)),
    st.tuples(
        st.sampled_from(["namespace", "resource", "name", "subresource"]), st.tuples(anything)
    ),
    st.tuples(st.sampled_from(["prefix", "suffix"]), st.lists(anything, max_size=3).map(tuple)),
    st.tuples(st.just("abs_path"), st.tuples(anything)),
    st.tuples(st.just("param"), st.tuples(anything, anything)),
    st.tuples(
        st.just("params"),
        st.tuples(st.one_of(st.dictionaries(short, anything, max_size=3), anything)),
    ),
    st.tuples(st.just("header"), st.tuples(anything, anything)),
    st.tuples(st.just("body"), st.tuples(bodies)),
    st.tuples(st.sampled_from(["timeout", "idle_timeout"]), st.tuples(anything)),
)
starts = st.one_of(
    st.sampled_from(["get", "post", "put", "delete"]).map(lambda verb: (verb, ())),
    st.tuples(st.just("patch"), st.tuples(anything)),
    st.tuples(st.just("verb"), st.tuples(anything)),
)


def refused_as_documented(exc: BaseException | None) -> bool:
    """A setter's error: exactly ValueError or TypeError (not a codec's or httpx's subclass)."""
    return exc is None or type(exc) in (ValueError, TypeError)


def sent_as_documented(exc: BaseException | None) -> bool:
    """A send's error: build()'s ValueError, or one of rawkube's errors."""
    return exc is None or type(exc) is ValueError or isinstance(exc, rawkube.RawkubeError)


def error_of(call: Callable[[], object]) -> Exception | None:
    try:
        call()
    except Exception as exc:
        return exc
    return None


def described(what: str, exc: BaseException | None) -> str:
    return f"{what:.200}: {type(exc).__name__}: {exc!s:.300}"


def start(client: Any, how: tuple[str, tuple[Any, ...]]) -> Any:
    verb, args = how
    started: list[Any] = []
    error = error_of(lambda: started.append(getattr(client, verb)(*args)))
    assert refused_as_documented(error), described(f"{verb}{args!r}", error)
    return started[0] if started else None


def apply(request: Any, calls: list[tuple[str, tuple[Any, ...]]]) -> None:
    for setter, args in calls:
        error = error_of(lambda setter=setter, args=args: getattr(request, setter)(*args))
        assert refused_as_documented(error), described(f"{setter}{args!r}", error)


def read_stream(request: Any) -> None:
    with request.stream() as chunks:
        b"".join(chunks)


@pytest.fixture(scope="module")
def server() -> Any:
    with respx.mock(assert_all_called=False) as router:
        router.route().mock(return_value=httpx.Response(200, json={"kind": "Status"}))
        yield router


@pytest.fixture(scope="module")
def client(server: Any) -> Any:
    with rawkube.Client(rawkube.Config(server=SERVER, clock=FakeClock())) as client:
        yield client


@FUZZ
@given(how=starts, calls=st.lists(steps, max_size=6), streamed=st.booleans())
def test_every_setter_and_the_send_raise_only_documented_errors(client, how, calls, streamed):
    request = start(client, how)
    if request is None:
        return
    apply(request, calls)
    error = error_of(lambda: read_stream(request) if streamed else request.do())
    assert sent_as_documented(error), described("send", error)


@pytest.fixture(scope="module")
def async_client(server: Any) -> Any:
    return rawkube.AsyncClient(rawkube.Config(server=SERVER, clock=FakeClock()))


@FUZZ
@given(how=starts, calls=st.lists(steps, max_size=6))
def test_the_async_send_raises_only_documented_errors(async_client, how, calls):
    import anyio

    request = start(async_client, how)
    if request is None:
        return
    apply(request, calls)

    async def send() -> Exception | None:
        try:
            await request.do()
        except Exception as exc:
            return exc
        return None

    error = anyio.run(send)
    assert sent_as_documented(error), described("send", error)


# --- What the review found, each on its own --------------------------------------------------

REFUSED_AT_THE_SETTER = [
    pytest.param("name", ("n" * 70_000,), id="a 70,000-character name"),
    pytest.param("abs_path", ("/version\x00",), id="a NUL in abs_path"),
    pytest.param("header", ("X-Who", "café"), id="a non-ASCII header value"),
    pytest.param("header", ("X-Who", " padded"), id="a header value with a leading space"),
    pytest.param("header", ("X-Who", "a\x00b"), id="a NUL in a header value"),
    pytest.param("namespace", ("\ud800",), id="a lone surrogate in a segment"),
    pytest.param("param", ("q", "\udfff"), id="a lone surrogate in a param"),
    pytest.param("param", ("n", 10**5000), id="an int of 5,000 digits"),
    pytest.param("params", ([("a", "b")],), id="params given pairs, not a mapping"),
    pytest.param("body", ("\ud800",), id="a lone surrogate in a text body"),
    pytest.param("body", (nested(100_000),), id="a body nested 100,000 deep"),
    pytest.param("timeout", (1e12,), id="a timeout no socket takes"),
    pytest.param("idle_timeout", (1e300,), id="an idle timeout no socket takes"),
]


@pytest.mark.parametrize(("setter", "args"), REFUSED_AT_THE_SETTER)
def test_a_value_nothing_could_send_is_refused_at_its_setter(client, setter, args):
    request = client.get().resource("pods")
    error = error_of(lambda: getattr(request, setter)(*args))
    assert type(error) in (ValueError, TypeError), described(setter, error)


def test_a_url_too_long_once_escaped_is_a_value_error_at_the_send(client):
    request = client.get().resource("pods").name("é" * 20_000)  # 20,000 characters, 120,000 escaped
    with pytest.raises(ValueError, match="longer than 65,536 characters once escaped"):
        request.do()

"""Label and field selectors: built from Python values, or checked as the API server parses them."""

from __future__ import annotations

import re

import pytest

from rawkube.core._selector import field_selector, label_selector, selector

# --- selector(): building from Python values ----------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({}, ""),
        ({"app": "web"}, "app=web"),
        ({"app": ""}, "app="),
        ({"tier__in": ["a", "b"]}, "tier in (a,b)"),
        ({"tier__in": ("b", "a")}, "tier in (b,a)"),
        ({"tier__in": {"b", "a"}}, "tier in (a,b)"),
        ({"tier__in": frozenset({"b", "a"})}, "tier in (a,b)"),
        ({"tier__in": ["a", "", "a"]}, "tier in (a,,a)"),
        ({"tier__notin": ["a", "b"]}, "tier notin (a,b)"),
        ({"env__ne": "prod"}, "env!=prod"),
        ({"gpu__exists": True}, "gpu"),
        ({"gpu__exists": False}, "!gpu"),
        ({"replicas__gt": 2}, "replicas>2"),
        ({"replicas__lt": 0}, "replicas<0"),
        ({"replicas__gt": 2**63 - 1}, "replicas>9223372036854775807"),
        ({"in": "in"}, "in=in"),
        ({"my_label": "v.1-a_b"}, "my_label=v.1-a_b"),
        (
            {"app": "web", "tier__in": ["a"], "gpu__exists": False, "n__gt": 1},
            "app=web,tier in (a),!gpu,n>1",
        ),
    ],
)
def test_selector_from_keywords(kwargs: dict[str, object], expected: str) -> None:
    assert selector(**kwargs) == expected


def test_selector_mapping_comes_first_for_keys_python_cannot_spell() -> None:
    built = selector({"app.kubernetes.io/name": "web"}, tier__in=["a"])
    assert built == "app.kubernetes.io/name=web,tier in (a)"


def test_selector_mapping_alone_keeps_its_order() -> None:
    assert selector({"b": "2", "a": "1"}) == "b=2,a=1"
    assert selector(None) == ""
    assert selector({}) == ""


def test_selector_output_is_a_valid_label_selector() -> None:
    built = selector({"example.com/x": "y"}, a="1", b__in=["", "c"], d__exists=False, e__lt=9)
    assert label_selector(built) == built


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"tier__in": "a"}, "tier__in must be a list, tuple or set of str, not str"),
        ({"tier__notin": None}, "tier__notin must be a list, tuple or set of str, not NoneType"),
        ({"tier__in": ["a", 1]}, "tier__in must hold only str, not int"),
        ({"app": 1}, "app must be a str, not int"),
        ({"env__ne": None}, "env__ne must be a str, not NoneType"),
        ({"gpu__exists": 1}, "gpu__exists must be a bool, not int"),
        ({"gpu__exists": "yes"}, "gpu__exists must be a bool, not str"),
        ({"n__gt": 1.5}, "n__gt must be an int, not float"),
        ({"n__gt": "2"}, "n__gt must be an int, not str"),
        ({"n__lt": True}, "n__lt must be an int, not bool"),
    ],
)
def test_selector_rejects_wrong_types(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(TypeError, match=re.escape(match)):
        selector(**kwargs)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"app__eq": "web"}, "unknown operator suffix '__eq' in 'app__eq'"),
        ({"app__": "web"}, "unknown operator suffix '__' in 'app__'"),
        ({"app__startswith": "w"}, "unknown operator suffix '__startswith'"),
        ({"tier__in": []}, "tier__in must not be empty"),
        ({"tier__notin": set()}, "tier__notin must not be empty"),
        ({"n__gt": -1}, "n__gt must be between 0 and 2**63 - 1, not -1"),
        ({"n__lt": 2**63}, "n__lt must be between 0 and 2**63 - 1"),
        ({"_private": "x"}, "invalid label key '_private': the name must be letters"),
        ({"__in": ["x"]}, "invalid label key '': the name must not be empty"),
        ({"app": "-web"}, "invalid label value '-web': must be empty or letters"),
        ({"app": "x" * 64}, "must be at most 63 characters"),
        ({"tier__in": ["ok", "not ok"]}, "invalid label value 'not ok'"),
    ],
)
def test_selector_rejects_bad_keys_values_and_operators(
    kwargs: dict[str, object], match: str
) -> None:
    with pytest.raises(ValueError, match=re.escape(match)):
        selector(**kwargs)


def test_selector_rejects_bad_mapping() -> None:
    with pytest.raises(TypeError, match="must map str to str, not str to int"):
        selector({"app": 1})  # type: ignore[dict-item]
    with pytest.raises(TypeError, match="must be a mapping, not list"):
        selector([("app", "web")])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=re.escape("invalid label key 'Example.com/app'")):
        selector({"Example.com/app": "web"})


# --- label_selector(): what an API method sends ------------------------------------------


def test_label_selector_none_and_mappings() -> None:
    assert label_selector(None) is None
    assert label_selector({"a": "1", "b": "2"}) == "a=1,b=2"
    assert label_selector({"app.kubernetes.io/name": "web"}) == "app.kubernetes.io/name=web"
    assert label_selector({}) == ""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ""),
        ("   ", ""),
        ("app=web", "app=web"),
        ("app==web", "app==web"),
        ("app!=web", "app!=web"),
        ("app=", "app="),
        ("app=,b", "app=,b"),
        ("a", "a"),
        ("!a", "!a"),
        ("a,b!=c", "a,b!=c"),
        ("a in (x, y)", "a in (x, y)"),
        ("a in (x,y)", "a in (x,y)"),
        ("a notin (x)", "a notin (x)"),
        ("a in ()", "a in ()"),
        ("a in (,x)", "a in (,x)"),
        ("a in (x,)", "a in (x,)"),
        ("a in (x,,y)", "a in (x,,y)"),
        ("x in (foo,,baz),y,z notin ()", "x in (foo,,baz),y,z notin ()"),
        ("in in (in, notin)", "in in (in, notin)"),
        ("notin=in", "notin=in"),
        ("x>1", "x>1"),
        ("x < 10", "x < 10"),
        ("x>007", "x>007"),
        ("x>9223372036854775807", "x>9223372036854775807"),
        ("  app = web ,  ! gpu  ", "app = web ,  ! gpu"),
        ("\tapp=web\n", "app=web"),
        ("example.com/app=web", "example.com/app=web"),
        ("app.kubernetes.io/name in (web,db)", "app.kubernetes.io/name in (web,db)"),
        ("a=b,a=c", "a=b,a=c"),
        ("A_b.c-D=Z9", "A_b.c-D=Z9"),
        ("a=" + "x" * 63, "a=" + "x" * 63),
        ("k" * 63, "k" * 63),
        ("p" * 253 + "/n", "p" * 253 + "/n"),
    ],
)
def test_label_selector_accepts_what_the_server_parses(text: str, expected: str) -> None:
    assert label_selector(text) == expected


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("app in (a", "position 9: expected ',' or ')' after value 'a', found end of string"),
        ("app in (a b)", "position 10: expected ',' or ')' after value 'a', found 'b'"),
        ("app in a", "position 7: expected '(' after 'in', found 'a'"),
        ("app notin", "position 9: expected '(' after 'notin', found end of string"),
        ("app in (a))", "position 10: expected ',' or end of string, found ')'"),
        ("app in ((a)", "position 8: expected a value, ',' or ')', found '('"),
        ("app in (a,,)", "position 11: expected a value, ',' or ')', found ')'"),
        ("a,", "position 2: expected a label key or '!', found end of string"),
        (",a", "position 0: expected a label key or '!', found ','"),
        ("a,,b", "position 2: expected a label key or '!', found ','"),
        ("!", "position 1: expected a label key after '!', found end of string"),
        ("!!a", "position 1: expected a label key after '!', found '!'"),
        ("!a=b", "position 2: expected ',' or end of string, found '='"),
        ("a=b=c", "position 3: expected ',' or end of string, found '='"),
        ("a b", "position 2: expected an operator (=, ==, !=, in, notin, >, <) after key 'a'"),
        ("a=(b)", "position 2: expected a value after '=', found '('"),
        ("x>1.5", "position 2: expected a non-negative integer after '>', found '1.5'"),
        ("x>-1", "position 2: expected a non-negative integer after '>', found '-1'"),
        ("x<", "position 2: expected a non-negative integer after '<', found ''"),
        ("x>9223372036854775808", "expected a non-negative integer after '>'"),
        ("x>" + "0" * 64, "expected a non-negative integer after '>'"),
        ("a=" + "x" * 64, "position 2: invalid label value 'xxx"),
        ("a=-x", "invalid label value '-x': must be empty or letters, digits"),
        ("a in (ok,b@d)", "position 9: invalid label value 'b@d'"),
        ("Example.com/app=web", "position 0: invalid label key 'Example.com/app': the prefix"),
        ("/app", "invalid label key '/app': the prefix before '/' must not be empty"),
        ("a/b/c", "invalid label key 'a/b/c': a key has at most one '/'"),
        ("example.com/", "invalid label key 'example.com/': the name must not be empty"),
        ("-a", "invalid label key '-a': the name must be letters"),
        ("é=x", "invalid label key 'é'"),
        ("k" * 64, "the name must be at most 63 characters"),
        ("p" * 254 + "/n", "the prefix must be at most 253 characters"),
        ("a..b/c", "the prefix must be a DNS subdomain"),
    ],
)
def test_label_selector_rejects_what_the_server_rejects(text: str, match: str) -> None:
    with pytest.raises(ValueError, match=re.escape(match)):
        label_selector(text)


def test_label_selector_error_quotes_the_selector_as_given() -> None:
    with pytest.raises(ValueError, match="position 10") as caught:
        label_selector(" app in (a")
    assert str(caught.value) == (
        "label selector ' app in (a', position 10: "
        "expected ',' or ')' after value 'a', found end of string"
    )


def test_label_selector_rejects_other_types() -> None:
    with pytest.raises(TypeError, match="must be a str or a mapping, not list"):
        label_selector(["a=b"])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="must be a str or a mapping, not bytes"):
        label_selector(b"a=b")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="must map str to str, not str to NoneType"):
        label_selector({"a": None})  # type: ignore[dict-item]


# --- field_selector() ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ""),
        ("metadata.name=web", "metadata.name=web"),
        ("metadata.name==web", "metadata.name==web"),
        (
            "metadata.name=web,status.phase!=Running",
            "metadata.name=web,status.phase!=Running",
        ),
        ("spec.nodeName=", "spec.nodeName="),
        ("type!=", "type!="),
        ("  status.phase=Running  ", "status.phase=Running"),
        ("a=b,", "a=b,"),
        ("a=b,,c=d", "a=b,,c=d"),
        ("a=x\\,y", "a=x\\,y"),
        ("a=x\\=y", "a=x\\=y"),
        ("a=x\\\\", "a=x\\\\"),
        ("a==\\=x", "a==\\=x"),
        ("a=b!", "a=b!"),
        ("a!=!b", "a!=!b"),
        ("involvedObject.kind=Pod", "involvedObject.kind=Pod"),
        ("spec.some-field_2=x y", "spec.some-field_2=x y"),
    ],
)
def test_field_selector_accepts_what_the_server_parses(text: str, expected: str) -> None:
    assert field_selector(text) == expected


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("metadata.name", "term 'metadata.name': expected '=', '==' or '!=' between"),
        ("a=b,c", "term 'c': expected '=', '==' or '!='"),
        ("a=b=c", "term 'a=b=c': unescaped '=' in value; write it as '\\='"),
        ("a=b!=c", "term 'a=b!=c': unescaped '=' in value"),
        ("a=x\\!", "invalid escape '\\!' in value; only '\\\\', '\\,' and '\\=' are allowed"),
        ("a=x\\", "the value ends in a lone '\\'"),
        ("=x", "invalid field path '': expected dotted names like 'metadata.name'"),
        ("metadata.name =x", "invalid field path 'metadata.name '"),
        ("a=1, b=c", "term ' b=c': invalid field path ' b'"),
        ("metadata..name=x", "invalid field path 'metadata..name'"),
        (".metadata.name=x", "invalid field path '.metadata.name'"),
        ("!a=b", "invalid field path '!a'"),
        ("a<b", "expected '=', '==' or '!='"),
    ],
)
def test_field_selector_rejects_what_the_server_rejects(text: str, match: str) -> None:
    with pytest.raises(ValueError, match=re.escape(match)):
        field_selector(text)


def test_field_selector_error_quotes_the_selector() -> None:
    with pytest.raises(ValueError, match="term 'b'") as caught:
        field_selector("a=1,b")
    assert str(caught.value) == (
        "field selector 'a=1,b', term 'b': expected '=', '==' or '!=' between a field and a value"
    )


def test_field_selector_from_mapping_escapes_values() -> None:
    assert field_selector(None) is None
    assert field_selector({}) == ""
    assert field_selector({"metadata.name": "web", "status.phase": "Running"}) == (
        "metadata.name=web,status.phase=Running"
    )
    assert field_selector({"spec.nodeName": ""}) == "spec.nodeName="
    escaped = field_selector({"metadata.name": "a,b=c\\d!e"})
    assert escaped == "metadata.name=a\\,b\\=c\\\\d!e"
    # What the mapping builds, the string check accepts unchanged.
    assert field_selector(escaped) == escaped


def test_field_selector_rejects_bad_mappings_and_types() -> None:
    with pytest.raises(ValueError, match=re.escape("invalid field path 'metadata name'")):
        field_selector({"metadata name": "x"})
    with pytest.raises(TypeError, match="field selector mapping must map str to str"):
        field_selector({"metadata.name": 1})  # type: ignore[dict-item]
    with pytest.raises(TypeError, match="must be a str or a mapping, not int"):
        field_selector(1)  # type: ignore[arg-type]

"""The request builder: setter validation, set-once, and the path each request is sent to."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ConfigDict, Field

from rawkube.core._request import ApiRequest, RequestBuilder, encode_body, parse_warnings


def build(method: str = "GET") -> RequestBuilder:
    return RequestBuilder(method)


@pytest.mark.parametrize(
    ("chain", "path"),
    [
        (
            lambda r: r.resource("pods").namespace("ns").name("web-0"),
            "/api/v1/namespaces/ns/pods/web-0",
        ),
        (lambda r: r.resource("pods"), "/api/v1/pods"),
        (lambda r: r.resource("namespaces").name("kube-system"), "/api/v1/namespaces/kube-system"),
        (
            lambda r: r.group_version("apps/v1").namespace("ns").resource("deployments").name("d"),
            "/apis/apps/v1/namespaces/ns/deployments/d",
        ),
        (
            lambda r: (
                r.group_version("rbac.authorization.k8s.io/v1")
                .resource("clusterroles")
                .name("system:controller:job-controller")
            ),
            "/apis/rbac.authorization.k8s.io/v1/clusterroles/system:controller:job-controller",
        ),
        (
            lambda r: r.namespace("ns").resource("pods").name("p").subresource("log"),
            "/api/v1/namespaces/ns/pods/p/log",
        ),
        (
            lambda r: (
                r.group_version("apps/v1")
                .namespace("ns")
                .resource("deployments")
                .name("d")
                .subresource("scale")
            ),
            "/apis/apps/v1/namespaces/ns/deployments/d/scale",
        ),
        (lambda r: r.abs_path("/version"), "/version"),
        (
            lambda r: r.abs_path("/apis/metrics.k8s.io/v1beta1").resource("nodes"),
            "/apis/metrics.k8s.io/v1beta1/nodes",
        ),
        (
            lambda r: (
                r.namespace("ns")
                .resource("services")
                .name("web:http")
                .subresource("proxy")
                .suffix("healthz", "ready")
            ),
            "/api/v1/namespaces/ns/services/web:http/proxy/healthz/ready",
        ),
        (
            lambda r: r.prefix("watch").namespace("ns").resource("pods"),
            "/api/v1/watch/namespaces/ns/pods",
        ),
        (lambda r: r.abs_path("/"), "/"),
        # Characters that would change the URL's meaning are escaped inside a segment.
        (lambda r: r.resource("pods").name("a?b#c d"), "/api/v1/pods/a%3Fb%23c%20d"),
    ],
)
def test_path_layout(chain, path):
    assert chain(build()).build().path == path


def test_core_group_is_the_default():
    assert (
        build().resource("pods").build().path
        == build().group_version("v1").resource("pods").build().path
    )


@pytest.mark.parametrize("setter", ["namespace", "resource", "name", "subresource"])
@pytest.mark.parametrize("bad", ["", ".", "..", "a/b", "a%2Fb", "%"])
def test_segment_setters_refuse_bad_values(setter, bad):
    with pytest.raises(ValueError, match=setter):
        getattr(build(), setter)(bad)


@pytest.mark.parametrize(
    "setter", ["namespace", "resource", "name", "subresource", "group_version", "abs_path"]
)
def test_setters_refuse_non_strings(setter):
    with pytest.raises(TypeError):
        getattr(build(), setter)(1)


@pytest.mark.parametrize(
    ("setter", "value"),
    [
        ("namespace", "a"),
        ("resource", "pods"),
        ("name", "x"),
        ("subresource", "status"),
        ("group_version", "apps/v1"),
        ("abs_path", "/version"),
        ("timeout", 5),
        ("body", b"{}"),
    ],
)
def test_setters_are_set_once(setter, value):
    request = getattr(build(), setter)(value)
    with pytest.raises(ValueError, match="already set"):
        getattr(request, setter)(value)


@pytest.mark.parametrize(
    "bad", ["", "apps", "/v1", "apps/", "Apps/v1", "apps/v1/x", "apps/V1", "a_b/v1"]
)
def test_group_version_is_validated(bad):
    with pytest.raises(ValueError, match="group_version"):
        build().group_version(bad)


@pytest.mark.parametrize(
    "bad", ["version", "/a/../b", "/a?x=1", "/a#f", "/a%20b", "/a b", "//x/./y"]
)
def test_abs_path_is_validated(bad):
    with pytest.raises(ValueError, match="abs_path"):
        build().abs_path(bad)


def test_prefix_and_suffix_check_each_segment():
    with pytest.raises(ValueError, match="prefix segment"):
        build().prefix("ok", "a/b")
    with pytest.raises(ValueError, match="suffix segment"):
        build().suffix("..")


def test_name_without_resource_is_refused_at_build():
    with pytest.raises(ValueError, match="needs a resource"):
        build().name("x").build()
    with pytest.raises(ValueError, match="needs a name"):
        build().resource("pods").subresource("status").build()


def test_params_append_and_headers_replace():
    request = (
        build()
        .resource("pods")
        .param("labelSelector", "app=web")
        .param("fieldSelector", "spec.nodeName=n1")
        .params({"limit": 10, "watch": True})
        .param("labelSelector", "tier=db")
        .header("X-Trace", "one")
        .header("x-trace", "two")
        .build()
    )
    assert request.params == (
        ("labelSelector", "app=web"),
        ("fieldSelector", "spec.nodeName=n1"),
        ("limit", "10"),
        ("watch", "true"),
        ("labelSelector", "tier=db"),
    )
    assert request.headers == (("x-trace", "two"),)


def test_param_and_header_misuse():
    with pytest.raises(ValueError, match="empty"):
        build().param("", "x")
    with pytest.raises(TypeError):
        build().param("limit", 1.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="line break"):
        build().header("X-A", "a\r\nInjected: yes")
    with pytest.raises(ValueError, match="token"):
        build().header("Bad Header", "x")


def test_timeout_is_sent_to_the_server_and_validated():
    request = build().resource("pods").timeout(2.5).build()
    assert request.timeout == 2.5
    assert ("timeout", "3s") in request.params
    for bad in (0, -1, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="timeout"):
            build().timeout(bad)
    with pytest.raises(TypeError):
        build().timeout("5")  # type: ignore[arg-type]


def test_method_is_validated():
    assert RequestBuilder("get").build().method == "GET"
    with pytest.raises(ValueError, match="method"):
        RequestBuilder("GE T")


class _Meta(BaseModel):
    model_config = ConfigDict(validate_by_name=True)
    name: str | None = None
    resource_version: str | None = Field(
        default=None, validation_alias="resourceVersion", serialization_alias="resourceVersion"
    )


class _Obj(BaseModel):
    model_config = ConfigDict(validate_by_name=True)
    api_version: str | None = Field(
        default=None, validation_alias="apiVersion", serialization_alias="apiVersion"
    )
    metadata: _Meta | None = None


def test_model_body_is_written_by_alias_without_unset_fields():
    content, content_type = encode_body(_Obj(api_version="v1", metadata=_Meta(name="x")))
    assert content == b'{"apiVersion":"v1","metadata":{"name":"x"}}'
    assert content_type == "application/json"


def test_body_kinds_and_content_types():
    assert build().body({"a": 1}).build().headers == (("Content-Type", "application/json"),)
    assert build().body(b"raw").build().body == b"raw"
    assert build().body("text").build().body == b"text"
    assert build().body(b"raw").build().headers == (("Content-Type", "application/json"),)
    assert build().body("a: 1").header("Content-Type", "application/yaml").build().headers == (
        ("Content-Type", "application/yaml"),
    )
    with pytest.raises(TypeError):
        build().body(42)  # type: ignore[arg-type]


def test_patch_content_type_is_kept_over_body_default():
    request = (
        RequestBuilder("PATCH", content_type="application/merge-patch+json").body({"a": 1}).build()
    )
    assert dict(request.headers)["Content-Type"] == "application/merge-patch+json"


def test_an_explicit_content_type_header_wins():
    request = build("POST").body({"a": 1}).header("Content-Type", "application/yaml").build()
    assert request.headers == (("Content-Type", "application/yaml"),)


def test_api_request_describes_itself():
    assert ApiRequest("GET", "/api/v1/pods").describe() == "GET /api/v1/pods"


def test_warning_headers_are_parsed():
    values = [
        '299 - "spec.privileged is deprecated"',
        '299 - "a \\"quoted\\" word", 299 - "second"',
        '299 - "spec.privileged is deprecated"',
    ]
    assert parse_warnings(values) == ["spec.privileged is deprecated", 'a "quoted" word', "second"]


SEGMENT_SETTERS = ["namespace", "resource", "name", "subresource"]


@given(setter=st.sampled_from(SEGMENT_SETTERS), value=st.text())
def test_any_string_either_works_or_raises_value_error(setter, value):
    try:
        request = getattr(build(), setter)(value)
    except ValueError:
        return
    # Accepted values stay one segment: no new "/" and nothing that starts a query or fragment.
    if setter in ("name", "subresource"):
        request = (
            request.resource("pods") if setter == "name" else request.resource("pods").name("x")
        )
    path = request.build().path
    assert "?" not in path
    assert "#" not in path
    assert path.count("/") == {"namespace": 4, "resource": 3, "name": 4, "subresource": 5}[setter]


@given(value=st.text())
def test_any_string_for_prefix_suffix_or_group_version_raises_only_value_error(value):
    for call in (
        lambda: build().prefix(value),
        lambda: build().suffix(value),
        lambda: build().group_version(value),
        lambda: build().abs_path(value),
    ):
        with contextlib.suppress(ValueError):
            call()

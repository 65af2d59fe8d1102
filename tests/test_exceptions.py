"""Every recorded error Status maps to its exception; odd bodies still give the right class."""

from __future__ import annotations

import pytest

import rawkube
from rawkube import errors
from rawkube.core._status import error_from_response
from tests.conftest import recorded_response

RECORDED_ERRORS = [
    ("err_400_bad_json", rawkube.BadRequestError, errors.is_bad_request),
    ("err_401_bad_token", rawkube.UnauthorizedError, errors.is_unauthorized),
    ("err_403_forbidden_create_in_view_ns", rawkube.ForbiddenError, errors.is_forbidden),
    ("err_403_forbidden_list_pods", rawkube.ForbiddenError, errors.is_forbidden),
    ("err_404_delete_missing", rawkube.NotFoundError, errors.is_not_found),
    ("err_404_pod_not_found", rawkube.NotFoundError, errors.is_not_found),
    ("err_404_unknown_resource", rawkube.NotFoundError, errors.is_not_found),
    ("err_405_method_not_allowed", rawkube.MethodNotAllowedError, errors.is_method_not_supported),
    ("err_409_already_exists", rawkube.AlreadyExistsError, errors.is_already_exists),
    ("err_409_conflict_stale_rv", rawkube.ConflictError, errors.is_conflict),
    ("err_410_expired_continue_token", rawkube.GoneError, errors.is_gone),
    ("err_410_list_exact_too_old_rv", rawkube.GoneError, errors.is_gone),
    (
        "err_415_unsupported_media",
        rawkube.UnsupportedMediaTypeError,
        errors.is_unsupported_media_type,
    ),
    ("err_422_invalid_pod_name", rawkube.InvalidError, errors.is_invalid),
]


@pytest.mark.parametrize(("name", "cls", "predicate"), RECORDED_ERRORS)
def test_recorded_status_maps_to_its_exception(name, cls, predicate):
    response = recorded_response(name)
    error = error_from_response(response.status_code, response.content)
    assert type(error) is cls
    assert predicate(error)
    assert error.code == response.status_code
    assert error.body is not None
    assert error.message == error.body.message
    assert error.reason == error.body.reason
    assert error.message in str(error)


def test_conflict_and_already_exists_are_told_apart():
    exists = error_from_response(409, recorded_response("err_409_already_exists").content)
    conflict = error_from_response(409, recorded_response("err_409_conflict_stale_rv").content)
    assert not errors.is_conflict(exists)
    assert not errors.is_already_exists(conflict)
    assert exists.details == {"name": "dup", "kind": "configmaps"}


def test_invalid_error_lists_its_causes():
    error = error_from_response(422, recorded_response("err_422_invalid_pod_name").content)
    assert isinstance(error, rawkube.InvalidError)
    assert [cause.field for cause in error.causes] == ["metadata.name"]
    assert error.causes[0].reason == "FieldValueInvalid"


def test_expired_continue_keeps_the_inconsistent_token():
    error = error_from_response(410, recorded_response("err_410_expired_continue_token").content)
    assert error.body is not None
    assert error.body.metadata is not None
    assert (
        error.body.metadata.continue_
        == "eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6LTEsInN0YXJ0IjoiY20tMlx1MDAwMCJ9"
    )


@pytest.mark.parametrize(
    ("code", "cls"),
    [
        (400, rawkube.BadRequestError),
        (401, rawkube.UnauthorizedError),
        (403, rawkube.ForbiddenError),
        (404, rawkube.NotFoundError),
        (409, rawkube.ConflictError),
        (410, rawkube.GoneError),
        (422, rawkube.InvalidError),
        (429, rawkube.TooManyRequestsError),
        (500, rawkube.InternalServerError),
        (502, rawkube.ApiError),
        (503, rawkube.ServiceUnavailableError),
        (504, rawkube.GatewayTimeoutError),
    ],
)
def test_a_proxy_html_page_still_gets_the_class_for_its_code(code, cls):
    page = b"<html><head><title>Bad Gateway</title></head><body>nginx</body></html>"
    error = error_from_response(code, page)
    assert type(error) is cls
    assert error.body is None
    assert error.reason == ""
    assert "<html><head><title>Bad Gateway" in error.message


@pytest.mark.parametrize(
    ("content", "expect"),
    [
        (b"", "empty body"),
        (b'{"kind":"Status","apiVersion":"v1","status":"Fail', "not a Kubernetes Status"),
        (b'{"kind":"Pod"}', "not a Kubernetes Status"),
        (b"\xff\xfe garbage", "not a Kubernetes Status"),
    ],
)
def test_empty_truncated_or_foreign_bodies(content, expect):
    error = error_from_response(404, content)
    assert isinstance(error, rawkube.NotFoundError)
    assert expect in error.message


def test_a_long_body_is_cut_in_the_message():
    error = error_from_response(500, b"x" * 10_000)
    assert len(error.message) < 300


@pytest.mark.parametrize(
    ("reason", "code", "cls", "predicate"),
    [
        ("ServerTimeout", 500, rawkube.ServerTimeoutError, errors.is_server_timeout),
        ("Timeout", 504, rawkube.GatewayTimeoutError, errors.is_timeout),
        ("TooManyRequests", 429, rawkube.TooManyRequestsError, errors.is_too_many_requests),
        ("ServiceUnavailable", 503, rawkube.ServiceUnavailableError, errors.is_service_unavailable),
        ("InternalError", 500, rawkube.InternalServerError, errors.is_internal_error),
        ("SomethingNew", 418, rawkube.ApiError, None),
    ],
)
def test_reason_chooses_the_class(reason, code, cls, predicate):
    body = f'{{"kind":"Status","apiVersion":"v1","status":"Failure","message":"m","reason":"{reason}","code":{code}}}'
    error = error_from_response(code, body.encode(), "7")
    assert type(error) is cls
    assert error.retry_after == 7
    assert errors.reason_for(error) == reason
    assert errors.suggests_client_delay(error) == 7
    if predicate is not None:
        assert predicate(error)


def test_predicates_answer_false_for_other_errors():
    other = ValueError("x")
    names = [n for n in errors.__all__ if n.startswith("is_")]
    assert all(getattr(errors, n)(other) is False for n in names)
    assert errors.reason_for(other) == ""


def test_tree_shape():
    for cls in (rawkube.ConnectError, rawkube.RequestTimeoutError):
        assert issubclass(cls, rawkube.TransportError)
    for cls in (rawkube.TransportError, rawkube.ApiError, rawkube.ConfigError, rawkube.DecodeError):
        assert issubclass(cls, rawkube.RawkubeError)
    assert not issubclass(rawkube.AlreadyExistsError, rawkube.ConflictError)
    assert not hasattr(rawkube.ApiError(404, "NotFound", "x"), "status")


def test_errors_survive_pickling():
    import pickle

    error = error_from_response(422, recorded_response("err_422_invalid_pod_name").content, "5")
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is rawkube.InvalidError
    assert (copy.code, copy.reason, copy.message, copy.retry_after) == (
        422,
        "Invalid",
        error.message,
        5,
    )
    assert copy.causes == error.causes
    assert str(copy) == str(error)

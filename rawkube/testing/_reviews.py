"""The kinds the API server answers without storing them: access reviews, whoami, tokens.

The fake has no authorization, so every access review is allowed and the rules review lists
everything (``kubectl auth can-i``, ``auth can-i --list``); ``auth whoami`` gets a cluster
admin; ``kubectl create token`` gets a token for a service account that exists. Each answer is
the request's object with its ``status`` filled in, as the server writes it, and nothing is
kept. The checks are the server's own for these kinds (one attribute set per access review, a
subject for a SubjectAccessReview, a token lifetime within bounds).
"""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from rawkube.testing._errors import field_invalid, invalid_object
from rawkube.testing._store import timestamp

if TYPE_CHECKING:
    from rawkube.testing._catalog import ResourceType
    from rawkube.testing._store import Obj, Store

__all__ = ["USER", "review"]

USER = {"username": "admin", "groups": ["system:masters", "system:authenticated"]}
"""Who the fake says the caller is: a cluster admin, as everything is allowed."""

_AUTHORIZATION = "authorization.k8s.io"
_AUTHENTICATION = "authentication.k8s.io"
_ACCESS_REVIEWS = ("SelfSubjectAccessReview", "SubjectAccessReview", "LocalSubjectAccessReview")
_ALL_RULES = {
    "resourceRules": [{"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]}],
    "nonResourceRules": [{"verbs": ["*"], "nonResourceURLs": ["*"]}],
    "incomplete": False,
}
_AUDIENCES = ["https://kubernetes.default.svc.cluster.local"]  # the server's --api-audiences
_TOKEN_SECONDS = 3600  # TokenRequestSpec's default expirationSeconds
_MIN_TOKEN_SECONDS, _MAX_TOKEN_SECONDS = 600, 1 << 32


def review(
    store: Store,
    resource: ResourceType,
    namespace: str,
    name: str | None,
    sub: str | None,
    body: Any,
) -> Obj | None:
    """The answer to a create of a kind the server does not store; None for any other kind."""
    if not isinstance(body, dict):
        return None
    group, kind = resource.group, resource.kind
    if sub == "token" and (group, resource.plural) == ("", "serviceaccounts") and name:
        return _token(store, resource, namespace, name, body)
    if sub is not None:
        return None
    answer: Obj = {"kind": kind, "apiVersion": resource.api_version, **body}
    answer["kind"], answer["apiVersion"] = kind, resource.api_version
    answer["metadata"] = dict(body.get("metadata") or {})
    spec = answer.get("spec") or {}
    if group == _AUTHORIZATION and kind in _ACCESS_REVIEWS:
        _check_access_review(kind, spec)
        answer["status"] = {"allowed": True}
    elif (group, kind) == (_AUTHORIZATION, "SelfSubjectRulesReview"):
        answer["status"] = json.loads(json.dumps(_ALL_RULES))
    elif (group, kind) == (_AUTHENTICATION, "SelfSubjectReview"):
        answer["status"] = {"userInfo": json.loads(json.dumps(USER))}
    else:
        return None
    return answer


def _check_access_review(kind: str, spec: dict[str, Any]) -> None:
    """422 as the server's validation of an access review's spec words it."""
    causes = []
    given = (spec.get("resourceAttributes"), spec.get("nonResourceAttributes"))
    if given[0] is not None and given[1] is not None:
        causes.append(
            field_invalid(
                "spec.nonResourceAttributes",
                given[1],
                "cannot be specified in combination with resourceAttributes",
            )
        )
    elif given[0] is None and given[1] is None:
        causes.append(
            field_invalid(
                "spec.resourceAttributes",
                None,
                "exactly one of nonResourceAttributes or resourceAttributes must be specified",
            )
        )
    if kind != "SelfSubjectAccessReview" and not spec.get("user") and not spec.get("groups"):
        causes.append(
            field_invalid("spec.user", "", "at least one of user or group must be specified")
        )
    if causes:
        raise invalid_object(kind, _AUTHORIZATION, "", causes)


def _token(store: Store, resource: ResourceType, namespace: str, name: str, body: Obj) -> Obj:
    """A TokenRequest answered for the service account ``name`` (404 when it does not exist)."""
    account = store.get(resource, namespace, name)
    spec = dict(body.get("spec") or {})
    seconds = spec.get("expirationSeconds")
    seconds = _TOKEN_SECONDS if seconds is None else seconds
    if isinstance(seconds, int) and seconds < _MIN_TOKEN_SECONDS:
        detail = "may not specify a duration less than 10 minutes"
    elif isinstance(seconds, int) and seconds > _MAX_TOKEN_SECONDS:
        detail = "may not specify a duration larger than 2^32 seconds"
    else:
        detail = ""
    if detail:
        cause = field_invalid("spec.expirationSeconds", seconds, detail)
        raise invalid_object("TokenRequest", _AUTHENTICATION, "", [cause])
    now = store.clock.now()
    expires = now + timedelta(seconds=seconds)
    spec["audiences"] = spec.get("audiences") or list(_AUDIENCES)
    spec["expirationSeconds"] = seconds
    uid = (account.get("metadata") or {}).get("uid", "")
    claims = {
        "aud": spec["audiences"],
        "exp": int(expires.timestamp()),
        "iat": int(now.timestamp()),
        "iss": _AUDIENCES[0],
        "kubernetes.io": {"namespace": namespace, "serviceaccount": {"name": name, "uid": uid}},
        "nbf": int(now.timestamp()),
        "sub": f"system:serviceaccount:{namespace}:{name}",
    }
    return {
        "kind": "TokenRequest",
        "apiVersion": f"{_AUTHENTICATION}/v1",
        "metadata": {"name": name, "namespace": namespace, "creationTimestamp": timestamp(now)},
        "spec": spec,
        "status": {"token": _unsigned_jwt(claims), "expirationTimestamp": timestamp(expires)},
    }


def _unsigned_jwt(claims: dict[str, Any]) -> str:
    """A JWT's shape with a signature nothing checks: the fake verifies no tokens."""

    def part(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")

    header = {"alg": "RS256", "kid": "rawkube-fake"}
    return ".".join(
        (
            part(json.dumps(header, separators=(",", ":")).encode()),
            part(json.dumps(claims, separators=(",", ":")).encode()),
            part(b"rawkube fake cluster: not signed"),
        )
    )

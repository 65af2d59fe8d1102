"""The loopback fake API server under hostile input, over raw sockets.

Each malformed request gets the answer kube-apiserver (or Go's net/http in front of it)
would give, and a normal request still works after it. Nothing invalid is stored, so the
lists, watches and deletes that follow keep working too.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Callable, Iterator

import pytest

from rawkube.testing import FakeCluster, FakeServer
from tests.conftest import RECORDED
from tests.testing._wire import PATIENCE, address, dechunk, raw, send

CONFIGMAPS = "/api/v1/namespaces/default/configmaps"
LIMIT = 3 * 1024 * 1024  # kube-apiserver's MaxRequestBodyBytes


@pytest.fixture
def served() -> Iterator[tuple[FakeCluster, FakeServer]]:
    cluster = FakeCluster()
    cluster.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "seed"}})
    with cluster.serve(header_timeout=1.0) as server:
        yield cluster, server


def still_serves(server: FakeServer) -> None:
    answer = send(server, raw(server, "GET", f"{CONFIGMAPS}/seed"))
    assert answer.status == 200, answer
    assert answer.json()["metadata"]["name"] == "seed"


def recorded(name: str) -> dict:
    return json.loads((RECORDED / f"{name}.body").read_text())


def chunked(total: int) -> bytes:
    piece = b"x" * 65536
    chunks = [b"%x\r\n%s\r\n" % (len(piece), piece)] * (total // len(piece) + 1)
    return b"".join(chunks) + b"0\r\n\r\n"


def a_configmap(**metadata: object) -> bytes:
    return json.dumps({"apiVersion": "v1", "kind": "ConfigMap", "metadata": metadata}).encode()


Build = Callable[[FakeServer], bytes]

# (what, the request, the status, what the answer's body says)
CASES: list[tuple[str, Build, int, str]] = [
    (
        "content-length-not-a-number",
        lambda s: raw(s, "POST", CONFIGMAPS, b"{}", headers={"Content-Length": "abc"}),
        400,
        "400 Bad Request",
    ),
    (
        "content-length-of-a-terabyte",
        lambda s: raw(s, "POST", CONFIGMAPS, b"{}", headers={"Content-Length": str(10**12)}),
        413,
        f"Request entity too large: limit is {LIMIT}",
    ),
    (
        "a-body-one-byte-over-3-MiB",
        lambda s: raw(s, "POST", CONFIGMAPS, b" " * (LIMIT + 1)),
        413,
        f"Request entity too large: limit is {LIMIT}",
    ),
    (
        "a-chunked-body-over-3-MiB",
        lambda s: raw(
            s, "POST", CONFIGMAPS, chunked(LIMIT + 1), headers={"Transfer-Encoding": "chunked"}
        ),
        413,
        "Request entity too large",
    ),
    (
        "json-nested-100000-levels-deep",
        lambda s: raw(s, "POST", CONFIGMAPS, b"[" * 100_000),
        400,
        "json parse error: invalid character '[' exceeded max depth (5b5b5b",
    ),
    (
        "json-cut-short",
        lambda s: raw(s, "POST", CONFIGMAPS, b'{"apiVersion":"v1","kind":"ConfigMap",'),
        400,
        recorded("err_400_bad_json")["message"],
    ),
    (
        "put-on-a-collection",
        lambda s: raw(s, "PUT", CONFIGMAPS, b"{}"),
        405,
        recorded("err_405_method_not_allowed")["message"],
    ),
    (
        "patch-on-a-collection",
        lambda s: raw(
            s, "PATCH", CONFIGMAPS, b"{}", headers={"Content-Type": "application/merge-patch+json"}
        ),
        405,
        recorded("err_405_method_not_allowed")["message"],
    ),
    (
        "a-name-that-is-a-number",
        lambda s: raw(s, "POST", CONFIGMAPS, a_configmap(name=5)),
        400,
        'ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal '
        "number into Go struct field ObjectMeta.metadata.name of type string",
    ),
    (
        "labels-as-a-list",
        lambda s: raw(s, "POST", CONFIGMAPS, a_configmap(name="a", labels=["x"])),
        400,
        "cannot unmarshal array into Go struct field ObjectMeta.metadata.labels of type "
        "map[string]string",
    ),
    (
        "owner-references-of-numbers",
        lambda s: raw(s, "POST", CONFIGMAPS, a_configmap(name="a", ownerReferences=[1])),
        400,
        "cannot unmarshal number into Go struct field ObjectMeta.metadata.ownerReferences of "
        "type v1.OwnerReference",
    ),
    (
        "delete-options-with-junk-preconditions",
        lambda s: raw(s, "DELETE", f"{CONFIGMAPS}/seed", b'{"preconditions":"x"}'),
        400,
        "json: cannot unmarshal string into Go struct field DeleteOptions.preconditions of type "
        "v1.Preconditions",
    ),
    (
        "delete-options-that-are-a-list",
        lambda s: raw(s, "DELETE", f"{CONFIGMAPS}/seed", b"[1]"),
        400,
        "couldn't get version/kind; json parse error: json: cannot unmarshal array",
    ),
    (
        "delete-options-with-an-unknown-policy",
        lambda s: raw(s, "DELETE", f"{CONFIGMAPS}/seed", b'{"propagationPolicy":"Sideways"}'),
        422,
        'propagationPolicy: Unsupported value: "Sideways": supported values: "Foreground", '
        '"Background", "Orphan", "nil"',
    ),
    (
        "a-name-that-is-not-utf-8",
        lambda s: raw(s, "POST", CONFIGMAPS, a_configmap(name="a").replace(b'"a"', b'"a\xff"')),
        422,
        'metadata.name: Invalid value: "a\ufffd"',
    ),
    (
        "bytes-that-are-not-utf-8-outside-a-string",
        lambda s: raw(s, "POST", CONFIGMAPS, b'{"metadata":\xff}'),
        400,
        "looking for beginning of value",
    ),
    (
        "a-lone-surrogate-in-a-label-value",
        lambda s: raw(s, "POST", CONFIGMAPS, a_configmap(name="a", labels={"k": "\ud800"})),
        422,
        'metadata.labels: Invalid value: "\ufffd": a valid label must be an empty string',
    ),
    (
        "a-lone-surrogate-in-a-name",
        lambda s: raw(s, "POST", CONFIGMAPS, a_configmap(name="x\udc00")),
        422,
        'metadata.name: Invalid value: "x\ufffd"',
    ),
    (
        "an-unknown-content-type",
        lambda s: raw(
            s, "POST", CONFIGMAPS, a_configmap(name="a"), headers={"Content-Type": "text/plain"}
        ),
        415,
        "the body of the request was in an unknown format",
    ),
    (
        "a-patch-of-an-unknown-content-type",
        lambda s: raw(
            s, "PATCH", f"{CONFIGMAPS}/seed", b"{}", headers={"Content-Type": "text/plain"}
        ),
        415,
        recorded("err_415_patch_text_plain")["message"],
    ),
    (
        "a-yaml-alias-bomb",
        lambda s: raw(
            s,
            "POST",
            CONFIGMAPS,
            b"a: &a [x, x, x, x, x, x, x, x, x]\n"
            + b"".join(
                b"%c: &%c [*%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c]\n"
                % ((c + 1,) * 2 + (c,) * 9)
                for c in range(ord("a"), ord("j"))
            ),
            headers={"Content-Type": "application/yaml"},
        ),
        400,
        "error converting YAML to JSON",
    ),
    (
        "no-token",
        lambda s: raw(s, "GET", f"{CONFIGMAPS}/seed", token=""),
        401,
        recorded("err_401_bad_token")["message"],
    ),
    (
        "a-wrong-token",
        lambda s: raw(s, "GET", f"{CONFIGMAPS}/seed", token="not-the-token"),
        401,
        recorded("err_401_bad_token")["message"],
    ),
    (
        "a-foreign-host",
        lambda s: raw(s, "GET", f"{CONFIGMAPS}/seed", host=f"attacker.example:{address(s)[1]}"),
        403,
        'host "attacker.example',
    ),
    (
        "no-host",
        lambda s: raw(s, "GET", f"{CONFIGMAPS}/seed").replace(b"Host: ", b"X-Host: "),
        400,
        "400 Bad Request: missing required Host header",
    ),
    (
        "headers-over-1-MiB",
        lambda s: raw(s, "GET", f"{CONFIGMAPS}/seed", headers={"X-Big": "x" * (1 << 21)}),
        431,
        "431 Request Header Fields Too Large",
    ),
    (
        "a-malformed-request-line",
        lambda s: b"GET\r\nHost: 127.0.0.1\r\n\r\n",
        400,
        "400 Bad Request",
    ),
    (
        "an-unsupported-transfer-encoding",
        lambda s: raw(s, "POST", CONFIGMAPS, b"{}", headers={"Transfer-Encoding": "gzip"}),
        501,
        "Unsupported transfer encoding",
    ),
    (
        "a-chunk-size-that-is-not-hex",
        lambda s: raw(
            s,
            "POST",
            CONFIGMAPS,
            b"zz\r\n{}\r\n0\r\n\r\n",
            headers={"Transfer-Encoding": "chunked"},
        ),
        400,
        "400 Bad Request",
    ),
]


@pytest.mark.parametrize(
    ("request_bytes", "status", "says"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_a_malformed_request_gets_the_servers_answer_and_the_server_goes_on(
    served, request_bytes, status, says
):
    cluster, server = served
    answer = send(server, request_bytes(server))
    assert answer.status == status, answer
    if answer.headers.get("content-type") == "application/json":
        body = answer.json()
        assert (body["kind"], body["apiVersion"], body["status"], body["code"]) == (
            "Status",
            "v1",
            "Failure",
            status,
        )
        text = body["message"]
    else:  # refused by the HTTP layer, before the API server: Go's plain text
        assert answer.headers["content-type"] == "text/plain; charset=utf-8"
        text = answer.body.decode()
    assert says in text, text
    still_serves(server)
    assert [c["metadata"]["name"] for c in cluster.objects("ConfigMap")] == ["seed"]


def test_the_api_servers_refusals_are_its_status_bodies_to_the_byte(served):
    _, server = served
    cut_short = raw(server, "POST", CONFIGMAPS, b'{"apiVersion":"v1","kind":"ConfigMap",')
    assert send(server, cut_short).json() == recorded("err_400_bad_json")
    assert send(server, raw(server, "PUT", CONFIGMAPS, b"{}")).json() == recorded(
        "err_405_method_not_allowed"
    )
    assert send(server, raw(server, "GET", CONFIGMAPS, token="")).json() == recorded(
        "err_401_bad_token"
    )


def test_a_422_names_every_field_at_fault(served):
    _, server = served
    body = a_configmap(name="x\udc00", labels={"a b": "ok"}, ownerReferences=[{}])
    causes = send(server, raw(server, "POST", CONFIGMAPS, body)).json()["details"]["causes"]
    assert [c["field"] for c in causes] == [
        "metadata.name",
        "metadata.labels",
        "metadata.ownerReferences.apiVersion",
        "metadata.ownerReferences.kind",
        "metadata.ownerReferences.name",
        "metadata.ownerReferences.uid",
    ]
    assert {c["reason"] for c in causes} == {"FieldValueInvalid"}


def test_a_lone_surrogate_where_any_text_goes_is_stored_as_the_replacement_character(served):
    _, server = served
    body = a_configmap(name="a", annotations={"note": "\ud800!"})
    assert send(server, raw(server, "POST", CONFIGMAPS, body)).status == 201
    listed = send(server, raw(server, "GET", CONFIGMAPS)).json()
    (created,) = [i for i in listed["items"] if i["metadata"]["name"] == "a"]
    assert created["metadata"]["annotations"] == {"note": "\ufffd!"}  # as Go reads it


def test_after_every_refusal_lists_watches_and_deletes_of_other_objects_work(served):
    cluster, server = served
    for body in (
        a_configmap(name="bad\ud800"),
        a_configmap(name="bad", labels=["x"]),
        a_configmap(name="bad", ownerReferences=[1]),
        a_configmap(name="bad", finalizers=[1]),
        a_configmap(name="bad", annotations={"a": 5}),
    ):
        assert send(server, raw(server, "POST", CONFIGMAPS, body)).status in (400, 422)
    merge = {"Content-Type": "application/merge-patch+json"}
    for patch in (b'{"metadata":{"labels":["x"]}}', b'{"metadata":{"ownerReferences":[1]}}'):
        answer = send(server, raw(server, "PATCH", f"{CONFIGMAPS}/seed", patch, headers=merge))
        assert answer.status == 422, answer
        assert answer.json()["details"]["causes"][0]["field"] == "patch"
    listed = send(server, raw(server, "GET", CONFIGMAPS)).json()
    assert [item["metadata"]["name"] for item in listed["items"]] == ["seed"]
    watch = send(server, raw(server, "GET", f"{CONFIGMAPS}?watch=1&timeoutSeconds=1"))
    events = [json.loads(line) for line in dechunk(watch.body).splitlines()]
    assert [(e["type"], e["object"]["metadata"]["name"]) for e in events] == [("ADDED", "seed")]
    assert send(server, raw(server, "DELETE", f"{CONFIGMAPS}/seed")).status == 200
    assert cluster.objects("ConfigMap") == []


def test_a_stalled_partial_request_is_dropped_and_others_are_served_meanwhile(served):
    _, server = served  # header_timeout=1.0
    with socket.create_connection(address(server), timeout=PATIENCE) as stalled:
        stalled.sendall(b"GET /api/v1/namespaces HTT")
        still_serves(server)
        assert stalled.recv(65536) == b""  # dropped without an answer, as Go drops it

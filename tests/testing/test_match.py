"""The fake API server's label and field selector matching, held to the real server's rules."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rawkube.core._match import FieldSelector, LabelSelector, supported_fields
from rawkube.core._selector import field_selector, selector


def labels_match(text: str, labels: dict[str, str] | None) -> bool:
    return LabelSelector.parse(text).matches(labels)


# --- label selectors: one test per operator ------------------------------------------------


@pytest.mark.parametrize("text", ["", "   ", "\t\n"])
def test_empty_label_selector_matches_everything(text: str) -> None:
    assert labels_match(text, {"app": "web"})
    assert labels_match(text, {})
    assert labels_match(text, None)


@pytest.mark.parametrize("text", ["app=web", "app==web", "app = web"])
def test_equals_needs_the_label_with_that_value(text: str) -> None:
    assert labels_match(text, {"app": "web", "tier": "front"})
    assert not labels_match(text, {"app": "db"})
    assert not labels_match(text, {"tier": "front"})
    assert not labels_match(text, None)


def test_equals_nothing_needs_the_label_with_an_empty_value() -> None:
    assert labels_match("app=", {"app": ""})
    assert not labels_match("app=", {"app": "web"})
    assert not labels_match("app=", {})


def test_not_equals_matches_other_values_and_objects_without_the_label() -> None:
    assert labels_match("app!=web", {"app": "db"})
    assert labels_match("app!=web", {"tier": "front"})
    assert labels_match("app!=web", None)
    assert not labels_match("app!=web", {"app": "web"})


def test_in_needs_the_label_with_one_of_the_values() -> None:
    assert labels_match("env in (prod, staging)", {"env": "prod"})
    assert labels_match("env in (prod, staging)", {"env": "staging"})
    assert not labels_match("env in (prod, staging)", {"env": "dev"})
    assert not labels_match("env in (prod, staging)", {})


def test_notin_matches_other_values_and_objects_without_the_label() -> None:
    assert labels_match("env notin (prod, staging)", {"env": "dev"})
    assert labels_match("env notin (prod, staging)", {"app": "web"})
    assert labels_match("env notin (prod, staging)", None)
    assert not labels_match("env notin (prod, staging)", {"env": "prod"})


@pytest.mark.parametrize("text", ["env in ()", "env in (,)", "env in (,prod)", "env in (prod,)"])
def test_empty_values_in_a_set_are_the_empty_string(text: str) -> None:
    # The server reads "()" and a leading or trailing comma as the value "".
    assert labels_match(text, {"env": ""})
    assert not labels_match(text, {"env": "dev"})


def test_in_with_a_doubled_comma_holds_the_empty_value_too() -> None:
    assert labels_match("env in (a,,b)", {"env": ""})
    assert labels_match("env in (a,,b)", {"env": "b"})
    assert not labels_match("env in (a,b)", {"env": ""})


def test_exists_needs_the_label_whatever_its_value() -> None:
    assert labels_match("gpu", {"gpu": ""})
    assert labels_match("gpu", {"gpu": "a100"})
    assert not labels_match("gpu", {"cpu": "x"})
    assert not labels_match("gpu", None)


def test_not_exists_needs_the_label_to_be_absent() -> None:
    assert labels_match("!gpu", {"cpu": "x"})
    assert labels_match("!gpu", None)
    assert not labels_match("!gpu", {"gpu": ""})


def test_greater_than_compares_integers_not_strings() -> None:
    assert labels_match("replicas>9", {"replicas": "10"})
    assert labels_match("replicas>6", {"replicas": "007"})
    assert not labels_match("replicas>10", {"replicas": "10"})
    assert not labels_match("replicas>10", {"replicas": "9"})


def test_less_than_compares_integers_not_strings() -> None:
    assert labels_match("replicas<10", {"replicas": "9"})
    assert labels_match("replicas<0", {"replicas": "-3"})
    assert not labels_match("replicas<10", {"replicas": "10"})
    assert not labels_match("replicas<10", {"replicas": "11"})


@pytest.mark.parametrize(
    "value", ["abc", "1.5", "", " 5", "5 ", "1_000", "0x1f", "\u0663", "9223372036854775808"]
)
def test_greater_and_less_than_never_match_a_value_that_is_not_an_int64(value: str) -> None:
    assert not labels_match("n>0", {"n": value})
    assert not labels_match("n<99999999999999999", {"n": value})


def test_greater_and_less_than_read_a_sign_as_strconv_does() -> None:
    assert labels_match("n>4", {"n": "+5"})
    assert labels_match("n<9223372036854775807", {"n": "-9223372036854775808"})


def test_greater_and_less_than_never_match_a_missing_label() -> None:
    assert not labels_match("n>0", {})
    assert not labels_match("n<1", None)


def test_all_requirements_must_hold() -> None:
    text = "app=web,env notin (prod),!canary,replicas>1"
    assert labels_match(text, {"app": "web", "env": "dev", "replicas": "3"})
    assert not labels_match(text, {"app": "web", "env": "prod", "replicas": "3"})
    assert not labels_match(text, {"app": "web", "replicas": "3", "canary": "1"})
    assert not labels_match(text, {"app": "web", "replicas": "1"})
    # Two values for one key select nothing: a label has one value.
    assert not labels_match("app=web,app=db", {"app": "web"})


def test_in_and_notin_are_plain_words_away_from_the_operator() -> None:
    assert labels_match("in in (notin)", {"in": "notin"})
    assert labels_match("notin=in", {"notin": "in"})


def test_prefixed_keys_match_whole() -> None:
    assert labels_match("app.kubernetes.io/name=web", {"app.kubernetes.io/name": "web"})
    assert not labels_match("app.kubernetes.io/name=web", {"name": "web"})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("app in (a", "position 9: expected ',' or ')' after value 'a', found end of string"),
        ("a b", "position 2: expected an operator (=, ==, !=, in, notin, >, <) after key 'a'"),
        ("x>1.5", "expected a non-negative integer after '>', found '1.5'"),
        ("a=-x", "invalid label value '-x'"),
        ("Example.com/app=web", "invalid label key 'Example.com/app'"),
    ],
)
def test_label_selector_syntax_errors_are_the_clients(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        LabelSelector.parse(text)


def test_label_selector_repr_shows_the_text() -> None:
    assert repr(LabelSelector.parse("app=web")) == "LabelSelector.parse('app=web')"


_LABEL_PART = st.from_regex(r"[a-z0-9]([a-z0-9._-]{0,8}[a-z0-9])?", fullmatch=True)


@given(st.dictionaries(_LABEL_PART, _LABEL_PART | st.just(""), max_size=5), st.data())
def test_a_selector_built_from_labels_selects_them_and_no_changed_copy(
    labels: dict[str, str], data: st.DataObject
) -> None:
    parsed = LabelSelector.parse(selector(labels))
    assert parsed.matches(labels)
    assert parsed.matches({**labels, "zz-extra": "x"})
    if labels:
        key = data.draw(st.sampled_from(sorted(labels)))
        assert not parsed.matches({**labels, key: labels[key] + "x"})
        assert not parsed.matches({k: v for k, v in labels.items() if k != key})


# --- field selectors -----------------------------------------------------------------------

POD_FIELDS = supported_fields("", "pods")


def pod(
    name: str = "web-1", namespace: str = "default", **sections: dict[str, Any]
) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace},
        **sections,
    }


def fields_match(text: str, obj: dict[str, Any], supported: frozenset[str] = POD_FIELDS) -> bool:
    return FieldSelector.parse(text, supported).matches(obj)


@pytest.mark.parametrize("text", ["", ",", "metadata.name=web-1,"])
def test_empty_field_selector_and_empty_terms_add_no_requirement(text: str) -> None:
    assert fields_match(text, pod())
    assert not fields_match(text + "metadata.name=other", pod())


@pytest.mark.parametrize("text", ["metadata.name=web-1", "metadata.name==web-1"])
def test_field_equals(text: str) -> None:
    assert fields_match(text, pod("web-1"))
    assert not fields_match(text, pod("web-2"))


def test_field_not_equals() -> None:
    assert fields_match("metadata.namespace!=kube-system", pod(namespace="default"))
    assert not fields_match("metadata.namespace!=kube-system", pod(namespace="kube-system"))


def test_field_terms_must_all_hold() -> None:
    text = "status.phase=Running,spec.nodeName=node-a,metadata.namespace!=kube-system"
    running = pod(spec={"nodeName": "node-a"}, status={"phase": "Running"})
    assert fields_match(text, running)
    assert not fields_match(text, pod(spec={"nodeName": "node-b"}, status={"phase": "Running"}))
    assert not fields_match(text, pod(spec={"nodeName": "node-a"}, status={"phase": "Pending"}))


def test_missing_field_compares_as_the_empty_string() -> None:
    unscheduled = pod(spec={"containers": []})
    scheduled = pod(spec={"nodeName": "node-a"})
    assert fields_match("spec.nodeName=", unscheduled)
    assert not fields_match("spec.nodeName=", scheduled)
    assert fields_match("spec.nodeName!=", scheduled)
    assert not fields_match("spec.nodeName!=", unscheduled)
    assert fields_match("status.phase=", pod())


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("metadata.name=a\\,b", "a,b"),
        ("metadata.name=a\\=b", "a=b"),
        ("metadata.name=a\\\\b", "a\\b"),
        ("metadata.name==\\=\\,\\\\", "=,\\"),
        ("metadata.name!=x\\,y,metadata.name=a\\,b", "a,b"),
    ],
)
def test_escaped_commas_equals_and_backslashes_in_values(text: str, name: str) -> None:
    assert fields_match(text, pod(name))
    assert not fields_match(text, pod(name + "x"))


def test_an_escaped_comma_does_not_split_the_selector() -> None:
    # Unescaped, the comma would start a second term "b" and fail to parse.
    parsed = FieldSelector.parse("metadata.name=a\\,b", POD_FIELDS)
    assert parsed.matches(pod("a,b"))
    assert not parsed.matches(pod("a"))
    assert not parsed.matches(pod("a\\,b"))  # the escape is not part of the value


def rejection(text: str, supported: frozenset[str]) -> str:
    with pytest.raises(ValueError, match="field label not supported") as caught:
        FieldSelector.parse(text, supported)
    return str(caught.value)


def test_unsupported_field_is_the_servers_bad_request_message() -> None:
    message = rejection("status.hostIP=10.0.0.1", POD_FIELDS)
    assert message == "field label not supported: status.hostIP"


def test_unsupported_field_named_is_the_first_in_sorted_term_order() -> None:
    # The server sorts the terms before converting their fields.
    message = rejection("zeta=1,metadata.name=x,alpha=2", POD_FIELDS)
    assert message == "field label not supported: alpha"


def test_syntax_errors_come_before_unsupported_fields() -> None:
    with pytest.raises(ValueError, match=re.escape("unescaped '=' in value")):
        FieldSelector.parse("alpha=1,status.phase=a=b", POD_FIELDS)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("metadata.name", "expected '=', '==' or '!=' between a field and a value"),
        ("metadata.name=a=b", "unescaped '=' in value; write it as '\\='"),
        ("metadata.name=a\\!", "invalid escape '\\!' in value"),
        ("metadata.name=a\\", "the value ends in a lone '\\'"),
        ("metadata.name in (a)", "expected '=', '==' or '!='"),
    ],
)
def test_field_selector_syntax_errors_are_the_clients(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        FieldSelector.parse(text, POD_FIELDS)


def test_supported_may_be_any_collection() -> None:
    parsed = FieldSelector.parse("spec.color=blue", ["spec.color"])
    assert parsed.matches({"spec": {"color": "blue"}})
    assert not parsed.matches({"spec": {}})


def test_field_selector_repr_shows_the_text() -> None:
    assert repr(FieldSelector.parse("metadata.name=a", POD_FIELDS)) == (
        "FieldSelector.parse('metadata.name=a', ...)"
    )


@given(st.text(max_size=20))
def test_any_value_escaped_by_the_client_selects_exactly_that_value(name: str) -> None:
    text = field_selector({"metadata.name": name})
    assert text is not None
    assert fields_match(text, pod(name))
    assert not fields_match(text, pod(name + "x"))


# --- field values as each kind's registry reads them ----------------------------------------


def test_booleans_compare_as_their_json_text() -> None:
    host = pod(spec={"hostNetwork": True})
    assert fields_match("spec.hostNetwork=true", host)
    assert not fields_match("spec.hostNetwork=True", host)
    assert fields_match("spec.hostNetwork=false", pod(spec={"hostNetwork": False}))


def test_a_pod_without_host_network_reads_false() -> None:
    assert fields_match("spec.hostNetwork=false", pod(spec={}))
    assert not fields_match("spec.hostNetwork=", pod(spec={}))


def test_a_node_without_unschedulable_reads_false() -> None:
    nodes = supported_fields("", "nodes")
    node: dict[str, Any] = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n1"}}
    assert fields_match("spec.unschedulable=false", node, nodes)
    cordoned = {**node, "spec": {"unschedulable": True}}
    assert fields_match("spec.unschedulable=true", cordoned, nodes)


def test_replication_controller_replicas_read_as_a_decimal_count() -> None:
    controllers = supported_fields("", "replicationcontrollers")
    rc: dict[str, Any] = {"apiVersion": "v1", "kind": "ReplicationController", "metadata": {}}
    assert fields_match("status.replicas=0", rc, controllers)
    assert fields_match("status.replicas=3", {**rc, "status": {"replicas": 3}}, controllers)


def test_job_status_successful_counts_status_succeeded() -> None:
    jobs = supported_fields("batch", "jobs")
    job: dict[str, Any] = {"apiVersion": "batch/v1", "kind": "Job", "metadata": {}}
    assert fields_match("status.successful=0", job, jobs)
    assert fields_match("status.successful=1", {**job, "status": {"succeeded": 1}}, jobs)
    assert not fields_match("status.successful=1", {**job, "status": {"successful": 1}}, jobs)


def test_pod_ip_is_the_first_of_the_pod_ips() -> None:
    dual = pod(status={"podIPs": [{"ip": "10.0.0.5"}, {"ip": "fd00::5"}]})
    assert fields_match("status.podIP=10.0.0.5", dual)
    assert fields_match("status.podIP=10.0.0.6", pod(status={"podIP": "10.0.0.6"}))


def test_pod_ips_is_accepted_but_never_holds_an_address() -> None:
    dual = pod(status={"podIP": "10.0.0.5", "podIPs": [{"ip": "10.0.0.5"}]})
    assert not fields_match("status.podIPs=10.0.0.5", dual)
    assert fields_match("status.podIPs=", dual)


def test_spec_host_is_the_old_name_of_spec_node_name() -> None:
    assert fields_match("spec.host=node-a", pod(spec={"nodeName": "node-a"}))
    assert not fields_match("spec.host=node-a", pod(spec={"host": "node-a"}))


def test_core_event_source_falls_back_to_the_reporting_component() -> None:
    events = supported_fields("", "events")
    event: dict[str, Any] = {"apiVersion": "v1", "kind": "Event", "metadata": {}}
    from_kubelet = {**event, "source": {"component": "kubelet"}, "reportingComponent": "x"}
    assert fields_match("source=kubelet", from_kubelet, events)
    assert fields_match("source=scheduler", {**event, "reportingComponent": "scheduler"}, events)
    assert fields_match(
        "involvedObject.kind=Pod,involvedObject.name=web-1,type=Warning",
        {**event, "involvedObject": {"kind": "Pod", "name": "web-1"}, "type": "Warning"},
        events,
    )


def test_events_k8s_io_selects_by_its_own_field_names() -> None:
    events = supported_fields("events.k8s.io", "events")
    event: dict[str, Any] = {
        "apiVersion": "events.k8s.io/v1",
        "kind": "Event",
        "metadata": {},
        "regarding": {"kind": "Pod", "name": "web-1"},
        "reportingController": "kubelet",
    }
    assert fields_match("regarding.kind=Pod,reportingController=kubelet", event, events)
    assert fields_match("source=kubelet", event, events)
    assert fields_match("source=old", {**event, "deprecatedSource": {"component": "old"}}, events)


def test_an_object_without_apiversion_and_kind_is_read_by_path() -> None:
    assert fields_match("spec.hostNetwork=", {"spec": {}})
    assert fields_match(
        "status.replicas=2", {"status": {"replicas": 2}}, frozenset({"status.replicas"})
    )


# --- supported_fields ------------------------------------------------------------------------


def test_pods_support_their_fields() -> None:
    assert {
        "metadata.name",
        "metadata.namespace",
        "spec.nodeName",
        "spec.restartPolicy",
        "spec.schedulerName",
        "spec.serviceAccountName",
        "spec.hostNetwork",
        "status.phase",
        "status.podIP",
        "status.nominatedNodeName",
    } <= supported_fields("", "pods")
    assert "status.hostIP" not in supported_fields("", "pods")


@pytest.mark.parametrize(
    ("group", "resource", "fields"),
    [
        ("", "secrets", {"metadata.name", "metadata.namespace", "type"}),
        ("", "services", {"metadata.name", "metadata.namespace", "spec.clusterIP", "spec.type"}),
        ("", "replicationcontrollers", {"metadata.name", "metadata.namespace", "status.replicas"}),
        ("batch", "jobs", {"metadata.name", "metadata.namespace", "status.successful"}),
        ("", "namespaces", {"metadata.name", "status.phase"}),
        ("", "nodes", {"metadata.name", "spec.unschedulable"}),
        ("certificates.k8s.io", "certificatesigningrequests", {"metadata.name", "spec.signerName"}),
        ("resource.k8s.io", "resourceslices", {"metadata.name", "spec.nodeName", "spec.driver"}),
    ],
)
def test_resources_with_their_own_conversion(group: str, resource: str, fields: set[str]) -> None:
    assert supported_fields(group, resource) == fields


def test_core_events_support_the_involved_object_and_more() -> None:
    fields = supported_fields("", "events")
    assert {
        "involvedObject.kind",
        "involvedObject.namespace",
        "involvedObject.name",
        "involvedObject.uid",
        "involvedObject.apiVersion",
        "involvedObject.resourceVersion",
        "involvedObject.fieldPath",
        "reason",
        "reportingComponent",
        "source",
        "type",
        "metadata.name",
        "metadata.namespace",
    } == fields


def test_events_k8s_io_uses_regarding_for_the_involved_object() -> None:
    fields = supported_fields("events.k8s.io", "events")
    assert {"regarding.kind", "regarding.name", "reportingController", "source"} <= fields
    assert "involvedObject.kind" not in fields


@pytest.mark.parametrize(
    ("group", "resource"),
    [
        ("apps", "deployments"),
        ("apps", "replicasets"),  # the docs list status.replicas; the server rejects it
        ("", "configmaps"),
        ("batch", "cronjobs"),
        ("rbac.authorization.k8s.io", "clusterroles"),
        ("example.com", "widgets"),
    ],
)
def test_other_resources_support_only_name_and_namespace(group: str, resource: str) -> None:
    assert supported_fields(group, resource) == {"metadata.name", "metadata.namespace"}


def test_replicasets_reject_status_replicas() -> None:
    message = rejection("status.replicas=0", supported_fields("apps", "replicasets"))
    assert message == "field label not supported: status.replicas"


def test_cluster_scoped_resources_with_their_own_list_reject_metadata_namespace() -> None:
    message = rejection("metadata.namespace=", supported_fields("", "nodes"))
    assert message == "field label not supported: metadata.namespace"

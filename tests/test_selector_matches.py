"""rawkube.selector_matches: every selector form, matched as the server (and the fake) match it."""

from __future__ import annotations

import re

import pytest

import rawkube
from rawkube.models.apps_v1 import Deployment
from rawkube.models.meta_v1 import LabelSelector, LabelSelectorRequirement

WEB = {"app": "web", "tier": "front", "replicas": "3"}


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        ("", True),
        ("app=web", True),
        ("app==web", True),
        ("app=db", False),
        ("app=web,tier!=db", True),
        ("app=web,tier!=front", False),
        ("missing!=x", True),  # an object without the label is "not equal" to anything
        ("tier in (front,back)", True),
        ("tier in (back)", False),
        ("tier notin (back)", True),
        ("missing notin (back)", True),
        ("tier notin (front)", False),
        ("app", True),
        ("!app", False),
        ("!canary", True),
        ("replicas>2", True),
        ("replicas<3", False),
        ("app>2", False),  # not an integer: neither greater nor less
        ({}, True),
        ({"app": "web"}, True),
        ({"app": "web", "tier": "back"}, False),
        ({"matchLabels": {}}, True),
        ({"matchLabels": {}, "matchExpressions": []}, True),
        ({"matchLabels": {"app": "web"}}, True),
        ({"matchLabels": {"app": "db"}}, False),
        ({"matchExpressions": [{"key": "tier", "operator": "In", "values": ["front"]}]}, True),
        ({"matchExpressions": [{"key": "tier", "operator": "NotIn", "values": ["front"]}]}, False),
        ({"matchExpressions": [{"key": "canary", "operator": "DoesNotExist"}]}, True),
        ({"matchExpressions": [{"key": "canary", "operator": "Exists"}]}, False),
        (
            {
                "matchLabels": {"app": "web"},
                "matchExpressions": [{"key": "tier", "operator": "In", "values": ["back"]}],
            },
            False,
        ),
        (LabelSelector(), True),
        (LabelSelector(match_labels={}), True),
        (LabelSelector(match_labels={"app": "web"}), True),
        (
            LabelSelector(
                match_expressions=[
                    LabelSelectorRequirement(key="tier", operator="NotIn", values=["db"])
                ]
            ),
            True,
        ),
        (None, False),
    ],
)
def test_every_form_matches_as_the_server_does(selector: object, expected: bool) -> None:
    assert rawkube.selector_matches(selector, WEB) is expected  # type: ignore[arg-type]


def test_none_labels_are_no_labels() -> None:
    assert rawkube.selector_matches("!app", None)
    assert not rawkube.selector_matches("app", None)
    assert rawkube.selector_matches({}, None)


def test_a_label_named_like_a_selector_field_is_a_label() -> None:
    # "matchLabels" is a valid label key; with a str value the map is one of labels.
    assert rawkube.selector_matches({"matchLabels": "x"}, {"matchLabels": "x"})
    assert not rawkube.selector_matches({"matchLabels": "x"}, {})


def test_a_deployment_selector_picks_its_template() -> None:
    deployment = Deployment.model_validate(
        {
            "metadata": {"name": "web"},
            "spec": {
                "selector": {"matchLabels": {"app": "web"}},
                "template": {"metadata": {"labels": {"app": "web", "v": "2"}}},
            },
        }
    )
    assert deployment.spec is not None
    assert deployment.spec.template.metadata is not None
    labels = deployment.spec.template.metadata.labels
    assert rawkube.selector_matches(deployment.spec.selector, labels)


@pytest.mark.parametrize(
    ("selector", "problem"),
    [
        ("app in (web", "position 11"),
        ("app=web,,", "expected a label key"),
        ("-bad=x", "invalid label key '-bad'"),
        ({"Bad Key": "x"}, "invalid label key 'Bad Key'"),
        ({"app": "not valid!"}, "invalid label value"),
        ({"matchExpressions": [{"key": "a", "operator": "in", "values": ["x"]}]}, "'in' is not"),
        ({"matchExpressions": [{"key": "a", "operator": "In"}]}, "can't be empty"),
        ({"matchExpressions": [{"key": "a", "operator": "Exists", "values": ["x"]}]}, "empty"),
        ({"matchLabels": {"a": "b"}, "matchLabelz": {}}, "unknown field(s) matchLabelz"),
    ],
)
def test_a_malformed_selector_is_a_value_error(selector: object, problem: str) -> None:
    with pytest.raises(ValueError, match=re.escape(problem)):
        rawkube.selector_matches(selector, WEB)  # type: ignore[arg-type]


@pytest.mark.parametrize(("selector", "labels"), [(3, {}), (Deployment, {}), ("a", ["a"])])
def test_a_wrong_type_is_a_type_error(selector: object, labels: object) -> None:
    with pytest.raises(TypeError, match="must be"):
        rawkube.selector_matches(selector, labels)  # type: ignore[arg-type]


SELECTORS = [
    "",
    "app=web",
    "app!=web",
    "tier in (front,back)",
    "tier notin (front)",
    "canary",
    "!canary",
    "n>1",
    "app=web,n<5",
]
PODS = {
    "a": {"app": "web", "tier": "front", "n": "1"},
    "b": {"app": "web", "tier": "back", "canary": "", "n": "4"},
    "c": {"app": "db", "n": "10"},
    "d": {},
}


@pytest.mark.parametrize("text", SELECTORS)
def test_it_agrees_with_what_list_and_watch_select(fake_client, fake_cluster, text) -> None:
    for name, labels in PODS.items():
        fake_cluster.create(
            {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "labels": labels}}
        )
    pods = fake_client.dynamic.resource(rawkube.GroupVersionResource("", "v1", "configmaps"))
    listed = {
        o["metadata"]["name"] for o in pods.namespace("default").list(label_selector=text)["items"]
    }
    assert listed == {
        name for name, labels in PODS.items() if rawkube.selector_matches(text, labels)
    }


def test_the_fake_refuses_a_template_its_selector_does_not_pick(fake_client) -> None:
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web"},
        "spec": {
            "selector": {
                "matchExpressions": [{"key": "app", "operator": "NotIn", "values": ["web"]}]
            },
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "c", "image": "nginx"}]},
            },
        },
    }
    api = fake_client.dynamic.resource(rawkube.GroupVersionResource("apps", "v1", "deployments"))
    with pytest.raises(rawkube.InvalidError, match="does not match template"):
        api.namespace("default").create(deployment)
    deployment["spec"]["selector"]["matchExpressions"][0]["operator"] = "In"
    assert api.namespace("default").create(deployment)["metadata"]["name"] == "web"

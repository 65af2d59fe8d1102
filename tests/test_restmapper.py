"""RESTMapper over the recorded discovery documents: kubectl-style names, kinds and resources."""

from __future__ import annotations

import json
import pickle
from datetime import datetime, timezone
from typing import Any

import pytest

from rawkube import GroupVersionKind, GroupVersionResource, RawkubeError
from rawkube.client._discovery import DiscoveryData, GroupInfo, parse_aggregated
from rawkube.core._resource import ResourceInfo
from rawkube.core._restmapper import AmbiguousResourceError, ResourceNotFoundError, RESTMapper
from tests.conftest import RECORDED


def recorded(name: str) -> Any:
    return json.loads((RECORDED / f"{name}.body").read_bytes())


def aggregated_resource(
    plural: str, kind: str, *, short_names: tuple[str, ...] = (), namespaced: bool = True
) -> dict[str, Any]:
    """One APIResourceDiscovery entry as the API server writes it."""
    entry: dict[str, Any] = {
        "resource": plural,
        "responseKind": {"group": "", "version": "", "kind": kind},
        "scope": "Namespaced" if namespaced else "Cluster",
        "singularResource": kind.lower(),
        "verbs": ["get", "list", "watch"],
        "subresources": [
            {
                "subresource": "status",
                "responseKind": {"group": "", "version": "", "kind": kind},
                "verbs": ["get", "patch", "update"],
            }
        ],
    }
    if short_names:
        entry["shortNames"] = list(short_names)
    return entry


def aggregated_group(name: str, versions: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """One APIGroupDiscovery; ``versions`` in the server's order, preferred first."""
    return {
        "metadata": {"name": name},
        "versions": [
            {"version": version, "resources": resources, "freshness": "Current"}
            for version, resources in versions.items()
        ],
    }


def widget_group(short_names: tuple[str, ...] = ("wd",)) -> dict[str, Any]:
    """The synthetic CRD group: example.com/v1 Widget, plural widgets."""
    return aggregated_group(
        "example.com", {"v1": [aggregated_resource("widgets", "Widget", short_names=short_names)]}
    )


def apis_with(*groups: dict[str, Any]) -> dict[str, Any]:
    """The recorded aggregated /apis document with ``groups`` appended, as CRDs are listed."""
    document = recorded("apis_aggregated_v2")
    document["items"] = [*document["items"], *groups]
    return document


def data_from(api: dict[str, Any], apis: dict[str, Any]) -> DiscoveryData:
    core, rest = parse_aggregated(api), parse_aggregated(apis)
    return DiscoveryData(
        core.groups + rest.groups,
        {**core.resources, **rest.resources},
        datetime(2026, 1, 1, tzinfo=timezone.utc),
    )


def mapper_with(*groups: dict[str, Any]) -> RESTMapper:
    return data_from(recorded("api_aggregated_v2"), apis_with(*groups)).rest_mapper()


@pytest.fixture(scope="module")
def mapper() -> RESTMapper:
    return mapper_with(widget_group())


@pytest.mark.parametrize(
    ("text", "api_version", "plural"),
    [
        ("po", "v1", "pods"),
        ("pods", "v1", "pods"),
        ("pod", "v1", "pods"),
        ("Pod", "v1", "pods"),
        ("PODS", "v1", "pods"),
        ("pods.v1.", "v1", "pods"),
        ("deploy", "apps/v1", "deployments"),
        ("deployments", "apps/v1", "deployments"),
        ("Deployment", "apps/v1", "deployments"),
        ("deployments.apps", "apps/v1", "deployments"),
        ("deployments.v1.apps", "apps/v1", "deployments"),
        ("deploy.apps", "apps/v1", "deployments"),
        ("Deployment.apps", "apps/v1", "deployments"),
        ("crd", "apiextensions.k8s.io/v1", "customresourcedefinitions"),
        ("cs", "v1", "componentstatuses"),
        # Served by the core group and events.k8s.io: the core group comes first, as in kubectl.
        ("ev", "v1", "events"),
        ("events", "v1", "events"),
        ("ev.events.k8s.io", "events.k8s.io/v1", "events"),
        ("events.v1.events.k8s.io", "events.k8s.io/v1", "events"),
        # autoscaling serves v2 (preferred) and v1.
        ("hpa", "autoscaling/v2", "horizontalpodautoscalers"),
        ("hpa.v1.autoscaling", "autoscaling/v1", "horizontalpodautoscalers"),
        ("horizontalpodautoscalers.v1.autoscaling", "autoscaling/v1", "horizontalpodautoscalers"),
        # The CRD.
        ("wd", "example.com/v1", "widgets"),
        ("Widget", "example.com/v1", "widgets"),
        ("widget", "example.com/v1", "widgets"),
        ("widgets.example.com", "example.com/v1", "widgets"),
        ("widgets.v1.example.com", "example.com/v1", "widgets"),
        ("wd.example.com", "example.com/v1", "widgets"),
    ],
)
def test_resolve_like_kubectl(mapper, text, api_version, plural):
    found = mapper.resolve(text)
    assert (found.api_version, found.plural) == (api_version, plural)


def test_resolve_returns_the_discovered_resource(mapper):
    assert mapper.resolve("po") == ResourceInfo(
        group="",
        version="v1",
        kind="Pod",
        plural="pods",
        namespaced=True,
        verbs=("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"),
        subresources=(
            "attach",
            "binding",
            "ephemeralcontainers",
            "eviction",
            "exec",
            "log",
            "portforward",
            "proxy",
            "resize",
            "status",
        ),
        singular="pod",
        short_names=("po",),
        categories=("all",),
    )
    widget = mapper.resolve("wd")
    assert (widget.kind, widget.namespaced, widget.subresources) == ("Widget", True, ("status",))


def test_a_crd_cannot_take_over_a_built_in_short_name():
    mapper = mapper_with(widget_group(short_names=("po",)))
    assert mapper.resolve("po").gvr == GroupVersionResource("", "v1", "pods")
    assert mapper.resolve("po.example.com").gvr == GroupVersionResource(
        "example.com", "v1", "widgets"
    )


def test_a_resource_name_wins_over_a_short_name_of_an_earlier_group():
    # kubectl expands a short name only when no resource is called that: "widgets" is a CRD's
    # plural, so the core group's short name "widgets" (made up here) must not shadow it.
    core = recorded("api_aggregated_v2")
    core["items"][0]["versions"][0]["resources"].append(
        aggregated_resource("gadgets", "Gadget", short_names=("widgets",))
    )
    mapper = data_from(core, apis_with(widget_group())).rest_mapper()
    assert mapper.resolve("widgets").gvr == GroupVersionResource("example.com", "v1", "widgets")
    assert mapper.resolve("widgets.v1.").gvr == GroupVersionResource("", "v1", "gadgets")


def test_the_preferred_version_wins_and_other_versions_stay_reachable():
    group = aggregated_group(
        "example.com",
        {
            "v2": [aggregated_resource("widgets", "Widget", short_names=("wd",))],
            "v1": [
                aggregated_resource("widgets", "Widget", short_names=("wd",)),
                aggregated_resource("oldthings", "OldThing"),
            ],
        },
    )
    mapper = mapper_with(group)
    assert mapper.resolve("wd").api_version == "example.com/v2"
    assert mapper.resolve("widgets.v1.example.com").api_version == "example.com/v1"
    # Only v1 serves it: found there, though v1 is not preferred.
    assert mapper.resolve("oldthings").api_version == "example.com/v1"


def test_two_resources_of_one_group_sharing_a_short_name_are_ambiguous():
    group = aggregated_group(
        "example.com",
        {
            "v1": [
                aggregated_resource("widgets", "Widget", short_names=("w",)),
                aggregated_resource("wombats", "Wombat", short_names=("w",)),
            ]
        },
    )
    mapper = mapper_with(group)
    with pytest.raises(AmbiguousResourceError) as caught:
        mapper.resolve("w")
    error = caught.value
    assert str(error) == (
        "'w' matches several resources: widgets.v1.example.com, wombats.v1.example.com; "
        "name one in full"
    )
    assert [info.plural for info in error.candidates] == ["widgets", "wombats"]
    assert isinstance(error, LookupError)
    assert isinstance(error, RawkubeError)
    assert mapper.resolve("widgets").kind == "Widget"


def test_a_miss_names_the_input_and_close_names(mapper):
    with pytest.raises(ResourceNotFoundError) as caught:
        mapper.resolve("deploymnts")
    error = caught.value
    assert str(error) == (
        "the server doesn't have a resource type 'deploymnts'; "
        "did you mean 'deployments', 'deployment', 'deploy'?"
    )
    assert error.query == "deploymnts"
    assert error.suggestions == ("deployments", "deployment", "deploy")
    assert isinstance(error, LookupError)
    assert isinstance(error, RawkubeError)


@pytest.mark.parametrize(
    "text",
    [
        "nosuchthing",
        "pods.v1",
        "pods.apps",
        "deployments.v2.apps",
        "pods/status",
        "status",
        "deploy.app",
    ],
)
def test_unknown_names_and_subresources_are_misses(mapper, text):
    with pytest.raises(ResourceNotFoundError, match="doesn't have a resource type"):
        mapper.resolve(text)


def test_no_subresource_is_listed_as_a_resource(mapper):
    assert mapper.resources
    assert all("/" not in info.plural for info in mapper.resources)


def test_resolve_refuses_what_is_not_a_name(mapper):
    with pytest.raises(ValueError, match="must not be empty"):
        mapper.resolve("")
    with pytest.raises(TypeError, match="must be a str"):
        mapper.resolve(3)  # type: ignore[arg-type]


def test_kind_for_resource(mapper):
    assert mapper.kind_for(GroupVersionResource("apps", "v1", "deployments")) == (
        GroupVersionKind("apps", "v1", "Deployment")
    )
    assert mapper.kind_for(GroupVersionResource("", "", "pods")) == GroupVersionKind(
        "", "v1", "Pod"
    )
    assert mapper.kind_for(GroupVersionResource("", "v1", "pod")) == GroupVersionKind(
        "", "v1", "Pod"
    )
    assert mapper.kind_for(GroupVersionResource("autoscaling", "", "horizontalpodautoscalers")) == (
        GroupVersionKind("autoscaling", "v2", "HorizontalPodAutoscaler")
    )
    assert mapper.kind_for(GroupVersionResource("example.com", "v1", "widgets")) == (
        GroupVersionKind("example.com", "v1", "Widget")
    )


def test_kind_for_a_missing_resource(mapper):
    # The core group is not a wildcard: deployments live in apps.
    with pytest.raises(ResourceNotFoundError) as caught:
        mapper.kind_for(GroupVersionResource("", "v1", "deployments"))
    assert str(caught.value) == (
        "the server has no resource 'deployments' in v1; did you mean 'endpoints'?"
    )
    with pytest.raises(ResourceNotFoundError) as caught:
        mapper.kind_for(GroupVersionResource("apps", "", "deploymnts"))
    assert str(caught.value) == (
        "the server has no resource 'deploymnts' in apps; did you mean 'deployments', 'daemonsets'?"
    )


def test_resource_for_kind(mapper):
    deployments = mapper.resource_for(GroupVersionKind("apps", "v1", "Deployment"))
    assert (deployments.plural, deployments.namespaced) == ("deployments", True)
    assert deployments.subresources == ("scale", "status")
    namespaces = mapper.resource_for(GroupVersionKind("", "v1", "Namespace"))
    assert (namespaces.plural, namespaces.namespaced) == ("namespaces", False)
    hpa = GroupVersionKind("autoscaling", "", "HorizontalPodAutoscaler")
    assert mapper.resource_for(hpa).version == "v2"
    hpa_v1 = GroupVersionKind("autoscaling", "v1", "HorizontalPodAutoscaler")
    assert mapper.resource_for(hpa_v1).version == "v1"
    assert mapper.resource_for(GroupVersionKind("example.com", "v1", "Widget")).plural == "widgets"


def test_kind_and_resource_map_both_ways(mapper):
    for info in mapper.resources:
        assert mapper.kind_for(info.gvr) == info.gvk
        # A kind may be served by several resources (none here share one): the first wins.
        assert mapper.resource_for(info.gvk).gvk == info.gvk


def test_resource_for_a_missing_kind(mapper):
    with pytest.raises(ResourceNotFoundError) as caught:
        mapper.resource_for(GroupVersionKind("apps", "v1", "Deploymnt"))
    assert str(caught.value) == (
        "no resource on the server serves kind 'Deploymnt' in apps/v1; did you mean 'Deployment'?"
    )
    assert caught.value.suggestions == ("Deployment",)
    with pytest.raises(ResourceNotFoundError, match="in the core group"):
        mapper.resource_for(GroupVersionKind("", "", "Deployment"))


def test_from_discovery_orders_by_group_then_preferred_version():
    a = ResourceInfo("a.io", "v1", "Thing", "things", True)
    a2 = ResourceInfo("a.io", "v2", "Thing", "things", True)
    core = ResourceInfo("", "v1", "Thing", "things", True)
    stray = ResourceInfo("b.io", "v1", "Thing", "things", True)
    mapper = RESTMapper.from_discovery(
        [GroupInfo("", ("v1",), "v1"), GroupInfo("a.io", ("v1", "v2"), "v2")],
        {"a.io/v1": (a,), "b.io/v1": (stray,), "a.io/v2": (a2,), "v1": (core,)},
    )
    assert mapper.resources == (core, a2, a, stray)
    assert mapper.resolve("things") is core
    assert mapper.resolve("things.a.io") is a2
    assert mapper.resolve("things.b.io") is stray


def test_errors_survive_pickling(mapper):
    with pytest.raises(ResourceNotFoundError) as caught:
        mapper.resolve("deploymnts")
    copy = pickle.loads(pickle.dumps(caught.value))
    assert (str(copy), copy.query, copy.suggestions) == (
        str(caught.value),
        "deploymnts",
        ("deployments", "deployment", "deploy"),
    )

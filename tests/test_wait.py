"""``api.wait(name, for_=...)``: conditions, deletion, jsonpath and predicates, on the fake cluster.

The parsing and judging (``rawkube.core._wait``) are tested without I/O at the end.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import anyio
import pytest

import rawkube
from rawkube.client._retry_watch import within_deadline
from rawkube.core._wait import (
    Condition,
    Creation,
    Deletion,
    JsonPath,
    Predicate,
    WaitState,
    parse_for,
    wait_timeout,
)
from rawkube.models.apps_v1 import Deployment
from rawkube.testing import FakeClock, FakeCluster

PATIENCE = 10.0  # real seconds a test waits for what should come at once


def deployment(name: str = "web", **status: Any) -> dict[str, Any]:
    labels = {"app": name}
    obj: dict[str, Any] = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "web", "image": "nginx"}]},
            },
        },
    }
    if status:
        obj["status"] = status
    return obj


def pod(name: str = "p", finalizers: list[str] | None = None) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": name, "namespace": "default"}
    if finalizers:
        metadata["finalizers"] = finalizers
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": metadata,
        "spec": {"containers": [{"name": "c", "image": "busybox"}]},
    }


AVAILABLE = {"conditions": [{"type": "Available", "status": "True", "reason": "Ready"}]}
UNAVAILABLE = {
    "conditions": [
        {"type": "Available", "status": "False", "reason": "MinimumReplicasUnavailable"},
        {"type": "Progressing", "status": "True", "reason": "ReplicaSetUpdated"},
    ]
}


def watched(cluster: FakeCluster) -> bool:
    """Whether a watch of one name has been opened (the wait got past its first read)."""
    return any(
        a.verb == "watch" and a.params.get("fieldSelector", "").startswith("metadata.name=")
        for a in cluster.actions()
    )


def until(check: Callable[[], bool]) -> None:
    end = time.monotonic() + PATIENCE
    while not check():
        assert time.monotonic() < end, "timed out waiting for the test's condition"
        time.sleep(0.005)


async def async_until(check: Callable[[], bool]) -> None:
    with anyio.fail_after(PATIENCE):
        while not check():
            await anyio.sleep(0.005)


Start = Callable[[FakeCluster, Callable[[], object]], None]


@pytest.fixture
def when_watching() -> Iterator[Start]:
    """Run ``action`` on a thread once a wait watches ``cluster``; joined after the test."""
    threads: list[threading.Thread] = []

    def start(cluster: FakeCluster, action: Callable[[], object]) -> None:
        def run() -> None:
            until(lambda: watched(cluster))
            action()

        thread = threading.Thread(target=run, daemon=True)
        threads.append(thread)
        thread.start()

    yield start
    for thread in threads:
        thread.join(PATIENCE)
        assert not thread.is_alive()


# --- conditions ---------------------------------------------------------------------------------


def test_a_deployment_becoming_available_ends_the_wait(fake_cluster, fake_client, when_watching):
    fake_cluster.create(deployment(**UNAVAILABLE))
    deployments = fake_client.apps_v1.deployments()

    when_watching(fake_cluster, lambda: deployments.patch_status("web", {"status": AVAILABLE}))
    started = time.monotonic()
    done = deployments.wait("web", for_="Available", timeout=PATIENCE)
    assert time.monotonic() - started < PATIENCE
    assert isinstance(done, Deployment)
    assert [(c.type, c.status) for c in done.status.conditions] == [("Available", "True")]


@pytest.mark.anyio
async def test_async_a_deployment_becoming_available_ends_the_wait(fake_cluster, async_fake_client):
    fake_cluster.create(deployment(**UNAVAILABLE))
    deployments = async_fake_client.apps_v1.deployments()
    done: list[Deployment] = []

    async def wait() -> None:
        done.append(await deployments.wait("web", for_="condition=Available", timeout=PATIENCE))

    async with anyio.create_task_group() as tasks:
        tasks.start_soon(wait)
        await async_until(lambda: watched(fake_cluster))
        assert done == []
        await deployments.update_status(deployment(**AVAILABLE))
    assert done[0].status.conditions[0].type == "Available"


def test_a_condition_already_met_returns_at_once_without_a_watch(fake_cluster, fake_client):
    fake_cluster.create(deployment(**AVAILABLE))
    fake_cluster.clear_actions()
    done = fake_client.apps_v1.deployments().wait("web", for_="condition=available=TRUE")
    assert done.metadata.name == "web"
    assert [a.verb for a in fake_cluster.actions()] == ["get"]


@pytest.mark.anyio
async def test_async_a_condition_already_met_returns_at_once(fake_cluster, async_fake_client):
    fake_cluster.create(deployment(**AVAILABLE))
    fake_cluster.clear_actions()
    done = await async_fake_client.apps_v1.deployments().wait("web", for_="Available")
    assert done.metadata.name == "web"
    assert [a.verb for a in fake_cluster.actions()] == ["get"]


def test_a_false_condition_can_be_waited_for(fake_cluster, fake_client, when_watching):
    fake_cluster.create(deployment(**AVAILABLE))
    deployments = fake_client.apps_v1.deployments()
    when_watching(fake_cluster, lambda: deployments.patch_status("web", {"status": UNAVAILABLE}))
    done = deployments.wait("web", for_="Available=False", timeout=PATIENCE)
    assert done.status.conditions[0].reason == "MinimumReplicasUnavailable"


def test_a_condition_of_an_older_generation_does_not_count(fake_cluster, fake_client):
    fake_cluster.create(deployment())
    deployments = fake_client.apps_v1.deployments()
    deployments.patch("web", {"spec": {"replicas": 3}})  # generation 2
    status = {**AVAILABLE, "observedGeneration": 1}
    deployments.patch_status("web", {"status": status})
    with pytest.raises(rawkube.WaitTimeoutError, match="observedGeneration 1, not generation 2"):
        deployments.wait("web", for_="Available", timeout=0)
    deployments.patch_status("web", {"status": {"observedGeneration": 2}})
    assert deployments.wait("web", for_="Available", timeout=0).status.observed_generation == 2


def test_a_timeout_names_the_object_the_goal_and_the_last_state(fake_cluster, fake_client):
    fake_cluster.create(deployment(**UNAVAILABLE))
    started = time.monotonic()
    with pytest.raises(rawkube.WaitTimeoutError) as caught:
        fake_client.apps_v1.deployments().wait("web", for_="Available", timeout=0.5)
    took = time.monotonic() - started
    assert 0.5 <= took < 3.0
    assert str(caught.value) == (
        "timed out after 0.5 s waiting for deployments.apps/web in namespace default to have "
        "condition Available=True; last seen: conditions Available=False "
        "(MinimumReplicasUnavailable), Progressing=True (ReplicaSetUpdated)"
    )
    assert isinstance(caught.value, TimeoutError)
    assert isinstance(caught.value, rawkube.RawkubeError)
    assert isinstance(caught.value.last, Deployment)
    assert caught.value.last.metadata.name == "web"


@pytest.mark.anyio
async def test_async_a_timeout_raises_in_time(fake_cluster, async_fake_client):
    fake_cluster.create(pod())
    started = time.monotonic()
    with pytest.raises(rawkube.WaitTimeoutError, match=r"pods/p in namespace default .*Ready"):
        await async_fake_client.core_v1.pods().wait("p", for_="Ready", timeout=0.5)
    assert 0.5 <= time.monotonic() - started < 3.0


def test_a_timeout_of_zero_looks_once(fake_cluster, fake_client):
    fake_cluster.create(deployment(**UNAVAILABLE))
    fake_cluster.clear_actions()
    with pytest.raises(rawkube.WaitTimeoutError, match="after 0 s"):
        fake_client.apps_v1.deployments().wait("web", for_="Available", timeout=0)
    assert [a.verb for a in fake_cluster.actions()] == ["get"]


def test_an_object_that_does_not_exist_is_not_found(fake_client):
    with pytest.raises(rawkube.NotFoundError):
        fake_client.apps_v1.deployments().wait("nothing", for_="Available", timeout=PATIENCE)


def test_an_object_deleted_while_waited_on_for_a_condition_is_not_found(
    fake_cluster, fake_client, when_watching
):
    fake_cluster.create(deployment(**UNAVAILABLE))
    deployments = fake_client.apps_v1.deployments()
    when_watching(fake_cluster, lambda: deployments.delete("web"))
    with pytest.raises(rawkube.NotFoundError):
        deployments.wait("web", for_="Available", timeout=PATIENCE)


@pytest.mark.parametrize("for_", ["", "Ready=Flase", "condition=", "jsonpath={.a[*]}", "{.a}=b"])
def test_a_bad_for_is_refused_before_anything_is_sent(fake_cluster, fake_client, for_):
    fake_cluster.clear_actions()
    with pytest.raises(ValueError, match="for_="):
        fake_client.core_v1.pods().wait("p", for_=for_)
    assert fake_cluster.actions() == []


def test_a_bad_timeout_is_refused_before_anything_is_sent(fake_cluster, fake_client):
    fake_cluster.clear_actions()
    with pytest.raises(ValueError, match="timeout"):
        fake_client.core_v1.pods().wait("p", for_="Ready", timeout=-1)
    with pytest.raises(TypeError, match="timeout"):
        fake_client.core_v1.pods().wait("p", for_="Ready", timeout="5")  # type: ignore[arg-type]
    assert fake_cluster.actions() == []


# --- deletion -----------------------------------------------------------------------------------


def test_waiting_for_the_deletion_of_what_is_gone_returns_none(fake_cluster, fake_client):
    fake_cluster.clear_actions()
    assert fake_client.core_v1.pods().wait("p", for_="delete") is None
    assert [a.verb for a in fake_cluster.actions()] == ["get"]


def test_a_deletion_ends_the_wait(fake_cluster, fake_client, when_watching):
    fake_cluster.create(pod())
    pods = fake_client.core_v1.pods()
    when_watching(fake_cluster, lambda: pods.delete("p"))
    assert pods.wait("p", for_="delete", timeout=PATIENCE) is None
    assert fake_cluster.objects("Pod") == []


def test_a_finalizer_holds_the_wait_until_it_is_removed(fake_cluster, fake_client, when_watching):
    fake_cluster.create(pod(finalizers=["example.com/hold"]))
    pods = fake_client.core_v1.pods()
    pods.delete("p")
    with pytest.raises(rawkube.WaitTimeoutError) as caught:
        pods.wait("p", for_="deletion", timeout=0.3)
    assert str(caught.value).endswith(
        "to be deleted; last seen: still exists, being deleted, finalizers example.com/hold"
    )
    fake_cluster.clear_actions()
    when_watching(fake_cluster, lambda: pods.patch("p", {"metadata": {"finalizers": None}}))
    assert pods.wait("p", for_="delete", timeout=PATIENCE) is None
    assert fake_cluster.objects("Pod") == []


@pytest.mark.anyio
async def test_async_a_finalizer_holds_the_wait_until_it_is_removed(
    fake_cluster, async_fake_client
):
    fake_cluster.create(pod(finalizers=["example.com/hold"]))
    pods = async_fake_client.core_v1.pods()
    await pods.delete("p")
    results: list[object] = []

    async def wait() -> None:
        results.append(await pods.wait("p", for_="delete", timeout=PATIENCE))

    async with anyio.create_task_group() as tasks:
        tasks.start_soon(wait)
        await async_until(lambda: watched(fake_cluster))
        assert results == []
        await pods.patch("p", {"metadata": {"finalizers": None}})
    assert results == [None]
    assert fake_cluster.objects("Pod") == []


def test_deletion_counts_an_object_made_anew_under_the_name(fake_cluster, fake_client):
    fake_cluster.create(pod())
    pods = fake_client.core_v1.pods()
    state = WaitState(Deletion(), "pods/p", None)
    assert not state.seen(pods.get("p"))
    pods.delete("p")
    fake_cluster.create(pod())
    assert state.seen(pods.get("p"))


def test_waiting_for_creation(fake_cluster, fake_client, when_watching):
    pods = fake_client.core_v1.pods()
    with pytest.raises(rawkube.WaitTimeoutError, match="to be created; last seen: not found"):
        pods.wait("p", for_="create", timeout=0)
    fake_cluster.clear_actions()
    when_watching(fake_cluster, lambda: pods.create(pod()))
    made = pods.wait("p", for_="create", timeout=PATIENCE)
    assert made.metadata.uid == fake_cluster.objects("Pod")[0]["metadata"]["uid"]
    assert [a.verb for a in fake_cluster.actions()][:3] == ["get", "list", "watch"]
    fake_cluster.clear_actions()
    assert pods.wait("p", for_="create").metadata.name == "p"  # already there
    assert [a.verb for a in fake_cluster.actions()] == ["get"]


@pytest.mark.anyio
async def test_async_waiting_for_creation(fake_cluster, async_fake_client):
    pods = async_fake_client.core_v1.pods()
    made: list[Any] = []

    async def wait() -> None:
        made.append(await pods.wait("p", for_="create", timeout=PATIENCE))

    async with anyio.create_task_group() as tasks:
        tasks.start_soon(wait)
        await async_until(lambda: watched(fake_cluster))
        await pods.create(pod())
    assert made[0].metadata.name == "p"


# --- predicates, jsonpath, the dynamic API ------------------------------------------------------


def test_a_predicate_on_the_typed_object(fake_cluster, fake_client, when_watching):
    fake_cluster.create(deployment())
    deployments = fake_client.apps_v1.deployments()

    def scale_up() -> None:
        for ready in (1, 2):
            deployments.patch_status("web", {"status": {"readyReplicas": ready}})

    seen: list[int | None] = []

    def all_ready(d: Deployment) -> bool:
        seen.append(d.status.ready_replicas if d.status else None)
        return bool(d.status and d.status.ready_replicas == d.spec.replicas)

    when_watching(fake_cluster, scale_up)
    done = deployments.wait("web", for_=all_ready, timeout=PATIENCE)
    assert done.status.ready_replicas == 2
    assert seen == [None, 1, 2]


def test_a_predicate_that_raises_propagates(fake_cluster, fake_client):
    fake_cluster.create(deployment())

    def broken(d: Deployment) -> bool:
        raise KeyError("mine")

    with pytest.raises(KeyError, match="mine"):
        fake_client.apps_v1.deployments().wait("web", for_=broken)


def test_a_jsonpath_value(fake_cluster, fake_client, when_watching):
    fake_cluster.create(pod())
    pods = fake_client.core_v1.pods()
    when_watching(fake_cluster, lambda: pods.patch_status("p", {"status": {"phase": "Running"}}))
    done = pods.wait("p", for_="jsonpath={.status.phase}=Running", timeout=PATIENCE)
    assert done.status.phase == "Running"
    fields = "jsonpath={.spec.containers[0].image}=busybox"
    assert pods.wait("p", for_=fields, timeout=0).metadata.name == "p"
    with pytest.raises(rawkube.WaitTimeoutError, match=r"last seen: \{.spec.nodeName\} not found"):
        pods.wait("p", for_="jsonpath={.spec.nodeName}", timeout=0)


def test_the_dynamic_api_waits_on_dicts(fake_cluster, fake_client, when_watching):
    fake_cluster.create(deployment(**UNAVAILABLE))
    gvr = rawkube.GroupVersionResource("apps", "v1", "deployments")
    api = fake_client.dynamic.resource(gvr).namespace("default")
    when_watching(fake_cluster, lambda: api.patch_status("web", {"status": AVAILABLE}))
    done = api.wait("web", for_="Available", timeout=PATIENCE)
    assert isinstance(done, dict)
    assert done["status"]["conditions"][0]["status"] == "True"
    assert api.wait("web", for_=lambda d: d["kind"] == "Deployment", timeout=0)["kind"]
    with pytest.raises(rawkube.WaitTimeoutError) as caught:
        api.wait("web", for_="Progressing", timeout=0)
    assert isinstance(caught.value.last, dict)


@pytest.mark.anyio
async def test_async_the_dynamic_api_waits_for_deletion(fake_cluster, async_fake_client):
    fake_cluster.create(deployment())
    gvr = rawkube.GroupVersionResource("apps", "v1", "deployments")
    api = async_fake_client.dynamic.resource(gvr).namespace("default")
    results: list[object] = []

    async def wait() -> None:
        results.append(await api.wait("web", for_="delete", timeout=PATIENCE))

    async with anyio.create_task_group() as tasks:
        tasks.start_soon(wait)
        await async_until(lambda: watched(fake_cluster))
        await api.delete("web")
    assert results == [None]


# --- a watch cut, its version forgotten ---------------------------------------------------------


def test_a_watch_cut_past_the_servers_window_reads_again_and_ends(when_watching):
    cluster = FakeCluster(clock=FakeClock(), watch_window=3)
    cluster.create(deployment(**UNAVAILABLE))
    with cluster.client() as client:
        deployments = client.apps_v1.deployments()
        config_maps = client.core_v1.config_maps()

        def cut_and_change() -> None:
            cluster.stall_watches()  # the open watch hears nothing of what follows
            for n in range(5):  # more writes than the server remembers
                config_maps.create({"metadata": {"name": f"cm{n}"}})
            deployments.patch_status("web", {"status": AVAILABLE})
            cluster.clear_actions()
            cluster.drop_watches()  # resuming from the old version now answers 410

        when_watching(cluster, cut_and_change)
        done = deployments.wait("web", for_="Available", timeout=PATIENCE)
        assert done.status.conditions[0].status == "True"
        until(lambda: bool(cluster.actions()))
        assert tuple(a.verb for a in cluster.actions()[:2]) == ("watch", "get")


def test_a_silent_server_does_not_hold_the_wait_past_its_timeout(tmp_path, when_watching):
    cluster = FakeCluster()  # real time, over a socket: only the client's read limit notices
    cluster.create(deployment(**UNAVAILABLE))
    with cluster.serve() as server:
        client = rawkube.Client.from_kubeconfig(server.write_kubeconfig(tmp_path / "kc"))

        def go_silent() -> None:
            time.sleep(0.3)  # a moment after the watch is asked for: it is open when stalled
            cluster.stall_watches()

        when_watching(cluster, go_silent)
        started = time.monotonic()
        with client, pytest.raises(rawkube.WaitTimeoutError, match="Available=False"):
            client.apps_v1.deployments().wait("web", for_="Available", timeout=1.5)
        assert 1.5 <= time.monotonic() - started < 4.0


@pytest.mark.anyio
async def test_async_a_silent_server_does_not_hold_the_wait_past_its_timeout(tmp_path):
    cluster = FakeCluster()
    cluster.create(deployment(**UNAVAILABLE))
    with cluster.serve() as server:
        kubeconfig = server.write_kubeconfig(tmp_path / "kc")
        async with rawkube.AsyncClient.from_kubeconfig(kubeconfig) as client:
            errors: list[BaseException] = []

            async def wait() -> None:
                try:
                    await client.apps_v1.deployments().wait("web", for_="Available", timeout=1.5)
                except rawkube.WaitTimeoutError as exc:
                    errors.append(exc)

            started = time.monotonic()
            async with anyio.create_task_group() as tasks:
                tasks.start_soon(wait)
                await async_until(lambda: watched(cluster))
                await anyio.sleep(0.3)  # the watch is open when it goes silent
                cluster.stall_watches()
            assert 1.5 <= time.monotonic() - started < 4.0
            assert len(errors) == 1


# --- parsing and judging, without I/O -----------------------------------------------------------


@pytest.mark.parametrize(
    ("for_", "expected"),
    [
        ("Ready", Condition("Ready", "True")),
        ("condition=Ready", Condition("Ready", "True")),
        ("Ready=False", Condition("Ready", "False")),
        ("condition=Available=true", Condition("Available", "True")),
        ("CONDITION=Ready=unknown", Condition("Ready", "Unknown")),
        ("example.com/Synced", Condition("example.com/Synced", "True")),
        (" delete ", Deletion()),
        ("create", Creation()),
        ("Deletion", Deletion()),
        (
            "jsonpath={.status.phase}=Running",
            JsonPath("{.status.phase}", ("status", "phase"), "Running"),
        ),
        (
            "jsonpath='{.status.phase}'=Running",
            JsonPath("{.status.phase}", ("status", "phase"), "Running"),
        ),
        (
            "jsonpath=.status.phase=Running",
            JsonPath("{.status.phase}", ("status", "phase"), "Running"),
        ),
        (
            "jsonpath={.status.loadBalancer.ingress}",
            JsonPath("{.status.loadBalancer.ingress}", ("status", "loadBalancer", "ingress"), None),
        ),
        (
            "jsonpath={.spec.containers[0].image}=nginx",
            JsonPath("{.spec.containers[0].image}", ("spec", "containers", 0, "image"), "nginx"),
        ),
        (
            r"jsonpath={.metadata.annotations.example\.com/x}=a=b",
            JsonPath(
                r"{.metadata.annotations.example\.com/x}",
                ("metadata", "annotations", "example.com/x"),
                "a=b",
            ),
        ),
        (
            "jsonpath={.metadata.labels['app.kubernetes.io/name']}=web",
            JsonPath(
                "{.metadata.labels['app.kubernetes.io/name']}",
                ("metadata", "labels", "app.kubernetes.io/name"),
                "web",
            ),
        ),
    ],
)
def test_for_is_read_as_kubectl_reads_it(for_, expected):
    assert parse_for(for_) == expected


@pytest.mark.parametrize(
    ("for_", "says"),
    [
        ("", "expected a condition"),
        ("condition=", "condition= needs what to wait for"),
        ("condition", "condition= needs what to wait for"),
        ("jsonpath", "jsonpath= needs what to wait for"),
        ("Ready=Flase", "True, False or Unknown, not 'Flase'"),
        ("Ready=True=x", "True, False or Unknown"),
        ("Ready now", "expected a condition"),
        ("jsonpath= ", "jsonpath= needs"),
        ("jsonpath={}", "empty"),
        ("jsonpath={.status..phase}", "empty name"),
        ("jsonpath={.items[*].x}", r"\[\*\]"),
        ("jsonpath={.a[?(@.b)]}", "only"),
        ("jsonpath={.status.phase}=", "expected 'jsonpath"),
        ("jsonpath={.status.phase}Running", "expected 'jsonpath"),
        ("jsonpath={.status.phase", "expected 'jsonpath|empty"),
        ("jsonpath={.status.}", "ends without a name"),
    ],
)
def test_a_for_that_cannot_be_read_says_why(for_, says):
    with pytest.raises(ValueError, match=says):
        parse_for(for_)


def test_for_that_is_neither_text_nor_callable_is_a_type_error():
    with pytest.raises(TypeError, match="not int"):
        parse_for(42)


def test_a_callable_is_a_predicate():
    def ready(obj: object) -> bool:
        return True

    assert parse_for(ready) == Predicate(ready)
    assert str(parse_for(ready)) == "predicate ready"


def test_conditions_are_compared_without_regard_to_case():
    data = {"status": {"conditions": [{"type": "ready", "status": "true"}]}}
    assert Condition("Ready").met(data)
    assert not Condition("Ready", "False").met(data)
    assert not Condition("Available").met(data)
    assert not Condition("Ready").met({"status": {"conditions": "garbage"}})
    assert not Condition("Ready").met({})


def test_a_stale_condition_is_not_met():
    condition = {"type": "Ready", "status": "True", "observedGeneration": 1}
    data = {"metadata": {"generation": 2}, "status": {"conditions": [condition]}}
    assert not Condition("Ready").met(data)
    condition["observedGeneration"] = 2
    assert Condition("Ready").met(data)
    del condition["observedGeneration"]
    data["status"]["observedGeneration"] = 1  # the object's own, when the condition has none
    assert not Condition("Ready").met(data)


@pytest.mark.parametrize(
    ("value", "wanted", "met"),
    [
        ("Running", "Running", True),
        (3, "3", True),
        (True, "true", True),
        (3.0, "3", True),
        ("running", "Running", False),
        ([1], "[1]", False),
        (None, "null", False),
    ],
)
def test_a_jsonpath_value_is_compared_as_json_writes_it(value, wanted, met):
    assert JsonPath("{.a}", ("a",), wanted).met({"a": value}) is met


def test_a_jsonpath_without_value_asks_that_the_field_is_there():
    present = parse_for("jsonpath={.a[1]}")
    assert isinstance(present, JsonPath)
    assert present.met({"a": [0, {}]})
    assert not present.met({"a": [0]})
    assert not present.met({"a": {"1": 0}})


def test_the_last_state_of_a_secret_keeps_its_values_to_itself():
    state = WaitState(parse_for("jsonpath={.data.password}=x"), "secrets/s", 1.0)
    state.seen({"kind": "Secret", "metadata": {"name": "s"}, "data": {"password": "aHVudGVyMg=="}})
    message = str(state.timed_out())
    assert "aHVudGVyMg" not in message
    assert message.endswith("last seen: {.data.password} has another value")


def test_the_last_state_of_a_field_is_cut_when_long():
    state = WaitState(parse_for("jsonpath={.data.big}=x"), "configmaps/c", 1.0)
    state.seen({"kind": "ConfigMap", "data": {"big": "y" * 500}})
    assert state.describe() == "{.data.big} is '" + "y" * 60 + "...'"


def test_a_timeout_before_any_answer_says_so():
    state = WaitState(Condition("Ready"), "pods/p", 2.0)
    assert str(state.timed_out()).endswith("last seen: nothing yet (no answer in time)")
    assert state.timed_out().last is None


def test_a_predicate_timeout_names_phase_or_version():
    state = WaitState(Predicate(lambda obj: False), "pods/p", None)
    assert not state.seen({"metadata": {"resourceVersion": "7"}})
    assert str(state.timed_out()) == (
        "timed out waiting for pods/p to satisfy the predicate <lambda>; "
        "last seen: resourceVersion 7"
    )
    assert not state.seen({"status": {"phase": "Pending"}})
    assert state.describe() == "phase Pending"


@pytest.mark.parametrize(("timeout", "expected"), [(None, None), (0, 0.0), (2, 2.0), (0.5, 0.5)])
def test_timeouts_taken(timeout, expected):
    assert wait_timeout(timeout) == expected


@pytest.mark.parametrize("timeout", [-1, float("nan"), float("inf"), 1e10])
def test_timeouts_refused(timeout):
    with pytest.raises(ValueError, match="timeout"):
        wait_timeout(timeout)


@pytest.mark.parametrize(
    ("left", "options", "expected"),
    [
        (0.5, {}, {"timeout_seconds": 1, "idle_timeout": 0.5}),
        (
            2.7,
            {"label_selector": "a=b"},
            {"label_selector": "a=b", "timeout_seconds": 2, "idle_timeout": 2.7},
        ),
        (1e6, {"timeout_seconds": 60}, {"timeout_seconds": 60, "idle_timeout": 90.0}),
        (0.0, {"idle_timeout": 5.0}, {"timeout_seconds": 1, "idle_timeout": 0.01}),
    ],
)
def test_a_watch_under_a_deadline_ends_by_then(left, options, expected):
    assert within_deadline(left, options) == expected

"""Two replicas of the greeter on a fake cluster: one leads and works, the other takes over.

The cluster runs on the real clock (``FakeCluster()``, not the ``fake_cluster`` fixture's
``FakeClock``): the electors and controllers run on threads beside the test, with leases of
seconds, and the test waits for each change with a bounded wait.
"""

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

import rawkube
from examples.leader_controller.controller import GREETED_BY, Replica
from examples.waiting import wait_until
from rawkube.testing import FakeCluster


def replica(client: rawkube.Client, identity: str) -> Replica:
    # Short times, so that a takeover takes seconds; client-go's rules still hold (the lease
    # outlasts the renew deadline, which outlasts 1.2 retry periods).
    return Replica(client, identity, lease_duration=2.0, renew_deadline=1.0, retry_period=0.25)


def to_greet(name: str) -> dict[str, Any]:
    meta = {"name": name, "labels": {"example.com/greet": "true"}}
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, "data": {"name": name}}


def greeted_by(cluster: FakeCluster, name: str) -> str | None:
    """Who greeted the ConfigMap ``name``, if its greeting is there."""
    for configmap in cluster.objects("ConfigMap"):
        if configmap["metadata"]["name"] == name:
            if configmap.get("data", {}).get("greeting") != f"Hello, {name}!":
                return None
            by: str = configmap["metadata"]["annotations"][GREETED_BY]
            return by
    return None


def holder(cluster: FakeCluster) -> str:
    (lease,) = cluster.objects("Lease")
    who: str = lease["spec"].get("holderIdentity", "")
    return who


@contextmanager
def running(replica: Replica) -> Iterator[threading.Thread]:
    """The replica's ``run()`` on a thread, stopped and joined at the end whatever happens."""
    thread = threading.Thread(target=replica.run, name=f"replica-{replica.identity}")
    thread.start()
    try:
        yield thread
    finally:
        replica.stop()
        thread.join(10)


@pytest.fixture
def cluster() -> Iterator[FakeCluster]:
    before = set(threading.enumerate())
    yield FakeCluster()
    assert set(threading.enumerate()) <= before, "a thread outlived the test"


def test_only_the_leader_works_and_the_other_takes_over_when_it_steps_down(
    cluster: FakeCluster,
) -> None:
    with cluster.client() as client_a, cluster.client() as client_b:
        a, b = replica(client_a, "a"), replica(client_b, "b")
        with running(a) as run_a:
            wait_until(a.is_leader, "a leads")  # before b campaigns
            with running(b):
                cluster.create(to_greet("ann"))
                wait_until(lambda: greeted_by(cluster, "ann") == "a", "a greeted ann")
                assert (a.greeted, b.greeted, b.is_leader()) == (["ann"], [], False)

                a.stop()  # a clean stop: the work ends, then the Lease is released
                run_a.join(10)
                assert not run_a.is_alive()
                wait_until(b.is_leader, "b took over")
                assert holder(cluster) == "b"
                cluster.create(to_greet("bob"))
                wait_until(lambda: greeted_by(cluster, "bob") == "b", "b greeted bob")

        assert (a.greeted, b.greeted) == (["ann"], ["bob"])  # ann was greeted once


def test_the_other_takes_over_once_a_lost_leaders_lease_expires(cluster: FakeCluster) -> None:
    # Replica a reaches the API server over loopback; closing the server cuts it off, as a
    # partition or a dead node would: it can neither renew nor release its Lease.
    server = cluster.serve(auth=False)
    config = rawkube.Config(server=server.url)
    with rawkube.Client(config) as client_a, cluster.client() as client_b:
        a, b = replica(client_a, "a"), replica(client_b, "b")
        with running(a) as run_a:
            wait_until(a.is_leader, "a leads")
            with running(b):
                cluster.create(to_greet("ann"))
                wait_until(lambda: greeted_by(cluster, "ann") == "a", "a greeted ann")

                server.close()
                # a gives up at its renew deadline; b waits for the Lease to expire.
                wait_until(lambda: not run_a.is_alive(), "a stopped leading")
                wait_until(b.is_leader, "b took over")
                assert holder(cluster) == "b"
                cluster.create(to_greet("bob"))
                wait_until(lambda: greeted_by(cluster, "bob") == "b", "b greeted bob")

        assert (a.greeted, b.greeted) == (["ann"], ["bob"])

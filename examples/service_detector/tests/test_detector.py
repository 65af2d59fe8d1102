"""The detector on a fake cluster: its answers follow pods, labels, selectors and deletions.

The cluster runs on the real clock (``FakeCluster()``, not the ``fake_cluster`` fixture's
``FakeClock``): the informers watch on threads beside the test, and the test waits for each
answer with a bounded wait.
"""

import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest

import rawkube
from examples.service_detector.detector import ServiceDetector
from examples.waiting import wait_until
from rawkube.testing import FakeCluster


def pod(name: str, labels: dict[str, str], namespace: str = "default") -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace, "labels": labels},
        "spec": {"containers": [{"name": "main", "image": "busybox"}]},
    }


def service(name: str, selector: dict[str, str] | None) -> dict[str, Any]:
    spec: dict[str, Any] = {"ports": [{"port": 80}]}
    if selector is not None:
        spec["selector"] = selector
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name}, "spec": spec}


@pytest.fixture
def cluster() -> FakeCluster:
    cluster = FakeCluster()
    cluster.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "other"}})
    for svc in (
        service("web", {"app": "web"}),
        service("web-front", {"app": "web", "tier": "front"}),
        service("db", {"app": "db"}),
        service("external", None),  # no selector: its endpoints are managed by hand
    ):
        cluster.create(svc)
    cluster.create(pod("web-0", {"app": "web", "tier": "front"}))
    cluster.create(pod("web-1", {"app": "web"}))
    cluster.create(pod("db-0", {"app": "db"}))
    cluster.create(pod("web-0", {"app": "web", "tier": "front"}, namespace="other"))
    return cluster


@pytest.fixture
def client(cluster: FakeCluster) -> Iterator[rawkube.Client]:
    with cluster.client() as client:
        yield client


@pytest.fixture
def detector(client: rawkube.Client) -> Iterator[ServiceDetector]:
    with ServiceDetector(client) as detector:
        yield detector


def test_each_pod_is_selected_by_the_services_of_its_namespace_that_match_it(
    detector: ServiceDetector,
) -> None:
    wait_until(lambda: detector.services_for("default", "db-0"), "db-0 is mapped")

    assert detector.services_for("default", "web-0") == {"web", "web-front"}
    assert detector.services_for("default", "web-1") == {"web"}
    assert detector.services_for("default", "db-0") == {"db"}
    assert detector.services_for("other", "web-0") == set()  # the Services are in default
    assert detector.services_for("default", "nobody") == set()


def test_a_relabelled_pod_moves_to_the_services_of_its_new_labels(
    detector: ServiceDetector, client: rawkube.Client
) -> None:
    wait_until(lambda: detector.services_for("default", "web-1") == {"web"}, "web-1 is mapped")

    client.core_v1.pods().patch("web-1", {"metadata": {"labels": {"app": "db"}}})
    wait_until(lambda: detector.services_for("default", "web-1") == {"db"}, "web-1 moved to db")

    client.core_v1.pods().patch("web-1", {"metadata": {"labels": {"app": None}}})
    wait_until(lambda: detector.services_for("default", "web-1") == set(), "web-1 lost db")


def test_a_changed_selector_moves_the_pods_it_picks(
    detector: ServiceDetector, client: rawkube.Client
) -> None:
    wait_until(lambda: detector.services_for("default", "db-0") == {"db"}, "db-0 is mapped")

    client.core_v1.services().patch("db", {"spec": {"selector": {"app": None, "tier": "front"}}})

    wait_until(lambda: detector.services_for("default", "db-0") == set(), "db-0 lost db")
    wait_until(
        lambda: detector.services_for("default", "web-0") == {"web", "web-front", "db"},
        "web-0 gained db",
    )
    assert detector.services_for("default", "web-1") == {"web"}


def test_a_deleted_service_leaves_its_pods_and_a_new_one_joins_them(
    detector: ServiceDetector, client: rawkube.Client
) -> None:
    wait_until(lambda: detector.services_for("default", "web-1") == {"web"}, "web-1 is mapped")

    client.core_v1.services().delete("web")
    wait_until(lambda: detector.services_for("default", "web-1") == set(), "web-1 lost web")
    assert detector.services_for("default", "web-0") == {"web-front"}

    client.core_v1.services().create(service("all", {"app": "web"}))
    wait_until(lambda: detector.services_for("default", "web-1") == {"all"}, "web-1 joined all")


def test_pods_come_and_go(detector: ServiceDetector, client: rawkube.Client) -> None:
    wait_until(lambda: detector.services_for("default", "web-0"), "web-0 is mapped")

    client.core_v1.pods().create(pod("web-2", {"app": "web", "tier": "front"}))
    client.core_v1.pods().delete("web-0")

    wait_until(lambda: detector.services_for("default", "web-2") == {"web", "web-front"}, "web-2")
    wait_until(lambda: detector.services_for("default", "web-0") == set(), "web-0 forgotten")


def test_the_detector_stops_every_thread_it_started(client: rawkube.Client) -> None:
    before = set(threading.enumerate())
    detector = ServiceDetector(client)
    detector.start()
    assert set(threading.enumerate()) > before  # it does run on threads of its own

    detector.stop()

    assert set(threading.enumerate()) <= before


def test_a_detector_that_cannot_list_gives_up_in_time_and_leaves_no_thread() -> None:
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    before = set(threading.enumerate())
    with rawkube.Client(rawkube.Config(server=f"http://127.0.0.1:{port}")) as client:
        detector = ServiceDetector(client, sync_timeout=0.5)
        with pytest.raises(TimeoutError):
            detector.start()

    assert set(threading.enumerate()) <= before

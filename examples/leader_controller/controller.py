"""A leader-elected greeter: of all its replicas, only the leader reconciles.

The work: every ConfigMap labelled ``example.com/greet=true`` gets ``data.greeting`` made from
its ``data.name``, and the annotation ``example.com/greeted-by`` naming the replica that wrote
it. Every replica campaigns for the Lease ``greeter`` (``LeaderElector``); the one holding it
runs a ``Controller`` over those ConfigMaps until it stops leading. A replica that steps down
releases the Lease, so another takes it at its next try; one that dies holding it is replaced
once the Lease expires (``lease_duration`` after its last renewal).

Run a replica on the cluster of your kubeconfig (Ctrl-C to stop)::

    python -m examples.leader_controller.controller my-identity
"""

import contextlib
import sys
import threading

import rawkube
from rawkube.models.core_v1 import ConfigMap
from rawkube.runtime import Controller, LeaderElector, SharedInformer

LEASE = "greeter"
SELECTOR = {"example.com/greet": "true"}
GREETED_BY = "example.com/greeted-by"


class Replica:
    """One replica: campaigns for the Lease and, while it leads, greets."""

    def __init__(
        self,
        client: rawkube.Client,
        identity: str,
        *,
        namespace: str = "default",
        lease_duration: float = 15.0,
        renew_deadline: float = 10.0,
        retry_period: float = 2.0,
    ) -> None:
        self.identity = identity
        self.greeted: list[str] = []  # what this replica wrote, in order: ConfigMap names
        self._configmaps = client.core_v1.config_maps(namespace)
        self._elector = LeaderElector(
            client.coordination_v1.leases(namespace),
            LEASE,
            identity,
            lease_duration=lease_duration,
            renew_deadline=renew_deadline,
            retry_period=retry_period,
            on_started_leading=self._lead,
            release_on_cancel=True,  # a clean stop hands over at once
        )

    def run(self) -> None:
        """Campaign, and lead when elected; returns on ``stop()`` or when leadership is lost.

        A replica that lost its Lease does not campaign again: as with client-go, its process
        should exit, and its pod restart.
        """
        self._elector.run()

    def stop(self) -> None:
        """Make ``run()`` return (from any thread): the work stops, then the Lease is released."""
        self._elector.stop()

    def is_leader(self) -> bool:
        return self._elector.is_leader()

    def _lead(self, stop: threading.Event) -> None:
        """The work while leading: a controller over the ConfigMaps, until ``stop`` is set."""
        informer = SharedInformer(self._configmaps, label_selector=SELECTOR)

        def reconcile(key: str) -> None:
            configmap = informer.lister.get(key)
            if configmap is not None:  # else deleted meanwhile: nothing to do
                self._greet(key.partition("/")[2], configmap)

        with Controller(informer, reconcile):
            stop.wait()  # the controller works on threads of its own

    def _greet(self, name: str, configmap: ConfigMap) -> None:
        data = configmap.data or {}
        greeting = f"Hello, {data.get('name', 'world')}!"
        if data.get("greeting") == greeting:
            return  # done already, by this replica or a former leader
        annotations = {GREETED_BY: self.identity}
        self._configmaps.patch(
            name, {"metadata": {"annotations": annotations}, "data": {"greeting": greeting}}
        )
        self.greeted.append(name)


def main() -> None:
    """One replica on the cluster of the kubeconfig, named by the first argument."""
    with rawkube.Client() as client, contextlib.suppress(KeyboardInterrupt):
        Replica(client, sys.argv[1]).run()  # on Ctrl-C, it stops working and releases first


if __name__ == "__main__":
    main()

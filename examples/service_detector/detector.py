"""A pod-to-Service detector: for each pod, the Services whose selector picks it.

Two informers cache the pods and the Services; a controller puts the key of each pod that may
have changed on its workqueue, and its worker recomputes that pod's Services from the two
caches. A pod's change queues its own key; a Service's change queues every pod of its
namespace (its old selector may have picked some of them, its new one others)::

    with ServiceDetector(client) as detector:
        print(detector.services_for("default", "web-0"))  # {'web', 'web-headless'}
"""

import threading
from collections.abc import Mapping
from typing import Any

import rawkube
from rawkube.models.core_v1 import Service
from rawkube.runtime import Controller, SharedInformer, meta_namespace_key


def _selects(selector: Mapping[str, str] | None, labels: Mapping[str, str]) -> bool:
    """Whether a Service's selector picks a pod with these labels.

    A Service without a selector (or an empty one) picks no pod: its endpoints are managed by
    hand. ``selector_matches`` alone would read an empty map as "everything".
    """
    return bool(selector) and rawkube.selector_matches(selector, labels)


class ServiceDetector:
    """Pods and their Services, in one namespace or (None) all; see the module docstring."""

    def __init__(
        self, client: rawkube.Client, namespace: str | None = None, *, sync_timeout: float = 60.0
    ) -> None:
        where = rawkube.ALL if namespace is None else namespace
        self._services = SharedInformer(client.core_v1.services(where))
        self._services.add_event_handler(self._queue_pods, self._service_updated, self._queue_pods)
        self._pods = SharedInformer(client.core_v1.pods(where))
        # Pod changes queue the pod; its start() waits for the pods' first list.
        self._controller = Controller(self._pods, self._reconcile, cache_sync_timeout=sync_timeout)
        self._sync_timeout = sync_timeout
        self._lock = threading.Lock()
        self._found: dict[str, set[str]] = {}  # "namespace/pod" -> names of its Services

    def services_for(self, namespace: str, pod: str) -> set[str]:
        """The names of the Services that select the pod (none for a pod it does not know).

        The answer is as of the last change the worker handled: it follows a change in the
        cluster shortly after the watch brings it.
        """
        with self._lock:
            return set(self._found.get(f"{namespace}/{pod}", ()))

    def start(self) -> None:
        """Cache the Services, then the pods, and start the worker; returns once both synced.

        Raises ``TimeoutError`` (having stopped what it started) if either takes longer than
        ``sync_timeout`` seconds.
        """
        self._services.start()
        try:
            if not self._services.wait_for_cache_sync(self._sync_timeout):
                raise TimeoutError("the Services were not listed in time")
            self._controller.start()
        except BaseException:
            self._services.stop()
            raise

    def stop(self) -> None:
        """Stop what was started; no thread of the detector is left when it returns."""
        self._services.stop()  # first, so that nothing queues a key once the queue drains
        self._controller.stop()

    def __enter__(self) -> "ServiceDetector":
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    def _queue_pods(self, service: Any) -> None:
        # Any: a deletion the informer saw only on a relist is a DeletedFinalStateUnknown,
        # whose key is all this needs.
        namespace = meta_namespace_key(service).split("/")[0]
        for pod in self._pods.lister.list(namespace=namespace):
            self._controller.queue.add(meta_namespace_key(pod))

    def _service_updated(self, _old: Service, new: Service) -> None:
        self._queue_pods(new)

    def _reconcile(self, key: str) -> None:
        namespace, name = key.split("/")
        pod = self._pods.lister.get(namespace, name)
        if pod is None:  # deleted
            with self._lock:
                self._found.pop(key, None)
            return
        labels = pod.metadata.labels or {}
        names = {
            service.metadata.name or ""
            for service in self._services.lister.list(namespace=namespace)
            if service.spec and _selects(service.spec.selector, labels)
        }
        with self._lock:
            self._found[key] = names

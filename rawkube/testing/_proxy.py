"""The ``proxy`` subresources of pods, services and nodes, answered as when nothing answers.

The API server proxies these to a pod's IP, a service's endpoints or a node's kubelet; the
fake runs none of them. It answers as the server does up to the point of connecting: a name
``[scheme:]name[:port]`` that does not split is 400, a missing object 404, a pod without an
IP 400 ("address not allowed"), a service 503 ("no endpoints available", as no pod of the
fake is ever ready); past that point, where the server would dial and fail, 503.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from rawkube.testing._catalog import ResourceType
from rawkube.testing._errors import FakeApiError, bad_request, go_quote
from rawkube.testing._store import Store

__all__ = ["proxy_refusal"]

_KINDS = {"pods": "pod", "services": "service", "nodes": "node"}


def _unavailable(message: str) -> FakeApiError:
    return FakeApiError(503, "ServiceUnavailable", message)


def proxy_refusal(store: Store, resource: ResourceType, namespace: str, name: str) -> FakeApiError:
    """What a request through ``<resource>/<name>/proxy`` gets from the fake, as an error."""
    kind = _KINDS.get(resource.plural, resource.plural)
    parts = name.split(":")
    scheme, bare = (parts[0], parts[1]) if len(parts) == 3 else ("", parts[0])
    if len(parts) > 3 or not bare or scheme not in ("", "http", "https"):
        return bad_request(f"invalid {kind} request {go_quote(name)}")
    obj = store.get(resource, namespace, bare)  # 404 when it is not there
    if resource.plural == "pods":
        if not _routable(_pod_ip(obj)):
            return bad_request("address not allowed")
        return _unavailable("error trying to reach service: the fake cluster runs no pods")
    if resource.plural == "services":
        return _unavailable(f'no endpoints available for service "{name}"')
    return _unavailable("error trying to reach service: the fake cluster runs no kubelet")


def _pod_ip(pod: dict[str, Any]) -> str:
    status = pod.get("status")
    if not isinstance(status, dict):
        return ""
    found = status.get("podIP")
    if not found and isinstance(status.get("podIPs"), list) and status["podIPs"]:
        first = status["podIPs"][0]
        found = first.get("ip") if isinstance(first, dict) else None
    return found if isinstance(found, str) else ""


def _routable(text: str) -> bool:
    """Go's IsGlobalUnicast: a unicast address that is not loopback, link-local or unspecified."""
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return False
    return not (
        address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_unspecified
        or str(address) == "255.255.255.255"
    )

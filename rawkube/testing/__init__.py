"""Testing helpers: :class:`FakeCluster`, an in-memory Kubernetes API server, and its parts."""

from rawkube._public import public_dir, publish
from rawkube.core._clock import FakeClock
from rawkube.testing._cluster import FakeCluster
from rawkube.testing._exec import ExecCall, ExecReply, HangUp, echo
from rawkube.testing._http import Action
from rawkube.testing._server import FakeServer

__all__ = [
    "Action",
    "ExecCall",
    "ExecReply",
    "FakeClock",
    "FakeCluster",
    "FakeServer",
    "HangUp",
    "echo",
]

for _name in ("Action", "ExecCall", "ExecReply", "FakeCluster", "FakeServer", "HangUp", "echo"):
    globals()[_name].__module__ = "rawkube.testing"
publish(__name__, globals(), __all__)


def __dir__() -> list[str]:
    return public_dir(globals(), __all__)

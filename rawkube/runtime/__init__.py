"""The long-running parts: resuming watches, informers, workqueues, controllers, leader election.

Watches load with this package; the rest loads on first use (informers and queues bring asyncio).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from rawkube._public import public_dir, publish
from rawkube.client._async_retry_watch import AsyncListThenWatch, AsyncRetryWatcher
from rawkube.client._sync_retry_watch import ListThenWatch, RetryWatcher, list_then_watch

if TYPE_CHECKING:
    from rawkube.runtime.cache import (
        DeletedFinalStateUnknown,
        Indexer,
        Lister,
        meta_namespace_key,
    )
    from rawkube.runtime.controller import AsyncController, Controller
    from rawkube.runtime.factory import AsyncSharedInformerFactory, SharedInformerFactory
    from rawkube.runtime.informer import AsyncSharedInformer, SharedInformer
    from rawkube.runtime.leaderelection import AsyncLeaderElector, LeaderElector
    from rawkube.runtime.ratelimit import (
        BucketRateLimiter,
        ItemExponentialFailureRateLimiter,
        ItemFastSlowRateLimiter,
        RateLimiter,
        default_controller_rate_limiter,
        max_of,
    )
    from rawkube.runtime.workqueue import (
        AsyncDelayingQueue,
        AsyncQueue,
        AsyncRateLimitingQueue,
        DelayingQueue,
        Queue,
        RateLimitingQueue,
        ShutDown,
    )

_LAZY = {
    "DeletedFinalStateUnknown": "cache",
    "Indexer": "cache",
    "Lister": "cache",
    "meta_namespace_key": "cache",
    "AsyncController": "controller",
    "Controller": "controller",
    "AsyncSharedInformerFactory": "factory",
    "SharedInformerFactory": "factory",
    "AsyncSharedInformer": "informer",
    "SharedInformer": "informer",
    "AsyncLeaderElector": "leaderelection",
    "LeaderElector": "leaderelection",
    "BucketRateLimiter": "ratelimit",
    "ItemExponentialFailureRateLimiter": "ratelimit",
    "ItemFastSlowRateLimiter": "ratelimit",
    "RateLimiter": "ratelimit",
    "default_controller_rate_limiter": "ratelimit",
    "max_of": "ratelimit",
    "AsyncDelayingQueue": "workqueue",
    "AsyncQueue": "workqueue",
    "AsyncRateLimitingQueue": "workqueue",
    "DelayingQueue": "workqueue",
    "Queue": "workqueue",
    "RateLimitingQueue": "workqueue",
    "ShutDown": "workqueue",
}

__all__ = [
    "AsyncController",
    "AsyncDelayingQueue",
    "AsyncLeaderElector",
    "AsyncListThenWatch",
    "AsyncQueue",
    "AsyncRateLimitingQueue",
    "AsyncRetryWatcher",
    "AsyncSharedInformer",
    "AsyncSharedInformerFactory",
    "BucketRateLimiter",
    "Controller",
    "DelayingQueue",
    "DeletedFinalStateUnknown",
    "Indexer",
    "ItemExponentialFailureRateLimiter",
    "ItemFastSlowRateLimiter",
    "LeaderElector",
    "ListThenWatch",
    "Lister",
    "Queue",
    "RateLimiter",
    "RateLimitingQueue",
    "RetryWatcher",
    "SharedInformer",
    "SharedInformerFactory",
    "ShutDown",
    "default_controller_rate_limiter",
    "list_then_watch",
    "max_of",
    "meta_namespace_key",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'rawkube.runtime' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"rawkube.runtime.{module}"), name)
    globals()[name] = value
    publish(__name__, globals(), [name])
    return value


def __dir__() -> list[str]:
    return public_dir(globals(), __all__)


publish(__name__, globals(), __all__)

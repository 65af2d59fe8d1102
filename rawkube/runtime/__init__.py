"""The long-running parts: watches that resume by themselves (informers and workqueues to come)."""

from rawkube.runtime.watcher import (
    AsyncListThenWatch,
    AsyncRetryWatcher,
    ListThenWatch,
    RetryWatcher,
    list_then_watch,
)

__all__ = [
    "AsyncListThenWatch",
    "AsyncRetryWatcher",
    "ListThenWatch",
    "RetryWatcher",
    "list_then_watch",
]

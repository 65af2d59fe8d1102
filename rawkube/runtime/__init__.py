"""The long-running parts: watches that resume by themselves (informers and workqueues to come)."""

from rawkube.runtime.watcher import AsyncRetryWatcher, RetryWatcher

__all__ = ["AsyncRetryWatcher", "RetryWatcher"]

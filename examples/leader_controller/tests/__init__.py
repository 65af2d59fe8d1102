"""The leader-elected controller's tests, on rawkube's fake cluster."""

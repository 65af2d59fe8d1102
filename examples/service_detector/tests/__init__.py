"""The detector's tests, on rawkube's fake cluster."""

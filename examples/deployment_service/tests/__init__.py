"""The Deployment service's tests, on rawkube's fake cluster."""

"""rawkube's tests."""

"""rawkube's examples: programs a user would write, each with its tests on the fake cluster."""

"""Testing helpers: an in-memory fake Kubernetes API server and its parts."""

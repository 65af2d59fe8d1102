"""A REST service that creates, reads, updates, scales and deletes Deployments (FastAPI)."""

"""Pydantic models of the Kubernetes API, one module per group-version, generated from schemas/.

``import rawkube`` does not import them; each module (``rawkube.models.core_v1``, ...) is
imported on its own, so a program pays only for the group-versions it uses.
"""

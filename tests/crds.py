"""A small CustomResourceDefinition the tests install: Widgets, namespaced, any fields kept."""

from __future__ import annotations

from typing import Any


def widget_crd(group: str = "example.org", *, status_subresource: bool = False) -> dict[str, Any]:
    """The CRD of ``widgets.<group>`` (kind Widget, short name ``wd``), served and stored as v1."""
    version: dict[str, Any] = {
        "name": "v1",
        "served": True,
        "storage": True,
        "schema": {
            "openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
        },
    }
    if status_subresource:
        version["subresources"] = {"status": {}}
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"widgets.{group}"},
        "spec": {
            "group": group,
            "scope": "Namespaced",
            "names": {
                "plural": "widgets",
                "singular": "widget",
                "kind": "Widget",
                "shortNames": ["wd"],
            },
            "versions": [version],
        },
    }

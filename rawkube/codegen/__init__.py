"""Models for custom resources, generated from their CustomResourceDefinitions.

``generate_models(crds)`` turns CRD manifests into the source of one module per group-version
(pure: no I/O); ``read_crds`` reads manifests from files, folders or stdin, ``crds_from_cluster``
lists a cluster's, and ``write_models`` writes the modules into a folder. ``rawkube gen-models``
is these four on the command line. Each kind becomes a :class:`~rawkube.models.CustomResource`
subclass that ``client.api(Model, namespace=...)``, watches, informers and the fake cluster
take as they take built-in models; ``rawkube.codegen._plan`` says how a schema maps to types.

Nothing else in the library imports this package.
"""

from __future__ import annotations

from rawkube._public import publish
from rawkube.codegen._crd import CodegenError
from rawkube.codegen._files import crds_from_cluster, read_crds, write_models
from rawkube.codegen._generate import generate_models

__all__ = ["CodegenError", "crds_from_cluster", "generate_models", "read_crds", "write_models"]

publish(__name__, globals(), __all__)

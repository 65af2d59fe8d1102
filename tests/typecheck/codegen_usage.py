"""Checked by mypy --strict in CI (not run by pytest): the code generator's API, and the pieces
generated models are made of (``OpenEnum``, ``api_field``) used by hand."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import rawkube
from rawkube.codegen import crds_from_cluster, generate_models, read_crds, write_models
from rawkube.models import CustomResource, K8sModel, Lazy, OpenEnum, api_field

Mode = Annotated[Literal["Full", "Incremental"], OpenEnum]


class BackupSpec(K8sModel):
    keep_days: int | None = api_field("keepDays", 7)
    mode: Mode | None = None


class Backup(CustomResource):
    __group__ = "example.com"
    __version__ = "v1"
    __kind__ = "Backup"
    __plural__ = "backups"
    __short_names__ = ("bk",)
    __storage_version__ = True

    spec: Annotated[BackupSpec | None, Lazy] = None


def regenerate(client: rawkube.Client, out: Path) -> list[Path]:
    """From a cluster's CRDs, or from files, to a folder of modules."""
    sources: dict[str, str] = generate_models(crds_from_cluster(client, ["example.com"]))
    sources.update(generate_models(read_crds([out / "crds.yaml", "-"]), command="make models"))
    return write_models(sources, out)


def build() -> Backup:
    """The attribute names are the keywords; an enum takes its listed values."""
    return Backup(spec=BackupSpec(keep_days=3, mode="Full"))

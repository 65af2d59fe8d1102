"""Persistent volume claims."""

from __future__ import annotations

from typing import Any

from rawkube.testing._validate._causes import (
    Cause,
    Obj,
    Rule,
    as_dict,
    as_list,
    invalid,
    required,
    unsupported,
)
from rawkube.testing._validate._common import (
    quantity,
)

_ACCESS_MODES = ("ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod")


def claim_spec_causes(spec: Any, field: str, found: list[Cause]) -> None:
    """A PersistentVolumeClaimSpec: access modes, the storage asked for, the volume mode."""
    spec = as_dict(spec)
    modes = as_list(spec.get("accessModes"))
    if not modes:
        found.append(required(f"{field}.accessModes", "at least 1 access mode is required"))
    for mode in modes:
        if mode not in _ACCESS_MODES:
            found.append(unsupported(f"{field}.accessModes", mode, _ACCESS_MODES))
    storage = as_dict(as_dict(spec.get("resources")).get("requests")).get("storage")
    if storage is None:
        found.append(required(f"{field}.resources[storage]"))
    else:
        amount = quantity(storage)
        if amount is not None and amount <= 0:
            found.append(
                invalid(f"{field}.resources[storage]", str(storage), "must be greater than zero")
            )
    mode = spec.get("volumeMode")
    if mode is not None and mode not in ("Block", "Filesystem"):
        found.append(unsupported(f"{field}.volumeMode", mode, ("Block", "Filesystem")))


def _claim(obj: Obj, old: Obj | None, found: list[Cause]) -> None:
    claim_spec_causes(obj.get("spec"), "spec", found)


RULES: dict[tuple[str, str], Rule] = {
    ("", "PersistentVolumeClaim"): _claim,
}

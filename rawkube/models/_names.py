"""Python names for Kubernetes API names: model attributes, model modules and model classes.

The model generator imports these functions; they are pure and do no I/O.

Attribute names (``attribute_name``)
    1. ``OVERRIDES`` is consulted first: a committed table for the few real property names that
       the algorithm below would split awkwardly.
    2. camelCase becomes snake_case, acronym-aware. Words break at every character that is not an
       ASCII letter or digit (``x-kubernetes-list-type``, ``$ref``), and before a capital that
       follows a lowercase letter or a digit. A run of capitals is one word (``hostPID`` ->
       ``host_pid``), except that its last capital starts the next word when a lowercase letter
       follows (``targetCPUUtilization`` -> ``target_cpu_utilization``) -- unless that lowercase
       letter is a lone plural ``s`` closing the word (``podIPs`` -> ``pod_ips``,
       ``nonResourceURLs`` -> ``non_resource_urls``). Digits stick to the word before them
       (``fieldsV1`` -> ``fields_v1``, ``ipv4`` -> ``ipv4``).
    3. The result is always a valid, lowercase ASCII identifier that does not start with ``_``
       (pydantic treats such fields as private): leading underscores left by stripped characters
       are dropped (``$ref`` -> ``ref``), and a name that would start with a digit, or be empty,
       gets a ``field_`` prefix.
    4. A trailing ``_`` is appended when the name is a Python keyword (``continue_``, ``from_``,
       ``not_``), is a public attribute of ``pydantic.BaseModel`` (``schema_``, ``json_``,
       ``copy_``, ``dict_``, ``validate_``, ...), or starts with ``model_``, pydantic's own
       namespace (``modelName`` -> ``model_name_``; pydantic never ends its names in ``_``, so
       this cannot meet a current or future ``model_*`` method). Soft keywords (``type``,
       ``match``, ``case``) are left alone: they are keywords only at the head of a statement,
       never after a dot or as an annotated name, and ``type`` is on most Kubernetes objects.

Module names (``module_name``)
    ``<group>_<version>``. The core group ``""`` is ``core``; ``meta`` and ``meta.k8s.io`` are
    ``meta``. A dotless group (``apps``, ``batch``) is its own name. For a ``*.k8s.io`` group
    the ``.k8s.io`` is dropped and the first DNS label names the group
    (``rbac.authorization.k8s.io`` -> ``rbac``, ``flowcontrol.apiserver.k8s.io`` ->
    ``flowcontrol``), except when that label says nothing on its own (``internal``), where all
    labels are kept (``internal.apiserver.k8s.io`` -> ``internal_apiserver``). Any other group
    (a CRD's) keeps all its labels (``cert-manager.io`` -> ``cert_manager_io``). ``.`` and ``-``
    become ``_``; a name that would start with a digit gets a ``group_`` prefix.

Class names (``class_name``)
    The last dotted part of an OpenAPI definition name (``io.k8s.api.core.v1.Pod`` -> ``Pod``),
    with characters invalid in an identifier replaced by ``_``, a ``_`` before a leading digit
    and a ``_`` after a keyword (``None_``).
"""

from __future__ import annotations

import keyword
import re

__all__ = ["OVERRIDES", "attribute_name", "class_name", "module_name"]

# Consulted before the algorithm, keyed by the exact JSON name. Only for names the algorithm
# splits badly; every entry says why.
OVERRIDES: dict[str, str] = {
    # The algorithm glues the version to the acronym ("open_apiv3_schema"); "V3" is a version.
    "openAPIV3Schema": "open_api_v3_schema",
    # Kubernetes spells IP families "IPv4"/"IPv6" (Service.spec.ipFamilies); the algorithm would
    # read the "v" as starting a word ("i_pv4"). CRDs use these as property names.
    "IPv4": "ipv4",
    "IPv6": "ipv6",
}

# Public attributes of pydantic.BaseModel (v2, including its deprecated v1 API) that a field
# would shadow, plus "fields" (pydantic v1's name for the field table). Names starting with
# "model_" are handled by prefix, so they are not listed. tests/models/test_names.py checks this
# set still covers dir(BaseModel).
_BASEMODEL_NAMES = frozenset(
    {
        "construct",
        "copy",
        "dict",
        "fields",
        "from_orm",
        "json",
        "parse_file",
        "parse_obj",
        "parse_raw",
        "schema",
        "schema_json",
        "update_forward_refs",
        "validate",
    }
)

# One match per word, tried in order. findall skips every character no alternative can start
# with (anything but an ASCII letter or digit), so those act as word breaks.
_WORD = re.compile(
    r"""
      [A-Z]{2,}s(?![a-z])[0-9]*     # plural acronym closing its word: IPs, CIDRs, URLs
    | [A-Z]+(?=[A-Z][a-z])          # capital run whose last capital starts the next word: CPU|Util
    | [A-Z]+(?![a-z])[0-9]*         # capital run with nothing lowercase after it: PID, PKCS10, V1
    | [A-Z]?[a-z][a-z0-9]*          # ordinary word, digits included: api, Version, ipv4, k8s
    | [0-9][a-z0-9]*                # digits opening the name (digits elsewhere join a word)
    """,
    re.VERBOSE,
)

# Groups whose first DNS label names nothing on its own, so module_name keeps all their labels.
_VAGUE_FIRST_LABELS = frozenset({"internal"})

_NOT_IDENTIFIER_CHAR = re.compile(r"[^A-Za-z0-9_]")


def attribute_name(json_name: str) -> str:
    """Return the Python attribute name for the JSON property ``json_name``.

    Never raises: every string, even an empty one, gets a valid, non-keyword identifier.
    """
    override = OVERRIDES.get(json_name)
    if override is not None:
        return override
    name = "_".join(word.lower() for word in _WORD.findall(json_name))
    if not name or name[0].isdigit():
        name = f"field_{name}" if name else "field_"
    if keyword.iskeyword(name) or name in _BASEMODEL_NAMES or name.startswith("model_"):
        name += "_"
    return name


def module_name(group: str, version: str) -> str:
    """Return the module name under ``rawkube.models`` for an API group and version.

    Raises ``ValueError`` if ``version`` is empty.
    """
    if not version:
        raise ValueError("version must not be empty")
    if group in ("", "core"):
        prefix = "core"
    elif group in ("meta", "meta.k8s.io"):
        prefix = "meta"
    elif group.endswith(".k8s.io") or "." not in group:
        labels = group.removesuffix(".k8s.io").split(".")
        prefix = "_".join(labels) if labels[0] in _VAGUE_FIRST_LABELS else labels[0]
    else:
        prefix = group
    name = _NOT_IDENTIFIER_CHAR.sub("_", f"{prefix}_{version}".lower())
    # A module name must be importable; a group may legally start with a digit.
    return f"group_{name}" if name[0].isdigit() else name


def class_name(definition_name: str) -> str:
    """Return the Python class name for an OpenAPI definition name (its last dotted part).

    Raises ``ValueError`` if the last dotted part is empty.
    """
    last = definition_name.rsplit(".", 1)[-1]
    if not last:
        raise ValueError(f"definition name {definition_name!r} has no last part")
    name = _NOT_IDENTIFIER_CHAR.sub("_", last)
    if name[0].isdigit():
        name = f"_{name}"
    return f"{name}_" if keyword.iskeyword(name) else name

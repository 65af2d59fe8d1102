"""Extract the API facts rawkube's models are generated from, without upstream prose.

Usage::

    python scripts/update_schemas.py SPEC_DIR [--api-discovery FILE] [--apis-discovery FILE]
                                              [--out DIR]

``SPEC_DIR`` holds Kubernetes' OpenAPI v3 documents (``SPEC_DIR/v3/*.json``). From their
``components.schemas`` the script keeps only facts (property names, types, formats, references,
required fields, enums and the ``x-kubernetes-*`` extensions listed in ``_KEEP``) and from their
``paths`` each resource's plural, kind, scope, verbs and subresources. Built-in resources' singular
names, short names and categories are not in the spec: they come from the recorded aggregated
discovery documents. Everything is written to ``schemas/definitions.json`` and
``schemas/resources.json`` as deterministic JSON; ``schemas/meta_extra.json`` is hand-written and
left alone. ``schemas/README.md`` describes the format.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RECORDED = Path("/work/shared/kubernetes/recorded")

_REF_PREFIX = "#/components/schemas/"
# Keys of a schema node that are facts; everything else (description, title, default, example,
# externalDocs, ...) is dropped. "properties", "items", "additionalProperties", "allOf", "oneOf"
# are walked; the rest are copied as they are.
_KEEP = frozenset(
    {
        "type",
        "format",
        "enum",
        "required",
        "x-kubernetes-group-version-kind",
        "x-kubernetes-list-type",
        "x-kubernetes-list-map-keys",
        "x-kubernetes-map-type",
        "x-kubernetes-patch-strategy",
        "x-kubernetes-patch-merge-key",
        "x-kubernetes-int-or-string",
        "x-kubernetes-preserve-unknown-fields",
        "x-kubernetes-embedded-resource",
        "x-kubernetes-unions",
    }
)
_WALKED = frozenset({"properties", "items", "additionalProperties", "allOf", "oneOf", "$ref"})
_DROPPED = frozenset({"description", "title", "default", "example", "externalDocs"})

# x-kubernetes-action -> discovery verb; "connect" is mapped by HTTP method instead.
_ACTION_VERBS = {
    "get": "get",
    "list": "list",
    "watch": "watch",
    "watchlist": "watch",
    "post": "create",
    "put": "update",
    "patch": "patch",
    "delete": "delete",
    "deletecollection": "deletecollection",
}
_CONNECT_VERBS = {
    "get": "get",
    "post": "create",
    "put": "update",
    "patch": "patch",
    "delete": "delete",
}
_FILE_GV = re.compile(
    r"(?:api__(?P<core>v[0-9a-z]+)|apis__(?P<group>[^_]+)__(?P<version>[0-9a-z]+))_openapi"
)
_GA_VERSION = re.compile(r"v[0-9]+")


class SpecError(Exception):
    """The spec holds something this script does not know how to keep as a fact."""


def strip_schema(node: Any, where: str) -> dict[str, Any]:
    """Return the facts of one schema node: a new dict, prose dropped, refs normalised."""
    if not isinstance(node, dict):
        raise SpecError(f"{where}: a schema must be an object, not {type(node).__name__}")
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in _KEEP:
            out[key] = value
        elif key == "$ref":
            out["$ref"] = _ref_name(value, where)
        elif key == "properties":
            out["properties"] = {
                name: strip_schema(prop, f"{where}.{name}") for name, prop in value.items()
            }
        elif key == "items":
            out["items"] = strip_schema(value, f"{where}[]")
        elif key == "additionalProperties":
            out[key] = value if isinstance(value, bool) else strip_schema(value, f"{where}{{}}")
        elif key == "allOf":
            # Kubernetes writes a $ref beside prose as allOf: [{$ref}]; keep it as the ref.
            if len(value) != 1 or set(value[0]) != {"$ref"}:
                raise SpecError(f"{where}: allOf other than a single $ref is not supported")
            out["$ref"] = _ref_name(value[0]["$ref"], where)
        elif key == "oneOf":
            out["oneOf"] = [strip_schema(v, f"{where}|{i}") for i, v in enumerate(value)]
        elif key in _DROPPED:
            continue
        elif key.startswith("x-kubernetes-"):
            raise SpecError(f"{where}: unknown extension {key!r}; decide whether it is a fact")
        else:
            # Validation details (uniqueItems, nullable, ...) the models do not use.
            continue
    if "x-kubernetes-group-version-kind" in out:
        out["x-kubernetes-group-version-kind"] = sorted(
            out["x-kubernetes-group-version-kind"],
            key=lambda g: (g["group"], g["version"], g["kind"]),
        )
    return out


def _ref_name(ref: str, where: str) -> str:
    if not ref.startswith(_REF_PREFIX):
        raise SpecError(f"{where}: unexpected $ref {ref!r}")
    return ref[len(_REF_PREFIX) :]


def merge_definition(old: dict[str, Any], new: dict[str, Any], name: str) -> dict[str, Any]:
    """Merge two copies of one definition from different documents (only GVK lists may differ)."""
    gvk = "x-kubernetes-group-version-kind"
    rest_old = {k: v for k, v in old.items() if k != gvk}
    rest_new = {k: v for k, v in new.items() if k != gvk}
    if rest_old != rest_new:
        raise SpecError(f"{name}: the documents disagree on this definition")
    kinds = {json.dumps(g, sort_keys=True) for g in old.get(gvk, []) + new.get(gvk, [])}
    merged = dict(old)
    if kinds:
        merged[gvk] = sorted(
            (json.loads(k) for k in kinds), key=lambda g: (g["group"], g["version"], g["kind"])
        )
    return merged


def file_group_version(path: Path) -> tuple[str, str] | None:
    """(group, version) of a per-group-version document, from its file name; else None."""
    match = _FILE_GV.fullmatch(path.stem)
    if match is None:
        return None
    if match["core"]:
        return "", match["core"]
    return match["group"], match["version"]


def resources_of(doc: dict[str, Any], group: str, version: str) -> dict[str, dict[str, Any]]:
    """The resources a group-version document's paths serve, keyed by plural."""
    prefix = f"/apis/{group}/{version}/" if group else f"/api/{version}/"
    found: dict[str, dict[str, Any]] = {}
    for path in sorted(doc.get("paths", {})):
        if not path.startswith(prefix):
            raise SpecError(f"{path}: outside {prefix}")
        segments = [s for s in path[len(prefix) :].split("/") if s]
        if not segments:
            continue
        watch = segments[0] == "watch"
        if watch:
            segments = segments[1:]
        namespaced = len(segments) > 2 and segments[:2] == ["namespaces", "{namespace}"]
        if namespaced:
            segments = segments[2:]
        plural, rest = segments[0], segments[1:]
        if rest and rest[0] != "{name}":
            raise SpecError(f"{path}: expected {{name}} after the plural")
        subresource = rest[1] if len(rest) > 1 else None
        entry = found.setdefault(
            plural, {"kind": None, "namespaced": namespaced, "verbs": set(), "subresources": {}}
        )
        entry["namespaced"] = entry["namespaced"] or namespaced
        for method, op in sorted(doc["paths"][path].items()):
            if not isinstance(op, dict) or "x-kubernetes-action" not in op:
                continue
            action = op["x-kubernetes-action"]
            gvk = op.get("x-kubernetes-group-version-kind")
            if action == "connect":
                verb = _CONNECT_VERBS.get(method)
            else:
                verb = _ACTION_VERBS.get(action)
                if verb is None:
                    raise SpecError(f"{path} {method}: unknown action {action!r}")
            if verb is None:
                continue
            if subresource is None:
                if watch and verb == "get":
                    verb = "watch"
                entry["verbs"].add(verb)
                if gvk is not None:
                    kind = (gvk["group"], gvk["version"], gvk["kind"])
                    if entry["kind"] not in (None, kind):
                        raise SpecError(f"{path}: kind {kind} differs from {entry['kind']}")
                    entry["kind"] = kind
            else:
                sub = entry["subresources"].setdefault(subresource, {"kind": None, "verbs": set()})
                sub["verbs"].add(verb)
                if gvk is not None:
                    sub["kind"] = (gvk["group"], gvk["version"], gvk["kind"])
    out: dict[str, dict[str, Any]] = {}
    for plural, entry in sorted(found.items()):
        if entry["kind"] is None:
            raise SpecError(f"{prefix}{plural}: no operation names its kind")
        out[plural] = {
            "kind": _kind_fact(entry["kind"], group, version),
            "namespaced": entry["namespaced"],
            "verbs": sorted(entry["verbs"]),
            "subresources": {
                name: {
                    **({"kind": _kind_fact(sub["kind"], group, version)} if sub["kind"] else {}),
                    "verbs": sorted(sub["verbs"]),
                }
                for name, sub in sorted(entry["subresources"].items())
            },
        }
    return out


def _kind_fact(kind: tuple[str, str, str], group: str, version: str) -> dict[str, str]:
    """A kind as {"kind"}, with "group"/"version" only where they differ from the resource's."""
    g, v, k = kind
    if (g, v) == (group, version):
        return {"kind": k}
    return {"group": g, "kind": k, "version": v}


def discovery_facts(paths: list[Path]) -> dict[tuple[str, str, str], dict[str, Any]]:
    """(group, version, plural) -> singular/shortNames/categories from aggregated discovery."""
    facts: dict[tuple[str, str, str], dict[str, Any]] = {}
    for path in paths:
        doc = json.loads(path.read_bytes())
        if doc.get("kind") != "APIGroupDiscoveryList":
            raise SpecError(f"{path}: not an APIGroupDiscoveryList")
        for group_doc in doc.get("items", []):
            group = group_doc.get("metadata", {}).get("name", "")
            for version_doc in group_doc.get("versions", []):
                version = version_doc["version"]
                for res in version_doc.get("resources", []):
                    fact: dict[str, Any] = {}
                    if res.get("singularResource"):
                        fact["singular"] = res["singularResource"]
                    if res.get("shortNames"):
                        fact["shortNames"] = sorted(res["shortNames"])
                    if res.get("categories"):
                        fact["categories"] = sorted(res["categories"])
                    facts[(group, version, res["resource"])] = fact
    return facts


def collect(spec_dir: Path, discovery: list[Path]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Read the spec and discovery documents; return (definitions, group-versions)."""
    files = sorted((spec_dir / "v3").glob("*.json"))
    if not files:
        raise SpecError(f"{spec_dir / 'v3'}: no OpenAPI v3 documents")
    definitions: dict[str, Any] = {}
    group_versions: dict[str, Any] = {}
    for path in files:
        doc = json.loads(path.read_bytes())
        for name, schema in sorted(doc.get("components", {}).get("schemas", {}).items()):
            facts = strip_schema(schema, name)
            definitions[name] = (
                merge_definition(definitions[name], facts, name) if name in definitions else facts
            )
        gv = file_group_version(path)
        if gv is None:
            continue
        group, version = gv
        api_version = f"{group}/{version}" if group else version
        group_versions[api_version] = {
            "ga": _GA_VERSION.fullmatch(version) is not None,
            "group": group,
            "version": version,
            "resources": resources_of(doc, group, version),
        }
    # The package holding each group-version's definitions: where its resources' kinds live.
    by_kind: dict[tuple[str, str, str], set[str]] = {}
    for name, schema in definitions.items():
        for g in schema.get("x-kubernetes-group-version-kind", []):
            by_kind.setdefault((g["group"], g["version"], g["kind"]), set()).add(name)
    for api_version, gv_facts in group_versions.items():
        found: set[str] = set()
        for res in gv_facts["resources"].values():
            kind = (gv_facts["group"], gv_facts["version"], res["kind"]["kind"])
            if "group" not in res["kind"]:
                found.update(name.rsplit(".", 1)[0] for name in by_kind.get(kind, ()))
        if len(found) > 1:
            raise SpecError(f"{api_version}: definitions in several packages: {sorted(found)}")
        if found:
            gv_facts["package"] = found.pop()
    extra = discovery_facts(discovery)
    for gv_facts in group_versions.values():
        for plural, res in gv_facts["resources"].items():
            res.update(extra.get((gv_facts["group"], gv_facts["version"], plural), {}))
    return definitions, group_versions


def dump_lines(mapping: dict[str, Any]) -> str:
    """A JSON object with one sorted key per line, each value compact: small, stable diffs."""
    lines = [
        json.dumps(key) + ":" + json.dumps(value, sort_keys=True, separators=(",", ":"))
        for key, value in sorted(mapping.items())
    ]
    return "{\n" + ",\n".join(lines) + "\n}\n"


def dump_group_versions(group_versions: dict[str, Any]) -> str:
    """resources.json: one line per group-version header, one line per resource."""
    blocks = []
    for api_version, facts in sorted(group_versions.items()):
        head = {k: v for k, v in facts.items() if k != "resources"}
        head_text = json.dumps(head, sort_keys=True, separators=(",", ":"))[:-1]
        resources = dump_lines(facts["resources"]).rstrip("\n")
        resources = resources.replace("\n", "\n  ")
        blocks.append(f'{json.dumps(api_version)}:{head_text},"resources":{resources}}}')
    return "{\n" + ",\n".join(blocks) + "\n}\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("spec_dir", type=Path, help="directory holding v3/*.json")
    parser.add_argument("--api-discovery", type=Path, default=RECORDED / "api_aggregated_v2.body")
    parser.add_argument("--apis-discovery", type=Path, default=RECORDED / "apis_aggregated_v2.body")
    parser.add_argument("--out", type=Path, default=ROOT / "schemas")
    args = parser.parse_args(argv)
    try:
        definitions, group_versions = collect(
            args.spec_dir, [args.api_discovery, args.apis_discovery]
        )
    except (SpecError, OSError, ValueError, KeyError) as exc:
        print(f"update_schemas: {exc}", file=sys.stderr)
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    texts = {
        "definitions.json": dump_lines(definitions),
        "resources.json": dump_group_versions(group_versions),
    }
    for name, text in texts.items():
        json.loads(text)  # the hand-made layout must still be JSON
        (args.out / name).write_text(text, encoding="utf-8")
    print(
        f"update_schemas: {len(definitions)} definitions, {len(group_versions)} group-versions "
        f"({sum(gv['ga'] for gv in group_versions.values())} GA) -> {args.out}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

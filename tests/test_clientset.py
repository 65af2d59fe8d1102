"""The generated accessors: fresh, complete, and each one the resource it names."""

from __future__ import annotations

import ast
import inspect
import json
import subprocess
import sys
from pathlib import Path

import pytest

import rawkube
from rawkube.client._client import GroupVersionAttribute
from rawkube.client._clientset import AsyncClientset, Clientset
from rawkube.core._clock import FakeClock
from rawkube.models._names import module_name

ROOT = Path(__file__).resolve().parents[1]
GENERATED = ROOT / "rawkube" / "client" / "_clientset.py"
GENERATED_GROUPS = ROOT / "rawkube" / "client" / "_clientset_groups.py"
RESOURCES = json.loads((ROOT / "schemas" / "resources.json").read_text(encoding="utf-8"))


def test_committed_accessors_are_what_the_generator_writes(tmp_path: Path) -> None:
    out = tmp_path / "_clientset.py"
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gen_clientset.py"), "--out", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert out.read_bytes() == GENERATED.read_bytes(), "stale: run scripts/gen_clientset.py"
    groups = tmp_path / "_clientset_groups.py"
    assert groups.read_bytes() == GENERATED_GROUPS.read_bytes(), "stale: run gen_clientset.py"


def served() -> list[tuple[str, str, bool]]:
    """(module, plural, namespaced) of every GA resource whose model its module holds."""
    found = []
    for gv in RESOURCES.values():
        if not gv["ga"]:
            continue
        for plural, res in gv["resources"].items():
            if "group" not in res["kind"]:
                found.append((module_name(gv["group"], gv["version"]), plural, res["namespaced"]))
    return sorted(found)


@pytest.fixture(scope="module")
def accessors() -> dict[tuple[str, str], tuple[rawkube.Api, bool]]:
    client = rawkube.Client(
        rawkube.Config(server="http://k8s.test", namespace="team", clock=FakeClock())
    )
    found = {}
    for module in sorted({m for m, _, _ in served()}):
        group = getattr(client, module)
        for name, method in inspect.getmembers(group, inspect.ismethod):
            if name.startswith("_"):
                continue
            takes_namespace = "namespace" in inspect.signature(method).parameters
            api = method()
            found[(module, api._core.info.plural)] = (api, takes_namespace)
    return found


def test_every_ga_resource_has_an_accessor(accessors) -> None:
    assert sorted(accessors) == [(m, p) for m, p, _ in served()]
    assert len(accessors) > 60


def test_namespaced_accessors_take_a_namespace_and_cluster_scoped_ones_none(accessors) -> None:
    for module, plural, namespaced in served():
        api, takes_namespace = accessors[(module, plural)]
        assert takes_namespace is namespaced, (module, plural)
        assert api._core.namespace == ("team" if namespaced else None)


def test_the_accessors_read_as_the_api_names_them() -> None:
    client = rawkube.Client(rawkube.Config(server="http://k8s.test", clock=FakeClock()))
    assert repr(client.core_v1.pods("web")) == "<Api <v1 pods in web>>"
    assert repr(client.apps_v1.deployments()) == "<Api <apps/v1 deployments in default>>"
    assert repr(client.core_v1.namespaces()) == "<Api <v1 namespaces in cluster>>"
    assert repr(client.networking_v1.network_policies(rawkube.ALL)) == (
        "<Api <networking.k8s.io/v1 networkpolicies in all namespaces>>"
    )
    assert (
        repr(client.storage_v1.csi_drivers()) == "<Api <storage.k8s.io/v1 csidrivers in cluster>>"
    )


@pytest.mark.anyio
async def test_the_async_client_has_the_same_accessors() -> None:
    async with rawkube.AsyncClient(
        rawkube.Config(server="http://k8s.test", clock=FakeClock())
    ) as client:
        api = client.core_v1.pods("web")
        assert isinstance(api, rawkube.AsyncApi)
        assert repr(api) == "<AsyncApi <v1 pods in web>>"
    sync_groups = {n for n in dir(rawkube.Client) if n.endswith(("_v1", "_v2"))}
    async_groups = {n for n in dir(rawkube.AsyncClient) if n.endswith(("_v1", "_v2"))}
    assert sync_groups == async_groups
    assert {"core_v1", "apps_v1", "rbac_v1", "autoscaling_v2"} <= sync_groups


@pytest.mark.parametrize(
    ("client", "clientset"),
    [(rawkube.Client, Clientset), (rawkube.AsyncClient, AsyncClientset)],
)
def test_each_client_names_every_group_version_of_its_clientset(client, clientset) -> None:
    # The clientset is generated, the client's one-line attributes are not: a group-version
    # the generator adds shows up here until _async_client.py names it.
    generated = {n for n in vars(clientset) if not n.startswith("_")}
    named = {n for n, v in vars(client).items() if isinstance(v, GroupVersionAttribute)}
    assert named == generated
    served_modules = {m for m, _, _ in served()}
    assert generated == served_modules


def test_the_clientset_serves_each_read_with_a_fresh_accessor() -> None:
    client = rawkube.Client(rawkube.Config(server="http://k8s.test", clock=FakeClock()))
    assert isinstance(client._clientset, Clientset)
    assert type(client.core_v1).__name__ == "CoreV1"
    assert client.core_v1 is not client.core_v1  # as before: accessors are cheap views
    assert isinstance(rawkube.Client.core_v1, GroupVersionAttribute)


def test_a_dropped_client_is_freed_at_once_without_the_collector() -> None:
    # No reference cycle through the clientset: a client let go is gone when its last name
    # is (its pool with it), not at some later collection.
    import gc
    import weakref

    gc.disable()
    try:
        for make in (rawkube.Client, rawkube.AsyncClient):
            client = make(rawkube.Config(server="http://k8s.test", clock=FakeClock()))
            client.core_v1.pods("default")
            gone = weakref.ref(client)
            del client
            assert gone() is None, make.__name__
    finally:
        gc.enable()


def test_the_generated_modules_do_not_import_the_client() -> None:
    # They see a client through the ApiFactory protocols; importing rawkube.client._client back
    # (even for types only) would close an import cycle through the generated code.
    for path in (GENERATED, GENERATED_GROUPS):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
        assert "rawkube.client._client" not in imported, path.name
        assert "type: ignore" not in path.read_text(encoding="utf-8"), path.name


def test_a_client_loads_the_accessor_classes_only_when_a_group_version_is_read() -> None:
    probe = (
        "import sys, rawkube\n"
        "c = rawkube.Client(rawkube.Config(server='http://k8s.test'))\n"
        "before = 'rawkube.client._clientset_groups' in sys.modules\n"
        "c.apps_v1\n"
        "print(before, 'rawkube.client._clientset_groups' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True"]

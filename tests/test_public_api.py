"""The public surface: ``__all__`` is sorted, complete and importable."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys

import pytest

import rawkube
from rawkube import errors


def test_all_is_sorted_and_importable():
    for module in (rawkube, errors):
        assert module.__all__ == sorted(module.__all__)
        for name in module.__all__:
            assert hasattr(module, name), name


def test_every_error_class_is_exported():
    from rawkube.core import _exceptions

    defined = {
        name
        for name, value in vars(_exceptions).items()
        if isinstance(value, type) and issubclass(value, Exception) and not name.startswith("_")
    }
    assert defined <= set(rawkube.__all__)


def test_every_module_has_a_docstring():
    for info in pkgutil.walk_packages(rawkube.__path__, "rawkube."):
        if info.name == "rawkube.__main__":
            continue
        module = importlib.import_module(info.name)
        assert module.__doc__, info.name
        assert module.__doc__.strip(), info.name


def test_py_typed_ships():
    import pathlib

    assert (pathlib.Path(rawkube.__file__).parent / "py.typed").exists()


# What `import rawkube` leaves for first use. Import time is measured in bench/; these guard
# the cause, so that a module-level import added anywhere cannot bring one back unnoticed.
LOADED_ON_FIRST_USE = (
    # pydantic for a Status or a model, yaml for a kubeconfig, asyncio and anyio for async code,
    # concurrent.futures for the first name lookup, subprocess for an exec credential plugin
    "anyio",
    "asyncio",
    "concurrent.futures",
    "pydantic",
    "subprocess",
    "yaml",
    # rawkube's own: each behind a name that loads it (rawkube.RetryWatcher, client.core_v1,
    # apply_manifests, load_config finding a file, a user with an exec stanza...)
    "rawkube.client._clientset_groups",
    "rawkube.client._async_discovery",
    "rawkube.client._discovery",
    "rawkube.client._sync_discovery",
    "rawkube.client._manifests",
    "rawkube.core._restmapper",
    "rawkube.core._selector",
    "rawkube.core._yaml",
    "rawkube.config.auth",
    "rawkube.config.build",
    "rawkube.config.exec",
    "rawkube.config.kubeconfig",
    "rawkube.models",
    "rawkube.runtime",
)


def loaded_after(code: str, modules: tuple[str, ...] = LOADED_ON_FIRST_USE) -> list[str]:
    """Which of ``modules`` a fresh interpreter has loaded after running ``code``."""
    import json
    import subprocess
    import sys

    probe = (
        f"{code}\nimport json, sys\nprint(json.dumps([m for m in {modules!r} if m in sys.modules]))"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


def test_importing_rawkube_leaves_the_slow_imports_for_later():
    assert loaded_after("import rawkube") == []


def test_a_client_from_a_token_kubeconfig_loads_no_exec_plugin_runner(tmp_path):
    kubeconfig = tmp_path / "config"
    kubeconfig.write_text(KUBECONFIG)
    client = f"import rawkube\nrawkube.Client.from_kubeconfig({str(kubeconfig)!r})"
    assert loaded_after(client, ("rawkube.config.exec", "subprocess")) == []
    exec_user = f"import rawkube\nrawkube.load_config({str(kubeconfig)!r}, context='exec')"
    assert loaded_after(exec_user, ("rawkube.config.exec", "subprocess")) == [
        "rawkube.config.exec",
        "subprocess",
    ]


KUBECONFIG = """
apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: {server: "https://k8s.test"}
users:
- name: token
  user: {token: abc}
- name: exec
  user:
    exec: {apiVersion: client.authentication.k8s.io/v1, command: echo, interactiveMode: Never}
contexts:
- name: token
  context: {cluster: c, user: token}
- name: exec
  context: {cluster: c, user: exec}
current-context: token
"""


def test_names_loaded_on_first_use_are_the_objects_they_name():
    # In a fresh interpreter, where nothing has loaded them yet.
    code = """
import importlib, rawkube, rawkube.config
for package in (rawkube, rawkube.config):
    assert set(package.__all__) <= set(dir(package)), package
    for name, module in package._LAZY.items():
        module = module if "." in module else f"{package.__name__}.{module}"
        assert getattr(package, name) is getattr(importlib.import_module(module), name), name
from rawkube import RetryWatcher, load_all_yaml, selector
from rawkube.config import ExecAuth, ExecConfig
import rawkube.client._sync_retry_watch, rawkube.config.exec
assert RetryWatcher is rawkube.client._sync_retry_watch.RetryWatcher
assert ExecConfig is rawkube.config.exec.ExecConfig
assert rawkube.config.auth.ExecAuth is ExecAuth
"""
    assert loaded_after(code, ()) == []
    # Public subpackages `import rawkube` used to load stay attributes without an import.
    attributes = "import rawkube\nrawkube.runtime.SharedInformer\nrawkube.config.exec.ExecConfig"
    assert loaded_after(attributes, ("rawkube.runtime", "rawkube.config.exec")) == [
        "rawkube.runtime",
        "rawkube.config.exec",
    ]


def test_status_models_load_on_first_use():
    assert rawkube.Status.model_validate_json(b'{"kind":"Status","code":404}').code == 404
    assert rawkube.StatusDetails is not None


PUBLIC_PACKAGES = [
    "rawkube",
    "rawkube.config",
    "rawkube.runtime",
    "rawkube.testing",
    "rawkube.models",
]


@pytest.mark.parametrize("package", PUBLIC_PACKAGES)
def test_public_classes_and_functions_report_a_public_module(package):
    # What a repr, a traceback or generated docs show is where a user imports the name from.
    # Dataclasses and pydantic models keep their defining module (rawkube/_public.py says why).
    code = f"""
import dataclasses, importlib, inspect
module = importlib.import_module({package!r})
wrong = []
for name in module.__all__:
    obj = getattr(module, name)
    if not (inspect.isclass(obj) or inspect.isfunction(obj)):
        continue
    if inspect.isclass(obj) and (dataclasses.is_dataclass(obj) or hasattr(obj, "__pydantic_fields__")):
        continue
    if obj.__module__ not in {PUBLIC_PACKAGES!r}:
        wrong.append(f"{{name}}: {{obj.__module__}}")
assert not wrong, wrong
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def test_an_error_reported_as_rawkube_s_survives_pickling():
    import pickle

    error = rawkube.NotFoundError(404, "NotFound", 'pods "web-0" not found')
    assert type(error).__module__ == "rawkube"
    again = pickle.loads(pickle.dumps(error))
    assert type(again) is rawkube.NotFoundError
    assert again.code == 404


@pytest.mark.parametrize("name", ["ApiRequest", "RequestBuilder"])
def test_builder_internals_leave_the_top_level_with_a_warning(name):
    # What a user types is Request/AsyncRequest; the builder's base and its built form are
    # internals, still found (for one release) but named as such.
    assert name not in rawkube.__all__
    with pytest.warns(DeprecationWarning, match=rf"rawkube\.{name} .*rawkube\.Request"):
        found = getattr(rawkube, name)
    from rawkube.core import _request

    assert found is getattr(_request, name)

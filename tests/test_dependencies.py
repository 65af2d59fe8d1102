"""What rawkube imports is what pyproject.toml installs, and every module imports on its own.

These stand in for building a venv from pyproject.toml alone (which needs the network or a
wheel cache): the first test reads every import statement of the package, the second imports
every module in a fresh interpreter.

Imports under ``if TYPE_CHECKING:`` count as needed: the package ships ``py.typed``, so a
user's type checker resolves rawkube's annotations, and the modules they name, in the user's
environment, where only the declared dependencies are sure to be installed.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from collections import defaultdict
from importlib.metadata import packages_distributions
from pathlib import Path

from packaging.requirements import Requirement

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: pytest itself depends on tomli there
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "rawkube"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())

# rawkube's pytest plugin is imported by pytest alone, through the pytest11 entry point, so
# pytest is there whenever it is: its import needs no dependency of rawkube's own.
PYTEST_PLUGIN = "rawkube.testing.pytest_plugin"

# Dependencies rawkube declares for another dependency's sake, never importing them itself.
FOR_ANOTHER = {
    # httpcore imports sniffio whenever it makes a lock; uninstalled, each import searches sys.path
    "sniffio",
}


def distribution_key(name: str) -> str:
    """A distribution's name as PEP 503 compares them (``PyYAML`` and ``pyyaml`` alike)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def declared(requirements: list[str]) -> set[str]:
    return {distribution_key(Requirement(text).name) for text in requirements}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def guarded(ancestors: list[ast.AST]) -> bool:
    """Whether an import sits in a ``try`` whose handlers catch ImportError."""
    names = {"ImportError", "ModuleNotFoundError"}
    for node in ancestors:
        if isinstance(node, ast.Try):
            for handler in node.handlers:
                caught = handler.type
                elts = caught.elts if isinstance(caught, ast.Tuple) else [caught]
                if any(isinstance(e, ast.Name) and e.id in names for e in elts):
                    return True
    return False


def imports(tree: ast.AST) -> list[tuple[str, bool]]:
    """Each top-level module an AST imports (in functions and TYPE_CHECKING blocks too), and
    whether that import is guarded; relative imports are rawkube's own.
    """
    found: list[tuple[str, bool]] = []

    def visit(node: ast.AST, ancestors: list[ast.AST]) -> None:
        if isinstance(node, ast.Import):
            found.extend((alias.name.split(".")[0], guarded(ancestors)) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            top = "rawkube" if node.level else (node.module or "").split(".")[0]
            found.append((top, guarded(ancestors)))
        for child in ast.iter_child_nodes(node):
            visit(child, [*ancestors, node])

    visit(tree, [])
    return found


def test_every_import_is_the_standard_library_rawkube_or_a_declared_dependency():
    project = PYPROJECT["project"]
    required = declared(project["dependencies"])
    optional = declared([r for extra in project["optional-dependencies"].values() for r in extra])
    providers = packages_distributions()
    assert project["entry-points"]["pytest11"] == {"rawkube": PYTEST_PLUGIN}

    undeclared: dict[str, set[str]] = defaultdict(set)
    used: set[str] = set()
    for path in sorted(PACKAGE.rglob("*.py")):
        name = module_name(path)
        for top, is_guarded in imports(ast.parse(path.read_text(), str(path))):
            if top in sys.stdlib_module_names or top == "rawkube":
                continue
            if name == PYTEST_PLUGIN and top == "pytest":
                continue
            dists = {distribution_key(d) for d in providers.get(top, [])}
            used |= dists
            allowed = required | optional if is_guarded else required
            if not dists & allowed:
                undeclared[top].add(name)
    assert not undeclared, (
        "imported but not declared in pyproject's [project].dependencies "
        "(module: the rawkube modules importing it): "
        + "; ".join(f"{top}: {sorted(where)}" for top, where in sorted(undeclared.items()))
    )
    unused = required - used - FOR_ANOTHER
    assert not unused, f"declared but never imported: {sorted(unused)}"


def test_every_module_imports_in_a_fresh_interpreter():
    names = sorted(module_name(path) for path in PACKAGE.rglob("*.py"))
    names.remove("rawkube.__main__")  # running the command is what importing it does
    script = (
        "import importlib, sys, traceback\n"
        "failed = []\n"
        f"for name in {names!r}:\n"
        "    try:\n"
        "        importlib.import_module(name)\n"
        "    except Exception:\n"
        "        failed.append(traceback.format_exc())\n"
        "sys.exit('\\n'.join(failed) or None)\n"
    )
    # -W error: a warning while importing (a deprecated API, say) fails as in the test suite.
    done = subprocess.run(
        [sys.executable, "-W", "error", "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr

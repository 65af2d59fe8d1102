"""rawkube uses pydantic through its public API only, so a pydantic minor release cannot break it.

Read from the source: no import of a private pydantic or pydantic-core module (``_internal``,
``_pydantic_core``), not even for type checking, and no assignment to pydantic's own
attributes (``__pydantic_*__``), whether by ``=``, ``setattr`` or ``object.__setattr__``.
Core schemas are only made by wrapping what pydantic's handler returns (``Lazy``'s documented
``__get_pydantic_core_schema__`` hook), never edited. CI runs the tests on the lowest and the
newest pydantic that ``pyproject.toml`` allows.
"""

from __future__ import annotations

import ast
from pathlib import Path

import rawkube

SOURCE = Path(rawkube.__file__).parent
FILES = sorted(SOURCE.rglob("*.py"))


def private_module(name: str) -> bool:
    top, _, rest = name.partition(".")
    return top in ("pydantic", "pydantic_core") and any(
        part.startswith("_") for part in rest.split(".") if part
    )


def offences(tree: ast.AST) -> list[str]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [f"import {a.name}" for a in node.names if private_module(a.name)]
        elif isinstance(node, ast.ImportFrom) and node.module and private_module(node.module):
            found.append(f"from {node.module} import ...")
        elif isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Attribute) and target.attr.startswith("__pydantic"):
                    found.append(f"assignment to .{target.attr}")
        elif isinstance(node, ast.Call) and node.args[1:]:
            name = ast.unparse(node.func)
            attribute = node.args[1]
            if (
                "setattr" in name
                and isinstance(attribute, ast.Constant)
                and str(attribute.value).startswith("__pydantic")
            ):
                found.append(f"{name}(..., {attribute.value!r}, ...)")
    return found


def test_the_checks_catch_what_they_look_for():
    code = (
        "from pydantic._internal import _repr\n"
        "import pydantic_core._pydantic_core\n"
        "f.__pydantic_base_init__ = True\n"
        "object.__setattr__(m, '__pydantic_fields_set__', set())\n"
    )
    assert len(offences(ast.parse(code))) == 4
    assert offences(ast.parse("from pydantic import BaseModel\nm.__dict__['x'] = 1\n")) == []


def test_rawkube_uses_no_private_pydantic_api():
    assert FILES
    found = {str(path.relative_to(SOURCE)): offences(ast.parse(path.read_text())) for path in FILES}
    assert {path: what for path, what in found.items() if what} == {}

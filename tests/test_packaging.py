"""Every runtime import of kubelab is a declared dependency.

A bare ``pip install kubelab`` (no extras) installs only
``[project] dependencies``; a module imported at run time that is not among them works on a
developer's machine, where the test extra brought it, and fails for everyone else. So: walk
every module of the package (function-level imports included), keep the imports that are
neither kubelab's own nor the standard library, map each import name to the distribution
that provides it, and require that distribution in ``dependencies``. Imports that cannot run
(under ``if TYPE_CHECKING:``) and imports guarded by ``except ImportError`` are optional by
construction and are left out.
"""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "kubelab"


def canonical(name: str) -> str:
    """PEP 503 normalisation: PyYAML == pyyaml, pydantic_core == pydantic-core."""
    return re.sub(r"[-_.]+", "-", name).lower()


def declared_dependencies() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return {canonical(re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", req).group(1)) for req in project["dependencies"]}


def _catches_import_error(handler: ast.ExceptHandler) -> bool:
    names = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return any(isinstance(n, ast.Name) and n.id in ("ImportError", "ModuleNotFoundError") for n in names)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or \
        (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def runtime_imports(tree: ast.AST) -> list[tuple[str, int]]:
    """(top-level module name, line) of every absolute import that runs when its code runs."""
    out: list[tuple[str, int]] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Try) and any(_catches_import_error(h) for h in node.handlers):
            for child in node.handlers + node.orelse + node.finalbody:
                visit(child)
            return
        if isinstance(node, ast.Import):
            out.extend((a.name.split(".")[0], node.lineno) for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            out.append((node.module.split(".")[0], node.lineno))
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return out


def third_party_imports() -> dict[str, list[str]]:
    """import name -> the places (file:line) that import it."""
    found: dict[str, list[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        for name, line in runtime_imports(ast.parse(path.read_text(), str(path))):
            if name == "kubelab" or name in sys.stdlib_module_names or name == "__future__":
                continue
            found.setdefault(name, []).append(f"{path.relative_to(ROOT)}:{line}")
    return found


def test_the_scan_sees_function_level_imports_and_skips_optional_ones():
    tree = ast.parse(
        "import numpy as np\n"
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    import pandas\n"
        "try:\n    import orjson\nexcept ImportError:\n    orjson = None\n"
        "def f():\n    from IPython.display import display\n")
    assert runtime_imports(tree) == [("numpy", 1), ("typing", 2), ("IPython", 10)]


def test_every_runtime_import_is_a_declared_dependency():
    provided_by = importlib.metadata.packages_distributions()
    declared = declared_dependencies()
    problems = []
    for name, where in sorted(third_party_imports().items()):
        dists = {canonical(d) for d in provided_by.get(name, ())}
        if not dists:
            problems.append(f"{name}: no installed distribution provides it (imported at {where[0]})")
        elif not dists & declared:
            problems.append(f"{name}: from {' or '.join(sorted(dists))}, not in [project] dependencies "
                            f"(imported at {', '.join(where[:3])}{', ...' if len(where) > 3 else ''})")
    assert not problems, "undeclared runtime imports:\n  " + "\n  ".join(problems)

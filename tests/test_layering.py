"""The house keeps the shape it was drawn in (DESIGN.md): imports point downward,
sim <- api <- etcd <- apiserver <- client <- scheduler / controllers / node / kubectl <- http <- cluster <- viz,
and no module outside the view layer imports it at module level. (kubectl sits below the
cluster because it speaks only to a small Source protocol, which the Cluster implements.)"""

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[1] / "kubelab"

# the layer of each top-level part; a module may import only parts of a lower or equal layer
LAYER = {
    "sim": 0, "api": 1, "etcd": 2, "apiserver": 3, "client": 4,
    "scheduler": 5, "controllers": 5, "node": 5, "kubectl": 5, "http": 6,
    "components": 7, "cluster": 7, "load": 7, "serve": 7, "viz": 8, "__init__": 9,
}
# parts of the same layer that must not import each other (they talk through the API)
SIBLINGS = {"scheduler", "controllers", "node"}


def _part(module: str) -> str:
    return module.split(".")[1] if module.startswith("kubelab.") and module.count(".") >= 1 else "__init__"


def _imports(path: Path):
    tree = ast.parse(path.read_text())
    mod = "kubelab." + ".".join(path.relative_to(PKG).with_suffix("").parts)
    pkg = mod.rsplit(".", 1)[0] if path.name != "__init__.py" else mod.removesuffix(".__init__")
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                yield node, a.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = pkg.split(".")
                base = base[: len(base) - node.level + 1]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            yield node, name


FILES = sorted(p for p in PKG.rglob("*.py"))


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(PKG)) for p in FILES])
def test_imports_point_downward(path):
    me = path.relative_to(PKG).parts[0].removesuffix(".py")
    bad = []
    for node, target in _imports(path):
        if not target.startswith("kubelab"):
            continue
        other = _part(target)
        if other == me or other == "__init__":
            continue
        if LAYER[other] > LAYER[me]:
            if other == "viz" and not _module_level(path, node):
                continue  # the lazy hand-off to the view layer, inside _repr_html_
            bad.append(f"line {node.lineno}: {me} imports {target}")
        elif LAYER[other] == LAYER[me] and {me, other} <= SIBLINGS:
            bad.append(f"line {node.lineno}: {me} imports its sibling {target}")
    assert not bad, "\n".join(bad)


def _module_level(path: Path, node) -> bool:
    tree = ast.parse(path.read_text())
    for top in tree.body:
        if isinstance(top, (ast.Import, ast.ImportFrom)) and top.lineno == node.lineno:
            return True
        if isinstance(top, (ast.If, ast.Try)):
            for sub in ast.walk(top):
                if isinstance(sub, (ast.Import, ast.ImportFrom)) and sub.lineno == node.lineno:
                    return True
    return False

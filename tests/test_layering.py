"""The house keeps the shape it was drawn in (DESIGN.md): imports point downward,
sim <- api <- etcd <- apiserver <- client <- scheduler / controllers / node / kubectl <- http <- cluster / serve / live
<- viz,
and nothing below the view layer imports it, not even lazily (the view layer registers
itself). (kubectl sits below the cluster because it speaks only to a small Source
protocol, which the Cluster implements.) Two more rules over the whole import graph:

* no import cycle crosses a part: the strongly connected components of the module graph
  (function-level imports included; importing ``a.b.c`` also runs ``a.b``'s ``__init__``)
  each stay inside one top-level part;
* no module reaches into another part's ``_private`` names: not by ``from x import _y``,
  not through a module alias (``m._y``), not on a parameter typed with another part's
  class (``cluster: Cluster`` ... ``cluster._y``).

A known offender is marked ``xfail(strict=True)`` with the reason: when it is fixed the
test passes, the strict mark fails, and the mark comes off.
"""

import ast
import functools
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[1] / "kubelab"

# the layer of each top-level part; a module may import only parts of a lower or equal layer
LAYER = {
    "sim": 0, "api": 1, "etcd": 2, "apiserver": 3, "client": 4,
    "scheduler": 5, "controllers": 5, "node": 5, "kubectl": 5, "http": 6,
    "cluster": 7, "serve": 7, "live": 7, "viz": 8, "exercises": 8, "__init__": 9,
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


def _rel(path: Path) -> str:
    return str(path.relative_to(PKG))


def _params(known: dict[str, str]) -> list:
    """One case per module; a known offender carries its strict xfail."""
    missing = set(known) - {_rel(p) for p in FILES}
    assert not missing, f"known offenders that no longer exist (drop them): {sorted(missing)}"
    return [pytest.param(p, id=_rel(p), marks=[pytest.mark.xfail(strict=True, reason=known[_rel(p)])] if _rel(p) in known else [])
            for p in FILES]


# Known offenders, each with its reason: ``{"api/meta.py": "why, and the issue that removes it"}``
# (none since issue #9 made the Cluster a facade and the views register themselves).
UPWARD_KNOWN: dict[str, str] = {}
CYCLE_KNOWN: dict[str, str] = {}
PRIVATE_KNOWN: dict[str, str] = {}


@pytest.mark.parametrize("path", _params(UPWARD_KNOWN))
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
            how = "" if _module_level(path, node) else " (lazily)"
            bad.append(f"line {node.lineno}: {me} imports {target}{how}")
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


# -- the module import graph ------------------------------------------------------------------

def _modname(path: Path) -> str:
    parts = path.relative_to(PKG).with_suffix("").parts
    return ".".join(("kubelab",) + (parts[:-1] if parts[-1] == "__init__" else parts))


MODULES = {_modname(p): p for p in FILES}


def _top(module: str) -> str:
    """The top-level part of a module: kubelab.scheduler.port -> scheduler."""
    return module.split(".")[1] if "." in module else "__init__"


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or \
        (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _runtime_imports(path: Path):
    """(node, module it names, names imported from it) for every import that runs:
    function-level ones included, ``if TYPE_CHECKING:`` blocks left out (they never run)."""
    mod = _modname(path)
    pkg = mod if path.name == "__init__.py" else mod.rsplit(".", 1)[0]

    def visit(node):
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.orelse:
                yield from visit(child)
            return
        if isinstance(node, ast.Import):
            for a in node.names:
                yield node, a.name, []
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = pkg.split(".")
                base = ".".join(base[: len(base) - node.level + 1] + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            yield node, base, [a.name for a in node.names]
        for child in ast.iter_child_nodes(node):
            yield from visit(child)

    yield from visit(ast.parse(path.read_text()))


def _resolve(name: str) -> str:
    """The kubelab module an import name lands in (``kubelab.a.b.Class`` -> ``kubelab.a.b``)."""
    while name not in MODULES and "." in name:
        name = name.rsplit(".", 1)[0]
    return name


@functools.cache
def import_graph() -> dict[str, dict[str, int]]:
    """module -> {module it imports: line}. Importing ``kubelab.a.b`` runs ``kubelab.a``'s
    ``__init__`` too, so that is an edge as well — except the root ``kubelab``, the facade
    every import passes through (an explicit ``import kubelab`` still counts)."""
    graph: dict[str, dict[str, int]] = {}
    for mod, path in MODULES.items():
        edges: dict[str, int] = {}
        for node, base, names in _runtime_imports(path):
            if not base.startswith("kubelab"):
                continue
            targets = [_resolve(f"{base}.{n}") for n in names] or [_resolve(base)]
            for t in targets:
                if t == "kubelab":
                    edges.setdefault(t, node.lineno)
                while t != "kubelab":
                    if t != mod:
                        edges.setdefault(t, node.lineno)
                    t = t.rsplit(".", 1)[0]
        graph[mod] = edges
    return graph


def strongly_connected(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative; components in a deterministic order."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            v, it = work[-1]
            w = next(it, None)
            if w is not None:
                if w not in graph:
                    continue
                if w not in index:
                    index[w] = low[w] = len(index)
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(sorted(graph[w]))))
                elif w in on_stack:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                out.append(sorted(comp))
    return out


@functools.cache
def crossing_cycles() -> list[list[str]]:
    return [c for c in strongly_connected(import_graph()) if len({_top(m) for m in c}) > 1]


def test_the_cycle_finder_finds_a_cycle_across_parts_and_only_that():
    graph = {"kubelab.api.meta": {"kubelab.viz.html": 9}, "kubelab.viz.html": {"kubelab.api.meta": 3},
             "kubelab.api.core": {"kubelab.api.meta": 1}, "kubelab.sim.kernel": {}}
    assert sorted(strongly_connected(graph)) == [["kubelab.api.core"], ["kubelab.api.meta", "kubelab.viz.html"],
                                                 ["kubelab.sim.kernel"]]


def test_function_level_imports_and_package_inits_are_edges():
    graph = import_graph()
    # scheduler.py imports .port; port.py imports from kubelab.client (its __init__) and
    # from kubelab.api.base (which runs kubelab.api's __init__ first)
    assert "kubelab.scheduler.port" in graph["kubelab.scheduler.scheduler"]
    assert {"kubelab.client", "kubelab.api", "kubelab.api.base"} <= set(graph["kubelab.scheduler.port"])
    # a function-level import is an edge too (Scheduler._add_custom imports .plugins.custom)
    assert "kubelab.scheduler.plugins.custom" in graph["kubelab.scheduler.scheduler"]


PARTS = sorted({_top(m) for m in MODULES} - {"__init__"})


def _part_params(known: dict[str, str]) -> list:
    missing = set(known) - set(PARTS)
    assert not missing, f"known offenders that no longer exist (drop them): {sorted(missing)}"
    return [pytest.param(p, id=p, marks=[pytest.mark.xfail(strict=True, reason=known[p])] if p in known else [])
            for p in PARTS]


@pytest.mark.parametrize("part", _part_params(CYCLE_KNOWN))
def test_no_import_cycle_crosses_a_part(part):
    """One case per top-level part. A cycle is shown by the imports that cross parts
    inside it; those pointing up the layers are the ones to cut."""
    graph = import_graph()
    bad = []
    for comp in crossing_cycles():
        if part not in {_top(m) for m in comp}:
            continue
        inside = set(comp)
        crossing = [f"  {m} -> {t} (line {graph[m][t]}){'  <- points up' if LAYER[_top(t)] > LAYER[_top(m)] else ''}"
                    for m in comp for t in sorted(graph[m]) if t in inside and _top(t) != _top(m)]
        bad.append(f"a cycle through {', '.join(sorted({_top(m) for m in comp}))} ({len(comp)} modules); "
                   f"its imports across parts:\n" + "\n".join(crossing))
    assert not bad, "\n".join(bad)


# -- private names across parts ---------------------------------------------------------------

def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def private_reaches(source: str, module: str) -> list[str]:
    """Where a module's source uses another top-level part's ``_private`` names."""
    me = _top(module)
    tree = ast.parse(source)
    bad = []
    aliases: dict[str, str] = {}  # local name -> kubelab module of another part
    classes: dict[str, str] = {}  # local name -> module of another part it was imported from
    for node in ast.walk(tree):  # TYPE_CHECKING imports too: they name the classes parameters are typed with
        if isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").startswith("kubelab"):
            other = _top(_resolve(node.module))
            if other in (me, "__init__") and not any(_private(p) for p in node.module.split(".")):
                continue
            if any(_private(p) for p in node.module.split(".")) and other != me:
                bad.append(f"line {node.lineno}: from {node.module} import ... (a private module of {other})")
            for a in node.names:
                if other == me:
                    continue
                if _private(a.name):
                    bad.append(f"line {node.lineno}: from {node.module} import {a.name}")
                elif f"{_resolve(node.module)}.{a.name}" in MODULES:
                    aliases[a.asname or a.name] = f"{node.module}.{a.name}"
                else:
                    classes[a.asname or a.name] = node.module
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name.startswith("kubelab.") and _top(_resolve(a.name)) != me:
                    if any(_private(p) for p in a.name.split(".")):
                        bad.append(f"line {node.lineno}: import {a.name} (a private module)")
                    if a.asname:
                        aliases[a.asname] = a.name
    # parameters typed with another part's class: ``def f(cluster: "Cluster")``
    typed: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            args = node.args
            for arg in args.posonlyargs + args.args + args.kwonlyargs:
                ann = arg.annotation
                if isinstance(ann, ast.Constant) and isinstance(ann.value, str):
                    name = ann.value.split("[")[0].strip()
                elif isinstance(ann, ast.Name):
                    name = ann.id
                else:
                    continue
                if name in classes:
                    typed[arg.arg] = f"{classes[name]}.{name}"
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and _private(node.attr):
            root = node.value
            dotted = []
            while isinstance(root, ast.Attribute):
                dotted.append(root.attr)
                root = root.value
            if not isinstance(root, ast.Name):
                continue
            if root.id in aliases and not dotted:
                bad.append(f"line {node.lineno}: {root.id}.{node.attr} ({aliases[root.id]} is another part's module)")
            elif root.id in typed and not dotted:
                bad.append(f"line {node.lineno}: {root.id}.{node.attr} ({root.id} is a {typed[root.id]})")
            elif root.id == "kubelab" and dotted and _top("kubelab." + dotted[-1]) != me:
                bad.append(f"line {node.lineno}: kubelab.{'.'.join(reversed(dotted))}.{node.attr}")
    return sorted(bad, key=lambda b: int(b.split(":")[0].removeprefix("line ")))


def test_the_private_name_scan_sees_each_way_in():
    source = (
        "from typing import TYPE_CHECKING\n"
        "from kubelab.kubectl.printers import _cols, TABLES\n"
        "from kubelab.sim import kernel\n"
        "import kubelab.etcd.raft as raft\n"
        "if TYPE_CHECKING:\n    from kubelab.cluster import Cluster\n"
        "def start(cluster: 'Cluster', other):\n"
        "    cluster._local_resolver(); cluster.masters; other._x; cluster.__class__\n"
        "    kernel._PENDING; raft._step; kernel.Event\n"
        "    from kubelab.cluster.machines import _start_master\n")
    assert private_reaches(source, "kubelab.viz.demo") == [
        "line 2: from kubelab.kubectl.printers import _cols",
        "line 8: cluster._local_resolver (cluster is a kubelab.cluster.Cluster)",
        "line 9: kernel._PENDING (kubelab.sim.kernel is another part's module)",
        "line 9: raft._step (kubelab.etcd.raft is another part's module)",
        "line 10: from kubelab.cluster.machines import _start_master",
    ]
    # inside its own part a module may use its part's private names
    assert private_reaches("from kubelab.viz.html import _card\n", "kubelab.viz.widgets") == []


@pytest.mark.parametrize("path", _params(PRIVATE_KNOWN))
def test_no_module_uses_another_parts_private_names(path):
    bad = private_reaches(path.read_text(), _modname(path))
    assert not bad, "\n".join(bad)

"""What learners read uses only public names: the code cells of the notebooks, and the
python blocks of the README and of docs/*.md, never reach into a ``_private`` attribute
(``cluster._server()``, ``cluster._user.watch``). A private name is one with a leading
underscore; dunders, IPython's display protocol (``_repr_html_``, ``_ipython_display_``)
and the namedtuple API (``_asdict``, ``_replace``, ...) are public by convention.

A known offender is marked ``xfail(strict=True)``: once it is fixed the strict mark
fails, and comes off.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PUBLIC_BY_CONVENTION = {"_asdict", "_replace", "_fields", "_field_defaults", "_make"}
FENCE = re.compile(r"^```\s*(\{code-cell\}\s*)?(\w*)[^\n]*\n(.*?)^```[ \t]*$", re.S | re.M)
PYTHON = {"python", "py", "ipython", "ipython3", "python3", "pycon"}


def _private(attr: str) -> bool:
    if not attr.startswith("_") or attr in PUBLIC_BY_CONVENTION:
        return False
    if attr.startswith("__") and attr.endswith("__"):
        return False
    return not re.fullmatch(r"_(repr_\w+|ipython_\w+)_", attr)


def _python(source: str) -> str:
    """A cell's source as Python: IPython's ``%magic`` and ``!shell`` lines become blanks
    (line numbers stay), ``>>>`` / ``...`` prompts are dropped."""
    lines = []
    for line in source.splitlines():
        stripped = line.lstrip()
        if stripped.startswith(("%", "!")):
            line = ""
        elif stripped.startswith((">>> ", "... ")) or stripped in (">>>", "..."):
            line = stripped[4:]
        lines.append(line)
    return "\n".join(lines)


def private_uses(source: str) -> list[tuple[int, str]]:
    """(line, code) of every ``<expr>._private`` attribute access in the source."""
    tree = ast.parse(_python(source))
    lines = source.splitlines()
    found = {(n.lineno, lines[n.lineno - 1].strip()) for n in ast.walk(tree)
             if isinstance(n, ast.Attribute) and _private(n.attr)}
    return sorted(found)


def code_units(path: Path) -> list[tuple[str, str]]:
    """(where, source) of each code cell of a notebook, or python block of a markdown file."""
    if path.suffix == ".ipynb":
        cells = json.loads(path.read_text())["cells"]
        return [(f"cell {i}", "".join(c["source"])) for i, c in enumerate(cells) if c["cell_type"] == "code"]
    text = path.read_text()
    return [(f"block at line {text.count(chr(10), 0, m.start(3)) + 1}", m.group(3))
            for m in FENCE.finditer(text) if m.group(2) in PYTHON]


DOCUMENTS = sorted(ROOT.glob("notebooks/*.ipynb")) + [ROOT / "README.md"] + sorted(ROOT.glob("docs/*.md"))
KNOWN: dict[str, str] = {}  # none left


def _params() -> list:
    names = {str(p.relative_to(ROOT)) for p in DOCUMENTS}
    assert set(KNOWN) <= names, f"known offenders that no longer exist (drop them): {sorted(set(KNOWN) - names)}"
    return [pytest.param(p, id=str(p.relative_to(ROOT)),
                         marks=[pytest.mark.xfail(strict=True, reason=KNOWN[str(p.relative_to(ROOT))])]
                         if str(p.relative_to(ROOT)) in KNOWN else [])
            for p in DOCUMENTS]


def test_the_scan_finds_private_access_and_lets_conventions_be():
    cell = ("%time cluster.run(seconds=5)\n"
            "rv = int(cluster._server().read_list('pods').resource_version)\n"
            "w = cluster._user.watch('Pod')\n"
            "html = cluster.get('Pod', 'web')._repr_html_()\n"
            "point = p._replace(x=1)._asdict(); cluster.__class__\n")
    assert private_uses(cell) == [
        (2, "rv = int(cluster._server().read_list('pods').resource_version)"),
        (3, "w = cluster._user.watch('Pod')"),
    ]


def test_markdown_python_blocks_are_scanned_and_others_are_not():
    doc = ROOT / "README.md"
    units = code_units(doc)
    assert units and all(where.startswith("block at line ") for where, _ in units)
    assert any("kl.Cluster(" in src for _, src in units)
    assert not any("NAME " in src for _, src in units)  # the text block of output is not code


@pytest.mark.parametrize("path", _params())
def test_learners_see_only_public_names(path):
    bad = [f"{path.relative_to(ROOT)}, {where}, line {line}: {code}"
           for where, source in code_units(path) for line, code in private_uses(source)]
    assert not bad, "private names in what learners read:\n  " + "\n  ".join(bad)

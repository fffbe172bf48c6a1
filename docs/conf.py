"""Sphinx configuration: a user guide, the API reference from docstrings, and the
workshop notebooks rendered with their stored outputs (never executed here; nbval
executes them in `make test`)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(ROOT))

project = "kubelab"
author = "the kubelab authors"
copyright = "2026, the kubelab authors"

extensions = [
    "myst_nb",  # Markdown pages and .ipynb notebooks (brings myst_parser)
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.viewcode",
]

source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}
exclude_patterns = ["_build", "requirements.txt", "**.ipynb_checkpoints"]
nb_execution_mode = "off"  # show the outputs stored in the notebooks
nb_merge_streams = True
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3

autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_default_options = {"members": True, "show-inheritance": False}
napoleon_google_docstring = True
napoleon_numpy_docstring = False

html_theme = "alabaster"
html_title = "kubelab"
html_static_path: list[str] = []


def _copy_notebooks() -> None:
    """Sphinx reads sources under docs/ only: mirror ../notebooks into docs/notebooks and
    write the page that lists them (a page even when there are none yet)."""
    src = ROOT / "notebooks"
    dst = DOCS / "notebooks"
    if dst.exists():
        shutil.rmtree(dst)
    dst.mkdir()
    names = sorted(p.name for p in src.glob("*.ipynb")) if src.is_dir() else []
    for name in names:
        shutil.copy2(src / name, dst / name)
    lines = ["# The workshop notebooks", "",
             "Rendered with the outputs stored in the repository; run them yourself with `make workshop`.", ""]
    if names:
        lines += ["```{toctree}", ":maxdepth: 1", ""] + [n[:-6] for n in names] + ["```", ""]
    else:
        lines += ["No notebooks yet.", ""]
    (dst / "index.md").write_text("\n".join(lines), encoding="utf-8")


_copy_notebooks()

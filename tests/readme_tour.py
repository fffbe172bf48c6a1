"""Run the README's python blocks as written and check the output the README shows.

Used two ways (standard library only, so it runs in a venv that holds nothing but the
kubelab wheel):

* ``python tests/readme_tour.py README.md`` — what ``make check-wheel`` runs in a fresh
  venv where only the built wheel is installed; run it from outside the repository, so
  the ``kubelab/`` source folder cannot shadow the installed package;
* ``tests/test_readme.py`` — the same, under pytest, on the working tree.

The python blocks run in order in one fresh namespace, as a reader pastes them into one
notebook. A ```` ```text ```` block right after a python block is the output it shows; it
must equal what that block prints, but for a line ``...``, which stands for any run of
lines left out (trailing spaces and blank lines at either end do not count).
"""

from __future__ import annotations

import contextlib
import io
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

FENCE = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```[ \t]*$", re.S | re.M)


@dataclass
class Block:
    code: str
    line: int  # where the code starts in the README (1-based), for error messages
    expected: Optional[str] = None  # the text block shown after it, if any


def blocks(markdown: str) -> list[Block]:
    """The python blocks, each with the text block that follows it (if one does)."""
    out: list[Block] = []
    last: Optional[Block] = None
    for m in FENCE.finditer(markdown):
        lang, body = m.group(1), m.group(2)
        line = markdown.count("\n", 0, m.start(2)) + 1
        if lang == "python":
            last = Block(body, line)
            out.append(last)
        elif lang == "text" and last is not None and last.expected is None:
            last.expected = body
        else:
            last = None
    return out


def _lines(text: str) -> list[str]:
    lines = [ln.rstrip() for ln in text.splitlines()]
    while lines and not lines[0]:
        lines.pop(0)
    while lines and not lines[-1]:
        lines.pop()
    return lines


def matches(expected: str, actual: str) -> bool:
    """``actual`` equals ``expected`` line by line, a line ``...`` matching any run of lines."""
    pattern = []
    for ln in _lines(expected):
        pattern.append(r"(?:.*\n)*?" if ln == "..." else re.escape(ln) + r"\n")
    return re.fullmatch("".join(pattern), "".join(ln + "\n" for ln in _lines(actual))) is not None


def run(markdown: str, source: str = "README.md") -> list[str]:
    """Run every python block; return the mismatches (empty when the README is true)."""
    namespace: dict = {"__name__": "__readme__"}
    problems = []
    for b in blocks(markdown):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(b.code, f"{source}:{b.line}", "exec"), namespace)
        if b.expected is not None and not matches(b.expected, out.getvalue()):
            problems.append(f"{source}: the output shown after the block at line {b.line} is not what it prints.\n"
                            f"--- shown\n{b.expected}--- printed\n{out.getvalue()}")
    return problems


def main(argv: list[str]) -> int:
    path = Path(argv[1] if len(argv) > 1 else "README.md")
    import kubelab

    print(f"kubelab from {Path(kubelab.__file__).parent}")
    n = len(blocks(path.read_text()))
    problems = run(path.read_text(), path.name)
    for p in problems:
        print(p, file=sys.stderr)
    print(f"{path.name}: {n} python blocks run, {len(problems)} mismatched outputs")
    return 1 if problems or not n else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))

"""A port of Go's ``text/tabwriter`` formatting, which kubectl uses for every table.

kubectl's output only looks right if columns are aligned exactly the way Go aligns
them, and Go's algorithm is not "pad every column to its widest cell": a column is
aligned only within a *block* of consecutive lines that all have a cell in that
column, and a line with fewer cells ends the block (that is why the ``Containers:``
section of ``kubectl describe pod`` is aligned independently of the header fields).

Semantics kept from ``text/tabwriter.Writer.format`` (Go standard library):

- a cell is text terminated by a tab; the text after the last tab of a line is not a
  cell of any column and is never padded;
- a column's width is ``max(minwidth, widest cell + padding)`` over its block;
- padding uses ``padchar`` (kubectl always pads with spaces);
- ``flush()`` ends all blocks (kubectl's describe calls ``w.Flush()`` before the
  Events table).

Settings used by kubectl:

- ``kubectl get``: ``printers.GetNewTabWriter`` → minwidth 6, tabwidth 4, padding 3
  (k8s.io/cli-runtime/pkg/printers/tabwriter.go);
- ``kubectl describe``: ``tabbedString`` → minwidth 0, tabwidth 8, padding 2
  (k8s.io/kubectl/pkg/describe/describe.go).
"""

from __future__ import annotations

from typing import Callable

__all__ = ["TabWriter", "tabulate", "GET_SETTINGS", "DESCRIBE_SETTINGS"]

GET_SETTINGS = {"minwidth": 6, "padding": 3}
DESCRIBE_SETTINGS = {"minwidth": 0, "padding": 2}


def _text_width(s: str) -> int:
    # Go counts runes (utf8.RuneCount) for the cell width.
    return len(s)


class TabWriter:
    """Collects text, formats it on :meth:`flush` / :meth:`getvalue`."""

    def __init__(self, minwidth: int = 0, padding: int = 1, padchar: str = " ") -> None:
        self.minwidth = minwidth
        self.padding = padding
        self.padchar = padchar
        self._pending = ""  # text written since the last flush
        self._done: list[str] = []  # formatted output

    # -- writing ----------------------------------------------------------------------
    def write(self, text: str) -> None:
        self._pending += text

    def flush(self) -> None:
        if self._pending:
            self._done.append(_format_block(self._pending, self.minwidth, self.padding, self.padchar))
            self._pending = ""

    def getvalue(self) -> str:
        self.flush()
        return "".join(self._done)


def _format_block(text: str, minwidth: int, padding: int, padchar: str) -> str:
    raw_lines = text.split("\n")
    trailing_newline = raw_lines and raw_lines[-1] == ""
    if trailing_newline:
        raw_lines = raw_lines[:-1]
    lines = [ln.split("\t") for ln in raw_lines]
    out: list[str] = []
    widths: list[int] = []

    def write_lines(line0: int, line1: int) -> None:
        for i in range(line0, line1):
            cells = lines[i]
            parts: list[str] = []
            for j, cell in enumerate(cells):
                if j < len(widths):
                    # a cell of a column: text, then padding up to the column width
                    parts.append(cell + padchar * max(0, widths[j] - _text_width(cell)))
                else:
                    parts.append(cell)
            out.append("".join(parts))

    def fmt(line0: int, line1: int) -> None:
        column = len(widths)
        this = line0
        while this < line1:
            line = lines[this]
            if column >= len(line) - 1:
                this += 1
                continue
            # a cell exists in this column: print the lines before the block
            write_lines(line0, this)
            line0 = this
            width = minwidth
            while this < line1:
                line = lines[this]
                if column >= len(line) - 1:
                    break
                w = _text_width(line[column]) + padding
                if w > width:
                    width = w
                this += 1
            widths.append(width)
            fmt(line0, this)
            widths.pop()
            line0 = this
        write_lines(line0, line1)

    fmt(0, len(lines))
    result = "\n".join(out)
    if trailing_newline:
        result += "\n"
    return result


def tabulate(rows: list[list[str]], minwidth: int = 6, padding: int = 3) -> str:
    """Rows of cells joined by tabs, as kubectl's table printer writes them, formatted."""
    tw = TabWriter(minwidth=minwidth, padding=padding)
    for row in rows:
        tw.write("\t".join(row) + "\n")
    return tw.getvalue()


class PrefixWriter:
    """kubectl describe's PrefixWriter: ``write(level, text)`` indents by two spaces a level."""

    def __init__(self, tw: TabWriter) -> None:
        self.tw = tw

    def write(self, level: int, text: str) -> None:
        self.tw.write("  " * level + text)

    def write_line(self, text: str = "") -> None:
        self.tw.write(text + "\n")

    def flush(self) -> None:
        self.tw.flush()


def tabbed_string(fn: Callable[[PrefixWriter], None]) -> str:
    """describe.go ``tabbedString``: minwidth 0, tabwidth 8, padding 2, spaces."""
    tw = TabWriter(**DESCRIBE_SETTINGS)
    fn(PrefixWriter(tw))
    return tw.getvalue()

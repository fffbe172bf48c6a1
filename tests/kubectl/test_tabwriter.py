"""Go's text/tabwriter semantics, which every kubectl table depends on."""

from kubelab.kubectl.tabwriter import TabWriter, tabbed_string, tabulate


def test_kubectl_get_alignment_padding_three_minwidth_six():
    out = tabulate([["NAME", "READY", "STATUS", "RESTARTS", "AGE"], ["web-1", "1/1", "Running", "0", "5s"]])
    assert out == (
        "NAME    READY   STATUS    RESTARTS   AGE\n"
        "web-1   1/1     Running   0          5s\n"
    )


def test_last_cell_is_not_padded():
    out = tabulate([["A", "B"], ["a", "a-very-long-last-cell"]])
    assert out.splitlines()[0] == "A     B"  # minwidth 6, no trailing blanks
    assert not any(line.endswith(" ") for line in out.splitlines())


def test_minwidth_applies_to_short_columns():
    # "A" + 3 padding = 4 < minwidth 6
    assert tabulate([["A", "x"]]) == "A     x\n"


def test_a_line_without_tabs_ends_the_column_block():
    tw = TabWriter(minwidth=0, padding=2)
    tw.write("Name:\tweb\nLonger label:\tx\nContainers:\n  c:\tz\n")
    assert tw.getvalue() == "Name:          web\nLonger label:  x\nContainers:\n  c:  z\n"


def test_nested_blocks_align_independently():
    # The second column block only spans the lines that have a second tab-terminated cell.
    tw = TabWriter(minwidth=0, padding=1)
    tw.write("a\tb\tc\naaa\tb\nx\ty\tzz\n")
    assert tw.getvalue() == "a   b c\naaa b\nx   y zz\n"


def test_flush_separates_alignment():
    def body(w):
        w.write(0, "Short:\t1\n")
        w.flush()
        w.write(0, "Much longer:\t2\n")

    assert tabbed_string(body) == "Short:  1\nMuch longer:  2\n"


def test_empty_cells_still_take_column_width():
    # describeNodeResource's "Name\t\tCPU Requests": an empty column of width padding
    out = tabulate([["N", "", "X"], ["nn", "", "y"]], minwidth=0, padding=2)
    assert out == "N     X\nnn    y\n"

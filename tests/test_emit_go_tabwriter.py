"""Go text/tabwriter emulation (compiler/emit/go_tabwriter.py): expected bytes follow Go's tabwriter rules
(cells padded to the widest cell of their column block, the text after the last tab is no cell)."""
from __future__ import annotations

from mesh_compile.emit.go_tabwriter import tabwrite


def test_tabwriter_pads_every_cell_but_the_last() -> None:
    # an empty tab-terminated cell is still padded to its column's width (8 + 7 here)
    assert tabwrite("A\tBB\tC\nxxx\t\t\n", padding=5) == "A       BB     C\nxxx" + " " * 12 + "\n"


def test_tabwriter_column_blocks_end_at_a_shorter_line() -> None:
    text = "a\tb\tc\nlonger\tb\n1\t2\tthird\n"
    # column 1 only exists on the lines 1 and 3, which are not adjacent: two blocks, two widths
    assert tabwrite(text, padding=1) == "a      b c\nlonger b\n1      2 third\n"


def test_tabwriter_line_without_tabs_flushes() -> None:
    assert tabwrite("aaaa\tb\nzz\nc\td\n", padding=1) == "aaaa b\nzz\nc d\n"


def test_tabwriter_unterminated_last_line() -> None:
    assert tabwrite("ab\tc\nd\te", padding=2) == "ab  c\nd   e"

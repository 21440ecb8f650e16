"""Go's text/tabwriter with pad char ' ' and flags 0, as istioctl's tables use it."""
from __future__ import annotations

def tabwrite(text: str, padding: int, minwidth: int = 0) -> str:
    """What Go's tabwriter.Writer(minwidth, tabwidth, padding, ' ', 0) writes for `text`.

    Cells end with a tab; the text after the last tab of a line is not part of any column. A column
    is sized per *block* of consecutive lines that have that column (Go's format()), and a line with
    no tab flushes everything before it.
    """
    out: list[str] = []
    segment: list[tuple[list[str], bool]] = []
    raw_lines = text.split("\n")
    for index, raw in enumerate(raw_lines):
        newline = index < len(raw_lines) - 1
        if not newline and raw == "":
            break
        cells = raw.split("\t")
        segment.append((cells, newline))
        if newline and len(cells) == 1:
            _format_lines(segment, 0, len(segment), [], out, padding, minwidth)
            segment = []
    _format_lines(segment, 0, len(segment), [], out, padding, minwidth)
    return "".join(out)


def _format_lines(lines: list[tuple[list[str], bool]], line0: int, line1: int, widths: list[int],
                  out: list[str], padding: int, minwidth: int) -> None:
    column = len(widths)
    this = line0
    while this < line1:
        if column >= len(lines[this][0]) - 1:
            this += 1
            continue
        _write_lines(lines, line0, this, widths, out)
        line0 = this
        width = minwidth
        while this < line1 and column < len(lines[this][0]) - 1:
            width = max(width, len(lines[this][0][column]) + padding)
            this += 1
        widths.append(width)
        _format_lines(lines, line0, this, widths, out, padding, minwidth)
        widths.pop()
        line0 = this
        this += 1    # Go's for-loop step; that line lacks the column, so skipping it is harmless
    _write_lines(lines, line0, line1, widths, out)


def _write_lines(lines: list[tuple[list[str], bool]], line0: int, line1: int, widths: list[int],
                 out: list[str]) -> None:
    for cells, newline in lines[line0:line1]:
        for j, cell in enumerate(cells):
            out.append(cell)
            if j < len(widths):
                out.append(" " * (widths[j] - len(cell)))
        if newline:
            out.append("\n")

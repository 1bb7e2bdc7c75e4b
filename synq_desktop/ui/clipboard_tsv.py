"""Tab-separated clipboard text as Excel and LibreOffice Calc write and read it.

Both write one line per row, cells separated by tabs; a cell holding a tab, a line break or a double
quote is wrapped in double quotes with inner quotes doubled. Excel ends lines with CRLF and adds a
final CRLF; Calc on Linux uses LF. A cell's embedded line break inside quotes stays part of the cell.
A lone quote inside an unquoted cell (`5" screen`) is taken literally, as both programs do.
"""
from __future__ import annotations

from collections.abc import Sequence

_NEEDS_QUOTES = ("\t", "\n", "\r", '"')


def parse_tsv(text: str) -> list[list[str]]:
    """Rows of cells. A trailing line break does not make an empty last row; ragged rows are kept
    ragged (the caller decides how to fill them)."""
    rows: list[list[str]] = []
    row: list[str] = []
    cell: list[str] = []
    i, n = 0, len(text)
    at_cell_start = True
    while i < n:
        ch = text[i]
        if at_cell_start and ch == '"':
            # Quoted cell: runs to the closing quote; "" is one quote.
            i += 1
            while i < n:
                ch = text[i]
                if ch == '"':
                    if i + 1 < n and text[i + 1] == '"':
                        cell.append('"')
                        i += 2
                        continue
                    i += 1
                    break
                cell.append(ch)
                i += 1
            at_cell_start = False
            continue
        if ch == "\t":
            row.append("".join(cell))
            cell = []
            at_cell_start = True
            i += 1
        elif ch in "\r\n":
            row.append("".join(cell))
            rows.append(row)
            row, cell = [], []
            at_cell_start = True
            i += 2 if ch == "\r" and i + 1 < n and text[i + 1] == "\n" else 1
        else:
            cell.append(ch)
            at_cell_start = False
            i += 1
    if cell or row or not at_cell_start:
        row.append("".join(cell))
        rows.append(row)
    return rows


def _quote(cell: str) -> str:
    if any(mark in cell for mark in _NEEDS_QUOTES):
        return '"' + cell.replace('"', '""') + '"'
    return cell


def format_tsv(rows: Sequence[Sequence[str]]) -> str:
    """Rows as Excel writes them: tabs, quoted cells where needed, CRLF after every row."""
    return "".join("\t".join(_quote(cell) for cell in row) + "\r\n" for row in rows)

"""TSV as Excel and LibreOffice Calc put it on the clipboard (texts copied from those programs)."""
from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from synq_desktop.ui.clipboard_tsv import format_tsv, parse_tsv

# Excel 365 (Windows), two rows x three cells, the middle one with a line break and quotes.
EXCEL = 'Red shirt\t"Soft cotton\r\nwith a ""crew"" neck"\t19.99\r\nBlue shirt\tPlain\t21.50\r\n'
# LibreOffice Calc 7 on Linux: LF line ends, the same quoting, no trailing tab for empty last cells.
CALC = 'Red shirt\t"Soft cotton\nwith a ""crew"" neck"\t19.99\nBlue shirt\tPlain\t\n'


def test_excel_text_with_embedded_newline_and_quotes():
    assert parse_tsv(EXCEL) == [
        ["Red shirt", 'Soft cotton\r\nwith a "crew" neck', "19.99"],
        ["Blue shirt", "Plain", "21.50"],
    ]


def test_calc_text_with_lf_and_empty_last_cell():
    assert parse_tsv(CALC) == [
        ["Red shirt", 'Soft cotton\nwith a "crew" neck', "19.99"],
        ["Blue shirt", "Plain", ""],
    ]


def test_single_cell_without_line_end_and_literal_inner_quote():
    assert parse_tsv("hello") == [["hello"]]
    assert parse_tsv('5" screen\tx') == [['5" screen', "x"]]
    assert parse_tsv("") == []
    assert parse_tsv("\r\n") == [[""]]


def test_format_matches_excel():
    rows = [["Red shirt", 'Soft cotton\r\nwith a "crew" neck', "19.99"], ["Blue shirt", "Plain", "21.50"]]
    assert format_tsv(rows) == EXCEL


cells = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)


@given(st.lists(st.lists(cells, min_size=1, max_size=4), min_size=1, max_size=5))
def test_round_trip(rows):
    # A row of one empty cell is written as an empty line, which reads back as one empty cell.
    assert parse_tsv(format_tsv(rows)) == rows

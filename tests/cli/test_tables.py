"""Tables keep words whole at any width, and help paragraphs are joined, examples kept."""

from __future__ import annotations

import io

from rich.console import Console

from bsf.helptext import normalise_help
from bsf.tables import Column, column_widths, print_fitted

COLUMNS = [Column("id", no_wrap=True), Column("name"), Column("old format"),
           Column("new format")]
ROWS = [["12", "chapter1.doc", "Microsoft Word [DSpace:Microsoft_Word] POSITIVE_SPECIFIC",
         "Microsoft Word for Windows 2007 onwards [PRONOM:fmt/412] POSITIVE_SPECIFIC"],
        ["87", "index.htm", "Unknown UNIDENTIFIED",
         "Hypertext Markup Language [PRONOM:fmt/96] EXTENSION"]]
WORDS = {w for row in ROWS for cell in row for w in cell.split()}


def _render(width: int, columns: list[Column] = COLUMNS, rows: list[list[str]] = ROWS) -> str:
    out = io.StringIO()
    print_fitted(Console(file=out, width=width, color_system=None), columns, rows, title="t")
    return out.getvalue()


def _tokens(text: str) -> set[str]:
    return {t for t in text.replace("│", " ").replace("┃", " ").split()}


def test_words_stay_whole_at_80_columns() -> None:
    text = _render(80)
    assert all(len(line) <= 80 for line in text.splitlines())
    assert "┏" in text  # still a table
    assert _tokens(text) >= WORDS, WORDS - _tokens(text)


def test_full_width_is_used_when_there_is_more() -> None:
    narrow, wide = _render(80), _render(200)
    assert len(wide.splitlines()) < len(narrow.splitlines())
    assert any("Microsoft Word for Windows 2007 onwards [PRONOM:fmt/412] POSITIVE_SPECIFIC"
               in line for line in wide.splitlines())


def test_blocks_when_no_table_fits() -> None:
    text = _render(40)
    assert "┏" not in text
    assert all(len(line) <= 40 for line in text.splitlines())
    assert _tokens(text) >= WORDS
    assert "12 chapter1.doc" not in text and "12" in text.splitlines()[1]
    assert column_widths(COLUMNS, ROWS, 40) is None


def test_help_paragraphs_join_and_examples_stay_lines() -> None:
    doc = ("Summary line.\n\nA paragraph that goes on\nover two lines [-v].\n\n"
           "* one item\n* another\n\nExample:\n    bsf demo\n    bsf --config x doctor")
    assert normalise_help(doc) == (
        "Summary line.\n\nA paragraph that goes on over two lines [-v].\n\n"
        "* one item\n* another\n\nExample:\n    bsf demo\n    bsf --config x doctor")
    assert normalise_help("a [bold]b[/bold]") == "a \\[bold]b\\[/bold]"  # markup stays text

"""Tables that fit the terminal: whole words in every cell, or one record per block.

rich shrinks a table to the console by wrapping cells and, when a column gets narrower than
its longest word, by cutting words (``POSITIVE_SPEC`` / ``IFIC``). :func:`print_fitted` first
measures what the table needs with every word whole — the longest word of each column (the
whole cell for ``no_wrap`` columns) plus padding and borders — and prints the table only when
that fits; rich then uses the full width when there is more. Otherwise each row is printed as a
block: its heading cells on one line, then one ``header  value`` line per non-empty cell, which
fits any width because a value wraps under its own header.

Piped output is 80 columns wide unless ``COLUMNS`` says otherwise (rich's rule), so what a
script or a test sees is what a narrow terminal shows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.cells import cell_len
from rich.console import Console, JustifyMethod
from rich.table import Table
from rich.text import Text

Cell = str | Text


@dataclass(frozen=True)
class Column:
    """One column: its header and how its cells may wrap."""

    header: str
    #: keep each cell on one line (ids, counts, confidence names)
    no_wrap: bool = False
    justify: JustifyMethod = "left"


def _plain(cell: Cell) -> str:
    return cell.plain if isinstance(cell, Text) else cell


def _min_width(column: Column, cells: Sequence[Cell]) -> int:
    """The narrowest the column can be with no word cut (header words may wrap too)."""
    widest = max((cell_len(word) for word in column.header.split()), default=0)
    for cell in cells:
        text = _plain(cell)
        pieces = text.splitlines() if column.no_wrap else text.split()
        widest = max(widest, *(cell_len(piece) for piece in pieces), 0)
    return widest


def _natural_width(column: Column, cells: Sequence[Cell]) -> int:
    """The column's width with nothing wrapped."""
    lines = [column.header, *(line for cell in cells for line in _plain(cell).splitlines())]
    return max(cell_len(line) for line in lines)


def _frame(columns: Sequence[Column]) -> int:
    """rich's default padding (1 + 1 per column) and borders (n + 1)."""
    return 3 * len(columns) + 1


def column_widths(columns: Sequence[Column], rows: Sequence[Sequence[Cell]],
                  width: int) -> list[int] | None:
    """Content widths that keep every word whole within ``width`` (None: impossible).

    Each column gets at least its longest word; what is left is shared in proportion to how
    much each column would still need for its natural width. rich's own shrinking ignores
    those minimums, hence explicit widths.
    """
    cells = [[row[i] for row in rows] for i in range(len(columns))]
    mins = [_min_width(col, cells[i]) for i, col in enumerate(columns)]
    natural = [max(_natural_width(col, cells[i]), mins[i]) for i, col in enumerate(columns)]
    room = width - _frame(columns)
    if sum(natural) <= room:
        return natural
    if sum(mins) > room:
        return None
    spare, wanted = room - sum(mins), [n - m for n, m in zip(natural, mins, strict=True)]
    total = sum(wanted)
    shares = [spare * w // total for w in wanted]
    for index in sorted(range(len(shares)), key=lambda i: -wanted[i])[:spare - sum(shares)]:
        shares[index] += 1
    return [m + share for m, share in zip(mins, shares, strict=True)]


def needed_width(columns: Sequence[Column], rows: Sequence[Sequence[Cell]]) -> int:
    """The narrowest console the table fits with whole words."""
    cells = [[row[i] for row in rows] for i in range(len(columns))]
    return sum(_min_width(col, cells[i]) for i, col in enumerate(columns)) + _frame(columns)


def print_fitted(console: Console, columns: Sequence[Column], rows: Sequence[Sequence[Cell]],
                 *, title: str | None = None, row_styles: Sequence[str] | None = None,
                 heading: int = 1) -> None:
    """Print ``rows`` as a table when it fits ``console`` with whole words, else as blocks
    (the first ``heading`` cells of a row on one line, then its other cells one per line)."""
    styles = list(row_styles) if row_styles is not None else [""] * len(rows)
    widths = column_widths(columns, rows, console.width)
    if widths is not None:
        table = Table(title=title, title_justify="left")
        for col, width in zip(columns, widths, strict=True):
            table.add_column(col.header, no_wrap=col.no_wrap, justify=col.justify,
                             overflow="fold", width=width)
        for row, style in zip(rows, styles, strict=True):
            table.add_row(*row, style=style or None)
        console.print(table)
        return
    if title:
        console.print(Text(title, style="italic"))
    label_width = max(cell_len(col.header) for col in columns[heading:]) if \
        len(columns) > heading else 0
    for row, style in zip(rows, styles, strict=True):
        head = Text(" ").join(
            cell if isinstance(cell, Text) else Text(cell) for cell in row[:heading]
            if _plain(cell))
        head.stylize(f"bold {style}".strip())
        console.print(head)
        grid = Table.grid(padding=(0, 2), pad_edge=True)
        grid.add_column(style="dim", width=label_width + 2, justify="right")
        grid.add_column(overflow="fold", style=style or None)
        for col, cell in zip(columns[heading:], row[heading:], strict=True):
            if _plain(cell):
                grid.add_row(col.header, cell)
        console.print(grid)

"""The one loop every report runs: ``head`` once, ``row`` per row, ``tail`` once, for one or
more writers at a time (the demo writes the CSV and collects the HTML summary in one pass over
the archive). Rows are consumed as they come, so memory stays flat however large the archive.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol, TypeVar

RowT = TypeVar("RowT", contravariant=True)
Row = TypeVar("Row")


class RowSink(Protocol[RowT]):
    """Anything that takes a stream of rows: report writers, scan writers, collectors."""

    def head(self) -> None: ...

    def row(self, row: RowT) -> None: ...

    def tail(self) -> None: ...


def write_rows(rows: Iterable[Row], *sinks: RowSink[Row]) -> int:
    """Feed ``rows`` to every sink in order; returns the number of rows.

    ``tail`` runs only when every row went through: a report cut short by an error must not end
    with a tail (a JSON closing bracket, the seed's closing lines) that makes it look complete.
    """
    for sink in sinks:
        sink.head()
    count = 0
    for row in rows:
        for sink in sinks:
            sink.row(row)
        count += 1
    for sink in sinks:
        sink.tail()
    return count

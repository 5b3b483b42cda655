"""RFC 4180 CSV report: one header row, one row per bitstream, streamed.

Why these choices:

* CRLF line ends and the RFC's quoting (a field is quoted when it holds a comma, a double quote,
  CR or LF; quotes inside are doubled). ``pandas.read_csv(path)`` with no options reads it back
  field for field, whatever a bitstream name contains (commas, quotes, newlines, non-ASCII).
  The one thing no quoting can prevent: pandas' default NA detection turns a name that is
  *exactly* ``NA``, ``null``, ``NaN`` ... into NaN; pass ``keep_default_na=False`` if that
  matters (documented in docs/reports.md).
* A field is also quoted when it starts or ends with a space or tab, so readers that trim
  unquoted fields keep the name intact.
* Nothing is escaped or altered: the name in the CSV is the bitstream's name.
* Missing values (not yet converted, no user format description) are empty fields.
* Lone surrogates (names decoded with ``surrogateescape`` from a broken database) are written as
  U+FFFD instead of crashing the report in its millionth row.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TextIO

from bsfcore.csvtext import CsvRows, csv_record, quote_field
from reports.columns import CSV_COLUMNS, clean_text, row_values
from reports.rows import ReportRow

__all__ = ["CsvReportWriter", "csv_line", "csv_rows", "quote_field"]


def _cell(value: object) -> str:
    if value is None:
        return ""
    return clean_text(str(value))


def csv_line(cells: Iterable[object], *, terminator: str = "\r\n",
             quote_all: bool = False) -> str:
    """One CSV record with its terminator (CRLF unless told), quoted by
    :func:`bsfcore.csvtext.quote_field`; lone surrogates become U+FFFD."""
    return csv_record((_cell(c) for c in cells), terminator=terminator, quote_all=quote_all)


def csv_rows(stream: TextIO, *, terminator: str = "\r\n", quote_all: bool = False) -> CsvRows:
    """A ``csv.writer`` stand-in for ``stream`` with the one quoting rule (see
    :mod:`bsfcore.csvtext`): every CSV writer of bsf goes through it."""
    return CsvRows(stream, terminator=terminator, quote_all=quote_all)


class CsvReportWriter:
    """A :class:`reports.rows.ReportWriter` writing RFC 4180 CSV to a text stream.

    Open files with ``newline=""`` so the CRLF line ends are not translated.
    """

    def __init__(self, stream: TextIO, *, header: bool = True) -> None:
        self._stream = stream
        self._header = header
        self.rows = 0

    def head(self) -> None:
        if self._header:
            self._stream.write(csv_line(CSV_COLUMNS))

    def row(self, row: ReportRow) -> None:
        self._stream.write(csv_line(row_values(row)))
        self.rows += 1

    def tail(self) -> None:
        self._stream.flush()

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

from reports.columns import CSV_COLUMNS, clean_text, row_values
from reports.rows import ReportRow


def _cell(value: object) -> str:
    if value is None:
        return ""
    return clean_text(str(value))


def quote_field(text: str) -> str:
    """One RFC 4180 field: quoted (quotes doubled) when it holds ``,`` ``"`` CR or LF, or
    starts/ends with a space or tab; otherwise as is."""
    if any(ch in text for ch in ',"\r\n') or (text and (text[0] in " \t" or text[-1] in " \t")):
        return '"' + text.replace('"', '""') + '"'
    return text


def csv_line(cells: Iterable[object]) -> str:
    """One CSV record with its CRLF terminator."""
    return ",".join(quote_field(_cell(c)) for c in cells) + "\r\n"


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

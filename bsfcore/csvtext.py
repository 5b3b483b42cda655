"""RFC 4180 CSV records, the one quoting rule every CSV writer of bsf uses.

Python's :func:`csv.writer` quotes a field only for the delimiter, the quote character and the
characters of *its* line terminator: with ``lineterminator="\\n"`` a bare CR went out unquoted
and a reader split the row there (a file named ``cr\\rname.txt`` under ``bsf identify --csv``).
Here a field is quoted when it holds a comma, a double quote, CR or LF (quotes inside doubled),
whatever the terminator; also when it starts or ends with a space or tab, so readers that trim
unquoted fields keep it intact. Every other control character is written as it is: inside a
record it needs no quoting, and readers give it back unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import IO

#: what makes a field need quotes: a comma, a quote, CR or LF anywhere, or a space or tab at
#: either end (one regular-expression search in C: a per-character test in Python was a tenth
#: of a whole ``bsf identify --csv`` run)
_NEEDS_QUOTES = re.compile(r'[,"\r\n]|\A[ \t]|[ \t]\Z')


def quote_field(text: str, *, always: bool = False) -> str:
    """One RFC 4180 field (``always``: quoted even when nothing needs it, as DROID writes)."""
    if always or _NEEDS_QUOTES.search(text):
        return '"' + text.replace('"', '""') + '"'
    return text


def csv_record(cells: Iterable[object], *, terminator: str = "\r\n",
               quote_all: bool = False) -> str:
    """One record with its terminator; ``None`` is an empty field, other values ``str()``."""
    return ",".join(quote_field("" if c is None else str(c), always=quote_all)
                    for c in cells) + terminator


class CsvRows:
    """A ``csv.writer`` stand-in (``writerow``) that quotes by :func:`quote_field`.

    Open files with ``newline=""`` so the terminator is written as given.
    """

    def __init__(self, stream: IO[str], *, terminator: str = "\r\n",
                 quote_all: bool = False) -> None:
        self._stream = stream
        self._terminator = terminator
        self._quote_all = quote_all

    def writerow(self, cells: Iterable[object]) -> None:
        self._stream.write(csv_record(cells, terminator=self._terminator,
                                      quote_all=self._quote_all))

    def writerows(self, rows: Iterable[Iterable[object]]) -> None:
        for cells in rows:
            self.writerow(cells)

"""JSON Lines report: one JSON object per bitstream per line, for streaming consumers.

Same keys and order as the CSV columns (:mod:`reports.columns`); missing values are ``null``;
ids and sizes are numbers. Each line is complete JSON, so ``jq -c``, ``pandas.read_json(...,
lines=True)`` or a line-by-line reader can start on a million-row report before it ends.
Non-ASCII is written as-is (UTF-8); lone surrogates become U+FFFD.
"""

from __future__ import annotations

import json
from typing import TextIO

from reports.columns import COLUMN_FIELDS, clean_text
from reports.rows import ReportRow


def _clean(value: object) -> object:
    return clean_text(value) if isinstance(value, str) else value


class JsonLinesWriter:
    """A :class:`reports.rows.ReportWriter` writing one JSON object per line."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self.rows = 0

    def head(self) -> None:
        """JSON Lines has no header: every line stands alone."""

    def row(self, row: ReportRow) -> None:
        record = {column: _clean(getattr(row, name)) for name, column in COLUMN_FIELDS}
        self._stream.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")))
        self._stream.write("\n")
        self.rows += 1

    def tail(self) -> None:
        self._stream.flush()

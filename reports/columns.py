"""The column order every tabular report shares (CSV header, JSON keys, HTML tables).

Kept apart from the writers so the CSV header and the JSON Lines keys can never drift: a
pipeline that switches ``--format csv`` for ``--format json`` sees the same names.
"""

from __future__ import annotations

import re
from dataclasses import fields

from reports.rows import ReportRow

#: Field name on :class:`ReportRow` -> column name in CSV/JSON output.
COLUMN_FIELDS: tuple[tuple[str, str], ...] = (
    ("bitstream_id", "bitstream_id"),
    ("name", "name"),
    ("handle", "handle"),
    ("old_format", "old_format"),
    ("new_format", "new_format"),
    ("format_key", "format_key"),
    ("confidence", "confidence"),
    ("source", "source"),
    ("basis", "basis"),
    ("warning", "warning"),
    ("user_format_description", "user_format_description"),
    ("size_bytes", "size_bytes"),
    ("checksum", "checksum"),
)

CSV_COLUMNS: tuple[str, ...] = tuple(column for _, column in COLUMN_FIELDS)

_ROW_FIELDS = {f.name for f in fields(ReportRow)}
assert all(name in _ROW_FIELDS for name, _ in COLUMN_FIELDS), "ReportRow lost a report column"


def row_values(row: ReportRow) -> list[object]:
    """The row's values in column order (None stays None; writers decide how to spell it)."""
    return [getattr(row, name) for name, _ in COLUMN_FIELDS]


_SURROGATES = re.compile("[\ud800-\udfff]")


def clean_text(text: str) -> str:
    """``text`` with lone surrogates (undecodable bytes) replaced by U+FFFD, so a broken name
    in row 900,000 cannot stop a UTF-8 report."""
    return _SURROGATES.sub("\ufffd", text)

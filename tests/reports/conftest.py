"""Rows with every kind of awkward name a real archive holds."""

from __future__ import annotations

import pytest

from reports.rows import ReportRow

AWKWARD_NAMES = [
    "plain.pdf",
    "comma, in name.pdf",
    'quote " in "name".doc',
    "newline\nin name.txt",
    "crlf\r\nin name.txt",
    " leading and trailing space ",
    "tab\tname.tsv",
    "ünïcødé – 日本語.html",
    "#hash-first.txt",
    "semi;colon.csv",
    "BITSTREAM, 99, fake.pdf, Adobe PDF, evil",
    "",
]


@pytest.fixture
def awkward_rows() -> list[ReportRow]:
    rows = []
    for i, name in enumerate(AWKWARD_NAMES, start=1):
        rows.append(ReportRow(
            bitstream_id=i, name=name, handle=f"123456789/{i}", old_format="Adobe PDF",
            new_format="Acrobat PDF 1.4 - Portable Document Format" if i % 2 else None,
            format_key="PRONOM:fmt/18" if i % 2 else None,
            confidence="POSITIVE_SPECIFIC" if i % 2 else None,
            source="org.dspace.content.format.DROIDIdentifier" if i % 2 else None,
            basis="byte match at [[0 8]]" if i % 2 else None,
            warning="extension mismatch" if i % 3 == 0 else None,
            user_format_description='He said "PDF, maybe"' if i == 4 else None,
            size_bytes=1000 + i, checksum=f"{i:032x}"))
    return rows

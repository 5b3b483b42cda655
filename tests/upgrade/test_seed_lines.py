"""The seed's report lines: exact shape, and escaping that keeps awk's columns."""

from __future__ import annotations

import io
from urllib.parse import unquote

from reports.rows import ReportRow
from reports.seed import SeedCounts, SeedWriter, bitstream_line, escape_field


def test_unconverted_line_matches_the_instructions_example() -> None:
    row = ReportRow(5306, "OR-083-78.pdf", old_format="Adobe PDF")
    assert bitstream_line(row) == (
        'BITSTREAM, 5306, OR-083-78.pdf, Adobe PDF, (NONE), UNIDENTIFIED, "null",')


def test_converted_line_and_user_format_description() -> None:
    row = ReportRow(163802, "license.txt", old_format="License", new_format="7-bit ASCII Text",
                    confidence="HEURISTIC",
                    source="org.dspace.content.format.TextHeuristicIdentifier",
                    user_format_description="typed, by hand")
    assert bitstream_line(row) == (
        "BITSTREAM, 163802, license.txt, License, 7-bit ASCII Text, HEURISTIC, "
        '"org.dspace.content.format.TextHeuristicIdentifier", typed%2C by hand')


def test_escaping_is_reversible_and_keeps_seven_commas() -> None:
    nasty = 'a,b "c" 50%\nnext\rline.pdf'
    row = ReportRow(1, nasty, old_format="Old, Format", new_format='New "Format"',
                    confidence="POSITIVE_SPECIFIC", source="x,y",
                    user_format_description="u,%v")
    line = bitstream_line(row)
    assert "\n" not in line and "\r" not in line
    fields = line.split(",")
    assert len(fields) == 8
    assert unquote(fields[2].strip()) == nasty
    assert unquote(fields[3].strip()) == "Old, Format"
    assert unquote(fields[4].strip()) == 'New "Format"'
    assert unquote(fields[7].strip()) == "u,%v"
    assert escape_field(None) == ""


def test_writer_head_is_the_four_summary_lines() -> None:
    out = io.StringIO()
    writer = SeedWriter(out, verbose=False, counts=SeedCounts(64269, 43, 64226, 29))
    writer.head()
    writer.row(ReportRow(1, "x"))
    writer.tail()
    assert out.getvalue().splitlines() == [
        "SUMMARY Total upgradeable Bitstreams = 64269",
        "SUMMARY Already converted to New BSF = 43",
        "SUMMARY Not yet converted to New BSF = 64226",
        "SUMMARY BS with UserFormatDescription = 29",
    ]

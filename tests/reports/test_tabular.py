"""CSV and JSON Lines writers: round trip through pandas, csv and json, whatever the names."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pandas as pd

from reports.columns import CSV_COLUMNS
from reports.csv_writer import CsvReportWriter, quote_field
from reports.jsonl import JsonLinesWriter
from reports.rows import ReportRow


def _write(writer_cls, rows, stream):
    writer = writer_cls(stream)
    writer.head()
    for row in rows:
        writer.row(row)
    writer.tail()
    return writer


def test_csv_read_by_pandas_without_options(tmp_path: Path, awkward_rows: list[ReportRow]):
    path = tmp_path / "report.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = _write(CsvReportWriter, awkward_rows, fh)
    assert writer.rows == len(awkward_rows)
    frame = pd.read_csv(path)
    assert list(frame.columns) == list(CSV_COLUMNS)
    assert len(frame) == len(awkward_rows)
    for (_, got), want in zip(frame.iterrows(), awkward_rows, strict=True):
        assert got["bitstream_id"] == want.bitstream_id
        expected_name = want.name if want.name else None
        if expected_name is None:
            assert pd.isna(got["name"])
        else:
            assert got["name"] == expected_name
        assert got["size_bytes"] == want.size_bytes
        if want.new_format is None:
            assert pd.isna(got["new_format"])
        else:
            assert got["new_format"] == want.new_format
    assert frame.loc[3, "user_format_description"] == 'He said "PDF, maybe"'


def test_csv_is_rfc4180(awkward_rows: list[ReportRow]):
    buf = io.StringIO(newline="")
    _write(CsvReportWriter, awkward_rows, buf)
    text = buf.getvalue()
    assert text.startswith(",".join(CSV_COLUMNS) + "\r\n")
    records = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    assert records[0] == list(CSV_COLUMNS)
    assert [r[1] for r in records[1:]] == [row.name for row in awkward_rows]
    assert all(len(r) == len(CSV_COLUMNS) for r in records)


def test_quote_field_rules():
    assert quote_field("plain") == "plain"
    assert quote_field("a,b") == '"a,b"'
    assert quote_field('say "hi"') == '"say ""hi"""'
    assert quote_field("line\nbreak") == '"line\nbreak"'
    assert quote_field(" pad") == '" pad"'
    assert quote_field("") == ""


def test_csv_replaces_lone_surrogates():
    buf = io.StringIO()
    writer = CsvReportWriter(buf)
    writer.row(ReportRow(bitstream_id=1, name="bad\udcffname.pdf"))
    assert "bad\ufffdname.pdf" in buf.getvalue()
    buf.getvalue().encode("utf-8")


def test_jsonl_round_trip(awkward_rows: list[ReportRow], tmp_path: Path):
    buf = io.StringIO()
    writer = _write(JsonLinesWriter, awkward_rows, buf)
    lines = buf.getvalue().split("\n")
    assert lines[-1] == ""
    records = [json.loads(line) for line in lines[:-1]]
    assert len(records) == writer.rows == len(awkward_rows)
    for record, row in zip(records, awkward_rows, strict=True):
        assert list(record) == list(CSV_COLUMNS)
        assert record["name"] == row.name
        assert record["bitstream_id"] == row.bitstream_id
        assert record["new_format"] == row.new_format
    path = tmp_path / "r.jsonl"
    path.write_text(buf.getvalue(), encoding="utf-8")
    frame = pd.read_json(path, lines=True)
    assert list(frame["bitstream_id"]) == [r.bitstream_id for r in awkward_rows]

"""Every control character in a name survives every CSV writer: a CSV reader gets the rows
back field for field (a bare CR used to go out unquoted and split the row)."""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from archive.history import HistoryEntry
from bsf.main import main
from formats.model import Confidence
from formats.records import ScanRecord
from registries.listing import COLUMNS, write_csv
from reports.csv_writer import CsvReportWriter, csv_line
from reports.droid_writer import DroidCsvWriter
from reports.rows import ReportRow
from reports.sf_writers import SfCsvWriter
from workbench.actions import CHANGED, Change, FormatState
from workbench.output import HISTORY_COLUMNS, history_cells, write_changes_csv

NAMES = [f"n{chr(c)}x.txt" for c in range(32)] + ["del\x7f.txt", 'q"uote,comma.txt',
                                                  " padded ", "cr\rname.txt", "\r\n"]


def record(name: str) -> ScanRecord:
    return ScanRecord(name, "/abs/" + name, "file:/abs", name, "file", "", 3, 0.0, "", "", "",
                      "pronom", "PRONOM:fmt/1", "fmt/1", "Format", "", "text/plain", "class\r",
                      "basis\r", "warn\n", "POSITIVE_SPECIFIC", "DROID")


def _sf(out: io.StringIO) -> None:
    writer = SfCsvWriter(out)
    writer.head()
    for name in NAMES:
        writer.row(record(name))


def _droid(out: io.StringIO) -> None:
    writer = DroidCsvWriter(out)
    writer.head()
    for name in NAMES:
        writer.row(record(name))


def _report(out: io.StringIO) -> None:
    writer = CsvReportWriter(out)
    writer.head()
    for i, name in enumerate(NAMES):
        writer.row(ReportRow(i, name, warning="w\r"))


def _changes(out: io.StringIO) -> None:
    state = FormatState(1, "PRONOM:fmt/1", "F", Confidence.HEURISTIC, "src")
    list(write_changes_csv(out, (Change(i, name, CHANGED, state, state, "m\r")
                                 for i, name in enumerate(NAMES))))


def _history(out: io.StringIO) -> None:
    out.write(csv_line(HISTORY_COLUMNS))
    for i, name in enumerate(NAMES):
        entry = HistoryEntry(i, name, "set", None, None, None, None, None, 1, "k", name, 5,
                             "s", None, None, "note\r")
        out.write(csv_line(history_cells(entry)))


def _registry(out: io.StringIO) -> None:
    write_csv(({c: (name if c == "name" else "x") for c in COLUMNS} for name in NAMES), out)


WRITERS: dict[str, tuple[Callable[[io.StringIO], None], str]] = {
    "sf": (_sf, "filename"), "droid": (_droid, "NAME"), "report": (_report, "name"),
    "changes": (_changes, "name"), "history": (_history, "new_format"),
    "registry": (_registry, "name"),
}


@pytest.mark.parametrize("writer", WRITERS)
def test_every_control_character_round_trips(writer: str) -> None:
    write, column = WRITERS[writer]
    out = io.StringIO(newline="")
    write(out)
    rows = list(csv.reader(io.StringIO(out.getvalue(), newline="")))
    header, body = rows[0], rows[1:]
    assert len(body) == len(NAMES)
    widths = {len(r) for r in body}
    assert widths == {len(header)}
    index = header.index(column)
    assert [r[index] for r in body] == NAMES


def test_identify_csv_with_control_characters_in_file_names(
        tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "scan"
    root.mkdir()
    names = ["cr\rname.txt", "lf\nname.txt", "tab\tname.txt", "esc\x1bname.txt",
             "bell\x07name.txt", "del\x7fname.txt", 'quote"comma,.txt']
    for name in names:
        (root / name).write_text("plain words\n")
    for flag, column in (("--csv", "filename"), ("--droid", "FILE_PATH")):
        capfd.readouterr()
        with pytest.raises(SystemExit) as done:
            main(["identify", "-r", flag, str(root)])
        assert done.value.code in (0, None)
        frame = pd.read_csv(io.StringIO(capfd.readouterr().out, newline=""),
                            keep_default_na=False, dtype=str)
        got = [os.path.basename(f.rstrip("/")) for f in frame[column]]
        assert sorted(n for n in got if n != "scan") == sorted(names)  # (and the folder's row)

"""Pick a report writer by the name the CLI takes: ``seed``, ``csv`` or ``json``."""

from __future__ import annotations

from typing import TextIO

from bsfcore.errors import BsfError
from reports.csv_writer import CsvReportWriter
from reports.jsonl import JsonLinesWriter
from reports.rows import ReportWriter

FORMATS = ("seed", "csv", "json")


def make_writer(fmt: str, stream: TextIO, *, verbose: bool = True,
                counts: object | None = None) -> ReportWriter:
    """The writer for ``fmt``. ``verbose`` and ``counts`` (a ``reports.seed.SeedCounts``) only
    matter to the seed format, whose head is the four SUMMARY lines."""
    name = fmt.strip().lower()
    if name == "seed":
        from reports.seed import SeedWriter

        return SeedWriter(stream, verbose=verbose, counts=counts)  # type: ignore[arg-type]
    if name == "csv":
        return CsvReportWriter(stream)
    if name in ("json", "jsonl"):
        return JsonLinesWriter(stream)
    raise BsfError(f"unknown report format {fmt!r}: use one of {', '.join(FORMATS)}")

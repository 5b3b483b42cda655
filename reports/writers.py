"""Pick a report writer by the name the CLI takes: ``seed``, ``csv`` or ``json``."""

from __future__ import annotations

from enum import StrEnum
from typing import TextIO

from bsfcore.errors import BsfError
from reports.csv_writer import CsvReportWriter
from reports.jsonl import JsonLinesWriter
from reports.rows import ReportWriter
from reports.seed import SeedCounts, SeedWriter


class ReportFormat(StrEnum):
    """The formats ``bsf report --format`` writes."""

    SEED = "seed"
    CSV = "csv"
    JSON = "json"


def parse_format(fmt: str) -> ReportFormat:
    """``fmt`` as a ReportFormat (case and spaces ignored; ``jsonl`` is ``json``)."""
    name = fmt.strip().lower()
    try:
        return ReportFormat("json" if name == "jsonl" else name)
    except ValueError:
        raise BsfError(f"unknown report format {fmt!r}: use one of "
                       f"{', '.join(f.value for f in ReportFormat)}") from None


def make_writer(fmt: ReportFormat | str, stream: TextIO, *, verbose: bool = True,
                counts: SeedCounts | None = None) -> ReportWriter:
    """The writer for ``fmt``. ``verbose`` and ``counts`` only matter to the seed format, whose
    head is the four SUMMARY lines."""
    fmt = parse_format(fmt) if not isinstance(fmt, ReportFormat) else fmt
    if fmt is ReportFormat.SEED:
        return SeedWriter(stream, verbose=verbose, counts=counts)
    if fmt is ReportFormat.CSV:
        return CsvReportWriter(stream)
    return JsonLinesWriter(stream)

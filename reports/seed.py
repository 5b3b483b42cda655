"""The conversion instructions' report lines: ``SUMMARY ...`` and ``BITSTREAM, ...``.

Line shape (from the instructions)::

    SUMMARY Total upgradeable Bitstreams = 64269
    BITSTREAM, <id>, <name>, <old BSF>, <new BSF or (NONE)>, <confidence>, "<source>", <ufd>

The instructions analyse the report with ``awk -F,`` and count on ``$4`` being the old format,
``$5`` the new one and ``$6`` the confidence. A file name such as ``a, b.pdf`` would shift every
later field, so each free-text field (name, old and new format names, source, user format
description) is percent-encoded where it matters: ``%`` -> ``%25``, ``,`` -> ``%2C``,
``"`` -> ``%22``, CR -> ``%0D``, LF -> ``%0A``. Nothing else changes, so ordinary names read as
they are, and ``urllib.parse.unquote`` restores the exact text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TextIO

from reports.rows import ReportRow

_ESCAPES = str.maketrans({"%": "%25", ",": "%2C", '"': "%22", "\r": "%0D", "\n": "%0A"})

NONE = "(NONE)"


def escape_field(text: str | None) -> str:
    """Make ``text`` safe as one ``awk -F,`` field (reversible with urllib.parse.unquote)."""
    return (text or "").translate(_ESCAPES)


@dataclass(frozen=True)
class SeedCounts:
    """The four numbers of ``Upgrade15To16 -r``."""

    total: int
    converted: int
    not_converted: int
    with_ufd: int


def summary_lines(counts: SeedCounts) -> list[str]:
    return [
        f"SUMMARY Total upgradeable Bitstreams = {counts.total}",
        f"SUMMARY Already converted to New BSF = {counts.converted}",
        f"SUMMARY Not yet converted to New BSF = {counts.not_converted}",
        f"SUMMARY BS with UserFormatDescription = {counts.with_ufd}",
    ]


def bitstream_line(row: ReportRow) -> str:
    """One ``BITSTREAM, ...`` line; an unconverted bitstream shows ``(NONE), UNIDENTIFIED,
    "null"`` as in the instructions' example."""
    converted = row.new_format is not None
    fields = [
        "BITSTREAM",
        str(row.bitstream_id),
        escape_field(row.name),
        escape_field(row.old_format) if row.old_format is not None else NONE,
        escape_field(row.new_format) if converted else NONE,
        (row.confidence or "UNIDENTIFIED") if converted else "UNIDENTIFIED",
        f'"{escape_field(row.source) if converted and row.source else "null"}"',
    ]
    ufd = escape_field(row.user_format_description)
    return ", ".join(fields) + "," + (f" {ufd}" if ufd else "")


class SeedWriter:
    """ReportWriter printing the seed's report: SUMMARY head (when counts are known) and, when
    ``verbose``, one BITSTREAM line per row. Streams; keeps nothing."""

    def __init__(self, stream: TextIO, *, verbose: bool = True,
                 counts: SeedCounts | None = None) -> None:
        self.stream = stream
        self.verbose = verbose
        self.counts = counts

    def head(self) -> None:
        if self.counts is not None:
            for line in summary_lines(self.counts):
                self.stream.write(line + "\n")

    def row(self, row: ReportRow) -> None:
        if self.verbose:
            self.stream.write(bitstream_line(row) + "\n")

    def tail(self) -> None:
        self.stream.flush()

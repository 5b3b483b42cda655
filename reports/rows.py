"""The plain row every report writer consumes, and the writer protocol."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class ReportRow:
    """One bitstream's conversion: old 1.5 format, new format, and how it was decided.

    ``new_format`` is None while the bitstream is not yet converted (printed ``(NONE)``);
    ``confidence`` is a Confidence name such as ``POSITIVE_SPECIFIC``.
    """

    bitstream_id: int
    name: str | None
    handle: str | None = None
    old_format: str | None = None
    new_format: str | None = None
    format_key: str | None = None
    confidence: str | None = None
    source: str | None = None
    basis: str | None = None
    warning: str | None = None
    user_format_description: str | None = None
    size_bytes: int | None = None
    checksum: str | None = None


class ReportWriter(Protocol):
    """Streams a report: ``head`` once, ``row`` per bitstream, ``tail`` once; memory stays flat."""

    def head(self) -> None: ...

    def row(self, row: ReportRow) -> None: ...

    def tail(self) -> None: ...

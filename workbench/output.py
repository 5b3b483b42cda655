"""How workbench changes and history look as data: CSV columns and rows (no terminal code)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from typing import TextIO

from archive.history import HistoryEntry
from reports.csv_writer import csv_line
from workbench.actions import CHANGED, ERROR, KEPT_MANUAL, UNCHANGED, Change, FormatState

CHANGE_COLUMNS = (
    "bitstream_id", "name", "status", "old_format_key", "old_format", "old_confidence",
    "old_source", "new_format_key", "new_format", "new_confidence", "new_source", "new_basis",
    "new_warning", "message",
)

HISTORY_COLUMNS = (
    "history_id", "bitstream_id", "changed_at", "changed_by", "action", "old_format_key",
    "old_format", "old_confidence", "old_source", "new_format_key", "new_format",
    "new_confidence", "new_source", "new_basis", "new_warning", "note",
)


def _conf(value: object) -> str | None:
    if value is None:
        return None
    from formats.model import Confidence

    try:
        return Confidence(int(value)).name  # type: ignore[call-overload]
    except ValueError:
        return str(value)


def _state(state: FormatState | None) -> list[object]:
    if state is None:
        return [None, None, None, None]
    return [state.key, state.name, _conf(state.confidence), state.source]


def change_cells(change: Change) -> list[object]:
    new = change.new
    return [change.bitstream_id, change.name, change.status, *_state(change.old), *_state(new),
            new.basis if new else None, new.warning if new else None, change.message or None]


def history_cells(entry: HistoryEntry) -> list[object]:
    return [entry.history_id, entry.bitstream_id,
            entry.changed_at.isoformat() if entry.changed_at else None, entry.changed_by,
            entry.action, entry.old_format_key, entry.old_format_name,
            _conf(entry.old_confidence), entry.old_source, entry.new_format_key,
            entry.new_format_name, _conf(entry.new_confidence), entry.new_source,
            entry.new_basis, entry.new_warning, entry.note]


class ChangeTally:
    """Counts changes by status while passing them through (the stream stays a stream)."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()

    def watch(self, changes: Iterable[Change]) -> Iterator[Change]:
        for change in changes:
            self.counts[change.status] += 1
            yield change

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def sentence(self, dry_run: bool) -> str:
        c = self.counts
        verb = "would change" if dry_run else "changed"
        text = (f"{self.total} selected: {c[CHANGED]} {verb}, {c[UNCHANGED]} unchanged, "
                f"{c[KEPT_MANUAL]} kept (MANUAL), {c[ERROR]} errors")
        return text + (" — dry run, nothing written." if dry_run else ".")


def write_changes_csv(stream: TextIO, changes: Iterable[Change]) -> Iterator[Change]:
    """Write the header, then each change as it passes through."""
    stream.write(csv_line(CHANGE_COLUMNS))
    for change in changes:
        stream.write(csv_line(change_cells(change)))
        yield change
    stream.flush()

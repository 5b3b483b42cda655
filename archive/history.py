"""The format-change history: who changed which bitstream's format, when, from what, to what.

The workbench records every change it writes here, in the same transaction as the change
itself, so the history can never disagree with the bitstream table. Names and keys are stored
as text beside the format ids: the history stays readable after a format row is merged, renamed
or phase 3 drops the 1.5 tables.

The table lives on its own :class:`MetaData` (it is bsf's, not DSpace's) and is created on first
use; it survives phase 3 and is kept by DSpace, which ignores tables it does not know.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import (
    Column,
    Connection,
    DateTime,
    Index,
    Integer,
    MetaData,
    Sequence,
    SmallInteger,
    String,
    Table,
    Text,
    insert,
    inspect,
    select,
)

from archive.sidetables import ensure_tables
from bsfcore.runtime import now

HISTORY_META = MetaData()

FORMAT_HISTORY = Table(
    "bsf_format_history", HISTORY_META,
    Column("history_id", Integer, Sequence("bsf_format_history_seq"), primary_key=True),
    Column("bitstream_id", Integer, nullable=False),
    Column("changed_at", DateTime(timezone=True), nullable=False),
    Column("changed_by", String(256), nullable=False),
    # reidentify | set | (other tools may add their own verbs, e.g. restore)
    Column("action", String(32), nullable=False),
    Column("old_format_id", Integer),
    Column("old_format_key", String(200)),
    Column("old_format_name", String(256)),
    Column("old_confidence", SmallInteger),
    Column("old_source", String(256)),
    Column("new_format_id", Integer),
    Column("new_format_key", String(200)),
    Column("new_format_name", String(256)),
    Column("new_confidence", SmallInteger),
    Column("new_source", String(256)),
    Column("new_basis", Text),
    Column("new_warning", Text),
    Column("note", Text),
    Index("bsf_format_history_bitstream_idx", "bitstream_id", "history_id"),
)


@dataclass(frozen=True)
class HistoryEntry:
    """One recorded change (``history_id``/``changed_at`` are filled in when recorded)."""

    bitstream_id: int
    changed_by: str
    action: str
    old_format_id: int | None
    old_format_key: str | None
    old_format_name: str | None
    old_confidence: int | None
    old_source: str | None
    new_format_id: int | None
    new_format_key: str | None
    new_format_name: str | None
    new_confidence: int | None
    new_source: str | None
    new_basis: str | None = None
    new_warning: str | None = None
    note: str | None = None
    changed_at: datetime | None = None
    history_id: int | None = None


def ensure_history_table(conn: Connection) -> None:
    """Create ``bsf_format_history`` if it is missing (idempotent, safe with concurrent
    callers)."""
    ensure_tables(conn, HISTORY_META)


def history_exists(conn: Connection) -> bool:
    return inspect(conn).has_table(FORMAT_HISTORY.name)


def _clip(value: str | None, limit: int) -> str | None:
    return value if value is None or len(value) <= limit else value[: limit - 1] + "…"


def record(conn: Connection, entries: Iterable[HistoryEntry], *,
           when: datetime | None = None) -> int:
    """Insert ``entries`` (one executemany) in the caller's transaction; returns how many."""
    stamp = when or now()
    rows = []
    for entry in entries:
        values = asdict(entry)
        values.pop("history_id")
        values["changed_at"] = entry.changed_at or stamp
        for column in ("changed_by", "old_format_name", "new_format_name", "old_source",
                       "new_source", "old_format_key", "new_format_key"):
            length = FORMAT_HISTORY.c[column].type.length  # type: ignore[attr-defined]
            values[column] = _clip(values[column], length)
        rows.append(values)
    if rows:
        conn.execute(insert(FORMAT_HISTORY), rows)
    return len(rows)


def history_of(conn: Connection, bitstream_id: int) -> list[HistoryEntry]:
    """Every recorded change of one bitstream, oldest first (empty when none or no table)."""
    if not history_exists(conn):
        return []
    rows = conn.execute(select(FORMAT_HISTORY)
                        .where(FORMAT_HISTORY.c.bitstream_id == bitstream_id)
                        .order_by(FORMAT_HISTORY.c.history_id))
    return [HistoryEntry(**row._asdict()) for row in rows]

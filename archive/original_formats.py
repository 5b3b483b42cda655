"""The record of each bitstream's original 1.5 format, kept after phase 3 drops the 1.5 tables.

The conversion instructions tell operators to archive the ``-r -v`` report because it is "a
record of the original old-style format of each Bitstream, and the vital information about the
initial conversion" — and phase 3 then deletes the data that report was made from. bsf keeps
that record in the archive itself: just before phase 3 drops the ``bsf15_*`` tables it copies,
per bitstream, the old format (id, name, MIME type), the user format description, and the
answer the conversion gave (format, key, confidence, source, basis of phase 1 or phase 2), so
``bsf report``, the HTML summary and ``bsf workbench show`` can show old → new at any time.

The conversion's answer is the bitstream's format as phase 1/2 left it. When the workbench
changed it between phase 2 and phase 3, the format history (``bsf_format_history``) still holds
that answer as the *old* side of the bitstream's first recorded change, and that is used.

The table lives on its own :class:`MetaData` (it is bsf's, not DSpace's) and is created with
:func:`archive.sidetables.ensure_tables`; names and keys are stored as text, so the record stays
readable whatever happens to format rows later.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Column,
    ColumnElement,
    Connection,
    DateTime,
    Engine,
    Executable,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    and_,
    case,
    delete,
    func,
    insert,
    inspect,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.sql.selectable import ScalarSelect

from archive.history import FORMAT_HISTORY
from archive.schema import T16
from archive.sidetables import ensure_tables

ORIGINAL_META = MetaData()

ORIGINAL_FORMAT = Table(
    "bsf_original_format", ORIGINAL_META,
    Column("bitstream_id", Integer, primary_key=True, autoincrement=False),
    Column("old_format_id", Integer),
    Column("old_format_name", String(128)),
    Column("old_mimetype", String(256)),
    Column("user_format_description", Text),
    Column("converted_format_id", Integer),
    Column("converted_format_key", String(200)),
    Column("converted_format_name", String(256)),
    Column("converted_confidence", SmallInteger),
    Column("converted_source", String(256)),
    Column("converted_basis", Text),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
)

#: Sources the conversion itself writes (phase 1 and phase 2, not phase 3's leftovers).
CONVERSION_SOURCES = ("Upgrade15To16 Phase 1 %", "Upgrade15To16 Phase 2 %")


@dataclass(frozen=True)
class OriginalFormat:
    """One bitstream's 1.5 format and the conversion's answer, as recorded at phase 3."""

    bitstream_id: int
    old_format_id: int | None
    old_format_name: str | None
    old_mimetype: str | None
    user_format_description: str | None
    converted_format_id: int | None
    converted_format_key: str | None
    converted_format_name: str | None
    converted_confidence: int | None
    converted_source: str | None
    converted_basis: str | None
    recorded_at: datetime | None = None


def ensure_original_table(bind: Engine | Connection) -> None:
    """Create ``bsf_original_format`` if it is missing (idempotent, safe with concurrent
    callers)."""
    ensure_tables(bind, ORIGINAL_META)


def original_exists(bind: Engine | Connection) -> bool:
    return inspect(bind).has_table(ORIGINAL_FORMAT.name)


def record_statements(when: datetime, *, with_history: bool) -> list[Executable]:
    """The statements that write the record from the preserved 1.5 tables (run them in phase
    3's transaction, before the ``DROP TABLE``s): clear, copy, and — ``with_history``, when
    ``bsf_format_history`` exists — correct the conversion's answer from the history.

    Set-based (one ``INSERT ... SELECT`` and one ``UPDATE``), so the record of a million
    bitstreams costs a few statements, not a million.
    """
    bs, reg, ext = T16.bitstream, T16.bitstreamformatregistry, T16.externalidentifier
    old_bs, old_reg = T16.bsf15_bitstreamformat, T16.bsf15_bitstreamformatregistry
    assert ext is not None and old_bs is not None and old_reg is not None
    key = (select(ext.c.namespace + ":" + ext.c.identifier)
           .where(ext.c.bitstream_format_id == bs.c.bitstream_format_id)
           .order_by(ext.c.canonical.desc(), ext.c.external_identifier_id)
           .limit(1).scalar_subquery())
    converted = and_(bs.c.bitstream_format_id.is_not(None), _from_conversion(bs.c.format_source))

    def when_converted(value: ColumnElement[Any]) -> ColumnElement[Any]:
        return case((converted, value), else_=None)

    source = (old_bs.join(bs, bs.c.bitstream_id == old_bs.c.bitstream_id)
              .outerjoin(old_reg, old_reg.c.bitstream_format_id == old_bs.c.bitstream_format_id)
              .outerjoin(reg, reg.c.bitstream_format_id == bs.c.bitstream_format_id))
    rows = select(
        old_bs.c.bitstream_id, old_bs.c.bitstream_format_id, old_reg.c.short_description,
        old_reg.c.mimetype, bs.c.user_format_description,
        when_converted(bs.c.bitstream_format_id), when_converted(key),
        when_converted(reg.c.short_description), when_converted(bs.c.format_confidence),
        when_converted(bs.c.format_source), when_converted(bs.c.format_basis),
        literal(when, DateTime(timezone=True)),
    ).select_from(source)
    copy = insert(ORIGINAL_FORMAT).from_select(
        ["bitstream_id", "old_format_id", "old_format_name", "old_mimetype",
         "user_format_description", "converted_format_id", "converted_format_key",
         "converted_format_name", "converted_confidence", "converted_source",
         "converted_basis", "recorded_at"], rows)
    statements: list[Executable] = [delete(ORIGINAL_FORMAT), copy]
    if with_history:
        statements.append(_history_correction())
    return statements


def _from_conversion(source: ColumnElement[Any]) -> ColumnElement[bool]:
    return or_(*(source.like(pattern) for pattern in CONVERSION_SOURCES))


def _history_correction() -> Executable:
    """Where the workbench changed a bitstream before phase 3, take the conversion's answer
    from the old side of its first recorded change (when that old side was the conversion's)."""
    h, earlier = FORMAT_HISTORY, FORMAT_HISTORY.alias("earlier")
    first = (select(func.min(earlier.c.history_id))
             .where(earlier.c.bitstream_id == ORIGINAL_FORMAT.c.bitstream_id)
             .correlate(ORIGINAL_FORMAT).scalar_subquery())

    def first_value(column: ColumnElement[Any]) -> ScalarSelect[Any]:
        return select(column).where(h.c.history_id == first).scalar_subquery()

    changed_after_conversion = (
        select(h.c.history_id).where(h.c.history_id == first, _from_conversion(h.c.old_source),
                                     h.c.old_format_id.is_not(None)).exists())
    return update(ORIGINAL_FORMAT).where(changed_after_conversion).values(
        converted_format_id=first_value(h.c.old_format_id),
        converted_format_key=first_value(h.c.old_format_key),
        converted_format_name=first_value(h.c.old_format_name),
        converted_confidence=first_value(h.c.old_confidence),
        converted_source=first_value(h.c.old_source),
        converted_basis=None)


def original_of(conn: Connection, bitstream_id: int) -> OriginalFormat | None:
    """The recorded original format of one bitstream (None when no record exists)."""
    if not original_exists(conn):
        return None
    row = conn.execute(select(ORIGINAL_FORMAT)
                       .where(ORIGINAL_FORMAT.c.bitstream_id == bitstream_id)).first()
    return OriginalFormat(**row._asdict()) if row is not None else None

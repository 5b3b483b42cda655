"""``Upgrade15To16 -r [-v]``: the conversion report, streamed from the archive.

:func:`iter_report_rows` is the library API (also behind the workbench's ``bsf report``): one
:class:`reports.rows.ReportRow` per bitstream, read in keyset pages of ``batch`` ids so memory
stays flat on any archive size. It works in every state: before phase 0 (the current format is
the old one), between phases 0 and 3 (old format from the preserved 1.5 data, new format from
the renovated columns) and after phase 3 (old format from the record phase 3 keeps in
``bsf_original_format``, see :mod:`archive.original_formats`). A bitstream whose
``bitstream_format_id`` is NULL is unconverted, whatever stale confidence/source columns say
(the documented undo SQL only clears the format id).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import ColumnElement, Connection, Engine, Select, and_, case, func, literal, select

from archive.db import is_renovated
from archive.original_formats import ORIGINAL_FORMAT, original_exists
from archive.schema import T15, T16
from bsfcore.errors import StepError
from formats.model import Confidence
from reports.rows import ReportRow
from reports.seed import SeedCounts, SeedWriter
from upgrade.scope import has_preserved_data, is_upgradable
from upgrade.step import StepContext, Summary


def report_counts(conn: Connection) -> SeedCounts:
    """Total upgradable, converted, not converted, and with a UserFormatDescription."""
    bs = T16.bitstream if is_renovated(conn) else T15.bitstream
    tables = T16 if is_renovated(conn) else T15
    row = conn.execute(select(
        func.count(),
        func.count(bs.c.bitstream_format_id),
        func.coalesce(func.sum(case((and_(bs.c.user_format_description.is_not(None),
                                          bs.c.user_format_description != ""), 1), else_=0)),
                      0),
    ).select_from(bs).where(is_upgradable(tables))).one()
    total, converted, ufd = int(row[0]), int(row[1]), int(row[2])
    return SeedCounts(total, converted, total - converted, ufd)


def iter_report_rows(engine: Engine, *, start_id: int = 0, batch: int = 1000,
                     only_upgradable: bool = True) -> Iterator[ReportRow]:
    """Stream one row per (upgradable) bitstream, ordered by id, from ``start_id`` on."""
    with engine.connect() as conn:
        renovated = is_renovated(conn)
        preserved = renovated and has_preserved_data(conn)
        recorded = renovated and not preserved and original_exists(conn)
    bid = T15.bitstream.c.bitstream_id
    last = start_id - 1
    while True:
        # A page of ids first (primary key only), then its rows with the scope test bounded
        # to that id range: each page costs its own size on any database and planner.
        with engine.connect() as conn:
            page = conn.execute(select(bid).where(bid > last).order_by(bid)
                                .limit(batch)).scalars().all()
            if not page:
                return
            rows = conn.execute(_query(renovated, preserved, recorded, only_upgradable,
                                       page[0], page[-1])).all()
        last = int(page[-1])
        for r in rows:
            converted = renovated and r.new_format_id is not None
            confidence = None
            if converted and r.format_confidence is not None:
                try:
                    confidence = Confidence(int(r.format_confidence)).name
                except ValueError:
                    confidence = str(r.format_confidence)
            yield ReportRow(
                bitstream_id=int(r.bitstream_id), name=r.name, handle=None,
                old_format=r.old_format,
                new_format=(r.new_format or f"format {r.new_format_id}") if converted else None,
                format_key=r.format_key if converted else None,
                confidence=confidence,
                source=r.format_source if converted else None,
                basis=r.format_basis if converted else None,
                warning=r.format_warning if converted else None,
                user_format_description=r.user_format_description,
                size_bytes=r.size_bytes, checksum=r.checksum)


def _query(renovated: bool, preserved: bool, recorded: bool, only_upgradable: bool,
           first: int, last: int) -> Select[Any]:
    if not renovated:
        bs, reg = T15.bitstream, T15.bitstreamformatregistry
        stmt = select(
            bs.c.bitstream_id, bs.c.name, bs.c.user_format_description, bs.c.size_bytes,
            bs.c.checksum, reg.c.short_description.label("old_format"),
            literal(None).label("new_format_id"), literal(None).label("new_format"),
            literal(None).label("format_key"), literal(None).label("format_confidence"),
            literal(None).label("format_source"), literal(None).label("format_basis"),
            literal(None).label("format_warning"),
        ).select_from(bs.outerjoin(reg, reg.c.bitstream_format_id == bs.c.bitstream_format_id))
        stmt = stmt.where(bs.c.bitstream_id.between(first, last))
        if only_upgradable:
            stmt = stmt.where(is_upgradable(T15, first_id=first, last_id=last))
        return stmt.order_by(bs.c.bitstream_id)
    bs, reg, ext = T16.bitstream, T16.bitstreamformatregistry, T16.externalidentifier
    assert ext is not None
    key = (select(ext.c.namespace + ":" + ext.c.identifier)
           .where(ext.c.bitstream_format_id == bs.c.bitstream_format_id)
           .order_by(ext.c.canonical.desc(), ext.c.external_identifier_id)
           .limit(1).scalar_subquery())
    source = bs.outerjoin(reg, reg.c.bitstream_format_id == bs.c.bitstream_format_id)
    old_name: ColumnElement[Any] = literal(None)
    if preserved:
        old_bs, old_reg = T16.bsf15_bitstreamformat, T16.bsf15_bitstreamformatregistry
        assert old_bs is not None and old_reg is not None
        source = (source.outerjoin(old_bs, old_bs.c.bitstream_id == bs.c.bitstream_id)
                  .outerjoin(old_reg, old_reg.c.bitstream_format_id
                             == old_bs.c.bitstream_format_id))
        old_name = old_reg.c.short_description
    elif recorded:
        source = source.outerjoin(ORIGINAL_FORMAT,
                                  ORIGINAL_FORMAT.c.bitstream_id == bs.c.bitstream_id)
        old_name = ORIGINAL_FORMAT.c.old_format_name
    stmt = select(
        bs.c.bitstream_id, bs.c.name, bs.c.user_format_description, bs.c.size_bytes,
        bs.c.checksum, old_name.label("old_format"),
        bs.c.bitstream_format_id.label("new_format_id"), reg.c.short_description.label(
            "new_format"), key.label("format_key"), bs.c.format_confidence, bs.c.format_source,
        bs.c.format_basis, bs.c.format_warning,
    ).select_from(source)
    stmt = stmt.where(bs.c.bitstream_id.between(first, last))
    if only_upgradable:
        stmt = stmt.where(is_upgradable(T16, first_id=first, last_id=last))
    return stmt.order_by(bs.c.bitstream_id)


class Report:
    key = "report"
    title = "-r [-v]: SUMMARY lines (and with -v one BITSTREAM line per bitstream)"
    requires: tuple[str, ...] = ("phase0",)

    def is_done(self, conn: Connection) -> bool:
        return False

    def check(self, conn: Connection) -> None:
        if not is_renovated(conn):
            raise StepError("the conversion report needs phase 0 first (bsf upgrade phase0).",
                            step=self.key)
        if not has_preserved_data(conn):
            raise StepError("the instructions' report (-r) is available until phase 3; phase 3 "
                            "has run: use `bsf report -v`, which shows the same lines from the "
                            "record of the original formats phase 3 kept.", step=self.key)

    def run(self, ctx: StepContext) -> Summary:
        with ctx.engine.connect() as conn:
            self.check(conn)
            counts = report_counts(conn)
        writer = SeedWriter(ctx.out, verbose=ctx.verbose, counts=counts)
        writer.head()
        if ctx.verbose:
            for row in iter_report_rows(ctx.engine, batch=max(ctx.batch_size, 1000)):
                writer.row(row)
        writer.tail()
        return Summary(self.key, [], {"total": counts.total, "converted": counts.converted,
                                      "not_converted": counts.not_converted,
                                      "with_ufd": counts.with_ufd})

"""Report rows for ``bsf report``: the upgrade's row stream, with each bitstream's handle.

:func:`upgrade.report.iter_report_rows` streams the conversion rows; the CSV/JSON reports also
name where each bitstream lives. :func:`with_handles` adds the owning item's handle (or the
community/collection handle of a logo) one batch of rows at a time — one query per batch, so
the stream stays a stream.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace
from itertools import islice

from sqlalchemy import Engine, and_, select

from archive.schema import COLLECTION, COMMUNITY, ITEM, T15, T16, Tables
from reports.rows import ReportRow


def _handles(engine: Engine, ids: list[int], t: Tables) -> dict[int, str]:
    found: dict[int, str] = {}
    h = t.handle
    with engine.connect() as conn:
        item_rows = conn.execute(
            select(t.bundle2bitstream.c.bitstream_id, h.c.handle)
            .join(t.item2bundle, t.item2bundle.c.bundle_id == t.bundle2bitstream.c.bundle_id)
            .join(h, and_(h.c.resource_type_id == ITEM,
                          h.c.resource_id == t.item2bundle.c.item_id))
            .where(t.bundle2bitstream.c.bitstream_id.in_(ids))
            .order_by(t.bundle2bitstream.c.bitstream_id, h.c.handle_id))
        for bid, handle in item_rows:
            found.setdefault(int(bid), handle)
        for table, type_id, column in ((t.community, COMMUNITY, "community_id"),
                                       (t.collection, COLLECTION, "collection_id")):
            logo_rows = conn.execute(
                select(table.c.logo_bitstream_id, h.c.handle)
                .join(h, and_(h.c.resource_type_id == type_id,
                              h.c.resource_id == table.c[column]))
                .where(table.c.logo_bitstream_id.in_(ids)))
            for bid, handle in logo_rows:
                found.setdefault(int(bid), handle)
    return found


def with_handles(engine: Engine, rows: Iterable[ReportRow], *, batch: int = 1000,
                 renovated: bool = True) -> Iterator[ReportRow]:
    """``rows`` with ``handle`` filled in where the archive knows one."""
    t = T16 if renovated else T15
    iterator = iter(rows)
    while chunk := list(islice(iterator, batch)):
        handles = _handles(engine, [r.bitstream_id for r in chunk if r.handle is None], t)
        for row in chunk:
            found = handles.get(row.bitstream_id)
            yield replace(row, handle=found) if row.handle is None and found else row

"""Which bitstreams the upgrade is about, and the phase facts derived from the data.

"Upgradable" bitstreams are those of ``archive.queries.upgradable_condition``: the non-deleted
bitstreams of in-archive (or withdrawn, hence reinstatable) items, of submissions in progress,
and the community/collection logos. Every phase fact here is read from the archive itself,
never from bsf's run history, so hand-run SQL such as the documented undo cannot make a step
believe something false.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Row,
    Select,
    and_,
    exists,
    false,
    func,
    inspect,
    or_,
    select,
    true,
    union_all,
)

from archive.db import analyze_tables
from archive.schema import T15, T16, Tables

PHASE1_SOURCE = "Upgrade15To16 Phase 1 from "
PHASE2_SOURCE = "Upgrade15To16 Phase 2 from "


def is_upgradable(t: Tables = T16, *, first_id: int | None = None,
                  last_id: int | None = None) -> ColumnElement[bool]:
    """WHERE clause: the row of ``t.bitstream`` is upgradable.

    Same population as ``archive.queries.upgradable_condition`` (a test holds them equal), but
    written as one uncorrelated ``IN`` over a ``UNION ALL``, which PostgreSQL runs as a hash
    semi-join and SQLite as a one-off lookup table: one pass instead of three correlated
    probes per bitstream, and no dependence on planner statistics (a fresh or just-converted
    database has none). With ``first_id``/``last_id`` the subquery itself is bounded to that id
    range, so a batch costs its own size, not the archive's.
    """
    b2b = t.bundle2bitstream
    in_workspace = select(t.workspaceitem.c.item_id).where(t.workspaceitem.c.item_id.is_not(None))
    in_items = (
        select(b2b.c.bitstream_id)
        .join(t.item2bundle, t.item2bundle.c.bundle_id == b2b.c.bundle_id)
        .join(t.item, t.item.c.item_id == t.item2bundle.c.item_id)
        .where(b2b.c.bitstream_id.is_not(None),
               or_(t.item.c.in_archive == true(), t.item.c.withdrawn == true(),
                   t.item.c.item_id.in_(in_workspace))))
    community_logos = select(t.community.c.logo_bitstream_id).where(
        t.community.c.logo_bitstream_id.is_not(None))
    collection_logos = select(t.collection.c.logo_bitstream_id).where(
        t.collection.c.logo_bitstream_id.is_not(None))
    if first_id is not None and last_id is not None:
        in_items = in_items.where(b2b.c.bitstream_id.between(first_id, last_id))
        community_logos = community_logos.where(
            t.community.c.logo_bitstream_id.between(first_id, last_id))
        collection_logos = collection_logos.where(
            t.collection.c.logo_bitstream_id.between(first_id, last_id))
    # One IN over a UNION ALL, never IN ... OR IN ...: PostgreSQL plans a lone IN as a
    # (hash) semi-join whatever its row estimates say, while an OR of IN sub-plans falls back
    # to re-running the join per bitstream when fresh tables have no statistics.
    reachable = union_all(in_items, community_logos, collection_logos)
    deleted = t.bitstream.c.deleted
    return and_(or_(deleted.is_(None), deleted == false()),
                t.bitstream.c.bitstream_id.in_(reachable))


def analyze(conn: Connection) -> None:
    """Refresh PostgreSQL's planner statistics of the tables the upgrade queries (after phase 0
    rewrote every bitstream row, or on a database freshly loaded). No-op on SQLite."""
    analyze_tables(conn, ["bitstream", "bundle2bitstream", "item2bundle", "item",
                          "workspaceitem", "community", "collection", "bsf15_bitstreamformat",
                          "bitstreamformatregistry", "externalidentifier"])


def unconverted() -> ColumnElement[bool]:
    return T16.bitstream.c.bitstream_format_id.is_(None)


# -- phase facts ---------------------------------------------------------------------------

def has_preserved_data(conn: Connection) -> bool:
    return inspect(conn).has_table("bsf15_bitstreamformat")


def preserved_tables(conn: Connection) -> list[str]:
    names = set(inspect(conn).get_table_names())
    return sorted(n for n in ("bsf15_bitstreamformatregistry", "bsf15_fileextension",
                              "bsf15_bitstreamformat") if n in names)


def count_upgradable(conn: Connection) -> int:
    bs = T15.bitstream
    return int(conn.execute(select(func.count()).select_from(bs)
                            .where(is_upgradable(T15))).scalar_one())


def count_unconverted(conn: Connection) -> int:
    bs = T16.bitstream
    return int(conn.execute(select(func.count()).select_from(bs)
                            .where(unconverted(), is_upgradable())).scalar_one())


def phase2_has_run(conn: Connection) -> bool:
    """True when some bitstream currently holds a format phase 2 assigned."""
    bs = T16.bitstream
    return bool(conn.execute(select(exists().where(
        bs.c.bitstream_format_id.is_not(None),
        bs.c.format_source.like(PHASE2_SOURCE + "%")))).scalar())


def stream(conn: Connection, stmt: Select[Any], size: int = 2000) -> Iterator[Row[Any]]:
    """Rows of ``stmt`` through a server-side cursor (PostgreSQL) / lazy cursor (SQLite)."""
    result = conn.execute(stmt, execution_options={"yield_per": size})
    yield from result

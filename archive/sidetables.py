"""Create bsf's own side tables on first use, safely when several processes start at once.

bsf keeps its bookkeeping beside DSpace's tables (the upgrade's run and batch records, the
replication queue, the format history). They are created the first time a command needs them,
and that first time may be three phase 2 workers, or a sync and a workbench run, starting
together. ``CREATE TABLE IF NOT EXISTS`` alone is not enough on PostgreSQL: two sessions that
both find the table missing both try to create its row type, and one fails with a unique
violation. So on PostgreSQL the creation is serialised by a transaction-scoped advisory lock and
the check is repeated under it; on SQLite the database's single writer serialises it, and a race
lost anyway is noticed and ignored once the tables exist.

A caller inside a transaction on PostgreSQL gets the tables created on a separate, short
connection (committed at once), so its own transaction does not hold the advisory lock, and a
failure of its later work does not roll the tables back for everyone else. The side tables have
no foreign keys into DSpace's tables, so that connection never waits for the caller's locks.
"""

from __future__ import annotations

import zlib

from sqlalchemy import Connection, Engine, MetaData, inspect, text
from sqlalchemy.exc import DBAPIError


def _missing(bind: Engine | Connection, metadata: MetaData) -> bool:
    existing = set(inspect(bind).get_table_names())
    return not set(metadata.tables) <= existing


def _lock_key(metadata: MetaData) -> int:
    """A stable advisory-lock key per set of tables (signed 64-bit, as PostgreSQL wants)."""
    return zlib.crc32(",".join(sorted(metadata.tables)).encode()) | (0x6273 << 32)


def _create(conn: Connection, metadata: MetaData) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _lock_key(metadata)})
    metadata.create_all(conn, checkfirst=True)


def ensure_tables(bind: Engine | Connection, metadata: MetaData) -> None:
    """Create every table of ``metadata`` that is missing; idempotent and cheap when present."""
    if not _missing(bind, metadata):
        return
    if isinstance(bind, Connection) and bind.dialect.name != "postgresql":
        metadata.create_all(bind, checkfirst=True)
        return
    engine = bind.engine if isinstance(bind, Connection) else bind
    try:
        with engine.begin() as conn:
            _create(conn, metadata)
    except DBAPIError:
        if _missing(engine, metadata):
            raise

"""bsf's own bookkeeping tables for the upgrade: run history and phase 2's batch plan.

They live on their own :class:`MetaData` and are created on first use. Nothing in them decides
whether a bitstream is converted: that is always ``bitstream.bitstream_format_id IS NOT NULL``,
so the instructions' undo SQL (``UPDATE Bitstream SET bitstream_format_id = NULL``) leaves a
state every step understands. The batch plan only says which id ranges phase 2 still has to
visit; each batch's results and its ``done`` mark are written in one transaction.
"""

from __future__ import annotations

import json
import os
import socket

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    DateTime,
    Engine,
    Integer,
    MetaData,
    Sequence,
    String,
    Table,
    Text,
    func,
    insert,
    inspect,
    select,
    update,
)

from archive.sidetables import ensure_tables
from bsfcore.runtime import now

STATE_META = MetaData()

runs = Table(
    "bsf_upgrade_run", STATE_META,
    Column("run_id", Integer, Sequence("bsf_upgrade_run_seq"), primary_key=True),
    Column("step", String(32), nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True)),
    # running | ok | failed
    Column("outcome", String(16), nullable=False),
    Column("dry_run", Boolean, nullable=False),
    Column("host", String(256)),
    Column("pid", Integer),
    Column("summary", Text),
)

batches = Table(
    "bsf_upgrade_batch", STATE_META,
    Column("batch_id", Integer, Sequence("bsf_upgrade_batch_seq"), primary_key=True),
    Column("plan_id", Integer, nullable=False),
    Column("first_id", Integer, nullable=False),
    Column("last_id", Integer, nullable=False),
    Column("planned", Integer, nullable=False),
    # todo | done
    Column("status", String(8), nullable=False),
    Column("worker", String(128)),
    Column("done_at", DateTime(timezone=True)),
    Column("touched", Integer, nullable=False, default=0),
    Column("identified", Integer, nullable=False, default=0),
    Column("old_unknown", Integer, nullable=False, default=0),
    Column("new_unknown", Integer, nullable=False, default=0),
)


#: phase 1's old format -> new format mapping, rebuilt by every phase 1 run inside its
#: transaction, so the conversion is one set-based UPDATE ... FROM.
phase1_map = Table(
    "bsf_upgrade_phase1_map", STATE_META,
    Column("old_format_id", Integer, primary_key=True, autoincrement=False),
    Column("new_format_id", Integer, nullable=False),
    Column("source", String(256), nullable=False),
    Column("basis", Text, nullable=False),
)


def ensure_state_tables(engine: Engine) -> None:
    """Create the bookkeeping tables if missing (idempotent; safe with concurrent callers)."""
    ensure_tables(engine, STATE_META)


def state_tables_exist(conn: Connection) -> bool:
    return inspect(conn).has_table("bsf_upgrade_run")


def start_run(engine: Engine, step: str, dry_run: bool) -> int:
    ensure_state_tables(engine)
    with engine.begin() as conn:
        key = conn.execute(insert(runs).values(
            step=step, started_at=now(), outcome="running", dry_run=dry_run,
            host=socket.gethostname(), pid=os.getpid())).inserted_primary_key
        assert key is not None
        return int(key[0])


def finish_run(engine: Engine, run_id: int, outcome: str, summary: dict[str, object]) -> None:
    with engine.begin() as conn:
        conn.execute(update(runs).where(runs.c.run_id == run_id).values(
            finished_at=now(), outcome=outcome, summary=json.dumps(summary, default=str)))


def last_runs(conn: Connection) -> dict[str, dict[str, object]]:
    """The latest real (not dry) run of each step: outcome, times, summary."""
    if not state_tables_exist(conn):
        return {}
    latest = (select(runs.c.step, func.max(runs.c.run_id).label("run_id"))
              .where(runs.c.dry_run.is_(False)).group_by(runs.c.step).subquery())
    rows = conn.execute(select(runs).join(latest, latest.c.run_id == runs.c.run_id))
    result: dict[str, dict[str, object]] = {}
    for row in rows:
        result[row.step] = {
            "outcome": row.outcome, "started_at": row.started_at,
            "finished_at": row.finished_at,
            "summary": json.loads(row.summary) if row.summary else None,
        }
    return result

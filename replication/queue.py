"""The replication queue, the replica registry and its events: three tables in the archive DB.

* ``bsf_replication_queue`` — work to do (``transmit`` an object's AIP, write a ``catalog``
  deletion record). It lives in the database so it survives a crash, and several workers (on
  several machines sharing the database and the store) can drain it: a worker *claims* rows
  (``FOR UPDATE SKIP LOCKED`` on PostgreSQL; a guarded UPDATE on SQLite, which has one writer)
  under a lease. A row left ``running`` by a dead worker is claimed again once its lease ran
  out, or at once when the worker was on this machine and its process is gone. A partial unique
  index keeps one live (pending/running) row per object and action, so planning twice, or
  after a crash, never queues an object twice.
* ``bsf_replica`` — what we put in the store: group, name, handle, type, parent handle, MD5,
  size and the store's change token at transmission. Sync compares the store's listing with it
  (a missing, truncated or rewritten replica is sent again); a registry row whose handle no
  longer resolves is a deletion.
* ``bsf_replica_event`` — PREMIS-style events per object (ingest, replication, deletion,
  restoration), which restored bags carry.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    DateTime,
    Engine,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    and_,
    bindparam,
    delete,
    func,
    insert,
    inspect,
    or_,
    select,
    text,
    update,
)
from sqlalchemy import (
    Sequence as DbSequence,
)
from sqlalchemy.exc import DBAPIError

from archive.sidetables import ensure_tables as ensure_side_tables
from bsfcore.runtime import now

META = MetaData()

LIVE = ("pending", "running")

QUEUE = Table(
    "bsf_replication_queue", META,
    Column("task_id", Integer, DbSequence("bsf_replication_queue_seq"), primary_key=True),
    Column("handle", String(256), nullable=False),
    Column("action", String(16), nullable=False),  # transmit | catalog
    Column("state", String(16), nullable=False, default="pending"),  # pending|running|done|failed
    Column("worker", String(160)),
    Column("lease_until", DateTime(timezone=True)),
    Column("attempts", Integer, nullable=False, default=0),
    Column("outcome", String(32)),
    Column("error", Text),
    Column("enqueued_at", DateTime(timezone=True)),
    Column("finished_at", DateTime(timezone=True)),
    Index("bsf_replication_queue_live_uq", "handle", "action", unique=True,
          postgresql_where=text("state IN ('pending', 'running')"),
          sqlite_where=text("state IN ('pending', 'running')")),
    Index("bsf_replication_queue_state_idx", "state", "task_id"),
)

REPLICA = Table(
    "bsf_replica", META,
    Column("grp", String(64), nullable=False),
    Column("name", String(256), nullable=False),
    Column("handle", String(256), nullable=False),
    Column("type_name", String(32), nullable=False),
    Column("parent_handle", String(256)),
    Column("md5", String(32), nullable=False),
    #: item fingerprint (replication.fingerprint) when the replica was made
    Column("fingerprint", String(64)),
    Column("size", BigInteger, nullable=False),
    Column("transmitted_at", DateTime(timezone=True), nullable=False),
    #: set when a deletion record covering this object was written
    Column("deletion_record", String(256)),
    #: the store's change token when the replica was made or last verified (see store_base)
    Column("store_token", String(160)),
    PrimaryKeyConstraint("grp", "name", name="bsf_replica_pk"),
    Index("bsf_replica_handle_idx", "handle"),
)

EVENTS = Table(
    "bsf_replica_event", META,
    Column("event_id", Integer, DbSequence("bsf_replica_event_seq"), primary_key=True),
    Column("handle", String(256), nullable=False),
    Column("event_type", String(64), nullable=False),
    Column("date_time", DateTime(timezone=True), nullable=False),
    Column("outcome", String(32), nullable=False),
    Column("detail", Text),
    Column("outcome_detail", Text),
    Column("object", String(256)),
    Column("agent", String(256)),
    Index("bsf_replica_event_handle_idx", "handle", "event_id"),
)


@dataclass(frozen=True)
class Task:
    task_id: int
    handle: str
    action: str
    attempts: int


_COLUMNS_CHECKED: set[str] = set()


def ensure_tables(engine: Engine) -> None:
    """Create the three tables when missing (idempotent, safe to call on every command and from
    several processes at once; see :mod:`archive.sidetables`), and add the ``store_token``
    column to a ``bsf_replica`` made by an earlier bsf."""
    ensure_side_tables(engine, META)
    key = engine.url.render_as_string(hide_password=True)
    if key in _COLUMNS_CHECKED:
        return
    columns = {c["name"] for c in inspect(engine).get_columns("bsf_replica")}
    if "store_token" not in columns:
        try:
            with engine.begin() as conn:
                conn.execute(text("ALTER TABLE bsf_replica ADD COLUMN store_token VARCHAR(160)"))
        except DBAPIError:  # another process added it first
            if "store_token" not in {c["name"] for c in inspect(engine).get_columns(
                    "bsf_replica")}:
                raise
    _COLUMNS_CHECKED.add(key)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def enqueue(conn: Connection, tasks: Iterable[tuple[str, str]], *, batch: int = 1000) -> int:
    """Queue (handle, action) pairs; a pair already pending or running is not queued twice."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert  # type: ignore[assignment]
    stmt = dialect_insert(QUEUE).on_conflict_do_nothing(
        index_elements=["handle", "action"],
        index_where=text("state IN ('pending', 'running')"))
    # rowcount of a multi-row INSERT ... ON CONFLICT is not reliable across drivers: count the
    # live rows around it instead (same transaction).
    live = select(func.count()).select_from(QUEUE).where(QUEUE.c.state.in_(LIVE))
    before = int(conn.execute(live).scalar_one())
    rows: list[dict[str, object]] = []
    stamp = now()
    for handle, action in tasks:
        rows.append({"handle": handle, "action": action, "state": "pending", "attempts": 0,
                     "enqueued_at": stamp})
        if len(rows) >= batch:
            conn.execute(stmt, rows)
            rows.clear()
    if rows:
        conn.execute(stmt, rows)
    return int(conn.execute(live).scalar_one()) - before


def reclaim_dead(engine: Engine) -> int:
    """Put back rows claimed by a worker process of this host that no longer exists."""
    host = socket.gethostname()
    back = 0
    with engine.begin() as conn:
        rows = conn.execute(select(QUEUE.c.task_id, QUEUE.c.worker)
                            .where(QUEUE.c.state == "running",
                                   QUEUE.c.worker.like(f"{host}:%"))).all()
        for row in rows:
            try:
                pid = int(str(row.worker).rsplit(":", 1)[1])
            except (ValueError, IndexError):
                continue
            if not _pid_alive(pid):
                back += conn.execute(update(QUEUE).where(QUEUE.c.task_id == row.task_id,
                                                         QUEUE.c.state == "running")
                                     .values(state="pending", worker=None,
                                             lease_until=None)).rowcount or 0
    return back


def claim(engine: Engine, worker: str, *, limit: int = 10,
          lease: timedelta = timedelta(minutes=30), handles: Sequence[str] | None = None,
          ) -> list[Task]:
    """Claim up to ``limit`` tasks for ``worker``: pending ones, or running ones whose lease ran
    out. PostgreSQL skips rows other workers hold locked; SQLite's single writer plus the
    state-guarded UPDATE gives the same no-double-work guarantee."""
    stamp = now()
    claimable = or_(QUEUE.c.state == "pending",
                    and_(QUEUE.c.state == "running", QUEUE.c.lease_until < stamp))
    query = select(QUEUE.c.task_id, QUEUE.c.handle, QUEUE.c.action, QUEUE.c.attempts) \
        .where(claimable).order_by(QUEUE.c.task_id).limit(limit)
    if handles is not None:
        query = query.where(QUEUE.c.handle.in_(list(handles)))
    claimed: list[Task] = []
    for _attempt in range(5):
        with engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)
            candidates = conn.execute(query).all()
            for row in candidates:
                got = conn.execute(
                    update(QUEUE).where(QUEUE.c.task_id == row.task_id, claimable)
                    .values(state="running", worker=worker, lease_until=stamp + lease,
                            attempts=QUEUE.c.attempts + 1)).rowcount
                if got:
                    claimed.append(Task(row.task_id, row.handle, row.action, row.attempts + 1))
        # On SQLite another worker may have taken every candidate between our read and our
        # guarded update: look again rather than report an empty queue that is not empty.
        if claimed or not candidates:
            return claimed
    return claimed


def renew(engine: Engine, task: Task, worker: str,
          lease: timedelta = timedelta(minutes=30)) -> bool:
    """Extend the lease of a claimed task just before working on it (claims come in small
    batches, and one large AIP may take a while); False if the task was taken over."""
    with engine.begin() as conn:
        return bool(conn.execute(
            update(QUEUE).where(QUEUE.c.task_id == task.task_id, QUEUE.c.worker == worker,
                                QUEUE.c.state == "running")
            .values(lease_until=now() + lease)).rowcount)


def finish(conn: Connection, task: Task, worker: str, outcome: str) -> bool:
    """Mark a claimed task done (in the caller's transaction, with the work's own writes)."""
    return bool(conn.execute(
        update(QUEUE).where(QUEUE.c.task_id == task.task_id, QUEUE.c.worker == worker,
                            QUEUE.c.state == "running")
        .values(state="done", outcome=outcome, finished_at=now(), lease_until=None,
                error=None)).rowcount)


def fail(engine: Engine, task: Task, worker: str, error: str) -> None:
    """Mark a claimed task failed; the next ``sync`` queues the object again."""
    with engine.begin() as conn:
        conn.execute(update(QUEUE).where(QUEUE.c.task_id == task.task_id,
                                         QUEUE.c.worker == worker)
                     .values(state="failed", outcome="failed", error=error[:4000],
                             finished_at=now(), lease_until=None))


def queue_counts(conn: Connection) -> dict[str, dict[str, int]]:
    """{state: {action: count}}."""
    counts: dict[str, dict[str, int]] = {}
    for row in conn.execute(select(QUEUE.c.state, QUEUE.c.action, func.count())
                            .group_by(QUEUE.c.state, QUEUE.c.action)):
        counts.setdefault(row[0], {})[row[1]] = int(row[2])
    return counts


def purge_done(conn: Connection, older_than: timedelta = timedelta(days=30)) -> int:
    """Drop finished (done or failed) rows older than ``older_than`` (the queue is not an
    audit log; the replica events are)."""
    return conn.execute(delete(QUEUE).where(QUEUE.c.state.in_(("done", "failed")),
                                            QUEUE.c.finished_at < now() - older_than)
                        ).rowcount or 0


# -- registry ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Replica:
    grp: str
    name: str
    handle: str
    type_name: str
    parent_handle: str | None
    md5: str
    size: int
    transmitted_at: datetime
    deletion_record: str | None
    fingerprint: str | None = None
    store_token: str | None = None


def replica(conn: Connection, grp: str, name: str) -> Replica | None:
    row = conn.execute(select(REPLICA).where(REPLICA.c.grp == grp,
                                             REPLICA.c.name == name)).first()
    return Replica(**row._mapping) if row is not None else None


def replicas_of(conn: Connection, handle: str) -> list[Replica]:
    return [Replica(**r._mapping) for r in conn.execute(
        select(REPLICA).where(REPLICA.c.handle == handle).order_by(REPLICA.c.name))]


def record_replica(conn: Connection, rep: Replica) -> None:
    """Insert or replace the registry row of one stored object."""
    conn.execute(delete(REPLICA).where(REPLICA.c.grp == rep.grp, REPLICA.c.name == rep.name))
    conn.execute(insert(REPLICA).values(**rep.__dict__))


def registry_rows(conn: Connection, groups: Sequence[str]) -> list[Replica]:
    """Every registry row of ``groups`` (what the store should hold)."""
    return [Replica(**r._mapping) for r in conn.execute(
        select(REPLICA).where(REPLICA.c.grp.in_(list(groups))).order_by(REPLICA.c.grp,
                                                                         REPLICA.c.name))]


def set_tokens(conn: Connection, grp: str, tokens: dict[str, str]) -> None:
    """Record the store's current change token of replicas found intact."""
    stmt = update(REPLICA).where(REPLICA.c.grp == grp, REPLICA.c.name == bindparam("n")) \
        .values(store_token=bindparam("t"))
    rows = [{"n": name, "t": token} for name, token in tokens.items()]
    for start in range(0, len(rows), 1000):
        conn.execute(stmt, rows[start:start + 1000])


def forget_replica(conn: Connection, grp: str, name: str) -> None:
    conn.execute(delete(REPLICA).where(REPLICA.c.grp == grp, REPLICA.c.name == name))


def mark_deleted(conn: Connection, grp: str, handles: Sequence[str], record: str | None) -> None:
    """Set (or with None clear) the deletion record of these handles' replicas, in chunks
    (a community's record may list more handles than one statement may bind)."""
    stmt = update(REPLICA).where(REPLICA.c.grp == grp,
                                 REPLICA.c.handle.in_(bindparam("hs", expanding=True))) \
        .values(deletion_record=record)
    for start in range(0, len(handles), 1000):
        conn.execute(stmt, {"hs": list(handles[start:start + 1000])})


def add_event(conn: Connection, handle: str, event_type: str, outcome: str, *,
              detail: str | None = None, outcome_detail: str | None = None,
              obj: str | None = None, agent: str | None = None,
              when: datetime | None = None) -> None:
    conn.execute(insert(EVENTS).values(
        handle=handle, event_type=event_type, date_time=when or now(), outcome=outcome,
        detail=detail, outcome_detail=outcome_detail, object=obj, agent=agent))


def add_events(conn: Connection, handles: Iterable[str], event_type: str, outcome: str, *,
               detail: str | None = None, obj: str | None = None, agent: str | None = None,
               outcome_detail: dict[str, str] | None = None) -> None:
    """The same event for many objects, in batches (a deletion record's members)."""
    stamp = now()
    rows: list[dict[str, object]] = []
    for handle in handles:
        rows.append({"handle": handle, "event_type": event_type, "date_time": stamp,
                     "outcome": outcome, "detail": detail, "object": obj, "agent": agent,
                     "outcome_detail": (outcome_detail or {}).get(handle)})
        if len(rows) >= 1000:
            conn.execute(insert(EVENTS), rows)
            rows = []
    if rows:
        conn.execute(insert(EVENTS), rows)


def events_of(conn: Connection, handle: str) -> list[dict[str, object]]:
    return [dict(r._mapping) for r in conn.execute(
        select(EVENTS).where(EVENTS.c.handle == handle).order_by(EVENTS.c.event_id))]
